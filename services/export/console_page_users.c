/* console_page_users: "Người dùng" (docs/design.md §14), for admins only (the router refuses
 * anyone else): the accounts, adding one, disabling and enabling, setting a new password, all
 * through console_users.h, which stats audits with the admin's name. A changed account's sessions
 * end at once; the account re-check of every request would end them anyway. */
#include "console_app.h"

#include "console_users.h"
#include "log.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *role, *name;
} roles[] = {
    {"viewer", "Xem (viewer): xem số liệu, tải báo cáo"},
    {"officer", "Cán bộ (officer): thêm chốt và mở lại số liệu"},
    {"admin", "Quản trị (admin): thêm quản lý người dùng"},
};

static const char *role_short(const char *role)
{
	if (!strcmp(role, "admin"))
		return "Quản trị";
	if (!strcmp(role, "officer"))
		return "Cán bộ";
	if (!strcmp(role, "viewer"))
		return "Xem";
	return role;
}

/* Every unit code of the registry once, with its newest name, for the scope field's list. */
static void scope_datalist(html *h, const units *u)
{
	html_raw(h, "<datalist id=\"ds-don-vi\">\n");
	size_t n = u ? units_count(u) : 0;
	for (size_t i = 0; i < n; i++) {
		const unit *x = units_at(u, i), *newer = NULL;
		for (size_t k = 0; k < n && !newer; k++) {
			const unit *y = units_at(u, k);
			if (k != i && !strcmp(y->code, x->code) &&
			    y->valid_from_ms > x->valid_from_ms)
				newer = y;
		}
		if (newer)
			continue;
		html_raw(h, "<option value=\"");
		html_attr(h, x->code);
		html_raw(h, "\">");
		html_text(h, x->name);
		html_raw(h, "</option>\n");
	}
	html_raw(h, "</datalist>\n");
}

static void post_form(html *h, const console_view *v, const char *action, const char *user)
{
	html_raw(h, "<form method=\"post\" action=\"/users\">\n");
	console_csrf_input(h, v);
	html_rawf(h, "<input type=\"hidden\" name=\"action\" value=\"%s\">\n", action);
	html_raw(h, "<input type=\"hidden\" name=\"name\" value=\"");
	html_attr(h, user);
	html_raw(h, "\">\n");
}

static void users_table(html *h, const console_view *v, const console_user *list, size_t n)
{
	html_raw(h, "<section id=\"danh-sach\" class=\"the\">\n<h2>Tài khoản</h2>\n"
	            "<div class=\"bang-cuon\"><table id=\"bang-nguoi-dung\">\n<thead><tr>"
	            "<th scope=\"col\">Tên đăng nhập</th><th scope=\"col\">Vai trò</th>"
	            "<th scope=\"col\">Phạm vi</th><th scope=\"col\">Tình trạng</th>"
	            "<th scope=\"col\">Thay đổi lần cuối</th><th scope=\"col\">Thao tác</th>"
	            "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const console_user *u = &list[i];
		char when[64];
		console_time_text(u->changed_ms, when, sizeof when);
		html_raw(h, "<tr data-user=\"");
		html_attr(h, u->name);
		html_rawf(h, "\" data-state=\"%s\"><td>", u->disabled ? "disabled" : "active");
		html_text(h, u->name);
		html_raw(h, "</td><td>");
		html_text(h, role_short(u->role));
		html_raw(h, "</td><td>");
		html_text(h, u->scope[0] ? u->scope : "Toàn tỉnh");
		html_rawf(h, "</td><td>%s</td><td>%s</td><td><div class=\"hang-nut\">",
		          u->disabled ? "Đã khóa" : "Đang dùng", when);
		if (strcmp(u->name, v->who->user)) {
			post_form(h, v, u->disabled ? "enable" : "disable", u->name);
			html_rawf(h, "<button type=\"submit\" class=\"phu\">%s</button></form>\n",
			          u->disabled ? "Mở khóa" : "Khóa");
		}
		post_form(h, v, "passwd", u->name);
		html_raw(h, "<label class=\"khong-in\">Mật khẩu mới <input type=\"password\" "
		            "name=\"password\" autocomplete=\"new-password\" minlength=\"10\" "
		            "maxlength=\"128\" required></label>\n<button type=\"submit\" "
		            "class=\"phu\">Đặt mật khẩu</button></form>\n</div></td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static void add_form(html *h, const console_view *v, const units *u)
{
	html_raw(h, "<section id=\"them\" class=\"the\">\n<h2>Thêm người dùng</h2>\n"
	            "<form id=\"them-nguoi-dung\" class=\"bieu-mau\" method=\"post\" "
	            "action=\"/users\">\n");
	console_csrf_input(h, v);
	html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"add\">\n"
	            "<label for=\"ten-moi\">Tên đăng nhập</label>\n"
	            "<input id=\"ten-moi\" name=\"name\" maxlength=\"63\" required "
	            "autocomplete=\"off\">\n<label for=\"vai-tro\">Vai trò</label>\n"
	            "<select id=\"vai-tro\" name=\"role\">\n");
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		html_rawf(h, "<option value=\"%s\">%s</option>\n", roles[i].role, roles[i].name);
	html_raw(h, "</select>\n<label for=\"pham-vi\">Phạm vi: mã đơn vị (để trống = toàn "
	            "tỉnh)</label>\n<input id=\"pham-vi\" name=\"scope\" maxlength=\"15\" "
	            "list=\"ds-don-vi\" autocomplete=\"off\">\n");
	scope_datalist(h, u);
	html_raw(h,
	         "<label for=\"mat-khau-moi\">Mật khẩu (ít nhất 10 ký tự)</label>\n"
	         "<input id=\"mat-khau-moi\" name=\"password\" type=\"password\" minlength=\"10\" "
	         "maxlength=\"128\" autocomplete=\"new-password\" required>\n"
	         "<label for=\"nhap-lai\">Nhập lại mật khẩu</label>\n"
	         "<input id=\"nhap-lai\" name=\"password2\" type=\"password\" minlength=\"10\" "
	         "maxlength=\"128\" autocomplete=\"new-password\" required>\n"
	         "<div class=\"hang-nut\"><button id=\"nut-them\" type=\"submit\">Thêm người "
	         "dùng</button></div>\n</form>\n</section>\n");
}

static void users_page(const console_view *v, int status, const char *message, int is_error,
                       http_resp *out)
{
	console_user *list = NULL;
	size_t n = 0;
	char err[1024];
	int rc = console_user_list(v->app->ctx->stats, &list, &n, err, sizeof err);
	if (rc != 0) {
		free(list);
		console_failure_page(v, "Không lấy được danh sách người dùng", err, out);
		return;
	}
	const units *u = console_units_hold(v->app, err, sizeof err);
	html h = {0};
	console_page_begin(&h, v, "Người dùng", "/users");
	const char *done = http_query(v->req, "done");
	if (!message && done) {
		if (!strcmp(done, "add"))
			message = "Đã thêm người dùng.";
		else if (!strcmp(done, "disable"))
			message =
			    "Đã khóa tài khoản; các phiên làm việc của tài khoản đó đã kết thúc.";
		else if (!strcmp(done, "enable"))
			message = "Đã mở khóa tài khoản.";
		else if (!strcmp(done, "passwd"))
			message = "Đã đặt mật khẩu mới; người dùng cần đăng nhập lại.";
	}
	if (message) {
		html_rawf(&h, "<p id=\"ket-qua\" class=\"thong-bao %s\" role=\"alert\">",
		          is_error ? "loi" : "ok");
		html_text(&h, message);
		html_raw(&h, "</p>\n");
	}
	users_table(&h, v, list, n);
	add_form(&h, v, u);
	console_page_end(&h);
	console_units_release(v->app, u);
	for (size_t i = 0; i < n; i++)
		sodium_memzero(list[i].hash, sizeof list[i].hash);
	free(list);
	console_send_html(&h, status, out);
}

/* A refusal of the accounts module in words an admin acts on. */
static const char *refusal_words(int rc)
{
	switch (rc) {
	case CONSOLE_USER_EXISTS:
		return "Tên đăng nhập này đã có; hãy chọn tên khác.";
	case CONSOLE_USER_NOT_FOUND:
		return "Không có tài khoản này (có thể vừa bị xóa).";
	case CONSOLE_USER_BAD_NAME:
		return "Tên đăng nhập không hợp lệ: 1 đến 63 ký tự gồm chữ thường không dấu (a-z), "
		       "số, dấu chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ hoặc số.";
	case CONSOLE_USER_BAD_ROLE:
		return "Vai trò không hợp lệ: chọn Xem, Cán bộ hoặc Quản trị.";
	case CONSOLE_USER_BAD_SCOPE:
		return "Phạm vi không hợp lệ: hãy nhập mã một đơn vị có trong danh mục, hoặc để "
		       "trống cho toàn tỉnh.";
	case CONSOLE_USER_WEAK_PASSWORD:
		return "Mật khẩu phải có từ 10 ký tự trở lên (và không quá 128 byte).";
	default:
		return "Không thực hiện được.";
	}
}

static void users_post(const console_view *v, http_resp *out)
{
	const char *action = http_form(v->req, "action"), *name = http_form(v->req, "name");
	const char *password = http_form(v->req, "password");
	wire_client *stats = v->app->ctx->stats;
	const char *by = v->who->user;
	char err[1024] = "";
	int rc;
	if (!action || !name || !*name) {
		users_page(v, 400, "Biểu mẫu thiếu tên đăng nhập hoặc thao tác.", 1, out);
		return;
	}
	if (!strcmp(action, "add")) {
		const char *p2 = http_form(v->req, "password2"),
		           *scope = http_form(v->req, "scope");
		const char *role = http_form(v->req, "role");
		if (!password || !p2 || strcmp(password, p2)) {
			users_page(v, 400, "Hai lần nhập mật khẩu không khớp.", 1, out);
			return;
		}
		rc = console_user_add(stats, name, role ? role : "", scope ? scope : "", password,
		                      by, err, sizeof err);
	} else if (!strcmp(action, "disable") || !strcmp(action, "enable")) {
		int disable = !strcmp(action, "disable");
		if (disable && !strcmp(name, by)) {
			users_page(
			    v, 400,
			    "Không thể tự khóa tài khoản đang đăng nhập: hãy nhờ một quản trị "
			    "viên khác.",
			    1, out);
			return;
		}
		rc = console_user_set_disabled(stats, name, disable, by, err, sizeof err);
	} else if (!strcmp(action, "passwd")) {
		rc =
		    console_user_passwd(stats, name, password ? password : "", by, err, sizeof err);
	} else {
		users_page(v, 400, "Biểu mẫu gửi một thao tác không có.", 1, out);
		return;
	}
	if (rc < 0) {
		console_failure_page(v, "Không thay đổi được tài khoản", err, out);
		return;
	}
	if (rc > 0) {
		log_info("console: %s's %s of account %s refused: %s", by, action, name, err);
		users_page(v, 400, refusal_words(rc), 1, out);
		return;
	}
	log_info("console: %s did %s on account %s", by, action, name);
	if (strcmp(action, "add") && strcmp(action, "enable"))
		session_drop_user(v->app->sessions, name);
	if (!strcmp(name, by) && !strcmp(action, "passwd")) {
		http_resp_redirect(out, "/login?expired=1");
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/users?done=%s", action);
	http_resp_redirect(out, loc);
}

void page_users(const console_view *v, http_resp *out)
{
	if (!strcmp(v->req->method, "POST"))
		users_post(v, out);
	else
		users_page(v, 200, NULL, 0, out);
}

/* console_page_closing: "Chốt số liệu" (docs/design.md §13, §14): the versions of a period and
 * scope, closing and reopening through export's own cycle (cycle_run, as `cchc period close` and
 * `reopen`, by the signed-in user), and what changed since the closed version (cycle_diff, as
 * `cchc period diff`). Only officers and admins see the forms, and only they may post them. */
#include "console_app.h"

#include "cycle.h"
#include "log.h"
#include "vnfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 1000 /* bytes of a note or a reason */

/* A refused close or reopen, shown above the forms. */
typedef struct refusal {
	const char *message; /* Vietnamese */
	const char *detail;  /* stats' own words, or NULL */
	char *const *silent; /* the silent offices that refused a close */
	size_t n_silent;
	const char *note; /* the note to carry into "close anyway" */
} refusal;

static void versions_table(html *h, const Cchc__V1__PeriodReply *list)
{
	html_raw(h, "<section id=\"phien-ban\" class=\"the\">\n<h2>Các phiên bản đã chốt</h2>\n");
	if (!list->n_closings) {
		html_raw(h, "<p id=\"chua-chot\">Kỳ này chưa chốt số liệu.</p>\n</section>\n");
		return;
	}
	html_raw(h, "<div class=\"bang-cuon\"><table id=\"bang-phien-ban\">\n<thead><tr>"
	            "<th scope=\"col\">Phiên bản</th><th scope=\"col\">Chốt lúc</th>"
	            "<th scope=\"col\">Người chốt</th><th scope=\"col\">Ghi chú</th>"
	            "<th scope=\"col\">Chốt khi còn đơn vị chưa gửi</th>"
	            "<th scope=\"col\">Tình trạng</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < list->n_closings; i++) {
		const Cchc__V1__Closing *c = list->closings[i];
		int reopened = c->has_reopened_ms && c->reopened_ms;
		char when[64];
		console_time_text(c->closed_ms, when, sizeof when);
		html_rawf(h,
		          "<tr data-version=\"%d\" data-state=\"%s\"><td class=\"so\">%d</td>"
		          "<td>%s</td><td>",
		          c->version, reopened ? "reopened" : "standing", c->version, when);
		html_text(h, c->closed_by ? c->closed_by : "");
		html_raw(h, "</td><td>");
		html_text(h, c->note ? c->note : "");
		html_rawf(h, "</td><td>%s</td><td>", c->forced ? "Có" : "Không");
		if (reopened) {
			console_time_text(c->reopened_ms, when, sizeof when);
			html_rawf(h, "Đã mở lại lúc %s, người mở: ", when);
			html_text(h, c->reopened_by ? c->reopened_by : "");
			html_raw(h, "; lý do: ");
			html_text(h, c->reopen_reason ? c->reopen_reason : "");
		} else {
			html_raw(h, "<b>Đang có hiệu lực</b>");
		}
		html_raw(h, "</td></tr>\n");
	}
	html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static void form_start(html *h, const console_view *v, const char *id, const char *action)
{
	html_rawf(h, "<form id=\"%s\" class=\"bieu-mau\" method=\"post\" action=\"/closing", id);
	console_view_query(h, v);
	html_raw(h, "\">\n");
	console_csrf_input(h, v);
	html_rawf(h, "<input type=\"hidden\" name=\"action\" value=\"%s\">\n", action);
}

static void forms(html *h, const console_view *v, int standing, const refusal *r)
{
	html_raw(h, "<section id=\"thao-tac\" class=\"the\">\n");
	if (!console_may_close(v->who)) {
		html_raw(h,
		         "<h2>Chốt, mở lại</h2>\n<p>Tài khoản xem (viewer) chỉ xem được các phiên "
		         "bản; việc chốt và mở lại số liệu do cán bộ (officer) hoặc quản trị "
		         "(admin) thực hiện.</p>\n</section>\n");
		return;
	}
	if (r && r->n_silent) {
		html_raw(h,
		         "<h2>Vẫn chốt khi còn đơn vị chưa gửi?</h2>\n<p>Nếu đã đôn đốc mà các đơn "
		         "vị trên vẫn chưa gửi (hoặc trong kỳ không phát sinh hồ sơ), có thể vẫn "
		         "chốt; phiên bản sẽ được ghi là chốt khi còn đơn vị chưa gửi.</p>\n");
		form_start(h, v, "form-chot-van", "close");
		html_raw(h, "<input type=\"hidden\" name=\"force\" value=\"1\">\n"
		            "<label for=\"ghi-chu-van\">Ghi chú</label>\n"
		            "<textarea id=\"ghi-chu-van\" name=\"note\" maxlength=\"1000\">");
		html_text(h, r->note ? r->note : "");
		html_raw(h, "</textarea>\n<div class=\"hang-nut\"><button id=\"nut-chot-van\" "
		            "type=\"submit\" class=\"canh-bao\">Vẫn chốt số liệu</button></div>\n"
		            "</form>\n</section>\n");
		return;
	}
	if (!standing) {
		html_raw(h,
		         "<h2>Chốt số liệu</h2>\n<p>Chốt ghi lại số liệu hiện nay thành một phiên "
		         "bản: báo cáo tải về sau đó luôn là số liệu của phiên bản chốt, kể cả khi "
		         "có hồ sơ gửi muộn.</p>\n");
		form_start(h, v, "form-chot", "close");
		html_raw(h,
		         "<label for=\"ghi-chu\">Ghi chú (không bắt buộc)</label>\n"
		         "<textarea id=\"ghi-chu\" name=\"note\" maxlength=\"1000\"></textarea>\n"
		         "<div class=\"hang-nut\"><button id=\"nut-chot\" type=\"submit\">Chốt số "
		         "liệu</button></div>\n</form>\n");
	} else {
		html_raw(h,
		         "<h2>Mở lại kỳ đã chốt</h2>\n<p>Mở lại khi cần chốt lại với số liệu mới; "
		         "phiên bản cũ vẫn được lưu và ghi rõ ai mở lại, vì sao.</p>\n");
		form_start(h, v, "form-mo-lai", "reopen");
		html_raw(h, "<label for=\"ly-do-mo\">Lý do mở lại (bắt buộc)</label>\n"
		            "<input id=\"ly-do-mo\" name=\"reason\" maxlength=\"1000\" required>\n"
		            "<div class=\"hang-nut\"><button id=\"nut-mo-lai\" type=\"submit\" "
		            "class=\"phu\">Mở lại kỳ</button></div>\n</form>\n");
	}
	html_raw(h, "</section>\n");
}

static void side_words(const diff_side *s, char *buf, size_t len)
{
	char when[64];
	if (!s->version) {
		snprintf(buf, len, "số liệu hiện nay");
		return;
	}
	console_time_text(s->closed_ms, when, sizeof when);
	snprintf(buf, len, "phiên bản %d (chốt lúc %s)", s->version, when);
}

static void diff_section(html *h, const console_view *v, const cycle_diff_result *r)
{
	char a[128], b[128], n1[VNFMT_LEN], n2[VNFMT_LEN], n3[VNFMT_LEN], row[256];
	side_words(&r->from, a, sizeof a);
	side_words(&r->to, b, sizeof b);
	html_rawf(h,
	          "<section id=\"chenh-lech\" class=\"the\">\n<h2>Số liệu thay đổi sau khi "
	          "chốt</h2>\n<p>So sánh %s với %s.</p>\n",
	          a, b);
	if (!r->d.n) {
		html_raw(
		    h, "<p id=\"khong-thay-doi\" class=\"thong-bao ok\">Không có số liệu nào thay "
		       "đổi.</p>\n");
	} else {
		html_raw(h, "<div class=\"bang-cuon\"><table id=\"bang-chenh-lech\">\n<thead><tr>"
		            "<th scope=\"col\">Dòng</th><th scope=\"col\">Chỉ tiêu</th>"
		            "<th scope=\"col\">Khi chốt</th><th scope=\"col\">Hiện nay</th>"
		            "<th scope=\"col\">Chênh lệch</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < r->d.n; i++) {
			const diff_change *c = &r->d.changes[i];
			diff_row_label(c, row, sizeof row);
			vnfmt_count(c->then, n1, sizeof n1);
			vnfmt_count(c->now, n2, sizeof n2);
			vnfmt_count(c->now - c->then, n3, sizeof n3);
			html_rawf(h, "<tr data-group=\"%s\" data-code=\"", c->group);
			html_attr(h, c->code);
			html_rawf(h, "\" data-figure=\"%s\"><td>", c->figure);
			html_text(h, row);
			html_rawf(h,
			          "</td><td>%s</td><td class=\"so\">%s</td><td class=\"so\">%s</td>"
			          "<td class=\"so\">%s%s</td></tr>\n",
			          diff_figure_name(c->group, c->figure), n1, n2,
			          c->now > c->then ? "+" : "", n3);
		}
		html_raw(h, "</tbody>\n</table></div>\n");
	}
	int64_t total = 0;
	for (size_t i = 0; i < r->n_arrivals; i++)
		total += r->arrivals[i]->events;
	vnfmt_count(total, n1, sizeof n1);
	html_rawf(h,
	          "<h3>Sự kiện thuộc kỳ được gửi sau khi chốt: <span id=\"so-su-kien-muon\">%s"
	          "</span></h3>\n",
	          n1);
	if (r->n_arrivals) {
		html_raw(h, "<div class=\"bang-cuon\"><table id=\"bang-gui-sau-chot\">\n<thead><tr>"
		            "<th scope=\"col\">Đơn vị</th><th scope=\"col\">Ngày gửi</th>"
		            "<th scope=\"col\">Số sự kiện</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < r->n_arrivals; i++) {
			const Cchc__V1__Arrival *x = r->arrivals[i];
			const char *name = console_unit_name(v, x->office);
			char day[VNFMT_LEN] = "";
			vnfmt_date(x->day ? x->day : "", day, sizeof day);
			vnfmt_count(x->events, n1, sizeof n1);
			html_raw(h, "<tr data-code=\"");
			html_attr(h, x->office ? x->office : "");
			html_raw(h, "\"><td>");
			html_text(h, name ? name : "");
			html_raw(h, " (mã ");
			html_text(h, x->office ? x->office : "");
			html_rawf(h, ")</td><td>%s</td><td class=\"so\">%s</td></tr>\n", day, n1);
		}
		html_raw(h, "</tbody>\n</table></div>\n");
	}
	html_raw(h, "</section>\n");
}

static void closing_page(const console_view *v, int status, const refusal *r, http_resp *out)
{
	Cchc__V1__PeriodRequest rq = CCHC__V1__PERIOD_REQUEST__INIT;
	Cchc__V1__PeriodReply list = CCHC__V1__PERIOD_REPLY__INIT;
	rq.action = "list";
	rq.period = (char *)v->period_text;
	rq.scope = (char *)v->scope;
	if (cycle_run(v->app->ctx, &rq, &list) != 0) {
		console_failure_page(v, "Không lấy được các phiên bản chốt của kỳ",
		                     list.error ? list.error : "", out);
		cycle_reply_clear(&list);
		return;
	}
	int standing = 0;
	for (size_t i = 0; i < list.n_closings; i++)
		standing |= !list.closings[i]->has_reopened_ms || !list.closings[i]->reopened_ms;
	cycle_diff_result d;
	char err[1024];
	int has_diff = 0;
	if (list.n_closings) {
		if (cycle_diff(v->app->ctx, &v->period, v->scope, 0, 0, &d, err, sizeof err) != 0)
			log_warn("console: diff of %s scope %s: %s", v->period_text, v->scope, err);
		else
			has_diff = 1;
	}

	html h = {0};
	console_page_begin(&h, v, "Chốt số liệu", "/closing");
	console_view_caption(&h, v);
	const char *done = http_query(v->req, "done");
	if (!r && done && !strcmp(done, "close"))
		html_raw(&h,
		         "<p id=\"ket-qua\" class=\"thong-bao ok\">Đã chốt số liệu. Báo cáo tải "
		         "về từ nay là số liệu của phiên bản chốt.</p>\n");
	else if (!r && done && !strcmp(done, "reopen"))
		html_raw(&h,
		         "<p id=\"ket-qua\" class=\"thong-bao ok\">Đã mở lại kỳ. Có thể chốt lại "
		         "khi số liệu đã đủ.</p>\n");
	if (r) {
		html_raw(&h, "<div id=\"tu-choi\" class=\"thong-bao loi\" role=\"alert\"><p>");
		html_text(&h, r->message);
		html_raw(&h, "</p>\n");
		if (r->n_silent) {
			html_raw(&h, "<ul>\n");
			for (size_t i = 0; i < r->n_silent; i++) {
				const char *name = console_unit_name(v, r->silent[i]);
				html_raw(&h, "<li data-code=\"");
				html_attr(&h, r->silent[i]);
				html_raw(&h, "\">");
				html_text(&h, name ? name : "");
				html_raw(&h, " (mã ");
				html_text(&h, r->silent[i]);
				html_raw(&h, ")</li>\n");
			}
			html_raw(&h, "</ul>\n");
		}
		if (r->detail && *r->detail) {
			html_raw(&h, "<details><summary>Chi tiết kỹ thuật</summary><pre>");
			html_text(&h, r->detail);
			html_raw(&h, "</pre></details>\n");
		}
		html_raw(&h, "</div>\n");
	}
	/* after a refusal its way out comes first; else what stands, then what can be done */
	if (r)
		forms(&h, v, standing, r);
	versions_table(&h, &list);
	if (!r)
		forms(&h, v, standing, r);
	if (has_diff) {
		diff_section(&h, v, &d);
		cycle_diff_free(&d);
	}
	console_page_end(&h);
	cycle_reply_clear(&list);
	console_send_html(&h, status, out);
}

/* After a close or a reopen: back to the page by GET, so a reload posts nothing twice. */
static void done(const console_view *v, const char *what, http_resp *out)
{
	html loc = {0};
	html_raw(&loc, "/closing?period=");
	html_url(&loc, v->period_text);
	html_raw(&loc, "&scope=");
	html_url(&loc, v->scope);
	html_rawf(&loc, "&done=%s", what);
	http_resp_redirect(out, loc.failed ? "/closing" : loc.buf);
	html_free(&loc);
}

/* A text field of the form, trimmed of surrounding blanks into buf; -1 when too long. */
static int form_text(const console_view *v, const char *name, char *buf, size_t len)
{
	const char *s = http_form(v->req, name);
	buf[0] = '\0';
	if (!s)
		return 0;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= len)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static void closing_post(const console_view *v, http_resp *out)
{
	const char *action = http_form(v->req, "action");
	char note[TEXT_MAX + 1], reason[TEXT_MAX + 1];
	refusal r = {0};
	if (!console_may_close(v->who)) {
		log_warn("console: %s (%s) tried to %s %s scope %s: refused", v->who->user,
		         v->who->role, action ? action : "post", v->period_text, v->scope);
		console_error_page(
		    v, 403, NULL,
		    "Tài khoản xem (viewer) không được chốt hay mở lại số liệu. Việc "
		    "này do cán bộ (officer) hoặc quản trị (admin) thực hiện.",
		    out);
		return;
	}
	int is_close = action && !strcmp(action, "close");
	if (!is_close && !(action && !strcmp(action, "reopen"))) {
		console_error_page(v, 400, NULL, "Biểu mẫu gửi một thao tác không có.", out);
		return;
	}
	if (form_text(v, "note", note, sizeof note) != 0 ||
	    form_text(v, "reason", reason, sizeof reason) != 0) {
		r.message = "Ghi chú hoặc lý do dài quá 1000 ký tự.";
		closing_page(v, 400, &r, out);
		return;
	}
	if (!is_close && !reason[0]) {
		r.message = "Chưa mở lại: cần ghi lý do mở lại kỳ đã chốt.";
		closing_page(v, 400, &r, out);
		return;
	}
	Cchc__V1__PeriodRequest rq = CCHC__V1__PERIOD_REQUEST__INIT;
	Cchc__V1__PeriodReply rep = CCHC__V1__PERIOD_REPLY__INIT;
	const char *force = http_form(v->req, "force");
	rq.action = is_close ? "close" : "reopen";
	rq.period = (char *)v->period_text;
	rq.scope = (char *)v->scope;
	rq.by = (char *)v->who->user;
	rq.note = note;
	rq.reason = reason;
	rq.has_force = 1;
	rq.force = is_close && force && !strcmp(force, "1");
	if (cycle_run(v->app->ctx, &rq, &rep) == 0) {
		log_info("console: %s %s %s scope %s%s", v->who->user,
		         is_close ? "closed" : "reopened", v->period_text, v->scope,
		         rq.force ? " (forced)" : "");
		cycle_reply_clear(&rep);
		done(v, rq.action, out);
		return;
	}
	log_warn("console: %s of %s scope %s by %s refused: %s", rq.action, v->period_text,
	         v->scope, v->who->user, rep.error ? rep.error : "");
	char m[256];
	if (is_close && rep.n_silent) {
		snprintf(m, sizeof m,
		         "Chưa chốt: %zu đơn vị chưa gửi số liệu nào có ngày trong kỳ. Hãy đôn đốc "
		         "các đơn vị này (trang Kiểm tra), hoặc vẫn chốt nếu đã rõ lý do:",
		         rep.n_silent);
		r.silent = rep.silent;
		r.n_silent = rep.n_silent;
		r.note = note;
	} else {
		snprintf(m, sizeof m, "%s",
		         is_close ? "Chưa chốt được số liệu (có thể kỳ vừa được người khác chốt). "
		                    "Xem lại các phiên bản bên dưới."
		                  : "Chưa mở lại được kỳ (có thể kỳ vừa được người khác mở lại). "
		                    "Xem lại các phiên bản bên dưới.");
		r.detail = rep.error;
	}
	r.message = m;
	closing_page(v, 409, &r, out);
	cycle_reply_clear(&rep);
}

void page_closing(const console_view *v, http_resp *out)
{
	if (!strcmp(v->req->method, "POST"))
		closing_post(v, out);
	else
		closing_page(v, 200, NULL, out);
}

/* console_frame: what every console page looks like (docs/design.md §14): the head and the one
 * stylesheet, the navigation, the signed-in user and the sign-out, the period and scope chooser
 * (a plain GET form: the console runs no JavaScript), and the error pages. */
#include "console_app.h"

#include "cchc/v1/export.pb-c.h"
#include "log.h"
#include "service.h"
#include "units.h"
#include "vnfmt.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The pages in the navigation; those with a period carry it from page to page. */
static const struct {
	const char *path, *name, *id;
	int admin;
} nav_items[] = {
    {"/", "Số liệu", "figures", 0},       {"/downloads", "Tải về", "downloads", 0},
    {"/checks", "Kiểm tra", "checks", 0}, {"/closing", "Chốt số liệu", "closing", 0},
    {"/users", "Người dùng", "users", 1},
};

static const char *role_name(const char *role)
{
	if (!strcmp(role, "admin"))
		return "quản trị";
	if (!strcmp(role, "officer"))
		return "cán bộ";
	return "xem";
}

void console_csrf_input(html *h, const console_view *v)
{
	html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(h, v->who ? v->who->csrf : "");
	html_raw(h, "\">\n");
}

void console_view_query(html *h, const console_view *v)
{
	html_raw(h, "?period=");
	html_url(h, v->period_text);
	html_raw(h, "&amp;scope=");
	html_url(h, v->scope);
}

const char *console_unit_name(const console_view *v, const char *code)
{
	const unit *u = v->units && code ? units_find(v->units, code, v->day_ms) : NULL;
	return u ? u->name : NULL;
}

void console_time_text(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%d/%m/%Y %H:%M", &tm))
		snprintf(buf, len, "-");
}

/* "Quý I năm 2024": the report's words for a period, capitalised for a list. */
static void period_words(const period *p, char *buf, size_t len)
{
	if (vnfmt_period_title(p, buf, len) != 0)
		snprintf(buf, len, "%s", p->label);
	buf[0] = (char)toupper((unsigned char)buf[0]);
}

void console_view_caption(html *h, const console_view *v)
{
	char words[128], from[VNFMT_LEN], to[VNFMT_LEN];
	period_words(&v->period, words, sizeof words);
	vnfmt_date(v->period.first_day, from, sizeof from);
	vnfmt_date(v->period.last_day, to, sizeof to);
	html_raw(h, "<p id=\"ky-bao-cao\" class=\"ky-bao-cao\"><span data-period=\"");
	html_attr(h, v->period_text);
	html_raw(h, "\">");
	html_text(h, words);
	html_rawf(h, " (từ ngày %s đến ngày %s)</span> · <span data-scope=\"", from, to);
	html_attr(h, v->scope);
	html_raw(h, "\">");
	html_text(h, *v->scope_name ? v->scope_name : v->scope);
	html_raw(h, " (mã ");
	html_text(h, v->scope);
	html_raw(h, ")</span></p>\n");
}

/* ---- the chooser ---- */

static void period_option(html *h, const console_view *v, const char *label)
{
	period p;
	char err[128], words[128];
	if (period_parse(label, &p, err, sizeof err) != 0)
		return;
	period_words(&p, words, sizeof words);
	html_raw(h, "<option value=\"");
	html_attr(h, label);
	html_raw(h, !strcmp(label, v->period_text) ? "\" selected>" : "\">");
	html_text(h, words);
	html_raw(h, "</option>\n");
}

/* The named periods of this year and the three before it (and the one shown, if older). */
static void period_select(html *h, const console_view *v)
{
	static const char *const tails[] = {"-Q1", "-Q2", "-Q3", "-Q4", "-H1", "-H2", "-9M", ""};
	time_t t = (time_t)(service_clock_ms() / 1000);
	struct tm tm;
	int this_year = localtime_r(&t, &tm) ? tm.tm_year + 1900 : v->period.year;
	int listed = 0;
	html_raw(h, "<select id=\"ky\" name=\"period\">\n");
	for (int y = this_year; y > this_year - 4; y--)
		for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
			char label[16];
			snprintf(label, sizeof label, "%d%s", y, tails[i]);
			listed |= !strcmp(label, v->period_text);
		}
	if (!listed && v->period.kind != PERIOD_MONTH && v->period.kind != PERIOD_CUSTOM)
		period_option(h, v, v->period_text);
	for (int y = this_year; y > this_year - 4; y--) {
		html_rawf(h, "<optgroup label=\"Năm %d\">\n", y);
		for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
			char label[16];
			snprintf(label, sizeof label, "%d%s", y, tails[i]);
			period_option(h, v, label);
		}
		html_raw(h, "</optgroup>\n");
	}
	html_raw(h, "</select>\n");
}

/* Units under `code` on the view's day that the user may see, indented by depth. */
static void scope_children(html *h, const console_view *v, const char *code, int depth)
{
	size_t n = units_count(v->units);
	for (size_t i = 0; i < n; i++) {
		const unit *u = units_at(v->units, i);
		if (strcmp(u->parent, code) || u->valid_from_ms > v->day_ms ||
		    u->valid_to_ms <= v->day_ms || depth > 4)
			continue;
		html_raw(h, "<option value=\"");
		html_attr(h, u->code);
		html_raw(h, !strcmp(u->code, v->scope) ? "\" selected>" : "\">");
		for (int d = 0; d < depth; d++)
			html_raw(h, "\xC2\xA0\xC2\xA0\xC2\xA0"); /* no-break spaces: an indent */
		html_text(h, u->name);
		html_raw(h, "</option>\n");
		scope_children(h, v, u->code, depth + 1);
	}
}

static void scope_select(html *h, const console_view *v)
{
	html_raw(h, "<select id=\"don-vi\" name=\"scope\">\n");
	if (v->units) {
		const char *top = v->who->scope;
		const unit *mine = top[0] ? units_find(v->units, top, v->day_ms) : NULL;
		if (mine) {
			html_raw(h, "<option value=\"");
			html_attr(h, mine->code);
			html_raw(h, !strcmp(mine->code, v->scope) ? "\" selected>" : "\">");
			html_text(h, mine->name);
			html_raw(h, "</option>\n");
			scope_children(h, v, mine->code, 1);
		} else if (!top[0]) {
			scope_children(h, v, "", 0);
		}
	}
	html_raw(h, "</select>\n");
}

static void chooser(html *h, const console_view *v, const char *active)
{
	html_raw(h, "<form id=\"chon-ky\" class=\"chon-ky\" method=\"get\" action=\"");
	html_attr(h, active);
	html_raw(h, "\">\n<div class=\"o-chon\"><label for=\"don-vi\">Đơn vị</label>\n");
	scope_select(h, v);
	html_raw(h, "</div>\n<div class=\"o-chon\"><label for=\"ky\">Kỳ báo cáo</label>\n");
	period_select(h, v);
	html_raw(h, "<button type=\"submit\" name=\"pick\" value=\"named\">Xem</button></div>\n"
	            "<div class=\"o-chon\"><label for=\"thang\">Tháng</label>\n"
	            "<input id=\"thang\" type=\"month\" name=\"month\" placeholder=\"2024-03\" "
	            "value=\"");
	if (v->period.kind == PERIOD_MONTH)
		html_attr(h, v->period_text);
	html_raw(h, "\">\n<button type=\"submit\" name=\"pick\" value=\"month\">Xem tháng</button>"
	            "</div>\n<div class=\"o-chon\"><label for=\"tu\">Từ ngày</label>\n"
	            "<input id=\"tu\" type=\"date\" name=\"from\" value=\"");
	if (v->period.kind == PERIOD_CUSTOM)
		html_attr(h, v->period.first_day);
	html_raw(h, "\">\n<label for=\"den\">đến ngày</label>\n"
	            "<input id=\"den\" type=\"date\" name=\"to\" value=\"");
	if (v->period.kind == PERIOD_CUSTOM)
		html_attr(h, v->period.last_day);
	html_raw(h, "\">\n<button type=\"submit\" name=\"pick\" value=\"range\">Xem khoảng "
	            "ngày</button></div>\n</form>\n");
}

/* ---- the frame ---- */

void console_page_begin(html *h, const console_view *v, const char *title, const char *active)
{
	html_raw(h, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	            "<title>");
	html_text(h, title);
	html_raw(h, " · Báo cáo CCHC</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
	            "</head>\n<body>\n<header class=\"dau-trang\">\n"
	            "<a class=\"ten-he-thong\" href=\"/\">Báo cáo cải cách hành chính</a>\n");
	int with_period = v && v->period_text[0];
	if (v && v->who) {
		html_raw(h, "<nav id=\"menu\" aria-label=\"Trang\"><ul>\n");
		for (size_t i = 0; i < sizeof nav_items / sizeof nav_items[0]; i++) {
			if (nav_items[i].admin && !console_may_manage_users(v->who))
				continue;
			html_rawf(h, "<li><a data-page=\"%s\" href=\"%s", nav_items[i].id,
			          nav_items[i].path);
			if (with_period && !nav_items[i].admin)
				console_view_query(h, v);
			html_raw(h, active && !strcmp(active, nav_items[i].path)
			                ? "\" aria-current=\"page\">"
			                : "\">");
			html_raw(h, nav_items[i].name);
			html_raw(h, "</a></li>\n");
		}
		html_raw(h, "</ul></nav>\n<div class=\"nguoi-dung\"><span id=\"nguoi-dung\">");
		html_text(h, v->who->user);
		html_rawf(h, " (%s", role_name(v->who->role));
		if (v->who->scope[0]) {
			html_raw(h, ", đơn vị ");
			html_text(h, v->who->scope);
		}
		html_raw(h,
		         ")</span>\n<form id=\"dang-xuat\" method=\"post\" action=\"/logout\">\n");
		console_csrf_input(h, v);
		html_raw(
		    h, "<button type=\"submit\" class=\"phu\">Đăng xuất</button>\n</form></div>\n");
	}
	html_raw(h, "</header>\n<main>\n<h1>");
	html_text(h, title);
	html_raw(h, "</h1>\n");
	if (with_period && v->who && active && strcmp(active, "/users"))
		chooser(h, v, active);
}

void console_page_end(html *h)
{
	html_raw(h,
	         "</main>\n<footer class=\"chan-trang\">cchc · số liệu tính từ hồ sơ của bộ phận "
	         "một cửa (Nghị định 09/2019/NĐ-CP, Thông tư 01/2020/TT-VPCP)</footer>\n"
	         "</body>\n</html>\n");
}

void console_send_html(html *h, int status, http_resp *out)
{
	uint8_t *data;
	size_t len;
	if (html_take(h, &data, &len) != 0) {
		static const char oom[] = "Lỗi máy chủ: hết bộ nhớ khi tạo trang.\n";
		uint8_t *m = malloc(sizeof oom);
		if (m)
			memcpy(m, oom, sizeof oom);
		log_warn("console: out of memory rendering a page");
		http_resp_set(out, 500, "text/plain; charset=utf-8", m, m ? sizeof oom - 1 : 0);
		return;
	}
	http_resp_set(out, status, "text/html; charset=utf-8", data, len);
}

static const char *status_title(int status)
{
	switch (status) {
	case 400:
		return "Yêu cầu không hợp lệ";
	case 401:
		return "Chưa đăng nhập";
	case 403:
		return "Không có quyền";
	case 404:
		return "Không tìm thấy";
	case 405:
		return "Không hỗ trợ yêu cầu này";
	case 409:
		return "Chưa thực hiện được";
	case 502:
		return "Không lấy được số liệu";
	case 503:
		return "Dịch vụ số liệu chưa sẵn sàng";
	default:
		return status >= 500 ? "Lỗi máy chủ" : "Không thực hiện được";
	}
}

void console_error_page(const console_view *v, int status, const char *title, const char *detail,
                        http_resp *out)
{
	html h = {0};
	console_page_begin(&h, v, title ? title : status_title(status), NULL);
	html_raw(&h, "<p class=\"thong-bao loi\" id=\"ly-do\" role=\"alert\">");
	html_text(&h, detail);
	html_raw(&h, "</p>\n<p><a href=\"/\">Về trang Số liệu</a></p>\n");
	console_page_end(&h);
	console_send_html(&h, status, out);
}

int console_source(const console_view *v, export_source *s, char *err, size_t errlen)
{
	Cchc__V1__ReportRequest rq = CCHC__V1__REPORT_REQUEST__INIT;
	rq.period = (char *)v->period_text;
	rq.scope = (char *)v->scope;
	return export_source_get(v->app->ctx, &rq, s, err, errlen);
}

void console_failure_page(const console_view *v, const char *what, const char *err, http_resp *out)
{
	html h = {0};
	log_warn("console: %s %s scope %s for %s: %s", v->req->path, v->period_text, v->scope,
	         v->who ? v->who->user : "-", err);
	console_page_begin(&h, v, status_title(502), NULL);
	html_raw(&h, "<p class=\"thong-bao loi\" id=\"ly-do\" role=\"alert\">");
	html_text(&h, what);
	html_raw(&h,
	         ". Vui lòng thử lại sau ít phút; nếu vẫn lỗi, báo bộ phận kỹ thuật kèm chi tiết "
	         "dưới đây.</p>\n<details><summary>Chi tiết kỹ thuật</summary><pre>");
	html_text(&h, err);
	html_raw(&h, "</pre></details>\n<p><a href=\"/\">Về trang Số liệu</a></p>\n");
	console_page_end(&h);
	console_send_html(&h, 502, out);
}

void console_error_json(int status, const char *detail, http_resp *out)
{
	json_t *o = json_pack("{s:s, s:i}", "error", detail ? detail : "", "status", status);
	char *s = o ? json_dumps(o, JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	if (!s) {
		http_resp_set(out, 500, "application/json", NULL, 0);
		return;
	}
	http_resp_set(out, status, "application/json", (uint8_t *)s, strlen(s));
}

/* ---- the stylesheet ---- */

static const char stylesheet[] =
    "/* cchc console: one stylesheet for screen, phone and print; no inline styles anywhere */\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font-family:\"Liberation Sans\",Arial,\"Helvetica Neue\",sans-serif;"
    "font-size:16px;line-height:1.5;color:#1b1f24;background:#f3f5f7}\n"
    ".dau-trang{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.2rem;"
    "padding:.5rem 1rem;background:#8b1a1a;color:#fff}\n"
    ".ten-he-thong{color:#fff;font-weight:bold;text-decoration:none}\n"
    "nav ul{display:flex;flex-wrap:wrap;gap:.2rem .4rem;list-style:none;margin:0;padding:0}\n"
    "nav a{display:inline-block;color:#fff;text-decoration:none;padding:.3rem .6rem;"
    "border-radius:4px}\n"
    "nav a[aria-current=page]{background:rgba(255,255,255,.22);font-weight:bold}\n"
    "nav a:hover,nav a:focus{background:rgba(255,255,255,.32)}\n"
    ".nguoi-dung{margin-left:auto;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}\n"
    ".nguoi-dung form{margin:0}\n"
    "main{max-width:1240px;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.45rem;margin:.4rem 0 .8rem}\n"
    "h2{font-size:1.2rem;margin:1.6rem 0 .5rem}\n"
    "h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\n"
    "a{color:#0b4f9c}\n"
    ".chon-ky{display:flex;flex-wrap:wrap;gap:.6rem 1.4rem;padding:.7rem;background:#fff;"
    "border:1px solid #d0d7de;border-radius:6px;margin:0 0 1rem}\n"
    ".o-chon{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem}\n"
    "label{font-weight:bold}\n"
    "input,select,textarea,button{font:inherit}\n"
    "input,select,textarea{padding:.3rem .45rem;border:1px solid #8c959f;border-radius:4px;"
    "background:#fff;color:inherit;max-width:100%}\n"
    "textarea{width:100%;min-height:4.5rem}\n"
    "button{padding:.35rem .9rem;border:1px solid #6e1414;border-radius:4px;"
    "background:#8b1a1a;color:#fff;cursor:pointer}\n"
    "button:hover,button:focus{background:#6e1414}\n"
    "button.phu{background:#fff;color:#8b1a1a}\n"
    "button.phu:hover,button.phu:focus{background:#fbeaea}\n"
    "button.canh-bao{background:#9a6700;border-color:#7d5300}\n"
    ".the{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.9rem 1rem;"
    "margin:0 0 1rem}\n"
    ".the>h2:first-child,.the>p:first-child{margin-top:0}\n"
    ".ky-bao-cao{margin:0 0 1rem;color:#424a53}\n"
    ".doan p{text-align:justify;text-indent:2em;margin:0 0 .6rem}\n"
    ".bang-cuon{overflow-x:auto;margin:0 0 1rem;background:#fff;border:1px solid #d0d7de}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}\n"
    "caption{text-align:left;font-weight:bold;padding:.4rem .5rem}\n"
    "th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top}\n"
    "th{background:#eef1f4;text-align:center;font-weight:bold}\n"
    "td.so{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "td.tt{text-align:center}\n"
    "td.ten{min-width:9rem}\n"
    "tr.tong td,tr.nhom td{font-weight:bold}\n"
    "tr.nhom td{background:#f6f8fa}\n"
    ".bieu-do{margin:0 0 1rem}\n"
    ".bieu-do img{display:block;max-width:100%;height:auto;background:#fff;"
    "border:1px solid #d0d7de}\n"
    ".bieu-do figcaption{font-style:italic;margin:.3rem 0}\n"
    ".thong-bao{padding:.6rem .9rem;border:1px solid;border-radius:4px;margin:0 0 1rem}\n"
    ".loi{background:#fff1f0;border-color:#cf222e;color:#82071e}\n"
    ".ok{background:#dafbe1;border-color:#2da44e;color:#116329}\n"
    ".chu-y{background:#fff8c5;border-color:#bf8700;color:#4d2d00}\n"
    ".dang-nhap{max-width:25rem;margin:2rem auto}\n"
    ".dang-nhap form{display:grid;gap:.5rem}\n"
    ".bieu-mau{display:grid;gap:.5rem;max-width:40rem}\n"
    ".hang-nut{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}\n"
    ".hang-nut form{margin:0}\n"
    "ul.phat-hien li{margin:0 0 .5rem}\n"
    ".xap-xi{display:inline-block;padding:0 .35rem;border:1px solid #bf8700;border-radius:3px;"
    "background:#fff8c5;color:#4d2d00;font-size:.8rem;font-weight:normal;white-space:nowrap}\n"
    ".ghi-chu{color:#57606a;font-size:.85rem}\n"
    "td.cong-thuc{min-width:14rem}\n"
    "table.bang-rong{min-width:52rem}\n"
    "td.cong-thuc code{white-space:normal;overflow-wrap:anywhere;font-size:.8rem}\n"
    "ul.chua-tinh li{margin:0 0 .35rem}\n"
    "details summary{cursor:pointer;font-weight:bold;margin:.5rem 0}\n"
    ".chan-trang{max-width:1240px;margin:0 auto;padding:1rem;color:#57606a;font-size:.85rem}\n"
    ".tai-ve li{margin:0 0 .4rem}\n"
    "@media (max-width:600px){main{padding:.5rem}h1{font-size:1.25rem}"
    ".nguoi-dung{margin-left:0}.the{padding:.6rem}}\n"
    "@media print{body{background:#fff;font-size:11pt}"
    ".dau-trang nav,.nguoi-dung,form,.khong-in,.chan-trang{display:none!important}"
    ".dau-trang{background:#fff;color:#000;padding:0}.ten-he-thong{color:#000}"
    ".bang-cuon{overflow:visible;border:0}.the{border:0;padding:0}"
    "a{color:inherit;text-decoration:none}tr{page-break-inside:avoid}"
    "details{display:block}}\n";

void console_stylesheet(http_resp *out)
{
	uint8_t *css = malloc(sizeof stylesheet);
	if (!css) {
		http_resp_set(out, 500, "text/plain; charset=utf-8", NULL, 0);
		return;
	}
	memcpy(css, stylesheet, sizeof stylesheet);
	http_resp_set(out, 200, "text/css; charset=utf-8", css, sizeof stylesheet - 1);
	out->cacheable = 1;
}

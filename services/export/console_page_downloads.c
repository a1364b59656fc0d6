/* console_page_downloads: "Tải về" and the files behind it (docs/design.md §14). Every file is
 * what `cchc report` writes for the same period and scope, byte for byte: export_report renders
 * both. The CSV tables are one file each; /api/figures is the JSON export for the province's own
 * dashboards, with JSON errors. */
#include "console_app.h"

#include "cchc/v1/export.pb-c.h"
#include "log.h"
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *format, *type, *what;
} formats[] = {
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "Báo cáo (Word, DOCX): để chỉnh sửa, ký và ban hành"},
    {"pdf", "application/pdf", "Báo cáo (PDF), có biểu đồ"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "Biểu số liệu (Excel, XLSX): mỗi biểu một trang tính"},
    {"json", "application/json", "Toàn bộ số liệu (JSON), cho phần mềm khác"},
    {"csv", "text/csv; charset=utf-8", "Biểu số liệu (CSV, UTF-8): mỗi biểu một tệp"},
};

static const char *const csv_titles[TABLES_N] = {
    [TABLES_BY_LEVEL] = "Kết quả giải quyết TTHC theo cấp hành chính",
    [TABLES_BY_UNIT] = "Kết quả giải quyết TTHC theo đơn vị",
    [TABLES_BY_FIELD] = "Kết quả giải quyết TTHC theo lĩnh vực",
    [TABLES_FEEDBACK] = "Tiếp nhận, xử lý phản ánh, kiến nghị",
};

static void download_link(html *h, const console_view *v, const char *format, const char *table,
                          const char *text)
{
	html_raw(h, "<li><a href=\"/report");
	console_view_query(h, v);
	html_rawf(h, "&amp;format=%s", format);
	if (table)
		html_rawf(h, "&amp;table=%s\" data-table=\"%s", table, table);
	html_rawf(h, "\" data-format=\"%s\">", format);
	html_text(h, text);
	html_raw(h, "</a></li>\n");
}

void page_downloads(const console_view *v, http_resp *out)
{
	html h = {0};
	console_page_begin(&h, v, "Tải về", "/downloads");
	console_view_caption(&h, v);
	html_raw(&h, "<div class=\"the\">\n<p>Các tệp dưới đây giống hệt tệp do lệnh <code>cchc "
	             "report</code> tạo cho cùng kỳ và đơn vị. Khi kỳ đã chốt, tệp lấy số liệu của "
	             "phiên bản chốt.</p>\n<ul class=\"tai-ve\" id=\"tai-ve\">\n");
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(formats[i].format, "csv")) {
			download_link(&h, v, formats[i].format, NULL, formats[i].what);
			continue;
		}
		html_rawf(&h, "<li>%s:\n<ul>\n", formats[i].what);
		for (int t = 0; t < TABLES_N; t++)
			download_link(&h, v, "csv", tables_kinds[t].id, csv_titles[t]);
		html_raw(&h, "</ul></li>\n");
	}
	html_raw(&h, "</ul>\n<p>Số liệu dạng JSON cho phần mềm khác: <code>/api/figures");
	console_view_query(&h, v);
	html_raw(&h, "</code> (cùng phiên đăng nhập).</p>\n</div>\n");
	console_page_end(&h);
	console_send_html(&h, 200, out);
}

/* A file name part: letters, digits and '-' kept, anything else '_' ("2024-01-01..2024-03-31"
 * becomes "2024-01-01__2024-03-31"). */
static void name_part(const char *s, char *out, size_t len)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		                   (*s >= '0' && *s <= '9') || *s == '-'
		               ? *s
		               : '_';
	out[n] = '\0';
}

/* Renders the view's report in `format` (as `cchc report` does). 0, or -1 with err. */
static int render(const console_view *v, const char *format, render_output *ro, char *err,
                  size_t errlen)
{
	Cchc__V1__ReportRequest rq = CCHC__V1__REPORT_REQUEST__INIT;
	rq.period = (char *)v->period_text;
	rq.scope = (char *)v->scope;
	rq.format = (char *)format;
	memset(ro, 0, sizeof *ro);
	return export_report(v->app->ctx, &rq, ro, err, errlen);
}

void page_report(const console_view *v, http_resp *out)
{
	const char *format = http_query(v->req, "format"), *table = http_query(v->req, "table");
	size_t f = 0;
	while (f < sizeof formats / sizeof formats[0] &&
	       (!format || strcmp(formats[f].format, format)))
		f++;
	if (f == sizeof formats / sizeof formats[0]) {
		console_error_page(v, 400, NULL,
		                   "Định dạng tệp không có. Chọn một trong: docx, pdf, xlsx, csv, "
		                   "json (trang Tải về liệt kê đủ).",
		                   out);
		return;
	}
	char want[96] = "";
	if (!strcmp(format, "csv")) {
		for (int t = 0; t < TABLES_N && !want[0]; t++)
			if (table && !strcmp(table, tables_kinds[t].id))
				snprintf(want, sizeof want, "-%s.csv", tables_kinds[t].id);
		if (!want[0]) {
			console_error_page(
			    v, 400, NULL,
			    "Tệp CSV gồm nhiều biểu: hãy chọn một biểu ở trang Tải về "
			    "(table=theo-cap, theo-don-vi, theo-linh-vuc hoặc "
			    "phan-anh-kien-nghi).",
			    out);
			return;
		}
	}
	render_output ro;
	char err[1024];
	if (render(v, format, &ro, err, sizeof err) != 0) {
		render_output_free(&ro);
		console_failure_page(v, "Không tạo được tệp báo cáo", err, out);
		return;
	}
	size_t k = 0;
	while (k < ro.n && want[0] && strcmp(ro.files[k].name, want))
		k++;
	if (k == ro.n) {
		render_output_free(&ro);
		console_failure_page(v, "Không tạo được tệp báo cáo",
		                     "the renderer made no file of that name", out);
		return;
	}
	char label[64], scope[32];
	name_part(v->period_text, label, sizeof label);
	name_part(v->scope, scope, sizeof scope);
	snprintf(out->disposition, sizeof out->disposition,
	         "attachment; filename=\"bao-cao-%s-%s%s\"", label, scope, ro.files[k].name);
	http_resp_set(out, 200, formats[f].type, ro.files[k].data, ro.files[k].len);
	ro.files[k].data = NULL; /* handed over to the response */
	render_output_free(&ro);
}

void page_api_figures(const console_view *v, http_resp *out)
{
	render_output ro;
	char err[1024] = "the JSON export is not one file";
	if (render(v, "json", &ro, err, sizeof err) != 0 || ro.n != 1) {
		log_warn("console: /api/figures %s scope %s: %s", v->period_text, v->scope, err);
		render_output_free(&ro);
		console_error_json(502, "Không lấy được số liệu từ dịch vụ số liệu (cchc-stats).",
		                   out);
		return;
	}
	http_resp_set(out, 200, "application/json", ro.files[0].data, ro.files[0].len);
	ro.files[0].data = NULL;
	render_output_free(&ro);
}

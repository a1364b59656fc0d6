/* console_page_figures: "Số liệu" (docs/design.md §14), the figures of a period and scope as the
 * report has them: the II.2.c paragraphs made by the report's own code, the charts of the PDF
 * (drawn by charts.c on cairo's SVG surface, each served as its own image so the glyph ids of two
 * charts never meet in one document), the form II.06a tables of tables.c, and every figure of the
 * contract per row of the report model. The page decides no rule: it lays out. */
#include "console_app.h"

#include "charts.h"
#include "diff.h"
#include "model.h"
#include "grow.h"
#include "render_pdf.h"
#include "report_doc.h"
#include "report_tmpl.h"
#include "tables.h"
#include "vnfmt.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_WIDTH_PT 640.0 /* as wide as the PDF's text column, a little more */
#define CHART_MARGIN   10.0

static const char *const chart_names[] = {
    [DOC_CHART_RATES_BY_LEVEL] = "level", [DOC_CHART_RATES_BY_DISTRICT] = "district"};

/* ---- the charts ---- */

typedef struct membuf {
	uint8_t *p;
	size_t len, cap;
} membuf;

static cairo_status_t to_memory(void *closure, const unsigned char *data, unsigned int length)
{
	membuf *b = closure;
	if (grow_array((void **)&b->p, &b->cap, b->len + length, 1) != 0)
		return CAIRO_STATUS_NO_MEMORY;
	memcpy(b->p + b->len, data, length);
	b->len += length;
	return CAIRO_STATUS_SUCCESS;
}

static double chart_height(const chart_data *d)
{
	return charts_height(d, CHART_WIDTH_PT - 2 * CHART_MARGIN) + 2 * CHART_MARGIN;
}

/* The chart as one SVG document in memory (*svg malloc'd). */
static int chart_svg(const chart_data *d, uint8_t **svg, size_t *len, char *err, size_t errlen)
{
	membuf b = {0};
	cairo_surface_t *s =
	    cairo_svg_surface_create_for_stream(to_memory, &b, CHART_WIDTH_PT, chart_height(d));
	cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	int rc = charts_draw(cr, d, CHART_MARGIN, CHART_MARGIN, CHART_WIDTH_PT - 2 * CHART_MARGIN,
	                     RENDER_PDF_FAMILY, err, errlen);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	cairo_status_t st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "chart %d as SVG: %s", d->chart, cairo_status_to_string(st));
		rc = -1;
	}
	if (rc) {
		free(b.p);
		return -1;
	}
	*svg = b.p;
	*len = b.len;
	return 0;
}

void page_chart(const console_view *v, http_resp *out)
{
	const char *which = http_query(v->req, "chart");
	int chart = 0;
	for (int c = DOC_CHART_RATES_BY_LEVEL; c <= DOC_CHART_RATES_BY_DISTRICT; c++)
		if (which && !strcmp(which, chart_names[c]))
			chart = c;
	if (!chart) {
		console_error_page(
		    v, 400, NULL,
		    "Biểu đồ không có: chỉ có biểu đồ theo cấp (chart=level) và theo "
		    "đơn vị cấp huyện (chart=district).",
		    out);
		return;
	}
	export_source s;
	chart_data d;
	uint8_t *svg;
	size_t len;
	char err[1024];
	if (console_source(v, &s, err, sizeof err) != 0) {
		console_failure_page(v, "Không lấy được số liệu để vẽ biểu đồ", err, out);
		return;
	}
	int rc = charts_data(&s.figures, chart, &d, err, sizeof err);
	export_source_free(&s);
	if (rc == 0)
		rc = chart_svg(&d, &svg, &len, err, sizeof err);
	if (rc) {
		console_failure_page(v, "Không vẽ được biểu đồ", err, out);
		return;
	}
	http_resp_set(out, 200, "image/svg+xml", svg, len);
}

/* ---- the page ---- */

/* Value column c of a form table's row, a count or a rate as tables.c writes it. */
static void form_cell(html *h, const tables_table *t, const tables_row *r, size_t c)
{
	char buf[VNFMT_LEN];
	tables_cell_text(t, r, c, buf, sizeof buf);
	html_rawf(h, "<td class=\"so\" data-col=\"%s\">%s</td>", t->cols[c].key, buf);
}

/* A table of tables.c with the form's two header rows and the column numbers (1)…(n). */
static void form_table(html *h, const tables_table *t)
{
	html_rawf(h, "<h3>%s %s</h3>\n", t->title, t->subtitle ? t->subtitle : "");
	html_rawf(h, "<div class=\"bang-cuon\"><table id=\"bang-%s\" data-table=\"%s\">\n<caption>",
	          t->id, t->id);
	if (t->form)
		html_rawf(h, "%s · ", t->form);
	html_rawf(h, "%s</caption>\n<thead>\n<tr>", t->unit_of_count);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *g = t->cols[c].group;
		if (!g) {
			html_rawf(h, "<th rowspan=\"2\" scope=\"col\">%s</th>", t->cols[c].name);
			continue;
		}
		if (c > 0 && t->cols[c - 1].group && !strcmp(t->cols[c - 1].group, g))
			continue;
		size_t span = 1;
		while (c + span < t->ncols && t->cols[c + span].group &&
		       !strcmp(t->cols[c + span].group, g))
			span++;
		html_rawf(h, "<th colspan=\"%zu\" scope=\"colgroup\">%s</th>", span, g);
	}
	html_raw(h, "</tr>\n<tr>");
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].group)
			html_rawf(h, "<th scope=\"col\">%s</th>", t->cols[c].name);
	html_raw(h, "</tr>\n<tr class=\"so-cot\">");
	for (size_t c = 0; c < t->ncols; c++)
		html_rawf(h, "<th>(%zu)</th>", c + 1);
	html_raw(h, "</tr>\n</thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nrows; i++) {
		const tables_row *r = &t->rows[i];
		static const char *const kinds[] = {"item", "group", "total"};
		static const char *const classes[] = {"", " class=\"nhom\"", " class=\"tong\""};
		html_raw(h, "<tr data-code=\"");
		html_attr(h, r->code);
		html_rawf(h, "\" data-kind=\"%s\"%s><td class=\"tt\">", kinds[r->kind],
		          classes[r->kind]);
		html_text(h, r->tt);
		html_raw(h, "</td><td class=\"ten\">");
		html_text(h, r->label);
		html_raw(h, "</td>");
		for (size_t c = 2; c < t->ncols; c++)
			form_cell(h, t, r, c);
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody>\n</table></div>\n");
}

static void rate_cell(html *h, const char *key, int has, long long x100)
{
	char buf[VNFMT_LEN];
	if (has)
		vnfmt_percent(x100, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "-");
	html_rawf(h, "<td class=\"so\" data-figure=\"%s\">%s</td>", key, buf);
}

/* One row of the detail table: every figure of the contract (by the message's own descriptor,
 * so a figure added there shows here) and the four rates, as the JSON export has them. */
static void detail_row(html *h, const char *group, const model_row *r, const char *label)
{
	const ProtobufCMessageDescriptor *md = &cchc__v1__dossier_figures__descriptor;
	html_rawf(h, "<tr data-group=\"%s\" data-code=\"", group);
	html_attr(h, r->code);
	html_raw(h, "\"><td class=\"ten\">");
	html_text(h, label);
	html_raw(h, "</td>");
	for (unsigned i = 0; i < md->n_fields; i++) {
		int64_t n =
		    *(const int64_t *)(const void *)((const char *)&r->d + md->fields[i].offset);
		char buf[VNFMT_LEN];
		vnfmt_count(n, buf, sizeof buf);
		html_rawf(h, "<td class=\"so\" data-figure=\"%s\">%s</td>", md->fields[i].name,
		          buf);
	}
	rate_cell(h, "rate_online", r->rates.has_online, r->rates.online_x100);
	rate_cell(h, "rate_resolved", r->rates.has_resolved, r->rates.resolved_x100);
	rate_cell(h, "rate_on_time", r->rates.has_on_time, r->rates.on_time_x100);
	rate_cell(h, "progress_766", r->rates.has_progress_766, r->rates.progress_766_x100);
	html_raw(h, "</tr>\n");
}

static void detail_table(html *h, const report_model *m)
{
	const ProtobufCMessageDescriptor *md = &cchc__v1__dossier_figures__descriptor;
	html_raw(h,
	         "<section id=\"chi-tiet\">\n<h2>Số liệu chi tiết</h2>\n<details>\n<summary>Tất cả "
	         "chỉ tiêu theo cấp, đơn vị và lĩnh vực (tỷ lệ tính như trong báo "
	         "cáo)</summary>\n<div class=\"bang-cuon\"><table id=\"bang-chi-tiet\">\n<thead>"
	         "<tr><th scope=\"col\">Cấp / đơn vị / lĩnh vực</th>");
	for (unsigned i = 0; i < md->n_fields; i++)
		html_rawf(h, "<th scope=\"col\">%s</th>", diff_figure_name("", md->fields[i].name));
	html_raw(h,
	         "<th scope=\"col\">Tỷ lệ nộp trực tuyến</th><th scope=\"col\">Tỷ lệ đã giải "
	         "quyết</th><th scope=\"col\">Tỷ lệ trước, đúng hạn</th><th scope=\"col\">Tiến độ "
	         "(QĐ 766)</th></tr>\n</thead>\n<tbody>\n");
	detail_row(h, "all", &m->all, *m->scope_name ? m->scope_name : "Toàn đơn vị");
	for (size_t i = 0; i < m->n_levels; i++)
		detail_row(h, "level", &m->levels[i].row, m->levels[i].name);
	for (size_t i = 0; i < m->n_units; i++) {
		const model_row *u = &m->units[i];
		char label[512];
		if (u->parent_name)
			snprintf(label, sizeof label, "%s (%s)", u->name, u->parent_name);
		else
			snprintf(label, sizeof label, "%s", u->name);
		detail_row(h, "unit", u, label);
	}
	for (size_t i = 0; i < m->n_fields; i++)
		detail_row(h, "field", &m->fields[i], m->fields[i].name);
	html_raw(h, "</tbody>\n</table></div>\n</details>\n</section>\n");
}

static void chart_figure(html *h, const console_view *v, const figures *f, int chart,
                         const char *id, const char *caption)
{
	chart_data d;
	char err[256];
	if (charts_data(f, chart, &d, err, sizeof err) != 0 || d.n == 0)
		return;
	/* the SVG's points as CSS pixels (4/3), so the labels read as they print */
	int w = (int)(CHART_WIDTH_PT * 4 / 3), ht = (int)(chart_height(&d) * 4 / 3);
	html_rawf(h, "<figure class=\"bieu-do\"><img id=\"%s\" src=\"/chart", id);
	console_view_query(h, v);
	html_rawf(h, "&amp;chart=%s\" width=\"%d\" height=\"%d\" alt=\"", chart_names[chart], w,
	          ht);
	html_attr(h, caption);
	html_raw(h, "\"><figcaption>");
	html_text(h, caption);
	html_raw(h, "</figcaption></figure>\n");
}

void page_figures(const console_view *v, http_resp *out)
{
	export_source s;
	report_doc doc;
	report_model m;
	tables_set ts;
	char err[1024], ky[128];
	if (console_source(v, &s, err, sizeof err) != 0) {
		console_failure_page(v, "Không lấy được số liệu của kỳ báo cáo", err, out);
		return;
	}
	if (report_doc_results(&s.in, &doc, err, sizeof err) != 0) {
		export_source_free(&s);
		console_failure_page(v, "Không tạo được đoạn Kết quả giải quyết TTHC", err, out);
		return;
	}
	int rc = model_build(&s.figures, s.in.scope, &m, err, sizeof err);
	if (rc == 0 && (rc = tables_build(&s.in, &ts, err, sizeof err)) != 0)
		tables_free(&ts);
	if (rc) {
		model_free(&m);
		report_doc_free(&doc);
		export_source_free(&s);
		console_failure_page(v, "Không lập được bảng số liệu", err, out);
		return;
	}
	if (vnfmt_period_title(&v->period, ky, sizeof ky) != 0)
		snprintf(ky, sizeof ky, "%s", v->period_text);

	html h = {0};
	console_page_begin(&h, v, "Số liệu", "/");
	console_view_caption(&h, v);
	if (s.closing) {
		char when[64];
		console_time_text(s.closing->closed_ms, when, sizeof when);
		html_rawf(
		    &h,
		    "<p id=\"so-lieu-chot\" class=\"thong-bao chu-y\">Số liệu đã chốt lúc %s, "
		    "phiên bản %d",
		    when, s.closing->version);
		if (s.closing->closed_by && *s.closing->closed_by) {
			html_raw(&h, " (người chốt: ");
			html_text(&h, s.closing->closed_by);
			html_raw(&h, ")");
		}
		html_raw(&h, ". Số liệu gửi đến sau khi chốt xem ở trang <a href=\"/closing");
		console_view_query(&h, v);
		html_raw(&h, "\">Chốt số liệu</a>.</p>\n");
	}

	html_rawf(&h, "<section id=\"doan-2-2-c\" class=\"the doan\">\n<h2>II.2.c. %s</h2>\n",
	          tmpl_outline_title("II.2.c"));
	for (size_t i = 0; i < doc.n_blocks; i++)
		if (doc.blocks[i].kind == DOC_PARAGRAPH) {
			html_raw(&h, "<p>");
			html_text(&h, doc.blocks[i].text);
			html_raw(&h, "</p>\n");
		}
	html_raw(&h, "</section>\n<section id=\"bieu-do\">\n<h2>Biểu đồ</h2>\n");
	char caption[300];
	snprintf(
	    caption, sizeof caption,
	    "Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực tuyến theo cấp, %s",
	    ky);
	chart_figure(&h, v, &s.figures, DOC_CHART_RATES_BY_LEVEL, "bieu-do-cap", caption);
	snprintf(caption, sizeof caption,
	         "Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực tuyến theo đơn vị "
	         "cấp huyện, %s",
	         ky);
	chart_figure(&h, v, &s.figures, DOC_CHART_RATES_BY_DISTRICT, "bieu-do-huyen", caption);
	html_raw(&h, "</section>\n<section id=\"bang-bieu\">\n<h2>Biểu số liệu</h2>\n<p>");
	html_text(&h, ts.reporting_unit);
	html_raw(&h, "<br>");
	html_text(&h, ts.period_line);
	html_raw(&h, "</p>\n");
	for (int i = 0; i < TABLES_N; i++)
		form_table(&h, &ts.t[i]);
	html_raw(&h, "</section>\n");
	detail_table(&h, &m);
	console_page_end(&h);

	tables_free(&ts);
	model_free(&m);
	report_doc_free(&doc);
	export_source_free(&s);
	console_send_html(&h, 200, out);
}

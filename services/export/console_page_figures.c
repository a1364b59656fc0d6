/* console_page_figures: "Số liệu" (docs/design.md §14), the figures of a period and scope as the
 * report has them: the II.2.c paragraphs made by the report's own code, the charts of the PDF
 * (drawn by charts.c on cairo's SVG surface, each served as its own image so the glyph ids of two
 * charts never meet in one document), the form II.06a tables and the satisfaction table of
 * tables.c, the 766 estimate of index766.c (docs/design.md §16), and every figure of the contract
 * per row of the report model. The page decides no rule: it lays out. */
#include "console_app.h"

#include "charts.h"
#include "diff.h"
#include "model.h"
#include "grow.h"
#include "index766.h"
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

/* A unit's name as the rows show it: a commune with its district ("Phường Tây Lộc (Thành phố
 * Huế)"), since commune names repeat across districts. */
static void unit_label(const model_row *u, char *buf, size_t len)
{
	if (u->parent_name)
		snprintf(buf, len, "%s (%s)", u->name, u->parent_name);
	else
		snprintf(buf, len, "%s", u->name);
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
	rate_cell(h, "rate_satisfied", r->rates.has_satisfied, r->rates.satisfied_x100);
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
	         "(QĐ 766)</th><th scope=\"col\">Tỷ lệ hài lòng</th></tr>\n</thead>\n<tbody>\n");
	detail_row(h, "all", &m->all, *m->scope_name ? m->scope_name : "Toàn đơn vị");
	for (size_t i = 0; i < m->n_levels; i++)
		detail_row(h, "level", &m->levels[i].row, m->levels[i].name);
	for (size_t i = 0; i < m->n_units; i++) {
		char label[512];
		unit_label(&m->units[i], label, sizeof label);
		detail_row(h, "unit", &m->units[i], label);
	}
	for (size_t i = 0; i < m->n_fields; i++)
		detail_row(h, "field", &m->fields[i], m->fields[i].name);
	html_raw(h, "</tbody>\n</table></div>\n</details>\n</section>\n");
}

/* ---- the 766 estimate (index766.c computes every value; the page lays them out) ---- */

static void points_text(long long points_x100, long long max_x100, char *buf, size_t len)
{
	char p[VNFMT_LEN], m[VNFMT_LEN];
	vnfmt_decimal(points_x100, p, sizeof p);
	vnfmt_decimal(max_x100, m, sizeof m);
	snprintf(buf, len, "%s / %s", p, m);
}

static void ratio_text(const index766_value *v, char *buf, size_t len)
{
	if (v->has_ratio)
		vnfmt_percent(v->ratio_x100, buf, len);
	else
		snprintf(buf, len, "-");
}

/* The scope's indicators, one row each: what it is, its ratio with the counts it comes from, its
 * points out of its weight and its formula; an approximation says so and why. */
static void index_scope_table(html *h, const index766_conf *c, const model_row *all)
{
	index766_row x;
	char buf[VNFMT_LEN * 2 + 8], num[VNFMT_LEN], den[VNFMT_LEN], formula[512];
	index766_compute(c, &all->d, &all->fb, &x);
	html_raw(h, "<div class=\"bang-cuon\"><table id=\"bang-chi-so-766\" "
	            "class=\"bang-rong\">\n<caption>Các chỉ số "
	            "tính được từ hồ sơ</caption>\n<thead><tr><th scope=\"col\">Chỉ số</th>"
	            "<th scope=\"col\">Nhóm</th><th scope=\"col\">Tên chỉ số</th>"
	            "<th scope=\"col\">Tử số / mẫu số</th><th scope=\"col\">Tỷ lệ</th>"
	            "<th scope=\"col\">Điểm / tối đa</th><th scope=\"col\">Công thức</th>"
	            "</tr></thead>\n<tbody>\n");
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		const index766_value *v = &x.v[k];
		html_raw(h, "<tr data-indicator=\"");
		html_attr(h, v->def->id);
		html_rawf(h, "\" data-approximation=\"%d\"><td class=\"tt\">",
		          v->def->approximation);
		html_text(h, v->def->id);
		html_raw(h, "</td><td>");
		html_text(h, v->def->group);
		html_raw(h, "</td><td class=\"ten\">");
		html_text(h, v->def->name);
		if (v->def->approximation)
			html_raw(h, " <span class=\"xap-xi\">xấp xỉ</span>");
		if (*v->def->note) {
			html_raw(h, "<br><span class=\"ghi-chu\">");
			html_text(h, v->def->note);
			html_raw(h, "</span>");
		}
		vnfmt_count(v->numerator, num, sizeof num);
		vnfmt_count(v->denominator, den, sizeof den);
		html_rawf(h, "</td><td class=\"so\" data-col=\"counts\">%s / %s</td>", num, den);
		ratio_text(v, buf, sizeof buf);
		html_rawf(h, "<td class=\"so\" data-col=\"ratio\">%s</td>", buf);
		points_text(v->points_x100, v->max_x100, buf, sizeof buf);
		html_rawf(h, "<td class=\"so\" data-col=\"points\">%s</td>", buf);
		index766_formula(v, formula, sizeof formula);
		html_raw(h, "<td class=\"cong-thuc\" data-col=\"formula\"><code>");
		html_text(h, formula);
		html_raw(h, "</code></td></tr>\n");
	}
	points_text(x.points_x100, x.max_x100, buf, sizeof buf);
	html_rawf(h,
	          "<tr class=\"tong\" data-indicator=\"\"><td></td><td colspan=\"4\">Cộng các chỉ "
	          "số tính được</td><td class=\"so\" data-col=\"points\">%s</td><td></td></tr>\n"
	          "</tbody>\n</table></div>\n",
	          buf);
}

static void index_row(html *h, const index766_conf *c, const char *group, const model_row *r,
                      const char *label)
{
	index766_row x;
	char buf[VNFMT_LEN * 2 + 8];
	index766_compute(c, &r->d, &r->fb, &x);
	html_rawf(h, "<tr data-group=\"%s\" data-code=\"", group);
	html_attr(h, r->code);
	html_raw(h, "\"><td class=\"ten\">");
	html_text(h, label);
	html_raw(h, "</td>");
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		ratio_text(&x.v[k], buf, sizeof buf);
		html_raw(h, "<td class=\"so\" data-indicator=\"");
		html_attr(h, x.v[k].def->id);
		html_rawf(h, "\">%s</td>", buf);
	}
	points_text(x.points_x100, x.max_x100, buf, sizeof buf);
	html_rawf(h, "<td class=\"so\" data-col=\"points\">%s</td></tr>\n", buf);
}

/* Each level and unit (nationally each province) with its ratios and points. */
static void index_rows_table(html *h, const index766_conf *c, const report_model *m)
{
	index766_row x;
	index766_compute(c, &m->all.d, &m->all.fb, &x);
	html_raw(h, "<details>\n<summary>Tỷ lệ các chỉ số theo cấp và ");
	html_raw(h, m->national ? "tỉnh, thành phố" : "đơn vị");
	html_raw(h, "</summary>\n<div class=\"bang-cuon\"><table id=\"bang-chi-so-766-chi-tiet\">\n"
	            "<thead><tr><th scope=\"col\">Cấp / đơn vị</th>");
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		html_raw(h, "<th scope=\"col\"><abbr title=\"");
		html_attr(h, x.v[k].def->name);
		html_raw(h, "\">");
		html_text(h, x.v[k].def->id);
		html_raw(h, "</abbr></th>");
	}
	html_raw(h, "<th scope=\"col\">Điểm / tối đa</th></tr></thead>\n<tbody>\n");
	index_row(h, c, "all", &m->all, *m->scope_name ? m->scope_name : "Toàn đơn vị");
	for (size_t i = 0; i < m->n_levels; i++)
		index_row(h, c, "level", &m->levels[i].row, m->levels[i].name);
	for (size_t i = 0; i < m->n_provinces; i++)
		index_row(h, c, "province", &m->provinces[i].row, m->provinces[i].row.name);
	for (size_t i = 0; i < m->n_units; i++) {
		char label[512];
		unit_label(&m->units[i], label, sizeof label);
		index_row(h, c, "unit", &m->units[i], label);
	}
	html_raw(h, "</tbody>\n</table></div>\n</details>\n");
}

/* "Chỉ số 766 (ước tính)": the scope's computed indicators, the ones the records cannot decide
 * with what each needs, and every level's and unit's ratios. */
static void index_section(html *h, const index766_conf *c, const report_model *m)
{
	index766_row x;
	char pts[VNFMT_LEN * 2 + 8];
	index766_compute(c, &m->all.d, &m->all.fb, &x);
	points_text(x.points_x100, x.max_x100, pts, sizeof pts);
	html_raw(
	    h, "<section id=\"chi-so-766\">\n<h2>Chỉ số 766 (ước tính)</h2>\n<p class=\"thong-bao "
	       "chu-y\">Ước tính từ hồ sơ gửi về hệ thống theo Bộ chỉ số chỉ đạo, điều hành và "
	       "đánh giá chất lượng phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg), "
	       "không phải điểm do Cổng Dịch vụ công quốc gia chấm. Chỉ số ghi "
	       "<span class=\"xap-xi\">xấp xỉ</span> là tính gần đúng vì hồ sơ thiếu một phần "
	       "dữ liệu Cổng sử dụng.</p>\n<p id=\"diem-766\">");
	html_text(h, *m->scope_name ? m->scope_name : m->scope_code);
	html_rawf(h, ": <strong>%s</strong> điểm của các chỉ số tính được.</p>\n", pts);
	index_scope_table(h, c, &m->all);
	size_t n;
	const index766_missing *nc = index766_not_computed(c, &n);
	html_raw(h, "<h3>Các chỉ số chưa tính được từ hồ sơ</h3>\n<ul id=\"chi-so-766-chua-tinh\" "
	            "class=\"chua-tinh\">\n");
	for (size_t i = 0; i < n; i++) {
		char max[VNFMT_LEN + 32];
		if (nc[i].max_x100) {
			char weight[VNFMT_LEN];
			vnfmt_decimal(nc[i].max_x100, weight, sizeof weight);
			snprintf(max, sizeof max, "tối đa %s điểm", weight);
		} else {
			snprintf(max, sizeof max, "không tính điểm");
		}
		html_raw(h, "<li data-indicator=\"");
		html_attr(h, nc[i].def->id);
		html_raw(h, "\"><strong>");
		html_text(h, nc[i].def->id);
		html_raw(h, " ");
		html_text(h, nc[i].def->name);
		html_raw(h, "</strong> (");
		html_text(h, nc[i].def->group);
		html_rawf(h, ", %s): ", max);
		html_text(h, nc[i].def->reason);
		html_raw(h, ".</li>\n");
	}
	html_raw(h, "</ul>\n");
	index_rows_table(h, c, m);
	html_raw(h, "</section>\n");
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
	if (s.in.index766)
		index_section(&h, s.in.index766, &m);
	detail_table(&h, &m);
	console_page_end(&h);

	tables_free(&ts);
	model_free(&m);
	report_doc_free(&doc);
	export_source_free(&s);
	console_send_html(&h, 200, out);
}

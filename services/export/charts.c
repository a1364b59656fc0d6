/* charts: the shares the report's charts show, taken from the report model (model.c, the same
 * levels, units and rounded rates as every other format), and their drawing: grouped vertical bars
 * by level, horizontal bars by district (names can be long), both on a 0–100 % axis with a legend
 * and value labels. Shades differ in lightness as well as hue so the two series stay apart in grey
 * print. */
#include "charts.h"

#include "model.h"
#include "vnfmt.h"

#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

/* Series colours (on time: dark blue; online: orange) and their legend texts. */
static const double colour_on_time[3] = {0.16, 0.32, 0.60};
static const double colour_online[3] = {0.95, 0.60, 0.20};
static const char legend_on_time[] = "Tỷ lệ giải quyết trước hạn và đúng hạn";
static const char legend_online[] = "Tỷ lệ hồ sơ nộp trực tuyến";

/* Sizes in points: print needs ≥ 9 pt for the smallest label. */
#define VALUE_PT     9.0
#define AXIS_PT      9.5
#define CATEGORY_PT  11.0
#define LEGEND_PT    10.5
#define LEGEND_H     24.0
#define BAR_H        11.0 /* horizontal bars: one series */
#define ROW_GAP      9.0  /* horizontal bars: between districts */
#define LEVEL_PLOT_H 170.0

static void item_set(chart_item *it, const char *label, const model_rates *r)
{
	snprintf(it->label, sizeof it->label, "%s", label);
	it->has_online = r->has_online;
	it->has_on_time = r->has_on_time;
	it->online_x100 = r->online_x100;
	it->on_time_x100 = r->on_time_x100;
}

/* The levels and the districts are the model's (model.c), as in every other format. */
static int by_level(const report_model *m, chart_data *out)
{
	for (size_t i = 0; i < m->n_levels && out->n < CHART_MAX_ITEMS; i++)
		item_set(&out->items[out->n++], m->levels[i].name, &m->levels[i].row.rates);
	return 0;
}

static int by_district(const report_model *m, chart_data *out, char *err, size_t errlen)
{
	const model_level *l = model_level_get(m, 2);
	if (!l)
		return 0;
	if (l->n_units > CHART_MAX_ITEMS) {
		snprintf(err, errlen, "chart by district: more than %d districts in scope",
		         CHART_MAX_ITEMS);
		return -1;
	}
	for (size_t i = 0; i < l->n_units; i++) {
		const model_row *u = &m->units[l->first_unit + i];
		item_set(&out->items[out->n++], u->name, &u->rates);
	}
	return 0;
}

/* The national scope's provinces (docs/design.md §15), in code order. */
static int by_province(const report_model *m, chart_data *out, char *err, size_t errlen)
{
	if (m->n_provinces > CHART_MAX_ITEMS) {
		snprintf(err, errlen, "chart by province: more than %d provinces", CHART_MAX_ITEMS);
		return -1;
	}
	for (size_t i = 0; i < m->n_provinces; i++)
		item_set(&out->items[out->n++], m->provinces[i].row.name,
		         &m->provinces[i].row.rates);
	return 0;
}

int charts_data(const figures *f, int chart, chart_data *out, char *err, size_t errlen)
{
	report_model m;
	int rc;

	memset(out, 0, sizeof *out);
	out->chart = chart;
	if (chart != DOC_CHART_RATES_BY_LEVEL && chart != DOC_CHART_RATES_BY_DISTRICT &&
	    chart != DOC_CHART_RATES_BY_PROVINCE) {
		snprintf(err, errlen, "chart %d is not a chart cchc draws", chart);
		return -1;
	}
	rc = model_build(f, "", &m, err, errlen);
	if (!rc)
		rc = chart == DOC_CHART_RATES_BY_LEVEL      ? by_level(&m, out)
		     : chart == DOC_CHART_RATES_BY_DISTRICT ? by_district(&m, out, err, errlen)
		                                            : by_province(&m, out, err, errlen);
	model_free(&m);
	return rc;
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's hook, in every binary that draws text. fontconfig links its patterns by offsets,
 * not pointers, so the patterns pango and cairo keep cached for the life of the process look
 * unreachable: a known false report. Only allocations made inside fontconfig are excused; a
 * layout, font or surface cchc forgets to free is still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

double charts_height(const chart_data *d, double width)
{
	(void)width;
	if (d->chart != DOC_CHART_RATES_BY_LEVEL) /* horizontal bars */
		return LEGEND_H + 8 + (double)d->n * (2 * BAR_H + ROW_GAP) + 22;
	return LEGEND_H + 16 + LEVEL_PLOT_H + 24;
}

PangoContext *charts_pango_context(cairo_t *cr)
{
	PangoContext *pc = pango_cairo_create_context(cr);
	cairo_font_options_t *fo = cairo_font_options_create();
	/* Outlines as designed: hinting would snap glyph advances to a pixel grid that a PDF lacks.
	 */
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(pc, fo);
	cairo_font_options_destroy(fo);
	/* 72 dpi: a 14 pt font is 14 units, the PDF surface's unit being the point. */
	pango_cairo_context_set_resolution(pc, 72);
	return pc;
}

typedef struct pen {
	cairo_t *cr;
	PangoContext *pc;
	const char *family;
} pen;

/* Lays text out in the given size; *w, *h its logical size in points. */
static PangoLayout *label(const pen *p, const char *s, double pt, int bold, double *w, double *h)
{
	PangoLayout *l = pango_layout_new(p->pc);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, p->family);
	pango_font_description_set_size(fd, (gint)(pt * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(l, s, -1);
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	*w = pango_units_to_double(r.width);
	*h = pango_units_to_double(r.height);
	return l;
}

/* Draws s anchored at (x, y): ax/ay 0 = left/top, 0.5 = centre, 1 = right/bottom. Returns width. */
static double text(const pen *p, const char *s, double pt, int bold, double x, double y, double ax,
                   double ay)
{
	double w, h;
	PangoLayout *l = label(p, s, pt, bold, &w, &h);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_move_to(p->cr, x - ax * w, y - ay * h);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	return w;
}

static void rect(cairo_t *cr, const double rgb[3], double x, double y, double w, double h)
{
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

static void hline(cairo_t *cr, double grey, double lw, double x0, double x1, double y)
{
	cairo_set_source_rgb(cr, grey, grey, grey);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, x0, y);
	cairo_line_to(cr, x1, y);
	cairo_stroke(cr);
}

static void vline(cairo_t *cr, double grey, double lw, double x, double y0, double y1)
{
	cairo_set_source_rgb(cr, grey, grey, grey);
	cairo_set_line_width(cr, lw);
	cairo_move_to(cr, x, y0);
	cairo_line_to(cr, x, y1);
	cairo_stroke(cr);
}

/* The legend, centred in the width: a swatch and a text per series. */
static void legend(const pen *p, double x, double y, double width)
{
	double w1, w2, h;
	g_object_unref(label(p, legend_on_time, LEGEND_PT, 0, &w1, &h));
	g_object_unref(label(p, legend_online, LEGEND_PT, 0, &w2, &h));
	const double sw = 12, gap = 5, sep = 24;
	double total = sw + gap + w1 + sep + sw + gap + w2;
	double cx = x + (width - total) / 2, cy = y + LEGEND_H / 2;
	rect(p->cr, colour_on_time, cx, cy - sw / 2, sw, sw);
	cx += sw + gap;
	cx += text(p, legend_on_time, LEGEND_PT, 0, cx, cy, 0, 0.5) + sep;
	rect(p->cr, colour_online, cx, cy - sw / 2, sw, sw);
	text(p, legend_online, LEGEND_PT, 0, cx + sw + gap, cy, 0, 0.5);
}

static void value_label(const chart_item *it, int on_time, char *buf, size_t len)
{
	if (on_time ? it->has_on_time : it->has_online)
		vnfmt_percent(on_time ? it->on_time_x100 : it->online_x100, buf, len);
	else
		snprintf(buf, len, "-");
}

static double share(long long x100)
{
	return x100 < 0 ? 0 : x100 > 10000 ? 1 : (double)x100 / 10000.0;
}

static void draw_levels(const pen *p, const chart_data *d, double x, double y, double width)
{
	cairo_t *cr = p->cr;
	double x0 = x + 40, x1 = x + width - 8;
	double top = y + LEGEND_H + 16, bottom = top + LEVEL_PLOT_H;
	char buf[VNFMT_LEN];

	legend(p, x, y, width);
	for (int t = 0; t <= 100; t += 20) {
		double ty = bottom - LEVEL_PLOT_H * t / 100.0;
		if (t)
			hline(cr, 0.82, 0.5, x0, x1, ty);
		snprintf(buf, sizeof buf, "%d%%", t);
		text(p, buf, AXIS_PT, 0, x0 - 5, ty, 1, 0.5);
	}
	double gw = (x1 - x0) / (double)d->n;
	double bw = gw * 0.28 > 56 ? 56 : gw * 0.28;
	for (size_t i = 0; i < d->n; i++) {
		const chart_item *it = &d->items[i];
		double cx = x0 + gw * ((double)i + 0.5);
		for (int s = 0; s < 2; s++) {
			int on_time = s == 0;
			double bx = on_time ? cx - bw - 2 : cx + 2;
			double v = share(on_time ? it->on_time_x100 : it->online_x100);
			double bh = LEVEL_PLOT_H * v;
			rect(cr, on_time ? colour_on_time : colour_online, bx, bottom - bh, bw, bh);
			value_label(it, on_time, buf, sizeof buf);
			text(p, buf, VALUE_PT, 0, bx + bw / 2, bottom - bh - 2, 0.5, 1);
		}
		text(p, it->label, CATEGORY_PT, 1, cx, bottom + 5, 0.5, 0);
	}
	hline(cr, 0, 0.8, x0, x1, bottom);
	vline(cr, 0, 0.8, x0, top, bottom);
}

static void draw_districts(const pen *p, const chart_data *d, double x, double y, double width)
{
	cairo_t *cr = p->cr;
	char buf[VNFMT_LEN];
	double lw = 0, w, h;
	for (size_t i = 0; i < d->n; i++) {
		g_object_unref(label(p, d->items[i].label, CATEGORY_PT - 1, 0, &w, &h));
		if (w > lw)
			lw = w;
	}
	if (lw > width * 0.35)
		lw = width * 0.35;
	/* Room on the right for the label of a 100 % bar. */
	double x0 = x + lw + 8, x1 = x + width - 42;
	double top = y + LEGEND_H + 8, rh = 2 * BAR_H + ROW_GAP;
	double bottom = top + (double)d->n * rh;

	legend(p, x, y, width);
	for (int t = 0; t <= 100; t += 20) {
		double tx = x0 + (x1 - x0) * t / 100.0;
		if (t)
			vline(cr, 0.82, 0.5, tx, top, bottom);
		snprintf(buf, sizeof buf, "%d%%", t);
		text(p, buf, AXIS_PT, 0, tx, bottom + 4, 0.5, 0);
	}
	for (size_t i = 0; i < d->n; i++) {
		const chart_item *it = &d->items[i];
		double ry = top + (double)i * rh + ROW_GAP / 2;
		/* Names longer than the label column wrap inside it rather than run into the bars.
		 */
		PangoLayout *l = label(p, it->label, CATEGORY_PT - 1, 0, &w, &h);
		pango_layout_set_width(l, (int)(lw * PANGO_SCALE));
		pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
		PangoRectangle r;
		pango_layout_get_extents(l, NULL, &r);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, x, ry + BAR_H - pango_units_to_double(r.height) / 2);
		pango_cairo_show_layout(cr, l);
		g_object_unref(l);
		for (int s = 0; s < 2; s++) {
			int on_time = s == 0;
			double by = ry + s * BAR_H;
			double v = share(on_time ? it->on_time_x100 : it->online_x100);
			double bl = (x1 - x0) * v;
			rect(cr, on_time ? colour_on_time : colour_online, x0, by + 0.5, bl,
			     BAR_H - 1);
			value_label(it, on_time, buf, sizeof buf);
			text(p, buf, VALUE_PT, 0, x0 + bl + 3, by + BAR_H / 2, 0, 0.5);
		}
	}
	vline(cr, 0, 0.8, x0, top, bottom);
	hline(cr, 0, 0.8, x0, x1, bottom);
}

int charts_draw(cairo_t *cr, const chart_data *d, double x, double y, double width,
                const char *family, char *err, size_t errlen)
{
	if (d->n == 0)
		return 0;
	pen p = {cr, charts_pango_context(cr), family};
	cairo_save(cr);
	if (d->chart != DOC_CHART_RATES_BY_LEVEL) /* districts, provinces: names can be long */
		draw_districts(&p, d, x, y, width);
	else
		draw_levels(&p, d, x, y, width);
	cairo_restore(cr);
	g_object_unref(p.pc);
	cairo_status_t st = cairo_status(cr);
	if (st != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "drawing chart %d: %s", d->chart, cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

/* charts: the PDF report's charts — the on-time and online shares by level and by district — as
 * data computed from the figures (pure, testable) and as cairo drawings labelled with pango in the
 * report's own font, sized for print (labels ≥ 9 pt). */
#ifndef CCHC_CHARTS_H
#define CCHC_CHARTS_H

#include "figures.h"
#include "report_doc.h"

#include <cairo.h>
#include <pango/pango.h>
#include <stddef.h>

#define CHART_MAX_ITEMS 64

/* One category of a chart: a level or a district, with its two shares times 100 (5646 = 56,46 %),
 * rounded half away from zero. A share whose denominator is 0 has no value (drawn as "-"). */
typedef struct chart_item {
	char label[128];
	long long on_time_x100; /* (resolved_early + resolved_on_time) / resolved */
	long long online_x100;  /* received_online / received */
	int has_on_time;        /* resolved > 0 */
	int has_online;         /* received > 0 */
} chart_item;

typedef struct chart_data {
	int chart; /* a doc_chart */
	chart_item items[CHART_MAX_ITEMS];
	size_t n;
} chart_data;

/* The data of chart `chart` (a doc_chart), from the report model (model.c): by level, the levels
 * the report shows; by district, the district units it shows, in its order. n may be 0 (nothing
 * to draw). Returns 0, or -1 with a message in err (unknown chart, too many districts). */
int charts_data(const figures *f, int chart, chart_data *out, char *err, size_t errlen);

/* The height in points the chart takes when drawn `width` points wide. */
double charts_height(const chart_data *d, double width);

/* Draws the chart with its top-left corner at (x, y), `width` points wide, labels in font `family`.
 * Returns 0, or -1 with a message in err (a cairo error). */
int charts_draw(cairo_t *cr, const chart_data *d, double x, double y, double width,
                const char *family, char *err, size_t errlen);

/* A pango context for a PDF surface: 72 dpi (1 unit = 1 pt) and no hinting, so text measures as it
 * prints. The report's body text uses it too. Free with g_object_unref. */
PangoContext *charts_pango_context(cairo_t *cr);

#endif

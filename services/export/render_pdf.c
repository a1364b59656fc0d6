/* render_pdf: the report as an A4 PDF in the layout of Nghị định 30/2020/NĐ-CP (margins, the
 * two-column header, title, justified body with a first-line indent, page numbers from page 2,
 * "Nơi nhận" beside the signature), set in Liberation Serif with pango so every Vietnamese letter
 * is shaped, and the charts of charts.c. Text flows line by line so paragraphs split across pages.
 */
#include "render_pdf.h"

#include "charts.h"
#include "render.h"
#include "vnfmt.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A4 in points, and the margins of Nghị định 30 (top/bottom 20–25 mm, left 30–35, right 15–20). */
#define MM       (72.0 / 25.4)
#define PAGE_W   595.28
#define PAGE_H   841.89
#define M_TOP    (20 * MM)
#define M_BOTTOM (20 * MM)
#define M_LEFT   (30 * MM)
#define M_RIGHT  (15 * MM)
#define TEXT_W   (PAGE_W - M_LEFT - M_RIGHT)
#define LIMIT_Y  (PAGE_H - M_BOTTOM)
#define BODY_PT  14.0
#define INDENT   (12.7 * MM) /* first-line indent 1–1.27 cm */
#define LEADING  3.0         /* extra points between lines: a little over single spacing */
#define PARA_GAP 6.0         /* at least 6 pt between paragraphs */

typedef struct sink {
	uint8_t *data;
	size_t len, cap;
	int oom;
} sink;

typedef struct pdf {
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *pc;
	const figures *f;
	double y; /* next free position on the page */
	int page;
} pdf;

/* How a piece of text is set. */
typedef struct style {
	double pt;
	int bold, italic;
	double grey; /* 0 black */
	PangoAlignment align;
	int justify;
	double indent; /* first line */
} style;

static const style st_body = {BODY_PT, 0, 0, 0, PANGO_ALIGN_LEFT, 1, INDENT};
static const style st_missing = {BODY_PT, 0, 1, 0.45, PANGO_ALIGN_LEFT, 1, INDENT};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
	sink *s = closure;
	if (s->len + length > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + length)
			cap *= 2;
		uint8_t *d = realloc(s->data, cap);
		if (!d) {
			s->oom = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, data, length);
	s->len += length;
	return CAIRO_STATUS_SUCCESS;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static PangoLayout *layout(const pdf *p, const char *text, const style *s, double width)
{
	PangoLayout *l = pango_layout_new(p->pc);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, RENDER_PDF_FAMILY);
	pango_font_description_set_size(fd, (gint)(s->pt * PANGO_SCALE));
	pango_font_description_set_weight(fd, s->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_style(fd, s->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD);
	pango_layout_set_alignment(l, s->align);
	pango_layout_set_justify(l, s->justify);
	pango_layout_set_indent(l, (int)(s->indent * PANGO_SCALE));
	pango_layout_set_spacing(l, (int)(LEADING * PANGO_SCALE));
	/* Words are never broken with a hyphen: a figure like "86.721" must stay whole. */
	PangoAttrList *attrs = pango_attr_list_new();
	pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
	pango_layout_set_attributes(l, attrs);
	pango_attr_list_unref(attrs);
	pango_layout_set_text(l, text, -1);
	return l;
}

static double layout_height(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return pango_units_to_double(r.height);
}

static double layout_width(PangoLayout *l)
{
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	return pango_units_to_double(r.width);
}

/* Draws a whole layout (no page break) with its top-left at (x, y); returns its height. */
static double put(pdf *p, PangoLayout *l, double x, double y, double grey)
{
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	return layout_height(l);
}

static void rule(pdf *p, double cx, double width, double y)
{
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, cx - width / 2, y);
	cairo_line_to(p->cr, cx + width / 2, y);
	cairo_stroke(p->cr);
}

/* Page numbers from page 2, centred in the top margin (Nghị định 30). */
static void new_page(pdf *p)
{
	cairo_show_page(p->cr);
	p->page++;
	p->y = M_TOP;
	char num[16];
	snprintf(num, sizeof num, "%d", p->page);
	style s = {13, 0, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	PangoLayout *l = layout(p, num, &s, TEXT_W);
	put(p, l, M_LEFT, M_TOP / 2 - layout_height(l) / 2, 0);
	g_object_unref(l);
}

typedef struct line_pos {
	PangoLayoutLine *line;
	double top, bottom, baseline, x;
} line_pos;

/* Flows a layout from the current position, line by line, onto as many pages as it takes. A
 * paragraph never leaves its first line alone at a page's foot nor its last alone at the top. */
static int flow(pdf *p, PangoLayout *l, double x, double grey)
{
	int n = pango_layout_get_line_count(l);
	line_pos *lp = calloc((size_t)n, sizeof *lp);
	if (!lp)
		return -1;
	PangoLayoutIter *it = pango_layout_get_iter(l);
	for (int i = 0; i < n; i++) {
		int y0, y1;
		PangoRectangle r;
		pango_layout_iter_get_line_yrange(it, &y0, &y1);
		pango_layout_iter_get_line_extents(it, NULL, &r);
		lp[i].line = pango_layout_iter_get_line_readonly(it);
		lp[i].top = pango_units_to_double(y0);
		lp[i].bottom = pango_units_to_double(y1);
		lp[i].baseline = pango_units_to_double(pango_layout_iter_get_baseline(it));
		lp[i].x = pango_units_to_double(r.x);
		pango_layout_iter_next_line(it);
	}
	pango_layout_iter_free(it);

	double base = p->y; /* page y of the layout's y = 0 */
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	for (int i = 0; i < n; i++) {
		/* Lines that must go together: the first two, and the last two. */
		int last = i;
		if (i == 0 && n >= 2)
			last = 1;
		else if (i == n - 2 && n >= 3)
			last = n - 1;
		int fresh_page = base + lp[i].top <= M_TOP + 0.01;
		if (base + lp[last].bottom > LIMIT_Y && !fresh_page) {
			new_page(p);
			cairo_set_source_rgb(p->cr, grey, grey, grey);
			base = M_TOP - lp[i].top;
		}
		cairo_move_to(p->cr, x + lp[i].x, base + lp[i].baseline);
		pango_cairo_show_layout_line(p->cr, lp[i].line);
	}
	if (n)
		p->y = base + lp[n - 1].bottom;
	free(lp);
	return 0;
}

static int flow_text(pdf *p, const char *text, const style *s, double space_before)
{
	p->y += space_before;
	PangoLayout *l = layout(p, text, s, TEXT_W);
	int rc = flow(p, l, M_LEFT, s->grey);
	g_object_unref(l);
	return rc;
}

/* The two-column header: issuer and number on the left, Quốc hiệu, Tiêu ngữ and the place and date
 * on the right; then the title and the subtitle with a short rule under it. */
static void header(pdf *p, const report_doc *doc)
{
	const double left_w = TEXT_W * 0.40, right_w = TEXT_W - left_w;
	const double lcx = M_LEFT + left_w / 2, rx = M_LEFT + left_w, rcx = rx + right_w / 2;
	style caps = {13, 1, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	style plain = {13, 0, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	style motto = {14, 1, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	style date = {14, 0, 1, 0, PANGO_ALIGN_CENTER, 0, 0};
	style title = {14, 1, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	PangoLayout *l;

	double ly = M_TOP, last_w = 0;
	for (size_t i = 0; i < doc->n_issuer_lines; i++) {
		l = layout(p, str(doc->issuer_lines[i]), &caps, left_w);
		last_w = layout_width(l);
		ly += put(p, l, M_LEFT, ly, 0);
		g_object_unref(l);
	}
	/* Under the issuer a rule a third to a half of its line. */
	if (doc->n_issuer_lines)
		rule(p, lcx, last_w * 0.4, ly + 3);
	ly += 8;

	double ry = M_TOP;
	l = layout(p, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &caps, right_w);
	ry += put(p, l, rx, ry, 0);
	g_object_unref(l);
	l = layout(p, "Độc lập - Tự do - Hạnh phúc", &motto, right_w);
	double motto_w = layout_width(l);
	ry += put(p, l, rx, ry, 0);
	g_object_unref(l);
	rule(p, rcx, motto_w, ry + 3); /* as long as the motto */
	ry += 8;

	double y = (ly > ry ? ly : ry) + 4;
	l = layout(p, str(doc->number), &plain, left_w);
	double h1 = put(p, l, M_LEFT, y, 0);
	g_object_unref(l);
	l = layout(p, str(doc->place_date), &date, right_w);
	double h2 = put(p, l, rx, y, 0);
	g_object_unref(l);
	y += (h1 > h2 ? h1 : h2) + 24;

	l = layout(p, str(doc->title), &title, TEXT_W);
	y += put(p, l, M_LEFT, y, 0);
	g_object_unref(l);
	l = layout(p, str(doc->subtitle), &title, TEXT_W);
	double sub_w = layout_width(l);
	y += put(p, l, M_LEFT, y, 0);
	g_object_unref(l);
	rule(p, M_LEFT + TEXT_W / 2, sub_w / 3 < 120 ? sub_w / 3 : 120, y + 3);
	p->y = y + 18;
	if (doc->as_of_line) {
		l = layout(p, doc->as_of_line, &date, TEXT_W);
		p->y += put(p, l, M_LEFT, p->y, 0) + 6;
		g_object_unref(l);
	}
}

static int heading(pdf *p, const doc_block *b)
{
	style s = st_body;
	s.bold = 1;
	s.italic = b->level >= 3;
	s.justify = 0;
	PangoLayout *l = layout(p, str(b->text), &s, TEXT_W);
	/* A heading keeps company with two lines of what follows. */
	double need = PARA_GAP + layout_height(l) + PARA_GAP + 2 * (BODY_PT * 1.15 + LEADING);
	if (p->y + need > LIMIT_Y && p->y > M_TOP + 0.01)
		new_page(p);
	else
		p->y += PARA_GAP;
	int rc = flow(p, l, M_LEFT, 0);
	g_object_unref(l);
	return rc;
}

static int chart(pdf *p, const doc_block *b, char *err, size_t errlen)
{
	chart_data d;
	if (charts_data(p->f, b->chart, &d, err, errlen))
		return -1;
	if (d.n == 0)
		return 0; /* nothing to compare: no chart rather than an empty frame */
	double width = TEXT_W - 20, h = charts_height(&d, width);
	style cap = {12, 0, 1, 0, PANGO_ALIGN_CENTER, 0, 0};
	PangoLayout *l = layout(p, str(b->text), &cap, TEXT_W);
	double need = PARA_GAP * 2 + h + 6 + layout_height(l);
	if (p->y + need > LIMIT_Y && p->y > M_TOP + 0.01)
		new_page(p);
	p->y += PARA_GAP * 2;
	int rc = charts_draw(p->cr, &d, M_LEFT + 10, p->y, width, RENDER_PDF_FAMILY, err, errlen);
	p->y += h + 6;
	p->y += put(p, l, M_LEFT, p->y, 0) + PARA_GAP;
	g_object_unref(l);
	return rc;
}

/* ---- DOC_TABLE: a table of form II.06a (tables.c), as the XLSX sheet lays it out ---- */

#define TABLE_PT  7.5
#define CELL_PAD  2.0
#define TT_W      16.0
#define LABEL_MIN 110.0
#define NUM_MAX   40.0

typedef struct table_geom {
	int n;
	double x[TABLES_MAX_COLS + 1]; /* column edges */
} table_geom;

static PangoLayout *cell_layout(const pdf *p, const char *text, int bold, int italic,
                                PangoAlignment align, double width)
{
	style s = {TABLE_PT, bold, italic, 0, align, 0, 0};
	PangoLayout *l = layout(p, text, &s, width - 2 * CELL_PAD);
	pango_layout_set_spacing(l, 0);
	return l;
}

static void cell_box(pdf *p, double x0, double y0, double x1, double y1)
{
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, 0.5);
	cairo_rectangle(p->cr, x0, y0, x1 - x0, y1 - y0);
	cairo_stroke(p->cr);
}

/* Draws a cell's layout (NULL: an empty cell) inside [x0, x1) × [y, y + h), centred vertically. */
static void cell_put(pdf *p, PangoLayout *l, double x0, double x1, double y, double h)
{
	cell_box(p, x0, y, x1, y + h);
	if (l)
		put(p, l, x0 + CELL_PAD, y + (h - layout_height(l)) / 2, 0);
}

/* The two header rows (a group over its columns, a column without one over both) and the row of
 * column numbers, from the current position. */
static void table_header(pdf *p, const tables_table *t, const table_geom *g)
{
	PangoLayout *top[TABLES_MAX_COLS] = {0}, *sub[TABLES_MAX_COLS] = {0};
	int span[TABLES_MAX_COLS] = {0};
	double h1 = 0, h2 = 0;
	for (int c = 0; c < g->n;) {
		int k = 1;
		while (t->cols[c].group && c + k < g->n && t->cols[c + k].group &&
		       !strcmp(t->cols[c].group, t->cols[c + k].group))
			k++;
		span[c] = k;
		top[c] = cell_layout(p, t->cols[c].group ? t->cols[c].group : t->cols[c].name, 1, 0,
		                     PANGO_ALIGN_CENTER, g->x[c + k] - g->x[c]);
		if (t->cols[c].group && layout_height(top[c]) > h1)
			h1 = layout_height(top[c]);
		c += k;
	}
	for (int c = 0; c < g->n; c++)
		if (t->cols[c].group) {
			sub[c] = cell_layout(p, t->cols[c].name, 1, 0, PANGO_ALIGN_CENTER,
			                     g->x[c + 1] - g->x[c]);
			if (layout_height(sub[c]) > h2)
				h2 = layout_height(sub[c]);
		}
	h1 += 2 * CELL_PAD;
	h2 += 2 * CELL_PAD;
	for (int c = 0; c < g->n; c++) /* a column alone may need more than both rows */
		if (top[c] && !t->cols[c].group && layout_height(top[c]) + 2 * CELL_PAD > h1 + h2)
			h2 = layout_height(top[c]) + 2 * CELL_PAD - h1;
	double y = p->y;
	for (int c = 0; c < g->n; c++) {
		if (top[c])
			cell_put(p, top[c], g->x[c], g->x[c + span[c]], y,
			         t->cols[c].group ? h1 : h1 + h2);
		if (sub[c])
			cell_put(p, sub[c], g->x[c], g->x[c + 1], y + h1, h2);
	}
	double y3 = y + h1 + h2, h3 = TABLE_PT * 1.3 + 2 * CELL_PAD;
	for (int c = 0; c < g->n; c++) {
		char num[16];
		snprintf(num, sizeof num, "(%d)", c + 1);
		PangoLayout *l =
		    cell_layout(p, num, 0, 1, PANGO_ALIGN_CENTER, g->x[c + 1] - g->x[c]);
		cell_put(p, l, g->x[c], g->x[c + 1], y3, h3);
		g_object_unref(l);
	}
	for (int c = 0; c < g->n; c++) {
		if (top[c])
			g_object_unref(top[c]);
		if (sub[c])
			g_object_unref(sub[c]);
	}
	p->y = y3 + h3;
}

static int form_table(pdf *p, const doc_block *b, const tables_table *t)
{
	table_geom g = {.n = (int)t->ncols};
	double num = (TEXT_W - TT_W - LABEL_MIN) / (g.n - 2);
	if (num > NUM_MAX)
		num = NUM_MAX;
	g.x[0] = M_LEFT;
	g.x[1] = M_LEFT + TT_W;
	g.x[2] = M_LEFT + TEXT_W - num * (g.n - 2);
	for (int c = 3; c <= g.n; c++)
		g.x[c] = g.x[c - 1] + num;
	style cap = {11, 0, 1, 0, PANGO_ALIGN_CENTER, 0, 0};
	PangoLayout *l = layout(p, str(b->text), &cap, TEXT_W);
	/* the caption keeps company with the header (some 80 pt) and a first row or two */
	if (p->y + PARA_GAP * 2 + layout_height(l) + 150 > LIMIT_Y && p->y > M_TOP + 0.01)
		new_page(p);
	p->y += PARA_GAP * 2;
	p->y += put(p, l, M_LEFT, p->y, 0) + 4;
	g_object_unref(l);
	table_header(p, t, &g);
	for (size_t r = 0; r < t->nrows; r++) {
		const tables_row *row = &t->rows[r];
		int bold = row->kind != TABLES_ROW_ITEM;
		PangoLayout *cells[TABLES_MAX_COLS];
		double h = 0;
		for (int c = 0; c < g.n; c++) {
			char v[VNFMT_LEN];
			const char *text = c == 0 ? row->tt : c == 1 ? row->label : v;
			if (c >= 2)
				tables_cell_text(t, row, (size_t)c, v, sizeof v);
			cells[c] = cell_layout(p, text, bold, 0,
			                       c == 1   ? PANGO_ALIGN_LEFT
			                       : c == 0 ? PANGO_ALIGN_CENTER
			                                : PANGO_ALIGN_RIGHT,
			                       g.x[c + 1] - g.x[c]);
			if (layout_height(cells[c]) > h)
				h = layout_height(cells[c]);
		}
		h += 2 * CELL_PAD;
		if (p->y + h > LIMIT_Y) { /* the header again on the next page */
			new_page(p);
			table_header(p, t, &g);
		}
		for (int c = 0; c < g.n; c++) {
			cell_put(p, cells[c], g.x[c], g.x[c + 1], p->y, h);
			g_object_unref(cells[c]);
		}
		p->y += h;
	}
	p->y += PARA_GAP;
	return 0;
}

/* "Nơi nhận" on the left and the signature block on the right, kept together on one page. */
static int closing(pdf *p, const report_doc *doc)
{
	const double left_w = TEXT_W * 0.45, right_w = TEXT_W - left_w, rx = M_LEFT + left_w;
	style to = {12, 1, 1, 0, PANGO_ALIGN_LEFT, 0, 0};
	style item = {11, 0, 0, 0, PANGO_ALIGN_LEFT, 0, 0};
	style sign = {14, 1, 0, 0, PANGO_ALIGN_CENTER, 0, 0};
	const double sign_space = 72; /* room for the signature and the seal */
	size_t nl = 1 + doc->n_recipients, nr = doc->n_signer_lines + 1;
	PangoLayout **ll = calloc(nl + nr, sizeof *ll);
	if (!ll)
		return -1;
	PangoLayout **rl = ll + nl;
	double lh = 0, rh = sign_space;
	ll[0] = layout(p, "Nơi nhận:", &to, left_w);
	for (size_t i = 0; i < doc->n_recipients; i++) {
		/* The dash is the renderer's: the configuration's lines come without it. */
		char *t = g_strdup_printf("- %s", str(doc->recipients[i]));
		ll[1 + i] = layout(p, t, &item, left_w);
		g_free(t);
	}
	for (size_t i = 0; i < doc->n_signer_lines; i++)
		rl[i] = layout(p, str(doc->signer_lines[i]), &sign, right_w);
	rl[nr - 1] = layout(p, str(doc->signer_name), &sign, right_w);
	for (size_t i = 0; i < nl; i++)
		lh += layout_height(ll[i]);
	for (size_t i = 0; i < nr; i++)
		rh += layout_height(rl[i]);
	double h = lh > rh ? lh : rh;
	if (p->y + 18 + h > LIMIT_Y && p->y > M_TOP + 0.01)
		new_page(p);
	double y = p->y + 18, ly = y, ry = y;
	for (size_t i = 0; i < nl; i++)
		ly += put(p, ll[i], M_LEFT, ly, 0);
	for (size_t i = 0; i < nr; i++) {
		if (i == nr - 1)
			ry += sign_space;
		ry += put(p, rl[i], rx, ry, 0);
	}
	p->y = y + h;
	for (size_t i = 0; i < nl + nr; i++)
		g_object_unref(ll[i]);
	free(ll);
	return 0;
}

/* Asks pango for the family in each style and checks that it is what fontconfig gave and that it
 * has Vietnamese letters: the old fonts-liberation lacks them and pango would silently borrow them
 * from another font. */
static int check_font(PangoContext *pc, char *err, size_t errlen)
{
	static const gunichar vietnamese[] = {0x01B0, 0x01A1, 0x0111, 0x1EA1, 0x1EC5, 0x1EF9};
	int rc = 0;
	for (int v = 0; v < 4 && !rc; v++) {
		PangoFontDescription *fd = pango_font_description_new();
		pango_font_description_set_family(fd, RENDER_PDF_FAMILY);
		pango_font_description_set_size(fd, (gint)(BODY_PT * PANGO_SCALE));
		pango_font_description_set_weight(fd,
		                                  v & 1 ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
		pango_font_description_set_style(fd,
		                                 v & 2 ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
		PangoFont *font = pango_context_load_font(pc, fd);
		pango_font_description_free(fd);
		if (!font) {
			snprintf(err, errlen,
			         "pdf: font '%s' not found (install fonts-liberation2)",
			         RENDER_PDF_FAMILY);
			return -1;
		}
		PangoFontDescription *got = pango_font_describe(font);
		const char *family = pango_font_description_get_family(got);
		if (!family || strcmp(family, RENDER_PDF_FAMILY)) {
			snprintf(err, errlen,
			         "pdf: font '%s' not found, fontconfig offers '%s' (install "
			         "fonts-liberation2)",
			         RENDER_PDF_FAMILY, family ? family : "?");
			rc = -1;
		}
		PangoCoverage *cov =
		    pango_font_get_coverage(font, pango_language_from_string("vi"));
		for (size_t i = 0; !rc && i < sizeof vietnamese / sizeof vietnamese[0]; i++)
			if (pango_coverage_get(cov, vietnamese[i]) != PANGO_COVERAGE_EXACT) {
				snprintf(
				    err, errlen,
				    "pdf: font '%s' lacks the Vietnamese letter U+%04X (an old "
				    "fonts-liberation? install fonts-liberation2)",
				    RENDER_PDF_FAMILY, (unsigned)vietnamese[i]);
				rc = -1;
			}
		g_object_unref(cov);
		pango_font_description_free(got);
		g_object_unref(font);
	}
	return rc;
}

/* Every text the document holds must be UTF-8: pango would otherwise replace bytes silently. */
static int check_utf8(const report_doc *doc, char *err, size_t errlen)
{
	const char *one[] = {doc->number, doc->place_date, doc->title, doc->subtitle,
	                     doc->signer_name};
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
		if (one[i] && !g_utf8_validate(one[i], -1, NULL))
			goto bad;
	for (size_t i = 0; i < doc->n_issuer_lines; i++)
		if (doc->issuer_lines[i] && !g_utf8_validate(doc->issuer_lines[i], -1, NULL))
			goto bad;
	for (size_t i = 0; i < doc->n_recipients; i++)
		if (doc->recipients[i] && !g_utf8_validate(doc->recipients[i], -1, NULL))
			goto bad;
	for (size_t i = 0; i < doc->n_signer_lines; i++)
		if (doc->signer_lines[i] && !g_utf8_validate(doc->signer_lines[i], -1, NULL))
			goto bad;
	for (size_t i = 0; i < doc->n_blocks; i++)
		if (doc->blocks[i].text && !g_utf8_validate(doc->blocks[i].text, -1, NULL)) {
			snprintf(err, errlen,
			         "pdf: block %zu of the report is not UTF-8 text: %.60s", i + 1,
			         doc->blocks[i].text);
			return -1;
		}
	return 0;
bad:
	snprintf(err, errlen, "pdf: the report's header or signature is not UTF-8 text");
	return -1;
}

static int body(pdf *p, const report_doc *doc, char *err, size_t errlen)
{
	for (size_t i = 0; i < doc->n_blocks; i++) {
		const doc_block *b = &doc->blocks[i];
		int rc = 0;
		switch (b->kind) {
		case DOC_HEADING:
			rc = heading(p, b);
			break;
		case DOC_PARAGRAPH:
			rc = flow_text(p, str(b->text), &st_body, PARA_GAP);
			break;
		case DOC_MISSING: {
			/* Visibly empty: what the province still has to write, in grey. */
			char *t =
			    g_strdup_printf("[Nội dung do đơn vị soạn thảo: %s]", str(b->text));
			rc = flow_text(p, t, &st_missing, PARA_GAP);
			g_free(t);
			break;
		}
		case DOC_CHART:
			rc = chart(p, b, err, errlen);
			break;
		case DOC_TABLE:
			if (doc->tables && b->chart >= 0 && b->chart < TABLES_N)
				rc = form_table(p, b, &doc->tables->t[b->chart]);
			break;
		}
		if (rc) {
			if (!*err)
				snprintf(err, errlen, "pdf: out of memory at block %zu", i + 1);
			return -1;
		}
	}
	return 0;
}

int render_pdf_doc(const report_doc *doc, const figures *f, uint8_t **data, size_t *len, char *err,
                   size_t errlen)
{
	sink out = {0};
	int rc = -1;
	err[0] = '\0';
	if (check_utf8(doc, err, errlen))
		return -1;
	pdf p = {.f = f, .page = 1, .y = M_TOP};
	p.surface = cairo_pdf_surface_create_for_stream(sink_write, &out, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE, str(doc->subtitle));
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "cchc");
	/* the document's own date, not cairo's "now": a closed version renders byte for byte again
	 */
	char created[32];
	time_t ct = (time_t)(doc->date_ms / 1000);
	struct tm ctm;
	if (gmtime_r(&ct, &ctm) && strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &ctm)) {
		cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATE_DATE, created);
		cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_MOD_DATE, created);
	}
	p.cr = cairo_create(p.surface);
	p.pc = charts_pango_context(p.cr);
	if (check_font(p.pc, err, errlen))
		goto done;
	header(&p, doc);
	if (body(&p, doc, err, errlen))
		goto done;
	if (closing(&p, doc)) {
		snprintf(err, errlen, "pdf: out of memory");
		goto done;
	}
	cairo_show_page(p.cr);
	/* A drawing error sticks to the context; the surface is checked after finishing. */
	if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "pdf: %s", cairo_status_to_string(cairo_status(p.cr)));
		goto done;
	}
	rc = 0;
done:
	g_object_unref(p.pc);
	cairo_destroy(p.cr);
	cairo_surface_finish(p.surface);
	cairo_status_t st = cairo_surface_status(p.surface);
	cairo_surface_destroy(p.surface);
	if (!rc && (st != CAIRO_STATUS_SUCCESS || out.oom)) {
		snprintf(err, errlen, "pdf: %s",
		         out.oom ? "out of memory" : cairo_status_to_string(st));
		rc = -1;
	}
	if (rc) {
		free(out.data);
		return -1;
	}
	*data = out.data;
	*len = out.len;
	return 0;
}

int render_pdf(const render_input *in, render_output *out, char *err, size_t errlen)
{
	report_doc doc;
	uint8_t *data;
	size_t len;
	if (report_doc_build(in, &doc, err, errlen))
		return -1;
	int rc = render_pdf_doc(&doc, in->figures, &data, &len, err, errlen);
	report_doc_free(&doc);
	if (rc)
		return -1;
	if (render_output_add(out, ".pdf", data, len)) {
		snprintf(err, errlen, "pdf: too many output files");
		return -1;
	}
	return 0;
}

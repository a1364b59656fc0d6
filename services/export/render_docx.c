/* render_docx: the report as a Word document in the layout of Nghị định 30/2020/NĐ-CP (A4, margins,
 * Times New Roman with Liberation Serif as the fallback, the two-column header, page numbers from
 * page 2 centred in the top margin). cchc writes the small WordprocessingML itself from the
 * document model (report_doc) and libzip makes the container, in memory. */
#include "model.h"
#include "render.h"
#include "report_doc.h"
#include "vnfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

/* Page and type (twentieths of a point; sizes in half points). A4; margins top/bottom 20 mm,
 * left 30 mm, right 15 mm (the decree: 20–25, 20–25, 30–35, 15–20). */
#define PAGE_W       11906
#define PAGE_H       16838
#define MARGIN_TOP   1134
#define MARGIN_BOT   1134
#define MARGIN_LEFT  1701
#define MARGIN_RIGHT 851
#define TEXT_W       (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)
#define COL_LEFT     3686 /* header: issuing body, "Số: …" */
#define COL_RIGHT    (TEXT_W - COL_LEFT)
#define INDENT       567 /* first-line indent, 1 cm */
#define SZ_BODY      28  /* 14 pt */
#define SZ_HEAD      26  /* 13 pt */

/* A growing string; `bad` remembers an allocation failure so writers need not check each call. */
typedef struct sbuf {
	char *p;
	size_t n, cap;
	int bad;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->bad = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_s(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_f(sbuf *b, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void sb_f(sbuf *b, const char *f, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(tmp, sizeof tmp, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		b->bad = 1;
	else
		sb_put(b, tmp, (size_t)n);
}

/* Text as XML character data: markup escaped, and the control characters XML 1.0 forbids
 * dropped (a stray one from a template would make Word refuse the whole file). */
static void sb_x(sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&':
			sb_s(b, "&amp;");
			break;
		case '<':
			sb_s(b, "&lt;");
			break;
		case '>':
			sb_s(b, "&gt;");
			break;
		case '"':
			sb_s(b, "&quot;");
			break;
		case '\'':
			sb_s(b, "&apos;");
			break;
		default:
			if (c >= 0x20 || c == '\t')
				sb_put(b, s, 1);
		}
	}
}

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define W_NS     "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define R_NS     "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

enum { B = 1, I = 2, U = 4, HL = 8 };

/* One run of text (style flags above, size in half points; 0 = the paragraph's). */
static void run(sbuf *b, const char *text, int flags, int sz)
{
	sb_s(b, "<w:r><w:rPr>");
	if (flags & B)
		sb_s(b, "<w:b/><w:bCs/>");
	if (flags & I)
		sb_s(b, "<w:i/><w:iCs/>");
	if (flags & U)
		sb_s(b, "<w:u w:val=\"single\"/>");
	if (flags & HL)
		sb_s(b, "<w:highlight w:val=\"yellow\"/>");
	if (sz)
		sb_f(b, "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/>", sz, sz);
	sb_s(b, "</w:rPr><w:t xml:space=\"preserve\">");
	sb_x(b, text);
	sb_s(b, "</w:t></w:r>");
}

/* A centred paragraph with no indent and no space around it (header cells, titles). */
static void centred(sbuf *b, const char *text, int flags, int sz, int after)
{
	sb_f(b,
	     "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"%d\" w:line=\"240\" "
	     "w:lineRule=\"auto\"/><w:ind w:firstLine=\"0\"/><w:jc w:val=\"center\"/></w:pPr>",
	     after);
	run(b, text, flags, sz);
	sb_s(b, "</w:p>");
}

/* A short centred rule: an empty paragraph whose top border runs between its indents, 3 pt below
 * the line above so it never touches the descenders. */
static void rule(sbuf *b, int indent_each)
{
	sb_f(b,
	     "<w:p><w:pPr><w:pBdr><w:top w:val=\"single\" w:sz=\"6\" w:space=\"0\" "
	     "w:color=\"000000\"/></w:pBdr><w:spacing w:before=\"60\" w:after=\"0\" w:line=\"120\" "
	     "w:lineRule=\"exact\"/><w:ind w:left=\"%d\" w:right=\"%d\" w:firstLine=\"0\"/>"
	     "</w:pPr><w:r><w:rPr><w:sz w:val=\"4\"/></w:rPr></w:r></w:p>",
	     indent_each, indent_each);
}

static void table_start(sbuf *b, int borders, const int *widths, int ncols)
{
	sb_s(b, "<w:tbl><w:tblPr>");
	if (borders)
		sb_s(b, "<w:tblStyle w:val=\"TableGrid\"/><w:jc w:val=\"center\"/>");
	int total = 0;
	for (int i = 0; i < ncols; i++)
		total += widths[i];
	sb_f(b, "<w:tblW w:w=\"%d\" w:type=\"dxa\"/>", total);
	if (!borders)
		sb_s(b,
		     "<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom "
		     "w:val=\"nil\"/><w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV "
		     "w:val=\"nil\"/></w:tblBorders><w:tblInd w:w=\"0\" w:type=\"dxa\"/>");
	sb_s(b, "<w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"57\" "
	        "w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook "
	        "w:val=\"0000\"/></w:tblPr><w:tblGrid>");
	for (int i = 0; i < ncols; i++)
		sb_f(b, "<w:gridCol w:w=\"%d\"/>", widths[i]);
	sb_s(b, "</w:tblGrid>");
}

static void cell_start(sbuf *b, int width)
{
	sb_f(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/></w:tcPr>", width);
}

/* The lines of the issuing body: a parent body (report.issuer_parent) upright, the issuer bold
 * (Nghị định 30, Phụ lục I: tên cơ quan chủ quản không đậm, tên cơ quan ban hành đậm). */
static size_t parent_lines(const conf *c)
{
	size_t n = 0;
	for (const char *p = c->report_issuer_parent; *p;) {
		size_t len = strcspn(p, "|"), blank = strspn(p, " \t");
		n += blank < len; /* report_doc drops empty parts the same way */
		p += len + (p[len] == '|');
	}
	return n;
}

static void header_table(sbuf *b, const report_doc *d, const conf *c)
{
	const int w[2] = {COL_LEFT, COL_RIGHT};
	size_t nparent = parent_lines(c);
	table_start(b, 0, w, 2);
	sb_s(b, "<w:tr>");
	cell_start(b, COL_LEFT);
	for (size_t i = 0; i < d->n_issuer_lines; i++)
		centred(b, d->issuer_lines[i], i < nparent ? 0 : B, SZ_HEAD, 0);
	if (!d->n_issuer_lines)
		centred(b, "", 0, SZ_HEAD, 0);
	rule(b, COL_LEFT / 3); /* a third of the column, centred */
	sb_s(b, "</w:tc>");
	cell_start(b, COL_RIGHT);
	centred(b, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", B, 24, 0);
	centred(b, "Độc lập - Tự do - Hạnh phúc", B | U, SZ_HEAD, 0);
	sb_s(b, "</w:tc></w:tr><w:tr>");
	cell_start(b, COL_LEFT);
	sb_s(b, "<w:p><w:pPr><w:spacing w:before=\"120\" w:after=\"0\"/><w:ind w:firstLine=\"0\"/>"
	        "<w:jc w:val=\"center\"/></w:pPr>");
	run(b, d->number ? d->number : "", 0, SZ_HEAD);
	sb_s(b, "</w:p></w:tc>");
	cell_start(b, COL_RIGHT);
	sb_s(b, "<w:p><w:pPr><w:spacing w:before=\"120\" w:after=\"0\"/><w:ind w:firstLine=\"0\"/>"
	        "<w:jc w:val=\"center\"/></w:pPr>");
	run(b, d->place_date ? d->place_date : "", I, SZ_BODY);
	sb_s(b, "</w:p></w:tc></w:tr></w:tbl>");
}

static void body_para(sbuf *b, const char *style, const char *text, int flags)
{
	sb_s(b, "<w:p>");
	if (style)
		sb_f(b, "<w:pPr><w:pStyle w:val=\"%s\"/></w:pPr>", style);
	run(b, text, flags, 0);
	sb_s(b, "</w:p>");
}

static void rates_row(sbuf *b, const int *w, const char *name, const model_row *r)
{
	char c1[VNFMT_LEN] = "-", c2[VNFMT_LEN] = "-", c3[VNFMT_LEN] = "-";
	const char *cells[4] = {name, "Số hồ sơ tiếp nhận", "Tỷ lệ nộp trực tuyến",
	                        "Tỷ lệ giải quyết trước, đúng hạn"};
	if (r) {
		vnfmt_count(r->d.received, c1, sizeof c1);
		if (r->rates.has_online)
			vnfmt_percent(r->rates.online_x100, c2, sizeof c2);
		if (r->rates.has_on_time)
			vnfmt_percent(r->rates.on_time_x100, c3, sizeof c3);
		cells[1] = c1, cells[2] = c2, cells[3] = c3;
	}
	sb_s(b, "<w:tr>");
	for (int i = 0; i < 4; i++) {
		cell_start(b, w[i]);
		sb_f(b,
		     "<w:p><w:pPr><w:spacing w:before=\"40\" w:after=\"40\" w:line=\"240\" "
		     "w:lineRule=\"auto\"/><w:ind w:firstLine=\"0\"/><w:jc w:val=\"%s\"/></w:pPr>",
		     i == 0 && r    ? "left"
		     : i == 0 || !r ? "center"
		                    : "right");
		run(b, cells[i], !r ? B : 0, 24);
		sb_s(b, "</w:p></w:tc>");
	}
	sb_s(b, "</w:tr>");
}

/* DOC_CHART in Word: a small table of the rates the PDF draws, from the same model rows (no chart
 * part needed). */
static void chart_table(sbuf *b, const doc_block *blk, const render_input *in)
{
	const int w[4] = {3354, 1800, 2000, 2200};
	char err[128];
	report_model m;
	if (model_build(in->figures, in->scope, &m, err, sizeof err)) {
		model_free(&m);
		b->bad = 1; /* out of memory, reported as such by the caller */
		return;
	}
	centred(b, blk->text, I, 26, 60);
	table_start(b, 1, w, 4);
	int by_level = blk->chart == DOC_CHART_RATES_BY_LEVEL;
	int by_province = blk->chart == DOC_CHART_RATES_BY_PROVINCE;
	rates_row(b, w, by_level ? "Cấp" : by_province ? "Tỉnh, thành phố" : "Đơn vị", NULL);
	if (by_level) {
		for (size_t i = 0; i < m.n_levels; i++)
			rates_row(b, w, m.levels[i].name, &m.levels[i].row);
	} else if (by_province) {
		for (size_t i = 0; i < m.n_provinces; i++)
			rates_row(b, w, m.provinces[i].row.name, &m.provinces[i].row);
	} else if (model_level_get(&m, 2)) {
		const model_level *l = model_level_get(&m, 2);
		for (size_t i = 0; i < l->n_units; i++)
			rates_row(b, w, m.units[l->first_unit + i].name,
			          &m.units[l->first_unit + i]);
	}
	sb_s(b, "</w:tbl>");
	centred(b, "", 0, 0, 0);
	model_free(&m);
}

/* One cell of a form table: text centred (headers, TT) or right-aligned (numbers), 8 pt. A merge
 * is "" or the cell's gridSpan / vMerge properties. */
static void form_cell(sbuf *b, int width, const char *merge, const char *text, const char *jc,
                      int flags)
{
	sb_f(b,
	     "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/>%s<w:vAlign w:val=\"center\"/>"
	     "</w:tcPr><w:p><w:pPr><w:spacing w:before=\"20\" w:after=\"20\" w:line=\"240\" "
	     "w:lineRule=\"auto\"/><w:ind w:firstLine=\"0\"/><w:jc w:val=\"%s\"/></w:pPr>",
	     width, merge, jc);
	if (text)
		run(b, text, flags, 16);
	sb_s(b, "</w:p></w:tc>");
}

/* DOC_TABLE: a table of form II.06a (tables.c) as the XLSX sheet shows it: the two header rows
 * (a group over its columns, a column without one over both rows), the row of column numbers,
 * then the rows, headings and the total in bold. */
static void form_table(sbuf *b, const doc_block *blk, const tables_table *t)
{
	int w[TABLES_MAX_COLS];
	int n = (int)t->ncols, rest = TEXT_W - 420 - 2000;
	w[0] = 420;
	w[1] = 2000;
	for (int c = 2; c < n; c++)
		w[c] = rest / (n - 2);
	centred(b, blk->text, I, 24, 60);
	table_start(b, 1, w, n);
	/* header row 1: groups spanning their columns; the others restart a vertical merge */
	sb_s(b, "<w:tr><w:trPr><w:tblHeader/></w:trPr>");
	for (int c = 0; c < n;) {
		int span = 1, width = w[c];
		while (t->cols[c].group && c + span < n && t->cols[c + span].group &&
		       !strcmp(t->cols[c].group, t->cols[c + span].group))
			width += w[c + span++];
		char merge[64];
		if (t->cols[c].group)
			snprintf(merge, sizeof merge, "<w:gridSpan w:val=\"%d\"/>", span);
		else
			snprintf(merge, sizeof merge, "<w:vMerge w:val=\"restart\"/>");
		form_cell(b, width, merge, t->cols[c].group ? t->cols[c].group : t->cols[c].name,
		          "center", B);
		c += span;
	}
	sb_s(b, "</w:tr><w:tr><w:trPr><w:tblHeader/></w:trPr>");
	for (int c = 0; c < n; c++)
		form_cell(b, w[c], t->cols[c].group ? "" : "<w:vMerge/>",
		          t->cols[c].group ? t->cols[c].name : NULL, "center", B);
	sb_s(b, "</w:tr><w:tr><w:trPr><w:tblHeader/></w:trPr>");
	for (int c = 0; c < n; c++) {
		char num[16];
		snprintf(num, sizeof num, "(%d)", c + 1);
		form_cell(b, w[c], "", num, "center", I);
	}
	sb_s(b, "</w:tr>");
	for (size_t r = 0; r < t->nrows; r++) {
		const tables_row *row = &t->rows[r];
		int flags = row->kind == TABLES_ROW_ITEM ? 0 : B;
		sb_s(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
		form_cell(b, w[0], "", row->tt, "center", flags);
		form_cell(b, w[1], "", row->label, "left", flags);
		for (int c = 2; c < n; c++) {
			char v[VNFMT_LEN];
			tables_cell_text(t, row, (size_t)c, v, sizeof v);
			form_cell(b, w[c], "", v, "right", flags);
		}
		sb_s(b, "</w:tr>");
	}
	sb_s(b, "</w:tbl>");
	centred(b, "", 0, 0, 0);
}

/* "Nơi nhận" on the left, the signature on the right, in a table without borders. */
static void closing_table(sbuf *b, const report_doc *d)
{
	const int w[2] = {4400, TEXT_W - 4400};
	table_start(b, 0, w, 2);
	sb_s(b, "<w:tr>");
	cell_start(b, w[0]);
	sb_s(b, "<w:p><w:pPr><w:spacing w:before=\"120\" w:after=\"0\" w:line=\"240\" "
	        "w:lineRule=\"auto\"/><w:ind w:firstLine=\"0\"/><w:jc w:val=\"left\"/></w:pPr>");
	run(b, "Nơi nhận:", B | I, 24);
	sb_s(b, "</w:p>");
	for (size_t i = 0; i < d->n_recipients; i++) {
		char line[1100];
		snprintf(line, sizeof line, "- %s", d->recipients[i]);
		sb_s(b, "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"240\" "
		        "w:lineRule=\"auto\"/><w:ind w:firstLine=\"0\"/><w:jc "
		        "w:val=\"left\"/></w:pPr>");
		run(b, line, 0, 22);
		sb_s(b, "</w:p>");
	}
	sb_s(b, "</w:tc>");
	cell_start(b, w[1]);
	for (size_t i = 0; i < d->n_signer_lines; i++)
		centred(b, d->signer_lines[i], B, SZ_BODY, 0);
	for (int i = 0; i < 4; i++) /* room for the signature and the seal */
		centred(b, "", 0, SZ_BODY, 0);
	centred(b, d->signer_name ? d->signer_name : "", B, SZ_BODY, 0);
	sb_s(b, "</w:tc></w:tr></w:tbl>");
}

static void document_xml(sbuf *b, const report_doc *d, const render_input *in)
{
	sb_s(b, XML_DECL "<w:document " W_NS " " R_NS "><w:body>");
	header_table(b, d, in->conf);
	centred(b, "", 0, SZ_BODY, 0);
	centred(b, d->title ? d->title : "", B, SZ_BODY, 0);
	centred(b, d->subtitle ? d->subtitle : "", B, SZ_BODY, 0);
	rule(b, TEXT_W * 3 / 8); /* a quarter of the line under the title */
	if (d->as_of_line)
		centred(b, d->as_of_line, I, SZ_BODY, 60);
	centred(b, "", 0, 12, 120);
	for (size_t i = 0; i < d->n_blocks; i++) {
		const doc_block *blk = &d->blocks[i];
		switch (blk->kind) {
		case DOC_HEADING: {
			char style[24];
			snprintf(style, sizeof style, "Heading%d",
			         blk->level < 1   ? 1
			         : blk->level > 3 ? 3
			                          : blk->level);
			body_para(b, style, blk->text, 0);
			break;
		}
		case DOC_PARAGRAPH:
			body_para(b, NULL, blk->text, 0);
			break;
		case DOC_MISSING: {
			size_t len = strlen(blk->text) + 64;
			char *t = malloc(len);
			if (!t) {
				b->bad = 1;
				break;
			}
			snprintf(t, len, "[Nội dung do đơn vị soạn thảo: %s]", blk->text);
			body_para(b, NULL, t, I | HL);
			free(t);
			break;
		}
		case DOC_CHART:
			chart_table(b, blk, in);
			break;
		case DOC_TABLE:
			if (d->tables && blk->chart >= 0 && blk->chart < TABLES_N)
				form_table(b, blk, &d->tables->t[blk->chart]);
			break;
		}
	}
	closing_table(b, d);
	sb_f(b,
	     "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rIdHdr\"/><w:headerReference "
	     "w:type=\"first\" r:id=\"rIdHdrFirst\"/><w:pgSz w:w=\"%d\" w:h=\"%d\"/><w:pgMar "
	     "w:top=\"%d\" w:right=\"%d\" w:bottom=\"%d\" w:left=\"%d\" w:header=\"567\" "
	     "w:footer=\"567\" w:gutter=\"0\"/><w:titlePg/></w:sectPr></w:body></w:document>",
	     PAGE_W, PAGE_H, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOT, MARGIN_LEFT);
}

static const char styles_xml[] = XML_DECL
    "<w:styles " W_NS ">"
    "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" "
    "w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>"
    "<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/><w:lang w:val=\"vi-VN\" w:eastAsia=\"vi-VN\" "
    "w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:before=\"0\" "
    "w:after=\"120\" w:line=\"288\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:qFormat/><w:pPr><w:ind w:firstLine=\"567\"/><w:jc w:val=\"both\"/></w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/>"
    "<w:spacing w:before=\"120\"/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:b/><w:bCs/>"
    "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/>"
    "<w:outlineLvl w:val=\"1\"/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading3\"><w:name w:val=\"heading 3\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/>"
    "<w:outlineLvl w:val=\"2\"/></w:pPr><w:rPr><w:b/><w:bCs/><w:i/><w:iCs/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Header\"><w:name w:val=\"header\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:spacing w:after=\"0\"/><w:ind w:firstLine=\"0\"/>"
    "<w:jc w:val=\"center\"/></w:pPr></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal "
    "Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:left w:w=\"108\" "
    "w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
    "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
    "<w:basedOn w:val=\"TableNormal\"/><w:tblPr><w:tblBorders><w:top w:val=\"single\" "
    "w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:left w:val=\"single\" w:sz=\"4\" "
    "w:space=\"0\" w:color=\"000000\"/><w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" "
    "w:color=\"000000\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" "
    "w:color=\"000000\"/><w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" "
    "w:color=\"000000\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" "
    "w:color=\"000000\"/></w:tblBorders></w:tblPr></w:style>"
    "</w:styles>";

static const char font_table_xml[] = XML_DECL
    "<w:fonts " W_NS "><w:font w:name=\"Times New Roman\"><w:altName "
    "w:val=\"Liberation Serif\"/><w:panose1 w:val=\"02020603050405020304\"/><w:charset "
    "w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font>"
    "<w:font w:name=\"Liberation Serif\"><w:altName w:val=\"Times New Roman\"/><w:charset "
    "w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font></w:fonts>";

static const char settings_xml[] = XML_DECL
    "<w:settings " W_NS "><w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"720\"/>"
    "<w:characterSpacingControl w:val=\"doNotCompress\"/><w:themeFontLang w:val=\"vi-VN\"/>"
    "<w:compat><w:compatSetting w:name=\"compatibilityMode\" "
    "w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>";

/* Page numbers: centred in the top margin, not on the first page (Nghị định 30, Phụ lục I). */
static const char header_xml[] = XML_DECL
    "<w:hdr " W_NS "><w:p><w:pPr><w:pStyle w:val=\"Header\"/></w:pPr>"
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> "
    "PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>2</w:t>"
    "</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p></w:hdr>";

static const char header_first_xml[] =
    XML_DECL "<w:hdr " W_NS "><w:p><w:pPr><w:pStyle w:val=\"Header\"/></w:pPr></w:p></w:hdr>";

static const char content_types_xml[] =
    XML_DECL "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
             "<Default Extension=\"rels\" "
             "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
             "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
             "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
             "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
             "<Override PartName=\"/word/settings.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>"
             "<Override PartName=\"/word/fontTable.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/>"
             "<Override PartName=\"/word/header1.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>"
             "<Override PartName=\"/word/header2.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>"
             "<Override PartName=\"/docProps/core.xml\" "
             "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
             "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>";

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char rels_xml[] = XML_DECL
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
    "relationships\"><Relationship Id=\"rId1\" Type=\"" REL_NS "/officeDocument\" "
    "Target=\"word/document.xml\"/><Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
    "core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\"" REL_NS
    "/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>";

static const char document_rels_xml[] =
    XML_DECL "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
             "relationships\"><Relationship Id=\"rIdStyles\" Type=\"" REL_NS "/styles\" "
             "Target=\"styles.xml\"/><Relationship Id=\"rIdSettings\" Type=\"" REL_NS "/settings\" "
             "Target=\"settings.xml\"/><Relationship Id=\"rIdFonts\" Type=\"" REL_NS "/fontTable\" "
             "Target=\"fontTable.xml\"/><Relationship Id=\"rIdHdr\" Type=\"" REL_NS "/header\" "
             "Target=\"header1.xml\"/><Relationship Id=\"rIdHdrFirst\" Type=\"" REL_NS "/header\" "
             "Target=\"header2.xml\"/></Relationships>";

static const char app_xml[] =
    XML_DECL "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
             "extended-properties\"><Application>cchc</Application></Properties>";

static void core_xml(sbuf *b, const render_input *in)
{
	char when[32], title[256];
	time_t t = (time_t)(in->now_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (vnfmt_report_title(in->period, title, sizeof title))
		snprintf(title, sizeof title, "Báo cáo CCHC");
	sb_s(b, XML_DECL
	     "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/"
	     "2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	     "xmlns:dcterms=\"http://purl.org/dc/terms/\" "
	     "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>");
	sb_x(b, title);
	sb_s(b, "</dc:title><dc:language>vi-VN</dc:language><dc:creator>cchc</dc:creator>");
	sb_f(b,
	     "<dcterms:created xsi:type=\"dcterms:W3CDTF\">%s</dcterms:created><dcterms:modified "
	     "xsi:type=\"dcterms:W3CDTF\">%s</dcterms:modified></cp:coreProperties>",
	     when, when);
}

/* Zips the parts in memory. Returns 0 with *out malloc'd, or -1 with a message in err. */
static int zip_parts(const char *const *names, const char *const *data, const size_t *lens,
                     size_t n, time_t mtime, uint8_t **out, size_t *outlen, char *err,
                     size_t errlen)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (!za) {
		snprintf(err, errlen, "docx: libzip: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		if (src)
			zip_source_free(src);
		return -1;
	}
	zip_source_keep(src); /* the archive's bytes stay readable after zip_close */
	for (size_t i = 0; i < n; i++) {
		zip_source_t *fs = zip_source_buffer(za, data[i], lens[i], 0);
		zip_int64_t idx = fs ? zip_file_add(za, names[i], fs, ZIP_FL_ENC_UTF_8) : -1;
		if (idx < 0) {
			snprintf(err, errlen, "docx: adding %s: %s", names[i], zip_strerror(za));
			if (fs)
				zip_source_free(fs);
			zip_discard(za);
			zip_source_free(src);
			zip_error_fini(&ze);
			return -1;
		}
		zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0);
	}
	if (zip_close(za) < 0) {
		snprintf(err, errlen, "docx: writing the archive: %s", zip_strerror(za));
		zip_discard(za);
		zip_source_free(src);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);
	zip_stat_t st;
	uint8_t *buf = NULL;
	int rc = -1;
	if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
	    zip_source_open(src) == 0) {
		buf = malloc(st.size ? st.size : 1);
		if (buf && zip_source_read(src, buf, st.size) == (zip_int64_t)st.size)
			rc = 0;
		zip_source_close(src);
	}
	zip_source_free(src);
	if (rc) {
		free(buf);
		snprintf(err, errlen, "docx: reading the archive back from memory failed");
		return -1;
	}
	*out = buf;
	*outlen = st.size;
	return 0;
}

int render_docx(const render_input *in, render_output *out, char *err, size_t errlen)
{
	report_doc d;
	if (report_doc_build(in, &d, err, errlen))
		return -1;
	sbuf doc = {0}, core = {0};
	document_xml(&doc, &d, in);
	core_xml(&core, in);
	report_doc_free(&d);
	if (doc.bad || core.bad) {
		free(doc.p);
		free(core.p);
		snprintf(err, errlen, "docx: out of memory writing the document");
		return -1;
	}
	/* [Content_Types].xml first, as Word writes it. */
	const char *names[] = {"[Content_Types].xml", "_rels/.rels",
	                       "word/document.xml",   "word/_rels/document.xml.rels",
	                       "word/styles.xml",     "word/settings.xml",
	                       "word/fontTable.xml",  "word/header1.xml",
	                       "word/header2.xml",    "docProps/core.xml",
	                       "docProps/app.xml"};
	const char *data[] = {content_types_xml, rels_xml,     doc.p,          document_rels_xml,
	                      styles_xml,        settings_xml, font_table_xml, header_xml,
	                      header_first_xml,  core.p,       app_xml};
	size_t lens[sizeof data / sizeof data[0]];
	for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
		lens[i] = strlen(data[i]);
	uint8_t *zip = NULL;
	size_t ziplen = 0;
	int rc = zip_parts(names, data, lens, sizeof data / sizeof data[0],
	                   (time_t)(in->now_ms / 1000), &zip, &ziplen, err, errlen);
	free(doc.p);
	free(core.p);
	if (rc)
		return -1;
	if (render_output_add(out, ".docx", zip, ziplen)) {
		snprintf(err, errlen, "docx: too many output files");
		return -1;
	}
	return 0;
}

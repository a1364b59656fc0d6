/* render_xlsx: the tables of tables.c as one workbook, a sheet per table, in the printed layout of
 * form II.06a: title lines, the two-row grouped header with merged cells, the row of column
 * numbers, bordered cells in Times New Roman, counts as numbers formatted "#,##0" (the reader's
 * locale shows 86.721 in Vietnamese), A4 landscape one page wide with the header repeated.
 * libxlsxwriter 1.1.4 writes only to a file, so the workbook goes through a private temporary
 * folder that is removed before returning. */
#include "render.h"
#include "tables.h"

#include <xlsxwriter.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char FONT[] = "Times New Roman";

typedef struct formats {
	lxw_format *form, *title, *subtitle, *left, *right, *head, *colnum;
	lxw_format *tt, *label, *num, *tt_b, *label_b, *num_b;
	lxw_format *pct, *pct_b; /* a rate column: "0.00" */
} formats;

static lxw_format *fmt(lxw_workbook *wb, double size, int bold, int italic, int align, int border)
{
	lxw_format *f = workbook_add_format(wb);
	if (!f)
		return NULL;
	format_set_font_name(f, FONT);
	format_set_font_size(f, size);
	if (bold)
		format_set_bold(f);
	if (italic)
		format_set_italic(f);
	if (align)
		format_set_align(f, (uint8_t)align);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	return f;
}

static int make_formats(lxw_workbook *wb, formats *f)
{
	f->form = fmt(wb, 12, 1, 0, LXW_ALIGN_RIGHT, 0);
	f->title = fmt(wb, 14, 1, 0, LXW_ALIGN_CENTER, 0);
	f->subtitle = fmt(wb, 12, 0, 1, LXW_ALIGN_CENTER, 0);
	f->left = fmt(wb, 12, 0, 0, LXW_ALIGN_LEFT, 0);
	f->right = fmt(wb, 12, 0, 1, LXW_ALIGN_RIGHT, 0);
	f->head = fmt(wb, 12, 1, 0, LXW_ALIGN_CENTER, 1);
	f->colnum = fmt(wb, 11, 0, 1, LXW_ALIGN_CENTER, 1);
	f->tt = fmt(wb, 12, 0, 0, LXW_ALIGN_CENTER, 1);
	f->label = fmt(wb, 12, 0, 0, LXW_ALIGN_LEFT, 1);
	f->num = fmt(wb, 12, 0, 0, LXW_ALIGN_RIGHT, 1);
	f->tt_b = fmt(wb, 12, 1, 0, LXW_ALIGN_CENTER, 1);
	f->label_b = fmt(wb, 12, 1, 0, LXW_ALIGN_LEFT, 1);
	f->num_b = fmt(wb, 12, 1, 0, LXW_ALIGN_RIGHT, 1);
	f->pct = fmt(wb, 12, 0, 0, LXW_ALIGN_RIGHT, 1);
	f->pct_b = fmt(wb, 12, 1, 0, LXW_ALIGN_RIGHT, 1);
	lxw_format *all[] = {f->form, f->title,   f->subtitle, f->left,  f->right,
	                     f->head, f->colnum,  f->tt,       f->label, f->num,
	                     f->tt_b, f->label_b, f->num_b,    f->pct,   f->pct_b};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!all[i])
			return -1;
	format_set_text_wrap(f->head);
	format_set_text_wrap(f->label);
	format_set_text_wrap(f->label_b);
	format_set_num_format(f->num, "#,##0");
	format_set_num_format(f->num_b, "#,##0");
	format_set_num_format(f->pct, "0.00");
	format_set_num_format(f->pct_b, "0.00");
	return 0;
}

/* Keeps the first libxlsxwriter error. */
static void track(lxw_error *first, lxw_error e)
{
	if (*first == LXW_NO_ERROR)
		*first = e;
}

/* A line of text across the whole table width. */
static void line(lxw_worksheet *ws, lxw_row_t row, lxw_col_t last, const char *text, lxw_format *f,
                 lxw_error *e)
{
	track(e, worksheet_merge_range(ws, row, 0, row, last, text, f));
}

static lxw_error draw_table(lxw_workbook *wb, const tables_set *ts, const tables_table *t,
                            const formats *f)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet);
	if (!ws)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	lxw_error e = LXW_NO_ERROR;
	lxw_col_t last = (lxw_col_t)(t->ncols - 1);
	lxw_row_t row = 0;

	track(&e, worksheet_set_column(ws, 0, 0, 6, NULL));
	int wide = t == &ts->t[TABLES_BY_UNIT] || t == &ts->t[TABLES_SATISFACTION];
	track(&e, worksheet_set_column(ws, 1, 1, wide ? 44 : 32, NULL));
	track(&e, worksheet_set_column(ws, 2, last, 11.5, NULL));
	if (t->form)
		line(ws, row++, last, t->form, f->form, &e);
	line(ws, row++, last, t->title, f->title, &e);
	if (t->subtitle)
		line(ws, row++, last, t->subtitle, f->subtitle, &e);
	line(ws, row++, last, ts->reporting_unit, f->left, &e);
	line(ws, row++, last, ts->period_line, f->left, &e);
	line(ws, row++, last, t->unit_of_count, f->right, &e);

	/* the two header rows: groups merged across, ungrouped columns merged down */
	lxw_row_t h = row;
	track(&e, worksheet_set_row(ws, h, 36, NULL));
	track(&e, worksheet_set_row(ws, h + 1, 48, NULL));
	for (size_t c = 0; c < t->ncols;) {
		const tables_column *col = &t->cols[c];
		if (!col->group) {
			track(&e, worksheet_merge_range(ws, h, (lxw_col_t)c, h + 1, (lxw_col_t)c,
			                                col->name, f->head));
			c++;
			continue;
		}
		size_t end = c;
		while (end + 1 < t->ncols && t->cols[end + 1].group &&
		       !strcmp(t->cols[end + 1].group, col->group))
			end++;
		if (end > c)
			track(&e, worksheet_merge_range(ws, h, (lxw_col_t)c, h, (lxw_col_t)end,
			                                col->group, f->head));
		else
			track(&e, worksheet_write_string(ws, h, (lxw_col_t)c, col->group, f->head));
		for (size_t k = c; k <= end; k++)
			track(&e, worksheet_write_string(ws, h + 1, (lxw_col_t)k, t->cols[k].name,
			                                 f->head));
		c = end + 1;
	}
	row = h + 2;
	for (size_t c = 0; c < t->ncols; c++) {
		char n[24];
		snprintf(n, sizeof n, "(%zu)", c + 1);
		track(&e, worksheet_write_string(ws, row, (lxw_col_t)c, n, f->colnum));
	}
	row++;
	lxw_row_t first_data = row;
	for (size_t i = 0; i < t->nrows; i++, row++) {
		const tables_row *r = &t->rows[i];
		int bold = r->kind != TABLES_ROW_ITEM;
		track(&e, worksheet_write_string(ws, row, 0, r->tt, bold ? f->tt_b : f->tt));
		track(&e,
		      worksheet_write_string(ws, row, 1, r->label, bold ? f->label_b : f->label));
		for (size_t c = 2; c < t->ncols; c++) {
			int pct = t->cols[c].percent;
			double v = pct ? (double)r->v[c - 2] / 100.0 : (double)r->v[c - 2];
			track(&e, worksheet_write_number(ws, row, (lxw_col_t)c, v,
			                                 pct ? (bold ? f->pct_b : f->pct)
			                                     : (bold ? f->num_b : f->num)));
		}
	}

	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_set_landscape(ws);
	worksheet_set_margins(ws, 0.6, 0.4, 0.6, 0.6);
	worksheet_center_horizontally(ws);
	worksheet_fit_to_pages(ws, 1, 0);
	track(&e, worksheet_repeat_rows(ws, h, h + 2));
	track(&e, worksheet_set_footer(ws, "&C&\"Times New Roman\"&P/&N"));
	worksheet_freeze_panes(ws, first_data, 2);
	return e;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	int rc = -1;
	long n;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0) {
		*data = malloc((size_t)n);
		if (*data && fread(*data, 1, (size_t)n, fp) == (size_t)n) {
			*len = (size_t)n;
			rc = 0;
		} else {
			free(*data);
			*data = NULL;
		}
	}
	fclose(fp);
	return rc;
}

int render_xlsx(const render_input *in, render_output *out, char *err, size_t errlen)
{
	tables_set ts;
	formats f;
	char dir[512], path[600];
	const char *tmp = getenv("TMPDIR");
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (tables_build(in, &ts, err, errlen))
		goto out_tables;
	snprintf(dir, sizeof dir, "%.480s/cchc-xlsx.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "xlsx: cannot make a temporary folder %s: %s", dir,
		         strerror(errno));
		goto out_tables;
	}
	snprintf(path, sizeof path, "%s/tables.xlsx", dir);
	lxw_workbook_options opt = {.constant_memory = 0, .tmpdir = dir, .use_zip64 = 0};
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	if (!wb) {
		snprintf(err, errlen, "xlsx: cannot start a workbook in %s", dir);
		goto out_dir;
	}
	lxw_error e = make_formats(wb, &f) ? LXW_ERROR_MEMORY_MALLOC_FAILED : LXW_NO_ERROR;
	/* the report's own date, not "now": a closed version's workbook is the same bytes again */
	lxw_doc_properties props = {.title = (char *)ts.t[0].title,
	                            .subject = ts.period_line,
	                            .created = (time_t)(in->now_ms / 1000)};
	if (!e)
		e = workbook_set_properties(wb, &props);
	for (int i = 0; i < TABLES_N && !e; i++)
		e = draw_table(wb, &ts, &ts.t[i], &f);
	lxw_error ce = workbook_close(wb); /* frees wb, also after an error */
	if (e || ce) {
		snprintf(err, errlen, "xlsx: %s", lxw_strerror(e ? e : ce));
		goto out_file;
	}
	if (read_file(path, &data, &len)) {
		snprintf(err, errlen, "xlsx: cannot read back %s: %s", path, strerror(errno));
		goto out_file;
	}
	if (render_output_add(out, ".xlsx", data, len)) {
		snprintf(err, errlen, "xlsx: too many output files");
		goto out_file;
	}
	rc = 0;
out_file:
	unlink(path);
out_dir:
	rmdir(dir);
out_tables:
	tables_free(&ts);
	return rc;
}

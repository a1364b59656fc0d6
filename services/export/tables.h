/* tables: the tables of form II.06a/VPCP/KSTT (Thông tư 01/2020/TT-VPCP) by level, by unit and by
 * field, the feedback table and the citizens' satisfaction table (docs/design.md §16), as one
 * model built from the figures once; the XLSX and CSV renderers only draw it. Building checks
 * every sum the table shows and refuses otherwise. */
#ifndef CCHC_TABLES_H
#define CCHC_TABLES_H

#include "render.h"

#include <stddef.h>
#include <stdint.h>

#define TABLES_MAX_COLS   16 /* columns of a table, TT and label included */
#define TABLES_MAX_VALUES 14

/* One column of the two-row header. Columns with the same non-NULL group in a row share a merged
 * cell in the first header row; a column without a group spans both header rows. */
typedef struct tables_column {
	const char *group; /* "Số hồ sơ nhận giải quyết", or NULL */
	const char *name; /* "Tổng số", "Trực tuyến", …; the whole header when group is NULL */
	const char *key; /* short name for machines (CSV tests, errors): "intake", "online", … */
	/* 0: a count. Else a rate times 100 (9457 = 94,57 %), never summed, whose denominator is
	 * value v[percent - 1] of the row: with that 0 the rate has none (docs/design.md §6). */
	int percent;
} tables_column;

typedef enum tables_row_kind {
	TABLES_ROW_ITEM,  /* a level, a unit, a field */
	TABLES_ROW_GROUP, /* a level heading in the by-unit table: the level's figures */
	TABLES_ROW_TOTAL  /* "Tổng cộng": the scope's figures */
} tables_row_kind;

typedef struct tables_row {
	tables_row_kind kind;
	char tt[24];                  /* "1", "II", "" */
	char code[40];                /* unit code, field code, level key; "" for totals */
	char label[256];              /* UTF-8 */
	int64_t v[TABLES_MAX_VALUES]; /* the numeric columns, from column 3 on */
} tables_row;

typedef struct tables_table {
	const char *id;            /* file-name part and machine name: "theo-cap", … */
	const char *sheet;         /* XLSX sheet name (≤ 31 characters) */
	const char *form;          /* "Biểu số II.06a/VPCP/KSTT", or NULL */
	const char *title;         /* "Tình hình, kết quả giải quyết TTHC" */
	const char *subtitle;      /* "(theo cấp hành chính)" */
	const char *unit_of_count; /* "Đơn vị tính: Số hồ sơ TTHC" */
	const tables_column *cols; /* cols[0] is TT, cols[1] the label, then the values */
	size_t ncols;
	tables_row *rows; /* owner */
	size_t nrows;
} tables_table;

/* TABLES_BY_UNIT of the national scope VN is by province ("theo-tinh"), each province's levels
 * under it (docs/design.md §15); its feedback table has a row per province, and its satisfaction
 * table is by province and level like TABLES_BY_UNIT. */
enum {
	TABLES_BY_LEVEL,
	TABLES_BY_UNIT,
	TABLES_BY_FIELD,
	TABLES_FEEDBACK,
	TABLES_SATISFACTION,
	TABLES_N
};

/* The tables' ids and sheet names, in the order above, known before any figure (the console
 * offers each CSV file by its id). */
typedef struct tables_kind {
	const char *id;    /* "theo-cap", "theo-don-vi", "theo-linh-vuc", "phan-anh-kien-nghi",
	                      "hai-long" */
	const char *sheet; /* "Theo cấp", … */
} tables_kind;
extern const tables_kind tables_kinds[TABLES_N];
/* The national scope's TABLES_BY_UNIT instead: "theo-tinh", "Theo tỉnh, thành phố". */
extern const tables_kind tables_national_by_province;

typedef struct tables_set {
	char reporting_unit[300]; /* "Đơn vị báo cáo: Tỉnh Thừa Thiên Huế" */
	char period_line[120]; /* "Kỳ báo cáo (Từ ngày 15/12/2023 đến ngày 14/03/2024)" */
	tables_table t[TABLES_N];
} tables_set;

/* Builds the five tables from in->figures and in->period, then checks them (see tables_check).
 * Returns 0, or -1 with a message in err naming the table and row at fault. Free with
 * tables_free, also after a failure. */
int tables_build(const render_input *in, tables_set *out, char *err, size_t errlen);

/* The arithmetic every table must satisfy before it is rendered: within each row (3 = 4+5+6,
 * 7 = 8+9+10, 11 = 12+13; feedback: received in total = from before + new = resolved + pending,
 * new = about regulation + about behaviour; satisfaction: rated = satisfied + unsatisfied), each
 * level heading = the sum of its units, and the total = the sum of the levels (or of the rows
 * when there are no headings), rates left out of the sums. Returns 0, or -1 with a message in
 * err. */
int tables_check(const tables_table *t, char *err, size_t errlen);

/* Value column c (2 ≤ c < t->ncols) of row r as a person reads it in a table (DOCX, PDF, the
 * console): a count "1.234", a rate "94,57" or "-" when its denominator is 0. */
void tables_cell_text(const tables_table *t, const tables_row *r, size_t c, char *buf, size_t len);

void tables_free(tables_set *s);

#endif

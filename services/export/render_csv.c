/* render_csv: the tables of tables.c, one CSV file per table ("-theo-cap.csv", "-theo-don-vi.csv",
 * "-theo-linh-vuc.csv", "-phan-anh-kien-nghi.csv"). RFC 4180: comma, CRLF, quotes where needed.
 * UTF-8 with a byte-order mark, because Excel on Windows reads a CSV without one in the ANSI code
 * page (1258 for Vietnamese) and garbles every diacritic; readers that know UTF-8 skip the mark.
 * One header line: the two header rows joined as "group - name"; a "Mã" column (unit, field or
 * level code, empty on totals) so a machine can join rows; numbers as plain integers. */
#include "render.h"
#include "tables.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void puts_(sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A field, quoted when it holds a comma, a quote or a line break. */
static void field(sbuf *b, const char *s, int first)
{
	if (!first)
		put(b, ",", 1);
	if (!strpbrk(s, ",\"\r\n")) {
		puts_(b, s);
		return;
	}
	put(b, "\"", 1);
	for (; *s; s++)
		put(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	put(b, "\"", 1);
}

static void table_csv(const tables_table *t, sbuf *b)
{
	puts_(b, "\xEF\xBB\xBF");
	field(b, t->cols[0].name, 1);
	field(b, "Mã", 0);
	for (size_t c = 1; c < t->ncols; c++) {
		char h[256];
		if (t->cols[c].group)
			snprintf(h, sizeof h, "%s - %s", t->cols[c].group, t->cols[c].name);
		else
			snprintf(h, sizeof h, "%s", t->cols[c].name);
		field(b, h, 0);
	}
	puts_(b, "\r\n");
	for (size_t i = 0; i < t->nrows; i++) {
		const tables_row *r = &t->rows[i];
		field(b, r->tt, 1);
		field(b, r->code, 0);
		field(b, r->label, 0);
		for (size_t c = 2; c < t->ncols; c++) {
			char n[24];
			int64_t v = r->v[c - 2];
			if (t->cols[c].percent) /* a rate: 94.57, as a spreadsheet reads a number */
				snprintf(n, sizeof n, "%" PRId64 ".%02" PRId64, v / 100, v % 100);
			else
				snprintf(n, sizeof n, "%" PRId64, v);
			field(b, n, 0);
		}
		puts_(b, "\r\n");
	}
}

int render_csv(const render_input *in, render_output *out, char *err, size_t errlen)
{
	tables_set ts;
	if (tables_build(in, &ts, err, errlen)) {
		tables_free(&ts);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < TABLES_N && !rc; i++) {
		sbuf b = {0};
		char name[96];
		table_csv(&ts.t[i], &b);
		snprintf(name, sizeof name, "-%s.csv", ts.t[i].id);
		if (b.oom || render_output_add(out, name, (uint8_t *)b.p, b.len)) {
			if (b.oom)
				free(b.p);
			snprintf(err, errlen, "out of memory rendering csv table %s", ts.t[i].id);
			rc = -1;
		}
	}
	tables_free(&ts);
	return rc;
}

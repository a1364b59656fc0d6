/* records_csv: CSV read with libcsv, a header row of column names and then one record a row, into
 * the named fields of records_fields.c. The reader feeds libcsv one physical line at a time, so a
 * row's first line number and its text (quoted newlines included) stay exact for messages. */
#include "records_internal.h"

#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct csv_row {
	char **fields;
	size_t n;
} csv_row;

struct records_csv {
	struct csv_parser parser;
	int failed;    /* out of memory in a callback */
	char **header; /* column names */
	size_t nheader;
	csv_row cur; /* the row being parsed */
	size_t curcap;
	csv_row *done; /* rows completed by the last line fed */
	size_t ndone, donecap, donehead;
	char *raw; /* text of the row being read */
	size_t rawlen, rawcap;
	unsigned long rowstart;
	int eof;
};

static void csv_field_cb(void *s, size_t len, void *data)
{
	records_csv *c = data;
	char *v;

	if (c->failed)
		return;
	if (c->cur.n == c->curcap) {
		size_t cap = c->curcap ? 2 * c->curcap : 16;
		char **f = realloc(c->cur.fields, cap * sizeof *f);

		if (!f) {
			c->failed = 1;
			return;
		}
		c->cur.fields = f;
		c->curcap = cap;
	}
	v = malloc(len + 1);
	if (!v) {
		c->failed = 1;
		return;
	}
	if (len)
		memcpy(v, s, len);
	v[len] = '\0';
	c->cur.fields[c->cur.n++] = v;
}

static void csv_row_cb(int ch, void *data)
{
	records_csv *c = data;

	(void)ch;
	if (c->failed)
		return;
	if (c->ndone == c->donecap) {
		size_t cap = c->donecap ? 2 * c->donecap : 4;
		csv_row *d = realloc(c->done, cap * sizeof *d);

		if (!d) {
			c->failed = 1;
			return;
		}
		c->done = d;
		c->donecap = cap;
	}
	c->done[c->ndone++] = c->cur;
	memset(&c->cur, 0, sizeof c->cur);
	c->curcap = 0;
}

static void row_free(csv_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->fields[i]);
	free(row->fields);
	memset(row, 0, sizeof *row);
}

int records_csv_open(records_csv **out)
{
	records_csv *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return -1;
	if (csv_init(&c->parser, 0)) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void records_csv_close(records_csv *c)
{
	if (!c)
		return;
	csv_free(&c->parser);
	for (size_t i = 0; i < c->nheader; i++)
		free(c->header[i]);
	free(c->header);
	row_free(&c->cur);
	for (size_t i = c->donehead; i < c->ndone; i++)
		row_free(&c->done[i]);
	free(c->done);
	free(c->raw);
	free(c);
}

static int raw_append(records_csv *c, const char *s, size_t n)
{
	if (c->rawlen + n + 1 > c->rawcap) {
		size_t cap = c->rawcap ? c->rawcap : 256;
		char *p;

		while (cap < c->rawlen + n + 1)
			cap *= 2;
		p = realloc(c->raw, cap);
		if (!p)
			return -1;
		c->raw = p;
		c->rawcap = cap;
	}
	memcpy(c->raw + c->rawlen, s, n);
	c->rawlen += n;
	c->raw[c->rawlen] = '\0';
	return 0;
}

static int take_header(records_csv *c, csv_row *row, char *err, size_t errlen)
{
	int known = 0;

	for (size_t i = 0; i < row->n; i++) {
		char *s = row->fields[i], *e;

		while (isspace((unsigned char)*s))
			s++;
		memmove(row->fields[i], s, strlen(s) + 1);
		e = row->fields[i] + strlen(row->fields[i]);
		while (e > row->fields[i] && isspace((unsigned char)e[-1]))
			*--e = '\0';
		for (size_t k = 0; k < RECORDS_NFIELDS; k++)
			if (!strcmp(row->fields[i], records_known_fields[k]))
				known++;
		for (size_t j = 0; j < i; j++)
			if (row->fields[i][0] && !strcmp(row->fields[i], row->fields[j])) {
				records_seterr(err, errlen,
				               "line %lu: CSV header names column '%.40s' twice",
				               c->rowstart, row->fields[i]);
				return -1;
			}
	}
	if (!known) {
		records_seterr(err, errlen,
		               "line %lu: CSV header names none of the record columns (event_id, "
		               "office, dossier, kind, at, ...)",
		               c->rowstart);
		return -1;
	}
	c->header = row->fields;
	c->nheader = row->n;
	memset(row, 0, sizeof *row);
	return 0;
}

/* Turns a completed data row into an item. */
static int row_item(records_csv *c, csv_row *row, records_item *it, char *err, size_t errlen)
{
	it->line = c->rowstart;
	it->text = strdup(c->raw ? c->raw : "");
	if (!it->text) {
		records_seterr(err, errlen, "line %lu: out of memory", c->rowstart);
		return -1;
	}
	records_chomp(it->text);
	if (row->n != c->nheader) {
		snprintf(it->error, sizeof it->error, "row has %zu fields, the header has %zu",
		         row->n, c->nheader);
		return 0;
	}
	if (records_from_fields((const char *const *)c->header, (const char *const *)row->fields,
	                        row->n, &it->record, it->error, sizeof it->error))
		it->record = NULL;
	return 0;
}

/* At the end of input: a row still open means a quote never closed (quotes come in pairs in
 * CSV); else the parser may still hold a last row without a final newline. */
static int csv_end(records_reader *r, records_item *it, char *err, size_t errlen)
{
	records_csv *c = r->csv;
	size_t q = 0;

	c->eof = 1;
	for (size_t i = 0; i < c->rawlen; i++)
		q += c->raw[i] == '"';
	if (q % 2) {
		it->line = c->rowstart;
		it->text = strdup(c->raw);
		if (!it->text) {
			records_seterr(err, errlen, "out of memory");
			return -1;
		}
		records_chomp(it->text);
		snprintf(it->error, sizeof it->error,
		         "a quoted field opened on line %lu never closes", c->rowstart);
		return 1;
	}
	if (csv_fini(&c->parser, csv_field_cb, csv_row_cb, c) || c->failed) {
		records_seterr(err, errlen, "line %lu: %s", r->lineno,
		               c->failed ? "out of memory" : csv_strerror(csv_error(&c->parser)));
		return -1;
	}
	return 0;
}

int records_csv_next(records_reader *r, records_item *it, char *err, size_t errlen)
{
	records_csv *c = r->csv;

	for (;;) {
		int rc;

		if (c->donehead < c->ndone) {
			csv_row row = c->done[c->donehead++];

			if (!c->header) {
				rc = take_header(c, &row, err, errlen);
				row_free(&row);
				if (rc)
					return -1;
				continue;
			}
			rc = row_item(c, &row, it, err, errlen);
			row_free(&row);
			return rc ? -1 : 1;
		}
		if (c->ndone) {
			/* every row the last line completed is out: their text is done with */
			c->donehead = c->ndone = 0;
			c->rawlen = 0;
		}
		if (c->eof)
			return 0;
		rc = records_read_line(r, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			rc = csv_end(r, it, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (!c->rawlen) {
			if (records_is_blank(r->line))
				continue;
			c->rowstart = r->lineno;
		}
		if (raw_append(c, r->line, (size_t)r->linelen)) {
			records_seterr(err, errlen, "line %lu: out of memory", r->lineno);
			return -1;
		}
		if (csv_parse(&c->parser, r->line, (size_t)r->linelen, csv_field_cb, csv_row_cb,
		              c) != (size_t)r->linelen ||
		    c->failed) {
			records_seterr(err, errlen, "line %lu: %s", r->lineno,
			               c->failed ? "out of memory"
			                         : csv_strerror(csv_error(&c->parser)));
			return -1;
		}
	}
}

/* records_jsonl: JSONL, one JSON object a line: the line's known keys streamed out of yajl into
 * the named fields that records_fields.c turns into a Record, and the reader's walk over a JSONL
 * file. This is the parse loop of `cchc push`, so it keeps to one pass and no tree per line. */
#include "records_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* One JSONL line as yajl streams it (a SAX parser: no tree per line, which made jansson most of a
 * push's CPU). The record's own top-level keys that are known fields keep their string values;
 * everything else, nested values included, is skipped. */
typedef struct json_line {
	int depth;                     /* 1 inside the record's object */
	int key;                       /* records_known_fields index of the current key, or -1 */
	char *values[RECORDS_NFIELDS]; /* strdup'd; NULL when absent or null */
	unsigned char seen[RECORDS_NFIELDS];
	char *err;
	size_t errlen;
	int failed; /* err says why */
} json_line;

static int json_fail(json_line *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int json_fail(json_line *j, const char *fmt, ...)
{
	va_list ap;

	if (j->err && j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err, j->errlen, fmt, ap);
		va_end(ap);
	}
	j->failed = 1;
	return 0; /* stops yajl */
}

/* A value other than a string, at the place of a known field or as the whole line. */
static int json_other(json_line *j, const char *what)
{
	if (j->depth == 0)
		return json_fail(j, "not a JSON object but %s", what);
	if (j->depth == 1 && j->key >= 0)
		return json_fail(j, "field '%s': expected a string, got %s",
		                 records_known_fields[j->key], what);
	return 1;
}

static int json_null(void *ctx)
{
	json_line *j = ctx;
	return j->depth == 0 ? json_other(j, "null") : 1; /* a field's null: absent */
}

static int json_bool(void *ctx, int v)
{
	(void)v;
	return json_other(ctx, "a boolean");
}

static int json_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return json_other(ctx, "a number");
}

static int json_string(void *ctx, const unsigned char *s, size_t n)
{
	json_line *j = ctx;

	if (j->depth != 1 || j->key < 0)
		return json_other(j, "a string");
	if (memchr(s, '\0', n))
		return json_fail(j, "not valid JSON: field '%s' holds a \\u0000 character",
		                 records_known_fields[j->key]);
	if (!(j->values[j->key] = strndup((const char *)s, n)))
		return json_fail(j, "out of memory");
	return 1;
}

static int json_start(json_line *j, const char *what)
{
	if (j->depth == 1 && j->key >= 0)
		return json_other(j, what);
	j->depth++;
	return 1;
}

static int json_start_map(void *ctx)
{
	return json_start(ctx, "an object");
}

static int json_start_array(void *ctx)
{
	json_line *j = ctx;
	return j->depth == 0 ? json_other(j, "an array") : json_start(j, "an array");
}

static int json_end(void *ctx)
{
	((json_line *)ctx)->depth--;
	return 1;
}

static int json_key(void *ctx, const unsigned char *s, size_t n)
{
	json_line *j = ctx;

	if (j->depth != 1)
		return 1;
	j->key = -1;
	if (!n)
		return 1; /* no field is named "" */
	/* Every key of every line meets this loop: the first byte turns away all but at most two
	 * names before strlen, which cost about an eighth of the JSONL parse when run on all 12. */
	for (size_t i = 0; i < RECORDS_NFIELDS; i++)
		if (records_known_fields[i][0] == (char)s[0] &&
		    strlen(records_known_fields[i]) == n &&
		    !memcmp(records_known_fields[i], s, n)) {
			if (j->seen[i])
				return json_fail(j, "field '%s': duplicate key",
				                 records_known_fields[i]);
			j->seen[i] = 1;
			j->key = (int)i;
		}
	return 1;
}

static const yajl_callbacks json_callbacks = {
    .yajl_null = json_null,
    .yajl_boolean = json_bool,
    .yajl_number = json_number, /* numbers as text: yajl checks their syntax, we refuse them */
    .yajl_string = json_string,
    .yajl_start_map = json_start_map,
    .yajl_map_key = json_key,
    .yajl_end_map = json_end,
    .yajl_start_array = json_start_array,
    .yajl_end_array = json_end,
};

int records_parse_json(const char *text, Cchc__V1__Record **out, char *err, size_t errlen)
{
	const char *names[RECORDS_NFIELDS];
	const char *values[RECORDS_NFIELDS];
	json_line j = {.key = -1, .err = err, .errlen = errlen};
	size_t len = strlen(text), n = 0;
	yajl_handle h = yajl_alloc(&json_callbacks, NULL, &j);
	yajl_status st;
	int rc = -1;

	*out = NULL;
	if (!h) {
		records_seterr(err, errlen, "out of memory");
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)text, len);
	size_t column = yajl_get_bytes_consumed(h) + 1;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h); /* the line ended inside a value */
		column = len + 1;
	}
	if (j.failed)
		goto out;
	if (st != yajl_status_ok) {
		unsigned char *why = yajl_get_error(h, 0, (const unsigned char *)text, len);
		const char *w = why ? (const char *)why : "?";
		size_t wl = strlen(w);
		while (wl && isspace((unsigned char)w[wl - 1])) /* yajl ends it with a newline */
			wl--;
		records_seterr(err, errlen, "not valid JSON: %.*s (column %zu)", (int)wl, w,
		               column);
		yajl_free_error(h, why);
		goto out;
	}
	for (size_t i = 0; i < RECORDS_NFIELDS; i++)
		if (j.values[i]) {
			names[n] = records_known_fields[i];
			values[n++] = j.values[i];
		}
	rc = records_from_fields(names, values, n, out, err, errlen);
out:
	yajl_free(h);
	for (size_t i = 0; i < RECORDS_NFIELDS; i++)
		free(j.values[i]);
	return rc;
}

int records_jsonl_next(records_reader *r, records_item *it, char *err, size_t errlen)
{
	int rc;

	while ((rc = records_read_line(r, err, errlen)) == 1) {
		if (records_is_blank(r->line))
			continue;
		records_chomp(r->line);
		it->line = r->lineno;
		it->text = strdup(r->line);
		if (!it->text) {
			records_seterr(err, errlen, "line %lu: out of memory", r->lineno);
			return -1;
		}
		if (records_parse_json(r->line, &it->record, it->error, sizeof it->error))
			it->record = NULL;
		return 1;
	}
	return rc;
}

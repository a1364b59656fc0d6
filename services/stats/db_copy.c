/* db copy: the rows of a COPY built in memory, in text format (with COPY's escaping) and in
 * binary format (the server parses no text: for a state row with a dozen times and four time
 * arrays that was most of its COPY cost), and instants as PostgreSQL's text. Pure: no
 * connection; db_copy (db.c) sends a buffer. */
#include "stats_db_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void db_buf_free(db_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static int db_buf_grow(db_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void db_buf_raw(db_buf *b, const char *s, size_t n)
{
	if (db_buf_grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* COPY text format: backslash, tab, newline and carriage return are the only bytes with a
 * meaning inside a column, so they are the ones escaped. */
void db_buf_text(db_buf *b, const char *s)
{
	if (!s)
		return;
	for (;;) {
		size_t n = strcspn(s, "\\\t\n\r"); /* copied in spans: codes rarely hold any */
		db_buf_raw(b, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '\\':
			db_buf_raw(b, "\\\\", 2);
			break;
		case '\t':
			db_buf_raw(b, "\\t", 2);
			break;
		case '\n':
			db_buf_raw(b, "\\n", 2);
			break;
		default: /* '\r' */
			db_buf_raw(b, "\\r", 2);
		}
		s++;
	}
}

void db_buf_null(db_buf *b)
{
	db_buf_raw(b, "\\N", 2);
}

void db_buf_int(db_buf *b, long long v)
{
	/* by hand: snprintf was a tenth of stats' time building COPY rows */
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	db_buf_raw(b, p, (size_t)(tmp + sizeof tmp - p));
}

void db_buf_bool(db_buf *b, int v)
{
	db_buf_raw(b, v ? "t" : "f", 1);
}

void db_format_ts(int64_t ms, char *buf, size_t len)
{
	int64_t s, frac;
	time_t t;
	struct tm tm;

	if (ms == INT64_MIN) {
		snprintf(buf, len, "-infinity");
		return;
	}
	if (ms == INT64_MAX) {
		snprintf(buf, len, "infinity");
		return;
	}
	s = ms / 1000;
	frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		s--;
	}
	t = (time_t)s;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "-infinity");
		return;
	}
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999 || len < 25) {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
		return;
	}
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ" by hand, as above: every state row holds a dozen */
	const int v[7] = {year,      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	                  tm.tm_min, tm.tm_sec,     (int)frac};
	static const char sep[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
	static const int width[7] = {4, 2, 2, 2, 2, 2, 3};
	char *p = buf;
	for (int i = 0; i < 7; i++) {
		for (int d = width[i] - 1, x = v[i]; d >= 0; d--, x /= 10)
			p[d] = (char)('0' + x % 10);
		p += width[i];
		*p++ = sep[i];
	}
	*p = '\0';
}

void db_buf_ts(db_buf *b, int64_t ms)
{
	char tmp[40];

	if (ms == INT64_MIN) {
		db_buf_null(b);
		return;
	}
	db_format_ts(ms, tmp, sizeof tmp);
	db_buf_raw(b, tmp, strlen(tmp));
}

void db_buf_bound(db_buf *b, int64_t ms)
{
	char tmp[40];

	db_format_ts(ms, tmp, sizeof tmp);
	db_buf_raw(b, tmp, strlen(tmp));
}

/* ---- binary COPY ---- */

static void put_be(db_buf *b, uint64_t v, int bytes)
{
	unsigned char be[8];

	for (int i = 0; i < bytes; i++)
		be[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	db_buf_raw(b, (const char *)be, (size_t)bytes);
}

void db_bin_start(db_buf *b)
{
	/* signature, flags, header extension length */
	db_buf_raw(b, "PGCOPY\n\377\r\n\0", 11);
	put_be(b, 0, 4);
	put_be(b, 0, 4);
}

void db_bin_end(db_buf *b)
{
	put_be(b, 0xFFFF, 2);
}

void db_bin_row(db_buf *b, int nfields)
{
	put_be(b, (uint64_t)nfields, 2);
}

void db_bin_null(db_buf *b)
{
	put_be(b, 0xFFFFFFFFu, 4);
}

void db_bin_text(db_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_be(b, n, 4);
	db_buf_raw(b, s ? s : "", n);
}

void db_bin_i16(db_buf *b, int v)
{
	put_be(b, 2, 4);
	put_be(b, (uint64_t)(uint16_t)v, 2);
}

void db_bin_i32(db_buf *b, int32_t v)
{
	put_be(b, 4, 4);
	put_be(b, (uint64_t)(uint32_t)v, 4);
}

void db_bin_i64(db_buf *b, int64_t v)
{
	put_be(b, 8, 4);
	put_be(b, (uint64_t)v, 8);
}

void db_bin_bool(db_buf *b, int v)
{
	put_be(b, 1, 4);
	db_buf_raw(b, v ? "\1" : "\0", 1);
}

/* PostgreSQL's timestamptz: microseconds since 2000-01-01 UTC; INT64_MIN/MAX are ∓infinity. */
static uint64_t pg_ts(int64_t ms)
{
	if (ms == INT64_MIN || ms == INT64_MAX)
		return (uint64_t)ms;
	return (uint64_t)((ms - 946684800000LL) * 1000);
}

void db_bin_ts(db_buf *b, int64_t ms)
{
	if (ms == INT64_MIN) {
		db_bin_null(b);
		return;
	}
	db_bin_bound(b, ms);
}

void db_bin_bound(db_buf *b, int64_t ms)
{
	put_be(b, 8, 4);
	put_be(b, pg_ts(ms), 8);
}

/* The header of a one-dimensional array of n elements of type oid (none NULL). */
static void array_header(db_buf *b, size_t n, unsigned oid)
{
	put_be(b, n ? 1 : 0, 4); /* dimensions */
	put_be(b, 0, 4);         /* no NULL element */
	put_be(b, oid, 4);
	if (n) {
		put_be(b, n, 4); /* size and lower bound of the dimension */
		put_be(b, 1, 4);
	}
}

void db_bin_ts_array(db_buf *b, const int64_t *first, size_t n, size_t stride)
{
	enum { TIMESTAMPTZ_OID = 1184 };

	put_be(b, n ? 20 + 12 * n : 12, 4);
	array_header(b, n, TIMESTAMPTZ_OID);
	for (size_t i = 0; i < n; i++) {
		put_be(b, 8, 4);
		put_be(b, pg_ts(*(const int64_t *)((const char *)first + i * stride)), 8);
	}
}

void db_bin_text_array(db_buf *b, size_t n)
{
	enum { TEXT_OID = 25 };

	array_header(b, n, TEXT_OID);
}

size_t db_bin_open(db_buf *b)
{
	put_be(b, 0, 4);
	return b->len;
}

void db_bin_close(db_buf *b, size_t start)
{
	if (b->oom)
		return;
	uint64_t n = b->len - start;
	for (int i = 0; i < 4; i++)
		b->p[start - 4 + (size_t)i] = (char)(unsigned char)(n >> (8 * (3 - i)));
}

void db_buf_tab(db_buf *b)
{
	db_buf_raw(b, "\t", 1);
}

void db_buf_eol(db_buf *b)
{
	db_buf_raw(b, "\n", 1);
}

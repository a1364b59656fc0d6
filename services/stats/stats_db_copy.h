/* db copy: COPY rows built in memory, text format (with COPY's escaping) or binary, and an
 * instant as PostgreSQL's text. Pure, no connection: db_copy (stats_db.h) sends a buffer. */
#ifndef CCHC_STATS_DB_COPY_H
#define CCHC_STATS_DB_COPY_H

#include <stddef.h>
#include <stdint.h>

/* A growing buffer of COPY text-format rows. `oom` sticks once an allocation failed. */
typedef struct db_buf {
	char *p;
	size_t len, cap;
	int oom;
} db_buf;

void db_buf_free(db_buf *b);
void db_buf_text(db_buf *b, const char *s); /* escaped; NULL is written as "" */
void db_buf_null(db_buf *b);
void db_buf_int(db_buf *b, long long v);
void db_buf_bool(db_buf *b, int v);
void db_buf_ts(db_buf *b, int64_t ms);               /* STATE_NO_TIME (INT64_MIN) is NULL */
void db_buf_bound(db_buf *b, int64_t ms);            /* INT64_MIN -infinity, INT64_MAX infinity */
void db_buf_raw(db_buf *b, const char *s, size_t n); /* already valid COPY text */
void db_buf_tab(db_buf *b);
void db_buf_eol(db_buf *b);

/* Rows of a binary COPY (COPY … FROM STDIN (FORMAT binary)): the server parses no text, which
 * for a state row with a dozen times and four time arrays was most of its COPY cost. Each value
 * must have its column's exact type. Start with db_bin_start, end with db_bin_end. */
void db_bin_start(db_buf *b);
void db_bin_end(db_buf *b);
void db_bin_row(db_buf *b, int nfields);
void db_bin_null(db_buf *b);
void db_bin_text(db_buf *b, const char *s); /* NULL is written as "" */
void db_bin_i16(db_buf *b, int v);          /* smallint */
void db_bin_i32(db_buf *b, int32_t v);      /* integer; also a date as days since 2000-01-01 */
void db_bin_i64(db_buf *b, int64_t v);      /* bigint */
void db_bin_bool(db_buf *b, int v);
void db_bin_ts(db_buf *b, int64_t ms);    /* timestamptz; STATE_NO_TIME (INT64_MIN) is NULL */
void db_bin_bound(db_buf *b, int64_t ms); /* timestamptz; INT64_MIN -infinity, INT64_MAX infinity */
/* timestamptz[] of n values `stride` bytes apart (INT64_MIN -infinity, INT64_MAX infinity). */
void db_bin_ts_array(db_buf *b, const int64_t *first, size_t n, size_t stride);
/* The start of a text[] of n elements in binary, as a query parameter (db_query_bin): the n
 * elements follow, each written with db_bin_text. */
void db_bin_text_array(db_buf *b, size_t n);
/* A value whose bytes the caller appends (db_buf_raw) between these two: returns its start. */
size_t db_bin_open(db_buf *b);
void db_bin_close(db_buf *b, size_t start);

/* Formats an instant as "YYYY-MM-DDTHH:MM:SS.mmmZ" (INT64_MIN "-infinity", INT64_MAX "infinity").
 * buf needs 40 bytes. */
void db_format_ts(int64_t ms, char *buf, size_t len);

#endif

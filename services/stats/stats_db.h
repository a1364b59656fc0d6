/* db: stats' few ways of talking to PostgreSQL: connecting, checked statements with parameters,
 * COPY text rows built in memory (with COPY's escaping), schema migrations and the unit registry.
 * No SQL text is ever built from data: values travel as parameters or COPY rows. */
#ifndef CCHC_STATS_DB_H
#define CCHC_STATS_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "units.h"

/* pg_advisory_xact_lock keys. DB_LOCK_KEY: migrations, unit syncs and aggregate rebuilds take it
 * alone; the store transactions of the writers share it (store.c). DB_LOCK_PART + p: the store
 * transactions of writer part p, one at a time even across stats processes. DB_LOCK_AUDIT: the
 * end of a store transaction (event count, audit chain, commit), one at a time. */
#define DB_LOCK_KEY   "7162738463"
#define DB_LOCK_AUDIT "7162738464"
#define DB_LOCK_PART  "7162738465"

/* Opens a connection (application_name cchc-stats, notices silenced). Returns 0, or -1 with the
 * server's reason in err (the connection is closed then). */
int db_connect(const char *conninfo, PGconn **out, char *err, size_t errlen);

/* Makes sure conn is usable, resetting it when PostgreSQL dropped it. Returns 0 or -1 with err. */
int db_ensure(PGconn *conn, char *err, size_t errlen);

/* Starts a transaction with `sql` (BEGIN …). A connection PostgreSQL dropped since the last call is
 * only noticed here, and nothing has been done yet, so it is reset and tried once more. */
int db_begin(PGconn *conn, const char *sql, char *err, size_t errlen);

/* Runs sql (no parameters, may hold several statements). Returns 0, or -1 with "what: reason". */
int db_exec(PGconn *conn, const char *what, const char *sql, char *err, size_t errlen);

/* Runs one statement with text parameters; returns its result when the status is COMMAND_OK or
 * TUPLES_OK, else NULL with "what: reason" in err. The caller PQclears the result. */
PGresult *db_query(PGconn *conn, const char *what, const char *sql, int nparams,
                   const char *const *params, char *err, size_t errlen);

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

/* db_query with two binary parameters (built in a and b; NULL for none), text results. */
PGresult *db_query_bin(PGconn *conn, const char *what, const char *sql, const db_buf *a,
                       const db_buf *b, char *err, size_t errlen);

/* Runs `copy_sql` (COPY … FROM STDIN) and sends b's rows. Returns 0 or -1 with err. */
int db_copy(PGconn *conn, const char *what, const char *copy_sql, const db_buf *b, char *err,
            size_t errlen);

/* db_copy that also tells the SQLSTATE of a failure (sqlstate[0] is '\0' when there is none),
 * for a caller that can recover from one, e.g. 23505 unique_violation under a savepoint. */
int db_copy_state(PGconn *conn, const char *what, const char *copy_sql, const db_buf *b,
                  char sqlstate[6], char *err, size_t errlen);

/* Formats an instant as "YYYY-MM-DDTHH:MM:SS.mmmZ" (INT64_MIN "-infinity", INT64_MAX "infinity").
 * buf needs 40 bytes. */
void db_format_ts(int64_t ms, char *buf, size_t len);

/* Milliseconds in a bigint column, or INT64_MIN when NULL. */
int64_t db_get_ms(const PGresult *r, int row, int col);

/* Applies the embedded migrations not yet in schema_version, in one transaction under the advisory
 * lock (two stats starting at once are safe). Returns 0 or -1 with err. */
int db_migrate(PGconn *conn, char *err, size_t errlen);

/* Replaces the units table with the registry when they differ, and re-resolves every state's unit
 * (a unit is its code and validity: the office's unit is the one valid at the dossier's receipt).
 * Returns 0 or -1 with err; *changed is set to 1 when anything changed. */
int db_sync_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen);

/* At start, from units_file (u parsed from its bytes `content`): syncs as db_sync_units unless
 * the file is byte for byte the one last synced, which keeps whatever is in force, including a
 * later `cchc units import` (*kept is then 1 when that is an import). Records the file synced. */
int db_sync_units_file(PGconn *conn, const units *u, const char *content, size_t len, int *changed,
                       int *kept, char *err, size_t errlen);

/* `cchc units import`: syncs as db_sync_units in one transaction and records the registry as
 * imported (kept across restarts until units_file changes). */
int db_import_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen);

#endif

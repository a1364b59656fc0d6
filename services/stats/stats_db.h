/* db: stats' few ways of talking to PostgreSQL: connecting, checked statements with parameters,
 * the end of a transaction, and sending COPY rows (built with stats_db_copy.h). No SQL text is
 * ever built from data: values travel as parameters or COPY rows. Migrations are
 * stats_migrations.h's, the unit registry's sync stats_db_units.h's. */
#ifndef CCHC_STATS_DB_H
#define CCHC_STATS_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_db_copy.h"

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

/* db_query with parameters in text or binary (formats[i] 1; lengths[i] their bytes), text
 * results. NULL lengths and formats: all text. */
PGresult *db_query_params(PGconn *conn, const char *what, const char *sql, int nparams,
                          const char *const *values, const int *lengths, const int *formats,
                          char *err, size_t errlen);

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

/* Milliseconds in a bigint column, or INT64_MIN when NULL. */
int64_t db_get_ms(const PGresult *r, int row, int col);

/* Commits, or -1 with "what: reason" when the transaction did not commit (a failed one ends in
 * ROLLBACK although COMMIT "succeeds"). */
int db_commit(PGconn *conn, const char *what, char *err, size_t errlen);
/* Ends the transaction, discarding it (nothing to report: the error that led here was). */
void db_rollback(PGconn *conn);

#endif

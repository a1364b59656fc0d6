/* db: talking to PostgreSQL: connecting, checked statements, transactions' end, and sending
 * COPY data. Every PQ call's result is checked here once, so callers see 0 / -1 and one message
 * saying which step failed and why. The COPY rows are built by db_copy.c, migrations applied by
 * db_migrate.c, the unit registry synced by db_units.c. */
#include "stats_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* e.g. "relation already exists, skipping": not worth a log line */
}

/* The server's primary message, without libpq's trailing newline. */
static void pq_reason(PGconn *conn, const PGresult *r, const char *what, char *err, size_t errlen)
{
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	size_t n;

	if (!msg)
		msg = PQerrorMessage(conn);
	if (!msg || !*msg)
		msg = "unknown error";
	n = strcspn(msg, "\n");
	if (state)
		snprintf(err, errlen, "%s: %.*s (SQLSTATE %s)", what, (int)n, msg, state);
	else
		snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
}

int db_connect(const char *conninfo, PGconn **out, char *err, size_t errlen)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {conninfo, "cchc-stats", NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	*out = NULL;
	if (!conn) {
		snprintf(err, errlen, "connect: out of memory");
		return -1;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		pq_reason(conn, NULL, "connect", err, errlen);
		PQfinish(conn);
		return -1;
	}
	PQsetNoticeProcessor(conn, quiet_notice, NULL);
	*out = conn;
	return 0;
}

int db_ensure(PGconn *conn, char *err, size_t errlen)
{
	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	PQreset(conn); /* keeps the notice processor; session state (temp tables) is gone */
	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	pq_reason(conn, NULL, "database unavailable", err, errlen);
	return -1;
}

int db_exec(PGconn *conn, const char *what, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pq_reason(conn, r, what, err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int db_begin(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	if (db_exec(conn, "begin", sql, err, errlen) == 0)
		return 0;
	if (PQstatus(conn) == CONNECTION_OK)
		return -1;
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK) {
		pq_reason(conn, NULL, "database unavailable", err, errlen);
		return -1;
	}
	return db_exec(conn, "begin", sql, err, errlen);
}

/* r, or NULL (and err) when the statement failed. */
static PGresult *checked(PGconn *conn, PGresult *r, const char *what, char *err, size_t errlen)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pq_reason(conn, r, what, err, errlen);
		PQclear(r);
		return NULL;
	}
	return r;
}

PGresult *db_query(PGconn *conn, const char *what, const char *sql, int nparams,
                   const char *const *params, char *err, size_t errlen)
{
	return checked(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0), what,
	               err, errlen);
}

PGresult *db_query_bin(PGconn *conn, const char *what, const char *sql, const db_buf *a,
                       const db_buf *b, char *err, size_t errlen)
{
	const db_buf *bufs[2] = {a, b};
	const char *values[2];
	int lengths[2], formats[2] = {1, 1}, n = 0;

	for (int i = 0; i < 2 && bufs[i]; i++, n++) {
		if (bufs[i]->oom) {
			snprintf(err, errlen, "%s: out of memory", what);
			return NULL;
		}
		values[i] = bufs[i]->p ? bufs[i]->p : "";
		lengths[i] = (int)bufs[i]->len;
	}
	return db_query_params(conn, what, sql, n, values, lengths, formats, err, errlen);
}

PGresult *db_query_params(PGconn *conn, const char *what, const char *sql, int nparams,
                          const char *const *values, const int *lengths, const int *formats,
                          char *err, size_t errlen)
{
	return checked(conn, PQexecParams(conn, sql, nparams, NULL, values, lengths, formats, 0),
	               what, err, errlen);
}

int db_copy(PGconn *conn, const char *what, const char *copy_sql, const db_buf *b, char *err,
            size_t errlen)
{
	return db_copy_state(conn, what, copy_sql, b, NULL, err, errlen);
}

int db_copy_state(PGconn *conn, const char *what, const char *copy_sql, const db_buf *b,
                  char sqlstate[6], char *err, size_t errlen)
{
	PGresult *r;
	int failed = 0;
	size_t off = 0;

	if (sqlstate)
		sqlstate[0] = '\0';
	if (b->oom) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	r = PQexec(conn, copy_sql);
	if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
		pq_reason(conn, r, what, err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	/* Chunks keep each PQputCopyData call bounded; the server sees one stream. */
	while (off < b->len) {
		size_t n = b->len - off > (1u << 20) ? (1u << 20) : b->len - off;
		if (PQputCopyData(conn, b->p + off, (int)n) != 1) {
			pq_reason(conn, NULL, what, err, errlen);
			failed = 1;
			break;
		}
		off += n;
	}
	if (PQputCopyEnd(conn, failed ? "client failed" : NULL) != 1 && !failed) {
		pq_reason(conn, NULL, what, err, errlen);
		failed = 1;
	}
	while ((r = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !failed) {
			const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			if (sqlstate && st)
				snprintf(sqlstate, 6, "%s", st);
			pq_reason(conn, r, what, err, errlen);
			failed = 1;
		}
		PQclear(r);
		if (PQstatus(conn) == CONNECTION_BAD)
			break;
	}
	return failed ? -1 : 0;
}

int64_t db_get_ms(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return INT64_MIN;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

void db_rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

int db_commit(PGconn *conn, const char *what, char *err, size_t errlen)
{
	PGresult *r = PQexec(conn, "COMMIT");

	/* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK: look at the tag. */
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		pq_reason(conn, r, what, err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

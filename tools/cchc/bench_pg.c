/* bench_pg: the two PostgreSQL baselines of `cchc bench ingest`, both into a plain, logged scratch
 * table with a unique event_id in the stack's own database (stats.db): the fastest thing
 * PostgreSQL does with the events (one COPY, one transaction) and the naive one (an autocommit
 * INSERT per record). A session advisory lock keeps two benchmarks from sharing the table. */
#include "bench.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chosen apart from stats' own lock key; held for the whole measurement. */
#define BENCH_LOCK_KEY "5117046001"

#define NCOLS 10

static const char drop_sql[] = "DROP TABLE IF EXISTS cchc_bench_events";
/* The event columns of dossier_event, feedback events in the same table (item = the code). */
static const char create_sql[] =
    "CREATE TABLE cchc_bench_events (event_id text NOT NULL UNIQUE, feedback boolean NOT NULL, "
    "office text NOT NULL, item text NOT NULL, procedure text, field text, kind smallint NOT "
    "NULL, channel smallint NOT NULL, at timestamptz NOT NULL, due timestamptz)";

/* Runs a statement expecting `want`; on failure names `what` and PostgreSQL's reason. */
static int run(PGconn *c, const char *sql, ExecStatusType want, const char *what, char *err,
               size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	int ok = r && PQresultStatus(r) == want;

	if (!ok)
		snprintf(err, errlen, "%s: %s", what, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

/* Connects, takes the benchmark lock and makes an empty scratch table. */
static int open_scratch(const char *conninfo, PGconn **out, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;
	int locked;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "connecting to stats.db (%s): %s", conninfo,
		         PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, "SELECT pg_try_advisory_lock(" BENCH_LOCK_KEY ")");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "taking the benchmark lock: %s", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return -1;
	}
	locked = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!locked) {
		snprintf(err, errlen, "another `cchc bench` is using this database; try later");
		PQfinish(c);
		return -1;
	}
	if (run(c, "SET client_min_messages = warning", PGRES_COMMAND_OK, "session", err, errlen) ||
	    run(c, drop_sql, PGRES_COMMAND_OK, "dropping the scratch table", err, errlen) ||
	    run(c, create_sql, PGRES_COMMAND_OK, "creating the scratch table", err, errlen)) {
		PQfinish(c);
		return -1;
	}
	*out = c;
	return 0;
}

/* Drops the scratch table (the lock goes with the session). */
static void close_scratch(PGconn *c)
{
	char err[256];

	if (run(c, drop_sql, PGRES_COMMAND_OK, "dropping the scratch table", err, sizeof err))
		fprintf(stderr, "cchc bench: %s\n", err);
	PQfinish(c);
}

int bench_pg_copy(const char *conninfo, const char *text, size_t len, double *seconds, char *err,
                  size_t errlen)
{
	const size_t chunk = 1 << 16;
	PGconn *c;
	PGresult *r;
	int64_t t0;
	int rc = -1;

	if (open_scratch(conninfo, &c, err, errlen))
		return -1;
	t0 = bench_now_ns();
	if (run(c, "BEGIN", PGRES_COMMAND_OK, "BEGIN", err, errlen) ||
	    run(c, "COPY cchc_bench_events FROM STDIN", PGRES_COPY_IN, "COPY", err, errlen))
		goto out;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (PQputCopyData(c, text + off, (int)n) != 1) {
			snprintf(err, errlen, "COPY: sending rows: %s", PQerrorMessage(c));
			goto out;
		}
	}
	if (PQputCopyEnd(c, NULL) != 1) {
		snprintf(err, errlen, "COPY: ending: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQgetResult(c);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "COPY: %s", PQerrorMessage(c));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	if (run(c, "COMMIT", PGRES_COMMAND_OK, "COMMIT", err, errlen))
		goto out;
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	rc = 0;
out:
	close_scratch(c);
	return rc;
}

/* Splits one COPY text row in place into NCOLS values (NULL for \\N), undoing the escapes. */
static int split_row(char *row, char **v)
{
	char *p = row, *w = row;

	for (size_t n = 0; n < NCOLS; n++) {
		if (p[0] == '\\' && p[1] == 'N' && (p[2] == '\t' || !p[2])) {
			v[n] = NULL;
			p += 2;
		} else {
			v[n] = w;
			for (; *p && *p != '\t'; p++) {
				if (*p == '\\' && p[1]) {
					p++;
					*w++ = *p == 't'   ? '\t'
					       : *p == 'n' ? '\n'
					       : *p == 'r' ? '\r'
					                   : *p;
				} else {
					*w++ = *p;
				}
			}
		}
		if (n + 1 < NCOLS && *p != '\t')
			return -1;
		if (n + 1 == NCOLS && *p)
			return -1;
		if (*p)
			p++;
		if (v[n])
			*w++ = 0;
		if (!v[n])
			w = p;
	}
	return 0;
}

int bench_pg_insert_each(const char *conninfo, const char *text, size_t len, double *seconds,
                         char *err, size_t errlen)
{
	char *copy = malloc(len + 1), *save = NULL;
	PGconn *c;
	PGresult *r;
	int64_t t0;
	size_t rowno = 0;
	int rc = -1;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	if (open_scratch(conninfo, &c, err, errlen)) {
		free(copy);
		return -1;
	}
	/* Prepared once, as even a naive client would; what stays naive is a round trip and a
	 * commit per record. */
	r = PQprepare(c, "ins",
	              "INSERT INTO cchc_bench_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	              "$10)",
	              NCOLS, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "preparing the INSERT: %s", PQerrorMessage(c));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	t0 = bench_now_ns();
	for (char *row = strtok_r(copy, "\n", &save); row; row = strtok_r(NULL, "\n", &save)) {
		char *v[NCOLS];

		rowno++;
		if (split_row(row, v)) {
			snprintf(err, errlen, "row %zu: not %d columns", rowno, NCOLS);
			goto out;
		}
		r = PQexecPrepared(c, "ins", NCOLS, (const char *const *)v, NULL, NULL, 0);
		if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "INSERT of row %zu (%s): %s", rowno, v[0],
			         PQerrorMessage(c));
			PQclear(r);
			goto out;
		}
		PQclear(r);
	}
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	rc = 0;
out:
	close_scratch(c);
	free(copy);
	return rc;
}

/* A store sequence value `fraction` of the way from the first to the last one dossier events
 * hold (sql/011), and how many dossier events and dossiers were stored after it: the late part
 * a figures-as-of query derives again. */
int bench_pg_watermark(const char *conninfo, double fraction, int64_t *seq, int64_t *late_events,
                       int64_t *late_dossiers, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r = NULL;
	char w[24];
	const char *params[1] = {w};
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "connecting to stats.db (%s): %s", conninfo,
		         PQerrorMessage(c));
		goto out;
	}
	r = PQexec(c, "SELECT min(store_seq), max(store_seq) FROM dossier_event");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQgetisnull(r, 0, 0)) {
		snprintf(err, errlen, "no dossier event with a store sequence: %s",
		         PQerrorMessage(c));
		goto out;
	}
	int64_t lo = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	int64_t hi = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	*seq = lo + (int64_t)((double)(hi - lo) * fraction);
	snprintf(w, sizeof w, "%lld", (long long)*seq);
	r = PQexecParams(c,
	                 "SELECT count(*), count(DISTINCT (office, dossier)) FROM dossier_event "
	                 "WHERE store_seq > $1::bigint",
	                 1, NULL, params, NULL, NULL, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "counting the late events: %s", PQerrorMessage(c));
		goto out;
	}
	*late_events = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	*late_dossiers = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	rc = 0;
out:
	PQclear(r);
	PQfinish(c);
	return rc;
}

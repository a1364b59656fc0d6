/* db: connecting to PostgreSQL, checked statements, COPY text rows, migrations and the unit
 * registry. Every PQ call's result is checked here once, so callers see 0 / -1 and one message
 * saying which step failed and why. */
#include "stats_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats_migrations.h"

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
	return checked(conn, PQexecParams(conn, sql, n, NULL, values, lengths, formats, 0), what,
	               err, errlen);
}

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

static void rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

static int commit(PGconn *conn, const char *what, char *err, size_t errlen)
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

int db_migrate(PGconn *conn, char *err, size_t errlen)
{
	PGresult *r;
	char what[128], version[16];

	if (db_exec(conn, "migrate: begin", "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "migrate: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0 ||
	    db_exec(conn, "migrate: schema_version",
	            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
	            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
	            err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < stats_migrations_count; i++) {
		const stats_migration *m = &stats_migrations[i];
		const char *params[2] = {version, m->name};

		snprintf(version, sizeof version, "%d", m->version);
		r = db_query(conn, "migrate: read schema_version",
		             "SELECT 1 FROM schema_version WHERE version = $1", 1, params, err,
		             errlen);
		if (!r)
			goto fail;
		int done = PQntuples(r) > 0;
		PQclear(r);
		if (done)
			continue;
		snprintf(what, sizeof what, "migration %s", m->name);
		if (db_exec(conn, what, m->sql, err, errlen) != 0)
			goto fail;
		r = db_query(conn, what,
		             "INSERT INTO schema_version (version, name) VALUES ($1, $2)", 2,
		             params, err, errlen);
		if (!r)
			goto fail;
		PQclear(r);
	}
	return commit(conn, "migrate: commit", err, errlen);
fail:
	rollback(conn);
	return -1;
}

/* Re-resolves the unit of every state whose unit at its anchor time changed. */
static const char *const resolve_sql[] = {
    "UPDATE dossier_state s SET unit_snapshot = r.snapshot, unit_valid_from = r.valid_from, "
    "unit_valid_to = r.valid_to, level = r.level "
    "FROM (SELECT s2.office, s2.dossier, u.snapshot, u.valid_from, u.valid_to, u.level "
    "      FROM dossier_state s2 LEFT JOIN units u ON u.code = s2.office "
    "       AND s2.anchor_at >= u.valid_from AND s2.anchor_at < u.valid_to) r "
    "WHERE s.office = r.office AND s.dossier = r.dossier AND "
    "(s.unit_snapshot IS DISTINCT FROM r.snapshot OR s.level IS DISTINCT FROM r.level OR "
    " s.unit_valid_from IS DISTINCT FROM r.valid_from OR "
    " s.unit_valid_to IS DISTINCT FROM r.valid_to)",
    "UPDATE feedback_state s SET unit_snapshot = r.snapshot, unit_valid_from = r.valid_from, "
    "unit_valid_to = r.valid_to, level = r.level "
    "FROM (SELECT s2.office, s2.feedback, u.snapshot, u.valid_from, u.valid_to, u.level "
    "      FROM feedback_state s2 LEFT JOIN units u ON u.code = s2.office "
    "       AND s2.anchor_at >= u.valid_from AND s2.anchor_at < u.valid_to) r "
    "WHERE s.office = r.office AND s.feedback = r.feedback AND "
    "(s.unit_snapshot IS DISTINCT FROM r.snapshot OR s.level IS DISTINCT FROM r.level OR "
    " s.unit_valid_from IS DISTINCT FROM r.valid_from OR "
    " s.unit_valid_to IS DISTINCT FROM r.valid_to)",
};

/* Replaces the units table with u when they differ, inside the caller's transaction (which holds
 * the advisory lock). */
static int sync_units_tx(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	db_buf b = {0};
	PGresult *r;
	size_t n = units_count(u);

	*changed = 0;
	for (size_t i = 0; i < n; i++) {
		const unit *x = units_at(u, i);
		db_buf_text(&b, x->code);
		db_buf_tab(&b);
		db_buf_text(&b, x->snapshot);
		db_buf_tab(&b);
		db_buf_bound(&b, x->valid_from_ms);
		db_buf_tab(&b);
		db_buf_bound(&b, x->valid_to_ms);
		db_buf_tab(&b);
		db_buf_text(&b, x->name ? x->name : "");
		db_buf_tab(&b);
		db_buf_int(&b, x->level);
		db_buf_tab(&b);
		db_buf_text(&b, x->parent);
		db_buf_tab(&b);
		db_buf_text(&b, x->merged_from ? x->merged_from : "");
		db_buf_eol(&b);
	}
	if (db_exec(conn, "units: staging",
	            "DROP TABLE IF EXISTS units_stage; "
	            "CREATE TEMP TABLE units_stage (LIKE units INCLUDING ALL) ON COMMIT DROP",
	            err, errlen) != 0 ||
	    db_copy(conn, "units: copy", "COPY units_stage FROM STDIN", &b, err, errlen) != 0)
		goto fail;
	r = db_query(conn, "units: compare",
	             "SELECT (SELECT count(*) FROM (SELECT * FROM units_stage EXCEPT "
	             "SELECT * FROM units) a) + (SELECT count(*) FROM (SELECT * FROM units EXCEPT "
	             "SELECT * FROM units_stage) b)",
	             0, NULL, err, errlen);
	if (!r)
		goto fail;
	*changed = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	PQclear(r);
	if (*changed) {
		if (db_exec(conn, "units: replace",
		            "DELETE FROM units; INSERT INTO units SELECT * FROM units_stage", err,
		            errlen) != 0 ||
		    db_exec(conn, "units: re-resolve dossiers", resolve_sql[0], err, errlen) != 0 ||
		    db_exec(conn, "units: re-resolve feedback", resolve_sql[1], err, errlen) != 0)
			goto fail;
	}
	db_buf_free(&b);
	return 0;
fail:
	db_buf_free(&b);
	return -1;
}

static int units_begin(PGconn *conn, char *err, size_t errlen)
{
	if (db_exec(conn, "units: begin", "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "units: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0) {
		rollback(conn);
		return -1;
	}
	return 0;
}

int db_sync_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	*changed = 0;
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	if (sync_units_tx(conn, u, changed, err, errlen) != 0) {
		rollback(conn);
		return -1;
	}
	return commit(conn, "units: commit", err, errlen);
}

/* units_origin(id 1) written as `origin`; file_content replaced only when content is given. */
static int set_origin(PGconn *conn, const char *origin, const char *content, size_t len, char *err,
                      size_t errlen)
{
	const char *params[2] = {origin, content};
	int lengths[2] = {(int)strlen(origin), (int)len};
	int formats[2] = {0, 1};
	PGresult *r;

	r = PQexecParams(
	    conn,
	    "INSERT INTO units_origin (id, origin, file_content) VALUES (1, $1, $2) "
	    "ON CONFLICT (id) DO UPDATE SET origin = EXCLUDED.origin, "
	    "file_content = COALESCE(EXCLUDED.file_content, units_origin.file_content), "
	    "changed_at = now()",
	    2, NULL, params, lengths, formats, 0);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		pq_reason(conn, r, "units: origin", err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int db_sync_units_file(PGconn *conn, const units *u, const char *content, size_t len, int *changed,
                       int *kept, char *err, size_t errlen)
{
	const char *params[1] = {content};
	int lengths[1] = {(int)len};
	int formats[1] = {1};
	PGresult *r;

	*changed = *kept = 0;
	if (len > (size_t)UNITS_FILE_MAX) {
		snprintf(err, errlen, "units: the file is larger than %d bytes", UNITS_FILE_MAX);
		return -1;
	}
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	r = PQexecParams(conn, "SELECT origin FROM units_origin WHERE id = 1 AND file_content = $1",
	                 1, NULL, params, lengths, formats, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		pq_reason(conn, r, "units: read origin", err, errlen);
		PQclear(r);
		rollback(conn);
		return -1;
	}
	/* The file has not changed since stats last synced it: whatever is in force (the file, or
	 * a later import) stays. */
	*kept = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "import") == 0;
	int same = PQntuples(r) == 1;
	PQclear(r);
	if (same) {
		rollback(conn);
		return 0;
	}
	if (sync_units_tx(conn, u, changed, err, errlen) != 0 ||
	    set_origin(conn, "file", content, len, err, errlen) != 0) {
		rollback(conn);
		return -1;
	}
	return commit(conn, "units: commit", err, errlen);
}

int db_import_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	*changed = 0;
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	if (sync_units_tx(conn, u, changed, err, errlen) != 0 ||
	    (*changed && set_origin(conn, "import", NULL, 0, err, errlen) != 0)) {
		rollback(conn);
		return -1;
	}
	return commit(conn, "units: commit", err, errlen);
}

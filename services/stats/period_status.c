/* period_status: the rows of `cchc period status` (docs/design.md §13) from one statement over the
 * unit registry and the raw events' `at` and `stored_at`, and the reporting rate by level computed
 * from them. A reply's parts live in one allocation, released by period_status_reply_clear. */
#include "stats_period_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_db.h"
#include "stats_query.h"
#include "vnfmt.h"

/* The offices expected are the units whose validity overlaps the period, under the scope in their
 * own snapshot (as every figure is scoped), one row per code: when a reform falls inside the
 * period, the latest snapshot valid in it names the office. An office's events are those dated in
 * the period under its code, counted in one pass over each event table; stored_at is set by the
 * store transaction, so "late" means stored at or after the period's end, its cut-off. */
static const char offices_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE ", "
    "o AS (SELECT DISTINCT ON (u.code) u.code, u.name, u.level FROM units u, p "
    "WHERE u.valid_from < p.t AND u.valid_to > p.f AND "
    "(p.scope = '' OR (u.code, u.snapshot) IN (SELECT code, snapshot FROM scope)) "
    "ORDER BY u.code, u.valid_from DESC), "
    "e AS (SELECT office, stored_at FROM dossier_event, p WHERE at >= p.f AND at < p.t "
    "UNION ALL SELECT office, stored_at FROM feedback_event, p WHERE at >= p.f AND at < p.t), "
    "n AS (SELECT e.office, count(*) AS events, max(e.stored_at) AS last, "
    "count(*) FILTER (WHERE e.stored_at >= p.t) AS late FROM e, p "
    "WHERE e.office IN (SELECT code FROM o) GROUP BY e.office) "
    "SELECT o.code, o.name, o.level, COALESCE(n.events, 0), "
    "(extract(epoch FROM n.last) * 1000)::bigint, COALESCE(n.late, 0) "
    "FROM o LEFT JOIN n ON n.office = o.code ORDER BY o.level, o.code";

static const char *const level_key[PERIOD_LEVELS] = {"all", "province", "district", "commune"};

static void tally_add(period_tally *t, const Cchc__V1__PeriodOffice *o)
{
	t->expected++;
	t->sent += o->events > 0;
	t->events += o->events;
	t->late += o->late;
}

void period_status_tally(Cchc__V1__PeriodOffice *const *offices, size_t n,
                         period_tally out[PERIOD_LEVELS])
{
	memset(out, 0, PERIOD_LEVELS * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const Cchc__V1__PeriodOffice *o = offices[i];
		tally_add(&out[0], o);
		if (o->level >= 1 && o->level < PERIOD_LEVELS)
			tally_add(&out[o->level], o);
	}
	for (int k = 0; k < PERIOD_LEVELS; k++)
		out[k].rate_x100 = vnfmt_percent_x100(out[k].sent, out[k].expected);
}

void period_status_reply_clear(Cchc__V1__PeriodStatusReply *reply)
{
	free(reply->offices); /* the one block holding every office, rate and string */
	free(reply->error);
	cchc__v1__period_status_reply__init(reply);
}

/* Lays the rows of r and the rates out in one block: the office and rate pointers, then the
 * structures they point to, then the codes and names. */
static int fill_reply(const PGresult *r, Cchc__V1__PeriodStatusReply *reply, char *err,
                      size_t errlen)
{
	size_t n = (size_t)PQntuples(r), text = 0;
	period_tally t[PERIOD_LEVELS];
	char *block, *s;

	for (size_t i = 0; i < n; i++)
		text += (size_t)PQgetlength(r, (int)i, 0) + (size_t)PQgetlength(r, (int)i, 1) + 2;
	block = malloc((n + PERIOD_LEVELS) * sizeof(void *) + n * sizeof(Cchc__V1__PeriodOffice) +
	               PERIOD_LEVELS * sizeof(Cchc__V1__PeriodRate) + text + 1);
	if (!block) {
		snprintf(err, errlen, "period status: out of memory for %zu offices", n);
		return -1;
	}
	Cchc__V1__PeriodOffice **op = (Cchc__V1__PeriodOffice **)(void *)block;
	Cchc__V1__PeriodRate **rp = (Cchc__V1__PeriodRate **)(void *)(op + n);
	Cchc__V1__PeriodOffice *ob = (Cchc__V1__PeriodOffice *)(void *)(rp + PERIOD_LEVELS);
	Cchc__V1__PeriodRate *rb = (Cchc__V1__PeriodRate *)(void *)(ob + n);
	s = (char *)(rb + PERIOD_LEVELS);
	reply->offices = op;
	reply->rates = rp;
	for (size_t i = 0; i < n; i++) {
		Cchc__V1__PeriodOffice *o = &ob[i];
		int64_t last = db_get_ms(r, (int)i, 4);
		cchc__v1__period_office__init(o);
		o->code = s;
		s = stpcpy(s, PQgetvalue(r, (int)i, 0)) + 1;
		o->name = s;
		s = stpcpy(s, PQgetvalue(r, (int)i, 1)) + 1;
		o->has_level = o->has_events = o->has_late = 1;
		o->level = (int32_t)strtol(PQgetvalue(r, (int)i, 2), NULL, 10);
		o->events = strtoll(PQgetvalue(r, (int)i, 3), NULL, 10);
		o->late = strtoll(PQgetvalue(r, (int)i, 5), NULL, 10);
		if (last != INT64_MIN) {
			o->has_last_stored_ms = 1;
			o->last_stored_ms = last;
		}
		op[i] = o;
	}
	reply->n_offices = n;
	period_status_tally(op, n, t);
	for (int k = 0; k < PERIOD_LEVELS; k++) {
		Cchc__V1__PeriodRate *x = &rb[reply->n_rates];
		if (k && !t[k].expected) /* a level the scope lacks in this period */
			continue;
		cchc__v1__period_rate__init(x);
		x->level = (char *)level_key[k]; /* static */
		x->has_expected = x->has_sent = x->has_rate_x100 = x->has_events = x->has_late = 1;
		x->expected = t[k].expected;
		x->sent = t[k].sent;
		x->rate_x100 = t[k].rate_x100;
		x->events = t[k].events;
		x->late = t[k].late;
		rp[reply->n_rates++] = x;
	}
	return 0;
}

int period_status_in(PGconn *conn, const char *const *params, Cchc__V1__PeriodStatusReply *reply,
                     char *err, size_t errlen)
{
	PGresult *r = db_query(conn, "period status: offices", offices_sql, 3, params, err, errlen);
	int rc;

	if (!r)
		return -1;
	rc = fill_reply(r, reply, err, errlen);
	PQclear(r);
	return rc;
}

int period_status_run(PGconn *conn, const Cchc__V1__PeriodStatusRequest *req,
                      Cchc__V1__PeriodStatusReply *reply)
{
	char from[40], to[40], err[512];
	const char *params[3] = {from, to, req->scope ? req->scope : ""};
	int rc = -1;

	cchc__v1__period_status_reply__init(reply);
	if (!req->has_from_ms || !req->has_to_ms || req->from_ms >= req->to_ms) {
		snprintf(err, sizeof err, "period status: the period needs from_ms < to_ms");
		goto fail;
	}
	db_format_ts(req->from_ms, from, sizeof from);
	db_format_ts(req->to_ms, to, sizeof to);
	if (db_ensure(conn, err, sizeof err) != 0)
		goto fail;
	/* one snapshot: the counts and the last arrival of every office are of the same moment */
	if (db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, sizeof err) != 0)
		goto fail;
	rc = period_status_in(conn, params, reply, err, sizeof err);
	if (PQstatus(conn) == CONNECTION_OK)
		db_rollback(conn); /* read only: nothing to keep */
	else
		PQreset(conn);
	if (rc == 0) {
		reply->has_ok = 1;
		reply->ok = 1;
		return 0;
	}
fail:
	period_status_reply_clear(reply);
	reply->has_ok = 1;
	reply->ok = 0;
	reply->error = strdup(err);
	return -1;
}

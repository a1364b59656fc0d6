/* check: each finding is one SQL statement over the state and event tables (the anomalies bits
 * state.c sets, the due history; silent and late offices from the rows of `cchc period status`,
 * period_status.c) in the same REPEATABLE READ snapshot as the identity, which comes from the
 * figures themselves (query.c). Findings name offices and dossier codes, never record contents. */
#include "stats_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "stats_db.h"
#include "stats_period_status.h"
#include "stats_query.h"
#include "stats_state.h"
#include "units.h"

#define ACTIVE_DOSSIER  "s.received_at < p.t AND (s.finished_at IS NULL OR s.finished_at >= p.f)"
#define ACTIVE_FEEDBACK "s.received_at < p.t AND (s.resolved_at IS NULL OR s.resolved_at >= p.f)"
#define EXAMPLES(col)   "array_to_string((array_agg(" col " ORDER BY " col "))[1:5], ' ')"

/* One per-office finding: office, count, example codes. */
typedef struct office_check {
	const char *check; /* CheckItem.check */
	const char *what;  /* "dossiers" / "feedback items" */
	const char *why;   /* the rest of the sentence */
	const char *sql;
} office_check;

#define DOSSIER_BITS(bit, active)                                                                  \
	"WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " SELECT s.office, count(*), " EXAMPLES(       \
	    "s.dossier") " FROM dossier_state s, p WHERE (s.anomalies & " bit ") <> 0 AND " active \
	                 " AND " IN_SCOPE("s") " GROUP BY s.office ORDER BY s.office"
#define FEEDBACK_BITS(bit, active)                                                                 \
	"WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " SELECT s.office, count(*), " EXAMPLES(       \
	    "s.feedback") " FROM feedback_state s, p WHERE (s.anomalies & " bit                    \
	                  ") <> 0 AND " active                                                     \
	                  " AND " IN_SCOPE("s") " GROUP BY s.office ORDER BY s.office"
#define ANCHOR_IN_PERIOD "s.anchor_at >= p.f AND s.anchor_at < p.t"

/* Kept in step with the STATE_ANOMALY_* values (checked at the bottom of this file). */
static const office_check office_checks[] = {
    {"orphan", "dossiers", "with events in the period but no `received` (their events wait)",
     DOSSIER_BITS("1", ANCHOR_IN_PERIOD)},
    {"orphan", "feedback items", "with events in the period but no `received`",
     FEEDBACK_BITS("1", ANCHOR_IN_PERIOD)},
    {"due_before_received", "dossiers",
     "with a due (received, extended or supplement) "
     "before their receipt",
     "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " SELECT s.office, count(*), " EXAMPLES(
         "s.dossier") " FROM dossier_state s, p WHERE s.has_received AND " ACTIVE_DOSSIER
                      " AND EXISTS (SELECT 1 FROM unnest(s.due_val) v WHERE v < s.received_at) "
                      "AND " IN_SCOPE("s") " GROUP BY s.office ORDER BY s.office"},
    {"extra_finish", "dossiers",
     "with a resolved/returned/withdrawn after the one that ended them (it changes no figure)",
     DOSSIER_BITS("4", ACTIVE_DOSSIER)},
    {"extra_finish", "feedback items", "with a second `resolved` (it changes no figure)",
     FEEDBACK_BITS("4", ACTIVE_FEEDBACK)},
    {"extra_received", "dossiers", "with more than one `received` (the earliest counts)",
     DOSSIER_BITS("2", ACTIVE_DOSSIER)},
    {"extra_received", "feedback items", "with more than one `received` (the earliest counts)",
     FEEDBACK_BITS("2", ACTIVE_FEEDBACK)},
};

/* Units that hold figures in the period (for the successor check). */
static const char units_with_figures_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " SELECT DISTINCT s.office, "
    "s.unit_snapshot::text FROM dossier_state s, p WHERE s.unit_snapshot IS NOT NULL AND "
    "((" ACTIVE_DOSSIER ") OR (s.submitted_at < p.t AND (s.waiting_end_at IS NULL OR "
    "s.waiting_end_at >= p.f))) AND " IN_SCOPE("s") " ORDER BY 1, 2";

typedef check_items items;

#define add_item check_add_item

void check_add_item(items *it, const char *check, int ok, const char *office, int64_t count,
                    const char *fmt, ...)
{
	Cchc__V1__CheckReply *r = it->reply;
	Cchc__V1__CheckItem *x;
	char detail[1024];
	va_list ap;

	if (it->oom)
		return;
	if (grow_array((void **)&r->items, &it->cap, r->n_items + 1, sizeof *r->items) != 0) {
		it->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	x = malloc(sizeof *x);
	if (!x) {
		it->oom = 1;
		return;
	}
	cchc__v1__check_item__init(x);
	x->check = (char *)check; /* static strings */
	x->has_ok = 1;
	x->ok = ok;
	x->unit = office ? strdup(office) : NULL;
	x->has_count = 1;
	x->count = count;
	x->detail = strdup(detail);
	r->items[r->n_items++] = x;
	if ((office && !x->unit) || !x->detail)
		it->oom = 1;
}

void check_reply_clear(Cchc__V1__CheckReply *reply)
{
	for (size_t i = 0; i < reply->n_items; i++) {
		free(reply->items[i]->unit);
		free(reply->items[i]->detail);
		free(reply->items[i]);
	}
	free(reply->items);
	free(reply->error);
	cchc__v1__check_reply__init(reply);
}

void check_identity_items(items *it, const Cchc__V1__QueryReply *q)
{
	for (size_t i = 0; i < q->n_rows; i++) {
		const Cchc__V1__FigureRow *row = q->rows[i];
		const Cchc__V1__DossierFigures *d = row->dossiers;
		int all = !strcmp(row->group, "all");
		/* units; on the national scope VN, provinces (docs/design.md §15) */
		if (!d || (!all && strcmp(row->group, "unit") && strcmp(row->group, "province")))
			continue;
		int64_t lhs = d->carried_over + d->received;
		int64_t rhs = d->resolved + d->returned + d->withdrawn + d->pending;
		add_item(it, "identity", lhs == rhs, all ? "" : row->key, lhs - rhs,
		         "%s: carried_over %" PRId64 " + received %" PRId64 " = %" PRId64
		         "; resolved %" PRId64 " + returned %" PRId64 " + withdrawn %" PRId64
		         " + pending %" PRId64 " = %" PRId64,
		         all ? "scope" : row->key, d->carried_over, d->received, lhs, d->resolved,
		         d->returned, d->withdrawn, d->pending, rhs);
	}
}

static int office_items(PGconn *conn, items *it, const char *const *params, char *err,
                        size_t errlen)
{
	for (size_t c = 0; c < sizeof office_checks / sizeof office_checks[0]; c++) {
		const office_check *oc = &office_checks[c];
		PGresult *r = db_query(conn, oc->check, oc->sql, 3, params, err, errlen);
		if (!r)
			return -1;
		for (int i = 0; i < PQntuples(r); i++) {
			int64_t n = strtoll(PQgetvalue(r, i, 1), NULL, 10);
			add_item(it, oc->check, 0, PQgetvalue(r, i, 0), n,
			         "%" PRId64 " %s %s: %s%s", n, oc->what, oc->why,
			         PQgetvalue(r, i, 2), n > CHECK_EXAMPLES ? " …" : "");
		}
		PQclear(r);
	}
	return 0;
}

/* "YYYY-MM-DD HH:MM" in the process's time zone (the configured one, docs/design.md §4). */
static void local_minute(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "?");
}

/* Completeness (units valid in the period, in the scope, with no event `at` in the period) and
 * timeliness (events of the period stored once it had closed): the rows of `cchc period status`,
 * so both read the same offices (stats_period_status.h). */
static int silent_items(PGconn *conn, items *it, const char *const *params, char *err,
                        size_t errlen)
{
	Cchc__V1__PeriodStatusReply ps = CCHC__V1__PERIOD_STATUS_REPLY__INIT;
	char when[32];

	if (period_status_in(conn, params, &ps, err, errlen) != 0) {
		period_status_reply_clear(&ps);
		return -1;
	}
	for (size_t i = 0; i < ps.n_offices; i++)
		if (!ps.offices[i]->events)
			add_item(it, "silent_office", 0, ps.offices[i]->code, 0,
			         "%s sent no event dated in the period", ps.offices[i]->name);
	for (size_t i = 0; i < ps.n_offices; i++) {
		const Cchc__V1__PeriodOffice *o = ps.offices[i];
		if (!o->late)
			continue;
		/* the late events are the last to arrive: the office's last arrival is one of them
		 */
		local_minute(o->last_stored_ms, when, sizeof when);
		add_item(it, "late_arrival", 0, o->code, o->late,
		         "%" PRId64 " events dated in the period arrived after it closed (the "
		         "latest at %s)",
		         o->late, when);
	}
	period_status_reply_clear(&ps);
	return 0;
}

int check_silent_offices(PGconn *conn, int64_t from_ms, int64_t to_ms, const char *scope,
                         char ***out, size_t *n, char *err, size_t errlen)
{
	Cchc__V1__PeriodStatusReply ps = CCHC__V1__PERIOD_STATUS_REPLY__INIT;
	char from[40], to[40];
	const char *params[3] = {from, to, scope ? scope : ""};
	int rc = 0;

	*out = NULL;
	*n = 0;
	db_format_ts(from_ms, from, sizeof from);
	db_format_ts(to_ms, to, sizeof to);
	if (period_status_in(conn, params, &ps, err, errlen) != 0) {
		period_status_reply_clear(&ps);
		return -1;
	}
	*out = calloc(ps.n_offices + 1, sizeof **out);
	for (size_t i = 0; *out && rc == 0 && i < ps.n_offices; i++)
		if (!ps.offices[i]->events && !((*out)[(*n)++] = strdup(ps.offices[i]->code)))
			rc = -1;
	period_status_reply_clear(&ps);
	if (!*out || rc) {
		snprintf(err, errlen, "silent offices: out of memory");
		return -1;
	}
	return 0;
}

static int successor_items(PGconn *conn, items *it, const char *const *params, char *err,
                           size_t errlen)
{
	PGresult *r =
	    db_query(conn, "no_successor", units_with_figures_sql, 3, params, err, errlen);
	units *reg = NULL;
	int64_t now = (int64_t)time(NULL) * 1000;

	if (!r)
		return -1;
	if (query_load_units(conn, &reg, err, errlen) != 0) {
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const unit *x = units_get(reg, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		if (x && !units_successor(reg, x, now))
			add_item(
			    it, "no_successor", 0, x->code, 0,
			    "%s (snapshot %s) has figures in the period but no known successor "
			    "in today's structure: map_to keeps its own row",
			    x->name, x->snapshot);
	}
	PQclear(r);
	units_free(reg);
	return 0;
}

int check_run(PGconn *conn, const Cchc__V1__CheckRequest *req, Cchc__V1__CheckReply *reply)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__QueryReply figures = CCHC__V1__QUERY_REPLY__INIT;
	char from[40], to[40], err[512];
	const char *scope = req->scope ? req->scope : "";
	const char *params[3] = {from, to, scope};
	items it = {.reply = reply};
	int rc = -1;

	cchc__v1__check_reply__init(reply);
	if (!req->has_from_ms || !req->has_to_ms || req->from_ms >= req->to_ms) {
		snprintf(err, sizeof err, "check: the period needs from_ms < to_ms");
		goto fail;
	}
	db_format_ts(req->from_ms, from, sizeof from);
	db_format_ts(req->to_ms, to, sizeof to);
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = req->from_ms;
	q.to_ms = req->to_ms;
	q.scope = (char *)scope;
	if (db_ensure(conn, err, sizeof err) != 0)
		goto fail;
	if (db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, sizeof err) != 0)
		goto fail;
	if (query_figures_in(conn, &q, &figures, err, sizeof err) == 0) {
		check_identity_items(&it, &figures);
		if (office_items(conn, &it, params, err, sizeof err) == 0 &&
		    silent_items(conn, &it, params, err, sizeof err) == 0 &&
		    successor_items(conn, &it, params, err, sizeof err) == 0)
			rc = 0;
	}
	query_reply_clear(&figures);
	return check_finish(conn, &it, rc, err);
fail:
	return check_refuse(reply, err);
}

int check_refuse(Cchc__V1__CheckReply *reply, const char *err)
{
	check_reply_clear(reply);
	reply->has_ok = 1;
	reply->ok = 0;
	reply->error = strdup(err);
	return -1;
}

int check_finish(PGconn *conn, check_items *it, int rc, const char *err)
{
	Cchc__V1__CheckReply *reply = it->reply;
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK")); /* read only: nothing to keep */
	else
		PQreset(conn);
	if (rc == 0 && it->oom) {
		err = "check: out of memory";
		rc = -1;
	}
	if (rc == 0) {
		reply->has_ok = 1;
		reply->ok = 1;
		return 0;
	}
	return check_refuse(reply, err);
}

_Static_assert(STATE_ANOMALY_ORPHAN == 1 && STATE_ANOMALY_EXTRA_RECEIVED == 2 &&
                   STATE_ANOMALY_EXTRA_FINISH == 4,
               "check.c's SQL tests these anomaly bits by value");

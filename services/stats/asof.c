/* asof: figures as of a store sequence or instant (stats_asof.h, docs/design.md §13). An item
 * none of whose events was stored after the moment has the same events then as now, so its state
 * row is already its state then; only the items that gained an event since ("changed", found by
 * the store_seq index or one scan of stored_at) are derived again, from the events stored by
 * then, by the same pure functions as a store transaction (state.c) and encoded as items.c writes
 * state rows. A temporary view named like each state table puts the two together (the rows of
 * the unchanged items, then the derived ones); with pg_temp first on the search path, query.c's
 * reference query reads the views instead of the tables. So the figures as of a moment follow
 * today's rules exactly, with no second copy of any figure's definition, and cost today's
 * reference query plus the work on what changed since. */
#include "stats_asof.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "stats_db.h"
#include "stats_items.h"
#include "stats_query.h"
#include "stats_state.h"

#define FETCH_ROWS "10000"
/* COPY rows gathered before they are sent: bounds memory, not correctness. */
#define COPY_FLUSH_BYTES (8u << 20)

/* The changed items and their states as of the moment, dropped with the savepoint (ON COMMIT
 * DROP also covers a caller that commits instead). The plan of the events cursor is chosen for
 * reading all of it, not its first rows. */
static const char setup_sql[] =
    "CREATE TEMP TABLE asof_dossier_changed (office text COLLATE \"C\", "
    " dossier text COLLATE \"C\") ON COMMIT DROP; "
    "CREATE TEMP TABLE asof_feedback_changed (office text COLLATE \"C\", "
    " feedback text COLLATE \"C\") ON COMMIT DROP; "
    "CREATE TEMP TABLE asof_dossier_state (LIKE dossier_state INCLUDING DEFAULTS) "
    " ON COMMIT DROP; "
    "CREATE TEMP TABLE asof_feedback_state (LIKE feedback_state INCLUDING DEFAULTS) "
    " ON COMMIT DROP; "
    "SET LOCAL cursor_tuple_fraction = 1";

/* $1 from, $2 to, $3 scope (PARAMS_CTE), $4 as_of_seq (0: any), $5 the as_of instant (NULL: any).
 * An event is late when stored after the moment; events stored before store_seq existed
 * (sql/011) have none and never are (stored before any watermark). Written without COALESCE so
 * that the store_seq index finds the late events of a watermark. An office outside the scope's
 * codes cannot be in any of its units (IN_SCOPE of query.c then checks the snapshot). */
/* clang-format off */
#define LATE(e) \
	"(($4::bigint > 0 AND " e ".store_seq > $4::bigint) OR " \
	"($5::timestamptz IS NOT NULL AND " e ".stored_at > $5::timestamptz))"
#define OFFICE_IN_SCOPE(e) "(p.scope = '' OR " e ".office IN (SELECT code FROM scope))"
#define CHANGED(kind, item) \
	"WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " INSERT INTO pg_temp.asof_" kind "_changed " \
	"SELECT DISTINCT e.office, e." item " FROM " kind "_event e, p WHERE " LATE("e") " AND " \
	OFFICE_IN_SCOPE("e")
static const char *const changed_sql[2] = {
    CHANGED("dossier", "dossier"),
    CHANGED("feedback", "feedback"),
};
/* How many changed, for the plans that join them (at 1M dossiers a hash semi-join instead of a
 * hashed aggregate spilling to disk). */
static const char *const analyze_sql[2] = {
    "ANALYZE pg_temp.asof_dossier_changed",
    "ANALYZE pg_temp.asof_feedback_changed",
};

/* The events of the changed items stored by the moment ($1 as_of_seq, $2 instant), by item. */
#define MS(x) "(extract(epoch FROM " x ") * 1000)::bigint"
#define EVENTS_CURSOR(kind, item, cols) \
	"DECLARE asof_ev NO SCROLL CURSOR FOR SELECT e.office, e." item ", " cols " FROM " kind \
	"_event e WHERE ($1::bigint = 0 OR COALESCE(e.store_seq, 0) <= $1::bigint) AND " \
	"($2::timestamptz IS NULL OR e.stored_at <= $2::timestamptz) AND (e.office, e." item ") " \
	"IN (SELECT c.office, c." item " FROM pg_temp.asof_" kind "_changed c) " \
	"ORDER BY e.office, e." item
static const char *const events_cursor_sql[2] = {
    EVENTS_CURSOR("dossier", "dossier",
                  "e.procedure, e.field, e.kind, e.channel, " MS("e.at") ", " MS("e.due") ", "
                  "e.rating"),
    EVENTS_CURSOR("feedback", "feedback", "e.kind, e.topic, " MS("e.at")),
};

static const char *const copy_sql[2] = {
    "COPY pg_temp.asof_dossier_state (" ITEMS_DOSSIER_COLS ") FROM STDIN (FORMAT binary)",
    "COPY pg_temp.asof_feedback_state (" ITEMS_FEEDBACK_COLS ") FROM STDIN (FORMAT binary)",
};

/* The stand-ins. Inside each view, `x_state s` still names the real table: a view's names are
 * resolved when it is made, and it does not exist yet then. The search path puts pg_temp first
 * explicitly (it is first by default, but a path may list it later). */
#define VIEW(kind, item) \
	"CREATE TEMP VIEW " kind "_state AS SELECT s.* FROM " kind "_state s WHERE NOT EXISTS " \
	"(SELECT FROM pg_temp.asof_" kind "_changed c WHERE c.office = s.office AND c." item \
	" = s." item ") UNION ALL SELECT * FROM pg_temp.asof_" kind "_state; "
static const char views_sql[] =
    VIEW("dossier", "dossier") VIEW("feedback", "feedback")
    "SELECT set_config('search_path', 'pg_temp, ' || current_setting('search_path'), true)";
#undef VIEW
/* clang-format on */

/* Refuses to go on unless the unqualified names now are the stand-ins: figures "as of" a moment
 * that silently came from today's states would be the worst failure. */
static const char shadow_check_sql[] =
    "SELECT 'dossier_state'::regclass = 'pg_temp.dossier_state'::regclass AND "
    "'feedback_state'::regclass = 'pg_temp.feedback_state'::regclass";

int asof_requested(const Cchc__V1__QueryRequest *req)
{
	return (req->has_as_of_seq && req->as_of_seq != 0) ||
	       (req->has_as_of_ms && req->as_of_ms != 0);
}

/* ---- one item at a time ---- */

/* The events of one item. Their strings point into the cursor's current batch; an item that
 * runs on into the next batch gets copies first (group_own). */
typedef struct group {
	const char *office, *item;
	dossier_event *de;
	feedback_event *fe;
	size_t n, cap_d, cap_f;
	char **owned;
	size_t nowned, cap_owned;
} group;

static void group_reset(group *g)
{
	for (size_t i = 0; i < g->nowned; i++)
		free(g->owned[i]);
	g->nowned = 0;
	g->n = 0;
	g->office = g->item = NULL;
}

static void group_free(group *g)
{
	group_reset(g);
	free(g->owned);
	free(g->de);
	free(g->fe);
}

/* A copy of *s kept until the group is reset, and *s made to point to it. */
static int own(group *g, const char **s)
{
	char *c;

	if (!*s)
		return 0;
	if (grow_array((void **)&g->owned, &g->cap_owned, g->nowned + 1, sizeof *g->owned) != 0)
		return -1;
	c = strdup(*s);
	if (!c)
		return -1;
	g->owned[g->nowned++] = c;
	*s = c;
	return 0;
}

static int group_own(group *g)
{
	if (own(g, &g->office) || own(g, &g->item))
		return -1;
	for (size_t i = 0; g->de && i < g->n; i++)
		if (own(g, &g->de[i].procedure) || own(g, &g->de[i].field))
			return -1;
	return 0;
}

typedef struct run {
	PGconn *conn;
	int feedback;
	int64_t from_ms, to_ms;
	const items_units *units;
	db_buf rows;
	size_t nrows;
} run;

/* The reference query's condition on a state (query.c): one it leaves out changes no figure, so
 * it is not written. Applied there again; here it only spares the COPY. */
static int dossier_may_count(const dossier_state *s, int64_t f, int64_t t)
{
	if (s->received_at != STATE_NO_TIME && s->received_at < t &&
	    (s->finished_at == STATE_NO_TIME || s->finished_at >= f))
		return 1;
	return s->submitted_at != STATE_NO_TIME && s->submitted_at < t &&
	       (s->waiting_end_at == STATE_NO_TIME || s->waiting_end_at >= f);
}

static int flush_rows(run *rn, char *err, size_t errlen)
{
	int rc = 0;

	if (rn->nrows) {
		db_bin_end(&rn->rows);
		rc = db_copy(rn->conn, "as-of: states", copy_sql[rn->feedback], &rn->rows, err,
		             errlen);
	}
	db_buf_free(&rn->rows);
	rn->nrows = 0;
	db_bin_start(&rn->rows);
	return rc;
}

/* Derives the state of the item in g and writes its row when it can count. */
static int emit(run *rn, const group *g, char *err, size_t errlen)
{
	if (rn->feedback) {
		feedback_state s;
		if (feedback_state_from_events(g->fe, g->n, &s) != 0)
			goto oom;
		if (!s.has_received || s.received_at >= rn->to_ms)
			return 0;
		items_row_feedback(&rn->rows, rn->units, g->office, g->item, &s, NULL, 0);
	} else {
		dossier_state s = {0};
		if (dossier_state_from_events(g->de, g->n, &s) != 0)
			goto oom;
		int keep = dossier_may_count(&s, rn->from_ms, rn->to_ms);
		if (keep)
			items_row_dossier(&rn->rows, rn->units, g->office, g->item, &s, NULL, 0);
		dossier_state_free(&s);
		if (!keep)
			return 0;
	}
	if (rn->rows.oom)
		goto oom;
	rn->nrows++;
	return rn->rows.len >= COPY_FLUSH_BYTES ? flush_rows(rn, err, errlen) : 0;
oom:
	snprintf(err, errlen, "as-of: out of memory");
	return -1;
}

/* Adds row i of r to g (same item). */
static int add_event(group *g, int feedback, const PGresult *r, int i)
{
	if (feedback) {
		if (grow_array((void **)&g->fe, &g->cap_f, g->n + 1, sizeof *g->fe) != 0)
			return -1;
		g->fe[g->n++] = (feedback_event){
		    .kind = atoi(PQgetvalue(r, i, 2)),
		    .topic = atoi(PQgetvalue(r, i, 3)),
		    .at_ms = db_get_ms(r, i, 4),
		};
		return 0;
	}
	if (grow_array((void **)&g->de, &g->cap_d, g->n + 1, sizeof *g->de) != 0)
		return -1;
	g->de[g->n++] = (dossier_event){
	    .procedure = PQgetvalue(r, i, 2),
	    .field = PQgetvalue(r, i, 3),
	    .kind = atoi(PQgetvalue(r, i, 4)),
	    .channel = atoi(PQgetvalue(r, i, 5)),
	    .at_ms = db_get_ms(r, i, 6),
	    .due_ms = db_get_ms(r, i, 7),
	    .rating = atoi(PQgetvalue(r, i, 8)),
	};
	return 0;
}

/* The changed items of one kind, and their states from the cursor's rows grouped by item. */
static int derive_kind(run *rn, const char *const params[5], char *err, size_t errlen)
{
	group g = {0};
	PGresult *r;
	int rc = -1;

	r = db_query(rn->conn, "as-of: changed items", changed_sql[rn->feedback], 5, params, err,
	             errlen);
	if (!r)
		return -1;
	PQclear(r);
	if (db_exec(rn->conn, "as-of: changed items", analyze_sql[rn->feedback], err, errlen) != 0)
		return -1;
	r = db_query(rn->conn, "as-of: events", events_cursor_sql[rn->feedback], 2, params + 3, err,
	             errlen);
	if (!r)
		return -1;
	PQclear(r);
	db_bin_start(&rn->rows);
	for (;;) {
		r = db_query(rn->conn, "as-of: events", "FETCH " FETCH_ROWS " FROM asof_ev", 0,
		             NULL, err, errlen);
		if (!r)
			goto out;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			const char *office = PQgetvalue(r, i, 0), *item = PQgetvalue(r, i, 1);
			if (g.n && (strcmp(office, g.office) || strcmp(item, g.item))) {
				if (emit(rn, &g, err, errlen) != 0)
					goto out;
				group_reset(&g);
			}
			if (!g.n) {
				g.office = office;
				g.item = item;
			}
			if (add_event(&g, rn->feedback, r, i) != 0)
				goto oom;
		}
		/* the last item may go on in the next batch: it keeps copies of its strings */
		if (n && g.n && group_own(&g) != 0)
			goto oom;
		PQclear(r);
		r = NULL;
		if (!n)
			break;
	}
	if (g.n && emit(rn, &g, err, errlen) != 0)
		goto out;
	if (flush_rows(rn, err, errlen) != 0)
		goto out;
	rc = db_exec(rn->conn, "as-of: events", "CLOSE asof_ev", err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "as-of: out of memory");
out:
	PQclear(r);
	group_free(&g);
	db_buf_free(&rn->rows);
	return rc;
}

/* Everything between the savepoint and its rollback. */
static int figures_at(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                      char *err, size_t errlen)
{
	char from[40], to[40], seq[24], at[40];
	const char *params[5] = {from, to, req->scope ? req->scope : "", seq, NULL};
	items_units *units = NULL;
	PGresult *r;
	int ok;

	db_format_ts(req->from_ms, from, sizeof from);
	db_format_ts(req->to_ms, to, sizeof to);
	snprintf(seq, sizeof seq, "%lld", req->has_as_of_seq ? (long long)req->as_of_seq : 0LL);
	if (req->has_as_of_ms && req->as_of_ms) {
		db_format_ts(req->as_of_ms, at, sizeof at);
		params[4] = at;
	}
	if (db_exec(conn, "as-of: temporary tables", setup_sql, err, errlen) != 0 ||
	    items_units_load(conn, &units, err, errlen) != 0)
		return -1;
	run rn = {.conn = conn, .from_ms = req->from_ms, .to_ms = req->to_ms, .units = units};
	for (rn.feedback = 0; rn.feedback < 2; rn.feedback++)
		if (derive_kind(&rn, params, err, errlen) != 0) {
			items_units_free(units);
			return -1;
		}
	items_units_free(units);
	if (db_exec(conn, "as-of: temporary states", views_sql, err, errlen) != 0)
		return -1;
	r = db_query(conn, "as-of: temporary states", shadow_check_sql, 0, NULL, err, errlen);
	if (!r)
		return -1;
	ok = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!ok) {
		snprintf(err, errlen, "as-of: the temporary states do not hide the state tables");
		return -1;
	}
	return query_figures_from(conn, req, reply, QUERY_STATES, NULL, err, errlen);
}

int asof_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                    char *err, size_t errlen)
{
	char undo[128];
	int rc;

	cchc__v1__query_reply__init(reply);
	if (!req->has_from_ms || !req->has_to_ms || req->from_ms >= req->to_ms) {
		snprintf(err, errlen, "query: the period needs from_ms < to_ms");
		return -1;
	}
	if ((req->has_as_of_seq && req->as_of_seq < 0) ||
	    (req->has_as_of_ms && req->as_of_ms < 0)) {
		snprintf(err, errlen, "query: as_of_seq and as_of_ms cannot be negative");
		return -1;
	}
	if (db_exec(conn, "as-of: savepoint", "SAVEPOINT cchc_asof", err, errlen) != 0)
		return -1;
	rc = figures_at(conn, req, reply, err, errlen);
	/* also after an error: the caller's transaction goes on with the real tables */
	if (db_exec(conn, "as-of: savepoint",
	            "ROLLBACK TO SAVEPOINT cchc_asof; RELEASE SAVEPOINT cchc_asof", undo,
	            sizeof undo) != 0 &&
	    rc == 0) {
		snprintf(err, errlen, "%s", undo);
		rc = -1;
	}
	return rc;
}

/* items: old state rows in, new state rows and aggregate changes out (stats_items.h). */
#include "stats_items.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "stats_agg.h"
#include "stats_db.h"
#include "stats_evblob.h"

/* clang-format off */
#define MS(x) "(extract(epoch FROM " x ") * 1000)::bigint"
#define K " text COLLATE \"C\""
static const char staging_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_dossier_state (office" K ", dossier" K ", "
    "anchor_at timestamptz, unit_snapshot date, unit_valid_from timestamptz, "
    "unit_valid_to timestamptz, level smallint, procedure text, field" K ", channel smallint, "
    "has_received boolean, received_at timestamptz, due timestamptz, due_from timestamptz[], "
    "due_val timestamptz[], supp_from timestamptz[], supp_to timestamptz[], "
    "supplement_waiting boolean, finished_at timestamptz, finish_kind smallint, "
    "resolved_class smallint, submitted_at timestamptz, waiting_end_at timestamptz, "
    "not_accepted_at timestamptz, delivered_at timestamptz, paid_online_at timestamptz, "
    "digitized_at timestamptz, anomalies integer, events integer, ev bytea, rating smallint) "
    "ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_feedback_state (office" K ", feedback" K ", "
    "anchor_at timestamptz, unit_snapshot date, unit_valid_from timestamptz, "
    "unit_valid_to timestamptz, level smallint, has_received boolean, received_at timestamptz, "
    "topic smallint, resolved_at timestamptz, published_at timestamptz, anomalies integer, "
    "events integer, ev bytea, deadline timestamptz) ON COMMIT DELETE ROWS";
#undef K

#define D_COLS ITEMS_DOSSIER_COLS
#define F_COLS ITEMS_FEEDBACK_COLS
#define SET(c) c " = EXCLUDED." c
#define UNIT_SET SET("anchor_at") ", " SET("unit_snapshot") ", " SET("unit_valid_from") ", " \
	SET("unit_valid_to") ", " SET("level") ", "

static const char *const copy_new_sql[2] = {
    "COPY dossier_state (" D_COLS ") FROM STDIN (FORMAT binary)",
    "COPY feedback_state (" F_COLS ") FROM STDIN (FORMAT binary)",
};
static const char *const copy_stage_sql[2] = {
    "COPY stage_dossier_state FROM STDIN (FORMAT binary)",
    "COPY stage_feedback_state FROM STDIN (FORMAT binary)",
};
enum { D_NCOLS = 31, F_NCOLS = 16 };
/* Only items whose row exists are staged: every row conflicts and is updated in place. */
static const char *const upsert_sql[2] = {
    "INSERT INTO dossier_state (" D_COLS ") SELECT " D_COLS " FROM stage_dossier_state "
    "ON CONFLICT (office, dossier) DO UPDATE SET " UNIT_SET SET("procedure") ", "
    SET("field") ", " SET("channel") ", " SET("has_received") ", " SET("received_at") ", "
    SET("due") ", " SET("due_from") ", " SET("due_val") ", " SET("supp_from") ", "
    SET("supp_to") ", " SET("supplement_waiting") ", " SET("finished_at") ", "
    SET("finish_kind") ", " SET("resolved_class") ", " SET("submitted_at") ", "
    SET("waiting_end_at") ", " SET("not_accepted_at") ", " SET("delivered_at") ", "
    SET("paid_online_at") ", " SET("digitized_at") ", " SET("anomalies") ", " SET("events")
    ", " SET("ev") ", " SET("rating") ", updated_at = now()",
    "INSERT INTO feedback_state (" F_COLS ") SELECT " F_COLS " FROM stage_feedback_state "
    "ON CONFLICT (office, feedback) DO UPDATE SET " UNIT_SET SET("has_received") ", "
    SET("received_at") ", " SET("topic") ", " SET("resolved_at") ", " SET("published_at") ", "
    SET("anomalies") ", " SET("events") ", " SET("ev") ", " SET("deadline")
    ", updated_at = now()",
};

/* Old rows, one index probe per touched item: the items go as two binary text[] parameters
 * (office, code; sorted, distinct) and come back in that order (ordinality), the old rows of
 * the ones that have one. LATERAL … OFFSET 0 keeps the planner from a hash join over the whole
 * table. A row without packed events (none is written so; 007 filled those before it) gets them
 * from the event table, slowly: that table has no index by item. */
static const char *const old_sql[2] = {
    "SELECT t.office, t.dossier, COALESCE(s.unit_snapshot, '-infinity')::text, "
    "COALESCE(s.level, 0), COALESCE(s.ev, cchc_packed_dossier_events(t.office, t.dossier)) "
    "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(office, dossier, n) "
    "CROSS JOIN LATERAL (SELECT unit_snapshot, level, ev FROM dossier_state s "
    "WHERE s.office = t.office AND s.dossier = t.dossier OFFSET 0) s ORDER BY t.n",
    "SELECT t.office, t.feedback, COALESCE(s.unit_snapshot, '-infinity')::text, "
    "COALESCE(s.level, 0), COALESCE(s.ev, cchc_packed_feedback_events(t.office, t.feedback)) "
    "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(office, feedback, n) "
    "CROSS JOIN LATERAL (SELECT unit_snapshot, level, ev FROM feedback_state s "
    "WHERE s.office = t.office AND s.feedback = t.feedback OFFSET 0) s ORDER BY t.n",
};
/* The registry, for the unit valid at an anchor time (docs/design.md §8): per code, latest start first. */
static const char units_sql[] =
    "SELECT code, snapshot::text, snapshot - date '2000-01-01', level, CASE WHEN valid_from = '-infinity' THEN "
    "-9223372036854775808 ELSE " MS("valid_from") " END, CASE WHEN valid_to = 'infinity' "
    "THEN 9223372036854775807 ELSE " MS("valid_to") " END FROM units "
    "ORDER BY code, valid_from DESC";
/* clang-format on */

typedef struct cand {
	const char *office, *code;
	dossier_event d;
	feedback_event f;
	int accepted;
} cand;

struct items {
	int feedback;
	cand *c;
	size_t n, cap;
	cand **ord;    /* the candidates sorted by item (stable) */
	PGresult *old; /* old_sql, in item order */
	int naccepted;
};

items *items_open(int feedback)
{
	items *it = calloc(1, sizeof *it);
	if (it)
		it->feedback = feedback;
	return it;
}

void items_close(items *it)
{
	if (!it)
		return;
	free(it->c);
	free(it->ord);
	PQclear(it->old);
	free(it);
}

static cand *add(items *it, const char *office, const char *code)
{
	if (grow_array((void **)&it->c, &it->cap, it->n + 1, sizeof *it->c) != 0)
		return NULL;
	cand *x = &it->c[it->n++];
	memset(x, 0, sizeof *x);
	x->office = office;
	x->code = code;
	return x;
}

int items_add_dossier(items *it, const char *office, const char *code, const dossier_event *e)
{
	cand *x = add(it, office, code);
	if (!x)
		return -1;
	x->d = *e;
	return 0;
}

int items_add_feedback(items *it, const char *office, const char *code, const feedback_event *e)
{
	cand *x = add(it, office, code);
	if (!x)
		return -1;
	x->f = *e;
	return 0;
}

void items_accept(items *it, size_t idx)
{
	if (idx < it->n && !it->c[idx].accepted) {
		it->c[idx].accepted = 1;
		it->naccepted++;
	}
}

static int cmp_code(const char *ao, const char *ac, const char *bo, const char *bc)
{
	int c = strcmp(ao, bo);
	return c ? c : strcmp(ac, bc);
}

static int cmp_ord(const void *pa, const void *pb)
{
	const cand *a = *(const cand *const *)pa, *b = *(const cand *const *)pb;
	int c = cmp_code(a->office, a->code, b->office, b->code);
	/* stable: the candidates of one item keep the order added (one array) */
	return c ? c : (a > b) - (a < b);
}

int items_load(PGconn *conn, items *it, char *err, size_t errlen)
{
	db_buf offices = {0}, codes = {0};
	size_t distinct = 0;

	if (it->n == 0)
		return 0;
	it->ord = malloc(it->n * sizeof *it->ord);
	if (!it->ord) {
		snprintf(err, errlen, "items: out of memory");
		return -1;
	}
	for (size_t i = 0; i < it->n; i++)
		it->ord[i] = &it->c[i];
	qsort(it->ord, it->n, sizeof *it->ord, cmp_ord);
	for (size_t i = 0; i < it->n; i++)
		distinct += !i || cmp_code(it->ord[i - 1]->office, it->ord[i - 1]->code,
		                           it->ord[i]->office, it->ord[i]->code);
	db_bin_text_array(&offices, distinct);
	db_bin_text_array(&codes, distinct);
	for (size_t i = 0; i < it->n; i++) {
		const cand *x = it->ord[i], *p = i ? it->ord[i - 1] : NULL;
		if (p && !cmp_code(p->office, p->code, x->office, x->code))
			continue;
		db_bin_text(&offices, x->office);
		db_bin_text(&codes, x->code);
	}
	it->old = db_query_bin(conn, "items: old states", old_sql[it->feedback], &offices, &codes,
	                       err, errlen);
	db_buf_free(&offices);
	db_buf_free(&codes);
	return it->old ? 0 : -1;
}

/* ---- the registry ---- */

typedef struct unit_row {
	const char *code, *snapshot;
	int32_t snapshot_days; /* since 2000-01-01, as a binary date */
	int level;
	int64_t from, to;
} unit_row;

struct items_units {
	PGresult *r;
	unit_row *u;
	size_t n;
};

void items_units_free(items_units *uc)
{
	if (!uc)
		return;
	PQclear(uc->r);
	free(uc->u);
	free(uc);
}

void items_shared_clear(items_shared *sh)
{
	items_units_free(sh->units);
	memset(sh, 0, sizeof *sh);
}

int items_units_load(PGconn *conn, items_units **out, char *err, size_t errlen)
{
	items_units *uc = calloc(1, sizeof *uc);

	*out = NULL;
	if (!uc) {
		snprintf(err, errlen, "items: out of memory");
		return -1;
	}
	uc->r = db_query(conn, "items: units", units_sql, 0, NULL, err, errlen);
	if (!uc->r) {
		items_units_free(uc);
		return -1;
	}
	uc->n = (size_t)PQntuples(uc->r);
	uc->u = malloc((uc->n + 1) * sizeof *uc->u);
	if (!uc->u) {
		items_units_free(uc);
		snprintf(err, errlen, "items: out of memory");
		return -1;
	}
	for (size_t i = 0; i < uc->n; i++)
		uc->u[i] = (unit_row){
		    PQgetvalue(uc->r, (int)i, 0),       PQgetvalue(uc->r, (int)i, 1),
		    atoi(PQgetvalue(uc->r, (int)i, 2)), atoi(PQgetvalue(uc->r, (int)i, 3)),
		    db_get_ms(uc->r, (int)i, 4),        db_get_ms(uc->r, (int)i, 5)};
	*out = uc;
	return 0;
}

/* The registry into sh, unless an earlier write of the transaction read it. */
static int registry_load(PGconn *conn, items_shared *sh, char *err, size_t errlen)
{
	return sh->units ? 0 : items_units_load(conn, &sh->units, err, errlen);
}

/* The unit of office valid at instant t: of the rows of the code, the latest start that holds t
 * (the rows are ordered by code bytewise, then start descending). NULL when none. */
static const unit_row *registry_unit_at(const items_units *uc, const char *office, int64_t t)
{
	size_t lo = 0, hi = uc->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(uc->u[mid].code, office) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < uc->n && !strcmp(uc->u[i].code, office); i++)
		if (t >= uc->u[i].from && t < uc->u[i].to)
			return &uc->u[i];
	return NULL;
}

/* ---- state rows as binary COPY ---- */

/* office, code, anchor_at and the unit columns, the start of both kinds' rows (ev NULL below: the
 * packed events are NULL). */
static void bin_head(db_buf *b, int ncols, const char *office, const char *code, int64_t anchor,
                     const unit_row *u)
{
	db_bin_row(b, ncols);
	db_bin_text(b, office);
	db_bin_text(b, code);
	db_bin_ts(b, anchor);
	if (u) {
		db_bin_i32(b, u->snapshot_days);
		db_bin_bound(b, u->from);
		db_bin_bound(b, u->to);
		db_bin_i16(b, u->level);
	} else {
		for (int i = 0; i < 4; i++)
			db_bin_null(b);
	}
}

static void bin_dossier(db_buf *b, const char *office, const char *code, const unit_row *u,
                        const dossier_state *s, const dossier_event *ev, size_t n)
{
	bin_head(b, D_NCOLS, office, code, s->anchor_at, u);
	db_bin_text(b, s->procedure);
	db_bin_text(b, s->field);
	db_bin_i16(b, s->channel);
	db_bin_bool(b, s->has_received);
	db_bin_ts(b, s->received_at);
	db_bin_ts(b, s->due_ms);
	db_bin_ts_array(b, &s->dues[0].from_ms, s->n_dues, sizeof s->dues[0]);
	db_bin_ts_array(b, &s->dues[0].due_ms, s->n_dues, sizeof s->dues[0]);
	db_bin_ts_array(b, &s->waits[0].from_ms, s->n_waits, sizeof s->waits[0]);
	db_bin_ts_array(b, &s->waits[0].to_ms, s->n_waits, sizeof s->waits[0]);
	db_bin_bool(b, s->supplement_waiting);
	db_bin_ts(b, s->finished_at);
	db_bin_i16(b, s->finish_kind);
	db_bin_i16(b, s->resolved_class);
	db_bin_ts(b, s->submitted_at);
	db_bin_ts(b, s->waiting_end_at);
	db_bin_ts(b, s->not_accepted_at);
	db_bin_ts(b, s->delivered_at);
	db_bin_ts(b, s->paid_online_at);
	db_bin_ts(b, s->digitized_at);
	db_bin_i32(b, s->anomalies);
	db_bin_i32(b, (int32_t)s->events);
	if (ev) {
		size_t at = db_bin_open(b);
		evblob_put_dossier(b, ev, n);
		db_bin_close(b, at);
	} else {
		db_bin_null(b);
	}
	db_bin_i16(b, s->rating);
}

static void bin_feedback(db_buf *b, const char *office, const char *code, const unit_row *u,
                         const feedback_state *s, const feedback_event *ev, size_t n)
{
	bin_head(b, F_NCOLS, office, code, s->anchor_at, u);
	db_bin_bool(b, s->has_received);
	db_bin_ts(b, s->received_at);
	db_bin_i16(b, s->topic);
	db_bin_ts(b, s->resolved_at);
	db_bin_ts(b, s->published_at);
	db_bin_i32(b, s->anomalies);
	db_bin_i32(b, (int32_t)s->events);
	if (ev) {
		size_t at = db_bin_open(b);
		evblob_put_feedback(b, ev, n);
		db_bin_close(b, at);
	} else {
		db_bin_null(b);
	}
	db_bin_ts(b, s->deadline);
}

void items_row_dossier(db_buf *b, const items_units *uc, const char *office, const char *code,
                       const dossier_state *s, const dossier_event *ev, size_t n)
{
	bin_dossier(b, office, code, registry_unit_at(uc, office, s->anchor_at), s, ev, n);
}

void items_row_feedback(db_buf *b, const items_units *uc, const char *office, const char *code,
                        const feedback_state *s, const feedback_event *ev, size_t n)
{
	bin_feedback(b, office, code, registry_unit_at(uc, office, s->anchor_at), s, ev, n);
}

/* ---- deriving the new states ---- */

typedef struct work {
	items *it;
	const items_units *units;
	agg_acc *acc;
	db_buf fresh, stage; /* rows of new items / of items with a row */
	size_t nfresh, nstage;
	dossier_event *de;
	feedback_event *fe;
	size_t cap_d, cap_f;
	char **strings; /* decoded blobs' strings, alive until the aggregates are stored */
	size_t nstrings, cap_strings;
	int oom;
} work;

static int keep_strings(work *w, char *s)
{
	if (!s)
		return 0;
	if (grow_array((void **)&w->strings, &w->cap_strings, w->nstrings + 1,
	               sizeof *w->strings) != 0) {
		free(s);
		return -1;
	}
	w->strings[w->nstrings++] = s;
	return 0;
}

/* The old events of the item at old row `o`, from its packed events. */
static int old_events(work *w, int o, size_t *n, char *err, size_t errlen)
{
	items *it = w->it;
	const char *blob = PQgetvalue(it->old, o, 4);
	char *strings = NULL;
	int rc;

	*n = 0;
	rc = it->feedback ? evblob_get_feedback(blob, &w->fe, n, &w->cap_f)
	                  : evblob_get_dossier(blob, &w->de, n, &w->cap_d, &strings);
	if (rc != 0 || keep_strings(w, strings) != 0) {
		snprintf(err, errlen, "items: the packed events of %s %s / %s cannot be read",
		         it->feedback ? "feedback" : "dossier", PQgetvalue(it->old, o, 0),
		         PQgetvalue(it->old, o, 1));
		return -1;
	}
	return 0;
}

/* One item: candidates ord[a..z) (at least one accepted); old row o or -1. */
static int one_item(work *w, size_t a, size_t z, int o, char *err, size_t errlen)
{
	items *it = w->it;
	const cand *first = it->ord[a];
	size_t nold = 0, n;

	if (o >= 0 && old_events(w, o, &nold, err, errlen) != 0)
		return -1;
	n = nold;
	for (size_t i = a; i < z; i++) {
		const cand *x = it->ord[i];
		if (!x->accepted)
			continue;
		if (it->feedback ? grow_array((void **)&w->fe, &w->cap_f, n + 1, sizeof *w->fe)
		                 : grow_array((void **)&w->de, &w->cap_d, n + 1, sizeof *w->de))
			goto oom;
		if (it->feedback)
			w->fe[n++] = x->f;
		else
			w->de[n++] = x->d;
	}
	const char *old_snap = o >= 0 ? PQgetvalue(it->old, o, 2) : NULL;
	int old_level = o >= 0 ? atoi(PQgetvalue(it->old, o, 3)) : 0;
	db_buf *out = o >= 0 ? &w->stage : &w->fresh;
	++*(o >= 0 ? &w->nstage : &w->nfresh);

	if (it->feedback) {
		feedback_state os, ns;
		if ((nold && feedback_state_from_events(w->fe, nold, &os) != 0) ||
		    feedback_state_from_events(w->fe, n, &ns) != 0)
			goto oom;
		const unit_row *u = registry_unit_at(w->units, first->office, ns.anchor_at);
		if (nold)
			agg_acc_feedback(w->acc, first->office, old_snap, old_level, &os, -1);
		agg_acc_feedback(w->acc, first->office, u ? u->snapshot : "-infinity",
		                 u ? u->level : 0, &ns, 1);
		bin_feedback(out, first->office, first->code, u, &ns, w->fe, n);
		return 0;
	}
	dossier_state os = {0}, ns = {0};
	if ((nold && dossier_state_from_events(w->de, nold, &os) != 0) ||
	    dossier_state_from_events(w->de, n, &ns) != 0) {
		dossier_state_free(&os);
		goto oom;
	}
	const unit_row *u = registry_unit_at(w->units, first->office, ns.anchor_at);
	if (nold)
		agg_acc_dossier(w->acc, first->office, old_snap, old_level, &os, -1);
	agg_acc_dossier(w->acc, first->office, u ? u->snapshot : "-infinity", u ? u->level : 0, &ns,
	                1);
	bin_dossier(out, first->office, first->code, u, &ns, w->de, n);
	dossier_state_free(&os);
	dossier_state_free(&ns);
	return 0;
oom:
	snprintf(err, errlen, "items: out of memory");
	return -1;
}

static int derive(work *w, char *err, size_t errlen)
{
	items *it = w->it;
	int o = 0, no = PQntuples(it->old);

	for (size_t a = 0, z; a < it->n; a = z) {
		const cand *x = it->ord[a];
		int any = 0, c = 1;
		for (z = a; z < it->n; z++) {
			const cand *y = it->ord[z];
			if (cmp_code(x->office, x->code, y->office, y->code))
				break;
			any |= y->accepted;
		}
		/* the old rows come in the same order: advance to this item's, if it has one */
		while (o < no && (c = cmp_code(PQgetvalue(it->old, o, 0), PQgetvalue(it->old, o, 1),
		                               x->office, x->code)) < 0)
			o++;
		if (any && one_item(w, a, z, o < no && c == 0 ? o : -1, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int items_write(PGconn *conn, items *it, items_shared *sh, char *err, size_t errlen)
{
	work w = {.it = it};
	int rc = -1;

	if (it->naccepted == 0)
		return 0;
	w.acc = agg_acc_new();
	if (!w.acc) {
		snprintf(err, errlen, "items: out of memory");
		return -1;
	}
	db_bin_start(&w.fresh);
	db_bin_start(&w.stage);
	if (registry_load(conn, sh, err, errlen) != 0)
		goto out;
	w.units = sh->units;
	if (derive(&w, err, errlen) != 0)
		goto out;
	db_bin_end(&w.fresh);
	db_bin_end(&w.stage);
	/* the aggregates first: a rebuild reads the state rows as they were before this batch */
	if (!sh->agg_ready && agg_prepare(conn, err, errlen) != 0)
		goto out;
	sh->agg_ready = 1;
	if (agg_store(conn, w.acc, it->feedback, sh->part, err, errlen) != 0)
		goto out;
	if (w.nfresh && db_copy(conn, "items: new states", copy_new_sql[it->feedback], &w.fresh,
	                        err, errlen) != 0)
		goto out;
	if (w.nstage) {
		if (db_exec(conn, "items: staging", staging_sql, err, errlen) != 0 ||
		    db_copy(conn, "items: changed states", copy_stage_sql[it->feedback], &w.stage,
		            err, errlen) != 0)
			goto out;
		PGresult *r = db_query(conn, "items: changed states", upsert_sql[it->feedback], 0,
		                       NULL, err, errlen);
		if (!r)
			goto out;
		PQclear(r);
	}
	rc = 0;
out:
	agg_acc_free(w.acc);
	db_buf_free(&w.fresh);
	db_buf_free(&w.stage);
	free(w.de);
	free(w.fe);
	for (size_t i = 0; i < w.nstrings; i++)
		free(w.strings[i]);
	free(w.strings);
	return rc;
}

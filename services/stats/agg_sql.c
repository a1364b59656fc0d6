/* agg sql: the aggregates in PostgreSQL (sql/005, 008, 010): the accumulator's cells written
 * through binary COPY into staging tables and upserted (dossier days and months, feedback days),
 * the rebuild from the state tables through a cursor, and whether the aggregates are built for
 * the current registry and time zone. The contributions themselves are agg_cells.c's. */
#include "stats_agg.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "grow.h"
#include "stats_agg_cells.h"
#include "stats_db.h"
#include "stats_state.h"

#define FETCH_ROWS "5000"

/* clang-format off */
#define MS(x) "(extract(epoch FROM " x ") * 1000)::bigint"
/* A timestamptz[] as "ms,ms,..." ('infinity' as INT64_MAX). Written out here rather than as a SQL
 * function: PostgreSQL cannot inline a function holding a sub-select, and calling one costs
 * ~5 µs a row, more than everything else of the statement. */
#define MSARR(a) \
	"array_to_string(ARRAY(SELECT CASE WHEN w.v = 'infinity' THEN 9223372036854775807 " \
	"ELSE " MS("w.v") " END FROM unnest(" a ") WITH ORDINALITY AS w(v, n) ORDER BY w.n), ',')"
/* The columns a dossier contribution needs; s is a state row with unit_snapshot and level. */
#define DOSSIER_COLS \
	"s.office, COALESCE(s.unit_snapshot, '-infinity')::text, COALESCE(s.level, 0), s.field, " \
	"s.channel, " MS("s.received_at") ", " MS("s.finished_at") ", s.finish_kind, " \
	"s.resolved_class, " MS("s.submitted_at") ", " MS("s.waiting_end_at") ", " \
	MS("s.not_accepted_at") ", s.paid_online_at IS NOT NULL, s.digitized_at IS NOT NULL, " \
	MSARR("s.due_from") ", " MSARR("s.due_val") ", " MSARR("s.supp_from") ", " \
	MSARR("s.supp_to") ", s.rating"
#define FEEDBACK_COLS \
	"s.office, COALESCE(s.unit_snapshot, '-infinity')::text, COALESCE(s.level, 0), " \
	"CASE WHEN s.has_received THEN " MS("s.received_at") " END, s.topic, " \
	MS("s.resolved_at") ", " MS("s.published_at") ", " MS("s.deadline")
static const char dossier_all_cursor[] =
    "DECLARE agg_st NO SCROLL CURSOR FOR SELECT 1, " DOSSIER_COLS " FROM dossier_state s";
static const char feedback_all_cursor[] =
    "DECLARE agg_st NO SCROLL CURSOR FOR SELECT 1, " FEEDBACK_COLS " FROM feedback_state s";

#define D_LIST AGG_DOSSIER_COLUMNS
#define F_LIST \
	"received, about_regulation, about_behavior, resolved, published, d_open, " \
	"resolved_on_time, d_overdue"
#define ADD(t, c) c " = " t "." c " + EXCLUDED." c
/* The staged cells carry agg_key ids (resolved in C) and come merged: one row per (key, day), so
 * the upsert touches no row twice. $1 is the writer's part (sql/010): each writer adds to rows of
 * its own, so two writers never wait for each other's rows; readers sum the parts. The province
 * column takes its default (sql/013) and leads the key the conflict is found on. DELETE …
 * RETURNING empties the stage for the next flush of the same transaction (a rebuild flushes per
 * chunk of states). */
#define UPSERT(t, stage, bucket, list) \
	"WITH s AS (DELETE FROM " stage " RETURNING *) INSERT INTO " t " (key, " bucket ", part, " \
	list ") SELECT key, " bucket ", $1::smallint, " list " FROM s " \
	"ON CONFLICT (province, key, " bucket ", part) DO UPDATE SET "
#define D_SET(t) \
	ADD(t, "received") ", " ADD(t, "received_online") ", " ADD(t, "received_direct") ", " \
	ADD(t, "received_postal") ", " ADD(t, "resolved") ", " ADD(t, "resolved_early") ", " \
	ADD(t, "resolved_on_time") ", " ADD(t, "resolved_late") ", " ADD(t, "returned") ", " \
	ADD(t, "withdrawn") ", " ADD(t, "not_accepted") ", " ADD(t, "paid_online") ", " \
	ADD(t, "digitized") ", " ADD(t, "d_open") ", " ADD(t, "d_overdue") ", " \
	ADD(t, "d_waiting") ", " ADD(t, "rated_satisfied") ", " ADD(t, "rated_unsatisfied") ", " \
	ADD(t, "rated_unsatisfied_late")
#define D_UPSERT(t) UPSERT(t, "stage_agg_day", "day", D_LIST) D_SET(t)
/* The month rows (sql/008), summed in C from the same cells. */
#define M "dossier_agg_month"
static const char month_upsert_sql[] = UPSERT(M, "stage_agg_month", "month", D_LIST) D_SET(M);
#undef M
#define F_UPSERT(t) \
	UPSERT(t, "stage_agg_feedback", "day", F_LIST) \
	ADD(t, "received") ", " ADD(t, "about_regulation") ", " ADD(t, "about_behavior") ", " \
	ADD(t, "resolved") ", " ADD(t, "published") ", " ADD(t, "d_open") ", " \
	ADD(t, "resolved_on_time") ", " ADD(t, "d_overdue")
/* clang-format on */

/* Column types match the binary COPY rows of flush(): integer throughout. */
/* clang-format off */
#define D_STAGE(name, bucket) \
	"CREATE TEMP TABLE IF NOT EXISTS " name " (key integer, " bucket " integer, " \
	"received integer, received_online integer, received_direct integer, " \
	"received_postal integer, resolved integer, resolved_early integer, " \
	"resolved_on_time integer, resolved_late integer, returned integer, withdrawn integer, " \
	"not_accepted integer, paid_online integer, digitized integer, d_open integer, " \
	"d_overdue integer, d_waiting integer, rated_satisfied integer, rated_unsatisfied integer, " \
	"rated_unsatisfied_late integer) ON COMMIT DELETE ROWS;"
static const char staging_sql[] =
	D_STAGE("stage_agg_day", "day") D_STAGE("stage_agg_month", "month")
	"CREATE TEMP TABLE IF NOT EXISTS stage_agg_feedback (key integer, day integer, "
	"received integer, about_regulation integer, about_behavior integer, resolved integer, "
	"published integer, d_open integer, resolved_on_time integer, d_overdue integer) "
	"ON COMMIT DELETE ROWS";
#undef D_STAGE
/* clang-format on */

static const char fresh_sql[] =
    "SELECT units_ok AND timezone IS NOT DISTINCT FROM $1 FROM agg_meta WHERE id = 1";

static const char *tz_name(void)
{
	const char *tz = getenv("TZ");
	return tz ? tz : "";
}

/* Parses "ms,ms,..." (MSARR) into out (n at most cap). Returns the count. */
static size_t parse_ms_array(const char *s, int64_t *out, size_t stride, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		char *end;
		int64_t v = strtoll(s, &end, 10);
		if (end == s)
			break;
		*(int64_t *)((char *)out + n * stride) = v;
		n++;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static size_t count_elems(const char *s)
{
	size_t n = 0;

	if (!*s)
		return 0;
	for (n = 1; *s; s++)
		n += *s == ',';
	return n;
}

/* Room for one dossier's due history and waits, reused from row to row. */
typedef struct row_scratch {
	state_due *dues;
	state_wait *waits;
	size_t dues_cap, waits_cap;
} row_scratch;

/* Adds the contribution of the dossier state in row i (columns of DOSSIER_COLS after the sign),
 * as far as a contribution looks at it: the due history and waits go to sc. */
static void dossier_row(agg_acc *o, row_scratch *sc, const PGresult *r, int i)
{
	int sign = atoi(PQgetvalue(r, i, 0));
	uint32_t k = agg_acc_key(o, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
	                         atoi(PQgetvalue(r, i, 3)), PQgetvalue(r, i, 4));
	const char *df = PQgetvalue(r, i, 15), *dv = PQgetvalue(r, i, 16);
	const char *wf = PQgetvalue(r, i, 17), *wt = PQgetvalue(r, i, 18);
	size_t nd = count_elems(df), nw = count_elems(wf);
	dossier_state s = {0};

	s.channel = atoi(PQgetvalue(r, i, 5));
	s.received_at = db_get_ms(r, i, 6);
	s.finished_at = db_get_ms(r, i, 7);
	s.finish_kind = atoi(PQgetvalue(r, i, 8));
	s.resolved_class = atoi(PQgetvalue(r, i, 9));
	s.submitted_at = db_get_ms(r, i, 10);
	s.waiting_end_at = db_get_ms(r, i, 11);
	s.not_accepted_at = db_get_ms(r, i, 12);
	s.paid_online_at = !strcmp(PQgetvalue(r, i, 13), "t") ? 0 : STATE_NO_TIME;
	s.digitized_at = !strcmp(PQgetvalue(r, i, 14), "t") ? 0 : STATE_NO_TIME;
	s.rating = atoi(PQgetvalue(r, i, 19));
	if (grow_array((void **)&sc->dues, &sc->dues_cap, nd + 1, sizeof *sc->dues) != 0 ||
	    grow_array((void **)&sc->waits, &sc->waits_cap, nw + 1, sizeof *sc->waits) != 0) {
		o->oom = 1;
		return;
	}
	s.dues = sc->dues;
	s.waits = sc->waits;
	s.n_dues = parse_ms_array(df, &sc->dues[0].from_ms, sizeof *sc->dues, nd);
	if (parse_ms_array(dv, &sc->dues[0].due_ms, sizeof *sc->dues, nd) != s.n_dues)
		s.n_dues = 0; /* cannot happen: both arrays are written together */
	s.n_waits = parse_ms_array(wf, &sc->waits[0].from_ms, sizeof *sc->waits, nw);
	if (parse_ms_array(wt, &sc->waits[0].to_ms, sizeof *sc->waits, nw) != s.n_waits)
		s.n_waits = 0;
	agg_acc_add_dossier(o, k, &s, sign);
}

/* The feedback state in row i (columns of FEEDBACK_COLS after the sign). */
static void feedback_row(agg_acc *o, const PGresult *r, int i)
{
	uint32_t k = agg_acc_key(o, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
	                         atoi(PQgetvalue(r, i, 3)), NULL);
	feedback_state s = {0};

	s.received_at = db_get_ms(r, i, 4);
	s.has_received = s.received_at != STATE_NO_TIME;
	s.topic = atoi(PQgetvalue(r, i, 5));
	s.resolved_at = db_get_ms(r, i, 6);
	s.published_at = db_get_ms(r, i, 7);
	s.deadline = db_get_ms(r, i, 8);
	agg_acc_add_feedback(o, k, &s, atoi(PQgetvalue(r, i, 0)));
}

/* A cell to write: its key id, day (or month) and measures. */
typedef struct out_cell {
	int32_t key, day;
	const int64_t *m;
} out_cell;

static int out_cmp(const void *pa, const void *pb)
{
	const out_cell *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->day > b->day) - (a->day < b->day);
}

/* The cells as binary COPY rows (key, day, measures), in key order (the upsert then walks the
 * primary key in order). -1 when a count does not fit the integer columns. */
static int copy_rows(db_buf *buf, out_cell *c, size_t n, int nm)
{
	qsort(c, n, sizeof *c, out_cmp);
	db_bin_start(buf);
	for (size_t i = 0; i < n; i++) {
		db_bin_row(buf, 2 + nm);
		db_bin_i32(buf, c[i].key);
		db_bin_i32(buf, c[i].day);
		for (int q = 0; q < nm; q++) {
			if (c[i].m[q] < INT32_MIN || c[i].m[q] > INT32_MAX)
				return -1;
			db_bin_i32(buf, (int32_t)c[i].m[q]);
		}
	}
	db_bin_end(buf);
	return 0;
}

/* The day cells summed by reporting month: months gets one cell per (key id, month), out the
 * same as cells to write. */
static int month_cells(const out_cell *days, size_t n, agg_cells *months, out_cell **out)
{
	for (size_t i = 0; i < n; i++)
		if (agg_cells_add_to_month(months, (uint32_t)days[i].key, days[i].day, days[i].m) !=
		    0)
			return -1;
	if (!(*out = malloc((months->n + 1) * sizeof **out)))
		return -1;
	for (size_t i = 0; i < months->n; i++)
		(*out)[i] = (out_cell){(int32_t)months->c[i].key, months->c[i].day, months->c[i].m};
	return 0;
}

/* Writes o's cells (the ones not cancelled out) into `table` through the staging table, and the
 * month rows with them for dossiers (not for --verify's expected tables). Empties o, but for the
 * stored keys it read. */
static int flush(PGconn *conn, agg_acc *o, int feedback, int expect, int part, char *err,
                 size_t errlen)
{
	int nm = feedback ? AGG_NFB : AGG_ND;
	db_buf buf = {0};
	out_cell *days = NULL, *months = NULL;
	agg_cells mtab = {0};
	size_t n = 0;
	int rc = -1;

	if (o->oom) {
		snprintf(err, errlen, "aggregates: out of memory");
		goto out;
	}
	if (o->cells.n == 0) {
		rc = 0;
		goto out;
	}
	if (agg_keys_resolve(conn, &o->keys, err, errlen) != 0)
		goto out;
	days = malloc(o->cells.n * sizeof *days);
	if (!days)
		goto oom;
	for (size_t i = 0; i < o->cells.n; i++) {
		const agg_cell *c = &o->cells.c[i];
		int nonzero = 0;
		for (int q = 0; q < nm; q++)
			nonzero |= c->m[q] != 0;
		if (nonzero)
			days[n++] = (out_cell){o->keys.v[c->key].id, c->day, c->m};
	}
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (!feedback && !expect && month_cells(days, n, &mtab, &months) != 0)
		goto oom;
	if (copy_rows(&buf, days, n, nm) != 0)
		goto overflow;
	if (db_copy(conn, "aggregates: copy",
	            feedback ? "COPY stage_agg_feedback FROM STDIN (FORMAT binary)"
	                     : "COPY stage_agg_day FROM STDIN (FORMAT binary)",
	            &buf, err, errlen) != 0)
		goto out;
	static const char *const upsert[2][2] = {
	    {D_UPSERT("dossier_agg"), D_UPSERT("agg_expect_dossier")},
	    {F_UPSERT("feedback_agg"), F_UPSERT("agg_expect_feedback")},
	};
	char pbuf[12];
	const char *params[1] = {pbuf};
	snprintf(pbuf, sizeof pbuf, "%d", part);
	PGresult *u =
	    db_query(conn, "aggregates: upsert", upsert[feedback][expect], 1, params, err, errlen);
	if (!u)
		goto out;
	PQclear(u);
	if (mtab.n) {
		db_buf_free(&buf);
		if (copy_rows(&buf, months, mtab.n, AGG_ND) != 0)
			goto overflow;
		if (db_copy(conn, "aggregates: copy months",
		            "COPY stage_agg_month FROM STDIN (FORMAT binary)", &buf, err,
		            errlen) != 0 ||
		    !(u = db_query(conn, "aggregates: months", month_upsert_sql, 1, params, err,
		                   errlen)))
			goto out;
		PQclear(u);
	}
	rc = 0;
	goto out;
overflow:
	snprintf(err, errlen, "aggregates: a count of one (unit, field, day) exceeds 2^31");
	goto out;
oom:
	snprintf(err, errlen, "aggregates: out of memory");
out:
	db_buf_free(&buf);
	free(days);
	free(months);
	agg_cells_free(&mtab);
	agg_acc_reset(o);
	return rc;
}

/* Adds every state of one kind to the aggregates (or to the verify tables), through a cursor:
 * memory holds a chunk of states and their contributions, never the table. */
static int add_all(PGconn *conn, int feedback, int expect, char *err, size_t errlen)
{
	agg_acc o = {0};
	row_scratch sc = {0};
	int rc = -1;

	if (db_exec(conn, "aggregates: cursor", feedback ? feedback_all_cursor : dossier_all_cursor,
	            err, errlen) != 0)
		return -1;
	for (;;) {
		PGresult *r = db_query(conn, "aggregates: fetch",
		                       "FETCH " FETCH_ROWS " FROM agg_st", 0, NULL, err, errlen);
		if (!r)
			goto out;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			if (feedback)
				feedback_row(&o, r, i);
			else
				dossier_row(&o, &sc, r, i);
		}
		/* the rows point into r: flush before it goes */
		int f = flush(conn, &o, feedback, expect, 0, err, errlen);
		PQclear(r);
		if (f != 0)
			goto out;
		if (n == 0)
			break;
	}
	rc = db_exec(conn, "aggregates: close cursor", "CLOSE agg_st", err, errlen);
out:
	agg_acc_release(&o);
	free(sc.dues);
	free(sc.waits);
	return rc;
}

int agg_rebuild(PGconn *conn, char *err, size_t errlen)
{
	const char *params[1] = {tz_name()};

	if (db_exec(conn, "aggregates: staging", staging_sql, err, errlen) != 0 ||
	    /* DELETE, not TRUNCATE: a report reading in an older snapshot must still see them */
	    db_exec(
	        conn, "aggregates: clear",
	        "DELETE FROM dossier_agg; DELETE FROM dossier_agg_month; DELETE FROM feedback_agg",
	        err, errlen) != 0 ||
	    add_all(conn, 0, 0, err, errlen) != 0 || add_all(conn, 1, 0, err, errlen) != 0)
		return -1;
	PGresult *r = db_query(conn, "aggregates: meta",
	                       "UPDATE agg_meta SET units_ok = true, timezone = $1 "
	                       "WHERE id = 1",
	                       1, params, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int agg_rebuild_feedback(PGconn *conn, char *err, size_t errlen)
{
	if (db_exec(conn, "aggregates: staging", staging_sql, err, errlen) != 0 ||
	    db_exec(conn, "aggregates: clear feedback", "DELETE FROM feedback_agg", err, errlen) !=
	        0)
		return -1;
	return add_all(conn, 1, 0, err, errlen);
}

int agg_expect(PGconn *conn, char *err, size_t errlen)
{
	if (db_exec(conn, "verify: aggregates staging",
	            "CREATE TEMP TABLE agg_expect_dossier (LIKE dossier_agg INCLUDING ALL) "
	            "ON COMMIT DROP; CREATE TEMP TABLE agg_expect_feedback (LIKE feedback_agg "
	            "INCLUDING ALL) ON COMMIT DROP",
	            err, errlen) != 0 ||
	    db_exec(conn, "verify: aggregates staging", staging_sql, err, errlen) != 0 ||
	    add_all(conn, 0, 1, err, errlen) != 0 || add_all(conn, 1, 1, err, errlen) != 0)
		return -1;
	return 0;
}

int agg_fresh(PGconn *conn, int *ok, char *err, size_t errlen)
{
	const char *params[1] = {tz_name()};
	PGresult *r = db_query(conn, "aggregates: freshness", fresh_sql, 1, params, err, errlen);

	if (!r)
		return -1;
	*ok = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return 0;
}

int agg_prepare(PGconn *conn, char *err, size_t errlen)
{
	int ok;

	if (db_exec(conn, "aggregates: staging", staging_sql, err, errlen) != 0 ||
	    agg_fresh(conn, &ok, err, errlen) != 0)
		return -1;
	/* Built for another registry (units re-resolved) or time zone, or never (an upgraded
	 * database): rebuild from the states as they are before this batch, then apply it. */
	return ok ? 0 : agg_rebuild(conn, err, errlen);
}

int agg_store(PGconn *conn, agg_acc *a, int feedback, int part, char *err, size_t errlen)
{
	return flush(conn, a, feedback, 0, part, err, errlen);
}

int agg_covers(PGconn *conn, int64_t from_ms, int64_t to_ms, int *ok, int32_t *day_from,
               int32_t *day_to, char *err, size_t errlen)
{
	*ok = 0;
	*day_from = (int32_t)cal_local_day(from_ms);
	*day_to = (int32_t)cal_local_day(to_ms);
	if (cal_day_start(*day_from) != from_ms || cal_day_start(*day_to) != to_ms)
		return 0;
	return agg_fresh(conn, ok, err, errlen);
}

/* agg: keeps dossier_agg and feedback_agg (sql/005_aggregates.sql) equal to what the state tables
 * say, by subtracting an item's old contribution and adding its new one in the store transaction.
 * A contribution is computed in C from the state row: flows on the local day of their event, and
 * stocks as +1/-1 changes found by evaluating the stock at each local midnight where it can change,
 * so "overdue at a period's end" is a prefix sum like the others (docs/decisions.md). */
#include "stats_agg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "grow.h"
#include "hashidx.h"
#include "stats_db.h"
#include "stats_state.h"

#define FETCH_ROWS "5000"

/* Measures, in the column order of dossier_agg / feedback_agg after the key. */
enum {
	D_RECEIVED,
	D_ONLINE,
	D_DIRECT,
	D_POSTAL,
	D_RESOLVED,
	D_EARLY,
	D_ON_TIME,
	D_LATE,
	D_RETURNED,
	D_WITHDRAWN,
	D_NOT_ACCEPTED,
	D_PAID,
	D_DIGITIZED,
	D_OPEN,
	D_OVERDUE,
	D_WAITING,
	ND
};
enum { F_RECEIVED, F_REGULATION, F_BEHAVIOR, F_RESOLVED, F_PUBLISHED, F_OPEN, NFB };

/* Proto enum values as stored (channel, finish kind, class, topic). */
enum { CH_DIRECT = 1, CH_ONLINE = 2, CH_POSTAL = 3 };
enum { FIN_RESOLVED = 6, FIN_RETURNED = 7, FIN_WITHDRAWN = 8 };
enum { TOPIC_REGULATION = 1, TOPIC_BEHAVIOR = 2 };

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
	MSARR("s.supp_to")
#define FEEDBACK_COLS \
	"s.office, COALESCE(s.unit_snapshot, '-infinity')::text, COALESCE(s.level, 0), " \
	"CASE WHEN s.has_received THEN " MS("s.received_at") " END, s.topic, " \
	MS("s.resolved_at") ", " MS("s.published_at")
static const char dossier_all_cursor[] =
    "DECLARE agg_st NO SCROLL CURSOR FOR SELECT 1, " DOSSIER_COLS " FROM dossier_state s";
static const char feedback_all_cursor[] =
    "DECLARE agg_st NO SCROLL CURSOR FOR SELECT 1, " FEEDBACK_COLS " FROM feedback_state s";

#define D_LIST AGG_DOSSIER_COLUMNS
#define F_LIST "received, about_regulation, about_behavior, resolved, published, d_open"
#define ADD(t, c) c " = " t "." c " + EXCLUDED." c
/* The staged cells carry agg_key ids (resolved in C) and come merged: one row per (key, day), so
 * the upsert touches no row twice. $1 is the writer's part (sql/010): each writer adds to rows of
 * its own, so two writers never wait for each other's rows; readers sum the parts. DELETE …
 * RETURNING empties the stage for the next flush of the same transaction (a rebuild flushes per
 * chunk of states). */
#define UPSERT(t, stage, bucket, list) \
	"WITH s AS (DELETE FROM " stage " RETURNING *) INSERT INTO " t " (key, " bucket ", part, " \
	list ") SELECT key, " bucket ", $1::smallint, " list " FROM s " \
	"ON CONFLICT (key, " bucket ", part) DO UPDATE SET "
#define D_SET(t) \
	ADD(t, "received") ", " ADD(t, "received_online") ", " ADD(t, "received_direct") ", " \
	ADD(t, "received_postal") ", " ADD(t, "resolved") ", " ADD(t, "resolved_early") ", " \
	ADD(t, "resolved_on_time") ", " ADD(t, "resolved_late") ", " ADD(t, "returned") ", " \
	ADD(t, "withdrawn") ", " ADD(t, "not_accepted") ", " ADD(t, "paid_online") ", " \
	ADD(t, "digitized") ", " ADD(t, "d_open") ", " ADD(t, "d_overdue") ", " \
	ADD(t, "d_waiting")
#define D_UPSERT(t) UPSERT(t, "stage_agg_day", "day", D_LIST) D_SET(t)
/* The month rows (sql/008), summed in C from the same cells. */
#define M "dossier_agg_month"
static const char month_upsert_sql[] = UPSERT(M, "stage_agg_month", "month", D_LIST) D_SET(M);
#undef M
/* Used by --verify's month check. */
#define D_SUMS \
	"sum(s.received), sum(s.received_online), sum(s.received_direct), sum(s.received_postal), " \
	"sum(s.resolved), sum(s.resolved_early), sum(s.resolved_on_time), sum(s.resolved_late), " \
	"sum(s.returned), sum(s.withdrawn), sum(s.not_accepted), sum(s.paid_online), " \
	"sum(s.digitized), sum(s.d_open), sum(s.d_overdue), sum(s.d_waiting)"
/* The stored parts of a (key, day) summed, under the columns' own names (--verify). */
#define D_SUMS_AS \
	"sum(s.received) AS received, sum(s.received_online) AS received_online, " \
	"sum(s.received_direct) AS received_direct, sum(s.received_postal) AS received_postal, " \
	"sum(s.resolved) AS resolved, sum(s.resolved_early) AS resolved_early, " \
	"sum(s.resolved_on_time) AS resolved_on_time, sum(s.resolved_late) AS resolved_late, " \
	"sum(s.returned) AS returned, sum(s.withdrawn) AS withdrawn, " \
	"sum(s.not_accepted) AS not_accepted, sum(s.paid_online) AS paid_online, " \
	"sum(s.digitized) AS digitized, sum(s.d_open) AS d_open, sum(s.d_overdue) AS d_overdue, " \
	"sum(s.d_waiting) AS d_waiting"
#define F_SUMS_AS \
	"sum(s.received) AS received, sum(s.about_regulation) AS about_regulation, " \
	"sum(s.about_behavior) AS about_behavior, sum(s.resolved) AS resolved, " \
	"sum(s.published) AS published, sum(s.d_open) AS d_open"
#define F_UPSERT(t) \
	UPSERT(t, "stage_agg_feedback", "day", F_LIST) \
	ADD(t, "received") ", " ADD(t, "about_regulation") ", " ADD(t, "about_behavior") ", " \
	ADD(t, "resolved") ", " ADD(t, "published") ", " ADD(t, "d_open")
/* clang-format on */

/* Column types match the binary COPY rows of flush(): integer throughout. */
/* clang-format off */
#define D_STAGE(name, bucket) \
	"CREATE TEMP TABLE IF NOT EXISTS " name " (key integer, " bucket " integer, " \
	"received integer, received_online integer, received_direct integer, " \
	"received_postal integer, resolved integer, resolved_early integer, " \
	"resolved_on_time integer, resolved_late integer, returned integer, withdrawn integer, " \
	"not_accepted integer, paid_online integer, digitized integer, d_open integer, " \
	"d_overdue integer, d_waiting integer) ON COMMIT DELETE ROWS;"
static const char staging_sql[] =
	D_STAGE("stage_agg_day", "day") D_STAGE("stage_agg_month", "month")
	"CREATE TEMP TABLE IF NOT EXISTS stage_agg_feedback (key integer, day integer, "
	"received integer, about_regulation integer, about_behavior integer, resolved integer, "
	"published integer, d_open integer) ON COMMIT DELETE ROWS";
#undef D_STAGE
/* clang-format on */

/* Every key, for resolving the transaction's keys to ids in C; bounded by the registry's units
 * × fields (a few thousand), not by dossiers. */
static const char known_keys_sql[] =
    "SELECT id, office, unit_snapshot::text, level, field FROM agg_key";
/* The other writer may be adding the same key (the first dossier of a unit and field in both
 * parts at once): ON CONFLICT waits for it and returns nothing; find_key_sql, a statement of its
 * own (a snapshot taken after that wait), then sees its row. */
static const char new_key_sql[] =
    "INSERT INTO agg_key (office, unit_snapshot, level, field) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING id";
static const char find_key_sql[] =
    "SELECT id FROM agg_key WHERE office = $1 AND unit_snapshot = $2::date AND "
    "level = $3::smallint AND field = $4";

static const char fresh_sql[] =
    "SELECT units_ok AND timezone IS NOT DISTINCT FROM $1 FROM agg_meta WHERE id = 1";

/* A (unit, field) key of the contributions: its strings are the caller's (valid until the next
 * flush), its id is agg_key's once resolved, -1 before. */
typedef struct acc_key {
	const char *office, *snapshot, *field; /* field "" for feedback */
	int level;
	int32_t id;
} acc_key;

/* One (key, day) cell and its measures, summed over every contribution to it. */
typedef struct acc_cell {
	uint32_t key; /* index in keys (or, for flush's months, the agg_key id) */
	int32_t day;  /* or month */
	int64_t m[ND];
} acc_cell;

/* Cells found by (key, day) and summed as they come: the accumulator's days, and flush's months. */
typedef struct cell_table {
	acc_cell *c;
	size_t n, cap;
	hashidx ix;
} cell_table;

struct agg_acc {
	acc_key *keys;
	size_t nkeys, keys_cap;
	hashidx key_ix;
	cell_table cells;
	PGresult *known; /* agg_key, read at the first flush */
	hashidx known_ix;
	int oom;
	state_due *dues; /* scratch for one dossier's due history and waits */
	state_wait *waits;
	size_t dues_cap, waits_cap;
};

static const char *tz_name(void)
{
	const char *tz = getenv("TZ");
	return tz ? tz : "";
}

static int32_t day_of(int64_t ms)
{
	return (int32_t)cal_local_day(ms);
}

static uint64_t key_hash(const acc_key *k)
{
	uint64_t h = hashidx_str(HASHIDX_SEED, k->office);
	h = hashidx_str(h, k->snapshot);
	h = hashidx_str(h, k->field);
	return hashidx_bytes(h, &k->level, sizeof k->level);
}

static int key_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const acc_key *a = &((const agg_acc *)ctx)->keys[idx], *b = probe;
	return a->level == b->level && !strcmp(a->office, b->office) &&
	       !strcmp(a->snapshot, b->snapshot) && !strcmp(a->field, b->field);
}

/* The index of a key in o->keys, added when new; UINT32_MAX (and o->oom) out of memory. */
static uint32_t key_of(agg_acc *o, const char *office, const char *snapshot, int level,
                       const char *field)
{
	acc_key k = {office, snapshot, field ? field : "", level, -1};
	uint32_t idx;
	int r;

	if (grow_array((void **)&o->keys, &o->keys_cap, o->nkeys + 1, sizeof *o->keys) != 0 ||
	    (r = hashidx_get_or_add(&o->key_ix, key_hash(&k), &k, key_eq, o, (uint32_t)o->nkeys,
	                            &idx)) < 0) {
		o->oom = 1;
		return UINT32_MAX;
	}
	if (r == 0)
		o->keys[o->nkeys++] = k;
	return idx;
}

typedef struct cell_probe {
	uint32_t key;
	int32_t day;
} cell_probe;

static int cell_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const acc_cell *c = &((const cell_table *)ctx)->c[idx];
	const cell_probe *p = probe;
	return c->key == p->key && c->day == p->day;
}

/* The (key, day) cell of t, zeroed when new; NULL when out of memory. */
static acc_cell *cell_at(cell_table *t, uint32_t key, int32_t day)
{
	cell_probe p = {key, day};
	uint32_t idx;
	int r;

	if (grow_array((void **)&t->c, &t->cap, t->n + 1, sizeof *t->c) != 0 ||
	    (r = hashidx_get_or_add(&t->ix, hashidx_pair(key, (uint32_t)day), &p, cell_eq, t,
	                            (uint32_t)t->n, &idx)) < 0)
		return NULL;
	if (r == 0) {
		acc_cell *c = &t->c[t->n++];
		memset(c, 0, sizeof *c);
		c->key = key;
		c->day = day;
	}
	return &t->c[idx];
}

/* Empties t, keeping its array for the next cells. */
static void cells_reset(cell_table *t)
{
	t->n = 0;
	hashidx_free(&t->ix);
}

static void cells_free(cell_table *t)
{
	free(t->c);
	hashidx_free(&t->ix);
	memset(t, 0, sizeof *t);
}

/* Adds delta to one measure of the (key, day) cell. */
static void add(agg_acc *o, uint32_t key, int32_t day, int measure, int64_t delta)
{
	acc_cell *c;

	if (key == UINT32_MAX)
		return; /* out of memory already */
	if (!(c = cell_at(&o->cells, key, day))) {
		o->oom = 1;
		return;
	}
	c->m[measure] += delta;
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

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* The stocks of one dossier at instant t (a local midnight): open, overdue, waiting. The same
 * conditions as the reference query (query.c) and dossier_state_due_before / _waiting_at. */
static void stocks_at(const dossier_state *s, int64_t recv, int64_t fin, int64_t sub, int64_t wend,
                      int64_t t, int v[3])
{
	int pend = recv != STATE_NO_TIME && recv < t && (fin == STATE_NO_TIME || fin >= t);
	int64_t due = pend ? dossier_state_due_before(s, t) : STATE_NO_TIME;

	v[0] = pend;
	v[1] = pend && !dossier_state_waiting_at(s, t) && due != STATE_NO_TIME && due < t;
	v[2] = sub != STATE_NO_TIME && sub < t && (wend == STATE_NO_TIME || wend >= t);
}

/* Adds sign × the contribution of one dossier state under key k. Stocks: every instant x the
 * state holds can flip a stock at the midnights just before and after it; between those days
 * nothing changes, so evaluating there and emitting the difference on the day before gives a
 * stock at midnight D = sum of the days before D. */
static void dossier_contrib_state(agg_acc *o, uint32_t k, const dossier_state *s, int sign)
{
	int64_t recv = s->received_at, fin = s->finished_at, sub = s->submitted_at;
	int64_t wend = s->waiting_end_at, nacc = s->not_accepted_at;
	int fk = s->finish_kind, cls = s->resolved_class;

	if (recv != STATE_NO_TIME) {
		int32_t d = day_of(recv);
		add(o, k, d, D_RECEIVED, sign);
		if (s->channel == CH_ONLINE)
			add(o, k, d, D_ONLINE, sign);
		else if (s->channel == CH_DIRECT)
			add(o, k, d, D_DIRECT, sign);
		else if (s->channel == CH_POSTAL)
			add(o, k, d, D_POSTAL, sign);
		if (s->paid_online_at != STATE_NO_TIME)
			add(o, k, d, D_PAID, sign);
		if (s->digitized_at != STATE_NO_TIME)
			add(o, k, d, D_DIGITIZED, sign);
	}
	if (fin != STATE_NO_TIME) {
		int32_t d = day_of(fin);
		if (fk == FIN_RESOLVED) {
			add(o, k, d, D_RESOLVED, sign);
			if (cls >= 1 && cls <= 3)
				add(o, k, d, D_EARLY + cls - 1, sign);
		} else if (fk == FIN_RETURNED) {
			add(o, k, d, D_RETURNED, sign);
		} else if (fk == FIN_WITHDRAWN) {
			add(o, k, d, D_WITHDRAWN, sign);
		}
	}
	if (nacc != STATE_NO_TIME)
		add(o, k, day_of(nacc), D_NOT_ACCEPTED, sign);

	/* Candidate days: the day of each instant and the day after. */
	int64_t pts[8 + 64];
	size_t np = 0, maxp = sizeof pts / sizeof pts[0];
	int64_t *x = pts;
	size_t need = 5 + 2 * s->n_dues + 2 * s->n_waits;
	if (need > maxp) {
		x = malloc(need * sizeof *x);
		if (!x) {
			o->oom = 1;
			return;
		}
	}
	int64_t base[5] = {recv, fin, sub, wend, nacc};
	for (int b = 0; b < 5; b++)
		x[np++] = base[b];
	for (size_t j = 0; j < s->n_dues; j++) {
		x[np++] = s->dues[j].from_ms;
		x[np++] = s->dues[j].due_ms;
	}
	for (size_t j = 0; j < s->n_waits; j++) {
		x[np++] = s->waits[j].from_ms;
		x[np++] = s->waits[j].to_ms;
	}
	int32_t days[2 * (8 + 64)], *dy = days;
	if (2 * np > sizeof days / sizeof days[0]) {
		dy = malloc(2 * np * sizeof *dy);
		if (!dy) {
			if (x != pts)
				free(x);
			o->oom = 1;
			return;
		}
	}
	size_t ndays = 0;
	for (size_t j = 0; j < np; j++) {
		if (x[j] == STATE_NO_TIME || x[j] == STATE_OPEN_END)
			continue;
		int32_t d = day_of(x[j]);
		dy[ndays++] = d;
		dy[ndays++] = d + 1;
	}
	qsort(dy, ndays, sizeof *dy, cmp_day);
	int prev[3] = {0, 0, 0};
	for (size_t j = 0; j < ndays; j++) {
		if (j && dy[j] == dy[j - 1])
			continue;
		int v[3];
		stocks_at(s, recv, fin, sub, wend, cal_day_start(dy[j]), v);
		for (int q = 0; q < 3; q++)
			if (v[q] != prev[q]) {
				add(o, k, dy[j] - 1, D_OPEN + q, (int64_t)sign * (v[q] - prev[q]));
				prev[q] = v[q];
			}
	}
	if (x != pts)
		free(x);
	if (dy != days)
		free(dy);
}

/* The dossier state in row i (columns of DOSSIER_COLS after the sign), as far as a contribution
 * looks at it: the due history and waits go to o's scratch arrays. */
static void dossier_contrib(agg_acc *o, const PGresult *r, int i)
{
	int sign = atoi(PQgetvalue(r, i, 0));
	uint32_t k = key_of(o, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), atoi(PQgetvalue(r, i, 3)),
	                    PQgetvalue(r, i, 4));
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
	if (grow_array((void **)&o->dues, &o->dues_cap, nd + 1, sizeof *o->dues) != 0 ||
	    grow_array((void **)&o->waits, &o->waits_cap, nw + 1, sizeof *o->waits) != 0) {
		o->oom = 1;
		return;
	}
	s.dues = o->dues;
	s.waits = o->waits;
	s.n_dues = parse_ms_array(df, &o->dues[0].from_ms, sizeof *o->dues, nd);
	if (parse_ms_array(dv, &o->dues[0].due_ms, sizeof *o->dues, nd) != s.n_dues)
		s.n_dues = 0; /* cannot happen: both arrays are written together */
	s.n_waits = parse_ms_array(wf, &o->waits[0].from_ms, sizeof *o->waits, nw);
	if (parse_ms_array(wt, &o->waits[0].to_ms, sizeof *o->waits, nw) != s.n_waits)
		s.n_waits = 0;
	dossier_contrib_state(o, k, &s, sign);
}

/* Feedback: nothing before its `received`. */
static void feedback_contrib_state(agg_acc *o, uint32_t k, const feedback_state *s, int sign)
{
	int64_t recv = s->has_received ? s->received_at : STATE_NO_TIME;
	int64_t res = s->resolved_at, pub = s->published_at;

	if (recv == STATE_NO_TIME)
		return;
	int32_t d = day_of(recv);
	add(o, k, d, F_RECEIVED, sign);
	if (s->topic == TOPIC_REGULATION)
		add(o, k, d, F_REGULATION, sign);
	else if (s->topic == TOPIC_BEHAVIOR)
		add(o, k, d, F_BEHAVIOR, sign);
	if (res != STATE_NO_TIME)
		add(o, k, day_of(res), F_RESOLVED, sign);
	if (pub != STATE_NO_TIME)
		add(o, k, day_of(pub), F_PUBLISHED, sign);
	/* pending at t: received < t <= resolved */
	if (res == STATE_NO_TIME || res >= recv) {
		add(o, k, d, F_OPEN, sign);
		if (res != STATE_NO_TIME)
			add(o, k, day_of(res), F_OPEN, -sign);
	}
}

/* The feedback state in row i (columns of FEEDBACK_COLS after the sign). */
static void feedback_contrib(agg_acc *o, const PGresult *r, int i)
{
	uint32_t k =
	    key_of(o, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), atoi(PQgetvalue(r, i, 3)), NULL);
	feedback_state s = {0};

	s.received_at = db_get_ms(r, i, 4);
	s.has_received = s.received_at != STATE_NO_TIME;
	s.topic = atoi(PQgetvalue(r, i, 5));
	s.resolved_at = db_get_ms(r, i, 6);
	s.published_at = db_get_ms(r, i, 7);
	feedback_contrib_state(o, k, &s, atoi(PQgetvalue(r, i, 0)));
}

/* Order of keys for inserting them (any fixed one). */
static int key_cmp(const void *pa, const void *pb)
{
	const acc_key *a = *(acc_key *const *)pa, *b = *(acc_key *const *)pb;
	int c;
	if ((c = strcmp(a->office, b->office)) != 0 ||
	    (c = strcmp(a->snapshot, b->snapshot)) != 0 || (c = strcmp(a->field, b->field)) != 0)
		return c;
	return (a->level > b->level) - (a->level < b->level);
}

/* Adds the keys to agg_key (or finds the other writer's row) and sets their ids. */
static int insert_keys(PGconn *conn, acc_key **keys, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		acc_key *k = keys[i];
		char level[12];
		snprintf(level, sizeof level, "%d", k->level);
		const char *params[4] = {k->office, k->snapshot, level, k->field};
		PGresult *r =
		    db_query(conn, "aggregates: new key", new_key_sql, 4, params, err, errlen);
		if (r && PQntuples(r) < 1) {
			PQclear(r);
			r = db_query(conn, "aggregates: key", find_key_sql, 4, params, err, errlen);
			if (r && PQntuples(r) < 1) { /* cannot happen: inserted, or there already */
				PQclear(r);
				snprintf(err, errlen, "aggregates: key of office %s not found",
				         k->office);
				return -1;
			}
		}
		if (!r)
			return -1;
		k->id = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	return 0;
}

/* Resolves every key of o to its agg_key id: from the keys stored (read once per accumulator),
 * else inserted (new_key_sql). New keys are rare (the registry's units × fields, met once), so
 * one statement each is fine. */
static int known_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const PGresult *r = ctx;
	const acc_key *k = probe;
	return atoi(PQgetvalue(r, (int)idx, 3)) == k->level &&
	       !strcmp(PQgetvalue(r, (int)idx, 1), k->office) &&
	       !strcmp(PQgetvalue(r, (int)idx, 2), k->snapshot) &&
	       !strcmp(PQgetvalue(r, (int)idx, 4), k->field);
}

static int resolve_keys(PGconn *conn, agg_acc *o, char *err, size_t errlen)
{
	if (!o->known) {
		o->known = db_query(conn, "aggregates: keys", known_keys_sql, 0, NULL, err, errlen);
		if (!o->known)
			return -1;
		for (int i = 0; i < PQntuples(o->known); i++) {
			acc_key k = {PQgetvalue(o->known, i, 1), PQgetvalue(o->known, i, 2),
			             PQgetvalue(o->known, i, 4), atoi(PQgetvalue(o->known, i, 3)),
			             -1};
			uint32_t idx;
			if (hashidx_get_or_add(&o->known_ix, key_hash(&k), &k, known_eq, o->known,
			                       (uint32_t)i, &idx) < 0) {
				snprintf(err, errlen, "aggregates: out of memory");
				return -1;
			}
		}
	}
	acc_key **missing = malloc((o->nkeys + 1) * sizeof *missing);
	size_t nmissing = 0;
	if (!missing) {
		snprintf(err, errlen, "aggregates: out of memory");
		return -1;
	}
	for (size_t i = 0; i < o->nkeys; i++) {
		acc_key *k = &o->keys[i];
		uint32_t row;
		if (hashidx_find(&o->known_ix, key_hash(k), k, known_eq, o->known, &row))
			k->id = atoi(PQgetvalue(o->known, (int)row, 0));
		else
			missing[nmissing++] = k;
	}
	/* in one order in every writer: two adding keys at once wait for each other in turn,
	 * never in a circle */
	qsort(missing, nmissing, sizeof *missing, key_cmp);
	int rc = insert_keys(conn, missing, nmissing, err, errlen);
	free(missing);
	return rc;
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
static int month_cells(const out_cell *days, size_t n, cell_table *months, out_cell **out)
{
	for (size_t i = 0; i < n; i++) {
		acc_cell *m = cell_at(months, (uint32_t)days[i].key,
		                      (int32_t)cal_report_month_start(days[i].day));
		if (!m)
			return -1;
		for (int q = 0; q < ND; q++)
			m->m[q] += days[i].m[q];
	}
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
	int nm = feedback ? NFB : ND;
	db_buf buf = {0};
	out_cell *days = NULL, *months = NULL;
	cell_table mtab = {0};
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
	if (resolve_keys(conn, o, err, errlen) != 0)
		goto out;
	days = malloc(o->cells.n * sizeof *days);
	if (!days)
		goto oom;
	for (size_t i = 0; i < o->cells.n; i++) {
		const acc_cell *c = &o->cells.c[i];
		int nonzero = 0;
		for (int q = 0; q < nm; q++)
			nonzero |= c->m[q] != 0;
		if (nonzero)
			days[n++] = (out_cell){o->keys[c->key].id, c->day, c->m};
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
		if (copy_rows(&buf, months, mtab.n, ND) != 0)
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
	cells_free(&mtab);
	o->nkeys = 0;
	hashidx_free(&o->key_ix);
	cells_reset(&o->cells);
	return rc;
}

static void rows_free(agg_acc *o)
{
	free(o->keys);
	hashidx_free(&o->key_ix);
	cells_free(&o->cells);
	hashidx_free(&o->known_ix);
	PQclear(o->known);
	free(o->dues);
	free(o->waits);
	memset(o, 0, sizeof *o);
}

/* Adds every state of one kind to the aggregates (or to the verify tables), through a cursor:
 * memory holds a chunk of states and their contributions, never the table. */
static int add_all(PGconn *conn, int feedback, int expect, char *err, size_t errlen)
{
	agg_acc o = {0};
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
				feedback_contrib(&o, r, i);
			else
				dossier_contrib(&o, r, i);
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
	rows_free(&o);
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

agg_acc *agg_acc_new(void)
{
	return calloc(1, sizeof(agg_acc));
}

void agg_acc_free(agg_acc *a)
{
	if (!a)
		return;
	rows_free(a);
	free(a);
}

void agg_acc_dossier(agg_acc *a, const char *office, const char *snapshot, int level,
                     const dossier_state *s, int sign)
{
	dossier_contrib_state(a, key_of(a, office, snapshot, level, s->field), s, sign);
}

void agg_acc_feedback(agg_acc *a, const char *office, const char *snapshot, int level,
                      const feedback_state *s, int sign)
{
	feedback_contrib_state(a, key_of(a, office, snapshot, level, NULL), s, sign);
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
	*day_from = day_of(from_ms);
	*day_to = day_of(to_ms);
	if (cal_day_start(*day_from) != from_ms || cal_day_start(*day_to) != to_ms)
		return 0;
	return agg_fresh(conn, ok, err, errlen);
}

/* clang-format off */
#define COALESCED(a, e, c) "COALESCE(" a "." c ", 0) <> COALESCE(" e "." c ", 0)"
#define D_DIFFERS \
    COALESCED("a", "e", "received") " OR " COALESCED("a", "e", "received_online") " OR " \
    COALESCED("a", "e", "received_direct") " OR " COALESCED("a", "e", "received_postal") " OR " \
    COALESCED("a", "e", "resolved") " OR " COALESCED("a", "e", "resolved_early") " OR " \
    COALESCED("a", "e", "resolved_on_time") " OR " COALESCED("a", "e", "resolved_late") " OR " \
    COALESCED("a", "e", "returned") " OR " COALESCED("a", "e", "withdrawn") " OR " \
    COALESCED("a", "e", "not_accepted") " OR " COALESCED("a", "e", "paid_online") " OR " \
    COALESCED("a", "e", "digitized") " OR " COALESCED("a", "e", "d_open") " OR " \
    COALESCED("a", "e", "d_overdue") " OR " COALESCED("a", "e", "d_waiting")
static const char dossier_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.day, e.day), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, day, " D_SUMS_AS " FROM dossier_agg s GROUP BY 1, 2) a "
    "FULL JOIN agg_expect_dossier e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    D_DIFFERS " "
    "ORDER BY 1, 2, 3, 4, 5";
static const char feedback_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.day, e.day), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, day, " F_SUMS_AS " FROM feedback_agg s GROUP BY 1, 2) a "
    "FULL JOIN agg_expect_feedback e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    COALESCED("a", "e", "received") " OR " COALESCED("a", "e", "about_regulation") " OR "
    COALESCED("a", "e", "about_behavior") " OR " COALESCED("a", "e", "resolved") " OR "
    COALESCED("a", "e", "published") " OR " COALESCED("a", "e", "d_open") " "
    "ORDER BY 1, 2, 3, 4, 5";
/* The stored months against the expected days summed by month (sql/008's backfill). */
static const char month_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.month, e.month), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, month, " D_SUMS_AS " FROM dossier_agg_month s GROUP BY 1, 2) a "
    "FULL JOIN (SELECT s.key, cchc_report_month(s.day) AS month, "
    D_SUMS " FROM agg_expect_dossier s GROUP BY 1, 2) "
    "e(key, month, " D_LIST ") USING (key, month) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    D_DIFFERS " "
    "ORDER BY 1, 2, 3, 4, 5";
/* clang-format on */

int agg_verify(PGconn *conn, FILE *out, unsigned detail_keys, uint64_t *differences, char *err,
               size_t errlen)
{
	int ok, rc = -1;
	uint64_t found = 0;

	/* Not READ ONLY: the expected aggregates go to temporary tables, rolled back at the end. */
	if (db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ", err, errlen) != 0)
		return -1;
	if (agg_fresh(conn, &ok, err, errlen) != 0)
		goto out;
	if (!ok) {
		fprintf(out, "verify: aggregates are not built for this registry and time zone "
		             "(figures use the state rows until the next write rebuilds them)\n");
		rc = 0;
		goto out;
	}
	if (db_exec(conn, "verify: aggregates staging",
	            "CREATE TEMP TABLE agg_expect_dossier (LIKE dossier_agg INCLUDING ALL) "
	            "ON COMMIT DROP; CREATE TEMP TABLE agg_expect_feedback (LIKE feedback_agg "
	            "INCLUDING ALL) ON COMMIT DROP",
	            err, errlen) != 0 ||
	    db_exec(conn, "verify: aggregates staging", staging_sql, err, errlen) != 0 ||
	    add_all(conn, 0, 1, err, errlen) != 0 || add_all(conn, 1, 1, err, errlen) != 0)
		goto out;
	static const struct {
		const char *what, *day, *sql;
	} diffs[] = {{"dossier aggregates", "day", dossier_diff_sql},
	             {"dossier aggregates", "month from day", month_diff_sql},
	             {"feedback aggregates", "day", feedback_diff_sql}};
	for (size_t t = 0; t < sizeof diffs / sizeof diffs[0]; t++) {
		PGresult *r =
		    db_query(conn, "verify: aggregates", diffs[t].sql, 0, NULL, err, errlen);
		if (!r)
			goto out;
		for (int i = 0; i < PQntuples(r); i++, found++)
			if (found < detail_keys)
				fprintf(out,
				        "verify: %s of office %s (unit %s, level %s) "
				        "field '%s' %s %s: stored %s, states give %s\n",
				        diffs[t].what, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				        PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), diffs[t].day,
				        PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
				        PQgetvalue(r, i, 6));
		PQclear(r);
	}
	fprintf(out, "verify: aggregates recomputed from the states: %" PRIu64 " difference%s\n",
	        found, found == 1 ? "" : "s");
	*differences += found;
	rc = 0;
out:
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

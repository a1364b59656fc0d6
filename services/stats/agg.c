/* agg: keeps dossier_agg and feedback_agg (sql/005_aggregates.sql) equal to what the state tables
 * say, by subtracting an item's old contribution and adding its new one in the store transaction.
 * A contribution is computed in C from the state row: flows on the local day of their event, and
 * stocks as +1/-1 changes found by evaluating the stock at each local midnight where it can change,
 * so "overdue at a period's end" is a prefix sum like the others (docs/decisions.md). */
#include "stats_agg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
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
/* New keys first (NOT EXISTS rather than ON CONFLICT DO NOTHING: no identity value is used up by
 * the keys that exist, and stats writes under one lock), then the counts by key id. */
#define NEW_KEYS(stage, field) \
	"INSERT INTO agg_key (office, unit_snapshot, level, field) SELECT DISTINCT s.office, " \
	"s.unit_snapshot, s.level, " field " FROM " stage " s WHERE NOT EXISTS (SELECT 1 FROM " \
	"agg_key k WHERE k.office = s.office AND k.unit_snapshot = s.unit_snapshot AND " \
	"k.level = s.level AND k.field = " field ")"
#define UPSERT(t, stage, field, list) \
	"WITH s AS (DELETE FROM " stage " RETURNING *) INSERT INTO " t " (key, day, " list ") " \
	"SELECT k.id, s.day, " list " FROM s JOIN agg_key k ON k.office = s.office AND " \
	"k.unit_snapshot = s.unit_snapshot AND k.level = s.level AND k.field = " field " " \
	"ON CONFLICT (key, day) DO UPDATE SET "
#define D_UPSERT(t) \
	UPSERT(t, "stage_dossier_agg", "s.field", D_LIST) \
	ADD(t, "received") ", " ADD(t, "received_online") ", " ADD(t, "received_direct") ", " \
	ADD(t, "received_postal") ", " ADD(t, "resolved") ", " ADD(t, "resolved_early") ", " \
	ADD(t, "resolved_on_time") ", " ADD(t, "resolved_late") ", " ADD(t, "returned") ", " \
	ADD(t, "withdrawn") ", " ADD(t, "not_accepted") ", " ADD(t, "paid_online") ", " \
	ADD(t, "digitized") ", " ADD(t, "d_open") ", " ADD(t, "d_overdue") ", " \
	ADD(t, "d_waiting")
/* The month rows (sql/008) from the same staging rows, before D_UPSERT empties it. */
#define D_SUMS \
	"sum(s.received), sum(s.received_online), sum(s.received_direct), sum(s.received_postal), " \
	"sum(s.resolved), sum(s.resolved_early), sum(s.resolved_on_time), sum(s.resolved_late), " \
	"sum(s.returned), sum(s.withdrawn), sum(s.not_accepted), sum(s.paid_online), " \
	"sum(s.digitized), sum(s.d_open), sum(s.d_overdue), sum(s.d_waiting)"
#define M "dossier_agg_month"
static const char month_upsert_sql[] =
	"INSERT INTO " M " (key, month, " D_LIST ") SELECT k.id, s.month, " D_SUMS
	" FROM stage_dossier_agg s JOIN agg_key k ON k.office = s.office AND "
	"k.unit_snapshot = s.unit_snapshot AND k.level = s.level AND k.field = s.field "
	"GROUP BY k.id, s.month ON CONFLICT (key, month) DO UPDATE SET "
	ADD(M, "received") ", " ADD(M, "received_online") ", " ADD(M, "received_direct") ", "
	ADD(M, "received_postal") ", " ADD(M, "resolved") ", " ADD(M, "resolved_early") ", "
	ADD(M, "resolved_on_time") ", " ADD(M, "resolved_late") ", " ADD(M, "returned") ", "
	ADD(M, "withdrawn") ", " ADD(M, "not_accepted") ", " ADD(M, "paid_online") ", "
	ADD(M, "digitized") ", " ADD(M, "d_open") ", " ADD(M, "d_overdue") ", "
	ADD(M, "d_waiting");
#undef M
#define F_UPSERT(t) \
	UPSERT(t, "stage_feedback_agg", "''", F_LIST) \
	ADD(t, "received") ", " ADD(t, "about_regulation") ", " ADD(t, "about_behavior") ", " \
	ADD(t, "resolved") ", " ADD(t, "published") ", " ADD(t, "d_open")
/* clang-format on */

static const char staging_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_dossier_agg (office text, unit_snapshot date, "
    "level smallint, field text, day integer, received integer, received_online integer, "
    "received_direct integer, received_postal integer, resolved integer, resolved_early integer, "
    "resolved_on_time integer, resolved_late integer, returned integer, withdrawn integer, "
    "not_accepted integer, paid_online integer, digitized integer, d_open integer, d_overdue "
    "integer, d_waiting integer, month integer) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_feedback_agg (office text, unit_snapshot date, "
    "level smallint, day integer, received integer, about_regulation integer, about_behavior "
    "integer, resolved integer, published integer, d_open integer) ON COMMIT DELETE ROWS";

static const char *const new_keys_sql[2] = {NEW_KEYS("stage_dossier_agg", "s.field"),
                                            NEW_KEYS("stage_feedback_agg", "''")};

static const char fresh_sql[] =
    "SELECT units_ok AND timezone IS NOT DISTINCT FROM $1 FROM agg_meta WHERE id = 1";

/* One contribution row: a key (pointers into a PGresult) and its measures. */
typedef struct agg_row {
	const char *office, *snapshot, *field; /* field NULL for feedback */
	int level;
	int32_t day;
	int64_t m[ND];
} agg_row;

struct agg_acc {
	agg_row *r;
	size_t n, cap;
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

/* Civil date of a day number (Howard Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

int64_t agg_day_start(int32_t day)
{
	/* mktime is slow and every dossier asks for a few days around its own: a small per-thread
	 * cache (stats answers queries and stores on several threads). */
	static _Thread_local struct {
		int32_t day;
		int64_t ms;
		int set;
	} cache[1024];
	unsigned slot = (unsigned)day & 1023u;
	struct tm tm = {0};
	int y, m, d;

	if (cache[slot].set && cache[slot].day == day)
		return cache[slot].ms;
	civil_from_days(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	int64_t ms = (int64_t)mktime(&tm) * 1000;
	cache[slot].day = day;
	cache[slot].ms = ms;
	cache[slot].set = 1;
	return ms;
}

int32_t agg_month_start(int32_t day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	if (d >= 15)
		return day - d + 15;
	/* day - d is the last day of the previous month, and its day of the month its length */
	int len;
	civil_from_days((int64_t)day - d, &y, &m, &len);
	return day - d - len + 15;
}

static int32_t day_of(int64_t ms)
{
	return (int32_t)state_local_day(ms);
}

static agg_row *row_new(agg_acc *o, const char *office, const char *snapshot, int level,
                        const char *field, int32_t day)
{
	if (grow_array((void **)&o->r, &o->cap, o->n + 1, sizeof *o->r) != 0) {
		o->oom = 1;
		return NULL;
	}
	agg_row *x = &o->r[o->n++];
	memset(x, 0, sizeof *x);
	x->office = office;
	x->snapshot = snapshot;
	x->level = level;
	x->field = field;
	x->day = day;
	return x;
}

/* The key of one state row (columns 1-4: office, snapshot, level, field). */
typedef struct key {
	const char *office, *snapshot, *field;
	int level;
} key;

static void add(agg_acc *o, const key *k, int32_t day, int measure, int64_t delta)
{
	agg_row *x = row_new(o, k->office, k->snapshot, k->level, k->field, day);
	if (x)
		x->m[measure] += delta;
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
static void dossier_contrib_state(agg_acc *o, const key *k, const dossier_state *s, int sign)
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
		stocks_at(s, recv, fin, sub, wend, agg_day_start(dy[j]), v);
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
	key k = {PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 4),
	         atoi(PQgetvalue(r, i, 3))};
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
	dossier_contrib_state(o, &k, &s, sign);
}

/* Feedback: nothing before its `received`. */
static void feedback_contrib_state(agg_acc *o, const key *k, const feedback_state *s, int sign)
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
	key k = {PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), NULL, atoi(PQgetvalue(r, i, 3))};
	feedback_state s = {0};

	s.received_at = db_get_ms(r, i, 4);
	s.has_received = s.received_at != STATE_NO_TIME;
	s.topic = atoi(PQgetvalue(r, i, 5));
	s.resolved_at = db_get_ms(r, i, 6);
	s.published_at = db_get_ms(r, i, 7);
	feedback_contrib_state(o, &k, &s, atoi(PQgetvalue(r, i, 0)));
}

static int row_cmp(const void *pa, const void *pb)
{
	const agg_row *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->office, b->office)) != 0)
		return c;
	if ((c = strcmp(a->snapshot, b->snapshot)) != 0)
		return c;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if ((c = strcmp(a->field ? a->field : "", b->field ? b->field : "")) != 0)
		return c;
	return a->day < b->day ? -1 : a->day > b->day;
}

/* Merges equal keys (one statement may not touch a row twice), drops rows that cancel out, and
 * upserts the rest into `table` through the staging table. Empties o. */
static int flush(PGconn *conn, agg_acc *o, int feedback, int expect, char *err, size_t errlen)
{
	int nm = feedback ? NFB : ND;
	db_buf buf = {0};
	size_t n = 0;
	int rc = -1;

	if (o->oom) {
		snprintf(err, errlen, "aggregates: out of memory");
		return -1;
	}
	if (o->n == 0)
		return 0;
	qsort(o->r, o->n, sizeof *o->r, row_cmp);
	for (size_t a = 0, z; a < o->n; a = z) {
		agg_row acc = o->r[a];
		int nonzero = 0;
		for (z = a + 1; z < o->n && row_cmp(&o->r[a], &o->r[z]) == 0; z++)
			for (int q = 0; q < nm; q++)
				acc.m[q] += o->r[z].m[q];
		for (int q = 0; q < nm; q++)
			nonzero |= acc.m[q] != 0;
		if (!nonzero)
			continue;
		n++;
		db_buf_text(&buf, acc.office);
		db_buf_tab(&buf);
		db_buf_text(&buf, acc.snapshot);
		db_buf_tab(&buf);
		db_buf_int(&buf, acc.level);
		db_buf_tab(&buf);
		if (!feedback) {
			db_buf_text(&buf, acc.field);
			db_buf_tab(&buf);
		}
		db_buf_int(&buf, acc.day);
		for (int q = 0; q < nm; q++) {
			db_buf_tab(&buf);
			db_buf_int(&buf, (long long)acc.m[q]);
		}
		if (!feedback) {
			db_buf_tab(&buf);
			db_buf_int(&buf, agg_month_start(acc.day));
		}
		db_buf_eol(&buf);
	}
	o->n = 0;
	if (n == 0) {
		db_buf_free(&buf);
		return 0;
	}
	if (db_copy(conn, "aggregates: copy",
	            feedback ? "COPY stage_feedback_agg FROM STDIN"
	                     : "COPY stage_dossier_agg FROM STDIN",
	            &buf, err, errlen) != 0)
		goto out;
	if (db_exec(conn, "aggregates: keys", new_keys_sql[feedback], err, errlen) != 0)
		goto out;
	if (!feedback && !expect &&
	    db_exec(conn, "aggregates: months", month_upsert_sql, err, errlen) != 0)
		goto out;
	static const char *const upsert[2][2] = {
	    {D_UPSERT("dossier_agg"), D_UPSERT("agg_expect_dossier")},
	    {F_UPSERT("feedback_agg"), F_UPSERT("agg_expect_feedback")},
	};
	PGresult *u =
	    db_query(conn, "aggregates: upsert", upsert[feedback][expect], 0, NULL, err, errlen);
	if (!u)
		goto out;
	PQclear(u);
	rc = 0;
out:
	db_buf_free(&buf);
	return rc;
}

static void rows_free(agg_acc *o)
{
	free(o->r);
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
		int f = flush(conn, &o, feedback, expect, err, errlen);
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
	    db_exec(conn, "aggregates: clear",
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

static int fresh(PGconn *conn, int *ok, char *err, size_t errlen)
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
	key k = {office, snapshot, s->field ? s->field : "", level};
	dossier_contrib_state(a, &k, s, sign);
}

void agg_acc_feedback(agg_acc *a, const char *office, const char *snapshot, int level,
                      const feedback_state *s, int sign)
{
	key k = {office, snapshot, NULL, level};
	feedback_contrib_state(a, &k, s, sign);
}

int agg_prepare(PGconn *conn, char *err, size_t errlen)
{
	int ok;

	if (db_exec(conn, "aggregates: staging", staging_sql, err, errlen) != 0 ||
	    fresh(conn, &ok, err, errlen) != 0)
		return -1;
	/* Built for another registry (units re-resolved) or time zone, or never (an upgraded
	 * database): rebuild from the states as they are before this batch, then apply it. */
	return ok ? 0 : agg_rebuild(conn, err, errlen);
}

int agg_store(PGconn *conn, agg_acc *a, int feedback, char *err, size_t errlen)
{
	return flush(conn, a, feedback, 0, err, errlen);
}

int agg_covers(PGconn *conn, int64_t from_ms, int64_t to_ms, int *ok, int32_t *day_from,
               int32_t *day_to, char *err, size_t errlen)
{
	*ok = 0;
	*day_from = day_of(from_ms);
	*day_to = day_of(to_ms);
	if (agg_day_start(*day_from) != from_ms || agg_day_start(*day_to) != to_ms)
		return 0;
	return fresh(conn, ok, err, errlen);
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
    "FROM dossier_agg a FULL JOIN agg_expect_dossier e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    D_DIFFERS " "
    "ORDER BY 1, 2, 3, 4, 5";
static const char feedback_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.day, e.day), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM feedback_agg a FULL JOIN agg_expect_feedback e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    COALESCED("a", "e", "received") " OR " COALESCED("a", "e", "about_regulation") " OR "
    COALESCED("a", "e", "about_behavior") " OR " COALESCED("a", "e", "resolved") " OR "
    COALESCED("a", "e", "published") " OR " COALESCED("a", "e", "d_open") " "
    "ORDER BY 1, 2, 3, 4, 5";
/* The stored months against the expected days summed by month (sql/008's backfill). */
static const char month_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.month, e.month), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM dossier_agg_month a FULL JOIN (SELECT s.key, cchc_report_month(s.day) AS month, "
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
	if (fresh(conn, &ok, err, errlen) != 0)
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
		PGresult *r = db_query(conn, "verify: aggregates", diffs[t].sql, 0, NULL, err, errlen);
		if (!r)
			goto out;
		for (int i = 0; i < PQntuples(r); i++, found++)
			if (found < detail_keys)
				fprintf(out,
				        "verify: %s of office %s (unit %s, level %s) "
				        "field '%s' %s %s: stored %s, states give %s\n",
				        diffs[t].what, PQgetvalue(r, i, 0),
				        PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
				        PQgetvalue(r, i, 3), diffs[t].day, PQgetvalue(r, i, 4),
				        PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
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

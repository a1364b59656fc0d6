/* test_asof: the figures as of a moment (services/stats/asof.c, docs/design.md §13) against the
 * figures stats answered live at that moment. Random dossiers and feedback items are stored in
 * two steps (step 2 brings new items, later events of step 1's, events whose `received` was
 * missing, and resends of step 1's); right after each step every query (quarter, half, custom
 * ranges, a bound that is not a midnight, every unit as scope, map_to) is answered live and
 * kept. Then as_of_seq and as_of_ms of each step must give those replies byte for byte (every
 * row, every figure, names and order). Needs PostgreSQL like test_store ($CCHC_TEST_PGURL or the
 * stack of $CCHC_CONF), in a schema of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "period.h"
#include "scratch_db.h"
#include "stats_asof.h"
#include "stats_db.h"
#include "stats_db_units.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "stats_query.h"
#include "units.h"
#include "wire.h"

static char schema[64];
static PGconn *admin, *qconn;
static stats_ctx ctx;
static int have_db;

/* ---- random records, each for step 1 or step 2 ---- */

typedef struct rec {
	int feedback, step;
	char event_id[32], office[16], item[32], field[16];
	int kind, channel, topic;
	char at[64], due[64];
	int rating; /* on kind 12, rated */
} rec;

static rec *recs;
static size_t nrecs, caprecs;
static unsigned long long rng = 0x2545f4914f6cdd1dull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Local (UTC+7) time as RFC 3339; minutes since 2023-11-01 00:00 local. */
static void fmt_local(int64_t minutes, char *out, size_t len)
{
	struct tm base = {.tm_year = 123, .tm_mon = 10, .tm_mday = 1};
	time_t t = timegm(&base) + (time_t)minutes * 60;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:00+07:00", (tm.tm_year + 1900) % 10000,
	         (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100);
}

/* A random instant: often exactly a midnight or 17:00, the edges of days and dues. */
static int64_t rnd_time(int64_t lo, int64_t span_days)
{
	int64_t day = lo / 1440 + rnd((unsigned)span_days + 1);
	switch (rnd(4)) {
	case 0:
		return day * 1440;
	case 1:
		return day * 1440 + 17 * 60;
	default:
		return day * 1440 + 7 * 60 + rnd(11 * 60);
	}
}

static rec *add_rec(int feedback, const char *office, const char *item, int kind, int64_t at)
{
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 1024;
		recs = realloc(recs, caprecs * sizeof *recs);
		assert_non_null(recs);
	}
	rec *r = &recs[nrecs];
	memset(r, 0, sizeof *r);
	r->feedback = feedback;
	r->step = 1;
	snprintf(r->event_id, sizeof r->event_id, "ev-%zu", nrecs);
	snprintf(r->office, sizeof r->office, "%s", office);
	snprintf(r->item, sizeof r->item, "%s", item);
	r->kind = kind;
	fmt_local(at, r->at, sizeof r->at);
	nrecs++;
	return r;
}

/* 99999 is no unit of the registry: its dossiers have a unit row of their own. */
static const char *const offices[] = {"46", "474", "19753", "19756", "480", "99999"};
static const char *const fields[] = {"hotich", "datdai", "xaydung", ""};

static rec *ev(const char *office, const char *item, const char *field, int kind, int64_t at)
{
	rec *r = add_rec(0, office, item, kind, at);
	snprintf(r->field, sizeof r->field, "%s", field);
	return r;
}

static void gen_dossier(int n)
{
	char item[32];
	const char *office = offices[rnd(6)];
	const char *field = fields[rnd(4)];
	int64_t t0 = rnd_time(0, 300), t; /* 2023-11-01 .. 2024-08 */
	int channel = 1 + (int)rnd(3);
	rec *r;

	snprintf(item, sizeof item, "D-%d", n);
#define EV(kind, at) ev(office, item, field, (kind), (at))
	if (rnd(10) < 3) { /* online submission first */
		EV(1, t0)->channel = 2;
		t0 += rnd(3 * 1440);
		unsigned w = rnd(10);
		if (w == 0)
			return; /* still waiting */
		if (w == 1) {
			EV(7, t0); /* not accepted */
			return;
		}
		channel = 2;
	}
	if (rnd(20) == 0) { /* orphan: no received */
		EV(6, t0);
		return;
	}
	int64_t due = t0 + (int64_t)(1 + rnd(20)) * 1440;
	due = rnd(3) ? due / 1440 * 1440 + 17 * 60 : due / 1440 * 1440;
	r = EV(2, t0);
	r->channel = channel;
	fmt_local(due, r->due, sizeof r->due);
	t = t0;
	if (rnd(8) == 0)
		EV(6, t0 - 1440); /* before the start: ignored */
	if (rnd(12) == 0)
		EV(2, rnd_time(t0, 3))->channel = channel; /* a second received */
	if (rnd(5) == 0) {
		t = rnd_time(t, 10);
		EV(3, t);
		if (rnd(4)) {
			t = rnd_time(t, 15);
			due = t + (int64_t)(1 + rnd(10)) * 1440;
			r = EV(4, t);
			fmt_local(due, r->due, sizeof r->due);
		}
	}
	if (rnd(6) == 0) {
		t = rnd_time(t, 10);
		due = due + (int64_t)rnd(10) * 1440 + 60;
		r = EV(5, t);
		fmt_local(due, r->due, sizeof r->due);
	}
	if (rnd(4))
		EV(6 + (int)(rnd(10) < 8 ? 0 : 1 + rnd(2)), rnd_time(t, 35));
	if (rnd(3) == 0)
		EV(6, rnd_time(t, 60)); /* a second finish: changes nothing */
	if (rnd(3) == 0)
		EV(10, rnd_time(t, 5));
	if (rnd(4) == 0)
		EV(11, rnd_time(t, 5));
	if (rnd(4) == 0)
		EV(9, rnd_time(t, 40));
	/* ratings, some changed later (docs/design.md §16): a re-rating stored after the moment
	 * must not show in the figures as of it */
	if (rnd(3) == 0) {
		int64_t at = rnd_time(t, 40);
		EV(12, at)->rating = 1 + (int)rnd(3);
		if (rnd(4) == 0)
			EV(12, rnd_time(at, 20))->rating = 1 + (int)rnd(3);
	}
#undef EV
}

static void gen_feedback(int n)
{
	char item[32];
	const char *office = offices[rnd(6)];
	int64_t t0 = rnd_time(0, 300);

	snprintf(item, sizeof item, "F-%d", n);
	if (rnd(10))
		add_rec(1, office, item, 1, t0)->topic = 1 + (int)rnd(2);
	if (rnd(2))
		add_rec(1, office, item, 2, rnd_time(t0, 40));
	if (rnd(3) == 0)
		add_rec(1, office, item, 3, rnd_time(t0, 60));
}

/* Which step stores each event of the item whose events are recs[a..z) (in the order made, which
 * is mostly the order of `at`): all in step 1, all in step 2 (a new item), the later ones in step
 * 2 (late resolutions, supplements, extensions), or each at random (a `received` may come after
 * the events that need it). */
static void assign_steps(size_t a, size_t z)
{
	unsigned how = rnd(10);
	size_t cut = a + 1 + rnd((unsigned)(z - a));

	for (size_t i = a; i < z; i++)
		recs[i].step = how < 4 ? 1 : how < 6 ? 2 : how < 9 ? (i < cut ? 1 : 2) : 1 + rnd(2);
}

/* ---- talking to stats ---- */

static Cchc__V1__StatsReply *call(const Cchc__V1__StatsRequest *rq)
{
	return stats_call(&ctx, rq);
}

static void store(rec *const *rs, size_t n)
{
	Cchc__V1__StoreItem *items = calloc(n, sizeof *items);
	Cchc__V1__StoreItem **pitems = calloc(n, sizeof *pitems);
	Cchc__V1__Record *rr = calloc(n, sizeof *rr);
	Cchc__V1__DossierEvent *de = calloc(n, sizeof *de);
	Cchc__V1__FeedbackEvent *fe = calloc(n, sizeof *fe);
	Cchc__V1__StoreRequest st = CCHC__V1__STORE_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;

	for (size_t i = 0; i < n; i++) {
		const rec *x = rs[i];
		cchc__v1__store_item__init(&items[i]);
		cchc__v1__record__init(&rr[i]);
		items[i].has_index = 1;
		items[i].index = (uint32_t)i;
		items[i].record = &rr[i];
		pitems[i] = &items[i];
		if (!x->feedback) {
			cchc__v1__dossier_event__init(&de[i]);
			de[i].event_id = (char *)x->event_id;
			de[i].office = (char *)x->office;
			de[i].dossier = (char *)x->item;
			de[i].procedure = "1.001234";
			de[i].field = (char *)x->field;
			de[i].has_kind = 1;
			de[i].kind = x->kind;
			de[i].has_channel = x->channel != 0;
			de[i].channel = x->channel;
			de[i].at = (char *)x->at;
			de[i].due = x->due[0] ? (char *)x->due : NULL;
			de[i].has_rating = x->rating != 0;
			de[i].rating = x->rating;
			rr[i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
			rr[i].dossier = &de[i];
		} else {
			cchc__v1__feedback_event__init(&fe[i]);
			fe[i].event_id = (char *)x->event_id;
			fe[i].office = (char *)x->office;
			fe[i].feedback = (char *)x->item;
			fe[i].has_kind = 1;
			fe[i].kind = x->kind;
			fe[i].has_topic = x->topic != 0;
			fe[i].topic = x->topic;
			fe[i].at = (char *)x->at;
			rr[i].event_case = CCHC__V1__RECORD__EVENT_FEEDBACK;
			rr[i].feedback = &fe[i];
		}
	}
	st.source = "test";
	st.n_items = n;
	st.items = pitems;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
	rq.store = &st;
	Cchc__V1__StatsReply *out = call(&rq);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_STORE);
	assert_true(out->store->committed);
	assert_int_equal(out->store->n_rejections, 0);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	free(items);
	free(pitems);
	free(rr);
	free(de);
	free(fe);
}

/* The events of `step` (and, in step 2, a resend of every 9th event of step 1), shuffled, in
 * batches of 1-200; every 7th event is sent again in a later batch. */
static void store_step(int step)
{
	rec **order = malloc(nrecs * 3 * sizeof *order);
	size_t n = 0;

	assert_non_null(order);
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].step == step) {
			order[n++] = &recs[i];
			if (i % 7 == 3)
				order[n++] = &recs[i];
		} else if (step == 2 && i % 9 == 0) {
			order[n++] = &recs[i];
		}
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd((unsigned)i + 1);
		rec *t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	rec **b = malloc(200 * sizeof *b);
	assert_non_null(b);
	for (size_t a = 0; a < n;) {
		size_t k = 1 + rnd(200), m = 0;
		if (a + k > n)
			k = n - a;
		/* one batch holds one copy of an event; a resend comes in a later batch */
		for (size_t i = a; i < a + k; i++) {
			int dup = 0;
			for (size_t j = 0; j < m; j++)
				dup |= b[j] == order[i];
			if (!dup)
				b[m++] = order[i];
		}
		store(b, m);
		a += k;
	}
	free(b);
	free(order);
}

/* One number from the database. */
static long long sql_int(const char *sql)
{
	PGresult *r = PQexec(qconn, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	assert_false(PQgetisnull(r, 0, 0));
	long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* ---- the queries and their live replies ---- */

typedef struct query {
	const char *label, *scope, *map_to;
	int64_t shift_ms; /* added to the period's start: a bound that is not a midnight */
	int64_t from_ms, to_ms;
	uint8_t *live[3]; /* packed QueryReply answered right after step 0 (nothing), 1, 2 */
	size_t len[3];
} query;

static query queries[] = {
    {"2024-Q1", "", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "", "CURRENT", 0, 0, 0, {0}, {0}},
    {"2024-H1", "", NULL, 0, 0, 0, {0}, {0}},
    {"2024-H1", "", "2025-07-01", 0, 0, 0, {0}, {0}},
    {"2024-01-01..2024-03-31", "", NULL, 0, 0, 0, {0}, {0}},
    {"2024-02-20..2024-03-20", "", "CURRENT", 0, 0, 0, {0}, {0}},
    {"2024-03-15..2024-03-15", "", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "", NULL, 3 * 3600 * 1000 + 17, 0, 0, {0}, {0}},
    {"2024-Q1", "46", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "474", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "480", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "19753", NULL, 0, 0, 0, {0}, {0}},
    {"2024-Q1", "19756", "CURRENT", 0, 0, 0, {0}, {0}},
    {"2024-01-01..2024-03-31", "474", NULL, 0, 0, 0, {0}, {0}},
    {"2024-01-01..2024-03-31", "19756", NULL, 0, 0, 0, {0}, {0}},
};
enum { NQUERIES = sizeof queries / sizeof queries[0] };

/* The reply of q through stats' handler, as a worker answers it; as_of_* 0: live. */
static Cchc__V1__StatsReply *ask(const query *q, int64_t as_of_seq, int64_t as_of_ms)
{
	Cchc__V1__QueryRequest qr = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;

	qr.has_from_ms = qr.has_to_ms = 1;
	qr.from_ms = q->from_ms;
	qr.to_ms = q->to_ms;
	qr.scope = (char *)q->scope;
	qr.map_to = (char *)q->map_to;
	if (as_of_seq) {
		qr.has_as_of_seq = 1;
		qr.as_of_seq = as_of_seq;
	}
	if (as_of_ms) {
		qr.has_as_of_ms = 1;
		qr.as_of_ms = as_of_ms;
	}
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &qr;
	Cchc__V1__StatsReply *out = call(&rq);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_QUERY);
	if (!out->query->ok)
		fprintf(stderr, "test_asof: %s scope '%s': %s\n", q->label, q->scope,
		        out->query->error);
	assert_true(out->query->ok);
	return out;
}

static void pack_reply(const Cchc__V1__QueryReply *r, uint8_t **out, size_t *len)
{
	*len = cchc__v1__query_reply__get_packed_size(r);
	*out = malloc(*len + 1);
	assert_non_null(*out);
	assert_int_equal(cchc__v1__query_reply__pack(r, *out), *len);
}

static void take_live(int step)
{
	for (size_t i = 0; i < NQUERIES; i++) {
		Cchc__V1__StatsReply *out = ask(&queries[i], 0, 0);
		/* "all" and the three levels at least */
		assert_true(out->query->n_rows >= 4);
		pack_reply(out->query, &queries[i].live[step], &queries[i].len[step]);
		cchc__v1__stats_reply__free_unpacked(out, NULL);
	}
}

static const char *const fig_names[] = {
    "carried_over", "received",       "received_online",  "received_direct",    "received_postal",
    "resolved",     "resolved_early", "resolved_on_time", "resolved_late",      "intake",
    "returned",     "withdrawn",      "pending",          "pending_within_due", "pending_overdue",
    "waiting",      "not_accepted",   "paid_online",      "digitized"};

static void figs(const Cchc__V1__DossierFigures *d, int64_t v[19])
{
	int64_t x[19] = {d->carried_over,    d->received,           d->received_online,
	                 d->received_direct, d->received_postal,    d->resolved,
	                 d->resolved_early,  d->resolved_on_time,   d->resolved_late,
	                 d->intake,          d->returned,           d->withdrawn,
	                 d->pending,         d->pending_within_due, d->pending_overdue,
	                 d->waiting,         d->not_accepted,       d->paid_online,
	                 d->digitized};
	memcpy(v, x, sizeof x);
}

/* What differs between two replies, for the person reading a failure. */
static void explain(const char *what, const Cchc__V1__QueryReply *want,
                    const Cchc__V1__QueryReply *got)
{
	if (want->n_rows != got->n_rows)
		fprintf(stderr, "test_asof: %s: %zu rows live, %zu as of\n", what, want->n_rows,
		        got->n_rows);
	for (size_t i = 0; i < want->n_rows && i < got->n_rows; i++) {
		const Cchc__V1__FigureRow *a = want->rows[i], *b = got->rows[i];
		int64_t x[19], y[19];
		if (strcmp(a->group, b->group) || strcmp(a->key, b->key)) {
			fprintf(stderr, "test_asof: %s: row %zu is %s/%s live, %s/%s as of\n", what,
			        i, a->group, a->key, b->group, b->key);
			continue;
		}
		figs(a->dossiers, x);
		figs(b->dossiers, y);
		for (int k = 0; k < 19; k++)
			if (x[k] != y[k])
				fprintf(stderr, "test_asof: %s: %s/%s %s: live %lld, as of %lld\n",
				        what, a->group, a->key, fig_names[k], (long long)x[k],
				        (long long)y[k]);
	}
	const Cchc__V1__FeedbackFigures *p = want->feedback, *q = got->feedback;
	if (p && q &&
	    (p->carried_over != q->carried_over || p->received != q->received ||
	     p->resolved != q->resolved || p->published != q->published ||
	     p->pending != q->pending || p->about_regulation != q->about_regulation ||
	     p->about_behavior != q->about_behavior))
		fprintf(stderr, "test_asof: %s: the feedback figures differ\n", what);
}

static int compared;

/* Every query as of (seq, ms) equals its live reply after `step`, byte for byte. */
static void expect_step(int step, int64_t seq, int64_t ms, const char *what)
{
	int bad = 0;

	for (size_t i = 0; i < NQUERIES; i++) {
		query *q = &queries[i];
		Cchc__V1__StatsReply *out = ask(q, seq, ms);
		uint8_t *got;
		size_t len;
		char label[160];
		pack_reply(out->query, &got, &len);
		if (len != q->len[step] || memcmp(got, q->live[step], len) != 0) {
			Cchc__V1__QueryReply *want =
			    cchc__v1__query_reply__unpack(NULL, q->len[step], q->live[step]);
			assert_non_null(want);
			snprintf(label, sizeof label, "%s (%s, scope '%s', map_to %s)", what,
			         q->label, q->scope, q->map_to ? q->map_to : "-");
			fprintf(stderr, "test_asof: %s differs from step %d's live figures\n",
			        label, step);
			explain(label, want, out->query);
			cchc__v1__query_reply__free_unpacked(want, NULL);
			bad = 1;
		}
		free(got);
		cchc__v1__stats_reply__free_unpacked(out, NULL);
		compared++;
	}
	assert_false(bad);
}

/* ---- fixtures ---- */

static int setup(void **st)
{
	char err[512], conninfo[2300];
	PGconn *w[STORE_PARTS], *r;
	units *reg;
	int changed;

	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	int opened = scratch_open("cchc_test_asof", &admin, schema, sizeof schema, conninfo,
	                          sizeof conninfo);
	if (opened <= 0)
		return opened;
	if (scratch_writers(conninfo, w, err, sizeof err) != 0 ||
	    db_connect(conninfo, &r, err, sizeof err) != 0 ||
	    db_connect(conninfo, &qconn, err, sizeof err) != 0 ||
	    db_migrate(w[0], &scratch_province, err, sizeof err) != 0) {
		fprintf(stderr, "test_asof: %s\n", err);
		return -1;
	}
	if (units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err) != 0 ||
	    db_sync_units(w[0], reg, &changed, err, sizeof err) != 0) {
		fprintf(stderr, "test_asof: units: %s\n", err);
		return -1;
	}
	units_free(reg);
	if (stats_ctx_init(&ctx, w, r) != 0)
		return -1;
	for (size_t i = 0; i < NQUERIES; i++) {
		period p;
		assert_int_equal(period_parse(queries[i].label, &p, err, sizeof err), 0);
		queries[i].from_ms = p.from_ms + queries[i].shift_ms;
		queries[i].to_ms = p.to_ms;
	}
	have_db = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	free(recs);
	for (size_t i = 0; i < NQUERIES; i++)
		for (int s = 0; s < 3; s++)
			free(queries[i].live[s]);
	if (!have_db)
		return 0;
	stats_ctx_destroy(&ctx);
	PQfinish(qconn);
	scratch_drop(admin, schema);
	return 0;
}

/* ---- tests ---- */

/* Step 1's watermarks, for the tests after test_two_steps. */
static long long seq1, t1;

static void test_two_steps(void **st)
{
	char sql[512];

	(void)st;
	if (!have_db)
		skip();
	for (int i = 0; i < 3000; i++) {
		size_t a = nrecs;
		gen_dossier(i);
		assign_steps(a, nrecs);
	}
	for (int i = 0; i < 400; i++) {
		size_t a = nrecs;
		gen_feedback(i);
		if (nrecs > a)
			assign_steps(a, nrecs);
	}
	/* before anything: an instant no event is stored at or before */
	long long t0 = sql_int("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000) - 1");
	take_live(0);

	store_step(1);
	take_live(1);
	seq1 = sql_int("SELECT max(s) FROM (SELECT max(store_seq) s FROM dossier_event "
	               "UNION ALL SELECT max(store_seq) FROM feedback_event) m");
	long long last1 = sql_int("SELECT last_value FROM event_store_seq");
	t1 = sql_int("SELECT ceil(extract(epoch FROM max(m)) * 1000) FROM ("
	             "SELECT max(stored_at) m FROM dossier_event UNION ALL "
	             "SELECT max(stored_at) FROM feedback_event) x");
	assert_true(seq1 > 0 && last1 >= seq1);

	store_step(2);
	take_live(2);
	/* the premise: step 2 stored many events, each after both watermarks of step 1 */
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM (SELECT store_seq, stored_at FROM dossier_event UNION ALL "
	         "SELECT store_seq, stored_at FROM feedback_event) e WHERE e.store_seq > %lld AND "
	         "e.stored_at <= to_timestamp(%lld / 1000.0)",
	         seq1, t1);
	assert_int_equal(sql_int(sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM dossier_event WHERE store_seq > %lld",
	         seq1);
	long long late = sql_int(sql);
	assert_true(late > 1000);
	/* and changed the figures of each query, so that as of step 1 is not today's */
	for (size_t i = 0; i < NQUERIES; i++) {
		query *q = &queries[i];
		assert_false(q->len[1] == q->len[2] && !memcmp(q->live[1], q->live[2], q->len[1]));
		assert_false(q->len[0] == q->len[1] && !memcmp(q->live[0], q->live[1], q->len[0]));
	}

	long long seq2 = sql_int("SELECT last_value FROM event_store_seq");
	long long now = sql_int("SELECT ceil(extract(epoch FROM clock_timestamp()) * 1000)");
	expect_step(1, seq1, 0, "as_of_seq = max store_seq after step 1");
	expect_step(1, last1, 0, "as_of_seq = the sequence's last value after step 1");
	expect_step(1, 0, t1, "as_of_ms = the last stored_at of step 1");
	expect_step(1, seq2, t1, "as_of_seq now and as_of_ms of step 1");
	expect_step(2, seq2, 0, "as_of_seq = now");
	expect_step(2, 0, now, "as_of_ms = now");
	expect_step(0, 0, t0, "as_of_ms before anything");
	fprintf(stderr, "test_asof: %zu records, %lld dossier events stored late; %d comparisons\n",
	        nrecs, late, compared);
}

/* The watermark is inclusive: an event stored at exactly as_of_seq counts, also when its item
 * gained an event later (then its state is the one derived again). */
static void test_watermark_edge(void **st)
{
	uint8_t *live, *got;
	size_t live_len, len;

	(void)st;
	if (!have_db || !seq1)
		skip();
	rec *x = add_rec(0, "474", "D-edge", 2, 80 * 1440 + 600); /* received 2024-01-20 */
	x->channel = 1;
	snprintf(x->due, sizeof x->due, "2024-02-20T17:00:00+07:00");
	snprintf(x->field, sizeof x->field, "hotich");
	store(&x, 1);
	Cchc__V1__StatsReply *out = ask(&queries[0], 0, 0);
	pack_reply(out->query, &live, &live_len);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	long long w = sql_int("SELECT store_seq FROM dossier_event WHERE dossier = 'D-edge'");

	rec *y = add_rec(0, "474", "D-edge", 6, 90 * 1440 + 600); /* resolved 2024-01-30 */
	store(&y, 1);
	out = ask(&queries[0], w, 0);
	pack_reply(out->query, &got, &len);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	assert_int_equal(len, live_len);
	assert_memory_equal(got, live, len);
	free(got);
	/* one before: the dossier did not exist yet */
	out = ask(&queries[0], w - 1, 0);
	pack_reply(out->query, &got, &len);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	assert_false(len == live_len && !memcmp(got, live, len));
	free(got);
	free(live);
}

/* In a transaction of the caller's: as of step 1, and afterwards the same transaction sees the
 * real state tables again (today's figures, no temporary table left). */
static void test_in_transaction(void **st)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__QueryReply rep;
	char err[512];
	uint8_t *got;
	size_t len;

	(void)st;
	if (!have_db || !seq1)
		skip();
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = queries[0].from_ms;
	q.to_ms = queries[0].to_ms;
	q.scope = "";
	q.has_as_of_seq = 1;
	q.as_of_seq = seq1;
	assert_int_equal(db_begin(qconn, ASOF_BEGIN, err, sizeof err), 0);
	int rc = query_figures_in(qconn, &q, &rep, err, sizeof err);
	if (rc)
		fprintf(stderr, "test_asof: %s\n", err);
	assert_int_equal(rc, 0);
	rep.has_ok = rep.ok = 1;
	pack_reply(&rep, &got, &len);
	assert_int_equal(len, queries[0].len[1]);
	assert_memory_equal(got, queries[0].live[1], len);
	free(got);
	query_reply_clear(&rep);
	assert_int_equal(sql_int("SELECT count(*) FROM pg_class WHERE relnamespace = "
	                         "pg_my_temp_schema() AND relname IN ('dossier_state', "
	                         "'feedback_state')"),
	                 0);
	q.has_as_of_seq = 0;
	assert_int_equal(query_figures_in(qconn, &q, &rep, err, sizeof err), 0);
	rep.has_ok = rep.ok = 1;
	pack_reply(&rep, &got, &len);
	assert_int_equal(len, queries[0].len[2]);
	assert_memory_equal(got, queries[0].live[2], len);
	free(got);
	query_reply_clear(&rep);
	PQclear(PQexec(qconn, "ROLLBACK"));

	/* a read-only transaction cannot hold the temporary tables: an error, never today's
	 * figures, and the transaction goes on */
	q.has_as_of_seq = 1;
	assert_int_equal(db_begin(qconn, "BEGIN READ ONLY", err, sizeof err), 0);
	assert_int_not_equal(query_figures_in(qconn, &q, &rep, err, sizeof err), 0);
	assert_non_null(strstr(err, "read-only"));
	query_reply_clear(&rep);
	assert_int_equal(sql_int("SELECT 1"), 1);
	PQclear(PQexec(qconn, "ROLLBACK"));
}

/* Events stored before store_seq existed (sql/011) have none: they count in every as-of. */
static void test_null_store_seq(void **st)
{
	char sql[256], err[512];

	(void)st;
	if (!have_db || !seq1)
		skip();
	for (int feedback = 0; feedback < 2; feedback++) {
		snprintf(sql, sizeof sql, "UPDATE %s SET store_seq = NULL WHERE store_seq <= %lld",
		         feedback ? "feedback_event" : "dossier_event", seq1);
		assert_int_equal(db_exec(qconn, "forget store_seq", sql, err, sizeof err), 0);
	}
	assert_true(sql_int("SELECT count(*) FROM dossier_event WHERE store_seq IS NULL") > 1000);
	/* 1 is below every sequence value step 2 took */
	expect_step(1, 1, 0, "as_of_seq = 1 with step 1 stored before store_seq");
	expect_step(1, seq1, 0, "as_of_seq of step 1 with step 1 stored before store_seq");
}

/* A negative moment is refused, not read as "now". */
static void test_refused(void **st)
{
	(void)st;
	if (!have_db)
		skip();
	for (int k = 0; k < 2; k++) {
		Cchc__V1__QueryRequest qr = CCHC__V1__QUERY_REQUEST__INIT;
		Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
		qr.has_from_ms = qr.has_to_ms = 1;
		qr.from_ms = queries[0].from_ms;
		qr.to_ms = queries[0].to_ms;
		if (k) {
			qr.has_as_of_ms = 1;
			qr.as_of_ms = -5;
		} else {
			qr.has_as_of_seq = 1;
			qr.as_of_seq = -1;
		}
		rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
		rq.query = &qr;
		Cchc__V1__StatsReply *out = call(&rq);
		assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_QUERY);
		assert_false(out->query->ok);
		assert_int_equal(out->query->n_rows, 0);
		assert_non_null(strstr(out->query->error, "negative"));
		cchc__v1__stats_reply__free_unpacked(out, NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_steps),      cmocka_unit_test(test_in_transaction),
	    cmocka_unit_test(test_watermark_edge), cmocka_unit_test(test_null_store_seq),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests_name("asof", tests, setup, teardown);
}

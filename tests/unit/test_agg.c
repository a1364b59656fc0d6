/* test_agg: the figures from the aggregates kept at write time (services/stats/agg_*.c) against the
 * reference query over every state row (query.c, QUERY_STATES), on random dossiers pushed in small
 * shuffled batches with resends, for a quarter, a half, a custom range and single days, after
 * every few batches; then a rebuild and `--verify`'s aggregate check. Needs PostgreSQL like
 * test_store ($CCHC_TEST_PGURL or the stack of $CCHC_CONF), in a schema of its own. */
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

#include "calendar.h"
#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "scratch_db.h"
#include "period.h"
#include "stats_agg.h"
#include "stats_db.h"
#include "stats_db_calendar.h"
#include "stats_db_units.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "stats_query.h"
#include "units.h"
#include "wire.h"
#include "workdays.h"

static char schema[64];
static PGconn *admin, *qconn;
static workdays *days_off; /* deploy/data/days-off.txt: the process's calendar */
static stats_ctx ctx;
static int have_db;

/* ---- random records ---- */

typedef struct rec {
	int feedback;
	char event_id[32], office[16], item[32], field[16];
	int kind, channel, topic;
	char at[64], due[64];
	int rating; /* on kind 12, rated */
} rec;

static rec *recs;
static size_t nrecs, caprecs;
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

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
		return day * 1440; /* 00:00 */
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
	snprintf(r->event_id, sizeof r->event_id, "ev-%zu", nrecs);
	snprintf(r->office, sizeof r->office, "%s", office);
	snprintf(r->item, sizeof r->item, "%s", item);
	r->kind = kind;
	fmt_local(at, r->at, sizeof r->at);
	nrecs++;
	return r;
}

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
	if (rnd(5) == 0) {
		t = rnd_time(t, 10);
		EV(3, t);
		if (rnd(4)) {
			t = rnd_time(t, 15);
			due = t + (int64_t)(1 + rnd(10)) * 1440;
			r = EV(4, t);
			fmt_local(due, r->due, sizeof r->due);
		} else {
			return; /* waits for ever */
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
	/* docs/design.md §16: ratings, some changed later, some two at one instant */
	if (rnd(3) == 0) {
		int64_t at = rnd_time(t, 40);
		EV(12, at)->rating = 1 + (int)rnd(3);
		if (rnd(5) == 0)
			EV(12, rnd(2) ? at : rnd_time(at, 20))->rating = 1 + (int)rnd(3);
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

/* ---- comparing ---- */

/* A figure of message m (DossierFigures or FeedbackFigures) by its descriptor: every figure of
 * the contract is compared, those added later too. */
static int64_t figure(const ProtobufCMessage *m, unsigned i)
{
	return *(const int64_t *)(const void *)((const char *)m + m->descriptor->fields[i].offset);
}

/* Figure by figure; names the first rows that differ. Returns 1 when they differ. */
static int differ(const char *what, const Cchc__V1__FigureRow *row, const ProtobufCMessage *a,
                  const ProtobufCMessage *b)
{
	int bad = 0;
	if (!a || !b)
		return a != b;
	for (unsigned k = 0; k < a->descriptor->n_fields; k++)
		if (figure(a, k) != figure(b, k)) {
			fprintf(stderr, "test_agg: %s: %s/%s %s%s: states %lld, aggregates %lld\n",
			        what, row ? row->group : "feedback", row ? row->key : "",
			        a->descriptor == &cchc__v1__feedback_figures__descriptor
			            ? "feedback."
			            : "",
			        a->descriptor->fields[k].name, (long long)figure(a, k),
			        (long long)figure(b, k));
			bad = 1;
		}
	return bad;
}

static void run_query(int64_t from, int64_t to, const char *scope, const char *map_to,
                      query_source src, Cchc__V1__QueryReply *out)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	query_source used;
	char err[512];

	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = from;
	q.to_ms = to;
	q.scope = (char *)scope;
	q.map_to = (char *)map_to;
	assert_int_equal(
	    db_begin(qconn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, sizeof err), 0);
	int rc = query_figures_from(qconn, &q, out, src, &used, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "test_agg: query: %s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(used, src);
	PQclear(PQexec(qconn, "ROLLBACK"));
}

static int compared;

/* Both sources, row by row and figure by figure. */
static void compare(int64_t from, int64_t to, const char *scope, const char *map_to,
                    const char *what)
{
	Cchc__V1__QueryReply a, b;

	run_query(from, to, scope, map_to, QUERY_STATES, &a);
	run_query(from, to, scope, map_to, QUERY_AGGREGATES, &b);
	int bad = a.n_rows != b.n_rows;
	for (size_t i = 0; !bad && i < a.n_rows; i++) {
		if (strcmp(a.rows[i]->group, b.rows[i]->group) ||
		    strcmp(a.rows[i]->key, b.rows[i]->key)) {
			fprintf(stderr, "test_agg: %s: row %zu is %s/%s, aggregates give %s/%s\n",
			        what, i, a.rows[i]->group, a.rows[i]->key, b.rows[i]->group,
			        b.rows[i]->key);
			bad = 1;
		}
		bad |=
		    differ(what, a.rows[i], &a.rows[i]->dossiers->base, &b.rows[i]->dossiers->base);
		/* each row's feedback (all, levels, units) */
		bad |=
		    differ(what, a.rows[i], a.rows[i]->feedback ? &a.rows[i]->feedback->base : NULL,
		           b.rows[i]->feedback ? &b.rows[i]->feedback->base : NULL);
	}
	if (a.n_rows != b.n_rows) {
		fprintf(stderr, "test_agg: %s: %zu rows from the states, %zu from aggregates\n",
		        what, a.n_rows, b.n_rows);
		for (size_t i = 0; i < a.n_rows; i++)
			fprintf(stderr, "  states %s/%s\n", a.rows[i]->group, a.rows[i]->key);
		for (size_t i = 0; i < b.n_rows; i++)
			fprintf(stderr, "  aggs   %s/%s\n", b.rows[i]->group, b.rows[i]->key);
	}
	bad |= differ(what, NULL, &a.feedback->base, &b.feedback->base);
	query_reply_clear(&a);
	query_reply_clear(&b);
	assert_false(bad);
	compared++;
}

static void compare_periods(void)
{
	static const char *const labels[] = {"2024-Q1",
	                                     "2024-H1",
	                                     "2024-01-01..2024-03-31",
	                                     "2024-02-10..2024-02-10",
	                                     "2024-Q3",
	                                     "2024",
	                                     "2024-02-20..2024-03-20",
	                                     "2023-12-15..2024-01-14",
	                                     "2024-03-15..2024-03-15"};
	char err[256];

	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		period p;
		assert_int_equal(period_parse(labels[i], &p, err, sizeof err), 0);
		compare(p.from_ms, p.to_ms, "", NULL, labels[i]);
	}
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
	int opened =
	    scratch_open("cchc_test_agg", &admin, schema, sizeof schema, conninfo, sizeof conninfo);
	if (opened <= 0)
		return opened;
	if (scratch_writers(conninfo, w, err, sizeof err) != 0 ||
	    db_connect(conninfo, &r, err, sizeof err) != 0 ||
	    db_connect(conninfo, &qconn, err, sizeof err) != 0 ||
	    db_migrate(w[0], &scratch_province, err, sizeof err) != 0) {
		fprintf(stderr, "test_agg: %s\n", err);
		return -1;
	}
	if (units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err) != 0 ||
	    db_sync_units(w[0], reg, &changed, err, sizeof err) != 0) {
		fprintf(stderr, "test_agg: units: %s\n", err);
		return -1;
	}
	units_free(reg);
	/* feedback deadlines across the province's holidays, as cchc-stats counts them */
	if (workdays_load(CCHC_SOURCE_DIR "/deploy/data/days-off.txt", &days_off, err,
	                  sizeof err) != 0) {
		fprintf(stderr, "test_agg: %s\n", err);
		return -1;
	}
	workdays_set_current(days_off);
	if (stats_ctx_init(&ctx, w, r) != 0)
		return -1;
	have_db = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	free(recs);
	if (!have_db)
		return 0;
	stats_ctx_destroy(&ctx);
	PQfinish(qconn);
	scratch_drop(admin, schema);
	workdays_set_current(NULL);
	workdays_free(days_off);
	return 0;
}

/* ---- tests ---- */

/* The reporting month (15th to 14th) in C (lib/calendar, tested in test_calendar) and in SQL
 * (sql/008) agree, over 1900-2100. */
static void test_month_start(void **st)
{
	(void)st;
	if (!have_db)
		skip();
	PGresult *r = PQexec(qconn, "SELECT d, cchc_report_month(d) FROM "
	                            "generate_series(-25567, 47482) d ORDER BY d");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int n = PQntuples(r), bad = 0;
	assert_int_equal(n, 47482 + 25567 + 1);
	for (int i = 0; i < n; i++) {
		int32_t d = atoi(PQgetvalue(r, i, 0));
		int32_t want = atoi(PQgetvalue(r, i, 1));
		if (cal_report_month_start(d) != want && bad++ < 5)
			fprintf(stderr, "test_agg: day %d: C %lld, SQL %d\n", d,
			        (long long)cal_report_month_start(d), want);
	}
	PQclear(r);
	assert_int_equal(bad, 0);
}

static void test_random_batches(void **st)
{
	char err[512];

	(void)st;
	if (!have_db)
		skip();
	for (int i = 0; i < 2500; i++)
		gen_dossier(i);
	for (int i = 0; i < 300; i++)
		gen_feedback(i);
	/* shuffled, then pushed in batches of 1-150 with every 7th record sent twice */
	rec **order = malloc(nrecs * 2 * sizeof *order);
	size_t n = 0;
	assert_non_null(order);
	for (size_t i = 0; i < nrecs; i++) {
		order[n++] = &recs[i];
		if (i % 7 == 3)
			order[n++] = &recs[i];
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd((unsigned)i + 1);
		rec *t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	int batches = 0;
	for (size_t a = 0; a < n;) {
		size_t k = 1 + rnd(150);
		if (a + k > n)
			k = n - a;
		/* one batch holds one copy of an event; a resend comes in a later batch */
		rec **b = malloc(k * sizeof *b);
		size_t m = 0;
		for (size_t i = a; i < a + k; i++) {
			int dup = 0;
			for (size_t j = 0; j < m; j++)
				dup |= b[j] == order[i];
			if (!dup)
				b[m++] = order[i];
		}
		store(b, m);
		free(b);
		a += k;
		if (++batches % 25 == 0) {
			period p;
			assert_int_equal(period_parse("2024-Q1", &p, err, sizeof err), 0);
			compare(p.from_ms, p.to_ms, "", NULL, "2024-Q1 mid-way");
		}
	}
	free(order);
	compare_periods();
	period p;
	assert_int_equal(period_parse("2024-Q1", &p, err, sizeof err), 0);
	compare(p.from_ms, p.to_ms, "474", NULL, "2024-Q1 scope 474");
	compare(p.from_ms, p.to_ms, "", "CURRENT", "2024-Q1 map_to CURRENT");
	fprintf(stderr, "test_agg: %zu records in %d batches, %d comparisons\n", nrecs, batches,
	        compared);
	/* the comparisons covered every kind of the §16 figures */
	Cchc__V1__QueryReply a;
	run_query(p.from_ms, p.to_ms, "", NULL, QUERY_AGGREGATES, &a);
	const Cchc__V1__DossierFigures *d = a.rows[0]->dossiers;
	const Cchc__V1__FeedbackFigures *f = a.feedback;
	assert_true(d->rated_satisfied > 0 && d->rated_unsatisfied > 0 &&
	            d->rated_unsatisfied_late > 0);
	assert_true(f->resolved_on_time > 0 && f->resolved_on_time < f->resolved);
	assert_true(f->pending_within_due > 0 && f->pending_within_due < f->pending);
	query_reply_clear(&a);
}

/* A bound that is not a local midnight is answered from the states. */
static void test_not_midnight(void **st)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__QueryReply out;
	char err[512];
	period p;

	(void)st;
	if (!have_db)
		skip();
	assert_int_equal(period_parse("2024-Q1", &p, err, sizeof err), 0);
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p.from_ms + 3600 * 1000;
	q.to_ms = p.to_ms;
	assert_int_equal(db_begin(qconn, "BEGIN READ ONLY", err, sizeof err), 0);
	query_source used;
	assert_int_equal(query_figures_from(qconn, &q, &out, QUERY_AUTO, &used, err, sizeof err),
	                 0);
	assert_int_equal(used, QUERY_STATES);
	query_reply_clear(&out);
	assert_int_not_equal(
	    query_figures_from(qconn, &q, &out, QUERY_AGGREGATES, &used, err, sizeof err), 0);
	query_reply_clear(&out);
	PQclear(PQexec(qconn, "ROLLBACK"));
}

/* The aggregates kept batch by batch equal a rebuild from the states, and a stale build (another
 * registry) sends queries to the states until the next write rebuilds. */
static void test_verify_and_rebuild(void **st)
{
	char err[512];
	uint64_t diff = 0;
	FILE *out = tmpfile();

	(void)st;
	if (!have_db)
		skip();
	assert_non_null(out);
	int rc = agg_verify(qconn, out, 5, &diff, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "test_agg: verify: %s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(diff, 0);
	/* corrupt one row: verify must see it */
	assert_int_equal(db_exec(qconn, "corrupt",
	                         "UPDATE dossier_agg SET received = received + 1 WHERE ctid = "
	                         "(SELECT ctid FROM dossier_agg WHERE received > 0 LIMIT 1)",
	                         err, sizeof err),
	                 0);
	assert_int_equal(agg_verify(qconn, out, 5, &diff, err, sizeof err), 0);
	assert_int_equal(diff, 1);
	/* and a month row (sql/008) that no longer sums its days */
	assert_int_equal(db_exec(qconn, "corrupt",
	                         "UPDATE dossier_agg_month SET d_open = d_open - 1 WHERE ctid = "
	                         "(SELECT ctid FROM dossier_agg_month LIMIT 1)",
	                         err, sizeof err),
	                 0);
	diff = 0;
	assert_int_equal(agg_verify(qconn, out, 5, &diff, err, sizeof err), 0);
	assert_int_equal(diff, 2);
	/* any change of the registry (here a rename) makes them stale: queries go to the states */
	assert_int_equal(db_exec(qconn, "stale",
	                         "UPDATE units SET name = name || ' (x)' WHERE code = '46'", err,
	                         sizeof err),
	                 0);
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__QueryReply rep;
	query_source used;
	period p;
	assert_int_equal(period_parse("2024-Q1", &p, err, sizeof err), 0);
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p.from_ms;
	q.to_ms = p.to_ms;
	assert_int_equal(query_figures_from(qconn, &q, &rep, QUERY_AUTO, &used, err, sizeof err),
	                 0);
	assert_int_equal(used, QUERY_STATES);
	query_reply_clear(&rep);
	/* the next write rebuilds (and repairs the corrupted row) */
	rec *r = add_rec(0, "474", "D-new", 2, 120 * 1440 + 600);
	snprintf(r->due, sizeof r->due, "2024-03-10T17:00:00+07:00");
	snprintf(r->field, sizeof r->field, "hotich");
	r->channel = 1;
	store(&r, 1);
	diff = 0;
	assert_int_equal(agg_verify(qconn, out, 5, &diff, err, sizeof err), 0);
	assert_int_equal(diff, 0);
	compare_periods();
	fclose(out);
}

/* docs/design.md §16: the days off change (a holiday added, here: all of them gone): at start
 * cchc-stats counts every feedback deadline again and rebuilds the feedback aggregates, which
 * then agree with the reference query and --verify on the new days; once done, nothing is
 * counted again. */
static void test_calendar_change(void **st)
{
	char err[512];
	size_t items = 99;
	uint64_t diff = 0;
	FILE *out = tmpfile();

	(void)st;
	if (!have_db)
		skip();
	assert_non_null(out);
	/* the first sync records the file's days: the deadlines were counted on them already */
	assert_int_equal(db_sync_calendar(qconn, days_off, &items, err, sizeof err), 0);
	assert_true(items > 0);
	assert_int_equal(db_sync_calendar(qconn, days_off, &items, err, sizeof err), 0);
	assert_int_equal(items, 0);
	PGresult *r =
	    PQexec(qconn, "SELECT sum(resolved_on_time), sum(d_overdue) FROM feedback_agg");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	char before[64];
	snprintf(before, sizeof before, "%s/%s", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);

	workdays *weekends = workdays_weekends_only();
	workdays_set_current(weekends);
	assert_int_equal(db_sync_calendar(qconn, weekends, &items, err, sizeof err), 0);
	assert_true(items > 0);
	r = PQexec(qconn, "SELECT sum(resolved_on_time), sum(d_overdue) FROM feedback_agg");
	char after[64];
	snprintf(after, sizeof after, "%s/%s", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);
	assert_string_not_equal(before, after); /* fewer days off: more answers late */
	compare_periods();
	assert_int_equal(agg_verify(qconn, out, 5, &diff, err, sizeof err), 0);
	assert_int_equal(diff, 0);

	workdays_set_current(days_off);
	assert_int_equal(db_sync_calendar(qconn, days_off, &items, err, sizeof err), 0);
	assert_true(items > 0);
	compare_periods();
	workdays_free(weekends);
	fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_month_start),     cmocka_unit_test(test_random_batches),
	    cmocka_unit_test(test_not_midnight),    cmocka_unit_test(test_verify_and_rebuild),
	    cmocka_unit_test(test_calendar_change),
	};
	return cmocka_run_group_tests_name("agg", tests, setup, teardown);
}

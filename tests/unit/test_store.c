/* test_store: services/stats store + query + status through stats_handle, against a real
 * PostgreSQL named by $CCHC_TEST_PGURL (skipped without it). Each run works in its own schema,
 * dropped at the end, so it never touches other data in that database. */
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
#include <pthread.h>

#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "scratch_db.h"
#include "stats_audit.h"
#include "stats_check.h"
#include "stats_db.h"
#include "stats_db_units.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "stats_store.h"
#include "stats_verify.h"
#include "units.h"
#include "wire.h"

static char schema[64];
static char conninfo[2048];
static PGconn *admin;
static stats_ctx ctx;
static int have_db;

/* ---- building requests ---- */

typedef struct rec {
	int feedback;
	const char *event_id, *office, *item, *kind_s; /* item: dossier or feedback code */
	int kind, channel, topic;
	const char *at, *due, *field;
} rec;

static const char *PROC = "1.001234";

static Cchc__V1__StatsReply *call(const Cchc__V1__StatsRequest *rq)
{
	return stats_call(&ctx, rq);
}

static Cchc__V1__StatsReply *store(const rec *rs, size_t n)
{
	Cchc__V1__StoreItem *items = calloc(n, sizeof *items);
	Cchc__V1__StoreItem **pitems = calloc(n, sizeof *pitems);
	Cchc__V1__Record *recs = calloc(n, sizeof *recs);
	Cchc__V1__DossierEvent *de = calloc(n, sizeof *de);
	Cchc__V1__FeedbackEvent *fe = calloc(n, sizeof *fe);
	Cchc__V1__StoreRequest st = CCHC__V1__STORE_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	Cchc__V1__StatsReply *out;

	for (size_t i = 0; i < n; i++) {
		cchc__v1__store_item__init(&items[i]);
		cchc__v1__record__init(&recs[i]);
		items[i].has_index = 1;
		items[i].index = (uint32_t)(100 + i);
		items[i].record = &recs[i];
		pitems[i] = &items[i];
		if (!rs[i].feedback) {
			cchc__v1__dossier_event__init(&de[i]);
			de[i].event_id = (char *)rs[i].event_id;
			de[i].office = (char *)rs[i].office;
			de[i].dossier = (char *)rs[i].item;
			de[i].procedure = (char *)PROC;
			de[i].field = (char *)(rs[i].field ? rs[i].field : "hotich");
			de[i].has_kind = 1;
			de[i].kind = rs[i].kind;
			de[i].has_channel = rs[i].channel != 0;
			de[i].channel = rs[i].channel;
			de[i].at = (char *)rs[i].at;
			de[i].due = (char *)rs[i].due;
			recs[i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
			recs[i].dossier = &de[i];
		} else {
			cchc__v1__feedback_event__init(&fe[i]);
			fe[i].event_id = (char *)rs[i].event_id;
			fe[i].office = (char *)rs[i].office;
			fe[i].feedback = (char *)rs[i].item;
			fe[i].has_kind = 1;
			fe[i].kind = rs[i].kind;
			fe[i].has_topic = rs[i].topic != 0;
			fe[i].topic = rs[i].topic;
			fe[i].at = (char *)rs[i].at;
			recs[i].event_case = CCHC__V1__RECORD__EVENT_FEEDBACK;
			recs[i].feedback = &fe[i];
		}
	}
	st.source = "test";
	st.n_items = n;
	st.items = pitems;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
	rq.store = &st;
	out = call(&rq);
	free(items);
	free(pitems);
	free(recs);
	free(de);
	free(fe);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_STORE);
	return out;
}

/* Local (UTC+7) midnight of a day, in ms. */
static int64_t day(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	return ((int64_t)timegm(&tm) - 7 * 3600) * 1000;
}

static Cchc__V1__StatsReply *query(int64_t from, int64_t to, const char *scope)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	Cchc__V1__StatsReply *out;

	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = from;
	q.to_ms = to;
	q.scope = (char *)scope;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	out = call(&rq);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_QUERY);
	return out;
}

static const Cchc__V1__FigureRow *row(const Cchc__V1__QueryReply *q, const char *group,
                                      const char *key)
{
	for (size_t i = 0; i < q->n_rows; i++)
		if (strcmp(q->rows[i]->group, group) == 0 && strcmp(q->rows[i]->key, key) == 0)
			return q->rows[i];
	return NULL;
}

static void check_identities(const Cchc__V1__QueryReply *q)
{
	for (size_t i = 0; i < q->n_rows; i++) {
		const Cchc__V1__DossierFigures *d = q->rows[i]->dossiers;
		assert_non_null(d);
		assert_int_equal(d->carried_over + d->received,
		                 d->resolved + d->returned + d->withdrawn + d->pending);
		assert_int_equal(d->intake, d->carried_over + d->received);
		assert_int_equal(d->resolved,
		                 d->resolved_early + d->resolved_on_time + d->resolved_late);
		assert_int_equal(d->pending, d->pending_within_due + d->pending_overdue);
	}
}

/* ---- fixtures ---- */

static int setup(void **st)
{
	char err[512];
	PGconn *w[STORE_PARTS], *r;
	units *reg;
	int changed;

	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	int opened =
	    scratch_open("cchc_test", &admin, schema, sizeof schema, conninfo, sizeof conninfo);
	if (opened <= 0)
		return opened;
	if (scratch_writers(conninfo, w, err, sizeof err) != 0 ||
	    db_connect(conninfo, &r, err, sizeof err) != 0) {
		fprintf(stderr, "test_store: %s\n", err);
		return -1;
	}
	/* twice: the second run finds everything applied */
	if (db_migrate(w[0], &scratch_province, err, sizeof err) != 0 ||
	    db_migrate(w[0], &scratch_province, err, sizeof err) != 0) {
		fprintf(stderr, "test_store: %s\n", err);
		return -1;
	}
	if (units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err) != 0 ||
	    db_sync_units(w[0], reg, &changed, err, sizeof err) != 0 || !changed ||
	    db_sync_units(w[0], reg, &changed, err, sizeof err) != 0 || changed) {
		fprintf(stderr, "test_store: units: %s\n", err);
		return -1;
	}
	units_free(reg);
	if (stats_ctx_init(&ctx, w, r) != 0)
		return -1;
	have_db = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	if (!have_db)
		return 0;
	stats_ctx_destroy(&ctx);
	scratch_drop(admin, schema);
	return 0;
}

#define NEED_DB()                                                                                  \
	do {                                                                                       \
		if (!have_db)                                                                      \
			skip();                                                                    \
	} while (0)

/* ---- tests (run in order; each builds on the data before it) ---- */

static void test_store_and_duplicates(void **st)
{
	(void)st;
	NEED_DB();
	rec rs[] = {
	    {0, "e1", "19753", "D1", NULL, 2, 2, 0, "2024-01-05T08:15:00+07:00",
	     "2024-01-12T17:00:00+07:00", NULL},
	    {0, "e2", "19753", "D1", NULL, 6, 0, 0, "2024-01-10T09:00:00+07:00", NULL, NULL},
	    {0, "e3", "474", "D2", NULL, 2, 1, 0, "2024-02-01T08:00:00+07:00",
	     "2024-02-05T17:00:00+07:00", "datdai"},
	    {1, "f1", "46", "P1", NULL, 1, 0, 1, "2024-02-01T09:00:00+07:00", NULL, NULL},
	};
	Cchc__V1__StatsReply *r = store(rs, 4);

	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 4);
	assert_int_equal(r->store->duplicate, 0);
	assert_int_equal(r->store->n_rejections, 0);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* the same batch again: harmless */
	r = store(rs, 4);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 0);
	assert_int_equal(r->store->duplicate, 4);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* a conflict, a duplicate inside the batch, an invalid record, a new event */
	rec mixed[] = {
	    {0, "e1", "19753", "D1", NULL, 2, 2, 0, "2024-01-05T08:16:00+07:00",
	     "2024-01-12T17:00:00+07:00", NULL},
	    {0, "e4", "474", "D2", NULL, 5, 0, 0, "2024-02-04T08:00:00+07:00",
	     "2024-02-20T17:00:00+07:00", "datdai"},
	    {0, "e4", "474", "D2", NULL, 5, 0, 0, "2024-02-04T08:00:00+07:00",
	     "2024-02-20T17:00:00+07:00", "datdai"},
	    {0, "e5", "474", "D2", NULL, 5, 0, 0, "not a time", NULL, NULL},
	    {0, "e6", "474", "D2", NULL, 5, 0, 0, "2024-02-04T08:00:00+07:00",
	     "2024-02-21T17:00:00+07:00", "datdai"},
	    {0, "e6", "474", "D2", NULL, 5, 0, 0, "2024-02-04T08:00:00+07:00",
	     "2024-02-22T17:00:00+07:00", "datdai"},
	};
	r = store(mixed, 6);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 2);
	assert_int_equal(r->store->duplicate, 1);
	assert_int_equal(r->store->n_rejections, 3);
	int conflicts = 0, bad_time = 0;
	for (size_t i = 0; i < r->store->n_rejections; i++) {
		const Cchc__V1__Rejection *x = r->store->rejections[i];
		if (strcmp(x->code, "conflict") == 0) {
			conflicts++;
			assert_true(x->index == 100 || x->index == 105);
			assert_non_null(strstr(x->message, x->index == 100 ? "e1" : "e6"));
		} else if (strcmp(x->code, "bad_time") == 0) {
			bad_time++;
			assert_int_equal(x->index, 103);
		}
	}
	assert_int_equal(conflicts, 2);
	assert_int_equal(bad_time, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

static void test_copy_escaping(void **st)
{
	(void)st;
	NEED_DB();
	rec rs[] = {
	    {0, "esc\\1\t", "19753", "D\\x\t\n\r\"'{},;", NULL, 2, 1, 0,
	     "2024-01-05T08:15:00+07:00", "2024-01-12T17:00:00+07:00", "f\\N"},
	};
	Cchc__V1__StatsReply *r = store(rs, 1);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = store(rs, 1);
	assert_int_equal(r->store->duplicate, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	const char *params[2] = {"D\\x\t\n\r\"'{},;", "f\\N"};
	char err[256];
	PGresult *q = db_query(admin, "check",
	                       "SELECT count(*) FROM dossier_state WHERE dossier = $1 AND "
	                       "field = $2",
	                       2, params, err, sizeof err);
	assert_non_null(q);
	assert_string_equal(PQgetvalue(q, 0, 0), "1");
	PQclear(q);
}

static void test_query_figures(void **st)
{
	(void)st;
	NEED_DB();
	/* Q1 2024: 15/12/2023 - 14/03/2024 */
	Cchc__V1__StatsReply *r = query(day(2023, 12, 15), day(2024, 3, 15), "46");
	const Cchc__V1__QueryReply *q = r->query;
	assert_true(q->ok);
	check_identities(q);
	const Cchc__V1__FigureRow *all = row(q, "all", "");
	assert_non_null(all);
	/* D1 received + resolved early; D2 received, extended to 20/02 then (e6) 21/02: resolved
	 * nothing, pending at 15/03 and overdue; the escaping dossier pending, overdue */
	assert_int_equal(all->dossiers->received, 3);
	assert_int_equal(all->dossiers->received_online, 1);
	assert_int_equal(all->dossiers->received_direct, 2);
	assert_int_equal(all->dossiers->resolved, 1);
	assert_int_equal(all->dossiers->resolved_early, 1);
	assert_int_equal(all->dossiers->pending, 2);
	assert_int_equal(all->dossiers->pending_overdue, 2);
	const Cchc__V1__FigureRow *com = row(q, "level", "commune");
	const Cchc__V1__FigureRow *dis = row(q, "level", "district");
	const Cchc__V1__FigureRow *pro = row(q, "level", "province");
	assert_non_null(com);
	assert_non_null(dis);
	assert_non_null(pro);
	assert_int_equal(com->dossiers->received, 2);
	assert_int_equal(dis->dossiers->received, 1);
	assert_int_equal(pro->dossiers->received, 0);
	const Cchc__V1__FigureRow *u = row(q, "unit", "19753");
	assert_non_null(u);
	assert_int_equal(u->level, 3);
	assert_string_equal(u->parent, "474");
	assert_int_equal(u->dossiers->received, 2);
	assert_non_null(row(q, "unit", "19750")); /* valid in the period, no figures */
	assert_non_null(row(q, "field", "datdai"));
	assert_int_equal(row(q, "field", "hotich")->dossiers->resolved, 1);
	assert_int_equal(q->feedback->received, 1);
	assert_int_equal(q->feedback->about_regulation, 1);
	assert_int_equal(q->feedback->pending, 1);
	assert_string_equal(q->scope_name, "Tỉnh Thừa Thiên Huế");
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* Scope 474: the commune 19753 is under it, the province's feedback is not. */
	r = query(day(2023, 12, 15), day(2024, 3, 15), "474");
	assert_true(r->query->ok);
	assert_int_equal(row(r->query, "all", "")->dossiers->received, 3);
	assert_int_equal(r->query->feedback->received, 0);
	assert_null(row(r->query, "unit", "46"));
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* A month ending before D2's due (05/02 17:00 + extensions known then): pending within
	 * due at 04/02 00:00, and D1 resolved in January. */
	r = query(day(2024, 1, 15), day(2024, 2, 4), "");
	q = r->query;
	assert_true(q->ok);
	check_identities(q);
	all = row(q, "all", "");
	assert_int_equal(all->dossiers->carried_over, 1); /* the escaping dossier (05/01) */
	assert_int_equal(all->dossiers->received, 1);     /* D2 */
	assert_int_equal(all->dossiers->pending, 2);
	assert_int_equal(all->dossiers->pending_within_due, 1);
	assert_int_equal(all->dossiers->pending_overdue, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* unknown scope, empty period */
	r = query(day(2024, 1, 15), day(2024, 2, 4), "99999");
	assert_false(r->query->ok);
	assert_non_null(r->query->error);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = query(day(2024, 2, 4), day(2024, 1, 15), "");
	assert_false(r->query->ok);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

static void test_late_events_and_supplements(void **st)
{
	(void)st;
	NEED_DB();
	/* Events of D3 arrive backwards, one batch each. */
	rec rs[] = {
	    {0, "g4", "19750", "D3", NULL, 6, 0, 0, "2024-03-01T09:00:00+07:00", NULL, NULL},
	    {0, "g3", "19750", "D3", NULL, 4, 0, 0, "2024-02-20T09:00:00+07:00",
	     "2024-03-01T17:00:00+07:00", NULL},
	    {0, "g2", "19750", "D3", NULL, 3, 0, 0, "2024-02-10T09:00:00+07:00", NULL, NULL},
	    {0, "g1", "19750", "D3", NULL, 2, 1, 0, "2024-02-01T09:00:00+07:00",
	     "2024-02-12T17:00:00+07:00", NULL},
	};
	for (int i = 0; i < 4; i++) {
		Cchc__V1__StatsReply *r = store(&rs[i], 1);
		assert_true(r->store->committed);
		assert_int_equal(r->store->accepted, 1);
		cchc__v1__stats_reply__free_unpacked(r, NULL);
	}
	/* On 15/02 D3 waits for papers (due 12/02 passed, but waiting is never overdue). */
	Cchc__V1__StatsReply *r = query(day(2024, 2, 1), day(2024, 2, 15), "19750");
	const Cchc__V1__FigureRow *all = row(r->query, "all", "");
	assert_true(r->query->ok);
	assert_int_equal(all->dossiers->received, 1);
	assert_int_equal(all->dossiers->pending, 1);
	assert_int_equal(all->dossiers->pending_within_due, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	/* Resolved 01/03 09:00 against the new due 01/03 17:00: on time. */
	r = query(day(2024, 2, 15), day(2024, 3, 15), "19750");
	all = row(r->query, "all", "");
	check_identities(r->query);
	assert_int_equal(all->dossiers->carried_over, 1);
	assert_int_equal(all->dossiers->resolved_on_time, 1);
	assert_int_equal(all->dossiers->pending, 0);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

static void test_garbage_and_status(void **st)
{
	(void)st;
	NEED_DB();
	uint8_t junk[] = {0xff, 0xff, 0xff, 0x0f, 0x12, 0x99};
	uint8_t *rep = NULL;
	size_t replen = 0;
	assert_int_equal(stats_handle(&ctx, junk, sizeof junk, &rep, &replen), -1);
	assert_int_equal(stats_handle(&ctx, junk, 0, &rep, &replen), -1); /* no body */

	Cchc__V1__StatusRequest s = CCHC__V1__STATUS_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STATUS;
	rq.status = &s;
	Cchc__V1__StatsReply *r = call(&rq);
	assert_string_equal(r->status->service, "cchc-stats");
	assert_true(r->status->has_events_stored);
	assert_int_equal(r->status->events_stored, 11);
	assert_int_equal(r->status->records, 11);
	assert_true(r->status->requests > 0);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Terminates the backend of conn from the admin connection, and returns once it is gone from
 * pg_stat_activity (10 s at most): the next request then finds the connection dropped. */
static void kill_backend(PGconn *conn)
{
	char err[256], pid[16];
	const char *params[1] = {pid};

	snprintf(pid, sizeof pid, "%d", PQbackendPID(conn));
	PGresult *k = db_query(admin, "kill", "SELECT pg_terminate_backend($1::int)", 1, params,
	                       err, sizeof err);
	assert_non_null(k);
	assert_string_equal(PQgetvalue(k, 0, 0), "t");
	PQclear(k);
	int64_t deadline = monotonic_ms() + 10000;
	int alive = 1;
	while (alive && monotonic_ms() < deadline) {
		PGresult *r = db_query(admin, "activity",
		                       "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
		                       1, params, err, sizeof err);
		assert_non_null(r);
		alive = atoi(PQgetvalue(r, 0, 0)) > 0;
		PQclear(r);
		if (alive)
			usleep(5000); /* the interval of the poll, not a wait for the condition */
	}
	assert_false(alive);
}

static void test_connection_loss(void **st)
{
	(void)st;
	NEED_DB();
	/* A connection PostgreSQL dropped between requests is reset before anything is sent. */
	for (int p = 0; p < STORE_PARTS; p++)
		kill_backend(ctx.writer[p].conn);
	rec rs[] = {{0, "h1", "19750", "D4", NULL, 2, 1, 0, "2024-02-01T09:00:00+07:00",
	             "2024-02-12T17:00:00+07:00", NULL}};
	Cchc__V1__StatsReply *r = store(rs, 1);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	kill_backend(ctx.reader);
	r = query(day(2024, 2, 1), day(2024, 2, 15), "19750");
	assert_true(r->query->ok);
	assert_int_equal(row(r->query, "all", "")->dossiers->received, 2);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

/* ---- issue 3: verify, check, units, map_to ---- */

static int verify_differences(char **text)
{
	char err[512], *buf = NULL;
	size_t len = 0;
	verify_result res;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(verify_run(ctx.reader, f, VERIFY_DETAIL_KEYS, &res, err, sizeof err), 0);
	fclose(f);
	assert_true(res.dossiers >= 5);
	*text = buf;
	return (int)res.differences;
}

static void test_verify(void **st)
{
	(void)st;
	NEED_DB();
	char *out, err[256];
	assert_int_equal(verify_differences(&out), 0);
	assert_non_null(strstr(out, "0 differences"));
	free(out);
	/* corrupt D1's state and the event count behind stats' back */
	assert_int_equal(db_exec(admin, "corrupt",
	                         "UPDATE dossier_state SET finished_at = finished_at + interval "
	                         "'1 hour' WHERE dossier = 'D1'; UPDATE event_count SET dossier = "
	                         "dossier + 1",
	                         err, sizeof err),
	                 0);
	assert_int_equal(verify_differences(&out), 2);
	assert_non_null(strstr(out, "dossier 19753 / D1: finished_at stored"));
	assert_non_null(strstr(out, "event_count.dossier"));
	free(out);
	assert_int_equal(db_exec(admin, "repair",
	                         "UPDATE dossier_state SET finished_at = finished_at - interval "
	                         "'1 hour' WHERE dossier = 'D1'; UPDATE event_count SET dossier = "
	                         "dossier - 1",
	                         err, sizeof err),
	                 0);
	assert_int_equal(verify_differences(&out), 0);
	free(out);
}

static const Cchc__V1__CheckItem *finding(const Cchc__V1__CheckReply *c, const char *check,
                                          const char *office)
{
	for (size_t i = 0; i < c->n_items; i++)
		if (!strcmp(c->items[i]->check, check) && c->items[i]->unit &&
		    !strcmp(c->items[i]->unit, office))
			return c->items[i];
	return NULL;
}

static void test_check_findings(void **st)
{
	(void)st;
	NEED_DB();
	rec rs[] = {
	    {0, "k1", "20044", "K1", NULL, 6, 0, 0, "2022-07-10T10:00:00+07:00", NULL, NULL},
	    {0, "k2", "20047", "K2", NULL, 2, 1, 0, "2022-07-02T08:00:00+07:00",
	     "2022-07-09T17:00:00+07:00", NULL},
	    {0, "k3", "20047", "K2", NULL, 5, 0, 0, "2022-07-03T08:00:00+07:00",
	     "2022-07-01T17:00:00+07:00", NULL},
	    {0, "k4", "20050", "K3", NULL, 2, 1, 0, "2022-07-04T08:00:00+07:00",
	     "2022-07-20T17:00:00+07:00", NULL},
	    {0, "k5", "20050", "K3", NULL, 6, 0, 0, "2022-07-10T08:00:00+07:00", NULL, NULL},
	    {0, "k6", "20050", "K3", NULL, 8, 0, 0, "2022-07-12T08:00:00+07:00", NULL, NULL},
	    {0, "k7", "20050", "K3", NULL, 2, 1, 0, "2022-07-05T08:00:00+07:00",
	     "2022-07-20T17:00:00+07:00", NULL},
	};
	Cchc__V1__StatsReply *r = store(rs, sizeof rs / sizeof rs[0]);
	assert_true(r->store->committed);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	Cchc__V1__CheckRequest cr = CCHC__V1__CHECK_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	cr.has_from_ms = cr.has_to_ms = 1;
	cr.from_ms = day(2022, 6, 15);
	cr.to_ms = day(2022, 9, 15);
	cr.scope = "481";
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_CHECK;
	rq.check = &cr;
	r = call(&rq);
	const Cchc__V1__CheckReply *c = r->check;
	assert_true(c->ok);
	assert_non_null(finding(c, "orphan", "20044"));
	assert_non_null(strstr(finding(c, "due_before_received", "20047")->detail, "K2"));
	assert_non_null(strstr(finding(c, "extra_finish", "20050")->detail, "K3"));
	assert_non_null(finding(c, "extra_received", "20050"));
	assert_non_null(finding(c, "silent_office", "20053"));
	assert_null(finding(c, "silent_office", "20044"));
	assert_int_equal(finding(c, "late_arrival", "20050")->count, 4);
	const Cchc__V1__CheckItem *id = finding(c, "identity", "20050");
	assert_non_null(id);
	assert_true(id->ok);
	for (size_t i = 0; i < c->n_items; i++)
		if (!strcmp(c->items[i]->check, "identity"))
			assert_true(c->items[i]->ok);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

static Cchc__V1__StatsReply *units_call(const char *csv, const char *at)
{
	Cchc__V1__UnitsRequest ur = CCHC__V1__UNITS_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	if (csv) {
		ur.has_import_csv = 1;
		ur.import_csv.data = (uint8_t *)csv;
		ur.import_csv.len = strlen(csv);
	} else {
		ur.has_list = ur.list = 1;
		ur.list_at = (char *)at;
	}
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_UNITS;
	rq.units = &ur;
	Cchc__V1__StatsReply *r = call(&rq);
	assert_int_equal(r->body_case, CCHC__V1__STATS_REPLY__BODY_UNITS);
	return r;
}

static void test_units_and_map_to(void **st)
{
	(void)st;
	NEED_DB();
	char *csv, err[256];
	size_t len;
	assert_int_equal(
	    units_read_file(CCHC_SOURCE_DIR "/deploy/data/units.csv", &csv, &len, err, sizeof err),
	    0);
	Cchc__V1__StatsReply *r = units_call(NULL, "2026-01-01");
	assert_true(r->units->ok);
	assert_int_equal(r->units->n_units, 41);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = units_call(NULL, "");
	size_t all = r->units->n_units;
	assert_int_equal(all, 336);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* a bad line: refused, nothing changed */
	char *bad = strdup(csv);
	char *p = strstr(bad, "\n2024-11-01,474,");
	p[strlen("\n2024-11-01,474,Thành phố Huế,")] = 'x';
	r = units_call(bad, NULL);
	assert_false(r->units->ok);
	assert_non_null(strstr(r->units->error, "units.csv:3:"));
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	free(bad);
	r = units_call(NULL, "");
	assert_int_equal(r->units->n_units, all);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = units_call(csv, NULL);
	assert_true(r->units->ok);
	assert_int_equal(r->units->imported, 336);
	assert_false(r->units->changed);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	free(csv);

	/* map_to: 2022-Q3 in 481, as recorded and in the 2025-07 structure */
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = day(2022, 6, 15);
	q.to_ms = day(2022, 9, 15);
	q.scope = "46";
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	r = call(&rq);
	assert_true(r->query->ok);
	int64_t k2 = row(r->query, "unit", "20047")->dossiers->received;
	int64_t all_recv = row(r->query, "all", "")->dossiers->received;
	assert_int_equal(k2, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	q.map_to = "2025-07-01";
	r = call(&rq);
	assert_true(r->query->ok);
	check_identities(r->query);
	assert_null(row(r->query, "unit", "20047"));
	const Cchc__V1__FigureRow *to = row(r->query, "unit", "20056");
	assert_non_null(to);
	assert_string_equal(to->name, "Xã A Lưới 1");
	assert_string_equal(to->parent, "46");
	assert_int_equal(to->dossiers->received, k2); /* 20047 + 20053 + 20056 + 20104 */
	/* 20050 (K3) → 20050 Xã A Lưới 5 */
	assert_int_equal(row(r->query, "unit", "20050")->dossiers->received, 1);
	assert_int_equal(row(r->query, "all", "")->dossiers->received, all_recv);
	assert_int_equal(row(r->query, "level", "district")->dossiers->received, 0);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	q.map_to = "tomorrow";
	r = call(&rq);
	assert_false(r->query->ok);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
}

/* ---- issue 6: queued requests merged into one transaction ---- */

static Cchc__V1__DossierEvent merge_event(const char *id, const char *dossier, int kind,
                                          const char *at)
{
	Cchc__V1__DossierEvent d = CCHC__V1__DOSSIER_EVENT__INIT;
	d.event_id = (char *)id;
	d.office = "474";
	d.dossier = (char *)dossier;
	d.procedure = (char *)PROC;
	d.field = "hotich";
	d.has_kind = 1;
	d.kind = kind;
	d.has_channel = 1;
	d.channel = 1;
	d.at = (char *)at;
	d.due = kind == 2 ? "2024-02-20T17:00:00+07:00" : NULL;
	return d;
}

static long long merge_count(const char *sql)
{
	char err[256];
	PGresult *r = db_query(ctx.reader, "count", sql, 0, NULL, err, sizeof err);
	assert_non_null(r);
	long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* Three requests in one store_batches call: the same (source, event_id) in two of them is
 * accepted for the first only (a duplicate or a conflict in the later one), another source's
 * equal event_id is its own, and each request gets its own audit entry, in order. */
static void test_merged_requests(void **st)
{
	(void)st;
	NEED_DB();
	const char *rcv = "2024-02-05T08:00:00+07:00", *res = "2024-02-06T08:00:00+07:00";
	Cchc__V1__DossierEvent ev[] = {
	    merge_event("m1", "MD1", 2, rcv), /* req 0 */
	    merge_event("m2", "MD1", 6, res),
	    merge_event("m1", "MD1", 2, rcv), /* req 1: duplicate of req 0's m1 */
	    merge_event("m3", "MD2", 2, rcv), /* new */
	    merge_event("m2", "MD1", 7, res), /* conflict with req 0's m2 */
	    merge_event("m3", "MD2", 2, rcv), /* again within req 1: duplicate */
	    merge_event("m1", "MD3", 2, rcv), /* req 2, source b: its own m1 */
	};
	size_t first[] = {0, 2, 6, 7};
	const char *sources[] = {"merge-a", "merge-a", "merge-b"};
	Cchc__V1__Record recs[7];
	Cchc__V1__StoreItem items[7], *pitems[7];
	Cchc__V1__StoreRequest reqs[3];
	const Cchc__V1__StoreRequest *preqs[3];
	Cchc__V1__StoreReply replies[3];
	uint64_t stored[3];
	long long audit_before = merge_count("SELECT count(*) FROM audit_log");

	for (size_t i = 0; i < 7; i++) {
		cchc__v1__record__init(&recs[i]);
		recs[i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
		recs[i].dossier = &ev[i];
		cchc__v1__store_item__init(&items[i]);
		items[i].has_index = 1;
		items[i].record = &recs[i];
		pitems[i] = &items[i];
	}
	for (size_t k = 0; k < 3; k++) {
		cchc__v1__store_request__init(&reqs[k]);
		reqs[k].source = (char *)sources[k];
		reqs[k].n_items = first[k + 1] - first[k];
		reqs[k].items = &pitems[first[k]];
		for (size_t i = first[k]; i < first[k + 1]; i++)
			items[i].index = (uint32_t)(i - first[k]);
		preqs[k] = &reqs[k];
	}
	for (int round = 0; round < 2; round++) {
		assert_int_equal(
		    store_batches(ctx.writer[0].conn, STORE_ALL_PARTS, 3, preqs, replies, stored),
		    0);
		for (size_t k = 0; k < 3; k++)
			assert_true(replies[k].committed);
		/* the second round resends everything: nothing new, the conflict stays one */
		assert_int_equal(replies[0].accepted, round ? 0 : 2);
		assert_int_equal(replies[0].duplicate, round ? 2 : 0);
		assert_int_equal(replies[0].n_rejections, 0);
		assert_int_equal(replies[1].accepted, round ? 0 : 1);
		assert_int_equal(replies[1].duplicate, round ? 3 : 2);
		assert_int_equal(replies[1].n_rejections, 1);
		assert_string_equal(replies[1].rejections[0]->code, "conflict");
		assert_int_equal(replies[1].rejections[0]->index, 2);
		assert_int_equal(replies[2].accepted, round ? 0 : 1);
		assert_int_equal(replies[2].duplicate, round ? 1 : 0);
		assert_int_equal(stored[0] + stored[1] + stored[2], round ? 0 : 4);
		for (size_t k = 0; k < 3; k++)
			store_reply_clear(&replies[k]);
	}
	/* the state of MD1 was derived from the first request's two events */
	assert_int_equal(merge_count("SELECT count(*) FROM dossier_state WHERE office = '474' AND "
	                             "dossier = 'MD1' AND events = 2 AND finish_kind = 6"),
	                 1);
	assert_int_equal(merge_count("SELECT count(*) FROM dossier_event WHERE source LIKE "
	                             "'merge-%'"),
	                 4);
	/* one audit entry per request, in the order given, chained */
	assert_int_equal(merge_count("SELECT count(*) FROM audit_log") - audit_before, 6);
	assert_int_equal(
	    merge_count(
	        "WITH y AS (SELECT id, source, accepted, duplicate, rejected FROM audit_log "
	        "ORDER BY id DESC LIMIT 6), x AS (SELECT row_number() OVER (ORDER BY id) n, "
	        "* FROM y) SELECT count(*) FROM x JOIN (VALUES (1, 'merge-a', 2, 0, 0), "
	        "(2, 'merge-a', 1, 2, 1), (3, 'merge-b', 1, 0, 0), (4, 'merge-a', 0, 2, 0), "
	        "(5, 'merge-a', 0, 3, 1), (6, 'merge-b', 0, 1, 0)) v(n, s, a, d, r) "
	        "ON v.n = x.n AND v.s = x.source AND v.a = x.accepted AND "
	        "v.d = x.duplicate AND v.r = x.rejected"),
	    6);
	Cchc__V1__AuditReply audit = CCHC__V1__AUDIT_REPLY__INIT;
	assert_int_equal(audit_verify(ctx.reader, &audit), 0);
	assert_true(audit.intact);
	audit_reply_clear(&audit);
	char *out;
	assert_int_equal(verify_differences(&out), 0);
	free(out);
}

/* Concurrent store requests through stats_handle, as wire's workers make them: whatever the
 * threads' timing merges, every request is answered after its commit with exact counts. */
#define CONC_THREADS 6
#define CONC_EVENTS  40

typedef struct conc_job {
	uint8_t *req, *rep;
	size_t reqlen, replen;
	int rc;
} conc_job;

static void *conc_run(void *p)
{
	conc_job *j = p;
	j->rc = stats_handle(&ctx, j->req, j->reqlen, &j->rep, &j->replen);
	return NULL;
}

static void test_concurrent_requests(void **st)
{
	(void)st;
	NEED_DB();
	static char ids[CONC_THREADS][CONC_EVENTS][32], dossiers[CONC_THREADS][CONC_EVENTS][32];
	const char *rcv = "2024-02-07T08:00:00+07:00";
	Cchc__V1__DossierEvent ev[CONC_THREADS][CONC_EVENTS + 2];
	Cchc__V1__Record recs[CONC_THREADS][CONC_EVENTS + 2];
	Cchc__V1__StoreItem items[CONC_THREADS][CONC_EVENTS + 2],
	    *pitems[CONC_THREADS][CONC_EVENTS + 2];
	conc_job jobs[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	long long audit_before = merge_count("SELECT count(*) FROM audit_log");
	uint32_t accepted = 0, duplicate = 0, conflicts = 0;

	for (int k = 0; k < CONC_THREADS; k++) {
		Cchc__V1__StoreRequest sr = CCHC__V1__STORE_REQUEST__INIT;
		Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
		size_t n = 0;
		for (int i = 0; i < CONC_EVENTS; i++) {
			snprintf(ids[k][i], sizeof ids[k][i], "conc-%d-%d", k, i);
			snprintf(dossiers[k][i], sizeof dossiers[k][i], "CD-%d-%d", k, i);
			ev[k][n++] = merge_event(ids[k][i], dossiers[k][i], 2, rcv);
		}
		ev[k][n++] = merge_event("conc-shared", "CD-shared", 2, rcv); /* same everywhere */
		ev[k][n++] = merge_event("conc-clash", "CD-clash", k % 2 ? 2 : 9, rcv);
		for (size_t i = 0; i < n; i++) {
			cchc__v1__record__init(&recs[k][i]);
			recs[k][i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
			recs[k][i].dossier = &ev[k][i];
			cchc__v1__store_item__init(&items[k][i]);
			items[k][i].has_index = 1;
			items[k][i].index = (uint32_t)i;
			items[k][i].record = &recs[k][i];
			pitems[k][i] = &items[k][i];
		}
		sr.source = "conc";
		sr.n_items = n;
		sr.items = pitems[k];
		rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
		rq.store = &sr;
		jobs[k] = (conc_job){0};
		assert_int_equal(wire_pack(&rq.base, &jobs[k].req, &jobs[k].reqlen), 0);
	}
	for (int k = 0; k < CONC_THREADS; k++)
		assert_int_equal(pthread_create(&th[k], NULL, conc_run, &jobs[k]), 0);
	for (int k = 0; k < CONC_THREADS; k++)
		assert_int_equal(pthread_join(th[k], NULL), 0);
	for (int k = 0; k < CONC_THREADS; k++) {
		assert_int_equal(jobs[k].rc, 0);
		Cchc__V1__StatsReply *r =
		    cchc__v1__stats_reply__unpack(NULL, jobs[k].replen, jobs[k].rep);
		assert_non_null(r);
		assert_true(r->store->committed);
		accepted += r->store->accepted;
		duplicate += r->store->duplicate;
		for (size_t i = 0; i < r->store->n_rejections; i++) {
			assert_string_equal(r->store->rejections[i]->code, "conflict");
			assert_int_equal(r->store->rejections[i]->index, CONC_EVENTS + 1);
			conflicts++;
		}
		/* every request's own events are new */
		assert_true(r->store->accepted >= CONC_EVENTS);
		cchc__v1__stats_reply__free_unpacked(r, NULL);
		free(jobs[k].req);
		free(jobs[k].rep);
	}
	/* one copy of each shared id counts; the others are duplicates or, for the clash when its
	 * content differs from the stored one, conflicts */
	assert_int_equal(accepted, CONC_THREADS * CONC_EVENTS + 2);
	assert_int_equal(duplicate + conflicts, 2 * (CONC_THREADS - 1));
	assert_int_equal(conflicts, CONC_THREADS / 2);
	assert_int_equal(merge_count("SELECT count(*) FROM dossier_event WHERE source = 'conc'"),
	                 CONC_THREADS * CONC_EVENTS + 2);
	/* an entry for each request's share of each part (store_request splits them by part) */
	long long shares = 0;
	for (int k = 0; k < CONC_THREADS; k++) {
		int in_part[STORE_PARTS] = {0};
		for (int i = 0; i < CONC_EVENTS + 2; i++)
			in_part[store_part(&recs[k][i])] = 1;
		for (int p = 0; p < STORE_PARTS; p++)
			shares += in_part[p];
	}
	assert_true(shares > CONC_THREADS); /* requests were split */
	assert_int_equal(merge_count("SELECT count(*) FROM audit_log") - audit_before, shares);
	char *out;
	assert_int_equal(verify_differences(&out), 0);
	free(out);
}

/* Two writers meeting the same new aggregate key, the other one played by a connection of the
 * test holding that key's row uncommitted: the writer waits for it, then uses it. (With a plain
 * INSERT the batch failed with a unique violation once two writers ran side by side.) */
typedef struct race_job {
	PGconn *conn;
	int part;
	const Cchc__V1__StoreRequest *req;
	Cchc__V1__StoreReply reply;
	uint64_t stored;
	int rc;
} race_job;

static void *race_run(void *arg)
{
	race_job *j = arg;
	j->rc = store_batches(j->conn, j->part, 1, &j->req, &j->reply, &j->stored);
	return NULL;
}

/* Whether the backend of conn waits for a lock right now. */
static int waits_for_lock(PGconn *conn)
{
	char err[256], pid[16];
	const char *params[1] = {pid};
	snprintf(pid, sizeof pid, "%d", PQbackendPID(conn));
	PGresult *r = db_query(admin, "activity",
	                       "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND "
	                       "wait_event_type = 'Lock'",
	                       1, params, err, sizeof err);
	assert_non_null(r);
	int waiting = atoi(PQgetvalue(r, 0, 0)) > 0;
	PQclear(r);
	return waiting;
}

static void test_new_key_race(void **st)
{
	(void)st;
	NEED_DB();
	char err[256];
	PGconn *other;
	Cchc__V1__DossierEvent ev =
	    merge_event("race-1", "RACE-D1", 2, "2024-02-05T08:00:00+07:00");
	ev.field = "race";
	Cchc__V1__Record record = CCHC__V1__RECORD__INIT;
	record.event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
	record.dossier = &ev;
	Cchc__V1__StoreItem item = CCHC__V1__STORE_ITEM__INIT, *pitem = &item;
	item.record = &record;
	Cchc__V1__StoreRequest req = CCHC__V1__STORE_REQUEST__INIT;
	req.source = "race";
	req.n_items = 1;
	req.items = &pitem;
	race_job job = {.part = store_part(&record), .req = &req};
	job.conn = ctx.writer[job.part].conn;

	assert_int_equal(db_connect(conninfo, &other, err, sizeof err), 0);
	assert_int_equal(db_exec(other, "begin", "BEGIN", err, sizeof err), 0);
	PGresult *r =
	    db_query(other, "key",
	             "INSERT INTO agg_key (office, unit_snapshot, level, field) "
	             "SELECT code, snapshot, level, 'race' FROM units WHERE code = '474' "
	             "AND valid_from <= '2024-02-05' AND valid_to > '2024-02-05' RETURNING id",
	             0, NULL, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(PQntuples(r), 1);
	PQclear(r);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, race_run, &job), 0);
	for (int64_t deadline = monotonic_ms() + 10000;
	     !waits_for_lock(job.conn) && monotonic_ms() < deadline;)
		usleep(10000); /* the interval of the poll */
	assert_true(waits_for_lock(job.conn));
	assert_int_equal(db_exec(other, "commit", "COMMIT", err, sizeof err), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	PQfinish(other);
	assert_int_equal(job.rc, 0);
	assert_true(job.reply.committed);
	assert_int_equal(job.reply.accepted, 1);
	store_reply_clear(&job.reply);
	assert_int_equal(merge_count("SELECT count(*) FROM agg_key WHERE field = 'race'"), 1);
	assert_int_equal(merge_count("SELECT coalesce(sum(received), 0) FROM dossier_agg a JOIN "
	                             "agg_key k ON k.id = a.key WHERE k.field = 'race'"),
	                 1);
}

/* Runs sql (when not NULL) through the admin connection, behind stats' back, then --verify,
 * which must count `differences` and, when says is not NULL, print it. */
static void admin_then_verify(const char *sql, int differences, const char *says)
{
	char err[256], *out;

	if (sql)
		assert_int_equal(db_exec(admin, "admin", sql, err, sizeof err), 0);
	assert_int_equal(verify_differences(&out), differences);
	if (says)
		assert_non_null(strstr(out, says));
	free(out);
}

/* A row without packed events (ev NULL, as 006 left the older rows until 007 filled them): the
 * next event of the item gets them from the event table (the SQL packing of 007), and the row
 * holds them from then on. 007's packing gives every row of this schema the state the raw events
 * give, as C's does; packed events that disagree are a difference for --verify. */
static void test_rows_without_packed_events(void **st)
{
	(void)st;
	NEED_DB();
	char err[256];
	rec first[] = {
	    {0, "pk1", "19750", "PK1", NULL, 2, 1, 0, "2024-04-01T09:00:00+07:00",
	     "2024-04-10T17:00:00+07:00", NULL},
	    {1, "pkf1", "19750", "PKF1", NULL, 1, 0, 1, "2024-04-01T09:00:00+07:00", NULL, NULL},
	};
	rec second[] = {
	    {0, "pk2", "19750", "PK1", NULL, 6, 0, 0, "2024-04-05T09:00:00+07:00", NULL, NULL},
	    {1, "pkf2", "19750", "PKF1", NULL, 2, 0, 0, "2024-04-03T09:00:00+07:00", NULL, NULL},
	};
	Cchc__V1__StatsReply *r = store(first, 2);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 2);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	admin_then_verify("UPDATE dossier_state SET ev = NULL WHERE dossier = 'PK1'; "
	                  "UPDATE feedback_state SET ev = NULL WHERE feedback = 'PKF1'",
	                  0, NULL);

	r = store(second, 2);
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 2);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	/* resolved 05/04 against due 10/04: early, from both events */
	PGresult *q =
	    db_query(admin, "check",
	             "SELECT d.events, d.finish_kind, d.resolved_class, d.ev IS NOT NULL, "
	             "f.events, f.resolved_at IS NOT NULL, f.ev IS NOT NULL "
	             "FROM dossier_state d, feedback_state f "
	             "WHERE d.dossier = 'PK1' AND f.feedback = 'PKF1'",
	             0, NULL, err, sizeof err);
	assert_non_null(q);
	assert_int_equal(PQntuples(q), 1);
	const char *want[] = {"2", "6", "1", "t", "2", "t", "t"};
	for (int c = 0; c < 7; c++)
		assert_string_equal(PQgetvalue(q, 0, c), want[c]);
	PQclear(q);
	admin_then_verify(NULL, 0, NULL);
	admin_then_verify("UPDATE dossier_state SET ev = cchc_packed_dossier_events(office, "
	                  "dossier); UPDATE feedback_state SET ev = "
	                  "cchc_packed_feedback_events(office, feedback)",
	                  0, NULL);

	/* Keep the version byte and the first event only (18 + 2 + 8 + 2 + 6 bytes). */
	admin_then_verify("CREATE TABLE ev_saved AS SELECT ev FROM dossier_state "
	                  "WHERE dossier = 'PK1'; UPDATE dossier_state SET ev = "
	                  "substring(ev FROM 1 FOR 37) WHERE dossier = 'PK1'",
	                  1, "dossier 19750 / PK1: the packed events (ev) give another");
	admin_then_verify("UPDATE dossier_state SET ev = substring(ev FROM 1 FOR 30) "
	                  "WHERE dossier = 'PK1'",
	                  1, "PK1: the packed events (ev) cannot be read");
	admin_then_verify("UPDATE dossier_state SET ev = (SELECT ev FROM ev_saved) "
	                  "WHERE dossier = 'PK1'; DROP TABLE ev_saved",
	                  0, NULL);
}

/* One `rated` event (docs/design.md §16) of dossier `item` at office 19750. */
static Cchc__V1__StatsReply *store_rated(const char *event_id, const char *item, int rating,
                                         const char *at)
{
	Cchc__V1__DossierEvent de = CCHC__V1__DOSSIER_EVENT__INIT;
	Cchc__V1__Record record = CCHC__V1__RECORD__INIT;
	Cchc__V1__StoreItem it = CCHC__V1__STORE_ITEM__INIT, *pit = &it;
	Cchc__V1__StoreRequest st = CCHC__V1__STORE_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;

	de.event_id = (char *)event_id;
	de.office = "19750";
	de.dossier = (char *)item;
	de.has_kind = 1;
	de.kind = CCHC__V1__DOSSIER_KIND__RATED;
	de.has_rating = 1;
	de.rating = rating;
	de.at = (char *)at;
	record.event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
	record.dossier = &de;
	it.record = &record;
	st.source = "test";
	st.n_items = 1;
	st.items = &pit;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
	rq.store = &st;
	Cchc__V1__StatsReply *out = call(&rq);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_STORE);
	return out;
}

/* A rating is stored with its event and is part of its content: the same event_id with another
 * rating is a conflict. The packed events keep it (C and 020's SQL packing agree: --verify). */
static void test_ratings_stored(void **st)
{
	(void)st;
	NEED_DB();
	char err[256];
	rec recv[] = {
	    {0, "rt1", "19750", "RT1", NULL, 2, 1, 0, "2024-04-02T09:00:00+07:00",
	     "2024-04-10T17:00:00+07:00", NULL},
	    {0, "rt2", "19750", "RT1", NULL, 6, 0, 0, "2024-04-05T09:00:00+07:00", NULL, NULL}};
	Cchc__V1__StatsReply *r = store(recv, 2);
	assert_true(r->store->committed);
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	r = store_rated("rt3", "RT1", CCHC__V1__RATING__SATISFIED, "2024-04-05T10:00:00+07:00");
	assert_true(r->store->committed);
	assert_int_equal(r->store->accepted, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = store_rated("rt3", "RT1", CCHC__V1__RATING__SATISFIED, "2024-04-05T10:00:00+07:00");
	assert_int_equal(r->store->duplicate, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = store_rated("rt3", "RT1", CCHC__V1__RATING__UNSATISFIED, "2024-04-05T10:00:00+07:00");
	assert_int_equal(r->store->n_rejections, 1);
	assert_string_equal(r->store->rejections[0]->code, "conflict");
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	r = store_rated("rt4", "RT1", 7, "2024-04-06T10:00:00+07:00");
	assert_int_equal(r->store->n_rejections, 1);
	assert_string_equal(r->store->rejections[0]->code, "bad_field");
	cchc__v1__stats_reply__free_unpacked(r, NULL);

	/* re-rated later: the dossier's rating is the latest */
	r = store_rated("rt5", "RT1", CCHC__V1__RATING__UNSATISFIED, "2024-04-09T08:00:00+07:00");
	assert_int_equal(r->store->accepted, 1);
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	PGresult *q = db_query(admin, "check",
	                       "SELECT e.rating, s.rating, s.events, s.finish_kind FROM "
	                       "dossier_event e, dossier_state s WHERE e.event_id = 'rt3' AND "
	                       "s.dossier = 'RT1'",
	                       0, NULL, err, sizeof err);
	assert_non_null(q);
	assert_string_equal(PQgetvalue(q, 0, 0), "2");
	assert_string_equal(PQgetvalue(q, 0, 1), "3");
	assert_string_equal(PQgetvalue(q, 0, 2), "4");
	assert_string_equal(PQgetvalue(q, 0, 3), "6");
	PQclear(q);
	admin_then_verify(NULL, 0, NULL);
	admin_then_verify("UPDATE dossier_state SET ev = cchc_packed_dossier_events(office, "
	                  "dossier) WHERE dossier = 'RT1'",
	                  0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store_and_duplicates),
	    cmocka_unit_test(test_copy_escaping),
	    cmocka_unit_test(test_query_figures),
	    cmocka_unit_test(test_late_events_and_supplements),
	    cmocka_unit_test(test_garbage_and_status),
	    cmocka_unit_test(test_connection_loss),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_check_findings),
	    cmocka_unit_test(test_units_and_map_to),
	    cmocka_unit_test(test_merged_requests),
	    cmocka_unit_test(test_concurrent_requests),
	    cmocka_unit_test(test_new_key_race),
	    cmocka_unit_test(test_rows_without_packed_events),
	    cmocka_unit_test(test_ratings_stored),
	};
	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}

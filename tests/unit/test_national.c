/* test_national: the national roll-up in stats (docs/design.md §15) on a real PostgreSQL, in three
 * schemas of the test stack's database: provinces 46 and 48 (migration 013 as a province: the
 * province's code leads every published key) into which records are stored through stats'
 * handler, and a national one (013 as the national database: the same tables partitioned by
 * province) into which each province's published rows are copied as its subscription would apply
 * them. Then: a province asked nationally answers exactly as at home, VN is the provinces' sum (or
 * a province's standing closed version), ratings and feedback deadlines included (issue 15), the
 * check names a province without a recent heartbeat,
 * and the national stack refuses what only a province does. Logical replication itself, with its
 * faults, is tests/integration/test_national.sh's. Skips without a database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "scratch_db.h"
#include "stats_db.h"
#include "stats_db_units.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "stats_national.h"
#include "stats_national_sync.h"
#include "stats_node.h"
#include "units.h"

typedef struct side {
	const char *prefix, *code, *units_csv;
	char schema[64], conninfo[2048];
	PGconn *admin;
	stats_ctx ctx;
} side;

static side prov[2] = {
    {.prefix = "cchc_natp46", .code = "46", .units_csv = CCHC_SOURCE_DIR "/deploy/data/units.csv"},
    {.prefix = "cchc_natp48",
     .code = "48",
     .units_csv = CCHC_SOURCE_DIR "/deploy/data/units-48.csv"},
};
static side nat = {.prefix = "cchc_natn"};
static int have_db;

/* Local (UTC+7) midnight of a day, in ms. */
static int64_t day(int y, int m, int d)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	return ((int64_t)timegm(&tm) - 7 * 3600) * 1000;
}

static int open_side(side *s, const stats_node *node)
{
	char err[512];
	PGconn *w[STORE_PARTS], *r;
	int opened = scratch_open(s->prefix, &s->admin, s->schema, sizeof s->schema, s->conninfo,
	                          sizeof s->conninfo);
	if (opened <= 0)
		return opened;
	if (scratch_writers(s->conninfo, w, err, sizeof err) != 0 ||
	    db_connect(s->conninfo, &r, err, sizeof err) != 0 ||
	    db_migrate(w[0], node, err, sizeof err) != 0) {
		fprintf(stderr, "test_national: %s: %s\n", s->prefix, err);
		return -1;
	}
	if (stats_ctx_init(&s->ctx, w, r) != 0)
		return -1;
	s->ctx.national = node->national;
	return 1;
}

/* Copies every published table's rows of province p into the national schema, by column name, as
 * its subscription would apply them. */
static void replicate(const side *p)
{
	char err[512];
	const char *params[2] = {p->schema, nat.schema};
	PGresult *r = db_query(p->admin, "settings",
	                       "SELECT set_config('cchc_test.src', $1, false), "
	                       "set_config('cchc_test.dst', $2, false)",
	                       2, params, err, sizeof err);
	assert_non_null(r);
	PQclear(r);
	assert_int_equal(
	    db_exec(
	        p->admin, "replicate",
	        "DO $$ DECLARE t text; cols text; "
	        "src text := current_setting('cchc_test.src'); "
	        "dst text := current_setting('cchc_test.dst'); BEGIN "
	        "FOR t IN EXECUTE format('SELECT tbl FROM %I.cchc_published ORDER BY tbl', src) "
	        "LOOP SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum) INTO cols "
	        " FROM pg_attribute WHERE attrelid = format('%I.%I', src, t)::regclass AND "
	        " attnum > 0 AND NOT attisdropped; "
	        " EXECUTE format('DELETE FROM %I.%I WHERE province = %L', dst, t, "
	        "  current_setting('cchc_test.code')); "
	        " EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM %I.%I', dst, t, cols, "
	        "  cols, src, t); END LOOP; END $$",
	        err, sizeof err),
	    0);
}

static void replicate_province(const side *p)
{
	char err[512];
	const char *params[1] = {p->code};
	PGresult *r =
	    db_query(p->admin, "settings", "SELECT set_config('cchc_test.code', $1, false)", 1,
	             params, err, sizeof err);
	assert_non_null(r);
	PQclear(r);
	replicate(p);
}

/* ---- requests ---- */

/* One event to store: a dossier's (kind, and on `received` its field, channel and due; on
 * `rated` its rating) or, with `feedback` set, a feedback item's (fkind). */
typedef struct ev {
	const char *id, *office, *dossier, *at;
	Cchc__V1__DossierKind kind;
	const char *field, *due;
	Cchc__V1__Channel channel;
	Cchc__V1__Rating rating;
	const char *feedback;
	Cchc__V1__FeedbackKind fkind;
} ev;

/* One StoreRequest of events e[0..n) through stats' handler; the reply is the caller's. */
static Cchc__V1__StatsReply *store_events(side *s, const ev *e, size_t n)
{
	Cchc__V1__StoreItem items[16], *pitems[16];
	Cchc__V1__Record recs[16];
	Cchc__V1__DossierEvent de[16];
	Cchc__V1__FeedbackEvent fe[16];
	Cchc__V1__StoreRequest st = CCHC__V1__STORE_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		cchc__v1__store_item__init(&items[i]);
		cchc__v1__record__init(&recs[i]);
		if (e[i].feedback) {
			cchc__v1__feedback_event__init(&fe[i]);
			fe[i].event_id = (char *)e[i].id;
			fe[i].office = (char *)e[i].office;
			fe[i].feedback = (char *)e[i].feedback;
			fe[i].has_kind = 1;
			fe[i].kind = e[i].fkind;
			fe[i].has_topic = e[i].fkind == CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED;
			fe[i].topic = CCHC__V1__FEEDBACK_TOPIC__REGULATION;
			fe[i].at = (char *)e[i].at;
			recs[i].event_case = CCHC__V1__RECORD__EVENT_FEEDBACK;
			recs[i].feedback = &fe[i];
		} else {
			cchc__v1__dossier_event__init(&de[i]);
			de[i].event_id = (char *)e[i].id;
			de[i].office = (char *)e[i].office;
			de[i].dossier = (char *)e[i].dossier;
			de[i].has_kind = 1;
			de[i].kind = e[i].kind;
			if (e[i].field) {
				de[i].procedure = "1.001234";
				de[i].field = (char *)e[i].field;
			}
			de[i].has_channel = e[i].channel != 0;
			de[i].channel = e[i].channel;
			de[i].due = (char *)e[i].due;
			de[i].has_rating = e[i].rating != 0;
			de[i].rating = e[i].rating;
			de[i].at = (char *)e[i].at;
			recs[i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
			recs[i].dossier = &de[i];
		}
		items[i].record = &recs[i];
		pitems[i] = &items[i];
	}
	st.source = "test";
	st.n_items = n;
	st.items = pitems;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
	rq.store = &st;
	return stats_call(&s->ctx, &rq);
}

/* store_events, which must commit every event. */
static void store_ok(side *s, const ev *e, size_t n)
{
	Cchc__V1__StatsReply *out = store_events(s, e, n);
	if (!out->store->committed)
		fail_msg("store %s: %s", s->code, out->store->error);
	assert_int_equal(out->store->n_rejections, 0);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
}

/* A dossier received at each of offices[0..n) on 10/01/2024 (event and dossier "nat-CODE-i"). */
static Cchc__V1__StatsReply *store_dossiers(side *s, const char *const *offices, size_t n)
{
	ev e[16];
	char ids[16][32];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof ids[i], "nat-%s-%zu", s->code, i);
		e[i] =
		    (ev){.id = ids[i],
		         .office = offices[i],
		         .dossier = ids[i],
		         .at = "2024-01-10T09:00:00+07:00",
		         .kind = CCHC__V1__DOSSIER_KIND__RECEIVED,
		         .field = i % 2 ? "datdai" : "hotich",
		         .due = "2024-01-20T17:00:00+07:00",
		         .channel = i % 3 ? CCHC__V1__CHANNEL__ONLINE : CCHC__V1__CHANNEL__DIRECT};
	}
	return store_events(s, e, n);
}

static Cchc__V1__StatsReply *query(side *s, const char *scope, int standing)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = day(2023, 12, 15);
	q.to_ms = day(2024, 3, 15);
	q.scope = (char *)scope;
	q.map_to = "2024-03-14";
	q.has_standing = standing;
	q.standing = standing;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	Cchc__V1__StatsReply *out = stats_call(&s->ctx, &rq);
	assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_QUERY);
	if (!out->query->ok)
		fail_msg("query %s: %s", scope, out->query->error);
	return out;
}

static const Cchc__V1__FigureRow *row(const Cchc__V1__QueryReply *q, const char *group,
                                      const char *key, const char *parent)
{
	for (size_t i = 0; i < q->n_rows; i++)
		if (!strcmp(q->rows[i]->group, group) && !strcmp(q->rows[i]->key, key) &&
		    (!parent || (q->rows[i]->parent && !strcmp(q->rows[i]->parent, parent))))
			return q->rows[i];
	return NULL;
}

/* ---- fixtures ---- */

static int setup(void **st)
{
	char err[512];
	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	for (int i = 0; i < 2; i++) {
		stats_node node = {0};
		snprintf(node.province, sizeof node.province, "%s", prov[i].code);
		int rc = open_side(&prov[i], &node);
		if (rc <= 0)
			return rc;
		units *reg;
		int changed;
		if (units_load(prov[i].units_csv, &reg, err, sizeof err) != 0 ||
		    db_sync_units(prov[i].ctx.writer[0].conn, reg, &changed, err, sizeof err) !=
		        0) {
			fprintf(stderr, "test_national: units %s: %s\n", prov[i].code, err);
			return -1;
		}
		units_free(reg);
	}
	stats_node national = {.national = 1};
	int rc = open_side(&nat, &national);
	if (rc <= 0)
		return rc;
	conf c;
	memset(&c, 0, sizeof c);
	for (int i = 0; i < 2; i++)
		assert_int_equal(conf_set(&c, i ? "national.province.48" : "national.province.46",
		                          "host=none", NULL, err, sizeof err),
		                 0);
	if (national_setup(nat.ctx.writer[0].conn, &c, err, sizeof err) != 0) {
		fprintf(stderr, "test_national: national_setup: %s\n", err);
		return -1;
	}
	have_db = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	if (!have_db)
		return 0;
	for (int i = 0; i < 2; i++) {
		stats_ctx_destroy(&prov[i].ctx);
		scratch_drop(prov[i].admin, prov[i].schema);
	}
	stats_ctx_destroy(&nat.ctx);
	scratch_drop(nat.admin, nat.schema);
	return 0;
}

#define NEED_DB()                                                                                  \
	do {                                                                                       \
		if (!have_db)                                                                      \
			skip();                                                                    \
	} while (0)

/* ---- tests (in order) ---- */

static const char *one_value(PGconn *conn, const char *sql)
{
	static char buf[512];
	char err[512];
	PGresult *r = db_query(conn, "value", sql, 0, NULL, err, sizeof err);
	if (!r)
		fail_msg("%s: %s", sql, err);
	snprintf(buf, sizeof buf, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return buf;
}

static void test_schemas(void **st)
{
	(void)st;
	NEED_DB();
	PGconn *p = prov[0].admin, *n = nat.admin;
	char err[512];
	/* a province: the code a plain column with a default, leading every published key */
	assert_string_equal(one_value(p,
	                              "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
	                              "conrelid = 'dossier_agg'::regclass AND contype = 'p'"),
	                    "PRIMARY KEY (province, key, day, part)");
	assert_string_equal(one_value(p,
	                              "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef d JOIN "
	                              "pg_attribute a ON (a.attrelid, a.attnum) = (d.adrelid, "
	                              "d.adnum) WHERE a.attrelid = 'units'::regclass AND "
	                              "a.attname = 'province'"),
	                    "'46'::text");
	assert_string_equal(one_value(p, "SELECT count(*) FROM cchc_published"), "8");
	assert_string_equal(one_value(p, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
	                                 "'units'::regclass AND attname = 'province' AND "
	                                 "attgenerated = ''"),
	                    "1");
	/* another province's code is refused */
	assert_int_equal(db_exec(p, "wrong code",
	                         "INSERT INTO agg_meta (province, id, units_ok) VALUES "
	                         "('48', 1, true)",
	                         err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "check"));
	/* the national database: partitioned by province, a partition per configured province */
	assert_string_equal(one_value(n, "SELECT relkind FROM pg_class WHERE oid = "
	                                 "'dossier_agg_month'::regclass"),
	                    "p");
	assert_string_equal(
	    one_value(n, "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i "
	                 "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
	                 "'units'::regclass"),
	    "units_p46 units_p48");
	assert_string_equal(one_value(n, "SELECT mode FROM cchc_node"), "national");
	/* a national database never runs as a province, nor a province's as another */
	stats_node as46 = {.province = "46"}, as48 = {.province = "48"}, national = {.national = 1};
	assert_int_equal(node_check(n, &as46, err, sizeof err), -1);
	assert_non_null(strstr(err, "national"));
	assert_int_equal(node_check(p, &as48, err, sizeof err), -1);
	assert_non_null(strstr(err, "province 46"));
	assert_int_equal(node_check(p, &national, err, sizeof err), -1);
	stats_node any = {0};
	assert_int_equal(node_check(p, &any, err, sizeof err), 0);
	assert_string_equal(any.province, "46");
}

static void test_publication(void **st)
{
	(void)st;
	NEED_DB();
	char err[512];
	conf c;
	memset(&c, 0, sizeof c);
	c.publish = 1;
	assert_int_equal(node_publish(prov[0].admin, &c, err, sizeof err), 0);
	assert_string_equal(
	    one_value(prov[0].admin, "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM "
	                             "pg_publication_tables WHERE pubname = 'cchc_pub' AND "
	                             "schemaname = current_schema()"),
	    "agg_key agg_meta dossier_agg dossier_agg_month feedback_agg period_closing "
	    "replication_heartbeat units");
	assert_string_equal(one_value(prov[0].admin, "SELECT pubtruncate FROM pg_publication "
	                                             "WHERE pubname = 'cchc_pub'"),
	                    "f");
	c.publish = 0;
	assert_int_equal(node_publish(prov[0].admin, &c, err, sizeof err), 0);
	assert_string_equal(one_value(prov[0].admin, "SELECT count(*) FROM pg_publication WHERE "
	                                             "pubname = 'cchc_pub'"),
	                    "0");
}

static void test_figures(void **st)
{
	(void)st;
	NEED_DB();
	static const char *const o46[] = {"46", "474", "474", "19750", "19753", "46"};
	static const char *const o48[] = {"48", "490", "491", "492"};
	Cchc__V1__StatsReply *s = store_dossiers(&prov[0], o46, 6);
	assert_true(s->store->committed);
	cchc__v1__stats_reply__free_unpacked(s, NULL);
	s = store_dossiers(&prov[1], o48, 4);
	assert_true(s->store->committed);
	cchc__v1__stats_reply__free_unpacked(s, NULL);
	char err[512];
	assert_int_equal(node_heartbeat_beat(prov[0].admin, err, sizeof err), 0);
	replicate_province(&prov[0]);
	replicate_province(&prov[1]);

	/* a province asked nationally answers exactly as its own stack: the same bytes */
	for (int i = 0; i < 2; i++) {
		Cchc__V1__StatsReply *own = query(&prov[i], prov[i].code, 0);
		Cchc__V1__StatsReply *there = query(&nat, prov[i].code, 0);
		size_t a = cchc__v1__query_reply__get_packed_size(own->query);
		size_t b = cchc__v1__query_reply__get_packed_size(there->query);
		uint8_t *pa = malloc(a), *pb = malloc(b);
		cchc__v1__query_reply__pack(own->query, pa);
		cchc__v1__query_reply__pack(there->query, pb);
		assert_int_equal(a, b);
		assert_memory_equal(pa, pb, a);
		free(pa);
		free(pb);
		cchc__v1__stats_reply__free_unpacked(own, NULL);
		cchc__v1__stats_reply__free_unpacked(there, NULL);
	}
	/* a unit under a province too: Thành phố Huế and its two wards */
	Cchc__V1__StatsReply *u = query(&nat, "474", 0);
	assert_int_equal(row(u->query, "all", "", NULL)->dossiers->received, 4);
	cchc__v1__stats_reply__free_unpacked(u, NULL);

	/* VN: the sums, a row per province and per level it has */
	Cchc__V1__StatsReply *vn = query(&nat, NATIONAL_SCOPE, 0);
	const Cchc__V1__QueryReply *q = vn->query;
	assert_string_equal(q->scope_name, "Toàn quốc");
	assert_int_equal(row(q, "all", "", NULL)->dossiers->received, 10);
	assert_int_equal(row(q, "level", "province", NULL)->dossiers->received, 3);
	assert_int_equal(row(q, "level", "district", NULL)->dossiers->received, 5);
	assert_int_equal(row(q, "level", "commune", NULL)->dossiers->received, 2);
	assert_int_equal(row(q, "province", "46", NULL)->dossiers->received, 6);
	assert_int_equal(row(q, "province", "48", NULL)->dossiers->received, 4);
	assert_string_equal(row(q, "province", "48", NULL)->name, "Thành phố Đà Nẵng");
	assert_int_equal(row(q, "province_level", "district", "48")->dossiers->received, 3);
	assert_null(row(q, "province_level", "commune", "48")); /* no communes in 48's registry */
	assert_int_equal(row(q, "field", "hotich", NULL)->dossiers->received, 5);
	assert_int_equal(q->n_provinces, 2);
	assert_string_equal(q->provinces[0]->code, "46");
	assert_true(q->provinces[0]->has_data);
	assert_true(q->provinces[0]->current_ms > 0);     /* its heartbeat */
	assert_int_equal(q->provinces[1]->current_ms, 0); /* none from 48 yet */
	assert_int_equal(q->provinces[0]->closed_version, 0);
	cchc__v1__stats_reply__free_unpacked(vn, NULL);
}

/* docs/design.md §16 nationally: the rating figures (migration 021's columns, which reach every
 * province's partition) summed over provinces, and every row's feedback with the deadline
 * figures, each province's as its own stack counts them. */
static void test_ratings(void **st)
{
	(void)st;
	NEED_DB();
#define RESOLVED CCHC__V1__DOSSIER_KIND__RESOLVED
#define RATED    CCHC__V1__DOSSIER_KIND__RATED
#define FB_IN    CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED
	static const ev e46[] = {
	    {.id = "r46-1",
	     .office = "46",
	     .dossier = "nat-46-0",
	     .at = "2024-01-15T09:00:00+07:00",
	     .kind = RESOLVED},
	    {.id = "r46-2",
	     .office = "46",
	     .dossier = "nat-46-0",
	     .at = "2024-01-16T09:00:00+07:00",
	     .kind = RATED,
	     .rating = CCHC__V1__RATING__SATISFIED},
	    /* late (due 20/01 17:00) and unhappy */
	    {.id = "r46-3",
	     .office = "474",
	     .dossier = "nat-46-1",
	     .at = "2024-01-25T09:00:00+07:00",
	     .kind = RESOLVED},
	    {.id = "r46-4",
	     .office = "474",
	     .dossier = "nat-46-1",
	     .at = "2024-01-26T09:00:00+07:00",
	     .kind = RATED,
	     .rating = CCHC__V1__RATING__UNSATISFIED},
	    /* answered two days after it came: on time */
	    {.id = "r46-5",
	     .office = "474",
	     .at = "2024-01-10T09:00:00+07:00",
	     .feedback = "PAKN-46-1",
	     .fkind = FB_IN},
	    {.id = "r46-6",
	     .office = "474",
	     .at = "2024-01-12T09:00:00+07:00",
	     .feedback = "PAKN-46-1",
	     .fkind = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RESOLVED},
	};
	static const ev e48[] = {
	    {.id = "r48-1",
	     .office = "490",
	     .dossier = "nat-48-1",
	     .at = "2024-01-15T09:00:00+07:00",
	     .kind = RESOLVED},
	    {.id = "r48-2",
	     .office = "490",
	     .dossier = "nat-48-1",
	     .at = "2024-01-15T10:00:00+07:00",
	     .kind = RATED,
	     .rating = CCHC__V1__RATING__VERY_SATISFIED},
	    /* pending at the end: within its 15 working days, and long past them */
	    {.id = "r48-3",
	     .office = "490",
	     .at = "2024-03-11T09:00:00+07:00",
	     .feedback = "PAKN-48-1",
	     .fkind = FB_IN},
	    {.id = "r48-4",
	     .office = "48",
	     .at = "2024-01-02T09:00:00+07:00",
	     .feedback = "PAKN-48-2",
	     .fkind = FB_IN},
	};
#undef RESOLVED
#undef RATED
#undef FB_IN
	store_ok(&prov[0], e46, sizeof e46 / sizeof e46[0]);
	store_ok(&prov[1], e48, sizeof e48 / sizeof e48[0]);
	replicate_province(&prov[0]);
	replicate_province(&prov[1]);
	/* 021's columns on the partitioned parents reached each province's partition */
	assert_string_equal(
	    one_value(nat.admin, "SELECT count(*) FROM pg_attribute WHERE (attrelid, attname) IN "
	                         "(('dossier_agg_p46'::regclass, 'rated_unsatisfied_late'), "
	                         "('dossier_agg_month_p48'::regclass, 'rated_satisfied'), "
	                         "('feedback_agg_p48'::regclass, 'd_overdue'), "
	                         "('agg_meta_p46'::regclass, 'calendar'))"),
	    "4");

	/* still byte for byte as at home, ratings and feedback rows included */
	Cchc__V1__StatsReply *own = query(&prov[0], "46", 0);
	Cchc__V1__StatsReply *there = query(&nat, "46", 0);
	assert_int_equal(row(own->query, "all", "", NULL)->dossiers->rated, 2);
	size_t a = cchc__v1__query_reply__get_packed_size(own->query);
	size_t b = cchc__v1__query_reply__get_packed_size(there->query);
	uint8_t *pa = malloc(a), *pb = malloc(b);
	cchc__v1__query_reply__pack(own->query, pa);
	cchc__v1__query_reply__pack(there->query, pb);
	assert_int_equal(a, b);
	assert_memory_equal(pa, pb, a);
	free(pa);
	free(pb);
	cchc__v1__stats_reply__free_unpacked(own, NULL);
	cchc__v1__stats_reply__free_unpacked(there, NULL);

	Cchc__V1__StatsReply *vn = query(&nat, NATIONAL_SCOPE, 0);
	const Cchc__V1__QueryReply *q = vn->query;
	const Cchc__V1__FigureRow *all = row(q, "all", "", NULL);
	assert_int_equal(all->dossiers->rated, 3);
	assert_int_equal(all->dossiers->rated_satisfied, 2);
	assert_int_equal(all->dossiers->rated_unsatisfied, 1);
	assert_int_equal(all->dossiers->rated_unsatisfied_late, 1);
	assert_int_equal(row(q, "level", "district", NULL)->dossiers->rated, 2);
	assert_int_equal(row(q, "level", "province", NULL)->dossiers->rated_satisfied, 1);
	assert_int_equal(row(q, "province", "46", NULL)->dossiers->rated_unsatisfied, 1);
	assert_int_equal(row(q, "province", "48", NULL)->dossiers->rated_satisfied, 1);
	assert_int_equal(row(q, "province_level", "district", "48")->dossiers->rated, 1);
	/* feedback: every row but the fields', summed like the dossiers */
	assert_non_null(all->feedback);
	assert_int_equal(all->feedback->received, 3);
	assert_int_equal(all->feedback->resolved_on_time, 1);
	assert_int_equal(all->feedback->pending, 2);
	assert_int_equal(all->feedback->pending_within_due, 1);
	assert_int_equal(q->feedback->resolved_on_time, 1);
	assert_int_equal(q->feedback->pending_within_due, 1);
	const Cchc__V1__FigureRow *district = row(q, "level", "district", NULL);
	assert_int_equal(district->feedback->received, 2);
	assert_int_equal(district->feedback->resolved_on_time, 1);
	assert_int_equal(district->feedback->pending_within_due, 1);
	assert_int_equal(row(q, "level", "province", NULL)->feedback->pending_within_due, 0);
	assert_int_equal(row(q, "province", "46", NULL)->feedback->resolved_on_time, 1);
	assert_int_equal(row(q, "province", "48", NULL)->feedback->received, 2);
	assert_int_equal(row(q, "province_level", "province", "48")->feedback->pending, 1);
	assert_int_equal(q->provinces[1]->feedback->pending_within_due, 1);
	assert_null(row(q, "field", "hotich", NULL)->feedback);
	cchc__v1__stats_reply__free_unpacked(vn, NULL);
}

/* A province's standing closed version of the period is what VN shows of it when asked so. */
static void test_standing_closing(void **st)
{
	(void)st;
	NEED_DB();
	Cchc__V1__StatsReply *own = query(&prov[1], "48", 0);
	Cchc__V1__QueryReply *c = own->query;
	/* the closed figures: 48's, with one more dossier received at the province level */
	for (size_t i = 0; i < c->n_rows; i++)
		if (!strcmp(c->rows[i]->group, "all") ||
		    (!strcmp(c->rows[i]->group, "level") && c->rows[i]->level == 1)) {
			c->rows[i]->dossiers->received++;
			c->rows[i]->dossiers->received_direct++;
		}
	size_t n = cchc__v1__query_reply__get_packed_size(c);
	uint8_t *packed = malloc(n);
	cchc__v1__query_reply__pack(c, packed);
	char from[24], to[24], len[24];
	snprintf(from, sizeof from, "%lld", (long long)day(2023, 12, 15));
	snprintf(to, sizeof to, "%lld", (long long)day(2024, 3, 15));
	snprintf(len, sizeof len, "%zu", n);
	const char *values[4] = {from, to, (const char *)packed, "x"};
	int lengths[4] = {0, 0, (int)n, 0}, formats[4] = {0, 0, 1, 0};
	char err[512];
	PGresult *r = db_query_params(
	    nat.admin, "closing",
	    "INSERT INTO period_closing (province, period, scope, version, from_ms, to_ms, "
	    "structure, closed_ms, closed_by, note, forced, watermark, figures, sha256_docx, "
	    "sha256_pdf, sha256_xlsx) VALUES ('48', '2024-Q1', '48', 3, $1::bigint, $2::bigint, "
	    "'2024-03-14', 1710471600000, 'so-noi-vu', '', false, 1, $3, '', '', '')",
	    3, values, lengths, formats, err, sizeof err);
	assert_non_null(r);
	PQclear(r);
	free(packed);
	cchc__v1__stats_reply__free_unpacked(own, NULL);

	Cchc__V1__StatsReply *closed = query(&nat, NATIONAL_SCOPE, 1);
	Cchc__V1__StatsReply *now = query(&nat, NATIONAL_SCOPE, 0);
	assert_int_equal(row(closed->query, "province", "48", NULL)->dossiers->received, 5);
	assert_int_equal(row(now->query, "province", "48", NULL)->dossiers->received, 4);
	assert_int_equal(row(closed->query, "all", "", NULL)->dossiers->received, 11);
	assert_int_equal(row(closed->query, "province_level", "province", "48")->dossiers->received,
	                 2);
	assert_int_equal(closed->query->provinces[1]->closed_version, 3);
	assert_string_equal(closed->query->provinces[1]->closed_by, "so-noi-vu");
	assert_int_equal(closed->query->provinces[0]->closed_version, 0); /* 46 not closed */
	cchc__v1__stats_reply__free_unpacked(closed, NULL);
	cchc__v1__stats_reply__free_unpacked(now, NULL);
}

static const Cchc__V1__CheckItem *finding(const Cchc__V1__CheckReply *c, const char *check,
                                          const char *code)
{
	for (size_t i = 0; i < c->n_items; i++)
		if (!strcmp(c->items[i]->check, check) && !strcmp(c->items[i]->unit, code))
			return c->items[i];
	return NULL;
}

static void test_check_and_refusals(void **st)
{
	(void)st;
	NEED_DB();
	Cchc__V1__CheckRequest cr = CCHC__V1__CHECK_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	cr.scope = NATIONAL_SCOPE;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_CHECK;
	rq.check = &cr;
	nat.ctx.national_max_age_s = 3600;
	Cchc__V1__StatsReply *out = stats_call(&nat.ctx, &rq);
	assert_true(out->check->ok);
	assert_true(finding(out->check, "stale_province", "46")->ok);  /* a fresh heartbeat */
	assert_false(finding(out->check, "stale_province", "48")->ok); /* none */
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	/* a unit's data is checked on its province's own stack */
	cr.scope = "46";
	out = stats_call(&nat.ctx, &rq);
	assert_false(out->check->ok);
	assert_non_null(strstr(out->check->error, "national stack"));
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	/* nothing is stored nationally */
	static const char *const o[] = {"46"};
	out = store_dossiers(&nat, o, 1);
	assert_false(out->store->committed);
	assert_non_null(strstr(out->store->error, "national stack"));
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	assert_string_equal(one_value(nat.admin, "SELECT count(*) FROM dossier_event"), "0");
	/* closings are read, never made, nationally */
	Cchc__V1__ClosingRequest cl = CCHC__V1__CLOSING_REQUEST__INIT;
	Cchc__V1__Closing c = CCHC__V1__CLOSING__INIT;
	c.period = "2024-Q1";
	c.scope = "48";
	cl.closing = &c;
	cl.action = "prepare";
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_CLOSING;
	rq.closing = &cl;
	out = stats_call(&nat.ctx, &rq);
	assert_false(out->closing->ok);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
	cl.action = "list";
	out = stats_call(&nat.ctx, &rq);
	assert_true(out->closing->ok);
	assert_int_equal(out->closing->n_closings, 1);
	cchc__v1__stats_reply__free_unpacked(out, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schemas),          cmocka_unit_test(test_publication),
	    cmocka_unit_test(test_figures),          cmocka_unit_test(test_ratings),
	    cmocka_unit_test(test_standing_closing), cmocka_unit_test(test_check_and_refusals),
	};
	return cmocka_run_group_tests_name("national", tests, setup, teardown);
}

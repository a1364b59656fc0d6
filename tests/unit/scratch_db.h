/* scratch_db: a schema of its own in a real PostgreSQL, for the unit tests of stats that need one
 * (test_store, test_agg), and one request through stats' handler as the socket would carry it. The
 * database is $CCHC_TEST_PGURL, else the one of the stack named by $CCHC_CONF (make test starts
 * it); without either the tests skip. The schema is dropped at the end. */
#ifndef CCHC_TEST_SCRATCH_DB_H
#define CCHC_TEST_SCRATCH_DB_H

#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "stats_db.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What db_migrate records a scratch database as: province 46's (sql/013). */
static const stats_node scratch_province = {.national = 0, .province = "46"};

static const char *scratch_database(void)
{
	static conf cf;
	char err[512];
	const char *url = getenv("CCHC_TEST_PGURL");
	if (url && *url)
		return url;
	const char *path = getenv("CCHC_CONF");
	if (!path || !*path || conf_load(path, &cf, err, sizeof err))
		return NULL;
	return cf.stats_db;
}

/* Creates the schema PREFIX_PID through *admin (whose session then uses it) and writes into
 * conninfo a connection string whose sessions use it. Returns 1 when created, 0 when there is no
 * database (skip), -1 on error. */
static int scratch_open(const char *prefix, PGconn **admin, char *schema, size_t schemalen,
                        char *conninfo, size_t len)
{
	const char *url = scratch_database();
	char err[512], sql[256];
	if (!url || !*url)
		return 0;
	snprintf(schema, schemalen, "%s_%ld", prefix, (long)getpid());
	snprintf(sql, sizeof sql,
	         "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path = %s", schema,
	         schema, schema);
	if (db_connect(url, admin, err, sizeof err) ||
	    db_exec(*admin, "schema", sql, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", prefix, err);
		return -1;
	}
	int uri = !strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13);
	if (uri)
		snprintf(conninfo, len, "%s%coptions=-csearch_path%%3D%s", url,
		         strchr(url, '?') ? '&' : '?', schema);
	else
		snprintf(conninfo, len, "%s options=-csearch_path=%s", url, schema);
	return 1;
}

/* The writers a stats_ctx takes (w[0] first): 0, or -1 with err. */
static int scratch_writers(const char *conninfo, PGconn *w[STORE_PARTS], char *err, size_t errlen)
{
	for (int p = 0; p < STORE_PARTS; p++)
		if (db_connect(conninfo, &w[p], err, errlen) != 0)
			return -1;
	return 0;
}

static void scratch_drop(PGconn *admin, const char *schema)
{
	char err[512], sql[128];
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	db_exec(admin, "drop schema", sql, err, sizeof err);
	PQfinish(admin);
}

/* Packs rq, hands it to stats_handle as a worker would, and returns the decoded reply. */
static Cchc__V1__StatsReply *stats_call(stats_ctx *ctx, const Cchc__V1__StatsRequest *rq)
{
	uint8_t *req, *rep = NULL;
	size_t reqlen, replen = 0;
	Cchc__V1__StatsReply *out;

	assert_int_equal(wire_pack(&rq->base, &req, &reqlen), 0);
	assert_int_equal(stats_handle(ctx, req, reqlen, &rep, &replen), 0);
	out = cchc__v1__stats_reply__unpack(NULL, replen, rep);
	assert_non_null(out);
	free(req);
	free(rep);
	return out;
}

#endif

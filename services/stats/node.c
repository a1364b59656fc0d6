/* node: a stats database's place in the national roll-up (stats_node.h): which province it is,
 * checked at every start against what migration 013 recorded; a province's publication; the
 * aggregates rebuilt before the national side could see stale ones; and the heartbeat that tells
 * the national side how fresh each province's figures are. */
#include "stats_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "stats_agg.h"
#include "stats_db.h"
#include "stats_ticker.h"
#include "units.h"

/* The one province code among the registry's level-1 units ("" when it has none). */
static int registry_province(const units *reg, char out[8], char *err, size_t errlen)
{
	out[0] = '\0';
	for (size_t i = 0; reg && i < units_count(reg); i++) {
		const unit *u = units_at(reg, i);
		if (u->level != 1)
			continue;
		if (out[0] && strcmp(out, u->code)) {
			snprintf(err, errlen,
			         "the registry has two province units, %s and %s: set province in "
			         "cchc.conf",
			         out, u->code);
			return -1;
		}
		if (!conf_is_province_code(u->code)) {
			snprintf(
			    err, errlen,
			    "the registry's province unit %s is not a two-digit province code: set "
			    "province in cchc.conf",
			    u->code);
			return -1;
		}
		snprintf(out, 8, "%.2s", u->code);
	}
	return 0;
}

/* What the database records: cchc_node's province (013 applied), else the province unit of an
 * older database's registry. "" when neither. */
static int recorded_province(PGconn *conn, char out[8], char *err, size_t errlen)
{
	PGresult *r =
	    db_query(conn, "node: recorded province",
	             "SELECT CASE WHEN to_regclass('cchc_node') IS NOT NULL THEN "
	             " (SELECT COALESCE(province, '') FROM cchc_node WHERE id = 1) "
	             " WHEN to_regclass('units') IS NOT NULL THEN "
	             " (SELECT string_agg(DISTINCT code, ',') FROM units WHERE level = 1) END",
	             0, NULL, err, errlen);
	if (!r)
		return -1;
	const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
	snprintf(out, 8, "%s", conf_is_province_code(v) ? v : "");
	PQclear(r);
	return 0;
}

int node_resolve(const conf *c, const units *reg, PGconn *conn, stats_node *out, char *err,
                 size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (c->national) {
		out->national = 1;
		return 0;
	}
	if (c->province[0]) {
		snprintf(out->province, sizeof out->province, "%s", c->province);
		return 0;
	}
	if (registry_province(reg, out->province, err, errlen) != 0)
		return -1;
	if (!out->province[0] && conn)
		return recorded_province(conn, out->province, err, errlen);
	return 0;
}

int node_check(PGconn *conn, stats_node *node, char *err, size_t errlen)
{
	PGresult *r = db_query(conn, "node: check",
	                       "SELECT mode, COALESCE(province, '') FROM cchc_node WHERE id = 1", 0,
	                       NULL, err, errlen);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		snprintf(err, errlen, "node: the database does not say what it is (cchc_node)");
		return -1;
	}
	const char *mode = PQgetvalue(r, 0, 0), *code = PQgetvalue(r, 0, 1);
	int rc = 0;
	if (node->national && strcmp(mode, "national")) {
		snprintf(
		    err, errlen,
		    "node: this database is province %s's, but cchc.conf says mode = national: "
		    "point stats.db at the national database",
		    code);
		rc = -1;
	} else if (!node->national && !strcmp(mode, "national")) {
		snprintf(err, errlen,
		         "node: this is the national database, but cchc.conf says mode = province: "
		         "point stats.db at the province's database, or set mode = national");
		rc = -1;
	} else if (!node->national && node->province[0] && strcmp(node->province, code)) {
		snprintf(err, errlen,
		         "node: this database is province %s's, but this stack is province %s "
		         "(province in cchc.conf, or the registry's province unit)",
		         code, node->province);
		rc = -1;
	} else if (!node->national) {
		snprintf(node->province, sizeof node->province, "%s", code);
	}
	PQclear(r);
	return rc;
}

/* A setting of the server as text, or "" when it cannot be read. */
static void server_setting(PGconn *conn, const char *name, char *out, size_t len)
{
	char err[256];
	const char *params[1] = {name};
	PGresult *r = db_query(conn, "node: setting", "SELECT current_setting($1)", 1, params, err,
	                       sizeof err);
	snprintf(out, len, "%s", r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
}

int node_publish(PGconn *conn, const conf *c, char *err, size_t errlen)
{
	const char *params[2] = {c->publish ? "true" : "false", c->publish_role};
	char wal_level[32], keep[32];
	PGresult *r = db_query(conn, "publication", "SELECT cchc_publication($1::boolean, $2)", 2,
	                       params, err, errlen);
	if (!r && c->publish_role[0] && strstr(err, "SQLSTATE 42704")) {
		size_t n = strlen(err);
		snprintf(
		    err + n, errlen - n,
		    "; publish.role names the role the national stack subscribes as: create it "
		    "first (CREATE ROLE %s LOGIN REPLICATION, docs/operations.md)",
		    c->publish_role);
	}
	if (!r)
		return -1;
	int added = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!c->publish) {
		r = db_query(
		    conn, "publication: slots",
		    "SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'logical' "
		    "AND database = current_database()",
		    0, NULL, err, errlen);
		if (!r)
			return -1;
		if (atoi(PQgetvalue(r, 0, 0)) > 0)
			log_warn(
			    "publish: off, but %s logical replication slot(s) remain on this "
			    "database and keep WAL until dropped (docs/operations.md, \"Removing "
			    "a province\")",
			    PQgetvalue(r, 0, 0));
		PQclear(r);
		return 0;
	}
	server_setting(conn, "wal_level", wal_level, sizeof wal_level);
	server_setting(conn, "max_slot_wal_keep_size", keep, sizeof keep);
	log_info("publish: on: publication cchc_pub (%d table(s) added now)%s%s", added,
	         c->publish_role[0] ? ", SELECT granted to " : "", c->publish_role);
	if (strcmp(wal_level, "logical"))
		log_warn("publish: wal_level is %s, not logical: no national stack can subscribe "
		         "until it is set and PostgreSQL restarted",
		         wal_level[0] ? wal_level : "unknown");
	if (!strcmp(keep, "-1"))
		log_warn("publish: max_slot_wal_keep_size is unlimited: a long national outage can "
		         "fill this server's disk with WAL (docs/operations.md)");
	return 0;
}

int node_refresh_aggregates(PGconn *conn, int *rebuilt, char *err, size_t errlen)
{
	int fresh = 1;
	if (rebuilt)
		*rebuilt = 0;
	if (db_begin(conn, "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "aggregates: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0 ||
	    agg_fresh(conn, &fresh, err, errlen) != 0 ||
	    (!fresh && agg_prepare(conn, err, errlen) != 0)) {
		db_rollback(conn);
		return -1;
	}
	if (fresh) {
		db_rollback(conn);
		return 0;
	}
	if (db_commit(conn, "aggregates: commit", err, errlen) != 0)
		return -1;
	if (rebuilt)
		*rebuilt = 1;
	return 0;
}

int node_heartbeat_beat(PGconn *conn, char *err, size_t errlen)
{
	PGresult *r = db_query(conn, "heartbeat",
	                       "INSERT INTO replication_heartbeat (id, at) VALUES (1, "
	                       "clock_timestamp()) ON CONFLICT (province, id) DO UPDATE SET at = "
	                       "EXCLUDED.at",
	                       0, NULL, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

struct node_heartbeat {
	ticker *t;
	PGconn *conn; /* the ticker's thread's alone */
	char conninfo[1024];
	int failing;
};

static void heartbeat_run(void *arg)
{
	node_heartbeat *h = arg;
	char err[512];
	int ok = (h->conn || db_connect(h->conninfo, &h->conn, err, sizeof err) == 0) &&
	         db_ensure(h->conn, err, sizeof err) == 0 &&
	         node_heartbeat_beat(h->conn, err, sizeof err) == 0;
	if (!ok && !h->failing)
		log_warn("heartbeat: %s (the national side sees this province's figures age until "
		         "it is back)",
		         err);
	else if (ok && h->failing)
		log_info("heartbeat: written again");
	h->failing = !ok;
}

int node_heartbeat_start(const char *conninfo, node_heartbeat **out, char *err, size_t errlen)
{
	node_heartbeat *h = calloc(1, sizeof *h);
	*out = NULL;
	if (!h || strlen(conninfo) >= sizeof h->conninfo) {
		free(h);
		snprintf(err, errlen, "heartbeat: out of memory or connection string too long");
		return -1;
	}
	snprintf(h->conninfo, sizeof h->conninfo, "%s", conninfo);
	char why[256];
	if (ticker_start(NODE_HEARTBEAT_MS, heartbeat_run, h, &h->t, why, sizeof why) != 0) {
		free(h);
		snprintf(err, errlen, "heartbeat: %s", why);
		return -1;
	}
	*out = h;
	return 0;
}

void node_heartbeat_stop(node_heartbeat *h)
{
	if (!h)
		return;
	ticker_stop(h->t);
	PQfinish(h->conn);
	free(h);
}

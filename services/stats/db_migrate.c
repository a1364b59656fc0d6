/* db migrate: applies the migrations embedded from sql/ (stats_migrations.h) that
 * schema_version does not list yet, all in one transaction under the advisory lock, so two stats
 * starting at once apply each exactly once. What the database is (a province's or the national
 * one) travels to the SQL as transaction-local settings, never spliced into its text. */
#include "stats_migrations.h"

#include <stdio.h>

#include "stats_db.h"

int db_migrate(PGconn *conn, const stats_node *node, char *err, size_t errlen)
{
	PGresult *r;
	char what[128], version[16];
	const char *settings[2] = {node->national ? "national" : "province", node->province};

	if (db_exec(conn, "migrate: begin", "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "migrate: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0 ||
	    db_exec(conn, "migrate: schema_version",
	            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
	            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
	            err, errlen) != 0)
		goto fail;
	r = db_query(
	    conn, "migrate: settings",
	    "SELECT set_config('cchc.mode', $1, true), set_config('cchc.province', $2, true)", 2,
	    settings, err, errlen);
	if (!r)
		goto fail;
	PQclear(r);
	for (size_t i = 0; i < stats_migrations_count; i++) {
		const stats_migration *m = &stats_migrations[i];
		const char *params[2] = {version, m->name};

		snprintf(version, sizeof version, "%d", m->version);
		r = db_query(conn, "migrate: read schema_version",
		             "SELECT 1 FROM schema_version WHERE version = $1", 1, params, err,
		             errlen);
		if (!r)
			goto fail;
		int done = PQntuples(r) > 0;
		PQclear(r);
		if (done)
			continue;
		snprintf(what, sizeof what, "migration %s", m->name);
		if (db_exec(conn, what, m->sql, err, errlen) != 0)
			goto fail;
		r = db_query(conn, what,
		             "INSERT INTO schema_version (version, name) VALUES ($1, $2)", 2,
		             params, err, errlen);
		if (!r)
			goto fail;
		PQclear(r);
	}
	return db_commit(conn, "migrate: commit", err, errlen);
fail:
	db_rollback(conn);
	return -1;
}

/* db units: the unit registry in PostgreSQL. A sync replaces the units table when the registry
 * differs and re-resolves every state's unit; at start from units_file (kept when the file is
 * byte for byte the one last synced), or by `cchc units import` (kept across restarts). One
 * transaction each, under the advisory lock that migrations and aggregate rebuilds take. */
#include "stats_db_units.h"

#include <stdio.h>
#include <string.h>

#include "stats_db.h"

/* Re-resolves the unit of every state whose unit at its anchor time changed. */
static const char *const resolve_sql[] = {
    "UPDATE dossier_state s SET unit_snapshot = r.snapshot, unit_valid_from = r.valid_from, "
    "unit_valid_to = r.valid_to, level = r.level "
    "FROM (SELECT s2.office, s2.dossier, u.snapshot, u.valid_from, u.valid_to, u.level "
    "      FROM dossier_state s2 LEFT JOIN units u ON u.code = s2.office "
    "       AND s2.anchor_at >= u.valid_from AND s2.anchor_at < u.valid_to) r "
    "WHERE s.office = r.office AND s.dossier = r.dossier AND "
    "(s.unit_snapshot IS DISTINCT FROM r.snapshot OR s.level IS DISTINCT FROM r.level OR "
    " s.unit_valid_from IS DISTINCT FROM r.valid_from OR "
    " s.unit_valid_to IS DISTINCT FROM r.valid_to)",
    "UPDATE feedback_state s SET unit_snapshot = r.snapshot, unit_valid_from = r.valid_from, "
    "unit_valid_to = r.valid_to, level = r.level "
    "FROM (SELECT s2.office, s2.feedback, u.snapshot, u.valid_from, u.valid_to, u.level "
    "      FROM feedback_state s2 LEFT JOIN units u ON u.code = s2.office "
    "       AND s2.anchor_at >= u.valid_from AND s2.anchor_at < u.valid_to) r "
    "WHERE s.office = r.office AND s.feedback = r.feedback AND "
    "(s.unit_snapshot IS DISTINCT FROM r.snapshot OR s.level IS DISTINCT FROM r.level OR "
    " s.unit_valid_from IS DISTINCT FROM r.valid_from OR "
    " s.unit_valid_to IS DISTINCT FROM r.valid_to)",
};

/* Replaces the units table with u when they differ, inside the caller's transaction (which holds
 * the advisory lock). */
static int sync_units_tx(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	db_buf b = {0};
	PGresult *r;
	size_t n = units_count(u);

	*changed = 0;
	for (size_t i = 0; i < n; i++) {
		const unit *x = units_at(u, i);
		db_buf_text(&b, x->code);
		db_buf_tab(&b);
		db_buf_text(&b, x->snapshot);
		db_buf_tab(&b);
		db_buf_bound(&b, x->valid_from_ms);
		db_buf_tab(&b);
		db_buf_bound(&b, x->valid_to_ms);
		db_buf_tab(&b);
		db_buf_text(&b, x->name ? x->name : "");
		db_buf_tab(&b);
		db_buf_int(&b, x->level);
		db_buf_tab(&b);
		db_buf_text(&b, x->parent);
		db_buf_tab(&b);
		db_buf_text(&b, x->merged_from ? x->merged_from : "");
		db_buf_eol(&b);
	}
	if (db_exec(conn, "units: staging",
	            "DROP TABLE IF EXISTS units_stage; "
	            "CREATE TEMP TABLE units_stage (LIKE units INCLUDING ALL) ON COMMIT DROP",
	            err, errlen) != 0 ||
	    /* the columns named: `province` (sql/013) takes its default */
	    db_copy(conn, "units: copy",
	            "COPY units_stage (code, snapshot, valid_from, valid_to, name, level, "
	            "parent_code, merged_from) FROM STDIN",
	            &b, err, errlen) != 0)
		goto fail;
	r = db_query(conn, "units: compare",
	             "SELECT (SELECT count(*) FROM (SELECT * FROM units_stage EXCEPT "
	             "SELECT * FROM units) a) + (SELECT count(*) FROM (SELECT * FROM units EXCEPT "
	             "SELECT * FROM units_stage) b)",
	             0, NULL, err, errlen);
	if (!r)
		goto fail;
	*changed = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	PQclear(r);
	if (*changed) {
		if (db_exec(conn, "units: replace",
		            "DELETE FROM units; INSERT INTO units SELECT * FROM units_stage", err,
		            errlen) != 0 ||
		    db_exec(conn, "units: re-resolve dossiers", resolve_sql[0], err, errlen) != 0 ||
		    db_exec(conn, "units: re-resolve feedback", resolve_sql[1], err, errlen) != 0)
			goto fail;
	}
	db_buf_free(&b);
	return 0;
fail:
	db_buf_free(&b);
	return -1;
}

static int units_begin(PGconn *conn, char *err, size_t errlen)
{
	/* db_begin: a connection PostgreSQL dropped since (a restart) is reset, as for stores */
	if (db_begin(conn, "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "units: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

int db_sync_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	*changed = 0;
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	if (sync_units_tx(conn, u, changed, err, errlen) != 0) {
		db_rollback(conn);
		return -1;
	}
	return db_commit(conn, "units: commit", err, errlen);
}

/* units_origin(id 1) written as `origin`; file_content replaced only when content is given. */
static int set_origin(PGconn *conn, const char *origin, const char *content, size_t len, char *err,
                      size_t errlen)
{
	const char *params[2] = {origin, content};
	int lengths[2] = {(int)strlen(origin), (int)len};
	int formats[2] = {0, 1};
	PGresult *r;

	r = db_query_params(
	    conn, "units: origin",
	    "INSERT INTO units_origin (id, origin, file_content) VALUES (1, $1, $2) "
	    "ON CONFLICT (id) DO UPDATE SET origin = EXCLUDED.origin, "
	    "file_content = COALESCE(EXCLUDED.file_content, units_origin.file_content), "
	    "changed_at = now()",
	    2, params, lengths, formats, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int db_sync_units_file(PGconn *conn, const units *u, const char *content, size_t len, int *changed,
                       int *kept, char *err, size_t errlen)
{
	const char *params[1] = {content};
	int lengths[1] = {(int)len};
	int formats[1] = {1};
	PGresult *r;

	*changed = *kept = 0;
	if (len > (size_t)UNITS_FILE_MAX) {
		snprintf(err, errlen, "units: the file is larger than %d bytes", UNITS_FILE_MAX);
		return -1;
	}
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	r = db_query_params(conn, "units: read origin",
	                    "SELECT origin FROM units_origin WHERE id = 1 AND file_content = $1", 1,
	                    params, lengths, formats, err, errlen);
	if (!r) {
		db_rollback(conn);
		return -1;
	}
	/* The file has not changed since stats last synced it: whatever is in force (the file, or
	 * a later import) stays. */
	*kept = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "import") == 0;
	int same = PQntuples(r) == 1;
	PQclear(r);
	if (same) {
		db_rollback(conn);
		return 0;
	}
	if (sync_units_tx(conn, u, changed, err, errlen) != 0 ||
	    set_origin(conn, "file", content, len, err, errlen) != 0) {
		db_rollback(conn);
		return -1;
	}
	return db_commit(conn, "units: commit", err, errlen);
}

int db_import_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen)
{
	*changed = 0;
	if (units_begin(conn, err, errlen) != 0)
		return -1;
	if (sync_units_tx(conn, u, changed, err, errlen) != 0 ||
	    (*changed && set_origin(conn, "import", NULL, 0, err, errlen) != 0)) {
		db_rollback(conn);
		return -1;
	}
	return db_commit(conn, "units: commit", err, errlen);
}

/* db calendar: counts every feedback item's deadline again when the days off change
 * (stats_db_calendar.h). The counting is state.c's, on the process's calendar. */
#include "stats_db_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_agg.h"
#include "stats_db.h"
#include "stats_db_copy.h"
#include "stats_state.h"

#define MS(x) "(extract(epoch FROM " x ") * 1000)::bigint"

int db_sync_calendar(PGconn *conn, const workdays *w, size_t *items, char *err, size_t errlen)
{
	const char *digest = workdays_digest(w);
	const char *params[1] = {digest};
	PGresult *r = NULL;
	db_buf b = {0};

	*items = 0;
	if (db_exec(conn, "calendar: begin", "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "calendar: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0)
		goto fail;
	r = db_query(conn, "calendar: read",
	             "SELECT 1 FROM agg_meta WHERE id = 1 AND calendar IS NOT DISTINCT FROM $1", 1,
	             params, err, errlen);
	if (!r)
		goto fail;
	int same = PQntuples(r) == 1;
	PQclear(r);
	if (same) {
		db_rollback(conn);
		return 0;
	}
	r = db_query(conn, "calendar: feedback items",
	             "SELECT office, feedback, " MS("received_at") " FROM feedback_state "
	                                                           "WHERE has_received",
	             0, NULL, err, errlen);
	if (!r)
		goto fail;
	db_bin_start(&b);
	for (int i = 0; i < PQntuples(r); i++) {
		db_bin_row(&b, 3);
		db_bin_text(&b, PQgetvalue(r, i, 0));
		db_bin_text(&b, PQgetvalue(r, i, 1));
		db_bin_ts(&b, state_feedback_deadline(w, db_get_ms(r, i, 2)));
	}
	db_bin_end(&b);
	*items = (size_t)PQntuples(r);
	PQclear(r);
	r = NULL;
	if (b.oom) {
		snprintf(err, errlen, "calendar: out of memory");
		goto fail;
	}
	if (db_exec(conn, "calendar: staging",
	            "CREATE TEMP TABLE stage_deadline (office text COLLATE \"C\", feedback text "
	            "COLLATE \"C\", deadline timestamptz) ON COMMIT DROP",
	            err, errlen) != 0 ||
	    db_copy(conn, "calendar: copy", "COPY stage_deadline FROM STDIN (FORMAT binary)", &b,
	            err, errlen) != 0 ||
	    db_exec(conn, "calendar: deadlines",
	            "UPDATE feedback_state s SET deadline = t.deadline FROM stage_deadline t "
	            "WHERE s.office = t.office AND s.feedback = t.feedback",
	            err, errlen) != 0 ||
	    agg_rebuild_feedback(conn, err, errlen) != 0)
		goto fail;
	r = db_query(conn, "calendar: record", "UPDATE agg_meta SET calendar = $1 WHERE id = 1", 1,
	             params, err, errlen);
	if (!r)
		goto fail;
	PQclear(r);
	db_buf_free(&b);
	return db_commit(conn, "calendar: commit", err, errlen);
fail:
	db_buf_free(&b);
	db_rollback(conn);
	return -1;
}

/* agg verify: `--verify`'s check of the aggregates: recomputed from the state tables into
 * temporary tables (agg_expect), then compared with the stored rows, parts summed, day by day,
 * and the stored months with the recomputed days summed by month (sql/008's cchc_report_month). */
#include "stats_agg.h"

#include <inttypes.h>
#include <stdio.h>

#include "stats_db.h"

/* clang-format off */
#define D_LIST AGG_DOSSIER_COLUMNS
/* The recomputed days of a (key, month) summed: --verify's month check. */
#define D_SUMS \
	"sum(s.received), sum(s.received_online), sum(s.received_direct), sum(s.received_postal), " \
	"sum(s.resolved), sum(s.resolved_early), sum(s.resolved_on_time), sum(s.resolved_late), " \
	"sum(s.returned), sum(s.withdrawn), sum(s.not_accepted), sum(s.paid_online), " \
	"sum(s.digitized), sum(s.d_open), sum(s.d_overdue), sum(s.d_waiting), " \
	"sum(s.rated_satisfied), sum(s.rated_unsatisfied), sum(s.rated_unsatisfied_late)"
/* The stored parts of a (key, day) summed, under the columns' own names (--verify). */
#define D_SUMS_AS \
	"sum(s.received) AS received, sum(s.received_online) AS received_online, " \
	"sum(s.received_direct) AS received_direct, sum(s.received_postal) AS received_postal, " \
	"sum(s.resolved) AS resolved, sum(s.resolved_early) AS resolved_early, " \
	"sum(s.resolved_on_time) AS resolved_on_time, sum(s.resolved_late) AS resolved_late, " \
	"sum(s.returned) AS returned, sum(s.withdrawn) AS withdrawn, " \
	"sum(s.not_accepted) AS not_accepted, sum(s.paid_online) AS paid_online, " \
	"sum(s.digitized) AS digitized, sum(s.d_open) AS d_open, sum(s.d_overdue) AS d_overdue, " \
	"sum(s.d_waiting) AS d_waiting, sum(s.rated_satisfied) AS rated_satisfied, " \
	"sum(s.rated_unsatisfied) AS rated_unsatisfied, " \
	"sum(s.rated_unsatisfied_late) AS rated_unsatisfied_late"
#define F_SUMS_AS \
	"sum(s.received) AS received, sum(s.about_regulation) AS about_regulation, " \
	"sum(s.about_behavior) AS about_behavior, sum(s.resolved) AS resolved, " \
	"sum(s.published) AS published, sum(s.d_open) AS d_open, " \
	"sum(s.resolved_on_time) AS resolved_on_time, sum(s.d_overdue) AS d_overdue"
#define COALESCED(a, e, c) "COALESCE(" a "." c ", 0) <> COALESCE(" e "." c ", 0)"
#define D_DIFFERS \
    COALESCED("a", "e", "received") " OR " COALESCED("a", "e", "received_online") " OR " \
    COALESCED("a", "e", "received_direct") " OR " COALESCED("a", "e", "received_postal") " OR " \
    COALESCED("a", "e", "resolved") " OR " COALESCED("a", "e", "resolved_early") " OR " \
    COALESCED("a", "e", "resolved_on_time") " OR " COALESCED("a", "e", "resolved_late") " OR " \
    COALESCED("a", "e", "returned") " OR " COALESCED("a", "e", "withdrawn") " OR " \
    COALESCED("a", "e", "not_accepted") " OR " COALESCED("a", "e", "paid_online") " OR " \
    COALESCED("a", "e", "digitized") " OR " COALESCED("a", "e", "d_open") " OR " \
    COALESCED("a", "e", "d_overdue") " OR " COALESCED("a", "e", "d_waiting") " OR " \
    COALESCED("a", "e", "rated_satisfied") " OR " COALESCED("a", "e", "rated_unsatisfied") \
    " OR " COALESCED("a", "e", "rated_unsatisfied_late")
static const char dossier_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.day, e.day), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, day, " D_SUMS_AS " FROM dossier_agg s GROUP BY 1, 2) a "
    "FULL JOIN agg_expect_dossier e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    D_DIFFERS " "
    "ORDER BY 1, 2, 3, 4, 5";
static const char feedback_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.day, e.day), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, day, " F_SUMS_AS " FROM feedback_agg s GROUP BY 1, 2) a "
    "FULL JOIN agg_expect_feedback e USING (key, day) "
    "LEFT JOIN agg_key k ON k.id = COALESCE(a.key, e.key) WHERE "
    COALESCED("a", "e", "received") " OR " COALESCED("a", "e", "about_regulation") " OR "
    COALESCED("a", "e", "about_behavior") " OR " COALESCED("a", "e", "resolved") " OR "
    COALESCED("a", "e", "published") " OR " COALESCED("a", "e", "d_open") " OR "
    COALESCED("a", "e", "resolved_on_time") " OR " COALESCED("a", "e", "d_overdue") " "
    "ORDER BY 1, 2, 3, 4, 5";
/* The stored months against the expected days summed by month (sql/008's backfill). */
static const char month_diff_sql[] =
    "SELECT k.office, k.unit_snapshot::text, k.level, k.field, COALESCE(a.month, e.month), "
    "ROW(a.*)::text, ROW(e.*)::text "
    "FROM (SELECT key, month, " D_SUMS_AS " FROM dossier_agg_month s GROUP BY 1, 2) a "
    "FULL JOIN (SELECT s.key, cchc_report_month(s.day) AS month, "
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
	if (agg_fresh(conn, &ok, err, errlen) != 0)
		goto out;
	if (!ok) {
		fprintf(out, "verify: aggregates are not built for this registry and time zone "
		             "(figures use the state rows until the next write rebuilds them)\n");
		rc = 0;
		goto out;
	}
	if (agg_expect(conn, err, errlen) != 0)
		goto out;
	static const struct {
		const char *what, *day, *sql;
	} diffs[] = {{"dossier aggregates", "day", dossier_diff_sql},
	             {"dossier aggregates", "month from day", month_diff_sql},
	             {"feedback aggregates", "day", feedback_diff_sql}};
	for (size_t t = 0; t < sizeof diffs / sizeof diffs[0]; t++) {
		PGresult *r =
		    db_query(conn, "verify: aggregates", diffs[t].sql, 0, NULL, err, errlen);
		if (!r)
			goto out;
		for (int i = 0; i < PQntuples(r); i++, found++)
			if (found < detail_keys)
				fprintf(out,
				        "verify: %s of office %s (unit %s, level %s) "
				        "field '%s' %s %s: stored %s, states give %s\n",
				        diffs[t].what, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				        PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), diffs[t].day,
				        PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
				        PQgetvalue(r, i, 6));
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

/* query: docs/design.md §6 in SQL. Each dossier state row says, for a period [f, t), which figures
 * it falls in; one GROUPING SETS pass counts them for the scope, each level, each unit and each
 * field. The due and supplement histories in the state let "pending within due" be exact for any
 * past period, not only for the latest state. Identity per row: carried_over + received = resolved
 * + returned + withdrawn + pending (a dossier finishes at or after it starts, so the two sides
 * count the same dossiers). That reference query grows with the dossiers; the same figures come
 * from the aggregates of agg_sql.c (units × fields × days rows) whenever they cover the period
 * exactly.
 */
#include "stats_query.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "grow.h"
#include "stats_agg.h"
#include "stats_asof.h"
#include "stats_db.h"
#include "stats_national.h"
#include "units.h"

enum { NFIG = 22 }; /* DossierFigures in proto order, intake left out (carried_over + received) */
enum { NFB = 9 };   /* FeedbackFigures in proto order */

static const char dossier_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE ", "
    "d AS (SELECT s.level, s.office, s.unit_snapshot, s.field, s.channel, s.finish_kind, "
    "  s.resolved_class, "
    "  (s.received_at < p.f AND (s.finished_at IS NULL OR s.finished_at >= p.f)) AS carried, "
    "  (s.received_at >= p.f AND s.received_at < p.t) AS recv, "
    "  (s.finished_at >= p.f AND s.finished_at < p.t) AS fin, "
    "  (s.received_at < p.t AND (s.finished_at IS NULL OR s.finished_at >= p.t)) AS pend, "
    /* within due at the end: waiting for supplements then, or the due known before the end
     * is at or after it */
    "  CASE WHEN s.received_at < p.t AND (s.finished_at IS NULL OR s.finished_at >= p.t) THEN "
    "   EXISTS (SELECT 1 FROM unnest(s.supp_from, s.supp_to) w(a, b) "
    "           WHERE w.a < p.t AND w.b >= p.t) "
    "   OR COALESCE((SELECT h.v FROM unnest(s.due_from, s.due_val) WITH ORDINALITY h(a, v, n) "
    "                WHERE h.a < p.t ORDER BY h.n DESC LIMIT 1) >= p.t, true) "
    "  ELSE false END AS in_due, "
    "  (s.submitted_at < p.t AND (s.waiting_end_at IS NULL OR s.waiting_end_at >= p.t)) "
    "   AS waiting, "
    "  (s.not_accepted_at >= p.f AND s.not_accepted_at < p.t) AS not_acc, "
    "  s.paid_online_at IS NOT NULL AS paid, s.digitized_at IS NOT NULL AS digi, s.rating "
    " FROM dossier_state s, p WHERE " IN_SCOPE(
        "s") " AND "
             "  ((s.received_at < p.t AND (s.finished_at IS NULL OR s.finished_at >= p.f)) OR "
             "   (s.submitted_at < p.t AND (s.waiting_end_at IS NULL OR s.waiting_end_at >= "
             "p.f)))) "
             "SELECT GROUPING(d.level, d.office, d.unit_snapshot, d.field), d.level, d.office, "
             " d.unit_snapshot::text, d.field, "
             " count(*) FILTER (WHERE carried), "
             " count(*) FILTER (WHERE recv), "
             " count(*) FILTER (WHERE recv AND channel = 2), "
             " count(*) FILTER (WHERE recv AND channel = 1), "
             " count(*) FILTER (WHERE recv AND channel = 3), "
             " count(*) FILTER (WHERE fin AND finish_kind = 6), "
             " count(*) FILTER (WHERE fin AND finish_kind = 6 AND resolved_class = 1), "
             " count(*) FILTER (WHERE fin AND finish_kind = 6 AND resolved_class = 2), "
             " count(*) FILTER (WHERE fin AND finish_kind = 6 AND resolved_class = 3), "
             " count(*) FILTER (WHERE fin AND finish_kind = 7), "
             " count(*) FILTER (WHERE fin AND finish_kind = 8), "
             " count(*) FILTER (WHERE pend), "
             " count(*) FILTER (WHERE pend AND in_due), "
             " count(*) FILTER (WHERE pend AND NOT in_due), "
             " count(*) FILTER (WHERE waiting), "
             " count(*) FILTER (WHERE not_acc), "
             " count(*) FILTER (WHERE recv AND paid), "
             " count(*) FILTER (WHERE recv AND digi), "
             /* docs/design.md §16: the finished ones by their latest rating */
             " count(*) FILTER (WHERE fin AND rating > 0), "
             " count(*) FILTER (WHERE fin AND rating IN (1, 2)), "
             " count(*) FILTER (WHERE fin AND rating = 3), "
             " count(*) FILTER (WHERE fin AND rating = 3 AND finish_kind = 6 AND "
             "  resolved_class = 3) "
             "FROM d GROUP BY GROUPING SETS ((), (d.level), (d.office, d.unit_snapshot), "
             "(d.field)) "
             "ORDER BY 1 DESC, 2, 3, 4, 5";

/* The same result from the aggregates (agg_sql.c, sql/005_aggregates.sql): $4 is the province
 * whose rows are read (sql/013: a province's database holds its own only; the national one every
 * province's, partitioned, so the province prunes all but one partition), $5 and $6 are the local
 * days of the bounds; flows are summed over the days of the period, stocks over the days before
 * a bound. Groups whose figures are all zero are left out (the reference query shows a group
 * only when a dossier of it is active in the period, which gives it a figure).
 * Whole reporting months come from dossier_agg_month (sql/008), each as one row dated by its
 * first day: a month starting before $5 lies wholly before the period, one starting at or after
 * it wholly inside. A bound that is not a 15th splits its month; that month's days come from
 * dossier_agg instead (the first month's when $5 splits it, the last one's up to $6). */
/* clang-format off */
#define AGG_SCOPE_CTE \
	"scope(code, snapshot) AS (SELECT u.code, u.snapshot FROM units u, p " \
	"WHERE u.province = $4 AND u.code = p.scope " \
	"UNION SELECT u.code, u.snapshot FROM units u JOIN scope s ON u.parent_code = s.code " \
	"AND u.snapshot = s.snapshot WHERE u.province = $4)"
#define FLOW(c) " sum(g." c ") FILTER (WHERE g.day >= $5::int) AS " c ","
/* Constant once the parameters are bound: the planner folds it and range-scans. */
#define MONTH(p) "cchc_report_month(" p "::int)"
#define SUM(c) " COALESCE(sum(a." c "), 0),"
#define KEYS_IN_SCOPE \
	" (SELECT k.id FROM agg_key k, p WHERE k.province = $4 AND " IN_SCOPE("k") ")"
static const char dossier_agg_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " AGG_SCOPE_CTE ", "
    "g AS (SELECT g.key, sum(g.d_open) FILTER (WHERE g.day < $5::int) AS carried,"
    FLOW("received") FLOW("received_online") FLOW("received_direct") FLOW("received_postal")
    FLOW("resolved") FLOW("resolved_early") FLOW("resolved_on_time") FLOW("resolved_late")
    FLOW("returned") FLOW("withdrawn") FLOW("not_accepted") FLOW("paid_online")
    FLOW("digitized") FLOW("rated_satisfied") FLOW("rated_unsatisfied")
    FLOW("rated_unsatisfied_late")
    " sum(g.d_open) AS pend, sum(g.d_overdue) AS overdue, sum(g.d_waiting) AS waiting "
    " FROM (SELECT m.key, m.month AS day, " AGG_DOSSIER_COLUMNS " FROM dossier_agg_month m "
    "  WHERE m.province = $4 AND m.month < " MONTH("$6") " AND (m.month < " MONTH("$5")
    "   OR m.month >= $5::int) "
    "  UNION ALL SELECT d.key, d.day, " AGG_DOSSIER_COLUMNS " FROM dossier_agg d "
    "  WHERE d.province = $4 AND d.day < $6::int AND (d.day >= " MONTH("$6") " OR ("
    MONTH("$5") " < $5::int "
    "   AND d.day >= " MONTH("$5") " AND d.day < cchc_report_month(" MONTH("$5") " + 31)))) g "
    " WHERE g.key IN " KEYS_IN_SCOPE " GROUP BY g.key), "
    "a AS (SELECT NULLIF(k.level, 0) AS level, k.office, "
    " NULLIF(k.unit_snapshot, '-infinity'::date) AS unit_snapshot, k.field, g.* "
    " FROM g JOIN agg_key k ON k.province = $4 AND k.id = g.key) "
    "SELECT GROUPING(a.level, a.office, a.unit_snapshot, a.field), a.level, a.office, "
    " a.unit_snapshot::text, a.field,"
    SUM("carried") SUM("received") SUM("received_online") SUM("received_direct")
    SUM("received_postal") SUM("resolved") SUM("resolved_early") SUM("resolved_on_time")
    SUM("resolved_late") SUM("returned") SUM("withdrawn") SUM("pend")
    " COALESCE(sum(a.pend) - sum(a.overdue), 0), COALESCE(sum(a.overdue), 0), "
    " COALESCE(sum(a.waiting), 0), COALESCE(sum(a.not_accepted), 0), "
    " COALESCE(sum(a.paid_online), 0), COALESCE(sum(a.digitized), 0), "
    " COALESCE(sum(a.rated_satisfied) + sum(a.rated_unsatisfied), 0),"
    SUM("rated_satisfied") SUM("rated_unsatisfied")
    " COALESCE(sum(a.rated_unsatisfied_late), 0) "
    "FROM a GROUP BY GROUPING SETS ((), (a.level), (a.office, a.unit_snapshot), (a.field)) "
    "HAVING COALESCE(sum(a.carried), 0) <> 0 OR COALESCE(sum(a.received), 0) <> 0 OR "
    " COALESCE(sum(a.resolved), 0) <> 0 OR COALESCE(sum(a.returned), 0) <> 0 OR "
    " COALESCE(sum(a.withdrawn), 0) <> 0 OR COALESCE(sum(a.pend), 0) <> 0 OR "
    " COALESCE(sum(a.waiting), 0) <> 0 OR COALESCE(sum(a.not_accepted), 0) <> 0 "
    "ORDER BY 1 DESC, 2, 3, 4, 5";
#undef FLOW
#undef SUM
#undef MONTH

/* Feedback by the same rules, for the scope, each level and each unit (docs/design.md §16: the 766
 * index's feedback indicator per row). d_overdue is pending with the deadline passed. */
#define FB_FLOW(c) " sum(g." c ") FILTER (WHERE g.day >= $5::int) AS " c ","
static const char feedback_agg_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " AGG_SCOPE_CTE ", "
    "g AS (SELECT g.key, sum(g.d_open) FILTER (WHERE g.day < $5::int) AS carried,"
    FB_FLOW("received") FB_FLOW("about_regulation") FB_FLOW("about_behavior")
    FB_FLOW("resolved") FB_FLOW("published") FB_FLOW("resolved_on_time")
    " sum(g.d_open) AS pend, sum(g.d_overdue) AS overdue "
    " FROM feedback_agg g WHERE g.province = $4 AND g.day < $6::int "
    " AND g.key IN " KEYS_IN_SCOPE " GROUP BY g.key), "
    "a AS (SELECT NULLIF(k.level, 0) AS level, k.office, "
    " NULLIF(k.unit_snapshot, '-infinity'::date) AS unit_snapshot, g.* "
    " FROM g JOIN agg_key k ON k.province = $4 AND k.id = g.key) "
    "SELECT GROUPING(a.level, a.office, a.unit_snapshot), a.level, a.office, "
    " a.unit_snapshot::text, COALESCE(sum(a.carried), 0), COALESCE(sum(a.received), 0), "
    " COALESCE(sum(a.about_regulation), 0), COALESCE(sum(a.about_behavior), 0), "
    " COALESCE(sum(a.resolved), 0), COALESCE(sum(a.published), 0), "
    " COALESCE(sum(a.pend), 0), COALESCE(sum(a.resolved_on_time), 0), "
    " COALESCE(sum(a.pend) - sum(a.overdue), 0) "
    "FROM a GROUP BY GROUPING SETS ((), (a.level), (a.office, a.unit_snapshot)) "
    "ORDER BY 1 DESC, 2, 3, 4";
#undef FB_FLOW
#undef KEYS_IN_SCOPE
/* clang-format on */

/* GROUPING(level, office, unit_snapshot, field): a bit set for each column not grouped by. */
enum { G_ALL = 15, G_LEVEL = 7, G_UNIT = 9, G_FIELD = 14 };

/* $4: the province whose registry is read (as for the aggregates). */
static const char units_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " AGG_SCOPE_CTE " "
    "SELECT u.code, u.snapshot::text, u.name, u.level, u.parent_code, "
    " (u.valid_from < p.t AND u.valid_to > p.f) FROM units u, p WHERE u.province = $4 AND "
    "(p.scope = '' OR (u.code, u.snapshot) IN (SELECT code, snapshot FROM scope)) "
    "ORDER BY u.level, u.parent_code, u.code, u.snapshot";

static const char scope_name_sql[] =
    "WITH " PARAMS_CTE " SELECT u.name FROM units u, p WHERE u.province = $4 AND "
    "u.code = p.scope "
    "ORDER BY (u.valid_from < p.t AND u.valid_to > p.f) DESC, u.valid_from DESC LIMIT 1";

/* What the database is (sql/013) and the province a query reads: a province's own; on the
 * national database the one whose registry holds the scope ($1; none for "" or VN). */
static const char node_sql[] =
    "SELECT n.mode = 'national', COALESCE(n.province, (SELECT u.province FROM units u "
    "WHERE u.code = $1 ORDER BY u.valid_from DESC LIMIT 1), '') FROM cchc_node n WHERE n.id = 1";

/* docs/design.md §16: answered before the deadline (15 working days after the day received), and
 * pending at the end with the deadline not passed; the deadline is the state's (state.c). */
static const char feedback_sql[] =
    "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE " SELECT "
    " GROUPING(s.level, s.office, s.unit_snapshot), s.level, s.office, s.unit_snapshot::text, "
    " count(*) FILTER (WHERE s.received_at < p.f AND "
    "  (s.resolved_at IS NULL OR s.resolved_at >= p.f)), "
    " count(*) FILTER (WHERE s.received_at >= p.f AND s.received_at < p.t), "
    " count(*) FILTER (WHERE s.received_at >= p.f AND s.received_at < p.t AND s.topic = 1), "
    " count(*) FILTER (WHERE s.received_at >= p.f AND s.received_at < p.t AND s.topic = 2), "
    " count(*) FILTER (WHERE s.resolved_at >= p.f AND s.resolved_at < p.t), "
    " count(*) FILTER (WHERE s.published_at >= p.f AND s.published_at < p.t), "
    " count(*) FILTER (WHERE s.received_at < p.t AND "
    "  (s.resolved_at IS NULL OR s.resolved_at >= p.t)), "
    " count(*) FILTER (WHERE s.resolved_at >= p.f AND s.resolved_at < p.t AND "
    "  s.resolved_at < s.deadline), "
    " count(*) FILTER (WHERE s.received_at < p.t AND "
    "  (s.resolved_at IS NULL OR s.resolved_at >= p.t) AND s.deadline >= p.t) "
    "FROM feedback_state s, p WHERE s.has_received AND " IN_SCOPE(
        "s") " "
             "GROUP BY GROUPING SETS ((), (s.level), (s.office, s.unit_snapshot)) "
             "ORDER BY 1 DESC, 2, 3, 4";

/* GROUPING(level, office, unit_snapshot) of the feedback rows. */
enum { FB_ALL = 7, FB_LEVEL = 3, FB_UNIT = 4 };

/* A row's dossier figures and the feedback of its offices (fields have none). */
typedef struct figs {
	int64_t v[NFIG];
	int64_t fb[NFB];
} figs;

/* The dossier figures of row `row` from column `col` on (its feedback is left as it is). */
static void figs_read(const PGresult *r, int row, int col, figs *f)
{
	for (int i = 0; i < NFIG; i++)
		f->v[i] = strtoll(PQgetvalue(r, row, col + i), NULL, 10);
}

/* The feedback figures of row `row` of feedback_sql / feedback_agg_sql. */
static void fb_read(const PGresult *r, int row, figs *f)
{
	for (int i = 0; i < NFB; i++)
		f->fb[i] = strtoll(PQgetvalue(r, row, 4 + i), NULL, 10);
}

static void figs_add(figs *to, const figs *from)
{
	for (int k = 0; k < NFIG; k++)
		to->v[k] += from->v[k];
	for (int k = 0; k < NFB; k++)
		to->fb[k] += from->fb[k];
}

static int figs_zero(const figs *f)
{
	for (int i = 0; i < NFIG; i++)
		if (f->v[i])
			return 0;
	for (int i = 0; i < NFB; i++)
		if (f->fb[i])
			return 0;
	return 1;
}

/* The feedback row of grouping g (FB_*), level lv (FB_LEVEL) or office and snapshot (FB_UNIT),
 * into f->fb; zeros when the query has none. */
static void fb_find(const PGresult *kr, int g, int lv, const char *office, const char *snap,
                    figs *f)
{
	memset(f->fb, 0, sizeof f->fb);
	for (int i = 0; i < PQntuples(kr); i++) {
		if (atoi(PQgetvalue(kr, i, 0)) != g)
			continue;
		if (g == FB_LEVEL && (PQgetisnull(kr, i, 1) || atoi(PQgetvalue(kr, i, 1)) != lv))
			continue;
		if (g == FB_UNIT &&
		    (PQgetisnull(kr, i, 3) || strcmp(PQgetvalue(kr, i, 2), office) ||
		     strcmp(PQgetvalue(kr, i, 3), snap)))
			continue;
		fb_read(kr, i, f);
		return;
	}
}

static Cchc__V1__FeedbackFigures *fb_message(const figs *f)
{
	Cchc__V1__FeedbackFigures *m = malloc(sizeof *m);
	const int64_t *v = f->fb;

	if (!m)
		return NULL;
	cchc__v1__feedback_figures__init(m);
#define SET(name, value)                                                                           \
	do {                                                                                       \
		m->has_##name = 1;                                                                 \
		m->name = (value);                                                                 \
	} while (0)
	SET(carried_over, v[0]);
	SET(received, v[1]);
	SET(about_regulation, v[2]);
	SET(about_behavior, v[3]);
	SET(resolved, v[4]);
	SET(published, v[5]);
	SET(pending, v[6]);
	SET(resolved_on_time, v[7]);
	SET(pending_within_due, v[8]);
#undef SET
	return m;
}

static Cchc__V1__DossierFigures *figs_message(const figs *f)
{
	Cchc__V1__DossierFigures *d = malloc(sizeof *d);
	const int64_t *v = f->v;

	if (!d)
		return NULL;
	cchc__v1__dossier_figures__init(d);
#define SET(name, value)                                                                           \
	do {                                                                                       \
		d->has_##name = 1;                                                                 \
		d->name = (value);                                                                 \
	} while (0)
	SET(carried_over, v[0]);
	SET(received, v[1]);
	SET(received_online, v[2]);
	SET(received_direct, v[3]);
	SET(received_postal, v[4]);
	SET(resolved, v[5]);
	SET(resolved_early, v[6]);
	SET(resolved_on_time, v[7]);
	SET(resolved_late, v[8]);
	SET(intake, v[0] + v[1]);
	SET(returned, v[9]);
	SET(withdrawn, v[10]);
	SET(pending, v[11]);
	SET(pending_within_due, v[12]);
	SET(pending_overdue, v[13]);
	SET(waiting, v[14]);
	SET(not_accepted, v[15]);
	SET(paid_online, v[16]);
	SET(digitized, v[17]);
	SET(rated, v[18]);
	SET(rated_satisfied, v[19]);
	SET(rated_unsatisfied, v[20]);
	SET(rated_unsatisfied_late, v[21]);
#undef SET
	return d;
}

typedef struct rows {
	Cchc__V1__QueryReply *reply;
	size_t cap;
	int oom;
} rows;

/* with_fb: the row carries its feedback (all, level and unit rows). */
static void add_row(rows *rs, const char *group, const char *key, const char *name, int level,
                    const char *parent, const figs *f, int with_fb)
{
	Cchc__V1__QueryReply *r = rs->reply;
	Cchc__V1__FigureRow *x;

	if (rs->oom)
		return;
	if (grow_array((void **)&r->rows, &rs->cap, r->n_rows + 1, sizeof *r->rows) != 0) {
		rs->oom = 1;
		return;
	}
	x = malloc(sizeof *x);
	if (!x) {
		rs->oom = 1;
		return;
	}
	cchc__v1__figure_row__init(x);
	x->group = (char *)group; /* static strings */
	x->key = strdup(key);
	x->name = name ? strdup(name) : NULL;
	x->parent = parent ? strdup(parent) : NULL;
	if (level) {
		x->has_level = 1;
		x->level = level;
	}
	x->dossiers = figs_message(f);
	x->feedback = with_fb ? fb_message(f) : NULL;
	r->rows[r->n_rows++] = x;
	if (!x->key || (name && !x->name) || (parent && !x->parent) || !x->dossiers ||
	    (with_fb && !x->feedback))
		rs->oom = 1;
}

void query_reply_clear(Cchc__V1__QueryReply *reply)
{
	for (size_t i = 0; i < reply->n_rows; i++) {
		Cchc__V1__FigureRow *x = reply->rows[i];
		free(x->key);
		free(x->name);
		free(x->parent);
		free(x->dossiers);
		free(x->feedback);
		free(x);
	}
	free(reply->rows);
	free(reply->error);
	free(reply->scope_name);
	free(reply->feedback);
	national_sources_clear(reply);
	cchc__v1__query_reply__init(reply);
}

static int fail(Cchc__V1__QueryReply *reply, const char *err)
{
	query_reply_clear(reply);
	reply->has_ok = 1;
	reply->ok = 0;
	reply->error = strdup(err);
	return -1;
}

/* The "all" row (zeros when the scope has no dossier in the period): the same whether or not the
 * units are mapped to successors. */
static void add_all_row(rows *rs, const PGresult *fr, const PGresult *kr)
{
	figs f = {{0}, {0}};
	for (int i = 0; i < PQntuples(fr); i++)
		if (atoi(PQgetvalue(fr, i, 0)) == G_ALL) {
			figs_read(fr, i, 5, &f);
			break;
		}
	fb_find(kr, FB_ALL, 0, NULL, NULL, &f);
	add_row(rs, "all", "", NULL, 0, NULL, &f, 1);
}

/* One row per field, as grouped by the query. */
static void add_field_rows(rows *rs, const PGresult *fr)
{
	figs f = {{0}, {0}};
	for (int i = 0; i < PQntuples(fr); i++)
		if (atoi(PQgetvalue(fr, i, 0)) == G_FIELD) {
			figs_read(fr, i, 5, &f);
			add_row(rs, "field", PQgetvalue(fr, i, 4), NULL, 0, NULL, &f, 0);
		}
}

/* Fills the rows from the grouped figures, the grouped feedback and the scope's units. */
static void build_rows(rows *rs, const PGresult *fr, const PGresult *ur, const PGresult *kr)
{
	static const char *const level_key[] = {"province", "district", "commune"};
	int nf = PQntuples(fr), nu = PQntuples(ur);
	figs f, zero = {{0}, {0}};
	char *used = calloc((size_t)nf + 1, 1);

	if (!used) {
		rs->oom = 1;
		return;
	}
	add_all_row(rs, fr, kr);
	for (int lv = 1; lv <= 3; lv++) {
		f = zero;
		for (int i = 0; i < nf; i++)
			if (atoi(PQgetvalue(fr, i, 0)) == G_LEVEL && !PQgetisnull(fr, i, 1) &&
			    atoi(PQgetvalue(fr, i, 1)) == lv)
				figs_read(fr, i, 5, &f);
		fb_find(kr, FB_LEVEL, lv, NULL, NULL, &f);
		add_row(rs, "level", level_key[lv - 1], NULL, lv, NULL, &f, 1);
	}
	/* Units of the scope valid in the period, and any other unit of it with figures (a
	 * dossier carried over from an older snapshot). */
	for (int u = 0; u < nu; u++) {
		const char *code = PQgetvalue(ur, u, 0), *snap = PQgetvalue(ur, u, 1);
		int found = -1;
		for (int i = 0; i < nf; i++)
			if (!used[i] && atoi(PQgetvalue(fr, i, 0)) == G_UNIT &&
			    !PQgetisnull(fr, i, 3) && strcmp(PQgetvalue(fr, i, 2), code) == 0 &&
			    strcmp(PQgetvalue(fr, i, 3), snap) == 0) {
				found = i;
				break;
			}
		f = zero;
		if (found >= 0) {
			used[found] = 1;
			figs_read(fr, found, 5, &f);
		}
		fb_find(kr, FB_UNIT, 0, code, snap, &f);
		if (strcmp(PQgetvalue(ur, u, 5), "t") != 0 && figs_zero(&f))
			continue;
		add_row(rs, "unit", code, PQgetvalue(ur, u, 2), atoi(PQgetvalue(ur, u, 3)),
		        PQgetvalue(ur, u, 4), &f, 1);
	}
	/* Offices the registry does not know at their dossiers' time: shown so nothing hides (their
	 * feedback counts in the scope's and nowhere else). */
	for (int i = 0; i < nf; i++)
		if (!used[i] && atoi(PQgetvalue(fr, i, 0)) == G_UNIT && PQgetisnull(fr, i, 3)) {
			f = zero;
			figs_read(fr, i, 5, &f);
			add_row(rs, "unit", PQgetvalue(fr, i, 2), "", 0, "", &f, 1);
		}
	add_field_rows(rs, fr);
	free(used);
}

/* The registry of one province ("" every row: a province's database holds its own only). */
static int load_units(PGconn *conn, const char *province, units **out, char *err, size_t errlen)
{
	const char *params[1] = {province};
	PGresult *r = db_query(conn, "query: registry",
	                       "SELECT snapshot::text, code, name, level, parent_code, merged_from "
	                       "FROM units WHERE $1 = '' OR province = $1",
	                       1, params, err, errlen);
	units *u;

	*out = NULL;
	if (!r)
		return -1;
	u = units_new();
	if (!u) {
		PQclear(r);
		snprintf(err, errlen, "query: out of memory");
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		char why[128];
		if (units_append(u, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		                 atoi(PQgetvalue(r, i, 3)), PQgetvalue(r, i, 4),
		                 PQgetvalue(r, i, 5), why, sizeof why) != 0) {
			snprintf(err, errlen, "query: registry unit %s (%s): %s",
			         PQgetvalue(r, i, 1), PQgetvalue(r, i, 0), why);
			PQclear(r);
			units_free(u);
			return -1;
		}
	}
	PQclear(r);
	units_finish(u);
	*out = u;
	return 0;
}

int query_load_units(PGconn *conn, units **out, char *err, size_t errlen)
{
	return load_units(conn, "", out, err, errlen);
}

int query_parse_map_to(const char *s, int64_t *at_ms, char *err, size_t errlen)
{
	int y, m, d;

	if (!strcmp(s, "CURRENT")) {
		*at_ms = (int64_t)time(NULL) * 1000;
		return 0;
	}
	if (cal_parse_date(s, &y, &m, &d) == 0) {
		*at_ms = cal_local_midnight(y, m, d);
		return 0;
	}
	snprintf(err, errlen, "map_to '%s' is neither CURRENT nor a date YYYY-MM-DD", s);
	return -1;
}

/* A unit row of the mapped view: the unit the figures went to (NULL for an office the registry
 * does not know, then `code` names it). */
typedef struct mapped {
	const unit *u;
	const char *code;
	figs f;
} mapped;

static int mapped_cmp(const void *pa, const void *pb)
{
	const mapped *a = pa, *b = pb;
	int la = a->u ? a->u->level : 9, lb = b->u ? b->u->level : 9, c;

	if (la != lb)
		return la - lb;
	if ((c = strcmp(a->u ? a->u->parent : "", b->u ? b->u->parent : "")) != 0)
		return c;
	return strcmp(a->code, b->code);
}

static mapped *mapped_slot(mapped *m, size_t *n, const unit *u, const char *code)
{
	for (size_t i = 0; i < *n; i++)
		if (m[i].u == u && (u || !strcmp(m[i].code, code)))
			return &m[i];
	m[*n] = (mapped){.u = u, .code = u ? u->code : code};
	return &m[(*n)++];
}

/* build_rows for map_to: each unit group goes to units_carrier at target_ms (its successor, or
 * its nearest ancestor's; it stays only when neither has one); the scope's units of the target
 * structure are listed even without figures;
 * the level rows are the sums of the mapped units by their level. */
static void build_rows_mapped(rows *rs, const PGresult *fr, const PGresult *ur, const PGresult *kr,
                              const units *reg, int64_t target_ms)
{
	static const char *const level_key[] = {"province", "district", "commune"};
	int nf = PQntuples(fr), nu = PQntuples(ur), nk = PQntuples(kr);
	mapped *m = calloc((size_t)nf + (size_t)nu + (size_t)nk + 1, sizeof *m);
	size_t n = 0;
	figs f = {{0}, {0}}, lv[3] = {{{0}, {0}}};

	if (!m) {
		rs->oom = 1;
		return;
	}
	add_all_row(rs, fr, kr);
	for (int u = 0; u < nu; u++) {
		const unit *x = units_get(reg, PQgetvalue(ur, u, 0), PQgetvalue(ur, u, 1));
		if (x && target_ms >= x->valid_from_ms && target_ms < x->valid_to_ms)
			mapped_slot(m, &n, x, x->code);
	}
	for (int i = 0; i < nf; i++) {
		if (atoi(PQgetvalue(fr, i, 0)) != G_UNIT)
			continue;
		const unit *x = PQgetisnull(fr, i, 3)
		                    ? NULL
		                    : units_get(reg, PQgetvalue(fr, i, 2), PQgetvalue(fr, i, 3));
		const unit *to = x ? units_carrier(reg, x, target_ms) : NULL;
		mapped *slot = mapped_slot(m, &n, to ? to : x, PQgetvalue(fr, i, 2));
		memset(&f, 0, sizeof f);
		figs_read(fr, i, 5, &f);
		figs_add(&slot->f, &f);
	}
	/* the feedback of each office goes where its dossiers go */
	for (int i = 0; i < nk; i++) {
		if (atoi(PQgetvalue(kr, i, 0)) != FB_UNIT)
			continue;
		const unit *x = PQgetisnull(kr, i, 3)
		                    ? NULL
		                    : units_get(reg, PQgetvalue(kr, i, 2), PQgetvalue(kr, i, 3));
		const unit *to = x ? units_carrier(reg, x, target_ms) : NULL;
		mapped *slot = mapped_slot(m, &n, to ? to : x, PQgetvalue(kr, i, 2));
		memset(&f, 0, sizeof f);
		fb_read(kr, i, &f);
		figs_add(&slot->f, &f);
	}
	qsort(m, n, sizeof *m, mapped_cmp);
	for (size_t i = 0; i < n; i++)
		if (m[i].u && m[i].u->level >= 1 && m[i].u->level <= 3)
			figs_add(&lv[m[i].u->level - 1], &m[i].f);
	for (int l = 1; l <= 3; l++)
		add_row(rs, "level", level_key[l - 1], NULL, l, NULL, &lv[l - 1], 1);
	for (size_t i = 0; i < n; i++)
		add_row(rs, "unit", m[i].code, m[i].u ? m[i].u->name : "",
		        m[i].u ? m[i].u->level : 0, m[i].u ? m[i].u->parent : "", &m[i].f, 1);
	add_field_rows(rs, fr);
	free(m);
}

int query_node(PGconn *conn, const char *scope, int *national, char province[8], char *err,
               size_t errlen)
{
	const char *params[1] = {scope ? scope : ""};
	PGresult *r = db_query(conn, "query: node", node_sql, 1, params, err, errlen);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		snprintf(err, errlen, "query: the database does not say what it is (cchc_node)");
		return -1;
	}
	*national = !strcmp(PQgetvalue(r, 0, 0), "t");
	snprintf(province, 8, "%.7s", PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

int query_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                     char *err, size_t errlen)
{
	if (asof_requested(req)) {
		int national;
		char prov[8];
		if (query_node(conn, req->scope, &national, prov, err, errlen) != 0)
			return -1;
		/* the national database holds aggregates only, no events to go back through */
		if (national) {
			snprintf(err, errlen,
			         "query: figures as of a moment are recomputed from a province's "
			         "events: ask that province's stack");
			return -1;
		}
		return asof_figures_in(conn, req, reply, err, errlen);
	}
	return query_figures_from(conn, req, reply, QUERY_AUTO, NULL, err, errlen);
}

int query_figures_from(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                       query_source source, query_source *used, char *err, size_t errlen)
{
	char from[40], to[40], dfrom[16], dto[16], prov[8];
	const char *scope = req->scope ? req->scope : "";
	const char *map_to = req->map_to ? req->map_to : "";
	const char *params[6] = {from, to, scope, prov, dfrom, dto};
	const char *env = getenv("CCHC_FIGURES_FROM");
	int nparams = 3, use_agg = 0, national = 0;
	const char *dsql = dossier_sql, *fsql = feedback_sql;
	PGresult *fr = NULL, *ur = NULL, *kr = NULL, *nr = NULL;
	rows rs = {.reply = reply};
	units *reg = NULL;
	int64_t target_ms = 0;
	int rc = -1;

	cchc__v1__query_reply__init(reply);
	if (!req->has_from_ms || !req->has_to_ms || req->from_ms >= req->to_ms) {
		snprintf(err, errlen, "query: the period needs from_ms < to_ms");
		return -1;
	}
	if (*map_to && query_parse_map_to(map_to, &target_ms, err, errlen) != 0)
		return -1;
	if (query_node(conn, scope, &national, prov, err, errlen) != 0)
		return -1;
	if (national && (!*scope || !strcmp(scope, NATIONAL_SCOPE)))
		return national_figures_in(conn, req, reply, err, errlen);
	if (national && !*prov) {
		snprintf(err, errlen, "query: scope %s is not a unit of any province's registry",
		         scope);
		return -1;
	}
	db_format_ts(req->from_ms, from, sizeof from);
	db_format_ts(req->to_ms, to, sizeof to);
	if (source == QUERY_AUTO && env && !strcmp(env, "states"))
		source = QUERY_STATES;
	if (national) {
		/* only aggregates reach the national database; they are kept by local day */
		int64_t df = cal_local_day(req->from_ms), dt = cal_local_day(req->to_ms);
		if (cal_day_start(df) != req->from_ms || cal_day_start(dt) != req->to_ms) {
			snprintf(
			    err, errlen,
			    "query: the national figures are kept by local day: the period must "
			    "start and end at local midnights");
			return -1;
		}
		use_agg = 1;
		snprintf(dfrom, sizeof dfrom, "%" PRId64, df);
		snprintf(dto, sizeof dto, "%" PRId64, dt);
	} else if (source != QUERY_STATES) {
		int32_t df, dt;
		if (agg_covers(conn, req->from_ms, req->to_ms, &use_agg, &df, &dt, err, errlen) !=
		    0)
			return -1;
		if (!use_agg && source == QUERY_AGGREGATES) {
			snprintf(err, errlen,
			         "query: the aggregates do not cover this period exactly");
			return -1;
		}
		snprintf(dfrom, sizeof dfrom, "%" PRId32, df);
		snprintf(dto, sizeof dto, "%" PRId32, dt);
	}
	if (use_agg) {
		nparams = 6;
		dsql = dossier_agg_sql;
		fsql = feedback_agg_sql;
	}
	if (used)
		*used = use_agg ? QUERY_AGGREGATES : QUERY_STATES;
	if (*scope) {
		nr = db_query(conn, "query: scope", scope_name_sql, 4, params, err, errlen);
		if (!nr)
			goto out;
		if (PQntuples(nr) == 0) {
			snprintf(err, errlen, "query: scope %s is not a unit of the registry",
			         scope);
			goto out;
		}
	}
	if (*map_to && load_units(conn, prov, &reg, err, errlen) != 0)
		goto out;
	fr = db_query(conn, "query: dossier figures", dsql, nparams, params, err, errlen);
	ur = fr ? db_query(conn, "query: units", units_sql, 4, params, err, errlen) : NULL;
	kr = ur ? db_query(conn, "query: feedback figures", fsql, nparams, params, err, errlen)
	        : NULL;
	if (!kr)
		goto out;
	if (reg)
		build_rows_mapped(&rs, fr, ur, kr, reg, target_ms);
	else
		build_rows(&rs, fr, ur, kr);
	/* the scope's feedback, as the "all" row has it */
	figs all = {{0}, {0}};
	fb_find(kr, FB_ALL, 0, NULL, NULL, &all);
	reply->feedback = fb_message(&all);
	reply->scope_name = strdup(nr ? PQgetvalue(nr, 0, 0) : "");
	if (rs.oom || !reply->feedback || !reply->scope_name) {
		snprintf(err, errlen, "query: out of memory");
		goto out;
	}
	reply->has_ok = 1;
	reply->ok = 1;
	rc = 0;
out:
	units_free(reg);
	PQclear(fr);
	PQclear(ur);
	PQclear(kr);
	PQclear(nr);
	return rc;
}

int query_figures(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply)
{
	char err[512];
	int rc = -1;

	cchc__v1__query_reply__init(reply);
	if (!req->has_from_ms || !req->has_to_ms || req->from_ms >= req->to_ms) {
		snprintf(err, sizeof err, "query: the period needs from_ms < to_ms");
		return fail(reply, err);
	}
	if (db_ensure(conn, err, sizeof err) != 0)
		return fail(reply, err);
	/* as of a moment: temporary tables, which a READ ONLY transaction refuses (stats_asof.h) */
	if (db_begin(conn,
	             asof_requested(req) ? ASOF_BEGIN
	                                 : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	             err, sizeof err) != 0)
		return fail(reply, err);
	rc = query_figures_in(conn, req, reply, err, sizeof err);
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK")); /* nothing to keep */
	else
		PQreset(conn);
	return rc == 0 ? 0 : fail(reply, err);
}

/* query: the figures of docs/design.md §6 for a period and a scope, computed in SQL over the state
 * tables (one read-only snapshot, so a report never mixes two moments of ingest). */
#ifndef CCHC_STATS_QUERY_H
#define CCHC_STATS_QUERY_H

#include <libpq-fe.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"

/* SQL shared by query.c and check.c. $1 from, $2 to (timestamptz), $3 scope code ('' =
 * everything); `scope` holds the scope's units, snapshot by snapshot. */
#define PARAMS_CTE "p AS (SELECT $1::timestamptz AS f, $2::timestamptz AS t, $3::text AS scope)"
#define SCOPE_CTE                                                                                  \
	"scope(code, snapshot) AS (SELECT u.code, u.snapshot FROM units u, p WHERE u.code = "      \
	"p.scope "                                                                                 \
	"UNION SELECT u.code, u.snapshot FROM units u JOIN scope s ON u.parent_code = s.code "     \
	"AND u.snapshot = s.snapshot)"
#define IN_SCOPE(alias)                                                                            \
	"(p.scope = '' OR (" alias ".office, " alias ".unit_snapshot) IN "                         \
	"(SELECT code, snapshot FROM scope))"

/* Fills *reply with rows "all", "level" (province, district, commune, always present), "unit"
 * (every unit of the scope valid in the period, and any other with figures), "field", and the
 * feedback figures. The scope is the unit `scope` and everything under it, snapshot by snapshot;
 * "" is the whole registry. Returns 0, or -1 with reply->ok false and reply->error set.
 * Free the reply's parts with query_reply_clear. */
int query_figures(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply);
void query_reply_clear(Cchc__V1__QueryReply *reply);

/* On the national database (docs/design.md §15) the scope VN (or "") is every province's figures
 * (stats_national.h), any other scope a unit of one province, read from that province's replicated
 * aggregates only; figures as of a moment are refused there (no events).
 * query_figures inside the caller's (read-only) transaction: on failure returns -1 with err and
 * leaves *reply for query_reply_clear. With req->map_to ("CURRENT" or YYYY-MM-DD), each unit row
 * holds the figures of the units whose successor on that date it is (units_successor), and the
 * level rows add up the mapped units by their level (docs/decisions.md, map_to). With
 * req->as_of_seq or as_of_ms, the figures as they stood then (asof_figures_in, stats_asof.h),
 * which needs a transaction that is not read only. */
int query_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                     char *err, size_t errlen);

/* Where the dossier and feedback figures come from. QUERY_AUTO: the aggregates kept at write time
 * (stats_agg.h) when they answer the period exactly (bounds at local midnights, aggregates built
 * for the current registry and time zone), else QUERY_STATES; $CCHC_FIGURES_FROM=states makes AUTO
 * always QUERY_STATES. QUERY_STATES: the reference query over every state row (GROUPING SETS).
 * QUERY_AGGREGATES: the aggregates or an error (tests). */
typedef enum query_source { QUERY_AUTO, QUERY_STATES, QUERY_AGGREGATES } query_source;

/* query_figures_in from the given source; *used (may be NULL) tells which one answered. */
int query_figures_from(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                       query_source source, query_source *used, char *err, size_t errlen);

/* The registry in the units table. Returns 0 or -1 with err. */
struct units;
int query_load_units(PGconn *conn, struct units **out, char *err, size_t errlen);

/* What the database is (sql/013): *national, and the province a query of `scope` reads: a
 * province database's own code, or on the national database the province whose registry holds
 * the unit `scope` ("" when none does, or for "" and VN). Returns 0 or -1 with err. */
int query_node(PGconn *conn, const char *scope, int *national, char province[8], char *err,
               size_t errlen);

/* "CURRENT" (now) or YYYY-MM-DD (its local midnight) as an instant. Returns 0 or -1 with err. */
int query_parse_map_to(const char *s, int64_t *at_ms, char *err, size_t errlen);

#endif

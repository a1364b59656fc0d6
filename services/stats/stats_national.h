/* national: the Ministry's stack (docs/design.md §15). Its database holds every province's
 * aggregates, registry, closings and heartbeat, replicated from each province by PostgreSQL's
 * logical replication into tables partitioned by province (sql/013); stats here writes none of
 * them. This file answers the national scope VN (each province's figures and their sums) and
 * `cchc check --scope VN`; national_sync.c keeps the partitions and subscriptions and reports
 * them in `cchc status`. */
#ifndef CCHC_STATS_NATIONAL_H
#define CCHC_STATS_NATIONAL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"
#include "cchc/v1/status.pb-c.h"

struct conf;

/* The national scope's code. */
#define NATIONAL_SCOPE "VN"

/* A subscription is named, and its slot on the province too, after the province: cchc_p46. */
#define NATIONAL_SUBSCRIPTION_PREFIX "cchc_p"

/* No heartbeat applied for this long: the province's stream is stalled (the heartbeat comes
 * every NODE_HEARTBEAT_MS when all is well). */
#define NATIONAL_STALLED_MS 30000

/* The scope VN in the caller's transaction: for each province of national_province, in code
 * order, its figures for req's period and map_to (with req->standing, from its standing closed
 * version of the same bounds and structure where it has one), then "all", "level" and "field"
 * rows that are their sums, a "province" row (its totals) and "province_level" rows (the levels
 * its structure has, or that have figures) for each, the summed feedback, and a ProvinceSource per
 * province saying where its figures come from. Returns 0, or -1 with err. */
int national_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req,
                        Cchc__V1__QueryReply *reply, char *err, size_t errlen);

/* `cchc check --scope VN` (CheckRequest with scope VN on the national stack), in one read-only
 * snapshot: per province, `stale_province` when its last heartbeat applied is older than
 * max_age_s (or none has arrived), `aggregates_stale` when its aggregates await a rebuild,
 * `no_data` when nothing of it has arrived; and, for the request's period when it has one, the
 * identity of each province's figures. Fills *reply as check_run does. Returns 0 or -1. */
int national_check(PGconn *conn, const Cchc__V1__CheckRequest *req, unsigned max_age_s,
                   Cchc__V1__CheckReply *reply);

/* Frees what national_figures_in added to a reply (its ProvinceSource list). */
void national_sources_clear(Cchc__V1__QueryReply *reply);

#endif

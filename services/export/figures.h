/* figures: asks stats for the figures of a period and scope; export never reads the database. */
#ifndef CCHC_FIGURES_H
#define CCHC_FIGURES_H

#include "cchc/v1/stats.pb-c.h"
#include "period.h"
#include "wire.h"

#include <stddef.h>
#include <stdint.h>

/* On success *out is the reply (free with cchc__v1__query_reply__free_unpacked via figures_free).
 */
typedef struct figures {
	Cchc__V1__StatsReply *reply; /* owner */
	Cchc__V1__QueryReply *query; /* reply->query */
} figures;

/* map_to: "" / NULL, "CURRENT" or YYYY-MM-DD (QueryRequest.map_to). as_of_ms: 0 for the figures
 * now, else as they stood from the events stored up to that instant (QueryRequest.as_of_ms). */
int figures_fetch(wire_client *stats, const period *p, const char *scope, const char *map_to,
                  int64_t as_of_ms, figures *out, char *err, size_t errlen);

/* The national scope (docs/design.md §15), asked of a national stack's stats. */
#define FIGURES_NATIONAL_SCOPE "VN"

/* The scope VN: each province's figures and their sums. standing: each province's standing
 * closed version of the period where it has one (QueryRequest.standing), else its figures now. */
int figures_fetch_national(wire_client *stats, const period *p, const char *map_to, int standing,
                           figures *out, char *err, size_t errlen);

/* Sends a StatsRequest and unpacks the reply, which must be of body `body` (a
 * CCHC__V1__STATS_REPLY__BODY_*). Returns 0 with *out (free with
 * cchc__v1__stats_reply__free_unpacked), or -1 with err. */
int figures_call(wire_client *stats, const Cchc__V1__StatsRequest *req, int body,
                 Cchc__V1__StatsReply **out, char *err, size_t errlen);

/* The closed version `version` (0: the one that stands) of period `label` and `scope`.
 * Returns 0 with *found 1 and out->query its figures, *closing its record (both inside out), or
 * *found 0 (out empty) when no version stands; -1 with err. Free with figures_free. */
int figures_closed(wire_client *stats, const char *label, const char *scope, int version,
                   figures *out, const Cchc__V1__Closing **closing, int *found, char *err,
                   size_t errlen);
void figures_free(figures *f);

/* The row of `group` ("all", "level", "unit", "field") with `key`, or NULL. */
const Cchc__V1__FigureRow *figures_row(const figures *f, const char *group, const char *key);

#endif

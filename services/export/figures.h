/* figures: asks stats for the figures of a period and scope; export never reads the database. */
#ifndef CCHC_FIGURES_H
#define CCHC_FIGURES_H

#include "cchc/v1/stats.pb-c.h"
#include "period.h"
#include "wire.h"

#include <stddef.h>

/* On success *out is the reply (free with cchc__v1__query_reply__free_unpacked via figures_free).
 */
typedef struct figures {
	Cchc__V1__StatsReply *reply; /* owner */
	Cchc__V1__QueryReply *query; /* reply->query */
} figures;

/* map_to: "" / NULL, "CURRENT" or YYYY-MM-DD (QueryRequest.map_to). */
int figures_fetch(wire_client *stats, const period *p, const char *scope, const char *map_to,
                  figures *out, char *err, size_t errlen);
void figures_free(figures *f);

/* The row of `group` ("all", "level", "unit", "field") with `key`, or NULL. */
const Cchc__V1__FigureRow *figures_row(const figures *f, const char *group, const char *key);

#endif

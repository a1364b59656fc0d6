/* query: the figures of DESIGN §6 for a period and a scope, computed in SQL over the state tables
 * (one read-only snapshot, so a report never mixes two moments of ingest). */
#ifndef CCHC_STATS_QUERY_H
#define CCHC_STATS_QUERY_H

#include <libpq-fe.h>

#include "cchc/v1/stats.pb-c.h"

/* Fills *reply with rows "all", "level" (province, district, commune, always present), "unit"
 * (every unit of the scope valid in the period, and any other with figures), "field", and the
 * feedback figures. The scope is the unit `scope` and everything under it, snapshot by snapshot;
 * "" is the whole registry. Returns 0, or -1 with reply->ok false and reply->error set.
 * Free the reply's parts with query_reply_clear. */
int query_figures(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply);
void query_reply_clear(Cchc__V1__QueryReply *reply);

#endif

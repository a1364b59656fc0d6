/* asof: the figures of a period as they stood when only part of the events was stored
 * (docs/design.md §13): QueryRequest.as_of_seq (the events whose store sequence is at most it, a
 * closing's watermark) or as_of_ms (the events stored at or before that instant). Recomputed
 * exactly from the stored events, never remembered; the same rows as query_figures gives now. */
#ifndef CCHC_STATS_ASOF_H
#define CCHC_STATS_ASOF_H

#include <libpq-fe.h>
#include <stddef.h>

#include "cchc/v1/stats.pb-c.h"

/* The transaction asof_figures_in needs: one snapshot like every query, but not READ ONLY, since
 * PostgreSQL refuses even a temporary table in a read-only transaction. Nothing it does outlives
 * its savepoint; query_figures always rolls the transaction back. */
#define ASOF_BEGIN "BEGIN ISOLATION LEVEL REPEATABLE READ"

/* 1 when req asks for the figures as of a moment (as_of_seq or as_of_ms other than 0). */
int asof_requested(const Cchc__V1__QueryRequest *req);

/* query_figures_in for an as_of request, inside the caller's transaction (not read only; see
 * ASOF_BEGIN). The items of the scope's offices that gained an event after the moment get their
 * state then derived again (state.c) from the events stored up to it; temporary views stand in
 * for dossier_state and feedback_state with those states in place of today's, and the reference
 * query (QUERY_STATES) answers from them. All of it under a savepoint rolled back at the end, so
 * the caller's transaction sees the real state tables again afterwards. With both as_of_seq and
 * as_of_ms, an event must satisfy both. Returns 0, or -1 with err and *reply for
 * query_reply_clear. */
int asof_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req, Cchc__V1__QueryReply *reply,
                    char *err, size_t errlen);

#endif

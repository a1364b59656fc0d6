/* period_status: who has sent data for a period, before it is closed (docs/design.md §13, `cchc
 * period status`): per office valid in the period within the scope, the events dated in it, when
 * the last of them was stored and how many were stored after the cut-off, and the reporting rate
 * by level. `cchc check` draws silent_office and late_arrival from the same rows (check.c), so
 * completeness and timeliness are one query. */
#ifndef CCHC_STATS_PERIOD_STATUS_H
#define CCHC_STATS_PERIOD_STATUS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"

/* Runs period_status_in in its own REPEATABLE READ READ ONLY snapshot and fills *reply. Returns 0,
 * or -1 with reply->ok false and reply->error. Free the reply's parts with
 * period_status_reply_clear. */
int period_status_run(PGconn *conn, const Cchc__V1__PeriodStatusRequest *req,
                      Cchc__V1__PeriodStatusReply *reply);

/* Inside the caller's transaction: params are the three of PARAMS_CTE (from, to as timestamptz
 * text, the scope code or ""). Fills reply->offices (by level, then code) and reply->rates
 * (period_status_tally). Returns 0, or -1 with err; either way *reply is for
 * period_status_reply_clear. */
int period_status_in(PGconn *conn, const char *const *params, Cchc__V1__PeriodStatusReply *reply,
                     char *err, size_t errlen);

void period_status_reply_clear(Cchc__V1__PeriodStatusReply *reply);

/* Index 0 of a tally is every level, 1..3 the province, district and commune levels. */
#define PERIOD_LEVELS 4

typedef struct period_tally {
	int64_t expected, sent, events, late;
	long long rate_x100; /* vnfmt_percent_x100(sent, expected) */
} period_tally;

/* The reporting rate of DHIS2's reporting-rate summary: per level and for all, the offices that
 * sent at least one event dated in the period over the offices expected (every office listed is).
 * An office of any other level counts in [0] only. Pure. */
void period_status_tally(Cchc__V1__PeriodOffice *const *offices, size_t n,
                         period_tally out[PERIOD_LEVELS]);

#endif

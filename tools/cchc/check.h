/* check: `cchc check`, and the one round trip to cchc-stats that `cchc check` and `cchc units`
 * share (they talk to stats directly: neither needs export's rendering). */
#ifndef CCHC_CLI_CHECK_H
#define CCHC_CLI_CHECK_H

#include "client.h"
#include "period.h"

#include "cchc/v1/stats.pb-c.h"

/* Sends rq to stats.listen and waits up to timeout_ms. Returns the unpacked reply (free with
 * cchc__v1__stats_reply__free_unpacked), or NULL after printing "cchc CMD: reason". */
Cchc__V1__StatsReply *check_stats_call(const char *cmd, const client *cl,
                                       const Cchc__V1__StatsRequest *rq, unsigned timeout_ms);

/* What `cchc check` and `cchc period status` do before asking stats about a period: the
 * configuration (client_setup), the province's time zone, period `label` parsed into *p, *scope
 * defaulted to report.scope and *timeout to request_timeout_ms. Returns 0, or the exit status
 * after printing why (prefixed "cchc CMD"). */
int check_period_setup(const char *cmd, const client_opts *co, const char *label,
                       const char **scope, unsigned long long *timeout, client *cl, period *p);

#endif

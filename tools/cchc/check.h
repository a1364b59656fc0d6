/* check: `cchc check`, and the one round trip to cchc-stats that `cchc check` and `cchc units`
 * share (they talk to stats directly: neither needs export's rendering). */
#ifndef CCHC_CLI_CHECK_H
#define CCHC_CLI_CHECK_H

#include "client.h"

#include "cchc/v1/stats.pb-c.h"

/* Sends rq to stats.listen and waits up to timeout_ms. Returns the unpacked reply (free with
 * cchc__v1__stats_reply__free_unpacked), or NULL after printing "cchc CMD: reason". */
Cchc__V1__StatsReply *check_stats_call(const char *cmd, const client *cl,
                                       const Cchc__V1__StatsRequest *rq, unsigned timeout_ms);

#endif

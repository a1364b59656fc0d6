/* national sync: what keeps the Ministry's database subscribed to every configured province
 * (docs/design.md §15): the list of provinces and their partitions, made before any subscription
 * (a row of a province without a partition stops its subscription); a thread that creates each
 * missing subscription, follows a changed connection string, refreshes a subscription that lacks
 * a published table (after an upgrade), and probes each province's slot for the lag; and what
 * `cchc status` shows of each. Subscriptions are never dropped here: removing a province, or
 * resyncing one whose slot was lost, is the operator's (docs/operations.md). */
#ifndef CCHC_STATS_NATIONAL_SYNC_H
#define CCHC_STATS_NATIONAL_SYNC_H

#include <libpq-fe.h>
#include <stddef.h>

#include "cchc/v1/status.pb-c.h"

struct conf;

/* How often the thread looks at every subscription and probes every province. */
#define NATIONAL_SYNC_MS 10000

/* At start, before serving: national_province becomes the configured provinces (a removed one
 * leaves the national scope; its rows and subscription stay until the operator removes them), and
 * each gets its partitions. Returns 0 or -1 with err. */
int national_setup(PGconn *conn, const struct conf *c, char *err, size_t errlen);

typedef struct national_sync national_sync;

/* Starts the thread on a connection of its own (c->stats_db, a superuser's in PostgreSQL 15:
 * CREATE SUBSCRIPTION needs one). Its first pass runs at once. Returns 0 or -1 with err. */
int national_sync_start(const struct conf *c, national_sync **out, char *err, size_t errlen);
void national_sync_stop(national_sync *s);

/* Fills reply->subscriptions: one per configured province and per cchc subscription whose
 * province is no longer configured, from the national database (conn) and the thread's last
 * probe of each province (s may be NULL: no probes). Returns 0 or -1 with err. */
int national_status(PGconn *conn, national_sync *s, Cchc__V1__StatusReply *reply, char *err,
                    size_t errlen);
void national_status_clear(Cchc__V1__StatusReply *reply);

#endif

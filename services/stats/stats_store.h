/* store: one StoreRequest, one transaction. Raw events go in through COPY and
 * INSERT … ON CONFLICT DO NOTHING (exactly-once effect over at-least-once delivery); the state of
 * every dossier and feedback item that gained an event is recomputed from all its events. */
#ifndef CCHC_STATS_STORE_H
#define CCHC_STATS_STORE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"

/* Stores req through conn (which the caller holds alone) and fills *reply: committed=true with the
 * counts and the rejections (invalid records, conflicts) only once COMMIT succeeded; otherwise
 * committed=false, an error text, and nothing stored. A dropped connection is reset on the next
 * call. *stored gets the number of events newly stored. Returns 0 when committed, else -1.
 * Free the reply's parts with store_reply_clear. */
int store_batch(PGconn *conn, const Cchc__V1__StoreRequest *req, Cchc__V1__StoreReply *reply,
                uint64_t *stored);
void store_reply_clear(Cchc__V1__StoreReply *reply);

#endif

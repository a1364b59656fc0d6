/* store: StoreRequests become transactions (one, or several queued ones merged into one). Raw
 * events go in through COPY and INSERT … ON CONFLICT DO NOTHING (exactly-once effect over
 * at-least-once delivery); the state of every dossier and feedback item that gained an event is
 * recomputed from all its events. */
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

/* The same for n requests queued together, as ONE transaction (one lock, one COPY, one recompute,
 * one commit), so that the fixed cost of a transaction is shared. Each request keeps its own reply
 * and its own audit entry, in the order given; the same (source, event_id) in two of them is
 * accepted for the first and a duplicate or conflict for the later one. When the merged
 * transaction fails, each request is tried alone, so one cannot hold the others back.
 * stored[k] gets the events newly stored for reqs[k]. Returns 0 when all committed, else -1. */
int store_batches(PGconn *conn, size_t n, const Cchc__V1__StoreRequest *const *reqs,
                  Cchc__V1__StoreReply *replies, uint64_t *stored);
void store_reply_clear(Cchc__V1__StoreReply *reply);

#endif

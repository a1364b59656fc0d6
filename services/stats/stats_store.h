/* store: StoreRequests become transactions (one, or several queued ones merged into one). Raw
 * events go in through COPY and INSERT … ON CONFLICT DO NOTHING (exactly-once effect over
 * at-least-once delivery); the state of every dossier and feedback item that gained an event is
 * recomputed from all its events. */
#ifndef CCHC_STATS_STORE_H
#define CCHC_STATS_STORE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"

/* The writers, each storing the dossiers and feedback items whose key hashes to it (store_part),
 * so that two parts' transactions run side by side on two connections. */
#define STORE_PARTS 2
/* A part for store_batches that takes every part's lock at once (tests; a rebuild needs it). */
#define STORE_ALL_PARTS (-1)

/* The part that stores a record (0 for one without an event): from its office and its dossier
 * or feedback code, so every event of one item always goes to the same writer. */
int store_part(const Cchc__V1__Record *rec);

/* Stores n requests queued together for writer `part` (their records all of that part) through
 * conn, which the caller holds alone, as ONE transaction (one lock, one COPY, one recompute, one
 * commit), so that the fixed cost of a transaction is shared. replies[k] gets committed=true with
 * the counts and the rejections (invalid records, conflicts) only once COMMIT succeeded;
 * otherwise committed=false, an error text, and nothing of reqs[k] stored. The same
 * (source, event_id) in two requests is accepted for the first and a duplicate or conflict for
 * the later one; each request gets its own audit entry, in the order given. When the merged
 * transaction fails, each request is tried alone, so one cannot hold the others back. A dropped
 * connection is reset on the next call. stored[k] gets the events newly stored for reqs[k].
 * Returns 0 when all committed, else -1. Free each reply's parts with store_reply_clear. */
int store_batches(PGconn *conn, int part, size_t n, const Cchc__V1__StoreRequest *const *reqs,
                  Cchc__V1__StoreReply *replies, uint64_t *stored);
void store_reply_clear(Cchc__V1__StoreReply *reply);

#endif

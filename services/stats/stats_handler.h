/* handler: one StatsRequest in, one StatsReply out, without sockets (main.c hands it to wire; tests
 * call it directly). Stores go through the writer connections, one per part of the items
 * (store_part), queries and status through another, each behind its own mutex, so ingest and
 * reports never wait on each other. A store request is split by part; each share queues with its
 * part's writer, and the next thread to get that writer runs everything queued there as one
 * transaction (store_batches): two parts' transactions run side by side. */
#ifndef CCHC_STATS_HANDLER_H
#define CCHC_STATS_HANDLER_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_store.h"
#include "wire.h"

/* A store request waiting for the writer (handler.c). */
typedef struct store_job store_job;

/* Most store requests merged into one transaction. */
#define STATS_MERGE_MAX 16

/* One writer: a connection and the shares of store requests waiting for it. */
typedef struct stats_writer {
	PGconn *conn; /* owned: closed by stats_ctx_destroy */
	pthread_mutex_t mu;
	store_job *queue_head, **queue_tail; /* guarded by stats_ctx.queue_mu */
} stats_writer;

typedef struct stats_ctx {
	stats_writer writer[STORE_PARTS];
	pthread_mutex_t queue_mu; /* guards every writer's queue and the jobs' done flags */
	PGconn *reader;           /* owned */
	pthread_mutex_t reader_mu;
	atomic_uint_fast64_t requests; /* requests answered */
	atomic_uint_fast64_t records;  /* events newly stored since start */
	_Atomic(wire_server *) server; /* for busy_workers; NULL in tests */
	int national; /* the national database (docs/design.md §15): no stores, imports, closings */
	int publish;  /* a publishing province: a units import rebuilds the aggregates at once */
	unsigned national_max_age_s; /* national.max_age, for `cchc check --scope VN` */
	struct national_sync *sync;  /* the national stack's subscriptions (not owned), or NULL */
	char province[8];            /* a province's code, for `cchc status` */
} stats_ctx;

/* Takes ownership of the connections (STORE_PARTS writers, one reader). Returns 0 or -1. */
int stats_ctx_init(stats_ctx *c, PGconn *const *writers, PGconn *reader);
void stats_ctx_destroy(stats_ctx *c);

/* A wire_handler: arg is the stats_ctx. Returns 0 with a malloc'd packed StatsReply, or -1 to drop
 * a request that does not decode (garbage never gets an answer or a crash). */
int stats_handle(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

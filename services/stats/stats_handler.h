/* handler: one StatsRequest in, one StatsReply out, without sockets (main.c hands it to wire; tests
 * call it directly). Stores go through one writer connection, queries and status through another,
 * each behind its own mutex, so ingest and reports never wait on each other. Store requests that
 * arrive while the writer is busy queue up; the next thread to get the writer runs all of them as
 * one transaction (store_batches) and the others only pick up their replies. */
#ifndef CCHC_STATS_HANDLER_H
#define CCHC_STATS_HANDLER_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* A store request waiting for the writer (handler.c). */
typedef struct store_job store_job;

/* Most store requests merged into one transaction. */
#define STATS_MERGE_MAX 16

typedef struct stats_ctx {
	PGconn *writer; /* owned: closed by stats_ctx_destroy */
	pthread_mutex_t writer_mu;
	pthread_mutex_t queue_mu; /* guards the queue of store jobs */
	store_job *queue_head, **queue_tail;
	PGconn *reader; /* owned */
	pthread_mutex_t reader_mu;
	atomic_uint_fast64_t requests; /* requests answered */
	atomic_uint_fast64_t records;  /* events newly stored since start */
	_Atomic(wire_server *) server; /* for busy_workers; NULL in tests */
} stats_ctx;

/* Takes ownership of both connections. Returns 0 or -1. */
int stats_ctx_init(stats_ctx *c, PGconn *writer, PGconn *reader);
void stats_ctx_destroy(stats_ctx *c);

/* A wire_handler: arg is the stats_ctx. Returns 0 with a malloc'd packed StatsReply, or -1 to drop
 * a request that does not decode (garbage never gets an answer or a crash). */
int stats_handle(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

/* handler: one ingest request in, one reply out, without sockets: authenticate the batch, validate
 * its records, store the valid ones through stats, and merge the verdicts (docs/design.md §2, §3,
 * §9). */
#ifndef CCHC_INGEST_HANDLER_H
#define CCHC_INGEST_HANDLER_H

#include "auth.h"
#include "conf.h"
#include "units.h"
#include "wire.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ingest_ctx {
	const conf *conf;
	const units *units;
	pthread_rwlock_t sources_lock; /* taken for reading per request, for writing on reload */
	auth_sources *sources;
	wire_client *stats;
	atomic_ullong requests;
	atomic_ullong records;
	wire_server *server;     /* for the busy count in status; may be NULL */
	int64_t (*now_ms)(void); /* the clock; tests replace it */
} ingest_ctx;

int ingest_ctx_init(ingest_ctx *c, const conf *cf, const units *u, auth_sources *sources,
                    wire_client *stats);
void ingest_ctx_destroy(ingest_ctx *c);
/* Swaps in a newly loaded sources file (SIGHUP); frees the old one once no request uses it. */
void ingest_replace_sources(ingest_ctx *c, auth_sources *sources);

/* wire_handler for the ingest socket. */
int ingest_handle(void *ctx, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

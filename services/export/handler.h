/* handler: one export request in, one reply out, without sockets: parse the period, fetch the
 * figures from stats, render the asked format. */
#ifndef CCHC_EXPORT_HANDLER_H
#define CCHC_EXPORT_HANDLER_H

#include "conf.h"
#include "wire.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct export_ctx {
	const conf *conf;
	wire_client *stats;
	wire_server *server; /* for the busy count; may be NULL */
	atomic_ullong requests;
	atomic_ullong reports;
} export_ctx;

int export_handle(void *ctx, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

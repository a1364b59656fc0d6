/* handler: one export request in, one reply out, without sockets: parse the period, fetch the
 * figures from stats, render the asked format. */
#ifndef CCHC_EXPORT_HANDLER_H
#define CCHC_EXPORT_HANDLER_H

#include "conf.h"
#include "wire.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct index766_conf;

typedef struct export_ctx {
	const conf *conf;
	const struct index766_conf *index766; /* index_766_file, read at start */
	wire_client *stats;
	wire_server *server; /* for the busy count; may be NULL */
	atomic_ullong requests;
	atomic_ullong reports;
} export_ctx;

struct Cchc__V1__ReportRequest;
struct render_output;
/* Renders the report `rq` asks for (as `cchc report` gets it) into out: the console's downloads use
 * it too, so both give the same bytes. Returns 0, or -1 with a message in err. */
int export_report(export_ctx *c, const struct Cchc__V1__ReportRequest *rq,
                  struct render_output *out, char *err, size_t errlen);

int export_handle(void *ctx, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

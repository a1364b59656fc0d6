/* handler: one export request in, one reply out, without sockets: parse the period, fetch the
 * figures from stats, render the asked format. */
#ifndef CCHC_EXPORT_HANDLER_H
#define CCHC_EXPORT_HANDLER_H

#include "conf.h"
#include "render.h"
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
	atomic_int console_on; /* the console serves: `cchc status` shows its address */
} export_ctx;

struct Cchc__V1__ReportRequest;
struct Cchc__V1__Closing;

/* What a report asked by `rq` shows (docs/design.md §13): its period, and the figures of the
 * standing closed version (or the version asked for) or those of now, with the render input every
 * renderer takes. The console's pages lay out the same figures the downloads render. */
typedef struct export_source {
	period period;
	figures figures;
	const struct Cchc__V1__Closing
	    *closing; /* the closed version shown (inside figures), or NULL */
	render_as_of as_of;
	render_input
	    in; /* points into this struct (and at rq's scope): fill it in place, never move */
} export_source;

/* Fills *s for rq (its period, scope, structure, as_of; the format is not looked at). Returns 0,
 * or -1 with a message in err (s then holds nothing). Free with export_source_free. */
int export_source_get(export_ctx *c, const struct Cchc__V1__ReportRequest *rq, export_source *s,
                      char *err, size_t errlen);
void export_source_free(export_source *s);

/* Renders the report `rq` asks for (as `cchc report` gets it) into out: the console's downloads use
 * it too, so both give the same bytes. Returns 0, or -1 with a message in err. */
int export_report(export_ctx *c, const struct Cchc__V1__ReportRequest *rq,
                  struct render_output *out, char *err, size_t errlen);

int export_handle(void *ctx, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen);

#endif

/* cchc-export: wiring only. Dials stats and answers report requests; on SIGTERM it finishes the
 * reports in hand and sends them before it exits (service_drain). */
#include "conf.h"
#include "handler.h"
#include "log.h"
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	conf cf;
	const char *listen;
	int status;
	if (service_start(argc, argv, "cchc-export", &cf, &listen, &status))
		return status;
	if (listen)
		snprintf(cf.export_listen, sizeof cf.export_listen, "%s", listen);
	char err[1024];
	export_ctx ctx = {.conf = &cf};
	if (wire_client_open(cf.stats_listen, cf.max_message_bytes, cf.request_timeout_ms,
	                     &ctx.stats, err, sizeof err)) {
		log_error("stats: %s", err);
		return 1;
	}
	/* Reports can be large: replies are bounded by what the CLI accepts, requests stay small.
	 */
	if (wire_server_start(cf.export_listen, 64 * 1024, cf.workers, export_handle, &ctx,
	                      &ctx.server, err, sizeof err)) {
		log_error("%s", err);
		wire_client_close(ctx.stats);
		return 1;
	}
	log_info("listening on %s (stats at %s)", cf.export_listen, cf.stats_listen);
	while (service_wait_signal() == SIGHUP)
		;
	service_drain(ctx.server, cf.stop_timeout_ms);
	wire_server_stop(ctx.server);
	wire_client_close(ctx.stats);
	return 0;
}

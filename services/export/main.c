/* cchc-export: wiring only. Reads the 766 index's weights, dials stats and answers report
 * requests; on SIGTERM it finishes the reports in hand and sends them before it exits
 * (service_drain). */
#include "conf.h"
#include "handler.h"
#include "index766.h"
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
	index766_conf *weights = NULL;
	if (index766_conf_load(cf.index_766_file, &weights, err, sizeof err)) {
		log_error("index_766_file: %s", err);
		return 1;
	}
	ctx.index766 = weights;
	if (wire_client_open(cf.stats_listen, cf.max_message_bytes, cf.request_timeout_ms,
	                     &ctx.stats, err, sizeof err)) {
		log_error("stats: %s", err);
		index766_conf_free(weights);
		return 1;
	}
	/* Reports can be large: replies are bounded by what the CLI accepts, requests stay small.
	 */
	if (wire_server_start(cf.export_listen, 64 * 1024, cf.workers, export_handle, &ctx,
	                      &ctx.server, err, sizeof err)) {
		log_error("%s", err);
		wire_client_close(ctx.stats);
		index766_conf_free(weights);
		return 1;
	}
	log_info("listening on %s (stats at %s)", cf.export_listen, cf.stats_listen);
	while (service_wait_signal() == SIGHUP)
		;
	service_drain(ctx.server, cf.stop_timeout_ms);
	wire_server_stop(ctx.server);
	wire_client_close(ctx.stats);
	index766_conf_free(weights);
	return 0;
}

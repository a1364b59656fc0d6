/* cchc-export: wiring only. Reads the 766 index's weights, dials stats, answers report requests and
 * serves the console (when console.listen is set); on SIGTERM it answers the console's requests in
 * hand, then finishes the reports in hand and sends them before it exits (service_drain). */
#include "conf.h"
#include "console.h"
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
	console *con = NULL;
	if (console_start(&ctx, &con, err, sizeof err)) {
		log_error("%s", err);
		wire_server_stop(ctx.server);
		wire_client_close(ctx.stats);
		index766_conf_free(weights);
		return 1;
	}
	atomic_store(&ctx.console_on, con != NULL);
	if (con)
		log_info("console on %s", cf.console_listen);
	else
		log_info("no console (console.listen is empty)");
	while (service_wait_signal() == SIGHUP)
		;
	/* The console first: its pages ask stats through ctx.stats and render like the reports. */
	atomic_store(&ctx.console_on, 0);
	console_stop(con);
	service_drain(ctx.server, cf.stop_timeout_ms);
	wire_server_stop(ctx.server);
	wire_client_close(ctx.stats);
	index766_conf_free(weights);
	return 0;
}

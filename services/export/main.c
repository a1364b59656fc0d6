/* cchc-export: wiring only. Dials stats and answers report requests. */
#include "conf.h"
#include "handler.h"
#include "log.h"
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *config = NULL, *listen = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen = argv[++i];
		else {
			fprintf(stderr, "usage: cchc-export [--config FILE] [--listen URL]\n");
			return 2;
		}
	}
	service_init("cchc-export");
	conf cf;
	char err[1024];
	if (conf_load(config, &cf, err, sizeof err)) {
		log_error("configuration: %s", err);
		return 1;
	}
	if (listen)
		snprintf(cf.export_listen, sizeof cf.export_listen, "%s", listen);
	service_set_timezone(cf.timezone);
	export_ctx ctx = {.conf = &cf};
	if (wire_client_open(cf.stats_listen, cf.max_message_bytes, cf.request_timeout_ms, &ctx.stats,
			     err, sizeof err)) {
		log_error("stats: %s", err);
		return 1;
	}
	/* Reports can be large: replies are bounded by what the CLI accepts, requests stay small. */
	if (wire_server_start(cf.export_listen, 64 * 1024, cf.workers, export_handle, &ctx,
			      &ctx.server, err, sizeof err)) {
		log_error("%s", err);
		wire_client_close(ctx.stats);
		return 1;
	}
	log_info("listening on %s (stats at %s)", cf.export_listen, cf.stats_listen);
	while (service_wait_signal() == SIGHUP)
		;
	log_info("stopping");
	wire_server_stop(ctx.server);
	wire_client_close(ctx.stats);
	return 0;
}

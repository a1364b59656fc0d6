/* cchc-ingest: wiring only. Reads the configuration, the unit registry and the sources file, dials
 * stats, listens for office systems, and rereads the sources file on SIGHUP. On SIGTERM the
 * requests in hand still get stats' answer and their replies (service_drain) before it exits. */
#include "conf.h"
#include "handler.h"
#include "log.h"
#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	conf cf;
	const char *listen;
	int status;
	if (service_start(argc, argv, "cchc-ingest", &cf, &listen, &status))
		return status;
	if (listen)
		snprintf(cf.ingest_listen, sizeof cf.ingest_listen, "%s", listen);
	char err[1024];
	if (auth_init()) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	units *u = NULL;
	auth_sources *sources = NULL;
	wire_client *stats = NULL;
	wire_server *server = NULL;
	ingest_ctx ctx;
	int rc = 1;
	if (units_load(cf.units_file, &u, err, sizeof err)) {
		log_error("unit registry: %s", err);
		return 1;
	}
	if (auth_sources_load(cf.sources_file, &sources, err, sizeof err)) {
		log_error("%s", err);
		goto out_units;
	}
	if (wire_client_open(cf.stats_listen, cf.max_message_bytes, cf.request_timeout_ms, &stats,
	                     err, sizeof err)) {
		log_error("stats: %s", err);
		auth_sources_free(sources);
		goto out_units;
	}
	if (ingest_ctx_init(&ctx, &cf, u, sources, stats)) {
		log_error("cannot initialise");
		auth_sources_free(sources);
		goto out_stats;
	}
	if (wire_server_start(cf.ingest_listen, cf.max_message_bytes, cf.workers, ingest_handle,
	                      &ctx, &server, err, sizeof err)) {
		log_error("%s", err);
		goto out_ctx;
	}
	ctx.server = server;
	log_info("listening on %s (stats at %s, %zu units, %u workers)", cf.ingest_listen,
	         cf.stats_listen, units_count(u), cf.workers);
	for (;;) {
		int sig = service_wait_signal();
		if (sig != SIGHUP)
			break;
		auth_sources *fresh = NULL;
		if (auth_sources_load(cf.sources_file, &fresh, err, sizeof err)) {
			log_error("SIGHUP: keeping the old sources: %s", err);
			continue;
		}
		ingest_replace_sources(&ctx, fresh);
		log_info("SIGHUP: sources file reread");
	}
	service_drain(server, cf.stop_timeout_ms);
	wire_server_stop(server);
	rc = 0;
out_ctx:
	ingest_ctx_destroy(&ctx);
out_stats:
	wire_client_close(stats);
out_units:
	units_free(u);
	return rc;
}

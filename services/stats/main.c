/* cchc-stats: wiring only. Reads the configuration, waits for PostgreSQL, migrates the schema,
 * syncs the unit registry, then answers StatsRequests on stats.listen until SIGTERM / SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "service.h"
#include "stats_db.h"
#include "stats_handler.h"
#include "units.h"
#include "wire.h"

/* Sleeps up to `seconds`; returns 1 when SIGTERM / SIGINT arrived meanwhile. */
static int stop_requested(int seconds)
{
	sigset_t set;
	struct timespec ts = {.tv_sec = seconds};
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sig = sigtimedwait(&set, NULL, &ts);
	return sig == SIGINT || sig == SIGTERM;
}

/* Connects, migrates and syncs the registry, retrying while PostgreSQL does not answer.
 * Returns 0 with both connections, or -1 when told to stop. */
static int open_database(const conf *c, const units *reg, PGconn **writer, PGconn **reader)
{
	char err[512];
	int changed;

	for (unsigned attempt = 1;; attempt++) {
		*writer = *reader = NULL;
		if (db_connect(c->stats_db, writer, err, sizeof err) == 0 &&
		    db_migrate(*writer, err, sizeof err) == 0 &&
		    (!reg || db_sync_units(*writer, reg, &changed, err, sizeof err) == 0) &&
		    db_connect(c->stats_db, reader, err, sizeof err) == 0) {
			if (reg)
				log_info("units: %zu units, %s", units_count(reg),
				         changed ? "registry updated" : "unchanged");
			return 0;
		}
		log_warn("database not ready (attempt %u): %s", attempt, err);
		PQfinish(*writer);
		PQfinish(*reader);
		*writer = *reader = NULL;
		if (stop_requested(attempt < 10 ? 1 : 5))
			return -1;
	}
}

int main(int argc, char **argv)
{
	const char *listen = NULL;
	char err[512];
	conf c;
	units *reg = NULL;
	PGconn *writer, *reader;
	stats_ctx ctx;
	wire_server *srv;
	int sig;

	if (service_start(argc, argv, "cchc-stats", &c, &listen, &sig))
		return sig;
	if (!listen)
		listen = c.stats_listen;
	if (*c.units_file) {
		if (units_load(c.units_file, &reg, err, sizeof err) != 0) {
			log_error("units: %s", err);
			return 1;
		}
	} else {
		log_warn("units: no units_file configured; the registry in the database is kept");
	}
	if (open_database(&c, reg, &writer, &reader) != 0) {
		units_free(reg);
		log_info("stopped before the database answered");
		return 0;
	}
	units_free(reg);
	if (stats_ctx_init(&ctx, writer, reader) != 0) {
		log_error("cannot initialise locks");
		PQfinish(writer);
		PQfinish(reader);
		return 1;
	}
	if (wire_server_start(listen, c.max_message_bytes, c.workers, stats_handle, &ctx, &srv, err,
	                      sizeof err) != 0) {
		log_error("listen %s: %s", listen, err);
		stats_ctx_destroy(&ctx);
		return 1;
	}
	atomic_store(&ctx.server, srv);
	log_info("cchc-stats %s listening on %s with %u workers", CCHC_VERSION, listen, c.workers);
	while ((sig = service_wait_signal()) != SIGINT && sig != SIGTERM)
		; /* SIGHUP: nothing to reload */
	log_info("signal %d: stopping", sig);
	atomic_store(&ctx.server, NULL);
	wire_server_stop(srv);
	stats_ctx_destroy(&ctx);
	return 0;
}

/* cchc-stats: wiring only. Reads the configuration, waits for PostgreSQL, migrates the schema,
 * syncs the unit registry and the feedback deadlines with the calendar of days off, then answers
 * StatsRequests on stats.listen until SIGTERM / SIGINT.
 * `cchc-stats --verify` instead recomputes every state from the raw events and exits (verify.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "conf.h"
#include "log.h"
#include "service.h"
#include "stats_db.h"
#include "stats_db_calendar.h"
#include "stats_db_units.h"
#include "stats_handler.h"
#include "stats_migrations.h"
#include "stats_verify.h"
#include "units.h"
#include "wire.h"
#include "workdays.h"

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
 * Returns 0 with every connection (STORE_PARTS writers, then the reader: conns[STORE_PARTS]),
 * or -1 when told to stop. */
static int open_database(const conf *c, const units *reg, const char *content, size_t len,
                         const workdays *cal, PGconn *conns[STORE_PARTS + 1])
{
	char err[512];
	int changed = 0, kept = 0;
	size_t recounted = 0;

	for (unsigned attempt = 1;; attempt++) {
		int ok = 1;
		for (int i = 0; i <= STORE_PARTS; i++)
			conns[i] = NULL;
		for (int i = 0; i <= STORE_PARTS && ok; i++)
			ok = db_connect(c->stats_db, &conns[i], err, sizeof err) == 0 &&
			     (i ||
			      (db_migrate(conns[0], err, sizeof err) == 0 &&
			       (!reg || db_sync_units_file(conns[0], reg, content, len, &changed,
			                                   &kept, err, sizeof err) == 0) &&
			       db_sync_calendar(conns[0], cal, &recounted, err, sizeof err) == 0));
		if (ok) {
			if (recounted)
				log_info("calendar: the days off changed; the deadlines of %zu "
				         "feedback items counted again",
				         recounted);
			if (reg)
				log_info("units: %zu units in %s, %s", units_count(reg),
				         c->units_file,
				         kept      ? "unchanged since its last sync: the imported "
				                     "registry stays in force"
				         : changed ? "registry updated"
				                   : "unchanged");
			return 0;
		}
		log_warn("database not ready (attempt %u): %s", attempt, err);
		for (int i = 0; i <= STORE_PARTS; i++)
			PQfinish(conns[i]);
		if (stop_requested(attempt < 10 ? 1 : 5))
			return -1;
	}
}

/* The calendar of days off (calendar_file) as the process's (workdays_set_current), or NULL with
 * err when the file cannot be read. With no file configured, weekends only, said once. */
static workdays *load_calendar(const conf *c, char *err, size_t errlen)
{
	workdays *w = NULL;
	int first, last, y, m, d;

	if (!*c->calendar_file) {
		log_warn("calendar: no calendar_file configured: feedback deadlines count weekends "
		         "only, no public holiday");
		w = workdays_weekends_only();
		if (!w)
			snprintf(err, errlen, "calendar: out of memory");
	} else if (workdays_load(c->calendar_file, &w, err, errlen) != 0) {
		return NULL;
	}
	if (!w)
		return NULL;
	workdays_years(w, &first, &last);
	cal_civil_from_days(cal_local_day((int64_t)time(NULL) * 1000), &y, &m, &d);
	if (*c->calendar_file && (y < first || y > last))
		log_warn("calendar: %s lists no day of %d (it covers %d-%d): add that year's "
		         "public holidays, or its deadlines count weekends only",
		         c->calendar_file, y, first, last);
	workdays_set_current(w);
	return w;
}

/* --verify: one read-only pass over the database, then exit 0 clean, 1 differences, 2 error. */
static int run_verify(const conf *c)
{
	char err[512];
	PGconn *conn;
	verify_result res;
	int rc;

	if (db_connect(c->stats_db, &conn, err, sizeof err) != 0) {
		fprintf(stderr, "cchc-stats --verify: %s\n", err);
		return 2;
	}
	rc = verify_run(conn, stdout, VERIFY_DETAIL_KEYS, &res, err, sizeof err);
	PQfinish(conn);
	if (rc != 0) {
		fprintf(stderr, "cchc-stats --verify: %s\n", err);
		return 2;
	}
	return res.differences ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *listen = NULL;
	char err[512], *content = NULL;
	size_t content_len = 0;
	int verify = 0;
	conf c;
	units *reg = NULL;
	PGconn *conns[STORE_PARTS + 1];
	stats_ctx ctx;
	wire_server *srv;
	int sig;

	/* service_start knows only the options every service has: take --verify out first. */
	int kept_args = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--verify"))
			verify = 1;
		else
			argv[kept_args++] = argv[i];
	}
	argv[kept_args] = NULL;
	argc = kept_args;
	if (service_start(argc, argv, "cchc-stats", &c, &listen, &sig))
		return sig == 1 && verify ? 2 : sig;
	workdays *cal = load_calendar(&c, err, sizeof err);
	if (!cal) {
		if (verify)
			fprintf(stderr, "cchc-stats --verify: %s\n", err);
		else
			log_error("%s", err);
		return verify ? 2 : 1;
	}
	if (verify) {
		int rc = run_verify(&c);
		workdays_free(cal);
		return rc;
	}
	if (!listen)
		listen = c.stats_listen;
	if (*c.units_file) {
		if (units_read_file(c.units_file, &content, &content_len, err, sizeof err) != 0 ||
		    units_parse(content, content_len, c.units_file, &reg, err, sizeof err) != 0) {
			log_error("units: %s", err);
			free(content);
			workdays_free(cal);
			return 1;
		}
	} else {
		log_warn("units: no units_file configured; the registry in the database is kept");
	}
	if (open_database(&c, reg, content, content_len, cal, conns) != 0) {
		units_free(reg);
		free(content);
		workdays_free(cal);
		log_info("stopped before the database answered");
		return 0;
	}
	units_free(reg);
	free(content);
	if (stats_ctx_init(&ctx, conns, conns[STORE_PARTS]) != 0) {
		log_error("cannot initialise locks");
		for (int i = 0; i <= STORE_PARTS; i++)
			PQfinish(conns[i]);
		workdays_free(cal);
		return 1;
	}
	if (wire_server_start(listen, c.max_message_bytes, c.workers, stats_handle, &ctx, &srv, err,
	                      sizeof err) != 0) {
		log_error("listen %s: %s", listen, err);
		stats_ctx_destroy(&ctx);
		workdays_free(cal);
		return 1;
	}
	atomic_store(&ctx.server, srv);
	log_info("cchc-stats %s listening on %s with %u workers", CCHC_VERSION, listen, c.workers);
	while ((sig = service_wait_signal()) != SIGINT && sig != SIGTERM)
		; /* SIGHUP: nothing to reload */
	/* The store requests in hand finish their transactions and get their replies before the
	 * connections to PostgreSQL close. */
	log_info("signal %d", sig);
	service_drain(srv, c.stop_timeout_ms);
	atomic_store(&ctx.server, NULL);
	wire_server_stop(srv);
	stats_ctx_destroy(&ctx);
	workdays_set_current(NULL);
	workdays_free(cal);
	return 0;
}

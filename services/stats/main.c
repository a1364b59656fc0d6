/* cchc-stats: wiring only. Reads the configuration, waits for PostgreSQL, migrates the schema,
 * syncs the unit registry and (a province's) the feedback deadlines with the calendar of days off,
 * then answers StatsRequests on stats.listen until SIGTERM / SIGINT.
 * `cchc-stats --verify` instead recomputes every state from the raw events and exits (verify.c).
 * A province with publish = on also keeps its publication and heartbeat (node.c); with mode =
 * national (or --national) it owns the national database and its subscriptions instead
 * (national.c, docs/design.md §15). */
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
#include "stats_national_sync.h"
#include "stats_node.h"
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

/* Connects, migrates and syncs the registry and the feedback deadlines (a province's; the national
 * database's registry is every province's, replicated, and it keeps no feedback state: cal is NULL
 * there), retrying while PostgreSQL does not answer. Returns 0 with every
 * connection (STORE_PARTS writers, then the reader: conns[STORE_PARTS]) and *node, or -1 when
 * told to stop; 1 when the database is not what the configuration says (no retry helps). */
static int open_database(const conf *c, const units *reg, const char *content, size_t len,
                         const workdays *cal, PGconn *conns[STORE_PARTS + 1], stats_node *node)
{
	char err[512];
	int changed = 0, kept = 0;
	size_t recounted = 0;

	for (unsigned attempt = 1;; attempt++) {
		int ok = 1, wrong = 0;
		for (int i = 0; i <= STORE_PARTS; i++)
			conns[i] = NULL;
		for (int i = 0; i <= STORE_PARTS && ok; i++) {
			ok = db_connect(c->stats_db, &conns[i], err, sizeof err) == 0;
			if (!ok || i)
				continue;
			ok = node_resolve(c, reg, conns[0], node, err, sizeof err) == 0 &&
			     db_migrate(conns[0], node, err, sizeof err) == 0;
			wrong = ok && node_check(conns[0], node, err, sizeof err) != 0;
			ok = ok && !wrong &&
			     (!reg || db_sync_units_file(conns[0], reg, content, len, &changed,
			                                 &kept, err, sizeof err) == 0) &&
			     (node->national ||
			      db_sync_calendar(conns[0], cal, &recounted, err, sizeof err) == 0);
		}
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
		for (int i = 0; i <= STORE_PARTS; i++)
			PQfinish(conns[i]);
		if (wrong) {
			log_error("%s", err);
			return 1;
		}
		log_warn("database not ready (attempt %u): %s", attempt, err);
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
	int verify = 0, national = 0, rc;
	workdays *cal = NULL;
	stats_node node;
	node_heartbeat *heartbeat = NULL;
	national_sync *sync = NULL;
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
		else if (!strcmp(argv[i], "--national"))
			national = 1;
		else
			argv[kept_args++] = argv[i];
	}
	argv[kept_args] = NULL;
	argc = kept_args;
	if (service_start(argc, argv, "cchc-stats", &c, &listen, &sig))
		return sig == 1 && verify ? 2 : sig;
	if (national)
		c.national = 1;
	if (verify && c.national) {
		/* the national database holds aggregates only: nothing to recompute them from */
		fprintf(stderr,
		        "cchc-stats --verify: the national stack holds no events; verify each "
		        "province's own stack\n");
		return 2;
	}
	/* the feedback deadlines are a province's: the national stack counts none (its feedback
	 * figures arrive counted) and needs no calendar_file */
	if (!c.national && !(cal = load_calendar(&c, err, sizeof err))) {
		if (verify)
			fprintf(stderr, "cchc-stats --verify: %s\n", err);
		else
			log_error("%s", err);
		return verify ? 2 : 1;
	}
	if (verify) {
		rc = run_verify(&c);
		workdays_set_current(NULL);
		workdays_free(cal);
		return rc;
	}
	if (!listen)
		listen = c.stats_listen;
	if (c.national) {
		if (c.publish)
			log_warn(
			    "publish: on is a province's setting; the national stack ignores it");
	} else if (*c.units_file) {
		if (units_read_file(c.units_file, &content, &content_len, err, sizeof err) != 0 ||
		    units_parse(content, content_len, c.units_file, &reg, err, sizeof err) != 0) {
			log_error("units: %s", err);
			free(content);
			workdays_set_current(NULL);
			workdays_free(cal);
			return 1;
		}
	} else {
		log_warn("units: no units_file configured; the registry in the database is kept");
	}
	rc = open_database(&c, reg, content, content_len, cal, conns, &node);
	units_free(reg);
	free(content);
	if (rc != 0) {
		if (rc < 0)
			log_info("stopped before the database answered");
		workdays_set_current(NULL);
		workdays_free(cal);
		return rc < 0 ? 0 : 1;
	}
	if (!node.national) {
		int rebuilt = 0;
		log_info("province %s, publish %s", node.province, c.publish ? "on" : "off");
		if (node_publish(conns[0], &c, err, sizeof err) != 0 ||
		    (c.publish &&
		     node_refresh_aggregates(conns[0], &rebuilt, err, sizeof err) != 0) ||
		    (c.publish &&
		     node_heartbeat_start(c.stats_db, &heartbeat, err, sizeof err) != 0)) {
			log_error("%s", err);
			for (int i = 0; i <= STORE_PARTS; i++)
				PQfinish(conns[i]);
			workdays_set_current(NULL);
			workdays_free(cal);
			return 1;
		}
		if (rebuilt)
			log_info("aggregates: rebuilt for the current registry before publishing");
	} else if (national_setup(conns[0], &c, err, sizeof err) != 0 ||
	           national_sync_start(&c, &sync, err, sizeof err) != 0) {
		log_error("%s", err);
		for (int i = 0; i <= STORE_PARTS; i++)
			PQfinish(conns[i]);
		return 1;
	} else {
		log_info("national: %u province(s) configured", c.n_national_provinces);
	}
	if (stats_ctx_init(&ctx, conns, conns[STORE_PARTS]) != 0) {
		log_error("cannot initialise locks");
		for (int i = 0; i <= STORE_PARTS; i++)
			PQfinish(conns[i]);
		node_heartbeat_stop(heartbeat);
		national_sync_stop(sync);
		workdays_set_current(NULL);
		workdays_free(cal);
		return 1;
	}
	ctx.national = node.national;
	ctx.publish = c.publish && !node.national;
	ctx.national_max_age_s = c.national_max_age_seconds;
	ctx.sync = sync;
	snprintf(ctx.province, sizeof ctx.province, "%s", node.province);
	if (wire_server_start(listen, c.max_message_bytes, c.workers, stats_handle, &ctx, &srv, err,
	                      sizeof err) != 0) {
		log_error("listen %s: %s", listen, err);
		stats_ctx_destroy(&ctx);
		node_heartbeat_stop(heartbeat);
		national_sync_stop(sync);
		workdays_set_current(NULL);
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
	national_sync_stop(sync);
	stats_ctx_destroy(&ctx);
	node_heartbeat_stop(heartbeat);
	workdays_set_current(NULL);
	workdays_free(cal);
	return 0;
}

/* national sync: the national database's subscriptions, one per configured province
 * (stats_national_sync.h). CREATE SUBSCRIPTION cannot run inside a transaction (it creates the
 * slot on the province) nor take parameters, so its text is made by the server's own format()
 * from parameters (%I, %L) and then run as it is: no name or connection string is ever spliced in
 * here. A connection string may hold a password: it never reaches a log line. */
#include "stats_national_sync.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "grow.h"
#include "log.h"
#include "stats_db.h"
#include "stats_national.h"
#include "stats_ticker.h"

/* A published table the national database has but a subscription does not: refreshed at most
 * this often (a province not yet upgraded does not publish it, and each refresh connects). */
#define REFRESH_EVERY_MS (5 * 60 * 1000)

/* What the thread last learnt of one province. */
typedef struct probe {
	char code[8];
	char conninfo[512];
	int64_t at_ms;       /* when the probe ran; 0 never */
	int reachable;       /* the province answered */
	int has_slot;        /* its slot exists */
	int64_t lag_bytes;   /* its WAL not yet confirmed by the national side */
	int64_t lag_ms;      /* its walsender's replay lag, 0 when caught up */
	int has_lag_ms;      /* a walsender is streaming to us */
	char wal_status[16]; /* the slot's: reserved, extended, unreserved, lost */
	char detail[640];    /* why a subscription is missing, or why the probe failed */
	int64_t refreshed_ms;
} probe;

struct national_sync {
	ticker *t;
	pthread_mutex_t mu; /* guards probes[] */
	PGconn *conn;       /* the ticker's thread's alone */
	char conninfo[1024];
	probe probes[64];
	size_t nprobes;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int national_setup(PGconn *conn, const conf *c, char *err, size_t errlen)
{
	if (db_begin(conn, "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "national: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", err,
	            errlen) != 0)
		goto fail;
	/* the configured codes as one text[] parameter: {46,48} (two digits each, conf.c) */
	char list[64 * 4 + 3] = "{";
	size_t n = 1;
	for (unsigned i = 0; i < c->n_national_provinces; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? "," : "",
		                      c->national_provinces[i].code);
	snprintf(list + n, sizeof list - n, "}");
	const char *params[1] = {list};
	PGresult *r = db_query(conn, "national: provinces",
	                       "WITH want AS (SELECT unnest($1::text[]) AS code), "
	                       "gone AS (DELETE FROM national_province n WHERE n.code NOT IN "
	                       " (SELECT code FROM want) RETURNING n.code) "
	                       "INSERT INTO national_province (code) SELECT code FROM want "
	                       "ON CONFLICT (code) DO NOTHING",
	                       1, params, err, errlen);
	if (!r)
		goto fail;
	PQclear(r);
	r = db_query(conn, "national: partitions",
	             "SELECT cchc_province_partition(p.tbl, n.code) FROM cchc_published p, "
	             "national_province n ORDER BY n.code, p.tbl",
	             0, NULL, err, errlen);
	if (!r)
		goto fail;
	PQclear(r);
	if (db_commit(conn, "national: commit", err, errlen) != 0)
		return -1;
	if (!c->n_national_provinces)
		log_warn("national: no national.province.CODE line in the configuration: the "
		         "national scope is empty");
	for (unsigned i = 0; i < c->n_national_provinces; i++)
		log_info("national: province %s, partitions ready", c->national_provinces[i].code);
	return 0;
fail:
	db_rollback(conn);
	return -1;
}

/* Runs the statement the server made with format() from params: a query returning one text. */
static int run_formatted(PGconn *conn, const char *what, const char *format_sql, int nparams,
                         const char *const *params, char *err, size_t errlen)
{
	PGresult *r = db_query(conn, what, format_sql, nparams, params, err, errlen);
	if (!r)
		return -1;
	int rc = db_exec(conn, what, PQgetvalue(r, 0, 0), err, errlen);
	PQclear(r);
	return rc;
}

/* The subscription of one province as it should be. Sets p->detail when it cannot be. */
static void keep_subscription(PGconn *conn, probe *p)
{
	char name[32], err[512];
	snprintf(name, sizeof name, NATIONAL_SUBSCRIPTION_PREFIX "%s", p->code);
	const char *params[2] = {name, p->conninfo};
	PGresult *r = db_query(conn, "national: subscription",
	                       "SELECT s.oid, s.subconninfo = $2, (SELECT count(*) FROM "
	                       "cchc_published c WHERE NOT EXISTS (SELECT 1 FROM "
	                       "pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srrelid = "
	                       "to_regclass(format('%I', c.tbl)))) FROM pg_subscription s WHERE "
	                       "s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE "
	                       "datname = current_database())",
	                       2, params, err, sizeof err);
	if (!r) {
		snprintf(p->detail, sizeof p->detail, "%s", err);
		return;
	}
	int exists = PQntuples(r) == 1;
	int same = exists && !strcmp(PQgetvalue(r, 0, 1), "t");
	int missing_tables = exists ? atoi(PQgetvalue(r, 0, 2)) : 0;
	PQclear(r);
	if (!exists) {
		/* the partitions exist (national_setup): rows of this province have a home */
		if (run_formatted(conn, "national: subscribe",
		                  "SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION "
		                  "cchc_pub WITH (copy_data = true)', $1::text, $2::text)",
		                  2, params, err, sizeof err) != 0) {
			if (strcmp(p->detail, err))
				log_warn("national: province %s: cannot subscribe yet: %s", p->code,
				         err);
			snprintf(p->detail, sizeof p->detail, "cannot subscribe: %s", err);
			return;
		}
		log_info("national: province %s: subscribed (%s); the initial copy follows",
		         p->code, name);
		p->detail[0] = '\0';
		p->refreshed_ms = now_ms();
		return;
	}
	if (!same) {
		if (run_formatted(conn, "national: connection",
		                  "SELECT format('ALTER SUBSCRIPTION %I CONNECTION %L', $1::text, "
		                  "$2::text)",
		                  2, params, err, sizeof err) != 0) {
			snprintf(p->detail, sizeof p->detail, "cannot change its connection: %s",
			         err);
			return;
		}
		log_info("national: province %s: connection string changed", p->code);
	}
	if (missing_tables && now_ms() - p->refreshed_ms >= REFRESH_EVERY_MS) {
		p->refreshed_ms = now_ms();
		if (run_formatted(conn, "national: refresh",
		                  "SELECT format('ALTER SUBSCRIPTION %I REFRESH PUBLICATION', "
		                  "$1::text)",
		                  1, params, err, sizeof err) != 0) {
			snprintf(p->detail, sizeof p->detail, "cannot refresh: %s", err);
			return;
		}
		log_info("national: province %s: subscription refreshed (%d published table(s) "
		         "were not subscribed yet)",
		         p->code, missing_tables);
	}
	p->detail[0] = '\0';
}

/* Asks the province itself how far behind its slot is, as the subscription's role. */
static void probe_province(probe *p)
{
	const char *keys[] = {"connect_timeout", "dbname", "application_name", NULL};
	const char *vals[] = {"5", p->conninfo, "cchc-national-probe", NULL};
	char name[32], err[512];
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	p->at_ms = now_ms();
	p->reachable = p->has_slot = p->has_lag_ms = 0;
	p->wal_status[0] = '\0';
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		const char *m = conn ? PQerrorMessage(conn) : "out of memory";
		snprintf(err, sizeof err, "%.*s", (int)strcspn(m, "\n"), m);
		if (!p->detail[0])
			snprintf(p->detail, sizeof p->detail, "province unreachable: %s", err);
		PQfinish(conn);
		return;
	}
	p->reachable = 1;
	snprintf(name, sizeof name, NATIONAL_SUBSCRIPTION_PREFIX "%s", p->code);
	const char *params[1] = {name};
	PGresult *r =
	    db_query(conn, "probe",
	             "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint, "
	             " COALESCE(s.wal_status, ''), "
	             " (SELECT (extract(epoch FROM COALESCE(w.replay_lag, '0')) * 1000)::bigint "
	             "  FROM pg_stat_replication w WHERE w.pid = s.active_pid) "
	             "FROM pg_replication_slots s WHERE s.slot_name = $1",
	             1, params, err, sizeof err);
	if (r && PQntuples(r) == 1) {
		p->has_slot = 1;
		p->lag_bytes = PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(p->wal_status, sizeof p->wal_status, "%s", PQgetvalue(r, 0, 1));
		p->has_lag_ms = !PQgetisnull(r, 0, 2);
		p->lag_ms = p->has_lag_ms ? strtoll(PQgetvalue(r, 0, 2), NULL, 10) : 0;
	} else if (!r && !p->detail[0]) {
		snprintf(p->detail, sizeof p->detail, "probe: %s", err);
	}
	PQclear(r);
	PQfinish(conn);
}

/* One pass over every configured province: its subscription kept, the province probed. */
static void pass(void *arg)
{
	national_sync *s = arg;
	char err[512];
	probe work[64];
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nprobes;
	memcpy(work, s->probes, n * sizeof *work);
	pthread_mutex_unlock(&s->mu);
	int db_ok = (s->conn || db_connect(s->conninfo, &s->conn, err, sizeof err) == 0) &&
	            db_ensure(s->conn, err, sizeof err) == 0;
	for (size_t i = 0; i < n; i++) {
		if (db_ok)
			keep_subscription(s->conn, &work[i]);
		else
			snprintf(work[i].detail, sizeof work[i].detail, "national database: %s",
			         err);
		probe_province(&work[i]);
	}
	pthread_mutex_lock(&s->mu);
	memcpy(s->probes, work, n * sizeof *work);
	pthread_mutex_unlock(&s->mu);
}

int national_sync_start(const conf *c, national_sync **out, char *err, size_t errlen)
{
	national_sync *s = calloc(1, sizeof *s);
	char why[256];
	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "national: out of memory");
		return -1;
	}
	snprintf(s->conninfo, sizeof s->conninfo, "%s", c->stats_db);
	for (unsigned i = 0; i < c->n_national_provinces && i < 64; i++) {
		probe *p = &s->probes[s->nprobes++];
		snprintf(p->code, sizeof p->code, "%s", c->national_provinces[i].code);
		snprintf(p->conninfo, sizeof p->conninfo, "%s", c->national_provinces[i].conninfo);
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		snprintf(err, errlen, "national: cannot make a mutex");
		return -1;
	}
	if (ticker_start(NATIONAL_SYNC_MS, pass, s, &s->t, why, sizeof why) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		snprintf(err, errlen, "national: the subscriptions' thread: %s", why);
		return -1;
	}
	*out = s;
	return 0;
}

void national_sync_stop(national_sync *s)
{
	if (!s)
		return;
	ticker_stop(s->t);
	PQfinish(s->conn);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ---- cchc status ---- */

/* Every configured province and every cchc subscription of this database, with what PostgreSQL
 * says of it. $1: the subscription names' prefix. */
static const char status_sql[] =
    "WITH db AS (SELECT oid FROM pg_database WHERE datname = current_database()), "
    "subs AS (SELECT s.* FROM pg_subscription s, db WHERE s.subdbid = db.oid AND "
    " left(s.subname, length($1)) = $1), "
    "codes AS (SELECT code, true AS configured FROM national_province UNION ALL "
    " SELECT substr(s.subname, length($1) + 1), false FROM subs s WHERE substr(s.subname, "
    " length($1) + 1) NOT IN (SELECT code FROM national_province)) "
    "SELECT c.code, c.configured, s.subname IS NOT NULL, COALESCE(s.subenabled, false), "
    " EXISTS (SELECT 1 FROM pg_stat_subscription w WHERE w.subid = s.oid AND w.relid IS NULL "
    "         AND w.pid IS NOT NULL), "
    " (SELECT (extract(epoch FROM max(w.last_msg_receipt_time)) * 1000)::bigint "
    "  FROM pg_stat_subscription w WHERE w.subid = s.oid), "
    " COALESCE((SELECT x.apply_error_count + x.sync_error_count FROM "
    "           pg_stat_subscription_stats x WHERE x.subid = s.oid), 0), "
    " (SELECT count(*) FROM pg_subscription_rel r WHERE r.srsubid = s.oid AND "
    "  r.srsubstate <> 'r'), "
    " (SELECT (extract(epoch FROM h.at) * 1000)::bigint FROM replication_heartbeat h "
    "  WHERE h.province = c.code), "
    " (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "FROM codes c LEFT JOIN subs s ON s.subname = $1 || c.code ORDER BY c.code";

static int64_t ms_or_0(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int national_status(PGconn *conn, national_sync *s, Cchc__V1__StatusReply *reply, char *err,
                    size_t errlen)
{
	const char *params[1] = {NATIONAL_SUBSCRIPTION_PREFIX};
	size_t cap = 0;
	if (db_ensure(conn, err, errlen) != 0)
		return -1;
	PGresult *r = db_query(conn, "status: subscriptions", status_sql, 1, params, err, errlen);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		Cchc__V1__Subscription *x = calloc(1, sizeof *x);
		if (!x || grow_array((void **)&reply->subscriptions, &cap,
		                     reply->n_subscriptions + 1, sizeof *reply->subscriptions)) {
			free(x);
			PQclear(r);
			snprintf(err, errlen, "status: out of memory");
			return -1;
		}
		cchc__v1__subscription__init(x);
		reply->subscriptions[reply->n_subscriptions++] = x;
		const char *code = PQgetvalue(r, i, 0);
		int configured = !strcmp(PQgetvalue(r, i, 1), "t");
		int exists = !strcmp(PQgetvalue(r, i, 2), "t");
		int enabled = !strcmp(PQgetvalue(r, i, 3), "t");
		int worker = !strcmp(PQgetvalue(r, i, 4), "t");
		int64_t syncing = ms_or_0(r, i, 7), now = ms_or_0(r, i, 9);
		probe pb = {0};
		int probed = 0;
		if (s) {
			pthread_mutex_lock(&s->mu);
			for (size_t k = 0; k < s->nprobes; k++)
				if (!strcmp(s->probes[k].code, code)) {
					pb = s->probes[k];
					probed = pb.at_ms != 0;
				}
			pthread_mutex_unlock(&s->mu);
		}
		char name[32], detail[700] = "";
		snprintf(name, sizeof name, NATIONAL_SUBSCRIPTION_PREFIX "%s", code);
		x->province = strdup(code);
		x->name = strdup(name);
		x->has_last_message_ms = x->has_current_ms = x->has_apply_errors = 1;
		x->last_message_ms = ms_or_0(r, i, 5);
		x->current_ms = ms_or_0(r, i, 8);
		x->apply_errors = ms_or_0(r, i, 6);
		if (probed && pb.reachable && pb.has_slot) {
			x->has_lag_bytes = 1;
			x->lag_bytes = pb.lag_bytes;
			x->has_lag_ms = 1;
			x->lag_ms = pb.has_lag_ms ? pb.lag_ms : 0;
		}
		const char *state;
		if (!configured)
			state = "not configured";
		else if (!exists)
			state = "missing";
		else if (!enabled)
			state = "disabled";
		else if (probed && pb.reachable && !strcmp(pb.wal_status, "lost"))
			state = "slot lost";
		else if (syncing > 0)
			state = "copying";
		else if (!worker)
			state = "stopped";
		else if (!x->current_ms || now - x->current_ms > NATIONAL_STALLED_MS)
			state = "stalled";
		else
			state = "streaming";
		x->state = strdup(state);
		x->has_ok = 1;
		x->ok = !strcmp(state, "streaming");
		if (!strcmp(state, "slot lost"))
			snprintf(detail, sizeof detail,
			         "the province removed WAL the subscription still needed "
			         "(max_slot_wal_keep_size): resync it (docs/operations.md)");
		else if (!strcmp(state, "not configured"))
			snprintf(
			    detail, sizeof detail,
			    "no national.province.%s line: outside the national scope; drop the "
			    "subscription to remove the province (docs/operations.md)",
			    code);
		else if (!strcmp(state, "disabled"))
			snprintf(detail, sizeof detail, "ALTER SUBSCRIPTION %s ENABLE resumes it",
			         name);
		else if (probed && pb.detail[0])
			snprintf(detail, sizeof detail, "%s", pb.detail);
		else if (!strcmp(state, "stopped") || (x->apply_errors && !x->ok))
			snprintf(
			    detail, sizeof detail,
			    "the apply worker keeps failing: the national PostgreSQL log says why");
		if (detail[0])
			x->detail = strdup(detail);
		if (!x->province || !x->name || !x->state || (detail[0] && !x->detail)) {
			PQclear(r);
			snprintf(err, errlen, "status: out of memory");
			return -1;
		}
	}
	PQclear(r);
	return 0;
}

void national_status_clear(Cchc__V1__StatusReply *reply)
{
	for (size_t i = 0; i < reply->n_subscriptions; i++) {
		Cchc__V1__Subscription *x = reply->subscriptions[i];
		free(x->province);
		free(x->name);
		free(x->state);
		free(x->detail);
		free(x);
	}
	free(reply->subscriptions);
	reply->subscriptions = NULL;
	reply->n_subscriptions = 0;
}

/* handler: decodes a StatsRequest, runs store / query / check / units / status / period status /
 * closing / user on the right connection (writes on the writer, reads on the reader), packs the
 * StatsReply. Logs codes and counts only, never record contents. */
#include "stats_handler.h"

#include "stats_audit.h"

#include <stdlib.h>
#include <string.h>

#include "cchc/v1/stats.pb-c.h"
#include "log.h"
#include "service.h"
#include "stats_check.h"
#include "stats_closing.h"
#include "stats_db.h"
#include "stats_national.h"
#include "stats_national_sync.h"
#include "stats_node.h"
#include "stats_period_status.h"
#include "stats_query.h"
#include "stats_registry.h"
#include "stats_store.h"
#include "stats_users.h"

struct store_job {
	const Cchc__V1__StoreRequest *req;
	Cchc__V1__StoreReply *reply;
	uint64_t stored;
	int done; /* under queue_mu: reply filled by whichever thread ran it */
	store_job *next;
};

int stats_ctx_init(stats_ctx *c, PGconn *const *writers, PGconn *reader)
{
	int p = 0;

	memset(c, 0, sizeof *c);
	if (pthread_mutex_init(&c->reader_mu, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&c->queue_mu, NULL) != 0)
		goto undo_reader;
	for (; p < STORE_PARTS; p++) {
		if (pthread_mutex_init(&c->writer[p].mu, NULL) != 0)
			goto undo_writers;
		c->writer[p].conn = writers[p];
		c->writer[p].queue_head = NULL;
		c->writer[p].queue_tail = &c->writer[p].queue_head;
	}
	c->reader = reader;
	atomic_init(&c->requests, 0);
	atomic_init(&c->records, 0);
	atomic_init(&c->server, NULL);
	return 0;
undo_writers:
	while (p-- > 0)
		pthread_mutex_destroy(&c->writer[p].mu);
	pthread_mutex_destroy(&c->queue_mu);
undo_reader:
	pthread_mutex_destroy(&c->reader_mu);
	return -1;
}

void stats_ctx_destroy(stats_ctx *c)
{
	for (int p = 0; p < STORE_PARTS; p++) {
		PQfinish(c->writer[p].conn);
		pthread_mutex_destroy(&c->writer[p].mu);
	}
	PQfinish(c->reader);
	pthread_mutex_destroy(&c->reader_mu);
	pthread_mutex_destroy(&c->queue_mu);
	memset(c, 0, sizeof *c);
}

/* Raw events in the database, or -1 when it cannot say. */
static int64_t events_stored(stats_ctx *c)
{
	char err[256];
	int64_t n = -1;
	PGresult *r;

	if (db_ensure(c->reader, err, sizeof err) != 0)
		return -1;
	r = db_query(c->reader, "status", "SELECT dossier + feedback FROM event_count WHERE id = 1",
	             0, NULL, err, sizeof err);
	if (r && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* After a registry import on a publishing province: the aggregates rebuilt now (stats_node.h). A
 * failure leaves them to the next store, as without publishing. */
static void refresh_published(PGconn *conn)
{
	char err[512];
	if (node_refresh_aggregates(conn, NULL, err, sizeof err) != 0)
		log_warn("units import: aggregates not rebuilt now (the next store will): %s", err);
	else
		log_info("units import: aggregates rebuilt for the national side");
}

/* Waits for writer p until job (queued there) is done. Whoever gets the writer first takes every
 * job queued by then (up to STATS_MERGE_MAX, in arrival order) and stores them as one
 * transaction; a thread whose job was taken that way finds it done once it gets the writer,
 * since the runner marks its jobs done before letting the writer go. */
static void run_writer(stats_ctx *c, int p, store_job *job)
{
	stats_writer *w = &c->writer[p];
	const Cchc__V1__StoreRequest *reqs[STATS_MERGE_MAX];
	Cchc__V1__StoreReply replies[STATS_MERGE_MAX];
	uint64_t stored[STATS_MERGE_MAX];
	store_job *run[STATS_MERGE_MAX];
	size_t n = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		pthread_mutex_lock(&c->queue_mu);
		if (job->done) {
			pthread_mutex_unlock(&c->queue_mu);
			break;
		}
		/* not done, so still queued (only a writer takes jobs); more than the merge's
		 * worth ahead of it: those first, then round again */
		for (n = 0; w->queue_head && n < STATS_MERGE_MAX; n++) {
			run[n] = w->queue_head;
			w->queue_head = run[n]->next;
			reqs[n] = run[n]->req;
		}
		if (!w->queue_head)
			w->queue_tail = &w->queue_head;
		pthread_mutex_unlock(&c->queue_mu);

		store_batches(w->conn, p, n, reqs, replies, stored);

		pthread_mutex_lock(&c->queue_mu);
		for (size_t k = 0; k < n; k++) {
			*run[k]->reply = replies[k]; /* its parts now belong to that job's reply */
			run[k]->stored = stored[k];
			run[k]->done = 1;
		}
		pthread_mutex_unlock(&c->queue_mu);
	}
	pthread_mutex_unlock(&w->mu);
}

/* One reply for the shares' replies (each cleared): committed with the summed counts and every
 * rejection when all committed, else not committed with the first error. A share that did commit
 * is then told as duplicates when the sender retries: nothing is stored twice. */
static void merge_replies(Cchc__V1__StoreReply *share, const int *used, Cchc__V1__StoreReply *out)
{
	size_t nrej = 0;
	const char *error = NULL;

	cchc__v1__store_reply__init(out);
	for (int p = 0; p < STORE_PARTS; p++)
		if (used[p]) {
			if (!share[p].committed && !error)
				error = share[p].error ? share[p].error : "not stored";
			nrej += share[p].n_rejections;
		}
	out->has_committed = 1;
	if (!error && (out->rejections = malloc((nrej + 1) * sizeof *out->rejections)) == NULL)
		error = "out of memory";
	if (error) {
		out->error = strdup(error);
		for (int p = 0; p < STORE_PARTS; p++)
			if (used[p])
				store_reply_clear(&share[p]);
		return;
	}
	out->committed = 1;
	out->has_accepted = out->has_duplicate = 1;
	for (int p = 0; p < STORE_PARTS; p++) {
		if (!used[p])
			continue;
		out->accepted += share[p].accepted;
		out->duplicate += share[p].duplicate;
		for (size_t i = 0; i < share[p].n_rejections; i++)
			out->rejections[out->n_rejections++] = share[p].rejections[i];
		share[p].n_rejections = 0; /* moved to out */
		store_reply_clear(&share[p]);
	}
}

/* Splits req by part (store_part), queues each share with its part's writer, waits for them and
 * merges their replies into *reply. Every share keeps its records' indices in the batch; the
 * records ingest refused before (batch_records beyond n_items) count with part 0's share. */
static void store_request(stats_ctx *c, Cchc__V1__StoreRequest *req, Cchc__V1__StoreReply *reply,
                          uint64_t *stored)
{
	Cchc__V1__StoreRequest share[STORE_PARTS];
	Cchc__V1__StoreReply share_reply[STORE_PARTS];
	store_job job[STORE_PARTS];
	size_t count[STORE_PARTS] = {0}, at[STORE_PARTS];
	int used[STORE_PARTS] = {0};
	Cchc__V1__StoreItem **items = malloc((req->n_items + 1) * sizeof *items);
	unsigned char *part = malloc(req->n_items + 1);

	*stored = 0;
	if (!items || !part) {
		free(items);
		free(part);
		cchc__v1__store_reply__init(reply);
		reply->has_committed = 1;
		reply->error = strdup("out of memory");
		return;
	}
	for (size_t i = 0; i < req->n_items; i++) {
		Cchc__V1__StoreItem *it = req->items[i];
		if (!it->has_index) { /* the index the rejections name, whatever the share */
			it->has_index = 1;
			it->index = (uint32_t)i;
		}
		part[i] = (unsigned char)store_part(it->record);
		count[part[i]]++;
	}
	for (int p = 0, next = 0; p < STORE_PARTS; next += (int)count[p], p++)
		at[p] = (size_t)next;
	for (size_t i = 0; i < req->n_items; i++)
		items[at[part[i]]++] = req->items[i];
	pthread_mutex_lock(&c->queue_mu);
	for (int p = 0, next = 0; p < STORE_PARTS; next += (int)count[p], p++) {
		if (!count[p] && (p || req->n_items)) /* an empty batch is part 0's */
			continue;
		used[p] = 1;
		share[p] = *req;
		share[p].items = items + next;
		share[p].n_items = count[p];
		share[p].has_batch_records = 1;
		share[p].batch_records =
		    (uint32_t)count[p] +
		    (p == 0 && req->has_batch_records && req->batch_records > req->n_items
		         ? req->batch_records - (uint32_t)req->n_items
		         : 0);
		job[p] = (store_job){.req = &share[p], .reply = &share_reply[p]};
		*c->writer[p].queue_tail = &job[p];
		c->writer[p].queue_tail = &job[p].next;
	}
	pthread_mutex_unlock(&c->queue_mu);
	for (int p = 0; p < STORE_PARTS; p++)
		if (used[p]) {
			run_writer(c, p, &job[p]);
			*stored += job[p].stored;
		}
	merge_replies(share_reply, used, reply);
	free(items);
	free(part);
}

/* On the national stack (docs/design.md §15) nothing is stored, imported, closed or checked
 * event by event: its tables are written by the subscriptions only, and it holds no events. */
static const char national_refusal[] =
    "this is the national stack: it holds each province's figures as replicated, and %s on the "
    "province's own stack";

/* The closing actions the national stack answers: reading what the provinces closed. */
static int closing_readonly(const Cchc__V1__ClosingRequest *r)
{
	return r->action && (!strcmp(r->action, "list") || !strcmp(r->action, "get"));
}

static char *refusal(const char *what)
{
	char msg[300];
	snprintf(msg, sizeof msg, national_refusal, what);
	return strdup(msg);
}

int stats_handle(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen)
{
	stats_ctx *c = arg;
	Cchc__V1__StatsRequest *rq = cchc__v1__stats_request__unpack(NULL, reqlen, req);
	Cchc__V1__StatsReply out = CCHC__V1__STATS_REPLY__INIT;
	Cchc__V1__StoreReply store = CCHC__V1__STORE_REPLY__INIT;
	Cchc__V1__QueryReply query = CCHC__V1__QUERY_REPLY__INIT;
	Cchc__V1__StatusReply status = CCHC__V1__STATUS_REPLY__INIT;
	Cchc__V1__CheckReply check = CCHC__V1__CHECK_REPLY__INIT;
	Cchc__V1__UnitsReply unitsr = CCHC__V1__UNITS_REPLY__INIT;
	Cchc__V1__AuditReply audit = CCHC__V1__AUDIT_REPLY__INIT;
	Cchc__V1__ClosingReply closing = CCHC__V1__CLOSING_REPLY__INIT;
	Cchc__V1__PeriodStatusReply pstatus = CCHC__V1__PERIOD_STATUS_REPLY__INIT;
	Cchc__V1__UserReply user = CCHC__V1__USER_REPLY__INIT;
	char mode[32] = "";
	uint64_t stored = 0;
	int rc;

	if (!rq)
		return -1;
	switch (rq->body_case) {
	case CCHC__V1__STATS_REQUEST__BODY_STORE: {
		if (!rq->store) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		if (c->national) {
			store.has_committed = 1;
			store.error = refusal("records are stored");
			log_warn("store refused: this is the national stack");
			out.body_case = CCHC__V1__STATS_REPLY__BODY_STORE;
			out.store = &store;
			break;
		}
		store_request(c, rq->store, &store, &stored);
		atomic_fetch_add(&c->records, stored);
		log_info(
		    "store: %zu records, committed %d, accepted %u, duplicate %u, rejected %zu",
		    rq->store->n_items, (int)store.committed, store.accepted, store.duplicate,
		    store.n_rejections);
		out.body_case = CCHC__V1__STATS_REPLY__BODY_STORE;
		out.store = &store;
		break;
	}
	case CCHC__V1__STATS_REQUEST__BODY_QUERY:
		if (!rq->query) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		pthread_mutex_lock(&c->reader_mu);
		rc = query_figures(c->reader, rq->query, &query);
		pthread_mutex_unlock(&c->reader_mu);
		if (rc != 0 && query.error) {
			/* the step only ("query: dossier figures"), not the server's text */
			const char *e = query.error;
			size_t skip = strncmp(e, "query: ", 7) == 0 ? 7 : 0;
			log_warn("query: not answered: %.*s", (int)strcspn(e + skip, ":"),
			         e + skip);
		}
		out.body_case = CCHC__V1__STATS_REPLY__BODY_QUERY;
		out.query = &query;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_CHECK:
		if (!rq->check) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		pthread_mutex_lock(&c->reader_mu);
		if (!c->national) {
			rc = check_run(c->reader, rq->check, &check);
		} else if (!rq->check->scope || !*rq->check->scope ||
		           !strcmp(rq->check->scope, NATIONAL_SCOPE)) {
			rc = national_check(c->reader, rq->check, c->national_max_age_s, &check);
		} else {
			check.has_ok = 1;
			check.error = refusal("a province's data is checked");
			rc = -1;
		}
		pthread_mutex_unlock(&c->reader_mu);
		if (rc != 0)
			log_warn("check: not answered: %.*s", (int)strcspn(check.error, ":"),
			         check.error);
		else
			log_info("check: %zu findings", check.n_items);
		out.body_case = CCHC__V1__STATS_REPLY__BODY_CHECK;
		out.check = &check;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_UNITS:
		if (!rq->units) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		if (rq->units->has_import_csv && c->national) {
			unitsr.has_ok = 1;
			unitsr.error = refusal("a province's registry is imported");
			log_warn("units import refused: this is the national stack");
		} else if (rq->units->has_import_csv) {
			pthread_mutex_lock(&c->writer[0].mu);
			rc = registry_import(c->writer[0].conn, rq->units, &unitsr);
			/* a publishing province rebuilds at once: the national side has no state
			 * rows to fall back on while the aggregates are stale */
			if (rc == 0 && unitsr.changed && c->publish)
				refresh_published(c->writer[0].conn);
			pthread_mutex_unlock(&c->writer[0].mu);
			if (rc == 0)
				log_info("units import: %u units, %s", unitsr.imported,
				         unitsr.changed ? "registry updated" : "unchanged");
			else
				log_warn("units import refused: %s", unitsr.error);
		} else {
			pthread_mutex_lock(&c->reader_mu);
			registry_list(c->reader, rq->units, &unitsr);
			pthread_mutex_unlock(&c->reader_mu);
		}
		out.body_case = CCHC__V1__STATS_REPLY__BODY_UNITS;
		out.units = &unitsr;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_AUDIT:
		pthread_mutex_lock(&c->reader_mu);
		rc = audit_verify(c->reader, &audit);
		pthread_mutex_unlock(&c->reader_mu);
		log_info("audit verify: %llu entries, %s", (unsigned long long)audit.entries,
		         rc             ? "not answered"
		         : audit.intact ? "intact"
		                        : "BROKEN");
		out.body_case = CCHC__V1__STATS_REPLY__BODY_AUDIT;
		out.audit = &audit;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_CLOSING:
		if (!rq->closing) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		/* on the reader's connection: a prepare waits for the writers' transactions, which
		 * must not wait for it in turn on their own connections' mutexes */
		if (c->national && !closing_readonly(rq->closing)) {
			closing.has_ok = 1;
			closing.error = refusal("a period is closed, reopened or compared");
			rc = -1;
		} else {
			pthread_mutex_lock(&c->reader_mu);
			rc = closing_run(c->reader, rq->closing, &closing);
			pthread_mutex_unlock(&c->reader_mu);
		}
		if (rc != 0)
			log_warn("closing %s: refused: %s",
			         rq->closing->action ? rq->closing->action : "",
			         closing.error ? closing.error : "");
		else
			log_info("closing %s: %zu versions", rq->closing->action,
			         closing.n_closings);
		out.body_case = CCHC__V1__STATS_REPLY__BODY_CLOSING;
		out.closing = &closing;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_USER: {
		if (!rq->user) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		/* on the reader's connection, as closings: an account change is a short
		 * transaction that must not queue behind the store batches of the writers */
		const char *action = rq->user->action ? rq->user->action : "";
		pthread_mutex_lock(&c->reader_mu);
		rc = users_run(c->reader, rq->user, &user);
		pthread_mutex_unlock(&c->reader_mu);
		/* names, never hashes; stats' own messages show no control character */
		if (rc != 0)
			log_warn("user: not done: %s", user.error ? user.error : "out of memory");
		else if (!strcmp(action, "list") || !strcmp(action, "lookup"))
			log_info("user %s: %zu accounts", action, user.n_users);
		else if (strcmp(action, "audit"))
			log_info("user %s %s by %s%s", action, rq->user->name, rq->user->by,
			         user.changed ? "" : " (unchanged)");
		out.body_case = CCHC__V1__STATS_REPLY__BODY_USER;
		out.user = &user;
		break;
	}
	case CCHC__V1__STATS_REQUEST__BODY_PERIOD_STATUS:
		if (!rq->period_status) {
			cchc__v1__stats_request__free_unpacked(rq, NULL);
			return -1;
		}
		if (c->national) {
			pstatus.has_ok = 1;
			pstatus.error = refusal("who has sent data for a period is seen");
			rc = -1;
		} else {
			pthread_mutex_lock(&c->reader_mu);
			rc = period_status_run(c->reader, rq->period_status, &pstatus);
			pthread_mutex_unlock(&c->reader_mu);
		}
		if (rc != 0) {
			/* the step only ("offices"), not the server's text */
			const char *e = pstatus.error ? pstatus.error : "out of memory";
			size_t skip = strncmp(e, "period status: ", 15) == 0 ? 15 : 0;
			log_warn("period status: not answered: %.*s", (int)strcspn(e + skip, ":"),
			         e + skip);
		} else
			log_info("period status: %zu offices", pstatus.n_offices);
		out.body_case = CCHC__V1__STATS_REPLY__BODY_PERIOD_STATUS;
		out.period_status = &pstatus;
		break;
	case CCHC__V1__STATS_REQUEST__BODY_STATUS: {
		int64_t n;
		char err[512];
		pthread_mutex_lock(&c->reader_mu);
		n = events_stored(c);
		if (c->national && national_status(c->reader, c->sync, &status, err, sizeof err))
			log_warn("status: subscriptions not read: %s", err);
		pthread_mutex_unlock(&c->reader_mu);
		if (c->national)
			snprintf(mode, sizeof mode, "national");
		else
			snprintf(mode, sizeof mode, "province %s%s", c->province,
			         c->publish ? ", publishing" : "");
		status.mode = mode;
		status.service = "cchc-stats";
		status.version = CCHC_VERSION;
		status.has_uptime_seconds = 1;
		status.uptime_seconds = service_uptime_seconds();
		status.has_requests = 1;
		status.requests = atomic_load(&c->requests);
		status.has_records = 1;
		status.records = atomic_load(&c->records);
		if (n >= 0) {
			status.has_events_stored = 1;
			status.events_stored = (uint64_t)n;
		}
		status.has_busy_workers = 1;
		wire_server *srv = atomic_load(&c->server);
		status.busy_workers = srv ? wire_server_busy_others(srv) : 0;
		out.body_case = CCHC__V1__STATS_REPLY__BODY_STATUS;
		out.status = &status;
		break;
	}
	default:
		cchc__v1__stats_request__free_unpacked(rq, NULL);
		return -1;
	}
	rc = wire_pack(&out.base, reply, replylen);
	status.mode = NULL; /* on the stack */
	national_status_clear(&status);
	store_reply_clear(&store);
	query_reply_clear(&query);
	check_reply_clear(&check);
	registry_reply_clear(&unitsr);
	audit_reply_clear(&audit);
	closing_reply_clear(&closing);
	period_status_reply_clear(&pstatus);
	users_reply_clear(&user);
	cchc__v1__stats_request__free_unpacked(rq, NULL);
	if (rc != 0)
		return -1;
	atomic_fetch_add(&c->requests, 1);
	return 0;
}

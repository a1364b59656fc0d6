/* handler: decodes a StatsRequest, runs store / query / check / units / status on the right
 * connection (writes on the writer, reads on the reader), packs the StatsReply. Logs codes and
 * counts only, never record contents. */
#include "stats_handler.h"

#include "stats_audit.h"

#include <stdlib.h>
#include <string.h>

#include "cchc/v1/stats.pb-c.h"
#include "log.h"
#include "service.h"
#include "stats_check.h"
#include "stats_db.h"
#include "stats_query.h"
#include "stats_registry.h"
#include "stats_store.h"

struct store_job {
	const Cchc__V1__StoreRequest *req;
	Cchc__V1__StoreReply *reply;
	uint64_t stored;
	int done; /* under queue_mu: reply filled by whichever thread ran it */
	store_job *next;
};

int stats_ctx_init(stats_ctx *c, PGconn *writer, PGconn *reader)
{
	memset(c, 0, sizeof *c);
	if (pthread_mutex_init(&c->writer_mu, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&c->reader_mu, NULL) != 0) {
		pthread_mutex_destroy(&c->writer_mu);
		return -1;
	}
	if (pthread_mutex_init(&c->queue_mu, NULL) != 0) {
		pthread_mutex_destroy(&c->writer_mu);
		pthread_mutex_destroy(&c->reader_mu);
		return -1;
	}
	c->queue_head = NULL;
	c->queue_tail = &c->queue_head;
	c->writer = writer;
	c->reader = reader;
	atomic_init(&c->requests, 0);
	atomic_init(&c->records, 0);
	atomic_init(&c->server, NULL);
	return 0;
}

void stats_ctx_destroy(stats_ctx *c)
{
	PQfinish(c->writer);
	PQfinish(c->reader);
	pthread_mutex_destroy(&c->writer_mu);
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

/* Queues job, then waits for the writer. Whoever gets the writer first takes every job queued by
 * then (up to STATS_MERGE_MAX, in arrival order) and stores them as one transaction; a thread whose
 * job was taken that way finds it done once it gets the writer, since the runner marks its jobs
 * done before letting the writer go. Each reply is sent only after its COMMIT. */
static void store_queued(stats_ctx *c, store_job *job)
{
	const Cchc__V1__StoreRequest *reqs[STATS_MERGE_MAX];
	Cchc__V1__StoreReply replies[STATS_MERGE_MAX];
	uint64_t stored[STATS_MERGE_MAX];
	store_job *run[STATS_MERGE_MAX];
	size_t n = 0;

	pthread_mutex_lock(&c->queue_mu);
	*c->queue_tail = job;
	c->queue_tail = &job->next;
	pthread_mutex_unlock(&c->queue_mu);

	pthread_mutex_lock(&c->writer_mu);
	for (;;) {
		pthread_mutex_lock(&c->queue_mu);
		if (job->done) {
			pthread_mutex_unlock(&c->queue_mu);
			break;
		}
		/* not done, so still queued (only a writer takes jobs); more than the merge's
		 * worth ahead of it: those first, then round again */
		for (n = 0; c->queue_head && n < STATS_MERGE_MAX; n++) {
			run[n] = c->queue_head;
			c->queue_head = run[n]->next;
			reqs[n] = run[n]->req;
		}
		if (!c->queue_head)
			c->queue_tail = &c->queue_head;
		pthread_mutex_unlock(&c->queue_mu);

		store_batches(c->writer, n, reqs, replies, stored);

		pthread_mutex_lock(&c->queue_mu);
		for (size_t k = 0; k < n; k++) {
			*run[k]->reply = replies[k]; /* its parts now belong to that job's reply */
			run[k]->stored = stored[k];
			run[k]->done = 1;
		}
		pthread_mutex_unlock(&c->queue_mu);
	}
	pthread_mutex_unlock(&c->writer_mu);
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
		store_job job = {.req = rq->store, .reply = &store};
		store_queued(c, &job);
		stored = job.stored;
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
		rc = check_run(c->reader, rq->check, &check);
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
		if (rq->units->has_import_csv) {
			pthread_mutex_lock(&c->writer_mu);
			rc = registry_import(c->writer, rq->units, &unitsr);
			pthread_mutex_unlock(&c->writer_mu);
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
	case CCHC__V1__STATS_REQUEST__BODY_STATUS: {
		int64_t n;
		pthread_mutex_lock(&c->reader_mu);
		n = events_stored(c);
		pthread_mutex_unlock(&c->reader_mu);
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
	store_reply_clear(&store);
	query_reply_clear(&query);
	check_reply_clear(&check);
	registry_reply_clear(&unitsr);
	audit_reply_clear(&audit);
	cchc__v1__stats_request__free_unpacked(rq, NULL);
	if (rc != 0)
		return -1;
	atomic_fetch_add(&c->requests, 1);
	return 0;
}

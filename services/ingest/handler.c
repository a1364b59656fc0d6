/* handler: the ingest request path. The signature is checked on the exact bytes received before
 * anything is parsed from them, and nothing is acknowledged until stats says it committed. */
#include "handler.h"

#include "cchc/v1/ingest.pb-c.h"
#include "cchc/v1/stats.pb-c.h"
#include "log.h"
#include "service.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ingest_ctx_init(ingest_ctx *c, const conf *cf, const units *u, auth_sources *sources,
                    wire_client *stats)
{
	memset(c, 0, sizeof *c);
	c->conf = cf;
	c->units = u;
	c->sources = sources;
	c->stats = stats;
	c->now_ms = service_clock_ms;
	return pthread_rwlock_init(&c->sources_lock, NULL) ? -1 : 0;
}

void ingest_ctx_destroy(ingest_ctx *c)
{
	pthread_rwlock_destroy(&c->sources_lock);
	auth_sources_free(c->sources);
	c->sources = NULL;
}

void ingest_replace_sources(ingest_ctx *c, auth_sources *sources)
{
	pthread_rwlock_wrlock(&c->sources_lock);
	auth_sources *old = c->sources;
	c->sources = sources;
	pthread_rwlock_unlock(&c->sources_lock);
	auth_sources_free(old);
}

/* Per-request results, freed in one place (submit_reply_free). */
typedef struct submit_result {
	Cchc__V1__SubmitReply reply;
	Cchc__V1__Rejection *rejections; /* array, reply.rejections points into it */
	Cchc__V1__Rejection **rejection_ptrs;
	char *text; /* codes and messages, one block */
	size_t ntext, captext;
} submit_result;

static const char *keep_text(submit_result *r, const char *s)
{
	size_t len = strlen(s) + 1;
	if (r->ntext + len > r->captext)
		return "";
	char *dst = r->text + r->ntext;
	memcpy(dst, s, len);
	r->ntext += len;
	return dst;
}

static void add_rejection(submit_result *r, uint32_t index, const char *code, const char *msg)
{
	Cchc__V1__Rejection *j = &r->rejections[r->reply.n_rejections];
	cchc__v1__rejection__init(j);
	j->has_index = 1;
	j->index = index;
	j->code = (char *)keep_text(r, code);
	j->message = (char *)keep_text(r, msg);
	r->rejection_ptrs[r->reply.n_rejections++] = j;
}

static int refuse(submit_result *r, Cchc__V1__SubmitStatus status, const char *why)
{
	r->reply.has_status = 1;
	r->reply.status = status;
	r->reply.error = (char *)keep_text(r, why);
	return 0;
}

static int by_index(const void *a, const void *b)
{
	const Cchc__V1__Rejection *x = *(Cchc__V1__Rejection *const *)a;
	const Cchc__V1__Rejection *y = *(Cchc__V1__Rejection *const *)b;
	return (x->index > y->index) - (x->index < y->index);
}

/* Sends the valid records to stats and folds its verdict into r. */
static int store_valid(ingest_ctx *c, const char *source, const Cchc__V1__SubmitRequest *sub,
                       const Cchc__V1__Batch *batch, Cchc__V1__StoreItem **items, size_t n,
                       submit_result *r)
{
	Cchc__V1__StoreRequest store = CCHC__V1__STORE_REQUEST__INIT;
	Cchc__V1__StatsRequest req = CCHC__V1__STATS_REQUEST__INIT;
	uint8_t sha[AUTH_SHA256_BYTES];
	auth_sha256(sub->batch.data, sub->batch.len, sha); /* the audit log's fingerprint */
	store.source = (char *)source;
	store.has_batch_sha256 = store.has_sent_at_ms = store.has_batch_records = 1;
	store.batch_sha256.data = sha;
	store.batch_sha256.len = sizeof sha;
	store.sent_at_ms = batch->sent_at_ms;
	store.batch_records = (uint32_t)batch->n_records;
	store.items = items;
	store.n_items = n;
	req.body_case = CCHC__V1__STATS_REQUEST__BODY_STORE;
	req.store = &store;
	uint8_t *out = NULL, *in = NULL;
	size_t outlen, inlen;
	char err[512];
	if (wire_pack(&req.base, &out, &outlen))
		return refuse(r, CCHC__V1__SUBMIT_STATUS__UNAVAILABLE, "out of memory");
	int rv = wire_call(c->stats, out, outlen, &in, &inlen, err, sizeof err);
	free(out);
	if (rv) {
		log_warn("stats did not answer a store of %zu records from %s: %s", n, source, err);
		return refuse(r, CCHC__V1__SUBMIT_STATUS__UNAVAILABLE,
		              "the statistics service did not confirm the batch; nothing was "
		              "acknowledged, send it again");
	}
	Cchc__V1__StatsReply *rep = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	if (!rep || rep->body_case != CCHC__V1__STATS_REPLY__BODY_STORE || !rep->store->committed) {
		log_warn("stats did not commit %zu records from %s: %s", n, source,
		         rep && rep->body_case == CCHC__V1__STATS_REPLY__BODY_STORE &&
		                 rep->store->error
		             ? rep->store->error
		             : "bad reply");
		if (rep)
			cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return refuse(r, CCHC__V1__SUBMIT_STATUS__UNAVAILABLE,
		              "the statistics service could not store the batch; nothing was "
		              "acknowledged, send it again");
	}
	Cchc__V1__StoreReply *s = rep->store;
	r->reply.has_accepted = r->reply.has_duplicate = 1;
	r->reply.accepted = s->accepted;
	r->reply.duplicate = s->duplicate;
	for (size_t i = 0; i < s->n_rejections; i++)
		add_rejection(r, s->rejections[i]->index,
		              s->rejections[i]->code ? s->rejections[i]->code : "conflict",
		              s->rejections[i]->message ? s->rejections[i]->message : "");
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	atomic_fetch_add(&c->records, r->reply.accepted);
	return 0;
}

/* Drops fields this version of the contract does not know (docs/design.md §9, privacy): whatever a
 * client sends beyond the contract never travels on to stats or into the database. */
static void strip_unknown(ProtobufCMessage *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		free(m->unknown_fields[i].data);
	free(m->unknown_fields);
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
}

static void strip_record(Cchc__V1__Record *r)
{
	strip_unknown(&r->base);
	if (r->event_case == CCHC__V1__RECORD__EVENT_DOSSIER && r->dossier)
		strip_unknown(&r->dossier->base);
	else if (r->event_case == CCHC__V1__RECORD__EVENT_FEEDBACK && r->feedback)
		strip_unknown(&r->feedback->base);
}

static int check_and_store(ingest_ctx *c, const Cchc__V1__SubmitRequest *sub, submit_result *r)
{
	const auth_source *src = sub->source ? auth_sources_find(c->sources, sub->source) : NULL;
	if (!src)
		return refuse(r, CCHC__V1__SUBMIT_STATUS__UNKNOWN_SOURCE,
		              "unknown source: not in the server's sources file");
	if (!sub->has_batch || !sub->has_signature ||
	    auth_verify(sub->batch.data, sub->batch.len, sub->signature.data, sub->signature.len,
	                src->public_key)) {
		log_warn("source %s: batch signature does not verify", src->name);
		return refuse(r, CCHC__V1__SUBMIT_STATUS__BAD_SIGNATURE,
		              "the batch signature does not verify with the source's public key "
		              "(wrong key file?)");
	}
	Cchc__V1__Batch *batch = cchc__v1__batch__unpack(NULL, sub->batch.len, sub->batch.data);
	if (!batch)
		return refuse(r, CCHC__V1__SUBMIT_STATUS__BAD_REQUEST, "the batch does not decode");
	int64_t skew = batch->sent_at_ms - c->now_ms();
	int64_t window = (int64_t)c->conf->clock_window_seconds * 1000;
	int rc = 0;
	if (!batch->has_sent_at_ms || skew > window || skew < -window) {
		rc = refuse(r, CCHC__V1__SUBMIT_STATUS__STALE,
		            "the batch's sending time is outside the server's clock window; check "
		            "the client's clock and send it again");
		goto out;
	}
	if (batch->n_records > c->conf->max_batch_records) {
		char why[128];
		snprintf(why, sizeof why, "the batch has %zu records; at most %u are accepted",
		         batch->n_records, c->conf->max_batch_records);
		rc = refuse(r, CCHC__V1__SUBMIT_STATUS__TOO_LARGE, why);
		goto out;
	}
	size_t n = batch->n_records;
	r->rejections = calloc(n ? n : 1, sizeof *r->rejections);
	r->rejection_ptrs = calloc(n ? n : 1, sizeof *r->rejection_ptrs);
	r->captext = n * 600 + 1024;
	char *text = realloc(r->text, r->captext);
	if (text)
		r->text = text;
	Cchc__V1__StoreItem *items = calloc(n ? n : 1, sizeof *items);
	Cchc__V1__StoreItem **item_ptrs = calloc(n ? n : 1, sizeof *item_ptrs);
	if (!r->rejections || !r->rejection_ptrs || !text || !items || !item_ptrs) {
		free(items);
		free(item_ptrs);
		rc = refuse(r, CCHC__V1__SUBMIT_STATUS__UNAVAILABLE, "out of memory");
		goto out;
	}
	r->reply.rejections = r->rejection_ptrs;
	size_t nvalid = 0;
	for (size_t i = 0; i < n; i++) {
		char code[VALIDATE_CODE_MAX], msg[512];
		if (validate_record(batch->records[i], c->units, src, code, msg, sizeof msg)) {
			add_rejection(r, (uint32_t)i, code, msg);
			continue;
		}
		strip_record(batch->records[i]);
		cchc__v1__store_item__init(&items[nvalid]);
		items[nvalid].has_index = 1;
		items[nvalid].index = (uint32_t)i;
		items[nvalid].record = batch->records[i];
		item_ptrs[nvalid] = &items[nvalid];
		nvalid++;
	}
	r->reply.has_status = r->reply.has_accepted = r->reply.has_duplicate = 1;
	r->reply.status = CCHC__V1__SUBMIT_STATUS__OK;
	if (nvalid)
		rc = store_valid(c, src->name, sub, batch, item_ptrs, nvalid, r);
	free(items);
	free(item_ptrs);
	if (r->reply.status == CCHC__V1__SUBMIT_STATUS__OK) {
		qsort(r->rejection_ptrs, r->reply.n_rejections, sizeof *r->rejection_ptrs,
		      by_index);
		log_info("source %s: %zu records, accepted %u, duplicate %u, rejected %zu",
		         src->name, n, r->reply.accepted, r->reply.duplicate,
		         r->reply.n_rejections);
	} else {
		r->reply.n_rejections =
		    0; /* refused as a whole: per-record verdicts would mislead */
	}
out:
	cchc__v1__batch__free_unpacked(batch, NULL);
	return rc;
}

static int status_reply(ingest_ctx *c, Cchc__V1__StatusReply *st)
{
	st->service = "cchc-ingest";
	st->version = CCHC_VERSION;
	st->has_uptime_seconds = st->has_requests = st->has_records = st->has_busy_workers = 1;
	st->uptime_seconds = service_uptime_seconds();
	st->requests = atomic_load(&c->requests);
	st->records = atomic_load(&c->records);
	st->busy_workers = c->server ? wire_server_busy_others(c->server) : 0;
	return 0;
}

int ingest_handle(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen)
{
	ingest_ctx *c = arg;
	atomic_fetch_add(&c->requests, 1);
	Cchc__V1__IngestReply out = CCHC__V1__INGEST_REPLY__INIT;
	Cchc__V1__StatusReply st = CCHC__V1__STATUS_REPLY__INIT;
	submit_result r = {.reply = CCHC__V1__SUBMIT_REPLY__INIT};
	r.captext = 1024;
	r.text = malloc(r.captext);
	if (!r.text)
		return -1;

	Cchc__V1__IngestRequest *in = cchc__v1__ingest_request__unpack(NULL, reqlen, req);
	if (in && in->body_case == CCHC__V1__INGEST_REQUEST__BODY_STATUS) {
		status_reply(c, &st);
		out.body_case = CCHC__V1__INGEST_REPLY__BODY_STATUS;
		out.status = &st;
	} else {
		if (!in || in->body_case != CCHC__V1__INGEST_REQUEST__BODY_SUBMIT) {
			refuse(&r, CCHC__V1__SUBMIT_STATUS__BAD_REQUEST,
			       "the request is not a cchc.v1.IngestRequest");
		} else {
			pthread_rwlock_rdlock(&c->sources_lock);
			check_and_store(c, in->submit, &r);
			pthread_rwlock_unlock(&c->sources_lock);
		}
		out.body_case = CCHC__V1__INGEST_REPLY__BODY_SUBMIT;
		out.submit = &r.reply;
	}
	int rc = wire_pack(&out.base, reply, replylen);
	if (in)
		cchc__v1__ingest_request__free_unpacked(in, NULL);
	free(r.rejections);
	free(r.rejection_ptrs);
	free(r.text);
	return rc;
}

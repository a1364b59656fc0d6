/* Unit tests of ingest's request path (services/ingest/handler.c) without the other services:
 * batch-level refusals (unknown source, bad signature, stale, too large), per-record rejections
 * merged with stats' verdict in index order, and what is forwarded to stats (only valid records,
 * unknown protobuf fields dropped, the audit fingerprint). Stats' side is played by a REP socket
 * in this process that records the StoreRequest it receives and answers as stats would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth.h"
#include "cchc/v1/ingest.pb-c.h"
#include "cchc/v1/stats.pb-c.h"
#include "conf.h"
#include "handler.h"
#include "service.h"
#include "units.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static units *reg;
static conf cf;
static uint8_t pk[AUTH_PUBLIC_KEY_BYTES], sk[AUTH_SECRET_KEY_BYTES];
static ingest_ctx ctx;
static wire_server *fake_stats;
static wire_client *to_stats;
static Cchc__V1__StoreRequest *forwarded; /* the last StoreRequest stats received */
static const int64_t NOW = 1704417300000LL;

static int64_t fixed_now(void)
{
	return NOW;
}

/* Stats' side: keeps the request, accepts every item but reports the one with event_id
 * "conflicting" as a conflict. */
static int stats_side(void *arg, const uint8_t *req, size_t len, uint8_t **reply, size_t *rlen)
{
	(void)arg;
	Cchc__V1__StatsRequest *rq = cchc__v1__stats_request__unpack(NULL, len, req);
	if (!rq || rq->body_case != CCHC__V1__STATS_REQUEST__BODY_STORE)
		return -1;
	if (forwarded)
		cchc__v1__store_request__free_unpacked(forwarded, NULL);
	forwarded = rq->store;
	rq->store = NULL;
	rq->body_case = CCHC__V1__STATS_REQUEST__BODY__NOT_SET;
	cchc__v1__stats_request__free_unpacked(rq, NULL);

	Cchc__V1__StoreReply st = CCHC__V1__STORE_REPLY__INIT;
	Cchc__V1__Rejection rj = CCHC__V1__REJECTION__INIT, *rjs[1] = {&rj};
	st.has_committed = st.committed = 1;
	st.has_accepted = 1;
	st.accepted = (uint32_t)forwarded->n_items;
	for (size_t i = 0; i < forwarded->n_items; i++) {
		Cchc__V1__Record *r = forwarded->items[i]->record;
		if (r->dossier && !strcmp(r->dossier->event_id, "conflicting")) {
			rj.has_index = 1;
			rj.index = forwarded->items[i]->index;
			rj.code = "conflict";
			rj.message = "event_id conflicting was already stored with other content";
			st.rejections = rjs;
			st.n_rejections = 1;
			st.accepted--;
		}
	}
	Cchc__V1__StatsReply out = CCHC__V1__STATS_REPLY__INIT;
	out.body_case = CCHC__V1__STATS_REPLY__BODY_STORE;
	out.store = &st;
	return wire_pack(&out.base, reply, rlen);
}

static int setup(void **state)
{
	(void)state;
	char err[512], hex[2 * AUTH_PUBLIC_KEY_BYTES + 1], path[] = "/tmp/cchc-src-XXXXXX";
	service_set_timezone("Asia/Ho_Chi_Minh");
	if (auth_init() || auth_keypair(pk, sk) || conf_load("/dev/null", &cf, err, sizeof err) ||
	    units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err))
		return -1;
	cf.max_batch_records = 5;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	auth_hex_encode(pk, sizeof pk, hex);
	fprintf(f, "office %s 474\n", hex);
	fclose(f);
	auth_sources *sources;
	if (auth_sources_load(path, &sources, err, sizeof err))
		return -1;
	remove(path);
	if (wire_server_start("inproc://cchc-test-stats", 1 << 20, 1, stats_side, NULL, &fake_stats,
	                      err, sizeof err) ||
	    wire_client_open("inproc://cchc-test-stats", 1 << 20, 5000, &to_stats, err,
	                     sizeof err) ||
	    ingest_ctx_init(&ctx, &cf, reg, sources, to_stats))
		return -1;
	ctx.now_ms = fixed_now;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ingest_ctx_destroy(&ctx);
	wire_client_close(to_stats);
	wire_server_stop(fake_stats);
	if (forwarded)
		cchc__v1__store_request__free_unpacked(forwarded, NULL);
	units_free(reg);
	return 0;
}

static Cchc__V1__DossierEvent events[8];
static Cchc__V1__Record records[8], *record_ptrs[8];

static void dossier(size_t i, const char *event_id, const char *office)
{
	cchc__v1__record__init(&records[i]);
	cchc__v1__dossier_event__init(&events[i]);
	records[i].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
	records[i].dossier = &events[i];
	events[i].event_id = (char *)event_id;
	events[i].office = (char *)office;
	events[i].dossier = "D-1";
	events[i].procedure = "1.001234";
	events[i].field = "hotich";
	events[i].has_kind = events[i].has_channel = 1;
	events[i].kind = CCHC__V1__DOSSIER_KIND__RECEIVED;
	events[i].channel = CCHC__V1__CHANNEL__DIRECT;
	events[i].at = "2024-01-05T08:15:00+07:00";
	events[i].due = "2024-01-12T17:00:00+07:00";
	record_ptrs[i] = &records[i];
}

/* Packs a batch of the first n records sent at sent_at, signed with key (or garbage), asks
 * ingest, and returns its SubmitReply (free with free_reply). */
static Cchc__V1__IngestReply *submit(size_t n, int64_t sent_at, const char *source, int good_sig)
{
	Cchc__V1__Batch b = CCHC__V1__BATCH__INIT;
	b.has_sent_at_ms = 1;
	b.sent_at_ms = sent_at;
	b.records = record_ptrs;
	b.n_records = n;
	uint8_t *bytes, sig[AUTH_SIGNATURE_BYTES], *req, *reply;
	size_t len, reqlen, replylen;
	assert_int_equal(wire_pack(&b.base, &bytes, &len), 0);
	auth_sign(bytes, len, sk, sig);
	if (!good_sig)
		sig[0] ^= 0xff;
	Cchc__V1__SubmitRequest s = CCHC__V1__SUBMIT_REQUEST__INIT;
	s.source = (char *)source;
	s.has_batch = s.has_signature = 1;
	s.batch.data = bytes;
	s.batch.len = len;
	s.signature.data = sig;
	s.signature.len = sizeof sig;
	Cchc__V1__IngestRequest r = CCHC__V1__INGEST_REQUEST__INIT;
	r.body_case = CCHC__V1__INGEST_REQUEST__BODY_SUBMIT;
	r.submit = &s;
	assert_int_equal(wire_pack(&r.base, &req, &reqlen), 0);
	assert_int_equal(ingest_handle(&ctx, req, reqlen, &reply, &replylen), 0);
	Cchc__V1__IngestReply *out = cchc__v1__ingest_reply__unpack(NULL, replylen, reply);
	assert_non_null(out);
	assert_int_equal(out->body_case, CCHC__V1__INGEST_REPLY__BODY_SUBMIT);
	free(bytes);
	free(req);
	free(reply);
	return out;
}

static void test_batch_refusals(void **state)
{
	(void)state;
	dossier(0, "ok-1", "19753");
	struct {
		int64_t sent_at;
		const char *source;
		int good_sig;
		size_t n;
		Cchc__V1__SubmitStatus want;
	} cases[] = {
	    {NOW, "nobody", 1, 1, CCHC__V1__SUBMIT_STATUS__UNKNOWN_SOURCE},
	    {NOW, "office", 0, 1, CCHC__V1__SUBMIT_STATUS__BAD_SIGNATURE},
	    {NOW - 601000, "office", 1, 1, CCHC__V1__SUBMIT_STATUS__STALE},
	    {NOW + 601000, "office", 1, 1, CCHC__V1__SUBMIT_STATUS__STALE},
	    {NOW, "office", 1, 6, CCHC__V1__SUBMIT_STATUS__TOO_LARGE},
	};
	for (size_t i = 1; i < 6; i++)
		dossier(i, "ok-n", "19753");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (forwarded) {
			cchc__v1__store_request__free_unpacked(forwarded, NULL);
			forwarded = NULL;
		}
		Cchc__V1__IngestReply *rep =
		    submit(cases[i].n, cases[i].sent_at, cases[i].source, cases[i].good_sig);
		assert_int_equal(rep->submit->status, cases[i].want);
		assert_non_null(rep->submit->error);
		assert_int_equal(rep->submit->n_rejections, 0);
		assert_null(forwarded); /* nothing went to stats */
		cchc__v1__ingest_reply__free_unpacked(rep, NULL);
	}
	/* inside the window is fine */
	Cchc__V1__IngestReply *rep = submit(1, NOW - 599000, "office", 1);
	assert_int_equal(rep->submit->status, CCHC__V1__SUBMIT_STATUS__OK);
	cchc__v1__ingest_reply__free_unpacked(rep, NULL);
}

static void test_records_merged_and_forwarded(void **state)
{
	(void)state;
	dossier(0, "ok-1", "19753");      /* valid */
	dossier(1, "outside", "478");     /* not_authorized: grant is 474 */
	dossier(2, "conflicting", "474"); /* valid here, conflict at stats */
	dossier(3, "bad-time", "19753");
	events[3].at = "yesterday"; /* bad_time */
	dossier(4, "ok-2", "474");  /* valid */
	Cchc__V1__IngestReply *rep = submit(5, NOW, "office", 1);
	Cchc__V1__SubmitReply *s = rep->submit;
	assert_int_equal(s->status, CCHC__V1__SUBMIT_STATUS__OK);
	assert_int_equal(s->accepted, 2);
	assert_int_equal(s->duplicate, 0);
	assert_int_equal(s->n_rejections, 3);
	const char *want[] = {"not_authorized", "conflict", "bad_time"};
	const uint32_t idx[] = {1, 2, 3};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(s->rejections[i]->index, idx[i]);
		assert_string_equal(s->rejections[i]->code, want[i]);
	}
	assert_non_null(forwarded);
	assert_int_equal(forwarded->n_items, 3); /* only the valid ones travel */
	assert_int_equal(forwarded->items[0]->index, 0);
	assert_int_equal(forwarded->items[1]->index, 2);
	assert_int_equal(forwarded->items[2]->index, 4);
	assert_int_equal(forwarded->batch_records, 5);
	assert_int_equal(forwarded->sent_at_ms, NOW);
	assert_int_equal(forwarded->batch_sha256.len, AUTH_SHA256_BYTES);
	cchc__v1__ingest_reply__free_unpacked(rep, NULL);
}

static void test_unknown_fields_dropped(void **state)
{
	(void)state;
	/* field 99 (varint) inside the DossierEvent: tag (99 << 3 | 0) = 792 = 0x98 0x06, value 7
	 */
	static uint8_t unknown[] = {0x98, 0x06, 0x07};
	ProtobufCMessageUnknownField uf = {
	    .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = unknown + 2};
	dossier(0, "ok-3", "19753");
	events[0].base.n_unknown_fields = 1;
	events[0].base.unknown_fields = &uf;
	Cchc__V1__IngestReply *rep = submit(1, NOW, "office", 1);
	events[0].base.n_unknown_fields = 0;
	events[0].base.unknown_fields = NULL;
	assert_int_equal(rep->submit->status, CCHC__V1__SUBMIT_STATUS__OK);
	assert_non_null(forwarded);
	assert_int_equal(forwarded->n_items, 1);
	assert_string_equal(forwarded->items[0]->record->dossier->event_id, "ok-3");
	assert_int_equal(forwarded->items[0]->record->dossier->base.n_unknown_fields, 0);
	assert_int_equal(forwarded->items[0]->record->base.n_unknown_fields, 0);
	cchc__v1__ingest_reply__free_unpacked(rep, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_refusals),
	    cmocka_unit_test(test_records_merged_and_forwarded),
	    cmocka_unit_test(test_unknown_fields_dropped),
	};
	return cmocka_run_group_tests_name("ingest", tests, setup, teardown);
}

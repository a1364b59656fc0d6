/* junk: the malformed traffic of `cchc-fault junk` and the expectations on the server's answer.
 * Raw sockets for everything nng would never send (nng's SP-over-TCP framing: an 8-byte header
 * 00 'S' 'P' 00, protocol id big-endian — REQ 0x30, REP 0x31 — and two zero bytes; then each
 * message is a 64-bit big-endian length and the payload, a REQ payload starting with a 32-bit
 * request id whose high bit is set); nng (lib/wire) for well-formed requests with bad content. */
#include "junk.h"

#include "auth.h"
#include "fault.h"
#include "raw.h"
#include "wire.h"

#include "cchc/v1/ingest.pb-c.h"
#include "cchc/v1/records.pb-c.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SP_PROTO_REQ 0x30
#define SP_PROTO_REP 0x31

typedef struct junk_ctx {
	const junk_opts *o;
	raw_peer net;
	wire_client *nng;     /* the well-formed client, one connection for all its requests */
	unsigned statuses[8]; /* per kind: SubmitReply statuses seen (nng kinds) */
} junk_ctx;

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void sp_header(uint8_t h[8], uint16_t proto)
{
	const uint8_t base[8] = {0, 'S', 'P', 0, (uint8_t)(proto >> 8), (uint8_t)proto, 0, 0};
	memcpy(h, base, 8);
}

/* --- raw sockets ---------------------------------------------------------------------------- */

/* Connects, sends our header and checks the server's: REP (0x31) answers a REQ peer. */
static int raw_handshake(junk_ctx *c, int *fd)
{
	uint8_t mine[8], want[8], got[8];
	if (raw_connect(&c->net, NULL, fd))
		return -1;
	sp_header(mine, SP_PROTO_REQ);
	raw_send(&c->net, *fd, mine, sizeof mine);
	sp_header(want, SP_PROTO_REP);
	int r = raw_read(&c->net, *fd, got, sizeof got);
	if (r || memcmp(got, want, sizeof want)) {
		raw_close(*fd, 1);
		*fd = -1;
		return raw_fail(&c->net,
		                r ? "no SP header from the server within %u ms"
		                  : "the server's SP header is not 00 'S' 'P' 00 00 31 00 00",
		                c->o->timeout_ms);
	}
	return 0;
}

/* random: 1..2048 random bytes on a fresh connection, then gone. */
static int kind_random(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	return raw_random_burst(&c->net, i);
}

/* drop: connect and vanish before sending anything (half with a RST). */
static int kind_drop(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	int fd;
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	raw_close(fd, i % 2);
	return 0;
}

/* half-handshake: 1..7 bytes of a valid REQ header, then gone. */
static int kind_half_handshake(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t h[8];
	int fd;
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	sp_header(h, SP_PROTO_REQ);
	raw_send(&c->net, fd, h, 1 + raw_rnd_below(&c->net, 7));
	raw_close(fd, i % 2);
	return 0;
}

/* handshake-drop: a complete handshake both ways, then gone before any message. */
static int kind_handshake_drop(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	int fd;
	if (raw_handshake(c, &fd))
		return -1;
	raw_close(fd, i % 2);
	return 0;
}

/* bad-handshake: a wrong magic, a protocol REP does not talk to, or non-zero reserved bytes. The
 * server must drop the connection. */
static int kind_bad_handshake(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t h[8];
	uint16_t proto;
	sp_header(h, SP_PROTO_REQ);
	switch (i % 3) {
	case 0: /* not SP at all */
		raw_rnd_fill(&c->net, h, sizeof h);
		h[1] = (uint8_t)(h[1] == 'S' ? 'X' : h[1]);
		break;
	case 1: /* SP, but not from a REQ: PAIR, PUB, another REP, or anything */
		do
			proto = (uint16_t)raw_rnd(&c->net);
		while (proto == SP_PROTO_REQ);
		if (i % 4 == 1)
			proto = SP_PROTO_REP;
		h[4] = (uint8_t)(proto >> 8);
		h[5] = (uint8_t)proto;
		break;
	default: /* reserved bytes set */
		h[6 + raw_rnd_below(&c->net, 2)] = (uint8_t)(1 + raw_rnd_below(&c->net, 255));
		break;
	}
	return raw_send_expect_close(&c->net, h, sizeof h, "a bad SP header");
}

/* truncated: a valid handshake, then a frame cut short (length L, fewer than L bytes). */
static int kind_truncated(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t buf[8 + 4096];
	int fd;
	uint64_t len = 5 + raw_rnd_below(&c->net, 4000);
	size_t sent = 8 + raw_rnd_below(&c->net, (unsigned)len); /* never the whole payload */
	if (i % 5 == 0)
		sent = raw_rnd_below(&c->net, 8); /* even the length prefix is cut */
	if (raw_handshake(c, &fd))
		return -1;
	put_be64(buf, len);
	raw_rnd_fill(&c->net, buf + 8, (size_t)len);
	buf[8] |= 0x80; /* a plausible request id */
	raw_send(&c->net, fd, buf, sent);
	raw_close(fd, i % 2);
	return 0;
}

/* oversized: a valid handshake, then a length prefix beyond max_message_bytes and a few bytes of
 * it. The server must drop the connection rather than wait for (or allocate) the message. */
static int kind_oversized(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t buf[8 + 64];
	int fd;
	const uint64_t max = c->o->max_message_bytes;
	const uint64_t lens[] = {max + 1, max * 2, 1ULL << 31, 1ULL << 40, 1ULL << 63, UINT64_MAX};
	uint64_t len = lens[i % (sizeof lens / sizeof lens[0])];
	if (i % 7 == 6)
		len = max + 1 + raw_rnd(&c->net) % (UINT64_MAX - max - 1);
	if (raw_handshake(c, &fd))
		return -1;
	put_be64(buf, len);
	size_t extra = raw_rnd_below(&c->net, 65);
	raw_rnd_fill(&c->net, buf + 8, extra);
	raw_send(&c->net, fd, buf, 8 + extra);
	int r = raw_expect_close(&c->net, fd, "a frame longer than max_message_bytes");
	raw_close(fd, 1);
	if (r)
		return raw_fail(&c->net, "%s (length prefix %llu)", c->net.err,
		                (unsigned long long)len);
	return 0;
}

/* garbage-after-handshake: a valid handshake, then random bytes where frames belong. */
static int kind_garbage_frames(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t buf[1024];
	int fd;
	size_t len = 1 + raw_rnd_below(&c->net, sizeof buf);
	if (raw_handshake(c, &fd))
		return -1;
	raw_rnd_fill(&c->net, buf, len);
	raw_send(&c->net, fd, buf, len);
	raw_close(fd, i % 2);
	return 0;
}

/* raw-request: a well-formed frame carrying a status request; the reply frame must echo the
 * request id and carry a StatusReply. Every third client vanishes before the reply instead. */
static int kind_raw_request(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	Cchc__V1__StatusRequest st = CCHC__V1__STATUS_REQUEST__INIT;
	Cchc__V1__IngestRequest req = CCHC__V1__INGEST_REQUEST__INIT;
	req.body_case = CCHC__V1__INGEST_REQUEST__BODY_STATUS;
	req.status = &st;
	uint8_t buf[64], hdr[12], body[4096];
	size_t plen = cchc__v1__ingest_request__get_packed_size(&req);
	uint32_t id = 0x80000000u | (i + 1);
	int fd;
	if (plen + 12 > sizeof buf)
		return raw_fail(&c->net, "status request too large");
	put_be64(buf, 4 + plen);
	buf[8] = (uint8_t)(id >> 24);
	buf[9] = (uint8_t)(id >> 16);
	buf[10] = (uint8_t)(id >> 8);
	buf[11] = (uint8_t)id;
	cchc__v1__ingest_request__pack(&req, buf + 12);
	if (raw_handshake(c, &fd))
		return -1;
	raw_send(&c->net, fd, buf, 12 + plen);
	if (i % 3 == 2) {
		raw_close(fd, 1);
		return 0;
	}
	int r = raw_read(&c->net, fd, hdr, sizeof hdr);
	uint64_t len = 0;
	for (int k = 0; k < 8; k++)
		len = len << 8 | hdr[k];
	uint32_t rid =
	    (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 | (uint32_t)hdr[10] << 8 | hdr[11];
	if (r) {
		raw_close(fd, 1);
		return raw_fail(&c->net, "no reply frame within %u ms", c->o->timeout_ms);
	}
	if (rid != id || len < 4 || len - 4 > sizeof body) {
		raw_close(fd, 1);
		return raw_fail(&c->net, "reply frame: id %08x (sent %08x), length %llu", rid, id,
		                (unsigned long long)len);
	}
	r = raw_read(&c->net, fd, body, (size_t)(len - 4));
	raw_close(fd, i % 2);
	if (r)
		return raw_fail(&c->net, "reply frame cut short");
	Cchc__V1__IngestReply *rep = cchc__v1__ingest_reply__unpack(NULL, (size_t)(len - 4), body);
	int ok = rep && rep->body_case == CCHC__V1__INGEST_REPLY__BODY_STATUS &&
	         rep->status->service && !strcmp(rep->status->service, "cchc-ingest");
	if (rep)
		cchc__v1__ingest_reply__free_unpacked(rep, NULL);
	if (!ok)
		return raw_fail(&c->net, "the reply frame is not an ingest StatusReply");
	c->net.answered++;
	return 0;
}

/* --- nng: well-formed requests, bad content ------------------------------------------------ */

/* Sends req over the shared nng client and decodes the reply. */
static int nng_call(junk_ctx *c, const uint8_t *req, size_t len, Cchc__V1__IngestReply **rep)
{
	uint8_t *in = NULL;
	size_t inlen = 0;
	char err[512];
	int rv = wire_call(c->nng, req, len, &in, &inlen, err, sizeof err);
	if (rv)
		return raw_fail(&c->net, "%s", err);
	c->net.bytes += len;
	*rep = cchc__v1__ingest_reply__unpack(NULL, inlen, in);
	free(in);
	if (!*rep)
		return raw_fail(&c->net, "the reply (%zu bytes) is not an IngestReply", inlen);
	c->net.answered++;
	return 0;
}

/* The reply to a request that must store nothing: any non-OK status, or OK with nothing taken. */
static int expect_nothing_stored(junk_ctx *c, Cchc__V1__IngestReply *rep, int want_status)
{
	int r = 0;
	if (rep->body_case == CCHC__V1__INGEST_REPLY__BODY_SUBMIT) {
		Cchc__V1__SubmitReply *s = rep->submit;
		c->statuses[s->status < 8 ? s->status : 0]++;
		if (s->accepted || s->duplicate)
			r = raw_fail(&c->net, "junk was taken: accepted %u, duplicate %u",
			             s->accepted, s->duplicate);
		else if (want_status >= 0 && (int)s->status != want_status)
			r = raw_fail(&c->net, "status %d, expected %d (%s)", s->status, want_status,
			             s->error ? s->error : "");
	} else if (want_status >= 0) {
		r = raw_fail(&c->net, "a status reply, expected a SubmitReply");
	}
	cchc__v1__ingest_reply__free_unpacked(rep, NULL);
	return r;
}

/* bad-protobuf: random bytes as the IngestRequest; a SubmitRequest whose batch is random bytes
 * with a random signature; and one whose random batch is validly signed (so it gets as far as the
 * batch decoder). Each must be answered, and nothing stored. */
static int kind_bad_protobuf(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	uint8_t junk[1024], sig[AUTH_SIGNATURE_BYTES];
	size_t jlen = raw_rnd_below(&c->net, sizeof junk + 1);
	uint8_t *req = junk, *packed = NULL;
	size_t len = jlen;
	raw_rnd_fill(&c->net, junk, jlen);
	if (i % 3) {
		Cchc__V1__SubmitRequest sub = CCHC__V1__SUBMIT_REQUEST__INIT;
		Cchc__V1__IngestRequest in = CCHC__V1__INGEST_REQUEST__INIT;
		if (i % 3 == 1)
			raw_rnd_fill(&c->net, sig, sizeof sig);
		else
			auth_sign(junk, jlen, c->o->secret_key, sig);
		sub.source = (char *)c->o->source;
		sub.has_batch = sub.has_signature = 1;
		sub.batch.data = junk;
		sub.batch.len = jlen;
		sub.signature.data = sig;
		sub.signature.len = sizeof sig;
		in.body_case = CCHC__V1__INGEST_REQUEST__BODY_SUBMIT;
		in.submit = &sub;
		if (wire_pack(&in.base, &packed, &len))
			return raw_fail(&c->net, "out of memory");
		req = packed;
	}
	Cchc__V1__IngestReply *rep = NULL;
	int r = nng_call(c, req, len, &rep);
	free(packed);
	return r ? r : expect_nothing_stored(c, rep, -1);
}

/* too-large: a correctly signed batch of max_batch_records + 1 plausible records; refused as a
 * whole with TOO_LARGE. */
static int kind_too_large(void *ctx, unsigned i)
{
	junk_ctx *c = ctx;
	size_t n = (size_t)c->o->max_batch_records + 1;
	Cchc__V1__Record *recs = calloc(n, sizeof *recs);
	Cchc__V1__Record **ptrs = calloc(n, sizeof *ptrs);
	Cchc__V1__DossierEvent *evs = calloc(n, sizeof *evs);
	char(*ids)[2][48] = calloc(n, sizeof *ids);
	uint8_t *batch = NULL, *req = NULL, sig[AUTH_SIGNATURE_BYTES];
	size_t blen = 0, rlen = 0;
	int r = -1;
	if (!recs || !ptrs || !evs || !ids) {
		raw_fail(&c->net, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		snprintf(ids[k][0], sizeof ids[k][0], "fault-toolarge-%u-%zu", i, k);
		snprintf(ids[k][1], sizeof ids[k][1], "FAULT-%u-%zu", i, k);
		cchc__v1__dossier_event__init(&evs[k]);
		evs[k].event_id = ids[k][0];
		evs[k].office = "46";
		evs[k].dossier = ids[k][1];
		evs[k].procedure = "1.001234";
		evs[k].field = "hotich";
		evs[k].has_kind = evs[k].has_channel = 1;
		evs[k].kind = CCHC__V1__DOSSIER_KIND__RECEIVED;
		evs[k].channel = CCHC__V1__CHANNEL__DIRECT;
		evs[k].at = "2024-04-01T08:00:00+07:00";
		evs[k].due = "2024-04-05T17:00:00+07:00";
		cchc__v1__record__init(&recs[k]);
		recs[k].event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
		recs[k].dossier = &evs[k];
		ptrs[k] = &recs[k];
	}
	Cchc__V1__Batch b = CCHC__V1__BATCH__INIT;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	b.has_sent_at_ms = 1;
	b.sent_at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	b.records = ptrs;
	b.n_records = n;
	if (wire_pack(&b.base, &batch, &blen)) {
		raw_fail(&c->net, "out of memory");
		goto out;
	}
	auth_sign(batch, blen, c->o->secret_key, sig);
	Cchc__V1__SubmitRequest sub = CCHC__V1__SUBMIT_REQUEST__INIT;
	Cchc__V1__IngestRequest in = CCHC__V1__INGEST_REQUEST__INIT;
	sub.source = (char *)c->o->source;
	sub.has_batch = sub.has_signature = 1;
	sub.batch.data = batch;
	sub.batch.len = blen;
	sub.signature.data = sig;
	sub.signature.len = sizeof sig;
	in.body_case = CCHC__V1__INGEST_REQUEST__BODY_SUBMIT;
	in.submit = &sub;
	if (wire_pack(&in.base, &req, &rlen)) {
		raw_fail(&c->net, "out of memory");
		goto out;
	}
	if (rlen > c->o->max_message_bytes) {
		raw_fail(&c->net,
		         "a batch of %zu records takes %zu bytes, more than max_message_bytes", n,
		         rlen);
		goto out;
	}
	Cchc__V1__IngestReply *rep = NULL;
	if (!(r = nng_call(c, req, rlen, &rep)))
		r = expect_nothing_stored(c, rep, CCHC__V1__SUBMIT_STATUS__TOO_LARGE);
out:
	free(req);
	free(batch);
	free(ids);
	free(evs);
	free(ptrs);
	free(recs);
	return r;
}

/* --- the run ---------------------------------------------------------------------------------- */

static const fault_kind KINDS[] = {
    {"random", kind_random, "1-2048 random bytes on a fresh connection", 0},
    {"drop", kind_drop, "connect, then close or reset before any byte", 0},
    {"half-handshake", kind_half_handshake, "1-7 bytes of the SP header, then close or reset", 0},
    {"handshake-drop", kind_handshake_drop, "complete SP handshake, then close or reset", 0},
    {"bad-handshake", kind_bad_handshake,
     "wrong magic / protocol / reserved bytes: the server must close", 0},
    {"truncated", kind_truncated, "handshake, then a frame cut short", 0},
    {"oversized", kind_oversized,
     "handshake, then a length prefix > max_message_bytes: the server must close", 0},
    {"garbage-frames", kind_garbage_frames, "handshake, then random bytes", 0},
    {"raw-request", kind_raw_request,
     "well-formed raw frame (status): reply must echo the request id; 1/3 vanish first", 0},
    {"bad-protobuf", kind_bad_protobuf,
     "nng: random IngestRequest / random batch (bad or valid signature): answered, nothing "
     "stored",
     0},
    {"too-large", kind_too_large, "nng: signed batch of max_batch_records+1: TOO_LARGE", 0},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

void junk_list_kinds(FILE *out)
{
	fault_list_kinds(KINDS, NKINDS, out);
}

/* A status request on a new nng connection: the listener still accepts and the service answers. */
static int probe(void *ctx)
{
	junk_ctx *c = ctx;
	Cchc__V1__StatusRequest st = CCHC__V1__STATUS_REQUEST__INIT;
	Cchc__V1__IngestRequest req = CCHC__V1__INGEST_REQUEST__INIT;
	req.body_case = CCHC__V1__INGEST_REQUEST__BODY_STATUS;
	req.status = &st;
	wire_client *w = NULL;
	uint8_t *out = NULL, *in = NULL;
	size_t outlen, inlen;
	char err[512];
	int rv = wire_client_open(c->o->url, c->o->max_message_bytes, c->o->timeout_ms, &w, err,
	                          sizeof err);
	if (rv)
		return raw_fail(&c->net, "liveness probe: %s", err);
	if (wire_pack(&req.base, &out, &outlen)) {
		wire_client_close(w);
		return raw_fail(&c->net, "out of memory");
	}
	rv = wire_call(w, out, outlen, &in, &inlen, err, sizeof err);
	free(out);
	wire_client_close(w);
	if (rv)
		return raw_fail(&c->net, "liveness probe on a new connection: %s", err);
	Cchc__V1__IngestReply *rep = cchc__v1__ingest_reply__unpack(NULL, inlen, in);
	free(in);
	int ok = rep && rep->body_case == CCHC__V1__INGEST_REPLY__BODY_STATUS;
	if (rep)
		cchc__v1__ingest_reply__free_unpacked(rep, NULL);
	return ok ? 0 : raw_fail(&c->net, "liveness probe: the answer is not a StatusReply");
}

/* Per kind: the SubmitReply statuses are counted afresh, and reported after the counts. */
static void begin_kind(void *ctx)
{
	junk_ctx *c = ctx;
	memset(c->statuses, 0, sizeof c->statuses);
}

static void report_statuses(void *ctx, FILE *out)
{
	junk_ctx *c = ctx;
	for (unsigned s = 1; s < 8; s++)
		if (c->statuses[s])
			fprintf(out, ", %s %u", cchc__v1__submit_status__descriptor.values[s].name,
			        c->statuses[s]);
}

int junk_run(const junk_opts *o, FILE *out, FILE *err)
{
	junk_ctx c = {.o = o};
	char werr[512];
	const fault_run run = {
	    .tool = "cchc-fault junk",
	    .label = "junk",
	    .kinds = KINDS,
	    .nkinds = NKINDS,
	    .select = o->kinds,
	    .count = o->count,
	    .probe_every = o->probe_every,
	    .deadline_s = o->deadline_s,
	    .ctx = &c,
	    .net = &c.net,
	    .probe = probe,
	    .begin = begin_kind,
	    .extra = report_statuses,
	};
	static const char *const schemes[] = {"tcp://"}; /* junk is sent in the clear */
	size_t scheme;
	if (raw_peer_init(&c.net, o->url, schemes, 1, &scheme, o->timeout_ms, o->seed)) {
		fprintf(err, "cchc-fault junk: %s\n", c.net.err);
		return 2;
	}
	if (fault_check_kinds(&run, err))
		return 2;
	if (wire_client_open(o->url, o->max_message_bytes, o->timeout_ms, &c.nng, werr,
	                     sizeof werr)) {
		fprintf(err, "cchc-fault junk: %s\n", werr);
		return 1;
	}
	int rc = fault_run_kinds(&run, out, err);
	wire_client_close(c.nng);
	return rc;
}

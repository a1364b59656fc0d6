/* audit: the hash-chained audit log. Each entry's hash covers the previous entry's hash and its
 * own canonical text, built here, once, for both append and verify, so the two cannot drift
 * apart. Batches (and closings, written as batches) keep the text they have had since issue 5;
 * account changes and console events (migration 012) have a text of their own that covers every
 * column, so old entries verify as they were written and no column of a new one can change
 * unseen. */
#include "stats_audit.h"

#include "service.h"
#include "stats_db.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES crypto_hash_sha256_BYTES

typedef struct entry {
	const char *kind; /* "batch", "user", "console" */
	int64_t logged_ms, sent_at_ms;
	const char *source;
	const uint8_t *batch_sha;
	size_t batch_sha_len;
	long long records, accepted, duplicate, rejected;
	const char *event, *account, *actor, *address, *detail; /* "" on a batch */
} entry;

/* One field of the v2 text: "|LENGTH:VALUE", so no value can pass for a field boundary. */
static void hash_field(crypto_hash_sha256_state *st, const char *v)
{
	char head[32];
	size_t n = strlen(v);
	int len = snprintf(head, sizeof head, "|%zu:", n);
	crypto_hash_sha256_update(st, (const uint8_t *)head, (size_t)len);
	crypto_hash_sha256_update(st, (const uint8_t *)v, n);
}

static void entry_hash(const uint8_t prev[HASH_BYTES], const entry *e, uint8_t out[HASH_BYTES])
{
	char sha_hex[2 * 64 + 1] = "", text[1024];
	size_t n = e->batch_sha_len > 64 ? 64 : e->batch_sha_len;
	crypto_hash_sha256_state st;

	sodium_bin2hex(sha_hex, sizeof sha_hex, e->batch_sha, n);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, prev, HASH_BYTES);
	if (!strcmp(e->kind, "batch")) {
		int len =
		    snprintf(text, sizeof text,
		             "cchc-audit-v1|%" PRId64 "|%s|%" PRId64 "|%s|%lld|%lld|%lld|%lld",
		             e->logged_ms, e->source, e->sent_at_ms, sha_hex, e->records,
		             e->accepted, e->duplicate, e->rejected);
		crypto_hash_sha256_update(
		    &st, (const uint8_t *)text,
		    (size_t)(len < (int)sizeof text ? len : (int)sizeof text - 1));
	} else {
		crypto_hash_sha256_update(&st, (const uint8_t *)"cchc-audit-v2", 13);
		snprintf(text, sizeof text, "%" PRId64 ",%" PRId64 ",%lld,%lld,%lld,%lld",
		         e->logged_ms, e->sent_at_ms, e->records, e->accepted, e->duplicate,
		         e->rejected);
		hash_field(&st, e->kind);
		hash_field(&st, text);
		hash_field(&st, e->source);
		hash_field(&st, sha_hex);
		hash_field(&st, e->event);
		hash_field(&st, e->account);
		hash_field(&st, e->actor);
		hash_field(&st, e->address);
		hash_field(&st, e->detail);
	}
	crypto_hash_sha256_final(&st, out);
}

static void to_bytea_hex(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	/* PostgreSQL's bytea hex input: \x followed by the digits */
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, outlen - 2, b, n);
}

/* PQunescapeBytea of a text-format bytea into a fixed buffer; returns its length or -1. */
static int bytea_value(const PGresult *r, int row, int col, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
	if (!b || n > cap) {
		PQfreemem(b);
		return -1;
	}
	memcpy(out, b, n);
	PQfreemem(b);
	return (int)n;
}

/* Chains e to the last entry and inserts it. The caller holds DB_LOCK_AUDIT in its transaction,
 * so no other entry can take the same predecessor. */
static int append(PGconn *conn, const entry *e, char *err, size_t errlen)
{
	uint8_t prev[HASH_BYTES] = {0}, hash[HASH_BYTES];
	PGresult *r = db_query(conn, "audit: last entry",
	                       "SELECT entry_hash FROM audit_log ORDER BY id DESC LIMIT 1", 0, NULL,
	                       err, errlen);
	if (!r)
		return -1;
	if (PQntuples(r) == 1 && bytea_value(r, 0, 0, prev, sizeof prev) != HASH_BYTES) {
		PQclear(r);
		snprintf(err, errlen, "audit: the last entry's hash is damaged");
		return -1;
	}
	PQclear(r);
	entry_hash(prev, e, hash);

	char p_logged[24], p_sent[24], p_rec[24], p_acc[24], p_dup[24], p_rej[24];
	char p_sha[2 * 64 + 3], p_prev[2 * HASH_BYTES + 3], p_hash[2 * HASH_BYTES + 3];
	snprintf(p_logged, sizeof p_logged, "%" PRId64, e->logged_ms);
	snprintf(p_sent, sizeof p_sent, "%" PRId64, e->sent_at_ms);
	snprintf(p_rec, sizeof p_rec, "%lld", e->records);
	snprintf(p_acc, sizeof p_acc, "%lld", e->accepted);
	snprintf(p_dup, sizeof p_dup, "%lld", e->duplicate);
	snprintf(p_rej, sizeof p_rej, "%lld", e->rejected);
	to_bytea_hex(e->batch_sha, e->batch_sha_len > 64 ? 64 : e->batch_sha_len, p_sha,
	             sizeof p_sha);
	to_bytea_hex(prev, HASH_BYTES, p_prev, sizeof p_prev);
	to_bytea_hex(hash, HASH_BYTES, p_hash, sizeof p_hash);
	const char *params[16] = {p_logged,   p_sent,   p_sha,      p_rec,     p_acc,   p_dup,
	                          p_rej,      p_prev,   p_hash,     e->source, e->kind, e->event,
	                          e->account, e->actor, e->address, e->detail};
	r = db_query(conn, "audit: append",
	             "INSERT INTO audit_log (logged_ms, sent_at_ms, batch_sha256, records, "
	             "accepted, duplicate, rejected, prev_hash, entry_hash, source, kind, event, "
	             "account, actor, address, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
	             "$10, $11, $12, $13, $14, $15, $16)",
	             16, params, err, errlen);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int audit_append(PGconn *conn, const Cchc__V1__StoreRequest *req, uint32_t accepted,
                 uint32_t duplicate, char *err, size_t errlen)
{
	long long records = req->has_batch_records ? req->batch_records : (long long)req->n_items;
	entry e = {
	    .kind = "batch",
	    .logged_ms = service_clock_ms(),
	    .sent_at_ms = req->has_sent_at_ms ? req->sent_at_ms : 0,
	    .source = req->source ? req->source : "",
	    .batch_sha = req->has_batch_sha256 ? req->batch_sha256.data : NULL,
	    .batch_sha_len = req->has_batch_sha256 ? req->batch_sha256.len : 0,
	    .records = records,
	    .accepted = accepted,
	    .duplicate = duplicate,
	    .rejected = records - accepted - duplicate,
	    .event = "",
	    .account = "",
	    .actor = "",
	    .address = "",
	    .detail = "",
	};
	return append(conn, &e, err, errlen);
}

static const char *str(const char *s)
{
	return s ? s : "";
}

int audit_append_event(PGconn *conn, const audit_event *ev, char *err, size_t errlen)
{
	entry e = {
	    .kind = str(ev->kind),
	    .logged_ms = service_clock_ms(),
	    .source = "",
	    .event = str(ev->event),
	    .account = str(ev->account),
	    .actor = str(ev->actor),
	    .address = str(ev->address),
	    .detail = str(ev->detail),
	};
	if (!strcmp(e.kind, "batch")) {
		snprintf(err, errlen, "audit: a batch is appended with audit_append");
		return -1;
	}
	return append(conn, &e, err, errlen);
}

void audit_reply_clear(Cchc__V1__AuditReply *reply)
{
	free(reply->error);
	free(reply->detail);
	cchc__v1__audit_reply__init(reply);
}

static void verdict(Cchc__V1__AuditReply *reply, int64_t id, const char *detail)
{
	reply->has_intact = 1;
	reply->intact = 0;
	reply->has_first_bad_id = 1;
	reply->first_bad_id = id;
	reply->detail = strdup(detail);
}

int audit_verify(PGconn *conn, Cchc__V1__AuditReply *reply)
{
	char err[512];
	uint8_t prev[HASH_BYTES] = {0}, want[HASH_BYTES], stored_prev[HASH_BYTES],
	        stored_hash[HASH_BYTES], sha[64];
	int64_t last_id = 0;
	uint64_t n = 0;
	int rc = -1, done = 0;

	cchc__v1__audit_reply__init(reply);
	if (db_ensure(conn, err, sizeof err) ||
	    db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, sizeof err) ||
	    db_exec(conn, "audit: cursor",
	            "DECLARE audit_walk NO SCROLL CURSOR FOR SELECT id, logged_ms, source, "
	            "sent_at_ms, batch_sha256, records, accepted, duplicate, rejected, prev_hash, "
	            "entry_hash, kind, event, account, actor, address, detail FROM audit_log "
	            "ORDER BY id",
	            err, sizeof err))
		goto out;
	reply->has_intact = 1;
	reply->intact = 1;
	while (!done) {
		PGresult *r = db_query(conn, "audit: fetch", "FETCH 1000 FROM audit_walk", 0, NULL,
		                       err, sizeof err);
		if (!r)
			goto out;
		int rows = PQntuples(r);
		done = rows == 0;
		for (int i = 0; i < rows && reply->intact; i++, n++) {
			int64_t id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			int shalen = bytea_value(r, i, 4, sha, sizeof sha);
			entry e = {
			    .kind = PQgetvalue(r, i, 11),
			    .logged_ms = strtoll(PQgetvalue(r, i, 1), NULL, 10),
			    .source = PQgetvalue(r, i, 2),
			    .sent_at_ms = strtoll(PQgetvalue(r, i, 3), NULL, 10),
			    .batch_sha = sha,
			    .batch_sha_len = shalen < 0 ? 0 : (size_t)shalen,
			    .records = strtoll(PQgetvalue(r, i, 5), NULL, 10),
			    .accepted = strtoll(PQgetvalue(r, i, 6), NULL, 10),
			    .duplicate = strtoll(PQgetvalue(r, i, 7), NULL, 10),
			    .rejected = strtoll(PQgetvalue(r, i, 8), NULL, 10),
			    .event = PQgetvalue(r, i, 12),
			    .account = PQgetvalue(r, i, 13),
			    .actor = PQgetvalue(r, i, 14),
			    .address = PQgetvalue(r, i, 15),
			    .detail = PQgetvalue(r, i, 16),
			};
			/* a batch's text does not cover the columns of the other kinds: they must
			 * be empty, or a batch entry could be given an account unseen */
			int stray = !strcmp(e.kind, "batch") &&
			            (*e.event || *e.account || *e.actor || *e.address || *e.detail);
			entry_hash(prev, &e, want);
			if (bytea_value(r, i, 9, stored_prev, sizeof stored_prev) != HASH_BYTES ||
			    memcmp(stored_prev, prev, HASH_BYTES)) {
				char detail[160];
				snprintf(detail, sizeof detail,
				         "does not link to the entry before it (%" PRId64
				         "): an entry was removed or altered",
				         last_id);
				verdict(reply, id, detail);
			} else if (stray ||
			           bytea_value(r, i, 10, stored_hash, sizeof stored_hash) !=
			               HASH_BYTES ||
			           memcmp(stored_hash, want, HASH_BYTES)) {
				verdict(reply, id, "its content does not match its hash: altered");
			}
			memcpy(prev, stored_hash, HASH_BYTES);
			last_id = id;
		}
		PQclear(r);
		if (!reply->intact)
			break;
	}
	rc = 0;
out:
	db_exec(conn, "audit: end", "ROLLBACK", err, sizeof err);
	reply->has_ok = 1;
	reply->ok = rc == 0;
	reply->has_entries = 1;
	reply->entries = n;
	if (rc)
		reply->error = strdup(err);
	return rc;
}

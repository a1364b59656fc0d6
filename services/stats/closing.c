/* closing: a closed version is the figures at a watermark, kept as stats answered them (a packed
 * QueryReply), with who closed it, when, and the SHA-256 of the files rendered from them
 * (docs/design.md §13, migration 011). Preparing takes the store lock alone, so every committed
 * event lies on one side of the watermark; committing is one transaction with its audit entry,
 * so a crash leaves a whole version or none. Versions are never changed, only marked reopened. */
#include "stats_closing.h"

#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "service.h"
#include "stats_audit.h"
#include "stats_check.h"
#include "stats_db.h"
#include "stats_query.h"

#define SHA_BYTES 32

static void closing_free(Cchc__V1__Closing *x);

static int refuse(Cchc__V1__ClosingReply *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int refuse(Cchc__V1__ClosingReply *reply, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	free(reply->error);
	reply->error = strdup(msg);
	reply->has_ok = 1;
	reply->ok = 0;
	return -1;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* The standing version of (period, scope): its number, 0 when none stands. */
static int standing_version(PGconn *conn, const char *period, const char *scope, int *version,
                            char *err, size_t errlen)
{
	const char *params[2] = {period, scope};
	PGresult *r =
	    db_query(conn, "closing: standing version",
	             "SELECT version FROM period_closing WHERE period = $1 AND scope = $2 "
	             "AND reopened_ms IS NULL ORDER BY version DESC LIMIT 1",
	             2, params, err, errlen);
	if (!r)
		return -1;
	*version = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return 0;
}

/* The number the next version of (period, scope) gets. */
static int next_version(PGconn *conn, const char *period, const char *scope, int *version,
                        char *err, size_t errlen)
{
	const char *params[2] = {period, scope};
	PGresult *r = db_query(conn, "closing: next version",
	                       "SELECT COALESCE(max(version), 0) + 1 FROM period_closing "
	                       "WHERE period = $1 AND scope = $2",
	                       2, params, err, errlen);
	if (!r)
		return -1;
	*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* An audit entry for a closing action: the chain holds batches, so the action is written where
 * a batch's source goes ("close 2024-Q1 46 v1 by NAME") and the SHA-256 of what it fixed (the
 * packed figures) where a batch's is. */
static int audit_action(PGconn *conn, const char *action, const Cchc__V1__Closing *c, int version,
                        const uint8_t *what, size_t whatlen, int64_t at_ms, char *err,
                        size_t errlen)
{
	char source[512];
	uint8_t sha[SHA_BYTES];
	snprintf(source, sizeof source, "%s %s %s v%d by %s", action, str(c->period), str(c->scope),
	         version, !strcmp(action, "reopen") ? str(c->reopened_by) : str(c->closed_by));
	crypto_hash_sha256(sha, what, whatlen);
	Cchc__V1__StoreRequest rq = CCHC__V1__STORE_REQUEST__INIT;
	rq.source = source;
	rq.has_batch_sha256 = 1;
	rq.batch_sha256.data = sha;
	rq.batch_sha256.len = sizeof sha;
	rq.has_sent_at_ms = 1;
	rq.sent_at_ms = at_ms;
	rq.has_batch_records = 1;
	rq.batch_records = 0;
	if (db_exec(conn, "closing: audit lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_AUDIT ")",
	            err, errlen) != 0)
		return -1;
	return audit_append(conn, &rq, 0, 0, err, errlen);
}

static int prepare(PGconn *conn, const Cchc__V1__ClosingRequest *req, Cchc__V1__ClosingReply *reply,
                   char *err, size_t errlen)
{
	const Cchc__V1__Closing *in = req->closing;
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__QueryReply *figures = NULL;
	Cchc__V1__Closing *out = NULL;
	char **silent = NULL;
	size_t nsilent = 0;
	int version, rc = -1;
	PGresult *r = NULL;

	if (!in->has_from_ms || !in->has_to_ms || in->from_ms >= in->to_ms || !in->period ||
	    !*in->period || !in->scope || !*in->scope)
		return refuse(reply, "closing: a period (from < to, label) and a scope are needed");
	/* READ COMMITTED with the store lock taken first: every statement after it sees every store
	 * that committed, and none can commit until this transaction ends. */
	if (db_begin(conn, "BEGIN", err, errlen) != 0 ||
	    db_exec(conn, "closing: store lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")",
	            err, errlen) != 0)
		goto out;
	if (standing_version(conn, in->period, in->scope, &version, err, errlen) != 0)
		goto out;
	if (version) {
		rc = refuse(reply,
		            "%s of %s is closed (version %d): reopen it first (cchc period reopen)",
		            in->period, in->scope, version);
		goto out;
	}
	if (next_version(conn, in->period, in->scope, &version, err, errlen) != 0 ||
	    check_silent_offices(conn, in->from_ms, in->to_ms, in->scope, &silent, &nsilent, err,
	                         errlen) != 0)
		goto out;
	r = db_query(conn, "closing: watermark",
	             "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM event_store_seq",
	             0, NULL, err, errlen);
	if (!r)
		goto out;
	figures = malloc(sizeof *figures);
	out = malloc(sizeof *out);
	if (!figures || !out) {
		snprintf(err, errlen, "closing: out of memory");
		goto out;
	}
	cchc__v1__query_reply__init(figures);
	cchc__v1__closing__init(out);
	out->figures = NULL;
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = in->from_ms;
	q.to_ms = in->to_ms;
	q.scope = in->scope;
	q.map_to = (char *)str(in->structure);
	if (query_figures_in(conn, &q, figures, err, errlen) != 0)
		goto out;
	figures->has_ok = 1;
	figures->ok = 1;
	/* one owner for every Closing's figures: protobuf-c's (get unpacks them too) */
	size_t flen = cchc__v1__query_reply__get_packed_size(figures);
	uint8_t *fbytes = malloc(flen + 1);
	if (!fbytes) {
		snprintf(err, errlen, "closing: out of memory");
		goto out;
	}
	cchc__v1__query_reply__pack(figures, fbytes);
	out->figures = cchc__v1__query_reply__unpack(NULL, flen, fbytes);
	free(fbytes);
	if (!out->figures) {
		snprintf(err, errlen, "closing: out of memory");
		goto out;
	}
	out->period = strdup(in->period);
	out->scope = strdup(in->scope);
	out->structure = strdup(str(in->structure));
	out->has_from_ms = out->has_to_ms = out->has_closed_ms = out->has_watermark = 1;
	out->from_ms = in->from_ms;
	out->to_ms = in->to_ms;
	out->closed_ms = service_clock_ms();
	out->watermark = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->has_forced = out->has_version = 1;
	out->forced = nsilent > 0;
	out->version = version; /* what commit will give it, unless another closes first */
	reply->silent = silent;
	reply->n_silent = nsilent;
	silent = NULL;
	reply->closings = malloc(sizeof *reply->closings);
	if (!out->period || !out->scope || !out->structure || !reply->closings) {
		snprintf(err, errlen, "closing: out of memory");
		goto out;
	}
	reply->closings[reply->n_closings++] = out;
	out = NULL;
	if (reply->n_silent && !req->force) {
		rc = refuse(
		    reply,
		    "%zu offices sent nothing dated in %s: %s%s (close with --force to close "
		    "all the same)",
		    reply->n_silent, in->period, reply->silent[0],
		    reply->n_silent > 1 ? ", …" : "");
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	db_rollback(conn); /* nothing was written: the lock ends here */
	if (figures) {
		query_reply_clear(figures);
		free(figures);
	}
	if (out)
		closing_free(out);
	for (size_t i = 0; silent && i < nsilent; i++)
		free(silent[i]);
	free(silent);
	return rc;
}

static int sha_ok(int has, ProtobufCBinaryData b)
{
	return has && b.len == SHA_BYTES;
}

static int commit(PGconn *conn, const Cchc__V1__ClosingRequest *req, Cchc__V1__ClosingReply *reply,
                  char *err, size_t errlen)
{
	const Cchc__V1__Closing *c = req->closing;
	uint8_t *packed = NULL;
	size_t plen = 0;
	int version;
	char vs[16], from[24], to[24], closed[24], wm[24];
	PGresult *r = NULL;
	int rc = -1;

	if (!c->period || !*c->period || !c->scope || !*c->scope || !c->figures ||
	    !c->has_watermark || !c->has_closed_ms || !c->has_from_ms || !c->has_to_ms ||
	    !sha_ok(c->has_sha256_docx, c->sha256_docx) ||
	    !sha_ok(c->has_sha256_pdf, c->sha256_pdf) ||
	    !sha_ok(c->has_sha256_xlsx, c->sha256_xlsx))
		return refuse(reply,
		              "closing: commit needs what prepare answered and three SHA-256");
	plen = cchc__v1__query_reply__get_packed_size(c->figures);
	packed = malloc(plen + 1);
	if (!packed)
		return refuse(reply, "closing: out of memory");
	cchc__v1__query_reply__pack(c->figures, packed);
	if (db_begin(conn, "BEGIN", err, errlen) != 0 ||
	    /* one closing at a time, in the order of the audit chain */
	    db_exec(conn, "closing: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_AUDIT ")", err,
	            errlen) != 0 ||
	    standing_version(conn, c->period, c->scope, &version, err, errlen) != 0)
		goto out;
	if (version) {
		rc = refuse(reply, "%s of %s was closed meanwhile (version %d)", c->period,
		            c->scope, version);
		goto out;
	}
	if (next_version(conn, c->period, c->scope, &version, err, errlen) != 0)
		goto out;
	if (c->has_version && c->version != version) {
		rc = refuse(reply, "%s of %s: version %d was closed meanwhile", c->period, c->scope,
		            c->version);
		goto out;
	}
	snprintf(vs, sizeof vs, "%d", version);
	snprintf(from, sizeof from, "%" PRId64, c->from_ms);
	snprintf(to, sizeof to, "%" PRId64, c->to_ms);
	snprintf(closed, sizeof closed, "%" PRId64, c->closed_ms);
	snprintf(wm, sizeof wm, "%" PRId64, c->watermark);
	const char *values[15] = {c->period,
	                          c->scope,
	                          vs,
	                          from,
	                          to,
	                          str(c->structure),
	                          closed,
	                          str(c->closed_by),
	                          str(c->note),
	                          c->forced ? "t" : "f",
	                          wm,
	                          (const char *)packed,
	                          (const char *)c->sha256_docx.data,
	                          (const char *)c->sha256_pdf.data,
	                          (const char *)c->sha256_xlsx.data};
	int lengths[15] = {0}, formats[15] = {0};
	lengths[11] = (int)plen;
	lengths[12] = lengths[13] = lengths[14] = SHA_BYTES;
	formats[11] = formats[12] = formats[13] = formats[14] = 1;
	r = db_query_params(conn, "closing: insert",
	                    "INSERT INTO period_closing (period, scope, version, from_ms, to_ms, "
	                    "structure, closed_ms, closed_by, note, forced, watermark, figures, "
	                    "sha256_docx, sha256_pdf, sha256_xlsx) VALUES ($1, $2, $3, $4, $5, $6, "
	                    "$7, $8, $9, $10, $11, $12, $13, $14, $15)",
	                    15, values, lengths, formats, err, errlen);
	if (!r)
		goto out;
	PQclear(r);
	r = NULL;
	/* the audit lock is already held: audit_action takes it again (a no-op) */
	if (audit_action(conn, "close", c, version, packed, plen, c->closed_ms, err, errlen) != 0 ||
	    db_commit(conn, "closing: commit", err, errlen) != 0)
		goto out;
	reply->closings = malloc(sizeof *reply->closings);
	Cchc__V1__Closing *done = malloc(sizeof *done);
	if (!reply->closings || !done) {
		free(done);
		rc = refuse(reply, "closing: committed as version %d, but out of memory to say so",
		            version);
		goto out_free;
	}
	cchc__v1__closing__init(done);
	done->period = strdup(c->period);
	done->scope = strdup(c->scope);
	done->has_version = done->has_closed_ms = done->has_watermark = 1;
	done->version = version;
	done->closed_ms = c->closed_ms;
	done->watermark = c->watermark;
	done->closed_by = strdup(str(c->closed_by));
	reply->closings[reply->n_closings++] = done;
	rc = 0;
	goto out_free;
out:
	PQclear(r);
	db_rollback(conn);
out_free:
	free(packed);
	return rc;
}

static int reopen(PGconn *conn, const Cchc__V1__ClosingRequest *req, Cchc__V1__ClosingReply *reply,
                  char *err, size_t errlen)
{
	const Cchc__V1__Closing *c = req->closing;
	char now[24];
	int64_t now_ms = service_clock_ms();
	PGresult *r = NULL;

	if (!c->period || !*c->period || !c->scope || !*c->scope || !c->reopen_reason ||
	    !*c->reopen_reason)
		return refuse(reply, "closing: reopening needs the period, the scope and a reason");
	snprintf(now, sizeof now, "%" PRId64, now_ms);
	const char *params[5] = {c->period, c->scope, now, str(c->reopened_by), c->reopen_reason};
	if (db_begin(conn, "BEGIN", err, errlen) != 0 ||
	    db_exec(conn, "closing: lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_AUDIT ")", err,
	            errlen) != 0)
		goto fail;
	r = db_query(conn, "closing: reopen",
	             "UPDATE period_closing SET reopened_ms = $3, reopened_by = $4, "
	             "reopen_reason = $5 WHERE period = $1 AND scope = $2 AND reopened_ms IS NULL "
	             "RETURNING version",
	             5, params, err, errlen);
	if (!r)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		db_rollback(conn);
		return refuse(reply, "%s of %s is not closed: nothing to reopen", c->period,
		              c->scope);
	}
	int version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (audit_action(conn, "reopen", c, version, (const uint8_t *)c->reopen_reason,
	                 strlen(c->reopen_reason), now_ms, err, errlen) != 0 ||
	    db_commit(conn, "closing: commit", err, errlen) != 0)
		goto fail;
	reply->closings = malloc(sizeof *reply->closings);
	Cchc__V1__Closing *done = malloc(sizeof *done);
	if (!reply->closings || !done) {
		free(done);
		return refuse(reply, "closing: reopened version %d, but out of memory to say so",
		              version);
	}
	cchc__v1__closing__init(done);
	done->period = strdup(c->period);
	done->scope = strdup(c->scope);
	done->has_version = done->has_reopened_ms = 1;
	done->version = version;
	done->reopened_ms = now_ms;
	reply->closings[reply->n_closings++] = done;
	return 0;
fail:
	db_rollback(conn);
	return -1;
}

static void put_sha(ProtobufCBinaryData *to, protobuf_c_boolean *has, const PGresult *r, int row,
                    int col)
{
	size_t n = 0;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
	if (b && n == SHA_BYTES && (to->data = malloc(n))) {
		memcpy(to->data, b, n);
		to->len = n;
		*has = 1;
	}
	PQfreemem(b);
}

#define CLOSING_COLUMNS                                                                            \
	"period, scope, version, from_ms, to_ms, structure, closed_ms, closed_by, note, forced, "  \
	"watermark, sha256_docx, sha256_pdf, sha256_xlsx, reopened_ms, "                           \
	"COALESCE(reopened_by, ''), COALESCE(reopen_reason, '')"

/* list (no figures) or get (one version with its figures). */
static int read_versions(PGconn *conn, const Cchc__V1__ClosingRequest *req, int get,
                         Cchc__V1__ClosingReply *reply, char *err, size_t errlen)
{
	const Cchc__V1__Closing *c = req->closing;
	char vs[16];
	snprintf(vs, sizeof vs, "%d", c && c->has_version ? c->version : 0);
	const char *params[3] = {c ? str(c->period) : "", c ? str(c->scope) : "", vs};
	/* get: one version (0 = the standing one) with its figures; list: every version, none */
	PGresult *r = db_query(
	    conn, "closing: versions",
	    get ? "SELECT " CLOSING_COLUMNS ", figures FROM period_closing WHERE period = $1 AND "
	          "scope = $2 AND (($3::int = 0 AND reopened_ms IS NULL) OR version = $3::int) "
	          "ORDER BY version DESC LIMIT 1"
	        : "SELECT " CLOSING_COLUMNS ", NULL::bytea FROM period_closing WHERE ($1 = '' OR "
	          "period = $1) AND ($2 = '' OR scope = $2) AND $3::int >= 0 "
	          "ORDER BY period, scope, version",
	    3, params, err, errlen);
	if (!r)
		return -1;
	int n = PQntuples(r);
	reply->closings = calloc((size_t)n + 1, sizeof *reply->closings);
	if (!reply->closings) {
		PQclear(r);
		snprintf(err, errlen, "closing: out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		Cchc__V1__Closing *x = malloc(sizeof *x);
		if (!x)
			break;
		cchc__v1__closing__init(x);
		reply->closings[reply->n_closings++] = x;
		x->period = strdup(PQgetvalue(r, i, 0));
		x->scope = strdup(PQgetvalue(r, i, 1));
		x->has_version = x->has_from_ms = x->has_to_ms = x->has_closed_ms = 1;
		x->has_forced = x->has_watermark = 1;
		x->version = atoi(PQgetvalue(r, i, 2));
		x->from_ms = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		x->to_ms = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		x->structure = strdup(PQgetvalue(r, i, 5));
		x->closed_ms = strtoll(PQgetvalue(r, i, 6), NULL, 10);
		x->closed_by = strdup(PQgetvalue(r, i, 7));
		x->note = strdup(PQgetvalue(r, i, 8));
		x->forced = PQgetvalue(r, i, 9)[0] == 't';
		x->watermark = strtoll(PQgetvalue(r, i, 10), NULL, 10);
		put_sha(&x->sha256_docx, &x->has_sha256_docx, r, i, 11);
		put_sha(&x->sha256_pdf, &x->has_sha256_pdf, r, i, 12);
		put_sha(&x->sha256_xlsx, &x->has_sha256_xlsx, r, i, 13);
		if (!PQgetisnull(r, i, 14)) {
			x->has_reopened_ms = 1;
			x->reopened_ms = strtoll(PQgetvalue(r, i, 14), NULL, 10);
			x->reopened_by = strdup(PQgetvalue(r, i, 15));
			x->reopen_reason = strdup(PQgetvalue(r, i, 16));
		}
		if (get && !PQgetisnull(r, i, 17)) {
			size_t len = 0;
			unsigned char *b =
			    PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 17), &len);
			x->figures = b ? cchc__v1__query_reply__unpack(NULL, len, b) : NULL;
			PQfreemem(b);
			if (!x->figures) {
				PQclear(r);
				snprintf(err, errlen,
				         "closing: the figures of version %d cannot be read back",
				         x->version);
				return -1;
			}
		}
	}
	int oom = reply->n_closings != (size_t)n;
	PQclear(r);
	if (oom) {
		snprintf(err, errlen, "closing: out of memory");
		return -1;
	}
	/* no standing version is an answer (the period is open); a version asked by number that
	 * does not exist is a mistake to report */
	if (get && reply->n_closings == 0 && c && c->has_version && c->version)
		return refuse(reply, "%s of %s has no version %d", params[0], params[1],
		              c->version);
	return 0;
}

/* Events that arrived after a watermark, by office and local store day. SQL groups them by
 * quarter hour (every UTC offset in use is a multiple of it), C by the configured zone's day. */
static int arrivals(PGconn *conn, const Cchc__V1__ClosingRequest *req,
                    Cchc__V1__ClosingReply *reply, char *err, size_t errlen)
{
	const Cchc__V1__Closing *c = req->closing;
	char from[40], to[40], wm[24], twm[24];
	if (!c->has_from_ms || !c->has_to_ms || !c->has_watermark)
		return refuse(reply, "closing: arrivals need the period and a watermark");
	db_format_ts(c->from_ms, from, sizeof from);
	db_format_ts(c->to_ms, to, sizeof to);
	snprintf(wm, sizeof wm, "%" PRId64, c->watermark);
	snprintf(twm, sizeof twm, "%" PRId64, req->has_to_watermark ? req->to_watermark : 0);
	const char *params[5] = {from, to, str(c->scope), wm, twm};
	PGresult *r = db_query(
	    conn, "closing: arrivals",
	    "WITH RECURSIVE " PARAMS_CTE ", " SCOPE_CTE ", "
	    "e AS (SELECT office, stored_at FROM dossier_event, p WHERE "
	    " COALESCE(store_seq, 0) > $4::bigint AND ($5::bigint = 0 OR COALESCE(store_seq, 0) <= "
	    " $5::bigint) AND at < p.t "
	    " UNION ALL SELECT office, stored_at FROM feedback_event, p WHERE "
	    " COALESCE(store_seq, 0) > $4::bigint AND ($5::bigint = 0 OR COALESCE(store_seq, 0) <= "
	    " $5::bigint) AND at < p.t) "
	    "SELECT e.office, floor(extract(epoch FROM e.stored_at) / 900)::bigint * 900000, "
	    " count(*) FROM e, p WHERE p.scope = '' OR e.office IN (SELECT code FROM scope) "
	    "GROUP BY 1, 2 ORDER BY 1, 2",
	    5, params, err, errlen);
	if (!r)
		return -1;
	int n = PQntuples(r);
	reply->arrivals = calloc((size_t)n + 1, sizeof *reply->arrivals);
	for (int i = 0; reply->arrivals && i < n; i++) {
		char day[11];
		cal_format_date(cal_local_day(strtoll(PQgetvalue(r, i, 1), NULL, 10)), day);
		int64_t k = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		Cchc__V1__Arrival *last =
		    reply->n_arrivals ? reply->arrivals[reply->n_arrivals - 1] : NULL;
		if (last && !strcmp(last->office, PQgetvalue(r, i, 0)) && !strcmp(last->day, day)) {
			last->events += k;
			continue;
		}
		Cchc__V1__Arrival *a = malloc(sizeof *a);
		if (!a)
			break;
		cchc__v1__arrival__init(a);
		reply->arrivals[reply->n_arrivals++] = a;
		a->office = strdup(PQgetvalue(r, i, 0));
		a->day = strdup(day);
		a->has_events = 1;
		a->events = k;
		if (!a->office || !a->day)
			break;
	}
	int oom = !reply->arrivals ||
	          (reply->n_arrivals && (!reply->arrivals[reply->n_arrivals - 1]->office ||
	                                 !reply->arrivals[reply->n_arrivals - 1]->day));
	PQclear(r);
	if (oom) {
		snprintf(err, errlen, "closing: out of memory");
		return -1;
	}
	return 0;
}

int closing_run(PGconn *conn, const Cchc__V1__ClosingRequest *req, Cchc__V1__ClosingReply *reply)
{
	char err[1024] = "";
	const char *a = req->action ? req->action : "";
	int rc;

	cchc__v1__closing_reply__init(reply);
	if (db_ensure(conn, err, sizeof err) != 0)
		return refuse(reply, "%s", err);
	if (strcmp(a, "list") && !req->closing)
		return refuse(reply, "closing: '%s' needs a closing", a);
	if (!strcmp(a, "prepare"))
		rc = prepare(conn, req, reply, err, sizeof err);
	else if (!strcmp(a, "commit"))
		rc = commit(conn, req, reply, err, sizeof err);
	else if (!strcmp(a, "reopen"))
		rc = reopen(conn, req, reply, err, sizeof err);
	else if (!strcmp(a, "list") || !strcmp(a, "get"))
		rc = read_versions(conn, req, !strcmp(a, "get"), reply, err, sizeof err);
	else if (!strcmp(a, "arrivals"))
		rc = arrivals(conn, req, reply, err, sizeof err);
	else
		return refuse(reply,
		              "closing: action '%s' is not prepare, commit, reopen, list, get or "
		              "arrivals",
		              a);
	if (rc != 0 && !reply->error)
		return refuse(reply, "%s", err[0] ? err : "closing failed");
	if (rc == 0) {
		reply->has_ok = 1;
		reply->ok = 1;
	}
	return rc;
}

static void closing_free(Cchc__V1__Closing *x)
{
	free(x->period);
	free(x->scope);
	free(x->structure);
	free(x->closed_by);
	free(x->note);
	free(x->reopened_by);
	free(x->reopen_reason);
	free(x->sha256_docx.data);
	free(x->sha256_pdf.data);
	free(x->sha256_xlsx.data);
	if (x->figures)
		cchc__v1__query_reply__free_unpacked(x->figures, NULL);
	free(x);
}

void closing_reply_clear(Cchc__V1__ClosingReply *reply)
{
	for (size_t i = 0; i < reply->n_closings; i++)
		closing_free(reply->closings[i]);
	free(reply->closings);
	for (size_t i = 0; i < reply->n_silent; i++)
		free(reply->silent[i]);
	free(reply->silent);
	for (size_t i = 0; i < reply->n_arrivals; i++) {
		free(reply->arrivals[i]->office);
		free(reply->arrivals[i]->day);
		free(reply->arrivals[i]);
	}
	free(reply->arrivals);
	free(reply->error);
	cchc__v1__closing_reply__init(reply);
}

/* store: StoreRequests become one transaction (one, or several that queued up together). The
 * batches are COPYed into temporary staging tables, inserted with ON CONFLICT DO NOTHING (COPY
 * alone would abort on one resent event), the events not inserted are told apart as duplicates or
 * conflicts per request, and only the dossiers / feedback items that gained an event get their
 * state recomputed (state.c) and written back set-based. A fixed number of round trips per
 * transaction, never one per record. */
#include "stats_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "hashidx.h"
#include "log.h"
#include "rfc3339.h"
#include "stats_agg.h"
#include "stats_audit.h"
#include "stats_db.h"
#include "stats_items.h"
#include "stats_state.h"

/* Session-local staging, emptied at every commit; IF NOT EXISTS because a reset connection
 * has lost them. Key columns are COLLATE "C" like the tables' (004_key_collation): sorting and
 * joining them then compares bytes, not strcoll. */
#define K " text COLLATE \"C\""
static const char staging_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_dossier_event (pos integer, source" K ", "
    "event_id" K ", office" K ", dossier" K ", procedure text, field text, kind smallint, "
    "channel smallint, at timestamptz, due timestamptz, store_seq bigint, rating smallint) "
    "ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_feedback_event (pos integer, source" K ", "
    "event_id" K ", office" K ", feedback" K ", kind smallint, topic smallint, at timestamptz, "
    "store_seq bigint) ON COMMIT DELETE ROWS";
#undef K

/* The staged rows carry their source: one transaction may hold the batches of several sources.
 * With the same (source, event_id) twice among them, the first in queue order is the one inserted
 * (DISTINCT ON … pos); without, the cheaper form skips that sort. */
#define INSERT_DOSSIER_EVENTS(distinct, order)                                                     \
	"WITH ins AS (INSERT INTO dossier_event (source, event_id, office, dossier, procedure, "   \
	"field, kind, channel, at, due, store_seq, rating) SELECT " distinct " source, event_id, " \
	"office, dossier, procedure, field, kind, channel, at, due, store_seq, rating FROM "       \
	"stage_dossier_event " order                                                               \
	"ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id) "                   \
	"SELECT source, event_id FROM ins"
static const char insert_dossier_events_sql[] = INSERT_DOSSIER_EVENTS("", "");
static const char insert_dossier_events_dedup_sql[] =
    INSERT_DOSSIER_EVENTS("DISTINCT ON (source, event_id)", "ORDER BY source, event_id, pos ");

static const char classify_dossier_sql[] =
    "SELECT s.pos, (d.office = s.office AND d.dossier = s.dossier AND "
    "d.procedure = s.procedure AND d.field = s.field AND d.kind = s.kind AND "
    "d.channel = s.channel AND d.at = s.at AND d.due IS NOT DISTINCT FROM s.due AND "
    "d.rating = s.rating) "
    "FROM stage_dossier_event s CROSS JOIN LATERAL (SELECT * FROM dossier_event d "
    "WHERE d.source = s.source AND d.event_id = s.event_id OFFSET 0) d ORDER BY s.pos";

#define INSERT_FEEDBACK_EVENTS(distinct, order)                                                    \
	"WITH ins AS (INSERT INTO feedback_event (source, event_id, office, feedback, kind, "      \
	"topic, at, store_seq) SELECT " distinct " source, event_id, office, feedback, kind, "     \
	"topic, at, store_seq FROM stage_feedback_event " order                                    \
	"ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id) "                   \
	"SELECT source, event_id FROM ins"
static const char insert_feedback_events_sql[] = INSERT_FEEDBACK_EVENTS("", "");
static const char insert_feedback_events_dedup_sql[] =
    INSERT_FEEDBACK_EVENTS("DISTINCT ON (source, event_id)", "ORDER BY source, event_id, pos ");

static const char classify_feedback_sql[] =
    "SELECT s.pos, (d.office = s.office AND d.feedback = s.feedback AND "
    "d.kind = s.kind AND d.topic = s.topic AND d.at = s.at) "
    "FROM stage_feedback_event s CROSS JOIN LATERAL (SELECT * FROM feedback_event d "
    "WHERE d.source = s.source AND d.event_id = s.event_id OFFSET 0) d ORDER BY s.pos";

/* One valid record of the batch, as staged. */
typedef struct staged {
	size_t item;     /* position in req->items */
	int64_t at, due; /* due: STATE_NO_TIME when absent (dossiers only) */
	const Cchc__V1__DossierEvent *d;
	const Cchc__V1__FeedbackEvent *f;
} staged;

typedef struct batch {
	const Cchc__V1__StoreRequest *req;
	Cchc__V1__StoreReply *reply;
	size_t rej_cap;
	staged *ds, *fs;
	size_t nd, nf;
	int oom;
	uint32_t accepted; /* newly stored events of this batch */
} batch;

/* One staged row of a merged transaction: its batch and its place in that batch's ds / fs. Its
 * index in the merge's array is its `pos` in the staging table (queue order). */
typedef struct slot {
	batch *b;
	const staged *s;
} slot;

/* (source, event_id) of a row, for finding the rows the INSERT returned. */
typedef struct key {
	const char *source, *event_id;
} key;

static uint32_t item_index(const batch *b, size_t item)
{
	const Cchc__V1__StoreItem *it = b->req->items[item];
	return it && it->has_index ? it->index : (uint32_t)item;
}

/* Adds a rejection; code is a static string, message is copied. */
static void reject(batch *b, size_t item, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject(batch *b, size_t item, const char *code, const char *fmt, ...)
{
	Cchc__V1__StoreReply *r = b->reply;
	Cchc__V1__Rejection *x;
	char msg[512], *message;
	va_list ap;

	if (grow_array((void **)&r->rejections, &b->rej_cap, r->n_rejections + 1,
	               sizeof *r->rejections) != 0) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x = malloc(sizeof *x);
	message = strdup(msg);
	if (!x || !message) {
		free(x);
		free(message);
		b->oom = 1;
		return;
	}
	cchc__v1__rejection__init(x);
	x->message = message;
	x->has_index = 1;
	x->index = item_index(b, item);
	x->code = (char *)code;
	r->rejections[r->n_rejections++] = x;
}

/* protobuf-c does not check UTF-8 in proto2 strings, and PostgreSQL refuses invalid UTF-8 with
 * an error that would abort the whole batch again at every resend: catch it per record. */
static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p++;
		int n;
		unsigned min, cp;
		if (c < 0x80)
			continue;
		if ((c & 0xE0) == 0xC0)
			n = 1, min = 0x80, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			n = 2, min = 0x800, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (*p & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
	}
	return 1;
}

static int text_ok(const char *s, int required)
{
	if (!s)
		return !required;
	if (required && !*s)
		return 0;
	return utf8_valid(s);
}

/* Stats trusts ingest's validation but never lets a malformed record crash it or poison a batch. */
static void stage_items(batch *b)
{
	const Cchc__V1__StoreRequest *req = b->req;

	for (size_t i = 0; i < req->n_items; i++) {
		const Cchc__V1__StoreItem *it = req->items[i];
		const Cchc__V1__Record *rec = it ? it->record : NULL;
		int64_t at, due = STATE_NO_TIME;

		if (!rec || rec->event_case == CCHC__V1__RECORD__EVENT__NOT_SET ||
		    (rec->event_case == CCHC__V1__RECORD__EVENT_DOSSIER && !rec->dossier) ||
		    (rec->event_case == CCHC__V1__RECORD__EVENT_FEEDBACK && !rec->feedback)) {
			reject(b, i, "bad_field", "record %u holds no event", item_index(b, i));
			continue;
		}
		if (rec->event_case == CCHC__V1__RECORD__EVENT_DOSSIER) {
			const Cchc__V1__DossierEvent *d = rec->dossier;
			if (!text_ok(d->event_id, 1) || !text_ok(d->office, 1) ||
			    !text_ok(d->dossier, 1) || !text_ok(d->procedure, 0) ||
			    !text_ok(d->field, 0) || d->kind < CCHC__V1__DOSSIER_KIND__SUBMITTED ||
			    d->kind > CCHC__V1__DOSSIER_KIND__RATED || (int)d->channel < 0 ||
			    d->channel > CCHC__V1__CHANNEL__POSTAL || (int)d->rating < 0 ||
			    d->rating > CCHC__V1__RATING__UNSATISFIED) {
				reject(
				    b, i, "bad_field",
				    "record %u: event_id, office, dossier, kind, channel or rating "
				    "missing or invalid",
				    item_index(b, i));
				continue;
			}
			if (!d->at || rfc3339_parse(d->at, &at) != 0 ||
			    (d->due && *d->due && rfc3339_parse(d->due, &due) != 0)) {
				reject(b, i, "bad_time",
				       "record %u (event_id %s): at or due is not an "
				       "RFC 3339 time with offset",
				       item_index(b, i), d->event_id);
				continue;
			}
			b->ds[b->nd++] = (staged){.item = i, .at = at, .due = due, .d = d};
		} else {
			const Cchc__V1__FeedbackEvent *f = rec->feedback;
			if (!text_ok(f->event_id, 1) || !text_ok(f->office, 1) ||
			    !text_ok(f->feedback, 1) ||
			    f->kind < CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED ||
			    f->kind > CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED ||
			    (int)f->topic < 0 || f->topic > CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR) {
				reject(b, i, "bad_field",
				       "record %u: event_id, office, feedback, kind or topic "
				       "missing or "
				       "invalid",
				       item_index(b, i));
				continue;
			}
			if (!f->at || rfc3339_parse(f->at, &at) != 0) {
				reject(b, i, "bad_time",
				       "record %u (event_id %s): at is not an RFC 3339 "
				       "time with offset",
				       item_index(b, i), f->event_id);
				continue;
			}
			b->fs[b->nf++] = (staged){.item = i, .at = at, .f = f};
		}
	}
}

static int cmp_key(const void *a, const void *b)
{
	const key *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	return c ? c : strcmp(x->event_id, y->event_id);
}

static const char *batch_source(const batch *b)
{
	return b->req->source ? b->req->source : "";
}

static key row_key(const slot *rows, size_t i, int feedback)
{
	return (key){batch_source(rows[i].b),
	             feedback ? rows[i].s->f->event_id : rows[i].s->d->event_id};
}

typedef struct repeats_ctx {
	const slot *rows;
	int feedback;
} repeats_ctx;

static int row_key_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const repeats_ctx *c = ctx;
	key k = row_key(c->rows, idx, c->feedback);
	return cmp_key(&k, probe) == 0;
}

/* Whether some (source, event_id) appears twice among the staged rows; -1 out of memory. */
static int has_repeats(const slot *rows, size_t n, int feedback)
{
	repeats_ctx c = {rows, feedback};
	hashidx h = {0};
	int rep = 0;

	for (size_t i = 0; i < n && !rep; i++) {
		key k = row_key(rows, i, feedback);
		uint32_t first;
		rep = hashidx_get_or_add(
		    &h, hashidx_str(hashidx_str(HASHIDX_SEED, k.source), k.event_id), &k,
		    row_key_eq, &c, (uint32_t)i, &first);
	}
	hashidx_free(&h);
	return rep;
}

/* The rows as binary COPY: (pos,) source, then the event's columns in table order. Binary, as
 * the state rows: the server then parses no timestamps (two a row). */
static void buf_events(db_buf *buf, const slot *rows, size_t n, int feedback, int with_pos,
                       int64_t seq)
{
	db_bin_start(buf);
	for (size_t p = 0; p < n; p++) {
		const staged *s = rows[p].s;
		db_bin_row(buf, (feedback ? 8 : 12) + with_pos);
		if (with_pos)
			db_bin_i32(buf, (int32_t)p);
		db_bin_text(buf, batch_source(rows[p].b));
		if (!feedback) {
			db_bin_text(buf, s->d->event_id);
			db_bin_text(buf, s->d->office);
			db_bin_text(buf, s->d->dossier);
			db_bin_text(buf, s->d->procedure);
			db_bin_text(buf, s->d->field);
			db_bin_i16(buf, s->d->kind);
			db_bin_i16(buf, s->d->channel);
			db_bin_ts(buf, s->at);
			db_bin_ts(buf, s->due);
			db_bin_i64(buf, seq);
			db_bin_i16(buf, s->d->rating);
		} else {
			db_bin_text(buf, s->f->event_id);
			db_bin_text(buf, s->f->office);
			db_bin_text(buf, s->f->feedback);
			db_bin_i16(buf, s->f->kind);
			db_bin_i16(buf, s->f->topic);
			db_bin_ts(buf, s->at);
			db_bin_i64(buf, seq);
		}
	}
	db_bin_end(buf);
}

/* The common case, events never seen before: straight into the event table, as fast as a raw COPY
 * can be, under a savepoint. One already stored (a resend, a reused event_id) makes the COPY fail
 * with unique_violation: back to the savepoint and 1, for the checked path to sort them out. */
static int copy_direct(PGconn *conn, const slot *rows, size_t n, int feedback, int64_t seq,
                       char *err, size_t errlen)
{
	db_buf buf = {0};
	char st[6];
	int rc;

	if (db_exec(conn, "savepoint", "SAVEPOINT direct", err, errlen) != 0)
		return -1;
	buf_events(&buf, rows, n, feedback, 0, seq);
	rc =
	    db_copy_state(conn, feedback ? "copy feedback events" : "copy dossier events",
	                  feedback ? "COPY feedback_event (source, event_id, office, feedback, "
	                             "kind, topic, at, store_seq) FROM STDIN (FORMAT binary)"
	                           : "COPY dossier_event (source, event_id, office, dossier, "
	                             "procedure, field, kind, channel, at, due, store_seq, rating) "
	                             "FROM STDIN (FORMAT binary)",
	                  &buf, st, err, errlen);
	db_buf_free(&buf);
	if (rc == 0)
		return db_exec(conn, "release savepoint", "RELEASE SAVEPOINT direct", err, errlen);
	if (strcmp(st, "23505") != 0)
		return -1;
	if (db_exec(conn, "rollback to savepoint", "ROLLBACK TO SAVEPOINT direct", err, errlen) !=
	    0)
		return -1;
	return 1;
}

/* Marks row p stored: its batch's count and its item's new event. */
static void accept_row(const slot *rows, size_t p, items *it, uint32_t *accepted)
{
	rows[p].b->accepted++;
	items_accept(it, p);
	++*accepted;
}

/* Inserts the n staged rows of one kind (all batches of the merge, in queue order) and sorts
 * each batch's records into accepted, duplicate and conflict; the accepted ones are marked in
 * it, where row p is candidate p. Returns 0 or -1 with err. */
static int insert_events(PGconn *conn, const slot *rows, size_t n, int feedback, int64_t seq,
                         items *it, uint32_t *accepted, char *err, size_t errlen)
{
	PGresult *ins = NULL, *cls = NULL;
	db_buf buf = {0};
	key *ids = NULL;
	char *claimed = NULL;
	int nins, rep, rc = -1;

	*accepted = 0;
	rep = has_repeats(rows, n, feedback);
	if (rep < 0) {
		snprintf(err, errlen, "stage events: out of memory");
		goto out;
	}
	if (!rep) {
		int d = copy_direct(conn, rows, n, feedback, seq, err, errlen);
		if (d < 0)
			goto out;
		if (d == 0) {
			for (size_t p = 0; p < n; p++)
				accept_row(rows, p, it, accepted);
			rc = 0;
			goto out;
		}
	}
	buf_events(&buf, rows, n, feedback, 1, seq);
	rc = db_copy(conn, feedback ? "copy feedback events" : "copy dossier events",
	             feedback ? "COPY stage_feedback_event FROM STDIN (FORMAT binary)"
	                      : "COPY stage_dossier_event FROM STDIN (FORMAT binary)",
	             &buf, err, errlen);
	db_buf_free(&buf);
	if (rc != 0)
		goto out;
	rc = -1;
	ins = db_query(conn, feedback ? "insert feedback events" : "insert dossier events",
	               feedback
	                   ? (rep ? insert_feedback_events_dedup_sql : insert_feedback_events_sql)
	                   : (rep ? insert_dossier_events_dedup_sql : insert_dossier_events_sql),
	               0, NULL, err, errlen);
	if (!ins)
		goto out;
	nins = PQntuples(ins);
	if ((size_t)nins == n) { /* all new: nothing to tell apart */
		for (size_t p = 0; p < n; p++)
			accept_row(rows, p, it, accepted);
		rc = 0;
		goto out;
	}
	cls =
	    db_query(conn, feedback ? "compare feedback events" : "compare dossier events",
	             feedback ? classify_feedback_sql : classify_dossier_sql, 0, NULL, err, errlen);
	if (!cls)
		goto out;
	ids = malloc(((size_t)nins + 1) * sizeof *ids);
	claimed = calloc((size_t)nins + 1, 1);
	if (!ids || !claimed) {
		snprintf(err, errlen, "compare events: out of memory");
		goto out;
	}
	for (int i = 0; i < nins; i++)
		ids[i] = (key){PQgetvalue(ins, i, 0), PQgetvalue(ins, i, 1)};
	qsort(ids, (size_t)nins, sizeof *ids, cmp_key);
	for (int i = 0; i < PQntuples(cls); i++) {
		size_t p = strtoul(PQgetvalue(cls, i, 0), NULL, 10);
		if (p >= n)
			continue;
		batch *b = rows[p].b;
		key id = row_key(rows, p, feedback);
		const key *hit = bsearch(&id, ids, (size_t)nins, sizeof *ids, cmp_key);
		if (hit && !claimed[hit - ids]) {
			/* rows come in pos order: the first copy is the one inserted */
			claimed[hit - ids] = 1;
			accept_row(rows, p, it, accepted);
			continue;
		}
		if (strcmp(PQgetvalue(cls, i, 1), "t") == 0) {
			b->reply->duplicate++;
		} else {
			reject(b, rows[p].s->item, "conflict",
			       "event_id %s was already stored with other content; an event "
			       "never changes, send a new event_id",
			       id.event_id);
		}
	}
	rc = 0;
out:
	free(ids);
	free(claimed);
	PQclear(cls);
	PQclear(ins);
	return rc;
}

/* One kind of event of every batch of the merge: the items' old states read, the events
 * inserted, the items that gained one written back. */
static int store_kind(PGconn *conn, batch *bs, size_t nb, int feedback, int64_t seq,
                      items_shared *sh, uint32_t *accepted, char *err, size_t errlen)
{
	size_t n = 0;
	slot *rows;
	items *it;
	int rc = -1;

	*accepted = 0;
	for (size_t k = 0; k < nb; k++)
		n += feedback ? bs[k].nf : bs[k].nd;
	if (n == 0)
		return 0;
	rows = malloc(n * sizeof *rows);
	it = items_open(feedback);
	if (!rows || !it)
		goto oom;
	n = 0;
	for (size_t k = 0; k < nb; k++) {
		size_t m = feedback ? bs[k].nf : bs[k].nd;
		for (size_t i = 0; i < m; i++) {
			const staged *s = feedback ? &bs[k].fs[i] : &bs[k].ds[i];
			rows[n++] = (slot){&bs[k], s};
			if (feedback
			        ? items_add_feedback(it, s->f->office, s->f->feedback,
			                             &(feedback_event){.kind = s->f->kind,
			                                               .topic = s->f->topic,
			                                               .at_ms = s->at})
			        : items_add_dossier(it, s->d->office, s->d->dossier,
			                            &(dossier_event){.kind = s->d->kind,
			                                             .channel = s->d->channel,
			                                             .at_ms = s->at,
			                                             .due_ms = s->due,
			                                             .procedure = s->d->procedure,
			                                             .field = s->d->field,
			                                             .rating = s->d->rating}))
				goto oom;
		}
	}
	if (items_load(conn, it, err, errlen) == 0 &&
	    insert_events(conn, rows, n, feedback, seq, it, accepted, err, errlen) == 0 &&
	    items_write(conn, it, sh, err, errlen) == 0)
		rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "stage events: out of memory");
out:
	items_close(it);
	free(rows);
	return rc;
}

int store_part(const Cchc__V1__Record *rec)
{
	const char *office = NULL, *code = NULL;

	if (rec && rec->event_case == CCHC__V1__RECORD__EVENT_DOSSIER && rec->dossier)
		office = rec->dossier->office, code = rec->dossier->dossier;
	else if (rec && rec->event_case == CCHC__V1__RECORD__EVENT_FEEDBACK && rec->feedback)
		office = rec->feedback->office, code = rec->feedback->feedback;
	if (!office || !code)
		return 0;
	/* FNV-1a: the same in every stats process and release, which all must agree on */
	return (int)(hashidx_str(hashidx_str(HASHIDX_SEED, office), code) % STORE_PARTS);
}

void store_reply_clear(Cchc__V1__StoreReply *reply)
{
	for (size_t i = 0; i < reply->n_rejections; i++) {
		free(reply->rejections[i]->message);
		free(reply->rejections[i]);
	}
	free(reply->rejections);
	free(reply->error);
	cchc__v1__store_reply__init(reply);
}

/* The log gets the failed step and the SQLSTATE only: server messages may quote record values. */
static void log_store_failure(size_t n, const char *err)
{
	const char *state = strstr(err, "(SQLSTATE ");
	size_t step = strcspn(err, ":");

	log_warn("store: %zu records not stored: %.*s%s%.*s", n, (int)step, err, state ? " " : "",
	         state ? 16 : 0, state ? state : "");
}

static int fail_reply(batch *b, const char *error)
{
	Cchc__V1__StoreReply *r = b->reply;

	store_reply_clear(r);
	r->has_committed = 1;
	r->committed = 0;
	r->error = strdup(error);
	return -1;
}

/* BEGIN and the locks of a store transaction of writer `part` (STORE_ALL_PARTS: every part).
 * A state is recomputed from what is committed, so two transactions must never derive the same
 * item's state from each other's half: each part's items are stored by one transaction at a time,
 * even across stats processes, and the writers of different parts share the lock that registry
 * syncs and migrations take alone. An aggregate rebuild (agg_prepare, after a registry change)
 * reads every state, so it needs that lock alone too: when the aggregates are stale the
 * transaction starts again holding it. */
static int begin_locked(PGconn *conn, int part, int64_t *seq, char *err, size_t errlen)
{
	char p[12];
	const char *params[1] = {p};
	int fresh;

	if (db_begin(conn, "BEGIN", err, errlen) != 0)
		return -1;
	/* With the lock held, the transaction's place in the order of storing: every event it
	 * stores carries it (migration 011), so a closing, which takes the lock alone, finds each
	 * committed event on one side of its watermark. */
	PGresult *r;
	if (part == STORE_ALL_PARTS) {
		r = db_query(conn, "lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_KEY ")", 0, NULL,
		             err, errlen);
	} else {
		snprintf(p, sizeof p, "%d", part);
		r = db_query(conn, "lock",
		             "SELECT pg_advisory_xact_lock_shared(" DB_LOCK_KEY
		             "), pg_advisory_xact_lock(" DB_LOCK_PART " + $1::bigint)",
		             1, params, err, errlen);
	}
	if (!r)
		return -1;
	PQclear(r);
	r = db_query(conn, "store sequence", "SELECT nextval('event_store_seq')", 0, NULL, err,
	             errlen);
	if (!r)
		return -1;
	*seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (part == STORE_ALL_PARTS)
		return 0;
	/* stable while the shared lock is held: only a registry sync, which waits for it, flips it
	 */
	if (agg_fresh(conn, &fresh, err, errlen) != 0)
		return -1;
	if (fresh)
		return 0;
	if (db_exec(conn, "rollback", "ROLLBACK", err, errlen) != 0)
		return -1;
	return begin_locked(conn, STORE_ALL_PARTS, seq, err, errlen);
}

/* Runs the batches as one transaction: one lock, one COPY and one INSERT per kind, one recompute,
 * one commit; the audit log still gets one entry per batch, in queue order. */
static int store_merged(PGconn *conn, int part, batch *bs, size_t nb, char *err, size_t errlen)
{
	char nd[24], nf[24];
	uint32_t acc_d = 0, acc_f = 0;
	items_shared sh = {.part = part == STORE_ALL_PARTS ? 0 : part};
	PGresult *r;

	if (db_ensure(conn, err, errlen) != 0)
		return -2;
	int64_t seq = 0;
	if (begin_locked(conn, part, &seq, err, errlen) != 0 ||
	    db_exec(conn, "staging", staging_sql, err, errlen) != 0 ||
	    store_kind(conn, bs, nb, 0, seq, &sh, &acc_d, err, errlen) != 0 ||
	    store_kind(conn, bs, nb, 1, seq, &sh, &acc_f, err, errlen) != 0)
		goto fail;
	items_shared_clear(&sh);
	for (size_t k = 0; k < nb; k++)
		if (bs[k].oom) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	/* The writers' transactions end one at a time: the count row and the audit chain's last
	 * entry are shared by every part (a chain read by two at once would fork). */
	if (db_exec(conn, "lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_AUDIT ")", err, errlen) !=
	    0)
		goto fail;
	if (acc_d || acc_f) {
		const char *params[2] = {nd, nf};
		snprintf(nd, sizeof nd, "%u", acc_d);
		snprintf(nf, sizeof nf, "%u", acc_f);
		r = db_query(conn, "count events",
		             "UPDATE event_count SET dossier = dossier + $1, "
		             "feedback = feedback + $2 WHERE id = 1",
		             2, params, err, errlen);
		if (!r)
			goto fail;
		PQclear(r);
	}
	for (size_t k = 0; k < nb; k++)
		if (audit_append(conn, bs[k].req, bs[k].accepted, (uint32_t)bs[k].reply->duplicate,
		                 err, errlen))
			goto fail;
	r = PQexec(conn, "COMMIT");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		snprintf(err, errlen, "commit: %s",
		         r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		             ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
		             : "the transaction did not commit");
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	return 0;
fail:
	items_shared_clear(&sh);
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	else
		PQreset(conn); /* and if PostgreSQL is still away, db_ensure retries next time */
	return -1;
}

/* (Re)starts a batch's reply and stages its records; -1 when out of memory. */
static int batch_open(batch *b, const Cchc__V1__StoreRequest *req, Cchc__V1__StoreReply *reply)
{
	*b = (batch){.req = req, .reply = reply};
	cchc__v1__store_reply__init(reply);
	b->ds = malloc((req->n_items + 1) * sizeof *b->ds);
	b->fs = malloc((req->n_items + 1) * sizeof *b->fs);
	if (!b->ds || !b->fs)
		return -1;
	stage_items(b);
	return 0;
}

static void batch_close(batch *b)
{
	free(b->ds);
	free(b->fs);
	b->ds = b->fs = NULL;
}

/* Fills a committed batch's reply; returns its events newly stored. */
static uint64_t committed_reply(batch *b)
{
	b->reply->has_committed = 1;
	b->reply->committed = 1;
	b->reply->has_accepted = 1;
	b->reply->accepted = b->accepted;
	b->reply->has_duplicate = 1;
	return b->accepted;
}

int store_batches(PGconn *conn, int part, size_t n, const Cchc__V1__StoreRequest *const *reqs,
                  Cchc__V1__StoreReply *replies, uint64_t *stored)
{
	batch *bs = calloc(n + 1, sizeof *bs);
	char err[512];
	int rc, fails = 0;

	for (size_t k = 0; k < n; k++)
		stored[k] = 0;
	if (!bs) {
		for (size_t k = 0; k < n; k++) {
			batch b = {.req = reqs[k], .reply = &replies[k]};
			cchc__v1__store_reply__init(&replies[k]);
			fail_reply(&b, "out of memory");
		}
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		if (batch_open(&bs[k], reqs[k], &replies[k]) != 0) {
			for (size_t j = 0; j < n; j++) {
				batch_close(&bs[j]);
				if (!bs[j].req) { /* not opened yet */
					bs[j] = (batch){.req = reqs[j], .reply = &replies[j]};
					cchc__v1__store_reply__init(&replies[j]);
				}
				fail_reply(&bs[j], "out of memory");
			}
			free(bs);
			return -1;
		}
	rc = store_merged(conn, part, bs, n, err, sizeof err);
	if (rc == -1 && n > 1) {
		/* One batch must not hold the others back (a record PostgreSQL refuses fails its
		 * transaction): each alone, as if never merged. */
		log_warn("store: %zu merged requests not stored together (%.*s); one by one", n,
		         (int)strcspn(err, ":"), err);
		for (size_t k = 0; k < n; k++) {
			batch_close(&bs[k]);
			store_reply_clear(&replies[k]);
			if (batch_open(&bs[k], reqs[k], &replies[k]) != 0) {
				fails++;
				fail_reply(&bs[k], "out of memory");
				continue;
			}
			if (store_merged(conn, part, &bs[k], 1, err, sizeof err) != 0) {
				fails++;
				log_store_failure(reqs[k]->n_items, err);
				fail_reply(&bs[k], err);
				continue;
			}
			stored[k] = committed_reply(&bs[k]);
		}
	} else {
		for (size_t k = 0; k < n; k++) {
			if (rc != 0) {
				fails++;
				log_store_failure(reqs[k]->n_items, err);
				fail_reply(&bs[k], err);
				continue;
			}
			stored[k] = committed_reply(&bs[k]);
		}
	}
	for (size_t k = 0; k < n; k++)
		batch_close(&bs[k]);
	free(bs);
	return fails ? -1 : 0;
}

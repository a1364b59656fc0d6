/* verify: the stored state rows against a recomputation from the raw events. Two cursors (events
 * and states, both in byte order of (office, item)) are merged in C, a few thousand rows at a
 * time, so memory holds one item's events, never the table. Every value is compared as text in
 * one canonical form (times as epoch milliseconds), made by SQL for the stored row and by C for
 * the recomputed one. */
#include "stats_verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "stats_agg.h"
#include "stats_db.h"
#include "stats_evblob.h"
#include "stats_state.h"

#define FETCH_ROWS "2000"

/* clang-format off */
/* A timestamptz column as canonical text: epoch ms, 'null', 'infinity' or '-infinity'. */
#define TS(x) \
	"CASE WHEN " x " IS NULL THEN 'null' WHEN " x " = 'infinity' THEN 'infinity' " \
	"WHEN " x " = '-infinity' THEN '-infinity' " \
	"ELSE ((extract(epoch FROM " x ") * 1000)::bigint)::text END"
#define TSARR(a) \
	"array_to_string(ARRAY(SELECT " TS("w.v") " FROM unnest(" a ") " \
	"WITH ORDINALITY AS w(v, n) ORDER BY w.n), ',')"
/* The unit a state holds, and the one the registry gives for its anchor time. */
#define UNIT_STORED \
	"COALESCE(s.unit_snapshot::text || '/' || s.level || '/' || " TS("s.unit_valid_from") \
	" || '/' || " TS("s.unit_valid_to") ", 'none')"
#define UNIT_EXPECTED \
	"COALESCE((SELECT u.snapshot::text || '/' || u.level || '/' || " TS("u.valid_from") \
	" || '/' || " TS("u.valid_to") " FROM units u WHERE u.code = s.office " \
	"AND s.anchor_at >= u.valid_from AND s.anchor_at < u.valid_to " \
	"ORDER BY u.valid_from DESC LIMIT 1), 'none')"
/* clang-format on */

/* clang-format off */
static const char dossier_events_cursor[] =
    "DECLARE verify_ev NO SCROLL CURSOR FOR SELECT office, dossier, procedure, field, kind, "
    "channel, (extract(epoch FROM at) * 1000)::bigint, (extract(epoch FROM due) * 1000)::bigint, "
    "rating FROM dossier_event ORDER BY office COLLATE \"C\", dossier COLLATE \"C\"";

static const char dossier_states_cursor[] =
    "DECLARE verify_st NO SCROLL CURSOR FOR SELECT s.office, s.dossier, "
    TS("s.anchor_at") ", s.procedure, s.field, s.channel::text, s.has_received::int::text, "
    TS("s.received_at") ", "
    TS("s.due") ", "
    TSARR("s.due_from") ", "
    TSARR("s.due_val") ", "
    TSARR("s.supp_from") ", "
    TSARR("s.supp_to") ", s.supplement_waiting::int::text, "
    TS("s.finished_at") ", s.finish_kind::text, s.resolved_class::text, "
    TS("s.submitted_at") ", "
    TS("s.waiting_end_at") ", "
    TS("s.not_accepted_at") ", "
    TS("s.delivered_at") ", "
    TS("s.paid_online_at") ", "
    TS("s.digitized_at") ", s.anomalies::text, s.events::text, s.rating::text, "
    UNIT_STORED ", "
    UNIT_EXPECTED ", s.ev"
    " FROM dossier_state s ORDER BY s.office COLLATE \"C\", s.dossier COLLATE \"C\"";

static const char feedback_events_cursor[] =
    "DECLARE verify_ev NO SCROLL CURSOR FOR SELECT office, feedback, kind, topic, "
    "(extract(epoch FROM at) * 1000)::bigint FROM feedback_event "
    "ORDER BY office COLLATE \"C\", feedback COLLATE \"C\"";

static const char feedback_states_cursor[] =
    "DECLARE verify_st NO SCROLL CURSOR FOR SELECT s.office, s.feedback, "
    TS("s.anchor_at") ", s.has_received::int::text, "
    TS("s.received_at") ", s.topic::text, "
    TS("s.resolved_at") ", "
    TS("s.published_at") ", s.anomalies::text, s.events::text, " TS("s.deadline") ", "
    UNIT_STORED ", "
    UNIT_EXPECTED ", s.ev"
    " FROM feedback_state s ORDER BY s.office COLLATE \"C\", s.feedback COLLATE \"C\"";
/* clang-format on */

/* Compared fields, in the order of the state cursor's columns from 2 on; 1 marks a time. */
typedef struct field_def {
	const char *name;
	int time;
} field_def;

static const field_def dossier_fields[] = {
    {"anchor_at", 1},    {"procedure", 0},      {"field", 0},
    {"channel", 0},      {"has_received", 0},   {"received_at", 1},
    {"due", 1},          {"due_from", 1},       {"due_val", 1},
    {"supp_from", 1},    {"supp_to", 1},        {"supplement_waiting", 0},
    {"finished_at", 1},  {"finish_kind", 0},    {"resolved_class", 0},
    {"submitted_at", 1}, {"waiting_end_at", 1}, {"not_accepted_at", 1},
    {"delivered_at", 1}, {"paid_online_at", 1}, {"digitized_at", 1},
    {"anomalies", 0},    {"events", 0},         {"rating", 0},
};
enum { N_DOSSIER_FIELDS = sizeof dossier_fields / sizeof dossier_fields[0] };

static const field_def feedback_fields[] = {
    {"anchor_at", 1}, {"has_received", 0}, {"received_at", 1},
    {"topic", 0},     {"resolved_at", 1},  {"published_at", 1},
    {"anomalies", 0}, {"events", 0},       {"deadline", 1},
};
enum { N_FEEDBACK_FIELDS = sizeof feedback_fields / sizeof feedback_fields[0] };
enum { MAX_FIELDS = N_DOSSIER_FIELDS };

/* ---- a cursor read a batch at a time ---- */

typedef struct cursor {
	PGconn *conn;
	const char *fetch_sql; /* FETCH n FROM name */
	PGresult *r;
	int i, n, eof;
} cursor;

/* Makes row c->i available unless the cursor is exhausted. Returns 0 or -1 with err. */
static int cursor_fill(cursor *c, char *err, size_t errlen)
{
	if (c->r && c->i < c->n)
		return 0;
	PQclear(c->r);
	c->r = NULL;
	c->i = c->n = 0;
	if (c->eof)
		return 0;
	c->r = db_query(c->conn, "verify: fetch", c->fetch_sql, 0, NULL, err, errlen);
	if (!c->r)
		return -1;
	c->n = PQntuples(c->r);
	if (c->n == 0)
		c->eof = 1;
	return 0;
}

static int cursor_has(const cursor *c)
{
	return c->r && c->i < c->n;
}

static const char *cursor_val(const cursor *c, int col)
{
	return PQgetvalue(c->r, c->i, col);
}

/* ---- canonical text of the recomputed state ---- */

typedef struct canon {
	char *v[MAX_FIELDS];
} canon;

static void canon_free(canon *c, int n)
{
	for (int i = 0; i < n; i++) {
		free(c->v[i]);
		c->v[i] = NULL;
	}
}

static char *ms_text(int64_t ms)
{
	char buf[32];

	if (ms == STATE_NO_TIME)
		return strdup("null");
	if (ms == STATE_OPEN_END)
		return strdup("infinity");
	snprintf(buf, sizeof buf, "%" PRId64, ms);
	return strdup(buf);
}

static char *int_text(long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	return strdup(buf);
}

/* n values found at `stride` bytes from each other, joined by commas. */
static char *ms_list(const int64_t *first, size_t n, size_t stride)
{
	char *s = malloc(n * 24 + 1);
	size_t len = 0;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int64_t v = *(const int64_t *)((const char *)first + i * stride);
		char *t = ms_text(v);
		if (!t) {
			free(s);
			return NULL;
		}
		len += (size_t)snprintf(s + len, 24, "%s%s", i ? "," : "", t);
		free(t);
	}
	return s;
}

static int dossier_canon(const dossier_state *s, canon *c)
{
	int k = 0;

	c->v[k++] = ms_text(s->anchor_at);
	c->v[k++] = strdup(s->procedure);
	c->v[k++] = strdup(s->field);
	c->v[k++] = int_text(s->channel);
	c->v[k++] = int_text(s->has_received);
	c->v[k++] = ms_text(s->received_at);
	c->v[k++] = ms_text(s->due_ms);
	c->v[k++] = ms_list(&s->dues[0].from_ms, s->n_dues, sizeof s->dues[0]);
	c->v[k++] = ms_list(&s->dues[0].due_ms, s->n_dues, sizeof s->dues[0]);
	c->v[k++] = ms_list(&s->waits[0].from_ms, s->n_waits, sizeof s->waits[0]);
	c->v[k++] = ms_list(&s->waits[0].to_ms, s->n_waits, sizeof s->waits[0]);
	c->v[k++] = int_text(s->supplement_waiting);
	c->v[k++] = ms_text(s->finished_at);
	c->v[k++] = int_text(s->finish_kind);
	c->v[k++] = int_text(s->resolved_class);
	c->v[k++] = ms_text(s->submitted_at);
	c->v[k++] = ms_text(s->waiting_end_at);
	c->v[k++] = ms_text(s->not_accepted_at);
	c->v[k++] = ms_text(s->delivered_at);
	c->v[k++] = ms_text(s->paid_online_at);
	c->v[k++] = ms_text(s->digitized_at);
	c->v[k++] = int_text(s->anomalies);
	c->v[k++] = int_text((long long)s->events);
	c->v[k++] = int_text(s->rating);
	for (int i = 0; i < k; i++)
		if (!c->v[i])
			return -1;
	return 0;
}

static int feedback_canon(const feedback_state *s, canon *c)
{
	int k = 0;

	c->v[k++] = ms_text(s->anchor_at);
	c->v[k++] = int_text(s->has_received);
	c->v[k++] = ms_text(s->received_at);
	c->v[k++] = int_text(s->topic);
	c->v[k++] = ms_text(s->resolved_at);
	c->v[k++] = ms_text(s->published_at);
	c->v[k++] = int_text(s->anomalies);
	c->v[k++] = int_text((long long)s->events);
	c->v[k++] = ms_text(s->deadline);
	for (int i = 0; i < k; i++)
		if (!c->v[i])
			return -1;
	return 0;
}

/* ---- reporting ---- */

/* Prints a canonical value for a person: times as UTC instants. */
static void print_value(FILE *out, const char *v, int time)
{
	if (!time) {
		fprintf(out, "'%s'", v);
		return;
	}
	if (!*v) {
		fprintf(out, "[]");
		return;
	}
	for (const char *p = v; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char tok[48], buf[40];
		snprintf(tok, sizeof tok, "%.*s", (int)(len < 47 ? len : 47), p);
		if ((tok[0] >= '0' && tok[0] <= '9') || tok[0] == '-') {
			char *end;
			long long ms = strtoll(tok, &end, 10);
			if (!*end) {
				db_format_ts(ms, buf, sizeof buf);
				snprintf(tok, sizeof tok, "%s", buf);
			}
		}
		fprintf(out, "%s%s", p == v ? "" : ",", tok);
		p = e ? e + 1 : NULL;
	}
}

typedef struct run {
	FILE *out;
	unsigned detail_keys;
	verify_result *res;
	const char *what; /* "dossier" or "feedback" */
} run;

static void report_missing(run *rn, const char *office, const char *item, const char *why)
{
	rn->res->differences++;
	fprintf(rn->out, "verify: %s %s / %s: %s\n", rn->what, office, item, why);
}

/* Compares one item; prints what differs. */
static void compare(run *rn, const cursor *st, const canon *c, const field_def *defs, int nfields)
{
	const char *office = cursor_val(st, 0), *item = cursor_val(st, 1);
	const char *unit_stored = cursor_val(st, 2 + nfields);
	const char *unit_expected = cursor_val(st, 3 + nfields);
	int diff[MAX_FIELDS + 1], nd = 0;

	for (int f = 0; f < nfields; f++)
		if (strcmp(cursor_val(st, 2 + f), c->v[f]) != 0)
			diff[nd++] = f;
	if (strcmp(unit_stored, unit_expected) != 0)
		diff[nd++] = nfields;
	if (!nd)
		return;
	rn->res->differences++;
	if (rn->res->differences > rn->detail_keys) {
		fprintf(rn->out, "verify: %s %s / %s differs in", rn->what, office, item);
		for (int i = 0; i < nd; i++)
			fprintf(rn->out, "%s %s", i ? "," : "",
			        diff[i] == nfields ? "unit" : defs[diff[i]].name);
		fprintf(rn->out, "\n");
		return;
	}
	for (int i = 0; i < nd; i++) {
		fprintf(rn->out, "verify: %s %s / %s: ", rn->what, office, item);
		if (diff[i] == nfields) {
			fprintf(rn->out, "unit (snapshot/level/from/to) stored %s, registry %s\n",
			        unit_stored, unit_expected);
			continue;
		}
		const field_def *d = &defs[diff[i]];
		fprintf(rn->out, "%s stored ", d->name);
		print_value(rn->out, cursor_val(st, 2 + diff[i]), d->time);
		fprintf(rn->out, ", recomputed ");
		print_value(rn->out, c->v[diff[i]], d->time);
		fprintf(rn->out, "\n");
	}
}

/* The events packed in the row (`ev`, column 4 + nfields) must give the state the raw events
 * give (cn): the next event's state is derived from them. NULL (a row from before 006) is
 * filled by the next event of the item. */
static void check_blob(run *rn, const cursor *st, int feedback, const canon *cn,
                       const field_def *defs, int nfields)
{
	int col = 4 + nfields;
	canon cb = {{0}};
	size_t n = 0, cap = 0;
	dossier_event *de = NULL;
	feedback_event *fe = NULL;
	char *strings = NULL;
	int ok, f = 0;

	if (PQgetisnull(st->r, st->i, col))
		return;
	if (feedback) {
		feedback_state fs;
		ok = evblob_get_feedback(cursor_val(st, col), &fe, &n, &cap) == 0 &&
		     feedback_state_from_events(fe, n, &fs) == 0 && feedback_canon(&fs, &cb) == 0;
	} else {
		dossier_state ds = {0};
		ok = evblob_get_dossier(cursor_val(st, col), &de, &n, &cap, &strings) == 0 &&
		     dossier_state_from_events(de, n, &ds) == 0 && dossier_canon(&ds, &cb) == 0;
		dossier_state_free(&ds);
	}
	for (; ok && f < nfields; f++)
		if (!cb.v[f] || strcmp(cb.v[f], cn->v[f]) != 0)
			break;
	if (!ok || f < nfields) {
		rn->res->differences++;
		fprintf(rn->out, "verify: %s %s / %s: the packed events (ev) %s%s\n", rn->what,
		        cursor_val(st, 0), cursor_val(st, 1),
		        ok ? "give another " : "cannot be read", ok ? defs[f].name : "");
	}
	canon_free(&cb, nfields);
	free(de);
	free(fe);
	free(strings);
}

/* ---- one item kind ---- */

typedef struct group {
	char *office, *item;
	dossier_event *de;
	feedback_event *fe;
	size_t n, cap;
} group;

static void group_clear(group *g)
{
	if (g->de)
		for (size_t i = 0; i < g->n; i++) {
			free((char *)g->de[i].procedure);
			free((char *)g->de[i].field);
		}
	g->n = 0;
	free(g->office);
	free(g->item);
	g->office = g->item = NULL;
}

/* Reads the next item's events (all rows with the same office and item). Returns 1 when one
 * was read, 0 at the end, -1 on error. */
static int read_group(cursor *ev, int feedback, group *g, char *err, size_t errlen)
{
	group_clear(g);
	if (cursor_fill(ev, err, errlen) != 0)
		return -1;
	if (!cursor_has(ev))
		return 0;
	g->office = strdup(cursor_val(ev, 0));
	g->item = strdup(cursor_val(ev, 1));
	if (!g->office || !g->item)
		goto oom;
	for (;;) {
		if (cursor_fill(ev, err, errlen) != 0)
			return -1;
		if (!cursor_has(ev) || strcmp(cursor_val(ev, 0), g->office) != 0 ||
		    strcmp(cursor_val(ev, 1), g->item) != 0)
			return 1;
		/* one group holds one kind: fe or de, never both, so they share cap */
		if (feedback ? grow_array((void **)&g->fe, &g->cap, g->n + 1, sizeof *g->fe)
		             : grow_array((void **)&g->de, &g->cap, g->n + 1, sizeof *g->de))
			goto oom;
		const PGresult *r = ev->r;
		int i = ev->i;
		if (feedback) {
			g->fe[g->n++] = (feedback_event){
			    .kind = atoi(PQgetvalue(r, i, 2)),
			    .topic = atoi(PQgetvalue(r, i, 3)),
			    .at_ms = db_get_ms(r, i, 4),
			};
		} else {
			char *proc = strdup(PQgetvalue(r, i, 2)),
			     *field = strdup(PQgetvalue(r, i, 3));
			if (!proc || !field) {
				free(proc);
				free(field);
				goto oom;
			}
			g->de[g->n++] = (dossier_event){
			    .procedure = proc,
			    .field = field,
			    .kind = atoi(PQgetvalue(r, i, 4)),
			    .channel = atoi(PQgetvalue(r, i, 5)),
			    .at_ms = db_get_ms(r, i, 6),
			    .due_ms = db_get_ms(r, i, 7),
			    .rating = atoi(PQgetvalue(r, i, 8)),
			};
		}
		ev->i++;
	}
oom:
	snprintf(err, errlen, "verify: out of memory");
	return -1;
}

static int key_cmp(const char *o1, const char *i1, const char *o2, const char *i2)
{
	int c = strcmp(o1, o2);
	return c ? c : strcmp(i1, i2);
}

static int verify_kind(PGconn *conn, run *rn, int feedback, char *err, size_t errlen)
{
	cursor ev = {.conn = conn, .fetch_sql = "FETCH " FETCH_ROWS " FROM verify_ev"};
	cursor st = {.conn = conn, .fetch_sql = "FETCH " FETCH_ROWS " FROM verify_st"};
	const field_def *defs = feedback ? feedback_fields : dossier_fields;
	int nfields = feedback ? N_FEEDBACK_FIELDS : N_DOSSIER_FIELDS;
	uint64_t *items = feedback ? &rn->res->feedback : &rn->res->dossiers;
	uint64_t *events = feedback ? &rn->res->feedback_events : &rn->res->dossier_events;
	group g = {0};
	int rc = -1, more;

	rn->what = feedback ? "feedback" : "dossier";
	if (db_exec(conn, "verify: events cursor",
	            feedback ? feedback_events_cursor : dossier_events_cursor, err, errlen) != 0 ||
	    db_exec(conn, "verify: states cursor",
	            feedback ? feedback_states_cursor : dossier_states_cursor, err, errlen) != 0)
		return -1;
	more = read_group(&ev, feedback, &g, err, errlen);
	for (;;) {
		if (more < 0 || cursor_fill(&st, err, errlen) != 0)
			goto out;
		int have_st = cursor_has(&st);
		if (!more && !have_st)
			break;
		int c = !more ? 1
		        : !have_st
		            ? -1
		            : key_cmp(g.office, g.item, cursor_val(&st, 0), cursor_val(&st, 1));
		if (c > 0) { /* a state with no event at all */
			report_missing(rn, cursor_val(&st, 0), cursor_val(&st, 1),
			               "a state row without any event");
			st.i++;
			continue;
		}
		(*items)++;
		*events += g.n;
		if (c < 0) {
			report_missing(rn, g.office, g.item, "events without a state row");
		} else {
			canon cn = {{0}};
			int ok;
			if (feedback) {
				feedback_state fs;
				ok = feedback_state_from_events(g.fe, g.n, &fs) == 0 &&
				     feedback_canon(&fs, &cn) == 0;
			} else {
				dossier_state ds;
				ok = dossier_state_from_events(g.de, g.n, &ds) == 0;
				ok = ok && dossier_canon(&ds, &cn) == 0;
				dossier_state_free(&ds);
			}
			if (!ok) {
				canon_free(&cn, nfields);
				snprintf(err, errlen, "verify: out of memory");
				goto out;
			}
			compare(rn, &st, &cn, defs, nfields);
			check_blob(rn, &st, feedback, &cn, defs, nfields);
			canon_free(&cn, nfields);
			st.i++;
		}
		more = read_group(&ev, feedback, &g, err, errlen);
	}
	rc =
	    db_exec(conn, "verify: close cursors", "CLOSE verify_ev; CLOSE verify_st", err, errlen);
out:
	group_clear(&g);
	free(g.de);
	free(g.fe);
	PQclear(ev.r);
	PQclear(st.r);
	return rc;
}

static int verify_counts(PGconn *conn, run *rn, char *err, size_t errlen)
{
	PGresult *r = db_query(conn, "verify: event_count",
	                       "SELECT (SELECT count(*) FROM dossier_event), "
	                       "(SELECT count(*) FROM feedback_event), "
	                       "(SELECT dossier FROM event_count WHERE id = 1), "
	                       "(SELECT feedback FROM event_count WHERE id = 1)",
	                       0, NULL, err, errlen);

	if (!r)
		return -1;
	for (int k = 0; k < 2; k++) {
		const char *real = PQgetvalue(r, 0, k), *kept = PQgetvalue(r, 0, 2 + k);
		if (strcmp(real, kept) != 0) {
			rn->res->differences++;
			fprintf(rn->out,
			        "verify: event_count.%s is %s, the table holds %s events\n",
			        k ? "feedback" : "dossier", *kept ? kept : "missing", real);
		}
	}
	PQclear(r);
	return 0;
}

int verify_run(PGconn *conn, FILE *out, unsigned detail_keys, verify_result *res, char *err,
               size_t errlen)
{
	run rn = {.out = out, .detail_keys = detail_keys, .res = res};
	int rc;

	memset(res, 0, sizeof *res);
	if (db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, errlen) != 0)
		return -1;
	rc = verify_kind(conn, &rn, 0, err, errlen);
	if (rc == 0)
		rc = verify_kind(conn, &rn, 1, err, errlen);
	if (rc == 0)
		rc = verify_counts(conn, &rn, err, errlen);
	if (PQstatus(conn) == CONNECTION_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	if (rc != 0)
		return -1;
	/* In a snapshot of its own: the aggregates against the states of that snapshot. */
	if (agg_verify(conn, out, detail_keys, &res->differences, err, errlen) != 0)
		return -1;
	fprintf(out,
	        "verify: checked %" PRIu64 " dossiers (%" PRIu64 " events), %" PRIu64
	        " feedback items (%" PRIu64 " events): %" PRIu64 " difference%s\n",
	        res->dossiers, res->dossier_events, res->feedback, res->feedback_events,
	        res->differences, res->differences == 1 ? "" : "s");
	fflush(out);
	return 0;
}

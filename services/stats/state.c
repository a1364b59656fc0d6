/* state: a dossier's state from the set of its events (docs/design.md §4), and a feedback item's
 * likewise. Pure: no I/O, no globals but the process time zone (the local day of "early") and its
 * calendar of working days (a feedback item's deadline, lib/workdays.h). Events are sorted here
 * with a total order, so the result never depends on the order they arrived in. */
#include "stats_state.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cchc/v1/records.pb-c.h"
#include "workdays.h"

enum {
	K_SUBMITTED = CCHC__V1__DOSSIER_KIND__SUBMITTED,
	K_RECEIVED = CCHC__V1__DOSSIER_KIND__RECEIVED,
	K_SUPP_REQ = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_REQUESTED,
	K_SUPP_RECV = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_RECEIVED,
	K_EXTENDED = CCHC__V1__DOSSIER_KIND__EXTENDED,
	K_RESOLVED = CCHC__V1__DOSSIER_KIND__RESOLVED,
	K_RETURNED = CCHC__V1__DOSSIER_KIND__RETURNED,
	K_WITHDRAWN = CCHC__V1__DOSSIER_KIND__WITHDRAWN,
	K_DELIVERED = CCHC__V1__DOSSIER_KIND__DELIVERED,
	K_PAID_ONLINE = CCHC__V1__DOSSIER_KIND__PAID_ONLINE,
	K_DIGITIZED = CCHC__V1__DOSSIER_KIND__DIGITIZED,
	K_RATED = CCHC__V1__DOSSIER_KIND__RATED,
};

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* at, then the order of kinds (docs/design.md §4), then the rest of the content: two events that
 * differ in nothing are interchangeable, so the order is total on what matters. The rating comes
 * right after the kind: of two `rated` events at one instant the less satisfied (the higher value)
 * sorts last and is the dossier's rating, whatever order they came in. */
static int dossier_event_cmp(const void *pa, const void *pb)
{
	const dossier_event *a = *(const dossier_event *const *)pa;
	const dossier_event *b = *(const dossier_event *const *)pb;
	int c;

	if ((c = cmp_i64(a->at_ms, b->at_ms)) != 0)
		return c;
	if ((c = cmp_i64(a->kind, b->kind)) != 0)
		return c;
	if ((c = cmp_i64(a->rating, b->rating)) != 0)
		return c;
	if ((c = cmp_i64(a->due_ms, b->due_ms)) != 0)
		return c;
	if ((c = cmp_i64(a->channel, b->channel)) != 0)
		return c;
	if ((c = strcmp(nz(a->procedure), nz(b->procedure))) != 0)
		return c;
	return strcmp(nz(a->field), nz(b->field));
}

static int is_finish(int kind)
{
	return kind == K_RESOLVED || kind == K_RETURNED || kind == K_WITHDRAWN;
}

static int classify(int64_t at, int64_t due)
{
	if (due == STATE_NO_TIME)
		return STATE_CLASS_ON_TIME; /* nothing promised, nothing broken */
	if (at > due)
		return STATE_CLASS_LATE;
	if (cal_local_day(at) < cal_local_day(due))
		return STATE_CLASS_EARLY;
	return STATE_CLASS_ON_TIME;
}

static void set_first(int64_t *slot, int64_t at)
{
	if (*slot == STATE_NO_TIME || at < *slot)
		*slot = at;
}

static void dossier_state_init(dossier_state *s)
{
	memset(s, 0, sizeof *s);
	s->received_at = STATE_NO_TIME;
	s->anchor_at = STATE_NO_TIME;
	s->procedure = "";
	s->field = "";
	s->due_ms = STATE_NO_TIME;
	s->finished_at = STATE_NO_TIME;
	s->submitted_at = STATE_NO_TIME;
	s->waiting_end_at = STATE_NO_TIME;
	s->not_accepted_at = STATE_NO_TIME;
	s->delivered_at = STATE_NO_TIME;
	s->paid_online_at = STATE_NO_TIME;
	s->digitized_at = STATE_NO_TIME;
}

static void push_due(dossier_state *s, int64_t from, int64_t due)
{
	s->dues[s->n_dues].from_ms = from;
	s->dues[s->n_dues].due_ms = due;
	s->n_dues++;
	s->due_ms = due;
}

int dossier_state_from_events(const dossier_event *ev, size_t n, dossier_state *out)
{
	const dossier_event **e;
	size_t i, start = n, sub = n, na = n;

	dossier_state_init(out);
	if (n == 0)
		return -1;
	e = malloc(n * sizeof *e);
	out->dues = malloc(n * sizeof *out->dues);
	out->waits = malloc(n * sizeof *out->waits);
	if (!e || !out->dues || !out->waits) {
		free(e);
		dossier_state_free(out);
		return -1;
	}
	for (i = 0; i < n; i++)
		e[i] = &ev[i];
	qsort(e, n, sizeof *e, dossier_event_cmp);
	out->events = n;

	for (i = 0; i < n; i++) {
		if (e[i]->kind == K_RECEIVED) {
			if (start == n)
				start = i;
			else
				out->anomalies |= STATE_ANOMALY_EXTRA_RECEIVED;
		} else if (e[i]->kind == K_SUBMITTED && sub == n && start == n) {
			sub = i;
		}
		if (e[i]->kind == K_DELIVERED)
			set_first(&out->delivered_at, e[i]->at_ms);
		else if (e[i]->kind == K_PAID_ONLINE)
			set_first(&out->paid_online_at, e[i]->at_ms);
		else if (e[i]->kind == K_DIGITIZED)
			set_first(&out->digitized_at, e[i]->at_ms);
		else if (e[i]->kind == K_RATED)
			out->rating = e[i]->rating; /* in order: the latest stays */
	}

	/* chờ tiếp nhận: from the submission to the first `received` or `returned` after it. */
	if (sub < n) {
		out->submitted_at = e[sub]->at_ms;
		for (i = sub + 1; i < n; i++) {
			if (e[i]->kind == K_RECEIVED)
				break;
			if (e[i]->kind == K_RETURNED) {
				na = i;
				out->not_accepted_at = e[i]->at_ms;
				break;
			}
		}
		if (i < n)
			out->waiting_end_at = e[i]->at_ms;
	}

	if (start < n) {
		const dossier_event *r = e[start];
		int open = 0;

		out->has_received = 1;
		out->received_at = r->at_ms;
		out->channel = r->channel;
		if (!out->channel && sub < n)
			out->channel = e[sub]->channel;
		if (r->due_ms != STATE_NO_TIME)
			push_due(out, r->at_ms, r->due_ms);
		else
			out->anomalies |= STATE_ANOMALY_NO_DUE;
		for (i = 0; i < start; i++) {
			int k = e[i]->kind;
			/* a `returned` that ended a submission is "not accepted", not an anomaly */
			if (k >= K_SUPP_REQ && k <= K_WITHDRAWN && i != na)
				out->anomalies |= STATE_ANOMALY_BEFORE_START;
		}
		for (i = start + 1; i < n; i++) {
			const dossier_event *x = e[i];
			int finished = out->finish_kind != 0;

			if (is_finish(x->kind)) {
				if (finished) {
					out->anomalies |= STATE_ANOMALY_EXTRA_FINISH;
					continue;
				}
				out->finished_at = x->at_ms;
				out->finish_kind = x->kind;
				if (x->kind == K_RESOLVED)
					out->resolved_class = classify(x->at_ms, out->due_ms);
				if (open) {
					/* the wait ends with the dossier */
					out->waits[out->n_waits - 1].to_ms = x->at_ms;
					open = 0;
				}
				continue;
			}
			if (x->kind != K_SUPP_REQ && x->kind != K_SUPP_RECV &&
			    x->kind != K_EXTENDED)
				continue;
			if (finished) {
				out->anomalies |= STATE_ANOMALY_AFTER_FINISH;
				continue;
			}
			if (x->kind == K_SUPP_REQ) {
				if (!open) {
					out->waits[out->n_waits].from_ms = x->at_ms;
					out->waits[out->n_waits].to_ms = STATE_OPEN_END;
					out->n_waits++;
					open = 1;
				}
				continue;
			}
			if (x->kind == K_SUPP_RECV && open) {
				out->waits[out->n_waits - 1].to_ms = x->at_ms;
				open = 0;
			}
			if (x->due_ms != STATE_NO_TIME)
				push_due(out, x->at_ms, x->due_ms);
		}
		out->supplement_waiting = open;
		out->anchor_at = out->received_at;
	} else {
		for (i = 0; i < n; i++) {
			int k = e[i]->kind;
			if (k >= K_SUPP_REQ && k <= K_WITHDRAWN && i != na)
				out->anomalies |= STATE_ANOMALY_BEFORE_START;
		}
		if (sub == n)
			out->anomalies |= STATE_ANOMALY_ORPHAN;
		out->anchor_at = sub < n ? out->submitted_at : e[0]->at_ms;
	}

	/* Procedure and field come from the `received`, else from the first event that has them. */
	if (start < n && e[start]->procedure && *e[start]->procedure)
		out->procedure = e[start]->procedure;
	else
		for (i = 0; i < n; i++)
			if (e[i]->procedure && *e[i]->procedure) {
				out->procedure = e[i]->procedure;
				break;
			}
	if (start < n && e[start]->field && *e[start]->field)
		out->field = e[start]->field;
	else
		for (i = 0; i < n; i++)
			if (e[i]->field && *e[i]->field) {
				out->field = e[i]->field;
				break;
			}
	free(e);
	return 0;
}

void dossier_state_free(dossier_state *s)
{
	if (!s)
		return;
	free(s->dues);
	free(s->waits);
	s->dues = NULL;
	s->waits = NULL;
	s->n_dues = s->n_waits = 0;
}

int64_t dossier_state_due_before(const dossier_state *s, int64_t t)
{
	int64_t due = STATE_NO_TIME;

	for (size_t i = 0; i < s->n_dues; i++)
		if (s->dues[i].from_ms < t)
			due = s->dues[i].due_ms;
	return due;
}

int dossier_state_waiting_at(const dossier_state *s, int64_t t)
{
	for (size_t i = 0; i < s->n_waits; i++)
		if (s->waits[i].from_ms < t && s->waits[i].to_ms >= t)
			return 1;
	return 0;
}

/* docs/design.md §16: the day received itself does not count, whatever kind of day it is. */
int64_t state_feedback_deadline(const struct workdays *w, int64_t received_ms)
{
	return cal_day_start(
	    workdays_after(w, cal_local_day(received_ms), STATE_FEEDBACK_WORKDAYS) + 1);
}

static int feedback_event_cmp(const void *pa, const void *pb)
{
	const feedback_event *a = *(const feedback_event *const *)pa;
	const feedback_event *b = *(const feedback_event *const *)pb;
	int c;

	if ((c = cmp_i64(a->at_ms, b->at_ms)) != 0)
		return c;
	if ((c = cmp_i64(a->kind, b->kind)) != 0)
		return c;
	return cmp_i64(a->topic, b->topic);
}

int feedback_state_from_events(const feedback_event *ev, size_t n, feedback_state *out)
{
	const feedback_event **e;
	size_t i, start = n;

	memset(out, 0, sizeof *out);
	out->received_at = out->anchor_at = out->deadline = STATE_NO_TIME;
	out->resolved_at = out->published_at = STATE_NO_TIME;
	if (n == 0)
		return -1;
	e = malloc(n * sizeof *e);
	if (!e)
		return -1;
	for (i = 0; i < n; i++)
		e[i] = &ev[i];
	qsort(e, n, sizeof *e, feedback_event_cmp);
	out->events = n;

	for (i = 0; i < n; i++) {
		if (e[i]->kind != CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED)
			continue;
		if (start == n)
			start = i;
		else
			out->anomalies |= STATE_ANOMALY_EXTRA_RECEIVED;
	}
	if (start == n) {
		out->anomalies |= STATE_ANOMALY_ORPHAN;
		out->anchor_at = e[0]->at_ms;
		free(e);
		return 0;
	}
	out->has_received = 1;
	out->received_at = out->anchor_at = e[start]->at_ms;
	out->deadline = state_feedback_deadline(workdays_current(), out->received_at);
	out->topic = e[start]->topic;
	if (start > 0)
		out->anomalies |= STATE_ANOMALY_BEFORE_START;
	for (i = start + 1; i < n; i++) {
		if (e[i]->kind == CCHC__V1__FEEDBACK_KIND__FEEDBACK_RESOLVED) {
			if (out->resolved_at == STATE_NO_TIME)
				out->resolved_at = e[i]->at_ms;
			else
				out->anomalies |= STATE_ANOMALY_EXTRA_FINISH;
		} else if (e[i]->kind == CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED) {
			if (out->published_at == STATE_NO_TIME)
				out->published_at = e[i]->at_ms;
		}
	}
	free(e);
	return 0;
}

/* state: what a dossier's (or a feedback item's) events mean (docs/design.md §4), as a pure
 * function of the set of its events. No I/O: store.c feeds it the events read back from PostgreSQL,
 * and the unit tests feed it by hand. Kinds, channels and topics are the values of the proto enums.
 */
#ifndef CCHC_STATS_STATE_H
#define CCHC_STATS_STATE_H

#include <stddef.h>
#include <stdint.h>

/* What is exact and what is a choice (issue 2):
 * - exact for any period: start, end, due history and supplement waits are kept, so "pending
 *   within due" at a past period's end is answered from what was known then;
 * - flags (delivered, paid_online, digitized) keep their earliest time but the figures count a
 *   dossier received in the period whatever the flag's time;
 * - the rating is that of the latest `rated` event (docs/design.md §16), whenever it came: before
 *   or after the end, or even before the `received`; it changes no other figure. Two `rated`
 *   events at the same instant: the less satisfied one counts (the sort below puts it last);
 * - resolved_class uses the process TZ when the state is computed: changing `timezone` needs a
 *   recomputation of all states (not done automatically);
 * - due / supplement / finishing events before the `received` are ignored (listed as anomalies),
 *   a `returned` ending a submission is "not accepted", not an anomaly. */

/* "No such time" (absent due, not finished, ...). */
#define STATE_NO_TIME INT64_MIN
/* Right end of a supplement wait that has not ended (stored as 'infinity'). */
#define STATE_OPEN_END INT64_MAX

/* resolved_class */
enum { STATE_CLASS_NONE = 0, STATE_CLASS_EARLY = 1, STATE_CLASS_ON_TIME = 2, STATE_CLASS_LATE = 3 };

/* anomalies: facts `cchc check` lists; none of them changes a figure. */
enum {
	STATE_ANOMALY_ORPHAN = 1 << 0,         /* no `received` (and no `submitted`): waits */
	STATE_ANOMALY_EXTRA_RECEIVED = 1 << 1, /* more than one `received` */
	STATE_ANOMALY_EXTRA_FINISH = 1 << 2,   /* a finishing event after the one that ended it */
	STATE_ANOMALY_BEFORE_START = 1 << 3,   /* a dossier event before the `received` (ignored) */
	STATE_ANOMALY_AFTER_FINISH = 1 << 4, /* a due or supplement event after the end (ignored) */
	STATE_ANOMALY_NO_DUE = 1 << 5,       /* started without a due */
};

typedef struct dossier_event {
	int kind;    /* Cchc__V1__DossierKind */
	int channel; /* Cchc__V1__Channel */
	int64_t at_ms;
	int64_t due_ms;        /* STATE_NO_TIME when absent */
	const char *procedure; /* may be NULL or "" */
	const char *field;     /* may be NULL or "" */
	int rating;            /* Cchc__V1__Rating, on `rated` (0 otherwise) */
} dossier_event;

/* One step of the due history: `due_ms` holds from `from_ms` (the event that set it) on. */
typedef struct state_due {
	int64_t from_ms;
	int64_t due_ms;
} state_due;

/* A wait for supplements: [from_ms, to_ms); to_ms = STATE_OPEN_END while still waiting. */
typedef struct state_wait {
	int64_t from_ms;
	int64_t to_ms;
} state_wait;

typedef struct dossier_state {
	int has_received;
	int64_t received_at; /* earliest `received`, or STATE_NO_TIME */
	int64_t anchor_at;   /* resolves the office's unit: received, else submitted, else first */
	int channel;         /* of the `received` (else of the `submitted`) */
	const char *procedure; /* points into the events given; "" when none */
	const char *field;

	/* Due history and supplement waits between start and end, so that a figure "at the end of
	 * a period" can be answered for any period, not only for the latest state. */
	state_due *dues; /* in event order; malloc'd */
	size_t n_dues;
	state_wait *waits; /* malloc'd */
	size_t n_waits;
	int64_t due_ms;         /* due in effect at the last event considered, or STATE_NO_TIME */
	int supplement_waiting; /* waiting for supplements after the last event considered */

	int64_t finished_at; /* earliest resolved/returned/withdrawn after the start */
	int finish_kind;     /* RESOLVED, RETURNED, WITHDRAWN or 0 */
	int resolved_class;  /* STATE_CLASS_* when finish_kind is RESOLVED */

	int64_t submitted_at; /* earliest `submitted` before the start, or STATE_NO_TIME */
	int64_t waiting_end_at; /* first `received` or `returned` after it (chờ tiếp nhận ends) */
	int64_t not_accepted_at; /* when that end was a `returned` without `received` */

	int64_t delivered_at; /* earliest flag event of each kind, or STATE_NO_TIME */
	int64_t paid_online_at;
	int64_t digitized_at;

	int rating; /* Cchc__V1__Rating of the latest `rated` event, 0 when never rated */

	int anomalies; /* STATE_ANOMALY_* */
	size_t events; /* events considered (all given) */
} dossier_state;

/* Derives the state of one dossier from its events, in any order (sorted here by `at`, ties by the
 * order of kinds, then by content so the result depends only on the set). Returns 0, or -1 when
 * n is 0 or out of memory. *out must be freed with dossier_state_free. */
int dossier_state_from_events(const dossier_event *ev, size_t n, dossier_state *out);
void dossier_state_free(dossier_state *s);

/* The due in effect just before instant t (changes at or after t are not yet known then), or
 * STATE_NO_TIME. The same rule query.c applies in SQL. */
int64_t dossier_state_due_before(const dossier_state *s, int64_t t);
/* 1 when the dossier was waiting for supplements just before instant t. */
int dossier_state_waiting_at(const dossier_state *s, int64_t t);

typedef struct feedback_event {
	int kind;  /* Cchc__V1__FeedbackKind */
	int topic; /* Cchc__V1__FeedbackTopic */
	int64_t at_ms;
} feedback_event;

/* A feedback item's answer is due within this many working days after the day it was received
 * (docs/design.md §16), on the process's calendar (workdays_current, lib/workdays.h). */
#define STATE_FEEDBACK_WORKDAYS 15

typedef struct feedback_state {
	int has_received;
	int64_t received_at;  /* earliest received, or STATE_NO_TIME */
	int64_t deadline;     /* the local midnight ending the answer's last working day, or
	                         STATE_NO_TIME without a received */
	int64_t anchor_at;    /* received, else the first event */
	int topic;            /* of the received */
	int64_t resolved_at;  /* earliest resolved after received */
	int64_t published_at; /* earliest published after received */
	int anomalies; /* STATE_ANOMALY_* (orphan, extra received, extra finish, before start) */
	size_t events;
} feedback_state;

/* The deadline of a feedback item received at instant received_ms: the local midnight ending the
 * STATE_FEEDBACK_WORKDAYS-th working day of w (NULL: weekends only) after the day received. */
struct workdays;
int64_t state_feedback_deadline(const struct workdays *w, int64_t received_ms);

/* Same rules for a feedback item, its deadline counted on the process's working days. Returns 0,
 * or -1 when n is 0 or out of memory. */
int feedback_state_from_events(const feedback_event *ev, size_t n, feedback_state *out);

#endif

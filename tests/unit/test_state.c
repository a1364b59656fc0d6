/* test_state: services/stats/state.c, the meaning of a dossier's and a feedback item's events
 * (docs/design.md §4): ordering, start and end, due history, supplement waits, the early / on time
 * / late classes on local days, orphans, flags, and independence from arrival order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdio.h>

#include <cmocka.h>

#include "cchc/v1/records.pb-c.h"
#include "stats_evblob.h"
#include "stats_state.h"

enum {
	SUB = CCHC__V1__DOSSIER_KIND__SUBMITTED,
	REC = CCHC__V1__DOSSIER_KIND__RECEIVED,
	SREQ = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_REQUESTED,
	SREC = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_RECEIVED,
	EXT = CCHC__V1__DOSSIER_KIND__EXTENDED,
	RES = CCHC__V1__DOSSIER_KIND__RESOLVED,
	RET = CCHC__V1__DOSSIER_KIND__RETURNED,
	WDR = CCHC__V1__DOSSIER_KIND__WITHDRAWN,
	DEL = CCHC__V1__DOSSIER_KIND__DELIVERED,
	PAY = CCHC__V1__DOSSIER_KIND__PAID_ONLINE,
	DIG = CCHC__V1__DOSSIER_KIND__DIGITIZED,
	RATED = CCHC__V1__DOSSIER_KIND__RATED,
	VERY = CCHC__V1__RATING__VERY_SATISFIED,
	SATIS = CCHC__V1__RATING__SATISFIED,
	UNSAT = CCHC__V1__RATING__UNSATISFIED,
	DIRECT = CCHC__V1__CHANNEL__DIRECT,
	ONLINE = CCHC__V1__CHANNEL__ONLINE,
	F_REC = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED,
	F_RES = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RESOLVED,
	F_PUB = CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED,
	REG = CCHC__V1__FEEDBACK_TOPIC__REGULATION,
	BEH = CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR,
};

#define NO STATE_NO_TIME

/* Local time in Asia/Ho_Chi_Minh (UTC+7, no DST) to Unix ms. */
static int64_t L(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return ((int64_t)timegm(&tm) - 7 * 3600) * 1000;
}

static dossier_event E(int kind, int64_t at, int64_t due)
{
	return (dossier_event){.kind = kind,
	                       .channel = 0,
	                       .at_ms = at,
	                       .due_ms = due,
	                       .procedure = "1.001234",
	                       .field = "hotich"};
}

static int setup(void **st)
{
	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	return 0;
}

static void derive(const dossier_event *ev, size_t n, dossier_state *s)
{
	assert_int_equal(dossier_state_from_events(ev, n, s), 0);
}

static void test_received_only(void **st)
{
	(void)st;
	dossier_event ev[] = {E(REC, L(2024, 1, 5, 8, 15), L(2024, 1, 12, 17, 0))};
	ev[0].channel = ONLINE;
	dossier_state s;

	derive(ev, 1, &s);
	assert_true(s.has_received);
	assert_int_equal(s.received_at, L(2024, 1, 5, 8, 15));
	assert_int_equal(s.anchor_at, s.received_at);
	assert_int_equal(s.channel, ONLINE);
	assert_string_equal(s.procedure, "1.001234");
	assert_string_equal(s.field, "hotich");
	assert_int_equal(s.due_ms, L(2024, 1, 12, 17, 0));
	assert_int_equal(s.n_dues, 1);
	assert_int_equal(s.dues[0].from_ms, s.received_at);
	assert_int_equal(s.finish_kind, 0);
	assert_int_equal(s.finished_at, NO);
	assert_int_equal(s.resolved_class, STATE_CLASS_NONE);
	assert_int_equal(s.n_waits, 0);
	assert_false(s.supplement_waiting);
	assert_int_equal(s.submitted_at, NO);
	assert_int_equal(s.anomalies, 0);
	assert_int_equal(s.events, 1);
	dossier_state_free(&s);
}

static int resolve_class(int64_t at, int64_t due)
{
	dossier_event ev[] = {E(REC, L(2024, 1, 5, 8, 0), due), E(RES, at, NO)};
	dossier_state s;
	int c;

	derive(ev, 2, &s);
	assert_int_equal(s.finish_kind, RES);
	assert_int_equal(s.finished_at, at);
	c = s.resolved_class;
	dossier_state_free(&s);
	return c;
}

static void test_resolved_classes(void **st)
{
	(void)st;
	int64_t due = L(2024, 1, 12, 10, 0);

	assert_int_equal(resolve_class(L(2024, 1, 11, 16, 0), due), STATE_CLASS_EARLY);
	assert_int_equal(resolve_class(L(2024, 1, 12, 0, 0), due), STATE_CLASS_ON_TIME);
	assert_int_equal(resolve_class(L(2024, 1, 12, 9, 59), due), STATE_CLASS_ON_TIME);
	assert_int_equal(resolve_class(due, due), STATE_CLASS_ON_TIME); /* at = due: not late */
	assert_int_equal(resolve_class(due + 1, due), STATE_CLASS_LATE);
	assert_int_equal(resolve_class(L(2024, 1, 13, 8, 0), due), STATE_CLASS_LATE);
	/* Local days, not UTC days: 00:30 local on the due day is 17:30 UTC the day before, yet it
	 * is the due's own local day, so on time, not early. */
	assert_int_equal(resolve_class(L(2024, 1, 12, 0, 30), due), STATE_CLASS_ON_TIME);
	/* 23:59 local the day before the due day is early. */
	assert_int_equal(resolve_class(L(2024, 1, 11, 23, 59), L(2024, 1, 12, 0, 30)),
	                 STATE_CLASS_EARLY);
	/* Late even on the same local day when after the due hour. */
	assert_int_equal(resolve_class(L(2024, 1, 12, 17, 1), L(2024, 1, 12, 17, 0)),
	                 STATE_CLASS_LATE);
}

static void assert_same_state(const dossier_state *a, const dossier_state *b)
{
	assert_int_equal(a->has_received, b->has_received);
	assert_int_equal(a->received_at, b->received_at);
	assert_int_equal(a->anchor_at, b->anchor_at);
	assert_int_equal(a->channel, b->channel);
	assert_string_equal(a->procedure, b->procedure);
	assert_string_equal(a->field, b->field);
	assert_int_equal(a->n_dues, b->n_dues);
	for (size_t i = 0; i < a->n_dues; i++) {
		assert_int_equal(a->dues[i].from_ms, b->dues[i].from_ms);
		assert_int_equal(a->dues[i].due_ms, b->dues[i].due_ms);
	}
	assert_int_equal(a->n_waits, b->n_waits);
	for (size_t i = 0; i < a->n_waits; i++) {
		assert_int_equal(a->waits[i].from_ms, b->waits[i].from_ms);
		assert_int_equal(a->waits[i].to_ms, b->waits[i].to_ms);
	}
	assert_int_equal(a->due_ms, b->due_ms);
	assert_int_equal(a->supplement_waiting, b->supplement_waiting);
	assert_int_equal(a->finished_at, b->finished_at);
	assert_int_equal(a->finish_kind, b->finish_kind);
	assert_int_equal(a->resolved_class, b->resolved_class);
	assert_int_equal(a->submitted_at, b->submitted_at);
	assert_int_equal(a->waiting_end_at, b->waiting_end_at);
	assert_int_equal(a->not_accepted_at, b->not_accepted_at);
	assert_int_equal(a->delivered_at, b->delivered_at);
	assert_int_equal(a->paid_online_at, b->paid_online_at);
	assert_int_equal(a->digitized_at, b->digitized_at);
	assert_int_equal(a->anomalies, b->anomalies);
	assert_int_equal(a->rating, b->rating);
}

/* Every permutation of `ev` gives the state of the first order (Heap's algorithm). */
static void check_all_orders(dossier_event *ev, size_t n)
{
	dossier_state ref, s;
	size_t c[8] = {0}, i = 1, count = 1;

	assert_true(n <= 8);
	derive(ev, n, &ref);
	while (i < n) {
		if (c[i] < i) {
			size_t j = i % 2 == 0 ? 0 : c[i];
			dossier_event t = ev[j];
			ev[j] = ev[i];
			ev[i] = t;
			derive(ev, n, &s);
			assert_same_state(&ref, &s);
			dossier_state_free(&s);
			count++;
			c[i]++;
			i = 1;
		} else {
			c[i] = 0;
			i++;
		}
	}
	assert_true(count > 1 || n < 2);
	dossier_state_free(&ref);
}

static void test_order_independent(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(SUB, L(2024, 1, 4, 20, 0), NO),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(SREQ, L(2024, 1, 6, 9, 0), NO),
	    E(SREC, L(2024, 1, 8, 9, 0), L(2024, 1, 15, 17, 0)),
	    E(EXT, L(2024, 1, 14, 9, 0), L(2024, 1, 20, 17, 0)),
	    E(RES, L(2024, 1, 19, 9, 0), NO),
	    E(PAY, L(2024, 1, 5, 8, 0), NO),
	};
	ev[0].channel = ONLINE;
	dossier_state s;

	check_all_orders(ev, 7);
	derive(ev, 7, &s);
	assert_int_equal(s.resolved_class, STATE_CLASS_EARLY);
	assert_int_equal(s.n_dues, 3);
	assert_int_equal(s.n_waits, 1);
	assert_int_equal(s.channel, ONLINE);
	dossier_state_free(&s);

	/* Same instant: kinds in their order (received before resolved; extension before the
	 * resolution, which is then judged against the new due). */
	dossier_event tie[] = {
	    E(RES, L(2024, 1, 12, 18, 0), NO),
	    E(EXT, L(2024, 1, 12, 18, 0), L(2024, 1, 13, 17, 0)),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	};
	check_all_orders(tie, 3);
	derive(tie, 3, &s);
	assert_int_equal(s.resolved_class, STATE_CLASS_EARLY);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	dossier_event same[] = {
	    E(RES, L(2024, 1, 5, 8, 0), NO),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 5, 17, 0)),
	};
	check_all_orders(same, 2);
	derive(same, 2, &s);
	assert_true(s.has_received);
	assert_int_equal(s.finish_kind, RES);
	assert_int_equal(s.resolved_class, STATE_CLASS_ON_TIME);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	/* Two events of one kind at one instant with different dues: still one answer. */
	dossier_event twin[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(EXT, L(2024, 1, 6, 8, 0), L(2024, 1, 14, 17, 0)),
	    E(EXT, L(2024, 1, 6, 8, 0), L(2024, 1, 13, 17, 0)),
	};
	check_all_orders(twin, 3);
}

static void test_earliest_start_and_end(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(REC, L(2024, 1, 6, 8, 0), L(2024, 1, 20, 17, 0)),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(RES, L(2024, 1, 15, 8, 0), NO),
	    E(RET, L(2024, 1, 10, 8, 0), NO),
	    E(WDR, L(2024, 1, 11, 8, 0), NO),
	};
	dossier_state s;

	derive(ev, 5, &s);
	assert_int_equal(s.received_at, L(2024, 1, 5, 8, 0));
	assert_int_equal(s.due_ms, L(2024, 1, 12, 17, 0)); /* the later received changes nothing */
	assert_int_equal(s.n_dues, 1);
	assert_int_equal(s.finish_kind, RET);
	assert_int_equal(s.finished_at, L(2024, 1, 10, 8, 0));
	assert_int_equal(s.resolved_class, STATE_CLASS_NONE);
	assert_int_equal(s.anomalies, STATE_ANOMALY_EXTRA_RECEIVED | STATE_ANOMALY_EXTRA_FINISH);
	dossier_state_free(&s);

	dossier_event w[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(WDR, L(2024, 1, 7, 8, 0), NO),
	};
	derive(w, 2, &s);
	assert_int_equal(s.finish_kind, WDR);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);
}

static void test_extensions(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(EXT, L(2024, 1, 11, 8, 0), L(2024, 1, 19, 17, 0)),
	    E(EXT, L(2024, 1, 18, 8, 0), L(2024, 1, 26, 17, 0)),
	    E(RES, L(2024, 1, 22, 8, 0), NO),
	    E(EXT, L(2024, 1, 23, 8, 0), L(2024, 2, 26, 17, 0)), /* after the end: ignored */
	};
	dossier_state s;

	derive(ev, 5, &s);
	assert_int_equal(s.n_dues, 3);
	assert_int_equal(s.dues[1].from_ms, L(2024, 1, 11, 8, 0));
	assert_int_equal(s.dues[1].due_ms, L(2024, 1, 19, 17, 0));
	assert_int_equal(s.due_ms, L(2024, 1, 26, 17, 0));
	assert_int_equal(s.resolved_class, STATE_CLASS_EARLY);
	assert_int_equal(s.anomalies, STATE_ANOMALY_AFTER_FINISH);
	/* the due known just before an instant */
	assert_int_equal(dossier_state_due_before(&s, L(2024, 1, 5, 8, 0)), NO);
	assert_int_equal(dossier_state_due_before(&s, L(2024, 1, 5, 8, 1)), L(2024, 1, 12, 17, 0));
	assert_int_equal(dossier_state_due_before(&s, L(2024, 1, 11, 8, 0)), L(2024, 1, 12, 17, 0));
	assert_int_equal(dossier_state_due_before(&s, L(2024, 1, 11, 9, 0)), L(2024, 1, 19, 17, 0));
	assert_int_equal(dossier_state_due_before(&s, L(2024, 3, 1, 0, 0)), L(2024, 1, 26, 17, 0));
	dossier_state_free(&s);

	/* Without any extension the resolution is late. */
	dossier_event late[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(RES, L(2024, 1, 22, 8, 0), NO),
	};
	derive(late, 2, &s);
	assert_int_equal(s.resolved_class, STATE_CLASS_LATE);
	dossier_state_free(&s);
}

static void test_supplements(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(SREQ, L(2024, 1, 8, 8, 0), NO),
	    E(SREQ, L(2024, 1, 9, 8, 0), NO), /* already waiting */
	    E(SREC, L(2024, 1, 20, 8, 0), L(2024, 1, 27, 17, 0)),
	    E(SREQ, L(2024, 1, 22, 8, 0), NO),
	};
	dossier_state s;

	derive(ev, 5, &s);
	assert_int_equal(s.n_waits, 2);
	assert_int_equal(s.waits[0].from_ms, L(2024, 1, 8, 8, 0));
	assert_int_equal(s.waits[0].to_ms, L(2024, 1, 20, 8, 0));
	assert_int_equal(s.waits[1].from_ms, L(2024, 1, 22, 8, 0));
	assert_int_equal(s.waits[1].to_ms, STATE_OPEN_END);
	assert_true(s.supplement_waiting);
	assert_int_equal(s.n_dues, 2);
	assert_int_equal(s.due_ms, L(2024, 1, 27, 17, 0));
	assert_false(dossier_state_waiting_at(&s, L(2024, 1, 8, 8, 0)));
	assert_true(dossier_state_waiting_at(&s, L(2024, 1, 8, 8, 1)));
	assert_true(dossier_state_waiting_at(&s, L(2024, 1, 15, 0, 0)));
	/* papers arriving exactly at a period's end: still waiting at that end */
	assert_true(dossier_state_waiting_at(&s, L(2024, 1, 20, 8, 0)));
	assert_false(dossier_state_waiting_at(&s, L(2024, 1, 21, 0, 0)));
	assert_true(dossier_state_waiting_at(&s, L(2025, 1, 1, 0, 0)));
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	/* A finish during a wait ends the wait; papers arriving later change nothing. */
	dossier_event fin[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(SREQ, L(2024, 1, 8, 8, 0), NO),
	    E(WDR, L(2024, 1, 10, 8, 0), NO),
	    E(SREC, L(2024, 1, 11, 8, 0), L(2024, 1, 30, 17, 0)),
	};
	derive(fin, 4, &s);
	assert_int_equal(s.n_waits, 1);
	assert_int_equal(s.waits[0].to_ms, L(2024, 1, 10, 8, 0));
	assert_false(s.supplement_waiting);
	assert_int_equal(s.n_dues, 1);
	assert_int_equal(s.anomalies, STATE_ANOMALY_AFTER_FINISH);
	dossier_state_free(&s);

	/* supplement_received without a request still carries the new due */
	dossier_event lone[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(SREC, L(2024, 1, 10, 8, 0), L(2024, 1, 15, 17, 0)),
	};
	derive(lone, 2, &s);
	assert_int_equal(s.n_waits, 0);
	assert_int_equal(s.due_ms, L(2024, 1, 15, 17, 0));
	dossier_state_free(&s);
}

static void test_orphans(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(RES, L(2024, 1, 9, 8, 0), NO),
	    E(EXT, L(2024, 1, 8, 8, 0), L(2024, 1, 20, 17, 0)),
	    E(PAY, L(2024, 1, 7, 8, 0), NO),
	};
	dossier_state s;

	derive(ev, 3, &s);
	assert_false(s.has_received);
	assert_int_equal(s.received_at, NO);
	assert_int_equal(s.finish_kind, 0);
	assert_int_equal(s.n_dues, 0);
	assert_int_equal(s.anchor_at, L(2024, 1, 7, 8, 0));
	assert_int_equal(s.paid_online_at, L(2024, 1, 7, 8, 0));
	assert_int_equal(s.anomalies, STATE_ANOMALY_ORPHAN | STATE_ANOMALY_BEFORE_START);
	dossier_state_free(&s);

	/* The orphan's events count once the received arrives (here: earlier in time). */
	dossier_event later[] = {
	    E(RES, L(2024, 1, 9, 8, 0), NO),
	    E(EXT, L(2024, 1, 8, 8, 0), L(2024, 1, 20, 17, 0)),
	    E(PAY, L(2024, 1, 7, 8, 0), NO),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 8, 17, 0)),
	};
	derive(later, 4, &s);
	assert_true(s.has_received);
	assert_int_equal(s.finish_kind, RES);
	assert_int_equal(s.resolved_class, STATE_CLASS_EARLY);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	/* Events before the received do not count and are listed. */
	dossier_event before[] = {
	    E(RES, L(2024, 1, 4, 8, 0), NO),
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 8, 17, 0)),
	};
	derive(before, 2, &s);
	assert_true(s.has_received);
	assert_int_equal(s.finish_kind, 0);
	assert_int_equal(s.anomalies, STATE_ANOMALY_BEFORE_START);
	dossier_state_free(&s);
}

static void test_submissions(void **st)
{
	(void)st;
	dossier_state s;
	dossier_event wait[] = {E(SUB, L(2024, 1, 4, 20, 0), NO)};
	wait[0].channel = ONLINE;

	derive(wait, 1, &s);
	assert_false(s.has_received);
	assert_int_equal(s.submitted_at, L(2024, 1, 4, 20, 0));
	assert_int_equal(s.waiting_end_at, NO);
	assert_int_equal(s.not_accepted_at, NO);
	assert_int_equal(s.anchor_at, s.submitted_at);
	assert_int_equal(s.anomalies, 0); /* waiting, not an orphan */
	dossier_state_free(&s);

	dossier_event refused[] = {
	    E(SUB, L(2024, 1, 4, 20, 0), NO),
	    E(RET, L(2024, 1, 5, 9, 0), NO),
	};
	derive(refused, 2, &s);
	assert_false(s.has_received);
	assert_int_equal(s.waiting_end_at, L(2024, 1, 5, 9, 0));
	assert_int_equal(s.not_accepted_at, L(2024, 1, 5, 9, 0));
	assert_int_equal(s.finish_kind, 0);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	dossier_event accepted[] = {
	    E(SUB, L(2024, 1, 4, 20, 0), NO),
	    E(REC, L(2024, 1, 5, 9, 0), L(2024, 1, 10, 17, 0)),
	    E(RET, L(2024, 1, 6, 9, 0), NO),
	};
	accepted[0].channel = ONLINE; /* the received says nothing: the submission's channel */
	derive(accepted, 3, &s);
	assert_true(s.has_received);
	assert_int_equal(s.channel, ONLINE);
	assert_int_equal(s.waiting_end_at, L(2024, 1, 5, 9, 0));
	assert_int_equal(s.not_accepted_at, NO);
	assert_int_equal(s.finish_kind, RET);
	assert_int_equal(s.anchor_at, L(2024, 1, 5, 9, 0));
	dossier_state_free(&s);

	/* refused, then submitted again and received */
	dossier_event again[] = {
	    E(SUB, L(2024, 1, 4, 20, 0), NO),
	    E(RET, L(2024, 1, 5, 9, 0), NO),
	    E(SUB, L(2024, 1, 6, 20, 0), NO),
	    E(REC, L(2024, 1, 7, 9, 0), L(2024, 1, 10, 17, 0)),
	};
	derive(again, 4, &s);
	assert_int_equal(s.not_accepted_at, L(2024, 1, 5, 9, 0));
	assert_true(s.has_received);
	assert_int_equal(s.finish_kind, 0);
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);

	/* the received's own channel wins */
	dossier_event direct[] = {
	    E(SUB, L(2024, 1, 4, 20, 0), NO),
	    E(REC, L(2024, 1, 5, 9, 0), L(2024, 1, 10, 17, 0)),
	};
	direct[0].channel = ONLINE;
	direct[1].channel = DIRECT;
	derive(direct, 2, &s);
	assert_int_equal(s.channel, DIRECT);
	dossier_state_free(&s);
}

static void test_flags_and_fields(void **st)
{
	(void)st;
	dossier_event ev[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(DIG, L(2024, 1, 6, 8, 0), NO),
	    E(DIG, L(2024, 1, 5, 9, 0), NO),
	    E(PAY, L(2024, 1, 5, 10, 0), NO),
	    E(RES, L(2024, 1, 8, 8, 0), NO),
	    E(DEL, L(2024, 1, 9, 8, 0), NO), /* flags count even after the end */
	};
	ev[0].procedure = "";
	ev[0].field = NULL;
	ev[1].procedure = "2.000001";
	ev[1].field = "datdai";
	dossier_state s;

	derive(ev, 6, &s);
	assert_int_equal(s.digitized_at, L(2024, 1, 5, 9, 0));
	assert_int_equal(s.paid_online_at, L(2024, 1, 5, 10, 0));
	assert_int_equal(s.delivered_at, L(2024, 1, 9, 8, 0));
	/* procedure and field from the received, else the first event that has them */
	assert_string_equal(s.procedure, "1.001234");
	assert_string_equal(s.field, "hotich");
	assert_int_equal(s.anomalies, 0);
	dossier_state_free(&s);
}

static void test_no_due_and_empty(void **st)
{
	(void)st;
	dossier_event ev[] = {E(REC, L(2024, 1, 5, 8, 0), NO), E(RES, L(2024, 3, 5, 8, 0), NO)};
	dossier_state s;

	derive(ev, 2, &s);
	assert_int_equal(s.n_dues, 0);
	assert_int_equal(s.due_ms, NO);
	assert_int_equal(s.resolved_class, STATE_CLASS_ON_TIME);
	assert_int_equal(s.anomalies, STATE_ANOMALY_NO_DUE);
	dossier_state_free(&s);

	assert_int_equal(dossier_state_from_events(ev, 0, &s), -1);
	dossier_state_free(&s);
}

static feedback_event F(int kind, int topic, int64_t at)
{
	return (feedback_event){.kind = kind, .topic = topic, .at_ms = at};
}

static void test_feedback(void **st)
{
	(void)st;
	feedback_event ev[] = {
	    F(F_PUB, 0, L(2024, 2, 10, 8, 0)),
	    F(F_RES, 0, L(2024, 2, 5, 8, 0)),
	    F(F_REC, REG, L(2024, 2, 1, 9, 0)),
	    F(F_RES, 0, L(2024, 2, 7, 8, 0)),
	};
	feedback_state s, t;

	assert_int_equal(feedback_state_from_events(ev, 4, &s), 0);
	assert_true(s.has_received);
	assert_int_equal(s.received_at, L(2024, 2, 1, 9, 0));
	assert_int_equal(s.topic, REG);
	assert_int_equal(s.resolved_at, L(2024, 2, 5, 8, 0));
	assert_int_equal(s.published_at, L(2024, 2, 10, 8, 0));
	assert_int_equal(s.anomalies, STATE_ANOMALY_EXTRA_FINISH);
	/* any order, same answer */
	feedback_event rev[] = {ev[3], ev[2], ev[1], ev[0]};
	assert_int_equal(feedback_state_from_events(rev, 4, &t), 0);
	assert_memory_equal(&s, &t, sizeof s);

	feedback_event orphan[] = {F(F_RES, 0, L(2024, 2, 5, 8, 0))};
	assert_int_equal(feedback_state_from_events(orphan, 1, &s), 0);
	assert_false(s.has_received);
	assert_int_equal(s.resolved_at, NO);
	assert_int_equal(s.anchor_at, L(2024, 2, 5, 8, 0));
	assert_int_equal(s.anomalies, STATE_ANOMALY_ORPHAN);

	feedback_event two[] = {F(F_REC, BEH, L(2024, 2, 1, 9, 0)),
	                        F(F_REC, REG, L(2024, 2, 2, 9, 0)),
	                        F(F_RES, 0, L(2024, 1, 30, 9, 0))};
	assert_int_equal(feedback_state_from_events(two, 3, &s), 0);
	assert_int_equal(s.topic, BEH);
	assert_int_equal(s.resolved_at, NO);
	assert_int_equal(s.anomalies, STATE_ANOMALY_EXTRA_RECEIVED | STATE_ANOMALY_BEFORE_START);
	assert_int_equal(feedback_state_from_events(two, 0, &s), -1);
}

/* The text form PostgreSQL returns for a bytea: "\x" and hex. */
static char *bytea_text(const db_buf *b)
{
	char *t = malloc(2 * b->len + 3);
	assert_non_null(t);
	strcpy(t, "\\x");
	for (size_t i = 0; i < b->len; i++)
		sprintf(t + 2 + 2 * i, "%02x", (unsigned char)b->p[i]);
	return t;
}

/* Packed events (evblob) come back as they went in, whatever the strings hold; a blob cut
 * short or of another version is refused. */
static void test_evblob_roundtrip(void **st)
{
	(void)st;
	dossier_event in[] = {
	    {REC, 2, -86400000LL * 365 * 60, STATE_NO_TIME, "1.0\t;\\", "h\xe1\xbb\x99 t\u00edch",
	     0},
	    {RES, 0, INT64_MAX - 1, INT64_MIN + 1, NULL, "", 0},
	    {SREQ, 3, 0, 1711929600000LL, "", "x", 0},
	    /* a rating shares the channel's byte (stats_evblob.h) */
	    {CCHC__V1__DOSSIER_KIND__RATED, 3, 5, STATE_NO_TIME, "", "", 3},
	    {CCHC__V1__DOSSIER_KIND__RATED, 0, 6, STATE_NO_TIME, "", "", 1},
	};
	feedback_event fin[] = {{1, 2, 1711929600123LL}, {3, 0, -1}};
	db_buf b = {0};
	dossier_event *out = NULL;
	feedback_event *fout = NULL;
	size_t n = 0, cap = 0;
	char *strings = NULL;

	evblob_put_dossier(&b, in, 5);
	char *hex = bytea_text(&b);
	assert_int_equal(b.p[0], 1);
	assert_int_equal(evblob_get_dossier(hex, &out, &n, &cap, &strings), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].kind, in[i].kind);
		assert_int_equal(out[i].channel, in[i].channel);
		assert_int_equal(out[i].rating, in[i].rating);
		assert_true(out[i].at_ms == in[i].at_ms);
		assert_true(out[i].due_ms == in[i].due_ms);
		assert_string_equal(out[i].procedure, in[i].procedure ? in[i].procedure : "");
		assert_string_equal(out[i].field, in[i].field);
	}
	free(strings);
	/* cut in the middle of the last event, another version, not hex */
	hex[strlen(hex) - 6] = '\0';
	n = 0;
	assert_int_equal(evblob_get_dossier(hex, &out, &n, &cap, &strings), -1);
	free(hex);
	assert_null(strings);
	n = 0;
	assert_int_equal(evblob_get_dossier("\\x02", &out, &n, &cap, &strings), -1);
	n = 0;
	assert_int_equal(evblob_get_dossier("\\x01zz", &out, &n, &cap, &strings), -1);
	free(out);
	db_buf_free(&b);

	evblob_put_feedback(&b, fin, 2);
	hex = bytea_text(&b);
	n = cap = 0;
	assert_int_equal(evblob_get_feedback(hex, &fout, &n, &cap), 0);
	free(hex);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(fout[i].kind, fin[i].kind);
		assert_int_equal(fout[i].topic, fin[i].topic);
		assert_true(fout[i].at_ms == fin[i].at_ms);
	}
	free(fout);
	db_buf_free(&b);
}

static dossier_event R(int64_t at, int rating)
{
	dossier_event e = E(RATED, at, NO);
	e.procedure = e.field = NULL;
	e.rating = rating;
	return e;
}

/* docs/design.md §16: the rating is the latest `rated` event's, whatever the order the events came
 * in; it changes nothing else of the state. */
static void test_ratings(void **st)
{
	(void)st;
	dossier_event base[] = {
	    E(REC, L(2024, 1, 5, 8, 0), L(2024, 1, 12, 17, 0)),
	    E(RES, L(2024, 1, 11, 9, 0), NO),
	};
	dossier_state plain, s;
	derive(base, 2, &plain);
	assert_int_equal(plain.rating, 0);

	/* rated once, then re-rated: the later one counts, in every order */
	dossier_event ev[] = {
	    base[0],
	    base[1],
	    R(L(2024, 1, 11, 10, 0), UNSAT),
	    R(L(2024, 1, 20, 8, 30), VERY),
	};
	derive(ev, 4, &s);
	assert_int_equal(s.rating, VERY);
	assert_int_equal(s.events, 4);
	/* nothing else moves: the state without the ratings, but for the rating and the count */
	s.rating = plain.rating;
	s.events = plain.events;
	assert_same_state(&plain, &s);
	dossier_state_free(&s);
	check_all_orders(ev, 4);

	/* a rating long after the period, or before the receipt (an office system's clock), still
	 * counts: it is the latest */
	dossier_event early[] = {R(L(2024, 1, 4, 8, 0), SATIS), base[0], base[1]};
	derive(early, 3, &s);
	assert_int_equal(s.rating, SATIS);
	assert_int_equal(s.anomalies, 0); /* a rating is never an anomaly */
	assert_int_equal(s.finish_kind, RES);
	dossier_state_free(&s);

	/* two ratings at one instant: the less satisfied counts, whichever came first */
	dossier_event tie[] = {base[0], R(L(2024, 1, 12, 9, 0), SATIS),
	                       R(L(2024, 1, 12, 9, 0), UNSAT), R(L(2024, 1, 12, 9, 0), VERY)};
	check_all_orders(tie, 4);
	derive(tie, 4, &s);
	assert_int_equal(s.rating, UNSAT);
	dossier_state_free(&s);

	/* a rating of a dossier never received: kept, counted nowhere (an orphan) */
	dossier_event alone[] = {R(L(2024, 1, 12, 9, 0), VERY)};
	derive(alone, 1, &s);
	assert_int_equal(s.rating, VERY);
	assert_false(s.has_received);
	assert_true(s.anomalies & STATE_ANOMALY_ORPHAN);
	dossier_state_free(&s);
	dossier_state_free(&plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_received_only),     cmocka_unit_test(test_resolved_classes),
	    cmocka_unit_test(test_order_independent), cmocka_unit_test(test_earliest_start_and_end),
	    cmocka_unit_test(test_extensions),        cmocka_unit_test(test_supplements),
	    cmocka_unit_test(test_orphans),           cmocka_unit_test(test_submissions),
	    cmocka_unit_test(test_flags_and_fields),  cmocka_unit_test(test_no_due_and_empty),
	    cmocka_unit_test(test_feedback),          cmocka_unit_test(test_evblob_roundtrip),
	    cmocka_unit_test(test_ratings),
	};
	return cmocka_run_group_tests_name("state", tests, setup, NULL);
}

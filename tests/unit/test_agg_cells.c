/* test_agg_cells: the aggregates' contributions without PostgreSQL (services/stats/agg_cells.c,
 * agg_keys.c's key set): the flows of a dossier and a feedback item on the local days of their
 * events, the stocks as +1/-1 changes whose sum over the days before a midnight equals the stock
 * evaluated at that midnight (random dossiers, long due histories, a zone with DST), contributions
 * that cancel, keys, and the month cells. test_agg checks the same against the reference query
 * over a real database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendar.h"
#include "cchc/v1/records.pb-c.h"
#include "stats_agg_cells.h"
#include "stats_state.h"
#include "workdays.h"

enum {
	SUB = CCHC__V1__DOSSIER_KIND__SUBMITTED,
	REC = CCHC__V1__DOSSIER_KIND__RECEIVED,
	SREQ = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_REQUESTED,
	SREC = CCHC__V1__DOSSIER_KIND__SUPPLEMENT_RECEIVED,
	EXT = CCHC__V1__DOSSIER_KIND__EXTENDED,
	RES = CCHC__V1__DOSSIER_KIND__RESOLVED,
	RET = CCHC__V1__DOSSIER_KIND__RETURNED,
	WDR = CCHC__V1__DOSSIER_KIND__WITHDRAWN,
	PAY = CCHC__V1__DOSSIER_KIND__PAID_ONLINE,
	DIG = CCHC__V1__DOSSIER_KIND__DIGITIZED,
	RATED = CCHC__V1__DOSSIER_KIND__RATED,
	DIRECT = CCHC__V1__CHANNEL__DIRECT,
	ONLINE = CCHC__V1__CHANNEL__ONLINE,
	POSTAL = CCHC__V1__CHANNEL__POSTAL,
	F_REC = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED,
	F_RES = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RESOLVED,
	F_PUB = CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED,
	REG = CCHC__V1__FEEDBACK_TOPIC__REGULATION,
	BEH = CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR,
};

#define NO STATE_NO_TIME

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int setup(void **st)
{
	(void)st;
	set_tz("Asia/Ho_Chi_Minh");
	return 0;
}

/* Local day `day` at hh:mm, in the process's zone. */
static int64_t at(int64_t day, int hh, int mm)
{
	return cal_day_start(day) + ((int64_t)hh * 3600 + mm * 60) * 1000;
}

static dossier_event E(int kind, int64_t t, int64_t due)
{
	return (dossier_event){
	    .kind = kind, .channel = 0, .at_ms = t, .due_ms = due, .field = "hotich"};
}

/* The measure of (key, day), 0 when the cell does not exist. */
static int64_t cell(const agg_acc *a, uint32_t key, int32_t day, int measure)
{
	for (size_t i = 0; i < a->cells.n; i++)
		if (a->cells.c[i].key == key && a->cells.c[i].day == day)
			return a->cells.c[i].m[measure];
	return 0;
}

/* The sum of a measure over every day of key, and over the days before `before`. */
static int64_t total(const agg_acc *a, uint32_t key, int measure)
{
	int64_t n = 0;
	for (size_t i = 0; i < a->cells.n; i++)
		if (a->cells.c[i].key == key)
			n += a->cells.c[i].m[measure];
	return n;
}

static int64_t prefix(const agg_acc *a, uint32_t key, int measure, int32_t before)
{
	int64_t n = 0;
	for (size_t i = 0; i < a->cells.n; i++)
		if (a->cells.c[i].key == key && a->cells.c[i].day < before)
			n += a->cells.c[i].m[measure];
	return n;
}

static int all_zero(const agg_acc *a)
{
	for (size_t i = 0; i < a->cells.n; i++)
		for (int q = 0; q < AGG_ND; q++)
			if (a->cells.c[i].m[q] != 0)
				return 0;
	return 1;
}

/* ---- flows ---- */

static void test_dossier_flows(void **st)
{
	(void)st;
	const int64_t d = cal_days_from_civil(2024, 3, 4);
	dossier_event ev[] = {E(REC, at(d, 10, 0), at(d + 5, 17, 0)), E(PAY, at(d, 11, 0), NO),
	                      E(DIG, at(d + 1, 9, 0), NO), E(RES, at(d + 3, 16, 0), NO)};
	ev[0].channel = ONLINE;
	dossier_state s;
	agg_acc *a = agg_acc_new();

	assert_non_null(a);
	assert_int_equal(dossier_state_from_events(ev, 4, &s), 0);
	assert_int_equal(s.resolved_class, STATE_CLASS_EARLY);
	agg_acc_dossier(a, "474", "2024-01-01", 2, &s, 1);
	assert_int_equal(a->keys.n, 1);
	assert_false(a->oom);
	/* flows on the day of the received: the flags count with it, whatever their own day */
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_RECEIVED), 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_ONLINE), 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_DIRECT), 0);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_PAID), 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_DIGITIZED), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 3, AGG_D_RESOLVED), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 3, AGG_D_EARLY), 1);
	assert_int_equal(total(a, 0, AGG_D_RECEIVED), 1);
	assert_int_equal(total(a, 0, AGG_D_RESOLVED), 1);
	assert_int_equal(total(a, 0, AGG_D_ON_TIME) + total(a, 0, AGG_D_LATE), 0);
	/* open from the midnight after the received to the midnight after the finish */
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_OPEN), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 3, AGG_D_OPEN), -1);
	assert_int_equal(total(a, 0, AGG_D_OPEN), 0);
	assert_int_equal(total(a, 0, AGG_D_OVERDUE), 0);
	dossier_state_free(&s);
	agg_acc_free(a);
}

/* Overdue from the midnight after the due (17:00) until the finish, late, a return and a
 * submission that was not accepted. */
static void test_dossier_overdue_and_ends(void **st)
{
	(void)st;
	const int64_t d = cal_days_from_civil(2024, 3, 4);
	dossier_event late[] = {E(REC, at(d, 8, 0), at(d + 2, 17, 0)), E(RES, at(d + 6, 9, 0), NO)};
	dossier_event ret[] = {E(REC, at(d, 8, 0), at(d + 9, 17, 0)), E(RET, at(d + 1, 9, 0), NO)};
	dossier_event nacc[] = {E(SUB, at(d, 8, 0), NO), E(RET, at(d + 2, 0, 0), NO)};
	late[0].channel = POSTAL;
	ret[0].channel = DIRECT;
	nacc[0].channel = ONLINE;
	dossier_state s1, s2, s3;
	agg_acc *a = agg_acc_new();

	assert_int_equal(dossier_state_from_events(late, 2, &s1), 0);
	assert_int_equal(dossier_state_from_events(ret, 2, &s2), 0);
	assert_int_equal(dossier_state_from_events(nacc, 2, &s3), 0);
	agg_acc_dossier(a, "474", "2024-01-01", 2, &s1, 1);
	agg_acc_dossier(a, "19753", "2024-01-01", 3, &s2, 1);
	agg_acc_dossier(a, "19756", "2024-01-01", 3, &s3, 1);
	assert_int_equal(a->keys.n, 3);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_D_POSTAL), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 6, AGG_D_LATE), 1);
	/* due 17:00 on d+2: overdue at the midnights from the one after it (d+3, a change kept on
	 * d+2) to the one before the finish (d+6) */
	assert_int_equal(prefix(a, 0, AGG_D_OVERDUE, (int32_t)d + 2), 0);
	assert_int_equal(cell(a, 0, (int32_t)d + 2, AGG_D_OVERDUE), 1);
	assert_int_equal(prefix(a, 0, AGG_D_OVERDUE, (int32_t)d + 3), 1);
	assert_int_equal(prefix(a, 0, AGG_D_OVERDUE, (int32_t)d + 6), 1);
	assert_int_equal(prefix(a, 0, AGG_D_OVERDUE, (int32_t)d + 7), 0);
	assert_int_equal(cell(a, 1, (int32_t)d, AGG_D_DIRECT), 1);
	assert_int_equal(cell(a, 1, (int32_t)d + 1, AGG_D_RETURNED), 1);
	assert_int_equal(total(a, 1, AGG_D_RESOLVED), 0);
	/* a submission: waiting from the midnight after it; not accepted at 00:00 of d+2, so no
	 * longer waiting at the midnight after that instant, not at d+2's own */
	assert_int_equal(total(a, 2, AGG_D_RECEIVED), 0);
	assert_int_equal(cell(a, 2, (int32_t)d + 2, AGG_D_NOT_ACCEPTED), 1);
	assert_int_equal(prefix(a, 2, AGG_D_WAITING, (int32_t)d), 0);
	assert_int_equal(prefix(a, 2, AGG_D_WAITING, (int32_t)d + 1), 1);
	assert_int_equal(prefix(a, 2, AGG_D_WAITING, (int32_t)d + 2), 1);
	assert_int_equal(prefix(a, 2, AGG_D_WAITING, (int32_t)d + 3), 0);
	dossier_state_free(&s1);
	dossier_state_free(&s2);
	dossier_state_free(&s3);
	agg_acc_free(a);
}

static void test_feedback(void **st)
{
	(void)st;
	const int64_t d = cal_days_from_civil(2024, 2, 1);
	feedback_event ev[] = {
	    {F_PUB, 0, at(d + 5, 8, 0)}, {F_REC, REG, at(d, 9, 0)}, {F_RES, 0, at(d + 2, 10, 0)}};
	feedback_event other[] = {{F_REC, BEH, at(d, 0, 0)}};
	feedback_event orphan[] = {{F_RES, 0, at(d, 9, 0)}};
	feedback_state s, s2, s3;
	agg_acc *a = agg_acc_new();

	assert_int_equal(feedback_state_from_events(ev, 3, &s), 0);
	assert_int_equal(feedback_state_from_events(other, 1, &s2), 0);
	assert_int_equal(feedback_state_from_events(orphan, 1, &s3), 0);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &s, 1);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &s2, 1);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &s3, 1); /* no received: nothing */
	assert_int_equal(a->keys.n, 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_F_RECEIVED), 2);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_F_REGULATION), 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_F_BEHAVIOR), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 2, AGG_F_RESOLVED), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 5, AGG_F_PUBLISHED), 1);
	assert_int_equal(cell(a, 0, (int32_t)d, AGG_F_OPEN), 2);
	assert_int_equal(cell(a, 0, (int32_t)d + 2, AGG_F_OPEN), -1);
	assert_int_equal(total(a, 0, AGG_F_OPEN), 1);
	agg_acc_free(a);
}

/* docs/design.md §16: a finished dossier's rating counts on its finishing day (unhappy and late
 * also as such), a re-rating moves it; a feedback item answered before its deadline (15 working
 * days on the process's calendar) is on time, one still pending after it overdue from the day
 * the deadline ends to the day of the answer. */
static void test_ratings_and_deadlines(void **st)
{
	(void)st;
	char err[256];
	workdays *w = NULL;
	assert_int_equal(
	    workdays_load(CCHC_SOURCE_DIR "/deploy/data/days-off.txt", &w, err, sizeof err), 0);
	workdays_set_current(w);
	const int64_t d = cal_days_from_civil(2024, 2, 1);
	dossier_event late[] = {E(REC, at(d, 8, 0), at(d + 2, 17, 0)), E(RES, at(d + 6, 9, 0), NO),
	                        E(RATED, at(d + 7, 9, 0), NO)};
	late[2].rating = CCHC__V1__RATING__UNSATISFIED;
	dossier_state s, s2;
	agg_acc *a = agg_acc_new();
	assert_int_equal(dossier_state_from_events(late, 3, &s), 0);
	agg_acc_dossier(a, "46", "2024-01-01", 1, &s, 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 6, AGG_D_RATED_UNSAT), 1);
	assert_int_equal(cell(a, 0, (int32_t)d + 6, AGG_D_RATED_UNSAT_LATE), 1);
	assert_int_equal(total(a, 0, AGG_D_RATED_SAT), 0);
	/* re-rated satisfied: old out, new in */
	late[2].rating = CCHC__V1__RATING__SATISFIED;
	assert_int_equal(dossier_state_from_events(late, 3, &s2), 0);
	agg_acc_dossier(a, "46", "2024-01-01", 1, &s, -1);
	agg_acc_dossier(a, "46", "2024-01-01", 1, &s2, 1);
	assert_int_equal(total(a, 0, AGG_D_RATED_UNSAT), 0);
	assert_int_equal(total(a, 0, AGG_D_RATED_UNSAT_LATE), 0);
	assert_int_equal(cell(a, 0, (int32_t)d + 6, AGG_D_RATED_SAT), 1);
	dossier_state_free(&s);
	dossier_state_free(&s2);
	agg_acc_free(a);

	/* received Wednesday 07/02/2024, before Tết: the 15th working day is 06/03 */
	const int64_t r = cal_days_from_civil(2024, 2, 7), dl = cal_days_from_civil(2024, 3, 6);
	feedback_event on_time[] = {{F_REC, REG, at(r, 9, 0)}, {F_RES, 0, at(dl, 16, 0)}};
	feedback_event too_late[] = {{F_REC, REG, at(r, 10, 0)}, {F_RES, 0, at(dl + 6, 9, 0)}};
	feedback_event open[] = {{F_REC, BEH, at(r, 11, 0)}};
	feedback_state f1, f2, f3;
	a = agg_acc_new();
	assert_int_equal(feedback_state_from_events(on_time, 2, &f1), 0);
	assert_true(f1.deadline == cal_day_start(dl + 1));
	assert_int_equal(feedback_state_from_events(too_late, 2, &f2), 0);
	assert_int_equal(feedback_state_from_events(open, 1, &f3), 0);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &f1, 1);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &f2, 1);
	agg_acc_feedback(a, "46", "2024-01-01", 1, &f3, 1);
	assert_int_equal(cell(a, 0, (int32_t)dl, AGG_F_ON_TIME), 1);
	assert_int_equal(total(a, 0, AGG_F_ON_TIME), 1);
	/* overdue at a midnight: none at the end of the deadline, two the midnight after, one
	 * after the late answer */
	assert_int_equal(prefix(a, 0, AGG_F_OVERDUE, (int32_t)dl + 1), 0);
	assert_int_equal(prefix(a, 0, AGG_F_OVERDUE, (int32_t)dl + 2), 2);
	assert_int_equal(prefix(a, 0, AGG_F_OVERDUE, (int32_t)dl + 7), 1);
	assert_int_equal(total(a, 0, AGG_F_OVERDUE), 1);
	agg_acc_free(a);
	/* weekends only, the same item is due a week earlier */
	workdays_set_current(NULL);
	assert_int_equal(feedback_state_from_events(on_time, 2, &f1), 0);
	assert_true(f1.deadline == cal_day_start(cal_days_from_civil(2024, 2, 28) + 1));
	workdays_free(w);
}

/* ---- sums ---- */

/* The old state taken away and the new one added: a state against itself cancels to zeros, one
 * moved to another unit leaves its old key at zero. */
static void test_contributions_cancel(void **st)
{
	(void)st;
	const int64_t d = cal_days_from_civil(2024, 1, 10);
	dossier_event ev[] = {E(REC, at(d, 10, 0), at(d + 3, 17, 0)), E(SREQ, at(d + 1, 9, 0), NO),
	                      E(SREC, at(d + 8, 9, 0), at(d + 12, 17, 0)),
	                      E(RES, at(d + 14, 9, 0), NO)};
	dossier_state s;
	agg_acc *a = agg_acc_new();

	assert_int_equal(dossier_state_from_events(ev, 4, &s), 0);
	agg_acc_dossier(a, "474", "2024-01-01", 2, &s, 1);
	agg_acc_dossier(a, "474", "2024-01-01", 2, &s, -1);
	assert_true(a->cells.n > 0);
	assert_true(all_zero(a));
	agg_acc_dossier(a, "474", "2024-01-01", 2, &s, -1);
	agg_acc_dossier(a, "474", "2025-07-01", 2, &s, 1);
	assert_int_equal(a->keys.n, 2);
	assert_int_equal(total(a, 0, AGG_D_RECEIVED), -1);
	assert_int_equal(total(a, 1, AGG_D_RECEIVED), 1);
	assert_int_equal(total(a, 1, AGG_D_LATE), 1);
	agg_acc_reset(a);
	assert_int_equal(a->keys.n, 0);
	assert_int_equal(a->cells.n, 0);
	dossier_state_free(&s);
	agg_acc_free(a);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random instant within `span` days of day d: often a midnight or 17:00, the edges. */
static int64_t rnd_at(int64_t d, unsigned span)
{
	int64_t day = d + rnd(span + 1);
	switch (rnd(4)) {
	case 0:
		return at(day, 0, 0);
	case 1:
		return at(day, 17, 0);
	default:
		return at(day, 7 + (int)rnd(11), (int)rnd(60));
	}
}

/* A random dossier's events from day d on: submissions, supplements, extensions (up to
 * `max_ext`), finishes. Returns the count. */
static size_t rnd_dossier(int64_t d, dossier_event *ev, size_t max_ext)
{
	size_t n = 0;
	int64_t t = rnd_at(d, 20);

	if (rnd(4) == 0) {
		ev[n++] = E(SUB, t, NO);
		t = rnd_at(cal_local_day(t), 3);
		if (rnd(5) == 0)
			return n; /* still waiting */
		if (rnd(5) == 0) {
			ev[n++] = E(RET, t, NO); /* not accepted */
			return n;
		}
	}
	ev[n] = E(REC, t, rnd(8) ? rnd_at(cal_local_day(t) + 1, 15) : NO);
	ev[n++].channel = 1 + (int)rnd(3);
	size_t ext = rnd(3) ? rnd((unsigned)max_ext + 1) : 0;
	for (size_t i = 0; i < ext; i++) {
		t = rnd_at(cal_local_day(t), 4);
		switch (rnd(3)) {
		case 0:
			ev[n++] = E(SREQ, t, NO);
			t = rnd_at(cal_local_day(t), 6);
			ev[n++] = E(SREC, t, rnd_at(cal_local_day(t), 10));
			break;
		default:
			ev[n++] = E(EXT, t, rnd_at(cal_local_day(t) + 1, 10));
		}
	}
	if (rnd(5) == 0)
		ev[n++] = E(SREQ, rnd_at(cal_local_day(t), 5), NO); /* waits for ever */
	if (rnd(4))
		ev[n++] = E(rnd(8) ? RES : rnd(2) ? RET : WDR, rnd_at(cal_local_day(t), 40), NO);
	return n;
}

/* For every midnight from day lo to hi, each stock's changes over the days before it equal the
 * stock evaluated there by the reference query's rules (query.c, state.c). */
static void check_stocks(int64_t lo, int64_t hi, unsigned dossiers, size_t max_ext)
{
	dossier_event *ev = calloc(8 + 4 * max_ext, sizeof *ev);
	int bad = 0;

	assert_non_null(ev);
	for (unsigned i = 0; i < dossiers; i++) {
		size_t n = rnd_dossier(lo + 5, ev, max_ext);
		dossier_state s;
		agg_acc *a = agg_acc_new();
		assert_int_equal(dossier_state_from_events(ev, n, &s), 0);
		agg_acc_dossier(a, "474", "2024-01-01", 2, &s, 1);
		assert_false(a->oom);
		for (int64_t day = lo; day <= hi; day++) {
			int64_t t = cal_day_start(day);
			int pend = s.received_at != NO && s.received_at < t &&
			           (s.finished_at == NO || s.finished_at >= t);
			int64_t due = dossier_state_due_before(&s, t);
			int over = pend && !dossier_state_waiting_at(&s, t) && due != NO && due < t;
			int wait = s.submitted_at != NO && s.submitted_at < t &&
			           (s.waiting_end_at == NO || s.waiting_end_at >= t);
			int64_t got[3] = {prefix(a, 0, AGG_D_OPEN, (int32_t)day),
			                  prefix(a, 0, AGG_D_OVERDUE, (int32_t)day),
			                  prefix(a, 0, AGG_D_WAITING, (int32_t)day)};
			if ((got[0] != pend || got[1] != over || got[2] != wait) && bad++ < 5)
				fprintf(
				    stderr,
				    "test_agg_cells: dossier %u, midnight of day %lld: open %lld "
				    "overdue %lld waiting %lld, the states say %d %d %d\n",
				    i, (long long)day, (long long)got[0], (long long)got[1],
				    (long long)got[2], pend, over, wait);
		}
		/* and the flows count once, on the day of their event */
		if (total(a, 0, AGG_D_RECEIVED) != (s.received_at != NO) ||
		    (s.received_at != NO &&
		     cell(a, 0, (int32_t)cal_local_day(s.received_at), AGG_D_RECEIVED) != 1))
			bad++;
		dossier_state_free(&s);
		agg_acc_free(a);
	}
	free(ev);
	assert_int_equal(bad, 0);
}

static void test_stocks_random(void **st)
{
	(void)st;
	int64_t lo = cal_days_from_civil(2024, 1, 1);
	check_stocks(lo, lo + 120, 3000, 4);
}

/* More than 34 due changes: the candidate instants no longer fit the stack buffers. */
static void test_stocks_long_history(void **st)
{
	(void)st;
	int64_t lo = cal_days_from_civil(2024, 5, 1);
	check_stocks(lo, lo + 400, 200, 60);
}

/* Days of 23 and 25 hours (Europe/Berlin, 2034: a year no other test of this file touches, so
 * the per-thread calendar caches hold nothing of it under the other zone). */
static void test_stocks_dst(void **st)
{
	(void)st;
	set_tz("Europe/Berlin");
	int64_t lo = cal_days_from_civil(2034, 3, 10);
	check_stocks(lo, lo + 250, 1500, 4);
	set_tz("Asia/Ho_Chi_Minh");
}

/* ---- keys and months ---- */

static void test_keys(void **st)
{
	(void)st;
	agg_acc *a = agg_acc_new();
	char office[] = "474", snap[] = "2024-01-01";

	uint32_t k0 = agg_acc_key(a, "474", "2024-01-01", 2, "hotich");
	assert_int_equal(agg_acc_key(a, office, snap, 2, "hotich"),
	                 k0); /* equal text, not address */
	assert_int_not_equal(agg_acc_key(a, "474", "2024-01-01", 3, "hotich"), k0);
	assert_int_not_equal(agg_acc_key(a, "474", "2025-07-01", 2, "hotich"), k0);
	assert_int_not_equal(agg_acc_key(a, "474", "2024-01-01", 2, "datdai"), k0);
	uint32_t kf = agg_acc_key(a, "474", "2024-01-01", 2, NULL);
	assert_int_equal(agg_acc_key(a, "474", "2024-01-01", 2, ""), kf);
	assert_int_equal(a->keys.n, 5);
	assert_int_equal(a->keys.v[kf].id, -1); /* not resolved */
	static char codes[3000][8];
	for (int i = 0; i < 3000; i++) { /* past a few growths of the index */
		snprintf(codes[i], sizeof codes[i], "%d", 20000 + i);
		assert_int_equal(agg_acc_key(a, codes[i], "2024-01-01", 3, "x"), 5 + i);
	}
	for (int i = 0; i < 3000; i += 7)
		assert_int_equal(agg_acc_key(a, codes[i], "2024-01-01", 3, "x"), 5 + i);
	assert_int_equal(a->keys.n, 3005);
	assert_int_equal(agg_acc_key(a, "474", "2024-01-01", 2, "hotich"), k0);
	assert_false(a->oom);
	agg_acc_free(a);
}

/* Each day goes to the month starting on the 15th at or before it; the measures add up. */
static void test_month_cells(void **st)
{
	(void)st;
	agg_cells months = {0};
	int64_t m[AGG_ND] = {0};
	int32_t feb15 = (int32_t)cal_days_from_civil(2024, 2, 15);
	int32_t mar14 = (int32_t)cal_days_from_civil(2024, 3, 14);

	m[AGG_D_RECEIVED] = 2;
	m[AGG_D_OPEN] = -1;
	assert_int_equal(agg_cells_add_to_month(&months, 7, feb15, m), 0);
	assert_int_equal(agg_cells_add_to_month(&months, 7, mar14, m), 0);
	assert_int_equal(agg_cells_add_to_month(&months, 7, mar14 + 1, m), 0);
	assert_int_equal(agg_cells_add_to_month(&months, 8, feb15 + 3, m), 0);
	assert_int_equal(months.n, 3);
	agg_cell *c = agg_cells_at(&months, 7, feb15);
	assert_int_equal(c->m[AGG_D_RECEIVED], 4);
	assert_int_equal(c->m[AGG_D_OPEN], -2);
	assert_int_equal(agg_cells_at(&months, 7, mar14 + 1)->m[AGG_D_RECEIVED], 2);
	assert_int_equal(agg_cells_at(&months, 8, feb15)->m[AGG_D_RECEIVED], 2);
	assert_int_equal(months.n, 3); /* found, not added */
	agg_cells_reset(&months);
	assert_int_equal(months.n, 0);
	assert_int_equal(agg_cells_at(&months, 7, feb15)->m[AGG_D_RECEIVED], 0); /* new, zeroed */
	agg_cells_free(&months);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dossier_flows), cmocka_unit_test(test_dossier_overdue_and_ends),
	    cmocka_unit_test(test_feedback),      cmocka_unit_test(test_contributions_cancel),
	    cmocka_unit_test(test_stocks_random), cmocka_unit_test(test_stocks_long_history),
	    cmocka_unit_test(test_stocks_dst),    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_month_cells),   cmocka_unit_test(test_ratings_and_deadlines),
	};
	return cmocka_run_group_tests_name("agg_cells", tests, setup, NULL);
}

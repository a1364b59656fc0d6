/* test_gen: `cchc gen` — reproducible from its seed, every event kind and boundary case present,
 * the truth's identities hold for every unit, level and field (also for other periods than the
 * generated one, and after the last record written), ids unique per data set, the options work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "commands.h"
#include "calendar.h"
#include "gen.h"
#include "service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNITS_CSV CCHC_SOURCE_DIR "/deploy/data/units.csv"
#define MINUTE_MS 60000LL

static units *reg;
static workdays *cal;

static int setup(void **state)
{
	(void)state;
	service_set_timezone("Asia/Ho_Chi_Minh");
	char err[256];
	if (units_load(UNITS_CSV, &reg, err, sizeof err) ||
	    workdays_load(CCHC_SOURCE_DIR "/deploy/data/days-off.txt", &cal, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	units_free(reg);
	workdays_free(cal);
	return 0;
}

static gen_model *build(const char *label, size_t n, uint64_t seed)
{
	period p;
	char err[256];
	assert_int_equal(period_parse(label, &p, err, sizeof err), 0);
	gen_model *m = NULL;
	assert_int_equal(gen_model_build(reg, cal, &p, n, seed, &m, err, sizeof err), 0);
	assert_non_null(m);
	return m;
}

static char *jsonl(const gen_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(gen_write_jsonl(m, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void same_seed_same_bytes(void **state)
{
	(void)state;
	gen_model *a = build("2024-Q1", 3000, 42), *b = build("2024-Q1", 3000, 42);
	gen_model *c = build("2024-Q1", 3000, 43);
	size_t la, lb, lc;
	char *ja = jsonl(a, &la), *jb = jsonl(b, &lb), *jc = jsonl(c, &lc);
	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ja, jb, la);
	assert_true(la != lc || memcmp(ja, jc, la) != 0);

	gen_truth ta, tb;
	assert_int_equal(gen_truth_compute(a, &ta), 0);
	assert_int_equal(gen_truth_compute(b, &tb), 0);
	assert_memory_equal(&ta.all, &tb.all, sizeof ta.all);
	gen_truth_free(&ta);
	gen_truth_free(&tb);
	free(ja);
	free(jb);
	free(jc);
	gen_model_free(a);
	gen_model_free(b);
	gen_model_free(c);
}

static void every_kind_appears(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 20000, 7);
	size_t seen[GEN_KIND_COUNT] = {0}, fb_seen[3] = {0}, channels[3] = {0}, topics[2] = {0};
	gen_event ev[GEN_MAX_EVENTS];
	for (size_t i = 0; i < m->ndossiers; i++) {
		const gen_dossier *d = &m->dossiers[i];
		size_t n = gen_dossier_events(m, i, ev);
		int64_t last = INT64_MIN;
		for (size_t j = 0; j < n; j++) {
			seen[ev[j].kind]++;
			assert_true(ev[j].at >= last); /* event order */
			last = ev[j].at;
			assert_int_equal(ev[j].at % 1000,
			                 0); /* the contract's times have seconds */
			assert_true(ev[j].at < m->horizon_ms);
			int has_due = ev[j].kind == GEN_RECEIVED ||
			              ev[j].kind == GEN_SUPPLEMENT_RECEIVED ||
			              ev[j].kind == GEN_EXTENDED;
			assert_int_equal(has_due, ev[j].due != GEN_NONE);
			if (has_due)
				assert_true(ev[j].due > ev[j].at);
		}
		if (d->received != GEN_NONE) {
			channels[d->channel]++;
			char t[40];
			gen_format_time(m, d->due, t, sizeof t);
			assert_string_equal(t + 10, "T17:00:00+07:00");
		}
	}
	for (size_t i = 0; i < m->nfeedback; i++) {
		size_t n = gen_feedback_events(m, i, ev);
		for (size_t j = 0; j < n; j++)
			fb_seen[ev[j].kind]++;
		topics[m->feedback[i].topic]++;
	}
	for (int k = 0; k < GEN_KIND_COUNT; k++) {
		if (!seen[k])
			fail_msg("no %s event", gen_kind_name(k));
	}
	for (int k = 0; k < 3; k++) {
		assert_true(fb_seen[k] > 0);
		assert_true(channels[k] > 0);
	}
	assert_true(topics[0] > 0 && topics[1] > 0);
	/* a few dozen feedback items per 10k dossiers */
	assert_in_range(m->nfeedback, 40, 120);
	gen_model_free(m);
}

static void assert_identities(const gen_figures *x)
{
	assert_int_equal(x->intake, x->carried_over + x->received);
	assert_int_equal(x->carried_over + x->received,
	                 x->resolved + x->returned + x->withdrawn + x->pending);
	assert_int_equal(x->received, x->received_online + x->received_direct + x->received_postal);
	assert_int_equal(x->resolved, x->resolved_early + x->resolved_on_time + x->resolved_late);
	assert_int_equal(x->pending, x->pending_within_due + x->pending_overdue);
	assert_true(x->paid_online <= x->received && x->digitized <= x->received);
	/* ratings count over the finished dossiers; unhappy and late ones are among both */
	assert_int_equal(x->rated, x->rated_satisfied + x->rated_unsatisfied);
	assert_true(x->rated <= x->resolved + x->returned + x->withdrawn);
	assert_true(x->rated_unsatisfied_late <= x->rated_unsatisfied);
	assert_true(x->rated_unsatisfied_late <= x->resolved_late);
}

static void truth_identities(void **state)
{
	(void)state;
	const char *labels[] = {"2024-Q1", "2024", "2024-03", "2024-02-01..2024-02-29", "2026-Q1"};
	for (size_t l = 0; l < sizeof labels / sizeof labels[0]; l++) {
		gen_model *m = build(labels[l], 8000, 100 + l);
		gen_truth t;
		assert_int_equal(gen_truth_compute(m, &t), 0);
		gen_figures sum = {0}, fsum = {0};
		for (size_t i = 0; i < t.nunits; i++) {
			assert_identities(&t.units[i]);
			for (size_t k = 0; k < sizeof sum / sizeof(int64_t); k++)
				((int64_t *)&sum)[k] += ((int64_t *)&t.units[i])[k];
		}
		for (size_t i = 0; i < t.nfields; i++) {
			assert_identities(&t.fields[i]);
			for (size_t k = 0; k < sizeof fsum / sizeof(int64_t); k++)
				((int64_t *)&fsum)[k] += ((int64_t *)&t.fields[i])[k];
		}
		for (int lv = 0; lv < 3; lv++)
			assert_identities(&t.level[lv]);
		assert_identities(&t.all);
		assert_memory_equal(&sum, &t.all, sizeof sum);
		assert_memory_equal(&fsum, &t.all, sizeof fsum);
		/* every figure shows up in a period this size */
		assert_true(t.all.carried_over > 0 && t.all.resolved_early > 0 &&
		            t.all.resolved_on_time > 0 && t.all.resolved_late > 0 &&
		            t.all.returned > 0 && t.all.withdrawn > 0 &&
		            t.all.pending_within_due > 0 && t.all.pending_overdue > 0 &&
		            t.all.waiting > 0 && t.all.not_accepted > 0 && t.all.paid_online > 0 &&
		            t.all.digitized > 0 && t.all.received_postal > 0);
		assert_true(t.all.rated > 0 && t.all.rated_unsatisfied > 0);
		const gen_fb_figures *f = &t.feedback;
		assert_int_equal(f->carried_over + f->received, f->resolved + f->pending);
		assert_int_equal(f->received, f->about_regulation + f->about_behavior);
		assert_true(f->published <= f->resolved);
		assert_true(f->resolved_on_time <= f->resolved);
		assert_true(f->pending_within_due <= f->pending);
		/* the scope's feedback is its units', and its levels' */
		gen_fb_figures us = {0}, ls = {0};
		for (size_t i = 0; i < t.nunits; i++)
			for (size_t k = 0; k < sizeof us / sizeof(int64_t); k++)
				((int64_t *)&us)[k] += ((int64_t *)&t.unit_feedback[i])[k];
		for (int lv = 0; lv < 3; lv++)
			for (size_t k = 0; k < sizeof ls / sizeof(int64_t); k++)
				((int64_t *)&ls)[k] += ((int64_t *)&t.level_feedback[lv])[k];
		assert_memory_equal(&us, f, sizeof us);
		assert_memory_equal(&ls, f, sizeof ls);
		gen_truth_free(&t);
		gen_model_free(m);
	}
}

/* Shares per level and online rate like the province's Q1/2024 report (23/32/45 %, ~56 %). */
static void realistic_shares(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 30000, 9);
	gen_truth t;
	assert_int_equal(gen_truth_compute(m, &t), 0);
	double all = (double)t.all.received;
	assert_in_range((int)(100 * t.level[0].received / all), 18, 28);
	assert_in_range((int)(100 * t.level[1].received / all), 27, 37);
	assert_in_range((int)(100 * t.level[2].received / all), 40, 50);
	assert_in_range((int)(100 * t.all.received_online / all), 50, 62);
	assert_in_range((int)(100 * t.level[0].received_online / (double)t.level[0].received), 78,
	                90);
	/* on-time rate well above 90 %, as reported */
	assert_true(t.all.resolved_late * 100 < t.all.resolved * 6);
	gen_truth_free(&t);
	gen_model_free(m);
}

static void boundaries(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 20000, 5);
	const period *p = &m->per;
	char t[40];
	gen_format_time(m, p->from_ms, t, sizeof t);
	assert_string_equal(t, "2023-12-15T00:00:00+07:00");
	gen_format_time(m, p->to_ms + 10 * MINUTE_MS, t, sizeof t);
	assert_string_equal(t, "2024-03-15T00:10:00+07:00");
	gen_format_time(m, p->to_ms - 1000, t, sizeof t);
	assert_string_equal(t, "2024-03-14T23:59:59+07:00");

	int at_from = 0, before_from = 0, last_second = 0, after_to_waiting = 0, resolved_last = 0,
	    resolved_after = 0, orphan = 0, double_finish = 0, late_received = 0, exact_due = 0,
	    due_plus_1 = 0;
	for (size_t i = 0; i < m->ndossiers; i++) {
		const gen_dossier *d = &m->dossiers[i];
		at_from += d->received == p->from_ms;
		before_from += d->received == p->from_ms - 10 * MINUTE_MS;
		last_second += d->received == p->to_ms - 1000;
		after_to_waiting +=
		    d->received == p->to_ms + 10 * MINUTE_MS && d->submitted < p->to_ms;
		resolved_last += d->finish_kind == GEN_RESOLVED && d->finish == p->to_ms - 1000;
		resolved_after +=
		    d->finish_kind == GEN_RESOLVED && d->finish == p->to_ms + 10 * MINUTE_MS;
		orphan += !!(d->flags & GEN_F_ORPHAN);
		late_received += !!(d->flags & GEN_F_LATE_RECEIVED);
		double_finish += d->finish2_kind != GEN_KIND_NONE;
		if (d->finish_kind == GEN_RESOLVED && d->extended == GEN_NONE &&
		    d->supp_received == GEN_NONE) {
			exact_due += d->finish == d->due;
			due_plus_1 += d->finish == d->due + 1000;
		}
	}
	assert_true(at_from > 0 && before_from > 0 && last_second > 0 && after_to_waiting > 0);
	assert_true(resolved_last > 0 && resolved_after > 0);
	assert_true(orphan > 0 && double_finish > 0 && late_received > 0);
	assert_true(exact_due > 0 && due_plus_1 > 0);
	gen_model_free(m);
}

/* docs/design.md §16: a realistic share of the finished dossiers is rated, mostly satisfied; some
 * are rated again (a few at the very same instant); ratings are written with their rating and
 * never on a dossier that was not taken up. */
static void ratings(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 30000, 21);
	gen_truth t;
	assert_int_equal(gen_truth_compute(m, &t), 0);
	int64_t finished = t.all.resolved + t.all.returned + t.all.withdrawn;
	assert_in_range((int)(100 * t.all.rated / finished), 25, 50);
	assert_in_range((int)(100 * t.all.rated_unsatisfied / t.all.rated), 2, 12);
	/* late results make unhappy citizens */
	assert_true(t.all.rated_unsatisfied_late * 100 > t.all.rated_unsatisfied * 10);
	size_t rerated = 0, same_instant = 0, pending_rated = 0, after_end = 0, events = 0;
	gen_event ev[GEN_MAX_EVENTS];
	for (size_t i = 0; i < m->ndossiers; i++) {
		const gen_dossier *d = &m->dossiers[i];
		if (d->rated == GEN_NONE) {
			assert_int_equal(d->rerated, GEN_NONE);
			continue;
		}
		assert_true(d->received != GEN_NONE && d->rated > d->received);
		assert_in_range(d->rating, GEN_VERY_SATISFIED, GEN_UNSATISFIED);
		rerated += d->rerated != GEN_NONE;
		same_instant += d->rerated == d->rated;
		pending_rated += d->finish_kind == GEN_KIND_NONE;
		after_end += d->finish < m->per.to_ms && d->rated >= m->per.to_ms;
		size_t n = gen_dossier_events(m, i, ev);
		for (size_t j = 0; j < n; j++)
			if (ev[j].kind == GEN_RATED) {
				assert_in_range(ev[j].rating, GEN_VERY_SATISFIED, GEN_UNSATISFIED);
				events++;
			}
	}
	assert_true(rerated > 0 && same_instant > 0 && pending_rated > 0 && after_end > 0);
	assert_true(events > 0);
	size_t len;
	char *text = jsonl(m, &len);
	assert_non_null(strstr(text, "\"kind\":\"rated\",\"rating\":\"very_satisfied\""));
	assert_non_null(strstr(text, "\"rating\":\"unsatisfied\""));
	free(text);
	gen_truth_free(&t);
	gen_model_free(m);
}

/* Feedback deadlines in working days (15 after the day received): a share is drawn so that the
 * deadline is the last working day before a weekend or a holiday and answered on either side of
 * it; every deadline is the one the province's calendar gives (lib/workdays.h, counted apart). */
static void feedback_deadlines(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 60000, 22); /* Tết and New Year in the period */
	int sides[3][2] = {{0}};
	for (size_t i = 0; i < m->nfeedback; i++) {
		const gen_feedback *fb = &m->feedback[i];
		long r = gen_day_of(m, fb->received), e = gen_day_of(m, fb->deadline_end);
		assert_true(r >= 0 && e > r);
		int64_t day = cal_days_from_civil(m->days[r].ymd / 10000,
		                                  m->days[r].ymd / 100 % 100, m->days[r].ymd % 100);
		char want[11], got[11];
		cal_format_date(workdays_after(cal, day, GEN_FEEDBACK_WORKDAYS) + 1, want);
		cal_format_date(cal_days_from_civil(m->days[e].ymd / 10000,
		                                    m->days[e].ymd / 100 % 100,
		                                    m->days[e].ymd % 100),
		                got);
		assert_string_equal(got, want);
		assert_int_equal(m->days[e].start_ms, fb->deadline_end);
		if (fb->edge) {
			assert_false(m->days[e].working); /* the day after the deadline is off */
			int holiday = m->days[e].wday != 0 && m->days[e].wday != 6;
			assert_int_equal(holiday, fb->edge == 2);
			assert_true(fb->resolved != GEN_NONE);
			sides[fb->edge][fb->resolved < fb->deadline_end]++;
		}
	}
	for (int edge = 1; edge <= 2; edge++)
		for (int on_time = 0; on_time < 2; on_time++)
			if (!sides[edge][on_time])
				fail_msg("no %s answer at a %s", on_time ? "timely" : "late",
				         edge == 1 ? "weekend" : "holiday");
	gen_model_free(m);
}

static void resolved_class(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 10, 1);
	int64_t due = m->per.from_ms + 17 * 3600000LL; /* 15/12/2023 17:00 */
	assert_int_equal(gen_resolved_class(m, due, due), GEN_CLASS_ON_TIME);
	assert_int_equal(gen_resolved_class(m, due + 1000, due), GEN_CLASS_LATE);
	assert_int_equal(gen_resolved_class(m, m->per.from_ms, due), GEN_CLASS_ON_TIME);
	assert_int_equal(gen_resolved_class(m, m->per.from_ms - 1000, due), GEN_CLASS_EARLY);
	gen_model_free(m);
}

/* Some dossier's later events reach ingest before its `received`; lines are not in time order. */
typedef struct seen_line {
	char key[96];
	size_t line;
	int received;
} seen_line;

static int seen_cmp(const void *a, const void *b)
{
	const seen_line *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

static void out_of_order_arrivals(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 5000, 3);
	size_t len;
	char *buf = jsonl(m, &len);
	size_t cap = 64, n = 0, unordered = 0;
	seen_line *s = malloc(cap * sizeof *s);
	char prev_at[40] = "";
	for (char *line = buf; line < buf + len;) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		*end = '\0';
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		assert_non_null(o);
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *at = json_string_value(json_object_get(o, "at"));
		assert_non_null(at);
		if (strcmp(at, prev_at) < 0)
			unordered++;
		snprintf(prev_at, sizeof prev_at, "%s", at);
		if (!strcmp(type, "dossier")) {
			if (n == cap)
				s = realloc(s, (cap *= 2) * sizeof *s);
			snprintf(s[n].key, sizeof s[n].key, "%s/%s",
			         json_string_value(json_object_get(o, "office")),
			         json_string_value(json_object_get(o, "dossier")));
			s[n].line = n;
			s[n].received =
			    !strcmp(json_string_value(json_object_get(o, "kind")), "received");
			n++;
		}
		json_decref(o);
		line = end + 1;
	}
	qsort(s, n, sizeof *s, seen_cmp);
	size_t early = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		int before = 0;
		for (; j < n && !strcmp(s[j].key, s[i].key); j++) {
			if (s[j].received && before)
				early++;
			if (!s[j].received)
				before = 1;
		}
		i = j;
	}
	assert_true(early > 0);
	assert_true(unordered > 0);
	free(s);
	free(buf);
	gen_model_free(m);
}

static void other_time_zone(void **state)
{
	(void)state;
	service_set_timezone("Asia/Kolkata");
	gen_model *m = build("2024-Q1", 500, 2);
	char t[40];
	gen_format_time(m, m->per.from_ms, t, sizeof t);
	assert_string_equal(t, "2023-12-15T00:00:00+05:30");
	gen_truth tr;
	assert_int_equal(gen_truth_compute(m, &tr), 0);
	assert_identities(&tr.all);
	gen_truth_free(&tr);
	gen_model_free(m);
	service_set_timezone("Asia/Ho_Chi_Minh");
}

/* Every event id and code carries the data set's segment: two seeds share no id, the same seed
 * gives the same ones, and the contract's length limits hold. */
static void ids_unique_per_data_set(void **state)
{
	(void)state;
	gen_model *a = build("2024-Q1", 2000, 11), *b = build("2024-Q1", 2000, 12);
	gen_model *c = build("2024-Q2", 2000, 11), *a2 = build("2024-Q1", 2000, 11);
	assert_string_equal(a->set_id, a2->set_id);
	assert_int_equal(strlen(a->set_id), 8);
	assert_string_not_equal(a->set_id, b->set_id);
	assert_string_not_equal(a->set_id, c->set_id);
	gen_model *ms[] = {a, b, c};
	size_t len[3];
	char *buf[3];
	for (int k = 0; k < 3; k++)
		buf[k] = jsonl(ms[k], &len[k]);
	/* collect "event_id" and "dossier"/"feedback" values of a; none may appear in b or c */
	size_t checked = 0;
	for (char *line = buf[0]; line < buf[0] + len[0];) {
		char *end = strchr(line, '\n');
		*end = '\0';
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		assert_non_null(o);
		const char *id = json_string_value(json_object_get(o, "event_id"));
		json_t *code = json_object_get(o, "dossier");
		if (!code)
			code = json_object_get(o, "feedback");
		assert_non_null(id);
		assert_non_null(code);
		assert_in_range(strlen(id), 1, 64);
		assert_in_range(strlen(json_string_value(code)), 1, 64);
		assert_non_null(strstr(id, a->set_id));
		assert_non_null(strstr(json_string_value(code), a->set_id));
		if (checked++ % 97 == 0) { /* a sample: a full cross-check is quadratic */
			char needle[96], cneedle[96];
			snprintf(needle, sizeof needle, "\"event_id\":\"%s\"", id);
			snprintf(cneedle, sizeof cneedle, "\":\"%s\"", json_string_value(code));
			for (int k = 1; k < 3; k++) {
				assert_null(memmem(buf[k], len[k], needle, strlen(needle)));
				assert_null(memmem(buf[k], len[k], cneedle, strlen(cneedle)));
			}
		}
		json_decref(o);
		line = end + 1;
	}
	assert_true(checked > 2000);
	for (int k = 0; k < 3; k++)
		free(buf[k]);
	gen_model_free(a);
	gen_model_free(a2);
	gen_model_free(b);
	gen_model_free(c);
}

static period parse(const char *label)
{
	period p;
	char err[256];
	assert_int_equal(period_parse(label, &p, err, sizeof err), 0);
	return p;
}

static gen_truth truth_of(const gen_model *m, const char *label)
{
	period p = parse(label);
	char err[256];
	assert_int_equal(gen_truth_period_check(m, &p, err, sizeof err), 0);
	gen_truth t;
	assert_int_equal(gen_truth_compute_period(m, &p, &t), 0);
	return t;
}

#define NFIG (sizeof(gen_figures) / sizeof(int64_t))

/* The truth of other periods from one model: flows add up (Q1 + Q2 = H1), what is open at the
 * end of one period is what the next carries over, and every identity holds everywhere. */
static void truth_of_other_periods(void **state)
{
	(void)state;
	gen_model *m = build("2024-H1", 6000, 21);
	gen_truth own, h1 = truth_of(m, "2024-H1"), q1 = truth_of(m, "2024-Q1"),
	               q2 = truth_of(m, "2024-Q2"), custom = truth_of(m, "2024-01-01..2024-03-31");
	assert_int_equal(gen_truth_compute(m, &own), 0);
	assert_memory_equal(&own.all, &h1.all, sizeof own.all);
	gen_truth *all[] = {&h1, &q1, &q2, &custom};
	for (size_t k = 0; k < 4; k++) {
		assert_identities(&all[k]->all);
		for (size_t i = 0; i < all[k]->nunits; i++)
			assert_identities(&all[k]->units[i]);
		for (size_t i = 0; i < all[k]->nfields; i++)
			assert_identities(&all[k]->fields[i]);
		assert_true(all[k]->all.received > 1000);
	}
	for (size_t i = 0; i < m->nunits; i++) {
		const gen_figures *a = &q1.units[i], *b = &q2.units[i], *h = &h1.units[i];
		assert_int_equal(a->pending, b->carried_over);
		assert_int_equal(a->carried_over, h->carried_over);
		assert_int_equal(b->pending, h->pending);
		assert_int_equal(b->pending_overdue, h->pending_overdue);
		assert_int_equal(b->waiting, h->waiting);
		assert_int_equal(a->received + b->received, h->received);
		assert_int_equal(a->received_online + b->received_online, h->received_online);
		assert_int_equal(a->resolved_early + b->resolved_early, h->resolved_early);
		assert_int_equal(a->resolved_on_time + b->resolved_on_time, h->resolved_on_time);
		assert_int_equal(a->resolved_late + b->resolved_late, h->resolved_late);
		assert_int_equal(a->returned + b->returned, h->returned);
		assert_int_equal(a->withdrawn + b->withdrawn, h->withdrawn);
		assert_int_equal(a->not_accepted + b->not_accepted, h->not_accepted);
		assert_int_equal(a->paid_online + b->paid_online, h->paid_online);
		assert_int_equal(a->digitized + b->digitized, h->digitized);
	}
	assert_int_equal(q1.feedback.pending, q2.feedback.carried_over);
	assert_int_equal(q1.feedback.received + q2.feedback.received, h1.feedback.received);
	assert_int_equal(q1.feedback.resolved + q2.feedback.resolved, h1.feedback.resolved);
	/* custom ranges split a quarter the same way */
	gen_truth a = truth_of(m, "2023-12-15..2024-01-31"),
	          b = truth_of(m, "2024-02-01..2024-03-14");
	assert_int_equal(a.all.carried_over, q1.all.carried_over);
	assert_int_equal(a.all.pending, b.all.carried_over);
	assert_int_equal(b.all.pending, q1.all.pending);
	assert_int_equal(a.all.received + b.all.received, q1.all.received);
	assert_int_equal(a.all.resolved_late + b.all.resolved_late, q1.all.resolved_late);
	assert_int_equal(a.all.not_accepted + b.all.not_accepted, q1.all.not_accepted);
	assert_true(a.all.pending > 0 && a.all.received > 0 && b.all.received > 0);
	gen_truth_free(&a);
	gen_truth_free(&b);

	/* another unit structure cannot be exact; a later 2024 period can */
	period p = parse("2026-Q1");
	char err[256] = "";
	assert_int_equal(gen_truth_period_check(m, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "2026-Q1"));
	p = parse("2024-Q4");
	assert_int_equal(gen_truth_period_check(m, &p, err, sizeof err), 0);
	for (size_t k = 0; k < 4; k++)
		gen_truth_free(all[k]);
	gen_truth_free(&own);
	gen_model_free(m);
}

/* A period after everything written: its figures must be what the written events show, recounted
 * here from gen_dossier_events (not from the structs): the open dossiers are carried over and stay
 * pending, those submitted and never taken up wait, nothing else happens. */
static void truth_after_horizon_counts_what_was_written(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 8000, 33);
	period p = parse("2024-Q3");
	assert_true(p.from_ms >= m->horizon_ms);
	gen_truth t = truth_of(m, "2024-Q3");
	int64_t open = 0, within = 0, overdue = 0, waiting = 0, cut = 0;
	gen_event ev[GEN_MAX_EVENTS];
	for (size_t i = 0; i < m->ndossiers; i++) {
		const gen_dossier *d = &m->dossiers[i];
		size_t n = gen_dossier_events(m, i, ev);
		int submitted = 0, received = 0, finished = 0, supp_wait = 0;
		int64_t due = GEN_NONE;
		for (size_t j = 0; j < n; j++) {
			switch (ev[j].kind) {
			case GEN_SUBMITTED:
				submitted = 1;
				break;
			case GEN_RECEIVED:
				received = 1;
				due = ev[j].due;
				break;
			case GEN_SUPPLEMENT_REQUESTED:
				supp_wait = 1;
				break;
			case GEN_SUPPLEMENT_RECEIVED:
				supp_wait = 0;
				due = ev[j].due;
				break;
			case GEN_EXTENDED:
				due = ev[j].due;
				break;
			case GEN_RESOLVED:
			case GEN_RETURNED:
			case GEN_WITHDRAWN:
				finished = 1;
				break;
			default:
				break;
			}
		}
		if (received && !finished) {
			open++;
			if (supp_wait || due >= p.to_ms)
				within++;
			else
				overdue++;
		}
		if (submitted && !received && !finished)
			waiting++;
		/* the model itself goes on after the horizon for some of them */
		if (received && !finished && d->finish_kind != GEN_KIND_NONE)
			cut++;
	}
	assert_true(cut > 0);
	assert_int_equal(t.all.carried_over, open);
	assert_int_equal(t.all.pending, open);
	assert_int_equal(t.all.pending_within_due, within);
	assert_int_equal(t.all.pending_overdue, overdue);
	assert_int_equal(t.all.waiting, waiting);
	assert_int_equal(t.all.received + t.all.resolved + t.all.returned + t.all.withdrawn +
	                     t.all.not_accepted + t.all.paid_online + t.all.digitized,
	                 0);
	int64_t fb_open = 0;
	for (size_t i = 0; i < m->nfeedback; i++) {
		size_t n = gen_feedback_events(m, i, ev);
		int received = 0, resolved = 0;
		for (size_t j = 0; j < n; j++) {
			received |= ev[j].kind == GEN_FB_RECEIVED;
			resolved |= ev[j].kind == GEN_FB_RESOLVED;
		}
		fb_open += received && !resolved;
	}
	assert_int_equal(t.feedback.carried_over, fb_open);
	assert_int_equal(t.feedback.pending, fb_open);
	assert_int_equal(t.feedback.received + t.feedback.resolved + t.feedback.published, 0);
	gen_truth_free(&t);
	gen_model_free(m);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(got >= 0);
	return buf;
}

static void command_writes_records_and_truth(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_gen_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char conf_path[128], out[128], truth[128];
	snprintf(conf_path, sizeof conf_path, "%s/cchc.conf", dir);
	snprintf(out, sizeof out, "%s/out.jsonl", dir);
	snprintf(truth, sizeof truth, "%s/truth.json", dir);
	FILE *f = fopen(conf_path, "w");
	assert_non_null(f);
	fprintf(f, "units_file = %s\ncalendar_file = %s\ntimezone = Asia/Ho_Chi_Minh\n", UNITS_CSV,
	        CCHC_SOURCE_DIR "/deploy/data/days-off.txt");
	fclose(f);

	char *ok[] = {"gen", "--period", "2024-Q1", "--dossiers", "400",      "--seed", "9",
	              "-o",  out,        "--truth", truth,        "--config", conf_path};
	assert_int_equal(cmd_gen(sizeof ok / sizeof ok[0], ok), 0);
	char *text = slurp(out);
	assert_non_null(strstr(text, "\"type\":\"dossier\""));
	assert_non_null(strstr(text, "+07:00"));
	free(text);

	json_error_t jerr;
	json_t *root = json_load_file(truth, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "period"), "from")),
	    "2023-12-15");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "scope"), "code")), "46");
	json_t *dossiers = json_object_get(root, "dossiers");
	json_t *all = json_object_get(dossiers, "all");
	assert_int_equal(json_object_size(all), 23);
	const char *keys[] = {"carried_over",
	                      "received",
	                      "received_online",
	                      "received_direct",
	                      "received_postal",
	                      "resolved",
	                      "resolved_early",
	                      "resolved_on_time",
	                      "resolved_late",
	                      "intake",
	                      "returned",
	                      "withdrawn",
	                      "pending",
	                      "pending_within_due",
	                      "pending_overdue",
	                      "waiting",
	                      "not_accepted",
	                      "paid_online",
	                      "digitized",
	                      "rated",
	                      "rated_satisfied",
	                      "rated_unsatisfied",
	                      "rated_unsatisfied_late"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_non_null(json_object_get(all, keys[i]));
	for (const char *const *l = (const char *const[]){"province", "district", "commune", NULL};
	     *l; l++)
		assert_non_null(json_object_get(dossiers, *l));
	assert_int_equal(json_array_size(json_object_get(dossiers, "units")), 151);
	assert_true(json_array_size(json_object_get(dossiers, "fields")) > 5);
	assert_int_equal(json_object_size(json_object_get(root, "feedback")), 9);
	/* the 766 ratios the records decide, for the scope, each level and unit */
	json_t *ix = json_object_get(root, "index_766");
	assert_int_equal(json_array_size(json_object_get(json_object_get(ix, "all"), "indicators")),
	                 6);
	assert_int_equal(json_array_size(json_object_get(ix, "units")), 151);
	json_t *progress =
	    json_array_get(json_object_get(json_object_get(ix, "all"), "indicators"), 0);
	assert_string_equal(json_string_value(json_object_get(progress, "id")), "2.1");
	assert_int_equal(json_integer_value(json_object_get(progress, "denominator")),
	                 json_integer_value(json_object_get(all, "intake")));
	json_decref(root);

	/* a calendar that is not there is an error, not weekends only */
	char nocal[160];
	snprintf(nocal, sizeof nocal, "%s/none.txt", dir);
	char *bad_cal[] = {"gen", "--period", "2024-Q1", "--dossiers", "1",  "-o",
	                   out,   "--config", conf_path, "--calendar", nocal};
	assert_int_equal(cmd_gen(sizeof bad_cal / sizeof bad_cal[0], bad_cal), 1);

	/* --units overrides the configuration; bad options fail with 2 */
	char *bad_n[] = {"gen", "--period", "2024-Q1", "--dossiers", "x", "-o", out};
	assert_int_equal(cmd_gen(sizeof bad_n / sizeof bad_n[0], bad_n), 2);
	char *missing[] = {"gen", "--period", "2024-Q1"};
	assert_int_equal(cmd_gen(sizeof missing / sizeof missing[0], missing), 2);
	char *bad_period[] = {"gen", "--period", "2024-Q5",  "--dossiers", "1",
	                      "-o",  out,        "--config", conf_path};
	assert_int_equal(cmd_gen(sizeof bad_period / sizeof bad_period[0], bad_period), 2);
	char nounits[160];
	snprintf(nounits, sizeof nounits, "%s/none.csv", dir);
	char *bad_units[] = {"gen", "--period", "2024-Q1", "--dossiers", "1",    "-o",
	                     out,   "--config", conf_path, "--units",    nounits};
	assert_int_equal(cmd_gen(sizeof bad_units / sizeof bad_units[0], bad_units), 1);

	/* --truth-period / --truth-periods: TRUTH.<label>.json beside TRUTH, one per period */
	char *periods[] = {"gen",
	                   "--period",
	                   "2024-H1",
	                   "--dossiers",
	                   "300",
	                   "-o",
	                   out,
	                   "--truth",
	                   truth,
	                   "--config",
	                   conf_path,
	                   "--truth-period",
	                   "2024-Q1",
	                   "--truth-periods",
	                   "2024-Q2,2024-01-01..2024-03-31"};
	assert_int_equal(cmd_gen(sizeof periods / sizeof periods[0], periods), 0);
	const char *labels[] = {"2024-Q1", "2024-Q2", "2024-01-01..2024-03-31"};
	const char *firsts[] = {"2023-12-15", "2024-03-15", "2024-01-01"};
	for (size_t i = 0; i < 3; i++) {
		char path[192];
		snprintf(path, sizeof path, "%s/truth.%s.json", dir, labels[i]);
		json_t *r = json_load_file(path, 0, &jerr);
		assert_non_null(r);
		json_t *per = json_object_get(r, "period");
		assert_string_equal(json_string_value(json_object_get(per, "label")), labels[i]);
		assert_string_equal(json_string_value(json_object_get(per, "from")), firsts[i]);
		assert_int_equal(
		    json_array_size(json_object_get(json_object_get(r, "dossiers"), "units")), 151);
		json_decref(r);
		unlink(path);
	}
	root = json_load_file(truth, 0, &jerr);
	assert_non_null(root);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "period"), "label")),
	    "2024-H1");
	json_decref(root);
	/* needs a --truth file to name them after; a bad or inexact period is refused */
	char *no_truth[] = {"gen", "--period", "2024-H1", "--dossiers",     "3",      "-o",
	                    out,   "--config", conf_path, "--truth-period", "2024-Q1"};
	assert_int_equal(cmd_gen(sizeof no_truth / sizeof no_truth[0], no_truth), 2);
	char *bad_tp[] = {"gen",
	                  "--period",
	                  "2024-H1",
	                  "--dossiers",
	                  "3",
	                  "-o",
	                  out,
	                  "--truth",
	                  truth,
	                  "--config",
	                  conf_path,
	                  "--truth-periods",
	                  "2024-Q1,2024-Q9"};
	assert_int_equal(cmd_gen(sizeof bad_tp / sizeof bad_tp[0], bad_tp), 2);
	char *inexact[] = {
	    "gen", "--period", "2024-H1", "--dossiers",     "3",      "-o", out, "--truth",
	    truth, "--config", conf_path, "--truth-period", "2026-Q1"};
	assert_int_equal(cmd_gen(sizeof inexact / sizeof inexact[0], inexact), 2);
	char *empty[] = {"gen", "--period", "2024-H1", "--dossiers",      "3", "-o", out, "--truth",
	                 truth, "--config", conf_path, "--truth-periods", ","};
	assert_int_equal(cmd_gen(sizeof empty / sizeof empty[0], empty), 2);
	char *help[] = {"gen", "--help"};
	assert_int_equal(cmd_gen(2, help), 0);

	unlink(out);
	unlink(truth);
	unlink(conf_path);
	rmdir(dir);
}

static void zero_dossiers(void **state)
{
	(void)state;
	gen_model *m = build("2024-Q1", 0, 1);
	size_t len;
	char *buf = jsonl(m, &len);
	assert_int_equal(len, 0);
	gen_truth t;
	assert_int_equal(gen_truth_compute(m, &t), 0);
	assert_int_equal(t.all.intake, 0);
	gen_truth_free(&t);
	free(buf);
	gen_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_seed_same_bytes),
	    cmocka_unit_test(every_kind_appears),
	    cmocka_unit_test(truth_identities),
	    cmocka_unit_test(realistic_shares),
	    cmocka_unit_test(boundaries),
	    cmocka_unit_test(ratings),
	    cmocka_unit_test(feedback_deadlines),
	    cmocka_unit_test(resolved_class),
	    cmocka_unit_test(out_of_order_arrivals),
	    cmocka_unit_test(other_time_zone),
	    cmocka_unit_test(command_writes_records_and_truth),
	    cmocka_unit_test(zero_dossiers),
	    cmocka_unit_test(ids_unique_per_data_set),
	    cmocka_unit_test(truth_of_other_periods),
	    cmocka_unit_test(truth_after_horizon_counts_what_was_written),
	};
	return cmocka_run_group_tests_name("gen", tests, setup, teardown);
}

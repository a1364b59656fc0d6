/* agg cells: what an item's state contributes to the aggregates, summed per (key, local day) in a
 * hash-indexed cell table. Flows count on the local day of their event; stocks (open, overdue,
 * waiting) are +1/-1 changes found by evaluating the stock at each local midnight where it can
 * change, so "overdue at a period's end" is a prefix sum like the others (docs/decisions.md). */
#include "stats_agg_cells.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "grow.h"

/* Proto enum values as stored (channel, finish kind, class, topic). */
enum { CH_DIRECT = 1, CH_ONLINE = 2, CH_POSTAL = 3 };
enum { FIN_RESOLVED = 6, FIN_RETURNED = 7, FIN_WITHDRAWN = 8 };
enum { TOPIC_REGULATION = 1, TOPIC_BEHAVIOR = 2 };
enum { RATING_VERY_SATISFIED = 1, RATING_SATISFIED = 2, RATING_UNSATISFIED = 3 };

static int32_t day_of(int64_t ms)
{
	return (int32_t)cal_local_day(ms);
}

typedef struct cell_probe {
	uint32_t key;
	int32_t day;
} cell_probe;

static int cell_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const agg_cell *c = &((const agg_cells *)ctx)->c[idx];
	const cell_probe *p = probe;
	return c->key == p->key && c->day == p->day;
}

agg_cell *agg_cells_at(agg_cells *t, uint32_t key, int32_t day)
{
	cell_probe p = {key, day};
	uint32_t idx;
	int r;

	if (grow_array((void **)&t->c, &t->cap, t->n + 1, sizeof *t->c) != 0 ||
	    (r = hashidx_get_or_add(&t->ix, hashidx_pair(key, (uint32_t)day), &p, cell_eq, t,
	                            (uint32_t)t->n, &idx)) < 0)
		return NULL;
	if (r == 0) {
		agg_cell *c = &t->c[t->n++];
		memset(c, 0, sizeof *c);
		c->key = key;
		c->day = day;
	}
	return &t->c[idx];
}

int agg_cells_add_to_month(agg_cells *months, uint32_t key, int32_t day, const int64_t *m)
{
	agg_cell *c = agg_cells_at(months, key, (int32_t)cal_report_month_start(day));

	if (!c)
		return -1;
	for (int q = 0; q < AGG_ND; q++)
		c->m[q] += m[q];
	return 0;
}

void agg_cells_reset(agg_cells *t)
{
	t->n = 0;
	hashidx_free(&t->ix);
}

void agg_cells_free(agg_cells *t)
{
	free(t->c);
	hashidx_free(&t->ix);
	memset(t, 0, sizeof *t);
}

/* Adds delta to one measure of the (key, day) cell. */
static void add(agg_acc *o, uint32_t key, int32_t day, int measure, int64_t delta)
{
	agg_cell *c;

	if (key == UINT32_MAX)
		return; /* out of memory already */
	if (!(c = agg_cells_at(&o->cells, key, day))) {
		o->oom = 1;
		return;
	}
	c->m[measure] += delta;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* The stocks of one dossier at instant t (a local midnight): open, overdue, waiting. The same
 * conditions as the reference query (query.c) and dossier_state_due_before / _waiting_at. */
static void stocks_at(const dossier_state *s, int64_t recv, int64_t fin, int64_t sub, int64_t wend,
                      int64_t t, int v[3])
{
	int pend = recv != STATE_NO_TIME && recv < t && (fin == STATE_NO_TIME || fin >= t);
	int64_t due = pend ? dossier_state_due_before(s, t) : STATE_NO_TIME;

	v[0] = pend;
	v[1] = pend && !dossier_state_waiting_at(s, t) && due != STATE_NO_TIME && due < t;
	v[2] = sub != STATE_NO_TIME && sub < t && (wend == STATE_NO_TIME || wend >= t);
}

/* Stocks: every instant x the state holds can flip a stock at the midnights just before and
 * after it; between those days nothing changes, so evaluating there and emitting the difference
 * on the day before gives a stock at midnight D = sum of the days before D. */
void agg_acc_add_dossier(agg_acc *o, uint32_t k, const dossier_state *s, int sign)
{
	int64_t recv = s->received_at, fin = s->finished_at, sub = s->submitted_at;
	int64_t wend = s->waiting_end_at, nacc = s->not_accepted_at;
	int fk = s->finish_kind, cls = s->resolved_class;

	if (recv != STATE_NO_TIME) {
		int32_t d = day_of(recv);
		add(o, k, d, AGG_D_RECEIVED, sign);
		if (s->channel == CH_ONLINE)
			add(o, k, d, AGG_D_ONLINE, sign);
		else if (s->channel == CH_DIRECT)
			add(o, k, d, AGG_D_DIRECT, sign);
		else if (s->channel == CH_POSTAL)
			add(o, k, d, AGG_D_POSTAL, sign);
		if (s->paid_online_at != STATE_NO_TIME)
			add(o, k, d, AGG_D_PAID, sign);
		if (s->digitized_at != STATE_NO_TIME)
			add(o, k, d, AGG_D_DIGITIZED, sign);
	}
	if (fin != STATE_NO_TIME) {
		int32_t d = day_of(fin);
		if (fk == FIN_RESOLVED) {
			add(o, k, d, AGG_D_RESOLVED, sign);
			if (cls >= 1 && cls <= 3)
				add(o, k, d, AGG_D_EARLY + cls - 1, sign);
		} else if (fk == FIN_RETURNED) {
			add(o, k, d, AGG_D_RETURNED, sign);
		} else if (fk == FIN_WITHDRAWN) {
			add(o, k, d, AGG_D_WITHDRAWN, sign);
		}
		/* docs/design.md §16: a finished dossier's rating, on its finishing day */
		if (s->rating == RATING_UNSATISFIED) {
			add(o, k, d, AGG_D_RATED_UNSAT, sign);
			if (fk == FIN_RESOLVED && cls == 3)
				add(o, k, d, AGG_D_RATED_UNSAT_LATE, sign);
		} else if (s->rating == RATING_VERY_SATISFIED || s->rating == RATING_SATISFIED) {
			add(o, k, d, AGG_D_RATED_SAT, sign);
		}
	}
	if (nacc != STATE_NO_TIME)
		add(o, k, day_of(nacc), AGG_D_NOT_ACCEPTED, sign);

	/* Candidate days: the day of each instant and the day after. */
	int64_t pts[8 + 64];
	size_t np = 0, maxp = sizeof pts / sizeof pts[0];
	int64_t *x = pts;
	size_t need = 5 + 2 * s->n_dues + 2 * s->n_waits;
	if (need > maxp) {
		x = malloc(need * sizeof *x);
		if (!x) {
			o->oom = 1;
			return;
		}
	}
	int64_t base[5] = {recv, fin, sub, wend, nacc};
	for (int b = 0; b < 5; b++)
		x[np++] = base[b];
	for (size_t j = 0; j < s->n_dues; j++) {
		x[np++] = s->dues[j].from_ms;
		x[np++] = s->dues[j].due_ms;
	}
	for (size_t j = 0; j < s->n_waits; j++) {
		x[np++] = s->waits[j].from_ms;
		x[np++] = s->waits[j].to_ms;
	}
	int32_t days[2 * (8 + 64)], *dy = days;
	if (2 * np > sizeof days / sizeof days[0]) {
		dy = malloc(2 * np * sizeof *dy);
		if (!dy) {
			if (x != pts)
				free(x);
			o->oom = 1;
			return;
		}
	}
	size_t ndays = 0;
	for (size_t j = 0; j < np; j++) {
		if (x[j] == STATE_NO_TIME || x[j] == STATE_OPEN_END)
			continue;
		int32_t d = day_of(x[j]);
		dy[ndays++] = d;
		dy[ndays++] = d + 1;
	}
	qsort(dy, ndays, sizeof *dy, cmp_day);
	int prev[3] = {0, 0, 0};
	for (size_t j = 0; j < ndays; j++) {
		if (j && dy[j] == dy[j - 1])
			continue;
		int v[3];
		stocks_at(s, recv, fin, sub, wend, cal_day_start(dy[j]), v);
		for (int q = 0; q < 3; q++)
			if (v[q] != prev[q]) {
				add(o, k, dy[j] - 1, AGG_D_OPEN + q,
				    (int64_t)sign * (v[q] - prev[q]));
				prev[q] = v[q];
			}
	}
	if (x != pts)
		free(x);
	if (dy != days)
		free(dy);
}

/* Feedback: nothing before its `received`. */
void agg_acc_add_feedback(agg_acc *o, uint32_t k, const feedback_state *s, int sign)
{
	int64_t recv = s->has_received ? s->received_at : STATE_NO_TIME;
	int64_t res = s->resolved_at, pub = s->published_at;

	if (recv == STATE_NO_TIME)
		return;
	int32_t d = day_of(recv);
	add(o, k, d, AGG_F_RECEIVED, sign);
	if (s->topic == TOPIC_REGULATION)
		add(o, k, d, AGG_F_REGULATION, sign);
	else if (s->topic == TOPIC_BEHAVIOR)
		add(o, k, d, AGG_F_BEHAVIOR, sign);
	if (res != STATE_NO_TIME)
		add(o, k, day_of(res), AGG_F_RESOLVED, sign);
	if (pub != STATE_NO_TIME)
		add(o, k, day_of(pub), AGG_F_PUBLISHED, sign);
	/* pending at t: received < t <= resolved */
	if (res == STATE_NO_TIME || res >= recv) {
		add(o, k, d, AGG_F_OPEN, sign);
		if (res != STATE_NO_TIME)
			add(o, k, day_of(res), AGG_F_OPEN, -sign);
	}
	/* docs/design.md §16: answered before the deadline (a local midnight), or overdue at every
	 * midnight after it while pending: on from the day the deadline ends, off the day of the
	 * answer (the two cancel when the answer comes on that day) */
	int64_t dl = s->deadline;
	if (dl == STATE_NO_TIME)
		return;
	if (res != STATE_NO_TIME && res < dl) {
		add(o, k, day_of(res), AGG_F_ON_TIME, sign);
		return;
	}
	add(o, k, day_of(dl), AGG_F_OVERDUE, sign);
	if (res != STATE_NO_TIME)
		add(o, k, day_of(res), AGG_F_OVERDUE, -sign);
}

void agg_acc_reset(agg_acc *a)
{
	agg_keys_clear(&a->keys);
	agg_cells_reset(&a->cells);
}

void agg_acc_release(agg_acc *a)
{
	agg_keys_free(&a->keys);
	agg_cells_free(&a->cells);
	memset(a, 0, sizeof *a);
}

agg_acc *agg_acc_new(void)
{
	return calloc(1, sizeof(agg_acc));
}

void agg_acc_free(agg_acc *a)
{
	if (!a)
		return;
	agg_acc_release(a);
	free(a);
}

uint32_t agg_acc_key(agg_acc *a, const char *office, const char *snapshot, int level,
                     const char *field)
{
	uint32_t k = agg_keys_add(&a->keys, office, snapshot, level, field);

	if (k == UINT32_MAX)
		a->oom = 1;
	return k;
}

void agg_acc_dossier(agg_acc *a, const char *office, const char *snapshot, int level,
                     const dossier_state *s, int sign)
{
	agg_acc_add_dossier(a, agg_acc_key(a, office, snapshot, level, s->field), s, sign);
}

void agg_acc_feedback(agg_acc *a, const char *office, const char *snapshot, int level,
                      const feedback_state *s, int sign)
{
	agg_acc_add_feedback(a, agg_acc_key(a, office, snapshot, level, NULL), s, sign);
}

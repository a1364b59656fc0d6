/* gen: the model behind `cchc gen`. Draws each dossier's life (receipt, supplements, extension,
 * finish, flags) and each feedback item's from one seeded xoshiro256** stream into plain structs,
 * and the citizens' ratings from a second stream (so adding them left every other draw as it
 * was); events and truth are derived from those structs only, so they cannot disagree. Working
 * days come from the province's calendar of days off (lib/workdays.h), read, never written here. */
#include "gen.h"
#include "calendar.h"
#include "gen_rng.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- fields and procedures: national TTHC codes, due in working days ---- */

static const gen_procedure p_hotich[] = {
    {"1.001193", 3}, {"1.000894", 5}, {"1.000656", 3}, {"1.004873", 3}, {"2.000635", 3}};
static const gen_procedure p_chungthuc[] = {{"2.000815", 3}, {"2.000884", 3}, {"2.001035", 3}};
static const gen_procedure p_datdai[] = {
    {"1.004227", 10}, {"1.003003", 15}, {"1.005399", 15}, {"2.000880", 10}, {"1.004269", 7}};
static const gen_procedure p_dkkd[] = {{"2.001610", 3}, {"1.001612", 3}, {"2.000720", 3}};
static const gen_procedure p_xaydung[] = {{"1.009972", 15}, {"1.009974", 10}, {"1.009994", 7}};
static const gen_procedure p_tuphap[] = {{"2.000488", 10}, {"2.000505", 10}, {"1.001233", 5}};
static const gen_procedure p_laodong[] = {{"1.001776", 15}, {"1.004944", 12}, {"2.000286", 7}};
static const gen_procedure p_giaothong[] = {{"1.002820", 5}, {"1.002809", 10}};
static const gen_procedure p_yte[] = {{"1.003501", 10}, {"1.002460", 15}};
static const gen_procedure p_giaoduc[] = {{"1.005092", 5}, {"2.001914", 5}};
static const gen_procedure p_congthuong[] = {{"2.000191", 10}, {"2.000633", 7}};
static const gen_procedure p_nongnghiep[] = {{"1.003397", 10}, {"2.001827", 5}};

#define PROCS(a) a, sizeof a / sizeof a[0]
/* Weights follow the province's Q1/2024 report: land, business registration, criminal records and
 * driving licences at the province centre; land and registrations at districts; civil status and
 * certification at communes. */
static const gen_field fields[] = {
    {"hotich", "Hộ tịch", {0, 6, 40}, PROCS(p_hotich)},
    {"chungthuc", "Chứng thực", {0, 8, 20}, PROCS(p_chungthuc)},
    {"datdai", "Đất đai", {22, 30, 10}, PROCS(p_datdai)},
    {"dangkykinhdoanh", "Đăng ký kinh doanh", {15, 15, 0}, PROCS(p_dkkd)},
    {"xaydung", "Xây dựng", {6, 12, 2}, PROCS(p_xaydung)},
    {"tuphap", "Tư pháp", {12, 2, 2}, PROCS(p_tuphap)},
    {"laodong", "Lao động, thương binh và xã hội", {6, 10, 14}, PROCS(p_laodong)},
    {"giaothong", "Giao thông vận tải", {14, 0, 0}, PROCS(p_giaothong)},
    {"yte", "Y tế", {5, 2, 1}, PROCS(p_yte)},
    {"giaoduc", "Giáo dục và đào tạo", {4, 3, 1}, PROCS(p_giaoduc)},
    {"congthuong", "Công thương", {4, 3, 0}, PROCS(p_congthuong)},
    {"nongnghiep", "Nông nghiệp và phát triển nông thôn", {3, 2, 2}, PROCS(p_nongnghiep)},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

const gen_field *gen_fields(size_t *count)
{
	*count = NFIELDS;
	return fields;
}

/* Per level (province, district, commune), from the Q1/2024 report: share of dossiers, online rate,
 * and the share resolved late. */
static const double level_share[3] = {0.23, 0.32, 0.45};
static const double level_online[3] = {0.85, 0.39, 0.55};
static const double level_late[3] = {0.015, 0.065, 0.013};
static const double level_digitized[3] = {0.70, 0.50, 0.40};

static const char *const kind_names[GEN_KIND_COUNT] = {"submitted",
                                                       "received",
                                                       "supplement_requested",
                                                       "supplement_received",
                                                       "extended",
                                                       "resolved",
                                                       "returned",
                                                       "withdrawn",
                                                       "delivered",
                                                       "paid_online",
                                                       "digitized",
                                                       "rated"};

const char *gen_kind_name(int kind)
{
	return kind >= 0 && kind < GEN_KIND_COUNT ? kind_names[kind] : "?";
}

const char *gen_channel_name(int channel)
{
	static const char *const names[] = {"direct", "online", "postal"};
	return channel >= 0 && channel <= GEN_POSTAL ? names[channel] : "?";
}

/* ---- the local-day table ---- */

#define DAY_MS         86400000LL
#define HOUR_MS        3600000LL
#define MINUTE_MS      60000LL
#define LOOKBACK_DAYS  150
#define LOOKAHEAD_DAYS 150

static int build_days(gen_model *m, const workdays *cal, char *err, size_t errlen)
{
	int y, mon, d;
	if (sscanf(m->per.first_day, "%4d-%2d-%2d", &y, &mon, &d) != 3) {
		snprintf(err, errlen, "period '%s': bad first day", m->per.label);
		return -1;
	}
	int64_t end = m->horizon_ms + LOOKAHEAD_DAYS * DAY_MS;
	size_t cap = (size_t)((end - m->per.from_ms) / DAY_MS) + LOOKBACK_DAYS + 8;
	m->days = calloc(cap + 1, sizeof *m->days);
	if (!m->days) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	for (int k = -LOOKBACK_DAYS; n < cap; k++) {
		int64_t dn = cal_days_from_civil(y, mon, d + k), start = cal_day_start(dn);
		int cy, cm, cd;
		cal_civil_from_days(dn, &cy, &cm, &cd);
		gen_day *day = &m->days[n++];
		day->start_ms = start;
		day->ymd = cy * 10000 + cm * 100 + cd;
		day->wday = cal_weekday(dn);
		day->working =
		    cal ? workdays_is_working(cal, dn) : day->wday != 0 && day->wday != 6;
		day->gmtoff = cal_utc_offset(start);
		if (start >= end)
			break;
	}
	m->ndays = n - 1; /* the last entry only bounds the one before it */
	return 0;
}

long gen_day_of(const gen_model *m, int64_t ms)
{
	if (ms < m->days[0].start_ms || ms >= m->days[m->ndays].start_ms)
		return -1;
	long i = (long)((ms - m->days[0].start_ms) / DAY_MS);
	if (i >= (long)m->ndays)
		i = (long)m->ndays - 1;
	while (i > 0 && m->days[i].start_ms > ms)
		i--;
	while (i + 1 < (long)m->ndays && m->days[i + 1].start_ms <= ms)
		i++;
	return i;
}

/* The instant `sec` seconds after local midnight of day i (wall-clock time, also on DST days). */
static int64_t day_at(const gen_model *m, long i, int sec)
{
	const gen_day *day = &m->days[i];
	if (m->days[i + 1].start_ms - day->start_ms == DAY_MS)
		return day->start_ms + (int64_t)sec * 1000;
	return cal_local_time(
	    cal_days_from_civil(day->ymd / 10000, day->ymd / 100 % 100, day->ymd % 100), sec);
}

/* Day index of ms, clamped into the table (the model keeps its instants well inside it). */
static long day_idx(const gen_model *m, int64_t ms)
{
	long i = gen_day_of(m, ms);
	if (i >= 0)
		return i;
	return ms < m->days[0].start_ms ? 0 : (long)m->ndays - 1;
}

static long next_working(const gen_model *m, long i)
{
	while (i + 1 < (long)m->ndays && !m->days[i].working)
		i++;
	return i;
}

#define WORK_START (7 * 3600 + 30 * 60)
#define WORK_END   (17 * 3600)

/* A random instant in office hours on day i. */
static int64_t office_time(const gen_model *m, gen_rng *g, long i)
{
	return day_at(m, i, WORK_START + (int)gen_rng_below(g, WORK_END - WORK_START));
}

/* The first office-hours instant at or after ms, with some random slack when it had to move. */
static int64_t office_from(const gen_model *m, gen_rng *g, int64_t ms)
{
	long i = day_idx(m, ms);
	if (m->days[i].working) {
		int64_t open = day_at(m, i, WORK_START), close = day_at(m, i, WORK_END);
		if (ms >= open && ms < close)
			return ms;
		if (ms < open)
			return open + (int64_t)gen_rng_below(g, 90) * MINUTE_MS;
	}
	i = next_working(m, i + 1 < (long)m->ndays ? i + 1 : i);
	return day_at(m, i, WORK_START) + (int64_t)gen_rng_below(g, 120) * MINUTE_MS;
}

/* Day index of the n-th working day after day i (the day itself not counted). */
static long nth_working_after(const gen_model *m, long i, int n)
{
	while (n > 0 && i + 1 < (long)m->ndays) {
		i++;
		if (m->days[i].working)
			n--;
	}
	return i;
}

/* 17:00 local of the n-th working day after the day of ms. */
static int64_t due_after(const gen_model *m, int64_t ms, int n)
{
	return day_at(m, nth_working_after(m, day_idx(m, ms), n), WORK_END);
}

/* The end (the next local midnight) of a feedback item's deadline when received at ms. */
static int64_t deadline_end(const gen_model *m, int64_t ms)
{
	return m->days[nth_working_after(m, day_idx(m, ms), GEN_FEEDBACK_WORKDAYS) + 1].start_ms;
}

/* The end of the local day holding ms: flags on a dossier happen on the day of its receipt, so
 * they always fall in the same period as the receipt. */
static int64_t end_of_day(const gen_model *m, int64_t ms)
{
	long i = day_idx(m, ms);
	return m->days[i + 1].start_ms - 1000;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* A random working day in [from, to) (the odd non-working day too), then office hours. */
static int64_t office_time_between(const gen_model *m, gen_rng *g, int64_t from, int64_t to)
{
	if (to <= from) /* a period too short for the range asked: its first day then */
		to = from + DAY_MS;
	long a = day_idx(m, from), b = day_idx(m, to - 1);
	long i = a;
	for (int tries = 0; tries < 8; tries++) {
		i = a + (long)gen_rng_below(g, (uint64_t)(b - a + 1));
		if (m->days[i].working || gen_rng_double(g) < 0.05)
			break;
	}
	int64_t t = office_time(m, g, i);
	return t < from ? from : (t >= to ? to - 1000 : t);
}

/* ---- drawing ---- */

typedef struct pools {
	size_t *by_level[3]; /* unit indexes per level */
	double *cum[3];      /* cumulative weights */
	size_t n[3];
	uint32_t *seq;        /* next dossier seq per unit */
	uint32_t *code_count; /* per unit and day */
} pools;

static size_t pick_weighted(gen_rng *g, const double *cum, size_t n)
{
	double x = gen_rng_double(g) * cum[n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int pick_level(gen_rng *g)
{
	double x = gen_rng_double(g);
	return x < level_share[0] ? 0 : (x < level_share[0] + level_share[1] ? 1 : 2);
}

static size_t pick_field(gen_rng *g, int level)
{
	int total = 0;
	for (size_t f = 0; f < NFIELDS; f++)
		total += fields[f].weight[level];
	int x = (int)gen_rng_below(g, (uint64_t)total);
	for (size_t f = 0; f < NFIELDS; f++) {
		x -= fields[f].weight[level];
		if (x < 0)
			return f;
	}
	return 0;
}

/* Boundary cases around the local midnights that bound the period. */
enum special {
	SP_NONE,
	SP_AT_FROM,             /* received 00:00:00 of the first day: in the period */
	SP_AFTER_FROM,          /* received 00:10 of the first day */
	SP_BEFORE_FROM,         /* received 23:50 of the day before: carried over */
	SP_LAST_SECOND,         /* received 23:59:59 of the last day */
	SP_AFTER_TO,            /* submitted 23:40, received 00:10 after the last day: waiting */
	SP_RESOLVE_LAST,        /* resolved 23:59:59 of the last day */
	SP_RESOLVE_AFTER_TO,    /* resolved 00:10 after the last day: pending */
	SP_RESOLVE_BEFORE_FROM, /* received before, resolved 23:59:59 before the first day */
	SP_COUNT
};

/* Resolves dossier d (whose last earlier event is at `after`, final due `due`) by intent. */
static int64_t resolve_time(const gen_model *m, gen_rng *g, int level, int64_t after, int64_t due)
{
	int64_t lo = after + 30 * MINUTE_MS;
	double x = gen_rng_double(g);
	long dd = day_idx(m, due), ld = day_idx(m, lo);
	if (x < 0.01) /* exactly at the due instant: on time */
		return max64(due, lo);
	if (x < 0.02) /* one second late */
		return max64(due + 1000, lo);
	if (x < 0.025 && dd > ld) /* local 00:00 of the due day: on time, not early */
		return m->days[dd].start_ms;
	if (x < 0.03 && dd > ld) /* 23:59:59 the day before the due day: early */
		return m->days[dd].start_ms - 1000;
	x = gen_rng_double(g);
	if (x < level_late[level]) {
		long i = dd;
		for (int k = 1 + (int)gen_rng_below(g, 8); k > 0 && i + 1 < (long)m->ndays; i++)
			if (m->days[i + 1].working)
				k--;
		return max64(office_time(m, g, i), max64(due + 1000, lo));
	}
	if (x < level_late[level] + 0.58 && dd > ld) {
		long i = ld + (long)gen_rng_below(g, (uint64_t)(dd - ld));
		int64_t t = office_time(m, g, next_working(m, i));
		if (t >= m->days[dd].start_ms)
			t = m->days[dd].start_ms - (int64_t)(1 + gen_rng_below(g, 600)) * 1000;
		return max64(t, lo);
	}
	/* on time: on the due day, in office hours up to the due */
	int64_t open = day_at(m, dd, WORK_START);
	int64_t t = open + (int64_t)gen_rng_below(g, (uint64_t)(due - open) / 1000) * 1000;
	return max64(t, lo);
}

static void draw_dossier(const gen_model *m, gen_rng *g, pools *pl, gen_dossier *d)
{
	const period *p = &m->per;
	int level = pick_level(g);
	if (!pl->n[level])
		level = pl->n[2] ? 2 : (pl->n[1] ? 1 : 0);
	d->unit = (uint32_t)pl->by_level[level][pick_weighted(g, pl->cum[level], pl->n[level])];
	d->seq = ++pl->seq[d->unit];
	d->field = (uint16_t)pick_field(g, level);
	const gen_field *f = &fields[d->field];
	d->procedure = (uint16_t)gen_rng_below(g, f->nprocedures);
	int days = f->procedures[d->procedure].days;

	d->submitted = d->received = d->due = GEN_NONE;
	d->supp_requested = d->supp_received = d->supp_due = GEN_NONE;
	d->extended = d->ext_due = d->finish = d->finish2 = GEN_NONE;
	d->delivered = d->paid_online = d->digitized = GEN_NONE;
	d->finish_kind = d->finish2_kind = GEN_KIND_NONE;
	d->flags = 0;

	double u = gen_rng_double(g);
	d->channel = u < level_online[level]
	                 ? GEN_ONLINE
	                 : (u < level_online[level] + 0.02 ? GEN_POSTAL : GEN_DIRECT);

	/* when it was received (or would have been) */
	int sp = SP_NONE;
	int64_t r;
	u = gen_rng_double(g);
	if (u < 0.004) {
		sp = 1 + (int)gen_rng_below(g, SP_COUNT - 1);
		r = office_time_between(m, g, p->from_ms + 2 * DAY_MS, p->to_ms - 20 * DAY_MS);
	} else if (u < 0.14) { /* before the period: about half still open at its start */
		r = office_time_between(m, g, p->from_ms - 14 * DAY_MS, p->from_ms);
	} else if (u < 0.16) {
		r = office_time_between(m, g, p->to_ms, p->to_ms + 5 * DAY_MS);
	} else {
		r = office_time_between(m, g, p->from_ms, p->to_ms);
	}
	switch (sp) {
	case SP_AT_FROM:
		r = p->from_ms;
		break;
	case SP_AFTER_FROM:
		r = p->from_ms + 10 * MINUTE_MS;
		break;
	case SP_BEFORE_FROM:
		r = p->from_ms - 10 * MINUTE_MS;
		break;
	case SP_LAST_SECOND:
		r = p->to_ms - 1000;
		break;
	case SP_AFTER_TO:
		r = p->to_ms + 10 * MINUTE_MS;
		d->channel = GEN_ONLINE;
		break;
	case SP_RESOLVE_BEFORE_FROM:
		r = office_time_between(m, g, p->from_ms - 6 * DAY_MS, p->from_ms - 2 * DAY_MS);
		break;
	default:
		break;
	}
	if (r < m->earliest_ms) /* the registry's units start later: nothing before them */
		r = m->earliest_ms + (int64_t)gen_rng_below(g, DAY_MS / 1000) * 1000;

	/* a rare dossier whose events reach us but whose receipt never does */
	if (sp == SP_NONE && gen_rng_double(g) < 0.0002) {
		d->flags |= GEN_F_ORPHAN;
		d->supp_requested = r + 2 * HOUR_MS;
		d->finish_kind = GEN_RESOLVED;
		d->finish = r + 3 * DAY_MS;
		d->digitized = r + 5 * MINUTE_MS;
		d->code_day = (uint16_t)day_idx(m, r);
		return;
	}

	if (d->channel == GEN_ONLINE) {
		d->submitted = r - (int64_t)(10 + gen_rng_below(g, 48 * 60)) * MINUTE_MS;
		if (sp == SP_AFTER_TO)
			d->submitted = p->to_ms - 20 * MINUTE_MS;
		d->submitted = max64(d->submitted, m->earliest_ms);
		if (sp == SP_NONE) {
			double v = gen_rng_double(g);
			if (v < 0.02) { /* not accepted: returned without receipt */
				d->finish_kind = GEN_RETURNED;
				d->finish =
				    d->submitted + (int64_t)(2 + gen_rng_below(g, 70)) * HOUR_MS;
				d->code_day = (uint16_t)day_idx(m, d->submitted);
				return;
			}
			if (v < 0.023) { /* never taken up */
				d->code_day = (uint16_t)day_idx(m, d->submitted);
				return;
			}
		}
	}
	d->received = r;
	d->code_day = (uint16_t)day_idx(m, d->submitted != GEN_NONE ? d->submitted : r);
	d->due = due_after(m, r, days);
	int64_t due = d->due, t = r;

	/* supplements: while waiting the dossier is pending and never overdue */
	int stuck = 0;
	if (gen_rng_double(g) < 0.07) {
		int64_t span = max64((due - r) / 2, HOUR_MS);
		d->supp_requested = office_from(
		    m, g,
		    r + HOUR_MS + (int64_t)(gen_rng_double(g) * (double)(span / 1000)) * 1000);
		t = d->supp_requested;
		if (gen_rng_double(g) < 0.88) {
			long i = day_idx(m, t) + 1 + (long)gen_rng_below(g, 10);
			d->supp_received =
			    max64(office_time(m, g, next_working(m, i)), t + HOUR_MS);
			d->supp_due = due_after(m, d->supp_received, days);
			t = d->supp_received;
			due = d->supp_due;
		} else {
			stuck = 1;
		}
	}
	/* extension shortly before the due */
	if (!stuck && gen_rng_double(g) < 0.04) {
		int64_t at = due - (int64_t)(1 + gen_rng_below(g, 36)) * HOUR_MS;
		if (at > t + HOUR_MS) {
			d->extended = at;
			d->ext_due = due_after(m, due, 3 + (int)gen_rng_below(g, 8));
			t = at;
			due = d->ext_due;
		}
	}

	/* how it ends */
	double v = gen_rng_double(g);
	if (stuck) {
		if (v < 0.4) {
			d->finish_kind = GEN_WITHDRAWN;
			d->finish =
			    office_from(m, g, t + (int64_t)(5 + gen_rng_below(g, 25)) * DAY_MS);
		}
	} else if (v < 0.03) {
		d->finish_kind = GEN_RETURNED;
		d->finish = office_from(m, g, t + (int64_t)(1 + gen_rng_below(g, 120)) * HOUR_MS);
	} else if (v < 0.045) {
		d->finish_kind = GEN_WITHDRAWN;
		d->finish = office_from(m, g, t + (int64_t)(1 + gen_rng_below(g, 240)) * HOUR_MS);
	} else if (v < 0.055) {
		/* open beyond the horizon */
	} else {
		d->finish_kind = GEN_RESOLVED;
		d->finish = resolve_time(m, g, level, t, due);
	}
	switch (sp) {
	case SP_RESOLVE_LAST:
	case SP_RESOLVE_AFTER_TO:
	case SP_RESOLVE_BEFORE_FROM: {
		int64_t at = sp == SP_RESOLVE_LAST       ? p->to_ms - 1000
		             : sp == SP_RESOLVE_AFTER_TO ? p->to_ms + 10 * MINUTE_MS
		                                         : p->from_ms - 1000;
		if (at > t) {
			d->finish_kind = GEN_RESOLVED;
			d->finish = at;
		}
		break;
	}
	default:
		break;
	}

	/* flags, on the day of receipt (paid, digitized) or after the result (delivered) */
	int64_t eod = end_of_day(m, r);
	double paid = d->channel == GEN_ONLINE ? 0.35 : 0.08;
	if (gen_rng_double(g) < paid)
		d->paid_online = min64(r + (int64_t)(1 + gen_rng_below(g, 180)) * MINUTE_MS, eod);
	if (gen_rng_double(g) < level_digitized[level])
		d->digitized = min64(r + (int64_t)(1 + gen_rng_below(g, 60)) * MINUTE_MS, eod);
	if (d->finish_kind == GEN_RESOLVED && gen_rng_double(g) < 0.75)
		d->delivered =
		    office_from(m, g, d->finish + (int64_t)(1 + gen_rng_below(g, 96)) * HOUR_MS);
	if (d->finish != GEN_NONE && gen_rng_double(g) < 0.0002) {
		d->finish2_kind = gen_rng_double(g) < 0.5 ? GEN_RESOLVED : GEN_RETURNED;
		d->finish2 = d->finish + (int64_t)(1 + gen_rng_below(g, 72)) * HOUR_MS;
	}
	if (gen_rng_double(g) < 0.005)
		d->flags |= GEN_F_LATE_RECEIVED;
}

/* A deadline day D for a feedback item's answer, between the days holding lo and hi: a working
 * day followed by a day off, a Saturday (edge 1) or a holiday on a weekday (edge 2). Returns the
 * day index, or -1 when the range has no such day. */
static long edge_day(const gen_model *m, gen_rng *g, int64_t lo, int64_t hi, int edge)
{
	long a = day_idx(m, lo), b = day_idx(m, hi), pick = 0;
	for (int pass = 0; pass < 2; pass++) {
		long k = 0;
		for (long i = a; i <= b && i + 1 < (long)m->ndays; i++) {
			const gen_day *next = &m->days[i + 1];
			int holiday = next->wday != 0 && next->wday != 6;
			if (!m->days[i].working || next->working || holiday != (edge == 2))
				continue;
			if (pass == 1 && k == pick)
				return i;
			k++;
		}
		if (k == 0)
			return -1;
		pick = (long)gen_rng_below(g, (uint64_t)k);
	}
	return -1;
}

/* Feedback drawn at a deadline's edge (gen_feedback.edge): received so that the answer is due on
 * the last working day D before a weekend or a holiday, answered on D, in its last second, just
 * after midnight (a day off: late) or on the next working day (late). 0, or -1 when the period
 * has no such day (a holiday-free stretch): then it is drawn as any other. */
static int draw_edge(const gen_model *m, gen_rng *g, gen_feedback *fb, int edge)
{
	const period *p = &m->per;
	long d = edge_day(m, g, p->from_ms - 14 * DAY_MS, p->to_ms + 7 * DAY_MS, edge);
	if (d < 0)
		return -1;
	long i = d;
	for (int k = GEN_FEEDBACK_WORKDAYS; i > 0; i--)
		if (m->days[i].working && --k == 0)
			break;
	/* i is the first working day counted: received any time on the day before it */
	if (i < 1)
		return -1;
	int64_t received = office_time(m, g, i - 1);
	if (received < m->earliest_ms)
		return -1;
	fb->edge = (uint8_t)edge;
	fb->received = received;
	int64_t end = m->days[d + 1].start_ms;
	switch (gen_rng_below(g, 4)) {
	case 0:
		fb->resolved = office_time(m, g, d);
		break;
	case 1:
		fb->resolved = end - 1000;
		break;
	case 2:
		fb->resolved = end + 30 * 1000;
		break;
	default:
		fb->resolved = office_time(m, g, next_working(m, d + 1));
	}
	return 0;
}

static void draw_feedback(const gen_model *m, gen_rng *g, pools *pl, gen_feedback *fb, uint32_t seq)
{
	const period *p = &m->per;
	double u = gen_rng_double(g);
	if (u < 0.65 || (!pl->n[1] && !pl->n[2]))
		fb->unit = (uint32_t)m->scope;
	else if (u < 0.95 && pl->n[1])
		fb->unit = (uint32_t)pl->by_level[1][gen_rng_below(g, pl->n[1])];
	else
		fb->unit =
		    (uint32_t)
		        pl->by_level[pl->n[2] ? 2 : 1][gen_rng_below(g, pl->n[pl->n[2] ? 2 : 1])];
	fb->seq = seq;
	fb->topic = gen_rng_double(g) < 0.8 ? GEN_REGULATION : GEN_BEHAVIOR;
	fb->edge = 0;
	fb->resolved = fb->published = GEN_NONE;
	u = gen_rng_double(g);
	if (u < 0.3 && draw_edge(m, g, fb, u < 0.15 ? 1 : 2) == 0) {
		if (gen_rng_double(g) < 0.85)
			fb->published =
			    min64(fb->resolved + (int64_t)(1 + gen_rng_below(g, 300)) * MINUTE_MS,
			          end_of_day(m, fb->resolved));
		fb->deadline_end = deadline_end(m, fb->received);
		return;
	}
	u = gen_rng_double(g);
	if (u < 0.15)
		fb->received = office_time_between(m, g, p->from_ms - 40 * DAY_MS, p->from_ms);
	else if (u < 0.18)
		fb->received = office_time_between(m, g, p->to_ms, p->to_ms + 5 * DAY_MS);
	else if (u < 0.20)
		fb->received = p->to_ms - 1000;
	else
		fb->received = office_time_between(m, g, p->from_ms, p->to_ms);
	fb->received = max64(fb->received, m->earliest_ms);
	fb->deadline_end = deadline_end(m, fb->received);
	if (gen_rng_double(g) < 0.9) {
		fb->resolved =
		    office_from(m, g, fb->received + (int64_t)(1 + gen_rng_below(g, 25)) * DAY_MS);
		if (gen_rng_double(g) < 0.85)
			fb->published =
			    min64(fb->resolved + (int64_t)(1 + gen_rng_below(g, 300)) * MINUTE_MS,
			          end_of_day(m, fb->resolved));
	}
}

/* A rating, mostly satisfied: unsatisfied with probability `unsat`, else very satisfied six
 * times in ten. */
static uint8_t pick_rating(gen_rng *g, double unsat)
{
	double x = gen_rng_double(g);
	if (x < unsat)
		return GEN_UNSATISFIED;
	return x < unsat + (1 - unsat) * 0.6 ? GEN_VERY_SATISFIED : GEN_SATISFIED;
}

/* The due in force when dossier d finished, for how likely its citizen is to be unhappy. */
static int64_t final_due(const gen_dossier *d)
{
	if (d->extended != GEN_NONE)
		return d->ext_due;
	return d->supp_received != GEN_NONE ? d->supp_due : d->due;
}

/* The citizens' ratings (docs/design.md §16), a stream of their own: two in five resolved dossiers
 * are rated, fewer of the returned or withdrawn, a few while still being handled (a rating of the
 * reception). Most are satisfied; a late result or a refusal makes "unsatisfied" likelier. About
 * one rating in twenty is changed later, some at the very same instant (the less satisfied
 * counts), and a rating can come weeks after the result, beyond the period's end. */
static void draw_rating(const gen_model *m, gen_rng *g, gen_dossier *d)
{
	d->rated = d->rerated = GEN_NONE;
	d->rating = d->rerating = GEN_RATING_NONE;
	if (d->received == GEN_NONE)
		return; /* never taken up: nothing to rate */
	int fk = d->finish_kind;
	double share = fk == GEN_KIND_NONE ? 0.03 : fk == GEN_RESOLVED ? 0.4 : 0.15;
	if (gen_rng_double(g) >= share)
		return;
	double unsat = 0.35;
	if (fk == GEN_RESOLVED)
		unsat =
		    gen_resolved_class(m, d->finish, final_due(d)) == GEN_CLASS_LATE ? 0.3 : 0.03;
	d->rating = pick_rating(g, unsat);
	if (fk == GEN_KIND_NONE || gen_rng_double(g) < 0.1) /* while it is being handled */
		d->rated = d->received + (int64_t)(1 + gen_rng_below(g, 240)) * MINUTE_MS;
	else /* after the result, up to two weeks later */
		d->rated = d->finish + (int64_t)(1 + gen_rng_below(g, 14 * 24 * 60)) * MINUTE_MS;
	if (gen_rng_double(g) < 0.05) {
		d->rerating = pick_rating(g, 0.2);
		d->rerated =
		    gen_rng_double(g) < 0.1
		        ? d->rated
		        : d->rated + (int64_t)(1 + gen_rng_below(g, 7 * 24 * 60)) * MINUTE_MS;
	}
}

static void pools_free(pools *pl)
{
	for (int l = 0; l < 3; l++) {
		free(pl->by_level[l]);
		free(pl->cum[l]);
	}
	free(pl->seq);
	free(pl->code_count);
}

/* Whether unit x is one a report on a period ending at `at` covers (select_units). */
static int unit_in_structure(const unit *x, int64_t at)
{
	return x->level >= 1 && x->level <= 3 && at >= x->valid_from_ms && at < x->valid_to_ms;
}

/* Units of the registry valid in the period: those valid at its last instant (every unit of the
 * first snapshot is also valid before it, so a 2024 period sees the 2024 units throughout). */
static int select_units(gen_model *m, const units *reg, char *err, size_t errlen)
{
	size_t n = units_count(reg);
	int64_t at = m->per.to_ms - 1;
	m->units = calloc(n ? n : 1, sizeof *m->units);
	if (!m->units) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->scope = SIZE_MAX;
	for (int level = 1; level <= 3; level++)
		for (size_t i = 0; i < n; i++) {
			const unit *x = units_at(reg, i);
			if (x->level == level && unit_in_structure(x, at)) {
				if (level == 1 && m->scope == SIZE_MAX)
					m->scope = m->nunits;
				m->units[m->nunits++] = x;
			}
		}
	if (m->scope == SIZE_MAX) {
		snprintf(err, errlen, "no province unit valid in period %s", m->per.label);
		return -1;
	}
	/* keep every event inside its unit's validity */
	for (size_t i = 0; i < m->nunits; i++)
		if (m->units[i]->valid_to_ms < m->horizon_ms)
			m->horizon_ms = m->units[i]->valid_to_ms;
	return 0;
}

/* The data set's segment of every event id and code: two data sets (another seed, period or size)
 * never share an id, so both can go to one stack without a `conflict`; the same ones always do. */
static void set_id(gen_model *m, size_t ndossiers)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the label, then seed and size mixed in */
	for (const char *c = m->per.label; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	h ^= m->seed * 0x9e3779b97f4a7c15ULL;
	h += (uint64_t)ndossiers;
	uint64_t x = gen_splitmix64(&h);
	snprintf(m->set_id, sizeof m->set_id, "%08x", (unsigned)(x >> 32));
}

int gen_truth_period_check(const gen_model *m, const period *p, char *err, size_t errlen)
{
	int64_t mine = m->per.to_ms - 1, theirs = p->to_ms - 1;
	size_t n = units_count(m->reg);
	for (size_t i = 0; i < n; i++) {
		const unit *x = units_at(m->reg, i);
		if (unit_in_structure(x, mine) != unit_in_structure(x, theirs)) {
			snprintf(err, errlen,
			         "truth period %s reports on other units than %s (unit %s '%s' is "
			         "valid in only one of them): its truth would not be exact",
			         p->label, m->per.label, x->code, x->name);
			return -1;
		}
	}
	return 0;
}

int gen_model_build(const units *reg, const workdays *cal, const period *per, size_t ndossiers,
                    uint64_t seed, gen_model **out, char *err, size_t errlen)
{
	*out = NULL;
	gen_model *m = calloc(1, sizeof *m);
	pools pl = {0};
	if (!m)
		goto oom;
	m->per = *per;
	m->reg = reg;
	m->seed = seed;
	set_id(m, ndossiers);
	m->horizon_ms = per->to_ms + 30 * DAY_MS;
	if (select_units(m, reg, err, errlen))
		goto fail;
	m->earliest_ms = INT64_MIN;
	for (size_t i = 0; i < m->nunits; i++)
		m->earliest_ms = max64(m->earliest_ms, m->units[i]->valid_from_ms);
	if (build_days(m, cal, err, errlen))
		goto fail;

	for (int l = 0; l < 3; l++) {
		pl.by_level[l] = calloc(m->nunits, sizeof(size_t));
		pl.cum[l] = calloc(m->nunits, sizeof(double));
		if (!pl.by_level[l] || !pl.cum[l])
			goto oom;
	}
	pl.seq = calloc(m->nunits, sizeof *pl.seq);
	if (!pl.seq)
		goto oom;

	gen_rng g;
	gen_rng_seed(&g, seed);
	/* offices differ in size: a fixed, seeded weight each; the provincial capital's a bit more
	 */
	for (size_t i = 0; i < m->nunits; i++) {
		int l = m->units[i]->level - 1;
		double w = 0.4 + 1.2 * gen_rng_double(&g);
		if (l == 1 && !strcmp(m->units[i]->code, "474"))
			w *= 2;
		size_t k = pl.n[l]++;
		pl.by_level[l][k] = i;
		pl.cum[l][k] = (k ? pl.cum[l][k - 1] : 0) + w;
	}

	m->ndossiers = ndossiers;
	m->dossiers = calloc(ndossiers ? ndossiers : 1, sizeof *m->dossiers);
	m->nfeedback = (ndossiers * 4 + 999) / 1000;
	m->feedback = calloc(m->nfeedback ? m->nfeedback : 1, sizeof *m->feedback);
	pl.code_count = calloc(m->nunits * m->ndays, sizeof *pl.code_count);
	if (!m->dossiers || !m->feedback || !pl.code_count)
		goto oom;
	for (size_t i = 0; i < ndossiers; i++) {
		gen_dossier *d = &m->dossiers[i];
		draw_dossier(m, &g, &pl, d);
		d->code_num = ++pl.code_count[(size_t)d->unit * m->ndays + d->code_day];
	}
	for (size_t i = 0; i < m->nfeedback; i++)
		draw_feedback(m, &g, &pl, &m->feedback[i], (uint32_t)i + 1);
	gen_rng gr;
	gen_rng_seed(&gr, seed ^ 0x7261746564ULL); /* "rated" */
	for (size_t i = 0; i < ndossiers; i++)
		draw_rating(m, &gr, &m->dossiers[i]);
	pools_free(&pl);
	*out = m;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	pools_free(&pl);
	gen_model_free(m);
	return -1;
}

void gen_model_free(gen_model *m)
{
	if (!m)
		return;
	free(m->units);
	free(m->dossiers);
	free(m->feedback);
	free(m->days);
	free(m);
}

/* ---- events ---- */

static void push(gen_event *out, size_t *n, int64_t at, int kind, int64_t due)
{
	if (at == GEN_NONE)
		return;
	out[*n].at = at;
	out[*n].kind = (uint8_t)kind;
	out[*n].due = due;
	out[*n].rating = 0;
	(*n)++;
}

static void push_rated(gen_event *out, size_t *n, int64_t at, int rating)
{
	push(out, n, at, GEN_RATED, GEN_NONE);
	if (at != GEN_NONE)
		out[*n - 1].rating = (uint8_t)rating;
}

static void sort_events(gen_event *ev, size_t n)
{
	for (size_t i = 1; i < n; i++) { /* insertion sort: at most a dozen */
		gen_event x = ev[i];
		size_t j = i;
		while (j > 0 &&
		       (ev[j - 1].at > x.at || (ev[j - 1].at == x.at && ev[j - 1].kind > x.kind) ||
		        (ev[j - 1].at == x.at && ev[j - 1].kind == x.kind &&
		         ev[j - 1].rating > x.rating))) {
			ev[j] = ev[j - 1];
			j--;
		}
		ev[j] = x;
	}
}

static size_t cut_at_horizon(const gen_model *m, gen_event *ev, size_t n)
{
	sort_events(ev, n);
	while (n > 0 && ev[n - 1].at >= m->horizon_ms)
		n--;
	return n;
}

size_t gen_dossier_events(const gen_model *m, size_t i, gen_event out[GEN_MAX_EVENTS])
{
	const gen_dossier *d = &m->dossiers[i];
	size_t n = 0;
	push(out, &n, d->submitted, GEN_SUBMITTED, GEN_NONE);
	push(out, &n, d->received, GEN_RECEIVED, d->due);
	push(out, &n, d->supp_requested, GEN_SUPPLEMENT_REQUESTED, GEN_NONE);
	push(out, &n, d->supp_received, GEN_SUPPLEMENT_RECEIVED, d->supp_due);
	push(out, &n, d->extended, GEN_EXTENDED, d->ext_due);
	if (d->finish_kind != GEN_KIND_NONE)
		push(out, &n, d->finish, d->finish_kind, GEN_NONE);
	if (d->finish2_kind != GEN_KIND_NONE)
		push(out, &n, d->finish2, d->finish2_kind, GEN_NONE);
	push(out, &n, d->delivered, GEN_DELIVERED, GEN_NONE);
	push(out, &n, d->paid_online, GEN_PAID_ONLINE, GEN_NONE);
	push(out, &n, d->digitized, GEN_DIGITIZED, GEN_NONE);
	push_rated(out, &n, d->rated, d->rating);
	push_rated(out, &n, d->rerated, d->rerating);
	return cut_at_horizon(m, out, n);
}

size_t gen_feedback_events(const gen_model *m, size_t i, gen_event out[GEN_MAX_EVENTS])
{
	const gen_feedback *fb = &m->feedback[i];
	size_t n = 0;
	push(out, &n, fb->received, GEN_FB_RECEIVED, GEN_NONE);
	push(out, &n, fb->resolved, GEN_FB_RESOLVED, GEN_NONE);
	push(out, &n, fb->published, GEN_FB_PUBLISHED, GEN_NONE);
	return cut_at_horizon(m, out, n);
}

static void format_offset(char *buf, size_t len, long off)
{
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(buf, len, "%c%02d:%02d", sign, (int)(off / 3600 % 24), (int)(off / 60 % 60));
}

void gen_format_time(const gen_model *m, int64_t ms, char *buf, size_t len)
{
	long i = gen_day_of(m, ms);
	char off[16];
	if (i >= 0 && m->days[i + 1].start_ms - m->days[i].start_ms == DAY_MS) {
		const gen_day *day = &m->days[i];
		int64_t sec = (ms - day->start_ms) / 1000;
		format_offset(off, sizeof off, day->gmtoff);
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s", day->ymd / 10000,
		         day->ymd / 100 % 100, day->ymd % 100, (int)(sec / 3600),
		         (int)(sec / 60 % 60), (int)(sec % 60), off);
		return;
	}
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	struct tm tm;
	localtime_r(&t, &tm);
	format_offset(off, sizeof off, tm.tm_gmtoff);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off);
}

static int local_ymd(const gen_model *m, int64_t ms)
{
	long i = gen_day_of(m, ms);
	if (i >= 0)
		return m->days[i].ymd;
	int y, mon, d;
	cal_civil_from_days(cal_local_day(ms), &y, &mon, &d);
	return y * 10000 + mon * 100 + d;
}

int gen_resolved_class(const gen_model *m, int64_t at, int64_t due)
{
	if (at > due)
		return GEN_CLASS_LATE;
	return local_ymd(m, at) < local_ymd(m, due) ? GEN_CLASS_EARLY : GEN_CLASS_ON_TIME;
}

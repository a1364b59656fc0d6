/* gen_truth: the figures of docs/design.md §6 and §16 that `cchc gen`'s records must produce, and
 * the ratios of the 766 index's indicators they give, recomputed straight from the model's
 * ground-truth structs with the rules of docs/design.md §4 and §16 — independently of the stats
 * and export services, so tests can compare their exported figures with these. */
#include "gen.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FIGURE_COUNT (sizeof(gen_figures) / sizeof(int64_t))

static const char *const figure_keys[] = {"carried_over",
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
_Static_assert(sizeof figure_keys / sizeof figure_keys[0] == FIGURE_COUNT, "figure keys");

static const char *const fb_keys[] = {"carried_over",   "received",         "about_regulation",
                                      "about_behavior", "resolved",         "published",
                                      "pending",        "resolved_on_time", "pending_within_due"};
_Static_assert(sizeof fb_keys / sizeof fb_keys[0] == sizeof(gen_fb_figures) / sizeof(int64_t),
               "feedback keys");

static int in(int64_t t, int64_t from, int64_t to)
{
	return t != GEN_NONE && t >= from && t < to;
}

/* The due in force at instant t: the last of received / supplement_received / extended at or
 * before t (those kinds sort before the finishing ones at equal instants). */
static int64_t due_at(const gen_dossier *d, int64_t t)
{
	int64_t due = d->due, set = d->received;
	if (d->supp_received != GEN_NONE && d->supp_received <= t && d->supp_received >= set) {
		due = d->supp_due;
		set = d->supp_received;
	}
	if (d->extended != GEN_NONE && d->extended <= t && d->extended >= set)
		due = d->ext_due;
	return due;
}

/* Dossier d as its written records show it: gen writes no event at or after the horizon, so such
 * an instant (and the due it would carry) never happened. For the model's own period this changes
 * nothing (its figures look at instants before its end only); a later period needs it to be exact.
 */
static gen_dossier written(const gen_model *m, const gen_dossier *d)
{
	gen_dossier v = *d;
	int64_t h = m->horizon_ms;
#define GONE(x) (v.x != GEN_NONE && v.x >= h)
	if (GONE(submitted))
		v.submitted = GEN_NONE;
	if (GONE(received))
		v.received = v.due = GEN_NONE;
	if (GONE(supp_requested))
		v.supp_requested = GEN_NONE;
	if (GONE(supp_received))
		v.supp_received = v.supp_due = GEN_NONE;
	if (GONE(extended))
		v.extended = v.ext_due = GEN_NONE;
	if (v.finish_kind != GEN_KIND_NONE && GONE(finish)) {
		v.finish = GEN_NONE;
		v.finish_kind = GEN_KIND_NONE;
	}
	if (v.finish2_kind != GEN_KIND_NONE && GONE(finish2)) {
		v.finish2 = GEN_NONE;
		v.finish2_kind = GEN_KIND_NONE;
	}
	if (GONE(delivered))
		v.delivered = GEN_NONE;
	if (GONE(paid_online))
		v.paid_online = GEN_NONE;
	if (GONE(digitized))
		v.digitized = GEN_NONE;
	if (GONE(rated))
		v.rated = GEN_NONE;
	if (GONE(rerated))
		v.rerated = GEN_NONE;
#undef GONE
	return v;
}

/* The rating of the latest `rated` event written (docs/design.md §16); at one instant the higher
 * number (the less satisfied) counts. GEN_RATING_NONE when none is. */
static int final_rating(const gen_dossier *d)
{
	if (d->rated == GEN_NONE)
		return d->rerated == GEN_NONE ? GEN_RATING_NONE : d->rerating;
	if (d->rerated == GEN_NONE || d->rated > d->rerated)
		return d->rating;
	if (d->rerated > d->rated)
		return d->rerating;
	return d->rating > d->rerating ? d->rating : d->rerating;
}

/* Adds dossier d's contribution to the period [from, to) into *x. */
static void dossier_figures(const gen_model *m, const period *p, const gen_dossier *d,
                            gen_figures *x)
{
	int64_t from = p->from_ms, to = p->to_ms;
	int has_recv = d->received != GEN_NONE;

	if (d->submitted != GEN_NONE && d->submitted < to) {
		int taken = (has_recv && d->received < to) ||
		            (!has_recv && d->finish_kind == GEN_RETURNED && d->finish < to);
		if (!taken)
			x->waiting++;
		if (!has_recv && d->finish_kind == GEN_RETURNED && in(d->finish, from, to))
			x->not_accepted++;
	}
	if (!has_recv || d->received >= to)
		return;

	int64_t fin = d->finish_kind == GEN_KIND_NONE ? GEN_NONE : d->finish;
	if (d->received < from) {
		if (fin == GEN_NONE || fin >= from)
			x->carried_over++;
		else
			return; /* finished before the period: not in it at all */
	} else {
		x->received++;
		if (d->channel == GEN_ONLINE)
			x->received_online++;
		else if (d->channel == GEN_POSTAL)
			x->received_postal++;
		else
			x->received_direct++;
		if (d->paid_online != GEN_NONE && d->paid_online < to)
			x->paid_online++;
		if (d->digitized != GEN_NONE && d->digitized < to)
			x->digitized++;
	}

	if (in(fin, from, to)) {
		/* ratings count over the dossiers finished in the period, whichever way */
		int r = final_rating(d), late = 0;
		switch (d->finish_kind) {
		case GEN_RESOLVED:
			x->resolved++;
			switch (gen_resolved_class(m, fin, due_at(d, fin))) {
			case GEN_CLASS_EARLY:
				x->resolved_early++;
				break;
			case GEN_CLASS_ON_TIME:
				x->resolved_on_time++;
				break;
			default:
				x->resolved_late++;
				late = 1;
			}
			break;
		case GEN_RETURNED:
			x->returned++;
			break;
		default:
			x->withdrawn++;
		}
		if (r != GEN_RATING_NONE) {
			x->rated++;
			if (r == GEN_UNSATISFIED) {
				x->rated_unsatisfied++;
				x->rated_unsatisfied_late += late;
			} else {
				x->rated_satisfied++;
			}
		}
	} else if (fin == GEN_NONE || fin >= to) {
		x->pending++;
		int supp_wait = d->supp_requested != GEN_NONE && d->supp_requested < to &&
		                (d->supp_received == GEN_NONE || d->supp_received >= to);
		if (supp_wait || due_at(d, to - 1) >= to)
			x->pending_within_due++;
		else
			x->pending_overdue++;
	}
}

static void fb_add(gen_fb_figures *sum, const gen_fb_figures *x)
{
	int64_t *s = (int64_t *)sum;
	const int64_t *v = (const int64_t *)x;
	for (size_t i = 0; i < sizeof *x / sizeof(int64_t); i++)
		s[i] += v[i];
}

static void add(gen_figures *sum, const gen_figures *x)
{
	int64_t *s = (int64_t *)sum;
	const int64_t *v = (const int64_t *)x;
	for (size_t i = 0; i < FIGURE_COUNT; i++)
		s[i] += v[i];
}

int gen_truth_compute(const gen_model *m, gen_truth *t)
{
	return gen_truth_compute_period(m, &m->per, t);
}

int gen_truth_compute_period(const gen_model *m, const period *p, gen_truth *t)
{
	memset(t, 0, sizeof *t);
	size_t nfields;
	gen_fields(&nfields);
	t->units = calloc(m->nunits ? m->nunits : 1, sizeof *t->units);
	t->unit_feedback = calloc(m->nunits ? m->nunits : 1, sizeof *t->unit_feedback);
	t->fields = calloc(nfields, sizeof *t->fields);
	if (!t->units || !t->fields || !t->unit_feedback) {
		gen_truth_free(t);
		return -1;
	}
	t->nunits = m->nunits;
	t->nfields = nfields;
	for (size_t i = 0; i < m->ndossiers; i++) {
		gen_dossier d = written(m, &m->dossiers[i]);
		gen_figures x = {0};
		dossier_figures(m, p, &d, &x);
		add(&t->units[d.unit], &x);
		add(&t->fields[d.field], &x);
	}
	for (size_t i = 0; i < m->nunits; i++) {
		gen_figures *u = &t->units[i];
		u->intake = u->carried_over + u->received;
		add(&t->level[m->units[i]->level - 1], u);
		add(&t->all, u);
	}
	for (size_t i = 0; i < nfields; i++)
		t->fields[i].intake = t->fields[i].carried_over + t->fields[i].received;

	int64_t from = p->from_ms, to = p->to_ms, h = m->horizon_ms;
	for (size_t i = 0; i < m->nfeedback; i++) {
		gen_feedback w = m->feedback[i]; /* as written, like the dossiers */
		const gen_feedback *fb = &w;
		gen_fb_figures x = {0}, *f = &x;
		if (w.resolved != GEN_NONE && w.resolved >= h)
			w.resolved = GEN_NONE;
		if (w.published != GEN_NONE && w.published >= h)
			w.published = GEN_NONE;
		if (fb->received >= to || fb->received >= h)
			continue;
		int open_at_end = fb->resolved == GEN_NONE || fb->resolved >= to;
		if (fb->received < from) {
			if (fb->resolved != GEN_NONE && fb->resolved < from)
				continue;
			f->carried_over++;
		} else {
			f->received++;
			if (fb->topic == GEN_REGULATION)
				f->about_regulation++;
			else
				f->about_behavior++;
		}
		/* answered within GEN_FEEDBACK_WORKDAYS working days, or still within them at the
		 * period's end */
		if (in(fb->resolved, from, to)) {
			f->resolved++;
			f->resolved_on_time += fb->resolved < fb->deadline_end;
		}
		if (in(fb->published, from, to))
			f->published++;
		if (open_at_end) {
			f->pending++;
			f->pending_within_due += fb->deadline_end >= to;
		}
		fb_add(&t->feedback, &x);
		fb_add(&t->level_feedback[m->units[fb->unit]->level - 1], &x);
		fb_add(&t->unit_feedback[fb->unit], &x);
	}
	return 0;
}

void gen_truth_free(gen_truth *t)
{
	free(t->units);
	free(t->fields);
	free(t->unit_feedback);
	t->units = t->fields = NULL;
	t->unit_feedback = NULL;
}

static json_t *figures_json(json_t *o, const gen_figures *x)
{
	const int64_t *v = (const int64_t *)x;
	for (size_t i = 0; i < FIGURE_COUNT; i++)
		json_object_set_new(o, figure_keys[i], json_integer(v[i]));
	return o;
}

/* ---- the 766 index (docs/design.md §16): the ratios the records decide ---- */

/* numerator / denominator as a percentage times 100, rounded half away from zero; 0 without a
 * denominator (docs/design.md §6). */
static int64_t ratio_x100(int64_t num, int64_t den)
{
	return den > 0 ? (num * 20000 + den) / (2 * den) : 0;
}

static json_t *indicator(const char *id, int64_t num, int64_t den)
{
	return json_pack("{s:s, s:I, s:I, s:f}", "id", id, "numerator", (json_int_t)num,
	                 "denominator", (json_int_t)den, "ratio",
	                 (double)ratio_x100(num, den) / 100.0);
}

/* The indicators of one row: its dossiers' figures and its feedback. */
static json_t *index_json(const gen_figures *x, const gen_fb_figures *fb)
{
	int64_t unhappy_or_late = x->resolved_late + x->pending_overdue + x->rated_unsatisfied -
	                          x->rated_unsatisfied_late;
	json_t *a = json_array();
	json_array_append_new(
	    a, indicator("2.1", x->resolved_early + x->resolved_on_time + x->pending_within_due,
	                 x->intake));
	json_array_append_new(a, indicator("3.3", x->received_online, x->received));
	json_array_append_new(a, indicator("3.6", x->paid_online, x->received));
	json_array_append_new(a, indicator("4.2", x->digitized, x->received));
	json_array_append_new(a, indicator("5.2", fb->resolved_on_time + fb->pending_within_due,
	                                   fb->carried_over + fb->received));
	json_array_append_new(a, indicator("5.4", x->intake - unhappy_or_late, x->intake));
	return json_pack("{s:o}", "indicators", a);
}

int gen_truth_write(const gen_model *m, const gen_truth *t, FILE *f)
{
	return gen_truth_write_period(m, &m->per, t, f);
}

int gen_truth_write_period(const gen_model *m, const period *p, const gen_truth *t, FILE *f)
{
	static const char *const levels[] = {"province", "district", "commune"};
	const unit *scope = m->units[m->scope];
	json_t *root = json_object();
	json_object_set_new(root, "period",
	                    json_pack("{s:s, s:s, s:s}", "label", p->label, "from", p->first_day,
	                              "to", p->last_day));
	json_object_set_new(root, "scope",
	                    json_pack("{s:s, s:s}", "code", scope->code, "name", scope->name));

	json_t *dossiers = json_object();
	json_object_set_new(dossiers, "all", figures_json(json_object(), &t->all));
	for (int l = 0; l < 3; l++)
		json_object_set_new(dossiers, levels[l], figures_json(json_object(), &t->level[l]));
	json_t *junits = json_array();
	for (size_t i = 0; i < m->nunits; i++) {
		const unit *u = m->units[i];
		json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "code", u->code, "name", u->name,
		                      "level", u->level, "parent", u->parent);
		json_array_append_new(junits, figures_json(o, &t->units[i]));
	}
	json_object_set_new(dossiers, "units", junits);
	size_t nf;
	const gen_field *fields = gen_fields(&nf);
	json_t *farr = json_array();
	for (size_t i = 0; i < nf; i++) {
		json_t *o = json_pack("{s:s, s:s}", "code", fields[i].code, "name", fields[i].name);
		json_array_append_new(farr, figures_json(o, &t->fields[i]));
	}
	json_object_set_new(dossiers, "fields", farr);
	json_object_set_new(root, "dossiers", dossiers);

	json_t *fb = json_object();
	const int64_t *v = (const int64_t *)&t->feedback;
	for (size_t i = 0; i < sizeof fb_keys / sizeof fb_keys[0]; i++)
		json_object_set_new(fb, fb_keys[i], json_integer(v[i]));
	json_object_set_new(root, "feedback", fb);

	json_t *ix = json_object(), *ixu = json_array();
	json_object_set_new(ix, "all", index_json(&t->all, &t->feedback));
	for (int l = 0; l < 3; l++)
		json_object_set_new(ix, levels[l], index_json(&t->level[l], &t->level_feedback[l]));
	for (size_t i = 0; i < m->nunits; i++) {
		json_t *o = index_json(&t->units[i], &t->unit_feedback[i]);
		json_object_set_new(o, "code", json_string(m->units[i]->code));
		json_object_set_new(o, "parent", json_string(m->units[i]->parent));
		json_array_append_new(ixu, o);
	}
	json_object_set_new(ix, "units", ixu);
	json_object_set_new(root, "index_766", ix);

	int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) ? -1 : 0;
	if (!rc && fputc('\n', f) == EOF)
		rc = -1;
	json_decref(root);
	return rc;
}

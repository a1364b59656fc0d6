/* gen_truth: the figures of docs/design.md §6 that `cchc gen`'s records must produce, recomputed
 * straight from the model's ground-truth structs with the rules of docs/design.md §4 —
 * independently of the stats service, so tests can compare its exported figures with these. */
#include "gen.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FIGURE_COUNT (sizeof(gen_figures) / sizeof(int64_t))

static const char *const figure_keys[] = {
    "carried_over", "received",       "received_online",  "received_direct",    "received_postal",
    "resolved",     "resolved_early", "resolved_on_time", "resolved_late",      "intake",
    "returned",     "withdrawn",      "pending",          "pending_within_due", "pending_overdue",
    "waiting",      "not_accepted",   "paid_online",      "digitized"};
_Static_assert(sizeof figure_keys / sizeof figure_keys[0] == FIGURE_COUNT, "figure keys");

static const char *const fb_keys[] = {"carried_over",   "received", "about_regulation",
                                      "about_behavior", "resolved", "published",
                                      "pending"};
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
#undef GONE
	return v;
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
			}
			break;
		case GEN_RETURNED:
			x->returned++;
			break;
		default:
			x->withdrawn++;
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
	t->fields = calloc(nfields, sizeof *t->fields);
	if (!t->units || !t->fields) {
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
	gen_fb_figures *f = &t->feedback;
	for (size_t i = 0; i < m->nfeedback; i++) {
		gen_feedback w = m->feedback[i]; /* as written, like the dossiers */
		const gen_feedback *fb = &w;
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
		if (in(fb->resolved, from, to))
			f->resolved++;
		if (in(fb->published, from, to))
			f->published++;
		if (open_at_end)
			f->pending++;
	}
	return 0;
}

void gen_truth_free(gen_truth *t)
{
	free(t->units);
	free(t->fields);
	t->units = t->fields = NULL;
}

static json_t *figures_json(json_t *o, const gen_figures *x)
{
	const int64_t *v = (const int64_t *)x;
	for (size_t i = 0; i < FIGURE_COUNT; i++)
		json_object_set_new(o, figure_keys[i], json_integer(v[i]));
	return o;
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

	int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) ? -1 : 0;
	if (!rc && fputc('\n', f) == EOF)
		rc = -1;
	json_decref(root);
	return rc;
}

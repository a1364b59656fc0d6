/* render_json: the report model (model.c) as JSON. It walks the protobuf descriptors of
 * DossierFigures and FeedbackFigures so the JSON keys are, by construction, the field names of the
 * contract (= the keys of docs/design.md §6 and §16); the rates are the model's, rounded once; the
 * 766 index is index766.c's, for the scope, each level and unit. */
#include "index766.h"
#include "model.h"
#include "render.h"
#include "rfc3339.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Adds every int64 field of m to obj under its contract name. */
static void put_counts(json_t *obj, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		int64_t v = *(const int64_t *)(const void *)((const char *)m + fd->offset);
		json_object_set_new(obj, fd->name, json_integer(v));
	}
}

/* A rate of the model as a JSON number with its two decimals (0 when it has no denominator, as
 * the contract has always said). */
static void put_rate(json_t *obj, const char *key, long long x100)
{
	json_object_set_new(obj, key, json_real((double)x100 / 100.0));
}

static json_t *dossier_object(const model_row *r)
{
	json_t *o = json_object();
	put_counts(o, &r->d.base);
	put_rate(o, "rate_online", r->rates.online_x100);
	put_rate(o, "rate_resolved", r->rates.resolved_x100);
	put_rate(o, "rate_on_time", r->rates.on_time_x100);
	put_rate(o, "progress_766", r->rates.progress_766_x100);
	put_rate(o, "rate_satisfied", r->rates.satisfied_x100);
	return o;
}

/* One row's 766 indicators (docs/design.md §16): each with its ratio, points and formula. What
 * an indicator is (its name, group, target, note) is said once, in index_766.indicators. */
static json_t *index_object(const index766_conf *c, const model_row *r)
{
	index766_row x;
	index766_compute(c, &r->d, &r->fb, &x);
	json_t *o = json_object(), *a = json_array();
	put_rate(o, "points", x.points_x100);
	put_rate(o, "max_points", x.max_x100);
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		const index766_value *v = &x.v[k];
		char formula[512];
		index766_formula(v, formula, sizeof formula);
		json_t *i = json_object();
		json_object_set_new(i, "id", json_string(v->def->id));
		json_object_set_new(i, "numerator", json_integer(v->numerator));
		json_object_set_new(i, "denominator", json_integer(v->denominator));
		put_rate(i, "ratio", v->ratio_x100);
		put_rate(i, "points", v->points_x100);
		put_rate(i, "max_points", v->max_x100);
		json_object_set_new(i, "formula", json_string(formula));
		json_array_append_new(a, i);
	}
	json_object_set_new(o, "indicators", a);
	return o;
}

/* The computed indicators themselves, once: id, group, name, target, weight, approximation. */
static json_t *index_definitions(const index766_conf *c)
{
	static const Cchc__V1__DossierFigures none = CCHC__V1__DOSSIER_FIGURES__INIT;
	index766_row x;
	index766_compute(c, &none, NULL, &x);
	json_t *a = json_array();
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		const index766_value *v = &x.v[k];
		json_t *i = json_object();
		json_object_set_new(i, "id", json_string(v->def->id));
		json_object_set_new(i, "group", json_string(v->def->group));
		json_object_set_new(i, "name", json_string(v->def->name));
		json_object_set_new(i, "ratio", json_string(v->def->ratio));
		put_rate(i, "target", v->target_x100);
		put_rate(i, "max_points", v->max_x100);
		json_object_set_new(i, "approximation", json_boolean(v->def->approximation));
		json_object_set_new(i, "note", json_string(v->def->note));
		json_array_append_new(a, i);
	}
	return a;
}

/* index_766{indicators[], not_computed[], all, province, district, commune, units[]}, the rows of
 * the model; nationally (scope VN) provinces[] instead of units: each province's index from its
 * own totals and feedback, scored by this stack's index_766_file (docs/decisions.md, "The 766
 * index nationally"). */
static json_t *index_766_object(const index766_conf *c, const report_model *m)
{
	static const char *const level_keys[] = {"province", "district", "commune"};
	json_t *o = json_object(), *units = json_array(), *missing = json_array();
	json_object_set_new(o, "indicators", index_definitions(c));
	json_object_set_new(o, "not_computed", missing);
	json_object_set_new(o, "all", index_object(c, &m->all));
	for (int lv = 1; lv <= 3; lv++) {
		const model_level *l = model_level_get(m, lv);
		model_row zero = {.d = CCHC__V1__DOSSIER_FIGURES__INIT,
		                  .fb = CCHC__V1__FEEDBACK_FIGURES__INIT};
		json_object_set_new(o, level_keys[lv - 1], index_object(c, l ? &l->row : &zero));
	}
	for (size_t i = 0; i < m->n_units; i++) {
		const model_row *u = &m->units[i];
		json_t *x = index_object(c, u);
		json_object_set_new(x, "code", json_string(u->code));
		json_object_set_new(x, "name", json_string(u->name));
		json_object_set_new(x, "level", json_integer(u->level));
		json_object_set_new(x, "parent", json_string(u->parent));
		json_array_append_new(units, x);
	}
	json_object_set_new(o, "units", units);
	if (m->national) {
		json_t *provinces = json_array();
		for (size_t i = 0; i < m->n_provinces; i++) {
			const model_row *r = &m->provinces[i].row;
			json_t *x = index_object(c, r);
			json_object_set_new(x, "code", json_string(r->code));
			json_object_set_new(x, "name", json_string(r->name));
			json_array_append_new(provinces, x);
		}
		json_object_set_new(o, "provinces", provinces);
	}
	size_t n;
	const index766_missing *nc = index766_not_computed(c, &n);
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "id", json_string(nc[i].def->id));
		json_object_set_new(x, "group", json_string(nc[i].def->group));
		json_object_set_new(x, "name", json_string(nc[i].def->name));
		put_rate(x, "max_points", nc[i].max_x100);
		json_object_set_new(x, "reason", json_string(nc[i].def->reason));
		json_array_append_new(missing, x);
	}
	return o;
}

static json_t *identity_check(const char *group, const model_row *r)
{
	const Cchc__V1__DossierFigures *d = &r->d;
	int64_t left = d->carried_over + d->received;
	int64_t right = d->resolved + d->returned + d->withdrawn + d->pending;
	json_t *c = json_object();
	json_object_set_new(c, "check", json_string("identity"));
	json_object_set_new(c, "group", json_string(group));
	json_object_set_new(c, "key", json_string(r->code));
	json_object_set_new(c, "ok", json_boolean(left == right));
	json_object_set_new(c, "left", json_integer(left));
	json_object_set_new(c, "right", json_integer(right));
	return c;
}

/* as_of{closed, version, closed_at, by} for a closed version; {closed: false} (and "at" for
 * figures as they stood at an instant) otherwise. */
static json_t *as_of_object(const render_as_of *a)
{
	json_t *o = json_object();
	char when[40];
	json_object_set_new(o, "closed", json_boolean(a && a->closed));
	if (a && a->closed) {
		rfc3339_format_utc(a->closed_ms, when, sizeof when);
		json_object_set_new(o, "version", json_integer(a->version));
		json_object_set_new(o, "closed_at", json_string(when));
		json_object_set_new(o, "by", json_string(a->by ? a->by : ""));
	} else if (a && a->at_ms) {
		rfc3339_format_utc(a->at_ms, when, sizeof when);
		json_object_set_new(o, "at", json_string(when));
	}
	return o;
}

/* The three level keys of the contract (zeros for a level a structure does not have) and the
 * "levels" list of those shown, for a scope's levels or a province's. */
static void put_levels(json_t *jd, const model_level *levels, size_t n)
{
	static const char *const level_keys[] = {"province", "district", "commune"};
	json_t *shown = json_array();
	for (int lv = 1; lv <= 3; lv++) {
		const model_level *l = NULL;
		for (size_t i = 0; i < n; i++)
			if (levels[i].level == lv)
				l = &levels[i];
		model_row zero = {
		    .code = level_keys[lv - 1], .name = "", .d = CCHC__V1__DOSSIER_FIGURES__INIT};
		model_rates_of(&zero.d, &zero.rates);
		json_object_set_new(jd, level_keys[lv - 1], dossier_object(l ? &l->row : &zero));
	}
	for (size_t i = 0; i < n; i++)
		if (levels[i].level)
			json_array_append_new(shown, json_string(levels[i].key));
	json_object_set_new(jd, "levels", shown);
}

/* The national scope VN (docs/design.md §15): per province its totals, its own levels, its
 * feedback and where its figures come from: its standing closed version, or its figures now
 * complete up to its last heartbeat. */
static json_t *provinces_array(const report_model *m, json_t *checks)
{
	json_t *a = json_array();
	char when[40];
	for (size_t i = 0; i < m->n_provinces; i++) {
		const model_province *p = &m->provinces[i];
		json_t *o = json_object(), *src = json_object(), *jd = json_object();
		json_t *fb = json_object();
		json_object_set_new(o, "code", json_string(p->row.code));
		json_object_set_new(o, "name", json_string(p->row.name));
		json_object_set_new(src, "has_data", json_boolean(p->has_data));
		json_object_set_new(src, "closed", json_boolean(p->closed_version > 0));
		if (p->closed_version) {
			rfc3339_format_utc(p->closed_ms, when, sizeof when);
			json_object_set_new(src, "version", json_integer(p->closed_version));
			json_object_set_new(src, "closed_at", json_string(when));
			json_object_set_new(src, "by", json_string(p->closed_by));
		} else if (p->current_ms) {
			rfc3339_format_utc(p->current_ms, when, sizeof when);
			json_object_set_new(src, "current_to", json_string(when));
			json_object_set_new(src, "aggregates_stale",
			                    json_boolean(p->aggregates_stale));
		}
		json_object_set_new(o, "source", src);
		json_object_set_new(jd, "all", dossier_object(&p->row));
		put_levels(jd, p->levels, p->n_levels);
		json_object_set_new(o, "dossiers", jd);
		put_counts(fb, &p->feedback.base);
		json_object_set_new(o, "feedback", fb);
		json_array_append_new(a, o);
		json_array_append_new(checks, identity_check("province", &p->row));
	}
	return a;
}

int render_json(const render_input *in, render_output *ro, char *err, size_t errlen)
{
	const period *p = in->period;
	report_model m;
	if (model_build(in->figures, in->scope, &m, err, errlen)) {
		model_free(&m);
		return -1;
	}
	json_t *root = json_object();
	json_t *jp = json_object(), *js = json_object(), *jd = json_object(), *jst = json_object();
	json_t *units = json_array(), *fields = json_array();
	json_t *checks = json_array();
	json_object_set_new(jp, "label", json_string(p->label));
	json_object_set_new(jp, "from", json_string(p->first_day));
	json_object_set_new(jp, "to", json_string(p->last_day));
	json_object_set_new(js, "code", json_string(m.scope_code));
	json_object_set_new(js, "name", json_string(m.scope_name));
	if (in->structure_day && *in->structure_day) {
		int end = !strcmp(in->structure_day, p->last_day);
		json_object_set_new(jst, "basis", json_string(end ? "period-end" : "map-to"));
		json_object_set_new(jst, "date", json_string(in->structure_day));
	} else {
		json_object_set_new(jst, "basis", json_string("recorded"));
	}
	json_object_set_new(jd, "all", dossier_object(&m.all));
	json_array_append_new(checks, identity_check("all", &m.all));
	/* The contract's three level keys are always there (zeros for a level the structure does
	 * not have); "levels" names the levels the report shows, in its order. */
	put_levels(jd, m.levels, m.n_levels);
	for (size_t i = 0; i < m.n_levels; i++)
		json_array_append_new(checks, identity_check("level", &m.levels[i].row));
	for (size_t i = 0; i < m.n_units; i++) {
		const model_row *u = &m.units[i];
		json_t *o = dossier_object(u);
		json_object_set_new(o, "code", json_string(u->code));
		json_object_set_new(o, "name", json_string(u->name));
		json_object_set_new(o, "level", json_integer(u->level));
		json_object_set_new(o, "parent", json_string(u->parent));
		json_array_append_new(units, o);
		json_array_append_new(checks, identity_check("unit", u));
	}
	for (size_t i = 0; i < m.n_fields; i++) {
		json_t *o = dossier_object(&m.fields[i]);
		json_object_set_new(o, "code", json_string(m.fields[i].code));
		json_array_append_new(fields, o);
		json_array_append_new(checks, identity_check("field", &m.fields[i]));
	}
	json_object_set_new(jd, "units", units);
	json_object_set_new(jd, "fields", fields);
	json_t *fb = json_object();
	put_counts(fb, &m.feedback.base);
	json_object_set_new(root, "period", jp);
	json_object_set_new(root, "scope", js);
	json_object_set_new(root, "structure", jst);
	json_object_set_new(root, "as_of", as_of_object(in->as_of));
	json_object_set_new(root, "dossiers", jd);
	json_object_set_new(root, "feedback", fb);
	if (in->index766)
		json_object_set_new(root, "index_766", index_766_object(in->index766, &m));
	if (m.national)
		json_object_set_new(root, "provinces", provinces_array(&m, checks));
	json_object_set_new(root, "checks", checks);
	model_free(&m);
	char *text =
	    json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text || render_output_add(ro, ".json", (uint8_t *)text, strlen(text))) {
		snprintf(err, errlen, "out of memory rendering json");
		return -1;
	}
	return 0;
}

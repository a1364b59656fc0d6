/* render_json: walks the protobuf descriptors of DossierFigures and FeedbackFigures so the JSON
 * keys are, by construction, the field names of the contract (= the keys of DESIGN §6). */
#include "render.h"
#include "vnfmt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int64_t field_value(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *fd =
	    protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	return fd ? *(const int64_t *)((const char *)m + fd->offset) : 0;
}

/* Adds every int64 field of m to obj under its contract name. */
static void put_counts(json_t *obj, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		int64_t v = *(const int64_t *)((const char *)m + fd->offset);
		json_object_set_new(obj, fd->name, json_integer(v));
	}
}

static void put_rate(json_t *obj, const char *key, long long num, long long den)
{
	json_object_set_new(obj, key, json_real((double)vnfmt_percent_x100(num, den) / 100.0));
}

static json_t *dossier_object(const Cchc__V1__FigureRow *row)
{
	Cchc__V1__DossierFigures zero = CCHC__V1__DOSSIER_FIGURES__INIT;
	const ProtobufCMessage *m = row && row->dossiers ? &row->dossiers->base : &zero.base;
	json_t *o = json_object();
	put_counts(o, m);
	int64_t received = field_value(m, "received"), resolved = field_value(m, "resolved");
	put_rate(o, "rate_online", field_value(m, "received_online"), received);
	put_rate(o, "rate_resolved", resolved, received);
	put_rate(o, "rate_on_time",
	         field_value(m, "resolved_early") + field_value(m, "resolved_on_time"), resolved);
	put_rate(o, "progress_766",
	         field_value(m, "resolved_early") + field_value(m, "resolved_on_time") +
	             field_value(m, "pending_within_due"),
	         field_value(m, "intake"));
	return o;
}

static json_t *identity_check(const Cchc__V1__FigureRow *row)
{
	const ProtobufCMessage *m = &row->dossiers->base;
	int64_t left = field_value(m, "carried_over") + field_value(m, "received");
	int64_t right = field_value(m, "resolved") + field_value(m, "returned") +
	                field_value(m, "withdrawn") + field_value(m, "pending");
	json_t *c = json_object();
	json_object_set_new(c, "check", json_string("identity"));
	json_object_set_new(c, "group", json_string(row->group ? row->group : ""));
	json_object_set_new(c, "key", json_string(row->key ? row->key : ""));
	json_object_set_new(c, "ok", json_boolean(left == right));
	json_object_set_new(c, "left", json_integer(left));
	json_object_set_new(c, "right", json_integer(right));
	return c;
}

int render_json(const render_input *in, render_output *ro, char *err, size_t errlen)
{
	const period *p = in->period;
	const char *scope = in->scope;
	const figures *f = in->figures;
	const Cchc__V1__QueryReply *q = f->query;
	json_t *root = json_object();
	json_t *jp = json_object(), *js = json_object(), *jd = json_object();
	json_t *units = json_array(), *fields = json_array(), *checks = json_array();
	json_object_set_new(jp, "label", json_string(p->label));
	json_object_set_new(jp, "from", json_string(p->first_day));
	json_object_set_new(jp, "to", json_string(p->last_day));
	json_object_set_new(js, "code", json_string(scope));
	json_object_set_new(js, "name", json_string(q->scope_name ? q->scope_name : ""));
	json_object_set_new(jd, "all", dossier_object(figures_row(f, "all", "")));
	static const char *const levels[] = {"province", "district", "commune"};
	for (size_t i = 0; i < 3; i++)
		json_object_set_new(jd, levels[i],
		                    dossier_object(figures_row(f, "level", levels[i])));
	for (size_t i = 0; i < q->n_rows; i++) {
		const Cchc__V1__FigureRow *row = q->rows[i];
		if (!row->group || !row->dossiers)
			continue;
		json_array_append_new(checks, identity_check(row));
		json_t *o;
		if (!strcmp(row->group, "unit")) {
			o = dossier_object(row);
			json_object_set_new(o, "code", json_string(row->key ? row->key : ""));
			json_object_set_new(o, "name", json_string(row->name ? row->name : ""));
			json_object_set_new(o, "level", json_integer(row->level));
			json_object_set_new(o, "parent",
			                    json_string(row->parent ? row->parent : ""));
			json_array_append_new(units, o);
		} else if (!strcmp(row->group, "field")) {
			o = dossier_object(row);
			json_object_set_new(o, "code", json_string(row->key ? row->key : ""));
			json_array_append_new(fields, o);
		}
	}
	json_object_set_new(jd, "units", units);
	json_object_set_new(jd, "fields", fields);
	json_t *fb = json_object();
	Cchc__V1__FeedbackFigures fzero = CCHC__V1__FEEDBACK_FIGURES__INIT;
	put_counts(fb, q->feedback ? &q->feedback->base : &fzero.base);
	json_object_set_new(root, "period", jp);
	json_object_set_new(root, "scope", js);
	json_object_set_new(root, "dossiers", jd);
	json_object_set_new(root, "feedback", fb);
	json_object_set_new(root, "checks", checks);
	char *text =
	    json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text || render_output_add(ro, ".json", (uint8_t *)text, strlen(text))) {
		snprintf(err, errlen, "out of memory rendering json");
		return -1;
	}
	return 0;
}

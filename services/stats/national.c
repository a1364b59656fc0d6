/* national: the scope VN on the Ministry's database (stats_national.h). Each province's figures
 * are asked exactly as its own stack answers them (query.c over its replicated aggregates, or its
 * standing closed version, stored as the province's stats answered it), so a province reads the
 * same nationally as at home; the national rows are only their sums. Each province keeps its own
 * unit structure: the national rows are by province and by level, never by unit. */
#include "stats_national.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "stats_check.h"
#include "stats_db.h"
#include "stats_query.h"

/* The provinces subscribed to, with what the national database knows of each: $1 the time
 * zone the figures are asked in (a province's aggregates built in another zone are stale here). */
static const char provinces_sql[] =
    "SELECT n.code, EXISTS (SELECT 1 FROM units u WHERE u.province = n.code), "
    " COALESCE((SELECT (extract(epoch FROM h.at) * 1000)::bigint FROM replication_heartbeat h "
    "           WHERE h.province = n.code), 0), "
    " COALESCE((SELECT NOT m.units_ok OR m.timezone IS DISTINCT FROM $1 FROM agg_meta m "
    "           WHERE m.province = n.code), false) "
    "FROM national_province n ORDER BY n.code";

/* The standing closed version of one province's own scope for the same bounds and structure. */
static const char closing_sql[] =
    "SELECT version, closed_ms, closed_by, figures FROM period_closing WHERE province = $1 AND "
    "scope = $1 AND from_ms = $2::bigint AND to_ms = $3::bigint AND structure = $4 AND "
    "reopened_ms IS NULL ORDER BY version DESC LIMIT 1";

static const char *const level_keys[] = {"province", "district", "commune"};

/* ---- figures arithmetic, by the messages' descriptors so no figure is ever left out ---- */

static void add_figures(ProtobufCMessage *to, const ProtobufCMessage *from)
{
	const ProtobufCMessageDescriptor *md = to->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &md->fields[i];
		*(int64_t *)(void *)((char *)to + fd->offset) +=
		    *(const int64_t *)(const void *)((const char *)from + fd->offset);
		*(protobuf_c_boolean *)(void *)((char *)to + fd->quantifier_offset) = 1;
	}
}

static void zero_figures(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *md = m->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		*(protobuf_c_boolean *)(void *)((char *)m + md->fields[i].quantifier_offset) = 1;
}

/* ---- the reply being built ---- */

typedef struct vn {
	Cchc__V1__QueryReply *reply;
	size_t rows_cap, sources_cap;
	int oom;
	Cchc__V1__DossierFigures all, level[3];
	/* the summed feedback: the scope's, and each level's (docs/design.md §16: the 766 index's
	 * feedback indicator per row) */
	Cchc__V1__FeedbackFigures feedback, level_feedback[3];
	/* fields summed across provinces, in the order first met, then sorted */
	struct field_sum {
		char *code;
		Cchc__V1__DossierFigures d;
	} * fields;
	size_t nfields, fields_cap;
} vn;

/* fb: the row's feedback (NULL for fields, which have none). */
static void vn_row(vn *v, const char *group, const char *key, const char *name, int level,
                   const char *parent, const Cchc__V1__DossierFigures *d,
                   const Cchc__V1__FeedbackFigures *fb)
{
	Cchc__V1__QueryReply *r = v->reply;
	Cchc__V1__FigureRow *x;

	if (v->oom ||
	    grow_array((void **)&r->rows, &v->rows_cap, r->n_rows + 1, sizeof *r->rows) != 0 ||
	    !(x = calloc(1, sizeof *x))) {
		v->oom = 1;
		return;
	}
	cchc__v1__figure_row__init(x);
	x->group = (char *)group; /* static strings, as query.c's rows */
	x->key = strdup(key);
	x->name = name ? strdup(name) : NULL;
	x->parent = parent ? strdup(parent) : NULL;
	if (level) {
		x->has_level = 1;
		x->level = level;
	}
	x->dossiers = malloc(sizeof *x->dossiers);
	x->feedback = fb ? malloc(sizeof *x->feedback) : NULL;
	r->rows[r->n_rows++] = x;
	if (!x->key || (name && !x->name) || (parent && !x->parent) || !x->dossiers ||
	    (fb && !x->feedback)) {
		v->oom = 1;
		return;
	}
	*x->dossiers = *d;
	x->dossiers->base.unknown_fields = NULL;
	x->dossiers->base.n_unknown_fields = 0;
	if (fb) {
		cchc__v1__feedback_figures__init(x->feedback);
		zero_figures(&x->feedback->base);
		add_figures(&x->feedback->base, &fb->base);
	}
}

static void vn_field(vn *v, const char *code, const Cchc__V1__DossierFigures *d)
{
	size_t i = 0;
	while (i < v->nfields && strcmp(v->fields[i].code, code))
		i++;
	if (i == v->nfields) {
		if (grow_array((void **)&v->fields, &v->fields_cap, v->nfields + 1,
		               sizeof *v->fields) != 0 ||
		    !(v->fields[i].code = strdup(code))) {
			v->oom = 1;
			return;
		}
		cchc__v1__dossier_figures__init(&v->fields[i].d);
		zero_figures(&v->fields[i].d.base);
		v->nfields++;
	}
	add_figures(&v->fields[i].d.base, &d->base);
}

static int field_cmp(const void *a, const void *b)
{
	return strcmp(((const struct field_sum *)a)->code, ((const struct field_sum *)b)->code);
}

static Cchc__V1__ProvinceSource *vn_source(vn *v, const char *code)
{
	Cchc__V1__QueryReply *r = v->reply;
	Cchc__V1__ProvinceSource *s;
	if (v->oom ||
	    grow_array((void **)&r->provinces, &v->sources_cap, r->n_provinces + 1,
	               sizeof *r->provinces) != 0 ||
	    !(s = calloc(1, sizeof *s))) {
		v->oom = 1;
		return NULL;
	}
	cchc__v1__province_source__init(s);
	r->provinces[r->n_provinces++] = s;
	s->feedback = malloc(sizeof *s->feedback);
	if (!(s->code = strdup(code)) || !s->feedback) {
		v->oom = 1;
		return NULL;
	}
	cchc__v1__feedback_figures__init(s->feedback);
	zero_figures(&s->feedback->base);
	return s;
}

void national_sources_clear(Cchc__V1__QueryReply *reply)
{
	for (size_t i = 0; i < reply->n_provinces; i++) {
		Cchc__V1__ProvinceSource *s = reply->provinces[i];
		free(s->code);
		free(s->name);
		free(s->closed_by);
		free(s->feedback);
		free(s);
	}
	free(reply->provinces);
	reply->provinces = NULL;
	reply->n_provinces = 0;
}

/* One province's reply added: its own rows, and into the national sums. A closed version from
 * before issue 15 has no feedback per row: zeros. */
static void vn_add_province(vn *v, const char *code, const Cchc__V1__QueryReply *p)
{
	static const Cchc__V1__DossierFigures zero = CCHC__V1__DOSSIER_FIGURES__INIT;
	static const Cchc__V1__FeedbackFigures fzero = CCHC__V1__FEEDBACK_FIGURES__INIT;
	const Cchc__V1__DossierFigures *all = &zero, *lv[3] = {&zero, &zero, &zero};
	const Cchc__V1__FeedbackFigures *lvfb[3] = {&fzero, &fzero, &fzero};
	int has_units[3] = {0};

	for (size_t i = 0; p && i < p->n_rows; i++) {
		const Cchc__V1__FigureRow *r = p->rows[i];
		if (!r->group || !r->dossiers)
			continue;
		if (!strcmp(r->group, "all"))
			all = r->dossiers;
		else if (!strcmp(r->group, "level") && r->level >= 1 && r->level <= 3) {
			lv[r->level - 1] = r->dossiers;
			if (r->feedback)
				lvfb[r->level - 1] = r->feedback;
		} else if (!strcmp(r->group, "unit") && r->has_level && r->level >= 1 &&
		           r->level <= 3)
			has_units[r->level - 1] = 1;
		else if (!strcmp(r->group, "field"))
			vn_field(v, r->key ? r->key : "", r->dossiers);
	}
	Cchc__V1__DossierFigures d = *all;
	zero_figures(&d.base);
	vn_row(v, "province", code, p && p->scope_name ? p->scope_name : code, 1, "", &d,
	       p && p->feedback ? p->feedback : &fzero);
	add_figures(&v->all.base, &all->base);
	for (int l = 0; l < 3; l++) {
		add_figures(&v->level[l].base, &lv[l]->base);
		add_figures(&v->level_feedback[l].base, &lvfb[l]->base);
		Cchc__V1__DossierFigures x = *lv[l];
		zero_figures(&x.base);
		int any = 0;
		const ProtobufCMessageDescriptor *md = x.base.descriptor;
		for (unsigned f = 0; f < md->n_fields; f++)
			any |= *(const int64_t *)(const void *)((const char *)&x +
			                                        md->fields[f].offset) != 0;
		/* the levels its structure has, and any level with a figure (never hidden) */
		if (has_units[l] || any)
			vn_row(v, "province_level", level_keys[l], NULL, l + 1, code, &x, lvfb[l]);
	}
}

/* The standing closed version of province `code` for req's bounds and structure, unpacked into
 * *out (NULL when there is none). */
static int closed_figures(PGconn *conn, const Cchc__V1__QueryRequest *req, const char *code,
                          Cchc__V1__ProvinceSource *src, Cchc__V1__QueryReply **out, char *err,
                          size_t errlen)
{
	char from[24], to[24];
	const char *params[4] = {code, from, to, req->map_to ? req->map_to : ""};
	*out = NULL;
	snprintf(from, sizeof from, "%" PRId64, req->from_ms);
	snprintf(to, sizeof to, "%" PRId64, req->to_ms);
	PGresult *r = db_query_params(conn, "national: closing", closing_sql, 4, params, NULL, NULL,
	                              err, errlen);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	size_t n = 0;
	unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &n);
	*out = bytes ? cchc__v1__query_reply__unpack(NULL, n, bytes) : NULL;
	PQfreemem(bytes);
	if (!*out) {
		snprintf(err, errlen, "national: province %s's closed version %s does not decode",
		         code, PQgetvalue(r, 0, 0));
		PQclear(r);
		return -1;
	}
	src->has_closed_version = src->has_closed_ms = 1;
	src->closed_version = atoi(PQgetvalue(r, 0, 0));
	src->closed_ms = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	src->closed_by = strdup(PQgetvalue(r, 0, 2));
	PQclear(r);
	return src->closed_by ? 0 : -1;
}

int national_figures_in(PGconn *conn, const Cchc__V1__QueryRequest *req,
                        Cchc__V1__QueryReply *reply, char *err, size_t errlen)
{
	const char *tz = getenv("TZ");
	const char *params[1] = {tz ? tz : ""};
	vn v = {.reply = reply};
	int rc = -1;

	cchc__v1__query_reply__init(reply);
	cchc__v1__dossier_figures__init(&v.all);
	zero_figures(&v.all.base);
	for (int l = 0; l < 3; l++) {
		cchc__v1__dossier_figures__init(&v.level[l]);
		zero_figures(&v.level[l].base);
		cchc__v1__feedback_figures__init(&v.level_feedback[l]);
		zero_figures(&v.level_feedback[l].base);
	}
	cchc__v1__feedback_figures__init(&v.feedback);
	zero_figures(&v.feedback.base);
	PGresult *pr = db_query(conn, "national: provinces", provinces_sql, 1, params, err, errlen);
	if (!pr)
		return -1;
	for (int i = 0; i < PQntuples(pr) && !v.oom; i++) {
		const char *code = PQgetvalue(pr, i, 0);
		Cchc__V1__ProvinceSource *src = vn_source(&v, code);
		Cchc__V1__QueryReply *closed = NULL, own = CCHC__V1__QUERY_REPLY__INIT;
		const Cchc__V1__QueryReply *p = NULL;
		if (!src)
			break;
		src->has_has_data = src->has_current_ms = src->has_aggregates_stale = 1;
		src->has_data = !strcmp(PQgetvalue(pr, i, 1), "t");
		src->current_ms = strtoll(PQgetvalue(pr, i, 2), NULL, 10);
		src->aggregates_stale = !strcmp(PQgetvalue(pr, i, 3), "t");
		if (src->has_data && req->standing &&
		    closed_figures(conn, req, code, src, &closed, err, errlen) != 0)
			goto out;
		if (closed) {
			p = closed;
		} else if (src->has_data) {
			Cchc__V1__QueryRequest sub = *req;
			sub.scope = (char *)code;
			sub.has_as_of_seq = sub.has_as_of_ms = 0;
			if (query_figures_from(conn, &sub, &own, QUERY_AGGREGATES, NULL, err,
			                       errlen) != 0) {
				query_reply_clear(&own);
				goto out;
			}
			p = &own;
		}
		src->name = strdup(p && p->scope_name && *p->scope_name ? p->scope_name : code);
		if (!src->name)
			v.oom = 1;
		if (p && p->feedback) {
			add_figures(&src->feedback->base, &p->feedback->base);
			add_figures(&v.feedback.base, &p->feedback->base);
		}
		vn_add_province(&v, code, p);
		if (closed)
			cchc__v1__query_reply__free_unpacked(closed, NULL);
		query_reply_clear(&own);
	}
	qsort(v.fields, v.nfields, sizeof *v.fields, field_cmp);
	vn_row(&v, "all", "", NULL, 0, NULL, &v.all, &v.feedback);
	for (int l = 0; l < 3; l++)
		vn_row(&v, "level", level_keys[l], NULL, l + 1, NULL, &v.level[l],
		       &v.level_feedback[l]);
	for (size_t f = 0; f < v.nfields; f++)
		vn_row(&v, "field", v.fields[f].code, NULL, 0, NULL, &v.fields[f].d, NULL);
	reply->scope_name = strdup("Toàn quốc");
	reply->feedback = malloc(sizeof *reply->feedback);
	if (v.oom || !reply->scope_name || !reply->feedback) {
		snprintf(err, errlen, "national: out of memory");
		goto out;
	}
	*reply->feedback = v.feedback;
	reply->has_ok = reply->ok = 1;
	rc = 0;
out:
	PQclear(pr);
	for (size_t f = 0; f < v.nfields; f++)
		free(v.fields[f].code);
	free(v.fields);
	return rc;
}

/* ---- cchc check --scope VN ---- */

static const char freshness_sql[] =
    "SELECT n.code, EXISTS (SELECT 1 FROM units u WHERE u.province = n.code), "
    " (SELECT (extract(epoch FROM h.at) * 1000)::bigint FROM replication_heartbeat h "
    "  WHERE h.province = n.code), "
    " COALESCE((SELECT NOT m.units_ok OR m.timezone IS DISTINCT FROM $1 FROM agg_meta m "
    "           WHERE m.province = n.code), false), "
    " (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "FROM national_province n ORDER BY n.code";

/* "dd/mm/yyyy HH:MM:SS" local. */
static void local_time(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(out, len, "%d/%m/%Y %H:%M:%S", &tm))
		snprintf(out, len, "?");
}

int national_check(PGconn *conn, const Cchc__V1__CheckRequest *req, unsigned max_age_s,
                   Cchc__V1__CheckReply *reply)
{
	const char *tz = getenv("TZ");
	const char *params[1] = {tz ? tz : ""};
	check_items it = {.reply = reply};
	char err[512];
	PGresult *r = NULL;
	int rc = -1;

	cchc__v1__check_reply__init(reply);
	if (db_ensure(conn, err, sizeof err) != 0 ||
	    db_begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err, sizeof err) != 0)
		goto fail;
	r = db_query(conn, "check: provinces", freshness_sql, 1, params, err, sizeof err);
	if (!r)
		goto done;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *code = PQgetvalue(r, i, 0);
		int has_data = !strcmp(PQgetvalue(r, i, 1), "t");
		int64_t now = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		int64_t at = PQgetisnull(r, i, 2) ? 0 : strtoll(PQgetvalue(r, i, 2), NULL, 10);
		int64_t age_s = at ? (now - at) / 1000 : -1;
		char when[40];
		if (!has_data)
			check_add_item(
			    &it, "no_data", 0, code, 0,
			    "province %s: nothing of it has arrived yet (its subscription: "
			    "cchc status)",
			    code);
		if (!at) {
			check_add_item(
			    &it, "stale_province", 0, code, 0,
			    "province %s: no heartbeat has arrived: its figures cannot be "
			    "dated (is it publishing? cchc status)",
			    code);
		} else {
			local_time(at, when, sizeof when);
			check_add_item(&it, "stale_province", age_s <= (int64_t)max_age_s, code,
			               age_s,
			               "province %s: figures complete up to %s, %" PRId64
			               " s ago (national.max_age %u s)",
			               code, when, age_s, max_age_s);
		}
		if (!strcmp(PQgetvalue(r, i, 3), "t"))
			check_add_item(
			    &it, "aggregates_stale", 0, code, 0,
			    "province %s: its aggregates await a rebuild after a registry "
			    "change (or were built in another time zone): its figures are "
			    "not current until its stats rebuilds them",
			    code);
	}
	if (req->has_from_ms && req->has_to_ms && req->from_ms < req->to_ms) {
		Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
		Cchc__V1__QueryReply figures = CCHC__V1__QUERY_REPLY__INIT;
		q.has_from_ms = q.has_to_ms = 1;
		q.from_ms = req->from_ms;
		q.to_ms = req->to_ms;
		q.scope = (char *)NATIONAL_SCOPE;
		int qr = national_figures_in(conn, &q, &figures, err, sizeof err);
		if (qr == 0)
			check_identity_items(&it, &figures);
		national_sources_clear(&figures);
		query_reply_clear(&figures);
		if (qr != 0)
			goto done;
	}
	rc = 0;
done:
	PQclear(r);
	return check_finish(conn, &it, rc, err);
fail:
	return check_refuse(reply, err);
}

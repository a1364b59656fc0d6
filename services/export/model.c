/* model: turns stats' rows into the rows every report format shows, by one set of rules
 * (docs/design.md §6-§8, docs/decisions.md "One model for every format"). Stats decides which units
 * a scope and period have (the structure of the period's last day, or as recorded); here rows of
 * one unit listed once per registry snapshot become one row, a level is shown when the structure
 * has units of it or it has figures (a count is never hidden), and the rates are rounded once. */
#include "model.h"

#include "vnfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const level_key[] = {"", "province", "district", "commune"};
static const char *const level_name[] = {"Đơn vị chưa xác định cấp", "Cấp tỉnh", "Cấp huyện",
                                         "Cấp xã"};
static const char *const level_table_label[] = {"Đơn vị chưa xác định cấp", "Sở, ban, ngành",
                                                "Huyện, thị xã, thành phố", "Xã, phường, thị trấn"};

/* The field codes `cchc gen` and the province's one-stop systems use (tools/cchc/gen.c). */
static const struct {
	const char *code, *name;
} field_names[] = {
    {"hotich", "Hộ tịch"},
    {"chungthuc", "Chứng thực"},
    {"datdai", "Đất đai"},
    {"dangkykinhdoanh", "Đăng ký kinh doanh"},
    {"xaydung", "Xây dựng"},
    {"tuphap", "Tư pháp"},
    {"laodong", "Lao động, thương binh và xã hội"},
    {"giaothong", "Giao thông vận tải"},
    {"yte", "Y tế"},
    {"giaoduc", "Giáo dục và đào tạo"},
    {"congthuong", "Công thương"},
    {"nongnghiep", "Nông nghiệp và phát triển nông thôn"},
};

const char *model_field_name(const char *code)
{
	for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
		if (!strcmp(code, field_names[i].code))
			return field_names[i].name;
	return NULL;
}

void model_rates_of(const Cchc__V1__DossierFigures *d, model_rates *r)
{
	long long on_time = d->resolved_early + d->resolved_on_time;
	r->online_x100 = vnfmt_percent_x100(d->received_online, d->received);
	r->resolved_x100 = vnfmt_percent_x100(d->resolved, d->received);
	r->on_time_x100 = vnfmt_percent_x100(on_time, d->resolved);
	r->progress_766_x100 = vnfmt_percent_x100(on_time + d->pending_within_due, d->intake);
	r->digitized_x100 = vnfmt_percent_x100(d->digitized, d->received);
	r->paid_online_x100 = vnfmt_percent_x100(d->paid_online, d->received);
	r->satisfied_x100 = vnfmt_percent_x100(d->rated_satisfied, d->rated);
	r->has_online = r->has_resolved = d->received > 0;
	r->has_on_time = d->resolved > 0;
	r->has_progress_766 = d->intake > 0;
	r->has_satisfied = d->rated > 0;
}

/* Every int64 figure of DossierFigures (and FeedbackFigures), in proto order: summing and testing
 * for zero walk the message's descriptor so a figure added to the contract is never forgotten
 * here. */
static int64_t *figure_at(void *m, const ProtobufCFieldDescriptor *fd)
{
	return (int64_t *)(void *)((char *)m + fd->offset);
}

static void message_add(ProtobufCMessage *to, const ProtobufCMessage *from)
{
	const ProtobufCMessageDescriptor *md = to->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		*figure_at(to, &md->fields[i]) += *figure_at((void *)from, &md->fields[i]);
}

static void figures_add(Cchc__V1__DossierFigures *to, const Cchc__V1__DossierFigures *from)
{
	message_add(&to->base, &from->base);
}

static int figures_any(const Cchc__V1__DossierFigures *d)
{
	const ProtobufCMessageDescriptor *md = &cchc__v1__dossier_figures__descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		if (*figure_at((Cchc__V1__DossierFigures *)d, &md->fields[i]))
			return 1;
	return 0;
}

static void row_set(model_row *r, const char *code, const char *name,
                    const Cchc__V1__DossierFigures *d)
{
	static const Cchc__V1__DossierFigures zero = CCHC__V1__DOSSIER_FIGURES__INIT;
	static const Cchc__V1__FeedbackFigures fzero = CCHC__V1__FEEDBACK_FIGURES__INIT;
	r->code = code ? code : "";
	r->name = name ? name : "";
	r->parent = "";
	r->d = d ? *d : zero;
	r->fb = fzero;
}

/* The feedback stats counted for a row (none for fields, or from a stats before issue 15). */
static void row_feedback(model_row *r, const Cchc__V1__FigureRow *x)
{
	if (x && x->feedback)
		r->fb = *x->feedback;
}

static int is_group(const Cchc__V1__FigureRow *r, const char *group)
{
	return r->group && !strcmp(r->group, group);
}

static int unit_level(const Cchc__V1__FigureRow *r)
{
	return r->has_level && r->level >= 1 && r->level <= 3 ? r->level : 0;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* Rows of one code, level and name are one unit listed once per registry snapshot (its meaning
 * did not change): they combine. A code reused with another name is another unit. */
static model_row *unit_slot(model_row *units, size_t *n, const Cchc__V1__FigureRow *r)
{
	const char *code = str(r->key), *name = r->name && *r->name ? r->name : code;
	int level = unit_level(r);
	for (size_t i = 0; i < *n; i++)
		if (units[i].level == level && !strcmp(units[i].code, code) &&
		    !strcmp(units[i].name, name))
			return &units[i];
	model_row *u = &units[(*n)++];
	row_set(u, code, name, NULL);
	u->level = level;
	u->parent = str(r->parent);
	return u;
}

/* Commune names repeat across districts: a commune under a district says which. Under the
 * province (or the city after the two-tier reform) it needs nothing. */
static const char *district_name(const report_model *m, const char *parent)
{
	if (!*parent)
		return NULL;
	for (size_t i = 0; i < m->n_units; i++)
		if (m->units[i].level == 2 && !strcmp(m->units[i].code, parent))
			return m->units[i].name;
	return NULL;
}

static int build_units(const Cchc__V1__QueryReply *q, report_model *m)
{
	model_row *found = calloc(q->n_rows + 1, sizeof *found);
	size_t nfound = 0;
	if (!found)
		return -1;
	for (size_t i = 0; i < q->n_rows; i++)
		if (is_group(q->rows[i], "unit")) {
			model_row *u = unit_slot(found, &nfound, q->rows[i]);
			if (q->rows[i]->dossiers)
				figures_add(&u->d, q->rows[i]->dossiers);
			if (q->rows[i]->feedback)
				message_add(&u->fb.base, &q->rows[i]->feedback->base);
		}
	m->units = calloc(nfound + 1, sizeof *m->units);
	if (!m->units) {
		free(found);
		return -1;
	}
	/* report order: province, district, commune, then units of no known level; within a level
	 * stats' order (parent, code) */
	for (int k = 1; k <= 4; k++)
		for (size_t i = 0; i < nfound; i++)
			if (found[i].level == k % 4)
				m->units[m->n_units++] = found[i];
	free(found);
	for (size_t i = 0; i < m->n_units; i++) {
		model_row *u = &m->units[i];
		if (u->level == 3)
			u->parent_name = district_name(m, u->parent);
		model_rates_of(&u->d, &u->rates);
	}
	return 0;
}

/* A level shown in the report: its name, labels and rates. */
static void level_set(model_level *l, int lv)
{
	l->row.level = lv;
	model_rates_of(&l->row.d, &l->row.rates);
	l->level = lv;
	l->key = level_key[lv];
	l->name = level_name[lv];
	l->table_label = level_table_label[lv];
}

static void message_sub(ProtobufCMessage *from, const ProtobufCMessage *what)
{
	const ProtobufCMessageDescriptor *md = from->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		*figure_at(from, &md->fields[i]) -= *figure_at((void *)what, &md->fields[i]);
}

/* all - (province + district + commune): the dossiers and feedback of offices the registry has no
 * level for. */
static void row_rest(model_row *rest, const model_row *all, const model_level *levels, size_t n)
{
	rest->d = all->d;
	rest->fb = all->fb;
	for (size_t i = 0; i < n; i++) {
		message_sub(&rest->d.base, &levels[i].row.d.base);
		message_sub(&rest->fb.base, &levels[i].row.fb.base);
	}
}

/* The national scope's provinces (docs/design.md §15), from stats' "province" and
 * "province_level" rows and its ProvinceSource list: each keeps its own levels. */
static int build_provinces(const figures *f, report_model *m)
{
	const Cchc__V1__QueryReply *q = f->query;
	m->provinces = calloc(q->n_provinces + 1, sizeof *m->provinces);
	if (!m->provinces)
		return -1;
	for (size_t i = 0; i < q->n_provinces; i++) {
		const Cchc__V1__ProvinceSource *s = q->provinces[i];
		const char *code = str(s->code);
		model_province *p = &m->provinces[m->n_provinces++];
		const Cchc__V1__FigureRow *r = figures_row(f, "province", code);
		row_set(&p->row, code, s->name && *s->name ? s->name : code,
		        r ? r->dossiers : NULL);
		p->row.level = 1;
		model_rates_of(&p->row.d, &p->row.rates);
		for (int lv = 1; lv <= 3; lv++)
			for (size_t k = 0; k < q->n_rows; k++) {
				const Cchc__V1__FigureRow *x = q->rows[k];
				if (!is_group(x, "province_level") ||
				    strcmp(str(x->parent), code) ||
				    strcmp(str(x->key), level_key[lv]))
					continue;
				model_level *l = &p->levels[p->n_levels++];
				row_set(&l->row, level_key[lv], level_name[lv], x->dossiers);
				row_feedback(&l->row, x);
				level_set(l, lv);
			}
		if (s->feedback)
			p->feedback = *s->feedback;
		else
			p->feedback = (Cchc__V1__FeedbackFigures)CCHC__V1__FEEDBACK_FIGURES__INIT;
		/* the province's total feedback, as its own stack's "all" row has it */
		p->row.fb = p->feedback;
		model_level *rest = &p->levels[p->n_levels];
		memset(rest, 0, sizeof *rest);
		row_rest(&rest->row, &p->row, p->levels, p->n_levels);
		if (figures_any(&rest->row.d)) {
			rest->row.code = level_key[0];
			rest->row.name = level_name[0];
			rest->row.parent = "";
			level_set(rest, 0);
			p->n_levels++;
		}
		p->has_data = s->has_has_data ? s->has_data : 1;
		p->closed_version = s->closed_version;
		p->closed_ms = s->closed_ms;
		p->closed_by = str(s->closed_by);
		p->current_ms = s->current_ms;
		p->aggregates_stale = s->aggregates_stale;
	}
	return 0;
}

static void build_levels(const figures *f, report_model *m)
{
	for (int k = 1; k <= 4; k++) {
		int lv = k % 4;
		size_t first = m->n_units, n = 0;
		for (size_t i = 0; i < m->n_units; i++)
			if (m->units[i].level == lv) {
				if (first == m->n_units)
					first = i;
				n++;
			}
		model_level *l = &m->levels[m->n_levels];
		memset(l, 0, sizeof *l);
		const Cchc__V1__FigureRow *r = lv ? figures_row(f, "level", level_key[lv]) : NULL;
		row_set(&l->row, level_key[lv], level_name[lv], r ? r->dossiers : NULL);
		row_feedback(&l->row, r);
		if (lv == 0)
			for (size_t i = first; i < first + n; i++) {
				figures_add(&l->row.d, &m->units[i].d);
				message_add(&l->row.fb.base, &m->units[i].fb.base);
			}
		/* nationally, the provinces' own dossiers and feedback of unknown level */
		if (lv == 0 && m->national)
			row_rest(&l->row, &m->all, m->levels, m->n_levels);
		/* shown when the structure has units of the level, or when it has figures anyway;
		 * nationally when a province shows it */
		int shown = n || figures_any(&l->row.d);
		for (size_t i = 0; i < m->n_provinces && !shown; i++)
			for (size_t j = 0; j < m->provinces[i].n_levels; j++)
				shown |= m->provinces[i].levels[j].level == lv;
		if (!shown)
			continue;
		level_set(l, lv);
		l->first_unit = n ? first : 0;
		l->n_units = n;
		m->n_levels++;
	}
}

/* Fields with any figure; a field is not a place whose silence means something. */
static int build_fields(const Cchc__V1__QueryReply *q, report_model *m)
{
	m->fields = calloc(q->n_rows + 1, sizeof *m->fields);
	if (!m->fields)
		return -1;
	for (size_t i = 0; i < q->n_rows; i++) {
		const Cchc__V1__FigureRow *r = q->rows[i];
		if (!is_group(r, "field") || !r->dossiers || !figures_any(r->dossiers))
			continue;
		const char *code = str(r->key), *name = model_field_name(code);
		model_row *x = &m->fields[m->n_fields++];
		row_set(x, code,
		        name    ? name
		        : *code ? code
		                : "Chưa xác định lĩnh vực",
		        r->dossiers);
		model_rates_of(&x->d, &x->rates);
	}
	return 0;
}

int model_build(const figures *f, const char *scope, report_model *m, char *err, size_t errlen)
{
	static const Cchc__V1__FeedbackFigures fzero = CCHC__V1__FEEDBACK_FIGURES__INIT;
	const Cchc__V1__QueryReply *q = f->query;
	const Cchc__V1__FigureRow *all = figures_row(f, "all", "");

	memset(m, 0, sizeof *m);
	m->scope_code = str(scope);
	m->scope_name = str(q->scope_name);
	row_set(&m->all, "", m->scope_name, all ? all->dossiers : NULL);
	model_rates_of(&m->all.d, &m->all.rates);
	m->feedback = q->feedback ? *q->feedback : fzero;
	m->all.fb = m->feedback;
	m->national = q->n_provinces > 0 || !strcmp(m->scope_code, "VN");
	if (build_units(q, m) || build_fields(q, m) || (m->national && build_provinces(f, m))) {
		snprintf(err, errlen, "out of memory building the report's rows");
		return -1;
	}
	for (size_t i = 0; i < m->n_units; i++)
		if (!strcmp(m->units[i].code, m->scope_code)) {
			m->scope_level = m->units[i].level;
			break;
		}
	build_levels(f, m);
	return 0;
}

void model_free(report_model *m)
{
	free(m->units);
	free(m->fields);
	free(m->provinces);
	memset(m, 0, sizeof *m);
}

void model_province_source(const model_province *p, char *out, size_t len)
{
	time_t t = (time_t)((p->closed_version ? p->closed_ms : p->current_ms) / 1000);
	struct tm tm;
	char dmy[40] = "?", hm[24] = "?";
	if (localtime_r(&t, &tm)) {
		snprintf(dmy, sizeof dmy, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1,
		         tm.tm_year + 1900);
		snprintf(hm, sizeof hm, "%02d:%02d", tm.tm_hour, tm.tm_min);
	}
	if (!p->has_data)
		snprintf(out, len, "chưa có số liệu");
	else if (p->closed_version)
		snprintf(out, len, "số liệu chốt ngày %s, phiên bản %d", dmy, p->closed_version);
	else if (p->current_ms)
		snprintf(out, len, "số liệu cập nhật đến %s ngày %s%s", hm, dmy,
		         p->aggregates_stale ? ", đang tính lại" : "");
	else
		snprintf(out, len, "số liệu chưa xác định thời điểm cập nhật");
}

const model_level *model_level_get(const report_model *m, int level)
{
	for (size_t i = 0; i < m->n_levels; i++)
		if (m->levels[i].level == level)
			return &m->levels[i];
	return NULL;
}

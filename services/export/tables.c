/* tables: every row and column of the form II.06a tables is computed here once, from the stats
 * rows "all", "level", "unit", "field" and the feedback figures, so the XLSX and the CSV cannot
 * differ. Level headings and totals carry stats' own figures for the level and the scope, not sums
 * made here, so the checks compare two independent counts: a table that does not add up is never
 * rendered. */
#include "tables.h"

#include "model.h"
#include "vnfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- columns ---- */

static const char G_INTAKE[] = "Số hồ sơ nhận giải quyết";
static const char G_RESOLVED[] = "Số hồ sơ đã giải quyết";
static const char G_PENDING[] = "Số hồ sơ đang giải quyết";

#define DOSSIER_COLUMNS(label)                                                                     \
	{                                                                                          \
		{NULL, "TT", "tt", 0}, {NULL, label, "label", 0},                                  \
		    {G_INTAKE, "Tổng số", "intake", 0},                                            \
		    {G_INTAKE, "Trực tuyến", "received_online", 0},                                \
		    {G_INTAKE, "Trực tiếp, dịch vụ bưu chính", "received_direct_postal", 0},       \
		    {G_INTAKE, "Từ kỳ trước", "carried_over", 0},                                  \
		    {G_RESOLVED, "Tổng số", "resolved", 0},                                        \
		    {G_RESOLVED, "Trước hạn", "resolved_early", 0},                                \
		    {G_RESOLVED, "Đúng hạn", "resolved_on_time", 0},                               \
		    {G_RESOLVED, "Quá hạn", "resolved_late", 0},                                   \
		    {G_PENDING, "Tổng số", "pending", 0},                                          \
		    {G_PENDING, "Trong hạn", "pending_within_due", 0},                             \
		    {G_PENDING, "Quá hạn", "pending_overdue", 0},                                  \
	}

static const tables_column level_cols[] = DOSSIER_COLUMNS("Cấp hành chính");
static const tables_column unit_cols[] = DOSSIER_COLUMNS("Đơn vị");
static const tables_column province_cols[] = DOSSIER_COLUMNS("Tỉnh, thành phố / cấp hành chính");
static const tables_column field_cols[] = DOSSIER_COLUMNS("Lĩnh vực");
#define NDOSSIER_COLS (sizeof level_cols / sizeof level_cols[0])

static const char G_FB_IN[] = "Số phản ánh, kiến nghị tiếp nhận";
static const char G_FB_TOPIC[] = "Phân loại số mới tiếp nhận";
static const char G_FB_DONE[] = "Số phản ánh, kiến nghị đã xử lý";

static const tables_column feedback_cols[] = {
    {NULL, "TT", "tt", 0},
    {NULL, "Đơn vị", "label", 0},
    {G_FB_IN, "Tổng số", "total", 0},
    {G_FB_IN, "Từ kỳ trước", "carried_over", 0},
    {G_FB_IN, "Mới tiếp nhận", "received", 0},
    {G_FB_TOPIC, "Về quy định hành chính", "about_regulation", 0},
    {G_FB_TOPIC, "Về hành vi hành chính", "about_behavior", 0},
    {G_FB_DONE, "Tổng số", "resolved", 0},
    {G_FB_DONE, "Trong đó đã công khai", "published", 0},
    {NULL, "Số phản ánh, kiến nghị đang xử lý", "pending", 0},
};
#define NFEEDBACK_COLS (sizeof feedback_cols / sizeof feedback_cols[0])

/* docs/design.md §16: the ratings of the dossiers finished in the period (resolved, returned or
 * withdrawn), each by its latest rating. */
static const char G_RATED[] = "Số hồ sơ được đánh giá";

#define SATISFACTION_COLUMNS(label)                                                                \
	{                                                                                          \
		{NULL, "TT", "tt", 0}, {NULL, label, "label", 0},                                  \
		    {NULL, "Số hồ sơ đã giải quyết xong (có kết quả, trả lại, rút)", "finished",   \
		     0},                                                                           \
		    {G_RATED, "Tổng số", "rated", 0},                                              \
		    {G_RATED, "Rất hài lòng, hài lòng", "rated_satisfied", 0},                     \
		    {G_RATED, "Không hài lòng", "rated_unsatisfied", 0},                           \
		    {NULL, "Tỷ lệ hài lòng (%)", "rate_satisfied", 1 + 1},                         \
	}

static const tables_column satisfaction_cols[] = SATISFACTION_COLUMNS("Đơn vị");
static const tables_column province_satisfaction_cols[] =
    SATISFACTION_COLUMNS("Tỉnh, thành phố / cấp hành chính");
#define NSATISFACTION_COLS (sizeof satisfaction_cols / sizeof satisfaction_cols[0])

/* ---- arithmetic within a row: value indices (column number - 3) ---- */

typedef struct row_rule {
	int lhs;
	int rhs[3];
	int n;
} row_rule;

static const row_rule dossier_rules[] = {
    {0, {1, 2, 3}, 3}, /* (3) = (4) + (5) + (6) */
    {4, {5, 6, 7}, 3}, /* (7) = (8) + (9) + (10) */
    {8, {9, 10}, 2},   /* (11) = (12) + (13) */
};
static const row_rule feedback_rules[] = {
    {0, {1, 2}, 2}, /* (3) = (4) + (5) */
    {2, {3, 4}, 2}, /* (5) = (6) + (7) */
    {0, {5, 7}, 2}, /* (3) = (8) + (10) */
};
static const row_rule satisfaction_rules[] = {
    {1, {2, 3}, 2}, /* (4) = (5) + (6) */
};

/* ---- building: the rows are the model's (model.c); only the layout is decided here ---- */

const tables_kind tables_kinds[TABLES_N] = {
    [TABLES_BY_LEVEL] = {"theo-cap", "Theo cấp"},
    [TABLES_BY_UNIT] = {"theo-don-vi", "Theo đơn vị"},
    [TABLES_BY_FIELD] = {"theo-linh-vuc", "Theo lĩnh vực"},
    [TABLES_FEEDBACK] = {"phan-anh-kien-nghi", "Phản ánh, kiến nghị"},
    [TABLES_SATISFACTION] = {"hai-long", "Mức độ hài lòng"},
};

/* The national scope's TABLES_BY_UNIT: by province (docs/design.md §15). */
const tables_kind tables_national_by_province = {"theo-tinh", "Theo tỉnh, thành phố"};

static const char *const roman[] = {"I", "II", "III", "IV"};

static void dossier_values(const Cchc__V1__DossierFigures *d, int64_t v[TABLES_MAX_VALUES])
{
	memset(v, 0, sizeof(int64_t) * TABLES_MAX_VALUES);
	v[0] = d->intake;
	v[1] = d->received_online;
	v[2] = d->received_direct + d->received_postal;
	v[3] = d->carried_over;
	v[4] = d->resolved;
	v[5] = d->resolved_early;
	v[6] = d->resolved_on_time;
	v[7] = d->resolved_late;
	v[8] = d->pending;
	v[9] = d->pending_within_due;
	v[10] = d->pending_overdue;
}

static tables_row *add_row(tables_table *t, size_t cap, tables_row_kind kind, const char *tt,
                           const char *code, const char *label)
{
	if (t->nrows == cap)
		return NULL;
	tables_row *r = &t->rows[t->nrows++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	snprintf(r->tt, sizeof r->tt, "%s", tt);
	snprintf(r->code, sizeof r->code, "%s", code ? code : "");
	snprintf(r->label, sizeof r->label, "%s", label);
	return r;
}

static void table_init(tables_table *t, int kind, const char *subtitle, const tables_column *cols,
                       size_t ncols)
{
	t->id = tables_kinds[kind].id;
	t->sheet = tables_kinds[kind].sheet;
	t->form = "Biểu số II.06a/VPCP/KSTT";
	t->title = "Tình hình, kết quả giải quyết TTHC";
	t->subtitle = subtitle;
	t->unit_of_count = "Đơn vị tính: Số hồ sơ TTHC";
	t->cols = cols;
	t->ncols = ncols;
}

static int build_by_level(const report_model *m, tables_table *t)
{
	size_t cap = m->n_levels + 1;
	table_init(t, TABLES_BY_LEVEL, "(theo cấp hành chính)", level_cols, NDOSSIER_COLS);
	t->rows = calloc(cap, sizeof *t->rows);
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < m->n_levels; i++) {
		const model_level *l = &m->levels[i];
		char tt[24];
		snprintf(tt, sizeof tt, "%zu", i + 1);
		dossier_values(&l->row.d,
		               add_row(t, cap, TABLES_ROW_ITEM, tt, l->key, l->table_label)->v);
	}
	dossier_values(&m->all.d, add_row(t, cap, TABLES_ROW_TOTAL, "", "", "Tổng cộng")->v);
	return 0;
}

typedef void (*row_values)(const model_row *r, int64_t v[TABLES_MAX_VALUES]);

static void dossier_row_values(const model_row *r, int64_t v[TABLES_MAX_VALUES])
{
	dossier_values(&r->d, v);
}

/* The rows of a table by unit: each level's heading (I, II, III) with the level's own figures,
 * its units (1, 2, …) under it, the total last. Every unit of the model is a row, those with
 * nothing at all included: a silent office is itself worth seeing on the form. */
static int unit_rows(const report_model *m, tables_table *t, row_values values)
{
	size_t cap = m->n_units + m->n_levels + 1;
	t->rows = calloc(cap, sizeof *t->rows);
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < m->n_levels; i++) {
		const model_level *l = &m->levels[i];
		values(&l->row,
		       add_row(t, cap, TABLES_ROW_GROUP, roman[i], l->key, l->table_label)->v);
		for (size_t k = 0; k < l->n_units; k++) {
			const model_row *u = &m->units[l->first_unit + k];
			char tt[24], label[256];
			snprintf(tt, sizeof tt, "%zu", k + 1);
			if (u->parent_name)
				snprintf(label, sizeof label, "%.150s (%.100s)", u->name,
				         u->parent_name);
			else
				snprintf(label, sizeof label, "%.250s", u->name);
			values(u, add_row(t, cap, TABLES_ROW_ITEM, tt, u->code, label)->v);
		}
	}
	values(&m->all, add_row(t, cap, TABLES_ROW_TOTAL, "", "", "Tổng cộng")->v);
	return 0;
}

static int build_by_unit(const report_model *m, tables_table *t)
{
	table_init(t, TABLES_BY_UNIT, "(theo đơn vị)", unit_cols, NDOSSIER_COLS);
	return unit_rows(m, t, dossier_row_values);
}

/* The national scope VN (docs/design.md §15): each province a heading row with its totals and
 * where they come from, its own levels under it (a, b, c); the total last. */
static int province_rows(const report_model *m, tables_table *t, row_values values)
{
	size_t cap = 1;
	for (size_t i = 0; i < m->n_provinces; i++)
		cap += 1 + m->provinces[i].n_levels;
	t->rows = calloc(cap, sizeof *t->rows);
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < m->n_provinces; i++) {
		const model_province *p = &m->provinces[i];
		char tt[24], source[160], label[256];
		snprintf(tt, sizeof tt, "%zu", i + 1);
		model_province_source(p, source, sizeof source);
		snprintf(label, sizeof label, "%.90s (%s)", p->row.name, source);
		values(&p->row, add_row(t, cap, TABLES_ROW_GROUP, tt, p->row.code, label)->v);
		for (size_t k = 0; k < p->n_levels; k++) {
			const model_level *l = &p->levels[k];
			snprintf(tt, sizeof tt, "%c", (char)('a' + k));
			values(&l->row,
			       add_row(t, cap, TABLES_ROW_ITEM, tt, l->key, l->table_label)->v);
		}
	}
	values(&m->all, add_row(t, cap, TABLES_ROW_TOTAL, "", "", "Tổng cộng")->v);
	return 0;
}

static int build_by_province(const report_model *m, tables_table *t)
{
	table_init(t, TABLES_BY_UNIT, "(theo tỉnh, thành phố trực thuộc trung ương)", province_cols,
	           NDOSSIER_COLS);
	t->id = tables_national_by_province.id;
	t->sheet = tables_national_by_province.sheet;
	return province_rows(m, t, dossier_row_values);
}

static int build_by_field(const report_model *m, tables_table *t)
{
	size_t cap = m->n_fields + 1;
	table_init(t, TABLES_BY_FIELD, "(theo lĩnh vực)", field_cols, NDOSSIER_COLS);
	t->rows = calloc(cap, sizeof *t->rows);
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < m->n_fields; i++) {
		char tt[24];
		snprintf(tt, sizeof tt, "%zu", i + 1);
		dossier_values(
		    &m->fields[i].d,
		    add_row(t, cap, TABLES_ROW_ITEM, tt, m->fields[i].code, m->fields[i].name)->v);
	}
	dossier_values(&m->all.d, add_row(t, cap, TABLES_ROW_TOTAL, "", "", "Tổng cộng")->v);
	return 0;
}

static void feedback_values(const Cchc__V1__FeedbackFigures *fb, tables_row *r)
{
	r->v[0] = fb->carried_over + fb->received;
	r->v[1] = fb->carried_over;
	r->v[2] = fb->received;
	r->v[3] = fb->about_regulation;
	r->v[4] = fb->about_behavior;
	r->v[5] = fb->resolved;
	r->v[6] = fb->published;
	r->v[7] = fb->pending;
}

/* Stats counts feedback for the scope as a whole, so the table has the scope's row only; the
 * national scope's has a row per province above the total. */
static int build_feedback(const report_model *m, tables_table *t)
{
	size_t cap = m->n_provinces + 1;
	table_init(t, TABLES_FEEDBACK, NULL, feedback_cols, NFEEDBACK_COLS);
	t->form = NULL;
	t->title = "Tình hình, kết quả tiếp nhận, xử lý phản ánh, kiến nghị";
	t->unit_of_count = "Đơn vị tính: Số phản ánh, kiến nghị";
	t->rows = calloc(cap, sizeof *t->rows);
	if (!t->rows)
		return -1;
	for (size_t i = 0; i < m->n_provinces; i++) {
		char tt[24];
		snprintf(tt, sizeof tt, "%zu", i + 1);
		feedback_values(&m->provinces[i].feedback,
		                add_row(t, cap, TABLES_ROW_ITEM, tt, m->provinces[i].row.code,
		                        m->provinces[i].row.name));
	}
	const char *name = *m->scope_name ? m->scope_name : m->scope_code;
	feedback_values(&m->feedback, add_row(t, cap, TABLES_ROW_TOTAL, "", m->scope_code,
	                                      m->national ? "Tổng cộng" : name));
	return 0;
}

static void satisfaction_values(const model_row *r, int64_t v[TABLES_MAX_VALUES])
{
	const Cchc__V1__DossierFigures *d = &r->d;
	memset(v, 0, sizeof(int64_t) * TABLES_MAX_VALUES);
	v[0] = d->resolved + d->returned + d->withdrawn;
	v[1] = d->rated;
	v[2] = d->rated_satisfied;
	v[3] = d->rated_unsatisfied;
	v[4] = r->rates.satisfied_x100; /* the model's rate, rounded once; 0 with nothing rated */
}

/* The satisfaction table, laid out as the by-unit table (level headings, their units, the
 * total), or nationally as the by-province one. */
static int build_satisfaction(const report_model *m, tables_table *t)
{
	if (m->national)
		table_init(t, TABLES_SATISFACTION, "(theo tỉnh, thành phố trực thuộc trung ương)",
		           province_satisfaction_cols, NSATISFACTION_COLS);
	else
		table_init(t, TABLES_SATISFACTION, "(theo đơn vị)", satisfaction_cols,
		           NSATISFACTION_COLS);
	t->form = NULL;
	t->title = "Kết quả đánh giá sự hài lòng của người dân, doanh nghiệp trong giải quyết TTHC";
	return m->national ? province_rows(m, t, satisfaction_values)
	                   : unit_rows(m, t, satisfaction_values);
}

/* "2023-12-15" -> "15/12/2023" */
static void vn_date(const char *iso, char out[11])
{
	snprintf(out, 11, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
}

int tables_build(const render_input *in, tables_set *out, char *err, size_t errlen)
{
	report_model m;
	char from[11], to[11];

	memset(out, 0, sizeof *out);
	if (model_build(in->figures, in->scope, &m, err, errlen)) {
		model_free(&m);
		return -1;
	}
	snprintf(out->reporting_unit, sizeof out->reporting_unit, "Đơn vị báo cáo: %.250s",
	         *m.scope_name ? m.scope_name : m.scope_code);
	vn_date(in->period->first_day, from);
	vn_date(in->period->last_day, to);
	snprintf(out->period_line, sizeof out->period_line, "Kỳ báo cáo (Từ ngày %s đến ngày %s)",
	         from, to);
	int oom = build_by_level(&m, &out->t[TABLES_BY_LEVEL]) ||
	          (m.national ? build_by_province(&m, &out->t[TABLES_BY_UNIT])
	                      : build_by_unit(&m, &out->t[TABLES_BY_UNIT])) ||
	          build_by_field(&m, &out->t[TABLES_BY_FIELD]) ||
	          build_feedback(&m, &out->t[TABLES_FEEDBACK]) ||
	          build_satisfaction(&m, &out->t[TABLES_SATISFACTION]);
	model_free(&m);
	if (oom) {
		snprintf(err, errlen, "out of memory building the tables");
		return -1;
	}
	for (int i = 0; i < TABLES_N; i++)
		if (tables_check(&out->t[i], err, errlen))
			return -1;
	return 0;
}

void tables_cell_text(const tables_table *t, const tables_row *r, size_t c, char *buf, size_t len)
{
	int per = t->cols[c].percent;
	if (!per)
		vnfmt_count(r->v[c - 2], buf, len);
	else if (r->v[per - 1] == 0)
		snprintf(buf, len, "-");
	else
		vnfmt_percent(r->v[c - 2], buf, len);
}

void tables_free(tables_set *s)
{
	for (int i = 0; i < TABLES_N; i++) {
		free(s->t[i].rows);
		s->t[i].rows = NULL;
		s->t[i].nrows = 0;
	}
}

/* ---- checks ---- */

static void row_name(const tables_row *r, char *buf, size_t len)
{
	if (r->code[0] && strcmp(r->code, r->label))
		snprintf(buf, len, "'%.200s' (%.39s)", r->label, r->code);
	else
		snprintf(buf, len, "'%.240s'", r->label);
}

static int refuse(const tables_table *t, const tables_row *r, char *err, size_t errlen,
                  const char *what)
{
	char name[256];
	row_name(r, name, sizeof name);
	snprintf(err, errlen, "table %s, row %s: %s; the tables are not rendered", t->id, name,
	         what);
	return -1;
}

static int check_rules(const tables_table *t, const tables_row *r, const row_rule *rules, size_t n,
                       char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int64_t sum = 0;
		char terms[64] = "", what[256];
		size_t len = 0;
		for (int k = 0; k < rules[i].n; k++) {
			sum += r->v[rules[i].rhs[k]];
			len += (size_t)snprintf(terms + len, sizeof terms - len, "%s(%d)",
			                        k ? " + " : "", rules[i].rhs[k] + 3);
		}
		if (r->v[rules[i].lhs] == sum)
			continue;
		snprintf(what, sizeof what, "column (%d) is %" PRId64 " but %s = %" PRId64,
		         rules[i].lhs + 3, r->v[rules[i].lhs], terms, sum);
		return refuse(t, r, err, errlen, what);
	}
	return 0;
}

/* Compares row r with the sum of rows [from, to) of kind `kind`. */
static int check_sum(const tables_table *t, const tables_row *r, size_t from, size_t to,
                     tables_row_kind kind, const char *parts, char *err, size_t errlen)
{
	size_t nv = t->ncols - 2;
	for (size_t c = 0; c < nv; c++) {
		int64_t sum = 0;
		if (t->cols[c + 2].percent)
			continue;
		for (size_t i = from; i < to; i++)
			if (t->rows[i].kind == kind)
				sum += t->rows[i].v[c];
		if (sum == r->v[c])
			continue;
		char what[256];
		snprintf(what, sizeof what,
		         "column (%zu) is %" PRId64 " but the sum of its %s is %" PRId64, c + 3,
		         r->v[c], parts, sum);
		return refuse(t, r, err, errlen, what);
	}
	return 0;
}

int tables_check(const tables_table *t, char *err, size_t errlen)
{
	int feedback = t->cols == feedback_cols;
	const row_rule *rules = feedback ? feedback_rules : dossier_rules;
	size_t nrules = feedback ? sizeof feedback_rules / sizeof feedback_rules[0]
	                         : sizeof dossier_rules / sizeof dossier_rules[0];
	if (t->cols == satisfaction_cols || t->cols == province_satisfaction_cols) {
		rules = satisfaction_rules;
		nrules = sizeof satisfaction_rules / sizeof satisfaction_rules[0];
	}
	int has_groups = 0;

	/* rows first: a wrong unit is named, not the level heading its error spills into */
	for (size_t i = 0; i < t->nrows; i++)
		if (check_rules(t, &t->rows[i], rules, nrules, err, errlen))
			return -1;
	for (size_t i = 0; i < t->nrows; i++) {
		const tables_row *r = &t->rows[i];
		has_groups |= r->kind == TABLES_ROW_GROUP;
		if (r->kind != TABLES_ROW_GROUP)
			continue;
		size_t end = i + 1;
		while (end < t->nrows && t->rows[end].kind == TABLES_ROW_ITEM)
			end++;
		if (check_sum(t, r, i + 1, end, TABLES_ROW_ITEM, "units", err, errlen))
			return -1;
	}
	/* every table adds up to its total, but the feedback table of one scope: its row alone */
	for (size_t i = 0; i < t->nrows && (!feedback || t->nrows > 1); i++) {
		const tables_row *r = &t->rows[i];
		if (r->kind != TABLES_ROW_TOTAL)
			continue;
		if (check_sum(t, r, 0, t->nrows, has_groups ? TABLES_ROW_GROUP : TABLES_ROW_ITEM,
		              has_groups ? "levels" : "rows", err, errlen))
			return -1;
	}
	return 0;
}

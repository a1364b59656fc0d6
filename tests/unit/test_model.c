/* Unit tests of the report model (services/export/model.c), the one place of the figure rules
 * every format shows: how rows of one code combine, the levels shown, the order, commune labels,
 * fields and the rates' rounding. Hand-made stats replies, no server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "index766.h"
#include "model.h"
#include "render.h"

#include <jansson.h>
#include <string.h>

typedef struct fixture {
	Cchc__V1__FeedbackFigures fb[32];
	Cchc__V1__DossierFigures d[32];
	Cchc__V1__FigureRow r[32];
	Cchc__V1__FigureRow *rp[32];
	Cchc__V1__QueryReply q;
	figures f;
} fixture;

static fixture fx;

static void reset(void)
{
	memset(&fx, 0, sizeof fx);
	Cchc__V1__QueryReply q0 = CCHC__V1__QUERY_REPLY__INIT;
	fx.q = q0;
	fx.q.rows = fx.rp;
	fx.q.scope_name = "Tỉnh Thừa Thiên Huế";
	fx.f.query = &fx.q;
}

/* A row with `received` dossiers received in the period, `resolved` of them on time. */
static Cchc__V1__DossierFigures *add(const char *group, const char *key, const char *name,
                                     int level, const char *parent, long long received,
                                     long long resolved)
{
	size_t i = fx.q.n_rows++;
	Cchc__V1__DossierFigures d0 = CCHC__V1__DOSSIER_FIGURES__INIT;
	Cchc__V1__FigureRow r0 = CCHC__V1__FIGURE_ROW__INIT;
	fx.d[i] = d0;
	fx.d[i].received = fx.d[i].intake = received;
	fx.d[i].resolved = fx.d[i].resolved_on_time = resolved;
	fx.d[i].pending = fx.d[i].pending_within_due = received - resolved;
	fx.r[i] = r0;
	fx.r[i].group = (char *)group;
	fx.r[i].key = (char *)key;
	fx.r[i].name = (char *)name;
	fx.r[i].has_level = level > 0;
	fx.r[i].level = level;
	fx.r[i].parent = (char *)parent;
	fx.r[i].dossiers = &fx.d[i];
	fx.rp[i] = &fx.r[i];
	return &fx.d[i];
}

static const model_row *unit(const report_model *m, const char *code, const char *name)
{
	for (size_t i = 0; i < m->n_units; i++)
		if (!strcmp(m->units[i].code, code) && (!name || !strcmp(m->units[i].name, name)))
			return &m->units[i];
	return NULL;
}

/* One unit listed for two registry snapshots is one row; a reused code with another name is
 * another unit; units come by level whatever stats' order. */
static void test_snapshots_combine(void **st)
{
	(void)st;
	report_model m;
	char err[128];
	reset();
	add("all", "", NULL, 0, NULL, 60, 30);
	add("level", "province", NULL, 1, NULL, 10, 5);
	add("level", "district", NULL, 2, NULL, 20, 10);
	add("level", "commune", NULL, 3, NULL, 30, 15);
	add("unit", "19753", "Phường Thuận Lộc", 3, "474", 10, 5);
	add("unit", "19753", "Phường Thuận Lộc", 3, "474", 20, 10); /* the 2025-03 snapshot */
	add("unit", "46", "Tỉnh Thừa Thiên Huế", 1, "", 10, 5);
	add("unit", "474", "Thành phố Huế", 2, "46", 8, 4);
	add("unit", "474", "Quận Thuận Hóa", 2, "46", 12, 6);
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	assert_int_equal(m.n_units, 4);
	assert_string_equal(m.units[0].code, "46");
	assert_int_equal(m.units[1].level, 2);
	assert_int_equal(m.units[3].level, 3);
	assert_int_equal(unit(&m, "19753", NULL)->d.received, 30);
	assert_int_equal(unit(&m, "474", "Thành phố Huế")->d.received, 8);
	assert_int_equal(unit(&m, "474", "Quận Thuận Hóa")->d.received, 12);
	/* the commune's district is named after the first row of that code */
	assert_string_equal(unit(&m, "19753", NULL)->parent_name, "Thành phố Huế");
	assert_null(unit(&m, "474", "Thành phố Huế")->parent_name);
	assert_int_equal(m.scope_level, 1);
	assert_int_equal(m.n_levels, 3);
	const model_level *d = model_level_get(&m, 2);
	assert_non_null(d);
	assert_int_equal(d->n_units, 2);
	assert_int_equal(d->row.d.received, 20); /* stats' level row, not a sum made here */
	assert_string_equal(d->table_label, "Huyện, thị xã, thành phố");
	model_free(&m);
}

/* Two tiers: no district unit and nothing at the district level, so no district level; a commune
 * under the city carries no parent in its label. A level with figures but no unit still shows. */
static void test_levels_shown(void **st)
{
	(void)st;
	report_model m;
	char err[128];
	reset();
	add("all", "", NULL, 0, NULL, 30, 0);
	add("level", "province", NULL, 1, NULL, 10, 0);
	add("level", "district", NULL, 2, NULL, 0, 0);
	add("level", "commune", NULL, 3, NULL, 20, 0);
	add("unit", "46", "Thành phố Huế", 1, "", 10, 0);
	add("unit", "19753", "Phường Phú Xuân", 3, "46", 20, 0);
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	assert_int_equal(m.n_levels, 2);
	assert_null(model_level_get(&m, 2));
	assert_int_equal(m.levels[1].level, 3);
	assert_int_equal(m.levels[1].first_unit, 1);
	assert_null(unit(&m, "19753", NULL)->parent_name);
	model_free(&m);

	fx.d[2].waiting = 1; /* a figure at a level without units: never hidden */
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	assert_non_null(model_level_get(&m, 2));
	assert_int_equal(model_level_get(&m, 2)->n_units, 0);
	model_free(&m);
}

/* An office the registry does not know comes last, at level 0, and its level row is its sum. */
static void test_unknown_level(void **st)
{
	(void)st;
	report_model m;
	char err[128];
	reset();
	add("all", "", NULL, 0, NULL, 13, 0);
	add("level", "province", NULL, 1, NULL, 10, 0);
	add("unit", "99999", "", 0, "", 3, 0);
	add("unit", "46", "Tỉnh Thừa Thiên Huế", 1, "", 10, 0);
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	assert_int_equal(m.n_levels, 2);
	assert_int_equal(m.levels[1].level, 0);
	assert_int_equal(m.levels[1].row.d.received, 3);
	assert_string_equal(m.units[1].code, "99999");
	assert_string_equal(m.units[1].name, "99999"); /* no name: the code stands for it */
	model_free(&m);
}

/* Rates: two decimals, half away from zero, and none without a denominator. */
static void test_rates(void **st)
{
	(void)st;
	model_rates r;
	Cchc__V1__DossierFigures d = CCHC__V1__DOSSIER_FIGURES__INIT;
	d.received = 86721;
	d.received_online = 48962; /* 56,459… % */
	d.resolved = 73177;
	d.resolved_early = 30000;
	d.resolved_on_time = 41120; /* 97,189… % */
	d.intake = 8;
	d.pending_within_due = 0;
	d.digitized = 1;
	model_rates_of(&d, &r);
	assert_int_equal(r.online_x100, 5646);
	assert_int_equal(r.on_time_x100, 9719);
	assert_int_equal(r.resolved_x100, 8438);
	assert_true(r.has_online && r.has_on_time && r.has_progress_766);
	Cchc__V1__DossierFigures z = CCHC__V1__DOSSIER_FIGURES__INIT;
	z.intake = 8;
	z.resolved_early = 1; /* 1/8 = 12,5 % exactly: the half goes away from zero */
	z.pending_within_due = 0;
	model_rates_of(&z, &r);
	assert_int_equal(r.progress_766_x100, 1250);
	z.intake = 3; /* 1/3 = 33,333… % */
	model_rates_of(&z, &r);
	assert_int_equal(r.progress_766_x100, 3333);
	assert_false(r.has_online);
	assert_false(r.has_on_time);
	/* docs/design.md §16: rated_satisfied / rated, nothing without a rating */
	assert_false(r.has_satisfied);
	z.rated = 53;
	z.rated_satisfied = 52;
	model_rates_of(&z, &r);
	assert_true(r.has_satisfied);
	assert_int_equal(r.satisfied_x100, 9811);
}

/* The feedback of the row's offices (§16, for the 766 index): a unit listed for two snapshots
 * adds both rows' feedback, a level takes stats' level row, the scope the reply's. */
static Cchc__V1__FeedbackFigures *feedback_of(Cchc__V1__DossierFigures *d, long long received,
                                              long long on_time)
{
	size_t i = (size_t)(d - fx.d);
	Cchc__V1__FeedbackFigures f0 = CCHC__V1__FEEDBACK_FIGURES__INIT;
	fx.fb[i] = f0;
	fx.fb[i].received = received;
	fx.fb[i].resolved = fx.fb[i].resolved_on_time = on_time;
	fx.fb[i].pending = received - on_time;
	fx.r[i].feedback = &fx.fb[i];
	return &fx.fb[i];
}

static void test_feedback_per_row(void **st)
{
	(void)st;
	report_model m;
	char err[128];
	reset();
	fx.q.feedback = feedback_of(add("all", "", NULL, 0, NULL, 30, 30), 12, 9);
	feedback_of(add("level", "province", NULL, 1, NULL, 0, 0), 2, 2);
	feedback_of(add("level", "commune", NULL, 3, NULL, 30, 30), 10, 7);
	feedback_of(add("unit", "19753", "Phường Thuận Lộc", 3, "474", 10, 10), 4, 3);
	feedback_of(add("unit", "19753", "Phường Thuận Lộc", 3, "474", 20, 20), 6, 4);
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	const model_row *u = unit(&m, "19753", NULL);
	assert_non_null(u);
	assert_int_equal(u->fb.received, 10);
	assert_int_equal(u->fb.resolved_on_time, 7);
	assert_int_equal(model_level_get(&m, 3)->row.fb.received, 10);
	assert_int_equal(m.all.fb.received, 12);

	/* the JSON's index_766: per scope, level and unit, from these rows (index766.c) */
	char cerr[256];
	index766_conf *c;
	assert_int_equal(
	    index766_conf_load(CCHC_SOURCE_DIR "/deploy/data/index-766.csv", &c, cerr, sizeof cerr),
	    0);
	period p;
	assert_int_equal(period_parse("2024-Q1", &p, cerr, sizeof cerr), 0);
	render_input in = {.period = &p, .scope = "46", .figures = &fx.f, .index766 = c};
	render_output out = {0};
	assert_int_equal(render_json(&in, &out, cerr, sizeof cerr), 0);
	json_error_t je;
	json_t *root = json_loadb((const char *)out.files[0].data, out.files[0].len, 0, &je);
	assert_non_null(root);
	json_t *ix = json_object_get(root, "index_766");
	json_t *units = json_object_get(ix, "units");
	assert_int_equal(json_array_size(units), 1);
	json_t *fbind = json_array_get(json_object_get(json_array_get(units, 0), "indicators"), 4);
	assert_string_equal(json_string_value(json_object_get(fbind, "id")), "5.2");
	/* 3 + 4 answered on time of 4 + 6 received: 70 %, 6 × 0,7 points */
	assert_int_equal(json_integer_value(json_object_get(fbind, "numerator")), 7);
	assert_int_equal(json_integer_value(json_object_get(fbind, "denominator")), 10);
	assert_true(json_real_value(json_object_get(fbind, "ratio")) == 70.0);
	assert_true(json_real_value(json_object_get(fbind, "points")) == 4.2);
	assert_string_equal(json_string_value(json_object_get(fbind, "formula")),
	                    "ratio = (feedback.resolved_on_time + feedback.pending_within_due) / "
	                    "(feedback.carried_over + feedback.received); points = 6 × ratio");
	json_t *all = json_object_get(ix, "all");
	assert_true(json_real_value(json_object_get(all, "max_points")) == 48.0);
	assert_int_equal(json_array_size(json_object_get(ix, "not_computed")), 17);
	assert_non_null(json_object_get(ix, "district")); /* the three levels are always there */
	assert_true(json_is_real(json_object_get(
	    json_object_get(json_object_get(root, "dossiers"), "all"), "rate_satisfied")));
	json_decref(root);
	render_output_free(&out);
	/* without the weights file's contents the JSON has no index */
	in.index766 = NULL;
	assert_int_equal(render_json(&in, &out, cerr, sizeof cerr), 0);
	assert_null(strstr((const char *)out.files[0].data, "index_766"));
	render_output_free(&out);
	index766_conf_free(c);
	model_free(&m);
}

/* Fields: any figure keeps a field; its Vietnamese name where the code is known. */
static void test_fields(void **st)
{
	(void)st;
	report_model m;
	char err[128];
	reset();
	add("all", "", NULL, 0, NULL, 5, 0);
	add("field", "hotich", NULL, 0, NULL, 5, 0);
	add("field", "datdai", NULL, 0, NULL, 0, 0);
	add("field", "khac", NULL, 0, NULL, 0, 0)->waiting = 2;
	assert_int_equal(model_build(&fx.f, "46", &m, err, sizeof err), 0);
	assert_int_equal(m.n_fields, 2);
	assert_string_equal(m.fields[0].name, "Hộ tịch");
	assert_string_equal(m.fields[1].name, "khac");
	assert_string_equal(model_field_name("laodong"), "Lao động, thương binh và xã hội");
	assert_null(model_field_name("khac123"));
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_snapshots_combine), cmocka_unit_test(test_levels_shown),
	    cmocka_unit_test(test_unknown_level),     cmocka_unit_test(test_rates),
	    cmocka_unit_test(test_feedback_per_row),  cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}

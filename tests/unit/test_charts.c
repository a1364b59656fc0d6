/* Unit tests of the report's charts: the shares computed from hand-made figures (rounding half away
 * from zero, levels present in the unit structure only, districts summed over their rows) and the
 * drawing onto a real cairo PDF surface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "charts.h"

#include <cairo-pdf.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	Cchc__V1__DossierFigures d[16];
	Cchc__V1__FigureRow r[16];
	Cchc__V1__FigureRow *rp[16];
	Cchc__V1__QueryReply q;
	figures f;
} fixture;

static fixture fx;

static Cchc__V1__DossierFigures *add(const char *group, const char *key, const char *name,
                                     int level)
{
	size_t i = fx.q.n_rows++;
	Cchc__V1__DossierFigures d0 = CCHC__V1__DOSSIER_FIGURES__INIT;
	Cchc__V1__FigureRow r0 = CCHC__V1__FIGURE_ROW__INIT;
	fx.d[i] = d0;
	fx.r[i] = r0;
	fx.r[i].group = (char *)group;
	fx.r[i].key = (char *)key;
	fx.r[i].name = (char *)name;
	fx.r[i].has_level = level > 0;
	fx.r[i].level = level;
	fx.r[i].dossiers = &fx.d[i];
	fx.rp[i] = &fx.r[i];
	return &fx.d[i];
}

static void reset(void)
{
	memset(&fx, 0, sizeof fx);
	Cchc__V1__QueryReply q0 = CCHC__V1__QUERY_REPLY__INIT;
	fx.q = q0;
	fx.q.rows = fx.rp;
	fx.f.query = &fx.q;
}

static void set(Cchc__V1__DossierFigures *d, long long received, long long online,
                long long resolved, long long early, long long on_time)
{
	d->received = received;
	d->received_online = online;
	d->resolved = resolved;
	d->resolved_early = early;
	d->resolved_on_time = on_time;
	d->intake = received;
}

/* A province scope of 2024: all three levels, figures at the province and district levels; the
 * commune level has units but no dossiers. */
static void province_scope(void)
{
	reset();
	add("all", "", NULL, 0);
	/* 565/1000 = 56,50 %; (300 + 450)/800 = 93,75 % */
	set(add("level", "province", NULL, 1), 1000, 565, 800, 300, 450);
	/* 1/3 = 33,333… → 33,33 %; 2/3 = 66,666… → 66,67 % */
	set(add("level", "district", NULL, 2), 3, 1, 3, 2, 0);
	add("level", "commune", NULL, 3);
	add("unit", "46", "Tỉnh Thừa Thiên Huế", 1);
	/* Huế in two rows (two registry snapshots): 1/20000 and 1/20000 are summed to 2/40000 =
	 * 0,005 % → 0,01 % (half away from zero); resolved 20000 + 20000, 39999 in time: 99,9975 %
	 * → 100,00 %. */
	set(add("unit", "474", "Thành phố Huế", 2), 20000, 1, 20000, 19999, 0);
	set(add("unit", "474", "Thành phố Huế", 2), 20000, 1, 20000, 0, 20000);
	/* Nothing received or resolved: no share at all. */
	add("unit", "481", "Huyện A Lưới", 2);
	set(add("unit", "476", "", 2), 8, 1, 8, 1, 0); /* 12,50 % and 12,50 % */
	add("unit", "19753", "Phường Phú Hội", 3);
	set(add("field", "hotich", NULL, 0), 5, 5, 5, 5, 0);
}

static void test_by_level(void **state)
{
	(void)state;
	province_scope();
	chart_data d;
	char err[256] = "";
	assert_int_equal(charts_data(&fx.f, DOC_CHART_RATES_BY_LEVEL, &d, err, sizeof err), 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].label, "Cấp tỉnh");
	assert_int_equal(d.items[0].online_x100, 5650);
	assert_int_equal(d.items[0].on_time_x100, 9375);
	assert_string_equal(d.items[1].label, "Cấp huyện");
	assert_int_equal(d.items[1].online_x100, 3333);
	assert_int_equal(d.items[1].on_time_x100, 6667);
	assert_true(d.items[1].has_online && d.items[1].has_on_time);
	/* Units at the commune level but no dossiers: the level shows, its shares have no value. */
	assert_string_equal(d.items[2].label, "Cấp xã");
	assert_false(d.items[2].has_online);
	assert_false(d.items[2].has_on_time);
}

static void test_by_level_missing_levels(void **state)
{
	(void)state;
	/* A district's scope: no province unit and no province figures, so no "Cấp tỉnh". */
	reset();
	add("all", "", NULL, 0);
	add("level", "province", NULL, 1);
	set(add("level", "district", NULL, 2), 4, 4, 4, 4, 0);
	set(add("level", "commune", NULL, 3), 4, 1, 4, 1, 1);
	add("unit", "474", "Thành phố Huế", 2);
	chart_data d;
	char err[256];
	assert_int_equal(charts_data(&fx.f, DOC_CHART_RATES_BY_LEVEL, &d, err, sizeof err), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.items[0].label, "Cấp huyện");
	assert_int_equal(d.items[0].online_x100, 10000);
	/* Figures at the commune level without a commune unit (a registry gap) still show. */
	assert_string_equal(d.items[1].label, "Cấp xã");
	assert_int_equal(d.items[1].online_x100, 2500);
	assert_int_equal(d.items[1].on_time_x100, 5000);
}

static void test_by_district(void **state)
{
	(void)state;
	province_scope();
	chart_data d;
	char err[256];
	assert_int_equal(charts_data(&fx.f, DOC_CHART_RATES_BY_DISTRICT, &d, err, sizeof err), 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].label, "Thành phố Huế");
	assert_int_equal(d.items[0].online_x100, 1);
	assert_int_equal(d.items[0].on_time_x100, 10000);
	assert_string_equal(d.items[1].label, "Huyện A Lưới");
	assert_false(d.items[1].has_online);
	assert_false(d.items[1].has_on_time);
	assert_string_equal(d.items[2].label, "476"); /* no name: the code */
	assert_int_equal(d.items[2].online_x100, 1250);
	assert_int_equal(d.items[2].on_time_x100, 1250);
}

static void test_unknown_chart(void **state)
{
	(void)state;
	province_scope();
	chart_data d;
	char err[256] = "";
	assert_int_equal(charts_data(&fx.f, 99, &d, err, sizeof err), -1);
	assert_non_null(strstr(err, "99"));
}

static cairo_status_t discard(void *closure, const unsigned char *data, unsigned int length)
{
	(void)data;
	*(size_t *)closure += length;
	return CAIRO_STATUS_SUCCESS;
}

static void test_draw(void **state)
{
	(void)state;
	province_scope();
	size_t bytes = 0;
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(discard, &bytes, 595.28, 841.89);
	cairo_t *cr = cairo_create(s);
	char err[256] = "";
	for (int c = DOC_CHART_RATES_BY_LEVEL; c <= DOC_CHART_RATES_BY_DISTRICT; c++) {
		chart_data d;
		assert_int_equal(charts_data(&fx.f, c, &d, err, sizeof err), 0);
		double h = charts_height(&d, 440);
		assert_true(h > 100 && h < 600);
		assert_int_equal(
		    charts_draw(cr, &d, 85, 60, 440, "Liberation Serif", err, sizeof err), 0);
		cairo_show_page(cr);
	}
	chart_data empty = {.chart = DOC_CHART_RATES_BY_DISTRICT};
	assert_int_equal(charts_draw(cr, &empty, 85, 60, 440, "Liberation Serif", err, sizeof err),
	                 0);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	assert_true(bytes > 1000);
}

int main(void)
{
	/* GLib's slice allocator hides a forgotten g_object_unref from LeakSanitizer; plain malloc
	 * shows it. Before any GLib call. */
	setenv("G_SLICE", "always-malloc", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_by_level),    cmocka_unit_test(test_by_level_missing_levels),
	    cmocka_unit_test(test_by_district), cmocka_unit_test(test_unknown_chart),
	    cmocka_unit_test(test_draw),
	};
	return cmocka_run_group_tests_name("charts", tests, NULL, NULL);
}

/* Unit tests of the 766 index (services/export/index766.h): each computed indicator's ratio from
 * the figures, and its points at, below and above its target under the province's data file; the
 * indicators the records cannot decide listed with what they need; the data file's mistakes named
 * by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "index766.h"

#include <stdio.h>
#include <string.h>

static index766_conf *conf766; /* deploy/data/index-766.csv */

static int setup(void **st)
{
	char err[256];
	(void)st;
	if (index766_conf_load(CCHC_SOURCE_DIR "/deploy/data/index-766.csv", &conf766, err,
	                       sizeof err)) {
		fprintf(stderr, "test_index766: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	index766_conf_free(conf766);
	return 0;
}

/* Figures where indicator k has numerator num over denominator den (and every other indicator
 * some ratio of its own). */
static void figures_for(int k, long long num, long long den, Cchc__V1__DossierFigures *d,
                        Cchc__V1__FeedbackFigures *fb)
{
	cchc__v1__dossier_figures__init(d);
	cchc__v1__feedback_figures__init(fb);
	d->intake = d->received = 1000;
	switch (k) {
	case INDEX766_PROGRESS:
		d->intake = den;
		d->resolved_early = num / 2;
		d->resolved_on_time = num - num / 2 - num / 4;
		d->pending_within_due = num / 4;
		break;
	case INDEX766_ONLINE:
		d->received = den;
		d->received_online = num;
		break;
	case INDEX766_PAID_ONLINE:
		d->received = den;
		d->paid_online = num;
		break;
	case INDEX766_DIGITIZED:
		d->received = den;
		d->digitized = num;
		break;
	case INDEX766_FEEDBACK:
		fb->carried_over = den / 3;
		fb->received = den - den / 3;
		fb->resolved_on_time = num - num / 5;
		fb->pending_within_due = num / 5;
		break;
	case INDEX766_SATISFACTION:
		/* den - num dossiers unhappy or late, each once: 10 of them both */
		d->intake = den;
		d->resolved_late = (den - num) / 2;
		d->pending_overdue = (den - num) / 4;
		d->rated_unsatisfied = den - num - d->resolved_late - d->pending_overdue + 10;
		d->rated_unsatisfied_late = 10;
		break;
	}
}

/* The value of indicator k for num / den. */
static index766_value at(int k, long long num, long long den)
{
	Cchc__V1__DossierFigures d;
	Cchc__V1__FeedbackFigures fb;
	index766_row row;
	figures_for(k, num, den, &d, &fb);
	index766_compute(conf766, &d, &fb, &row);
	assert_int_equal(row.v[k].numerator, num);
	assert_int_equal(row.v[k].denominator, den);
	return row.v[k];
}

/* Points (times 100) of indicator k at ratio num / den. */
static long long points(int k, long long num, long long den)
{
	return at(k, num, den).points_x100;
}

static void test_points_at_below_above_target(void **st)
{
	(void)st;
	/* 2.1 progress: 20 points, linear (target 100 %) */
	assert_int_equal(points(INDEX766_PROGRESS, 1000, 1000), 2000);
	assert_int_equal(points(INDEX766_PROGRESS, 500, 1000), 1000);
	assert_int_equal(points(INDEX766_PROGRESS, 912, 1000), 1824);
	/* 3.3 online: 6 points, full at 50 % */
	assert_int_equal(points(INDEX766_ONLINE, 500, 1000), 600);
	assert_int_equal(points(INDEX766_ONLINE, 250, 1000), 300);
	assert_int_equal(points(INDEX766_ONLINE, 750, 1000), 600);
	assert_int_equal(points(INDEX766_ONLINE, 499, 1000), 599); /* 49,90 % → 5,988 */
	/* 3.6 paid online: 6 points, linear */
	assert_int_equal(points(INDEX766_PAID_ONLINE, 1000, 1000), 600);
	assert_int_equal(points(INDEX766_PAID_ONLINE, 250, 1000), 150);
	/* 4.2 digitised: 4 points, full at 80 % */
	assert_int_equal(points(INDEX766_DIGITIZED, 800, 1000), 400);
	assert_int_equal(points(INDEX766_DIGITIZED, 400, 1000), 200);
	assert_int_equal(points(INDEX766_DIGITIZED, 950, 1000), 400);
	/* 5.2 feedback on time: 6 points, linear */
	assert_int_equal(points(INDEX766_FEEDBACK, 30, 30), 600);
	assert_int_equal(points(INDEX766_FEEDBACK, 15, 30), 300);
	assert_int_equal(points(INDEX766_FEEDBACK, 29, 30), 580); /* 96,67 % → 5,8002 */
	/* 5.4 satisfaction: 6 points, full at 90 % (Nghị quyết 76's target) */
	assert_int_equal(points(INDEX766_SATISFACTION, 900, 1000), 600);
	assert_int_equal(points(INDEX766_SATISFACTION, 450, 1000), 300);
	assert_int_equal(points(INDEX766_SATISFACTION, 980, 1000), 600);
	assert_int_equal(points(INDEX766_SATISFACTION, 899, 1000), 599); /* 89,90 % → 5,9933 */
}

static void test_ratios_and_rounding(void **st)
{
	(void)st;
	index766_value v = at(INDEX766_ONLINE, 1, 3);
	assert_int_equal(v.ratio_x100, 3333);
	assert_int_equal(v.points_x100, 400); /* from the rounded ratio: 6 × 33,33 / 50 = 3,9996 */
	v = at(INDEX766_ONLINE, 2, 3);
	assert_int_equal(v.ratio_x100, 6667);
	v = at(INDEX766_DIGITIZED, 1, 8);
	assert_int_equal(v.ratio_x100, 1250); /* exactly, then 4 × 12,5 / 80 = 0,625 → 0,63 */
	assert_int_equal(v.points_x100, 63);
	assert_int_equal(index766_points_x100(5000, 600, 5000), 600);
	assert_int_equal(index766_points_x100(0, 600, 5000), 0);
	assert_int_equal(index766_points_x100(7000, 600, 0), 0);
}

static void test_no_denominator(void **st)
{
	(void)st;
	Cchc__V1__DossierFigures d = CCHC__V1__DOSSIER_FIGURES__INIT;
	index766_row row;
	index766_compute(conf766, &d, NULL, &row); /* nothing at all, no feedback */
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		assert_false(row.v[k].has_ratio);
		assert_int_equal(row.v[k].ratio_x100, 0);
		assert_int_equal(row.v[k].points_x100, 0);
	}
	assert_int_equal(row.points_x100, 0);
	assert_int_equal(row.max_x100, 4800); /* 20 + 6 + 6 + 4 + 6 + 6 */
}

/* 5.4: a dossier both late and unhappy is subtracted once; every figure of the formula counts. */
static void test_satisfaction_each_dossier_once(void **st)
{
	(void)st;
	Cchc__V1__DossierFigures d = CCHC__V1__DOSSIER_FIGURES__INIT;
	index766_row row;
	d.intake = 200;
	d.resolved_late = 10;
	d.pending_overdue = 4;
	d.rated_unsatisfied = 6;
	d.rated_unsatisfied_late = 2;
	index766_compute(conf766, &d, NULL, &row);
	assert_int_equal(row.v[INDEX766_SATISFACTION].numerator, 200 - (10 + 4 + 6 - 2));
	assert_int_equal(row.v[INDEX766_SATISFACTION].ratio_x100, 9100);
	assert_int_equal(row.v[INDEX766_SATISFACTION].points_x100, 600);
	assert_true(row.v[INDEX766_SATISFACTION].def->approximation);
	assert_false(row.v[INDEX766_PROGRESS].def->approximation);
	assert_string_equal(row.v[INDEX766_SATISFACTION].def->id, "5.4");
}

static void test_formula_and_not_computed(void **st)
{
	(void)st;
	char f[256];
	index766_value v = at(INDEX766_ONLINE, 1, 2);
	index766_formula(&v, f, sizeof f);
	assert_string_equal(f, "ratio = received_online / received; points = 6 × min(1, ratio / "
	                       "50%)");
	v = at(INDEX766_PROGRESS, 1, 2);
	index766_formula(&v, f, sizeof f);
	assert_string_equal(f, "ratio = (resolved_early + resolved_on_time + pending_within_due) / "
	                       "intake; points = 20 × ratio");

	size_t n;
	const index766_missing *m = index766_not_computed(conf766, &n);
	long long total = 0;
	assert_int_equal(n, 17);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(m[i].def->reason);
		assert_true(strlen(m[i].def->reason) > 10);
		total += m[i].max_x100;
	}
	assert_string_equal(m[0].def->id, "1.1");
	assert_non_null(strstr(m[3].def->reason, "đồng bộ")); /* 1.4 needs the sync status */
	Cchc__V1__DossierFigures d = CCHC__V1__DOSSIER_FIGURES__INIT;
	index766_row row;
	index766_compute(conf766, &d, NULL, &row);
	assert_int_equal(total + row.max_x100, 10000); /* the file's weights add up to 100 */
}

static int parse(const char *text, char *err)
{
	index766_conf *c = NULL;
	int rc = index766_conf_parse(text, strlen(text), "x.csv", &c, err, 256);
	index766_conf_free(c);
	return rc;
}

#define ROWS_OK "2.1,20,100\n3.3,6,50\n3.6,6,100\n4.2,4,80\n5.2,6,100\n5.4,6,90\n"

static void test_data_file_mistakes(void **st)
{
	char err[256];
	(void)st;
	assert_int_equal(parse("\xEF\xBB\xBF# c\nindicator,max_points,target_percent\r\n" ROWS_OK
	                       "9.9,1,\n",
	                       err),
	                 0); /* a BOM, CRLF, an id cchc does not know */
	assert_int_equal(parse("2.1,20,100\n", err), -1);
	assert_string_equal(err, "x.csv:1: the first row must be the header "
	                         "indicator,max_points,target_percent");
	assert_int_equal(parse("indicator,max_points,target_percent\n2.1,20,100\n", err), -1);
	assert_non_null(strstr(err, "indicator 3.3 (Tỷ lệ hồ sơ nộp trực tuyến) has no row"));
	assert_int_equal(parse("indicator,max_points,target_percent\n" ROWS_OK "3.3,6,\n", err),
	                 -1);
	assert_string_equal(err, "x.csv:8: indicator 3.3 is listed already on line 3");
	assert_int_equal(
	    parse("indicator,max_points,target_percent\n2.1,20,\n3.3,6,50\n3.6,6,100\n", err), -1);
	assert_non_null(strstr(err, "x.csv:2: indicator 2.1 needs target_percent"));
	assert_int_equal(parse("indicator,max_points,target_percent\n" ROWS_OK "1.1,6.125,\n", err),
	                 -1);
	assert_non_null(strstr(err, "x.csv:8: indicator 1.1: max_points '6.125'"));
	assert_int_equal(parse("indicator,max_points,target_percent\n3.3,6,0\n", err), -1);
	assert_non_null(strstr(err, "target_percent '0'"));
	assert_int_equal(parse("indicator,max_points,target_percent\n3.3,6,101\n", err), -1);
	assert_int_equal(parse("indicator,max_points,target_percent\n3.3;6;50\n", err), -1);
	assert_non_null(strstr(err, "x.csv:2: expected three cells"));
	assert_int_equal(
	    parse("indicator,max_points,target_percent\n" ROWS_OK "1.1,6,\n1.1,6,\n", err), -1);
	assert_non_null(strstr(err, "x.csv:9: indicator 1.1 is listed twice"));
	index766_conf *c = NULL;
	assert_int_equal(index766_conf_load("/nonexistent/index-766.csv", &c, err, 256), -1);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_points_at_below_above_target),
	    cmocka_unit_test(test_ratios_and_rounding),
	    cmocka_unit_test(test_no_denominator),
	    cmocka_unit_test(test_satisfaction_each_dossier_once),
	    cmocka_unit_test(test_formula_and_not_computed),
	    cmocka_unit_test(test_data_file_mistakes),
	};
	return cmocka_run_group_tests_name("index766", tests, setup, teardown);
}

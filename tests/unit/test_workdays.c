/* Unit tests of the working-day calendar (lib/workdays.h): the province's file of days off, and
 * deadlines in working days across weekends, holidays, days swapped for a bridge (làm bù) and the
 * year end; the file's mistakes named by line; the digest that tells a change of days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "calendar.h"
#include "workdays.h"

#include <stdio.h>
#include <string.h>

static workdays *hue; /* deploy/data/days-off.txt */

static int setup(void **st)
{
	char err[256];
	(void)st;
	if (workdays_load(CCHC_SOURCE_DIR "/deploy/data/days-off.txt", &hue, err, sizeof err)) {
		fprintf(stderr, "test_workdays: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	workdays_free(hue);
	return 0;
}

static int64_t D(int y, int m, int d)
{
	return cal_days_from_civil(y, m, d);
}

/* The deadline of n working days from day y-m-d, as "YYYY-MM-DD". */
static const char *after(const workdays *w, int y, int m, int d, int n)
{
	static char out[11];
	cal_format_date(workdays_after(w, D(y, m, d), n), out);
	return out;
}

static void test_the_file(void **st)
{
	int first, last;
	(void)st;
	workdays_years(hue, &first, &last);
	assert_int_equal(first, 2023);
	assert_int_equal(last, 2026);
	assert_true(workdays_count(hue) > 50);
	assert_int_equal(strlen(workdays_digest(hue)), 64);
	/* a holiday, a swapped Monday, the Saturday worked for it, a plain weekend */
	assert_false(workdays_is_working(hue, D(2024, 9, 2)));
	assert_false(workdays_is_working(hue, D(2024, 4, 29)));
	assert_true(workdays_is_working(hue, D(2024, 5, 4)));
	assert_false(workdays_is_working(hue, D(2024, 5, 5)));
	assert_true(workdays_is_working(hue, D(2024, 5, 6)));
	assert_false(workdays_is_working(hue, D(2025, 1, 27))); /* Tết Ất Tỵ, a Monday */
}

static void test_weekends(void **st)
{
	(void)st;
	assert_string_equal(after(hue, 2024, 3, 1, 1), "2024-03-04"); /* Friday → Monday */
	assert_string_equal(after(hue, 2024, 3, 4, 5), "2024-03-11"); /* a whole week */
	assert_string_equal(after(hue, 2024, 3, 2, 1), "2024-03-04"); /* from a Saturday */
	assert_string_equal(after(hue, 2024, 3, 3, 1), "2024-03-04"); /* from a Sunday */
	assert_string_equal(after(hue, 2024, 3, 6, 15), "2024-03-27");
}

static void test_holidays(void **st)
{
	(void)st;
	/* 15 working days across Tết Giáp Thìn (08-14/02/2024, with its weekend) */
	assert_string_equal(after(hue, 2024, 2, 7, 15), "2024-03-06");
	/* Thursday 26/04/2024 … the bridge 27/04-01/05, then the Saturday worked */
	assert_string_equal(after(hue, 2024, 4, 26, 1), "2024-05-02");
	assert_string_equal(after(hue, 2024, 4, 26, 3), "2024-05-04");
	assert_string_equal(after(hue, 2024, 4, 26, 4), "2024-05-06");
	/* 2025: the Saturday 26/04 is worked for Friday 02/05 */
	assert_string_equal(after(hue, 2025, 4, 25, 1), "2025-04-26");
	assert_string_equal(after(hue, 2025, 4, 29, 1), "2025-05-05");
	/* Quốc khánh 2024 on a Monday and Tuesday */
	assert_string_equal(after(hue, 2024, 8, 30, 1), "2024-09-04");
}

static void test_year_end(void **st)
{
	(void)st;
	assert_string_equal(after(hue, 2024, 12, 27, 5), "2025-01-06"); /* over 01/01/2025 */
	assert_string_equal(after(hue, 2024, 12, 31, 1), "2025-01-02");
	/* 2026: 01/01 and the swapped 02/01 off, Saturday 10/01 worked */
	assert_string_equal(after(hue, 2025, 12, 29, 5), "2026-01-07");
	assert_string_equal(after(hue, 2026, 1, 8, 2), "2026-01-10");
	assert_string_equal(after(hue, 2026, 1, 8, 3), "2026-01-12");
	/* a year the file does not list: weekends only */
	assert_string_equal(after(hue, 2027, 12, 31, 1), "2028-01-03");
}

static void test_weekends_only(void **st)
{
	(void)st;
	workdays *w = workdays_weekends_only();
	int first, last;
	assert_non_null(w);
	assert_string_equal(after(w, 2024, 4, 26, 1), "2024-04-29");
	assert_string_equal(after(w, 2024, 2, 7, 15), "2024-02-28");
	workdays_years(w, &first, &last);
	assert_int_equal(first, 0);
	assert_int_equal(workdays_count(w), 0);
	assert_string_not_equal(workdays_digest(w), workdays_digest(hue));
	workdays_free(w);
}

/* Parses `text`; returns the calendar or NULL with the message in err. */
static workdays *parse(const char *text, char *err)
{
	workdays *w = NULL;
	err[0] = '\0';
	if (workdays_parse(text, strlen(text), "f.txt", &w, err, 256) != 0)
		return NULL;
	return w;
}

static void test_mistakes_named_by_line(void **st)
{
	char err[256];
	(void)st;
	assert_null(parse("# days\n2024-01-01 x\n2024-02-30 not a date\n", err));
	assert_string_equal(err, "f.txt:3: '2024-02-30' is not a date YYYY-MM-DD");
	assert_null(parse("2024-01-01 a\n\n2024-04-30 b\n2024-01-01 again\n", err));
	assert_string_equal(err, "f.txt:4: 2024-01-01 is listed already on line 1");
	assert_null(parse("+2024-05-03 a Friday\n", err));
	assert_non_null(strstr(err, "f.txt:1: +2024-05-03 is a weekday"));
	assert_null(parse("2024-05-03x\n", err));
	assert_non_null(strstr(err, "f.txt:1:"));
	assert_null(parse("2024-5-3\n", err));
	assert_non_null(strstr(err, "f.txt:1: expected a date"));
	workdays *w = NULL; /* not text */
	assert_int_equal(workdays_parse("2024-01-01\n2024-01-02\0 x\n", 24, "f.txt", &w, err, 256),
	                 -1);
	assert_string_equal(err, "f.txt:2: a NUL byte: not a text file");
	assert_int_equal(workdays_load("/nonexistent/days-off.txt", &w, err, 256), -1);
	assert_null(w);
}

static void test_format_and_digest(void **st)
{
	char err[256];
	(void)st;
	/* a BOM, CRLF, comments, tabs, trailing blanks */
	workdays *a = parse("\xEF\xBB\xBF# x\r\n2024-04-30\tNgày Chiến thắng  \r\n\t+2024-05-04 "
	                    "làm bù\r\n2024-04-29\r\n",
	                    err);
	workdays *b = parse("2024-04-29 other words\n+2024-05-04\n2024-04-30\n", err);
	workdays *c = parse("2024-04-29\n+2024-05-04\n", err);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(workdays_count(a), 3);
	assert_string_equal(workdays_digest(a), workdays_digest(b)); /* same days */
	assert_string_not_equal(workdays_digest(a), workdays_digest(c));
	assert_true(workdays_is_working(a, D(2024, 5, 4)));
	workdays *empty = parse("# nothing yet\n\n", err);
	assert_non_null(empty);
	assert_int_equal(workdays_count(empty), 0);
	workdays_free(a);
	workdays_free(b);
	workdays_free(c);
	workdays_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_file),          cmocka_unit_test(test_weekends),
	    cmocka_unit_test(test_holidays),          cmocka_unit_test(test_year_end),
	    cmocka_unit_test(test_weekends_only),     cmocka_unit_test(test_mistakes_named_by_line),
	    cmocka_unit_test(test_format_and_digest),
	};
	return cmocka_run_group_tests_name("workdays", tests, setup, teardown);
}

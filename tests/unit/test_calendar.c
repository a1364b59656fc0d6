/* Unit tests of lib/calendar: day numbers and civil dates against the C library's UTC calendar,
 * dates that carry over, strict dates, and the local day, local midnight and reporting month in
 * Asia/Ho_Chi_Minh and in a zone with DST (the per-hour and per-day caches against the C library).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Local time in Asia/Ho_Chi_Minh (UTC+7, no DST) to Unix ms. */
static int64_t L(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return ((int64_t)timegm(&tm) - 7 * 3600) * 1000;
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int setup(void **st)
{
	(void)st;
	set_tz("Asia/Ho_Chi_Minh");
	return 0;
}

/* Every day from 1800 to 2200 both ways, against timegm (the C library's proleptic calendar). */
static void test_civil_against_libc(void **st)
{
	(void)st;
	int64_t first = cal_days_from_civil(1800, 1, 1), last = cal_days_from_civil(2200, 12, 31);
	int bad = 0;

	for (int64_t day = first; day <= last; day++) {
		int y, m, d;
		cal_civil_from_days(day, &y, &m, &d);
		struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
		time_t t = timegm(&tm);
		if ((int64_t)t != day * 86400 || cal_days_from_civil(y, m, d) != day ||
		    d > cal_days_in_month(y, m)) {
			if (bad++ < 5)
				fprintf(stderr, "test_calendar: day %lld is %04d-%02d-%02d\n",
				        (long long)day, y, m, d);
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(cal_days_from_civil(2024, 3, 15), 19797);
	assert_int_equal(cal_days_from_civil(2000, 3, 1) - cal_days_from_civil(2000, 2, 28), 2);
	assert_int_equal(cal_days_from_civil(1900, 3, 1) - cal_days_from_civil(1900, 2, 28), 1);
	assert_int_equal(cal_days_in_month(2024, 2), 29);
	assert_int_equal(cal_days_in_month(2023, 2), 28);
	assert_int_equal(cal_days_in_month(2100, 2), 28);
	assert_int_equal(cal_days_in_month(2024, 12), 31);
}

/* Months and days outside their ranges carry over as mktime's do (period.c's month 0). */
static void test_civil_carry(void **st)
{
	(void)st;
	assert_int_equal(cal_days_from_civil(2024, 0, 15), cal_days_from_civil(2023, 12, 15));
	assert_int_equal(cal_days_from_civil(2024, -1, 15), cal_days_from_civil(2023, 11, 15));
	assert_int_equal(cal_days_from_civil(2024, 13, 1), cal_days_from_civil(2025, 1, 1));
	assert_int_equal(cal_days_from_civil(2024, 25, 1), cal_days_from_civil(2026, 1, 1));
	assert_int_equal(cal_days_from_civil(2024, 3, 0), cal_days_from_civil(2024, 2, 29));
	assert_int_equal(cal_days_from_civil(2024, 1, -30), cal_days_from_civil(2023, 12, 1));
	assert_int_equal(cal_days_from_civil(2024, 1, 32), cal_days_from_civil(2024, 2, 1));
	assert_int_equal(cal_days_from_civil(2024, 1, 1 + 366), cal_days_from_civil(2025, 1, 1));
}

static void test_weekday(void **st)
{
	(void)st;
	assert_int_equal(cal_weekday(0), 4);                               /* Thursday */
	assert_int_equal(cal_weekday(cal_days_from_civil(2024, 1, 1)), 1); /* Monday */
	assert_int_equal(cal_weekday(cal_days_from_civil(2024, 3, 17)), 0);
	assert_int_equal(cal_weekday(cal_days_from_civil(1969, 12, 27)), 6);
	assert_int_equal(cal_weekday(-1), 3);
}

static void test_parse_format(void **st)
{
	(void)st;
	int y, m, d;
	char out[11];

	assert_int_equal(cal_parse_date("2024-02-29", &y, &m, &d), 0);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_int_equal(cal_parse_date("0001-01-01", &y, &m, &d), 0);
	static const char *const bad[] = {
	    "",           "2024-02-30", "2023-02-29", "2024-13-01",  "2024-00-10",
	    "2024-01-00", "2024-1-05",  "2024-01-5",  "2024-01-05x", "2024/01/05",
	    " 024-01-05", "2024-+1-05", "24-01-05",   "2024-04-31",  "abcd-ef-gh",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cal_parse_date(bad[i], &y, &m, &d), -1);
	assert_int_equal(cal_parse_date(NULL, &y, &m, &d), -1);

	cal_format_date(19797, out);
	assert_string_equal(out, "2024-03-15");
	cal_format_date(-1, out);
	assert_string_equal(out, "1969-12-31");
	cal_format_date(cal_days_from_civil(2024, 0, 15), out);
	assert_string_equal(out, "2023-12-15");
}

/* Moved from test_state (state_local_day). */
static void test_local_day(void **st)
{
	(void)st;
	int64_t d = cal_local_day(L(2024, 1, 12, 0, 0));

	assert_int_equal(cal_local_day(L(2024, 1, 12, 23, 59)), d);
	assert_int_equal(cal_local_day(L(2024, 1, 11, 23, 59)), d - 1);
	assert_int_equal(cal_local_day(L(2024, 1, 13, 0, 0)), d + 1);
	assert_int_equal(cal_local_day(L(1970, 1, 1, 0, 0)), 0);
	assert_int_equal(cal_local_day(L(1969, 12, 31, 12, 0)), -1);
	assert_int_equal(cal_local_day(L(2024, 3, 1, 0, 0)) - cal_local_day(L(2024, 2, 28, 0, 0)),
	                 2); /* leap year */
}

/* The per-hour offset cache of cal_local_day against localtime itself, every 10 minutes across
 * both DST changes of a zone that has them (2031: a year no other test of this file touches, so
 * no hour is cached under the other zone). Moved from test_state. */
static void test_local_day_dst(void **st)
{
	(void)st;
	set_tz("Europe/Berlin");
	static const int64_t starts[] = {1932336000, 1950480000}; /* 2031-03-27, 2031-10-23 UTC */
	for (size_t k = 0; k < 2; k++)
		for (int64_t s = starts[k]; s < starts[k] + 4 * 86400; s += 600) {
			time_t t = (time_t)s;
			struct tm tm;
			assert_non_null(localtime_r(&t, &tm));
			int64_t want = (s + tm.tm_gmtoff) / 86400;
			for (int again = 0; again < 2; again++) /* uncached, then cached */
				assert_int_equal(cal_local_day(s * 1000 + 999), want);
		}
	set_tz("Asia/Ho_Chi_Minh");
}

/* Midnights in the process's zone, with its history. Moved from test_agg (agg_day_start). */
static void test_day_start(void **st)
{
	(void)st;
	/* 2024-03-15 00:00 +07:00 */
	assert_int_equal(cal_day_start(19797), (int64_t)1710435600 * 1000);
	/* 1970: Saigon kept UTC+8 then; the zone's history is the process's, not a fixed offset */
	assert_int_equal(cal_day_start(0), -8 * 3600 * 1000LL);
	assert_int_equal(cal_local_midnight(2024, 3, 15), (int64_t)1710435600 * 1000);
	assert_int_equal(cal_local_midnight(2024, 0, 15), L(2023, 12, 15, 0, 0));
	assert_int_equal(cal_local_time(19797, 17 * 3600), L(2024, 3, 15, 17, 0));
	assert_int_equal(cal_utc_offset(L(2024, 3, 15, 0, 0)), 7 * 3600);
	for (int64_t day = 19700; day < 19800; day++) {
		int64_t ms = cal_day_start(day);
		assert_int_equal(cal_day_start(day), ms); /* cached */
		assert_int_equal(cal_local_day(ms), day);
		assert_int_equal(cal_local_day(ms - 1), day - 1);
	}
}

/* A day of 23 hours and one of 25: midnight, wall-clock times and offsets (2032, a year no other
 * test touches, so the day cache holds nothing of it under the other zone). */
static void test_day_start_dst(void **st)
{
	(void)st;
	set_tz("Europe/Berlin");
	int64_t spring = cal_days_from_civil(2032, 3, 28),
	        autumn = cal_days_from_civil(2032, 10, 31);
	int64_t s0 = cal_day_start(spring), a0 = cal_day_start(autumn);

	assert_int_equal(s0, ((int64_t)timegm(&(struct tm){
	                          .tm_year = 132, .tm_mon = 2, .tm_mday = 27, .tm_hour = 23}) *
	                      1000));
	assert_int_equal(cal_day_start(spring + 1) - s0, 23 * 3600 * 1000LL);
	assert_int_equal(cal_day_start(autumn + 1) - a0, 25 * 3600 * 1000LL);
	/* seconds elapsed since midnight, across the jump, as mktime reads tm_sec (glibc): the
	 * clock shows 04:00 three hours after midnight on the spring day, 02:00 on the autumn day
	 */
	assert_int_equal(cal_local_time(spring, 3 * 3600) - s0, 3 * 3600 * 1000LL);
	assert_int_equal(cal_local_time(autumn, 3 * 3600) - a0, 3 * 3600 * 1000LL);
	assert_int_equal(cal_local_time(spring, 12 * 3600) - s0, 12 * 3600 * 1000LL);
	assert_int_equal(cal_utc_offset(s0), 3600);
	assert_int_equal(cal_utc_offset(cal_local_time(spring, 12 * 3600)), 7200);
	assert_int_equal(cal_local_day(cal_day_start(spring + 1) - 1), spring);
	set_tz("Asia/Ho_Chi_Minh");
}

/* The reporting month (15th to 14th). Moved from test_agg (agg_month_start); test_agg checks it
 * against SQL's cchc_report_month over 1900-2100. */
static void test_month_start(void **st)
{
	(void)st;
	assert_int_equal(cal_report_month_start(19797), 19797); /* 2024-03-15 */
	assert_int_equal(cal_report_month_start(19796), 19768); /* 2024-03-14 -> 2024-02-15 */
	assert_int_equal(cal_report_month_start(19737), 19737); /* 2024-01-15 */
	assert_int_equal(cal_report_month_start(19736), 19706); /* 2024-01-14 -> 2023-12-15 */
	assert_int_equal(cal_report_month_start(19705), 19676); /* 2023-12-14 -> 2023-11-15 */
	/* every day of 2024 lies in [start, next start) of a month starting on a 15th */
	for (int64_t day = cal_days_from_civil(2024, 1, 1); day < cal_days_from_civil(2025, 1, 1);
	     day++) {
		int64_t s = cal_report_month_start(day);
		int y, m, d;
		cal_civil_from_days(s, &y, &m, &d);
		assert_int_equal(d, 15);
		assert_true(s <= day && day < cal_days_from_civil(y, m + 1, 15));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_civil_against_libc),
	    cmocka_unit_test(test_civil_carry),
	    cmocka_unit_test(test_weekday),
	    cmocka_unit_test(test_parse_format),
	    cmocka_unit_test(test_local_day),
	    cmocka_unit_test(test_local_day_dst),
	    cmocka_unit_test(test_day_start),
	    cmocka_unit_test(test_day_start_dst),
	    cmocka_unit_test(test_month_start),
	};
	return cmocka_run_group_tests_name("calendar", tests, setup, NULL);
}

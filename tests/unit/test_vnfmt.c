/* Unit tests of vnfmt: Vietnamese counts, percentages (rounding half away from zero, exact at the
 * .005 boundary), small counts, dates, the Nghị định 30 date line, every period title and the
 * Vietnamese upper case used by headings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "period.h"
#include "vnfmt.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call, want)                                                                          \
	do {                                                                                       \
		char b_[256];                                                                      \
		assert_int_equal((call), 0);                                                       \
		assert_string_equal(b_, (want));                                                   \
	} while (0)

static void test_count(void **state)
{
	(void)state;
	char b[VNFMT_LEN];
	static const struct {
		long long n;
		const char *s;
	} cases[] = {
	    {0, "0"},
	    {7, "7"},
	    {999, "999"},
	    {1000, "1.000"},
	    {86721, "86.721"},
	    {100000, "100.000"},
	    {1234567, "1.234.567"},
	    {-1, "-1"},
	    {-1234, "-1.234"},
	    {-999999, "-999.999"},
	    {LLONG_MAX, "9.223.372.036.854.775.807"},
	    {LLONG_MIN, "-9.223.372.036.854.775.808"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(vnfmt_count(cases[i].n, b, sizeof b), 0);
		assert_string_equal(b, cases[i].s);
	}
	/* Too small a buffer: refused, never a truncated number. */
	assert_int_equal(vnfmt_count(86721, b, 6), -1);
	assert_string_equal(b, "");
	assert_int_equal(vnfmt_count(86721, b, 7), 0);
	assert_string_equal(b, "86.721");
	assert_int_equal(vnfmt_count(1, NULL, 0), -1);
}

static void test_small_count(void **state)
{
	(void)state;
	char b[VNFMT_LEN];
	static const struct {
		long long n;
		const char *s;
	} cases[] = {
	    {0, "0"},   {1, "01"},       {9, "09"},  {10, "10"},
	    {99, "99"}, {1000, "1.000"}, {-3, "-3"}, {86721, "86.721"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(vnfmt_small_count(cases[i].n, b, sizeof b), 0);
		assert_string_equal(b, cases[i].s);
	}
	assert_int_equal(vnfmt_small_count(9, b, 2), -1);
}

static void test_percent_x100_rounding(void **state)
{
	(void)state;
	assert_int_equal(vnfmt_percent_x100(48962, 86721), 5646); /* 56,4593… */
	assert_int_equal(vnfmt_percent_x100(1, 3), 3333);
	assert_int_equal(vnfmt_percent_x100(2, 3), 6667);
	/* Exactly .005 rounds away from zero: 1/8 = 12,5 %, 1/16 = 6,25 %, 1/32 = 3,125 %. */
	assert_int_equal(vnfmt_percent_x100(1, 32), 313);
	assert_int_equal(vnfmt_percent_x100(1, 1600), 6);  /* 0,0625 % */
	assert_int_equal(vnfmt_percent_x100(1, 800), 13);  /* 0,125 % */
	assert_int_equal(vnfmt_percent_x100(1, 20000), 1); /* 0,005 % */
	assert_int_equal(vnfmt_percent_x100(1, 20001), 0); /* just under */
	assert_int_equal(vnfmt_percent_x100(-1, 32), -313);
	assert_int_equal(vnfmt_percent_x100(-1, 20000), -1);
	assert_int_equal(vnfmt_percent_x100(-1, 20001), 0);
	/* Values a binary double puts on the wrong side of .005: 1,005 % and 2,675 %. */
	assert_int_equal(vnfmt_percent_x100(201, 20000), 101);
	assert_int_equal(vnfmt_percent_x100(107, 4000), 268);
	assert_int_equal(vnfmt_percent_x100(0, 5), 0);
	assert_int_equal(vnfmt_percent_x100(5, 5), 10000);
	assert_int_equal(vnfmt_percent_x100(5, 0), 0);
	assert_int_equal(vnfmt_percent_x100(5, -1), 0);
	assert_int_equal(vnfmt_percent_x100(7, 2), 35000);
}

static void test_percent_text(void **state)
{
	(void)state;
	char b[VNFMT_LEN];
	static const struct {
		long long x100;
		const char *s;
	} cases[] = {
	    {5646, "56,46%"}, {0, "0,00%"},       {5, "0,05%"},
	    {50, "0,50%"},    {10000, "100,00%"}, {123456, "1.234,56%"},
	    {-5, "-0,05%"},   {-5646, "-56,46%"}, {LLONG_MIN, "-92.233.720.368.547.758,08%"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(vnfmt_percent(cases[i].x100, b, sizeof b), 0);
		assert_string_equal(b, cases[i].s);
	}
	assert_int_equal(vnfmt_rate(48962, 86721, b, sizeof b), 0);
	assert_string_equal(b, "56,46%");
	assert_int_equal(vnfmt_rate(71120, 73177, b, sizeof b), 0);
	assert_string_equal(b, "97,19%");
	assert_int_equal(vnfmt_rate(1, 32, b, sizeof b), 0);
	assert_string_equal(b, "3,13%");
	assert_int_equal(vnfmt_rate(3, 0, b, sizeof b), 0);
	assert_string_equal(b, "0,00%");
	assert_int_equal(vnfmt_percent(5646, b, 6), -1);
	assert_int_equal(vnfmt_percent(5646, b, 7), 0);
	/* the same without '%' (points) */
	assert_int_equal(vnfmt_decimal(1725, b, sizeof b), 0);
	assert_string_equal(b, "17,25");
	assert_int_equal(vnfmt_decimal(2000, b, sizeof b), 0);
	assert_string_equal(b, "20,00");
	assert_int_equal(vnfmt_decimal(123456, b, sizeof b), 0);
	assert_string_equal(b, "1.234,56");
	assert_int_equal(vnfmt_decimal(-5, b, sizeof b), 0);
	assert_string_equal(b, "-0,05");
	assert_int_equal(vnfmt_decimal(1725, b, 5), -1);
}

static void test_dates(void **state)
{
	(void)state;
	char b[VNFMT_LEN];
	assert_int_equal(vnfmt_date("2024-03-14", b, sizeof b), 0);
	assert_string_equal(b, "14/03/2024");
	assert_int_equal(vnfmt_date("2023-12-15", b, sizeof b), 0);
	assert_string_equal(b, "15/12/2023");
	assert_int_equal(vnfmt_date("2024-02-29", b, sizeof b), 0);
	assert_string_equal(b, "29/02/2024");
	const char *bad[] = {"2023-02-29", "2024-13-01",  "2024-00-10", "2024-04-31", "2024-3-14",
	                     "14/03/2024", "2024-03-14x", "",           "2024-0a-14", "1900-02-29"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(vnfmt_date(bad[i], b, sizeof b), -1);
		assert_string_equal(b, "");
	}
	assert_int_equal(vnfmt_date(NULL, b, sizeof b), -1);
	assert_int_equal(vnfmt_date("2000-02-29", b, sizeof b), 0);
	assert_int_equal(vnfmt_date("2024-03-14", b, 10), -1);
}

static void test_date_line(void **state)
{
	(void)state;
	char b[128];
	assert_int_equal(vnfmt_date_line("Thừa Thiên Huế", 2026, 11, 21, b, sizeof b), 0);
	assert_string_equal(b, "Thừa Thiên Huế, ngày 21 tháng 11 năm 2026");
	/* Nghị định 30: 0 before days below 10 and months 1, 2 only. */
	assert_int_equal(vnfmt_date_line("Huế", 2024, 1, 5, b, sizeof b), 0);
	assert_string_equal(b, "Huế, ngày 05 tháng 01 năm 2024");
	assert_int_equal(vnfmt_date_line("Huế", 2024, 2, 29, b, sizeof b), 0);
	assert_string_equal(b, "Huế, ngày 29 tháng 02 năm 2024");
	assert_int_equal(vnfmt_date_line("Huế", 2024, 3, 9, b, sizeof b), 0);
	assert_string_equal(b, "Huế, ngày 09 tháng 3 năm 2024");
	assert_int_equal(vnfmt_date_line("Huế", 2024, 12, 10, b, sizeof b), 0);
	assert_string_equal(b, "Huế, ngày 10 tháng 12 năm 2024");
	assert_int_equal(vnfmt_date_line("", 2024, 12, 10, b, sizeof b), 0);
	assert_string_equal(b, "ngày 10 tháng 12 năm 2024");
	assert_int_equal(vnfmt_date_line(NULL, 2024, 4, 1, b, sizeof b), 0);
	assert_string_equal(b, "ngày 01 tháng 4 năm 2024");
	assert_int_equal(vnfmt_date_line("Huế", 2023, 2, 29, b, sizeof b), -1);
	assert_int_equal(vnfmt_date_line("Huế", 2024, 13, 1, b, sizeof b), -1);
	assert_int_equal(vnfmt_date_line("Huế", 2024, 1, 0, b, sizeof b), -1);
	assert_int_equal(vnfmt_date_line("Thừa Thiên Huế", 2026, 11, 21, b, 20), -1);
}

static void titles(const char *label, const char *title, const char *next, const char *report)
{
	period p;
	char err[256], b[256];
	assert_int_equal(period_parse(label, &p, err, sizeof err), 0);
	assert_int_equal(vnfmt_period_title(&p, b, sizeof b), 0);
	assert_string_equal(b, title);
	assert_int_equal(vnfmt_next_period_title(&p, b, sizeof b), 0);
	assert_string_equal(b, next);
	if (report) {
		assert_int_equal(vnfmt_report_title(&p, b, sizeof b), 0);
		assert_string_equal(b, report);
	}
}

static void test_period_titles(void **state)
{
	(void)state;
	titles("2024-Q1", "quý I năm 2024", "quý II năm 2024",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính quý I năm 2024");
	titles("2024-Q2", "quý II năm 2024", "quý III năm 2024", NULL);
	titles("2024-Q3", "quý III năm 2024", "quý IV năm 2024", NULL);
	titles("2024-Q4", "quý IV năm 2024", "quý I năm 2025", NULL);
	titles("2024-H1", "6 tháng đầu năm 2024", "6 tháng cuối năm 2024",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính 6 tháng đầu năm 2024");
	titles("2024-H2", "6 tháng cuối năm 2024", "6 tháng đầu năm 2025", NULL);
	titles("2024-9M", "9 tháng năm 2024", "quý IV năm 2024",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính 9 tháng năm 2024");
	titles("2024", "năm 2024", "năm 2025",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính năm 2024");
	titles("2024-03", "tháng 3 năm 2024", "tháng 4 năm 2024",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính tháng 3 năm 2024");
	titles("2024-12", "tháng 12 năm 2024", "tháng 1 năm 2025", NULL);
	titles("2024-01-01..2024-03-31", "từ ngày 01/01/2024 đến ngày 31/03/2024", "",
	       "Báo cáo tình hình thực hiện công tác cải cách hành chính từ ngày 01/01/2024 đến "
	       "ngày 31/03/2024");

	period p;
	char err[256], b[256];
	assert_int_equal(period_parse("2024-Q1", &p, err, sizeof err), 0);
	assert_int_equal(vnfmt_period_title(&p, b, 8), -1);
	assert_string_equal(b, "");
	p.number = 5; /* not a quarter */
	assert_int_equal(vnfmt_period_title(&p, b, sizeof b), -1);
}

static void test_upper(void **state)
{
	(void)state;
	CHECK(vnfmt_upper("quý I năm 2024", b_, sizeof b_), "QUÝ I NĂM 2024");
	CHECK(vnfmt_upper("Phương hướng, nhiệm vụ", b_, sizeof b_), "PHƯƠNG HƯỚNG, NHIỆM VỤ");
	CHECK(vnfmt_upper("đường ơi ữ ỹ ậ ặ ẻ ồ ợ ụ", b_, sizeof b_), "ĐƯỜNG ƠI Ữ Ỹ Ậ Ặ Ẻ Ồ Ợ Ụ");
	CHECK(vnfmt_upper("àáâãèéêìíòóôõùúýăĩũ", b_, sizeof b_), "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĨŨ");
	CHECK(vnfmt_upper("ĐÃ HOA 123 ×÷", b_, sizeof b_), "ĐÃ HOA 123 ×÷");
	char b[8];
	assert_int_equal(vnfmt_upper("quý I năm", b, sizeof b), -1);
	assert_string_equal(b, "");
	assert_int_equal(vnfmt_upper("", b, sizeof b), 0);
	assert_string_equal(b, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_small_count),
	    cmocka_unit_test(test_percent_x100_rounding),
	    cmocka_unit_test(test_percent_text),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_date_line),
	    cmocka_unit_test(test_period_titles),
	    cmocka_unit_test(test_upper),
	};
	return cmocka_run_group_tests_name("vnfmt", tests, NULL, NULL);
}

/* Unit tests of where `cchc report` writes its files (tools/cchc/report.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report.h"

static void check(const char *output, const char *name, size_t nfiles, const char *want)
{
	char path[256], err[256];
	assert_int_equal(report_file_path(output, name, nfiles, path, sizeof path, err, sizeof err),
	                 0);
	assert_string_equal(path, want);
}

static void test_paths(void **state)
{
	(void)state;
	check("out/r.json", ".json", 1, "out/r.json"); /* one file: -o exactly */
	check("out/bao-cao", "-theo-cap.csv", 4, "out/bao-cao-theo-cap.csv");
	check("out/bao-cao.csv", "-theo-cap.csv", 4, "out/bao-cao-theo-cap.csv");
	check("out/bao-cao.xlsx", "-theo-cap.csv", 4, "out/bao-cao.xlsx-theo-cap.csv");
	check(".csv", "-theo-cap.csv", 4, ".csv-theo-cap.csv"); /* nothing left to strip to */
}

static void test_unsafe_names(void **state)
{
	(void)state;
	char path[256], err[256];
	assert_int_equal(
	    report_file_path("out/r", "/etc/passwd", 2, path, sizeof path, err, sizeof err), -1);
	assert_int_equal(
	    report_file_path("out/r", "-../../x.csv", 2, path, sizeof path, err, sizeof err), -1);
	assert_int_equal(report_file_path("out/r", "", 2, path, sizeof path, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_unsafe_names),
	};
	return cmocka_run_group_tests_name("report_path", tests, NULL, NULL);
}

/* test_units_map: the registry's pure parts added for issue 3: units_parse from a buffer (errors
 * name the line), registry_validate (duplicates, parents), and units_successor across the
 * snapshots of deploy/data/units.csv (merged_from_codes, kept codes, abolished districts, breaks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "stats_query.h"
#include "stats_registry.h"
#include "units.h"

static units *reg;

static int setup(void **st)
{
	char err[256];
	(void)st;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	return units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err);
}

static int teardown(void **st)
{
	(void)st;
	units_free(reg);
	return 0;
}

static int64_t date_ms(const char *d)
{
	int64_t ms;
	char err[128];
	assert_int_equal(query_parse_map_to(d, &ms, err, sizeof err), 0);
	return ms;
}

static const char *succ(const char *code, const char *snapshot, const char *date)
{
	const unit *x = units_get(reg, code, snapshot);
	assert_non_null(x);
	const unit *y = units_successor(reg, x, date_ms(date));
	return y ? y->code : NULL;
}

static void test_successor(void **st)
{
	(void)st;
	/* 2024 commune → kept code in 2025-03 → merged_from in 2025-07 */
	assert_string_equal(succ("20047", "2024-11-01", "2025-05-01"), "20047");
	assert_string_equal(succ("20047", "2024-11-01", "2025-07-01"), "20056");
	assert_string_equal(succ("19750", "2024-11-01", "2026-01-01"), "19753");
	const unit *y =
	    units_successor(reg, units_get(reg, "20047", "2024-11-01"), date_ms("2025-07-01"));
	assert_string_equal(y->snapshot, "2025-07-01");
	assert_int_equal(y->level, 3);
	/* districts: kept in 2025-03, abolished in 2025-07 → the parent's successor (46) */
	assert_string_equal(succ("481", "2024-11-01", "2025-04-01"), "481");
	assert_string_equal(succ("481", "2024-11-01", "2025-07-01"), "46");
	assert_string_equal(
	    units_successor(reg, units_get(reg, "481", "2024-11-01"), date_ms("2025-07-01"))
	        ->snapshot,
	    "2025-07-01");
	/* vanished in 2025-03 without merged_from: no known successor */
	assert_null(succ("19822", "2024-11-01", "2025-07-01"));
	assert_null(succ("483", "2024-11-01", "2025-03-01"));
	/* valid on the date, or newer than it: itself */
	assert_string_equal(succ("19753", "2025-07-01", "2024-01-01"), "19753");
	assert_string_equal(succ("20047", "2024-11-01", "2024-01-01"), "20047");
}

static const char *carrier(const char *code, const char *snapshot, const char *date)
{
	const unit *x = units_get(reg, code, snapshot);
	assert_non_null(x);
	const unit *y = units_carrier(reg, x, date_ms(date));
	return y ? y->code : NULL;
}

/* The structure of a period's last day: a broken chain goes to the nearest ancestor's successor,
 * so nothing stays on a level that no longer exists; an unbroken one is units_successor's. */
static void test_carrier(void **st)
{
	(void)st;
	assert_string_equal(carrier("20047", "2024-11-01", "2025-07-01"), "20056");
	assert_string_equal(carrier("481", "2024-11-01", "2025-07-01"), "46");
	/* commune 19822 of district 476 vanished in 2025-03: district 476 then, the city after */
	assert_string_equal(carrier("19822", "2024-11-01", "2025-04-01"), "476");
	assert_int_equal(
	    units_carrier(reg, units_get(reg, "19822", "2024-11-01"), date_ms("2025-04-01"))->level,
	    2);
	assert_string_equal(carrier("19822", "2024-11-01", "2025-07-01"), "46");
	/* district 483 vanished in 2025-03: the province (46) carries it, at province level */
	assert_string_equal(carrier("483", "2024-11-01", "2025-03-01"), "46");
	assert_int_equal(
	    units_carrier(reg, units_get(reg, "483", "2024-11-01"), date_ms("2025-03-01"))->level,
	    1);
	/* valid on the date: itself */
	assert_string_equal(carrier("483", "2024-11-01", "2024-06-01"), "483");
}

static void test_parse_and_validate(void **st)
{
	(void)st;
	units *u = NULL;
	char err[256];
	const char ok[] = "snapshot,code,name,level,unit_type,parent_code,merged_from_codes\n"
	                  "2024-11-01,46,T,1,Tỉnh,,\n2024-11-01,474,H,2,TP,46,\n"
	                  "2025-07-01,46,T,1,TP,,\n2025-07-01,19753,P,3,Phường,46,474\n";
	assert_int_equal(units_parse(ok, sizeof ok - 1, "x.csv", &u, err, sizeof err), 0);
	assert_int_equal(units_count(u), 4);
	assert_int_equal(registry_validate(ok, sizeof ok - 1, "x.csv", err, sizeof err), 0);
	assert_string_equal(
	    units_successor(u, units_get(u, "474", "2024-11-01"), date_ms("2025-08-01"))->code,
	    "19753");
	units_free(u);

	const char bad[] = "h\n2024-11-01,46,T,1,Tỉnh,,\n2024-11-01,474,H,x,TP,46,\n";
	assert_int_equal(units_parse(bad, sizeof bad - 1, "x.csv", &u, err, sizeof err), -1);
	assert_null(u);
	assert_non_null(strstr(err, "x.csv:3:"));
	const char few[] = "h\n2024-11-01,46,T,1\n";
	assert_int_equal(units_parse(few, sizeof few - 1, "x.csv", &u, err, sizeof err), -1);
	assert_non_null(strstr(err, "x.csv:2:"));
	const char dup[] = "h\n2024-11-01,46,T,1,Tỉnh,,\n2024-11-01,474,H,2,TP,46,\n"
	                   "2024-11-01,474,H,2,TP,46,\n";
	assert_int_equal(registry_validate(dup, sizeof dup - 1, "x.csv", err, sizeof err), -1);
	assert_non_null(strstr(err, "x.csv:4:"));
	const char orphan[] = "h\n2024-11-01,46,T,1,Tỉnh,,\n2024-11-01,474,H,2,TP,47,\n";
	assert_int_equal(registry_validate(orphan, sizeof orphan - 1, "x.csv", err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "x.csv:3:"));
	/* the project's own registry passes */
	char *buf;
	size_t len;
	assert_int_equal(
	    units_read_file(CCHC_SOURCE_DIR "/deploy/data/units.csv", &buf, &len, err, sizeof err),
	    0);
	assert_int_equal(registry_validate(buf, len, "units.csv", err, sizeof err), 0);
	free(buf);
}

static void test_map_to_dates(void **st)
{
	(void)st;
	int64_t ms;
	char err[128];
	assert_int_equal(query_parse_map_to("2025-07-01", &ms, err, sizeof err), 0);
	assert_int_equal(ms, (int64_t)(1751302800) * 1000); /* 2025-07-01T00:00+07:00 */
	assert_int_equal(query_parse_map_to("CURRENT", &ms, err, sizeof err), 0);
	assert_int_equal(query_parse_map_to("2025-02-30", &ms, err, sizeof err), -1);
	assert_int_equal(query_parse_map_to("2025-7-01", &ms, err, sizeof err), -1);
	assert_int_equal(query_parse_map_to("", &ms, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_successor),
	    cmocka_unit_test(test_carrier),
	    cmocka_unit_test(test_parse_and_validate),
	    cmocka_unit_test(test_map_to_dates),
	};
	return cmocka_run_group_tests_name("units_map", tests, setup, teardown);
}

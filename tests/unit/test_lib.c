/* Unit tests of the pure shared library: RFC 3339 times, Nghị định 09 periods, the configuration
 * file, and the unit registry's validity across snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf.h"
#include "hashidx.h"
#include "period.h"
#include "rfc3339.h"
#include "service.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_rfc3339_good(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(rfc3339_parse("2024-01-05T08:15:00+07:00", &ms), 0);
	assert_int_equal(ms, 1704417300000LL);
	assert_int_equal(rfc3339_parse("2024-01-05T01:15:00.250Z", &ms), 0);
	assert_int_equal(ms, 1704417300250LL);
	assert_int_equal(rfc3339_parse("2024-02-29T23:59:59-01:30", &ms), 0);
	char buf[40];
	rfc3339_format_utc(1704417300250LL, buf, sizeof buf);
	assert_string_equal(buf, "2024-01-05T01:15:00.250Z");
}

static void test_rfc3339_bad(void **state)
{
	(void)state;
	int64_t ms;
	static const char *const bad[] = {
	    "",
	    "2024-01-05",
	    "2024-01-05T08:15:00",       /* no offset */
	    "2024-01-05 08:15:00+07:00", /* space */
	    "2023-02-29T00:00:00Z",      /* not a leap year */
	    "2024-13-01T00:00:00Z",
	    "2024-01-05T24:00:00Z",
	    "2024-01-05T08:60:00Z",
	    "2024-01-05T08:15:00+0700",
	    "2024-01-05T08:15:00+07:00x",
	    "2024-01-05T08:15:00.Z",
	    "05/01/2024 08:15",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(rfc3339_parse(bad[i], &ms), -1);
	assert_int_equal(rfc3339_parse(NULL, &ms), -1);
}

static int64_t at(const char *s)
{
	int64_t ms;
	assert_int_equal(rfc3339_parse(s, &ms), 0);
	return ms;
}

static void check_period(const char *label, const char *first, const char *last)
{
	period p;
	char err[256];
	assert_int_equal(period_parse(label, &p, err, sizeof err), 0);
	assert_string_equal(p.first_day, first);
	assert_string_equal(p.last_day, last);
	char from[40], to[40];
	snprintf(from, sizeof from, "%sT00:00:00+07:00", first);
	assert_int_equal(p.from_ms, at(from));
	snprintf(to, sizeof to, "%sT23:59:59+07:00", last);
	assert_int_equal(p.to_ms, at(to) + 1000);
}

static void test_periods(void **state)
{
	(void)state;
	check_period("2024-Q1", "2023-12-15", "2024-03-14");
	check_period("2024-Q2", "2024-03-15", "2024-06-14");
	check_period("2024-Q3", "2024-06-15", "2024-09-14");
	check_period("2024-Q4", "2024-09-15", "2024-12-14");
	check_period("2024-H1", "2023-12-15", "2024-06-14");
	check_period("2024-H2", "2024-06-15", "2024-12-14");
	check_period("2024-9M", "2023-12-15", "2024-09-14");
	check_period("2024", "2023-12-15", "2024-12-14");
	check_period("2024-03", "2024-02-15", "2024-03-14");
	check_period("2024-01", "2023-12-15", "2024-01-14");
	check_period("2024-01-01..2024-03-31", "2024-01-01", "2024-03-31");
}

static void test_period_boundary_local_day(void **state)
{
	(void)state;
	period q1, q2;
	char err[256];
	assert_int_equal(period_parse("2024-Q1", &q1, err, sizeof err), 0);
	assert_int_equal(period_parse("2024-Q2", &q2, err, sizeof err), 0);
	/* 00:10 on 15/03/2024 local is still 14/03 in UTC, and belongs to Q2 */
	int64_t t = at("2024-03-14T17:10:00Z");
	assert_true(t >= q1.to_ms);
	assert_true(t >= q2.from_ms && t < q2.to_ms);
	assert_int_equal(q1.to_ms, q2.from_ms);
}

static void test_period_bad(void **state)
{
	(void)state;
	period p;
	char err[256];
	static const char *const bad[] = {"",
	                                  "2024-Q5",
	                                  "2024-Q0",
	                                  "2024-H3",
	                                  "2024-13",
	                                  "2024-00",
	                                  "24-Q1",
	                                  "2024-Q1x",
	                                  "20245",
	                                  "2024-8M",
	                                  "2024-03-31..2024-01-01",
	                                  "2024-02-30..2024-03-01"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(period_parse(bad[i], &p, err, sizeof err), -1);
		assert_true(strlen(err) > 0);
	}
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/cchc-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_conf(void **state)
{
	(void)state;
	char *path = write_temp("# a comment\n"
	                        "ingest.listen = tcp://127.0.0.1:9001  # trailing comment\n"
	                        "units_file = data/units.csv\n"
	                        "key_file = /abs/dev.key\n"
	                        "max_batch_records = 250\n"
	                        "stop_timeout_ms = 0\n"
	                        "max_message_bytes = 65536\n"
	                        "console.max_per_address = 3\n"
	                        "console.cert = tls/console.crt\n"
	                        "console.behind_proxy = on\n"
	                        "\n"
	                        "timezone=Asia/Bangkok\n");
	conf c;
	char err[512];
	assert_int_equal(conf_load(path, &c, err, sizeof err), 0);
	assert_string_equal(c.ingest_listen, "tcp://127.0.0.1:9001");
	assert_string_equal(c.stats_listen, "tcp://127.0.0.1:7402"); /* default kept */
	assert_string_equal(c.units_file, "/tmp/data/units.csv");    /* relative to the file */
	assert_string_equal(c.key_file, "/abs/dev.key");
	assert_int_equal(c.max_batch_records, 250);
	assert_int_equal(c.stop_timeout_ms, 0);        /* allowed: stop without waiting */
	assert_int_equal(c.request_timeout_ms, 30000); /* default kept */
	assert_string_equal(c.timezone, "Asia/Bangkok");
	assert_int_equal(c.max_message_bytes, 65536); /* a size_t setting */
	assert_int_equal(c.console_max_per_address, 3);
	assert_int_equal(c.console_max_connections, 64); /* default kept */
	assert_string_equal(c.console_cert, "/tmp/tls/console.crt");
	assert_string_equal(c.console_listen, "http://127.0.0.1:7404");
	assert_int_equal(c.console_behind_proxy, 1);
	unlink(path);
	free(path);
}

static void test_conf_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {"nonsense line\n",
	                                  "no_such_key = 1\n",
	                                  "max_batch_records = -3\n",
	                                  "workers = 0\n",
	                                  "max_message_bytes = 12abc\n",
	                                  "stop_timeout_ms = 600001\n",
	                                  "console.max_body_bytes = 100\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = write_temp(bad[i]);
		conf c;
		char err[512] = "";
		assert_int_equal(conf_load(path, &c, err, sizeof err), -1);
		assert_non_null(strstr(err, ":1:")); /* names the line */
		unlink(path);
		free(path);
	}
	conf c;
	char err[512];
	assert_int_equal(conf_load("/nonexistent/cchc.conf", &c, err, sizeof err), -1);
}

/* The national roll-up's keys (docs/design.md §15). */
static void test_conf_national(void **state)
{
	(void)state;
	char *path =
	    write_temp("mode = national\n"
	               "publish = on\n"
	               "province = 48\n"
	               "publish.role = cchc_repl\n"
	               "national.max_age = 15m\n"
	               "national.province.46 = host=a dbname=cchc user=cchc_repl\n"
	               "national.province.48 = host=b dbname=cchc\n"
	               "national.province.46 = host=c dbname=cchc  # replaces the first\n");
	conf c;
	char err[512];
	assert_int_equal(conf_load(path, &c, err, sizeof err), 0);
	assert_true(c.national);
	assert_true(c.publish);
	assert_string_equal(c.province, "48");
	assert_string_equal(c.publish_role, "cchc_repl");
	assert_int_equal(c.national_max_age_seconds, 900);
	assert_int_equal(c.n_national_provinces, 2);
	assert_string_equal(c.national_provinces[0].code, "46");
	assert_string_equal(c.national_provinces[0].conninfo, "host=c dbname=cchc");
	assert_string_equal(c.national_provinces[1].conninfo, "host=b dbname=cchc");
	unlink(path);
	free(path);

	conf d;
	memset(&d, 0, sizeof d);
	assert_int_equal(conf_set(&d, "national.max_age", "2d", NULL, err, sizeof err), 0);
	assert_int_equal(d.national_max_age_seconds, 2 * 86400);
	assert_int_equal(conf_set(&d, "national.max_age", "90", NULL, err, sizeof err), 0);
	assert_int_equal(d.national_max_age_seconds, 90);
	static const char *const bad[][2] = {
	    {"mode", "nationwide"},
	    {"publish", "yes"},
	    {"province", "4"},
	    {"province", "46a"},
	    {"national.max_age", "0"},
	    {"national.max_age", "5w"},
	    {"national.max_age", "-1h"},
	    {"national.max_age", "400d"},
	    {"national.province.4", "x"},
	    {"national.province.46", ""},
	    {"national.province.VN", "x"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(conf_set(&d, bad[i][0], bad[i][1], NULL, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i][0]));
	}
	assert_true(conf_is_province_code("01"));
	assert_false(conf_is_province_code("1"));
	assert_false(conf_is_province_code("VN"));
}

static void test_units_history(void **state)
{
	(void)state;
	units *u;
	char err[512];
	assert_int_equal(units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &u, err, sizeof err),
	                 0);
	/* 19753 is Phường Thuận Lộc in 2024 and Phường Phú Xuân from 07/2025 */
	const unit *a = units_find(u, "19753", at("2024-03-01T00:00:00+07:00"));
	const unit *b = units_find(u, "19753", at("2025-07-01T00:00:00+07:00"));
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->name, "Phường Thuận Lộc");
	assert_string_equal(b->name, "Phường Phú Xuân");
	assert_string_equal(a->parent, "474");
	assert_string_equal(b->parent, "46");
	/* the 2025-07 snapshot starts exactly at local midnight */
	assert_string_equal(units_find(u, "19753", at("2025-06-30T23:59:59+07:00"))->snapshot,
	                    "2025-03-01");
	/* grants: the province covers all, a district its communes, nothing else */
	int64_t t = at("2024-02-01T00:00:00+07:00");
	assert_true(units_within(u, "19753", "46", t));
	assert_true(units_within(u, "19753", "474", t));
	assert_true(units_within(u, "474", "474", t));
	assert_false(units_within(u, "19753", "475", t));
	assert_false(units_within(u, "46", "474", t));
	assert_null(units_find(u, "99999", t));
	/* districts do not exist after 07/2025 */
	assert_null(units_find(u, "474", at("2025-08-01T00:00:00+07:00")));
	size_t n2024 = 0;
	for (size_t i = 0; i < units_count(u); i++)
		if (!strcmp(units_at(u, i)->snapshot, "2024-11-01"))
			n2024++;
	assert_int_equal(n2024, 151);
	units_free(u);
}

static void test_units_bad_file(void **state)
{
	(void)state;
	units *u;
	char err[512] = "";
	char *path = write_temp("snapshot,code,name,level,unit_type,parent_code,merged_from_codes\n"
	                        "2024-11-01,46,Tỉnh,1,Tỉnh,,\n"
	                        "2024-11-01,474,Huế,9,Thành phố,46,\n");
	assert_int_equal(units_load(path, &u, err, sizeof err), -1);
	assert_non_null(strstr(err, ":3:"));
	unlink(path);
	free(path);
}

/* hashidx over an array of strings: each distinct string gets the index it was first added
 * under, across growth, and a colliding hash (all hashes equal) still tells strings apart. */
static int str_eq(const void *ctx, uint32_t idx, const void *probe)
{
	return !strcmp(((char *const *)ctx)[idx], probe);
}

static void test_hashidx(void **state)
{
	(void)state;
	enum { N = 5000 };
	static char buf[N][16];
	static char *v[N];
	for (int collide = 0; collide < 2; collide++) {
		hashidx h = {0};
		size_t distinct = 0;
		for (int i = 0; i < N; i++) {
			snprintf(buf[i], sizeof buf[i], "k%d",
			         i % 1500); /* 1500 distinct, repeated */
			v[i] = buf[i];
			uint64_t hash = collide ? 42 : hashidx_str(HASHIDX_SEED, v[i]);
			uint32_t idx;
			int r = hashidx_get_or_add(&h, hash, v[i], str_eq, v, (uint32_t)i, &idx);
			assert_true(r == 0 || r == 1);
			assert_int_equal(r, i >= 1500);
			assert_int_equal(idx, i % 1500);
			distinct += r == 0;
			if (collide && i == 600)
				break; /* quadratic when every hash collides: enough to show it */
		}
		assert_int_equal(distinct, collide ? 601 : 1500);
		assert_int_equal(h.n, distinct);
		hashidx_free(&h);
	}
	assert_true(hashidx_str(HASHIDX_SEED, "ab") != hashidx_str(HASHIDX_SEED, "ba"));
	assert_true(hashidx_str(hashidx_str(HASHIDX_SEED, "ab"), "c") !=
	            hashidx_str(hashidx_str(HASHIDX_SEED, "a"), "bc"));
}

int main(void)
{
	service_set_timezone("Asia/Ho_Chi_Minh");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3339_good),  cmocka_unit_test(test_rfc3339_bad),
	    cmocka_unit_test(test_periods),       cmocka_unit_test(test_period_boundary_local_day),
	    cmocka_unit_test(test_period_bad),    cmocka_unit_test(test_conf),
	    cmocka_unit_test(test_conf_errors),   cmocka_unit_test(test_conf_national),
	    cmocka_unit_test(test_units_history), cmocka_unit_test(test_units_bad_file),
	    cmocka_unit_test(test_hashidx),
	};
	return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}

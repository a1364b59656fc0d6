/* Unit tests of console_req (docs/design.md §14): form, query and path decoding ('+', %XX, empty
 * parts, names without values, UTF-8 passed through), refusals (a bad or cut escape, an encoded
 * NUL, too many pairs), cookie headers as browsers send them, and the response helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "console_http.h"

#include <stdlib.h>
#include <string.h>

static int parse(const char *s, size_t max, http_kv **kv, size_t *n)
{
	return http_parse_urlencoded(s, strlen(s), max, kv, n);
}

static void test_urlencoded(void **state)
{
	(void)state;
	http_kv *kv;
	size_t n;
	assert_int_equal(
	    parse("period=2024-Q1&scope=46&&note=B%C3%A1o+c%C3%A1o%21&force&x=", 16, &kv, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(kv[0].name, "period");
	assert_string_equal(kv[0].value, "2024-Q1");
	assert_string_equal(kv[1].value, "46");
	assert_string_equal(kv[2].name, "note");
	assert_string_equal(kv[2].value, "Báo cáo!");
	assert_string_equal(kv[3].name, "force");
	assert_string_equal(kv[3].value, "");
	assert_string_equal(kv[4].name, "x");
	assert_string_equal(kv[4].value, "");
	http_req r = {.query = kv, .n_query = n};
	assert_string_equal(http_query(&r, "scope"), "46");
	assert_null(http_query(&r, "missing"));
	assert_null(http_form(&r, "scope")); /* the form is another list */
	http_kv_free(kv, n);
	/* a length shorter than the string: only that much is read */
	assert_int_equal(http_parse_urlencoded("a=1&b=2", 3, 4, &kv, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(kv[0].value, "1");
	http_kv_free(kv, n);
	assert_int_equal(parse("", 4, &kv, &n), 0);
	assert_int_equal(n, 0);
	http_kv_free(kv, n);
}

static void test_urlencoded_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"a=%zz", "a=%4", "a=%", "a=1%00b", "%00=1", "a=1&b=%G1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		http_kv *kv = (http_kv *)1;
		size_t n = 9;
		assert_int_equal(parse(bad[i], 16, &kv, &n), -1);
		assert_null(kv);
		assert_int_equal(n, 0);
	}
	http_kv *kv;
	size_t n;
	assert_int_equal(parse("a=1&b=2&c=3", 2, &kv, &n), -1); /* more pairs than allowed */
	assert_int_equal(parse("a=1&b=2", 2, &kv, &n), 0);
	http_kv_free(kv, n);
}

/* A path decodes %XX as a query does, but '+' stays itself; the same refusals. */
static void test_path(void **state)
{
	(void)state;
	char *p;
	assert_int_equal(http_decode_path("/b%C3%A1o+c%C3%A1o%2Fx", 22, &p), 0);
	assert_string_equal(p, "/báo+cáo/x");
	free(p);
	assert_int_equal(http_decode_path("/report?x", 7, &p), 0); /* only len bytes */
	assert_string_equal(p, "/report");
	free(p);
	static const char *const bad[] = {"/a%00b", "/%zz", "/%4", "/%"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = (char *)1;
		assert_int_equal(http_decode_path(bad[i], strlen(bad[i]), &p), -1);
		assert_null(p);
	}
}

static void test_cookies(void **state)
{
	(void)state;
	http_kv *kv;
	size_t n;
	assert_int_equal(http_parse_cookies(
	                     "cchc_session=abc123; theme=\"dark\" ;junk; e=;  x = y ", 8, &kv, &n),
	                 0);
	assert_int_equal(n, 4);
	http_req r = {.cookies = kv, .n_cookies = n};
	assert_string_equal(http_cookie(&r, "cchc_session"), "abc123");
	assert_string_equal(http_cookie(&r, "theme"), "dark");
	assert_string_equal(http_cookie(&r, "e"), "");
	assert_string_equal(http_cookie(&r, "x"), "y");
	assert_null(http_cookie(&r, "junk"));
	http_kv_free(kv, n);
	assert_int_equal(http_parse_cookies(NULL, 8, &kv, &n), 0);
	assert_int_equal(n, 0);
	http_kv_free(kv, n);
	assert_int_equal(http_parse_cookies("a=1; b=2; c=3", 2, &kv, &n), -1);
}

static void test_response(void **state)
{
	(void)state;
	http_resp r = {0};
	uint8_t *body = malloc(5);
	memcpy(body, "hello", 5);
	http_resp_set(&r, 200, "text/plain; charset=utf-8", body, 5);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 5);
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
	http_resp_redirect(&r, "/login?next=%2F"); /* drops the body */
	assert_int_equal(r.status, 303);
	assert_null(r.body);
	assert_string_equal(r.location, "/login?next=%2F");
	for (int i = 0; i < HTTP_MAX_COOKIES; i++)
		assert_int_equal(http_resp_cookie(&r, "a=b; Path=/; HttpOnly"), 0);
	assert_int_equal(http_resp_cookie(&r, "one=too-many"), -1);
	assert_int_equal(r.n_cookies, HTTP_MAX_COOKIES);
	http_resp_clear(&r);
	assert_int_equal(r.n_cookies, 0);
	assert_int_equal(r.status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_urlencoded), cmocka_unit_test(test_urlencoded_refused),
	    cmocka_unit_test(test_path),       cmocka_unit_test(test_cookies),
	    cmocka_unit_test(test_response),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

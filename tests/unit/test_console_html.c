/* Unit tests of console_html, the console pages' buffer (docs/design.md §14): markup and
 * Vietnamese text pass as they are, every character that could open markup or close an attribute
 * is escaped, invalid UTF-8 becomes U+FFFD, control characters are dropped, query values are
 * percent-encoded, and a large page grows without loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "console_html.h"

#include <stdlib.h>
#include <string.h>

/* The buffer's text after writing, handed over as a page would be. */
static char *take(html *h)
{
	uint8_t *data;
	size_t len;
	assert_int_equal(html_take(h, &data, &len), 0);
	assert_int_equal(strlen((char *)data), len);
	assert_null(h->buf); /* the buffer moved out */
	return (char *)data;
}

static void test_raw_and_text(void **state)
{
	(void)state;
	html h = {0};
	html_raw(&h, "<p class=\"x\">");
	html_text(&h, "Số liệu quý I năm 2024 — Thừa Thiên Huế");
	html_rawf(&h, "</p><td>%d</td>", 1234);
	char *s = take(&h);
	assert_string_equal(
	    s, "<p class=\"x\">Số liệu quý I năm 2024 — Thừa Thiên Huế</p><td>1234</td>");
	free(s);
}

static void test_hostile_text(void **state)
{
	(void)state;
	html h = {0};
	html_text(&h, "<script>alert('x')</script> & \"q\"");
	html_raw(&h, "|");
	html_attr(&h, "\" onmouseover=\"alert(1)");
	char *s = take(&h);
	assert_string_equal(s,
	                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;|"
	                    "&quot; onmouseover=&quot;alert(1)");
	assert_null(strchr(s, '<'));
	free(s);
}

static void test_bad_utf8_and_controls(void **state)
{
	(void)state;
	html h = {0};
	/* a lone continuation byte, an overlong '/', a surrogate, a truncated sequence, a bell */
	html_text(&h, "a\x80"
	              "b\xC0\xAF"
	              "c\xED\xA0\x80"
	              "d\xE1\xBA"
	              "\a\n");
	char *s = take(&h);
	assert_string_equal(s, "a\xEF\xBF\xBD"
	                       "b\xEF\xBF\xBD\xEF\xBF\xBD"
	                       "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
	                       "d\xEF\xBF\xBD\xEF\xBF\xBD\n");
	free(s);
	html_text(&h, NULL); /* nothing, not a crash */
	s = take(&h);
	assert_string_equal(s, "");
	free(s);
}

static void test_url(void **state)
{
	(void)state;
	html h = {0};
	html_url(&h, "2024-01-01..2024-03-31");
	html_raw(&h, " ");
	html_url(&h, "a b&c=d/é\"<");
	char *s = take(&h);
	assert_string_equal(s, "2024-01-01..2024-03-31 a%20b%26c%3Dd%2F%C3%A9%22%3C");
	free(s);
}

static void test_grows(void **state)
{
	(void)state;
	html h = {0};
	for (int i = 0; i < 20000; i++)
		html_rawf(&h, "<tr data-code=\"%d\"><td>%s</td></tr>", i,
		          i == 12345 ? "một dòng dài hơn" : "x");
	char long_arg[1000];
	memset(long_arg, 'y', sizeof long_arg - 1);
	long_arg[sizeof long_arg - 1] = '\0';
	html_rawf(&h, "%s", long_arg); /* longer than html_rawf's small buffer */
	char *s = take(&h);
	assert_non_null(strstr(s, "<tr data-code=\"12345\"><td>một dòng dài hơn</td></tr>"));
	assert_non_null(strstr(s, "<tr data-code=\"19999\"><td>x</td></tr>"));
	assert_int_equal(strlen(s) - strlen(strstr(s, long_arg)), strlen(s) - 999);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw_and_text),
	    cmocka_unit_test(test_hostile_text),
	    cmocka_unit_test(test_bad_utf8_and_controls),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the console's router and rights (console_app.c, console_frame.c; docs/design.md
 * §14) without stats: a page without a session sends to the sign-in (and /api/ answers 401), a
 * POST without its CSRF token is refused before anything else, the login form's double-submit
 * token, `next` kept to this console's own paths, the rights of a district user on the registry of
 * deploy/data/units.csv (its communes yes, the neighbouring district no, and nothing once
 * districts are gone), the default period, hostile query values escaped on error pages, 404 and
 * 405, and the stylesheet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "calendar.h"
#include "conf.h"
#include "console_app.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct fixture {
	conf cf;
	export_ctx ctx;
	console_app app;
} fixture;

static int setup(void **state)
{
	char err[512];
	fixture *f = calloc(1, sizeof *f);
	units *u = NULL;
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	if (!f || conf_load("/dev/null", &f->cf, err, sizeof err) ||
	    units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &u, err, sizeof err)) {
		fprintf(stderr, "setup: %s\n", err);
		free(f);
		return -1;
	}
	f->ctx.conf = &f->cf;
	if (console_app_init(&f->app, &f->ctx, 0, err, sizeof err)) {
		fprintf(stderr, "setup: %s\n", err);
		units_free(u);
		free(f);
		return -1;
	}
	console_app_pin_units(&f->app, u);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	console_app_free(&f->app);
	free(f);
	return 0;
}

/* A request as console_http.c hands it over: query and form from urlencoded text, cookies from
 * a Cookie header. The response's body comes back NUL-terminated in *body (free it). */
static void request(console_app *a, const char *method, const char *path, const char *query,
                    const char *form, const char *cookies, http_resp *out, char **body)
{
	http_req rq = {.method = method, .path = path};
	snprintf(rq.client_addr, sizeof rq.client_addr, "127.0.0.1");
	assert_int_equal(http_parse_urlencoded(query, strlen(query), 64, &rq.query, &rq.n_query),
	                 0);
	assert_int_equal(http_parse_urlencoded(form, strlen(form), 64, &rq.form, &rq.n_form), 0);
	assert_int_equal(http_parse_cookies(cookies, 8, &rq.cookies, &rq.n_cookies), 0);
	memset(out, 0, sizeof *out);
	console_route(a, &rq, out);
	*body = calloc(1, out->len + 1);
	assert_non_null(*body);
	if (out->len)
		memcpy(*body, out->body, out->len);
	http_kv_free(rq.query, rq.n_query);
	http_kv_free(rq.form, rq.n_form);
	http_kv_free(rq.cookies, rq.n_cookies);
}

static const char *cookie_named(const http_resp *r, const char *name)
{
	for (size_t i = 0; i < r->n_cookies; i++)
		if (!strncmp(r->cookies[i], name, strlen(name)) &&
		    r->cookies[i][strlen(name)] == '=')
			return r->cookies[i];
	return NULL;
}

static void signed_in(fixture *f, const char *role, const char *scope, session_info *s,
                      char *cookie, size_t len)
{
	assert_int_equal(
	    session_create(f->app.sessions, "canbo", role, scope, 1, (int64_t)time(NULL) * 1000, s),
	    0);
	snprintf(cookie, len, "cchc_session=%s", s->id);
}

/* A request's view for `query` (console_view_init): its status, the view and the reason. */
typedef struct asked {
	http_req rq;
	console_view v;
	char msg[1024];
} asked;

static int ask(fixture *f, const session_info *who, const char *query, asked *a)
{
	memset(a, 0, sizeof *a);
	a->rq.method = "GET";
	a->rq.path = "/";
	assert_int_equal(
	    http_parse_urlencoded(query, strlen(query), 16, &a->rq.query, &a->rq.n_query), 0);
	return console_view_init(&f->app, &a->rq, who, &a->v, a->msg, sizeof a->msg);
}

static void asked_free(asked *a)
{
	console_view_free(&a->v);
	http_kv_free(a->rq.query, a->rq.n_query);
}

static void test_without_session(void **state)
{
	fixture *f = *state;
	http_resp r;
	char *body;
	request(&f->app, "GET", "/checks", "period=2024-Q1&scope=474", "", "", &r, &body);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/login?next=%2Fchecks%3Fperiod%3D2024-Q1%26scope%3D474");
	http_resp_clear(&r);
	free(body);
	/* a session that is no longer there: the same, with a word on the sign-in page */
	request(&f->app, "GET", "/", "", "", "cchc_session=0123abcd", &r, &body);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/login?expired=1");
	assert_non_null(strstr(cookie_named(&r, "cchc_session"), "Max-Age=0"));
	http_resp_clear(&r);
	free(body);
	/* a POST is not carried over */
	request(&f->app, "POST", "/closing", "period=2024-Q1", "action=close", "", &r, &body);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/login");
	http_resp_clear(&r);
	free(body);
	/* the API answers JSON */
	request(&f->app, "GET", "/api/figures", "period=2024-Q1", "", "", &r, &body);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.content_type, "application/json");
	assert_non_null(strstr(body, "\"error\""));
	http_resp_clear(&r);
	free(body);
}

static void test_csrf(void **state)
{
	fixture *f = *state;
	session_info s, got;
	http_resp r;
	char *body, cookie[128], form[256];
	signed_in(f, "officer", "", &s, cookie, sizeof cookie);
	/* no token, a wrong one, another session's: refused before anything is looked at */
	request(&f->app, "POST", "/closing", "period=2024-Q1&scope=46", "action=close", cookie, &r,
	        &body);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(body, "CSRF"));
	http_resp_clear(&r);
	free(body);
	session_info other;
	char other_cookie[128];
	signed_in(f, "admin", "", &other, other_cookie, sizeof other_cookie);
	snprintf(form, sizeof form, "action=close&csrf=%s", other.csrf);
	request(&f->app, "POST", "/closing", "period=2024-Q1&scope=46", form, cookie, &r, &body);
	assert_int_equal(r.status, 403);
	http_resp_clear(&r);
	free(body);
	request(&f->app, "POST", "/users", "", "action=add&name=x&csrf=00", cookie, &r, &body);
	assert_int_equal(r.status, 403);
	http_resp_clear(&r);
	free(body);
	/* a forged sign-out leaves the session alone */
	request(&f->app, "POST", "/logout", "", "csrf=", cookie, &r, &body);
	assert_int_equal(r.status, 403);
	assert_int_equal(session_get(f->app.sessions, s.id, (int64_t)time(NULL) * 1000, &got), 0);
	http_resp_clear(&r);
	free(body);
}

static void test_login_form(void **state)
{
	fixture *f = *state;
	http_resp r;
	char *body, token[SESSION_ID_CHARS + 1], cookie[256], form[512];
	request(&f->app, "GET", "/login", "next=%2Fchecks%3Fperiod%3D2024-Q1", "", "", &r, &body);
	assert_int_equal(r.status, 200);
	const char *c = cookie_named(&r, "cchc_login");
	assert_non_null(c);
	assert_non_null(strstr(c, "; Path=/login; HttpOnly; SameSite=Strict"));
	assert_null(strstr(c, "Secure"));
	memcpy(token, c + strlen("cchc_login="), SESSION_ID_CHARS);
	token[SESSION_ID_CHARS] = '\0';
	/* the same token in the form, and next kept */
	char field[128];
	snprintf(field, sizeof field, "name=\"csrf\" value=\"%s\"", token);
	assert_non_null(strstr(body, field));
	assert_non_null(strstr(body, "name=\"next\" value=\"/checks?period=2024-Q1\""));
	http_resp_clear(&r);
	free(body);
	/* a login posted without the cookie's token (as a page elsewhere would) is refused, and the
	 * name typed comes back escaped */
	snprintf(form, sizeof form,
	         "csrf=%s&user=%%22%%3E%%3Cscript%%3Ex%%3C%%2Fscript%%3E&password=p", token);
	request(&f->app, "POST", "/login", "", form, "", &r, &body);
	assert_int_equal(r.status, 403);
	assert_null(strstr(body, "<script>"));
	assert_non_null(strstr(body, "value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
	assert_null(cookie_named(&r, "cchc_session"));
	http_resp_clear(&r);
	free(body);
	/* cookie and form agree, but nothing typed: asked again, no stats needed */
	snprintf(cookie, sizeof cookie, "cchc_login=%s", token);
	snprintf(form, sizeof form, "csrf=%s&user=&password=", token);
	request(&f->app, "POST", "/login", "", form, cookie, &r, &body);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(body, "id=\"thong-bao\""));
	http_resp_clear(&r);
	free(body);
	/* under HTTPS the cookie is Secure */
	f->app.https = 1;
	request(&f->app, "GET", "/login", "", "", "", &r, &body);
	assert_non_null(strstr(cookie_named(&r, "cchc_login"), "; Secure"));
	f->app.https = 0;
	http_resp_clear(&r);
	free(body);
}

static void test_next(void **state)
{
	(void)state;
	char out[600];
	static const char *const good[] = {"/", "/checks?period=2024-Q1&scope=474",
	                                   "/report?format=docx", "/%2F%2Fstill-a-path"};
	static const char *const bad[] = {NULL,
	                                  "",
	                                  "//evil.example/x",
	                                  "/\\evil.example",
	                                  "https://evil.example/",
	                                  "checks",
	                                  "/login",
	                                  "/login?next=/",
	                                  "/logout",
	                                  "/ok\r\nSet-Cookie: a=b",
	                                  "/a b",
	                                  "/\xC3\xA1",
	                                  "javascript:alert(1)"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(console_safe_next(good[i], out, sizeof out), 1);
		assert_string_equal(out, good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(console_safe_next(bad[i], out, sizeof out), 0);
		assert_string_equal(out, "/");
	}
	char longer[700];
	memset(longer, 'a', sizeof longer - 1);
	longer[0] = '/';
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(console_safe_next(longer, out, sizeof out), 0);
	assert_string_equal(out, "/");
}

static void test_rights(void **state)
{
	fixture *f = *state;
	session_info district = {.user = "huyen", .role = "officer", .scope = "474"};
	session_info province = {.user = "tinh", .role = "viewer", .scope = ""};
	period q1, late;
	char err[256];
	assert_int_equal(period_parse("2024-Q1", &q1, err, sizeof err), 0);
	assert_int_equal(period_parse("2025-Q4", &late, err, sizeof err), 0);
	/* a district sees itself and its communes, not its neighbour nor the province */
	assert_int_equal(console_may_see(&f->app, &district, &q1, "474"), 1);
	assert_int_equal(console_may_see(&f->app, &district, &q1, "19753"), 1);
	assert_int_equal(console_may_see(&f->app, &district, &q1, "476"), 0);
	assert_int_equal(console_may_see(&f->app, &district, &q1, "19819"), 0);
	assert_int_equal(console_may_see(&f->app, &district, &q1, "46"), 0);
	assert_int_equal(console_may_see(&f->app, &province, &q1, "476"), 1);
	/* after 07/2025 there are no districts: a district user sees nothing */
	assert_int_equal(console_may_see(&f->app, &district, &late, "474"), 0);
	assert_int_equal(console_may_close(&district), 1);
	assert_int_equal(console_may_close(&province), 0);
	assert_int_equal(console_may_manage_users(&district), 0);

	/* the same through a request's view: the URL edited by hand is refused with the reason */
	asked a;
	assert_int_equal(ask(f, &district, "period=2024-Q1&scope=476", &a), 403);
	assert_non_null(strstr(a.msg, "Thành phố Huế"));
	assert_non_null(strstr(a.msg, "Huyện Phong Điền"));
	asked_free(&a);
	assert_int_equal(ask(f, &district, "period=2024-q1&scope=19753", &a), 0);
	assert_string_equal(a.v.period_text, "2024-Q1");
	assert_string_equal(a.v.scope_name, "Phường Thuận Lộc");
	asked_free(&a);
	/* no ?scope: the user's own */
	assert_int_equal(ask(f, &district, "period=2024-03", &a), 0);
	assert_string_equal(a.v.scope, "474");
	asked_free(&a);
	/* a code no unit has that day */
	assert_int_equal(ask(f, &province, "period=2024-Q1&scope=99999", &a), 404);
	asked_free(&a);
	/* the chooser's month and range buttons */
	assert_int_equal(ask(f, &province,
	                     "pick=range&period=2024-Q1&from=2024-01-01&to=2024-03-31&scope=46",
	                     &a),
	                 0);
	assert_string_equal(a.v.period_text, "2024-01-01..2024-03-31");
	asked_free(&a);
	assert_int_equal(ask(f, &province, "pick=month&period=2024-Q1&month=2024-02", &a), 0);
	assert_string_equal(a.v.period_text, "2024-02");
	assert_string_equal(a.v.scope, "46"); /* report.scope */
	asked_free(&a);
	/* a range longer than about three years is not sent to stats */
	assert_int_equal(ask(f, &province, "period=2020-01-01..2024-12-31", &a), 400);
	asked_free(&a);
}

static void test_default_period(void **state)
{
	(void)state;
	char label[32];
	static const struct {
		int y, m, d, hour;
		const char *want;
	} cases[] = {
	    {2024, 3, 14, 23, "2023-Q4"}, {2024, 3, 15, 0, "2024-Q1"}, {2024, 6, 14, 12, "2024-Q1"},
	    {2024, 6, 15, 1, "2024-Q2"},  {2024, 9, 15, 0, "2024-Q3"}, {2024, 12, 14, 9, "2024-Q3"},
	    {2024, 12, 15, 0, "2024-Q4"}, {2025, 1, 1, 0, "2024-Q4"},  {2025, 3, 14, 8, "2024-Q4"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t ms = cal_local_midnight(cases[i].y, cases[i].m, cases[i].d) +
		             (int64_t)cases[i].hour * 3600000 + 59 * 60000;
		console_default_period(ms, label, sizeof label);
		assert_string_equal(label, cases[i].want);
	}
	/* a request without ?period gets it (for now) */
	fixture *f = *state;
	session_info who = {.user = "tinh", .role = "viewer"};
	char now_label[32];
	asked a;
	console_default_period((int64_t)time(NULL) * 1000, now_label, sizeof now_label);
	assert_int_equal(ask(f, &who, "", &a), 0);
	assert_string_equal(a.v.period_text, now_label);
	asked_free(&a);
}

static void test_hostile_values_escaped(void **state)
{
	fixture *f = *state;
	session_info who = {.user = "tinh", .role = "viewer"};
	static const struct {
		const char *query, *raw, *escaped;
	} cases[] = {
	    {"period=%3Cscript%3Ealert(1)%3C%2Fscript%3E&scope=46", "<script>",
	     "&lt;script&gt;alert(1)&lt;/script&gt;"},
	    {"period=2024-Q1&scope=%22%3E%3Cimg%20src%3Dx%3E", "<img",
	     "&quot;&gt;&lt;img src=x&gt;"},
	    {"pick=month&month=%27%3E%3Csvg%3E", "<svg", "&#39;&gt;&lt;svg&gt;"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		asked a;
		http_resp r = {0};
		int status = ask(f, &who, cases[i].query, &a);
		assert_int_equal(status, 400);
		assert_non_null(strstr(a.msg, cases[i].raw)); /* raw in the reason… */
		console_error_page(&a.v, status, NULL, a.msg, &r);
		char *body = strndup((const char *)r.body, r.len);
		assert_int_equal(r.status, 400);
		assert_null(strstr(body, cases[i].raw)); /* …escaped on the page */
		assert_non_null(strstr(body, cases[i].escaped));
		assert_non_null(strstr(body, "<!DOCTYPE html>"));
		assert_non_null(strstr(body, "href=\"/style.css\""));
		free(body);
		http_resp_clear(&r);
		asked_free(&a);
	}
}

static void test_not_found(void **state)
{
	fixture *f = *state;
	http_resp r;
	char *body;
	request(&f->app, "GET", "/nope/<b>x</b>", "", "", "", &r, &body);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.content_type, "text/html; charset=utf-8");
	assert_null(strstr(body, "<b>x</b>"));
	assert_non_null(strstr(body, "/nope/&lt;b&gt;x&lt;/b&gt;"));
	assert_non_null(strstr(body, "lang=\"vi\""));
	http_resp_clear(&r);
	free(body);
	request(&f->app, "PUT", "/", "", "", "", &r, &body);
	assert_int_equal(r.status, 405);
	http_resp_clear(&r);
	free(body);
	request(&f->app, "POST", "/checks", "", "", "", &r, &body);
	assert_int_equal(r.status, 405);
	http_resp_clear(&r);
	free(body);
	request(&f->app, "GET", "/style.css", "", "", "", &r, &body);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/css; charset=utf-8");
	assert_int_equal(r.cacheable, 1);
	assert_non_null(strstr(body, "@media print"));
	http_resp_clear(&r);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_without_session),
	    cmocka_unit_test(test_csrf),
	    cmocka_unit_test(test_login_form),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_rights),
	    cmocka_unit_test(test_default_period),
	    cmocka_unit_test(test_hostile_values_escaped),
	    cmocka_unit_test(test_not_found),
	};
	return cmocka_run_group_tests_name("console_app", tests, setup, teardown);
}

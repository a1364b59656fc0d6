/* console_signin: the console's sign-in and sign-out (docs/design.md §14): the form with its
 * double-submit token, the password checked through the login limiter (slowed, then locked), the
 * session cookie, and the check on every request that the account is as it was at sign-in. */
#include "console_app.h"

#include "console_users.h"
#include "log.h"
#include "service.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CONSOLE_LOGIN_COOKIE "cchc_login"

int console_safe_next(const char *next, char *out, size_t len)
{
	size_t n = next ? strlen(next) : 0;
	int ok = n >= 1 && n <= CONSOLE_NEXT_MAX && n < len && next[0] == '/' && next[1] != '/' &&
	         next[1] != '\\';
	for (size_t i = 0; ok && i < n; i++)
		ok = next[i] > 0x20 && next[i] < 0x7f && next[i] != '\\';
	/* never back to the sign-in or sign-out itself: a loop */
	if (ok && (!strncmp(next, "/login", 6) || !strncmp(next, "/logout", 7)))
		ok = 0;
	snprintf(out, len, "%s", ok ? next : "/");
	return ok;
}

/* Secure when the browser reached the console over HTTPS: served by it, or by the trusted proxy in
 * front of it (rq->https, console.behind_proxy). */
static void cookie(const console_app *a, const http_req *rq, http_resp *out, const char *name,
                   const char *value, const char *path, int expire)
{
	char c[512];
	snprintf(c, sizeof c, "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s", name, value, path,
	         expire ? "; Max-Age=0" : "", a->https || rq->https ? "; Secure" : "");
	if (http_resp_cookie(out, c) != 0)
		log_warn("console: no room for cookie %s", name);
}

static void audit(console_app *a, const char *event, const char *user, const char *addr)
{
	char err[512];
	if (console_audit(a->ctx->stats, event, user, addr, err, sizeof err) != 0)
		log_warn("console: audit %s of %s from %s: %s", event, user, addr, err);
}

/* Holds a failed answer back (the limiter's delay): guessing gets slower. */
static void hold(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The sign-in form, with a fresh pre-sign-in CSRF token in its own cookie and in the form
 * (double submit: a page elsewhere can neither read the cookie nor set it, so it cannot post a
 * login in the user's name). */
void console_login_page(console_app *a, const http_req *rq, int status, const char *message,
                        int is_error, http_resp *out)
{
	char token[SESSION_ID_CHARS + 1], next[CONSOLE_NEXT_MAX + 1];
	const char *asked = http_form(rq, "next");
	console_safe_next(asked ? asked : http_query(rq, "next"), next, sizeof next);
	csrf_token_new(token);
	cookie(a, rq, out, CONSOLE_LOGIN_COOKIE, token, "/login", 0);
	const char *name = http_form(rq, "user");
	html h = {0};
	console_page_begin(&h, NULL, "Đăng nhập", NULL);
	html_raw(&h, "<div class=\"the dang-nhap\">\n");
	if (message) {
		html_rawf(&h, "<p class=\"thong-bao %s\" id=\"thong-bao\" role=\"alert\">",
		          is_error ? "loi" : "chu-y");
		html_text(&h, message);
		html_raw(&h, "</p>\n");
	}
	html_raw(&h, "<form id=\"dang-nhap\" method=\"post\" action=\"/login\">\n"
	             "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(&h, token);
	html_raw(&h, "\">\n<input type=\"hidden\" name=\"next\" value=\"");
	html_attr(&h, next);
	html_raw(&h, "\">\n<label for=\"ten\">Tên đăng nhập</label>\n"
	             "<input id=\"ten\" name=\"user\" autocomplete=\"username\" maxlength=\"63\" "
	             "required autofocus value=\"");
	html_attr(&h, name ? name : "");
	html_raw(&h, "\">\n<label for=\"mat-khau\">Mật khẩu</label>\n"
	             "<input id=\"mat-khau\" name=\"password\" type=\"password\" "
	             "autocomplete=\"current-password\" required>\n"
	             "<button id=\"nut-dang-nhap\" type=\"submit\">Đăng nhập</button>\n"
	             "</form>\n</div>\n");
	console_page_end(&h);
	console_send_html(&h, status, out);
}

void console_login_post(console_app *a, const http_req *rq, http_resp *out)
{
	const char *name = http_form(rq, "user"), *password = http_form(rq, "password");
	const char *addr = rq->client_addr;
	char err[512];
	if (!csrf_ok(http_cookie(rq, CONSOLE_LOGIN_COOKIE), http_form(rq, "csrf"))) {
		console_login_page(
		    a, rq, 403,
		    "Biểu mẫu đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng nhập lại tên "
		    "và mật khẩu.",
		    1, out);
		return;
	}
	if (!name || !*name || !password || !*password || strlen(name) >= 64) {
		console_login_page(a, rq, 400, "Vui lòng nhập tên đăng nhập và mật khẩu.", 1, out);
		return;
	}
	int64_t now = service_clock_ms();
	int64_t locked = login_locked_ms(a->limiter, name, addr, now);
	if (locked > 0) {
		char m[256];
		audit(a, "login-locked", name, addr);
		hold(CONSOLE_LOGIN_DELAY_MAX_MS); /* a locked name is not a faster way to knock */
		snprintf(m, sizeof m,
		         "Đăng nhập tạm thời bị khóa vì nhập sai mật khẩu nhiều lần. Vui lòng thử "
		         "lại sau %lld phút.",
		         (long long)((locked + 59999) / 60000));
		console_login_page(a, rq, 429, m, 1, out);
		return;
	}
	console_user u;
	int found = 0;
	if (console_user_lookup(a->ctx->stats, name, &u, &found, err, sizeof err) != 0) {
		log_warn("console: login of %s from %s: %s", name, addr, err);
		console_login_page(
		    a, rq, 503,
		    "Chưa đăng nhập được: không kết nối được dịch vụ số liệu (cchc-stats). "
		    "Vui lòng thử lại sau ít phút; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
		    1, out);
		return;
	}
	if (!console_user_password_ok(found ? &u : NULL, password)) {
		/* one answer whatever was wrong: the name, the password, a disabled account */
		int64_t delay = login_failed(a->limiter, name, addr, now);
		audit(a, "login-failed", name, addr);
		hold(delay);
		console_login_page(a, rq, 403, "Tên đăng nhập hoặc mật khẩu không đúng.", 1, out);
		return;
	}
	login_succeeded(a->limiter, name, addr, now);
	const char *old = http_cookie(rq, CONSOLE_SESSION_COOKIE);
	if (old)
		session_drop(a->sessions, old);
	session_info s;
	char next[CONSOLE_NEXT_MAX + 1];
	session_create(a->sessions, u.name, u.role, u.scope, u.changed_ms, now, &s);
	/* a sign-in nobody can find in the audit chain does not happen */
	if (console_audit(a->ctx->stats, "login", u.name, addr, err, sizeof err) != 0) {
		session_drop(a->sessions, s.id);
		log_warn("console: login of %s from %s not audited: %s", u.name, addr, err);
		console_login_page(
		    a, rq, 503,
		    "Chưa đăng nhập được: không ghi được nhật ký đăng nhập vào dịch vụ số liệu "
		    "(cchc-stats). Vui lòng thử lại sau ít phút.",
		    1, out);
		return;
	}
	log_info("console: %s (%s) signed in from %s", u.name, u.role, addr);
	console_safe_next(http_form(rq, "next"), next, sizeof next);
	http_resp_redirect(out, next);
	cookie(a, rq, out, CONSOLE_SESSION_COOKIE, s.id, "/", 0);
	cookie(a, rq, out, CONSOLE_LOGIN_COOKIE, "", "/login", 1);
}

void console_logout(console_app *a, const http_req *rq, const session_info *who, http_resp *out)
{
	session_drop(a->sessions, who->id);
	audit(a, "logout", who->user, rq->client_addr);
	log_info("console: %s signed out", who->user);
	http_resp_redirect(out, "/login");
	cookie(a, rq, out, CONSOLE_SESSION_COOKIE, "", "/", 1);
}

/* 303 to the sign-in, coming back to this page (its query re-encoded) afterwards. */
void console_to_login(console_app *a, const http_req *rq, int expired, http_resp *out)
{
	html next = {0}, loc = {0};
	html_raw(&next, rq->path);
	for (size_t i = 0; i < rq->n_query; i++) {
		html_raw(&next, i ? "&" : "?");
		html_url(&next, rq->query[i].name);
		html_raw(&next, "=");
		html_url(&next, rq->query[i].value);
	}
	html_raw(&loc, "/login");
	char safe[CONSOLE_NEXT_MAX + 1];
	if (!next.failed && strcmp(rq->method, "POST") &&
	    console_safe_next(next.buf, safe, sizeof safe) && strcmp(safe, "/")) {
		html_raw(&loc, "?next=");
		html_url(&loc, safe);
	}
	if (expired)
		html_raw(&loc, strchr(loc.buf, '?') ? "&expired=1" : "?expired=1");
	if (loc.failed || loc.len >= sizeof out->location)
		http_resp_redirect(out, "/login");
	else
		http_resp_redirect(out, loc.buf);
	if (expired)
		cookie(a, rq, out, CONSOLE_SESSION_COOKIE, "", "/", 1);
	html_free(&next);
	html_free(&loc);
}

/* 0: the account is as it was at sign-in; 1: it is gone, disabled or changed (its sessions end);
 * -1: stats cannot say (err). */
int console_account_current(console_app *a, const session_info *who, char *err, size_t errlen)
{
	console_user u;
	int found = 0;
	if (console_user_lookup(a->ctx->stats, who->user, &u, &found, err, errlen) != 0)
		return -1;
	int same = found && !u.disabled && u.changed_ms == who->account_ms &&
	           !strcmp(u.role, who->role) && !strcmp(u.scope, who->scope);
	sodium_memzero(u.hash, sizeof u.hash);
	if (same)
		return 0;
	session_drop_user(a->sessions, who->user);
	log_info("console: the account %s %s since sign-in: its sessions end", who->user,
	         !found       ? "is gone"
	         : u.disabled ? "was disabled"
	                      : "changed");
	return 1;
}

/* console_app: what every console page shares (docs/design.md §14). The router checks the session
 * (else sends to /login), the CSRF token of every POST, the account again, the period and scope
 * asked for and the user's right to that scope, then calls the page with a console_view; pages
 * only lay out. console_app.c routes and signs in; console_frame.c draws the common frame, the
 * error pages and the stylesheet. */
#ifndef CCHC_EXPORT_CONSOLE_APP_H
#define CCHC_EXPORT_CONSOLE_APP_H

#include "console_html.h"
#include "console_http.h"
#include "console_session.h"
#include "handler.h"
#include "period.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct units units;
typedef struct console_registry console_registry;

typedef struct console_app {
	export_ctx *ctx; /* conf, the stats client; pages render through the same code as reports */
	session_store *sessions;
	login_limiter *limiter;
	int https; /* the console is served over TLS: cookies get Secure */
	/* The unit registry as stats has it (UnitsRequest), kept a minute: the scope lists and the
	 * rights checks read it. A request holds the registry it started with; a newer one
	 * replaces it for later requests, and the old one is freed when its last holder lets go. */
	pthread_mutex_t units_lock;
	console_registry *registry; /* newest first */
	int64_t units_loaded_ms;
	int units_pinned; /* console_app_pin_units: never asked from stats (tests) */
} console_app;

/* One page's request, checked: who asks, for which period and scope. */
typedef struct console_view {
	console_app *app;
	const http_req *req;
	const session_info *who; /* the signed-in user (role, scope, CSRF token) */
	period period;           /* ?period=, default: the last quarter that has ended */
	char period_text[64]; /* the period's canonical label (2024-Q1, 2024-03, A..B) for links */
	char scope[32];       /* ?scope=, default: the user's scope, else report.scope */
	char scope_name[256]; /* the scope's name on the period's last day, "" if unknown */
	int64_t day_ms;       /* an instant of the period's last day: its unit structure */
	const units *units;   /* the registry held for this request (NULL on pages without one) */
} console_view;

#define CONSOLE_SESSION_COOKIE "cchc_session"
#define CONSOLE_NEXT_MAX       512 /* bytes of a sign-in's `next` path */
/* Each failed sign-in in a row holds the next failed answer back 200 ms more, up to 2 s; an
 * attempt on a locked name waits the 2 s too. */
#define CONSOLE_LOGIN_DELAY_STEP_MS 200
#define CONSOLE_LOGIN_DELAY_MAX_MS  2000

/* Sets up the app (sessions, limiter from the configuration). 0, or -1 with err. */
int console_app_init(console_app *a, export_ctx *ctx, int https, char *err, size_t errlen);
void console_app_free(console_app *a);

/* Answers one request. Never fails: errors become pages (Vietnamese, with the reason). */
void console_route(console_app *a, const http_req *rq, http_resp *out);

/* The registry, held until console_units_release (reloaded from stats at most once a minute).
 * NULL with err when stats cannot be asked and no registry was loaded before. */
const units *console_units_hold(console_app *a, char *err, size_t errlen);
void console_units_release(console_app *a, const units *u);
/* Uses `u` (taken over) as the registry from now on, never asking stats: for tests. */
void console_app_pin_units(console_app *a, units *u);

/* Checks the period and scope a request asks for (?period= or the chooser's fields, ?scope=) and
 * who's right to them, and fills v (holding the registry: free with console_view_free). Returns
 * 0, or an HTTP status (400, 403, 404, 503) with the Vietnamese reason in msg; the reason may quote
 * the request, so it must be escaped where it is shown. */
int console_view_init(console_app *a, const http_req *rq, const session_info *who, console_view *v,
                      char *msg, size_t msglen);
void console_view_free(console_view *v);

/* 1 when `who` may see `scope` in the period (the user has no scope, or scope lies under it on the
 * period's last day), else 0. */
int console_may_see(console_app *a, const session_info *who, const period *p, const char *scope);
/* 1 for officer and admin. */
int console_may_close(const session_info *who);
/* 1 for admin. */
int console_may_manage_users(const session_info *who);

/* `next` of the login form when it is a path on this console (one leading "/", printable ASCII,
 * not the login or logout itself), copied into out; else "/" there. Returns 1 when next was
 * taken. */
int console_safe_next(const char *next, char *out, size_t len);
/* The label of the last quarter that has ended at now_ms (local time): on 14/03/2024 "2023-Q4",
 * from 15/03/2024 "2024-Q1". */
void console_default_period(int64_t now_ms, char *out, size_t len);

/* The common frame of a page: <head> with the stylesheet, the title, the navigation (Số liệu, Tải
 * về, Kiểm tra, Chốt số liệu, and Người dùng for admins; `active` is the current one's path), the
 * user and the sign-out form, the <h1>, and on the period pages the period and scope chooser (a
 * GET form to `active`). v NULL: no navigation (before sign-in). */
void console_page_begin(html *h, const console_view *v, const char *title, const char *active);
void console_page_end(html *h);
/* A hidden CSRF input for a POST form of this session. */
void console_csrf_input(html *h, const console_view *v);
/* "?period=…&amp;scope=…" of the view, escaped for an attribute. */
void console_view_query(html *h, const console_view *v);
/* <p id="ky-bao-cao">: the period in words with its dates, and the scope's name and code. */
void console_view_caption(html *h, const console_view *v);
/* The name of unit `code` on the view's structure day, or NULL. */
const char *console_unit_name(const console_view *v, const char *code);
/* "dd/mm/yyyy HH:MM", local time. */
void console_time_text(int64_t ms, char *buf, size_t len);

/* The figures of the view as `cchc report` shows them by default (export_source_get: the standing
 * closed version when there is one, else now). 0, or -1 with err. */
int console_source(const console_view *v, export_source *s, char *err, size_t errlen);
/* What could not be done (Vietnamese, "Không lấy được số liệu"), because of err (logged, and shown
 * as a technical detail): a 502 page. */
void console_failure_page(const console_view *v, const char *what, const char *err, http_resp *out);

/* A page with a message (400/403/404/500…) in the common frame (v may be NULL before sign-in);
 * title NULL: the status's own. */
void console_error_page(const console_view *v, int status, const char *title, const char *detail,
                        http_resp *out);
/* For /api/: {"error": detail} with the status. */
void console_error_json(int status, const char *detail, http_resp *out);
/* Hands a finished page over as text/html (500 when it failed). */
void console_send_html(html *h, int status, http_resp *out);
/* GET /style.css: the one stylesheet (screen, phone, print), cacheable. */
void console_stylesheet(http_resp *out);

/* The sign-in (console_signin.c). The form (status and a message, an error or a notice); its
 * POST; the sign-out; a request without a live session sent to the form (expired: say so); and
 * the account checked against the session: 0 as at sign-in, 1 gone, disabled or changed (its
 * sessions end), -1 stats cannot say (err). */
void console_login_page(console_app *a, const http_req *rq, int status, const char *message,
                        int is_error, http_resp *out);
void console_login_post(console_app *a, const http_req *rq, http_resp *out);
void console_logout(console_app *a, const http_req *rq, const session_info *who, http_resp *out);
void console_to_login(console_app *a, const http_req *rq, int expired, http_resp *out);
int console_account_current(console_app *a, const session_info *who, char *err, size_t errlen);

/* The pages (console_page_*.c). Each fills *out. */
void page_figures(const console_view *v, http_resp *out);     /* GET /            */
void page_chart(const console_view *v, http_resp *out);       /* GET /chart?chart=level|district */
void page_report(const console_view *v, http_resp *out);      /* GET /report?format=… */
void page_downloads(const console_view *v, http_resp *out);   /* GET /downloads   */
void page_api_figures(const console_view *v, http_resp *out); /* GET /api/figures */
void page_checks(const console_view *v, http_resp *out);      /* GET /checks      */
void page_closing(const console_view *v, http_resp *out);     /* GET|POST /closing */
void page_users(const console_view *v, http_resp *out);       /* GET|POST /users (admin) */

#endif

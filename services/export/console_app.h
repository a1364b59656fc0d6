/* console_app: what every console page shares (docs/design.md §14). The router checks the session
 * (else sends to /login), the CSRF token of every POST, the period and scope asked for and the
 * user's right to that scope, then calls the page with a console_view; pages only lay out. */
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

typedef struct console_app {
	export_ctx *ctx; /* conf, the stats client; pages render through the same code as reports */
	session_store *sessions;
	login_limiter *limiter;
	int https; /* the console is served over TLS: cookies get Secure */
	/* The unit registry as stats has it (UnitsRequest), kept a minute: the scope lists and the
	 * rights checks read it. */
	pthread_mutex_t units_lock;
	units *units;
	int64_t units_loaded_ms;
} console_app;

/* One page's request, checked: who asks, for which period and scope. */
typedef struct console_view {
	console_app *app;
	const http_req *req;
	const session_info *who; /* the signed-in user (role, scope, CSRF token) */
	period period;           /* ?period=, default: the last quarter that has ended */
	char period_text[64];    /* as asked (a label, YYYY-MM, or A..B) for links and forms */
	char scope[32];          /* ?scope=, default: the user's scope, else report.scope */
	char scope_name[256];    /* the scope's name on the period's last day, "" if unknown */
} console_view;

/* Sets up the app (sessions, limiter from the configuration). 0, or -1 with err. */
int console_app_init(console_app *a, export_ctx *ctx, int https, char *err, size_t errlen);
void console_app_free(console_app *a);

/* Answers one request. Never fails: errors become pages (Vietnamese, with the reason). */
void console_route(console_app *a, const http_req *rq, http_resp *out);

/* The registry (a reference kept alive by the app for as long as the app; reloaded at most once a
 * minute). NULL with err when stats cannot be asked. */
const units *console_units(console_app *a, char *err, size_t errlen);

/* 1 when `who` may see `scope` in the period (the user has no scope, or scope lies under it on the
 * period's last day), else 0. */
int console_may_see(console_app *a, const session_info *who, const period *p, const char *scope);
/* 1 for officer and admin. */
int console_may_close(const session_info *who);

/* The common frame of a page: <head> with the stylesheet, the title, the navigation (Số liệu, Tải
 * về, Kiểm tra, Chốt số liệu; `active` is the current one's path), the user and the sign-out form,
 * and the period and scope chooser (a GET form to `active`). */
void console_page_begin(html *h, const console_view *v, const char *title, const char *active);
void console_page_end(html *h);
/* A hidden CSRF input for a POST form of this session. */
void console_csrf_input(html *h, const console_view *v);
/* "?period=…&scope=…" of the view, escaped for an attribute. */
void console_view_query(html *h, const console_view *v);

/* A page with a message (400/403/404/500…) in the common frame (v may be NULL before sign-in). */
void console_error_page(const console_view *v, int status, const char *title, const char *detail,
                        http_resp *out);
/* Hands a finished page over as text/html (500 when it failed). */
void console_send_html(html *h, int status, http_resp *out);

/* The pages (console_page_*.c). Each fills *out. */
void page_figures(const console_view *v, http_resp *out);     /* GET /            */
void page_chart(const console_view *v, http_resp *out);       /* GET /chart?chart=level|district */
void page_report(const console_view *v, http_resp *out);      /* GET /report?format=… */
void page_downloads(const console_view *v, http_resp *out);   /* GET /downloads   */
void page_api_figures(const console_view *v, http_resp *out); /* GET /api/figures */
void page_checks(const console_view *v, http_resp *out);      /* GET /checks      */
void page_closing(const console_view *v, http_resp *out);     /* GET|POST /closing */

#endif

/* console_app: the console's router and rights (docs/design.md §14; the sign-in is
 * console_signin.c). Every request is checked in one order: the path, the session, the CSRF token
 * of a POST, the account as stats has it now (a disabled or changed account ends the session),
 * then the period and scope and the user's right to them on the period's last day; only then does
 * a page run. */
#include "console_app.h"

#include "figures.h"
#include "log.h"
#include "service.h"
#include "units.h"
#include "vnfmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UNITS_TTL_MS 60000
#define SESSIONS_MAX 1024
/* A custom range of about three years at most: a year is the longest named period. */
#define RANGE_MAX_DAYS 1100

struct console_registry {
	units *u;
	unsigned refs;
	console_registry *next;
};

/* ---- set-up ---- */

int console_app_init(console_app *a, export_ctx *ctx, int https, char *err, size_t errlen)
{
	const conf *c = ctx->conf;
	memset(a, 0, sizeof *a);
	a->ctx = ctx;
	a->https = https;
	login_limits lim = {.user_failures = c->console_login_failures,
	                    .address_failures = 20,
	                    .lock_ms = (int64_t)c->console_lock_minutes * 60000,
	                    .delay_step_ms = CONSOLE_LOGIN_DELAY_STEP_MS,
	                    .delay_max_ms = CONSOLE_LOGIN_DELAY_MAX_MS};
	a->sessions =
	    session_store_new((int64_t)c->console_session_idle_minutes * 60000,
	                      (int64_t)c->console_session_max_hours * 3600000, SESSIONS_MAX);
	a->limiter = login_limiter_new(&lim);
	if (!a->sessions || !a->limiter || pthread_mutex_init(&a->units_lock, NULL) != 0) {
		session_store_free(a->sessions);
		login_limiter_free(a->limiter);
		memset(a, 0, sizeof *a);
		snprintf(err, errlen, "console: out of memory for sessions");
		return -1;
	}
	return 0;
}

void console_app_free(console_app *a)
{
	if (!a->sessions)
		return;
	for (console_registry *r = a->registry, *next; r; r = next) {
		next = r->next;
		units_free(r->u);
		free(r);
	}
	pthread_mutex_destroy(&a->units_lock);
	session_store_free(a->sessions);
	login_limiter_free(a->limiter);
	memset(a, 0, sizeof *a);
}

/* ---- the registry ---- */

/* The whole registry as stats has it (every snapshot). */
static int fetch_units(wire_client *stats, units **out, char *err, size_t errlen)
{
	Cchc__V1__UnitsRequest ur = CCHC__V1__UNITS_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	Cchc__V1__StatsReply *rep = NULL;
	ur.has_list = ur.list = 1;
	ur.list_at = "";
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_UNITS;
	rq.units = &ur;
	*out = NULL;
	if (figures_call(stats, &rq, CCHC__V1__STATS_REPLY__BODY_UNITS, &rep, err, errlen))
		return -1;
	const Cchc__V1__UnitsReply *r = rep->units;
	int rc = -1;
	units *u = NULL;
	if (!r->ok) {
		snprintf(err, errlen, "units: %s", r->error ? r->error : "stats refused the list");
	} else if (!(u = units_new())) {
		snprintf(err, errlen, "units: out of memory");
	} else {
		rc = 0;
		for (size_t i = 0; rc == 0 && i < r->n_units; i++) {
			const Cchc__V1__UnitRow *x = r->units[i];
			rc = units_append(u, x->snapshot ? x->snapshot : "", x->code ? x->code : "",
			                  x->name ? x->name : "", x->level,
			                  x->parent ? x->parent : "",
			                  x->merged_from ? x->merged_from : "", err, errlen);
		}
		if (rc == 0) {
			units_finish(u);
			*out = u;
		} else {
			units_free(u);
		}
	}
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return rc;
}

/* Frees the replaced registries nobody holds any more. Under units_lock. */
static void collect(console_app *a)
{
	if (!a->registry)
		return;
	for (console_registry **p = &a->registry->next; *p;) {
		console_registry *r = *p;
		if (r->refs) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		units_free(r->u);
		free(r);
	}
}

static int push_registry(console_app *a, units *u)
{
	console_registry *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	r->u = u;
	r->next = a->registry;
	a->registry = r;
	collect(a);
	return 0;
}

const units *console_units_hold(console_app *a, char *err, size_t errlen)
{
	pthread_mutex_lock(&a->units_lock);
	int64_t now = service_clock_ms();
	if (!a->units_pinned && (!a->registry || now - a->units_loaded_ms >= UNITS_TTL_MS)) {
		units *fresh = NULL;
		char why[512];
		if (fetch_units(a->ctx->stats, &fresh, why, sizeof why) == 0 &&
		    push_registry(a, fresh) == 0) {
			a->units_loaded_ms = now;
		} else {
			if (fresh)
				units_free(fresh);
			else
				snprintf(err, errlen, "%s", why);
			if (!a->registry) {
				pthread_mutex_unlock(&a->units_lock);
				return NULL;
			}
			log_warn("console: units: %s; the registry loaded before stays", why);
		}
	}
	a->registry->refs++;
	const units *u = a->registry->u;
	pthread_mutex_unlock(&a->units_lock);
	return u;
}

void console_units_release(console_app *a, const units *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&a->units_lock);
	for (console_registry *r = a->registry; r; r = r->next)
		if (r->u == u && r->refs) {
			r->refs--;
			break;
		}
	collect(a);
	pthread_mutex_unlock(&a->units_lock);
}

void console_app_pin_units(console_app *a, units *u)
{
	pthread_mutex_lock(&a->units_lock);
	if (push_registry(a, u) != 0)
		units_free(u);
	else
		a->units_pinned = 1;
	pthread_mutex_unlock(&a->units_lock);
}

/* ---- rights ---- */

static int scope_allows(const units *u, const session_info *who, const char *scope, int64_t at)
{
	return !who->scope[0] || units_within(u, scope, who->scope, at);
}

int console_may_see(console_app *a, const session_info *who, const period *p, const char *scope)
{
	char err[256];
	if (!who->scope[0])
		return 1;
	const units *u = console_units_hold(a, err, sizeof err);
	if (!u)
		return 0;
	int ok = scope_allows(u, who, scope, p->to_ms - 1);
	console_units_release(a, u);
	return ok;
}

int console_may_close(const session_info *who)
{
	return !strcmp(who->role, "officer") || !strcmp(who->role, "admin");
}

int console_may_manage_users(const session_info *who)
{
	return !strcmp(who->role, "admin");
}

/* ---- the period and scope of a request ---- */

void console_default_period(int64_t now_ms, char *out, size_t len)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm)) {
		snprintf(out, len, "2024-Q1");
		return;
	}
	int y = tm.tm_year + 1900, md = (tm.tm_mon + 1) * 100 + tm.tm_mday;
	/* a quarter has ended once its last day (the 14th of March, June, September,
	 * December) is over (docs/design.md §5) */
	if (md >= 1215)
		snprintf(out, len, "%d-Q4", y);
	else if (md >= 915)
		snprintf(out, len, "%d-Q3", y);
	else if (md >= 615)
		snprintf(out, len, "%d-Q2", y);
	else if (md >= 315)
		snprintf(out, len, "%d-Q1", y);
	else
		snprintf(out, len, "%d-Q4", y - 1);
}

/* The label every link uses for a parsed period: 2024-q1 and 2024-Q1 are one period. */
static void canonical_label(const period *p, char *out, size_t len)
{
	switch (p->kind) {
	case PERIOD_QUARTER:
		snprintf(out, len, "%d-Q%d", p->year, p->number);
		break;
	case PERIOD_HALF:
		snprintf(out, len, "%d-H%d", p->year, p->number);
		break;
	case PERIOD_NINE_MONTHS:
		snprintf(out, len, "%d-9M", p->year);
		break;
	case PERIOD_YEAR:
		snprintf(out, len, "%d", p->year);
		break;
	case PERIOD_MONTH:
		snprintf(out, len, "%d-%02d", p->year, p->number);
		break;
	case PERIOD_CUSTOM:
		snprintf(out, len, "%s..%s", p->first_day, p->last_day);
		break;
	}
}

/* A unit code as the registry writes them: letters and digits, short. */
static int code_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= 16)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

/* The period text the request asks for: the chooser's month or range when its button was
 * pressed, else ?period=, else the default. -1 when it is too long to be one. */
static int asked_period(const http_req *rq, char *out, size_t len)
{
	const char *pick = http_query(rq, "pick"), *p = http_query(rq, "period");
	int n;
	if (pick && !strcmp(pick, "month")) {
		const char *m = http_query(rq, "month");
		n = snprintf(out, len, "%s", m ? m : "");
	} else if (pick && !strcmp(pick, "range")) {
		const char *f = http_query(rq, "from"), *t = http_query(rq, "to");
		n = snprintf(out, len, "%s..%s", f ? f : "", t ? t : "");
	} else if (p && *p) {
		n = snprintf(out, len, "%s", p);
	} else {
		console_default_period(service_clock_ms(), out, len);
		return 0;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int console_view_init(console_app *a, const http_req *rq, const session_info *who, console_view *v,
                      char *msg, size_t msglen)
{
	char text[64], err[512], day[VNFMT_LEN];
	memset(v, 0, sizeof *v);
	v->app = a;
	v->req = rq;
	v->who = who;
	if (asked_period(rq, text, sizeof text) != 0) {
		snprintf(msg, msglen,
		         "Kỳ báo cáo yêu cầu quá dài. Hãy chọn một kỳ trong danh sách, một tháng "
		         "hoặc một khoảng ngày.");
		return 400;
	}
	period p;
	if (period_parse(text, &p, err, sizeof err) != 0) {
		snprintf(msg, msglen,
		         "Kỳ báo cáo \"%s\" không hợp lệ. Hãy chọn một kỳ trong danh sách (ví dụ "
		         "2024-Q1, 2024-H1, 2024-9M, 2024), một tháng (2024-03) hoặc một khoảng "
		         "ngày (từ ngày … đến ngày …).",
		         text);
		return 400;
	}
	if (p.kind == PERIOD_CUSTOM && p.to_ms - p.from_ms > (int64_t)RANGE_MAX_DAYS * 86400000) {
		snprintf(msg, msglen,
		         "Khoảng ngày \"%s\" dài hơn 3 năm. Hãy chọn một khoảng ngắn hơn hoặc một "
		         "kỳ báo cáo năm.",
		         text);
		return 400;
	}
	canonical_label(&p, v->period_text, sizeof v->period_text);
	if (period_parse(v->period_text, &v->period, err, sizeof err) != 0) {
		snprintf(msg, msglen, "Kỳ báo cáo \"%s\" không hợp lệ.", text);
		return 400;
	}
	v->day_ms = v->period.to_ms - 1;
	vnfmt_date(v->period.last_day, day, sizeof day);

	const char *scope = http_query(rq, "scope");
	if (!scope || !*scope)
		scope = who->scope[0] ? who->scope : a->ctx->conf->default_scope;
	if (!code_ok(scope)) {
		snprintf(msg, msglen,
		         "Mã đơn vị \"%.64s\" không hợp lệ: mã đơn vị chỉ gồm chữ và số.", scope);
		return 400;
	}
	snprintf(v->scope, sizeof v->scope, "%s", scope);
	if (!(v->units = console_units_hold(a, err, sizeof err))) {
		log_warn("console: %s", err);
		snprintf(msg, msglen,
		         "Không lấy được danh mục đơn vị hành chính từ dịch vụ số liệu "
		         "(cchc-stats). Vui lòng thử lại sau ít phút; nếu vẫn lỗi, báo bộ phận kỹ "
		         "thuật.");
		return 503;
	}
	const unit *u = units_find(v->units, v->scope, v->day_ms);
	if (!u) {
		snprintf(
		    msg, msglen,
		    "Không có đơn vị mã %s trong danh mục đơn vị hành chính ngày %s (ngày cuối "
		    "của kỳ báo cáo). Hãy chọn đơn vị trong danh sách.",
		    v->scope, day);
		return 404;
	}
	snprintf(v->scope_name, sizeof v->scope_name, "%s", u->name);
	if (!scope_allows(v->units, who, v->scope, v->day_ms)) {
		const unit *mine = units_find(v->units, who->scope, v->day_ms);
		if (mine)
			snprintf(
			    msg, msglen,
			    "Tài khoản %s chỉ được xem số liệu của %s (mã %s) và các đơn vị "
			    "trực thuộc. %s (mã %s) không thuộc phạm vi đó theo danh mục đơn vị "
			    "ngày %s.",
			    who->user, mine->name, who->scope, u->name, v->scope, day);
		else
			snprintf(
			    msg, msglen,
			    "Tài khoản %s được giao phạm vi đơn vị mã %s, nhưng đơn vị này không "
			    "có trong danh mục đơn vị ngày %s, nên không xem được số liệu của kỳ "
			    "này.",
			    who->user, who->scope, day);
		return 403;
	}
	return 0;
}

void console_view_free(console_view *v)
{
	if (v->units)
		console_units_release(v->app, v->units);
	v->units = NULL;
}

/* ---- the router ---- */

enum {
	R_GET = 1,     /* GET and HEAD */
	R_POST = 2,    /* POST (with the session's CSRF token) */
	R_PERIOD = 4,  /* a period and scope, checked against the user's rights */
	R_ADMIN = 8,   /* admins only */
	R_API = 16,    /* answers JSON, errors too */
	R_LOGOUT = 32, /* the sign-out */
};

typedef struct route {
	const char *path;
	void (*page)(const console_view *, http_resp *);
	unsigned flags;
} route;

static const route routes[] = {
    {"/", page_figures, R_GET | R_PERIOD},
    {"/chart", page_chart, R_GET | R_PERIOD},
    {"/downloads", page_downloads, R_GET | R_PERIOD},
    {"/report", page_report, R_GET | R_PERIOD},
    {"/api/figures", page_api_figures, R_GET | R_PERIOD | R_API},
    {"/checks", page_checks, R_GET | R_PERIOD},
    {"/closing", page_closing, R_GET | R_POST | R_PERIOD},
    {"/users", page_users, R_GET | R_POST | R_ADMIN},
    {"/logout", NULL, R_POST | R_LOGOUT},
};

static void refuse(const console_view *v, unsigned flags, int status, const char *detail,
                   http_resp *out)
{
	if (flags & R_API)
		console_error_json(status, detail, out);
	else
		console_error_page(v, status, NULL, detail, out);
}

static void route_signed_in(console_app *a, const http_req *rq, const route *r, int post,
                            http_resp *out)
{
	session_info who;
	char err[512], msg[1024];
	const char *sid = http_cookie(rq, CONSOLE_SESSION_COOKIE);
	if (!sid || session_get(a->sessions, sid, service_clock_ms(), &who) != 0) {
		if (r->flags & R_API)
			console_error_json(401, "Chưa đăng nhập hoặc phiên làm việc đã hết hạn.",
			                   out);
		else
			console_to_login(a, rq, sid != NULL, out);
		return;
	}
	/* the partial view of error pages: who, no period yet */
	console_view bare = {.app = a, .req = rq, .who = &who};
	if (post && !csrf_ok(who.csrf, http_form(rq, "csrf"))) {
		log_warn("console: POST %s by %s from %s without its CSRF token: refused", rq->path,
		         who.user, rq->client_addr);
		refuse(&bare, r->flags, 403,
		       "Yêu cầu bị từ chối vì thiếu mã xác thực của biểu mẫu (CSRF). Hãy mở lại "
		       "trang và gửi lại biểu mẫu từ chính trang đó.",
		       out);
		return;
	}
	if (r->flags & R_LOGOUT) {
		console_logout(a, rq, &who, out);
		return;
	}
	int acc = console_account_current(a, &who, err, sizeof err);
	if (acc < 0) {
		log_warn("console: account %s: %s", who.user, err);
		refuse(&bare, r->flags, 503,
		       "Không kiểm tra được tài khoản với dịch vụ số liệu (cchc-stats). Vui lòng "
		       "thử lại sau ít phút; nếu vẫn lỗi, báo bộ phận kỹ thuật.",
		       out);
		return;
	}
	if (acc > 0) {
		if (r->flags & R_API)
			console_error_json(
			    401, "Phiên làm việc đã kết thúc: tài khoản đã thay đổi.", out);
		else
			console_to_login(a, rq, 1, out);
		return;
	}
	if ((r->flags & R_ADMIN) && !console_may_manage_users(&who)) {
		refuse(&bare, r->flags, 403,
		       "Chỉ quản trị viên (admin) được quản lý tài khoản người dùng.", out);
		return;
	}
	console_view v = bare;
	if (r->flags & R_PERIOD) {
		int status = console_view_init(a, rq, &who, &v, msg, sizeof msg);
		if (status) {
			console_view_free(&v);
			refuse(&bare, r->flags, status, msg, out);
			return;
		}
	}
	r->page(&v, out);
	console_view_free(&v);
}

void console_route(console_app *a, const http_req *rq, http_resp *out)
{
	const char *m = rq->method ? rq->method : "", *path = rq->path ? rq->path : "";
	int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
	char msg[256];
	if (!strcmp(path, "/style.css") && get) {
		console_stylesheet(out);
		return;
	}
	if (!strcmp(path, "/login") && (get || post)) {
		session_info who;
		const char *sid = http_cookie(rq, CONSOLE_SESSION_COOKIE);
		if (post) {
			console_login_post(a, rq, out);
		} else if (sid && session_get(a->sessions, sid, service_clock_ms(), &who) == 0) {
			char next[CONSOLE_NEXT_MAX + 1];
			console_safe_next(http_query(rq, "next"), next, sizeof next);
			http_resp_redirect(out, next);
		} else {
			const char *expired = http_query(rq, "expired");
			console_login_page(
			    a, rq, 200,
			    expired ? "Phiên làm việc đã hết hạn hoặc đã kết thúc. Vui lòng "
			              "đăng nhập lại."
			            : NULL,
			    0, out);
		}
		return;
	}
	const route *r = NULL;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0] && !r; i++)
		if (!strcmp(routes[i].path, path))
			r = &routes[i];
	if (!r && strcmp(path, "/style.css")) {
		snprintf(msg, sizeof msg, "Không có trang \"%.160s\" trên hệ thống.", path);
		console_error_page(NULL, 404, NULL, msg, out);
		return;
	}
	if (!r || !((get && (r->flags & R_GET)) || (post && (r->flags & R_POST)))) {
		snprintf(msg, sizeof msg, "Trang \"%.160s\" không nhận yêu cầu %.16s.", path, m);
		console_error_page(NULL, 405, NULL, msg, out);
		return;
	}
	route_signed_in(a, rq, r, post, out);
}

/* bench_console: what `cchc bench report` times of the web console (docs/design.md §14, issue 13):
 * the figures page and its two charts as a signed-in browser gets them, over HTTP on the console's
 * own address, each request on a new connection. It signs in as the account `bench` (a viewer of
 * the whole province, made or given a fresh random password for the run, disabled after it). */
#include "accounts.h"
#include "bench.h"

#include <errno.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BENCH_ACCOUNT "bench"

typedef struct hresp {
	int status;
	char *buf; /* the whole response, NUL-terminated */
	size_t len;
	const char *body;
	size_t body_len;
} hresp;

/* host and port of console.listen when it is http://HOST:PORT; -1 with err otherwise. */
static int console_address(const char *listen, char *host, size_t hlen, char *port, size_t plen,
                           char *err, size_t errlen)
{
	if (strncmp(listen, "http://", 7)) {
		snprintf(err, errlen,
		         "console.listen '%s' is not http://HOST:PORT (the bench speaks plain HTTP "
		         "on the stack's own machine)",
		         listen);
		return -1;
	}
	const char *h = listen + 7, *colon;
	size_t n;
	if (*h == '[') { /* [IPv6]:port */
		const char *close = strchr(h, ']');
		if (!close || close[1] != ':')
			goto bad;
		n = (size_t)(close - h - 1);
		h++;
		colon = close + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon)
			goto bad;
		n = (size_t)(colon - h);
	}
	if (!n || n >= hlen || !colon[1] || strlen(colon + 1) >= plen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	return 0;
bad:
	snprintf(err, errlen, "console.listen '%s' is not http://HOST:PORT", listen);
	return -1;
}

/* One request on a new connection ("Connection: close"), the whole answer read. */
static int http_do(const char *host, const char *port, const char *req, size_t reqlen, hresp *out,
                   char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	memset(out, 0, sizeof *out);
	int rv = getaddrinfo(host, port, &hints, &ai);
	if (rv) {
		snprintf(err, errlen, "the console's address %s:%s: %s", host, port,
		         gai_strerror(rv));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		snprintf(err, errlen, "connecting to the console at %s:%s: %s", host, port,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct timeval tv = {.tv_sec = 120};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (size_t sent = 0; sent < reqlen;) {
		ssize_t k = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (k <= 0) {
			snprintf(err, errlen, "sending to the console: %s", strerror(errno));
			close(fd);
			return -1;
		}
		sent += (size_t)k;
	}
	size_t cap = 1 << 16;
	out->buf = malloc(cap);
	for (;;) {
		if (out->buf && out->len + 1 == cap) {
			char *bigger = realloc(out->buf, cap * 2);
			if (!bigger)
				free(out->buf);
			out->buf = bigger;
			cap *= 2;
		}
		if (!out->buf) {
			snprintf(err, errlen, "out of memory");
			close(fd);
			return -1;
		}
		ssize_t k = recv(fd, out->buf + out->len, cap - 1 - out->len, 0);
		if (k < 0) {
			snprintf(err, errlen, "reading the console's answer: %s", strerror(errno));
			close(fd);
			free(out->buf);
			out->buf = NULL;
			return -1;
		}
		if (k == 0)
			break;
		out->len += (size_t)k;
	}
	close(fd);
	out->buf[out->len] = '\0';
	char *end = strstr(out->buf, "\r\n\r\n");
	if (sscanf(out->buf, "HTTP/1.%*d %d", &out->status) != 1 || !end) {
		snprintf(err, errlen, "the console's answer is not HTTP");
		free(out->buf);
		out->buf = NULL;
		return -1;
	}
	out->body = end + 4;
	out->body_len = out->len - (size_t)(out->body - out->buf);
	return 0;
}

/* The value (up to ';') of the Set-Cookie named `name` of a response, into buf. */
static int set_cookie(const hresp *r, const char *name, char *buf, size_t len)
{
	char want[64];
	snprintf(want, sizeof want, "\nSet-Cookie: %s=", name);
	const char *p = strcasestr(r->buf, want);
	if (!p || p > r->body)
		return -1;
	p += strlen(want);
	size_t n = strcspn(p, ";\r\n");
	if (n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

/* The hidden CSRF token of the first form of a page. */
static int form_token(const hresp *r, char *buf, size_t len)
{
	const char *p = strstr(r->body, "name=\"csrf\" value=\"");
	if (!p)
		return -1;
	p += strlen("name=\"csrf\" value=\"");
	size_t n = strspn(p, "0123456789abcdef");
	if (!n || n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

/* The account the bench signs in as, with a fresh random password (hex, so no escaping). */
static int bench_account(wire_client *stats, char *password, size_t len, char *err, size_t errlen)
{
	char by[160];
	uint8_t raw[16];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(password, len, raw, sizeof raw);
	client_os_user(by, sizeof by);
	int rc = accounts_add(stats, BENCH_ACCOUNT, "viewer", "", password, by, NULL, err, errlen);
	if (rc == ACCOUNTS_EXISTS)
		rc = accounts_passwd(stats, BENCH_ACCOUNT, password, by, err, errlen) ||
		     accounts_set_disabled(stats, BENCH_ACCOUNT, 0, by, NULL, err, errlen);
	return rc ? -1 : 0;
}

/* Signs in: the sign-in page's token and cookie, then the form. *session the cookie's value. */
static int sign_in(const char *host, const char *port, const char *password, char *session,
                   size_t slen, char *err, size_t errlen)
{
	char req[2048], login_cookie[160], token[160], body[512];
	hresp r;
	int n = snprintf(req, sizeof req,
	                 "GET /login HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
	if (http_do(host, port, req, (size_t)n, &r, err, errlen))
		return -1;
	int ok = r.status == 200 &&
	         !set_cookie(&r, "cchc_login", login_cookie, sizeof login_cookie) &&
	         !form_token(&r, token, sizeof token);
	free(r.buf);
	if (!ok) {
		snprintf(err, errlen, "the console's sign-in page has no token (status %d)",
		         r.status);
		return -1;
	}
	int blen = snprintf(body, sizeof body, "csrf=%s&user=%s&password=%s&next=%%2F", token,
	                    BENCH_ACCOUNT, password);
	n = snprintf(
	    req, sizeof req,
	    "POST /login HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nCookie: cchc_login=%s"
	    "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
	    "%d\r\n\r\n%s",
	    host, login_cookie, blen, body);
	if (http_do(host, port, req, (size_t)n, &r, err, errlen))
		return -1;
	ok = r.status == 303 && !set_cookie(&r, "cchc_session", session, slen);
	free(r.buf);
	if (!ok) {
		snprintf(err, errlen, "the console refused the bench's sign-in (status %d)",
		         r.status);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Times GET path `repeat` times; each answer must be 200 and hold `must`. */
static int time_get(const char *host, const char *port, const char *session, const char *name,
                    const char *path, const char *must, unsigned repeat, char *err, size_t errlen)
{
	char req[2048];
	double t[100];
	size_t bytes = 0;
	int n = snprintf(req, sizeof req,
	                 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nCookie: "
	                 "cchc_session=%s\r\n\r\n",
	                 path, host, session);
	for (unsigned k = 0; k < repeat; k++) {
		hresp r;
		int64_t t0 = bench_now_ns();
		if (http_do(host, port, req, (size_t)n, &r, err, errlen))
			return -1;
		t[k] = (double)(bench_now_ns() - t0) / 1e9;
		int ok = r.status == 200 && strstr(r.body, must);
		bytes = r.body_len;
		free(r.buf);
		if (!ok) {
			snprintf(err, errlen, "GET %s answered %d without '%s'", path, r.status,
			         must);
			return -1;
		}
	}
	qsort(t, repeat, sizeof t[0], cmp_double);
	printf("%-16s %10.3f %10.3f %12zu\n", name, t[0], t[repeat / 2], bytes);
	return 0;
}

int bench_console(const client *cl, const char *label, const char *scope, unsigned repeat)
{
	char host[256], port[16], err[512], password[64], session[160], path[512];
	const conf *c = &cl->conf;
	if (!c->console_listen[0]) {
		printf("console: not timed (console.listen is empty: no console)\n");
		return 0;
	}
	if (console_address(c->console_listen, host, sizeof host, port, sizeof port, err,
	                    sizeof err)) {
		printf("console: not timed (%s)\n", err);
		return 0;
	}
	if (repeat > 100)
		repeat = 100;
	wire_client *stats = NULL;
	if (wire_client_open(c->stats_listen, c->max_message_bytes, c->request_timeout_ms, &stats,
	                     err, sizeof err) ||
	    bench_account(stats, password, sizeof password, err, sizeof err)) {
		fprintf(stderr, "cchc bench report: the console's account: %s\n", err);
		wire_client_close(stats);
		return -1;
	}
	int rc = -1;
	printf("%-16s %10s %10s %12s\n", "console", "best s", "median s", "bytes");
	int64_t t0 = bench_now_ns();
	if (sign_in(host, port, password, session, sizeof session, err, sizeof err))
		goto out;
	printf("%-16s %10.3f %10s %12s  (Argon2id check of the password)\n", "sign-in",
	       (double)(bench_now_ns() - t0) / 1e9, "", "");
	snprintf(path, sizeof path, "/?period=%s&scope=%s", label, scope);
	if (time_get(host, port, session, "figures page", path, "id=\"bang-chi-tiet\"", repeat, err,
	             sizeof err))
		goto out;
	snprintf(path, sizeof path, "/chart?period=%s&scope=%s&chart=level", label, scope);
	if (time_get(host, port, session, "chart by level", path, "<svg", repeat, err, sizeof err))
		goto out;
	snprintf(path, sizeof path, "/chart?period=%s&scope=%s&chart=district", label, scope);
	if (time_get(host, port, session, "chart by dist.", path, "<svg", repeat, err, sizeof err))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "cchc bench report: the console: %s\n", err);
	char by[160];
	client_os_user(by, sizeof by);
	if (accounts_set_disabled(stats, BENCH_ACCOUNT, 1, by, NULL, err, sizeof err))
		fprintf(stderr, "cchc bench report: disabling the account %s: %s\n", BENCH_ACCOUNT,
		        err);
	sodium_memzero(password, sizeof password);
	wire_client_close(stats);
	return rc;
}

/* Unit tests of console_http's server (docs/design.md §14) over real loopback sockets, with raw
 * HTTP written by hand: what reaches the handler (path, query, form, cookies, address), the early
 * refusals (405, 413 before the body, 415, 400) that never reach it, HEAD, the security headers on
 * every answer, oversized request lines and headers, a slow page beside a fast one, the
 * per-address limit, a stop that answers the request in hand; and console.c's address rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "console.h"
#include "console_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY    1024
#define PER_ADDRESS 4
#define WAIT_MS     5000
#define CSP_EXPECTED                                                                               \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "               \
	"frame-ancestors 'none'; base-uri 'none'"

/* What the handler saw last, and the slow page's gate. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int calls;
	char method[8], path[256], client[64], query[1024], form[1024], cookies[1024];
	int https;
	int slow_in, slow_release, slow_done;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static http_server *srv;
static unsigned port;

static void join_kv(char *out, size_t outlen, const http_kv *kv, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && at < outlen; i++)
		at += (size_t)snprintf(out + at, outlen - at, "%s=%s;", kv[i].name, kv[i].value);
}

static void answer_text(http_resp *out, int status, const char *text)
{
	http_resp_set(out, status, "text/plain; charset=utf-8", (uint8_t *)strdup(text),
	              strlen(text));
}

static void handler(void *arg, const http_req *rq, http_resp *out)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	seen.calls++;
	snprintf(seen.method, sizeof seen.method, "%s", rq->method);
	snprintf(seen.path, sizeof seen.path, "%s", rq->path);
	snprintf(seen.client, sizeof seen.client, "%s", rq->client_addr);
	seen.https = rq->https;
	join_kv(seen.query, sizeof seen.query, rq->query, rq->n_query);
	join_kv(seen.form, sizeof seen.form, rq->form, rq->n_form);
	join_kv(seen.cookies, sizeof seen.cookies, rq->cookies, rq->n_cookies);
	if (!strcmp(rq->path, "/slow")) { /* held until the test releases it */
		seen.slow_in = 1;
		pthread_cond_broadcast(&seen.cond);
		while (!seen.slow_release)
			pthread_cond_wait(&seen.cond, &seen.lock);
		seen.slow_done = 1;
	}
	pthread_mutex_unlock(&seen.lock);
	if (!strcmp(rq->path, "/redirect")) {
		/* (no cmocka assert here: this runs on the server's thread) */
		http_resp_redirect(out, "/login?next=%2F");
		http_resp_cookie(out, "sid=abc; HttpOnly; SameSite=Strict; Path=/");
		http_resp_cookie(out, "lang=vi; Path=/");
	} else if (!strcmp(rq->path, "/injected")) { /* a header value with a line break */
		answer_text(out, 200, "x");
		snprintf(out->disposition, sizeof out->disposition,
		         "attachment\r\nSet-Cookie: evil=1");
	} else if (!strcmp(rq->path, "/nostatus")) {
		out->status = 0;
	} else {
		char text[512];
		snprintf(text, sizeof text, "ok %s %s\n", rq->method, rq->path);
		answer_text(out, 200, text);
	}
}

static int calls(void)
{
	pthread_mutex_lock(&seen.lock);
	int n = seen.calls;
	pthread_mutex_unlock(&seen.lock);
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- a raw HTTP client ---------------------------------------------------------------------- */

static int dial_from(const char *src)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (src) {
		struct sockaddr_in b = {.sin_family = AF_INET};
		inet_pton(AF_INET, src, &b.sin_addr);
		assert_int_equal(bind(fd, (struct sockaddr *)&b, sizeof b), 0);
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

static int dial(void)
{
	return dial_from(NULL);
}

/* Sends what the server takes; it may close on us half-way (an early answer). */
static void send_some(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

typedef struct reply {
	int status;
	char *raw; /* everything read, NUL-terminated */
	size_t len;
	const char *body;
	size_t body_len;
} reply;

/* Reads until the server closes the connection (within `ms`). Returns 0, or -1 on timeout. */
static int read_all(int fd, reply *r, int ms)
{
	size_t cap = 4096;
	int64_t end = now_ms() + ms;
	memset(r, 0, sizeof *r);
	r->raw = malloc(cap);
	assert_non_null(r->raw);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(end - now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			r->raw[r->len] = '\0';
			return -1;
		}
		if (r->len + 2048 > cap) {
			cap *= 2;
			r->raw = realloc(r->raw, cap);
			assert_non_null(r->raw);
		}
		ssize_t n = recv(fd, r->raw + r->len, cap - r->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* closed (or reset) */
		r->len += (size_t)n;
	}
	r->raw[r->len] = '\0';
	if (sscanf(r->raw, "HTTP/1.%*d %d", &r->status) != 1)
		r->status = 0;
	char *sep = strstr(r->raw, "\r\n\r\n");
	if (sep) {
		r->body = sep + 4;
		r->body_len = r->len - (size_t)(r->body - r->raw);
	}
	return 0;
}

/* One request on a new connection ("Connection: close" is added), the whole answer read. */
static void request(const char *head, const void *body, size_t body_len, reply *r)
{
	int fd = dial();
	char buf[8192];
	int n = snprintf(buf, sizeof buf, "%sHost: 127.0.0.1\r\nConnection: close\r\n\r\n", head);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	send_all(fd, buf, (size_t)n);
	if (body_len)
		send_all(fd, body, body_len);
	assert_int_equal(read_all(fd, r, WAIT_MS), 0);
	close(fd);
}

static void reply_free(reply *r)
{
	free(r->raw);
	memset(r, 0, sizeof *r);
}

/* The value of header `name` in the answer's head (copied into out), NULL when absent. */
static const char *header(const reply *r, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *end = r->body ? r->body : r->raw + r->len;
	for (const char *p = strstr(r->raw, "\r\n"); p && p < end; p = strstr(p, "\r\n")) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = strcspn(v, "\r\n");
			snprintf(out, outlen, "%.*s", (int)vl, v);
			return out;
		}
	}
	return NULL;
}

static int count_headers(const reply *r, const char *name)
{
	int n = 0;
	size_t nl = strlen(name);
	const char *end = r->body ? r->body : r->raw + r->len;
	for (const char *p = strstr(r->raw, "\r\n"); p && p < end; p = strstr(p, "\r\n")) {
		p += 2;
		n += !strncasecmp(p, name, nl) && p[nl] == ':';
	}
	return n;
}

static void assert_header(const reply *r, const char *name, const char *want)
{
	char v[1024];
	if (!header(r, name, v, sizeof v))
		fail_msg("no %s header in:\n%s", name, r->raw);
	assert_string_equal(v, want);
}

/* The headers every answer of the console carries (no HSTS: this is plain http). */
static void assert_security_headers(const reply *r)
{
	char v[256];
	assert_non_null(header(r, "Content-Type", v, sizeof v));
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "Referrer-Policy", "no-referrer");
	assert_header(r, "X-Frame-Options", "DENY");
	assert_header(r, "Content-Security-Policy", CSP_EXPECTED);
	assert_null(header(r, "Strict-Transport-Security", v, sizeof v));
}

/* --- the server ----------------------------------------------------------------------------- */

/* Starts a server on a free port below the ephemeral range, away from the test stacks' bases
 * (10000-29990): a port taken meanwhile only means another try. */
static http_server *start_server(const http_limits *l)
{
	http_server *s = NULL;
	char url[64], err[512] = "";
	srand((unsigned)getpid() ^ (unsigned)now_ms());
	for (int tries = 0; tries < 50; tries++) {
		port = 30000 + (unsigned)(rand() % 2700);
		snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
		if (http_server_start(url, NULL, NULL, l, handler, NULL, &s, err, sizeof err) == 0)
			return s;
	}
	fail_msg("no server started: %s", err);
	return NULL;
}

static const http_limits LIMITS = {.max_connections = 32,
                                   .max_per_address = PER_ADDRESS,
                                   .timeout_seconds = 10,
                                   .max_body_bytes = MAX_BODY};

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	srv = start_server(&LIMITS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	http_server_stop(srv);
	return 0;
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_get(void **state)
{
	(void)state;
	reply r;
	int before = calls();
	request("GET /b%C3%A1o%20c%C3%A1o+x?period=2024-Q1&scope=46&note=B%C3%A1o+c%C3%A1o "
	        "HTTP/1.1\r\nCookie: sid=abc123; lang=vi\r\n",
	        NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls(), before + 1);
	assert_string_equal(seen.method, "GET");
	assert_string_equal(seen.path, "/báo cáo+x"); /* '+' is itself in a path */
	assert_string_equal(seen.query, "period=2024-Q1;scope=46;note=Báo cáo;");
	assert_string_equal(seen.cookies, "sid=abc123;lang=vi;");
	assert_string_equal(seen.form, "");
	assert_string_equal(seen.client, "127.0.0.1");
	assert_int_equal(seen.https, 0);
	assert_security_headers(&r);
	assert_header(&r, "Cache-Control", "no-store");
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	assert_int_equal(r.body_len, strlen("ok GET /báo cáo+x\n"));
	assert_memory_equal(r.body, "ok GET /báo cáo+x\n", r.body_len);
	reply_free(&r);
}

static void test_post_form(void **state)
{
	(void)state;
	reply r;
	const char *body = "csrf=t0k3n&note=Ch%E1%BB%91t+s%E1%BB%91+li%E1%BB%87u&force";
	char head[256];
	snprintf(head, sizeof head,
	         "POST /closing?period=2024-Q1 HTTP/1.1\r\nContent-Type: "
	         "application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: %zu\r\n",
	         strlen(body));
	request(head, body, strlen(body), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.method, "POST");
	assert_string_equal(seen.path, "/closing");
	assert_string_equal(seen.query, "period=2024-Q1;");
	assert_string_equal(seen.form, "csrf=t0k3n;note=Chốt số liệu;force=;");
	assert_security_headers(&r);
	reply_free(&r);
	/* a body in chunks, within the limit */
	request("POST /closing HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "Transfer-Encoding: chunked\r\n",
	        "5\r\na=1&b\r\n5\r\n=%32&\r\n0\r\n\r\n",
	        strlen("5\r\na=1&b\r\n5\r\n=%32&\r\n0\r\n\r\n"), &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.form, "a=1;b=2;");
	reply_free(&r);
	/* a bare POST (no body, no type), as a sign-out button may send */
	request("POST /logout HTTP/1.1\r\nContent-Length: 0\r\n", NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.path, "/logout");
	assert_string_equal(seen.form, "");
	reply_free(&r);
}

static void test_method_405(void **state)
{
	(void)state;
	static const char *const methods[] = {"DELETE", "PUT", "OPTIONS", "PATCH", "TRACE"};
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		reply r;
		char head[128];
		int before = calls();
		snprintf(head, sizeof head, "%s / HTTP/1.1\r\n", methods[i]);
		request(head, NULL, 0, &r);
		assert_int_equal(r.status, 405);
		assert_int_equal(calls(), before);
		assert_header(&r, "Allow", "GET, HEAD, POST");
		assert_security_headers(&r);
		reply_free(&r);
	}
}

/* Content-Length over the limit: 413 at once, though not one byte of the body is sent. */
static void test_413_early(void **state)
{
	(void)state;
	static const char *const lengths[] = {"1025", "1000000", "18446744073709551615"};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		reply r;
		char head[256];
		int before = calls();
		snprintf(head, sizeof head,
		         "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		         "Content-Length: %s\r\n",
		         lengths[i]);
		request(head, NULL, 0, &r);
		assert_int_equal(r.status, 413);
		assert_int_equal(calls(), before);
		assert_security_headers(&r);
		assert_non_null(strstr(r.body, "1024"));
		reply_free(&r);
	}
	/* Expect: 100-continue is answered 413, never 100 */
	reply r;
	request("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "Content-Length: 5000\r\nExpect: 100-continue\r\n",
	        NULL, 0, &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	/* exactly the limit is taken */
	char body[MAX_BODY], head[256];
	memset(body, 'a', sizeof body);
	body[0] = 'x';
	body[1] = '=';
	snprintf(head, sizeof head,
	         "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	         "Content-Length: %d\r\n",
	         MAX_BODY);
	request(head, body, sizeof body, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

/* A chunked body has no length to refuse by: it is read up to the limit, dropped after, and
 * answered 413 when it ends. */
static void test_413_chunked(void **state)
{
	(void)state;
	char *body = malloc(64 * 1024);
	size_t at = 0;
	for (int i = 0; i < 20; i++) /* 20 chunks of 256 bytes: 5 KiB */
		at += (size_t)snprintf(body + at, 64 * 1024 - at, "100\r\n%0256d\r\n", i);
	at += (size_t)snprintf(body + at, 64 * 1024 - at, "0\r\n\r\n");
	reply r;
	int before = calls();
	request("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "Transfer-Encoding: chunked\r\n",
	        body, at, &r);
	assert_int_equal(r.status, 413);
	assert_int_equal(calls(), before);
	assert_security_headers(&r);
	assert_header(&r, "Connection", "close");
	reply_free(&r);
	free(body);
}

static void test_415(void **state)
{
	(void)state;
	static const char *const types[] = {"multipart/form-data; boundary=x", "text/plain",
	                                    "application/json",
	                                    "application/x-www-form-urlencodedx"};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		reply r;
		char head[256];
		int before = calls();
		snprintf(head, sizeof head,
		         "POST / HTTP/1.1\r\nContent-Type: %s\r\nContent-Length: 3\r\n", types[i]);
		request(head, "a=1", 3, &r);
		assert_int_equal(r.status, 415);
		assert_int_equal(calls(), before);
		assert_security_headers(&r);
		reply_free(&r);
	}
	/* a body without a type */
	reply r;
	request("POST / HTTP/1.1\r\nContent-Length: 3\r\n", "a=1", 3, &r);
	assert_int_equal(r.status, 415);
	reply_free(&r);
}

static void test_400(void **state)
{
	(void)state;
	static const char *const heads[] = {
	    "GET /?a=%zz HTTP/1.1\r\n",
	    "GET /?a=%4 HTTP/1.1\r\n",
	    "GET /?a=1%00 HTTP/1.1\r\n",
	    "GET /a%00b HTTP/1.1\r\n",
	    "GET /%G0 HTTP/1.1\r\n",
	    "GET * HTTP/1.1\r\n",
	    "GET http://127.0.0.1/ HTTP/1.1\r\n",
	};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		reply r;
		int before = calls();
		request(heads[i], NULL, 0, &r);
		if (r.status != 400)
			fail_msg("%s: status %d, expected 400", heads[i], r.status);
		assert_int_equal(calls(), before);
		assert_security_headers(&r);
		assert_header(&r, "Connection", "close"); /* a refusal ends the connection */
		reply_free(&r);
	}
	/* too many query pairs, a bad escape in a form */
	char head[2048];
	size_t at = (size_t)snprintf(head, sizeof head, "GET /?");
	for (int i = 0; i < 65; i++)
		at += (size_t)snprintf(head + at, sizeof head - at, "a%d=1&", i);
	snprintf(head + at, sizeof head - at, " HTTP/1.1\r\n");
	reply r;
	request(head, NULL, 0, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	request("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "Content-Length: 6\r\n",
	        "a=%zz&", 6, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "biểu mẫu"));
	reply_free(&r);
}

static void test_head(void **state)
{
	(void)state;
	reply get, head;
	char len[32];
	request("GET /page HTTP/1.1\r\n", NULL, 0, &get);
	request("HEAD /page HTTP/1.1\r\n", NULL, 0, &head);
	assert_int_equal(head.status, 200);
	assert_string_equal(seen.method, "HEAD");
	assert_int_equal(head.body_len, 0); /* the headers only */
	assert_non_null(head.body);
	assert_non_null(header(&head, "Content-Length", len, sizeof len));
	assert_int_equal(strtoul(len, NULL, 10), strlen("ok HEAD /page\n"));
	assert_security_headers(&head);
	assert_int_equal(get.body_len, strlen("ok GET /page\n"));
	reply_free(&get);
	reply_free(&head);
}

static void test_redirect_cookies(void **state)
{
	(void)state;
	reply r;
	request("GET /redirect HTTP/1.1\r\n", NULL, 0, &r);
	assert_int_equal(r.status, 303);
	assert_header(&r, "Location", "/login?next=%2F");
	assert_int_equal(count_headers(&r, "Set-Cookie"), 2);
	assert_non_null(
	    strstr(r.raw, "\r\nSet-Cookie: sid=abc; HttpOnly; SameSite=Strict; Path=/\r\n"));
	assert_non_null(strstr(r.raw, "\r\nSet-Cookie: lang=vi; Path=/\r\n"));
	assert_security_headers(&r);
	assert_header(&r, "Cache-Control", "no-store");
	reply_free(&r);
}

/* A header value that would split the answer is refused: 500, and nothing of it is sent. */
static void test_header_injection(void **state)
{
	(void)state;
	reply r;
	request("GET /injected HTTP/1.1\r\n", NULL, 0, &r);
	assert_int_equal(r.status, 500);
	assert_null(strstr(r.raw, "evil"));
	assert_security_headers(&r);
	reply_free(&r);
	request("GET /nostatus HTTP/1.1\r\n", NULL, 0, &r);
	assert_int_equal(r.status, 500);
	reply_free(&r);
}

/* Sends junk on a new connection: the server answers 4xx or closes (an answer may be lost when
 * it closes while the junk is still coming), never serves it, and closes within WAIT_MS. */
static void assert_refused_junk(const char *junk, size_t len)
{
	reply r;
	int fd = dial();
	send_some(fd, junk, len); /* the server may answer before reading it all */
	assert_int_equal(read_all(fd, &r, WAIT_MS), 0);
	close(fd);
	if (r.len)
		assert_true(r.status >= 400 && r.status < 500);
	reply_free(&r);
}

/* An oversized request line or header block is answered with an error, and the server goes on. */
static void test_oversized(void **state)
{
	(void)state;
	size_t n = 100 * 1024;
	char *line = malloc(n + 64);
	memcpy(line, "GET /?a=", 8);
	memset(line + 8, 'x', n);
	strcpy(line + 8 + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	int before = calls();
	assert_refused_junk(line, strlen(line));
	free(line);
	/* 10,000 headers */
	size_t cap = 10000 * 24 + 128, at = 0;
	char *hdrs = malloc(cap);
	at += (size_t)snprintf(hdrs, cap, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 10000; i++)
		at += (size_t)snprintf(hdrs + at, cap - at, "X-H%d: v\r\n", i);
	at += (size_t)snprintf(hdrs + at, cap - at, "\r\n");
	assert_refused_junk(hdrs, at);
	free(hdrs);
	assert_int_equal(calls(), before);
	reply r;
	request("GET / HTTP/1.1\r\n", NULL, 0, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

static void *slow_client(void *arg)
{
	reply *r = arg;
	request("GET /slow HTTP/1.1\r\n", NULL, 0, r);
	return NULL;
}

static void wait_slow_in(void)
{
	int64_t end = now_ms() + WAIT_MS;
	pthread_mutex_lock(&seen.lock);
	while (!seen.slow_in && now_ms() < end) {
		pthread_mutex_unlock(&seen.lock);
		poll(NULL, 0, 5);
		pthread_mutex_lock(&seen.lock);
	}
	int in = seen.slow_in;
	pthread_mutex_unlock(&seen.lock);
	assert_true(in);
}

static void release_slow(void)
{
	pthread_mutex_lock(&seen.lock);
	seen.slow_release = 1;
	pthread_cond_broadcast(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
}

static void reset_slow(void)
{
	pthread_mutex_lock(&seen.lock);
	seen.slow_in = seen.slow_release = seen.slow_done = 0;
	pthread_mutex_unlock(&seen.lock);
}

/* A page that takes its time holds up its own connection only. */
static void test_slow_page(void **state)
{
	(void)state;
	reply slow, fast;
	pthread_t t;
	reset_slow();
	assert_int_equal(pthread_create(&t, NULL, slow_client, &slow), 0);
	wait_slow_in();
	request("GET /fast HTTP/1.1\r\n", NULL, 0, &fast);
	assert_int_equal(fast.status, 200);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.slow_done, 0); /* answered while /slow was still held */
	pthread_mutex_unlock(&seen.lock);
	release_slow();
	pthread_join(t, NULL);
	assert_int_equal(slow.status, 200);
	reply_free(&slow);
	reply_free(&fast);
}

/* 1 when a new connection from `src` gets an answer to GET / within ms. */
static int answered_from(const char *src, int ms)
{
	int fd = dial_from(src);
	const char *req = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	send(fd, req, strlen(req), MSG_NOSIGNAL);
	reply r;
	int ok = read_all(fd, &r, ms) == 0 && r.status == 200;
	reply_free(&r);
	close(fd);
	return ok;
}

/* One address holding max_per_address connections (a client trickling its headers) gets no
 * more; another address is still served, and the first is again once it lets go. */
static void test_per_address(void **state)
{
	(void)state;
	int held[PER_ADDRESS];
	for (int i = 0; i < PER_ADDRESS; i++) {
		held[i] = dial();
		send_all(held[i], "GET / HTTP/1.1\r\nHo", 18); /* and no more */
	}
	/* the server has taken them all once one more from the address is turned away */
	int64_t end = now_ms() + WAIT_MS;
	int refused = 0;
	while (!refused && now_ms() < end) {
		int fd = dial();
		reply r;
		send(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, MSG_NOSIGNAL);
		refused = read_all(fd, &r, 1000) == 0 && r.len == 0; /* closed, no answer */
		reply_free(&r);
		close(fd);
	}
	assert_true(refused);
	assert_true(answered_from("127.0.0.2", WAIT_MS));
	for (int i = 0; i < PER_ADDRESS; i++)
		close(held[i]);
	end = now_ms() + WAIT_MS;
	while (!answered_from(NULL, 1000) && now_ms() < end)
		;
	assert_true(now_ms() < end);
}

static void *stopper(void *arg)
{
	http_server_stop(arg);
	return NULL;
}

/* The stop answers the request in hand: the slow page's client gets its whole answer (with
 * Connection: close) although the stop began while the page was being made. */
static void test_stop_answers_in_hand(void **state)
{
	(void)state;
	reply slow;
	pthread_t client, stop;
	unsigned main_port = port;
	http_server *s = start_server(&LIMITS);
	reset_slow();
	assert_int_equal(pthread_create(&client, NULL, slow_client, &slow), 0);
	wait_slow_in();
	assert_int_equal(pthread_create(&stop, NULL, stopper, s), 0);
	/* the stop has begun once the server takes no new connection */
	int64_t end = now_ms() + WAIT_MS;
	while (answered_from(NULL, 200) && now_ms() < end)
		;
	assert_true(now_ms() < end);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.slow_done, 0);
	pthread_mutex_unlock(&seen.lock);
	release_slow();
	pthread_join(client, NULL);
	pthread_join(stop, NULL);
	assert_int_equal(slow.status, 200);
	assert_memory_equal(slow.body, "ok GET /slow\n", slow.body_len);
	assert_header(&slow, "Connection", "close");
	reply_free(&slow);
	port = main_port;
}

static void test_listen_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		int https, loopback;
	} good[] = {
	    {"http://127.0.0.1:7404", 0, 1}, {"http://127.8.9.10:1", 0, 1},
	    {"http://localhost:7404", 0, 1}, {"http://[::1]:7404", 0, 1},
	    {"https://0.0.0.0:443", 1, 0},   {"https://[::]:8443", 1, 0},
	    {"http://10.0.0.1:80", 0, 0},    {"https://192.168.1.5:65535", 1, 0},
	    {"http://128.0.0.1:7404", 0, 0}, {"http://[::ffff:127.0.0.1]:1", 0, 0},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int https = -1, loopback = -1;
		char err[256] = "";
		if (http_listen_parse(good[i].url, &https, &loopback, err, sizeof err))
			fail_msg("%s: %s", good[i].url, err);
		assert_int_equal(https, good[i].https);
		assert_int_equal(loopback, good[i].loopback);
	}
	static const char *const bad[] = {
	    "tcp://127.0.0.1:7404",
	    "http://127.0.0.1",
	    "http://127.0.0.1:0",
	    "http://127.0.0.1:65536",
	    "http://127.0.0.1:80/x",
	    "http://example.org:80",
	    "http://:80",
	    "http://[::1:80",
	    "http://[::1]80",
	    "http://1.2.3:80",
	    "HTTP://127.0.0.1:80",
	    "http://127.0.0.1:-1",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int https, loopback;
		char err[256] = "";
		http_server *s = NULL;
		if (http_listen_parse(bad[i], &https, &loopback, err, sizeof err) == 0)
			fail_msg("%s was taken", bad[i]);
		assert_true(err[0]);
		assert_int_equal(http_server_start(bad[i], NULL, NULL, &LIMITS, handler, NULL, &s,
		                                   err, sizeof err),
		                 -1);
		assert_null(s);
	}
	/* https needs its certificate and key, readable */
	char err[512];
	http_server *s = NULL;
	assert_int_equal(http_server_start("https://127.0.0.1:1", NULL, NULL, &LIMITS, handler,
	                                   NULL, &s, err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "console.cert"));
	assert_int_equal(http_server_start("https://127.0.0.1:1", "/nonexistent/cert.pem",
	                                   "/nonexistent/key.pem", &LIMITS, handler, NULL, &s, err,
	                                   sizeof err),
	                 -1);
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
	assert_null(s);
}

/* console.behind_proxy: a loopback peer's X-Forwarded-For (its last address) and
 * X-Forwarded-Proto are believed; without the setting they are not. */
static void test_behind_proxy(void **state)
{
	(void)state;
	static const char *const fwd = "GET / HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n"
	                               "X-Forwarded-Proto: https\r\n";
	reply r;
	request(fwd, NULL, 0, &r); /* the suite's server: not behind a proxy */
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.client, "127.0.0.1");
	assert_int_equal(seen.https, 0);
	reply_free(&r);

	http_server *plain = srv;
	http_limits l = LIMITS;
	l.behind_proxy = 1;
	srv = start_server(&l);
	request(fwd, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(seen.client, "203.0.113.7"); /* the proxy's own, not the client's */
	assert_int_equal(seen.https, 1);
	reply_free(&r);
	request("GET / HTTP/1.1\r\nX-Forwarded-For: 2001:db8::1\r\n", NULL, 0, &r);
	assert_string_equal(seen.client, "2001:db8::1");
	assert_int_equal(seen.https, 0);
	reply_free(&r);
	request("GET / HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1, <script>\r\n", NULL, 0, &r);
	assert_string_equal(seen.client, "127.0.0.1"); /* not an address: the peer's is kept */
	reply_free(&r);
	http_server_stop(srv);
	srv = plain;
}

static void test_console_conf(void **state)
{
	(void)state;
	conf cf;
	char err[1024];
	int enabled, https;
	memset(&cf, 0, sizeof cf);
	static const char *const served[] = {"http://127.0.0.1:7404", "http://127.0.0.2:7404",
	                                     "http://localhost:7404", "http://[::1]:7404"};
	for (size_t i = 0; i < sizeof served / sizeof served[0]; i++) {
		snprintf(cf.console_listen, sizeof cf.console_listen, "%s", served[i]);
		if (console_check_conf(&cf, &enabled, &https, err, sizeof err))
			fail_msg("%s: %s", served[i], err);
		assert_int_equal(enabled, 1);
		assert_int_equal(https, 0);
	}
	cf.console_listen[0] = '\0';
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), 0);
	assert_int_equal(enabled, 0);
	/* plain http anywhere but loopback: refused, saying what to do instead */
	static const char *const refused[] = {"http://0.0.0.0:7404", "http://[::]:7404",
	                                      "http://10.1.2.3:80", "http://[::ffff:127.0.0.1]:1"};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(cf.console_listen, sizeof cf.console_listen, "%s", refused[i]);
		assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
		assert_non_null(strstr(err, refused[i]));
		assert_non_null(strstr(err, "https://"));
		assert_non_null(strstr(err, "console.cert"));
		assert_non_null(strstr(err, "reverse proxy"));
	}
	/* console_start refuses it too, before anything starts */
	snprintf(cf.console_listen, sizeof cf.console_listen, "http://0.0.0.0:7404");
	export_ctx ctx = {.conf = &cf};
	console *c = NULL;
	assert_int_equal(console_start(&ctx, &c, err, sizeof err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "loopback"));
	/* https: both files set and readable */
	snprintf(cf.console_listen, sizeof cf.console_listen, "https://0.0.0.0:8443");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
	assert_non_null(strstr(err, "console.cert"));
	assert_non_null(strstr(err, "neither is"));
	snprintf(cf.console_cert, sizeof cf.console_cert, "%s", CCHC_SOURCE_DIR "/README.md");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
	assert_non_null(strstr(err, "console.key is"));
	snprintf(cf.console_key, sizeof cf.console_key, "/nonexistent/console.key");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/console.key"));
	snprintf(cf.console_key, sizeof cf.console_key, "%s", CCHC_SOURCE_DIR "/README.md");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), 0);
	assert_int_equal(enabled, 1);
	assert_int_equal(https, 1);
	/* behind a proxy: only on plain http on loopback */
	cf.console_behind_proxy = 1;
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
	assert_non_null(strstr(err, "console.behind_proxy"));
	snprintf(cf.console_listen, sizeof cf.console_listen, "http://127.0.0.1:7404");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), 0);
	cf.console_behind_proxy = 0;
	/* a listen address that does not parse */
	snprintf(cf.console_listen, sizeof cf.console_listen, "http://example.org:80");
	assert_int_equal(console_check_conf(&cf, &enabled, &https, err, sizeof err), -1);
	assert_non_null(strstr(err, "console.listen"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_post_form),
	    cmocka_unit_test(test_method_405),
	    cmocka_unit_test(test_413_early),
	    cmocka_unit_test(test_413_chunked),
	    cmocka_unit_test(test_415),
	    cmocka_unit_test(test_400),
	    cmocka_unit_test(test_head),
	    cmocka_unit_test(test_redirect_cookies),
	    cmocka_unit_test(test_header_injection),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_slow_page),
	    cmocka_unit_test(test_per_address),
	    cmocka_unit_test(test_stop_answers_in_hand),
	    cmocka_unit_test(test_listen_addresses),
	    cmocka_unit_test(test_behind_proxy),
	    cmocka_unit_test(test_console_conf),
	};
	return cmocka_run_group_tests_name("console_server", tests, setup, teardown);
}

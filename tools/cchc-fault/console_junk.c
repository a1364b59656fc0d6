/* console_junk: the traffic of `cchc-fault console-junk` and what the console must do with it
 * (see console_junk.h). Everything goes over raw sockets (raw.c): an HTTP client library would
 * refuse to send most of it. The TLS kinds build a TLS 1.2 ClientHello by hand (RFC 5246 §7.4.1.2)
 * so that a handshake can be cut, garbled or dropped at any byte. */
#include "console_junk.h"

#include "fault.h"
#include "raw.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LONG_LINE    (100 * 1024) /* the request line of long-line */
#define MANY_HEADERS 10000
#define ENDLESS      (4 * 1024 * 1024) /* a chunked body that never ends is cut here */
#define SLOW_SECONDS 3                 /* each slowloris round trickles this long */
#define SLOW_EXTRA   4                 /* connections past max_per_address per round */

typedef struct cj_ctx {
	const console_junk_opts *o;
	raw_peer net;
	int https;
} cj_ctx;

/* --- HTTP ----------------------------------------------------------------------------------- */

/* The status of an HTTP answer in buf (0 when it is not one). */
static int http_status(const uint8_t *buf, size_t len)
{
	char line[16];
	int status = 0;
	if (len < 12)
		return 0;
	memcpy(line, buf, 12);
	line[12] = '\0';
	if (sscanf(line, "HTTP/1.%*1[01] %3d", &status) != 1)
		return 0;
	return status;
}

/* The server must answer with a status in [lo, hi] or close without an answer (no_answer_ok),
 * and close the connection, within the timeout. */
static int expect_refusal(cj_ctx *c, int fd, int lo, int hi, int no_answer_ok, const char *after)
{
	uint8_t buf[64];
	size_t got;
	if (raw_read_to_close(&c->net, fd, buf, sizeof buf, &got))
		return raw_fail(&c->net, "the console kept the connection open for %u ms after %s",
		                c->o->timeout_ms, after);
	if (got == 0 && no_answer_ok) {
		c->net.closed++;
		return 0;
	}
	int status = http_status(buf, got);
	if (status < lo || status > hi) {
		char line[sizeof buf + 1];
		memcpy(line, buf, got);
		line[got] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		return raw_fail(&c->net, "after %s the console answered '%s' (expected %d..%d%s)",
		                after, line, lo, hi, no_answer_ok ? " or a close" : "");
	}
	c->net.answered++;
	c->net.closed++;
	return 0;
}

/* http-random and tls-random: 1-2048 random bytes on a fresh connection, then gone. */
static int kind_random(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	return raw_random_burst(&c->net, i);
}

/* http-cut: a well-formed POST cut at a random byte, then gone (FIN or RST). */
static int kind_http_cut(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	static const char req[] = "POST /closing?period=2024-Q1&scope=46 HTTP/1.1\r\nHost: x\r\n"
	                          "Content-Type: application/x-www-form-urlencoded\r\n"
	                          "Content-Length: 27\r\nCookie: sid=0123456789abcdef\r\n\r\n"
	                          "csrf=abc&note=ch%E1%BB%91t";
	int fd;
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	raw_send(&c->net, fd, req, 1 + raw_rnd_below(&c->net, sizeof req - 2));
	raw_close(fd, i % 2);
	return 0;
}

/* Sends req on a new connection and expects a refusal (expect_refusal). */
static int send_refused(cj_ctx *c, const char *req, size_t len, int lo, int hi, int no_answer_ok,
                        const char *after)
{
	int fd;
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	raw_send(&c->net, fd, req, len);
	int r = expect_refusal(c, fd, lo, hi, no_answer_ok, after);
	raw_close(fd, 1);
	return r;
}

/* long-line: a request line of 100 kB: an error answer (414) or a close, never a page. */
static int kind_long_line(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	char *req = malloc(LONG_LINE + 64);
	if (!req)
		return raw_fail(&c->net, "out of memory");
	memcpy(req, "GET /?q=", 8);
	memset(req + 8, 'a' + (int)(i % 26), LONG_LINE);
	strcpy(req + 8 + LONG_LINE, " HTTP/1.1\r\nHost: x\r\n\r\n");
	int r = send_refused(c, req, strlen(req), 400, 499, 1, "a 100 kB request line");
	free(req);
	return r;
}

/* many-headers: 10,000 header lines: an error answer (431) or a close. */
static int kind_many_headers(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	size_t cap = MANY_HEADERS * 32 + 64, at = 0;
	char *req = malloc(cap);
	if (!req)
		return raw_fail(&c->net, "out of memory");
	at += (size_t)snprintf(req, cap, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (unsigned h = 0; h < MANY_HEADERS; h++)
		at += (size_t)snprintf(req + at, cap - at, "X-Junk-%u-%u: %u\r\n", i, h, h);
	at += (size_t)snprintf(req + at, cap - at, "\r\n");
	int r = send_refused(c, req, at, 400, 499, 1, "10,000 headers");
	free(req);
	return r;
}

/* big-body: a Content-Length far over console.max_body_bytes, and not one byte of the body:
 * the console must answer 413 at once. */
static int kind_big_body(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	char head[512];
	unsigned long long len =
	    (unsigned long long)c->o->max_body_bytes * (2 + raw_rnd_below(&c->net, 1000));
	if (i % 5 == 4)
		len = 1ULL << (40 + i % 20); /* terabytes */
	int n = snprintf(head, sizeof head,
	                 "POST /closing HTTP/1.1\r\nHost: x\r\n"
	                 "Content-Type: application/x-www-form-urlencoded\r\n"
	                 "Content-Length: %llu\r\n%s\r\n",
	                 len, i % 2 ? "Expect: 100-continue\r\n" : "");
	if (send_refused(c, head, (size_t)n, 413, 413, 0,
	                 "a Content-Length over the limit, body unsent"))
		return raw_fail(&c->net, "%s (Content-Length %llu)", c->net.err, len);
	return 0;
}

/* big-chunked: a chunked body (no Content-Length) past the limit. Even attempts end it after
 * four times the limit: 413 once it has ended. Odd ones never end it: the console must close
 * the connection before 4 MiB have gone in (it reads on only so far past the limit). */
static int kind_big_chunked(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	static const char head[] = "POST /closing HTTP/1.1\r\nHost: x\r\n"
	                           "Content-Type: application/x-www-form-urlencoded\r\n"
	                           "Transfer-Encoding: chunked\r\n\r\n";
	char chunk[8192 + 16];
	int fd, n = snprintf(chunk, sizeof chunk, "2000\r\n");
	memset(chunk + n, 'a', 8192);
	memcpy(chunk + n + 8192, "\r\n", 2);
	size_t clen = (size_t)n + 8192 + 2;
	size_t total = i % 2 ? ENDLESS : 4 * c->o->max_body_bytes, sent = 0;
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	raw_send(&c->net, fd, head, sizeof head - 1);
	while (sent < total && raw_send(&c->net, fd, chunk, clen) == clen)
		sent += 8192;
	int r;
	if (i % 2) {
		r = expect_refusal(c, fd, 413, 413, 1, "a chunked body that never ends");
	} else {
		raw_send(&c->net, fd, "0\r\n\r\n", 5);
		r = expect_refusal(c, fd, 413, 413, 0, "a chunked body over the limit");
	}
	raw_close(fd, 1);
	return r;
}

/* A GET / on a new connection from `src` (NULL: 127.0.0.1) is answered with a status line. */
static int http_get_once(cj_ctx *c, const char *src)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	uint8_t buf[64];
	size_t got;
	int fd;
	if (raw_connect(&c->net, src, &fd))
		return -1;
	raw_send(&c->net, fd, req, sizeof req - 1);
	int closed = raw_read_to_close(&c->net, fd, buf, sizeof buf, &got);
	raw_close(fd, 0);
	if (http_status(buf, got) >= 100)
		return 0;
	return raw_fail(&c->net, "GET / from %s: %s", src ? src : "127.0.0.1",
	                got      ? "not an HTTP answer"
	                : closed ? "no answer within the timeout"
	                         : "closed without an answer");
}

/* `once` until it succeeds, for up to the timeout. The console counts a connection against its
 * address until the connection's thread has ended, so right after a burst of junk from the
 * same address it may still turn a newcomer away: the probe asks whether it recovers in time. */
static int retried(cj_ctx *c, int (*once)(cj_ctx *c, const char *src), const char *src)
{
	double end = raw_now() + c->o->timeout_ms / 1000.0;
	while (once(c, src)) {
		if (raw_now() >= end)
			return -1;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL); /* between tries */
	}
	return 0;
}

static int http_get(cj_ctx *c, const char *src)
{
	return retried(c, http_get_once, src);
}

/* slowloris: max_per_address connections from one address, each trickling a request one byte a
 * second; SLOW_EXTRA more from that address must be turned away at once, while another address
 * is served. A round takes SLOW_SECONDS; each round comes from an address of its own (the
 * console counts a closed connection only once it notices). */
static int kind_slowloris(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	static const char req[] = "GET /?period=2024-Q1 HTTP/1.1\r\nHost: x\r\n\r\n";
	char src[32];
	unsigned n = c->o->max_per_address;
	int *held = calloc(n, sizeof *held), r = 0;
	if (!held)
		return raw_fail(&c->net, "out of memory");
	snprintf(src, sizeof src, "127.0.%u.%u", 1 + (i / 250) % 250, 2 + i % 250);
	unsigned opened = 0;
	for (; opened < n && !r; opened++)
		if (!(r = raw_connect(&c->net, src, &held[opened])))
			raw_send(&c->net, held[opened], req, 1);
	for (unsigned k = 0; k < SLOW_EXTRA && !r; k++) {
		int fd;
		if ((r = raw_connect(&c->net, src, &fd)))
			break;
		raw_send(&c->net, fd, req, sizeof req - 1); /* a whole request: still refused */
		r = expect_refusal(c, fd, 0, 0, 1, "one connection more than max_per_address");
		raw_close(fd, 1);
		if (r)
			raw_fail(&c->net, "%s (max_per_address %u)", c->net.err, n);
	}
	if (!r)
		r = http_get(c, NULL); /* the others are served meanwhile */
	for (unsigned s = 1; s <= SLOW_SECONDS && !r; s++) {
		double next = raw_now() + 1.0;
		while (raw_now() < next) {
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL); /* the trickle's pace, not synchronisation */
		}
		for (unsigned k = 0; k < opened; k++)
			raw_send(&c->net, held[k], req + s, 1);
	}
	for (unsigned k = 0; k < opened; k++)
		if (held[k] > 0)
			raw_close(held[k], 1);
	free(held);
	return r;
}

/* --- TLS ------------------------------------------------------------------------------------ */

/* A TLS 1.2 ClientHello (ECDHE/RSA with AES-GCM, the groups and signatures GnuTLS's NORMAL
 * takes) in one record; returns its length. */
static size_t client_hello(cj_ctx *c, uint8_t *out)
{
	static const uint8_t suites[] = {0xc0, 0x2f, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2c,
	                                 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35};
	static const uint8_t ext[] = {
	    0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, /* groups x25519, P-256 */
	    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* point formats */
	    0x00, 0x0d, 0x00, 0x0a, 0x00, 0x08, 0x04, 0x01, 0x08, 0x04, /* signature algorithms */
	    0x04, 0x03, 0x05, 0x01,                                     /* … */
	    0xff, 0x01, 0x00, 0x01, 0x00,                               /* renegotiation_info */
	    0x00, 0x17, 0x00, 0x00,                                     /* extended master secret */
	};
	uint8_t *b = out + 9; /* record header (5) and handshake header (4) come first */
	size_t n = 0;
	b[n++] = 3; /* TLS 1.2 */
	b[n++] = 3;
	raw_rnd_fill(&c->net, b + n, 32);
	n += 32;
	b[n++] = 0; /* no session id */
	b[n++] = 0;
	b[n++] = sizeof suites;
	memcpy(b + n, suites, sizeof suites);
	n += sizeof suites;
	b[n++] = 1; /* compression: null only */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = sizeof ext;
	memcpy(b + n, ext, sizeof ext);
	n += sizeof ext;
	const uint8_t head[9] = {
	    0x16,      3, 1, (uint8_t)((n + 4) >> 8), (uint8_t)(n + 4), 1, 0, (uint8_t)(n >> 8),
	    (uint8_t)n};
	memcpy(out, head, sizeof head);
	return n + 9;
}

/* Sends a ClientHello and reads the first record header back: 0 when it is a handshake record
 * (the ServerHello), -1 otherwise. The connection stays open in *fd. */
static int tls_hello(cj_ctx *c, int *fd)
{
	uint8_t hello[512], rec[5];
	size_t n = client_hello(c, hello);
	if (raw_connect(&c->net, NULL, fd))
		return -1;
	raw_send(&c->net, *fd, hello, n);
	int r = raw_read(&c->net, *fd, rec, sizeof rec);
	if (r || rec[0] != 0x16 || rec[1] != 3) {
		raw_close(*fd, 1);
		*fd = -1;
		return raw_fail(&c->net, "%s (timeout %u ms)",
		                r < 0   ? "no handshake record after a ClientHello"
		                : r > 0 ? "the connection was closed after a ClientHello"
		                        : "the answer to a ClientHello is not a handshake record",
		                c->o->timeout_ms);
	}
	return 0;
}

/* tls-hello-cut: a ClientHello cut at a random byte, then gone (FIN or RST). */
static int kind_tls_hello_cut(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	uint8_t hello[512];
	int fd;
	size_t n = client_hello(c, hello);
	if (raw_connect(&c->net, NULL, &fd))
		return -1;
	raw_send(&c->net, fd, hello, 1 + raw_rnd_below(&c->net, (unsigned)n - 1));
	raw_close(fd, i % 2);
	return 0;
}

/* tls-hello-garbled: a ClientHello with valid headers and a random body: the console must
 * close. */
static int kind_tls_hello_garbled(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	uint8_t hello[512];
	size_t n = client_hello(c, hello);
	(void)i;
	raw_rnd_fill(&c->net, hello + 9, n - 9);
	return raw_send_expect_close(&c->net, hello, n, "a garbled ClientHello");
}

/* tls-plain-http: a plain HTTP request to the TLS port: the console must close. */
static int kind_tls_plain_http(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	(void)i;
	return raw_send_expect_close(&c->net, req, sizeof req - 1, "plain HTTP");
}

/* tls-hello-drop: a ClientHello answered by the ServerHello, then gone mid-handshake. */
static int kind_tls_hello_drop(void *ctx, unsigned i)
{
	cj_ctx *c = ctx;
	int fd;
	if (tls_hello(c, &fd))
		return -1;
	c->net.answered++;
	raw_close(fd, i % 2);
	return 0;
}

/* --- the run -------------------------------------------------------------------------------- */

static const fault_kind HTTP_KINDS[] = {
    {"http-random", kind_random, "1-2048 random bytes, then close or reset", 0},
    {"http-cut", kind_http_cut, "a POST cut at a random byte, then close or reset", 0},
    {"long-line", kind_long_line, "a 100 kB request line: 4xx or a close, never a page", 0},
    {"many-headers", kind_many_headers, "10,000 headers: 4xx or a close, never a page", 0},
    {"big-body", kind_big_body, "Content-Length far over max_body_bytes, no body sent: 413 at once",
     0},
    {"big-chunked", kind_big_chunked,
     "chunked body past the limit: 413 when it ends; never ending: closed before 4 MiB", 0},
    {"slowloris", kind_slowloris,
     "max_per_address clients trickling a byte a second; more from that address turned "
     "away, others served (3 rounds of 3 s)",
     3},
};
static const fault_kind TLS_KINDS[] = {
    {"tls-random", kind_random, "1-2048 random bytes to the TLS port, then close or reset", 0},
    {"tls-hello-cut", kind_tls_hello_cut, "a ClientHello cut at a random byte, then gone", 0},
    {"tls-hello-garbled", kind_tls_hello_garbled,
     "a ClientHello with a random body: the console must close", 0},
    {"tls-plain-http", kind_tls_plain_http, "plain HTTP to the TLS port: the console must close",
     0},
    {"tls-hello-drop", kind_tls_hello_drop, "a ClientHello, its ServerHello, then gone", 0},
};
#define N_HTTP (sizeof HTTP_KINDS / sizeof HTTP_KINDS[0])
#define N_TLS  (sizeof TLS_KINDS / sizeof TLS_KINDS[0])

void console_junk_list_kinds(FILE *out)
{
	fputs(" on http://\n", out);
	fault_list_kinds(HTTP_KINDS, N_HTTP, out);
	fputs(" on https://\n", out);
	fault_list_kinds(TLS_KINDS, N_TLS, out);
}

static int tls_probe_once(cj_ctx *c, const char *src)
{
	int fd;
	(void)src;
	if (tls_hello(c, &fd))
		return -1;
	raw_close(fd, 0);
	return 0;
}

/* The console still answers on a new connection: a GET (http) or a ServerHello (https). */
static int probe(void *ctx)
{
	cj_ctx *c = ctx;
	if (retried(c, c->https ? tls_probe_once : http_get_once, NULL))
		return raw_fail(&c->net, "liveness probe: %s", c->net.err);
	return 0;
}

int console_junk_run(const console_junk_opts *o, FILE *out, FILE *err)
{
	static const char *const schemes[] = {"http://", "https://"};
	cj_ctx c = {.o = o};
	size_t scheme = 0;
	int bad = raw_peer_init(&c.net, o->url, schemes, 2, &scheme, o->timeout_ms, o->seed);
	c.https = scheme == 1;
	if (bad) {
		fprintf(err, "cchc-fault console-junk: %s\n", c.net.err);
		return 2;
	}
	if (!o->max_body_bytes || !o->max_per_address) {
		fprintf(err, "cchc-fault console-junk: max_body_bytes and max_per_address must be "
		             "above 0\n");
		return 2;
	}
	const fault_run run = {
	    .tool = "cchc-fault console-junk",
	    .label = "console",
	    .kinds = c.https ? TLS_KINDS : HTTP_KINDS,
	    .nkinds = c.https ? N_TLS : N_HTTP,
	    .select = o->kinds,
	    .count = o->count,
	    .probe_every = o->probe_every,
	    .deadline_s = o->deadline_s,
	    .ctx = &c,
	    .net = &c.net,
	    .probe = probe,
	};
	if (fault_check_kinds(&run, err))
		return 2;
	return fault_run_kinds(&run, out, err);
}

/* console_http: the console's HTTP server over libmicrohttpd (docs/design.md §14): the listen
 * address and TLS, the limits a server facing a browser needs, each request read into an http_req
 * and each http_resp sent with the console's security headers, and an orderly stop. The router
 * and the pages never see libmicrohttpd. Thread model and limits: docs/decisions.md, "The
 * console's HTTP server". */
#include "console_http.h"

#include "grow.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Pairs decoded at most; more is a 400. The console's links and forms carry a handful; cookies
 * are shared by everything served on the host name (localhost's other ports too), so they get
 * more room. */
#define HTTP_MAX_QUERY_PAIRS  64
#define HTTP_MAX_FORM_PAIRS   64
#define HTTP_MAX_COOKIE_PAIRS 128
/* The memory of one connection (request line, headers, read buffer): a longer request line or
 * more headers than fit is answered by libmicrohttpd itself (414, 431), never a crash. */
#define HTTP_CONNECTION_MEMORY (64 * 1024)
/* A chunked body that passes max_body_bytes is read on and dropped so that it can be answered
 * with 413 (libmicrohttpd takes no answer in the middle of a body); past this much more, the
 * connection is closed instead. */
#define HTTP_DROP_MAX (1024 * 1024)
/* http_server_stop waits this long for the requests in hand to be answered; with export's nng
 * drain after it (stop_timeout_ms, 15 s) it stays under the units' TimeoutStopSec=30. */
#define HTTP_STOP_WAIT_MS 10000
#define HTTP_PEM_MAX      (1024 * 1024)
/* TLS 1.2 and 1.3 only. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* The pages use no JavaScript and one stylesheet (/style.css); nothing may frame them. */
#define HTTP_CSP                                                                                   \
	"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "               \
	"frame-ancestors 'none'; base-uri 'none'"

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler handler;
	void *arg;
	http_limits lim;
	int https;
	char url[256];
	char *cert, *key; /* PEM, kept while the daemon runs; the key is wiped when freed */
	size_t key_len;
	atomic_int stopping; /* answers get Connection: close */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* CLOCK_MONOTONIC: in_hand fell to 0 */
	unsigned in_hand;    /* under lock: requests between their headers and their answer sent */
	int starting;        /* under lock: MHD_start_daemon is running */
	char last_log[512];  /* under lock: libmicrohttpd's messages of the start (for its error),
	                        then its latest */
};

/* One request, from its request line (on_uri) to the end of its answer (on_completed). */
typedef struct http_call {
	http_server *srv;
	char *target; /* the request target as sent, "/report?period=…"; NULL if there was none */
	int started;  /* the access handler has seen the headers */
	int counted;  /* counted in srv->in_hand */
	int too_large; /* the body passed max_body_bytes: answered with 413 once it has ended */
	uint8_t *body;
	size_t body_len, body_cap, dropped;
} http_call;

typedef struct listen_addr {
	int https, loopback;
	struct sockaddr_storage ss;
} listen_addr;

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- the listen address ------------------------------------------------------------------ */

static int parse_listen(const char *url, listen_addr *a, char *err, size_t errlen)
{
	static const char usage[] = "http://HOST:PORT or https://HOST:PORT, HOST an IPv4 address, "
	                            "an [IPv6] address or localhost";
	const char *p, *port;
	char host[64];
	size_t hl;
	memset(a, 0, sizeof *a);
	if (!strncmp(url, "http://", 7)) {
		p = url + 7;
	} else if (!strncmp(url, "https://", 8)) {
		p = url + 8;
		a->https = 1;
	} else {
		return errf(err, errlen, "%s: not a console address (%s)", url, usage);
	}
	int v6 = *p == '[';
	if (v6) {
		const char *close = strchr(p, ']');
		if (!close || close[1] != ':')
			return errf(err, errlen, "%s: an [IPv6] address must be followed by :PORT",
			            url);
		hl = (size_t)(close - p - 1);
		p++;
		port = close + 2;
	} else {
		const char *colon = strrchr(p, ':');
		if (!colon)
			return errf(err, errlen, "%s: no :PORT (%s)", url, usage);
		hl = (size_t)(colon - p);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof host)
		return errf(err, errlen, "%s: no host (%s)", url, usage);
	memcpy(host, p, hl);
	host[hl] = '\0';
	unsigned long n = 0;
	size_t digits = strspn(port, "0123456789");
	if (digits == 0 || digits > 5 || port[digits] || (n = strtoul(port, NULL, 10)) == 0 ||
	    n > 65535)
		return errf(err, errlen, "%s: the port must be a number from 1 to 65535", url);
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)n);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return errf(err, errlen, "%s: '%s' is not an IPv6 address", url, host);
		a->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)n);
		/* localhost is 127.0.0.1 here, whatever /etc/hosts says: the loopback check must
		 * not depend on name resolution */
		const char *ip = strcmp(host, "localhost") ? host : "127.0.0.1";
		if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
			return errf(err, errlen, "%s: '%s' is not an IPv4 address (%s)", url, host,
			            usage);
		a->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	return 0;
}

int http_listen_parse(const char *listen_url, int *https, int *loopback, char *err, size_t errlen)
{
	listen_addr a;
	if (parse_listen(listen_url, &a, err, errlen))
		return -1;
	*https = a.https;
	*loopback = a.loopback;
	return 0;
}

/* --- libmicrohttpd's messages ------------------------------------------------------------ */

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	http_server *s = cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("console %s: %s", s->url, msg);
	pthread_mutex_lock(&s->lock);
	size_t at = s->starting ? strlen(s->last_log) : 0;
	snprintf(s->last_log + at, sizeof s->last_log - at, "%s%s", at ? "; " : "", msg);
	pthread_mutex_unlock(&s->lock);
}

static void mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
	(void)cls;
	log_error("console: libmicrohttpd failed at %s:%u: %s", file ? file : "?", line,
	          reason ? reason : "(no reason given)");
	abort();
}

static pthread_once_t panic_once = PTHREAD_ONCE_INIT;
static void set_panic(void)
{
	MHD_set_panic_func(mhd_panic, NULL);
}

/* --- answers -------------------------------------------------------------------------------- */

static int add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (MHD_add_response_header(resp, name, value) == MHD_YES)
		return 0;
	/* libmicrohttpd refuses a line break in a value (header injection) and empty values */
	log_error("console: the %s header of an answer was refused (empty, a line break, or no "
	          "memory)",
	          name);
	return -1;
}

/* `refusal`: the server's own refusals close the connection (a client that sent junk once is
 * not read further). */
static int add_headers(http_server *s, struct MHD_Response *resp, const http_resp *r,
                       const char *allow, int refusal)
{
	int bad = 0;
	bad |= add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                  r->content_type[0] ? r->content_type : "text/plain; charset=utf-8");
	bad |= add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                  r->cacheable ? "private, max-age=3600" : "no-store");
	bad |= add_header(resp, "X-Content-Type-Options", "nosniff");
	bad |= add_header(resp, "Referrer-Policy", "no-referrer");
	bad |= add_header(resp, "X-Frame-Options", "DENY");
	bad |= add_header(resp, "Content-Security-Policy", HTTP_CSP);
	if (s->https)
		bad |=
		    add_header(resp, MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY, "max-age=31536000");
	if (r->location[0])
		bad |= add_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->disposition[0])
		bad |= add_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	for (size_t i = 0; i < r->n_cookies && i < HTTP_MAX_COOKIES; i++)
		bad |= add_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookies[i]);
	if (allow)
		bad |= add_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (refusal || atomic_load(&s->stopping))
		bad |= add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return bad ? -1 : 0;
}

static enum MHD_Result send_text(http_server *s, struct MHD_Connection *c, int status,
                                 const char *allow, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum MHD_Result server_error(http_server *s, struct MHD_Connection *c)
{
	return send_text(s, c, 500, NULL, "Lỗi máy chủ: không trả lời được yêu cầu này.\n");
}

/* Queues r (its body handed over to libmicrohttpd) with the console's headers. `own`: one of the
 * server's own answers (send_text), which closes the connection. A handler's answer that cannot
 * be sent as it is becomes a 500; one of our own gives up instead. */
static enum MHD_Result send_resp(http_server *s, struct MHD_Connection *c, http_resp *r,
                                 const char *allow, int own)
{
	if (r->status < 200 || r->status > 599) {
		log_error("console: an answer with status %d; sending 500", r->status);
		return own ? MHD_NO : server_error(s, c);
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer_with_free_callback(r->len, r->body, free);
	if (!resp) {
		log_error("console: no memory for a %d answer of %zu bytes", r->status, r->len);
		return MHD_NO;
	}
	r->body = NULL; /* the response owns it now */
	r->len = 0;
	if (add_headers(s, resp, r, allow, own)) {
		MHD_destroy_response(resp);
		return own ? MHD_NO : server_error(s, c);
	}
	enum MHD_Result q = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	if (q != MHD_YES)
		log_error("console: libmicrohttpd did not take a %d answer", r->status);
	return q;
}

/* A short text answer (the server's own refusals), in Vietnamese: a clerk may read it. */
static enum MHD_Result send_text(http_server *s, struct MHD_Connection *c, int status,
                                 const char *allow, const char *fmt, ...)
{
	http_resp r = {0};
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	char *body = strdup(text);
	if (!body) {
		log_error("console: no memory for a %d answer", status);
		return MHD_NO;
	}
	http_resp_set(&r, status, "text/plain; charset=utf-8", (uint8_t *)body, strlen(body));
	enum MHD_Result q = send_resp(s, c, &r, allow, 1);
	http_resp_clear(&r);
	return q;
}

static enum MHD_Result bad_request(http_server *s, struct MHD_Connection *c, const char *what)
{
	return send_text(s, c, 400, NULL, "Yêu cầu không hợp lệ: %s.\n", what);
}

static enum MHD_Result too_large(http_server *s, struct MHD_Connection *c)
{
	return send_text(s, c, 413, NULL,
	                 "Dữ liệu gửi lên quá lớn: tối đa %zu byte cho một yêu cầu.\n",
	                 s->lim.max_body_bytes);
}

/* --- requests ------------------------------------------------------------------------------- */

/* Before the headers are parsed: the raw request target, which libmicrohttpd would otherwise
 * decode leniently (a bad escape kept, %00 cutting the string). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)c;
	http_call *call = calloc(1, sizeof *call);
	if (!call || (uri && !(call->target = strdup(uri)))) {
		free(call);
		log_error("console: no memory for a request");
		return NULL;
	}
	call->srv = cls;
	return call;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	http_server *s = cls;
	http_call *call = *con_cls;
	(void)c;
	(void)toe; /* clients that leave or time out are ordinary */
	if (!call)
		return;
	*con_cls = NULL;
	if (call->counted) {
		pthread_mutex_lock(&s->lock);
		if (--s->in_hand == 0)
			pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->lock);
	}
	free(call->target);
	free(call->body);
	free(call);
}

static int is_form_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, form, sizeof form - 1))
		return 0;
	ct += sizeof form - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The headers are in: refuse early what will not be served, before any body is read (an early
 * answer makes libmicrohttpd skip the body and close the connection). */
static enum MHD_Result first_call(http_server *s, http_call *call, struct MHD_Connection *c,
                                  const char *method)
{
	call->started = 1;
	pthread_mutex_lock(&s->lock);
	s->in_hand++;
	pthread_mutex_unlock(&s->lock);
	call->counted = 1;
	int post = !strcmp(method, "POST");
	if (!post && strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_text(s, c, 405, "GET, HEAD, POST",
		                 "Phương thức không được hỗ trợ: chỉ GET, HEAD và POST.\n");
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long clen = 0;
	if (cl) { /* libmicrohttpd has already refused one that is not a number */
		errno = 0;
		clen = strtoull(cl, NULL, 10);
		if (errno || clen > s->lim.max_body_bytes)
			return too_large(s, c);
	}
	if (post) {
		const char *ct =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_TRANSFER_ENCODING);
		/* no type is only allowed without a body (a bare POST to /logout) */
		if (ct ? !is_form_type(ct) : (clen > 0 || te))
			return send_text(s, c, 415, NULL,
			                 "Kiểu dữ liệu không được hỗ trợ: biểu mẫu phải được gửi "
			                 "dạng application/x-www-form-urlencoded.\n");
	}
	return MHD_YES;
}

/* A piece of the body: kept up to max_body_bytes, dropped after (a chunked body has no length
 * to refuse it by in advance). */
static enum MHD_Result take_body(http_server *s, http_call *call, const char *data, size_t *size)
{
	size_t n = *size;
	*size = 0;
	if (!call->too_large && n > s->lim.max_body_bytes - call->body_len) {
		call->too_large = 1;
		free(call->body);
		call->body = NULL;
		call->body_len = call->body_cap = 0;
	}
	if (call->too_large) {
		call->dropped += n;
		if (call->dropped <= HTTP_DROP_MAX)
			return MHD_YES;
		log_warn("console %s: a request body went on %d bytes past console.max_body_bytes "
		         "(%zu); connection closed",
		         s->url, HTTP_DROP_MAX, s->lim.max_body_bytes);
		return MHD_NO;
	}
	if (grow_array((void **)&call->body, &call->body_cap, call->body_len + n, 1)) {
		log_error("console: no memory for a request body of %zu bytes", call->body_len + n);
		return MHD_NO;
	}
	memcpy(call->body + call->body_len, data, n);
	call->body_len += n;
	return MHD_YES;
}

static void client_address(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)outlen);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          out, (socklen_t)outlen);
}

static int is_loopback_addr(const char *a)
{
	return !strncmp(a, "127.", 4) || !strcmp(a, "::1") || !strncmp(a, "::ffff:127.", 11);
}

/* Behind the trusted proxy (http_limits.behind_proxy), from a loopback peer: the client's
 * address is the last of X-Forwarded-For (the one the proxy itself wrote; those before it come
 * from the client and prove nothing), when it is an IP address; X-Forwarded-Proto: https means
 * the browser used HTTPS. */
static void forwarded(struct MHD_Connection *c, http_req *rq)
{
	if (!is_loopback_addr(rq->client_addr))
		return;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		last += strspn(last, " \t");
		char addr[64];
		size_t n = strcspn(last, " \t");
		unsigned char bin[sizeof(struct in6_addr)];
		if (n < sizeof addr) {
			memcpy(addr, last, n);
			addr[n] = '\0';
			if (inet_pton(AF_INET, addr, bin) == 1 ||
			    inet_pton(AF_INET6, addr, bin) == 1)
				snprintf(rq->client_addr, sizeof rq->client_addr, "%s", addr);
			else
				log_warn(
				    "console: X-Forwarded-For '%.64s' is not an address: kept the "
				    "peer's",
				    last);
		}
	}
	const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	if (proto && !strcasecmp(proto, "https"))
		rq->https = 1;
}

static void req_free(http_req *rq, char *path)
{
	free(path);
	http_kv_free(rq->query, rq->n_query);
	http_kv_free(rq->form, rq->n_form);
	http_kv_free(rq->cookies, rq->n_cookies);
}

/* Fills rq from the connection. 0, or -1 with what was malformed (Vietnamese, for the 400). */
static int fill_req(http_server *s, http_call *call, struct MHD_Connection *c, const char *method,
                    http_req *rq, char **path, const char **bad)
{
	memset(rq, 0, sizeof *rq);
	*path = NULL;
	rq->method = !strcmp(method, "POST") ? "POST" : !strcmp(method, "HEAD") ? "HEAD" : "GET";
	rq->https = s->https;
	client_address(c, rq->client_addr, sizeof rq->client_addr);
	if (s->lim.behind_proxy)
		forwarded(c, rq);
	const char *t = call->target;
	if (!t || t[0] != '/') { /* "*", absolute forms: nothing the console serves */
		*bad = "địa chỉ trang";
		return -1;
	}
	size_t plen = strcspn(t, "?#");
	if (http_decode_path(t, plen, path)) {
		*bad = "địa chỉ trang";
		return -1;
	}
	rq->path = *path;
	if (t[plen] == '?') {
		const char *q = t + plen + 1;
		if (http_parse_urlencoded(q, strcspn(q, "#"), HTTP_MAX_QUERY_PAIRS, &rq->query,
		                          &rq->n_query)) {
			*bad = "tham số trên địa chỉ";
			return -1;
		}
	}
	const char *cookie =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	if (cookie &&
	    http_parse_cookies(cookie, HTTP_MAX_COOKIE_PAIRS, &rq->cookies, &rq->n_cookies)) {
		*bad = "cookie";
		return -1;
	}
	if (!strcmp(rq->method, "POST") &&
	    http_parse_urlencoded((const char *)call->body, call->body_len, HTTP_MAX_FORM_PAIRS,
	                          &rq->form, &rq->n_form)) {
		*bad = "dữ liệu biểu mẫu";
		return -1;
	}
	return 0;
}

static enum MHD_Result answer(http_server *s, http_call *call, struct MHD_Connection *c,
                              const char *method)
{
	if (call->too_large)
		return too_large(s, c);
	http_req rq;
	char *path;
	const char *bad = NULL;
	if (fill_req(s, call, c, method, &rq, &path, &bad)) {
		req_free(&rq, path);
		return bad ? bad_request(s, c, bad) : MHD_NO;
	}
	http_resp out = {0};
	s->handler(s->arg, &rq, &out);
	req_free(&rq, path);
	enum MHD_Result q = send_resp(s, c, &out, NULL, 0);
	http_resp_clear(&out);
	return q;
}

/* libmicrohttpd's access handler: called once with the headers, once per piece of the body, and
 * once more when the request is complete. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
	http_server *s = cls;
	http_call *call = *con_cls;
	(void)url; /* decoded leniently: the raw target from on_uri is used instead */
	(void)version;
	if (!call)
		return MHD_NO; /* on_uri found no memory: closing is all that is left */
	if (!call->started)
		return first_call(s, call, c, method);
	if (*data_size)
		return take_body(s, call, data, data_size);
	return answer(s, call, c, method);
}

/* --- start and stop ------------------------------------------------------------------------- */

static int read_pem(const char *what, const char *file, char **out, size_t *len, char *err,
                    size_t errlen)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return errf(err, errlen, "%s %s: %s", what, file, strerror(errno));
	char *buf = malloc(HTTP_PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, HTTP_PEM_MAX + 1, f) : 0;
	int rerr = ferror(f);
	fclose(f);
	if (!buf)
		return errf(err, errlen, "%s %s: no memory", what, file);
	if (rerr || n == 0 || n > HTTP_PEM_MAX) {
		explicit_bzero(buf, n);
		free(buf);
		return errf(err, errlen, "%s %s: %s", what, file,
		            rerr ? "cannot be read"
		            : n  ? "larger than 1 MiB"
		                 : "empty");
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void server_free(http_server *s)
{
	if (s->key)
		explicit_bzero(s->key, s->key_len);
	free(s->key);
	free(s->cert);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int http_server_start(const char *listen_url, const char *cert_file, const char *key_file,
                      const http_limits *l, http_handler h, void *arg, http_server **out, char *err,
                      size_t errlen)
{
	listen_addr a;
	size_t cert_len = 0;
	*out = NULL;
	if (!l || !h || !l->max_connections || !l->max_per_address || !l->timeout_seconds ||
	    !l->max_body_bytes)
		return errf(err, errlen, "console %s: a handler and limits above 0 are needed",
		            listen_url);
	if (parse_listen(listen_url, &a, err, errlen))
		return -1;
	if (a.https && !MHD_is_feature_supported(MHD_FEATURE_TLS))
		return errf(err, errlen, "console %s: this libmicrohttpd was built without TLS",
		            listen_url);
	if (a.https && (!cert_file || !*cert_file || !key_file || !*key_file))
		return errf(err, errlen,
		            "console %s: https needs a certificate and its private key "
		            "(console.cert, console.key)",
		            listen_url);
	http_server *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	if (!s)
		return errf(err, errlen, "console %s: no memory", listen_url);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	s->handler = h;
	s->arg = arg;
	s->lim = *l;
	s->https = a.https;
	snprintf(s->url, sizeof s->url, "%s", listen_url);
	if (a.https && (read_pem("console.cert", cert_file, &s->cert, &cert_len, err, errlen) ||
	                read_pem("console.key", key_file, &s->key, &s->key_len, err, errlen))) {
		server_free(s);
		return -1;
	}
	pthread_once(&panic_once, set_panic);
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES},
	    {MHD_OPTION_END, 0, NULL},
	};
	struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
	/* One thread per connection (docs/decisions.md): the handler may take seconds. poll(),
	 * not select(): export holds many descriptors. ITC: MHD_quiesce_daemon needs it. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (a.https)
		flags |= MHD_USE_TLS;
	if (a.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	uint16_t port = ntohs(a.ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a.ss)->sin6_port
	                                                 : ((struct sockaddr_in *)&a.ss)->sin_port);
	pthread_mutex_lock(&s->lock);
	s->starting = 1;
	pthread_mutex_unlock(&s->lock);
	s->daemon = MHD_start_daemon(
	    flags, port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a.ss, MHD_OPTION_CONNECTION_LIMIT,
	    l->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->max_per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT, l->timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)HTTP_CONNECTION_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY, a.https ? tls : none,
	    MHD_OPTION_END);
	pthread_mutex_lock(&s->lock);
	s->starting = 0;
	pthread_mutex_unlock(&s->lock);
	if (!s->daemon) {
		pthread_mutex_lock(&s->lock);
		errf(err, errlen, "console %s: libmicrohttpd did not start: %s", listen_url,
		     s->last_log[0] ? s->last_log : "no reason given");
		pthread_mutex_unlock(&s->lock);
		server_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void http_server_stop(http_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, 1);
	MHD_socket lfd = MHD_quiesce_daemon(s->daemon);
	if (lfd == MHD_INVALID_SOCKET)
		log_warn("console %s: could not stop accepting before the stop", s->url);
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += HTTP_STOP_WAIT_MS / 1000;
	end.tv_nsec += (HTTP_STOP_WAIT_MS % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	unsigned held = s->in_hand;
	if (held)
		log_info("console: %u requests in hand at the stop", held);
	while (s->in_hand && pthread_cond_timedwait(&s->idle, &s->lock, &end) != ETIMEDOUT)
		;
	unsigned left = s->in_hand;
	pthread_mutex_unlock(&s->lock);
	if (left)
		log_warn("console: %u of %u requests still in hand after %d ms; closing them", left,
		         held, HTTP_STOP_WAIT_MS);
	else if (held)
		log_info("console: the %u requests in hand were answered", held);
	/* closes what is left (idle keep-alive connections, clients still sending) and joins every
	 * connection's thread */
	MHD_stop_daemon(s->daemon);
	/* only now: a connection thread may still have used it (microhttpd.h) */
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	server_free(s);
}

/* console_http: one HTTP request and its response as plain data, apart from libmicrohttpd, so the
 * routing and the pages can be tested without sockets. console_http.c fills an http_req from a
 * libmicrohttpd connection (query arguments, the urlencoded form body of a POST, cookies, the
 * client's address) and sends an http_resp back with the console's security headers. */
#ifndef CCHC_EXPORT_CONSOLE_HTTP_H
#define CCHC_EXPORT_CONSOLE_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct http_kv {
	char *name; /* decoded UTF-8, NUL-terminated (may hold no NUL inside: such input is refused)
	             */
	char *value;
} http_kv;

typedef struct http_req {
	const char *method;   /* "GET", "HEAD", "POST" */
	const char *path;     /* decoded path without the query: "/", "/report", … */
	char client_addr[64]; /* numeric address of the peer, "127.0.0.1", "::1" */
	int https;            /* served over TLS */
	http_kv *query;       /* query arguments, in order */
	size_t n_query;
	http_kv *form; /* POST application/x-www-form-urlencoded body fields, in order */
	size_t n_form;
	http_kv *cookies; /* the Cookie header's pairs */
	size_t n_cookies;
} http_req;

/* First value of `name` in the query, NULL when absent. */
const char *http_query(const http_req *r, const char *name);
/* First value of `name` in the POST form, NULL when absent. */
const char *http_form(const http_req *r, const char *name);
/* The value of cookie `name`, NULL when absent. */
const char *http_cookie(const http_req *r, const char *name);

#define HTTP_MAX_COOKIES 4

typedef struct http_resp {
	int status;            /* 200, 302, 400, 403, 404, 405, 413, 429, 500, 503 */
	char content_type[96]; /* "text/html; charset=utf-8", "image/svg+xml", … */
	uint8_t *body;         /* malloc'd, owned (http_resp_clear frees it) */
	size_t len;
	char location[1024];   /* 302/303: Location, a path on this console ("/login?next=…") */
	char disposition[256]; /* Content-Disposition, "" = none */
	char cookies[HTTP_MAX_COOKIES][512]; /* Set-Cookie values (without the header name) */
	size_t n_cookies;
	int cacheable; /* 0 (default): Cache-Control: no-store */
} http_resp;

/* Sets a body (takes ownership of data, malloc'd) with its status and type. */
void http_resp_set(http_resp *r, int status, const char *content_type, uint8_t *data, size_t len);
/* A redirect (303 See Other) to `location`. */
void http_resp_redirect(http_resp *r, const char *location);
/* Adds a Set-Cookie value. Returns 0, or -1 when full. */
int http_resp_cookie(http_resp *r, const char *value);
void http_resp_clear(http_resp *r);

/* Parsing, shared by console_http.c and the tests. Both return 0, or -1 for input that is not
 * well-formed (bad %-escape, a NUL byte, more than `max` pairs): the request is refused with 400.
 * Pairs are malloc'd into *out (free with http_kv_free). */
int http_parse_urlencoded(const char *s, size_t len, size_t max, http_kv **out, size_t *n);
int http_parse_cookies(const char *header, size_t max, http_kv **out, size_t *n);
void http_kv_free(http_kv *kv, size_t n);
/* A request path decoded (%XX a byte, '+' itself) into a malloc'd *out: 0, or -1 for a bad
 * escape or an encoded NUL (400). */
int http_decode_path(const char *s, size_t len, char **out);

/* The server (console_http.c): libmicrohttpd, one thread per connection, so a slow page (a PDF,
 * a period close) holds up only its own connection. The handler is called once per request, from
 * that connection's thread (so from several threads at once); what it leaves in *out is sent with
 * the console's security headers, and freed. */
typedef void (*http_handler)(void *arg, const http_req *rq, http_resp *out);
typedef struct http_limits {
	unsigned max_connections, max_per_address, timeout_seconds;
	size_t max_body_bytes;
	/* A reverse proxy on this machine forwards to the console: a request from a loopback peer
	 * takes its client address from the last X-Forwarded-For address and https from
	 * X-Forwarded-Proto. Any other peer's headers are ignored. */
	int behind_proxy;
} http_limits;
typedef struct http_server http_server;
/* listen_url: http://HOST:PORT or https://HOST:PORT (IPv4 or [IPv6] literal or "localhost").
 * cert_file/key_file: PEM, required for https. Returns 0, or -1 with err. */
int http_server_start(const char *listen_url, const char *cert_file, const char *key_file,
                      const http_limits *l, http_handler h, void *arg, http_server **out, char *err,
                      size_t errlen);
void http_server_stop(http_server *s); /* stops accepting, ends the requests in hand, frees */

/* Takes a listen URL apart as http_server_start does, without listening: *https is 1 for
 * https://, *loopback 1 when the address is 127.0.0.0/8, ::1 or localhost. 0, or -1 with err. */
int http_listen_parse(const char *listen_url, int *https, int *loopback, char *err, size_t errlen);

#endif

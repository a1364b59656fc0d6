/* console_req: the console's requests and responses as plain data (docs/design.md §14): decoding
 * query strings, form bodies and cookies, and filling a response. A hostile browser may send any
 * bytes, so decoding refuses what is not well-formed instead of guessing. */
#include "console_http.h"

#include "grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *value_of(const http_kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return kv[i].value;
	return NULL;
}

const char *http_query(const http_req *r, const char *name)
{
	return value_of(r->query, r->n_query, name);
}

const char *http_form(const http_req *r, const char *name)
{
	return value_of(r->form, r->n_form, name);
}

const char *http_cookie(const http_req *r, const char *name)
{
	return value_of(r->cookies, r->n_cookies, name);
}

void http_resp_set(http_resp *r, int status, const char *content_type, uint8_t *data, size_t len)
{
	free(r->body);
	r->status = status;
	snprintf(r->content_type, sizeof r->content_type, "%s", content_type);
	r->body = data;
	r->len = data ? len : 0;
}

void http_resp_redirect(http_resp *r, const char *location)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 303;
	r->content_type[0] = '\0';
	snprintf(r->location, sizeof r->location, "%s", location);
}

int http_resp_cookie(http_resp *r, const char *value)
{
	if (r->n_cookies == HTTP_MAX_COOKIES || strlen(value) >= sizeof r->cookies[0])
		return -1;
	snprintf(r->cookies[r->n_cookies++], sizeof r->cookies[0], "%s", value);
	return 0;
}

void http_resp_clear(http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

void http_kv_free(http_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].name);
		free(kv[i].value);
	}
	free(kv);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s[0..len) decoded (%XX a byte; '+' a space in a form or query, itself in a path) into a new
 * string; NULL on a bad escape, a NUL byte, or no memory. */
static char *decode_part(const char *s, size_t len, int plus_is_space)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0') {
			free(out);
			return NULL;
		}
		*o++ = c;
	}
	*o = '\0';
	return out;
}

static char *decode(const char *s, size_t len)
{
	return decode_part(s, len, 1);
}

int http_decode_path(const char *s, size_t len, char **out)
{
	*out = decode_part(s, len, 0);
	return *out ? 0 : -1;
}

static int add_pair(http_kv **out, size_t *n, size_t *cap, size_t max, char *name, char *value)
{
	if (!name || !value || *n == max || grow_array((void **)out, cap, *n + 1, sizeof **out)) {
		free(name);
		free(value);
		return -1;
	}
	(*out)[(*n)++] = (http_kv){.name = name, .value = value};
	return 0;
}

int http_parse_urlencoded(const char *s, size_t len, size_t max, http_kv **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t at = 0; at < len;) {
		const char *amp = memchr(s + at, '&', len - at);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (end > at) { /* "a=1&&b=2": empty parts are skipped */
			const char *eq = memchr(s + at, '=', end - at);
			size_t nl = eq ? (size_t)(eq - (s + at)) : end - at;
			char *name = decode(s + at, nl);
			char *value = eq ? decode(eq + 1, end - at - nl - 1) : decode("", 0);
			if (add_pair(out, n, &cap, max, name, value) != 0) {
				http_kv_free(*out, *n);
				*out = NULL;
				*n = 0;
				return -1;
			}
		}
		at = end + 1;
	}
	return 0;
}

int http_parse_cookies(const char *header, size_t max, http_kv **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	const char *p = header ? header : "";
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, ";");
		const char *eq = memchr(p, '=', len);
		if (eq) { /* a pair without '=' is not a cookie: skipped */
			size_t nl = (size_t)(eq - p);
			while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
				nl--;
			size_t vl = len - (size_t)(eq + 1 - p);
			const char *v = eq + 1;
			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
				v++, vl -= 2;
			char *name = strndup(p, nl), *value = strndup(v, vl);
			if (add_pair(out, n, &cap, max, name, value) != 0) {
				http_kv_free(*out, *n);
				*out = NULL;
				*n = 0;
				return -1;
			}
		}
		p += len;
	}
	return 0;
}

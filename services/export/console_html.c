/* console_html: the console pages' buffer and its escaping (docs/design.md §14). Text from data is
 * escaped for HTML and checked as UTF-8 here, once, so no page writes its own escaping. */
#include "console_html.h"

#include "grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(html *h, const char *s, size_t n)
{
	if (h->failed)
		return;
	if (grow_array((void **)&h->buf, &h->cap, h->len + n + 1, 1) != 0) {
		h->failed = 1;
		return;
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void html_raw(html *h, const char *s)
{
	put(h, s, strlen(s));
}

void html_rawf(html *h, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->failed = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		put(h, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		h->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	put(h, big, (size_t)n);
	free(big);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1Fu;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0Fu;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

static void escaped(html *h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		const char *rep = NULL;
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			break;
		}
		if (rep) {
			html_raw(h, rep);
			p++;
			continue;
		}
		if (*p < 0x20 && *p != '\n' && *p != '\t') { /* control characters are dropped */
			p++;
			continue;
		}
		size_t n = utf8_len(p);
		if (!n) {
			html_raw(h, "\xEF\xBF\xBD"); /* U+FFFD */
			p++;
			continue;
		}
		put(h, (const char *)p, n);
		p += n;
	}
}

void html_text(html *h, const char *s)
{
	escaped(h, s);
}

void html_attr(html *h, const char *s)
{
	escaped(h, s);
}

void html_url(html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			put(h, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			put(h, e, 3);
		}
	}
}

int html_take(html *h, uint8_t **data, size_t *len)
{
	if (!h->buf)
		put(h, "", 0); /* an empty page is still a NUL-terminated buffer */
	if (h->failed) {
		html_free(h);
		return -1;
	}
	*data = (uint8_t *)h->buf;
	*len = h->len;
	*h = (html){0};
	return 0;
}

void html_free(html *h)
{
	free(h->buf);
	*h = (html){0};
}

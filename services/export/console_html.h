/* console_html: a growing UTF-8 buffer for the console's server-rendered pages, with escaping.
 * Everything that did not come from the page's own source text goes through html_text or
 * html_attr (a hostile browser may send any bytes; figures' names come from the registry). */
#ifndef CCHC_EXPORT_CONSOLE_HTML_H
#define CCHC_EXPORT_CONSOLE_HTML_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct html {
	char *buf; /* NUL-terminated */
	size_t len, cap;
	int failed; /* out of memory: further writes are ignored; html_take then fails */
} html;

/* Appends source text as is (markup the page itself writes). */
void html_raw(html *h, const char *s);
/* printf into the page; arguments are NOT escaped: use for numbers and own markup only. */
void html_rawf(html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for element content (& < > " '); invalid UTF-8 becomes U+FFFD. */
void html_text(html *h, const char *s);
/* Same escaping, for a quoted attribute value. */
void html_attr(html *h, const char *s);
/* Appends s percent-encoded for a URL query value. */
void html_url(html *h, const char *s);
/* Hands the buffer over (*data malloc'd, *len bytes): 0, or -1 when a write failed (buffer freed).
 */
int html_take(html *h, uint8_t **data, size_t *len);
void html_free(html *h);

#endif

/* evblob: events packed into a state row's `ev` column (stats_evblob.h has the layout). */
#include "stats_evblob.h"

#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EVBLOB_VERSION 1

static void put_u8(db_buf *b, unsigned v)
{
	char c = (char)(unsigned char)v;
	db_buf_raw(b, &c, 1);
}

static void put_i64(db_buf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;
	char be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (char)(unsigned char)(u >> (56 - 8 * i));
	db_buf_raw(b, be, 8);
}

static void put_str(db_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 0xFFFF) /* codes are at most 64 bytes (ingest); never cut a blob's framing */
		n = 0xFFFF;
	put_u8(b, (unsigned)(n >> 8));
	put_u8(b, (unsigned)n & 0xFF);
	db_buf_raw(b, s ? s : "", n);
}

static void put_start(db_buf *b)
{
	put_u8(b, EVBLOB_VERSION);
}

void evblob_put_dossier(db_buf *b, const dossier_event *ev, size_t n)
{
	put_start(b);
	for (size_t i = 0; i < n; i++) {
		put_u8(b, (unsigned)ev[i].kind & 0xFF);
		put_u8(b, ((unsigned)ev[i].rating & 0x0F) << 4 | ((unsigned)ev[i].channel & 0x0F));
		put_i64(b, ev[i].at_ms);
		put_i64(b, ev[i].due_ms);
		put_str(b, ev[i].procedure);
		put_str(b, ev[i].field);
	}
}

void evblob_put_feedback(db_buf *b, const feedback_event *ev, size_t n)
{
	put_start(b);
	for (size_t i = 0; i < n; i++) {
		put_u8(b, (unsigned)ev[i].kind & 0xFF);
		put_u8(b, (unsigned)ev[i].topic & 0xFF);
		put_i64(b, ev[i].at_ms);
	}
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

/* The bytes of a "\x…" text into a malloc'd buffer; -1 when malformed. */
static int unhex(const char *hex, unsigned char **out, size_t *len)
{
	size_t n;

	if (!hex || hex[0] != '\\' || hex[1] != 'x')
		return -1;
	hex += 2;
	n = strlen(hex);
	if (n % 2)
		return -1;
	*out = malloc(n / 2 + 1);
	if (!*out)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = (unsigned char)(h << 4 | l);
	}
	*len = n / 2;
	return 0;
}

static int64_t get_i64(const unsigned char *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

int evblob_get_dossier(const char *hex, dossier_event **ev, size_t *n, size_t *cap, char **strings)
{
	unsigned char *p;
	size_t len, i = 1;
	char *str;

	*strings = NULL;
	if (unhex(hex, &p, &len) != 0)
		return -1;
	if (len < 1 || p[0] != EVBLOB_VERSION)
		goto bad;
	/* Each string is copied NUL-terminated in place: shift by one byte per string. */
	str = malloc(len + 1);
	if (!str)
		goto bad;
	*strings = str;
	while (i < len) {
		dossier_event e;
		if (len - i < 18)
			goto bad;
		e.kind = p[i];
		e.channel = p[i + 1] & 0x0F;
		e.rating = p[i + 1] >> 4;
		e.at_ms = get_i64(p + i + 2);
		e.due_ms = get_i64(p + i + 10);
		i += 18;
		const char **slot[2] = {&e.procedure, &e.field};
		for (int s = 0; s < 2; s++) {
			if (len - i < 2)
				goto bad;
			size_t m = (size_t)p[i] << 8 | p[i + 1];
			i += 2;
			if (len - i < m)
				goto bad;
			memcpy(str, p + i, m);
			str[m] = '\0';
			*slot[s] = str;
			str += m + 1;
			i += m;
		}
		if (grow_array((void **)ev, cap, *n + 1, sizeof **ev) != 0)
			goto bad;
		(*ev)[(*n)++] = e;
	}
	free(p);
	return 0;
bad:
	free(p);
	free(*strings);
	*strings = NULL;
	return -1;
}

int evblob_get_feedback(const char *hex, feedback_event **ev, size_t *n, size_t *cap)
{
	unsigned char *p;
	size_t len, i = 1;

	if (unhex(hex, &p, &len) != 0)
		return -1;
	if (len < 1 || p[0] != EVBLOB_VERSION)
		goto bad;
	while (i < len) {
		if (len - i < 10 || grow_array((void **)ev, cap, *n + 1, sizeof **ev) != 0)
			goto bad;
		(*ev)[(*n)++] =
		    (feedback_event){.kind = p[i], .topic = p[i + 1], .at_ms = get_i64(p + i + 2)};
		i += 10;
	}
	free(p);
	return 0;
bad:
	free(p);
	return -1;
}

/* datafile: line-based data files (datafile.h). */
#include "datafile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int datafile_fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%d: ", name, line);

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int datafile_open(datafile *d, const char *text, size_t len, const char *name, char *err,
                  size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->name = name;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		return datafile_fail(err, errlen, name, line, "a NUL byte: not a text file");
	}
	d->buf = malloc(len + 1);
	if (!d->buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	memcpy(d->buf, text, len);
	d->buf[len] = '\0';
	d->next = d->buf;
	if (len >= 3 && !memcmp(d->buf, "\xEF\xBB\xBF", 3)) /* a BOM from a Windows editor */
		d->next += 3;
	return 0;
}

char *datafile_next(datafile *d)
{
	while (d->next && *d->next) {
		char *s = d->next, *nl = strchr(s, '\n');
		d->next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		d->line++;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			s[--n] = '\0';
		if (*s && *s != '#')
			return s;
	}
	return NULL;
}

void datafile_close(datafile *d)
{
	free(d->buf);
	memset(d, 0, sizeof *d);
}

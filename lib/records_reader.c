/* records_reader: walks a whole file of records, one physical line at a time so every record keeps
 * its first line number and its text for messages and rejects; finds the format (JSONL or CSV) by
 * name or by the first character, then hands each line to records_jsonl.c or records_csv.c. */
#include "records_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int records_read_line(records_reader *r, char *err, size_t errlen)
{
	if (r->have_line) {
		r->have_line = 0;
		return 1;
	}
	errno = 0;
	r->linelen = getline(&r->line, &r->linecap, r->f);
	if (r->linelen < 0) {
		if (ferror(r->f)) {
			records_seterr(err, errlen, "read error after line %lu: %s", r->lineno,
			               strerror(errno ? errno : EIO));
			return -1;
		}
		return 0;
	}
	r->lineno++;
	r->offset += (unsigned long long)r->linelen;
	if (r->lineno == 1 && r->linelen >= 3 && !memcmp(r->line, "\xEF\xBB\xBF", 3)) {
		/* a UTF-8 byte order mark, as Excel writes */
		memmove(r->line, r->line + 3, (size_t)r->linelen - 2);
		r->linelen -= 3;
	}
	/* A NUL byte would silently cut the line short: make it a visible character instead. */
	for (ssize_t i = 0; i < r->linelen; i++)
		if (!r->line[i])
			r->line[i] = ' ';
	return 1;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcasecmp(s + a - b, suffix);
}

int records_reader_open(FILE *f, const char *name, records_format format, records_reader **out,
                        char *err, size_t errlen)
{
	records_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r) {
		records_seterr(err, errlen, "out of memory");
		return -1;
	}
	r->f = f;
	if (format == RECORDS_AUTO && name && ends_with_ci(name, ".csv"))
		format = RECORDS_CSV;
	else if (format == RECORDS_AUTO && name &&
	         (ends_with_ci(name, ".jsonl") || ends_with_ci(name, ".json")))
		format = RECORDS_JSONL;
	if (format == RECORDS_AUTO) {
		/* Look at the first non-blank character, keeping its line for next(). */
		format = RECORDS_JSONL; /* an empty input has no records either way */
		while ((rc = records_read_line(r, err, errlen)) == 1) {
			const char *p = r->line;

			while (isspace((unsigned char)*p))
				p++;
			if (*p) {
				format = *p == '{' ? RECORDS_JSONL : RECORDS_CSV;
				r->have_line = 1;
				break;
			}
		}
		if (rc < 0) {
			records_reader_close(r);
			return -1;
		}
	}
	r->format = format;
	if (format == RECORDS_CSV && records_csv_open(&r->csv)) {
		records_reader_close(r);
		records_seterr(err, errlen, "out of memory");
		return -1;
	}
	*out = r;
	return 0;
}

records_format records_reader_format(const records_reader *r)
{
	return r->format;
}

unsigned long long records_reader_offset(const records_reader *r)
{
	return r->offset;
}

void records_reader_close(records_reader *r)
{
	if (!r)
		return;
	records_csv_close(r->csv);
	free(r->line);
	free(r);
}

int records_reader_next(records_reader *r, records_item *it, char *err, size_t errlen)
{
	memset(it, 0, sizeof *it);
	if (r->format == RECORDS_CSV)
		return records_csv_next(r, it, err, errlen);
	return records_jsonl_next(r, it, err, errlen);
}

void records_item_clear(records_item *it)
{
	free(it->text);
	records_free(it->record);
	memset(it, 0, sizeof *it);
}

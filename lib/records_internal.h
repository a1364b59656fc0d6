/* records_internal: what the files of the records module share and nothing else includes: the
 * names of the record fields (records_fields.c), the reader's line state (records_reader.c) and
 * the two format readers it dispatches to (records_jsonl.c, records_csv.c). */
#ifndef CCHC_RECORDS_INTERNAL_H
#define CCHC_RECORDS_INTERNAL_H

#include "records.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* Every key either format knows, in a fixed order (a JSONL line keeps one value per index);
 * anything else is ignored. Defined in records_fields.c, which checks the count. */
#define RECORDS_NFIELDS 13
extern const char *const records_known_fields[]; /* RECORDS_NFIELDS names */

/* Writes a message into err (nothing when err is NULL or errlen 0). */
void records_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct records_csv records_csv; /* a CSV reader's state, records_csv.c */

struct records_reader {
	FILE *f;
	records_format format;
	char *line; /* the current physical line (getline buffer) */
	size_t linecap;
	ssize_t linelen;
	int have_line; /* `line` read ahead (format detection) and not consumed yet */
	unsigned long lineno;
	unsigned long long offset;
	records_csv *csv; /* RECORDS_CSV only */
};

/* Reads the next physical line into r->line (a BOM on line 1 dropped, NUL bytes made spaces).
 * Returns 1, 0 at end, -1 on a read error with a message in err. */
int records_read_line(records_reader *r, char *err, size_t errlen);

/* Inline: both run once a line in the readers' loops. */
static inline int records_is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static inline void records_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* records_reader_next for each format: same contract. */
int records_jsonl_next(records_reader *r, records_item *it, char *err, size_t errlen);
int records_csv_next(records_reader *r, records_item *it, char *err, size_t errlen);

/* A CSV reader's state: 0, or -1 when memory runs out. close takes NULL. */
int records_csv_open(records_csv **out);
void records_csv_close(records_csv *c);

#endif

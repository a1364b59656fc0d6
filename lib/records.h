/* records: the records of docs/design.md §3 read from JSONL or CSV text into heap protobuf Records,
 * and a reader that walks a whole file keeping each record's line number and text. Checks are light
 * (JSON types, enum names, required codes present): ingest validates fully. */
#ifndef CCHC_RECORDS_H
#define CCHC_RECORDS_H

#include "cchc/v1/records.pb-c.h"

#include <stddef.h>
#include <stdio.h>

/* Implemented by records_fields.c (the field table), records_jsonl.c, records_csv.c and
 * records_reader.c, which share records_internal.h. */

typedef enum records_format {
	RECORDS_AUTO,  /* .csv by name, else CSV unless the first non-blank character is '{' */
	RECORDS_JSONL, /* one JSON object a line */
	RECORDS_CSV    /* a header row of column names, then one record a row */
} records_format;

/* Parses one JSON object (one JSONL line) into a heap Record (free with records_free). "type" is
 * "dossier" (the default) or "feedback"; unknown keys are ignored; null counts as absent.
 * Returns 0, or -1 with the field and the reason in err (no line number: the caller knows it). */
int records_parse_json(const char *text, Cchc__V1__Record **out, char *err, size_t errlen);

/* Builds a Record from named fields (CSV columns): names[i] = values[i], NULL or "" is absent.
 * Same rules and messages as records_parse_json. */
int records_from_fields(const char *const *names, const char *const *values, size_t n,
                        Cchc__V1__Record **out, char *err, size_t errlen);

/* Frees a Record made by this module (NULL is fine). */
void records_free(Cchc__V1__Record *r);

/* One record of a file: the record, or the reason it could not be read. */
typedef struct records_item {
	unsigned long line;       /* first line of the record in the file, from 1 */
	char *text;               /* the record's text as read, without the final newline */
	Cchc__V1__Record *record; /* NULL when `error` is set */
	char error[256];          /* "" when `record` is set */
} records_item;

/* Moves what an item owns to the caller; records_item_clear frees what is left. */
void records_item_clear(records_item *it);

typedef struct records_reader records_reader; /* opaque */

/* Reads records from f (not closed by the reader). `name` is used for format detection and
 * messages (may be NULL for stdin). Returns 0, or -1 with a message in err. */
int records_reader_open(FILE *f, const char *name, records_format format, records_reader **out,
                        char *err, size_t errlen);

/* The next record or per-record error into *it (owned by the caller afterwards: clear it with
 * records_item_clear). Returns 1 with an item, 0 at end of input, -1 on a read error or a broken
 * file (bad CSV header, unterminated quote) with a message naming the line in err. */
int records_reader_next(records_reader *r, records_item *it, char *err, size_t errlen);

records_format records_reader_format(const records_reader *r);
/* Bytes consumed so far (for progress). */
unsigned long long records_reader_offset(const records_reader *r);
void records_reader_close(records_reader *r);

/* Enum names of docs/design.md §3, for messages and for writers of records ("" when out of range).
 */
const char *records_dossier_kind_name(Cchc__V1__DossierKind k);
const char *records_channel_name(Cchc__V1__Channel c);
const char *records_rating_name(Cchc__V1__Rating r);
const char *records_feedback_kind_name(Cchc__V1__FeedbackKind k);
const char *records_feedback_topic_name(Cchc__V1__FeedbackTopic t);

#endif

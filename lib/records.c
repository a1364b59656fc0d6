/* records: JSONL (yajl) and CSV (libcsv) text into heap protobuf Records. Both formats go
 * through one table of named string fields, so a column and a JSON key mean exactly the same and
 * give the same messages. The reader feeds the file a line at a time to keep line numbers exact. */
#include "records.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_parse.h>

static const char *const dossier_kinds[] = {
    [CCHC__V1__DOSSIER_KIND__SUBMITTED] = "submitted",
    [CCHC__V1__DOSSIER_KIND__RECEIVED] = "received",
    [CCHC__V1__DOSSIER_KIND__SUPPLEMENT_REQUESTED] = "supplement_requested",
    [CCHC__V1__DOSSIER_KIND__SUPPLEMENT_RECEIVED] = "supplement_received",
    [CCHC__V1__DOSSIER_KIND__EXTENDED] = "extended",
    [CCHC__V1__DOSSIER_KIND__RESOLVED] = "resolved",
    [CCHC__V1__DOSSIER_KIND__RETURNED] = "returned",
    [CCHC__V1__DOSSIER_KIND__WITHDRAWN] = "withdrawn",
    [CCHC__V1__DOSSIER_KIND__DELIVERED] = "delivered",
    [CCHC__V1__DOSSIER_KIND__PAID_ONLINE] = "paid_online",
    [CCHC__V1__DOSSIER_KIND__DIGITIZED] = "digitized",
};
static const char *const channels[] = {
    [CCHC__V1__CHANNEL__DIRECT] = "direct",
    [CCHC__V1__CHANNEL__ONLINE] = "online",
    [CCHC__V1__CHANNEL__POSTAL] = "postal",
};
static const char *const feedback_kinds[] = {
    [CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED] = "received",
    [CCHC__V1__FEEDBACK_KIND__FEEDBACK_RESOLVED] = "resolved",
    [CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED] = "published",
};
static const char *const feedback_topics[] = {
    [CCHC__V1__FEEDBACK_TOPIC__REGULATION] = "regulation",
    [CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR] = "behavior",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every key either format knows; anything else is ignored. */
static const char *const known_fields[] = {"type",      "event_id", "office",   "dossier",
                                           "procedure", "field",    "kind",     "channel",
                                           "at",        "due",      "feedback", "topic"};

static const char *name_of(const char *const *names, size_t n, int v)
{
	if (v <= 0 || (size_t)v >= n || !names[v])
		return "";
	return names[v];
}

const char *records_dossier_kind_name(Cchc__V1__DossierKind k)
{
	return name_of(dossier_kinds, NELEM(dossier_kinds), (int)k);
}

const char *records_channel_name(Cchc__V1__Channel c)
{
	return name_of(channels, NELEM(channels), (int)c);
}

const char *records_feedback_kind_name(Cchc__V1__FeedbackKind k)
{
	return name_of(feedback_kinds, NELEM(feedback_kinds), (int)k);
}

const char *records_feedback_topic_name(Cchc__V1__FeedbackTopic t)
{
	return name_of(feedback_topics, NELEM(feedback_topics), (int)t);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The value of `key`, or NULL when absent or empty. */
static const char *lookup(const char *const *names, const char *const *values, size_t n,
                          const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], key))
			return values[i] && values[i][0] ? values[i] : NULL;
	return NULL;
}

/* Maps an enum name to its value; 0 (the UNSPECIFIED value) when unknown. */
static int enum_value(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return 0;
}

static void enum_list(const char *const *names, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int enum_field(const char *const *names, size_t n, const char *field, const char *what,
                      const char *value, int *out, char *err, size_t errlen)
{
	char list[200];

	*out = enum_value(names, n, value);
	if (*out)
		return 0;
	enum_list(names, n, list, sizeof list);
	seterr(err, errlen, "field '%s': unknown %s '%.40s' (expected one of %s)", field, what,
	       value, list);
	return -1;
}

/* Copies the optional string `key` into *dst; fails only when `required` and absent. */
static int str_field(const char *const *names, const char *const *values, size_t n, const char *key,
                     int required, char **dst, char *err, size_t errlen)
{
	const char *v = lookup(names, values, n, key);

	if (!v) {
		if (!required)
			return 0;
		seterr(err, errlen, "missing field '%s'", key);
		return -1;
	}
	*dst = strdup(v);
	if (!*dst) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int dossier_from_fields(const char *const *names, const char *const *values, size_t n,
                               Cchc__V1__DossierEvent *d, char *err, size_t errlen)
{
	const char *v;
	int e;

	if (str_field(names, values, n, "event_id", 1, &d->event_id, err, errlen) ||
	    str_field(names, values, n, "office", 1, &d->office, err, errlen) ||
	    str_field(names, values, n, "dossier", 1, &d->dossier, err, errlen) ||
	    str_field(names, values, n, "procedure", 0, &d->procedure, err, errlen) ||
	    str_field(names, values, n, "field", 0, &d->field, err, errlen) ||
	    str_field(names, values, n, "at", 1, &d->at, err, errlen) ||
	    str_field(names, values, n, "due", 0, &d->due, err, errlen))
		return -1;
	v = lookup(names, values, n, "kind");
	if (!v) {
		seterr(err, errlen, "missing field 'kind'");
		return -1;
	}
	if (enum_field(dossier_kinds, NELEM(dossier_kinds), "kind", "dossier kind", v, &e, err,
	               errlen))
		return -1;
	d->has_kind = 1;
	d->kind = (Cchc__V1__DossierKind)e;
	v = lookup(names, values, n, "channel");
	if (v) {
		if (enum_field(channels, NELEM(channels), "channel", "channel", v, &e, err, errlen))
			return -1;
		d->has_channel = 1;
		d->channel = (Cchc__V1__Channel)e;
	}
	return 0;
}

static int feedback_from_fields(const char *const *names, const char *const *values, size_t n,
                                Cchc__V1__FeedbackEvent *f, char *err, size_t errlen)
{
	const char *v;
	int e;

	if (str_field(names, values, n, "event_id", 1, &f->event_id, err, errlen) ||
	    str_field(names, values, n, "office", 1, &f->office, err, errlen) ||
	    str_field(names, values, n, "feedback", 1, &f->feedback, err, errlen) ||
	    str_field(names, values, n, "at", 1, &f->at, err, errlen))
		return -1;
	v = lookup(names, values, n, "kind");
	if (!v) {
		seterr(err, errlen, "missing field 'kind'");
		return -1;
	}
	if (enum_field(feedback_kinds, NELEM(feedback_kinds), "kind", "feedback kind", v, &e, err,
	               errlen))
		return -1;
	f->has_kind = 1;
	f->kind = (Cchc__V1__FeedbackKind)e;
	v = lookup(names, values, n, "topic");
	if (v) {
		if (enum_field(feedback_topics, NELEM(feedback_topics), "topic", "feedback topic",
		               v, &e, err, errlen))
			return -1;
		f->has_topic = 1;
		f->topic = (Cchc__V1__FeedbackTopic)e;
	}
	return 0;
}

int records_from_fields(const char *const *names, const char *const *values, size_t n,
                        Cchc__V1__Record **out, char *err, size_t errlen)
{
	const char *type = lookup(names, values, n, "type");
	Cchc__V1__Record *r;
	int rc;

	*out = NULL;
	if (type && strcmp(type, "dossier") && strcmp(type, "feedback")) {
		seterr(err, errlen,
		       "field 'type': unknown type '%.40s' (expected dossier or feedback)", type);
		return -1;
	}
	r = malloc(sizeof *r);
	if (!r) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	cchc__v1__record__init(r);
	if (!type || !strcmp(type, "dossier")) {
		r->dossier = malloc(sizeof *r->dossier);
		if (r->dossier) {
			cchc__v1__dossier_event__init(r->dossier);
			r->event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
		}
	} else {
		r->feedback = malloc(sizeof *r->feedback);
		if (r->feedback) {
			cchc__v1__feedback_event__init(r->feedback);
			r->event_case = CCHC__V1__RECORD__EVENT_FEEDBACK;
		}
	}
	if (r->event_case == CCHC__V1__RECORD__EVENT__NOT_SET) {
		free(r);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (r->event_case == CCHC__V1__RECORD__EVENT_DOSSIER)
		rc = dossier_from_fields(names, values, n, r->dossier, err, errlen);
	else
		rc = feedback_from_fields(names, values, n, r->feedback, err, errlen);
	if (rc) {
		records_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void records_free(Cchc__V1__Record *r)
{
	if (r)
		cchc__v1__record__free_unpacked(r, NULL);
}

/* One JSONL line as yajl streams it (a SAX parser: no tree per line, which made jansson most of a
 * push's CPU). The record's own top-level keys that are known fields keep their string values;
 * everything else, nested values included, is skipped. */
typedef struct json_line {
	int depth;                         /* 1 inside the record's object */
	int key;                           /* known_fields index of the current key, or -1 */
	char *values[NELEM(known_fields)]; /* strdup'd; NULL when absent or null */
	unsigned char seen[NELEM(known_fields)];
	char *err;
	size_t errlen;
	int failed; /* err says why */
} json_line;

static int json_fail(json_line *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int json_fail(json_line *j, const char *fmt, ...)
{
	va_list ap;

	if (j->err && j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err, j->errlen, fmt, ap);
		va_end(ap);
	}
	j->failed = 1;
	return 0; /* stops yajl */
}

/* A value other than a string, at the place of a known field or as the whole line. */
static int json_other(json_line *j, const char *what)
{
	if (j->depth == 0)
		return json_fail(j, "not a JSON object but %s", what);
	if (j->depth == 1 && j->key >= 0)
		return json_fail(j, "field '%s': expected a string, got %s", known_fields[j->key],
		                 what);
	return 1;
}

static int json_null(void *ctx)
{
	json_line *j = ctx;
	return j->depth == 0 ? json_other(j, "null") : 1; /* a field's null: absent */
}

static int json_bool(void *ctx, int v)
{
	(void)v;
	return json_other(ctx, "a boolean");
}

static int json_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return json_other(ctx, "a number");
}

static int json_string(void *ctx, const unsigned char *s, size_t n)
{
	json_line *j = ctx;

	if (j->depth != 1 || j->key < 0)
		return json_other(j, "a string");
	if (memchr(s, '\0', n))
		return json_fail(j, "not valid JSON: field '%s' holds a \\u0000 character",
		                 known_fields[j->key]);
	if (!(j->values[j->key] = strndup((const char *)s, n)))
		return json_fail(j, "out of memory");
	return 1;
}

static int json_start(json_line *j, const char *what)
{
	if (j->depth == 1 && j->key >= 0)
		return json_other(j, what);
	j->depth++;
	return 1;
}

static int json_start_map(void *ctx)
{
	return json_start(ctx, "an object");
}

static int json_start_array(void *ctx)
{
	json_line *j = ctx;
	return j->depth == 0 ? json_other(j, "an array") : json_start(j, "an array");
}

static int json_end(void *ctx)
{
	((json_line *)ctx)->depth--;
	return 1;
}

static int json_key(void *ctx, const unsigned char *s, size_t n)
{
	json_line *j = ctx;

	if (j->depth != 1)
		return 1;
	j->key = -1;
	for (size_t i = 0; i < NELEM(known_fields); i++)
		if (strlen(known_fields[i]) == n && !memcmp(known_fields[i], s, n)) {
			if (j->seen[i])
				return json_fail(j, "field '%s': duplicate key", known_fields[i]);
			j->seen[i] = 1;
			j->key = (int)i;
		}
	return 1;
}

static const yajl_callbacks json_callbacks = {
    .yajl_null = json_null,
    .yajl_boolean = json_bool,
    .yajl_number = json_number, /* numbers as text: yajl checks their syntax, we refuse them */
    .yajl_string = json_string,
    .yajl_start_map = json_start_map,
    .yajl_map_key = json_key,
    .yajl_end_map = json_end,
    .yajl_start_array = json_start_array,
    .yajl_end_array = json_end,
};

int records_parse_json(const char *text, Cchc__V1__Record **out, char *err, size_t errlen)
{
	const char *names[NELEM(known_fields)];
	const char *values[NELEM(known_fields)];
	json_line j = {.key = -1, .err = err, .errlen = errlen};
	size_t len = strlen(text), n = 0;
	yajl_handle h = yajl_alloc(&json_callbacks, NULL, &j);
	yajl_status st;
	int rc = -1;

	*out = NULL;
	if (!h) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	st = yajl_parse(h, (const unsigned char *)text, len);
	size_t column = yajl_get_bytes_consumed(h) + 1;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h); /* the line ended inside a value */
		column = len + 1;
	}
	if (j.failed)
		goto out;
	if (st != yajl_status_ok) {
		unsigned char *why = yajl_get_error(h, 0, (const unsigned char *)text, len);
		const char *w = why ? (const char *)why : "?";
		size_t wl = strlen(w);
		while (wl && isspace((unsigned char)w[wl - 1])) /* yajl ends it with a newline */
			wl--;
		seterr(err, errlen, "not valid JSON: %.*s (column %zu)", (int)wl, w, column);
		yajl_free_error(h, why);
		goto out;
	}
	for (size_t i = 0; i < NELEM(known_fields); i++)
		if (j.values[i]) {
			names[n] = known_fields[i];
			values[n++] = j.values[i];
		}
	rc = records_from_fields(names, values, n, out, err, errlen);
out:
	yajl_free(h);
	for (size_t i = 0; i < NELEM(known_fields); i++)
		free(j.values[i]);
	return rc;
}

void records_item_clear(records_item *it)
{
	free(it->text);
	records_free(it->record);
	memset(it, 0, sizeof *it);
}

/* ---- the reader ---- */

typedef struct csv_row {
	char **fields;
	size_t n;
} csv_row;

struct records_reader {
	FILE *f;
	records_format format;
	char *line; /* the current physical line (getline buffer) */
	size_t linecap;
	ssize_t linelen;
	int have_line; /* `line` read ahead (format detection) and not consumed yet */
	unsigned long lineno;
	unsigned long long offset;

	/* CSV */
	struct csv_parser csv;
	int csv_ready;
	int csv_failed; /* out of memory in a callback */
	char **header;  /* column names */
	size_t nheader;
	csv_row cur; /* the row being parsed */
	size_t curcap;
	csv_row *done; /* rows completed by the last line fed */
	size_t ndone, donecap, donehead;
	char *raw; /* text of the row being read */
	size_t rawlen, rawcap;
	unsigned long rowstart;
	int eof;
};

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Reads the next physical line into r->line. Returns 1, 0 at end, -1 on error. */
static int read_line(records_reader *r, char *err, size_t errlen)
{
	if (r->have_line) {
		r->have_line = 0;
		return 1;
	}
	errno = 0;
	r->linelen = getline(&r->line, &r->linecap, r->f);
	if (r->linelen < 0) {
		if (ferror(r->f)) {
			seterr(err, errlen, "read error after line %lu: %s", r->lineno,
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

static void csv_field_cb(void *s, size_t len, void *data)
{
	records_reader *r = data;
	char *v;

	if (r->csv_failed)
		return;
	if (r->cur.n == r->curcap) {
		size_t cap = r->curcap ? 2 * r->curcap : 16;
		char **f = realloc(r->cur.fields, cap * sizeof *f);

		if (!f) {
			r->csv_failed = 1;
			return;
		}
		r->cur.fields = f;
		r->curcap = cap;
	}
	v = malloc(len + 1);
	if (!v) {
		r->csv_failed = 1;
		return;
	}
	if (len)
		memcpy(v, s, len);
	v[len] = '\0';
	r->cur.fields[r->cur.n++] = v;
}

static void csv_row_cb(int c, void *data)
{
	records_reader *r = data;

	(void)c;
	if (r->csv_failed)
		return;
	if (r->ndone == r->donecap) {
		size_t cap = r->donecap ? 2 * r->donecap : 4;
		csv_row *d = realloc(r->done, cap * sizeof *d);

		if (!d) {
			r->csv_failed = 1;
			return;
		}
		r->done = d;
		r->donecap = cap;
	}
	r->done[r->ndone++] = r->cur;
	memset(&r->cur, 0, sizeof r->cur);
	r->curcap = 0;
}

static void row_free(csv_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->fields[i]);
	free(row->fields);
	memset(row, 0, sizeof *row);
}

int records_reader_open(FILE *f, const char *name, records_format format, records_reader **out,
                        char *err, size_t errlen)
{
	records_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r) {
		seterr(err, errlen, "out of memory");
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
		while ((rc = read_line(r, err, errlen)) == 1) {
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
	if (format == RECORDS_CSV) {
		if (csv_init(&r->csv, 0)) {
			free(r->line);
			free(r);
			seterr(err, errlen, "out of memory");
			return -1;
		}
		r->csv_ready = 1;
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
	if (r->csv_ready)
		csv_free(&r->csv);
	for (size_t i = 0; i < r->nheader; i++)
		free(r->header[i]);
	free(r->header);
	row_free(&r->cur);
	for (size_t i = r->donehead; i < r->ndone; i++)
		row_free(&r->done[i]);
	free(r->done);
	free(r->raw);
	free(r->line);
	free(r);
}

static int next_jsonl(records_reader *r, records_item *it, char *err, size_t errlen)
{
	int rc;

	while ((rc = read_line(r, err, errlen)) == 1) {
		if (is_blank(r->line))
			continue;
		chomp(r->line);
		it->line = r->lineno;
		it->text = strdup(r->line);
		if (!it->text) {
			seterr(err, errlen, "line %lu: out of memory", r->lineno);
			return -1;
		}
		if (records_parse_json(r->line, &it->record, it->error, sizeof it->error))
			it->record = NULL;
		return 1;
	}
	return rc;
}

static int raw_append(records_reader *r, const char *s, size_t n)
{
	if (r->rawlen + n + 1 > r->rawcap) {
		size_t cap = r->rawcap ? r->rawcap : 256;
		char *p;

		while (cap < r->rawlen + n + 1)
			cap *= 2;
		p = realloc(r->raw, cap);
		if (!p)
			return -1;
		r->raw = p;
		r->rawcap = cap;
	}
	memcpy(r->raw + r->rawlen, s, n);
	r->rawlen += n;
	r->raw[r->rawlen] = '\0';
	return 0;
}

static int take_header(records_reader *r, csv_row *row, char *err, size_t errlen)
{
	int known = 0;

	for (size_t i = 0; i < row->n; i++) {
		char *s = row->fields[i], *e;

		while (isspace((unsigned char)*s))
			s++;
		memmove(row->fields[i], s, strlen(s) + 1);
		e = row->fields[i] + strlen(row->fields[i]);
		while (e > row->fields[i] && isspace((unsigned char)e[-1]))
			*--e = '\0';
		for (size_t k = 0; k < NELEM(known_fields); k++)
			if (!strcmp(row->fields[i], known_fields[k]))
				known++;
		for (size_t j = 0; j < i; j++)
			if (row->fields[i][0] && !strcmp(row->fields[i], row->fields[j])) {
				seterr(err, errlen,
				       "line %lu: CSV header names column '%.40s' twice",
				       r->rowstart, row->fields[i]);
				return -1;
			}
	}
	if (!known) {
		seterr(err, errlen,
		       "line %lu: CSV header names none of the record columns (event_id, office, "
		       "dossier, kind, at, ...)",
		       r->rowstart);
		return -1;
	}
	r->header = row->fields;
	r->nheader = row->n;
	memset(row, 0, sizeof *row);
	return 0;
}

/* Turns a completed data row into an item. */
static int row_item(records_reader *r, csv_row *row, records_item *it, char *err, size_t errlen)
{
	it->line = r->rowstart;
	it->text = strdup(r->raw ? r->raw : "");
	if (!it->text) {
		seterr(err, errlen, "line %lu: out of memory", r->rowstart);
		return -1;
	}
	chomp(it->text);
	if (row->n != r->nheader) {
		snprintf(it->error, sizeof it->error, "row has %zu fields, the header has %zu",
		         row->n, r->nheader);
		return 0;
	}
	if (records_from_fields((const char *const *)r->header, (const char *const *)row->fields,
	                        row->n, &it->record, it->error, sizeof it->error))
		it->record = NULL;
	return 0;
}

/* At the end of input: a row still open means a quote never closed (quotes come in pairs in
 * CSV); else the parser may still hold a last row without a final newline. */
static int csv_end(records_reader *r, records_item *it, char *err, size_t errlen)
{
	size_t q = 0;

	r->eof = 1;
	for (size_t i = 0; i < r->rawlen; i++)
		q += r->raw[i] == '"';
	if (q % 2) {
		it->line = r->rowstart;
		it->text = strdup(r->raw);
		if (!it->text) {
			seterr(err, errlen, "out of memory");
			return -1;
		}
		chomp(it->text);
		snprintf(it->error, sizeof it->error,
		         "a quoted field opened on line %lu never closes", r->rowstart);
		return 1;
	}
	if (csv_fini(&r->csv, csv_field_cb, csv_row_cb, r) || r->csv_failed) {
		seterr(err, errlen, "line %lu: %s", r->lineno,
		       r->csv_failed ? "out of memory" : csv_strerror(csv_error(&r->csv)));
		return -1;
	}
	return 0;
}

static int next_csv(records_reader *r, records_item *it, char *err, size_t errlen)
{
	for (;;) {
		int rc;

		if (r->donehead < r->ndone) {
			csv_row row = r->done[r->donehead++];

			if (!r->header) {
				rc = take_header(r, &row, err, errlen);
				row_free(&row);
				if (rc)
					return -1;
				continue;
			}
			rc = row_item(r, &row, it, err, errlen);
			row_free(&row);
			return rc ? -1 : 1;
		}
		if (r->ndone) {
			/* every row the last line completed is out: their text is done with */
			r->donehead = r->ndone = 0;
			r->rawlen = 0;
		}
		if (r->eof)
			return 0;
		rc = read_line(r, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			rc = csv_end(r, it, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (!r->rawlen) {
			if (is_blank(r->line))
				continue;
			r->rowstart = r->lineno;
		}
		if (raw_append(r, r->line, (size_t)r->linelen)) {
			seterr(err, errlen, "line %lu: out of memory", r->lineno);
			return -1;
		}
		if (csv_parse(&r->csv, r->line, (size_t)r->linelen, csv_field_cb, csv_row_cb, r) !=
		        (size_t)r->linelen ||
		    r->csv_failed) {
			seterr(err, errlen, "line %lu: %s", r->lineno,
			       r->csv_failed ? "out of memory" : csv_strerror(csv_error(&r->csv)));
			return -1;
		}
	}
}

int records_reader_next(records_reader *r, records_item *it, char *err, size_t errlen)
{
	memset(it, 0, sizeof *it);
	if (r->format == RECORDS_CSV)
		return next_csv(r, it, err, errlen);
	return next_jsonl(r, it, err, errlen);
}

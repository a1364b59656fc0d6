/* records_fields: the field table of docs/design.md §3 — the record fields, their names, the enum
 * names and the light checks (required codes present, enum names known) — and the one function
 * that builds a Record from named string fields, which JSONL keys and CSV columns both go through,
 * so a column and a key mean exactly the same and give the same messages. */
#include "records_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    [CCHC__V1__DOSSIER_KIND__RATED] = "rated",
};
static const char *const channels[] = {
    [CCHC__V1__CHANNEL__DIRECT] = "direct",
    [CCHC__V1__CHANNEL__ONLINE] = "online",
    [CCHC__V1__CHANNEL__POSTAL] = "postal",
};
static const char *const ratings[] = {
    [CCHC__V1__RATING__VERY_SATISFIED] = "very_satisfied",
    [CCHC__V1__RATING__SATISFIED] = "satisfied",
    [CCHC__V1__RATING__UNSATISFIED] = "unsatisfied",
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

const char *const records_known_fields[] = {
    "type",    "event_id", "office", "dossier",  "procedure", "field", "kind",
    "channel", "at",       "due",    "feedback", "topic",     "rating"};
_Static_assert(NELEM(records_known_fields) == RECORDS_NFIELDS, "RECORDS_NFIELDS is the count");

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

const char *records_rating_name(Cchc__V1__Rating r)
{
	return name_of(ratings, NELEM(ratings), (int)r);
}

const char *records_feedback_kind_name(Cchc__V1__FeedbackKind k)
{
	return name_of(feedback_kinds, NELEM(feedback_kinds), (int)k);
}

const char *records_feedback_topic_name(Cchc__V1__FeedbackTopic t)
{
	return name_of(feedback_topics, NELEM(feedback_topics), (int)t);
}

void records_seterr(char *err, size_t errlen, const char *fmt, ...)
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
	records_seterr(err, errlen, "field '%s': unknown %s '%.40s' (expected one of %s)", field,
	               what, value, list);
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
		records_seterr(err, errlen, "missing field '%s'", key);
		return -1;
	}
	*dst = strdup(v);
	if (!*dst) {
		records_seterr(err, errlen, "out of memory");
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
		records_seterr(err, errlen, "missing field 'kind'");
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
	v = lookup(names, values, n, "rating");
	if (v) {
		if (enum_field(ratings, NELEM(ratings), "rating", "rating", v, &e, err, errlen))
			return -1;
		d->has_rating = 1;
		d->rating = (Cchc__V1__Rating)e;
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
		records_seterr(err, errlen, "missing field 'kind'");
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
		records_seterr(err, errlen,
		               "field 'type': unknown type '%.40s' (expected dossier or feedback)",
		               type);
		return -1;
	}
	r = malloc(sizeof *r);
	if (!r) {
		records_seterr(err, errlen, "out of memory");
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
		records_seterr(err, errlen, "out of memory");
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

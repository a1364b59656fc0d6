/* validate: checks a record field by field in the order a person would fix them: presence and
 * length, then times, then the office against the registry at the event's time, then the grant. */
#include "validate.h"

#include "records.h"
#include "rfc3339.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct verdict {
	char *code;
	char *msg;
	size_t msglen;
} verdict;

__attribute__((format(printf, 3, 4))) static int fail(verdict *v, const char *code, const char *fmt,
                                                      ...)
{
	va_list ap;
	snprintf(v->code, VALIDATE_CODE_MAX, "%s", code);
	va_start(ap, fmt);
	vsnprintf(v->msg, v->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A code-like string: present, within max, printable ASCII without spaces or quotes. */
static int check_code(verdict *v, const char *name, const char *s, size_t max, int required)
{
	if (!s || !*s)
		return required ? fail(v, "bad_field", "%s is missing", name) : 0;
	size_t len = strlen(s);
	if (len > max)
		return fail(v, "too_large", "%s is %zu characters long; at most %zu are allowed",
		            name, len, max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			return fail(v, "bad_field",
			            "%s contains a character other than printable ASCII (position "
			            "%zu)",
			            name, (size_t)(p - (const unsigned char *)s) + 1);
	return 0;
}

static int check_time(verdict *v, const char *name, const char *s, int required, int64_t *ms)
{
	if (!s || !*s)
		return required ? fail(v, "bad_field", "%s is missing", name) : 0;
	if (strlen(s) > 40 || rfc3339_parse(s, ms))
		return fail(v, "bad_time",
		            "%s '%.40s' is not an RFC 3339 time with an offset, like "
		            "2024-01-05T08:15:00+07:00",
		            name, s);
	return 0;
}

static int check_office(verdict *v, const char *office, int64_t at, const units *u,
                        const auth_source *src)
{
	const unit *known = units_find(u, office, at);
	if (!known)
		return fail(v, "unknown_office",
		            "office '%s' is not an administrative unit valid at the event's time",
		            office);
	for (size_t i = 0; i < src->ngrants; i++)
		if (units_within(u, office, src->grants[i], at))
			return 0;
	return fail(v, "not_authorized", "source '%s' may not write for office '%s'", src->name,
	            office);
}

/* docs/design.md §16: a `rated` event carries exactly one of the three ratings, and no other kind
 * carries one (a rating on a `resolved` would be silently dropped otherwise). */
static int check_rating(verdict *v, const Cchc__V1__DossierEvent *e)
{
	int rated = e->kind == CCHC__V1__DOSSIER_KIND__RATED;

	if (e->has_rating && (e->rating < CCHC__V1__RATING__VERY_SATISFIED ||
	                      e->rating > CCHC__V1__RATING__UNSATISFIED))
		return fail(v, "bad_field",
		            "event %s of dossier %s: rating is not very_satisfied, satisfied or "
		            "unsatisfied",
		            e->event_id, e->dossier);
	if (rated && !e->has_rating)
		return fail(v, "bad_field",
		            "event %s of dossier %s: rating is missing (required on rated: "
		            "very_satisfied, satisfied or unsatisfied)",
		            e->event_id, e->dossier);
	if (!rated && e->has_rating)
		return fail(
		    v, "bad_field",
		    "event %s of dossier %s: a rating belongs on a rated event only, not on "
		    "%s",
		    e->event_id, e->dossier, records_dossier_kind_name(e->kind));
	return 0;
}

static int validate_dossier(verdict *v, const Cchc__V1__DossierEvent *e, const units *u,
                            const auth_source *src)
{
	int64_t at = 0, due = 0;
	if (check_code(v, "event_id", e->event_id, VALIDATE_EVENT_ID_MAX, 1) ||
	    check_code(v, "office", e->office, VALIDATE_OFFICE_MAX, 1) ||
	    check_code(v, "dossier", e->dossier, VALIDATE_DOSSIER_MAX, 1))
		return -1;
	if (!e->has_kind || e->kind < CCHC__V1__DOSSIER_KIND__SUBMITTED ||
	    e->kind > CCHC__V1__DOSSIER_KIND__RATED)
		return fail(v, "bad_field", "kind is missing or not a dossier event kind");
	if (check_rating(v, e))
		return -1;
	int received = e->kind == CCHC__V1__DOSSIER_KIND__RECEIVED;
	int carries_due = received || e->kind == CCHC__V1__DOSSIER_KIND__EXTENDED ||
	                  e->kind == CCHC__V1__DOSSIER_KIND__SUPPLEMENT_RECEIVED;
	if (check_code(v, "procedure", e->procedure, VALIDATE_CODE_FIELD_MAX, received) ||
	    check_code(v, "field", e->field, VALIDATE_CODE_FIELD_MAX, received))
		return -1;
	if (e->has_channel &&
	    (e->channel < CCHC__V1__CHANNEL__DIRECT || e->channel > CCHC__V1__CHANNEL__POSTAL))
		return fail(v, "bad_field", "channel is not direct, online or postal");
	if (received && !e->has_channel)
		return fail(v, "bad_field", "channel is missing (required on received)");
	if (check_time(v, "at", e->at, 1, &at) || check_time(v, "due", e->due, carries_due, &due))
		return -1;
	if (received && due < at)
		return fail(v, "due_before_received", "due %s is before the receipt at %s", e->due,
		            e->at);
	return check_office(v, e->office, at, u, src);
}

static int validate_feedback(verdict *v, const Cchc__V1__FeedbackEvent *e, const units *u,
                             const auth_source *src)
{
	int64_t at = 0;
	if (check_code(v, "event_id", e->event_id, VALIDATE_EVENT_ID_MAX, 1) ||
	    check_code(v, "office", e->office, VALIDATE_OFFICE_MAX, 1) ||
	    check_code(v, "feedback", e->feedback, VALIDATE_DOSSIER_MAX, 1))
		return -1;
	if (!e->has_kind || e->kind < CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED ||
	    e->kind > CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED)
		return fail(v, "bad_field", "kind is missing or not a feedback event kind");
	if (e->has_topic && e->topic != CCHC__V1__FEEDBACK_TOPIC__REGULATION &&
	    e->topic != CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR)
		return fail(v, "bad_field", "topic is not regulation or behavior");
	if (e->kind == CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED && !e->has_topic)
		return fail(v, "bad_field", "topic is missing (required on received)");
	if (check_time(v, "at", e->at, 1, &at))
		return -1;
	return check_office(v, e->office, at, u, src);
}

int validate_record(const Cchc__V1__Record *r, const units *u, const auth_source *src,
                    char code[VALIDATE_CODE_MAX], char *msg, size_t msglen)
{
	verdict v = {code, msg, msglen};
	switch (r->event_case) {
	case CCHC__V1__RECORD__EVENT_DOSSIER:
		return validate_dossier(&v, r->dossier, u, src);
	case CCHC__V1__RECORD__EVENT_FEEDBACK:
		return validate_feedback(&v, r->feedback, u, src);
	default:
		return fail(&v, "bad_field", "record is neither a dossier nor a feedback event");
	}
}

/* test_records: JSONL and CSV lines into Records (lib/records*.c), good and bad, and the file
 * reader's line numbers, texts and per-line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOSSIER_LINE                                                                               \
	"{\"type\":\"dossier\",\"event_id\":\"474-000123-1\",\"office\":\"474\",\"dossier\":"      \
	"\"000.00.22.H57-240105-0001\",\"procedure\":\"1.001234\",\"field\":\"hotich\",\"kind\":"  \
	"\"received\",\"channel\":\"online\",\"at\":\"2024-01-05T08:15:00+07:00\",\"due\":"        \
	"\"2024-01-12T17:00:00+07:00\"}"
#define FEEDBACK_LINE                                                                              \
	"{\"type\":\"feedback\",\"event_id\":\"46-pakn-9-1\",\"office\":\"46\",\"feedback\":"      \
	"\"PAKN-2024-0009\",\"kind\":\"received\",\"topic\":\"regulation\",\"at\":"                \
	"\"2024-02-01T09:00:00+07:00\"}"

static void json_dossier_ok(void **state)
{
	Cchc__V1__Record *r = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(records_parse_json(DOSSIER_LINE, &r, err, sizeof err), 0);
	assert_non_null(r);
	assert_int_equal(r->event_case, CCHC__V1__RECORD__EVENT_DOSSIER);
	assert_string_equal(r->dossier->event_id, "474-000123-1");
	assert_string_equal(r->dossier->office, "474");
	assert_string_equal(r->dossier->dossier, "000.00.22.H57-240105-0001");
	assert_string_equal(r->dossier->procedure, "1.001234");
	assert_string_equal(r->dossier->field, "hotich");
	assert_true(r->dossier->has_kind);
	assert_int_equal(r->dossier->kind, CCHC__V1__DOSSIER_KIND__RECEIVED);
	assert_true(r->dossier->has_channel);
	assert_int_equal(r->dossier->channel, CCHC__V1__CHANNEL__ONLINE);
	assert_string_equal(r->dossier->at, "2024-01-05T08:15:00+07:00");
	assert_string_equal(r->dossier->due, "2024-01-12T17:00:00+07:00");
	records_free(r);
}

static void json_feedback_ok(void **state)
{
	Cchc__V1__Record *r = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(records_parse_json(FEEDBACK_LINE, &r, err, sizeof err), 0);
	assert_int_equal(r->event_case, CCHC__V1__RECORD__EVENT_FEEDBACK);
	assert_string_equal(r->feedback->feedback, "PAKN-2024-0009");
	assert_int_equal(r->feedback->kind, CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED);
	assert_true(r->feedback->has_topic);
	assert_int_equal(r->feedback->topic, CCHC__V1__FEEDBACK_TOPIC__REGULATION);
	records_free(r);
}

static void json_every_kind(void **state)
{
	(void)state;
	for (int k = 1; k <= CCHC__V1__DOSSIER_KIND__RATED; k++) {
		const char *name = records_dossier_kind_name((Cchc__V1__DossierKind)k);
		char line[512], err[256];
		Cchc__V1__Record *r = NULL;

		assert_true(name[0]);
		snprintf(line, sizeof line,
		         "{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"%s\","
		         "\"at\":\"2024-01-05T08:15:00+07:00\"}",
		         name);
		assert_int_equal(records_parse_json(line, &r, err, sizeof err), 0);
		/* no "type": a dossier */
		assert_int_equal(r->event_case, CCHC__V1__RECORD__EVENT_DOSSIER);
		assert_int_equal(r->dossier->kind, k);
		assert_false(r->dossier->has_channel);
		assert_null(r->dossier->due);
		records_free(r);
	}
	for (int k = 1; k <= 3; k++) {
		const char *name = records_feedback_kind_name((Cchc__V1__FeedbackKind)k);
		char line[512], err[256];
		Cchc__V1__Record *r = NULL;

		snprintf(line, sizeof line,
		         "{\"type\":\"feedback\",\"event_id\":\"e\",\"office\":\"46\",\"feedback\":"
		         "\"f\",\"kind\":\"%s\",\"at\":\"2024-01-05T08:15:00+07:00\"}",
		         name);
		assert_int_equal(records_parse_json(line, &r, err, sizeof err), 0);
		assert_int_equal(r->feedback->kind, k);
		records_free(r);
	}
	assert_string_equal(records_channel_name(CCHC__V1__CHANNEL__POSTAL), "postal");
	assert_string_equal(records_feedback_topic_name(CCHC__V1__FEEDBACK_TOPIC__BEHAVIOR),
	                    "behavior");
	assert_string_equal(records_dossier_kind_name((Cchc__V1__DossierKind)99), "");
	assert_string_equal(records_rating_name(CCHC__V1__RATING__VERY_SATISFIED),
	                    "very_satisfied");
	assert_string_equal(records_rating_name((Cchc__V1__Rating)4), "");
}

/* docs/design.md §16: the rating is read from a JSONL key and a CSV column alike; the reader only
 * knows the names, ingest decides on which kind a rating may stand. */
static void ratings_both_formats(void **state)
{
	static const char *const names[] = {"very_satisfied", "satisfied", "unsatisfied"};
	Cchc__V1__Record *r = NULL;
	char line[512], err[256];

	(void)state;
	for (int k = 1; k <= 3; k++) {
		snprintf(line, sizeof line,
		         "{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":"
		         "\"rated\",\"rating\":\"%s\",\"at\":\"2024-01-05T08:15:00+07:00\"}",
		         names[k - 1]);
		assert_int_equal(records_parse_json(line, &r, err, sizeof err), 0);
		assert_int_equal(r->dossier->kind, CCHC__V1__DOSSIER_KIND__RATED);
		assert_true(r->dossier->has_rating);
		assert_int_equal(r->dossier->rating, k);
		records_free(r);
	}
	assert_int_equal(records_parse_json("{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":"
	                                    "\"d\",\"kind\":\"rated\",\"rating\":\"good\","
	                                    "\"at\":\"x\"}",
	                                    &r, err, sizeof err),
	                 -1);
	assert_non_null(strstr(err, "field 'rating': unknown rating 'good' (expected one of "
	                            "very_satisfied, satisfied, unsatisfied)"));
	assert_int_equal(records_parse_json("{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":"
	                                    "\"d\",\"kind\":\"rated\",\"at\":\"x\"}",
	                                    &r, err, sizeof err),
	                 0);
	assert_false(r->dossier->has_rating); /* ingest refuses it: rated needs a rating */
	records_free(r);

	const char *names_csv[] = {"event_id", "office", "dossier", "kind", "rating", "at"};
	const char *values_csv[] = {"e",     "19753",       "D",
	                            "rated", "unsatisfied", "2024-01-05T08:15:00+07:00"};
	assert_int_equal(records_from_fields(names_csv, values_csv, 6, &r, err, sizeof err), 0);
	assert_int_equal(r->dossier->rating, CCHC__V1__RATING__UNSATISFIED);
	records_free(r);
}

static void json_unknown_keys_and_null_ignored(void **state)
{
	Cchc__V1__Record *r = NULL;
	char err[256];

	(void)state;
	assert_int_equal(
	    records_parse_json("{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\","
	                       "\"kind\":\"resolved\",\"at\":\"x\",\"extra\":[1,2,{\"at\":true}],"
	                       "\"n\":{\"a\":1,\"office\":7},\"due\":null,\"topic\":\"whatever\"}",
	                       &r, err, sizeof err),
	    0);
	assert_null(r->dossier->due);
	assert_string_equal(r->dossier->office, "46"); /* a nested "office" is not the field */
	records_free(r);
}

/* Each bad line and a piece of text its message must contain. */
static const struct {
	const char *line;
	const char *want;
} bad_json[] = {
    {"{\"event_id\":\"e\",", "not valid JSON"},
    {"[1,2]", "not a JSON object"},
    {"\"hello\"", "not a JSON object"},
    {"{\"type\":\"case\",\"event_id\":\"e\"}", "field 'type'"},
    {"{\"type\":7}", "field 'type': expected a string"},
    {"{\"event_id\":12,\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "field 'event_id': expected a string, got a number"},
    {"{\"event_id\":\"e\",\"office\":true,\"dossier\":\"d\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "field 'office': expected a string, got a boolean"},
    {"{\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "missing field 'event_id'"},
    {"{\"event_id\":\"e\",\"dossier\":\"d\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "missing field 'office'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "missing field 'dossier'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"\",\"kind\":\"resolved\",\"at\":\"x\"}",
     "missing field 'dossier'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"at\":\"x\"}",
     "missing field 'kind'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"resolved\"}",
     "missing field 'at'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"lost\",\"at\":\"x\"}",
     "field 'kind': unknown dossier kind 'lost'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"received\",\"channel\":"
     "\"fax\",\"at\":\"x\"}",
     "field 'channel': unknown channel 'fax'"},
    {"{\"event_id\":\"e\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"Received\",\"at\":\"x\"}",
     "unknown dossier kind"},
    {"{\"type\":\"feedback\",\"event_id\":\"e\",\"office\":\"46\",\"kind\":\"received\",\"at\":"
     "\"x\"}",
     "missing field 'feedback'"},
    {"{\"type\":\"feedback\",\"event_id\":\"e\",\"office\":\"46\",\"feedback\":\"f\",\"kind\":"
     "\"extended\",\"at\":\"x\"}",
     "field 'kind': unknown feedback kind 'extended'"},
    {"{\"type\":\"feedback\",\"event_id\":\"e\",\"office\":\"46\",\"feedback\":\"f\",\"kind\":"
     "\"received\",\"topic\":\"weather\",\"at\":\"x\"}",
     "field 'topic': unknown feedback topic 'weather'"},
    {"{\"event_id\":\"a\",\"event_id\":\"b\"}", "duplicate"},
    {"{\"office\":[\"46\"]}", "field 'office': expected a string, got an array"},
    {"{\"office\":{\"code\":\"46\"}}", "field 'office': expected a string, got an object"},
    {"{\"event_id\":\"e\"} {}", "not valid JSON"},
    {"{\"event_id\":\"\xff\"}", "not valid JSON"},
    {"null", "not a JSON object but null"},
    {"{\"event_id\":\"a\\u0000b\",\"office\":\"46\",\"dossier\":\"d\",\"kind\":\"resolved\","
     "\"at\":\"x\"}",
     "not valid JSON"},
};

static void json_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		Cchc__V1__Record *r = (Cchc__V1__Record *)1;
		char err[256] = "";

		assert_int_equal(records_parse_json(bad_json[i].line, &r, err, sizeof err), -1);
		assert_null(r);
		if (!strstr(err, bad_json[i].want))
			fail_msg("line %zu: message '%s' lacks '%s'", i, err, bad_json[i].want);
	}
}

static void fields_ok_and_bad(void **state)
{
	const char *names[] = {"event_id", "office", "feedback", "kind", "topic", "at", "type"};
	const char *values[] = {"e1",      "46", "PAKN-1", "published", "", "2024-01-01T00:00:00Z",
	                        "feedback"};
	Cchc__V1__Record *r = NULL;
	char err[256];

	(void)state;
	assert_int_equal(records_from_fields(names, values, 7, &r, err, sizeof err), 0);
	assert_int_equal(r->feedback->kind, CCHC__V1__FEEDBACK_KIND__FEEDBACK_PUBLISHED);
	assert_false(r->feedback->has_topic);
	records_free(r);
	values[6] = "dosier";
	assert_int_equal(records_from_fields(names, values, 7, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "field 'type': unknown type 'dosier'"));
	records_free(NULL);
}

/* Reads all of `text` with a reader; returns the number of items, copying the first few. */
typedef struct seen {
	unsigned long line;
	int ok;
	char text[512];
	char error[256];
	char event_id[64];
} seen;

static int read_all(const char *text, const char *name, records_format fmt, seen *out, int max,
                    records_format *detected, int *fatal, char *ferr, size_t ferrlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	records_reader *rd = NULL;
	records_item it;
	int n = 0, rc;

	assert_non_null(f);
	*fatal = 0;
	assert_int_equal(records_reader_open(f, name, fmt, &rd, ferr, ferrlen), 0);
	if (detected)
		*detected = records_reader_format(rd);
	while ((rc = records_reader_next(rd, &it, ferr, ferrlen)) == 1) {
		if (n < max) {
			out[n].line = it.line;
			out[n].ok = it.record != NULL;
			snprintf(out[n].text, sizeof out[n].text, "%s", it.text);
			snprintf(out[n].error, sizeof out[n].error, "%s", it.error);
			out[n].event_id[0] = '\0';
			if (it.record)
				snprintf(out[n].event_id, sizeof out[n].event_id, "%s",
				         it.record->event_case == CCHC__V1__RECORD__EVENT_DOSSIER
				             ? it.record->dossier->event_id
				             : it.record->feedback->event_id);
		}
		n++;
		records_item_clear(&it);
	}
	if (rc < 0)
		*fatal = 1;
	records_reader_close(rd);
	fclose(f);
	return n;
}

static void reader_jsonl(void **state)
{
	const char *text = "\n" DOSSIER_LINE "\r\n"
	                   "   \n"
	                   "{\"kind\":\"nope\"}\n" FEEDBACK_LINE; /* no final newline */
	seen s[8];
	records_format fmt;
	int fatal;
	char err[256];

	(void)state;
	assert_int_equal(read_all(text, "x.txt", RECORDS_AUTO, s, 8, &fmt, &fatal, err, sizeof err),
	                 3);
	assert_false(fatal);
	assert_int_equal(fmt, RECORDS_JSONL);
	assert_int_equal(s[0].line, 2);
	assert_true(s[0].ok);
	assert_string_equal(s[0].text, DOSSIER_LINE);
	assert_int_equal(s[1].line, 4);
	assert_false(s[1].ok);
	assert_string_equal(s[1].text, "{\"kind\":\"nope\"}");
	assert_non_null(strstr(s[1].error, "missing field"));
	assert_int_equal(s[2].line, 5);
	assert_true(s[2].ok);
	assert_string_equal(s[2].event_id, "46-pakn-9-1");
}

static void reader_csv(void **state)
{
	const char *text =
	    "\xEF\xBB\xBF"
	    "type, event_id ,office,dossier,procedure,field,kind,channel,at,due,"
	    "feedback,topic,note\r\n"
	    "dossier,e1,474,D1,1.001234,hotich,received,online,2024-01-05T08:15:00+07:00,"
	    "2024-01-12T17:00:00+07:00,,,\"a, quoted\"\r\n"
	    "\r\n"
	    "feedback,e2,46,,,,received,,2024-02-01T09:00:00+07:00,,PAKN-9,behavior,"
	    "\"two\nlines\"\n"
	    "dossier,e3,474,D1,,,flying,,2024-01-05T08:15:00+07:00,,,,\n"
	    "dossier,e4,474,D1\n"
	    ",e5,474,D2,,,resolved,,2024-01-05T08:15:00+07:00,,,,\"say \"\"hi\"\"\"";
	seen s[8];
	records_format fmt;
	int fatal;
	char err[256];

	(void)state;
	assert_int_equal(read_all(text, "-", RECORDS_AUTO, s, 8, &fmt, &fatal, err, sizeof err), 5);
	assert_false(fatal);
	assert_int_equal(fmt, RECORDS_CSV);
	assert_int_equal(s[0].line, 2);
	assert_true(s[0].ok);
	assert_string_equal(s[0].event_id, "e1");
	assert_int_equal(s[1].line, 4);
	assert_true(s[1].ok);
	assert_string_equal(
	    s[1].text, "feedback,e2,46,,,,received,,2024-02-01T09:00:00+07:00,,PAKN-9,behavior,"
	               "\"two\nlines\"");
	assert_int_equal(s[2].line, 6);
	assert_false(s[2].ok);
	assert_non_null(strstr(s[2].error, "unknown dossier kind 'flying'"));
	assert_int_equal(s[3].line, 7);
	assert_false(s[3].ok);
	assert_non_null(strstr(s[3].error, "row has 4 fields, the header has 13"));
	assert_int_equal(s[4].line, 8);
	assert_true(s[4].ok); /* empty type: a dossier */
	assert_string_equal(s[4].event_id, "e5");
}

static void reader_csv_without_type_column(void **state)
{
	const char *text = "event_id,office,dossier,kind,at\n"
	                   "e1,19753,D,withdrawn,2024-01-05T08:15:00+07:00\n";
	seen s[2];
	int fatal;
	char err[256];

	(void)state;
	assert_int_equal(
	    read_all(text, "records.CSV", RECORDS_AUTO, s, 2, NULL, &fatal, err, sizeof err), 1);
	assert_true(s[0].ok);
}

static void reader_csv_unclosed_quote(void **state)
{
	const char *text = "event_id,office,dossier,kind,at\n"
	                   "e1,46,D,resolved,x\n"
	                   "e2,46,\"D,resolved,x\n"
	                   "e3,46,D,resolved,x\n";
	seen s[4];
	int fatal;
	char err[256];

	(void)state;
	assert_int_equal(read_all(text, "a.csv", RECORDS_AUTO, s, 4, NULL, &fatal, err, sizeof err),
	                 2);
	assert_false(fatal);
	assert_true(s[0].ok);
	assert_false(s[1].ok);
	assert_int_equal(s[1].line, 3);
	assert_non_null(strstr(s[1].error, "never closes"));
}

static void reader_csv_bad_header(void **state)
{
	seen s[2];
	int fatal;
	char err[256] = "";

	(void)state;
	read_all("a,b,c\n1,2,3\n", "a.csv", RECORDS_AUTO, s, 2, NULL, &fatal, err, sizeof err);
	assert_true(fatal);
	assert_non_null(strstr(err, "line 1: CSV header"));
	read_all("event_id,office,office\n", "a.csv", RECORDS_AUTO, s, 2, NULL, &fatal, err,
	         sizeof err);
	assert_true(fatal);
	assert_non_null(strstr(err, "twice"));
}

static void reader_empty_inputs(void **state)
{
	seen s[1];
	int fatal;
	char err[256];

	(void)state;
	assert_int_equal(read_all("", NULL, RECORDS_AUTO, s, 1, NULL, &fatal, err, sizeof err), 0);
	assert_false(fatal);
	assert_int_equal(
	    read_all("\n\n  \n", NULL, RECORDS_AUTO, s, 1, NULL, &fatal, err, sizeof err), 0);
	assert_int_equal(read_all("event_id,office,dossier,kind,at\n", NULL, RECORDS_CSV, s, 1,
	                          NULL, &fatal, err, sizeof err),
	                 0);
	assert_false(fatal);
}

static void reader_packs_what_it_read(void **state)
{
	/* What the reader makes must survive a protobuf round trip unchanged. */
	Cchc__V1__Record *r = NULL, *back;
	char err[256];
	uint8_t buf[1024];
	size_t n;

	(void)state;
	assert_int_equal(records_parse_json(DOSSIER_LINE, &r, err, sizeof err), 0);
	n = cchc__v1__record__pack(r, buf);
	back = cchc__v1__record__unpack(NULL, n, buf);
	assert_non_null(back);
	assert_string_equal(back->dossier->due, r->dossier->due);
	assert_int_equal(back->dossier->channel, CCHC__V1__CHANNEL__ONLINE);
	cchc__v1__record__free_unpacked(back, NULL);
	records_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_dossier_ok),
	    cmocka_unit_test(json_feedback_ok),
	    cmocka_unit_test(json_every_kind),
	    cmocka_unit_test(json_unknown_keys_and_null_ignored),
	    cmocka_unit_test(json_bad_lines),
	    cmocka_unit_test(fields_ok_and_bad),
	    cmocka_unit_test(reader_jsonl),
	    cmocka_unit_test(ratings_both_formats),
	    cmocka_unit_test(reader_csv),
	    cmocka_unit_test(reader_csv_without_type_column),
	    cmocka_unit_test(reader_csv_unclosed_quote),
	    cmocka_unit_test(reader_csv_bad_header),
	    cmocka_unit_test(reader_empty_inputs),
	    cmocka_unit_test(reader_packs_what_it_read),
	};

	return cmocka_run_group_tests_name("records", tests, NULL, NULL);
}

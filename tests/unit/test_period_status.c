/* Unit tests of `cchc period status` without a server (docs/design.md §13): the reporting rate by
 * level (period_status_tally: who counts where, the rounding of vnfmt_percent_x100), the local
 * times it prints, and the text and json layouts of a hand-made reply (silent offices first and
 * marked, the three level keys always in the json, a level the scope lacks left out of the text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "period.h"
#include "period_cli.h"
#include "service.h"
#include "stats_period_status.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2023-03-15T00:00:00+07:00, the end of 2023-Q1 */
#define CUTOFF_MS 1678813200000LL

/* An office whose last event arrived at 09:05 the day after the cut-off, when it sent any. */
#define OFFICE(c, n, lv, ev, lt)                                                                   \
	{                                                                                          \
		.base = PROTOBUF_C_MESSAGE_INIT(&cchc__v1__period_office__descriptor),             \
		.code = (char *)(c), .name = (char *)(n), .has_level = 1, .level = (lv),           \
		.has_events = 1, .events = (ev), .has_last_stored_ms = (ev) > 0,                   \
		.last_stored_ms = (ev) > 0 ? CUTOFF_MS + 3600000 * 9 + 60000 * 5 : 0,              \
		.has_late = 1, .late = (lt),                                                       \
	}

static void test_tally(void **state)
{
	(void)state;
	Cchc__V1__PeriodOffice o[] = {
	    OFFICE("480", "Thị xã Hương Trà", 2, 0, 0),
	    OFFICE("19996", "Phường Tứ Hạ", 3, 41, 41),
	    OFFICE("20005", "Xã Hương Toàn", 3, 0, 0),
	    OFFICE("20008", "Phường Hương Vân", 3, 3, 1),
	    OFFICE("20011", "Phường Hương Văn", 3, 1, 0),
	    OFFICE("99", "Cấp lạ", 7, 2, 2),
	};
	Cchc__V1__PeriodOffice *p[sizeof o / sizeof o[0]];
	period_tally t[PERIOD_LEVELS];

	for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
		p[i] = &o[i];
	period_status_tally(p, sizeof o / sizeof o[0], t);
	/* all: every office, the unknown level too */
	assert_int_equal(t[0].expected, 6);
	assert_int_equal(t[0].sent, 4);
	assert_int_equal(t[0].events, 47);
	assert_int_equal(t[0].late, 44);
	assert_int_equal(t[0].rate_x100, 6667); /* 66,666… rounds up */
	assert_int_equal(t[1].expected, 0);     /* no province office: 0, not a division by 0 */
	assert_int_equal(t[1].rate_x100, 0);
	assert_int_equal(t[2].expected, 1);
	assert_int_equal(t[2].sent, 0);
	assert_int_equal(t[2].rate_x100, 0);
	assert_int_equal(t[3].expected, 4);
	assert_int_equal(t[3].sent, 3);
	assert_int_equal(t[3].events, 45);
	assert_int_equal(t[3].late, 42);
	assert_int_equal(t[3].rate_x100, 7500);

	/* 1 of 3 rounds down, 2 of 3 up, none at all is 0 */
	Cchc__V1__PeriodOffice *third[] = {&o[0], &o[2], &o[4]}; /* 480, 20005 silent; 20011 sent */
	period_status_tally(third, 3, t);
	assert_int_equal(t[0].rate_x100, 3333);
	period_status_tally(p + 2, 3, t); /* 20005 silent, 20008 and 20011 sent */
	assert_int_equal(t[3].rate_x100, 6667);
	period_status_tally(p, 0, t);
	assert_int_equal(t[0].expected, 0);
	assert_int_equal(t[0].rate_x100, 0);
}

static void test_time(void **state)
{
	(void)state;
	char b[40], small[16];
	assert_int_equal(period_cli_time(CUTOFF_MS, 0, b, sizeof b), 0);
	assert_string_equal(b, "15/03/2023 00:00");
	assert_int_equal(period_cli_time(CUTOFF_MS, 1, b, sizeof b), 0);
	assert_string_equal(b, "2023-03-15T00:00:00+07:00");
	assert_int_equal(period_cli_time(CUTOFF_MS - 1, 0, b, sizeof b), 0);
	assert_string_equal(b, "14/03/2023 23:59"); /* the last second of the period */
	assert_int_equal(period_cli_time(CUTOFF_MS + 59999, 1, b, sizeof b), 0);
	assert_string_equal(b, "2023-03-15T00:00:59+07:00");
	assert_int_equal(period_cli_time(CUTOFF_MS, 1, small, sizeof small), -1);
	assert_string_equal(small, "");
}

/* A reply as stats sends it for 2023-Q1, scope 480: by level, then code. */
typedef struct fixture {
	Cchc__V1__PeriodOffice o[4];
	Cchc__V1__PeriodOffice *op[4];
	Cchc__V1__PeriodRate r[3];
	Cchc__V1__PeriodRate *rp[3];
	Cchc__V1__PeriodStatusReply reply;
	period p;
} fixture;

static void fixture_init(fixture *f, int all_sent)
{
	static const Cchc__V1__PeriodOffice o[] = {
	    OFFICE("480", "Thị xã Hương Trà", 2, 0, 0),
	    OFFICE("19996", "Phường Tứ Hạ", 3, 1234, 1234),
	    OFFICE("20005", "Xã Hương Toàn", 3, 0, 0),
	    OFFICE("20008", "Phường Hương Vân", 3, 5, 0),
	};
	period_tally t[PERIOD_LEVELS];
	static const char *const keys[] = {"all", "district", "commune"};
	static const int levels[] = {0, 2, 3};
	char err[128];

	memset(f, 0, sizeof *f);
	for (int i = 0; i < 4; i++) {
		f->o[i] = o[i];
		if (all_sent && !f->o[i].events) {
			f->o[i].events = 1;
			f->o[i].has_last_stored_ms = 1;
			f->o[i].last_stored_ms = CUTOFF_MS - 86400000;
		}
		f->op[i] = &f->o[i];
	}
	period_status_tally(f->op, 4, t);
	for (int k = 0; k < 3; k++) {
		const period_tally *x = &t[levels[k]];
		cchc__v1__period_rate__init(&f->r[k]);
		f->r[k].level = (char *)keys[k];
		f->r[k].has_expected = f->r[k].has_sent = f->r[k].has_rate_x100 = 1;
		f->r[k].has_events = f->r[k].has_late = 1;
		f->r[k].expected = x->expected;
		f->r[k].sent = x->sent;
		f->r[k].rate_x100 = x->rate_x100;
		f->r[k].events = x->events;
		f->r[k].late = x->late;
		f->rp[k] = &f->r[k];
	}
	cchc__v1__period_status_reply__init(&f->reply);
	f->reply.has_ok = f->reply.ok = 1;
	f->reply.n_offices = 4;
	f->reply.offices = f->op;
	f->reply.n_rates = 3;
	f->reply.rates = f->rp;
	assert_int_equal(period_parse("2023-Q1", &f->p, err, sizeof err), 0);
}

/* What a renderer writes, NUL-terminated (the caller frees it). */
static char *render(int json, const fixture *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	assert_int_equal(json ? period_cli_status_json(m, &f->p, "480", &f->reply)
	                      : period_cli_status_text(m, &f->p, "480", &f->reply),
	                 0);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* The line of text holding needle (failing the test when there is none); a needle that starts
 * with a newline names the line after it. */
static const char *line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	assert_non_null(at);
	if (*at == '\n') /* a needle that starts a line */
		return at + 1;
	while (at > text && at[-1] != '\n')
		at--;
	return at;
}

/* Whether the line that starts at `line` holds needle. */
static int in_line(const char *line, const char *needle)
{
	const char *at = strstr(line, needle), *end = strchr(line, '\n');
	return at && (!end || at < end);
}

static void test_text(void **state)
{
	(void)state;
	fixture f;
	fixture_init(&f, 0);
	char *t = render(0, &f);

	assert_non_null(strstr(t, "Tình hình gửi số liệu quý I năm 2023\n"));
	assert_non_null(strstr(t, "Phạm vi: Thị xã Hương Trà (480)\n"));
	assert_non_null(strstr(t, "từ ngày 15/12/2022 đến ngày 14/03/2023"));
	assert_non_null(strstr(t, "Chưa gửi số liệu: 2/4 đơn vị"));
	const char *head = line_of(t, "\nMã     Đơn vị");
	assert_true(in_line(head, "Số sự kiện trong kỳ") && in_line(head, "Lần gửi cuối"));
	assert_true(in_line(head, "Gửi sau ngày chốt số liệu  Tình trạng\n"));
	/* the silent offices first, in stats' order, then the others */
	const char *l480 = line_of(t, "\n480    "), *l20005 = line_of(t, "\n20005  ");
	const char *l19996 = line_of(t, "\n19996  "), *l20008 = line_of(t, "\n20008  ");
	assert_true(head < l480 && l480 < l20005 && l20005 < l19996 && l19996 < l20008);
	assert_true(in_line(l480, "Thị xã Hương Trà  Cấp huyện "));
	assert_true(in_line(l480, "  -  ") && in_line(l480, "Chưa gửi\n"));
	assert_true(in_line(l20005, "Chưa gửi\n"));
	/* counts with the thousands dot, the last arrival in local time */
	assert_true(in_line(l19996, "1.234  15/03/2023 09:05"));
	assert_true(in_line(l19996, "1.234  Đã gửi\n"));
	assert_true(in_line(l20008, "Đã gửi\n"));
	/* rates: the scope has no province level, so no row for it */
	assert_null(strstr(t, "Cấp tỉnh"));
	assert_non_null(strstr(t, "Tỷ lệ đơn vị đã gửi số liệu"));
	assert_non_null(strstr(t, "\nCấp huyện       0         1    0,00%\n"));
	assert_non_null(strstr(t, "\nCấp xã          2         3   66,67%\n"));
	assert_non_null(strstr(t, "\nTổng cộng       2         4   50,00%\n"));
	assert_non_null(
	    strstr(t, "Gửi sau ngày chốt số liệu: 1.234 sự kiện trong kỳ, của 1 đơn vị"));
	free(t);

	fixture_init(&f, 1);
	f.o[1].late = f.r[0].late = 0;
	t = render(0, &f);
	assert_non_null(strstr(t, "Tất cả 4 đơn vị đã gửi số liệu trong kỳ.\n"));
	assert_null(strstr(t, "Chưa gửi\n"));
	assert_non_null(strstr(t, "Gửi sau ngày chốt số liệu: không có\n"));
	assert_int_equal(period_cli_status_exit(&f.reply), 0);
	free(t);
}

static void test_json(void **state)
{
	(void)state;
	fixture f;
	json_error_t e;
	fixture_init(&f, 0);
	char *t = render(1, &f);
	json_t *j = json_loads(t, 0, &e);

	assert_non_null(j);
	assert_int_equal(period_cli_status_exit(&f.reply), 1);
	assert_string_equal(json_string_value(json_object_get(j, "cutoff")),
	                    "2023-03-15T00:00:00+07:00");
	json_t *per = json_object_get(j, "period"), *sc = json_object_get(j, "scope");
	assert_string_equal(json_string_value(json_object_get(per, "from")), "2022-12-15");
	assert_string_equal(json_string_value(json_object_get(per, "to")), "2023-03-14");
	assert_string_equal(json_string_value(json_object_get(sc, "name")), "Thị xã Hương Trà");
	json_t *silent = json_object_get(j, "silent");
	assert_int_equal(json_array_size(silent), 2);
	assert_string_equal(json_string_value(json_array_get(silent, 0)), "480");
	assert_string_equal(json_string_value(json_array_get(silent, 1)), "20005");
	json_t *offices = json_object_get(j, "offices");
	assert_int_equal(json_array_size(offices), 4);
	json_t *o0 = json_array_get(offices, 0), *o1 = json_array_get(offices, 1);
	assert_true(json_is_null(json_object_get(o0, "last_stored")));
	assert_true(json_is_true(json_object_get(o0, "silent")));
	assert_int_equal(json_integer_value(json_object_get(o0, "level")), 2);
	assert_string_equal(json_string_value(json_object_get(o1, "last_stored")),
	                    "2023-03-15T09:05:00+07:00");
	assert_int_equal(json_integer_value(json_object_get(o1, "events")), 1234);
	assert_true(json_is_false(json_object_get(o1, "silent")));
	json_t *rr = json_object_get(j, "reporting_rate");
	json_t *prov = json_object_get(rr, "province"), *com = json_object_get(rr, "commune");
	assert_non_null(prov); /* always there, zeros for a level the scope lacks */
	assert_int_equal(json_integer_value(json_object_get(prov, "expected")), 0);
	assert_true(json_real_value(json_object_get(com, "rate")) == 66.67);
	assert_int_equal(json_integer_value(json_object_get(com, "sent")), 2);
	json_t *levels = json_object_get(rr, "levels");
	assert_int_equal(json_array_size(levels), 2);
	assert_string_equal(json_string_value(json_array_get(levels, 0)), "district");
	assert_string_equal(json_string_value(json_array_get(levels, 1)), "commune");
	json_t *late = json_object_get(j, "late");
	assert_int_equal(json_integer_value(json_object_get(late, "events")), 1234);
	assert_int_equal(json_integer_value(json_object_get(late, "offices")), 1);
	/* the text prints the rate as 66,67%: the same number */
	assert_non_null(strstr(t, "\"rate\": 66.67"));
	json_decref(j);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tally),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_json),
	};
	service_set_timezone("Asia/Ho_Chi_Minh");
	return cmocka_run_group_tests_name("period_status", tests, NULL, NULL);
}

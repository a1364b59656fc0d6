/* Unit tests of ingest's validation (every error code) and of Ed25519 signing, key files and the
 * sources file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth.h"
#include "service.h"
#include "units.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static units *reg;

static int setup(void **state)
{
	(void)state;
	char err[512];
	service_set_timezone("Asia/Ho_Chi_Minh");
	assert_int_equal(auth_init(), 0);
	return units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	units_free(reg);
	return 0;
}

static char *grant_46[] = {"46"};
static char *grant_474[] = {"474"};

static auth_source source_with(char **grants, size_t n)
{
	auth_source s;
	memset(&s, 0, sizeof s);
	snprintf(s.name, sizeof s.name, "test");
	s.grants = grants;
	s.ngrants = n;
	return s;
}

/* A valid `received` event; tests break one thing at a time. */
static void good_dossier(Cchc__V1__Record *r, Cchc__V1__DossierEvent *e)
{
	cchc__v1__record__init(r);
	cchc__v1__dossier_event__init(e);
	r->event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
	r->dossier = e;
	e->event_id = "474-000123-1";
	e->office = "19753";
	e->dossier = "000.00.22.H57-240105-0001";
	e->procedure = "1.001234";
	e->field = "hotich";
	e->has_kind = 1;
	e->kind = CCHC__V1__DOSSIER_KIND__RECEIVED;
	e->has_channel = 1;
	e->channel = CCHC__V1__CHANNEL__ONLINE;
	e->at = "2024-01-05T08:15:00+07:00";
	e->due = "2024-01-12T17:00:00+07:00";
}

static const char *verdict(const Cchc__V1__Record *r, const auth_source *src, char *msg)
{
	static char code[VALIDATE_CODE_MAX];
	code[0] = '\0';
	if (validate_record(r, reg, src, code, msg, 512) == 0)
		return "ok";
	assert_true(strlen(msg) > 0);
	return code;
}

static void test_valid_records(void **state)
{
	(void)state;
	Cchc__V1__Record r;
	Cchc__V1__DossierEvent e;
	char msg[512];
	auth_source src = source_with(grant_46, 1);
	good_dossier(&r, &e);
	assert_string_equal(verdict(&r, &src, msg), "ok");
	e.kind =
	    CCHC__V1__DOSSIER_KIND__DELIVERED; /* other kinds need no due, channel, procedure */
	e.due = NULL;
	e.has_channel = 0;
	e.procedure = NULL;
	e.field = NULL;
	assert_string_equal(verdict(&r, &src, msg), "ok");

	Cchc__V1__FeedbackEvent f = CCHC__V1__FEEDBACK_EVENT__INIT;
	Cchc__V1__Record rf = CCHC__V1__RECORD__INIT;
	rf.event_case = CCHC__V1__RECORD__EVENT_FEEDBACK;
	rf.feedback = &f;
	f.event_id = "46-pakn-9-1";
	f.office = "46";
	f.feedback = "PAKN-2024-0009";
	f.has_kind = 1;
	f.kind = CCHC__V1__FEEDBACK_KIND__FEEDBACK_RECEIVED;
	f.has_topic = 1;
	f.topic = CCHC__V1__FEEDBACK_TOPIC__REGULATION;
	f.at = "2024-02-01T09:00:00+07:00";
	assert_string_equal(verdict(&rf, &src, msg), "ok");
	f.has_topic = 0;
	assert_string_equal(verdict(&rf, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "topic"));
}

static void test_every_error_code(void **state)
{
	(void)state;
	Cchc__V1__Record r;
	Cchc__V1__DossierEvent e;
	char msg[512];
	auth_source src = source_with(grant_46, 1);

	good_dossier(&r, &e);
	e.event_id = NULL;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "event_id"));

	good_dossier(&r, &e);
	e.event_id = "this-event-id-is-far-too-long-for-the-contract-which-allows-64-characters";
	assert_string_equal(verdict(&r, &src, msg), "too_large");

	good_dossier(&r, &e);
	e.dossier = "has space";
	assert_string_equal(verdict(&r, &src, msg), "bad_field");

	good_dossier(&r, &e);
	e.kind = 42;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "kind"));

	good_dossier(&r, &e);
	e.has_channel = 0;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "channel"));

	good_dossier(&r, &e);
	e.at = "2024-01-05 08:15";
	assert_string_equal(verdict(&r, &src, msg), "bad_time");
	assert_non_null(strstr(msg, "at"));

	good_dossier(&r, &e);
	e.due = NULL;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "due"));

	good_dossier(&r, &e);
	e.due = "2024-01-04T17:00:00+07:00";
	assert_string_equal(verdict(&r, &src, msg), "due_before_received");

	good_dossier(&r, &e);
	e.office = "99999";
	assert_string_equal(verdict(&r, &src, msg), "unknown_office");
	assert_non_null(strstr(msg, "99999"));

	/* 474 (a district) was abolished in 07/2025: unknown at that time */
	good_dossier(&r, &e);
	e.office = "474";
	e.at = "2025-08-01T08:00:00+07:00";
	e.due = "2025-08-05T08:00:00+07:00";
	assert_string_equal(verdict(&r, &src, msg), "unknown_office");

	Cchc__V1__Record empty = CCHC__V1__RECORD__INIT;
	assert_string_equal(verdict(&empty, &src, msg), "bad_field");
}

/* docs/design.md §16: `rated` needs a rating, no other kind may carry one, and the message names
 * the record (its event and dossier). */
static void test_ratings(void **state)
{
	(void)state;
	Cchc__V1__Record r;
	Cchc__V1__DossierEvent e;
	char msg[512];
	auth_source src = source_with(grant_46, 1);

	good_dossier(&r, &e);
	e.kind = CCHC__V1__DOSSIER_KIND__RATED;
	e.due = NULL;
	e.has_channel = 0;
	e.procedure = NULL;
	e.field = NULL;
	e.has_rating = 1;
	e.rating = CCHC__V1__RATING__UNSATISFIED;
	assert_string_equal(verdict(&r, &src, msg), "ok");
	e.rating = CCHC__V1__RATING__VERY_SATISFIED;
	assert_string_equal(verdict(&r, &src, msg), "ok");

	e.has_rating = 0; /* rated without a rating */
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "rating is missing"));
	assert_non_null(strstr(msg, "474-000123-1"));
	assert_non_null(strstr(msg, "000.00.22.H57-240105-0001"));

	e.has_rating = 1; /* a value outside the scale */
	e.rating = 4;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "474-000123-1"));
	e.rating = 0;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");

	good_dossier(&r, &e); /* a rating on another kind */
	e.has_rating = 1;
	e.rating = CCHC__V1__RATING__SATISFIED;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "rated event only, not on received"));
	assert_non_null(strstr(msg, "474-000123-1"));
	e.kind = CCHC__V1__DOSSIER_KIND__RESOLVED;
	e.due = NULL;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
	assert_non_null(strstr(msg, "not on resolved"));

	good_dossier(&r, &e); /* the kind after `rated` is no kind */
	e.kind = CCHC__V1__DOSSIER_KIND__RATED + 1;
	assert_string_equal(verdict(&r, &src, msg), "bad_field");
}

static void test_grants(void **state)
{
	(void)state;
	Cchc__V1__Record r;
	Cchc__V1__DossierEvent e;
	char msg[512];
	auth_source district = source_with(grant_474, 1);
	good_dossier(&r, &e);
	assert_string_equal(verdict(&r, &district, msg), "ok"); /* 19753 lies under 474 */
	e.office = "474";
	assert_string_equal(verdict(&r, &district, msg), "ok");
	e.office = "46";
	assert_string_equal(verdict(&r, &district, msg), "not_authorized");
	assert_non_null(strstr(msg, "46"));
	e.office = "476";
	assert_string_equal(verdict(&r, &district, msg), "not_authorized");
}

static void test_sign_verify(void **state)
{
	(void)state;
	uint8_t pk[AUTH_PUBLIC_KEY_BYTES], sk[AUTH_SECRET_KEY_BYTES], sig[AUTH_SIGNATURE_BYTES];
	uint8_t pk2[AUTH_PUBLIC_KEY_BYTES], sk2[AUTH_SECRET_KEY_BYTES];
	const uint8_t msg[] = "batch bytes";
	assert_int_equal(auth_keypair(pk, sk), 0);
	assert_int_equal(auth_keypair(pk2, sk2), 0);
	auth_sign(msg, sizeof msg, sk, sig);
	assert_int_equal(auth_verify(msg, sizeof msg, sig, sizeof sig, pk), 0);
	assert_int_equal(auth_verify(msg, sizeof msg, sig, sizeof sig, pk2), -1);
	assert_int_equal(auth_verify(msg, sizeof msg - 1, sig, sizeof sig, pk), -1);
	assert_int_equal(auth_verify(msg, sizeof msg, sig, sizeof sig - 1, pk), -1);
	sig[3] ^= 1;
	assert_int_equal(auth_verify(msg, sizeof msg, sig, sizeof sig, pk), -1);
}

static void test_key_files_and_sources(void **state)
{
	(void)state;
	uint8_t pk[AUTH_PUBLIC_KEY_BYTES], sk[AUTH_SECRET_KEY_BYTES], back[AUTH_SECRET_KEY_BYTES];
	char dir[] = "/tmp/cchc-auth-XXXXXX", path[256], err[512];
	assert_non_null(mkdtemp(dir));
	assert_int_equal(auth_keypair(pk, sk), 0);
	snprintf(path, sizeof path, "%s/dev.key", dir);
	assert_int_equal(auth_write_key(path, sk, sizeof sk, 1, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(auth_read_secret_key(path, back, err, sizeof err), 0);
	assert_memory_equal(sk, back, sizeof sk);

	FILE *f = fopen(path, "w"); /* an empty key is refused */
	fclose(f);
	assert_int_equal(auth_read_secret_key(path, back, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty"));
	f = fopen(path, "w");
	fputs("abcd\n", f);
	fclose(f);
	assert_int_equal(auth_read_secret_key(path, back, err, sizeof err), -1);

	char hex[2 * AUTH_PUBLIC_KEY_BYTES + 1];
	auth_hex_encode(pk, sizeof pk, hex);
	snprintf(path, sizeof path, "%s/sources", dir);
	f = fopen(path, "w");
	fprintf(f, "# name key grants\ndev %s 46\nhue %s 474,475\n", hex, hex);
	fclose(f);
	auth_sources *s;
	assert_int_equal(auth_sources_load(path, &s, err, sizeof err), 0);
	const auth_source *hue = auth_sources_find(s, "hue");
	assert_non_null(hue);
	assert_int_equal(hue->ngrants, 2);
	assert_string_equal(hue->grants[1], "475");
	assert_memory_equal(hue->public_key, pk, sizeof pk);
	assert_null(auth_sources_find(s, "nobody"));
	auth_sources_free(s);

	f = fopen(path, "w"); /* a duplicate name and a short key are refused, naming the line */
	fprintf(f, "dev %s 46\ndev %s 46\n", hex, hex);
	fclose(f);
	assert_int_equal(auth_sources_load(path, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, ":2:"));
	f = fopen(path, "w");
	fprintf(f, "dev abcdef 46\n");
	fclose(f);
	assert_int_equal(auth_sources_load(path, &s, err, sizeof err), -1);
	assert_non_null(strstr(err, ":1:"));
	unlink(path);
	snprintf(path, sizeof path, "%s/dev.key", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_records), cmocka_unit_test(test_every_error_code),
	    cmocka_unit_test(test_ratings),       cmocka_unit_test(test_grants),
	    cmocka_unit_test(test_sign_verify),   cmocka_unit_test(test_key_files_and_sources),
	};
	return cmocka_run_group_tests_name("validate", tests, setup, teardown);
}

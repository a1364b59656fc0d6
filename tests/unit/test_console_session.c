/* Unit tests of console_session (docs/design.md §14) on a clock the test drives: sessions end
 * after their idle and absolute limits, the one unused longest makes room when the store is
 * full, a user's sessions end together, CSRF tokens match only exactly; failed logins slow the
 * answer, lock a user after five and an address after twenty, and the lock ends on time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include "console_session.h"

#include <stdio.h>
#include <string.h>

#define MIN (60 * 1000LL)

static void test_sessions_expire(void **state)
{
	(void)state;
	session_store *s = session_store_new(30 * MIN, 12 * 60 * MIN, 8);
	assert_non_null(s);
	session_info a, b, got;
	assert_int_equal(session_create(s, "canbo", "officer", "474", 7, 0, &a), 0);
	assert_int_equal(strlen(a.id), SESSION_ID_CHARS);
	assert_int_equal(strlen(a.csrf), SESSION_ID_CHARS);
	assert_string_not_equal(a.id, a.csrf);
	assert_int_equal(session_create(s, "canbo", "officer", "474", 7, 0, &b), 0);
	assert_string_not_equal(a.id, b.id);
	assert_int_equal(session_get(s, a.id, 29 * MIN, &got), 0);
	assert_string_equal(got.user, "canbo");
	assert_string_equal(got.role, "officer");
	assert_string_equal(got.scope, "474");
	assert_int_equal(got.account_ms, 7);
	assert_string_equal(got.csrf, a.csrf);
	/* used at 29 min: alive at 58, gone after 30 idle minutes */
	assert_int_equal(session_get(s, a.id, 58 * MIN, &got), 0);
	assert_int_equal(session_get(s, b.id, 31 * MIN, &got), -1);
	assert_int_equal(session_get(s, a.id, 89 * MIN, &got), -1);
	/* used every 20 minutes, it still ends 12 hours after sign-in */
	session_info c;
	assert_int_equal(session_create(s, "xem", "viewer", "", 0, 0, &c), 0);
	int64_t t = 0;
	for (; t < 12 * 60 * MIN - 20 * MIN; t += 20 * MIN)
		assert_int_equal(session_get(s, c.id, t, &got), 0);
	assert_int_equal(session_get(s, c.id, 12 * 60 * MIN, &got), -1);
	/* an unknown, short or empty id */
	assert_int_equal(session_get(s, "00", 0, &got), -1);
	assert_int_equal(session_get(s, NULL, 0, &got), -1);
	session_store_free(s);
}

static void test_sessions_full_and_dropped(void **state)
{
	(void)state;
	session_store *s = session_store_new(30 * MIN, 12 * 60 * MIN, 3);
	session_info x[4], got;
	for (int i = 0; i < 3; i++)
		assert_int_equal(session_create(s, i == 2 ? "b" : "a", "viewer", "", 0, i, &x[i]),
		                 0);
	assert_int_equal(session_get(s, x[0].id, 10, &got), 0); /* x[1] is now unused longest */
	assert_int_equal(session_create(s, "c", "viewer", "", 0, 11, &x[3]), 0);
	assert_int_equal(session_get(s, x[1].id, 12, &got), -1);
	assert_int_equal(session_get(s, x[0].id, 12, &got), 0);
	assert_int_equal(session_get(s, x[3].id, 12, &got), 0);
	session_drop_user(s, "a");
	assert_int_equal(session_get(s, x[0].id, 13, &got), -1);
	assert_int_equal(session_get(s, x[2].id, 13, &got), 0);
	session_drop(s, x[2].id);
	assert_int_equal(session_get(s, x[2].id, 14, &got), -1);
	assert_int_equal(session_get(s, x[3].id, 14, &got), 0);
	session_store_free(s);
}

static void test_csrf(void **state)
{
	(void)state;
	char t[SESSION_ID_CHARS + 1], u[SESSION_ID_CHARS + 1];
	csrf_token_new(t);
	csrf_token_new(u);
	assert_string_not_equal(t, u);
	assert_true(csrf_ok(t, t));
	assert_false(csrf_ok(t, u));
	char near[SESSION_ID_CHARS + 1];
	memcpy(near, t, sizeof near);
	near[SESSION_ID_CHARS - 1] = near[SESSION_ID_CHARS - 1] == 'a' ? 'b' : 'a';
	assert_false(csrf_ok(t, near));
	near[SESSION_ID_CHARS - 1] = '\0'; /* a prefix */
	assert_false(csrf_ok(t, near));
	assert_false(csrf_ok(t, ""));
	assert_false(csrf_ok(t, NULL));
	assert_false(csrf_ok(NULL, t));
	assert_false(csrf_ok("", ""));
}

static void test_user_lock(void **state)
{
	(void)state;
	login_limits lim = {.user_failures = 5,
	                    .address_failures = 20,
	                    .lock_ms = 15 * MIN,
	                    .delay_step_ms = 200,
	                    .delay_max_ms = 2000};
	login_limiter *l = login_limiter_new(&lim);
	assert_non_null(l);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(login_locked_ms(l, "khoa", "10.0.0.1", i), 0);
		assert_int_equal(login_failed(l, "khoa", "10.0.0.1", i),
		                 200 * i); /* slower each time */
	}
	assert_int_equal(login_locked_ms(l, "khoa", "10.0.0.1", 10), 0);
	login_failed(l, "khoa", "10.0.0.1", 10); /* the fifth */
	assert_int_equal(login_locked_ms(l, "khoa", "10.0.0.1", 10), 15 * MIN);
	/* from any address; another user from the same address is not locked */
	assert_int_equal(login_locked_ms(l, "khoa", "10.9.9.9", 10 + MIN), 14 * MIN);
	assert_int_equal(login_locked_ms(l, "canbo", "10.0.0.1", 10 + MIN), 0);
	/* a success while locked does not unlock */
	login_succeeded(l, "khoa", "10.0.0.1", 11);
	assert_true(login_locked_ms(l, "khoa", "10.0.0.1", 12) > 0);
	/* the lock ends on time, and counting starts again */
	assert_int_equal(login_locked_ms(l, "khoa", "10.0.0.1", 10 + 15 * MIN), 0);
	login_failed(l, "khoa", "10.0.0.2", 10 + 15 * MIN);
	assert_int_equal(login_locked_ms(l, "khoa", "10.0.0.2", 11 + 15 * MIN), 0);
	login_limiter_free(l);
}

static void test_success_resets_and_address_lock(void **state)
{
	(void)state;
	login_limits lim = {.user_failures = 5,
	                    .address_failures = 20,
	                    .lock_ms = 15 * MIN,
	                    .delay_step_ms = 200,
	                    .delay_max_ms = 2000};
	login_limiter *l = login_limiter_new(&lim);
	for (int i = 0; i < 4; i++)
		login_failed(l, "canbo", "10.0.0.5", i);
	login_succeeded(l, "canbo", "10.0.0.5", 5);
	for (int i = 0; i < 4; i++)
		login_failed(l, "canbo", "10.0.0.6", 10 + i);
	assert_int_equal(login_locked_ms(l, "canbo", "10.0.0.6", 20), 0); /* 4 since the success */
	/* one address trying many names is locked at twenty, whatever the name */
	char name[16];
	int64_t delay = 0;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "u%d", i);
		delay = login_failed(l, name, "10.6.6.6", 100 + i);
	}
	assert_int_equal(delay, 2000); /* capped */
	assert_int_equal(login_locked_ms(l, "ai-do", "10.6.6.6", 200), 15 * MIN - 81);
	assert_int_equal(login_locked_ms(l, "ai-do", "10.6.6.7", 200), 0);
	login_limiter_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sessions_expire),
	    cmocka_unit_test(test_sessions_full_and_dropped),
	    cmocka_unit_test(test_csrf),
	    cmocka_unit_test(test_user_lock),
	    cmocka_unit_test(test_success_resets_and_address_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

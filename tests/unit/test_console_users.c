/* test_console_users: the console's accounts. Without a server: the rules for names, roles, scopes
 * and passwords (lib/accounts.c), and console_user_password_ok (services/export/console_users.c)
 * for a right and a wrong password, a disabled account, and an unknown name, which must verify
 * the dummy hash and so take as long as a known one. With PostgreSQL (as test_store: a schema of
 * its own in $CCHC_TEST_PGURL or the stack of $CCHC_CONF): the real stats handler behind an
 * inproc:// socket, reached the way the console reaches it (console_user_add, _lookup, _list,
 * _set_disabled, _passwd, console_audit), every refusal, and the audit chain afterwards,
 * including entries written before migration 012. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "accounts.h"
#include "console_users.h"
#include "scratch_db.h"
#include "service.h"
#include "stats_audit.h"
#include "stats_db_units.h"
#include "stats_migrations.h"
#include "stats_users.h"
#include "units.h"

/* ---- the rules ---- */

static void test_name_rules(void **st)
{
	char err[256], longest[ACCOUNTS_NAME_MAX + 2];
	(void)st;
	static const char *const good[] = {"a", "0", "admin", "can-bo.474_1", "9x"};
	static const char *const bad[] = {"",    "-a",  ".a",  "_a",   "Admin", "a b",     "nguyễn",
	                                  "a/b", "a:b", "a\n", "a\tb", "ab;c",  "<script>"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(accounts_check_name(good[i], err, sizeof err), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(accounts_check_name(bad[i], err, sizeof err), ACCOUNTS_BAD_NAME);
	assert_int_equal(accounts_check_name(NULL, err, sizeof err), ACCOUNTS_BAD_NAME);
	memset(longest, 'a', ACCOUNTS_NAME_MAX);
	longest[ACCOUNTS_NAME_MAX] = '\0';
	assert_int_equal(accounts_check_name(longest, err, sizeof err), 0);
	longest[ACCOUNTS_NAME_MAX] = 'a';
	longest[ACCOUNTS_NAME_MAX + 1] = '\0';
	assert_int_equal(accounts_check_name(longest, err, sizeof err), ACCOUNTS_BAD_NAME);
	/* a message never carries a control character a name brought */
	assert_int_equal(accounts_check_name("x\033[2J", err, sizeof err), ACCOUNTS_BAD_NAME);
	assert_null(strchr(err, '\033'));
}

static void test_role_and_scope_rules(void **st)
{
	char err[256];
	(void)st;
	assert_int_equal(accounts_check_role("viewer", err, sizeof err), 0);
	assert_int_equal(accounts_check_role("officer", err, sizeof err), 0);
	assert_int_equal(accounts_check_role("admin", err, sizeof err), 0);
	assert_int_equal(accounts_check_role("Admin", err, sizeof err), ACCOUNTS_BAD_ROLE);
	assert_int_equal(accounts_check_role("root", err, sizeof err), ACCOUNTS_BAD_ROLE);
	assert_int_equal(accounts_check_role("", err, sizeof err), ACCOUNTS_BAD_ROLE);
	assert_int_equal(accounts_check_role(NULL, err, sizeof err), ACCOUNTS_BAD_ROLE);
	assert_int_equal(accounts_check_scope("", err, sizeof err), 0);
	assert_int_equal(accounts_check_scope("474", err, sizeof err), 0);
	assert_int_equal(accounts_check_scope("VN", err, sizeof err), 0);
	assert_int_equal(accounts_check_scope("47 4", err, sizeof err), ACCOUNTS_BAD_SCOPE);
	assert_int_equal(accounts_check_scope("474'--", err, sizeof err), ACCOUNTS_BAD_SCOPE);
	assert_int_equal(accounts_check_scope("1234567890123456", err, sizeof err),
	                 ACCOUNTS_BAD_SCOPE);
}

static void test_password_rules(void **st)
{
	char err[256], big[ACCOUNTS_PASSWORD_MAX + 2];
	(void)st;
	assert_int_equal(accounts_check_password("0123456789", err, sizeof err), 0);
	assert_int_equal(accounts_check_password("012345678", err, sizeof err),
	                 ACCOUNTS_WEAK_PASSWORD);
	assert_non_null(strstr(err, "9 characters"));
	assert_int_equal(accounts_check_password("", err, sizeof err), ACCOUNTS_WEAK_PASSWORD);
	assert_int_equal(accounts_check_password(NULL, err, sizeof err), ACCOUNTS_WEAK_PASSWORD);
	/* characters, not bytes: 9 letters in 15 bytes are too few, 10 are enough */
	assert_int_equal(accounts_check_password("mậtkhẩuđẹ", err, sizeof err),
	                 ACCOUNTS_WEAK_PASSWORD);
	assert_int_equal(accounts_check_password("mậtkhẩuđẹp", err, sizeof err), 0);
	memset(big, 'x', ACCOUNTS_PASSWORD_MAX);
	big[ACCOUNTS_PASSWORD_MAX] = '\0';
	assert_int_equal(accounts_check_password(big, err, sizeof err), 0);
	big[ACCOUNTS_PASSWORD_MAX] = 'x';
	big[ACCOUNTS_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(accounts_check_password(big, err, sizeof err), ACCOUNTS_WEAK_PASSWORD);
	assert_non_null(strstr(err, "129 bytes"));
}

static void test_refusal_codes(void **st)
{
	(void)st;
	for (int r = ACCOUNTS_EXISTS; r <= ACCOUNTS_WEAK_PASSWORD; r++)
		assert_int_equal(accounts_refusal_of_code(accounts_refusal_code(r)), r);
	assert_int_equal(accounts_refusal_of_code("bad_request"), -1);
	assert_int_equal(accounts_refusal_of_code(NULL), -1);
	/* the console's names are the same numbers */
	assert_int_equal(CONSOLE_USER_EXISTS, 1);
	assert_int_equal(CONSOLE_USER_NOT_FOUND, ACCOUNTS_NOT_FOUND);
	assert_int_equal(CONSOLE_USER_WEAK_PASSWORD, ACCOUNTS_WEAK_PASSWORD);
}

/* ---- the password check ---- */

/* The hash the last check verified: this test is linked with
 * -Wl,--wrap=crypto_pwhash_str_verify (tests/CMakeLists.txt), so console_users.c's calls come
 * here first. */
static char verified[crypto_pwhash_STRBYTES];
int __real_crypto_pwhash_str_verify(const char *str, const char *passwd,
                                    unsigned long long passwdlen);
int __wrap_crypto_pwhash_str_verify(const char *str, const char *passwd,
                                    unsigned long long passwdlen);
int __wrap_crypto_pwhash_str_verify(const char *str, const char *passwd,
                                    unsigned long long passwdlen)
{
	snprintf(verified, sizeof verified, "%s", str);
	return __real_crypto_pwhash_str_verify(str, passwd, passwdlen);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static console_user known(const char *password)
{
	console_user u = {.name = "canbo", .role = "officer", .scope = "474"};
	char err[256];
	assert_int_equal(accounts_hash(password, u.hash, err, sizeof err), 0);
	return u;
}

static void test_password_ok(void **st)
{
	(void)st;
	console_user u = known("mật khẩu đúng 1");
	assert_int_equal(strncmp(u.hash, "$argon2id$", 10), 0);
	assert_true(accounts_hash_form_ok(u.hash));
	assert_int_equal(console_user_password_ok(&u, "mật khẩu đúng 1"), 1);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu sai 1"), 0);
	assert_int_equal(console_user_password_ok(&u, ""), 0);
	assert_int_equal(console_user_password_ok(&u, NULL), 0);
	u.disabled = 1;
	verified[0] = '\0';
	assert_int_equal(console_user_password_ok(&u, "mật khẩu đúng 1"), 0);
	assert_string_equal(verified, u.hash); /* checked all the same: the time tells nothing */
	/* an unknown name is never let in, and the work done is a real hash's: the dummy is an
	 * Argon2id string with the parameters accounts_hash uses (needs no rehash at them) */
	verified[0] = '\0';
	assert_int_equal(console_user_password_ok(NULL, "mật khẩu đúng 1"), 0);
	assert_int_equal(strncmp(verified, "$argon2id$", 10), 0);
	assert_string_not_equal(verified, u.hash);
	assert_int_equal(
	    crypto_pwhash_str_needs_rehash(verified, ACCOUNTS_OPSLIMIT, ACCOUNTS_MEMLIMIT), 0);
	assert_int_equal(console_user_password_ok(NULL, ""), 0);
	console_user empty = {.name = "x"}; /* a list's entry: no hash, so the dummy again */
	verified[0] = '\0';
	assert_int_equal(console_user_password_ok(&empty, ""), 0);
	assert_int_equal(strncmp(verified, "$argon2id$", 10), 0);
	/* a hash made twice from one password differs (random salt): a resent add is told by it */
	console_user v = known("mật khẩu đúng 1");
	assert_string_not_equal(u.hash, v.hash);
}

/* The shortest of three runs of the check, in seconds. */
static double fastest(const console_user *u, const char *password)
{
	double best = 1e9;
	for (int i = 0; i < 3; i++) {
		double t0 = now_s();
		assert_int_equal(console_user_password_ok(u, password), 0);
		double t = now_s() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

static void test_unknown_takes_as_long(void **st)
{
	(void)st;
	console_user u = known("mật khẩu đúng 1");
	double wrong = fastest(&u, "mật khẩu sai 1");
	double unknown = fastest(NULL, "mật khẩu sai 1");
	u.disabled = 1;
	double disabled = fastest(&u, "mật khẩu đúng 1");
	print_message("known, wrong password %.3f s; unknown name %.3f s; disabled %.3f s\n", wrong,
	              unknown, disabled);
	/* Argon2id at 64 MiB takes tens of milliseconds, skipping it microseconds: the bounds are
	 * wide for a busy machine and still far from a skipped check */
	assert_true(wrong > 0.005);
	assert_true(unknown > wrong / 3 && unknown < wrong * 3);
	assert_true(disabled > wrong / 3 && disabled < wrong * 3);
}

/* ---- through stats, as the console reaches it ---- */

static char schema[64];
static PGconn *admin, *peek;
static stats_ctx ctx;
static wire_server *srv;
static wire_client *cli;
static int have_db;

static int setup(void **st)
{
	char err[512], conninfo[2300], url[128];
	PGconn *w[STORE_PARTS], *r;
	units *reg;
	int changed;

	(void)st;
	if (sodium_init() < 0)
		return -1;
	int opened = scratch_open("cchc_test_users", &admin, schema, sizeof schema, conninfo,
	                          sizeof conninfo);
	if (opened <= 0)
		return opened;
	if (scratch_writers(conninfo, w, err, sizeof err) != 0 ||
	    db_connect(conninfo, &r, err, sizeof err) != 0 ||
	    db_connect(conninfo, &peek, err, sizeof err) != 0 ||
	    db_migrate(w[0], &scratch_province, err, sizeof err) != 0) {
		fprintf(stderr, "test_console_users: %s\n", err);
		return -1;
	}
	if (units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err) != 0 ||
	    db_sync_units(w[0], reg, &changed, err, sizeof err) != 0) {
		fprintf(stderr, "test_console_users: units: %s\n", err);
		return -1;
	}
	units_free(reg);
	if (stats_ctx_init(&ctx, w, r) != 0)
		return -1;
	snprintf(url, sizeof url, "inproc://cchc-test-users-%ld", (long)getpid());
	if (wire_server_start(url, 1 << 20, 2, stats_handle, &ctx, &srv, err, sizeof err) != 0 ||
	    wire_client_open(url, 1 << 20, 30000, &cli, err, sizeof err) != 0) {
		fprintf(stderr, "test_console_users: %s\n", err);
		return -1;
	}
	have_db = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	if (!have_db)
		return 0;
	wire_client_close(cli);
	wire_server_stop(srv);
	stats_ctx_destroy(&ctx);
	PQfinish(peek);
	scratch_drop(admin, schema);
	return 0;
}

/* One number from the scratch schema. */
static long long count(const char *sql)
{
	char err[512];
	PGresult *r = db_query(peek, "count", sql, 0, NULL, err, sizeof err);
	if (!r)
		fail_msg("%s", err);
	long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

static void test_accounts_through_stats(void **st)
{
	char err[512];
	console_user u;
	int found;
	(void)st;
	if (!have_db)
		skip();

	assert_int_equal(console_user_add(cli, "quantri", "admin", "", "mật khẩu quản trị",
	                                  "os:root", err, sizeof err),
	                 0);
	assert_int_equal(console_user_add(cli, "canbo474", "officer", "474", "mật khẩu cán bộ",
	                                  "quantri", err, sizeof err),
	                 0);
	assert_int_equal(console_user_add(cli, "xem", "viewer", "", "mật khẩu người xem", "quantri",
	                                  err, sizeof err),
	                 0);

	/* every refusal a person can act on, with the account in the message */
	assert_int_equal(console_user_add(cli, "canbo474", "viewer", "", "mật khẩu khác nữa",
	                                  "quantri", err, sizeof err),
	                 CONSOLE_USER_EXISTS);
	assert_non_null(strstr(err, "canbo474"));
	assert_int_equal(console_user_add(cli, "Canbo", "viewer", "", "mật khẩu khác nữa",
	                                  "quantri", err, sizeof err),
	                 CONSOLE_USER_BAD_NAME);
	assert_int_equal(console_user_add(cli, "moi", "chief", "", "mật khẩu khác nữa", "quantri",
	                                  err, sizeof err),
	                 CONSOLE_USER_BAD_ROLE);
	assert_int_equal(console_user_add(cli, "moi", "viewer", "99999", "mật khẩu khác nữa",
	                                  "quantri", err, sizeof err),
	                 CONSOLE_USER_BAD_SCOPE);
	assert_non_null(strstr(err, "99999"));
	assert_int_equal(
	    console_user_add(cli, "moi", "viewer", "", "ngắn", "quantri", err, sizeof err),
	    CONSOLE_USER_WEAK_PASSWORD);
	assert_int_equal(console_user_set_disabled(cli, "khongco", 1, "quantri", err, sizeof err),
	                 CONSOLE_USER_NOT_FOUND);
	assert_int_equal(
	    console_user_passwd(cli, "khongco", "mật khẩu mới dài", "quantri", err, sizeof err),
	    CONSOLE_USER_NOT_FOUND);
	assert_int_equal(count("SELECT count(*) FROM console_user"), 3);

	/* what no client of ours sends, stats refuses too: a plain password where the hash goes,
	 * a change without who made it, an action it does not know */
	static const struct {
		const char *action, *hash, *by;
	} junk[] = {{"add", "mật khẩu không băm", "quantri"},
	            {"add", "$argon2id$v=19$m=65536,t=2,p=1$a b", "quantri"},
	            {"passwd", "plain", "quantri"},
	            {"disable", NULL, NULL},
	            {"drop", NULL, "quantri"}};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		Cchc__V1__UserRequest ur = CCHC__V1__USER_REQUEST__INIT;
		Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
		ur.action = (char *)junk[i].action;
		ur.name = "xem";
		ur.role = "viewer";
		ur.scope = "";
		ur.hash = (char *)junk[i].hash;
		ur.by = (char *)junk[i].by;
		rq.body_case = CCHC__V1__STATS_REQUEST__BODY_USER;
		rq.user = &ur;
		Cchc__V1__StatsReply *out = stats_call(&ctx, &rq);
		assert_int_equal(out->body_case, CCHC__V1__STATS_REPLY__BODY_USER);
		assert_false(out->user->ok);
		assert_string_equal(out->user->refusal, "bad_request");
		cchc__v1__stats_reply__free_unpacked(out, NULL);
	}
	assert_int_equal(
	    count("SELECT count(*) FROM console_user WHERE hash NOT LIKE '$argon2id$%' "
	          "OR disabled"),
	    0);

	/* lookup gives the hash; the password is checked here, in export */
	assert_int_equal(console_user_lookup(cli, "canbo474", &u, &found, err, sizeof err), 0);
	assert_int_equal(found, 1);
	assert_string_equal(u.role, "officer");
	assert_string_equal(u.scope, "474");
	assert_int_equal(u.disabled, 0);
	assert_true(u.changed_ms > 0);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu cán bộ"), 1);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu quản trị"), 0);
	assert_int_equal(console_user_lookup(cli, "khongco", &u, &found, err, sizeof err), 0);
	assert_int_equal(found, 0);
	assert_int_equal(console_user_lookup(cli, "Không có", &u, &found, err, sizeof err), 0);
	assert_int_equal(found, 0);

	/* disable: the right password no longer lets in; enable: it does again */
	int64_t before = u.changed_ms;
	char old_hash[sizeof u.hash];
	memcpy(old_hash, u.hash, sizeof old_hash);
	assert_int_equal(console_user_set_disabled(cli, "canbo474", 1, "quantri", err, sizeof err),
	                 0);
	assert_int_equal(console_user_set_disabled(cli, "canbo474", 1, "quantri", err, sizeof err),
	                 0); /* already so: no change, no second entry */
	assert_int_equal(console_user_lookup(cli, "canbo474", &u, &found, err, sizeof err), 0);
	assert_int_equal(u.disabled, 1);
	assert_true(u.changed_ms >= before);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu cán bộ"), 0);
	assert_int_equal(console_user_set_disabled(cli, "canbo474", 0, "quantri", err, sizeof err),
	                 0);
	assert_int_equal(
	    console_user_passwd(cli, "canbo474", "mật khẩu mới dài", "quantri", err, sizeof err),
	    0);
	assert_int_equal(console_user_lookup(cli, "canbo474", &u, &found, err, sizeof err), 0);
	assert_int_equal(u.disabled, 0);
	assert_true(u.changed_ms > before);
	assert_string_not_equal(u.hash, old_hash);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu cán bộ"), 0);
	assert_int_equal(console_user_password_ok(&u, "mật khẩu mới dài"), 1);

	/* list: by name, no hashes */
	console_user *all;
	size_t n;
	assert_int_equal(console_user_list(cli, &all, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(all[0].name, "canbo474");
	assert_string_equal(all[1].name, "quantri");
	assert_string_equal(all[2].name, "xem");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(all[i].hash, "");
	free(all);

	/* the console's events; a name typed at a failed sign-in is kept as harmless text */
	assert_int_equal(console_audit(cli, "login", "canbo474", "127.0.0.1", err, sizeof err), 0);
	assert_int_equal(
	    console_audit(cli, "login-failed", "x\n\033y' OR 1=1; --", "10.0.0.7", err, sizeof err),
	    0);
	assert_int_equal(console_audit(cli, "login-failed", "", "10.0.0.7", err, sizeof err), 0);
	assert_int_equal(console_audit(cli, "logout", "canbo474", "127.0.0.1", err, sizeof err), 0);
	assert_int_equal(console_audit(cli, "sudo", "canbo474", "127.0.0.1", err, sizeof err), -1);

	/* the chain: each change once (the repeated disable is not there), the events, no hash */
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE kind = 'user'"), 6);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE kind = 'user' AND account = "
	                       "'canbo474' AND actor = 'quantri' AND event IN ('disable', "
	                       "'enable', 'passwd')"),
	                 3);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE kind = 'console'"), 4);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE kind = 'console' AND event = "
	                       "'login-failed' AND account = 'x??y'' OR 1=1; --' AND address = "
	                       "'10.0.0.7'"),
	                 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE account = '-'"), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_log a WHERE a::text LIKE '%argon2%'"),
	                 0);
	Cchc__V1__AuditReply ar;
	assert_int_equal(audit_verify(peek, &ar), 0);
	assert_true(ar.intact);
	assert_int_equal(ar.entries, 10);
	audit_reply_clear(&ar);

	/* an altered account entry breaks the chain */
	char e2[512];
	PGresult *r = db_query(peek, "alter",
	                       "UPDATE audit_log SET actor = 'someone' WHERE kind = 'user' AND "
	                       "event = 'passwd'",
	                       0, NULL, e2, sizeof e2);
	assert_non_null(r);
	PQclear(r);
	assert_int_equal(audit_verify(peek, &ar), 0);
	assert_false(ar.intact);
	audit_reply_clear(&ar);
	r = db_query(peek, "repair",
	             "UPDATE audit_log SET actor = 'quantri' WHERE kind = 'user' AND event = "
	             "'passwd'",
	             0, NULL, e2, sizeof e2);
	assert_non_null(r);
	PQclear(r);
	assert_int_equal(audit_verify(peek, &ar), 0);
	assert_true(ar.intact);
	audit_reply_clear(&ar);
}

/* Entries written before migration 012 (a batch's text, computed here as issue 5 wrote it) still
 * verify after it, and chain on to the new kinds. */
static void test_chain_across_migration(void **st)
{
	char err[512], conninfo[2300], old_schema[64];
	PGconn *old_admin, *c;
	uint8_t prev[32] = {0}, hash[32];
	(void)st;
	if (!have_db)
		skip();
	assert_int_equal(scratch_open("cchc_test_users_old", &old_admin, old_schema,
	                              sizeof old_schema, conninfo, sizeof conninfo),
	                 1);
	assert_int_equal(db_connect(conninfo, &c, err, sizeof err), 0);
	const char *m012 = NULL;
	for (size_t i = 0; i < stats_migrations_count; i++)
		if (stats_migrations[i].version < 12)
			assert_int_equal(db_exec(c, stats_migrations[i].name,
			                         stats_migrations[i].sql, err, sizeof err),
			                 0);
		else if (stats_migrations[i].version == 12)
			m012 = stats_migrations[i].sql;
	assert_non_null(m012);
	for (int k = 0; k < 2; k++) {
		char text[256], logged[24], p_prev[67], p_hash[67];
		long long at = 1700000000000LL + k;
		snprintf(text, sizeof text, "cchc-audit-v1|%lld|dev|%lld|0102|3|2|1|0", at,
		         at - 1000);
		crypto_hash_sha256_state h;
		crypto_hash_sha256_init(&h);
		crypto_hash_sha256_update(&h, prev, sizeof prev);
		crypto_hash_sha256_update(&h, (const uint8_t *)text, strlen(text));
		crypto_hash_sha256_final(&h, hash);
		snprintf(logged, sizeof logged, "%lld", at);
		memcpy(p_prev, "\\x", 2);
		sodium_bin2hex(p_prev + 2, sizeof p_prev - 2, prev, sizeof prev);
		memcpy(p_hash, "\\x", 2);
		sodium_bin2hex(p_hash + 2, sizeof p_hash - 2, hash, sizeof hash);
		const char *params[3] = {logged, p_prev, p_hash};
		PGresult *r =
		    db_query(c, "old entry",
		             "INSERT INTO audit_log (logged_ms, source, sent_at_ms, "
		             "batch_sha256, records, accepted, duplicate, rejected, prev_hash, "
		             "entry_hash) VALUES ($1, 'dev', $1::bigint - 1000, '\\x0102', 3, "
		             "2, 1, 0, $2, $3)",
		             3, params, err, sizeof err);
		if (!r)
			fail_msg("%s", err);
		PQclear(r);
		memcpy(prev, hash, sizeof prev);
	}
	Cchc__V1__AuditReply ar;
	assert_int_equal(db_exec(c, "012", m012, err, sizeof err), 0);
	assert_int_equal(audit_verify(c, &ar), 0);
	assert_true(ar.intact);
	assert_int_equal(ar.entries, 2);
	audit_reply_clear(&ar);

	Cchc__V1__UserRequest ur = CCHC__V1__USER_REQUEST__INIT;
	Cchc__V1__UserReply reply;
	ur.action = "audit";
	ur.event = "login-locked";
	ur.name = "canbo474";
	ur.address = "10.0.0.7";
	assert_int_equal(users_run(c, &ur, &reply), 0);
	users_reply_clear(&reply);
	assert_int_equal(audit_verify(c, &ar), 0);
	assert_true(ar.intact);
	assert_int_equal(ar.entries, 3);
	audit_reply_clear(&ar);
	PQfinish(c);
	scratch_drop(old_admin, old_schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_rules),
	    cmocka_unit_test(test_role_and_scope_rules),
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_refusal_codes),
	    cmocka_unit_test(test_password_ok),
	    cmocka_unit_test(test_unknown_takes_as_long),
	    cmocka_unit_test(test_accounts_through_stats),
	    cmocka_unit_test(test_chain_across_migration),
	};
	return cmocka_run_group_tests_name("console_users", tests, setup, teardown);
}

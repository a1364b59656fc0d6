/* accounts: the rules of the console's accounts, the Argon2id hashing and the UserRequest round
 * trips to stats (docs/design.md §14). The rules live here once, for the clients that check a
 * value before sending it and for stats, which checks it again before writing. */
#include "accounts.h"

#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s as it can be shown in a message: at most 63 bytes, control characters as '?'. */
static const char *shown(const char *s, char buf[64])
{
	size_t i = 0;
	for (; s && s[i] && i < 63; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

int accounts_check_name(const char *name, char *err, size_t errlen)
{
	char b[64];
	size_t n = name ? strlen(name) : 0;

	if (n == 0) {
		snprintf(err, errlen, "an account needs a name");
		return ACCOUNTS_BAD_NAME;
	}
	if (n > ACCOUNTS_NAME_MAX) {
		snprintf(err, errlen, "account name '%s…' is longer than %d characters",
		         shown(name, b), ACCOUNTS_NAME_MAX);
		return ACCOUNTS_BAD_NAME;
	}
	if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0])) {
		snprintf(err, errlen, "account name '%s' must start with a-z or 0-9",
		         shown(name, b));
		return ACCOUNTS_BAD_NAME;
	}
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
		snprintf(err, errlen,
		         "account name '%s' may hold only a-z, 0-9, '.', '_' and '-' (no capitals, "
		         "spaces or accents)",
		         shown(name, b));
		return ACCOUNTS_BAD_NAME;
	}
	return 0;
}

int accounts_check_role(const char *role, char *err, size_t errlen)
{
	char b[64];
	if (role && (!strcmp(role, "viewer") || !strcmp(role, "officer") || !strcmp(role, "admin")))
		return 0;
	snprintf(err, errlen, "role '%s' is not viewer, officer or admin", shown(role, b));
	return ACCOUNTS_BAD_ROLE;
}

int accounts_check_scope(const char *scope, char *err, size_t errlen)
{
	char b[64];
	size_t n = scope ? strlen(scope) : 0;
	static const char alnum[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	if (n < UNIT_CODE_MAX && strspn(scope ? scope : "", alnum) == n)
		return 0;
	snprintf(err, errlen, "scope '%s' is not a unit code", shown(scope, b));
	return ACCOUNTS_BAD_SCOPE;
}

int accounts_check_password(const char *password, char *err, size_t errlen)
{
	size_t bytes = password ? strlen(password) : 0, chars = 0;

	/* characters, not bytes: "mậtkhẩu" is 7 letters a person typed, 11 bytes of UTF-8 */
	for (size_t i = 0; i < bytes; i++)
		chars += ((unsigned char)password[i] & 0xC0) != 0x80;
	if (chars < ACCOUNTS_PASSWORD_MIN) {
		snprintf(err, errlen, "the password has %zu characters: at least %d are needed",
		         chars, ACCOUNTS_PASSWORD_MIN);
		return ACCOUNTS_WEAK_PASSWORD;
	}
	if (bytes > ACCOUNTS_PASSWORD_MAX) {
		snprintf(err, errlen, "the password has %zu bytes: at most %d are taken", bytes,
		         ACCOUNTS_PASSWORD_MAX);
		return ACCOUNTS_WEAK_PASSWORD;
	}
	return 0;
}

int accounts_hash(const char *password, char out[crypto_pwhash_STRBYTES], char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (crypto_pwhash_str(out, password, strlen(password), ACCOUNTS_OPSLIMIT,
	                      ACCOUNTS_MEMLIMIT) != 0) {
		snprintf(err, errlen,
		         "hashing the password failed: out of memory (it takes %zu MiB)",
		         (size_t)(ACCOUNTS_MEMLIMIT >> 20));
		return -1;
	}
	return 0;
}

int accounts_hash_form_ok(const char *hash)
{
	size_t n = hash ? strlen(hash) : 0;
	if (n >= crypto_pwhash_STRBYTES || strncmp(hash ? hash : "", "$argon2id$", 10))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)hash[i] <= 0x20 || (unsigned char)hash[i] >= 0x7f)
			return 0;
	return 1;
}

static const char *const refusal_codes[] = {
    [ACCOUNTS_EXISTS] = "exists",       [ACCOUNTS_NOT_FOUND] = "not_found",
    [ACCOUNTS_BAD_NAME] = "bad_name",   [ACCOUNTS_BAD_ROLE] = "bad_role",
    [ACCOUNTS_BAD_SCOPE] = "bad_scope", [ACCOUNTS_WEAK_PASSWORD] = "weak_password",
};
#define NCODES (sizeof refusal_codes / sizeof refusal_codes[0])

const char *accounts_refusal_code(int refusal)
{
	return refusal > 0 && (size_t)refusal < NCODES ? refusal_codes[refusal] : "bad_request";
}

int accounts_refusal_of_code(const char *code)
{
	for (size_t i = 1; code && i < NCODES; i++)
		if (!strcmp(code, refusal_codes[i]))
			return (int)i;
	return -1;
}

int accounts_call(wire_client *stats, const Cchc__V1__UserRequest *req, Cchc__V1__StatsReply **out,
                  char *err, size_t errlen)
{
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	uint8_t *buf = NULL, *in = NULL;
	size_t len, inlen = 0;
	const char *action = req->action ? req->action : "";

	*out = NULL;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_USER;
	rq.user = (Cchc__V1__UserRequest *)req;
	if (wire_pack(&rq.base, &buf, &len)) {
		snprintf(err, errlen, "user %s: out of memory", action);
		return -1;
	}
	char why[512];
	int rv = wire_call(stats, buf, len, &in, &inlen, why, sizeof why);
	free(buf);
	if (rv) {
		snprintf(err, errlen, "user %s: stats did not answer: %s", action, why);
		return -1;
	}
	Cchc__V1__StatsReply *rep = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	if (!rep || rep->body_case != CCHC__V1__STATS_REPLY__BODY_USER || !rep->user) {
		snprintf(err, errlen,
		         "user %s: stats sent a reply that is not about accounts (an older "
		         "cchc-stats?)",
		         action);
		if (rep)
			cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return -1;
	}
	if (!rep->user->ok) {
		int refusal =
		    rep->user->refusal ? accounts_refusal_of_code(rep->user->refusal) : -1;
		snprintf(err, errlen, "%s",
		         rep->user->error ? rep->user->error : "refused by stats");
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return refusal;
	}
	*out = rep;
	return 0;
}

/* Sends req and keeps only its outcome (and whether it changed anything). */
static int call_change(wire_client *stats, const Cchc__V1__UserRequest *req, int *changed,
                       char *err, size_t errlen)
{
	Cchc__V1__StatsReply *rep;
	int rc = accounts_call(stats, req, &rep, err, errlen);
	if (changed)
		*changed = rc == 0 && (!rep->user->has_changed || rep->user->changed);
	if (rc == 0)
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return rc;
}

int accounts_add(wire_client *stats, const char *name, const char *role, const char *scope,
                 const char *password, const char *by, int *changed, char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	char hash[crypto_pwhash_STRBYTES], why[256];
	int rc;

	if (changed)
		*changed = 0;
	if ((rc = accounts_check_name(name, err, errlen)))
		return rc;
	if ((rc = accounts_check_role(role, why, sizeof why)) ||
	    (rc = accounts_check_scope(scope ? scope : "", why, sizeof why)) ||
	    (rc = accounts_check_password(password, why, sizeof why))) {
		snprintf(err, errlen, "account %s: %s", name, why);
		return rc;
	}
	if (accounts_hash(password, hash, why, sizeof why)) {
		snprintf(err, errlen, "account %s: %s", name, why);
		return -1;
	}
	rq.action = "add";
	rq.name = (char *)name;
	rq.role = (char *)role;
	rq.scope = (char *)(scope ? scope : "");
	rq.hash = hash;
	rq.by = (char *)by;
	rc = call_change(stats, &rq, changed, err, errlen);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int accounts_set_disabled(wire_client *stats, const char *name, int disabled, const char *by,
                          int *changed, char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	int rc;

	if (changed)
		*changed = 0;
	if ((rc = accounts_check_name(name, err, errlen)))
		return rc;
	rq.action = disabled ? "disable" : "enable";
	rq.name = (char *)name;
	rq.by = (char *)by;
	return call_change(stats, &rq, changed, err, errlen);
}

int accounts_passwd(wire_client *stats, const char *name, const char *password, const char *by,
                    char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	char hash[crypto_pwhash_STRBYTES], why[256];
	int rc;

	if ((rc = accounts_check_name(name, err, errlen)))
		return rc;
	if ((rc = accounts_check_password(password, why, sizeof why))) {
		snprintf(err, errlen, "account %s: %s", name, why);
		return rc;
	}
	if (accounts_hash(password, hash, why, sizeof why)) {
		snprintf(err, errlen, "account %s: %s", name, why);
		return -1;
	}
	rq.action = "passwd";
	rq.name = (char *)name;
	rq.hash = hash;
	rq.by = (char *)by;
	rc = call_change(stats, &rq, NULL, err, errlen);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int accounts_list(wire_client *stats, Cchc__V1__StatsReply **out, char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	rq.action = "list";
	return accounts_call(stats, &rq, out, err, errlen) == 0 ? 0 : -1;
}

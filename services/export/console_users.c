/* console_users: the console's accounts as export reaches them (docs/design.md §14). The rules,
 * the hashing and the requests to stats are lib/accounts.c's, shared with `cchc user`; this file
 * adds what only a sign-in needs: the account with its hash, a password check that takes as long
 * for a name that does not exist, and the console's events for the audit chain. */
#include "console_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Verified in place of a hash when the name has none (no such account), so that a sign-in with an
 * unknown name does the same work as one with a known name. The cost parameters (m=65536, t=2)
 * are ACCOUNTS_OPSLIMIT/MEMLIMIT's (tests/unit/test_console_users.c checks it), the salt random,
 * and the password it was made from is gone. */
static const char dummy_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$ocqeTkbZnjSHusI8C0i+YA$"
                                 "J7pOTZ9tbKm9GsEUOn1L1m5Szwpyq9uqCLb/p5ky/Lg";

/* Copies src into dst[size]; 0, or -1 when it does not fit. */
static int put(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src ? src : "");
	if (n >= size)
		return -1;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

/* The account as the console keeps it; -1 with err when stats sent what cannot be one. */
static int from_account(const Cchc__V1__UserAccount *a, console_user *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof *u);
	if (put(u->name, sizeof u->name, a->name) || put(u->role, sizeof u->role, a->role) ||
	    put(u->scope, sizeof u->scope, a->scope) || put(u->hash, sizeof u->hash, a->hash)) {
		snprintf(err, errlen,
		         "stats sent an account whose name, role, scope or hash is too "
		         "long");
		return -1;
	}
	u->disabled = a->disabled;
	u->changed_ms = a->changed_ms;
	return 0;
}

int console_user_lookup(wire_client *stats, const char *name, console_user *u, int *found,
                        char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	Cchc__V1__StatsReply *rep;
	char why[256];

	*found = 0;
	memset(u, 0, sizeof *u);
	if (accounts_check_name(name, why, sizeof why))
		return 0; /* no account can have that name */
	rq.action = "lookup";
	rq.name = (char *)name;
	if (accounts_call(stats, &rq, &rep, err, errlen) != 0)
		return -1;
	int rc = 0;
	if (rep->user->n_users) {
		rc = from_account(rep->user->users[0], u, err, errlen);
		*found = rc == 0;
	}
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return rc;
}

int console_user_password_ok(const console_user *u, const char *password)
{
	const char *hash = u && u->hash[0] ? u->hash : dummy_hash;
	const char *pw = password ? password : "";

	if (sodium_init() < 0)
		return 0;
	/* verified whatever else holds, so a disabled or unknown account costs the same time */
	int match = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	return match && u && u->hash[0] && !u->disabled;
}

/* s for the audit chain: printable ASCII of at most ACCOUNTS_EVENT_TEXT_MAX bytes, anything else
 * as '?'; "-" for nothing (a sign-in with an empty name is still audited). */
static void event_text(const char *s, char out[ACCOUNTS_EVENT_TEXT_MAX + 1], const char *none)
{
	size_t i = 0;
	for (; s && s[i] && i < ACCOUNTS_EVENT_TEXT_MAX; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, ACCOUNTS_EVENT_TEXT_MAX + 1, "%s", none);
}

int console_audit(wire_client *stats, const char *event, const char *user, const char *addr,
                  char *err, size_t errlen)
{
	Cchc__V1__UserRequest rq = CCHC__V1__USER_REQUEST__INIT;
	Cchc__V1__StatsReply *rep;
	char name[ACCOUNTS_EVENT_TEXT_MAX + 1], address[ACCOUNTS_EVENT_TEXT_MAX + 1];

	/* the name typed at a failed sign-in is anyone's text: kept, but only as harmless text */
	event_text(user, name, "-");
	event_text(addr, address, "");
	rq.action = "audit";
	rq.event = (char *)event;
	rq.name = name;
	rq.address = address;
	if (accounts_call(stats, &rq, &rep, err, errlen) != 0)
		return -1;
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return 0;
}

int console_user_list(wire_client *stats, console_user **out, size_t *n, char *err, size_t errlen)
{
	Cchc__V1__StatsReply *rep;

	*out = NULL;
	*n = 0;
	if (accounts_list(stats, &rep, err, errlen) != 0)
		return -1;
	const Cchc__V1__UserReply *r = rep->user;
	console_user *v = malloc((r->n_users + 1) * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "user list: out of memory");
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return -1;
	}
	for (size_t i = 0; i < r->n_users; i++)
		if (from_account(r->users[i], &v[i], err, errlen) != 0) {
			free(v);
			cchc__v1__stats_reply__free_unpacked(rep, NULL);
			return -1;
		}
	*out = v;
	*n = r->n_users;
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return 0;
}

int console_user_add(wire_client *stats, const char *name, const char *role, const char *scope,
                     const char *password, const char *by, char *err, size_t errlen)
{
	return accounts_add(stats, name, role, scope, password, by, NULL, err, errlen);
}

int console_user_set_disabled(wire_client *stats, const char *name, int disabled, const char *by,
                              char *err, size_t errlen)
{
	return accounts_set_disabled(stats, name, disabled, by, NULL, err, errlen);
}

int console_user_passwd(wire_client *stats, const char *name, const char *password, const char *by,
                        char *err, size_t errlen)
{
	return accounts_passwd(stats, name, password, by, err, errlen);
}

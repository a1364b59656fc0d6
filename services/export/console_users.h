/* console_users: the console's accounts as export reaches them (docs/design.md §14). Accounts live
 * in stats' database (table console_user; `cchc user add|list|disable|passwd` manage them through
 * stats); export only looks one up at sign-in and verifies the password against its Argon2id hash
 * (libsodium crypto_pwhash_str_verify) itself, so no password ever leaves the process that got it.
 * Console events (sign-in, failed sign-in, lock, sign-out) go into stats' audit chain. */
#ifndef CCHC_EXPORT_CONSOLE_USERS_H
#define CCHC_EXPORT_CONSOLE_USERS_H

#include "accounts.h"
#include "wire.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

typedef struct console_user {
	char name[64];
	char role[16];  /* viewer, officer, admin */
	char scope[32]; /* unit code, "" = the whole province */
	int disabled;
	char hash[crypto_pwhash_STRBYTES]; /* the Argon2id string ("$argon2id$v=19$…") */
	int64_t changed_ms; /* last change of password, role, scope or disabled (ms since epoch) */
} console_user;

/* Refusals a person can act on; the console shows each in Vietnamese. Functions below return 0 on
 * success, one of these (> 0) for a refusal, or -1 for any other failure (stats unreachable…),
 * always with an English message in err. (The values are lib/accounts.h's, which `cchc user`
 * shares.) */
enum console_user_refusal {
	CONSOLE_USER_EXISTS = ACCOUNTS_EXISTS,       /* add: the name is taken */
	CONSOLE_USER_NOT_FOUND = ACCOUNTS_NOT_FOUND, /* disable/passwd: no such name */
	/* not 1-63 of [a-z0-9._-], starting with a letter or digit */
	CONSOLE_USER_BAD_NAME = ACCOUNTS_BAD_NAME,
	CONSOLE_USER_BAD_ROLE = ACCOUNTS_BAD_ROLE,   /* not viewer, officer or admin */
	CONSOLE_USER_BAD_SCOPE = ACCOUNTS_BAD_SCOPE, /* not a unit code the registry knows */
	/* fewer than 10 characters, or more than 128 bytes */
	CONSOLE_USER_WEAK_PASSWORD = ACCOUNTS_WEAK_PASSWORD
};

/* Every account, by name (hash left empty). *out malloc'd (free()). */
int console_user_list(wire_client *stats, console_user **out, size_t *n, char *err, size_t errlen);
/* Adds an account; the password is hashed here with crypto_pwhash_str (Argon2id). `by` is who did
 * it (the admin's name, or the OS user for the CLI), for the audit chain. */
int console_user_add(wire_client *stats, const char *name, const char *role, const char *scope,
                     const char *password, const char *by, char *err, size_t errlen);
/* Disables (disabled = 1) or enables again (0) an account. */
int console_user_set_disabled(wire_client *stats, const char *name, int disabled, const char *by,
                              char *err, size_t errlen);
/* Sets a new password (hashed here). */
int console_user_passwd(wire_client *stats, const char *name, const char *password, const char *by,
                        char *err, size_t errlen);

/* Looks `name` up. Returns 0 with *found (1: *u filled), or -1 with err (stats unreachable…). */
int console_user_lookup(wire_client *stats, const char *name, console_user *u, int *found,
                        char *err, size_t errlen);

/* 1 when `password` matches u's hash and the user is not disabled, else 0. Takes as long either
 * way for a known user; for an unknown one (u NULL) it verifies against a fixed dummy hash, so the
 * time does not tell whether a name exists. */
int console_user_password_ok(const console_user *u, const char *password);

/* Appends a console event to the audit chain: event "login", "login-failed", "login-locked",
 * "logout"; user and the client's address. Returns 0, or -1 with err. */
int console_audit(wire_client *stats, const char *event, const char *user, const char *addr,
                  char *err, size_t errlen);

#endif

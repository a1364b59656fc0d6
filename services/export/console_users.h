/* console_users: the console's accounts as export reaches them (docs/design.md §14). Accounts live
 * in stats' database (table console_user; `cchc user add|list|disable|passwd` manage them through
 * stats); export only looks one up at sign-in and verifies the password against its Argon2id hash
 * (libsodium crypto_pwhash_str_verify) itself, so no password ever leaves the process that got it.
 * Console events (sign-in, failed sign-in, lock, sign-out) go into stats' audit chain. */
#ifndef CCHC_EXPORT_CONSOLE_USERS_H
#define CCHC_EXPORT_CONSOLE_USERS_H

#include "wire.h"

#include <sodium.h>
#include <stddef.h>

typedef struct console_user {
	char name[64];
	char role[16];  /* viewer, officer, admin */
	char scope[32]; /* unit code, "" = the whole province */
	int disabled;
	char hash[crypto_pwhash_STRBYTES]; /* the Argon2id string ("$argon2id$v=19$…") */
} console_user;

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

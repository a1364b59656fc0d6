/* accounts: the console's accounts as the clients of stats reach them (docs/design.md §14): the
 * rules for names, roles, scopes and passwords, the Argon2id hashing, and the UserRequest round
 * trips. cchc-export's console (console_users.c) and `cchc user` both go through it, and stats
 * applies the same rules to what it is sent. A password is hashed here, in the process that read
 * it, so it never travels (docs/decisions.md, "The console's accounts"). */
#ifndef CCHC_ACCOUNTS_H
#define CCHC_ACCOUNTS_H

#include "wire.h"

#include "cchc/v1/stats.pb-c.h"

#include <sodium.h>
#include <stddef.h>

/* Refusals a person can act on; console_users.h's enum console_user_refusal has these values.
 * The functions below return 0 on success, one of these (> 0) for a refusal, or -1 for any other
 * failure (stats unreachable, out of memory…), always with an English message in err. */
enum accounts_refusal {
	ACCOUNTS_EXISTS = 1,   /* add: the name is taken */
	ACCOUNTS_NOT_FOUND,    /* disable, enable, passwd: no such name */
	ACCOUNTS_BAD_NAME,     /* not 1-63 of [a-z0-9._-] starting with a letter or digit */
	ACCOUNTS_BAD_ROLE,     /* not viewer, officer or admin */
	ACCOUNTS_BAD_SCOPE,    /* not a unit code the registry knows */
	ACCOUNTS_WEAK_PASSWORD /* fewer than 10 characters, or more than 128 bytes */
};

#define ACCOUNTS_NAME_MAX       63  /* bytes of a name */
#define ACCOUNTS_PASSWORD_MIN   10  /* characters (UTF-8 code points) of a password */
#define ACCOUNTS_PASSWORD_MAX   128 /* bytes of a password */
#define ACCOUNTS_EVENT_TEXT_MAX 64  /* bytes of an audited account name or client address */
/* The cost of every hash made here: libsodium's interactive limits (64 MiB, 2 passes), what it
 * advises for a sign-in a person waits for on a server that may verify several at once. */
#define ACCOUNTS_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define ACCOUNTS_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

/* The rules, each returning 0 or its refusal with the reason (naming the value) in err. A scope
 * is checked for its form only ("" = the whole province, else 1-15 letters or digits, as unit
 * codes are): whether the registry knows it, stats checks. */
int accounts_check_name(const char *name, char *err, size_t errlen);
int accounts_check_role(const char *role, char *err, size_t errlen);
int accounts_check_scope(const char *scope, char *err, size_t errlen);
int accounts_check_password(const char *password, char *err, size_t errlen);

/* Hashes password (Argon2id, ACCOUNTS_OPSLIMIT/MEMLIMIT, a random salt) into out. Returns 0, or
 * -1 with err (out of memory: it takes ACCOUNTS_MEMLIMIT bytes). */
int accounts_hash(const char *password, char out[crypto_pwhash_STRBYTES], char *err, size_t errlen);
/* 1 when hash has the form of what accounts_hash makes ("$argon2id$…", printable, shorter than
 * crypto_pwhash_STRBYTES), else 0: what stats accepts to store. */
int accounts_hash_form_ok(const char *hash);

/* The stable code UserReply.refusal carries for a refusal ("exists", …), and back (-1 for a code
 * that is not a refusal a person can act on, e.g. "bad_request"). */
const char *accounts_refusal_code(int refusal);
int accounts_refusal_of_code(const char *code);

/* Sends req to stats (StatsRequest.user) and waits for the reply. Returns 0 with *out (free with
 * cchc__v1__stats_reply__free_unpacked; its user reply is ok), or a refusal or -1 with stats'
 * reason in err (*out NULL). */
int accounts_call(wire_client *stats, const Cchc__V1__UserRequest *req, Cchc__V1__StatsReply **out,
                  char *err, size_t errlen);

/* The changes. `by` is who makes it (an admin's name, or "os:USER" for the CLI), for the audit
 * chain. *changed (NULL: not wanted) is 0 when the account already was so: a resent add or
 * passwd, a disable of a disabled account. The password is checked and hashed here. */
int accounts_add(wire_client *stats, const char *name, const char *role, const char *scope,
                 const char *password, const char *by, int *changed, char *err, size_t errlen);
int accounts_set_disabled(wire_client *stats, const char *name, int disabled, const char *by,
                          int *changed, char *err, size_t errlen);
int accounts_passwd(wire_client *stats, const char *name, const char *password, const char *by,
                    char *err, size_t errlen);

/* Every account by name, without hashes: 0 with *out (its user->users; free as accounts_call's),
 * or -1 with err. */
int accounts_list(wire_client *stats, Cchc__V1__StatsReply **out, char *err, size_t errlen);

#endif

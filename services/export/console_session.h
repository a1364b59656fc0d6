/* console_session: the console's sign-in state, in memory (docs/design.md §14): sessions named by a
 * random id carried in a cookie, each with its CSRF token, expiring after idle and absolute limits;
 * and the login limiter, which slows and then locks failed logins per user and per address. Both
 * are thread-safe (one mutex each) and take the time as an argument, so tests drive the clock. A
 * restart of cchc-export signs everyone out. */
#ifndef CCHC_EXPORT_CONSOLE_SESSION_H
#define CCHC_EXPORT_CONSOLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_CHARS 64 /* 32 random bytes in hex */

typedef struct session_info {
	char id[SESSION_ID_CHARS + 1];
	char csrf[SESSION_ID_CHARS + 1]; /* the token every POST of this session carries */
	char user[64];
	char role[16];  /* viewer, officer, admin */
	char scope[32]; /* "" = the whole province */
	int64_t
	    account_ms; /* the account's changed_ms at sign-in: a later change ends the session */
	int64_t created_ms, seen_ms;
} session_info;

typedef struct session_store session_store;

/* idle_ms: a session unused that long ends; max_ms: it ends that long after sign-in anyway;
 * capacity: sessions held at once (the oldest-seen is dropped to make room). NULL on no memory. */
session_store *session_store_new(int64_t idle_ms, int64_t max_ms, size_t capacity);
void session_store_free(session_store *s);

/* A new session for the user (random id and CSRF token from libsodium); account_ms is the
 * account's last change as read at sign-in. Returns 0 with *out. */
int session_create(session_store *s, const char *user, const char *role, const char *scope,
                   int64_t account_ms, int64_t now_ms, session_info *out);
/* The live session `id` (a copy, seen_ms updated to now): 0, or -1 when unknown or expired (an
 * expired one is dropped). */
int session_get(session_store *s, const char *id, int64_t now_ms, session_info *out);
void session_drop(session_store *s, const char *id);
/* Ends every session of `user` (disabled, password changed). */
void session_drop_user(session_store *s, const char *user);

/* 1 when `given` equals the token `expected` (constant time; NULL or empty never matches). */
int csrf_ok(const char *expected, const char *given);
/* A fresh random token (SESSION_ID_CHARS hex characters) for forms before sign-in. */
void csrf_token_new(char out[SESSION_ID_CHARS + 1]);

typedef struct login_limits {
	unsigned user_failures;    /* consecutive failures that lock a user, default 5 */
	unsigned address_failures; /* failures from one address that lock it, default 20 */
	int64_t lock_ms;           /* how long a lock lasts, default 15 minutes */
	int64_t delay_step_ms;     /* each failure slows the next answer by this, default 200 ms */
	int64_t delay_max_ms;      /* … up to this, default 2 s */
} login_limits;

typedef struct login_limiter login_limiter;

login_limiter *login_limiter_new(const login_limits *l);
void login_limiter_free(login_limiter *l);

/* Before checking a password: > 0 = locked for that many more milliseconds (the attempt is refused
 * without looking at the password), 0 = go on. */
int64_t login_locked_ms(login_limiter *l, const char *user, const char *addr, int64_t now_ms);
/* After a wrong password (or unknown user): counts it; returns how long the failed answer should
 * be held back (ms). */
int64_t login_failed(login_limiter *l, const char *user, const char *addr, int64_t now_ms);
/* After a right password: the user's count starts again (the address's is kept). */
void login_succeeded(login_limiter *l, const char *user, const char *addr, int64_t now_ms);

#endif

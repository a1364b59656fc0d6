/* console_session: the console's sessions and login limiter in memory (docs/design.md §14). Few
 * people use the console at once, so both are small arrays searched under one mutex each; ids and
 * tokens are libsodium's random bytes in hex, compared in constant time. */
#include "console_session.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session_store {
	pthread_mutex_t lock;
	int64_t idle_ms, max_ms;
	session_info *s;
	size_t n, cap;
};

static void random_hex(char out[SESSION_ID_CHARS + 1])
{
	uint8_t b[SESSION_ID_CHARS / 2];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, SESSION_ID_CHARS + 1, b, sizeof b);
}

session_store *session_store_new(int64_t idle_ms, int64_t max_ms, size_t capacity)
{
	if (!capacity || sodium_init() < 0)
		return NULL;
	session_store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->s = calloc(capacity, sizeof *s->s);
	if (!s->s || pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s->s);
		free(s);
		return NULL;
	}
	s->idle_ms = idle_ms;
	s->max_ms = max_ms;
	s->cap = capacity;
	return s;
}

void session_store_free(session_store *s)
{
	if (!s)
		return;
	sodium_memzero(s->s, s->cap * sizeof *s->s);
	free(s->s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void remove_at(session_store *s, size_t i)
{
	s->s[i] = s->s[--s->n];
	sodium_memzero(&s->s[s->n], sizeof s->s[s->n]);
}

static int expired(const session_store *s, const session_info *x, int64_t now_ms)
{
	return now_ms - x->seen_ms >= s->idle_ms || now_ms - x->created_ms >= s->max_ms;
}

int session_create(session_store *s, const char *user, const char *role, const char *scope,
                   int64_t account_ms, int64_t now_ms, session_info *out)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n;) /* make room from the dead first */
		if (expired(s, &s->s[i], now_ms))
			remove_at(s, i);
		else
			i++;
	if (s->n == s->cap) { /* full of live ones: the one unused longest goes */
		size_t oldest = 0;
		for (size_t i = 1; i < s->n; i++)
			if (s->s[i].seen_ms < s->s[oldest].seen_ms)
				oldest = i;
		remove_at(s, oldest);
	}
	session_info *x = &s->s[s->n++];
	memset(x, 0, sizeof *x);
	random_hex(x->id);
	random_hex(x->csrf);
	snprintf(x->user, sizeof x->user, "%s", user);
	snprintf(x->role, sizeof x->role, "%s", role);
	snprintf(x->scope, sizeof x->scope, "%s", scope ? scope : "");
	x->account_ms = account_ms;
	x->created_ms = x->seen_ms = now_ms;
	*out = *x;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* The index of session `id`, or s->n. Every id is compared in constant time. */
static size_t find(const session_store *s, const char *id)
{
	size_t found = s->n;
	if (!id || strlen(id) != SESSION_ID_CHARS)
		return found;
	for (size_t i = 0; i < s->n; i++)
		if (sodium_memcmp(s->s[i].id, id, SESSION_ID_CHARS) == 0)
			found = i;
	return found;
}

int session_get(session_store *s, const char *id, int64_t now_ms, session_info *out)
{
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	size_t i = find(s, id);
	if (i < s->n) {
		if (expired(s, &s->s[i], now_ms)) {
			remove_at(s, i);
		} else {
			s->s[i].seen_ms = now_ms;
			*out = s->s[i];
			rc = 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void session_drop(session_store *s, const char *id)
{
	pthread_mutex_lock(&s->lock);
	size_t i = find(s, id);
	if (i < s->n)
		remove_at(s, i);
	pthread_mutex_unlock(&s->lock);
}

void session_drop_user(session_store *s, const char *user)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n;)
		if (!strcmp(s->s[i].user, user))
			remove_at(s, i);
		else
			i++;
	pthread_mutex_unlock(&s->lock);
}

int csrf_ok(const char *expected, const char *given)
{
	if (!expected || !given || strlen(expected) != SESSION_ID_CHARS ||
	    strlen(given) != SESSION_ID_CHARS)
		return 0;
	return sodium_memcmp(expected, given, SESSION_ID_CHARS) == 0;
}

void csrf_token_new(char out[SESSION_ID_CHARS + 1])
{
	random_hex(out);
}

/* ---- the login limiter ---- */

#define LIMITER_SLOTS 4096

typedef struct counter {
	char key[80];      /* "u:NAME" or "a:ADDRESS" */
	unsigned failures; /* since the last success (users) or the last lock's end */
	int64_t last_ms;   /* the last failure */
	int64_t locked_until_ms;
} counter;

struct login_limiter {
	pthread_mutex_t lock;
	login_limits lim;
	counter c[LIMITER_SLOTS];
	size_t n;
};

login_limiter *login_limiter_new(const login_limits *l)
{
	login_limiter *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	if (pthread_mutex_init(&x->lock, NULL) != 0) {
		free(x);
		return NULL;
	}
	x->lim = *l;
	if (!x->lim.user_failures)
		x->lim.user_failures = 5;
	if (!x->lim.address_failures)
		x->lim.address_failures = 20;
	if (x->lim.lock_ms <= 0)
		x->lim.lock_ms = 15 * 60 * 1000;
	return x;
}

void login_limiter_free(login_limiter *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* The counter of key, made when `make` (reusing the stalest slot when all are taken), else NULL. */
static counter *slot(login_limiter *l, char kind, const char *what, int make, int64_t now_ms)
{
	char key[80];
	snprintf(key, sizeof key, "%c:%s", kind, what ? what : "");
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->c[i].key, key))
			return &l->c[i];
	if (!make)
		return NULL;
	counter *c;
	if (l->n < LIMITER_SLOTS) {
		c = &l->c[l->n++];
	} else { /* a slot no longer locked and failed longest ago */
		c = &l->c[0];
		for (size_t i = 1; i < l->n; i++)
			if (l->c[i].locked_until_ms <= now_ms &&
			    (c->locked_until_ms > now_ms || l->c[i].last_ms < c->last_ms))
				c = &l->c[i];
	}
	memset(c, 0, sizeof *c);
	snprintf(c->key, sizeof c->key, "%s", key);
	return c;
}

static int64_t left(const counter *c, int64_t now_ms)
{
	return c && c->locked_until_ms > now_ms ? c->locked_until_ms - now_ms : 0;
}

int64_t login_locked_ms(login_limiter *l, const char *user, const char *addr, int64_t now_ms)
{
	pthread_mutex_lock(&l->lock);
	int64_t u = left(slot(l, 'u', user, 0, now_ms), now_ms);
	int64_t a = left(slot(l, 'a', addr, 0, now_ms), now_ms);
	pthread_mutex_unlock(&l->lock);
	return u > a ? u : a;
}

/* One more failure on c; locks it when it reaches `limit`. */
static void count(const login_limiter *l, counter *c, unsigned limit, int64_t now_ms)
{
	if (c->locked_until_ms && c->locked_until_ms <= now_ms) { /* a lock served: start again */
		c->failures = 0;
		c->locked_until_ms = 0;
	}
	c->failures++;
	c->last_ms = now_ms;
	if (c->failures >= limit)
		c->locked_until_ms = now_ms + l->lim.lock_ms;
}

int64_t login_failed(login_limiter *l, const char *user, const char *addr, int64_t now_ms)
{
	pthread_mutex_lock(&l->lock);
	counter *u = slot(l, 'u', user, 1, now_ms);
	count(l, u, l->lim.user_failures, now_ms);
	counter *a = slot(l, 'a', addr, 1, now_ms);
	count(l, a, l->lim.address_failures, now_ms);
	unsigned n = u->failures > a->failures ? u->failures : a->failures;
	pthread_mutex_unlock(&l->lock);
	int64_t delay = (int64_t)n * l->lim.delay_step_ms;
	return delay > l->lim.delay_max_ms ? l->lim.delay_max_ms : delay;
}

void login_succeeded(login_limiter *l, const char *user, const char *addr, int64_t now_ms)
{
	(void)addr; /* an address's failures stand: one right password does not clear a spray */
	pthread_mutex_lock(&l->lock);
	counter *u = slot(l, 'u', user, 0, now_ms);
	if (u && u->locked_until_ms <= now_ms)
		u->failures = 0;
	pthread_mutex_unlock(&l->lock);
}

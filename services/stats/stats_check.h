/* check: the data-quality findings of `cchc check` for a period and a scope (docs/design.md §11,
 * issue 3): the identity per unit, orphans, dues before receipt, extra received / finishing events,
 * offices silent in the period (completeness), events of the period stored after it closed
 * (timeliness), and units whose figures cannot follow the mergers (no known successor). */
#ifndef CCHC_STATS_CHECK_H
#define CCHC_STATS_CHECK_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "cchc/v1/stats.pb-c.h"

/* Dossier codes named in a finding's detail, at most. */
#define CHECK_EXAMPLES 5

/* Runs every check in one read-only snapshot and fills *reply (ok = the checks ran; each item
 * says whether the data is clean). Returns 0, or -1 with reply->ok false and reply->error.
 * Free the reply's parts with check_reply_clear. */
int check_run(PGconn *conn, const Cchc__V1__CheckRequest *req, Cchc__V1__CheckReply *reply);
void check_reply_clear(Cchc__V1__CheckReply *reply);

/* Findings as they are gathered into a reply (national.c adds its own). */
typedef struct check_items {
	Cchc__V1__CheckReply *reply;
	size_t cap;
	int oom; /* out of memory once: the reply is incomplete */
} check_items;

/* Appends a finding; `unit` may be NULL; the detail is printf-formatted. */
void check_add_item(check_items *it, const char *check, int ok, const char *unit, int64_t count,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The identity carried_over + received = resolved + returned + withdrawn + pending of the
 * figures' "all", "unit" and "province" rows, one finding each. */
void check_identity_items(check_items *it, const Cchc__V1__QueryReply *q);

/* Ends a check's read-only transaction on conn and its reply: ok with the findings gathered in
 * *it when rc is 0 (and nothing ran out of memory), else cleared and not ok with err. Returns 0
 * or -1. */
int check_finish(PGconn *conn, check_items *it, int rc, const char *err);

/* The reply of checks that did not run: cleared, not ok, err. Returns -1. */
int check_refuse(Cchc__V1__CheckReply *reply, const char *err);

/* The codes of the scope's units valid in [from_ms, to_ms) that sent no event dated in it, in
 * the caller's transaction: *out is a malloc'd array of *n malloc'd strings (the caller frees
 * them, also after a failure). Returns 0 or -1 with err. */
int check_silent_offices(PGconn *conn, int64_t from_ms, int64_t to_ms, const char *scope,
                         char ***out, size_t *n, char *err, size_t errlen);

#endif

/* audit: the hash-chained audit log: committed batches, and (migration 012) the console's account
 * changes and sign-in events. Appended inside the writing transaction under DB_LOCK_AUDIT, so
 * entries are strictly ordered; verified by walking the chain. */
#ifndef CCHC_STATS_AUDIT_H
#define CCHC_STATS_AUDIT_H

#include "cchc/v1/stats.pb-c.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Appends the entry for `req`, which committed with the given counts. Returns 0, or -1 with a
 * message in err (the caller rolls back: a batch is never stored without its entry). */
int audit_append(PGconn *conn, const Cchc__V1__StoreRequest *req, uint32_t accepted,
                 uint32_t duplicate, char *err, size_t errlen);

/* An entry that is not a batch. kind "user": event add|disable|enable|passwd, the account, the
 * actor who changed it, and detail (an add's role and scope); kind "console": event
 * login|login-failed|login-locked|logout, the account and the client's address. NULL = "".
 * Never a password or a hash. */
typedef struct audit_event {
	const char *kind, *event, *account, *actor, *address, *detail;
} audit_event;

/* Appends ev; the caller's transaction holds DB_LOCK_AUDIT and rolls back on -1 (err says why),
 * so a change is never kept without its entry. */
int audit_append_event(PGconn *conn, const audit_event *ev, char *err, size_t errlen);

/* Walks the whole chain (streaming). Fills *reply (strings malloc'd: free with audit_reply_clear).
 * Returns 0 when the walk ran (intact or not), -1 on a database error. */
int audit_verify(PGconn *conn, Cchc__V1__AuditReply *reply);
void audit_reply_clear(Cchc__V1__AuditReply *reply);

#endif

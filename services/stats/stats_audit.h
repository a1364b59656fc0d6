/* audit: the hash-chained log of committed batches. Appended inside the store transaction (under
 * its advisory lock, so entries are strictly ordered), verified by walking the chain. */
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

/* Walks the whole chain (streaming). Fills *reply (strings malloc'd: free with audit_reply_clear).
 * Returns 0 when the walk ran (intact or not), -1 on a database error. */
int audit_verify(PGconn *conn, Cchc__V1__AuditReply *reply);
void audit_reply_clear(Cchc__V1__AuditReply *reply);

#endif

/* users: the console's accounts on stats' side (docs/design.md §14, migration 012): adding,
 * listing, looking up, disabling, enabling and re-passwording accounts in table console_user, and
 * appending the console's sign-in events to the audit chain. Stats stores the Argon2id strings
 * the clients made and never sees a password. */
#ifndef CCHC_STATS_USERS_H
#define CCHC_STATS_USERS_H

#include <libpq-fe.h>

#include "cchc/v1/stats.pb-c.h"

/* Runs req on conn (a connection no other thread uses meanwhile). A change and its audit entry
 * are one transaction, under DB_LOCK_AUDIT. Fills *reply (free with users_reply_clear); returns
 * 0, or -1 when refused (reply->refusal has the code, lib/accounts.h) or failed (reply->error
 * says why, naming the account). */
int users_run(PGconn *conn, const Cchc__V1__UserRequest *req, Cchc__V1__UserReply *reply);
void users_reply_clear(Cchc__V1__UserReply *reply);

#endif

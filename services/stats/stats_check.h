/* check: the data-quality findings of `cchc check` for a period and a scope (docs/design.md §11,
 * issue 3): the identity per unit, orphans, dues before receipt, extra received / finishing events,
 * offices silent in the period (completeness), events of the period stored after it closed
 * (timeliness), and units whose figures cannot follow the mergers (no known successor). */
#ifndef CCHC_STATS_CHECK_H
#define CCHC_STATS_CHECK_H

#include <libpq-fe.h>

#include "cchc/v1/stats.pb-c.h"

/* Dossier codes named in a finding's detail, at most. */
#define CHECK_EXAMPLES 5

/* Runs every check in one read-only snapshot and fills *reply (ok = the checks ran; each item
 * says whether the data is clean). Returns 0, or -1 with reply->ok false and reply->error.
 * Free the reply's parts with check_reply_clear. */
int check_run(PGconn *conn, const Cchc__V1__CheckRequest *req, Cchc__V1__CheckReply *reply);
void check_reply_clear(Cchc__V1__CheckReply *reply);

#endif

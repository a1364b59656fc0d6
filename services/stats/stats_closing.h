/* closing: the closed versions of a period and scope (docs/design.md §13): preparing a closing
 * (the watermark and the figures at it, under the store lock alone), committing it with the
 * hashes of the files rendered from those figures, reopening, listing and reading versions. */
#ifndef CCHC_STATS_CLOSING_H
#define CCHC_STATS_CLOSING_H

#include <libpq-fe.h>

#include "cchc/v1/stats.pb-c.h"

/* Runs req on conn (a connection no other thread uses meanwhile). Fills *reply (free with
 * closing_reply_clear); returns 0, or -1 when refused or failed (reply->error says why). */
int closing_run(PGconn *conn, const Cchc__V1__ClosingRequest *req, Cchc__V1__ClosingReply *reply);
void closing_reply_clear(Cchc__V1__ClosingReply *reply);

#endif

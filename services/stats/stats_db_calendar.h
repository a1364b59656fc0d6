/* db calendar: the working days feedback deadlines were counted on (docs/design.md §16). Every
 * feedback state keeps its deadline, counted on the calendar of days off when the state was
 * derived; when calendar_file's days change, cchc-stats counts every deadline again at start and
 * rebuilds the feedback aggregates from them, so stored deadlines and aggregates always follow
 * the file. */
#ifndef CCHC_STATS_DB_CALENDAR_H
#define CCHC_STATS_DB_CALENDAR_H

#include <libpq-fe.h>
#include <stddef.h>

#include "workdays.h"

/* In one transaction under the lock migrations take (no store runs meanwhile): when the calendar
 * the deadlines were counted on (agg_meta.calendar, a workdays_digest) is not w's, sets every
 * feedback item's deadline again from its received time on w, rebuilds the feedback aggregates
 * and records w's digest. *items is the number of items recounted (0 when nothing changed).
 * Returns 0 or -1 with err. */
int db_sync_calendar(PGconn *conn, const workdays *w, size_t *items, char *err, size_t errlen);

#endif

/* verify: `cchc-stats --verify`. Recomputes every dossier's and feedback item's state from the
 * raw events with the same pure functions as store.c (state.c) and compares it, field by field,
 * with the stored state rows; also checks event_count and each state's unit. */
#ifndef CCHC_STATS_VERIFY_H
#define CCHC_STATS_VERIFY_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

/* Keys printed with every differing field's two values; later keys list the fields only. */
#define VERIFY_DETAIL_KEYS 20

typedef struct verify_result {
	uint64_t dossiers, dossier_events; /* dossiers checked and their events */
	uint64_t feedback, feedback_events;
	uint64_t differences; /* keys that differ, plus 1 per wrong event count */
} verify_result;

/* One REPEATABLE READ READ ONLY transaction, streamed through cursors (memory does not grow with
 * the number of dossiers), so it may run beside a working stats. Prints each difference and a
 * summary line to out. Returns 0 (look at res->differences), or -1 with err when it could not
 * finish. */
int verify_run(PGconn *conn, FILE *out, unsigned detail_keys, verify_result *res, char *err,
               size_t errlen);

#endif

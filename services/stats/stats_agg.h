/* agg: the figures of docs/design.md §6 kept per (unit, field, local day) at write time, so that a
 * period's figures read units × fields × days rows whatever the number of dossiers (issue 6).
 * Flows are counted on the local day of their event; stocks (carried over, pending, overdue,
 * waiting) are +1/-1 changes on the day they take effect, summed over the days before a period's
 * bound. Exact for any period that starts and ends at local midnights (all of lib/period.h).
 * dossier_agg_month holds the same rows summed by reporting month (15th to 14th), so a period of
 * whole months reads units × fields × months rows.
 * The files: agg_keys.c (the (unit, field) keys and their agg_key ids), agg_cells.c (the cell
 * table and the contributions, no database; stats_agg_cells.h), agg_sql.c (staging, upserts,
 * rebuild, freshness) and agg_verify.c (`--verify`). */
#ifndef CCHC_STATS_AGG_H
#define CCHC_STATS_AGG_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats_state.h"

/* The contributions of the items a store transaction changes, gathered in C (items.c): for each,
 * -1 × its old state under its old unit and +1 × its new state under its new unit (agg_cells.c). */
typedef struct agg_acc agg_acc;

agg_acc *agg_acc_new(void);
void agg_acc_free(agg_acc *a);
/* snapshot is the unit's snapshot date as text ('-infinity' and level 0 for an office the registry
 * does not know). The strings must live until agg_store. */
void agg_acc_dossier(agg_acc *a, const char *office, const char *snapshot, int level,
                     const dossier_state *s, int sign);
void agg_acc_feedback(agg_acc *a, const char *office, const char *snapshot, int level,
                      const feedback_state *s, int sign);

/* In the store transaction, once and before any state row changes: rebuilds everything when the
 * aggregates were built for another registry or time zone (from the state rows as they still
 * are). Returns 0 or -1 with err. */
int agg_prepare(PGconn *conn, char *err, size_t errlen);

/* After agg_prepare, before the new states replace the old rows: adds a's contributions to the
 * aggregates of one kind, in the rows of writer `part` (sql/010), and empties a. Returns 0 or -1
 * with err. */
int agg_store(PGconn *conn, agg_acc *a, int feedback, int part, char *err, size_t errlen);

/* *ok = whether the aggregates are built for the current registry and time zone (else the next
 * store transaction rebuilds them). Returns 0 or -1 with err. */
int agg_fresh(PGconn *conn, int *ok, char *err, size_t errlen);

/* Rebuilds both aggregate tables from the state tables, in the caller's (writing) transaction. */
int agg_rebuild(PGconn *conn, char *err, size_t errlen);
/* Rebuilds the feedback aggregates alone (their deadlines changed with the calendar). */
int agg_rebuild_feedback(PGconn *conn, char *err, size_t errlen);

/* Whether the aggregates answer [from_ms, to_ms) exactly, in the caller's transaction: both are
 * local midnights and the aggregates are built for the current registry and time zone. On 1
 * *day_from and *day_to are the local days of the two bounds. Returns 0 or -1 with err. */
int agg_covers(PGconn *conn, int64_t from_ms, int64_t to_ms, int *ok, int32_t *day_from,
               int32_t *day_to, char *err, size_t errlen);

/* Recomputes the aggregates from the state tables into the temporary tables agg_expect_dossier
 * and agg_expect_feedback (laid out as dossier_agg / feedback_agg, dropped at the end of the
 * caller's transaction): what agg_verify compares the stored rows with. Returns 0 or -1 with
 * err. */
int agg_expect(PGconn *conn, char *err, size_t errlen);

/* `--verify`: recomputes the aggregates from the state tables in a transaction of its own
 * (rolled back) and prints every (unit, field, day) that differs. Adds their number to
 * *differences. Stale aggregates (another registry or time zone) are reported, not counted: the
 * figures do not use them then. Returns 0 or -1 with err. */
int agg_verify(PGconn *conn, FILE *out, unsigned detail_keys, uint64_t *differences, char *err,
               size_t errlen);

/* The measures of dossier_agg and dossier_agg_month, in column order after the key. */
#define AGG_DOSSIER_COLUMNS                                                                        \
	"received, received_online, received_direct, received_postal, resolved, resolved_early, "  \
	"resolved_on_time, resolved_late, returned, withdrawn, not_accepted, paid_online, "        \
	"digitized, d_open, d_overdue, d_waiting, rated_satisfied, rated_unsatisfied, "            \
	"rated_unsatisfied_late"

#endif

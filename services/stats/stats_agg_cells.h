/* agg cells: the accumulator's insides — the measures of an aggregate row, the cell table (one
 * cell of measures per (key, local day), summed as contributions come) and what one dossier's or
 * feedback item's state contributes to it. No database: tests/unit/test_agg_cells.c checks it
 * without PostgreSQL. Internal to the aggregates (agg_*.c) and their tests. */
#ifndef CCHC_STATS_AGG_CELLS_H
#define CCHC_STATS_AGG_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "hashidx.h"
#include "stats_agg.h"
#include "stats_agg_keys.h"
#include "stats_state.h"

/* Measures, in the column order of dossier_agg (AGG_DOSSIER_COLUMNS) after the key. OPEN, OVERDUE
 * and WAITING are stocks kept as +1/-1 changes: a stock at local midnight of day D is the sum of
 * its changes over the days before D; the ratings (sql/021) are flows again. */
enum {
	AGG_D_RECEIVED,
	AGG_D_ONLINE,
	AGG_D_DIRECT,
	AGG_D_POSTAL,
	AGG_D_RESOLVED,
	AGG_D_EARLY,
	AGG_D_ON_TIME,
	AGG_D_LATE,
	AGG_D_RETURNED,
	AGG_D_WITHDRAWN,
	AGG_D_NOT_ACCEPTED,
	AGG_D_PAID,
	AGG_D_DIGITIZED,
	AGG_D_OPEN,
	AGG_D_OVERDUE,
	AGG_D_WAITING,
	AGG_D_RATED_SAT,        /* finished that day, rated (very) satisfied */
	AGG_D_RATED_UNSAT,      /* finished that day, rated unsatisfied */
	AGG_D_RATED_UNSAT_LATE, /* of those, resolved late */
	AGG_ND
};
/* Measures of feedback_agg, in column order after the key. OPEN and OVERDUE are stocks. */
enum {
	AGG_F_RECEIVED,
	AGG_F_REGULATION,
	AGG_F_BEHAVIOR,
	AGG_F_RESOLVED,
	AGG_F_PUBLISHED,
	AGG_F_OPEN,
	AGG_F_ON_TIME, /* resolved that day, before its deadline (sql/021) */
	AGG_F_OVERDUE, /* pending with its deadline passed */
	AGG_NFB
};

/* One (key, day) cell and its measures, summed over every contribution to it (feedback uses
 * the first AGG_NFB). */
typedef struct agg_cell {
	uint32_t key; /* number in agg_keys (or, for the month cells, the agg_key id) */
	int32_t day;  /* or month: its first day, a 15th */
	int64_t m[AGG_ND];
} agg_cell;

/* Cells found by (key, day), in the order first met. Zero-initialise. */
typedef struct agg_cells {
	agg_cell *c;
	size_t n, cap;
	hashidx ix;
} agg_cells;

/* The (key, day) cell of t, zeroed when new; NULL when out of memory. */
agg_cell *agg_cells_at(agg_cells *t, uint32_t key, int32_t day);
/* Adds m (AGG_ND measures) to the cell of (key, the reporting month holding day). Returns 0, or
 * -1 when out of memory. */
int agg_cells_add_to_month(agg_cells *months, uint32_t key, int32_t day, const int64_t *m);
/* Empties t, keeping its array for the next cells. */
void agg_cells_reset(agg_cells *t);
void agg_cells_free(agg_cells *t);

struct agg_acc {
	agg_keys keys;
	agg_cells cells;
	int oom; /* an allocation failed: the contributions are incomplete */
};

/* The number of a key in a (agg_keys_add), setting a->oom when out of memory. */
uint32_t agg_acc_key(agg_acc *a, const char *office, const char *snapshot, int level,
                     const char *field);
/* Adds sign × the contribution of one state under key number `key` (from agg_acc_key;
 * UINT32_MAX, out of memory, adds nothing). */
void agg_acc_add_dossier(agg_acc *a, uint32_t key, const dossier_state *s, int sign);
void agg_acc_add_feedback(agg_acc *a, uint32_t key, const feedback_state *s, int sign);

/* Forgets the keys and cells after a flush (agg_keys_clear, agg_cells_reset). */
void agg_acc_reset(agg_acc *a);
/* Frees what a holds and zeroes it (for an accumulator not from agg_acc_new). */
void agg_acc_release(agg_acc *a);

#endif

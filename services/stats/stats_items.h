/* items: the per-item side of a store transaction. The dossiers (or feedback items) its records
 * name get their old state row read once, before the events go in; the items that gained an
 * event then get their new state derived in C from their old events (packed in the row's `ev`,
 * stats_evblob.h) and the new ones, their unit resolved from the registry, the aggregates
 * changed by new minus old contribution (agg_cells.c), and the rows written back: a COPY for new
 * items, one upsert for the others. A fixed number of statements per transaction, none per
 * record. */
#ifndef CCHC_STATS_ITEMS_H
#define CCHC_STATS_ITEMS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "stats_db_copy.h"
#include "stats_state.h"

typedef struct items items;

/* One transaction's items of one kind (feedback 0: dossiers, 1: feedback items). NULL when out
 * of memory. */
items *items_open(int feedback);
void items_close(items *it);

/* Adds candidate event number idx (0, 1, 2, … in the order added) of item (office, code). The
 * strings and the event's strings must live until items_close. Returns 0 or -1 (memory). */
int items_add_dossier(items *it, const char *office, const char *code, const dossier_event *e);
int items_add_feedback(items *it, const char *office, const char *code, const feedback_event *e);

/* Reads the old state rows of every item added, in the caller's transaction, before any of the
 * events is inserted. */
int items_load(PGconn *conn, items *it, char *err, size_t errlen);

/* Candidate idx was stored (not a duplicate or conflict). */
void items_accept(items *it, size_t idx);

/* The unit registry as the state rows resolve it (docs/design.md §8): for an item, the unit of its
 * office valid at its anchor time. Read in the caller's transaction. Returns 0 or -1 with err. */
typedef struct items_units items_units;
int items_units_load(PGconn *conn, items_units **out, char *err, size_t errlen);
void items_units_free(items_units *u);

/* One state row exactly as a store transaction writes it, as binary COPY of the columns
 * ITEMS_DOSSIER_COLS / ITEMS_FEEDBACK_COLS (all of the state table's but updated_at): the unit is
 * resolved in u at the state's anchor time; ev NULL leaves the packed events (ev) NULL. b is
 * started with db_bin_start and ended with db_bin_end by the caller. For states derived outside
 * a store transaction (asof.c). */
#define ITEMS_DOSSIER_COLS                                                                         \
	"office, dossier, anchor_at, unit_snapshot, unit_valid_from, unit_valid_to, level, "       \
	"procedure, field, channel, has_received, received_at, due, due_from, due_val, "           \
	"supp_from, supp_to, supplement_waiting, finished_at, finish_kind, resolved_class, "       \
	"submitted_at, waiting_end_at, not_accepted_at, delivered_at, paid_online_at, "            \
	"digitized_at, anomalies, events, ev, rating"
#define ITEMS_FEEDBACK_COLS                                                                        \
	"office, feedback, anchor_at, unit_snapshot, unit_valid_from, unit_valid_to, level, "      \
	"has_received, received_at, topic, resolved_at, published_at, anomalies, events, ev, "     \
	"deadline"
void items_row_dossier(db_buf *b, const items_units *u, const char *office, const char *code,
                       const dossier_state *s, const dossier_event *ev, size_t n);
void items_row_feedback(db_buf *b, const items_units *u, const char *office, const char *code,
                        const feedback_state *s, const feedback_event *ev, size_t n);

/* What the writes of both kinds share in one transaction, read by the first that needs it: the
 * unit registry, and the aggregates made current (agg_prepare). Zero-initialise; clear at the
 * end of the transaction. */
typedef struct items_shared {
	items_units *units;
	int agg_ready;
	int part; /* the writer's part, whose aggregate rows it adds to */
} items_shared;
void items_shared_clear(items_shared *sh);

/* Derives and writes the new states of the items with an accepted event, and changes the
 * aggregates. Returns 0 or -1 with err. */
int items_write(PGconn *conn, items *it, items_shared *sh, char *err, size_t errlen);

#endif

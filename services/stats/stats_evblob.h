/* evblob: an item's events, packed into the bytea `ev` of its state row (migration 006). A new
 * event's state is then derived from the old events read with the state row and the new ones in
 * hand, without reading dossier_event back (docs/performance.md). The blob holds exactly what
 * state.c looks at; dossier_event stays the record of truth (`cchc-stats --verify`).
 * Layout, big-endian: a version byte (1), then per dossier event kind u8, channel u8 (the rating of
 * a `rated` event in its high nibble, migration 020: blobs written before hold 0 there, as their
 * events had no rating), at i64, due i64 (INT64_MIN: none), procedure and field as u16 length +
 * bytes; per feedback event kind u8, topic u8, at i64. */
#ifndef CCHC_STATS_EVBLOB_H
#define CCHC_STATS_EVBLOB_H

#include <stddef.h>

#include "stats_db.h"
#include "stats_state.h"

/* Appends the blob of n events to b, as raw bytes (a binary COPY's bytea value). */
void evblob_put_dossier(db_buf *b, const dossier_event *ev, size_t n);
void evblob_put_feedback(db_buf *b, const feedback_event *ev, size_t n);

/* Decodes the text form of a bytea ("\x" and hex, as PQgetvalue gives it). Dossier events
 * append to *ev (capacity *cap, grown with realloc) from *n on; their procedure and field point
 * into *strings, a malloc'd copy the caller frees after the events are used. Returns 0, or -1
 * when the blob is malformed or memory runs out. */
int evblob_get_dossier(const char *hex, dossier_event **ev, size_t *n, size_t *cap, char **strings);
int evblob_get_feedback(const char *hex, feedback_event **ev, size_t *n, size_t *cap);

#endif

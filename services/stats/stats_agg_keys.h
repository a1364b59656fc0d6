/* agg keys: the (unit, field) a row of the aggregates is kept under — office, unit snapshot,
 * level, field ("" for feedback) — as the accumulator meets them, and their ids in agg_key
 * (sql/005: the aggregates are keyed by that integer, not by four columns). Internal to the
 * aggregates (agg_*.c) and their tests; the rest of stats uses stats_agg.h. */
#ifndef CCHC_STATS_AGG_KEYS_H
#define CCHC_STATS_AGG_KEYS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "hashidx.h"

/* A key: its strings are the caller's (valid until the keys are cleared), its id is agg_key's
 * once resolved, -1 before. */
typedef struct agg_key {
	const char *office, *snapshot, *field; /* field "" for feedback */
	int level;
	int32_t id;
} agg_key;

/* The keys an accumulator met, each once, numbered in the order met; and agg_key's rows, read
 * at the first resolve and kept for the next ones. Zero-initialise. */
typedef struct agg_keys {
	agg_key *v;
	size_t n, cap;
	hashidx ix;
	PGresult *known; /* agg_key, read at the first resolve */
	hashidx known_ix;
} agg_keys;

/* The number of the key (office, snapshot, level, field), added when new (field NULL is "").
 * UINT32_MAX when out of memory. */
uint32_t agg_keys_add(agg_keys *k, const char *office, const char *snapshot, int level,
                      const char *field);

/* Sets the id of every key: from agg_key's rows, else inserted there (one statement each: new
 * keys are rare, the registry's units × fields met once). Returns 0 or -1 with err. */
int agg_keys_resolve(PGconn *conn, agg_keys *k, char *err, size_t errlen);

/* Forgets the keys met (their strings may go), keeping agg_key's rows already read. */
void agg_keys_clear(agg_keys *k);
void agg_keys_free(agg_keys *k);

#endif

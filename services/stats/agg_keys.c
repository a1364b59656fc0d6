/* agg keys: the (unit, field) keys of the aggregates, found by hash as contributions come, and
 * resolved to agg_key ids once per flush: from agg_key's rows (bounded by the registry's units ×
 * fields, a few thousand, so read whole once per accumulator), else inserted in one fixed order,
 * so two writers adding keys at once wait for each other in turn, never in a circle. */
#include "stats_agg_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "stats_db.h"

/* Every key, for resolving the transaction's keys to ids in C. */
static const char known_keys_sql[] =
    "SELECT id, office, unit_snapshot::text, level, field FROM agg_key";
/* The other writer may be adding the same key (the first dossier of a unit and field in both
 * parts at once): ON CONFLICT waits for it and returns nothing; find_key_sql, a statement of its
 * own (a snapshot taken after that wait), then sees its row. */
static const char new_key_sql[] =
    "INSERT INTO agg_key (office, unit_snapshot, level, field) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING RETURNING id";
static const char find_key_sql[] =
    "SELECT id FROM agg_key WHERE office = $1 AND unit_snapshot = $2::date AND "
    "level = $3::smallint AND field = $4";

static uint64_t key_hash(const agg_key *k)
{
	uint64_t h = hashidx_str(HASHIDX_SEED, k->office);
	h = hashidx_str(h, k->snapshot);
	h = hashidx_str(h, k->field);
	return hashidx_bytes(h, &k->level, sizeof k->level);
}

static int key_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const agg_key *a = &((const agg_keys *)ctx)->v[idx], *b = probe;
	return a->level == b->level && !strcmp(a->office, b->office) &&
	       !strcmp(a->snapshot, b->snapshot) && !strcmp(a->field, b->field);
}

uint32_t agg_keys_add(agg_keys *k, const char *office, const char *snapshot, int level,
                      const char *field)
{
	agg_key probe = {office, snapshot, field ? field : "", level, -1};
	uint32_t idx;
	int r;

	if (grow_array((void **)&k->v, &k->cap, k->n + 1, sizeof *k->v) != 0 ||
	    (r = hashidx_get_or_add(&k->ix, key_hash(&probe), &probe, key_eq, k, (uint32_t)k->n,
	                            &idx)) < 0)
		return UINT32_MAX;
	if (r == 0)
		k->v[k->n++] = probe;
	return idx;
}

/* Order of keys for inserting them (any fixed one). */
static int key_cmp(const void *pa, const void *pb)
{
	const agg_key *a = *(agg_key *const *)pa, *b = *(agg_key *const *)pb;
	int c;
	if ((c = strcmp(a->office, b->office)) != 0 ||
	    (c = strcmp(a->snapshot, b->snapshot)) != 0 || (c = strcmp(a->field, b->field)) != 0)
		return c;
	return (a->level > b->level) - (a->level < b->level);
}

/* Adds the keys to agg_key (or finds the other writer's row) and sets their ids. */
static int insert_keys(PGconn *conn, agg_key **keys, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		agg_key *k = keys[i];
		char level[12];
		snprintf(level, sizeof level, "%d", k->level);
		const char *params[4] = {k->office, k->snapshot, level, k->field};
		PGresult *r =
		    db_query(conn, "aggregates: new key", new_key_sql, 4, params, err, errlen);
		if (r && PQntuples(r) < 1) {
			PQclear(r);
			r = db_query(conn, "aggregates: key", find_key_sql, 4, params, err, errlen);
			if (r && PQntuples(r) < 1) { /* cannot happen: inserted, or there already */
				PQclear(r);
				snprintf(err, errlen, "aggregates: key of office %s not found",
				         k->office);
				return -1;
			}
		}
		if (!r)
			return -1;
		k->id = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	return 0;
}

static int known_eq(const void *ctx, uint32_t idx, const void *probe)
{
	const PGresult *r = ctx;
	const agg_key *k = probe;
	return atoi(PQgetvalue(r, (int)idx, 3)) == k->level &&
	       !strcmp(PQgetvalue(r, (int)idx, 1), k->office) &&
	       !strcmp(PQgetvalue(r, (int)idx, 2), k->snapshot) &&
	       !strcmp(PQgetvalue(r, (int)idx, 4), k->field);
}

int agg_keys_resolve(PGconn *conn, agg_keys *k, char *err, size_t errlen)
{
	if (!k->known) {
		k->known = db_query(conn, "aggregates: keys", known_keys_sql, 0, NULL, err, errlen);
		if (!k->known)
			return -1;
		for (int i = 0; i < PQntuples(k->known); i++) {
			agg_key row = {PQgetvalue(k->known, i, 1), PQgetvalue(k->known, i, 2),
			               PQgetvalue(k->known, i, 4), atoi(PQgetvalue(k->known, i, 3)),
			               -1};
			uint32_t idx;
			if (hashidx_get_or_add(&k->known_ix, key_hash(&row), &row, known_eq,
			                       k->known, (uint32_t)i, &idx) < 0) {
				snprintf(err, errlen, "aggregates: out of memory");
				return -1;
			}
		}
	}
	agg_key **missing = malloc((k->n + 1) * sizeof *missing);
	size_t nmissing = 0;
	if (!missing) {
		snprintf(err, errlen, "aggregates: out of memory");
		return -1;
	}
	for (size_t i = 0; i < k->n; i++) {
		agg_key *key = &k->v[i];
		uint32_t row;
		if (hashidx_find(&k->known_ix, key_hash(key), key, known_eq, k->known, &row))
			key->id = atoi(PQgetvalue(k->known, (int)row, 0));
		else
			missing[nmissing++] = key;
	}
	/* in one order in every writer: two adding keys at once wait for each other in turn,
	 * never in a circle */
	qsort(missing, nmissing, sizeof *missing, key_cmp);
	int rc = insert_keys(conn, missing, nmissing, err, errlen);
	free(missing);
	return rc;
}

void agg_keys_clear(agg_keys *k)
{
	k->n = 0;
	hashidx_free(&k->ix);
}

void agg_keys_free(agg_keys *k)
{
	free(k->v);
	hashidx_free(&k->ix);
	hashidx_free(&k->known_ix);
	PQclear(k->known);
	memset(k, 0, sizeof *k);
}

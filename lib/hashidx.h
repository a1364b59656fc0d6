/* hashidx: a hash index over the caller's own array. It stores only element indices (and their
 * hashes), so the caller keeps its elements where they are and says how to compare one with a
 * probe. Open addressing, linear probing, grown at half full; no removal. Used where stats would
 * otherwise sort strings per record (repeated event ids, aggregate keys and cells). */
#ifndef CCHC_HASHIDX_H
#define CCHC_HASHIDX_H

#include <stddef.h>
#include <stdint.h>

typedef struct hashidx {
	struct hashidx_slot *slot; /* cap slots; NULL until the first add */
	size_t cap, n;
} hashidx;

/* Whether element idx of the caller's array equals probe. */
typedef int (*hashidx_eq)(const void *ctx, uint32_t idx, const void *probe);

/* Looks for an element equal to probe (hash is the probe's hash). Found: *idx is its index and
 * 1 is returned. Not found: add_idx is recorded as its index, *idx = add_idx and 0 is returned.
 * -1 when out of memory (nothing recorded). */
int hashidx_get_or_add(hashidx *h, uint64_t hash, const void *probe, hashidx_eq eq, const void *ctx,
                       uint32_t add_idx, uint32_t *idx);

/* Looks for an element equal to probe without adding one: 1 and *idx when found, else 0. */
int hashidx_find(const hashidx *h, uint64_t hash, const void *probe, hashidx_eq eq, const void *ctx,
                 uint32_t *idx);

void hashidx_free(hashidx *h);

/* FNV-1a over bytes, to start or continue a hash (seed HASHIDX_SEED). */
#define HASHIDX_SEED 14695981039346656037ULL
uint64_t hashidx_bytes(uint64_t h, const void *p, size_t n);
/* Over a NUL-terminated string and its terminator (so "ab","c" and "a","bc" differ). */
uint64_t hashidx_str(uint64_t h, const char *s);
/* Of two 32-bit numbers (splitmix64's finaliser). */
uint64_t hashidx_pair(uint32_t a, uint32_t b);

#endif

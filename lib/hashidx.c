/* hashidx: hash index over a caller's array (hashidx.h). */
#include "hashidx.h"

#include <stdlib.h>
#include <string.h>

struct hashidx_slot {
	uint64_t hash;
	uint32_t idx;
	uint32_t used;
};

uint64_t hashidx_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t hashidx_str(uint64_t h, const char *s)
{
	return hashidx_bytes(h, s, strlen(s) + 1);
}

uint64_t hashidx_pair(uint32_t a, uint32_t b)
{
	uint64_t z = ((uint64_t)a << 32 | b) + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The slot of the element equal to probe, or the empty one where it would go; with eq NULL,
 * always the first empty one. cap is a power of two with at least one empty slot. */
static struct hashidx_slot *probe_slot(const hashidx *h, uint64_t hash, const void *probe,
                                       hashidx_eq eq, const void *ctx)
{
	size_t mask = h->cap - 1, i = (size_t)(hash ^ (hash >> 29)) & mask;

	for (;; i = (i + 1) & mask) {
		struct hashidx_slot *s = &h->slot[i];
		if (!s->used || (eq && s->hash == hash && eq(ctx, s->idx, probe)))
			return s;
	}
}

static int grow(hashidx *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	hashidx bigger = {calloc(cap, sizeof *bigger.slot), cap, h->n};

	if (!bigger.slot || cap < h->cap)
		return free(bigger.slot), -1;
	for (size_t i = 0; i < h->cap; i++)
		if (h->slot[i].used)
			/* every element moved is distinct: no equality test, the first empty slot
			 */
			*probe_slot(&bigger, h->slot[i].hash, NULL, NULL, NULL) = h->slot[i];
	free(h->slot);
	*h = bigger;
	return 0;
}

int hashidx_get_or_add(hashidx *h, uint64_t hash, const void *probe, hashidx_eq eq, const void *ctx,
                       uint32_t add_idx, uint32_t *idx)
{
	struct hashidx_slot *s;

	if ((h->n + 1) * 2 > h->cap && grow(h) != 0)
		return -1;
	s = probe_slot(h, hash, probe, eq, ctx);
	if (s->used) {
		*idx = s->idx;
		return 1;
	}
	*s = (struct hashidx_slot){.hash = hash, .idx = add_idx, .used = 1};
	h->n++;
	*idx = add_idx;
	return 0;
}

int hashidx_find(const hashidx *h, uint64_t hash, const void *probe, hashidx_eq eq, const void *ctx,
                 uint32_t *idx)
{
	const struct hashidx_slot *s;

	if (!h->cap)
		return 0;
	s = probe_slot(h, hash, probe, eq, ctx);
	if (!s->used)
		return 0;
	*idx = s->idx;
	return 1;
}

void hashidx_free(hashidx *h)
{
	free(h->slot);
	memset(h, 0, sizeof *h);
}

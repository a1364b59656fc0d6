/* gen_rng: the seeded random stream of `cchc gen`: xoshiro256** seeded through splitmix64, so the
 * same seed gives the same records on every machine (never rand(), whose sequence is libc's). */
#ifndef CCHC_GEN_RNG_H
#define CCHC_GEN_RNG_H

#include <stdint.h>

typedef struct gen_rng {
	uint64_t s[4];
} gen_rng;

static inline uint64_t gen_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void gen_rng_seed(gen_rng *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		g->s[i] = gen_splitmix64(&seed);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_rng_next(gen_rng *g)
{
	uint64_t *s = g->s;
	uint64_t result = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static inline double gen_rng_double(gen_rng *g)
{
	return (double)(gen_rng_next(g) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) for n >= 1 (0 when n is 0). */
static inline uint64_t gen_rng_below(gen_rng *g, uint64_t n)
{
	return n ? gen_rng_next(g) % n : 0;
}

#endif

/* rng.h: the one random number generator (xoshiro256**, seeded by
 * splitmix64), so a seed gives the same numbers on every machine.  Streams
 * for threads are derived with rng_split, never by sharing state. */
#ifndef SC_RNG_H
#define SC_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed);
/* An independent stream: seeds a new generator from this one and `stream`. */
void rng_split(const rng *r, uint64_t stream, rng *out);
uint64_t rng_u64(rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(rng *r);
/* Uniform integer in [0, n) without modulo bias. */
uint64_t rng_below(rng *r, uint64_t n);
/* Standard normal (Marsaglia polar method, no cached spare: stateless). */
double rng_normal(rng *r);
/* Fisher-Yates shuffle of an index array. */
void rng_shuffle_i64(rng *r, int64_t *a, int64_t n);

#endif

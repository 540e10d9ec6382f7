/* test_rng.c: the generator is deterministic, uniform and normal enough. */
#include <math.h>

#include "rng.h"
#include "tap.h"

int main(void)
{
    rng a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= rng_u64(&a) == rng_u64(&b);
    tap_ok(same, "same seed, same stream");
    rng_seed(&b, 43);
    tap_ok(rng_u64(&a) != rng_u64(&b), "different seeds differ");

    /* moments of 200k draws: mean within 5 standard errors */
    rng_seed(&a, 7);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&a);
        if (u < 0 || u >= 1) {
            su = NAN;
            break;
        }
        su += u;
        double z = rng_normal(&a);
        sn += z;
        sn2 += z * z;
    }
    double se_u = sqrt(1.0 / 12 / n);
    tap_ok(fabs(su / n - 0.5) < 5 * se_u, "uniform mean %.5f", su / n);
    tap_ok(fabs(sn / n) < 5 / sqrt(n), "normal mean %.5f", sn / n);
    tap_ok(fabs(sn2 / n - 1) < 5 * sqrt(2.0 / n), "normal variance %.5f", sn2 / n);

    int counts[7] = {0};
    for (int i = 0; i < 70000; i++)
        counts[rng_below(&a, 7)]++;
    int flat = 1;
    for (int k = 0; k < 7; k++)
        flat &= abs(counts[k] - 10000) < 5 * 95; /* sd ~ sqrt(10000*6/7) */
    tap_ok(flat, "rng_below(7) is flat");

    int64_t perm[100];
    for (int i = 0; i < 100; i++)
        perm[i] = i;
    rng_shuffle_i64(&a, perm, 100);
    int seen[100] = {0}, moved = 0;
    for (int i = 0; i < 100; i++) {
        seen[perm[i]]++;
        moved += perm[i] != i;
    }
    int isperm = 1;
    for (int i = 0; i < 100; i++)
        isperm &= seen[i] == 1;
    tap_ok(isperm && moved > 80, "shuffle is a permutation that moves most items (%d)", moved);

    rng c1, c2;
    rng_split(&a, 1, &c1);
    rng_split(&a, 2, &c2);
    tap_ok(rng_u64(&c1) != rng_u64(&c2), "split streams differ");
    return tap_done();
}

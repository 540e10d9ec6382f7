/* distrib.h: sampling from the distributions the simulator needs (gamma,
 * Poisson, negative binomial, binomial, log-normal, chi-square), all drawn
 * from the project's one generator (rng.h) so a seed gives the same numbers
 * on every machine.
 *
 * Every sampler is exact (no normal approximations): inversion for small
 * means, transformed rejection (Hoermann 1993) for large ones. */
#ifndef SC_DISTRIB_H
#define SC_DISTRIB_H

#include <stdint.h>

#include "rng.h"

/* Gamma with the given shape (> 0) and scale (> 0); mean shape*scale.
 * Marsaglia & Tsang (2000), boosted by U^(1/shape) for shape < 1. */
double dist_gamma(rng *r, double shape, double scale);

/* Chi-square with df > 0 degrees of freedom (2 * Gamma(df/2, 1)). */
double dist_chisq(rng *r, double df);

/* exp(N(mu, sigma^2)). */
double dist_lognormal(rng *r, double mu, double sigma);

/* Poisson with mean lambda >= 0. */
int64_t dist_poisson(rng *r, double lambda);

/* Negative binomial with the given mean and size (inverse dispersion):
 * variance mean + mean^2/size.  A size of +INFINITY gives Poisson. */
int64_t dist_nb(rng *r, double mean, double size);

/* The same by inversion of a given uniform u in [0, 1): the smallest k with
 * P(X <= k) >= u.  Cost grows with the mean; meant for means below ~20, where
 * it is the fastest exact method (the simulator's hot loop uses it). */
int64_t dist_nb_inv(double u, double mean, double size);

/* Binomial(n, p) with n >= 0, 0 <= p <= 1. */
int64_t dist_binomial(rng *r, int64_t n, double p);

#endif

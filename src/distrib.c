/* distrib.c: exact samplers over rng.h.  The rejection samplers follow
 * Hoermann (1993): PTRS for the Poisson and BTRS for the binomial; both need
 * log k!, computed here without lgamma() because glibc's lgamma writes the
 * global `signgam`, a data race when the simulator samples on several
 * threads. */
#include "distrib.h"

#include <math.h>

/* log(k!) for k >= 0: exact product below 10, Stirling's series above
 * (absolute error < 1e-10 at k = 10, smaller beyond). */
static double log_factorial(double k)
{
    if (k < 10) {
        double f = 1;
        for (int i = 2; i <= (int)k; i++)
            f *= i;
        return log(f);
    }
    double x = k + 1, x2 = x * x;
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 /* log(2 pi) / 2 */ +
           (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
}

double dist_gamma(rng *r, double shape, double scale)
{
    if (shape < 1) {
        /* Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia & Tsang, section 6) */
        double u = rng_uniform(r);
        return dist_gamma(r, shape + 1, scale) * pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9 * d);
    for (;;) {
        double x = rng_normal(r), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = rng_uniform(r);
        if (u < 1 - 0.0331 * (x * x) * (x * x))
            return d * v * scale;
        if (log(u) < 0.5 * x * x + d * (1 - v + log(v)))
            return d * v * scale;
    }
}

double dist_chisq(rng *r, double df)
{
    return 2 * dist_gamma(r, df / 2, 1);
}

double dist_lognormal(rng *r, double mu, double sigma)
{
    return exp(mu + sigma * rng_normal(r));
}

/* Transformed rejection with squeeze (PTRS), lambda >= 10. */
static int64_t poisson_ptrs(rng *r, double lam)
{
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = rng_uniform(r) - 0.5, v = rng_uniform(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr)
            return (int64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - log_factorial(k))
            return (int64_t)k;
    }
}

int64_t dist_poisson(rng *r, double lambda)
{
    if (!(lambda > 0))
        return 0;
    if (lambda >= 10)
        return poisson_ptrs(r, lambda);
    return dist_nb_inv(rng_uniform(r), lambda, INFINITY);
}

int64_t dist_nb(rng *r, double mean, double size)
{
    if (!(mean > 0))
        return 0;
    if (isinf(size))
        return dist_poisson(r, mean);
    return dist_poisson(r, dist_gamma(r, size, mean / size));
}

int64_t dist_nb_inv(double u, double mean, double size)
{
    if (!(mean > 0))
        return 0;
    double p, q; /* P(X = 0), and the factor of the pmf recursion */
    int pois = isinf(size);
    if (pois) {
        p = exp(-mean);
        q = mean;
    } else {
        p = exp(-size * log1p(mean / size));
        q = mean / (size + mean);
    }
    double cum = p;
    int64_t k = 0;
    /* P(k+1) = P(k) * (k + size) / (k + 1) * q (Poisson: * mean / (k + 1)).
     * The cap only matters when rounding keeps cum just below u ~ 1. */
    while (u > cum && k < 100000000) {
        p *= pois ? q / (double)(k + 1) : ((double)k + size) / (double)(k + 1) * q;
        k++;
        cum += p;
        if (p < 1e-300 && (double)k > mean)
            break;
    }
    return k;
}

/* Transformed rejection (BTRS) for n*p >= 10, p <= 0.5. */
static int64_t binomial_btrs(rng *r, int64_t n, double p)
{
    double q = 1 - p, spq = sqrt((double)n * p * q);
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = (double)n * p + 0.5;
    double vr = 0.92 - 4.2 / b, alpha = (2.83 + 5.1 / b) * spq, lpq = log(p / q);
    double m = floor((double)(n + 1) * p);
    double h = log_factorial(m) + log_factorial((double)n - m);
    for (;;) {
        double u = rng_uniform(r) - 0.5, v = rng_uniform(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + c);
        if (k < 0 || k > (double)n)
            continue;
        if (us >= 0.07 && v <= vr)
            return (int64_t)k;
        v = log(v * alpha / (a / (us * us) + b));
        if (v <= h - log_factorial(k) - log_factorial((double)n - k) + (k - m) * lpq)
            return (int64_t)k;
    }
}

/* Inversion: walk the pmf from 0, for n*p < 10 (expected steps n*p). */
static int64_t binomial_inv(rng *r, int64_t n, double p)
{
    double q = 1 - p, s = p / q, a = (double)(n + 1) * s;
    double pk = exp((double)n * log1p(-p)), u = rng_uniform(r), cum = pk;
    int64_t k = 0;
    while (u > cum && k < n) {
        k++;
        pk *= a / (double)k - s;
        cum += pk;
    }
    return k;
}

int64_t dist_binomial(rng *r, int64_t n, double p)
{
    if (n <= 0 || !(p > 0))
        return 0;
    if (p >= 1)
        return n;
    if (p > 0.5)
        return n - dist_binomial(r, n, 1 - p);
    if ((double)n * p < 10)
        return binomial_inv(r, n, p);
    return binomial_btrs(r, n, p);
}

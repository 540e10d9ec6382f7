/* test_distrib.c: every sampler's sample mean and variance against the
 * distribution's, and P(X = 0) for the discrete ones, within 5 standard
 * errors (the standard error of the variance estimated from the sample's
 * fourth moment); plus determinism for a seed. */
#include <math.h>
#include <stdint.h>

#include "distrib.h"
#include "tap.h"

#define N 200000

typedef struct moments {
    double mean, var, se_mean, se_var, p0;
} moments;

static moments summarise(const double *x, int n)
{
    moments m = {0};
    double s = 0;
    int zeros = 0;
    for (int i = 0; i < n; i++) {
        s += x[i];
        zeros += x[i] == 0;
    }
    m.mean = s / n;
    double m2 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - m.mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m.var = m2 / (n - 1);
    m4 /= n;
    m.se_mean = sqrt(m.var / n);
    m.se_var = sqrt(fmax(m4 - m.var * m.var, 0) / n);
    m.p0 = (double)zeros / n;
    return m;
}

static double sample[N];

static void check(const char *what, double mean, double var, double p0)
{
    moments m = summarise(sample, N);
    tap_ok(fabs(m.mean - mean) <= 5 * m.se_mean + 1e-12, "%s: mean %.5g vs %.5g (se %.2g)", what,
           m.mean, mean, m.se_mean);
    tap_ok(fabs(m.var - var) <= 5 * m.se_var + 1e-12, "%s: variance %.5g vs %.5g (se %.2g)", what,
           m.var, var, m.se_var);
    if (p0 >= 0) {
        double se = sqrt(p0 * (1 - p0) / N);
        tap_ok(fabs(m.p0 - p0) <= 5 * se + 1e-12, "%s: P(0) %.5f vs %.5f", what, m.p0, p0);
    }
}

/* Pearson's chi-square of the sample against a pmf over the values whose
 * expected count is at least 20 (the rest pooled into one bin); passes
 * when it stays below df + 5 sqrt(2 df).  Catches a wrong shape that still
 * has the right mean and variance (a broken rejection step). */
typedef double (*pmf_fn)(double k, const double *par);

static double pmf_poisson(double k, const double *par)
{
    return exp(k * log(par[0]) - par[0] - lgamma(k + 1));
}

static double pmf_binomial(double k, const double *par)
{
    double n = par[0], p = par[1];
    return exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) +
               (n - k) * log1p(-p));
}

static double pmf_nb(double k, const double *par)
{
    double mu = par[0], sz = par[1];
    return exp(lgamma(k + sz) - lgamma(sz) - lgamma(k + 1) + sz * log(sz / (sz + mu)) +
               k * log(mu / (sz + mu)));
}

static void check_gof(const char *what, pmf_fn pmf, const double *par, int kmax)
{
    static double obs[2048];
    memset(obs, 0, sizeof obs);
    for (int i = 0; i < N; i++)
        if (sample[i] >= 0 && sample[i] <= kmax)
            obs[(int)sample[i]]++;
    double chi = 0, rest_exp = N, rest_obs = N;
    int bins = 0;
    for (int k = 0; k <= kmax; k++) {
        double ex = N * pmf(k, par);
        if (ex < 20)
            continue;
        chi += (obs[k] - ex) * (obs[k] - ex) / ex;
        bins++;
        rest_exp -= ex;
        rest_obs -= obs[k];
    }
    if (rest_exp >= 5) {
        chi += (rest_obs - rest_exp) * (rest_obs - rest_exp) / rest_exp;
        bins++;
    }
    int df = bins - 1;
    tap_ok(df > 0 && chi < df + 5 * sqrt(2.0 * df), "%s: chi-square %.1f on %d df", what, chi, df);
}

int main(void)
{
    rng r;
    char what[128];

    static const double gshape[] = {0.3, 1, 2.5, 60};
    for (int t = 0; t < 4; t++) {
        rng_seed(&r, 100 + (uint64_t)t);
        for (int i = 0; i < N; i++)
            sample[i] = dist_gamma(&r, gshape[t], 2);
        snprintf(what, sizeof what, "gamma(shape %g, scale 2)", gshape[t]);
        check(what, gshape[t] * 2, gshape[t] * 4, -1);
    }

    rng_seed(&r, 7);
    for (int i = 0; i < N; i++)
        sample[i] = dist_chisq(&r, 60);
    check("chisq(60)", 60, 120, -1);

    rng_seed(&r, 8);
    for (int i = 0; i < N; i++)
        sample[i] = dist_lognormal(&r, 0.1, 0.4);
    check("lognormal(0.1, 0.4)", exp(0.1 + 0.08), (exp(0.16) - 1) * exp(0.2 + 0.16), -1);

    static const double lam[] = {0.5, 3, 9.9, 10, 50, 1000};
    for (int t = 0; t < 6; t++) {
        rng_seed(&r, 200 + (uint64_t)t);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_poisson(&r, lam[t]);
        snprintf(what, sizeof what, "poisson(%g)", lam[t]);
        check(what, lam[t], lam[t], exp(-lam[t]));
    }

    /* (mean, size): tiny means with strong overdispersion as the simulator
     * makes them, and both paths (Poisson below/above 10) of the mixture */
    static const double nb[][2] = {{0.1, 0.05}, {2, 0.5}, {5, 10}, {50, 2}, {500, 20}};
    for (int t = 0; t < 5; t++) {
        double mu = nb[t][0], sz = nb[t][1];
        rng_seed(&r, 300 + (uint64_t)t);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_nb(&r, mu, sz);
        snprintf(what, sizeof what, "nb(mean %g, size %g)", mu, sz);
        check(what, mu, mu + mu * mu / sz, pow(sz / (sz + mu), sz));
        rng_seed(&r, 400 + (uint64_t)t);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_nb_inv(rng_uniform(&r), mu, sz);
        snprintf(what, sizeof what, "nb_inv(mean %g, size %g)", mu, sz);
        check(what, mu, mu + mu * mu / sz, pow(sz / (sz + mu), sz));
    }
    rng_seed(&r, 450);
    for (int i = 0; i < N; i++)
        sample[i] = (double)dist_nb_inv(rng_uniform(&r), 4, INFINITY);
    check("nb_inv(mean 4, size inf) = poisson(4)", 4, 4, exp(-4));
    tap_ok(dist_nb_inv(0.0, 3, 1) == 0 && dist_nb_inv(0.5, 0, 1) == 0,
           "nb_inv: u = 0 and mean 0 give 0");

    static const struct {
        int64_t n;
        double p;
    } bi[] = {{20, 0.3}, {100, 0.05}, {1000, 0.3}, {50, 0.9}, {1000000, 0.5}};
    for (int t = 0; t < 5; t++) {
        rng_seed(&r, 500 + (uint64_t)t);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_binomial(&r, bi[t].n, bi[t].p);
        snprintf(what, sizeof what, "binomial(%lld, %g)", (long long)bi[t].n, bi[t].p);
        double n = (double)bi[t].n, p = bi[t].p;
        check(what, n * p, n * p * (1 - p), pow(1 - p, n));
    }
    /* goodness of fit of the rejection samplers and the gamma mixture */
    {
        double par[2] = {12, 0};
        rng_seed(&r, 600);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_poisson(&r, 12);
        check_gof("poisson(12) (PTRS)", pmf_poisson, par, 60);
        par[0] = 50;
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_poisson(&r, 50);
        check_gof("poisson(50) (PTRS)", pmf_poisson, par, 150);
        par[0] = 40;
        par[1] = 0.4;
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_binomial(&r, 40, 0.4);
        check_gof("binomial(40, 0.4) (BTRS)", pmf_binomial, par, 40);
        par[0] = 1000;
        par[1] = 0.3;
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_binomial(&r, 1000, 0.3);
        check_gof("binomial(1000, 0.3) (BTRS)", pmf_binomial, par, 1000);
        par[0] = 3;
        par[1] = 0.7;
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_nb(&r, 3, 0.7);
        check_gof("nb(3, 0.7) (gamma-Poisson)", pmf_nb, par, 200);
        for (int i = 0; i < N; i++)
            sample[i] = (double)dist_nb_inv(rng_uniform(&r), 3, 0.7);
        check_gof("nb_inv(3, 0.7)", pmf_nb, par, 200);
    }

    rng_seed(&r, 9);
    int edge = dist_binomial(&r, 0, 0.5) == 0 && dist_binomial(&r, 7, 0) == 0 &&
               dist_binomial(&r, 7, 1) == 7 && dist_poisson(&r, 0) == 0 && dist_nb(&r, 0, 1) == 0;
    tap_ok(edge, "edge cases: n = 0, p = 0, p = 1, zero means");

    /* determinism: the same seed gives the same draws, another seed does not */
    rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        double x = dist_gamma(&a, 0.6, 1) + (double)dist_nb(&a, 3, 0.7) +
                   (double)dist_binomial(&a, 500, 0.2) + (double)dist_poisson(&a, 40);
        double y = dist_gamma(&b, 0.6, 1) + (double)dist_nb(&b, 3, 0.7) +
                   (double)dist_binomial(&b, 500, 0.2) + (double)dist_poisson(&b, 40);
        double z = dist_gamma(&c, 0.6, 1) + (double)dist_nb(&c, 3, 0.7) +
                   (double)dist_binomial(&c, 500, 0.2) + (double)dist_poisson(&c, 40);
        same &= x == y;
        differ |= x != z;
    }
    tap_ok(same, "same seed, same draws");
    tap_ok(differ, "another seed, other draws");
    return tap_done();
}

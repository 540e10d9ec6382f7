/* test_gradcheck.c: every layer, every likelihood and the whole VAE loss
 * against central finite differences, in double precision.
 *
 * The kernels under test are the same source as the float ones that train
 * (nn_kern_impl.h, lik_kern_impl.h, vae_kern_impl.h built with double).
 * For each gradient tensor the error is
 *
 *   err = max_i |a_i - n_i| / max(|a_i| + |n_i|, 1e-3 * scale),
 *   scale = max_i (|a_i| + |n_i|)
 *
 * (a analytic, n numerical by the 4-point central difference with step
 * h_i = 1e-3 max(|x_i|, 0.1), error O(h^4)): a relative error per element,
 * except that entries a thousand times smaller than the tensor's largest are
 * judged against that floor (their differences are rounding noise of the
 * summed loss).  The bound is GRAD_BOUND = 1e-6; the worst error is printed.
 * In the whole VAE the biases of the linear layers that feed a BatchNorm
 * have a gradient of exactly zero (the normalisation removes any shift);
 * those tensors must be zero in both, below 1e-8 of the model's largest
 * gradient.  Likelihood values are also checked against scvi-tools'
 * formulas written out here with libm's lgamma, and the float build
 * against the double one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lik.h"
#include "nn.h"
#include "nn_math.h"
#include "rng.h"
#include "tap.h"
#include "vae.h"

#define GRAD_BOUND 1e-6
#define FD_H 1e-3

static double worst = 0;
static char worst_what[160] = "";

static double grad_err(const double *a, const double *n, size_t len)
{
    double scale = 0, err = 0;
    for (size_t i = 0; i < len; i++)
        scale = fmax(scale, fabs(a[i]) + fabs(n[i]));
    for (size_t i = 0; i < len; i++) {
        double den = fmax(fabs(a[i]) + fabs(n[i]), 1e-3 * scale);
        err = fmax(err, fabs(a[i] - n[i]) / den);
    }
    return err;
}

static void note_worst(double err, const char *what)
{
    if (err > worst || isnan(err)) {
        worst = isnan(err) ? INFINITY : err;
        snprintf(worst_what, sizeof worst_what, "%s", what);
    }
}

static void check(const char *what, const double *a, const double *n, size_t len)
{
    double err = grad_err(a, n, len);
    int nonzero = 0;
    for (size_t i = 0; i < len && !nonzero; i++)
        nonzero = a[i] != 0;
    note_worst(err, what);
    tap_ok(err < GRAD_BOUND && nonzero, "%s: %zu entries, error %.2e%s", what, len, err,
           nonzero ? "" : " (all zero: nothing checked)");
}

/* A gradient that is zero in exact arithmetic: both must be tiny next to
 * `global`, the largest gradient of the model. */
static void check_zero(const char *what, const double *a, const double *n, size_t len,
                       double global)
{
    double ma = 0, mn = 0;
    for (size_t i = 0; i < len; i++) {
        ma = fmax(ma, fabs(a[i]));
        mn = fmax(mn, fabs(n[i]));
    }
    tap_ok(ma < 1e-8 * global && mn < 1e-8 * global,
           "%s: %zu entries, zero as expected (analytic %.1e, numerical %.1e, largest gradient "
           "%.1e)", what, len, ma, mn, global);
}

/* 4-point central differences of f with respect to x[0..n). */
typedef double (*objective)(void *ctx);
static void numgrad(objective f, void *ctx, double *x, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++) {
        double s = x[i], h = FD_H * fmax(fabs(s), 0.1);
        x[i] = s + h;
        double f1 = f(ctx);
        x[i] = s - h;
        double fm1 = f(ctx);
        x[i] = s + 2 * h;
        double f2 = f(ctx);
        x[i] = s - 2 * h;
        double fm2 = f(ctx);
        x[i] = s;
        out[i] = (fm2 - 8 * fm1 + 8 * f1 - f2) / (12 * h);
    }
}

static double *randn(rng *r, size_t n, double sd)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = sd * rng_normal(r);
    return p;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* A random sparse batch: B rows over K columns, ~density non-zeros. */
typedef struct sparse {
    int B, K;
    int64_t *ptr;
    int32_t *idx;
    double *val;
} sparse;

static void sparse_random(sparse *s, rng *r, int B, int K, double density, const double *pool,
                          int npool)
{
    s->B = B;
    s->K = K;
    s->ptr = calloc((size_t)B + 1, sizeof *s->ptr);
    s->idx = calloc((size_t)B * K, sizeof *s->idx);
    s->val = calloc((size_t)B * K, sizeof *s->val);
    int64_t n = 0;
    for (int b = 0; b < B; b++) {
        for (int j = 0; j < K; j++)
            if (rng_uniform(r) < density || (j == K - 1 && n == s->ptr[b])) {
                s->idx[n] = j;
                s->val[n++] = pool[rng_below(r, (uint64_t)npool)];
            }
        s->ptr[b + 1] = n;
    }
}

static void sparse_free(sparse *s)
{
    free(s->ptr);
    free(s->idx);
    free(s->val);
}

/* ---- linear layers ---------------------------------------------------- */

typedef struct lin_ctx {
    int B, K, N, sparse_in;
    double *in, *W, *bias, *out, *R;
    nn_cov cov;
    nn_csr_d x;
} lin_ctx;

static double lin_obj(void *p)
{
    lin_ctx *c = p;
    if (c->sparse_in)
        nn_csr_linear_forward_d(c->out, &c->x, c->W, c->bias, &c->cov, c->K, c->N);
    else
        nn_linear_forward_d(c->out, c->in, c->W, c->bias, &c->cov, c->B, c->K, c->N);
    return dot(c->out, c->R, (size_t)c->B * c->N);
}

static void test_linear(rng *r, int sparse_in)
{
    enum { B = 6, K = 7, N = 4, C = 5, NC = 2 };
    lin_ctx c = {B, K, N, sparse_in, NULL, NULL, NULL, NULL, NULL, {0, 0, NULL}, {0, 0, 0, 0}};
    int32_t cols[B * NC];
    for (int b = 0; b < B; b++) {
        cols[b * NC] = b % 3 == 2 ? -1 : (int32_t)rng_below(r, 3);   /* covariate of 3 */
        cols[b * NC + 1] = 3 + (int32_t)rng_below(r, 2);             /* covariate of 2 */
    }
    c.cov = (nn_cov){NC, C, cols};
    c.in = randn(r, (size_t)B * K, 1);
    c.W = randn(r, (size_t)(K + C) * N, 1);
    c.bias = randn(r, N, 1);
    c.out = calloc((size_t)B * N, sizeof *c.out);
    c.R = randn(r, (size_t)B * N, 1);
    sparse s = {0};
    if (sparse_in) {
        const double pool[] = {0.3, 1.2, 2.5, 0.7};
        sparse_random(&s, r, B, K, 0.75, pool, 4); /* rows of 4+: the unrolled path too */
        c.x = (nn_csr_d){B, s.ptr, s.idx, s.val};
    }
    double *dW = calloc((size_t)(K + C) * N, sizeof *dW), *db = calloc(N, sizeof *db);
    double *din = calloc((size_t)B * K, sizeof *din);
    double *nW = calloc((size_t)(K + C) * N, sizeof *nW), *nb = calloc(N, sizeof *nb);
    double *nin = calloc((size_t)B * K, sizeof *nin);
    /* backward accumulates: start from non-zero gradients and subtract */
    for (int i = 0; i < N; i++)
        db[i] = 1;
    lin_obj(&c);
    if (sparse_in)
        nn_csr_linear_backward_d(dW, db, c.R, &c.x, &c.cov, K, N);
    else
        nn_linear_backward_d(din, dW, db, c.R, c.in, c.W, &c.cov, B, K, N);
    for (int i = 0; i < N; i++)
        db[i] -= 1;
    numgrad(lin_obj, &c, c.W, (size_t)(K + C) * N, nW);
    numgrad(lin_obj, &c, c.bias, N, nb);
    const char *name = sparse_in ? "sparse linear" : "linear";
    char what[64];
    snprintf(what, sizeof what, "%s dW (with covariate rows)", name);
    check(what, dW, nW, (size_t)(K + C) * N);
    snprintf(what, sizeof what, "%s dbias", name);
    check(what, db, nb, N);
    if (!sparse_in) {
        numgrad(lin_obj, &c, c.in, (size_t)B * K, nin);
        check("linear din", din, nin, (size_t)B * K);
    } else {
        /* the sparse layer computes the dense layer's function */
        double *dense = calloc((size_t)B * K, sizeof *dense);
        double *o2 = calloc((size_t)B * N, sizeof *o2);
        nn_csr_densify_d(dense, &c.x, K);
        nn_linear_forward_d(o2, dense, c.W, c.bias, &c.cov, B, K, N);
        lin_obj(&c);
        double md = 0;
        for (int i = 0; i < B * N; i++)
            md = fmax(md, fabs(o2[i] - c.out[i]));
        tap_ok(md < 1e-12, "sparse linear forward equals densify + linear (max diff %.1e)", md);
        free(dense);
        free(o2);
        sparse_free(&s);
    }
    free(c.in), free(c.W), free(c.bias), free(c.out), free(c.R);
    free(dW), free(db), free(din), free(nW), free(nb), free(nin);
}

/* ---- BatchNorm, ReLU, dropout, softmax x library, Gaussian sample ------ */

typedef struct ew_ctx {
    int kind, B, N;
    double *in, *in2, *g, *beta, *out, *out2, *R, *mean, *var, *mask, *lib, *eps;
} ew_ctx;

enum { EW_BN, EW_RELU, EW_DROP, EW_SOFTMAX, EW_GAUSS };

static double ew_obj(void *p)
{
    ew_ctx *c = p;
    size_t n = (size_t)c->B * c->N;
    switch (c->kind) {
    case EW_BN:
        nn_batchnorm_forward_d(c->out, c->mean, c->var, c->in, c->g, c->beta, 1e-3, c->B, c->N);
        break;
    case EW_RELU:
        nn_relu_forward_d(c->out, c->in, n);
        break;
    case EW_DROP:
        nn_dropout_forward_d(c->out, c->in, c->mask, n);
        break;
    case EW_SOFTMAX:
        nn_softmax_scale_forward_d(c->out2, c->out, c->in, c->lib, c->B, c->N);
        break;
    case EW_GAUSS:
        nn_gauss_forward_d(c->out, c->out2, c->in, c->in2, c->eps, 1e-4, n);
        break;
    }
    return dot(c->out, c->R, n);
}

static void test_elementwise(rng *r)
{
    enum { B = 6, N = 5 };
    const size_t n = B * N;
    ew_ctx c = {0};
    c.B = B;
    c.N = N;
    c.in = randn(r, n, 1.5);
    c.in2 = randn(r, n, 0.7);
    c.g = randn(r, N, 1);
    c.beta = randn(r, N, 1);
    c.out = calloc(n, sizeof(double));
    c.out2 = calloc(n, sizeof(double));
    c.R = randn(r, n, 1);
    c.mean = calloc(N, sizeof(double));
    c.var = calloc(N, sizeof(double));
    c.mask = calloc(n, sizeof(double));
    nn_dropout_mask_d(c.mask, n, 0.3, r);
    c.lib = calloc(B, sizeof(double));
    for (int b = 0; b < B; b++)
        c.lib[b] = 50 + 100 * rng_uniform(r);
    c.eps = randn(r, n, 1);
    for (size_t i = 0; i < n; i++) /* keep ReLU inputs away from the kink */
        if (fabs(c.in[i]) < 0.05)
            c.in[i] = 0.3;
    double *a = calloc(n, sizeof(double)), *num = calloc(n, sizeof(double));
    double *a2 = calloc(n, sizeof(double)), *num2 = calloc(n, sizeof(double));
    double ag[N], ab[N], ng[N], nbeta[N];

    c.kind = EW_BN;
    memset(ag, 0, sizeof ag);
    memset(ab, 0, sizeof ab);
    ew_obj(&c);
    nn_batchnorm_backward_d(a, ag, ab, c.R, c.in, c.g, c.mean, c.var, 1e-3, B, N);
    numgrad(ew_obj, &c, c.in, n, num);
    numgrad(ew_obj, &c, c.g, N, ng);
    numgrad(ew_obj, &c, c.beta, N, nbeta);
    check("batchnorm (training) din", a, num, n);
    check("batchnorm dgamma", ag, ng, N);
    check("batchnorm dbeta", ab, nbeta, N);

    c.kind = EW_RELU;
    memset(a, 0, n * sizeof *a);
    nn_relu_backward_d(a, c.R, c.in, n);
    numgrad(ew_obj, &c, c.in, n, num);
    check("relu din", a, num, n);

    c.kind = EW_DROP;
    memset(a, 0, n * sizeof *a);
    nn_dropout_backward_d(a, c.R, c.mask, n);
    numgrad(ew_obj, &c, c.in, n, num);
    check("dropout (fixed mask) din", a, num, n);
    int zeros = 0;
    for (size_t i = 0; i < n; i++)
        zeros += c.mask[i] == 0;
    tap_ok(zeros > 0 && zeros < (int)n, "dropout mask drops some entries (%d of %zu)", zeros, n);

    c.kind = EW_SOFTMAX;
    ew_obj(&c);
    nn_softmax_scale_backward_d(a, c.R, c.out2, c.lib, B, N);
    numgrad(ew_obj, &c, c.in, n, num);
    check("softmax x library dlogit", a, num, n);

    c.kind = EW_GAUSS;
    memset(a, 0, n * sizeof *a);
    memset(a2, 0, n * sizeof *a2);
    ew_obj(&c);
    nn_gauss_backward_d(a, a2, c.R, c.out2, c.in2, c.eps, n);
    numgrad(ew_obj, &c, c.in, n, num);
    numgrad(ew_obj, &c, c.in2, n, num2);
    check("gaussian sample dmean", a, num, n);
    check("gaussian sample dlogvar", a2, num2, n);

    free(c.in), free(c.in2), free(c.g), free(c.beta), free(c.out), free(c.out2), free(c.R);
    free(c.mean), free(c.var), free(c.mask), free(c.lib), free(c.eps);
    free(a), free(num), free(a2), free(num2);
}

/* ---- likelihoods and KL ----------------------------------------------- */

/* scvi-tools' formulas, written out (eps = 1e-8), with libm's lgamma. */
static double softplus(double v)
{
    return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
}
static double ref_nb(double x, double mu, double th)
{
    const double eps = 1e-8;
    return th * (log(th + eps) - log(th + mu + eps)) + x * (log(mu + eps) - log(th + mu + eps)) +
           lgamma(x + th) - lgamma(th) - lgamma(x + 1);
}
static double ref_zinb(double x, double mu, double th, double pi)
{
    const double eps = 1e-8;
    double sp = softplus(-pi), ptl = -pi + th * (log(th + eps) - log(th + mu + eps));
    if (x < eps)
        return softplus(ptl) - sp;
    return -sp + ptl + x * (log(mu + eps) - log(th + mu + eps)) + lgamma(x + th) - lgamma(th) -
           lgamma(x + 1);
}
static double ref_poisson(double x, double mu)
{
    return (x > 0 ? x * log(mu) : 0) - mu - lgamma(x + 1);
}

typedef struct lik_ctx {
    lik_kind kind;
    lik_ws_d ws;
    nn_csr_d x;
    int B, G;
    double *mu, *theta, *pi, *nll, gs;
} lik_ctx;

static double lik_obj(void *p)
{
    lik_ctx *c = p;
    if (c->kind != LIK_POISSON)
        lik_prepare_d(&c->ws, c->theta);
    return c->gs * lik_nll_d(c->kind, &c->ws, c->nll, NULL, NULL, NULL, &c->x, c->mu, c->theta,
                             c->kind == LIK_ZINB ? c->pi : NULL, 0);
}

static void test_likelihood(rng *r, lik_kind kind)
{
    enum { B = 4, G = 300 }; /* G > LIK_BLOCK: two gene tiles */
    const double pool[] = {1, 1, 1, 2, 2, 3, 5, 16, 17, 40, 2.5};
    sparse s;
    sparse_random(&s, r, B, G, 0.3, pool, 11);
    s.val[s.ptr[1] - 1] = 1500; /* one count beyond the lgamma(x + 1) table */
    lik_ctx c = {kind, {0}, {B, s.ptr, s.idx, s.val}, B, G, NULL, NULL, NULL, NULL, 0.25};
    lik_ws_alloc_d(&c.ws, G, B, NULL);
    c.mu = calloc((size_t)B * G, sizeof(double));
    c.theta = calloc(G, sizeof(double));
    c.pi = randn(r, (size_t)B * G, 2);
    c.nll = calloc(B, sizeof(double));
    /* means near the counts where there are counts (a model that fits), so
     * the summed loss stays small and its rounding does not swamp the
     * differences; anywhere from 0.01 to 100 at the zeros */
    for (int i = 0; i < B * G; i++)
        c.mu[i] = exp(1.5 * rng_normal(r));
    for (int b = 0; b < B; b++)
        for (int64_t k = s.ptr[b]; k < s.ptr[b + 1]; k++)
            c.mu[(size_t)b * G + s.idx[k]] = s.val[k] * exp(0.5 * rng_normal(r));
    for (int j = 0; j < G; j++)
        c.theta[j] = exp(1.5 * rng_normal(r));
    /* a zero count of row 0 in the underflow branch of the ZINB zero case:
     * rho = sigmoid(-100) and q = (50 / 10050)^50 are both below 1e-30 */
    int jz = 0;
    for (int64_t k = s.ptr[0]; k < s.ptr[1] && s.idx[k] == jz; k++)
        jz++;
    c.pi[jz] = -100;
    c.mu[jz] = 1e4;
    c.theta[jz] = 50;

    /* values against the written-out formulas */
    double *dense = calloc((size_t)B * G, sizeof(double));
    nn_csr_densify_d(dense, &c.x, G);
    double ref = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < G; j++) {
            size_t i = (size_t)b * G + j;
            double x = dense[i];
            ref -= kind == LIK_NB     ? ref_nb(x, c.mu[i], c.theta[j])
                   : kind == LIK_ZINB ? ref_zinb(x, c.mu[i], c.theta[j], c.pi[i])
                                      : ref_poisson(x, c.mu[i]);
        }
    double got = lik_obj(&c) / c.gs;
    tap_ok(fabs(got - ref) <= 1e-11 * fabs(ref), "%s NLL equals scvi-tools' formula (%.12g vs %.12g)",
           lik_name(kind), got, ref);

    /* gradients */
    double *dmu = calloc((size_t)B * G, sizeof(double)), *dpi = calloc((size_t)B * G, sizeof(double));
    double *dth = calloc(G, sizeof(double));
    double *nmu = calloc((size_t)B * G, sizeof(double)), *npi = calloc((size_t)B * G, sizeof(double));
    double *nth = calloc(G, sizeof(double));
    if (kind != LIK_POISSON)
        lik_prepare_d(&c.ws, c.theta);
    lik_nll_d(kind, &c.ws, c.nll, dmu, dpi, dth, &c.x, c.mu, c.theta,
              kind == LIK_ZINB ? c.pi : NULL, c.gs);
    char what[64];
    numgrad(lik_obj, &c, c.mu, (size_t)B * G, nmu);
    snprintf(what, sizeof what, "%s dmu", lik_name(kind));
    check(what, dmu, nmu, (size_t)B * G);
    if (kind != LIK_POISSON) {
        numgrad(lik_obj, &c, c.theta, G, nth);
        snprintf(what, sizeof what, "%s dtheta", lik_name(kind));
        check(what, dth, nth, G);
    }
    if (kind == LIK_ZINB) {
        numgrad(lik_obj, &c, c.pi, (size_t)B * G, npi);
        check("zinb dpi (zero-inflation logits)", dpi, npi, (size_t)B * G);
    }

    /* the float build agrees with the double one */
    float *fmu = calloc((size_t)B * G, sizeof(float)), *fth = calloc(G, sizeof(float));
    float *fpi = calloc((size_t)B * G, sizeof(float)), *fval = calloc((size_t)s.ptr[B], sizeof(float));
    for (int i = 0; i < B * G; i++)
        fmu[i] = (float)c.mu[i], fpi[i] = (float)c.pi[i];
    for (int j = 0; j < G; j++)
        fth[j] = (float)c.theta[j];
    for (int64_t k = 0; k < s.ptr[B]; k++)
        fval[k] = (float)s.val[k];
    lik_ws_f wf;
    lik_ws_alloc_f(&wf, G, B, NULL);
    lik_prepare_f(&wf, fth);
    nn_csr_f xf = {B, s.ptr, s.idx, fval};
    double nllf[B];
    double gotf = lik_nll_f(kind, &wf, nllf, NULL, NULL, NULL, &xf, fmu, fth,
                            kind == LIK_ZINB ? fpi : NULL, 0);
    tap_ok(fabs(gotf - got) <= 2e-5 * fabs(got), "%s float build: %.7g vs double %.7g",
           lik_name(kind), gotf, got);
    lik_ws_free_f(&wf);
    free(fmu), free(fth), free(fpi), free(fval);

    lik_ws_free_d(&c.ws);
    sparse_free(&s);
    free(c.mu), free(c.theta), free(c.pi), free(c.nll), free(dense);
    free(dmu), free(dpi), free(dth), free(nmu), free(npi), free(nth);
}

typedef struct kl_ctx {
    int B, L;
    double *qm, *lv, *kl;
} kl_ctx;

static double kl_obj(void *p)
{
    kl_ctx *c = p;
    return 0.5 * lik_kl_d(c->kl, NULL, NULL, c->qm, c->lv, 1e-4, 0, c->B, c->L);
}

static void test_kl(rng *r)
{
    enum { B = 5, L = 4 };
    kl_ctx c = {B, L, randn(r, B * L, 1), randn(r, B * L, 1), calloc(B, sizeof(double))};
    double ref = 0;
    for (int i = 0; i < B * L; i++) {
        double v = exp(c.lv[i]) + 1e-4;
        ref += -0.5 * log(v) + 0.5 * (v + c.qm[i] * c.qm[i]) - 0.5; /* torch's Normal KL */
    }
    double got = kl_obj(&c) / 0.5;
    tap_ok(fabs(got - ref) < 1e-12 * fabs(ref), "KL value %.12g equals the Normal KL %.12g", got, ref);
    double dqm[B * L] = {0}, dlv[B * L] = {0}, nqm[B * L], nlv[B * L];
    lik_kl_d(c.kl, dqm, dlv, c.qm, c.lv, 1e-4, 0.5, B, L);
    numgrad(kl_obj, &c, c.qm, B * L, nqm);
    numgrad(kl_obj, &c, c.lv, B * L, nlv);
    check("KL dmean", dqm, nqm, B * L);
    check("KL dlogvar", dlv, nlv, B * L);
    free(c.qm), free(c.lv), free(c.kl);
}

/* ---- the float build's exp, log and sqrt ------------------------------- */

static double ulps(float got, double ref)
{
    float r = (float)ref;
    double ulp = (double)nextafterf(fabsf(r), INFINITY) - fabsf(r);
    return fabs((double)got - ref) / ulp;
}

static void test_fast_math(void)
{
    double we = 0, wl = 0, ws = 0;
    for (double x = -87; x <= 88.7; x += 0.00731)
        we = fmax(we, ulps(nn_expf((float)x), exp((double)(float)x)));
    for (double lx = -37; lx <= 38; lx += 0.0007) {
        float f = (float)pow(10, lx);
        wl = fmax(wl, ulps(nn_logf(f), log((double)f)));
        ws = fmax(ws, fabs(nn_sqrtf(f) - sqrt((double)f)) / sqrt((double)f));
    }
    tap_ok(we <= 2 && wl <= 2, "inline expf within %.2f ulp, logf within %.2f ulp of libm", we, wl);
    tap_ok(ws < 3e-7, "inline sqrtf relative error %.1e", ws);
    tap_ok(nn_expf(-200) == 0 && isinf(nn_expf(100)) && isnan(nn_expf(NAN)) &&
               isinf(nn_logf(0)) && nn_logf(0) < 0 && isnan(nn_logf(-1)) && isnan(nn_logf(NAN)) &&
               nn_logf(1) == 0 && nn_sqrtf(0) == 0,
           "inline exp/log special values as libm's (0, inf, NaN)");
}

/* ---- the whole VAE ------------------------------------------------------ */

typedef struct vae_ctx {
    vae_dims d;
    double *mem; /* params | grads */
    size_t np;
    vae_params_d p, g;
    double *bnmem;
    vae_bn_d bn;
    vae_acts_d a;
    vae_batch_d batch;
    double klw;
} vae_ctx;

static double vae_obj(void *p)
{
    vae_ctx *c = p;
    return vae_forward_d(&c->p, &c->bn, &c->d, &c->a, &c->batch, c->klw,
                         VAE_TRAIN | VAE_SAMPLE | VAE_KEEP_NOISE, NULL);
}

typedef struct vae_case {
    const char *name;
    lik_kind lik;
    int layers, n_batch, ncov, cov_sizes[3], encode_cov, deep_inject;
    double dropout;
    vae_first first;
} vae_case;

static void test_vae(rng *r, const vae_case *vc)
{
    enum { G = 9, H = 5, L = 3, B = 7 };
    vae_config cfg;
    vae_config_init(&cfg);
    cfg.n_hidden = H;
    cfg.n_latent = L;
    cfg.n_layers = vc->layers;
    cfg.likelihood = vc->lik;
    cfg.dropout = vc->dropout;
    cfg.encode_covariates = vc->encode_cov;
    cfg.deep_inject = vc->deep_inject;
    cfg.batch_size = B;
    cfg.first_layer = vc->first;
    cfg.seed = rng_u64(r);
    vae_model *m;
    sc_err e;
    if (vae_create(&m, &cfg, G, vc->n_batch, vc->ncov, vc->cov_sizes, &e) < 0) {
        tap_ok(0, "%s: vae_create: %s", vc->name, e.msg);
        return;
    }
    vae_ctx c = {0};
    c.d = m->dims;
    c.np = m->nparams;
    c.klw = 0.7;
    c.mem = calloc(2 * c.np, sizeof(double));
    for (size_t i = 0; i < c.np; i++)
        c.mem[i] = m->mem[i];
    vae_point_params_d(&c.p, c.mem, m->sizes);
    vae_point_params_d(&c.g, c.mem + c.np, m->sizes);
    c.bnmem = calloc(4 * (size_t)c.d.nl * H, sizeof(double));
    vae_point_bn_d(&c.bn, c.bnmem, &c.d);
    vae_acts_alloc_d(&c.a, &c.d, B, NULL);

    /* Draw BatchNorm parameters (they start at 1 and 0: move them so their
     * gradients are generic), counts, covariates and noise until no ReLU
     * input is within 0.01 of its kink, where differences would straddle it. */
    const double pool[] = {1, 2, 3, 4, 7, 12, 30};
    sparse s = {0};
    int32_t cols[B * VAE_MAX_CAT];
    rng noise;
    double margin = 0;
    for (int attempt = 0; attempt < 50 && margin < 0.01; attempt++) {
        for (int i = 0; i < c.d.nl * H; i++) {
            c.p.enc_bn_w[i] = 1 + 0.3 * rng_normal(r);
            c.p.enc_bn_b[i] = 0.2 * rng_normal(r);
            c.p.dec_bn_w[i] = 1 + 0.3 * rng_normal(r);
            c.p.dec_bn_b[i] = 0.2 * rng_normal(r);
        }
        sparse_free(&s);
        sparse_random(&s, r, B, G, 0.5, pool, 7);
        int nc = 0;
        for (int k = 0; k < m->ncatin; k++) {
            if (m->cat_off[k] < 0)
                continue;
            for (int b = 0; b < B; b++)
                cols[b * c.d.ncat + nc] =
                    m->cat_off[k] + (int32_t)rng_below(r, (uint64_t)m->cat_n[k]);
            nc++;
        }
        c.batch.x = (nn_csr_d){B, s.ptr, s.idx, s.val};
        c.batch.cov = (nn_cov){c.d.ncat, c.d.C, cols};
        rng_seed(&noise, rng_u64(r));
        vae_forward_d(&c.p, &c.bn, &c.d, &c.a, &c.batch, c.klw,
                      VAE_TRAIN | VAE_SAMPLE | VAE_GRAD, &noise);
        margin = INFINITY;
        for (size_t i = 0; i < (size_t)c.d.nl * B * H; i++)
            margin = fmin(margin, fmin(fabs(c.a.enc_y[i]), fabs(c.a.dec_y[i])));
    }
    tap_ok(margin >= 0.01, "VAE %s: ReLU inputs at least %.3f from the kink", vc->name, margin);
    vae_backward_d(&c.g, &c.p, &c.d, &c.a, &c.batch, c.klw);
    double *num = calloc(c.np, sizeof(double));
    numgrad(vae_obj, &c, c.mem, c.np, num);
    double global = 0;
    for (size_t i = 0; i < c.np; i++)
        global = fmax(global, fabs(c.mem[c.np + i]));
    size_t off = 0;
    int checked = 0;
    for (int t = 0; t < VAE_NTENSOR; t++) {
        if (m->sizes[t] == 0)
            continue;
        char what[160];
        snprintf(what, sizeof what, "VAE %s: d%s", vc->name, vae_tensor_names[t]);
        const char *nm = vae_tensor_names[t];
        int before_bn = !strcmp(nm, "enc_b0") || !strcmp(nm, "enc_b") || !strcmp(nm, "dec_b0") ||
                        !strcmp(nm, "dec_b");
        if (before_bn)
            check_zero(what, c.mem + c.np + off, num + off, m->sizes[t], global);
        else
            check(what, c.mem + c.np + off, num + off, m->sizes[t]);
        off += m->sizes[t];
        checked++;
    }
    tap_diag("VAE %s: %zu parameters in %d tensors, C = %d one-hot columns, first layer %s",
             vc->name, c.np, checked, c.d.C, c.a.dense ? "dense" : "sparse");

    /* the float build: same loss and gradients to float precision */
    for (size_t i = 0; i < c.np; i++)
        m->mem[i] = (float)c.mem[i];
    float fval[B * G];
    for (int64_t k = 0; k < s.ptr[B]; k++)
        fval[k] = (float)s.val[k];
    vae_batch_f fb = {{B, s.ptr, s.idx, fval}, c.batch.cov};
    size_t nm = (size_t)c.d.nl * B * H;
    for (size_t i = 0; i < nm; i++)
        m->acts.enc_mask[i] = (float)c.a.enc_mask[i];
    for (int i = 0; i < B * L; i++)
        m->acts.eps[i] = (float)c.a.eps[i];
    double lossd = vae_obj(&c);
    double lossf = vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &fb, c.klw,
                                 VAE_TRAIN | VAE_SAMPLE | VAE_GRAD | VAE_KEEP_NOISE, NULL);
    memset(m->mem + m->nparams, 0, m->nparams * sizeof(float));
    vae_backward_f(&m->g, &m->p, &m->dims, &m->acts, &fb, c.klw);
    double *gf = calloc(c.np, sizeof(double));
    for (size_t i = 0; i < c.np; i++)
        gf[i] = m->mem[m->nparams + i];
    double ferr = 0, gmax = 0;
    for (size_t i = 0; i < c.np; i++) {
        ferr = fmax(ferr, fabs(gf[i] - c.mem[c.np + i]));
        gmax = fmax(gmax, fabs(c.mem[c.np + i]));
    }
    tap_ok(fabs(lossf - lossd) < 1e-5 * fabs(lossd) && ferr < 1e-4 * gmax,
           "VAE %s: float build loss %.7g vs %.7g, max gradient difference %.1e of %.1e", vc->name,
           lossf, lossd, ferr, gmax);

    /* sparse and dense first layers compute the same loss */
    vae_dims d2 = c.d;
    d2.first = c.a.dense ? VAE_FIRST_SPARSE : VAE_FIRST_DENSE;
    double l2 = vae_forward_d(&c.p, &c.bn, &d2, &c.a, &c.batch, c.klw,
                              VAE_TRAIN | VAE_SAMPLE | VAE_KEEP_NOISE, NULL);
    tap_ok(fabs(l2 - lossd) < 1e-12 * fabs(lossd), "VAE %s: %s first layer gives the same loss",
           vc->name, c.a.dense ? "dense" : "sparse");

    free(gf);
    free(num);
    sparse_free(&s);
    vae_acts_free_d(&c.a);
    free(c.mem);
    free(c.bnmem);
    vae_free(m);
}

int main(void)
{
    rng r;
    rng_seed(&r, 20240611);
    test_linear(&r, 0);
    test_linear(&r, 1);
    test_elementwise(&r);
    test_likelihood(&r, LIK_NB);
    test_likelihood(&r, LIK_ZINB);
    test_likelihood(&r, LIK_POISSON);
    test_kl(&r);
    test_fast_math();
    const vae_case cases[] = {
        {"zinb, 1 layer, no batch", LIK_ZINB, 1, 0, 0, {0}, 0, 1, 0.1, VAE_FIRST_SPARSE},
        {"zinb, 1 layer, 3 batches", LIK_ZINB, 1, 3, 0, {0}, 0, 1, 0.1, VAE_FIRST_DENSE},
        {"nb, 2 layers, batch + 2 covariates (one of 1 category), deep injection", LIK_NB, 2, 3, 2,
         {2, 1}, 0, 1, 0.1, VAE_FIRST_SPARSE},
        {"poisson, 2 layers, covariates also in the encoder", LIK_POISSON, 2, 2, 1, {3}, 1, 1, 0.2,
         VAE_FIRST_DENSE},
        {"zinb, 3 layers, covariates in the first layer only", LIK_ZINB, 3, 2, 1, {2}, 1, 0, 0.1,
         VAE_FIRST_SPARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        test_vae(&r, &cases[i]);
    tap_diag("worst gradient error %.2e (%s), bound %.0e", worst, worst_what, GRAD_BOUND);
    return tap_done();
}

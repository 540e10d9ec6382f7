/* test_sae_grad.c: every SAE parameter gradient against central finite
 * differences, in double precision, for every architecture and both the
 * sparse and the dense (sgemm) path; then the decoder-norm projection.
 *
 * Why double: the kernels are written once over a real type (sae_kern.h)
 * and sae.c builds them for float and double, so this test runs the very
 * code that trains, at a precision where (L(p+h) - L(p-h)) / 2h resolves
 * the gradient to ~1e-9 instead of float's ~1e-2.
 *
 * Bound: |numeric - analytic| / max(|numeric|, |analytic|, 1e-4 max(1, L))
 * <= 1e-6 for every element of every tensor: relative 1e-6, or absolute
 * 1e-10 max(1, L) for gradients below 1e-4.  h = 1e-5: with the selection
 * fixed the loss is quadratic in each parameter (except the seed's
 * normalisation and the decoder-norm L1, which are smooth), so the central
 * difference is exact up to rounding, ~1e-16 L / h = 1e-11 L.  TopK, BatchTopK and AuxK are differentiated
 * through their selected indices: each perturbation must leave the
 * selection unchanged, and the test asserts that it does.  The AuxK target
 * (the residual) is detached, as in Gao et al., so it is frozen during the
 * differences exactly as the backward pass treats it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sae.h"
#include "tap.h"

#define D 6
#define M 24
#define NB 5
#define H 1e-5
#define BOUND 1e-6
#define FLOOR 1e-4

typedef struct gcase {
    const char *name;
    sae_arch arch;
    int l1_decoder;
    sae_path path;
} gcase;

static void rand_params(rng *r, sae_params_d *p, int unit_dec)
{
    for (int i = 0; i < M * D; i++) {
        p->W_enc[i] = rng_normal(r) * 0.6;
        p->W_dec[i] = rng_normal(r);
    }
    for (int j = 0; j < M; j++) {
        p->b_enc[j] = 0.1 * rng_normal(r);
        if (unit_dec) {
            double ss = 0;
            for (int c = 0; c < D; c++)
                ss += p->W_dec[j * D + c] * p->W_dec[j * D + c];
            for (int c = 0; c < D; c++)
                p->W_dec[j * D + c] /= sqrt(ss);
        }
    }
    for (int c = 0; c < D; c++)
        p->b_dec[c] = 0.2 * rng_normal(r);
}

static void slices_d(double *base, sae_params_d *p)
{
    p->W_enc = base;
    p->b_enc = base + M * D;
    p->W_dec = p->b_enc + M;
    p->b_dec = p->W_dec + M * D;
}

static const char *const tname[4] = {"W_enc", "b_enc", "W_dec", "b_dec"};

/* Returns the worst relative error; counts selection changes. */
static double check_case(const gcase *gc, uint64_t seed, int *sel_changes, int *ok_terms)
{
    sc_err e = {{0}};
    enum { NP = 2 * M * D + M + D };
    double *pm = calloc(NP, sizeof *pm), *gm = calloc(NP, sizeof *gm), *X = calloc(NB * D, sizeof *X);
    uint8_t *mask0 = calloc(NB * M, 1), *mask1 = calloc(NB * M, 1), dead[M];
    sae_params_d p, g;
    slices_d(pm, &p);
    slices_d(gm, &g);
    rng r;
    rng_seed(&r, seed);
    rand_params(&r, &p, gc->arch != SAE_SEED && !gc->l1_decoder);
    for (int i = 0; i < NB * D; i++)
        X[i] = rng_normal(&r) + 0.3;
    for (int j = 0; j < M; j++)
        dead[j] = j % 3 == 0;

    sae_spec s = {0};
    s.arch = gc->arch;
    s.d = D;
    s.m = M;
    s.k = 3;
    s.k_aux = 4;
    s.l1 = gc->arch == SAE_SEED ? 0.01 : 0.05;
    s.l1_decoder = gc->l1_decoder;
    s.aux_coef = 1.0 / 32;
    s.threshold = -1;
    s.path = gc->path;
    if (gc->arch == SAE_MATRYOSHKA) {
        s.nprefix = 3;
        s.prefix[0] = 3;
        s.prefix[1] = 8;
        s.prefix[2] = M;
    } else {
        s.nprefix = 1;
        s.prefix[0] = M;
    }
    sae_acts_d a;
    if (sae_acts_alloc_d(&a, &s, NB, &e) < 0) {
        tap_diag("alloc: %s", e.msg);
        return INFINITY;
    }
    double L0 = sae_forward_d(&p, &s, &a, X, NB, 1, dead);
    int want_dense = gc->path == SAE_PATH_DENSE;
    int topk_family = gc->arch == SAE_TOPK || gc->arch == SAE_BATCHTOPK || gc->arch == SAE_MATRYOSHKA;
    /* every term this architecture has is present and the path is the one asked for */
    *ok_terms = a.dense == want_dense && a.loss_mse > 0 && (topk_family ? a.loss_aux > 0 : a.loss_l1 > 0) &&
                isfinite(L0);
    if (topk_family) {
        /* the selection really selects: k per cell (or k*B per batch) */
        int64_t nnz = sae_acts_count_d(&a, NULL);
        *ok_terms = *ok_terms && nnz == (int64_t)s.k * NB;
    }
    sae_acts_mask_d(&a, mask0);
    sae_backward_d(&g, &s, &a, X);
    a.aux_frozen = 1;

    double worst = 0;
    double *tens[4] = {p.W_enc, p.b_enc, p.W_dec, p.b_dec}, *gt[4] = {g.W_enc, g.b_enc, g.W_dec, g.b_dec};
    int sz[4] = {M * D, M, M * D, D};
    for (int t = 0; t < 4; t++) {
        double tw = 0, gmax = 0;
        for (int i = 0; i < sz[t]; i++) {
            double v = tens[t][i];
            tens[t][i] = v + H;
            double Lp = sae_forward_d(&p, &s, &a, X, NB, 1, dead);
            sae_acts_mask_d(&a, mask1);
            *sel_changes += memcmp(mask0, mask1, NB * M) != 0;
            tens[t][i] = v - H;
            double Lm = sae_forward_d(&p, &s, &a, X, NB, 1, dead);
            sae_acts_mask_d(&a, mask1);
            *sel_changes += memcmp(mask0, mask1, NB * M) != 0;
            tens[t][i] = v;
            double num = (Lp - Lm) / (2 * H), ana = gt[t][i];
            double den = fmax(fmax(fabs(num), fabs(ana)), FLOOR * fmax(1, fabs(L0)));
            double rel = fabs(num - ana) / den;
            if (rel > tw) {
                tw = rel;
                if (getenv("GRAD_DEBUG"))
                    tap_diag("    %s[%d] num %.12g ana %.12g", tname[t], i, num, ana);
            }
            if (fabs(ana) > gmax)
                gmax = fabs(ana);
        }
        tap_diag("  %-28s %-5s worst rel err %.2e  (max |grad| %.3g)", gc->name, tname[t], tw, gmax);
        if (!(gmax > 0))
            tw = INFINITY; /* a tensor with no gradient at all would check nothing */
        if (tw > worst)
            worst = tw;
    }
    sae_acts_free_d(&a);
    free(pm);
    free(gm);
    free(X);
    free(mask0);
    free(mask1);
    return worst;
}

/* The float build of the same kernels gives the same gradients. */
static double float_vs_double(const gcase *gc)
{
    sc_err e = {{0}};
    enum { NP = 2 * M * D + M + D };
    double pm[NP], gm[NP] = {0}, X[NB * D];
    float pf[NP], gf[NP] = {0}, Xf[NB * D];
    sae_params_d p, g;
    slices_d(pm, &p);
    slices_d(gm, &g);
    rng r;
    rng_seed(&r, 99);
    rand_params(&r, &p, gc->arch != SAE_SEED);
    for (int i = 0; i < NB * D; i++)
        X[i] = rng_normal(&r);
    for (int i = 0; i < NP; i++)
        pf[i] = (float)pm[i];
    for (int i = 0; i < NB * D; i++)
        Xf[i] = (float)X[i];
    sae_params pfs, gfs;
    sae_slices(pf, D, M, &pfs);
    sae_slices(gf, D, M, &gfs);
    sae_spec s = {0};
    s.arch = gc->arch;
    s.d = D;
    s.m = M;
    s.k = 3;
    s.l1 = 0.05;
    s.threshold = -1;
    s.path = gc->path;
    s.nprefix = 1;
    s.prefix[0] = M;
    sae_acts_d a;
    sae_acts af;
    if (sae_acts_alloc_d(&a, &s, NB, &e) < 0 || sae_acts_alloc_f(&af, &s, NB, &e) < 0)
        return INFINITY;
    double L = sae_forward_d(&p, &s, &a, X, NB, 1, NULL);
    double Lf = sae_forward_f(&pfs, &s, &af, Xf, NB, 1, NULL);
    sae_backward_d(&g, &s, &a, X);
    sae_backward_f(&gfs, &s, &af, Xf);
    double gn = 0, dn = 0;
    for (int i = 0; i < NP; i++) {
        gn += gm[i] * gm[i];
        dn += (gm[i] - gf[i]) * (gm[i] - gf[i]);
    }
    sae_acts_free_d(&a);
    sae_acts_free_f(&af);
    return fmax(fabs(L - Lf) / fabs(L), sqrt(dn / gn));
}

static void test_projection(void)
{
    enum { m = 40, d = 12 };
    float W[m * d], G[m * d], G0[m * d];
    rng r;
    rng_seed(&r, 5);
    for (int i = 0; i < m * d; i++) {
        W[i] = (float)rng_normal(&r);
        G0[i] = G[i] = (float)rng_normal(&r);
    }
    sae_renorm_rows(W, m, d);
    sae_project_rows(W, G, m, d);
    double worst_orth = 0, worst_par = 0;
    for (int j = 0; j < m; j++) {
        double gw = 0, gg = 0, rw = 0, rr = 0;
        for (int c = 0; c < d; c++) {
            gw += (double)G[j * d + c] * W[j * d + c];
            gg += (double)G0[j * d + c] * G0[j * d + c];
            rw += (double)(G0[j * d + c] - G[j * d + c]) * W[j * d + c];
        }
        /* what was removed is parallel to the row: removed - (removed . w) w = 0 */
        for (int c = 0; c < d; c++) {
            double t = (G0[j * d + c] - G[j * d + c]) - rw * W[j * d + c];
            rr += t * t;
        }
        worst_orth = fmax(worst_orth, fabs(gw) / sqrt(gg));
        worst_par = fmax(worst_par, sqrt(rr / gg));
    }
    tap_ok(worst_orth < 1e-6, "projected gradient orthogonal to each decoder row (worst |g.w|/|g| %.1e)", worst_orth);
    tap_ok(worst_par < 1e-6, "projection removes only the parallel component (worst %.1e)", worst_par);
    /* a step along the projected gradient, then renormalisation: unit rows */
    for (int i = 0; i < m * d; i++)
        W[i] -= 0.05f * G[i];
    sae_renorm_rows(W, m, d);
    double worst_norm = 0;
    for (int j = 0; j < m; j++) {
        double ss = 0;
        for (int c = 0; c < d; c++)
            ss += (double)W[j * d + c] * W[j * d + c];
        worst_norm = fmax(worst_norm, fabs(sqrt(ss) - 1));
    }
    tap_ok(worst_norm < 1e-6, "decoder rows unit norm after the step (worst | |w| - 1 | %.1e)", worst_norm);

    /* the seed's column version: orthogonal to each column of W */
    memcpy(G, G0, sizeof G);
    sae_project_cols(W, G, m, d);
    double worst_col = 0;
    for (int c = 0; c < d; c++) {
        double gw = 0, gg = 0, ww = 0;
        for (int j = 0; j < m; j++) {
            gw += (double)G[j * d + c] * W[j * d + c];
            gg += (double)G0[j * d + c] * G0[j * d + c];
            ww += (double)W[j * d + c] * W[j * d + c];
        }
        worst_col = fmax(worst_col, fabs(gw) / sqrt(gg * ww));
    }
    tap_ok(worst_col < 1e-6, "column projection (seed's W_enc) orthogonal to each column (worst %.1e)", worst_col);
}

/* The seed normalises inside the forward pass, so its raw gradient is
 * already orthogonal to every W_dec row and W_enc column: the published
 * projection is a no-op there.  Checked in double on the kernel's output. */
static void test_seed_orthogonal(void)
{
    sc_err e = {{0}};
    enum { NP = 2 * M * D + M + D };
    double pm[NP], gm[NP] = {0}, X[NB * D];
    sae_params_d p, g;
    slices_d(pm, &p);
    slices_d(gm, &g);
    rng r;
    rng_seed(&r, 11);
    rand_params(&r, &p, 0);
    for (int i = 0; i < NB * D; i++)
        X[i] = rng_normal(&r);
    sae_spec s = {0};
    s.arch = SAE_SEED;
    s.d = D;
    s.m = M;
    s.l1 = 0.01;
    s.threshold = -1;
    s.nprefix = 1;
    s.prefix[0] = M;
    sae_acts_d a;
    if (sae_acts_alloc_d(&a, &s, NB, &e) < 0) {
        tap_ok(0, "seed orthogonality: %s", e.msg);
        return;
    }
    sae_forward_d(&p, &s, &a, X, NB, 1, NULL);
    sae_backward_d(&g, &s, &a, X);
    double worst = 0;
    for (int j = 0; j < M; j++) {
        double gw = 0, gg = 0, ww = 0;
        for (int c = 0; c < D; c++) {
            gw += g.W_dec[j * D + c] * p.W_dec[j * D + c];
            gg += g.W_dec[j * D + c] * g.W_dec[j * D + c];
            ww += p.W_dec[j * D + c] * p.W_dec[j * D + c];
        }
        if (gg > 0)
            worst = fmax(worst, fabs(gw) / sqrt(gg * ww));
    }
    for (int c = 0; c < D; c++) {
        double gw = 0, gg = 0, ww = 0;
        for (int j = 0; j < M; j++) {
            gw += g.W_enc[j * D + c] * p.W_enc[j * D + c];
            gg += g.W_enc[j * D + c] * g.W_enc[j * D + c];
            ww += p.W_enc[j * D + c] * p.W_enc[j * D + c];
        }
        if (gg > 0)
            worst = fmax(worst, fabs(gw) / sqrt(gg * ww));
    }
    tap_ok(worst < 1e-12, "seed: gradient already orthogonal to the normalised rows/columns (worst %.1e)", worst);
    sae_acts_free_d(&a);
}

int main(void)
{
    static const gcase cases[] = {
        {"relu-l1 sparse", SAE_RELU_L1, 0, SAE_PATH_SPARSE},
        {"relu-l1 dense", SAE_RELU_L1, 0, SAE_PATH_DENSE},
        {"relu-l1 l1-norm=decoder sparse", SAE_RELU_L1, 1, SAE_PATH_SPARSE},
        {"relu-l1 l1-norm=decoder dense", SAE_RELU_L1, 1, SAE_PATH_DENSE},
        {"topk+auxk sparse", SAE_TOPK, 0, SAE_PATH_SPARSE},
        {"topk+auxk dense", SAE_TOPK, 0, SAE_PATH_DENSE},
        {"batchtopk+auxk sparse", SAE_BATCHTOPK, 0, SAE_PATH_SPARSE},
        {"batchtopk+auxk dense", SAE_BATCHTOPK, 0, SAE_PATH_DENSE},
        {"matryoshka+auxk sparse", SAE_MATRYOSHKA, 0, SAE_PATH_SPARSE},
        {"matryoshka+auxk dense", SAE_MATRYOSHKA, 0, SAE_PATH_DENSE},
        {"seed sparse", SAE_SEED, 0, SAE_PATH_SPARSE},
        {"seed dense", SAE_SEED, 0, SAE_PATH_DENSE},
    };
    tap_diag("bound: |num - ana| / max(|num|, |ana|, %.0e max(1, L)) <= %.0e, h = %.0e, d=%d m=%d B=%d", FLOOR,
             BOUND, H, D, M, NB);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int changes = 0, terms = 0;
        double worst = check_case(&cases[c], 1000 + c, &changes, &terms);
        tap_ok(terms, "%s: every loss term present, path as asked", cases[c].name);
        tap_ok(changes == 0, "%s: no perturbation changed the selection (%d did)", cases[c].name, changes);
        tap_ok(worst <= BOUND, "%s: all gradients match finite differences (worst rel err %.2e)", cases[c].name,
               worst);
    }
    static const gcase fd[] = {
        {"relu-l1", SAE_RELU_L1, 0, SAE_PATH_SPARSE},
        {"topk", SAE_TOPK, 0, SAE_PATH_SPARSE},
        {"seed dense", SAE_SEED, 0, SAE_PATH_DENSE},
    };
    for (size_t c = 0; c < sizeof fd / sizeof fd[0]; c++) {
        double rel = float_vs_double(&fd[c]);
        tap_ok(rel < 1e-4, "%s: float kernels agree with double (rel %.1e)", fd[c].name, rel);
    }
    test_projection();
    test_seed_orthogonal();
    return tap_done();
}

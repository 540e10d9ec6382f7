/* test_recovered.c: the VAE's decode-from-given entry points and loss
 * recovered.
 *
 * A small VAE is trained on simulated data.  Checks:
 *   - decoding from the posterior means (VAE_FROM_Z) and from the encoder's
 *     hidden layer (VAE_FROM_HIDDEN, whose mean head gives the same z) give
 *     the same NLL;
 *   - an exact identity SAE (features e_j and -e_j) recovers 100 % of the
 *     loss, a "mean" SAE (nothing fires, b_dec = the mean) 0 %, for both
 *     sources;
 *   - a trained TopK SAE with k = 2 changes the NLL and recovers a positive
 *     share (on clustered data it can exceed 1: a reconstruction pulled
 *     towards cluster prototypes can decode better than the posterior mean);
 *   - vae_decode_scale rows are proportions (sum to 1);
 *   - errors: wrong input width, out-of-range cells. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recovered.h"
#include "sae.h"
#include "sae_train.h"
#include "simulate.h"
#include "tap.h"
#include "vae_bind.h"
#include "vae_train.h"

/* The identity as an SAE on d inputs: 2d features, +e_j and -e_j. */
static sae_model *identity_sae(int d, sc_err *e)
{
    sae_config c;
    sae_config_init(&c, SAE_RELU_L1);
    c.features = 2 * d;
    if (sae_config_resolve(&c, d, e) < 0)
        return NULL;
    sae_model *m;
    if (sae_create(&m, d, &c, e) < 0)
        return NULL;
    memset(m->p.W_enc, 0, (size_t)2 * d * d * sizeof *m->p.W_enc);
    memset(m->p.W_dec, 0, (size_t)2 * d * d * sizeof *m->p.W_dec);
    memset(m->p.b_enc, 0, (size_t)2 * d * sizeof *m->p.b_enc);
    memset(m->p.b_dec, 0, (size_t)d * sizeof *m->p.b_dec);
    for (int j = 0; j < d; j++) {
        m->p.W_enc[(size_t)j * d + j] = 1;
        m->p.W_enc[(size_t)(d + j) * d + j] = -1;
        m->p.W_dec[(size_t)j * d + j] = 1;
        m->p.W_dec[(size_t)(d + j) * d + j] = -1;
    }
    m->scale = 1;
    m->trained = 1;
    return m;
}

/* An SAE whose output is always `mean`: no feature fires. */
static sae_model *mean_sae(int d, const float *X, int64_t n, sc_err *e)
{
    sae_model *m = identity_sae(d, e);
    if (!m)
        return NULL;
    for (int j = 0; j < 2 * d; j++)
        m->p.b_enc[j] = -1e6f;
    for (int j = 0; j < d; j++) {
        double s = 0;
        for (int64_t i = 0; i < n; i++)
            s += X[i * d + j];
        m->p.b_dec[j] = (float)(s / (double)n);
    }
    return m;
}

static void check_source(vae_bind *vb, const char *source, const float *X, int64_t n, int d)
{
    sc_err e = {0};
    recover_ctx c;
    int rc = recover_init(&c, vb, source, X, n, d, &e);
    tap_ok(rc == 0, "%s: recover_init %s", source, e.msg);
    if (rc < 0)
        return;
    tap_ok(c.ablated > c.clean, "%s: the mean latent reconstructs worse (NLL %.3f) than the "
                                "clean one (%.3f)", source, c.ablated, c.clean);
    sae_recovered r;
    sae_model *id = identity_sae(d, &e), *mn = mean_sae(d, X, n, &e);
    tap_ok(id && mn, "%s: test SAEs built %s", source, e.msg);
    if (id && recover_measure(&c, id, &r, &e) == 0)
        tap_ok(fabs(r.recovered - 1) < 1e-4, "%s: the identity SAE recovers %.6f (1)", source,
               r.recovered);
    else
        tap_ok(0, "%s: identity measure %s", source, e.msg);
    if (mn && recover_measure(&c, mn, &r, &e) == 0)
        tap_ok(fabs(r.recovered) < 1e-4, "%s: the mean SAE recovers %.6f (0)", source,
               r.recovered);
    else
        tap_ok(0, "%s: mean measure %s", source, e.msg);

    /* a trained TopK SAE with k = 2: in between, and loses something */
    sae_config sc;
    sae_config_init(&sc, SAE_TOPK);
    sc.k = 2;
    sc.features = 4 * d;
    sc.epochs = 20;
    sc.seed = 3;
    sae_model *tk = NULL;
    if (sae_config_resolve(&sc, d, &e) == 0 && sae_create(&tk, d, &sc, &e) == 0 &&
        sae_fit(tk, X, n, d, &sc, NULL, NULL, &e) == 0 && recover_measure(&c, tk, &r, &e) == 0)
        tap_ok(isfinite(r.recovered) && r.sae != r.clean && r.recovered > 0 &&
                   fabs(r.recovered - (r.ablated - r.sae) / (r.ablated - r.clean)) < 1e-12,
               "%s: a k=2 TopK SAE recovers %.3f (NLL %.3f; clean %.3f, ablated %.3f)", source,
               r.recovered, r.sae, r.clean, r.ablated);
    else
        tap_ok(0, "%s: TopK SAE %s", source, e.msg);
    if (tk)
        sae_free(tk);

    /* an SAE of the wrong width is refused */
    sae_model *w = identity_sae(d + 1, &e);
    tap_ok(w && recover_measure(&c, w, &r, &e) < 0 && strstr(e.msg, "dimensions"),
           "%s: wrong width refused: %s", source, e.msg);
    if (w)
        sae_free(w);
    if (id)
        sae_free(id);
    if (mn)
        sae_free(mn);
    recover_free(&c);
}

int main(void)
{
    sc_err e = {0};
    sim_params sp;
    sim_params_default(&sp);
    sp.cells = 600;
    sp.genes = 120;
    sp.seed = 7;
    sc_dataset d = {0};
    tap_ok(simulate(&sp, &d, &e) == 0, "simulated %lld cells %s", (long long)sp.cells, e.msg);

    vae_bind vb = {0};
    vae_config vc;
    vae_config_init(&vc);
    vc.n_latent = 4;
    vc.n_hidden = 32;
    vc.seed = 5;
    int ok = vbind_init(&vb, &d, NULL, NULL, &e) == 0 &&
             vae_create(&vb.m, &vc, vb.ngenes, vb.has_batch ? vb.batch.n : 0, 0, NULL, &e) == 0;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(&vb, covp);
    ok = ok && vae_fit(vb.m, &vd, 60, NULL, &e) == 0;
    tap_ok(ok, "VAE trained %s", e.msg);
    if (!ok)
        return tap_done();
    const int64_t n = vb.X.nrows;
    const int L = vb.m->dims.L, H = vb.m->dims.H;
    float *Z = calloc((size_t)n * L, sizeof *Z), *Hd = calloc((size_t)n * H, sizeof *Hd);
    tap_ok(vae_latent(vb.m, &vd, Z, &e) == 0 && vae_hidden(vb.m, &vd, Hd, &e) == 0,
           "latent and hidden layer %s", e.msg);
    double nz, nh;
    tap_ok(vae_eval_given(vb.m, &vd, NULL, n, VAE_FROM_Z, Z, &nz, &e) == 0 &&
               vae_eval_given(vb.m, &vd, NULL, n, VAE_FROM_HIDDEN, Hd, &nh, &e) == 0,
           "decode from z and from the hidden layer %s", e.msg);
    int rc;
    tap_ok(fabs(nz - nh) <= 1e-5 * fabs(nz), "the two paths agree: NLL %.6f and %.6f", nz, nh);
    /* a hidden layer of zeros is a different input: the NLL must move */
    float *H0 = calloc((size_t)n * H, sizeof *H0);
    double n0 = NAN;
    rc = vae_eval_given(vb.m, &vd, NULL, n, VAE_FROM_HIDDEN, H0, &n0, &e);
    tap_ok(rc == 0 && n0 != nh,
           "a zero hidden layer decodes differently (%.3f vs %.3f)", n0, nh);
    free(H0);

    float *P = calloc((size_t)4 * vb.ngenes, sizeof *P);
    int64_t cells[4] = {0, 5, 17, n - 1};
    rc = vae_decode_scale(vb.m, &vd, cells, 4, Z, P, &e);
    double worst = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        double s = 0;
        for (int64_t g = 0; g < vb.ngenes; g++)
            s += P[i * vb.ngenes + g];
        worst = fmax(worst, fabs(s - 1));
    }
    tap_ok(rc == 0 && worst < 1e-4, "decoded proportions sum to 1 (worst error %.2g) %s", worst,
           e.msg);
    int64_t bad = n;
    tap_ok(vae_decode_scale(vb.m, &vd, &bad, 1, Z, P, &e) < 0 && strstr(e.msg, "out of range"),
           "a cell out of range is refused: %s", e.msg);
    free(P);

    check_source(&vb, "vae", Z, n, L);
    check_source(&vb, "vae-hidden", Hd, n, H);
    recover_ctx c;
    tap_ok(recover_init(&c, &vb, "vae", Hd, n, H, &e) < 0 && strstr(e.msg, "not the VAE's"),
           "the hidden layer passed as the latent is refused: %s", e.msg);

    free(Z);
    free(Hd);
    vbind_free(&vb);
    dataset_free(&d);
    return tap_done();
}

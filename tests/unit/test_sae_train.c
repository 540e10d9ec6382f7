/* test_sae_train.c: SAE training end to end on data with a known answer.
 *
 * Planted data: K = 64 unit directions in 16 dimensions; every cell is a
 * non-negative combination of 2-3 of them plus a little noise.  A TopK SAE
 * with k = 3 must find the directions (a decoder row within cosine 0.9 of
 * at least 90 % of them), reach a low FVU and report L0 = k.  Then: the
 * PyTorch reference values of tests/peer/sae_expected/sae_peer.tsv (same
 * data, same settings, same initial parameters and batch order), the other
 * architectures, determinism for a seed and thread count, the stop flag,
 * a NaN loss, encode/decode and the refusals of bad settings.
 *
 * The generator below is mirrored operation for operation by
 * tests/peer/sae_peer.py (planted()); change both together. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "rng.h"
#include "sae.h"
#include "sae_metrics.h"
#include "sae_train.h"
#include "tap.h"
#include "threads.h"

static float *planted(uint64_t seed, int n, int d, int K, double noise, double **U_out)
{
    rng r;
    rng_seed(&r, seed);
    double *U = malloc(sizeof *U * (size_t)K * d), *x = malloc(sizeof *x * (size_t)d);
    float *X = malloc(sizeof *X * (size_t)n * d);
    for (int k = 0; k < K; k++) {
        double ss = 0;
        for (int c = 0; c < d; c++) {
            U[k * d + c] = rng_normal(&r);
            ss += U[k * d + c] * U[k * d + c];
        }
        double nrm = sqrt(ss);
        for (int c = 0; c < d; c++)
            U[k * d + c] /= nrm;
    }
    for (int i = 0; i < n; i++) {
        memset(x, 0, sizeof *x * (size_t)d);
        int s = 2 + (int)rng_below(&r, 2), used[3], nu = 0;
        for (int t = 0; t < s; t++) {
            int k, dup;
            do {
                k = (int)rng_below(&r, (uint64_t)K);
                dup = 0;
                for (int q = 0; q < nu; q++)
                    dup |= used[q] == k;
            } while (dup);
            used[nu++] = k;
            double a = 0.5 + rng_uniform(&r);
            for (int c = 0; c < d; c++)
                x[c] += a * U[k * d + c];
        }
        for (int c = 0; c < d; c++)
            x[c] += noise * rng_normal(&r);
        for (int c = 0; c < d; c++)
            X[(size_t)i * d + c] = (float)x[c];
    }
    free(x);
    if (U_out)
        *U_out = U;
    else
        free(U);
    return X;
}

/* Share of planted directions with a decoder row within cosine `thr`. */
static double recovered(const sae_model *M, const double *U, int K, double thr)
{
    int good = 0, d = M->d;
    for (int k = 0; k < K; k++) {
        double best = -1;
        for (int j = 0; j < M->m; j++) {
            const float *w = M->p.W_dec + (size_t)j * d;
            double dt = 0, nn = 0;
            for (int c = 0; c < d; c++) {
                dt += U[k * d + c] * w[c];
                nn += (double)w[c] * w[c];
            }
            if (nn > 0 && dt / sqrt(nn) > best)
                best = dt / sqrt(nn);
        }
        good += best >= thr;
    }
    return (double)good / K;
}

static sae_model *train(sae_arch arch, const float *X, int n, int d, const sae_config *over, monitor *mon,
                        volatile sig_atomic_t *stop, int *rc, sc_err *e)
{
    sae_config c;
    if (over)
        c = *over;
    else
        sae_config_init(&c, arch);
    sae_model *M = NULL;
    *rc = sae_create(&M, d, &c, e);
    if (*rc == 0)
        *rc = sae_fit(M, X, n, d, NULL, mon, stop, e);
    return M;
}

/* The settings every planted run shares (and sae_peer.py's SETTINGS). */
static void planted_cfg(sae_config *c, sae_arch arch)
{
    sae_config_init(c, arch);
    c->features = 128;
    c->k = 3;
    c->k_aux = 8;
    c->epochs = 40;
    c->batch_size = 64;
    c->lr = 3e-3;
    c->seed = 1;
    c->dead_window = 2000;
    c->l1 = 0.1;
    c->resample_every = -1;
    c->fit_enc_scale = 0; /* the PyTorch reference starts from the plain transpose */
}

/* The fitted encoder scale at initialisation: on a 10-d input with k = 8 the
 * transpose start overshoots; after one epoch the fitted start must be
 * clearly better, and equal-or-better FVU must come with the same L0. */
/* Density, dead and dense counts and the all-cells measure from a CSR of
 * activations (what `sae eval`, `sae sweep` and `plot density` print),
 * against counts made by hand. */
static void test_measure_from_csr(void)
{
    /* 10 cells x 4 features: feature 0 on 1 cell (exactly the 10 % dense
     * bound, so not dense), 1 on 2 cells, 2 never, 3 on every cell */
    int64_t indptr[11];
    int32_t idx[13];
    float val[13];
    int64_t w = 0;
    for (int i = 0; i < 10; i++) {
        indptr[i] = w;
        if (i == 4) {
            idx[w] = 0;
            val[w++] = 1;
        }
        if (i == 2 || i == 7) {
            idx[w] = 1;
            val[w++] = 2;
        }
        idx[w] = 3;
        val[w++] = 0.5f;
    }
    indptr[10] = w;
    sae_csr f = {10, 4, indptr, idx, val};
    double freq[4];
    sae_csr_density(&f, freq);
    tap_ok(freq[0] == 0.1 && freq[1] == 0.2 && freq[2] == 0 && freq[3] == 1,
           "density from the CSR: %g %g %g %g (0.1 0.2 0 1)", freq[0], freq[1], freq[2], freq[3]);
    int64_t dead, dense;
    sae_dead_dense(freq, 4, 0.1, &dead, &dense);
    tap_ok(dead == 1 && dense == 2, "dead %lld (1), dense %lld (2; 10 %% exactly is not dense)",
           (long long)dead, (long long)dense);

    sc_err e = {{0}};
    sae_config c;
    sae_config_init(&c, SAE_TOPK);
    c.features = 4;
    c.k = 2;
    sae_model *M = NULL;
    float X[10 * 3];
    for (int q = 0; q < 30; q++)
        X[q] = (float)((q * 7) % 5) - 2;
    sae_measure ms;
    int ok = sae_config_resolve(&c, 3, &e) == 0 && sae_create(&M, 3, &c, &e) == 0 &&
             sae_measure_all(M, X, 10, &f, &ms, &e) == 0;
    tap_ok(ok && ms.l0 == 1.3 && ms.dead == 1 && ms.dense == 2 && isfinite(ms.fvu) &&
               ms.fvu > 0 && isfinite(ms.mse),
           "sae_measure_all: L0 %g (13 activations / 10 cells), dead %lld, dense %lld %s",
           ms.l0, (long long)ms.dead, (long long)ms.dense, e.msg);
    sae_free(M);
}

static void test_fit_enc_scale(void)
{
    sc_err e = {{0}};
    const int n = 2048, d = 10, K = 40;
    double *U;
    float *X = planted(7, n, d, K, 0.05, &U);
    double fvu[2] = {NAN, NAN};
    for (int fit = 0; fit < 2; fit++) {
        sae_config c;
        planted_cfg(&c, SAE_TOPK);
        c.k = 8;
        c.epochs = 1;
        c.fit_enc_scale = fit;
        int rc;
        sae_model *M = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &rc, &e);
        if (rc == 0)
            fvu[fit] = M->fit.fvu;
        sae_free(M);
    }
    tap_ok(isfinite(fvu[0]) && isfinite(fvu[1]) && fvu[1] < 0.7 * fvu[0],
           "a fitted encoder scale starts better: FVU after one epoch %.4f vs %.4f from the "
           "plain transpose (k=8, d=10)", fvu[1], fvu[0]);
    free(X);
    free(U);
}

typedef struct peer_row {
    char name[64], arch[32];
    int n, d, K, dseed, m, k, kaux, epochs, batch, seed, dw;
    double noise, l1, lr, dsum, fvu, l0;
} peer_row;

static int read_peer(peer_row *rows, int max)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/peer/sae_expected/sae_peer.tsv", SC_TOP_SRCDIR);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        if (line[0] == '#' || strncmp(line, "name\t", 5) == 0)
            continue;
        peer_row *r = &rows[n];
        if (sscanf(line, "%63s %31s %d %d %d %lf %d %d %d %d %lf %d %d %lf %d %d %lf %lf %lf", r->name, r->arch,
                   &r->n, &r->d, &r->K, &r->noise, &r->dseed, &r->m, &r->k, &r->kaux, &r->l1, &r->epochs, &r->batch,
                   &r->lr, &r->seed, &r->dw, &r->dsum, &r->fvu, &r->l0) == 19)
            n++;
    }
    fclose(f);
    return n;
}

static void test_topk_recovery_and_peer(void)
{
    sc_err e = {{0}};
    const int n = 4096, d = 16, K = 64;
    double *U;
    float *X = planted(42, n, d, K, 0.02, &U);
    sae_config c;
    planted_cfg(&c, SAE_TOPK);
    int rc;
    monitor mon;
    memset(&mon, 0, sizeof mon);
    sae_model *M = train(SAE_TOPK, X, n, d, &c, &mon, NULL, &rc, &e);
    if (!tap_ok(rc == 0, "topk trains on planted data%s%s", rc ? ": " : "", rc ? e.msg : "")) {
        sae_free(M);
        free(X);
        free(U);
        return;
    }
    double rec = recovered(M, U, K, 0.9);
    tap_ok(rec >= 0.9, "topk k=3 recovers the planted directions (%.0f %% within cosine 0.9)", 100 * rec);
    tap_ok(M->fit.fvu < 0.2, "topk FVU %.4f < 0.2 (variance left: noise and encoder error)", M->fit.fvu);
    tap_ok(M->fit.l0 <= 3 && M->fit.l0 > 2.99, "topk L0 %.4f = k", M->fit.l0);
    tap_ok(M->fit.dead_share >= 0 && M->fit.dead_share <= 1 && M->fit.dense_share >= 0,
           "dead share %.3f and dense share %.3f reported", M->fit.dead_share, M->fit.dense_share);
    const mon_series *fvu = mon_find(&mon, "fvu"), *dead = mon_find(&mon, "dead share");
    tap_ok(fvu && fvu->n == 40 && dead && dead->n == 40 && fvu->val[39] < fvu->val[0],
           "monitor has 40 epochs of fvu (%.3f -> %.3f) and dead share", fvu ? fvu->val[0] : NAN,
           fvu && fvu->n ? fvu->val[fvu->n - 1] : NAN);
    double worst = 0;
    for (int j = 0; j < M->m; j++) {
        double ss = 0;
        for (int q = 0; q < d; q++)
            ss += (double)M->p.W_dec[j * d + q] * M->p.W_dec[j * d + q];
        worst = fmax(worst, fabs(sqrt(ss) - 1));
    }
    tap_ok(worst < 1e-5, "decoder rows unit norm after training (worst %.1e)", worst);

    /* activations as CSR, and decode(encode(x)) == reconstruct(x) */
    sae_csr f;
    int nn = 500;
    if (tap_ok(sae_encode(M, X, nn, &f, &e) == 0, "encode")) {
        int ok = f.nrows == nn && f.ncols == M->m && f.indptr[0] == 0;
        for (int i = 0; i < nn && ok; i++) {
            ok = f.indptr[i + 1] - f.indptr[i] <= 3;
            for (int64_t t = f.indptr[i] + 1; t < f.indptr[i + 1]; t++)
                ok = ok && f.indices[t] > f.indices[t - 1];
            for (int64_t t = f.indptr[i]; t < f.indptr[i + 1]; t++)
                ok = ok && f.data[t] > 0;
        }
        tap_ok(ok, "encode: CSR with at most k ascending positive entries per cell");
        float *a = malloc(sizeof *a * (size_t)nn * d), *b = malloc(sizeof *b * (size_t)nn * d);
        int r1 = sae_decode(M, &f, a, &e), r2 = sae_reconstruct(M, X, nn, b, &e);
        double md = 0, se = 0;
        for (int i = 0; i < nn * d; i++) {
            md = fmax(md, fabs(a[i] - b[i]));
            se += (a[i] - X[i]) * (a[i] - X[i]);
        }
        tap_ok(r1 == 0 && r2 == 0 && md < 1e-4, "decode(encode(x)) = reconstruct(x) (max diff %.1e)", md);
        tap_ok(se / (nn * d) < 0.1, "reconstruction in input units (mse %.4f)", se / (nn * d));
        f.indices[0] = M->m;
        tap_ok(sae_decode(M, &f, a, &e) < 0 && strstr(e.msg, "feature"), "decode refuses a bad feature index: %s",
               e.msg);
        free(a);
        free(b);
        sae_csr_free(&f);
    }
    double *freq = calloc((size_t)M->m, sizeof *freq);
    int64_t hist[12], never;
    if (tap_ok(sae_density(M, X, n, freq, &e) == 0, "feature density")) {
        double tot = 0;
        for (int j = 0; j < M->m; j++)
            tot += freq[j];
        sae_density_hist(freq, M->m, -6, 0, 12, hist, &never);
        int64_t cnt = never;
        for (int i = 0; i < 12; i++)
            cnt += hist[i];
        tap_ok(fabs(tot - 3.0) < 0.01 && cnt == M->m, "density: frequencies sum to L0 (%.3f), histogram covers all %d",
               tot, M->m);
    }
    free(freq);

    /* PyTorch reference */
    peer_row rows[8];
    int np = read_peer(rows, 8);
    tap_ok(np >= 2, "peer values read (%d settings)", np);
    for (int i = 0; i < np; i++) {
        peer_row *r = &rows[i];
        sae_arch arch;
        if (sae_arch_parse(r->arch, &arch, &e) < 0)
            continue;
        sae_config pc;
        planted_cfg(&pc, arch);
        pc.features = r->m;
        pc.k = r->k ? r->k : pc.k;
        pc.k_aux = r->kaux ? r->kaux : pc.k_aux;
        pc.l1 = r->l1;
        pc.epochs = r->epochs;
        pc.batch_size = r->batch;
        pc.lr = r->lr;
        pc.seed = (uint64_t)r->seed;
        pc.dead_window = r->dw;
        float *Xp = planted((uint64_t)r->dseed, r->n, r->d, r->K, r->noise, NULL);
        double dsum = 0;
        for (size_t q = 0; q < (size_t)r->n * r->d; q++)
            dsum += Xp[q];
        tap_ok(fabs(dsum - r->dsum) <= 1e-9 * fabs(r->dsum), "%s: same data as the peer (sum %.6f vs %.6f)", r->name,
               dsum, r->dsum);
        int prc;
        sae_model *P = train(arch, Xp, r->n, r->d, &pc, NULL, NULL, &prc, &e);
        if (prc == 0) {
            double dfvu = fabs(P->fit.fvu - r->fvu) / r->fvu, dl0 = fabs(P->fit.l0 - r->l0) / r->l0;
            tap_ok(dfvu <= 0.02, "%s: FVU %.5f vs PyTorch %.5f (%.2f %% apart, limit 2 %%)", r->name, P->fit.fvu,
                   r->fvu, 100 * dfvu);
            tap_ok(dl0 <= 0.02, "%s: L0 %.4f vs PyTorch %.4f (%.2f %% apart, limit 2 %%)", r->name, P->fit.l0, r->l0,
                   100 * dl0);
        } else {
            tap_ok(0, "%s: %s", r->name, e.msg);
        }
        sae_free(P);
        free(Xp);
    }
    mon_free(&mon);
    sae_free(M);
    free(X);
    free(U);
}

static void test_other_archs(void)
{
    sc_err e = {{0}};
    const int n = 4096, d = 16, K = 64;
    float *X = planted(42, n, d, K, 0.02, NULL);
    static const sae_arch archs[] = {SAE_BATCHTOPK, SAE_MATRYOSHKA, SAE_RELU_L1};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        sae_config c;
        planted_cfg(&c, archs[i]);
        c.epochs = 15;
        if (archs[i] == SAE_MATRYOSHKA) {
            c.nprefix = 2;
            c.prefix[0] = 16;
            c.prefix[1] = 64;
        }
        if (archs[i] == SAE_RELU_L1)
            c.resample_every = 50; /* resampling on: dead features get re-initialised */
        int rc;
        sae_model *M = train(archs[i], X, n, d, &c, NULL, NULL, &rc, &e);
        const char *nm = sae_arch_name(archs[i]);
        if (!tap_ok(rc == 0, "%s trains%s%s", nm, rc ? ": " : "", rc ? e.msg : "")) {
            sae_free(M);
            continue;
        }
        tap_ok(M->fit.fvu < 0.5, "%s: FVU %.3f < 0.5 after 15 epochs", nm, M->fit.fvu);
        if (archs[i] != SAE_RELU_L1) {
            tap_ok(M->threshold > 0 && fabs(M->fit.l0 - 3) < 1.0,
                   "%s: inference threshold %.3f estimated, its L0 %.2f near k = 3", nm, M->threshold, M->fit.l0);
        } else {
            tap_ok(M->fit.l0 > 0 && M->fit.l0 < M->m / 4.0, "relu-l1: L1 makes it sparse (L0 %.2f of %d)", M->fit.l0,
                   M->m);
        }
        if (archs[i] == SAE_MATRYOSHKA)
            tap_ok(M->cfg.nprefix == 3 && M->cfg.prefix[2] == M->m, "matryoshka: prefixes 16, 64, all");
        sae_free(M);
    }
    /* relu-l1 resampling brings back features that cannot fire: 16 features
     * get b_enc = -1000 before training */
    {
        sae_config rc1;
        planted_cfg(&rc1, SAE_RELU_L1);
        rc1.epochs = 10;
        rc1.resample_every = 20;
        rc1.dead_window = 500;
        sae_model *R = NULL;
        int rr = sae_create(&R, d, &rc1, &e);
        if (rr == 0) {
            for (int j = 0; j < 16; j++)
                R->p.b_enc[j] = -1000;
            rr = sae_fit(R, X, n, d, NULL, NULL, NULL, &e);
        }
        if (tap_ok(rr == 0, "relu-l1 with resampling trains%s%s", rr ? ": " : "", rr ? e.msg : "")) {
            double *freq = calloc((size_t)R->m, sizeof *freq);
            int reinit = 0, revived = 0;
            if (sae_density(R, X, n, freq, &e) == 0)
                for (int j = 0; j < 16; j++) {
                    reinit += R->p.b_enc[j] > -1;
                    revived += freq[j] > 0;
                }
            /* a resampled feature may die again (the last round is at half time) */
            tap_ok(R->fit.resamples > 0 && reinit == 16 && revived >= 8,
                   "resampling re-initialised %lld features in %d rounds, all 16 silenced ones among them; %d of "
                   "those fire at the end",
                   (long long)R->fit.resampled, R->fit.resamples, revived);
            free(freq);
        }
        sae_free(R);
    }
    /* l1-norm=decoder: the decoder is free (not renormalised) and the loss
     * weights |f_j| by ||W_dec_j|| */
    {
        sae_config dc;
        planted_cfg(&dc, SAE_RELU_L1);
        dc.l1_decoder = 1;
        dc.epochs = 10;
        dc.l1 = 0.05;
        int rr;
        sae_model *D = train(SAE_RELU_L1, X, n, d, &dc, NULL, NULL, &rr, &e);
        if (tap_ok(rr == 0, "relu-l1 l1-norm=decoder trains%s%s", rr ? ": " : "", rr ? e.msg : "")) {
            double lo = INFINITY, hi = 0;
            for (int j = 0; j < D->m; j++) {
                double ss = 0;
                for (int q = 0; q < d; q++)
                    ss += (double)D->p.W_dec[j * d + q] * D->p.W_dec[j * d + q];
                lo = fmin(lo, sqrt(ss));
                hi = fmax(hi, sqrt(ss));
            }
            tap_ok(D->fit.fvu < 0.6 && hi - lo > 0.01 && D->cfg.l1_warmup == 0.05,
                   "l1-norm=decoder: FVU %.3f, decoder norms free (%.3f..%.3f), lambda warm-up 5 %%", D->fit.fvu, lo,
                   hi);
        }
        sae_free(D);
    }
    /* the seed's run in miniature: early stopping restores the best epoch */
    sae_config c;
    sae_config_init(&c, SAE_SEED);
    c.features = 64;
    c.epochs = 400;
    c.patience = 5;
    c.seed = 3;
    c.lr = 0.03; /* converges within the budget, so patience runs out */
    monitor mon;
    memset(&mon, 0, sizeof mon);
    int rc;
    sae_model *M = train(SAE_SEED, X, 300, d, &c, &mon, NULL, &rc, &e);
    const mon_series *vl = mon_find(&mon, "val loss");
    if (tap_ok(rc == 0 && vl, "seed preset trains%s%s", rc ? ": " : "", rc ? e.msg : "")) {
        int arg = 0;
        for (int i = 1; i < vl->n; i++)
            if (vl->val[i] < vl->val[arg])
                arg = i;
        tap_ok(M->fit.early_stopped && M->fit.epochs_run == M->fit.best_epoch + 5 && M->fit.best_epoch == arg + 1,
               "seed: stopped 5 epochs after the best (epoch %d of %d run), which is the argmin of val loss (%d)",
               M->fit.best_epoch, M->fit.epochs_run, arg + 1);
        tap_ok(M->scale == 1.0f && M->cfg.batch_size == 128 && M->cfg.l1 == 0.001,
               "seed: no input scaling, batch 128, l1 0.001");
        /* the restored parameters give the best validation loss again: redo
         * the split as sae_fit does (stream 2 of the seed shuffles the cells,
         * the last 15 % validate) and the seed's loss batch by batch */
        const int64_t nc = 300, ntr = (int64_t)floor(0.85 * nc + 1e-9);
        int64_t rows[300];
        rng r0, rs;
        rng_seed(&r0, c.seed);
        rng_split(&r0, 2, &rs);
        for (int64_t i = 0; i < nc; i++)
            rows[i] = i;
        rng_shuffle_i64(&rs, rows, nc);
        double tot = 0;
        int nb = 0;
        for (int64_t b0 = ntr; b0 < nc; b0 += 128, nb++) {
            int bn = nc - b0 < 128 ? (int)(nc - b0) : 128;
            float xb[128 * 16], xh[128 * 16];
            for (int b = 0; b < bn; b++)
                memcpy(xb + b * d, X + rows[b0 + b] * d, sizeof(float) * d);
            sae_csr f;
            double se = 0, l1 = 0;
            if (sae_encode(M, xb, bn, &f, &e) < 0 || sae_reconstruct(M, xb, bn, xh, &e) < 0)
                break;
            for (int i = 0; i < bn * d; i++)
                se += (double)(xb[i] - xh[i]) * (xb[i] - xh[i]);
            for (int64_t t = 0; t < f.indptr[bn]; t++)
                l1 += f.data[t];
            sae_csr_free(&f);
            tot += se / (bn * d) + 0.001 * l1;
        }
        double again = tot / nb;
        tap_ok(fabs(again - vl->val[arg]) <= 1e-5 * vl->val[arg],
               "seed: restored parameters give the best val loss again (%.7f vs %.7f)", again, vl->val[arg]);
    }
    mon_free(&mon);
    sae_free(M);
    free(X);
}

static void test_determinism(void)
{
    sc_err e = {{0}};
    const int n = 4096, d = 32;
    float *X = planted(7, n, d, 96, 0.05, NULL);
    sae_config c;
    sae_config_init(&c, SAE_TOPK);
    c.features = 512; /* large enough for the parallel paths */
    c.k = 8;
    c.epochs = 2;
    c.seed = 11;
    c.dead_window = 500;
    sc_set_threads(2);
    int r1, r2, r3;
    sae_model *A = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &r1, &e);
    sae_model *B = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &r2, &e);
    c.seed = 12;
    sae_model *C = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &r3, &e);
    if (tap_ok(r1 == 0 && r2 == 0 && r3 == 0, "determinism runs train")) {
        size_t bytes = A->nparams * sizeof(float);
        tap_ok(memcmp(A->p.W_enc, B->p.W_enc, bytes) == 0 && A->threshold == B->threshold,
               "same seed and threads: identical parameters");
        tap_ok(memcmp(A->p.W_enc, C->p.W_enc, bytes) != 0, "another seed: different parameters");
    }
    sae_free(A);
    sae_free(B);
    sae_free(C);
    sc_set_threads(1);
    free(X);
}

typedef struct stop_ctx {
    volatile sig_atomic_t *flag;
    int64_t at, seen;
    float *snap;
    const sae_model *M;
} stop_ctx;

static void stop_tick(monitor *m, int epoch_done, void *ctx)
{
    stop_ctx *s = ctx;
    (void)m;
    if (epoch_done || !s->M)
        return;
    if (++s->seen == s->at) {
        memcpy(s->snap, s->M->p.W_enc, s->M->nparams * sizeof(float));
        *s->flag = 1;
    }
}

static void test_stop_and_nan(void)
{
    sc_err e = {{0}};
    const int n = 2048, d = 16;
    float *X = planted(5, n, d, 32, 0.02, NULL);
    sae_config c;
    sae_config_init(&c, SAE_TOPK);
    c.features = 64;
    c.k = 3;
    c.epochs = 5;
    c.batch_size = 64;
    c.patience = 1; /* a best epoch exists when the stop comes: it must not be restored */
    sae_model *M = NULL;
    volatile sig_atomic_t flag = 0;
    stop_ctx s = {&flag, 40, 0, NULL, NULL}; /* 28 steps per epoch: stop in epoch 2 */
    monitor mon;
    memset(&mon, 0, sizeof mon);
    mon.tick = stop_tick;
    mon.ctx = &s;
    if (sae_create(&M, d, &c, &e) == 0) {
        s.M = M;
        s.snap = malloc(M->nparams * sizeof(float));
        int rc = sae_fit(M, X, n, d, NULL, &mon, &flag, &e);
        tap_ok(rc == 0 && M->fit.stopped && M->fit.steps == 40 && M->fit.epochs_run == 1,
               "stop flag: training stops after step 40 (steps %lld, epochs %d)", (long long)M->fit.steps,
               M->fit.epochs_run);
        tap_ok(memcmp(s.snap, M->p.W_enc, M->nparams * sizeof(float)) == 0,
               "stop flag: the parameters are those of the last finished step");
        free(s.snap);
    } else {
        tap_ok(0, "create: %s", e.msg);
    }
    sae_free(M);
    mon_free(&mon);

    /* a learning rate that blows the parameters up: the loss overflows */
    sae_config_init(&c, SAE_TOPK);
    c.features = 64;
    c.k = 3;
    c.epochs = 3;
    c.lr = 1e36;
    int rc;
    M = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &rc, &e);
    int finite = 1;
    for (size_t i = 0; M && i < M->nparams; i++)
        finite = finite && isfinite(M->p.W_enc[i]);
    tap_ok(rc < 0 && strstr(e.msg, "epoch 1, step") && (strstr(e.msg, "NaN") || strstr(e.msg, "infinite")),
           "a diverging loss stops with epoch and step named: %s", e.msg);
    tap_ok(finite, "after the divergence the last good (finite) parameters are kept");
    sae_free(M);

    X[5 * d + 3] = NAN;
    sae_config_init(&c, SAE_TOPK);
    M = train(SAE_TOPK, X, n, d, &c, NULL, NULL, &rc, &e);
    tap_ok(rc < 0 && strstr(e.msg, "NaN at cell 6, dimension 4"), "NaN input refused: %s", e.msg);
    sae_free(M);
    free(X);
}

static void test_refusals(void)
{
    sc_err e = {{0}};
    sae_config c;
    sae_model *M = NULL;
    sae_config_init(&c, SAE_TOPK);
    c.features = 8;
    c.k = 9;
    tap_ok(sae_create(&M, 16, &c, &e) < 0 && strstr(e.msg, "k=9 is larger than features=8"), "k > features: %s",
           e.msg);
    sae_config_init(&c, SAE_TOPK);
    c.features = -1;
    tap_ok(sae_create(&M, 16, &c, &e) < 0 && strstr(e.msg, "features=-1"), "features < 1: %s", e.msg);
    sae_config_init(&c, SAE_RELU_L1);
    c.l1 = -0.5;
    tap_ok(sae_create(&M, 16, &c, &e) < 0 && strstr(e.msg, "l1=-0.5"), "negative l1: %s", e.msg);
    sae_config_init(&c, SAE_TOPK);
    c.features = 1 << 24;
    c.mem_limit = (size_t)1 << 30;
    tap_ok(sae_create(&M, 128, &c, &e) < 0 && strstr(e.msg, "GiB"), "memory guard: %s", e.msg);
    sae_arch a;
    tap_ok(sae_arch_parse("jumprelu", &a, &e) < 0 && strstr(e.msg, "matryoshka"), "unknown arch: %s", e.msg);
    sae_config_init(&c, SAE_TOPK);
    if (sae_create(&M, 8, &c, &e) == 0) {
        float X[40] = {0};
        tap_ok(sae_fit(M, X, 5, 4, NULL, NULL, NULL, &e) < 0 && strstr(e.msg, "built for 8"),
               "input of another dimension: %s", e.msg);
        sae_free(M);
    }
}

int main(void)
{
    sc_set_threads(1);
    test_refusals();
    test_topk_recovery_and_peer();
    test_fit_enc_scale();
    test_measure_from_csr();
    test_other_archs();
    test_determinism();
    test_stop_and_nan();
    return tap_done();
}

/* test_explain.c: explanations of features built to have a known answer,
 * and explain against a brute-force search over labels, conjunctions and
 * thresholds on random data. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "rng.h"
#include "tap.h"

#define N 3000
#define NF 7

static int32_t ct[N], cond[N], batch[N];
static const char *ct_names[] = {"A", "B", "C", "D"};
static const char *cond_names[] = {"ctrl", "stim"};
static const char *batch_names[] = {"b1", "b2"};

/* CSR builder */
typedef struct csr {
    int64_t ip[N + 1];
    int32_t ix[N * NF];
    float v[N * NF];
    int64_t nnz;
} csr;

static void test_known(void)
{
    rng g;
    rng_seed(&g, 2024);
    static csr m;
    m.nnz = 0;
    for (int c = 0; c < N; c++) {
        ct[c] = (int32_t)rng_below(&g, 4);
        cond[c] = (int32_t)rng_below(&g, 2);
        batch[c] = (int32_t)rng_below(&g, 2);
        if (c % 97 == 0)
            ct[c] = -1; /* a few unlabelled cells */
        float f[NF] = {0};
        if (ct[c] == 0 && cond[c] == 1)
            f[0] = 1 + (float)rng_uniform(&g);      /* A & stim */
        if (ct[c] == 1)
            f[1] = 0.5f + (float)rng_uniform(&g);   /* all of B */
        if (cond[c] == 1)
            f[2] = (float)rng_uniform(&g) + 0.01f;  /* stim */
        /* f3 dead */
        if (ct[c] == 2 && batch[c] == 1)
            f[4] = 2;                               /* C & b2 */
        /* f5: high on D, low on a random 30 % of the rest: the threshold
         * has to cut between them */
        if (ct[c] == 3)
            f[5] = 5 + (float)rng_uniform(&g);
        else if (rng_uniform(&g) < 0.3)
            f[5] = (float)rng_uniform(&g);
        /* f6: on B only in ctrl, and on 5 % of other cells */
        if ((ct[c] == 1 && cond[c] == 0) || rng_uniform(&g) < 0.05)
            f[6] = 1;
        for (int j = 0; j < NF; j++)
            if (f[j] != 0) {
                m.ix[m.nnz] = j;
                m.v[m.nnz++] = f[j];
            }
        m.ip[c + 1] = m.nnz;
    }
    inspect_src s;
    stats_label cols[3];
    sc_err e;
    int ok = inspect_src_sparse(&s, N, NF, m.ip, m.ix, m.v, "acts", &e) == 0 &&
             stats_label_init(&cols[0], "cell_type", ct, N, 4, ct_names, &e) == 0 &&
             stats_label_init(&cols[1], "condition", cond, N, 2, cond_names, &e) == 0 &&
             stats_label_init(&cols[2], "batch", batch, N, 2, batch_names, &e) == 0;
    explain_hit h[NF];
    if (!tap_ok(ok && explain_run(&s, cols, 3, NULL, h, &e) == 0, "explain runs"))
        return;
    char buf[NF][128];
    for (int j = 0; j < NF; j++) {
        explain_format(&h[j], cols, buf[j], sizeof buf[j]);
        tap_diag("feature %d: %s  F1 %.3f  precision %.3f  recall %.3f  t %g", j, buf[j],
                 h[j].f1.f1, h[j].f1.precision, h[j].f1.recall, h[j].f1.threshold);
    }
    tap_ok(strcmp(buf[0], "A & stim") == 0 && h[0].f1.f1 == 1 && h[0].f1.precision == 1 &&
               h[0].f1.recall == 1,
           "feature on exactly A & stim is explained as 'A & stim' with F1 = 1");
    tap_ok(strcmp(buf[1], "B") == 0 && h[1].f1.f1 == 1 && h[1].col_b == -1,
           "feature on all of B is explained as 'B' (not a conjunction)");
    tap_ok(strcmp(buf[2], "stim") == 0 && h[2].f1.f1 == 1, "feature on stimulated cells: 'stim'");
    tap_ok(strcmp(buf[3], "-") == 0 && h[3].col_a == -1, "dead feature: '-'");
    tap_ok(strcmp(buf[4], "C & b2") == 0 && h[4].f1.f1 == 1, "feature on C in batch 2: 'C & b2'");
    tap_ok(strcmp(buf[5], "D") == 0 && h[5].f1.f1 == 1 && h[5].f1.threshold >= 5,
           "graded feature: threshold %g cuts the low activations off, F1 = 1", h[5].f1.threshold);
    /* f6 = B & ctrl plus 5 % noise: the conjunction, F1 below 1 */
    tap_ok(strcmp(buf[6], "B & ctrl") == 0 && h[6].f1.f1 > 0.7 && h[6].f1.f1 < 1,
           "noisy B & ctrl feature: 'B & ctrl' at F1 %.3f", h[6].f1.f1);

    explain_share sh;
    explain_share_of(&s, h, 0.7, &sh);
    tap_ok(sh.nlive == 6 && sh.nexplained == 6 && sh.nconj == 3 && fabs(sh.share - 1) < 1e-15,
           "share explained at F1 >= 0.7: %lld of %lld live, %lld by conjunctions",
           (long long)sh.nexplained, (long long)sh.nlive, (long long)sh.nconj);

    explain_opts o;
    explain_opts_init(&o);
    o.conjunctions = 0;
    explain_hit hs[NF];
    explain_run(&s, cols, 3, &o, hs, &e);
    explain_format(&hs[0], cols, buf[0], sizeof buf[0]);
    tap_ok(hs[0].col_b == -1 && hs[0].f1.f1 < 0.8 && hs[1].f1.f1 == 1,
           "without conjunctions A & stim is only a fragment: '%s' F1 %.3f", buf[0], hs[0].f1.f1);
    o.conjunctions = 1;
    o.min_gain = 0.5;
    explain_run(&s, cols, 3, &o, hs, &e);
    tap_ok(hs[0].col_b == -1, "min_gain 0.5 keeps the single label for feature 0");

    /* latent directions: dim 0 = +1 on A, -1 elsewhere, plus noise */
    float *lat = malloc(N * 2 * sizeof *lat);
    for (int c = 0; c < N; c++) {
        lat[2 * c] = (ct[c] == 0 ? 1.0f : -1.0f) + 0.1f * (float)rng_normal(&g);
        lat[2 * c + 1] = (float)rng_normal(&g);
    }
    inspect_src ds;
    explain_hit hd[4];
    inspect_src_dense(&ds, N, 2, lat, "latent", &e);
    explain_run(&ds, cols, 3, NULL, hd, &e);
    explain_format(&hd[0], cols, buf[0], sizeof buf[0]);
    tap_ok(strcmp(buf[0], "A") == 0 && hd[0].f1.f1 == 1, "dim 0+ is explained as 'A' (%s)", buf[0]);
    explain_share_of(&ds, hd, 0.7, &sh);
    tap_ok(sh.nlive == 4, "every latent direction counts as live");

    /* a pair with too many combinations is refused, naming both columns */
    int32_t *many = malloc(N * sizeof *many);
    for (int c = 0; c < N; c++)
        many[c] = c;
    stats_label big[2];
    stats_label_init(&big[0], "barcode", many, N, N, NULL, &e);
    stats_label_init(&big[1], "barcode2", many, N, N, NULL, &e);
    tap_ok(explain_run(&s, big, 2, NULL, h, &e) < 0 && strstr(e.msg, "barcode") &&
               strstr(e.msg, "combinations"),
           "too many combinations refused: %s", e.msg);
    stats_label_free(&big[0]);
    stats_label_free(&big[1]);
    free(many);
    free(lat);
    inspect_src_free(&ds);
    inspect_src_free(&s);
    for (int k = 0; k < 3; k++)
        stats_label_free(&cols[k]);
}

/* Brute force: every single label and every conjunction of two columns,
 * every distinct threshold, F1 counted over the labelled cells of that label. */
static double brute_best(const float *x, int n, int32_t *const *codes, const int *ncat, int ncol,
                         int posonly)
{
    double best = 0;
    for (int a = 0; a < ncol; a++)
        for (int b = a; b < ncol; b++)
            for (int ca = 0; ca < ncat[a]; ca++)
                for (int cb = 0; cb < (a == b ? 1 : ncat[b]); cb++) {
                    for (int t = 0; t < n; t++) {
                        float th = x[t];
                        if (posonly && th <= 0)
                            continue;
                        int tp = 0, pred = 0, P = 0;
                        for (int i = 0; i < n; i++) {
                            int lab = codes[a][i] >= 0 && (a == b || codes[b][i] >= 0);
                            if (!lab)
                                continue;
                            int pos = codes[a][i] == ca && (a == b || codes[b][i] == cb);
                            P += pos;
                            if (x[i] >= th) {
                                pred++;
                                tp += pos;
                            }
                        }
                        if (P && pred) {
                            double f = 2.0 * tp / (pred + P);
                            if (f > best)
                                best = f;
                        }
                    }
                }
    return best;
}

static void test_brute(void)
{
    rng g;
    rng_seed(&g, 77);
    int n = 150, nf = 12, ncol = 3, ncat[] = {3, 2, 4};
    int32_t *codes[3];
    for (int k = 0; k < ncol; k++) {
        codes[k] = malloc(n * sizeof *codes[k]);
        for (int i = 0; i < n; i++)
            codes[k][i] = (int32_t)rng_below(&g, (uint64_t)ncat[k] + 1) - 1; /* -1: missing */
    }
    float *X = calloc((size_t)n * nf, sizeof *X);
    int64_t *ip = calloc(n + 1, sizeof *ip);
    int32_t *ix = malloc((size_t)n * nf * sizeof *ix);
    float *v = malloc((size_t)n * nf * sizeof *v);
    int64_t nnz = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < nf; j++) {
            /* sparse, coarse (ties), tilted towards a few labels */
            double u = rng_uniform(&g) + 0.3 * (codes[0][i] == j % 3) + 0.3 * (codes[1][i] == j % 2);
            if (u > 0.9) {
                X[(size_t)j * n + i] = (float)(1 + rng_below(&g, 4));
                ix[nnz] = j;
                v[nnz++] = X[(size_t)j * n + i];
            }
        }
        ip[i + 1] = nnz;
    }
    inspect_src s;
    stats_label cols[3];
    sc_err e;
    int ok = inspect_src_sparse(&s, n, nf, ip, ix, v, "acts", &e) == 0;
    for (int k = 0; k < ncol; k++)
        ok &= stats_label_init(&cols[k], NULL, codes[k], n, ncat[k], NULL, &e) == 0;
    explain_hit *h = malloc(nf * sizeof *h);
    ok &= explain_run(&s, cols, ncol, NULL, h, &e) == 0;
    if (!ok)
        tap_diag("%s", e.msg);
    for (int j = 0; j < nf; j++) {
        double want = brute_best(X + (size_t)j * n, n, codes, ncat, ncol, 1);
        if (fabs(want - h[j].f1.f1) > 1e-12) {
            ok = 0;
            tap_diag("feature %d: explain %.6f, brute force %.6f", j, h[j].f1.f1, want);
        }
    }
    tap_ok(ok, "explain's F1 equals brute force over labels, conjunctions and thresholds (%d features)",
           nf);
    /* a dense source: thresholds over all values */
    float *lat = malloc(n * sizeof *lat), *neg = malloc(n * sizeof *neg);
    for (int i = 0; i < n; i++) {
        lat[i] = (float)rng_below(&g, 7) - 3 + (codes[0][i] == 1);
        neg[i] = -lat[i];
    }
    inspect_src ds;
    explain_hit hd[2];
    inspect_src_dense(&ds, n, 1, lat, "latent", &e);
    explain_run(&ds, cols, ncol, NULL, hd, &e);
    double w0 = brute_best(lat, n, codes, ncat, ncol, 0), w1 = brute_best(neg, n, codes, ncat, ncol, 0);
    tap_ok(fabs(w0 - hd[0].f1.f1) < 1e-12 && fabs(w1 - hd[1].f1.f1) < 1e-12,
           "latent directions: F1 %.4f / %.4f equal brute force over every threshold", hd[0].f1.f1,
           hd[1].f1.f1);
    inspect_src_free(&ds);
    inspect_src_free(&s);
    for (int k = 0; k < ncol; k++) {
        stats_label_free(&cols[k]);
        free(codes[k]);
    }
    free(lat);
    free(neg);
    free(h);
    free(X);
    free(ip);
    free(ix);
    free(v);
}

int main(void)
{
    test_known();
    test_brute();
    return tap_done();
}

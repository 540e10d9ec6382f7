/* test_stats.c: AUROC, F1, ranks, correlations, information, the
 * hypergeometric tail and BH against hand-computed cases, brute force
 * (pair counts, every threshold, exact binomial sums) and scipy's figures
 * (tests/peer/stats_expected.tsv, written by tests/peer/stats_peer.py). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stats.h"
#include "tap.h"

#define PEER_TSV SC_TOP_SRCDIR "/tests/peer/stats_expected.tsv"

/* ---- brute-force references ----------------------------------------------- */

/* AUROC of category c by counting pairs of labelled cells. */
static double pair_auroc(const float *x, const int32_t *code, int64_t n, int32_t c)
{
    double win = 0, pairs = 0;
    for (int64_t i = 0; i < n; i++) {
        if (code[i] != c)
            continue;
        for (int64_t j = 0; j < n; j++) {
            if (code[j] < 0 || code[j] == c)
                continue;
            pairs++;
            win += x[i] > x[j] ? 1 : x[i] == x[j] ? 0.5 : 0;
        }
    }
    return pairs ? win / pairs : NAN;
}

/* Best F1 over every distinct value as threshold (highest first, strict >). */
static stats_f1 brute_f1(const float *x, const int32_t *code, int64_t n, int32_t c, int posonly)
{
    stats_f1 best = {0, 0, 0, NAN, 0, 0, 0};
    int64_t P = 0;
    for (int64_t i = 0; i < n; i++)
        P += code[i] == c;
    best.npos = P;
    float *t = malloc((size_t)n * sizeof *t);
    for (int64_t i = 0; i < n; i++)
        t[i] = x[i];
    /* distinct values, descending, by selection of the next lower value */
    float cur = INFINITY;
    for (;;) {
        float next = -INFINITY;
        int found = 0;
        for (int64_t i = 0; i < n; i++)
            if (t[i] < cur && (!found || t[i] > next)) {
                next = t[i];
                found = 1;
            }
        if (!found || (posonly && next <= 0))
            break;
        cur = next;
        int64_t tp = 0, pred = 0;
        for (int64_t i = 0; i < n; i++)
            if (code[i] >= 0 && x[i] >= cur) {
                pred++;
                tp += code[i] == c;
            }
        if (P > 0 && pred > 0) {
            double f = 2.0 * tp / (double)(pred + P);
            if (f > best.f1) {
                best.f1 = f;
                best.threshold = cur;
                best.tp = tp;
                best.npred = pred;
                best.precision = (double)tp / pred;
                best.recall = (double)tp / P;
            }
        }
    }
    free(t);
    return best;
}

static void naive_ranks(const double *x, int64_t n, double *r)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t less = 0, eq = 0;
        for (int64_t j = 0; j < n; j++) {
            less += x[j] < x[i];
            eq += x[j] == x[i];
        }
        r[i] = (double)less + (double)(eq + 1) / 2;
    }
}

static double naive_pearson(const double *x, const double *y, int64_t n)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int64_t i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
    }
    for (int64_t i = 0; i < n; i++) {
        double a = x[i] - sx / n, b = y[i] - sy / n;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    return sxy / sqrt(sxx * syy);
}

/* exact C(n, k) for small n (fits in uint64 for n <= 60) */
static double exact_choose(int n, int k)
{
    if (k < 0 || k > n)
        return 0;
    unsigned long long r = 1;
    for (int i = 1; i <= k; i++)
        r = r * (unsigned long long)(n - k + i) / (unsigned long long)i;
    return (double)r;
}

/* ---- sparse ranked helper ---------------------------------------------------- */

/* List the non-zero entries of x and sort them (as an SAE feature would). */
static int64_t to_ranked(const float *x, int64_t n, int32_t *cell, float *val, stats_ranked *r)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (x[i] != 0) {
            cell[m] = (int32_t)i;
            val[m++] = x[i];
        }
    stats_sort_desc(cell, val, m);
    r->n = n;
    r->m = m;
    r->cell = cell;
    r->val = val;
    return m;
}

/* ---- peer file --------------------------------------------------------------- */

static int parse_list(char *s, double *out, int cap)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ","))
        out[n++] = strtod(tok, NULL);
    return n;
}

static void test_peer(void)
{
    FILE *f = fopen(PEER_TSV, "r");
    if (!tap_ok(f != NULL, "peer file %s opens", PEER_TSV))
        return;
    static char line[1 << 16];
    static double a[4096], b[4096];
    int nh = 0, hbad = 0, ns = 0, sbad = 0, na = 0, abad = 0, nb = 0, bbad = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *field[8];
        int nf = 0;
        for (char *p = line, *s = line; nf < 8; p++)
            if (*p == '\t' || *p == '\0') {
                int end = *p == '\0';
                *p = '\0';
                field[nf++] = s;
                s = p + 1;
                if (end)
                    break;
            }
        if (strcmp(field[0], "hyper") == 0 && nf == 7) {
            int64_t k = atoll(field[1]), pop = atoll(field[2]), succ = atoll(field[3]),
                    draws = atoll(field[4]);
            double logsf = strtod(field[6], NULL);
            double got = stats_hyper_logsf(k, pop, succ, draws);
            /* relative 1e-9 on the log, or absolute 1e-12 near log 1 = 0 */
            int ok = fabs(got - logsf) <= 1e-9 * fabs(logsf) + 1e-12;
            if (!ok)
                tap_diag("hyper k=%lld pop=%lld succ=%lld draws=%lld: %.15g vs scipy %.15g",
                         (long long)k, (long long)pop, (long long)succ, (long long)draws, got,
                         logsf);
            hbad += !ok;
            nh++;
        } else if (strcmp(field[0], "spearman") == 0 && nf == 4) {
            int n = parse_list(field[1], a, 4096);
            int m = parse_list(field[2], b, 4096);
            double rho = NAN, want = strtod(field[3], NULL);
            sc_err e;
            int ok = n == m && stats_spearman(a, b, n, &rho, &e) == 0 && fabs(rho - want) < 1e-12;
            if (!ok)
                tap_diag("spearman n=%d: %.15g vs scipy %.15g", n, rho, want);
            sbad += !ok;
            ns++;
        } else if (strcmp(field[0], "auroc") == 0 && nf == 4) {
            int n = parse_list(field[1], a, 4096);
            int m = parse_list(field[2], b, 4096);
            double want = strtod(field[3], NULL), got = NAN, got_sparse = NAN;
            float *x = malloc((size_t)n * sizeof *x);
            uint8_t *pos = malloc((size_t)n);
            int32_t *code = malloc((size_t)n * sizeof *code), *cell = malloc((size_t)n * 4);
            float *val = malloc((size_t)n * sizeof *val);
            for (int i = 0; i < n; i++) {
                x[i] = (float)a[i];
                pos[i] = b[i] != 0;
                code[i] = pos[i];
            }
            sc_err e;
            int ok = n == m && stats_auroc(x, pos, n, &got, &e) == 0;
            /* the same through the sparse path (zeros unlisted) */
            stats_label l;
            stats_ws ws;
            stats_ranked r;
            double au[2];
            if (stats_label_init(&l, "pos", code, n, 2, NULL, &e) == 0 &&
                stats_ws_init(&ws, 2, 2, &e) == 0) {
                to_ranked(x, n, cell, val, &r);
                stats_auroc_cats(&r, &l, au, &ws);
                got_sparse = au[1];
                stats_ws_free(&ws);
                stats_label_free(&l);
            }
            ok = ok && fabs(got - want) < 1e-12 && fabs(got_sparse - want) < 1e-12;
            if (!ok)
                tap_diag("auroc n=%d: %.15g (sparse %.15g) vs scipy %.15g", n, got, got_sparse,
                         want);
            abad += !ok;
            na++;
            free(x);
            free(pos);
            free(code);
            free(cell);
            free(val);
        } else if (strcmp(field[0], "bh") == 0 && nf == 3) {
            int n = parse_list(field[1], a, 4096);
            int m = parse_list(field[2], b, 4096);
            double *q = malloc((size_t)n * sizeof *q);
            sc_err e;
            int ok = n == m && stats_bh(a, n, q, &e) == 0;
            for (int i = 0; ok && i < n; i++)
                ok = fabs(q[i] - b[i]) <= 1e-14 * b[i] + 1e-300;
            if (!ok)
                tap_diag("bh n=%d differs from scipy", n);
            bbad += !ok;
            nb++;
            free(q);
        }
    }
    fclose(f);
    tap_ok(nh >= 20 && hbad == 0, "hypergeometric log tail matches scipy (%d cases, %d off)", nh,
           hbad);
    tap_ok(ns >= 3 && sbad == 0, "Spearman with ties matches scipy (%d cases, %d off)", ns, sbad);
    tap_ok(na >= 3 && abad == 0, "AUROC (dense and sparse) matches scipy's Mann-Whitney U (%d, %d off)",
           na, abad);
    tap_ok(nb >= 2 && bbad == 0, "BH matches scipy (%d cases, %d off)", nb, bbad);
}

/* ---- tests --------------------------------------------------------------- */

static void test_auroc_hand(void)
{
    sc_err e;
    double a;
    const float s1[] = {1, 2, 3, 4};
    const uint8_t p1[] = {0, 0, 1, 1}, p2[] = {1, 1, 0, 0};
    stats_auroc(s1, p1, 4, &a, &e);
    tap_ok(a == 1.0, "AUROC perfect separation = 1 (%g)", a);
    stats_auroc(s1, p2, 4, &a, &e);
    tap_ok(a == 0.0, "AUROC reversed = 0 (%g)", a);
    /* pos {1,2} vs neg {1,2}: ties count 1/2 -> (0.5 + 0 + 1 + 0.5) / 4 */
    const float s3[] = {1, 1, 2, 2};
    const uint8_t p3[] = {0, 1, 0, 1};
    stats_auroc(s3, p3, 4, &a, &e);
    tap_ok(a == 0.5, "AUROC with ties, hand count 2/4 (%g)", a);
    /* pos {0,3,1} vs neg {0,2}: 0.5 + 0 + 1 + 1 + 1 + 0 = 3.5 of 6 */
    const float s4[] = {0, 0, 3, 1, 2};
    const uint8_t p4[] = {1, 0, 1, 1, 0};
    stats_auroc(s4, p4, 5, &a, &e);
    tap_ok(fabs(a - 3.5 / 6) < 1e-15, "AUROC hand case 3.5/6 (%g)", a);
    const uint8_t p5[] = {1, 1, 1, 1, 1};
    stats_auroc(s4, p5, 5, &a, &e);
    tap_ok(isnan(a), "AUROC without negatives is NaN");
    const float bad[] = {1, NAN};
    tap_ok(stats_auroc(bad, p1, 2, &a, &e) < 0 && strstr(e.msg, "cell 1"),
           "a NaN score is refused, naming the cell: %s", e.msg);
}

static void test_auroc_f1_random(void)
{
    rng g;
    rng_seed(&g, 11);
    int all_auc = 1, all_f1 = 1, all_f1p = 1, trials = 0;
    double worst = 0;
    for (int t = 0; t < 40; t++) {
        int64_t n = 20 + (int64_t)rng_below(&g, 180);
        int32_t K = 1 + (int32_t)rng_below(&g, 5);
        float *x = malloc((size_t)n * sizeof *x), *val = malloc((size_t)n * sizeof *val);
        int32_t *code = malloc((size_t)n * sizeof *code), *cell = malloc((size_t)n * 4);
        for (int64_t i = 0; i < n; i++) {
            code[i] = (int32_t)rng_below(&g, (uint64_t)K + 1) - 1; /* some missing */
            double u = rng_uniform(&g);
            /* mostly zero, coarse values (ties), some negative on odd trials */
            x[i] = u < 0.5 ? 0 : (float)(rng_below(&g, 6) + (code[i] == 0 ? 2 : 0));
            if (t % 2 && u > 0.9)
                x[i] = -(float)rng_below(&g, 3) - 1;
        }
        stats_label l;
        stats_ws ws;
        sc_err e;
        if (stats_label_init(&l, "lab", code, n, K, NULL, &e) < 0 || stats_ws_init(&ws, K, 2, &e) < 0)
            return;
        stats_ranked r;
        to_ranked(x, n, cell, val, &r);
        double *au = malloc((size_t)K * sizeof *au);
        stats_f1 *f = malloc((size_t)K * sizeof *f);
        stats_auroc_cats(&r, &l, au, &ws);
        for (int32_t c = 0; c < K; c++) {
            double ref = pair_auroc(x, code, n, c);
            int ok = (isnan(ref) && isnan(au[c])) || fabs(ref - au[c]) < 1e-12;
            if (!ok)
                tap_diag("trial %d cat %d: AUROC %.15g, pairs %.15g", t, (int)c, au[c], ref);
            all_auc &= ok;
        }
        for (int posonly = 0; posonly < 2; posonly++) {
            stats_f1_cats(&r, &l, posonly, f, &ws);
            for (int32_t c = 0; c < K; c++) {
                stats_f1 b = brute_f1(x, code, n, c, posonly);
                int ok = fabs(b.f1 - f[c].f1) < 1e-12 && b.tp == f[c].tp &&
                         b.npred == f[c].npred && b.npos == f[c].npos &&
                         ((isnan(b.threshold) && isnan(f[c].threshold)) || b.threshold == f[c].threshold) &&
                         fabs(b.precision - f[c].precision) < 1e-12 &&
                         fabs(b.recall - f[c].recall) < 1e-12;
                if (!ok)
                    tap_diag("trial %d cat %d posonly %d: F1 %.6f t=%g, brute %.6f t=%g", t, (int)c,
                             posonly, f[c].f1, f[c].threshold, b.f1, b.threshold);
                if (posonly)
                    all_f1p &= ok;
                else
                    all_f1 &= ok;
                if (fabs(b.f1 - f[c].f1) > worst)
                    worst = fabs(b.f1 - f[c].f1);
            }
        }
        trials++;
        free(au);
        free(f);
        stats_ws_free(&ws);
        stats_label_free(&l);
        free(x);
        free(val);
        free(code);
        free(cell);
    }
    tap_ok(trials == 40 && all_auc, "AUROC per category equals the O(n^2) pair count on 40 random "
                                    "sparse scores with ties, negatives and missing labels");
    tap_ok(all_f1, "best F1, threshold, precision, recall equal brute force over all thresholds");
    tap_ok(all_f1p, "the same with thresholds restricted to active cells");
}

static void test_f1_hand(void)
{
    /* positives score 5,4,1; negatives 3,0,0: threshold 4 gives TP 2 of
     * predicted 2 -> F1 = 4/5; threshold 1 gives TP 3 of 4 -> 6/7 */
    const float s[] = {5, 4, 1, 3, 0, 0};
    const uint8_t p[] = {1, 1, 1, 0, 0, 0};
    stats_f1 f;
    sc_err e;
    stats_best_f1(s, p, 6, 1, &f, &e);
    tap_ok(fabs(f.f1 - 6.0 / 7) < 1e-15 && f.threshold == 1 && f.tp == 3 && f.npred == 4 &&
               fabs(f.precision - 0.75) < 1e-15 && f.recall == 1,
           "best F1 hand case: 6/7 at threshold 1 (got %.4f at %g)", f.f1, f.threshold);
    /* a tie in F1: threshold 3 gives 1 of 1 -> 2/3, threshold 1 gives 2 of 4
     * -> 2/3 as well; the highest threshold is reported */
    const float st[] = {3, 2, 2, 1};
    const uint8_t pt[] = {1, 0, 0, 1};
    stats_best_f1(st, pt, 4, 1, &f, &e);
    tap_ok(fabs(f.f1 - 2.0 / 3) < 1e-15 && f.threshold == 3 && f.npred == 1,
           "F1 tie between thresholds 3 and 1: the higher one wins (%g)", f.threshold);
    const float z[] = {0, 0, 0};
    const uint8_t pz[] = {1, 0, 0};
    stats_best_f1(z, pz, 3, 1, &f, &e);
    tap_ok(f.f1 == 0 && isnan(f.threshold) && f.npred == 0,
           "no active cell: F1 0 and no threshold when thresholds must be positive");
    stats_best_f1(z, pz, 3, 0, &f, &e);
    tap_ok(fabs(f.f1 - 0.5) < 1e-15 && f.threshold == 0,
           "without the restriction the only threshold predicts all: F1 = 2/4");
}

static void test_sort(void)
{
    rng g;
    rng_seed(&g, 5);
    int64_t n = 100000;
    int32_t *c = malloc((size_t)n * 4);
    float *v = malloc((size_t)n * 4);
    uint8_t *seen = calloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i++) {
        c[i] = (int32_t)i;
        v[i] = (float)rng_below(&g, 50); /* heavy ties */
    }
    stats_sort_desc(c, v, n);
    int ok = 1;
    for (int64_t i = 0; i < n; i++) {
        ok &= !seen[c[i]];
        seen[c[i]] = 1;
        if (i)
            ok &= v[i - 1] > v[i] || (v[i - 1] == v[i] && c[i - 1] < c[i]);
    }
    tap_ok(ok, "sort: a permutation ordered by value desc, then cell, with heavy ties (100k)");
    /* already sorted and reverse-sorted inputs */
    for (int64_t i = 0; i < n; i++) {
        c[i] = (int32_t)i;
        v[i] = (float)(n - i);
    }
    stats_sort_desc(c, v, n);
    ok = 1;
    for (int64_t i = 0; i < n; i++)
        ok &= c[i] == i;
    for (int64_t i = 0; i < n; i++) {
        c[i] = (int32_t)i;
        v[i] = (float)i;
    }
    stats_sort_desc(c, v, n);
    for (int64_t i = 0; i < n; i++)
        ok &= c[i] == n - 1 - i;
    tap_ok(ok, "sort: sorted and reverse-sorted inputs");
    free(c);
    free(v);
    free(seen);
}

static void test_ranks_corr(void)
{
    rng g;
    rng_seed(&g, 9);
    int n = 300, ok = 1, okr = 1, okp = 1;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *r1 = malloc(n * sizeof *r1), *r2 = malloc(n * sizeof *r2);
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    sc_err e;
    for (int t = 0; t < 10; t++) {
        for (int i = 0; i < n; i++) {
            x[i] = (double)rng_below(&g, 7 + t);
            y[i] = x[i] * (t % 3 - 1) + (double)rng_below(&g, 5);
        }
        stats_rank_average(x, n, r1, &e);
        naive_ranks(x, n, r2);
        for (int i = 0; i < n; i++)
            okr &= r1[i] == r2[i];
        double rho;
        stats_spearman(x, y, n, &rho, &e);
        naive_ranks(x, n, rx);
        naive_ranks(y, n, ry);
        double ref = naive_pearson(rx, ry, n);
        ok &= fabs(rho - ref) < 1e-12;
        okp &= fabs(stats_pearson(x, y, n) - naive_pearson(x, y, n)) < 1e-12;
    }
    tap_ok(okr, "average ranks equal the naive count (less + (equal + 1) / 2)");
    tap_ok(ok, "Spearman with ties equals Pearson of naive average ranks");
    tap_ok(okp, "Pearson equals the naive formula");
    double c1[] = {1, 1, 1}, c2[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    tap_ok(isnan(stats_pearson(c1, x, 3)) && isnan(stats_pearson(c2, x, 7)),
           "Pearson of a constant is NaN (also 0.1, whose mean is inexact)");
    double bad[] = {1, NAN, 2};
    tap_ok(stats_rank_average(bad, 3, r1, &e) < 0 && strstr(e.msg, "1"),
           "ranks refuse NaN: %s", e.msg);

    /* ranks of a ranked (sparse) score, with negatives and unlisted zeros */
    float xs[] = {0, 2, -1, 0, 2, 5, 0, -1};
    int32_t cell[8];
    float val[8];
    stats_ranked r;
    to_ranked(xs, 8, cell, val, &r);
    double rk[8], xd[8], ref[8];
    stats_ranked_ranks(&r, rk);
    for (int i = 0; i < 8; i++)
        xd[i] = xs[i];
    naive_ranks(xd, 8, ref);
    int same = 1;
    for (int i = 0; i < 8; i++)
        same &= rk[i] == ref[i];
    tap_ok(same, "ranks of a sparse score (zeros unlisted, negatives listed) equal naive ranks");
    free(x);
    free(y);
    free(r1);
    free(r2);
    free(rx);
    free(ry);
}

static void test_info(void)
{
    int64_t c2[] = {3, 3}, c4[] = {1, 1, 1, 1}, c1[] = {5, 0};
    tap_ok(fabs(stats_entropy(c2, 2) - 1) < 1e-15 && fabs(stats_entropy(c4, 4) - 2) < 1e-15 &&
               stats_entropy(c1, 2) == 0,
           "entropy in bits: 1, 2, 0");
    int64_t diag[] = {5, 0, 0, 5}, indep[] = {1, 2, 2, 4};
    double hr, hc;
    tap_ok(fabs(stats_mi_table(diag, 2, 2, &hr, &hc) - 1) < 1e-15 && fabs(hr - 1) < 1e-15,
           "MI of a perfect 2x2 dependence is 1 bit");
    tap_ok(fabs(stats_mi_table(indep, 2, 2, NULL, NULL)) < 1e-15, "MI of independent rows is 0");
    /* p = [[.25, .25], [.5, 0]]: MI = .25 log2(.25/(.5*.75)) + .25 log2(.25/(.5*.25))
     *                               + .5 log2(.5/(.5*.75)) */
    int64_t t3[] = {1, 1, 2, 0};
    double want = 0.25 * log2(0.25 / 0.375) + 0.25 * log2(0.25 / 0.125) + 0.5 * log2(0.5 / 0.375);
    tap_ok(fabs(stats_mi_table(t3, 2, 2, NULL, NULL) - want) < 1e-15, "MI of a hand table %.6f",
           want);

    /* MI of active / inactive against a label, against the table by hand */
    float x[] = {0, 1, 2, 0, 0, 3, 0, 1, 0, 0};
    int32_t code[] = {0, 1, 1, 0, -1, 1, 0, 2, 2, 0};
    int64_t tab[2 * 3] = {0};
    for (int i = 0; i < 10; i++)
        if (code[i] >= 0)
            tab[(x[i] > 0) * 3 + code[i]]++;
    double h_ref, h_got;
    double ref = stats_mi_table(tab, 2, 3, &h_ref, NULL);
    stats_label l;
    stats_ws ws;
    sc_err e;
    stats_label_init(&l, "lab", code, 10, 3, NULL, &e);
    stats_ws_init(&ws, 3, 4, &e);
    int32_t cell[10];
    float val[10];
    stats_ranked r;
    to_ranked(x, 10, cell, val, &r);
    double got = stats_mi_ranked(&r, &l, 0, &h_got, &ws);
    tap_ok(fabs(got - ref) < 1e-15 && fabs(h_got - h_ref) < 1e-15 && ref > 0.5,
           "MI(active; label) = %.4f bits, as from the hand table", got);
    /* 2 equal-count bins over 9 labelled cells: the 4 actives go to the top
     * bin, the tied zeros (middle at 6.5 of 9) whole to the other */
    got = stats_mi_ranked(&r, &l, 2, &h_got, &ws);
    tap_ok(fabs(got - ref) < 1e-15, "two rank bins give the same split here (%.4f)", got);
    /* 3 bins: 3 -> bin 0, 2 -> bin 0 (middle 1.5 of 9), 1,1 -> bin 1 (middle 3),
     * zeros -> bin 2 */
    int64_t tab3[3 * 3] = {0};
    for (int i = 0; i < 10; i++)
        if (code[i] >= 0)
            tab3[(x[i] >= 2 ? 0 : x[i] == 1 ? 1 : 2) * 3 + code[i]]++;
    ref = stats_mi_table(tab3, 3, 3, NULL, NULL);
    got = stats_mi_ranked(&r, &l, 3, &h_got, &ws);
    tap_ok(fabs(got - ref) < 1e-15, "three rank bins, tie groups whole (%.4f)", got);
    stats_label_free(&l);
    int32_t badc[] = {0, 3};
    tap_ok(stats_label_init(&l, "ct", badc, 2, 3, NULL, &e) < 0 && strstr(e.msg, "ct") &&
               strstr(e.msg, "cell 1"),
           "a code out of range is refused: %s", e.msg);
    stats_ws_free(&ws);
}

static void test_hyper(void)
{
    /* exact sums of binomial coefficients for every small case */
    int ok = 1, cases = 0;
    for (int N = 1; N <= 40; N += 3)
        for (int K = 0; K <= N; K += 2)
            for (int n = 0; n <= N; n += 3)
                for (int k = 0; k <= n + 1; k++) {
                    double s = 0;
                    for (int x = k; x <= n; x++)
                        s += exact_choose(K, x) * exact_choose(N - K, n - x);
                    double p = s / exact_choose(N, n);
                    double got = exp(stats_hyper_logsf(k, N, K, n));
                    int good = fabs(got - p) <= 1e-12 * p + 1e-300;
                    if (!good && ok)
                        tap_diag("N=%d K=%d n=%d k=%d: %.17g vs exact %.17g", N, K, n, k, got, p);
                    ok &= good;
                    cases++;
                }
    tap_ok(ok, "hypergeometric tail equals exact binomial sums (%d cases)", cases);
    tap_ok(isnan(stats_hyper_logsf(1, 10, 11, 2)) && isnan(stats_hyper_logsf(1, 10, 2, 11)),
           "impossible parameters give NaN");
    int lok = 1;
    for (int64_t n = 0; n < 3000; n++) {
        double s = 0;
        for (int64_t i = 2; i <= n; i++)
            s += log((double)i);
        lok &= fabs(stats_lfact(n) - s) <= 1e-13 * s + 1e-15;
    }
    tap_ok(lok, "log n! equals the sum of logs up to 3000");
}

static void test_bh(void)
{
    /* sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.02, 0.04, 0.04 */
    double p[] = {0.01, 0.04, 0.03, 0.005}, q[4];
    sc_err e;
    stats_bh(p, 4, q, &e);
    tap_ok(fabs(q[0] - 0.02) < 1e-15 && fabs(q[1] - 0.04) < 1e-15 && fabs(q[2] - 0.04) < 1e-15 &&
               fabs(q[3] - 0.02) < 1e-15,
           "BH hand example: %g %g %g %g", q[0], q[1], q[2], q[3]);
    /* monotone step-up: 0.01*4/1 = .04 but 0.02*4/2 = .04; 0.04*4/3 = .0533; .5 */
    double p2[] = {0.01, 0.02, 0.5, 0.04, NAN}, q2[5];
    stats_bh(p2, 5, q2, &e);
    tap_ok(fabs(q2[0] - 0.04) < 1e-15 && fabs(q2[1] - 0.04) < 1e-15 && fabs(q2[2] - 0.5) < 1e-15 &&
               fabs(q2[3] - 0.04 * 4 / 3) < 1e-15 && isnan(q2[4]),
           "BH with NaN left out of the family of 4");
}

int main(void)
{
    test_auroc_hand();
    test_auroc_f1_random();
    test_f1_hand();
    test_sort();
    test_ranks_corr();
    test_info();
    test_hyper();
    test_bh();
    test_peer();
    return tap_done();
}

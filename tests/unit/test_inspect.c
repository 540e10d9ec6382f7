/* test_inspect.c: activation sources, per-view summaries, purity, batch
 * association and gene correlation, against hand-computed values and naive
 * dense computations. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "rng.h"
#include "stats.h"
#include "tap.h"

/* 6 cells x 3 features:
 *   cell 0: f0=2  f2=1
 *   cell 1: f0=5
 *   cell 2:       f1=0 (stored zero) f2=3
 *   cell 3: f0=2  f2=3
 *   cell 4:
 *   cell 5: f0=1 */
static const int64_t IP[] = {0, 2, 3, 5, 7, 7, 8};
static const int32_t IX[] = {0, 2, 0, 1, 2, 0, 2, 0};
static const float DV[] = {2, 1, 5, 0, 3, 2, 3, 1};

static void test_sparse_views(void)
{
    inspect_src s;
    sc_err e;
    if (!tap_ok(inspect_src_sparse(&s, 6, 3, IP, IX, DV, "acts", &e) == 0, "CSR source builds"))
        return;
    /* feature 0 sorted: 5 (cell 1), 2 (cell 0), 2 (cell 3), 1 (cell 5) */
    int32_t cells[8];
    float vals[8];
    int64_t n = inspect_top(&s, 0, 3, cells, vals);
    tap_ok(n == 3 && cells[0] == 1 && vals[0] == 5 && cells[1] == 0 && cells[2] == 3 && vals[2] == 2,
           "top 3 cells of feature 0: 1 (5), 0 (2), 3 (2)");
    n = inspect_top(&s, 0, 10, cells, vals);
    tap_ok(n == 4, "top 10 of a feature active on 4 cells gives 4");
    tap_ok(inspect_active(&s, 1) == 0 && inspect_top(&s, 1, 5, cells, vals) == 0,
           "a stored zero is not an activation: feature 1 is dead");
    tap_ok(fabs(inspect_density(&s, 0) - 4.0 / 6) < 1e-15 && fabs(inspect_density(&s, 2) - 0.5) < 1e-15,
           "density 4/6 and 3/6");
    int64_t cnt[4], inactive;
    double lo, hi;
    inspect_hist(&s, 0, 4, cnt, &lo, &hi, &inactive);
    /* [1,5] in 4 bins of width 1: 1 -> 0, 2,2 -> 1, 5 -> 3 (last edge) */
    tap_ok(lo == 1 && hi == 5 && cnt[0] == 1 && cnt[1] == 2 && cnt[2] == 0 && cnt[3] == 1 &&
               inactive == 2,
           "histogram of feature 0: 1 2 0 1 over [1, 5], 2 inactive");
    char name[32];
    inspect_view_name(&s, 2, name, sizeof name);
    tap_ok(strcmp(name, "feature 2") == 0, "view name '%s'", name);

    /* purity against a label: cells 0..5 = A A B B A -, feature 0 is active
     * on 1 (A), 0 (A), 3 (B), 5 (missing) */
    int32_t code[] = {0, 0, 1, 1, 0, -1};
    const char *cats[] = {"A", "B"};
    stats_label l;
    stats_ws ws;
    stats_label_init(&l, "ct", code, 6, 2, cats, &e);
    stats_ws_init(&ws, 2, INSPECT_DENSE_BINS, &e);
    int64_t pc[2];
    double au[2];
    inspect_purity p = {0, 0, 0, 0, pc, au};
    inspect_purity_of(&s, 0, &l, 0, &p, &ws);
    double h = -(2.0 / 3) * log2(2.0 / 3) - (1.0 / 3) * log2(1.0 / 3);
    /* AUROC of A: A scores {2,5,0} vs B {0,2}: pairs 2>0 1, 2=2 .5, 5>0 1, 5>2 1, 0=0 .5, 0<2 0 */
    tap_ok(p.ncells == 3 && p.top_cat == 0 && fabs(p.share - 2.0 / 3) < 1e-15 &&
               fabs(p.entropy - h) < 1e-15 && pc[0] == 2 && pc[1] == 1 &&
               fabs(au[0] - 4.0 / 6) < 1e-15 && fabs(au[1] - 2.0 / 6) < 1e-15,
           "purity of feature 0: 2 of 3 labelled active cells are A, entropy %.4f, AUROC A 4/6",
           p.entropy);
    inspect_purity_of(&s, 0, &l, 2, &p, &ws);
    tap_ok(p.ncells == 2 && pc[0] == 2 && p.share == 1, "purity of the top 2 cells: both A");
    inspect_src_free(&s);
    stats_label_free(&l);
    stats_ws_free(&ws);

    /* bad input names the source and the fault */
    int64_t bp[] = {0, 2, 1, 3, 3, 3, 3};
    tap_ok(inspect_src_sparse(&s, 6, 3, bp, IX, DV, "sae.h5:/acts", &e) < 0 &&
               strstr(e.msg, "sae.h5:/acts") && strstr(e.msg, "decreases at cell 1"),
           "decreasing indptr refused: %s", e.msg);
    int32_t bx[] = {0, 2, 0, 1, 7, 0, 2, 0};
    tap_ok(inspect_src_sparse(&s, 6, 3, IP, bx, DV, "acts", &e) < 0 && strstr(e.msg, "index 7"),
           "feature index out of range refused: %s", e.msg);
    float bv[] = {2, 1, 5, 0, NAN, 2, 3, 1};
    tap_ok(inspect_src_sparse(&s, 6, 3, IP, IX, bv, "acts", &e) < 0 && strstr(e.msg, "not finite"),
           "NaN activation refused: %s", e.msg);
    float bd[] = {1, 2, INFINITY, 4};
    tap_ok(inspect_src_dense(&s, 2, 2, bd, "latent", &e) < 0 && strstr(e.msg, "cell 1, dim 0"),
           "non-finite latent refused: %s", e.msg);
}

static void test_dense_views(void)
{
    /* 5 cells x 2 dims */
    float X[] = {0.5f, -1, -2, 0, 3, 1, 1, 2, -0.5f, -3};
    inspect_src s;
    sc_err e;
    if (!tap_ok(inspect_src_dense(&s, 5, 2, X, "latent", &e) == 0 && s.nview == 4,
                "dense source has 2 x dims views"))
        return;
    int32_t cells[5];
    float vals[5];
    inspect_top(&s, 0, 2, cells, vals);
    int a = cells[0] == 2 && vals[0] == 3 && cells[1] == 3 && vals[1] == 1;
    inspect_top(&s, 1, 2, cells, vals);
    int b = cells[0] == 1 && vals[0] == 2 && cells[1] == 4 && vals[1] == 0.5f;
    inspect_top(&s, 3, 5, cells, vals);
    int c = cells[0] == 4 && vals[0] == 3 && cells[4] == 3 && vals[4] == -2;
    tap_ok(a && b && c, "dim 0+, dim 0-, dim 1- top cells in order with signed scores");
    char name[32];
    inspect_view_name(&s, 3, name, sizeof name);
    tap_ok(strcmp(name, "dim 1-") == 0 && inspect_active(&s, 0) == 3 && inspect_active(&s, 1) == 2,
           "'%s'; dim 0+ active on 3 cells, dim 0- on 2", name);
    int64_t cnt[2], inactive;
    double lo, hi;
    inspect_hist(&s, 0, 2, cnt, &lo, &hi, &inactive);
    tap_ok(lo == -2 && hi == 3 && cnt[0] + cnt[1] == 5 && inactive == 0,
           "a direction's histogram bins every cell");
    inspect_src_free(&s);
}

/* naive dense correlation references for the gene test */
static void test_genes(void)
{
    rng g;
    rng_seed(&g, 3);
    int64_t n = 400, G = 30;
    /* expression: sparse, log-like values with ties; gene 5 all zero; gene 6
     * has a negative value; activations: feature 0 tied to gene 2 */
    float *dense = calloc((size_t)(n * G), sizeof *dense);
    for (int64_t c = 0; c < n; c++)
        for (int64_t j = 0; j < G; j++) {
            if (j == 5)
                continue;
            if (rng_uniform(&g) < 0.3)
                dense[c * G + j] = (float)log1p((double)rng_below(&g, 6));
        }
    dense[7 * G + 6] = -0.25f;
    int64_t *ip = calloc((size_t)n + 1, sizeof *ip);
    int32_t *ix = malloc((size_t)(n * G) * sizeof *ix);
    float *xv = malloc((size_t)(n * G) * sizeof *xv);
    int64_t nnz = 0;
    for (int64_t c = 0; c < n; c++) {
        for (int64_t j = 0; j < G; j++)
            if (dense[c * G + j] != 0) {
                ix[nnz] = (int32_t)j;
                xv[nnz++] = dense[c * G + j];
            }
        ip[c + 1] = nnz;
    }
    sc_csr X = {n, G, ip, ix, xv};
    /* activations: 2 features; latent: 1 dim */
    int64_t *ap = calloc((size_t)n + 1, sizeof *ap);
    int32_t *ai = malloc((size_t)(2 * n) * sizeof *ai);
    float *av = malloc((size_t)(2 * n) * sizeof *av);
    float *lat = malloc((size_t)n * sizeof *lat);
    int64_t na = 0;
    for (int64_t c = 0; c < n; c++) {
        if (dense[c * G + 2] > 0) {
            ai[na] = 0;
            av[na++] = dense[c * G + 2] + (float)rng_below(&g, 2);
        }
        if (rng_uniform(&g) < 0.1) {
            ai[na] = 1;
            av[na++] = 1; /* all tied */
        }
        ap[c + 1] = na;
        lat[c] = (float)rng_normal(&g) + dense[c * G + 4];
    }
    inspect_src fs, ds;
    inspect_genes gm;
    sc_err e;
    if (!tap_ok(inspect_src_sparse(&fs, n, 2, ap, ai, av, "acts", &e) == 0 &&
                    inspect_src_dense(&ds, n, 1, lat, "latent", &e) == 0 &&
                    inspect_genes_prepare(&gm, &X, "expr", &e) == 0,
                "gene matrix prepared"))
        return;
    double *pr = malloc(G * sizeof *pr), *sp = malloc(G * sizeof *sp);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int okp = 1, oks = 1, views = 0;
    const inspect_src *src[] = {&fs, &fs, &ds, &ds};
    int32_t view[] = {0, 1, 0, 1};
    for (int v = 0; v < 4; v++) {
        inspect_gene_corr(src[v], view[v], &gm, pr, sp, &e);
        stats_ranked r;
        inspect_ranked(src[v], view[v], &r);
        for (int64_t c = 0; c < n; c++)
            x[c] = 0;
        for (int64_t k = 0; k < r.m; k++)
            x[r.cell[k]] = r.val[k];
        for (int64_t j = 0; j < G; j++) {
            for (int64_t c = 0; c < n; c++)
                y[c] = dense[c * G + j];
            double rp = stats_pearson(x, y, n), rs;
            stats_spearman(x, y, n, &rs, &e);
            int a = (isnan(rp) && isnan(pr[j])) || fabs(rp - pr[j]) < 1e-9;
            int b = (isnan(rs) && isnan(sp[j])) || fabs(rs - sp[j]) < 1e-9;
            if (!a || !b)
                tap_diag("view %d gene %lld: pearson %.12f vs %.12f, spearman %.12f vs %.12f", v,
                         (long long)j, pr[j], rp, sp[j], rs);
            okp &= a;
            oks &= b;
        }
        views++;
    }
    tap_ok(okp, "sparse-aware Pearson equals the dense formula for features and both signs of a dim");
    tap_ok(oks, "sparse-aware Spearman (tied zeros, a negative value) equals dense average ranks");
    inspect_gene_corr(&fs, 0, &gm, pr, sp, &e);
    int32_t top[3], bot[3];
    int32_t nt = inspect_top_genes(pr, G, 3, top, bot);
    int sorted = nt == 3 && pr[top[0]] >= pr[top[1]] && pr[top[1]] >= pr[top[2]] &&
                 pr[bot[0]] <= pr[bot[1]] && pr[bot[1]] <= pr[bot[2]];
    int maxok = 1;
    for (int64_t j = 0; j < G; j++)
        if (!isnan(pr[j]))
            maxok &= pr[j] <= pr[top[0]] && pr[j] >= pr[bot[0]] && (j == top[0] || pr[j] <= pr[top[0]]);
    tap_ok(sorted && maxok && top[0] == 2 && isnan(pr[5]),
           "top genes: gene 2 first (r = %.3f), lists ordered, the all-zero gene skipped", pr[2]);
    int mism = 0;
    sc_err e2;
    inspect_src one;
    float l2[] = {1, 2};
    inspect_src_dense(&one, 2, 1, l2, "tiny", &e2);
    mism = inspect_gene_corr(&one, 0, &gm, pr, NULL, &e2) < 0 && strstr(e2.msg, "400 cells");
    tap_ok(mism, "cell count mismatch refused: %s", e2.msg);
    inspect_src_free(&one);
    inspect_genes bad;
    ix[5] = (int32_t)G;
    tap_ok(inspect_genes_prepare(&bad, &X, "norm", &e2) < 0 && strstr(e2.msg, "norm") &&
               strstr(e2.msg, "gene index 30"),
           "expression with a gene index out of range refused: %s", e2.msg);
    inspect_src_free(&fs);
    inspect_src_free(&ds);
    inspect_genes_free(&gm);
    free(dense);
    free(ip);
    free(ix);
    free(xv);
    free(ap);
    free(ai);
    free(av);
    free(lat);
    free(pr);
    free(sp);
    free(x);
    free(y);
}

static void test_batch(void)
{
    /* 2000 cells: cell type (4, balanced across batches), batch (2).
     * feature 0: a random 2 % of batch-1 cells (pure batch, small);
     * feature 1: all of type 2 (pure biology);
     * feature 2: all batch-1 cells of type 3 (type within a batch). */
    rng g;
    rng_seed(&g, 17);
    int64_t n = 2000;
    int32_t *ct = malloc(n * sizeof *ct), *bt = malloc(n * sizeof *bt);
    int64_t *ip = calloc(n + 1, sizeof *ip);
    int32_t *ix = malloc(3 * n * sizeof *ix);
    float *xv = malloc(3 * n * sizeof *xv);
    int64_t nnz = 0;
    for (int64_t c = 0; c < n; c++) {
        ct[c] = (int32_t)(c % 4);
        bt[c] = (int32_t)((c / 4) % 2);
        if (bt[c] == 1 && rng_uniform(&g) < 0.04) {
            ix[nnz] = 0;
            xv[nnz++] = 1;
        }
        if (ct[c] == 2) {
            ix[nnz] = 1;
            xv[nnz++] = 1 + (float)rng_uniform(&g);
        }
        if (ct[c] == 3 && bt[c] == 1) {
            ix[nnz] = 2;
            xv[nnz++] = 1;
        }
        ip[c + 1] = nnz;
    }
    inspect_src s;
    stats_label lc, lb;
    stats_ws ws;
    sc_err e;
    inspect_src_sparse(&s, n, 3, ip, ix, xv, "acts", &e);
    stats_label_init(&lc, "cell_type", ct, n, 4, NULL, &e);
    stats_label_init(&lb, "batch", bt, n, 2, NULL, &e);
    stats_ws_init(&ws, 4, INSPECT_DENSE_BINS, &e);
    inspect_assoc ab[3], ac[3];
    for (int j = 0; j < 3; j++) {
        inspect_assoc_of(&s, j, &lb, &ws, &ab[j], &e);
        inspect_assoc_of(&s, j, &lc, &ws, &ac[j], &e);
    }
    tap_diag("feature 0: batch AUROC %.3f U %.3f, type U %.3f", ab[0].auroc, ab[0].u, ac[0].u);
    tap_diag("feature 2: batch U %.3f, type U %.3f", ab[2].u, ac[2].u);
    tap_ok(inspect_follows_batch(&ab[0], &ac[0], 1, INSPECT_BATCH_MIN_U) && ab[0].auroc_dev < 0.05,
           "a small pure-batch feature is flagged although its batch AUROC is only %.3f",
           ab[0].auroc);
    tap_ok(!inspect_follows_batch(&ab[1], &ac[1], 1, INSPECT_BATCH_MIN_U) && ac[1].u > 0.99 &&
               ab[1].u < 0.01,
           "a pure cell-type feature is not flagged (type U %.3f, batch U %.4f)", ac[1].u, ab[1].u);
    tap_ok(!inspect_follows_batch(&ab[2], &ac[2], 1, INSPECT_BATCH_MIN_U),
           "a type-within-batch feature follows its type more than the batch");
    /* MI against the contingency table built by hand */
    int64_t tab[2 * 2] = {0};
    for (int64_t c = 0; c < n; c++) {
        int act = 0;
        for (int64_t k = ip[c]; k < ip[c + 1]; k++)
            act |= ix[k] == 0;
        tab[act * 2 + bt[c]]++;
    }
    double hs;
    double mi = stats_mi_table(tab, 2, 2, &hs, NULL);
    tap_ok(fabs(mi - ab[0].mi) < 1e-14 && fabs(ab[0].u - mi / hs) < 1e-14,
           "MI and U of feature 0 vs batch equal the hand table (%.5f bits)", mi);
    inspect_src_free(&s);
    stats_label_free(&lc);
    stats_label_free(&lb);
    stats_ws_free(&ws);
    free(ct);
    free(bt);
    free(ip);
    free(ix);
    free(xv);
}

int main(void)
{
    test_sparse_views();
    test_dense_views();
    test_genes();
    test_batch();
    return tap_done();
}

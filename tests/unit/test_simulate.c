/* test_simulate.c: the simulator's shapes, determinism (seed, threads) and
 * ground truth: the planted marker, condition and batch factors are
 * recovered from the counts.
 *
 * Ratios of ratios cancel everything the test does not know (library sizes,
 * per-cell normalisers): for gene g and cell groups A, B,
 *   r = (sum_A x_g / sum_A x_R) / (sum_B x_g / sum_B x_R)
 * with R the reference genes (program "none", not mitochondrial), whose
 * factors are equal in A and B.  Its expectation is the planted factor. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "simulate.h"
#include "tap.h"

static const sc_column *col(const sc_frame *f, const char *name)
{
    int k = frame_find(f, name);
    return k < 0 ? NULL : &f->cols[k];
}

static int cat_code(const sc_column *c, const char *name)
{
    for (int k = 0; c && k < c->ncats; k++)
        if (strcmp(c->cats[k], name) == 0)
            return k;
    return -1;
}

static int same_csr(const sc_csr *a, const sc_csr *b)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols)
        return 0;
    int64_t nnz = a->indptr[a->nrows];
    return nnz == b->indptr[b->nrows] &&
           memcmp(a->indptr, b->indptr, (size_t)(a->nrows + 1) * sizeof *a->indptr) == 0 &&
           memcmp(a->indices, b->indices, (size_t)nnz * sizeof *a->indices) == 0 &&
           memcmp(a->data, b->data, (size_t)nnz * sizeof *a->data) == 0;
}

/* Sum of counts per gene over the cells in `sel`, and the reference total. */
static void group_sums(const sc_dataset *d, const uint8_t *sel, const uint8_t *ref, double *gene,
                       double *reftot)
{
    memset(gene, 0, (size_t)d->X.ncols * sizeof *gene);
    *reftot = 0;
    for (int64_t i = 0; i < d->X.nrows; i++) {
        if (!sel[i])
            continue;
        for (int64_t k = d->X.indptr[i]; k < d->X.indptr[i + 1]; k++) {
            gene[d->X.indices[k]] += d->X.data[k];
            if (ref[d->X.indices[k]])
                *reftot += d->X.data[k];
        }
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double corr(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

#define MIN_COUNTS 100 /* per group: relative noise ~ 10-20 % */

int main(void)
{
    sim_params p;
    sim_params_default(&p);
    p.cells = 4000;
    p.genes = 1000;
    p.types = 4;
    p.batches = 2;
    p.conditions = 2;
    p.seed = 7;
    sc_err e;
    sc_dataset d, d2;
    if (!tap_ok(simulate(&p, &d, &e) == 0, "simulate 4000 x 1000")) {
        tap_diag("%s", e.msg);
        return tap_done();
    }
    int64_t N = d.X.nrows, G = d.X.ncols, nnz = d.X.indptr[N];

    /* ---- shapes and tables ---- */
    tap_ok(N == 4000 && G == 1000 && d.obs.n == N && d.var.n == G, "shape 4000 x 1000");
    tap_ok(csr_validate(&d.X, nnz, 1, "sim", &e) == 0, "valid CSR of counts");
    int integral = 1;
    for (int64_t k = 0; k < nnz; k++)
        integral &= d.X.data[k] >= 1 && d.X.data[k] == floorf(d.X.data[k]);
    tap_ok(integral, "stored values are positive integers");
    const sc_column *ct = col(&d.obs, "cell_type"), *bt = col(&d.obs, "batch"),
                    *cd = col(&d.obs, "condition"), *lib = col(&d.obs, "library_size");
    tap_ok(ct && ct->kind == SC_COL_CAT && ct->ncats == 4 && strcmp(ct->cats[0], "TypeA") == 0 &&
               strcmp(ct->cats[3], "TypeD") == 0,
           "obs cell_type: TypeA..TypeD");
    tap_ok(bt && bt->kind == SC_COL_CAT && bt->ncats == 2 && strcmp(bt->cats[1], "batch2") == 0,
           "obs batch: batch1, batch2");
    tap_ok(cd && cd->kind == SC_COL_CAT && cd->ncats == 2 && strcmp(cd->cats[0], "ctrl") == 0 &&
               strcmp(cd->cats[1], "stim") == 0,
           "obs condition: ctrl, stim");
    tap_ok(lib && lib->kind == SC_COL_NUM, "obs library_size");
    tap_ok(d.batch_key && strcmp(d.batch_key, "batch") == 0, "batch_key is 'batch'");
    const sc_column *prog = col(&d.var, "program"), *def = col(&d.var, "de_factor"),
                    *bm = col(&d.var, "base_mean"), *bf1 = col(&d.var, "batch_factor_batch1"),
                    *bf2 = col(&d.var, "batch_factor_batch2");
    tap_ok(prog && prog->kind == SC_COL_CAT && def && bm && bf1 && bf2,
           "var program, de_factor, base_mean, batch factors");
    if (!(ct && bt && cd && lib && prog && def && bm && bf1 && bf2))
        return tap_done();
    int cond_code = cat_code(prog, "condition"), none_code = cat_code(prog, "none");

    /* names show the program; de_factor is 1 outside programs */
    int names_ok = 1, nmark[4] = {0}, nifn = 0, nmito = 0;
    for (int64_t j = 0; j < G; j++) {
        const char *nm = d.var.index[j];
        int c = prog->codes[j];
        if (c < 4) {
            char pre[16];
            snprintf(pre, sizeof pre, "Type%c_m", 'A' + c);
            names_ok &= strncmp(nm, pre, strlen(pre)) == 0;
            nmark[c]++;
        } else if (c == cond_code) {
            names_ok &= strncmp(nm, "IFN_", 4) == 0;
            nifn++;
        } else {
            names_ok &= c == none_code && def->num[j] == 1 && strncmp(nm, "Type", 4) != 0 &&
                        strncmp(nm, "IFN_", 4) != 0;
            nmito += strncmp(nm, "MT-", 3) == 0;
        }
    }
    tap_ok(names_ok, "gene names match their program");
    tap_ok(nmark[0] == 20 && nmark[3] == 20 && nifn == 20 && nmito == 13,
           "20 markers per type, 20 condition genes, 13 MT- genes (got %d, %d, %d, %d)", nmark[0],
           nmark[3], nifn, nmito);

    /* library sizes: realised totals follow the planted expectation */
    double ratio_sum = 0;
    for (int64_t i = 0; i < N; i++) {
        double tot = 0;
        for (int64_t k = d.X.indptr[i]; k < d.X.indptr[i + 1]; k++)
            tot += d.X.data[k];
        ratio_sum += tot / lib->num[i];
    }
    tap_ok(fabs(ratio_sum / N - 1) < 0.02, "mean total / library_size = %.4f", ratio_sum / N);

    /* type proportions 1 : 1/1.5 : 1/2 : 1/2.5 */
    double w[4], wt = 0;
    int tcount[4] = {0};
    for (int t = 0; t < 4; t++)
        wt += w[t] = 1 / (1 + 0.5 * t);
    for (int64_t i = 0; i < N; i++)
        tcount[ct->codes[i]]++;
    int props_ok = 1;
    for (int t = 0; t < 4; t++) {
        double pt = w[t] / wt, se = sqrt(pt * (1 - pt) / N);
        props_ok &= fabs((double)tcount[t] / N - pt) < 5 * se;
    }
    tap_ok(props_ok, "cell type proportions (%d %d %d %d)", tcount[0], tcount[1], tcount[2],
           tcount[3]);

    /* ---- determinism ---- */
    tap_ok(simulate(&p, &d2, &e) == 0 && same_csr(&d.X, &d2.X) &&
               memcmp(ct->codes, col(&d2.obs, "cell_type")->codes, (size_t)N * 4) == 0,
           "the same seed gives the same data");
    dataset_free(&d2);
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    int ok1 = simulate(&p, &d2, &e) == 0 && same_csr(&d.X, &d2.X);
    dataset_free(&d2);
    omp_set_num_threads(3);
    int ok3 = simulate(&p, &d2, &e) == 0 && same_csr(&d.X, &d2.X);
    dataset_free(&d2);
    omp_set_num_threads(nt);
    tap_ok(ok1 && ok3, "1 and 3 threads give the same data as %d", nt);
#endif
    p.seed = 8;
    tap_ok(simulate(&p, &d2, &e) == 0 && !same_csr(&d.X, &d2.X), "another seed, other data");
    dataset_free(&d2);
    p.seed = 7;

    /* ---- ground truth ---- */
    uint8_t *ref = calloc((size_t)G, 1), *A = calloc((size_t)N, 1), *B = calloc((size_t)N, 1);
    double *ga = calloc((size_t)G, sizeof *ga), *gb = calloc((size_t)G, sizeof *gb);
    double *err = calloc((size_t)G, sizeof *err), *lo = calloc((size_t)G, sizeof *lo),
           *lp = calloc((size_t)G, sizeof *lp);
    for (int64_t j = 0; j < G; j++)
        ref[j] = prog->codes[j] == none_code && strncmp(d.var.index[j], "MT-", 3) != 0;
    int b1 = cat_code(bt, "batch1"), ctrl = cat_code(cd, "ctrl"), stim = cat_code(cd, "stim");
    double ra, rb;

    /* markers: type t vs the other types, in batch1 control cells */
    int nm = 0, close = 0, nnone = 0;
    double nonerr[1000];
    for (int t = 0; t < 4; t++) {
        for (int64_t i = 0; i < N; i++) {
            int base = bt->codes[i] == b1 && cd->codes[i] == ctrl;
            A[i] = base && ct->codes[i] == t;
            B[i] = base && ct->codes[i] != t;
        }
        group_sums(&d, A, ref, ga, &ra);
        group_sums(&d, B, ref, gb, &rb);
        for (int64_t j = 0; j < G; j++) {
            if (ga[j] < MIN_COUNTS || gb[j] < MIN_COUNTS)
                continue;
            double lr = log((ga[j] / ra) / (gb[j] / rb));
            if (prog->codes[j] == t) {
                lo[nm] = lr;
                lp[nm] = log(def->num[j]);
                err[nm] = fabs(lr - lp[nm]);
                close += err[nm] < 0.3;
                nm++;
            } else if (ref[j] && t == 0 && nnone < 1000) {
                nonerr[nnone++] = fabs(lr);
            }
        }
    }
    double r = corr(lo, lp, nm);
    tap_ok(nm >= 40, "%d of 80 markers have >= %d counts in both groups", nm, MIN_COUNTS);
    tap_ok(close >= 0.9 * nm, "%d of %d markers within 0.3 of the planted log factor", close, nm);
    double med = median(err, nm);
    tap_ok(med < 0.1, "median |log observed - log planted| over markers = %.3f", med);
    tap_ok(r > 0.95, "correlation of observed and planted log factors = %.3f", r);
    double mnone = median(nonerr, nnone);
    tap_ok(mnone < 0.1, "reference genes: median |log ratio| TypeA vs rest = %.3f (%d genes)",
           mnone, nnone);

    /* the condition program is up in stim cells of every type */
    for (int t = 0; t < 4; t++) {
        for (int64_t i = 0; i < N; i++) {
            int base = bt->codes[i] == b1 && ct->codes[i] == t;
            A[i] = base && cd->codes[i] == stim;
            B[i] = base && cd->codes[i] == ctrl;
        }
        group_sums(&d, A, ref, ga, &ra);
        group_sums(&d, B, ref, gb, &rb);
        int n = 0, up = 0;
        for (int64_t j = 0; j < G; j++) {
            if (prog->codes[j] != cond_code || ga[j] < MIN_COUNTS || gb[j] < 20)
                continue;
            double lr = log((ga[j] / ra) / (gb[j] / rb));
            err[n++] = lr - log(def->num[j]);
            up += lr > 0.5 * log(def->num[j]);
        }
        double m = median(err, n);
        tap_ok(n >= 10 && up == n && fabs(m) < 0.15,
               "Type%c: %d condition genes, %d up by more than half the planted log factor, "
               "median error %.3f",
               'A' + t, n, up, m);
    }

    /* batch factors: batch2 vs batch1 in control cells, all types (types and
     * batches are independent, so their factors cancel in expectation) */
    for (int64_t i = 0; i < N; i++) {
        A[i] = cd->codes[i] == ctrl && bt->codes[i] != b1;
        B[i] = cd->codes[i] == ctrl && bt->codes[i] == b1;
    }
    group_sums(&d, A, ref, ga, &ra);
    group_sums(&d, B, ref, gb, &rb);
    int n = 0;
    for (int64_t j = 0; j < G; j++) {
        if (!ref[j] || ga[j] < 4 * MIN_COUNTS || gb[j] < 4 * MIN_COUNTS)
            continue;
        lo[n] = log((ga[j] / ra) / (gb[j] / rb));
        lp[n] = log(bf2->num[j] / bf1->num[j]);
        n++;
    }
    double rb_corr = corr(lo, lp, n);
    tap_ok(n >= 100 && rb_corr > 0.8,
           "batch: correlation of observed and planted log(f2/f1) = %.3f (%d genes)", rb_corr, n);

    /* the count model: with one type, batch and condition and a fixed
     * library size, a gene's counts are i.i.d. NB with Splatter's BCV trend,
     * variance mu + mu^2 bcv^2, bcv = (bcv_common + 1/sqrt(mu)) * f, where
     * f^2 = df / chisq(df) per gene has mean df / (df - 2) = 60/58.  So
     * (var - mu) / (mu^2 (bcv_common + 1/sqrt(mu))^2) averages about 1.03
     * over the genes (mitochondrial genes, which also vary by cell, left
     * out). */
    {
        sim_params q = p;
        q.cells = 5000;
        q.genes = 300;
        q.types = q.batches = q.conditions = 1;
        q.lib_scale = 0;
        sc_dataset s1;
        tap_ok(simulate(&q, &s1, &e) == 0, "simulate 5000 identical cells");
        double *sum = calloc(300, sizeof *sum), *sq = calloc(300, sizeof *sq);
        for (int64_t k = 0; k < s1.X.indptr[5000]; k++) {
            sum[s1.X.indices[k]] += s1.X.data[k];
            sq[s1.X.indices[k]] += (double)s1.X.data[k] * s1.X.data[k];
        }
        double acc = 0, over = 0;
        int ng = 0;
        for (int j = 0; j < 300; j++) {
            if (strncmp(s1.var.index[j], "MT-", 3) == 0 || sum[j] < 500)
                continue;
            double mu = sum[j] / 5000, var = (sq[j] - 5000 * mu * mu) / 4999;
            double trend = q.bcv_common + 1 / sqrt(mu);
            acc += (var - mu) / (mu * mu * trend * trend);
            over += var > mu;
            ng++;
        }
        tap_ok(ng >= 100 && over == ng, "all %d genes are overdispersed", ng);
        tap_ok(fabs(acc / ng - 60.0 / 58.0) < 0.08,
               "mean squared BCV factor %.3f (expected 60/58 = 1.034)", acc / ng);
        free(sum);
        free(sq);
        dataset_free(&s1);
    }

    /* dropout removes counts, most where the mean is low */
    p.dropout = 1;
    p.cells = 1000;
    tap_ok(simulate(&p, &d2, &e) == 0, "simulate with dropout");
    sc_dataset d3;
    p.dropout = 0;
    tap_ok(simulate(&p, &d3, &e) == 0, "the same without dropout");
    int64_t z2 = d2.X.indptr[1000], z3 = d3.X.indptr[1000];
    tap_ok(z2 < 0.8 * z3, "dropout keeps %lld of %lld nonzeros", (long long)z2, (long long)z3);
    dataset_free(&d2);
    dataset_free(&d3);

    /* bad parameters */
    p.genes = 50;
    p.types = 60;
    int rc = simulate(&p, &d2, &e);
    tap_ok(rc < 0 && strstr(e.msg, "too few"), "too few genes: %s", rc < 0 ? e.msg : "accepted");
    if (rc == 0)
        dataset_free(&d2);
    p.genes = 1000;
    p.types = 0;
    rc = simulate(&p, &d2, &e);
    tap_ok(rc < 0 && strstr(e.msg, "types"), "types=0: %s", rc < 0 ? e.msg : "accepted");
    if (rc == 0)
        dataset_free(&d2);
    p.types = 1;
    p.conditions = 1;
    p.batches = 1;
    p.cells = 300;
    tap_ok(simulate(&p, &d2, &e) == 0 && col(&d2.var, "program")->ncats == 3 &&
               col(&d2.obs, "condition")->ncats == 1,
           "one type, one condition, one batch works");
    int flat = 1;
    for (int64_t j = 0; j < d2.var.n; j++)
        flat &= col(&d2.var, "de_factor")->num[j] == 1 &&
                col(&d2.var, "batch_factor_batch1")->num[j] == 1;
    tap_ok(flat, "... with no programs and no batch effect");
    dataset_free(&d2);

    free(ref);
    free(A);
    free(B);
    free(ga);
    free(gb);
    free(err);
    free(lo);
    free(lp);
    dataset_free(&d);
    return tap_done();
}

/* integ.c: integration metrics on an embedding (see integ.h). */
#include "integ.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"

/* Row and column block sizes of the distance pass: a 64 x 2048 block of
 * doubles (1 MB) per thread stays in L2/L3 while each row is consumed. */
#define BLK_R 64
#define BLK_C 2048

/* ---- blocked squared distances --------------------------------------- */

/* Called for row i with squared distances d2[0..nj) to cells j0..j0+nj-1;
 * column blocks arrive in increasing order, so per-row accumulation is
 * deterministic whatever the thread count. */
typedef void (*row_fn)(void *ctx, int64_t i, const double *d2, int64_t j0, int64_t nj);

typedef struct pts {
    int64_t n;
    int d;
    double *x;  /* n x d, centred (less cancellation in |x|^2 + |y|^2 - 2 x.y) */
    double *sq; /* |x_i|^2 */
} pts;

static int pts_make(pts *p, const float *X, int64_t n, int d, sc_err *e)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->d = d;
    p->x = sc_calloc(e, (size_t)n * (size_t)d, sizeof *p->x);
    p->sq = p->x ? sc_calloc(e, (size_t)n, sizeof *p->sq) : NULL;
    double *mean = p->sq ? sc_calloc(e, (size_t)d, sizeof *mean) : NULL;
    if (!mean) {
        free(p->x);
        free(p->sq);
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < d; c++) {
            double v = X[i * d + c];
            if (!isfinite(v)) {
                free(mean);
                free(p->x);
                free(p->sq);
                return err_set(e, "the embedding has a non-finite value at cell %lld, column %d",
                               (long long)i, c);
            }
            mean[c] += v;
        }
    for (int c = 0; c < d; c++)
        mean[c] /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double v = (double)X[i * d + c] - mean[c];
            p->x[i * d + c] = v;
            s += v * v;
        }
        p->sq[i] = s;
    }
    free(mean);
    return 0;
}

static void pts_free(pts *p)
{
    free(p->x);
    free(p->sq);
}

static int pairs_run(const pts *p, row_fn fn, void *ctx, sc_err *e)
{
    const int64_t n = p->n;
    const int d = p->d;
    const int64_t nblk = (n + BLK_R - 1) / BLK_R;
    int failed = 0;
    /* OpenBLAS single-threaded inside the OpenMP loop (threads.h) */
    int prev = sc_blas_single();
#pragma omp parallel
    {
        double *g = malloc((size_t)BLK_R * BLK_C * sizeof *g);
        if (!g) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < nblk; b++) {
            if (!g)
                continue;
            int64_t i0 = b * BLK_R;
            int nr = (int)(n - i0 < BLK_R ? n - i0 : BLK_R);
            for (int64_t j0 = 0; j0 < n; j0 += BLK_C) {
                int nc = (int)(n - j0 < BLK_C ? n - j0 : BLK_C);
                /* g = X[i0..] X[j0..]^T, nr x nc with row stride nc */
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nr, nc, d, 1.0,
                            p->x + i0 * d, d, p->x + j0 * d, d, 0.0, g, nc);
                for (int r = 0; r < nr; r++) {
                    double *row = g + (size_t)r * nc;
                    double si = p->sq[i0 + r];
                    for (int c = 0; c < nc; c++) {
                        double v = si + p->sq[j0 + c] - 2 * row[c];
                        row[c] = v > 0 ? v : 0;
                    }
                    fn(ctx, i0 + r, row, j0, nc);
                }
            }
        }
        free(g);
    }
    sc_blas_restore(prev);
    if (failed)
        return err_set(e, "out of memory (distance blocks)");
    return 0;
}

/* ---- kNN -------------------------------------------------------------- */

typedef struct knn_ctx {
    int k;
    double *d2;   /* n x k, ascending; +inf while unfilled */
    int32_t *idx;
} knn_ctx;

static void knn_row(void *vctx, int64_t i, const double *d2, int64_t j0, int64_t nj)
{
    knn_ctx *c = vctx;
    const int k = c->k;
    double *best = c->d2 + (size_t)i * k;
    int32_t *bi = c->idx + (size_t)i * k;
    for (int64_t t = 0; t < nj; t++) {
        double v = d2[t];
        /* strictly closer than the k-th: ties keep the lower index, as j grows */
        if (v >= best[k - 1] || j0 + t == i)
            continue;
        int at = k - 1;
        while (at > 0 && best[at - 1] > v) {
            best[at] = best[at - 1];
            bi[at] = bi[at - 1];
            at--;
        }
        best[at] = v;
        bi[at] = (int32_t)(j0 + t);
    }
}

static int knn_from_pts(const pts *p, int k, integ_knn *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    knn_ctx c = {k, NULL, NULL};
    size_t m = (size_t)p->n * (size_t)k;
    c.d2 = sc_calloc(e, m, sizeof *c.d2);
    c.idx = c.d2 ? sc_calloc(e, m, sizeof *c.idx) : NULL;
    if (!c.idx) {
        free(c.d2);
        return -1;
    }
    for (size_t t = 0; t < m; t++) {
        c.d2[t] = INFINITY;
        c.idx[t] = -1;
    }
    if (pairs_run(p, knn_row, &c, e) < 0) {
        free(c.d2);
        free(c.idx);
        return -1;
    }
    for (size_t t = 0; t < m; t++)
        c.d2[t] = sqrt(c.d2[t]);
    out->n = p->n;
    out->k = k;
    out->idx = c.idx;
    out->dist = c.d2;
    return 0;
}

int integ_knn_build(const float *X, int64_t n, int d, int k, integ_knn *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (d < 1)
        return err_set(e, "the embedding has no columns");
    if (k < 1 || (int64_t)k >= n)
        return err_set(e, "k=%d neighbours needs more than %d cells; there are %lld", k, k,
                       (long long)n);
    if (n > INT32_MAX)
        return err_set(e, "too many cells for the kNN graph (%lld)", (long long)n);
    pts p;
    if (pts_make(&p, X, n, d, e) < 0)
        return -1;
    int rc = knn_from_pts(&p, k, out, e);
    pts_free(&p);
    return rc;
}

void integ_knn_free(integ_knn *g)
{
    free(g->idx);
    free(g->dist);
    memset(g, 0, sizeof *g);
}

/* ---- LISI ------------------------------------------------------------- */

/* Gaussian weights of one cell's neighbour distances with perplexity p:
 * the kernel precision beta is found by bisection (doubling/halving while
 * unbounded) until the entropy of the weights is log p within 1e-5, at most
 * 50 steps, as in Harmony's compute_lisi.  Distances are taken relative to
 * the nearest, which leaves the weights and the entropy unchanged but keeps
 * exp() from underflowing to an all-zero row. */
static void perplexity_weights(const double *dist, int k, double p, double *w)
{
    const double target = log(p), tol = 1e-5;
    double dmin = dist[0];
    for (int j = 1; j < k; j++)
        if (dist[j] < dmin)
            dmin = dist[j];
    double beta = 1, lo = -INFINITY, hi = INFINITY;
    for (int tries = 0;; tries++) {
        double sum = 0, dsum = 0;
        for (int j = 0; j < k; j++) {
            double dj = dist[j] - dmin;
            w[j] = exp(-dj * beta);
            sum += w[j];
            dsum += dj * w[j];
        }
        double H = log(sum) + beta * dsum / sum;
        for (int j = 0; j < k; j++)
            w[j] /= sum;
        double diff = H - target;
        if (fabs(diff) <= tol || tries >= 50)
            break;
        if (diff > 0) { /* too flat: sharpen */
            lo = beta;
            beta = hi == INFINITY ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = lo == -INFINITY ? beta / 2 : (beta + lo) / 2;
        }
    }
}

int integ_lisi(const integ_knn *g, const int32_t *labels, int ncodes, double p, double *out,
               sc_err *e)
{
    if (!(p > 0) || p >= g->k)
        return err_set(e, "perplexity %g must be above 0 and below k=%d", p, g->k);
    if (ncodes < 1)
        return err_set(e, "no labels");
    int failed = 0;
#pragma omp parallel
    {
        double *w = malloc((size_t)g->k * sizeof *w);
        double *share = malloc((size_t)ncodes * sizeof *share);
        if (!w || !share) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < g->n; i++) {
            if (!w || !share)
                continue;
            perplexity_weights(g->dist + (size_t)i * g->k, g->k, p, w);
            memset(share, 0, (size_t)ncodes * sizeof *share);
            for (int j = 0; j < g->k; j++)
                share[labels[g->idx[(size_t)i * g->k + j]]] += w[j];
            double simpson = 0;
            for (int c = 0; c < ncodes; c++)
                simpson += share[c] * share[c];
            out[i] = 1 / simpson;
        }
        free(w);
        free(share);
    }
    if (failed)
        return err_set(e, "out of memory (LISI)");
    return 0;
}

double integ_knn_purity(const integ_knn *g, const int32_t *labels)
{
    double tot = 0;
    for (int64_t i = 0; i < g->n; i++) {
        int same = 0;
        for (int j = 0; j < g->k; j++)
            same += labels[g->idx[(size_t)i * g->k + j]] == labels[i];
        tot += (double)same / g->k;
    }
    return g->n > 0 ? tot / (double)g->n : NAN;
}

/* ---- silhouettes ------------------------------------------------------ */

/* Silhouette of cell i from its summed distances s[c] to each cluster c
 * (itself excluded) and the cluster sizes (scikit-learn's rules). */
static double sil_cell(const double *s, const int64_t *size, int ncodes, int own)
{
    if (size[own] < 2)
        return 0; /* alone in its cluster */
    double a = s[own] / (double)(size[own] - 1);
    double b = INFINITY;
    for (int c = 0; c < ncodes; c++)
        if (c != own && size[c] > 0 && s[c] / (double)size[c] < b)
            b = s[c] / (double)size[c];
    double m = a > b ? a : b;
    return m > 0 && isfinite(b) ? (b - a) / m : 0;
}

/* One pass over all pairs feeds everything integ_score needs: the kNN
 * lists, each cell's summed distance to every cell type (cell-type
 * silhouette) and, among the cells of its own type, to every batch (batch
 * silhouette within types).  Also used with batch = NULL for the plain
 * silhouette. */
typedef struct all_ctx {
    knn_ctx *knn;             /* NULL: no kNN */
    const int32_t *label, *batch;
    int nl, nb;
    double *lsum;             /* n x nl */
    double *bsum;             /* n x nb, or NULL */
} all_ctx;

static void all_row(void *vctx, int64_t i, const double *d2, int64_t j0, int64_t nj)
{
    all_ctx *c = vctx;
    if (c->knn)
        knn_row(c->knn, i, d2, j0, nj);
    double *ls = c->lsum + (size_t)i * c->nl;
    double *bs = c->bsum ? c->bsum + (size_t)i * c->nb : NULL;
    const int32_t *lab = c->label + j0;
    const int32_t own = c->label[i];
    for (int64_t t = 0; t < nj; t++) {
        if (j0 + t == i)
            continue; /* d2(i, i) may keep a rounding residue: leave it out */
        double dist = sqrt(d2[t]);
        ls[lab[t]] += dist;
        if (bs && lab[t] == own)
            bs[c->batch[j0 + t]] += dist;
    }
}

static int check_codes(const int32_t *codes, int64_t n, int ncodes, const char *what, sc_err *e)
{
    if (ncodes < 1)
        return err_set(e, "%s: no categories", what);
    for (int64_t i = 0; i < n; i++)
        if (codes[i] < 0 || codes[i] >= ncodes)
            return err_set(e, "%s: cell %lld has code %d, expected 0..%d", what, (long long)i,
                           (int)codes[i], ncodes - 1);
    return 0;
}

/* Cells per code; returns how many codes occur. */
static int code_sizes(const int32_t *codes, int64_t n, int ncodes, int64_t *size)
{
    memset(size, 0, (size_t)ncodes * sizeof *size);
    int present = 0;
    for (int64_t i = 0; i < n; i++)
        present += size[codes[i]]++ == 0;
    return present;
}

int integ_silhouette(const float *X, int64_t n, int d, const int32_t *labels, int ncodes,
                     double *out, sc_err *e)
{
    if (d < 1 || n < 2)
        return err_set(e, "a silhouette needs at least 2 cells and 1 column");
    if (check_codes(labels, n, ncodes, "labels", e) < 0)
        return -1;
    int64_t *size = sc_calloc(e, (size_t)ncodes, sizeof *size);
    if (!size)
        return -1;
    int present = code_sizes(labels, n, ncodes, size);
    if (present < 2) {
        free(size);
        return err_set(e, "a silhouette needs at least 2 clusters; the cells have %d", present);
    }
    pts p;
    all_ctx c = {NULL, labels, NULL, ncodes, 0, NULL, NULL};
    if (pts_make(&p, X, n, d, e) < 0) {
        free(size);
        return -1;
    }
    c.lsum = sc_calloc(e, (size_t)n * (size_t)ncodes, sizeof *c.lsum);
    int rc = c.lsum ? pairs_run(&p, all_row, &c, e) : -1;
    for (int64_t i = 0; rc == 0 && i < n; i++)
        out[i] = sil_cell(c.lsum + (size_t)i * ncodes, size, ncodes, labels[i]);
    pts_free(&p);
    free(c.lsum);
    free(size);
    return rc;
}

/* scib's silhouette_batch from the within-type batch sums: per type with 2
 * or more batches (and fewer batches than cells), the mean of 1 - |s|. */
static int batch_asw(const all_ctx *c, int64_t n, double *asw, int *ntypes, sc_err *e)
{
    int nl = c->nl, nb = c->nb;
    int64_t *size = sc_calloc(e, (size_t)nl * (size_t)nb, sizeof *size); /* type x batch */
    int64_t *tsize = sc_calloc(e, (size_t)nl, sizeof *tsize);
    double *tsum = sc_calloc(e, (size_t)nl, sizeof *tsum);
    if (!size || !tsize || !tsum) {
        free(size);
        free(tsize);
        free(tsum);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        size[(size_t)c->label[i] * nb + c->batch[i]]++;
        tsize[c->label[i]]++;
    }
    for (int64_t i = 0; i < n; i++) {
        int l = c->label[i];
        double s = sil_cell(c->bsum + (size_t)i * nb, size + (size_t)l * nb, nb, c->batch[i]);
        tsum[l] += 1 - fabs(s);
    }
    double tot = 0;
    *ntypes = 0;
    for (int l = 0; l < nl; l++) {
        int present = 0;
        for (int b = 0; b < nb; b++)
            present += size[(size_t)l * nb + b] > 0;
        if (present < 2 || present == tsize[l])
            continue; /* scib skips: nothing to mix, or every cell its own batch */
        tot += tsum[l] / (double)tsize[l];
        (*ntypes)++;
    }
    *asw = *ntypes > 0 ? tot / *ntypes : NAN;
    free(size);
    free(tsize);
    free(tsum);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int integ_score(const float *X, int64_t n, int d, const int32_t *batch, int nbatch,
                const int32_t *label, int nlabel, int k, integ_scores *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->ilisi = out->ilisi_median = out->batch_asw = out->label_asw = out->purity = NAN;
    if (check_codes(batch, n, nbatch, "batch", e) < 0 ||
        check_codes(label, n, nlabel, "cell type", e) < 0)
        return -1;
    out->n = n;
    out->k = k;
    out->perplexity = floor(k / 3.0);
    if (out->perplexity < 1)
        return err_set(e, "k=%d is too small: iLISI's perplexity floor(k/3) must be at least 1 "
                       "(k >= 3)", k);
    if (d < 1)
        return err_set(e, "the embedding has no columns");
    if (k >= n)
        return err_set(e, "k=%d neighbours needs more than %d cells; there are %lld", k, k,
                       (long long)n);
    if (n > INT32_MAX)
        return err_set(e, "too many cells for the kNN graph (%lld)", (long long)n);
    int64_t *bsz = sc_calloc(e, (size_t)nbatch, sizeof *bsz);
    int64_t *lsz = bsz ? sc_calloc(e, (size_t)nlabel, sizeof *lsz) : NULL;
    if (!lsz) {
        free(bsz);
        return -1;
    }
    out->nbatch = code_sizes(batch, n, nbatch, bsz);
    out->nlabel = code_sizes(label, n, nlabel, lsz);
    free(bsz);

    pts p;
    if (pts_make(&p, X, n, d, e) < 0) {
        free(lsz);
        return -1;
    }
    knn_ctx kc = {k, NULL, NULL};
    all_ctx c = {&kc, label, out->nbatch > 1 ? batch : NULL, nlabel, nbatch, NULL, NULL};
    size_t m = (size_t)n * (size_t)k;
    kc.d2 = sc_calloc(e, m, sizeof *kc.d2);
    kc.idx = kc.d2 ? sc_calloc(e, m, sizeof *kc.idx) : NULL;
    c.lsum = kc.idx ? sc_calloc(e, (size_t)n * (size_t)nlabel, sizeof *c.lsum) : NULL;
    if (c.lsum && c.batch)
        c.bsum = sc_calloc(e, (size_t)n * (size_t)nbatch, sizeof *c.bsum);
    double *v = c.lsum && (c.bsum || !c.batch) ? sc_calloc(e, (size_t)n, sizeof *v) : NULL;
    int rc = v ? 0 : -1;
    for (size_t t = 0; rc == 0 && t < m; t++) {
        kc.d2[t] = INFINITY;
        kc.idx[t] = -1;
    }
    if (rc == 0)
        rc = pairs_run(&p, all_row, &c, e);
    pts_free(&p);
    if (rc == 0) {
        for (size_t t = 0; t < m; t++)
            kc.d2[t] = sqrt(kc.d2[t]);
        integ_knn g = {n, k, kc.idx, kc.d2};
        out->purity = integ_knn_purity(&g, label);
        if (c.batch && (rc = integ_lisi(&g, batch, nbatch, out->perplexity, v, e)) == 0) {
            qsort(v, (size_t)n, sizeof *v, cmp_double);
            out->ilisi_median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            out->ilisi = (out->ilisi_median - 1) / (out->nbatch - 1);
        }
    }
    if (rc == 0 && out->nlabel > 1) {
        double s = 0;
        for (int64_t i = 0; i < n; i++)
            s += sil_cell(c.lsum + (size_t)i * nlabel, lsz, nlabel, label[i]);
        out->label_asw = (s / (double)n + 1) / 2;
    }
    if (rc == 0 && c.batch)
        rc = batch_asw(&c, n, &out->batch_asw, &out->batch_asw_types, e);
    free(kc.d2);
    free(kc.idx);
    free(c.lsum);
    free(c.bsum);
    free(v);
    free(lsz);
    return rc;
}

/* ---- labels from obs columns ------------------------------------------ */

int integ_codes(const sc_column *col, int64_t n, int32_t **codes, int *ncodes, sc_err *e)
{
    *codes = NULL;
    *ncodes = 0;
    int32_t *out = sc_calloc(e, n > 0 ? (size_t)n : 1, sizeof *out);
    if (!out)
        return -1;
    if (col->kind == SC_COL_CAT) {
        for (int64_t i = 0; i < n; i++)
            out[i] = col->codes[i] >= 0 && col->codes[i] < col->ncats ? col->codes[i] : -1;
        *ncodes = col->ncats;
    } else if (col->kind == SC_COL_STR) {
        /* distinct strings numbered in sorted order */
        int64_t *ord = sc_calloc(e, n > 0 ? (size_t)n : 1, sizeof *ord);
        if (!ord) {
            free(out);
            return -1;
        }
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (col->str[i])
                ord[m++] = i;
            else
                out[i] = -1;
        sc_sort_names_stable(ord, m, col->str);
        int64_t code = -1;
        for (int64_t t = 0; t < m; t++) {
            if (t == 0 || strcmp(col->str[ord[t]], col->str[ord[t - 1]]) != 0)
                code++;
            out[ord[t]] = (int32_t)code;
        }
        free(ord);
        if (code + 1 > INT32_MAX / 2) {
            free(out);
            return err_set(e, "column '%s' has too many distinct values", col->name);
        }
        *ncodes = (int)(code + 1);
    } else {
        free(out);
        return err_set(e, "column '%s' is numeric; a batch or cell-type column must be "
                       "categorical or text", col->name);
    }
    *codes = out;
    return 0;
}

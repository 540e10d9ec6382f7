/* inspect.c: activation sources and per-view inspection (see inspect.h). */
#include "inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sources -------------------------------------------------------------- */

void inspect_src_free(inspect_src *s)
{
    free(s->ptr);
    free(s->cell);
    free(s->val);
    memset(s, 0, sizeof *s);
}

static int src_alloc(inspect_src *s, int32_t nview, int64_t total, sc_err *e)
{
    s->ptr = sc_calloc(e, (size_t)nview + 1, sizeof *s->ptr);
    s->cell = s->ptr ? sc_calloc(e, (size_t)total, sizeof *s->cell) : NULL;
    s->val = s->cell ? sc_calloc(e, (size_t)total, sizeof *s->val) : NULL;
    if (!s->val) {
        inspect_src_free(s);
        return -1;
    }
    return 0;
}

static void sort_views(inspect_src *s)
{
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8)
#endif
    for (int32_t j = 0; j < s->nview; j++)
        stats_sort_desc(s->cell + s->ptr[j], s->val + s->ptr[j], s->ptr[j + 1] - s->ptr[j]);
}

int inspect_src_sparse(inspect_src *s, int64_t ncells, int32_t nfeat, const int64_t *indptr,
                       const int32_t *indices, const float *data, const char *what, sc_err *e)
{
    memset(s, 0, sizeof *s);
    if (ncells < 0 || ncells > INT32_MAX || nfeat < 0)
        return err_set(e, "%s: %lld cells x %d features is out of range", what,
                       (long long)ncells, (int)nfeat);
    if (indptr[0] != 0)
        return err_set(e, "%s: indptr[0] is %lld, expected 0", what, (long long)indptr[0]);
    for (int64_t c = 0; c < ncells; c++)
        if (indptr[c + 1] < indptr[c])
            return err_set(e, "%s: indptr decreases at cell %lld (%lld then %lld)", what,
                           (long long)c, (long long)indptr[c], (long long)indptr[c + 1]);
    int64_t nnz = indptr[ncells], kept = 0;
    int64_t *count = sc_calloc(e, (size_t)nfeat + 1, sizeof *count);
    if (!count)
        return -1;
    for (int64_t k = 0; k < nnz; k++) {
        if (indices[k] < 0 || indices[k] >= nfeat) {
            free(count);
            return err_set(e, "%s: stored value %lld has feature index %d, expected 0 to %d",
                           what, (long long)k, (int)indices[k], (int)nfeat - 1);
        }
        if (!isfinite(data[k])) {
            free(count);
            return err_set(e, "%s: stored value %lld (feature %d) is not finite", what,
                           (long long)k, (int)indices[k]);
        }
        if (data[k] != 0) {
            count[indices[k]]++;
            kept++;
        }
    }
    if (src_alloc(s, nfeat, kept, e) < 0) {
        free(count);
        return -1;
    }
    for (int32_t j = 0; j < nfeat; j++) {
        s->ptr[j + 1] = s->ptr[j] + count[j];
        count[j] = s->ptr[j]; /* now the fill position */
    }
    for (int64_t c = 0; c < ncells; c++)
        for (int64_t k = indptr[c]; k < indptr[c + 1]; k++)
            if (data[k] != 0) {
                int64_t at = count[indices[k]]++;
                s->cell[at] = (int32_t)c;
                s->val[at] = data[k];
            }
    free(count);
    s->dense = 0;
    s->ncells = ncells;
    s->nview = nfeat;
    sort_views(s);
    return 0;
}

int inspect_src_dense(inspect_src *s, int64_t ncells, int32_t dims, const float *X,
                      const char *what, sc_err *e)
{
    memset(s, 0, sizeof *s);
    if (ncells < 0 || ncells > INT32_MAX || dims < 0 || dims > INT32_MAX / 2)
        return err_set(e, "%s: %lld cells x %d dims is out of range", what, (long long)ncells,
                       (int)dims);
    for (int64_t k = 0; k < ncells * dims; k++)
        if (!isfinite(X[k]))
            return err_set(e, "%s: cell %lld, dim %lld is not finite", what,
                           (long long)(k / dims), (long long)(k % dims));
    if (src_alloc(s, 2 * dims, 2 * ncells * dims, e) < 0)
        return -1;
    s->dense = 1;
    s->ncells = ncells;
    s->dims = dims;
    s->nview = 2 * dims;
    for (int32_t j = 0; j <= s->nview; j++)
        s->ptr[j] = (int64_t)j * ncells;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int32_t d = 0; d < dims; d++) {
        int32_t *cp = s->cell + s->ptr[2 * d], *cm = s->cell + s->ptr[2 * d + 1];
        float *vp = s->val + s->ptr[2 * d], *vm = s->val + s->ptr[2 * d + 1];
        for (int64_t c = 0; c < ncells; c++) {
            cp[c] = (int32_t)c;
            vp[c] = X[c * dims + d];
        }
        stats_sort_desc(cp, vp, ncells);
        /* the negative direction is the same order reversed */
        for (int64_t k = 0; k < ncells; k++) {
            cm[k] = cp[ncells - 1 - k];
            vm[k] = -vp[ncells - 1 - k];
        }
    }
    return 0;
}

void inspect_ranked(const inspect_src *s, int32_t j, stats_ranked *r)
{
    r->n = s->ncells;
    r->m = s->ptr[j + 1] - s->ptr[j];
    r->cell = s->cell + s->ptr[j];
    r->val = s->val + s->ptr[j];
}

void inspect_view_name(const inspect_src *s, int32_t j, char *buf, size_t size)
{
    if (s->dense)
        snprintf(buf, size, "dim %d%c", (int)(j / 2), j % 2 ? '-' : '+');
    else
        snprintf(buf, size, "feature %d", (int)j);
}

int inspect_positive_only(const inspect_src *s)
{
    return !s->dense;
}

int64_t inspect_active(const inspect_src *s, int32_t j)
{
    int64_t b = s->ptr[j], e = s->ptr[j + 1], k = b;
    /* sorted descending: find the first value <= 0 by bisection */
    while (b < e) {
        int64_t mid = b + (e - b) / 2;
        if (s->val[mid] > 0)
            b = mid + 1;
        else
            e = mid;
    }
    return b - k;
}

double inspect_density(const inspect_src *s, int32_t j)
{
    return s->ncells ? (double)inspect_active(s, j) / (double)s->ncells : 0;
}

int64_t inspect_top(const inspect_src *s, int32_t j, int64_t M, int32_t *cells, float *vals)
{
    int64_t avail = s->dense ? s->ptr[j + 1] - s->ptr[j] : inspect_active(s, j);
    int64_t n = M < avail ? M : avail;
    for (int64_t k = 0; k < n; k++) {
        if (cells)
            cells[k] = s->cell[s->ptr[j] + k];
        if (vals)
            vals[k] = s->val[s->ptr[j] + k];
    }
    return n < 0 ? 0 : n;
}

void inspect_hist(const inspect_src *s, int32_t j, int32_t nbins, int64_t *count, double *lo,
                  double *hi, int64_t *inactive)
{
    int64_t b = s->ptr[j];
    int64_t n = s->dense ? s->ptr[j + 1] - b : inspect_active(s, j);
    for (int32_t k = 0; k < nbins; k++)
        count[k] = 0;
    *inactive = s->ncells - n;
    *lo = *hi = 0;
    if (n == 0 || nbins < 1)
        return;
    *hi = s->val[b];
    *lo = s->val[b + n - 1];
    double w = (*hi - *lo) / nbins;
    for (int64_t k = 0; k < n; k++) {
        int64_t bin = w > 0 ? (int64_t)((s->val[b + k] - *lo) / w) : 0;
        if (bin >= nbins)
            bin = nbins - 1; /* the maximum falls on the last edge */
        if (bin < 0)
            bin = 0;
        count[bin]++;
    }
}

void inspect_purity_of(const inspect_src *s, int32_t j, const stats_label *l, int64_t top_m,
                       inspect_purity *out, stats_ws *ws)
{
    stats_ranked r;
    inspect_ranked(s, j, &r);
    /* candidates: the active cells, or for a latent direction's top_m every cell */
    int64_t limit = s->dense && top_m > 0 ? r.m : inspect_active(s, j);
    for (int32_t c = 0; c < l->ncat; c++)
        out->count[c] = 0;
    out->ncells = 0;
    for (int64_t k = 0; k < limit && (top_m <= 0 || out->ncells < top_m); k++) {
        int32_t c = l->code[r.cell[k]];
        if (c >= 0) {
            out->count[c]++;
            out->ncells++;
        }
    }
    out->top_cat = -1;
    out->share = 0;
    for (int32_t c = 0; c < l->ncat; c++)
        if (out->count[c] > 0 && (out->top_cat < 0 || out->count[c] > out->count[out->top_cat]))
            out->top_cat = c;
    if (out->top_cat >= 0)
        out->share = (double)out->count[out->top_cat] / (double)out->ncells;
    out->entropy = stats_entropy(out->count, l->ncat);
    stats_auroc_cats(&r, l, out->auroc, ws);
}

int inspect_assoc_of(const inspect_src *s, int32_t j, const stats_label *l, stats_ws *ws,
                     inspect_assoc *out, sc_err *e)
{
    stats_ranked r;
    inspect_ranked(s, j, &r);
    double *auroc = sc_calloc(e, (size_t)l->ncat, sizeof *auroc);
    if (!auroc)
        return -1;
    memset(out, 0, sizeof *out);
    out->auroc_cat = -1;
    out->auroc = NAN;
    stats_auroc_cats(&r, l, auroc, ws);
    for (int32_t c = 0; c < l->ncat; c++)
        if (!isnan(auroc[c]) && fabs(auroc[c] - 0.5) > out->auroc_dev) {
            out->auroc_dev = fabs(auroc[c] - 0.5);
            out->auroc_cat = c;
            out->auroc = auroc[c];
        }
    free(auroc);
    double h = 0;
    out->mi = stats_mi_ranked(&r, l, s->dense ? INSPECT_DENSE_BINS : 0, &h, ws);
    out->u = h > 0 ? out->mi / h : 0;
    return 0;
}

int inspect_follows_batch(const inspect_assoc *batch, const inspect_assoc *bio, int nbio,
                          double min_u)
{
    if (!(batch->u >= min_u))
        return 0;
    for (int k = 0; k < nbio; k++)
        if (!(batch->u > bio[k].u))
            return 0;
    return 1;
}

/* ---- genes ---------------------------------------------------------------- */

void inspect_genes_free(inspect_genes *g)
{
    free(g->ptr);
    free(g->cell);
    free(g->val);
    free(g->rdev);
    free(g->mean);
    free(g->sd);
    free(g->rsd);
    free(g->zdev);
    memset(g, 0, sizeof *g);
}

int inspect_genes_prepare(inspect_genes *g, const sc_csr *X, const char *what, sc_err *e)
{
    memset(g, 0, sizeof *g);
    int64_t n = X->nrows, G = X->ncols;
    if (n < 0 || G < 0 || n > INT32_MAX || G > INT32_MAX)
        return err_set(e, "%s: %lld x %lld is out of range", what, (long long)n, (long long)G);
    if (X->indptr[0] != 0)
        return err_set(e, "%s: indptr[0] is %lld, expected 0", what, (long long)X->indptr[0]);
    for (int64_t c = 0; c < n; c++)
        if (X->indptr[c + 1] < X->indptr[c])
            return err_set(e, "%s: indptr decreases at cell %lld", what, (long long)c);
    int64_t nnz = X->indptr[n];
    g->ptr = sc_calloc(e, (size_t)G + 1, sizeof *g->ptr);
    g->cell = g->ptr ? sc_calloc(e, (size_t)nnz, sizeof *g->cell) : NULL;
    g->val = g->cell ? sc_calloc(e, (size_t)nnz, sizeof *g->val) : NULL;
    g->rdev = g->val ? sc_calloc(e, (size_t)nnz, sizeof *g->rdev) : NULL;
    g->mean = g->rdev ? sc_calloc(e, (size_t)G, sizeof *g->mean) : NULL;
    g->sd = g->mean ? sc_calloc(e, (size_t)G, sizeof *g->sd) : NULL;
    g->rsd = g->sd ? sc_calloc(e, (size_t)G, sizeof *g->rsd) : NULL;
    g->zdev = g->rsd ? sc_calloc(e, (size_t)G, sizeof *g->zdev) : NULL;
    if (!g->zdev) {
        inspect_genes_free(g);
        return -1;
    }
    for (int64_t k = 0; k < nnz; k++) {
        if (X->indices[k] < 0 || X->indices[k] >= G) {
            inspect_genes_free(g);
            return err_set(e, "%s: stored value %lld has gene index %d, expected 0 to %lld",
                           what, (long long)k, (int)X->indices[k], (long long)G - 1);
        }
        if (!isfinite(X->data[k])) {
            inspect_genes_free(g);
            return err_set(e, "%s: stored value %lld (gene %d) is not finite", what,
                           (long long)k, (int)X->indices[k]);
        }
        g->ptr[X->indices[k] + 1]++;
    }
    for (int64_t j = 0; j < G; j++)
        g->ptr[j + 1] += g->ptr[j];
    int64_t *fill = sc_calloc(e, (size_t)G + 1, sizeof *fill);
    if (!fill) {
        inspect_genes_free(g);
        return -1;
    }
    memcpy(fill, g->ptr, (size_t)G * sizeof *fill);
    for (int64_t c = 0; c < n; c++)
        for (int64_t k = X->indptr[c]; k < X->indptr[c + 1]; k++) {
            int64_t at = fill[X->indices[k]]++;
            g->cell[at] = (int32_t)c;
            g->val[at] = X->data[k];
        }
    free(fill);
    g->ncells = n;
    g->ngenes = G;
    double center = ((double)n + 1) / 2;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16)
#endif
    for (int64_t j = 0; j < G; j++) {
        int64_t b = g->ptr[j], m = g->ptr[j + 1] - b;
        double s = 0, ss;
        for (int64_t k = b; k < b + m; k++)
            s += g->val[k];
        double mean = n ? s / (double)n : 0;
        ss = (double)(n - m) * mean * mean; /* the unstored zeros */
        for (int64_t k = b; k < b + m; k++)
            ss += (g->val[k] - mean) * (g->val[k] - mean);
        g->mean[j] = mean;
        g->sd[j] = n ? sqrt(ss / (double)n) : 0;
        if (g->sd[j] <= 1e-9 * fabs(mean))
            g->sd[j] = 0; /* constant up to rounding: no correlation */
        /* ranks: sort the gene's stored values; its zeros (stored or not) tie */
        stats_sort_desc(g->cell + b, g->val + b, m);
        int64_t pos = 0, zeros = n - m;
        for (int64_t k = 0; k < m; k++)
            if (g->val[b + k] > 0)
                pos++;
            else if (g->val[b + k] == 0)
                zeros++;
        /* ascending rank of the zero group: below it the negatives */
        double zrank = (double)(n - pos - zeros) + ((double)zeros + 1) / 2;
        double rss = (double)(n - m) * (zrank - center) * (zrank - center);
        for (int64_t a = 0; a < m;) {
            int64_t z = a + 1;
            while (z < m && g->val[b + z] == g->val[b + a])
                z++;
            /* tie group [a, z) of stored values: descending positions a..z-1,
             * shifted past the unstored zeros when at or below zero */
            double desc = g->val[b + a] > 0 ? ((double)a + (double)(z + 1)) / 2
                                            : ((double)a + (double)(z + 1)) / 2 + (double)(n - m);
            double rank = g->val[b + a] == 0 ? zrank : (double)n + 1 - desc;
            for (int64_t k = a; k < z; k++) {
                g->rdev[b + k] = (float)(rank - zrank);
                rss += (rank - center) * (rank - center);
            }
            a = z;
        }
        g->zdev[j] = zrank - center;
        g->rsd[j] = n ? sqrt(rss / (double)n) : 0;
    }
    return 0;
}

int inspect_gene_corr(const inspect_src *s, int32_t j, const inspect_genes *g, double *pearson,
                      double *spearman, sc_err *e)
{
    if (g->ncells != s->ncells)
        return err_set(e, "expression has %lld cells, the activations %lld",
                       (long long)g->ncells, (long long)s->ncells);
    int64_t n = s->ncells;
    double *a = sc_calloc(e, (size_t)n + 1, sizeof *a);
    double *ra = a ? sc_calloc(e, (size_t)n + 1, sizeof *ra) : NULL;
    if (!ra) {
        free(a);
        return -1;
    }
    stats_ranked r;
    inspect_ranked(s, j, &r);
    for (int64_t k = 0; k < r.m; k++)
        a[r.cell[k]] = r.val[k];
    stats_ranked_ranks(&r, ra);
    /* centre both: then the sum over a gene's stored values is the whole
     * covariance (the gene's zeros meet a centred vector summing to 0) */
    double ma = 0, center = ((double)n + 1) / 2, sa = 0, sra = 0;
    for (int64_t c = 0; c < n; c++)
        ma += a[c];
    ma = n ? ma / (double)n : 0;
    for (int64_t c = 0; c < n; c++) {
        a[c] -= ma;
        ra[c] -= center;
        sa += a[c] * a[c];
        sra += ra[c] * ra[c];
    }
    sa = n ? sqrt(sa / (double)n) : 0;
    if (sa <= 1e-9 * fabs(ma))
        sa = 0; /* a constant view (a latent dim can be offset from 0) */
    sra = n ? sqrt(sra / (double)n) : 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 64)
#endif
    for (int64_t gj = 0; gj < g->ngenes; gj++) {
        double cov = 0, rcov = 0;
        for (int64_t k = g->ptr[gj]; k < g->ptr[gj + 1]; k++) {
            double ac = a[g->cell[k]];
            cov += ac * g->val[k];
            rcov += ra[g->cell[k]] * g->rdev[k];
        }
        if (pearson) {
            double d = sa * g->sd[gj] * (double)n;
            double v = d > 0 ? cov / d : NAN;
            pearson[gj] = v > 1 ? 1 : v < -1 ? -1 : v;
        }
        if (spearman) {
            double d = sra * g->rsd[gj] * (double)n;
            double v = d > 0 ? rcov / d : NAN;
            spearman[gj] = v > 1 ? 1 : v < -1 ? -1 : v;
        }
    }
    free(a);
    free(ra);
    return 0;
}

int32_t inspect_top_genes(const double *r, int64_t n, int32_t k, int32_t *top, int32_t *bottom)
{
    /* insertion into two sorted lists of length <= k: O(n k), fine for the
     * few dozen genes a screen shows */
    int32_t nt = 0, nb = 0;
    for (int64_t g = 0; g < n; g++) {
        double v = r[g];
        if (isnan(v) || k <= 0)
            continue;
        if (top && (nt < k || v > r[top[nt - 1]])) {
            int32_t p = nt < k ? nt++ : k - 1;
            while (p > 0 && r[top[p - 1]] < v) {
                top[p] = top[p - 1];
                p--;
            }
            top[p] = (int32_t)g;
        }
        if (bottom && (nb < k || v < r[bottom[nb - 1]])) {
            int32_t p = nb < k ? nb++ : k - 1;
            while (p > 0 && r[bottom[p - 1]] > v) {
                bottom[p] = bottom[p - 1];
                p--;
            }
            bottom[p] = (int32_t)g;
        }
    }
    return top ? nt : nb;
}

/* hvg.c: Seurat v3 highly variable genes (see hvg.h for the definition).
 *
 * The arithmetic follows scanpy's order of operations where it decides the
 * last bits (sums of squares from float32 products, n/(n-1) as one factor,
 * clipped sums in CSR order), so that genes scanpy sees as exact ties are
 * exact ties here too and the ranking cannot flip on rounding. */
#include "hvg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loess.h"

void hvg_result_free(hvg_result *r)
{
    free(r->means);
    free(r->variances);
    free(r->variances_norm);
    free(r->rank);
    free(r->nbatches_hv);
    free(r->highly_variable);
    free(r->order);
    memset(r, 0, sizeof *r);
}

int hvg_looks_like_counts(const sc_csr *X)
{
    int64_t nnz = X->indptr[X->nrows];
    for (int64_t k = 0; k < nnz; k++) {
        float v = X->data[k];
        if (!(v >= 0) || v != floorf(v))
            return 0;
    }
    return 1;
}

typedef struct catkey {
    const char *name;
    int32_t code;
} catkey;

static int catkey_cmp(const void *a, const void *b)
{
    const catkey *p = a, *q = b;
    int c = strcmp(p->name, q->name);
    return c ? c : (p->code > q->code) - (p->code < q->code);
}

int hvg_batch_codes(const sc_column *col, int64_t n, int32_t **codes, int *nbatches, sc_err *e)
{
    *codes = NULL;
    if (col->kind != SC_COL_CAT)
        return err_set(e, "column '%s' is not categorical", col->name);
    if (col->ncats < 1)
        return err_set(e, "column '%s' has no categories", col->name);
    catkey *order = sc_calloc(e, (size_t)col->ncats, sizeof *order);
    int32_t *rank = sc_calloc(e, (size_t)col->ncats, sizeof *rank);
    int32_t *out = sc_calloc(e, n > 0 ? (size_t)n : 1, sizeof *out);
    if (!order || !rank || !out)
        goto fail;
    for (int32_t c = 0; c < col->ncats; c++)
        order[c] = (catkey){col->cats[c] ? col->cats[c] : "", c};
    qsort(order, (size_t)col->ncats, sizeof *order, catkey_cmp);
    for (int32_t c = 0; c < col->ncats; c++)
        rank[order[c].code] = c;
    for (int64_t i = 0; i < n; i++) {
        int32_t c = col->codes[i];
        if (c < 0 || c >= col->ncats) {
            err_set(e, "column '%s' has no value for cell %lld", col->name, (long long)i);
            goto fail;
        }
        out[i] = rank[c];
    }
    free(order);
    free(rank);
    *codes = out;
    *nbatches = (int)col->ncats;
    return 0;
fail:
    free(order);
    free(rank);
    free(out);
    return -1;
}

const char **hvg_batch_names(const sc_column *col, sc_err *e)
{
    if (col->kind != SC_COL_CAT || col->ncats < 1) {
        err_set(e, "column '%s' is not categorical", col->name);
        return NULL;
    }
    catkey *order = sc_calloc(e, (size_t)col->ncats, sizeof *order);
    const char **names = sc_calloc(e, (size_t)col->ncats, sizeof *names);
    if (order && names) {
        for (int32_t c = 0; c < col->ncats; c++)
            order[c] = (catkey){col->cats[c] ? col->cats[c] : "", c};
        qsort(order, (size_t)col->ncats, sizeof *order, catkey_cmp);
        for (int32_t c = 0; c < col->ncats; c++)
            names[c] = order[c].name;
    } else {
        free(names);
        names = NULL;
    }
    free(order);
    return names;
}

/* Mean and ddof-1 variance from a sum and a sum of squares, as scanpy's
 * sparse_mean_var_minor_axis followed by `var *= n / (n - 1)`. */
static void mean_var(double s, double q, int64_t n, double *mean, double *var)
{
    double m = s / (double)n;
    double v = q / (double)n - m * m;
    if (n != 1)
        v *= (double)n / (double)(n - 1);
    *mean = m;
    *var = v;
}

typedef struct vkey {
    double v;
    int64_t i;
} vkey;

/* Decreasing value; exact ties keep gene order. */
static int vkey_cmp(const void *a, const void *b)
{
    const vkey *p = a, *q = b;
    if (p->v != q->v)
        return p->v > q->v ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

typedef struct skey {
    double rank; /* NaN sorts last */
    int32_t nb;
    int64_t i;
} skey;

static int rank_cmp(double a, double b)
{
    int na = isnan(a), nb = isnan(b);
    if (na || nb)
        return na - nb;
    return (a > b) - (a < b);
}

/* scanpy's seurat_v3: rank ascending, then nbatches descending. */
static int skey_cmp_v3(const void *a, const void *b)
{
    const skey *p = a, *q = b;
    int c = rank_cmp(p->rank, q->rank);
    if (c)
        return c;
    if (p->nb != q->nb)
        return p->nb > q->nb ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* seurat_v3_paper: nbatches descending, then rank ascending. */
static int skey_cmp_paper(const void *a, const void *b)
{
    const skey *p = a, *q = b;
    if (p->nb != q->nb)
        return p->nb > q->nb ? -1 : 1;
    int c = rank_cmp(p->rank, q->rank);
    if (c)
        return c;
    return (p->i > q->i) - (p->i < q->i);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Standardised clipped variance of every gene in one batch.  s, q: the
 * batch's column sums and sums of squares; rows: its cells in CSR order. */
static int batch_norm_var(const sc_csr *X, const int64_t *rows, int64_t n, const double *s,
                          const double *q, double span, double *out, double *work, int64_t *pos,
                          int64_t *nsing, sc_err *e)
{
    int64_t G = X->ncols;
    double *mean = work, *var = work + G, *reg = work + 2 * G, *clip = work + 3 * G;
    double *lx = work + 4 * G, *ly = work + 5 * G, *fit = work + 6 * G;
    double *csum = work + 7 * G, *csq = work + 8 * G;
    int64_t m = 0;
    for (int64_t g = 0; g < G; g++) {
        mean_var(s[g], q[g], n, &mean[g], &var[g]);
        if (var[g] > 0) {
            lx[m] = log10(mean[g]);
            ly[m] = log10(var[g]);
            pos[m++] = g;
        }
    }
    if (m == 0)
        return err_set(e, "no gene varies across the batch's %lld cells", (long long)n);
    loess_opts o;
    loess_opts_default(&o);
    o.span = span;
    o.degree = 2;
    loess_info info;
    if (loess_fit(lx, ly, NULL, m, &o, fit, &info, e))
        return err_prefix(e, "fitting log10 variance ~ log10 mean over %lld varying genes",
                          (long long)m);
    *nsing += info.nsing;
    for (int64_t g = 0; g < G; g++)
        reg[g] = 0; /* fitted log10 variance; 0 for constant genes */
    for (int64_t k = 0; k < m; k++)
        reg[pos[k]] = fit[k];
    double vmax = sqrt((double)n);
    for (int64_t g = 0; g < G; g++) {
        reg[g] = sqrt(pow(10.0, reg[g]));
        clip[g] = reg[g] * vmax + mean[g];
        csum[g] = csq[g] = 0;
    }
    for (int64_t r = 0; r < n; r++) {
        int64_t i = rows[r];
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
            int32_t j = X->indices[k];
            double v = fmin((double)X->data[k], clip[j]);
            csq[j] += v * v;
            csum[j] += v;
        }
    }
    for (int64_t g = 0; g < G; g++)
        out[g] = (1 / ((double)(n - 1) * (reg[g] * reg[g]))) *
                 ((double)n * (mean[g] * mean[g]) + csq[g] - 2 * csum[g] * mean[g]);
    return 0;
}

static int check_args(const sc_csr *X, const int32_t *batch, int nbatches, int64_t n_top,
                      double span, sc_err *e)
{
    if (!X || X->nrows < 1 || X->ncols < 1)
        return err_set(e, "hvg: the matrix is empty");
    if (n_top < 1 || n_top > X->ncols)
        return err_set(e, "hvg: n_top must be between 1 and the %lld genes, not %lld",
                       (long long)X->ncols, (long long)n_top);
    if (!(span > 0) || !isfinite(span))
        return err_set(e, "hvg: span must be a positive number, not %g", span);
    if (batch) {
        if (nbatches < 1)
            return err_set(e, "hvg: %d batches given", nbatches);
        for (int64_t i = 0; i < X->nrows; i++)
            if (batch[i] < 0 || batch[i] >= nbatches)
                return err_set(e, "hvg: cell %lld has no batch (code %d)", (long long)i, batch[i]);
    }
    return 0;
}

int hvg_seurat_v3_flavor(const sc_csr *X, const int32_t *batch, int nbatches,
                         const char *const *batch_names, int64_t n_top, double span,
                         hvg_flavor flavor, hvg_result *r, sc_err *e)
{
    memset(r, 0, sizeof *r);
    r->sing_batch = -1;
    if (check_args(X, batch, nbatches, n_top, span, e))
        return -1;
    if (!batch)
        nbatches = 1;
    int64_t G = X->ncols, N = X->nrows, nb = nbatches;
    int rc = -1;
    int64_t *cnt = sc_calloc(e, (size_t)nb, sizeof *cnt);
    int64_t *rows = sc_calloc(e, (size_t)N, sizeof *rows);
    int64_t *start = sc_calloc(e, (size_t)nb + 1, sizeof *start);
    double *S = sc_calloc(e, (size_t)(nb * G), sizeof *S);
    double *Q = sc_calloc(e, (size_t)(nb * G), sizeof *Q);
    double *norm = sc_calloc(e, (size_t)(nb * G), sizeof *norm);
    double *work = sc_calloc(e, (size_t)(9 * G), sizeof *work);
    int64_t *pos = sc_calloc(e, (size_t)G, sizeof *pos);
    double *rk = sc_calloc(e, (size_t)(nb * G), sizeof *rk);
    vkey *vk = sc_calloc(e, (size_t)G, sizeof *vk);
    skey *sk = sc_calloc(e, (size_t)G, sizeof *sk);
    r->ngenes = G;
    r->n_top = n_top;
    r->means = sc_calloc(e, (size_t)G, sizeof *r->means);
    r->variances = sc_calloc(e, (size_t)G, sizeof *r->variances);
    r->variances_norm = sc_calloc(e, (size_t)G, sizeof *r->variances_norm);
    r->rank = sc_calloc(e, (size_t)G, sizeof *r->rank);
    r->nbatches_hv = sc_calloc(e, (size_t)G, sizeof *r->nbatches_hv);
    r->highly_variable = sc_calloc(e, (size_t)G, sizeof *r->highly_variable);
    r->order = sc_calloc(e, (size_t)n_top, sizeof *r->order);
    if (!cnt || !rows || !start || !S || !Q || !norm || !work || !pos || !rk || !vk || !sk || !r->means ||
        !r->variances || !r->variances_norm || !r->rank || !r->nbatches_hv ||
        !r->highly_variable || !r->order)
        goto done;

    /* Column sums per batch, in float64 from float32 squares (numba's arithmetic). */
    for (int64_t i = 0; i < N; i++) {
        int64_t b = batch ? batch[i] : 0;
        double *s = S + b * G, *q = Q + b * G;
        cnt[b]++;
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
            float v = X->data[k];
            float v2 = v * v;
            s[X->indices[k]] += (double)v;
            q[X->indices[k]] += (double)v2;
        }
    }
    for (int64_t b = 0; b < nb; b++)
        start[b + 1] = start[b] + cnt[b];
    /* Each batch's cells in CSR order (cnt becomes a cursor, then is rebuilt). */
    for (int64_t b = 0; b < nb; b++)
        cnt[b] = start[b];
    for (int64_t i = 0; i < N; i++)
        rows[cnt[batch ? batch[i] : 0]++] = i;
    for (int64_t b = 0; b < nb; b++)
        cnt[b] = start[b + 1] - start[b];
    /* Over all cells: the batches' sums added in order are exact for counts. */
    for (int64_t g = 0; g < G; g++) {
        double s = 0, q = 0;
        for (int64_t b = 0; b < nb; b++) {
            s += S[b * G + g];
            q += Q[b * G + g];
        }
        mean_var(s, q, N, &r->means[g], &r->variances[g]);
    }

    int64_t used = 0;
    for (int64_t b = 0; b < nb; b++) {
        if (cnt[b] == 0)
            continue; /* an unused category */
        if (cnt[b] < 2) {
            if (batch_names)
                err_set(e, "batch '%s' has only 1 cell; each batch needs at least 2",
                        batch_names[b]);
            else
                err_set(e, "batch %lld has only 1 cell; each batch needs at least 2",
                        (long long)b);
            goto done;
        }
        int64_t before = r->nsing;
        if (batch_norm_var(X, rows + start[b], cnt[b], S + b * G, Q + b * G, span,
                           norm + used * G, work, pos, &r->nsing, e)) {
            if (batch && batch_names)
                err_prefix(e, "batch '%s'", batch_names[b]);
            else if (batch)
                err_prefix(e, "batch %lld", (long long)b);
            goto done;
        }
        if (r->nsing > before && r->sing_batch < 0)
            r->sing_batch = (int)b;
        /* Rank within the batch: 0 = largest standardised variance. */
        for (int64_t g = 0; g < G; g++)
            vk[g] = (vkey){norm[used * G + g], g};
        qsort(vk, (size_t)G, sizeof *vk, vkey_cmp);
        for (int64_t p = 0; p < G; p++)
            rk[used * G + vk[p].i] = (double)p;
        used++;
    }
    r->nbatches = (int)used;

    for (int64_t g = 0; g < G; g++) {
        double top[64], *t = top, s = 0;
        int64_t nt = 0;
        if (used > 64 && !(t = malloc((size_t)used * sizeof *t))) {
            err_set(e, "out of memory");
            goto done;
        }
        for (int64_t b = 0; b < used; b++) {
            s += norm[b * G + g];
            if (rk[b * G + g] < (double)n_top)
                t[nt++] = rk[b * G + g];
        }
        r->variances_norm[g] = s / (double)used;
        r->nbatches_hv[g] = (int32_t)nt;
        if (nt == 0)
            r->rank[g] = NAN;
        else {
            qsort(t, (size_t)nt, sizeof *t, cmp_double);
            r->rank[g] = nt % 2 ? t[nt / 2] : (t[nt / 2 - 1] + t[nt / 2]) / 2;
        }
        if (t != top)
            free(t);
        sk[g] = (skey){r->rank[g], r->nbatches_hv[g], g};
    }
    qsort(sk, (size_t)G, sizeof *sk, flavor == HVG_SEURAT_V3_PAPER ? skey_cmp_paper : skey_cmp_v3);
    for (int64_t p = 0; p < n_top; p++) {
        r->order[p] = sk[p].i;
        r->highly_variable[sk[p].i] = 1;
    }
    rc = 0;
done:
    free(cnt);
    free(rows);
    free(start);
    free(S);
    free(Q);
    free(norm);
    free(work);
    free(pos);
    free(rk);
    free(vk);
    free(sk);
    if (rc)
        hvg_result_free(r);
    return rc;
}

int hvg_seurat_v3(const sc_csr *X, const int32_t *batch, int nbatches, int64_t n_top,
                  double span, hvg_result *r, sc_err *e)
{
    return hvg_seurat_v3_flavor(X, batch, nbatches, NULL, n_top, span, HVG_SEURAT_V3, r, e);
}

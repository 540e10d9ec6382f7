/* qc.c: quality metrics of cells and genes (definitions in qc.h). */
#include "qc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsubset.h"

static int is_mito(const char *s)
{
    return s && (strncmp(s, "MT-", 3) == 0 || strncmp(s, "mt-", 3) == 0);
}

static int is_ribo(const char *s)
{
    return s && (strncmp(s, "RPS", 3) == 0 || strncmp(s, "RPL", 3) == 0 ||
                 strncmp(s, "Rps", 3) == 0 || strncmp(s, "Rpl", 3) == 0);
}

/* Name of gene j in a string or categorical column (NULL if missing). */
static const char *col_name(const sc_column *c, int64_t j)
{
    if (c->kind == SC_COL_STR)
        return c->str[j];
    if (c->kind == SC_COL_CAT && c->codes[j] >= 0 && c->codes[j] < c->ncats)
        return c->cats[c->codes[j]];
    return NULL;
}

static void flag(const sc_dataset *d, const sc_column *c, qc_genes *q)
{
    q->nmito = q->nribo = 0;
    for (int64_t j = 0; j < d->var.n; j++) {
        const char *s = c ? col_name(c, j) : d->var.index[j];
        q->mito[j] = (uint8_t)is_mito(s);
        q->ribo[j] = (uint8_t)is_ribo(s);
        q->nmito += q->mito[j];
        q->nribo += q->ribo[j];
    }
}

int qc_genes_find(const sc_dataset *d, qc_genes *q, sc_err *e)
{
    static const char *const symbol_cols[] = {"gene_symbols", "feature_name", "gene_name",
                                              "gene_names", "symbol", NULL};
    memset(q, 0, sizeof *q);
    int64_t G = d->X.ncols;
    q->mito = sc_calloc(e, (size_t)G, 1);
    q->ribo = q->mito ? sc_calloc(e, (size_t)G, 1) : NULL;
    if (!q->ribo) {
        qc_genes_free(q);
        return -1;
    }
    q->source = "var index";
    flag(d, NULL, q);
    if (q->nmito || q->nribo)
        return 0;
    for (const char *const *name = symbol_cols; *name; name++) {
        int k = frame_find(&d->var, *name);
        if (k < 0 || (d->var.cols[k].kind != SC_COL_STR && d->var.cols[k].kind != SC_COL_CAT))
            continue;
        flag(d, &d->var.cols[k], q);
        if (q->nmito || q->nribo) {
            q->source = d->var.cols[k].name;
            return 0;
        }
    }
    flag(d, NULL, q); /* none anywhere: all zero, from the index */
    return 0;
}

void qc_genes_free(qc_genes *q)
{
    free(q->mito);
    free(q->ribo);
    memset(q, 0, sizeof *q);
}

void qc_cell_metrics(const sc_dataset *d, const qc_genes *q, double *total, double *ngenes,
                     double *pct_mt, double *pct_ribo)
{
    const sc_csr *X = &d->X;
    for (int64_t i = 0; i < X->nrows; i++) {
        double t = 0, mt = 0, rb = 0;
        int64_t ng = 0;
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
            double v = X->data[k];
            int32_t j = X->indices[k];
            t += v;
            ng += v > 0;
            if (q) {
                mt += q->mito[j] ? v : 0;
                rb += q->ribo[j] ? v : 0;
            }
        }
        if (total)
            total[i] = t;
        if (ngenes)
            ngenes[i] = (double)ng;
        /* 0/0 is NaN on purpose: a cell without counts has no percentage */
        if (pct_mt)
            pct_mt[i] = t > 0 ? 100 * mt / t : NAN;
        if (pct_ribo)
            pct_ribo[i] = t > 0 ? 100 * rb / t : NAN;
    }
}

void qc_gene_metrics(const sc_dataset *d, double *ncells, double *total)
{
    const sc_csr *X = &d->X;
    if (ncells)
        memset(ncells, 0, (size_t)X->ncols * sizeof *ncells);
    if (total)
        memset(total, 0, (size_t)X->ncols * sizeof *total);
    int64_t nnz = X->indptr[X->nrows];
    for (int64_t k = 0; k < nnz; k++) {
        if (ncells)
            ncells[X->indices[k]] += X->data[k] > 0;
        if (total)
            total[X->indices[k]] += X->data[k];
    }
}

int qc_store(sc_dataset *d, qc_genes *qout, sc_err *e)
{
    int64_t N = d->X.nrows, G = d->X.ncols;
    qc_genes q;
    if (qc_genes_find(d, &q, e) < 0)
        return -1;
    double *v[6] = {0};
    int rc = 0;
    for (int k = 0; k < 6 && rc == 0; k++)
        if (!(v[k] = sc_calloc(e, (size_t)(k < 4 ? N : G), sizeof(double))))
            rc = -1;
    if (rc == 0) {
        qc_cell_metrics(d, &q, v[0], v[1], v[2], v[3]);
        qc_gene_metrics(d, v[4], v[5]);
        static const char *const names[6] = {"total_counts",      "n_genes_by_counts",
                                             "pct_counts_mt",     "pct_counts_ribo",
                                             "n_cells_by_counts", "total_counts"};
        /* counts of integer data print without decimals */
        int integral = 1;
        int64_t nnz = d->X.indptr[N];
        for (int64_t k = 0; k < nnz && integral; k++)
            integral = d->X.data[k] == floorf(d->X.data[k]);
        static const int always_int[6] = {0, 1, 0, 0, 1, 0};
        for (int k = 0; k < 6 && rc == 0; k++) {
            int is_int = always_int[k] || ((k == 0 || k == 5) && integral);
            rc = frame_set_num(k < 4 ? &d->obs : &d->var, names[k], v[k], is_int, e);
            if (rc == 0)
                v[k] = NULL;
        }
    }
    for (int k = 0; k < 6; k++)
        free(v[k]);
    if (rc == 0 && qout)
        *qout = q;
    else
        qc_genes_free(&q);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int qc_quantiles(const double *v, int64_t n, const double *p, int np, double *out, sc_err *e)
{
    double *s = sc_calloc(e, (size_t)(n > 0 ? n : 1), sizeof *s);
    if (!s)
        return -1;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[m++] = v[i];
    qsort(s, (size_t)m, sizeof *s, cmp_double);
    for (int k = 0; k < np; k++) {
        if (m == 0) {
            out[k] = NAN;
            continue;
        }
        double pos = p[k] * (double)(m - 1);
        int64_t lo = (int64_t)floor(pos);
        int64_t hi = lo + 1 < m ? lo + 1 : lo;
        out[k] = s[lo] + (pos - (double)lo) * (s[hi] - s[lo]);
    }
    free(s);
    return 0;
}

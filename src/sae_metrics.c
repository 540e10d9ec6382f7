/* sae_metrics.c: reconstruction and sparsity metrics (see sae_metrics.h). */
#include "sae_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sae_eval_init(sae_eval *ev, int d, sc_err *e)
{
    memset(ev, 0, sizeof *ev);
    ev->d = d;
    ev->sum = sc_calloc(e, (size_t)d, sizeof *ev->sum);
    return ev->sum ? 0 : -1;
}

void sae_eval_free(sae_eval *ev)
{
    free(ev->sum);
    memset(ev, 0, sizeof *ev);
}

void sae_eval_reset(sae_eval *ev)
{
    ev->n = ev->nnz = 0;
    ev->se = ev->ss = 0;
    memset(ev->sum, 0, (size_t)ev->d * sizeof *ev->sum);
}

void sae_eval_add(sae_eval *ev, const float *X, const float *Xh, int B, int64_t nnz)
{
    int d = ev->d;
    for (int b = 0; b < B; b++) {
        const float *x = X + (size_t)b * d, *xh = Xh + (size_t)b * d;
        for (int c = 0; c < d; c++) {
            double t = (double)x[c] - xh[c];
            ev->se += t * t;
            ev->sum[c] += x[c];
            ev->ss += (double)x[c] * x[c];
        }
    }
    ev->n += B;
    ev->nnz += nnz;
}

double sae_eval_mse(const sae_eval *ev, double unit)
{
    return ev->n ? ev->se / ((double)ev->n * ev->d) / (unit * unit) : NAN;
}

double sae_eval_fvu(const sae_eval *ev)
{
    if (!ev->n)
        return NAN;
    /* total variance sum ||x - mean||^2 = sum ||x||^2 - n ||mean||^2 */
    double tv = ev->ss;
    for (int c = 0; c < ev->d; c++)
        tv -= ev->sum[c] * ev->sum[c] / (double)ev->n;
    return tv > 0 ? ev->se / tv : NAN;
}

double sae_eval_l0(const sae_eval *ev)
{
    return ev->n ? (double)ev->nnz / (double)ev->n : NAN;
}

double sae_dead_share(const int64_t *since_fired, int m, int64_t window)
{
    int64_t dead = 0;
    for (int j = 0; j < m; j++)
        dead += since_fired[j] >= window;
    return m ? (double)dead / m : NAN;
}

double sae_dense_share(const int64_t *fired, int m, int64_t ncells, double frac)
{
    if (!m || ncells <= 0)
        return NAN;
    int64_t dense = 0;
    for (int j = 0; j < m; j++)
        dense += (double)fired[j] > frac * (double)ncells;
    return (double)dense / m;
}

typedef struct dens_ctx {
    int64_t *count;
    int32_t *ri;
    float *rv;
} dens_ctx;

int sae_density(const sae_model *M, const float *X, int64_t n, double *freq, sc_err *e)
{
    /* through sae_encode in slices, so no CSR of all cells is kept */
    int m = M->m;
    int64_t *count = sc_calloc(e, (size_t)m, sizeof *count);
    if (!count)
        return -1;
    const int64_t slice = 4096;
    for (int64_t r0 = 0; r0 < n; r0 += slice) {
        int64_t b = n - r0 < slice ? n - r0 : slice;
        sae_csr f;
        if (sae_encode(M, X + (size_t)r0 * M->d, b, &f, e) < 0) {
            free(count);
            return -1;
        }
        for (int64_t t = 0; t < f.indptr[b]; t++)
            count[f.indices[t]]++;
        sae_csr_free(&f);
    }
    for (int j = 0; j < m; j++)
        freq[j] = n > 0 ? (double)count[j] / (double)n : 0;
    free(count);
    return 0;
}

void sae_csr_density(const sae_csr *f, double *freq)
{
    memset(freq, 0, (size_t)f->ncols * sizeof *freq);
    for (int64_t t = 0; t < f->indptr[f->nrows]; t++)
        freq[f->indices[t]] += 1; /* counts: exact in double */
    for (int32_t j = 0; j < f->ncols; j++)
        freq[j] = f->nrows > 0 ? freq[j] / (double)f->nrows : 0;
}

void sae_dead_dense(const double *freq, int m, double frac, int64_t *dead, int64_t *dense)
{
    *dead = *dense = 0;
    for (int j = 0; j < m; j++) {
        *dead += freq[j] == 0;
        *dense += freq[j] > frac;
    }
}

int sae_measure_all(const sae_model *M, const float *X, int64_t n, const sae_csr *f,
                    sae_measure *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    float *Xh = sc_calloc(e, (size_t)n * (size_t)M->d + 1, sizeof *Xh);
    double *freq = Xh ? sc_calloc(e, (size_t)M->m, sizeof *freq) : NULL;
    sae_eval ev;
    int rc = -1;
    if (freq && sae_decode(M, f, Xh, e) == 0 && sae_eval_init(&ev, M->d, e) == 0) {
        sae_eval_add(&ev, X, Xh, (int)n, f->indptr[n]);
        out->l0 = sae_eval_l0(&ev);
        out->fvu = sae_eval_fvu(&ev);
        out->mse = sae_eval_mse(&ev, 1);
        sae_eval_free(&ev);
        sae_csr_density(f, freq);
        sae_dead_dense(freq, M->m, M->cfg.dense_frac, &out->dead, &out->dense);
        rc = 0;
    }
    free(freq);
    free(Xh);
    return rc;
}

void sae_density_hist(const double *freq, int m, double lo, double hi, int nbins, int64_t *counts,
                      int64_t *never)
{
    memset(counts, 0, (size_t)nbins * sizeof *counts);
    *never = 0;
    for (int j = 0; j < m; j++) {
        if (!(freq[j] > 0)) {
            (*never)++;
            continue;
        }
        int bin = (int)floor((log10(freq[j]) - lo) / (hi - lo) * nbins);
        bin = bin < 0 ? 0 : bin >= nbins ? nbins - 1 : bin;
        counts[bin]++;
    }
}

/* sae_metrics.h: the numbers the SAE literature reports.
 *
 *   MSE    mean over cells and dimensions of (x - x^)^2, in input units
 *   FVU    fraction of variance unexplained: sum ||x - x^||^2 / sum ||x - mean x||^2
 *   L0     mean number of active features per cell
 *   dead   share of features silent over the last N training cells
 *   dense  share of features active on more than 10 % of cells
 *   density  per-feature firing frequency, and its log10 histogram */
#ifndef SC_SAE_METRICS_H
#define SC_SAE_METRICS_H

#include <stdint.h>

#include "err.h"
#include "sae.h"

/* Accumulates reconstructions of a set of cells, batch by batch. */
typedef struct sae_eval {
    int d;
    int64_t n, nnz;
    double se;       /* sum ||x - x^||^2 */
    double *sum, ss; /* per-dimension sum of x, and sum ||x||^2, for the total variance */
} sae_eval;

int sae_eval_init(sae_eval *ev, int d, sc_err *e);
void sae_eval_free(sae_eval *ev);
void sae_eval_reset(sae_eval *ev);
/* B cells X and their reconstructions Xh (both B x d, same units), with
 * nnz active features among them. */
void sae_eval_add(sae_eval *ev, const float *X, const float *Xh, int B, int64_t nnz);
/* unit: divide the squared error by unit^2 (scaled space -> input units) */
double sae_eval_mse(const sae_eval *ev, double unit);
double sae_eval_fvu(const sae_eval *ev);
double sae_eval_l0(const sae_eval *ev);

double sae_dead_share(const int64_t *since_fired, int m, int64_t window);
double sae_dense_share(const int64_t *fired, int m, int64_t ncells, double frac);

/* Firing frequency of every feature from activations already computed
 * (f: cells x features): freq[f->ncols]. */
void sae_csr_density(const sae_csr *f, double *freq);
/* Features that never fire, and that fire on more than frac of the cells. */
void sae_dead_dense(const double *freq, int m, double frac, int64_t *dead, int64_t *dense);

/* An SAE measured on every cell of its input X (n x d) with its
 * activations f there: what `sae eval` and `sae sweep` report. */
typedef struct sae_measure {
    double l0, fvu, mse;   /* mse per dimension, input units */
    int64_t dead, dense;   /* features (dense: more than cfg.dense_frac of cells) */
} sae_measure;
int sae_measure_all(const sae_model *M, const float *X, int64_t n, const sae_csr *f,
                    sae_measure *out, sc_err *e);

/* Firing frequency of every feature over n cells (inference mode): freq[m]. */
int sae_density(const sae_model *M, const float *X, int64_t n, double *freq, sc_err *e);
/* Histogram of log10(freq) over nbins equal bins of [lo, hi) (values below
 * lo go to the first bin, above to the last); features that never fire are
 * counted in *never instead. */
void sae_density_hist(const double *freq, int m, double lo, double hi, int nbins, int64_t *counts,
                      int64_t *never);

#endif

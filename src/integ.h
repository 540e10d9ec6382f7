/* integ.h: how well an embedding (a VAE latent) mixes batches and keeps
 * cell types apart, by the definitions of scib / scib-metrics (Luecken et
 * al. 2022), so figures compare with published benchmarks and with
 * tests/peer/vae_peer.py.
 *
 * The embedding is n cells x d floats, row-major; batch and cell-type
 * labels are int32 codes in [0, ncodes).  Every score is in [0, 1], higher
 * is better:
 *
 *   iLISI         batch mixing.  Per cell, the inverse Simpson index of the
 *                 batches among its k nearest neighbours (self excluded),
 *                 weighted by a Gaussian kernel on the Euclidean distance
 *                 whose width is set so the weights have perplexity
 *                 floor(k/3) (Korsunsky et al. 2019; scib-metrics' default
 *                 perplexity).  It ranges from 1 (all neighbours from one
 *                 batch) to B (even draws from all B batches).  Scaled as
 *                 scib does: (median over cells - 1) / (B - 1).
 *   batch ASW     batch mixing within cell types (scib's silhouette_batch):
 *                 per cell type with 2 or more batches (and fewer batches
 *                 than cells), the silhouette s of each cell with the
 *                 batches as clusters; the type's score is the mean of
 *                 1 - |s|; the result the mean over those types.
 *   cell-type ASW bio conservation (scib's silhouette_label): (mean
 *                 silhouette with the cell types as clusters + 1) / 2.
 *   kNN purity    bio conservation: the mean over cells of the share of
 *                 their k nearest neighbours that have their cell type.
 *
 * Silhouettes follow scikit-learn's silhouette_samples: Euclidean
 * distances, a = mean distance to the rest of the own cluster, b = the
 * smallest mean distance to another cluster, s = (b - a) / max(a, b), and
 * s = 0 for a cell alone in its cluster (or when a = b = 0).
 *
 * Distances come from blocks of X X^T (dgemm: the embedding is small, and
 * double keeps neighbour order and silhouettes equal to scikit-learn's in
 * float64).  integ_score makes one pass over all pairs for the kNN lists
 * and both silhouettes: exact, O(n^2 d) time, n x (types + batches) sums;
 * about 1 s for 10k cells and 25 s for 50k on 2 threads.  Rows are split
 * over OpenMP threads; results do not depend on the thread count. */
#ifndef SC_INTEG_H
#define SC_INTEG_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

#define INTEG_K_DEFAULT 15

/* The k nearest neighbours of every cell, self excluded: n x k, sorted by
 * distance (ties by index); dist is the Euclidean distance. */
typedef struct integ_knn {
    int64_t n;
    int k;
    int32_t *idx;
    double *dist;
} integ_knn;

/* Exact kNN of the rows of X (n x d).  Needs 1 <= k < n. */
int integ_knn_build(const float *X, int64_t n, int d, int k, integ_knn *out, sc_err *e);
void integ_knn_free(integ_knn *g);

/* Per-cell LISI of `labels` (ncodes codes) on the graph, perplexity p
 * (0 < p < k).  out: n values in [1, ncodes]. */
int integ_lisi(const integ_knn *g, const int32_t *labels, int ncodes, double p, double *out,
               sc_err *e);

/* Share of each cell's neighbours with its own label, averaged over cells. */
double integ_knn_purity(const integ_knn *g, const int32_t *labels);

/* Per-cell silhouettes of X (n x d) for one labelling (scikit-learn's
 * silhouette_samples).  Needs at least 2 distinct labels among the cells. */
int integ_silhouette(const float *X, int64_t n, int d, const int32_t *labels, int ncodes,
                     double *out, sc_err *e);

typedef struct integ_scores {
    int64_t n;          /* cells scored */
    int k;
    double perplexity;  /* floor(k / 3) */
    int nbatch, nlabel; /* batches and cell types present */
    double ilisi;       /* scaled, see above; NaN with one batch */
    double ilisi_median;/* unscaled median LISI, in [1, nbatch] */
    double batch_asw;   /* NaN when no cell type has 2+ batches */
    int batch_asw_types;/* cell types that entered batch_asw */
    double label_asw;   /* NaN with one cell type */
    double purity;
} integ_scores;

/* All four scores.  batch/label: codes in [0, nbatch) / [0, nlabel). */
int integ_score(const float *X, int64_t n, int d, const int32_t *batch, int nbatch,
                const int32_t *label, int nlabel, int k, integ_scores *out, sc_err *e);

/* Codes of a categorical or string obs column (distinct strings numbered
 * in sorted order); a missing value gets -1.  *codes (n) is the
 * caller's. */
int integ_codes(const sc_column *col, int64_t n, int32_t **codes, int *ncodes, sc_err *e);

#endif

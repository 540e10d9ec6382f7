/* hvg.h: highly variable genes, Seurat v3 flavour (Stuart et al. 2019,
 * Cell 177:1888), computed as scanpy's
 *   sc.pp.highly_variable_genes(adata, flavor="seurat_v3", n_top_genes=N,
 *                               batch_key=..., span=...)
 * does on counts (scanpy 1.11):
 *
 *   per batch b (batches in the order of their names, as np.unique):
 *     mean and variance (ddof 1) of every gene over the batch's cells;
 *     genes with variance > 0: loess(log10 var ~ log10 mean, span, degree 2,
 *       skmisc defaults) -> fitted; others fitted = 0;
 *     reg_std = sqrt(10^fitted); counts clipped at reg_std * sqrt(n_b) + mean;
 *     variances_norm_b = sum((clipped - mean)^2) / ((n_b - 1) * reg_std^2);
 *     rank_b = position in decreasing variances_norm_b (0 = most variable)
 *   nbatches = number of batches with rank_b < N;
 *   rank = median of the rank_b that are < N (NaN when none);
 *   variances_norm = mean over batches; means/variances over all cells;
 *   genes sorted by (rank ascending, NaN last; nbatches descending), the
 *   first N are highly variable.  Flavor seurat_v3_paper sorts by
 *   (nbatches descending, rank ascending) instead.
 *
 * Ties: scanpy ranks with numpy's default (unstable) argsort, whose order
 * among exactly equal variances_norm depends on the CPU's SIMD sort path
 * (numpy's AVX2 and baseline builds pick different genes); here exact ties
 * keep gene order (a stable sort, like R's order() in Seurat), so results
 * are the same on every machine.  The peer script tests/peer/hvg_peer.py
 * shows both. */
#ifndef SC_HVG_H
#define SC_HVG_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

typedef enum { HVG_SEURAT_V3, HVG_SEURAT_V3_PAPER } hvg_flavor;

typedef struct hvg_result {
    int64_t ngenes;
    int64_t n_top;
    int nbatches;            /* non-empty batches used */
    double *means;           /* over all cells */
    double *variances;       /* over all cells, ddof 1 */
    double *variances_norm;  /* mean over batches of the clipped standardised variance */
    double *rank;            /* median rank over the batches where the gene is in the top
                              * n_top; NaN when it is in none */
    int32_t *nbatches_hv;    /* batches where the gene is in the top n_top */
    uint8_t *highly_variable;
    int64_t *order;          /* the n_top selected genes, best first */
    int64_t nsing;           /* loess fits that needed a pseudo-inverse (skmisc stops there) */
    int sing_batch;          /* first batch where that happened (-1: none) */
} hvg_result;

/* X: cells x genes counts.  batch: NULL (one batch) or a code in
 * [0, nbatches) per cell; batches are processed in code order, so pass codes
 * sorted by batch name to match scanpy's averaging order.  Empty batches are
 * skipped; a batch with one cell is an error.  span: loess span (0.3 in
 * scanpy).  r is filled on success and must be freed with hvg_result_free. */
int hvg_seurat_v3(const sc_csr *X, const int32_t *batch, int nbatches, int64_t n_top,
                  double span, hvg_result *r, sc_err *e);
/* The same with a choice of flavor and, for messages, the batch names by
 * code (NULL: batches are named by code). */
int hvg_seurat_v3_flavor(const sc_csr *X, const int32_t *batch, int nbatches,
                         const char *const *batch_names, int64_t n_top, double span,
                         hvg_flavor flavor, hvg_result *r, sc_err *e);
void hvg_result_free(hvg_result *r);

/* Batch codes for hvg_seurat_v3 from the categorical column `col` (n rows),
 * renumbered so batches come in the order of their names (strcmp), the
 * order of numpy.unique that fixes scanpy's averaging order.  A missing
 * value (code -1) is an error naming the cell.  *codes is the caller's. */
int hvg_batch_codes(const sc_column *col, int64_t n, int32_t **codes, int *nbatches, sc_err *e);

/* The category names of col in the order of those codes (pointers into
 * col->cats; free only the array).  NULL when out of memory. */
const char **hvg_batch_names(const sc_column *col, sc_err *e);

/* 1 when every stored value is a non-negative integer (raw counts). */
int hvg_looks_like_counts(const sc_csr *X);

#endif

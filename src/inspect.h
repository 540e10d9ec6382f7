/* inspect.h: per-feature views over an activation source.
 *
 * A source is either
 *   - SAE activations, a cells x features CSR matrix (int64 indptr, int32
 *     indices, float values): view j is feature j; its active cells are
 *     those with a value > 0;
 *   - a dense row-major latent (cells x dims): every dimension is taken
 *     with both signs, view 2i is "dim i+" (score x) and view 2i+1 is
 *     "dim i-" (score -x); its active cells are those with score > 0.
 * Building a source sorts each view once (highest score first, OpenMP over
 * views); every later question about a view walks that order (stats.h).
 * Memory: 8 bytes per stored activation, 16 bytes per cell and dim. */
#ifndef SC_INSPECT_H
#define SC_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "stats.h"

typedef struct inspect_src {
    int dense;       /* 0: SAE features, 1: latent directions */
    int64_t ncells;
    int32_t nview;   /* features, or 2 x dims */
    int32_t dims;    /* dense: latent dimensions */
    int64_t *ptr;    /* nview + 1 */
    int32_t *cell;   /* per view, sorted by score descending */
    float *val;
} inspect_src;

/* From a cells x features CSR matrix; `what` names it in errors.  Checks
 * indptr (starts at 0, never decreases), indices in range and values
 * finite; stored zeros are dropped. */
int inspect_src_sparse(inspect_src *s, int64_t ncells, int32_t nfeat, const int64_t *indptr,
                       const int32_t *indices, const float *data, const char *what, sc_err *e);
/* From a dense row-major cells x dims latent (values must be finite). */
int inspect_src_dense(inspect_src *s, int64_t ncells, int32_t dims, const float *X,
                      const char *what, sc_err *e);
void inspect_src_free(inspect_src *s);

/* View j as a ranked score (borrowing the source's arrays). */
void inspect_ranked(const inspect_src *s, int32_t j, stats_ranked *r);
/* "feature 12" or "dim 3+" / "dim 3-". */
void inspect_view_name(const inspect_src *s, int32_t j, char *buf, size_t size);
/* For comparisons that need a threshold inside the active cells (F1 of a
 * feature never predicts its inactive cells): 1 for SAE features. */
int inspect_positive_only(const inspect_src *s);

/* Cells with a score > 0. */
int64_t inspect_active(const inspect_src *s, int32_t j);
/* Share of all cells that are active. */
double inspect_density(const inspect_src *s, int32_t j);

/* The M highest-scoring cells, best first (features: active cells only, so
 * fewer than M when fewer are active).  Returns how many were written. */
int64_t inspect_top(const inspect_src *s, int32_t j, int64_t M, int32_t *cells, float *vals);

/* Histogram in nbins equal bins over [*lo, *hi] (the smallest and largest
 * value binned): features bin their active scores and count the other
 * cells in *inactive; latent directions bin every cell (*inactive = 0).
 * With nothing to bin every count is 0 and lo = hi = 0. */
void inspect_hist(const inspect_src *s, int32_t j, int32_t nbins, int64_t *count, double *lo,
                  double *hi, int64_t *inactive);

/* Labels passed below cover the source's cells (l->n == s->ncells); the
 * callers that build both check it once. */

/* Purity of a view against a categorical label, over its active cells
 * (top_m == 0) or its top_m highest-scoring cells; cells with a missing
 * label are skipped (and not counted in top_m). */
typedef struct inspect_purity {
    int64_t ncells;   /* labelled cells in the set */
    int32_t top_cat;  /* most common category in the set; -1 when empty */
    double share;     /* its share of the set */
    double entropy;   /* bits, of the set's category distribution */
    int64_t *count;   /* caller's array of l->ncat: cells per category in the set */
    double *auroc;    /* caller's array of l->ncat: one-vs-rest AUROC of the score (all cells) */
} inspect_purity;
void inspect_purity_of(const inspect_src *s, int32_t j, const stats_label *l, int64_t top_m,
                       inspect_purity *out, stats_ws *ws);

/* Association of a view with one label (batch, condition, cell type).
 *   auroc_dev = max over categories of |AUROC_c - 0.5| (auroc_cat, auroc:
 *               the category reaching it and its AUROC);
 *   mi        = mutual information (bits) between the binned score and the
 *               label: features binned active / inactive, latent directions
 *               in INSPECT_DENSE_BINS equal-count bins;
 *   u         = mi / H(binned score): the share of the score's uncertainty
 *               the label explains (Theil's U, 0..1; 0 for a dead view). */
#define INSPECT_DENSE_BINS 8
typedef struct inspect_assoc {
    double auroc_dev, auroc;
    int32_t auroc_cat;
    double mi, u;
} inspect_assoc;
/* ws: sized for l->ncat categories and INSPECT_DENSE_BINS bins. */
int inspect_assoc_of(const inspect_src *s, int32_t j, const stats_label *l, stats_ws *ws,
                     inspect_assoc *out, sc_err *e);

/* "Follows batch more than biology": the batch label explains a real share
 * of the view's activity and more of it than any biological label does:
 *     batch->u >= min_u  and  batch->u > bio[k].u for every k.
 * U is used instead of AUROC because AUROC measures coverage: a feature on a
 * random 2 % of one batch's cells has batch AUROC 0.52 yet is pure batch,
 * and its U is about 0.14.  Suggested min_u: INSPECT_BATCH_MIN_U. */
#define INSPECT_BATCH_MIN_U 0.05
int inspect_follows_batch(const inspect_assoc *batch, const inspect_assoc *bio, int nbio,
                          double min_u);

/* Log-normalised expression (cells x genes CSR) prepared for correlation
 * with any view: a genes x cells copy with each value's rank among the
 * gene's cells (average ranks, zeros tied).  12 bytes per stored value. */
typedef struct inspect_genes {
    int64_t ncells, ngenes;
    int64_t *ptr;   /* ngenes + 1 */
    int32_t *cell;
    float *val;
    float *rdev;    /* rank of the value minus the rank of the gene's zeros */
    double *mean, *sd;     /* of the expression, over all cells (population sd) */
    double *rsd;           /* of the ranks */
    double *zdev;          /* rank of the gene's zeros minus (n + 1) / 2 */
} inspect_genes;
int inspect_genes_prepare(inspect_genes *g, const sc_csr *X, const char *what, sc_err *e);
void inspect_genes_free(inspect_genes *g);

/* Pearson and Spearman (average ranks) correlation of view j with every
 * gene, OpenMP over genes; NaN for a constant gene or a constant view.
 * Either output may be NULL. */
int inspect_gene_corr(const inspect_src *s, int32_t j, const inspect_genes *g, double *pearson,
                      double *spearman, sc_err *e);

/* Indices of the k largest (top) and k smallest (bottom) finite values of
 * r, in order; NaN skipped.  Returns how many were written to each. */
int32_t inspect_top_genes(const double *r, int64_t n, int32_t k, int32_t *top, int32_t *bottom);

#endif

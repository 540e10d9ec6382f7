/* loess.h: local quadratic regression of one response on one predictor, as
 * defined by Cleveland, Grosse & Shyu (loess; "Local regression models",
 * Statistical Models in S, 1992) and computed by their netlib dloess, which
 * scikit-misc wraps and scanpy's seurat_v3 HVG selection calls.
 *
 * Only what a Gaussian fit with one predictor needs is here (that is what
 * highly-variable-gene selection uses); robustness iterations, standard
 * errors and the trace of the hat matrix are left out because they do not
 * change the fitted values of a Gaussian fit.
 *
 * The fit at a point q uses the nf = floor(n * span + 1e-5) points nearest to
 * q with tricube weights (1 - (|x - q| / r)^3)^3, r the distance of the nf-th
 * nearest, and solves the weighted least-squares problem for a polynomial of
 * the given degree in (x - q) through a pseudo-inverse (singular values below
 * 100 * DBL_EPSILON times the largest are dropped and counted in nsing).
 *
 * Surfaces:
 *   LOESS_DIRECT       fit at every data point.
 *   LOESS_INTERPOLATE  dloess's default: split the bounding box of x (widened
 *                      by 0.5 % of its range on each side) into cells, halving
 *                      at the median until a cell holds at most
 *                      floor(n * span * cell) points; fit value and slope at
 *                      every cell boundary (vertex) and evaluate the data
 *                      points by cubic Hermite interpolation inside their
 *                      cell.  Ties at a median are moved to the nearest gap. */
#ifndef SC_LOESS_H
#define SC_LOESS_H

#include <stdint.h>

#include "err.h"

typedef enum { LOESS_INTERPOLATE, LOESS_DIRECT } loess_surface;

typedef struct loess_opts {
    double span;           /* share of the points in each neighbourhood, > 0 */
    int degree;            /* 0, 1 or 2 */
    loess_surface surface;
    double cell;           /* interpolate: cells hold <= floor(n * span * cell) points */
} loess_opts;

/* What the fit did, for messages and tests. */
typedef struct loess_info {
    int64_t nf;       /* points in each neighbourhood */
    int64_t nvert;    /* interpolate: vertices of the k-d tree */
    int64_t ncell;    /* interpolate: cells of the k-d tree (leaves and inner) */
    int64_t nsing;    /* local fits solved with a reduced-rank pseudo-inverse */
    double sing_at;   /* where the first such fit was */
} loess_info;

/* skmisc's defaults: span 0.75, degree 2, interpolate, cell 0.2. */
void loess_opts_default(loess_opts *o);

/* Fit y ~ x (n points, prior weights w or NULL for all 1) and write the
 * fitted values at the n data points into `fitted`.  Errors: non-finite
 * input, a span too small for the degree, a neighbourhood of zero width.
 * A near-singular local fit is not an error (see info->nsing); netlib's code
 * only warns there, though scikit-misc turns that warning into an error. */
int loess_fit(const double *x, const double *y, const double *w, int64_t n, const loess_opts *o,
              double *fitted, loess_info *info, sc_err *e);

#endif

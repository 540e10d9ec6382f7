/* normalize.h: library-size normalisation for inspection, as scanpy's
 *   sc.pp.normalize_total(adata, target_sum=T); sc.pp.log1p(adata)
 * computes it on float32 counts: each cell's values divided by
 * (its total / T), then optionally log(1 + x).  Models train on the counts;
 * this is only for looking at expression and correlations. */
#ifndef SC_NORMALIZE_H
#define SC_NORMALIZE_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

/* Fill `out` (same shape and sparsity pattern as X, newly allocated) with
 * the normalised values.  Cells with no counts stay zero; their number goes
 * to *zero_cells when it is not NULL.  target must be positive. */
int normalize_total(const sc_csr *X, double target, int log1p, sc_csr *out, int64_t *zero_cells,
                    sc_err *e);

#endif

/* normalize.c: normalize_total + log1p in scanpy's float32 arithmetic (the
 * cell total summed in double and stored as float, the factor total / T and
 * the division in float, log1pf), so values match scanpy's to the bit in the
 * common case. */
#include "normalize.h"

#include <math.h>
#include <string.h>

int normalize_total(const sc_csr *X, double target, int log1p, sc_csr *out, int64_t *zero_cells,
                    sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (!(target > 0) || !isfinite(target))
        return err_set(e, "normalize: target must be a positive number, not %g", target);
    int64_t nnz = X->indptr[X->nrows], zeros = 0;
    out->nrows = X->nrows;
    out->ncols = X->ncols;
    out->indptr = sc_calloc(e, (size_t)X->nrows + 1, sizeof *out->indptr);
    out->indices = sc_calloc(e, nnz > 0 ? (size_t)nnz : 1, sizeof *out->indices);
    out->data = sc_calloc(e, nnz > 0 ? (size_t)nnz : 1, sizeof *out->data);
    if (!out->indptr || !out->indices || !out->data) {
        csr_free(out);
        return -1;
    }
    memcpy(out->indptr, X->indptr, ((size_t)X->nrows + 1) * sizeof *out->indptr);
    if (nnz > 0)
        memcpy(out->indices, X->indices, (size_t)nnz * sizeof *out->indices);
    float t = (float)target;
    for (int64_t i = 0; i < X->nrows; i++) {
        double sum = 0;
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
            sum += X->data[k];
        float f = (float)sum / t;
        if (f == 0) {
            zeros++;
            f = 1; /* nothing to scale; scanpy divides by 1 too */
        }
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
            float v = X->data[k] / f;
            out->data[k] = log1p ? log1pf(v) : v;
        }
    }
    if (zero_cells)
        *zero_cells = zeros;
    return 0;
}

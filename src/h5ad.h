/* h5ad.h: read an AnnData .h5ad file into an sc_dataset.
 *
 * Supported: X (or raw/X, or layers/NAME) as csr_matrix, csc_matrix
 * (converted to CSR) or a dense 2-D array, any integer or float dtype;
 * obs/var in the `dataframe` encoding (categorical, nullable-integer,
 * nullable-boolean, nullable-string-array, string-array, numeric and bool
 * columns) and the older layouts (0.7: `__categories` subgroup; 0.6: compound
 * datasets with `uns/COL_categories`); obsm dense 2-D arrays (dataframe and
 * sparse entries are skipped).  Everything is validated before use (see
 * csr_validate): rows with unsorted column indices are sorted (and noted),
 * duplicates, NaN/Inf and negative counts are errors; messages name the file
 * and the object path. */
#ifndef SC_H5AD_H
#define SC_H5AD_H

#include <stdint.h>

#include "dataset.h"

typedef struct h5ad_opts {
    const char *layer; /* NULL (or "X"): X; "raw": raw/X (with raw/var); else layers/NAME */
} h5ad_opts;

/* Read path into *out, which is overwritten (pass a zeroed dataset).  On
 * error *out is left zeroed and e names the file, the object and what was
 * expected.  out->layers lists the file's other matrices by the name
 * `layer=` takes ("X", "raw", or a layers/ name). */
int h5ad_read(const char *path, const h5ad_opts *o, sc_dataset *out, sc_err *e);

/* After a successful h5ad_read: how many var names were made unique (anndata's
 * rule: a repeated "X" becomes "X-1", ...), and a one-line note of anything
 * else worth telling the user (skipped columns or obsm entries), "" if none.
 * Valid until the next h5ad_read. */
int64_t h5ad_last_renamed(void);
const char *h5ad_last_note(void);

#endif

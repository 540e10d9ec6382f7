/* tenx.h: read a Cell Ranger feature-barcode matrix (.h5) into an sc_dataset.
 *
 * v3 (Cell Ranger >= 3): matrix/{data,indices,indptr,shape,barcodes} and
 * matrix/features/{id,name,feature_type,genome}; only "Gene Expression"
 * features are kept.  v2 / 1.x: one group per genome, GENOME/{data,indices,
 * indptr,shape,barcodes,genes,gene_names}.  The stored matrix is genes x
 * cells CSC, which is cells x genes CSR as it lies.
 *
 * var: index = gene symbol (made unique, anndata's rule), columns gene_ids,
 * and for v3 feature_types and genome (scanpy's names); obs index = barcodes. */
#ifndef SC_TENX_H
#define SC_TENX_H

#include <stdint.h>

#include "dataset.h"

typedef struct tenx_opts {
    /* v2: NULL picks the only genome, else an error lists them.
     * v3: NULL keeps every genome's genes (one matrix, as scanpy does);
     *     a name keeps that genome's genes. */
    const char *genome;
} tenx_opts;

/* Read path into *out (overwritten; left zeroed on error). */
int tenx_read(const char *path, const tenx_opts *o, sc_dataset *out, sc_err *e);

/* After a successful tenx_read: how many gene symbols were made unique, and
 * how many features were dropped (not Gene Expression, or another genome). */
int64_t tenx_last_renamed(void);
int64_t tenx_last_dropped(void);

#endif

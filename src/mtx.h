/* mtx.h: read a 10x-style MatrixMarket folder into an sc_dataset.
 *
 * The matrix is genes x cells (the 10x convention) and is transposed to
 * cells x genes CSR with sorted indices.  Accepted: `%%MatrixMarket matrix
 * coordinate integer|real|pattern general`, plain or gzip-compressed.
 * Duplicate (gene, cell) entries are summed, as scipy and scanpy do; explicit
 * zeros are kept.  Every entry is checked (1-based bounds, integer syntax for
 * `integer` files, NaN, infinity, negative values, values beyond float32) and
 * the number of entries must equal the count on the size line; messages read
 * "FILE:LINE: what was wrong".
 *
 * Files: PREFIXmatrix.mtx[.gz] with PREFIXbarcodes.tsv[.gz] and either
 * PREFIXfeatures.tsv[.gz] (id, name, feature_type: only "Gene Expression"
 * rows are kept, as scanpy's read_10x_mtx does; a file without any such row
 * is kept whole) or PREFIXgenes.tsv[.gz]
 * (id, name).  var's index is the name column (made unique the anndata way,
 * before the feature-type filter, like scanpy), `gene_ids` keeps the ids as
 * strings (integer ids stay text) and `feature_types` the type column. */
#ifndef SC_MTX_H
#define SC_MTX_H

#include <stdint.h>

#include "dataset.h"

/* What mtx_read did besides reading, for the user's summary. */
typedef struct mtx_info {
    int64_t duplicates_summed; /* entries added to an earlier one */
    int64_t genes_renamed;     /* gene names changed to make them unique */
    int64_t features_dropped;  /* non-"Gene Expression" rows left out */
    int64_t cells_duplicate;   /* barcodes that repeat an earlier one (kept) */
    char matrix_path[4096];    /* the matrix file actually read */
} mtx_info;

/* path: a folder holding the files (a file prefix such as `GSM1_matrix.mtx`
 * is found when it is the only matrix in the folder), or a matrix file whose
 * siblings share its prefix.  *out must be zeroed; it is filled only on
 * success.  info may be NULL. */
int mtx_read_info(const char *path, sc_dataset *out, mtx_info *info, sc_err *e);
int mtx_read(const char *path, sc_dataset *out, sc_err *e);

/* Does the file (plain or gzip) start with the MatrixMarket banner?  1 yes,
 * 0 no, -1 when it cannot be read (e filled). */
int mtx_sniff(const char *path, sc_err *e);

#endif

/* h5ad_write.h: write an sc_dataset (plus the models' results) as an
 * AnnData .h5ad file in anndata's on-disk encoding, so anndata.read_h5ad and
 * scanpy open it.
 *
 * Layout written (anndata >= 0.8 encoding, as anndata 0.12 itself writes):
 *   /            encoding-type "anndata" 0.1.0
 *   X            csr_matrix 0.1.0 (data float32; indices and indptr int32,
 *                or both int64 past 2^31 - 1 stored values, as scipy keeps
 *                them: scipy rejects mixed index types; attribute shape)
 *   obs, var     dataframe 0.2.0: _index attribute, column-order, the index as
 *                a string-array; columns by kind:
 *                  NUM   int64 when every value is integral and is_int is set,
 *                        else float64 (NaN stays NaN)  (array 0.2.0)
 *                  BOOL  h5py's bool (enum FALSE/TRUE of int8); with missing
 *                        values nullable-boolean 0.1.0 (values + mask)
 *                  STR   string-array 0.2.0; with missing (NULL) values a
 *                        categorical with code -1 for them, as anndata's own
 *                        strings_to_categoricals does (readable by every
 *                        anndata >= 0.7, unlike nullable-string-array)
 *                  CAT   categorical 0.2.0: codes int8/int16/int32 (pandas'
 *                        choice by the number of categories), -1 = missing,
 *                        categories string-array, ordered false
 *   obsm, varm   dict 0.1.0 of dense float32 arrays (array 0.2.0) and, for
 *                obsm, csr_matrix entries
 *   layers, obsp, varp   empty dict groups
 *   uns          dict 0.1.0 holding the h5ad_extra uns tree
 * Arrays over 64 KiB are gzip-compressed (h5write.h).
 *
 * Everything is checked before the file is created (shapes against X,
 * unique and HDF5-safe keys and column names, category codes in range,
 * unique categories, a valid CSR), and the file is written to a temporary
 * name and renamed over the target (atomic.h): on any failure the existing
 * file is left untouched and no temporary file remains. */
#ifndef SC_H5AD_WRITE_H
#define SC_H5AD_WRITE_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

/* ---- the uns tree ------------------------------------------------------
 * A small tagged tree: a dict of named nodes, each a nested dict, a string,
 * a number, a numeric array, a string array or a dataframe.  Built with the
 * uns_* functions below, which copy what they are given (uns_frame moves the
 * frame in); uns_free releases the whole tree. */
typedef enum { UNS_DICT, UNS_STR, UNS_NUM, UNS_ARRAY, UNS_STRS, UNS_FRAME } uns_kind;

typedef struct uns_node {
    char *key;     /* name inside the parent dict (NULL for a root) */
    uns_kind kind;
    char *str;     /* UNS_STR */
    double num;    /* UNS_NUM */
    int is_int;    /* UNS_NUM / UNS_ARRAY: written as int64 (values must be integral) */
    double *arr;   /* UNS_ARRAY: row-major rows x cols */
    int64_t rows, cols; /* UNS_ARRAY (cols 0: a 1-D array of `rows` values) */
    char **strs;   /* UNS_STRS: rows strings (NULL written as "") */
    sc_frame *frame; /* UNS_FRAME (owned) */
    int nkids;     /* UNS_DICT */
    struct uns_node **kids;
} uns_node;

/* A new empty dict (a root, or to be added with uns_add). */
uns_node *uns_dict_new(sc_err *e);
/* Add an empty dict under `parent` and return it (owned by the parent). */
uns_node *uns_dict(uns_node *parent, const char *key, sc_err *e);
int uns_str(uns_node *dict, const char *key, const char *v, sc_err *e);
int uns_num(uns_node *dict, const char *key, double v, sc_err *e);
int uns_int(uns_node *dict, const char *key, int64_t v, sc_err *e);
/* Numeric array; cols 0 for 1-D.  is_int: written as int64. */
int uns_array(uns_node *dict, const char *key, const double *v, int64_t rows, int64_t cols,
              int is_int, sc_err *e);
int uns_strings(uns_node *dict, const char *key, char *const *v, int64_t n, sc_err *e);
/* Move *f into the tree (f is zeroed on success; left to the caller on failure). */
int uns_frame(uns_node *dict, const char *key, sc_frame *f, sc_err *e);
/* The child of a dict named key, or NULL. */
uns_node *uns_get(const uns_node *dict, const char *key);
void uns_free(uns_node *n);

/* ---- what the models add ----------------------------------------------- */

/* A dense matrix borrowed from its owner, row-major rows x cols. */
typedef struct h5ad_dense {
    const char *key;
    int64_t rows, cols;
    const float *data;
    int nan_missing; /* NaN marks a missing value (e.g. a gene the VAE does not
                      * model); otherwise every value must be finite */
} h5ad_dense;

/* A sparse matrix borrowed from its owner (e.g. SAE activations). */
typedef struct h5ad_sparse {
    const char *key;
    const sc_csr *m;
} h5ad_sparse;

/* Everything written besides the dataset.  All borrowed; any part may be
 * empty.  An extra obsm key equal to one of the dataset's obsm keys
 * replaces the dataset's entry (a retrained X_vae replaces the loaded one). */
typedef struct h5ad_extra {
    int nobsm;
    const h5ad_dense *obsm;         /* cells x k (e.g. X_vae) */
    int nobsm_sparse;
    const h5ad_sparse *obsm_sparse; /* cells x k CSR (e.g. X_sae) */
    int nvarm;
    const h5ad_dense *varm;         /* genes x k (e.g. sae_gene_lens) */
    const uns_node *uns;            /* a UNS_DICT written as /uns, or NULL */
} h5ad_extra;

/* Write d (and x, which may be NULL) to path atomically.  Errors name the
 * file and the object ("out.h5ad:/obs/cell_type: ...").  On failure the file
 * at path, if any, is unchanged. */
int h5ad_write(const char *path, const sc_dataset *d, const h5ad_extra *x, sc_err *e);

#endif

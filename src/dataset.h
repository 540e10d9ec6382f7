/* dataset.h: the one in-memory data set every reader fills and every
 * command reads: counts as CSR, obs and var tables, obsm embeddings.
 *
 * Ownership: a dataset owns every pointer inside it; dataset_free() releases
 * all of it.  Readers build into a fresh dataset and hand it over only when it
 * is complete and validated, so a failed load never touches the session's data. */
#ifndef SC_DATASET_H
#define SC_DATASET_H

#include <stdint.h>

#include "err.h"

/* Cells x genes counts.  indices are sorted and unique within each row;
 * nnz = indptr[nrows]. */
typedef struct sc_csr {
    int64_t nrows, ncols;
    int64_t *indptr; /* nrows + 1 */
    int32_t *indices; /* nnz */
    float *data;      /* nnz */
} sc_csr;

typedef enum {
    SC_COL_NUM,  /* double; NaN = missing */
    SC_COL_BOOL, /* double 0/1; NaN = missing */
    SC_COL_STR,  /* strings; NULL = missing */
    SC_COL_CAT   /* codes into cats; -1 = missing */
} sc_col_kind;

typedef struct sc_column {
    char *name;
    sc_col_kind kind;
    int is_int;    /* NUM read from an integer dtype: print without decimals */
    double *num;   /* NUM, BOOL */
    char **str;    /* STR */
    int32_t *codes; /* CAT */
    char **cats;    /* CAT */
    int32_t ncats;
} sc_column;

typedef struct sc_frame {
    int64_t n;        /* rows */
    char *index_name; /* may be NULL */
    char **index;     /* n row names */
    int ncols;
    sc_column *cols;
} sc_frame;

/* A dense embedding, row-major rows x cols (obsm entries). */
typedef struct sc_embed {
    char *key;
    int64_t rows, cols;
    float *data;
} sc_embed;

typedef struct sc_dataset {
    sc_csr X;        /* counts */
    sc_frame obs;    /* X.nrows rows */
    sc_frame var;    /* X.ncols rows */
    int nobsm;
    sc_embed *obsm;
    int nlayers;     /* other matrices present in the source file, by name */
    char **layers;   /* ("raw" for raw/X); informational, not loaded */
    char *batch_key; /* obs column that holds the batch (NULL: one batch) */
    sc_csr norm;     /* `normalize` output for inspection (nrows 0: none) */
    double norm_target; /* its target sum; norm_log1p: log1p applied */
    int norm_log1p;
    char *name;      /* the `as` name of the first file (its batch name), or NULL */
    char *source;    /* the file(s) it came from */
    char *x_source;  /* the object X was read from, e.g. "pbmc.h5ad:/layers/counts" */
} sc_dataset;

void dataset_free(sc_dataset *d);
void frame_free(sc_frame *f);
void column_free(sc_column *c);
void csr_free(sc_csr *m);

/* Index of column `name` in f, or -1. */
int frame_find(const sc_frame *f, const char *name);

/* Append a column (takes ownership of *c's pointers on success). */
int frame_add(sc_frame *f, sc_column *c, sc_err *e);

/* Comma-separated list of the frame's column names (for "did you mean"
 * messages); writes into buf. */
void frame_names(const sc_frame *f, char *buf, size_t size);

/* Check a CSR matrix read from a file before anyone uses it: indptr starts at
 * 0, never decreases, ends at nnz; indices within [0, ncols); values finite
 * and non-negative when `counts` is set.  Unsorted or duplicate indices within
 * a row are rejected.  `what` names the source ("FILE:/X") for the message. */
int csr_validate(const sc_csr *m, int64_t nnz, int counts, const char *what, sc_err *e);

/* Sort ord[0..n) (indices into names) by name, ties by index. */
void sc_sort_names_stable(int64_t *ord, int64_t n, char **names);

/* Row of each of names[0..n) in index[0..nindex) (-1 when absent; the
 * first row of a name listed twice): out[n].  Sorts the index once and
 * bisects, so matching genes by name costs O((n + nindex) log nindex). */
int names_lookup(const char *const *names, int64_t n, char **index, int64_t nindex, int64_t *out,
                 sc_err *e);

/* Make names unique the way anndata does (second "X" becomes "X-1", ...).
 * Returns the number of names changed. */
int64_t names_make_unique(char **names, int64_t n, sc_err *e);

#endif

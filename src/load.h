/* load.h: read any supported file into an sc_dataset, choosing the reader
 * from the content, not the extension: a directory is a MatrixMarket folder;
 * a file with the HDF5 signature is an AnnData .h5ad or a 10x .h5 (by its
 * top-level objects); a file (plain or gzip) starting with %%MatrixMarket is
 * a matrix whose barcodes and features files lie beside it. */
#ifndef SC_LOAD_H
#define SC_LOAD_H

#include <stdint.h>

#include "dataset.h"

typedef struct load_opts {
    const char *layer;  /* .h5ad only: NULL/"X", "raw" or a layers/ name */
    const char *genome; /* 10x .h5 only */
} load_opts;

typedef enum { LOAD_H5AD, LOAD_10X_H5, LOAD_MTX } load_format;

/* What the reader did besides reading, for the user's summary. */
typedef struct load_info {
    load_format format;
    const char *format_name;  /* "AnnData .h5ad", "10x .h5 (v3)", "MatrixMarket" */
    int64_t genes_renamed;    /* gene names made unique */
    int64_t features_dropped; /* 10x: other feature types or genomes */
    int64_t duplicates_summed; /* MatrixMarket: repeated entries added up */
    int64_t cells_duplicate;  /* MatrixMarket: repeated barcodes (kept) */
    char note[512];           /* the reader's other remarks, "" if none */
} load_info;

/* Read path into *out (zeroed by the caller; filled only on success).
 * Errors name the file and say what was expected. */
int load_path(const char *path, const load_opts *o, sc_dataset *out, sc_err *e);
int load_path_info(const char *path, const load_opts *o, sc_dataset *out, load_info *info,
                   sc_err *e);

#endif

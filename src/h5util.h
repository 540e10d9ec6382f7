/* h5util.h: the small layer over the HDF5 C API that the .h5ad and 10x .h5
 * readers share: sniffing a file's kind, opening it with checks, reading
 * attributes, strings and numeric arrays with validation, and turning HDF5
 * failures into messages of the form "FILE:/OBJECT/PATH: what went wrong".
 * h5util.c has files, objects, attributes and strings; h5array.c numeric
 * arrays and the check of a CSR matrix read from a file.
 *
 * Numeric arrays are read straight into the caller's final array.  For 1-D
 * chunked datasets whose filters are gzip (deflate), optionally after shuffle,
 * the raw chunks are located once through the library
 * (H5Dget_chunk_info_by_coord), then read with pread() and inflated with
 * libdeflate by OpenMP threads, with no HDF5 call inside the parallel part;
 * anything else goes through H5Dread in blocks.  Either way values are
 * converted to the requested type with range checks. */
#ifndef SC_H5UTIL_H
#define SC_H5UTIL_H

#include <hdf5.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"

typedef enum { H5K_NOT_HDF5, H5K_ANNDATA, H5K_10X_V3, H5K_10X_V2, H5K_UNKNOWN } h5_kind;

/* Sniff a file by content (HDF5 signature, then its top-level objects).
 * -1 on I/O error (e filled): the path does not exist or cannot be read.
 * A directory, an empty file or a file without the HDF5 signature gives 0
 * and H5K_NOT_HDF5 (a directory may be a MatrixMarket folder). */
int h5_kind_of(const char *path, h5_kind *kind, sc_err *e);

/* Name of a kind for messages ("AnnData .h5ad", ...). */
const char *h5_kind_name(h5_kind k);

/* An open file and the name used in messages (the path as given). */
typedef struct h5u_file {
    hid_t id;
    const char *path;
} h5u_file;

/* Open read-only after checking that path is a regular, non-empty file with
 * the HDF5 signature; turns off HDF5's automatic error printing. */
int h5u_open(h5u_file *f, const char *path, sc_err *e);
void h5u_close(h5u_file *f);

/* Fill e with "FILE:OBJ: WHAT (HDF5: innermost library message)" (obj NULL:
 * "FILE: WHAT ...") and clear the HDF5 error stack; returns -1. */
int h5u_fail(sc_err *e, const h5u_file *f, const char *obj, const char *what);

/* Object types: H5O_TYPE_GROUP, H5O_TYPE_DATASET, or -1 when `obj` (an
 * absolute path such as "/raw/X") does not exist. */
int h5u_type(const h5u_file *f, const char *obj);

/* Names of the links in group `obj`, sorted by name.  *names is NULL-free
 * and owned by the caller (h5u_strs_free). */
int h5u_list(const h5u_file *f, const char *obj, char ***names, int64_t *n, sc_err *e);
void h5u_strs_free(char **s, int64_t n);

/* Attributes of object `obj`.  Return 1 when read, 0 when the attribute is
 * absent (nothing allocated), -1 on error.
 * h5u_attr_str: a scalar (or one-element) string, fixed or variable length.
 * h5u_attr_strs: a string array; an empty array of any type gives n = 0.
 * h5u_attr_ints: an integer array of at most `max` values. */
int h5u_attr_str(const h5u_file *f, const char *obj, const char *attr, char **out, sc_err *e);
int h5u_attr_strs(const h5u_file *f, const char *obj, const char *attr, char ***out, int64_t *n,
                  sc_err *e);
int h5u_attr_ints(const h5u_file *f, const char *obj, const char *attr, int64_t *out, int max,
                  int *n, sc_err *e);

/* What a dataset holds, for dtype checks before reading. */
typedef enum { H5U_INT, H5U_FLOAT, H5U_BOOL, H5U_STRING, H5U_OTHER } h5u_class;
typedef struct h5u_info {
    int rank;
    int64_t dims[2]; /* dims[1] = 1 for rank 1; a scalar has rank 0, dims[0] = 1 */
    h5u_class cls;
    size_t size;     /* bytes per element in the file */
    int is_signed;
    int is_compound;
    char dtype[48];  /* e.g. "int32", "float64", "string", "compound" */
} h5u_info;
int h5u_info_get(const h5u_file *f, const char *obj, h5u_info *info, sc_err *e);

/* Destination types of the numeric readers. */
typedef enum { H5U_F32, H5U_F64, H5U_I32, H5U_I64 } h5u_dest;

/* Read all n elements of dataset `obj` (any rank; n must equal the number of
 * elements) into out, converting to `dest`.  Integers that do not fit and
 * non-integral floats read into an integer type are errors naming the
 * position.  Unreadable filters (LZF, blosc) give an error saying how to
 * re-save the file. */
int h5u_read_num(const h5u_file *f, const char *obj, h5u_dest dest, int64_t n, void *out,
                 sc_err *e);

/* Read rows [row0, row0 + nrows) of a 2-D dataset (ncols columns) into out,
 * row-major, converting to dest. */
int h5u_read_rows(const h5u_file *f, const char *obj, h5u_dest dest, int64_t row0, int64_t nrows,
                  int64_t ncols, void *out, sc_err *e);

/* Fail with a message naming obj when dataset d uses a filter this build
 * cannot decode (LZF, blosc: the message says how to re-save the file). */
int h5u_check_filters(const h5u_file *f, const char *obj, hid_t d, sc_err *e);

/* Read dataset `obj` when it holds exactly n elements (any rank), else fail
 * saying how many it has and how many were expected (model files). */
int h5u_read_exact(const h5u_file *f, const char *obj, h5u_dest dest, int64_t n, void *out,
                   sc_err *e);

/* Read a 1-D string dataset of exactly n elements (fixed or variable
 * length; integer and float datasets are formatted as text).  A missing
 * variable-length string becomes "".  Caller frees with h5u_strs_free. */
int h5u_read_strs(const h5u_file *f, const char *obj, int64_t n, char ***out, sc_err *e);

/* Validate a counts matrix read from a file (csr_validate), accepting rows
 * whose column indices are stored unsorted (Cell Ranger and scipy can write
 * them so): those rows are sorted in place and counted in *nsorted.
 * Duplicate indices, bad indptr, out-of-range indices, NaN/Inf and negative
 * values remain errors.  Valid matrices are checked in parallel row blocks. */
int h5u_csr_check(sc_csr *m, int64_t nnz, const char *what, int64_t *nsorted, sc_err *e);

/* "DIR/NAME" into buf; -1 when it does not fit (the truncated path then
 * simply is not found). */
int h5u_join(char *buf, size_t size, const char *dir, const char *name);

/* Release variable-length data read with type t (H5Treclaim from 1.12 on). */
int h5u_reclaim(hid_t t, hid_t space, void *buf);

/* Turn the parallel raw-chunk path on or off (on by default); the tests
 * compare both paths.  h5u_fast_chunks: chunks decoded on that path so far
 * (so tests and benchmarks can tell it was taken). */
void h5u_set_fast(int on);
int64_t h5u_fast_chunks(void);

#endif

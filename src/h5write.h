/* h5write.h: writing HDF5 objects for model files, sessions and .h5ad
 * export: numeric arrays (gzip-compressed when large), UTF-8 string arrays
 * and attributes, with failures as sc_err messages naming the object. */
#ifndef SC_H5WRITE_H
#define SC_H5WRITE_H

#include <hdf5.h>
#include <stdint.h>

#include "err.h"

/* Create (truncate) a file; HDF5's own error printing is turned off. */
hid_t h5w_create(const char *path, sc_err *e);
/* Create a group (intermediate groups too). */
hid_t h5w_group(hid_t loc, const char *name, sc_err *e);

/* Arrays of rank 1 or 2 (dims[0] x dims[1]); gzip level 4 when over 64 KiB. */
int h5w_f32(hid_t loc, const char *name, const float *v, int rank, const hsize_t *dims, sc_err *e);
int h5w_f64(hid_t loc, const char *name, const double *v, int rank, const hsize_t *dims, sc_err *e);
int h5w_i32(hid_t loc, const char *name, const int32_t *v, hsize_t n, sc_err *e);
int h5w_i64(hid_t loc, const char *name, const int64_t *v, hsize_t n, sc_err *e);
int h5w_i8(hid_t loc, const char *name, const int8_t *v, hsize_t n, sc_err *e);
/* Variable-length UTF-8 strings (NULL written as ""). */
int h5w_strings(hid_t loc, const char *name, char *const *s, hsize_t n, sc_err *e);

/* Create PATH atomically (atomic.h): `fill` writes the content into a new
 * HDF5 file; on any failure the temporary file is removed, an existing PATH
 * stays as it was, and the message is prefixed with PATH. */
int h5w_save_atomic(const char *path, int (*fill)(hid_t f, const void *ctx, sc_err *e),
                    const void *ctx, sc_err *e);

int h5w_attr_str(hid_t obj, const char *name, const char *v, sc_err *e);
int h5w_attr_strings(hid_t obj, const char *name, const char *const *v, hsize_t n, sc_err *e);
int h5w_attr_i64(hid_t obj, const char *name, int64_t v, sc_err *e);
int h5w_attr_f64(hid_t obj, const char *name, double v, sc_err *e);
int h5w_attr_i64s(hid_t obj, const char *name, const int64_t *v, hsize_t n, sc_err *e);

#endif

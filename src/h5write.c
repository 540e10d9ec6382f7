/* h5write.c: HDF5 writing helpers (see h5write.h). */
#include "h5write.h"

#include <stdlib.h>
#include <string.h>

#include "atomic.h"

static int fail(sc_err *e, const char *what, const char *name)
{
    H5Eclear2(H5E_DEFAULT);
    return err_set(e, "cannot write %s '%s'", what, name);
}

hid_t h5w_create(const char *path, sc_err *e)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        fail(e, "file", path);
    return f;
}

hid_t h5w_group(hid_t loc, const char *name, sc_err *e)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(loc, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (g < 0)
        fail(e, "group", name);
    return g;
}

static int write_array(hid_t loc, const char *name, hid_t type, const void *v, int rank,
                       const hsize_t *dims, size_t elsize, sc_err *e)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total * elsize > 65536 && total > 0) {
        hsize_t chunk[2] = {dims[0], rank > 1 ? dims[1] : 1};
        /* about 256 KiB chunks: rows of a matrix, or a stretch of a vector */
        hsize_t per_row = rank > 1 ? dims[1] : 1;
        hsize_t rows = (262144 / elsize) / (per_row ? per_row : 1);
        if (rows < 1)
            rows = 1;
        if (rows < chunk[0])
            chunk[0] = rows;
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = 0;
    if (d < 0 || (total > 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        rc = fail(e, "dataset", name);
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    return rc;
}

int h5w_f32(hid_t loc, const char *name, const float *v, int rank, const hsize_t *dims, sc_err *e)
{
    return write_array(loc, name, H5T_NATIVE_FLOAT, v, rank, dims, 4, e);
}

int h5w_f64(hid_t loc, const char *name, const double *v, int rank, const hsize_t *dims, sc_err *e)
{
    return write_array(loc, name, H5T_NATIVE_DOUBLE, v, rank, dims, 8, e);
}

int h5w_i32(hid_t loc, const char *name, const int32_t *v, hsize_t n, sc_err *e)
{
    return write_array(loc, name, H5T_NATIVE_INT32, v, 1, &n, 4, e);
}

int h5w_i64(hid_t loc, const char *name, const int64_t *v, hsize_t n, sc_err *e)
{
    return write_array(loc, name, H5T_NATIVE_INT64, v, 1, &n, 8, e);
}

int h5w_i8(hid_t loc, const char *name, const int8_t *v, hsize_t n, sc_err *e)
{
    return write_array(loc, name, H5T_NATIVE_INT8, v, 1, &n, 1, e);
}

static hid_t vlen_utf8(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

int h5w_strings(hid_t loc, const char *name, char *const *s, hsize_t n, sc_err *e)
{
    const char **tmp = NULL;
    if (n) {
        tmp = (const char **)sc_calloc(e, n, sizeof *tmp);
        if (!tmp)
            return -1;
        for (hsize_t i = 0; i < n; i++)
            tmp[i] = s[i] ? s[i] : "";
    }
    hid_t t = vlen_utf8();
    int rc = write_array(loc, name, t, tmp, 1, &n, sizeof(char *), e);
    H5Tclose(t);
    free((void *)tmp);
    return rc;
}

static int write_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *v, sc_err *e)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = 0;
    if (a < 0 || H5Awrite(a, type, v) < 0)
        rc = fail(e, "attribute", name);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    return rc;
}

int h5w_attr_str(hid_t obj, const char *name, const char *v, sc_err *e)
{
    hid_t t = vlen_utf8();
    int rc = write_attr(obj, name, t, H5Screate(H5S_SCALAR), &v, e);
    H5Tclose(t);
    return rc;
}

int h5w_attr_strings(hid_t obj, const char *name, const char *const *v, hsize_t n, sc_err *e)
{
    hid_t t = vlen_utf8();
    int rc = write_attr(obj, name, t, H5Screate_simple(1, &n, NULL), v, e);
    H5Tclose(t);
    return rc;
}

int h5w_attr_i64(hid_t obj, const char *name, int64_t v, sc_err *e)
{
    return write_attr(obj, name, H5T_NATIVE_INT64, H5Screate(H5S_SCALAR), &v, e);
}

int h5w_attr_f64(hid_t obj, const char *name, double v, sc_err *e)
{
    return write_attr(obj, name, H5T_NATIVE_DOUBLE, H5Screate(H5S_SCALAR), &v, e);
}

int h5w_attr_i64s(hid_t obj, const char *name, const int64_t *v, hsize_t n, sc_err *e)
{
    return write_attr(obj, name, H5T_NATIVE_INT64, H5Screate_simple(1, &n, NULL), v, e);
}

int h5w_save_atomic(const char *path, int (*fill)(hid_t f, const void *ctx, sc_err *e),
                    const void *ctx, sc_err *e)
{
    atomic_file a;
    if (atomic_begin(&a, path, e) < 0)
        return -1;
    hid_t f = h5w_create(a.tmp, e);
    if (f < 0) {
        atomic_abort(&a);
        return err_prefix(e, "%s", path);
    }
    int rc = fill(f, ctx, e);
    if (H5Fclose(f) < 0 && rc == 0)
        rc = err_set(e, "closing the file failed");
    if (rc < 0) {
        atomic_abort(&a);
        return err_prefix(e, "%s", path);
    }
    return atomic_commit(&a, e);
}

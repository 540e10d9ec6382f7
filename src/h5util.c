/* h5util.c: HDF5 access shared by the .h5ad and 10x readers (see h5util.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strnlen */
#endif
#include "h5util.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <libdeflate.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#define OMP(x) _Pragma(#x)
#else
#define OMP(x)
#endif

#define H5U_LZF 32000
#define H5U_BLOSC 32001

/* ---- errors ----------------------------------------------------------- */

static void h5u_quiet(void)
{
    static int done;
    if (!done) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        done = 1;
    }
}

/* Keep the innermost description: a downward walk ends where the library
 * first detected the problem ("truncated file: eof = ..."), the most telling. */
static herr_t walk_cb(unsigned n, const H5E_error2_t *err, void *data)
{
    (void)n;
    if (err->desc && *err->desc)
        snprintf(data, 256, "%s", err->desc);
    return 0;
}

int h5u_fail(sc_err *e, const h5u_file *f, const char *obj, const char *what)
{
    char detail[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, detail);
    H5Eclear2(H5E_DEFAULT);
    const char *sep = obj ? ":" : "";
    obj = obj ? obj : "";
    if (*detail)
        return err_set(e, "%s%s%s: %s (HDF5: %s)", f->path, sep, obj, what, detail);
    return err_set(e, "%s%s%s: %s", f->path, sep, obj, what);
}

void h5u_strs_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

int h5u_join(char *buf, size_t size, const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    if (a + 1 + b + 1 > size) {
        snprintf(buf, size, "%s", dir);
        return -1;
    }
    memcpy(buf, dir, a);
    buf[a] = '/';
    memcpy(buf + a + 1, name, b + 1);
    return 0;
}

int h5u_reclaim(hid_t t, hid_t space, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(t, space, H5P_DEFAULT, buf) < 0 ? -1 : 0;
#else
    return H5Dvlen_reclaim(t, space, H5P_DEFAULT, buf) < 0 ? -1 : 0;
#endif
}

/* ---- opening ---------------------------------------------------------- */

enum { SNIFF_HDF5, SNIFF_DIR, SNIFF_EMPTY, SNIFF_OTHER };

/* Look for the 8-byte signature at 0, 512, 1024, 2048, ... (HDF5 allows a
 * user block of a power-of-two size before the superblock).  `head` gets the
 * first bytes for messages. */
static int sniff(const char *path, int *what, char *head, size_t headsz, sc_err *e)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    struct stat st;
    if (stat(path, &st) != 0)
        return err_errno(e, path);
    if (S_ISDIR(st.st_mode)) {
        *what = SNIFF_DIR;
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return err_set(e, "%s: not a regular file", path);
    if (st.st_size == 0) {
        *what = SNIFF_EMPTY;
        return 0;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return err_errno(e, path);
    unsigned char buf[8];
    size_t got = fread(buf, 1, sizeof buf, fp);
    size_t k = 0;
    for (size_t i = 0; i < got && k + 1 < headsz && i < 8; i++)
        head[k++] = buf[i] >= 32 && buf[i] < 127 ? (char)buf[i] : '.';
    head[k] = '\0';
    *what = SNIFF_OTHER;
    for (long off = 0; off + 8 <= st.st_size; off = off ? off * 2 : 512) {
        if (fseek(fp, off, SEEK_SET) != 0 || fread(buf, 1, 8, fp) != 8)
            break;
        if (memcmp(buf, sig, 8) == 0) {
            *what = SNIFF_HDF5;
            break;
        }
    }
    fclose(fp);
    return 0;
}

int h5u_open(h5u_file *f, const char *path, sc_err *e)
{
    int what;
    char head[16];
    f->id = H5I_INVALID_HID;
    f->path = path;
    h5u_quiet();
    if (sniff(path, &what, head, sizeof head, e) != 0)
        return -1;
    if (what == SNIFF_DIR)
        return err_set(e, "%s: is a directory, expected an HDF5 file (.h5ad or 10x .h5)", path);
    if (what == SNIFF_EMPTY)
        return err_set(e, "%s: empty file (0 bytes), expected an HDF5 file", path);
    if (what == SNIFF_OTHER)
        return err_set(e, "%s: not an HDF5 file (no HDF5 signature; it starts with \"%s\")", path,
                       head);
    f->id = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f->id < 0)
        return h5u_fail(e, f, NULL, "cannot open the HDF5 file (truncated or damaged?)");
    return 0;
}

void h5u_close(h5u_file *f)
{
    if (f->id >= 0)
        H5Fclose(f->id);
    f->id = H5I_INVALID_HID;
}

/* ---- objects ---------------------------------------------------------- */

/* H5Lexists fails on a path whose parent is missing, so test each prefix. */
static int path_exists(hid_t file, const char *obj)
{
    char buf[1024];
    size_t n = strlen(obj);
    if (n >= sizeof buf)
        return 0;
    if (strcmp(obj, "/") == 0)
        return 1;
    memcpy(buf, obj, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        htri_t ok = H5Lexists(file, buf, H5P_DEFAULT);
        if (ok > 0)
            ok = H5Oexists_by_name(file, buf, H5P_DEFAULT); /* dangling soft links */
        buf[i] = c;
        if (ok <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
    }
    return 1;
}

int h5u_type(const h5u_file *f, const char *obj)
{
    if (!path_exists(f->id, obj))
        return -1;
    hid_t o = H5Oopen(f->id, obj, H5P_DEFAULT);
    if (o < 0) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_GROUP ? H5O_TYPE_GROUP : t == H5I_DATASET ? H5O_TYPE_DATASET : H5O_TYPE_NAMED_DATATYPE;
}

int h5u_list(const h5u_file *f, const char *obj, char ***names, int64_t *n, sc_err *e)
{
    *names = NULL;
    *n = 0;
    hid_t g = H5Gopen2(f->id, obj, H5P_DEFAULT);
    if (g < 0)
        return h5u_fail(e, f, obj, "cannot open group");
    H5G_info_t gi;
    if (H5Gget_info(g, &gi) < 0) {
        H5Gclose(g);
        return h5u_fail(e, f, obj, "cannot list group");
    }
    char **out = sc_calloc(e, gi.nlinks ? gi.nlinks : 1, sizeof *out);
    if (!out) {
        H5Gclose(g);
        return -1;
    }
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (len < 0 || !(out[i] = sc_calloc(e, (size_t)len + 1, 1)) ||
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, out[i], (size_t)len + 1,
                               H5P_DEFAULT) < 0) {
            h5u_strs_free(out, (int64_t)i + 1);
            H5Gclose(g);
            return len < 0 ? h5u_fail(e, f, obj, "cannot list group") : -1;
        }
    }
    H5Gclose(g);
    *names = out;
    *n = (int64_t)gi.nlinks;
    return 0;
}

/* ---- strings from a type ---------------------------------------------- */

/* Copy a fixed-length string of at most `size` bytes, trimming the padding. */
static char *fixed_str(const char *p, size_t size, H5T_str_t pad, sc_err *e)
{
    size_t len = strnlen(p, size);
    if (pad == H5T_STR_SPACEPAD)
        while (len > 0 && p[len - 1] == ' ')
            len--;
    char *s = sc_calloc(e, len + 1, 1);
    if (s)
        memcpy(s, p, len);
    return s;
}

/* Read n strings from a dataset or attribute (`is_attr`) of string type ft. */
static int read_strings(hid_t obj, int is_attr, hid_t ft, int64_t n, char **out, sc_err *e)
{
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    int rc = -1;
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        char **buf = sc_calloc(e, (size_t)n, sizeof *buf);
        if (!buf)
            goto done;
        herr_t r = is_attr ? H5Aread(obj, mt, buf) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        if (r >= 0) {
            rc = 0;
            for (int64_t i = 0; i < n && rc == 0; i++)
                if (!(out[i] = sc_strdup(e, buf[i] ? buf[i] : "")))
                    rc = -1;
            hid_t sp = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
            h5u_reclaim(mt, sp, buf);
            H5Sclose(sp);
        } else {
            rc = -2;
        }
        free(buf);
    } else {
        size_t size = H5Tget_size(ft);
        H5T_str_t pad = H5Tget_strpad(ft);
        H5Tset_size(mt, size);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *buf = sc_calloc(e, (size_t)n, size);
        if (!buf)
            goto done;
        herr_t r = is_attr ? H5Aread(obj, mt, buf) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        rc = r < 0 ? -2 : 0;
        for (int64_t i = 0; i < n && rc == 0; i++)
            if (!(out[i] = fixed_str(buf + (size_t)i * size, size, pad, e)))
                rc = -1;
        free(buf);
    }
done:
    H5Tclose(mt);
    return rc; /* -2: the HDF5 read failed (stack not yet cleared) */
}

/* ---- attributes ------------------------------------------------------- */

static int attr_open(const h5u_file *f, const char *obj, const char *attr, hid_t *o, hid_t *a,
                     sc_err *e)
{
    if (!path_exists(f->id, obj))
        return err_set(e, "%s:%s: not found", f->path, obj);
    *o = H5Oopen(f->id, obj, H5P_DEFAULT);
    if (*o < 0)
        return h5u_fail(e, f, obj, "cannot open object");
    htri_t ex = H5Aexists(*o, attr);
    if (ex <= 0) {
        H5Oclose(*o);
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    *a = H5Aopen(*o, attr, H5P_DEFAULT);
    if (*a < 0) {
        H5Oclose(*o);
        return h5u_fail(e, f, obj, "cannot open attribute");
    }
    return 1;
}

static int attr_strs(const h5u_file *f, const char *obj, const char *attr, char ***out, int64_t *n,
                     int scalar, sc_err *e)
{
    hid_t o, a;
    *out = NULL;
    *n = 0;
    int ok = attr_open(f, obj, attr, &o, &a, e);
    if (ok <= 0)
        return ok;
    int rc = -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (np == 0 && !scalar) {
        rc = 1; /* h5py writes an empty list as an empty float array */
    } else if (H5Tget_class(ft) != H5T_STRING) {
        err_set(e, "%s:%s: attribute '%s' is not a string", f->path, obj, attr);
    } else if (np < 1 || (scalar && np != 1)) {
        err_set(e, "%s:%s: attribute '%s' has %lld values, expected %s", f->path, obj, attr,
                (long long)np, scalar ? "one string" : "a string array");
    } else {
        char **s = sc_calloc(e, (size_t)np, sizeof *s);
        if (s) {
            int r = read_strings(a, 1, ft, np, s, e);
            if (r == 0) {
                *out = s;
                *n = np;
                rc = 1;
            } else {
                h5u_strs_free(s, np);
                if (r == -2) {
                    char what[160];
                    snprintf(what, sizeof what, "cannot read attribute '%s'", attr);
                    h5u_fail(e, f, obj, what);
                }
            }
        }
    }
    H5Tclose(ft);
    H5Sclose(sp);
    H5Aclose(a);
    H5Oclose(o);
    return rc;
}

int h5u_attr_str(const h5u_file *f, const char *obj, const char *attr, char **out, sc_err *e)
{
    char **s;
    int64_t n;
    *out = NULL;
    int rc = attr_strs(f, obj, attr, &s, &n, 1, e);
    if (rc == 1) {
        *out = s[0];
        free(s);
    }
    return rc;
}

int h5u_attr_strs(const h5u_file *f, const char *obj, const char *attr, char ***out, int64_t *n,
                  sc_err *e)
{
    return attr_strs(f, obj, attr, out, n, 0, e);
}

int h5u_attr_ints(const h5u_file *f, const char *obj, const char *attr, int64_t *out, int max,
                  int *n, sc_err *e)
{
    hid_t o, a;
    *n = 0;
    int ok = attr_open(f, obj, attr, &o, &a, e);
    if (ok <= 0)
        return ok;
    int rc = -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (H5Tget_class(ft) != H5T_INTEGER)
        err_set(e, "%s:%s: attribute '%s' is not an integer array", f->path, obj, attr);
    else if (np < 1 || np > max)
        err_set(e, "%s:%s: attribute '%s' has %lld values, expected 1 to %d", f->path, obj, attr,
                (long long)np, max);
    else if (H5Aread(a, H5T_NATIVE_INT64, out) < 0) {
        char what[160];
        snprintf(what, sizeof what, "cannot read attribute '%s'", attr);
        h5u_fail(e, f, obj, what);
    } else {
        *n = (int)np;
        rc = 1;
    }
    H5Tclose(ft);
    H5Sclose(sp);
    H5Aclose(a);
    H5Oclose(o);
    return rc;
}

/* ---- dataset information ---------------------------------------------- */

/* h5py stores numpy bools as an enum of an integer type named FALSE/TRUE. */
static int is_bool_enum(hid_t t)
{
    if (H5Tget_class(t) != H5T_ENUM || H5Tget_nmembers(t) != 2)
        return 0;
    char *a = H5Tget_member_name(t, 0), *b = H5Tget_member_name(t, 1);
    int ok = a && b && strcmp(a, "FALSE") == 0 && strcmp(b, "TRUE") == 0;
    H5free_memory(a);
    H5free_memory(b);
    return ok;
}

static void describe(hid_t t, h5u_info *in)
{
    H5T_class_t c = H5Tget_class(t);
    in->size = H5Tget_size(t);
    in->is_signed = 0;
    in->is_compound = c == H5T_COMPOUND;
    if (c == H5T_INTEGER) {
        in->cls = H5U_INT;
        in->is_signed = H5Tget_sign(t) == H5T_SGN_2;
        snprintf(in->dtype, sizeof in->dtype, "%sint%zu", in->is_signed ? "" : "u", in->size * 8);
    } else if (c == H5T_FLOAT) {
        in->cls = H5U_FLOAT;
        snprintf(in->dtype, sizeof in->dtype, "float%zu", in->size * 8);
    } else if (is_bool_enum(t)) {
        in->cls = H5U_BOOL;
        snprintf(in->dtype, sizeof in->dtype, "bool");
    } else if (c == H5T_STRING) {
        in->cls = H5U_STRING;
        snprintf(in->dtype, sizeof in->dtype, "string");
    } else {
        in->cls = H5U_OTHER;
        snprintf(in->dtype, sizeof in->dtype, "%s",
                 c == H5T_COMPOUND ? "compound" : c == H5T_ENUM ? "enum" : c == H5T_REFERENCE ? "reference" : c == H5T_ARRAY ? "array" : c == H5T_OPAQUE ? "opaque" : "unsupported type");
    }
}

static int dset_info(const h5u_file *f, const char *obj, hid_t d, h5u_info *in, sc_err *e)
{
    memset(in, 0, sizeof *in);
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    int rc = 0;
    if (t < 0 || sp < 0 || rank < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        rc = h5u_fail(e, f, obj, "cannot read the dataset's type or shape");
    } else if (rank > 2) {
        rc = err_set(e, "%s:%s: dataset has %d dimensions, expected 1 or 2", f->path, obj, rank);
    } else {
        in->rank = rank;
        in->dims[0] = rank >= 1 ? (int64_t)dims[0] : 1;
        in->dims[1] = rank == 2 ? (int64_t)dims[1] : 1;
        describe(t, in);
    }
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    return rc;
}

int h5u_info_get(const h5u_file *f, const char *obj, h5u_info *info, sc_err *e)
{
    if (h5u_type(f, obj) != H5O_TYPE_DATASET)
        return err_set(e, "%s:%s: not found (expected a dataset)", f->path, obj);
    hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    if (d < 0)
        return h5u_fail(e, f, obj, "cannot open dataset");
    int rc = dset_info(f, obj, d, info, e);
    H5Dclose(d);
    return rc;
}

/* ---- filters ---------------------------------------------------------- */

typedef struct pipeline {
    int nfilters;
    int deflate, shuffle;   /* pipeline index, or -1 */
    unsigned shuffle_size;  /* element size the shuffle filter was set up with */
    int other;              /* a filter other than deflate/shuffle is present */
} pipeline;

/* Read the filter pipeline; an unavailable filter is an error that names the
 * dataset and, for LZF and blosc, says how to re-save the file with gzip. */
static int check_filters(const h5u_file *f, const char *obj, hid_t d, pipeline *p, sc_err *e)
{
    memset(p, 0, sizeof *p);
    p->deflate = p->shuffle = -1;
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0)
        return h5u_fail(e, f, obj, "cannot read the dataset's creation properties");
    int n = H5Pget_nfilters(dcpl), rc = 0;
    p->nfilters = n < 0 ? 0 : n;
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64] = "";
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (id < 0) {
            rc = h5u_fail(e, f, obj, "cannot read the filter pipeline");
            break;
        }
        if (id == H5Z_FILTER_DEFLATE)
            p->deflate = i;
        else if (id == H5Z_FILTER_SHUFFLE) {
            p->shuffle = i;
            p->shuffle_size = ncd > 0 ? cd[0] : 0;
        } else
            p->other = 1;
        htri_t avail = H5Zfilter_avail(id);
        H5Eclear2(H5E_DEFAULT);
        if (avail > 0)
            continue;
        if (id == H5U_LZF || id == H5U_BLOSC)
            rc = err_set(e,
                         "%s:%s: compressed with %s (HDF5 filter %d), which only h5py%s can "
                         "decode; re-save the file with gzip, e.g. python3 -c \"import anndata; "
                         "anndata.read_h5ad('%s').write_h5ad('OUT.h5ad', compression='gzip')\" "
                         "(or h5repack -f GZIP=4 on a system with the filter plugin)",
                         f->path, obj, id == H5U_LZF ? "LZF" : "blosc", (int)id,
                         id == H5U_LZF ? "" : " with hdf5plugin", f->path);
        else
            rc = err_set(e,
                         "%s:%s: compressed with HDF5 filter %d ('%s'), which this build cannot "
                         "decode; re-save the file with gzip (e.g. h5repack -f GZIP=4 IN OUT)",
                         f->path, obj, (int)id, name);
    }
    H5Pclose(dcpl);
    return rc;
}

/* ---- conversion ------------------------------------------------------- */

typedef enum { S_I8, S_U8, S_I16, S_U16, S_I32, S_U32, S_I64, S_U64, S_F32, S_F64 } src_t;

static const size_t src_size[] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
static const size_t dest_size[] = {4, 8, 4, 8};

/* The in-memory type a file type is read as before conversion; -1 when it is
 * not numeric.  Bool enums are read as their base integer type. */
static int src_of(const h5u_info *in, src_t *s)
{
    if (in->cls == H5U_FLOAT) {
        *s = in->size <= 4 ? S_F32 : S_F64;
        return 0;
    }
    if (in->cls != H5U_INT && in->cls != H5U_BOOL)
        return -1;
    int sg = in->is_signed;
    switch (in->size) {
    case 1: *s = sg ? S_I8 : S_U8; return 0;
    case 2: *s = sg ? S_I16 : S_U16; return 0;
    case 4: *s = sg ? S_I32 : S_U32; return 0;
    case 8: *s = sg ? S_I64 : S_U64; return 0;
    default: return -1;
    }
}

static hid_t src_memtype(src_t s)
{
    switch (s) {
    case S_I8: return H5T_NATIVE_INT8;
    case S_U8: return H5T_NATIVE_UINT8;
    case S_I16: return H5T_NATIVE_INT16;
    case S_U16: return H5T_NATIVE_UINT16;
    case S_I32: return H5T_NATIVE_INT32;
    case S_U32: return H5T_NATIVE_UINT32;
    case S_I64: return H5T_NATIVE_INT64;
    case S_U64: return H5T_NATIVE_UINT64;
    case S_F32: return H5T_NATIVE_FLOAT;
    case S_F64: return H5T_NATIVE_DOUBLE;
    }
    return H5T_NATIVE_DOUBLE;
}

/* Is the source already the destination type (a plain copy)? */
static int same_type(src_t s, h5u_dest d)
{
    return (s == S_F32 && d == H5U_F32) || (s == S_F64 && d == H5U_F64) ||
           (s == S_I32 && d == H5U_I32) || (s == S_I64 && d == H5U_I64);
}

#define CONV(ST, DT, OK)                                                                          \
    do {                                                                                          \
        const ST *s_ = src;                                                                       \
        DT *d_ = dst;                                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            ST v = s_[i];                                                                         \
            if (!(OK))                                                                            \
                return i;                                                                         \
            d_[i] = (DT)v;                                                                        \
        }                                                                                         \
        return -1;                                                                                \
    } while (0)

#define INT_FITS32(v) ((int64_t)(v) >= INT32_MIN && (int64_t)(v) <= INT32_MAX)
#define FLT_INT32(v) ((v) == floor(v) && (v) >= -2147483648.0 && (v) <= 2147483647.0)
#define FLT_INT64(v) ((v) == floor(v) && (v) >= -9.2e18 && (v) <= 9.2e18)

static int64_t conv_f32(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, float, 1);
    case S_U8: CONV(uint8_t, float, 1);
    case S_I16: CONV(int16_t, float, 1);
    case S_U16: CONV(uint16_t, float, 1);
    case S_I32: CONV(int32_t, float, 1);
    case S_U32: CONV(uint32_t, float, 1);
    case S_I64: CONV(int64_t, float, 1);
    case S_U64: CONV(uint64_t, float, 1);
    case S_F32: CONV(float, float, 1);
    case S_F64: {
        const double *s_ = src;
        float *d_ = dst;
        for (int64_t i = 0; i < n; i++) /* out of float range: infinite, caught by validation */
            d_[i] = fabs(s_[i]) > FLT_MAX && isfinite(s_[i]) ? (s_[i] > 0 ? INFINITY : -INFINITY)
                                                              : (float)s_[i];
        return -1;
    }
    }
    return -1;
}

static int64_t conv_f64(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, double, 1);
    case S_U8: CONV(uint8_t, double, 1);
    case S_I16: CONV(int16_t, double, 1);
    case S_U16: CONV(uint16_t, double, 1);
    case S_I32: CONV(int32_t, double, 1);
    case S_U32: CONV(uint32_t, double, 1);
    case S_I64: CONV(int64_t, double, 1);
    case S_U64: CONV(uint64_t, double, 1);
    case S_F32: CONV(float, double, 1);
    case S_F64: CONV(double, double, 1);
    }
    return -1;
}

static int64_t conv_i32(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, int32_t, 1);
    case S_U8: CONV(uint8_t, int32_t, 1);
    case S_I16: CONV(int16_t, int32_t, 1);
    case S_U16: CONV(uint16_t, int32_t, 1);
    case S_I32: CONV(int32_t, int32_t, 1);
    case S_U32: CONV(uint32_t, int32_t, v <= (uint32_t)INT32_MAX);
    case S_I64: CONV(int64_t, int32_t, INT_FITS32(v));
    case S_U64: CONV(uint64_t, int32_t, v <= (uint64_t)INT32_MAX);
    case S_F32: CONV(float, int32_t, FLT_INT32(v));
    case S_F64: CONV(double, int32_t, FLT_INT32(v));
    }
    return -1;
}

static int64_t conv_i64(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, int64_t, 1);
    case S_U8: CONV(uint8_t, int64_t, 1);
    case S_I16: CONV(int16_t, int64_t, 1);
    case S_U16: CONV(uint16_t, int64_t, 1);
    case S_I32: CONV(int32_t, int64_t, 1);
    case S_U32: CONV(uint32_t, int64_t, 1);
    case S_I64: CONV(int64_t, int64_t, 1);
    case S_U64: CONV(uint64_t, int64_t, v <= (uint64_t)INT64_MAX);
    case S_F32: CONV(float, int64_t, FLT_INT64(v));
    case S_F64: CONV(double, int64_t, FLT_INT64(v));
    }
    return -1;
}

/* Convert n values; -1 when all fit, else the index of the first that does not. */
static int64_t convert(const void *src, src_t s, int64_t n, h5u_dest d, void *dst)
{
    switch (d) {
    case H5U_F32: return conv_f32(src, s, n, dst);
    case H5U_F64: return conv_f64(src, s, n, dst);
    case H5U_I32: return conv_i32(src, s, n, dst);
    case H5U_I64: return conv_i64(src, s, n, dst);
    }
    return -1;
}

static double src_value(const void *src, src_t s, int64_t i)
{
    switch (s) {
    case S_I8: return ((const int8_t *)src)[i];
    case S_U8: return ((const uint8_t *)src)[i];
    case S_I16: return ((const int16_t *)src)[i];
    case S_U16: return ((const uint16_t *)src)[i];
    case S_I32: return ((const int32_t *)src)[i];
    case S_U32: return ((const uint32_t *)src)[i];
    case S_I64: return (double)((const int64_t *)src)[i];
    case S_U64: return (double)((const uint64_t *)src)[i];
    case S_F32: return ((const float *)src)[i];
    case S_F64: return ((const double *)src)[i];
    }
    return 0;
}

static int conv_fail(sc_err *e, const h5u_file *f, const char *obj, h5u_dest d, double v,
                     int64_t pos)
{
    static const char *dname[] = {"float32", "float64", "int32", "int64"};
    return err_set(e, "%s:%s: value %.17g at position %lld does not fit %s%s", f->path, obj, v,
                   (long long)pos, d == H5U_I32 || d == H5U_I64 ? "an integer " : "",
                   dname[d]);
}

/* ---- the raw-chunk path ----------------------------------------------- */

static int fast_enabled = 1;

void h5u_set_fast(int on)
{
    fast_enabled = on;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* HDF5's shuffle stores byte b of every element together; undo it. */
static void unshuffle(const uint8_t *in, uint8_t *out, size_t esize, size_t count)
{
    for (size_t b = 0; b < esize; b++) {
        const uint8_t *src = in + b * count;
        for (size_t j = 0; j < count; j++)
            out[j * esize + b] = src[j];
    }
}

/* Can the dataset's chunks be decoded here?  1-D, chunked, only deflate and
 * shuffle (shuffle first), a little-endian integer or IEEE float. */
static int fast_ok(hid_t d, const h5u_info *in, const pipeline *p, hsize_t *chunk)
{
    if (!fast_enabled || in->rank != 1 || p->other || !host_little_endian() ||
        (in->cls != H5U_INT && in->cls != H5U_FLOAT))
        return 0;
    if (p->shuffle >= 0 && (p->shuffle_size != in->size || (p->deflate >= 0 && p->shuffle > p->deflate)))
        return 0;
    hid_t t = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    int ok = t >= 0 && dcpl >= 0 && H5Tget_order(t) == H5T_ORDER_LE &&
             H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, chunk) == 1 && chunk[0] > 0;
    if (ok && in->cls == H5U_FLOAT)
        ok = H5Tequal(t, H5T_IEEE_F32LE) > 0 || H5Tequal(t, H5T_IEEE_F64LE) > 0;
    if (t >= 0)
        H5Tclose(t);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

typedef struct chunk_err {
    int set;
    int64_t at; /* element offset of the chunk, or of the value for conversions */
    double value;
    int kind; /* 0 HDF5 read, 1 inflate, 2 size, 3 conversion, 4 memory, 5 unallocated */
} chunk_err;

static void chunk_fail(chunk_err *ce, int kind, int64_t at, double value)
{
    OMP(omp critical(h5u_err))
    {
        if (!ce->set) {
            OMP(omp atomic write)
            ce->set = 1;
            ce->kind = kind;
            ce->at = at;
            ce->value = value;
        }
    }
}

/* Decode every chunk into out.  Returns 0, -1 with e filled, or 1 when a
 * chunk turned out not to be stored (fill values): the caller falls back. */
static int read_fast(const h5u_file *f, const char *obj, hid_t d, const h5u_info *in,
                     const pipeline *p, hsize_t c, src_t st, h5u_dest dt, int64_t n, void *out,
                     sc_err *e)
{
    const size_t es = src_size[st], ds = dest_size[dt], full = (size_t)c * es;
    const int64_t nch = (n + (int64_t)c - 1) / (int64_t)c;
    const int direct_type = same_type(st, dt);
    chunk_err ce = {0};
    (void)in;

    OMP(omp parallel if (nch > 1))
    {
        struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
        uint8_t *tbuf = malloc(full), *ubuf = p->shuffle >= 0 ? malloc(full) : NULL;
        uint8_t *cbuf = NULL;
        size_t ccap = 0;
        if (!dec || !tbuf || (p->shuffle >= 0 && !ubuf))
            chunk_fail(&ce, 4, 0, 0);

        OMP(omp for schedule(dynamic, 1))
        for (int64_t i = 0; i < nch; i++) {
            int stop;
            OMP(omp atomic read)
            stop = ce.set;
            if (stop)
                continue;
            hsize_t off = (hsize_t)i * c;
            int64_t cnt = n - (int64_t)off < (int64_t)c ? n - (int64_t)off : (int64_t)c;
            uint8_t *dst = (uint8_t *)out + off * ds;
            hsize_t raw = 0;
            uint32_t mask = 0;
            int rerr = 0;
            /* the HDF5 library is not thread-safe: one reader at a time,
             * while the other threads inflate */
            OMP(omp critical(h5u_hdf5))
            {
                if (H5Dget_chunk_storage_size(d, &off, &raw) < 0 || raw == 0)
                    rerr = 5; /* not stored (fill values): let H5Dread handle it */
                else if (raw > ccap) {
                    free(cbuf);
                    ccap = (size_t)raw;
                    cbuf = malloc(ccap);
                    if (!cbuf) {
                        ccap = 0;
                        rerr = 4;
                    }
                }
                if (!rerr && H5Dread_chunk(d, H5P_DEFAULT, &off, &mask, cbuf) < 0)
                    rerr = 1;
                if (rerr)
                    H5Eclear2(H5E_DEFAULT);
            }
            if (rerr) {
                chunk_fail(&ce, rerr == 1 ? 0 : rerr, (int64_t)off, 0);
                continue;
            }
            int direct = direct_type && cnt == (int64_t)c;
            int do_inflate = p->deflate >= 0 && !(mask & (1u << p->deflate));
            int do_shuffle = p->shuffle >= 0 && !(mask & (1u << p->shuffle));
            const uint8_t *cur = cbuf;
            if (do_inflate) {
                uint8_t *target = direct && !do_shuffle ? dst : tbuf;
                size_t got = 0;
                enum libdeflate_result r =
                    libdeflate_zlib_decompress(dec, cbuf, (size_t)raw, target, full, &got);
                if (r != LIBDEFLATE_SUCCESS || got != full) {
                    chunk_fail(&ce, r != LIBDEFLATE_SUCCESS ? 1 : 2, (int64_t)off, (double)got);
                    continue;
                }
                cur = target;
            } else if ((size_t)raw != full) {
                chunk_fail(&ce, 2, (int64_t)off, (double)raw);
                continue;
            }
            if (do_shuffle) {
                uint8_t *target = direct ? dst : cur == tbuf ? ubuf : tbuf;
                unshuffle(cur, target, es, (size_t)c);
                cur = target;
            }
            if (cur == dst)
                continue;
            if (direct_type) {
                memcpy(dst, cur, (size_t)cnt * es);
            } else {
                int64_t bad = convert(cur, st, cnt, dt, dst);
                if (bad >= 0)
                    chunk_fail(&ce, 3, (int64_t)off + bad, src_value(cur, st, bad));
            }
        }
        free(cbuf);
        free(tbuf);
        free(ubuf);
        if (dec)
            libdeflate_free_decompressor(dec);
    }
    if (!ce.set)
        return 0;
    switch (ce.kind) {
    case 0: return h5u_fail(e, f, obj, "cannot read a chunk");
    case 1:
        return err_set(e, "%s:%s: the gzip chunk at element %lld is corrupt", f->path, obj,
                       (long long)ce.at);
    case 2:
        return err_set(e, "%s:%s: the chunk at element %lld holds %.0f bytes, expected %zu",
                       f->path, obj, (long long)ce.at, ce.value, full);
    case 3: return conv_fail(e, f, obj, dt, ce.value, ce.at);
    case 5: return 1;
    default: return err_set(e, "%s:%s: out of memory decoding chunks", f->path, obj);
    }
}

/* ---- the H5Dread path ------------------------------------------------- */

/* Read rows [row0, row0+nrows) of a rank-1 or rank-2 dataset in blocks of
 * about a million values, converting into out. */
static int read_slow(const h5u_file *f, const char *obj, hid_t d, const h5u_info *in, src_t st,
                     h5u_dest dt, int64_t row0, int64_t nrows, void *out, sc_err *e)
{
    const int64_t rowlen = in->dims[1];
    if (nrows == 0 || rowlen == 0)
        return 0;
    int64_t block = rowlen >= (1 << 20) ? 1 : (1 << 20) / rowlen;
    if (block > nrows)
        block = nrows;
    const int direct = same_type(st, dt);
    void *tmp = direct ? NULL : sc_calloc(e, (size_t)(block * rowlen), src_size[st]);
    if (!direct && !tmp)
        return -1;
    /* bool enums must be read with their own (native enum) type: HDF5 has no
     * enum -> integer conversion */
    hid_t ft = H5Dget_type(d);
    hid_t mt = in->cls == H5U_BOOL ? H5Tget_native_type(ft, H5T_DIR_ASCEND) : H5Tcopy(src_memtype(st));
    H5Tclose(ft);
    hid_t fsp = H5Dget_space(d);
    int rc = 0;
    for (int64_t r = 0; r < nrows && rc == 0; r += block) {
        int64_t nr = nrows - r < block ? nrows - r : block;
        hsize_t start[2] = {(hsize_t)(row0 + r), 0}, count[2] = {(hsize_t)nr, (hsize_t)rowlen};
        hsize_t mcount = (hsize_t)(nr * rowlen);
        hid_t msp = H5Screate_simple(1, &mcount, NULL);
        void *dst = (uint8_t *)out + (size_t)(r * rowlen) * dest_size[dt];
        herr_t ok;
        if (in->rank == 0)
            ok = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, direct ? dst : tmp);
        else {
            H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL);
            ok = H5Dread(d, mt, msp, fsp, H5P_DEFAULT, direct ? dst : tmp);
        }
        H5Sclose(msp);
        if (ok < 0) {
            rc = h5u_fail(e, f, obj, "cannot read values");
        } else if (!direct) {
            int64_t bad = convert(tmp, st, nr * rowlen, dt, dst);
            if (bad >= 0)
                rc = conv_fail(e, f, obj, dt, src_value(tmp, st, bad), (row0 + r) * rowlen + bad);
        }
    }
    H5Sclose(fsp);
    H5Tclose(mt);
    free(tmp);
    return rc;
}

/* Open obj, check it is numeric and readable, and describe it. */
static int open_numeric(const h5u_file *f, const char *obj, hid_t *d, h5u_info *in, src_t *st,
                        pipeline *p, sc_err *e)
{
    if (h5u_type(f, obj) != H5O_TYPE_DATASET)
        return err_set(e, "%s:%s: not found (expected a dataset)", f->path, obj);
    *d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    if (*d < 0)
        return h5u_fail(e, f, obj, "cannot open dataset");
    if (dset_info(f, obj, *d, in, e) != 0 || check_filters(f, obj, *d, p, e) != 0) {
        H5Dclose(*d);
        return -1;
    }
    if (src_of(in, st) != 0) {
        H5Dclose(*d);
        return err_set(e, "%s:%s: dtype %s, expected a numeric dtype", f->path, obj, in->dtype);
    }
    return 0;
}

int h5u_read_num(const h5u_file *f, const char *obj, h5u_dest dest, int64_t n, void *out,
                 sc_err *e)
{
    hid_t d;
    h5u_info in;
    src_t st;
    pipeline p;
    if (open_numeric(f, obj, &d, &in, &st, &p, e) != 0)
        return -1;
    int rc;
    hsize_t chunk[1];
    if (in.dims[0] * in.dims[1] != n)
        rc = err_set(e, "%s:%s: %lld values, expected %lld", f->path, obj,
                     (long long)(in.dims[0] * in.dims[1]), (long long)n);
    else if (n > 0 && fast_ok(d, &in, &p, chunk) &&
             (rc = read_fast(f, obj, d, &in, &p, chunk[0], st, dest, n, out, e)) <= 0)
        ; /* done (or failed) on the fast path */
    else
        rc = read_slow(f, obj, d, &in, st, dest, 0, in.dims[0], out, e);
    H5Dclose(d);
    return rc;
}

int h5u_read_rows(const h5u_file *f, const char *obj, h5u_dest dest, int64_t row0, int64_t nrows,
                  int64_t ncols, void *out, sc_err *e)
{
    hid_t d;
    h5u_info in;
    src_t st;
    pipeline p;
    if (open_numeric(f, obj, &d, &in, &st, &p, e) != 0)
        return -1;
    int rc;
    if (in.rank != 2 || in.dims[1] != ncols || row0 < 0 || row0 + nrows > in.dims[0])
        rc = err_set(e, "%s:%s: shape %lld x %lld does not allow reading rows %lld..%lld of %lld columns",
                     f->path, obj, (long long)in.dims[0], (long long)in.dims[1], (long long)row0,
                     (long long)(row0 + nrows), (long long)ncols);
    else
        rc = read_slow(f, obj, d, &in, st, dest, row0, nrows, out, e);
    H5Dclose(d);
    return rc;
}

int h5u_read_strs(const h5u_file *f, const char *obj, int64_t n, char ***out, sc_err *e)
{
    *out = NULL;
    h5u_info in;
    if (h5u_info_get(f, obj, &in, e) != 0)
        return -1;
    if (in.rank > 1 || in.dims[0] * in.dims[1] != n)
        return err_set(e, "%s:%s: %lld values, expected %lld (one per row)", f->path, obj,
                       (long long)(in.dims[0] * in.dims[1]), (long long)n);
    char **s = sc_calloc(e, n ? (size_t)n : 1, sizeof *s);
    if (!s)
        return -1;
    int rc = 0;
    if (in.cls == H5U_INT || in.cls == H5U_FLOAT) {
        /* numeric names (e.g. integer gene ids): format them */
        double *v = sc_calloc(e, (size_t)n, sizeof *v);
        rc = v ? h5u_read_num(f, obj, H5U_F64, n, v, e) : -1;
        for (int64_t i = 0; i < n && rc == 0; i++) {
            char buf[40];
            if (v[i] == floor(v[i]) && fabs(v[i]) < 1e15)
                snprintf(buf, sizeof buf, "%.0f", v[i]);
            else
                snprintf(buf, sizeof buf, "%.17g", v[i]);
            if (!(s[i] = sc_strdup(e, buf)))
                rc = -1;
        }
        free(v);
    } else if (in.cls != H5U_STRING) {
        rc = err_set(e, "%s:%s: dtype %s, expected strings", f->path, obj, in.dtype);
    } else {
        hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
        pipeline p;
        if (d < 0)
            rc = h5u_fail(e, f, obj, "cannot open dataset");
        else if (check_filters(f, obj, d, &p, e) != 0)
            rc = -1;
        else {
            hid_t ft = H5Dget_type(d);
            rc = read_strings(d, 0, ft, n, s, e);
            if (rc == -2)
                rc = h5u_fail(e, f, obj, "cannot read strings");
            H5Tclose(ft);
        }
        if (d >= 0)
            H5Dclose(d);
    }
    if (rc != 0) {
        h5u_strs_free(s, n);
        return -1;
    }
    *out = s;
    return 0;
}

/* ---- CSR validation with row sorting ---------------------------------- */

typedef struct entry {
    int32_t j;
    float v;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    int32_t x = ((const entry *)a)->j, y = ((const entry *)b)->j;
    return (x > y) - (x < y);
}

/* Sort one row's (index, value) pairs; a strictly descending row (as some
 * 10x files store them) is just reversed. */
static int sort_row(int32_t *ix, float *v, int64_t len, entry *buf)
{
    int asc = 1, desc = 1;
    for (int64_t k = 1; k < len && (asc || desc); k++) {
        asc &= ix[k] > ix[k - 1];
        desc &= ix[k] < ix[k - 1];
    }
    if (asc)
        return 0;
    if (desc) {
        for (int64_t a = 0, b = len - 1; a < b; a++, b--) {
            int32_t tj = ix[a];
            float tv = v[a];
            ix[a] = ix[b], v[a] = v[b];
            ix[b] = tj, v[b] = tv;
        }
        return 1;
    }
    for (int64_t k = 0; k < len; k++)
        buf[k] = (entry){ix[k], v[k]};
    qsort(buf, (size_t)len, sizeof *buf, cmp_entry);
    for (int64_t k = 0; k < len; k++)
        ix[k] = buf[k].j, v[k] = buf[k].v;
    return 1;
}

/* csr_validate on row blocks in parallel: each block gets a copy of its
 * stretch of indptr rebased to 0, so the one set of rules in dataset.c
 * applies.  Needs an indptr already known to be non-decreasing within
 * [0, nnz].  Returns 0 when every block passes; -1 when one fails (the
 * caller then runs the serial check, which words the message). */
static int validate_blocks(const sc_csr *m, int64_t nnz)
{
    const int64_t nblocks = 64, per = (m->nrows + nblocks - 1) / nblocks;
    int bad = 0;
    (void)nnz;
    OMP(omp parallel for schedule(dynamic, 1))
    for (int64_t b = 0; b < nblocks; b++) {
        int64_t r0 = b * per, r1 = r0 + per < m->nrows ? r0 + per : m->nrows;
        if (r0 >= r1)
            continue;
        int64_t *ptr = malloc((size_t)(r1 - r0 + 1) * sizeof *ptr);
        int fail = !ptr;
        if (ptr) {
            int64_t base = m->indptr[r0];
            for (int64_t r = r0; r <= r1; r++)
                ptr[r - r0] = m->indptr[r] - base;
            sc_csr sub = {r1 - r0, m->ncols, ptr, m->indices + base, m->data + base};
            sc_err ignored;
            fail = csr_validate(&sub, ptr[r1 - r0], 1, "", &ignored) != 0;
            free(ptr);
        }
        if (fail) {
            OMP(omp atomic write)
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

int h5u_csr_check(sc_csr *m, int64_t nnz, const char *what, int64_t *nsorted, sc_err *e)
{
    *nsorted = 0;
    /* indptr first, in full: it decides which values each row owns, and a
     * broken one must be reported as such, not as the first odd row */
    if (m->nrows < 0 || m->indptr[0] != 0)
        return csr_validate(m, nnz, 1, what, e);
    int64_t maxlen = 0;
    for (int64_t r = 0; r < m->nrows; r++) {
        int64_t a = m->indptr[r], b = m->indptr[r + 1];
        if (b < a)
            return err_set(e, "%s: indptr decreases at row %lld (%lld then %lld)", what,
                           (long long)r, (long long)a, (long long)b);
        if (b > nnz)
            return err_set(e, "%s: indptr[%lld] = %lld exceeds the %lld stored values", what,
                           (long long)(r + 1), (long long)b, (long long)nnz);
        if (b - a > maxlen)
            maxlen = b - a;
    }
    if (m->indptr[m->nrows] != nnz)
        return err_set(e, "%s: indptr ends at %lld but %lld values are stored", what,
                       (long long)m->indptr[m->nrows], (long long)nnz);
    if (validate_blocks(m, nnz) == 0)
        return 0;
    /* something is wrong: the serial check words the message, except for
     * unsorted rows, which are sorted and checked again */
    if (csr_validate(m, nnz, 1, what, e) == 0)
        return 0;
    if (!strstr(e->msg, "unsorted"))
        return -1;
    int64_t count = 0;
    int oom = 0;
    OMP(omp parallel reduction(+ : count))
    {
        entry *buf = malloc((size_t)(maxlen ? maxlen : 1) * sizeof *buf);
        if (!buf) {
            OMP(omp atomic write)
            oom = 1;
        }
        OMP(omp for schedule(dynamic, 256))
        for (int64_t r = 0; r < m->nrows; r++)
            if (buf)
                count += sort_row(m->indices + m->indptr[r], m->data + m->indptr[r],
                                  m->indptr[r + 1] - m->indptr[r], buf);
        free(buf);
    }
    if (oom)
        return err_set(e, "%s: out of memory sorting rows", what);
    *nsorted = count;
    if (csr_validate(m, nnz, 1, what, e) != 0)
        return -1;
    e->msg[0] = '\0'; /* the "unsorted" message no longer applies */
    return 0;
}

/* ---- sniffing --------------------------------------------------------- */

const char *h5_kind_name(h5_kind k)
{
    switch (k) {
    case H5K_NOT_HDF5: return "not HDF5";
    case H5K_ANNDATA: return "AnnData .h5ad";
    case H5K_10X_V3: return "Cell Ranger v3 .h5";
    case H5K_10X_V2: return "Cell Ranger v2 .h5";
    case H5K_UNKNOWN: return "HDF5 of unknown layout";
    }
    return "?";
}

/* A Cell Ranger 1.x/2.x genome group has these datasets. */
static int is_v2_group(const h5u_file *f, const char *name)
{
    static const char *need[] = {"barcodes", "data", "indices", "indptr", "shape"};
    char p[600];
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        snprintf(p, sizeof p, "/%s/%s", name, need[i]);
        if (h5u_type(f, p) != H5O_TYPE_DATASET)
            return 0;
    }
    snprintf(p, sizeof p, "/%s/genes", name);
    return h5u_type(f, p) == H5O_TYPE_DATASET;
}

int h5_kind_of(const char *path, h5_kind *kind, sc_err *e)
{
    int what;
    char head[16];
    *kind = H5K_NOT_HDF5;
    if (sniff(path, &what, head, sizeof head, e) != 0)
        return -1;
    if (what != SNIFF_HDF5)
        return 0;
    h5u_file f;
    if (h5u_open(&f, path, e) != 0)
        return -1;
    char *enc = NULL;
    int has_enc = h5u_attr_str(&f, "/", "encoding-type", &enc, e);
    int rc = 0;
    if (has_enc < 0) {
        rc = -1;
    } else if ((has_enc == 1 && strcmp(enc, "anndata") == 0) || h5u_type(&f, "/X") >= 0 ||
               (h5u_type(&f, "/obs") >= 0 && h5u_type(&f, "/var") >= 0)) {
        *kind = H5K_ANNDATA;
    } else if (h5u_type(&f, "/matrix") == H5O_TYPE_GROUP &&
               h5u_type(&f, "/matrix/features") == H5O_TYPE_GROUP) {
        *kind = H5K_10X_V3;
    } else {
        char **names;
        int64_t n;
        *kind = H5K_UNKNOWN;
        if (h5u_list(&f, "/", &names, &n, e) != 0)
            rc = -1;
        for (int64_t i = 0; rc == 0 && i < n; i++)
            if (is_v2_group(&f, names[i])) {
                *kind = H5K_10X_V2;
                break;
            }
        if (rc == 0)
            h5u_strs_free(names, n);
    }
    free(enc);
    h5u_close(&f);
    return rc;
}

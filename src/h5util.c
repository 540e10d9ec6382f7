/* h5util.c: files, objects, attributes and strings for the .h5ad and 10x
 * readers (see h5util.h); numeric arrays are in h5array.c. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strnlen */
#endif
#include "h5util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* ---- string datasets -------------------------------------------------- */

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
        if (d < 0)
            rc = h5u_fail(e, f, obj, "cannot open dataset");
        else if (h5u_check_filters(f, obj, d, e) != 0)
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

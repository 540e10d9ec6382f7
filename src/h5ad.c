/* h5ad.c: AnnData .h5ad -> sc_dataset (see h5ad.h).
 *
 * Order of work: find the matrix and its shape, read obs and var (checking
 * their lengths against the shape), then the matrix itself (validated with
 * csr_validate), then obsm.  Everything is built in a local dataset that is
 * handed over only when complete. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strnlen */
#endif
#include "h5ad.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

#define PATHMAX 1024

static int64_t last_renamed;
static char last_note[512];

int64_t h5ad_last_renamed(void)
{
    return last_renamed;
}

const char *h5ad_last_note(void)
{
    return last_note;
}

static void note(const char *fmt, ...) SC_PRINTF(1, 2);
static void note(const char *fmt, ...)
{
    size_t used = strlen(last_note);
    if (used + 8 >= sizeof last_note)
        return;
    if (used)
        used += (size_t)snprintf(last_note + used, sizeof last_note - used, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_note + used, sizeof last_note - used, fmt, ap);
    va_end(ap);
}

/* ---- the matrix ------------------------------------------------------- */

typedef enum { M_CSR, M_CSC, M_DENSE } mat_kind;

typedef struct mat_hdr {
    mat_kind kind;
    int64_t nrows, ncols;
} mat_hdr;

/* What kind of matrix `obj` is and its shape, from the group's attributes
 * (anndata >= 0.7: encoding-type + shape; older: h5sparse_format +
 * h5sparse_shape) or the dense dataset's dimensions. */
static int mat_header(const h5u_file *f, const char *obj, mat_hdr *h, sc_err *e)
{
    int t = h5u_type(f, obj);
    if (t == H5O_TYPE_DATASET) {
        h5u_info in;
        if (h5u_info_get(f, obj, &in, e) != 0)
            return -1;
        if (in.rank != 2 || (in.cls != H5U_INT && in.cls != H5U_FLOAT))
            return err_set(e, "%s:%s: a %d-D %s dataset, expected a 2-D numeric matrix or a "
                              "csr_matrix/csc_matrix group",
                           f->path, obj, in.rank, in.dtype);
        h->kind = M_DENSE;
        h->nrows = in.dims[0];
        h->ncols = in.dims[1];
        return 0;
    }
    if (t != H5O_TYPE_GROUP)
        return err_set(e, "%s:%s: not found", f->path, obj);
    char *enc = NULL;
    int r = h5u_attr_str(f, obj, "encoding-type", &enc, e);
    if (r == 0)
        r = h5u_attr_str(f, obj, "h5sparse_format", &enc, e);
    if (r < 0)
        return -1;
    if (r == 1 && (strcmp(enc, "csr_matrix") == 0 || strcmp(enc, "csr") == 0))
        h->kind = M_CSR;
    else if (r == 1 && (strcmp(enc, "csc_matrix") == 0 || strcmp(enc, "csc") == 0))
        h->kind = M_CSC;
    else {
        err_set(e, "%s:%s: a group with encoding-type '%s', expected csr_matrix or csc_matrix",
                f->path, obj, r == 1 ? enc : "(none)");
        free(enc);
        return -1;
    }
    free(enc);
    int64_t shape[2];
    int n;
    r = h5u_attr_ints(f, obj, "shape", shape, 2, &n, e);
    if (r == 0)
        r = h5u_attr_ints(f, obj, "h5sparse_shape", shape, 2, &n, e);
    if (r < 0)
        return -1;
    if (r == 0 || n != 2 || shape[0] < 0 || shape[1] < 0 || shape[1] > INT32_MAX ||
        (h->kind == M_CSC && shape[0] > INT32_MAX))
        return err_set(e, "%s:%s: missing or invalid shape attribute, expected two "
                          "non-negative integers (cells, genes)",
                       f->path, obj);
    h->nrows = shape[0];
    h->ncols = shape[1];
    return 0;
}

/* Check that a member of a sparse group is a 1-D dataset of the right class. */
static int member_info(const h5u_file *f, const char *obj, const char *name, int want_int,
                       h5u_info *in, char *path, sc_err *e)
{
    h5u_join(path, PATHMAX, obj, name);
    if (h5u_info_get(f, path, in, e) != 0)
        return -1;
    if (in->rank != 1)
        return err_set(e, "%s:%s: a %d-D dataset, expected 1-D", f->path, path, in->rank);
    if (want_int ? in->cls != H5U_INT : in->cls != H5U_INT && in->cls != H5U_FLOAT)
        return err_set(e, "%s:%s: dtype %s, expected %s", f->path, path, in->dtype,
                       want_int ? "an integer dtype" : "a numeric dtype");
    return 0;
}

/* Counting-sort transpose of a validated CSC matrix (major = genes) into
 * CSR; walking columns in order leaves each row's indices sorted. */
static int csc_to_csr(const sc_csr *c, sc_csr *m, sc_err *e)
{
    int64_t nnz = c->indptr[c->nrows];
    m->indptr = sc_calloc(e, (size_t)m->nrows + 1, sizeof *m->indptr);
    m->indices = sc_calloc(e, (size_t)nnz, sizeof *m->indices);
    m->data = sc_calloc(e, (size_t)nnz, sizeof *m->data);
    if (!m->indptr || !m->indices || !m->data)
        return -1;
    for (int64_t k = 0; k < nnz; k++)
        m->indptr[c->indices[k] + 1]++;
    for (int64_t r = 0; r < m->nrows; r++)
        m->indptr[r + 1] += m->indptr[r];
    int64_t *next = sc_calloc(e, (size_t)m->nrows + 1, sizeof *next);
    if (!next)
        return -1;
    memcpy(next, m->indptr, (size_t)m->nrows * sizeof *next);
    for (int64_t j = 0; j < c->nrows; j++)
        for (int64_t k = c->indptr[j]; k < c->indptr[j + 1]; k++) {
            int64_t dst = next[c->indices[k]]++;
            m->indices[dst] = (int32_t)j;
            m->data[dst] = c->data[k];
        }
    free(next);
    return 0;
}

/* Read a csr_matrix or csc_matrix group into m (cells x genes CSR). */
static int read_sparse(const h5u_file *f, const char *obj, const mat_hdr *h, sc_csr *m,
                       sc_err *e)
{
    char pp[PATHMAX], pi[PATHMAX], pd[PATHMAX], what[PATHMAX + 64];
    h5u_info ip, ii, id;
    if (member_info(f, obj, "indptr", 1, &ip, pp, e) || member_info(f, obj, "indices", 1, &ii, pi, e) ||
        member_info(f, obj, "data", 0, &id, pd, e))
        return -1;
    const int csc = h->kind == M_CSC;
    sc_csr s = {.nrows = csc ? h->ncols : h->nrows, .ncols = csc ? h->nrows : h->ncols};
    if (ip.dims[0] != s.nrows + 1)
        return err_set(e, "%s:%s: %lld values, expected %lld (%s + 1, from the shape attribute %lld x %lld)",
                       f->path, pp, (long long)ip.dims[0], (long long)(s.nrows + 1),
                       csc ? "genes" : "cells", (long long)h->nrows, (long long)h->ncols);
    if (ii.dims[0] != id.dims[0])
        return err_set(e, "%s:%s: %lld values but %s has %lld, expected one value per index",
                       f->path, pd, (long long)id.dims[0], pi + strlen(obj) + 1,
                       (long long)ii.dims[0]);
    int64_t nnz = ii.dims[0];
    int rc = -1;
    s.indptr = sc_calloc(e, (size_t)s.nrows + 1, sizeof *s.indptr);
    s.indices = s.indptr ? sc_calloc(e, (size_t)nnz, sizeof *s.indices) : NULL;
    s.data = s.indices ? sc_calloc(e, (size_t)nnz, sizeof *s.data) : NULL;
    if (!s.data || h5u_read_num(f, pp, H5U_I64, s.nrows + 1, s.indptr, e) ||
        h5u_read_num(f, pi, H5U_I32, nnz, s.indices, e) || h5u_read_num(f, pd, H5U_F32, nnz, s.data, e))
        goto out;
    snprintf(what, sizeof what, "%s:%s%s", f->path, obj,
             csc ? " (csc_matrix: 'row' means a stored gene column)" : "");
    int64_t nsorted;
    if (h5u_csr_check(&s, nnz, what, &nsorted, e) != 0)
        goto out;
    if (nsorted)
        note("sorted the column indices of %lld %s", (long long)nsorted, csc ? "genes" : "cells");
    if (csc) {
        m->nrows = h->nrows;
        m->ncols = h->ncols;
        rc = csc_to_csr(&s, m, e);
        csr_free(&s);
        if (rc != 0)
            csr_free(m);
        return rc;
    }
    *m = s;
    return 0;
out:
    csr_free(&s);
    return rc;
}

/* Append to growable nnz arrays (dense -> CSR). */
static int grow(sc_csr *m, int64_t *cap, int64_t need, sc_err *e)
{
    if (need <= *cap)
        return 0;
    int64_t nc = *cap ? *cap : 1 << 16;
    while (nc < need)
        nc *= 2;
    int32_t *ni = realloc(m->indices, (size_t)nc * sizeof *ni);
    if (ni)
        m->indices = ni;
    float *nd = ni ? realloc(m->data, (size_t)nc * sizeof *nd) : NULL;
    if (nd)
        m->data = nd;
    if (!ni || !nd)
        return err_set(e, "out of memory converting a dense matrix (%lld values)", (long long)nc);
    *cap = nc;
    return 0;
}

/* Read a dense 2-D matrix in row blocks, keeping the non-zero values. */
static int read_dense(const h5u_file *f, const char *obj, const mat_hdr *h, sc_csr *m, sc_err *e)
{
    char what[PATHMAX + 16];
    int64_t block = h->ncols >= (1 << 22) ? 1 : (1 << 22) / (h->ncols ? h->ncols : 1);
    if (block > h->nrows)
        block = h->nrows;
    float *buf = sc_calloc(e, (size_t)(block * h->ncols), sizeof *buf);
    m->nrows = h->nrows;
    m->ncols = h->ncols;
    m->indptr = buf ? sc_calloc(e, (size_t)h->nrows + 1, sizeof *m->indptr) : NULL;
    int64_t cap = 0, nnz = 0;
    int rc = m->indptr ? 0 : -1;
    for (int64_t r0 = 0; rc == 0 && r0 < h->nrows; r0 += block) {
        int64_t nr = h->nrows - r0 < block ? h->nrows - r0 : block;
        rc = h5u_read_rows(f, obj, H5U_F32, r0, nr, h->ncols, buf, e);
        for (int64_t r = 0; rc == 0 && r < nr; r++) {
            const float *row = buf + r * h->ncols;
            for (int64_t j = 0; rc == 0 && j < h->ncols; j++)
                if (row[j] != 0 && (rc = grow(m, &cap, nnz + 1, e)) == 0) {
                    m->indices[nnz] = (int32_t)j;
                    m->data[nnz++] = row[j];
                }
            m->indptr[r0 + r + 1] = nnz;
        }
    }
    free(buf);
    if (rc == 0 && (rc = grow(m, &cap, 1, e)) == 0) {
        snprintf(what, sizeof what, "%s:%s", f->path, obj);
        rc = csr_validate(m, nnz, 1, what, e);
    }
    if (rc != 0)
        csr_free(m);
    return rc;
}

/* ---- obs / var -------------------------------------------------------- */

/* Codes must be -1 (missing) or name one of ncats categories. */
static int check_codes(const h5u_file *f, const char *path, const char *col, const int32_t *codes,
                       int64_t n, int32_t ncats, sc_err *e)
{
    for (int64_t i = 0; i < n; i++)
        if (codes[i] < -1 || codes[i] >= ncats)
            return err_set(e, "%s:%s: code %d at row %lld is outside the %d categories of column "
                              "'%s' (expected -1 for missing or 0..%d)",
                           f->path, path, codes[i], (long long)i, ncats, col, ncats - 1);
    return 0;
}

/* A categorical column from a codes dataset and a categories dataset. */
static int read_categorical(const h5u_file *f, const char *name, const char *codes_path,
                            const char *cats_path, int64_t n, sc_column *c, sc_err *e)
{
    h5u_info ci, ki;
    if (h5u_info_get(f, codes_path, &ci, e) || h5u_info_get(f, cats_path, &ki, e))
        return -1;
    if (ci.cls != H5U_INT)
        return err_set(e, "%s:%s: dtype %s, expected integer category codes", f->path, codes_path,
                       ci.dtype);
    if (ki.rank > 1 || ki.dims[0] > INT32_MAX)
        return err_set(e, "%s:%s: expected a 1-D array of categories", f->path, cats_path);
    c->kind = SC_COL_CAT;
    c->ncats = (int32_t)ki.dims[0];
    if (!(c->codes = sc_calloc(e, (size_t)n, sizeof *c->codes)) ||
        h5u_read_num(f, codes_path, H5U_I32, n, c->codes, e) ||
        h5u_read_strs(f, cats_path, c->ncats, &c->cats, e))
        return -1;
    return check_codes(f, codes_path, name, c->codes, n, c->ncats, e);
}

/* anndata's nullable arrays: values plus a boolean mask (true = missing). */
static int read_nullable(const h5u_file *f, const char *path, const char *enc, int64_t n,
                         sc_column *c, sc_err *e)
{
    char vp[PATHMAX], mp[PATHMAX];
    h5u_join(vp, sizeof vp, path, "values");
    h5u_join(mp, sizeof mp, path, "mask");
    double *mask = sc_calloc(e, (size_t)n, sizeof *mask);
    int rc = mask ? h5u_read_num(f, mp, H5U_F64, n, mask, e) : -1;
    if (rc == 0 && strcmp(enc, "nullable-string-array") == 0) {
        c->kind = SC_COL_STR;
        rc = h5u_read_strs(f, vp, n, &c->str, e);
        for (int64_t i = 0; rc == 0 && i < n; i++)
            if (mask[i] != 0) {
                free(c->str[i]);
                c->str[i] = NULL;
            }
    } else if (rc == 0) {
        c->kind = strcmp(enc, "nullable-boolean") == 0 ? SC_COL_BOOL : SC_COL_NUM;
        c->is_int = c->kind == SC_COL_NUM;
        rc = (c->num = sc_calloc(e, (size_t)n, sizeof *c->num)) ? h5u_read_num(f, vp, H5U_F64, n, c->num, e) : -1;
        for (int64_t i = 0; rc == 0 && i < n; i++)
            if (mask[i] != 0)
                c->num[i] = NAN;
    }
    free(mask);
    return rc;
}

/* One column of a dataframe group.  Returns 0 (filled), 1 (skipped: an
 * encoding this reader does not know) or -1. */
static int read_column(const h5u_file *f, const char *grp, const char *name, int64_t n,
                       sc_column *c, sc_err *e)
{
    char path[PATHMAX], p2[PATHMAX], p3[PATHMAX];
    h5u_join(path, sizeof path, grp, name);
    int t = h5u_type(f, path);
    if (t == H5O_TYPE_GROUP) {
        char *enc = NULL;
        int r = h5u_attr_str(f, path, "encoding-type", &enc, e), rc = 1;
        if (r < 0)
            return -1;
        if (r == 1 && strcmp(enc, "categorical") == 0) {
            h5u_join(p2, sizeof p2, path, "codes");
            h5u_join(p3, sizeof p3, path, "categories");
            rc = read_categorical(f, name, p2, p3, n, c, e);
        } else if (r == 1 && strncmp(enc, "nullable-", 9) == 0 &&
                   (strcmp(enc + 9, "integer") == 0 || strcmp(enc + 9, "boolean") == 0 ||
                    strcmp(enc + 9, "string-array") == 0)) {
            rc = read_nullable(f, path, enc, n, c, e);
        } else {
            note("skipped %s column '%s' (encoding %s)", grp + 1, name, r == 1 ? enc : "unknown");
        }
        free(enc);
        return rc;
    }
    if (t != H5O_TYPE_DATASET)
        return err_set(e, "%s:%s: not found (listed in %s's column-order)", f->path, path, grp);
    h5u_join(p2, sizeof p2, grp, "__categories");
    h5u_join(p3, sizeof p3, p2, name);
    if (h5u_type(f, p3) == H5O_TYPE_DATASET) /* anndata 0.7 */
        return read_categorical(f, name, path, p3, n, c, e);
    h5u_info in;
    if (h5u_info_get(f, path, &in, e) != 0)
        return -1;
    if (in.rank != 1 || in.dims[0] != n)
        return err_set(e, "%s:%s: %lld values, expected %lld (one per row of %s)", f->path, path,
                       (long long)(in.dims[0] * in.dims[1]), (long long)n, grp);
    switch (in.cls) {
    case H5U_STRING:
        c->kind = SC_COL_STR;
        return h5u_read_strs(f, path, n, &c->str, e);
    case H5U_INT:
    case H5U_FLOAT:
    case H5U_BOOL:
        c->kind = in.cls == H5U_BOOL ? SC_COL_BOOL : SC_COL_NUM;
        c->is_int = in.cls == H5U_INT;
        c->num = sc_calloc(e, (size_t)n, sizeof *c->num);
        return c->num ? h5u_read_num(f, path, H5U_F64, n, c->num, e) : -1;
    default:
        note("skipped %s column '%s' (dtype %s)", grp + 1, name, in.dtype);
        return 1;
    }
}

static int add_column(sc_frame *fr, sc_column *c, const char *name, sc_err *e)
{
    if (!(c->name = sc_strdup(e, name)) || frame_add(fr, c, e) != 0)
        return -1; /* the caller still owns c */
    return 0;
}

/* Free a column that was never added to a frame (its strings need n). */
static void column_discard(sc_column *c, int64_t n)
{
    h5u_strs_free(c->str, c->str ? n : 0);
    c->str = NULL;
    column_free(c);
}

/* A dataframe group (anndata >= 0.7). */
static int read_frame_group(const h5u_file *f, const char *obj, sc_frame *fr, sc_err *e)
{
    char *idx = NULL, **order = NULL, path[PATHMAX];
    int64_t norder = 0, n;
    int rc = -1;
    int r = h5u_attr_str(f, obj, "_index", &idx, e);
    if (r < 0)
        return -1;
    h5u_join(path, sizeof path, obj, r == 1 ? idx : "_index");
    if (r == 0 && h5u_type(f, path) < 0)
        h5u_join(path, sizeof path, obj, "index");
    h5u_info in;
    if (h5u_type(f, path) != H5O_TYPE_DATASET) {
        err_set(e, "%s:%s: no index dataset (expected the one named by the _index attribute)",
                f->path, obj);
        goto out;
    }
    if (h5u_info_get(f, path, &in, e) != 0)
        goto out;
    n = in.dims[0];
    fr->n = n;
    if (h5u_read_strs(f, path, n, &fr->index, e) != 0)
        goto out;
    if (r == 1 && strcmp(idx, "_index") != 0 && !(fr->index_name = sc_strdup(e, idx)))
        goto out;
    r = h5u_attr_strs(f, obj, "column-order", &order, &norder, e);
    if (r < 0)
        goto out;
    if (r == 0) { /* no column-order: every member but the index */
        if (h5u_list(f, obj, &order, &norder, e) != 0)
            goto out;
    }
    const char *idxname = strrchr(path, '/') + 1;
    for (int64_t i = 0; i < norder; i++) {
        if (strcmp(order[i], idxname) == 0 || strcmp(order[i], "__categories") == 0 ||
            frame_find(fr, order[i]) >= 0)
            continue;
        sc_column c = {0};
        int cr = read_column(f, obj, order[i], n, &c, e);
        if (cr == 0 && add_column(fr, &c, order[i], e) == 0)
            continue;
        column_discard(&c, n);
        if (cr != 1)
            goto out;
    }
    rc = 0;
out:
    free(idx);
    h5u_strs_free(order, norder);
    return rc;
}

/* Read one field of a compound dataset with memory type mt (size msize).
 * Variable-length strings read this way are released by field_reclaim. */
static int read_field(const h5u_file *f, const char *obj, const char *field, hid_t mt,
                      size_t msize, void *buf, sc_err *e)
{
    hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    hid_t ct = H5Tcreate(H5T_COMPOUND, msize);
    int rc = 0;
    if (d < 0 || ct < 0 || H5Tinsert(ct, field, 0, mt) < 0 ||
        H5Dread(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        char what[300];
        snprintf(what, sizeof what, "cannot read field '%s'", field);
        rc = h5u_fail(e, f, obj, what);
    }
    if (ct >= 0)
        H5Tclose(ct);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

static void field_reclaim(const h5u_file *f, const char *obj, const char *field, hid_t mt,
                          void *buf)
{
    hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(char *));
    if (sp >= 0 && ct >= 0 && H5Tinsert(ct, field, 0, mt) >= 0)
        h5u_reclaim(ct, sp, buf);
    if (ct >= 0)
        H5Tclose(ct);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
}

/* String field of a compound dataset. */
static int field_strs(const h5u_file *f, const char *obj, const char *field, hid_t ft, int64_t n,
                      char ***out, sc_err *e)
{
    char **s = sc_calloc(e, (size_t)n, sizeof *s);
    if (!s)
        return -1;
    hid_t mt = H5Tcopy(H5T_C_S1);
    int rc;
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        char **buf = sc_calloc(e, (size_t)n, sizeof *buf);
        rc = buf ? read_field(f, obj, field, mt, sizeof(char *), buf, e) : -1;
        int got = rc == 0;
        for (int64_t i = 0; rc == 0 && i < n; i++)
            if (!(s[i] = sc_strdup(e, buf[i] ? buf[i] : "")))
                rc = -1;
        if (got)
            field_reclaim(f, obj, field, mt, buf);
        free(buf);
    } else {
        size_t size = H5Tget_size(ft);
        H5Tset_size(mt, size);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *buf = sc_calloc(e, (size_t)n, size);
        rc = buf ? read_field(f, obj, field, mt, size, buf, e) : -1;
        for (int64_t i = 0; rc == 0 && i < n; i++) {
            size_t len = strnlen(buf + (size_t)i * size, size);
            if (!(s[i] = sc_calloc(e, len + 1, 1)))
                rc = -1;
            else
                memcpy(s[i], buf + (size_t)i * size, len);
        }
        free(buf);
    }
    H5Tclose(mt);
    if (rc != 0) {
        h5u_strs_free(s, n);
        return -1;
    }
    *out = s;
    return 0;
}

/* anndata 0.6: obs/var as one compound dataset; field "index" holds the row
 * names, categoricals are integer codes with categories in uns/COL_categories. */
static int read_frame_compound(const h5u_file *f, const char *obj, sc_frame *fr, sc_err *e)
{
    h5u_info in;
    if (h5u_info_get(f, obj, &in, e) != 0)
        return -1;
    if (!in.is_compound || in.rank != 1)
        return err_set(e, "%s:%s: a %s dataset, expected a dataframe group or a compound table",
                       f->path, obj, in.dtype);
    int64_t n = in.dims[0];
    fr->n = n;
    hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    hid_t t = d >= 0 ? H5Dget_type(d) : -1;
    if (d >= 0)
        H5Dclose(d);
    if (t < 0)
        return h5u_fail(e, f, obj, "cannot read the table's type");
    int nm = H5Tget_nmembers(t), rc = 0;
    for (int i = 0; i < nm && rc == 0; i++) {
        char *name = H5Tget_member_name(t, (unsigned)i);
        hid_t mt = H5Tget_member_type(t, (unsigned)i);
        H5T_class_t cls = H5Tget_class(mt);
        char cats[PATHMAX];
        snprintf(cats, sizeof cats, "/uns/%s_categories", name);
        int is_index = strcmp(name, "index") == 0 || strcmp(name, "_index") == 0;
        sc_column c = {0};
        if (is_index) {
            if (cls != H5T_STRING)
                rc = err_set(e, "%s:%s: field '%s' is not a string", f->path, obj, name);
            else
                rc = field_strs(f, obj, name, mt, n, &fr->index, e);
        } else if (cls == H5T_STRING) {
            c.kind = SC_COL_STR;
            rc = field_strs(f, obj, name, mt, n, &c.str, e);
            rc = rc ? rc : add_column(fr, &c, name, e);
        } else if (cls == H5T_INTEGER && h5u_type(f, cats) == H5O_TYPE_DATASET) {
            h5u_info ki;
            c.kind = SC_COL_CAT;
            rc = h5u_info_get(f, cats, &ki, e);
            if (rc == 0 && (ki.rank > 1 || ki.dims[0] > INT32_MAX))
                rc = err_set(e, "%s:%s: expected a 1-D array of categories", f->path, cats);
            if (rc == 0) {
                c.ncats = (int32_t)ki.dims[0];
                c.codes = sc_calloc(e, (size_t)n, sizeof *c.codes);
                /* HDF5 clamps wider codes into int32, still caught as out of range */
                rc = c.codes ? read_field(f, obj, name, H5T_NATIVE_INT32, sizeof(int32_t), c.codes, e) : -1;
            }
            if (rc == 0)
                rc = h5u_read_strs(f, cats, c.ncats, &c.cats, e);
            if (rc == 0) {
                char where[PATHMAX + 64];
                snprintf(where, sizeof where, "%s (field '%s')", obj, name);
                rc = check_codes(f, where, name, c.codes, n, c.ncats, e);
            }
            rc = rc ? rc : add_column(fr, &c, name, e);
        } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
            c.kind = SC_COL_NUM;
            c.is_int = cls == H5T_INTEGER;
            c.num = sc_calloc(e, (size_t)n, sizeof *c.num);
            rc = c.num ? read_field(f, obj, name, H5T_NATIVE_DOUBLE, sizeof(double), c.num, e) : -1;
            rc = rc ? rc : add_column(fr, &c, name, e);
        } else {
            note("skipped %s field '%s'", obj + 1, name);
        }
        if (rc != 0)
            column_discard(&c, n);
        H5Tclose(mt);
        H5free_memory(name);
    }
    H5Tclose(t);
    if (rc == 0 && !fr->index)
        rc = err_set(e, "%s:%s: no 'index' field with the row names", f->path, obj);
    return rc;
}

/* obs or var: n_expected rows (from the matrix shape). */
static int read_frame(const h5u_file *f, const char *obj, int64_t n_expected, const char *unit,
                      const char *mobj, const mat_hdr *h, sc_frame *fr, sc_err *e)
{
    int t = h5u_type(f, obj);
    int rc;
    if (t == H5O_TYPE_GROUP)
        rc = read_frame_group(f, obj, fr, e);
    else if (t == H5O_TYPE_DATASET)
        rc = read_frame_compound(f, obj, fr, e);
    else
        return err_set(e, "%s:%s: not found (expected a dataframe)", f->path, obj);
    if (rc == 0 && fr->n != n_expected)
        rc = err_set(e,
                     "%s:%s: shape attribute says %lld x %lld but %s has %lld rows; expected one "
                     "%s row per %s",
                     f->path, mobj, (long long)h->nrows, (long long)h->ncols, obj,
                     (long long)fr->n, obj + 1, unit);
    return rc;
}

/* ---- obsm and the list of matrices ------------------------------------ */

static int read_obsm(const h5u_file *f, int64_t nobs, sc_dataset *d, sc_err *e)
{
    if (h5u_type(f, "/obsm") != H5O_TYPE_GROUP)
        return 0;
    char **names;
    int64_t n;
    if (h5u_list(f, "/obsm", &names, &n, e) != 0)
        return -1;
    int rc = 0;
    d->obsm = n ? sc_calloc(e, (size_t)n, sizeof *d->obsm) : NULL;
    if (n && !d->obsm)
        rc = -1;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        char path[PATHMAX];
        h5u_join(path, sizeof path, "/obsm", names[i]);
        h5u_info in;
        if (h5u_type(f, path) != H5O_TYPE_DATASET) {
            note("skipped obsm '%s' (not a dense array)", names[i]);
            continue;
        }
        if ((rc = h5u_info_get(f, path, &in, e)) != 0)
            break;
        if (in.rank != 2 || (in.cls != H5U_INT && in.cls != H5U_FLOAT)) {
            note("skipped obsm '%s' (%d-D %s)", names[i], in.rank, in.dtype);
            continue;
        }
        if (in.dims[0] != nobs) {
            rc = err_set(e, "%s:%s: %lld rows, expected %lld (one per cell)", f->path, path,
                         (long long)in.dims[0], (long long)nobs);
            break;
        }
        sc_embed *em = &d->obsm[d->nobsm];
        em->rows = in.dims[0];
        em->cols = in.dims[1];
        if (!(em->key = sc_strdup(e, names[i])) ||
            !(em->data = sc_calloc(e, (size_t)(em->rows * em->cols), sizeof *em->data)) ||
            h5u_read_num(f, path, H5U_F32, em->rows * em->cols, em->data, e) != 0) {
            free(em->key);
            free(em->data);
            rc = -1;
            break;
        }
        d->nobsm++;
        for (int64_t k = 0; k < em->rows * em->cols; k++)
            if (!isfinite(em->data[k])) {
                rc = err_set(e, "%s:%s: value at row %lld, column %lld is %s, expected finite "
                                "coordinates",
                             f->path, path, (long long)(k / em->cols), (long long)(k % em->cols),
                             isnan(em->data[k]) ? "NaN" : "infinite");
                break;
            }
    }
    h5u_strs_free(names, n);
    return rc;
}

static int add_name(char ***list, int *n, const char *s, sc_err *e)
{
    char **nl = realloc(*list, (size_t)(*n + 1) * sizeof *nl);
    if (!nl)
        return err_set(e, "out of memory");
    *list = nl;
    if (!(nl[*n] = sc_strdup(e, s)))
        return -1;
    (*n)++;
    return 0;
}

/* The file's matrices other than the one loaded, by their `layer=` name. */
static int list_matrices(const h5u_file *f, const char *loaded, char ***list, int *n, sc_err *e)
{
    *list = NULL;
    *n = 0;
    if (strcmp(loaded, "X") != 0 && h5u_type(f, "/X") >= 0 && add_name(list, n, "X", e))
        return -1;
    if (strcmp(loaded, "raw") != 0 && h5u_type(f, "/raw/X") >= 0 && add_name(list, n, "raw", e))
        return -1;
    if (h5u_type(f, "/layers") != H5O_TYPE_GROUP)
        return 0;
    char **names;
    int64_t nn;
    if (h5u_list(f, "/layers", &names, &nn, e) != 0)
        return -1;
    int rc = 0;
    for (int64_t i = 0; i < nn && rc == 0; i++)
        if (strcmp(names[i], loaded) != 0)
            rc = add_name(list, n, names[i], e);
    h5u_strs_free(names, nn);
    return rc;
}

/* The negative-count message says where raw counts may be instead. */
static void hint_counts(sc_err *e, char **list, int n)
{
    const char *best = NULL;
    for (int i = 0; i < n && !best; i++)
        if (strcmp(list[i], "counts") == 0 || strcmp(list[i], "raw_counts") == 0)
            best = list[i];
    for (int i = 0; i < n && !best; i++)
        if (strcmp(list[i], "raw") == 0)
            best = list[i];
    size_t used = strlen(e->msg);
    if (best)
        snprintf(e->msg + used, sizeof e->msg - used,
                 "; this matrix is not raw counts, the file also has %s%s: load it with layer=%s",
                 strcmp(best, "raw") == 0 ? "raw/X" : "layers/", strcmp(best, "raw") == 0 ? "" : best,
                 best);
    else
        snprintf(e->msg + used, sizeof e->msg - used,
                 "; expected raw counts (non-negative), and the file has no layers/counts or raw/X");
}

/* ---- the reader ------------------------------------------------------- */

int h5ad_read(const char *path, const h5ad_opts *o, sc_dataset *out, sc_err *e)
{
    const char *layer = o && o->layer && strcmp(o->layer, "X") != 0 ? o->layer : NULL;
    sc_dataset d;
    h5u_file f;
    mat_hdr h = {M_CSR, 0, 0};
    char mobj[PATHMAX], varobj[PATHMAX], src[PATHMAX + 64];
    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    last_renamed = 0;
    last_note[0] = '\0';
    if (h5u_open(&f, path, e) != 0)
        return -1;
    int rc = -1;
    if (!layer)
        snprintf(mobj, sizeof mobj, "/X");
    else if (strcmp(layer, "raw") == 0)
        snprintf(mobj, sizeof mobj, "/raw/X");
    else
        h5u_join(mobj, sizeof mobj, "/layers", layer);
    snprintf(varobj, sizeof varobj, layer && strcmp(layer, "raw") == 0 ? "/raw/var" : "/var");
    if (list_matrices(&f, layer ? layer : "X", &d.layers, &d.nlayers, e) != 0)
        goto out;
    if (h5u_type(&f, mobj) < 0) {
        char have[512] = "";
        for (int i = 0; i < d.nlayers; i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
                     d.layers[i]);
        if (!layer) {
            char **top = NULL;
            int64_t nt = 0;
            char list[256] = "";
            if (h5u_list(&f, "/", &top, &nt, e) == 0)
                for (int64_t i = 0; i < nt; i++)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                             top[i]);
            h5u_strs_free(top, nt);
            h5_kind k;
            sc_err ignored;
            int tenx = h5_kind_of(path, &k, &ignored) == 0 && (k == H5K_10X_V3 || k == H5K_10X_V2);
            err_set(e, "%s:/X: not found; expected an AnnData file with a count matrix X "
                       "(top-level objects: %s)%s",
                    path, *list ? list : "none", tenx ? "; this is a Cell Ranger .h5 file" : "");
        } else {
            err_set(e, "%s:%s: no such matrix for layer=%s; matrices present: %s", path, mobj,
                    layer, *have ? have : "none");
        }
        goto out;
    }
    if (mat_header(&f, mobj, &h, e) != 0 ||
        read_frame(&f, "/obs", h.nrows, "cell", mobj, &h, &d.obs, e) != 0 ||
        read_frame(&f, varobj, h.ncols, "gene", mobj, &h, &d.var, e) != 0)
        goto out;
    if ((h.kind == M_DENSE ? read_dense(&f, mobj, &h, &d.X, e) : read_sparse(&f, mobj, &h, &d.X, e)) != 0) {
        if (strstr(e->msg, "negative count"))
            hint_counts(e, d.layers, d.nlayers);
        goto out;
    }
    if (read_obsm(&f, h.nrows, &d, e) != 0)
        goto out;
    int64_t renamed = names_make_unique(d.var.index, d.var.n, e);
    if (renamed < 0)
        goto out;
    last_renamed = renamed;
    snprintf(src, sizeof src, "%s:%s", path, mobj);
    if (!(d.source = sc_strdup(e, path)) || !(d.x_source = sc_strdup(e, src)))
        goto out;
    rc = 0;
out:
    h5u_close(&f);
    if (rc != 0) {
        dataset_free(&d);
        last_renamed = 0;
        return -1;
    }
    *out = d;
    return 0;
}

/* h5ad_write.c: sc_dataset -> AnnData .h5ad (see h5ad_write.h).
 *
 * Order of work: check everything (check_*), then write to the temporary
 * file of an atomic save (put_*), then rename it over the target.  Nothing is
 * created before the checks pass. */
#include "h5ad_write.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "h5util.h" /* h5u_join */
#include "h5write.h"

#define PATHMAX 1024

/* ---- the uns tree ----------------------------------------------------- */

static void strings_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void uns_free(uns_node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nkids; i++)
        uns_free(n->kids[i]);
    free(n->kids);
    free(n->key);
    free(n->str);
    free(n->arr);
    strings_free(n->strs, n->kind == UNS_STRS ? n->rows : 0);
    if (n->frame) {
        frame_free(n->frame);
        free(n->frame);
    }
    free(n);
}

uns_node *uns_dict_new(sc_err *e)
{
    uns_node *n = sc_calloc(e, 1, sizeof *n);
    if (n)
        n->kind = UNS_DICT;
    return n;
}

uns_node *uns_get(const uns_node *dict, const char *key)
{
    for (int i = 0; dict && i < dict->nkids; i++)
        if (strcmp(dict->kids[i]->key, key) == 0)
            return dict->kids[i];
    return NULL;
}

/* A new child of `dict` named key, of the given kind. */
static uns_node *add(uns_node *dict, const char *key, uns_kind kind, sc_err *e)
{
    if (!dict || dict->kind != UNS_DICT) {
        err_set(e, "uns: cannot add '%s': the parent is not a dict", key);
        return NULL;
    }
    if (uns_get(dict, key)) {
        err_set(e, "uns: key '%s' is already present in '%s'", key, dict->key ? dict->key : "uns");
        return NULL;
    }
    uns_node **kids = realloc(dict->kids, (size_t)(dict->nkids + 1) * sizeof *kids);
    if (!kids) {
        err_set(e, "out of memory adding uns key '%s'", key);
        return NULL;
    }
    dict->kids = kids;
    uns_node *n = sc_calloc(e, 1, sizeof *n);
    if (!n || !(n->key = sc_strdup(e, key))) {
        free(n);
        return NULL;
    }
    n->kind = kind;
    kids[dict->nkids++] = n;
    return n;
}

/* Undo the last add() after a failure to fill the node. */
static int drop_last(uns_node *dict)
{
    uns_free(dict->kids[--dict->nkids]);
    return -1;
}

uns_node *uns_dict(uns_node *parent, const char *key, sc_err *e)
{
    return add(parent, key, UNS_DICT, e);
}

int uns_str(uns_node *dict, const char *key, const char *v, sc_err *e)
{
    uns_node *n = add(dict, key, UNS_STR, e);
    if (!n)
        return -1;
    return (n->str = sc_strdup(e, v ? v : "")) ? 0 : drop_last(dict);
}

int uns_num(uns_node *dict, const char *key, double v, sc_err *e)
{
    uns_node *n = add(dict, key, UNS_NUM, e);
    if (!n)
        return -1;
    n->num = v;
    return 0;
}

int uns_int(uns_node *dict, const char *key, int64_t v, sc_err *e)
{
    uns_node *n = add(dict, key, UNS_NUM, e);
    if (!n)
        return -1;
    n->num = (double)v;
    n->is_int = 1;
    return 0;
}

int uns_array(uns_node *dict, const char *key, const double *v, int64_t rows, int64_t cols,
              int is_int, sc_err *e)
{
    if (rows < 0 || cols < 0)
        return err_set(e, "uns: array '%s' has a negative shape", key);
    uns_node *n = add(dict, key, UNS_ARRAY, e);
    if (!n)
        return -1;
    int64_t total = rows * (cols ? cols : 1);
    n->rows = rows;
    n->cols = cols;
    n->is_int = is_int;
    if (total && !(n->arr = sc_calloc(e, (size_t)total, sizeof *n->arr)))
        return drop_last(dict);
    if (total)
        memcpy(n->arr, v, (size_t)total * sizeof *n->arr);
    return 0;
}

int uns_strings(uns_node *dict, const char *key, char *const *v, int64_t n, sc_err *e)
{
    if (n < 0)
        return err_set(e, "uns: string array '%s' has a negative length", key);
    uns_node *node = add(dict, key, UNS_STRS, e);
    if (!node)
        return -1;
    node->rows = n;
    if (n && !(node->strs = sc_calloc(e, (size_t)n, sizeof *node->strs)))
        return drop_last(dict);
    for (int64_t i = 0; i < n; i++)
        if (!(node->strs[i] = sc_strdup(e, v[i] ? v[i] : "")))
            return drop_last(dict);
    return 0;
}

int uns_frame(uns_node *dict, const char *key, sc_frame *f, sc_err *e)
{
    uns_node *n = add(dict, key, UNS_FRAME, e);
    if (!n)
        return -1;
    if (!(n->frame = sc_calloc(e, 1, sizeof *n->frame)))
        return drop_last(dict);
    *n->frame = *f;
    memset(f, 0, sizeof *f);
    return 0;
}

/* ---- checks ----------------------------------------------------------- */

/* A name usable as an HDF5 link and an anndata key. */
static int check_key(const char *file, const char *where, const char *what, const char *name,
                     sc_err *e)
{
    if (!name || !*name)
        return err_set(e, "%s:%s: an empty %s name", file, where, what);
    if (strchr(name, '/') || strcmp(name, ".") == 0)
        return err_set(e, "%s:%s: %s name '%s' cannot be written (contains '/' or is '.')", file,
                       where, what, name);
    return 0;
}

/* Keys of one mapping (obsm, varm, a uns dict) must be distinct. */
static int check_unique(const char *file, const char *where, const char *const *keys, int n,
                        sc_err *e)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                return err_set(e, "%s:%s: key '%s' appears twice", file, where, keys[i]);
    return 0;
}

static int check_finite(const char *file, const char *where, const float *v, int64_t rows,
                        int64_t cols, int nan_ok, sc_err *e)
{
    for (int64_t k = 0; k < rows * cols; k++)
        if (!isfinite(v[k]) && !(nan_ok && isnan(v[k])))
            return err_set(e, "%s:%s: value at row %lld, column %lld is %s, expected finite values",
                           file, where, (long long)(k / cols), (long long)(k % cols),
                           isnan(v[k]) ? "NaN" : "infinite");
    return 0;
}

/* Categories must be present and distinct (pandas refuses duplicates). */
static int check_cats(const char *file, const char *where, const sc_column *c, int64_t n,
                      sc_err *e)
{
    if (c->ncats < 0 || (c->ncats > 0 && !c->cats))
        return err_set(e, "%s:%s: categorical without its categories", file, where);
    for (int32_t i = 0; i < c->ncats; i++)
        if (!c->cats[i])
            return err_set(e, "%s:%s: category %d is missing (NULL)", file, where, i);
    int64_t *ord = c->ncats ? sc_calloc(e, (size_t)c->ncats, sizeof *ord) : NULL;
    if (c->ncats && !ord)
        return -1;
    for (int32_t i = 0; i < c->ncats; i++)
        ord[i] = i;
    sc_sort_names_stable(ord, c->ncats, c->cats);
    int rc = 0;
    for (int32_t i = 1; i < c->ncats && rc == 0; i++)
        if (strcmp(c->cats[ord[i]], c->cats[ord[i - 1]]) == 0)
            rc = err_set(e, "%s:%s: category '%s' appears twice, expected distinct categories",
                         file, where, c->cats[ord[i]]);
    free(ord);
    for (int64_t i = 0; i < n && rc == 0; i++)
        if (!c->codes || c->codes[i] < -1 || c->codes[i] >= c->ncats)
            rc = err_set(e, "%s:%s: code %d at row %lld is outside the %d categories (expected -1 "
                            "for missing or 0..%d)",
                         file, where, c->codes ? c->codes[i] : 0, (long long)i, c->ncats,
                         c->ncats - 1);
    return rc;
}

/* A frame of n_expected rows: row names, distinct writable column names that
 * do not collide with the index, and values each kind can hold. */
static int check_frame(const char *file, const char *obj, const sc_frame *f, int64_t n_expected,
                       int need_index, sc_err *e)
{
    char where[PATHMAX];
    if (n_expected >= 0 && f->n != n_expected)
        return err_set(e, "%s:%s: %lld rows, expected %lld (one per %s)", file, obj, (long long)f->n,
                       (long long)n_expected, strcmp(obj, "/var") == 0 ? "gene" : "cell");
    if (need_index && f->n > 0 && !f->index)
        return err_set(e, "%s:%s: no row names", file, obj);
    for (int64_t i = 0; f->index && i < f->n; i++)
        if (!f->index[i])
            return err_set(e, "%s:%s: row name %lld is missing (NULL)", file, obj, (long long)i);
    if (f->index_name && (check_key(file, obj, "index", f->index_name, e) != 0))
        return -1;
    for (int i = 0; i < f->ncols; i++) {
        const sc_column *c = &f->cols[i];
        if (check_key(file, obj, "column", c->name, e) != 0)
            return -1;
        h5u_join(where, sizeof where, obj, c->name);
        if (strcmp(c->name, "_index") == 0 || (f->index_name && strcmp(c->name, f->index_name) == 0))
            return err_set(e, "%s:%s: column name '%s' is taken by the row names", file, where,
                           c->name);
        for (int j = 0; j < i; j++)
            if (strcmp(f->cols[j].name, c->name) == 0)
                return err_set(e, "%s:%s: column '%s' appears twice", file, obj, c->name);
        switch (c->kind) {
        case SC_COL_NUM:
            if (f->n && !c->num)
                return err_set(e, "%s:%s: numeric column without values", file, where);
            break;
        case SC_COL_BOOL:
            if (f->n && !c->num)
                return err_set(e, "%s:%s: boolean column without values", file, where);
            for (int64_t r = 0; r < f->n; r++)
                if (!isnan(c->num[r]) && c->num[r] != 0 && c->num[r] != 1)
                    return err_set(e, "%s:%s: value %g at row %lld, expected 0, 1 or NaN (missing)",
                                   file, where, c->num[r], (long long)r);
            break;
        case SC_COL_STR:
            if (f->n && !c->str)
                return err_set(e, "%s:%s: string column without values", file, where);
            break;
        case SC_COL_CAT:
            if (check_cats(file, where, c, f->n, e) != 0)
                return -1;
            break;
        default:
            return err_set(e, "%s:%s: unknown column kind %d", file, where, (int)c->kind);
        }
    }
    return 0;
}

/* A CSR matrix of `rows` rows; finite values, sorted unique indices. */
static int check_csr(const char *file, const char *obj, const sc_csr *m, int64_t rows, sc_err *e)
{
    char what[PATHMAX + 64];
    snprintf(what, sizeof what, "%s:%s", file, obj);
    if (rows >= 0 && m->nrows != rows)
        return err_set(e, "%s: %lld rows, expected %lld (one per cell)", what, (long long)m->nrows,
                       (long long)rows);
    if (!m->indptr)
        return err_set(e, "%s: no indptr", what);
    return csr_validate(m, m->indptr[m->nrows], 0, what, e);
}

static int check_uns(const char *file, const char *obj, const uns_node *n, sc_err *e)
{
    char where[PATHMAX];
    switch (n->kind) {
    case UNS_DICT:
        for (int i = 0; i < n->nkids; i++) {
            const uns_node *k = n->kids[i];
            if (check_key(file, obj, "uns key", k->key, e) != 0)
                return -1;
            for (int j = 0; j < i; j++)
                if (strcmp(n->kids[j]->key, k->key) == 0)
                    return err_set(e, "%s:%s: key '%s' appears twice", file, obj, k->key);
            h5u_join(where, sizeof where, obj, k->key);
            if (check_uns(file, where, k, e) != 0)
                return -1;
        }
        return 0;
    case UNS_NUM:
        if (n->is_int && (n->num != floor(n->num) || fabs(n->num) >= 9.2e18))
            return err_set(e, "%s:%s: %g is not an integer", file, obj, n->num);
        return 0;
    case UNS_ARRAY:
        for (int64_t k = 0; n->is_int && k < n->rows * (n->cols ? n->cols : 1); k++)
            if (n->arr[k] != floor(n->arr[k]) || fabs(n->arr[k]) >= 9.2e18)
                return err_set(e, "%s:%s: value %g at position %lld is not an integer", file, obj,
                               n->arr[k], (long long)k);
        return 0;
    case UNS_FRAME:
        return n->frame ? check_frame(file, obj, n->frame, -1, 0, e)
                        : err_set(e, "%s:%s: no data frame", file, obj);
    case UNS_STR:
    case UNS_STRS:
        return 0;
    }
    return err_set(e, "%s:%s: unknown uns node kind %d", file, obj, (int)n->kind);
}

/* Check a list of dense matrices against the axis length and each other. */
static int check_dense_list(const char *file, const char *obj, const h5ad_dense *m, int n,
                            int64_t rows, const char *unit, sc_err *e)
{
    char where[PATHMAX];
    for (int i = 0; i < n; i++) {
        if (check_key(file, obj, "key", m[i].key, e) != 0)
            return -1;
        h5u_join(where, sizeof where, obj, m[i].key);
        if (m[i].rows != rows || m[i].cols < 0)
            return err_set(e, "%s:%s: %lld x %lld, expected %lld rows (one per %s)", file, where,
                           (long long)m[i].rows, (long long)m[i].cols, (long long)rows, unit);
        if (m[i].rows * m[i].cols > 0 && !m[i].data)
            return err_set(e, "%s:%s: no values", file, where);
        if (check_finite(file, where, m[i].data, m[i].rows, m[i].cols, m[i].nan_missing, e) != 0)
            return -1;
    }
    return 0;
}

/* ---- the obsm to write ------------------------------------------------ */

/* The dataset's obsm entries that are not replaced by an extra, then the
 * extras; dense and sparse keys together must be distinct. */
typedef struct obsm_plan {
    int ndense;
    h5ad_dense *dense;
    int nsparse;
    const h5ad_sparse *sparse;
} obsm_plan;

static int plan_obsm(const sc_dataset *d, const h5ad_extra *x, obsm_plan *p, sc_err *e)
{
    int nx = x ? x->nobsm : 0;
    p->nsparse = x ? x->nobsm_sparse : 0;
    p->sparse = x ? x->obsm_sparse : NULL;
    p->dense = sc_calloc(e, (size_t)(d->nobsm + nx + 1), sizeof *p->dense);
    if (!p->dense)
        return -1;
    for (int i = 0; i < d->nobsm; i++) {
        int replaced = 0;
        for (int j = 0; j < nx && !replaced; j++)
            replaced = x->obsm[j].key && strcmp(x->obsm[j].key, d->obsm[i].key) == 0;
        for (int j = 0; j < p->nsparse && !replaced; j++)
            replaced = p->sparse[j].key && strcmp(p->sparse[j].key, d->obsm[i].key) == 0;
        if (!replaced)
            p->dense[p->ndense++] = (h5ad_dense){d->obsm[i].key, d->obsm[i].rows, d->obsm[i].cols,
                                                 d->obsm[i].data, 0};
    }
    for (int j = 0; j < nx; j++)
        p->dense[p->ndense++] = x->obsm[j];
    return 0;
}

static int check_all(const char *file, const sc_dataset *d, const h5ad_extra *x,
                     const obsm_plan *p, sc_err *e)
{
    char where[PATHMAX];
    if (check_csr(file, "/X", &d->X, -1, e) != 0 ||
        check_frame(file, "/obs", &d->obs, d->X.nrows, 1, e) != 0 ||
        check_frame(file, "/var", &d->var, d->X.ncols, 1, e) != 0 ||
        check_dense_list(file, "/obsm", p->dense, p->ndense, d->X.nrows, "cell", e) != 0)
        return -1;
    int nkeys = p->ndense + p->nsparse;
    const char **keys = sc_calloc(e, (size_t)nkeys + 1, sizeof *keys);
    if (!keys)
        return -1;
    for (int i = 0; i < p->ndense; i++)
        keys[i] = p->dense[i].key;
    int rc = 0;
    for (int i = 0; i < p->nsparse && rc == 0; i++) {
        keys[p->ndense + i] = p->sparse[i].key;
        if ((rc = check_key(file, "/obsm", "key", p->sparse[i].key, e)) == 0) {
            h5u_join(where, sizeof where, "/obsm", p->sparse[i].key);
            rc = p->sparse[i].m ? check_csr(file, where, p->sparse[i].m, d->X.nrows, e)
                                : err_set(e, "%s:%s: no matrix", file, where);
        }
    }
    if (rc == 0)
        rc = check_unique(file, "/obsm", keys, nkeys, e);
    free(keys);
    if (rc != 0 || !x)
        return rc;
    if (check_dense_list(file, "/varm", x->varm, x->nvarm, d->X.ncols, "gene", e) != 0)
        return -1;
    keys = sc_calloc(e, (size_t)x->nvarm + 1, sizeof *keys);
    if (!keys)
        return -1;
    for (int i = 0; i < x->nvarm; i++)
        keys[i] = x->varm[i].key;
    rc = check_unique(file, "/varm", keys, x->nvarm, e);
    free(keys);
    if (rc == 0 && x->uns) {
        if (x->uns->kind != UNS_DICT)
            return err_set(e, "%s:/uns: expected a dict at the root", file);
        rc = check_uns(file, "/uns", x->uns, e);
    }
    return rc;
}

/* ---- writing ---------------------------------------------------------- */

/* Where errors are reported: the file name shown and the error. */
typedef struct wctx {
    const char *file;
    sc_err *e;
} wctx;

/* h5write's messages name the object; add "FILE:/PATH: " before them. */
static int fail_at(wctx *w, const char *obj)
{
    return err_prefix(w->e, "%s:%s", w->file, obj);
}

/* encoding-type / encoding-version attributes on the object loc/name. */
static int put_enc(wctx *w, hid_t loc, const char *name, const char *obj, const char *type,
                   const char *version)
{
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    int rc;
    if (o < 0) {
        rc = err_set(w->e, "cannot open '%s'", name);
    } else {
        rc = h5w_attr_str(o, "encoding-type", type, w->e) ||
             h5w_attr_str(o, "encoding-version", version, w->e);
        H5Oclose(o);
    }
    H5Eclear2(H5E_DEFAULT);
    return rc ? fail_at(w, obj) : 0;
}

/* h5py's bool: an enum of int8 with members FALSE = 0 and TRUE = 1. */
static hid_t bool_type(void)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t v = 0;
    H5Tenum_insert(t, "FALSE", &v);
    v = 1;
    H5Tenum_insert(t, "TRUE", &v);
    return t;
}

/* A 1-D dataset of a type h5write has no helper for (int16, bool), with
 * h5write's policy: gzip level 4 in 256 KiB chunks when over 64 KiB. */
static int put_1d(wctx *w, hid_t loc, const char *name, const char *obj, hid_t type,
                  const void *v, hsize_t n, size_t elsize)
{
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (n * elsize > 65536) {
        hsize_t chunk = 262144 / elsize;
        if (chunk > n)
            chunk = n;
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = 0;
    if (d < 0 || (n > 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        rc = err_set(w->e, "cannot write dataset '%s'", name);
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    return rc ? fail_at(w, obj) : 0;
}

/* A scalar dataset (numeric-scalar, string): never chunked or compressed. */
static int put_scalar(wctx *w, hid_t loc, const char *name, const char *obj, hid_t type,
                      const void *v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = 0;
    if (d < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = err_set(w->e, "cannot write dataset '%s'", name);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    return rc ? fail_at(w, obj) : 0;
}

/* An attribute of an arbitrary type and shape (rank 0: scalar). */
static int put_attr(wctx *w, hid_t o, const char *name, const char *obj, hid_t type, int rank,
                    hsize_t n, const void *v)
{
    hid_t space = rank ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int rc = 0;
    if (a < 0 || ((rank == 0 || n > 0) && H5Awrite(a, type, v) < 0))
        rc = err_set(w->e, "cannot write attribute '%s'", name);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    return rc ? fail_at(w, obj) : 0;
}

/* A group with the given encoding (dict, dataframe, ...). */
static hid_t put_group(wctx *w, hid_t loc, const char *name, const char *obj, const char *type,
                       const char *version)
{
    hid_t g = h5w_group(loc, name, w->e);
    if (g < 0) {
        fail_at(w, obj);
        return -1;
    }
    if (h5w_attr_str(g, "encoding-type", type, w->e) ||
        h5w_attr_str(g, "encoding-version", version, w->e)) {
        fail_at(w, obj);
        H5Gclose(g);
        return -1;
    }
    return g;
}

static int put_strings(wctx *w, hid_t loc, const char *name, const char *obj, char *const *s,
                       int64_t n)
{
    if (h5w_strings(loc, name, s, (hsize_t)n, w->e) != 0)
        return fail_at(w, obj);
    return put_enc(w, loc, name, obj, "string-array", "0.2.0");
}

/* pandas' codes dtype for a number of categories: int8 below 127, int16
 * below 32767, else int32. */
static int put_codes(wctx *w, hid_t g, const char *obj, const int32_t *codes, int64_t n,
                     int32_t ncats)
{
    char path[PATHMAX];
    h5u_join(path, sizeof path, obj, "codes");
    int rc;
    if (ncats < 32767) {
        int narrow = ncats < 127;
        size_t el = narrow ? 1 : 2;
        void *buf = sc_calloc(w->e, (size_t)n + 1, el);
        if (!buf)
            return -1;
        for (int64_t i = 0; i < n; i++) {
            if (narrow)
                ((int8_t *)buf)[i] = (int8_t)codes[i];
            else
                ((int16_t *)buf)[i] = (int16_t)codes[i];
        }
        rc = put_1d(w, g, "codes", path, narrow ? H5T_NATIVE_INT8 : H5T_NATIVE_INT16, buf,
                    (hsize_t)n, el);
        free(buf);
    } else {
        rc = h5w_i32(g, "codes", codes, (hsize_t)n, w->e) ? fail_at(w, path) : 0;
    }
    return rc ? -1 : put_enc(w, g, "codes", path, "array", "0.2.0");
}

static int put_categorical(wctx *w, hid_t loc, const char *name, const char *obj,
                           const int32_t *codes, int64_t n, char *const *cats, int32_t ncats)
{
    char path[PATHMAX];
    hid_t g = put_group(w, loc, name, obj, "categorical", "0.2.0");
    if (g < 0)
        return -1;
    hid_t bt = bool_type();
    int8_t no = 0;
    h5u_join(path, sizeof path, obj, "categories");
    int rc = put_attr(w, g, "ordered", obj, bt, 0, 1, &no) || put_codes(w, g, obj, codes, n, ncats) ||
             put_strings(w, g, "categories", path, cats, ncats);
    H5Tclose(bt);
    H5Gclose(g);
    return rc ? -1 : 0;
}

/* A string column with missing values: categories are its distinct strings
 * in byte (code point) order, as pandas sorts them; NULL gets code -1. */
static int put_str_as_cat(wctx *w, hid_t loc, const char *name, const char *obj, char **s,
                          int64_t n)
{
    int64_t *ord = sc_calloc(w->e, (size_t)n + 1, sizeof *ord);
    int32_t *codes = ord ? sc_calloc(w->e, (size_t)n + 1, sizeof *codes) : NULL;
    char **cats = codes ? sc_calloc(w->e, (size_t)n + 1, sizeof *cats) : NULL;
    int rc = -1;
    if (!cats)
        goto out;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        codes[i] = -1;
        if (s[i])
            ord[m++] = i;
    }
    sc_sort_names_stable(ord, m, s);
    int32_t ncats = 0;
    for (int64_t k = 0; k < m; k++) {
        if (k == 0 || strcmp(s[ord[k]], s[ord[k - 1]]) != 0) {
            if (ncats == INT32_MAX) {
                err_set(w->e, "%s:%s: too many distinct strings", w->file, obj);
                goto out;
            }
            cats[ncats++] = s[ord[k]];
        }
        codes[ord[k]] = ncats - 1;
    }
    rc = put_categorical(w, loc, name, obj, codes, n, cats, ncats);
out:
    free(ord);
    free(codes);
    free(cats);
    return rc;
}

/* A bool column: plain h5py bools, or nullable-boolean when any is missing. */
static int put_bool(wctx *w, hid_t loc, const char *name, const char *obj, const double *v,
                    int64_t n)
{
    int8_t *vals = sc_calloc(w->e, (size_t)n + 1, 1);
    int8_t *mask = vals ? sc_calloc(w->e, (size_t)n + 1, 1) : NULL;
    int rc = -1, missing = 0;
    hid_t bt = bool_type(), g = -1;
    char path[PATHMAX];
    if (!mask)
        goto out;
    for (int64_t i = 0; i < n; i++) {
        mask[i] = isnan(v[i]);
        vals[i] = !mask[i] && v[i] != 0;
        missing |= mask[i];
    }
    if (!missing) {
        rc = put_1d(w, loc, name, obj, bt, vals, (hsize_t)n, 1) ||
                     put_enc(w, loc, name, obj, "array", "0.2.0")
                 ? -1
                 : 0;
        goto out;
    }
    if ((g = put_group(w, loc, name, obj, "nullable-boolean", "0.1.0")) < 0)
        goto out;
    h5u_join(path, sizeof path, obj, "values");
    rc = put_1d(w, g, "values", path, bt, vals, (hsize_t)n, 1) ||
         put_enc(w, g, "values", path, "array", "0.2.0");
    h5u_join(path, sizeof path, obj, "mask");
    rc = rc || put_1d(w, g, "mask", path, bt, mask, (hsize_t)n, 1) ||
         put_enc(w, g, "mask", path, "array", "0.2.0");
    rc = rc ? -1 : 0;
    H5Gclose(g);
out:
    H5Tclose(bt);
    free(vals);
    free(mask);
    return rc;
}

/* A numeric column: int64 when marked integer and every value is integral,
 * else float64 (NaN stays NaN). */
static int put_num(wctx *w, hid_t loc, const char *name, const char *obj, const sc_column *c,
                   int64_t n)
{
    int as_int = c->is_int;
    for (int64_t i = 0; as_int && i < n; i++)
        as_int = c->num[i] == floor(c->num[i]) && fabs(c->num[i]) < 9.2e18;
    int rc;
    if (as_int) {
        int64_t *iv = sc_calloc(w->e, (size_t)n + 1, sizeof *iv);
        if (!iv)
            return -1;
        for (int64_t i = 0; i < n; i++)
            iv[i] = (int64_t)c->num[i];
        rc = h5w_i64(loc, name, iv, (hsize_t)n, w->e);
        free(iv);
    } else {
        hsize_t dims[1] = {(hsize_t)n};
        rc = h5w_f64(loc, name, c->num, 1, dims, w->e);
    }
    if (rc != 0)
        return fail_at(w, obj);
    return put_enc(w, loc, name, obj, "array", "0.2.0");
}

static int put_column(wctx *w, hid_t g, const char *gobj, const sc_column *c, int64_t n)
{
    char obj[PATHMAX];
    h5u_join(obj, sizeof obj, gobj, c->name);
    switch (c->kind) {
    case SC_COL_NUM:
        return put_num(w, g, c->name, obj, c, n);
    case SC_COL_BOOL:
        return put_bool(w, g, c->name, obj, c->num, n);
    case SC_COL_STR:
        for (int64_t i = 0; i < n; i++)
            if (!c->str[i])
                return put_str_as_cat(w, g, c->name, obj, c->str, n);
        return put_strings(w, g, c->name, obj, c->str, n);
    case SC_COL_CAT:
        return put_categorical(w, g, c->name, obj, c->codes, n, c->cats, c->ncats);
    }
    return err_set(w->e, "%s:%s: unknown column kind", w->file, obj);
}

/* A dataframe: the index (named by index_name, else _index; a frame without
 * row names gets "0", "1", ... as pandas' default index would), column-order
 * (an empty float64 array when there are no columns, as h5py writes []),
 * then the columns. */
static int put_frame(wctx *w, hid_t loc, const char *name, const char *obj, const sc_frame *f)
{
    char ip[PATHMAX];
    const char *iname = f->index_name ? f->index_name : "_index";
    hid_t g = put_group(w, loc, name, obj, "dataframe", "0.2.0");
    if (g < 0)
        return -1;
    int rc = -1;
    char **idx = f->index, **made = NULL;
    if (!idx && f->n > 0) {
        if (!(made = sc_calloc(w->e, (size_t)f->n, sizeof *made)))
            goto out;
        for (int64_t i = 0; i < f->n; i++) {
            char num[32];
            snprintf(num, sizeof num, "%lld", (long long)i);
            if (!(made[i] = sc_strdup(w->e, num)))
                goto out;
        }
        idx = made;
    }
    h5u_join(ip, sizeof ip, obj, iname);
    if (h5w_attr_str(g, "_index", iname, w->e) != 0) {
        fail_at(w, obj);
        goto out;
    }
    if (f->ncols > 0) {
        const char **order = sc_calloc(w->e, (size_t)f->ncols, sizeof *order);
        if (!order)
            goto out;
        for (int i = 0; i < f->ncols; i++)
            order[i] = f->cols[i].name;
        int r = h5w_attr_strings(g, "column-order", order, (hsize_t)f->ncols, w->e);
        free((void *)order);
        if (r != 0) {
            fail_at(w, obj);
            goto out;
        }
    } else if (put_attr(w, g, "column-order", obj, H5T_NATIVE_DOUBLE, 1, 0, NULL) != 0) {
        goto out;
    }
    if (put_strings(w, g, iname, ip, idx, f->n) != 0)
        goto out;
    for (int i = 0; i < f->ncols; i++)
        if (put_column(w, g, obj, &f->cols[i], f->n) != 0)
            goto out;
    rc = 0;
out:
    strings_free(made, made ? f->n : 0);
    H5Gclose(g);
    return rc;
}

/* A csr_matrix group: shape attribute, data float32, and indices and indptr
 * of one integer type, as scipy keeps them: int32 while nnz fits, else both
 * int64.  (An int64 indptr beside int32 indices reads into a scipy matrix
 * that its compiled routines reject: sc.pp.calculate_qc_metrics fails with
 * "Output dtype not compatible with inputs".) */
static int put_csr(wctx *w, hid_t loc, const char *name, const char *obj, const sc_csr *m)
{
    hid_t g = put_group(w, loc, name, obj, "csr_matrix", "0.1.0");
    if (g < 0)
        return -1;
    int64_t shape[2] = {m->nrows, m->ncols}, nnz = m->indptr[m->nrows];
    hsize_t dn[1] = {(hsize_t)nnz};
    int rc = h5w_attr_i64s(g, "shape", shape, 2, w->e) || h5w_f32(g, "data", m->data, 1, dn, w->e);
    if (rc == 0 && nnz <= INT32_MAX) {
        int32_t *ip = sc_calloc(w->e, (size_t)m->nrows + 1, sizeof *ip);
        for (int64_t r = 0; ip && r <= m->nrows; r++)
            ip[r] = (int32_t)m->indptr[r];
        rc = !ip || h5w_i32(g, "indices", m->indices, (hsize_t)nnz, w->e) ||
             h5w_i32(g, "indptr", ip, (hsize_t)m->nrows + 1, w->e);
        free(ip);
    } else if (rc == 0) {
        int64_t *ix = sc_calloc(w->e, (size_t)nnz, sizeof *ix);
        for (int64_t k = 0; ix && k < nnz; k++)
            ix[k] = m->indices[k];
        rc = !ix || h5w_i64(g, "indices", ix, (hsize_t)nnz, w->e) ||
             h5w_i64(g, "indptr", m->indptr, (hsize_t)m->nrows + 1, w->e);
        free(ix);
    }
    H5Gclose(g);
    return rc ? fail_at(w, obj) : 0;
}

static int put_dense(wctx *w, hid_t loc, const char *gobj, const h5ad_dense *m)
{
    char obj[PATHMAX];
    h5u_join(obj, sizeof obj, gobj, m->key);
    hsize_t dims[2] = {(hsize_t)m->rows, (hsize_t)m->cols};
    if (h5w_f32(loc, m->key, m->data, 2, dims, w->e) != 0)
        return fail_at(w, obj);
    return put_enc(w, loc, m->key, obj, "array", "0.2.0");
}

static int put_uns(wctx *w, hid_t loc, const char *name, const char *obj, const uns_node *n)
{
    char kid[PATHMAX];
    switch (n->kind) {
    case UNS_DICT: {
        hid_t g = put_group(w, loc, name, obj, "dict", "0.1.0");
        if (g < 0)
            return -1;
        int rc = 0;
        for (int i = 0; i < n->nkids && rc == 0; i++) {
            h5u_join(kid, sizeof kid, obj, n->kids[i]->key);
            rc = put_uns(w, g, n->kids[i]->key, kid, n->kids[i]);
        }
        H5Gclose(g);
        return rc;
    }
    case UNS_STR: {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        int rc = put_scalar(w, loc, name, obj, t, &n->str);
        H5Tclose(t);
        return rc ? -1 : put_enc(w, loc, name, obj, "string", "0.2.0");
    }
    case UNS_NUM: {
        int64_t iv = (int64_t)n->num;
        int rc = n->is_int ? put_scalar(w, loc, name, obj, H5T_NATIVE_INT64, &iv)
                           : put_scalar(w, loc, name, obj, H5T_NATIVE_DOUBLE, &n->num);
        return rc ? -1 : put_enc(w, loc, name, obj, "numeric-scalar", "0.2.0");
    }
    case UNS_ARRAY: {
        int64_t total = n->rows * (n->cols ? n->cols : 1);
        hsize_t dims[2] = {(hsize_t)n->rows, (hsize_t)n->cols};
        int rc;
        if (n->is_int) {
            int64_t *iv = sc_calloc(w->e, (size_t)total + 1, sizeof *iv);
            if (!iv)
                return -1;
            for (int64_t k = 0; k < total; k++)
                iv[k] = (int64_t)n->arr[k];
            if (n->cols) { /* h5w_i64 is 1-D only */
                hid_t sp = H5Screate_simple(2, dims, NULL);
                hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_INT64, sp, H5P_DEFAULT, H5P_DEFAULT,
                                     H5P_DEFAULT);
                rc = d < 0 || (total && H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                                                 H5P_DEFAULT, iv) < 0);
                if (d >= 0)
                    H5Dclose(d);
                H5Sclose(sp);
                if (rc)
                    err_set(w->e, "cannot write dataset '%s'", name);
            } else {
                rc = h5w_i64(loc, name, iv, (hsize_t)n->rows, w->e);
            }
            free(iv);
        } else {
            rc = h5w_f64(loc, name, n->arr, n->cols ? 2 : 1, dims, w->e);
        }
        H5Eclear2(H5E_DEFAULT);
        if (rc)
            return fail_at(w, obj);
        return put_enc(w, loc, name, obj, "array", "0.2.0");
    }
    case UNS_STRS:
        return put_strings(w, loc, name, obj, n->strs, n->rows);
    case UNS_FRAME:
        return put_frame(w, loc, name, obj, n->frame);
    }
    return err_set(w->e, "%s:%s: unknown uns node kind", w->file, obj);
}

static int put_empty_dict(wctx *w, hid_t f, const char *name, const char *obj)
{
    hid_t g = put_group(w, f, name, obj, "dict", "0.1.0");
    if (g < 0)
        return -1;
    H5Gclose(g);
    return 0;
}

static int put_all(wctx *w, hid_t f, const sc_dataset *d, const h5ad_extra *x, const obsm_plan *p)
{
    if (h5w_attr_str(f, "encoding-type", "anndata", w->e) ||
        h5w_attr_str(f, "encoding-version", "0.1.0", w->e))
        return fail_at(w, "/");
    if (put_csr(w, f, "X", "/X", &d->X) || put_frame(w, f, "obs", "/obs", &d->obs) ||
        put_frame(w, f, "var", "/var", &d->var))
        return -1;
    hid_t g = put_group(w, f, "obsm", "/obsm", "dict", "0.1.0");
    if (g < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < p->ndense && rc == 0; i++)
        rc = put_dense(w, g, "/obsm", &p->dense[i]);
    for (int i = 0; i < p->nsparse && rc == 0; i++) {
        char obj[PATHMAX];
        h5u_join(obj, sizeof obj, "/obsm", p->sparse[i].key);
        rc = put_csr(w, g, p->sparse[i].key, obj, p->sparse[i].m);
    }
    H5Gclose(g);
    if (rc || (g = put_group(w, f, "varm", "/varm", "dict", "0.1.0")) < 0)
        return -1;
    for (int i = 0; x && i < x->nvarm && rc == 0; i++)
        rc = put_dense(w, g, "/varm", &x->varm[i]);
    H5Gclose(g);
    if (rc || put_empty_dict(w, f, "layers", "/layers") || put_empty_dict(w, f, "obsp", "/obsp") ||
        put_empty_dict(w, f, "varp", "/varp"))
        return -1;
    if (x && x->uns)
        return put_uns(w, f, "uns", "/uns", x->uns);
    return put_empty_dict(w, f, "uns", "/uns");
}

/* HDF5 1.10 turns a failed file close (EFBIG, ENOSPC while flushing) into a
 * dangling file id that crashes the library later (at exit at the latest).
 * So the file is built in memory (core driver, no backing store) and its
 * image written out here, where a full disk is an ordinary error. */
static hid_t mem_create(const char *name, sc_err *e)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)4 << 20, 0) >= 0)
        f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    if (f < 0)
        err_set(e, "cannot create an HDF5 file in memory");
    return f;
}

/* Write the in-memory file's image to path (created or truncated). */
static int save_image(hid_t f, const char *path, sc_err *e)
{
    /* the image is of the file as last flushed */
    if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return err_set(e, "cannot flush the HDF5 file in memory");
    }
    ssize_t size = H5Fget_file_image(f, NULL, 0);
    if (size <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return err_set(e, "cannot get the HDF5 file image");
    }
    char *buf = sc_calloc(e, (size_t)size, 1);
    if (!buf)
        return -1;
    int rc = 0;
    if (H5Fget_file_image(f, buf, (size_t)size) != size) {
        H5Eclear2(H5E_DEFAULT);
        rc = err_set(e, "cannot get the HDF5 file image");
    }
    int fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666) : -1;
    if (rc == 0 && fd < 0)
        rc = err_errno(e, path);
    for (size_t done = 0; rc == 0 && done < (size_t)size;) {
        ssize_t w = write(fd, buf + done, (size_t)size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = err_errno(e, path);
        else
            done += (size_t)w;
    }
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = err_errno(e, path);
    free(buf);
    return rc;
}

int h5ad_write(const char *path, const sc_dataset *d, const h5ad_extra *x, sc_err *e)
{
    obsm_plan p = {0};
    atomic_file a;
    int rc = -1;
    if (plan_obsm(d, x, &p, e) != 0)
        return -1;
    if (check_all(path, d, x, &p, e) != 0 || atomic_begin(&a, path, e) != 0)
        goto out;
    wctx w = {path, e};
    hid_t f = mem_create(a.tmp, e);
    if (f < 0) {
        err_prefix(e, "%s", path);
        goto out;
    }
    int wr = put_all(&w, f, d, x, &p);
    if (wr == 0 && save_image(f, a.tmp, e) != 0)
        wr = err_prefix(e, "%s: cannot write the temporary file", path);
    H5Fclose(f); /* in memory: nothing to flush */
    H5Eclear2(H5E_DEFAULT);
    if (wr != 0) {
        atomic_abort(&a);
        goto out;
    }
    rc = atomic_commit(&a, e);
out:
    free(p.dense);
    return rc;
}

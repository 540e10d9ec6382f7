/* dsubset.c: row and column subsets of a data set (see dsubset.h). */
#include "dsubset.h"

#include <stdlib.h>
#include <string.h>

static char **strings_keep(char *const *s, int64_t n, const uint8_t *keep, int64_t nkeep,
                           sc_err *e)
{
    char **out = sc_calloc(e, (size_t)nkeep, sizeof *out);
    if (!out)
        return NULL;
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (s[i] && !(out[at] = sc_strdup(e, s[i]))) {
            for (int64_t k = 0; k < at; k++)
                free(out[k]);
            free(out);
            return NULL;
        }
        at++;
    }
    return out;
}

static void *array_keep(const void *a, size_t elem, int64_t n, const uint8_t *keep, int64_t nkeep,
                        sc_err *e)
{
    char *out = sc_calloc(e, (size_t)nkeep, elem);
    if (!out)
        return NULL;
    const char *src = a;
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++)
        if (keep[i])
            memcpy(out + (size_t)at++ * elem, src + (size_t)i * elem, elem);
    return out;
}

static void strings_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static int column_keep(const sc_column *c, int64_t n, const uint8_t *keep, int64_t nkeep,
                       sc_column *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->kind = c->kind;
    out->is_int = c->is_int;
    out->name = sc_strdup(e, c->name);
    if (!out->name)
        return -1;
    int ok = 1;
    switch (c->kind) {
    case SC_COL_NUM:
    case SC_COL_BOOL:
        ok = (out->num = array_keep(c->num, sizeof *c->num, n, keep, nkeep, e)) != NULL;
        break;
    case SC_COL_STR:
        ok = (out->str = strings_keep(c->str, n, keep, nkeep, e)) != NULL;
        break;
    case SC_COL_CAT: {
        ok = (out->codes = array_keep(c->codes, sizeof *c->codes, n, keep, nkeep, e)) != NULL;
        uint8_t *all = ok ? sc_calloc(e, (size_t)(c->ncats > 0 ? c->ncats : 1), 1) : NULL;
        if (all) {
            memset(all, 1, (size_t)c->ncats);
            out->cats = c->ncats ? strings_keep(c->cats, c->ncats, all, c->ncats, e) : NULL;
            out->ncats = c->ncats;
            ok = c->ncats == 0 || out->cats != NULL;
        } else {
            ok = 0;
        }
        free(all);
        break;
    }
    }
    if (!ok) {
        strings_free(out->str, nkeep);
        out->str = NULL;
        column_free(out);
        return -1;
    }
    return 0;
}

int frame_keep_rows(const sc_frame *f, const uint8_t *keep, int64_t nkeep, sc_frame *out,
                    sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->n = nkeep;
    if (f->index_name && !(out->index_name = sc_strdup(e, f->index_name)))
        goto fail;
    if (f->index && !(out->index = strings_keep(f->index, f->n, keep, nkeep, e)))
        goto fail;
    if (f->ncols && !(out->cols = sc_calloc(e, (size_t)f->ncols, sizeof *out->cols)))
        goto fail;
    for (int k = 0; k < f->ncols; k++) {
        if (column_keep(&f->cols[k], f->n, keep, nkeep, &out->cols[k], e) < 0)
            goto fail;
        out->ncols++;
    }
    return 0;
fail:
    frame_free(out);
    return -1;
}

/* Rows with rowkeep[i] (all when NULL), columns mapped through colmap
 * (old -> new index, -1 dropped; identity when NULL). */
static int csr_keep(const sc_csr *m, const uint8_t *rowkeep, const int32_t *colmap,
                    int64_t ncols, sc_csr *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    int64_t nr = 0, nnz = 0;
    for (int64_t i = 0; i < m->nrows; i++) {
        if (rowkeep && !rowkeep[i])
            continue;
        nr++;
        if (!colmap)
            nnz += m->indptr[i + 1] - m->indptr[i];
        else
            for (int64_t k = m->indptr[i]; k < m->indptr[i + 1]; k++)
                nnz += colmap[m->indices[k]] >= 0;
    }
    out->nrows = nr;
    out->ncols = ncols;
    out->indptr = sc_calloc(e, (size_t)nr + 1, sizeof *out->indptr);
    out->indices = out->indptr ? sc_calloc(e, (size_t)nnz, sizeof *out->indices) : NULL;
    out->data = out->indices ? sc_calloc(e, (size_t)nnz, sizeof *out->data) : NULL;
    if (!out->data) {
        csr_free(out);
        return -1;
    }
    int64_t r = 0, at = 0;
    for (int64_t i = 0; i < m->nrows; i++) {
        if (rowkeep && !rowkeep[i])
            continue;
        for (int64_t k = m->indptr[i]; k < m->indptr[i + 1]; k++) {
            int32_t j = colmap ? colmap[m->indices[k]] : m->indices[k];
            if (j < 0)
                continue;
            out->indices[at] = j; /* the map is increasing: rows stay sorted */
            out->data[at++] = m->data[k];
        }
        out->indptr[++r] = at;
    }
    return 0;
}

static int64_t count_kept(const uint8_t *keep, int64_t n)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        k += keep[i] != 0;
    return k;
}

int dataset_keep_rows(sc_dataset *d, const uint8_t *keep, sc_err *e)
{
    int64_t N = d->X.nrows, nkeep = count_kept(keep, N);
    sc_csr X, norm = {0};
    sc_frame obs;
    sc_embed *obsm = NULL;
    if (csr_keep(&d->X, keep, NULL, d->X.ncols, &X, e) < 0)
        return -1;
    if (d->norm.indptr && csr_keep(&d->norm, keep, NULL, d->norm.ncols, &norm, e) < 0)
        goto fail_x;
    if (frame_keep_rows(&d->obs, keep, nkeep, &obs, e) < 0)
        goto fail_norm;
    if (d->nobsm && !(obsm = sc_calloc(e, (size_t)d->nobsm, sizeof *obsm)))
        goto fail_obs;
    for (int k = 0; k < d->nobsm; k++) {
        const sc_embed *m = &d->obsm[k];
        obsm[k].rows = nkeep;
        obsm[k].cols = m->cols;
        obsm[k].key = sc_strdup(e, m->key);
        obsm[k].data = obsm[k].key ? array_keep(m->data, (size_t)m->cols * sizeof *m->data,
                                                m->rows, keep, nkeep, e)
                                   : NULL;
        if (!obsm[k].data)
            goto fail_obsm;
    }
    csr_free(&d->X);
    csr_free(&d->norm);
    frame_free(&d->obs);
    for (int k = 0; k < d->nobsm; k++) {
        free(d->obsm[k].key);
        free(d->obsm[k].data);
    }
    free(d->obsm);
    d->X = X;
    d->norm = norm;
    d->obs = obs;
    d->obsm = obsm;
    return 0;
fail_obsm:
    for (int k = 0; k < d->nobsm; k++) {
        free(obsm[k].key);
        free(obsm[k].data);
    }
    free(obsm);
fail_obs:
    frame_free(&obs);
fail_norm:
    csr_free(&norm);
fail_x:
    csr_free(&X);
    return -1;
}

int dataset_keep_cols(sc_dataset *d, const uint8_t *keep, sc_err *e)
{
    int64_t G = d->X.ncols, nkeep = count_kept(keep, G);
    int32_t *map = sc_calloc(e, (size_t)G, sizeof *map);
    if (!map)
        return -1;
    int32_t next = 0;
    for (int64_t j = 0; j < G; j++)
        map[j] = keep[j] ? next++ : -1;
    sc_csr X, norm = {0};
    sc_frame var;
    int rc = -1;
    if (csr_keep(&d->X, NULL, map, nkeep, &X, e) < 0)
        goto done;
    if (d->norm.indptr && csr_keep(&d->norm, NULL, map, nkeep, &norm, e) < 0) {
        csr_free(&X);
        goto done;
    }
    if (frame_keep_rows(&d->var, keep, nkeep, &var, e) < 0) {
        csr_free(&X);
        csr_free(&norm);
        goto done;
    }
    csr_free(&d->X);
    csr_free(&d->norm);
    frame_free(&d->var);
    d->X = X;
    d->norm = norm;
    d->var = var;
    rc = 0;
done:
    free(map);
    return rc;
}

int frame_set_num(sc_frame *f, const char *name, double *v, int is_int, sc_err *e)
{
    int k = frame_find(f, name);
    if (k >= 0) {
        sc_column *c = &f->cols[k];
        strings_free(c->str, f->n);
        c->str = NULL;
        free(c->num);
        free(c->codes);
        c->codes = NULL;
        strings_free(c->cats, c->ncats);
        c->cats = NULL;
        c->ncats = 0;
        c->kind = SC_COL_NUM;
        c->is_int = is_int;
        c->num = v;
        return 0;
    }
    sc_column c = {0};
    c.name = sc_strdup(e, name);
    if (!c.name)
        return -1;
    c.kind = SC_COL_NUM;
    c.is_int = is_int;
    c.num = v;
    if (frame_add(f, &c, e) < 0) {
        free(c.name);
        return -1;
    }
    return 0;
}

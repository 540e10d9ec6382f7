/* merge.c: append a data set as a new batch (see merge.h).
 *
 * Everything is built into a fresh dataset and swapped into base at the
 * end, so a failure leaves base as it was.  Peak memory is both inputs plus
 * the result. */
#include "merge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a string -> index hash map (open addressing, first key wins) ------- */

typedef struct strmap {
    int64_t cap; /* power of two */
    const char **keys;
    int64_t *vals;
} strmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int strmap_init(strmap *m, int64_t n, sc_err *e)
{
    m->cap = 16;
    while (m->cap < 2 * n)
        m->cap *= 2;
    m->keys = sc_calloc(e, (size_t)m->cap, sizeof *m->keys);
    m->vals = sc_calloc(e, (size_t)m->cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        free(m->keys);
        free(m->vals);
        return -1;
    }
    return 0;
}

static void strmap_free(strmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Insert key -> val unless present; returns the value stored for key. */
static int64_t strmap_put(strmap *m, const char *key, int64_t val)
{
    uint64_t i = hash_str(key) & (uint64_t)(m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (uint64_t)(m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    return val;
}

static int64_t strmap_get(const strmap *m, const char *key)
{
    uint64_t i = hash_str(key) & (uint64_t)(m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (uint64_t)(m->cap - 1);
    }
    return -1;
}

/* ---- gene keys ------------------------------------------------------------ */

/* The gene_ids column as strings when it is complete and unique, else NULL
 * (*keys is a new array of borrowed pointers). */
static int id_keys(const sc_frame *var, const char ***keys, sc_err *e)
{
    *keys = NULL;
    int ci = frame_find(var, "gene_ids");
    if (ci < 0)
        return 0;
    const sc_column *c = &var->cols[ci];
    if (c->kind != SC_COL_STR && c->kind != SC_COL_CAT)
        return 0;
    const char **k = sc_calloc(e, (size_t)(var->n ? var->n : 1), sizeof *k);
    if (!k)
        return -1;
    strmap seen;
    if (strmap_init(&seen, var->n, e) != 0) {
        free(k);
        return -1;
    }
    int ok = 1;
    for (int64_t i = 0; i < var->n && ok; i++) {
        k[i] = c->kind == SC_COL_STR ? c->str[i]
               : c->codes[i] >= 0 && c->codes[i] < c->ncats ? c->cats[c->codes[i]]
                                                             : NULL;
        ok = k[i] && *k[i] && strmap_put(&seen, k[i], i) == i;
    }
    strmap_free(&seen);
    if (!ok) {
        free(k);
        return 0;
    }
    *keys = k;
    return 0;
}

/* ---- columns -------------------------------------------------------------- */

static void strs_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* Value i of a column as text for the string fallback; NULL when missing. */
static char *value_text(const sc_column *c, int64_t i, sc_err *e, int *fail)
{
    char buf[64];
    const char *s = NULL;
    switch (c->kind) {
    case SC_COL_NUM:
        if (isnan(c->num[i]))
            return NULL;
        snprintf(buf, sizeof buf, c->is_int ? "%.0f" : "%.17g", c->num[i]);
        s = buf;
        break;
    case SC_COL_BOOL:
        if (isnan(c->num[i]))
            return NULL;
        s = c->num[i] != 0 ? "True" : "False";
        break;
    case SC_COL_STR:
        s = c->str[i];
        break;
    case SC_COL_CAT:
        s = c->codes[i] >= 0 && c->codes[i] < c->ncats ? c->cats[c->codes[i]] : NULL;
        break;
    }
    if (!s)
        return NULL;
    char *d = sc_strdup(e, s);
    if (!d)
        *fail = 1;
    return d;
}

static sc_col_kind merged_kind(const sc_column *a, const sc_column *b)
{
    if (!a)
        return b->kind;
    if (!b || a->kind == b->kind)
        return a->kind;
    int na = a->kind == SC_COL_NUM || a->kind == SC_COL_BOOL;
    int nb = b->kind == SC_COL_NUM || b->kind == SC_COL_BOOL;
    return na && nb ? SC_COL_NUM : SC_COL_STR;
}

/* A column of n rows: row k comes from a[ia[k]] when a and ia[k] >= 0, else
 * from b[ib[k]] when b and ib[k] >= 0, else it is missing. */
static int gather_column(const char *name, const sc_column *a, const int64_t *ia,
                         const sc_column *b, const int64_t *ib, int64_t n, sc_column *out,
                         sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->kind = merged_kind(a, b);
    if (!(out->name = sc_strdup(e, name)))
        return -1;
    const sc_column *src[2] = {a, b};
    const int64_t *idx[2] = {ia, ib};
    int fail = 0;
    int32_t *bmap = NULL; /* b's category codes in the merged categories */
    switch (out->kind) {
    case SC_COL_NUM:
    case SC_COL_BOOL:
        out->is_int = (!a || a->is_int || a->kind == SC_COL_BOOL) &&
                      (!b || b->is_int || b->kind == SC_COL_BOOL) && out->kind == SC_COL_NUM;
        if (!(out->num = sc_calloc(e, (size_t)(n ? n : 1), sizeof *out->num)))
            goto fail;
        for (int64_t k = 0; k < n; k++) {
            out->num[k] = NAN;
            for (int s = 0; s < 2; s++)
                if (src[s] && idx[s][k] >= 0) {
                    out->num[k] = src[s]->num[idx[s][k]];
                    break;
                }
        }
        return 0;
    case SC_COL_STR:
        if (!(out->str = sc_calloc(e, (size_t)(n ? n : 1), sizeof *out->str)))
            goto fail;
        for (int64_t k = 0; k < n && !fail; k++)
            for (int s = 0; s < 2; s++)
                if (src[s] && idx[s][k] >= 0) {
                    out->str[k] = value_text(src[s], idx[s][k], e, &fail);
                    break;
                }
        if (fail)
            goto fail;
        return 0;
    case SC_COL_CAT: {
        int32_t na = a ? a->ncats : 0, nb = b ? b->ncats : 0;
        out->cats = sc_calloc(e, (size_t)(na + nb + 1), sizeof *out->cats);
        bmap = sc_calloc(e, (size_t)(nb + 1), sizeof *bmap);
        out->codes = sc_calloc(e, (size_t)(n ? n : 1), sizeof *out->codes);
        if (!out->cats || !bmap || !out->codes)
            goto fail;
        strmap m;
        if (strmap_init(&m, na + nb, e) != 0)
            goto fail;
        for (int32_t c = 0; c < na && !fail; c++) {
            fail = !(out->cats[out->ncats] = sc_strdup(e, a->cats[c]));
            if (!fail)
                strmap_put(&m, out->cats[out->ncats], out->ncats);
            out->ncats++;
        }
        for (int32_t c = 0; c < nb && !fail; c++) {
            int64_t at = strmap_get(&m, b->cats[c]);
            if (at < 0) {
                fail = !(out->cats[out->ncats] = sc_strdup(e, b->cats[c]));
                if (!fail)
                    strmap_put(&m, out->cats[out->ncats], out->ncats);
                at = out->ncats++;
            }
            bmap[c] = (int32_t)at;
        }
        strmap_free(&m);
        if (fail)
            goto fail;
        for (int64_t k = 0; k < n; k++) {
            int32_t code = -1;
            if (a && ia[k] >= 0)
                code = a->codes[ia[k]];
            else if (b && ib[k] >= 0)
                code = b->codes[ib[k]] >= 0 && b->codes[ib[k]] < nb ? bmap[b->codes[ib[k]]] : -1;
            out->codes[k] = code;
        }
        free(bmap);
        return 0;
    }
    }
fail:
    free(bmap);
    if (out->str)
        strs_free(out->str, n);
    out->str = NULL;
    column_free(out);
    return -1;
}

/* Union of the two frames' columns, in a's order then b's own; `skip`
 * (may be NULL) is left out. */
static int gather_frame(const sc_frame *a, const int64_t *ia, const sc_frame *b,
                        const int64_t *ib, const char *skip, sc_frame *out, sc_err *e)
{
    for (int pass = 0; pass < 2; pass++) {
        const sc_frame *f = pass ? b : a;
        for (int i = 0; i < f->ncols; i++) {
            const char *name = f->cols[i].name;
            if (skip && strcmp(name, skip) == 0)
                continue;
            if (pass && frame_find(a, name) >= 0)
                continue;
            int ai = frame_find(a, name), bi = frame_find(b, name);
            sc_column c;
            if (gather_column(name, ai >= 0 ? &a->cols[ai] : NULL, ia, bi >= 0 ? &b->cols[bi] : NULL,
                              ib, out->n, &c, e) != 0)
                return -1;
            if (frame_add(out, &c, e) != 0) {
                if (c.str)
                    strs_free(c.str, out->n);
                c.str = NULL;
                column_free(&c);
                return -1;
            }
        }
    }
    return 0;
}

/* The batch column for all cells: base's categories (or base_name), then
 * add_name for the new cells. */
static int batch_column(const sc_frame *obs, const char *col, const char *base_name,
                        const char *add_name, int64_t nb, int64_t na, sc_column *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->kind = SC_COL_CAT;
    int ci = frame_find(obs, col);
    const sc_column *c = ci >= 0 ? &obs->cols[ci] : NULL;
    if (c && c->kind != SC_COL_CAT && c->kind != SC_COL_STR)
        return err_set(e,
                       "obs column '%s' is numeric and cannot hold batch names; choose another "
                       "column with batch=COL",
                       col);
    int64_t n = nb + na;
    out->codes = sc_calloc(e, (size_t)(n ? n : 1), sizeof *out->codes);
    int64_t maxcats = (c && c->kind == SC_COL_CAT ? c->ncats : c ? nb : 1) + 1;
    out->cats = sc_calloc(e, (size_t)maxcats, sizeof *out->cats);
    strmap m = {0};
    if (!out->codes || !out->cats || !(out->name = sc_strdup(e, col)) ||
        strmap_init(&m, maxcats, e) != 0)
        goto fail;
    if (!c) {
        if (!(out->cats[0] = sc_strdup(e, base_name)))
            goto fail;
        strmap_put(&m, out->cats[0], 0);
        out->ncats = 1;
    } else if (c->kind == SC_COL_CAT) {
        for (int32_t k = 0; k < c->ncats; k++) {
            if (!(out->cats[k] = sc_strdup(e, c->cats[k])))
                goto fail;
            strmap_put(&m, out->cats[k], k);
            out->ncats++;
        }
        memcpy(out->codes, c->codes, (size_t)nb * sizeof *out->codes);
    } else {
        /* strings: categories in order of appearance */
        for (int64_t i = 0; i < nb; i++) {
            if (!c->str[i]) {
                out->codes[i] = -1;
                continue;
            }
            int64_t at = strmap_get(&m, c->str[i]);
            if (at < 0) {
                if (!(out->cats[out->ncats] = sc_strdup(e, c->str[i])))
                    goto fail;
                strmap_put(&m, out->cats[out->ncats], out->ncats);
                at = out->ncats++;
            }
            out->codes[i] = (int32_t)at;
        }
    }
    if (strmap_get(&m, add_name) >= 0) {
        err_set(e,
                "batch '%s' already exists in obs column '%s'; give the new data another name "
                "with `as NAME`",
                add_name, col);
        goto fail;
    }
    if (!(out->cats[out->ncats] = sc_strdup(e, add_name)))
        goto fail;
    for (int64_t i = nb; i < n; i++)
        out->codes[i] = out->ncats;
    out->ncats++;
    strmap_free(&m);
    return 0;
fail:
    strmap_free(&m);
    column_free(out);
    return -1;
}

/* ---- counts ---------------------------------------------------------------- */

typedef struct gv {
    int32_t g;
    float v;
} gv;

static int cmp_gv(const void *a, const void *b)
{
    int32_t x = ((const gv *)a)->g, y = ((const gv *)b)->g;
    return (x > y) - (x < y);
}

/* Rows of base then add, columns through the maps (-1: dropped). */
static int stack_counts(const sc_csr *A, const int32_t *amap, const sc_csr *B, const int32_t *bmap,
                        int64_t ncols, sc_csr *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->nrows = A->nrows + B->nrows;
    out->ncols = ncols;
    int64_t nnz = 0, maxrow = 0;
    for (int64_t k = 0; k < A->indptr[A->nrows]; k++)
        nnz += amap[A->indices[k]] >= 0;
    for (int64_t k = 0; k < B->indptr[B->nrows]; k++)
        nnz += bmap[B->indices[k]] >= 0;
    /* b's map need not be increasing; then its rows are re-sorted */
    int b_sorted = 1;
    for (int64_t j = 0, last = -1; j < B->ncols; j++)
        if (bmap[j] >= 0) {
            if (bmap[j] <= last)
                b_sorted = 0;
            last = bmap[j];
        }
    for (int64_t r = 0; r < B->nrows && !b_sorted; r++)
        if (B->indptr[r + 1] - B->indptr[r] > maxrow)
            maxrow = B->indptr[r + 1] - B->indptr[r];
    out->indptr = sc_calloc(e, (size_t)out->nrows + 1, sizeof *out->indptr);
    out->indices = sc_calloc(e, (size_t)(nnz ? nnz : 1), sizeof *out->indices);
    out->data = sc_calloc(e, (size_t)(nnz ? nnz : 1), sizeof *out->data);
    gv *tmp = b_sorted ? NULL : sc_calloc(e, (size_t)(maxrow ? maxrow : 1), sizeof *tmp);
    if (!out->indptr || !out->indices || !out->data || (!b_sorted && !tmp)) {
        free(tmp);
        csr_free(out);
        return -1;
    }
    int64_t w = 0;
    for (int s = 0; s < 2; s++) {
        const sc_csr *M = s ? B : A;
        const int32_t *map = s ? bmap : amap;
        int64_t r0 = s ? A->nrows : 0;
        for (int64_t r = 0; r < M->nrows; r++) {
            int64_t start = w;
            for (int64_t k = M->indptr[r]; k < M->indptr[r + 1]; k++) {
                int32_t j = map[M->indices[k]];
                if (j < 0)
                    continue;
                out->indices[w] = j;
                out->data[w] = M->data[k];
                w++;
            }
            if (s && !b_sorted && w - start > 1) {
                int64_t len = w - start;
                for (int64_t k = 0; k < len; k++)
                    tmp[k] = (gv){out->indices[start + k], out->data[start + k]};
                qsort(tmp, (size_t)len, sizeof *tmp, cmp_gv);
                for (int64_t k = 0; k < len; k++) {
                    out->indices[start + k] = tmp[k].g;
                    out->data[start + k] = tmp[k].v;
                }
            }
            out->indptr[r0 + r + 1] = w;
        }
    }
    free(tmp);
    return 0;
}

/* ---- obsm ---------------------------------------------------------------- */

static int stack_obsm(const sc_dataset *a, const sc_dataset *b, sc_dataset *out, char *note,
                      size_t nsize, sc_err *e)
{
    note[0] = '\0';
    size_t used = 0;
    out->obsm = sc_calloc(e, (size_t)(a->nobsm ? a->nobsm : 1), sizeof *out->obsm);
    if (!out->obsm)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        const sc_dataset *f = pass ? b : a, *g = pass ? a : b;
        for (int i = 0; i < f->nobsm; i++) {
            const sc_embed *x = &f->obsm[i];
            const sc_embed *y = NULL;
            for (int k = 0; k < g->nobsm; k++)
                if (strcmp(g->obsm[k].key, x->key) == 0)
                    y = &g->obsm[k];
            if (pass && y)
                continue; /* handled in the first pass */
            if (!y || y->cols != x->cols) {
                int w = snprintf(note + used, nsize - used, "%s%s", used ? ", " : "", x->key);
                if (w > 0 && (size_t)w < nsize - used)
                    used += (size_t)w;
                continue;
            }
            const sc_embed *top = pass ? y : x, *bot = pass ? x : y;
            sc_embed *o = &out->obsm[out->nobsm];
            o->rows = top->rows + bot->rows;
            o->cols = top->cols;
            o->key = sc_strdup(e, x->key);
            o->data = sc_calloc(e, (size_t)(o->rows * o->cols), sizeof *o->data);
            out->nobsm++;
            if (!o->key || !o->data)
                return -1;
            memcpy(o->data, top->data, (size_t)(top->rows * top->cols) * sizeof *o->data);
            memcpy(o->data + top->rows * top->cols, bot->data,
                   (size_t)(bot->rows * bot->cols) * sizeof *o->data);
        }
    }
    return 0;
}

static int union_layers(const sc_dataset *a, const sc_dataset *b, sc_dataset *out, sc_err *e)
{
    out->layers = sc_calloc(e, (size_t)(a->nlayers + b->nlayers + 1), sizeof *out->layers);
    if (!out->layers)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        const sc_dataset *f = pass ? b : a;
        for (int i = 0; i < f->nlayers; i++) {
            int dup = 0;
            for (int k = 0; k < out->nlayers && !dup; k++)
                dup = strcmp(out->layers[k], f->layers[i]) == 0;
            if (dup)
                continue;
            if (!(out->layers[out->nlayers] = sc_strdup(e, f->layers[i])))
                return -1;
            out->nlayers++;
        }
    }
    return 0;
}

static char *join2(const char *a, const char *sep, const char *b, sc_err *e)
{
    a = a ? a : "?";
    b = b ? b : "?";
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = sc_calloc(e, n, 1);
    if (s)
        snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

/* ---- the merge --------------------------------------------------------- */

/* Map genes of both sides to output columns (-1: dropped): matched genes
 * and, with outer, base's own in base order; add's own are numbered by the
 * caller.  Returns the number matched, -1 on allocation failure. */
static int64_t match_genes(const char **kb, int64_t gb, const char **ka, int64_t ga, int outer,
                           int32_t *bmap, int32_t *amap, int64_t *ng, sc_err *e)
{
    strmap m;
    if (strmap_init(&m, ga, e) != 0)
        return -1;
    for (int64_t j = 0; j < ga; j++) {
        strmap_put(&m, ka[j], j);
        amap[j] = -1;
    }
    int64_t matched = 0, n = 0;
    for (int64_t j = 0; j < gb; j++) {
        int64_t at = strmap_get(&m, kb[j]);
        if (at >= 0 && amap[at] < 0) {
            matched++;
            amap[at] = (int32_t)n;
            bmap[j] = (int32_t)n++;
        } else {
            bmap[j] = outer ? (int32_t)n++ : -1;
        }
    }
    strmap_free(&m);
    *ng = n;
    return matched;
}

int dataset_append_batch(sc_dataset *base, sc_dataset *add, const char *batch_col,
                         const char *base_name, const char *add_name, int outer, merge_report *r,
                         sc_err *e)
{
    merge_report dummy;
    if (!r)
        r = &dummy;
    memset(r, 0, sizeof *r);
    if (!batch_col || !*batch_col)
        batch_col = "batch";
    const char *an = base->source ? base->source : base_name;
    const char *bn = add->source ? add->source : add_name;
    if (!add_name || !*add_name)
        return err_set(e, "the new batch needs a name");
    if (frame_find(&base->obs, batch_col) < 0 && strcmp(base_name, add_name) == 0)
        return err_set(e,
                       "both data sets would be batch '%s'; give the new data another name with "
                       "`as NAME`",
                       add_name);

    int64_t gb = base->X.ncols, ga = add->X.ncols, nb = base->X.nrows, na = add->X.nrows;
    r->outer = outer;
    r->genes_base = gb;
    r->genes_add = ga;
    r->cells_base = nb;
    r->cells_add = na;

    sc_dataset nd = {0};
    const char **kb = NULL, **ka = NULL, **idb = NULL, **ida = NULL;
    int32_t *bmap = NULL, *amap = NULL;
    int64_t *src_b = NULL, *src_a = NULL;
    int rc = -1;

    /* gene keys: ids when both have usable ones, else symbols */
    if (id_keys(&base->var, &idb, e) != 0 || id_keys(&add->var, &ida, e) != 0)
        goto done;
    r->by_id = idb && ida;
    kb = r->by_id ? idb : (const char **)base->var.index;
    ka = r->by_id ? ida : (const char **)add->var.index;
    bmap = sc_calloc(e, (size_t)(gb ? gb : 1), sizeof *bmap);
    amap = sc_calloc(e, (size_t)(ga ? ga : 1), sizeof *amap);
    if (!bmap || !amap)
        goto done;
    int64_t ng = 0;
    r->genes_matched = match_genes(kb, gb, ka, ga, outer, bmap, amap, &ng, e);
    if (r->genes_matched == 0 && r->by_id) {
        /* ids from different namespaces share nothing: symbols may still agree */
        kb = (const char **)base->var.index;
        ka = (const char **)add->var.index;
        r->by_id = 0;
        r->id_fallback = 1;
        r->genes_matched = match_genes(kb, gb, ka, ga, outer, bmap, amap, &ng, e);
    }
    if (r->genes_matched < 0)
        goto done;
    if (r->genes_matched == 0) {
        err_set(e,
                "no gene in common between %s (%lld genes, e.g. '%s') and %s (%lld genes, e.g. "
                "'%s'), matched by %s",
                an, (long long)gb, gb ? kb[0] : "", bn, (long long)ga, ga ? ka[0] : "",
                r->id_fallback ? "Ensembl id (var gene_ids) and by symbol (var names)"
                               : "symbol (var names)");
        goto done;
    }
    for (int64_t j = 0; j < ga; j++)
        if (amap[j] < 0 && outer)
            amap[j] = (int32_t)ng++;
    r->genes_only_base = gb - r->genes_matched;
    r->genes_only_add = ga - r->genes_matched;
    r->genes_out = ng;

    if (stack_counts(&base->X, bmap, &add->X, amap, ng, &nd.X, e) != 0)
        goto done;

    /* var: the rows of each side that land in each output gene */
    nd.var.n = ng;
    src_b = sc_calloc(e, (size_t)(ng ? ng : 1), sizeof *src_b);
    src_a = sc_calloc(e, (size_t)(ng ? ng : 1), sizeof *src_a);
    nd.var.index = sc_calloc(e, (size_t)(ng ? ng : 1), sizeof *nd.var.index);
    if (!src_b || !src_a || !nd.var.index)
        goto done;
    for (int64_t k = 0; k < ng; k++)
        src_b[k] = src_a[k] = -1;
    for (int64_t j = 0; j < gb; j++)
        if (bmap[j] >= 0)
            src_b[bmap[j]] = j;
    for (int64_t j = 0; j < ga; j++)
        if (amap[j] >= 0)
            src_a[amap[j]] = j;
    for (int64_t k = 0; k < ng; k++)
        if (!(nd.var.index[k] = sc_strdup(e, src_b[k] >= 0 ? base->var.index[src_b[k]]
                                                            : add->var.index[src_a[k]])))
            goto done;
    if (base->var.index_name && !(nd.var.index_name = sc_strdup(e, base->var.index_name)))
        goto done;
    if (gather_frame(&base->var, src_b, &add->var, src_a, NULL, &nd.var, e) != 0)
        goto done;
    if ((r->genes_renamed = names_make_unique(nd.var.index, ng, e)) < 0)
        goto done;
    free(src_b);
    free(src_a);

    /* obs: base's cells, then add's */
    int64_t nc = nb + na;
    nd.obs.n = nc;
    src_b = sc_calloc(e, (size_t)(nc ? nc : 1), sizeof *src_b);
    src_a = sc_calloc(e, (size_t)(nc ? nc : 1), sizeof *src_a);
    nd.obs.index = sc_calloc(e, (size_t)(nc ? nc : 1), sizeof *nd.obs.index);
    if (!src_b || !src_a || !nd.obs.index)
        goto done;
    for (int64_t k = 0; k < nc; k++) {
        src_b[k] = k < nb ? k : -1;
        src_a[k] = k < nb ? -1 : k - nb;
        if (!(nd.obs.index[k] =
                  sc_strdup(e, k < nb ? base->obs.index[k] : add->obs.index[k - nb])))
            goto done;
    }
    if (base->obs.index_name && !(nd.obs.index_name = sc_strdup(e, base->obs.index_name)))
        goto done;
    sc_column bc;
    if (batch_column(&base->obs, batch_col, base_name, add_name, nb, na, &bc, e) != 0)
        goto done;
    r->nbatches = bc.ncats;
    r->add_batch_replaced = frame_find(&add->obs, batch_col) >= 0;
    int bpos = frame_find(&base->obs, batch_col);
    if (bpos < 0) {
        if (gather_frame(&base->obs, src_b, &add->obs, src_a, batch_col, &nd.obs, e) != 0 ||
            frame_add(&nd.obs, &bc, e) != 0) {
            column_free(&bc);
            goto done;
        }
    } else {
        /* keep the batch column where base had it */
        if (frame_add(&nd.obs, &bc, e) != 0) {
            column_free(&bc);
            goto done;
        }
        if (gather_frame(&base->obs, src_b, &add->obs, src_a, batch_col, &nd.obs, e) != 0)
            goto done;
        sc_column moved = nd.obs.cols[0];
        memmove(nd.obs.cols, nd.obs.cols + 1, (size_t)bpos * sizeof *nd.obs.cols);
        nd.obs.cols[bpos] = moved;
    }
    /* the first name keeps its spelling; later repeats get -1, -2 ... */
    if ((r->cells_renamed = names_make_unique(nd.obs.index, nc, e)) < 0)
        goto done;

    if (stack_obsm(base, add, &nd, r->note, sizeof r->note, e) != 0 ||
        union_layers(base, add, &nd, e) != 0)
        goto done;
    if (!(nd.batch_key = sc_strdup(e, batch_col)) ||
        !(nd.source = join2(base->source, " + ", add->source, e)) ||
        !(nd.x_source = join2(base->x_source, "; ", add->x_source, e)))
        goto done;

    dataset_free(base);
    *base = nd;
    memset(&nd, 0, sizeof nd);
    rc = 0;
done:
    free(idb);
    free(ida);
    free(bmap);
    free(amap);
    free(src_b);
    free(src_a);
    dataset_free(&nd);
    return rc;
}

/* dataset.c: freeing, frame columns and validation shared by every reader. */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csr_free(sc_csr *m)
{
    free(m->indptr);
    free(m->indices);
    free(m->data);
    memset(m, 0, sizeof *m);
}

void column_free(sc_column *c)
{
    int64_t n = 0;
    free(c->name);
    free(c->num);
    free(c->codes);
    if (c->cats)
        for (int32_t i = 0; i < c->ncats; i++)
            free(c->cats[i]);
    free(c->cats);
    (void)n;
    /* string columns store their row count in the owning frame; callers free
     * via frame_free, which knows n. */
    memset(c, 0, sizeof *c);
}

static void strings_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void frame_free(sc_frame *f)
{
    for (int i = 0; i < f->ncols; i++) {
        strings_free(f->cols[i].str, f->n);
        f->cols[i].str = NULL;
        column_free(&f->cols[i]);
    }
    free(f->cols);
    strings_free(f->index, f->n);
    free(f->index_name);
    memset(f, 0, sizeof *f);
}

void dataset_free(sc_dataset *d)
{
    if (!d)
        return;
    csr_free(&d->X);
    csr_free(&d->norm);
    free(d->batch_key);
    frame_free(&d->obs);
    frame_free(&d->var);
    for (int i = 0; i < d->nobsm; i++) {
        free(d->obsm[i].key);
        free(d->obsm[i].data);
    }
    free(d->obsm);
    strings_free(d->layers, d->nlayers);
    free(d->name);
    free(d->source);
    free(d->x_source);
    memset(d, 0, sizeof *d);
}

int frame_find(const sc_frame *f, const char *name)
{
    for (int i = 0; i < f->ncols; i++)
        if (strcmp(f->cols[i].name, name) == 0)
            return i;
    return -1;
}

int frame_add(sc_frame *f, sc_column *c, sc_err *e)
{
    sc_column *n = realloc(f->cols, (size_t)(f->ncols + 1) * sizeof *n);
    if (!n)
        return err_set(e, "out of memory adding column '%s'", c->name);
    f->cols = n;
    f->cols[f->ncols++] = *c;
    memset(c, 0, sizeof *c);
    return 0;
}

void frame_names(const sc_frame *f, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < f->ncols && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", f->cols[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (f->ncols == 0)
        snprintf(buf, size, "(none)");
}

int csr_validate(const sc_csr *m, int64_t nnz, int counts, const char *what, sc_err *e)
{
    if (m->nrows < 0 || m->ncols < 0 || m->ncols > INT32_MAX)
        return err_set(e, "%s: shape %lld x %lld is not valid", what, (long long)m->nrows,
                       (long long)m->ncols);
    if (m->indptr[0] != 0)
        return err_set(e, "%s: indptr[0] is %lld, expected 0", what, (long long)m->indptr[0]);
    for (int64_t r = 0; r < m->nrows; r++) {
        int64_t a = m->indptr[r], b = m->indptr[r + 1];
        if (b < a)
            return err_set(e, "%s: indptr decreases at row %lld (%lld then %lld)", what,
                           (long long)r, (long long)a, (long long)b);
        if (b > nnz)
            return err_set(e, "%s: indptr[%lld] = %lld exceeds the %lld stored values", what,
                           (long long)(r + 1), (long long)b, (long long)nnz);
        for (int64_t k = a; k < b; k++) {
            int32_t j = m->indices[k];
            if (j < 0 || j >= m->ncols)
                return err_set(e, "%s: column index %d at position %lld is outside 0..%lld", what,
                               j, (long long)k, (long long)(m->ncols - 1));
            if (k > a && j <= m->indices[k - 1])
                return err_set(e,
                               "%s: row %lld has %s column indices (%d after %d); sorted unique "
                               "indices are required",
                               what, (long long)r, j == m->indices[k - 1] ? "duplicate" : "unsorted",
                               j, m->indices[k - 1]);
            float v = m->data[k];
            if (!isfinite(v))
                return err_set(e, "%s: value at row %lld, column %d is %s", what, (long long)r, j,
                               isnan(v) ? "NaN" : "infinite");
            if (counts && v < 0)
                return err_set(e, "%s: negative count %g at row %lld, column %d", what, (double)v,
                               (long long)r, j);
        }
    }
    if (m->indptr[m->nrows] != nnz)
        return err_set(e, "%s: indptr ends at %lld but %lld values are stored", what,
                       (long long)m->indptr[m->nrows], (long long)nnz);
    return 0;
}

int64_t names_make_unique(char **names, int64_t n, sc_err *e)
{
    /* anndata's var_names_make_unique: the first occurrence keeps its name,
     * later ones get -1, -2, ... (skipping suffixes already taken).  Quadratic
     * only in the number of duplicates thanks to the sort below. */
    int64_t *ord = sc_calloc(e, (size_t)n, sizeof *ord);
    if (!ord)
        return -1;
    for (int64_t i = 0; i < n; i++)
        ord[i] = i;
    sc_sort_names_stable(ord, n, names);
    int64_t changed = 0;
    for (int64_t i = 1; i < n; i++) {
        if (strcmp(names[ord[i]], names[ord[i - 1]]) != 0)
            continue;
        /* run of equal names starting at the first in ord order */
        int64_t first = i - 1, end = i;
        while (end < n && strcmp(names[ord[end]], names[ord[first]]) == 0)
            end++;
        int suffix = 1;
        for (int64_t k = first + 1; k < end; k++) {
            const char *base = names[ord[first]];
            size_t len = strlen(base) + 24;
            char *nn = NULL;
            for (;;) {
                free(nn);
                nn = sc_calloc(e, len, 1);
                if (!nn) {
                    free(ord);
                    return -1;
                }
                snprintf(nn, len, "%s-%d", base, suffix++);
                int taken = 0;
                for (int64_t t = 0; t < n && !taken; t++)
                    taken = strcmp(names[t], nn) == 0;
                if (!taken)
                    break;
            }
            free(names[ord[k]]);
            names[ord[k]] = nn;
            changed++;
        }
        i = end - 1;
    }
    free(ord);
    return changed;
}

static char **g_sort_names;

static int cmp_name_pos(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    int c = strcmp(g_sort_names[x], g_sort_names[y]);
    if (c)
        return c;
    return (x > y) - (x < y);
}

int names_lookup(const char *const *names, int64_t n, char **index, int64_t nindex, int64_t *out,
                 sc_err *e)
{
    int64_t *ord = sc_calloc(e, (size_t)nindex + 1, sizeof *ord);
    if (!ord)
        return -1;
    for (int64_t v = 0; v < nindex; v++)
        ord[v] = v;
    sc_sort_names_stable(ord, nindex, index); /* stable: equal names keep row order */
    for (int64_t g = 0; g < n; g++) {
        int64_t lo = 0, hi = nindex;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (strcmp(index[ord[mid]], names[g]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[g] = lo < nindex && strcmp(index[ord[lo]], names[g]) == 0 ? ord[lo] : -1;
    }
    free(ord);
    return 0;
}

void sc_sort_names_stable(int64_t *ord, int64_t n, char **names)
{
    g_sort_names = names;
    qsort(ord, (size_t)n, sizeof *ord, cmp_name_pos);
    g_sort_names = NULL;
}

/* vae_bind.c: model genes and categories by name, against the loaded data. */
#include "vae_bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cat_free(vae_cat *c)
{
    free(c->col);
    for (int i = 0; c->cats && i < c->n; i++)
        free(c->cats[i]);
    free(c->cats);
    free(c->codes);
    memset(c, 0, sizeof *c);
}

void vbind_free(vae_bind *b)
{
    if (b->m)
        vae_free(b->m);
    for (int64_t i = 0; b->genes && i < b->ngenes; i++)
        free(b->genes[i]);
    free(b->genes);
    cat_free(&b->batch);
    for (int i = 0; i < b->ncov; i++)
        cat_free(&b->cov[i]);
    csr_free(&b->X);
    memset(b, 0, sizeof *b);
}

/* A categorical obs column by name, with a message listing the candidates. */
static const sc_column *cat_column(const sc_dataset *d, const char *col, const char *role,
                                   sc_err *e)
{
    int i = frame_find(&d->obs, col);
    if (i < 0) {
        char names[512];
        frame_names(&d->obs, names, sizeof names);
        err_set(e, "%s column '%s' is not in obs; obs columns: %s", role, col, names);
        return NULL;
    }
    const sc_column *c = &d->obs.cols[i];
    if (c->kind != SC_COL_CAT) {
        err_set(e, "%s column '%s' is not categorical", role, col);
        return NULL;
    }
    return c;
}

/* Take the names of column col's categories into c. */
static int cat_init(vae_cat *c, const sc_dataset *d, const char *col, const char *role, sc_err *e)
{
    const sc_column *oc = cat_column(d, col, role, e);
    if (!oc)
        return -1;
    if (!(c->col = sc_strdup(e, col)) || !(c->cats = sc_calloc(e, (size_t)oc->ncats, sizeof(char *))))
        return -1;
    c->n = oc->ncats;
    for (int k = 0; k < oc->ncats; k++)
        if (!(c->cats[k] = sc_strdup(e, oc->cats[k])))
            return -1;
    return 0;
}

/* Codes of d's column for the model's categories (by name). */
static int cat_codes(vae_cat *c, const sc_dataset *d, const char *role, sc_err *e)
{
    const sc_column *oc = cat_column(d, c->col, role, e);
    if (!oc)
        return -1;
    int32_t *map = sc_calloc(e, (size_t)oc->ncats + 1, sizeof *map);
    int32_t *codes = map ? sc_calloc(e, (size_t)d->X.nrows, sizeof *codes) : NULL;
    if (!codes) {
        free(map);
        return -1;
    }
    for (int k = 0; k < oc->ncats; k++) {
        map[k] = -1;
        for (int j = 0; j < c->n; j++)
            if (strcmp(oc->cats[k], c->cats[j]) == 0)
                map[k] = j;
    }
    for (int64_t r = 0; r < d->X.nrows; r++) {
        int32_t k = oc->codes[r];
        int32_t j = k >= 0 && k < oc->ncats ? map[k] : -1;
        if (j < 0) {
            err_set(e, "cell %s has %s '%s' = %s, which the model was not trained with",
                    d->obs.index ? d->obs.index[r] : "?", role, c->col,
                    k >= 0 && k < oc->ncats ? oc->cats[k] : "(missing)");
            free(map);
            free(codes);
            return -1;
        }
        codes[r] = j;
    }
    free(map);
    free(c->codes);
    c->codes = codes;
    return 0;
}

int vbind_init(vae_bind *b, const sc_dataset *d, const char *batch_col, const char *covs,
               sc_err *e)
{
    memset(b, 0, sizeof *b);
    int hv = frame_find(&d->var, "highly_variable");
    const sc_column *hc = hv >= 0 ? &d->var.cols[hv] : NULL;
    int64_t n = 0;
    for (int64_t j = 0; j < d->X.ncols; j++)
        n += !hc || (hc->num && hc->num[j] == 1);
    if (n == 0)
        return err_set(e, "no genes to train on (the highly_variable column selects none)");
    b->genes = sc_calloc(e, (size_t)n, sizeof *b->genes);
    if (!b->genes)
        return -1;
    for (int64_t j = 0; j < d->X.ncols; j++)
        if (!hc || (hc->num && hc->num[j] == 1))
            if (!(b->genes[b->ngenes++] = sc_strdup(e, d->var.index[j])))
                goto fail;
    const char *bc = batch_col ? batch_col : d->batch_key;
    if (bc) {
        if (cat_init(&b->batch, d, bc, "batch", e) < 0)
            goto fail;
        b->has_batch = 1;
    }
    if (covs && *covs) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", covs);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            if (b->ncov >= VAE_MAX_CAT - 1) {
                err_set(e, "too many covariates (at most %d)", VAE_MAX_CAT - 1);
                goto fail;
            }
            if (cat_init(&b->cov[b->ncov++], d, t, "covariate", e) < 0)
                goto fail;
        }
    }
    return vbind_attach(b, d, e) < 0 ? (vbind_free(b), -1) : 0;
fail:
    vbind_free(b);
    return -1;
}

int vbind_attach(vae_bind *b, const sc_dataset *d, sc_err *e)
{
    /* model gene k <- var column j, by name */
    int32_t *col_of = sc_calloc(e, (size_t)d->X.ncols + 1, sizeof *col_of);
    if (!col_of)
        return -1;
    for (int64_t j = 0; j < d->X.ncols; j++)
        col_of[j] = -1;
    int64_t missing = 0;
    const char *first_missing = NULL;
    int64_t *row = sc_calloc(e, (size_t)b->ngenes + 1, sizeof *row);
    if (!row || names_lookup((const char *const *)b->genes, b->ngenes, d->var.index, d->X.ncols,
                             row, e) < 0) {
        free(row);
        free(col_of);
        return -1;
    }
    for (int64_t k = 0; k < b->ngenes; k++) {
        if (row[k] >= 0)
            col_of[row[k]] = (int32_t)k;
        else if (missing++ == 0)
            first_missing = b->genes[k];
    }
    free(row);
    if (missing) {
        free(col_of);
        return err_set(e, "the data lacks %lld of the model's %lld genes (e.g. %s)",
                       (long long)missing, (long long)b->ngenes, first_missing);
    }
    sc_csr X = {0};
    X.nrows = d->X.nrows;
    X.ncols = b->ngenes;
    int64_t nnz = 0;
    for (int64_t q = 0; q < d->X.indptr[d->X.nrows]; q++)
        nnz += col_of[d->X.indices[q]] >= 0;
    X.indptr = sc_calloc(e, (size_t)X.nrows + 1, sizeof *X.indptr);
    X.indices = X.indptr ? sc_calloc(e, (size_t)nnz + 1, sizeof *X.indices) : NULL;
    X.data = X.indices ? sc_calloc(e, (size_t)nnz + 1, sizeof *X.data) : NULL;
    if (!X.data) {
        csr_free(&X);
        free(col_of);
        return -1;
    }
    int64_t w = 0;
    for (int64_t r = 0; r < d->X.nrows; r++) {
        int64_t start = w;
        for (int64_t q = d->X.indptr[r]; q < d->X.indptr[r + 1]; q++) {
            int32_t k = col_of[d->X.indices[q]];
            if (k < 0)
                continue;
            /* insertion keeps the row sorted when model order differs from var order */
            int64_t p = w++;
            while (p > start && X.indices[p - 1] > k) {
                X.indices[p] = X.indices[p - 1];
                X.data[p] = X.data[p - 1];
                p--;
            }
            X.indices[p] = k;
            X.data[p] = d->X.data[q];
        }
        X.indptr[r + 1] = w;
    }
    free(col_of);
    if ((b->has_batch && cat_codes(&b->batch, d, "batch", e) < 0)) {
        csr_free(&X);
        return -1;
    }
    for (int i = 0; i < b->ncov; i++)
        if (cat_codes(&b->cov[i], d, "covariate", e) < 0) {
            csr_free(&X);
            return -1;
        }
    csr_free(&b->X);
    b->X = X;
    b->data = d;
    b->data_cells = d->X.nrows;
    b->data_nnz = d->X.indptr[d->X.nrows];
    return 0;
}

int vbind_current(const vae_bind *b, const sc_dataset *d)
{
    return b->data == d && d && b->data_cells == d->X.nrows &&
           b->data_nnz == d->X.indptr[d->X.nrows];
}

vae_data vbind_data(const vae_bind *b, const int32_t **cov_ptrs)
{
    for (int i = 0; i < b->ncov; i++)
        cov_ptrs[i] = b->cov[i].codes;
    vae_data vd = {&b->X, b->has_batch && b->batch.n > 1 ? b->batch.codes : NULL,
                   b->ncov ? cov_ptrs : NULL};
    return vd;
}

/* insp.c: building and caching the session's inspection state (insp.h). */
#include "insp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "sae_bind.h"
#include "sae_input.h"
#include "vae_bind.h"

/* Labels with more categories than this are not defaults (cell barcodes
 * stored as categoricals, for instance). */
#define INSP_MAX_DEFAULT_CATS 200
#define INSP_NORM_TARGET 1e4

void insp_free(insp_ctx *c)
{
    if (!c)
        return;
    if (c->have_feat)
        inspect_src_free(&c->feat);
    if (c->have_dir)
        inspect_src_free(&c->dir);
    free(c->dir_X);
    for (int i = 0; i < c->nlab; i++)
        stats_label_free(&c->lab[i]);
    free(c->lab);
    if (c->have_genes)
        inspect_genes_free(&c->genes);
    for (int i = 0; i < INSP_CACHE_N; i++)
        if (c->cache[i].p)
            c->cache[i].free_fn(c->cache[i].p);
    memset(c, 0, sizeof *c);
}

void insp_cache_set(insp_ctx *c, int i, void *p, void (*free_fn)(void *), const char *key)
{
    if (c->cache[i].p)
        c->cache[i].free_fn(c->cache[i].p);
    c->cache[i].p = p;
    c->cache[i].free_fn = free_fn;
    snprintf(c->cache[i].key, sizeof c->cache[i].key, "%s", key ? key : "");
}

static int build_labels(insp_ctx *c, const sc_dataset *d, sc_err *e)
{
    int n = 0;
    for (int i = 0; i < d->obs.ncols; i++)
        n += d->obs.cols[i].kind == SC_COL_CAT;
    c->lab = sc_calloc(e, (size_t)(n ? n : 1), sizeof *c->lab);
    if (!c->lab)
        return -1;
    for (int i = 0; i < d->obs.ncols; i++) {
        const sc_column *col = &d->obs.cols[i];
        if (col->kind != SC_COL_CAT)
            continue;
        if (stats_label_init(&c->lab[c->nlab], col->name, col->codes, d->X.nrows, col->ncats,
                             (const char *const *)col->cats, e) < 0)
            return -1;
        c->nlab++;
    }
    return 0;
}

static int build_feat(insp_ctx *c, session *s, sc_err *e)
{
    const sae_bind *b = s->sae;
    if (!b || !b->m)
        return err_set(e, "no SAE yet; train one with `sae train` or read one with `sae load`");
    if (b->acts.nrows != c->ncells)
        return err_set(e, "the SAE's activations cover %lld cells, the data has %lld; run "
                          "`sae load` again or train a new SAE on this data",
                       (long long)b->acts.nrows, (long long)c->ncells);
    if (inspect_src_sparse(&c->feat, b->acts.nrows, b->acts.ncols, b->acts.indptr,
                           b->acts.indices, b->acts.data, "SAE activations", e) < 0)
        return -1;
    c->have_feat = 1;
    return 0;
}

static int build_dir(insp_ctx *c, session *s, sc_err *e)
{
    const char *src = s->sae && s->sae->m ? s->sae->source
                      : s->vae && s->vae->m ? "vae"
                                            : NULL;
    if (!src)
        return err_set(e, "no latent to inspect; train a VAE (`vae train`) or an SAE first");
    int64_t n;
    int d;
    float *X = sae_input(s, src, &n, &d, e);
    if (!X)
        return -1;
    if (n != c->ncells) {
        free(X);
        return err_set(e, "%s has %lld rows, the data %lld cells", src, (long long)n,
                       (long long)c->ncells);
    }
    if (inspect_src_dense(&c->dir, n, d, X, src, e) < 0) {
        free(X);
        return -1;
    }
    c->have_dir = 1;
    c->dir_X = X;
    c->dir_dims = d;
    snprintf(c->dir_source, sizeof c->dir_source, "%s", src);
    return 0;
}

static int build_genes(insp_ctx *c, session *s, sc_err *e)
{
    const sc_dataset *d = s->data;
    if (d->norm.nrows == d->X.nrows && d->norm.ncols == d->X.ncols && d->norm_log1p) {
        if (inspect_genes_prepare(&c->genes, &d->norm, "normalised expression", e) < 0)
            return -1;
        c->genes_target = d->norm_target;
    } else { /* scanpy's normalize_total(1e4) + log1p, for looking only */
        sc_csr nx = {0};
        if (normalize_total(&d->X, INSP_NORM_TARGET, 1, &nx, NULL, e) < 0)
            return -1;
        int rc = inspect_genes_prepare(&c->genes, &nx, "normalised expression", e);
        csr_free(&nx);
        if (rc < 0)
            return -1;
        c->genes_target = INSP_NORM_TARGET;
    }
    c->have_genes = 1;
    return 0;
}

int insp_get(session *s, unsigned need, insp_ctx **out, sc_err *e)
{
    if (!s->data)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    insp_ctx *c = s->insp;
    if (c && (c->data_id != s->data || c->sae_id != s->sae || c->vae_id != s->vae ||
              c->ncells != s->data->X.nrows || c->nnz != s->data->X.indptr[s->data->X.nrows])) {
        insp_free(c);
        free(c);
        c = s->insp = NULL;
    }
    if (!c) {
        c = sc_calloc(e, 1, sizeof *c);
        if (!c)
            return -1;
        c->data_id = s->data;
        c->sae_id = s->sae;
        c->vae_id = s->vae;
        c->ncells = s->data->X.nrows;
        c->nnz = s->data->X.indptr[c->ncells];
        s->insp = c;
    }
    /* obs columns can be added (qc, vae latent's companions): rebuild the
     * labels when the column count changed; callers may hold copies of them
     * across insp_get calls, so they are not rebuilt otherwise */
    if (!c->lab || c->obs_cols != s->data->obs.ncols) {
        for (int i = 0; i < c->nlab; i++)
            stats_label_free(&c->lab[i]);
        free(c->lab);
        c->lab = NULL;
        c->nlab = 0;
        c->obs_cols = s->data->obs.ncols;
        if (build_labels(c, s->data, e) < 0)
            return -1;
    }
    if ((need & INSP_FEAT) && !c->have_feat && build_feat(c, s, e) < 0)
        return -1;
    if ((need & INSP_DIR) && !c->have_dir && build_dir(c, s, e) < 0)
        return -1;
    if ((need & INSP_GENES) && !c->have_genes && build_genes(c, s, e) < 0)
        return -1;
    *out = c;
    return 0;
}

int insp_feature(const insp_ctx *c, int64_t n, int32_t *view, sc_err *e)
{
    if (!c->have_feat)
        return err_set(e, "no SAE yet; train one with `sae train` or read one with `sae load`");
    if (n < 0 || n >= c->feat.nview)
        return err_set(e, "feature %lld is out of range: the SAE has %d features (0..%d)",
                       (long long)n, (int)c->feat.nview, (int)c->feat.nview - 1);
    *view = (int32_t)n;
    return 0;
}

void insp_categorical_names(const sc_dataset *d, char *buf, size_t size)
{
    buf[0] = 0;
    for (int i = 0; i < d->obs.ncols; i++) {
        if (d->obs.cols[i].kind != SC_COL_CAT)
            continue;
        size_t u = strlen(buf);
        snprintf(buf + u, size - u, "%s%s", u ? ", " : "", d->obs.cols[i].name);
    }
    if (!buf[0])
        snprintf(buf, size, "(none)");
}

int insp_label(const insp_ctx *c, const session *s, const char *col, sc_err *e)
{
    for (int i = 0; i < c->nlab; i++)
        if (strcmp(c->lab[i].name, col) == 0)
            return i;
    char names[1024];
    insp_categorical_names(s->data, names, sizeof names);
    int k = frame_find(&s->data->obs, col);
    if (k >= 0)
        err_set(e, "obs column '%s' is not categorical; categorical columns: %s", col, names);
    else
        err_set(e, "no obs column '%s'; categorical columns: %s", col, names);
    return -1;
}

int insp_labels(const insp_ctx *c, const session *s, const char *list, int *idx, int *n,
                sc_err *e)
{
    *n = 0;
    if (!list || !*list) {
        for (int i = 0; i < c->nlab; i++)
            if (c->lab[i].ncat >= 2 && c->lab[i].ncat <= INSP_MAX_DEFAULT_CATS)
                idx[(*n)++] = i;
        return 0;
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int k = insp_label(c, s, tok, e);
        if (k < 0)
            return -1;
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= idx[i] == k;
        if (!dup)
            idx[(*n)++] = k;
    }
    return 0;
}

int insp_batch_label(const insp_ctx *c, const session *s)
{
    const char *key = s->data->batch_key;
    if (!key)
        return -1;
    for (int i = 0; i < c->nlab; i++)
        if (strcmp(c->lab[i].name, key) == 0)
            return i;
    return -1;
}

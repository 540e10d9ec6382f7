/* export_fixture.c: writes .h5ad files with h5ad_write (and the obs table
 * with tsv_write_frame) for tests/export.test, which opens them with Python's
 * anndata and scanpy (tests/peer/export_check.py).  Stands in for the
 * `export` command until it exists.
 *
 *   export_fixture synth OUT.h5ad OUT_obs.tsv
 *       a 60 x 40 data set whose every value follows the formulas below;
 *       export_check.py recomputes them independently.
 *   export_fixture real IN.h5ad OUT.h5ad
 *       IN read with h5ad_read and written back with an X_vae, an X_sae and
 *       a uns/sparsesc entry, as an export of real data would be.
 *
 * The formulas (cell i in 0..59, gene j in 0..39, feature k in 0..15):
 *   X[i,j]         v = (7i + 13j) mod 11; 0 when v < 6, else v - 5
 *   obs index      "cell%d" % i, index name "cell"
 *   cell_type      categories B, T, Mono (in that order); code i mod 3
 *   condition      categories ctrl, stim; code 0 for i < 30, else 1
 *   donor          string "d%d" % (i mod 4), missing when i mod 10 = 9
 *   n_counts       integer row sum of X
 *   frac           i / 64, NaN for i = 5
 *   is_doublet     bool, i mod 17 = 0
 *   passed         bool i mod 2, missing when i mod 7 = 3
 *   var index      "G%d" % j; gene_ids "ENSG%05d" % j; highly_variable j mod 3 = 0
 *   obsm X_umap    [i, -i/2]
 *   obsm X_vae     [(i - 2c) / 8 for c in 0..3]
 *   obsm X_sae     CSR 60 x 16: row i has features a = i mod 16 with value
 *                  (i + 1) / 4 and b = (5i + 3) mod 16 with value 0.5
 *                  (a only, value (i + 1) / 4, when a = b)
 *   varm sae_gene_lens  [(16j + k) mod 9 - 4]
 *   uns sparsesc   version "fixture"; params {k: 2, lr: 0.001, model: "topk"};
 *                  metrics {loss: [1, 0.5, 0.25], alive: [[1,2],[3,4]] int};
 *                  labels ["cell_type", "condition"];
 *                  features: a dataframe, index "0".."15" named "feature",
 *                  density = k / 16, label categorical [B, T] code k mod 2,
 *                  missing for k = 15, note "f%d" % k */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"
#include "h5ad_write.h"
#include "tsv.h"

#define N 60
#define G 40
#define K 16

static sc_err e;

static char *fmt(const char *f, int v)
{
    char b[64];
    snprintf(b, sizeof b, f, v);
    return sc_strdup(&e, b);
}

/* Append an empty column of f->n rows (frame_add may move f->cols, so
 * callers take pointers to columns only after adding them all). */
static void col(sc_frame *f, const char *name, sc_col_kind kind)
{
    sc_column c = {0};
    c.name = sc_strdup(&e, name);
    c.kind = kind;
    if (kind == SC_COL_NUM || kind == SC_COL_BOOL)
        c.num = sc_calloc(&e, (size_t)f->n, sizeof *c.num);
    else if (kind == SC_COL_STR)
        c.str = sc_calloc(&e, (size_t)f->n, sizeof *c.str);
    else
        c.codes = sc_calloc(&e, (size_t)f->n, sizeof *c.codes);
    frame_add(f, &c, &e);
}

static void cats(sc_column *c, const char *a, const char *b, const char *d)
{
    c->ncats = d ? 3 : 2;
    c->cats = sc_calloc(&e, 3, sizeof *c->cats);
    c->cats[0] = sc_strdup(&e, a);
    c->cats[1] = sc_strdup(&e, b);
    if (d)
        c->cats[2] = sc_strdup(&e, d);
}

static void build(sc_dataset *d)
{
    memset(d, 0, sizeof *d);
    sc_csr *X = &d->X;
    X->nrows = N;
    X->ncols = G;
    X->indptr = sc_calloc(&e, N + 1, sizeof *X->indptr);
    X->indices = sc_calloc(&e, N * G, sizeof *X->indices);
    X->data = sc_calloc(&e, N * G, sizeof *X->data);
    d->obs.n = N;
    d->obs.index = sc_calloc(&e, N, sizeof *d->obs.index);
    d->obs.index_name = sc_strdup(&e, "cell");
    col(&d->obs, "cell_type", SC_COL_CAT);
    col(&d->obs, "condition", SC_COL_CAT);
    col(&d->obs, "donor", SC_COL_STR);
    col(&d->obs, "n_counts", SC_COL_NUM);
    col(&d->obs, "frac", SC_COL_NUM);
    col(&d->obs, "is_doublet", SC_COL_BOOL);
    col(&d->obs, "passed", SC_COL_BOOL);
    sc_column *ct = &d->obs.cols[0], *cond = &d->obs.cols[1], *donor = &d->obs.cols[2];
    sc_column *nc = &d->obs.cols[3], *frac = &d->obs.cols[4], *dbl = &d->obs.cols[5];
    sc_column *passed = &d->obs.cols[6];
    cats(ct, "B", "T", "Mono");
    cats(cond, "ctrl", "stim", NULL);
    nc->is_int = 1;
    int64_t nnz = 0;
    for (int i = 0; i < N; i++) {
        double sum = 0;
        for (int j = 0; j < G; j++) {
            int v = (7 * i + 13 * j) % 11;
            if (v < 6)
                continue;
            X->indices[nnz] = j;
            X->data[nnz++] = (float)(v - 5);
            sum += v - 5;
        }
        X->indptr[i + 1] = nnz;
        d->obs.index[i] = fmt("cell%d", i);
        ct->codes[i] = i % 3;
        cond->codes[i] = i < 30 ? 0 : 1;
        donor->str[i] = i % 10 == 9 ? NULL : fmt("d%d", i % 4);
        nc->num[i] = sum;
        frac->num[i] = i == 5 ? NAN : i / 64.0;
        dbl->num[i] = i % 17 == 0;
        passed->num[i] = i % 7 == 3 ? NAN : i % 2;
    }
    d->var.n = G;
    d->var.index = sc_calloc(&e, G, sizeof *d->var.index);
    col(&d->var, "gene_ids", SC_COL_STR);
    col(&d->var, "highly_variable", SC_COL_BOOL);
    for (int j = 0; j < G; j++) {
        d->var.index[j] = fmt("G%d", j);
        d->var.cols[0].str[j] = fmt("ENSG%05d", j);
        d->var.cols[1].num[j] = j % 3 == 0;
    }
    d->nobsm = 1;
    d->obsm = sc_calloc(&e, 1, sizeof *d->obsm);
    d->obsm[0] = (sc_embed){sc_strdup(&e, "X_umap"), N, 2, sc_calloc(&e, N * 2, sizeof(float))};
    for (int i = 0; i < N; i++) {
        d->obsm[0].data[2 * i] = (float)i;
        d->obsm[0].data[2 * i + 1] = -i / 2.0f;
    }
}

static float vae[N * 4], lens[G * K], sae_data[2 * N];
static int64_t sae_indptr[N + 1];
static int32_t sae_indices[2 * N];
static sc_csr sae = {N, K, sae_indptr, sae_indices, sae_data};

/* The models' part of an export for n cells and g genes. */
static uns_node *extras(int64_t n, int64_t g, h5ad_extra *x, h5ad_dense *dv, h5ad_sparse *sp,
                        h5ad_dense *vm)
{
    for (int64_t i = 0; i < n && i < N; i++)
        for (int c = 0; c < 4; c++)
            vae[i * 4 + c] = (float)(i - 2 * c) / 8.0f;
    int64_t nnz = 0;
    for (int64_t i = 0; i < n && i < N; i++) {
        int a = (int)(i % K), b = (int)((5 * i + 3) % K);
        int lo = a < b ? a : b, hi = a < b ? b : a;
        sae_indices[nnz] = lo;
        sae_data[nnz++] = lo == a ? (float)(i + 1) / 4.0f : 0.5f;
        if (a != b) {
            sae_indices[nnz] = hi;
            sae_data[nnz++] = hi == a ? (float)(i + 1) / 4.0f : 0.5f;
        }
        sae_indptr[i + 1] = nnz;
    }
    for (int64_t j = 0; j < g && j < G; j++)
        for (int k = 0; k < K; k++)
            lens[j * K + k] = (float)((16 * j + k) % 9 - 4);
    *dv = (h5ad_dense){"X_vae", n, 4, vae, 0};
    *sp = (h5ad_sparse){"X_sae", &sae};
    *vm = (h5ad_dense){"sae_gene_lens", g, K, lens, 0};
    uns_node *root = uns_dict_new(&e), *s = uns_dict(root, "sparsesc", &e);
    uns_node *params = uns_dict(s, "params", &e), *metrics = uns_dict(s, "metrics", &e);
    uns_str(s, "version", "fixture", &e);
    uns_int(params, "k", 2, &e);
    uns_num(params, "lr", 0.001, &e);
    uns_str(params, "model", "topk", &e);
    const double loss[3] = {1, 0.5, 0.25}, alive[4] = {1, 2, 3, 4};
    uns_array(metrics, "loss", loss, 3, 0, 0, &e);
    uns_array(metrics, "alive", alive, 2, 2, 1, &e);
    char *labels[2] = {"cell_type", "condition"};
    uns_strings(s, "labels", labels, 2, &e);
    sc_frame ft = {0};
    ft.n = K;
    ft.index = sc_calloc(&e, K, sizeof *ft.index);
    ft.index_name = sc_strdup(&e, "feature");
    col(&ft, "density", SC_COL_NUM);
    col(&ft, "label", SC_COL_CAT);
    col(&ft, "note", SC_COL_STR);
    cats(&ft.cols[1], "B", "T", NULL);
    for (int k = 0; k < K; k++) {
        ft.index[k] = fmt("%d", k);
        ft.cols[0].num[k] = k / 16.0;
        ft.cols[1].codes[k] = k == 15 ? -1 : k % 2;
        ft.cols[2].str[k] = fmt("f%d", k);
    }
    uns_frame(s, "features", &ft, &e);
    *x = (h5ad_extra){1, dv, 1, sp, 1, vm, root};
    return root;
}

int main(int argc, char **argv)
{
    sc_dataset d;
    h5ad_extra x;
    h5ad_dense dv, vm;
    h5ad_sparse sp;
    int rc = 0;
    if (argc == 4 && strcmp(argv[1], "synth") == 0) {
        build(&d);
        uns_node *u = extras(N, G, &x, &dv, &sp, &vm);
        if (h5ad_write(argv[2], &d, &x, &e) != 0 || tsv_write_frame(argv[3], &d.obs, &e) != 0)
            rc = 1;
        uns_free(u);
    } else if (argc == 4 && strcmp(argv[1], "real") == 0) {
        if (h5ad_read(argv[2], NULL, &d, &e) != 0) {
            fprintf(stderr, "export_fixture: %s\n", e.msg);
            return 1;
        }
        /* the formulas cover the first 60 cells and 40 genes; zero the rest */
        float *v = sc_calloc(&e, (size_t)d.X.nrows * 4, sizeof *v);
        float *l = sc_calloc(&e, (size_t)d.X.ncols * K, sizeof *l);
        int64_t *ip = sc_calloc(&e, (size_t)d.X.nrows + 1, sizeof *ip);
        uns_node *u = extras(d.X.nrows, d.X.ncols, &x, &dv, &sp, &vm);
        memcpy(v, vae, sizeof vae);
        memcpy(l, lens, sizeof lens);
        memcpy(ip, sae_indptr, sizeof sae_indptr);
        for (int64_t i = N + 1; i <= d.X.nrows; i++)
            ip[i] = sae_indptr[N];
        sc_csr big = {d.X.nrows, K, ip, sae_indices, sae_data};
        dv.data = v;
        vm.data = l;
        sp.m = &big;
        if (h5ad_write(argv[3], &d, &x, &e) != 0)
            rc = 1;
        uns_free(u);
        free(v);
        free(l);
        free(ip);
    } else {
        fprintf(stderr, "usage: export_fixture synth OUT.h5ad OUT.tsv | real IN.h5ad OUT.h5ad\n");
        return 2;
    }
    if (rc)
        fprintf(stderr, "export_fixture: %s\n", e.msg);
    dataset_free(&d);
    return rc;
}

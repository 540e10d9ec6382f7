/* test_merge.c: appending a data set as a batch.  Small data sets built
 * here (expected results worked out by hand in the comments), then two real
 * files from the shared data, checked against sums and gene sets computed in
 * this file by sorting and bsearch (not by merge.c's hash matching). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "h5ad.h"
#include "merge.h"
#include "tap.h"

/* ---- building small data sets ------------------------------------------ */

static char **strs(const char *csv, int64_t *n)
{
    char **out = calloc(64, sizeof *out);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", csv);
    int64_t k = 0;
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
        out[k++] = strdup(t);
    *n = k;
    return out;
}

/* cells x genes from a dense row-major array (zeros not stored). */
static sc_dataset make(const char *cells, const char *genes, const char *ids, const float *dense,
                       const char *source)
{
    sc_dataset d = {0};
    int64_t nc, ng, ni;
    d.obs.index = strs(cells, &nc);
    d.var.index = strs(genes, &ng);
    d.obs.n = nc;
    d.var.n = ng;
    d.X.nrows = nc;
    d.X.ncols = ng;
    d.X.indptr = calloc((size_t)nc + 1, sizeof *d.X.indptr);
    d.X.indices = calloc((size_t)(nc * ng), sizeof *d.X.indices);
    d.X.data = calloc((size_t)(nc * ng), sizeof *d.X.data);
    int64_t w = 0;
    for (int64_t r = 0; r < nc; r++) {
        for (int64_t j = 0; j < ng; j++)
            if (dense[r * ng + j] != 0) {
                d.X.indices[w] = (int32_t)j;
                d.X.data[w++] = dense[r * ng + j];
            }
        d.X.indptr[r + 1] = w;
    }
    if (ids) {
        sc_column c = {0};
        c.name = strdup("gene_ids");
        c.kind = SC_COL_STR;
        c.str = strs(ids, &ni);
        frame_add(&d.var, &c, NULL);
    }
    d.source = strdup(source);
    d.x_source = strdup(source);
    return d;
}

static void add_cat(sc_frame *f, const char *name, const char *cats, const int32_t *codes)
{
    sc_column c = {0};
    int64_t n;
    c.name = strdup(name);
    c.kind = SC_COL_CAT;
    c.cats = strs(cats, &n);
    c.ncats = (int32_t)n;
    c.codes = calloc((size_t)f->n, sizeof *c.codes);
    memcpy(c.codes, codes, (size_t)f->n * sizeof *c.codes);
    frame_add(f, &c, NULL);
}

static void add_num(sc_frame *f, const char *name, const double *v)
{
    sc_column c = {0};
    c.name = strdup(name);
    c.kind = SC_COL_NUM;
    c.num = calloc((size_t)f->n, sizeof *c.num);
    memcpy(c.num, v, (size_t)f->n * sizeof *c.num);
    frame_add(f, &c, NULL);
}

static void add_embed(sc_dataset *d, const char *key, int64_t cols)
{
    d->obsm = realloc(d->obsm, (size_t)(d->nobsm + 1) * sizeof *d->obsm);
    sc_embed *x = &d->obsm[d->nobsm++];
    x->key = strdup(key);
    x->rows = d->X.nrows;
    x->cols = cols;
    x->data = calloc((size_t)(x->rows * cols), sizeof *x->data);
    for (int64_t k = 0; k < x->rows * cols; k++)
        x->data[k] = (float)(k + 1);
}

/* X[cell, gene by name] or -1 when the gene is absent. */
static double value(const sc_dataset *d, int64_t cell, const char *gene)
{
    int64_t j = -1;
    for (int64_t k = 0; k < d->X.ncols; k++)
        if (strcmp(d->var.index[k], gene) == 0)
            j = k;
    if (j < 0)
        return -1;
    for (int64_t k = d->X.indptr[cell]; k < d->X.indptr[cell + 1]; k++)
        if (d->X.indices[k] == j)
            return d->X.data[k];
    return 0;
}

static const sc_column *col(const sc_frame *f, const char *name)
{
    int i = frame_find(f, name);
    return i < 0 ? NULL : &f->cols[i];
}

static const char *cat_of(const sc_column *c, int64_t i)
{
    return c && c->codes[i] >= 0 ? c->cats[c->codes[i]] : "(missing)";
}

static int valid(const sc_dataset *d)
{
    sc_err e;
    int ok = csr_validate(&d->X, d->X.indptr[d->X.nrows], 1, "merged", &e) == 0;
    if (!ok)
        tap_diag("%s", e.msg);
    return ok && d->obs.n == d->X.nrows && d->var.n == d->X.ncols;
}

/* base: 2 cells x genes A B C D; add: 2 cells x genes C A E */
static const float BASE_X[] = {1, 2, 3, 4, /**/ 0, 5, 0, 6};
static const float ADD_X[] = {7, 8, 9, /**/ 0, 10, 0};

static void small_inner_outer(void)
{
    sc_dataset b = make("c1,c2", "A,B,C,D", NULL, BASE_X, "base.h5ad");
    sc_dataset a = make("c1,c3", "C,A,E", NULL, ADD_X, "add.h5ad");
    int32_t bt[] = {0, 1}, at[] = {0, 1};
    add_cat(&b.obs, "cell_type", "T,B", bt);
    add_cat(&a.obs, "cell_type", "B,NK", at);
    double nc[] = {10, 11};
    add_num(&b.obs, "n_counts", nc);
    add_embed(&b, "X_pca", 2);
    add_embed(&a, "X_pca", 2);
    add_embed(&b, "X_umap", 2);
    sc_err e = {{0}};
    merge_report r;
    int rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == 0, "inner merge succeeds (%s)", rc ? e.msg : "ok");
    if (rc == 0) {
        tap_ok(valid(&b), "inner: result is valid CSR with matching obs/var");
        /* common genes A, C in base order */
        tap_ok(b.X.nrows == 4 && b.X.ncols == 2 && strcmp(b.var.index[0], "A") == 0 &&
                   strcmp(b.var.index[1], "C") == 0,
               "inner: 4 cells x genes A, C");
        tap_ok(r.genes_matched == 2 && r.genes_only_base == 2 && r.genes_only_add == 1 &&
                   !r.by_id,
               "inner report: 2 matched, 2 dropped from base, 1 from add, by symbol");
        /* add cell c1: C=7, A=8; add cell c3: A=10 */
        tap_ok(value(&b, 0, "A") == 1 && value(&b, 0, "C") == 3 && value(&b, 1, "A") == 0 &&
                   value(&b, 2, "A") == 8 && value(&b, 2, "C") == 7 && value(&b, 3, "A") == 10,
               "inner: values follow their genes");
        const sc_column *bc = col(&b.obs, "batch");
        tap_ok(bc && bc->kind == SC_COL_CAT && bc->ncats == 2 && strcmp(cat_of(bc, 0), "base") == 0 &&
                   strcmp(cat_of(bc, 3), "add") == 0,
               "batch column: base for old cells, add for new ones");
        tap_ok(b.batch_key && strcmp(b.batch_key, "batch") == 0, "batch_key set to 'batch'");
        const sc_column *ct = col(&b.obs, "cell_type");
        tap_ok(ct && ct->ncats == 3 && strcmp(cat_of(ct, 1), "B") == 0 &&
                   strcmp(cat_of(ct, 2), "B") == 0 && strcmp(cat_of(ct, 3), "NK") == 0,
               "categories merged by name (T, B, NK)");
        const sc_column *n = col(&b.obs, "n_counts");
        tap_ok(n && n->num[1] == 11 && isnan(n->num[2]) && isnan(n->num[3]),
               "numeric column missing for the new cells is NaN");
        tap_ok(strcmp(b.obs.index[0], "c1") == 0 && strcmp(b.obs.index[2], "c1-1") == 0 &&
                   r.cells_renamed == 1,
               "colliding cell name made unique (c1-1)");
        tap_ok(b.nobsm == 1 && strcmp(b.obsm[0].key, "X_pca") == 0 && b.obsm[0].rows == 4 &&
                   b.obsm[0].data[4] == 1 && strstr(r.note, "X_umap") != NULL,
               "obsm: X_pca stacked, X_umap dropped and reported");
    }
    dataset_free(&a);
    dataset_free(&b);

    b = make("c1,c2", "A,B,C,D", NULL, BASE_X, "base.h5ad");
    a = make("c1,c3", "C,A,E", NULL, ADD_X, "add.h5ad");
    rc = dataset_append_batch(&b, &a, "study", "base", "add", 1, &r, &e);
    tap_ok(rc == 0, "outer merge succeeds (%s)", rc ? e.msg : "ok");
    if (rc == 0) {
        tap_ok(valid(&b), "outer: result is valid CSR");
        tap_ok(b.X.ncols == 5 && strcmp(b.var.index[4], "E") == 0 && r.genes_out == 5,
               "outer: union A B C D E");
        tap_ok(value(&b, 0, "E") == 0 && value(&b, 2, "E") == 9 && value(&b, 2, "B") == 0 &&
                   value(&b, 1, "D") == 6 && value(&b, 3, "A") == 10,
               "outer: missing genes are zero, present ones keep their values");
        tap_ok(col(&b.obs, "study") && !col(&b.obs, "batch"), "batch column named 'study'");
    }
    dataset_free(&a);
    dataset_free(&b);
}

static void ensembl_matching(void)
{
    /* the symbols disagree (an old and a new name) but the ids match */
    sc_dataset b = make("c1,c2", "A,B,C,D", "E1,E2,E3,E4", BASE_X, "base.h5ad");
    sc_dataset a = make("x1,x2", "Cnew,A,E", "E3,E1,E9", ADD_X, "add.h5ad");
    sc_err e = {{0}};
    merge_report r;
    int rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == 0 && r.by_id && r.genes_matched == 2, "ids match C and Cnew (by_id %d, %lld)",
           r.by_id, (long long)r.genes_matched);
    if (rc == 0)
        tap_ok(value(&b, 2, "C") == 7, "Cnew's counts land in C");
    dataset_free(&a);
    dataset_free(&b);

    /* only one side has ids: symbols are used, Cnew stays unmatched */
    b = make("c1,c2", "A,B,C,D", "E1,E2,E3,E4", BASE_X, "base.h5ad");
    a = make("x1,x2", "Cnew,A,E", NULL, ADD_X, "add.h5ad");
    rc = dataset_append_batch(&b, &a, NULL, "base", "add", 1, &r, &e);
    tap_ok(rc == 0 && !r.by_id && r.genes_matched == 1 && b.X.ncols == 6,
           "one side without gene_ids: by symbol, outer gives 6 genes");
    if (rc == 0) {
        const sc_column *ids = col(&b.var, "gene_ids");
        tap_ok(ids && ids->str[0] && strcmp(ids->str[0], "E1") == 0 && ids->str[5] == NULL,
               "gene_ids missing (NULL) for the genes only the second file has");
    }
    dataset_free(&a);
    dataset_free(&b);

    /* ids from two namespaces that share nothing: the symbols decide */
    b = make("c1,c2", "A,B,C,D", "E1,E2,E3,E4", BASE_X, "base.h5ad");
    a = make("x1,x2", "C,A,E", "101,102,103", ADD_X, "add.h5ad");
    rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == 0 && !r.by_id && r.id_fallback && r.genes_matched == 2,
           "disjoint gene_ids fall back to symbols (fallback %d, %lld matched)", r.id_fallback,
           (long long)r.genes_matched);
    dataset_free(&a);
    dataset_free(&b);
}

static void errors_leave_base(void)
{
    sc_dataset b = make("c1,c2", "A,B,C,D", NULL, BASE_X, "base.h5ad");
    sc_dataset a = make("x1,x2", "X,Y,Z", NULL, ADD_X, "other.h5ad");
    float *data = b.X.data;
    sc_err e = {{0}};
    merge_report r;
    int rc = dataset_append_batch(&b, &a, NULL, "base", "other", 1, &r, &e);
    tap_ok(rc == -1 && strstr(e.msg, "no gene in common between base.h5ad") &&
               strstr(e.msg, "other.h5ad"),
           "no common gene: error names both files (%s)", e.msg);
    tap_ok(b.X.data == data && b.X.nrows == 2 && b.X.ncols == 4 && b.obs.ncols == 0 &&
               b.batch_key == NULL,
           "no common gene: base unchanged");
    dataset_free(&a);

    /* two appends, then a name already used */
    a = make("x1,x2", "C,A,E", NULL, ADD_X, "add.h5ad");
    rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == 0 && r.nbatches == 2, "first append: 2 batches");
    rc = dataset_append_batch(&b, &a, NULL, "base", "add2", 0, &r, &e);
    tap_ok(rc == 0 && r.nbatches == 3 && b.X.nrows == 6, "second append: 3 batches, 6 cells");
    int64_t cells = b.X.nrows;
    rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == -1 && strstr(e.msg, "batch 'add' already exists in obs column 'batch'") &&
               b.X.nrows == cells,
           "a batch name in use is refused, base unchanged (%s)", e.msg);
    dataset_free(&a);
    dataset_free(&b);

    b = make("c1,c2", "A,B,C,D", NULL, BASE_X, "base.h5ad");
    a = make("x1,x2", "C,A,E", NULL, ADD_X, "add.h5ad");
    double nb[] = {1, 2};
    add_num(&b.obs, "batch", nb);
    rc = dataset_append_batch(&b, &a, NULL, "base", "add", 0, &r, &e);
    tap_ok(rc == -1 && strstr(e.msg, "obs column 'batch' is numeric") && b.X.nrows == 2,
           "a numeric batch column is refused (%s)", e.msg);
    dataset_free(&a);
    dataset_free(&b);
}

/* ---- shared data: ifnb1k + pbmc_3tech ------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_copy(char **s, int64_t n)
{
    char **c = malloc((size_t)n * sizeof *c);
    memcpy(c, s, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_str);
    return c;
}

static int in_sorted(char **sorted, int64_t n, const char *s)
{
    return bsearch(&s, sorted, (size_t)n, sizeof *sorted, cmp_str) != NULL;
}

static void shared(const char *dir)
{
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/ifnb1k.h5ad", dir);
    snprintf(p2, sizeof p2, "%s/pbmc_3tech.h5ad", dir);
    sc_dataset b = {0}, a = {0};
    sc_err e = {{0}};
    h5ad_opts o = {0};
    if (!tap_ok(h5ad_read(p1, &o, &b, &e) == 0, "read ifnb1k (%s)", e.msg) ||
        !tap_ok(h5ad_read(p2, &o, &a, &e) == 0, "read pbmc_3tech (%s)", e.msg)) {
        dataset_free(&b);
        dataset_free(&a);
        return;
    }
    /* independent expectations: common symbols, kept counts, category union */
    char **sa = sorted_copy(a.var.index, a.var.n);
    char **sb = sorted_copy(b.var.index, b.var.n);
    int64_t common = 0;
    for (int64_t j = 0; j < b.var.n; j++)
        common += in_sorted(sa, a.var.n, b.var.index[j]);
    double want_sum = 0;
    for (int64_t k = 0; k < b.X.indptr[b.X.nrows]; k++)
        if (in_sorted(sa, a.var.n, b.var.index[b.X.indices[k]]))
            want_sum += b.X.data[k];
    for (int64_t k = 0; k < a.X.indptr[a.X.nrows]; k++)
        if (in_sorted(sb, b.var.n, a.var.index[a.X.indices[k]]))
            want_sum += a.X.data[k];
    double total_a = 0, total_b = 0;
    for (int64_t k = 0; k < a.X.indptr[a.X.nrows]; k++)
        total_a += a.X.data[k];
    for (int64_t k = 0; k < b.X.indptr[b.X.nrows]; k++)
        total_b += b.X.data[k];
    const sc_column *ca = col(&a.obs, "cell_type"), *cb = col(&b.obs, "cell_type");
    int32_t union_cats = cb ? cb->ncats : 0;
    for (int32_t k = 0; ca && cb && k < ca->ncats; k++) {
        int seen = 0;
        for (int32_t m = 0; m < cb->ncats; m++)
            seen |= strcmp(ca->cats[k], cb->cats[m]) == 0;
        union_cats += !seen;
    }
    int64_t gb = b.var.n, ga = a.var.n, nb = b.X.nrows, na = a.X.nrows;
    tap_diag("ifnb1k %lld genes, pbmc_3tech %lld genes, %lld common symbols", (long long)gb,
             (long long)ga, (long long)common);

    sc_dataset keep = {0};
    h5ad_read(p1, &o, &keep, &e); /* for the outer merge below */
    merge_report r;
    int rc = dataset_append_batch(&b, &a, NULL, "ifnb1k", "pbmc_3tech", 0, &r, &e);
    tap_ok(rc == 0, "ifnb1k + pbmc_3tech inner (%s)", rc ? e.msg : "ok");
    if (rc == 0) {
        tap_ok(valid(&b), "inner: valid");
        tap_ok(b.X.nrows == nb + na && b.X.ncols == common && r.genes_matched == common &&
                   !r.by_id,
               "inner: %lld cells x %lld common genes, by symbol", (long long)b.X.nrows,
               (long long)b.X.ncols);
        double sum = 0;
        for (int64_t k = 0; k < b.X.indptr[b.X.nrows]; k++)
            sum += b.X.data[k];
        tap_ok(sum == want_sum, "inner: total count %.0f equals the common genes' %.0f", sum,
               want_sum);
        const sc_column *bc = col(&b.obs, "batch");
        int64_t n0 = 0, n1 = 0;
        for (int64_t i = 0; bc && i < b.obs.n; i++) {
            n0 += bc->codes[i] == 0;
            n1 += bc->codes[i] == 1;
        }
        tap_ok(bc && n0 == nb && n1 == na && strcmp(bc->cats[1], "pbmc_3tech") == 0,
               "batch counts %lld / %lld", (long long)n0, (long long)n1);
        const sc_column *ct = col(&b.obs, "cell_type");
        tap_ok(ct && ct->ncats == union_cats, "cell_type: %d categories, the union of both",
               ct ? ct->ncats : -1);
        tap_ok(col(&b.obs, "tech") && col(&b.obs, "condition"),
               "obs columns of both files kept (tech, condition)");
    }
    rc = dataset_append_batch(&keep, &a, NULL, "ifnb1k", "pbmc_3tech", 1, &r, &e);
    tap_ok(rc == 0 && keep.X.ncols == gb + ga - common, "outer: %lld genes = %lld + %lld - %lld",
           (long long)keep.X.ncols, (long long)gb, (long long)ga, (long long)common);
    if (rc == 0) {
        double sum = 0;
        for (int64_t k = 0; k < keep.X.indptr[keep.X.nrows]; k++)
            sum += keep.X.data[k];
        tap_ok(valid(&keep) && sum == total_a + total_b, "outer: every count kept (%.0f)", sum);
    }
    free(sa);
    free(sb);
    dataset_free(&keep);
    dataset_free(&a);
    dataset_free(&b);
}

int main(void)
{
    small_inner_outer();
    ensembl_matching();
    errors_leave_base();
    const char *dir = tap_data_dir();
    if (dir) {
        shared(dir);
    } else {
        /* tap_no_data() would print a second plan; the checks above ran */
        const char *req = getenv("SPARSESC_REQUIRE_DATA");
        if (req && strcmp(req, "1") == 0) {
            printf("Bail out! shared data not found and SPARSESC_REQUIRE_DATA=1\n");
            return 1;
        }
        tap_diag("shared data not found: the ifnb1k + pbmc_3tech checks were skipped");
    }
    return tap_done();
}

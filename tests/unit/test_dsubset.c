/* test_dsubset.c: row and column subsets of a small data set carrying every
 * kind of table column, an obsm embedding and a normalised matrix; the
 * expected contents are read off the fixture by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsubset.h"
#include "tap.h"

/* 5 cells x 4 genes; cell i, gene j holds 10 i + j + 1 where marked. */
static const uint8_t present[5][4] = {
    {1, 0, 1, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 1, 1}};

static char **names(const char *prefix, int n)
{
    char **v = calloc((size_t)n, sizeof *v);
    for (int i = 0; i < n; i++) {
        char b[32];
        snprintf(b, sizeof b, "%s%d", prefix, i);
        v[i] = strdup(b);
    }
    return v;
}

static void add_col(sc_frame *f, const char *name, sc_col_kind kind)
{
    sc_err e;
    sc_column c = {0};
    c.name = strdup(name);
    c.kind = kind;
    int64_t n = f->n;
    if (kind == SC_COL_NUM || kind == SC_COL_BOOL) {
        c.num = calloc((size_t)n, sizeof *c.num);
        for (int64_t i = 0; i < n; i++)
            c.num[i] = kind == SC_COL_BOOL ? (double)(i % 2) : 1.5 * (double)i;
    } else if (kind == SC_COL_STR) {
        c.str = names("s", (int)n);
        free(c.str[1]);
        c.str[1] = NULL; /* a missing value */
    } else {
        c.codes = calloc((size_t)n, sizeof *c.codes);
        for (int64_t i = 0; i < n; i++)
            c.codes[i] = i == 4 ? -1 : (int32_t)(i % 3);
        c.ncats = 3;
        c.cats = calloc(3, sizeof *c.cats);
        c.cats[0] = strdup("alpha");
        c.cats[1] = strdup("beta");
        c.cats[2] = strdup("gamma");
    }
    frame_add(f, &c, &e);
}

static void csr_build(sc_csr *m, double scale)
{
    m->nrows = 5;
    m->ncols = 4;
    m->indptr = calloc(6, sizeof *m->indptr);
    m->indices = calloc(20, sizeof *m->indices);
    m->data = calloc(20, sizeof *m->data);
    int64_t at = 0;
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 4; j++)
            if (present[i][j]) {
                m->indices[at] = j;
                m->data[at++] = (float)(scale * (10 * i + j + 1));
            }
        m->indptr[i + 1] = at;
    }
}

static void fixture(sc_dataset *d)
{
    memset(d, 0, sizeof *d);
    csr_build(&d->X, 1);
    csr_build(&d->norm, 0.5);
    d->obs.n = 5;
    d->obs.index = names("cell", 5);
    d->obs.index_name = strdup("barcode");
    add_col(&d->obs, "num", SC_COL_NUM);
    add_col(&d->obs, "flag", SC_COL_BOOL);
    add_col(&d->obs, "text", SC_COL_STR);
    add_col(&d->obs, "label", SC_COL_CAT);
    d->var.n = 4;
    d->var.index = names("gene", 4);
    add_col(&d->var, "score", SC_COL_NUM);
    add_col(&d->var, "kind", SC_COL_CAT);
    d->nobsm = 1;
    d->obsm = calloc(1, sizeof *d->obsm);
    d->obsm[0].key = strdup("X_pca");
    d->obsm[0].rows = 5;
    d->obsm[0].cols = 2;
    d->obsm[0].data = calloc(10, sizeof(float));
    for (int k = 0; k < 10; k++)
        d->obsm[0].data[k] = (float)k; /* row i: 2i, 2i+1 */
}

/* Dense value of m at (i, j), 0 when not stored. */
static float at(const sc_csr *m, int64_t i, int64_t j)
{
    for (int64_t k = m->indptr[i]; k < m->indptr[i + 1]; k++)
        if (m->indices[k] == j)
            return m->data[k];
    return 0;
}

static const sc_column *col(const sc_frame *f, const char *name)
{
    return &f->cols[frame_find(f, name)];
}

int main(void)
{
    sc_err e;
    sc_dataset d;
    fixture(&d);

    /* ---- rows: keep cells 0, 2, 3 ---- */
    const uint8_t keep_rows[5] = {1, 0, 1, 1, 0};
    tap_ok(dataset_keep_rows(&d, keep_rows, &e) == 0, "keep cells 0, 2, 3");
    tap_ok(d.X.nrows == 3 && d.X.ncols == 4 && d.obs.n == 3 && d.var.n == 4, "shape 3 x 4");
    tap_ok(csr_validate(&d.X, d.X.indptr[3], 1, "X", &e) == 0 &&
               csr_validate(&d.norm, d.norm.indptr[3], 1, "norm", &e) == 0,
           "X and norm stay valid CSR");
    /* old rows 0, 2, 3: (1, 0, 3, 0), (21, 22, 23, 24), (0, 0, 0, 0) */
    tap_ok(d.X.indptr[1] == 2 && d.X.indptr[2] == 6 && d.X.indptr[3] == 6, "row lengths 2, 4, 0");
    tap_ok(at(&d.X, 0, 0) == 1 && at(&d.X, 0, 2) == 3 && at(&d.X, 1, 0) == 21 &&
               at(&d.X, 1, 3) == 24,
           "X values of the kept rows");
    tap_ok(at(&d.norm, 1, 3) == 12 && at(&d.norm, 0, 2) == 1.5f, "norm rows follow X");
    tap_ok(strcmp(d.obs.index[0], "cell0") == 0 && strcmp(d.obs.index[1], "cell2") == 0 &&
               strcmp(d.obs.index[2], "cell3") == 0 && strcmp(d.obs.index_name, "barcode") == 0,
           "obs index cell0 cell2 cell3 (index name kept)");
    const sc_column *c = col(&d.obs, "num");
    tap_ok(c->num[0] == 0 && c->num[1] == 3 && c->num[2] == 4.5, "numeric column 0 3 4.5");
    c = col(&d.obs, "flag");
    tap_ok(c->kind == SC_COL_BOOL && c->num[0] == 0 && c->num[1] == 0 && c->num[2] == 1,
           "boolean column 0 0 1");
    c = col(&d.obs, "text");
    tap_ok(strcmp(c->str[0], "s0") == 0 && strcmp(c->str[1], "s2") == 0 &&
               strcmp(c->str[2], "s3") == 0,
           "string column s0 s2 s3");
    c = col(&d.obs, "label");
    tap_ok(c->codes[0] == 0 && c->codes[1] == 2 && c->codes[2] == 0 && c->ncats == 3 &&
               strcmp(c->cats[1], "beta") == 0,
           "categorical codes 0 2 0; all three categories kept (beta now unused)");
    tap_ok(d.obsm[0].rows == 3 && d.obsm[0].data[0] == 0 && d.obsm[0].data[2] == 4 &&
               d.obsm[0].data[5] == 7,
           "obsm rows 0, 2, 3");
    tap_ok(d.var.ncols == 2 && strcmp(d.var.index[3], "gene3") == 0, "var untouched");

    /* ---- columns: keep genes 1 and 3 ---- */
    const uint8_t keep_cols[4] = {0, 1, 0, 1};
    tap_ok(dataset_keep_cols(&d, keep_cols, &e) == 0, "keep genes 1, 3");
    tap_ok(d.X.nrows == 3 && d.X.ncols == 2 && d.var.n == 2 && d.norm.ncols == 2, "shape 3 x 2");
    tap_ok(csr_validate(&d.X, d.X.indptr[3], 1, "X", &e) == 0, "X valid");
    /* rows now (0, 0), (22, 24), (0, 0) */
    tap_ok(d.X.indptr[1] == 0 && d.X.indptr[2] == 2 && at(&d.X, 1, 0) == 22 &&
               at(&d.X, 1, 1) == 24 && at(&d.norm, 1, 1) == 12,
           "columns renumbered: row 1 is 22, 24");
    tap_ok(strcmp(d.var.index[0], "gene1") == 0 && strcmp(d.var.index[1], "gene3") == 0 &&
               col(&d.var, "score")->num[1] == 4.5 && col(&d.var, "kind")->codes[1] == 0,
           "var rows gene1, gene3 with their columns");
    tap_ok(d.obs.n == 3 && d.obsm[0].rows == 3, "obs and obsm untouched");

    /* ---- nothing kept: allowed, a valid empty matrix ---- */
    const uint8_t none[3] = {0, 0, 0};
    tap_ok(dataset_keep_rows(&d, none, &e) == 0 && d.X.nrows == 0 && d.obs.n == 0 &&
               d.X.indptr[0] == 0 && d.obsm[0].rows == 0,
           "keeping no cells gives 0 x 2");
    dataset_free(&d);

    /* ---- without norm, obsm or index ---- */
    fixture(&d);
    csr_free(&d.norm);
    const uint8_t all[5] = {1, 1, 1, 1, 1};
    tap_ok(dataset_keep_rows(&d, all, &e) == 0 && d.X.indptr[5] == 9 && d.norm.indptr == NULL,
           "keeping every cell keeps all 9 values; no norm stays no norm");
    dataset_free(&d);

    /* ---- frame_set_num: add, then replace a column of another kind ---- */
    fixture(&d);
    double *v = calloc(5, sizeof *v);
    int n0 = d.obs.ncols;
    tap_ok(frame_set_num(&d.obs, "new", v, 1, &e) == 0 && d.obs.ncols == n0 + 1 &&
               col(&d.obs, "new")->is_int,
           "frame_set_num adds a column");
    double *w = calloc(5, sizeof *w);
    w[2] = 7;
    tap_ok(frame_set_num(&d.obs, "label", w, 0, &e) == 0 && d.obs.ncols == n0 + 1 &&
               col(&d.obs, "label")->kind == SC_COL_NUM && col(&d.obs, "label")->num[2] == 7 &&
               col(&d.obs, "label")->cats == NULL,
           "frame_set_num replaces a categorical column in place");
    double *x = calloc(5, sizeof *x);
    tap_ok(frame_set_num(&d.obs, "text", x, 0, &e) == 0 && col(&d.obs, "text")->str == NULL,
           "... and a string column (strings freed)");
    dataset_free(&d);
    return tap_done();
}

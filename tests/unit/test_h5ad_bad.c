/* test_h5ad_bad.c: small valid and broken .h5ad files written at test time
 * by tests/data/mkbad.c (linked in with -DMKBAD_NO_MAIN) into a temporary
 * directory.  Valid files must load with exactly the values mkbad wrote (its
 * header comment lists them); broken ones must fail with a message naming
 * the file, the object inside it and what was expected, leaving the output
 * dataset empty.  Two small Cell Ranger files check feature-type and genome
 * filtering, which the shared 10x fixtures do not exercise.  No shared data
 * needed. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "h5util.h"
#include "tap.h"
#include "tenx.h"

int mkbad_write_all(const char *dir);

static char dir[4096];

static const char *at(const char *name)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* The tiny matrix every valid file holds (see mkbad.c). */
static const int64_t T_INDPTR[] = {0, 2, 2, 5, 7};
static const int32_t T_INDICES[] = {0, 2, 1, 3, 4, 0, 4};
static const float T_DATA[] = {1, 3, 2, 5, 1, 4, 7};

static int is_tiny(const sc_csr *m, float scale, float shift)
{
    if (m->nrows != 4 || m->ncols != 5 || !m->indptr || m->indptr[4] != 7)
        return 0;
    for (int i = 0; i < 5; i++)
        if (m->indptr[i] != T_INDPTR[i])
            return 0;
    for (int k = 0; k < 7; k++)
        if (m->indices[k] != T_INDICES[k] || m->data[k] != T_DATA[k] * scale + shift)
            return 0;
    return 1;
}

static int is_empty(const sc_dataset *d)
{
    return !d->X.indptr && !d->X.data && d->obs.n == 0 && d->var.n == 0 && !d->obs.index &&
           !d->var.index && d->nobsm == 0 && d->nlayers == 0 && !d->source && !d->x_source;
}

static int load(const char *name, const char *layer, sc_dataset *d, sc_err *e)
{
    h5ad_opts o = {layer};
    memset(d, 0x5a, sizeof *d); /* h5ad_read must overwrite, not trust, *out */
    return h5ad_read(at(name), &o, d, e);
}

/* A broken file: fails, names every needle, leaves d empty. */
static void expect_error(const char *name, const char *layer, const char *const *needles)
{
    sc_err e = {{0}};
    sc_dataset d;
    int rc = load(name, layer, &d, &e);
    int ok = rc == -1 && is_empty(&d) && strstr(e.msg, name) != NULL;
    for (int i = 0; ok && needles[i]; i++)
        ok = strstr(e.msg, needles[i]) != NULL;
    tap_ok(ok, "%s%s%s: rejected, message names the file and '%s' (%s)", name,
           layer ? " layer=" : "", layer ? layer : "", needles[0], e.msg);
    if (rc == 0)
        dataset_free(&d);
}

#define ERR(file, layer, ...)                                                                      \
    do {                                                                                           \
        const char *const n_[] = {__VA_ARGS__, NULL};                                              \
        expect_error(file, layer, n_);                                                             \
    } while (0)

static void bad_files(void)
{
    ERR("no_x.h5ad", NULL, ":/X", "not found", "count matrix X");
    ERR("indptr_decreasing.h5ad", NULL, ":/X", "indptr decreases at row 1");
    ERR("indptr_end.h5ad", NULL, ":/X", "indptr ends at 6", "7 values");
    ERR("index_range.h5ad", NULL, ":/X", "column index 5", "outside 0..4");
    ERR("duplicate.h5ad", NULL, ":/X", "row 2 has duplicate column indices");
    ERR("shape_obs.h5ad", NULL, ":/X", "shape attribute says 5 x 5", "/obs has 4 rows");
    ERR("shape_var.h5ad", NULL, ":/X", "/var has 6 rows", "one var row per gene");
    ERR("negative.h5ad", NULL, ":/X", "negative count -5", "raw counts");
    ERR("negative_with_counts.h5ad", NULL, ":/X", "negative count", "layer=counts");
    ERR("nan.h5ad", NULL, ":/X", "is NaN");
    ERR("inf.h5ad", NULL, ":/X", "is infinite");
    ERR("cat_code.h5ad", NULL, ":/obs/cell_type/codes", "code 2", "2 categories", "'cell_type'");
    ERR("lzf.h5ad", NULL, ":/X/data", "LZF", "write_h5ad", "compression='gzip'");
    ERR("blosc.h5ad", NULL, ":/X/data", "blosc", "compression='gzip'");
    ERR("string_data.h5ad", NULL, ":/X/data", "dtype string", "expected a numeric dtype");
    ERR("obsm_rows.h5ad", NULL, ":/obsm/X_pca", "5 rows", "expected 4");
    ERR("truncated.h5ad", NULL, "truncated file");
    ERR("text.h5ad", NULL, "not an HDF5 file", "gene");
    ERR("empty.h5ad", NULL, "empty file");
    ERR("dir.h5ad", NULL, "is a directory");
    ERR("missing.h5ad", NULL, "No such file");
    ERR("valid_layers.h5ad", "nope", ":/layers/nope", "layer=nope", "X, raw, counts");
    ERR("valid_csr.h5ad", "raw", ":/raw/X", "layer=raw", "present: X");
}

static void sniffing(void)
{
    static const struct {
        const char *name;
        int rc;
        h5_kind kind;
    } k[] = {{"valid_csr.h5ad", 0, H5K_ANNDATA}, {"old06.h5ad", 0, H5K_ANNDATA},
             {"text.h5ad", 0, H5K_NOT_HDF5},     {"empty.h5ad", 0, H5K_NOT_HDF5},
             {"dir.h5ad", 0, H5K_NOT_HDF5},      {"missing.h5ad", -1, H5K_NOT_HDF5},
             {"truncated.h5ad", -1, H5K_NOT_HDF5}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        sc_err e = {{0}};
        h5_kind got = H5K_UNKNOWN;
        int rc = h5_kind_of(at(k[i].name), &got, &e);
        tap_ok(rc == k[i].rc && (rc != 0 || got == k[i].kind) && (rc == 0 || strstr(e.msg, k[i].name)),
               "h5_kind_of %s: %d, %s (%s)", k[i].name, rc, h5_kind_name(got), e.msg);
    }
}

static const sc_column *col(const sc_dataset *d, const char *name, sc_col_kind kind)
{
    int c = frame_find(&d->obs, name);
    return c >= 0 && d->obs.cols[c].kind == kind ? &d->obs.cols[c] : NULL;
}

/* The obs columns mkbad writes into every valid tiny file. */
static void check_obs(const char *name, const sc_dataset *d)
{
    const sc_column *ct = col(d, "cell_type", SC_COL_CAT), *ng = col(d, "n_genes", SC_COL_NUM),
                    *sc = col(d, "score", SC_COL_NUM), *fl = col(d, "flag", SC_COL_BOOL),
                    *ba = col(d, "batch", SC_COL_NUM), *la = col(d, "label", SC_COL_STR),
                    *okc = col(d, "ok", SC_COL_BOOL);
    tap_ok(d->obs.n == 4 && d->obs.ncols == 7 && strcmp(d->obs.index[3], "c3") == 0,
           "%s: obs has 4 rows, 7 columns", name);
    tap_ok(ct && ct->ncats == 2 && strcmp(ct->cats[0], "B") == 0 && strcmp(ct->cats[1], "T") == 0 &&
               ct->codes[0] == 0 && ct->codes[1] == -1 && ct->codes[2] == 1 && ct->codes[3] == 0,
           "%s: categorical cell_type B - T B (one missing)", name);
    tap_ok(ng && ng->is_int && ng->num[0] == 2 && ng->num[1] == 0 && ng->num[2] == 3,
           "%s: int64 n_genes", name);
    tap_ok(sc && !sc->is_int && sc->num[0] == 0.5 && sc->num[3] == 3.5, "%s: float64 score", name);
    tap_ok(fl && fl->num[0] == 1 && fl->num[1] == 0 && fl->num[2] == 1 && fl->num[3] == 0,
           "%s: bool flag", name);
    tap_ok(ba && ba->is_int && ba->num[0] == 1 && isnan(ba->num[1]) && ba->num[3] == 4,
           "%s: nullable-integer batch with a missing value", name);
    tap_ok(la && strcmp(la->str[0], "a") == 0 && strcmp(la->str[3], "d") == 0,
           "%s: string-array label", name);
    tap_ok(okc && okc->num[0] == 1 && okc->num[1] == 0 && isnan(okc->num[2]) && okc->num[3] == 1,
           "%s: nullable-boolean ok with a missing value", name);
    int ch = frame_find(&d->var, "chrom");
    const sc_column *chrom = ch >= 0 ? &d->var.cols[ch] : NULL;
    tap_ok(chrom && chrom->kind == SC_COL_CAT && chrom->ncats == 2 && strcmp(chrom->cats[0], "7") == 0 &&
               strcmp(chrom->cats[1], "12") == 0 && chrom->codes[1] == 1 && chrom->codes[3] == 0,
           "%s: var chrom, a categorical with integer categories 7, 12", name);
    int g = frame_find(&d->var, "gene_ids");
    tap_ok(d->var.n == 5 && g >= 0 && d->var.cols[g].kind == SC_COL_STR &&
               strcmp(d->var.cols[g].str[4], "E4") == 0 && strcmp(d->var.index[4], "g4") == 0,
           "%s: var g0..g4 with gene_ids", name);
    tap_ok(d->nobsm == 1 && strcmp(d->obsm[0].key, "X_pca") == 0 && d->obsm[0].rows == 4 &&
               d->obsm[0].cols == 2 && d->obsm[0].data[7] == 7 && d->obsm[0].data[2] == 2,
           "%s: obsm X_pca 4 x 2 read, csr X_graph skipped", name);
    tap_ok(strstr(h5ad_last_note(), "X_graph") != NULL, "%s: the note mentions X_graph (%s)", name,
           h5ad_last_note());
}

static void valid_files(void)
{
    static const char *tiny[] = {"valid_csr.h5ad", "valid_csc.h5ad", "valid_dense.h5ad",
                                 "valid_userblock.h5ad", "unsorted.h5ad"};
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        sc_err e = {{0}};
        sc_dataset d;
        if (!tap_ok(load(tiny[i], NULL, &d, &e) == 0, "%s loads (%s)", tiny[i], e.msg))
            continue;
        tap_ok(is_tiny(&d.X, 1, 0), "%s: X is the tiny matrix", tiny[i]);
        tap_ok(d.nlayers == 0 && strstr(d.x_source, ":/X") != NULL, "%s: X from %s", tiny[i],
               d.x_source);
        check_obs(tiny[i], &d);
        if (strcmp(tiny[i], "unsorted.h5ad") == 0)
            tap_ok(strstr(h5ad_last_note(), "sorted the column indices of 1 cells") != NULL,
                   "unsorted.h5ad: unsorted row accepted and sorted, with a note (%s)",
                   h5ad_last_note());
        dataset_free(&d);
    }
}

static void layers(void)
{
    sc_err e = {{0}};
    sc_dataset d;
    const char *f = "valid_layers.h5ad";
    if (tap_ok(load(f, NULL, &d, &e) == 0, "%s loads X (%s)", f, e.msg)) {
        tap_ok(is_tiny(&d.X, 0.5f, 0), "%s: X is counts / 2", f);
        tap_ok(d.nlayers == 2 && strcmp(d.layers[0], "raw") == 0 && strcmp(d.layers[1], "counts") == 0,
               "%s: other matrices listed: raw, counts", f);
        dataset_free(&d);
    }
    if (tap_ok(load(f, "counts", &d, &e) == 0, "%s layer=counts loads (%s)", f, e.msg)) {
        tap_ok(is_tiny(&d.X, 1, 0) && strstr(d.x_source, ":/layers/counts"), "%s: counts from %s",
               f, d.x_source);
        tap_ok(d.nlayers == 2 && strcmp(d.layers[0], "X") == 0 && strcmp(d.layers[1], "raw") == 0,
               "%s: other matrices listed: X, raw", f);
        tap_ok(strcmp(d.var.index[0], "g0") == 0, "%s: layers share var", f);
        dataset_free(&d);
    }
    if (tap_ok(load(f, "raw", &d, &e) == 0, "%s layer=raw loads (%s)", f, e.msg)) {
        tap_ok(is_tiny(&d.X, 1, 0) && strstr(d.x_source, ":/raw/X"), "%s: raw counts from %s", f,
               d.x_source);
        tap_ok(strcmp(d.var.index[0], "r0") == 0 && strcmp(d.var.index[4], "r4") == 0,
               "%s: raw/X comes with raw/var", f);
        dataset_free(&d);
    }
}

static void legacy_and_names(void)
{
    sc_err e = {{0}};
    sc_dataset d;
    if (tap_ok(load("dup_genes.h5ad", NULL, &d, &e) == 0, "dup_genes.h5ad loads (%s)", e.msg)) {
        tap_ok(h5ad_last_renamed() == 2 && strcmp(d.var.index[2], "g0-1") == 0 &&
                   strcmp(d.var.index[4], "g0-2") == 0 && strcmp(d.var.index[0], "g0") == 0,
               "dup_genes.h5ad: 2 names made unique (g0, g0-1, g0-2)");
        dataset_free(&d);
    }
    if (tap_ok(load("old07.h5ad", NULL, &d, &e) == 0, "old07.h5ad (anndata 0.7) loads (%s)", e.msg)) {
        const sc_column *c = col(&d, "cell_type", SC_COL_CAT);
        tap_ok(is_tiny(&d.X, 1, 0) && c && c->ncats == 2 && strcmp(c->cats[1], "T") == 0 &&
                   c->codes[0] == 1 && c->codes[1] == 0 && c->codes[3] == 1,
               "old07.h5ad: X and __categories cell_type");
        dataset_free(&d);
    }
    if (tap_ok(load("old06.h5ad", NULL, &d, &e) == 0, "old06.h5ad (compound tables) loads (%s)", e.msg)) {
        const sc_column *c = col(&d, "cell_type", SC_COL_CAT), *n = col(&d, "n_genes", SC_COL_NUM),
                        *t = col(&d, "tag", SC_COL_STR);
        int g = frame_find(&d.var, "gene_ids");
        tap_ok(is_tiny(&d.X, 1, 0) && strcmp(d.obs.index[2], "c2") == 0, "old06.h5ad: X and obs names");
        tap_ok(c && c->ncats == 2 && c->codes[1] == 1 && c->codes[3] == 0 && n && n->num[2] == 3 &&
                   t && strcmp(t->str[3], "w") == 0,
               "old06.h5ad: categorical (uns/cell_type_categories), int and string fields");
        tap_ok(g >= 0 && strcmp(d.var.cols[g].str[1], "E1") == 0 && strcmp(d.var.index[1], "g1") == 0,
               "old06.h5ad: var table");
        dataset_free(&d);
    }
}

/* Cell i, gene j holds (i + j) % 9 + 1 when (7i + 3j) % 5 == 0 (mkbad.c). */
static int is_pattern(const sc_csr *m)
{
    if (m->nrows != 50 || m->ncols != 40)
        return 0;
    int64_t k = 0;
    for (int i = 0; i < 50; i++) {
        if (m->indptr[i] != k)
            return 0;
        for (int j = 0; j < 40; j++)
            if ((7 * i + 3 * j) % 5 == 0) {
                if (m->indices[k] != j || m->data[k] != (float)((i + j) % 9 + 1))
                    return 0;
                k++;
            }
    }
    return m->indptr[50] == k;
}

static void chunked(void)
{
    static const char *files[] = {"chunked_shuffle.h5ad", "chunked_f64.h5ad",
                                  "chunked_userblock.h5ad"};
    for (int i = 0; i < 3; i++)
        for (int fast = 1; fast >= 0; fast--) {
            sc_err e = {{0}};
            sc_dataset d;
            h5u_set_fast(fast);
            int64_t before = h5u_fast_chunks();
            if (tap_ok(load(files[i], NULL, &d, &e) == 0, "%s loads (%s path) (%s)", files[i],
                       fast ? "raw-chunk" : "H5Dread", e.msg)) {
                int64_t used = h5u_fast_chunks() - before;
                tap_ok(is_pattern(&d.X) && (fast ? used > 0 : used == 0),
                       "%s: %s path (%lld raw chunks) reads the pattern exactly", files[i],
                       fast ? "raw-chunk" : "H5Dread", (long long)used);
                dataset_free(&d);
            }
        }
    h5u_set_fast(1);
}

/* One row of a CSR matrix as "col:value col:value". */
static void row_text(const sc_csr *m, int64_t r, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int64_t k = m->indptr[r]; k < m->indptr[r + 1]; k++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%d:%g", k > m->indptr[r] ? " " : "",
                 m->indices[k], (double)m->data[k]);
}

static void tenx(void)
{
    sc_err e = {{0}};
    sc_dataset d;
    tenx_opts all = {NULL}, mm = {"mm"}, zz = {"zz"};
    char r0[64], r1[64];
    if (tap_ok(tenx_read(at("tenx_v3.h5"), &all, &d, &e) == 0, "tenx_v3.h5 loads (%s)", e.msg)) {
        row_text(&d.X, 0, r0, sizeof r0);
        row_text(&d.X, 1, r1, sizeof r1);
        tap_ok(d.X.nrows == 3 && d.X.ncols == 4 && strcmp(r0, "0:1 2:2") == 0 &&
                   strcmp(r1, "1:3 3:4") == 0 && d.X.indptr[3] == 4,
               "tenx_v3.h5: antibody feature dropped, rows sorted (%s | %s)", r0, r1);
        tap_ok(tenx_last_dropped() == 1 && tenx_last_renamed() == 1 &&
                   strcmp(d.var.index[2], "A-1") == 0 && strcmp(d.var.index[3], "C") == 0 &&
                   strcmp(d.obs.index[2], "AAAT-1") == 0,
               "tenx_v3.h5: 1 dropped, repeated symbol A made A-1, barcodes as obs names");
        int g = frame_find(&d.var, "genome"), id = frame_find(&d.var, "gene_ids");
        tap_ok(g >= 0 && id >= 0 && d.var.cols[g].kind == SC_COL_CAT &&
                   strcmp(d.var.cols[g].cats[d.var.cols[g].codes[2]], "mm") == 0 &&
                   strcmp(d.var.cols[id].str[3], "E4") == 0,
               "tenx_v3.h5: var genome and gene_ids columns");
        dataset_free(&d);
    }
    if (tap_ok(tenx_read(at("tenx_v3.h5"), &mm, &d, &e) == 0, "tenx_v3.h5 genome=mm loads (%s)", e.msg)) {
        row_text(&d.X, 0, r0, sizeof r0);
        row_text(&d.X, 1, r1, sizeof r1);
        tap_ok(d.X.ncols == 2 && strcmp(r0, "0:2") == 0 && strcmp(r1, "1:4") == 0 &&
                   strcmp(d.var.index[0], "A") == 0 && strcmp(d.var.index[1], "C") == 0,
               "tenx_v3.h5 genome=mm: genes A, C only (%s | %s)", r0, r1);
        dataset_free(&d);
    }
    int rc = tenx_read(at("tenx_v3.h5"), &zz, &d, &e);
    tap_ok(rc == -1 && is_empty(&d) && strstr(e.msg, "tenx_v3.h5:/matrix/features/genome") &&
               strstr(e.msg, "'zz'") && strstr(e.msg, "hg, mm"),
           "tenx_v3.h5 genome=zz: error lists the genomes (%s)", e.msg);
    rc = tenx_read(at("tenx_v2_bad.h5"), &all, &d, &e);
    tap_ok(rc == -1 && is_empty(&d) && strstr(e.msg, "tenx_v2_bad.h5:/g1/indptr") &&
               strstr(e.msg, "expected 4"),
           "tenx_v2_bad.h5: wrong indptr length named (%s)", e.msg);
    rc = tenx_read(at("valid_csr.h5ad"), &all, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "not a Cell Ranger matrix"), "tenx_read on an .h5ad: %s", e.msg);
}

static void cleanup(void)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        if (de->d_name[0] != '.' && unlink(at(de->d_name)) != 0)
            rmdir(at(de->d_name));
    if (dp)
        closedir(dp);
    rmdir(dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sparsesc-h5ad-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("Bail out! cannot create a temporary directory\n");
        return 1;
    }
    if (!tap_ok(mkbad_write_all(dir) == 0, "mkbad wrote the fixtures into %s", dir)) {
        cleanup();
        return tap_done();
    }
    bad_files();
    sniffing();
    valid_files();
    layers();
    legacy_and_names();
    chunked();
    tenx();
    cleanup();
    return tap_done();
}

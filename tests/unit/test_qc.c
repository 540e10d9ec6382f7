/* test_qc.c: QC metrics on a small hand-made data set whose expected values
 * are worked out below by hand, and, when the shared data is there, against
 * the per-cell totals Seurat stored in ifnb1k and baron_pancreas_small
 * (nCount_RNA, nFeature_RNA). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsubset.h"
#include "h5ad.h"
#include "qc.h"
#include "tap.h"

/* Build a CSR data set from a dense matrix, storing the entries marked in
 * `stored` (so an explicit zero can be stored). */
static void make(sc_dataset *d, int nr, int nc, const float *dense, const uint8_t *stored,
                 const char *const *genes)
{
    memset(d, 0, sizeof *d);
    sc_csr *X = &d->X;
    X->nrows = nr;
    X->ncols = nc;
    X->indptr = calloc((size_t)nr + 1, sizeof *X->indptr);
    X->indices = calloc((size_t)(nr * nc), sizeof *X->indices);
    X->data = calloc((size_t)(nr * nc), sizeof *X->data);
    int64_t at = 0;
    for (int i = 0; i < nr; i++) {
        for (int j = 0; j < nc; j++)
            if (dense[i * nc + j] != 0 || (stored && stored[i * nc + j])) {
                X->indices[at] = j;
                X->data[at++] = dense[i * nc + j];
            }
        X->indptr[i + 1] = at;
    }
    d->obs.n = nr;
    d->obs.index = calloc((size_t)nr, sizeof(char *));
    for (int i = 0; i < nr; i++) {
        char b[16];
        snprintf(b, sizeof b, "c%d", i);
        d->obs.index[i] = strdup(b);
    }
    d->var.n = nc;
    d->var.index = calloc((size_t)nc, sizeof(char *));
    for (int j = 0; j < nc; j++)
        d->var.index[j] = strdup(genes[j]);
}

static const double *num(const sc_frame *f, const char *name)
{
    int k = frame_find(f, name);
    return k < 0 ? NULL : f->cols[k].num;
}

static int same(const double *got, const double *want, int n)
{
    for (int i = 0; i < n; i++)
        if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i]))))
            return 0;
    return 1;
}

static void check_seurat(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sc_dataset d = {0};
    sc_err e;
    if (!tap_ok(h5ad_read(path, NULL, &d, &e) == 0, "read %s", file)) {
        tap_diag("%s", e.msg);
        return;
    }
    int64_t N = d.X.nrows;
    double *tot = calloc((size_t)N, sizeof *tot), *ng = calloc((size_t)N, sizeof *ng);
    qc_cell_metrics(&d, NULL, tot, ng, NULL, NULL);
    const double *nc = num(&d.obs, "nCount_RNA"), *nf = num(&d.obs, "nFeature_RNA");
    tap_ok(nc && same(tot, nc, (int)N), "%s: total_counts == nCount_RNA for all %lld cells", file,
           (long long)N);
    tap_ok(nf && same(ng, nf, (int)N), "%s: n_genes_by_counts == nFeature_RNA", file);
    free(tot);
    free(ng);
    dataset_free(&d);
}

int main(void)
{
    /* genes: two mitochondrial spellings, two ribosomal ones, and three
     * look-alikes that must not count (MTOR has no dash, rpl9 is lower case) */
    static const char *const genes[7] = {"MT-CO1", "mt-Nd1", "RPL5", "Rps3",
                                         "GAPDH",  "MTOR",   "rpl9"};
    static const float dense[4 * 7] = {
        2, 0, 4, 0, 3, 1, 0, /* c0 */
        0, 1, 0, 5, 0, 0, 4, /* c1 */
        0, 0, 0, 0, 0, 0, 0, /* c2: no counts */
        0, 0, 0, 0, 7, 0, 0, /* c3 (+ an explicitly stored zero at MT-CO1) */
    };
    uint8_t stored[4 * 7] = {0};
    stored[3 * 7 + 0] = 1;
    sc_dataset d;
    sc_err e;
    make(&d, 4, 7, dense, stored, genes);
    tap_ok(d.X.indptr[4] == 9, "fixture stores 4 + 3 + 0 + 2 = 9 values (one an explicit zero)");

    qc_genes q;
    tap_ok(qc_genes_find(&d, &q, &e) == 0, "find mito/ribo genes");
    tap_ok(q.nmito == 2 && q.mito[0] && q.mito[1] && !q.mito[5], "mito: MT-CO1, mt-Nd1, not MTOR");
    tap_ok(q.nribo == 2 && q.ribo[2] && q.ribo[3] && !q.ribo[6], "ribo: RPL5, Rps3, not rpl9");
    tap_ok(strcmp(q.source, "var index") == 0, "names from the var index");
    qc_genes_free(&q);

    /* by hand: c0 total 2+4+3+1 = 10, 4 genes, mt 2/10, ribo 4/10;
     * c1 total 1+5+4 = 10, 3 genes, mt 1/10, ribo 5/10; c2 nothing (NaN %);
     * c3 total 7, 1 gene (the stored zero is not a detection), 0 % */
    tap_ok(qc_store(&d, NULL, &e) == 0, "qc_store");
    const double want_tot[4] = {10, 10, 0, 7}, want_ng[4] = {4, 3, 0, 1};
    const double want_mt[4] = {20, 10, NAN, 0}, want_rb[4] = {40, 50, NAN, 0};
    const double *t = num(&d.obs, "total_counts"), *g = num(&d.obs, "n_genes_by_counts"),
                 *mt = num(&d.obs, "pct_counts_mt"), *rb = num(&d.obs, "pct_counts_ribo");
    tap_ok(t && same(t, want_tot, 4), "obs total_counts 10 10 0 7");
    tap_ok(g && same(g, want_ng, 4), "obs n_genes_by_counts 4 3 0 1");
    tap_ok(mt && same(mt, want_mt, 4), "obs pct_counts_mt 20 10 NaN 0");
    tap_ok(rb && same(rb, want_rb, 4), "obs pct_counts_ribo 40 50 NaN 0");
    /* genes: detected in c0 only for MT-CO1 (c3's is a stored zero) */
    const double want_nc[7] = {1, 1, 1, 1, 2, 1, 1}, want_gt[7] = {2, 1, 4, 5, 10, 1, 4};
    const double *nc = num(&d.var, "n_cells_by_counts"), *gt = num(&d.var, "total_counts");
    tap_ok(nc && same(nc, want_nc, 7), "var n_cells_by_counts 1 1 1 1 2 1 1");
    tap_ok(gt && same(gt, want_gt, 7), "var total_counts 2 1 4 5 10 1 4");
    int ncols_obs = d.obs.ncols, ncols_var = d.var.ncols;
    tap_ok(qc_store(&d, NULL, &e) == 0 && d.obs.ncols == ncols_obs && d.var.ncols == ncols_var,
           "a second qc_store replaces its columns (%d obs, %d var)", d.obs.ncols, d.var.ncols);
    tap_ok(d.obs.cols[frame_find(&d.obs, "n_genes_by_counts")].is_int &&
               d.obs.cols[frame_find(&d.obs, "total_counts")].is_int,
           "integer counts give integer columns");
    dataset_free(&d);

    /* Ensembl ids in the index: the symbols come from a var column */
    static const char *const ids[3] = {"ENSG01", "ENSG02", "ENSG03"};
    static const float d2[2 * 3] = {1, 1, 2, 0, 3, 1};
    make(&d, 2, 3, d2, NULL, ids);
    sc_column sym = {0};
    sym.name = strdup("gene_symbols");
    sym.kind = SC_COL_STR;
    sym.str = calloc(3, sizeof(char *));
    sym.str[0] = strdup("MT-ND2");
    sym.str[1] = strdup("ACTB");
    sym.str[2] = strdup("RPS6");
    frame_add(&d.var, &sym, &e);
    tap_ok(qc_genes_find(&d, &q, &e) == 0 && q.nmito == 1 && q.nribo == 1 &&
               strcmp(q.source, "gene_symbols") == 0,
           "symbols from var gene_symbols when the index has none");
    double pm[2];
    qc_cell_metrics(&d, &q, NULL, NULL, pm, NULL);
    tap_ok(pm[0] == 25 && pm[1] == 0, "pct_counts_mt from symbols: 1/4 = 25, 0/4 = 0");
    qc_genes_free(&q);
    dataset_free(&d);

    /* quantiles, numpy's linear rule: pos = p (n - 1) */
    const double v[6] = {4, NAN, 1, 3, 2, NAN}, p[4] = {0, 0.25, 0.5, 1};
    double out[4];
    tap_ok(qc_quantiles(v, 6, p, 4, out, &e) == 0 && out[0] == 1 && out[1] == 1.75 &&
               out[2] == 2.5 && out[3] == 4,
           "quantiles of 1..4 (NaN ignored): 1 1.75 2.5 4");
    const double allnan[2] = {NAN, NAN};
    tap_ok(qc_quantiles(allnan, 2, p, 1, out, &e) == 0 && isnan(out[0]), "all NaN gives NaN");

    const char *dir = tap_data_dir();
    if (!dir) {
        tap_diag("shared data not found: skipping the Seurat comparisons");
        if (getenv("SPARSESC_REQUIRE_DATA") && strcmp(getenv("SPARSESC_REQUIRE_DATA"), "1") == 0)
            tap_ok(0, "shared data required (SPARSESC_REQUIRE_DATA=1) but not found");
        return tap_done();
    }
    check_seurat(dir, "ifnb1k.h5ad");
    check_seurat(dir, "baron_pancreas_small.h5ad");
    return tap_done();
}

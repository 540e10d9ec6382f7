/* test_mtx.c: the MatrixMarket reader on scanpy's 10x fixtures (shared
 * data) and on broken files written here.  Expected matrices come from a
 * deliberately naive reader in this file (gzgets + sscanf into a dense
 * array), never from mtx.c itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "load.h"
#include "mtx.h"
#include "tap.h"
#include "tenx.h"

/* ---- a naive reference reader ----------------------------------------- */

/* Dense genes x cells from a coordinate file, duplicates summed. */
static double *naive_dense(const char *path, int64_t *rows, int64_t *cols, int64_t *nnz)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    char line[512];
    double *m = NULL;
    int sized = 0;
    while (gzgets(gz, line, sizeof line)) {
        if (line[0] == '%')
            continue;
        long long a, b;
        double v = 1;
        if (!sized) {
            long long c;
            if (sscanf(line, "%lld %lld %lld", &a, &b, &c) != 3)
                break;
            *rows = a;
            *cols = b;
            *nnz = c;
            m = calloc((size_t)(a * b), sizeof *m);
            sized = 1;
            continue;
        }
        if (sscanf(line, "%lld %lld %lf", &a, &b, &v) < 2)
            continue;
        m[(a - 1) * *cols + (b - 1)] += v;
    }
    gzclose(gz);
    return m;
}

/* Does the CSR (cells x genes) equal the transpose of dense (genes x cells)
 * on the kept genes (gene_of[j] = file row of column j)? */
static int csr_equals_dense(const sc_csr *X, const double *dense, int64_t dcols,
                            const int64_t *gene_of, char *why, size_t wsize)
{
    for (int64_t c = 0; c < X->nrows; c++) {
        int64_t k = X->indptr[c];
        for (int64_t j = 0; j < X->ncols; j++) {
            double want = dense[gene_of[j] * dcols + c];
            double got = 0;
            if (k < X->indptr[c + 1] && X->indices[k] == j)
                got = X->data[k++];
            if (got != want) {
                snprintf(why, wsize, "cell %lld gene %lld: got %g, want %g", (long long)c,
                         (long long)j, got, want);
                return 0;
            }
        }
        if (k != X->indptr[c + 1]) {
            snprintf(why, wsize, "cell %lld has stored entries out of order", (long long)c);
            return 0;
        }
    }
    return 1;
}

/* The first tab field of line `i` (0-based) of a text file, or "". */
static void nth_field(const char *path, int64_t i, int field, char *out, size_t size)
{
    gzFile gz = gzopen(path, "rb");
    char line[1024];
    out[0] = '\0';
    for (int64_t k = 0; gz && gzgets(gz, line, sizeof line); k++)
        if (k == i) {
            line[strcspn(line, "\r\n")] = '\0';
            char *p = line;
            for (int f = 0; f < field && p; f++) {
                p = strchr(p, '\t');
                if (p)
                    p++;
            }
            if (p)
                snprintf(out, size, "%.*s", (int)strcspn(p, "\t"), p);
            break;
        }
    if (gz)
        gzclose(gz);
}

static const sc_column *col(const sc_frame *f, const char *name)
{
    int i = frame_find(f, name);
    return i < 0 ? NULL : &f->cols[i];
}

/* ---- temporary files ------------------------------------------------------ */

static char tmpdir[256];

static void put(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void put_gz(const char *name, const char *text, size_t cut)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    gzFile g = gzopen(p, "wb");
    gzputs(g, text);
    gzclose(g);
    if (cut) {
        /* drop the tail, as an interrupted download would */
        FILE *f = fopen(p, "r+b");
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fclose(f);
        if (truncate(p, n - (long)cut) != 0)
            tap_diag("truncate failed");
    }
}

static void rm(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    unlink(p);
}

/* Load tmpdir (or tmpdir/name) and expect failure with `want` in the message. */
static void expect_error(const char *name, const char *want, const char *what)
{
    char p[512];
    if (name)
        snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    else
        snprintf(p, sizeof p, "%s", tmpdir);
    sc_dataset d = {0};
    sc_err e = {{0}};
    int rc = mtx_read(p, &d, &e);
    int ok = rc == -1 && strstr(e.msg, want) != NULL && d.X.indptr == NULL;
    tap_ok(ok, "%s: error mentions '%s'", what, want);
    if (!ok)
        tap_diag("rc %d, message: %s", rc, e.msg);
    dataset_free(&d);
}

static const char *BARCODES3 = "AAA-1\nCCC-1\nGGG-1\n";
static const char *FEATURES4 =
    "ENSG1\tG1\tGene Expression\nENSG2\tG2\tGene Expression\n"
    "ENSG3\tG3\tGene Expression\nENSG4\tG4\tGene Expression\n";

static void broken_inputs(void)
{
    put("barcodes.tsv", BARCODES3);
    put("features.tsv", FEATURES4);
    const char *hdr = "%%MatrixMarket matrix coordinate integer general\n%\n4 3 3\n";
    char buf[1024];

    put("matrix.mtx", "%%MatrixMarket matrix coordinate integer symmetric\n4 3 0\n");
    expect_error(NULL, "matrix.mtx:1: 'symmetric' matrices are not supported", "symmetric");
    put("matrix.mtx", "%%MatrixMarket matrix array real general\n4 3\n");
    expect_error(NULL, "dense 'array' MatrixMarket files are not supported", "array format");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate complex general\n4 3 0\n");
    expect_error(NULL, "'complex' values are not supported", "complex field");
    put("matrix.mtx", "%MatrixMarket matrix coordinate integer general\n4 3 0\n");
    expect_error(NULL, "matrix.mtx:1: not a MatrixMarket file", "bad banner");
    put("matrix.mtx", "");
    expect_error(NULL, "matrix.mtx: the file is empty", "empty matrix file");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n%only comments\n");
    expect_error(NULL, "ends before the size line", "no size line");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n4 x 3\n");
    expect_error(NULL, "matrix.mtx:2: expected the size line", "bad size line");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n4 3 13\n");
    expect_error(NULL, "13 entries cannot fit a 4 x 3 matrix", "too many declared");

    snprintf(buf, sizeof buf, "%s1 1 5\n5 2 1\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:5: row (gene) index 5 is outside 1..4", "row out of range");
    snprintf(buf, sizeof buf, "%s1 1 5\n1 0 1\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:5: column (cell) index 0 is outside 1..3", "column zero");
    snprintf(buf, sizeof buf, "%s1 1 5\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "ends after 2 of the 3 entries declared", "fewer entries");
    snprintf(buf, sizeof buf, "%s1 1 5\n2 3 1\n3 3 1\n4 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:7: more entries than the 3 declared", "more entries");
    snprintf(buf, sizeof buf, "%s1 1 5\n2 2 -1\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:5: negative value -1", "negative count");
    snprintf(buf, sizeof buf, "%s1 1 5\n2 2 1.5\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:5: expected an integer value (the header says 'integer')",
                 "real value in an integer file");
    snprintf(buf, sizeof buf, "%s1 1 5\n2 2\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:5: expected an integer value", "missing value");
    snprintf(buf, sizeof buf, "%s1 1 5 7\n2 2 1\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    expect_error(NULL, "matrix.mtx:4: unexpected text after the value", "extra column");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 2\n1 1 0.5\n2 2 nan\n");
    expect_error(NULL, "matrix.mtx:4: value is NaN", "NaN value");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 2\n1 1 -Inf\n2 2 1\n");
    expect_error(NULL, "matrix.mtx:3: value is infinite", "infinite value");
    put("matrix.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 1\n1 1 1e39\n");
    expect_error(NULL, "does not fit a float32", "value beyond float32");

    /* the side files must agree with the size line */
    snprintf(buf, sizeof buf, "%s1 1 5\n2 2 1\n2 3 1\n", hdr);
    put("matrix.mtx", buf);
    put("barcodes.tsv", "AAA-1\nCCC-1\n");
    expect_error(NULL, "barcodes.tsv: has 2 barcodes but", "too few barcodes");
    put("barcodes.tsv", BARCODES3);
    put("features.tsv", "ENSG1\tG1\tGene Expression\nENSG2\tG2\nENSG3\tG3\tGene Expression\n");
    expect_error(NULL, "features.tsv:2: has 2 tab-separated columns, line 1 has 3",
                 "ragged features");
    rm("features.tsv");
    expect_error(NULL, "no features file beside", "missing features file");
    put("features.tsv", FEATURES4);
    rm("barcodes.tsv");
    expect_error(NULL, "no barcodes file beside", "missing barcodes file");
    put("barcodes.tsv", BARCODES3);

    /* a truncated gzip matrix */
    rm("matrix.mtx");
    char big[8192];
    size_t used = (size_t)snprintf(big, sizeof big, "%s", hdr);
    for (int k = 0; k < 400 && used < sizeof big - 32; k++)
        used += (size_t)snprintf(big + used, sizeof big - used, "%% filler comment %d\n", k);
    snprintf(big + used, sizeof big - used, "1 1 5\n2 2 1\n2 3 1\n");
    put_gz("matrix.mtx.gz", big, 40);
    expect_error(NULL, "matrix.mtx.gz: read error", "truncated gzip");
    rm("matrix.mtx.gz");

    /* a folder without a matrix, and one with two prefixed matrices */
    expect_error(NULL, "a directory without matrix.mtx or matrix.mtx.gz", "no matrix");
    put("a_matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n4 3 0\n");
    put("b_matrix.mtx", "%%MatrixMarket matrix coordinate integer general\n4 3 0\n");
    expect_error(NULL, "holds several matrices", "two prefixed matrices");
    rm("a_matrix.mtx");
    rm("b_matrix.mtx");
}

/* Accepted oddities: duplicates summed, cells out of order, comments and
 * blank lines, CRLF, pattern and real fields, feature-type filtering. */
static void accepted_inputs(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s", tmpdir);
    put("barcodes.tsv", BARCODES3);
    put("features.tsv", "ENSG1\tG1\tGene Expression\nAB1\tCD3\tAntibody Capture\n"
                        "ENSG3\tG3\tGene Expression\nENSG4\tG1\tGene Expression\n");
    /* cells out of order, a duplicate (3,1) twice, an antibody entry, CRLF */
    put("matrix.mtx", "%%MatrixMarket matrix coordinate integer general\r\n% c\r\n"
                      "4 3 6\r\n\r\n4 3 2\r\n1 1 5\r\n3 1 1\r\n2 2 9\r\n3 1 2\r\n1 3 7\r\n");
    sc_dataset d = {0};
    sc_err e = {{0}};
    mtx_info info;
    int rc = mtx_read_info(p, &d, &info, &e);
    tap_ok(rc == 0, "odd but valid folder loads (%s)", rc ? e.msg : "ok");
    if (rc == 0) {
        tap_ok(d.X.nrows == 3 && d.X.ncols == 3, "antibody row dropped: 3 cells x 3 genes");
        tap_ok(info.features_dropped == 1, "one feature dropped");
        tap_ok(info.duplicates_summed == 1, "one duplicate summed");
        /* scanpy makes names unique before filtering: G1, CD3, G3, G1-1 */
        tap_ok(strcmp(d.var.index[0], "G1") == 0 && strcmp(d.var.index[2], "G1-1") == 0,
               "duplicate symbol made unique (%s, %s)", d.var.index[0], d.var.index[2]);
        tap_ok(info.genes_renamed == 1, "one gene renamed");
        const sc_column *ids = col(&d.var, "gene_ids");
        tap_ok(ids && ids->kind == SC_COL_STR && strcmp(ids->str[1], "ENSG3") == 0,
               "gene_ids kept for the kept rows");
        /* cell 0: gene0 = 5, gene1 (ENSG3) = 1 + 2 */
        tap_ok(d.X.indptr[1] == 2 && d.X.indices[0] == 0 && d.X.data[0] == 5 &&
                   d.X.indices[1] == 1 && d.X.data[1] == 3,
               "cell 0 sorted with the duplicate summed");
        tap_ok(d.X.indptr[2] == 2, "cell 1 only had the antibody entry");
        /* cell 2: gene0 = 7, gene2 (ENSG4) = 2 */
        tap_ok(d.X.indptr[3] == 4 && d.X.indices[2] == 0 && d.X.data[2] == 7 &&
                   d.X.indices[3] == 2 && d.X.data[3] == 2,
               "cell 2 from out-of-order entries");
    }
    dataset_free(&d);

    put("features.tsv", FEATURES4);
    put("matrix.mtx", "%%MatrixMarket matrix coordinate pattern general\n4 3 2\n2 1\n4 3\n");
    rc = mtx_read(p, &d, &e);
    tap_ok(rc == 0 && d.X.indptr[3] == 2 && d.X.data[0] == 1 && d.X.data[1] == 1,
           "pattern entries read as 1");
    dataset_free(&d);
    put("matrix.mtx",
        "%%MatrixMarket matrix coordinate real general\n4 3 3\n2 1 2.5e1\n4 3 .25\n1 2 3.\n");
    rc = mtx_read(p, &d, &e);
    tap_ok(rc == 0 && d.X.data[0] == 25.0f && d.X.data[1] == 3.0f && d.X.data[2] == 0.25f,
           "real values with exponents and bare points");
    dataset_free(&d);
    rm("matrix.mtx");
    rm("features.tsv");
    rm("barcodes.tsv");
}

/* ---- the shared fixtures --------------------------------------------------- */

static void check_fixture(const char *dir, const char *matrix, const char *features,
                          const char *barcodes, const char *label)
{
    char mp[1024], fp[1024], bp[1024];
    snprintf(mp, sizeof mp, "%s/%s", dir, matrix);
    snprintf(fp, sizeof fp, "%s/%s", dir, features);
    snprintf(bp, sizeof bp, "%s/%s", dir, barcodes);
    int64_t rows = 0, cols = 0, nnz = 0;
    double *dense = naive_dense(mp, &rows, &cols, &nnz);
    if (!tap_ok(dense != NULL, "%s: naive reader read %s", label, matrix))
        return;
    sc_dataset d = {0};
    sc_err e = {{0}};
    int rc = mtx_read(dir, &d, &e);
    tap_ok(rc == 0, "%s: loads (%s)", label, rc ? e.msg : "ok");
    if (rc == 0) {
        tap_ok(d.X.nrows == cols && d.X.ncols == rows, "%s: %lld cells x %lld genes", label,
               (long long)d.X.nrows, (long long)d.X.ncols);
        tap_ok(d.X.indptr[d.X.nrows] == nnz, "%s: %lld stored entries", label,
               (long long)d.X.indptr[d.X.nrows]);
        int64_t *gene_of = calloc((size_t)rows, sizeof *gene_of);
        for (int64_t j = 0; j < rows; j++)
            gene_of[j] = j;
        char why[256] = "";
        tap_ok(d.X.ncols == rows && csr_equals_dense(&d.X, dense, cols, gene_of, why, sizeof why),
               "%s: every value equals the file's transpose %s", label, why);
        free(gene_of);
        char want[256];
        nth_field(bp, cols - 1, 0, want, sizeof want);
        tap_ok(strcmp(d.obs.index[cols - 1], want) == 0, "%s: last cell is %s", label, want);
        nth_field(fp, 0, 1, want, sizeof want);
        tap_ok(strcmp(d.var.index[0], want) == 0, "%s: first gene symbol %s", label, want);
        nth_field(fp, rows - 1, 0, want, sizeof want);
        const sc_column *ids = col(&d.var, "gene_ids");
        tap_ok(ids && strcmp(ids->str[rows - 1], want) == 0, "%s: last gene id %s", label, want);
    }
    dataset_free(&d);
    free(dense);
}

static void shared_fixtures(const char *data)
{
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/10x_fixtures/1.2.0/filtered_gene_bc_matrices/hg19_chr21", data);
    check_fixture(dir, "matrix.mtx", "genes.tsv", "barcodes.tsv", "1.2.0");
    /* README: 343 genes x 12 cells, 12 entries */
    sc_dataset d = {0};
    sc_err e = {{0}};
    if (mtx_read(dir, &d, &e) == 0) {
        tap_ok(d.X.nrows == 12 && d.X.ncols == 343 && d.X.indptr[12] == 12,
               "1.2.0: 12 cells x 343 genes, 12 entries as documented");
        tap_ok(col(&d.var, "feature_types") == NULL, "1.2.0: genes.tsv gives no feature_types");
    }
    dataset_free(&d);

    /* the matrix file itself, and the same files under a prefix */
    char file[8300];
    snprintf(file, sizeof file, "%s/matrix.mtx", dir);
    sc_dataset a = {0};
    int rc = mtx_read(file, &a, &e);
    tap_ok(rc == 0 && a.X.nrows == 12, "1.2.0: reading matrix.mtx by name finds its siblings");
    dataset_free(&a);
    const char *names[] = {"matrix.mtx", "genes.tsv", "barcodes.tsv"};
    char src[8400], dst[512];
    for (int k = 0; k < 3; k++) {
        snprintf(src, sizeof src, "%s/%s", dir, names[k]);
        snprintf(dst, sizeof dst, "%s/GSM1_%s", tmpdir, names[k]);
        if (symlink(src, dst) != 0)
            tap_diag("symlink %s failed", dst);
    }
    rc = mtx_read(tmpdir, &a, &e);
    tap_ok(rc == 0 && a.X.nrows == 12 && a.X.ncols == 343,
           "prefixed folder (GSM1_matrix.mtx ...) loads (%s)", rc ? e.msg : "ok");
    dataset_free(&a);
    for (int k = 0; k < 3; k++)
        rm(names[k][0] == 'm' ? "GSM1_matrix.mtx" : names[k][0] == 'g' ? "GSM1_genes.tsv"
                                                                       : "GSM1_barcodes.tsv");

    snprintf(dir, sizeof dir, "%s/10x_fixtures/3.0.0/filtered_feature_bc_matrix", data);
    check_fixture(dir, "matrix.mtx.gz", "features.tsv.gz", "barcodes.tsv.gz", "3.0.0 gz");
    if (mtx_read(dir, &d, &e) == 0) {
        /* README: 1,107 cells x 507 features, 23,866 entries; every feature is
         * Gene Expression, so scanpy's gex_only filter keeps all of them */
        tap_ok(d.X.nrows == 1107 && d.X.ncols == 507 && d.X.indptr[1107] == 23866,
               "3.0.0: 1,107 cells x 507 genes, 23,866 entries as documented");
        const sc_column *ft = col(&d.var, "feature_types");
        int all = ft != NULL;
        for (int64_t j = 0; all && j < d.X.ncols; j++)
            all = strcmp(ft->str[j], "Gene Expression") == 0;
        tap_ok(all, "3.0.0: feature_types column, all Gene Expression");
    }
    dataset_free(&d);

    snprintf(dir, sizeof dir, "%s/10x_fixtures/int-ids", data);
    check_fixture(dir, "matrix.mtx", "features.tsv", "barcodes.tsv", "int-ids");
    if (mtx_read(dir, &d, &e) == 0) {
        const sc_column *ids = col(&d.var, "gene_ids");
        tap_ok(ids && ids->kind == SC_COL_STR && strcmp(ids->str[0], "574405") == 0 &&
                   strcmp(d.var.index[0], "Pwwp4b") == 0,
               "int-ids: integer ids stay strings, symbols are the names");
    }
    dataset_free(&d);
}

/* scanpy's own check: the mtx folder and the .h5 give the same data. */
static void same_as_h5(const char *folder, const char *h5, const char *label)
{
    sc_dataset a = {0}, b = {0};
    sc_err e = {{0}};
    tenx_opts o = {0};
    int ra = mtx_read(folder, &a, &e);
    int rb = ra == 0 ? tenx_read(h5, &o, &b, &e) : -1;
    tap_ok(ra == 0 && rb == 0, "%s: folder and .h5 both load (%s)", label,
           ra == 0 && rb == 0 ? "ok" : e.msg);
    if (ra == 0 && rb == 0) {
        int same = a.X.nrows == b.X.nrows && a.X.ncols == b.X.ncols &&
                   a.X.indptr[a.X.nrows] == b.X.indptr[b.X.nrows];
        for (int64_t r = 0; same && r <= a.X.nrows; r++)
            same = a.X.indptr[r] == b.X.indptr[r];
        for (int64_t k = 0; same && k < a.X.indptr[a.X.nrows]; k++)
            same = a.X.indices[k] == b.X.indices[k] && a.X.data[k] == b.X.data[k];
        for (int64_t i = 0; same && i < a.obs.n; i++)
            same = strcmp(a.obs.index[i], b.obs.index[i]) == 0;
        for (int64_t j = 0; same && j < a.var.n; j++)
            same = strcmp(a.var.index[j], b.var.index[j]) == 0 &&
                   strcmp(col(&a.var, "gene_ids")->str[j], col(&b.var, "gene_ids")->str[j]) == 0;
        tap_ok(same, "%s: same counts, barcodes, symbols and ids as the .h5", label);
    }
    dataset_free(&a);
    dataset_free(&b);
}

/* load_path picks the reader by content and refuses what it cannot read. */
static void dispatch(const char *data)
{
    char p[8192];
    sc_dataset d = {0};
    sc_err e = {{0}};
    load_info li;
    snprintf(p, sizeof p, "%s/10x_fixtures/int-ids/matrix.mtx", data);
    int rc = load_path_info(p, NULL, &d, &li, &e);
    tap_ok(rc == 0 && li.format == LOAD_MTX && d.X.nrows == 5, "load: a .mtx file by content");
    dataset_free(&d);
    snprintf(p, sizeof p, "%s/10x_fixtures/3.0.0/filtered_feature_bc_matrix.h5", data);
    rc = load_path_info(p, NULL, &d, &li, &e);
    tap_ok(rc == 0 && li.format == LOAD_10X_H5 && d.X.nrows == 1107, "load: a 10x .h5");
    dataset_free(&d);
    load_opts lo = {"counts", NULL};
    snprintf(p, sizeof p, "%s/10x_fixtures/int-ids", data);
    rc = load_path(p, &lo, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "layer=counts applies only to AnnData .h5ad files; this is "
                                     "a MatrixMarket file"),
           "load: layer= on a MatrixMarket folder is refused (%s)", e.msg);
    load_opts go = {NULL, "GRCh38"};
    snprintf(p, sizeof p, "%s/ifnb1k.h5ad", data);
    rc = load_path(p, &go, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "genome=GRCh38 applies only to 10x .h5 files"),
           "load: genome= on an .h5ad is refused");

    put("notes.txt", "gene,cell,count\n");
    snprintf(p, sizeof p, "%s/notes.txt", tmpdir);
    rc = load_path(p, NULL, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "notes.txt: not a recognised format: expected an .h5ad "
                                     "(HDF5), a 10x .h5 or a MatrixMarket file or folder; it "
                                     "starts with 'gene,cell,count'"),
           "load: a text file (%s)", e.msg);
    put("empty.h5ad", "");
    snprintf(p, sizeof p, "%s/empty.h5ad", tmpdir);
    rc = load_path(p, NULL, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "empty.h5ad: the file is empty"), "load: an empty file");
    put_gz("notes.gz", "just words\n", 0);
    snprintf(p, sizeof p, "%s/notes.gz", tmpdir);
    rc = load_path(p, NULL, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "gzip-compressed but does not hold a MatrixMarket matrix"),
           "load: a gzip file that is not a matrix");
    snprintf(p, sizeof p, "%s/missing.h5ad", tmpdir);
    rc = load_path(p, NULL, &d, &e);
    tap_ok(rc == -1 && strstr(e.msg, "missing.h5ad: no such file or directory"),
           "load: a missing file");
    rm("notes.txt");
    rm("empty.h5ad");
    rm("notes.gz");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_mtx.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("Bail out! mkdtemp failed\n");
        return 1;
    }
    broken_inputs();
    accepted_inputs();
    const char *data = tap_data_dir();
    if (data) {
        shared_fixtures(data);
        char f[8192], h[8192];
        snprintf(f, sizeof f, "%s/10x_fixtures/3.0.0/filtered_feature_bc_matrix", data);
        snprintf(h, sizeof h, "%s/10x_fixtures/3.0.0/filtered_feature_bc_matrix.h5", data);
        same_as_h5(f, h, "3.0.0");
        snprintf(f, sizeof f, "%s/10x_fixtures/1.2.0/filtered_gene_bc_matrices/hg19_chr21", data);
        snprintf(h, sizeof h, "%s/10x_fixtures/1.2.0/filtered_gene_bc_matrices_h5.h5", data);
        same_as_h5(f, h, "1.2.0");
        dispatch(data);
    }
    else
        tap_diag("shared data not found: the fixture checks were skipped");
    rmdir(tmpdir);
    if (!data && getenv("SPARSESC_REQUIRE_DATA") && strcmp(getenv("SPARSESC_REQUIRE_DATA"), "1") == 0) {
        printf("Bail out! shared data not found and SPARSESC_REQUIRE_DATA=1\n");
        return 1;
    }
    return tap_done();
}

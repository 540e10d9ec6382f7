/* test_tenx.c: the Cell Ranger fixtures (scanpy's test files) against the
 * peer's numbers, which come from the MatrixMarket folders shipped beside
 * the .h5 files (tests/peer/data_peer.py); genome selection and its errors;
 * both read paths agree on the shuffled, int64-indexed v3 datasets.  Needs
 * the shared data. */
#include <stdio.h>
#include <string.h>

#include "h5util.h"
#include "peer_check.h"
#include "tap.h"
#include "tenx.h"

#define V3 "10x_fixtures/3.0.0/filtered_feature_bc_matrix.h5"
#define V2 "10x_fixtures/1.2.0/filtered_gene_bc_matrices_h5.h5"
#define MG "10x_fixtures/1.2.0/multiple_genomes.h5"

static const char *dir;

static const char *at(const char *rel)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s/%s", dir, rel);
    return buf;
}

static void check_kind(const char *rel, h5_kind want)
{
    sc_err e = {{0}};
    h5_kind k = H5K_UNKNOWN;
    int rc = h5_kind_of(at(rel), &k, &e);
    tap_ok(rc == 0 && k == want, "%s sniffed as %s (got %s)", rel, h5_kind_name(want),
           h5_kind_name(k));
}

/* Load rel (with genome g) and compare with the peer lines under key. */
static void check_file(const char *rel, const char *g, const char *key, const char *xsrc)
{
    sc_err e = {{0}};
    sc_dataset d;
    tenx_opts o = {g};
    if (!tap_ok(tenx_read(at(rel), &o, &d, &e) == 0, "%s%s%s loads (%s)", rel, g ? " genome=" : "",
                g ? g : "", e.msg))
        return;
    peer_check(key, &d);
    char want[8300];
    snprintf(want, sizeof want, "%s:%s", at(rel), xsrc);
    tap_ok(strcmp(d.x_source, want) == 0, "%s: X from %s", rel, d.x_source);
    tap_ok(frame_find(&d.var, "gene_ids") >= 0, "%s: var has gene_ids", rel);
    dataset_free(&d);
}

static void check_error(const char *rel, const char *g, const char *const *needles)
{
    sc_err e = {{0}};
    sc_dataset d;
    tenx_opts o = {g};
    int rc = tenx_read(at(rel), &o, &d, &e);
    int ok = rc == -1 && d.X.indptr == NULL && d.var.n == 0;
    for (int i = 0; ok && needles[i]; i++)
        ok = strstr(e.msg, needles[i]) != NULL;
    tap_ok(ok, "%s genome=%s fails with a message naming %s... (%s)", rel, g ? g : "(none)",
           needles[0], e.msg);
}

int main(void)
{
    dir = tap_data_dir();
    if (!dir)
        return tap_no_data();
    check_kind(V3, H5K_10X_V3);
    check_kind(V2, H5K_10X_V2);
    check_kind(MG, H5K_10X_V2);

    check_file(V3, NULL, V3, "/matrix");
    check_file(V3, "GRCh38_chr21", V3, "/matrix");
    check_file(V2, NULL, V2, "/hg19_chr21");
    check_file(MG, "hg19_chr21", MG ":hg19_chr21", "/hg19_chr21");
    check_file(MG, "another_genome", MG ":another_genome", "/another_genome");

    const char *several[] = {"multiple_genomes.h5", "hg19_chr21", "another_genome", "genome=", NULL};
    check_error(MG, NULL, several);
    const char *unknown[] = {"multiple_genomes.h5", "mm10", "hg19_chr21", "another_genome", NULL};
    check_error(MG, "mm10", unknown);
    const char *v3genome[] = {"filtered_feature_bc_matrix.h5", "/matrix/features/genome", "mm10",
                              "GRCh38_chr21", NULL};
    check_error(V3, "mm10", v3genome);
    const char *notenx[] = {"ifnb1k.h5ad", "not a Cell Ranger matrix", NULL};
    check_error("ifnb1k.h5ad", NULL, notenx);

    /* v3 stores shuffled, deflated int64 indices: the raw-chunk path must
     * decode them exactly as the library does */
    sc_err e = {{0}};
    sc_dataset a, b;
    h5u_set_fast(0);
    int ra = tenx_read(at(V3), NULL, &a, &e);
    h5u_set_fast(1);
    int64_t before = h5u_fast_chunks();
    int rb = tenx_read(at(V3), NULL, &b, &e);
    tap_ok(rb == 0 && h5u_fast_chunks() > before, "v3: shuffled chunks taken on the raw-chunk path");
    int64_t nnz = ra == 0 ? a.X.indptr[a.X.nrows] : 0;
    tap_ok(ra == 0 && rb == 0 && b.X.indptr[b.X.nrows] == nnz &&
               memcmp(a.X.indices, b.X.indices, (size_t)nnz * sizeof *a.X.indices) == 0 &&
               memcmp(a.X.data, b.X.data, (size_t)nnz * sizeof *a.X.data) == 0 &&
               memcmp(a.X.indptr, b.X.indptr, (size_t)(a.X.nrows + 1) * sizeof *a.X.indptr) == 0,
           "v3: raw-chunk and H5Dread paths agree");
    if (ra == 0)
        dataset_free(&a);
    if (rb == 0)
        dataset_free(&b);
    return tap_done();
}

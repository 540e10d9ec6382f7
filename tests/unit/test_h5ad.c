/* test_h5ad.c: every shared .h5ad loads and matches anndata's numbers
 * (tests/peer/data_expected.tsv); the raw-chunk path and the H5Dread path
 * give identical arrays; obs totals stored by the data's authors agree with
 * X.  Needs the shared data (skips, or fails under SPARSESC_REQUIRE_DATA=1). */
#include <stdio.h>
#include <string.h>

#include "h5ad.h"
#include "h5util.h"
#include "peer_check.h"
#include "tap.h"

static const char *files[] = {"baron_pancreas_small.h5ad", "ifnb1k.h5ad", "onek1k_example.h5ad",
                              "pbmc_3tech.h5ad"};

static int same_csr(const sc_csr *a, const sc_csr *b)
{
    int64_t nnz = a->indptr[a->nrows];
    return a->nrows == b->nrows && a->ncols == b->ncols && b->indptr[b->nrows] == nnz &&
           memcmp(a->indptr, b->indptr, (size_t)(a->nrows + 1) * sizeof *a->indptr) == 0 &&
           memcmp(a->indices, b->indices, (size_t)nnz * sizeof *a->indices) == 0 &&
           memcmp(a->data, b->data, (size_t)nnz * sizeof *a->data) == 0;
}

/* nCount_RNA / nFeature_RNA, where the source has them, are each cell's
 * total and number of detected genes: a check of every row of X. */
static void check_totals(const char *name, const sc_dataset *d)
{
    int cc = frame_find(&d->obs, "nCount_RNA"), cf = frame_find(&d->obs, "nFeature_RNA");
    if (cc < 0 || cf < 0)
        return;
    int64_t bad = 0;
    for (int64_t r = 0; r < d->X.nrows; r++) {
        double t = 0;
        for (int64_t k = d->X.indptr[r]; k < d->X.indptr[r + 1]; k++)
            t += d->X.data[k];
        bad += t != d->obs.cols[cc].num[r] ||
               (double)(d->X.indptr[r + 1] - d->X.indptr[r]) != d->obs.cols[cf].num[r];
    }
    tap_ok(bad == 0, "%s: nCount_RNA and nFeature_RNA equal every row's total and count (%lld differ)",
           name, (long long)bad);
}

static int names_unique(char **s, int64_t n)
{
    /* quadratic is fine for the few thousand genes of the fixtures */
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
            if (strcmp(s[i], s[j]) == 0)
                return 0;
    return 1;
}

int main(void)
{
    const char *dir = tap_data_dir();
    if (!dir)
        return tap_no_data();
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[8192], want[8300];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        sc_err e = {{0}};
        h5_kind k;
        tap_ok(h5_kind_of(path, &k, &e) == 0 && k == H5K_ANNDATA, "%s: sniffed as AnnData (%s)",
               files[i], e.msg);

        sc_dataset d, slow;
        h5u_set_fast(1);
        int64_t before = h5u_fast_chunks();
        if (!tap_ok(h5ad_read(path, NULL, &d, &e) == 0, "%s: loads (%s)", files[i], e.msg))
            continue;
        tap_ok(h5u_fast_chunks() > before, "%s: gzip chunks decoded on the raw-chunk path (%lld)",
               files[i], (long long)(h5u_fast_chunks() - before));
        peer_check(files[i], &d);
        check_totals(files[i], &d);
        snprintf(want, sizeof want, "%s:/X", path);
        tap_ok(d.x_source && strcmp(d.x_source, want) == 0 && d.source && strcmp(d.source, path) == 0,
               "%s: source %s, X from %s", files[i], d.source, d.x_source);
        tap_ok(d.nlayers == 0, "%s: no other matrices listed (%d)", files[i], d.nlayers);
        tap_ok(names_unique(d.var.index, d.var.n) && h5ad_last_renamed() == 0,
               "%s: var names unique, none renamed", files[i]);

        h5u_set_fast(0);
        int ok = h5ad_read(path, NULL, &slow, &e) == 0;
        tap_ok(ok && same_csr(&d.X, &slow.X), "%s: raw-chunk and H5Dread paths give the same X",
               files[i]);
        h5u_set_fast(1);
        if (ok)
            dataset_free(&slow);
        dataset_free(&d);
    }
    return tap_done();
}

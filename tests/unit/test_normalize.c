/* test_normalize.c: normalize_total (+ log1p).  Properties on a small
 * matrix (totals equal the target, pattern kept, empty cells stay empty,
 * bad targets refused), then against scanpy on ifnb1k.h5ad: per-cell sums and
 * maxima from tests/peer/hvg_expected/normalize_ifnb1k.tsv, written by
 * tests/peer/hvg_peer.py (needs the shared data). */
#include <stdint.h>

#include "h5ad.h"
#include "normalize.h"
#include "tap.h"

static void properties(void)
{
    /* 3 cells x 4 genes; the middle cell has no counts. */
    int64_t indptr[] = {0, 3, 3, 5};
    int32_t indices[] = {0, 2, 3, 1, 3};
    float data[] = {1, 3, 6, 2, 2};
    sc_csr X = {3, 4, indptr, indices, data}, N;
    sc_err e;
    int64_t zeros = -1;
    tap_ok(normalize_total(&X, 100, 0, &N, &zeros, &e) == 0, "normalizes");
    tap_ok(N.data[0] == 10 && N.data[1] == 30 && N.data[2] == 60 && N.data[3] == 50 &&
               N.data[4] == 50,
           "each cell scaled to total 100 (10 30 60 | 50 50)");
    tap_ok(memcmp(N.indptr, indptr, sizeof indptr) == 0 &&
               memcmp(N.indices, indices, sizeof indices) == 0,
           "the sparsity pattern is kept");
    tap_ok(zeros == 1, "one cell without counts is reported (%lld)", (long long)zeros);
    csr_free(&N);
    tap_ok(normalize_total(&X, 100, 1, &N, NULL, &e) == 0 &&
               fabsf(N.data[0] - log1pf(10.0f)) == 0 && fabsf(N.data[3] - log1pf(50.0f)) == 0,
           "log1p applied after scaling");
    csr_free(&N);
    tap_ok(normalize_total(&X, 0, 1, &N, NULL, &e) == -1 && strstr(e.msg, "positive"),
           "target 0 is refused: %s", e.msg);
    tap_ok(normalize_total(&X, NAN, 1, &N, NULL, &e) == -1, "target NaN is refused");
}

static void against_scanpy(const char *data)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ifnb1k.h5ad", data);
    sc_dataset d = {0};
    sc_err e;
    h5ad_opts o = {0};
    if (!tap_ok(h5ad_read(path, &o, &d, &e) == 0, "load %s", path)) {
        tap_diag("%s", e.msg);
        return;
    }
    snprintf(path, sizeof path, "%s/tests/peer/hvg_expected/normalize_ifnb1k.tsv", SC_TOP_SRCDIR);
    FILE *f = fopen(path, "r");
    if (!tap_ok(f != NULL, "read %s", path)) {
        dataset_free(&d);
        return;
    }
    sc_csr A = {0}, B = {0};
    int ok = normalize_total(&d.X, 1e4, 1, &A, NULL, &e) == 0 &&
             normalize_total(&d.X, 1e6, 0, &B, NULL, &e) == 0;
    tap_ok(ok, "normalizes ifnb1k twice");
    char line[1024], name[256];
    int64_t i = 0, bad = 0;
    double worst = 0;
    while (ok && fgets(line, sizeof line, f)) {
        double want[4];
        if (line[0] == '#' || strncmp(line, "cell\t", 5) == 0)
            continue;
        if (sscanf(line, "%255s %lf %lf %lf %lf", name, &want[0], &want[1], &want[2],
                   &want[3]) != 5 ||
            i >= d.X.nrows || strcmp(name, d.obs.index[i]) != 0) {
            bad++;
            break;
        }
        double got[4] = {0, 0, 0, 0};
        for (int64_t k = d.X.indptr[i]; k < d.X.indptr[i + 1]; k++) {
            got[0] += A.data[k];
            got[1] = fmax(got[1], A.data[k]);
            got[2] += B.data[k];
            got[3] = fmax(got[3], B.data[k]);
        }
        for (int c = 0; c < 4; c++)
            worst = fmax(worst, fabs(got[c] - want[c]) / fmax(fabs(want[c]), 1e-12));
        i++;
    }
    fclose(f);
    tap_ok(bad == 0 && i == d.X.nrows, "one row per cell, same names (%lld rows)", (long long)i);
    tap_ok(worst < 1e-6, "per-cell sums and maxima match scanpy (max rel %.3g)", worst);
    csr_free(&A);
    csr_free(&B);
    dataset_free(&d);
}

int main(void)
{
    properties();
    const char *data = tap_data_dir();
    if (!data) {
        const char *req = getenv("SPARSESC_REQUIRE_DATA");
        if (req && strcmp(req, "1") == 0)
            tap_ok(0, "shared data required (SPARSESC_REQUIRE_DATA=1) but not found");
        else
            tap_diag("shared data not found: the scanpy comparison is skipped");
        return tap_done();
    }
    against_scanpy(data);
    return tap_done();
}

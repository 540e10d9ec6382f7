/* load_driver.c: time one load of an .h5ad or 10x .h5 file with sparsesc's
 * readers and report the peak resident memory; bench/load runs it next to
 * anndata.read_h5ad on the same file.
 *
 *   load_driver FILE [--slow]     (--slow: H5Dread only, no raw-chunk path)
 *
 * Prints one line of key=value pairs: seconds (wall), cpu_seconds (user +
 * system, all threads), peak_rss_mib, base_rss_mib
 * (before loading), csr_mib (the bytes of indptr + indices + data), nnz,
 * raw_chunks (chunks decoded on the parallel raw-chunk path). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "h5ad.h"
#include "h5util.h"
#include "tenx.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: load_driver FILE [--slow]\n");
        return 2;
    }
    if (argc > 2 && strcmp(argv[2], "--slow") == 0)
        h5u_set_fast(0);
    sc_err e = {{0}};
    h5_kind k;
    if (h5_kind_of(argv[1], &k, &e) != 0) {
        fprintf(stderr, "load_driver: %s\n", e.msg);
        return 1;
    }
    double base = peak_mib();
    sc_dataset d;
    double c0 = cpu_seconds(), t0 = now();
    int rc = k == H5K_ANNDATA ? h5ad_read(argv[1], NULL, &d, &e)
             : k == H5K_10X_V3 || k == H5K_10X_V2 ? tenx_read(argv[1], NULL, &d, &e)
                                                  : -1;
    double t1 = now(), c1 = cpu_seconds();
    if (rc != 0) {
        fprintf(stderr, "load_driver: %s\n", k == H5K_ANNDATA || k == H5K_10X_V3 || k == H5K_10X_V2
                                                 ? e.msg : "not an .h5ad or 10x .h5 file");
        return 1;
    }
    long long nnz = (long long)d.X.indptr[d.X.nrows];
    double csr = ((double)(d.X.nrows + 1) * 8 + (double)nnz * 8) / 1048576.0;
    printf("seconds=%.3f cpu_seconds=%.3f peak_rss_mib=%.1f base_rss_mib=%.1f csr_mib=%.1f nnz=%lld "
           "cells=%lld genes=%lld raw_chunks=%lld\n",
           t1 - t0, c1 - c0, peak_mib(), base, csr, nnz, (long long)d.X.nrows, (long long)d.X.ncols,
           (long long)h5u_fast_chunks());
    dataset_free(&d);
    return 0;
}

/* vae_bench.c: the sparsesc side of bench/vae.
 *
 *   vae_bench sgemm G H B THREADS
 *       GFLOP/s of OpenBLAS sgemm on the VAE's big GEMM shapes for G genes,
 *       H hidden units and minibatch B (weights stored input-major, as the
 *       model does), with OpenBLAS on THREADS threads and on 1 thread; one
 *       line per shape: name M N K gflops_threads gflops_1.
 *   vae_bench train FILE.h5ad BATCHCOL|- COVS|- LATENT EPOCHS THREADS
 *       trains the default VAE (scvi-tools' SCVI defaults, latent LATENT) on
 *       all genes of FILE for EPOCHS epochs with no validation pass (as
 *       scvi-tools by default) and prints key value lines: cells, genes,
 *       n_train, nnz_train_density, epoch_seconds (median of the epochs
 *       after the first, or the only one), first_epoch_seconds, per-shape
 *       GEMM counts for the FLOP model, peak_rss_mb.
 * Build: see bench/vae. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "h5ad.h"
#include "threads.h"
#include "vae.h"
#include "vae_train.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* GFLOP/s of one row-major sgemm shape, repeated for at least 0.5 s. */
static double sgemm_rate(int ta, int tb, int M, int N, int K)
{
    float *A = malloc((size_t)M * K * sizeof *A), *B = malloc((size_t)K * N * sizeof *B);
    float *C = malloc((size_t)M * N * sizeof *C);
    for (size_t i = 0; i < (size_t)M * K; i++)
        A[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    for (size_t i = 0; i < (size_t)K * N; i++)
        B[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
    int lda = ta ? M : K, ldb = tb ? K : N;
    CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1, A, lda, B, ldb, 0, C, N); /* warm-up */
    long reps = 0;
    double t0 = now_s(), t;
    do {
        cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1, A, lda, B, ldb, 0, C, N);
        reps++;
    } while ((t = now_s() - t0) < 0.5);
    free(A);
    free(B);
    free(C);
    return 2.0 * M * N * K * reps / t / 1e9;
}

static int cmd_sgemm(int G, int H, int B, int threads)
{
    struct {
        const char *name;
        int ta, tb, M, N, K;
    } s[] = {
        {"dec_head_fwd", 0, 0, B, G, H}, /* px_scale / dropout logits: [B,H] x [H,G] */
        {"dec_head_dw", 1, 0, H, G, B},  /* weight gradient: [B,H]^T x [B,G] */
        {"dec_head_dx", 0, 1, B, H, G},  /* input gradient: [B,G] x [H,G]^T */
        {"enc_in_fwd", 0, 0, B, H, G},   /* dense first layer: [B,G] x [G,H] */
        {"enc_in_dw", 1, 0, G, H, B},    /* its weight gradient: [B,G]^T x [B,H] */
    };
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        sc_set_threads(threads);
        double rt = sgemm_rate(s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K);
        sc_set_threads(1);
        double r1 = sgemm_rate(s[i].ta, s[i].tb, s[i].M, s[i].N, s[i].K);
        printf("%s\t%d\t%d\t%d\t%.2f\t%.2f\n", s[i].name, s[i].M, s[i].N, s[i].K, rt, r1);
    }
    return 0;
}

static const int32_t *obs_codes(const sc_dataset *d, const char *name, int *ncats)
{
    int ci = frame_find(&d->obs, name);
    if (ci < 0 || d->obs.cols[ci].kind != SC_COL_CAT) {
        fprintf(stderr, "vae_bench: no categorical obs column '%s'\n", name);
        return NULL;
    }
    *ncats = d->obs.cols[ci].ncats;
    return d->obs.cols[ci].codes;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmd_train(const char *path, const char *bcol, const char *covs, int latent, int epochs,
                     int threads)
{
    sc_dataset d = {0};
    sc_err e = {0};
    sc_set_threads(threads);
    if (h5ad_read(path, NULL, &d, &e) < 0) {
        fprintf(stderr, "vae_bench: %s\n", e.msg);
        return 1;
    }
    int nb = 0, ncov = 0, cov_n[VAE_MAX_CAT];
    const int32_t *batch = NULL, *cov[VAE_MAX_CAT];
    if (strcmp(bcol, "-") != 0 && !(batch = obs_codes(&d, bcol, &nb)))
        return 1;
    if (strcmp(covs, "-") != 0) {
        char *list = strdup(covs), *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (ncov + 1 >= VAE_MAX_CAT || !(cov[ncov] = obs_codes(&d, t, &cov_n[ncov])))
                return 1;
            ncov++;
        }
        free(list);
    }
    vae_config c;
    vae_config_init(&c);
    c.n_latent = latent;
    c.epochs = epochs;
    c.val_every = 0;
    c.seed = 0;
    vae_model *m = NULL;
    vae_data vd = {&d.X, batch, ncov ? cov : NULL};
    if (vae_create(&m, &c, d.X.ncols, batch ? nb : 0, ncov, cov_n, &e) < 0 ||
        vae_fit(m, &vd, epochs, NULL, &e) < 0) {
        fprintf(stderr, "vae_bench: %s\n", e.msg);
        return 1;
    }
    const vae_run *r = m->run;
    int64_t nnz = 0;
    for (int64_t i = 0; i < r->n_train; i++)
        nnz += d.X.indptr[r->train[i] + 1] - d.X.indptr[r->train[i]];
    int n = m->hist.n;
    double *sec = malloc((size_t)n * sizeof *sec);
    for (int i = 0; i < n; i++)
        sec[i] = m->hist.seconds[i];
    double first = sec[0];
    double med = first;
    if (n > 1) {
        qsort(sec + 1, (size_t)n - 1, sizeof *sec, cmp_d);
        med = (n - 1) % 2 ? sec[1 + (n - 1) / 2] : (sec[(n - 1) / 2] + sec[(n - 1) / 2 + 1]) / 2;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const vae_dims *dm = &m->dims;
    printf("cells\t%lld\ngenes\t%d\nhidden\t%d\nlatent\t%d\ncov_cols\t%d\nheads\t%d\n",
           (long long)d.X.nrows, dm->G, dm->H, dm->L, dm->C, dm->lik == LIK_ZINB ? 2 : 1);
    printf("n_train\t%lld\nsteps\t%lld\nnnz_train\t%lld\ndensity\t%.4f\n", (long long)r->n_train,
           (long long)r->steps_per_epoch, (long long)nnz,
           (double)nnz / ((double)r->n_train * dm->G));
    printf("first_dense\t%d\n", c.first_layer == VAE_FIRST_DENSE ||
                                    (double)nnz > VAE_DENSE_DENSITY * (double)r->n_train * dm->G);
    printf("epochs\t%d\nepoch_seconds\t%.4f\nfirst_epoch_seconds\t%.4f\n", n, med, first);
    printf("train_loss\t%.4f\npeak_rss_mb\t%.1f\n", m->hist.train_loss[n - 1],
           ru.ru_maxrss / 1024.0);
    free(sec);
    vae_free(m);
    dataset_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "sgemm") == 0)
        return cmd_sgemm(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc == 8 && strcmp(argv[1], "train") == 0)
        return cmd_train(argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
    fprintf(stderr, "usage: vae_bench sgemm G H B THREADS\n"
                    "       vae_bench train FILE BATCHCOL|- COVS|- LATENT EPOCHS THREADS\n");
    return 2;
}

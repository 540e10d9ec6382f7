/* test_vae_peer.c: sparsesc's VAE against scvi-tools' SCVI on the shared
 * data, with the settings and figures tests/peer/vae_peer.py wrote into
 * tests/peer/vae_expected.tsv (read that script for what each number is).
 *
 * Both sides: the same 2000 seurat_v3 genes, scvi-tools' default model and
 * optimiser, the same number of epochs, the same training cells and the
 * same held-out cells (the peer's split is put into sparsesc's run before
 * training).  Checked, per data set, against the mean of the peer's seeds:
 *   - held-out reconstruction NLL at most 1 % above scvi-tools' (issue 5);
 *   - each integration metric (src/integ.h) no worse than scvi-tools'
 *     minus 0.02 (issue 5).
 * Both goals were met when this was written (seeds 0-2 of sparsesc all
 * pass; the test runs seed 0, bit-identical for any thread count).  The
 * peer's seeds vary by about 0.6 % in NLL and 0.05 in iLISI, so a change
 * of sparsesc's numerics moves its result within that spread too; a goal
 * missed after such a change should be reported with the numbers, not
 * loosened.  In the sanitizer build only a short smoke run is made (the
 * comparison needs full-speed training). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h5ad.h"
#include "integ.h"
#include "tap.h"
#include "threads.h"
#include "vae.h"
#include "vae_train.h"

#define PEER_TSV SC_TOP_SRCDIR "/tests/peer/vae_expected.tsv"
#define NLL_REL 0.01   /* issue 5: held-out NLL within 1 % of scvi-tools' */
#define METRIC_TOL 0.02 /* issue 5: metrics no worse than scvi-tools' minus 0.02 */

static void check(const char *ds, const char *name, int cond, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tap_ok(cond, "%s: %s: %s", ds, name, msg);
}

/* ---- the peer file ---------------------------------------------------- */

typedef struct kv {
    char *ds, *key, *val;
} kv;
static kv *peer;
static int npeer;

static int peer_read(void)
{
    FILE *fp = fopen(PEER_TSV, "r");
    if (!fp)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, fp)) > 0) {
        if (line[0] == '#')
            continue;
        if (line[len - 1] == '\n')
            line[len - 1] = 0;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        *t1 = *t2 = 0;
        kv *p = realloc(peer, (size_t)(npeer + 1) * sizeof *p);
        if (!p)
            break;
        peer = p;
        peer[npeer].ds = strdup(line);
        peer[npeer].key = strdup(t1 + 1);
        peer[npeer].val = strdup(t2 + 1);
        npeer++;
    }
    free(line);
    fclose(fp);
    return npeer > 0 ? 0 : -1;
}

static const char *pget(const char *ds, const char *key)
{
    for (int i = 0; i < npeer; i++)
        if (strcmp(peer[i].ds, ds) == 0 && strcmp(peer[i].key, key) == 0)
            return peer[i].val;
    return NULL;
}

static double pnum(const char *ds, const char *key)
{
    const char *v = pget(ds, key);
    return v ? strtod(v, NULL) : NAN;
}

/* Comma-separated integers; *n set to their count. */
static int64_t *plist(const char *ds, const char *key, int64_t *n)
{
    const char *v = pget(ds, key);
    *n = 0;
    if (!v || !*v)
        return NULL;
    int64_t cap = 1;
    for (const char *p = v; *p; p++)
        cap += *p == ',';
    int64_t *out = malloc((size_t)cap * sizeof *out);
    if (!out)
        return NULL;
    const char *p = v;
    for (int64_t i = 0; i < cap; i++) {
        char *end;
        out[i] = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    *n = cap;
    return out;
}

/* ---- one data set ------------------------------------------------------ */

/* Columns `genes` (ascending) of X as their own CSR. */
static int csr_columns(const sc_csr *X, const int64_t *genes, int64_t ng, sc_csr *out)
{
    int32_t *map = malloc((size_t)X->ncols * sizeof *map);
    if (!map)
        return -1;
    for (int64_t j = 0; j < X->ncols; j++)
        map[j] = -1;
    for (int64_t g = 0; g < ng; g++) {
        if (genes[g] < 0 || genes[g] >= X->ncols || (g > 0 && genes[g] <= genes[g - 1])) {
            free(map);
            return -1;
        }
        map[genes[g]] = (int32_t)g;
    }
    int64_t nnz = 0;
    for (int64_t k = 0; k < X->indptr[X->nrows]; k++)
        nnz += map[X->indices[k]] >= 0;
    out->nrows = X->nrows;
    out->ncols = ng;
    out->indptr = calloc((size_t)X->nrows + 1, sizeof *out->indptr);
    out->indices = malloc((size_t)(nnz ? nnz : 1) * sizeof *out->indices);
    out->data = malloc((size_t)(nnz ? nnz : 1) * sizeof *out->data);
    if (!out->indptr || !out->indices || !out->data) {
        free(map);
        return -1;
    }
    int64_t at = 0;
    for (int64_t r = 0; r < X->nrows; r++) {
        for (int64_t k = X->indptr[r]; k < X->indptr[r + 1]; k++)
            if (map[X->indices[k]] >= 0) {
                out->indices[at] = map[X->indices[k]];
                out->data[at++] = X->data[k];
            }
        out->indptr[r + 1] = at;
    }
    free(map);
    return 0;
}

static const int32_t *obs_cat(const sc_dataset *d, const char *name, int *ncats)
{
    int ci = frame_find(&d->obs, name);
    if (ci < 0 || d->obs.cols[ci].kind != SC_COL_CAT)
        return NULL;
    *ncats = d->obs.cols[ci].ncats;
    return d->obs.cols[ci].codes;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_dataset(const char *dir, const char *ds, int smoke)
{
    const char *file = pget(ds, "file"), *bcol = pget(ds, "batch"), *lcol = pget(ds, "label");
    int epochs = (int)pnum(ds, "epochs");
    int64_t ng, ntr, nva;
    int64_t *genes = plist(ds, "hvg", &ng), *train = plist(ds, "train", &ntr),
            *val = plist(ds, "val", &nva);
    if (!tap_ok(file && bcol && lcol && epochs > 0 && genes && train && val,
                "%s: peer settings present", ds))
        goto out0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sc_dataset d = {0};
    sc_err e = {0};
    if (!tap_ok(h5ad_read(path, NULL, &d, &e) == 0, "%s: read %s %s", ds, file, e.msg))
        goto out0;
    int nb = 0, nl = 0;
    const int32_t *batch = *bcol ? obs_cat(&d, bcol, &nb) : NULL;
    const int32_t *label = obs_cat(&d, lcol, &nl);
    sc_csr X = {0};
    int ok = label && (!*bcol || batch) && csr_columns(&d.X, genes, ng, &X) == 0 &&
             d.X.nrows == (int64_t)pnum(ds, "n_cells") && ntr + nva == d.X.nrows;
    if (!tap_ok(ok, "%s: %lld cells, %lld genes, batch '%s', labels '%s'", ds,
                (long long)d.X.nrows, (long long)ng, bcol, lcol))
        goto out1;

    vae_config c;
    vae_config_init(&c); /* scvi-tools' defaults */
    c.epochs = smoke ? 2 : epochs;
    c.val_every = 0;     /* the history is not checked here */
    c.seed = 0;
    vae_model *m = NULL;
    vae_data vd = {&X, batch, NULL};
    if (!tap_ok(vae_create(&m, &c, ng, batch ? nb : 0, 0, NULL, &e) == 0 &&
                    vae_run_begin(m, &vd, c.epochs, &e) == 0,
                "%s: model and run %s", ds, e.msg))
        goto out1;
    /* the peer's split: same training cells, same held-out cells */
    vae_run *r = m->run;
    if (!tap_ok(r->n_train == ntr && r->n_val == nva, "%s: split sizes %lld/%lld as the peer's",
                ds, (long long)r->n_train, (long long)r->n_val))
        goto out2;
    memcpy(r->train, train, (size_t)ntr * sizeof *train);
    memcpy(r->order, train, (size_t)ntr * sizeof *train);
    memcpy(r->val, val, (size_t)nva * sizeof *val);
    double t0 = now_s();
    int rc = vae_fit(m, &vd, c.epochs, NULL, &e);
    double secs = now_s() - t0;
    if (!tap_ok(rc == 0, "%s: trained %d epochs in %.1f s %s", ds, c.epochs, secs, e.msg))
        goto out2;
    vae_metrics vm;
    rc = vae_eval(m, &vd, NULL, 0, &vm, &e);
    int L = m->dims.L;
    float *z = malloc((size_t)X.nrows * (size_t)L * sizeof *z);
    int32_t *bz = calloc((size_t)X.nrows, sizeof *bz);
    rc = rc == 0 && z && bz ? vae_latent(m, &vd, z, &e) : -1;
    integ_scores sc;
    if (rc == 0)
        rc = integ_score(z, X.nrows, L, batch ? batch : bz, batch ? nb : 1, label, nl, 15, &sc,
                         &e);
    if (!tap_ok(rc == 0 && vm.n == nva && isfinite(vm.nll) && isfinite(vm.kl),
                "%s: evaluation and metrics %s", ds, e.msg))
        goto out3;
    if (smoke) {
        tap_diag("%s: smoke run only (sanitizer build): NLL %.2f", ds, vm.nll);
        goto out3;
    }

    double pn = pnum(ds, "mean_nll"), lo = pnum(ds, "min_nll"), hi = pnum(ds, "max_nll");
    check(ds, "nll", vm.nll <= pn * (1 + NLL_REL),
          "held-out NLL %.2f vs scvi-tools %.2f (seeds %.2f..%.2f): %+.2f %%; KL %.2f vs %.2f, "
          "ELBO %.2f vs %.2f",
          vm.nll, pn, lo, hi, 100 * (vm.nll / pn - 1), vm.kl, pnum(ds, "mean_kl"), vm.elbo,
          pnum(ds, "mean_elbo"));
    struct {
        const char *name;
        double v;
    } mets[] = {{"ilisi", sc.ilisi},
                {"batch_asw", sc.batch_asw},
                {"label_asw", sc.label_asw},
                {"purity", sc.purity}};
    for (size_t i = 0; i < sizeof mets / sizeof *mets; i++) {
        char key[64];
        snprintf(key, sizeof key, "mean_%s", mets[i].name);
        double p = pnum(ds, key);
        if (isnan(p) && !batch && i < 2)
            continue; /* no batch: no mixing scores on either side */
        check(ds, mets[i].name, mets[i].v >= p - METRIC_TOL,
              "%.4f vs scvi-tools %.4f (>= %.4f wanted)", mets[i].v, p, p - METRIC_TOL);
    }
out3:
    free(z);
    free(bz);
out2:
    vae_free(m);
out1:
    csr_free(&X);
    dataset_free(&d);
out0:
    free(genes);
    free(train);
    free(val);
}

int main(void)
{
    const char *dir = tap_data_dir();
    if (!dir)
        return tap_no_data();
    const char *san = getenv("SC_SANITIZERS");
    int smoke = san && strcmp(san, "yes") == 0;
    /* one thread: `make -j2 check` runs two tests at once on 2 cores, and
     * two thread pools per test would spin against each other (threads.h) */
    sc_set_threads(1);
    if (!tap_ok(peer_read() == 0, "read %s", PEER_TSV))
        return tap_done();
    run_dataset(dir, "ifnb1k", smoke);
    run_dataset(dir, "pbmc_3tech", smoke);
    for (int i = 0; i < npeer; i++) {
        free(peer[i].ds);
        free(peer[i].key);
        free(peer[i].val);
    }
    free(peer);
    return tap_done();
}

/* test_vae_train.c: training the VAE on a small synthetic data set.
 *
 * The data: two groups of cells with different gene programs (each group
 * raises a different third of the genes), two batches with a multiplicative
 * batch effect on some genes, log-normal library sizes, negative binomial
 * noise.  Checks: the validation loss falls and the latent separates the
 * groups; the same seed and thread count give bit-identical runs; a run
 * stopped between steps and resumed equals an uninterrupted one; a
 * non-finite loss stops training with the epoch and step and restores the
 * last good parameters; the memory guard, the split, the default epochs,
 * the KL warm-up and bad inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "rng.h"
#include "tap.h"
#include "threads.h"
#include "vae.h"
#include "vae_train.h"

/* ---- synthetic counts ------------------------------------------------- */

static double gamma_draw(rng *r, double shape) /* Marsaglia & Tsang 2000 */
{
    if (shape < 1)
        return gamma_draw(r, shape + 1) * pow(rng_uniform(r), 1 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = rng_normal(r), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = rng_uniform(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static double poisson_draw(rng *r, double lam)
{
    if (lam > 60) /* normal approximation is plenty here */
        return fmax(0, floor(lam + sqrt(lam) * rng_normal(r) + 0.5));
    double L = exp(-lam), p = 1;
    int k = 0;
    do {
        k++;
        p *= rng_uniform(r);
    } while (p > L);
    return k - 1;
}

typedef struct synth {
    sc_csr X;
    int32_t *batch, *group;
} synth;

static void synth_make(synth *s, int n, int G, uint64_t seed)
{
    rng r;
    rng_seed(&r, seed);
    double *base = calloc((size_t)G, sizeof *base), *beff = calloc((size_t)G, sizeof *beff);
    for (int j = 0; j < G; j++) {
        base[j] = exp(rng_normal(&r) - 1);            /* gene baseline */
        beff[j] = j % 5 == 0 ? exp(0.8 * rng_normal(&r)) : 1; /* batch 1 effect */
    }
    s->X.nrows = n;
    s->X.ncols = G;
    s->X.indptr = calloc((size_t)n + 1, sizeof *s->X.indptr);
    s->X.indices = calloc((size_t)n * G, sizeof *s->X.indices);
    s->X.data = calloc((size_t)n * G, sizeof *s->X.data);
    s->batch = calloc((size_t)n, sizeof *s->batch);
    s->group = calloc((size_t)n, sizeof *s->group);
    int64_t nnz = 0;
    const double theta = 3;
    for (int i = 0; i < n; i++) {
        int g = i % 2, b = (i / 2) % 2;
        s->group[i] = g;
        s->batch[i] = b;
        double lib = exp(log(1500) + 0.4 * rng_normal(&r));
        double w[G], tot = 0;
        for (int j = 0; j < G; j++) {
            int prog = j < G / 3 ? 0 : j < 2 * G / 3 ? 1 : 2; /* program 0 for group 0, 1 for 1 */
            w[j] = base[j] * (prog == g ? 1.8 : 1) * (b ? beff[j] : 1);
            tot += w[j];
        }
        for (int j = 0; j < G; j++) {
            double mu = lib * w[j] / tot;
            double x = poisson_draw(&r, gamma_draw(&r, theta) * mu / theta);
            if (x > 0) {
                s->X.indices[nnz] = j;
                s->X.data[nnz++] = (float)x;
            }
        }
        s->X.indptr[i + 1] = nnz;
    }
    free(base);
    free(beff);
}

static void synth_free(synth *s)
{
    free(s->X.indptr);
    free(s->X.indices);
    free(s->X.data);
    free(s->batch);
    free(s->group);
}

/* ---- helpers ---------------------------------------------------------- */

static vae_config small_cfg(void)
{
    vae_config c;
    vae_config_init(&c);
    c.seed = 11;
    c.kl_warmup = 0; /* full KL weight: the validation loss is one objective throughout */
    return c;
}

static vae_model *make(const vae_config *c, int G)
{
    vae_model *m;
    sc_err e;
    if (vae_create(&m, c, G, 2, 0, NULL, &e) < 0) {
        tap_diag("vae_create: %s", e.msg);
        return NULL;
    }
    return m;
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static int same_hist(const vae_hist *a, const vae_hist *b)
{
    if (a->n != b->n)
        return 0;
    size_t n = (size_t)a->n * sizeof(double);
    return !memcmp(a->train_loss, b->train_loss, n) && !memcmp(a->val_loss, b->val_loss, n) &&
           !memcmp(a->train_rec, b->train_rec, n) && !memcmp(a->train_kl, b->train_kl, n);
}

/* Nearest-centroid accuracy of the groups in the latent space. */
static double centroid_accuracy(const float *z, const int32_t *grp, int n, int L)
{
    double c[2][64] = {{0}};
    int cnt[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        cnt[grp[i]]++;
        for (int l = 0; l < L; l++)
            c[grp[i]][l] += z[(size_t)i * L + l];
    }
    for (int g = 0; g < 2; g++)
        for (int l = 0; l < L; l++)
            c[g][l] /= cnt[g] ? cnt[g] : 1;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        double d[2] = {0, 0};
        for (int g = 0; g < 2; g++)
            for (int l = 0; l < L; l++) {
                double t = z[(size_t)i * L + l] - c[g][l];
                d[g] += t * t;
            }
        ok += (d[1] < d[0]) == grp[i];
    }
    return (double)ok / n;
}

/* ---- tests ------------------------------------------------------------ */

static void test_learns(const synth *s, const vae_data *d)
{
    vae_config c = small_cfg();
    c.epochs = 30;
    vae_model *m = make(&c, (int)s->X.ncols);
    sc_err e;
    float *z0 = calloc((size_t)s->X.nrows * c.n_latent, sizeof *z0);
    float *z = calloc((size_t)s->X.nrows * c.n_latent, sizeof *z);
    vae_metrics before, after;
    int rc = vae_latent(m, d, z0, &e) | vae_eval(m, d, NULL, 0, &before, &e) |
             vae_fit(m, d, 0, NULL, &e) | vae_latent(m, d, z, &e) | vae_eval(m, d, NULL, 0, &after, &e);
    tap_ok(rc == 0, "train 30 epochs%s%s", rc ? ": " : "", rc ? e.msg : "");
    const vae_hist *h = &m->hist;
    tap_ok(h->n == 30, "30 epochs of history (%d)", h->n);
    tap_ok(h->n == 30 && h->val_loss[29] < 0.9 * h->val_loss[0],
           "validation loss falls: %.2f after epoch 1, %.2f after epoch 30", h->val_loss[0],
           h->val_loss[h->n - 1]);
    tap_ok(after.nll < before.nll && after.elbo < before.elbo,
           "held-out NLL %.2f -> %.2f, ELBO %.2f -> %.2f", before.nll, after.nll, before.elbo,
           after.elbo);
    tap_ok(fabs(after.elbo - (after.nll + after.kl)) < 1e-9 * after.elbo && after.kl > 0,
           "ELBO = NLL + KL (KL %.3f)", after.kl);
    vae_metrics again;
    vae_eval(m, d, NULL, 0, &again, &e);
    tap_ok(again.nll == after.nll && again.kl == after.kl, "evaluation is repeatable");
    tap_ok(after.n == m->run->n_val && m->run->n_val == 60, "evaluated the 60 validation cells");
    double acc0 = centroid_accuracy(z0, s->group, (int)s->X.nrows, c.n_latent);
    double acc = centroid_accuracy(z, s->group, (int)s->X.nrows, c.n_latent);
    tap_ok(acc > 0.95 && acc > acc0 + 0.1,
           "trained latent separates the two programs (nearest-centroid accuracy %.3f, "
           "untrained %.3f)", acc, acc0);
    double bacc0 = centroid_accuracy(z0, s->batch, (int)s->X.nrows, c.n_latent);
    double bacc = centroid_accuracy(z, s->batch, (int)s->X.nrows, c.n_latent);
    tap_diag("batch nearest-centroid accuracy: untrained %.3f, trained %.3f", bacc0, bacc);
    int finite = 1;
    for (int64_t i = 0; i < s->X.nrows * c.n_latent; i++)
        finite &= isfinite(z[i]);
    tap_ok(finite, "latent is finite");
    free(z0);
    free(z);
    vae_free(m);
}

/* Two runs with the same seed and thread count; returns one of the models. */
static vae_model *run_twice(const vae_data *d, int G, int threads)
{
    sc_set_threads(threads);
    vae_config c = small_cfg();
    c.epochs = 4;
    vae_model *a = make(&c, G), *b = make(&c, G);
    sc_err e;
    int rc = vae_fit(a, d, 0, NULL, &e) | vae_fit(b, d, 0, NULL, &e);
    tap_ok(rc == 0 && same_hist(&a->hist, &b->hist) &&
               same_floats(a->mem, b->mem, a->nparams) &&
               same_floats(a->bn_mem, b->bn_mem, 4 * (size_t)a->dims.nl * a->dims.H),
           "%d thread%s: two runs with the same seed give bit-identical losses and parameters "
           "(last train loss %.9g)",
           threads, threads > 1 ? "s" : "", a->hist.n ? a->hist.train_loss[a->hist.n - 1] : NAN);
    vae_free(b);
    return a;
}

/* A tick that raises the stop flag after `after` steps. */
typedef struct stopper {
    volatile sig_atomic_t flag;
    int64_t steps, after;
} stopper;

static void stop_tick(monitor *mon, int epoch_done, void *ctx)
{
    (void)mon;
    (void)epoch_done;
    stopper *s = ctx;
    if (++s->steps == s->after)
        s->flag = 1;
}

static void test_resume(const vae_data *d, int G)
{
    vae_config c = small_cfg();
    c.epochs = 3;
    vae_model *a = make(&c, G), *b = make(&c, G);
    sc_err e;
    int rc = vae_fit(a, d, 0, NULL, &e);
    /* b: stopped mid-epoch twice, resumed each time */
    stopper st = {0, 0, 3};
    monitor mon;
    memset(&mon, 0, sizeof mon);
    mon.stop = &st.flag;
    mon.tick = stop_tick;
    mon.ctx = &st;
    rc |= vae_fit(b, d, 0, &mon, &e);
    int stopped1 = b->run->stopped, at1 = b->run->epoch * 100 + (int)b->run->step;
    st.flag = 0;
    st.after = st.steps + 6;
    rc |= vae_fit(b, d, 0, &mon, &e);
    int stopped2 = b->run->stopped;
    st.flag = 0;
    rc |= vae_fit(b, d, 0, &mon, &e);
    tap_ok(rc == 0 && stopped1 && stopped2 && !b->run->stopped,
           "run stopped twice between steps (first at epoch %d step %d) and resumed", at1 / 100,
           at1 % 100);
    tap_ok(same_hist(&a->hist, &b->hist) && same_floats(a->mem, b->mem, 4 * a->nparams) &&
               a->adam_t == b->adam_t,
           "stopped and resumed equals uninterrupted: losses, parameters and Adam moments "
           "bit-identical (%lld steps)", (long long)a->adam_t);
    const mon_series *ts = mon_find(&mon, "train loss"), *vs = mon_find(&mon, "val loss");
    tap_ok(ts && vs && ts->n == 3 && vs->n == 3 && ts->val[2] == a->hist.train_loss[2],
           "monitor holds the per-epoch train and validation series");
    /* training further continues the same run */
    rc = vae_fit(b, d, 4, NULL, &e);
    tap_ok(rc == 0 && b->hist.n == 4 && b->run->epoch == 4, "a later call trains one more epoch");
    mon_free(&mon);
    vae_free(a);
    vae_free(b);
}

/* Corrupts a parameter after step `at` (after its update) and keeps copies
 * of the parameters seen at each tick. */
typedef struct corrupter {
    vae_model *m;
    int64_t steps, at;
    float *cur, *last; /* parameters after the latest step, and the one before */
} corrupter;

static void corrupt_tick(monitor *mon, int epoch_done, void *ctx)
{
    (void)mon;
    (void)epoch_done;
    corrupter *c = ctx;
    memcpy(c->last, c->cur, c->m->nparams * sizeof(float));
    memcpy(c->cur, c->m->mem, c->m->nparams * sizeof(float));
    if (++c->steps == c->at)
        c->m->p.dec_w0[0] = NAN;
}

static void test_nonfinite(const vae_data *d, int G)
{
    vae_config c = small_cfg();
    c.epochs = 3;
    vae_model *m = make(&c, G);
    sc_err e;
    corrupter cr = {m, 0, 10, calloc(m->nparams, sizeof(float)), calloc(m->nparams, sizeof(float))};
    memcpy(cr.cur, m->mem, m->nparams * sizeof(float));
    monitor mon;
    memset(&mon, 0, sizeof mon);
    mon.tick = corrupt_tick;
    mon.ctx = &cr;
    int rc = vae_fit(m, d, 0, &mon, &e);
    /* the NaN is met at step at + 1 (counting from 1) */
    int64_t spe = m->run->steps_per_epoch;
    char want[64];
    snprintf(want, sizeof want, "epoch %lld, step %lld of %lld", (long long)(cr.at / spe + 1),
             (long long)(cr.at % spe + 1), (long long)spe);
    tap_ok(rc < 0 && strstr(e.msg, "NaN") && strstr(e.msg, want),
           "a NaN in the loss stops training at %s: %s", want, rc < 0 ? e.msg : "(no error)");
    /* cr.last holds the parameters from before step `at`'s update */
    tap_ok(same_floats(m->mem, cr.last, m->nparams),
           "the parameters are those from before the last update (the last finite loss)");
    float *z = calloc((size_t)d->X->nrows * c.n_latent, sizeof *z);
    int finite = vae_latent(m, d, z, &e) == 0;
    for (int64_t i = 0; finite && i < d->X->nrows * c.n_latent; i++)
        finite = isfinite(z[i]);
    tap_ok(finite, "the kept model still gives a finite latent");
    free(z);
    mon_free(&mon);
    free(cr.cur);
    free(cr.last);
    vae_free(m);

    /* a learning rate that blows up on its own */
    c.adam.lr = 1e6;
    m = make(&c, G);
    rc = vae_fit(m, d, 0, NULL, &e);
    int all_finite = 1;
    for (size_t i = 0; i < m->nparams; i++)
        all_finite &= isfinite(m->mem[i]);
    tap_ok(rc < 0 && strstr(e.msg, "epoch") && strstr(e.msg, "step") && all_finite,
           "lr=1e6 diverges and stops with finite parameters: %s", rc < 0 ? e.msg : "(trained)");
    vae_free(m);
}

static void test_guards(const synth *s, const vae_data *d)
{
    vae_config c;
    vae_config_init(&c);
    vae_model *m = NULL;
    sc_err e;
    int rc = vae_create(&m, &c, 3000000000LL, 0, 0, NULL, &e);
    tap_ok(rc < 0 && !m, "3e9 genes refused: %s", e.msg);
    c.n_hidden = 65536;
    rc = vae_create(&m, &c, 2000000000LL, 0, 0, NULL, &e);
    tap_ok(rc < 0 && !m && strstr(e.msg, "needs") && strstr(e.msg, "PB"),
           "absurd sizes refused before allocating: %s", e.msg);
    vae_config_init(&c);
    c.mem_limit = 1000000;
    rc = vae_create(&m, &c, 2000, 0, 0, NULL, &e);
    tap_ok(rc < 0 && strstr(e.msg, "needs") && strstr(e.msg, "MB") && strstr(e.msg, "1.0 MB"),
           "a 1 MB limit refuses 2000 genes: %s", e.msg);
    double b1 = vae_bytes_needed(&c, 2000, 0, 0, NULL, 0);
    double b2 = vae_bytes_needed(&c, 4000, 0, 0, NULL, 0);
    size_t np = (size_t)(2000 + 1) * 128 + 128 + 2 * 128 + 2 * (128 * 10 + 10) + 10 * 128 + 128 +
                2 * 128 + 2 * (128 * 2000 + 2000) + 2000; /* zinb, by hand */
    tap_ok(b1 > 5.0 * 4 * np && b2 > 1.9 * b1 && b2 < 2.1 * b1,
           "memory estimate covers the parameter block (%.1f MB for 2000 genes)", b1 / 1e6);

    vae_config_init(&c);
    c.n_latent = 0;
    tap_ok(vae_create(&m, &c, 10, 0, 0, NULL, &e) < 0 && strstr(e.msg, "latent=0"),
           "latent=0 refused: %s", e.msg);
    vae_config_init(&c);
    c.adam.lr = -1;
    tap_ok(vae_create(&m, &c, 10, 0, 0, NULL, &e) < 0 && strstr(e.msg, "lr=-1"),
           "negative lr refused: %s", e.msg);
    vae_config_init(&c);
    c.batch_size = 1;
    tap_ok(vae_create(&m, &c, 10, 0, 0, NULL, &e) < 0 && strstr(e.msg, "batch-size"),
           "batch-size=1 refused: %s", e.msg);

    /* data the model does not fit */
    c = small_cfg();
    c.epochs = 1;
    m = make(&c, (int)s->X.ncols + 1);
    rc = vae_fit(m, d, 0, NULL, &e);
    tap_ok(rc < 0 && strstr(e.msg, "genes"), "wrong gene count refused: %s", e.msg);
    vae_free(m);
    m = make(&c, (int)s->X.ncols);
    vae_data nob = {d->X, NULL, NULL};
    rc = vae_fit(m, &nob, 0, NULL, &e);
    tap_ok(rc < 0 && strstr(e.msg, "batch"), "missing batch codes refused: %s", e.msg);
    s->batch[7] = 2;
    rc = vae_fit(m, d, 0, NULL, &e);
    s->batch[7] = 0;
    tap_ok(rc < 0 && strstr(e.msg, "cell 8") && strstr(e.msg, "out of range"),
           "batch code out of range refused: %s", e.msg);
    float keep = s->X.data[3];
    s->X.data[3] = NAN;
    rc = vae_fit(m, d, 0, NULL, &e);
    s->X.data[3] = keep;
    tap_ok(rc < 0 && strstr(e.msg, "not finite"), "NaN count refused: %s", e.msg);
    /* cells without counts: rows 4 and 9 emptied */
    sc_csr X0 = s->X;
    int64_t nnz = s->X.indptr[s->X.nrows], nn = 0;
    int64_t *p2 = calloc((size_t)X0.nrows + 1, sizeof *p2);
    int32_t *ix = calloc((size_t)nnz, sizeof *ix);
    float *vx = calloc((size_t)nnz, sizeof *vx);
    for (int64_t i = 0; i < s->X.nrows; i++) {
        if (i != 4 && i != 9)
            for (int64_t k = s->X.indptr[i]; k < s->X.indptr[i + 1]; k++) {
                ix[nn] = s->X.indices[k];
                vx[nn++] = s->X.data[k];
            }
        p2[i + 1] = nn;
    }
    X0.indptr = p2;
    X0.indices = ix;
    X0.data = vx;
    vae_data dz = {&X0, d->batch, NULL};
    rc = vae_fit(m, &dz, 0, NULL, &e);
    tap_ok(rc < 0 && strstr(e.msg, "2 of 600 cells have no counts"), "cells without counts refused: %s",
           e.msg);
    free(p2);
    free(ix);
    free(vx);
    /* one cell */
    sc_csr X1 = s->X;
    X1.nrows = 1;
    vae_data d1 = {&X1, d->batch, NULL};
    rc = vae_fit(m, &d1, 0, NULL, &e);
    tap_ok(rc < 0 && strstr(e.msg, "at least 3"), "one cell refused: %s", e.msg);
    vae_free(m);
}

static void test_schedule(void)
{
    /* scvi-tools: min(round(20000 / n * 400), 400) */
    tap_ok(vae_default_epochs(2000) == 400 && vae_default_epochs(32000) == 250 &&
               vae_default_epochs(90000) == 89 && vae_default_epochs(64000) == 125 &&
               vae_default_epochs(100000000) == 1,
           "default epochs 400, 250, 89, 125, 1 for 2k, 32k, 90k, 64k, 100M cells");
    vae_config c;
    vae_config_init(&c);
    tap_ok(vae_kl_weight(&c, 0) == 0 && vae_kl_weight(&c, 200) == 0.5 &&
               vae_kl_weight(&c, 399) == 399.0 / 400 && vae_kl_weight(&c, 400) == 1 &&
               vae_kl_weight(&c, 1000) == 1,
           "KL warm-up: linear over 400 epochs, then 1");
    c.kl_warmup = 0;
    tap_ok(vae_kl_weight(&c, 0) == 1, "kl-warmup=0: weight 1 from the start");

    int64_t *tr, *va, nt, nv;
    sc_err e;
    int rc = vae_split(1000, 0.9, 128, 3, &tr, &nt, &va, &nv, &e);
    uint8_t seen[1000] = {0};
    int cover = rc == 0;
    for (int64_t i = 0; cover && i < nt; i++)
        seen[tr[i]]++;
    for (int64_t i = 0; cover && i < nv; i++)
        seen[va[i]]++;
    for (int i = 0; cover && i < 1000; i++)
        cover = seen[i] == 1;
    tap_ok(rc == 0 && nt == 900 && nv == 100 && cover, "1000 cells: 900 train, 100 validation, disjoint");
    if (rc == 0)
        free(tr), free(va);
    /* ceil(0.9 * 996) = 897 = 7 * 128 + 1: the lone cell moves to validation */
    rc = vae_split(996, 0.9, 128, 3, &tr, &nt, &va, &nv, &e);
    tap_ok(rc == 0 && nt == 896 && nv == 100, "996 cells: 896 train, 100 validation (%lld, %lld)",
           (long long)nt, (long long)nv);
    if (rc == 0)
        free(tr), free(va);
}

int main(void)
{
    const int n = 600, G = 300; /* G > NN_GEMM_NCHUNK: the decoder heads run as tiled GEMMs */
    synth s;
    synth_make(&s, n, G, 7);
    vae_data d = {&s.X, s.batch, NULL};
    /* one thread except where threads are the point: on a busy machine
     * OpenMP's spinning workers cost more than they give (threads.h) */
    sc_set_threads(1);
    test_learns(&s, &d);
    vae_model *t1 = run_twice(&d, G, 1), *t2 = run_twice(&d, G, 2);
    /* GEMMs are cut into tiles fixed by the shapes, reductions have fixed
     * owners: the thread count does not change a bit either */
    tap_ok(same_hist(&t1->hist, &t2->hist) && same_floats(t1->mem, t2->mem, t1->nparams),
           "1 and 2 threads give bit-identical runs");
    vae_free(t1);
    vae_free(t2);
    sc_set_threads(1);
    test_resume(&d, G);
    test_nonfinite(&d, G);
    test_guards(&s, &d);
    test_schedule();
    synth_free(&s);
    return tap_done();
}

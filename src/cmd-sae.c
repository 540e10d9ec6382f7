/* cmd-sae.c: sparse autoencoder commands (sae train/eval/save/load) and
 * `plot density`.  The model is sae*.c; this file chooses the input (the
 * VAE latent or an obsm embedding), runs training with live progress and
 * keeps every cell's activations for inspection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "input.h"
#include "progress.h"
#include "sae_bind.h"
#include "sae_metrics.h"
#include "sae_train.h"
#include "session.h"
#include "textplot.h"
#include "vae_bind.h"

/* The input embedding named by `on` (vae or obsm:KEY): a new n x d array. */
static float *sae_input(session *s, const char *on, int64_t *n, int *d, sc_err *e)
{
    if (!s->data) {
        err_set(e, "no data loaded; use `load FILE` or `simulate` first");
        return NULL;
    }
    if (strcmp(on, "vae") == 0) {
        if (!s->vae || !s->vae->m) {
            err_set(e, "on=vae: no VAE yet; train one with `vae train` (or use on=obsm:KEY)");
            return NULL;
        }
        if (!vbind_current(s->vae, s->data) && vbind_attach(s->vae, s->data, e) < 0)
            return NULL;
        const int32_t *covp[VAE_MAX_CAT];
        vae_data vd = vbind_data(s->vae, covp);
        *n = s->vae->X.nrows;
        *d = s->vae->m->dims.L;
        float *z = sc_calloc(e, (size_t)*n * (size_t)*d, sizeof *z);
        if (z && vae_latent(s->vae->m, &vd, z, e) < 0) {
            free(z);
            return NULL;
        }
        return z;
    }
    if (strncmp(on, "obsm:", 5) != 0) {
        err_set(e, "on=%s: expected vae or obsm:KEY", on);
        return NULL;
    }
    const char *key = on + 5;
    const sc_dataset *ds = s->data;
    for (int i = 0; i < ds->nobsm; i++) {
        const sc_embed *o = &ds->obsm[i];
        if (strcmp(o->key, key) != 0)
            continue;
        size_t cnt = (size_t)o->rows * (size_t)o->cols;
        for (size_t j = 0; j < cnt; j++)
            if (!isfinite(o->data[j])) {
                err_set(e, "obsm '%s' has a non-finite value at cell %zu, column %zu", key,
                        j / (size_t)o->cols, j % (size_t)o->cols);
                return NULL;
            }
        float *x = sc_calloc(e, cnt, sizeof *x);
        if (x)
            memcpy(x, o->data, cnt * sizeof *x);
        *n = o->rows;
        *d = (int)o->cols;
        return x;
    }
    char keys[512] = "";
    for (int i = 0; i < ds->nobsm; i++) {
        size_t u = strlen(keys);
        snprintf(keys + u, sizeof keys - u, "%s%s", i ? ", " : "", ds->obsm[i].key);
    }
    err_set(e, "on=obsm:%s: no such obsm key; obsm keys: %s", key,
            ds->nobsm ? keys : "(none; `vae latent` makes X_vae)");
    return NULL;
}

static int cmd_sae_train(session *s, const cmd_args *a, sc_err *e)
{
    const char *on = arg_str(a, "on");
    if (!on)
        on = s->vae && s->vae->m ? "vae" : NULL;
    if (!on)
        return err_set(e, "no input: train a VAE first (`vae train`) or give on=obsm:KEY");
    sae_arch arch = arg_int(a, "preset") == 1 ? SAE_SEED : (sae_arch)arg_int(a, "arch");
    sae_config c;
    sae_config_init(&c, arch);
    if (arg_has(a, "features"))
        c.features = (int)arg_int(a, "features");
    if (arg_has(a, "expansion"))
        c.expansion = arg_real(a, "expansion");
    if (arg_has(a, "k"))
        c.k = (int)arg_int(a, "k");
    if (arg_has(a, "l1"))
        c.l1 = arg_real(a, "l1");
    if (arg_has(a, "lr"))
        c.lr = arg_real(a, "lr");
    if (arg_has(a, "epochs"))
        c.epochs = (int)arg_int(a, "epochs");
    if (arg_has(a, "batch-size"))
        c.batch_size = (int)arg_int(a, "batch-size");
    if (arg_has(a, "dead-window"))
        c.dead_window = arg_int(a, "dead-window");
    c.seed = arg_has(a, "seed") ? (uint64_t)arg_int(a, "seed") : (uint64_t)s->set.seed;
    int64_t n;
    int d;
    float *X = sae_input(s, on, &n, &d, e);
    if (!X)
        return -1;
    int m_features = c.features ? c.features : (int)lround(c.expansion * d);
    if ((arch == SAE_TOPK || arch == SAE_BATCHTOPK || arch == SAE_MATRYOSHKA) && c.k > m_features) {
        free(X);
        return err_set(e, "k=%d is larger than the %d features", c.k, m_features);
    }
    sae_bind *b = sc_calloc(e, 1, sizeof *b);
    if (!b || sae_config_resolve(&c, d, e) < 0 || sae_create(&b->m, d, &c, e) < 0) {
        free(b);
        free(X);
        return -1;
    }
    snprintf(b->source, sizeof b->source, "%s", on);
    session_info(s, "SAE %s on %s (%lld cells x %d): %d features, %s\n", sae_arch_name(arch), on,
                 (long long)n, d, b->m->m,
                 arch == SAE_RELU_L1 || arch == SAE_SEED ? "L1 penalty" : "top-k");
    mon_reset(&s->mon, "sae");
    progress p;
    progress_begin(&p, s);
    volatile sig_atomic_t *old_stop = s->mon.stop;
    if (!s->mon.stop)
        s->mon.stop = &sc_interrupted;
    sc_interrupted = 0;
    int rc = sae_fit(b->m, X, n, d, &c, &s->mon, s->mon.stop, e);
    s->mon.stop = old_stop;
    progress_end(&p);
    sc_interrupted = 0;
    if (rc == 0)
        rc = sae_encode(b->m, X, n, &b->acts, e);
    free(X);
    if (rc < 0) {
        sae_bind_free(b);
        free(b);
        return -1;
    }
    session_set_sae(s, b);
    const sae_fit_info *fi = &b->m->fit;
    session_info(s,
            "%s after %d epochs: L0 %.2f, FVU %.4f, MSE %.4g, dead %.1f%%, dense %.1f%% "
            "(%.1f s)\n",
            fi->stopped ? "stopped" : fi->early_stopped ? "early-stopped" : "trained",
            fi->epochs_run, fi->l0, fi->fvu, fi->mse, 100 * fi->dead_share, 100 * fi->dense_share,
            fi->seconds);
    return 0;
}

static int need_sae(session *s, sc_err *e)
{
    if (!s->sae || !s->sae->m)
        return err_set(e, "no SAE yet; train one with `sae train` or read one with `sae load`");
    return 0;
}

static int cmd_sae_eval(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    if (need_sae(s, e) < 0)
        return -1;
    sae_bind *b = s->sae;
    int64_t n;
    int d;
    float *X = sae_input(s, b->source, &n, &d, e);
    if (!X)
        return -1;
    if (d != b->m->d) {
        free(X);
        return err_set(e, "the SAE expects %d input dimensions, %s has %d", b->m->d, b->source, d);
    }
    float *Xh = sc_calloc(e, (size_t)n * (size_t)d, sizeof *Xh);
    sae_csr f = {0};
    sae_eval ev;
    int rc = -1;
    if (Xh && sae_encode(b->m, X, n, &f, e) == 0 && sae_decode(b->m, &f, Xh, e) == 0 &&
        sae_eval_init(&ev, d, e) == 0) {
        sae_eval_add(&ev, X, Xh, (int)n, f.indptr[n]);
        double *freq = sc_calloc(e, (size_t)b->m->m, sizeof *freq);
        int64_t dead = 0, dense = 0;
        if (freq) {
            for (int64_t q = 0; q < f.indptr[n]; q++)
                freq[f.indices[q]] += 1.0 / (double)n;
            for (int j = 0; j < b->m->m; j++) {
                dead += freq[j] == 0;
                dense += freq[j] > b->m->cfg.dense_frac;
            }
            fprintf(s->out, "cells        %lld (input %s, %d dimensions)\n", (long long)n,
                    b->source, d);
            fprintf(s->out, "features     %d (%s)\n", b->m->m, sae_arch_name(b->m->cfg.arch));
            fprintf(s->out, "L0           %.3f active features per cell\n", sae_eval_l0(&ev));
            fprintf(s->out, "FVU          %.4f of the input's variance left unexplained\n",
                    sae_eval_fvu(&ev));
            fprintf(s->out, "MSE          %.5g per dimension\n", sae_eval_mse(&ev, 1));
            fprintf(s->out, "dead         %.1f%% (%lld features never fire on these cells)\n",
                    100.0 * (double)dead / b->m->m, (long long)dead);
            fprintf(s->out, "dense        %.1f%% (%lld features fire on more than %.0f%% of cells)\n",
                    100.0 * (double)dense / b->m->m, (long long)dense,
                    100 * b->m->cfg.dense_frac);
            rc = 0;
        }
        free(freq);
        sae_eval_free(&ev);
    }
    sae_csr_free(&f);
    free(Xh);
    free(X);
    return rc;
}

static int cmd_sae_save(session *s, const cmd_args *a, sc_err *e)
{
    if (need_sae(s, e) < 0)
        return -1;
    if (sae_save(s->sae, arg_str(a, "FILE"), e) < 0)
        return -1;
    session_info(s, "saved the SAE to %s\n", arg_str(a, "FILE"));
    return 0;
}

static int cmd_sae_load(session *s, const cmd_args *a, sc_err *e)
{
    sae_bind *b = sc_calloc(e, 1, sizeof *b);
    if (!b || sae_load(b, arg_str(a, "FILE"), e) < 0) {
        free(b);
        return -1;
    }
    /* check the input it was trained on, and encode every cell */
    if (s->data) {
        int64_t n;
        int d;
        float *X = sae_input(s, b->source, &n, &d, e);
        int rc = X ? 0 : -1;
        if (rc == 0 && d != b->m->d)
            rc = err_set(e, "%s was trained on %d-dimensional input, but %s has %d dimensions",
                         arg_str(a, "FILE"), b->m->d, b->source, d);
        if (rc == 0)
            rc = sae_encode(b->m, X, n, &b->acts, e);
        free(X);
        if (rc < 0) {
            sae_bind_free(b);
            free(b);
            return -1;
        }
    }
    session_set_sae(s, b);
    session_info(s, "loaded an SAE: %s, %d -> %d features, input %s\n",
                 sae_arch_name(b->m->cfg.arch), b->m->d, b->m->m, b->source);
    return 0;
}

static const opt_spec train_opts[] = {
    {"on", ARG_WORD, NULL, NULL, 0, 0,
     "Input: vae (the VAE's posterior mean latent; the default when a VAE exists) or "
     "obsm:KEY (any embedding in the data, e.g. obsm:X_pca)."},
    {"arch", ARG_CHOICE, "relu-l1", "relu-l1|topk|batchtopk|matryoshka", 0, 0,
     "Architecture: ReLU with an L1 penalty (Bricken et al. 2023), TopK with AuxK (Gao et al. "
     "2024), BatchTopK (Bussmann et al. 2024), or Matryoshka BatchTopK with nested prefixes."},
    {"preset", ARG_CHOICE, "none", "none|seed", 0, 0,
     "seed: the configuration of the sparseSC study's run (x16 features, L1 0.001 summed over "
     "the minibatch, Adam 1e-3, batch 128, 85/15 split, up to 1000 epochs, patience 50)."},
    {"features", ARG_INT, NULL, NULL, 1, 1 << 24, "Dictionary size (default: expansion x input)."},
    {"expansion", ARG_REAL, "16", NULL, 0.01, 4096, "Features per input dimension."},
    {"k", ARG_INT, NULL, NULL, 1, 1 << 20,
     "Active features per cell for the top-k architectures (default: input/4, 1 to 32)."},
    {"l1", ARG_REAL, NULL, NULL, 0, 1e6,
     "L1 coefficient for relu-l1 (default 1/input dimension) and seed (0.001)."},
    {"lr", ARG_REAL, "0.001", NULL, 1e-12, 10, "Adam learning rate."},
    {"epochs", ARG_INT, NULL, NULL, 1, 1e6, "Epochs (default 50; 1000 for preset=seed)."},
    {"batch-size", ARG_INT, NULL, NULL, 1, 1 << 20, "Cells per minibatch (default 256)."},
    {"dead-window", ARG_INT, "10000", NULL, 1, 1e12,
     "A feature that has not fired on this many training cells counts as dead."},
    {"seed", ARG_INT, NULL, NULL, 0, 4294967295.0, "Seed (default: the seed setting)."},
    {0},
};
static const arg_spec file_arg[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0, "The model file (HDF5)."},
    {0},
};

static const cmd_entry sae_subs[] = {
    {"train", NULL, NULL, train_opts, "train a sparse autoencoder on an embedding",
     "Trains a sparse autoencoder on the VAE's latent (on=vae) or on an obsm embedding, so that "
     "each learned feature can be one biological direction. Inputs are centred by a learned "
     "pre-encoder bias (started at the geometric median) and scaled so that the mean squared "
     "norm equals the input dimension. Decoder directions are kept at unit norm. Every epoch "
     "reports MSE, the fraction of variance unexplained (FVU), L0 (active features per cell) "
     "and the dead and dense shares, live. Ctrl-C stops after the current step and keeps the "
     "model. After training, every cell's activations are kept for `feature`, `features` and "
     "`coverage`.",
     "sae train\nsae train arch=topk k=8 expansion=16\nsae train on=obsm:X_pca arch=batchtopk\n"
     "sae train preset=seed",
     cmd_sae_train, NULL},
    {"eval", NULL, NULL, NULL, "L0, FVU, MSE, dead and dense shares on all cells",
     "Measures the trained SAE on every cell of its input: L0, the fraction of variance "
     "unexplained, the mean squared error, and the shares of dead features (never active) and "
     "dense ones (active on more than 10% of cells).",
     "sae eval", cmd_sae_eval, NULL},
    {"save", NULL, file_arg, NULL, "save the SAE to an HDF5 file",
     "Writes the SAE (architecture, parameters, input scale and source) atomically.",
     "sae save pbmc_sae.h5", cmd_sae_save, NULL},
    {"load", NULL, file_arg, NULL, "read an SAE saved with `sae save`",
     "Reads an SAE file and encodes every cell of its input; refuses an input of another "
     "dimension with a message.",
     "sae load pbmc_sae.h5", cmd_sae_load, NULL},
    {0},
};

const cmd_entry cmd_group_sae[] = {
    {"sae", NULL, NULL, NULL, "the sparse autoencoder",
     "Train, evaluate, save and load sparse autoencoders.", "sae train", NULL, sae_subs},
    {0},
};

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
#include "recovered.h"
#include "sae_input.h"
#include "sae_bind.h"
#include "sae_metrics.h"
#include "sae_train.h"
#include "session.h"
#include "textplot.h"
#include "vae_bind.h"

/* The options shared by `sae train` and `sae sweep` (k and l1 are lists in
 * the sweep, so they are read by the caller). */
static void config_from_args(session *s, const cmd_args *a, sae_config *c)
{
    sae_arch arch = arg_int(a, "preset") == 1 ? SAE_SEED : (sae_arch)arg_int(a, "arch");
    sae_config_init(c, arch);
    if (arg_has(a, "features"))
        c->features = (int)arg_int(a, "features");
    if (arg_has(a, "expansion"))
        c->expansion = arg_real(a, "expansion");
    if (arg_has(a, "lr"))
        c->lr = arg_real(a, "lr");
    if (arg_has(a, "epochs"))
        c->epochs = (int)arg_int(a, "epochs");
    if (arg_has(a, "batch-size"))
        c->batch_size = (int)arg_int(a, "batch-size");
    if (arg_has(a, "dead-window"))
        c->dead_window = arg_int(a, "dead-window");
    c->seed = arg_has(a, "seed") ? (uint64_t)arg_int(a, "seed") : (uint64_t)s->set.seed;
}

static const char *input_of(session *s, const cmd_args *a, sc_err *e)
{
    const char *on = arg_str(a, "on");
    if (!on)
        on = s->vae && s->vae->m ? "vae" : NULL;
    if (!on)
        err_set(e, "no input: train a VAE first (`vae train`) or give on=obsm:KEY");
    return on;
}

/* Train one SAE with configuration c on X (n x d from `on`), with live
 * progress and, for VAE inputs, loss recovered every epoch.  On success *out
 * holds the model, every cell's activations and the final loss recovered. */
static int train_one(session *s, const char *on, sae_config *c, const float *X, int64_t n, int d,
                     sae_bind **out, sc_err *e)
{
    int m_features = c->features ? c->features : (int)lround(c->expansion * d);
    sae_arch arch = c->arch;
    if ((arch == SAE_TOPK || arch == SAE_BATCHTOPK || arch == SAE_MATRYOSHKA) && c->k > m_features)
        return err_set(e, "k=%d is larger than the %d features", c->k, m_features);
    sae_bind *b = sc_calloc(e, 1, sizeof *b);
    if (!b || sae_config_resolve(c, d, e) < 0 || sae_create(&b->m, d, c, e) < 0) {
        free(b);
        return -1;
    }
    snprintf(b->source, sizeof b->source, "%s", on);
    b->recovered.recovered = NAN;
    recover_ctx rc_ctx = {0};
    int have_rec = 0;
    if (sae_input_is_vae(on)) {
        if (recover_init(&rc_ctx, s->vae, on, X, n, d, e) < 0)
            goto fail;
        have_rec = 1;
        b->m->epoch_fn = recover_epoch_fn;
        b->m->epoch_ctx = &rc_ctx;
        b->m->epoch_name = "recovered %";
    }
    mon_reset(&s->mon, "sae");
    progress p;
    progress_begin(&p, s);
    int rc = sae_fit(b->m, X, n, d, c, &s->mon, s->mon.stop, e);
    progress_end(&p);
    b->m->epoch_fn = NULL;
    b->m->epoch_ctx = NULL;
    if (rc < 0)
        goto fail;
    if (have_rec && recover_measure(&rc_ctx, b->m, &b->recovered, e) < 0)
        goto fail;
    if (sae_encode(b->m, X, n, &b->acts, e) < 0)
        goto fail;
    recover_free(&rc_ctx);
    *out = b;
    return 0;
fail:
    if (have_rec)
        recover_free(&rc_ctx);
    sae_bind_free(b);
    free(b);
    return -1;
}

static void print_recovered(session *s, const sae_recovered *r)
{
    if (r->ncells > 0)
        session_info(s, "loss recovered %.1f%% on %lld held-out cells (VAE NLL: clean %.2f, "
                        "through the SAE %.2f, mean-ablated %.2f)\n",
                     100 * r->recovered, (long long)r->ncells, r->clean, r->sae, r->ablated);
}

static int cmd_sae_train(session *s, const cmd_args *a, sc_err *e)
{
    const char *on = input_of(s, a, e);
    if (!on)
        return -1;
    sae_config c;
    config_from_args(s, a, &c);
    if (arg_has(a, "k"))
        c.k = (int)arg_int(a, "k");
    if (arg_has(a, "l1"))
        c.l1 = arg_real(a, "l1");
    if (arg_int(a, "l1-norm") == 1) {
        if (c.arch != SAE_RELU_L1)
            return err_set(e, "l1-norm=decoder applies to arch=relu-l1 only");
        c.l1_decoder = 1;
    }
    if (arg_has(a, "l1-warmup"))
        c.l1_warmup = arg_real(a, "l1-warmup");
    int64_t n;
    int d;
    float *X = sae_input(s, on, &n, &d, e);
    if (!X)
        return -1;
    session_info(s, "SAE %s on %s (%lld cells x %d): %d features, %s\n", sae_arch_name(c.arch), on,
                 (long long)n, d, c.features ? c.features : (int)lround(c.expansion * d),
                 c.arch == SAE_RELU_L1 || c.arch == SAE_SEED ? "L1 penalty" : "top-k");
    sae_bind *b = NULL;
    int rc = train_one(s, on, &c, X, n, d, &b, e);
    free(X);
    if (rc < 0)
        return -1;
    session_set_sae(s, b);
    const sae_fit_info *fi = &b->m->fit;
    session_info(s,
            "%s after %d epochs: L0 %.2f, FVU %.4f, MSE %.4g, dead %.1f%%, dense %.1f%% "
            "(%.1f s)\n",
            fi->stopped ? "stopped" : fi->early_stopped ? "early-stopped" : "trained",
            fi->epochs_run, fi->l0, fi->fvu, fi->mse, 100 * fi->dead_share, 100 * fi->dense_share,
            fi->seconds);
    print_recovered(s, &b->recovered);
    return 0;
}

/* ---- sae sweep ------------------------------------------------------------ */

#define SWEEP_MAX 16

/* A comma-separated list of numbers from option `opt`. */
static int parse_list(const char *txt, const char *opt, int integer, double *v, int *nv, sc_err *e)
{
    *nv = 0;
    const char *p = txt;
    while (*p) {
        if (*nv == SWEEP_MAX)
            return err_set(e, "%s=%s: at most %d values", opt, txt, SWEEP_MAX);
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !isfinite(x) || x < 0 ||
            (integer && (x < 1 || x != floor(x) || x > 1 << 20)))
            return err_set(e, "%s=%s: expected a comma-separated list of %s", opt, txt,
                           integer ? "positive integers" : "non-negative numbers");
        v[(*nv)++] = x;
        p = *end ? end + 1 : end;
    }
    if (*nv == 0)
        return err_set(e, "%s=: expected at least one value", opt);
    return 0;
}

static int cmd_sae_sweep(session *s, const cmd_args *a, sc_err *e)
{
    const char *on = input_of(s, a, e);
    if (!on)
        return -1;
    sae_config base;
    config_from_args(s, a, &base);
    int topk = base.arch == SAE_TOPK || base.arch == SAE_BATCHTOPK || base.arch == SAE_MATRYOSHKA;
    const char *key = topk ? "k" : "l1";
    if (arg_has(a, topk ? "l1" : "k"))
        return err_set(e, "sae sweep arch=%s varies %s=, not %s=", sae_arch_name(base.arch), key,
                       topk ? "l1" : "k");
    int64_t n;
    int d;
    double v[SWEEP_MAX];
    int nv = 0;
    if (arg_has(a, key) && parse_list(arg_str(a, key), key, topk, v, &nv, e) < 0)
        return -1;
    float *X = sae_input(s, on, &n, &d, e);
    if (!X)
        return -1;
    if (nv == 0) { /* the usual spread around each family's default */
        static const double ks[] = {4, 8, 16, 32}, l1s[] = {0.25, 0.5, 1, 2, 4};
        const double *src = topk ? ks : l1s;
        nv = topk ? 4 : 5;
        for (int i = 0; i < nv; i++)
            v[i] = topk ? src[i] : src[i] * (base.arch == SAE_SEED ? 0.001 : 1.0 / d);
    }
    double l0[SWEEP_MAX], fvu[SWEEP_MAX], dead[SWEEP_MAX], dense[SWEEP_MAX], rec[SWEEP_MAX];
    int done = 0, rc = 0;
    for (int i = 0; i < nv && rc == 0; i++) {
        sae_config c = base;
        if (topk)
            c.k = (int)v[i];
        else
            c.l1 = v[i];
        session_info(s, "sweep %d/%d: %s=%g\n", i + 1, nv, key, v[i]);
        sae_bind *b = NULL;
        rc = train_one(s, on, &c, X, n, d, &b, e);
        if (rc < 0)
            break;
        /* measured on every cell, as `sae eval` does */
        sae_measure ms;
        if (sae_measure_all(b->m, X, n, &b->acts, &ms, e) < 0) {
            rc = -1;
        } else {
            l0[i] = ms.l0;
            fvu[i] = ms.fvu;
            dead[i] = (double)ms.dead / b->m->m;
            dense[i] = (double)ms.dense / b->m->m;
            rec[i] = b->recovered.recovered;
            done++;
        }
        int stopped = b->m->fit.stopped;
        sae_bind_free(b);
        free(b);
        if (stopped)
            break;
    }
    free(X);
    if (done == 0)
        return rc < 0 ? -1 : err_set(e, "the sweep stopped before its first model finished");
    fprintf(s->out, "%-10s %8s %8s %7s %7s %10s\n", key, "L0", "FVU", "dead", "dense",
            "recovered");
    for (int i = 0; i < done; i++) {
        char rbuf[16] = "-";
        if (isfinite(rec[i]))
            snprintf(rbuf, sizeof rbuf, "%.1f%%", 100 * rec[i]);
        fprintf(s->out, "%-10g %8.3f %8.4f %6.1f%% %6.1f%% %10s\n", v[i], l0[i], fvu[i],
                100 * dead[i], 100 * dense[i], rbuf);
    }
    tp_grid *g = tp_grid_new((int)arg_int(a, "width"), (int)arg_int(a, "height"),
                             tp_charset_from_locale(), e);
    if (!g)
        return -1;
    tp_series ser = {"SAEs of the sweep", l0, fvu, done};
    tp_line_opts o = {"L0 / FVU frontier (lower left is better)", "L0", "FVU", 0};
    int prc = tp_line_plot(g, &ser, 1, &o, e);
    if (prc == 0)
        tp_print(g, s->out, 0);
    tp_grid_free(g);
    if (rc < 0)
        return -1; /* the table shows the models that finished */
    if (done < nv)
        session_info(s, "sweep stopped after %d of %d models\n", done, nv);
    return prc;
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
    sae_csr f = {0};
    sae_measure ms;
    int rc = sae_encode(b->m, X, n, &f, e);
    if (rc == 0)
        rc = sae_measure_all(b->m, X, n, &f, &ms, e);
    sae_csr_free(&f);
    if (rc == 0) {
        fprintf(s->out, "cells        %lld (input %s, %d dimensions)\n", (long long)n, b->source,
                d);
        fprintf(s->out, "features     %d (%s)\n", b->m->m, sae_arch_name(b->m->cfg.arch));
        fprintf(s->out, "L0           %.3f active features per cell\n", ms.l0);
        fprintf(s->out, "FVU          %.4f of the input's variance left unexplained\n", ms.fvu);
        fprintf(s->out, "MSE          %.5g per dimension\n", ms.mse);
        fprintf(s->out, "dead         %.1f%% (%lld features never fire on these cells)\n",
                100.0 * (double)ms.dead / b->m->m, (long long)ms.dead);
        fprintf(s->out, "dense        %.1f%% (%lld features fire on more than %.0f%% of cells)\n",
                100.0 * (double)ms.dense / b->m->m, (long long)ms.dense,
                100 * b->m->cfg.dense_frac);
    }
    if (rc == 0 && sae_input_is_vae(b->source) && s->vae && s->vae->m) {
        recover_ctx rcx;
        sae_recovered r;
        rc = recover_init(&rcx, s->vae, b->source, X, n, d, e);
        if (rc == 0) {
            rc = recover_measure(&rcx, b->m, &r, e);
            recover_free(&rcx);
        }
        if (rc == 0) {
            b->recovered = r;
            fprintf(s->out, "recovered    %.1f%% of the VAE's reconstruction (NLL clean %.2f, "
                            "through the SAE %.2f, mean-ablated %.2f; %lld cells)\n",
                    100 * r.recovered, r.clean, r.sae, r.ablated, (long long)r.ncells);
        }
    }
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

/* Options `sae train` and `sae sweep` share (one definition for both). */
#define SAE_COMMON_OPTS                                                                          \
    {"on", ARG_WORD, NULL, NULL, 0, 0,                                                           \
     "Input: vae (the VAE's posterior mean latent; the default when a VAE exists), "            \
     "vae-hidden (the VAE encoder's last hidden layer) or obsm:KEY (any embedding in the "      \
     "data, e.g. obsm:X_pca)."},                                                                 \
    {"arch", ARG_CHOICE, "relu-l1", "relu-l1|topk|batchtopk|matryoshka", 0, 0,                  \
     "Architecture: ReLU with an L1 penalty (Bricken et al. 2023), TopK with AuxK (Gao et al. " \
     "2024), BatchTopK (Bussmann et al. 2024), or Matryoshka BatchTopK with nested prefixes."}, \
    {"preset", ARG_CHOICE, "none", "none|seed", 0, 0,                                            \
     "seed: the configuration of the sparseSC study's run (x16 features, L1 0.001 summed "     \
     "over the minibatch, Adam 1e-3, batch 128, 85/15 split, up to 1000 epochs, patience 50)."},\
    {"features", ARG_INT, NULL, NULL, 1, 1 << 24, "Dictionary size (default: expansion x input)."}, \
    {"expansion", ARG_REAL, "16", NULL, 0.01, 4096, "Features per input dimension."},            \
    {"lr", ARG_REAL, "0.001", NULL, 1e-12, 10, "Adam learning rate."},                           \
    {"epochs", ARG_INT, NULL, NULL, 1, 1e6, "Epochs (default 50; 1000 for preset=seed)."},       \
    {"batch-size", ARG_INT, NULL, NULL, 1, 1 << 20, "Cells per minibatch (default 256)."},       \
    {"dead-window", ARG_INT, "10000", NULL, 1, 1e12,                                             \
     "A feature that has not fired on this many training cells counts as dead."},               \
    {"seed", ARG_INT, NULL, NULL, 0, 4294967295.0, "Seed (default: the seed setting)."}

static const opt_spec train_opts[] = {
    SAE_COMMON_OPTS,
    {"k", ARG_INT, NULL, NULL, 1, 1 << 20,
     "Active features per cell for the top-k architectures (default: input/4, 1 to 32)."},
    {"l1", ARG_REAL, NULL, NULL, 0, 1e6,
     "L1 coefficient for relu-l1 (default 1/input dimension) and seed (0.001)."},
    {"l1-norm", ARG_CHOICE, "sum", "sum|decoder", 0, 0,
     "relu-l1 only: sum (the L1 of the activations, unit-norm decoder rows) or decoder (each "
     "activation weighted by its decoder row's norm, free decoder norms, lambda warmed up over "
     "the first 5% of steps: Anthropic's April 2024 update)."},
    {"l1-warmup", ARG_REAL, NULL, NULL, 0, 1,
     "Share of the steps over which lambda rises from 0 (default 0; 0.05 with l1-norm=decoder)."},
    {0},
};
static const opt_spec sweep_opts[] = {
    SAE_COMMON_OPTS,
    {"k", ARG_LIST, NULL, NULL, 0, 0,
     "Values of k to try with the top-k architectures (default 4,8,16,32)."},
    {"l1", ARG_LIST, NULL, NULL, 0, 0,
     "L1 coefficients to try with relu-l1 and seed (default 0.25 to 4 times the default)."},
    {"width", ARG_INT, "72", NULL, 20, 400, "Plot width in characters."},
    {"height", ARG_INT, "14", NULL, 6, 200, "Plot height in characters."},
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
     "and the dead and dense shares, live, and for VAE inputs the loss recovered: the VAE's "
     "reconstruction NLL on up to 4096 of its held-out cells when its latent (or hidden layer) "
     "is replaced by the SAE reconstruction, as a share between the clean latent (100%) and "
     "the mean latent (0%). Ctrl-C stops after the current step and keeps the "
     "model. After training, every cell's activations are kept for `feature`, `features` and "
     "`coverage`.",
     "sae train\nsae train arch=topk k=8 expansion=16\nsae train on=obsm:X_pca arch=batchtopk\n"
     "sae train preset=seed",
     cmd_sae_train, NULL},
    {"sweep", NULL, NULL, sweep_opts, "train several SAEs and show the L0 / FVU frontier",
     "Trains one SAE per value of k (top-k architectures) or l1 (relu-l1, seed), with the "
     "other options as `sae train` takes them, and prints a table of L0, FVU, dead and dense "
     "shares and loss recovered (VAE inputs) on all cells, then a text plot of FVU against L0: "
     "the frontier used to choose an SAE. The session's SAE is left as it was; train the "
     "chosen one with `sae train`. Ctrl-C ends the sweep after the current model's step and "
     "shows the models that finished.",
     "sae sweep arch=topk k=4,8,16,32\nsae sweep l1=0.01,0.03,0.1 epochs=20",
     cmd_sae_sweep, NULL},
    {"eval", NULL, NULL, NULL, "L0, FVU, MSE, dead and dense shares on all cells",
     "Measures the trained SAE on every cell of its input: L0, the fraction of variance "
     "unexplained, the mean squared error, and the shares of dead features (never active) and "
     "dense ones (active on more than 10% of cells); for VAE inputs also the loss recovered "
     "(see `sae train`).",
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

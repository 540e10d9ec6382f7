/* cmd-vae.c: the VAE commands (vae train/latent/eval/metrics/save/load).
 * The model code is vae*.c; this file binds it to the
 * session: which genes and categories, progress, Ctrl-C, obsm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "input.h"
#include "integ.h"
#include "progress.h"
#include "session.h"
#include "vae_bind.h"
#include "vae_train.h"

static int need_data(session *s, sc_err *e)
{
    if (!s->data)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    return 0;
}

static int need_vae(session *s, sc_err *e)
{
    if (!s->vae || !s->vae->m)
        return err_set(e, "no VAE yet; train one with `vae train` or read one with `vae load FILE`");
    return 0;
}

/* Bind the session's VAE to the loaded data (by gene and category names). */
static int attach(session *s, sc_err *e)
{
    if (need_data(s, e) < 0 || need_vae(s, e) < 0)
        return -1;
    if (vbind_current(s->vae, s->data))
        return 0;
    return vbind_attach(s->vae, s->data, e);
}

/* Options that define a new model; giving one starts a new model. */
static const char *const arch_opts[] = {"latent", "hidden", "layers", "likelihood", "batch",
                                        "covariates", "lr", "batch-size", "kl-warmup",
                                        "dropout", "seed", NULL};

static int config_from(const session *s, const cmd_args *a, vae_config *c, sc_err *e)
{
    vae_config_init(c);
    c->n_latent = (int)arg_int(a, "latent");
    c->n_hidden = (int)arg_int(a, "hidden");
    c->n_layers = (int)arg_int(a, "layers");
    c->likelihood = (lik_kind)arg_int(a, "likelihood"); /* choices in lik_kind order */
    c->adam.lr = arg_real(a, "lr");
    c->batch_size = (int)arg_int(a, "batch-size");
    c->kl_warmup = (int)arg_int(a, "kl-warmup");
    c->dropout = arg_real(a, "dropout");
    c->seed = arg_has(a, "seed") ? (uint64_t)arg_int(a, "seed") : (uint64_t)s->set.seed;
    c->epochs = arg_has(a, "epochs") ? (int)arg_int(a, "epochs") : 0;
    return vae_config_check(c, e);
}

static int train_new(session *s, const cmd_args *a, sc_err *e)
{
    vae_config c;
    if (config_from(s, a, &c, e) < 0)
        return -1;
    vae_bind *b = sc_calloc(e, 1, sizeof *b);
    if (!b)
        return -1;
    if (vbind_init(b, s->data, arg_str(a, "batch"), arg_str(a, "covariates"), e) < 0) {
        free(b);
        return -1;
    }
    int cov_sizes[VAE_MAX_CAT];
    for (int i = 0; i < b->ncov; i++)
        cov_sizes[i] = b->cov[i].n;
    if (vae_create(&b->m, &c, b->ngenes, b->has_batch ? b->batch.n : 0, b->ncov, cov_sizes, e) <
        0) {
        vbind_free(b);
        free(b);
        return -1;
    }
    session_set_vae(s, b);
    mon_reset(&s->mon, "vae");
    char covs[256] = "";
    for (int i = 0; i < b->ncov; i++) {
        size_t u = strlen(covs);
        snprintf(covs + u, sizeof covs - u, "%s%s", i ? "," : "", b->cov[i].col);
    }
    session_info(s,
                 "VAE: %lld genes%s, latent %d, hidden %d x %d, %s; batch %s%s%s%s; %lld cells\n",
                 (long long)b->ngenes,
                 frame_find(&s->data->var, "highly_variable") >= 0 ? " (highly variable)" : "",
                 c.n_latent, c.n_layers, c.n_hidden, lik_name(c.likelihood),
                 b->has_batch ? b->batch.col : "none", b->ncov ? ", covariates " : "", covs, "",
                 (long long)s->data->X.nrows);
    return 0;
}

static int cmd_vae_train(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e) < 0)
        return -1;
    int fresh = !s->vae || !s->vae->m || arg_int(a, "new");
    for (const char *const *o = arch_opts; *o; o++)
        if (arg_has(a, *o)) {
            if (s->vae && s->vae->m && !fresh)
                session_info(s, "(%s= given: starting a new model)\n", *o);
            fresh = 1;
        }
    if (!fresh && !vbind_current(s->vae, s->data)) {
        session_info(s, "(the data changed since this VAE was trained: starting a new model)\n");
        fresh = 1;
    }
    if (fresh) {
        if (train_new(s, a, e) < 0)
            return -1;
    } else if (attach(s, e) < 0) {
        return -1;
    }
    vae_bind *b = s->vae;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(b, covp);
    int epochs = arg_has(a, "epochs") ? (int)arg_int(a, "epochs") : 0;
    if (!fresh && b->m->run && epochs && epochs <= b->m->run->epoch)
        return err_set(e, "the model has already trained %d epochs; give epochs= more than that",
                       b->m->run->epoch);
    progress p;
    progress_begin(&p, s);
    snprintf(s->mon.model, sizeof s->mon.model, "vae");
    int rc = vae_fit(b->m, &vd, epochs, &s->mon, e);
    session_drop_insp(s); /* the latent changed */
    progress_end(&p);
    int stopped = b->m->run && b->m->run->stopped;
    if (rc < 0)
        return -1;
    const vae_hist *h = &b->m->hist;
    if (stopped)
        fprintf(s->out, "stopped after epoch %d, step %lld; the model keeps its last step; "
                        "`vae train` continues\n",
                b->m->run->epoch, (long long)b->m->run->step);
    else if (h->n > 0)
        session_info(s, "trained %d epochs: train loss %.4g, validation loss %.4g (%.1f s)\n",
                     b->m->run ? b->m->run->epoch : h->n, h->train_loss[h->n - 1],
                     h->val_loss[h->n - 1], s->mon.elapsed_s);
    return 0;
}

static int cmd_vae_latent(session *s, const cmd_args *a, sc_err *e)
{
    if (attach(s, e) < 0)
        return -1;
    vae_bind *b = s->vae;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(b, covp);
    int L = b->m->dims.L;
    int64_t n = b->X.nrows;
    float *z = sc_calloc(e, (size_t)n * (size_t)L, sizeof *z);
    if (!z || vae_latent(b->m, &vd, z, e) < 0) {
        free(z);
        return -1;
    }
    const char *key = arg_str(a, "key");
    sc_dataset *d = s->data;
    int at = -1;
    for (int i = 0; i < d->nobsm; i++)
        if (strcmp(d->obsm[i].key, key) == 0)
            at = i;
    if (at < 0) {
        sc_embed *o = realloc(d->obsm, (size_t)(d->nobsm + 1) * sizeof *o);
        char *k = sc_strdup(e, key);
        if (!o || !k) {
            if (o)
                d->obsm = o;
            free(k);
            free(z);
            return err_set(e, "out of memory");
        }
        d->obsm = o;
        at = d->nobsm++;
        d->obsm[at].key = k;
    } else {
        free(d->obsm[at].data);
    }
    d->obsm[at].rows = n;
    d->obsm[at].cols = L;
    d->obsm[at].data = z;
    session_info(s, "obsm['%s']: posterior means, %lld cells x %d\n", key, (long long)n, L);
    return 0;
}

static int cmd_vae_eval(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    if (attach(s, e) < 0)
        return -1;
    vae_bind *b = s->vae;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(b, covp);
    vae_metrics m;
    if (vae_eval(b->m, &vd, NULL, 0, &m, e) < 0)
        return -1;
    fprintf(s->out, "%s cells: %lld\n", b->m->run ? "validation" : "all", (long long)m.n);
    fprintf(s->out, "reconstruction NLL  %.4f per cell (summed over %lld genes)\n", m.nll,
            (long long)b->ngenes);
    fprintf(s->out, "KL                  %.4f per cell\n", m.kl);
    fprintf(s->out, "ELBO (NLL + KL)     %.4f per cell (lower is better)\n", m.elbo);
    return 0;
}

static int cmd_vae_save(session *s, const cmd_args *a, sc_err *e)
{
    if (need_vae(s, e) < 0)
        return -1;
    const char *path = arg_str(a, "FILE");
    if (vae_save(s->vae, path, e) < 0)
        return -1;
    session_info(s, "saved the VAE to %s\n", path);
    return 0;
}

static int cmd_vae_load(session *s, const cmd_args *a, sc_err *e)
{
    vae_bind *b = sc_calloc(e, 1, sizeof *b);
    if (!b || vae_load(b, arg_str(a, "FILE"), e) < 0) {
        free(b);
        return -1;
    }
    if (s->data && vbind_attach(b, s->data, e) < 0) {
        err_prefix(e, "%s does not fit the loaded data", arg_str(a, "FILE"));
        vbind_free(b);
        free(b);
        return -1;
    }
    session_set_vae(s, b);
    /* the loaded history becomes the monitor's, so `plot loss` shows it */
    mon_reset(&s->mon, "vae");
    const vae_hist *h = &b->m->hist;
    const double *cols[] = {h->train_loss, h->val_loss};
    const char *names[] = {"train loss", "val loss"};
    for (int k = 0; k < 2; k++) {
        int idx = mon_series_get(&s->mon, names[k], 0, e);
        for (int i = 0; idx >= 0 && i < h->n; i++)
            mon_push(&s->mon, idx, cols[k][i], e);
    }
    s->mon.epoch = h->n;
    session_info(s, "loaded a VAE: %lld genes, latent %d, %s, %d epochs trained%s\n",
                 (long long)b->ngenes, b->m->dims.L, lik_name(b->m->cfg.likelihood), h->n,
                 s->data ? "" : " (load data to use it)");
    return 0;
}

/* ---- vae metrics ------------------------------------------------------ */

/* Codes of obs column `name` (missing values -1), with a message naming the
 * option and the columns there are when it does not exist. */
static int obs_codes(const sc_dataset *d, const char *opt, const char *name, int32_t **codes,
                     int *ncodes, sc_err *e)
{
    int ci = frame_find(&d->obs, name);
    if (ci < 0) {
        char names[512];
        frame_names(&d->obs, names, sizeof names);
        return err_set(e, "%s=%s: no such obs column (there are: %s)", opt, name, names);
    }
    if (integ_codes(&d->obs.cols[ci], d->obs.n, codes, ncodes, e) < 0) {
        err_prefix(e, "%s=%s", opt, name);
        return -1;
    }
    return 0;
}

/* The embedding to score: obsm[key] when key= is given; else the current
 * VAE's posterior means (computed now, so they match the model); else an
 * existing obsm X_vae.  *owned is set when *z must be freed. */
static int metrics_embedding(session *s, const cmd_args *a, const float **z, int *dim,
                             float **owned, const char **what, sc_err *e)
{
    const sc_dataset *d = s->data;
    *owned = NULL;
    const char *key = arg_has(a, "key") ? arg_str(a, "key") : NULL;
    if (!key && s->vae && s->vae->m) {
        if (attach(s, e) < 0)
            return -1;
        const int32_t *covp[VAE_MAX_CAT];
        vae_data vd = vbind_data(s->vae, covp);
        int L = s->vae->m->dims.L;
        float *buf = sc_calloc(e, (size_t)d->X.nrows * (size_t)L, sizeof *buf);
        if (!buf || vae_latent(s->vae->m, &vd, buf, e) < 0) {
            free(buf);
            return -1;
        }
        *z = *owned = buf;
        *dim = L;
        *what = "the VAE's posterior means";
        return 0;
    }
    const char *want = key ? key : "X_vae";
    for (int i = 0; i < d->nobsm; i++)
        if (strcmp(d->obsm[i].key, want) == 0) {
            if (d->obsm[i].rows != d->X.nrows)
                return err_set(e, "obsm['%s'] has %lld rows; the data has %lld cells", want,
                               (long long)d->obsm[i].rows, (long long)d->X.nrows);
            *z = d->obsm[i].data;
            *dim = (int)d->obsm[i].cols;
            *what = d->obsm[i].key;
            return 0;
        }
    if (key)
        return err_set(e, "key=%s: no such obsm embedding", key);
    return err_set(e, "no VAE and no obsm['X_vae']; train one with `vae train` or name an "
                      "embedding with key=");
}

static int cmd_vae_metrics(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e) < 0)
        return -1;
    const sc_dataset *d = s->data;
    const char *bcol = arg_str(a, "batch");
    if (!bcol && s->vae && s->vae->m && s->vae->has_batch)
        bcol = s->vae->batch.col;
    if (!bcol)
        bcol = d->batch_key;
    const char *lcol = arg_str(a, "label");
    if (!lcol)
        return err_set(e, "give the cell-type column: label=COL");
    int k = (int)arg_int(a, "k");
    const float *z = NULL;
    float *owned = NULL, *sub = NULL;
    int dim = 0, nb = 1, nl = 0, rc = -1;
    const char *what = "";
    int32_t *bc = NULL, *lc = NULL;
    if (metrics_embedding(s, a, &z, &dim, &owned, &what, e) < 0)
        return -1;
    if ((bcol && obs_codes(d, "batch", bcol, &bc, &nb, e) < 0) ||
        obs_codes(d, "label", lcol, &lc, &nl, e) < 0)
        goto out;
    /* cells without a batch or a cell type are left out */
    int64_t n = d->X.nrows, m = 0;
    sub = sc_calloc(e, (size_t)n * (size_t)dim, sizeof *sub);
    if (!sub)
        goto out;
    for (int64_t i = 0; i < n; i++) {
        if (lc[i] < 0 || (bc && bc[i] < 0))
            continue;
        memcpy(sub + m * dim, z + i * dim, (size_t)dim * sizeof *sub);
        lc[m] = lc[i];
        if (bc)
            bc[m] = bc[i];
        m++;
    }
    if (!bc) {
        bc = sc_calloc(e, m > 0 ? (size_t)m : 1, sizeof *bc); /* one batch */
        if (!bc)
            goto out;
    }
    integ_scores r;
    if (integ_score(sub, m, dim, bc, nb, lc, nl, k, &r, e) < 0)
        goto out;
    fprintf(s->out, "%lld cells, %d dimensions (%s), %d nearest neighbours", (long long)m, dim,
            what, k);
    if (m < n)
        fprintf(s->out, "; %lld cells without a %s value left out", (long long)(n - m),
                bcol ? "batch or cell-type" : "cell-type");
    fprintf(s->out, "\n");
    if (!bcol || r.nbatch < 2) {
        fprintf(s->out, "batch mixing: not measured (%s)\n",
                bcol ? "the cells have one batch" : "no batch column; give batch=COL");
    } else {
        fprintf(s->out,
                "iLISI          %.3f  batch mixing: 1 = neighbours drawn evenly from all %d "
                "batches of '%s', 0 = from the cell's own batch (median LISI %.2f of %d)\n",
                r.ilisi, r.nbatch, bcol, r.ilisi_median, r.nbatch);
        if (r.batch_asw_types > 0)
            fprintf(s->out,
                    "batch ASW      %.3f  batch mixing within cell types: 1 = batches overlap, "
                    "0 = apart (scib's silhouette_batch, %d types)\n",
                    r.batch_asw, r.batch_asw_types);
        else
            fprintf(s->out, "batch ASW      -      no cell type has cells of 2 batches\n");
    }
    if (r.nlabel < 2)
        fprintf(s->out, "cell-type ASW  -      the cells have one type in '%s'\n", lcol);
    else
        fprintf(s->out,
                "cell-type ASW  %.3f  bio conservation: 1 = compact, separate cell types of "
                "'%s', 0.5 = overlapping\n",
                r.label_asw, lcol);
    fprintf(s->out,
            "kNN purity     %.3f  bio conservation: share of each cell's %d neighbours with its "
            "own cell type\n",
            r.purity, k);
    rc = 0;
out:
    free(owned);
    free(sub);
    free(bc);
    free(lc);
    return rc;
}

static const opt_spec train_opts[] = {
    {"epochs", ARG_INT, NULL, NULL, 1, 1e6,
     "Epochs to train in total (default: scvi-tools' min(round(20000/cells*400), 400)). With a "
     "model that was stopped or trained before, training continues up to this many."},
    {"latent", ARG_INT, "10", NULL, 1, 4096, "Latent dimensions."},
    {"hidden", ARG_INT, "128", NULL, 1, 65536, "Units of each hidden layer."},
    {"layers", ARG_INT, "1", NULL, 1, 16, "Hidden layers of the encoder and of the decoder."},
    {"likelihood", ARG_CHOICE, "zinb", "zinb|nb|poisson", 0, 0,
     "Count likelihood: zero-inflated negative binomial (scvi-tools' default), negative "
     "binomial, or Poisson."},
    {"batch", ARG_OBS, NULL, NULL, 0, 0,
     "Categorical obs column of the batch (default: the data's batch column, if any); its "
     "one-hot enters every decoder layer, so the latent is corrected for it."},
    {"covariates", ARG_LIST, NULL, NULL, 0, 0,
     "More categorical obs columns injected like the batch (scvi-tools' "
     "categorical_covariate_keys)."},
    {"lr", ARG_REAL, "0.001", NULL, 1e-12, 10, "Adam learning rate."},
    {"batch-size", ARG_INT, "128", NULL, 2, 65536, "Cells per minibatch."},
    {"kl-warmup", ARG_INT, "400", NULL, 0, 1e6,
     "Epochs over which the KL weight rises linearly from 0 to 1 (0: full weight at once)."},
    {"dropout", ARG_REAL, "0.1", NULL, 0, 0.99, "Dropout rate of the encoder's hidden layers."},
    {"seed", ARG_INT, NULL, NULL, 0, 4294967295.0,
     "Seed of initialisation, split, shuffling and sampling (default: the seed setting)."},
    {"new", ARG_BOOL, "off", NULL, 0, 0,
     "Start a new model even when one exists and no architecture option is given."},
    {0},
};
static const opt_spec latent_opts[] = {
    {"key", ARG_WORD, "X_vae", NULL, 0, 0, "The obsm key to store the latent under."},
    {0},
};
static const opt_spec metrics_opts[] = {
    {"batch", ARG_OBS, NULL, NULL, 0, 0,
     "Categorical obs column of the batch (default: the VAE's batch, else the data's batch "
     "column; none: only the cell-type scores)."},
    {"label", ARG_OBS, NULL, NULL, 0, 0, "Categorical obs column of the cell types (required)."},
    {"k", ARG_INT, "15", NULL, 3, 1000, "Nearest neighbours of each cell."},
    {"key", ARG_OBSM, NULL, NULL, 0, 0,
     "Score this obsm embedding instead of the current VAE's latent (default without a VAE: "
     "X_vae)."},
    {0},
};
static const arg_spec file_arg[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0, "The model file (HDF5)."},
    {0},
};
static const cmd_entry vae_subs[] = {
    {"train", NULL, NULL, train_opts, "train the scVI-equivalent VAE on the counts",
     "Trains a variational autoencoder equivalent to scvi-tools' SCVI with its defaults: "
     "encoder on log1p counts, one hidden layer of 128 with BatchNorm and dropout, a 10-d "
     "normal latent, a decoder giving softmax gene proportions times the observed library "
     "size, a zero-inflated negative binomial likelihood with per-gene dispersion, the batch "
     "one-hot injected into the decoder, KL warm-up over 400 epochs, Adam (lr 1e-3, eps 0.01, "
     "weight decay 1e-6), minibatches of 128 and a 90/10 train/validation split. It trains on "
     "the highly variable genes when `hvg` ran, else on all genes.\n\n"
     "Progress shows live: on a terminal a progress bar and the loss curves redrawn in place, "
     "otherwise one line per epoch. Ctrl-C stops after the current step and keeps the model; "
     "`vae train` again continues where it stopped, optimiser state included. A loss that "
     "turns NaN stops training, names the epoch and step and keeps the last good parameters. "
     "Giving any architecture option (latent=, hidden=, ...) starts a new model.\n\n"
     "Deviations from scvi-tools: the library size multiplies the proportions directly (not "
     "exp of its log); sparsesc's own random numbers; a validation pass after every epoch; "
     "gene-batch dispersion, continuous covariates and the normal likelihood are not "
     "implemented.",
     "vae train\nvae train epochs=50 latent=10\n"
     "vae train latent=128 batch=study covariates=cell_type,disease",
     cmd_vae_train, NULL},
    {"latent", NULL, NULL, latent_opts, "store the posterior mean latent in obsm",
     "Computes the posterior mean of every cell (evaluation mode: running BatchNorm "
     "statistics, no dropout) and stores it as an obsm embedding, for `sae train on=obsm:KEY` "
     "and export.",
     "vae latent\nvae latent key=X_scvi_like", cmd_vae_latent, NULL},
    {"eval", NULL, NULL, NULL, "held-out reconstruction NLL, KL and ELBO",
     "Evaluates the model on the validation cells of its training run (all cells for a "
     "loaded model): the reconstruction negative log-likelihood summed over genes, the KL "
     "divergence of the posterior from the prior, and their sum (the negative ELBO), each "
     "averaged over cells.",
     "vae eval", cmd_vae_eval, NULL},
    {"metrics", NULL, NULL, metrics_opts, "batch mixing and cell-type separation of the latent",
     "Scores the latent (the current VAE's posterior means, or the obsm embedding named by "
     "key=) the way scib does (Luecken et al. 2022), each from 0 (worst) to 1 (best):\n\n"
     "iLISI: per cell, the inverse Simpson index of the batches among its k nearest "
     "neighbours (Euclidean, the cell itself excluded), weighted by a Gaussian kernel of "
     "perplexity floor(k/3) (Korsunsky et al. 2019); the median over cells m gives (m - 1) / "
     "(batches - 1).\n\n"
     "batch ASW: scib's silhouette_batch: per cell type with cells of 2 or more batches, the "
     "mean over its cells of 1 - |silhouette| with the batches as clusters; then the mean over "
     "those types.\n\n"
     "cell-type ASW: (mean silhouette with the cell types as clusters + 1) / 2.\n\n"
     "kNN purity: the mean share of each cell's k neighbours that have its cell type.\n\n"
     "Distances and neighbours are exact (all pairs, one pass): about a second for 10,000 "
     "cells and half a minute for 50,000 on 2 threads. Cells without a batch or cell type are "
     "left out.",
     "vae metrics label=cell_type\nvae metrics batch=tech label=cell_type k=30\n"
     "vae metrics label=cell_type key=X_pca",
     cmd_vae_metrics, NULL},
    {"save", NULL, file_arg, NULL, "save the VAE to an HDF5 file",
     "Writes the model (architecture, parameters, optimiser state, BatchNorm statistics, "
     "training history) with its gene list and batch and covariate categories, atomically: a "
     "failed save leaves any existing file untouched.",
     "vae save pbmc_vae.h5", cmd_vae_save, NULL},
    {"load", NULL, file_arg, NULL, "read a VAE saved with `vae save`",
     "Reads a model file. When data is loaded, the model is matched to it by gene names and "
     "category names, and refused with a message naming what is missing when it does not "
     "fit; the previous model then stays.",
     "vae load pbmc_vae.h5", cmd_vae_load, NULL},
    {0},
};

const cmd_entry cmd_group_vae[] = {
    {"vae", NULL, NULL, NULL, "the variational autoencoder",
     "Train, evaluate, save and load the scVI-equivalent VAE.", "vae train", NULL, vae_subs},
    {0},
};

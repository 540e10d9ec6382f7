/* vae.c: the scVI-equivalent model: defaults, sizes, creation, latent and
 * held-out evaluation.  The forward / backward pass is vae_kern_impl.h;
 * training (split, epochs, warm-up, steps) is vae_train.c.
 *
 * Checked against scverse/scvi-tools (main, August 2026): module/_vae.py,
 * nn/_base_components.py, train/_trainingplans.py, model/_scvi.py,
 * model/base/_training_mixin.py, model/_utils.py, dataloaders/
 * _data_splitting.py, distributions/_negative_binomial.py.
 *
 * Same as scvi-tools' SCVI defaults:
 * - encoder input log1p(counts) (log_variational=True); n_layers=1 hidden
 *   layer of n_hidden=128: Linear -> BatchNorm1d(momentum=0.01, eps=1e-3) ->
 *   ReLU -> Dropout(0.1); mean head Linear, variance head exp(Linear) + 1e-4
 *   (var_eps); n_latent=10; z = qm + sqrt(qv) eps in training.
 * - covariates (batch one-hot, then categorical_covariate_keys one-hots;
 *   a covariate with one category gets no column) enter the decoder, not the
 *   encoder (encode_covariates=False).  With deeply_inject_covariates=True
 *   they enter every decoder hidden layer; the output heads (px_scale,
 *   dropout logits) see no covariates, as in DecoderSCVI.
 * - decoder hidden layers Linear -> BatchNorm1d -> ReLU, no dropout
 *   (DecoderSCVI passes dropout_rate=0); px_scale = softmax(Linear);
 *   px_rate = library * px_scale with the observed library size
 *   (use_observed_lib_size=True); dispersion="gene": theta = exp(px_r),
 *   px_r initialised standard normal; gene_likelihood="zinb" with a
 *   dropout-logit head Linear(n_hidden, n_genes); also "nb" and "poisson".
 * - NB and ZINB log-likelihoods as log_nb_positive / log_zinb_positive
 *   (eps=1e-8); Poisson as torch's Poisson.log_prob.  Reconstruction loss
 *   summed over genes; KL(q(z|x) || N(0, I)) summed over latent dimensions
 *   (only z's KL is warmed up; there is no library KL with the observed
 *   library); loss = mean over the minibatch of rec + kl_weight * kl.
 * - kl_weight = epoch / n_epochs_kl_warmup (400) for epoch < 400, then 1,
 *   constant within an epoch (current_epoch); validation uses the same weight.
 * - Adam (torch.optim.Adam, not AdamW): lr 1e-3, eps 0.01, weight_decay 1e-6
 *   as L2 on every parameter, betas (0.9, 0.999) (optim.h).
 * - batch_size 128; split: n_train = ceil(0.9 n), n_val = n - n_train, the
 *   validation cells first in a seeded permutation; when n_train % 128 is 1
 *   or 2 those cells move to validation; training batches reshuffled every
 *   epoch, last batch kept (drop_last=False).
 * - default epochs min(round(20000 / n_cells * 400), 400), at least 1.
 * - BatchNorm: batch statistics (biased variance) in training, running
 *   statistics (unbiased variance, momentum 0.01) in evaluation; dropout
 *   off in evaluation; `latent` gives the posterior mean qm.
 * - torch's initialisation: Linear weights and biases uniform in
 *   +-1/sqrt(fan_in) (kaiming_uniform with a=sqrt(5)), BatchNorm scale 1,
 *   shift 0, running mean 0 and variance 1.
 *
 * Deviations (for the man page):
 * - Library: scvi-tools computes library = log(sum x) and px_rate =
 *   exp(library) * px_scale; sparsesc multiplies by sum x directly (equal up
 *   to the float rounding of exp(log)).
 * - ZINB zero counts: evaluated as log(rho + (1 - rho) q) with rho =
 *   sigmoid(pi), q = (theta / (theta + mu))^theta, the same value as scvi's
 *   softplus(-pi + theta log(...)) - softplus(-pi) in fewer exp/log calls;
 *   scvi's form is used when both terms underflow.  NB/ZINB non-zero
 *   integer counts <= 16 use log prod_{k<x} (theta + k) for lgamma(x +
 *   theta) - lgamma(theta), and lgamma(x + 1) comes from a table: the same
 *   values, different float rounding.
 * - Modules scvi-tools builds but never uses under these defaults have no
 *   parameters here: the library encoder l_encoder (observed library), the
 *   dropout head for nb/poisson, px_r for poisson.  They get no gradient in
 *   scvi-tools, so Adam never changes them.
 * - Random numbers come from sparsesc's xoshiro256** generator, not
 *   torch's: same distributions, different draws, so runs are not
 *   bit-comparable with scvi-tools (compare metrics, not values).
 * - Validation: scvi-tools runs no validation pass by default
 *   (check_val_every_n_epoch is unset without early stopping); sparsesc
 *   evaluates the validation cells after every epoch (val_every=1) for the
 *   loss history, a few per cent of an epoch's time; val_every=0 skips it.
 * - Weights are stored input-major (the transpose of torch's Linear.weight).
 * - Not implemented: dispersion gene-batch/gene-label/gene-cell, the
 *   "normal" likelihood and latent distribution "ln", continuous covariates,
 *   size-factor keys, LayerNorm, batch embeddings.
 * - The first encoder layer reads the sparse counts (sum over non-zeros of
 *   log1p(x) times a weight row) when under VAE_DENSE_DENSITY of the batch
 *   is non-zero, else densifies the batch for sgemm: the same function.
 * - Float arithmetic: the likelihood and the softmax use sparsesc's own
 *   vectorisable expf/logf (nn_math.h, within 2 ulp of libm), non-zero
 *   integer counts up to 4 use the product form in float; torch uses its
 *   own vectorised float functions.  Float losses agree with the double
 *   build within 1e-5 relative (tests/unit/test_gradcheck.c checks it).
 * - Threads: every parallel loop gives each output to one thread in a
 *   fixed order and the GEMMs are cut into tiles fixed by their shapes, so
 *   the same seed gives the same bits for any thread count (torch does not
 *   promise this on CPU).
 */
#include "vae.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "threads.h"
#include "vae_train.h"

#define NN_REAL float
#define NN_SFX(x) x##_f
#define NN_F(fn) fn##f
#include "vae_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F

#define NN_REAL double
#define NN_SFX(x) x##_d
#define NN_F(fn) fn
#include "vae_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F

const char *const vae_tensor_names[VAE_NTENSOR] = {
    "enc_w0", "enc_b0", "enc_w",  "enc_b",    "enc_bn_w", "enc_bn_b", "mean_w",
    "mean_b", "var_w",  "var_b",  "dec_w0",   "dec_b0",   "dec_w",    "dec_b",
    "dec_bn_w", "dec_bn_b", "scale_w", "scale_b", "drop_w", "drop_b", "px_r"};

void vae_config_init(vae_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_hidden = 128;
    c->n_latent = 10;
    c->n_layers = 1;
    c->dropout = 0.1;
    c->likelihood = LIK_ZINB;
    c->encode_covariates = 0;
    c->deep_inject = 1;
    adam_cfg_init(&c->adam);
    c->batch_size = 128;
    c->epochs = 0;
    c->kl_warmup = 400;
    c->train_frac = 0.9;
    c->val_every = 1;
    c->seed = 0;
    c->first_layer = VAE_FIRST_AUTO;
    c->mem_limit = 0;
}

int vae_config_check(const vae_config *c, sc_err *e)
{
    if (c->n_hidden < 1 || c->n_hidden > 65536)
        return err_set(e, "hidden=%d: must be in [1, 65536]", c->n_hidden);
    if (c->n_latent < 1 || c->n_latent > 65536)
        return err_set(e, "latent=%d: must be in [1, 65536]", c->n_latent);
    if (c->n_layers < 1 || c->n_layers > 64)
        return err_set(e, "layers=%d: must be in [1, 64]", c->n_layers);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return err_set(e, "dropout=%g: must be in [0, 1)", c->dropout);
    if (c->likelihood < 0 || c->likelihood >= LIK_NKIND)
        return err_set(e, "unknown likelihood %d", (int)c->likelihood);
    if (!(c->adam.lr > 0) || !isfinite(c->adam.lr))
        return err_set(e, "lr=%g: must be positive", c->adam.lr);
    if (!(c->adam.eps >= 0) || !(c->adam.weight_decay >= 0) || !(c->adam.beta1 >= 0) ||
        !(c->adam.beta1 < 1) || !(c->adam.beta2 >= 0) || !(c->adam.beta2 < 1))
        return err_set(e, "Adam settings out of range (eps and weight decay >= 0, betas in [0, 1))");
    if (c->batch_size < 2 || c->batch_size > 1 << 20)
        return err_set(e, "batch-size=%d: must be in [2, %d] (BatchNorm needs 2 cells)",
                       c->batch_size, 1 << 20);
    if (c->epochs < 0)
        return err_set(e, "epochs=%d: must be positive (0: the scvi-tools heuristic)", c->epochs);
    if (c->kl_warmup < 0)
        return err_set(e, "kl-warmup=%d: must be >= 0", c->kl_warmup);
    if (!(c->train_frac > 0 && c->train_frac <= 1))
        return err_set(e, "train fraction %g: must be in (0, 1]", c->train_frac);
    if (c->val_every < 0)
        return err_set(e, "val-every=%d: must be >= 0", c->val_every);
    return 0;
}

/* Dimensions from the configuration and the categorical inputs (batch
 * first); cat_off gets the one-hot offsets (-1: ignored). */
static void dims_from(const vae_config *c, int64_t G, int n_batch, int ncov, const int *cov_sizes,
                      vae_dims *d, int *cat_n, int *cat_off)
{
    memset(d, 0, sizeof *d);
    d->G = (int)G;
    d->H = c->n_hidden;
    d->L = c->n_latent;
    d->nl = c->n_layers;
    d->lik = c->likelihood;
    d->dropout = c->dropout;
    d->first = c->first_layer;
    for (int k = 0; k <= ncov && k < VAE_MAX_CAT; k++) {
        int n = k == 0 ? n_batch : cov_sizes[k - 1];
        cat_n[k] = n;
        cat_off[k] = n > 1 ? d->C : -1; /* scvi ignores a covariate with one category */
        if (n > 1) {
            d->C += n;
            d->ncat++;
        }
    }
    d->enc_c0 = c->encode_covariates ? d->C : 0;
    d->enc_c = c->encode_covariates && c->deep_inject ? d->C : 0;
    d->dec_c = c->deep_inject ? d->C : 0;
}

void vae_param_sizes(const vae_dims *d, size_t s[VAE_NTENSOR])
{
    size_t G = (size_t)d->G, H = (size_t)d->H, L = (size_t)d->L, nl = (size_t)d->nl;
    size_t deep = nl - 1;
    int zinb = d->lik == LIK_ZINB, disp = d->lik != LIK_POISSON;
    size_t v[VAE_NTENSOR] = {
        (G + (size_t)d->enc_c0) * H, H, deep * (H + (size_t)d->enc_c) * H, deep * H, nl * H, nl * H,
        H * L, L, H * L, L,
        (L + (size_t)d->C) * H, H, deep * (H + (size_t)d->dec_c) * H, deep * H, nl * H, nl * H,
        H * G, G, zinb ? H * G : 0, zinb ? G : 0, disp ? G : 0};
    memcpy(s, v, sizeof v);
}

/* Element counts of everything a model allocates, in double (no overflow):
 * the parameter block (5 copies), BatchNorm statistics, activations,
 * likelihood scratch and minibatch buffers. */
static double model_bytes(const vae_config *c, const vae_dims *d, double G)
{
    double H = d->H, L = d->L, nl = d->nl, B = c->batch_size, C = d->C;
    double deep = nl - 1, zinb = d->lik == LIK_ZINB, disp = d->lik != LIK_POISSON;
    double np = (G + d->enc_c0) * H + H + deep * (H + d->enc_c) * H + deep * H + 2 * nl * H +
                2 * (H * L + L) + (L + C) * H + H + deep * (H + d->dec_c) * H + deep * H +
                2 * nl * H + H * G + G + zinb * (H * G + G) + disp * G;
    double acts = B + B * G + 7 * nl * B * H + 4 * nl * H + 8 * B * L + G * 2 +
                  B * G * (4 + 2 * zinb) + 3 * B * H;
    double ws = G * 2 * 4 + G * 2 * 8 + ceil(G / LIK_BLOCK) * B * 8 + LIK_NFACT * 8 + 2 * B * 8;
    double gather = (B + 1) * 8 + B * G * (4 + 4) + B * d->ncat * 4;
    return 4 * (5 * np + 4 * nl * H + acts) + ws + gather;
}

double vae_bytes_needed(const vae_config *c, int64_t n_genes, int n_batch, int ncov,
                        const int *cov_sizes, int64_t n_cells)
{
    vae_dims d;
    int cat_n[VAE_MAX_CAT], cat_off[VAE_MAX_CAT];
    dims_from(c, n_genes > INT32_MAX ? INT32_MAX : n_genes, n_batch, ncov, cov_sizes, &d, cat_n,
              cat_off);
    double bytes = model_bytes(c, &d, (double)n_genes); /* not the clamped d.G */
    /* a run: split and order (int64), covariate columns, latent output */
    bytes += (double)n_cells * (3 * 8 + 4.0 * d.ncat + 4.0 * d.L);
    return bytes;
}

static void fmt_bytes(double b, char *buf, size_t n)
{
    const char *unit[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (b >= 1000 && u < 5) {
        b /= 1000;
        u++;
    }
    snprintf(buf, n, "%.1f %s", b, unit[u]);
}

int vae_mem_check(const vae_config *c, double bytes, const char *what, sc_err *e)
{
    double limit = (double)c->mem_limit;
    const char *how = "the memory limit";
    if (limit <= 0) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        limit = pages > 0 && page > 0 ? 0.8 * (double)pages * (double)page : 1e18;
        how = "80% of physical memory";
    }
    if (bytes <= limit)
        return 0;
    char need[32], have[32];
    fmt_bytes(bytes, need, sizeof need);
    fmt_bytes(limit, have, sizeof have);
    return err_set(e, "%s needs %s, more than %s (%s); use fewer genes, a smaller hidden or "
                   "latent size, or a smaller batch-size",
                   what, need, how, have);
}

/* torch's nn.Linear initialisation of a K x N input-major weight and its bias. */
static void init_linear(rng *r, float *W, float *bias, size_t K, size_t N)
{
    double bound = 1 / sqrt((double)K);
    for (size_t i = 0; i < K * N; i++)
        W[i] = (float)((2 * rng_uniform(r) - 1) * bound);
    for (size_t i = 0; i < N; i++)
        bias[i] = (float)((2 * rng_uniform(r) - 1) * bound);
}

static void init_params(vae_model *m)
{
    const vae_dims *d = &m->dims;
    vae_params_f *p = &m->p;
    size_t G = (size_t)d->G, H = (size_t)d->H, L = (size_t)d->L;
    rng r;
    rng_seed(&r, m->cfg.seed);
    init_linear(&r, p->enc_w0, p->enc_b0, G + (size_t)d->enc_c0, H);
    for (int l = 1; l < d->nl; l++) {
        size_t K = H + (size_t)d->enc_c;
        init_linear(&r, p->enc_w + (size_t)(l - 1) * K * H, p->enc_b + (size_t)(l - 1) * H, K, H);
    }
    init_linear(&r, p->mean_w, p->mean_b, H, L);
    init_linear(&r, p->var_w, p->var_b, H, L);
    init_linear(&r, p->dec_w0, p->dec_b0, L + (size_t)d->C, H);
    for (int l = 1; l < d->nl; l++) {
        size_t K = H + (size_t)d->dec_c;
        init_linear(&r, p->dec_w + (size_t)(l - 1) * K * H, p->dec_b + (size_t)(l - 1) * H, K, H);
    }
    init_linear(&r, p->scale_w, p->scale_b, H, G);
    if (p->drop_w)
        init_linear(&r, p->drop_w, p->drop_b, H, G);
    for (size_t i = 0; i < (size_t)d->nl * H; i++) {
        p->enc_bn_w[i] = p->dec_bn_w[i] = 1;
        p->enc_bn_b[i] = p->dec_bn_b[i] = 0;
        m->bn.enc_mean[i] = m->bn.dec_mean[i] = 0;
        m->bn.enc_var[i] = m->bn.dec_var[i] = 1;
    }
    if (p->px_r)
        for (size_t j = 0; j < G; j++)
            p->px_r[j] = (float)rng_normal(&r);
}

int vae_create(vae_model **out, const vae_config *cfg, int64_t n_genes, int n_batch, int ncov,
               const int *cov_sizes, sc_err *e)
{
    *out = NULL;
    if (vae_config_check(cfg, e) < 0)
        return -1;
    if (n_genes < 1 || n_genes > INT32_MAX)
        return err_set(e, "a VAE needs between 1 and %d genes (got %lld)", INT32_MAX,
                       (long long)n_genes);
    if (ncov < 0 || ncov >= VAE_MAX_CAT)
        return err_set(e, "at most %d categorical covariates besides the batch (got %d)",
                       VAE_MAX_CAT - 1, ncov);
    if (n_batch < 0)
        return err_set(e, "negative batch count %d", n_batch);
    for (int k = 0; k < ncov; k++)
        if (cov_sizes[k] < 1)
            return err_set(e, "covariate %d has %d categories", k + 1, cov_sizes[k]);
    if (vae_mem_check(cfg, vae_bytes_needed(cfg, n_genes, n_batch, ncov, cov_sizes, 0),
                      "the VAE", e) < 0)
        return -1;

    vae_model *m = sc_calloc(e, 1, sizeof *m);
    if (!m)
        return -1;
    m->cfg = *cfg;
    dims_from(cfg, n_genes, n_batch, ncov, cov_sizes, &m->dims, m->cat_n, m->cat_off);
    m->ncatin = 1 + ncov;
    vae_param_sizes(&m->dims, m->sizes);
    for (int i = 0; i < VAE_NTENSOR; i++)
        m->nparams += m->sizes[i];
    size_t np = m->nparams, nbn = 4 * (size_t)m->dims.nl * (size_t)m->dims.H;
    m->mem = sc_calloc(e, 5 * np, sizeof *m->mem);
    m->bn_mem = m->mem ? sc_calloc(e, nbn, sizeof *m->bn_mem) : NULL;
    if (!m->bn_mem || vae_acts_alloc_f(&m->acts, &m->dims, cfg->batch_size, e) < 0) {
        vae_free(m);
        return -1;
    }
    size_t Bmax = (size_t)cfg->batch_size, G = (size_t)m->dims.G;
    m->brows = sc_calloc(e, Bmax, sizeof *m->brows);
    m->bptr = m->brows ? sc_calloc(e, Bmax + 1, sizeof *m->bptr) : NULL;
    m->bidx = m->bptr ? sc_calloc(e, Bmax * G, sizeof *m->bidx) : NULL;
    m->bval = m->bidx ? sc_calloc(e, Bmax * G, sizeof *m->bval) : NULL;
    m->bcov = m->bval ? sc_calloc(e, Bmax * (size_t)(m->dims.ncat + 1), sizeof *m->bcov) : NULL;
    if (!m->bcov) {
        vae_free(m);
        return -1;
    }
    vae_point_params_f(&m->p, m->mem, m->sizes);
    vae_point_params_f(&m->g, m->mem + np, m->sizes);
    vae_point_params_f(&m->am, m->mem + 2 * np, m->sizes);
    vae_point_params_f(&m->av, m->mem + 3 * np, m->sizes);
    m->prev = m->mem + 4 * np;
    vae_point_bn_f(&m->bn, m->bn_mem, &m->dims);
    init_params(m);
    *out = m;
    return 0;
}

void vae_free(vae_model *m)
{
    if (!m)
        return;
    vae_run_free(m->run);
    vae_acts_free_f(&m->acts);
    vae_hist_free(&m->hist);
    free(m->mem);
    free(m->bn_mem);
    free(m->brows);
    free(m->bptr);
    free(m->bidx);
    free(m->bval);
    free(m->bcov);
    free(m);
}

int vae_check_data(const vae_model *m, const vae_data *d, int64_t *zero_cells,
                   int64_t *zero_genes, sc_err *e)
{
    const sc_csr *X = d->X;
    if (!X || X->nrows < 1)
        return err_set(e, "no cells to work on");
    if (X->ncols != m->dims.G)
        return err_set(e, "the data has %lld genes but the model was built for %d",
                       (long long)X->ncols, m->dims.G);
    for (int k = 0; k < m->ncatin; k++) {
        if (m->cat_n[k] <= 1)
            continue;
        const int32_t *codes = k == 0 ? d->batch : d->cov ? d->cov[k - 1] : NULL;
        char what[32];
        if (k == 0)
            snprintf(what, sizeof what, "batch");
        else
            snprintf(what, sizeof what, "covariate %d", k);
        if (!codes)
            return err_set(e, "the model needs a %s code for every cell", what);
        for (int64_t i = 0; i < X->nrows; i++)
            if (codes[i] < 0 || codes[i] >= m->cat_n[k])
                return err_set(e, "cell %lld: the %s code %d is %s (the model knows %d categories)",
                               (long long)i + 1, what, (int)codes[i],
                               codes[i] < 0 ? "missing" : "out of range", m->cat_n[k]);
    }
    uint8_t *seen = zero_genes ? sc_calloc(e, (size_t)X->ncols, 1) : NULL;
    if (zero_genes && !seen)
        return -1;
    int64_t zc = 0;
    for (int64_t i = 0; i < X->nrows; i++) {
        double s = 0;
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++) {
            float v = X->data[k];
            int32_t j = X->indices[k];
            if (!isfinite(v) || v < 0 || j < 0 || j >= X->ncols) {
                free(seen);
                return err_set(e, "cell %lld: %s (gene %d, value %g); the VAE needs raw counts",
                               (long long)i + 1,
                               j < 0 || j >= X->ncols ? "gene index out of range"
                               : !isfinite(v)         ? "count is not finite"
                                                      : "negative count",
                               (int)j, (double)v);
            }
            s += v;
            if (seen && v > 0)
                seen[j] = 1;
        }
        zc += s <= 0;
    }
    if (zero_cells)
        *zero_cells = zc;
    if (zero_genes) {
        int64_t zg = 0;
        for (int64_t j = 0; j < X->ncols; j++)
            zg += !seen[j];
        *zero_genes = zg;
        free(seen);
    }
    return 0;
}

void vae_cov_cols(const vae_model *m, const vae_data *d, const int64_t *rows, int64_t n,
                  int32_t *out)
{
    int nc = m->dims.ncat;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = rows ? rows[i] : i;
        int c = 0;
        for (int k = 0; k < m->ncatin; k++) {
            if (m->cat_off[k] < 0)
                continue;
            const int32_t *codes = k == 0 ? d->batch : d->cov[k - 1];
            out[i * nc + c++] = m->cat_off[k] + codes[r];
        }
    }
}

void vae_gather(vae_model *m, const vae_data *d, const int64_t *rows, int B, vae_batch_f *out)
{
    const sc_csr *X = d->X;
    int64_t nnz = 0;
    m->bptr[0] = 0;
    for (int b = 0; b < B; b++) {
        int64_t r = rows[b], k0 = X->indptr[r], n = X->indptr[r + 1] - k0;
        memcpy(m->bidx + nnz, X->indices + k0, (size_t)n * sizeof *m->bidx);
        memcpy(m->bval + nnz, X->data + k0, (size_t)n * sizeof *m->bval);
        nnz += n;
        m->bptr[b + 1] = nnz;
    }
    if (m->dims.ncat > 0)
        vae_cov_cols(m, d, rows, B, m->bcov);
    out->x = (nn_csr_f){B, m->bptr, m->bidx, m->bval};
    out->cov = (nn_cov){m->dims.ncat, m->dims.C, m->bcov};
}

/* Encode every cell (evaluation mode) and copy, per minibatch, the posterior
 * means (hidden 0) or the last hidden layer (hidden 1) into out. */
static int encode_all(vae_model *m, const vae_data *d, int hidden, float *out, sc_err *e)
{
    if (vae_check_data(m, d, NULL, NULL, e) < 0)
        return -1;
    const int64_t n = d->X->nrows;
    const int Bmax = m->cfg.batch_size, w = hidden ? m->dims.H : m->dims.L;
    int64_t *rows = m->brows;
    int blas = sc_blas_single(); /* one thread pool: see threads.h */
    for (int64_t i0 = 0; i0 < n; i0 += Bmax) {
        int B = (int)(n - i0 < Bmax ? n - i0 : Bmax);
        for (int b = 0; b < B; b++)
            rows[b] = i0 + b;
        vae_batch_f batch;
        vae_gather(m, d, rows, B, &batch);
        vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &batch, 0, VAE_ENCODE, NULL);
        const float *src = hidden ? m->acts.enc_h + (size_t)(m->dims.nl - 1) * B * w : m->acts.qm;
        memcpy(out + i0 * w, src, (size_t)B * w * sizeof *out);
    }
    sc_blas_restore(blas);
    return 0;
}

int vae_latent(vae_model *m, const vae_data *d, float *out, sc_err *e)
{
    return encode_all(m, d, 0, out, e);
}

int vae_hidden(vae_model *m, const vae_data *d, float *out, sc_err *e)
{
    return encode_all(m, d, 1, out, e);
}

/* Run the decoder on cells[i0..i0+B) from rows of V (see vae_eval_given):
 * the batch is left in m->acts. */
static void decode_given(vae_model *m, const vae_data *d, const int64_t *cells, int64_t i0, int B,
                         vae_given from, const float *V)
{
    const int L = m->dims.L, H = m->dims.H, nl = m->dims.nl;
    int64_t *rows = m->brows;
    for (int b = 0; b < B; b++)
        rows[b] = cells ? cells[i0 + b] : i0 + b;
    vae_batch_f batch;
    vae_gather(m, d, rows, B, &batch);
    if (from == VAE_FROM_Z) {
        memcpy(m->acts.z, V + i0 * L, (size_t)B * L * sizeof *V);
        vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &batch, 1, VAE_GIVEN_Z, NULL);
    } else {
        memcpy(m->acts.enc_h + (size_t)(nl - 1) * B * H, V + i0 * H, (size_t)B * H * sizeof *V);
        vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &batch, 1, VAE_GIVEN_H, NULL);
    }
}

static int check_cells(const vae_data *d, const int64_t *cells, int64_t n, sc_err *e)
{
    if (n <= 0)
        return err_set(e, "no cells to decode");
    for (int64_t i = 0; cells && i < n; i++)
        if (cells[i] < 0 || cells[i] >= d->X->nrows)
            return err_set(e, "cell %lld out of range", (long long)cells[i]);
    if (!cells && n > d->X->nrows)
        return err_set(e, "%lld cells asked for, the data has %lld", (long long)n,
                       (long long)d->X->nrows);
    return 0;
}

int vae_eval_given(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                   vae_given from, const float *V, double *nll, sc_err *e)
{
    if (vae_check_data(m, d, NULL, NULL, e) < 0 || check_cells(d, cells, n, e) < 0)
        return -1;
    return vae_eval_given_checked(m, d, cells, n, from, V, nll, e);
}

int vae_eval_given_checked(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                           vae_given from, const float *V, double *nll, sc_err *e)
{
    const int Bmax = m->cfg.batch_size;
    double rec = 0;
    int blas = sc_blas_single();
    for (int64_t i0 = 0; i0 < n; i0 += Bmax) {
        int B = (int)(n - i0 < Bmax ? n - i0 : Bmax);
        decode_given(m, d, cells, i0, B, from, V);
        rec += m->acts.rec * B;
    }
    sc_blas_restore(blas);
    *nll = rec / (double)n;
    if (!isfinite(*nll))
        return err_set(e, "the reconstruction NLL is not finite (the latent given is out of range)");
    return 0;
}

int vae_decode_scale(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                     const float *Z, float *out, sc_err *e)
{
    if (vae_check_data(m, d, NULL, NULL, e) < 0 || check_cells(d, cells, n, e) < 0)
        return -1;
    const int Bmax = m->cfg.batch_size, G = m->dims.G;
    int blas = sc_blas_single();
    for (int64_t i0 = 0; i0 < n; i0 += Bmax) {
        int B = (int)(n - i0 < Bmax ? n - i0 : Bmax);
        decode_given(m, d, cells, i0, B, VAE_FROM_Z, Z);
        memcpy(out + i0 * G, m->acts.scale, (size_t)B * G * sizeof *out);
    }
    sc_blas_restore(blas);
    return 0;
}

/* The seed of evaluation's z draws: fixed, so a model evaluates the same way twice. */
#define VAE_EVAL_STREAM 0x65766131ULL

int vae_eval_cells(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n, double klw,
                   vae_metrics *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return err_set(e, "no cells to evaluate");
    const int Bmax = m->cfg.batch_size;
    int64_t *rows = m->brows;
    rng r, base;
    rng_seed(&base, m->cfg.seed);
    rng_split(&base, VAE_EVAL_STREAM, &r);
    double rec = 0, kl = 0;
    int blas = sc_blas_single();
    for (int64_t i0 = 0; i0 < n; i0 += Bmax) {
        int B = (int)(n - i0 < Bmax ? n - i0 : Bmax);
        for (int b = 0; b < B; b++)
            rows[b] = cells ? cells[i0 + b] : i0 + b;
        vae_batch_f batch;
        vae_gather(m, d, rows, B, &batch);
        vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &batch, klw, VAE_SAMPLE, &r);
        rec += m->acts.rec * B;
        kl += m->acts.klm * B;
    }
    sc_blas_restore(blas);
    out->n = n;
    out->nll = rec / (double)n;
    out->kl = kl / (double)n;
    out->elbo = out->nll + out->kl;
    out->loss = out->nll + klw * out->kl;
    return 0;
}

int vae_eval(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n, vae_metrics *out,
             sc_err *e)
{
    if (vae_check_data(m, d, NULL, NULL, e) < 0)
        return -1;
    double klw = m->run ? vae_kl_weight(&m->cfg, m->run->epoch) : 1;
    if (!cells && m->run && m->run->n_val > 0) {
        if (m->run->n_cells != d->X->nrows)
            return err_set(e, "the model was trained on %lld cells, the data has %lld",
                           (long long)m->run->n_cells, (long long)d->X->nrows);
        cells = m->run->val;
        n = m->run->n_val;
    } else if (!cells) {
        n = d->X->nrows;
    }
    for (int64_t i = 0; cells && i < n; i++)
        if (cells[i] < 0 || cells[i] >= d->X->nrows)
            return err_set(e, "cell %lld out of range", (long long)cells[i]);
    return vae_eval_cells(m, d, cells, n, klw, out, e);
}

float *vae_tensor(vae_model *m, int i, const char **name, size_t *count)
{
    size_t off = 0;
    for (int k = 0; k < i; k++)
        off += m->sizes[k];
    if (name)
        *name = vae_tensor_names[i];
    if (count)
        *count = m->sizes[i];
    return m->mem + off;
}

void vae_hist_free(vae_hist *h)
{
    double **cols[] = {&h->train_loss, &h->train_rec, &h->train_kl, &h->val_loss,
                       &h->val_rec,    &h->val_kl,    &h->kl_weight, &h->seconds};
    for (int i = 0; i < 8; i++) {
        free(*cols[i]);
        *cols[i] = NULL;
    }
    h->n = h->cap = 0;
}

int vae_hist_push(vae_hist *h, const double vals[8], sc_err *e)
{
    double **cols[] = {&h->train_loss, &h->train_rec, &h->train_kl, &h->val_loss,
                       &h->val_rec,    &h->val_kl,    &h->kl_weight, &h->seconds};
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        for (int i = 0; i < 8; i++) {
            double *p = realloc(*cols[i], (size_t)cap * sizeof *p);
            if (!p)
                return err_set(e, "out of memory recording the training history");
            *cols[i] = p;
        }
        h->cap = cap;
    }
    for (int i = 0; i < 8; i++)
        (*cols[i])[h->n] = vals[i];
    h->n++;
    return 0;
}

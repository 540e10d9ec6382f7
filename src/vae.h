/* vae.h: an scVI-equivalent variational autoencoder (Lopez et al. 2018), as
 * scvi-tools' SCVI builds it by default (see the list of defaults and of
 * deviations at the top of vae.c):
 *
 *   encoder  log1p(counts) -> nl x [Linear -> BatchNorm -> ReLU -> Dropout]
 *            -> qm (Linear), qv = exp(Linear) + 1e-4;  z = qm + sqrt(qv) eps
 *   decoder  [z, covariates] -> nl x [Linear -> BatchNorm -> ReLU], the
 *            covariates (batch and extra categoricals, one-hot) entering
 *            every hidden layer; px_scale = softmax(Linear);
 *            mu = px_scale * library size; theta = exp(px_r) per gene;
 *            zinb: zero-inflation logits = Linear
 *   loss     mean over cells of NLL(counts | mu, theta, pi) summed over genes
 *            + kl_weight * KL(q(z|x) || N(0, I)), kl_weight rising linearly
 *            from 0 to 1 over kl_warmup epochs.
 *
 * The model owns its parameters, Adam state, BatchNorm statistics, the
 * progress of its training run (vae_train.h) and the per-epoch history.
 * Float for training; the kernels also exist in double (vae_kern.h) for the
 * gradient test. */
#ifndef SC_VAE_H
#define SC_VAE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "lik.h"
#include "nn.h"
#include "optim.h"
#include "rng.h"

#define VAE_MAX_CAT 16       /* batch + categorical covariates */
#define VAE_BN_MOMENTUM 0.01 /* scvi-tools' FCLayers BatchNorm1d */
#define VAE_BN_EPS 1e-3
#define VAE_VAR_EPS 1e-4     /* Encoder var_eps */
/* Auto first layer: sgemm on the densified batch above this share of
 * non-zero counts, sparse rows times weights below.  Measured for 128 cells
 * x 2000 genes x 128 hidden on one core (forward + backward): sparse 0.5 ms
 * at 2 %, 1.8 ms at 10 %, 4.3 ms at 20 %; dense 2.5 ms throughout. */
#define VAE_DENSE_DENSITY 0.12

typedef enum vae_first { VAE_FIRST_AUTO, VAE_FIRST_SPARSE, VAE_FIRST_DENSE } vae_first;

typedef struct vae_config {
    int n_hidden;          /* 128 */
    int n_latent;          /* 10 */
    int n_layers;          /* 1 */
    double dropout;        /* 0.1 (encoder only, as scvi-tools) */
    lik_kind likelihood;   /* zinb */
    int encode_covariates; /* 0: covariates enter the decoder only */
    int deep_inject;       /* 1: covariates enter every hidden layer, not just the first */
    adam_cfg adam;         /* lr 1e-3, eps 0.01, weight decay 1e-6 (L2, torch Adam) */
    int batch_size;        /* 128 */
    int epochs;            /* 0: min(round(20000 / n_cells * 400), 400) */
    int kl_warmup;         /* 400 epochs; 0: full KL weight from the start */
    double train_frac;     /* 0.9 */
    int val_every;         /* validation pass every N epochs (1); 0: never */
    uint64_t seed;         /* initialisation, split, shuffling, noise */
    vae_first first_layer; /* auto */
    size_t mem_limit;      /* bytes; 0: 80 % of physical memory */
} vae_config;

/* scvi-tools' defaults. */
void vae_config_init(vae_config *c);
/* Range checks; the error names the option ("latent=0: must be at least 1"). */
int vae_config_check(const vae_config *c, sc_err *e);

/* Shapes (the sizes table's input) and the layer-wise covariate widths. */
typedef struct vae_dims {
    int G, H, L, nl;
    lik_kind lik;
    int ncat;     /* categorical inputs with more than one category (they get columns) */
    int C;        /* their one-hot width */
    int enc_c0;   /* covariate rows of encoder layer 0 (C when encode_covariates) */
    int enc_c;    /* ... of deeper encoder layers */
    int dec_c;    /* ... of deeper decoder layers (C when deep_inject) */
    double dropout;
    vae_first first;
} vae_dims;

enum {
    VAE_TRAIN = 1,
    VAE_SAMPLE = 2,
    VAE_GRAD = 4,
    VAE_KEEP_NOISE = 8,
    VAE_ENCODE = 16,
    VAE_GIVEN_Z = 32, /* decode the z the caller wrote into acts.z (evaluation only) */
    VAE_GIVEN_H = 64  /* start from the last encoder hidden layer the caller wrote */
};

#define VAE_NTENSOR 21
extern const char *const vae_tensor_names[VAE_NTENSOR];
/* Element count of every tensor, in block order. */
void vae_param_sizes(const vae_dims *d, size_t sizes[VAE_NTENSOR]);

#define NN_REAL float
#define NN_SFX(x) x##_f
#include "vae_kern.h"
#undef NN_REAL
#undef NN_SFX

#define NN_REAL double
#define NN_SFX(x) x##_d
#include "vae_kern.h"
#undef NN_REAL
#undef NN_SFX

/* Per-epoch history (NaN where not measured, e.g. no validation set). */
typedef struct vae_hist {
    int n, cap;
    double *train_loss, *train_rec, *train_kl; /* means over the epoch's steps, per cell */
    double *val_loss, *val_rec, *val_kl;       /* validation set, evaluation mode */
    double *kl_weight, *seconds;
} vae_hist;

struct vae_run; /* vae_train.h */

typedef struct vae_model {
    vae_config cfg;
    vae_dims dims;
    int ncatin;                /* categorical inputs: batch, then covariates */
    int cat_n[VAE_MAX_CAT];    /* categories of each */
    int cat_off[VAE_MAX_CAT];  /* first one-hot column; -1: one category, ignored (scvi) */
    size_t sizes[VAE_NTENSOR];
    size_t nparams;
    float *mem;                /* params | grads | Adam m | Adam v | previous params */
    vae_params_f p, g, am, av;
    float *prev;               /* parameters before the last update (NaN rollback) */
    float *bn_mem;
    vae_bn_f bn;
    vae_acts_f acts;           /* for cfg.batch_size cells */
    int64_t *brows;            /* minibatch gathering: rows, CSR and covariate columns */
    int64_t *bptr;
    int32_t *bidx;
    float *bval;
    int32_t *bcov;
    int64_t adam_t;            /* Adam steps taken */
    struct vae_run *run;       /* NULL until vae_fit */
    vae_hist hist;
} vae_model;

/* The data a model reads: counts (cells x genes, the model's genes in its
 * order) and, per cell, the batch code and the codes of the covariates. */
typedef struct vae_data {
    const sc_csr *X;
    const int32_t *batch;           /* codes in [0, n_batch); NULL when n_batch <= 1 */
    const int32_t *const *cov;      /* ncov arrays; NULL when ncov = 0 */
} vae_data;

typedef struct vae_metrics {
    int64_t n;    /* cells */
    double nll;   /* mean reconstruction NLL per cell (summed over genes) */
    double kl;    /* mean KL(q(z|x) || N(0, I)) per cell */
    double elbo;  /* nll + kl: the negative ELBO per cell (scvi-tools' "elbo") */
    double loss;  /* nll + kl_weight * kl at the current warm-up weight */
} vae_metrics;

/* Bytes a model of these sizes needs, and a run over n_cells cells
 * (n_cells 0: the model alone).  Computed in double so absurd sizes cannot
 * overflow. */
double vae_bytes_needed(const vae_config *c, int64_t n_genes, int n_batch, int ncov,
                        const int *cov_sizes, int64_t n_cells);
/* 0 when `bytes` fits cfg's limit, else -1 with "needs X, limit Y". */
int vae_mem_check(const vae_config *c, double bytes, const char *what, sc_err *e);

/* A new model with scvi-tools' initialisation (torch's Linear: uniform in
 * +-1/sqrt(fan_in); BatchNorm 1 and 0; px_r standard normal) from cfg->seed.
 * n_batch: categories of the batch (0 or 1: no batch); cov_sizes: categories
 * of each of the ncov extra covariates.  Refuses, before allocating, sizes
 * over the memory limit. */
int vae_create(vae_model **out, const vae_config *cfg, int64_t n_genes, int n_batch, int ncov,
               const int *cov_sizes, sc_err *e);
void vae_free(vae_model *m);

/* Check data against the model: shapes, codes in range, counts finite and
 * non-negative; counts cells and genes without any count (may be NULL). */
int vae_check_data(const vae_model *m, const vae_data *d, int64_t *zero_cells,
                   int64_t *zero_genes, sc_err *e);

/* One-hot columns of cells rows[0..n) (rows NULL: 0..n-1): out n x dims.ncat. */
void vae_cov_cols(const vae_model *m, const vae_data *d, const int64_t *rows, int64_t n,
                  int32_t *out);

/* Copy rows[0..B) (B <= batch_size) into the model's minibatch buffers
 * and describe them in *out (valid until the next gather). */
void vae_gather(vae_model *m, const vae_data *d, const int64_t *rows, int B, vae_batch_f *out);

/* Posterior means of all cells (evaluation mode): out X->nrows x n_latent. */
int vae_latent(vae_model *m, const vae_data *d, float *out, sc_err *e);

/* The last encoder hidden layer (after ReLU, evaluation mode) of all
 * cells: out X->nrows x n_hidden.  The SAE's on=vae-hidden input. */
int vae_hidden(vae_model *m, const vae_data *d, float *out, sc_err *e);

/* Where vae_eval_given starts the decoder from. */
typedef enum vae_given { VAE_FROM_Z, VAE_FROM_HIDDEN } vae_given;

/* Mean reconstruction NLL per cell of cells[0..n) (NULL: all) in
 * evaluation mode, with the latent replaced: cell cells[i] decodes from
 * row i of V (n x L for VAE_FROM_Z; n x n_hidden for VAE_FROM_HIDDEN,
 * whose z is then the mean head's output).  No sampling: with V the
 * posterior means this is the clean reconstruction loss recovered is
 * measured against. */
int vae_eval_given(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                   vae_given from, const float *V, double *nll, sc_err *e);
/* The same without checking d and cells again: for a caller that measures
 * the same cells repeatedly (loss recovered every epoch), after one
 * vae_eval_given has checked them; the data check reads every count. */
int vae_eval_given_checked(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                           vae_given from, const float *V, double *nll, sc_err *e);

/* Expected expression proportions px_scale (softmax output, rows sum to 1)
 * decoded from latents Z (n x L) with the covariates of cells[i] (NULL:
 * cell i): out n x n_genes.  The gene lens and `steer` read this. */
int vae_decode_scale(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n,
                     const float *Z, float *out, sc_err *e);

/* Held-out metrics in evaluation mode with z sampled from a fixed seed (so
 * repeated calls agree): the validation cells of the training run, or all
 * cells when cells is NULL and there is no run.  cells/n select others. */
int vae_eval(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n, vae_metrics *out,
             sc_err *e);

/* vae_eval on the given cells with an explicit KL weight (no checks). */
int vae_eval_cells(vae_model *m, const vae_data *d, const int64_t *cells, int64_t n, double klw,
                   vae_metrics *out, sc_err *e);

/* Tensor i of the parameter block (for saving and loading): name, data, count. */
float *vae_tensor(vae_model *m, int i, const char **name, size_t *count);

void vae_hist_free(vae_hist *h);
int vae_hist_push(vae_hist *h, const double vals[8], sc_err *e);

#endif

/* sae.h: sparse autoencoders on an embedding (a VAE latent, PCA, ...).
 *
 * One model type serves every architecture; they differ only in how the
 * activations f are chosen from the pre-activations z and in the loss:
 *
 *   xc = s*x - b_dec                 s: input scale (mean ||s*x||^2 = d)
 *   z  = W_enc xc + b_enc            (m features, d inputs)
 *   f  = act(z)                      ReLU, TopK, BatchTopK or threshold
 *   x^ = W_dec f + b_dec             reconstruction in scaled space; /s on output
 *
 *   relu-l1     f = ReLU(z); loss = MSE + l1 * mean_cells sum_j f_j (Bricken
 *               et al. 2023); unit-norm decoder rows, dead-feature resampling.
 *               l1-norm=decoder: the L1 term weights f_j by ||W_dec_j||, the
 *               decoder is free (no renormalisation) and l1 warms up.
 *   topk        f = ReLU(TopK_k(z)) per cell (Gao et al. 2024), AuxK loss.
 *   batchtopk   the k*B largest of the minibatch in training; at inference
 *               f = z where z > threshold, the threshold estimated in
 *               training (Bussmann et al. 2024).
 *   matryoshka  batchtopk whose features [0, p_i) reconstruct x on their own
 *               for nested prefixes p_1 < ... < p_P = m; the loss sums the
 *               prefix MSEs (Bussmann et al. 2025).
 *   seed        pedroglrz/sparseSC's SparseAutoencoder as published: no input
 *               scaling, b_dec = 0 at start, W_enc normalised per input
 *               dimension and W_dec per feature inside the forward pass,
 *               loss = mean squared error + l1 * sum|f| over the minibatch.
 *
 * Initialisation (all but seed): decoder rows in random unit directions
 * (norm 0.1 for l1-norm=decoder), encoder = decoder transpose (Gao et al.;
 * Bricken et al. used Kaiming-uniform encoders), b_enc = 0, b_dec = the
 * geometric median (Weiszfeld) of up to 10,000 training cells.  MSE is the
 * mean over cells and dimensions in scaled space; AuxK's error is divided by
 * the batch variance of the residual, with coefficient 1/32.
 *
 * Storage (llm.c style): all parameters live in one float block handed out
 * by a sizes table as named slices; gradients and Adam's two moments use the
 * same layout.  W_enc and W_dec are both m x d row-major, so row j of each is
 * feature j's encoder / decoder vector (the decoder "column" of the papers).
 *
 * The kernels are written once over a `real` type (sae_kern.h) and built for
 * float (training) and double (the finite-difference gradient test), so the
 * test checks the code that trains, not a second copy of the maths. */
#ifndef SC_SAE_H
#define SC_SAE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum sae_arch {
    SAE_RELU_L1,
    SAE_TOPK,
    SAE_BATCHTOPK,
    SAE_MATRYOSHKA,
    SAE_SEED,
    SAE_NARCH
} sae_arch;

typedef enum sae_path {
    SAE_PATH_AUTO,   /* sparse loops when few features fire, else sgemm */
    SAE_PATH_SPARSE, /* force (tests) */
    SAE_PATH_DENSE
} sae_path;

#define SAE_MAX_PREFIX 16

/* OpenMP pragmas that vanish without OpenMP (no -Wunknown-pragmas); the
 * same as nn.h's SC_OMP, which could move to threads.h for both. */
#ifdef _OPENMP
#define SAE_OMP(x) _Pragma(x)
#else
#define SAE_OMP(x)
#endif

/* Loops with less work than this (multiply-adds) run on one thread: an
 * OpenMP region costs a few microseconds, far more on a busy machine. */
#define SAE_PAR_MIN 65536

typedef struct sae_config {
    sae_arch arch;
    int features;        /* m; 0: round(expansion * d) */
    double expansion;    /* 16 */
    int k;               /* topk family; 0: clamp(d / 4, 1, 32) */
    int k_aux;           /* AuxK dead features per cell; 0: d / 2 */
    double aux_coef;     /* 1/32; 0 disables AuxK */
    double l1;           /* relu-l1 / seed lambda; < 0: the arch's default (seed 0.001,
                          * relu-l1 1/d: with inputs scaled to ||x||^2 = d a feature
                          * pays its L1 cost when its activation exceeds 1, a
                          * fraction of the typical sqrt(d / L0)) */
    int l1_decoder;      /* relu-l1 l1-norm=decoder */
    double l1_warmup;    /* share of all steps over which lambda ramps from 0 */
    double lr, beta1, beta2, adam_eps;
    int epochs, batch_size;
    uint64_t seed;
    int64_t dead_window; /* a feature silent for this many training cells is dead */
    double dense_frac;   /* a feature firing on more than this share is dense (0.1) */
    double val_frac;     /* held out for validation metrics and early stopping */
    int patience;        /* epochs without a better val loss; 0 = no early stopping */
    int restore_best;    /* with patience: end on the best epoch's parameters (1).  The
                          * seed meant to, but its state_dict() aliases the live
                          * tensors, so its published run kept the last epoch: 0 */
    int scale_input;     /* scale so that mean ||x||^2 = d */
    int geomed_init;     /* b_dec starts at the geometric median of a sample */
    int fit_enc_scale;   /* scale the initial encoder so the first reconstruction
                          * has the least squared error (see sae_train.c) */
    int resample_every;  /* relu-l1 resampling period in steps; 0 auto, < 0 never */
    double thr_rate;     /* batchtopk threshold running-average rate */
    int nprefix;         /* matryoshka prefixes; 0: 8, 32, 128, ... (x4), m */
    int prefix[SAE_MAX_PREFIX];
    sae_path path;
    size_t mem_limit;    /* bytes; 0: 80 % of physical memory */
} sae_config;

/* Defaults for an architecture (seed sets every value of the seed's run). */
void sae_config_init(sae_config *c, sae_arch arch);
const char *sae_arch_name(sae_arch a);
int sae_arch_parse(const char *s, sae_arch *out, sc_err *e);
/* Fill the automatic values for input dimension d and check the ranges;
 * the error names the option ("k=40 is larger than features=32"). */
int sae_config_resolve(sae_config *c, int d, sc_err *e);

/* What the kernels need to know for one batch. */
typedef struct sae_spec {
    sae_arch arch;
    int d, m;
    int k, k_aux;
    double l1;        /* lambda now (after warm-up) */
    int l1_decoder;
    double aux_coef;
    int nprefix;      /* >= 1; prefix[nprefix-1] == m */
    int prefix[SAE_MAX_PREFIX];
    double threshold; /* batchtopk / matryoshka inference; < 0: not estimated */
    sae_path path;
} sae_spec;

/* The float and double kernels: types sae_params_f / _d, sae_acts_f / _d,
 * functions sae_forward_f / _d, ... (see sae_kern.h). */
#define SAE_REAL float
#define SAE_SFX(name) name##_f
#include "sae_kern.h"
#undef SAE_REAL
#undef SAE_SFX
#define SAE_REAL double
#define SAE_SFX(name) name##_d
#include "sae_kern.h"
#undef SAE_REAL
#undef SAE_SFX

typedef sae_params_f sae_params;
typedef sae_acts_f sae_acts;

#define SAE_NTENSOR 4 /* W_enc, b_enc, W_dec, b_dec */

/* How the last sae_fit went (figures of its last finished epoch). */
typedef struct sae_fit_info {
    int epochs_run;      /* finished epochs */
    int64_t steps;       /* finished steps */
    int stopped;         /* *stop was set: the parameters are those of the last finished step */
    int early_stopped;   /* patience ran out */
    int best_epoch;      /* 1-based epoch whose parameters were restored (patience > 0), else 0 */
    int resamples;       /* relu-l1 resampling rounds that re-initialised features */
    int64_t resampled;   /* features re-initialised */
    double train_loss, val_loss, mse, fvu, l0, dead_share, dense_share;
    double seconds, cells_per_s;
} sae_fit_info;

typedef struct sae_model {
    sae_config cfg;      /* resolved */
    int d, m;
    size_t sizes[SAE_NTENSOR];
    size_t nparams;
    float *mem;          /* params | grads | adam m | adam v, one allocation */
    sae_params p, g, am, av;
    float scale;         /* input multiplier (1 for seed) */
    float threshold;     /* batchtopk inference threshold; < 0 unset */
    int64_t adam_t;      /* Adam steps taken */
    int64_t *since_fired; /* training cells since each feature last fired */
    int trained;         /* data-dependent init done (scale, b_dec) */
    sae_fit_info fit;
    /* Optional: called by sae_fit after every epoch's validation, its value
     * published as the series `epoch_name` (e.g. loss recovered through the
     * VAE).  NaN: not measured this epoch.  Not saved with the model. */
    double (*epoch_fn)(const struct sae_model *m, void *ctx);
    void *epoch_ctx;
    const char *epoch_name;
} sae_model;

/* Bytes training needs for d inputs, cfg features and n cells (parameters,
 * optimiser, copies, batch buffers, activations of all cells are not
 * included: sae_encode reports its own). */
size_t sae_bytes_needed(const sae_config *c, int d, int64_t n);

/* Allocate and randomly initialise (data-dependent init happens in
 * sae_fit).  cfg is resolved for d; the memory guard refuses absurd sizes
 * before allocating anything. */
int sae_create(sae_model **out, int d, const sae_config *cfg, sc_err *e);
void sae_free(sae_model *m);

/* The kernel description of the model (lambda as configured). */
void sae_spec_of(const sae_model *m, sae_spec *s);
/* Views of the block: params, grads, Adam m, Adam v. */
void sae_slices(float *base, int d, int m, sae_params *out);

/* Sparse activations of cells: int64 indptr, int32 indices (ascending), float values. */
typedef struct sae_csr {
    int64_t nrows;
    int32_t ncols;
    int64_t *indptr;
    int32_t *indices;
    float *data;
} sae_csr;
void sae_csr_free(sae_csr *c);

/* Activations of n cells (inference mode), X row-major n x d in input units. */
int sae_encode(const sae_model *m, const float *X, int64_t n, sae_csr *out, sc_err *e);
/* Reconstruction from activations, in input units (scale undone): out n x d. */
int sae_decode(const sae_model *m, const sae_csr *f, float *out, sc_err *e);
/* encode + decode without keeping the activations: out n x d. */
int sae_reconstruct(const sae_model *m, const float *X, int64_t n, float *out, sc_err *e);

/* Decoder-norm constraint (relu-l1, topk family): remove from each gradient
 * row its component along the (unit) decoder row, and renormalise rows. */
void sae_project_rows(const float *W, float *G, int m, int d);
void sae_renorm_rows(float *W, int m, int d);
/* The seed's version: W_enc is normalised per input dimension (columns of
 * the m x d matrix), so its projection runs down columns. */
void sae_project_cols(const float *W, float *G, int m, int d);

#endif

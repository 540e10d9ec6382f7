/* sae_kern.h: declarations of the SAE kernels for one real type.
 *
 * Included by sae.h twice, with SAE_REAL = float / SAE_SFX(x) = x##_f and
 * with double / x##_d (no include guard on purpose).  The definitions are in
 * sae_kern_impl.h, instantiated the same way by sae.c.  Training uses float;
 * the gradient test uses double so central differences resolve 1e-6. */

typedef struct SAE_SFX(sae_params) {
    SAE_REAL *W_enc; /* m x d: row j = feature j's encoder vector */
    SAE_REAL *b_enc; /* m */
    SAE_REAL *W_dec; /* m x d: row j = feature j's decoder vector */
    SAE_REAL *b_dec; /* d: pre-encoder bias and output bias */
} SAE_SFX(sae_params);

/* Everything one batch leaves for its backward pass, and scratch.
 * Activations are kept as entry lists (row b: entries ptr[b]..ptr[b+1]-1,
 * features ascending) when few fire, else as the dense matrix f. */
typedef struct SAE_SFX(sae_acts) {
    int Bmax, B, d, m, P;
    int64_t cap;             /* capacity of the main entry lists */
    int kaux;                /* stride of the AuxK lists */
    int lists;               /* ptr/idx/val describe this batch */
    int dense;               /* f holds this batch and backward uses sgemm */
    int train;
    int has_aux;             /* the AuxK term is part of this batch's loss */
    int aux_frozen;          /* keep resid and aux_scale (finite differences) */
    SAE_REAL *xc;            /* B x d   s*x - b_dec */
    SAE_REAL *z;             /* B x m   pre-activations */
    SAE_REAL *f, *df;        /* B x m   dense activations and dL/dz */
    SAE_REAL *xhat, *g;      /* P x B x d  prefix reconstructions; dL/dxhat, then summed from the back */
    SAE_REAL *dxc;           /* B x d */
    int64_t *ptr;            /* B + 1 */
    int32_t *idx;            /* cap */
    SAE_REAL *val, *dz;      /* cap */
    int32_t *acnt;           /* B: AuxK entries of row b start at b * k_aux */
    int32_t *aidx;           /* B x k_aux */
    SAE_REAL *aval, *adz;
    SAE_REAL *resid, *ahat, *ag; /* B x d  e = x - xhat (detached), e^, dL/de^ */
    double aux_scale;        /* 1 / sum ||e_b - mean e||^2 (detached) */
    int64_t *fptr;           /* m + 1: per-feature view of the entries for the weight gradients */
    int32_t *frow, *fsrc;    /* fsrc: prefix block of a main entry, P for AuxK */
    SAE_REAL *fval, *fdz;
    SAE_REAL *We_n, *Wd_n;   /* seed: weights normalised in the forward pass */
    SAE_REAL *enorm, *dnorm; /* seed: norms of W_enc columns (d), W_dec rows (m); l1-norm=decoder */
    SAE_REAL *dWe_n, *dWd_n; /* seed: gradients with respect to the normalised weights */
    const SAE_REAL *We, *Wd; /* the weights this forward used */
    double *rowloss;         /* B x 3: mse, l1, aux of each row */
    SAE_REAL *sel;           /* B x m scratch for the top-k selections */
    int32_t *seli;           /* B x m */
    int64_t *ties;           /* B: ties at the batch top-k threshold kept per row */
    int32_t *dlist;          /* m: the dead features of this batch (AuxK) */
    double loss, loss_mse, loss_l1, loss_aux;
    double kept_min;         /* batch top-k in training: smallest kept activation */
} SAE_SFX(sae_acts);

/* Buffers for batches of up to Bmax cells; 0 or -1 with e set. */
int SAE_SFX(sae_acts_alloc)(SAE_SFX(sae_acts) *a, const sae_spec *s, int Bmax, sc_err *e);
void SAE_SFX(sae_acts_free)(SAE_SFX(sae_acts) *a);

/* Forward pass of B cells X (B x d, already scaled).  train selects the
 * training activation (batch top-k rather than the threshold) and, with a
 * dead-feature mask (m bytes, may be NULL), adds the AuxK term.
 * Returns the loss; the parts are in a->loss_mse / loss_l1 / loss_aux. */
double SAE_SFX(sae_forward)(const SAE_SFX(sae_params) *p, const sae_spec *s, SAE_SFX(sae_acts) *a,
                            const SAE_REAL *X, int B, int train, const uint8_t *dead);

/* Backward pass of the last forward (same s and X; the weights it used are
 * referenced by a): adds dLoss/dparam into g. */
void SAE_SFX(sae_backward)(SAE_SFX(sae_params) *g, const sae_spec *s, SAE_SFX(sae_acts) *a,
                           const SAE_REAL *X);

/* B x m flags of the last forward: 1 = active, 2 = chosen by AuxK. */
void SAE_SFX(sae_acts_mask)(const SAE_SFX(sae_acts) *a, uint8_t *mask);
/* fired[j] += cells of the batch where feature j is active (may be NULL);
 * returns the number of active (cell, feature) pairs. */
int64_t SAE_SFX(sae_acts_count)(const SAE_SFX(sae_acts) *a, int64_t *fired);
/* Active features of row b (ascending) into idx/val (room for m); returns the count. */
int SAE_SFX(sae_acts_row)(const SAE_SFX(sae_acts) *a, int b, int32_t *idx, SAE_REAL *val);

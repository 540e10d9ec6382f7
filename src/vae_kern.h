/* vae_kern.h: the VAE's tensors and its forward / backward pass over one
 * minibatch, for one real type.  Included by vae.h twice (float: training,
 * double: the finite-difference test); no include guard on purpose.
 * Definitions: vae_kern_impl.h.  G genes, H hidden units, L latent
 * dimensions, nl hidden layers, C one-hot covariate columns, B cells. */

/* The parameters, one named slice each of one block (the sizes table is
 * vae_param_sizes).  The same struct type views the gradients and Adam's
 * two moments.  Linear weights are input-major (nn.h): rows are inputs. */
typedef struct NN_SFX(vae_params) {
    NN_REAL *enc_w0;   /* (G + enc_c0) x H  encoder layer 0: genes, then covariates */
    NN_REAL *enc_b0;   /* H */
    NN_REAL *enc_w;    /* (nl-1) x (H + enc_c) x H  deeper encoder layers */
    NN_REAL *enc_b;    /* (nl-1) x H */
    NN_REAL *enc_bn_w; /* nl x H  BatchNorm scale */
    NN_REAL *enc_bn_b; /* nl x H  BatchNorm shift */
    NN_REAL *mean_w;   /* H x L  posterior mean head */
    NN_REAL *mean_b;   /* L */
    NN_REAL *var_w;    /* H x L  posterior variance head (variance = exp(.) + 1e-4) */
    NN_REAL *var_b;    /* L */
    NN_REAL *dec_w0;   /* (L + C) x H  decoder layer 0: latent, then covariates */
    NN_REAL *dec_b0;   /* H */
    NN_REAL *dec_w;    /* (nl-1) x (H + dec_c) x H */
    NN_REAL *dec_b;    /* (nl-1) x H */
    NN_REAL *dec_bn_w; /* nl x H */
    NN_REAL *dec_bn_b; /* nl x H */
    NN_REAL *scale_w;  /* H x G  gene proportions (softmax): px_scale */
    NN_REAL *scale_b;  /* G */
    NN_REAL *drop_w;   /* H x G  zero-inflation logits (zinb only; else NULL) */
    NN_REAL *drop_b;   /* G */
    NN_REAL *px_r;     /* G  log inverse dispersion (nb, zinb; else NULL) */
} NN_SFX(vae_params);

/* BatchNorm running statistics (state, not trained): nl x H each. */
typedef struct NN_SFX(vae_bn) {
    NN_REAL *enc_mean, *enc_var, *dec_mean, *dec_var;
} NN_SFX(vae_bn);

/* One minibatch: raw counts of B cells and their covariate columns
 * (cov.n = dims.ncat, cov.C = dims.C). */
typedef struct NN_SFX(vae_batch) {
    NN_SFX(nn_csr) x;
    nn_cov cov;
} NN_SFX(vae_batch);

/* Everything a forward pass leaves for its backward pass, for up to Bmax
 * cells; per-layer buffers are nl x B x H. */
typedef struct NN_SFX(vae_acts) {
    int Bmax, B;
    int dense;                 /* this batch's first layer ran dense (sgemm) */
    int sampled;               /* z was drawn (else z = qm) */
    NN_REAL *lib;              /* B  library size (sum of counts) */
    NN_REAL *xin;              /* B x G  log1p(counts): the batch's non-zeros (sparse) or dense */
    NN_REAL *l1p;              /* LIK_NFACT  log1p(k) for integer counts k */
    NN_REAL *enc_a, *enc_y, *enc_h, *enc_mask; /* linear out, BatchNorm out, ReLU+dropout out, mask */
    NN_REAL *enc_mean, *enc_var; /* nl x H  batch statistics */
    NN_REAL *qm, *lv, *qv, *eps, *z; /* B x L */
    NN_REAL *dec_a, *dec_y, *dec_h;
    NN_REAL *dec_mean, *dec_var;
    NN_REAL *logit, *scale, *mu; /* B x G */
    NN_REAL *pil;                /* B x G  zero-inflation logits (zinb) */
    NN_REAL *theta;              /* G  exp(px_r) */
    NN_REAL *dmu, *dpi;          /* B x G  likelihood gradients (dmu becomes dlogit) */
    NN_REAL *dtheta;             /* G */
    NN_REAL *t1, *t2, *t3;       /* B x H  gradient scratch */
    NN_REAL *dz, *dqm, *dlv;     /* B x L */
    double *nll, *kl;            /* B  per cell */
    NN_SFX(lik_ws) ws;
    double loss, rec, klm;       /* batch means: loss, reconstruction NLL, KL */
} NN_SFX(vae_acts);

/* Views of a block laid out by vae_param_sizes (sizes-0 slices are NULL). */
void NN_SFX(vae_point_params)(NN_SFX(vae_params) *p, NN_REAL *base, const size_t *sizes);
/* Views of a block of 4 x nl x H running statistics. */
void NN_SFX(vae_point_bn)(NN_SFX(vae_bn) *bn, NN_REAL *base, const vae_dims *d);

int NN_SFX(vae_acts_alloc)(NN_SFX(vae_acts) *a, const vae_dims *d, int Bmax, sc_err *e);
void NN_SFX(vae_acts_free)(NN_SFX(vae_acts) *a);

/* Forward pass of one minibatch (B <= Bmax).  mode is a set of VAE_* flags:
 * VAE_TRAIN: batch statistics and dropout (else running statistics);
 * VAE_SAMPLE: z = qm + sqrt(qv) eps (else z = qm); VAE_GRAD: also compute
 * the likelihood's gradients for vae_backward; VAE_KEEP_NOISE: reuse the
 * dropout masks and eps already in a (finite differences); VAE_ENCODE: stop
 * after qm and lv.  Noise is drawn from r.  Returns the loss
 * mean_b(nll_b + klw * kl_b); a->rec and a->klm hold the two means. */
double NN_SFX(vae_forward)(const NN_SFX(vae_params) *p, const NN_SFX(vae_bn) *bn,
                           const vae_dims *d, NN_SFX(vae_acts) *a, const NN_SFX(vae_batch) *x,
                           double klw, int mode, rng *r);

/* Backward pass of the last forward (which had VAE_GRAD): adds the gradient
 * of its loss into g. */
void NN_SFX(vae_backward)(NN_SFX(vae_params) *g, const NN_SFX(vae_params) *p, const vae_dims *d,
                          NN_SFX(vae_acts) *a, const NN_SFX(vae_batch) *x, double klw);

/* Fold the last training forward's batch statistics into the running ones
 * (kept apart from the forward so a step with a non-finite loss leaves them). */
void NN_SFX(vae_bn_commit)(NN_SFX(vae_bn) *bn, const vae_dims *d, const NN_SFX(vae_acts) *a);

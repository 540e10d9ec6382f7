/* lik_kern.h: likelihood kernels for one real type (see lik.h); included
 * twice by lik.h, no include guard on purpose.  Definitions: lik_kern_impl.h. */

/* Scratch and per-gene constants for batches of up to Bmax rows over G genes. */
typedef struct NN_SFX(lik_ws) {
    int G, Bmax, nblk;
    NN_REAL *ltheta;  /* G: log(theta + eps) */
    NN_REAL *tratio;  /* G: theta / (theta + eps) */
    double *lgtheta;  /* G: lgamma(theta) */
    double *dgtheta;  /* G: digamma(theta) */
    double *part;     /* nblk x Bmax: per-tile row sums */
    double lgfact[LIK_NFACT]; /* lgamma(x + 1) */
} NN_SFX(lik_ws);

int NN_SFX(lik_ws_alloc)(NN_SFX(lik_ws) *ws, int G, int Bmax, sc_err *e);
void NN_SFX(lik_ws_free)(NN_SFX(lik_ws) *ws);
/* Per-gene constants of theta; call after every change of theta (NB, ZINB). */
void NN_SFX(lik_prepare)(NN_SFX(lik_ws) *ws, const NN_REAL *theta);

/* Negative log-likelihood of the counts x (x->B <= Bmax rows over ws->G
 * genes): nll[b] is written (summed over genes) and the sum returned.
 * theta: G (NB, ZINB; lik_prepare'd), pi: B x G (ZINB), else NULL.
 * With dmu != NULL it also writes the gradients of gscale * sum_b nll[b]:
 * dmu and (ZINB) dpi, B x G each, and adds into dtheta (G). */
double NN_SFX(lik_nll)(lik_kind kind, NN_SFX(lik_ws) *ws, double *nll, NN_REAL *dmu,
                       NN_REAL *dpi, NN_REAL *dtheta, const NN_SFX(nn_csr) *x, const NN_REAL *mu,
                       const NN_REAL *theta, const NN_REAL *pi, double gscale);

/* KL(N(qm, qv) || N(0, 1)) summed over the L latent dimensions, qv =
 * exp(lv) + var_eps: kl[b] written, sum returned.  With dqm != NULL adds the
 * gradients of gscale * sum_b kl[b] into dqm and dlv (B x L). */
double NN_SFX(lik_kl)(double *kl, NN_REAL *dqm, NN_REAL *dlv, const NN_REAL *qm, const NN_REAL *lv,
                      double var_eps, double gscale, int B, int L);

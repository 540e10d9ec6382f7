/* nn_kern.h: declarations of the layer kernels for one real type.
 *
 * Included by nn.h twice (NN_REAL float / NN_SFX(x) x##_f, then double /
 * x##_d); no include guard on purpose.  Definitions: nn_kern_impl.h.
 * Shapes are given as [rows, cols], row-major. */

/* A minibatch of sparse rows: B rows, entries ptr[b]..ptr[b+1]-1 (ptr[0] =
 * 0), column indices ascending within a row. */
typedef struct NN_SFX(nn_csr) {
    int B;
    const int64_t *ptr;  /* B + 1 */
    const int32_t *idx;  /* ptr[B] */
    const NN_REAL *val;  /* ptr[B] */
} NN_SFX(nn_csr);

/* Linear: out[B,N] = in[B,K] . W[0:K,:] + bias + sum over covariates of
 * W[K + col, :].  W is (K + cov->C) x N; cov may be NULL. */
void NN_SFX(nn_linear_forward)(NN_REAL *out, const NN_REAL *in, const NN_REAL *W,
                               const NN_REAL *bias, const nn_cov *cov, int B, int K, int N);
/* din[B,K] += dout . W[0:K,:]^T (din may be NULL: no input gradient);
 * dW += in^T . dout and the covariate rows; dbias += column sums of dout. */
void NN_SFX(nn_linear_backward)(NN_REAL *din, NN_REAL *dW, NN_REAL *dbias, const NN_REAL *dout,
                                const NN_REAL *in, const NN_REAL *W, const nn_cov *cov, int B,
                                int K, int N);

/* The same layer reading a sparse input x (B rows over K columns):
 * out[b,:] = bias + sum over non-zeros v at column j of v * W[j,:] (+ covariates).
 * The input needs no gradient (it is data), so backward only fills dW and
 * dbias; it runs over fixed chunks of NN_COLCHUNK output columns so every
 * weight is accumulated by one thread in row order (deterministic). */
void NN_SFX(nn_csr_linear_forward)(NN_REAL *out, const NN_SFX(nn_csr) *x, const NN_REAL *W,
                                   const NN_REAL *bias, const nn_cov *cov, int K, int N);
void NN_SFX(nn_csr_linear_backward)(NN_REAL *dW, NN_REAL *dbias, const NN_REAL *dout,
                                    const NN_SFX(nn_csr) *x, const nn_cov *cov, int K, int N);
/* Scatter a sparse batch into a dense B x K matrix (for the dense path). */
void NN_SFX(nn_csr_densify)(NN_REAL *out, const NN_SFX(nn_csr) *x, int K);

/* BatchNorm1d in training mode: per feature mean and biased variance over
 * the B rows; out = gamma * (in - mean) / sqrt(var + eps) + beta.  mean and
 * var (N each) are written for backward and for the running statistics. */
void NN_SFX(nn_batchnorm_forward)(NN_REAL *out, NN_REAL *mean, NN_REAL *var, const NN_REAL *in,
                                  const NN_REAL *gamma, const NN_REAL *beta, double eps, int B,
                                  int N);
void NN_SFX(nn_batchnorm_backward)(NN_REAL *din, NN_REAL *dgamma, NN_REAL *dbeta,
                                   const NN_REAL *dout, const NN_REAL *in, const NN_REAL *gamma,
                                   const NN_REAL *mean, const NN_REAL *var, double eps, int B,
                                   int N);
/* Evaluation mode: the running statistics instead of the batch's. */
void NN_SFX(nn_batchnorm_eval)(NN_REAL *out, const NN_REAL *in, const NN_REAL *gamma,
                               const NN_REAL *beta, const NN_REAL *rmean, const NN_REAL *rvar,
                               double eps, int B, int N);
/* torch's running update: r = (1 - momentum) r + momentum * batch value,
 * with the unbiased variance (var * B / (B - 1)). */
void NN_SFX(nn_batchnorm_running)(NN_REAL *rmean, NN_REAL *rvar, const NN_REAL *mean,
                                  const NN_REAL *var, double momentum, int B, int N);

/* ReLU over n values; backward uses the pre-activation `in`. */
void NN_SFX(nn_relu_forward)(NN_REAL *out, const NN_REAL *in, size_t n);
void NN_SFX(nn_relu_backward)(NN_REAL *din, const NN_REAL *dout, const NN_REAL *in, size_t n);

/* Dropout with a given mask of scales (0 or 1 / (1 - p)), drawn by
 * nn_dropout_mask, so a test can hold the mask fixed. */
void NN_SFX(nn_dropout_mask)(NN_REAL *mask, size_t n, double p, rng *r);
void NN_SFX(nn_dropout_forward)(NN_REAL *out, const NN_REAL *in, const NN_REAL *mask, size_t n);
void NN_SFX(nn_dropout_backward)(NN_REAL *din, const NN_REAL *dout, const NN_REAL *mask,
                                 size_t n);

/* Gene proportions times library size: scale = softmax(logit) per row,
 * mu = scale * lib[b] (scvi-tools' px_scale and px_rate). */
void NN_SFX(nn_softmax_scale_forward)(NN_REAL *scale, NN_REAL *mu, const NN_REAL *logit,
                                      const NN_REAL *lib, int B, int G);
/* dlogit = lib * s * (dmu - sum_k s_k dmu_k), per row.  Writes (it starts
 * the decoder's chain); dlogit may be dmu itself (in place). */
void NN_SFX(nn_softmax_scale_backward)(NN_REAL *dlogit, const NN_REAL *dmu, const NN_REAL *scale,
                                       const NN_REAL *lib, int B, int G);

/* Reparameterised sample of a diagonal Gaussian over n values:
 * qv = exp(lv) + var_eps, z = qm + sqrt(qv) * eps (eps given). */
void NN_SFX(nn_gauss_forward)(NN_REAL *z, NN_REAL *qv, const NN_REAL *qm, const NN_REAL *lv,
                              const NN_REAL *eps, double var_eps, size_t n);
void NN_SFX(nn_gauss_backward)(NN_REAL *dqm, NN_REAL *dlv, const NN_REAL *dz, const NN_REAL *qv,
                               const NN_REAL *lv, const NN_REAL *eps, size_t n);

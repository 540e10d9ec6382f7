/* nn_kern_impl.h: definitions of the layer kernels for one real type.
 *
 * Included by nn.c twice with NN_REAL, NN_SFX(x), NN_F(fn) (the libm
 * function of that precision: expf or exp) and NN_GEMM (cblas_sgemm or
 * cblas_dgemm) defined.  No include guard on purpose.  Loops that run in
 * parallel give every output element to one thread and sum in a fixed order,
 * so results are the same for any thread count. */

/* C[M,N] = op(A) op(B) + beta C (row-major; ta / tb: A / B transposed).
 * Large products are cut into fixed tiles of C (NN_GEMM_NCHUNK columns or
 * NN_GEMM_MCHUNK rows) spread over the OpenMP threads, each tile one BLAS
 * call; callers run OpenBLAS single-threaded meanwhile (sc_blas_single), so
 * one thread pool does all the work.  The tiles depend only on the shapes:
 * any thread count gives the same bits. */
static void NN_SFX(gemm)(int ta, int tb, int M, int N, int K, const NN_REAL *A, int lda,
                         const NN_REAL *Bm, int ldb, NN_REAL beta, NN_REAL *C, int ldc)
{
    const enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans;
    const enum CBLAS_TRANSPOSE TB = tb ? CblasTrans : CblasNoTrans;
    const NN_REAL one = 1;
    /* cut along N when that gives at least two tiles and N is the longer
     * side; else along M.  (A product with M = N = 128 and a long K, the
     * decoder heads' input gradient, used to be one tile on one thread
     * while the other waited: a third of the heads' GEMM work serial.) */
    const int nt_n = (N + NN_GEMM_NCHUNK - 1) / NN_GEMM_NCHUNK;
    if (2.0 * M * N * K < NN_GEMM_MIN_FLOPS || (M <= NN_GEMM_MCHUNK && N <= NN_GEMM_NCHUNK)) {
        NN_GEMM(CblasRowMajor, TA, TB, M, N, K, one, A, lda, Bm, ldb, beta, C, ldc);
    } else if (N >= M && nt_n > 1) {
        int nt = (N + NN_GEMM_NCHUNK - 1) / NN_GEMM_NCHUNK;
        SC_OMP("omp parallel for schedule(dynamic, 1)")
        for (int t = 0; t < nt; t++) {
            int j0 = t * NN_GEMM_NCHUNK, nj = N - j0 < NN_GEMM_NCHUNK ? N - j0 : NN_GEMM_NCHUNK;
            NN_GEMM(CblasRowMajor, TA, TB, M, nj, K, one, A, lda,
                    tb ? Bm + (size_t)j0 * ldb : Bm + j0, ldb, beta, C + j0, ldc);
        }
    } else {
        int mt = (M + NN_GEMM_MCHUNK - 1) / NN_GEMM_MCHUNK;
        SC_OMP("omp parallel for schedule(dynamic, 1)")
        for (int t = 0; t < mt; t++) {
            int i0 = t * NN_GEMM_MCHUNK, ni = M - i0 < NN_GEMM_MCHUNK ? M - i0 : NN_GEMM_MCHUNK;
            NN_GEMM(CblasRowMajor, TA, TB, ni, N, K, one, ta ? A + i0 : A + (size_t)i0 * lda, lda,
                    Bm, ldb, beta, C + (size_t)i0 * ldc, ldc);
        }
    }
}

/* dst[o] += sum over rows of src[b, o], by fixed column chunks. */
NN_HOT static void NN_SFX(colsum_add)(NN_REAL *dst, const NN_REAL *src, int B, int N)
{
    int nch = (N + NN_COLCHUNK - 1) / NN_COLCHUNK;
    SC_OMP("omp parallel for schedule(static) if((size_t)B * (size_t)N > 65536)")
    for (int c = 0; c < nch; c++) {
        int o0 = c * NN_COLCHUNK, o1 = o0 + NN_COLCHUNK < N ? o0 + NN_COLCHUNK : N;
        NN_REAL acc[NN_COLCHUNK] = {0};
        for (int b = 0; b < B; b++) {
            const NN_REAL *s = src + (size_t)b * N;
            SC_OMP("omp simd")
            for (int o = o0; o < o1; o++)
                acc[o - o0] += s[o];
        }
        for (int o = o0; o < o1; o++)
            dst[o] += acc[o - o0];
    }
}

/* Rows of out start as the bias (or zero). */
static void NN_SFX(rows_init)(NN_REAL *out, const NN_REAL *bias, int B, int N)
{
    for (int b = 0; b < B; b++) {
        NN_REAL *o = out + (size_t)b * N;
        if (bias)
            memcpy(o, bias, (size_t)N * sizeof *o);
        else
            memset(o, 0, (size_t)N * sizeof *o);
    }
}

static void NN_SFX(cov_forward)(NN_REAL *out, const NN_REAL *W, const nn_cov *cov, int B, int K,
                                int N)
{
    if (!cov || cov->n == 0)
        return;
    for (int b = 0; b < B; b++) {
        NN_REAL *o = out + (size_t)b * N;
        for (int k = 0; k < cov->n; k++) {
            int32_t c = cov->col[(size_t)b * cov->n + k];
            if (c < 0)
                continue;
            const NN_REAL *w = W + (size_t)(K + c) * N;
            SC_OMP("omp simd")
            for (int i = 0; i < N; i++)
                o[i] += w[i];
        }
    }
}

/* dW rows of the covariates, columns [o0, o1), rows in order. */
static void NN_SFX(cov_backward)(NN_REAL *dW, const NN_REAL *dout, const nn_cov *cov, int B, int K,
                                 int N, int o0, int o1)
{
    if (!cov || cov->n == 0)
        return;
    for (int b = 0; b < B; b++) {
        const NN_REAL *d = dout + (size_t)b * N;
        for (int k = 0; k < cov->n; k++) {
            int32_t c = cov->col[(size_t)b * cov->n + k];
            if (c < 0)
                continue;
            NN_REAL *w = dW + (size_t)(K + c) * N;
            SC_OMP("omp simd")
            for (int o = o0; o < o1; o++)
                w[o] += d[o];
        }
    }
}

void NN_SFX(nn_linear_forward)(NN_REAL *out, const NN_REAL *in, const NN_REAL *W,
                               const NN_REAL *bias, const nn_cov *cov, int B, int K, int N)
{
    if (B <= 0 || N <= 0)
        return;
    NN_SFX(rows_init)(out, bias, B, N);
    if (K > 0)
        NN_SFX(gemm)(0, 0, B, N, K, in, K, W, N, 1, out, N);
    NN_SFX(cov_forward)(out, W, cov, B, K, N);
}

void NN_SFX(nn_linear_backward)(NN_REAL *din, NN_REAL *dW, NN_REAL *dbias, const NN_REAL *dout,
                                const NN_REAL *in, const NN_REAL *W, const nn_cov *cov, int B,
                                int K, int N)
{
    if (B <= 0 || N <= 0)
        return;
    if (din && K > 0)
        NN_SFX(gemm)(0, 1, B, K, N, dout, N, W, N, 1, din, K);
    if (K > 0)
        NN_SFX(gemm)(1, 0, K, N, B, in, K, dout, N, 1, dW, N);
    NN_SFX(cov_backward)(dW, dout, cov, B, K, N, 0, N);
    if (dbias)
        NN_SFX(colsum_add)(dbias, dout, B, N);
}

NN_HOT void NN_SFX(nn_csr_linear_forward)(NN_REAL *out, const NN_SFX(nn_csr) *x, const NN_REAL *W,
                                   const NN_REAL *bias, const nn_cov *cov, int K, int N)
{
    int B = x->B;
    if (B <= 0 || N <= 0)
        return;
    NN_SFX(rows_init)(out, bias, B, N);
    SC_OMP("omp parallel for schedule(static) if(x->ptr[B] * (int64_t)N > 65536)")
    for (int b = 0; b < B; b++) {
        NN_REAL *restrict o = out + (size_t)b * N;
        int64_t k = x->ptr[b], k1 = x->ptr[b + 1];
        /* four non-zeros per pass over the output row: a quarter of the
         * loads and stores of o.  omp simd: at -O2 GCC vectorises only
         * loops that need no remainder handling unless told to. */
        for (; k + 4 <= k1; k += 4) {
            const NN_REAL v0 = x->val[k], v1 = x->val[k + 1], v2 = x->val[k + 2],
                          v3 = x->val[k + 3];
            const NN_REAL *restrict w0 = W + (size_t)x->idx[k] * N;
            const NN_REAL *restrict w1 = W + (size_t)x->idx[k + 1] * N;
            const NN_REAL *restrict w2 = W + (size_t)x->idx[k + 2] * N;
            const NN_REAL *restrict w3 = W + (size_t)x->idx[k + 3] * N;
            SC_OMP("omp simd")
            for (int i = 0; i < N; i++)
                o[i] += v0 * w0[i] + v1 * w1[i] + v2 * w2[i] + v3 * w3[i];
        }
        for (; k < k1; k++) {
            const NN_REAL v = x->val[k];
            const NN_REAL *restrict w = W + (size_t)x->idx[k] * N;
            SC_OMP("omp simd")
            for (int i = 0; i < N; i++)
                o[i] += v * w[i];
        }
    }
    NN_SFX(cov_forward)(out, W, cov, B, K, N);
}

NN_HOT void NN_SFX(nn_csr_linear_backward)(NN_REAL *dW, NN_REAL *dbias, const NN_REAL *dout,
                                    const NN_SFX(nn_csr) *x, const nn_cov *cov, int K, int N)
{
    int B = x->B;
    if (B <= 0 || N <= 0)
        return;
    int nch = (N + NN_SPCHUNK - 1) / NN_SPCHUNK;
    SC_OMP("omp parallel for schedule(static) if(x->ptr[B] * (int64_t)N > 65536)")
    for (int c = 0; c < nch; c++) {
        int o0 = c * NN_SPCHUNK, o1 = o0 + NN_SPCHUNK < N ? o0 + NN_SPCHUNK : N;
        for (int b = 0; b < B; b++) {
            const NN_REAL *restrict d = dout + (size_t)b * N;
            for (int64_t k = x->ptr[b]; k < x->ptr[b + 1]; k++) {
                const NN_REAL v = x->val[k];
                NN_REAL *restrict w = dW + (size_t)x->idx[k] * N;
                SC_OMP("omp simd")
                for (int o = o0; o < o1; o++)
                    w[o] += v * d[o];
            }
        }
        NN_SFX(cov_backward)(dW, dout, cov, B, K, N, o0, o1);
    }
    if (dbias)
        NN_SFX(colsum_add)(dbias, dout, B, N);
}

void NN_SFX(nn_csr_densify)(NN_REAL *out, const NN_SFX(nn_csr) *x, int K)
{
    memset(out, 0, (size_t)x->B * (size_t)K * sizeof *out);
    for (int b = 0; b < x->B; b++)
        for (int64_t k = x->ptr[b]; k < x->ptr[b + 1]; k++)
            out[(size_t)b * K + x->idx[k]] = x->val[k];
}

NN_HOT void NN_SFX(nn_batchnorm_forward)(NN_REAL *out, NN_REAL *mean, NN_REAL *var, const NN_REAL *in,
                                  const NN_REAL *gamma, const NN_REAL *beta, double eps, int B,
                                  int N)
{
    for (int o = 0; o < N; o++) {
        NN_REAL m = 0, v = 0;
        for (int b = 0; b < B; b++)
            m += in[(size_t)b * N + o];
        m /= (NN_REAL)B;
        for (int b = 0; b < B; b++) {
            NN_REAL t = in[(size_t)b * N + o] - m;
            v += t * t;
        }
        v /= (NN_REAL)B; /* biased, as torch normalises */
        mean[o] = m;
        var[o] = v;
        NN_REAL rstd = (NN_REAL)1 / NN_F(sqrt)(v + (NN_REAL)eps);
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)b * N + o;
            out[i] = gamma[o] * (in[i] - m) * rstd + beta[o];
        }
    }
}

NN_HOT void NN_SFX(nn_batchnorm_backward)(NN_REAL *din, NN_REAL *dgamma, NN_REAL *dbeta,
                                   const NN_REAL *dout, const NN_REAL *in, const NN_REAL *gamma,
                                   const NN_REAL *mean, const NN_REAL *var, double eps, int B,
                                   int N)
{
    for (int o = 0; o < N; o++) {
        NN_REAL rstd = (NN_REAL)1 / NN_F(sqrt)(var[o] + (NN_REAL)eps);
        NN_REAL sdy = 0, sdyx = 0;
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)b * N + o;
            sdy += dout[i];
            sdyx += dout[i] * (in[i] - mean[o]) * rstd;
        }
        dgamma[o] += sdyx;
        dbeta[o] += sdy;
        NN_REAL k = gamma[o] * rstd / (NN_REAL)B;
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)b * N + o;
            NN_REAL xhat = (in[i] - mean[o]) * rstd;
            din[i] += k * ((NN_REAL)B * dout[i] - sdy - xhat * sdyx);
        }
    }
}

void NN_SFX(nn_batchnorm_eval)(NN_REAL *out, const NN_REAL *in, const NN_REAL *gamma,
                               const NN_REAL *beta, const NN_REAL *rmean, const NN_REAL *rvar,
                               double eps, int B, int N)
{
    for (int b = 0; b < B; b++)
        for (int o = 0; o < N; o++) {
            size_t i = (size_t)b * N + o;
            out[i] = gamma[o] * (in[i] - rmean[o]) / NN_F(sqrt)(rvar[o] + (NN_REAL)eps) + beta[o];
        }
}

void NN_SFX(nn_batchnorm_running)(NN_REAL *rmean, NN_REAL *rvar, const NN_REAL *mean,
                                  const NN_REAL *var, double momentum, int B, int N)
{
    NN_REAL m = (NN_REAL)momentum;
    NN_REAL unbias = B > 1 ? (NN_REAL)B / (NN_REAL)(B - 1) : (NN_REAL)1;
    for (int o = 0; o < N; o++) {
        rmean[o] = ((NN_REAL)1 - m) * rmean[o] + m * mean[o];
        rvar[o] = ((NN_REAL)1 - m) * rvar[o] + m * var[o] * unbias;
    }
}

NN_HOT void NN_SFX(nn_relu_forward)(NN_REAL *out, const NN_REAL *in, size_t n)
{
    /* written so a NaN passes through, as torch.relu lets it: a broken
     * parameter must show in the loss, not vanish behind the ReLU */
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] < 0 ? 0 : in[i];
}

NN_HOT void NN_SFX(nn_relu_backward)(NN_REAL *din, const NN_REAL *dout, const NN_REAL *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (in[i] > 0)
            din[i] += dout[i];
}

void NN_SFX(nn_dropout_mask)(NN_REAL *mask, size_t n, double p, rng *r)
{
    NN_REAL keep = (NN_REAL)(1.0 / (1.0 - p));
    for (size_t i = 0; i < n; i++)
        mask[i] = p > 0 && rng_uniform(r) < p ? 0 : keep;
}

NN_HOT void NN_SFX(nn_dropout_forward)(NN_REAL *out, const NN_REAL *in, const NN_REAL *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * mask[i];
}

NN_HOT void NN_SFX(nn_dropout_backward)(NN_REAL *din, const NN_REAL *dout, const NN_REAL *mask,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] += dout[i] * mask[i];
}

NN_HOT void NN_SFX(nn_softmax_scale_forward)(NN_REAL *scale, NN_REAL *mu, const NN_REAL *logit,
                                      const NN_REAL *lib, int B, int G)
{
    SC_OMP("omp parallel for schedule(static) if((size_t)B * (size_t)G > 65536)")
    for (int b = 0; b < B; b++) {
        const NN_REAL *l = logit + (size_t)b * G;
        NN_REAL *s = scale + (size_t)b * G, *m = mu + (size_t)b * G;
        NN_REAL mx = l[0];
        SC_OMP("omp simd reduction(max:mx)")
        for (int j = 1; j < G; j++)
            mx = l[j] > mx ? l[j] : mx;
        double sum = 0;
        SC_OMP("omp simd reduction(+:sum)")
        for (int j = 0; j < G; j++) {
            s[j] = NN_EXP(l[j] - mx);
            sum += s[j];
        }
        NN_REAL inv = (NN_REAL)(1.0 / sum);
        SC_OMP("omp simd")
        for (int j = 0; j < G; j++) {
            s[j] *= inv;
            m[j] = s[j] * lib[b];
        }
    }
}

NN_HOT void NN_SFX(nn_softmax_scale_backward)(NN_REAL *dlogit, const NN_REAL *dmu, const NN_REAL *scale,
                                       const NN_REAL *lib, int B, int G)
{
    SC_OMP("omp parallel for schedule(static) if((size_t)B * (size_t)G > 65536)")
    for (int b = 0; b < B; b++) {
        const NN_REAL *s = scale + (size_t)b * G, *d = dmu + (size_t)b * G;
        NN_REAL *dl = dlogit + (size_t)b * G;
        double dot = 0;
        SC_OMP("omp simd reduction(+:dot)")
        for (int j = 0; j < G; j++)
            dot += (double)s[j] * d[j];
        NN_REAL sd = (NN_REAL)dot, L = lib[b];
        SC_OMP("omp simd")
        for (int j = 0; j < G; j++)
            dl[j] = L * s[j] * (d[j] - sd);
    }
}

void NN_SFX(nn_gauss_forward)(NN_REAL *z, NN_REAL *qv, const NN_REAL *qm, const NN_REAL *lv,
                              const NN_REAL *eps, double var_eps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        qv[i] = NN_F(exp)(lv[i]) + (NN_REAL)var_eps;
        z[i] = qm[i] + NN_F(sqrt)(qv[i]) * eps[i];
    }
}

void NN_SFX(nn_gauss_backward)(NN_REAL *dqm, NN_REAL *dlv, const NN_REAL *dz, const NN_REAL *qv,
                               const NN_REAL *lv, const NN_REAL *eps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dqm[i] += dz[i];
        /* dz/dqv = eps / (2 sqrt(qv)); dqv/dlv = exp(lv) */
        dlv[i] += dz[i] * eps[i] * (NN_REAL)0.5 / NN_F(sqrt)(qv[i]) * NN_F(exp)(lv[i]);
    }
}

/* sae_kern_impl.h: the SAE forward/backward kernels, written once over
 * SAE_REAL (R) and instantiated by sae.c for float and for double.
 *
 * Needs before inclusion: SAE_REAL, SAE_SFX(x), SAE_GEMM (cblas_sgemm or
 * cblas_dgemm).  Every cell (row) is processed independently, and every sum
 * over cells runs in row order on one thread, so results depend only on the
 * input and the thread count (never on OpenMP scheduling).
 *
 * Threads: OpenMP runs every loop, and sgemm too, split into one block of
 * output rows (or columns) per thread, with OpenBLAS itself single-threaded
 * meanwhile (sc_blas_single in threads.h).  Letting OpenBLAS's own
 * pthreads run between OpenMP regions made the two pools spin against each
 * other: 4x slower on two cores. */

#define R SAE_REAL
#define FN(n) SAE_SFX(n)
#define PT SAE_SFX(sae_params)
#define AT SAE_SFX(sae_acts)

/* The inner loops of the sparse path.  `omp simd` lets the compiler use
 * vector registers at -O2 (for dot it may reassociate the sum, the same
 * way on every run of a build, so results stay reproducible). */
static R FN(dot)(const R *a, const R *b, int n)
{
    R s = 0;
SAE_OMP("omp simd reduction(+ : s)")
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static void FN(axpy)(R alpha, const R *x, R *y, int n)
{
SAE_OMP("omp simd")
    for (int i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

/* Row-major C = alpha op(A) op(B) + beta C, the larger of M and N split
 * into equal blocks, one per OpenMP thread. */
static void FN(pgemm)(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int M, int N, int K, R alpha, const R *A,
                      int lda, const R *Bm, int ldb, R beta, R *C, int ldc)
{
    int nt = omp_threads();
    if (nt <= 1 || (double)M * N * K < 4 * SAE_PAR_MIN * 16) {
        SAE_GEMM(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
        return;
    }
    int split_rows = M >= N, len = split_rows ? M : N;
SAE_OMP("omp parallel num_threads(nt)")
    {
        int t = omp_thread(), lo = (int)((int64_t)len * t / nt), hi = (int)((int64_t)len * (t + 1) / nt);
        if (hi > lo) {
            if (split_rows)
                SAE_GEMM(CblasRowMajor, ta, tb, hi - lo, N, K, alpha,
                         ta == CblasNoTrans ? A + (size_t)lo * lda : A + lo, lda, Bm, ldb, beta,
                         C + (size_t)lo * ldc, ldc);
            else
                SAE_GEMM(CblasRowMajor, ta, tb, M, hi - lo, K, alpha, A, lda,
                         tb == CblasNoTrans ? Bm + lo : Bm + (size_t)lo * ldb, ldb, beta, C + lo, ldc);
        }
    }
}

void FN(sae_acts_free)(AT *a)
{
    void *bufs[] = {a->xc, a->z, a->f, a->df, a->xhat, a->g, a->dxc, a->ptr, a->idx, a->val, a->dz,
                    a->acnt, a->ties, a->aidx, a->aval, a->adz, a->resid, a->ahat, a->ag, a->fptr, a->frow,
                    a->fsrc, a->fval, a->fdz, a->We_n, a->Wd_n, a->enorm, a->dnorm, a->dWe_n,
                    a->dWd_n, a->rowloss, a->sel, a->seli, a->dlist};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    memset(a, 0, sizeof *a);
}

int FN(sae_acts_alloc)(AT *a, const sae_spec *s, int Bmax, sc_err *e)
{
    memset(a, 0, sizeof *a);
    int d = s->d, m = s->m, P = s->nprefix;
    size_t B = (size_t)Bmax, bm = B * (size_t)m, bd = B * (size_t)d;
    int topk_family = s->arch == SAE_TOPK || s->arch == SAE_BATCHTOPK || s->arch == SAE_MATRYOSHKA;
    /* entry lists: all k per cell for the top-k family; for ReLU enough for
     * the sparse path (at most 1/8 of B x m, or all of a small batch) */
    int64_t cap = topk_family ? (int64_t)B * s->k : (bm <= ((size_t)1 << 20) ? (int64_t)bm : (int64_t)(bm / 8));
    if (cap < 1)
        cap = 1;
    size_t kaux = topk_family && s->k_aux > 0 ? (size_t)s->k_aux : 0;
    size_t fcap = (size_t)cap + B * kaux;
    a->Bmax = Bmax;
    a->d = d;
    a->m = m;
    a->P = P;
    a->cap = cap;
    a->kaux = (int)kaux;
#define ALLOC(ptr, n) \
    if (!((ptr) = sc_calloc(e, (n), sizeof *(ptr)))) \
        goto fail
    ALLOC(a->xc, bd);
    ALLOC(a->z, bm);
    ALLOC(a->f, bm);
    ALLOC(a->df, bm);
    ALLOC(a->xhat, bd * (size_t)P);
    ALLOC(a->g, bd * (size_t)P);
    ALLOC(a->dxc, bd);
    ALLOC(a->ptr, B + 1);
    ALLOC(a->idx, (size_t)cap);
    ALLOC(a->val, (size_t)cap);
    ALLOC(a->dz, (size_t)cap);
    ALLOC(a->acnt, B);
    ALLOC(a->ties, B);
    ALLOC(a->aidx, B * kaux);
    ALLOC(a->aval, B * kaux);
    ALLOC(a->adz, B * kaux);
    ALLOC(a->resid, bd);
    ALLOC(a->ahat, bd);
    ALLOC(a->ag, bd);
    ALLOC(a->fptr, (size_t)m + 1);
    ALLOC(a->frow, fcap);
    ALLOC(a->fsrc, fcap);
    ALLOC(a->fval, fcap);
    ALLOC(a->fdz, fcap);
    ALLOC(a->dnorm, (size_t)m);
    ALLOC(a->dlist, (size_t)m);
    if (s->arch == SAE_SEED) {
        ALLOC(a->We_n, (size_t)m * d);
        ALLOC(a->Wd_n, (size_t)m * d);
        ALLOC(a->enorm, (size_t)d);
        ALLOC(a->dWe_n, (size_t)m * d);
        ALLOC(a->dWd_n, (size_t)m * d);
    }
    ALLOC(a->rowloss, B * 3);
    if (topk_family) {
        ALLOC(a->sel, bm);
        ALLOC(a->seli, bm);
    }
#undef ALLOC
    return 0;
fail:
    FN(sae_acts_free)(a);
    return -1;
}

/* The weights the forward pass uses: the parameters themselves, or for the
 * seed their normalised copies (W_enc per input dimension, W_dec per feature). */
static void FN(kern_weights)(const PT *p, const sae_spec *s, AT *a)
{
    int d = s->d, m = s->m;
    if (s->arch == SAE_SEED) {
        for (int c = 0; c < d; c++)
            a->enorm[c] = 0;
        for (int j = 0; j < m; j++)
            for (int c = 0; c < d; c++)
                a->enorm[c] += p->W_enc[(size_t)j * d + c] * p->W_enc[(size_t)j * d + c];
        for (int c = 0; c < d; c++)
            a->enorm[c] = (R)sqrt((double)a->enorm[c]);
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
        for (int j = 0; j < m; j++) {
            const R *we = p->W_enc + (size_t)j * d, *wd = p->W_dec + (size_t)j * d;
            R *en = a->We_n + (size_t)j * d, *dn = a->Wd_n + (size_t)j * d;
            R nd = (R)sqrt((double)FN(dot)(wd, wd, d));
            a->dnorm[j] = nd;
            for (int c = 0; c < d; c++) {
                en[c] = we[c] / a->enorm[c];
                dn[c] = wd[c] / nd;
            }
        }
        a->We = a->We_n;
        a->Wd = a->Wd_n;
        return;
    }
    a->We = p->W_enc;
    a->Wd = p->W_dec;
    if (s->l1_decoder) {
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
        for (int j = 0; j < m; j++) {
            const R *wd = p->W_dec + (size_t)j * d;
            a->dnorm[j] = (R)sqrt((double)FN(dot)(wd, wd, d));
        }
    }
}

/* --- selection ----------------------------------------------------------- */

/* The value of rank `kth` (0 = smallest) of x[0..n): quickselect with a
 * median-of-three pivot, deterministic; x is reordered. */
static R FN(select_kth)(R *x, int64_t n, int64_t kth)
{
    int64_t lo = 0, hi = n - 1;
    while (hi > lo) {
        int64_t mid = lo + (hi - lo) / 2;
        R a = x[lo], b = x[mid], c = x[hi];
        R piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < piv)
                i++;
            while (x[j] > piv)
                j--;
            if (i <= j) {
                R t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                j--;
            }
        }
        if (kth <= j)
            hi = j;
        else if (kth >= i)
            lo = i;
        else
            return x[kth];
    }
    return x[kth];
}

/* The k largest positive values of z[list[t]] (of z[t], t < m, when list
 * is NULL) into idx/val, ascending by feature; returns the count.  Equal
 * values at the boundary go to the lower position, so the choice is
 * deterministic.  buf: room for m values.
 *
 * A heap over all m values spends its time in mispredicted branches, so:
 * a lower bound lb of the k-th largest (the smallest of the maxima of k
 * chunks: k distinct values reach it) from a branch-free pass, the few
 * candidates >= lb into buf/bufi, quickselect on their values for the k-th
 * largest t, and the candidates above t plus the first ties at t kept. */
static int FN(topk_row)(const R *z, int m, int k, const int32_t *list, int32_t *idx, R *val, R *buf,
                        int32_t *bufi)
{
    R lb = 0;
    if (m >= 4 * k) {
        lb = INFINITY;
        for (int c = 0; c < k; c++) {
            int lo = (int)((int64_t)m * c / k), hi = (int)((int64_t)m * (c + 1) / k);
            R mx = -INFINITY;
            if (list) {
                for (int t = lo; t < hi; t++)
                    mx = z[list[t]] > mx ? z[list[t]] : mx;
            } else {
SAE_OMP("omp simd reduction(max : mx)")
                for (int t = lo; t < hi; t++)
                    mx = z[t] > mx ? z[t] : mx;
            }
            lb = mx < lb ? mx : lb;
        }
    }
    int nc = 0;
    for (int t = 0; t < m; t++) { /* branch-free: write always, advance on a candidate */
        int j = list ? list[t] : t;
        R v = z[j];
        buf[nc] = v;
        bufi[nc] = j;
        nc += v >= lb && v > 0;
    }
    R thr = 0;
    int ties = 0;
    if (nc > k) {
        thr = FN(select_kth)(buf, nc, nc - k); /* reorders buf, not bufi */
        int above = 0;
        for (int i = 0; i < nc; i++)
            above += buf[i] > thr;
        ties = k - above;
    }
    int n = 0;
    for (int i = 0; i < nc; i++) {
        R v = z[bufi[i]];
        if (nc > k && !(v > thr || (v == thr && ties-- > 0)))
            continue;
        idx[n] = bufi[i];
        val[n] = v;
        n++;
    }
    return n;
}

/* Keep entries z > thr (thr >= 0, so only positive values), plus the
 * first `ties[b]` entries equal to thr in row b (ties may be NULL), into
 * the entry lists.  Returns -1 without filling when there would be more
 * than `limit` (at most the list capacity). */
static int FN(keep_above)(AT *a, int B, int m, R thr, const int64_t *ties, int64_t limit)
{
    thr = thr > 0 ? thr : 0;
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        const R *z = a->z + (size_t)b * m;
        int c = 0;
SAE_OMP("omp simd reduction(+ : c)")
        for (int j = 0; j < m; j++)
            c += z[j] > thr;
        a->ptr[b + 1] = c + (ties ? ties[b] : 0);
    }
    a->ptr[0] = 0;
    for (int b = 0; b < B; b++)
        a->ptr[b + 1] += a->ptr[b];
    if (a->ptr[B] > (limit < a->cap ? limit : a->cap))
        return -1;
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        const R *z = a->z + (size_t)b * m;
        int64_t at = a->ptr[b], end = a->ptr[b + 1], tie = ties ? ties[b] : 0;
        if (!ties) {
            /* about half of ReLU's values pass: a branch would mispredict,
             * so write every value and advance only on a kept one; the
             * loop ends at the row's last slot, so nothing lands outside */
            for (int j = 0; j < m && at < end; j++) {
                R v = z[j];
                a->idx[at] = j;
                a->val[at] = v;
                at += v > thr;
            }
            continue;
        }
        for (int j = 0; j < m; j++) {
            R v = z[j];
            if (!(v > 0))
                continue;
            if (v > thr || (v == thr && tie > 0)) {
                if (v == thr)
                    tie--;
                a->idx[at] = j;
                a->val[at] = v;
                at++;
            }
        }
    }
    return 0;
}

/* Batch top-k: the k*B largest positive pre-activations of the batch. */
static void FN(batch_topk)(AT *a, const sae_spec *s, int B)
{
    int m = s->m;
    int64_t K = (int64_t)s->k * B, npos = 0;
    R minpos = 0;
    for (size_t i = 0; i < (size_t)B * m; i++) {
        R v = a->z[i];
        if (v > 0) {
            if (npos == 0 || v < minpos)
                minpos = v;
            a->sel[npos++] = v;
        }
    }
    if (npos <= K) {
        FN(keep_above)(a, B, m, 0, NULL, a->cap); /* npos <= K <= cap: fits */
        a->kept_min = npos ? (double)minpos : 0.0;
        return;
    }
    R t = FN(select_kth)(a->sel, npos, npos - K);
    /* fewer than K entries lie above t; ties at t fill the rest, in row order */
    int64_t above = 0;
    for (size_t i = 0; i < (size_t)B * m; i++)
        above += a->z[i] > t;
    int64_t quota = K - above, *tq = a->ties;
    for (int b = 0; b < B; b++) {
        const R *z = a->z + (size_t)b * m;
        int64_t c = 0;
        for (int j = 0; j < m && quota > 0; j++)
            if (z[j] == t) {
                c++;
                quota--;
            }
        tq[b] = c;
    }
    FN(keep_above)(a, B, m, t, tq, a->cap);
    a->kept_min = (double)t;
}

/* Fill the activation lists, and the dense f when the dense path runs
 * (always when the lists would not fit). */
static void FN(kern_select)(AT *a, const sae_spec *s, int B, int train)
{
    int m = s->m;
    R dthr = 0; /* dense fallback keeps z > dthr */
    /* the sparse path pays off below 1/8 of B x m active */
    int64_t sparse_max = s->path == SAE_PATH_AUTO ? (int64_t)B * m / 8 : a->cap;
    a->lists = 1;
    switch (s->arch) {
    case SAE_TOPK:
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            int64_t at = (int64_t)b * s->k;
            a->ptr[b + 1] = FN(topk_row)(a->z + (size_t)b * m, m, s->k, NULL, a->idx + at, a->val + at,
                                         a->sel + (size_t)b * m, a->seli + (size_t)b * m);
        }
        /* close the gaps of rows with fewer than k positive values */
        a->ptr[0] = 0;
        for (int b = 0; b < B; b++) {
            int64_t n = a->ptr[b + 1], from = (int64_t)b * s->k, to = a->ptr[b];
            if (to != from) {
                memmove(a->idx + to, a->idx + from, (size_t)n * sizeof *a->idx);
                memmove(a->val + to, a->val + from, (size_t)n * sizeof *a->val);
            }
            a->ptr[b + 1] = to + n;
        }
        break;
    case SAE_BATCHTOPK:
    case SAE_MATRYOSHKA:
        if (train || s->threshold < 0) {
            FN(batch_topk)(a, s, B);
        } else {
            dthr = (R)s->threshold;
            a->lists = s->path != SAE_PATH_DENSE && FN(keep_above)(a, B, m, dthr, NULL, sparse_max) == 0;
        }
        break;
    default: /* ReLU: lists only when the sparse path will use them */
        a->lists = s->path != SAE_PATH_DENSE && FN(keep_above)(a, B, m, 0, NULL, sparse_max) == 0;
        break;
    }
    int64_t nnz = a->lists ? a->ptr[B] : 0;
    a->dense = !a->lists || s->path == SAE_PATH_DENSE ||
               (s->path == SAE_PATH_AUTO && nnz * 8 > (int64_t)B * m);
    if (!a->dense)
        return;
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        R *f = a->f + (size_t)b * m;
        const R *z = a->z + (size_t)b * m;
        if (a->lists) {
            memset(f, 0, (size_t)m * sizeof *f);
            for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++)
                f[a->idx[e]] = a->val[e];
        } else {
            R t = dthr > 0 ? dthr : 0;
SAE_OMP("omp simd")
            for (int j = 0; j < m; j++)
                f[j] = (R)(z[j] > t) * z[j]; /* a mask product: no branch */
        }
    }
}

/* --- forward --------------------------------------------------------------- */

/* Per-row L1 weight of feature j: ||W_dec_j|| for l1-norm=decoder, else 1. */
#define L1W(a, s, j) ((s)->l1_decoder ? (a)->dnorm[j] : (R)1)

double FN(sae_forward)(const PT *p, const sae_spec *s, AT *a, const R *X, int B, int train,
                       const uint8_t *dead)
{
    int d = s->d, m = s->m, P = s->nprefix;
    size_t bd = (size_t)B * d;
    a->B = B;
    a->train = train;
    FN(kern_weights)(p, s, a);

    /* xc = x - b_dec;  z = xc We^T + b_enc */
SAE_OMP("omp parallel for schedule(static) if ((double)B * (m + d) >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        for (int c = 0; c < d; c++)
            a->xc[(size_t)b * d + c] = X[(size_t)b * d + c] - p->b_dec[c];
        memcpy(a->z + (size_t)b * m, p->b_enc, (size_t)m * sizeof(R));
    }
    FN(pgemm)(CblasNoTrans, CblasTrans, B, m, d, 1, a->xc, d, a->We, d, 1, a->z, m);

    FN(kern_select)(a, s, B, train);

    /* prefix reconstructions: xhat_i = b_dec + sum_{j < prefix[i]} f_j Wd_j */
    if (a->dense) {
        for (int i = 0; i < P; i++) {
            R *out = a->xhat + (size_t)i * bd;
            int lo = i ? s->prefix[i - 1] : 0, hi = s->prefix[i];
            for (int b = 0; b < B; b++)
                memcpy(out + (size_t)b * d, i ? out - bd + (size_t)b * d : p->b_dec, (size_t)d * sizeof(R));
            if (hi > lo)
                FN(pgemm)(CblasNoTrans, CblasNoTrans, B, d, hi - lo, 1, a->f + lo, m,
                         a->Wd + (size_t)lo * d, d, 1, out, d);
        }
    } else {
        double work = ((double)a->ptr[B] + (double)B * P) * d;
        (void)work; /* read only by the OpenMP clause */
SAE_OMP("omp parallel for schedule(static) if (work >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            int64_t e = a->ptr[b], end = a->ptr[b + 1];
            for (int i = 0; i < P; i++) {
                R *out = a->xhat + (size_t)i * bd + (size_t)b * d;
                memcpy(out, i ? out - bd : p->b_dec, (size_t)d * sizeof(R));
                for (; e < end && a->idx[e] < s->prefix[i]; e++)
                    FN(axpy)(a->val[e], a->Wd + (size_t)a->idx[e] * d, out, d);
            }
        }
    }

    /* AuxK: the k_aux largest pre-activations among dead features
     * reconstruct the residual of the full reconstruction */
    const R *full = a->xhat + (size_t)(P - 1) * bd;
    a->has_aux = train && dead && a->kaux > 0 && s->aux_coef > 0 &&
                 (s->arch == SAE_TOPK || s->arch == SAE_BATCHTOPK || s->arch == SAE_MATRYOSHKA);
    int nd = 0;
    if (a->has_aux)
        for (int j = 0; j < m; j++)
            if (dead[j])
                a->dlist[nd++] = j;
    a->has_aux = a->has_aux && nd > 0;
    if (a->has_aux && !a->aux_frozen) {
        /* e = x - xhat, detached; Gao et al. normalise the AuxK error by
         * the batch variance of e (a constant for the gradient) */
        double tot = 0;
        for (size_t i = 0; i < bd; i++)
            a->resid[i] = X[i] - full[i];
        for (int c = 0; c < d; c++) {
            double mean = 0, ss = 0;
            for (int b = 0; b < B; b++)
                mean += a->resid[(size_t)b * d + c];
            mean /= B;
            for (int b = 0; b < B; b++) {
                double t = a->resid[(size_t)b * d + c] - mean;
                ss += t * t;
            }
            tot += ss;
        }
        a->aux_scale = tot > 0 ? 1.0 / tot : 0.0;
    }
    a->has_aux = a->has_aux && a->aux_scale > 0;
    if (a->has_aux) {
SAE_OMP("omp parallel for schedule(static) if ((double)B * (nd + (double)a->kaux * d) >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            int32_t *ai = a->aidx + (size_t)b * a->kaux;
            R *av = a->aval + (size_t)b * a->kaux;
            a->acnt[b] = FN(topk_row)(a->z + (size_t)b * m, nd, a->kaux, a->dlist, ai, av, a->sel + (size_t)b * m,
                                      a->seli + (size_t)b * m);
            R *ah = a->ahat + (size_t)b * d;
            memset(ah, 0, (size_t)d * sizeof *ah);
            for (int t = 0; t < a->acnt[b]; t++)
                FN(axpy)(av[t], a->Wd + (size_t)ai[t] * d, ah, d);
        }
    }

    /* loss, one row at a time */
    double lam = (s->arch == SAE_RELU_L1 || s->arch == SAE_SEED) ? s->l1 : 0.0;
SAE_OMP("omp parallel for schedule(static) if ((double)B * ((double)d * P + m) >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        double se = 0, l1 = 0, aux = 0;
        const R *x = X + (size_t)b * d;
        for (int i = 0; i < P; i++) {
            const R *xh = a->xhat + (size_t)i * bd + (size_t)b * d;
            for (int c = 0; c < d; c++) {
                double t = (double)xh[c] - x[c];
                se += t * t;
            }
        }
        if (lam > 0) {
            if (a->lists) {
                for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++)
                    l1 += (double)a->val[e] * L1W(a, s, a->idx[e]);
            } else { /* f >= 0: the zeros add nothing */
                const R *f = a->f + (size_t)b * m;
                R sl = 0;
                if (s->l1_decoder) {
                    for (int j = 0; j < m; j++)
                        sl += f[j] * a->dnorm[j];
                } else {
SAE_OMP("omp simd reduction(+ : sl)")
                    for (int j = 0; j < m; j++)
                        sl += f[j];
                }
                l1 = sl;
            }
        }
        if (a->has_aux) {
            const R *ah = a->ahat + (size_t)b * d, *rs = a->resid + (size_t)b * d;
            for (int c = 0; c < d; c++) {
                double t = (double)ah[c] - rs[c];
                aux += t * t;
            }
        }
        a->rowloss[3 * b] = se;
        a->rowloss[3 * b + 1] = l1;
        a->rowloss[3 * b + 2] = aux;
    }
    double se = 0, l1 = 0, aux = 0;
    for (int b = 0; b < B; b++) {
        se += a->rowloss[3 * b];
        l1 += a->rowloss[3 * b + 1];
        aux += a->rowloss[3 * b + 2];
    }
    /* seed: torch.mean over B x d and lambda * sum over the batch */
    double c_l1 = s->arch == SAE_SEED ? 1.0 : 1.0 / B;
    a->loss_mse = se / ((double)B * d);
    a->loss_l1 = lam * c_l1 * l1;
    a->loss_aux = a->has_aux ? s->aux_coef * a->aux_scale * aux : 0.0;
    a->loss = a->loss_mse + a->loss_l1 + a->loss_aux;
    return a->loss;
}

/* --- backward -------------------------------------------------------------- */

void FN(sae_backward)(PT *gp, const sae_spec *s, AT *a, const R *X)
{
    int d = s->d, m = s->m, P = s->nprefix, B = a->B;
    size_t bd = (size_t)B * d;
    double lam = (s->arch == SAE_RELU_L1 || s->arch == SAE_SEED) ? s->l1 : 0.0;
    R lc = (R)(lam * (s->arch == SAE_SEED ? 1.0 : 1.0 / B));
    R c2 = (R)(2.0 / ((double)B * d));
    R *dWe = s->arch == SAE_SEED ? a->dWe_n : gp->W_enc;
    R *dWd = s->arch == SAE_SEED ? a->dWd_n : gp->W_dec;
    if (s->arch == SAE_SEED) {
        memset(a->dWe_n, 0, (size_t)m * d * sizeof(R));
        memset(a->dWd_n, 0, (size_t)m * d * sizeof(R));
    }

    /* g_i = dL/dxhat_i; then G_i = sum_{i' >= i} g_i' (a feature in block i
     * serves every prefix from i on) */
SAE_OMP("omp parallel for schedule(static) if ((double)B * d * P >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        const R *x = X + (size_t)b * d;
        for (int i = P - 1; i >= 0; i--) {
            R *g = a->g + (size_t)i * bd + (size_t)b * d;
            const R *xh = a->xhat + (size_t)i * bd + (size_t)b * d;
            for (int c = 0; c < d; c++)
                g[c] = c2 * (xh[c] - x[c]) + (i < P - 1 ? g[bd + c] : 0);
        }
        if (a->has_aux) {
            R ca = (R)(2.0 * s->aux_coef * a->aux_scale);
            const R *ah = a->ahat + (size_t)b * d, *rs = a->resid + (size_t)b * d;
            R *ag = a->ag + (size_t)b * d;
            for (int c = 0; c < d; c++)
                ag[c] = ca * (ah[c] - rs[c]);
        }
    }

    /* dL/dz of the active entries (the activation passes the gradient
     * where a feature fired and blocks it elsewhere) */
    if (a->dense) {
        for (int i = 0; i < P; i++) {
            int lo = i ? s->prefix[i - 1] : 0, hi = s->prefix[i];
            if (hi > lo)
                FN(pgemm)(CblasNoTrans, CblasTrans, B, hi - lo, d, 1, a->g + (size_t)i * bd, d,
                         a->Wd + (size_t)lo * d, d, 0, a->df + lo, m);
        }
        /* the activation passes the gradient where f > 0 (a mask product
         * rather than ?:, which GCC will not vectorise) */
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            R *df = a->df + (size_t)b * m;
            const R *f = a->f + (size_t)b * m;
            if (s->l1_decoder) {
                for (int j = 0; j < m; j++)
                    df[j] = (R)(f[j] > 0) * (df[j] + lc * a->dnorm[j]);
            } else {
SAE_OMP("omp simd")
                for (int j = 0; j < m; j++)
                    df[j] = (R)(f[j] > 0) * (df[j] + lc);
            }
        }
    } else {
SAE_OMP("omp parallel for schedule(static) if ((double)a->ptr[B] * d >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            int i = 0;
            for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++) {
                int j = a->idx[e];
                while (j >= s->prefix[i])
                    i++;
                a->dz[e] = FN(dot)(a->g + (size_t)i * bd + (size_t)b * d, a->Wd + (size_t)j * d, d) +
                           lc * L1W(a, s, j);
            }
        }
    }
    if (a->has_aux) {
SAE_OMP("omp parallel for schedule(static) if ((double)B * a->kaux * d >= SAE_PAR_MIN)")
        for (int b = 0; b < B; b++) {
            size_t at = (size_t)b * a->kaux;
            for (int t = 0; t < a->acnt[b]; t++)
                a->adz[at + t] = FN(dot)(a->ag + (size_t)b * d, a->Wd + (size_t)a->aidx[at + t] * d, d);
        }
    }

    /* dL/dxc = dz We, row by row */
    if (a->dense)
        FN(pgemm)(CblasNoTrans, CblasNoTrans, B, d, m, 1, a->df, m, a->We, d, 0, a->dxc, d);
    double dxc_work = ((double)(a->dense ? 0 : a->ptr[B]) + (double)B * a->kaux) * d;
    (void)dxc_work;
SAE_OMP("omp parallel for schedule(static) if (dxc_work >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        R *dx = a->dxc + (size_t)b * d;
        if (!a->dense) {
            memset(dx, 0, (size_t)d * sizeof *dx);
            for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++)
                FN(axpy)(a->dz[e], a->We + (size_t)a->idx[e] * d, dx, d);
        }
        if (a->has_aux) {
            size_t at = (size_t)b * a->kaux;
            for (int t = 0; t < a->acnt[b]; t++)
                FN(axpy)(a->adz[at + t], a->We + (size_t)a->aidx[at + t] * d, dx, d);
        }
    }
    /* b_dec: output bias of every prefix (G_0) and minus the input centring */
    for (int b = 0; b < B; b++) {
        const R *g0 = a->g + (size_t)b * d, *dx = a->dxc + (size_t)b * d;
        for (int c = 0; c < d; c++)
            gp->b_dec[c] += g0[c] - dx[c];
    }

    /* weight gradients: sgemm on the dense path, else per feature over its entries */
    if (a->dense) {
        for (int i = 0; i < P; i++) {
            int lo = i ? s->prefix[i - 1] : 0, hi = s->prefix[i];
            if (hi > lo)
                FN(pgemm)(CblasTrans, CblasNoTrans, hi - lo, d, B, 1, a->f + lo, m,
                         a->g + (size_t)i * bd, d, 1, dWd + (size_t)lo * d, d);
        }
        FN(pgemm)(CblasTrans, CblasNoTrans, m, d, B, 1, a->df, m, a->xc, d, 1, dWe, d);
        /* column sums of dz (b_enc) and f (decoder-norm L1), in blocks of
         * 256 features read row by row; each sum runs over b in order */
        int nblk = (m + 255) / 256;
SAE_OMP("omp parallel for schedule(static) if ((double)B * m >= SAE_PAR_MIN)")
        for (int blk = 0; blk < nblk; blk++) {
            int j0 = blk * 256, j1 = j0 + 256 < m ? j0 + 256 : m;
            R sz[256] = {0}, sf[256] = {0};
            for (int b = 0; b < B; b++) {
                const R *dfr = a->df + (size_t)b * m, *fr = a->f + (size_t)b * m;
SAE_OMP("omp simd")
                for (int j = j0; j < j1; j++) {
                    sz[j - j0] += dfr[j];
                    sf[j - j0] += fr[j];
                }
            }
            for (int j = j0; j < j1; j++) {
                gp->b_enc[j] += sz[j - j0];
                if (s->l1_decoder && lam > 0)
                    FN(axpy)(lc * sf[j - j0] / a->dnorm[j], a->Wd + (size_t)j * d, dWd + (size_t)j * d, d);
            }
        }
    }
    /* per-feature lists: main entries (sparse path) and AuxK entries, in row order */
    int64_t *fp = a->fptr;
    memset(fp, 0, ((size_t)m + 1) * sizeof *fp);
    if (!a->dense)
        for (int64_t e = 0; e < a->ptr[B]; e++)
            fp[a->idx[e] + 1]++;
    if (a->has_aux)
        for (int b = 0; b < B; b++)
            for (int t = 0; t < a->acnt[b]; t++)
                fp[a->aidx[(size_t)b * a->kaux + t] + 1]++;
    for (int j = 0; j < m; j++)
        fp[j + 1] += fp[j];
    if (fp[m] > 0) {
        /* fill: the fill cursor of feature j starts at fp[j]; use fp[j] and restore after */
        for (int b = 0; b < B; b++) {
            if (!a->dense) {
                int i = 0;
                for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++) {
                    int j = a->idx[e];
                    while (j >= s->prefix[i])
                        i++;
                    int64_t at = fp[j]++;
                    a->frow[at] = b;
                    a->fsrc[at] = i;
                    a->fval[at] = a->val[e];
                    a->fdz[at] = a->dz[e];
                }
            }
            if (a->has_aux) {
                size_t base = (size_t)b * a->kaux;
                for (int t = 0; t < a->acnt[b]; t++) {
                    int64_t at = fp[a->aidx[base + t]]++;
                    a->frow[at] = b;
                    a->fsrc[at] = P;
                    a->fval[at] = a->aval[base + t];
                    a->fdz[at] = a->adz[base + t];
                }
            }
        }
        for (int j = m; j > 0; j--)
            fp[j] = fp[j - 1];
        fp[0] = 0;
SAE_OMP("omp parallel for schedule(dynamic, 16) if ((double)fp[m] * d * 2 >= SAE_PAR_MIN)")
        for (int j = 0; j < m; j++) {
            R *wd = dWd + (size_t)j * d, *we = dWe + (size_t)j * d, sf = 0;
            for (int64_t t = fp[j]; t < fp[j + 1]; t++) {
                int b = a->frow[t];
                const R *src = a->fsrc[t] < P ? a->g + (size_t)a->fsrc[t] * bd + (size_t)b * d
                                              : a->ag + (size_t)b * d;
                FN(axpy)(a->fval[t], src, wd, d);
                FN(axpy)(a->fdz[t], a->xc + (size_t)b * d, we, d);
                gp->b_enc[j] += a->fdz[t];
                if (a->fsrc[t] < P)
                    sf += a->fval[t];
            }
            if (!a->dense && s->l1_decoder && lam > 0 && sf != 0)
                FN(axpy)(lc * sf / a->dnorm[j], a->Wd + (size_t)j * d, wd, d);
        }
    }

    /* seed: from the normalised weights back to the stored ones,
     * d(w/|w|) = (dn - (dn . n) n) / |w| */
    if (s->arch == SAE_SEED) {
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
        for (int j = 0; j < m; j++) {
            const R *n = a->Wd_n + (size_t)j * d, *dn = a->dWd_n + (size_t)j * d;
            R *out = gp->W_dec + (size_t)j * d, pr = FN(dot)(dn, n, d);
            for (int c = 0; c < d; c++)
                out[c] += (dn[c] - pr * n[c]) / a->dnorm[j];
        }
        R *pc = a->dxc; /* d scratch (dxc is no longer needed) */
        for (int c = 0; c < d; c++)
            pc[c] = 0;
        for (int j = 0; j < m; j++)
            for (int c = 0; c < d; c++)
                pc[c] += a->dWe_n[(size_t)j * d + c] * a->We_n[(size_t)j * d + c];
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
        for (int j = 0; j < m; j++)
            for (int c = 0; c < d; c++) {
                size_t at = (size_t)j * d + c;
                gp->W_enc[at] += (a->dWe_n[at] - pc[c] * a->We_n[at]) / a->enorm[c];
            }
    }
}

/* --- reading the activations ------------------------------------------------ */

void FN(sae_acts_mask)(const AT *a, uint8_t *mask)
{
    int B = a->B, m = a->m;
    memset(mask, 0, (size_t)B * m);
    for (int b = 0; b < B; b++) {
        if (a->lists) {
            for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++)
                mask[(size_t)b * m + a->idx[e]] |= 1;
        } else {
            for (int j = 0; j < m; j++)
                mask[(size_t)b * m + j] |= a->f[(size_t)b * m + j] > 0;
        }
        if (a->has_aux)
            for (int t = 0; t < a->acnt[b]; t++)
                mask[(size_t)b * m + a->aidx[(size_t)b * a->kaux + t]] |= 2;
    }
}

int64_t FN(sae_acts_count)(const AT *a, int64_t *fired)
{
    int B = a->B, m = a->m;
    int64_t tot = 0;
    if (a->lists) {
        tot = a->ptr[B];
        if (fired)
            for (int64_t e = 0; e < tot; e++)
                fired[a->idx[e]]++;
        return tot;
    }
    for (int b = 0; b < B; b++) {
        const R *f = a->f + (size_t)b * m;
        int c = 0;
SAE_OMP("omp simd reduction(+ : c)")
        for (int j = 0; j < m; j++)
            c += f[j] > 0;
        tot += c;
        if (fired)
            for (int j = 0; j < m; j++)
                fired[j] += f[j] > 0;
    }
    return tot;
}

int FN(sae_acts_row)(const AT *a, int b, int32_t *idx, R *val)
{
    int n = 0;
    if (a->lists) {
        for (int64_t e = a->ptr[b]; e < a->ptr[b + 1]; e++, n++) {
            idx[n] = a->idx[e];
            val[n] = a->val[e];
        }
        return n;
    }
    const R *f = a->f + (size_t)b * a->m;
    for (int j = 0; j < a->m; j++)
        if (f[j] > 0) {
            idx[n] = j;
            val[n] = f[j];
            n++;
        }
    return n;
}

#undef L1W
#undef R
#undef FN
#undef PT
#undef AT

/* lik_kern_impl.h: likelihood kernels for one real type (see lik.h).
 * Included twice by lik.c with NN_REAL, NN_SFX and NN_F defined. */

int NN_SFX(lik_ws_alloc)(NN_SFX(lik_ws) *ws, int G, int Bmax, sc_err *e)
{
    memset(ws, 0, sizeof *ws);
    ws->G = G;
    ws->Bmax = Bmax;
    ws->nblk = (G + LIK_BLOCK - 1) / LIK_BLOCK;
    ws->ltheta = sc_calloc(e, (size_t)G, sizeof *ws->ltheta);
    ws->tratio = ws->ltheta ? sc_calloc(e, (size_t)G, sizeof *ws->tratio) : NULL;
    ws->lgtheta = ws->tratio ? sc_calloc(e, (size_t)G, sizeof *ws->lgtheta) : NULL;
    ws->dgtheta = ws->lgtheta ? sc_calloc(e, (size_t)G, sizeof *ws->dgtheta) : NULL;
    ws->part = ws->dgtheta ? sc_calloc(e, (size_t)ws->nblk * (size_t)Bmax, sizeof *ws->part) : NULL;
    if (!ws->part) {
        NN_SFX(lik_ws_free)(ws);
        return -1;
    }
    /* lgamma(x + 1) = sum_{k <= x} log k, exact enough in double */
    ws->lgfact[0] = 0;
    for (int k = 1; k < LIK_NFACT; k++)
        ws->lgfact[k] = ws->lgfact[k - 1] + log((double)k);
    return 0;
}

void NN_SFX(lik_ws_free)(NN_SFX(lik_ws) *ws)
{
    free(ws->ltheta);
    free(ws->tratio);
    free(ws->lgtheta);
    free(ws->dgtheta);
    free(ws->part);
    memset(ws, 0, sizeof *ws);
}

void NN_SFX(lik_prepare)(NN_SFX(lik_ws) *ws, const NN_REAL *theta)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    /* lgamma and digamma of every gene every step: ~2 ms serial at 10,000
     * genes, so split over the threads (each gene has one owner) */
    SC_OMP("omp parallel for schedule(static) if(ws->G > 2048)")
    for (int j = 0; j < ws->G; j++) {
        NN_REAL t = theta[j];
        ws->ltheta[j] = NN_LOG(t + eps);
        ws->tratio[j] = t / (t + eps);
        ws->lgtheta[j] = lik_lgamma((double)t);
        ws->dgtheta[j] = lik_digamma((double)t);
    }
}

/* First entry of the sorted idx[0..n) that is >= j. */
NN_INLINE int64_t NN_SFX(lower_bound)(const int32_t *idx, int64_t n, int32_t j)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (idx[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* lgamma(x + t) - lgamma(t) and digamma(x + t) - digamma(t) of gene j. */
NN_INLINE void NN_SFX(gamma_diff)(const NN_SFX(lik_ws) *ws, int j, double x, double t, double *lgd,
                               double *dgd)
{
    if (x <= LIK_SMALLX && x == (double)(int)x && t < 1e18) {
        /* prod and sum over k < x of (t + k) and 1/(t + k), the sum kept as
         * num / prod so the loop has no division */
        double prod = 1, num = 0;
        for (int k = 0; k < (int)x; k++) {
            num = num * (t + k) + prod;
            prod *= t + k;
        }
        *lgd = NN_LOGD(prod);
        *dgd = num / prod;
    } else {
        *lgd = lik_lgamma(x + t) - ws->lgtheta[j];
        *dgd = lik_digamma(x + t) - ws->dgtheta[j];
    }
}

NN_INLINE double NN_SFX(lgamma_x1)(const NN_SFX(lik_ws) *ws, double x)
{
    if (x < LIK_NFACT && x == (double)(int)x)
        return ws->lgfact[(int)x];
    return lik_lgamma(x + 1);
}

/* The zero-count case for n genes (every array from offset 0): the
 * log-likelihood of each goes to ll[], gradients of -g * log-lik to dm (and
 * dp) and dth (all written).  No branches, no calls (NN_LOG and NN_EXP are
 * inline in the float build): the loops vectorise.  The caller then
 * overwrites the genes whose count is not zero. */
NN_INLINE void NN_SFX(nb_zero)(int n, const NN_REAL *restrict t, const NN_REAL *restrict m,
                            const NN_REAL *restrict lt, const NN_REAL *restrict tr,
                            NN_REAL *restrict ll, NN_REAL *restrict dm, NN_REAL *restrict dth,
                            NN_REAL g)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    SC_OMP("omp simd")
    for (int i = 0; i < n; i++) {
        NN_REAL tme = t[i] + m[i] + eps, u = t[i] / tme;
        NN_REAL r = lt[i] - NN_LOG(tme); /* log(t + eps) - log(t + mu + eps) */
        ll[i] = t[i] * r;
        dm[i] = g * u;
        dth[i] = -g * (r + tr[i] - u);
    }
}

/* ZINB zeros: log(rho + (1 - rho) q), rho = sigmoid(pi), q = exp(t r).
 * Where that underflows, under[i] is set (the caller redoes those with
 * zinb_zero_logit); the count of them is returned. */
NN_INLINE int NN_SFX(zinb_zero)(int n, const NN_REAL *restrict t, const NN_REAL *restrict m,
                             const NN_REAL *restrict pi, const NN_REAL *restrict lt,
                             const NN_REAL *restrict tr, NN_REAL *restrict ll,
                             NN_REAL *restrict dm, NN_REAL *restrict dp, NN_REAL *restrict dth,
                             NN_REAL g, uint8_t *restrict under)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS, tiny = (NN_REAL)1e-30;
    int nu = 0;
    SC_OMP("omp simd reduction(+:nu)")
    for (int i = 0; i < n; i++) {
        NN_REAL tme = t[i] + m[i] + eps, u = t[i] / tme;
        NN_REAL r = lt[i] - NN_LOG(tme);
        NN_REAL p = pi[i], e = NN_EXP(-NN_F(fabs)(p)), inv = 1 / (1 + e), ei = e * inv;
        int pos = p >= 0;
        NN_REAL rho = NN_SEL(pos, inv, ei); /* sigmoid(pi), stable both ways */
        NN_REAL omr = NN_SEL(pos, ei, inv); /* 1 - rho */
        NN_REAL q = NN_EXP(t[i] * r);
        NN_REAL sv = rho + omr * q;
        int ok = sv > tiny;
        NN_REAL s_ = NN_SEL(ok, sv, 1), is = 1 / s_; /* one division for both uses */
        NN_REAL c = omr * q * is; /* d log s / d (t r) */
        ll[i] = NN_LOG(s_);
        nu += !ok;
        under[i] = (uint8_t)!ok;
        dm[i] = g * c * u;
        dp[i] = -g * rho * omr * (1 - q) * is; /* d log s / d pi = rho (1-rho) (1-q) / s */
        dth[i] = -g * c * (r + tr[i] - u);
    }
    return nu;
}

/* scvi-tools' logit form of the same zero case, for the entries whose
 * terms underflow: softplus(a) - softplus(-pi), a = -pi + t r. */
NN_INLINE void NN_SFX(zinb_zero_logit)(int n, const NN_REAL *t, const NN_REAL *m, const NN_REAL *pi,
                                    const NN_REAL *lt, const NN_REAL *tr, NN_REAL *ll,
                                    NN_REAL *dm, NN_REAL *dp, NN_REAL *dth, NN_REAL g,
                                    const uint8_t *under)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    for (int i = 0; i < n; i++) {
        if (!under[i])
            continue;
        NN_REAL tme = t[i] + m[i] + eps, u = t[i] / tme;
        NN_REAL r = lt[i] - NN_F(log)(tme), p = pi[i];
        NN_REAL e = NN_F(exp)(-NN_F(fabs)(p)), omr = p >= 0 ? e / (1 + e) : 1 / (1 + e);
        NN_REAL a = -p + t[i] * r;
        NN_REAL sp_a = (a > 0 ? a : 0) + NN_F(log1p)(NN_F(exp)(-NN_F(fabs)(a)));
        NN_REAL sp_p = (-p > 0 ? -p : 0) + NN_F(log1p)(e);
        NN_REAL sig_a = 1 / (1 + NN_F(exp)(-a));
        ll[i] = sp_a - sp_p;
        dm[i] = g * sig_a * u;
        dp[i] = -g * (omr - sig_a);
        dth[i] = -g * sig_a * (r + tr[i] - u);
    }
}

/* The non-zero counts of one tile row, gathered: x, theta, mu, pi and the
 * per-gene constants of n genes; writes each count's log-likelihood without
 * the lgamma terms (l), lgamma(x + t) - lgamma(t) (lgd), the gradients of
 * -g * log-lik by mu (dm), pi (dp) and theta without the digamma term (dt),
 * and that term (dgd).  Integer counts up to 4 (most UMI counts) get the
 * product form branch-free; others set big[k] for the caller's exact pass. */
NN_INLINE void NN_SFX(nz_counts)(lik_kind kind, int n, const NN_REAL *restrict x,
                              const NN_REAL *restrict t, const NN_REAL *restrict m,
                              const NN_REAL *restrict p, const NN_REAL *restrict lt,
                              const NN_REAL *restrict tr, NN_REAL *restrict l,
                              NN_REAL *restrict lgd, NN_REAL *restrict dgd, NN_REAL *restrict dm,
                              NN_REAL *restrict dp, NN_REAL *restrict dt, uint8_t *restrict big,
                              NN_REAL g)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    if (kind == LIK_POISSON) {
        SC_OMP("omp simd")
        for (int k = 0; k < n; k++) {
            l[k] = x[k] * NN_LOG(m[k]) - m[k];
            dm[k] = -g * (x[k] / m[k] - 1);
        }
        return;
    }
    SC_OMP("omp simd")
    for (int k = 0; k < n; k++) {
        NN_REAL tk = t[k], xk = x[k], mk = m[k];
        NN_REAL tme = tk + mk + eps, ltm = NN_LOG(tme), r = lt[k] - ltm;
        NN_REAL me = mk + eps;
        l[k] = tk * r + xk * (NN_LOG(me) - ltm);
        dm[k] = -g * (-tk / tme + xk / me - xk / tme);
        dt[k] = -g * (r + tr[k] - tk / tme - xk / tme);
        /* prod_{c < x} (t + c) and sum_c 1 / (t + c) for x in 1..4 */
        int c1 = xk > (NN_REAL)1.5, c2 = xk > (NN_REAL)2.5, c3 = xk > (NN_REAL)3.5;
        NN_REAL f1 = NN_SEL(c1, tk + 1, 1), f2 = NN_SEL(c2, tk + 2, 1), f3 = NN_SEL(c3, tk + 3, 1);
        NN_REAL i1 = 1 / f1, i2 = 1 / f2, i3 = 1 / f3;
        lgd[k] = NN_LOG(tk * f1 * f2 * f3);
        dgd[k] = 1 / tk + NN_SEL(c1, i1, 0) + NN_SEL(c2, i2, 0) + NN_SEL(c3, i3, 0);
        /* & not &&: a short-circuit is a branch, which stops the vectoriser */
        int below = xk < (NN_REAL)4.5;
        NN_REAL xs = NN_SEL(below, xk, 0); /* in int range before the conversion */
        int small = below & (xs == (NN_REAL)(int32_t)xs) & (tk < (NN_REAL)1e8);
        big[k] = (uint8_t)!small;
    }
    if (kind == LIK_ZINB) {
        SC_OMP("omp simd")
        for (int k = 0; k < n; k++) {
            NN_REAL pk = p[k], e = NN_EXP(-NN_F(fabs)(pk)), inv = 1 / (1 + e), ei = e * inv;
            NN_REAL sp = NN_SEL(pk > 0, pk, 0) + NN_LOG(1 + e); /* log(1 - rho) = -softplus(pi) */
            l[k] -= sp;
            dp[k] = g * NN_SEL(pk >= 0, inv, ei); /* g rho */
        }
    }
}

/* Rows of one tile of genes [j0, j1): the zero case for every gene in one
 * vectorised pass, then the non-zero counts (gathered, vectorised) overwrite
 * their genes.  Each row's log-likelihood is added to part[b]; gradients of
 * -gs * log-lik are written to dmu, dpi (to scratch when not wanted) and
 * added to dth (tile-local, index j - j0). */
NN_HOT static void NN_SFX(lik_tile)(lik_kind kind, const NN_SFX(lik_ws) *ws, double *part, NN_REAL *dmu,
                             NN_REAL *dpi, NN_REAL *dth, const NN_SFX(nn_csr) *x,
                             const NN_REAL *mu, const NN_REAL *theta, const NN_REAL *pi,
                             double gs, int j0, int j1)
{
    enum { NB = LIK_BLOCK };
    const int G = ws->G, n = j1 - j0;
    const NN_REAL g = (NN_REAL)gs;
    NN_REAL sink_m[NB], sink_p[NB], ll[NB], dt[NB];
    uint8_t under[NB], big[NB];
    int32_t zi[NB];
    NN_REAL zx[NB], zt[NB], zm[NB], zp[NB], zlt[NB], ztr[NB];
    NN_REAL zl[NB], zlgd[NB], zdgd[NB], zdm[NB], zdp[NB], zdt[NB];
    const NN_REAL *tt = theta ? theta + j0 : NULL, *lt = ws->ltheta + j0, *tr = ws->tratio + j0;
    for (int b = 0; b < x->B; b++) {
        const size_t off = (size_t)b * G + j0;
        const NN_REAL *m = mu + off, *p = pi ? pi + off : NULL;
        NN_REAL *dm = dmu ? dmu + off : sink_m, *dp = dmu && dpi ? dpi + off : sink_p;
        if (kind == LIK_POISSON) {
            for (int i = 0; i < n; i++) {
                ll[i] = -m[i];
                dm[i] = g;
            }
        } else if (kind == LIK_NB) {
            NN_SFX(nb_zero)(n, tt, m, lt, tr, ll, dm, dt, g);
        } else if (NN_SFX(zinb_zero)(n, tt, m, p, lt, tr, ll, dm, dp, dt, g, under)) {
            NN_SFX(zinb_zero_logit)(n, tt, m, p, lt, tr, ll, dm, dp, dt, g, under);
        }

        /* gather the row's non-zero counts in this tile */
        const int32_t *ridx = x->idx + x->ptr[b];
        const NN_REAL *rval = x->val + x->ptr[b];
        const int64_t nnz = x->ptr[b + 1] - x->ptr[b];
        int nz = 0;
        for (int64_t k = NN_SFX(lower_bound)(ridx, nnz, j0); k < nnz && ridx[k] < j1; k++, nz++) {
            int i = ridx[k] - j0;
            zi[nz] = i;
            zx[nz] = rval[k];
            zm[nz] = m[i];
            zlt[nz] = lt[i];
            ztr[nz] = tr[i];
            zt[nz] = tt ? tt[i] : 0;
            zp[nz] = p ? p[i] : 0;
        }
        NN_SFX(nz_counts)(kind, nz, zx, zt, zm, zp, zlt, ztr, zl, zlgd, zdgd, zdm, zdp, zdt, big, g);
        double acc = 0;
        for (int k = 0; k < nz; k++) {
            int i = zi[k];
            double xv = (double)zx[k], lk = (double)zl[k] - NN_SFX(lgamma_x1)(ws, xv);
            if (kind != LIK_POISSON) {
                double lgd = (double)zlgd[k], dgd = (double)zdgd[k];
                if (big[k])
                    NN_SFX(gamma_diff)(ws, j0 + i, xv, (double)zt[k], &lgd, &dgd);
                lk += lgd;
                dt[i] = zdt[k] - g * (NN_REAL)dgd;
            }
            if (kind == LIK_ZINB)
                dp[i] = zdp[k];
            dm[i] = zdm[k];
            acc += lk;
            ll[i] = 0; /* counted here */
        }
        double zs = 0; /* the zero counts' sum, vectorised (lanes summed in a fixed order) */
        SC_OMP("omp simd reduction(+:zs)")
        for (int i = 0; i < n; i++)
            zs += (double)ll[i];
        part[b] += acc + zs;
        if (kind != LIK_POISSON) {
            SC_OMP("omp simd")
            for (int i = 0; i < n; i++)
                dth[i] += dt[i];
        }
    }
}

double NN_SFX(lik_nll)(lik_kind kind, NN_SFX(lik_ws) *ws, double *nll, NN_REAL *dmu,
                       NN_REAL *dpi, NN_REAL *dtheta, const NN_SFX(nn_csr) *x, const NN_REAL *mu,
                       const NN_REAL *theta, const NN_REAL *pi, double gscale)
{
    const int B = x->B, G = ws->G, nblk = ws->nblk;
    memset(ws->part, 0, (size_t)nblk * (size_t)B * sizeof *ws->part);
    SC_OMP("omp parallel for schedule(dynamic, 1) if((size_t)B * (size_t)G > 32768)")
    for (int t = 0; t < nblk; t++) {
        int j0 = t * LIK_BLOCK, j1 = j0 + LIK_BLOCK < G ? j0 + LIK_BLOCK : G;
        NN_REAL dth[LIK_BLOCK] = {0};
        NN_SFX(lik_tile)(kind, ws, ws->part + (size_t)t * B, dmu, dpi, dth, x, mu, theta, pi,
                         gscale, j0, j1);
        if (dmu && dtheta)
            for (int j = j0; j < j1; j++)
                dtheta[j] += dth[j - j0];
    }
    double total = 0;
    for (int b = 0; b < B; b++) {
        double s = 0;
        for (int t = 0; t < nblk; t++)
            s += ws->part[(size_t)t * B + b];
        nll[b] = -s;
        total += -s;
    }
    return total;
}

double NN_SFX(lik_kl)(double *kl, NN_REAL *dqm, NN_REAL *dlv, const NN_REAL *qm, const NN_REAL *lv,
                      double var_eps, double gscale, int B, int L)
{
    double total = 0;
    const NN_REAL g = (NN_REAL)gscale, ve = (NN_REAL)var_eps;
    for (int b = 0; b < B; b++) {
        double acc = 0;
        for (int l = 0; l < L; l++) {
            size_t i = (size_t)b * L + l;
            NN_REAL ev = NN_F(exp)(lv[i]), qv = ev + ve;
            acc += 0.5 * (double)(qv + qm[i] * qm[i] - 1 - NN_F(log)(qv));
            if (dqm) {
                dqm[i] += g * qm[i];
                dlv[i] += g * (NN_REAL)0.5 * (1 - 1 / qv) * ev;
            }
        }
        kl[b] = acc;
        total += acc;
    }
    return total;
}

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
    for (int j = 0; j < ws->G; j++) {
        NN_REAL t = theta[j];
        ws->ltheta[j] = NN_LOG(t + eps);
        ws->tratio[j] = t / (t + eps);
        ws->lgtheta[j] = lik_lgamma((double)t);
        ws->dgtheta[j] = lik_digamma((double)t);
    }
}

/* First entry of the sorted idx[0..n) that is >= j. */
static int64_t NN_SFX(lower_bound)(const int32_t *idx, int64_t n, int32_t j)
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
static void NN_SFX(gamma_diff)(const NN_SFX(lik_ws) *ws, int j, double x, double t, double *lgd,
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

static double NN_SFX(lgamma_x1)(const NN_SFX(lik_ws) *ws, double x)
{
    if (x < LIK_NFACT && x == (double)(int)x)
        return ws->lgfact[(int)x];
    return lik_lgamma(x + 1);
}

/* Runs of zero counts, n genes from offset 0 of every array: the summed
 * log-likelihood is returned; gradients of -g * log-lik are written to dm
 * (and dp) and added to dth.  Written without branches or calls (NN_LOG and
 * NN_EXP are inline in the float build) so the loops vectorise. */
static NN_REAL NN_SFX(nb_zero_run)(int n, const NN_REAL *restrict t, const NN_REAL *restrict m,
                                   const NN_REAL *restrict lt, const NN_REAL *restrict tr,
                                   NN_REAL *restrict dm, NN_REAL *restrict dth, NN_REAL g)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    NN_REAL sum = 0;
    SC_OMP("omp simd reduction(+:sum)")
    for (int i = 0; i < n; i++) {
        NN_REAL tme = t[i] + m[i] + eps, u = t[i] / tme;
        NN_REAL r = lt[i] - NN_LOG(tme); /* log(t + eps) - log(t + mu + eps) */
        sum += t[i] * r;
        dm[i] = g * u;
        dth[i] -= g * (r + tr[i] - u);
    }
    return sum;
}

/* ZINB zeros: log(rho + (1 - rho) q), rho = sigmoid(pi), q = exp(t r).
 * Entries where that underflows are skipped, flagged in under[] and
 * counted in *nunder; the caller redoes them with zinb_zero_logit. */
static NN_REAL NN_SFX(zinb_zero_run)(int n, const NN_REAL *restrict t, const NN_REAL *restrict m,
                                     const NN_REAL *restrict pi, const NN_REAL *restrict lt,
                                     const NN_REAL *restrict tr, NN_REAL *restrict dm,
                                     NN_REAL *restrict dp, NN_REAL *restrict dth, NN_REAL g,
                                     uint8_t *restrict under, int *nunder)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS, tiny = (NN_REAL)1e-30;
    NN_REAL sum = 0;
    int nu = 0;
    SC_OMP("omp simd reduction(+:sum, nu)")
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
        NN_REAL s_ = NN_SEL(ok, sv, 1);
        NN_REAL c = omr * q / s_; /* d log s / d (t r) */
        NN_REAL ls = NN_LOG(s_), dt = g * c * (r + tr[i] - u);
        sum += NN_SEL(ok, ls, 0);
        nu += !ok;
        under[i] = (uint8_t)!ok;
        dm[i] = g * c * u;
        dp[i] = -g * rho * omr * (1 - q) / s_; /* d log s / d pi = rho (1-rho) (1-q) / s */
        dth[i] -= NN_SEL(ok, dt, 0);
    }
    *nunder = nu;
    return sum;
}

/* scvi-tools' logit form of the same zero case, for the entries whose
 * terms underflow: softplus(a) - softplus(-pi), a = -pi + t r. */
static NN_REAL NN_SFX(zinb_zero_logit)(int n, const NN_REAL *t, const NN_REAL *m,
                                       const NN_REAL *pi, const NN_REAL *lt, const NN_REAL *tr,
                                       NN_REAL *dm, NN_REAL *dp, NN_REAL *dth, NN_REAL g,
                                       const uint8_t *under)
{
    const NN_REAL eps = (NN_REAL)LIK_EPS;
    NN_REAL sum = 0;
    for (int i = 0; i < n; i++) {
        if (!under[i])
            continue; /* done by zinb_zero_run */
        NN_REAL tme = t[i] + m[i] + eps, u = t[i] / tme;
        NN_REAL r = lt[i] - NN_F(log)(tme), p = pi[i];
        NN_REAL e = NN_F(exp)(-NN_F(fabs)(p)), omr = p >= 0 ? e / (1 + e) : 1 / (1 + e);
        NN_REAL a = -p + t[i] * r;
        NN_REAL sp_a = (a > 0 ? a : 0) + NN_F(log1p)(NN_F(exp)(-NN_F(fabs)(a)));
        NN_REAL sp_p = (-p > 0 ? -p : 0) + NN_F(log1p)(e);
        NN_REAL sig_a = 1 / (1 + NN_F(exp)(-a));
        sum += sp_a - sp_p;
        dm[i] = g * sig_a * u;
        dp[i] = -g * (omr - sig_a);
        dth[i] -= g * sig_a * (r + tr[i] - u);
    }
    return sum;
}

/* Rows of one tile of genes [j0, j1): zeros in runs between the non-zeros,
 * non-zeros one by one.  Each row's log-likelihood is added to part[b];
 * gradients of -gs * log-lik go to dmu, dpi (written; when not wanted, to
 * scratch) and dth (tile-local, index j - j0, added). */
static void NN_SFX(lik_tile)(lik_kind kind, const NN_SFX(lik_ws) *ws, double *part, NN_REAL *dmu,
                             NN_REAL *dpi, NN_REAL *dth, const NN_SFX(nn_csr) *x,
                             const NN_REAL *mu, const NN_REAL *theta, const NN_REAL *pi,
                             double gs, int j0, int j1)
{
    const int G = ws->G;
    const NN_REAL eps = (NN_REAL)LIK_EPS, g = (NN_REAL)gs;
    NN_REAL sink_m[LIK_BLOCK], sink_p[LIK_BLOCK];
    uint8_t under[LIK_BLOCK];
    const NN_REAL *tt = theta ? theta + j0 : NULL, *lt = ws->ltheta + j0, *tr = ws->tratio + j0;
    for (int b = 0; b < x->B; b++) {
        const size_t off = (size_t)b * G + j0;
        const NN_REAL *m = mu + off, *p = pi ? pi + off : NULL;
        NN_REAL *dm = dmu ? dmu + off : sink_m, *dp = dmu && dpi ? dpi + off : sink_p;
        const int32_t *ridx = x->idx + x->ptr[b];
        const NN_REAL *rval = x->val + x->ptr[b];
        int64_t nnz = x->ptr[b + 1] - x->ptr[b];
        int64_t k = NN_SFX(lower_bound)(ridx, nnz, j0);
        double acc = 0;
        int i = 0, n = j1 - j0; /* tile-local gene index */
        for (;;) {
            int iz = k < nnz && ridx[k] < j1 ? ridx[k] - j0 : n; /* next non-zero */
            int len = iz - i;
            if (len > 0) {
                if (kind == LIK_POISSON) {
                    NN_REAL sum = 0;
                    for (int u = i; u < iz; u++) {
                        sum += m[u];
                        dm[u] = g;
                    }
                    acc -= sum;
                } else if (kind == LIK_NB) {
                    acc += NN_SFX(nb_zero_run)(len, tt + i, m + i, lt + i, tr + i, dm + i, dth + i, g);
                } else {
                    int nunder = 0;
                    acc += NN_SFX(zinb_zero_run)(len, tt + i, m + i, p + i, lt + i, tr + i, dm + i,
                                                 dp + i, dth + i, g, under + i, &nunder);
                    if (nunder)
                        acc += NN_SFX(zinb_zero_logit)(len, tt + i, m + i, p + i, lt + i, tr + i,
                                                       dm + i, dp + i, dth + i, g, under + i);
                }
            }
            if (iz >= n)
                break;
            /* the non-zero count at tile index iz */
            const double xv = (double)rval[k];
            const NN_REAL x_ = rval[k], mv = m[iz];
            if (kind == LIK_POISSON) {
                acc += xv * (double)NN_LOG(mv) - (double)mv - NN_SFX(lgamma_x1)(ws, xv);
                dm[iz] = -g * (x_ / mv - 1);
            } else {
                NN_REAL t = tt[iz], tme = t + mv + eps;
                NN_REAL ltm = NN_LOG(tme), r = lt[iz] - ltm;
                double lgd, dgd;
                NN_SFX(gamma_diff)(ws, j0 + iz, xv, (double)t, &lgd, &dgd);
                acc += (double)(t * r) + xv * (double)(NN_LOG(mv + eps) - ltm) + lgd -
                       NN_SFX(lgamma_x1)(ws, xv);
                dm[iz] = -g * (-t / tme + x_ / (mv + eps) - x_ / tme);
                dth[iz] -= g * (r + tr[iz] - t / tme - x_ / tme + (NN_REAL)dgd);
                if (kind == LIK_ZINB) {
                    NN_REAL pv = p[iz], e = NN_EXP(-NN_F(fabs)(pv));
                    /* log(1 - rho) = -softplus(pi) */
                    acc -= (double)((pv > 0 ? pv : 0) + NN_LOG(1 + e));
                    dp[iz] = g * (pv >= 0 ? 1 / (1 + e) : e / (1 + e)); /* g rho */
                }
            }
            i = iz + 1;
            k++;
        }
        part[b] += acc;
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

/* loess.c: one-predictor loess (see loess.h for the model).
 *
 * Written from the published description of dloess (Cleveland & Grosse 1991,
 * "Computational methods for local regression", Statistics and Computing 1:47)
 * and the behaviour of scikit-misc's build of it; the parts that decide the
 * numbers (k-d tree splits, neighbourhood radius, weights, pseudo-inverse
 * tolerance, Hermite interpolation) follow dloess so the fitted values agree
 * with scikit-misc to rounding.  The least-squares solver is our own
 * (Householder QR, then a Jacobi SVD of the small triangular factor). */
#include "loess.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOESS_KMAX 3 /* columns of a degree-2 fit in one predictor */

void loess_opts_default(loess_opts *o)
{
    o->span = 0.75;
    o->degree = 2;
    o->surface = LOESS_INTERPOLATE;
    o->cell = 0.2;
}

typedef struct lpt {
    double x, y, w;
    int64_t idx; /* position in the caller's arrays */
} lpt;

static int lpt_cmp(const void *a, const void *b)
{
    const lpt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

/* Scratch for the local fits: the weighted design (column-major) and response. */
typedef struct lws {
    double *b; /* LOESS_KMAX columns of nf rows */
    double *eta;
} lws;

/* Singular values and right singular vectors of the k x k matrix a
 * (column-major, overwritten by A V, whose column norms are the singular
 * values) by one-sided Jacobi rotations. */
static void jacobi_svd(int k, double a[LOESS_KMAX][LOESS_KMAX], double v[LOESS_KMAX][LOESS_KMAX])
{
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            v[i][j] = i == j;
    for (int sweep = 0; sweep < 60; sweep++) {
        int rotated = 0;
        for (int p = 0; p < k - 1; p++)
            for (int q = p + 1; q < k; q++) {
                double al = 0, be = 0, ga = 0;
                for (int i = 0; i < k; i++) {
                    al += a[p][i] * a[p][i];
                    be += a[q][i] * a[q][i];
                    ga += a[p][i] * a[q][i];
                }
                if (ga == 0 || fabs(ga) <= DBL_EPSILON * sqrt(al * be))
                    continue;
                rotated = 1;
                double zeta = (be - al) / (2 * ga);
                double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1 + zeta * zeta));
                double c = 1 / sqrt(1 + t * t), s = c * t;
                for (int i = 0; i < k; i++) {
                    double ap = a[p][i], aq = a[q][i];
                    a[p][i] = c * ap - s * aq;
                    a[q][i] = s * ap + c * aq;
                    double vp = v[p][i], vq = v[q][i];
                    v[p][i] = c * vp - s * vq;
                    v[q][i] = s * vp + c * vq;
                }
            }
        if (!rotated)
            break;
    }
}

/* Weighted least squares on the m rows in ws (k columns): value and slope of
 * the local polynomial at its centre.  Columns are equilibrated first, as in
 * dloess, so the pseudo-inverse tolerance means the same thing. */
static int local_solve(lws *ws, int64_t m, int k, double out[2])
{
    double colnorm[LOESS_KMAX] = {1, 1, 1}, r[LOESS_KMAX][LOESS_KMAX] = {{0}}, qte[LOESS_KMAX] = {0};
    for (int j = 0; j < k; j++) {
        double *c = ws->b + (size_t)j * (size_t)m, s = 0;
        for (int64_t i = 0; i < m; i++)
            s += c[i] * c[i];
        s = sqrt(s);
        colnorm[j] = s > 0 ? s : 1;
        if (s > 0)
            for (int64_t i = 0; i < m; i++)
                c[i] /= s;
    }
    /* Householder QR, applied to the response as it goes. */
    for (int j = 0; j < k && j < m; j++) {
        double *c = ws->b + (size_t)j * (size_t)m, nrm = 0;
        for (int64_t i = j; i < m; i++)
            nrm += c[i] * c[i];
        nrm = sqrt(nrm);
        if (nrm == 0)
            continue;
        double alpha = c[j] > 0 ? -nrm : nrm;
        c[j] -= alpha; /* c[j..m) is now the Householder vector */
        double vv = 0;
        for (int64_t i = j; i < m; i++)
            vv += c[i] * c[i];
        for (int jj = j + 1; jj <= k; jj++) {
            double *d = jj < k ? ws->b + (size_t)jj * (size_t)m : ws->eta, dot = 0;
            for (int64_t i = j; i < m; i++)
                dot += c[i] * d[i];
            double f = 2 * dot / vv;
            for (int64_t i = j; i < m; i++)
                d[i] -= f * c[i];
        }
        c[j] = alpha;
    }
    for (int j = 0; j < k; j++) {
        double *c = ws->b + (size_t)j * (size_t)m;
        for (int i = 0; i <= j && i < m; i++)
            r[j][i] = c[i];
        if (j < m)
            qte[j] = ws->eta[j];
    }
    double v[LOESS_KMAX][LOESS_KMAX];
    jacobi_svd(k, r, v);
    double sig[LOESS_KMAX], smax = 0;
    for (int j = 0; j < k; j++) {
        double s = 0;
        for (int i = 0; i < k; i++)
            s += r[j][i] * r[j][i];
        sig[j] = sqrt(s);
        if (sig[j] > smax)
            smax = sig[j];
    }
    double tol = smax * (100 * DBL_EPSILON), coef[LOESS_KMAX] = {0};
    int singular = 0;
    for (int j = 0; j < k; j++) {
        if (!(sig[j] > tol)) {
            singular = 1;
            continue;
        }
        double g = 0;
        for (int i = 0; i < k; i++)
            g += r[j][i] * qte[i];
        g /= sig[j] * sig[j];
        for (int i = 0; i < k; i++)
            coef[i] += v[j][i] * g;
    }
    out[0] = coef[0] / colnorm[0];
    out[1] = k > 1 ? coef[1] / colnorm[1] : 0;
    return singular;
}

/* The local fit centred at q over the points p (sorted by x). */
static int local_fit(const lpt *p, int64_t n, int64_t nf, const loess_opts *o, double q, lws *ws,
                     double out[2], loess_info *info, sc_err *e)
{
    int64_t lo = 0, hi = n; /* first point with x >= q */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (p[mid].x < q)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Walk outwards to the nf-th nearest point; its distance is the radius. */
    int64_t a = lo - 1, b = lo;
    double rho = 0;
    for (int64_t t = 0; t < nf; t++) {
        double da = a >= 0 ? (p[a].x - q) * (p[a].x - q) : INFINITY;
        double db = b < n ? (p[b].x - q) * (p[b].x - q) : INFINITY;
        if (da <= db) {
            rho = da;
            a--;
        } else {
            rho = db;
            b++;
        }
    }
    rho *= o->span > 1 ? o->span : 1;
    if (!(rho > 0))
        return err_set(e,
                       "loess: zero-width neighbourhood at x = %.17g (at least %lld points share "
                       "that value); make span bigger",
                       q, (long long)nf);
    int k = o->degree + 1;
    int64_t m = 0;
    double wmax = 0;
    /* Rows with weight 0 (at the radius) change nothing; leave them out. */
    for (int64_t i = a + 1; i < b; i++) {
        double dx = p[i].x - q, d = dx * dx;
        if (!(d < rho))
            continue;
        double t = sqrt(d / rho), u = 1 - t * t * t;
        double wt = sqrt(p[i].w * (u * u * u));
        if (wt > wmax)
            wmax = wt;
        ws->eta[m] = wt * p[i].y;
        ws->b[m] = wt;
        m++;
    }
    if (!(wmax > 0))
        return err_set(e, "loess: all data on the boundary of the neighbourhood at x = %.17g; make "
                          "span bigger",
                       q);
    /* Fill the other columns now that m is known (the design is column-major). */
    for (int64_t i = a + 1, r = 0; i < b; i++) {
        double dx = p[i].x - q;
        if (!(dx * dx < rho))
            continue;
        double wt = ws->b[r];
        if (k > 1)
            ws->b[(size_t)m + (size_t)r] = wt * dx;
        if (k > 2)
            ws->b[2 * (size_t)m + (size_t)r] = wt * (dx * dx);
        r++;
    }
    if (local_solve(ws, m, k, out)) {
        if (info->nsing == 0)
            info->sing_at = q;
        info->nsing++;
    }
    return 0;
}

/* Cubic Hermite interpolation in the cell [x0, x1] from value and slope at
 * both ends; written in dloess's order of operations. */
static double hermite(double z, double x0, double x1, const double g0[2], const double g1[2])
{
    double h = (z - x0) / (x1 - x0);
    double phi0 = (1 - h) * (1 - h) * (1 + 2 * h);
    double phi1 = h * h * (3 - 2 * h);
    double psi0 = h * ((1 - h) * (1 - h));
    double psi1 = h * h * (h - 1);
    return phi0 * g0[0] + phi1 * g1[0] + (psi0 * g0[1] + psi1 * g1[1]) * (x1 - x0);
}

/* The k-d tree of dloess in one dimension: cells are ranges [l, u] of the
 * sorted points with vertices v0 < v1; inner cells split at xi. */
typedef struct ktree {
    int64_t nv, nc, nvmax, ncmax;
    double *vx;      /* vertex positions */
    double (*vval)[2]; /* value and slope at each vertex */
    int64_t *l, *u, *v0, *v1, *left; /* left = -1 for a leaf; right child = left + 1 */
    double *xi;
} ktree;

static void ktree_free(ktree *t)
{
    free(t->vx);
    free(t->vval);
    free(t->l);
    free(t->u);
    free(t->v0);
    free(t->v1);
    free(t->left);
    free(t->xi);
}

static int ktree_build(ktree *t, const lpt *p, int64_t n, const loess_opts *o, sc_err *e)
{
    t->nvmax = t->ncmax = n > 200 ? n : 200;
    size_t nm = (size_t)t->nvmax;
    t->vx = sc_calloc(e, nm, sizeof *t->vx);
    t->vval = sc_calloc(e, nm, sizeof *t->vval);
    t->l = sc_calloc(e, nm, sizeof *t->l);
    t->u = sc_calloc(e, nm, sizeof *t->u);
    t->v0 = sc_calloc(e, nm, sizeof *t->v0);
    t->v1 = sc_calloc(e, nm, sizeof *t->v1);
    t->left = sc_calloc(e, nm, sizeof *t->left);
    t->xi = sc_calloc(e, nm, sizeof *t->xi);
    if (!t->vx || !t->vval || !t->l || !t->u || !t->v0 || !t->v1 || !t->left || !t->xi)
        return -1;
    /* Bounding box, widened so no point sits on its edge. */
    double lo = p[0].x, hi = p[n - 1].x;
    double wid = fmax(hi - lo, 1e-10 * fmax(fabs(lo), fabs(hi)) + 1e-30);
    double mu = 0.005 * wid;
    t->vx[0] = lo - mu;
    t->vx[1] = hi + mu;
    t->nv = 2;
    t->l[0] = 0;
    t->u[0] = n - 1;
    t->v0[0] = 0;
    t->v1[0] = 1;
    t->nc = 1;
    double fc = floor((double)n * (o->span * o->cell));
    const double fd = 0; /* dloess's minimum cell diameter (fraction 0 of the box) */
    for (int64_t c = 0; c < t->nc; c++) {
        int64_t l = t->l[c], u = t->u[c];
        double diam = t->vx[t->v1[c]] - t->vx[t->v0[c]];
        int leaf = (double)(u - l + 1) <= fc || diam <= fd;
        if (!leaf)
            leaf = t->ncmax < t->nc + 2 || (double)t->nvmax < (double)t->nv + 1.0;
        int64_t m = 0;
        if (!leaf) {
            /* Split at the median; if it sits in a run of ties, move to the
             * nearest gap, trying m, m+1, m-1, m+2, ... */
            m = l + (u - l) / 2;
            for (int64_t off = 0;;) {
                if (m + off >= u || m + off < l)
                    break;
                if (p[m + off].x == p[m + off + 1].x) {
                    off = -off;
                    if (off >= 0)
                        off++;
                } else {
                    m += off;
                    break;
                }
            }
            leaf = p[m].x == t->vx[t->v0[c]] || p[m].x == t->vx[t->v1[c]];
        }
        if (leaf) {
            t->left[c] = -1;
            continue;
        }
        int64_t nv = t->nv++, lc = t->nc;
        t->vx[nv] = p[m].x;
        t->xi[c] = p[m].x;
        t->left[c] = lc;
        t->l[lc] = l;
        t->u[lc] = m;
        t->v0[lc] = t->v0[c];
        t->v1[lc] = nv;
        t->l[lc + 1] = m + 1;
        t->u[lc + 1] = u;
        t->v0[lc + 1] = nv;
        t->v1[lc + 1] = t->v1[c];
        t->nc += 2;
    }
    /* dloess (and so scikit-misc) refuses a tree cut short by its limits. */
    if ((double)t->nvmax < (double)t->nv + 1.0 || t->ncmax < t->nc + 2)
        return err_set(e, "loess: k-d tree limited by memory (%lld vertices, %lld cells)",
                       (long long)t->nv, (long long)t->nc);
    return 0;
}

static double ktree_eval(const ktree *t, double z)
{
    int64_t c = 0;
    while (t->left[c] >= 0)
        c = z <= t->xi[c] ? t->left[c] : t->left[c] + 1;
    int64_t a = t->v0[c], b = t->v1[c];
    return hermite(z, t->vx[a], t->vx[b], t->vval[a], t->vval[b]);
}

static int check_input(const double *x, const double *y, const double *w, int64_t n,
                       const loess_opts *o, sc_err *e)
{
    if (n < 1)
        return err_set(e, "loess: no data points");
    if (!(o->span > 0) || !isfinite(o->span))
        return err_set(e, "loess: span must be a positive number, not %g", o->span);
    if (o->degree < 0 || o->degree > 2)
        return err_set(e, "loess: degree must be 0, 1 or 2, not %d", o->degree);
    if (o->surface == LOESS_INTERPOLATE && (!(o->cell > 0) || !isfinite(o->cell)))
        return err_set(e, "loess: cell must be a positive number, not %g", o->cell);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return err_set(e, "loess: point %lld is not finite (x = %g, y = %g)", (long long)i,
                           x[i], y[i]);
        if (w && (!isfinite(w[i]) || w[i] < 0))
            return err_set(e, "loess: weight %lld is %g; weights must be finite and >= 0",
                           (long long)i, w[i]);
    }
    return 0;
}

int loess_fit(const double *x, const double *y, const double *w, int64_t n, const loess_opts *o,
              double *fitted, loess_info *info, sc_err *e)
{
    loess_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (check_input(x, y, w, n, o, e))
        return -1;
    double nfd = floor((double)n * o->span + 1e-5);
    int64_t nf = nfd < (double)n ? (int64_t)nfd : n;
    int k = o->degree + 1;
    info->nf = nf;
    if (nf <= 0)
        return err_set(e, "loess: span %g is too small for %lld points", o->span, (long long)n);
    if (k > nf - 1)
        return err_set(e,
                       "loess: span %g is too small: %lld points per neighbourhood for %d "
                       "parameters (fewer data values than degrees of freedom)",
                       o->span, (long long)nf, k);
    int rc = -1;
    ktree t = {0};
    lws ws = {0};
    lpt *p = sc_calloc(e, (size_t)n, sizeof *p);
    ws.b = sc_calloc(e, (size_t)nf * LOESS_KMAX, sizeof *ws.b);
    ws.eta = sc_calloc(e, (size_t)nf, sizeof *ws.eta);
    if (!p || !ws.b || !ws.eta)
        goto done;
    for (int64_t i = 0; i < n; i++)
        p[i] = (lpt){x[i], y[i], w ? w[i] : 1.0, i};
    qsort(p, (size_t)n, sizeof *p, lpt_cmp);
    if (o->surface == LOESS_DIRECT) {
        double g[2] = {0, 0};
        for (int64_t i = 0; i < n; i++) {
            /* Points with the same x have the same fit. */
            if (i == 0 || p[i].x != p[i - 1].x)
                if (local_fit(p, n, nf, o, p[i].x, &ws, g, info, e))
                    goto done;
            fitted[p[i].idx] = g[0];
        }
    } else {
        if (ktree_build(&t, p, n, o, e))
            goto done;
        info->nvert = t.nv;
        info->ncell = t.nc;
        for (int64_t v = 0; v < t.nv; v++)
            if (local_fit(p, n, nf, o, t.vx[v], &ws, t.vval[v], info, e))
                goto done;
        for (int64_t i = 0; i < n; i++)
            fitted[i] = ktree_eval(&t, x[i]);
    }
    rc = 0;
done:
    ktree_free(&t);
    free(ws.b);
    free(ws.eta);
    free(p);
    return rc;
}

/* test_loess.c: the loess fit against scikit-misc's fitted values
 * (tests/peer/hvg_expected/loess_*.tsv, written by tests/peer/hvg_peer.py)
 * and against properties any loess must have: exact on polynomials of its
 * degree, linear in y, unchanged by shifting x; plus its errors.  Needs no
 * shared data. */
#include <inttypes.h>
#include <stdint.h>

#include "loess.h"
#include "rng.h"
#include "tap.h"

typedef struct ref {
    double span;
    int degree;
    int64_t n;
    double *x, *y, *interp, *direct;
} ref;

static void ref_free(ref *r)
{
    free(r->x);
    free(r->y);
    free(r->interp);
    free(r->direct);
}

static int ref_load(const char *path, ref *r)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int64_t cap = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "# n=", 4) == 0) {
            int64_t n;
            if (sscanf(line, "# n=%" SCNd64 " span=%lf degree=%d", &n, &r->span, &r->degree) != 3)
                rc = -1;
            continue;
        }
        if (line[0] == '#' || line[0] == 'x')
            continue;
        if (r->n == cap) {
            cap = cap ? 2 * cap : 256;
            r->x = realloc(r->x, (size_t)cap * sizeof *r->x);
            r->y = realloc(r->y, (size_t)cap * sizeof *r->y);
            r->interp = realloc(r->interp, (size_t)cap * sizeof *r->interp);
            r->direct = realloc(r->direct, (size_t)cap * sizeof *r->direct);
        }
        if (sscanf(line, "%lf %lf %lf %lf", &r->x[r->n], &r->y[r->n], &r->interp[r->n],
                   &r->direct[r->n]) != 4) {
            rc = -1;
            break;
        }
        r->n++;
    }
    fclose(f);
    return rc || r->n == 0 ? -1 : 0;
}

static double max_rel(const double *a, const double *b, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-8));
    return m;
}

static void against_skmisc(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/peer/hvg_expected/loess_%s.tsv", SC_TOP_SRCDIR, name);
    ref r;
    if (!tap_ok(ref_load(path, &r) == 0, "read %s", path))
        return;
    double *fit = calloc((size_t)r.n, sizeof *fit);
    loess_opts o;
    loess_opts_default(&o);
    o.span = r.span;
    o.degree = r.degree;
    sc_err e;
    loess_info info;
    for (int s = 0; s < 2; s++) {
        o.surface = s ? LOESS_DIRECT : LOESS_INTERPOLATE;
        int rc = loess_fit(r.x, r.y, NULL, r.n, &o, fit, &info, &e);
        if (rc)
            tap_diag("%s", e.msg);
        double d = rc ? INFINITY : max_rel(fit, s ? r.direct : r.interp, r.n);
        tap_ok(d < 1e-9, "%s (n=%lld span=%g degree=%d) %s surface matches skmisc (max rel %.3g)",
               name, (long long)r.n, r.span, r.degree, s ? "direct" : "interpolate", d);
    }
    free(fit);
    ref_free(&r);
}

/* Noisy points in [0, 10) with a few repeated x values. */
static void sample(rng *g, double *x, double *y, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        x[i] = i % 7 == 3 && i > 0 ? x[i - 1] : 10 * rng_uniform(g);
        y[i] = rng_normal(g);
    }
}

static void properties(void)
{
    enum { N = 400 };
    static double x[N], y[N], y2[N], f[N], f2[N], f3[N], xs[N];
    rng g;
    rng_seed(&g, 42);
    sample(&g, x, y, N);
    loess_opts o;
    loess_opts_default(&o);
    o.span = 0.3;
    sc_err e;
    loess_info info;

    for (int deg = 0; deg <= 2; deg++)
        for (int s = 0; s < 2; s++) {
            o.degree = deg;
            o.surface = s ? LOESS_DIRECT : LOESS_INTERPOLATE;
            for (int64_t i = 0; i < N; i++)
                y2[i] = 3 + (deg >= 1 ? -0.5 * x[i] : 0) + (deg >= 2 ? 0.25 * x[i] * x[i] : 0);
            int rc = loess_fit(x, y2, NULL, N, &o, f, &info, &e);
            double d = rc ? INFINITY : max_rel(f, y2, N);
            tap_ok(d < 1e-10, "degree %d %s reproduces a polynomial of degree %d (max rel %.3g)",
                   deg, s ? "direct" : "interpolate", deg, d);
        }

    o.degree = 2;
    o.surface = LOESS_INTERPOLATE;
    /* A linear smoother: fit(2 y + 3 y2) = 2 fit(y) + 3 fit(y2). */
    for (int64_t i = 0; i < N; i++)
        y2[i] = sin(x[i]);
    loess_fit(x, y, NULL, N, &o, f, &info, &e);
    loess_fit(x, y2, NULL, N, &o, f2, &info, &e);
    for (int64_t i = 0; i < N; i++)
        y2[i] = 2 * y[i] + 3 * y2[i];
    loess_fit(x, y2, NULL, N, &o, f3, &info, &e);
    double d = 0;
    for (int64_t i = 0; i < N; i++)
        d = fmax(d, fabs(f3[i] - (2 * f[i] + 3 * f2[i])));
    tap_ok(d < 1e-10, "linear in y (max diff %.3g)", d);
    tap_ok(info.nf == 120 && info.nsing == 0, "nf = floor(n span) = %lld, no singular fit",
           (long long)info.nf);
    tap_ok(info.nvert >= 2 && info.ncell == 2 * info.nvert - 3,
           "a 1-d k-d tree has 2 v - 3 cells (%lld vertices, %lld cells)", (long long)info.nvert,
           (long long)info.ncell);

    /* Shifting x by a power of two moves nothing (exact in binary). */
    for (int64_t i = 0; i < N; i++)
        xs[i] = x[i] + 64;
    loess_fit(xs, y, NULL, N, &o, f2, &info, &e);
    tap_ok(max_rel(f2, f, N) < 1e-9, "shifting x changes nothing (max rel %.3g)",
           max_rel(f2, f, N));

    /* Interpolation stays close to the direct fit on a smooth signal. */
    for (int64_t i = 0; i < N; i++)
        y2[i] = sin(x[i]) + 0.1 * y[i];
    loess_fit(x, y2, NULL, N, &o, f, &info, &e);
    o.surface = LOESS_DIRECT;
    loess_fit(x, y2, NULL, N, &o, f2, &info, &e);
    d = 0;
    for (int64_t i = 0; i < N; i++)
        d = fmax(d, fabs(f[i] - f2[i]));
    tap_ok(d < 0.05, "interpolate is within 0.05 of direct on sin(x) + noise (%.3g)", d);

    /* Prior weights enter the local fits. */
    double w[N];
    for (int64_t i = 0; i < N; i++)
        w[i] = i % 2 ? 1.0 : 0.5;
    loess_fit(x, y2, w, N, &o, f3, &info, &e);
    tap_ok(max_rel(f3, f2, N) > 1e-6, "prior weights change the fit");

    /* Errors. */
    o.surface = LOESS_INTERPOLATE;
    o.span = 0.005;
    tap_ok(loess_fit(x, y, NULL, N, &o, f, &info, &e) == -1 && strstr(e.msg, "too small"),
           "span too small for the degree: %s", e.msg);
    o.span = 0.3;
    double keep = y[7];
    y[7] = NAN;
    tap_ok(loess_fit(x, y, NULL, N, &o, f, &info, &e) == -1 && strstr(e.msg, "point 7"),
           "a NaN is refused: %s", e.msg);
    y[7] = keep;
    o.degree = 3;
    tap_ok(loess_fit(x, y, NULL, N, &o, f, &info, &e) == -1, "degree 3 is refused");
    o.degree = 2;
    w[3] = -1;
    tap_ok(loess_fit(x, y, w, N, &o, f, &info, &e) == -1, "a negative weight is refused");

    /* 110 points at x = 0 and 10 at x = 1 fill the 120-point neighbourhood
     * of the lowest vertex; those at 1 sit on its edge with weight 0, so the
     * quadratic is fitted to a single x: rank deficient (skmisc raises here,
     * dloess itself only warns). */
    for (int64_t i = 0; i < N; i++)
        xs[i] = i < 110 ? 0.0 : i < 130 ? 1.0 : x[i] + 2;
    int rc = loess_fit(xs, y, NULL, N, &o, f, &info, &e);
    tap_ok(rc == 0 && info.nsing > 0, "a rank-deficient local fit is counted (%lld), not fatal",
           (long long)info.nsing);
    int finite = 1;
    for (int64_t i = 0; i < N; i++)
        finite &= isfinite(f[i]);
    tap_ok(finite, "... and the fitted values stay finite");
    /* All x equal: the box around them is 2e-12 wide and every point sits
     * on the edge of the first vertex's neighbourhood. */
    for (int64_t i = 0; i < N; i++)
        xs[i] = 2.0;
    tap_ok(loess_fit(xs, y, NULL, N, &o, f, &info, &e) == -1 && strstr(e.msg, "make span bigger"),
           "all x equal is refused: %s", e.msg);
}

int main(void)
{
    against_skmisc("sine300");
    against_skmisc("cubic40_deg1");
    against_skmisc("nbtrend");
    properties();
    return tap_done();
}

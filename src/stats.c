/* stats.c: AUROC, F1, correlations, information and the hypergeometric
 * tail over ranked scores (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- labels and scratch ------------------------------------------------ */

int stats_label_init(stats_label *l, const char *name, const int32_t *code, int64_t n,
                     int32_t ncat, const char *const *cats, sc_err *e)
{
    memset(l, 0, sizeof *l);
    if (ncat < 0 || n < 0)
        return err_set(e, "label %s: negative size", name ? name : "?");
    l->total = sc_calloc(e, (size_t)ncat + 1, sizeof *l->total);
    if (!l->total)
        return -1;
    for (int64_t i = 0; i < n; i++) {
        int32_t c = code[i];
        if (c < -1 || c >= ncat) {
            free(l->total);
            l->total = NULL;
            return err_set(e, "label %s: cell %lld has code %d, expected -1 (missing) to %d",
                           name ? name : "?", (long long)i, (int)c, (int)ncat - 1);
        }
        if (c >= 0) {
            l->total[c]++;
            l->nlab++;
        }
    }
    l->name = name;
    l->cats = cats;
    l->n = n;
    l->code = code;
    l->ncat = ncat;
    return 0;
}

void stats_label_free(stats_label *l)
{
    free(l->total);
    memset(l, 0, sizeof *l);
}

int stats_ws_init(stats_ws *w, int32_t ncat, int32_t nbins, sc_err *e)
{
    memset(w, 0, sizeof *w);
    if (ncat < 1)
        ncat = 1;
    if (nbins < 2)
        nbins = 2;
    w->cap = ncat;
    w->bins = nbins;
    w->cnt = sc_calloc(e, (size_t)ncat, sizeof *w->cnt);
    w->tp = w->cnt ? sc_calloc(e, (size_t)ncat, sizeof *w->tp) : NULL;
    w->rsum = w->tp ? sc_calloc(e, (size_t)ncat, sizeof *w->rsum) : NULL;
    w->touched = w->rsum ? sc_calloc(e, (size_t)ncat, sizeof *w->touched) : NULL;
    w->mark = w->touched ? sc_calloc(e, (size_t)ncat, 1) : NULL;
    w->joint = w->mark ? sc_calloc(e, (size_t)ncat * (size_t)nbins, sizeof *w->joint) : NULL;
    if (!w->joint) {
        stats_ws_free(w);
        return -1;
    }
    return 0;
}

void stats_ws_free(stats_ws *w)
{
    free(w->cnt);
    free(w->tp);
    free(w->rsum);
    free(w->touched);
    free(w->mark);
    free(w->joint);
    memset(w, 0, sizeof *w);
}

/* ---- sorting ----------------------------------------------------------- */

static inline int before(float va, int32_t ca, float vb, int32_t cb)
{
    return va > vb || (va == vb && ca < cb);
}

static inline void swap2(int32_t *c, float *v, int64_t i, int64_t j)
{
    int32_t tc = c[i];
    c[i] = c[j];
    c[j] = tc;
    float tv = v[i];
    v[i] = v[j];
    v[j] = tv;
}

static void sift(int32_t *c, float *v, int64_t root, int64_t m)
{
    /* max-heap on "after" so the heap sort yields the `before` order */
    for (;;) {
        int64_t ch = 2 * root + 1;
        if (ch >= m)
            return;
        if (ch + 1 < m && before(v[ch], c[ch], v[ch + 1], c[ch + 1]))
            ch++;
        if (!before(v[root], c[root], v[ch], c[ch]))
            return;
        swap2(c, v, root, ch);
        root = ch;
    }
}

static void heapsort2(int32_t *c, float *v, int64_t m)
{
    for (int64_t i = m / 2 - 1; i >= 0; i--)
        sift(c, v, i, m);
    for (int64_t end = m - 1; end > 0; end--) {
        swap2(c, v, 0, end);
        sift(c, v, 0, end);
    }
}

static void introsort(int32_t *c, float *v, int64_t m, int depth)
{
    while (m > 16) {
        if (depth-- == 0) {
            heapsort2(c, v, m);
            return;
        }
        /* median of three to position 0, then Hoare partition: keys are
         * unique (cells are distinct), so no equal-key degeneration */
        int64_t mid = m / 2, last = m - 1;
        if (before(v[mid], c[mid], v[0], c[0]))
            swap2(c, v, mid, 0);
        if (before(v[last], c[last], v[0], c[0]))
            swap2(c, v, last, 0);
        if (before(v[last], c[last], v[mid], c[mid]))
            swap2(c, v, last, mid);
        swap2(c, v, 0, mid);
        float pv = v[0];
        int32_t pc = c[0];
        int64_t i = 0, j = m;
        for (;;) {
            do
                i++;
            while (i < m && before(v[i], c[i], pv, pc));
            do
                j--;
            while (before(pv, pc, v[j], c[j]));
            if (i >= j)
                break;
            swap2(c, v, i, j);
        }
        swap2(c, v, 0, j);
        /* recurse into the smaller side, loop on the larger */
        if (j < m - j - 1) {
            introsort(c, v, j, depth);
            c += j + 1;
            v += j + 1;
            m -= j + 1;
        } else {
            introsort(c + j + 1, v + j + 1, m - j - 1, depth);
            m = j;
        }
    }
    for (int64_t i = 1; i < m; i++) {
        float tv = v[i];
        int32_t tc = c[i];
        int64_t j = i;
        while (j > 0 && before(tv, tc, v[j - 1], c[j - 1])) {
            v[j] = v[j - 1];
            c[j] = c[j - 1];
            j--;
        }
        v[j] = tv;
        c[j] = tc;
    }
}

void stats_sort_desc(int32_t *cell, float *val, int64_t m)
{
    int depth = 2;
    for (int64_t t = m; t > 1; t >>= 1)
        depth += 2;
    introsort(cell, val, m, depth);
}

/* ---- tie-group walk ----------------------------------------------------- */

/* Tie groups of a ranked score, highest first.  The group at value 0 holds
 * the listed zeros and every unlisted cell; it comes after the positive and
 * before the negative entries (and exists even when empty). */
typedef struct walk {
    const stats_ranked *r;
    int64_t i;
    int zero_done;
} walk;

static int walk_next(walk *w, int64_t *b, int64_t *end, int *zero, float *value)
{
    const stats_ranked *r = w->r;
    int64_t i = w->i, j;
    if (!w->zero_done && (i >= r->m || r->val[i] <= 0)) {
        for (j = i; j < r->m && r->val[j] == 0; j++)
            ;
        w->zero_done = 1;
        *zero = 1;
        *value = 0;
    } else {
        if (i >= r->m)
            return 0;
        for (j = i + 1; j < r->m && r->val[j] == r->val[i]; j++)
            ;
        *zero = 0;
        *value = r->val[i];
    }
    *b = i;
    *end = j;
    w->i = j;
    return 1;
}

/* Listed labelled cells per category into ws->cnt; returns their sum. */
static int64_t count_listed(const stats_ranked *r, const stats_label *l, stats_ws *ws)
{
    int64_t sum = 0;
    memset(ws->cnt, 0, (size_t)l->ncat * sizeof *ws->cnt);
    for (int64_t i = 0; i < r->m; i++) {
        int32_t c = l->code[r->cell[i]];
        if (c >= 0) {
            ws->cnt[c]++;
            sum++;
        }
    }
    return sum;
}

/* The code of listed entry i: gathered by the caller (pcode) or looked up. */
#define CODE(i) (pcode ? pcode[i] : l->code[r->cell[i]])

/* At the zero group (starting at listed entry b): complete ws->cnt, which
 * holds the listed labelled cells of each category in the groups above
 * (`above` of them), with the listed cells from b on.  Returns the number of
 * unlisted labelled cells; category c has total[c] - cnt[c] of them.  Done
 * here rather than up front because most scans never reach the zeros, or
 * reach them having counted all but a few entries. */
static int64_t finish_counts(const stats_ranked *r, const int32_t *pcode, const stats_label *l,
                             int64_t b, int64_t above, stats_ws *ws)
{
    int64_t listed = above;
    for (int64_t i = b; i < r->m; i++) {
        int32_t c = CODE(i);
        if (c >= 0) {
            ws->cnt[c]++;
            listed++;
        }
    }
    return l->nlab - listed;
}

/* ---- AUROC ---------------------------------------------------------------- */

void stats_auroc_cats_at(const stats_ranked *r, const int32_t *pcode, const stats_label *l,
                         double *auroc, stats_ws *ws)
{
    int32_t K = l->ncat;
    double *rsum = ws->rsum; /* sum of descending mid-ranks of each category */
    memset(rsum, 0, (size_t)K * sizeof *rsum);
    memset(ws->cnt, 0, (size_t)K * sizeof *ws->cnt);
    walk w = {r, 0, 0};
    int64_t b, end, ahead = 0;
    int zero, counted = 0;
    float v;
    while (walk_next(&w, &b, &end, &zero, &v)) {
        int64_t g = 0, unlisted = 0;
        if (zero) {
            unlisted = finish_counts(r, pcode, l, b, ahead, ws);
            counted = 1;
        }
        for (int64_t i = b; i < end; i++) {
            int32_t c = CODE(i);
            if (c >= 0) {
                g++;
                if (!counted)
                    ws->cnt[c]++;
            }
        }
        g += unlisted;
        double mid = (double)ahead + (double)(g + 1) / 2;
        for (int64_t i = b; i < end; i++) {
            int32_t c = CODE(i);
            if (c >= 0)
                rsum[c] += mid;
        }
        if (zero && unlisted > 0)
            for (int32_t c = 0; c < K; c++)
                rsum[c] += mid * (double)(l->total[c] - ws->cnt[c]);
        ahead += g;
    }
    for (int32_t c = 0; c < K; c++) {
        double P = (double)l->total[c], N = (double)(l->nlab - l->total[c]);
        if (P == 0 || N == 0) {
            auroc[c] = NAN;
            continue;
        }
        double rank_asc = P * ((double)l->nlab + 1) - rsum[c];
        auroc[c] = (rank_asc - P * (P + 1) / 2) / (P * N);
    }
}

/* ---- best-threshold F1 -------------------------------------------------- */

static void f1_consider(stats_f1 *o, int64_t tp, int64_t npred, int64_t npos, float t)
{
    if (npos == 0 || npred == 0)
        return;
    double f1 = 2.0 * (double)tp / (double)(npred + npos);
    if (f1 > o->f1) {
        o->f1 = f1;
        o->precision = (double)tp / (double)npred;
        o->recall = (double)tp / (double)npos;
        o->threshold = t;
        o->tp = tp;
        o->npred = npred;
    }
}

void stats_f1_cats_at(const stats_ranked *r, const int32_t *pcode, const stats_label *l,
                      int positive_only, stats_f1 *out, stats_ws *ws)
{
    int32_t K = l->ncat;
    int64_t *tp = ws->tp;
    memset(tp, 0, (size_t)K * sizeof *tp);
    for (int32_t c = 0; c < K; c++) {
        memset(&out[c], 0, sizeof out[c]);
        out[c].threshold = NAN;
        out[c].npos = l->total[c];
    }
    walk w = {r, 0, 0};
    int64_t b, end, npred = 0;
    int zero;
    float v;
    while (walk_next(&w, &b, &end, &zero, &v)) {
        if (positive_only && (zero || v <= 0))
            break;
        int32_t nt = 0;
        int64_t unlisted = 0;
        if (zero) {
            /* the groups above counted exactly tp: complete from there */
            memcpy(ws->cnt, tp, (size_t)K * sizeof *tp);
            unlisted = finish_counts(r, pcode, l, b, npred, ws);
        }
        for (int64_t i = b; i < end; i++) {
            int32_t c = CODE(i);
            if (c < 0)
                continue;
            tp[c]++;
            npred++;
            if (!ws->mark[c]) {
                ws->mark[c] = 1;
                ws->touched[nt++] = c;
            }
        }
        if (zero) {
            npred += unlisted;
            for (int32_t c = 0; c < K; c++) {
                tp[c] += l->total[c] - ws->cnt[c];
                f1_consider(&out[c], tp[c], npred, l->total[c], v);
            }
        } else {
            /* F1 only rises where TP rose: the other categories can wait */
            for (int32_t t = 0; t < nt; t++) {
                int32_t c = ws->touched[t];
                f1_consider(&out[c], tp[c], npred, l->total[c], v);
            }
        }
        for (int32_t t = 0; t < nt; t++)
            ws->mark[ws->touched[t]] = 0;
    }
}

void stats_auroc_cats(const stats_ranked *r, const stats_label *l, double *auroc, stats_ws *ws)
{
    stats_auroc_cats_at(r, NULL, l, auroc, ws);
}

void stats_f1_cats(const stats_ranked *r, const stats_label *l, int positive_only,
                   stats_f1 *out, stats_ws *ws)
{
    stats_f1_cats_at(r, NULL, l, positive_only, out, ws);
}

#undef CODE

/* ---- dense convenience forms ------------------------------------------ */

typedef struct dense_prep {
    int32_t *cell;
    float *val;
    int32_t *code;
    stats_label lab;
    stats_ws ws;
} dense_prep;

static void dense_free(dense_prep *d)
{
    free(d->cell);
    free(d->val);
    free(d->code);
    stats_label_free(&d->lab);
    stats_ws_free(&d->ws);
}

static int dense_prepare(dense_prep *d, const float *score, const uint8_t *pos, int64_t n,
                         stats_ranked *r, sc_err *e)
{
    memset(d, 0, sizeof *d);
    if (n > INT32_MAX)
        return err_set(e, "stats: %lld cells is more than a score can index", (long long)n);
    d->cell = sc_calloc(e, (size_t)n, sizeof *d->cell);
    d->val = d->cell ? sc_calloc(e, (size_t)n, sizeof *d->val) : NULL;
    d->code = d->val ? sc_calloc(e, (size_t)n, sizeof *d->code) : NULL;
    if (!d->code) {
        dense_free(d);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(score[i])) {
            dense_free(d);
            return err_set(e, "stats: score of cell %lld is not finite", (long long)i);
        }
        d->cell[i] = (int32_t)i;
        d->val[i] = score[i];
        d->code[i] = pos[i] ? 1 : 0;
    }
    stats_sort_desc(d->cell, d->val, n);
    if (stats_label_init(&d->lab, "positive", d->code, n, 2, NULL, e) < 0 ||
        stats_ws_init(&d->ws, 2, 2, e) < 0) {
        dense_free(d);
        return -1;
    }
    r->n = n;
    r->m = n;
    r->cell = d->cell;
    r->val = d->val;
    return 0;
}

int stats_auroc(const float *score, const uint8_t *pos, int64_t n, double *auroc, sc_err *e)
{
    dense_prep d;
    stats_ranked r;
    if (dense_prepare(&d, score, pos, n, &r, e) < 0)
        return -1;
    double a[2];
    stats_auroc_cats(&r, &d.lab, a, &d.ws);
    *auroc = a[1];
    dense_free(&d);
    return 0;
}

int stats_best_f1(const float *score, const uint8_t *pos, int64_t n, int positive_only,
                  stats_f1 *out, sc_err *e)
{
    dense_prep d;
    stats_ranked r;
    if (dense_prepare(&d, score, pos, n, &r, e) < 0)
        return -1;
    stats_f1 f[2];
    stats_f1_cats(&r, &d.lab, positive_only, f, &d.ws);
    *out = f[1];
    dense_free(&d);
    return 0;
}

/* ---- correlation ---------------------------------------------------------- */

double stats_pearson(const double *x, const double *y, int64_t n)
{
    if (n < 2)
        return NAN;
    double mx = 0, my = 0;
    for (int64_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int64_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    /* constant up to rounding (sd below 1e-9 of the mean): no correlation */
    if (sxx <= 1e-18 * mx * mx * (double)n || syy <= 1e-18 * my * my * (double)n || sxx <= 0 ||
        syy <= 0)
        return NAN;
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

typedef struct vi {
    double v;
    int64_t i;
} vi;

static int cmp_vi(const void *a, const void *b)
{
    const vi *p = a, *q = b;
    if (p->v != q->v)
        return p->v < q->v ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

int stats_rank_average(const double *x, int64_t n, double *rank, sc_err *e)
{
    vi *t = sc_calloc(e, (size_t)n, sizeof *t);
    if (!t)
        return -1;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(x[i])) {
            free(t);
            return err_set(e, "stats: value %lld is NaN; ranks need numbers", (long long)i);
        }
        t[i].v = x[i];
        t[i].i = i;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_vi);
    for (int64_t a = 0; a < n;) {
        int64_t b = a + 1;
        while (b < n && t[b].v == t[a].v)
            b++;
        double mid = (double)(a + 1 + b) / 2; /* mean of ranks a+1 .. b */
        for (int64_t k = a; k < b; k++)
            rank[t[k].i] = mid;
        a = b;
    }
    free(t);
    return 0;
}

int stats_spearman(const double *x, const double *y, int64_t n, double *rho, sc_err *e)
{
    double *rx = sc_calloc(e, (size_t)n, sizeof *rx);
    double *ry = rx ? sc_calloc(e, (size_t)n, sizeof *ry) : NULL;
    int rc = -1;
    if (ry && stats_rank_average(x, n, rx, e) == 0 && stats_rank_average(y, n, ry, e) == 0) {
        *rho = stats_pearson(rx, ry, n);
        rc = 0;
    }
    free(rx);
    free(ry);
    return rc;
}

/* ---- information ---------------------------------------------------------- */

double stats_entropy(const int64_t *count, int32_t k)
{
    double tot = 0, h = 0;
    for (int32_t i = 0; i < k; i++)
        tot += (double)count[i];
    if (tot <= 0)
        return 0;
    for (int32_t i = 0; i < k; i++)
        if (count[i] > 0) {
            double p = (double)count[i] / tot;
            h -= p * log2(p);
        }
    return h;
}

double stats_mi_table(const int64_t *joint, int32_t rows, int32_t cols, double *h_row, double *h_col)
{
    double tot = 0, mi = 0, hr = 0, hc = 0;
    for (int64_t i = 0; i < (int64_t)rows * cols; i++)
        tot += (double)joint[i];
    if (tot > 0) {
        for (int32_t a = 0; a < rows; a++) {
            double ra = 0;
            for (int32_t b = 0; b < cols; b++)
                ra += (double)joint[(int64_t)a * cols + b];
            if (ra > 0)
                hr -= ra / tot * log2(ra / tot);
        }
        for (int32_t b = 0; b < cols; b++) {
            double cb = 0;
            for (int32_t a = 0; a < rows; a++)
                cb += (double)joint[(int64_t)a * cols + b];
            if (cb > 0)
                hc -= cb / tot * log2(cb / tot);
        }
        /* the direct sum keeps small MI accurate (no H + H - H cancellation) */
        for (int32_t a = 0; a < rows; a++) {
            double ra = 0;
            for (int32_t b = 0; b < cols; b++)
                ra += (double)joint[(int64_t)a * cols + b];
            for (int32_t b = 0; b < cols; b++) {
                double j = (double)joint[(int64_t)a * cols + b];
                if (j <= 0)
                    continue;
                double cb = 0;
                for (int32_t x = 0; x < rows; x++)
                    cb += (double)joint[(int64_t)x * cols + b];
                mi += j / tot * log2(j * tot / (ra * cb));
            }
        }
    }
    if (h_row)
        *h_row = hr;
    if (h_col)
        *h_col = hc;
    return mi > 0 ? mi : 0;
}

double stats_mi_ranked(const stats_ranked *r, const stats_label *l, int32_t nbins,
                       double *h_score, stats_ws *ws)
{
    int32_t K = l->ncat, B = nbins >= 2 ? nbins : 2;
    int64_t *joint = ws->joint;
    memset(joint, 0, (size_t)B * (size_t)K * sizeof *joint);
    if (nbins < 2) {
        /* row 1: active (score > 0), row 0: the rest */
        for (int64_t i = 0; i < r->m && r->val[i] > 0; i++) {
            int32_t c = l->code[r->cell[i]];
            if (c >= 0)
                joint[K + c]++;
        }
        for (int32_t c = 0; c < K; c++)
            joint[c] = l->total[c] - joint[K + c];
    } else {
        int64_t listed = count_listed(r, l, ws);
        walk w = {r, 0, 0};
        int64_t b, end, ahead = 0;
        int zero;
        float v;
        while (walk_next(&w, &b, &end, &zero, &v)) {
            int64_t g = 0;
            for (int64_t i = b; i < end; i++)
                g += l->code[r->cell[i]] >= 0;
            if (zero)
                g += l->nlab - listed;
            /* the group goes to the bin that holds its middle */
            int64_t bin = l->nlab ? (2 * ahead + g) * B / (2 * l->nlab) : 0;
            if (bin >= B)
                bin = B - 1;
            for (int64_t i = b; i < end; i++) {
                int32_t c = l->code[r->cell[i]];
                if (c >= 0)
                    joint[bin * K + c]++;
            }
            if (zero)
                for (int32_t c = 0; c < K; c++)
                    joint[bin * K + c] += l->total[c] - ws->cnt[c];
            ahead += g;
        }
    }
    return stats_mi_table(joint, B, K, h_score, NULL);
}

/* ---- hypergeometric ------------------------------------------------------- */

double stats_lfact(int64_t n)
{
    if (n < 0)
        return NAN;
    if (n < 32) {
        double s = 0;
        for (int64_t i = 2; i <= n; i++)
            s += log((double)i);
        return s;
    }
    /* Stirling's series; the next term is below 1e-17 for n >= 32 */
    double x = (double)n, x2 = x * x;
    double series = 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x * x2 * x2) -
                    1 / (1680 * x * x2 * x2 * x2);
    return (x + 0.5) * log(x) - x + 0.91893853320467274178 + series;
}

double stats_lchoose(int64_t n, int64_t k)
{
    if (k < 0 || k > n || n < 0)
        return -INFINITY;
    return stats_lfact(n) - stats_lfact(k) - stats_lfact(n - k);
}

double stats_hyper_logsf(int64_t k, int64_t pop, int64_t succ, int64_t draws)
{
    if (pop < 0 || succ < 0 || succ > pop || draws < 0 || draws > pop)
        return NAN;
    int64_t lo = draws + succ - pop > 0 ? draws + succ - pop : 0;
    int64_t hi = draws < succ ? draws : succ;
    if (k <= lo)
        return 0;
    if (k > hi)
        return -INFINITY;
    int64_t fail = pop - succ;
    double lt = stats_lchoose(succ, k) + stats_lchoose(fail, draws - k) - stats_lchoose(pop, draws);
    /* sum pmf(k..hi) in log space, each term from the last by the ratio
     * pmf(x+1)/pmf(x); stop once past the mode and negligible */
    double lmax = lt, s = 1;
    double mode = (double)(draws + 1) * (double)(succ + 1) / (double)(pop + 2);
    for (int64_t x = k; x < hi; x++) {
        lt += log((double)(succ - x) * (double)(draws - x)) -
              log((double)(x + 1) * (double)(fail - draws + x + 1));
        if (lt > lmax) {
            s = s * exp(lmax - lt) + 1;
            lmax = lt;
        } else {
            s += exp(lt - lmax);
            if ((double)x > mode && lt < lmax - 50)
                break;
        }
    }
    double r = lmax + log(s);
    return r > 0 ? 0 : r;
}

int stats_bh(const double *p, int64_t n, double *q, sc_err *e)
{
    vi *t = sc_calloc(e, (size_t)n + 1, sizeof *t);
    if (!t)
        return -1;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        q[i] = NAN;
        if (!isnan(p[i])) {
            t[m].v = p[i];
            t[m].i = i;
            m++;
        }
    }
    qsort(t, (size_t)m, sizeof *t, cmp_vi);
    double run = 1;
    for (int64_t k = m - 1; k >= 0; k--) {
        double adj = t[k].v * (double)m / (double)(k + 1);
        if (adj < run)
            run = adj;
        q[t[k].i] = run < 0 ? 0 : run;
    }
    free(t);
    return 0;
}

void stats_ranked_ranks(const stats_ranked *r, double *rank)
{
    /* unlisted cells are marked NaN, then given the zero group's rank */
    for (int64_t c = 0; c < r->n; c++)
        rank[c] = NAN;
    walk w = {r, 0, 0};
    int64_t b, end, ahead = 0;
    int zero;
    float v;
    double zero_rank = 0;
    while (walk_next(&w, &b, &end, &zero, &v)) {
        int64_t g = end - b;
        if (zero)
            g += r->n - r->m;
        /* ascending rank = n + 1 - descending mid-rank */
        double mid = (double)r->n + 1 - ((double)ahead + (double)(g + 1) / 2);
        for (int64_t i = b; i < end; i++)
            rank[r->cell[i]] = mid;
        if (zero)
            zero_rank = mid;
        ahead += g;
    }
    if (r->m < r->n)
        for (int64_t c = 0; c < r->n; c++)
            if (isnan(rank[c]))
                rank[c] = zero_rank;
}

/* explain.c: best single label or two-label conjunction per view (see explain.h). */
#include "explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void explain_opts_init(explain_opts *o)
{
    o->conjunctions = 1;
    o->min_gain = 0;
}

/* One scan target: a column, or a pair of columns as combined categories. */
typedef struct task {
    int32_t a, b;    /* column indices; b = -1 for a single column */
    int32_t nb;      /* categories of column b (to split combined codes) */
    int32_t *code;   /* owned combined codes (pairs only) */
    stats_label lab; /* pairs: owned totals; singles: a copy of the column */
} task;

static void tasks_free(task *t, int nt)
{
    for (int i = 0; i < nt; i++)
        if (t[i].b >= 0) {
            free(t[i].code);
            stats_label_free(&t[i].lab);
        }
    free(t);
}

static int tasks_build(const stats_label *cols, int ncol, int64_t n, int pairs, task **out,
                       int *nout, int32_t *maxcat, sc_err *e)
{
    int nt = ncol + (pairs ? ncol * (ncol - 1) / 2 : 0);
    task *t = sc_calloc(e, (size_t)nt + 1, sizeof *t);
    if (!t)
        return -1;
    int k = 0;
    *maxcat = 1;
    for (int i = 0; i < ncol; i++) {
        if (cols[i].n != n) {
            free(t);
            return err_set(e, "explain: label %s has %lld cells, the activations %lld",
                           cols[i].name ? cols[i].name : "?", (long long)cols[i].n,
                           (long long)n);
        }
        t[k].a = i;
        t[k].b = -1;
        t[k].lab = cols[i];
        if (cols[i].ncat > *maxcat)
            *maxcat = cols[i].ncat;
        k++;
    }
    for (int i = 0; pairs && i < ncol; i++)
        for (int j = i + 1; j < ncol; j++) {
            int64_t K = (int64_t)cols[i].ncat * cols[j].ncat;
            if (K > EXPLAIN_MAX_PAIR_CATS) {
                tasks_free(t, k);
                return err_set(e,
                               "explain: labels %s (%d categories) and %s (%d) make %lld "
                               "combinations, more than %d; leave one out",
                               cols[i].name ? cols[i].name : "?", (int)cols[i].ncat,
                               cols[j].name ? cols[j].name : "?", (int)cols[j].ncat,
                               (long long)K, EXPLAIN_MAX_PAIR_CATS);
            }
            t[k].a = i;
            t[k].b = j;
            t[k].nb = cols[j].ncat;
            t[k].code = sc_calloc(e, (size_t)n + 1, sizeof *t[k].code);
            if (!t[k].code) {
                tasks_free(t, k);
                return -1;
            }
            for (int64_t c = 0; c < n; c++) {
                int32_t x = cols[i].code[c], y = cols[j].code[c];
                t[k].code[c] = x >= 0 && y >= 0 ? x * cols[j].ncat + y : -1;
            }
            if (stats_label_init(&t[k].lab, NULL, t[k].code, n, (int32_t)K, NULL, e) < 0) {
                free(t[k].code);
                tasks_free(t, k);
                return -1;
            }
            if (K > *maxcat)
                *maxcat = (int32_t)K;
            k++;
        }
    *out = t;
    *nout = k;
    return 0;
}

int explain_run(const inspect_src *s, const stats_label *cols, int ncol, const explain_opts *o,
                explain_hit *out, sc_err *e)
{
    explain_opts def;
    if (!o) {
        explain_opts_init(&def);
        o = &def;
    }
    task *t = NULL;
    int nt = 0;
    int32_t maxcat = 1;
    if (tasks_build(cols, ncol, s->ncells, o->conjunctions, &t, &nt, &maxcat, e) < 0)
        return -1;
    /* every cell's labels side by side, so a view fetches them in one go */
    int64_t n = s->ncells, maxm = 1;
    int32_t *packed = sc_calloc(e, (size_t)(n * ncol) + 1, sizeof *packed);
    if (!packed) {
        tasks_free(t, nt);
        return -1;
    }
    for (int64_t c = 0; c < n; c++)
        for (int k = 0; k < ncol; k++)
            packed[c * ncol + k] = cols[k].code[c];
    for (int32_t j = 0; j < s->nview; j++)
        if (s->ptr[j + 1] - s->ptr[j] > maxm)
            maxm = s->ptr[j + 1] - s->ptr[j];
    int posonly = inspect_positive_only(s), failed = 0;
#ifdef _OPENMP
#pragma omp parallel
#endif
    {
        stats_ws ws;
        sc_err le;
        stats_f1 *f = NULL;
        int32_t *gath = NULL; /* ncol + 1 rows of maxm: each column's codes, then a pair's */
        int ok = stats_ws_init(&ws, maxcat, 2, &le) == 0;
        if (ok && (!(f = sc_calloc(&le, (size_t)maxcat, sizeof *f)) ||
                   !(gath = sc_calloc(&le, (size_t)(ncol + 1) * (size_t)maxm, sizeof *gath)))) {
            free(f);
            stats_ws_free(&ws);
            ok = 0;
        }
        if (!ok) {
#ifdef _OPENMP
#pragma omp critical(explain_err)
#endif
            {
                if (!failed)
                    *e = le;
                failed = 1;
            }
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
        for (int32_t j = 0; j < s->nview; j++) {
            explain_hit best = {-1, -1, -1, -1, {0, 0, 0, NAN, 0, 0, 0}};
            if (!ok)
                continue;
            stats_ranked r;
            inspect_ranked(s, j, &r);
            /* features only ever look at their active cells */
            int64_t used = posonly ? inspect_active(s, j) : r.m;
            for (int64_t i = 0; i < used; i++) {
                const int32_t *pc = packed + (int64_t)r.cell[i] * ncol;
                for (int k = 0; k < ncol; k++)
                    gath[(int64_t)k * maxm + i] = pc[k];
            }
            int32_t *pair = gath + (int64_t)ncol * maxm;
            double best_single = 0;
            for (int k = 0; k < nt; k++) {
                const int32_t *code = gath + (int64_t)t[k].a * maxm;
                if (t[k].b >= 0) {
                    const int32_t *cb = gath + (int64_t)t[k].b * maxm;
                    for (int64_t i = 0; i < used; i++)
                        pair[i] = code[i] >= 0 && cb[i] >= 0 ? code[i] * t[k].nb + cb[i] : -1;
                    code = pair;
                }
                stats_f1_cats_at(&r, code, &t[k].lab, posonly, f, &ws);
                /* a conjunction has to beat the best single label by min_gain */
                double bar = t[k].b < 0 ? best.f1.f1 : fmax(best.f1.f1, best_single + o->min_gain);
                for (int32_t c = 0; c < t[k].lab.ncat; c++) {
                    if (!(f[c].f1 > bar))
                        continue;
                    bar = f[c].f1;
                    best.f1 = f[c];
                    best.col_a = t[k].a;
                    best.col_b = t[k].b;
                    best.cat_a = t[k].b < 0 ? c : c / t[k].nb;
                    best.cat_b = t[k].b < 0 ? -1 : c % t[k].nb;
                }
                if (t[k].b < 0)
                    best_single = best.f1.f1;
            }
            out[j] = best;
        }
        if (ok) {
            free(f);
            free(gath);
            stats_ws_free(&ws);
        }
    }
    free(packed);
    tasks_free(t, nt);
    return failed ? -1 : 0;
}

static void label_text(const stats_label *l, int32_t c, char *buf, size_t size)
{
    if (l->cats && l->cats[c])
        snprintf(buf, size, "%s", l->cats[c]);
    else
        snprintf(buf, size, "%s=%d", l->name ? l->name : "?", (int)c);
}

void explain_format(const explain_hit *h, const stats_label *cols, char *buf, size_t size)
{
    if (h->col_a < 0) {
        snprintf(buf, size, "-");
        return;
    }
    char a[256], b[256];
    label_text(&cols[h->col_a], h->cat_a, a, sizeof a);
    if (h->col_b < 0) {
        snprintf(buf, size, "%s", a);
        return;
    }
    label_text(&cols[h->col_b], h->cat_b, b, sizeof b);
    snprintf(buf, size, "%s & %s", a, b);
}

void explain_share_of(const inspect_src *s, const explain_hit *h, double min_f1,
                      explain_share *out)
{
    memset(out, 0, sizeof *out);
    for (int32_t j = 0; j < s->nview; j++) {
        if (!s->dense && inspect_active(s, j) == 0)
            continue;
        out->nlive++;
        if (h[j].col_a >= 0 && h[j].f1.f1 >= min_f1) {
            out->nexplained++;
            out->nconj += h[j].col_b >= 0;
        }
    }
    out->share = out->nlive ? (double)out->nexplained / (double)out->nlive : 0;
}

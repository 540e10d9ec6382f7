/* coverage.c: best feature, best latent direction and feature family per
 * category; the seed's singular-correlation count (see coverage.h). */
#include "coverage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void coverage_opts_init(coverage_opts *o)
{
    o->family_max = COVERAGE_FAMILY_MAX;
    o->family_min_gain = 0.01;
    o->win_margin = 0.01;
}

/* The label of every stored entry of a source, aligned with s->cell: the
 * scans below read labels in ranked order many times (every category, every
 * family step), so they are fetched from the cells once. */
static int32_t *gather_codes(const inspect_src *s, const stats_label *lab, sc_err *e)
{
    int64_t tot = s->ptr[s->nview];
    int32_t *gc = sc_calloc(e, (size_t)tot + 1, sizeof *gc);
    if (!gc)
        return NULL;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (int64_t k = 0; k < tot; k++)
        gc[k] = lab->code[s->cell[k]];
    return gc;
}

/* AUROC and best-threshold F1 of every view for every category:
 * F[j * K + c], A[j * K + c]. */
static int scan_views(const inspect_src *s, const int32_t *gc, const stats_label *lab,
                      stats_f1 **F, double **A, sc_err *e)
{
    size_t K = (size_t)lab->ncat, nv = (size_t)s->nview;
    *F = sc_calloc(e, nv * K + 1, sizeof **F);
    *A = *F ? sc_calloc(e, nv * K + 1, sizeof **A) : NULL;
    if (!*A) {
        free(*F);
        *F = NULL;
        return -1;
    }
    int posonly = inspect_positive_only(s), failed = 0;
#ifdef _OPENMP
#pragma omp parallel
#endif
    {
        stats_ws ws;
        sc_err le;
        int ok = stats_ws_init(&ws, lab->ncat, 2, &le) == 0;
        if (!ok) {
#ifdef _OPENMP
#pragma omp critical(coverage_err)
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
            if (!ok)
                continue;
            stats_ranked r;
            inspect_ranked(s, j, &r);
            stats_auroc_cats_at(&r, gc + s->ptr[j], lab, *A + (size_t)j * K, &ws);
            stats_f1_cats_at(&r, gc + s->ptr[j], lab, posonly, *F + (size_t)j * K, &ws);
        }
        if (ok)
            stats_ws_free(&ws);
    }
    if (failed) {
        free(*F);
        free(*A);
        *F = NULL;
        *A = NULL;
        return -1;
    }
    return 0;
}

static void pick_best(const inspect_src *s, int32_t K, const stats_f1 *F, const double *A,
                      int32_t c, coverage_best *b)
{
    memset(b, 0, sizeof *b);
    b->view = -1;
    b->auroc = NAN;
    b->f1.threshold = NAN;
    if (!s)
        return;
    b->f1.npos = F[c].npos;
    for (int32_t j = 0; j < s->nview; j++) {
        const stats_f1 *f = &F[(size_t)j * K + c];
        if (f->f1 > b->f1.f1) {
            b->view = j;
            b->f1 = *f;
            b->auroc = A[(size_t)j * K + c];
        }
    }
}

/* Scratch for growing families: union membership and union score per cell. */
typedef struct fam_ws {
    uint8_t *in;
    float *score;
    int32_t *cell;
    float *val;
    double *cand_f1;
    float *cand_t;
    double *auroc;
} fam_ws;

static void fam_ws_free(fam_ws *w)
{
    free(w->in);
    free(w->score);
    free(w->cell);
    free(w->val);
    free(w->cand_f1);
    free(w->cand_t);
    free(w->auroc);
}

static int fam_ws_init(fam_ws *w, int64_t n, int32_t nview, int32_t K, sc_err *e)
{
    memset(w, 0, sizeof *w);
    w->in = sc_calloc(e, (size_t)n + 1, 1);
    w->score = w->in ? sc_calloc(e, (size_t)n + 1, sizeof *w->score) : NULL;
    w->cell = w->score ? sc_calloc(e, (size_t)n + 1, sizeof *w->cell) : NULL;
    w->val = w->cell ? sc_calloc(e, (size_t)n + 1, sizeof *w->val) : NULL;
    w->cand_f1 = w->val ? sc_calloc(e, (size_t)nview + 1, sizeof *w->cand_f1) : NULL;
    w->cand_t = w->cand_f1 ? sc_calloc(e, (size_t)nview + 1, sizeof *w->cand_t) : NULL;
    w->auroc = w->cand_t ? sc_calloc(e, (size_t)K + 1, sizeof *w->auroc) : NULL;
    if (!w->auroc) {
        fam_ws_free(w);
        return -1;
    }
    return 0;
}

/* Add the cells of view j with score >= t to the union; count the new
 * labelled cells (*pred) and the new positives (*tp). */
static void union_add(const inspect_src *s, const int32_t *gc, int32_t c, int32_t j, float t,
                      fam_ws *w, int64_t *tp, int64_t *pred)
{
    for (int64_t k = s->ptr[j]; k < s->ptr[j + 1] && s->val[k] >= t; k++) {
        int32_t cell = s->cell[k], code = gc[k];
        if (w->in[cell] || code < 0)
            continue;
        w->in[cell] = 1;
        (*pred)++;
        *tp += code == c;
    }
}

static void family_grow(const inspect_src *s, const int32_t *gc, const stats_label *lab, int32_t c,
                        const coverage_best *first, const coverage_opts *o, fam_ws *w,
                        stats_ws *ws, coverage_family *fam)
{
    memset(fam, 0, sizeof *fam);
    fam->auroc = NAN;
    fam->f1.threshold = NAN;
    int64_t P = lab->total[c];
    fam->f1.npos = P;
    if (first->view < 0 || P == 0)
        return;
    int64_t tp = 0, pred = 0;
    fam->n = 1;
    fam->view[0] = first->view;
    fam->threshold[0] = first->f1.threshold;
    union_add(s, gc, c, first->view, first->f1.threshold, w, &tp, &pred);
    double cur = 2.0 * (double)tp / (double)(pred + P);
    while (fam->n < o->family_max) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8)
#endif
        for (int32_t j = 0; j < s->nview; j++) {
            w->cand_f1[j] = -1;
            w->cand_t[j] = NAN;
            int member = 0;
            for (int32_t m = 0; m < fam->n; m++)
                member |= fam->view[m] == j;
            if (member)
                continue;
            /* thresholds at the ends of tie groups of active values */
            int64_t dtp = 0, dpred = 0, k = s->ptr[j], end = s->ptr[j + 1];
            while (k < end && s->val[k] > 0) {
                float v = s->val[k];
                for (; k < end && s->val[k] == v; k++) {
                    int32_t cell = s->cell[k], code = gc[k];
                    if (w->in[cell] || code < 0)
                        continue;
                    dpred++;
                    dtp += code == c;
                }
                double f = 2.0 * (double)(tp + dtp) / (double)(pred + dpred + P);
                if (f > w->cand_f1[j]) {
                    w->cand_f1[j] = f;
                    w->cand_t[j] = v;
                }
            }
        }
        int32_t best = -1;
        for (int32_t j = 0; j < s->nview; j++)
            if (w->cand_f1[j] >= 0 && (best < 0 || w->cand_f1[j] > w->cand_f1[best]))
                best = j;
        if (best < 0 || !(w->cand_f1[best] > cur + o->family_min_gain))
            break;
        fam->view[fam->n] = best;
        fam->threshold[fam->n] = w->cand_t[best];
        fam->n++;
        union_add(s, gc, c, best, w->cand_t[best], w, &tp, &pred);
        cur = 2.0 * (double)tp / (double)(pred + P);
    }
    fam->f1.f1 = cur;
    fam->f1.tp = tp;
    fam->f1.npred = pred;
    fam->f1.precision = pred ? (double)tp / (double)pred : 0;
    fam->f1.recall = (double)tp / (double)P;
    fam->f1.threshold = 1;

    /* union score max_k f_k / t_k over the members' active cells */
    int64_t m = 0;
    for (int32_t q = 0; q < fam->n; q++) {
        int32_t j = fam->view[q];
        for (int64_t k = s->ptr[j]; k < s->ptr[j + 1] && s->val[k] > 0; k++) {
            int32_t cell = s->cell[k];
            float sc = s->val[k] / fam->threshold[q];
            if (w->score[cell] == 0)
                w->cell[m++] = cell;
            if (sc > w->score[cell])
                w->score[cell] = sc;
        }
    }
    for (int64_t k = 0; k < m; k++)
        w->val[k] = w->score[w->cell[k]];
    stats_sort_desc(w->cell, w->val, m);
    stats_ranked r = {s->ncells, m, w->cell, w->val};
    stats_auroc_cats(&r, lab, w->auroc, ws);
    fam->auroc = w->auroc[c];
    for (int64_t k = 0; k < m; k++) {
        w->score[w->cell[k]] = 0;
        w->in[w->cell[k]] = 0;
    }
    /* cells in the union are all among the members' active cells */
}

/* Labelled active cells of feature j in category c, and in total. */
static void active_counts(const inspect_src *s, const int32_t *gc, int32_t j, int32_t c,
                          int64_t *inc, int64_t *tot)
{
    *inc = *tot = 0;
    for (int64_t k = s->ptr[j]; k < s->ptr[j + 1] && s->val[k] > 0; k++) {
        int32_t code = gc[k];
        if (code >= 0) {
            (*tot)++;
            *inc += code == c;
        }
    }
}

/* Share of c among the first N labelled cells of view j. */
static double top_share(const inspect_src *s, const int32_t *gc, int32_t j, int32_t c, int64_t N)
{
    int64_t seen = 0, hit = 0;
    for (int64_t k = s->ptr[j]; k < s->ptr[j + 1] && seen < N; k++) {
        int32_t code = gc[k];
        if (code >= 0) {
            seen++;
            hit += code == c;
        }
    }
    return seen ? (double)hit / (double)seen : NAN;
}

/* Like-with-like purity summary: mean purity of live features' active sets,
 * and the best direction's top-N purity for the same N. */
static int purity_summary(const inspect_src *feat, const int32_t *gf, const inspect_src *dir,
                          const int32_t *gd, const stats_label *lab, coverage_summary *sum,
                          sc_err *e)
{
    int32_t K = lab->ncat;
    int64_t *cnt = sc_calloc(e, (size_t)K + 1, sizeof *cnt);
    double *best = cnt ? sc_calloc(e, (size_t)lab->nlab + 2, sizeof *best) : NULL;
    if (!best) {
        free(cnt);
        return -1;
    }
    /* best[N]: the highest top-N purity of any direction */
    for (int32_t j = 0; dir && j < dir->nview; j++) {
        memset(cnt, 0, (size_t)K * sizeof *cnt);
        int64_t N = 0, mx = 0;
        for (int64_t k = dir->ptr[j]; k < dir->ptr[j + 1]; k++) {
            int32_t code = gd[k];
            if (code < 0)
                continue;
            N++;
            if (++cnt[code] > mx)
                mx = cnt[code];
            double p = (double)mx / (double)N;
            if (p > best[N])
                best[N] = p;
        }
    }
    double sp = 0, sd = 0;
    int64_t live = 0;
    for (int32_t j = 0; feat && j < feat->nview; j++) {
        memset(cnt, 0, (size_t)K * sizeof *cnt);
        int64_t N = 0, mx = 0;
        for (int64_t k = feat->ptr[j]; k < feat->ptr[j + 1] && feat->val[k] > 0; k++) {
            int32_t code = gf[k];
            if (code < 0)
                continue;
            N++;
            if (++cnt[code] > mx)
                mx = cnt[code];
        }
        if (N == 0)
            continue;
        live++;
        sp += (double)mx / (double)N;
        sd += best[N];
    }
    sum->nlive = live;
    sum->feat_purity = live ? sp / (double)live : NAN;
    sum->dir_purity_matched = live && dir ? sd / (double)live : NAN;
    free(cnt);
    free(best);
    return 0;
}

int coverage_run(const inspect_src *feat, const inspect_src *dir, const stats_label *lab,
                 const coverage_opts *o, coverage_row *rows, coverage_summary *sum, sc_err *e)
{
    coverage_opts def;
    if (!o) {
        coverage_opts_init(&def);
        o = &def;
    }
    if (!feat && !dir)
        return err_set(e, "coverage: no features and no latent to compare");
    int64_t n = feat ? feat->ncells : dir->ncells;
    if ((feat && feat->ncells != lab->n) || (dir && dir->ncells != lab->n))
        return err_set(e, "coverage: label %s has %lld cells, the activations %lld",
                       lab->name ? lab->name : "?", (long long)lab->n, (long long)n);
    if (o->family_max < 1 || o->family_max > COVERAGE_FAMILY_MAX)
        return err_set(e, "coverage: family size %d, expected 1 to %d", o->family_max,
                       COVERAGE_FAMILY_MAX);
    int32_t K = lab->ncat;
    stats_f1 *FF = NULL, *FD = NULL;
    double *AF = NULL, *AD = NULL;
    int32_t *gf = NULL, *gd = NULL;
    fam_ws fw;
    stats_ws ws;
    int rc = -1;
    memset(&fw, 0, sizeof fw);
    memset(&ws, 0, sizeof ws);
    if ((feat && !(gf = gather_codes(feat, lab, e))) || (dir && !(gd = gather_codes(dir, lab, e))))
        goto out;
    if ((feat && scan_views(feat, gf, lab, &FF, &AF, e) < 0) ||
        (dir && scan_views(dir, gd, lab, &FD, &AD, e) < 0))
        goto out;
    if (stats_ws_init(&ws, K, 2, e) < 0 ||
        fam_ws_init(&fw, n, feat ? feat->nview : 1, K, e) < 0)
        goto out;

    memset(sum, 0, sizeof *sum);
    for (int32_t c = 0; c < K; c++) {
        coverage_row *row = &rows[c];
        memset(row, 0, sizeof *row);
        row->cat = c;
        row->npos = lab->total[c];
        pick_best(feat, K, FF, AF, c, &row->feat);
        pick_best(dir, K, FD, AD, c, &row->dir);
        row->feat_purity = row->dir_purity = NAN;
        if (feat)
            family_grow(feat, gf, lab, c, &row->feat, o, &fw, &ws, &row->fam);
        else {
            row->fam.auroc = NAN;
            row->fam.f1.threshold = NAN;
        }
        if (row->feat.view >= 0) {
            int64_t inc;
            active_counts(feat, gf, row->feat.view, c, &inc, &row->feat_active);
            row->feat_purity = row->feat_active ? (double)inc / (double)row->feat_active : NAN;
            if (row->dir.view >= 0 && row->feat_active > 0)
                row->dir_purity = top_share(dir, gd, row->dir.view, c, row->feat_active);
        }
        if (row->npos == 0)
            continue;
        sum->ncat++;
        sum->feat_f1 += row->feat.f1.f1;
        sum->dir_f1 += row->dir.f1.f1;
        sum->fam_f1 += row->fam.f1.f1;
        sum->feat_auroc += isnan(row->feat.auroc) ? 0.5 : row->feat.auroc;
        sum->dir_auroc += isnan(row->dir.auroc) ? 0.5 : row->dir.auroc;
        sum->fam_auroc += isnan(row->fam.auroc) ? 0.5 : row->fam.auroc;
        sum->feat_wins += row->feat.f1.f1 > row->dir.f1.f1 + o->win_margin;
        sum->dir_wins += row->dir.f1.f1 > row->feat.f1.f1 + o->win_margin;
        sum->fam_wins += row->fam.f1.f1 > row->dir.f1.f1 + o->win_margin;
        sum->fam_losses += row->dir.f1.f1 > row->fam.f1.f1 + o->win_margin;
    }
    if (sum->ncat) {
        double d = sum->ncat;
        sum->feat_f1 /= d;
        sum->dir_f1 /= d;
        sum->fam_f1 /= d;
        sum->feat_auroc /= d;
        sum->dir_auroc /= d;
        sum->fam_auroc /= d;
    }
    if (!feat)
        sum->feat_f1 = sum->feat_auroc = sum->fam_f1 = sum->fam_auroc = NAN;
    if (!dir)
        sum->dir_f1 = sum->dir_auroc = NAN;
    if (purity_summary(feat, gf, dir, gd, lab, sum, e) < 0)
        goto out;
    rc = 0;
out:
    free(gf);
    free(gd);
    free(FF);
    free(FD);
    free(AF);
    free(AD);
    fam_ws_free(&fw);
    stats_ws_free(&ws);
    return rc;
}

/* ---- the seed's measure ---------------------------------------------------- */

int coverage_seed_measure(const inspect_src *s, const stats_label *cols, int ncol, double thr,
                          coverage_seed *out, int32_t *col_of, int32_t *cat_of, sc_err *e)
{
    int64_t n = s->ncells, tot = 0;
    for (int k = 0; k < ncol; k++) {
        if (cols[k].n != n)
            return err_set(e, "label %s has %lld cells, the activations %lld",
                           cols[k].name ? cols[k].name : "?", (long long)cols[k].n,
                           (long long)n);
        tot += cols[k].ncat;
    }
    /* a latent dimension is view 2i; its sign does not change |r| */
    int32_t nv = s->dense ? s->dims : s->nview, step = s->dense ? 2 : 1;
    int64_t ndef = 0, nsing = 0;
    int failed = 0;
#ifdef _OPENMP
#pragma omp parallel reduction(+ : ndef, nsing)
#endif
    {
        sc_err le;
        double *dev = sc_calloc(&le, (size_t)tot + 1, sizeof *dev);
        int64_t *cnt = dev ? sc_calloc(&le, (size_t)tot + 1, sizeof *cnt) : NULL;
        if (!cnt) {
#ifdef _OPENMP
#pragma omp critical(coverage_err)
#endif
            {
                if (!failed)
                    *e = le;
                failed = 1;
            }
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 8)
#endif
        for (int32_t v = 0; v < nv; v++) {
            if (!cnt)
                continue;
            int32_t j = v * step;
            int64_t b = s->ptr[j], m = s->ptr[j + 1] - b;
            double mu = 0, ss = 0;
            for (int64_t k = b; k < b + m; k++)
                mu += s->val[k];
            mu /= (double)n;
            for (int64_t k = b; k < b + m; k++)
                ss += (s->val[k] - mu) * (s->val[k] - mu);
            ss += (double)(n - m) * mu * mu;
            if (col_of)
                col_of[v] = -1;
            if (cat_of)
                cat_of[v] = -1;
            if (!(ss > 1e-18 * mu * mu * (double)n)) /* constant up to rounding */
                continue;
            ndef++;
            memset(dev, 0, (size_t)tot * sizeof *dev);
            memset(cnt, 0, (size_t)tot * sizeof *cnt);
            int64_t off = 0;
            for (int q = 0; q < ncol; q++) {
                for (int64_t k = b; k < b + m; k++) {
                    int32_t code = cols[q].code[s->cell[k]];
                    if (code >= 0) {
                        dev[off + code] += s->val[k] - mu;
                        cnt[off + code]++;
                    }
                }
                off += cols[q].ncat;
            }
            int strong = 0, sq = -1, sc = -1;
            off = 0;
            for (int q = 0; q < ncol; q++) {
                for (int32_t c = 0; c < cols[q].ncat; c++) {
                    double T = (double)cols[q].total[c];
                    double oss = T * (1 - T / (double)n); /* sum of squares of the one-hot column */
                    if (!(oss > 0))
                        continue;
                    /* unlisted cells of c score 0: deviation -mu each */
                    double cov = dev[off + c] - (T - (double)cnt[off + c]) * mu;
                    double r = cov / sqrt(ss * oss);
                    if (fabs(r) > thr) {
                        strong++;
                        sq = q;
                        sc = c;
                    }
                }
                off += cols[q].ncat;
            }
            if (strong == 1) {
                nsing++;
                if (col_of)
                    col_of[v] = sq;
                if (cat_of)
                    cat_of[v] = sc;
            }
        }
        free(dev);
        free(cnt);
    }
    if (failed)
        return -1;
    out->nview = nv;
    out->ndefined = ndef;
    out->nsingular = nsing;
    return 0;
}

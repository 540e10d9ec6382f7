/* cmd-coverage.c: `coverage label=COL` and `families label=COL`: how well
 * single SAE features, feature families and raw latent directions cover the
 * categories of a label (coverage.h computes; this file chooses, caches and
 * prints), plus the frame behind `export coverage.tsv`.
 *
 * The table is the seed's headline result stated so that it can fail: every
 * row says which view wins, the summary counts wins for both sides, and the
 * seed's own singular-correlation measure is printed next to ours so the
 * numbers compare with its published analysis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "coverage.h"
#include "covreport.h"
#include "dataset.h"
#include "explain.h"
#include "insp.h"
#include "sae_bind.h"
#include "session.h"
#include "textwrap.h"


#define COV_MAX_COLS 64

/* The summary's extras: explain shares and the seed's measure, which depend
 * on the label list, |r| threshold and F1 bar rather than on the label. */
typedef struct cov_extra {
    char key[1200];
    int ncol;
    int col[COV_MAX_COLS];
    char names[1024]; /* "cell_type, batch, condition" */
    double thr, min_f1;
    explain_share fsh, dsh;
    coverage_seed sf, sd;
} cov_extra;

/* What INSP_CACHE_COVERAGE holds. */
typedef struct cov_result {
    char key[320];   /* label name, family size, margin */
    char label[256];
    coverage_opts o;
    int32_t ncat;
    coverage_row *rows;
    coverage_summary sum;
    int have_extra;
    cov_extra x;
} cov_result;

static void cov_free(void *p)
{
    cov_result *r = p;
    if (r)
        free(r->rows);
    free(r);
}

static void cov_key(char *buf, size_t size, const char *label, const coverage_opts *o)
{
    snprintf(buf, size, "%s\x1f%d\x1f%.17g", label, o->family_max, o->win_margin);
}

/* The coverage of label `lab` under options o, cached in the inspection
 * state.  Borrowed: valid until the state or the cache slot changes. */
static int cov_get(insp_ctx *c, int lab, const coverage_opts *o, cov_result **out, sc_err *e)
{
    const stats_label *l = &c->lab[lab];
    char key[320];
    cov_key(key, sizeof key, l->name, o);
    cov_result *r = c->cache[INSP_CACHE_COVERAGE].p;
    if (r && strcmp(r->key, key) == 0 && r->ncat == l->ncat) {
        *out = r;
        return 0;
    }
    r = sc_calloc(e, 1, sizeof *r);
    if (!r)
        return -1;
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->label, sizeof r->label, "%s", l->name);
    r->o = *o;
    r->ncat = l->ncat;
    r->rows = sc_calloc(e, (size_t)(l->ncat ? l->ncat : 1), sizeof *r->rows);
    if (!r->rows ||
        coverage_run(c->have_feat ? &c->feat : NULL, c->have_dir ? &c->dir : NULL, l, o, r->rows,
                     &r->sum, e) < 0) {
        cov_free(r);
        return -1;
    }
    insp_cache_set(c, INSP_CACHE_COVERAGE, r, cov_free, l->name);
    *out = r;
    return 0;
}

/* Explain shares of features and latent directions at F1 >= min_f1, and the
 * seed's singular-correlation counts, over the label columns idx[0..n). */
static int cov_extra_get(insp_ctx *c, cov_result *r, const int *idx, int n, double thr,
                         double min_f1, sc_err *e)
{
    char key[1200] = "";
    for (int i = 0; i < n; i++) {
        size_t u = strlen(key);
        snprintf(key + u, sizeof key - u, "%s\x1f", c->lab[idx[i]].name);
    }
    size_t u = strlen(key);
    snprintf(key + u, sizeof key - u, "%.17g\x1f%.17g", thr, min_f1);
    if (r->have_extra && strcmp(r->x.key, key) == 0)
        return 0;
    r->have_extra = 0;
    cov_extra *x = &r->x;
    memset(x, 0, sizeof *x);
    snprintf(x->key, sizeof x->key, "%s", key);
    x->ncol = n;
    x->thr = thr;
    x->min_f1 = min_f1;
    for (int i = 0; i < n; i++) {
        x->col[i] = idx[i];
        size_t v = strlen(x->names);
        snprintf(x->names + v, sizeof x->names - v, "%s%s", i ? ", " : "", c->lab[idx[i]].name);
    }
    stats_label *cols = sc_calloc(e, (size_t)n + 1, sizeof *cols);
    if (!cols)
        return -1;
    for (int i = 0; i < n; i++)
        cols[i] = c->lab[idx[i]]; /* shallow: codes and totals stay borrowed */
    int rc = -1;
    explain_hit *hf = sc_calloc(e, (size_t)c->feat.nview + 1, sizeof *hf);
    explain_hit *hd = hf ? sc_calloc(e, (size_t)c->dir.nview + 1, sizeof *hd) : NULL;
    if (!hd)
        goto out;
    if (explain_run(&c->feat, cols, n, NULL, hf, e) < 0 ||
        explain_run(&c->dir, cols, n, NULL, hd, e) < 0)
        goto out;
    explain_share_of(&c->feat, hf, min_f1, &x->fsh);
    explain_share_of(&c->dir, hd, min_f1, &x->dsh);
    if (coverage_seed_measure(&c->feat, cols, n, thr, &x->sf, NULL, NULL, e) < 0 ||
        coverage_seed_measure(&c->dir, cols, n, thr, &x->sd, NULL, NULL, e) < 0)
        goto out;
    r->have_extra = 1;
    rc = 0;
out:
    free(hf);
    free(hd);
    free(cols);
    return rc;
}

/* ---- shared argument handling ---------------------------------------------- */

/* Inspection state with features and directions, and the label's index. */
static int prepare(session *s, const cmd_args *a, insp_ctx **c, int *lab, sc_err *e)
{
    if (s->data && !arg_has(a, "label")) {
        char names[1024];
        insp_categorical_names(s->data, names, sizeof names);
        return err_set(e, "which label? give label=COL, one of the categorical obs columns: %s",
                       names);
    }
    if (insp_get(s, INSP_FEAT | INSP_DIR, c, e) < 0)
        return -1; /* without data, that is the message */
    *lab = insp_label(*c, s, arg_str(a, "label"), e);
    return *lab < 0 ? -1 : 0;
}

static void read_opts(const cmd_args *a, coverage_opts *o)
{
    coverage_opts_init(o);
    o->family_max = (int)arg_int(a, "family");
    o->win_margin = arg_real(a, "margin");
}

static const char *cat_name(const stats_label *l, int32_t k, char *buf, size_t size)
{
    if (l->cats && l->cats[k])
        return l->cats[k];
    snprintf(buf, size, "%s=%d", l->name, (int)k);
    return buf;
}

/* "12+40+7", or "-" */
static void family_text(const coverage_family *f, char *buf, size_t size)
{
    buf[0] = 0;
    for (int32_t q = 0; q < f->n; q++) {
        size_t u = strlen(buf);
        snprintf(buf + u, size - u, "%s%d", q ? "+" : "", (int)f->view[q]);
    }
    if (!f->n)
        snprintf(buf, size, "-");
}

/* Who has the higher F1 by more than the margin. */
static const char *winner(double a, double b, double margin, const char *na, const char *nb)
{
    if (a > b + margin)
        return na;
    if (b > a + margin)
        return nb;
    return "tie";
}

static void f1_cols(char *buf, size_t size, const coverage_best *b)
{
    if (b->view < 0)
        snprintf(buf, size, "%4s %4s %4s %5s", "-", "-", "-", "-");
    else
        snprintf(buf, size, "%4.2f %4.2f %4.2f %5.2f", b->f1.f1, b->f1.precision, b->f1.recall,
                 b->auroc);
}

static void print_table(session *s, const insp_ctx *c, const stats_label *l, const cov_result *r)
{
    FILE *o = s->out;
    fprintf(o, "%-14s %6s | %7s %4s %4s %4s %5s | %-7s %4s %4s %4s %5s | %-14s %4s %5s | %5s "
               "%4s %4s | %-7s %s\n",
            "category", "cells", "feature", "F1", "prec", "rec", "AUROC", "latent", "F1", "prec",
            "rec", "AUROC", "family", "F1", "AUROC", "N", "purF", "purL", "single", "family");
    for (int32_t k = 0; k < r->ncat; k++) {
        const coverage_row *w = &r->rows[k];
        char nb[64], name[80], fid[16] = "-", did[16] = "-", fam[40], ff[40], df[40];
        text_fit(name, sizeof name, cat_name(l, k, nb, sizeof nb), 14);
        if (w->npos == 0) {
            fprintf(o, "%-14s %6d | (no cells)\n", name, 0);
            continue;
        }
        if (w->feat.view >= 0)
            snprintf(fid, sizeof fid, "%d", (int)w->feat.view);
        if (w->dir.view >= 0)
            inspect_view_name(&c->dir, w->dir.view, did, sizeof did);
        family_text(&w->fam, fam, sizeof fam);
        f1_cols(ff, sizeof ff, &w->feat);
        f1_cols(df, sizeof df, &w->dir);
        char fa[8] = "-", n[16] = "-", pf[8] = "-", pd[8] = "-";
        if (!isnan(w->fam.auroc))
            snprintf(fa, sizeof fa, "%.2f", w->fam.auroc);
        if (w->feat.view >= 0)
            snprintf(n, sizeof n, "%lld", (long long)w->feat_active);
        if (!isnan(w->feat_purity))
            snprintf(pf, sizeof pf, "%.2f", w->feat_purity);
        if (!isnan(w->dir_purity))
            snprintf(pd, sizeof pd, "%.2f", w->dir_purity);
        fprintf(o, "%-14s %6lld | %7s %s | %-7s %s | %-14s %4.2f %5s | %5s %4s %4s | %-7s %s\n",
                name, (long long)w->npos, fid, ff, did, df, fam, w->fam.f1.f1, fa, n, pf, pd,
                winner(w->feat.f1.f1, w->dir.f1.f1, r->o.win_margin, "feature", "latent"),
                winner(w->fam.f1.f1, w->dir.f1.f1, r->o.win_margin, "family", "latent"));
    }
    session_info(s,
                 "(best single feature and best latent direction (each sign of each dim) by "
                 "best-threshold F1; family: up to %d features whose union covers the category; "
                 "N: the best feature's labelled active cells, purF its share of the category, "
                 "purL the same share among the latent direction's top N cells; single/family: "
                 "which side has the higher F1 by more than %.2f)\n",
                 r->o.family_max, r->o.win_margin);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_summary(session *s, const insp_ctx *c, const stats_label *l,
                          const cov_result *r)
{
    FILE *o = s->out;
    const coverage_summary *m = &r->sum;
    const cov_extra *x = &r->x;
    int32_t n = m->ncat;
    char arch[64] = "";
    if (s->sae && s->sae->m)
        snprintf(arch, sizeof arch, ", %s", sae_arch_name(s->sae->m->cfg.arch));
    fprintf(o,
            "coverage of %s: %d %s with cells, %lld labelled cells; %d SAE features%s; %d "
            "latent directions (%d dims of %s, each sign)\n",
            l->name, (int)n, plural(n, "category", "categories"), (long long)l->nlab,
            (int)c->feat.nview, arch, (int)c->dir.nview, (int)c->dir.dims, c->dir_source);
    if (n == 0)
        return;
    fprintf(o, "  mean best F1:  single feature %.2f, latent direction %.2f, feature family "
               "(up to %d) %.2f\n",
            m->feat_f1, m->dir_f1, r->o.family_max, m->fam_f1);
    fprintf(o, "  mean AUROC:    single feature %.2f, latent direction %.2f, feature family "
               "%.2f\n",
            m->feat_auroc, m->dir_auroc, m->fam_auroc);
    int32_t ties = n - m->feat_wins - m->dir_wins;
    fprintf(o,
            "  single feature vs latent: features win %d of %d %s, latent dims win %d of %d, "
            "%d %s (F1 margin %.2f)\n",
            (int)m->feat_wins, (int)n, plural(n, "category", "categories"), (int)m->dir_wins,
            (int)n, (int)ties, plural(ties, "tie", "ties"), r->o.win_margin);
    ties = n - m->fam_wins - m->fam_losses;
    fprintf(o, "  feature family vs latent: families win %d of %d, latent dims win %d of %d, %d %s\n",
            (int)m->fam_wins, (int)n, (int)m->fam_losses, (int)n, (int)ties,
            plural(ties, "tie", "ties"));
    if (m->nlive > 0)
        fprintf(o,
                "  purity, like with like: %lld live features' active sets hold %.2f of their "
                "most common %s on average; the best latent direction's top-N cells, same N, "
                "hold %.2f\n",
                (long long)m->nlive, m->feat_purity, l->name, m->dir_purity_matched);
    else
        fprintf(o, "  purity, like with like: no feature is active on a labelled cell\n");
    if (!r->have_extra)
        return;
    fprintf(o,
            "  explained at F1 >= %.2f by a label of %s%s: features %lld of "
            "%lld live (%.0f%%), latent directions %lld of %lld (%.0f%%)\n",
            x->min_f1, x->names, x->ncol > 1 ? " (or two together)" : "", (long long)x->fsh.nexplained, (long long)x->fsh.nlive,
            100 * x->fsh.share, (long long)x->dsh.nexplained, (long long)x->dsh.nlive,
            100 * x->dsh.share);
    fprintf(o,
            "  seed's measure (|r| > %.2f with exactly one one-hot column of %s): SAE features "
            "%lld of %lld (%lld not constant), latent dims %lld of %lld\n",
            x->thr, x->names, (long long)x->sf.nsingular, (long long)x->sf.nview,
            (long long)x->sf.ndefined, (long long)x->sd.nsingular, (long long)x->sd.nview);
}

static int cmd_coverage(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    int lab;
    if (prepare(s, a, &c, &lab, e) < 0)
        return -1;
    int n = 0, *idx = sc_calloc(e, (size_t)c->nlab + 1, sizeof *idx);
    if (!idx)
        return -1;
    int rc = insp_labels(c, s, arg_str(a, "columns"), idx, &n, e);
    if (rc == 0 && n > COV_MAX_COLS)
        rc = err_set(e, "columns: %d label columns, at most %d", n, COV_MAX_COLS);
    if (rc == 0 && n == 0)
        rc = err_set(e, "columns: no categorical obs column with 2 to 200 categories; name "
                        "the columns with columns=COL,..");
    coverage_opts o;
    read_opts(a, &o);
    cov_result *r;
    if (rc == 0)
        rc = cov_get(c, lab, &o, &r, e);
    if (rc == 0)
        rc = cov_extra_get(c, r, idx, n, arg_real(a, "thr"), arg_real(a, "min-f1"), e);
    free(idx);
    if (rc < 0)
        return -1;
    print_table(s, c, &c->lab[lab], r);
    print_summary(s, c, &c->lab[lab], r);
    return 0;
}

/* ---- families ----------------------------------------------------------------- */

typedef struct f1c {
    int64_t tp, pred;
} f1c;

static void f1c_print(FILE *o, f1c v, int64_t P)
{
    double f1 = P + v.pred ? 2.0 * (double)v.tp / (double)(P + v.pred) : 0;
    fprintf(o, "%5.2f %5.2f %5.2f", f1, v.pred ? (double)v.tp / (double)v.pred : 0,
            P ? (double)v.tp / (double)P : 0);
}

static int cmd_families(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    int lab;
    if (prepare(s, a, &c, &lab, e) < 0)
        return -1;
    coverage_opts o;
    read_opts(a, &o);
    cov_result *r;
    if (cov_get(c, lab, &o, &r, e) < 0)
        return -1;
    const stats_label *l = &c->lab[lab];
    const inspect_src *f = &c->feat;
    uint8_t *in = sc_calloc(e, (size_t)f->ncells + 1, 1);
    if (!in)
        return -1;
    FILE *out = s->out;
    double single = 0, fam = 0;
    int32_t ncat = 0;
    for (int32_t k = 0; k < r->ncat; k++) {
        const coverage_row *w = &r->rows[k];
        char nb[64];
        const char *name = cat_name(l, k, nb, sizeof nb);
        if (w->npos == 0) {
            fprintf(out, "%s: no cells\n", name);
            continue;
        }
        ncat++;
        single += w->feat.f1.f1;
        fam += w->fam.f1.f1;
        if (w->fam.n == 0) {
            fprintf(out, "%s (%lld cells): no feature is active on its cells\n", name,
                    (long long)w->npos);
            continue;
        }
        fprintf(out,
                "%s (%lld cells): %d %s, union F1 %.2f (precision %.2f, recall %.2f), AUROC "
                "%.2f; best single feature F1 %.2f\n",
                name, (long long)w->npos, (int)w->fam.n, plural(w->fam.n, "feature", "features"),
                w->fam.f1.f1, w->fam.f1.precision, w->fam.f1.recall, w->fam.auroc,
                w->feat.f1.f1);
        fprintf(out, "  %-12s %10s | %6s %5s %5s %5s | %5s %5s %5s\n", "member", "active >=",
                "cells", "F1", "prec", "rec", "union", "prec", "rec");
        /* each member alone at its threshold, then the union so far (labelled cells only) */
        f1c uni = {0, 0};
        for (int32_t q = 0; q < w->fam.n; q++) {
            int32_t j = w->fam.view[q];
            float t = w->fam.threshold[q];
            f1c own = {0, 0};
            for (int64_t p = f->ptr[j]; p < f->ptr[j + 1] && f->val[p] >= t; p++) {
                int32_t cell = f->cell[p], code = l->code[cell];
                if (code < 0)
                    continue;
                own.pred++;
                own.tp += code == k;
                if (!in[cell]) {
                    in[cell] = 1;
                    uni.pred++;
                    uni.tp += code == k;
                }
            }
            char id[32];
            snprintf(id, sizeof id, "feature %d", (int)j);
            fprintf(out, "  %-12s %10.4g | %6lld ", id, (double)t, (long long)own.pred);
            f1c_print(out, own, w->npos);
            fprintf(out, " | ");
            f1c_print(out, uni, w->npos);
            fprintf(out, "\n");
        }
        for (int32_t q = 0; q < w->fam.n; q++) {
            int32_t j = w->fam.view[q];
            for (int64_t p = f->ptr[j]; p < f->ptr[j + 1]; p++)
                in[f->cell[p]] = 0;
        }
    }
    free(in);
    if (ncat > 0)
        fprintf(out, "mean F1 over %d %s: best single feature %.2f, family (up to %d) %.2f\n",
                (int)ncat, plural(ncat, "category", "categories"), single / ncat, o.family_max,
                fam / ncat);
    return 0;
}

/* ---- frame ---------------------------------------------------------------------- */

typedef double (*row_num)(const coverage_row *w);
typedef void (*row_str)(const insp_ctx *c, const coverage_row *w, double margin, char *buf,
                        size_t size);

static int add_col(sc_frame *f, const char *name, int is_int, const cov_result *r,
                   const insp_ctx *c, row_num gn, row_str gs, sc_err *e)
{
    sc_column col = {0};
    col.name = sc_strdup(e, name);
    col.kind = gs ? SC_COL_STR : SC_COL_NUM;
    col.is_int = is_int;
    size_t n = (size_t)(r->ncat ? r->ncat : 1);
    int ok = col.name != NULL;
    if (ok && gs)
        ok = (col.str = sc_calloc(e, n, sizeof *col.str)) != NULL;
    else if (ok)
        ok = (col.num = sc_calloc(e, n, sizeof *col.num)) != NULL;
    for (int32_t k = 0; ok && k < r->ncat; k++) {
        const coverage_row *w = &r->rows[k];
        if (!gs) {
            col.num[k] = w->npos ? gn(w) : NAN;
            continue;
        }
        char buf[64] = "";
        if (w->npos)
            gs(c, w, r->o.win_margin, buf, sizeof buf);
        ok = !buf[0] || (col.str[k] = sc_strdup(e, buf)) != NULL;
    }
    if (!ok || frame_add(f, &col, e) < 0) {
        column_free(&col);
        return -1;
    }
    return 0;
}

static double nan_if(int none, double v) { return none ? NAN : v; }
static double g_cells(const coverage_row *w) { return (double)w->npos; }
static double g_feat(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.view); }
static double g_ff1(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.f1); }
static double g_fpr(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.precision); }
static double g_frc(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.recall); }
static double g_fau(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.auroc); }
static double g_fth(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.threshold); }
static double g_df1(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.f1); }
static double g_dpr(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.precision); }
static double g_drc(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.recall); }
static double g_dau(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.auroc); }
static double g_dth(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.threshold); }
static double g_mf1(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.f1.f1); }
static double g_mpr(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.f1.precision); }
static double g_mrc(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.f1.recall); }
static double g_mau(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.auroc); }
static double g_n(const coverage_row *w) { return nan_if(w->feat.view < 0, (double)w->feat_active); }
static double g_pf(const coverage_row *w) { return w->feat_purity; }
static double g_pd(const coverage_row *w) { return w->dir_purity; }

static void s_dir(const insp_ctx *c, const coverage_row *w, double m, char *buf, size_t size)
{
    (void)m;
    if (w->dir.view >= 0)
        inspect_view_name(&c->dir, w->dir.view, buf, size);
}

static void s_fam(const insp_ctx *c, const coverage_row *w, double m, char *buf, size_t size)
{
    (void)c;
    (void)m;
    if (w->fam.n)
        family_text(&w->fam, buf, size);
}

static void s_win(const insp_ctx *c, const coverage_row *w, double m, char *buf, size_t size)
{
    (void)c;
    snprintf(buf, size, "%s", winner(w->feat.f1.f1, w->dir.f1.f1, m, "feature", "latent"));
}

static void s_fwin(const insp_ctx *c, const coverage_row *w, double m, char *buf, size_t size)
{
    (void)c;
    snprintf(buf, size, "%s", winner(w->fam.f1.f1, w->dir.f1.f1, m, "family", "latent"));
}

int coverage_frame(session *s, const char *label, sc_frame *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    insp_ctx *c;
    if (insp_get(s, INSP_FEAT | INSP_DIR, &c, e) < 0)
        return -1;
    cov_result *r = c->cache[INSP_CACHE_COVERAGE].p;
    if (!label || !*label) {
        if (!r)
            return err_set(e, "coverage: which label? run `coverage label=COL` first or name "
                              "the label");
        label = r->label;
    }
    int lab = insp_label(c, s, label, e);
    if (lab < 0)
        return -1;
    if (!r || strcmp(r->label, label) != 0 || r->ncat != c->lab[lab].ncat) {
        coverage_opts o;
        coverage_opts_init(&o);
        if (cov_get(c, lab, &o, &r, e) < 0)
            return -1;
    }
    const stats_label *l = &c->lab[lab];
    out->n = r->ncat;
    out->index_name = sc_strdup(e, l->name);
    out->index = sc_calloc(e, (size_t)(r->ncat ? r->ncat : 1), sizeof *out->index);
    if (!out->index_name || !out->index)
        goto fail;
    for (int32_t k = 0; k < r->ncat; k++) {
        char nb[64];
        if (!(out->index[k] = sc_strdup(e, cat_name(l, k, nb, sizeof nb))))
            goto fail;
    }
    if (add_col(out, "cells", 1, r, c, g_cells, NULL, e) < 0 ||
        add_col(out, "feature", 1, r, c, g_feat, NULL, e) < 0 ||
        add_col(out, "feature_f1", 0, r, c, g_ff1, NULL, e) < 0 ||
        add_col(out, "feature_precision", 0, r, c, g_fpr, NULL, e) < 0 ||
        add_col(out, "feature_recall", 0, r, c, g_frc, NULL, e) < 0 ||
        add_col(out, "feature_auroc", 0, r, c, g_fau, NULL, e) < 0 ||
        add_col(out, "feature_threshold", 0, r, c, g_fth, NULL, e) < 0 ||
        add_col(out, "latent", 0, r, c, NULL, s_dir, e) < 0 ||
        add_col(out, "latent_f1", 0, r, c, g_df1, NULL, e) < 0 ||
        add_col(out, "latent_precision", 0, r, c, g_dpr, NULL, e) < 0 ||
        add_col(out, "latent_recall", 0, r, c, g_drc, NULL, e) < 0 ||
        add_col(out, "latent_auroc", 0, r, c, g_dau, NULL, e) < 0 ||
        add_col(out, "latent_threshold", 0, r, c, g_dth, NULL, e) < 0 ||
        add_col(out, "family", 0, r, c, NULL, s_fam, e) < 0 ||
        add_col(out, "family_f1", 0, r, c, g_mf1, NULL, e) < 0 ||
        add_col(out, "family_precision", 0, r, c, g_mpr, NULL, e) < 0 ||
        add_col(out, "family_recall", 0, r, c, g_mrc, NULL, e) < 0 ||
        add_col(out, "family_auroc", 0, r, c, g_mau, NULL, e) < 0 ||
        add_col(out, "purity_cells", 1, r, c, g_n, NULL, e) < 0 ||
        add_col(out, "feature_purity", 0, r, c, g_pf, NULL, e) < 0 ||
        add_col(out, "latent_purity", 0, r, c, g_pd, NULL, e) < 0 ||
        add_col(out, "single_winner", 0, r, c, NULL, s_win, e) < 0 ||
        add_col(out, "family_winner", 0, r, c, NULL, s_fwin, e) < 0)
        goto fail;
    return 0;
fail:
    frame_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

/* ---- table ------------------------------------------------------------------------ */

#define LABEL_OPT                                                                                \
    {"label", ARG_OBS, NULL, NULL, 0, 0,                                                         \
     "The categorical obs column whose categories are to be covered (required), e.g. "          \
     "cell_type or condition."}
#define FAMILY_OPTS                                                                              \
    {"family", ARG_INT, "3", NULL, 1, COVERAGE_FAMILY_MAX,                                       \
     "Most features in a family (1 gives single features only)."},                               \
    {                                                                                            \
        "margin", ARG_REAL, "0.01", NULL, 0, 1,                                                  \
            "F1 margin: a side wins a category only when its F1 is higher by more than this."    \
    }

static const opt_spec coverage_opts_spec[] = {
    LABEL_OPT,
    {"columns", ARG_LIST, NULL, NULL, 0, 0,
     "Label columns for the explained shares and the seed's measure (default: every "
     "categorical obs column with 2 to 200 categories)."},
    {"thr", ARG_REAL, "0.5", NULL, 0, 1,
     "The seed's measure: a view counts when |r| > thr for exactly one one-hot column."},
    FAMILY_OPTS,
    {"min-f1", ARG_REAL, "0.7", NULL, 0, 1,
     "F1 a view's best label must reach to count as explained in the summary."},
    {0},
};

static const opt_spec families_opts_spec[] = {LABEL_OPT, FAMILY_OPTS, {0}};

const cmd_entry cmd_group_coverage[] = {
    {"coverage", NULL, NULL, coverage_opts_spec,
     "per category of a label: best SAE feature, feature family and latent direction",
     "For each category of the label (each cell type, say) finds the single SAE feature and "
     "the single latent direction (each sign of each dimension of the SAE's input, \"dim 3-\") "
     "that detect its cells best, by best-threshold F1 (features use thresholds inside their "
     "active cells, directions any threshold), and shows their F1, precision, recall and "
     "one-vs-rest AUROC; the best feature family (up to `family` features whose union of "
     "active cells covers the category, grown greedily from the best feature; `families` "
     "shows its members) with the union's F1 and AUROC; and purity like with like: N is the "
     "number of labelled cells where the best feature is active, purF the category's share "
     "among them, purL its share among the best direction's top N cells. The last two columns "
     "say which side wins the category: the single feature or the latent direction, then the "
     "family or the latent direction, when its F1 is higher by more than `margin`, else tie."
     "\n\n"
     "The summary gives the mean F1 and AUROC of each side, how many categories each side "
     "wins, the mean purity of every live feature's active set against the best latent "
     "direction's purity on as many top cells, the share of live features and of latent "
     "directions that `explain` accounts for at F1 >= min-f1 by a label of `columns` (or two "
     "together), and the seed's own measure (pedroglrz/sparseSC notebooks/analysis_1.ipynb): "
     "the label columns are one-hot encoded, each feature and each latent dimension is "
     "Pearson-correlated with each one-hot column over all cells, and a view counts as "
     "singularly correlated when |r| > thr for exactly one column. As in the seed, a label "
     "with two categories (ctrl/stim) gives two one-hot columns with the same |r|, so a view "
     "that follows such a label is never counted. A plain TopK SAE's single "
     "features often fragment a cell type over several features, so latent directions can "
     "win; the table shows where each side wins. Results are cached until the data or a model "
     "changes; `export coverage.tsv` writes the table.",
     "coverage label=cell_type\ncoverage label=condition\n"
     "coverage label=cell_type columns=cell_type,batch,condition thr=0.3\n"
     "coverage label=cell_type family=1",
     cmd_coverage, NULL},
    {"families", NULL, NULL, families_opts_spec,
     "the feature family behind each category's coverage",
     "For each category of the label, the family of up to `family` SAE features that "
     "`coverage` found: each member's activation threshold (a cell belongs to the family when "
     "some member's activation reaches its threshold), the labelled cells that member selects "
     "alone with its own F1, precision and recall at that threshold, and the union's F1, "
     "precision and recall as members are added. The family is grown greedily: the best "
     "single feature first, then the feature and threshold that raise the union's F1 most, "
     "while the gain is above 0.01. Shares the cached computation with `coverage`.",
     "families label=cell_type\nfamilies label=condition family=2", cmd_families, NULL},
    {0},
};

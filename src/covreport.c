/* covreport.c: the coverage report (see covreport.h). */
#include "covreport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void covreport_free_fn(void *p)
{
    covreport *r = p;
    free(r->rows);
    free(r);
}

void covreport_view_name(const insp_ctx *c, int is_dim, int32_t view, char *buf, size_t size)
{
    if (view < 0)
        snprintf(buf, size, "-");
    else if (is_dim)
        inspect_view_name(&c->dir, view, buf, size);
    else
        snprintf(buf, size, "%d", (int)view);
}

int covreport_get(session *s, insp_ctx *c, const char *label, const char *columns,
                  const coverage_opts *o, double seed_thr, const covreport **out, sc_err *e)
{
    if (insp_get(s, INSP_FEAT, &c, e) < 0)
        return -1;
    sc_err de = {{0}};
    int have_dir = insp_get(s, INSP_DIR, &c, &de) == 0;
    int li = insp_label(c, s, label, e);
    if (li < 0)
        return -1;
    char key[64];
    snprintf(key, sizeof key, "%s|%s|%d|%.3g|%.3g|%.3g", label, columns ? columns : "",
             o->family_max, o->family_min_gain, o->win_margin, seed_thr);
    insp_cache *slot = &c->cache[INSP_CACHE_COVERAGE];
    if (slot->p && strcmp(slot->key, key) == 0) {
        *out = slot->p;
        return 0;
    }
    /* the feature table supplies the column list and the explained shares */
    const ftable *t;
    if (ftable_get(s, c, columns, 0, &t, e) < 0)
        return -1;
    covreport *r = sc_calloc(e, 1, sizeof *r);
    if (!r)
        return -1;
    r->lab = li;
    r->ncat = c->lab[li].ncat;
    r->opts = *o;
    r->seed_thr = seed_thr;
    r->have_dir = have_dir;
    r->rows = sc_calloc(e, (size_t)(r->ncat ? r->ncat : 1), sizeof *r->rows);
    if (!r->rows)
        goto fail;
    if (coverage_run(&c->feat, have_dir ? &c->dir : NULL, &c->lab[li], o, r->rows, &r->sum, e) <
        0)
        goto fail;
    r->ncols = t->nlab;
    stats_label cols[FTABLE_MAX_LABELS];
    for (int i = 0; i < t->nlab; i++) {
        r->cols[i] = t->lab[i];
        cols[i] = c->lab[t->lab[i]];
    }
    r->feat_share = t->share;
    r->dir_share = t->dir_share;
    if (coverage_seed_measure(&c->feat, cols, r->ncols, seed_thr, &r->seed_feat, NULL, NULL, e) <
        0)
        goto fail;
    if (have_dir &&
        coverage_seed_measure(&c->dir, cols, r->ncols, seed_thr, &r->seed_dim, NULL, NULL, e) < 0)
        goto fail;
    /* ftable_get may have replaced the cache slot's neighbours, not this one */
    insp_cache_set(c, INSP_CACHE_COVERAGE, r, covreport_free_fn, key);
    *out = r;
    return 0;
fail:
    covreport_free_fn(r);
    return -1;
}

/* ---- frame ------------------------------------------------------------- */

typedef double (*row_num)(const coverage_row *);
typedef void (*row_str)(const insp_ctx *, const coverage_row *, char *, size_t);

static int add_num(sc_frame *f, const covreport *r, const char *name, int is_int, row_num get,
                   sc_err *e)
{
    sc_column col = {0};
    col.name = sc_strdup(e, name);
    col.kind = SC_COL_NUM;
    col.is_int = is_int;
    col.num = sc_calloc(e, (size_t)(r->ncat ? r->ncat : 1), sizeof *col.num);
    if (!col.name || !col.num) {
        column_free(&col);
        return -1;
    }
    for (int32_t k = 0; k < r->ncat; k++)
        col.num[k] = get(&r->rows[k]);
    if (frame_add(f, &col, e) < 0) {
        column_free(&col);
        return -1;
    }
    return 0;
}

static int add_str(sc_frame *f, const covreport *r, const insp_ctx *c, const char *name,
                   row_str get, sc_err *e)
{
    sc_column col = {0};
    col.name = sc_strdup(e, name);
    col.kind = SC_COL_STR;
    col.str = sc_calloc(e, (size_t)(r->ncat ? r->ncat : 1), sizeof *col.str);
    int ok = col.name && col.str;
    for (int32_t k = 0; ok && k < r->ncat; k++) {
        char buf[96];
        get(c, &r->rows[k], buf, sizeof buf);
        ok = (col.str[k] = sc_strdup(e, buf)) != NULL;
    }
    if (!ok || frame_add(f, &col, e) < 0) {
        column_free(&col);
        return -1;
    }
    return 0;
}

static double nan_if(int none, double v) { return none ? NAN : v; }
static double c_cells(const coverage_row *w) { return (double)w->npos; }
static double c_ff1(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.f1); }
static double c_fprec(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.precision); }
static double c_frec(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.f1.recall); }
static double c_fau(const coverage_row *w) { return nan_if(w->feat.view < 0, w->feat.auroc); }
static double c_df1(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.f1); }
static double c_dprec(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.precision); }
static double c_drec(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.f1.recall); }
static double c_dau(const coverage_row *w) { return nan_if(w->dir.view < 0, w->dir.auroc); }
static double c_mf1(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.f1.f1); }
static double c_mau(const coverage_row *w) { return nan_if(w->fam.n == 0, w->fam.auroc); }
static double c_fpur(const coverage_row *w) { return w->feat_purity; }
static double c_dpur(const coverage_row *w) { return w->dir_purity; }

static void s_feat(const insp_ctx *c, const coverage_row *w, char *b, size_t n)
{
    covreport_view_name(c, 0, w->feat.view, b, n);
}
static void s_dir(const insp_ctx *c, const coverage_row *w, char *b, size_t n)
{
    covreport_view_name(c, 1, w->dir.view, b, n);
}
static void s_fam(const insp_ctx *c, const coverage_row *w, char *b, size_t n)
{
    (void)c;
    b[0] = 0;
    for (int i = 0; i < w->fam.n; i++) {
        size_t u = strlen(b);
        snprintf(b + u, n - u, "%s%d", i ? "+" : "", (int)w->fam.view[i]);
    }
}

int covreport_frame(const covreport *r, const insp_ctx *c, sc_frame *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    const stats_label *l = &c->lab[r->lab];
    out->n = r->ncat;
    out->index_name = sc_strdup(e, l->name ? l->name : "category");
    out->index = sc_calloc(e, (size_t)(r->ncat ? r->ncat : 1), sizeof *out->index);
    if (!out->index_name || !out->index)
        goto fail;
    for (int32_t k = 0; k < r->ncat; k++)
        if (!(out->index[k] = sc_strdup(e, l->cats && l->cats[k] ? l->cats[k] : "?")))
            goto fail;
    if (add_num(out, r, "cells", 1, c_cells, e) < 0 ||
        add_str(out, r, c, "best_feature", s_feat, e) < 0 ||
        add_num(out, r, "feature_f1", 0, c_ff1, e) < 0 ||
        add_num(out, r, "feature_precision", 0, c_fprec, e) < 0 ||
        add_num(out, r, "feature_recall", 0, c_frec, e) < 0 ||
        add_num(out, r, "feature_auroc", 0, c_fau, e) < 0 ||
        add_str(out, r, c, "best_dim", s_dir, e) < 0 ||
        add_num(out, r, "dim_f1", 0, c_df1, e) < 0 ||
        add_num(out, r, "dim_precision", 0, c_dprec, e) < 0 ||
        add_num(out, r, "dim_recall", 0, c_drec, e) < 0 ||
        add_num(out, r, "dim_auroc", 0, c_dau, e) < 0 ||
        add_str(out, r, c, "family", s_fam, e) < 0 ||
        add_num(out, r, "family_f1", 0, c_mf1, e) < 0 ||
        add_num(out, r, "family_auroc", 0, c_mau, e) < 0 ||
        add_num(out, r, "feature_purity", 0, c_fpur, e) < 0 ||
        add_num(out, r, "dim_purity_matched", 0, c_dpur, e) < 0)
        goto fail;
    return 0;
fail:
    frame_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

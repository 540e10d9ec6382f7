/* tui_data.c: the provider behind tui_data.h: asks src/ (ftable, fview,
 * qc, the `info` command) and keeps owned copies for the screens.  One
 * interface is open at a time, so the copies are file-level state. */
#include "tui_data.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ftable.h"
#include "fview.h"
#include "insp.h"
#include "qc.h"
#include "sae_bind.h"
#include "textplot.h"

const char *const tui_sort_names[TUI_NSORT] = {"feature", "purity",          "AUROC",
                                               "density", "batch association", "explained"};

/* A kept result: 0 not computed, 1 computed (ok), -1 failed with msg. */
typedef struct kept {
    int state;
    char msg[SC_ERR_MAX];
} kept;

static int kept_answer(const kept *k, int may_compute, sc_err *e)
{
    if (k->state < 0) {
        err_set(e, "%s", k->msg);
        return -1;
    }
    return k->state == 0 && !may_compute ? 1 : 0;
}

static int kept_fail(kept *k, const sc_err *e)
{
    k->state = -1;
    snprintf(k->msg, sizeof k->msg, "%s", e->msg);
    return -1;
}

/* ---- the feature table ---------------------------------------------------- */

static struct {
    kept k;
    char model[160];
    int n;
    tui_feature_row *rows;
    int32_t *order[TUI_NSORT]; /* best first */
    int *view;             /* the asked order (reversed when asked) */
} ft;

static void ft_free(void)
{
    free(ft.rows);
    for (int i = 0; i < TUI_NSORT; i++)
        free(ft.order[i]);
    free(ft.view);
    memset(&ft, 0, sizeof ft);
}

/* ftable_order's names for tui_sort. */
static const char *const sort_keys[TUI_NSORT] = {"id",      "purity", "auroc",
                                                 "density", "batch",  "explained"};

static int ft_build(session *s, sc_err *e)
{
    insp_ctx *c;
    const ftable *t;
    if (insp_get(s, INSP_FEAT, &c, e) < 0 || ftable_get(s, c, NULL, 1, &t, e) < 0)
        return -1;
    ft.rows = sc_calloc(e, (size_t)(t->n > 0 ? t->n : 1), sizeof *ft.rows);
    ft.view = sc_calloc(e, (size_t)(t->n > 0 ? t->n : 1), sizeof *ft.view);
    if (!ft.rows || !ft.view)
        return -1;
    for (int k = 0; k < TUI_NSORT; k++) {
        int32_t *o = sc_calloc(e, (size_t)(t->n > 0 ? t->n : 1), sizeof *o);
        if (!o)
            return -1;
        ft.order[k] = o;
        if (ftable_order(t, sort_keys[k], o, e) < 0)
            return -1;
    }
    const stats_label *prim = t->primary >= 0 ? &c->lab[t->lab[t->primary]] : NULL;
    for (int32_t j = 0; j < t->n; j++) {
        const ftable_row *r = &t->rows[j];
        tui_feature_row *o = &ft.rows[j];
        o->id = r->id;
        o->density = r->density;
        if (prim && r->pur_cat >= 0) {
            snprintf(o->label, sizeof o->label, "%s", prim->cats[r->pur_cat]);
            snprintf(o->label_col, sizeof o->label_col, "%s", prim->name);
            o->purity = r->purity;
            o->auroc = r->auroc;
        } else {
            o->purity = o->auroc = NAN;
        }
        o->batch_u = r->batch_u;
        o->explained = r->expl.col_a >= 0 ? r->expl.f1.f1 : NAN;
        snprintf(o->explain, sizeof o->explain, "%s",
                 r->expl.col_a >= 0 ? r->explanation : "");
        o->dead = r->dead;
        o->dense = r->dense;
        o->follows_batch = r->follows_batch;
        snprintf(o->top_genes, sizeof o->top_genes, "%s", r->top_genes);
    }
    ft.n = t->n;
    snprintf(ft.model, sizeof ft.model, "%d features on %s", (int)t->n,
             s->sae ? s->sae->source : "?");
    return 0;
}

int tui_data_features(session *s, int may_compute, int sort, int rev, tui_feature_table *out,
                      sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (sort < 0 || sort >= TUI_NSORT)
        sort = TUI_SORT_ID;
    if (!s->sae || !s->data) {
        err_set(e, "%s", !s->data ? "no data loaded" : "no SAE trained yet");
        return 0;
    }
    int r = kept_answer(&ft.k, may_compute, e);
    if (r != 0)
        return r;
    if (ft.k.state == 0) {
        if (ft_build(s, e) < 0) {
            kept save = {0};
            kept_fail(&save, e);
            ft_free();
            ft.k = save;
            return -1;
        }
        ft.k.state = 1;
    }
    for (int i = 0; i < ft.n; i++)
        ft.view[i] = ft.order[sort][rev ? ft.n - 1 - i : i];
    snprintf(out->model, sizeof out->model, "%s", ft.model);
    out->n = ft.n;
    out->rows = ft.rows;
    out->order = ft.view;
    return 0;
}

/* ---- one feature or direction ----------------------------------------------- */

static struct {
    kept k;
    int is_dim, view;
    tui_feature_detail d;
    double *act;
    tui_cell *cells;
    tui_gene *genes;
    char **type_names;
    double *type_counts;
} dv;

static void dv_free(void)
{
    free(dv.act);
    free(dv.cells);
    free(dv.genes);
    if (dv.type_names)
        for (int i = 0; i < dv.d.ntypes; i++)
            free(dv.type_names[i]);
    free(dv.type_names);
    free(dv.type_counts);
    memset(&dv, 0, sizeof dv);
}

/* The label column for the cell-type panel and the top cells' labels: one
 * whose name says "type", else the first that is not the batch. */
static int pick_label(const insp_ctx *c, const fview *v)
{
    int first = -1;
    for (int i = 0; i < v->nlabel; i++) {
        if (v->label[i].is_batch)
            continue;
        const char *nm = c->lab[v->label[i].lab].name;
        for (const char *p = nm; *p; p++)
            if (strncasecmp(p, "type", 4) == 0)
                return i;
        if (first < 0)
            first = i;
    }
    return first >= 0 ? first : v->nlabel > 0 ? 0 : -1;
}

static int dv_copy(session *s, insp_ctx *c, const fview *v, sc_err *e)
{
    tui_feature_detail *d = &dv.d;
    const inspect_src *src = v->is_dim ? &c->dir : &c->feat;
    const sc_dataset *data = s->data;
    d->is_dim = v->is_dim;
    d->view = v->view;
    d->nviews = src->nview;
    snprintf(d->name, sizeof d->name, "%s", v->name);
    d->ncells = v->ncells;
    d->active = v->active;
    d->density = v->density;
    d->follows_batch = v->follows_batch;
    if (v->have_explain && v->explain.col_a >= 0)
        snprintf(d->explain, sizeof d->explain, "explained by %s (F1 %.2f)", v->explain_text,
                 v->explain.f1.f1);
    else
        snprintf(d->explain, sizeof d->explain, "%s",
                 v->active == 0 ? "never active: a dead feature" : "no label explains it");
    size_t used = 0;
    d->purity[0] = '\0';
    for (int i = 0; i < v->nlabel && used + 1 < sizeof d->purity; i++) {
        const fview_label *fl = &v->label[i];
        const stats_label *l = &c->lab[fl->lab];
        if (fl->purity.top_cat < 0)
            continue;
        int k = snprintf(d->purity + used, sizeof d->purity - used, "%s%s %s %.2f%s",
                         used ? "  " : "", l->name, l->cats[fl->purity.top_cat],
                         fl->purity.share, fl->is_batch ? " (batch)" : "");
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (used >= sizeof d->purity)
        used = sizeof d->purity - 1;
    /* the scores for the histogram: active cells of a feature, every cell of
     * a direction (as inspect_hist bins them) */
    int64_t b = src->ptr[v->view], m = src->ptr[v->view + 1] - b;
    if (!src->dense)
        m = v->active;
    dv.act = sc_calloc(e, (size_t)(m > 0 ? m : 1), sizeof *dv.act);
    if (!dv.act)
        return -1;
    for (int64_t i = 0; i < m; i++)
        dv.act[i] = src->val[b + i];
    d->act = dv.act;
    d->nact = m;
    d->inactive = v->hist_inactive;
    /* top cells with their label */
    int li = pick_label(c, v);
    const stats_label *lab = li >= 0 ? &c->lab[v->label[li].lab] : NULL;
    snprintf(d->label_col, sizeof d->label_col, "%s", lab ? lab->name : "");
    dv.cells = sc_calloc(e, (size_t)(v->ntop > 0 ? v->ntop : 1), sizeof *dv.cells);
    if (!dv.cells)
        return -1;
    for (int64_t i = 0; i < v->ntop; i++) {
        int32_t cell = v->top_cell[i];
        tui_cell *tc = &dv.cells[i];
        const char *nm = data->obs.index && data->obs.index[cell] ? data->obs.index[cell] : NULL;
        if (nm)
            snprintf(tc->name, sizeof tc->name, "%s", nm);
        else
            snprintf(tc->name, sizeof tc->name, "cell %d", (int)cell);
        int32_t code = lab && cell < lab->n ? lab->code[cell] : -1;
        snprintf(tc->label, sizeof tc->label, "%s", code >= 0 ? lab->cats[code] : "");
        tc->act = v->top_val[i];
    }
    d->cells = dv.cells;
    d->ncells_top = (int)v->ntop;
    /* genes: the most positively correlated, with the lens value */
    int ng = v->npearson_top;
    dv.genes = sc_calloc(e, (size_t)(ng > 0 ? ng : 1), sizeof *dv.genes);
    if (!dv.genes)
        return -1;
    for (int i = 0; i < ng; i++) {
        int32_t g = v->p_top[i];
        const char *nm = data->var.index && g < data->var.n && data->var.index[g]
                             ? data->var.index[g]
                             : "?";
        snprintf(dv.genes[i].name, sizeof dv.genes[i].name, "%s", nm);
        dv.genes[i].corr = v->pearson[g];
        dv.genes[i].lens = v->have_lens && v->lens_p_top ? v->lens_p_top[i] : NAN;
    }
    d->genes = dv.genes;
    d->ngenes = ng;
    d->have_lens = v->have_lens;
    snprintf(d->lens_reason, sizeof d->lens_reason, "%.*s", (int)sizeof d->lens_reason - 1,
             v->have_lens ? "" : v->lens_reason);
    /* cell types among the active cells */
    if (li >= 0) {
        const fview_label *fl = &v->label[li];
        int nt = lab->ncat;
        dv.type_names = sc_calloc(e, (size_t)(nt > 0 ? nt : 1), sizeof *dv.type_names);
        dv.type_counts = sc_calloc(e, (size_t)(nt > 0 ? nt : 1), sizeof *dv.type_counts);
        if (!dv.type_names || !dv.type_counts)
            return -1;
        /* most common first: a selection sort over a handful of categories */
        int *idx = sc_calloc(e, (size_t)(nt > 0 ? nt : 1), sizeof *idx);
        if (!idx)
            return -1;
        for (int i = 0; i < nt; i++)
            idx[i] = i;
        for (int i = 0; i < nt; i++)
            for (int k = i + 1; k < nt; k++)
                if (fl->purity.count[idx[k]] > fl->purity.count[idx[i]]) {
                    int tmp = idx[i];
                    idx[i] = idx[k];
                    idx[k] = tmp;
                }
        for (int i = 0; i < nt; i++) {
            dv.type_names[i] = strdup(lab->cats[idx[i]]);
            if (!dv.type_names[i]) {
                free(idx);
                return err_set(e, "out of memory");
            }
            dv.type_counts[i] = (double)fl->purity.count[idx[i]];
            d->ntypes = i + 1;
        }
        free(idx);
        d->type_names = (const char *const *)dv.type_names;
        d->type_counts = dv.type_counts;
    }
    return 0;
}

int tui_data_detail(session *s, int may_compute, int is_dim, int view, tui_feature_detail *out,
                    sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (dv.k.state != 0 && (dv.is_dim != is_dim || dv.view != view))
        dv_free();
    int r = kept_answer(&dv.k, may_compute, e);
    if (r != 0)
        return r;
    if (dv.k.state == 1) {
        *out = dv.d;
        return 0;
    }
    dv.is_dim = is_dim;
    dv.view = view;
    insp_ctx *c;
    if (insp_get(s, (is_dim ? INSP_DIR : INSP_FEAT) | INSP_GENES, &c, e) < 0)
        return kept_fail(&dv.k, e);
    const inspect_src *src = is_dim ? &c->dir : &c->feat;
    if (view < 0 || view >= src->nview) {
        err_set(e, "%s %d is out of range: there are %d (0..%d)",
                is_dim ? "direction view" : "feature", view, (int)src->nview,
                (int)src->nview - 1);
        return kept_fail(&dv.k, e);
    }
    fview_opts o;
    fview_opts_init(&o);
    fview v;
    if (fview_build(s, c, is_dim, view, &o, &v, e) < 0)
        return kept_fail(&dv.k, e);
    int rc = dv_copy(s, c, &v, e);
    fview_free(&v);
    if (rc < 0) {
        kept save = {0};
        kept_fail(&save, e);
        dv_free();
        dv.k = save;
        dv.is_dim = is_dim;
        dv.view = view;
        return -1;
    }
    dv.k.state = 1;
    *out = dv.d;
    return 0;
}

/* ---- the data summary ------------------------------------------------------- */

static struct {
    kept k;
    int charset, width;
    char **line;
    int n, cap;
    /* the lines before the last reset, shown while the new ones are computed
     * (so the screen does not flash "computing..." after every command) */
    char **old;
    int nold;
} ds;

static void lines_free(char **l, int n)
{
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* Drop the current lines; keep them as the old ones when `keep`. */
static void ds_free(int keep)
{
    char **old = ds.old;
    int nold = ds.nold;
    if (keep && ds.n > 0) {
        lines_free(old, nold);
        old = ds.line;
        nold = ds.n;
    } else {
        lines_free(ds.line, ds.n);
    }
    memset(&ds, 0, sizeof ds);
    ds.old = old;
    ds.nold = nold;
}

static int ds_add(const char *text, size_t len, sc_err *e)
{
    if (ds.n == ds.cap) {
        int cap = ds.cap ? 2 * ds.cap : 64;
        char **p = realloc(ds.line, (size_t)cap * sizeof *p);
        if (!p)
            return err_set(e, "out of memory");
        ds.line = p;
        ds.cap = cap;
    }
    char *l = strndup(text, len);
    if (!l)
        return err_set(e, "out of memory");
    ds.line[ds.n++] = l;
    return 0;
}

static int ds_add_text(const char *text, sc_err *e)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (ds_add(p, len, e) < 0)
            return -1;
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

/* The `info` command's report, captured: the Data screen and `info` then
 * show the same thing. */
static int info_text(session *s, sc_err *e)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    if (!mem)
        return err_set(e, "cannot capture the info report: out of memory");
    FILE *old = s->out;
    s->out = mem;
    char word[] = "info";
    char *argv[] = {word, NULL};
    int rc = cmd_run(s, 1, argv, e);
    s->out = old;
    fclose(mem);
    if (rc == 0)
        rc = ds_add_text(buf, e);
    free(buf);
    return rc;
}

static const double qc_p[] = {0, 0.05, 0.5, 0.95, 1};

static int qc_text(session *s, sc_err *e)
{
    const sc_dataset *d = s->data;
    int64_t n = d->X.nrows;
    if (n == 0)
        return 0;
    qc_genes q;
    if (qc_genes_find(d, &q, e) < 0)
        return -1;
    double *m = sc_calloc(e, (size_t)(4 * n), sizeof *m);
    if (!m) {
        qc_genes_free(&q);
        return -1;
    }
    qc_cell_metrics(d, &q, m, m + n, m + 2 * n, m + 3 * n);
    static const char *const names[4] = {"total_counts", "n_genes_by_counts", "pct_counts_mt",
                                         "pct_counts_ribo"};
    int rc = ds_add_text("\nquality per cell (qc; min 5% median 95% max)\n", e);
    for (int k = 0; k < 4 && rc == 0; k++) {
        double qv[5];
        if ((rc = qc_quantiles(m + k * n, n, qc_p, 5, qv, e)) < 0)
            break;
        char line[256];
        snprintf(line, sizeof line, "  %-18s %9.4g %9.4g %9.4g %9.4g %9.4g", names[k], qv[0],
                 qv[1], qv[2], qv[3], qv[4]);
        rc = ds_add_text(line, e);
    }
    if (rc == 0) { /* a histogram of the counts per cell, as `qc` draws it */
        int w = ds.width > 20 ? ds.width : 20, h = 8;
        tp_grid *g = tp_grid_new(w, h, (tp_charset)ds.charset, e);
        if (!g)
            rc = -1;
        tp_hist_opts o = {NULL, "total_counts", "cells", 0, 0};
        if (rc == 0 && (rc = tp_histogram(g, m, n, &o, NULL, e)) == 0) {
            char *row = malloc((size_t)(4 * w + 1));
            if (!row)
                rc = err_set(e, "out of memory");
            for (int y = 0; y < h && rc == 0; y++) {
                tp_row(g, y, row, (size_t)(4 * w + 1), 1);
                rc = ds_add_text(row[0] ? row : " ", e);
            }
            free(row);
        }
        tp_grid_free(g);
    }
    free(m);
    qc_genes_free(&q);
    return rc;
}

int tui_data_summary(session *s, int may_compute, int charset, int width,
                     const char *const **lines, int *n, sc_err *e)
{
    *lines = NULL;
    *n = 0;
    if (ds.k.state != 0 && (ds.charset != charset || ds.width != width))
        ds_free(1);
    int r = kept_answer(&ds.k, may_compute, e);
    if (r == 1) {
        *lines = (const char *const *)ds.old;
        *n = ds.nold;
    }
    if (r != 0)
        return r;
    if (ds.k.state == 0) {
        if (!s->data)
            return 0;
        ds.charset = charset;
        ds.width = width;
        if (info_text(s, e) < 0 || qc_text(s, e) < 0) {
            kept save = {0};
            kept_fail(&save, e);
            ds_free(0);
            ds.k = save;
            ds.charset = charset;
            ds.width = width;
            return -1;
        }
        ds.k.state = 1;
        lines_free(ds.old, ds.nold);
        ds.old = NULL;
        ds.nold = 0;
    }
    *lines = (const char *const *)ds.line;
    *n = ds.n;
    return 0;
}

void tui_data_reset(int all)
{
    ft_free();
    dv_free();
    ds_free(!all);
    if (all) {
        lines_free(ds.old, ds.nold);
        ds.old = NULL;
        ds.nold = 0;
    }
}

/* fview.c: gathering and printing the single-view screen (fview.h).
 *
 * Everything here is a thin layer over inspect.h / explain.h / lens.h: the
 * statistics are computed there; this file chooses which of them one screen
 * shows, over which cells, and lays them out. */
#include "fview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lens.h"
#include "textplot.h"

#define FVIEW_HIST_WIDTH 60
#define FVIEW_HIST_HEIGHT 8
#define FVIEW_MAX_TOP_LABELS 4 /* label columns shown next to the top cells */

void fview_opts_init(fview_opts *o)
{
    o->top_cells = 10;
    o->top_genes = 10;
    o->bins = 20;
    o->labels = NULL;
}

void fview_free(fview *v)
{
    if (!v)
        return;
    free(v->hist);
    free(v->top_cell);
    free(v->top_val);
    for (int i = 0; i < v->nlabel; i++) {
        free(v->label[i].purity.count);
        free(v->label[i].purity.auroc);
        free(v->label[i].top.count);
    }
    free(v->label);
    free(v->pearson);
    free(v->spearman);
    free(v->p_top);
    free(v->p_bottom);
    free(v->s_top);
    free(v->s_bottom);
    free(v->lens_p_top);
    free(v->lens_up);
    free(v->lens_down);
    free(v->lens_up_val);
    free(v->lens_down_val);
    memset(v, 0, sizeof *v);
}

int fview_resolve(insp_ctx *c, int is_dim, int64_t n, char sign, int32_t *view, sc_err *e)
{
    if (!is_dim)
        return insp_feature(c, n, view, e);
    if (!c->have_dir)
        return err_set(e, "no latent to inspect; train a VAE (`vae train`) or an SAE first");
    if (n < 0 || n >= c->dir.dims)
        return err_set(e, "dim %lld is out of range: the latent (%s) has %d dims (0..%d)",
                       (long long)n, c->dir_source, (int)c->dir.dims, (int)c->dir.dims - 1);
    if (sign != '+' && sign != '-')
        return err_set(e, "sign=%c: expected + or -", sign);
    *view = (int32_t)(2 * n + (sign == '-'));
    return 0;
}

/* The source a view lives in, with the parts fview_build needs.  The TUI
 * may hand a state built for less; fill in what is missing (insp_get keeps
 * the same state object unless the session changed under it). */
static int need_parts(session *s, insp_ctx **c, int is_dim, sc_err *e)
{
    unsigned need = (is_dim ? INSP_DIR : INSP_FEAT) | INSP_GENES;
    if ((is_dim ? (*c)->have_dir : (*c)->have_feat) && (*c)->have_genes)
        return 0;
    insp_ctx *got;
    if (insp_get(s, need, &got, e) < 0)
        return -1;
    if (got != *c)
        return err_set(e, "the inspection state changed while building the view; try again");
    return 0;
}

/* The view's listed cells that may be shown: a feature's active cells, or
 * every cell of a latent direction. */
static int64_t listed(const inspect_src *src, int32_t j)
{
    return src->dense ? src->ptr[j + 1] - src->ptr[j] : inspect_active(src, j);
}

static int build_top(session *s, const inspect_src *src, int32_t j, int64_t M, fview *v,
                     sc_err *e)
{
    int64_t cap = M > 0 ? M : 1;
    v->top_cell = sc_calloc(e, (size_t)cap, sizeof *v->top_cell);
    v->top_val = sc_calloc(e, (size_t)cap, sizeof *v->top_val);
    if (!v->top_cell || !v->top_val)
        return -1;
    if (!s->sel || s->data->X.nrows != src->ncells) {
        v->ntop = inspect_top(src, j, M, v->top_cell, v->top_val);
        return 0;
    }
    v->selected = 1;
    int64_t b = src->ptr[j], m = listed(src, j);
    for (int64_t k = 0; k < m && v->ntop < M; k++) {
        int32_t cell = src->cell[b + k];
        if (s->sel[cell]) {
            v->top_cell[v->ntop] = cell;
            v->top_val[v->ntop++] = src->val[b + k];
        }
    }
    return 0;
}

static int build_labels(session *s, insp_ctx *c, const inspect_src *src, int32_t j,
                        const fview_opts *o, fview *v, sc_err *e)
{
    int *idx = sc_calloc(e, (size_t)c->nlab + 1, sizeof *idx);
    if (!idx)
        return -1;
    int n = 0;
    if (insp_labels(c, s, o->labels, idx, &n, e) < 0) {
        free(idx);
        return -1;
    }
    /* batch association is always part of the screen */
    int bl = insp_batch_label(c, s);
    int have_b = 0;
    for (int i = 0; i < n; i++)
        have_b |= idx[i] == bl;
    if (bl >= 0 && !have_b)
        idx[n++] = bl;
    v->batch_label = -1;
    v->label = sc_calloc(e, (size_t)n + 1, sizeof *v->label);
    if (!v->label) {
        free(idx);
        return -1;
    }
    v->top_m = o->top_cells > 0 ? o->top_cells : 1;
    int32_t maxcat = 2;
    for (int i = 0; i < n; i++)
        if (c->lab[idx[i]].ncat > maxcat)
            maxcat = c->lab[idx[i]].ncat;
    stats_ws ws;
    if (stats_ws_init(&ws, maxcat, INSPECT_DENSE_BINS, e) < 0) {
        free(idx);
        return -1;
    }
    double *scratch = sc_calloc(e, (size_t)maxcat, sizeof *scratch);
    int rc = scratch ? 0 : -1;
    for (int i = 0; i < n && rc == 0; i++) {
        const stats_label *l = &c->lab[idx[i]];
        fview_label *fl = &v->label[v->nlabel++];
        fl->lab = idx[i];
        fl->is_batch = idx[i] == bl;
        if (fl->is_batch)
            v->batch_label = i;
        size_t k = (size_t)(l->ncat ? l->ncat : 1);
        fl->purity.count = sc_calloc(e, k, sizeof *fl->purity.count);
        fl->purity.auroc = sc_calloc(e, k, sizeof *fl->purity.auroc);
        fl->top.count = sc_calloc(e, k, sizeof *fl->top.count);
        if (!fl->purity.count || !fl->purity.auroc || !fl->top.count) {
            rc = -1;
            break;
        }
        inspect_purity_of(src, j, l, 0, &fl->purity, &ws);
        /* top-M purity: same cells as the AUROC above, so only counts kept */
        fl->top.auroc = scratch;
        inspect_purity_of(src, j, l, v->top_m, &fl->top, &ws);
        fl->top.auroc = NULL;
        rc = inspect_assoc_of(src, j, l, &ws, &fl->assoc, e);
    }
    free(scratch);
    stats_ws_free(&ws);
    free(idx);
    if (rc < 0)
        return -1;
    if (v->batch_label >= 0) {
        inspect_assoc bio[64];
        int nbio = 0;
        for (int i = 0; i < v->nlabel && nbio < 64; i++)
            if (i != v->batch_label)
                bio[nbio++] = v->label[i].assoc;
        v->follows_batch = inspect_follows_batch(&v->label[v->batch_label].assoc, bio, nbio,
                                                 INSPECT_BATCH_MIN_U);
    }
    return 0;
}

/* explain_run over a one-view source that borrows view j's entries, with
 * the screen's label columns side by side. */
static int build_explain(insp_ctx *c, const inspect_src *src, int32_t j, fview *v, sc_err *e)
{
    if (v->nlabel == 0)
        return 0;
    stats_label *cols = sc_calloc(e, (size_t)v->nlabel, sizeof *cols);
    if (!cols)
        return -1;
    for (int i = 0; i < v->nlabel; i++)
        cols[i] = c->lab[v->label[i].lab]; /* shallow: explain only reads */
    int64_t ptr[2] = {0, src->ptr[j + 1] - src->ptr[j]};
    inspect_src one = *src;
    one.nview = 1;
    one.ptr = ptr;
    one.cell = src->cell + src->ptr[j];
    one.val = src->val + src->ptr[j];
    explain_opts eo;
    explain_opts_init(&eo);
    int rc = explain_run(&one, cols, v->nlabel, &eo, &v->explain, e);
    if (rc == 0) {
        v->have_explain = 1;
        explain_format(&v->explain, cols, v->explain_text, sizeof v->explain_text);
    }
    free(cols);
    return rc;
}

static int build_genes(insp_ctx *c, const inspect_src *src, int32_t j, const fview_opts *o,
                       fview *v, sc_err *e)
{
    const inspect_genes *g = &c->genes;
    v->ngenes = g->ngenes;
    size_t ng = (size_t)(g->ngenes ? g->ngenes : 1);
    int32_t k = o->top_genes > 0 ? o->top_genes : 1;
    v->pearson = sc_calloc(e, ng, sizeof *v->pearson);
    v->spearman = sc_calloc(e, ng, sizeof *v->spearman);
    v->p_top = sc_calloc(e, (size_t)k, sizeof *v->p_top);
    v->p_bottom = sc_calloc(e, (size_t)k, sizeof *v->p_bottom);
    v->s_top = sc_calloc(e, (size_t)k, sizeof *v->s_top);
    v->s_bottom = sc_calloc(e, (size_t)k, sizeof *v->s_bottom);
    if (!v->pearson || !v->spearman || !v->p_top || !v->p_bottom || !v->s_top || !v->s_bottom)
        return -1;
    if (inspect_gene_corr(src, j, g, v->pearson, v->spearman, e) < 0)
        return -1;
    v->ntop_genes = k;
    /* top and bottom may be shorter than k when genes are constant (NaN) */
    int32_t np = inspect_top_genes(v->pearson, g->ngenes, k, v->p_top, v->p_bottom);
    int32_t ns = inspect_top_genes(v->spearman, g->ngenes, k, v->s_top, v->s_bottom);
    v->npearson_top = v->npearson_bottom = np;
    v->nspearman_top = v->nspearman_bottom = ns;
    return 0;
}

/* The gene lens never fails the screen: without it the reason is shown. */
static int build_lens(session *s, insp_ctx *c, int32_t j, const fview_opts *o, fview *v,
                      sc_err *e)
{
    if (v->is_dim) {
        snprintf(v->lens_reason, sizeof v->lens_reason,
                 "only for SAE features: it pushes a feature's decoder direction through the VAE");
        return 0;
    }
    const lens_table *lt = NULL;
    sc_err le = {{0}};
    if (lens_get(s, c, &lt, &le) < 0 || !lt) {
        snprintf(v->lens_reason, sizeof v->lens_reason, "%s",
                 le.msg[0] ? le.msg : "not available");
        return 0;
    }
    if (j >= lt->nfeat) {
        snprintf(v->lens_reason, sizeof v->lens_reason, "the lens covers %d features",
                 (int)lt->nfeat);
        return 0;
    }
    int64_t nvar = v->ngenes;
    int64_t *row = sc_calloc(e, (size_t)(nvar ? nvar : 1), sizeof *row); /* var -> lens gene */
    double *lfc = sc_calloc(e, (size_t)(lt->ngenes ? lt->ngenes : 1), sizeof *lfc);
    int32_t k = o->top_genes > 0 ? o->top_genes : 1;
    int32_t *up = sc_calloc(e, (size_t)k, sizeof *up), *down = sc_calloc(e, (size_t)k, sizeof *down);
    v->lens_p_top = sc_calloc(e, (size_t)k, sizeof *v->lens_p_top);
    v->lens_up = sc_calloc(e, (size_t)k, sizeof *v->lens_up);
    v->lens_down = sc_calloc(e, (size_t)k, sizeof *v->lens_down);
    v->lens_up_val = sc_calloc(e, (size_t)k, sizeof *v->lens_up_val);
    v->lens_down_val = sc_calloc(e, (size_t)k, sizeof *v->lens_down_val);
    int rc = -1;
    if (!row || !lfc || !up || !down || !v->lens_p_top || !v->lens_up || !v->lens_down ||
        !v->lens_up_val || !v->lens_down_val)
        goto done;
    for (int64_t g = 0; g < nvar; g++)
        row[g] = -1;
    const float *fr = lt->lfc + (int64_t)j * lt->ngenes;
    for (int64_t g = 0; g < lt->ngenes; g++) {
        lfc[g] = fr[g];
        if (lt->var_index && lt->var_index[g] >= 0 && lt->var_index[g] < nvar)
            row[lt->var_index[g]] = g;
        else
            lfc[g] = NAN; /* a VAE gene the data lacks: nothing to name it by */
    }
    for (int32_t i = 0; i < v->npearson_top; i++) {
        int64_t g = row[v->p_top[i]];
        v->lens_p_top[i] = g >= 0 ? lfc[g] : NAN;
    }
    int32_t n = inspect_top_genes(lfc, lt->ngenes, k, up, down);
    for (int32_t i = 0; i < n; i++) {
        if (lfc[up[i]] > 0) {
            v->lens_up[v->nlens_up] = (int32_t)lt->var_index[up[i]];
            v->lens_up_val[v->nlens_up++] = lfc[up[i]];
        }
        if (lfc[down[i]] < 0) {
            v->lens_down[v->nlens_down] = (int32_t)lt->var_index[down[i]];
            v->lens_down_val[v->nlens_down++] = lfc[down[i]];
        }
    }
    v->nlens = n;
    v->have_lens = 1;
    rc = 0;
done:
    free(row);
    free(lfc);
    free(up);
    free(down);
    return rc;
}

int fview_build(session *s, insp_ctx *c, int is_dim, int32_t view, const fview_opts *o, fview *out,
                sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->batch_label = -1;
    fview_opts def;
    if (!o) {
        fview_opts_init(&def);
        o = &def;
    }
    if (need_parts(s, &c, is_dim, e) < 0)
        return -1;
    const inspect_src *src = is_dim ? &c->dir : &c->feat;
    if (view < 0 || view >= src->nview)
        return err_set(e, "%s %d is out of range (0..%d)", is_dim ? "direction view" : "feature",
                       (int)view, (int)src->nview - 1);
    if (o->bins < 1)
        return err_set(e, "bins=%d: expected at least 1", (int)o->bins);
    out->is_dim = is_dim;
    out->view = view;
    inspect_view_name(src, view, out->name, sizeof out->name);
    out->ncells = src->ncells;
    out->active = inspect_active(src, view);
    out->density = inspect_density(src, view);
    out->bins = o->bins;
    out->hist = sc_calloc(e, (size_t)o->bins, sizeof *out->hist);
    if (!out->hist)
        goto fail;
    inspect_hist(src, view, o->bins, out->hist, &out->hist_lo, &out->hist_hi,
                 &out->hist_inactive);
    if (build_top(s, src, view, o->top_cells, out, e) < 0 ||
        build_labels(s, c, src, view, o, out, e) < 0 || build_explain(c, src, view, out, e) < 0 ||
        build_genes(c, src, view, o, out, e) < 0 || build_lens(s, c, view, o, out, e) < 0)
        goto fail;
    return 0;
fail:
    fview_free(out);
    return -1;
}

/* ---- printing ------------------------------------------------------------- */

static const char *cat_name(const stats_label *l, int32_t code, char *buf, size_t size)
{
    if (code < 0)
        return "NA";
    if (l->cats && l->cats[code])
        return l->cats[code];
    snprintf(buf, size, "%d", (int)code);
    return buf;
}

static const char *gene_name(const session *s, int64_t g)
{
    const sc_frame *var = &s->data->var;
    return var->index && g >= 0 && g < var->n && var->index[g] ? var->index[g] : "?";
}

static void print_hist(const insp_ctx *c, const fview *v, FILE *out)
{
    const inspect_src *src = v->is_dim ? &c->dir : &c->feat;
    int64_t b = src->ptr[v->view], n = listed(src, v->view);
    if (n == 0) {
        fprintf(out, "  (no active cells)\n");
        return;
    }
    double *x = malloc((size_t)n * sizeof *x);
    sc_err e;
    tp_grid *g = x ? tp_grid_new(FVIEW_HIST_WIDTH, FVIEW_HIST_HEIGHT, tp_charset_from_locale(), &e)
                   : NULL;
    if (!g) {
        free(x);
        fprintf(out, "  (no room for the plot)\n");
        return;
    }
    for (int64_t k = 0; k < n; k++)
        x[k] = src->val[b + k];
    tp_hist_opts ho = {NULL, v->is_dim ? "score" : "activation", "cells", v->bins, 0};
    if (tp_histogram(g, x, n, &ho, NULL, &e) == 0)
        tp_print(g, out, 0);
    else
        fprintf(out, "  (%s)\n", e.msg);
    tp_grid_free(g);
    free(x);
}

static void print_top(const session *s, const insp_ctx *c, const fview *v, FILE *out)
{
    int nl = v->nlabel < FVIEW_MAX_TOP_LABELS ? v->nlabel : FVIEW_MAX_TOP_LABELS;
    fprintf(out, "\ntop cells%s\n", v->selected ? " (of the selection)" : "");
    if (v->ntop == 0) {
        fprintf(out, "  (none)\n");
        return;
    }
    fprintf(out, "  %4s  %-18s %10s", "rank", "cell", v->is_dim ? "score" : "activation");
    for (int i = 0; i < nl; i++)
        fprintf(out, i + 1 < nl ? "  %-10.10s" : "  %.10s", c->lab[v->label[i].lab].name);
    fputc('\n', out);
    const sc_frame *obs = &s->data->obs;
    for (int64_t k = 0; k < v->ntop; k++) {
        int32_t cell = v->top_cell[k];
        char num[24];
        const char *nm = obs->index && obs->index[cell] ? obs->index[cell] : NULL;
        if (!nm) {
            snprintf(num, sizeof num, "%d", (int)cell);
            nm = num;
        }
        fprintf(out, "  %4lld  %-18.18s %10.4g", (long long)k + 1, nm, (double)v->top_val[k]);
        for (int i = 0; i < nl; i++) {
            const stats_label *l = &c->lab[v->label[i].lab];
            char buf[16];
            fprintf(out, i + 1 < nl ? "  %-10.10s" : "  %.10s",
                    cat_name(l, l->code[cell], buf, sizeof buf));
        }
        fputc('\n', out);
    }
}

/* Categories of a label by AUROC, highest first, on one line (at most 6). */
static void print_aurocs(const stats_label *l, const double *auroc, FILE *out)
{
    int32_t order[6];
    int n = 0;
    uint8_t *used = calloc((size_t)l->ncat + 1, 1);
    if (!used)
        return;
    for (; n < 6 && n < l->ncat; n++) {
        int32_t best = -1;
        for (int32_t k = 0; k < l->ncat; k++)
            if (!used[k] && !isnan(auroc[k]) && (best < 0 || auroc[k] > auroc[best]))
                best = k;
        if (best < 0)
            break;
        used[best] = 1;
        order[n] = best;
    }
    free(used);
    fprintf(out, "    AUROC:");
    for (int i = 0; i < n; i++) {
        char buf[16];
        fprintf(out, " %.12s %.2f%s", cat_name(l, order[i], buf, sizeof buf), auroc[order[i]],
                i + 1 < n ? "," : "");
    }
    if (l->ncat > n)
        fprintf(out, " (+%d more)", (int)(l->ncat - n));
    fputc('\n', out);
}

static void print_labels(const insp_ctx *c, const fview *v, int64_t top_m, FILE *out)
{
    if (v->nlabel == 0) {
        fprintf(out, "\nlabels: no categorical obs columns\n");
        return;
    }
    char topm[40];
    snprintf(topm, sizeof topm, "top-%lld", (long long)top_m);
    fprintf(out, "\npurity (%s cells; AUROC over all cells)\n",
            v->is_dim ? "positive-score" : "active");
    fprintf(out, "  %-12s %-12s %5s  %-12s %5s %8s\n", "column", "active: top", "share",
            strcat(topm, ": top"), "share", "entropy");
    for (int i = 0; i < v->nlabel; i++) {
        const fview_label *fl = &v->label[i];
        const stats_label *l = &c->lab[fl->lab];
        char buf[16], tbuf[16];
        const char *top = fl->purity.top_cat >= 0 ? cat_name(l, fl->purity.top_cat, buf, sizeof buf)
                                                  : "-";
        const char *ttop = fl->top.top_cat >= 0 ? cat_name(l, fl->top.top_cat, tbuf, sizeof tbuf)
                                                : "-";
        fprintf(out, "  %-12.12s %-12.12s %5.2f  %-12.12s %5.2f %8.2f\n", l->name, top,
                fl->purity.share, ttop, fl->top.share, fl->purity.entropy);
        print_aurocs(l, fl->purity.auroc, out);
    }
    fprintf(out, "\nassociation (U: share of the %s's uncertainty the label explains)\n",
            v->is_dim ? "score" : "activation");
    fprintf(out, "  %-12s %-22s %9s %6s\n", "column", "AUROC furthest from .5", "MI bits", "U");
    for (int i = 0; i < v->nlabel; i++) {
        const fview_label *fl = &v->label[i];
        const stats_label *l = &c->lab[fl->lab];
        char buf[16], au[40];
        /* with two categories, AUROC a for one is 1 - a for the other: name
         * the category the score leans towards */
        int32_t ac = fl->assoc.auroc_cat;
        double av = fl->assoc.auroc;
        if (ac >= 0 && l->ncat == 2 && av < 0.5) {
            ac = 1 - ac;
            av = 1 - av;
        }
        if (ac >= 0)
            snprintf(au, sizeof au, "%.2f (%.12s)", av, cat_name(l, ac, buf, sizeof buf));
        else
            snprintf(au, sizeof au, "-");
        fprintf(out, "  %-12.12s %-22s %9.4f %6.3f%s\n", l->name, au, fl->assoc.mi, fl->assoc.u,
                fl->is_batch ? "  (batch)" : "");
    }
    if (v->batch_label >= 0)
        fprintf(out, "  follows batch more than biology: %s\n",
                v->follows_batch ? "YES (batch explains the most; suspect a batch feature)"
                                 : "no");
}

static void print_genes(const session *s, const fview *v, FILE *out)
{
    fprintf(out, "\ngenes (correlation with log-normalised expression over %lld genes)\n",
            (long long)v->ngenes);
    int lens = v->have_lens;
    fprintf(out, "  %-16s %7s %s  %-16s %7s\n", "Pearson +", "r", lens ? "  lens" : "",
            "Pearson -", "r");
    int32_t n = v->npearson_top > v->npearson_bottom ? v->npearson_top : v->npearson_bottom;
    for (int32_t i = 0; i < n; i++) {
        if (i < v->npearson_top) {
            fprintf(out, "  %-16.16s %7.3f", gene_name(s, v->p_top[i]), v->pearson[v->p_top[i]]);
            if (lens)
                fprintf(out, " %6.2f", v->lens_p_top[i]);
        } else {
            fprintf(out, "  %-16s %7s%s", "", "", lens ? "       " : "");
        }
        if (i < v->npearson_bottom)
            fprintf(out, "  %-16.16s %7.3f", gene_name(s, v->p_bottom[i]),
                    v->pearson[v->p_bottom[i]]);
        fputc('\n', out);
    }
    fprintf(out, "  %-16s %7s %s  %-16s %7s\n", "Spearman +", "rho", lens ? "      " : "",
            "Spearman -", "rho");
    n = v->nspearman_top > v->nspearman_bottom ? v->nspearman_top : v->nspearman_bottom;
    for (int32_t i = 0; i < n; i++) {
        if (i < v->nspearman_top)
            fprintf(out, "  %-16.16s %7.3f%s", gene_name(s, v->s_top[i]),
                    v->spearman[v->s_top[i]], lens ? "       " : "");
        else
            fprintf(out, "  %-16s %7s%s", "", "", lens ? "       " : "");
        if (i < v->nspearman_bottom)
            fprintf(out, "  %-16.16s %7.3f", gene_name(s, v->s_bottom[i]),
                    v->spearman[v->s_bottom[i]]);
        fputc('\n', out);
    }
    if (!lens) {
        fprintf(out, "gene lens: (%s)\n", v->lens_reason);
        return;
    }
    fprintf(out, "\ngene lens (log2 fold change through the VAE decoder)\n");
    fprintf(out, "  %-16s %7s  %-16s %7s\n", "up", "lfc", "down", "lfc");
    n = v->nlens_up > v->nlens_down ? v->nlens_up : v->nlens_down;
    for (int32_t i = 0; i < n; i++) {
        if (i < v->nlens_up)
            fprintf(out, "  %-16.16s %7.3f", gene_name(s, v->lens_up[i]), v->lens_up_val[i]);
        else
            fprintf(out, "  %-16s %7s", "", "");
        if (i < v->nlens_down)
            fprintf(out, "  %-16.16s %7.3f", gene_name(s, v->lens_down[i]), v->lens_down_val[i]);
        fputc('\n', out);
    }
    if (n == 0)
        fprintf(out, "  (no gene moves)\n");
}

int fview_print(session *s, insp_ctx *c, const fview *v, FILE *out, sc_err *e)
{
    (void)e;
    fprintf(out, "%s: active in %lld of %lld cells (density %.2f%%)\n", v->name,
            (long long)v->active, (long long)v->ncells, 100 * v->density);
    if (v->have_explain && v->explain.col_a >= 0)
        fprintf(out, "explained by: %s (F1 %.2f, precision %.2f, recall %.2f)\n", v->explain_text,
                v->explain.f1.f1, v->explain.f1.precision, v->explain.f1.recall);
    else
        fprintf(out, "explained by: - (no label matches)\n");
    if (v->follows_batch)
        fprintf(out, "warning: %s follows batch more than biology\n", v->name);
    if (s->sel)
        fprintf(out, "selection: %s (%lld cells; statistics use all cells)\n", s->sel_desc,
                (long long)s->nsel);

    if (v->is_dim)
        fprintf(out, "\nscore histogram (all cells, %d bins)\n", (int)v->bins);
    else
        fprintf(out, "\nactivation histogram (active cells, %d bins; %lld inactive)\n",
                (int)v->bins, (long long)v->hist_inactive);
    print_hist(c, v, out);
    print_top(s, c, v, out);
    print_labels(c, v, v->top_m, out);
    print_genes(s, v, out);
    return 0;
}

/* ---- cells export --------------------------------------------------------- */

int fview_cells_frame(session *s, insp_ctx *c, int is_dim, int32_t view, sc_frame *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (need_parts(s, &c, is_dim, e) < 0)
        return -1;
    const inspect_src *src = is_dim ? &c->dir : &c->feat;
    if (view < 0 || view >= src->nview)
        return err_set(e, "%s %d is out of range (0..%d)", is_dim ? "direction view" : "feature",
                       (int)view, (int)src->nview - 1);
    const sc_dataset *d = s->data;
    const uint8_t *sel = s->sel && d->X.nrows == src->ncells ? s->sel : NULL;
    int64_t b = src->ptr[view], m = listed(src, view), n = 0;
    for (int64_t k = 0; k < m; k++)
        n += !sel || sel[src->cell[b + k]];
    out->n = n;
    out->index_name = sc_strdup(e, d->obs.index_name ? d->obs.index_name : "cell");
    out->index = sc_calloc(e, (size_t)(n ? n : 1), sizeof *out->index);
    sc_column act = {0};
    act.name = sc_strdup(e, "activation"); /* "score" would differ by view kind */
    act.kind = SC_COL_NUM;
    act.num = sc_calloc(e, (size_t)(n ? n : 1), sizeof *act.num);
    int32_t *rows = sc_calloc(e, (size_t)(n ? n : 1), sizeof *rows);
    if (!out->index_name || !out->index || !act.name || !act.num || !rows)
        goto fail;
    int64_t r = 0;
    for (int64_t k = 0; k < m; k++) {
        int32_t cell = src->cell[b + k];
        if (sel && !sel[cell])
            continue;
        rows[r] = cell;
        act.num[r] = src->val[b + k];
        char num[24];
        snprintf(num, sizeof num, "%d", (int)cell);
        const char *nm = d->obs.index && d->obs.index[cell] ? d->obs.index[cell] : num;
        if (!(out->index[r++] = sc_strdup(e, nm)))
            goto fail;
    }
    if (frame_add(out, &act, e) < 0)
        goto fail;
    for (int i = 0; i < d->obs.ncols; i++) {
        const sc_column *oc = &d->obs.cols[i];
        if (oc->kind != SC_COL_CAT)
            continue;
        sc_column col = {0};
        col.kind = SC_COL_CAT;
        col.ncats = oc->ncats;
        col.name = sc_strdup(e, oc->name);
        col.codes = sc_calloc(e, (size_t)(n ? n : 1), sizeof *col.codes);
        col.cats = sc_calloc(e, (size_t)(oc->ncats ? oc->ncats : 1), sizeof *col.cats);
        int ok = col.name && col.codes && col.cats;
        for (int32_t k = 0; ok && k < oc->ncats; k++)
            ok = (col.cats[k] = sc_strdup(e, oc->cats[k] ? oc->cats[k] : "")) != NULL;
        for (int64_t k = 0; ok && k < n; k++)
            col.codes[k] = oc->codes[rows[k]];
        if (!ok || frame_add(out, &col, e) < 0) {
            column_free(&col);
            goto fail;
        }
    }
    free(rows);
    return 0;
fail:
    column_free(&act);
    free(rows);
    frame_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

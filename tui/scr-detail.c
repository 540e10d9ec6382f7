/* scr-detail.c: the Feature detail screen: what `feature N` (or `dim N`)
 * prints, laid out in four panels: the activation histogram, the top cells
 * with their labels, the genes most correlated with the activation with
 * their gene-lens values, and the cell types of the active cells as bars.
 * n / p step through the features in the Features screen's order (or the
 * latent directions in theirs); d switches between the two.
 *
 * Minimum body: SCR_DETAIL_MIN_W x SCR_DETAIL_MIN_H (60 x 12): two header
 * lines and panels of five rows; 80x24 gives panels of seven. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "textplot.h"
#include "tui_data.h"
#include "tui_int.h"

/* Copy a text-plot grid into the window at (y, x), coloured by series. */
static void blit(tui *t, const tp_grid *g, int y, int x)
{
    int gw = tp_grid_width(g), gh = tp_grid_height(g);
    for (int r = 0; r < gh; r++)
        for (int c = 0; c < gw; c++) {
            char gl[5];
            int id = tp_cell(g, c, r, gl);
            if (gl[0] == ' ' && gl[1] == '\0')
                continue;
            tui_put(t, y + r, x + c, 1, id > 0 ? (tui_role)(R_SERIES + id - 1) : R_NORMAL, gl);
        }
}

static void histogram(tui *t, const tui_feature_detail *d, int y, int x, int h, int w)
{
    sc_err e = {{0}};
    if (d->nact == 0) {
        tui_center(t, y + h / 2, x, w, R_DIM, "(never active)");
        return;
    }
    tp_grid *g = tp_grid_new(w, h, t->utf8 ? TP_UTF8_BLOCK : TP_ASCII, &e);
    if (!g) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        return;
    }
    tp_hist_opts o = {NULL, d->is_dim ? "score" : "activation", NULL, 0, 0};
    if (tp_histogram(g, d->act, d->nact, &o, NULL, &e) != 0)
        tui_put(t, y, x, w, R_ERR, e.msg);
    else
        blit(t, g, y, x);
    tp_grid_free(g);
}

static void top_cells(tui *t, const tui_feature_detail *d, int y, int x, int h, int w)
{
    if (d->ncells_top == 0) {
        tui_center(t, y + h / 2, x, w, R_DIM, "(no active cell)");
        return;
    }
    int namew = w - 8 - 1 - (w >= 30 ? 12 : 0);
    tui_printf(t, y, x, w, R_HEAD, "%-*.*s %s%s", namew, namew, "cell",
               w >= 30 ? "label       " : "", "  score");
    for (int i = 0; i < d->ncells_top && i + 1 < h; i++) {
        const tui_cell *c = &d->cells[i];
        tui_put(t, y + 1 + i, x, namew, R_NORMAL, c->name);
        if (w >= 30)
            tui_put(t, y + 1 + i, x + namew + 1, 11, R_MSG, c->label);
        tui_printf(t, y + 1 + i, x + w - 8, 8, R_NORMAL, fabs(c->act) < 1e4 ? "%8.4f" : "%8.3g",
                   c->act);
    }
}

static void top_genes(tui *t, const tui_feature_detail *d, int y, int x, int h, int w)
{
    if (d->ngenes == 0) {
        tui_center(t, y + h / 2, x, w, R_DIM, "(no correlated gene)");
        return;
    }
    int namew = w - 16;
    tui_printf(t, y, x, w, R_HEAD, "%-*.*s %7s %7s", namew, namew, "gene", "r", "lens");
    int rows = h - 1 - (d->have_lens ? 0 : 1);
    for (int i = 0; i < d->ngenes && i < rows; i++) {
        const tui_gene *g = &d->genes[i];
        tui_put(t, y + 1 + i, x, namew, R_NORMAL, g->name);
        tui_printf(t, y + 1 + i, x + namew, 8, R_NORMAL, " %7.3f", g->corr);
        if (isnan(g->lens))
            tui_put(t, y + 1 + i, x + namew + 8, 8, R_DIM, "       -");
        else
            tui_printf(t, y + 1 + i, x + namew + 8, 8, g->lens > 0 ? R_MSG : R_ERR, " %+7.2f",
                       g->lens);
    }
    if (!d->have_lens)
        tui_printf(t, y + h - 1, x, w, R_DIM, "lens: %s", d->lens_reason);
}

static void cell_types(tui *t, const tui_feature_detail *d, int y, int x, int h, int w)
{
    if (d->ntypes == 0 || d->active == 0) {
        tui_center(t, y + h / 2, x, w, R_DIM, d->ntypes ? "(no active cell)" : "(no labels)");
        return;
    }
    sc_err e = {{0}};
    tp_grid *g = tp_grid_new(w, h, t->utf8 ? TP_UTF8_BLOCK : TP_ASCII, &e);
    if (!g) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        return;
    }
    tp_bar_opts o = {NULL, 0};
    if (tp_barh(g, d->type_names, d->type_counts, d->ntypes, &o, &e) != 0)
        tui_put(t, y, x, w, R_ERR, e.msg);
    else
        blit(t, g, y, x);
    tp_grid_free(g);
}

/* The order n / p walk: the Features screen's sort for features (when its
 * table is ready), else ids; direction views in order. */
static int step(tui *t, int view, int nviews, int dir)
{
    if (!t->detail_is_dim) {
        tui_feature_table tab;
        sc_err e = {{0}};
        if (tui_data_features(t->s, 0, t->sort, t->sort_rev, &tab, &e) == 0 && tab.n > 0) {
            for (int i = 0; i < tab.n; i++)
                if (tab.rows[tab.order[i]].id == view) {
                    int k = ((i + dir) % tab.n + tab.n) % tab.n;
                    t->row = k; /* the table follows */
                    return tab.rows[tab.order[k]].id;
                }
        }
    }
    return nviews > 0 ? ((view + dir) % nviews + nviews) % nviews : view;
}

void scr_detail_act(tui *t, tui_action a)
{
    if (t->busy) {
        tui_flash(t, 1, "a command is running");
        return;
    }
    int *view = t->detail_is_dim ? &t->detail_dim : &t->detail_feat;
    tui_feature_detail d;
    sc_err e = {{0}};
    int nviews = tui_data_detail(t->s, 0, t->detail_is_dim, *view, &d, &e) == 0 ? d.nviews : 0;
    switch (a) {
    case ACT_DETAIL_NEXT:
    case ACT_DETAIL_PREV:
        if (nviews == 0) {
            tui_flash(t, 1, "nothing to step through yet");
            break;
        }
        *view = step(t, *view, nviews, a == ACT_DETAIL_NEXT ? 1 : -1);
        break;
    case ACT_DETAIL_DIMS:
        t->detail_is_dim = !t->detail_is_dim;
        tui_flash(t, 0, "%s", t->detail_is_dim ? "latent directions (d: back to features)"
                                               : "SAE features (d: latent directions)");
        break;
    default:
        break;
    }
}

void scr_detail_draw(tui *t, int y, int x, int h, int w)
{
    if (w < SCR_DETAIL_MIN_W || h < SCR_DETAIL_MIN_H) {
        tui_center(t, y + h / 2, x, w, R_ERR, "terminal too small for the feature detail");
        return;
    }
    /* two header lines, then the panels in two columns */
    int py = y + 2, ph = h - 2, h1 = ph / 2, h2 = ph - ph / 2, w1 = w / 2, w2 = w - w / 2;
    const struct {
        int y, x, h, w;
        const char *title;
    } box[4] = {{py, x, h1, w1, "activation"},
                {py, x + w1, h1, w2, "top cells"},
                {py + h1, x, h2, w1, "cell types (active cells)"},
                {py + h1, x + w1, h2, w2, "top genes"}};
    const char *why = NULL;
    tui_feature_detail d;
    sc_err e = {{0}};
    int r = -1;
    if (!t->detail_is_dim && !t->s->sae)
        why = "no SAE trained yet";
    else if (!t->s->data)
        why = "no data loaded";
    else if (t->busy)
        why = "a command is running";
    else if ((r = tui_data_detail(t->s, t->may_compute, t->detail_is_dim,
                                  t->detail_is_dim ? t->detail_dim : t->detail_feat, &d, &e)) == 1) {
        why = "computing...";
        t->pending = 1;
    } else if (r < 0) {
        why = e.msg;
    }
    char title[64];
    snprintf(title, sizeof title, "%s %d", t->detail_is_dim ? "direction view" : "feature",
             t->detail_is_dim ? t->detail_dim : t->detail_feat);
    if (!why) {
        int cx = x + 1 + tui_put(t, y, x + 1, w - 2, R_HEAD, d.name);
        cx += tui_printf(t, y, cx, x + w - cx, R_NORMAL, "  active %lld/%lld (%.1f%%)",
                         (long long)d.active, (long long)d.ncells, 100 * d.density);
        if (d.follows_batch)
            cx += tui_put(t, y, cx, x + w - cx, R_MARK, "  B");
        if (!d.is_dim && d.active == 0)
            cx += tui_put(t, y, cx, x + w - cx, R_MARK, "  D");
        tui_put(t, y, cx + 2, x + w - cx - 2, R_MSG, d.explain);
        cx = x + 1 + tui_put(t, y + 1, x + 1, w - 2, R_DIM, "purity ");
        tui_put(t, y + 1, cx, x + w - cx, R_NORMAL, d.purity);
    } else {
        tui_put(t, y, x + 1, w - 2, R_HEAD, title);
        tui_put(t, y + 1, x + 1, w - 2, r < 0 && t->s->sae ? R_ERR : R_DIM, why);
    }
    for (int i = 0; i < 4; i++) {
        const char *bt = i == 2 && !why && d.label_col[0] ? NULL : box[i].title;
        char buf[96];
        if (!bt) {
            snprintf(buf, sizeof buf, "%s (active cells)", d.label_col);
            bt = buf;
        }
        tui_box(t, box[i].y, box[i].x, box[i].h, box[i].w, bt);
        int iy = box[i].y + 1, ix = box[i].x + 1, ih = box[i].h - 2, iw = box[i].w - 2;
        if (why) {
            if (ih > 0)
                tui_center(t, iy + ih / 2, ix, iw, R_DIM, why);
            continue;
        }
        if (ih < 1)
            continue;
        switch (i) {
        case 0:
            histogram(t, &d, iy, ix, ih, iw);
            break;
        case 1:
            top_cells(t, &d, iy, ix, ih, iw);
            break;
        case 2:
            cell_types(t, &d, iy, ix, ih, iw);
            break;
        default:
            top_genes(t, &d, iy, ix, ih, iw);
            break;
        }
    }
}

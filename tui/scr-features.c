/* scr-features.c: the Features and Feature-detail screens.  Frames only
 * for now: they read tui_data.h and, until an SAE exists, say so. */
#include "tui_data.h"
#include "tui_int.h"

static const char *const columns[] = {"feature", "density", "best label", "AUROC", "purity",
                                      "batch", "top genes"};
static const int widths[] = {8, 8, 16, 6, 7, 6, 0}; /* 0: the rest */

void scr_features_draw(tui *t, int y, int x, int h, int w)
{
    tui_feature_table tab;
    sc_err e = {{0}};
    if (tui_data_features(t->s, &tab, &e) != 0) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        return;
    }
    int cx = x + 1;
    for (int i = 0; i < 7 && cx < x + w; i++) {
        int cw = widths[i] ? widths[i] : x + w - cx;
        tui_put(t, y, cx, cw, R_HEAD, columns[i]);
        cx += cw + 1;
    }
    tui_hline(t, y + 1, x, w, R_DIM);
    if (tab.n == 0) {
        tui_center(t, y + h / 2, x, w, R_HEAD, "no SAE trained yet");
        tui_center(t, y + h / 2 + 1, x, w, R_DIM,
                   "the table fills after `sae train`; Enter will open a feature");
    }
}

void scr_detail_draw(tui *t, int y, int x, int h, int w)
{
    /* four panels: activation histogram, top cells, top genes, cell types */
    int h1 = h / 2, h2 = h - h / 2, w1 = w / 2, w2 = w - w / 2;
    const struct {
        int y, x, h, w;
        const char *title;
    } box[4] = {{y, x, h1, w1, "activation"},
                {y, x + w1, h1, w2, "top cells"},
                {y + h1, x, h2, w1, "top genes"},
                {y + h1, x + w1, h2, w2, "cell types"}};
    tui_feature_table tab;
    sc_err e = {{0}};
    int none = tui_data_features(t->s, &tab, &e) == 0 && tab.n == 0;
    for (int i = 0; i < 4; i++) {
        tui_box(t, box[i].y, box[i].x, box[i].h, box[i].w, box[i].title);
        if (none && box[i].h > 2)
            tui_center(t, box[i].y + box[i].h / 2, box[i].x + 1, box[i].w - 2, R_DIM,
                       "no SAE trained yet");
    }
}

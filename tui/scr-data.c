/* scr-data.c: the Data screen: the `info` report and the per-cell quality
 * summary of the loaded data (tui_data_summary), scrollable.  Minimum: any
 * body the frame draws (it is a list of lines, clipped on the right). */
#include <stdio.h>

#include "textplot.h"
#include "tui_data.h"
#include "tui_int.h"

void scr_data_draw(tui *t, int y, int x, int h, int w)
{
    if (!t->s->data) {
        tui_center(t, y + h / 2 - 1, x, w, R_HEAD, "no data loaded");
        tui_center(t, y + h / 2, x, w, R_DIM, "`load FILE` or `simulate` at the : prompt");
        return;
    }
    if (t->busy) { /* the command may be replacing the data right now */
        tui_center(t, y + h / 2, x, w, R_DIM, "a command is running; the summary follows it");
        return;
    }
    const char *const *lines;
    int n;
    sc_err e = {{0}};
    int r = tui_data_summary(t->s, t->may_compute, t->utf8 ? TP_UTF8_BLOCK : TP_ASCII,
                             w - 2 < 72 ? w - 2 : 72, &lines, &n, &e);
    if (r == 1) {
        t->pending = 1;
        if (n == 0) {
            tui_center(t, y + h / 2, x, w, R_DIM, "computing the summary...");
            return;
        }
    }
    if (r < 0) {
        tui_put(t, y, x + 1, w - 2, R_ERR, e.msg);
        return;
    }
    int first = tui_clamp_scroll(t, SCR_DATA, n, h);
    for (int k = first; k < n && k - first < h; k++) {
        const char *l = lines[k];
        /* section titles of the quality part stand out */
        tui_role role = l[0] != ' ' && k > 0 && lines[k - 1][0] == '\0' ? R_HEAD : R_NORMAL;
        tui_put(t, y + k - first, x + 1, w - 2, role, l);
    }
}

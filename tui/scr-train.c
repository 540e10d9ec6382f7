/* scr-train.c: the Training screen: the monitor's progress (epoch, step,
 * cells/s, ETA) as a bar, the last value of every series, and the series as
 * line plots, one per monitor panel, drawn by the text-plot module. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textplot.h"
#include "tui_int.h"

static void fmt_time(char *buf, size_t size, double s)
{
    if (!(s >= 0) || s > 1e7)
        snprintf(buf, size, "--");
    else if (s >= 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, size, "%.1fs", s);
}

/* Fraction of the planned run done, in [0, 1]. */
static double done_frac(const monitor *m)
{
    if (m->epochs <= 0)
        return 0;
    double f = (double)m->epoch / m->epochs;
    if (m->steps_per_epoch > 0 && m->epoch < m->epochs)
        f += (double)m->step / (double)m->steps_per_epoch / m->epochs;
    return f > 1 ? 1 : f < 0 ? 0 : f;
}

static void draw_bar(tui *t, int y, int x, int w, double frac)
{
    int eighths = (int)(frac * w * 8 + 0.5);
    for (int i = 0; i < w; i++) {
        int e = eighths - 8 * i;
        const char *gl = e >= 8 ? t->g->bar_full
                         : e > 0 && t->utf8 ? t->g->bar_part[e]
                                            : t->g->bar_empty;
        tui_put(t, y, x + i, 1, e >= 8 || (e > 0 && t->utf8) ? R_MSG : R_DIM, gl);
    }
}

/* The distinct panels that have data, ascending; returns how many. */
static int panels_of(const monitor *m, int *out)
{
    int n = 0;
    for (int i = 0; i < m->nseries; i++) {
        if (m->series[i].n == 0)
            continue;
        int p = m->series[i].panel, seen = 0;
        for (int k = 0; k < n; k++)
            seen |= out[k] == p;
        if (!seen && n < MON_MAX_SERIES)
            out[n++] = p;
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of panels */
        for (int k = i; k > 0 && out[k - 1] > out[k]; k--) {
            int tmp = out[k];
            out[k] = out[k - 1];
            out[k - 1] = tmp;
        }
    return n;
}

/* One panel's series as a line plot in the box (y, x, h, w). */
static void draw_plot(tui *t, const monitor *m, int panel, int y, int x, int h, int w)
{
    tp_series ser[MON_MAX_SERIES];
    int gidx[MON_MAX_SERIES];
    int n = 0, longest = 0;
    for (int i = 0; i < m->nseries; i++)
        if (m->series[i].panel == panel && m->series[i].n > longest)
            longest = m->series[i].n;
    sc_err e = {{0}};
    double *epoch = sc_calloc(&e, (size_t)longest, sizeof *epoch); /* x: epochs 1, 2, ... */
    if (!epoch) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        return;
    }
    for (int k = 0; k < longest; k++)
        epoch[k] = k + 1;
    for (int i = 0; i < m->nseries; i++)
        if (m->series[i].panel == panel && m->series[i].n > 0) {
            ser[n] = (tp_series){m->series[i].name, epoch, m->series[i].val, m->series[i].n};
            gidx[n++] = i;
        }
    tp_grid *g = tp_grid_new(w, h, t->utf8 ? TP_UTF8_BRAILLE : TP_ASCII, &e);
    if (!g) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        free(epoch);
        return;
    }
    tp_line_opts o = {NULL, "epoch", NULL, t->logy};
    if (tp_line_plot(g, ser, n, &o, &e) != 0) {
        tui_put(t, y, x, w, R_ERR, e.msg);
        tp_grid_free(g);
        free(epoch);
        return;
    }
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            char gl[5];
            int id = tp_cell(g, c, r, gl);
            if (gl[0] == ' ' && gl[1] == '\0')
                continue;
            tui_put(t, y + r, x + c, 1, id > 0 ? (tui_role)(R_SERIES + gidx[id - 1]) : R_NORMAL,
                    gl);
        }
    tp_grid_free(g);
    free(epoch);
}

void scr_train_draw(tui *t, int y, int x, int h, int w)
{
    const monitor *m = &t->s->mon;
    if (m->nseries == 0 && m->epochs == 0) {
        tui_center(t, y + h / 2 - 1, x, w, R_HEAD, "no training run yet");
        tui_center(t, y + h / 2, x, w, R_DIM,
                   "run `vae train` or `sae train` at the : prompt to watch it here");
        return;
    }
    /* line 1: model, state, epoch, step */
    static const char *const state_name[] = {"", "running", "finished", "stopped"};
    const char *state = t->run == RUN_RUNNING && m->paused ? "paused" : state_name[t->run];
    int cx = x + tui_printf(t, y, x, w, R_HEAD, "%s ", m->model[0] ? m->model : "training");
    if (*state)
        cx += tui_printf(t, y, cx, w - (cx - x), t->run == RUN_STOPPED || m->paused ? R_ERR : R_MSG,
                         "%s  ", state);
    cx += tui_printf(t, y, cx, w - (cx - x), R_NORMAL, "epoch %d/%d", m->epoch, m->epochs);
    if (t->run == RUN_RUNNING)
        cx += tui_printf(t, y, cx, w - (cx - x), R_NORMAL, "  step %lld/%lld", (long long)m->step,
                         (long long)m->steps_per_epoch);
    if (t->logy)
        cx += tui_put(t, y, cx, w - (cx - x), R_DIM, "  y: log10");
    int hidden_at = cx; /* "(+N more: c)" goes here when plots do not fit */
    if (h < 2)
        return;
    /* line 2: the bar, percentage, speed, ETA */
    double frac = done_frac(m);
    char eta[32], el[32], tail[128];
    fmt_time(eta, sizeof eta, m->eta_s);
    fmt_time(el, sizeof el, m->elapsed_s);
    snprintf(tail, sizeof tail, " %3.0f%%  %.0f cells/s  ETA %s  (%s)", 100 * frac,
             m->cells_per_s, t->run == RUN_RUNNING ? eta : "--", el);
    int tw = tui_width(tail);
    int bw = w - tw - 2;
    if (bw < 10)
        bw = w - 2 > 10 ? 10 : w - 2;
    tui_put(t, y + 1, x, 1, R_DIM, "[");
    draw_bar(t, y + 1, x + 1, bw, frac);
    tui_put(t, y + 1, x + 1 + bw, 1, R_DIM, "]");
    tui_put(t, y + 1, x + 2 + bw, w - bw - 2, R_NORMAL, tail);
    if (h < 3)
        return;
    /* line 3: the last value of every series */
    cx = x;
    for (int i = 0; i < m->nseries && cx < x + w; i++) {
        const mon_series *s = &m->series[i];
        if (s->n == 0 || isnan(s->val[s->n - 1]))
            continue;
        cx += tui_printf(t, y + 2, cx, w - (cx - x), (tui_role)(R_SERIES + i), "%s %.4g  ",
                         s->name, s->val[s->n - 1]);
    }
    /* the plots: every panel in a grid, or the chosen one alone */
    int panels[MON_MAX_SERIES];
    int np = panels_of(m, panels);
    int py = y + 3, ph = h - 3;
    if (np == 0 || ph < TP_MIN_HEIGHT + 3) {
        if (ph > 1)
            tui_center(t, py + ph / 2, x, w, R_DIM, "the curves appear after the first epoch");
        return;
    }
    if (t->curves >= np)
        t->curves = -1;
    if (t->curves >= 0) {
        panels[0] = panels[t->curves];
        np = 1;
    }
    int cols = np >= 2 && w >= 2 * 36 ? 2 : 1;
    int rows = (np + cols - 1) / cols;
    int minh = 8;
    if (ph / rows < minh) { /* fewer plots, taller; `c` shows the others */
        rows = ph / minh > 0 ? ph / minh : 1;
        if (rows * cols < np) {
            tui_printf(t, y, hidden_at, w - (hidden_at - x), R_DIM, "  (+%d more: c)",
                       np - rows * cols);
            np = rows * cols;
        }
    }
    for (int k = 0; k < np; k++) {
        int r = k / cols, c = k % cols;
        int cw = w / cols, ch = ph / rows;
        draw_plot(t, m, panels[k], py + r * ch, x + c * cw, ch, c == cols - 1 ? w - c * cw : cw - 1);
    }
}

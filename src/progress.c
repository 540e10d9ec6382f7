/* progress.c: the prompt's and the logs' view of a training run. */
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "textplot.h"

#define PLOT_W 72
#define PLOT_H 12

double sc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int progress_plot(const monitor *m, int panel, FILE *out, int width, int height, int logy,
                  int ansi, sc_err *e)
{
    tp_series ser[MON_MAX_SERIES];
    int n = 0;
    for (int i = 0; i < m->nseries; i++)
        if (m->series[i].panel == panel && m->series[i].n > 0)
            ser[n++] = (tp_series){m->series[i].name, NULL, m->series[i].val, m->series[i].n};
    if (n == 0)
        return err_set(e, "no %s history to plot yet", m->model[0] ? m->model : "training");
    tp_grid *g = tp_grid_new(width, height, tp_charset_from_locale(), e);
    if (!g)
        return -1;
    char title[64];
    snprintf(title, sizeof title, "%s training", m->model);
    tp_line_opts o = {title, "epoch", NULL, logy};
    int rc = tp_line_plot(g, ser, n, &o, e);
    if (rc == 0)
        tp_print(g, out, ansi);
    tp_grid_free(g);
    return rc;
}

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

/* "epoch 3/100 [#####.....] 1234 cells/s ETA 1m05s" */
static void bar_line(const monitor *m, char *buf, size_t size)
{
    double frac = m->epochs > 0 && m->steps_per_epoch > 0
                      ? ((double)m->epoch + (double)m->step / (double)m->steps_per_epoch) /
                            (double)m->epochs
                      : 0;
    if (frac > 1)
        frac = 1;
    char bar[32];
    int fill = (int)(frac * 24 + 0.5);
    for (int i = 0; i < 24; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[24] = '\0';
    char eta[32];
    fmt_time(eta, sizeof eta, m->eta_s);
    snprintf(buf, size, "%s epoch %d/%d [%s] %3.0f%% %.0f cells/s ETA %s", m->model, m->epoch,
             m->epochs, bar, 100 * frac, m->cells_per_s, eta);
}

/* One line with the last value of every series: for logs. */
static void epoch_line(const monitor *m, FILE *out)
{
    char t[32];
    fmt_time(t, sizeof t, m->elapsed_s);
    fprintf(out, "%s epoch %d/%d", m->model, m->epoch, m->epochs);
    for (int i = 0; i < m->nseries; i++) {
        const mon_series *s = &m->series[i];
        if (s->n > 0 && !isnan(s->val[s->n - 1]))
            fprintf(out, "  %s %.6g", s->name, s->val[s->n - 1]);
    }
    fprintf(out, "  (%s, %.0f cells/s)\n", t, m->cells_per_s);
}

static void tick(monitor *m, int epoch_done, void *ctx)
{
    progress *p = ctx;
    FILE *out = p->s->out;
    if (p->s->set.verbose < 1)
        return;
    if (!p->tty) {
        if (epoch_done)
            epoch_line(m, out);
        return;
    }
    double now = sc_now();
    if (!epoch_done && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    /* move back over what we drew and draw again */
    if (p->lines > 0)
        fprintf(out, "\033[%dA\r\033[J", p->lines);
    int lines = 0;
    sc_err e;
    if (m->epoch > 0) {
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (mem && progress_plot(m, 0, mem, PLOT_W, PLOT_H, 0, 1, &e) == 0) {
            fclose(mem);
            mem = NULL;
            fputs(buf, out);
            for (size_t i = 0; i < len; i++)
                lines += buf[i] == '\n';
        }
        if (mem)
            fclose(mem);
        free(buf);
    }
    char bar[256];
    bar_line(m, bar, sizeof bar);
    fprintf(out, "%s\n", bar);
    lines++;
    p->lines = lines;
    fflush(out);
}

void progress_begin(progress *p, session *s)
{
    memset(p, 0, sizeof *p);
    p->s = s;
    p->tty = isatty(fileno(s->out));
    if (!s->mon.tick) {
        s->mon.tick = tick;
        s->mon.ctx = p;
    }
    p->old_stop = s->mon.stop;
    if (!s->mon.stop)
        s->mon.stop = &sc_interrupted;
    sc_interrupted = 0;
}

void progress_end(progress *p)
{
    if (p->s->mon.tick == tick) {
        p->s->mon.tick = NULL;
        p->s->mon.ctx = NULL;
    }
    p->s->mon.stop = p->old_stop;
    sc_interrupted = 0;
}

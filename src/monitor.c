/* monitor.c: training progress and metric history (see monitor.h). */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mon_free(monitor *m)
{
    for (int i = 0; i < m->nseries; i++)
        free(m->series[i].val);
    m->nseries = 0;
}

void mon_reset(monitor *m, const char *model)
{
    mon_free(m);
    volatile sig_atomic_t *stop = m->stop;
    mon_tick_fn tick = m->tick;
    void *ctx = m->ctx;
    memset(m, 0, sizeof *m);
    m->stop = stop;
    m->tick = tick;
    m->ctx = ctx;
    snprintf(m->model, sizeof m->model, "%s", model);
}

int mon_series_get(monitor *m, const char *name, int panel, sc_err *e)
{
    for (int i = 0; i < m->nseries; i++)
        if (strcmp(m->series[i].name, name) == 0)
            return i;
    if (m->nseries >= MON_MAX_SERIES)
        return err_set(e, "too many metric series (at most %d)", MON_MAX_SERIES);
    mon_series *s = &m->series[m->nseries];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->panel = panel;
    return m->nseries++;
}

int mon_push(monitor *m, int idx, double v, sc_err *e)
{
    mon_series *s = &m->series[idx];
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        double *p = realloc(s->val, (size_t)cap * sizeof *p);
        if (!p)
            return err_set(e, "out of memory recording '%s'", s->name);
        s->val = p;
        s->cap = cap;
    }
    s->val[s->n++] = v;
    return 0;
}

void mon_update_rate(monitor *m, double elapsed_s, int64_t total_steps)
{
    m->elapsed_s = elapsed_s;
    m->cells_per_s = elapsed_s > 0 ? (double)m->cells_done / elapsed_s : 0;
    int64_t done = (int64_t)m->epoch * m->steps_per_epoch + m->step;
    m->eta_s = done > 0 && total_steps > done ? elapsed_s * (double)(total_steps - done) / (double)done
                                              : 0;
}

const mon_series *mon_find(const monitor *m, const char *name)
{
    for (int i = 0; i < m->nseries; i++)
        if (strcmp(m->series[i].name, name) == 0)
            return &m->series[i];
    return NULL;
}

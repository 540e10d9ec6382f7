/* selftest.c: synthetic training for the TUI's tests, before any training
 * command exists.  SPARSESC_TUI_SELFTEST=1 (or EPOCHS,STEPS,MS) makes the
 * interface run this once at start: it fills the session's monitor the way a
 * training loop does and calls the same tick, so pause, stop, the progress
 * bar and the plots are exercised through the real path.  Read only here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui_int.h"

int selftest_wanted(int *epochs, int *steps, int *ms)
{
    const char *v = getenv("SPARSESC_TUI_SELFTEST");
    if (!v || !*v || strcmp(v, "0") == 0)
        return 0;
    *epochs = 40, *steps = 10, *ms = 20;
    int a, b, c;
    if (sscanf(v, "%d,%d,%d", &a, &b, &c) == 3 && a > 0 && b > 0 && c >= 0) {
        *epochs = a, *steps = b, *ms = c;
    }
    return 1;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int selftest_run(session *s, int epochs, int steps, int ms, sc_err *e)
{
    monitor *m = &s->mon;
    mon_reset(m, "selftest");
    m->epochs = epochs;
    m->steps_per_epoch = steps;
    int tr = mon_series_get(m, "train loss", 0, e);
    int va = mon_series_get(m, "val loss", 0, e);
    int kl = mon_series_get(m, "kl", 1, e);
    if (tr < 0 || va < 0 || kl < 0)
        return -1;
    double t0 = tui_now();
    for (int ep = 0; ep < epochs; ep++) {
        for (int st = 0; st < steps; st++) {
            if (m->stop && *m->stop)
                goto stopped;
            sleep_ms(ms);
            m->step = st + 1;
            m->cells_done += 128;
            mon_update_rate(m, tui_now() - t0, (int64_t)epochs * steps);
            if (m->tick)
                m->tick(m, 0, m->ctx);
        }
        /* losses that fall like a real run's, with a little wobble */
        double x = ep + 1;
        double train = 40 * exp(-x / 8) + 10 + 0.3 * sin(x);
        if (mon_push(m, tr, train, e) || mon_push(m, va, train + 1.5 + 0.5 * cos(x), e) ||
            mon_push(m, kl, 6 * (1 - exp(-x / 5)), e))
            return -1;
        m->epoch = ep + 1;
        m->step = 0;
        if (m->tick)
            m->tick(m, 1, m->ctx);
    }
    fprintf(s->out, "selftest: %d epochs of synthetic training done\n", epochs);
    return 0;
stopped:
    fprintf(s->out, "selftest: stopped after %d of %d epochs\n", m->epoch, epochs);
    return 0;
}

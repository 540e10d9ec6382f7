/* monitor.h: what a training run publishes while it runs, and keeps after:
 * progress (epoch, step, speed, ETA) and per-epoch metric series.  Training
 * code only writes here; the REPL's progress line, `plot loss` and the TUI's
 * training screen only read it, so no interface computes anything itself. */
#ifndef SC_MONITOR_H
#define SC_MONITOR_H

#include <signal.h>
#include <stdint.h>

#include "err.h"

#define MON_MAX_SERIES 12
#define MON_NAME_MAX 32

typedef struct mon_series {
    char name[MON_NAME_MAX]; /* "train loss", "val loss", "kl", "l0", ... */
    int panel;               /* series with the same panel share a plot */
    int n, cap;
    double *val;             /* one value per epoch; NaN = not measured */
} mon_series;

typedef struct monitor monitor;

/* Called by the training loop after every step (epoch_done = 0) and after
 * every epoch (epoch_done = 1).  A UI redraws (throttled) and reads keys here. */
typedef void (*mon_tick_fn)(monitor *m, int epoch_done, void *ctx);

struct monitor {
    char model[16];     /* "vae", "sae" */
    int epoch, epochs;  /* epochs finished, planned */
    int64_t step, steps_per_epoch;
    int64_t cells_done; /* this run, for the speed */
    double elapsed_s, cells_per_s, eta_s;
    int nseries;
    mon_series series[MON_MAX_SERIES];
    volatile sig_atomic_t *stop; /* training stops between steps when set */
    int paused;                  /* set by a UI: the tick function waits */
    mon_tick_fn tick;
    void *ctx;
};

/* Start a fresh history for `model` (frees the old one). */
void mon_reset(monitor *m, const char *model);
void mon_free(monitor *m);
/* Index of the series `name`, created on first use in `panel`. */
int mon_series_get(monitor *m, const char *name, int panel, sc_err *e);
/* Append one epoch's value to series `idx`. */
int mon_push(monitor *m, int idx, double v, sc_err *e);
/* Update speed and ETA from elapsed time; call once per step. */
void mon_update_rate(monitor *m, double elapsed_s, int64_t total_steps);
/* Series by name, or NULL. */
const mon_series *mon_find(const monitor *m, const char *name);

#endif

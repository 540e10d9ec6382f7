/* cmd-plot.c: `plot loss` (the training history the monitor keeps) and
 * `plot density` (how often each SAE feature fires), as text plots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "progress.h"
#include "sae_bind.h"
#include "sae_metrics.h"
#include "session.h"
#include "textplot.h"

static int plot_loss(session *s, const cmd_args *a, sc_err *e)
{
    int drawn = 0;
    for (int panel = 0; panel < MON_MAX_SERIES; panel++) {
        int any = 0;
        for (int i = 0; i < s->mon.nseries; i++)
            any |= s->mon.series[i].panel == panel && s->mon.series[i].n > 0;
        if (!any)
            continue;
        if (progress_plot(&s->mon, panel, s->out, (int)arg_int(a, "width"),
                          (int)arg_int(a, "height"), (int)arg_int(a, "log"), 0, e) < 0)
            return -1;
        drawn++;
    }
    if (!drawn)
        return err_set(e, "no training history yet; train with `vae train` or `sae train`");
    return 0;
}

/* The feature-density histogram: log10 of each feature's share of cells
 * with a non-zero activation, from the activations kept after training. */
static int plot_density(session *s, const cmd_args *a, sc_err *e)
{
    const sae_bind *b = s->sae;
    if (!b || !b->m || b->acts.nrows == 0)
        return err_set(e, "no SAE activations yet; train one with `sae train` (or `sae load` "
                          "with data loaded)");
    const sae_csr *f = &b->acts;
    int m = f->ncols;
    double *freq = sc_calloc(e, (size_t)m, sizeof *freq);
    if (!freq)
        return -1;
    sae_csr_density(f, freq);
    int64_t never, dense;
    sae_dead_dense(freq, m, b->m->cfg.dense_frac, &never, &dense);
    tp_grid *g = tp_grid_new((int)arg_int(a, "width"), (int)arg_int(a, "height"),
                             tp_charset_from_locale(), e);
    int rc = -1;
    if (g) {
        tp_hist_opts o = {"feature density (share of cells where a feature fires)",
                          "log10 density", "features", 0, 1};
        rc = tp_histogram(g, freq, m, &o, NULL, e);
        if (rc == 0)
            tp_print(g, s->out, 0);
        tp_grid_free(g);
    }
    if (rc == 0)
        fprintf(s->out, "%d features: %lld never fire (dead, not in the plot), %lld fire on "
                        "more than %.0f%% of cells (dense)\n",
                m, (long long)never, (long long)dense, 100 * b->m->cfg.dense_frac);
    free(freq);
    return rc;
}

static int cmd_plot(session *s, const cmd_args *a, sc_err *e)
{
    return arg_int(a, "WHAT") == 1 ? plot_density(s, a, e) : plot_loss(s, a, e);
}

static const arg_spec plot_args[] = {
    {"WHAT", ARG_CHOICE, 0, NULL, "loss|density", 0, 0,
     "What to plot: loss (the training history) or density (SAE feature densities)."},
    {0},
};
static const opt_spec plot_opts[] = {
    {"log", ARG_BOOL, "off", NULL, 0, 0, "Logarithmic y axis (loss)."},
    {"width", ARG_INT, "72", NULL, 20, 400, "Plot width in characters."},
    {"height", ARG_INT, "14", NULL, 6, 200, "Plot height in characters."},
    {0},
};

const cmd_entry cmd_group_plot[] = {
    {"plot", NULL, plot_args, plot_opts, "plot the training history or feature densities",
     "plot loss: the loss history of the last training run (train and validation loss, then "
     "the other series of the run, such as reconstruction and KL, or FVU, L0, dead share and "
     "loss recovered, in their own plots).\n\n"
     "plot density: the histogram of log10 feature density (the share of cells on which each "
     "SAE feature fires), the plot used to spot dead features (left out, counted below the "
     "plot) and dense ones (right edge).",
     "plot loss\nplot loss log=on\nplot density", cmd_plot, NULL},
    {0},
};

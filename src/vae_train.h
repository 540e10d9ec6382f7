/* vae_train.h: training a VAE: the train/validation split, epochs of
 * shuffled minibatches, KL warm-up, one resumable step at a time.
 *
 * The whole state of a run lives in the model (m->run, the Adam moments,
 * the noise generator), so a run stopped between two steps (the monitor's
 * stop flag, Ctrl-C) continues with vae_fit exactly where it stopped: the
 * same data gives the same parameters as an uninterrupted run.
 *
 * A step whose loss is not finite stops training with an error naming the
 * epoch and step, and puts back the parameters from before the last update
 * (the last ones that gave a finite loss). */
#ifndef SC_VAE_TRAIN_H
#define SC_VAE_TRAIN_H

#include "monitor.h"
#include "rng.h"
#include "vae.h"

typedef struct vae_run {
    int64_t n_cells, nnz;  /* the data the run was split on (resuming checks them) */
    int64_t n_train, n_val;
    int64_t *val, *train;  /* cell indices of the split */
    int64_t *order;        /* this epoch's order of the training cells */
    int epochs;            /* planned in total */
    int epoch;             /* finished */
    int64_t step;          /* steps done in the current epoch */
    int64_t steps_per_epoch;
    rng shuffle, noise;    /* minibatch order; dropout masks and z draws */
    double ep_loss, ep_rec, ep_kl, ep_seconds; /* this epoch so far: sums over cells, time */
    int64_t ep_cells;
    int stopped;           /* the last vae_fit returned on the stop flag */
} vae_run;

/* scvi-tools' default epoch count: min(round(20000 / n * 400), 400), >= 1. */
int vae_default_epochs(int64_t n_cells);
/* KL weight of an epoch (0-based): epoch / kl_warmup below kl_warmup, else 1. */
double vae_kl_weight(const vae_config *c, int epoch);

/* scvi-tools' split of n cells: n_train = ceil(train_frac n), the rest
 * validation, taken from a permutation seeded by `seed` (validation first);
 * 1 or 2 cells left over by the last minibatch move to validation (or are
 * dropped when there is no validation set).  Arrays allocated here. */
int vae_split(int64_t n, double train_frac, int batch_size, uint64_t seed, int64_t **train,
              int64_t *n_train, int64_t **val, int64_t *n_val, sc_err *e);

/* Train until `epochs` epochs are done in total (0: keep the planned
 * number, at first cfg.epochs or the default heuristic).  The first call
 * checks the data (refusing cells without counts, with their number),
 * splits it and applies the memory guard; later calls resume and need the
 * same cells.  mon (may be NULL) receives progress after every step, the
 * per-epoch series ("train loss", "val loss" on panel 0; "reconstruction",
 * "val reconstruction" on panel 1; "kl", "val kl" on panel 2) and is
 * stopped between steps by *mon->stop; m->run->stopped then tells.
 * Returns 0, or -1 with e set (bad data, a non-finite loss). */
int vae_fit(vae_model *m, const vae_data *d, int epochs, monitor *mon, sc_err *e);

/* Start (or check for resuming) the run on d; vae_fit calls it. */
int vae_run_begin(vae_model *m, const vae_data *d, int epochs, sc_err *e);
/* One training step of the begun run: returns 1 when it finished an epoch
 * (validation done, history appended), 0 otherwise, -1 on error. */
int vae_step(vae_model *m, const vae_data *d, sc_err *e);

void vae_run_free(vae_run *r);

#endif

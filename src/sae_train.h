/* sae_train.h: training an SAE on an embedding.
 *
 * The loop: split cells (train / validation), data-dependent init on a
 * fresh model (input scale, b_dec at the geometric median), then per epoch:
 * shuffle, and per minibatch forward, zero grads, backward, decoder-norm
 * projection, Adam, renormalisation, dead-feature bookkeeping (AuxK mask,
 * relu-l1 resampling, batch top-k threshold); after the epoch the
 * validation metrics go to the monitor and early stopping decides.
 *
 * Stopping: *stop (or the monitor's stop flag) is checked before every
 * step; training then returns 0 with info.stopped = 1 and the parameters of
 * the last finished step.  A loss that turns NaN or infinite returns -1,
 * naming epoch and step, with the parameters of the last finished epoch. */
#ifndef SC_SAE_TRAIN_H
#define SC_SAE_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "monitor.h"
#include "sae.h"

/* Train M on n cells X (row-major n x d, input units).  cfg (may be NULL:
 * the model's own) supplies the training options; it must describe the same
 * model (architecture, features, k, prefixes).  mon and stop may be NULL.
 * Results in M->fit. */
int sae_fit(sae_model *M, const float *X, int64_t n, int d, const sae_config *cfg, monitor *mon,
            volatile sig_atomic_t *stop, sc_err *e);

/* The geometric median of n points (row-major n x d) by Weiszfeld's
 * iteration from the mean, into out[d]. */
void sae_geometric_median(const float *X, int64_t n, int d, float *out);

#endif

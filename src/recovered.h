/* recovered.h: loss recovered, the SAE metric that asks the downstream
 * model: how much of the VAE's reconstruction survives when its latent (or
 * hidden layer) is replaced by the SAE's reconstruction of it?
 *
 *   clean    mean reconstruction NLL per cell with the VAE's own input to
 *            the decoder (posterior mean z; for vae-hidden the hidden layer)
 *   sae      the same with that input replaced by the SAE reconstruction
 *   ablated  the same with every cell's input replaced by the mean input
 *   recovered = (ablated - sae) / (ablated - clean): 1 when the SAE loses
 *            nothing, 0 when it is no better than the mean; it can leave
 *            [0, 1]: an SAE worse than the mean is negative, and on clustered
 *            data a reconstruction pulled towards cluster prototypes can
 *            decode better than the posterior mean itself (above 1).
 * No z is sampled, so the numbers are deterministic.  Cells: the VAE's
 * validation cells when its training split is known, else all cells; at
 * most RECOVER_MAX_CELLS of them (evenly spaced) so the per-epoch value
 * costs a fraction of an epoch. */
#ifndef SC_RECOVERED_H
#define SC_RECOVERED_H

#include <stdint.h>

#include "err.h"
#include "sae.h"
#include "vae_bind.h"

#define RECOVER_MAX_CELLS 4096

typedef struct sae_recovered {
    int64_t ncells;
    double clean, sae, ablated; /* mean NLL per cell */
    double recovered;           /* share, see above */
} sae_recovered;

typedef struct recover_ctx {
    vae_bind *vb;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd;
    vae_given from;
    int d;
    int64_t ncells;
    int64_t *cells;   /* the cells measured */
    float *X;         /* their SAE input, ncells x d */
    float *V;         /* decoder input buffer, ncells x d */
    double clean, ablated;
    sc_err err;       /* the first error of an epoch measurement */
} recover_ctx;

/* source: "vae" or "vae-hidden"; X: the SAE input of all n cells, which
 * must be the VAE's bound cells.  Measures clean and ablated once. */
int recover_init(recover_ctx *c, vae_bind *vb, const char *source, const float *X, int64_t n,
                 int d, sc_err *e);
int recover_measure(recover_ctx *c, const sae_model *m, sae_recovered *out, sc_err *e);
/* sae_model.epoch_fn: recovered in percent, NaN on failure (kept in c->err). */
double recover_epoch_fn(const sae_model *m, void *ctx);
void recover_free(recover_ctx *c);

#endif

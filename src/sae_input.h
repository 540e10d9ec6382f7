/* sae_input.h: the embedding an SAE reads, named by its source:
 *   "vae"          the session VAE's posterior mean latent (cells x latent)
 *   "vae-hidden"   its encoder's last hidden layer after ReLU (cells x hidden),
 *                  closer to the MLP activations of the monosemanticity work
 *   "obsm:KEY"     an embedding stored in the data (X_pca, X_scVI, ...)
 * One place builds it, so training, evaluation, loading and inspection read
 * the same numbers. */
#ifndef SC_SAE_INPUT_H
#define SC_SAE_INPUT_H

#include <stdint.h>

#include "err.h"
#include "session.h"

/* A new row-major n x d array (free it), or NULL with e set: nothing
 * loaded, no VAE for vae/vae-hidden, a missing obsm key (the message lists
 * the keys), a non-finite value. */
float *sae_input(session *s, const char *source, int64_t *n, int *d, sc_err *e);

/* 1 for the sources that come from the session's VAE. */
int sae_input_is_vae(const char *source);

#endif

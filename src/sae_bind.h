/* sae_bind.h: the session's SAE: the model, where its input came from
 * ("vae" or "obsm:KEY") and the activations of every cell, which the
 * inspection commands read. */
#ifndef SC_SAE_BIND_H
#define SC_SAE_BIND_H

#include "dataset.h"
#include "recovered.h"
#include "sae.h"

typedef struct sae_bind {
    sae_model *m;
    char source[128]; /* "vae", "obsm:X_pca" */
    sae_csr acts;     /* cells x features, after training (nrows 0: none) */
    sae_recovered recovered; /* loss recovered (ncells 0: not measured) */
} sae_bind;

void sae_bind_free(sae_bind *b);

/* Save / load (HDF5, atomic): config, parameters, scale, threshold, source. */
int sae_save(const sae_bind *b, const char *path, sc_err *e);
int sae_load(sae_bind *b, const char *path, sc_err *e);

#endif

/* lens.h: the gene lens of SAE features: each feature's decoder direction
 * pushed through the VAE decoder, as a log2 fold change per gene:
 *     lfc_g = log2((p_g(z0 + a_j d_j) + eps) / (p_g(z0) + eps))
 * z0 the mean latent over cells, d_j feature j's decoder direction in latent
 * units, a_j its typical activation (see lens.c), p the VAE's expected
 * expression proportions for a reference cell's covariates.  Only for SAEs
 * trained on the VAE latent (on=vae). */
#ifndef SC_LENS_H
#define SC_LENS_H

#include <stdint.h>

#include "err.h"
#include "insp.h"
#include "session.h"

typedef struct lens_table {
    int32_t nfeat;
    int64_t ngenes;            /* the VAE's genes */
    const char *const *genes;  /* borrowed from the VAE binding */
    int64_t *var_index;        /* each gene's row in the data's var, -1 if absent */
    float *lfc;                /* nfeat x ngenes, row-major */
    double *typical;           /* a_j per feature (0 for a dead feature: lfc 0) */
} lens_table;

/* The gene lens of the session's SAE, computed on first use and cached in
 * the inspection state (borrowed: valid until the data or a model changes).
 * -1 with e set when there is no VAE, no SAE, or the SAE did not read the
 * VAE latent. */
int lens_get(session *s, insp_ctx *c, const lens_table **out, sc_err *e);

#endif

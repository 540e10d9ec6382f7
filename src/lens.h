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
    /* added by lens.c's helper (fields only appended) */
    int64_t ref_cell;          /* the cell whose covariates the decodes use */
    double eps;                /* the proportion floor of the fold change (lens_eps) */
    double seconds;            /* time the decodes took */
} lens_table;

/* The gene lens of the session's SAE, computed on first use and cached in
 * the inspection state (borrowed: valid until the data or a model changes).
 * -1 with e set when there is no VAE, no SAE, or the SAE did not read the
 * VAE latent. */
int lens_get(session *s, insp_ctx *c, const lens_table **out, sc_err *e);

/* The floor added to both proportions of a fold change: LENS_EPS_SHARE of
 * the mean proportion 1/G (1e-6 for 10,000 genes), so genes expected far
 * below an average gene's share cannot make large fold changes out of
 * near-zero proportions. */
#define LENS_EPS_SHARE 0.01
double lens_eps(int64_t ngenes);

/* The lens as the .h5ad's varm/sae_gene_lens: a new n_var x nfeat float
 * matrix (row-major; free it) over the var of d, genes matched by name;
 * NaN for genes the VAE does not model. */
int lens_varm(const lens_table *t, const sc_dataset *d, float **out, sc_err *e);

/* `steer`: feature `feat` clamped to `value` in the selected cells
 * (s->sel, NULL: all).  Each cell's SAE input (the VAE latent) is encoded,
 * the feature's activation replaced, both activation vectors decoded
 * through the SAE and then the VAE decoder with the cell's own covariates:
 *     lfc_g = mean over cells of log2((p'_g + eps) / (p_g + eps))
 * p from the activations as encoded, p' from the steered ones. */
typedef struct lens_steer_res {
    int32_t feat;
    double value;
    double typical;           /* the feature's a_j (median non-zero activation) */
    int64_t ncells;           /* cells steered */
    int64_t nactive;          /* of them, where the feature was active before */
    double mean_before;       /* its mean activation over them before */
    int64_t ngenes;
    const char *const *genes; /* borrowed from the VAE binding */
    double *lfc;              /* owned, ngenes */
    double eps;
} lens_steer_res;
int lens_steer(session *s, int32_t feat, double value, lens_steer_res *out, sc_err *e);
void lens_steer_free(lens_steer_res *r);

#endif

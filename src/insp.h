/* insp.h: the inspection state every inspection command and the TUI read:
 * the SAE features and the latent directions as ranked sources, the
 * categorical obs columns as labels, and (on first use) the log-normalised
 * expression prepared for gene correlations.  Built lazily from the session
 * and kept until the data, the SAE or the VAE changes, so a second
 * `feature N` costs only its own work.
 *
 * Latent directions ("dim i+" / "dim i-") come from the SAE's own input (the
 * VAE latent, its hidden layer, or the obsm embedding the SAE read), so
 * features and directions describe the same representation; without an SAE,
 * from the VAE's latent. */
#ifndef SC_INSP_H
#define SC_INSP_H

#include <stdint.h>

#include "err.h"
#include "inspect.h"
#include "session.h"
#include "stats.h"

enum { INSP_FEAT = 1, INSP_DIR = 2, INSP_GENES = 4 };

/* Results derived from the state above that other modules cache here, so
 * they are dropped with it: the feature table (ftable.h), the gene lens
 * (lens.h).  p is owned; free_fn releases it (and p itself). */
enum { INSP_CACHE_FTABLE, INSP_CACHE_LENS, INSP_CACHE_COVERAGE, INSP_CACHE_N };
typedef struct insp_cache {
    void *p;
    void (*free_fn)(void *p);
    char key[64]; /* what it was computed for (e.g. the label list), "" = default */
} insp_cache;

typedef struct insp_ctx {
    /* identity of what it was built from (to notice changes) */
    const void *data_id, *sae_id, *vae_id;
    int64_t ncells, nnz;
    int have_feat;
    inspect_src feat;      /* SAE features: view j = feature j */
    int have_dir;
    inspect_src dir;       /* latent directions: view 2i = dim i+, 2i+1 = dim i- */
    char dir_source[128];  /* "vae", "vae-hidden", "obsm:X_pca" */
    float *dir_X;          /* the embedding, ncells x dir_dims (row-major) */
    int dir_dims;
    int nlab;              /* categorical obs columns (codes borrowed from the data) */
    int obs_cols;          /* obs column count the labels were built from */
    stats_label *lab;
    int have_genes;
    inspect_genes genes;   /* log-normalised expression, every gene of the data */
    double genes_target;   /* its normalisation target sum */
    insp_cache cache[INSP_CACHE_N];
} insp_ctx;

/* Replace cache slot i (frees what was there). */
void insp_cache_set(insp_ctx *c, int i, void *p, void (*free_fn)(void *), const char *key);

/* The session's inspection state with at least the parts in `need` built.
 * Errors name what is missing ("no SAE yet; ..."); the state already built
 * stays. */
int insp_get(session *s, unsigned need, insp_ctx **out, sc_err *e);

/* Index of the label for obs column `col`; -1 with a message listing the
 * categorical columns when it is missing or not categorical. */
int insp_label(const insp_ctx *c, const session *s, const char *col, sc_err *e);

/* Feature n of the SAE as a view of c->feat; -1 with "no SAE yet" or
 * "feature N is out of range: the SAE has M features (0..M-1)". */
int insp_feature(const insp_ctx *c, int64_t n, int32_t *view, sc_err *e);

/* "cell_type, batch, condition": the data's categorical obs columns (the
 * labels, in their order), or "(none)", for messages. */
void insp_categorical_names(const sc_dataset *d, char *buf, size_t size);

/* The labels named by a comma-separated list (NULL or "": the defaults, every
 * categorical obs column with 2 to 200 categories).  idx: room for nlab. */
int insp_labels(const insp_ctx *c, const session *s, const char *list, int *idx, int *n,
                sc_err *e);

/* The batch label (the data's batch key, else none): index or -1. */
int insp_batch_label(const insp_ctx *c, const session *s);

/* Drop everything (session_set_* call it). */
void insp_free(insp_ctx *c);

#endif

/* vae_bind.h: a VAE bound to the session's data.  The model knows genes,
 * batch and covariate categories only as positions; the binding keeps
 * their names (so saved models carry them, and a loaded model refuses data
 * it does not fit), the counts of the model's genes as their own CSR, and the
 * per-cell category codes. */
#ifndef SC_VAE_BIND_H
#define SC_VAE_BIND_H

#include "dataset.h"
#include "vae.h"

typedef struct vae_cat {
    char *col;      /* obs column */
    int n;          /* categories */
    char **cats;    /* their names, in code order */
    int32_t *codes; /* per cell of the bound data */
} vae_cat;

typedef struct vae_bind {
    vae_model *m;
    int64_t ngenes;
    char **genes;         /* the model's genes, in model order */
    int has_batch;
    vae_cat batch;
    int ncov;
    vae_cat cov[VAE_MAX_CAT - 1];
    sc_csr X;             /* counts of the model's genes, cells of the bound data */
    const sc_dataset *data; /* what X and the codes were built from */
    int64_t data_cells, data_nnz;
} vae_bind;

/* Choose genes (the `highly_variable` var column when `hvg` ran, else all),
 * batch column (batch_col, else the data's batch key, else none) and
 * covariate columns (comma-separated, may be NULL) from d. */
int vbind_init(vae_bind *b, const sc_dataset *d, const char *batch_col, const char *covs,
               sc_err *e);
/* (Re)build X and the codes from d for the names already in b: genes by var
 * name, categories by name.  Fails, naming what is missing, when d does not
 * fit the model. */
int vbind_attach(vae_bind *b, const sc_dataset *d, sc_err *e);
/* Still built from this data (same object, cells and counts)? */
int vbind_current(const vae_bind *b, const sc_dataset *d);
vae_data vbind_data(const vae_bind *b, const int32_t **cov_ptrs);
void vbind_free(vae_bind *b);

/* Save / load the binding and its model (HDF5, atomic). */
int vae_save(const vae_bind *b, const char *path, sc_err *e);
int vae_load(vae_bind *b, const char *path, sc_err *e);

#endif

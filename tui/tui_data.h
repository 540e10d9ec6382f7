/* tui_data.h: what the Features and Feature-detail screens read.
 *
 * The interface draws; the inspection code (src/inspect.c and friends)
 * computes.  These read-only views are that boundary: the inspection code
 * fills them from the session's SAE and data, the screens only draw them.
 * Until an SAE is trained, tui_data_features() reports none and the screens
 * say "no SAE trained yet".  Every pointer inside a view is owned by the
 * provider and stays valid until the next provider call or the free
 * function; strings may be NULL for "not known". */
#ifndef SC_TUI_DATA_H
#define SC_TUI_DATA_H

#include <stdint.h>

#include "err.h"
#include "session.h"

/* One row of the Features table. */
typedef struct tui_feature_row {
    int id;                 /* feature index in the SAE */
    double density;         /* share of cells where it is active, [0, 1] */
    const char *label;      /* best-matching obs label ("CD14 Mono"), NULL: none */
    const char *label_col;  /* the obs column the label comes from */
    double auroc;           /* AUROC of the feature for that label; NaN: none */
    double purity;          /* share of its active cells with that label */
    double batch_assoc;     /* association with the batch (0 none .. 1 only one batch) */
    int dead;               /* never active on the data: marked in the table */
    int batch_following;    /* follows the batch more than any label: marked */
    const char *top_genes;  /* "CD14, LYZ, S100A8" (decoder lens), NULL: none */
} tui_feature_row;

/* The table: every feature of the current SAE. */
typedef struct tui_feature_table {
    const char *model;           /* "sae (topk, 512 features on vae latent)" */
    int n;                       /* 0: no SAE trained yet */
    const tui_feature_row *rows; /* n rows, in feature order; the screen sorts its view */
} tui_feature_table;

/* What `feature N` shows, as panels.  For a latent dimension of the VAE
 * (is_latent = 1) the same layout applies with id = the dimension. */
typedef struct tui_feature_detail {
    int id, is_latent;
    const tui_feature_row *summary;  /* the table row; NULL for a latent dim */
    /* activation histogram: the activations of every cell (zeros included) */
    const double *act;
    int64_t nact;
    /* top cells by activation */
    int ncells;
    const char *const *cell_names;   /* obs index */
    const char *const *cell_labels;  /* their label (label_col), NULL entries allowed */
    const double *cell_act;
    /* top genes: correlation of expression with the activation, and the
     * gene-lens value (decoder direction mapped to genes) */
    int ngenes;
    const char *const *gene_names;
    const double *gene_corr;
    const double *gene_lens;
    /* cell types among the active cells, for the bar chart */
    int ntypes;
    const char *const *type_names;
    const double *type_counts;
} tui_feature_detail;

/* The feature table of the session's SAE (out->n = 0 when there is none). */
int tui_data_features(session *s, tui_feature_table *out, sc_err *e);
/* Detail of feature (or latent dimension) `id`; -1 with e set when out of
 * range or nothing is trained. */
int tui_data_feature_detail(session *s, int id, int is_latent, tui_feature_detail *out,
                            sc_err *e);
void tui_data_feature_detail_free(tui_feature_detail *d);
/* Number of latent dimensions of the session's VAE (0: none). */
int tui_data_latent_dims(const session *s);

#endif

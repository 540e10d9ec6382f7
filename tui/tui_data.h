/* tui_data.h: what the Features, Feature-detail and Data screens read.
 *
 * The interface draws; src/ computes.  This provider is that boundary: it
 * asks the inspection code (ftable.h for the feature table, fview.h for one
 * feature or latent direction, qc.h and the `info` command for the data)
 * and keeps a copy the screens draw from.  Every string and array inside a
 * view is owned by the provider (no pointer into the session), so a command
 * that replaces the data or a model cannot leave a screen reading freed
 * memory; the copies stay valid until tui_data_reset(), which the interface
 * calls after every command.
 *
 * Computing can take a second or two (the table explains every feature, a
 * view correlates it with every gene).  Each call takes `may_compute`: 0
 * returns 1 ("not computed yet") instead of computing, so the screen can
 * say "computing..." first and the loop calls again with may_compute = 1.
 * An error is kept too (the same message until the next reset) so a screen
 * does not retry a failed computation on every redraw. */
#ifndef SC_TUI_DATA_H
#define SC_TUI_DATA_H

#include <stdint.h>

#include "err.h"
#include "session.h"

/* Sort keys of the Features table, the order `s` cycles through.  Every
 * key but the id sorts the best first (highest; for the batch association
 * the highest too, to find batch-following features). */
typedef enum {
    TUI_SORT_ID, TUI_SORT_PURITY, TUI_SORT_AUROC, TUI_SORT_DENSITY, TUI_SORT_BATCH,
    TUI_SORT_EXPLAINED, TUI_NSORT
} tui_sort;
extern const char *const tui_sort_names[TUI_NSORT];

/* One row of the Features table. */
typedef struct tui_feature_row {
    int id;                 /* feature index in the SAE */
    double density;         /* share of cells where it is active, [0, 1] */
    char label[64];         /* best-matching category ("TypeA"), "" when none */
    char label_col[48];     /* the obs column it comes from */
    double auroc;           /* AUROC of the feature for that label; NaN: none */
    double purity;          /* share of its active cells with that label; NaN: none */
    double batch_u;         /* association with the batch (Theil's U, 0..1); NaN: no batch */
    double explained;       /* F1 of its explanation; NaN: none */
    char explain[128];      /* "TypeA & stim", "" when none */
    int dead, dense, follows_batch; /* marked in the table */
    char top_genes[128];    /* "TypeA_m1, TypeA_m3, IFN_2" (by correlation) */
} tui_feature_row;

/* The table: every feature of the current SAE. */
typedef struct tui_feature_table {
    char model[160];              /* what the SAE is ("sae: 64 features on vae") */
    int n;                        /* 0: no SAE trained yet */
    const tui_feature_row *rows;  /* n rows, in feature order */
    const int *order;             /* n row indices in the asked sort */
} tui_feature_table;

/* The feature table (sorted by `sort`, reversed when `rev`): 0 with *out
 * filled (out->n = 0 and a reason in e->msg when there is no SAE or no
 * data), 1 when may_compute is 0 and it is not computed yet, -1 with e set
 * on an error. */
int tui_data_features(session *s, int may_compute, int sort, int rev, tui_feature_table *out,
                      sc_err *e);

/* What `feature N` (or `dim N`) shows, laid out for panels. */
typedef struct tui_cell {
    char name[48];
    char label[48]; /* in the label column of the cell-type panel; "" when missing */
    double act;
} tui_cell;

typedef struct tui_gene {
    char name[32];
    double corr; /* Pearson correlation of expression with the activation */
    double lens; /* gene-lens log2 fold change; NaN when not available */
} tui_gene;

typedef struct tui_feature_detail {
    int is_dim;          /* 0: SAE feature `view`; 1: latent direction view (2i = dim i+) */
    int view;
    int nviews;          /* features (or direction views) there are: for n/p */
    char name[48];       /* "feature 12", "dim 3+" */
    int64_t ncells, active;
    double density;
    char explain[200];   /* "explained by TypeA & stim (F1 0.51)" or why not */
    char purity[200];    /* "cell_type TypeA 0.48  batch batch1 0.70 (batch)" */
    int follows_batch;
    /* the histogram: the scores of the active cells (features) or of every
     * cell (directions) */
    const double *act;
    int64_t nact;
    int64_t inactive;
    /* top cells, best first, with their label in `label_col` */
    char label_col[48];
    int ncells_top;
    const tui_cell *cells;
    /* genes most correlated with the score, best first, with their lens value */
    int ngenes;
    const tui_gene *genes;
    int have_lens;
    char lens_reason[160];
    /* cells per category of label_col among the active cells (bar chart) */
    int ntypes;
    const char *const *type_names;
    const double *type_counts;
} tui_feature_detail;

/* The view of feature (is_dim 0) or direction view (is_dim 1) `view`:
 * 0 with *out filled, 1 when not computed yet and may_compute is 0, -1 with
 * e set (nothing trained, out of range). */
int tui_data_detail(session *s, int may_compute, int is_dim, int view, tui_feature_detail *out,
                    sc_err *e);

/* The Data screen's text: the `info` report and the per-cell quality
 * summary (quantiles and a histogram of the counts per cell), as lines.
 * 0 with *lines / *n set (n = 0 without data), 1 when not computed yet
 * (with the lines from before the last reset, if any, to show meanwhile),
 * -1 with e set.  `charset` chooses the histogram's glyphs (tp_charset). */
int tui_data_summary(session *s, int may_compute, int charset, int width, const char *const **lines,
                     int *n, sc_err *e);

/* Drop every copy: after a command (all = 0: the data summary's lines stay
 * on show, marked stale, until the new ones are computed), and when the
 * interface closes (all = 1). */
void tui_data_reset(int all);

#endif

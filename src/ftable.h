/* ftable.h: the table of every SAE feature: `features`, the TUI's Features
 * screen, `export features` and the feature table in the exported .h5ad all
 * read this one computation.
 *
 * Per feature: how often it fires; its explanation (explain.h: the label or
 * two-label conjunction that best matches its active cells, by
 * best-threshold F1) over the label columns; purity and AUROC against the
 * primary label (the cell type); association with the batch and with the
 * biological labels (Theil's U, inspect.h) and whether it follows batch more
 * than biology; optionally its most correlated genes.  Label columns: the
 * ones asked for, else insp_labels' defaults; the batch column is always
 * added.  The primary label: the first column asked for, else a column named
 * like a cell type (cell_type, celltype, cell_type_label,
 * seurat_annotations, cell type, labels), else the first label. */
#ifndef SC_FTABLE_H
#define SC_FTABLE_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "explain.h"
#include "insp.h"
#include "session.h"

#define FTABLE_MAX_LABELS 64
#define FTABLE_TOP_GENES 3

typedef struct ftable_row {
    int32_t id;
    int64_t active;          /* cells where it fires */
    double density;          /* active / cells */
    explain_hit expl;        /* cols index ftable.lab[] */
    char explanation[128];   /* explain_format; "-" for none */
    int32_t pur_cat;         /* primary label's most common category among active cells; -1 */
    double purity, entropy;  /* its share; entropy (bits) of the active cells' categories */
    double auroc;            /* one-vs-rest AUROC of the activation for pur_cat (all cells) */
    double batch_u, bio_u;   /* Theil's U of the batch / the best biological label; NaN: none */
    int dead, dense, follows_batch;
    char top_genes[128];     /* "CD14, LYZ, S100A8" by Pearson; "" when not computed */
} ftable_row;

typedef struct ftable {
    int32_t n;
    ftable_row *rows;
    int nlab;
    int lab[FTABLE_MAX_LABELS]; /* indices into the inspection state's labels */
    int primary;                /* index into lab[], -1: no label */
    int batch;                  /* index into lab[], -1: no batch column */
    int with_genes;
    double dense_frac;          /* a feature firing on more than this share is dense */
    explain_share share;        /* features explained at F1 >= FTABLE_MIN_F1 */
    explain_share dir_share;    /* the same for the latent directions (nlive 0: none) */
    double seconds;             /* time to compute */
} ftable;

#define FTABLE_MIN_F1 0.7

/* The table of the session's SAE over `labels` (comma-separated obs columns,
 * NULL or "": the defaults), computed once and cached in the inspection
 * state (a table with genes also serves a request without).  Borrowed: valid
 * until the data or a model changes or another label list is asked for. */
int ftable_get(session *s, insp_ctx *c, const char *labels, int with_genes, const ftable **out,
               sc_err *e);

/* Feature order for `sort`: id, explained (F1 high first), purity, auroc,
 * density, batch (batch U high first); ties by id.  order: t->n entries. */
int ftable_order(const ftable *t, const char *sort, int32_t *order, sc_err *e);

/* One row per feature (index "feature_<id>") with every column above. */
int ftable_frame(const ftable *t, const insp_ctx *c, sc_frame *out, sc_err *e);

#endif

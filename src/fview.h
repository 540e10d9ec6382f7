/* fview.h: the single-view inspection screen (`feature N`, `dim N`): one
 * SAE feature or one signed latent direction described by everything the
 * inspection library knows about it, gathered into one owned struct so the
 * REPL (fview_print) and the TUI detail screen show the same numbers.
 *
 * Statistics (density, histogram, purity, association, explanation, gene
 * correlations) always use ALL cells, so a view's numbers stay comparable
 * whatever is selected; the selection (s->sel) restricts only the listed
 * top cells and the rows of the cells export (fview_cells_frame). */
#ifndef SC_FVIEW_H
#define SC_FVIEW_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "err.h"
#include "explain.h"
#include "insp.h"
#include "inspect.h"
#include "session.h"

typedef struct fview_opts {
    int64_t top_cells;  /* cells listed (default 10) */
    int32_t top_genes;  /* genes listed at each end (default 10) */
    int32_t bins;       /* histogram bins (default 20) */
    const char *labels; /* comma-separated obs columns; NULL: insp_labels defaults */
} fview_opts;
void fview_opts_init(fview_opts *o);

/* One label column's view of the feature. */
typedef struct fview_label {
    int lab;                /* index into c->lab */
    inspect_purity purity;  /* over the active cells; count/auroc owned (c->lab[lab].ncat) */
    inspect_purity top;     /* over the top_m highest cells (all cells, not the selection);
                             * count owned, auroc NULL */
    inspect_assoc assoc;
    int is_batch;           /* this column is the data's batch key */
} fview_label;

typedef struct fview {
    int is_dim;             /* 0: SAE feature, 1: latent direction */
    int32_t view;           /* feature id, or direction view (2i = dim i+, 2i+1 = dim i-) */
    char name[48];          /* "feature 12" / "dim 3+" */
    int64_t ncells;         /* all cells */
    int64_t active;         /* cells with a score > 0 */
    double density;         /* active / ncells */
    /* histogram (inspect_hist): features bin active cells, dims every cell */
    int32_t bins;
    int64_t *hist;          /* bins counts */
    double hist_lo, hist_hi;
    int64_t hist_inactive;
    /* top cells, best first, restricted to the selection when one exists */
    int64_t ntop;
    int32_t *top_cell;      /* obs indices */
    float *top_val;
    int selected;           /* 1: top cells were restricted to s->sel */
    int64_t top_m;          /* M of the top-M purity (opts top_cells) */
    /* labels (the columns asked for, or the defaults) */
    int nlabel;
    fview_label *label;
    int follows_batch;      /* inspect_follows_batch over the batch label vs the others */
    int batch_label;        /* index into label[] of the batch column, -1 if none */
    /* one-line explanation over the same label columns (explain.col_a and
     * col_b index label[], not c->lab) */
    int have_explain;
    explain_hit explain;
    char explain_text[160];
    /* genes: correlation of the score with every gene of the data */
    int64_t ngenes;
    double *pearson, *spearman;   /* ngenes each, NaN for constant genes */
    int32_t ntop_genes;           /* written to each list below */
    int32_t *p_top, *p_bottom;    /* gene indices by Pearson (highest / lowest) */
    int32_t *s_top, *s_bottom;    /* by Spearman */
    int32_t nspearman_top, nspearman_bottom, npearson_top, npearson_bottom;
    /* gene lens (features only): log2 fold change of the top Pearson genes
     * (lens_p_top[i] for p_top[i]) and the lens's own strongest genes */
    int have_lens;
    char lens_reason[SC_ERR_MAX]; /* why not, when have_lens == 0 */
    double *lens_p_top;           /* npearson_top values (NaN: gene not in the VAE) */
    int32_t nlens;                /* lens's strongest genes listed (up to top_genes) */
    int32_t *lens_up, *lens_down; /* var indices, by lfc highest / lowest */
    double *lens_up_val, *lens_down_val;
    int32_t nlens_up, nlens_down;
} fview;

/* Build the view (is_dim 0: feature `view` of c->feat; 1: direction view of
 * c->dir).  c must have the parts needed (INSP_FEAT or INSP_DIR, INSP_GENES);
 * out is zeroed first and owns its arrays.  A missing gene lens is not an
 * error (have_lens = 0 with lens_reason). */
int fview_build(session *s, insp_ctx *c, int is_dim, int32_t view, const fview_opts *o, fview *out,
                sc_err *e);
void fview_free(fview *v);

/* The compact text screen (~80 columns, sections with headers). */
int fview_print(session *s, insp_ctx *c, const fview *v, FILE *out, sc_err *e);

/* Cells table for export: every active cell (features) or every cell (dims)
 * sorted by score, highest first; row names the obs index, column
 * "activation", then every categorical obs column as a label column; only
 * selected cells when a selection exists. */
int fview_cells_frame(session *s, insp_ctx *c, int is_dim, int32_t view, sc_frame *out, sc_err *e);

/* Parse a view reference for commands and the TUI: checks the range against
 * the source and names it in the error ("feature 99 is out of range: the SAE
 * has 64 features (0..63)").  For dims, sign '+' or '-'; sets *view. */
int fview_resolve(insp_ctx *c, int is_dim, int64_t n, char sign, int32_t *view, sc_err *e);

#endif

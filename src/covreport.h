/* covreport.h: the `coverage` report of one label, computed once per SAE and
 * label and cached in the inspection state: coverage.h's per-category rows
 * and summary (best single feature, best latent direction, best family),
 * the seed's singular-correlation counts for features and latent
 * dimensions, and the explained shares from the feature table. */
#ifndef SC_COVREPORT_H
#define SC_COVREPORT_H

#include "coverage.h"
#include "dataset.h"
#include "err.h"
#include "ftable.h"
#include "insp.h"
#include "session.h"

typedef struct covreport {
    int lab;                 /* label index in the inspection state */
    int32_t ncat;
    coverage_row *rows;      /* ncat */
    coverage_summary sum;
    int have_dir;            /* latent directions were compared */
    coverage_opts opts;
    double seed_thr;         /* |r| threshold of the seed's measure */
    int ncols;               /* one-hot columns of the seed's measure and explain */
    int cols[FTABLE_MAX_LABELS];
    coverage_seed seed_feat, seed_dim;
    explain_share feat_share, dir_share; /* F1 >= FTABLE_MIN_F1 over cols */
} covreport;

/* label: the obs column to cover; columns: comma-separated columns for the
 * explain shares and the seed's measure (NULL: the feature table's default
 * labels).  Borrowed result, cached until the state changes or another
 * request comes. */
int covreport_get(session *s, insp_ctx *c, const char *label, const char *columns,
                  const coverage_opts *o, double seed_thr, const covreport **out, sc_err *e);

/* One row per category of the label (index = category), the table's
 * numbers as columns. */
int covreport_frame(const covreport *r, const insp_ctx *c, sc_frame *out, sc_err *e);

/* "feature 12" / "dim 3-" of a coverage view (-1: "-"). */
void covreport_view_name(const insp_ctx *c, int is_dim, int32_t view, char *buf, size_t size);

#endif

/* covreport.h: the coverage table (`coverage label=COL`, cmd-coverage.c) as
 * a frame, for `export coverage`. */
#ifndef SC_COVREPORT_H
#define SC_COVREPORT_H

#include "dataset.h"
#include "err.h"
#include "session.h"

/* One row per category of `label` (index = category name): the best
 * feature, latent direction and family with their F1, precision, recall and
 * AUROC, purities and winners.  label NULL or "": the label of the last
 * `coverage` / `families`.  Reuses their cached result for that label, else
 * computes with the default options. */
int coverage_frame(session *s, const char *label, sc_frame *out, sc_err *e);

#endif

/* coverage.h: how well SAE features and latent directions cover the
 * categories of a label (the seed's claim, stated so it can fail).
 *
 * For each category c of the label:
 *   - the best single SAE feature and the best latent direction (both
 *     signs), chosen by best-threshold F1 (stats_f1_cats; features use
 *     thresholds inside their active cells), with their one-vs-rest AUROC;
 *   - the best feature family: up to COVERAGE_FAMILY_MAX features whose
 *     union covers c.  A family member k contributes its cells with
 *     f_k >= t_k; the union is the OR of those sets.  Families are found
 *     greedily and exactly rather than from a co-activation or decoder
 *     similarity proxy: start from the best single feature (at its best
 *     threshold), then add the feature and threshold that raise the union's
 *     F1 most, scanning every feature (one pass over each feature's sorted
 *     activations per step: O(stored activations) per step and category);
 *     stop when the gain is not above family_min_gain.  The family's AUROC
 *     is that of the union score max_k f_k / t_k (>= 1 exactly on the union);
 *   - like with like: the best feature's active set has N labelled cells
 *     and purity (share of c) p_f; the best direction's purity is measured
 *     on its top N labelled cells, not on a threshold of its own choosing.
 * The summary gives mean best F1 and AUROC of each view kind, the number of
 * categories each wins (F1 higher by more than win_margin), and over all
 * live features the mean purity of their active sets against the best
 * latent direction's purity on its top-N cells for the same N.
 *
 * coverage_seed_measure is the seed's own measure (pedroglrz/sparseSC
 * notebooks/analysis_1.ipynb): one-hot encode the label columns (a missing
 * label is 0 in every column, as pandas.get_dummies does), Pearson-correlate
 * each view with each one-hot column over all cells, and count the views
 * with |r| > thr for exactly one column.  A latent dimension is counted once
 * (|r| is the same for both signs); a constant view has no r and is never
 * counted, as numpy's NaN comparisons do. */
#ifndef SC_COVERAGE_H
#define SC_COVERAGE_H

#include <stdint.h>

#include "err.h"
#include "inspect.h"
#include "stats.h"

#define COVERAGE_FAMILY_MAX 3

typedef struct coverage_opts {
    int family_max;         /* 1..COVERAGE_FAMILY_MAX (3) */
    double family_min_gain; /* 0.01 */
    double win_margin;      /* 0.01 */
} coverage_opts;
void coverage_opts_init(coverage_opts *o);

typedef struct coverage_best {
    int32_t view; /* -1: none */
    double auroc;
    stats_f1 f1;
} coverage_best;

typedef struct coverage_family {
    int32_t n; /* members; 0: none */
    int32_t view[COVERAGE_FAMILY_MAX];
    float threshold[COVERAGE_FAMILY_MAX];
    double auroc;
    stats_f1 f1; /* of the union; threshold 1 on the union score */
} coverage_family;

typedef struct coverage_row {
    int32_t cat;
    int64_t npos;
    coverage_best feat, dir;
    coverage_family fam;
    int64_t feat_active; /* labelled active cells of the best feature */
    double feat_purity;  /* share of the category among them */
    double dir_purity;   /* share among the best direction's top feat_active cells */
} coverage_row;

typedef struct coverage_summary {
    int32_t ncat;                        /* categories with cells */
    double feat_f1, dir_f1, fam_f1;      /* mean best F1 over them */
    double feat_auroc, dir_auroc, fam_auroc;
    int32_t feat_wins, dir_wins;         /* single feature vs direction */
    int32_t fam_wins, fam_losses;        /* family vs direction */
    int64_t nlive;                       /* features with a labelled active cell */
    double feat_purity;                  /* mean purity of their active sets */
    double dir_purity_matched;           /* mean best-direction purity on top-N, N matched */
} coverage_summary;

/* rows: lab->ncat entries.  feat or dir may be NULL (its fields stay -1 /
 * 0), not both. */
int coverage_run(const inspect_src *feat, const inspect_src *dir, const stats_label *lab,
                 const coverage_opts *o, coverage_row *rows, coverage_summary *sum, sc_err *e);

typedef struct coverage_seed {
    int64_t nview;     /* features, or latent dimensions */
    int64_t ndefined;  /* non-constant views */
    int64_t nsingular; /* |r| > thr for exactly one one-hot column */
} coverage_seed;
/* col_of / cat_of (optional, one entry per counted view): the one-hot
 * column a singular view correlates with, else -1. */
int coverage_seed_measure(const inspect_src *s, const stats_label *cols, int ncol, double thr,
                          coverage_seed *out, int32_t *col_of, int32_t *cat_of, sc_err *e);

#endif

/* explain.h: the one-line answer to "what is this feature?".
 *
 * For every view of a source (SAE feature, or signed latent direction) find
 * the label that best matches its high-scoring cells: a single category of
 * one column ("CD14 Mono"), or a conjunction of two categories from two
 * different columns ("CD14 Mono & stim"), scored by best-threshold F1 of
 * "score >= t" as a detector of the label (stats_f1_cats).  Features use
 * thresholds inside their active cells only; latent directions any
 * threshold, including the lowest, which predicts every cell and gives any
 * category holding more than 54 % of the labelled cells F1 >= 0.7 (2P/(N+P));
 * a feature gets that only by being active on that many cells.  A conjunction replaces the best single label only when its F1
 * is higher by more than min_gain, so "B" wins over "B & stim" when B cells
 * are all stimulated.  Ties go to the earlier column, then category.
 *
 * Cost per view: O(listed cells + categories) per column and per pair of
 * columns; OpenMP over views.  Pairs of columns are encoded as combined
 * categories (a x nb + b), so a pair may have at most EXPLAIN_MAX_PAIR_CATS. */
#ifndef SC_EXPLAIN_H
#define SC_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "inspect.h"
#include "stats.h"

#define EXPLAIN_MAX_PAIR_CATS 100000

typedef struct explain_opts {
    int conjunctions; /* try pairs of columns (default 1) */
    double min_gain;  /* default 0 */
} explain_opts;
void explain_opts_init(explain_opts *o);

typedef struct explain_hit {
    int32_t col_a, cat_a; /* -1: nothing matched (a dead feature) */
    int32_t col_b, cat_b; /* -1 for a single label */
    stats_f1 f1;          /* F1, precision, recall, threshold, counts */
} explain_hit;

/* out: one hit per view (s->nview).  cols: the label columns, each over
 * s->ncells cells. */
int explain_run(const inspect_src *s, const stats_label *cols, int ncol, const explain_opts *o,
                explain_hit *out, sc_err *e);

/* "CD14 Mono & stim" (category names from cols[].cats, else "COL=CODE");
 * "-" for no match. */
void explain_format(const explain_hit *h, const stats_label *cols, char *buf, size_t size);

/* Share of live views explained at F1 >= min_f1 (0.7 in the issue).  Live:
 * a feature with an active cell; every latent direction. */
typedef struct explain_share {
    int64_t nlive, nexplained, nconj; /* nconj: explained by a conjunction */
    double share;                     /* nexplained / nlive (0 when none live) */
} explain_share;
void explain_share_of(const inspect_src *s, const explain_hit *h, double min_f1,
                      explain_share *out);

#endif

/* stats.h: the statistics behind feature inspection, over plain arrays.
 *
 * Most functions work on a score in *ranked form*: the listed entries of a
 * score sorted by value, highest first, with every unlisted cell at 0.  A
 * sparse SAE feature lists only its non-zero cells; a dense score lists all
 * of them.  Walking tie groups in that order gives, in one pass for every
 * category of a label at once, the Mann-Whitney AUROC (average ranks for
 * ties) and the best-threshold F1 — O(listed + categories) per score, so a
 * feature active on 1 % of 100k cells costs about 1k steps, not 100k.
 *
 * Labels: categorical codes in [0, ncat) with -1 for missing.  Cells with a
 * missing label take no part in AUROC, F1 or mutual information (they are
 * neither positives nor negatives).
 *
 * Entropy and mutual information are in bits. */
#ifndef SC_STATS_H
#define SC_STATS_H

#include <stdint.h>

#include "err.h"

/* A score over n cells in ranked form (see above).  val is non-increasing;
 * ties may come in any order.  Negative values are allowed: the unlisted
 * cells sit between the positive and the negative entries. */
typedef struct stats_ranked {
    int64_t n;
    int64_t m;            /* listed entries */
    const int32_t *cell;  /* m cell indices, distinct, in [0, n) */
    const float *val;     /* m values */
} stats_ranked;

/* A categorical label prepared for many scans: the per-category totals are
 * counted once.  name and cats are borrowed (may be NULL) and only used for
 * messages and display by the modules above. */
typedef struct stats_label {
    const char *name;
    const char *const *cats;
    int64_t n;
    const int32_t *code; /* borrowed, n codes */
    int32_t ncat;
    int64_t *total;      /* owned: cells per category */
    int64_t nlab;        /* cells with a label */
} stats_label;

/* Count the categories; a code outside [-1, ncat) is an error that names the
 * label and the cell. */
int stats_label_init(stats_label *l, const char *name, const int32_t *code, int64_t n,
                     int32_t ncat, const char *const *cats, sc_err *e);
void stats_label_free(stats_label *l);

/* Per-thread scratch for the category scans: sized for ncat categories and
 * (for binned mutual information) nbins bins. */
typedef struct stats_ws {
    int32_t cap, bins;
    int64_t *cnt, *tp;
    double *rsum;
    int32_t *touched;
    uint8_t *mark;
    int64_t *joint; /* bins x cap */
} stats_ws;
int stats_ws_init(stats_ws *w, int32_t ncat, int32_t nbins, sc_err *e);
void stats_ws_free(stats_ws *w);

/* Sort parallel arrays by value descending, then cell ascending (so the
 * order is deterministic).  In place, no allocation, O(m log m) worst case. */
void stats_sort_desc(int32_t *cell, float *val, int64_t m);

/* One-vs-rest AUROC of the score for every category of l, with ties
 * counted one half (the Mann-Whitney U / (P N) over labelled cells).
 * auroc[c] is NaN when category c has no positive or no negative cell.
 * ws must hold l->ncat categories. */
void stats_auroc_cats(const stats_ranked *r, const stats_label *l, double *auroc, stats_ws *ws);

/* Best-threshold F1 of "score >= t" as a detector of one category. */
typedef struct stats_f1 {
    double f1, precision, recall;
    float threshold;   /* the highest threshold reaching the best F1 */
    int64_t tp, npred, npos;
} stats_f1;

/* For every category: the threshold t over the distinct score values that
 * maximises F1 = 2 TP / (npred + npos), with TP and npred counted over
 * labelled cells with score >= t.  With `positive_only`, t ranges over
 * values > 0 only (an SAE feature's active cells; never "every cell").  A
 * category with no positive cell, or no admissible threshold, gets f1 = 0,
 * npred = 0 and threshold NaN. */
void stats_f1_cats(const stats_ranked *r, const stats_label *l, int positive_only,
                   stats_f1 *out, stats_ws *ws);

/* The same scans with the labels already gathered in ranked order:
 * pcode[i] is the code of r->cell[i] (l->code is not read).  A caller that
 * scans one view against several labels fetches each cell's labels once
 * (one cache miss per cell instead of one per cell and label). */
void stats_auroc_cats_at(const stats_ranked *r, const int32_t *pcode, const stats_label *l,
                         double *auroc, stats_ws *ws);
void stats_f1_cats_at(const stats_ranked *r, const int32_t *pcode, const stats_label *l,
                      int positive_only, stats_f1 *out, stats_ws *ws);

/* Convenience forms over a dense float score (they sort a copy). */
int stats_auroc(const float *score, const uint8_t *pos, int64_t n, double *auroc, sc_err *e);
int stats_best_f1(const float *score, const uint8_t *pos, int64_t n, int positive_only,
                  stats_f1 *out, sc_err *e);

/* Average ranks (1-based, ascending) of a ranked score over all n cells,
 * the unlisted cells tied at 0: rank[cell] for every cell. */
void stats_ranked_ranks(const stats_ranked *r, double *rank);

/* Pearson correlation (two-pass, in double); NaN when either side is
 * constant or n < 2. */
double stats_pearson(const double *x, const double *y, int64_t n);
/* Average ranks (1-based; tied values share the mean of their ranks). */
int stats_rank_average(const double *x, int64_t n, double *rank, sc_err *e);
/* Spearman correlation: Pearson of the average ranks. */
int stats_spearman(const double *x, const double *y, int64_t n, double *rho, sc_err *e);

/* Shannon entropy in bits of a count vector (zero counts contribute 0);
 * 0 for an empty vector. */
double stats_entropy(const int64_t *count, int32_t k);

/* Mutual information in bits of a rows x cols contingency table, with the
 * row and column entropies (h_row, h_col may be NULL). */
double stats_mi_table(const int64_t *joint, int32_t rows, int32_t cols, double *h_row, double *h_col);

/* Mutual information (bits) between a binned score and a label, over
 * labelled cells.  nbins == 0: two bins, active (score > 0) or not;
 * nbins >= 2: equal-count bins along the ranked order, a tie group kept
 * whole in the bin that holds its middle.  *h_score receives the entropy of the binned score (may be NULL).
 * ws must be sized for l->ncat categories and max(nbins, 2) bins. */
double stats_mi_ranked(const stats_ranked *r, const stats_label *l, int32_t nbins,
                       double *h_score, stats_ws *ws);

/* log(n!) accurate to about 1e-15 relative, thread-safe (no lgamma). */
double stats_lfact(int64_t n);
/* log of the binomial coefficient C(n, k); -INFINITY when k < 0 or k > n. */
double stats_lchoose(int64_t n, int64_t k);

/* Hypergeometric upper tail in log space: log P(X >= k) for X the number of
 * successes in `draws` draws without replacement from a population of
 * `pop` holding `succ` successes.  0 when k is at or below the lowest
 * possible value, -INFINITY above the highest.  (scipy's hypergeom.sf(k)
 * is P(X > k), i.e. this at k + 1.)  Parameters out of range give NaN. */
double stats_hyper_logsf(int64_t k, int64_t pop, int64_t succ, int64_t draws);

/* Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1).
 * NaN p-values are left out of the family and give NaN. */
int stats_bh(const double *p, int64_t n, double *q, sc_err *e);

#endif

/* simulate.h: a count data set with known ground truth, in the manner of
 * Splatter's "Splat" model (Zappia, Phipson & Oshlack 2017, Genome Biology).
 *
 * The model, per gene g and cell i:
 *   base mean      m_g ~ Gamma(mean_shape, mean_rate); with probability
 *                  out_prob replaced by median(m) * LogNormal(out_loc, out_scale)
 *   programs       each cell type has marker genes whose mean is multiplied
 *                  by f ~ LogNormal(de_loc, de_scale) in that type (1/f for a
 *                  share de_down of them); a condition program ("IFN_*" genes)
 *                  is multiplied by its factor in every stimulated cell of
 *                  every type; mitochondrial ("MT-") genes get a per-cell
 *                  LogNormal(0, 0.3) factor so pct_counts_mt varies
 *   batch          per batch and gene a factor exp(N(0, batch_effect^2)), and
 *                  a per-batch depth factor from the same law
 *   library size   L_i ~ LogNormal(log(lib_size), lib_scale) * depth(batch)
 *   cell mean      mu_gi = L_i * (m_g * factors) / sum_g (m_g * factors)
 *   counts         NB(mu_gi, 1/bcv^2) with Splatter's BCV trend
 *                  bcv = (bcv_common + 1/sqrt(mu_gi)) * sqrt(bcv_df / X_g),
 *                  X_g ~ chi-square(bcv_df) drawn once per gene
 *   dropout        (optional) a count is zeroed with probability
 *                  1 / (1 + exp(-dropout_shape * (log(mu_gi) - dropout_mid)))
 *
 * Deviations from Splatter: genes belong to at most one program (so a name
 * can show it); program genes are drawn among the genes with base mean above
 * the median so their signal is detectable; batch factors are log-normal
 * around 1 instead of Splatter's folded log-normal; the mito/ribo genes exist
 * so QC has something to measure.
 *
 * Determinism: every cell samples from its own stream (rng_split of the seed
 * by cell index), so the result depends on the seed only, not on the number
 * of threads. */
#ifndef SC_SIMULATE_H
#define SC_SIMULATE_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

typedef struct sim_params {
    int64_t cells, genes;
    int types, batches, conditions;
    uint64_t seed;
    double mean_shape, mean_rate;           /* gene base means */
    double out_prob, out_loc, out_scale;    /* high-expression outliers */
    double lib_size, lib_scale;             /* median library size, log-sd */
    double de_prob, de_down, de_loc, de_scale; /* marker genes per type: share of genes */
    double cond_prob, cond_loc, cond_scale;    /* condition program: share of genes */
    double batch_effect;                    /* sd of log batch factors */
    double bcv_common, bcv_df;
    int dropout;
    double dropout_mid, dropout_shape;
} sim_params;

/* Largest sizes accepted (names and memory stay sane). */
#define SIM_MAX_TYPES 100
#define SIM_MAX_BATCHES 100
#define SIM_MAX_CONDITIONS 10

void sim_params_default(sim_params *p);

/* Check the parameters; the message names the offending one. */
int sim_check(const sim_params *p, sc_err *e);

/* Fill *out (which must be zeroed) with a simulated data set:
 *   obs:  cell_type (TypeA, TypeB, ...), batch (batch1, ...), condition
 *         (ctrl, stim | ctrl, stim1, stim2, ...: dose 1/(C-1), 2/(C-1), ...
 *         of the program's log factor), library_size (expected L_i)
 *   var:  index "TypeA_m1", "IFN_3", "Gene_123", "MT-ND1", "RPL5"; program
 *         (cell type name, "condition" or "none"), de_factor (the planted
 *         factor of the gene's program at full dose; 1 for none), base_mean
 *         (m_g), batch_factor_batchK for each batch
 *   batch_key = "batch".
 * On failure *out is left empty. */
int simulate(const sim_params *p, sc_dataset *out, sc_err *e);

#endif

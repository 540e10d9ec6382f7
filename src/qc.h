/* qc.h: per-cell and per-gene quality metrics, under scanpy's names
 * (calculate_qc_metrics with qc_vars mt and ribo):
 *   obs  total_counts, n_genes_by_counts, pct_counts_mt, pct_counts_ribo
 *   var  n_cells_by_counts, total_counts
 * A gene is mitochondrial when its name starts with "MT-" or "mt-", and
 * ribosomal with "RPS", "RPL", "Rps" or "Rpl".  Names are the var index, or,
 * when the index matches none (Ensembl ids), the first symbol column found
 * among gene_symbols, feature_name, gene_name, gene_names, symbol.
 * A gene counts as detected in a cell when its value is > 0 (explicitly
 * stored zeros do not count).  pct_* of a cell without counts is NaN. */
#ifndef SC_QC_H
#define SC_QC_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

typedef struct qc_genes {
    uint8_t *mito, *ribo; /* per gene flags (owned) */
    int64_t nmito, nribo;
    const char *source; /* "var index" or the var column used (borrowed) */
} qc_genes;

/* Flag mitochondrial and ribosomal genes; free with qc_genes_free. */
int qc_genes_find(const sc_dataset *d, qc_genes *q, sc_err *e);
void qc_genes_free(qc_genes *q);

/* Per-cell metrics into arrays of X.nrows (each may be NULL; q may be NULL
 * when neither pct array is wanted). */
void qc_cell_metrics(const sc_dataset *d, const qc_genes *q, double *total, double *ngenes,
                     double *pct_mt, double *pct_ribo);

/* Per-gene metrics into arrays of X.ncols (each may be NULL). */
void qc_gene_metrics(const sc_dataset *d, double *ncells, double *total);

/* Compute everything and store it as obs/var columns (replacing columns of
 * the same names).  *q receives the gene flags when not NULL (caller frees). */
int qc_store(sc_dataset *d, qc_genes *q, sc_err *e);

/* Linear-interpolated quantile (numpy's default) of the non-NaN values of
 * v; p in [0, 1]; sorts a copy.  out[k] for each p[k]; NaN when all are NaN. */
int qc_quantiles(const double *v, int64_t n, const double *p, int np, double *out, sc_err *e);

#endif

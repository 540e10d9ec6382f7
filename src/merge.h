/* merge.h: append a second data set's cells to the first as a new batch.
 *
 * Genes are matched by Ensembl id (the var column `gene_ids`) when both data
 * sets have one that is complete and unique, else by symbol (the var index);
 * when the ids share no value at all (different namespaces, or a genes.tsv
 * whose id column holds symbols) the symbols are tried instead.
 * `inner` keeps the common genes in the first data set's order; `outer` keeps
 * every gene, the first data set's followed by the second's own, with zeros
 * where a data set lacks the gene.  obs and var columns are the union of both
 * (missing values: NaN, NULL, code -1; categoricals merged by category
 * name; columns whose kinds differ become strings).  obsm entries present
 * in both with the same width are stacked, others are dropped (reported). */
#ifndef SC_MERGE_H
#define SC_MERGE_H

#include <stdint.h>

#include "dataset.h"

typedef struct merge_report {
    int by_id;               /* 1: matched by gene_ids, 0: by symbol */
    int id_fallback;         /* both had gene_ids but none agreed: symbols used */
    int outer;
    int64_t genes_base, genes_add; /* genes before */
    int64_t genes_matched;   /* in both */
    int64_t genes_only_base; /* dropped (inner) or zero for the new cells (outer) */
    int64_t genes_only_add;  /* dropped (inner) or zero for the old cells (outer) */
    int64_t genes_out;
    int64_t genes_renamed;   /* outer: symbols made unique after the union */
    int64_t cells_base, cells_add;
    int64_t cells_renamed;   /* new cells whose names collided, made unique */
    int nbatches;            /* categories of the batch column afterwards */
    int add_batch_replaced;  /* the second data set had its own batch column */
    char note[512];          /* dropped obsm entries, "" if none */
} merge_report;

/* Append add's cells to base as the batch `add_name` in the categorical obs
 * column `batch_col` (NULL: "batch").  When base has no such column it gets
 * one holding `base_name` for all its cells; an existing column (categorical
 * or string) gets add_name as a new category, which must not be in use yet.
 * base->batch_key becomes batch_col.  add is not modified (the caller frees
 * it).  On error base is unchanged and e names both sources. */
int dataset_append_batch(sc_dataset *base, sc_dataset *add, const char *batch_col,
                         const char *base_name, const char *add_name, int outer, merge_report *r,
                         sc_err *e);

#endif

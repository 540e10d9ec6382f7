/* gmt.h: gene sets in GMT format and over-representation of a gene list.
 *
 * GMT (MSigDB): one set per line, tab-separated: NAME, DESCRIPTION, then
 * one gene per field.  Empty gene fields (trailing tabs) are ignored, a gene
 * listed twice in a set counts once, blank lines are skipped, CR before LF
 * is accepted and a gzip-compressed file is read as well.  Rejected, with
 * the file and line number: fewer than 3 fields, an empty name, a set with
 * no gene, a name used twice.
 *
 * Enrichment: the universe is the genes of the data (var names, matched
 * exactly); for each set, K = its genes present in the data, k = how many
 * of the query genes are among them, and p = P(X >= k) for X hypergeometric
 * (universe N, K successes, |query| draws), BH-adjusted over the sets with
 * K > 0.  A set with no gene in the data gets p = q = NaN; when no set has
 * one, gmt_enrich fails with a message naming the file. */
#ifndef SC_GMT_H
#define SC_GMT_H

#include <stdint.h>

#include "err.h"

typedef struct gmt_set {
    char *name, *desc;
    int32_t ngenes;
    char **genes;
    int32_t line;
} gmt_set;

typedef struct gmt_file {
    char *path;
    int32_t nsets;
    gmt_set *sets;
} gmt_file;

int gmt_read(const char *path, gmt_file *out, sc_err *e);
void gmt_free(gmt_file *g);

typedef struct gmt_hit {
    int32_t set;      /* index into the file's sets */
    int32_t size;     /* genes in the set */
    int32_t in_data;  /* K: of them in the universe */
    int32_t absent;   /* size - in_data */
    int32_t overlap;  /* k */
    double fold;      /* (k / n) / (K / N) */
    double logp, p, q;
    int32_t *genes;   /* owned: the k overlapping genes (universe indices) */
} gmt_hit;

/* hits: g->nsets entries in file order (gmt_hits_sort orders them by p).
 * genes: the universe (ngenes names); query: indices into it (duplicates
 * are counted once). */
int gmt_enrich(const gmt_file *g, const char *const *genes, int64_t ngenes, const int32_t *query,
               int32_t nquery, gmt_hit *hits, sc_err *e);
void gmt_hits_free(gmt_hit *hits, int32_t n);
/* By p ascending (NaN last), then set index. */
void gmt_hits_sort(gmt_hit *hits, int32_t n);

#endif

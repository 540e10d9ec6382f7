/* dsubset.h: keep a subset of a data set's cells (rows) or genes (columns),
 * and frame helpers shared by the commands that change tables.
 *
 * Subsetting is atomic: the new X, tables, obsm rows and normalised matrix
 * are built first and swapped in only when all of them exist, so on error
 * the data set is unchanged.  Categorical columns keep all their categories
 * (as anndata does), even those no longer used. */
#ifndef SC_DSUBSET_H
#define SC_DSUBSET_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"

/* keep[i] != 0 keeps row (cell) i / column (gene) i.  Keeping none is
 * allowed here; commands refuse it before calling. */
int dataset_keep_rows(sc_dataset *d, const uint8_t *keep, sc_err *e);
int dataset_keep_cols(sc_dataset *d, const uint8_t *keep, sc_err *e);

/* The rows of f with keep[i] set, as a new frame in *out (nkeep of them). */
int frame_keep_rows(const sc_frame *f, const uint8_t *keep, int64_t nkeep, sc_frame *out,
                    sc_err *e);

/* Add a numeric column, or replace the one of the same name; takes
 * ownership of v (f->n values) on success. */
int frame_set_num(sc_frame *f, const char *name, double *v, int is_int, sc_err *e);

#endif

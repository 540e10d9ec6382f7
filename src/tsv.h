/* tsv.h: tab-separated tables for export (features.tsv, cells.tsv,
 * coverage.tsv): an sc_frame written as one header line and one line per
 * row, readable by pandas.read_csv(sep="\t") and R's read.delim.
 *
 * Conventions (chosen for those readers):
 *   - the first column is the row names, headed by the frame's index_name or
 *     "index" (left out when the frame has no row names);
 *   - missing values (NaN numbers and booleans, NULL strings, categorical
 *     code -1) are empty fields, which both readers take as NA;
 *   - booleans are "true"/"false"; integer columns (is_int) print without
 *     decimals; other numbers with the fewest significant digits (up to 17)
 *     that read back to the same double; infinities as "inf"/"-inf";
 *   - tabs, newlines and carriage returns inside strings (and names) are
 *     replaced by one space each, so every line has the same number of fields.
 * Files are replaced atomically (atomic.h): on failure an existing file is
 * left untouched. */
#ifndef SC_TSV_H
#define SC_TSV_H

#include <stdio.h>

#include "dataset.h"
#include "err.h"

/* Write f to an open stream (e.g. the session's output).  -1 on a write
 * error (e names `what`). */
int tsv_print_frame(FILE *fp, const sc_frame *f, const char *what, sc_err *e);

/* Write f to path, atomically. */
int tsv_write_frame(const char *path, const sc_frame *f, sc_err *e);

/* Format one number as the writer does (buf of at least 32 bytes). */
void tsv_format_num(char *buf, size_t size, double v, int is_int);

#endif

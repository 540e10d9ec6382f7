/* textplot.h: plots drawn into a character grid, one plotting core for
 * several sinks (the idea of gnuplot's `dumb` terminal): the REPL and logs
 * print the grid to a FILE*, the TUI copies its cells into an ncurses window.
 *
 * The grid is width x height character cells.  Its charset decides how finely
 * lines are drawn and which glyphs are used:
 *   TP_UTF8_BRAILLE  lines in braille dots (2 x 4 dots per cell), bars in
 *                    eighth blocks, box-drawing axes
 *   TP_UTF8_BLOCK    lines in half blocks (1 x 2 per cell), for fonts without
 *                    braille; bars and axes as above
 *   TP_ASCII         lines as one marker per cell ('*', '+', 'o', 'x', '@',
 *                    '%' by series), bars '#', axes '|', '-', '+'
 * Every cell also carries a series id for colour: 0 for axes and text, k + 1
 * for the k-th series (or bar).  Rendering is deterministic: the same data
 * and size give the same bytes, so regress tests compare output exactly.
 *
 * Layout of a line plot or histogram (rows top to bottom):
 *   header    title, then "y: YLABEL" (and "(log10)") when given
 *   plot      tick labels right-aligned, then the axis '┤'/'│' ('+'/'|')
 *   x axis    '└' then '─' with '┬' at ticks ('+', '-', '+')
 *   x labels  tick values centred under their ticks; XLABEL at the right end
 *   legend    (line plots with named series) marker and name of each series
 * Linear y ranges are widened to the nearest "nice" ticks (1, 2, 5 x 10^k);
 * log10 ranges are not.  A plot without any plottable point says
 * "(no data)" in the middle. */
#ifndef SC_TEXTPLOT_H
#define SC_TEXTPLOT_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef enum { TP_ASCII, TP_UTF8_BLOCK, TP_UTF8_BRAILLE } tp_charset;

/* TP_UTF8_BRAILLE when the current locale's codeset is UTF-8
 * (nl_langinfo(CODESET); call setlocale(LC_CTYPE, "") first), else TP_ASCII. */
tp_charset tp_charset_from_locale(void);

typedef struct tp_grid tp_grid;

#define TP_MIN_WIDTH 8
#define TP_MIN_HEIGHT 1

tp_grid *tp_grid_new(int width, int height, tp_charset cs, sc_err *e);
void tp_grid_free(tp_grid *g);
void tp_grid_clear(tp_grid *g);
int tp_grid_width(const tp_grid *g);
int tp_grid_height(const tp_grid *g);
tp_charset tp_grid_charset(const tp_grid *g);

/* ---- sinks ---- */

/* The glyph of cell (x, y) as UTF-8 in out (NUL-terminated, a space for an
 * empty cell); returns its series id (0: axes/text, k + 1: series k). */
int tp_cell(const tp_grid *g, int x, int y, char out[5]);

/* Row y as UTF-8 into buf (at most size - 1 bytes, NUL-terminated); trailing
 * blanks dropped when `trim`.  Returns the length written.  A full row needs
 * at most 3 * width + 1 bytes. */
size_t tp_row(const tp_grid *g, int y, char *buf, size_t size, int trim);

/* Print every row (trailing blanks trimmed) followed by '\n'.  With `ansi`,
 * cells of series k are wrapped in an ANSI colour (for terminals): 36, 33,
 * 35, 32, 31, 34 for series 1..6, then again; blanks keep the current colour
 * (fewer escapes), a cell of series 0 or the row's end resets it. */
void tp_print(const tp_grid *g, FILE *out, int ansi);

/* ---- drawing primitives ---- */

/* Write UTF-8 text from cell (x, y) rightwards, one code point per cell,
 * clipped to the grid; invalid bytes show as '?'. */
void tp_text(tp_grid *g, int x, int y, const char *utf8, int series);

/* ---- plots (each clears the grid first) ---- */

typedef struct tp_series {
    const char *name; /* legend entry; NULL: none */
    const double *x;  /* NULL: 0, 1, 2, ... */
    const double *y;  /* NaN (or <= 0 on a log axis) leaves a gap */
    int64_t n;
} tp_series;

typedef struct tp_line_opts {
    const char *title, *xlabel, *ylabel; /* each may be NULL */
    int logy;                            /* log10 y axis */
} tp_line_opts;

int tp_line_plot(tp_grid *g, const tp_series *s, int nseries, const tp_line_opts *o, sc_err *e);

typedef struct tp_hist_opts {
    const char *title, *xlabel, *ylabel; /* each may be NULL */
    int bins; /* 0: one per integer when the data are integers spanning at
               * most the plot width, else Rice's rule 2 n^(1/3) with at most
               * one bin per two columns; never more than one per column */
    int logx; /* bins over log10(value); values <= 0 are left out */
} tp_hist_opts;

/* Histogram of the finite values of v.  *dropped (if not NULL) receives the
 * number of values left out (NaN, infinite, or <= 0 with logx). */
int tp_histogram(tp_grid *g, const double *v, int64_t n, const tp_hist_opts *o, int64_t *dropped,
                 sc_err *e);

typedef struct tp_bar_opts {
    const char *title; /* may be NULL */
    int precision;     /* significant digits of the printed values (0: 4) */
} tp_bar_opts;

/* Horizontal bars, one row each: label, bar (scaled to the largest value;
 * zero, negative and NaN values get none), value.  When the rows do not fit,
 * the last row says how many were left out. */
int tp_barh(tp_grid *g, const char *const *labels, const double *values, int n,
            const tp_bar_opts *o, sc_err *e);

#endif

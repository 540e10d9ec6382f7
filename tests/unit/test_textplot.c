/* test_textplot.c: exact renderings of small plots.  Every expected row
 * below was worked out by hand from the layout rules in textplot.h
 * (tick choice, row/column rounding with lround, Bresenham lines), as the
 * comments before each case show; they are not copies of the output. */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "textplot.h"

/* Compare every row of g (trailing blanks trimmed) with want[]. */
static int rows_are(const tp_grid *g, const char *const *want, const char *what)
{
    int ok = 1;
    char buf[1024];
    for (int y = 0; y < tp_grid_height(g); y++) {
        tp_row(g, y, buf, sizeof buf, 1);
        if (strcmp(buf, want[y]) != 0) {
            if (ok)
                tap_diag("%s: first difference in row %d", what, y);
            tap_diag("  got  |%s|", buf);
            tap_diag("  want |%s|", want[y]);
            ok = 0;
        }
    }
    return tap_ok(ok, "%s", what);
}

int main(void)
{
    sc_err e;
    tp_grid *g;

    /* A. ASCII 20 x 8, y = 0..4 at x = 0..4, no header or legend: ph = 6
     * plot rows.  y ticks: target 6/3+1 = 3, step nice(4/2) = 2: 0 2 4 at
     * rows lround((4-v)/4 * 5) = 5, 3 (2.5 rounds up), 0; labels 1 wide, so
     * the axis is column 2 and the plot columns 3..19 (pw 17).  x ticks:
     * target 17/8+1 = 3, step 2: 0 2 4 at columns 3 + lround(v/4 * 16) =
     * 3, 11, 19.  Points (px, py) = (0,5) (4,4) (8,3) (12,1) (16,0); the
     * Bresenham segments between them give the rows below. */
    static const double ya[5] = {0, 1, 2, 3, 4};
    tp_series sa = {NULL, NULL, ya, 5};
    g = tp_grid_new(20, 8, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, &sa, 1, NULL, &e) == 0, "A: line plot renders");
    static const char *const want_a[8] = {
        "4 +              ***",
        "  |           ***",
        "  |         **",
        "2 +      ***",
        "  |  ****",
        "0 +**",
        "  ++-------+-------+",
        "   0       2       4",
    };
    rows_are(g, want_a, "A: ASCII line plot, ticks 0 2 4 on both axes");
    char cell[5];
    int sid = tp_cell(g, 17, 0, cell);
    tap_ok(sid == 1 && strcmp(cell, "*") == 0, "A: a line cell is series 1 ('%s', %d)", cell, sid);
    sid = tp_cell(g, 2, 0, cell);
    tap_ok(sid == 0 && strcmp(cell, "+") == 0, "A: an axis cell is series 0");
    sid = tp_cell(g, 25, 0, cell);
    tap_ok(sid == 0 && strcmp(cell, " ") == 0, "A: outside the grid reads as a blank");
    char row[256];
    size_t n = tp_row(g, 5, row, sizeof row, 0);
    tap_ok(n == 20 && strncmp(row, "0 +**  ", 7) == 0, "A: untrimmed row keeps its 20 cells");
    tp_grid_free(g);

    /* B. A constant series y = 2 at x = 0, 1 in braille, 16 x 6: ph = 4.
     * The range 2 +- 1 widens to nice ticks 0 2 4 (target 2, step 2), at
     * rows lround((4-v)/4 * 3) = 3, 2 (1.5 rounds up), 0.  The line's dot
     * row is lround(2/4 * 15) = 8: cell row 2, top dot row, both columns =
     * U+2809 in every one of the 13 plot cells.  x ticks: step nice(1/2) =
     * 0.5: 0.0 0.5 1.0 at columns 3 + lround(v * 12) = 3, 9, 15; the last
     * label shifts left to end at column 15. */
    static const double xb[2] = {0, 1}, yb[2] = {2, 2};
    tp_series sb = {NULL, xb, yb, 2};
    g = tp_grid_new(16, 6, TP_UTF8_BRAILLE, &e);
    tap_ok(g && tp_line_plot(g, &sb, 1, NULL, &e) == 0, "B: braille plot renders");
    static const char *const want_b[6] = {
        "4 ┤",
        "  │",
        "2 ┤⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉",
        "0 ┤",
        "  └┬─────┬─────┬",
        "  0.0   0.5  1.0",
    };
    rows_are(g, want_b, "B: braille, constant series centred, decimals on x");
    tp_grid_free(g);

    /* B'. The same in half blocks: dot row lround(2/4 * 7) = 4 is the top
     * half of cell row 2 (U+2580). */
    g = tp_grid_new(16, 6, TP_UTF8_BLOCK, &e);
    tap_ok(g && tp_line_plot(g, &sb, 1, NULL, &e) == 0, "B': block plot renders");
    static const char *const want_b2[6] = {
        "4 ┤",
        "  │",
        "2 ┤▀▀▀▀▀▀▀▀▀▀▀▀▀",
        "0 ┤",
        "  └┬─────┬─────┬",
        "  0.0   0.5  1.0",
    };
    rows_are(g, want_b2, "B': half blocks");
    tp_grid_free(g);

    /* C. log10 y: 1 10 100 1000 at x = 0..3, ASCII 24 x 9 with a title:
     * header row, ph = 6.  Decade ticks (4 <= target + 1 = 4) labelled
     * 1 10 100 1000 at rows lround((3 - lv)/3 * 5) = 5, 3, 2, 0; labels 4
     * wide, plot columns 6..23 (pw 18).  x: step nice(3/2) = 2: ticks 0 2 at
     * columns 6 + lround(v/3 * 17) = 6, 17.  Points (0,5) (6,3) (11,2)
     * (17,0). */
    static const double yc[4] = {1, 10, 100, 1000};
    tp_series sc = {NULL, NULL, yc, 4};
    tp_line_opts oc = {"loss", NULL, NULL, 1};
    g = tp_grid_new(24, 9, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, &sc, 1, &oc, &e) == 0, "C: log plot renders");
    static const char *const want_c[9] = {
        "loss   (log10 y)",
        "1000 +                **",
        "     |             ***",
        " 100 +         ****",
        "  10 +     ****",
        "     |  ***",
        "   1 +**",
        "     ++----------+------",
        "      0          2",
    };
    rows_are(g, want_c, "C: log10 axis with decade ticks");
    tp_grid_free(g);

    /* D. A NaN gap: y = 0 1 NaN 1 0, ASCII 14 x 6: ph 4, ticks 0 1 at rows
     * 3, 0; pw 11; points (0,3) (3,0) | gap | (8,0) (10,3): the two
     * segments are not joined across the gap. */
    static const double yd[5] = {0, 1, NAN, 1, 0};
    tp_series sd = {NULL, NULL, yd, 5};
    g = tp_grid_new(14, 6, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, &sd, 1, NULL, &e) == 0, "D: plot with NaN renders");
    static const char *const want_d[6] = {
        "1 +   *    *",
        "  |  *      *",
        "  | *       *",
        "0 +*         *",
        "  ++----+----+",
        "   0    2    4",
    };
    rows_are(g, want_d, "D: NaN leaves a gap");
    tp_grid_free(g);

    /* E. An empty named series: ranges default to [0, 1], "(no data)" in
     * the middle row of the plot (row (4-1)/2 = 1, column 3 + (17-9)/2 = 7),
     * the legend still names it. */
    tp_series se = {"empty", NULL, NULL, 0};
    g = tp_grid_new(20, 7, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, &se, 1, NULL, &e) == 0, "E: empty series renders");
    static const char *const want_e[7] = {
        "1 +",
        "  |    (no data)",
        "  |",
        "0 +",
        "  ++-------+-------+",
        "  0.0     0.5    1.0",
        "   * empty",
    };
    rows_are(g, want_e, "E: empty series, legend kept");
    tp_grid_free(g);

    /* F. Two named series: ASCII markers '*' and '+' in plot and legend. */
    static const double y1[2] = {0, 1}, y2[2] = {1, 0};
    tp_series two[2] = {{"a", NULL, y1, 2}, {"b", NULL, y2, 2}};
    g = tp_grid_new(20, 7, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, two, 2, NULL, &e) == 0, "F: two series render");
    tp_row(g, 6, row, sizeof row, 1);
    tap_ok(strcmp(row, "   * a   + b") == 0, "F: legend '   * a   + b' (got '%s')", row);
    /* the second series starts top left: (0, 0) is its first point */
    sid = tp_cell(g, 3, 0, cell);
    tap_ok(sid == 2 && strcmp(cell, "+") == 0, "F: series 2 drawn with '+'");
    tp_grid_free(g);

    /* G. Histogram of 1 1 2 3 3 3 (integers: one bin per value, centred),
     * ASCII 20 x 7: ph 5.  Counts 2 1 3; y ticks 0 5 (step nice(3) = 5),
     * a count c is c/5 * 5 rows high from the axis, "0" sits on the axis
     * row.  Bins over 0.5..3.5 take columns b*17/3: 0-4, 5-10, 11-16 of the
     * plot, each less its last column as a gap; x ticks 1 2 3 at
     * floor((v - 0.5)/3 * 17) = 2, 8, 14 (+3). */
    static const double hv[6] = {1, 1, 2, 3, 3, 3};
    g = tp_grid_new(20, 7, TP_ASCII, &e);
    int64_t dropped = -1;
    tap_ok(g && tp_histogram(g, hv, 6, NULL, &dropped, &e) == 0 && dropped == 0,
           "G: histogram renders, nothing dropped");
    static const char *const want_g[7] = {
        "5 +",
        "  |",
        "  |           #####",
        "  |####       #####",
        "  |#### ##### #####",
        "0 +--+-----+-----+--",
        "     1     2     3",
    };
    rows_are(g, want_g, "G: integer histogram");
    static const double hbad[4] = {NAN, INFINITY, -1, 2};
    tp_hist_opts lx = {NULL, NULL, NULL, 0, 1};
    int rc = tp_histogram(g, hbad, 4, &lx, &dropped, &e);
    tap_ok(rc == 0 && dropped == 3, "G: log-x histogram drops NaN, Inf and values <= 0 (%lld)",
           (long long)dropped);
    tp_grid_free(g);

    /* H. Bars, ASCII 16 x 3: labels 3 wide, values 1 wide, bars 16-3-2-1 =
     * 10 cells for the largest: 4 -> 10, 2 -> 5, 1 -> lround(2.5) = 3;
     * the value follows its bar after one space. */
    static const char *const bl[3] = {"a", "bb", "ccc"};
    static const double bv[3] = {4, 2, 1};
    g = tp_grid_new(16, 3, TP_ASCII, &e);
    tap_ok(g && tp_barh(g, bl, bv, 3, NULL, &e) == 0, "H: bars render");
    static const char *const want_h[3] = {"a   ########## 4", "bb  ##### 2", "ccc ### 1"};
    rows_are(g, want_h, "H: ASCII bars");
    tp_grid_free(g);
    /* in eighths: 80, 40 and 20 eighths; 20 = 2 full cells and a half */
    g = tp_grid_new(16, 3, TP_UTF8_BRAILLE, &e);
    tap_ok(g && tp_barh(g, bl, bv, 3, NULL, &e) == 0, "H: UTF-8 bars render");
    static const char *const want_h2[3] = {"a   ██████████ 4", "bb  █████ 2", "ccc ██▌ 1"};
    rows_are(g, want_h2, "H: eighth-block bars");
    /* too many rows and a long label: labels cut to 16/3 = 5 cells, two
     * bars of 16-5-2-1 = 8 cells, then the count of the rest */
    static const char *const bl5[5] = {"alphabet", "b", "c", "d", "e"};
    static const double bv5[5] = {1, 1, 1, 1, 1};
    tap_ok(tp_barh(g, bl5, bv5, 5, NULL, &e) == 0, "H: five bars in three rows");
    static const char *const want_h3[3] = {"alph… ████████ 1", "b     ████████ 1",
                                          "… and 3 more"};
    rows_are(g, want_h3, "H: cut label and '… and 3 more'");
    tp_grid_free(g);

    /* I. sizes and errors */
    g = tp_grid_new(4, 4, TP_ASCII, &e);
    tap_ok(g == NULL && strstr(e.msg, "plot size"), "I: a 4-column grid is refused: %s", e.msg);
    g = tp_grid_new(12, 3, TP_ASCII, &e);
    tap_ok(g && tp_histogram(g, hv, 6, NULL, NULL, &e) < 0 && strstr(e.msg, "rows"),
           "I: 3 rows cannot hold a histogram: %s", e.msg);
    tp_grid_free(g);
    g = tp_grid_new(20, 4, TP_ASCII, &e);
    tp_line_opts ot = {"t", NULL, NULL, 0};
    tap_ok(g && tp_line_plot(g, two, 2, &ot, &e) < 0 && strstr(e.msg, "rows"),
           "I: 4 rows cannot hold header, plot, axis, labels and legend: %s", e.msg);
    tp_grid_free(g);
    static const double huge[2] = {-1e308, 1e308};
    tp_series sh = {NULL, NULL, huge, 2};
    g = tp_grid_new(20, 8, TP_ASCII, &e);
    tap_ok(g && tp_line_plot(g, &sh, 1, NULL, &e) < 0 && strstr(e.msg, "too wide"),
           "I: a range that overflows is refused: %s", e.msg);
    tap_ok(tp_histogram(g, huge, 2, NULL, NULL, &e) < 0 && strstr(e.msg, "too wide"),
           "I: ... in a histogram too");
    tp_grid_free(g);

    /* J. the output sink: tp_print trims rows; ANSI colour wraps series */
    g = tp_grid_new(16, 3, TP_ASCII, &e);
    tp_barh(g, bl, bv, 3, NULL, &e);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_print(g, f, 0);
    fclose(f);
    tap_ok(strcmp(buf, "a   ########## 4\nbb  ##### 2\nccc ### 1\n") == 0, "J: tp_print, plain");
    free(buf);
    f = open_memstream(&buf, &len);
    tp_print(g, f, 1);
    fclose(f);
    /* series 1 is cyan (36); a blank keeps the current colour, so the reset
     * comes before the value's first non-blank */
    tap_ok(strcmp(buf, "a   \033[36m########## \033[0m4\nbb  \033[36m##### \033[0m2\n"
                       "ccc \033[36m### \033[0m1\n") == 0,
           "J: tp_print with colour wraps the bar of series 1");
    free(buf);
    tp_grid_free(g);

    /* K. charset from the locale */
    if (setlocale(LC_CTYPE, "C"))
        tap_ok(tp_charset_from_locale() == TP_ASCII, "K: the C locale draws ASCII");
    if (setlocale(LC_CTYPE, "C.UTF-8"))
        tap_ok(tp_charset_from_locale() == TP_UTF8_BRAILLE, "K: C.UTF-8 draws braille");
    setlocale(LC_CTYPE, "C");
    return tap_done();
}

/* textplot.c: the character-grid plotting core (layout in textplot.h).
 *
 * A cell holds either a glyph (text, axes, bars) or canvas dots (lines); the
 * dots become a glyph only when the grid is read, so lines of several series
 * can share a cell.  Plots first decide the layout (rows, label widths),
 * then draw axes, data and labels with a few primitives. */
#include "textplot.h"

#include <langinfo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tp_grid {
    int w, h;
    tp_charset cs;
    uint32_t *cp;  /* glyph code point; 0: blank (or dots) */
    uint8_t *dots; /* canvas dots of the charset's sub-cell pattern */
    uint8_t *ser;  /* series id for colour */
};

/* ASCII markers of series 1, 2, ... */
static const char ascii_marks[] = "*+ox@%";
#define N_MARKS 6

/* Box drawing and blocks. */
#define CP_VLINE 0x2502u
#define CP_HLINE 0x2500u
#define CP_CORNER 0x2514u /* └ */
#define CP_YTICK 0x2524u  /* ┤ */
#define CP_XTICK 0x252Cu  /* ┬ */
#define CP_FULL 0x2588u   /* █ */
#define CP_ELLIPSIS 0x2026u

/* ---- the grid ------------------------------------------------------- */

tp_charset tp_charset_from_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    char norm[16];
    size_t n = 0;
    for (; cs && *cs && n + 1 < sizeof norm; cs++)
        if (*cs != '-' && *cs != '_')
            norm[n++] = (char)(*cs >= 'a' && *cs <= 'z' ? *cs - 32 : *cs);
    norm[n] = '\0';
    return strcmp(norm, "UTF8") == 0 ? TP_UTF8_BRAILLE : TP_ASCII;
}

tp_grid *tp_grid_new(int width, int height, tp_charset cs, sc_err *e)
{
    if (width < TP_MIN_WIDTH || height < TP_MIN_HEIGHT || width > 4096 || height > 4096) {
        err_set(e, "plot size %d x %d: expected %d to 4096 columns and %d to 4096 rows", width,
                height, TP_MIN_WIDTH, TP_MIN_HEIGHT);
        return NULL;
    }
    tp_grid *g = sc_calloc(e, 1, sizeof *g);
    if (!g)
        return NULL;
    size_t n = (size_t)width * (size_t)height;
    g->w = width;
    g->h = height;
    g->cs = cs;
    g->cp = sc_calloc(e, n, sizeof *g->cp);
    g->dots = g->cp ? sc_calloc(e, n, 1) : NULL;
    g->ser = g->dots ? sc_calloc(e, n, 1) : NULL;
    if (!g->ser) {
        tp_grid_free(g);
        return NULL;
    }
    return g;
}

void tp_grid_free(tp_grid *g)
{
    if (!g)
        return;
    free(g->cp);
    free(g->dots);
    free(g->ser);
    free(g);
}

void tp_grid_clear(tp_grid *g)
{
    size_t n = (size_t)g->w * (size_t)g->h;
    memset(g->cp, 0, n * sizeof *g->cp);
    memset(g->dots, 0, n);
    memset(g->ser, 0, n);
}

int tp_grid_width(const tp_grid *g)
{
    return g->w;
}

int tp_grid_height(const tp_grid *g)
{
    return g->h;
}

tp_charset tp_grid_charset(const tp_grid *g)
{
    return g->cs;
}

static void put(tp_grid *g, int x, int y, uint32_t cp, int series)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h)
        return;
    size_t i = (size_t)y * (size_t)g->w + (size_t)x;
    g->cp[i] = cp;
    g->dots[i] = 0;
    g->ser[i] = (uint8_t)series;
}

static uint32_t glyph(const tp_grid *g, size_t i)
{
    uint8_t d = g->dots[i];
    if (!d)
        return g->cp[i] ? g->cp[i] : ' ';
    switch (g->cs) {
    case TP_UTF8_BRAILLE: return 0x2800u + d;
    case TP_UTF8_BLOCK: return d == 1 ? 0x2580u : d == 2 ? 0x2584u : CP_FULL;
    default: return (uint32_t)ascii_marks[(g->ser[i] + N_MARKS - 1) % N_MARKS];
    }
}

static int utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Next code point of s (advancing *s); '?' for a malformed sequence. */
static uint32_t utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0) {
        (*s)++;
        return '?';
    }
    if (len > 1)
        c &= 0x3Fu >> (len - 1);
    for (int k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *s += k;
            return '?';
        }
        c = (c << 6) | (p[k] & 0x3Fu);
    }
    *s += len;
    return c;
}

/* Length in code points (cells). */
static int text_cells(const char *s)
{
    int n = 0;
    while (*s) {
        utf8_next(&s);
        n++;
    }
    return n;
}

void tp_text(tp_grid *g, int x, int y, const char *utf8, int series)
{
    const char *s = utf8;
    while (*s && x < g->w) {
        uint32_t c = utf8_next(&s);
        put(g, x++, y, c, series);
    }
}

int tp_cell(const tp_grid *g, int x, int y, char out[5])
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) {
        out[0] = ' ';
        out[1] = '\0';
        return 0;
    }
    size_t i = (size_t)y * (size_t)g->w + (size_t)x;
    int n = utf8_put(glyph(g, i), out);
    out[n] = '\0';
    return g->ser[i];
}

static int row_end(const tp_grid *g, int y, int trim)
{
    int end = g->w;
    if (trim)
        while (end > 0 && glyph(g, (size_t)y * (size_t)g->w + (size_t)end - 1) == ' ')
            end--;
    return end;
}

size_t tp_row(const tp_grid *g, int y, char *buf, size_t size, int trim)
{
    size_t used = 0;
    if (size == 0)
        return 0;
    if (y >= 0 && y < g->h) {
        int end = row_end(g, y, trim);
        for (int x = 0; x < end; x++) {
            char c[4];
            int n = utf8_put(glyph(g, (size_t)y * (size_t)g->w + (size_t)x), c);
            if (used + (size_t)n + 1 > size)
                break;
            memcpy(buf + used, c, (size_t)n);
            used += (size_t)n;
        }
    }
    buf[used] = '\0';
    return used;
}

void tp_print(const tp_grid *g, FILE *out, int ansi)
{
    static const int colours[] = {36, 33, 35, 32, 31, 34};
    for (int y = 0; y < g->h; y++) {
        int end = row_end(g, y, 1), cur = 0;
        for (int x = 0; x < end; x++) {
            size_t i = (size_t)y * (size_t)g->w + (size_t)x;
            uint32_t c = glyph(g, i);
            int s = c == ' ' ? cur : g->ser[i]; /* blanks keep the colour run */
            if (ansi && s != cur) {
                if (s)
                    fprintf(out, "\033[%dm", colours[(s - 1) % 6]);
                else
                    fputs("\033[0m", out);
                cur = s;
            }
            char b[5];
            int n = utf8_put(c, b);
            fwrite(b, 1, (size_t)n, out);
        }
        if (ansi && cur)
            fputs("\033[0m", out);
        fputc('\n', out);
    }
}

/* ---- canvas: dots at sub-cell resolution ----------------------------- */

typedef struct area {
    int x0, y0, pw, ph; /* cells */
    int sx, sy;         /* dots per cell */
} area;

static void area_init(area *a, const tp_grid *g, int x0, int y0, int pw, int ph)
{
    a->x0 = x0;
    a->y0 = y0;
    a->pw = pw;
    a->ph = ph;
    a->sx = g->cs == TP_UTF8_BRAILLE ? 2 : 1;
    a->sy = g->cs == TP_UTF8_BRAILLE ? 4 : g->cs == TP_UTF8_BLOCK ? 2 : 1;
}

static void dot(tp_grid *g, const area *a, int px, int py, int series)
{
    if (px < 0 || py < 0 || px >= a->pw * a->sx || py >= a->ph * a->sy)
        return;
    static const uint8_t braille[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    int cx = px / a->sx, cy = py / a->sy;
    size_t i = (size_t)(a->y0 + cy) * (size_t)g->w + (size_t)(a->x0 + cx);
    uint8_t bit = g->cs == TP_UTF8_BRAILLE ? braille[py % 4][px % 2]
                  : g->cs == TP_UTF8_BLOCK ? (uint8_t)(py % 2 ? 2 : 1)
                                           : 1;
    g->dots[i] |= bit;
    g->cp[i] = 0;
    g->ser[i] = (uint8_t)series;
}

/* Bresenham's line between two dots. */
static void line(tp_grid *g, const area *a, int x0, int y0, int x1, int y1, int series)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        dot(g, a, x0, y0, series);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* ---- ticks and labels ------------------------------------------------ */

#define MAX_TICKS 16

typedef struct ticks {
    int n;
    double v[MAX_TICKS]; /* values (log10 values on a log axis) */
    char label[MAX_TICKS][24];
} ticks;

/* The smallest 1, 2, 5 x 10^k >= raw (with slack for rounding). */
static double nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double n = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
    return n * mag;
}

/* "1.5e+06" -> "1.5e6", "2e-05" -> "2e-5". */
static void compact_exp(char *s)
{
    char *e = strchr(s, 'e');
    if (!e)
        return;
    char *p = e + 1, *w = e + 1;
    if (*p == '+')
        p++;
    else if (*p == '-')
        *w++ = *p++;
    while (*p == '0' && p[1])
        p++;
    memmove(w, p, strlen(p) + 1);
}

/* A tick value on a linear axis with the given step: enough decimals to tell
 * ticks apart, exponent form for very large or very fine values. */
static void fmt_linear(double v, double step, char *buf, size_t size)
{
    double a = fabs(v);
    if (a < step * 1e-9) { /* zero: no "-0", same decimals as its neighbours */
        v = 0;
        a = 0;
    }
    if (a >= 1e6 || step < 1e-4) {
        if (a == 0) {
            snprintf(buf, size, "0");
            return;
        }
        int digits = (int)(floor(log10(a)) - floor(log10(step) + 1e-9));
        snprintf(buf, size, "%.*e", digits < 0 ? 0 : digits > 6 ? 6 : digits, v);
        compact_exp(buf);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, size, "%.*f", dec, v);
}

/* Three significant digits: plain from 1e-4 to 1e6 ("0.02", "316", "1000"),
 * else a compact exponent ("1e-5", "2e7"). */
static void fmt_g(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (a >= 1e-4 && a < 1e6) {
        int dec = 2 - (int)floor(log10(a));
        snprintf(buf, size, "%.*f", dec < 0 ? 0 : dec, v);
        if (strchr(buf, '.')) { /* drop trailing zeros */
            size_t n = strlen(buf);
            while (n > 0 && buf[n - 1] == '0')
                buf[--n] = '\0';
            if (n > 0 && buf[n - 1] == '.')
                buf[--n] = '\0';
        }
        return;
    }
    snprintf(buf, size, "%.3g", v);
    compact_exp(buf);
}

/* Ticks at multiples of a nice step: about `target` of them, at most
 * `maxn`.  With `extend`, *lo and *hi widen to the outer ticks; without, the
 * ticks stay inside [lo, hi]. */
static void lin_ticks(double *lo, double *hi, int target, int maxn, int extend, ticks *t)
{
    if (maxn > MAX_TICKS)
        maxn = MAX_TICKS;
    double step = nice_step((*hi - *lo) / (target > 1 ? target - 1 : 1));
    double k0 = 0, k1 = 0;
    for (int finer = 0, tries = 0; tries < 100; tries++) {
        k0 = extend ? floor(*lo / step + 1e-9) : ceil(*lo / step - 1e-9);
        k1 = extend ? ceil(*hi / step - 1e-9) : floor(*hi / step + 1e-9);
        if (k1 - k0 + 1 > maxn && !finer) {
            step = nice_step(step * 1.5); /* 1 -> 2 -> 5 -> 10 */
            continue;
        }
        /* inside a range narrower than the step: one finer step, once */
        if (!extend && k1 - k0 + 1 < 2 && !finer && maxn >= 2) {
            step = nice_step(step / 2.5); /* 10 -> 5 -> 2 -> 1 */
            finer = 1;
            continue;
        }
        break;
    }
    if (extend) {
        *lo = k0 * step + 0.0;
        *hi = k1 * step + 0.0;
    }
    t->n = 0;
    for (double k = k0; k <= k1 && t->n < MAX_TICKS; k++) {
        double v = k * step + 0.0;
        t->v[t->n] = v;
        fmt_linear(v, step, t->label[t->n], sizeof t->label[0]);
        t->n++;
    }
}

/* Ticks on a log10 axis over [llo, lhi] (exponents): decades when two or
 * more fit (thinned to maxn), else 1-2-5 per decade, else 1..9 per decade,
 * else the two ends. */
static void log_ticks(double llo, double lhi, int maxn, ticks *t)
{
    static const double sets[3][9] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int setn[3] = {1, 3, 9};
    if (maxn > MAX_TICKS)
        maxn = MAX_TICKS;
    for (int s = 0; s < 3; s++) {
        double cand[64];
        int n = 0;
        for (double k = floor(llo) - 1; k <= ceil(lhi) + 1 && n < 64; k++)
            for (int m = 0; m < setn[s] && n < 64; m++) {
                double lv = k + log10(sets[s][m]);
                if (lv >= llo - 1e-9 && lv <= lhi + 1e-9)
                    cand[n++] = lv;
            }
        if (n < 2)
            continue;
        if (n > maxn && s > 0)
            break; /* finer sets only have more */
        int stride = (n + maxn - 1) / maxn;
        t->n = 0;
        for (int i = 0; i < n && t->n < MAX_TICKS; i++) {
            /* thin decades by their exponent so the kept ones are regular */
            long ex = lround(floor(cand[i] + 1e-9));
            if (stride > 1 && ((ex % stride) + stride) % stride != 0)
                continue;
            t->v[t->n] = cand[i];
            fmt_g(pow(10, cand[i]), t->label[t->n], sizeof t->label[0]);
            t->n++;
        }
        if (t->n >= 2)
            return;
    }
    t->n = 2;
    t->v[0] = llo;
    t->v[1] = lhi;
    fmt_g(pow(10, llo), t->label[0], sizeof t->label[0]);
    fmt_g(pow(10, lhi), t->label[1], sizeof t->label[0]);
}

static int ticks_width(const ticks *t)
{
    int w = 0;
    for (int i = 0; i < t->n; i++) {
        int n = text_cells(t->label[i]);
        if (n > w)
            w = n;
    }
    return w;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* How many x ticks to aim for: about one per 8 columns, 3 to 8. */
static int x_target(int pw)
{
    return clampi(pw / 8 + 1, 3, 8);
}

/* ---- frame: header, axes, tick labels -------------------------------- */

typedef struct frame {
    int header; /* rows above the plot */
    int lw;     /* y label width */
    area a;
} frame;

static void draw_header(tp_grid *g, const char *title, const char *ylabel, int logy)
{
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    if (title)
        used += (size_t)snprintf(buf, sizeof buf, "%s", title);
    if (ylabel && used < sizeof buf)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%sy: %s%s", used ? "   " : "",
                                 ylabel, logy ? " (log10)" : "");
    else if (logy && used < sizeof buf)
        snprintf(buf + used, sizeof buf - used, "%s(log10 y)", used ? "   " : "");
    tp_text(g, 0, 0, buf, 0);
}

/* Y axis with tick i at plot row row[i] (0 = top); row ph is the x axis
 * row, where the label goes beside the corner. */
static void draw_yaxis(tp_grid *g, const frame *f, const ticks *t, const int *row)
{
    int utf = g->cs != TP_ASCII, ax = f->a.x0 - 1;
    for (int r = 0; r < f->a.ph; r++)
        put(g, ax, f->a.y0 + r, utf ? CP_VLINE : '|', 0);
    for (int i = 0; i < t->n; i++) {
        int r = clampi(row[i], 0, f->a.ph);
        if (r < f->a.ph)
            put(g, ax, f->a.y0 + r, utf ? CP_YTICK : '+', 0);
        tp_text(g, f->lw - text_cells(t->label[i]), f->a.y0 + r, t->label[i], 0);
    }
}

/* X axis line, tick marks at columns col[i], labels centred under them (a
 * label that would touch its neighbour or the x label is left out). */
static void draw_xaxis(tp_grid *g, const frame *f, const ticks *t, const int *col,
                       const char *xlabel)
{
    int utf = g->cs != TP_ASCII, ya = f->a.y0 + f->a.ph, yl = ya + 1;
    put(g, f->a.x0 - 1, ya, utf ? CP_CORNER : '+', 0);
    for (int x = f->a.x0; x < g->w; x++)
        put(g, x, ya, utf ? CP_HLINE : '-', 0);
    int limit = g->w, xl = g->w;
    if (xlabel && *xlabel) {
        xl = g->w - text_cells(xlabel);
        if (xl < 0)
            xl = 0;
        limit = xl - 1;
    }
    int next_free = 0;
    for (int i = 0; i < t->n; i++) {
        int x = f->a.x0 + col[i];
        put(g, x, ya, utf ? CP_XTICK : '+', 0);
        int len = text_cells(t->label[i]);
        int start = x - len / 2;
        if (start + len > limit) /* the last label may shift left to fit */
            start = limit - len;
        if (start < 0)
            start = 0;
        if (start < next_free || start + len > limit)
            continue;
        tp_text(g, start, yl, t->label[i], 0);
        next_free = start + len + 1;
    }
    if (xlabel && *xlabel)
        tp_text(g, xl, yl, xlabel, 0);
}

static void no_data(tp_grid *g, const area *a)
{
    tp_text(g, a->x0 + (a->pw - 9) / 2, a->y0 + (a->ph - 1) / 2, "(no data)", 0);
}

/* ---- line plot ------------------------------------------------------- */

static int point_ok(const tp_series *s, int64_t i, int logy, double *x, double *y)
{
    *x = s->x ? s->x[i] : (double)i;
    *y = s->y[i];
    if (!isfinite(*x) || !isfinite(*y) || (logy && *y <= 0))
        return 0;
    if (logy)
        *y = log10(*y);
    return 1;
}

int tp_line_plot(tp_grid *g, const tp_series *s, int nseries, const tp_line_opts *o, sc_err *e)
{
    static const tp_line_opts none = {0};
    if (!o)
        o = &none;
    tp_grid_clear(g);
    frame f;
    f.header = o->title || o->ylabel || o->logy;
    int legend = 0;
    for (int k = 0; k < nseries; k++)
        legend |= s[k].name != NULL;
    int ph = g->h - f.header - 2 - legend;
    if (ph < 2)
        return err_set(e, "a line plot needs %d rows here, the grid has %d", g->h - ph + 2, g->h);

    /* data ranges over the plottable points */
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, x, y;
    for (int k = 0; k < nseries; k++)
        for (int64_t i = 0; i < s[k].n; i++)
            if (point_ok(&s[k], i, o->logy, &x, &y)) {
                xlo = fmin(xlo, x);
                xhi = fmax(xhi, x);
                ylo = fmin(ylo, y);
                yhi = fmax(yhi, y);
            }
    int empty = !(xlo <= xhi);
    if (empty) {
        xlo = 0;
        xhi = 1;
        ylo = 0;
        yhi = 1;
    }
    if (xlo == xhi) {
        xlo -= 1;
        xhi += 1;
    }
    if (ylo == yhi) { /* a constant series: centre it */
        double pad = o->logy ? 0.5 : ylo != 0 ? fabs(ylo) * 0.5 : 1;
        ylo -= pad;
        yhi += pad;
    }
    if (!isfinite(xhi - xlo) || !isfinite(yhi - ylo))
        return err_set(e, "the values span too wide a range to plot");

    ticks yt, xt;
    int target = clampi(ph / 3 + 1, 2, 6);
    if (o->logy)
        log_ticks(ylo, yhi, target + 1, &yt);
    else
        lin_ticks(&ylo, &yhi, target, ph, 1, &yt);
    f.lw = ticks_width(&yt);
    int x0 = f.lw + 2, pw = g->w - x0;
    if (pw < 4)
        return err_set(e, "a line plot needs at least %d columns here, the grid has %d", x0 + 4,
                       g->w);
    area_init(&f.a, g, x0, f.header, pw, ph);
    lin_ticks(&xlo, &xhi, x_target(pw), pw / 2, 0, &xt);

    if (f.header)
        draw_header(g, o->title, o->ylabel, o->logy);
    int row[MAX_TICKS];
    for (int i = 0; i < yt.n; i++)
        row[i] = (int)lround((yhi - yt.v[i]) / (yhi - ylo) * (ph - 1));
    draw_yaxis(g, &f, &yt, row);
    int col[MAX_TICKS];
    for (int i = 0; i < xt.n; i++)
        col[i] = clampi((int)lround((xt.v[i] - xlo) / (xhi - xlo) * (pw - 1)), 0, pw - 1);
    draw_xaxis(g, &f, &xt, col, o->xlabel);

    /* series: segments between consecutive plottable points, a lone point
     * as a dot */
    int PX = pw * f.a.sx, PY = ph * f.a.sy;
    for (int k = 0; k < nseries; k++) {
        int have = 0, px0 = 0, py0 = 0;
        for (int64_t i = 0; i < s[k].n; i++) {
            if (!point_ok(&s[k], i, o->logy, &x, &y)) {
                have = 0;
                continue;
            }
            int px = clampi((int)lround((x - xlo) / (xhi - xlo) * (PX - 1)), 0, PX - 1);
            int py = clampi((int)lround((yhi - y) / (yhi - ylo) * (PY - 1)), 0, PY - 1);
            if (have)
                line(g, &f.a, px0, py0, px, py, k + 1);
            else
                dot(g, &f.a, px, py, k + 1);
            have = 1;
            px0 = px;
            py0 = py;
        }
    }
    if (empty)
        no_data(g, &f.a);

    if (legend) {
        int lx = x0, ly = f.header + ph + 2;
        for (int k = 0; k < nseries; k++) {
            if (!s[k].name)
                continue;
            if (g->cs == TP_ASCII) {
                put(g, lx, ly, (uint32_t)ascii_marks[k % N_MARKS], k + 1);
                lx += 2;
            } else {
                put(g, lx, ly, CP_HLINE, k + 1);
                put(g, lx + 1, ly, CP_HLINE, k + 1);
                lx += 3;
            }
            tp_text(g, lx, ly, s[k].name, 0);
            lx += text_cells(s[k].name) + 3;
        }
    }
    return 0;
}

/* ---- histogram ------------------------------------------------------- */

/* Eighth blocks from the bottom: 1/8 .. 7/8 are U+2581 .. U+2587. */
static void vbar(tp_grid *g, const area *a, int x, int units, int series)
{
    int sub = g->cs == TP_ASCII ? 1 : 8;
    int full = units / sub, rem = units % sub;
    for (int r = 0; r < full && r < a->ph; r++)
        put(g, x, a->y0 + a->ph - 1 - r, g->cs == TP_ASCII ? '#' : CP_FULL, series);
    if (rem && full < a->ph)
        put(g, x, a->y0 + a->ph - 1 - full, 0x2580u + (uint32_t)rem, series);
}

int tp_histogram(tp_grid *g, const double *v, int64_t n, const tp_hist_opts *o, int64_t *dropped,
                 sc_err *e)
{
    static const tp_hist_opts none = {0};
    if (!o)
        o = &none;
    tp_grid_clear(g);
    frame f;
    f.header = o->title || o->ylabel;
    int ph = g->h - f.header - 2;
    if (ph < 2)
        return err_set(e, "a histogram needs %d rows here, the grid has %d", f.header + 4, g->h);

    double lo = INFINITY, hi = -INFINITY;
    int64_t nvalid = 0;
    int integral = 1;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        if (!isfinite(x) || (o->logx && x <= 0))
            continue;
        if (o->logx)
            x = log10(x);
        integral &= x == floor(x);
        lo = fmin(lo, x);
        hi = fmax(hi, x);
        nvalid++;
    }
    if (dropped)
        *dropped = n - nvalid;
    if (nvalid > 0 && !isfinite(hi - lo))
        return err_set(e, "the values span too wide a range to plot");

    /* bins: decided with the widest possible y labels (counts up to nvalid),
     * so the plot can only get wider once the real counts are known */
    double clo = 0, chi = nvalid > 0 ? (double)nvalid : 1;
    ticks yt;
    int target = clampi(ph / 3 + 1, 2, 6);
    lin_ticks(&clo, &chi, target, ph, 1, &yt);
    int pw_guess = g->w - ticks_width(&yt) - 2;
    if (pw_guess < 4)
        return err_set(e, "a histogram needs at least %d columns here, the grid has %d",
                       g->w - pw_guess + 4, g->w);
    int nb, discrete = 0;
    if (nvalid == 0) {
        lo = 0;
        hi = 1;
        nb = 1;
    } else if (!o->logx && o->bins == 0 && integral && hi - lo + 1 <= pw_guess) {
        nb = (int)(hi - lo + 1); /* one bin per integer, centred on it */
        discrete = 1;
        lo -= 0.5;
        hi += 0.5;
    } else {
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        nb = o->bins > 0 ? o->bins : (int)ceil(2 * cbrt((double)nvalid)); /* Rice's rule */
        if (o->bins <= 0 && nb > pw_guess / 2)
            nb = pw_guess / 2;
        if (nb > pw_guess)
            nb = pw_guess;
        if (nb < 1)
            nb = 1;
    }
    int64_t *count = sc_calloc(e, (size_t)nb, sizeof *count);
    if (!count)
        return -1;
    int64_t cmax = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        if (!isfinite(x) || (o->logx && x <= 0))
            continue;
        if (o->logx)
            x = log10(x);
        int b = clampi((int)floor((x - lo) / (hi - lo) * nb), 0, nb - 1);
        if (++count[b] > cmax)
            cmax = count[b];
    }

    clo = 0;
    chi = cmax > 0 ? (double)cmax : 1;
    lin_ticks(&clo, &chi, target, ph, 1, &yt);
    f.lw = ticks_width(&yt);
    int x0 = f.lw + 2, pw = g->w - x0;
    area_init(&f.a, g, x0, f.header, pw, ph);
    if (f.header)
        draw_header(g, o->title, o->ylabel, 0);
    /* bars grow from the x axis row: a count c is c / chi * ph rows high,
     * so tick value v sits ph - v / chi * ph rows below the top */
    int row[MAX_TICKS];
    for (int i = 0; i < yt.n; i++)
        row[i] = ph - (int)lround(yt.v[i] / chi * ph);
    draw_yaxis(g, &f, &yt, row);

    /* x ticks in data units (decades etc. on a log axis) */
    ticks xt;
    int xtarget = x_target(pw);
    if (o->logx) {
        log_ticks(lo, hi, xtarget, &xt);
    } else {
        double tlo = lo, thi = hi;
        if (integral && nvalid > 0 && o->bins == 0) { /* label integers only */
            tlo = ceil(lo);
            thi = floor(hi);
        }
        lin_ticks(&tlo, &thi, xtarget, pw / 2, 0, &xt);
    }
    int col[MAX_TICKS];
    for (int i = 0; i < xt.n; i++)
        col[i] = clampi((int)floor((xt.v[i] - lo) / (hi - lo) * pw), 0, pw - 1);
    draw_xaxis(g, &f, &xt, col, o->xlabel);

    int sub = g->cs == TP_ASCII ? 1 : 8;
    for (int b = 0; b < nb; b++) {
        if (!count[b])
            continue;
        int units = (int)lround((double)count[b] / chi * ph * sub);
        if (units < 1)
            units = 1;
        int c0 = (int)((int64_t)b * pw / nb), c1 = (int)((int64_t)(b + 1) * pw / nb);
        if (discrete && c1 - c0 >= 3)
            c1--; /* a gap between the bars of separate values */
        for (int c = c0; c < c1; c++)
            vbar(g, &f.a, x0 + c, units, 1);
    }
    if (nvalid == 0)
        no_data(g, &f.a);
    free(count);
    return 0;
}

/* ---- horizontal bars ------------------------------------------------- */

int tp_barh(tp_grid *g, const char *const *labels, const double *values, int n,
            const tp_bar_opts *o, sc_err *e)
{
    static const tp_bar_opts none = {0};
    if (!o)
        o = &none;
    tp_grid_clear(g);
    int header = o->title != NULL;
    if (header)
        tp_text(g, 0, 0, o->title, 0);
    int rows = g->h - header;
    if (n <= 0) {
        tp_text(g, 0, header, "(no data)", 0);
        return 0;
    }
    int shown = n <= rows ? n : rows - 1;
    int prec = o->precision > 0 ? o->precision : 4;
    int lw = 0, vw = 0;
    double vmax = 0;
    char val[24];
    for (int i = 0; i < shown; i++) {
        int l = labels && labels[i] ? text_cells(labels[i]) : 0;
        lw = l > lw ? l : lw;
        snprintf(val, sizeof val, "%.*g", prec, values[i]);
        int vl = (int)strlen(val);
        vw = vl > vw ? vl : vw;
        if (isfinite(values[i]) && values[i] > vmax)
            vmax = values[i];
    }
    if (lw > g->w / 3)
        lw = g->w / 3;
    int bw = g->w - lw - 2 - vw;
    if (bw < 2)
        return err_set(e, "a bar chart needs at least %d columns here, the grid has %d",
                       g->w - bw + 2, g->w);
    int utf = g->cs != TP_ASCII, sub = utf ? 8 : 1;
    for (int i = 0; i < shown; i++) {
        int y = header + i;
        if (labels && labels[i]) {
            /* the label, cut to lw cells (the last one an ellipsis when cut) */
            const char *s = labels[i];
            for (int x = 0; x < lw && *s; x++) {
                uint32_t c = utf8_next(&s);
                if (x == lw - 1 && *s)
                    c = utf ? CP_ELLIPSIS : '~';
                put(g, x, y, c, 0);
            }
        }
        int units = 0;
        if (isfinite(values[i]) && values[i] > 0 && vmax > 0) {
            units = (int)lround(values[i] / vmax * bw * sub);
            if (units < 1)
                units = 1;
        }
        int x = lw + 1;
        for (int k = 0; k < units / sub; k++)
            put(g, x++, y, utf ? CP_FULL : '#', 1);
        if (units % sub) /* left eighths: 1/8 is U+258F, 7/8 is U+2589 */
            put(g, x++, y, 0x2590u - (uint32_t)(units % sub), 1);
        snprintf(val, sizeof val, "%.*g", prec, values[i]);
        tp_text(g, x + 1, y, val, 0);
    }
    if (shown < n) {
        char more[64];
        snprintf(more, sizeof more, "%s and %d more", utf ? "\xe2\x80\xa6" : "...", n - shown);
        tp_text(g, 0, header + shown, more, 0);
    }
    return 0;
}

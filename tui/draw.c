/* draw.c: text and box helpers, colours, and the frame around the screens:
 * the tab bar, the output pane, the status line or prompt, and the "terminal
 * too small" notice. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "tui.h"
#include "tui_int.h"

const tui_glyphs tui_glyphs_utf8 = {
    "\u2500", "\u2502", "\u250c", "\u2510", "\u2514", "\u2518", "\u251c", "\u2524", "\u2502",
    "\u2588", "\u2591",
    {" ", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"},
    "\u2026",
};
const tui_glyphs tui_glyphs_ascii = {
    "-", "|", "+", "+", "+", "+", "+", "+", "|", "#", ".",
    {" ", " ", " ", " ", " ", " ", " ", " "}, "~",
};

double tui_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Colour pairs by role; series colours follow textplot's series ids. */
static const short series_colors[TUI_NSERIES_COLORS] = {COLOR_GREEN,   COLOR_CYAN, COLOR_YELLOW,
                                                        COLOR_MAGENTA, COLOR_BLUE, COLOR_RED};

void tui_colors_init(tui *t)
{
    if (!t->color)
        return;
    start_color();
    use_default_colors();
    init_pair(R_TITLE, COLOR_BLACK, COLOR_CYAN);
    init_pair(R_TAB, COLOR_BLACK, COLOR_CYAN);
    init_pair(R_TAB_ON, COLOR_WHITE, COLOR_BLUE);
    init_pair(R_ERR, COLOR_RED, -1);
    init_pair(R_CMD, COLOR_YELLOW, -1);
    init_pair(R_DIM, COLOR_CYAN, -1);
    init_pair(R_HEAD, COLOR_CYAN, -1);
    init_pair(R_MSG, COLOR_GREEN, -1);
    init_pair(R_MARK, COLOR_RED, -1);
    for (int k = 0; k < TUI_NSERIES_COLORS; k++)
        init_pair((short)(R_SERIES + k), series_colors[k], -1);
}

attr_t tui_attr(const tui *t, tui_role r)
{
    if (r >= R_SERIES)
        r = R_SERIES + (r - R_SERIES) % TUI_NSERIES_COLORS;
    if (t->color) {
        attr_t bold = (r == R_TAB_ON || r == R_HEAD || r == R_ERR) ? A_BOLD : 0;
        return r == R_NORMAL ? A_NORMAL : (attr_t)COLOR_PAIR(r) | bold;
    }
    switch (r) {
    case R_TITLE:
    case R_TAB:
        return A_REVERSE;
    case R_TAB_ON:
    case R_HEAD:
    case R_ERR:
    case R_MARK:
        return A_BOLD;
    case R_DIM:
        return A_DIM;
    default:
        return A_NORMAL;
    }
}

/* Next code point of s (n bytes left): its wide char, bytes and columns. */
static size_t next_char(const char *s, size_t n, wchar_t *wc, int *cols)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t k = mbrtowc(wc, s, n, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *wc = L'?';
        *cols = 1;
        return 1;
    }
    int w = wcwidth(*wc);
    if (w < 0) { /* a control character or one the locale cannot show */
        *wc = L'?';
        w = 1;
    }
    *cols = w;
    return k;
}

int tui_width(const char *s)
{
    size_t n = strlen(s);
    int cols = 0;
    while (n > 0) {
        wchar_t wc;
        int w;
        size_t k = next_char(s, n, &wc, &w);
        cols += w;
        s += k;
        n -= k;
    }
    return cols;
}

int tui_put(tui *t, int y, int x, int w, tui_role r, const char *s)
{
    if (w <= 0 || !s)
        return 0;
    wchar_t buf[512];
    int nb = 0, cols = 0;
    size_t n = strlen(s);
    while (n > 0 && nb < (int)(sizeof buf / sizeof *buf) - 1) {
        wchar_t wc;
        int cw;
        size_t k = next_char(s, n, &wc, &cw);
        if (cols + cw > w)
            break;
        buf[nb++] = wc;
        cols += cw;
        s += k;
        n -= k;
    }
    buf[nb] = L'\0';
    attr_t a = tui_attr(t, r);
    attron(a);
    mvaddnwstr(y, x, buf, nb);
    attroff(a);
    return cols;
}

int tui_printf(tui *t, int y, int x, int w, tui_role r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tui_put(t, y, x, w, r, buf);
}

void tui_hline(tui *t, int y, int x, int w, tui_role r)
{
    for (int i = 0; i < w; i++)
        tui_put(t, y, x + i, 1, r, t->g->h);
}

void tui_box(tui *t, int y, int x, int h, int w, const char *title)
{
    if (h < 2 || w < 2)
        return;
    tui_put(t, y, x, 1, R_DIM, t->g->tl);
    tui_hline(t, y, x + 1, w - 2, R_DIM);
    tui_put(t, y, x + w - 1, 1, R_DIM, t->g->tr);
    for (int i = 1; i < h - 1; i++) {
        tui_put(t, y + i, x, 1, R_DIM, t->g->v);
        tui_put(t, y + i, x + w - 1, 1, R_DIM, t->g->v);
    }
    tui_put(t, y + h - 1, x, 1, R_DIM, t->g->bl);
    tui_hline(t, y + h - 1, x + 1, w - 2, R_DIM);
    tui_put(t, y + h - 1, x + w - 1, 1, R_DIM, t->g->br);
    if (title && w > 6) {
        char buf[256];
        snprintf(buf, sizeof buf, " %s ", title);
        tui_put(t, y, x + 2, w - 4, R_HEAD, buf);
    }
}

void tui_center(tui *t, int y, int x, int w, tui_role r, const char *s)
{
    int sw = tui_width(s);
    int at = sw >= w ? x : x + (w - sw) / 2;
    tui_put(t, y, at, w - (at - x), r, s);
}

void tui_flash(tui *t, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->msg_err = err;
    t->msg_until = tui_now() + 4.0;
}

int tui_clamp_scroll(tui *t, tui_screen sc, int lines, int h)
{
    int max = lines - h;
    if (max < 0)
        max = 0;
    if (t->scroll[sc] > max)
        t->scroll[sc] = max;
    if (t->scroll[sc] < 0)
        t->scroll[sc] = 0;
    return t->scroll[sc];
}

/* ---- the frame ------------------------------------------------------------ */

static const char *const tab_names[] = {"1 Training", "2 Features", "3 Detail", "4 Data"};

static void draw_tabs(tui *t, int w)
{
    attr_t a = tui_attr(t, R_TITLE);
    attron(a);
    mvhline(0, 0, ' ', w);
    attroff(a);
    /* the program's name only when every tab fits beside it */
    int tabs = 0;
    for (int i = 0; i < 4; i++)
        tabs += 3 + tui_width(tab_names[i]);
    const char *name = " sparsesc ";
    int x = tabs + tui_width(name) <= w ? tui_put(t, 0, 0, w, R_TITLE, name) : 0;
    for (int i = 0; i < 4 && x < w; i++) {
        int on = (int)t->screen == i || (t->screen == SCR_HELP && (int)t->back == i);
        char buf[32];
        snprintf(buf, sizeof buf, " %s ", tab_names[i]);
        if (x > 0)
            x += tui_put(t, 0, x, w - x, R_TITLE, t->g->sep);
        x += tui_put(t, 0, x, w - x, on ? R_TAB_ON : R_TAB, buf);
    }
    const char *right = t->screen == SCR_HELP ? " keys " : " ? keys  q leave ";
    int rw = tui_width(right);
    if (x + rw + 1 <= w)
        tui_put(t, 0, w - rw, rw, R_TITLE, right);
}

static void draw_status(tui *t, int y, int w)
{
    t->cursor_y = -1;
    if (t->prompt_open) {
        line_edit *le = &t->le;
        /* scroll the line horizontally so the cursor stays visible */
        char before[LE_MAX];
        snprintf(before, sizeof before, "%.*s", (int)le->cur, le->buf);
        int cw = tui_width(before);
        int room = w - 2;
        int skip_cols = cw >= room ? cw - room + 1 : 0;
        const char *p = le->buf;
        int skipped = 0;
        while (*p && skipped < skip_cols) {
            wchar_t wc;
            int c;
            mbstate_t st;
            memset(&st, 0, sizeof st);
            size_t k = mbrtowc(&wc, p, strlen(p), &st);
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
                k = 1;
            c = wcwidth(wc);
            skipped += c > 0 ? c : 1;
            p += k;
        }
        tui_put(t, y, 0, 1, R_CMD, ":");
        tui_put(t, y, 1, w - 1, R_NORMAL, p);
        t->cursor_y = y;
        t->cursor_x = 1 + cw - skipped;
        if (t->hint[0]) {
            attr_t a = tui_attr(t, R_TITLE);
            attron(a);
            mvhline(y - 1, 0, ' ', w);
            attroff(a);
            tui_put(t, y - 1, 0, w, R_TITLE, t->hint);
        }
        return;
    }
    if (t->msg[0] && tui_now() < t->msg_until) {
        tui_put(t, y, 0, w, t->msg_err ? R_ERR : R_MSG, t->msg);
        return;
    }
    t->msg[0] = '\0';
    const char *help = t->screen == SCR_HELP ? "Up/Down/Space/b scroll  q, Esc or ? back"
                       : t->busy && t->ticks > 0 ? "training: p pause  s stop  Ctrl-C stop  ? keys"
                       : t->busy               ? "running: Ctrl-C interrupts the command"
                       : w >= 64 ? ": command  Tab/1-4 screens  PgUp/PgDn output  ? keys  q leave"
                                 : ": command  1-4 screens  ? keys  q leave";
    tui_put(t, y, 0, w, R_DIM, help);
}

static void draw_too_small(tui *t, int h, int w)
{
    char size[64];
    snprintf(size, sizeof size, "%dx%d, need %dx%d", w, h, TUI_MIN_COLS, TUI_MIN_ROWS);
    int y = h / 2 - 1;
    if (y < 0)
        y = 0;
    tui_center(t, y, 0, w, R_ERR, "terminal too small");
    if (y + 1 < h)
        tui_center(t, y + 1, 0, w, R_NORMAL, size);
    if (y + 2 < h)
        tui_center(t, y + 2, 0, w, R_DIM, "q leaves");
}

void tui_draw(tui *t)
{
    int h, w;
    getmaxyx(stdscr, h, w);
    erase();
    t->last_draw = tui_now();
    if (w < TUI_MIN_COLS || h < TUI_MIN_ROWS) {
        draw_too_small(t, h, w);
        curs_set(0);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    draw_tabs(t, w);
    /* body rows 1 .. h - 2 - ph; output pane ph rows (with its rule) above the status line */
    int ph = h / 4 < 4 ? 4 : h / 4;
    if (t->pane_big)
        ph = h - 2;
    else if (t->screen == SCR_HELP)
        ph = 0; /* the keys need the room */
    int body_h = h - 2 - ph;
    if (body_h > 0) {
        switch (t->screen) {
        case SCR_TRAIN:
            scr_train_draw(t, 1, 0, body_h, w);
            break;
        case SCR_FEATURES:
            scr_features_draw(t, 1, 0, body_h, w);
            break;
        case SCR_DETAIL:
            scr_detail_draw(t, 1, 0, body_h, w);
            break;
        case SCR_DATA:
            scr_data_draw(t, 1, 0, body_h, w);
            break;
        case SCR_HELP:
            scr_help_draw(t, 1, 0, body_h, w);
            break;
        default:
            break;
        }
    }
    if (ph > 0)
        pane_draw(t->pane, 1 + body_h, 0, ph, w);
    draw_status(t, h - 1, w);
    if (t->cursor_y >= 0) {
        move(t->cursor_y, t->cursor_x);
        curs_set(1);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

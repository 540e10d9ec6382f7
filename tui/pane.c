/* pane.c: the output pane.  Commands print to s->out and the input loop
 * reports errors to s->err; while the interface is open both are streams
 * made with fopencookie() whose writes append lines here, each stream in its
 * own colour.  A cookie (rather than open_memstream) sees every write as it
 * happens, so an error reported between two flushes of s->out lands in the
 * right place, and long commands show their output as they go. */
#define _GNU_SOURCE /* fopencookie */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui_int.h"

#define PANE_LINES 5000  /* lines kept for scrolling back */
#define PANE_LINE_MAX 4096

typedef struct pane_line {
    char *text;
    tui_role role;
} pane_line;

typedef struct pane_stream {
    struct tui_pane *p;
    tui_role role;
    char part[PANE_LINE_MAX]; /* the line being written */
    size_t npart;
} pane_stream;

struct tui_pane {
    tui *t;
    pane_line lines[PANE_LINES]; /* a ring */
    int first, n;
    int scroll;                  /* rows back from the newest */
    int rows;                    /* text rows at the last draw: a page */
    pane_stream so, se;
    FILE *out, *err;
};

static void push_line(tui_pane *p, const char *text, size_t len, tui_role role)
{
    char *s = malloc(len + 1);
    if (!s)
        return;
    /* tabs become spaces, other control bytes '?': the pane is plain text */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        s[k++] = c == '\t' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    s[k] = '\0';
    pane_line *slot;
    if (p->n < PANE_LINES) {
        slot = &p->lines[(p->first + p->n++) % PANE_LINES];
    } else {
        slot = &p->lines[p->first];
        free(slot->text);
        p->first = (p->first + 1) % PANE_LINES;
    }
    slot->text = s;
    slot->role = role;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    pane_stream *ps = cookie;
    for (size_t i = 0; i < size; i++) {
        char c = buf[i];
        if (c == '\r') { /* a progress line redrawn in place: keep the last version */
            ps->npart = 0;
            continue;
        }
        if (c == '\n' || ps->npart == PANE_LINE_MAX) {
            push_line(ps->p, ps->part, ps->npart, ps->role);
            ps->npart = 0;
            if (c == '\n')
                continue;
        }
        ps->part[ps->npart++] = c;
    }
    tui *t = ps->p->t;
    /* a long command that prints shows its output as it goes (throttled) */
    if (t->busy && tui_now() - t->last_draw > 0.1)
        tui_draw(t);
    return (ssize_t)size;
}

static int stream_close(void *cookie)
{
    pane_stream *ps = cookie;
    if (ps->npart > 0)
        push_line(ps->p, ps->part, ps->npart, ps->role);
    ps->npart = 0;
    return 0;
}

static FILE *open_stream(pane_stream *ps)
{
    cookie_io_functions_t io = {NULL, stream_write, NULL, stream_close};
    FILE *f = fopencookie(ps, "w", io);
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

tui_pane *pane_new(tui *t)
{
    tui_pane *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->t = t;
    p->so.p = p->se.p = p;
    p->so.role = R_NORMAL;
    p->se.role = R_ERR;
    p->out = open_stream(&p->so);
    p->err = open_stream(&p->se);
    if (!p->out || !p->err) {
        pane_free(p);
        return NULL;
    }
    return p;
}

void pane_free(tui_pane *p)
{
    if (!p)
        return;
    if (p->out)
        fclose(p->out);
    if (p->err)
        fclose(p->err);
    for (int i = 0; i < p->n; i++)
        free(p->lines[(p->first + i) % PANE_LINES].text);
    free(p);
}

FILE *pane_out(tui_pane *p)
{
    return p->out;
}

FILE *pane_err(tui_pane *p)
{
    return p->err;
}

void pane_note(tui_pane *p, tui_role r, const char *fmt, ...)
{
    char buf[PANE_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    push_line(p, buf, strlen(buf), r);
}

void pane_scroll(tui_pane *p, int pages)
{
    p->scroll += pages * (p->rows > 2 ? p->rows - 1 : 1);
    if (p->scroll < 0)
        p->scroll = 0; /* the upper bound depends on the width: pane_draw clamps */
}

void pane_follow(tui_pane *p)
{
    p->scroll = 0;
}

/* Bytes of s that fit in w columns (at least one code point). */
static size_t chunk(const char *s, int w)
{
    size_t n = strlen(s), used = 0;
    int cols = 0;
    while (used < n) {
        wchar_t wc;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t k = mbrtowc(&wc, s + used, n - used, &st);
        int cw = 1;
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
            k = 1;
        else if ((cw = wcwidth(wc)) < 0)
            cw = 1;
        if (cols + cw > w && used > 0)
            break;
        cols += cw;
        used += k;
    }
    return used;
}

/* Rows a line takes when wrapped to w columns. */
static int rows_of(const char *s, int w)
{
    int rows = 1;
    size_t k;
    while (*s && (k = chunk(s, w)) < strlen(s)) {
        s += k;
        rows++;
    }
    return rows;
}

void pane_draw(tui_pane *p, int y, int x, int h, int w)
{
    tui *t = p->t;
    /* the rule: "output" and where the view is */
    tui_hline(t, y, x, w, R_DIM);
    tui_put(t, y, x + 1, w - 2, R_HEAD, " output ");
    int rows = h - 1;
    if (rows <= 0)
        return;
    p->rows = rows;
    if (p->scroll > 0) { /* clamp: the history's height depends on the width */
        int total = 0;
        for (int i = 0; i < p->n && total <= p->scroll + rows; i++)
            total += rows_of(p->lines[(p->first + p->n - 1 - i) % PANE_LINES].text, w);
        if (p->scroll > total - rows)
            p->scroll = total - rows > 0 ? total - rows : 0;
    }
    if (p->scroll > 0) {
        char buf[64];
        snprintf(buf, sizeof buf, " %d more below; PgDn ", p->scroll);
        int bw = tui_width(buf);
        if (bw + 12 < w)
            tui_put(t, y, x + w - bw - 1, bw, R_MSG, buf);
    }
    /* fill from the bottom: skip `scroll` rows, then draw upwards */
    int skip = p->scroll;
    int row = y + h - 1;
    for (int i = p->n - 1; i >= 0 && row > y; i--) {
        pane_line *l = &p->lines[(p->first + i) % PANE_LINES];
        /* the row offsets of this line's chunks, drawn last chunk first */
        const char *starts[256];
        int nst = 0;
        const char *s = l->text;
        do {
            if (nst < 256)
                starts[nst++] = s;
            s += chunk(s, w);
        } while (*s);
        for (int c = nst - 1; c >= 0 && row > y; c--) {
            if (skip > 0) {
                skip--;
                continue;
            }
            size_t len = c + 1 < nst ? (size_t)(starts[c + 1] - starts[c]) : strlen(starts[c]);
            char buf[PANE_LINE_MAX + 1];
            memcpy(buf, starts[c], len);
            buf[len] = '\0';
            tui_put(t, row--, x, w, l->role, buf);
        }
    }
}

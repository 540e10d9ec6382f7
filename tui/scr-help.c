/* scr-help.c: the '?' screen, generated from the key table (keys.c), one
 * group per scope, like the man page section. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui_int.h"

/* Bytes of text that fit in w columns, broken at a space when it can be. */
static size_t wrap_at(const char *s, int w)
{
    size_t n = strlen(s), i = 0, best = 0;
    int cols = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    while (i < n) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &st);
        int cw = 1;
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            k = 1;
            memset(&st, 0, sizeof st);
        } else if ((cw = wcwidth(wc)) < 0) {
            cw = 1;
        }
        if (cols + cw > w)
            return best ? best : (i ? i : k);
        if (s[i] == ' ')
            best = i;
        cols += cw;
        i += k;
    }
    return n;
}

/* Draws (when `draw`) and returns the number of lines. */
static int content(tui *t, int y, int x, int h, int w, int first, int draw)
{
    int k = 0, namew = 8;
    char names[256], title[128];
    for (int i = 0; tui_keys[i].act != ACT_NONE;) {
        i = keys_entry(i, names, sizeof names);
        int nw = tui_width(names);
        namew = nw > namew ? nw : namew;
    }
    if (namew > w / 3)
        namew = w / 3;
    int textw = w - 3 - namew;
    unsigned last = 0;
    for (int i = 0; tui_keys[i].act != ACT_NONE;) {
        const tui_key *key = &tui_keys[i];
        if (key->scope != last) {
            if (last)
                k++;
            keys_scope_title(key->scope, title, sizeof title);
            if (draw && k >= first && k - first < h)
                tui_put(t, y + k - first, x, w, R_HEAD, title);
            k++;
            last = key->scope;
        }
        i = keys_entry(i, names, sizeof names);
        if (draw && k >= first && k - first < h)
            tui_put(t, y + k - first, x + 2, namew, R_CMD, names);
        const char *s = key->help ? key->help : "";
        do {
            size_t n = wrap_at(s, textw);
            if (draw && k >= first && k - first < h) {
                char buf[512];
                snprintf(buf, sizeof buf, "%.*s", (int)n, s);
                tui_put(t, y + k - first, x + 3 + namew, textw, R_NORMAL, buf);
            }
            k++;
            s += n;
            while (*s == ' ')
                s++;
        } while (*s);
    }
    return k;
}

void scr_help_draw(tui *t, int y, int x, int h, int w)
{
    int n = content(t, y, x + 1, h, w - 2, 0, 0);
    int first = tui_clamp_scroll(t, SCR_HELP, n, h);
    content(t, y, x + 1, h, w - 2, first, 1);
}

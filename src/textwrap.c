/* textwrap.c: greedy word wrap for help output. */
#include "textwrap.h"

#include <string.h>

void wrap_print(FILE *out, const char *text, int indent, int width)
{
    const char *p = text;
    int col = 0;
    while (*p) {
        if (*p == '\n') {
            /* a blank line ends the paragraph; a single newline is a space */
            if (p[1] == '\n') {
                if (col)
                    fputc('\n', out);
                fputc('\n', out);
                col = 0;
                p += 2;
                continue;
            }
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t wl = strcspn(p, " \n");
        if (col && col + 1 + (int)wl > width) {
            fputc('\n', out);
            col = 0;
        }
        if (col == 0) {
            fprintf(out, "%*s", indent, "");
            col = indent;
        } else {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, wl, out);
        col += (int)wl;
        p += wl;
    }
    if (col)
        fputc('\n', out);
}

void text_fit(char *out, size_t size, const char *s, int w)
{
    size_t n = strlen(s);
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = 0;
    if ((int)n > w && w > 2) {
        out[w - 2] = '.';
        out[w - 1] = '.';
        out[w] = 0;
    }
}

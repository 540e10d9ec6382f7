/* textwrap.h: word-wrapping of help text, and fitting labels into table
 * columns, for the terminal. */
#ifndef SC_TEXTWRAP_H
#define SC_TEXTWRAP_H

#include <stddef.h>
#include <stdio.h>

/* Print `text` wrapped at `width` columns, each line indented by `indent`
 * spaces; blank lines in text separate paragraphs and are kept. */
void wrap_print(FILE *out, const char *text, int indent, int width);

/* s into out (size bytes) as at most w columns: a longer s is cut and ends
 * in ".." (ASCII labels assumed; UTF-8 is cut by bytes, a cosmetic loss). */
void text_fit(char *out, size_t size, const char *s, int w);

#endif

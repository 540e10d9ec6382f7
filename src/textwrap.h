/* textwrap.h: word-wrapping of help text for the terminal. */
#ifndef SC_TEXTWRAP_H
#define SC_TEXTWRAP_H

#include <stdio.h>

/* Print `text` wrapped at `width` columns, each line indented by `indent`
 * spaces; blank lines in text separate paragraphs and are kept. */
void wrap_print(FILE *out, const char *text, int indent, int width);

#endif

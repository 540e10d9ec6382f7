/* lex.h: split one logical input line into commands and words.
 *
 * Syntax (shared by the prompt, scripts, -c and `source`): words separated
 * by blanks; '...' is literal; "..." allows \" \\ \n \t \e; a backslash outside
 * quotes escapes the next character; `;` separates commands; `#` at the start
 * of a word comments out the rest of the line.  Quoted parts join the word
 * they touch, as in the shell (key="a b" is one word). */
#ifndef SC_LEX_H
#define SC_LEX_H

#include "err.h"

typedef struct lex_cmd {
    int argc;
    char **argv;
} lex_cmd;

typedef struct lex_line {
    int ncmds;
    lex_cmd *cmds;
    int open_quote; /* lenient mode: the line ended inside this quote char */
} lex_line;

/* Strict: an unterminated quote is an error.  Lenient (for completion):
 * the unfinished word is kept and open_quote says which quote is open. */
int lex_split(const char *line, int lenient, lex_line *out, sc_err *e);
void lex_free(lex_line *l);

#endif

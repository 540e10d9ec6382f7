/* complete.h: what Tab offers, from the command table: command names, then
 * subcommands, option keys and, by argument kind, file names, settings,
 * obs/var columns, obsm keys.  Independent of Readline so it can be tested. */
#ifndef SC_COMPLETE_H
#define SC_COMPLETE_H

#include <stddef.h>

#include "session.h"

typedef enum {
    COMPLETE_WORDS, /* complete from `words` */
    COMPLETE_FILES  /* complete as a file name (the caller's file completer) */
} complete_mode;

typedef struct complete_list {
    complete_mode mode;
    int n;
    char **words;  /* candidates that start with the word being completed */
    int no_space;  /* do not append a space (an option key ending in '=') */
} complete_list;

/* Candidates for the word that starts at `start` in `line` (up to `end`). */
int complete_line(const session *s, const char *line, size_t start, size_t end,
                  complete_list *out);
void complete_free(complete_list *l);

#endif

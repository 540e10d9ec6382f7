/* help.h: `help` output and the man page, both generated from the command
 * table and the settings table. */
#ifndef SC_HELP_H
#define SC_HELP_H

#include <stdio.h>

#include "err.h"

extern const char *const cmd_group_titles[];

/* `help`: every command with its summary, by group. */
int help_list(FILE *out, sc_err *e);
/* `help CMD [SUB]`: usage, description, arguments, options, examples. */
int help_command(FILE *out, int n, const char *const *words, sc_err *e);
/* The command reference page, man/sparsesc-commands.7, in roff. */
void help_print_man(FILE *out);
/* "OpenBLAS 0.3.21 ..." from the library itself. */
const char *help_blas_version(void);

#endif

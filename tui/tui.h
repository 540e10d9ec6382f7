/* tui.h: the full-screen interface (`sparsesc --tui`, the `tui` command).
 *
 * It draws what src/ computes (the session's data, the training monitor,
 * the inspection results) and runs every command through the one input loop;
 * it computes nothing itself. */
#ifndef SC_TUI_H
#define SC_TUI_H

#include <stdio.h>

#include "err.h"
#include "session.h"

/* Smallest terminal the screens draw in; below it they say "terminal too
 * small" until the window grows again. */
#define TUI_MIN_COLS 50
#define TUI_MIN_ROWS 15
#define TUI_STR_(x) #x
#define TUI_STR(x) TUI_STR_(x)
#define TUI_MIN_SIZE_TEXT TUI_STR(TUI_MIN_COLS) " columns and " TUI_STR(TUI_MIN_ROWS) " lines"

/* Run the interface until the user leaves it (q) or a command sets s->quit.
 * Returns 0, or -1 with e set when it cannot start: not a terminal (stdin or
 * stdout), TERM unset, dumb or unknown, or already open.  s->out, s->err and
 * the monitor's hooks are restored on return, and so is the terminal. */
int tui_run(session *s, sc_err *e);

/* The key bindings as a man page section (roff), generated from the key
 * table like the on-screen '?' list; help_print_man() calls it. */
void tui_print_keys_roff(FILE *out);

#endif

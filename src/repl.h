/* repl.h: the interactive prompt: GNU Readline with history and
 * completion, feeding the one input loop. */
#ifndef SC_REPL_H
#define SC_REPL_H

#include "session.h"

/* Run the prompt until quit or Ctrl-D; returns the exit status. */
int repl_run(session *s);

#endif

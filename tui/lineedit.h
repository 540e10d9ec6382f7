/* lineedit.h: the ':' prompt's line editor: a UTF-8 line with a cursor,
 * history and Tab completion from the command table (complete.h).
 *
 * Why not Readline here: the REPL already owns Readline's global state (and
 * may be paused inside `tui`), and driving it inside ncurses needs hooks for
 * input, redisplay, terminal preparation and the completion listing, which
 * is more code than this editor.  It knows nothing of ncurses, so the TUI
 * draws it wherever the prompt is. */
#ifndef SC_LINEEDIT_H
#define SC_LINEEDIT_H

#include <stddef.h>

#include "session.h"

#define LE_MAX 4096   /* bytes in the line */
#define LE_HISTORY 500

typedef struct line_edit {
    char buf[LE_MAX];
    size_t len, cur; /* bytes; cur is always at a code point boundary */
    char *hist[LE_HISTORY];
    int nhist, hpos;  /* hpos == nhist: the line being typed */
    char saved[LE_MAX]; /* the line being typed while browsing history */
} line_edit;

void le_init(line_edit *le);
void le_free(line_edit *le);
void le_clear(line_edit *le);
/* Insert bytes (a UTF-8 sequence) at the cursor; -1 when the line is full. */
int le_insert(line_edit *le, const char *bytes, size_t n);
void le_left(line_edit *le);
void le_right(line_edit *le);
void le_home(line_edit *le);
void le_end(line_edit *le);
void le_backspace(line_edit *le);
void le_delete(line_edit *le);
void le_kill_line(line_edit *le);
void le_kill_end(line_edit *le);
void le_kill_word(line_edit *le); /* the word before the cursor */
/* Remember a line run (not empty, not the same as the last one). */
void le_hist_add(line_edit *le, const char *line);
void le_hist_prev(line_edit *le);
void le_hist_next(line_edit *le);

/* Tab: complete the word before the cursor.  One candidate replaces the word
 * (followed by a space unless it is an option key "k=" or a directory "d/");
 * several extend it to their common prefix and are listed, space-separated,
 * into `shown` (empty when nothing is to be listed).  Returns the number of
 * candidates. */
int le_complete(line_edit *le, const session *s, char *shown, size_t size);

#endif

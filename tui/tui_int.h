/* tui_int.h: what the files of the full-screen interface share: its state,
 * the key table, the drawing helpers and the screens.  Not for src/. */
#ifndef SC_TUI_INT_H
#define SC_TUI_INT_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncurses.h>
#include <signal.h>

#include "lineedit.h"
#include "session.h"

typedef enum { SCR_TRAIN, SCR_FEATURES, SCR_DETAIL, SCR_DATA, SCR_HELP, SCR_COUNT } tui_screen;

/* ---- keys (keys.c) ------------------------------------------------------ */

/* Where a binding applies: one bit per screen, every screen, or the prompt.
 * A screen's own binding wins over an every-screen one for the same key. */
#define KS_SCREEN(s) (1u << (s))
#define KS_GLOBAL 0x100u
#define KS_PROMPT 0x200u
#define KS_SEARCH 0x400u /* the Features screen's '/' line */

/* Key codes: a character is its code point; ncurses function keys are moved
 * above Unicode so they cannot collide with characters. */
#define TK_FN(k) (0x1000000 + (k))
#define TK_INTR 0x2000000 /* Ctrl-C: SIGINT seen by the loop (the tty still signals) */
#define TK_CTRL(c) ((c) & 0x1f)

typedef enum {
    ACT_NONE,
    ACT_QUIT, ACT_HELP, ACT_BACK, ACT_PROMPT, ACT_REDRAW, ACT_INTERRUPT,
    ACT_SCREEN_TRAIN, ACT_SCREEN_FEATURES, ACT_SCREEN_DETAIL, ACT_SCREEN_DATA,
    ACT_NEXT_SCREEN, ACT_PREV_SCREEN,
    ACT_OUT_UP, ACT_OUT_DOWN, ACT_OUT_BIG,
    ACT_SCROLL_UP, ACT_SCROLL_DOWN, ACT_SCROLL_PGUP, ACT_SCROLL_PGDN, ACT_SCROLL_TOP,
    ACT_PAUSE, ACT_STOP, ACT_CURVES, ACT_LOGY,
    ACT_ROW_UP, ACT_ROW_DOWN, ACT_ROW_PGUP, ACT_ROW_PGDN, ACT_ROW_TOP, ACT_ROW_END,
    ACT_SORT, ACT_SORT_REVERSE, ACT_SEARCH, ACT_SEARCH_NEXT, ACT_SEARCH_PREV, ACT_OPEN,
    ACT_DETAIL_NEXT, ACT_DETAIL_PREV, ACT_DETAIL_DIMS,
    ACT_SE_ENTER, ACT_SE_CANCEL,
    ACT_ED_ENTER, ACT_ED_CANCEL, ACT_ED_COMPLETE, ACT_ED_HIST_PREV, ACT_ED_HIST_NEXT,
    ACT_ED_LEFT, ACT_ED_RIGHT, ACT_ED_HOME, ACT_ED_END, ACT_ED_BACKSPACE, ACT_ED_DELETE,
    ACT_ED_KILL_LINE, ACT_ED_KILL_END, ACT_ED_KILL_WORD
} tui_action;

/* One binding.  Consecutive rows with the same scope and action are one
 * entry of the help: their names are joined ("q, F10") and only the first
 * row carries the help text. */
typedef struct tui_key {
    unsigned scope;
    int key;
    const char *name; /* as the help and the man page show it */
    tui_action act;
    const char *help;
} tui_key;

extern const tui_key tui_keys[]; /* terminated by act == ACT_NONE */

/* The binding of `key` for `scope` (a screen bit or KS_PROMPT): the screen's
 * own first, then an every-screen one (not for the prompt).  NULL: unbound. */
const tui_key *keys_lookup(unsigned scope, int key);
/* The help entry starting at row i: joined names into buf; returns the index
 * of the next entry. */
int keys_entry(int i, char *buf, size_t size);
/* "Every screen", "Training screen", "Command prompt (:)". */
void keys_scope_title(unsigned scope, char *buf, size_t size);

/* ---- drawing (draw.c) --------------------------------------------------- */

typedef struct tui_glyphs {
    const char *h, *v, *tl, *tr, *bl, *br, *ltee, *rtee, *sep;
    const char *bar_full, *bar_empty;
    const char *bar_part[8]; /* 0..7 eighths */
    const char *more;        /* marks clipped text */
} tui_glyphs;

extern const tui_glyphs tui_glyphs_utf8, tui_glyphs_ascii;

/* What text is: each role has a colour pair, or a plain attribute. */
typedef enum {
    R_NORMAL, R_TITLE, R_TAB, R_TAB_ON, R_ERR, R_CMD, R_DIM, R_HEAD, R_MSG, R_MARK,
    R_SERIES /* + k for series k (0-based), cycling over 6 colours */
} tui_role;
#define TUI_NSERIES_COLORS 6

struct tui_pane;

typedef enum { RUN_NONE, RUN_RUNNING, RUN_FINISHED, RUN_STOPPED } tui_run_state;

typedef struct tui {
    session *s;
    SCREEN *scr;
    int utf8, color;
    const tui_glyphs *g;
    tui_screen screen, back;  /* back: where '?' returns to */
    int quit;                 /* leave when the loop next looks */
    int busy;                 /* a command runs (we are inside its tick or output) */
    int prompt_open;
    line_edit le;
    char hint[512];           /* completion candidates under the prompt */
    char msg[256];            /* status line message */
    int msg_err;
    double msg_until;
    struct tui_pane *pane;
    int pane_big;             /* the output pane fills the body */
    int curves;               /* -1: every panel; k: panel k alone */
    int logy;
    tui_run_state run;
    long ticks;               /* ticks during the running command */
    int stop_asked;
    volatile sig_atomic_t stop; /* the monitor's stop flag if nobody set one */
    double last_draw;
    int scroll[SCR_COUNT];
    int cursor_y, cursor_x;   /* where the prompt's cursor goes (-1: hidden) */
    /* Results that take a while (the feature table, a feature's view) are
     * computed only by a draw with may_compute set: a screen that finds
     * them missing says "computing..." and sets pending, and the loop
     * draws again with may_compute once that message is on the terminal. */
    int may_compute, pending;
    /* Features screen: sort key (tui_sort), direction, the selected row
     * (an index into the sorted view), the search line and the last search */
    int sort, sort_rev;
    int row;
    int search_open;
    line_edit search_le;
    char search[128];
    /* Feature detail screen: which feature, which latent direction view
     * (2i = dim i+, 2i+1 = dim i-), and which of the two is shown */
    int detail_feat, detail_dim, detail_is_dim;
} tui;

double tui_now(void);
int tui_width(const char *utf8);
/* Draw UTF-8 text at (y, x) in at most w columns; code points the locale
 * cannot show become '?', so an ASCII locale never gets a byte >= 0x80.
 * Returns the columns used. */
int tui_put(tui *t, int y, int x, int w, tui_role r, const char *utf8);
int tui_printf(tui *t, int y, int x, int w, tui_role r, const char *fmt, ...)
    SC_PRINTF(6, 7);
void tui_hline(tui *t, int y, int x, int w, tui_role r);
/* A box with a title in its top border. */
void tui_box(tui *t, int y, int x, int h, int w, const char *title);
/* Text centred in columns [x, x + w). */
void tui_center(tui *t, int y, int x, int w, tui_role r, const char *utf8);
attr_t tui_attr(const tui *t, tui_role r);
void tui_colors_init(tui *t);
void tui_flash(tui *t, int err, const char *fmt, ...) SC_PRINTF(3, 4);
/* Draw everything and update the terminal. */
void tui_draw(tui *t);

/* ---- the screens (scr-*.c) ---------------------------------------------- */

void scr_train_draw(tui *t, int y, int x, int h, int w);
void scr_features_draw(tui *t, int y, int x, int h, int w);
void scr_detail_draw(tui *t, int y, int x, int h, int w);
void scr_data_draw(tui *t, int y, int x, int h, int w);
void scr_help_draw(tui *t, int y, int x, int h, int w);
/* Keys of the Features and Feature-detail screens (and the search line). */
void scr_features_act(tui *t, tui_action a);
void scr_detail_act(tui *t, tui_action a);
/* Smallest body (rows x columns) each screen draws in; below it, it says
 * "terminal too small" for itself.  At 80x24 every screen fits. */
#define SCR_FEATURES_MIN_W 60
#define SCR_FEATURES_MIN_H 6
#define SCR_DETAIL_MIN_W 60
#define SCR_DETAIL_MIN_H 12
/* Clamp a screen's scroll offset to `lines` of content in h rows. */
int tui_clamp_scroll(tui *t, tui_screen sc, int lines, int h);

/* ---- the output pane (pane.c) ------------------------------------------- */

typedef struct tui_pane tui_pane;
/* Streams that append to the pane: commands print to out, the input loop
 * reports errors to err (shown in the error colour).  Writes keep their
 * order because each stream is line-buffered and flushed by the loop. */
tui_pane *pane_new(tui *t);
void pane_free(tui_pane *p);
FILE *pane_out(tui_pane *p);
FILE *pane_err(tui_pane *p);
/* Add a line in role r (the echoed command, notes). */
void pane_note(tui_pane *p, tui_role r, const char *fmt, ...) SC_PRINTF(3, 4);
void pane_scroll(tui_pane *p, int pages); /* > 0: back in history */
void pane_follow(tui_pane *p);           /* back to the newest line */
void pane_draw(tui_pane *p, int y, int x, int h, int w);

/* ---- the terminal (term.c) --------------------------------------------- */

/* Refuse early, with the reason: not a tty, TERM unset or dumb. */
int term_check(sc_err *e);
/* newterm, modes, colours, glyphs, signal handlers; term_close undoes it. */
int term_open(tui *t, sc_err *e);
void term_close(tui *t);
/* 1 (after resizing ncurses to the terminal) when a SIGWINCH came. */
int term_resized(void);

/* ---- synthetic training for the tests (selftest.c) ---------------------- */

/* SPARSESC_TUI_SELFTEST=1 (or EPOCHS,STEPS,MS) in the environment: 1 with
 * the run's shape, else 0. */
int selftest_wanted(int *epochs, int *steps, int *ms);
/* Feed the session's monitor synthetic losses through the same tick path a
 * training command uses; stops when *mon.stop is set. */
int selftest_run(session *s, int epochs, int steps, int ms, sc_err *e);

#endif

/* tui.c: the interface's life: start, the timed key loop, dispatch through
 * the key table, running ':' lines through the one input loop, and the
 * monitor tick that keeps the Training screen live.
 *
 * Why a timed key loop on one thread and not training on a worker thread:
 * commands run through the input loop on the main thread and own the session
 * while they run; ncurses is not thread-safe; and the monitor is written by
 * training without locks.  Training instead calls the monitor's tick after
 * every step, and the tick draws (at most 10 times a second) and reads keys
 * without waiting, so keys are answered within one step.  The cost: a single
 * step that takes long delays keys by as much.  When nothing runs, the loop
 * waits for a key with a timeout (htop style) so it also wakes for what
 * arrives without a key: a status message expiring, a SIGINT flag. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "input.h"
#include "tui.h"
#include "tui_data.h"
#include "tui_int.h"

#define IDLE_TIMEOUT_MS 250
#define PAUSE_TIMEOUT_MS 100
#define DRAW_INTERVAL_S 0.1

static tui *g_tui; /* the open interface: one at a time */

/* One key, or -1 after timeout_ms (0: do not wait) or a signal. */
static int read_key(int timeout_ms)
{
    timeout(timeout_ms);
    wint_t wc;
    int r = get_wch(&wc);
    if (r == KEY_CODE_YES)
        return TK_FN((int)wc);
    if (r == OK)
        return (int)wc;
    return -1;
}

static void stop_training(tui *t)
{
    monitor *m = &t->s->mon;
    if (m->stop)
        *m->stop = 1;
    t->stop_asked = 1;
    m->paused = 0;
    tui_flash(t, 0, "stopping after this step (the model is kept)");
}

static int training(const tui *t)
{
    return t->busy && t->ticks > 0 && t->run == RUN_RUNNING;
}

static void begin_command(tui *t)
{
    t->busy = 1;
    t->ticks = 0;
    t->stop_asked = 0;
    if (t->s->mon.stop)
        *t->s->mon.stop = 0;
    t->s->mon.paused = 0;
    sc_interrupted = 0;
    pane_follow(t->pane);
    tui_draw(t);
}

static void end_command(tui *t, int quit_before)
{
    session *s = t->s;
    fflush(s->out);
    fflush(s->err);
    t->busy = 0;
    /* any command may have changed the data, the models or the selection:
     * what the screens showed is recomputed on the next look */
    tui_data_reset(0);
    if (t->ticks > 0)
        t->run = t->stop_asked ? RUN_STOPPED : RUN_FINISHED;
    s->mon.paused = 0;
    /* A Ctrl-C inside a script run from here ends that script with "quit
     * 130"; inside the interface it must only stop the command. */
    if (!quit_before && s->quit && s->exit_status == 130) {
        s->quit = 0;
        s->exit_status = 0;
    }
}

static void run_line(tui *t)
{
    char line[LE_MAX];
    snprintf(line, sizeof line, "%s", t->le.buf);
    le_hist_add(&t->le, line);
    le_clear(&t->le);
    t->prompt_open = 0;
    t->hint[0] = '\0';
    if (line[strspn(line, " \t")] == '\0')
        return;
    pane_note(t->pane, R_CMD, ": %s", line);
    int quit_before = t->s->quit;
    begin_command(t);
    /* the one input loop, reading this single line */
    input_src src = {.name = "tui", .read = input_read_string, .str = line, .interactive = 1};
    input_run(t->s, &src);
    end_command(t, quit_before);
}

/* The line being edited: the ':' prompt or the search line. */
static line_edit *editing(tui *t)
{
    return t->prompt_open ? &t->le : &t->search_le;
}

static void insert_char(tui *t, int key)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(mb, (wchar_t)key, &st);
    if (n == (size_t)-1 || le_insert(editing(t), mb, n) != 0)
        beep();
}

static void set_screen(tui *t, tui_screen sc)
{
    t->screen = sc;
}

static void act(tui *t, tui_action a)
{
    monitor *m = &t->s->mon;
    int page = LINES / 2 > 1 ? LINES / 2 : 1;
    switch (a) {
    case ACT_QUIT:
        if (training(t))
            stop_training(t);
        t->quit = 1;
        break;
    case ACT_HELP:
        if (t->screen == SCR_HELP) {
            t->screen = t->back;
        } else {
            t->back = t->screen;
            t->screen = SCR_HELP;
        }
        break;
    case ACT_BACK:
        t->screen = t->back;
        break;
    case ACT_PROMPT:
        if (t->busy) {
            tui_flash(t, 1, "a command is running; s or Ctrl-C stops a training");
            break;
        }
        t->prompt_open = 1;
        t->hint[0] = '\0';
        le_clear(&t->le);
        break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    case ACT_INTERRUPT:
        if (training(t))
            stop_training(t);
        else
            tui_flash(t, 0, "nothing to stop; q leaves the interface");
        break;
    case ACT_SCREEN_TRAIN:
        set_screen(t, SCR_TRAIN);
        break;
    case ACT_SCREEN_FEATURES:
        set_screen(t, SCR_FEATURES);
        break;
    case ACT_SCREEN_DETAIL:
        set_screen(t, SCR_DETAIL);
        break;
    case ACT_SCREEN_DATA:
        set_screen(t, SCR_DATA);
        break;
    case ACT_NEXT_SCREEN:
    case ACT_PREV_SCREEN: {
        int cur = t->screen == SCR_HELP ? (int)t->back : (int)t->screen;
        set_screen(t, (tui_screen)((cur + (a == ACT_NEXT_SCREEN ? 1 : 3)) % 4));
        break;
    }
    case ACT_OUT_UP:
        pane_scroll(t->pane, 1);
        break;
    case ACT_OUT_DOWN:
        pane_scroll(t->pane, -1);
        break;
    case ACT_OUT_BIG:
        t->pane_big = !t->pane_big;
        break;
    case ACT_SCROLL_UP:
        t->scroll[t->screen]--;
        break;
    case ACT_SCROLL_DOWN:
        t->scroll[t->screen]++;
        break;
    case ACT_SCROLL_PGUP:
        t->scroll[t->screen] -= page;
        break;
    case ACT_SCROLL_PGDN:
        t->scroll[t->screen] += page;
        break;
    case ACT_SCROLL_TOP:
        t->scroll[t->screen] = 0;
        break;
    case ACT_PAUSE:
        if (!training(t)) {
            tui_flash(t, 1, "no training is running");
            break;
        }
        m->paused = !m->paused;
        tui_flash(t, 0, m->paused ? "paused; p resumes" : "resumed");
        break;
    case ACT_STOP:
        if (training(t))
            stop_training(t);
        else
            tui_flash(t, 1, "no training is running");
        break;
    case ACT_CURVES:
        t->curves++; /* the screen wraps past the last panel back to all */
        tui_flash(t, 0, "curves: %s", t->curves < 0 ? "every panel" : "one panel (c: next)");
        break;
    case ACT_LOGY:
        t->logy = !t->logy;
        tui_flash(t, 0, "y axis: %s", t->logy ? "log10" : "linear");
        break;
    case ACT_ED_ENTER:
        run_line(t);
        break;
    case ACT_ED_CANCEL:
        t->prompt_open = 0;
        t->hint[0] = '\0';
        le_clear(&t->le);
        break;
    case ACT_ED_COMPLETE: {
        int n = le_complete(&t->le, t->s, t->hint, sizeof t->hint);
        if (n == 0)
            beep();
        break;
    }
    case ACT_ED_HIST_PREV:
        le_hist_prev(&t->le);
        break;
    case ACT_ED_HIST_NEXT:
        le_hist_next(&t->le);
        break;
    case ACT_ED_LEFT:
        le_left(editing(t));
        break;
    case ACT_ED_RIGHT:
        le_right(editing(t));
        break;
    case ACT_ED_HOME:
        le_home(editing(t));
        break;
    case ACT_ED_END:
        le_end(editing(t));
        break;
    case ACT_ED_BACKSPACE:
        le_backspace(editing(t));
        break;
    case ACT_ED_DELETE:
        le_delete(editing(t));
        break;
    case ACT_ED_KILL_LINE:
        le_kill_line(editing(t));
        break;
    case ACT_ED_KILL_END:
        le_kill_end(editing(t));
        break;
    case ACT_ED_KILL_WORD:
        le_kill_word(editing(t));
        break;
    case ACT_ROW_UP:
    case ACT_ROW_DOWN:
    case ACT_ROW_PGUP:
    case ACT_ROW_PGDN:
    case ACT_ROW_TOP:
    case ACT_ROW_END:
    case ACT_SORT:
    case ACT_SORT_REVERSE:
    case ACT_SEARCH:
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
    case ACT_OPEN:
    case ACT_SE_ENTER:
    case ACT_SE_CANCEL:
        scr_features_act(t, a);
        break;
    case ACT_DETAIL_NEXT:
    case ACT_DETAIL_PREV:
    case ACT_DETAIL_DIMS:
        scr_detail_act(t, a);
        break;
    case ACT_NONE:
        break;
    }
}

static void dispatch(tui *t, int key)
{
    if (key == TK_FN(KEY_RESIZE))
        return; /* ncurses has the new size; the next draw uses it */
    unsigned scope = t->prompt_open   ? KS_PROMPT
                     : t->search_open ? KS_SEARCH
                                      : KS_SCREEN(t->screen);
    const tui_key *k = keys_lookup(scope, key);
    if (k) {
        if (t->prompt_open && k->act != ACT_ED_COMPLETE)
            t->hint[0] = '\0';
        act(t, k->act);
        return;
    }
    if (t->prompt_open || t->search_open) {
        if (key >= 0x20 && key != 0x7f && key < TK_FN(0)) {
            t->hint[0] = '\0';
            insert_char(t, key);
        }
        return;
    }
    if (key >= 0x20 && key < 0x7f)
        tui_flash(t, 1, "'%c' does nothing here; ? lists the keys", key);
}

/* Read and handle keys: wait up to timeout_ms for the first, then take
 * whatever else is queued without waiting. */
static void handle_keys(tui *t, int timeout_ms)
{
    int key;
    while ((key = read_key(timeout_ms)) != -1) {
        dispatch(t, key);
        timeout_ms = 0;
    }
    if (term_resized())
        tui_draw(t);
    if (sc_interrupted) {
        /* while a command runs, leave the flag for it (and for the input
         * loop, which clears it); act once */
        if (!t->busy)
            sc_interrupted = 0;
        if (!t->busy || !t->stop_asked)
            dispatch(t, TK_INTR);
    }
}

/* The monitor's tick: training calls it after every step and epoch. */
static void on_tick(monitor *m, int epoch_done, void *ctx)
{
    tui *t = ctx;
    if (t->ticks++ == 0) {
        t->run = RUN_RUNNING;
        if (t->screen != SCR_HELP)
            t->screen = SCR_TRAIN;
    }
    handle_keys(t, 0);
    while (m->paused && !t->stop_asked && !t->quit) {
        tui_draw(t);
        handle_keys(t, PAUSE_TIMEOUT_MS);
    }
    if (tui_now() - t->last_draw >= DRAW_INTERVAL_S || (epoch_done && m->epoch == m->epochs))
        tui_draw(t);
}

int tui_run(session *s, sc_err *e)
{
    if (g_tui)
        return err_set(e, "the full-screen interface is already open");
    if (term_check(e) != 0)
        return -1;
    tui *t = sc_calloc(e, 1, sizeof *t);
    if (!t)
        return -1;
    t->s = s;
    t->curves = -1;
    le_init(&t->le);
    le_init(&t->search_le);
    if (term_open(t, e) != 0) {
        free(t);
        return -1;
    }
    t->pane = pane_new(t);
    if (!t->pane) {
        term_close(t);
        free(t);
        return err_set(e, "cannot make the output pane: out of memory");
    }
    g_tui = t;
    FILE *old_out = s->out, *old_err = s->err;
    fflush(old_out);
    fflush(old_err);
    s->out = pane_out(t->pane);
    s->err = pane_err(t->pane);
    mon_tick_fn old_tick = s->mon.tick;
    void *old_ctx = s->mon.ctx;
    volatile sig_atomic_t *old_stop = s->mon.stop;
    s->mon.tick = on_tick;
    s->mon.ctx = t;
    if (!s->mon.stop)
        s->mon.stop = &t->stop;
    int old_interactive = s->interactive;
    s->interactive = 1;
    if (s->mon.nseries > 0)
        t->run = RUN_FINISHED; /* a run from before the interface opened */

    pane_note(t->pane, R_DIM, "sparsesc %s: ':' runs a command, '?' lists the keys, 'q' leaves",
              PACKAGE_VERSION);
    int epochs, steps, ms;
    if (selftest_wanted(&epochs, &steps, &ms)) {
        pane_note(t->pane, R_CMD, ": (selftest: synthetic training, SPARSESC_TUI_SELFTEST)");
        int quit_before = s->quit;
        begin_command(t);
        sc_err se = {{0}};
        if (selftest_run(s, epochs, steps, ms, &se) != 0)
            fprintf(s->err, "error: %s\n", se.msg);
        end_command(t, quit_before);
    }
    while (!t->quit && !s->quit) {
        t->pending = 0;
        tui_draw(t);
        if (t->pending) { /* "computing..." is on the screen: now compute */
            t->may_compute = 1;
            tui_draw(t);
            t->may_compute = 0;
            t->pending = 0;
        }
        handle_keys(t, IDLE_TIMEOUT_MS);
    }

    fflush(s->out);
    fflush(s->err);
    s->out = old_out;
    s->err = old_err;
    s->mon.tick = old_tick;
    s->mon.ctx = old_ctx;
    s->mon.stop = old_stop;
    s->mon.paused = 0;
    s->interactive = old_interactive;
    term_close(t);
    pane_free(t->pane);
    le_free(&t->le);
    le_free(&t->search_le);
    tui_data_reset(1);
    free(t);
    g_tui = NULL;
    return 0;
}

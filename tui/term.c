/* term.c: opening and closing the terminal, and the signals that must not
 * leave it in a bad state.
 *
 * Input is cbreak, not raw: the tty still turns Ctrl-C into SIGINT, so a
 * long command that never ticks (a big load) can poll sc_interrupted and
 * stop, as at the prompt.  Our SIGINT handler only sets that flag (the
 * prompt's handler would end the process on a second Ctrl-C); the loop turns
 * it into the Ctrl-C key of the key table.  Crash and termination signals
 * reset the terminal (endwin) and are raised again with their default action,
 * so the shell gets its terminal back and the exit status stays the signal's.
 *
 * SIGWINCH is ours too: ncurses installs its handler only when the signal
 * is at its default and only once per process, and when `tui` runs from the
 * prompt Readline's handler is in place.  The loop asks term_resized(). */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>


#include "input.h"
#include "tui_int.h"

static volatile sig_atomic_t g_curses_on, g_winch, g_resized;

static const int fatal_signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGQUIT, SIGTERM,
                                    SIGHUP};
#define NFATAL (int)(sizeof fatal_signals / sizeof *fatal_signals)
static struct sigaction old_fatal[NFATAL], old_int, old_winch;

static void on_fatal(int sig)
{
    /* endwin() is not async-signal-safe, but the process is going down and a
     * terminal left in cbreak mode without echo is the worse outcome (htop
     * and others make the same trade).  SA_RESETHAND restored the default
     * action, so raise() ends the process with this signal. */
    if (g_curses_on) {
        g_curses_on = 0;
        endwin();
    }
    raise(sig);
}

static void on_int(int sig)
{
    (void)sig;
    sc_interrupted = 1;
}

static void on_winch(int sig)
{
    (void)sig;
    g_winch = 1;
}

int term_resized(void)
{
    if (!g_winch)
        return 0;
    g_winch = 0;
    g_resized = 1;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    return 1;
}

int term_check(sc_err *e)
{
    static const char *const what = "the full-screen interface needs a terminal";
    const char *term = getenv("TERM");
    if (!isatty(STDIN_FILENO))
        return err_set(e, "%s: standard input is not a terminal", what);
    if (!isatty(STDOUT_FILENO))
        return err_set(e, "%s: standard output is not a terminal", what);
    if (!term || !*term)
        return err_set(e, "%s: TERM is not set", what);
    if (strcmp(term, "dumb") == 0)
        return err_set(e, "%s: TERM=dumb cannot move the cursor; use the prompt", what);
    return 0;
}

int term_open(tui *t, sc_err *e)
{
    fflush(stdout);
    fflush(stderr);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_winch; /* before newterm, so ncurses leaves it to us */
    sigaction(SIGWINCH, &sa, &old_winch);
    g_winch = g_resized = 0;
    /* newterm, unlike initscr, returns NULL for an unknown terminal instead
     * of exiting */
    t->scr = newterm(NULL, stdout, stdin);
    if (!t->scr) {
        sigaction(SIGWINCH, &old_winch, NULL);
        return err_set(e, "the full-screen interface cannot drive TERM=%s (unknown terminal type)",
                       getenv("TERM"));
    }
    set_term(t->scr);
    const char *cup = tigetstr("cup");
    if (!cup || cup == (const char *)-1) {
        endwin();
        delscreen(t->scr);
        t->scr = NULL;
        sigaction(SIGWINCH, &old_winch, NULL);
        return err_set(e, "the full-screen interface needs a terminal that can move the cursor; "
                          "TERM=%s cannot",
                       getenv("TERM"));
    }
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    set_escdelay(25); /* Esc closes the prompt without a noticeable wait */
    const char *nc = getenv("NO_COLOR");
    t->color = has_colors() && !(nc && *nc);
    const char *cs = nl_langinfo(CODESET);
    t->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    t->g = t->utf8 ? &tui_glyphs_utf8 : &tui_glyphs_ascii;
    tui_colors_init(t);

    sa.sa_handler = on_int;
    sigaction(SIGINT, &sa, &old_int);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (int i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &sa, &old_fatal[i]);
    g_curses_on = 1;
    return 0;
}

void term_close(tui *t)
{
    if (!t->scr)
        return;
    g_curses_on = 0;
    curs_set(1);
    endwin();
    delscreen(t->scr);
    t->scr = NULL;
    for (int i = 0; i < NFATAL; i++)
        sigaction(fatal_signals[i], &old_fatal[i], NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    fflush(stdout);
    /* the size changed while we had the signal: tell whoever has it now
     * (Readline at the prompt) */
    if (g_resized || g_winch)
        raise(SIGWINCH);
}

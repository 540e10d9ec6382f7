/* repl.c: Readline in callback mode, so Ctrl-C can clear the line without
 * longjmp or unsafe work in the signal handler: the handler only sets
 * sc_interrupted and poll() returns EINTR to this loop. */
#include "repl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "complete.h"
#include "input.h"

static session *g_session; /* for the completion callbacks */
static char g_history[4096];
static char *g_line;
static int g_done;

static void history_path(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    g_history[0] = '\0';
    if (xdg && *xdg) {
        char dir[3072];
        snprintf(dir, sizeof dir, "%s/sparsesc", xdg);
        mkdir(xdg, 0700);
        if (mkdir(dir, 0700) == 0 || errno == EEXIST) {
            snprintf(g_history, sizeof g_history, "%s/history", dir);
            return;
        }
    }
    if (home && *home)
        snprintf(g_history, sizeof g_history, "%s/.sparsesc_history", home);
}

static complete_list g_cands;
static int g_cand_i;

static char *cand_gen(const char *text, int state)
{
    (void)text;
    if (!state)
        g_cand_i = 0;
    while (g_cand_i < g_cands.n)
        return strdup(g_cands.words[g_cand_i++]);
    return NULL;
}

static char **attempt(const char *text, int start, int end)
{
    rl_attempted_completion_over = 1;
    complete_free(&g_cands);
    if (complete_line(g_session, rl_line_buffer, (size_t)start, (size_t)end, &g_cands) < 0)
        return NULL;
    if (g_cands.no_space)
        rl_completion_append_character = '\0';
    if (g_cands.mode == COMPLETE_FILES) {
        /* file names first, then the option keys the table offers */
        char **files = rl_completion_matches(text, rl_filename_completion_function);
        if (files || g_cands.n == 0)
            return files;
    }
    return g_cands.n ? rl_completion_matches(text, cand_gen) : NULL;
}

static void on_line(char *line)
{
    g_line = line;
    g_done = 1;
    rl_callback_handler_remove();
}

static char *repl_read(input_src *src, const char *prompt, size_t *len)
{
    (void)src;
    g_done = 0;
    g_line = NULL;
    rl_callback_handler_install(prompt, on_line);
    while (!g_done) {
        struct pollfd pfd = {.fd = fileno(rl_instream ? rl_instream : stdin), .events = POLLIN};
        int r = poll(&pfd, 1, -1);
        if (r < 0 && errno == EINTR) {
            if (sc_interrupted) {
                /* Ctrl-C: drop the line being typed and prompt again */
                sc_interrupted = 0;
                rl_free_line_state();
                rl_callback_sigcleanup();
                rl_replace_line("", 0);
                rl_crlf();
                rl_callback_handler_install(prompt, on_line);
            }
            continue;
        }
        if (r > 0)
            rl_callback_read_char();
    }
    if (!g_line) {
        fputc('\n', stdout); /* Ctrl-D: leave the shell prompt on a new line */
        return NULL;
    }
    if (*g_line) {
        add_history(g_line);
        if (*g_history)
            append_history(1, g_history);
    }
    *len = strlen(g_line);
    return g_line;
}

int repl_run(session *s)
{
    g_session = s;
    rl_readline_name = "sparsesc";
    rl_catch_signals = 0;
    rl_attempted_completion_function = attempt;
    rl_basic_word_break_characters = " \t;";
    rl_completer_quote_characters = "\"'";
    history_path();
    if (*g_history) {
        FILE *f = fopen(g_history, "a"); /* create it so append_history works */
        if (f)
            fclose(f);
        read_history(g_history);
    }
    stifle_history(2000);
    s->interactive = 1;
    input_src src = {.name = "-", .read = repl_read, .interactive = 1};
    input_run(s, &src);
    if (*g_history)
        history_truncate_file(g_history, 2000);
    complete_free(&g_cands);
    return s->exit_status;
}

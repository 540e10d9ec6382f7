/* main.c: command-line options; the only place that exits. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "help.h"
#include "input.h"
#include "repl.h"
#include "session.h"
#include "threads.h"
#include "tui.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sparsesc [-q] [-f FILE | -c COMMANDS] [--tui]\n"
            "       sparsesc --help | --version | --print-man\n"
            "\n"
            "Sparse autoencoders on single-cell latent spaces: load counts, train a VAE and an\n"
            "SAE, inspect features.  Without -f or -c, commands come from the prompt (a\n"
            "terminal) or from standard input (a pipe).\n"
            "\n"
            "  -f FILE       run the commands of FILE, stop at the first error (exit 1)\n"
            "  -c COMMANDS   run COMMANDS (separated by ';'), then exit\n"
            "  -q            quiet: only results and errors\n"
            "  --tui         full-screen interface\n"
            "  --print-man   print the command reference page (man 7 sparsesc-commands)\n"
            "  --version     print the version\n"
            "  --help        print this help\n"
            "\n"
            "Type 'help' at the prompt for the commands.\n");
}

/* OpenMP threads that finish a region spin before sleeping (libgomp's
 * default); on 2 cores shared with anything else, and with the many short
 * regions of a training step, that spinning costs more than it saves:
 * measured on a quiet 2-core machine, passive waiting trained 30k cells in
 * 1.40 s/epoch against 2.32 s, the seed's size 22.9 against 25.0 s, and
 * never slower on small sets (bench/vae).  libgomp reads the setting when it
 * loads, so the program sets it and starts itself again, once, when the
 * user has not chosen. */
static void prefer_passive_wait(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("SPARSESC_NO_REEXEC"))
        return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0 ||
        setenv("SPARSESC_NO_REEXEC", "1", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* no /proc (not Linux): go on with the default policy */
}

int main(int argc, char **argv)
{
    prefer_passive_wait(argv);
    setlocale(LC_ALL, "");
    const char *script = NULL, *commands = NULL;
    int quiet = 0, tui = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-f") == 0 || strcmp(a, "-c") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sparsesc: %s needs an argument\n", a);
                return 2;
            }
            if (script || commands) {
                fprintf(stderr, "sparsesc: give either -f or -c, once\n");
                return 2;
            }
            *(a[1] == 'f' ? &script : &commands) = argv[++i];
        } else if (strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        } else if (strcmp(a, "--print-man") == 0) {
            help_print_man(stdout);
            return 0;
        } else if (strcmp(a, "--tui") == 0) {
            tui = 1;
        } else {
            fprintf(stderr, "sparsesc: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    if (tui && (script || commands)) {
        fprintf(stderr, "sparsesc: give --tui or -f/-c, not both\n");
        return 2;
    }

    session s;
    session_init(&s);
    if (quiet)
        s.set.verbose = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    s.set.threads = ncpu > 0 ? (ncpu > 256 ? 256 : ncpu) : 1;
    sc_set_threads((int)s.set.threads);
    input_install_sigint();

    int status;
    if (commands) {
        input_src src = {.name = "-c", .read = input_read_string, .str = commands};
        status = input_run(&s, &src);
    } else if (script) {
        sc_err e = {{0}};
        int rc = input_run_file(&s, script, &e);
        if (rc == -1)
            fprintf(stderr, "sparsesc: %s\n", e.msg);
        status = rc == 0 ? INPUT_OK : INPUT_ERROR;
    } else if (tui) {
        sc_err e = {{0}};
        status = tui_run(&s, &e) == 0 ? 0 : 2;
        if (status)
            fprintf(stderr, "sparsesc: %s\n", e.msg);
    } else if (isatty(STDIN_FILENO)) {
        if (!quiet)
            printf("sparsesc %s; type 'help' for the commands, Ctrl-D to leave.\n",
                   PACKAGE_VERSION);
        status = repl_run(&s);
    } else {
        input_src src = {.name = "-", .read = input_read_file, .fp = stdin};
        status = input_run(&s, &src);
    }
    if (s.quit && s.exit_status)
        status = s.exit_status;
    session_free(&s);
    fflush(stdout);
    return status;
}

/* cmd-core.c: the session commands: help, set, show, source, echo, quit,
 * version. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>
#include <readline/readline.h>

#include "cmd.h"
#include "help.h"
#include "input.h"
#include "session.h"
#include "settings.h"
#include "tui.h"

static int cmd_help(session *s, const cmd_args *a, sc_err *e)
{
    if (!arg_has(a, "CMD"))
        return help_list(s->out, e);
    /* a repeated positional collects all its words in rest[] */
    return help_command(s->out, a->nrest, a->rest, e);
}

static int cmd_set(session *s, const cmd_args *a, sc_err *e)
{
    const setting_spec *sp = setting_lookup(arg_str(a, "KEY"), e);
    if (!sp)
        return -1;
    return setting_set(&s->set, sp, arg_str(a, "VALUE"), e);
}

static int cmd_show(session *s, const cmd_args *a, sc_err *e)
{
    char buf[4096];
    if (arg_has(a, "KEY")) {
        const setting_spec *sp = setting_lookup(arg_str(a, "KEY"), e);
        if (!sp)
            return -1;
        setting_format(&s->set, sp, buf, sizeof buf);
        fprintf(s->out, "%s\n", buf);
        return 0;
    }
    for (const setting_spec *sp = setting_table; sp->name; sp++) {
        setting_format(&s->set, sp, buf, sizeof buf);
        fprintf(s->out, "%-8s %s\n", sp->name, buf);
    }
    return 0;
}

static int cmd_source(session *s, const cmd_args *a, sc_err *e)
{
    return input_run_file(s, arg_str(a, "FILE"), e);
}

static int cmd_echo(session *s, const cmd_args *a, sc_err *e)
{
    (void)e;
    const char *t = arg_str(a, "TEXT");
    fprintf(s->out, "%s\n", t ? t : "");
    return 0;
}

static int cmd_require(session *s, const cmd_args *a, sc_err *e)
{
    (void)e;
    const char *path = arg_str(a, "FILE");
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    fprintf(s->out, "(%s not found: skipping the rest of this script)\n", path);
    return CMD_STOP_SCRIPT;
}

static int cmd_quit(session *s, const cmd_args *a, sc_err *e)
{
    (void)e;
    s->quit = 1;
    s->exit_status = arg_has(a, "STATUS") ? (int)arg_int(a, "STATUS") : 0;
    return 0;
}

static int cmd_version(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    (void)e;
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    fprintf(s->out, "%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
    fprintf(s->out, "built with HDF5 %u.%u.%u, %s, readline %s\n", maj, min, rel,
            help_blas_version(), rl_library_version);
    return 0;
}

static int cmd_tui(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    return tui_run(s, e);
}

static const arg_spec help_args[] = {
    {"CMD", ARG_COMMAND, ARG_OPTIONAL | ARG_REPEAT, NULL, NULL, 0, 0,
     "The command (and subcommand) to describe; unique prefixes work."},
    {0},
};
static const arg_spec set_args[] = {
    {"KEY", ARG_SETTING, 0, NULL, NULL, 0, 0, "The setting to change (see SETTINGS)."},
    {"VALUE", ARG_WORD, 0, NULL, NULL, 0, 0, "Its new value, checked against its type and range."},
    {0},
};
static const arg_spec show_args[] = {
    {"KEY", ARG_SETTING, ARG_OPTIONAL, NULL, NULL, 0, 0, "One setting to show; all when left out."},
    {0},
};
static const arg_spec source_args[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0, "The script to run."},
    {0},
};
static const arg_spec echo_args[] = {
    {"TEXT", ARG_TEXT, ARG_OPTIONAL, NULL, NULL, 0, 0, "Words to print, joined by one space."},
    {0},
};
static const arg_spec require_args[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0,
     "A file or folder the rest of the script needs; @data/NAME names one in the data folder."},
    {0},
};
static const arg_spec quit_args[] = {
    {"STATUS", ARG_INT, ARG_OPTIONAL, NULL, NULL, 0, 255, "Exit status (default 0)."},
    {0},
};
static const char *const quit_aliases[] = {"exit", NULL};

const cmd_entry cmd_group_core[] = {
    {"help", NULL, help_args, NULL, "list the commands, or describe one",
     "Without an argument, lists every command with its one-line summary. With a command name "
     "(a unique prefix is enough), shows its usage, arguments, options with their defaults and "
     "ranges, and examples. For a command with subcommands, name the subcommand too.",
     "help\nhelp load\nhelp set", cmd_help, NULL},
    {"set", NULL, set_args, NULL, "change a setting",
     "Changes one session setting. The value is checked against the setting's type and range; a "
     "bad value changes nothing. `show` lists the settings.",
     "set seed 42\nset threads 2\nset errexit off", cmd_set, NULL},
    {"show", NULL, show_args, NULL, "show the settings",
     "Shows every setting with its current value, or the value of one.", "show\nshow threads",
     cmd_show, NULL},
    {"source", NULL, source_args, NULL, "run the commands of a script file",
     "Runs a script file through the same input loop as the prompt. In a script, an error stops "
     "the sourced file (unless errexit is off) and is reported as FILE:LINE. Scripts may source "
     "other scripts, up to 16 deep.",
     "source run.sc", cmd_source, NULL},
    {"echo", NULL, echo_args, NULL, "print text",
     "Prints its arguments joined by single spaces; useful to label the output of scripts.",
     "echo training the VAE", cmd_echo, NULL},
    {"require", NULL, require_args, NULL, "end the script quietly when a file is missing",
     "In a script, ends that script (successfully, with a note) when FILE does not exist, so "
     "one script can use optional data: the demo's real-data part starts with `require "
     "@data/ifnb1k.h5ad`. At the prompt it only prints the note. Every FILE argument of every "
     "command may start with @data/ to name a file in the `data` setting's folder.",
     "require @data/ifnb1k.h5ad", cmd_require, NULL},
    {"quit", quit_aliases, quit_args, NULL, "leave sparsesc",
     "Ends the session (or the script) with the given exit status. Ctrl-D at the prompt does "
     "the same.",
     "quit\nexit 3", cmd_quit, NULL},
    {"version", NULL, NULL, NULL, "show the version and the libraries in use",
     "Prints the sparsesc version and the versions of HDF5, OpenBLAS and Readline it runs with.",
     "version", cmd_version, NULL},
    {"tui", NULL, NULL, NULL, "open the full-screen interface",
     "Opens the full-screen interface on this session: a Training screen with live loss plots "
     "and a progress bar, Features and Feature detail screens, a Data screen, and a ':' prompt "
     "that runs any command, its output and errors shown in a scrollable pane. 'q' comes back "
     "here with the session as the interface left it; `quit` at its prompt ends sparsesc. "
     "It needs a terminal (standard input and output) that can move the cursor, of at least "
     TUI_MIN_SIZE_TEXT "; otherwise it says why and changes nothing. The keys are listed by "
     "'?' inside it and in the man page sparsesc-commands(7).",
     "tui", cmd_tui, NULL},
    {0},
};

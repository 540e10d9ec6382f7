/* cmd.h: the one command table.
 *
 * Every command is one `struct cmd_entry`: its name, aliases, argument
 * specification, summary, help, examples and the function that runs it.  The
 * table alone drives parsing and validation (cmd_parse), `help`, Readline
 * completion, the man page (manpage.c) and usage errors, so they cannot
 * disagree.  Commands with subcommands (`vae train`, `filter cells`) point to
 * a sub-table instead of a function. */
#ifndef SC_CMD_H
#define SC_CMD_H

#include <stdint.h>

#include "err.h"

struct session;

/* What an argument or option value is; drives validation and completion. */
typedef enum {
    ARG_WORD,    /* any single word */
    ARG_CHOICE,  /* one of `choices` ("a|b|c"), unique prefixes accepted */
    ARG_INT,     /* integer in [min, max] */
    ARG_REAL,    /* finite real in [min, max] */
    ARG_BOOL,    /* on/off, true/false, yes/no, 1/0 */
    ARG_FILE,    /* a path (completed as a file name) */
    ARG_OBS,     /* an obs column name (completed from the loaded data) */
    ARG_VAR,     /* a var column name */
    ARG_OBSM,    /* an obsm key */
    ARG_FEATURE, /* a feature id */
    ARG_SETTING, /* a setting name (see settings.h) */
    ARG_COMMAND, /* a command name */
    ARG_LIST,    /* comma-separated words */
    ARG_ASSIGN,  /* a free KEY=VALUE word (e.g. subset COL=VALUE) */
    ARG_TEXT     /* the rest of the line, words joined by one space */
} arg_kind;

#define ARG_OPTIONAL 1u /* positional may be left out */
#define ARG_REPEAT 2u   /* last positional takes one or more words, all in rest[] */

/* A positional argument.  `keyword`, when set, makes it a pair: the word
 * KEYWORD followed by the value (`load FILE as NAME`). */
typedef struct arg_spec {
    const char *name; /* metavariable shown in usage: FILE, N, COL */
    arg_kind kind;
    unsigned flags;
    const char *keyword;
    const char *choices;
    double min, max; /* ARG_INT / ARG_REAL range */
    const char *help;
} arg_spec;

/* A key=value option; `def` is the default shown in help (NULL: unset). */
typedef struct opt_spec {
    const char *key;
    arg_kind kind;
    const char *def;
    const char *choices;
    double min, max;
    const char *help;
} opt_spec;

/* One parsed value. */
typedef struct arg_val {
    const char *name; /* spec name (positional) or key (option) */
    int set;          /* given on the line or defaulted */
    int given;        /* given on the line */
    const char *str;  /* the text as written (or the default) */
    int64_t i;        /* ARG_INT, ARG_BOOL, ARG_CHOICE (index into choices) */
    double r;         /* ARG_REAL, and ARG_INT as a double */
} arg_val;

#define CMD_MAX_ARGS 32

typedef struct cmd_args {
    const struct cmd_entry *cmd;
    const char *prefix;         /* parent command words ("vae"), for usage */
    int npos;
    arg_val pos[CMD_MAX_ARGS];  /* in the order of cmd->args */
    int nopt;
    arg_val opt[CMD_MAX_ARGS];  /* in the order of cmd->opts */
    int nrest;                  /* ARG_REPEAT / ARG_ASSIGN words */
    const char *rest[CMD_MAX_ARGS];
    char *text;                 /* ARG_TEXT joined (owned) */
    int nowned;                 /* rewritten values (@data/ paths), owned */
    char *owned[CMD_MAX_ARGS];
} cmd_args;

typedef int (*cmd_fn)(struct session *s, const cmd_args *a, sc_err *e);

typedef struct cmd_entry {
    const char *name;
    const char *const *aliases;   /* NULL-terminated, or NULL */
    const arg_spec *args;         /* terminated by {0}, or NULL */
    const opt_spec *opts;         /* terminated by {0}, or NULL */
    const char *summary;          /* one line, no final period */
    const char *help;             /* paragraphs separated by blank lines */
    const char *examples;         /* one example per line */
    cmd_fn fn;                    /* NULL when subs is set */
    const struct cmd_entry *subs; /* subcommand table terminated by {0} */
} cmd_entry;

/* The table: each cmd-*.c file defines one group (an array terminated by
 * {0}); cmd-table.c lists the groups, in the order `help` shows them. */
extern const cmd_entry *const cmd_groups[];

/* Find a command by exact name, alias or unique prefix among the NULL-
 * terminated list of tables.  On failure, says whether the name was unknown
 * (with the nearest name) or ambiguous (with the candidates).  `what` is
 * "command" or "subcommand of 'vae'" for the message. */
const cmd_entry *cmd_lookup(const cmd_entry *const *tables, const char *name, const char *what,
                            sc_err *e);

/* Parse words (after the command name) against the entry's spec.  `prefix`
 * names the parent command for usage messages ("vae"), or NULL. */
int cmd_parse(const cmd_entry *c, const char *prefix, int argc, char **argv, cmd_args *a,
              sc_err *e);
void cmd_args_free(cmd_args *a);

/* What a command function returns besides 0 and -1: stop the script being
 * run, successfully (`require` when its file is absent). */
#define CMD_STOP_SCRIPT 1

/* Run one command line given as words: resolves subcommands, parses, runs.
 * File arguments starting with "@data/" are resolved against the `data`
 * setting, so scripts can name the shared data sets wherever they are. */
int cmd_run(struct session *s, int argc, char **argv, sc_err *e);

/* Accessors by name; the name must exist in the spec (a programming error
 * otherwise, caught by the tests). */
const arg_val *arg_get(const cmd_args *a, const char *name);
int arg_has(const cmd_args *a, const char *name);       /* given on the line */
const char *arg_str(const cmd_args *a, const char *name); /* NULL if unset */
/* A whole word as an integer (feature ids come as ARG_FEATURE words, kept as
 * text so the message can say what the number is): -1 with "WHAT: expected
 * a number, got 'W'" otherwise. */
int arg_parse_id(const char *w, const char *what, int64_t *out, sc_err *e);
int64_t arg_int(const cmd_args *a, const char *name);
double arg_real(const cmd_args *a, const char *name);

/* "load FILE [as NAME] [layer=NAME] ..." for usage lines and the man page. */
void cmd_usage(const cmd_entry *c, const char *prefix, char *buf, size_t size);

/* Validate one option value as cmd_parse would (used to lint defaults). */
int cmd_check_option(const opt_spec *o, const char *word, sc_err *e);

/* Names of the kinds, for messages: "an integer", "a file". */
const char *arg_kind_desc(arg_kind k);

#endif

/* input.h: the one input loop.  The interactive prompt, `sparsesc -f FILE`,
 * `-c 'cmds'`, piped stdin and `source FILE` all read logical lines here and
 * run them through cmd_run, so they behave the same. */
#ifndef SC_INPUT_H
#define SC_INPUT_H

#include <signal.h>
#include <stdio.h>

#include "session.h"

/* Longest logical line accepted (after joining `\` continuations). */
#define SC_LINE_MAX 65536
/* How deep `source` may nest. */
#define SC_SOURCE_DEPTH 16

/* Set by the SIGINT handler; long commands poll it and stop cleanly. */
extern volatile sig_atomic_t sc_interrupted;

typedef struct input_src input_src;

/* Where lines come from.  A reader returns a malloc'd line without its
 * newline (length in *len, which may include NUL bytes), or NULL at the end. */
typedef char *(*input_read_fn)(input_src *src, const char *prompt, size_t *len);

struct input_src {
    const char *name;   /* for messages: the file, "-" for stdin, "-c" */
    input_read_fn read;
    FILE *fp;           /* file readers */
    const char *str;    /* -c reader */
    size_t pos;
    long line;          /* physical lines read so far */
    int interactive;    /* errors never stop it; prompts shown */
};

/* Status of input_run and of the commands inside it. */
#define INPUT_OK 0
#define INPUT_ERROR 1       /* a command failed (and the source stopped if errexit) */
#define INPUT_REPORTED (-2) /* cmd fn return: error already printed (nested source) */

/* Run every command of `src`; prints errors as "NAME:LINE: message" (or
 * "error: message" at the prompt).  Returns INPUT_OK or INPUT_ERROR. */
int input_run(session *s, input_src *src);

/* Readers for files/stdin (fp) and for a string (-c). */
char *input_read_file(input_src *src, const char *prompt, size_t *len);
char *input_read_string(input_src *src, const char *prompt, size_t *len);

/* Run a script file (used by -f and `source`): opens it with checks that
 * give clear messages (missing, a directory, not text). */
int input_run_file(session *s, const char *path, sc_err *e);

/* Install the SIGINT handler that sets sc_interrupted. */
void input_install_sigint(void);

#endif

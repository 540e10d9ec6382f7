/* input.c: the one input loop (see input.h). */
#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "lex.h"

volatile sig_atomic_t sc_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    /* A second Ctrl-C before anyone noticed the first: the user means it. */
    if (sc_interrupted) {
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    sc_interrupted = 1;
}

void input_install_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

char *input_read_file(input_src *src, const char *prompt, size_t *len)
{
    (void)prompt;
    char *line = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&line, &cap, src->fp);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    *len = (size_t)n;
    return line;
}

char *input_read_string(input_src *src, const char *prompt, size_t *len)
{
    (void)prompt;
    const char *p = src->str + src->pos;
    if (!*p && src->pos > 0)
        return NULL;
    if (!*p) {
        src->pos = 1; /* an empty -c string is one empty line */
        src->str = "";
    }
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    char *line = malloc(n + 1);
    if (!line)
        return NULL;
    memcpy(line, p, n);
    line[n] = '\0';
    src->pos += n + (nl ? 1 : 0);
    if (!nl && !*p)
        src->pos = 1;
    *len = n;
    return line;
}

/* Index of the first byte that is not valid UTF-8, or -1. */
static long utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2, min = 0x800;
        } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000;
        } else {
            return (long)i;
        }
        if (i + need >= n)
            return (long)i;
        unsigned cp = c & (0x3f >> need);
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return (long)i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return (long)i;
        i += need + 1;
    }
    return -1;
}

/* Read one logical line (joining `\` continuations) and check it.  Returns
 * 1 with *out set, 0 at end of input, -1 on a bad line (message in e; the
 * line is consumed).  *first is the line number where it started. */
static int read_logical(input_src *src, char **out, long *first, sc_err *e)
{
    char *acc = NULL;
    size_t acclen = 0;
    int bad = 0;
    *out = NULL;
    for (;;) {
        size_t len = 0;
        char *line = src->read(src, acc ? "...> " : "sparsesc> ", &len);
        if (!line) {
            if (!acc)
                return 0;
            break; /* continuation at end of input: run what we have */
        }
        src->line++;
        if (!acc)
            *first = src->line;
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!bad && memchr(line, '\0', len)) {
            bad = 1;
            err_set(e, "line contains a NUL byte (is this a text file?)");
        }
        long at;
        if (!bad && (at = utf8_invalid_at((const unsigned char *)line, len)) >= 0) {
            bad = 1;
            err_set(e, "invalid UTF-8 at byte %ld of the line", at + 1);
        }
        int cont = len > 0 && line[len - 1] == '\\';
        if (cont)
            line[--len] = '\0';
        if (!bad && acclen + len > SC_LINE_MAX) {
            bad = 1;
            err_set(e, "line is longer than %d bytes", SC_LINE_MAX);
        }
        if (!bad) {
            char *n = realloc(acc, acclen + len + 1);
            if (!n) {
                free(line);
                free(acc);
                return err_set(e, "out of memory reading input");
            }
            acc = n;
            memcpy(acc + acclen, line, len);
            acclen += len;
            acc[acclen] = '\0';
        }
        free(line);
        if (!cont)
            break;
    }
    if (bad) {
        free(acc);
        return -1;
    }
    *out = acc;
    return 1;
}

static void report(session *s, const input_src *src, long line, const char *msg)
{
    fflush(s->out);
    if (src->interactive)
        fprintf(s->err, "error: %s\n", msg);
    else
        fprintf(s->err, "%s:%ld: %s\n", src->name, line, msg);
    fflush(s->err);
}

int input_run(session *s, input_src *src)
{
    int status = INPUT_OK;
    int stop = 0; /* `require` ended this script early, successfully */
    for (;;) {
        if (sc_interrupted) {
            sc_interrupted = 0;
            if (!src->interactive) {
                fprintf(s->err, "%s:%ld: interrupted\n", src->name, src->line);
                s->quit = 1;
                s->exit_status = 130;
                return INPUT_ERROR;
            }
        }
        sc_err e = {{0}};
        char *line;
        long first = src->line + 1;
        int r = read_logical(src, &line, &first, &e);
        if (r == 0)
            break;
        int failed = 0;
        if (r < 0) {
            report(s, src, first, e.msg);
            failed = 1;
        } else {
            lex_line lx;
            if (lex_split(line, 0, &lx, &e) < 0) {
                report(s, src, first, e.msg);
                failed = 1;
            } else {
                for (int i = 0; i < lx.ncmds && !s->quit; i++) {
                    int rc = cmd_run(s, lx.cmds[i].argc, lx.cmds[i].argv, &e);
                    fflush(s->out);
                    if (rc == CMD_STOP_SCRIPT && !src->interactive) {
                        stop = 1;
                        break;
                    }
                    if (rc == CMD_STOP_SCRIPT)
                        rc = 0;
                    if (rc == -1)
                        report(s, src, first, e.msg);
                    if (rc != 0) {
                        failed = 1;
                        if (!src->interactive && s->set.errexit)
                            break;
                    }
                }
                lex_free(&lx);
            }
            free(line);
        }
        if (failed) {
            status = INPUT_ERROR;
            if (!src->interactive && s->set.errexit)
                break;
        }
        if (s->quit || stop)
            break;
    }
    return status;
}

int input_run_file(session *s, const char *path, sc_err *e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return err_errno(e, path);
    if (S_ISDIR(st.st_mode))
        return err_set(e, "%s: is a directory, expected a script file", path);
    if (s->depth >= SC_SOURCE_DEPTH)
        return err_set(e, "%s: scripts nested deeper than %d (does a script source itself?)", path,
                       SC_SOURCE_DEPTH);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return err_errno(e, path);
    input_src src = {.name = path, .read = input_read_file, .fp = fp};
    s->depth++;
    int rc = input_run(s, &src);
    s->depth--;
    if (ferror(fp) && rc == INPUT_OK) {
        fclose(fp);
        return err_errno(e, path);
    }
    fclose(fp);
    return rc == INPUT_OK ? 0 : INPUT_REPORTED;
}

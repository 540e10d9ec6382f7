/* lex.c: the command-line tokenizer (see lex.h for the syntax). */
#include "lex.h"

#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    char *s;
    size_t n, cap;
} wbuf;

static int wb_put(wbuf *w, char c, sc_err *e)
{
    if (w->n + 1 >= w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 32;
        char *p = realloc(w->s, cap);
        if (!p)
            return err_set(e, "out of memory reading a command");
        w->s = p;
        w->cap = cap;
    }
    w->s[w->n++] = c;
    w->s[w->n] = '\0';
    return 0;
}

static int cmd_push_word(lex_cmd *c, wbuf *w, sc_err *e)
{
    char **a = realloc(c->argv, (size_t)(c->argc + 2) * sizeof *a);
    if (!a)
        return err_set(e, "out of memory reading a command");
    c->argv = a;
    if (!w->s && wb_put(w, 'x', e) == 0)
        w->n = 0, w->s[0] = '\0'; /* empty quoted word "" */
    if (!w->s)
        return -1;
    c->argv[c->argc++] = w->s;
    c->argv[c->argc] = NULL;
    memset(w, 0, sizeof *w);
    return 0;
}

static int line_push_cmd(lex_line *l, lex_cmd *c, sc_err *e)
{
    if (c->argc == 0)
        return 0;
    lex_cmd *a = realloc(l->cmds, (size_t)(l->ncmds + 1) * sizeof *a);
    if (!a)
        return err_set(e, "out of memory reading a command");
    l->cmds = a;
    l->cmds[l->ncmds++] = *c;
    memset(c, 0, sizeof *c);
    return 0;
}

static char dq_escape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'e': return '\033';
    default: return c;
    }
}

int lex_split(const char *line, int lenient, lex_line *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    lex_cmd cur = {0};
    wbuf w = {0};
    int inword = 0;
    const char *p = line;

    for (;;) {
        char c = *p;
        if (c == '\0' || c == '\n' || ((c == ' ' || c == '\t' || c == '\r' || c == ';') )) {
            if (inword && cmd_push_word(&cur, &w, e) < 0)
                goto fail;
            inword = 0;
            if (c == ';' && line_push_cmd(out, &cur, e) < 0)
                goto fail;
            if (c == '\0')
                break;
            p++;
            continue;
        }
        if (c == '#' && !inword) {
            break; /* comment to end of line */
        }
        inword = 1;
        if (c == '\\') {
            if (p[1] == '\0') { /* a lone trailing backslash stays literal */
                if (wb_put(&w, '\\', e) < 0)
                    goto fail;
                p++;
                continue;
            }
            if (wb_put(&w, p[1], e) < 0)
                goto fail;
            p += 2;
            continue;
        }
        if (c == '\'' || c == '"') {
            char q = c;
            p++;
            if (!w.s && wb_put(&w, 'x', e) == 0) /* "" makes an empty word */
                w.n = 0, w.s[0] = '\0';
            while (*p && *p != q) {
                char ch = *p++;
                if (q == '"' && ch == '\\' && *p) {
                    ch = dq_escape(*p++);
                }
                if (wb_put(&w, ch, e) < 0)
                    goto fail;
            }
            if (*p != q) {
                if (lenient) {
                    out->open_quote = q;
                    if (cmd_push_word(&cur, &w, e) < 0)
                        goto fail;
                    inword = 0;
                    break;
                }
                err_set(e, "unterminated %s quote", q == '"' ? "double" : "single");
                goto fail;
            }
            p++;
            continue;
        }
        if (wb_put(&w, c, e) < 0)
            goto fail;
        p++;
    }
    if (line_push_cmd(out, &cur, e) < 0)
        goto fail;
    return 0;
fail:
    free(w.s);
    for (int i = 0; i < cur.argc; i++)
        free(cur.argv[i]);
    free(cur.argv);
    lex_free(out);
    return -1;
}

void lex_free(lex_line *l)
{
    for (int i = 0; i < l->ncmds; i++) {
        for (int j = 0; j < l->cmds[i].argc; j++)
            free(l->cmds[i].argv[j]);
        free(l->cmds[i].argv);
    }
    free(l->cmds);
    memset(l, 0, sizeof *l);
}

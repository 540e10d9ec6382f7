/* complete.c: table-driven completion (see complete.h). */
#include "complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lex.h"
#include "sae_bind.h"
#include "settings.h"

static void add(complete_list *l, const char *prefix, const char *w, const char *suffix)
{
    size_t pl = strlen(prefix);
    if (strncmp(w, prefix, pl) != 0)
        return;
    size_t n = strlen(w) + strlen(suffix) + 1;
    char *s = malloc(n);
    char **ws = realloc(l->words, (size_t)(l->n + 1) * sizeof *ws);
    if (!s || !ws) {
        free(s);
        if (ws)
            l->words = ws;
        return;
    }
    snprintf(s, n, "%s%s", w, suffix);
    l->words = ws;
    l->words[l->n++] = s;
}

static void add_choices(complete_list *l, const char *prefix, const char *choices)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", choices);
    for (char *t = strtok(buf, "|"); t; t = strtok(NULL, "|"))
        add(l, prefix, t, "");
}

static void add_columns(complete_list *l, const char *prefix, const sc_frame *f)
{
    for (int i = 0; i < f->ncols; i++)
        add(l, prefix, f->cols[i].name, "");
}

/* Values of one argument kind. */
static void add_kind(complete_list *l, const session *s, arg_kind kind, const char *choices,
                     const char *prefix)
{
    switch (kind) {
    case ARG_FILE:
        l->mode = COMPLETE_FILES;
        break;
    case ARG_CHOICE:
        add_choices(l, prefix, choices);
        break;
    case ARG_BOOL:
        add_choices(l, prefix, "on|off");
        break;
    case ARG_SETTING:
        for (const setting_spec *sp = setting_table; sp->name; sp++)
            add(l, prefix, sp->name, "");
        break;
    case ARG_COMMAND:
        for (int g = 0; cmd_groups[g]; g++)
            for (const cmd_entry *c = cmd_groups[g]; c->name; c++) {
                add(l, prefix, c->name, "");
                for (const char *const *al = c->aliases; al && *al; al++)
                    add(l, prefix, *al, "");
            }
        break;
    case ARG_OBS:
    case ARG_ASSIGN:
        if (s->data)
            add_columns(l, prefix, &s->data->obs);
        break;
    case ARG_VAR:
        if (s->data)
            add_columns(l, prefix, &s->data->var);
        break;
    case ARG_OBSM:
        for (int i = 0; s->data && i < s->data->nobsm; i++)
            add(l, prefix, s->data->obsm[i].key, "");
        break;
    case ARG_FEATURE: /* ids of the session's SAE; thousands at most */
        for (int32_t j = 0; s->sae && s->sae->m && j < s->sae->m->m; j++) {
            char id[16];
            snprintf(id, sizeof id, "%d", (int)j);
            add(l, prefix, id, "");
        }
        break;
    default:
        break;
    }
}

int complete_line(const session *s, const char *line, size_t start, size_t end,
                  complete_list *out)
{
    memset(out, 0, sizeof *out);
    char *head = strndup(line, start);
    char *word = strndup(line + start, end - start);
    if (!head || !word) {
        free(head);
        free(word);
        return -1;
    }
    lex_line lx;
    sc_err e;
    int ok = lex_split(head, 1, &lx, &e) == 0;
    /* the words of the command being typed: the last one after any ';' */
    int argc = 0;
    char **argv = NULL;
    const char *seg = strrchr(head, ';');
    seg = seg ? seg + 1 : head;
    int fresh = strspn(seg, " \t") == strlen(seg); /* no word of this command yet */
    if (ok && lx.ncmds > 0 && !fresh) {
        argc = lx.cmds[lx.ncmds - 1].argc;
        argv = lx.cmds[lx.ncmds - 1].argv;
    }
    if (argc == 0) {
        add_kind(out, s, ARG_COMMAND, NULL, word);
        goto done;
    }
    const cmd_entry *const *tables = cmd_groups;
    const cmd_entry *c = cmd_lookup(tables, argv[0], "command", &e);
    int used = 1;
    while (c && c->subs) {
        if (argc <= used) {
            for (const cmd_entry *sc = c->subs; sc->name; sc++)
                add(out, word, sc->name, "");
            goto done;
        }
        const cmd_entry *const subt[] = {c->subs, NULL};
        c = cmd_lookup(subt, argv[used++], "subcommand", &e);
    }
    if (!c)
        goto done;
    /* KEY=partial: complete the option's value */
    const char *eq = strchr(word, '=');
    if (eq) {
        for (const opt_spec *o = c->opts; o && o->key; o++) {
            size_t kl = strlen(o->key);
            if ((size_t)(eq - word) == kl && strncmp(word, o->key, kl) == 0) {
                complete_list vals = {0};
                add_kind(&vals, s, o->kind, o->choices, eq + 1);
                out->mode = vals.mode;
                for (int i = 0; i < vals.n; i++) {
                    char full[512];
                    snprintf(full, sizeof full, "%.*s%s", (int)kl + 1, word, vals.words[i]);
                    add(out, "", full, "");
                }
                complete_free(&vals);
            }
        }
        goto done;
    }
    /* the next positional: count positionals already given (not KEY=VALUE) */
    int npos = 0;
    for (int i = used; i < argc; i++)
        if (!strchr(argv[i], '='))
            npos++;
    int k = 0;
    const arg_spec *next = NULL;
    for (const arg_spec *a = c->args; a && a->name; a++, k++) {
        if (a->keyword)
            continue;
        if (k == npos || (a->flags & ARG_REPEAT)) {
            next = a;
            break;
        }
    }
    if (next)
        add_kind(out, s, next->kind, next->choices, word);
    /* option keys not given yet */
    for (const opt_spec *o = c->opts; o && o->key; o++) {
        int given = 0;
        size_t kl = strlen(o->key);
        for (int i = used; i < argc; i++)
            if (strncmp(argv[i], o->key, kl) == 0 && argv[i][kl] == '=')
                given = 1;
        if (!given)
            add(out, word, o->key, "=");
    }
    if (out->n == 1 && out->words[0][strlen(out->words[0]) - 1] == '=')
        out->no_space = 1;
done:
    if (ok)
        lex_free(&lx);
    free(head);
    free(word);
    return 0;
}

void complete_free(complete_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->words[i]);
    free(l->words);
    memset(l, 0, sizeof *l);
}

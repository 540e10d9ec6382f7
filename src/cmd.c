/* cmd.c: command lookup, argument parsing and usage lines, all driven by
 * the command table (cmd.h). */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "settings.h"

/* ---- lookup ---------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof prev);
    }
    return prev[lb];
}

static int name_matches(const cmd_entry *c, const char *name, int exact)
{
    size_t n = strlen(name);
    if (exact ? strcmp(c->name, name) == 0 : strncmp(c->name, name, n) == 0)
        return 1;
    for (const char *const *al = c->aliases; al && *al; al++)
        if (exact ? strcmp(*al, name) == 0 : strncmp(*al, name, n) == 0)
            return 1;
    return 0;
}

const cmd_entry *cmd_lookup(const cmd_entry *const *tables, const char *name, const char *what,
                            sc_err *e)
{
    /* exact names and aliases first, so `exit` never counts as a prefix clash */
    for (const cmd_entry *const *t = tables; *t; t++)
        for (const cmd_entry *c = *t; c->name; c++)
            if (name_matches(c, name, 1))
                return c;
    const cmd_entry *found = NULL;
    char cands[512] = "";
    int nfound = 0;
    if (*name) {
        for (const cmd_entry *const *t = tables; *t; t++)
            for (const cmd_entry *c = *t; c->name; c++)
                if (name_matches(c, name, 0)) {
                    if (found != c) {
                        size_t used = strlen(cands);
                        snprintf(cands + used, sizeof cands - used, "%s%s", nfound ? ", " : "",
                                 c->name);
                        nfound++;
                    }
                    found = c;
                }
    }
    if (nfound == 1)
        return found;
    if (nfound > 1) {
        err_set(e, "ambiguous %s '%s': could be %s", what, name, cands);
        return NULL;
    }
    const char *best = NULL;
    size_t bestd = 99;
    for (const cmd_entry *const *t = tables; *t; t++)
        for (const cmd_entry *c = *t; c->name; c++) {
            size_t d = edit_distance(name, c->name);
            if (d < bestd) {
                bestd = d;
                best = c->name;
            }
        }
    size_t len = strlen(name);
    if (best && bestd <= (len < 4 ? 1 : 2))
        err_set(e, "unknown %s '%s'; did you mean '%s'?", what, name, best);
    else
        err_set(e, "unknown %s '%s'; type 'help' for the list", what, name);
    return NULL;
}

/* ---- usage ----------------------------------------------------------- */

const char *arg_kind_desc(arg_kind k)
{
    switch (k) {
    case ARG_WORD: return "a word";
    case ARG_CHOICE: return "one of the choices";
    case ARG_INT: return "an integer";
    case ARG_REAL: return "a number";
    case ARG_BOOL: return "on or off";
    case ARG_FILE: return "a file";
    case ARG_OBS: return "an obs column";
    case ARG_VAR: return "a var column";
    case ARG_OBSM: return "an obsm key";
    case ARG_FEATURE: return "a feature id";
    case ARG_SETTING: return "a setting name";
    case ARG_COMMAND: return "a command name";
    case ARG_LIST: return "a comma-separated list";
    case ARG_ASSIGN: return "KEY=VALUE";
    case ARG_TEXT: return "text";
    }
    return "a value";
}

static void cat(char *buf, size_t size, const char *s)
{
    size_t used = strlen(buf);
    if (used + 1 < size)
        snprintf(buf + used, size - used, "%s", s);
}

/* The placeholder shown for an option's value: its choices, or its kind. */
static const char *opt_meta(const opt_spec *o, char *tmp, size_t size)
{
    if (o->kind == ARG_CHOICE && o->choices)
        return o->choices;
    switch (o->kind) {
    case ARG_INT: return "N";
    case ARG_REAL: return "X";
    case ARG_BOOL: return "on|off";
    case ARG_FILE: return "FILE";
    case ARG_OBS: return "COL";
    case ARG_VAR: return "COL";
    case ARG_OBSM: return "KEY";
    case ARG_LIST: return "A,B,..";
    default: break;
    }
    snprintf(tmp, size, "%s", "VALUE");
    return tmp;
}

void cmd_usage(const cmd_entry *c, const char *prefix, char *buf, size_t size)
{
    char tmp[64];
    buf[0] = '\0';
    if (prefix && *prefix) {
        cat(buf, size, prefix);
        cat(buf, size, " ");
    }
    cat(buf, size, c->name);
    if (c->subs) {
        cat(buf, size, " ");
        for (const cmd_entry *s = c->subs; s->name; s++) {
            cat(buf, size, s == c->subs ? "" : "|");
            cat(buf, size, s->name);
        }
        cat(buf, size, " ...");
        return;
    }
    for (const arg_spec *a = c->args; a && a->name; a++) {
        cat(buf, size, " ");
        if (a->flags & ARG_OPTIONAL)
            cat(buf, size, "[");
        if (a->keyword) {
            cat(buf, size, a->keyword);
            cat(buf, size, " ");
        }
        cat(buf, size, a->name);
        if (a->flags & ARG_REPEAT)
            cat(buf, size, "...");
        if (a->flags & ARG_OPTIONAL)
            cat(buf, size, "]");
    }
    for (const opt_spec *o = c->opts; o && o->key; o++) {
        cat(buf, size, " [");
        cat(buf, size, o->key);
        cat(buf, size, "=");
        cat(buf, size, opt_meta(o, tmp, sizeof tmp));
        cat(buf, size, "]");
    }
}

/* ---- parsing --------------------------------------------------------- */

/* Match `word` against "a|b|c": exact, else a unique prefix.  Returns the
 * index or -1 with a message. */
static int choice_index(const char *choices, const char *word, const char *what, sc_err *e)
{
    int idx = 0, found = -1, nfound = 0;
    size_t wl = strlen(word);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0)
            return idx;
        if (wl && wl < len && strncmp(p, word, wl) == 0) {
            found = idx;
            nfound++;
        }
        idx++;
        p += len + (bar ? 1 : 0);
        if (!bar)
            break;
    }
    if (nfound == 1)
        return found;
    err_set(e, "%s: expected one of %s, got '%s'", what, choices, word);
    return -1;
}

static int parse_value(arg_kind kind, const char *choices, double min, double max, const char *what,
                       const char *word, arg_val *v, sc_err *e)
{
    v->str = word;
    v->set = 1;
    switch (kind) {
    case ARG_INT:
        if (parse_int(word, min, max, what, &v->i, e) < 0)
            return -1;
        v->r = (double)v->i;
        return 0;
    case ARG_REAL:
        return parse_real(word, min, max, what, &v->r, e);
    case ARG_BOOL:
        return parse_bool(word, what, &v->i, e);
    case ARG_CHOICE: {
        int k = choice_index(choices, word, what, e);
        if (k < 0)
            return -1;
        v->i = k;
        return 0;
    }
    default:
        if (!*word && kind != ARG_TEXT)
            return err_set(e, "%s: expected %s, got an empty word", what, arg_kind_desc(kind));
        return 0;
    }
}

int cmd_check_option(const opt_spec *o, const char *word, sc_err *e)
{
    arg_val v;
    return parse_value(o->kind, o->choices, o->min, o->max, o->key, word, &v, e);
}

/* Is `word` KEY=VALUE with an identifier-like KEY?  Sets *keylen. */
static int is_assignment(const char *word, size_t *keylen)
{
    const char *eq = strchr(word, '=');
    if (!eq || eq == word)
        return 0;
    for (const char *p = word; p < eq; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    *keylen = (size_t)(eq - word);
    return 1;
}

static int usage_error(const cmd_args *a, sc_err *e)
{
    char u[512];
    cmd_usage(a->cmd, a->prefix, u, sizeof u);
    size_t len = strlen(e->msg);
    snprintf(e->msg + len, sizeof e->msg - len, " (usage: %s)", u);
    return -1;
}

static void default_opt(const opt_spec *o, arg_val *v)
{
    memset(v, 0, sizeof *v);
    v->name = o->key;
    if (!o->def)
        return;
    sc_err ignore;
    /* defaults in the table are checked by the unit tests, so a bad one is a
     * programming error that shows up there, not at the user */
    if (parse_value(o->kind, o->choices, -INFINITY, INFINITY, o->key, o->def, v, &ignore) < 0)
        v->set = 0;
    v->given = 0;
}

int cmd_parse(const cmd_entry *c, const char *prefix, int argc, char **argv, cmd_args *a,
              sc_err *e)
{
    memset(a, 0, sizeof *a);
    a->cmd = c;
    a->prefix = prefix;
    int nspec = 0, nopt = 0;
    for (const arg_spec *s = c->args; s && s->name; s++)
        a->pos[nspec++].name = s->name;
    for (const opt_spec *o = c->opts; o && o->key; o++)
        default_opt(o, &a->opt[nopt++]);
    a->npos = nspec;
    a->nopt = nopt;

    int si = 0; /* next positional spec */
    for (int w = 0; w < argc; w++) {
        const char *word = argv[w];
        const arg_spec *sp = si < nspec ? &c->args[si] : NULL;
        if (sp && sp->kind == ARG_TEXT) {
            size_t len = 1;
            for (int k = w; k < argc; k++)
                len += strlen(argv[k]) + 1;
            a->text = calloc(len, 1);
            if (!a->text)
                return err_set(e, "out of memory");
            for (int k = w; k < argc; k++) {
                if (k > w)
                    strcat(a->text, " ");
                strcat(a->text, argv[k]);
            }
            a->pos[si].set = a->pos[si].given = 1;
            a->pos[si].str = a->text;
            si++;
            break;
        }
        size_t kl;
        if (is_assignment(word, &kl)) {
            int oi = -1;
            for (int k = 0; k < nopt; k++)
                if (strlen(c->opts[k].key) == kl && strncmp(c->opts[k].key, word, kl) == 0)
                    oi = k;
            if (oi >= 0) {
                const opt_spec *o = &c->opts[oi];
                if (a->opt[oi].given) {
                    err_set(e, "option '%s' given twice", o->key);
                    return usage_error(a, e);
                }
                if (parse_value(o->kind, o->choices, o->min, o->max, o->key, word + kl + 1,
                                &a->opt[oi], e) < 0)
                    return -1;
                a->opt[oi].given = 1;
                continue;
            }
            /* an assignment the command takes as a positional (subset COL=V) */
            while (sp && sp->kind != ARG_ASSIGN && (sp->flags & ARG_OPTIONAL) && !sp->keyword)
                sp = ++si < nspec ? &c->args[si] : NULL;
            if (!sp || sp->kind != ARG_ASSIGN) {
                char list[512] = "";
                for (int k = 0; k < nopt; k++) {
                    cat(list, sizeof list, k ? ", " : "");
                    cat(list, sizeof list, c->opts[k].key);
                }
                if (nopt)
                    err_set(e, "unknown option '%.*s'; options are: %s", (int)kl, word, list);
                else
                    err_set(e, "'%s' takes no options (got '%.*s')", c->name, (int)kl, word);
                return usage_error(a, e);
            }
        }
        /* positional: skip optional keyword pairs whose keyword is not here */
        while (sp && sp->keyword && strcmp(word, sp->keyword) != 0 && (sp->flags & ARG_OPTIONAL))
            sp = ++si < nspec ? &c->args[si] : NULL;
        if (!sp) {
            if (si > 0 && (c->args[si - 1].flags & ARG_REPEAT)) {
                if (a->nrest >= CMD_MAX_ARGS)
                    return err_set(e, "too many arguments (at most %d)", CMD_MAX_ARGS);
                a->rest[a->nrest++] = word;
                continue;
            }
            err_set(e, "unexpected argument '%s'", word);
            return usage_error(a, e);
        }
        if (sp->keyword) {
            if (strcmp(word, sp->keyword) != 0) {
                err_set(e, "expected '%s %s', got '%s'", sp->keyword, sp->name, word);
                return usage_error(a, e);
            }
            if (++w >= argc) {
                err_set(e, "'%s' needs %s after it", sp->keyword, sp->name);
                return usage_error(a, e);
            }
            word = argv[w];
        }
        if (parse_value(sp->kind, sp->choices, sp->min, sp->max, sp->name, word, &a->pos[si], e) < 0)
            return usage_error(a, e);
        a->pos[si].given = 1;
        if (sp->flags & ARG_REPEAT)
            a->rest[a->nrest++] = word;
        si++;
    }
    for (int k = 0; k < nspec; k++)
        if (!a->pos[k].given && !(c->args[k].flags & ARG_OPTIONAL)) {
            err_set(e, "missing %s", c->args[k].name);
            return usage_error(a, e);
        }
    return 0;
}

void cmd_args_free(cmd_args *a)
{
    free(a->text);
    a->text = NULL;
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    a->nowned = 0;
}

/* "@data/x.h5ad" -> "<data setting>/x.h5ad" for one file value. */
static int resolve_data_path(const session *s, cmd_args *a, arg_val *v, sc_err *e)
{
    if (!v->set || !v->str || strncmp(v->str, "@data/", 6) != 0)
        return 0;
    if (a->nowned >= CMD_MAX_ARGS)
        return err_set(e, "too many file arguments");
    size_t n = strlen(s->set.data_dir) + strlen(v->str) + 2;
    char *p = malloc(n);
    if (!p)
        return err_set(e, "out of memory");
    snprintf(p, n, "%s/%s", s->set.data_dir, v->str + 6);
    a->owned[a->nowned++] = p;
    v->str = p;
    return 0;
}

static int resolve_files(const session *s, cmd_args *a, sc_err *e)
{
    const cmd_entry *c = a->cmd;
    for (int i = 0; i < a->npos; i++)
        if (c->args[i].kind == ARG_FILE && resolve_data_path(s, a, &a->pos[i], e) < 0)
            return -1;
    for (int i = 0; i < a->nopt; i++)
        if (c->opts[i].kind == ARG_FILE && resolve_data_path(s, a, &a->opt[i], e) < 0)
            return -1;
    return 0;
}

const arg_val *arg_get(const cmd_args *a, const char *name)
{
    for (int i = 0; i < a->npos; i++)
        if (strcmp(a->pos[i].name, name) == 0)
            return &a->pos[i];
    for (int i = 0; i < a->nopt; i++)
        if (strcmp(a->opt[i].name, name) == 0)
            return &a->opt[i];
    return NULL;
}

int arg_parse_id(const char *w, const char *what, int64_t *out, sc_err *e)
{
    char *end;
    errno = 0;
    long long v = strtoll(w, &end, 10);
    if (end == w || *end || errno)
        return err_set(e, "%s: expected a number, got '%s'", what, w);
    *out = v;
    return 0;
}

int arg_has(const cmd_args *a, const char *name)
{
    const arg_val *v = arg_get(a, name);
    return v && v->given;
}

const char *arg_str(const cmd_args *a, const char *name)
{
    const arg_val *v = arg_get(a, name);
    return v && v->set ? v->str : NULL;
}

int64_t arg_int(const cmd_args *a, const char *name)
{
    const arg_val *v = arg_get(a, name);
    return v && v->set ? v->i : 0;
}

double arg_real(const cmd_args *a, const char *name)
{
    const arg_val *v = arg_get(a, name);
    return v && v->set ? v->r : NAN;
}

/* ---- running --------------------------------------------------------- */

int cmd_run(session *s, int argc, char **argv, sc_err *e)
{
    const cmd_entry *c = cmd_lookup(cmd_groups, argv[0], "command", e);
    if (!c)
        return -1;
    char full[128], parent[128] = "";
    snprintf(full, sizeof full, "%s", c->name);
    int first = 1;
    while (c->subs) {
        snprintf(parent, sizeof parent, "%s", full);
        if (argc <= first) {
            char names[256] = "";
            for (const cmd_entry *sc = c->subs; sc->name; sc++) {
                cat(names, sizeof names, sc == c->subs ? "" : ", ");
                cat(names, sizeof names, sc->name);
            }
            return err_set(e, "%s: missing subcommand (one of: %s)", full, names);
        }
        char what[160];
        snprintf(what, sizeof what, "subcommand of '%s'", full);
        const cmd_entry *const subt[] = {c->subs, NULL};
        const cmd_entry *sub = cmd_lookup(subt, argv[first], what, e);
        if (!sub)
            return err_prefix(e, "%s", full);
        c = sub;
        size_t len = strlen(full);
        snprintf(full + len, sizeof full - len, " %s", c->name);
        first++;
    }
    cmd_args a;
    int rc = cmd_parse(c, parent, argc - first, argv + first, &a, e);
    if (rc == 0)
        rc = resolve_files(s, &a, e);
    if (rc == 0)
        rc = c->fn(s, &a, e);
    cmd_args_free(&a);
    if (rc == -1)
        err_prefix(e, "%s", full);
    return rc;
}

/* test_cmd.c: lookup and parsing against a test table, and a lint of the
 * real command table (every entry documented, defaults valid, no clashes). */
#include <math.h>
#include <string.h>

#include "cmd.h"
#include "settings.h"
#include "tap.h"

static int dummy(struct session *s, const cmd_args *a, sc_err *e)
{
    (void)s, (void)a, (void)e;
    return 0;
}

static const arg_spec load_args[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0, "file"},
    {"NAME", ARG_WORD, ARG_OPTIONAL, "as", NULL, 0, 0, "name"},
    {0},
};
static const opt_spec load_opts[] = {
    {"layer", ARG_WORD, NULL, NULL, 0, 0, "layer"},
    {"n", ARG_INT, "10", NULL, 1, 100, "count"},
    {"lr", ARG_REAL, "0.001", NULL, 0, INFINITY, "rate"},
    {"log1p", ARG_BOOL, "on", NULL, 0, 0, "flag"},
    {"arch", ARG_CHOICE, "relu-l1", "relu-l1|topk|batchtopk", 0, 0, "arch"},
    {0},
};
static const arg_spec subset_args[] = {
    {"COL=VALUE", ARG_ASSIGN, 0, NULL, NULL, 0, 0, "sel"},
    {0},
};
static const arg_spec echo_args[] = {
    {"TEXT", ARG_TEXT, ARG_OPTIONAL, NULL, NULL, 0, 0, "text"},
    {0},
};
static const cmd_entry test_table[] = {
    {"load", NULL, load_args, load_opts, "s", "h", "x", dummy, NULL},
    {"layers", NULL, NULL, NULL, "s", "h", "x", dummy, NULL},
    {"subset", NULL, subset_args, NULL, "s", "h", "x", dummy, NULL},
    {"echo", NULL, echo_args, NULL, "s", "h", "x", dummy, NULL},
    {0},
};
static const cmd_entry *const tables[] = {test_table, NULL};

static int parse(const char *cmd, const char *line, cmd_args *a, sc_err *e)
{
    char buf[256];
    char *argv[16];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 16; t = strtok(NULL, " "))
        argv[argc++] = t;
    static char keep[256];
    memcpy(keep, buf, sizeof keep); /* args point into buf: keep it alive */
    for (int i = 0; i < argc; i++)
        argv[i] = keep + (argv[i] - buf);
    const cmd_entry *c = cmd_lookup(tables, cmd, "command", e);
    return c ? cmd_parse(c, NULL, argc, argv, a, e) : -1;
}

static void expect_err(const char *cmd, const char *line, const char *want)
{
    cmd_args a;
    sc_err e = {{0}};
    int rc = parse(cmd, line, &a, &e);
    if (!tap_ok(rc < 0 && strstr(e.msg, want), "%s %s -> error '%s'", cmd, line, want))
        tap_diag("rc %d, message: %s", rc, e.msg);
    if (rc == 0)
        cmd_args_free(&a);
}

static void lint_entry(const cmd_entry *c, const char *prefix)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? " " : "", c->name);
    int doc = c->summary && *c->summary && c->help && *c->help && c->examples && *c->examples &&
              c->summary[strlen(c->summary) - 1] != '.';
    tap_ok(doc, "'%s' has a summary (no final period), help and examples", full);
    tap_ok((c->fn != NULL) != (c->subs != NULL), "'%s' has exactly one of fn and subs", full);
    for (const arg_spec *a = c->args; a && a->name; a++)
        tap_ok(a->help && *a->help, "'%s' argument %s is documented", full, a->name);
    for (const opt_spec *o = c->opts; o && o->key; o++) {
        tap_ok(o->help && *o->help, "'%s' option %s is documented", full, o->key);
        if (o->def) {
            sc_err e = {{0}};
            int rc = cmd_check_option(o, o->def, &e);
            if (!tap_ok(rc == 0, "'%s' default %s=%s is valid", full, o->key, o->def))
                tap_diag("%s", e.msg);
        }
        for (const opt_spec *p = o + 1; p->key; p++)
            tap_ok(strcmp(o->key, p->key) != 0, "'%s' option %s is unique", full, o->key);
    }
    for (const cmd_entry *s = c->subs; s && s->name; s++)
        lint_entry(s, full);
}

int main(void)
{
    cmd_args a;
    sc_err e = {{0}};

    tap_ok(parse("load", "x.h5ad", &a, &e) == 0 && strcmp(arg_str(&a, "FILE"), "x.h5ad") == 0 &&
               !arg_has(&a, "NAME") && arg_int(&a, "n") == 10 && fabs(arg_real(&a, "lr") - 0.001) < 1e-12 &&
               arg_int(&a, "log1p") == 1 && arg_int(&a, "arch") == 0 && !arg_has(&a, "layer") &&
               arg_str(&a, "layer") == NULL,
           "positional with defaults");
    cmd_args_free(&a);
    tap_ok(parse("lo", "x.h5ad as pbmc n=5 arch=top log1p=off layer=raw", &a, &e) == 0 &&
               strcmp(arg_str(&a, "NAME"), "pbmc") == 0 && arg_int(&a, "n") == 5 &&
               arg_int(&a, "arch") == 1 && arg_int(&a, "log1p") == 0 &&
               strcmp(arg_str(&a, "layer"), "raw") == 0 && arg_has(&a, "layer"),
           "unique prefix, keyword pair, typed options, choice prefix");
    cmd_args_free(&a);
    tap_ok(parse("load", "n=3 x.h5ad", &a, &e) == 0 && strcmp(arg_str(&a, "FILE"), "x.h5ad") == 0,
           "options may come before positionals");
    cmd_args_free(&a);
    tap_ok(parse("subset", "cell_type=B,T", &a, &e) == 0 &&
               strcmp(arg_str(&a, "COL=VALUE"), "cell_type=B,T") == 0,
           "KEY=VALUE positional");
    cmd_args_free(&a);
    tap_ok(parse("echo", "a b  c", &a, &e) == 0 && strcmp(arg_str(&a, "TEXT"), "a b c") == 0,
           "text joins the rest");
    cmd_args_free(&a);

    expect_err("l", "", "ambiguous command 'l': could be load, layers");
    expect_err("lod", "", "unknown command 'lod'; did you mean 'load'?");
    expect_err("zzzzzz", "", "unknown command 'zzzzzz'; type 'help' for the list");
    expect_err("load", "", "missing FILE (usage: load FILE [as NAME] [layer=VALUE] [n=N]");
    expect_err("load", "a b", "unexpected argument 'b'");
    expect_err("load", "a as", "'as' needs NAME after it");
    expect_err("load", "a n=abc", "n: expected an integer from 1 to 100, got 'abc'");
    expect_err("load", "a n=0", "n: 0 is out of range; expected an integer from 1 to 100");
    expect_err("load", "a n=1e99", "n: expected an integer from 1 to 100, got '1e99'");
    expect_err("load", "a n=99999999999999999999", "out of range");
    expect_err("load", "a lr=-1", "lr: -1 is out of range; expected a number >= 0");
    expect_err("load", "a lr=nan", "lr: expected a number >= 0, got 'nan'");
    expect_err("load", "a lr=inf", "out of range");
    expect_err("load", "a log1p=maybe", "log1p: expected on or off, got 'maybe'");
    expect_err("load", "a arch=x", "arch: expected one of relu-l1|topk|batchtopk, got 'x'");
    expect_err("load", "a bogus=1", "unknown option 'bogus'; options are: layer, n, lr, log1p, arch");
    expect_err("load", "a n=1 n=2", "option 'n' given twice");
    expect_err("layers", "x=1", "'layers' takes no options (got 'x')");

    /* the real table */
    int seen = 0;
    for (int g = 0; cmd_groups[g]; g++)
        for (const cmd_entry *c = cmd_groups[g]; c->name; c++) {
            seen++;
            lint_entry(c, "");
            for (int h = 0; cmd_groups[h]; h++)
                for (const cmd_entry *d = cmd_groups[h]; d->name; d++) {
                    if (d == c)
                        continue;
                    int clash = strcmp(c->name, d->name) == 0;
                    for (const char *const *al = d->aliases; al && *al; al++)
                        clash |= strcmp(c->name, *al) == 0;
                    if (clash)
                        tap_ok(0, "'%s' clashes with '%s'", c->name, d->name);
                }
        }
    tap_ok(seen >= 7, "the table has the session commands (%d commands)", seen);
    for (const setting_spec *sp = setting_table; sp->name; sp++)
        tap_ok(sp->help && *sp->help, "setting %s is documented", sp->name);
    return tap_done();
}

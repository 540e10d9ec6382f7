/* help.c: help text and the man page from the one table. */
#include "help.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cblas.h>

#include "cmd.h"
#include "settings.h"
#include "textwrap.h"
#include "tui.h"

#define HELP_WIDTH 78

const char *help_blas_version(void)
{
    static char buf[128];
    const char *cfg = openblas_get_config();
    snprintf(buf, sizeof buf, "%s", cfg ? cfg : "OpenBLAS");
    /* keep "OpenBLAS 0.3.21" and drop the build flags after it */
    char *sp = strchr(buf, ' ');
    if (sp && (sp = strchr(sp + 1, ' ')))
        *sp = '\0';
    return buf;
}

int help_list(FILE *out, sc_err *e)
{
    (void)e;
    char u[512];
    fprintf(out, "Commands (help CMD for details; unique prefixes work):\n");
    for (int g = 0; cmd_groups[g]; g++) {
        fprintf(out, "\n%s:\n", cmd_group_titles[g]);
        for (const cmd_entry *c = cmd_groups[g]; c->name; c++) {
            if (c->subs) {
                for (const cmd_entry *sc = c->subs; sc->name; sc++) {
                    char full[128];
                    snprintf(full, sizeof full, "%s %s", c->name, sc->name);
                    fprintf(out, "  %-18s %s\n", full, sc->summary);
                }
                continue;
            }
            snprintf(u, sizeof u, "%s", c->name);
            fprintf(out, "  %-18s %s\n", u, c->summary);
        }
    }
    return 0;
}

/* Range and default of an option, as help and the man page show them. */
static void opt_detail(const opt_spec *o, char *buf, size_t size)
{
    char range[96] = "";
    if ((o->kind == ARG_INT || o->kind == ARG_REAL) && !(o->min == 0 && o->max == 0)) {
        if (isinf(o->max))
            snprintf(range, sizeof range, "at least %.15g", o->min);
        else
            snprintf(range, sizeof range, "%.15g to %.15g", o->min, o->max);
    }
    if (o->def && *range)
        snprintf(buf, size, " (%s; default %s)", range, o->def);
    else if (o->def)
        snprintf(buf, size, " (default %s)", o->def);
    else if (*range)
        snprintf(buf, size, " (%s)", range);
    else
        buf[0] = '\0';
}

static void print_entry(FILE *out, const cmd_entry *c, const char *prefix)
{
    char u[512], d[160], tmp[1024];
    cmd_usage(c, prefix, u, sizeof u);
    fprintf(out, "usage: %s\n\n", u);
    fprintf(out, "%c%s.\n\n", toupper((unsigned char)c->summary[0]), c->summary + 1);
    wrap_print(out, c->help, 0, HELP_WIDTH);
    if (c->subs) {
        fprintf(out, "\nSubcommands:\n");
        for (const cmd_entry *sc = c->subs; sc->name; sc++)
            fprintf(out, "  %-16s %s\n", sc->name, sc->summary);
    }
    if (c->args && c->args->name) {
        fprintf(out, "\nArguments:\n");
        for (const arg_spec *a = c->args; a->name; a++) {
            fprintf(out, "  %s\n", a->name);
            wrap_print(out, a->help, 6, HELP_WIDTH);
        }
    }
    if (c->opts && c->opts->key) {
        fprintf(out, "\nOptions:\n");
        for (const opt_spec *o = c->opts; o->key; o++) {
            opt_detail(o, d, sizeof d);
            fprintf(out, "  %s=%s\n", o->key,
                    o->kind == ARG_CHOICE ? o->choices : arg_kind_desc(o->kind));
            snprintf(tmp, sizeof tmp, "%s%s", o->help, d);
            wrap_print(out, tmp, 6, HELP_WIDTH);
        }
    }
    if (c->examples && *c->examples) {
        fprintf(out, "\nExamples:\n");
        const char *p = c->examples;
        while (*p) {
            size_t n = strcspn(p, "\n");
            fprintf(out, "  %.*s\n", (int)n, p);
            p += n + (p[n] == '\n');
        }
    }
}

int help_command(FILE *out, int n, const char *const *words, sc_err *e)
{
    const cmd_entry *c = cmd_lookup(cmd_groups, words[0], "command", e);
    if (!c)
        return -1;
    char prefix[128] = "";
    for (int i = 1; i < n; i++) {
        if (!c->subs)
            return err_set(e, "'%s' has no subcommands", c->name);
        char what[160];
        snprintf(what, sizeof what, "subcommand of '%s'", c->name);
        const cmd_entry *const subt[] = {c->subs, NULL};
        size_t len = strlen(prefix);
        snprintf(prefix + len, sizeof prefix - len, "%s%s", len ? " " : "", c->name);
        if (!(c = cmd_lookup(subt, words[i], what, e)))
            return -1;
    }
    print_entry(out, c, prefix);
    return 0;
}

/* ---- man page -------------------------------------------------------- */

/* roff-escape: backslashes, leading dots/quotes, and hyphens in words. */
static void roff(FILE *out, const char *s)
{
    int bol = 1;
    for (const char *p = s; *p; p++) {
        if (bol && (*p == '.' || *p == '\''))
            fputs("\\&", out);
        bol = 0;
        if (*p == '\\')
            fputs("\\e", out);
        else if (*p == '-')
            fputs("\\-", out);
        else if (*p == '\n') {
            fputc('\n', out);
            bol = 1;
        } else
            fputc(*p, out);
    }
}

/* Paragraphs separated by blank lines become .PP blocks. */
static void roff_paragraphs(FILE *out, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s", (int)n, p);
        for (char *q = buf; *q; q++)
            if (*q == '\n')
                *q = ' ';
        fputs(".PP\n", out);
        roff(out, buf);
        fputc('\n', out);
        p += n;
        while (*p == '\n')
            p++;
    }
}

static void man_entry(FILE *out, const cmd_entry *c, const char *prefix)
{
    char u[512], d[160];
    cmd_usage(c, prefix, u, sizeof u);
    fputs(".SS ", out);
    if (prefix && *prefix) {
        roff(out, prefix);
        fputc(' ', out);
    }
    roff(out, c->name);
    fputs("\n.B ", out);
    roff(out, u);
    fputs("\n.PP\n", out);
    roff(out, c->summary);
    fputs(".\n", out);
    roff_paragraphs(out, c->help);
    for (const arg_spec *a = c->args; a && a->name; a++) {
        fputs(".TP\n.I ", out);
        roff(out, a->name);
        fputc('\n', out);
        roff(out, a->help);
        fputc('\n', out);
    }
    for (const opt_spec *o = c->opts; o && o->key; o++) {
        opt_detail(o, d, sizeof d);
        fputs(".TP\n.BI ", out);
        roff(out, o->key);
        fputs("= ", out);
        roff(out, o->kind == ARG_CHOICE ? o->choices : arg_kind_desc(o->kind));
        fputc('\n', out);
        roff(out, o->help);
        roff(out, d);
        fputc('\n', out);
    }
    if (c->examples && *c->examples) {
        fputs(".PP\nExamples:\n.PP\n.RS\n.nf\n", out);
        roff(out, c->examples);
        fputs("\n.fi\n.RE\n", out);
    }
}

void help_print_man(FILE *out)
{
    fputs(".\\\" Generated by `sparsesc --print-man` from the command table; do not edit.\n", out);
    fprintf(out, ".TH SPARSESC\\-COMMANDS 7 \"\" \"sparsesc %s\" \"sparsesc manual\"\n",
            PACKAGE_VERSION);
    fputs(".SH NAME\nsparsesc\\-commands \\- the commands of sparsesc\n", out);
    fputs(".SH SYNTAX\n", out);
    roff_paragraphs(out,
                    "A line holds one or more commands separated by ';'. Words are separated by "
                    "blanks. '...' quotes literally; \"...\" allows the escapes \\\" \\\\ \\n \\t. "
                    "A backslash outside quotes escapes the next character, and one at the end of "
                    "a line continues the command on the next line. '#' at the start of a word "
                    "begins a comment.\n\n"
                    "Options are written KEY=VALUE after the command. Command names may be "
                    "shortened to any unique prefix. The same syntax serves the interactive "
                    "prompt, scripts (sparsesc -f), -c strings, piped input and source.");
    fputs(".SH COMMANDS\n", out);
    for (int g = 0; cmd_groups[g]; g++)
        for (const cmd_entry *c = cmd_groups[g]; c->name; c++) {
            if (!c->subs) {
                man_entry(out, c, NULL);
                continue;
            }
            for (const cmd_entry *sc = c->subs; sc->name; sc++)
                man_entry(out, sc, c->name);
        }
    fputs(".SH SETTINGS\nChanged with\n.B set\nand shown with\n.BR show .\n", out);
    for (const setting_spec *sp = setting_table; sp->name; sp++) {
        fputs(".TP\n.B ", out);
        roff(out, sp->name);
        fputc('\n', out);
        roff(out, sp->help);
        fputc('\n', out);
    }
    tui_print_keys_roff(out);
    fputs(".SH SEE ALSO\n.BR sparsesc (1)\n", out);
}

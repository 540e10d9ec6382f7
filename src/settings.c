/* settings.c: the settings table and strict value parsing. */
#include "settings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "threads.h"

const setting_spec setting_table[] = {
    {"seed", ARG_INT, 0, 4294967295.0,
     "Seed of every random choice (data split, shuffling, initialisation, simulation). "
     "The same seed and thread count give the same numbers."},
    {"threads", ARG_INT, 1, 256,
     "Threads for OpenBLAS and OpenMP. Results are reproducible for a given thread count."},
    {"verbose", ARG_INT, 0, 2, "0: only results and errors; 1: progress and notes; 2: details."},
    {"errexit", ARG_BOOL, 0, 1,
     "Stop a script (-f, -c, piped input, source) at the first error with exit status 1. "
     "The interactive prompt always continues."},
    {"data", ARG_FILE, 0, 0,
     "Folder of the shared real data sets used by the demo and tests "
     "(default: $SPARSESC_DATA, else ../shared/data)."},
    {0},
};

void settings_init(settings *st)
{
    memset(st, 0, sizeof *st);
    st->seed = 0;
    st->threads = 1;
    st->verbose = 1;
    st->errexit = 1;
    const char *d = getenv("SPARSESC_DATA");
    snprintf(st->data_dir, sizeof st->data_dir, "%s", d && *d ? d : "../shared/data");
}

const setting_spec *setting_lookup(const char *name, sc_err *e)
{
    for (const setting_spec *sp = setting_table; sp->name; sp++)
        if (strcmp(sp->name, name) == 0)
            return sp;
    char list[256] = "";
    for (const setting_spec *sp = setting_table; sp->name; sp++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", sp == setting_table ? "" : ", ", sp->name);
    }
    err_set(e, "unknown setting '%s'; settings are: %s", name, list);
    return NULL;
}

static int64_t *int_slot(settings *st, const char *name)
{
    if (strcmp(name, "seed") == 0)
        return &st->seed;
    if (strcmp(name, "threads") == 0)
        return &st->threads;
    if (strcmp(name, "verbose") == 0)
        return &st->verbose;
    if (strcmp(name, "errexit") == 0)
        return &st->errexit;
    return NULL;
}

int setting_set(settings *st, const setting_spec *sp, const char *value, sc_err *e)
{
    int64_t v;
    switch (sp->kind) {
    case ARG_INT:
        if (parse_int(value, sp->min, sp->max, sp->name, &v, e) < 0)
            return -1;
        break;
    case ARG_BOOL:
        if (parse_bool(value, sp->name, &v, e) < 0)
            return -1;
        break;
    default:
        if (strlen(value) >= sizeof st->data_dir)
            return err_set(e, "%s: path longer than %zu bytes", sp->name, sizeof st->data_dir - 1);
        snprintf(st->data_dir, sizeof st->data_dir, "%s", value);
        return 0;
    }
    *int_slot(st, sp->name) = v;
    if (strcmp(sp->name, "threads") == 0)
        sc_set_threads((int)v);
    return 0;
}

void setting_format(const settings *st, const setting_spec *sp, char *buf, size_t size)
{
    if (sp->kind == ARG_FILE) {
        snprintf(buf, size, "%s", st->data_dir);
        return;
    }
    int64_t v = *int_slot((settings *)st, sp->name);
    if (sp->kind == ARG_BOOL)
        snprintf(buf, size, "%s", v ? "on" : "off");
    else
        snprintf(buf, size, "%lld", (long long)v);
}

/* Shown in range messages: "an integer from 1 to 256". */
static void range_text(char *buf, size_t size, const char *kind, double min, double max)
{
    if (isinf(min) && isinf(max))
        snprintf(buf, size, "%s", kind);
    else if (isinf(max))
        snprintf(buf, size, "%s >= %.15g", kind, min);
    else if (isinf(min))
        snprintf(buf, size, "%s <= %.15g", kind, max);
    else
        snprintf(buf, size, "%s from %.15g to %.15g", kind, min, max);
}

int parse_int(const char *s, double min, double max, const char *what, int64_t *out, sc_err *e)
{
    char want[128];
    range_text(want, sizeof want, "an integer", min, max);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || end == s)
        return err_set(e, "%s: expected %s, got '%s'", what, want, s);
    if (errno == ERANGE || (double)v < min || (double)v > max)
        return err_set(e, "%s: %s is out of range; expected %s", what, s, want);
    *out = v;
    return 0;
}

int parse_real(const char *s, double min, double max, const char *what, double *out, sc_err *e)
{
    char want[128];
    range_text(want, sizeof want, "a number", min, max);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || end == s || isnan(v))
        return err_set(e, "%s: expected %s, got '%s'", what, want, s);
    if (errno == ERANGE || isinf(v) || v < min || v > max)
        return err_set(e, "%s: %s is out of range; expected %s", what, s, want);
    *out = v;
    return 0;
}

int parse_bool(const char *s, const char *what, int64_t *out, sc_err *e)
{
    static const char *const yes[] = {"on", "true", "yes", "1"};
    static const char *const no[] = {"off", "false", "no", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return err_set(e, "%s: expected on or off, got '%s'", what, s);
}

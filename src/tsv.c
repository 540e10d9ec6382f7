/* tsv.c: sc_frame -> tab-separated text (see tsv.h). */
#include "tsv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"

void tsv_format_num(char *buf, size_t size, double v, int is_int)
{
    if (isnan(v)) {
        snprintf(buf, size, "%s", "");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
        return;
    }
    if (is_int && v == floor(v) && fabs(v) < 1e18) {
        snprintf(buf, size, "%lld", (long long)v);
        return;
    }
    /* the shortest %g that reads back exactly: 0.1 stays "0.1" */
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A string with tabs and line breaks replaced by spaces. */
static int put_text(FILE *fp, const char *s)
{
    for (; s && *s; s++)
        if (putc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp) == EOF)
            return -1;
    return 0;
}

/* Codes must name a category; strings and numbers must be present. */
static int check(const sc_frame *f, const char *what, sc_err *e)
{
    if (f->n < 0)
        return err_set(e, "%s: a table with %lld rows", what, (long long)f->n);
    for (int i = 0; i < f->ncols; i++) {
        const sc_column *c = &f->cols[i];
        int has = c->kind == SC_COL_STR ? c->str != NULL
                : c->kind == SC_COL_CAT ? c->codes != NULL && (c->ncats == 0 || c->cats != NULL)
                                        : c->num != NULL;
        if (f->n > 0 && !has)
            return err_set(e, "%s: column '%s' has no values", what, c->name ? c->name : "?");
        for (int64_t r = 0; c->kind == SC_COL_CAT && r < f->n; r++)
            if (c->codes[r] < -1 || c->codes[r] >= c->ncats)
                return err_set(e, "%s: column '%s': code %d at row %lld is outside its %d categories",
                               what, c->name, c->codes[r], (long long)r, c->ncats);
    }
    return 0;
}

static int put_cell(FILE *fp, const sc_column *c, int64_t r)
{
    char num[64];
    switch (c->kind) {
    case SC_COL_NUM:
        tsv_format_num(num, sizeof num, c->num[r], c->is_int);
        return fputs(num, fp) == EOF ? -1 : 0;
    case SC_COL_BOOL:
        return isnan(c->num[r]) ? 0 : fputs(c->num[r] != 0 ? "true" : "false", fp) == EOF ? -1 : 0;
    case SC_COL_STR:
        return put_text(fp, c->str[r]);
    case SC_COL_CAT:
        return c->codes[r] < 0 ? 0 : put_text(fp, c->cats[c->codes[r]]);
    }
    return -1;
}

int tsv_print_frame(FILE *fp, const sc_frame *f, const char *what, sc_err *e)
{
    if (check(f, what, e) != 0)
        return -1;
    int idx = f->index != NULL, bad = 0;
    if (idx)
        bad |= put_text(fp, f->index_name ? f->index_name : "index");
    for (int i = 0; i < f->ncols; i++) {
        if ((idx || i > 0) && putc('\t', fp) == EOF)
            bad = 1;
        bad |= put_text(fp, f->cols[i].name);
    }
    bad |= putc('\n', fp) == EOF;
    for (int64_t r = 0; r < f->n && !bad; r++) {
        if (idx)
            bad |= put_text(fp, f->index[r]);
        for (int i = 0; i < f->ncols; i++) {
            if ((idx || i > 0) && putc('\t', fp) == EOF)
                bad = 1;
            bad |= put_cell(fp, &f->cols[i], r);
        }
        bad |= putc('\n', fp) == EOF;
    }
    if (bad || fflush(fp) == EOF || ferror(fp))
        return errno ? err_errno(e, what) : err_set(e, "%s: write failed", what);
    return 0;
}

int tsv_write_frame(const char *path, const sc_frame *f, sc_err *e)
{
    atomic_file a;
    if (check(f, path, e) != 0 || atomic_begin(&a, path, e) != 0)
        return -1;
    FILE *fp = fopen(a.tmp, "w");
    if (!fp)
        return err_errno(e, path);
    int rc = tsv_print_frame(fp, f, path, e);
    if (fclose(fp) == EOF && rc == 0)
        rc = err_errno(e, path);
    if (rc != 0) {
        atomic_abort(&a);
        return -1;
    }
    return atomic_commit(&a, e);
}

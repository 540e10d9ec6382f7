/* scr-data.c: the Data screen: the loaded data set as the session holds it
 * (source, shape, nonzeros, batches, normalization, embeddings, layers, and
 * the obs and var columns with their kinds).  Read straight from s->data;
 * nothing is computed beyond a ratio. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui_int.h"

/* 1234567 -> "1,234,567" */
static const char *num(char *buf, size_t size, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v < 0 ? -v : v);
    size_t n = strlen(tmp), k = 0;
    if (v < 0 && k + 1 < size)
        buf[k++] = '-';
    for (size_t i = 0; i < n && k + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = tmp[i];
    }
    buf[k] = '\0';
    return buf;
}

static const char *kind_text(const sc_column *c, char *buf, size_t size)
{
    switch (c->kind) {
    case SC_COL_CAT:
        snprintf(buf, size, "category: %d value%s", (int)c->ncats, c->ncats == 1 ? "" : "s");
        break;
    case SC_COL_STR:
        snprintf(buf, size, "strings");
        break;
    case SC_COL_BOOL:
        snprintf(buf, size, "true/false");
        break;
    default:
        snprintf(buf, size, c->is_int ? "numbers (integers)" : "numbers");
        break;
    }
    return buf;
}

/* The screen is a list of lines; `emit` draws line k if it is visible. */
typedef struct lines {
    tui *t;
    int y, x, h, w, first, k;
} lines;

static void emit(lines *L, tui_role r, const char *fmt, ...) SC_PRINTF(3, 4);
static void emit(lines *L, tui_role r, const char *fmt, ...)
{
    if (L->k >= L->first && L->k - L->first < L->h) {
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        tui_put(L->t, L->y + L->k - L->first, L->x, L->w, r, buf);
    }
    L->k++;
}

static void columns(lines *L, const sc_frame *f, const char *what)
{
    emit(L, R_HEAD, "%s columns (%d)", what, f->ncols);
    if (f->ncols == 0)
        emit(L, R_DIM, "  (none)");
    int namew = 12;
    for (int i = 0; i < f->ncols; i++) {
        int nw = tui_width(f->cols[i].name);
        namew = nw > namew ? (nw < 32 ? nw : 32) : namew;
    }
    for (int i = 0; i < f->ncols; i++) {
        char kb[64];
        emit(L, R_NORMAL, "  %-*s  %s", namew, f->cols[i].name, kind_text(&f->cols[i], kb, sizeof kb));
    }
}

/* Everything, as lines; returns how many (drawing those in view). */
static int content(lines *L, const sc_dataset *d)
{
    char a[32], b[32], c[32];
    L->k = 0;
    emit(L, R_NORMAL, "source    %s", d->source ? d->source : "(unknown)");
    if (d->x_source)
        emit(L, R_DIM, "          counts from %s", d->x_source);
    int64_t nnz = d->X.indptr ? d->X.indptr[d->X.nrows] : 0;
    double cells = (double)d->X.nrows, genes = (double)d->X.ncols;
    emit(L, R_NORMAL, "cells     %s", num(a, sizeof a, d->X.nrows));
    emit(L, R_NORMAL, "genes     %s", num(b, sizeof b, d->X.ncols));
    emit(L, R_NORMAL, "nonzeros  %s (%.2f%% of the matrix)", num(c, sizeof c, nnz),
         cells * genes > 0 ? 100.0 * (double)nnz / (cells * genes) : 0.0);
    int bi = d->batch_key ? frame_find(&d->obs, d->batch_key) : -1;
    if (bi >= 0 && d->obs.cols[bi].kind == SC_COL_CAT)
        emit(L, R_NORMAL, "batches   %d in obs '%s'", (int)d->obs.cols[bi].ncats, d->batch_key);
    else if (bi >= 0)
        emit(L, R_NORMAL, "batches   obs '%s'", d->batch_key);
    else
        emit(L, R_NORMAL, "batches   1 (no batch column)");
    if (d->norm.indptr && d->norm.nrows)
        emit(L, R_NORMAL, "normalized to %g per cell%s", d->norm_target,
             d->norm_log1p ? ", then log1p" : "");
    else
        emit(L, R_NORMAL, "normalized no");
    char buf[1024];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < d->nobsm && used + 1 < sizeof buf; i++) {
        int k = snprintf(buf + used, sizeof buf - used, "%s%s (%s x %s)", i ? ", " : "",
                         d->obsm[i].key, num(a, sizeof a, d->obsm[i].rows),
                         num(b, sizeof b, d->obsm[i].cols));
        if (k < 0)
            break;
        used += (size_t)k;
    }
    emit(L, R_NORMAL, "obsm      %s", d->nobsm ? buf : "(none)");
    used = 0;
    buf[0] = '\0';
    for (int i = 0; i < d->nlayers && used + 1 < sizeof buf; i++) {
        int k = snprintf(buf + used, sizeof buf - used, "%s%s", i ? ", " : "", d->layers[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    emit(L, R_NORMAL, "layers    %s", d->nlayers ? buf : "(none)");
    emit(L, R_NORMAL, "%s", "");
    columns(L, &d->obs, "obs");
    emit(L, R_NORMAL, "%s", "");
    columns(L, &d->var, "var");
    return L->k;
}

void scr_data_draw(tui *t, int y, int x, int h, int w)
{
    const sc_dataset *d = t->s->data;
    if (!d) {
        tui_center(t, y + h / 2 - 1, x, w, R_HEAD, "no data loaded");
        tui_center(t, y + h / 2, x, w, R_DIM, "`load FILE` or `simulate` at the : prompt");
        return;
    }
    /* count first (nothing drawn), then draw the visible part */
    lines L = {t, y, x + 1, 0, 0, 0, 0};
    int n = content(&L, d);
    L.h = h;
    L.w = w - 2;
    L.first = tui_clamp_scroll(t, SCR_DATA, n, h);
    content(&L, d);
}

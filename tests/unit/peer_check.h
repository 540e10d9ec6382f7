/* peer_check.h: compare a loaded dataset with the numbers anndata/scanpy
 * wrote into tests/peer/data_expected.tsv (see tests/peer/data_peer.py for
 * the keys).  Shared by test_h5ad.c and test_tenx.c. */
#ifndef SC_PEER_CHECK_H
#define SC_PEER_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "tap.h"

#define PEER_TSV SC_TOP_SRCDIR "/tests/peer/data_expected.tsv"

typedef struct peer_stats {
    double sum, sumsq, max, row_wsum, col_wsum;
    double *rows, *cols;    /* totals per cell / per gene */
    int64_t *rown, *coln;   /* stored values per cell / per gene */
} peer_stats;

static void peer_stats_of(const sc_dataset *d, peer_stats *s)
{
    const sc_csr *m = &d->X;
    memset(s, 0, sizeof *s);
    s->rows = calloc((size_t)m->nrows + 1, sizeof *s->rows);
    s->cols = calloc((size_t)m->ncols + 1, sizeof *s->cols);
    s->rown = calloc((size_t)m->nrows + 1, sizeof *s->rown);
    s->coln = calloc((size_t)m->ncols + 1, sizeof *s->coln);
    if (!s->rows || !s->cols || !s->rown || !s->coln)
        return;
    for (int64_t r = 0; r < m->nrows; r++)
        for (int64_t k = m->indptr[r]; k < m->indptr[r + 1]; k++) {
            double v = m->data[k];
            s->sum += v;
            s->sumsq += v * v;
            if (v > s->max)
                s->max = v;
            s->rows[r] += v;
            s->rown[r]++;
            s->cols[m->indices[k]] += v;
            s->coln[m->indices[k]]++;
        }
    for (int64_t r = 0; r < m->nrows; r++)
        s->row_wsum += (double)(r + 1) * s->rows[r];
    for (int64_t j = 0; j < m->ncols; j++)
        s->col_wsum += (double)(j + 1) * s->cols[j];
}

static void peer_stats_free(peer_stats *s)
{
    free(s->rows);
    free(s->cols);
    free(s->rown);
    free(s->coln);
}

static int peer_near(double a, const char *text)
{
    double b = strtod(text, NULL);
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

/* Value of row i of a string or categorical column ("" when missing). */
static const char *peer_cell(const sc_column *c, int64_t i)
{
    if (c->kind == SC_COL_STR)
        return c->str[i] ? c->str[i] : "";
    if (c->kind == SC_COL_CAT)
        return c->codes[i] >= 0 ? c->cats[c->codes[i]] : "";
    return "(not text)";
}

/* One expected line (fields after the file name). */
static void peer_line(const char *key, char **f, int nf, const sc_dataset *d, const peer_stats *s)
{
    const char *k = f[0];
    const sc_csr *m = &d->X;
    if (strcmp(k, "n_obs") == 0)
        tap_ok(m->nrows == atoll(f[1]) && d->obs.n == m->nrows, "%s: %lld cells (peer %s)", key,
               (long long)m->nrows, f[1]);
    else if (strcmp(k, "n_vars") == 0)
        tap_ok(m->ncols == atoll(f[1]) && d->var.n == m->ncols, "%s: %lld genes (peer %s)", key,
               (long long)m->ncols, f[1]);
    else if (strcmp(k, "nnz") == 0)
        tap_ok(m->indptr[m->nrows] == atoll(f[1]), "%s: nnz %lld (peer %s)", key,
               (long long)m->indptr[m->nrows], f[1]);
    else if (strcmp(k, "sum") == 0)
        tap_ok(peer_near(s->sum, f[1]), "%s: sum %.17g (peer %s)", key, s->sum, f[1]);
    else if (strcmp(k, "sumsq") == 0)
        tap_ok(peer_near(s->sumsq, f[1]), "%s: sum of squares %.17g (peer %s)", key, s->sumsq, f[1]);
    else if (strcmp(k, "max") == 0)
        tap_ok(peer_near(s->max, f[1]), "%s: max %g (peer %s)", key, s->max, f[1]);
    else if (strcmp(k, "row_wsum") == 0)
        tap_ok(peer_near(s->row_wsum, f[1]), "%s: position-weighted cell totals %.17g (peer %s)",
               key, s->row_wsum, f[1]);
    else if (strcmp(k, "col_wsum") == 0)
        tap_ok(peer_near(s->col_wsum, f[1]), "%s: position-weighted gene totals %.17g (peer %s)",
               key, s->col_wsum, f[1]);
    else if ((strcmp(k, "cell") == 0 || strcmp(k, "gene") == 0) && nf >= 5) {
        int cell = k[0] == 'c';
        int64_t i = atoll(f[1]), n = cell ? m->nrows : m->ncols;
        const sc_frame *fr = cell ? &d->obs : &d->var;
        int ok = i >= 0 && i < n;
        double tot = ok ? (cell ? s->rows[i] : s->cols[i]) : -1;
        int64_t cnt = ok ? (cell ? s->rown[i] : s->coln[i]) : -1;
        tap_ok(ok && strcmp(fr->index[i], f[2]) == 0 && peer_near(tot, f[3]) && cnt == atoll(f[4]),
               "%s: %s %s '%s' total %.17g in %lld (peer '%s' %s in %s)", key, k, f[1],
               ok ? fr->index[i] : "?", tot, (long long)cnt, f[2], f[3], f[4]);
    } else if (strcmp(k + 3, "_first") == 0 || strcmp(k + 3, "_last") == 0) {
        const sc_frame *fr = k[0] == 'o' ? &d->obs : &d->var;
        const char *got = fr->n ? fr->index[k[4] == 'f' ? 0 : fr->n - 1] : "";
        tap_ok(strcmp(got, f[1]) == 0, "%s: %s '%s' (peer '%s')", key, k, got, f[1]);
    } else if (strcmp(k, "var_col") == 0 && nf >= 4) {
        int c = frame_find(&d->var, f[1]);
        const char *a = c >= 0 ? peer_cell(&d->var.cols[c], 0) : "(missing)";
        const char *b = c >= 0 ? peer_cell(&d->var.cols[c], d->var.n - 1) : "(missing)";
        tap_ok(strcmp(a, f[2]) == 0 && strcmp(b, f[3]) == 0, "%s: var column %s '%s'..'%s' (peer '%s'..'%s')",
               key, f[1], a, b, f[2], f[3]);
    } else if ((strcmp(k, "cat") == 0 && nf >= 4) || (strcmp(k, "cat_missing") == 0 && nf >= 3)) {
        int c = frame_find(&d->obs, f[1]);
        const sc_column *col = c >= 0 ? &d->obs.cols[c] : NULL;
        int32_t want = -1;
        if (col && col->kind == SC_COL_CAT && k[3] == '\0')
            for (int32_t q = 0; q < col->ncats; q++)
                if (strcmp(col->cats[q], f[2]) == 0)
                    want = q;
        int64_t n = -1;
        if (col && col->kind == SC_COL_CAT && (want >= 0 || k[3] == '_')) {
            n = 0;
            for (int64_t i = 0; i < d->obs.n; i++)
                n += col->codes[i] == want;
        }
        tap_ok(n == atoll(f[k[3] ? 2 : 3]), "%s: obs %s %s: %lld cells (peer %s)", key, f[1],
               k[3] ? "missing" : f[2], (long long)n, f[k[3] ? 2 : 3]);
    } else if (strcmp(k, "num_sum") == 0 && nf >= 3) {
        int c = frame_find(&d->obs, f[1]);
        double t = 0;
        if (c >= 0 && d->obs.cols[c].num)
            for (int64_t i = 0; i < d->obs.n; i++)
                t += d->obs.cols[c].num[i];
        tap_ok(c >= 0 && d->obs.cols[c].kind == SC_COL_NUM && peer_near(t, f[2]),
               "%s: obs %s sums to %.17g (peer %s)", key, f[1], t, f[2]);
    } else {
        tap_ok(0, "%s: unknown expectation '%s' in %s", key, k, PEER_TSV);
    }
}

/* Check d against every line of the peer file whose first field is `key`;
 * returns the number of lines checked (a test asserts it is not zero). */
static int peer_check(const char *key, const sc_dataset *d)
{
    FILE *fp = fopen(PEER_TSV, "r");
    if (!fp) {
        tap_ok(0, "open %s", PEER_TSV);
        return 0;
    }
    peer_stats s;
    peer_stats_of(d, &s);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *f[10];
        int nf = 0;
        for (char *p = line; p && nf < 10;) {
            f[nf++] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (nf < 3 || strcmp(f[0], key) != 0)
            continue;
        peer_line(key, f + 1, nf - 1, d, &s);
        n++;
    }
    fclose(fp);
    peer_stats_free(&s);
    tap_ok(n > 0, "%s: %d expectations found in %s", key, n, PEER_TSV);
    return n;
}

#endif

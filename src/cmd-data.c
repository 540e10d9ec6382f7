/* cmd-data.c: the data commands: load, info, obs, var, head. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "merge.h"
#include "session.h"

/* ---- small helpers ------------------------------------------------------- */

static int need_data(session *s, sc_err *e)
{
    if (!s->data || !s->data->X.indptr)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    return 0;
}

/* 1234567 -> "1,234,567" (one of eight rotating buffers, so up to eight
 * calls can share one printf). */
static const char *num(int64_t v)
{
    static char bufs[8][32];
    static int k;
    char *b = bufs[k++ & 7], tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
    char *p = b;
    if (v < 0)
        *p++ = '-';
    for (int i = 0; i < n; i++) {
        *p++ = tmp[i];
        if ((n - i - 1) % 3 == 0 && i < n - 1)
            *p++ = ',';
    }
    *p = '\0';
    return b;
}

/* A value for tables: whole numbers with separators, others with 4
 * significant digits. */
static const char *real(double v)
{
    static char bufs[8][32];
    static int k;
    char *b = bufs[k++ & 7];
    if (isnan(v))
        return "NaN";
    if ((v == floor(v) || fabs(v) >= 1000) && fabs(v) < 1e15)
        snprintf(b, 32, "%s", num((int64_t)llround(v)));
    else
        snprintf(b, 32, "%.4g", v);
    return b;
}

static const char *kind_name(const sc_column *c)
{
    switch (c->kind) {
    case SC_COL_NUM: return c->is_int ? "integer" : "number";
    case SC_COL_BOOL: return "boolean";
    case SC_COL_STR: return "string";
    case SC_COL_CAT: return "categorical";
    }
    return "?";
}

/* "pbmc" from ".../pbmc.h5ad"; a MatrixMarket file is named by its folder. */
static void stem(const char *path, char *out, size_t size)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    static const char *exts[] = {".mtx.gz", ".mtx", ".h5ad", ".h5", ".gz", NULL};
    for (int k = 0; exts[k]; k++) {
        size_t bl = strlen(base), el = strlen(exts[k]);
        if (bl > el && strcmp(base + bl - el, exts[k]) == 0) {
            base[bl - el] = '\0';
            break;
        }
    }
    if (strcmp(base, "matrix") == 0 && base > p + 1) {
        base[-1] = '\0';
        char *up = strrchr(p, '/');
        base = up ? up + 1 : p;
    }
    snprintf(out, size, "%s", *base ? base : "data");
}

static int64_t nnz_of(const sc_dataset *d)
{
    return d->X.indptr[d->X.nrows];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's default (linear) quantile of sorted values. */
static double quantile(const double *v, int64_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    int64_t lo = (int64_t)floor(pos);
    int64_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

static int64_t *cat_counts(const sc_column *c, int64_t n, int64_t *missing, sc_err *e)
{
    int64_t *cnt = sc_calloc(e, (size_t)c->ncats + 1, sizeof *cnt);
    if (!cnt)
        return NULL;
    *missing = 0;
    for (int64_t i = 0; i < n; i++) {
        if (c->codes[i] >= 0 && c->codes[i] < c->ncats)
            cnt[c->codes[i]]++;
        else
            (*missing)++;
    }
    return cnt;
}

/* "range 3 to 4,522" style summary of a numeric column. */
static void num_range(const sc_column *c, int64_t n, char *out, size_t size)
{
    double lo = INFINITY, hi = -INFINITY;
    int64_t miss = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(c->num[i])) {
            miss++;
            continue;
        }
        lo = c->num[i] < lo ? c->num[i] : lo;
        hi = c->num[i] > hi ? c->num[i] : hi;
    }
    if (miss == n)
        snprintf(out, size, "all missing");
    else if (c->kind == SC_COL_BOOL)
        snprintf(out, size, "%s", miss ? "True/False, some missing" : "True/False");
    else
        snprintf(out, size, "%s to %s%s%s%s", real(lo), real(hi), miss ? " (" : "",
                 miss ? num(miss) : "", miss ? " missing)" : "");
}

/* The first few categories with their counts: "ctrl 391, stim 441, ...". */
static int cat_preview(const sc_column *c, int64_t n, int max, char *out, size_t size, sc_err *e)
{
    int64_t miss;
    int64_t *cnt = cat_counts(c, n, &miss, e);
    if (!cnt)
        return -1;
    size_t used = 0;
    out[0] = '\0';
    for (int32_t k = 0; k < c->ncats && k < max && used + 1 < size; k++) {
        int w = snprintf(out + used, size - used, "%s%s %s", k ? ", " : "", c->cats[k],
                         num(cnt[k]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (c->ncats > max && used + 1 < size)
        used += (size_t)snprintf(out + used, size - used, ", ...");
    if (miss && used + 1 < size)
        snprintf(out + used, size - used, "; %s missing", num(miss));
    free(cnt);
    return 0;
}

/* ---- load ---------------------------------------------------------------- */


static void print_notes(session *s, const load_info *li, const char *path)
{
    if (li->genes_renamed)
        fprintf(s->out,
                "note: %s gene names were repeated and made unique (a repeated name gets -1, "
                "-2, ...)\n",
                num(li->genes_renamed));
    if (li->features_dropped)
        fprintf(s->out,
                "note: %s features were left out (not Gene Expression, or another genome)\n",
                num(li->features_dropped));
    if (li->duplicates_summed)
        fprintf(s->out, "note: %s repeated (gene, cell) entries in %s were summed\n",
                num(li->duplicates_summed), path);
    if (li->cells_duplicate)
        fprintf(s->out, "note: %s barcodes repeat an earlier one (kept as they are)\n",
                num(li->cells_duplicate));
    if (li->note[0])
        fprintf(s->out, "note: %s\n", li->note);
}

static void batches_text(const sc_dataset *d, char *out, size_t size)
{
    int bi = d->batch_key ? frame_find(&d->obs, d->batch_key) : -1;
    if (bi < 0) {
        snprintf(out, size, "1 batch");
        return;
    }
    const sc_column *c = &d->obs.cols[bi];
    if (c->kind == SC_COL_CAT) {
        snprintf(out, size, "%d batch%s in obs '%s'", c->ncats, c->ncats == 1 ? "" : "es",
                 d->batch_key);
        return;
    }
    snprintf(out, size, "batches in obs '%s'", d->batch_key);
}

static int no_column(const sc_frame *f, const char *what, const char *col, const char *where,
                     sc_err *e)
{
    char names[700];
    frame_names(f, names, sizeof names);
    return err_set(e, "no %s column '%s'%s%s; %s columns: %s", what, col, where ? " in " : "",
                   where ? where : "", what, names);
}

static int cmd_load(session *s, const cmd_args *a, sc_err *e)
{
    const char *path = arg_str(a, "FILE");
    const char *as = arg_str(a, "NAME");
    const char *batch = arg_str(a, "batch");
    load_opts o = {arg_str(a, "layer"), arg_str(a, "genome")};
    int outer = arg_has(a, "genes") && arg_get(a, "genes")->i == 1;

    /* check what can be checked before the (possibly long) read */
    if (s->data && batch && frame_find(&s->data->obs, batch) < 0)
        return no_column(&s->data->obs, "obs", batch, "the loaded data", e);

    sc_dataset *nd = sc_calloc(e, 1, sizeof *nd);
    if (!nd)
        return -1;
    load_info li;
    if (load_path_info(path, &o, nd, &li, e) != 0) {
        free(nd);
        return -1;
    }
    char name[256];
    if (as)
        snprintf(name, sizeof name, "%s", as);
    else
        stem(path, name, sizeof name);
    const char *xwhat = o.layer ? o.layer : "X";

    if (!s->data) {
        if (batch) {
            if (frame_find(&nd->obs, batch) < 0) {
                no_column(&nd->obs, "obs", batch, path, e);
                dataset_free(nd);
                free(nd);
                return -1;
            }
            free(nd->batch_key);
            if (!(nd->batch_key = sc_strdup(e, batch))) {
                dataset_free(nd);
                free(nd);
                return -1;
            }
        }
        session_set_data(s, nd);
        free(nd->name);
        nd->name = sc_strdup(NULL, name); /* NULL only when out of memory: the stem is used */
        char bt[128];
        batches_text(nd, bt, sizeof bt);
        double density = nd->X.nrows && nd->X.ncols
                             ? 100.0 * (double)nnz_of(nd) / ((double)nd->X.nrows * nd->X.ncols)
                             : 0;
        fprintf(s->out, "loaded %s (%s, %s): %s cells x %s genes, %s nonzeros (%.2f%%), %s\n",
                path, li.format_name, li.format == LOAD_H5AD ? xwhat : "counts",
                num(nd->X.nrows), num(nd->X.ncols), num(nnz_of(nd)), density, bt);
        print_notes(s, &li, path);
        return 0;
    }

    /* a second file: append its cells as a new batch */
    sc_dataset *d = s->data;
    char base_name[256];
    if (d->name)
        snprintf(base_name, sizeof base_name, "%s", d->name);
    else
        stem(d->source ? d->source : "data", base_name, sizeof base_name);
    const char *col = batch ? batch : d->batch_key ? d->batch_key : "batch";
    char *col_copy = sc_strdup(e, col); /* d->batch_key is replaced by the merge */
    if (!col_copy) {
        dataset_free(nd);
        free(nd);
        return -1;
    }
    merge_report r;
    int rc = dataset_append_batch(d, nd, col_copy, base_name, name, outer, &r, e);
    dataset_free(nd);
    free(nd);
    if (rc != 0) {
        free(col_copy);
        /* the merge's messages name the sources, except the batch-name ones */
        return strstr(e->msg, path) ? -1 : err_prefix(e, "%s", path);
    }
    print_notes(s, &li, path);
    fprintf(s->out,
            "appended %s (%s) as batch '%s' in obs '%s': now %s cells x %s genes, %s nonzeros, "
            "%d batches\n",
            path, li.format_name, name, col_copy, num(d->X.nrows), num(d->X.ncols),
            num(nnz_of(d)), r.nbatches);
    const char *by = r.by_id         ? "Ensembl id (gene_ids)"
                     : r.id_fallback ? "symbol (no gene_ids value in common)"
                                     : "symbol";
    if (outer)
        fprintf(s->out,
                "genes matched by %s: %s in both; %s only in the loaded data and %s only in %s "
                "are zero where absent (genes=outer)\n",
                by, num(r.genes_matched), num(r.genes_only_base), num(r.genes_only_add), name);
    else
        fprintf(s->out,
                "genes matched by %s: %s in both kept; dropped %s of the loaded data's %s and "
                "%s of %s's %s (genes=inner)\n",
                by, num(r.genes_matched), num(r.genes_only_base), num(r.genes_base),
                num(r.genes_only_add), name, num(r.genes_add));
    if (r.cells_renamed)
        fprintf(s->out, "note: %s cell names already in use were made unique (-1, -2, ...)\n",
                num(r.cells_renamed));
    if (r.genes_renamed)
        fprintf(s->out, "note: %s gene names made unique after the union\n",
                num(r.genes_renamed));
    if (r.add_batch_replaced)
        fprintf(s->out, "note: %s had its own obs '%s' column; its cells now all read '%s'\n",
                name, col_copy, name);
    if (r.note[0])
        fprintf(s->out, "note: obsm entries not in both data sets were dropped: %s\n", r.note);
    free(col_copy);
    return 0;
}

/* ---- info ----------------------------------------------------------------- */

static double frame_bytes(const sc_frame *f)
{
    double b = 0;
    for (int64_t i = 0; f->index && i < f->n; i++)
        b += (double)strlen(f->index[i]) + 1 + sizeof(char *);
    for (int c = 0; c < f->ncols; c++) {
        const sc_column *col = &f->cols[c];
        if (col->num)
            b += (double)f->n * sizeof(double);
        if (col->codes)
            b += (double)f->n * sizeof(int32_t);
        for (int32_t k = 0; col->cats && k < col->ncats; k++)
            b += (double)strlen(col->cats[k]) + 1 + sizeof(char *);
        for (int64_t i = 0; col->str && i < f->n; i++)
            b += (col->str[i] ? (double)strlen(col->str[i]) + 1 : 0) + sizeof(char *);
    }
    return b;
}

static double csr_bytes(const sc_csr *m)
{
    if (!m->indptr)
        return 0;
    return (double)(m->nrows + 1) * sizeof(int64_t) +
           (double)m->indptr[m->nrows] * (sizeof(int32_t) + sizeof(float));
}

/* Does X look like raw counts?  Fills why ("" when it does). */
static void counts_check(const sc_dataset *d, double maxv, int64_t nonint, int64_t neg, char *why,
                         size_t size)
{
    why[0] = '\0';
    size_t used = 0;
    if (neg)
        used += (size_t)snprintf(why + used, size - used, "%s negative values", num(neg));
    if (nonint)
        used += (size_t)snprintf(why + used, size - used, "%s%s non-integer values",
                                 used ? ", " : "", num(nonint));
    /* raw UMI counts of a hundred cells or more always reach 20 somewhere */
    if (maxv < 20 && d->X.nrows >= 100 && nnz_of(d) > 0)
        snprintf(why + used, size - used, "%smaximum %s: log scale?", used ? ", " : "",
                 real(maxv));
}

static void layers_hint(const sc_dataset *d, char *out, size_t size)
{
    out[0] = '\0';
    if (d->nlayers == 0)
        return;
    /* after an append the layers are those of several files */
    int merged = d->source && strstr(d->source, " + ");
    size_t used = (size_t)snprintf(out, size, "; the %s also %s ", merged ? "files" : "file",
                                   merged ? "have" : "has");
    const char *pick = NULL;
    for (int i = 0; i < d->nlayers && used + 1 < size; i++) {
        const char *l = d->layers[i];
        int w = strcmp(l, "raw") == 0 ? snprintf(out + used, size - used, "%sraw/X", i ? ", " : "")
                : strcmp(l, "X") == 0 ? snprintf(out + used, size - used, "%sX", i ? ", " : "")
                                      : snprintf(out + used, size - used, "%slayers/%s",
                                                 i ? ", " : "", l);
        if (w > 0)
            used += (size_t)w;
        if (strstr(l, "count") && !pick)
            pick = l;
    }
    if (!pick)
        for (int i = 0; i < d->nlayers && !pick; i++)
            if (strcmp(d->layers[i], "raw") == 0)
                pick = "raw";
    if (!pick)
        pick = d->layers[0];
    if (used + 1 < size)
        snprintf(out + used, size - used, ": reload with `load %s layer=%s`",
                 d->source && !merged ? d->source : "FILE", pick);
}

static int cmd_clear(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    (void)e;
    if (!s->data) {
        session_info(s, "nothing loaded\n");
        return 0;
    }
    session_info(s, "cleared %lld cells x %lld genes\n", (long long)s->data->X.nrows,
                 (long long)s->data->X.ncols);
    session_clear(s);
    return 0;
}

static int cmd_info(session *s, const cmd_args *a, sc_err *e)
{
    (void)a;
    if (need_data(s, e) != 0)
        return -1;
    const sc_dataset *d = s->data;
    FILE *o = s->out;
    int64_t nnz = nnz_of(d), nc = d->X.nrows, ng = d->X.ncols;
    fprintf(o, "source     %s", d->source ? d->source : "(unknown)");
    if (d->x_source)
        fprintf(o, " (counts from %s)", d->x_source);
    fprintf(o, "\ncells      %s\ngenes      %s\n", num(nc), num(ng));
    double dens = nc && ng ? 100.0 * (double)nnz / ((double)nc * (double)ng) : 0;
    fprintf(o, "nonzeros   %s (%.2f%% of the matrix)\n", num(nnz), dens);
    double meta = frame_bytes(&d->obs) + frame_bytes(&d->var);
    for (int i = 0; i < d->nobsm; i++)
        meta += (double)(d->obsm[i].rows * d->obsm[i].cols) * sizeof(float);
    fprintf(o, "memory     %.1f MiB counts (CSR), %.1f MiB tables and embeddings",
            csr_bytes(&d->X) / 1048576.0, meta / 1048576.0);
    if (d->norm.indptr && d->norm.nrows)
        fprintf(o, ", %.1f MiB normalized copy", csr_bytes(&d->norm) / 1048576.0);
    fprintf(o, "\n");

    /* count range and per-cell totals */
    double minv = INFINITY, maxv = -INFINITY;
    int64_t nonint = 0, neg = 0;
    for (int64_t k = 0; k < nnz; k++) {
        double v = d->X.data[k];
        minv = v < minv ? v : minv;
        maxv = v > maxv ? v : maxv;
        nonint += v != floor(v);
        neg += v < 0;
    }
    if ((double)nnz < (double)nc * (double)ng) { /* implicit zeros */
        minv = minv < 0 ? minv : 0;
        maxv = maxv > 0 ? maxv : 0;
    }
    double *tot = sc_calloc(e, (size_t)(nc ? nc : 1), sizeof *tot);
    if (!tot)
        return -1;
    for (int64_t r = 0; r < nc; r++)
        for (int64_t k = d->X.indptr[r]; k < d->X.indptr[r + 1]; k++)
            tot[r] += d->X.data[k];
    qsort(tot, (size_t)nc, sizeof *tot, cmp_double);
    if (nc)
        fprintf(o, "counts     %s to %s, %s; per cell %s to %s (median %s)\n", real(minv),
                real(maxv), nonint ? "not all whole numbers" : "whole numbers", real(tot[0]),
                real(tot[nc - 1]), real(quantile(tot, nc, 0.5)));
    free(tot);

    char buf[1024];
    int bi = d->batch_key ? frame_find(&d->obs, d->batch_key) : -1;
    if (bi >= 0 && d->obs.cols[bi].kind == SC_COL_CAT) {
        if (cat_preview(&d->obs.cols[bi], d->obs.n, 12, buf, sizeof buf, e) != 0)
            return -1;
        fprintf(o, "batches    %d in obs '%s': %s\n", d->obs.cols[bi].ncats, d->batch_key,
                buf);
    } else if (bi >= 0) {
        fprintf(o, "batches    obs '%s' (%s)\n", d->batch_key, kind_name(&d->obs.cols[bi]));
    } else {
        fprintf(o, "batches    1 (no batch column; `load FILE batch=COL` names one)\n");
    }
    for (int pass = 0; pass < 2; pass++) {
        const sc_frame *f = pass ? &d->var : &d->obs;
        const char *label = pass ? "var" : "obs";
        if (f->ncols == 0)
            fprintf(o, "%-10s (no columns)\n", label);
        for (int c = 0; c < f->ncols; c++) {
            const sc_column *col = &f->cols[c];
            if (col->kind == SC_COL_CAT) {
                if (cat_preview(col, f->n, 5, buf, sizeof buf, e) != 0)
                    return -1;
                fprintf(o, "%-10s %s: %d categor%s (%s)\n", c ? "" : label, col->name,
                        col->ncats, col->ncats == 1 ? "y" : "ies", buf);
            } else if (col->kind == SC_COL_STR) {
                fprintf(o, "%-10s %s: strings\n", c ? "" : label, col->name);
            } else {
                num_range(col, f->n, buf, sizeof buf);
                fprintf(o, "%-10s %s: %s, %s\n", c ? "" : label, col->name, kind_name(col), buf);
            }
        }
    }
    fprintf(o, "obsm       ");
    for (int i = 0; i < d->nobsm; i++)
        fprintf(o, "%s%s (%s x %s)", i ? ", " : "", d->obsm[i].key, num(d->obsm[i].rows),
                num(d->obsm[i].cols));
    fprintf(o, "%s\nlayers     ", d->nobsm ? "" : "(none)");
    for (int i = 0; i < d->nlayers; i++)
        fprintf(o, "%s%s", i ? ", " : "", d->layers[i]);
    fprintf(o, "%s\n", d->nlayers ? " (in the source file; not loaded)" : "(none)");

    char why[256], hint[512];
    counts_check(d, maxv, nonint, neg, why, sizeof why);
    if (why[0]) {
        layers_hint(d, hint, sizeof hint);
        fprintf(o, "warning: X does not look like raw counts (%s)%s\n", why, hint);
    }
    return 0;
}

/* ---- obs / var ---------------------------------------------------------- */

typedef struct strcount {
    const char *s;
    int64_t n;
} strcount;

static int cmp_strp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return strcmp(x, y);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const strcount *x = a, *y = b;
    if (x->n != y->n)
        return (x->n < y->n) - (x->n > y->n);
    return strcmp(x->s, y->s);
}

static int show_strings(FILE *o, const sc_column *c, int64_t n, sc_err *e)
{
    const char **v = sc_calloc(e, (size_t)(n ? n : 1), sizeof *v);
    strcount *sc = sc_calloc(e, (size_t)(n ? n : 1), sizeof *sc);
    if (!v || !sc) {
        free(v);
        free(sc);
        return -1;
    }
    int64_t m = 0, miss = 0, nd = 0;
    for (int64_t i = 0; i < n; i++)
        if (c->str[i])
            v[m++] = c->str[i];
        else
            miss++;
    qsort(v, (size_t)m, sizeof *v, cmp_strp);
    for (int64_t i = 0; i < m; i++) {
        if (nd && strcmp(sc[nd - 1].s, v[i]) == 0)
            sc[nd - 1].n++;
        else
            sc[nd++] = (strcount){v[i], 1};
    }
    qsort(sc, (size_t)nd, sizeof *sc, cmp_count_desc);
    fprintf(o, "%s: strings, %s distinct values in %s rows%s%s%s\n", c->name, num(nd), num(n),
            miss ? " (" : "", miss ? num(miss) : "", miss ? " missing)" : "");
    if (nd == m && nd > 0) {
        /* all different (ids): counts would say nothing */
        fprintf(o, "  all different, e.g.");
        int shown = 0;
        for (int64_t i = 0; i < n && shown < 5; i++)
            if (c->str[i]) {
                fprintf(o, " %s", c->str[i]);
                shown++;
            }
        fprintf(o, "%s\n", m > 5 ? " ..." : "");
        nd = 0;
    }
    for (int64_t k = 0; k < nd && k < 20; k++)
        fprintf(o, "  %-30s %10s  %5.1f%%\n", sc[k].s, num(sc[k].n), 100.0 * (double)sc[k].n / (double)n);
    if (nd > 20)
        fprintf(o, "  ... %s more values\n", num(nd - 20));
    free(v);
    free(sc);
    return 0;
}

static int show_column(FILE *o, const sc_frame *f, const sc_column *c, sc_err *e)
{
    int64_t n = f->n;
    if (c->kind == SC_COL_STR)
        return show_strings(o, c, n, e);
    if (c->kind == SC_COL_CAT) {
        int64_t miss;
        int64_t *cnt = cat_counts(c, n, &miss, e);
        if (!cnt)
            return -1;
        fprintf(o, "%s: categorical, %d categor%s, %s rows\n", c->name, c->ncats,
                c->ncats == 1 ? "y" : "ies", num(n));
        for (int32_t k = 0; k < c->ncats && k < 100; k++)
            fprintf(o, "  %-30s %10s  %5.1f%%\n", c->cats[k], num(cnt[k]),
                    n ? 100.0 * (double)cnt[k] / (double)n : 0);
        if (c->ncats > 100)
            fprintf(o, "  ... %s more categories\n", num(c->ncats - 100));
        if (miss)
            fprintf(o, "  %-30s %10s  %5.1f%%\n", "(missing)", num(miss),
                    100.0 * (double)miss / (double)n);
        free(cnt);
        return 0;
    }
    if (c->kind == SC_COL_BOOL) {
        int64_t t = 0, fl = 0, miss = 0;
        for (int64_t i = 0; i < n; i++) {
            if (isnan(c->num[i]))
                miss++;
            else if (c->num[i] != 0)
                t++;
            else
                fl++;
        }
        fprintf(o, "%s: boolean, %s rows\n  True  %s\n  False %s\n", c->name, num(n), num(t),
                num(fl));
        if (miss)
            fprintf(o, "  missing %s\n", num(miss));
        return 0;
    }
    double *v = sc_calloc(e, (size_t)(n ? n : 1), sizeof *v);
    if (!v)
        return -1;
    int64_t m = 0;
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(c->num[i])) {
            v[m++] = c->num[i];
            sum += c->num[i];
        }
    double mean = m ? sum / (double)m : NAN;
    for (int64_t i = 0; i < m; i++)
        sq += (v[i] - mean) * (v[i] - mean);
    qsort(v, (size_t)m, sizeof *v, cmp_double);
    fprintf(o, "%s: %s, %s rows (%s missing)\n", c->name, kind_name(c), num(n), num(n - m));
    if (m) {
        fprintf(o, "  min %s  25%% %s  median %s  75%% %s  max %s\n", real(v[0]),
                real(quantile(v, m, 0.25)), real(quantile(v, m, 0.5)), real(quantile(v, m, 0.75)),
                real(v[m - 1]));
        fprintf(o, "  mean %.4g  sd %.4g\n", mean, m > 1 ? sqrt(sq / (double)(m - 1)) : 0.0);
    }
    free(v);
    return 0;
}

static int show_frame(session *s, const sc_frame *f, const char *what, const char *rows,
                      const char *colname, sc_err *e)
{
    FILE *o = s->out;
    if (colname) {
        int ci = frame_find(f, colname);
        if (ci < 0)
            return no_column(f, what, colname, NULL, e);
        return show_column(o, f, &f->cols[ci], e);
    }
    fprintf(o, "%s %s; index%s%s: %s%s\n", num(f->n), rows, f->index_name ? " " : "",
            f->index_name ? f->index_name : "", f->n ? f->index[0] : "(empty)",
            f->n > 1 ? ", ..." : "");
    if (f->ncols == 0) {
        fprintf(o, "no %s columns\n", what);
        return 0;
    }
    int w = 6;
    for (int c = 0; c < f->ncols; c++)
        if ((int)strlen(f->cols[c].name) > w)
            w = (int)strlen(f->cols[c].name);
    if (w > 40)
        w = 40;
    fprintf(o, "%-*s  %-11s  %s\n", w, "column", "kind", "values");
    char buf[512];
    for (int c = 0; c < f->ncols; c++) {
        const sc_column *col = &f->cols[c];
        if (col->kind == SC_COL_CAT)
            snprintf(buf, sizeof buf, "%d categor%s", col->ncats, col->ncats == 1 ? "y" : "ies");
        else if (col->kind == SC_COL_STR)
            snprintf(buf, sizeof buf, "text");
        else
            num_range(col, f->n, buf, sizeof buf);
        fprintf(o, "%-*s  %-11s  %s\n", w, col->name, kind_name(col), buf);
    }
    return 0;
}

static int cmd_obs(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e) != 0)
        return -1;
    return show_frame(s, &s->data->obs, "obs", "cells", arg_str(a, "COL"), e);
}

static int cmd_var(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e) != 0)
        return -1;
    return show_frame(s, &s->data->var, "var", "genes", arg_str(a, "COL"), e);
}

/* ---- head ---------------------------------------------------------------- */

static void cell_text(const sc_column *c, int64_t i, char *out, size_t size)
{
    switch (c->kind) {
    case SC_COL_NUM:
        snprintf(out, size, "%s", isnan(c->num[i]) ? "" : real(c->num[i]));
        break;
    case SC_COL_BOOL:
        snprintf(out, size, "%s", isnan(c->num[i]) ? "" : c->num[i] ? "True" : "False");
        break;
    case SC_COL_STR:
        snprintf(out, size, "%s", c->str[i] ? c->str[i] : "");
        break;
    case SC_COL_CAT:
        snprintf(out, size, "%s",
                 c->codes[i] >= 0 && c->codes[i] < c->ncats ? c->cats[c->codes[i]] : "");
        break;
    }
}

#define HEAD_W 24 /* widest value shown; longer ones end in "~" */

static void put_cell(FILE *o, const char *s, int w, int right, int last)
{
    char b[HEAD_W + 1];
    size_t n = strlen(s);
    if (n > HEAD_W) {
        memcpy(b, s, HEAD_W - 1);
        b[HEAD_W - 1] = '~';
        b[HEAD_W] = '\0';
        s = b;
    }
    if (last && !right)
        fprintf(o, "  %s", s); /* no trailing blanks */
    else
        fprintf(o, right ? "  %*s" : "  %-*s", w, s);
}

static int cmd_head(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e) != 0)
        return -1;
    const sc_dataset *d = s->data;
    int64_t n = arg_has(a, "N") ? arg_int(a, "N") : 5;
    if (n > d->X.nrows)
        n = d->X.nrows;
    const sc_frame *f = &d->obs;
    /* columns: cell name, total counts, genes detected, then obs */
    int nc = f->ncols + 3;
    int *w = sc_calloc(e, (size_t)nc, sizeof *w);
    if (!w)
        return -1;
    char buf[256];
    w[0] = 4;
    w[1] = 5;
    w[2] = 5;
    for (int c = 0; c < f->ncols; c++)
        w[c + 3] = (int)strlen(f->cols[c].name);
    for (int64_t i = 0; i < n; i++) {
        int64_t len = (int64_t)strlen(f->index[i]);
        w[0] = len > w[0] ? (int)len : w[0];
        for (int c = 0; c < f->ncols; c++) {
            cell_text(&f->cols[c], i, buf, sizeof buf);
            w[c + 3] = (int)strlen(buf) > w[c + 3] ? (int)strlen(buf) : w[c + 3];
        }
    }
    for (int c = 0; c < nc; c++)
        w[c] = w[c] > HEAD_W ? HEAD_W : w[c];
    FILE *o = s->out;
    fprintf(o, "%-*s", w[0], "cell");
    put_cell(o, "total", w[1], 1, 0);
    put_cell(o, "genes", w[2], 1, f->ncols == 0);
    for (int c = 0; c < f->ncols; c++)
        put_cell(o, f->cols[c].name, w[c + 3], f->cols[c].kind == SC_COL_NUM, c == f->ncols - 1);
    fprintf(o, "\n");
    for (int64_t i = 0; i < n; i++) {
        double tot = 0;
        for (int64_t k = d->X.indptr[i]; k < d->X.indptr[i + 1]; k++)
            tot += d->X.data[k];
        snprintf(buf, sizeof buf, "%s", f->index[i]);
        if (strlen(buf) > HEAD_W) {
            buf[HEAD_W - 1] = '~';
            buf[HEAD_W] = '\0';
        }
        fprintf(o, "%-*s", w[0], buf);
        put_cell(o, real(tot), w[1], 1, 0);
        put_cell(o, num(d->X.indptr[i + 1] - d->X.indptr[i]), w[2], 1, f->ncols == 0);
        for (int c = 0; c < f->ncols; c++) {
            cell_text(&f->cols[c], i, buf, sizeof buf);
            put_cell(o, buf, w[c + 3], f->cols[c].kind == SC_COL_NUM, c == f->ncols - 1);
        }
        fprintf(o, "\n");
    }
    if (d->X.nrows > n)
        fprintf(o, "(%s of %s cells)\n", num(n), num(d->X.nrows));
    free(w);
    return 0;
}

/* ---- the table --------------------------------------------------------- */

static const arg_spec load_args[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0,
     "An AnnData .h5ad, a 10x .h5, a MatrixMarket folder (matrix.mtx[.gz], barcodes.tsv[.gz], "
     "features.tsv[.gz] or genes.tsv) or its matrix file. The format is read from the "
     "content, not the name."},
    {"NAME", ARG_WORD, ARG_OPTIONAL, "as", NULL, 0, 0,
     "The batch name of these cells (default: the file name without its extension)."},
    {0},
};
static const opt_spec load_opts_spec[] = {
    {"layer", ARG_WORD, NULL, NULL, 0, 0,
     "For .h5ad: read the counts from layers/NAME, or from raw/X with layer=raw, instead of X."},
    {"batch", ARG_OBS, NULL, NULL, 0, 0,
     "An obs column that holds the batch of each cell (first file: a column of that file; "
     "later files: a column of the loaded data, which receives the new batch)."},
    {"genes", ARG_CHOICE, "inner", "inner|outer", 0, 0,
     "When appending: keep the genes both data sets have (inner) or all of them, with zeros "
     "where a data set lacks a gene (outer)."},
    {"genome", ARG_WORD, NULL, NULL, 0, 0,
     "For a 10x .h5 with several genomes: the genome whose genes to keep."},
    {0},
};
static const arg_spec col_args[] = {
    {"COL", ARG_OBS, ARG_OPTIONAL, NULL, NULL, 0, 0,
     "A column to summarise; without it, the list of columns."},
    {0},
};
static const arg_spec var_col_args[] = {
    {"COL", ARG_VAR, ARG_OPTIONAL, NULL, NULL, 0, 0,
     "A column to summarise; without it, the list of columns."},
    {0},
};
static const arg_spec head_args[] = {
    {"N", ARG_INT, ARG_OPTIONAL, NULL, NULL, 1, 1000, "How many cells to show (default 5)."},
    {0},
};

const cmd_entry cmd_group_data[] = {
    {"clear", NULL, NULL, NULL, "drop the loaded data",
     "Drops the loaded data set and every model trained on it, so that the next `load` "
     "starts afresh instead of adding a batch.",
     "clear\nload other.h5ad", cmd_clear, NULL},
    {"load", NULL, load_args, load_opts_spec, "read a data file, or add one as a new batch",
     "Reads an AnnData .h5ad, a Cell Ranger .h5 or a MatrixMarket folder; the format is "
     "recognised from the content. The counts must be non-negative and finite; anything that "
     "is not is an error naming the file, the object inside it and what was expected, and the "
     "session keeps the data it had.\n\n"
     "When data are already loaded, the new file's cells are appended as a new batch: the "
     "batch column (`batch`, or the column named by batch=, or the one chosen at the first "
     "load) gets the file's name, or the `as` name, for the new cells; the cells loaded "
     "before get the first file's name if they had no batch column. Genes are matched by "
     "Ensembl id when both data sets have a complete gene_ids column, else by symbol. obs "
     "columns are joined by name (categories by name; missing values where a data set lacks "
     "a column). Cell names that collide are made unique.\n\n"
     "MatrixMarket: repeated (gene, cell) entries are summed (as scipy does), only Gene "
     "Expression features are kept, and gene names are made unique (-1, -2, ...).",
     "load ../shared/data/ifnb1k.h5ad\nload pbmc.h5ad layer=counts\n"
     "load pbmc_3tech.h5ad batch=tech\nload filtered_feature_bc_matrix/ as donor2\n"
     "load study2.h5ad as study2 genes=outer",
     cmd_load, NULL},
    {"info", NULL, NULL, NULL, "summarise the loaded data",
     "Shows the source, the number of cells, genes and nonzeros, density, memory, the range "
     "of the counts and of the per-cell totals, the batches, the obs and var columns (with "
     "category counts), the obsm keys and the other matrices in the file. Warns when X does "
     "not look like raw counts (negative or non-integer values, or a maximum below 20 over "
     "100 or more cells) and says which matrix of the file may hold them.",
     "info", cmd_info, NULL},
    {"obs", NULL, col_args, NULL, "show the cell table, or one of its columns",
     "Without an argument, lists the obs columns with their kind and their categories or "
     "range. With a column: the count of each category (categorical), the most frequent "
     "values (string), or min, quartiles, max, mean and sd (numeric).",
     "obs\nobs cell_type\nobs nCount_RNA", cmd_obs, NULL},
    {"var", NULL, var_col_args, NULL, "show the gene table, or one of its columns",
     "Like `obs`, for the genes.", "var\nvar highly_variable", cmd_var, NULL},
    {"head", NULL, head_args, NULL, "show the first cells",
     "Shows the first N cells: name, total count, genes detected and every obs column.",
     "head\nhead 20", cmd_head, NULL},
    {0},
};

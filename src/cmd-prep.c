/* cmd-prep.c: preparing the data: `simulate`, `qc`, `filter cells`,
 * `filter genes` and `subset`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dsubset.h"
#include "qc.h"
#include "session.h"
#include "settings.h"
#include "simulate.h"
#include "textplot.h"

#define PLOT_WIDTH 72
#define PLOT_HEIGHT 10

static int need_data(session *s, sc_err *e)
{
    if (!s->data || s->data->X.nrows == 0)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    return 0;
}

/* ANSI colours only on a terminal, and not when NO_COLOR is set. */
static int use_colour(FILE *out)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(out)) && !(nc && *nc);
}

static double median_of(const double *v, int64_t n, sc_err *e)
{
    double p = 0.5, m = NAN;
    qc_quantiles(v, n, &p, 1, &m, e);
    return m;
}

/* ---- simulate ------------------------------------------------------- */

static int cmd_simulate(session *s, const cmd_args *a, sc_err *e)
{
    sim_params p;
    sim_params_default(&p);
    p.cells = arg_int(a, "cells");
    p.genes = arg_int(a, "genes");
    p.types = (int)arg_int(a, "types");
    p.batches = (int)arg_int(a, "batches");
    p.conditions = (int)arg_int(a, "conditions");
    p.seed = (uint64_t)(arg_has(a, "seed") ? arg_int(a, "seed") : s->set.seed);
    p.de_prob = arg_real(a, "de-prob");
    p.bcv_common = arg_real(a, "bcv");
    p.dropout = (int)arg_int(a, "dropout");
    p.batch_effect = arg_real(a, "batch-effect");
    p.lib_size = arg_real(a, "lib-size");
    if (sim_check(&p, e) < 0)
        return -1;
    sc_dataset *d = sc_calloc(e, 1, sizeof *d);
    if (!d)
        return -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (simulate(&p, d, e) < 0) {
        free(d);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);

    int64_t N = d->X.nrows, G = d->X.ncols, nnz = d->X.indptr[N];
    double *tot = malloc((size_t)N * sizeof *tot), *ng = malloc((size_t)N * sizeof *ng);
    double mt = NAN, mg = NAN;
    if (tot && ng) {
        qc_cell_metrics(d, NULL, tot, ng, NULL, NULL);
        mt = median_of(tot, N, e);
        mg = median_of(ng, N, e);
    }
    free(tot);
    free(ng);
    const sc_column *prog = &d->var.cols[frame_find(&d->var, "program")];
    int64_t nmark = 0, ncond = 0, nmito = 0, nribo = 0;
    for (int64_t j = 0; j < G; j++) {
        nmark += prog->codes[j] < p.types;
        ncond += prog->codes[j] == p.types;
        nmito += strncmp(d->var.index[j], "MT-", 3) == 0;
        nribo += strncmp(d->var.index[j], "RPL", 3) == 0 || strncmp(d->var.index[j], "RPS", 3) == 0;
    }
    const sc_column *cond = &d->obs.cols[frame_find(&d->obs, "condition")];

    if (s->set.verbose >= 1) { /* a report, not a result: quiet at verbose 0 */
        fprintf(s->out, "simulated %lld cells x %lld genes (seed %llu): %d cell type%s, %d batch%s, ",
                (long long)N, (long long)G, (unsigned long long)p.seed, p.types,
                p.types == 1 ? "" : "s", p.batches, p.batches == 1 ? "" : "es");
        fprintf(s->out, "conditions");
        for (int k = 0; k < cond->ncats; k++)
            fprintf(s->out, "%s%s", k ? ", " : " ", cond->cats[k]);
        fprintf(s->out, "\n  %lld nonzero (%.1f%%); per cell median %.0f counts, %.0f genes%s\n",
                (long long)nnz, 100.0 * (double)nnz / ((double)N * (double)G), mt, mg,
                p.dropout ? "; with dropout" : "");
        fprintf(s->out, "  programs: %lld marker genes per type (TypeA_m1 ...), %lld condition genes "
                        "(IFN_1 ...), %lld MT- and %lld RPL/RPS genes, %lld others (Gene_1 ...)\n",
                p.types > 0 && nmark ? (long long)(nmark / p.types) : 0LL, (long long)ncond,
                (long long)nmito, (long long)nribo, (long long)(G - nmark - ncond - nmito - nribo));
        fprintf(s->out, "  ground truth: obs cell_type, batch, condition, library_size; var program, "
                        "de_factor, base_mean, batch_factor_batch1..%d\n",
                p.batches);
    }
    if (s->set.verbose >= 2)
        fprintf(s->out, "  took %.2f s\n",
                (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    session_set_data(s, d);
    return 0;
}

/* ---- qc ------------------------------------------------------------- */

/* One metric: quantiles on one line, then (optionally) its histogram. */
static int show_metric(session *s, const char *name, const double *v, int64_t n, int plot,
                       const char *what, sc_err *e)
{
    static const double p[7] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
    static const char *const pn[7] = {"min", "5%", "25%", "median", "75%", "95%", "max"};
    double q[7];
    if (qc_quantiles(v, n, p, 7, q, e) < 0)
        return -1;
    fprintf(s->out, "%-18s", name);
    for (int k = 0; k < 7; k++)
        fprintf(s->out, " %s %.4g", pn[k], q[k]);
    fprintf(s->out, "\n");
    if (!plot)
        return 0;
    tp_grid *g = tp_grid_new(PLOT_WIDTH, PLOT_HEIGHT, tp_charset_from_locale(), e);
    if (!g)
        return -1;
    tp_hist_opts o = {NULL, name, what, 0, 0};
    int rc = tp_histogram(g, v, n, &o, NULL, e);
    if (rc == 0)
        tp_print(g, s->out, use_colour(s->out));
    tp_grid_free(g);
    return rc;
}

static int cmd_qc(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e))
        return -1;
    sc_dataset *d = s->data;
    int plot = (int)arg_int(a, "plots");
    qc_genes q;
    if (qc_store(d, &q, e) < 0)
        return -1;
    int64_t N = d->X.nrows, G = d->X.ncols;
    fprintf(s->out, "QC of %lld cells x %lld genes: %lld mitochondrial (MT-/mt-) and %lld "
                    "ribosomal (RPS/RPL) genes by %s\n",
            (long long)N, (long long)G, (long long)q.nmito, (long long)q.nribo, q.source);
    fprintf(s->out, "stored: obs total_counts, n_genes_by_counts, pct_counts_mt, pct_counts_ribo; "
                    "var n_cells_by_counts, total_counts\n");
    int rc = 0;
    static const char *const cell_cols[4] = {"total_counts", "n_genes_by_counts",
                                             "pct_counts_mt", "pct_counts_ribo"};
    for (int k = 0; k < 4 && rc == 0; k++) {
        if ((k == 2 && !q.nmito) || (k == 3 && !q.nribo))
            continue;
        const sc_column *c = &d->obs.cols[frame_find(&d->obs, cell_cols[k])];
        if (plot)
            fprintf(s->out, "\n");
        rc = show_metric(s, cell_cols[k], c->num, N, plot, "cells", e);
    }
    if (rc == 0) {
        const double *nc = d->var.cols[frame_find(&d->var, "n_cells_by_counts")].num;
        int64_t none = 0, few = 0;
        for (int64_t j = 0; j < G; j++) {
            none += nc[j] == 0;
            few += nc[j] > 0 && nc[j] < 3;
        }
        if (plot)
            fprintf(s->out, "\n");
        rc = show_metric(s, "n_cells_by_counts", nc, G, 0, "genes", e);
        if (rc == 0)
            fprintf(s->out, "genes detected in no cell: %lld; in 1 or 2 cells: %lld\n",
                    (long long)none, (long long)few);
    }
    qc_genes_free(&q);
    return rc;
}

/* ---- filter --------------------------------------------------------- */

/* After cells or genes were removed, metrics computed over the other axis
 * are stale: recompute the QC columns when `qc` ran before. */
static int refresh_qc(session *s, sc_err *e)
{
    sc_dataset *d = s->data;
    if (frame_find(&d->obs, "total_counts") < 0 && frame_find(&d->var, "n_cells_by_counts") < 0)
        return 0;
    if (qc_store(d, NULL, e) < 0)
        return -1;
    session_info(s, "(QC columns recomputed)\n");
    return 0;
}

static void range_text(const double *v, int64_t n, char *buf, size_t size)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (lo > hi)
        snprintf(buf, size, "no values");
    else
        snprintf(buf, size, "%.4g..%.4g", lo, hi);
}

static int cmd_filter_cells(session *s, const cmd_args *a, sc_err *e)
{
    static const char *const keys[5] = {"min_genes", "max_genes", "min_counts", "max_counts",
                                        "max_mito"};
    if (need_data(s, e))
        return -1;
    int any = 0;
    for (int k = 0; k < 5; k++)
        any |= arg_has(a, keys[k]);
    if (!any)
        return err_set(e, "give at least one of min_genes=, max_genes=, min_counts=, "
                          "max_counts=, max_mito=");
    sc_dataset *d = s->data;
    int64_t N = d->X.nrows;
    qc_genes q;
    if (qc_genes_find(d, &q, e) < 0)
        return -1;
    double *tot = sc_calloc(e, (size_t)N, sizeof *tot);
    double *ng = tot ? sc_calloc(e, (size_t)N, sizeof *ng) : NULL;
    double *mt = ng ? sc_calloc(e, (size_t)N, sizeof *mt) : NULL;
    uint8_t *keep = mt ? sc_calloc(e, (size_t)N, 1) : NULL;
    int rc = keep ? 0 : -1;
    if (rc == 0) {
        qc_cell_metrics(d, &q, tot, ng, mt, NULL);
        int64_t fails[5] = {0}, nkeep = 0;
        for (int64_t i = 0; i < N; i++) {
            int f[5];
            f[0] = arg_has(a, "min_genes") && ng[i] < (double)arg_int(a, "min_genes");
            f[1] = arg_has(a, "max_genes") && ng[i] > (double)arg_int(a, "max_genes");
            f[2] = arg_has(a, "min_counts") && tot[i] < arg_real(a, "min_counts");
            f[3] = arg_has(a, "max_counts") && tot[i] > arg_real(a, "max_counts");
            /* a cell without counts has no percentage: it cannot pass */
            f[4] = arg_has(a, "max_mito") && !(mt[i] <= arg_real(a, "max_mito"));
            int ok = 1;
            for (int k = 0; k < 5; k++) {
                fails[k] += f[k];
                ok &= !f[k];
            }
            keep[i] = (uint8_t)ok;
            nkeep += ok;
        }
        if (arg_has(a, "max_mito") && q.nmito == 0)
            session_info(s, "note: no mitochondrial genes (MT-/mt-) among the gene names; "
                            "max_mito only removes cells without counts\n");
        if (nkeep == 0) {
            char r1[64], r2[64], r3[64];
            range_text(ng, N, r1, sizeof r1);
            range_text(tot, N, r2, sizeof r2);
            range_text(mt, N, r3, sizeof r3);
            rc = err_set(e,
                         "these thresholds would remove all %lld cells; nothing changed "
                         "(n_genes_by_counts %s, total_counts %s, pct_counts_mt %s)",
                         (long long)N, r1, r2, r3);
        } else {
            rc = dataset_keep_rows(d, keep, e);
            if (rc == 0) {
                fprintf(s->out, "filter cells: kept %lld of %lld cells", (long long)nkeep,
                        (long long)N);
                const char *sep = " (removed:";
                for (int k = 0; k < 5; k++)
                    if (arg_has(a, keys[k])) {
                        fprintf(s->out, "%s %lld by %s", sep, (long long)fails[k], keys[k]);
                        sep = ",";
                    }
                fprintf(s->out, ")\n%lld cells x %lld genes remain\n", (long long)d->X.nrows,
                        (long long)d->X.ncols);
                rc = refresh_qc(s, e);
            }
        }
    }
    free(tot);
    free(ng);
    free(mt);
    free(keep);
    qc_genes_free(&q);
    return rc;
}

static int cmd_filter_genes(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e))
        return -1;
    if (!arg_has(a, "min_cells") && !arg_has(a, "min_counts"))
        return err_set(e, "give at least one of min_cells=, min_counts=");
    sc_dataset *d = s->data;
    int64_t G = d->X.ncols;
    double *nc = sc_calloc(e, (size_t)G, sizeof *nc);
    double *tot = nc ? sc_calloc(e, (size_t)G, sizeof *tot) : NULL;
    uint8_t *keep = tot ? sc_calloc(e, (size_t)G, 1) : NULL;
    int rc = keep ? 0 : -1;
    if (rc == 0) {
        qc_gene_metrics(d, nc, tot);
        int64_t nkeep = 0, f_cells = 0, f_counts = 0;
        for (int64_t j = 0; j < G; j++) {
            int fc = arg_has(a, "min_cells") && nc[j] < (double)arg_int(a, "min_cells");
            int ft = arg_has(a, "min_counts") && tot[j] < arg_real(a, "min_counts");
            f_cells += fc;
            f_counts += ft;
            keep[j] = (uint8_t)(!fc && !ft);
            nkeep += keep[j];
        }
        if (nkeep == 0) {
            char r1[64], r2[64];
            range_text(nc, G, r1, sizeof r1);
            range_text(tot, G, r2, sizeof r2);
            rc = err_set(e,
                         "these thresholds would remove all %lld genes; nothing changed "
                         "(n_cells_by_counts %s, total_counts %s)",
                         (long long)G, r1, r2);
        } else {
            rc = dataset_keep_cols(d, keep, e);
            if (rc == 0) {
                fprintf(s->out, "filter genes: kept %lld of %lld genes (removed:", (long long)nkeep,
                        (long long)G);
                if (arg_has(a, "min_cells"))
                    fprintf(s->out, " %lld by min_cells%s", (long long)f_cells,
                            arg_has(a, "min_counts") ? "," : "");
                if (arg_has(a, "min_counts"))
                    fprintf(s->out, " %lld by min_counts", (long long)f_counts);
                fprintf(s->out, ")\n%lld cells x %lld genes remain\n", (long long)d->X.nrows,
                        (long long)d->X.ncols);
                rc = refresh_qc(s, e);
            }
        }
    }
    free(nc);
    free(tot);
    free(keep);
    return rc;
}

/* ---- subset --------------------------------------------------------- */

static void cat_list(const sc_column *c, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < c->ncats && used + 1 < size; k++) {
        int w = snprintf(buf + used, size - used, "%s%s", k ? ", " : "", c->cats[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Mark the cells whose value in column c is one of `values` (the whole
 * text when it names a category itself, else comma-separated). */
static int match_values(const sc_frame *obs, const sc_column *c, const char *values, uint8_t *hit,
                        sc_err *e)
{
    int64_t N = obs->n;
    memset(hit, 0, (size_t)N);
    char *buf = sc_strdup(e, values);
    if (!buf)
        return -1;
    int whole = 0;
    if (c->kind == SC_COL_CAT)
        for (int k = 0; k < c->ncats; k++)
            whole |= strcmp(c->cats[k], values) == 0;
    int rc = 0;
    size_t len = strlen(buf);
    if (!whole && (buf[0] == ',' || buf[len - 1] == ',' || strstr(buf, ",,"))) {
        free(buf);
        return err_set(e, "an empty value in '%s'", values);
    }
    char *save = NULL;
    for (char *v = whole ? buf : strtok_r(buf, ",", &save); v && rc == 0;
         v = whole ? NULL : strtok_r(NULL, ",", &save)) {
        if (c->kind == SC_COL_CAT) {
            int code = -1;
            for (int k = 0; k < c->ncats; k++)
                if (strcmp(c->cats[k], v) == 0)
                    code = k;
            if (code < 0) {
                char list[768];
                cat_list(c, list, sizeof list);
                rc = err_set(e, "'%s' is not a category of '%s'; its categories are: %s", v,
                             c->name, list);
                break;
            }
            for (int64_t i = 0; i < N; i++)
                hit[i] |= c->codes[i] == code;
        } else if (c->kind == SC_COL_STR) {
            int64_t found = 0;
            for (int64_t i = 0; i < N; i++)
                if (c->str[i] && strcmp(c->str[i], v) == 0) {
                    hit[i] = 1;
                    found++;
                }
            if (!found)
                rc = err_set(e, "no cell has '%s' = '%s'", c->name, v);
        } else {
            double x;
            int64_t b;
            if (c->kind == SC_COL_BOOL && parse_bool(v, c->name, &b, e) == 0)
                x = (double)b;
            else if (parse_real(v, -INFINITY, INFINITY, c->name, &x, e) < 0) {
                rc = -1;
                break;
            }
            for (int64_t i = 0; i < N; i++)
                hit[i] |= c->num[i] == x;
        }
    }
    free(buf);
    return rc;
}

static int cmd_subset(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e))
        return -1;
    sc_dataset *d = s->data;
    int64_t N = d->X.nrows;
    uint8_t *keep = sc_calloc(e, (size_t)N, 1), *hit = keep ? sc_calloc(e, (size_t)N, 1) : NULL;
    if (!hit) {
        free(keep);
        return -1;
    }
    int rc = 0;
    const char *word = arg_str(a, "COL=VALUE[,VALUE..]");
    do {
        const char *eq = strchr(word, '=');
        if (!eq || eq == word || !eq[1]) {
            rc = err_set(e, "expected COL=VALUE[,VALUE..], got '%s'", word);
            break;
        }
        int negate = eq > word + 1 && eq[-1] == '!';
        char col[256];
        size_t kl = (size_t)(eq - word) - (size_t)negate;
        snprintf(col, sizeof col, "%.*s", (int)(kl < sizeof col ? kl : sizeof col - 1), word);
        int k = frame_find(&d->obs, col);
        if (k < 0) {
            char names[2048];
            frame_names(&d->obs, names, sizeof names);
            rc = err_set(e, "no obs column '%s'; the columns are: %s", col, names);
            break;
        }
        rc = match_values(&d->obs, &d->obs.cols[k], eq + 1, hit, e);
        for (int64_t i = 0; i < N && rc == 0; i++)
            keep[i] = negate ? !hit[i] : hit[i];
    } while (0);
    int64_t nkeep = 0;
    for (int64_t i = 0; i < N && rc == 0; i++)
        nkeep += keep[i];
    if (rc == 0 && nkeep == 0)
        rc = err_set(e, "no cell matches %s; nothing changed", word);
    if (rc == 0 && nkeep < N)
        rc = dataset_keep_rows(d, keep, e);
    if (rc == 0) {
        fprintf(s->out, "subset %s: kept %lld of %lld cells\n%lld cells x %lld genes remain\n",
                word, (long long)nkeep, (long long)N, (long long)d->X.nrows,
                (long long)d->X.ncols);
        if (nkeep < N)
            rc = refresh_qc(s, e);
    }
    free(keep);
    free(hit);
    return rc;
}

/* ---- the table ------------------------------------------------------ */

static const opt_spec simulate_opts[] = {
    {"cells", ARG_INT, "2000", NULL, 1, 100000000, "Number of cells."},
    {"genes", ARG_INT, "2000", NULL, 2, 1000000, "Number of genes."},
    {"types", ARG_INT, "5", NULL, 1, SIM_MAX_TYPES,
     "Cell types (TypeA, TypeB, ...), each with its own marker genes; proportions 1 : 1/1.5 : "
     "1/2 : ..."},
    {"batches", ARG_INT, "2", NULL, 1, SIM_MAX_BATCHES,
     "Batches (batch1, ...), each with its own gene factors and depth."},
    {"conditions", ARG_INT, "2", NULL, 1, SIM_MAX_CONDITIONS,
     "Conditions: ctrl and stim (or stim1.. at rising doses), the stimulated ones switching on "
     "the IFN_* program in every cell type."},
    {"seed", ARG_INT, NULL, NULL, 0, 4294967295.0, "Seed (default: the session's `set seed`)."},
    {"de-prob", ARG_REAL, "0.02", NULL, 0, 1, "Share of the genes that are markers of each type."},
    {"bcv", ARG_REAL, "0.1", NULL, 0, 10,
     "Common biological coefficient of variation (Splatter's bcv.common)."},
    {"dropout", ARG_BOOL, "off", NULL, 0, 0,
     "Zero counts with probability 1/(1 + mean) (Splatter's logistic dropout, midpoint 0, shape "
     "-1)."},
    {"batch-effect", ARG_REAL, "0.2", NULL, 0, 5,
     "Standard deviation of the log batch factors (0: no batch effect)."},
    {"lib-size", ARG_REAL, "2500", NULL, 1, 10000000, "Median library size (counts per cell)."},
    {0},
};

static const opt_spec qc_opts[] = {
    {"plots", ARG_BOOL, "on", NULL, 0, 0, "Draw a histogram of each per-cell metric."},
    {0},
};

static const opt_spec filter_cells_opts[] = {
    {"min_genes", ARG_INT, NULL, NULL, 0, 1e9,
     "Keep cells with at least this many genes detected."},
    {"max_genes", ARG_INT, NULL, NULL, 0, 1e9, "Keep cells with at most this many genes detected."},
    {"min_counts", ARG_REAL, NULL, NULL, 0, INFINITY, "Keep cells with at least this many counts."},
    {"max_counts", ARG_REAL, NULL, NULL, 0, INFINITY, "Keep cells with at most this many counts."},
    {"max_mito", ARG_REAL, NULL, NULL, 0, 100,
     "Keep cells with at most this percentage of counts in MT-/mt- genes."},
    {0},
};

static const opt_spec filter_genes_opts[] = {
    {"min_cells", ARG_INT, NULL, NULL, 0, 1e9, "Keep genes detected in at least this many cells."},
    {"min_counts", ARG_REAL, NULL, NULL, 0, INFINITY,
     "Keep genes with at least this many counts in all."},
    {0},
};

static const arg_spec subset_args[] = {
    {"COL=VALUE[,VALUE..]", ARG_ASSIGN, 0, NULL, NULL, 0, 0,
     "Keep the cells whose obs column COL has one of the comma-separated values; COL!=VALUE "
     "keeps the others."},
    {0},
};

static const cmd_entry filter_subs[] = {
    {"cells", NULL, NULL, filter_cells_opts, "remove cells by genes detected, counts or mito share",
     "Removes the cells outside the given bounds (scanpy's filter_cells, plus max_mito on "
     "pct_counts_mt). Prints how many each bound removed (a cell may fail several) and what "
     "remains. A filter that would remove every cell is refused and changes nothing. When "
     "`qc` ran before, its columns are recomputed.",
     "filter cells min_genes=200 max_mito=10\nfilter cells min_counts=500 max_counts=30000",
     cmd_filter_cells, NULL},
    {"genes", NULL, NULL, filter_genes_opts, "remove genes detected in too few cells",
     "Removes the genes detected in fewer than min_cells cells or with fewer than min_counts "
     "counts (scanpy's filter_genes). A filter that would remove every gene is refused.",
     "filter genes min_cells=3", cmd_filter_genes, NULL},
    {0},
};

const cmd_entry cmd_group_prep[] = {
    {"simulate", NULL, NULL, simulate_opts, "make a count data set with known ground truth",
     "Replaces the data with simulated counts in the manner of Splatter (Zappia et al. 2017): "
     "gamma gene means with high-expression outliers, log-normal library sizes, negative "
     "binomial counts with Splatter's biological coefficient of variation trend. Each cell type "
     "has marker genes (TypeA_m1, ...) scaled by log-normal factors (a tenth of them down); the "
     "stimulated conditions scale the IFN_* genes in every type; each batch scales every gene "
     "by its own log-normal factor. The truth is kept in obs (cell_type, batch, condition, "
     "library_size) and var (program, de_factor, base_mean, batch_factor_batchK). The same "
     "seed gives the same data for any thread count.",
     "simulate\nsimulate cells=10000 genes=3000 types=8 batches=3 seed=1\nsimulate dropout=on",
     cmd_simulate, NULL},
    {"qc", NULL, NULL, qc_opts, "quality metrics of cells and genes, with histograms",
     "Computes per cell total_counts, n_genes_by_counts, pct_counts_mt (genes starting MT- or "
     "mt-) and pct_counts_ribo (RPS, RPL, Rps, Rpl), and per gene n_cells_by_counts and "
     "total_counts (scanpy's names), stores them in obs and var, and prints their quantiles "
     "with a histogram of each per-cell metric.",
     "qc\nqc plots=off", cmd_qc, NULL},
    {"filter", NULL, NULL, NULL, "remove low-quality cells or rarely detected genes",
     "`filter cells` removes cells by genes detected, counts and mitochondrial share; `filter "
     "genes` removes genes detected in too few cells.",
     "filter cells min_genes=200\nfilter genes min_cells=3", NULL, filter_subs},
    {"subset", NULL, subset_args, NULL, "keep the cells with given obs values",
     "Keeps the cells whose obs column has one of the given values: categories for categorical "
     "columns, text for string columns, numbers for numeric ones. A name that is not a column "
     "or a value that is not a category is an error listing the choices.",
     "subset condition=stim\nsubset cell_type=B,\"CD14 Mono\"\nsubset batch!=batch2", cmd_subset,
     NULL},
    {0},
};

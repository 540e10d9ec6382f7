/* cmd-hvg.c: the `hvg` and `normalize` commands. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "hvg.h"
#include "normalize.h"
#include "session.h"

static int need_data(session *s, sc_err *e)
{
    if (!s->data || s->data->X.nrows == 0)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    return 0;
}

/* Drop var column `name` if present. */
static void var_drop(sc_frame *f, const char *name)
{
    int i = frame_find(f, name);
    if (i < 0)
        return;
    sc_column *c = &f->cols[i];
    if (c->str)
        for (int64_t r = 0; r < f->n; r++)
            free(c->str[r]);
    free(c->str);
    c->str = NULL;
    column_free(c);
    memmove(f->cols + i, f->cols + i + 1, (size_t)(f->ncols - i - 1) * sizeof *f->cols);
    f->ncols--;
}

/* Put a numeric (or boolean) column into var, replacing one of that name;
 * takes ownership of vals. */
static int var_put(sc_frame *f, const char *name, sc_col_kind kind, int is_int, double *vals,
                   sc_err *e)
{
    var_drop(f, name);
    sc_column c = {0};
    c.name = sc_strdup(e, name);
    if (!c.name) {
        free(vals);
        return -1;
    }
    c.kind = kind;
    c.is_int = is_int;
    c.num = vals;
    if (frame_add(f, &c, e)) {
        free(c.name);
        free(vals);
        return -1;
    }
    return 0;
}

static double *copy_or_convert(const double *src, const int32_t *isrc, const uint8_t *bsrc,
                               int64_t n, sc_err *e)
{
    double *v = sc_calloc(e, (size_t)n, sizeof *v);
    if (!v)
        return NULL;
    for (int64_t i = 0; i < n; i++)
        v[i] = src ? src[i] : isrc ? (double)isrc[i] : (double)bsrc[i];
    return v;
}

static int store_result(sc_dataset *d, const hvg_result *r, int batched, sc_err *e)
{
    int64_t G = r->ngenes;
    sc_frame *f = &d->var;
    struct {
        const char *name;
        sc_col_kind kind;
        int is_int;
        const double *d;
        const int32_t *i;
        const uint8_t *b;
    } cols[] = {
        {"highly_variable", SC_COL_BOOL, 0, NULL, NULL, r->highly_variable},
        {"highly_variable_rank", SC_COL_NUM, 0, r->rank, NULL, NULL},
        {"means", SC_COL_NUM, 0, r->means, NULL, NULL},
        {"variances", SC_COL_NUM, 0, r->variances, NULL, NULL},
        {"variances_norm", SC_COL_NUM, 0, r->variances_norm, NULL, NULL},
        {"highly_variable_nbatches", SC_COL_NUM, 1, NULL, r->nbatches_hv, NULL},
    };
    /* Like scanpy, nbatches only with batch=; a stale one would mislead. */
    int ncols = batched ? 6 : 5;
    if (!batched)
        var_drop(f, "highly_variable_nbatches");
    for (int c = 0; c < ncols; c++) {
        double *v = copy_or_convert(cols[c].d, cols[c].i, cols[c].b, G, e);
        if (!v || var_put(f, cols[c].name, cols[c].kind, cols[c].is_int, v, e))
            return -1;
    }
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

static int cmd_hvg(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e))
        return -1;
    sc_dataset *d = s->data;
    int64_t n_top = arg_int(a, "N");
    if (n_top > d->X.ncols)
        return err_set(e, "N = %lld but the data has only %lld genes", (long long)n_top,
                       (long long)d->X.ncols);
    hvg_flavor flavor = arg_int(a, "flavor") == 1 ? HVG_SEURAT_V3_PAPER : HVG_SEURAT_V3;
    double span = arg_real(a, "span");
    const char *bcol = arg_str(a, "batch");
    int32_t *codes = NULL;
    const char **bnames = NULL;
    int nb = 0;
    if (bcol) {
        int bi = frame_find(&d->obs, bcol);
        if (bi < 0) {
            char names[2048];
            frame_names(&d->obs, names, sizeof names);
            return err_set(e, "no obs column '%s'; the columns are: %s", bcol, names);
        }
        if (d->obs.cols[bi].kind != SC_COL_CAT)
            return err_set(e,
                           "obs column '%s' is not categorical; batch= needs a column of labels "
                           "such as the one `load` adds for each file",
                           bcol);
        if (hvg_batch_codes(&d->obs.cols[bi], d->X.nrows, &codes, &nb, e))
            return -1;
        if (!(bnames = hvg_batch_names(&d->obs.cols[bi], e))) {
            free(codes);
            return -1;
        }
    } else if (d->batch_key && frame_find(&d->obs, d->batch_key) >= 0)
        session_info(s, "note: the cells come in batches ('%s'); add batch=%s for the batch-aware "
                        "selection\n",
                     d->batch_key, d->batch_key);
    if (!hvg_looks_like_counts(&d->X))
        fprintf(s->out, "warning: X has negative or non-integer values; seurat_v3 expects raw "
                        "counts (see `info` for where counts may be)\n");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hvg_result r;
    int rc = hvg_seurat_v3_flavor(&d->X, codes, nb, bnames, n_top, span, flavor, &r, e);
    double secs = seconds_since(&t0);
    free(codes);
    if (rc) {
        free(bnames);
        return -1;
    }
    if (r.nsing > 0) {
        const char *bname = bnames ? bnames[r.sing_batch] : "all cells";
        fprintf(s->out,
                "warning: %lld local loess fit%s (the first in batch '%s') needed a "
                "pseudo-inverse (too few distinct means in a neighbourhood); scikit-misc stops "
                "with an error there, so scanpy fails on this input; a larger span (e.g. "
                "span=0.5) avoids it\n",
                (long long)r.nsing, r.nsing == 1 ? "" : "s", bname);
    }
    free(bnames);
    if (store_result(d, &r, bcol != NULL, e)) {
        hvg_result_free(&r);
        return -1;
    }
    fprintf(s->out, "%lld highly variable genes of %lld (%s, span %g", (long long)n_top,
            (long long)d->X.ncols, flavor == HVG_SEURAT_V3_PAPER ? "seurat_v3_paper" : "seurat_v3",
            span);
    if (bcol)
        fprintf(s->out, ", %d batches of '%s'", r.nbatches, bcol);
    fprintf(s->out, ") in %.2f s\ntop:", secs);
    for (int64_t p = 0; p < n_top && p < 10; p++)
        fprintf(s->out, " %s", d->var.index ? d->var.index[r.order[p]] : "?");
    fprintf(s->out, "\nvar columns: highly_variable, highly_variable_rank, means, variances, "
                    "variances_norm%s\n",
            bcol ? ", highly_variable_nbatches" : "");
    hvg_result_free(&r);
    return 0;
}

static int cmd_normalize(session *s, const cmd_args *a, sc_err *e)
{
    if (need_data(s, e))
        return -1;
    sc_dataset *d = s->data;
    double target = arg_real(a, "target");
    int log1p = (int)arg_int(a, "log1p");
    if (!hvg_looks_like_counts(&d->X))
        fprintf(s->out, "warning: X has negative or non-integer values; normalize expects raw "
                        "counts\n");
    sc_csr out;
    int64_t zeros = 0;
    if (normalize_total(&d->X, target, log1p, &out, &zeros, e))
        return -1;
    csr_free(&d->norm);
    d->norm = out;
    d->norm_target = target;
    d->norm_log1p = log1p;
    session_drop_insp(s);
    if (zeros > 0)
        fprintf(s->out, "warning: %lld cell%s no counts and stay%s zero\n", (long long)zeros,
                zeros == 1 ? " has" : "s have", zeros == 1 ? "s" : "");
    fprintf(s->out,
            "normalized %lld cells to %.10g counts each%s; kept beside the counts for inspection "
            "(models train on counts)\n",
            (long long)d->X.nrows, target, log1p ? ", then log1p" : "");
    return 0;
}

static const arg_spec hvg_args[] = {
    {"N", ARG_INT, 0, NULL, NULL, 1, 1e9, "How many genes to select (scanpy's n_top_genes)."},
    {0},
};
static const opt_spec hvg_opts[] = {
    {"flavor", ARG_CHOICE, "seurat_v3", "seurat_v3|seurat_v3_paper", 0, 0,
     "Ranking of the genes: seurat_v3 sorts by median rank over batches, then by the number of "
     "batches that select the gene; seurat_v3_paper the other way round (as in the Seurat "
     "paper)."},
    {"batch", ARG_OBS, NULL, NULL, 0, 0,
     "A categorical obs column: genes are ranked within each batch and the ranks combined."},
    {"span", ARG_REAL, "0.3", NULL, 0.01, 1,
     "Share of the genes in each loess neighbourhood of the mean-variance fit."},
    {0},
};
static const opt_spec normalize_opts[] = {
    {"target", ARG_REAL, "1e4", NULL, 1e-6, 1e12, "Counts per cell after scaling (target_sum)."},
    {"log1p", ARG_BOOL, "on", NULL, 0, 0, "Take log(1 + x) of the scaled values."},
    {0},
};

const cmd_entry cmd_group_hvg[] = {
    {"hvg", NULL, hvg_args, hvg_opts, "select highly variable genes (Seurat v3)",
     "Selects the N most variable genes the way scanpy's highly_variable_genes(flavor="
     "\"seurat_v3\") does on counts: per batch, a loess fit of log10 variance on log10 mean "
     "gives each gene an expected variance; counts are clipped at mean + sqrt(cells) times the "
     "expected standard deviation, and the variance of the clipped counts over the expected "
     "variance ranks the genes. With batch=, the ranks of the batches are combined: genes are "
     "sorted by their median rank among the batches that put them in the top N, then by how "
     "many batches do.\n\n"
     "The results go into the var table (replacing earlier ones): highly_variable, "
     "highly_variable_rank (0 = most variable; empty when never in a top N), means, variances, "
     "variances_norm and, with batch=, highly_variable_nbatches. Genes with exactly equal "
     "standardised variance keep their gene order (scanpy's order for such ties depends on the "
     "computer's numpy build).\n\n"
     "X must hold raw counts; a warning says when it does not.",
     "hvg 2000\nhvg 2000 batch=tech\nhvg 1000 batch=condition span=0.5", cmd_hvg, NULL},
    {"normalize", NULL, NULL, normalize_opts, "scale cells to equal totals, then log1p",
     "Divides each cell's counts by its total and multiplies by target, then takes log(1 + x) "
     "unless log1p=off, as scanpy's normalize_total(target_sum=target) and log1p do. The result "
     "is kept beside the counts for inspection and gene correlations; X stays raw counts and "
     "the models (vae, sae) always train on the counts. Cells without counts stay zero.",
     "normalize\nnormalize target=1e6 log1p=off", cmd_normalize, NULL},
    {0},
};

/* cmd-lens.c: the gene-facing views of a feature: `lens` (its decoder
 * direction through the VAE decoder), `steer` (the feature as an
 * intervention on chosen cells) and `enrich` (over-representation of its
 * correlated genes in gene sets).  lens.h and gmt.h compute; this file
 * chooses rows and prints. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gmt.h"
#include "insp.h"
#include "lens.h"
#include "session.h"
#include "vae_bind.h"

/* The inspection state (SAE features built) and the feature named by N. */
static int feature_arg(session *s, const cmd_args *a, insp_ctx **c, int32_t *out, sc_err *e)
{
    int64_t n;
    if (insp_get(s, INSP_FEAT, c, e) < 0 || arg_parse_id(arg_str(a, "N"), "feature N", &n, e) < 0)
        return -1;
    return insp_feature(*c, n, out, e);
}

/* Two columns, genes up (largest positive first) and down (most negative
 * first), k rows at most; only positive values go up and negative down. */
static int print_up_down(FILE *out, const char *const *genes, const double *v, int64_t n,
                         int32_t k, sc_err *e)
{
    int32_t *up = sc_calloc(e, (size_t)k, sizeof *up), *down = sc_calloc(e, (size_t)k, sizeof *down);
    if (!up || !down) {
        free(up);
        free(down);
        return -1;
    }
    int32_t m = inspect_top_genes(v, n, k, up, down), nu = 0, nd = 0;
    for (int32_t i = 0; i < m; i++) {
        nu += v[up[i]] > 0;
        nd += v[down[i]] < 0;
    }
    int w = 4;
    for (int32_t i = 0; i < m; i++) {
        int a = i < nu ? (int)strlen(genes[up[i]]) : 0, b = i < nd ? (int)strlen(genes[down[i]]) : 0;
        w = a > w ? a : w;
        w = b > w ? b : w;
    }
    w = w > 24 ? 24 : w;
    fprintf(out, "  %-*s %7s   %-*s %7s\n", w, "up", "log2FC", w, "down", "log2FC");
    int32_t rows = nu > nd ? nu : nd;
    for (int32_t i = 0; i < rows; i++) {
        if (i < nu)
            fprintf(out, "  %-*.*s %7.3f", w, w, genes[up[i]], v[up[i]]);
        else
            fprintf(out, "  %-*s %7s", w, "", "");
        if (i < nd)
            fprintf(out, "   %-*.*s %7.3f", w, w, genes[down[i]], v[down[i]]);
        fprintf(out, "\n");
    }
    if (rows == 0)
        fprintf(out, "  (no gene changes)\n");
    free(up);
    free(down);
    return 0;
}

/* ---- lens ------------------------------------------------------------------ */

static int cmd_lens(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    int32_t j;
    if (feature_arg(s, a, &c, &j, e) < 0)
        return -1;
    const lens_table *t;
    if (lens_get(s, c, &t, e) < 0)
        return -1;
    const char *ref = s->data->obs.index ? s->data->obs.index[t->ref_cell] : NULL;
    char refname[160];
    if (ref)
        snprintf(refname, sizeof refname, "%s", ref);
    else
        snprintf(refname, sizeof refname, "cell %lld", (long long)t->ref_cell);
    const vae_bind *vb = s->vae;
    if (vb->has_batch && vb->batch.n > 1 && vb->batch.codes && vb->batch.cats) {
        int32_t k = vb->batch.codes[t->ref_cell];
        size_t u = strlen(refname);
        if (k >= 0 && k < vb->batch.n)
            snprintf(refname + u, sizeof refname - u, ", %s %.60s", vb->batch.col, vb->batch.cats[k]);
    }
    if (t->typical[j] <= 0) {
        fprintf(s->out, "feature %d is dead (never active): its gene lens is 0 for every gene\n",
                (int)j);
        return 0;
    }
    fprintf(s->out,
            "feature %d: gene lens, log2 fold change of expected expression at the mean latent "
            "plus the feature at its typical activation %.4g (%lld genes; covariates of %s)\n",
            (int)j, t->typical[j], (long long)t->ngenes, refname);
    double *v = sc_calloc(e, (size_t)t->ngenes + 1, sizeof *v);
    if (!v)
        return -1;
    for (int64_t g = 0; g < t->ngenes; g++)
        v[g] = t->lfc[(size_t)j * t->ngenes + g];
    int rc = print_up_down(s->out, t->genes, v, t->ngenes, (int32_t)arg_int(a, "top"), e);
    free(v);
    session_info(s, "(lens of %d features computed in %.2f s; eps %.3g)\n", (int)t->nfeat,
                 t->seconds, t->eps);
    return rc;
}

/* ---- steer ----------------------------------------------------------------- */

static int cmd_steer(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    int32_t j;
    if (feature_arg(s, a, &c, &j, e) < 0)
        return -1;
    if (!arg_has(a, "value"))
        return err_set(e, "value=X is required (the activation to clamp feature %d to; "
                          "value=0 ablates it)", (int)j);
    lens_steer_res r;
    if (lens_steer(s, j, arg_real(a, "value"), &r, e) < 0)
        return -1;
    fprintf(s->out, "steer feature %d to %g in %lld cells (%s): it was active in %lld of them, "
                    "mean activation %.4g; typical activation %.4g\n",
            (int)j, r.value, (long long)r.ncells, s->sel ? s->sel_desc : "all cells",
            (long long)r.nactive, r.mean_before, r.typical);
    fprintf(s->out, "mean over the cells of the log2 fold change of expected expression, "
                    "steered / as encoded (%lld genes)\n",
            (long long)r.ngenes);
    int rc = print_up_down(s->out, r.genes, r.lfc, r.ngenes, (int32_t)arg_int(a, "top"), e);
    lens_steer_free(&r);
    return rc;
}

/* ---- enrich ---------------------------------------------------------------- */

static int cmd_enrich(session *s, const cmd_args *a, sc_err *e)
{
    int is_dim = (int)arg_int(a, "dim");
    insp_ctx *c;
    if (insp_get(s, (is_dim ? INSP_DIR : INSP_FEAT) | INSP_GENES, &c, e) < 0)
        return -1;
    int64_t n;
    if (arg_parse_id(arg_str(a, "N"), is_dim ? "dim N" : "feature N", &n, e) < 0)
        return -1;
    const inspect_src *src = is_dim ? &c->dir : &c->feat;
    int32_t view;
    char sign = arg_int(a, "sign") == 1 ? '-' : '+';
    if (is_dim) {
        if (n < 0 || n >= c->dir.dims)
            return err_set(e, "dim %lld is out of range: the latent (%s) has %d dims (0..%d)",
                           (long long)n, c->dir_source, (int)c->dir.dims, (int)c->dir.dims - 1);
        view = (int32_t)(2 * n + (sign == '-'));
    } else {
        if (n < 0 || n >= c->feat.nview)
            return err_set(e, "feature %lld is out of range: the SAE has %d features (0..%d)",
                           (long long)n, (int)c->feat.nview, (int)c->feat.nview - 1);
        view = (int32_t)n;
    }
    if (!arg_has(a, "genesets"))
        return err_set(e, "genesets=FILE is required (gene sets in GMT format)");
    gmt_file g;
    if (gmt_read(arg_str(a, "genesets"), &g, e) < 0)
        return -1;
    const inspect_genes *ge = &c->genes;
    int32_t k = (int32_t)arg_int(a, "top");
    double *r = sc_calloc(e, (size_t)ge->ngenes + 1, sizeof *r);
    int32_t *top = sc_calloc(e, (size_t)k, sizeof *top), *bot = sc_calloc(e, (size_t)k, sizeof *bot);
    gmt_hit *hits = sc_calloc(e, (size_t)g.nsets + 1, sizeof *hits);
    int rc = -1, have_hits = 0;
    if (!r || !top || !bot || !hits || inspect_gene_corr(src, view, ge, r, NULL, e) < 0)
        goto done;
    /* the query: the k most positively correlated genes (NaN: constant) */
    int32_t m = inspect_top_genes(r, ge->ngenes, k, top, bot), nq = 0;
    while (nq < m && r[top[nq]] > 0)
        nq++;
    char what[64];
    inspect_view_name(src, view, what, sizeof what);
    if (nq == 0) {
        err_set(e, "no gene correlates positively with %s", what);
        goto done;
    }
    const char *const *names = (const char *const *)s->data->var.index;
    if (gmt_enrich(&g, names, s->data->X.ncols, top, nq, hits, e) < 0)
        goto done;
    have_hits = 1;
    gmt_hits_sort(hits, g.nsets);
    int32_t empty = 0;
    for (int32_t i = 0; i < g.nsets; i++)
        empty += hits[i].in_data == 0;
    fprintf(s->out,
            "%s: its %d most correlated genes (Pearson, r %.3f to %.3f, all %lld cells) against "
            "%d gene sets; universe: the data's %lld genes\n",
            what, (int)nq, r[top[nq - 1]], r[top[0]], (long long)ge->ncells, (int)g.nsets,
            (long long)s->data->X.ncols);
    int w = 3;
    int32_t shown = (int32_t)arg_int(a, "sets");
    int32_t rows = g.nsets - empty < shown ? g.nsets - empty : shown;
    for (int32_t i = 0; i < rows; i++) {
        int l = (int)strlen(g.sets[hits[i].set].name);
        w = l > w ? l : w;
    }
    w = w > 40 ? 40 : w;
    fprintf(s->out, "  %-*s %7s %5s %7s %6s %9s %9s  %s\n", w, "set", "overlap", "size",
            "in data", "fold", "p", "q", "genes");
    for (int32_t i = 0; i < rows; i++) {
        const gmt_hit *h = &hits[i];
        char gl[160] = "";
        for (int32_t q = 0; q < h->overlap; q++) {
            size_t u = strlen(gl);
            const char *gn = names[h->genes[q]];
            if (u + strlen(gn) + 6 >= sizeof gl) {
                snprintf(gl + u, sizeof gl - u, ",...");
                break;
            }
            snprintf(gl + u, sizeof gl - u, "%s%s", q ? "," : "", gn);
        }
        fprintf(s->out, "  %-*.*s %7d %5d %7d %6.2f %9.2e %9.2e  %s\n", w, w,
                g.sets[h->set].name, (int)h->overlap, (int)h->size, (int)h->in_data, h->fold,
                h->p, h->q, gl);
    }
    if (empty)
        fprintf(s->out, "(%d of %d sets have no gene in the data and were not tested)\n",
                (int)empty, (int)g.nsets);
    rc = 0;
done:
    if (have_hits)
        gmt_hits_free(hits, g.nsets);
    free(hits);
    free(r);
    free(top);
    free(bot);
    gmt_free(&g);
    return rc;
}

/* ---- the table ------------------------------------------------------------- */

static const arg_spec lens_args[] = {
    {"N", ARG_FEATURE, 0, NULL, NULL, 0, 0, "The feature id (0 .. features - 1)."},
    {0},
};
static const opt_spec lens_opts[] = {
    {"top", ARG_INT, "10", NULL, 1, 10000, "Genes listed in each direction (up and down)."},
    {0},
};

static const opt_spec steer_opts[] = {
    {"value", ARG_REAL, NULL, NULL, -1e6, 1e6,
     "The activation feature N is clamped to in every selected cell (required; 0 ablates the "
     "feature)."},
    {"top", ARG_INT, "10", NULL, 1, 10000, "Genes listed in each direction (up and down)."},
    {0},
};

static const opt_spec enrich_opts[] = {
    {"genesets", ARG_FILE, NULL, NULL, 0, 0,
     "Gene sets in GMT format (MSigDB's: NAME, DESCRIPTION, then genes, tab-separated; "
     "gzip-compressed files are read too). Required."},
    {"top", ARG_INT, "100", NULL, 1, 100000,
     "Size of the query: the genes most positively correlated with the feature."},
    {"sets", ARG_INT, "10", NULL, 1, 100000, "Gene sets listed (lowest p first)."},
    {"dim", ARG_BOOL, "off", NULL, 0, 0,
     "Read N as a latent dimension of the SAE's input instead of a feature."},
    {"sign", ARG_CHOICE, "+", "+|-", 0, 0,
     "With dim=on: + correlates with the dimension's value, - with its negative."},
    {0},
};

const cmd_entry cmd_group_lens[] = {
    {"lens", NULL, lens_args, lens_opts, "the genes a feature's decoder direction changes",
     "The gene lens of feature N: its decoder direction pushed through the VAE decoder. The "
     "VAE decodes the mean latent over all cells, z0, and z0 plus the feature's direction "
     "scaled by its typical activation (the median of its non-zero activations); the lens of "
     "gene g is log2((p1 + eps) / (p0 + eps)) for the two expected expression proportions, "
     "eps being 1% of the mean proportion 1 / genes. Every decode uses the covariates of one "
     "reference cell, the first cell of the most common batch. Lists the genes with the "
     "largest increase and decrease.\n\n"
     "The lens of every feature is computed on first use (one batched decode) and kept until "
     "the data or a model changes; `feature N` shows its top genes too. It needs an SAE "
     "trained on the VAE latent (`sae train on=vae`). A dead feature's lens is 0.",
     "lens 12\nlens 3 top=20", cmd_lens, NULL},
    {"steer", NULL, lens_args, steer_opts, "clamp a feature and see which genes change",
     "The feature as an intervention: for the selected cells (`select`; all cells when "
     "nothing is selected) each cell's VAE latent is encoded by the SAE, feature N's "
     "activation is set to value=X, and both the original and the steered activations are "
     "decoded through the SAE and then the VAE decoder with the cell's own covariates. "
     "Reports, per gene, the mean over the cells of log2((p' + eps) / (p + eps)) (p' steered, "
     "p as encoded; eps as for `lens`), the genes rising and falling most, how many of the "
     "cells had the feature active and its typical activation, so X can be chosen: value=0 "
     "ablates it, a multiple of the typical activation turns it up. Needs an SAE trained on "
     "the VAE latent.",
     "steer 12 value=0\nsteer 3 value=2.5 top=20",
     cmd_steer, NULL},
    {"enrich", NULL, lens_args, enrich_opts, "gene sets over-represented among a feature's genes",
     "Over-representation analysis: the top=K genes most positively correlated (Pearson, "
     "log-normalised expression over all cells) with feature N (or with latent dimension N "
     "when dim=on) are tested against every gene set of the GMT file: for a set with K genes "
     "in the data, p is the hypergeometric probability of at least the observed overlap in a "
     "draw of the query's size from all genes of the data, and q the Benjamini-Hochberg "
     "adjusted p over the sets that have a gene in the data. Gene names must match the data's "
     "var names exactly. Lists the sets with the lowest p with overlap, set size, genes of "
     "the set in the data, fold enrichment, p, q and the overlapping genes.",
     "enrich 12 genesets=h.all.v2023.2.Hs.symbols.gmt\n"
     "enrich 3 genesets=markers.gmt top=50 sets=5\nenrich 0 dim=on sign=- genesets=sets.gmt",
     cmd_enrich, NULL},
    {0},
};

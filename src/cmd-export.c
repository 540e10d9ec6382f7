/* cmd-export.c: `export`: the loaded data with what sparsesc computed (VAE
 * latent, SAE activations, feature table, parameters) in anndata's
 * encoding, so anndata and scanpy open it; and the inspection tables as
 * tab-separated files:
 *   export FILE.h5ad
 *   export features [FILE]           (default features.tsv)
 *   export feature N [FILE]          (default feature_N_cells.tsv)
 *   export dim N[+|-] [FILE]         (default dim_N_cells.tsv)
 *   export coverage [FILE] [label=COL] (default coverage.tsv)
 * A lone features*.tsv or coverage*.tsv names both the table and the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "covreport.h"
#include "ftable.h"
#include "fview.h"
#include "h5ad_write.h"
#include "insp.h"
#include "lens.h"
#include "sae_bind.h"
#include "session.h"
#include "tsv.h"
#include "vae_bind.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* uns/sparsesc: how the models were made. */
static uns_node *describe(const session *s, sc_err *e)
{
    uns_node *root = uns_dict_new(e);
    uns_node *sc = root ? uns_dict(root, "sparsesc", e) : NULL;
    if (!sc || uns_str(sc, "version", PACKAGE_VERSION, e) < 0)
        goto fail;
    if (s->vae && s->vae->m) {
        const vae_model *m = s->vae->m;
        uns_node *v = uns_dict(sc, "vae", e);
        if (!v || uns_int(v, "n_latent", m->dims.L, e) < 0 || uns_int(v, "n_hidden", m->dims.H, e) < 0 ||
            uns_int(v, "n_layers", m->dims.nl, e) < 0 ||
            uns_str(v, "likelihood", lik_name(m->cfg.likelihood), e) < 0 ||
            uns_int(v, "epochs_trained", m->hist.n, e) < 0 ||
            uns_int(v, "n_genes", s->vae->ngenes, e) < 0 ||
            uns_str(v, "batch_key", s->vae->has_batch ? s->vae->batch.col : "", e) < 0)
            goto fail;
        if (m->hist.n > 0 && (uns_num(v, "train_loss", m->hist.train_loss[m->hist.n - 1], e) < 0 ||
                              uns_num(v, "val_loss", m->hist.val_loss[m->hist.n - 1], e) < 0))
            goto fail;
    }
    if (s->sae && s->sae->m) {
        const sae_model *m = s->sae->m;
        uns_node *a = uns_dict(sc, "sae", e);
        if (!a || uns_str(a, "arch", sae_arch_name(m->cfg.arch), e) < 0 ||
            uns_str(a, "input", s->sae->source, e) < 0 || uns_int(a, "n_features", m->m, e) < 0 ||
            uns_int(a, "n_inputs", m->d, e) < 0 || uns_int(a, "k", m->cfg.k, e) < 0 ||
            uns_num(a, "l1", m->cfg.l1, e) < 0 || uns_num(a, "fvu", m->fit.fvu, e) < 0 ||
            uns_num(a, "l0", m->fit.l0, e) < 0 || uns_num(a, "dead_share", m->fit.dead_share, e) < 0)
            goto fail;
        const sae_recovered *r = &s->sae->recovered;
        if (r->ncells > 0 && (uns_num(a, "loss_recovered", r->recovered, e) < 0 ||
                              uns_num(a, "nll_clean", r->clean, e) < 0 ||
                              uns_num(a, "nll_sae", r->sae, e) < 0 ||
                              uns_num(a, "nll_mean_ablated", r->ablated, e) < 0))
            goto fail;
    }
    return root;
fail:
    uns_free(root);
    return NULL;
}

/* The feature table as uns/sparsesc/features (when an SAE with activations
 * for these cells exists; genes only when already computed). */
static int add_feature_table(session *s, uns_node *uns, sc_err *e)
{
    if (!s->sae || !s->sae->m || s->sae->acts.nrows != s->data->X.nrows)
        return 0;
    insp_ctx *c;
    const ftable *t;
    if (insp_get(s, INSP_FEAT, &c, e) < 0 || ftable_get(s, c, NULL, 0, &t, e) < 0)
        return -1;
    sc_frame f;
    if (ftable_frame(t, c, &f, e) < 0)
        return -1;
    uns_node *sc = uns_get(uns, "sparsesc");
    if (uns_frame(sc, "features", &f, e) < 0) {
        frame_free(&f);
        return -1;
    }
    return 0;
}

static int export_h5ad(session *s, const char *path, sc_err *e)
{
    h5ad_extra x = {0};
    h5ad_sparse sp = {0};
    sc_csr acts = {0};
    if (s->sae && s->sae->acts.nrows == s->data->X.nrows) {
        acts.nrows = s->sae->acts.nrows;
        acts.ncols = s->sae->acts.ncols;
        acts.indptr = s->sae->acts.indptr;
        acts.indices = s->sae->acts.indices;
        acts.data = s->sae->acts.data;
        sp.key = "X_sae";
        sp.m = &acts;
        x.nobsm_sparse = 1;
        x.obsm_sparse = &sp;
    }
    /* varm/sae_gene_lens when the SAE reads the VAE latent (else no lens) */
    float *lens = NULL;
    h5ad_dense lens_d = {0};
    insp_ctx *c;
    const lens_table *lt;
    sc_err le = {{0}};
    if (s->sae && s->sae->m && s->vae && s->vae->m && strcmp(s->sae->source, "vae") == 0 &&
        insp_get(s, INSP_FEAT, &c, &le) == 0 && lens_get(s, c, &lt, &le) == 0) {
        if (lens_varm(lt, s->data, &lens, e) < 0)
            return -1;
        lens_d.key = "sae_gene_lens";
        lens_d.rows = s->data->X.ncols;
        lens_d.cols = lt->nfeat;
        lens_d.data = lens;
        lens_d.nan_missing = 1; /* genes outside the VAE's (highly variable) genes */
        x.nvarm = 1;
        x.varm = &lens_d;
    }
    uns_node *uns = describe(s, e);
    if (!uns || add_feature_table(s, uns, e) < 0) {
        uns_free(uns);
        free(lens);
        return -1;
    }
    x.uns = uns;
    int rc = h5ad_write(path, s->data, &x, e);
    uns_free(uns);
    free(lens);
    if (rc < 0)
        return -1;
    char what[256] = "X, obs, var";
    for (int i = 0; i < s->data->nobsm; i++) {
        size_t u = strlen(what);
        snprintf(what + u, sizeof what - u, ", obsm/%s", s->data->obsm[i].key);
    }
    if (x.nobsm_sparse)
        strncat(what, ", obsm/X_sae (sparse)", sizeof what - strlen(what) - 1);
    if (x.nvarm)
        strncat(what, ", varm/sae_gene_lens", sizeof what - strlen(what) - 1);
    session_info(s, "wrote %s: %s, uns/sparsesc\n", path, what);
    return 0;
}

static int write_frame(session *s, const char *path, sc_frame *f, const char *what, sc_err *e)
{
    int rc = tsv_write_frame(path, f, e);
    if (rc == 0)
        session_info(s, "wrote %s: %s (%lld rows)\n", path, what, (long long)f->n);
    frame_free(f);
    return rc;
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

static int export_view(session *s, const cmd_args *a, int is_dim, sc_err *e)
{
    const char *kind = is_dim ? "dim" : "feature";
    if (a->nrest < 2 || a->nrest > 3)
        return err_set(e, "expected `export %s N [FILE]`", kind);
    const char *num = a->rest[1];
    char *end;
    long long n = strtoll(num, &end, 10);
    char sign = '+';
    if (is_dim && (*end == '+' || *end == '-'))
        sign = *end++;
    if (end == num || *end)
        return err_set(e, "export %s: '%s' is not a %s number", kind, num, kind);
    insp_ctx *c;
    int32_t view;
    if (insp_get(s, is_dim ? INSP_DIR : INSP_FEAT, &c, e) < 0 ||
        fview_resolve(c, is_dim, n, sign, &view, e) < 0)
        return -1;
    char def[64];
    snprintf(def, sizeof def, "%s_%lld%s_cells.tsv", kind, n, is_dim ? (sign == '+' ? "p" : "m") : "");
    const char *path = a->nrest == 3 ? a->rest[2] : def;
    sc_frame f;
    if (fview_cells_frame(s, c, is_dim, view, &f, e) < 0)
        return -1;
    char what[64];
    snprintf(what, sizeof what, "the cells of %s %lld%s", kind, n, is_dim ? (sign == '+' ? "+" : "-") : "");
    return write_frame(s, path, &f, what, e);
}

static int cmd_export(session *s, const cmd_args *a, sc_err *e)
{
    if (!s->data)
        return err_set(e, "no data loaded; nothing to export");
    const char *w = a->rest[0];
    const char *b = base_name(w);
    int tsv_name = ends_with(b, ".tsv") && a->nrest == 1;
    if (strcmp(w, "feature") == 0 || strcmp(w, "dim") == 0)
        return export_view(s, a, w[0] == 'd', e);
    if (strcmp(w, "features") == 0 || (tsv_name && strncmp(b, "features", 8) == 0)) {
        if (a->nrest > 2)
            return err_set(e, "expected `export features [FILE]`");
        const char *path = tsv_name ? w : a->nrest == 2 ? a->rest[1] : "features.tsv";
        insp_ctx *c;
        const ftable *t;
        sc_frame f;
        if (insp_get(s, INSP_FEAT, &c, e) < 0 ||
            ftable_get(s, c, arg_str(a, "label"), (int)arg_int(a, "genes"), &t, e) < 0 ||
            ftable_frame(t, c, &f, e) < 0)
            return -1;
        return write_frame(s, path, &f, "the feature table", e);
    }
    if (strcmp(w, "coverage") == 0 || (tsv_name && strncmp(b, "coverage", 8) == 0)) {
        if (a->nrest > 2)
            return err_set(e, "expected `export coverage [FILE] label=COL`");
        const char *path = tsv_name ? w : a->nrest == 2 ? a->rest[1] : "coverage.tsv";
        sc_frame f;
        if (coverage_frame(s, arg_str(a, "label"), &f, e) < 0)
            return -1;
        return write_frame(s, path, &f, "the coverage table", e);
    }
    if (a->nrest != 1)
        return err_set(e, "export %s: expected FILE.h5ad, features [FILE], feature N [FILE], "
                          "dim N [FILE] or coverage [FILE] label=COL", w);
    if (!ends_with(w, ".h5ad"))
        return err_set(e, "%s: export writes AnnData files (.h5ad) and the tables features, "
                          "feature N, dim N and coverage (.tsv); give a name ending in .h5ad",
                       w);
    return export_h5ad(s, w, e);
}

static const arg_spec export_args[] = {
    {"WHAT", ARG_FILE, ARG_REPEAT, NULL, NULL, 0, 0,
     "FILE.h5ad, or a table: features [FILE], feature N [FILE], dim N[+|-] [FILE], coverage "
     "[FILE]."},
    {0},
};
static const opt_spec export_opts[] = {
    {"label", ARG_LIST, NULL, NULL, 0, 0,
     "coverage: the column covered (default: that of the last `coverage`); features: the "
     "label columns (as `features`)."},
    {"genes", ARG_BOOL, "on", NULL, 0, 0, "features: include each feature's top genes."},
    {0},
};

const cmd_entry cmd_group_export[] = {
    {"export", NULL, export_args, export_opts, "write results to an .h5ad file or TSV tables",
     "export FILE.h5ad writes the loaded counts, obs and var tables and the obsm embeddings "
     "(X_vae after `vae latent`), the SAE activations of every cell as a sparse obsm/X_sae, "
     "and uns/sparsesc (how the VAE and SAE were made, their metrics including loss "
     "recovered, and the feature table of `features` as a dataframe), in anndata's on-disk "
     "encoding: anndata.read_h5ad and scanpy open it.\n\n"
     "The tables go to tab-separated files with a header line (pandas.read_csv(sep='\\t'), "
     "R's read.delim): `export features [FILE]` the feature table; `export feature N [FILE]` "
     "the active cells of feature N (or the selected ones, see `select`) with their "
     "activation and obs labels, highest first; `export dim N+ [FILE]` the same for a latent "
     "direction (every cell); `export coverage [FILE] [label=COL]` the coverage table (of "
     "the last `coverage` when label= is left out). A lone "
     "features.tsv or coverage.tsv names the table and the file.\n\n"
     "Every write is atomic: a failure leaves an existing file untouched.",
     "export pbmc_sparsesc.h5ad\nexport features.tsv\nexport feature 12 cells.tsv\n"
     "export coverage.tsv label=cell_type",
     cmd_export, NULL},
    {0},
};

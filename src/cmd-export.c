/* cmd-export.c: `export FILE.h5ad`: the loaded data with what sparsesc
 * computed (VAE latent, SAE activations, parameters) in anndata's encoding,
 * so anndata and scanpy open it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "h5ad_write.h"
#include "sae_bind.h"
#include "session.h"
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
    }
    return root;
fail:
    uns_free(root);
    return NULL;
}

static int cmd_export(session *s, const cmd_args *a, sc_err *e)
{
    const char *path = arg_str(a, "FILE");
    if (!s->data)
        return err_set(e, "no data loaded; nothing to export");
    if (!ends_with(path, ".h5ad"))
        return err_set(e, "%s: export writes AnnData files; give a name ending in .h5ad", path);
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
    uns_node *uns = describe(s, e);
    if (!uns)
        return -1;
    x.uns = uns;
    int rc = h5ad_write(path, s->data, &x, e);
    uns_free(uns);
    if (rc < 0)
        return -1;
    char what[256] = "X, obs, var";
    for (int i = 0; i < s->data->nobsm; i++) {
        size_t u = strlen(what);
        snprintf(what + u, sizeof what - u, ", obsm/%s", s->data->obsm[i].key);
    }
    if (x.nobsm_sparse)
        strncat(what, ", obsm/X_sae (sparse)", sizeof what - strlen(what) - 1);
    session_info(s, "wrote %s: %s, uns/sparsesc\n", path, what);
    return 0;
}

static const arg_spec export_args[] = {
    {"FILE", ARG_FILE, 0, NULL, NULL, 0, 0, "The .h5ad file to write (replaced atomically)."},
    {0},
};

const cmd_entry cmd_group_export[] = {
    {"export", NULL, export_args, NULL, "write the data and results to an .h5ad file",
     "Writes the loaded counts, obs and var tables and the obsm embeddings (X_vae after `vae "
     "latent`), the SAE activations of every cell as a sparse obsm/X_sae, and uns/sparsesc "
     "(how the VAE and SAE were made and their metrics), in anndata's on-disk encoding: "
     "anndata.read_h5ad and scanpy open it. The write is atomic: a failure leaves an existing "
     "file untouched.",
     "export pbmc_sparsesc.h5ad", cmd_export, NULL},
    {0},
};

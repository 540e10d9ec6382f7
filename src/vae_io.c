/* vae_io.c: VAE model files (HDF5).  Layout:
 *   /            attrs format = "sparsesc-vae", version = 1
 *   /vae/config_int   int64: n_hidden n_latent n_layers likelihood
 *                     encode_covariates deep_inject batch_size epochs
 *                     kl_warmup val_every seed first_layer adam_t ncov has_batch
 *   /vae/config_real  float64: dropout lr beta1 beta2 eps weight_decay train_frac
 *   /vae/genes        the model's genes, in model order
 *   /vae/batch        categories of the batch (attr column); when has_batch
 *   /vae/cov_N        categories of covariate N (attr column)
 *   /vae/params, /vae/adam_m, /vae/adam_v   the flat parameter block and
 *                     Adam's moments (training continues where it stopped)
 *   /vae/bn           BatchNorm running statistics
 *   /vae/history      epochs x 8: train loss/rec/kl, val loss/rec/kl, kl weight, seconds
 * Everything read back is checked against the sizes the config implies. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "h5write.h"
#include "vae_bind.h"

#define NINT 15
#define NREAL 7
#define FORMAT "sparsesc-vae"

static int save_cat(hid_t g, const char *name, const vae_cat *c, sc_err *e)
{
    hsize_t n = (hsize_t)c->n;
    if (h5w_strings(g, name, c->cats, n, e) < 0)
        return -1;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    int rc = d < 0 ? err_set(e, "cannot reopen %s", name) : h5w_attr_str(d, "column", c->col, e);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

static int write_model(const vae_bind *b, hid_t f, sc_err *e)
{
    const vae_model *m = b->m;
    const vae_config *c = &m->cfg;
    if (h5w_attr_str(f, "format", FORMAT, e) < 0 || h5w_attr_i64(f, "version", 1, e) < 0)
        return -1;
    hid_t g = h5w_group(f, "vae", e);
    if (g < 0)
        return -1;
    int64_t ci[NINT] = {c->n_hidden,   c->n_latent, c->n_layers,  c->likelihood,
                        c->encode_covariates, c->deep_inject, c->batch_size, c->epochs,
                        c->kl_warmup,  c->val_every, (int64_t)c->seed, c->first_layer,
                        m->adam_t,     b->ncov,     b->has_batch};
    double cr[NREAL] = {c->dropout, c->adam.lr, c->adam.beta1, c->adam.beta2, c->adam.eps,
                        c->adam.weight_decay, c->train_frac};
    hsize_t nr = NREAL, np = m->nparams, nbn = 4 * (hsize_t)m->dims.nl * (hsize_t)m->dims.H;
    const vae_hist *h = &m->hist;
    double *hist = sc_calloc(e, (size_t)h->n * 8 + 1, sizeof *hist);
    int rc = hist ? 0 : -1;
    for (int i = 0; hist && i < h->n; i++) {
        double row[8] = {h->train_loss[i], h->train_rec[i], h->train_kl[i], h->val_loss[i],
                         h->val_rec[i],    h->val_kl[i],    h->kl_weight[i], h->seconds[i]};
        memcpy(hist + 8 * i, row, sizeof row);
    }
    hsize_t hd[2] = {(hsize_t)h->n, 8};
    if (rc == 0)
        rc = h5w_i64(g, "config_int", ci, NINT, e) | h5w_f64(g, "config_real", cr, 1, &nr, e) |
             h5w_strings(g, "genes", b->genes, (hsize_t)b->ngenes, e) |
             h5w_f32(g, "params", m->mem, 1, &np, e) |
             h5w_f32(g, "adam_m", m->mem + 2 * m->nparams, 1, &np, e) |
             h5w_f32(g, "adam_v", m->mem + 3 * m->nparams, 1, &np, e) |
             h5w_f32(g, "bn", m->bn_mem, 1, &nbn, e) | h5w_f64(g, "history", hist, 2, hd, e);
    free(hist);
    if (rc == 0 && b->has_batch)
        rc = save_cat(g, "batch", &b->batch, e);
    for (int i = 0; rc == 0 && i < b->ncov; i++) {
        char name[32];
        snprintf(name, sizeof name, "cov_%d", i);
        rc = save_cat(g, name, &b->cov[i], e);
    }
    H5Gclose(g);
    return rc ? -1 : 0;
}

static int fill(hid_t f, const void *ctx, sc_err *e)
{
    return write_model(ctx, f, e);
}

int vae_save(const vae_bind *b, const char *path, sc_err *e)
{
    return h5w_save_atomic(path, fill, b, e);
}

static int load_cat(h5u_file *f, const char *obj, vae_cat *c, sc_err *e)
{
    h5u_info in;
    if (h5u_info_get(f, obj, &in, e) < 0)
        return -1;
    if (in.cls != H5U_STRING || in.rank != 1)
        return err_set(e, "%s:%s: expected a string array", f->path, obj);
    c->n = (int)in.dims[0];
    if (h5u_read_strs(f, obj, in.dims[0], &c->cats, e) < 0)
        return -1;
    if (h5u_attr_str(f, obj, "column", &c->col, e) != 1)
        return err_set(e, "%s:%s: no 'column' attribute", f->path, obj);
    return 0;
}

int vae_load(vae_bind *out, const char *path, sc_err *e)
{
    h5u_file f;
    if (h5u_open(&f, path, e) < 0)
        return -1;
    vae_bind b = {0};
    char *fmt = NULL;
    int rc = -1;
    if (h5u_attr_str(&f, "/", "format", &fmt, e) != 1 || strcmp(fmt, FORMAT) != 0) {
        err_set(e, "%s: not a sparsesc VAE model file (no format attribute \"%s\")", path, FORMAT);
        goto done;
    }
    int64_t ci[NINT];
    double cr[NREAL];
    if (h5u_read_exact(&f, "/vae/config_int", H5U_I64, NINT, ci, e) < 0 ||
        h5u_read_exact(&f, "/vae/config_real", H5U_F64, NREAL, cr, e) < 0)
        goto done;
    vae_config c;
    vae_config_init(&c);
    c.n_hidden = (int)ci[0];
    c.n_latent = (int)ci[1];
    c.n_layers = (int)ci[2];
    c.likelihood = (lik_kind)ci[3];
    c.encode_covariates = (int)ci[4];
    c.deep_inject = (int)ci[5];
    c.batch_size = (int)ci[6];
    c.epochs = (int)ci[7];
    c.kl_warmup = (int)ci[8];
    c.val_every = (int)ci[9];
    c.seed = (uint64_t)ci[10];
    c.first_layer = (vae_first)ci[11];
    c.dropout = cr[0];
    c.adam.lr = cr[1];
    c.adam.beta1 = cr[2];
    c.adam.beta2 = cr[3];
    c.adam.eps = cr[4];
    c.adam.weight_decay = cr[5];
    c.train_frac = cr[6];
    if (ci[3] < 0 || ci[3] >= LIK_NKIND || ci[11] < 0 || ci[11] > VAE_FIRST_DENSE || ci[13] < 0 ||
        ci[13] >= VAE_MAX_CAT || ci[12] < 0 || vae_config_check(&c, e) < 0) {
        if (!e->msg[0] || ci[3] < 0 || ci[3] >= LIK_NKIND)
            err_set(e, "invalid model configuration");
        err_prefix(e, "%s:/vae/config_int", path);
        goto done;
    }
    h5u_info gi;
    if (h5u_info_get(&f, "/vae/genes", &gi, e) < 0)
        goto done;
    b.ngenes = gi.dims[0];
    if (h5u_read_strs(&f, "/vae/genes", b.ngenes, &b.genes, e) < 0)
        goto done;
    b.has_batch = ci[14] != 0;
    b.ncov = (int)ci[13];
    if (b.has_batch && load_cat(&f, "/vae/batch", &b.batch, e) < 0)
        goto done;
    int cov_sizes[VAE_MAX_CAT];
    for (int i = 0; i < b.ncov; i++) {
        char obj[32];
        snprintf(obj, sizeof obj, "/vae/cov_%d", i);
        if (load_cat(&f, obj, &b.cov[i], e) < 0)
            goto done;
        cov_sizes[i] = b.cov[i].n;
    }
    if (vae_create(&b.m, &c, b.ngenes, b.has_batch ? b.batch.n : 0, b.ncov, cov_sizes, e) < 0)
        goto done;
    vae_model *m = b.m;
    int64_t np = (int64_t)m->nparams, nbn = 4 * (int64_t)m->dims.nl * m->dims.H;
    if (h5u_read_exact(&f, "/vae/params", H5U_F32, np, m->mem, e) < 0 ||
        h5u_read_exact(&f, "/vae/adam_m", H5U_F32, np, m->mem + 2 * np, e) < 0 ||
        h5u_read_exact(&f, "/vae/adam_v", H5U_F32, np, m->mem + 3 * np, e) < 0 ||
        h5u_read_exact(&f, "/vae/bn", H5U_F32, nbn, m->bn_mem, e) < 0)
        goto done;
    for (int64_t i = 0; i < np; i++)
        if (!isfinite(m->mem[i])) {
            err_set(e, "%s:/vae/params: value %lld is not finite", path, (long long)i);
            goto done;
        }
    m->adam_t = ci[12];
    h5u_info hi;
    if (h5u_info_get(&f, "/vae/history", &hi, e) < 0)
        goto done;
    if (hi.rank == 2 && hi.dims[1] == 8 && hi.dims[0] > 0) {
        double *h = sc_calloc(e, (size_t)hi.dims[0] * 8, sizeof *h);
        if (!h || h5u_read_num(&f, "/vae/history", H5U_F64, hi.dims[0] * 8, h, e) < 0) {
            free(h);
            goto done;
        }
        for (int64_t i = 0; i < hi.dims[0]; i++)
            if (vae_hist_push(&m->hist, h + 8 * i, e) < 0) {
                free(h);
                goto done;
            }
        free(h);
    }
    rc = 0;
done:
    free(fmt);
    h5u_close(&f);
    if (rc < 0) {
        vbind_free(&b);
        return -1;
    }
    *out = b;
    return 0;
}

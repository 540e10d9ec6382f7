/* sae_io.c: SAE model files (HDF5).  Layout:
 *   /            attrs format = "sparsesc-sae", version = 1, source
 *   /sae/config_int   int64: arch d m k k_aux l1_decoder epochs batch_size seed
 *                     dead_window patience restore_best scale_input nprefix adam_t
 *   /sae/config_real  float64: expansion aux_coef l1 lr beta1 beta2 adam_eps
 *                     dense_frac val_frac scale threshold
 *   /sae/prefix       int64 matryoshka prefixes (nprefix values)
 *   /sae/params       the flat parameter block (W_enc, b_enc, W_dec, b_dec) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "h5write.h"
#include "sae_bind.h"

#define FORMAT "sparsesc-sae"
#define NINT 15
#define NREAL 11

void sae_bind_free(sae_bind *b)
{
    if (b->m)
        sae_free(b->m);
    sae_csr_free(&b->acts);
    memset(b, 0, sizeof *b);
}

static int write_sae(const sae_bind *b, hid_t f, sc_err *e)
{
    const sae_model *m = b->m;
    const sae_config *c = &m->cfg;
    int64_t ci[NINT] = {c->arch,         m->d,        m->m,          c->k,
                        c->k_aux,        c->l1_decoder, c->epochs,   c->batch_size,
                        (int64_t)c->seed, c->dead_window, c->patience, c->restore_best,
                        c->scale_input,  c->nprefix,  m->adam_t};
    double cr[NREAL] = {c->expansion, c->aux_coef, c->l1,         c->lr,       c->beta1, c->beta2,
                        c->adam_eps,  c->dense_frac, c->val_frac, m->scale,    m->threshold};
    int64_t pre[SAE_MAX_PREFIX + 1];
    for (int i = 0; i < c->nprefix; i++)
        pre[i] = c->prefix[i];
    hsize_t nr = NREAL, np = m->nparams;
    if (h5w_attr_str(f, "format", FORMAT, e) < 0 || h5w_attr_i64(f, "version", 1, e) < 0 ||
        h5w_attr_str(f, "source", b->source, e) < 0)
        return -1;
    hid_t g = h5w_group(f, "sae", e);
    if (g < 0)
        return -1;
    int rc = h5w_i64(g, "config_int", ci, NINT, e) | h5w_f64(g, "config_real", cr, 1, &nr, e) |
             h5w_i64(g, "prefix", pre, (hsize_t)c->nprefix, e) |
             h5w_f32(g, "params", m->mem, 1, &np, e);
    H5Gclose(g);
    return rc ? -1 : 0;
}

static int fill(hid_t f, const void *ctx, sc_err *e)
{
    return write_sae(ctx, f, e);
}

int sae_save(const sae_bind *b, const char *path, sc_err *e)
{
    return h5w_save_atomic(path, fill, b, e);
}

int sae_load(sae_bind *out, const char *path, sc_err *e)
{
    h5u_file f;
    if (h5u_open(&f, path, e) < 0)
        return -1;
    sae_bind b = {0};
    char *fmt = NULL, *src = NULL;
    int rc = -1;
    if (h5u_attr_str(&f, "/", "format", &fmt, e) != 1 || strcmp(fmt, FORMAT) != 0) {
        err_set(e, "%s: not a sparsesc SAE model file (no format attribute \"%s\")", path, FORMAT);
        goto done;
    }
    if (h5u_attr_str(&f, "/", "source", &src, e) == 1)
        snprintf(b.source, sizeof b.source, "%s", src);
    int64_t ci[NINT];
    double cr[NREAL];
    if (h5u_read_exact(&f, "/sae/config_int", H5U_I64, NINT, ci, e) < 0 ||
        h5u_read_exact(&f, "/sae/config_real", H5U_F64, NREAL, cr, e) < 0)
        goto done;
    if (ci[0] < 0 || ci[0] >= SAE_NARCH || ci[1] < 1 || ci[1] > 1 << 20 || ci[2] < 1 ||
        ci[2] > 1 << 24 || ci[13] < 0 || ci[13] > SAE_MAX_PREFIX) {
        err_set(e, "%s:/sae/config_int: invalid model configuration", path);
        goto done;
    }
    sae_config c;
    sae_config_init(&c, (sae_arch)ci[0]);
    c.features = (int)ci[2];
    c.k = (int)ci[3];
    c.k_aux = (int)ci[4];
    c.l1_decoder = (int)ci[5];
    c.epochs = (int)ci[6];
    c.batch_size = (int)ci[7];
    c.seed = (uint64_t)ci[8];
    c.dead_window = ci[9];
    c.patience = (int)ci[10];
    c.restore_best = (int)ci[11];
    c.scale_input = (int)ci[12];
    c.nprefix = (int)ci[13];
    c.expansion = cr[0];
    c.aux_coef = cr[1];
    c.l1 = cr[2];
    c.lr = cr[3];
    c.beta1 = cr[4];
    c.beta2 = cr[5];
    c.adam_eps = cr[6];
    c.dense_frac = cr[7];
    c.val_frac = cr[8];
    int64_t pre[SAE_MAX_PREFIX];
    if (h5u_read_exact(&f, "/sae/prefix", H5U_I64, c.nprefix, pre, e) < 0)
        goto done;
    for (int i = 0; i < c.nprefix; i++)
        c.prefix[i] = (int)pre[i];
    if (sae_config_resolve(&c, (int)ci[1], e) < 0 || sae_create(&b.m, (int)ci[1], &c, e) < 0) {
        err_prefix(e, "%s", path);
        goto done;
    }
    if (h5u_read_exact(&f, "/sae/params", H5U_F32, (int64_t)b.m->nparams, b.m->mem, e) < 0)
        goto done;
    for (size_t i = 0; i < b.m->nparams; i++)
        if (!isfinite(b.m->mem[i])) {
            err_set(e, "%s:/sae/params: value %zu is not finite", path, i);
            goto done;
        }
    b.m->scale = (float)cr[9];
    b.m->threshold = (float)cr[10];
    b.m->adam_t = ci[14];
    b.m->trained = 1;
    rc = 0;
done:
    free(fmt);
    free(src);
    h5u_close(&f);
    if (rc < 0) {
        sae_bind_free(&b);
        return -1;
    }
    *out = b;
    return 0;
}

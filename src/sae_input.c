/* sae_input.c: the SAE's input embedding from its source name. */
#include "sae_input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vae_bind.h"

int sae_input_is_vae(const char *source)
{
    return strcmp(source, "vae") == 0 || strcmp(source, "vae-hidden") == 0;
}

static float *from_vae(session *s, int hidden, int64_t *n, int *d, sc_err *e)
{
    if (!s->vae || !s->vae->m) {
        err_set(e, "on=%s: no VAE yet; train one with `vae train` (or use on=obsm:KEY)",
                hidden ? "vae-hidden" : "vae");
        return NULL;
    }
    if (!vbind_current(s->vae, s->data) && vbind_attach(s->vae, s->data, e) < 0)
        return NULL;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(s->vae, covp);
    *n = s->vae->X.nrows;
    *d = hidden ? s->vae->m->dims.H : s->vae->m->dims.L;
    float *z = sc_calloc(e, (size_t)*n * (size_t)*d, sizeof *z);
    if (z && (hidden ? vae_hidden(s->vae->m, &vd, z, e) : vae_latent(s->vae->m, &vd, z, e)) < 0) {
        free(z);
        return NULL;
    }
    return z;
}

float *sae_input(session *s, const char *source, int64_t *n, int *d, sc_err *e)
{
    if (!s->data) {
        err_set(e, "no data loaded; use `load FILE` or `simulate` first");
        return NULL;
    }
    if (strcmp(source, "vae") == 0 || strcmp(source, "vae-hidden") == 0)
        return from_vae(s, source[3] == '-', n, d, e);
    if (strncmp(source, "obsm:", 5) != 0) {
        err_set(e, "on=%s: expected vae, vae-hidden or obsm:KEY", source);
        return NULL;
    }
    const char *key = source + 5;
    const sc_dataset *ds = s->data;
    for (int i = 0; i < ds->nobsm; i++) {
        const sc_embed *o = &ds->obsm[i];
        if (strcmp(o->key, key) != 0)
            continue;
        size_t cnt = (size_t)o->rows * (size_t)o->cols;
        for (size_t j = 0; j < cnt; j++)
            if (!isfinite(o->data[j])) {
                err_set(e, "obsm '%s' has a non-finite value at cell %zu, column %zu", key,
                        j / (size_t)o->cols, j % (size_t)o->cols);
                return NULL;
            }
        float *x = sc_calloc(e, cnt ? cnt : 1, sizeof *x);
        if (x)
            memcpy(x, o->data, cnt * sizeof *x);
        *n = o->rows;
        *d = (int)o->cols;
        return x;
    }
    char keys[512] = "";
    for (int i = 0; i < ds->nobsm; i++) {
        size_t u = strlen(keys);
        snprintf(keys + u, sizeof keys - u, "%s%s", i ? ", " : "", ds->obsm[i].key);
    }
    err_set(e, "on=obsm:%s: no such obsm key; obsm keys: %s", key,
            ds->nobsm ? keys : "(none; `vae latent` makes X_vae)");
    return NULL;
}

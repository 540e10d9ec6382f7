/* recovered.c: loss recovered through the VAE decoder (see recovered.h). */
#include "recovered.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vae_train.h"

void recover_free(recover_ctx *c)
{
    free(c->cells);
    free(c->X);
    free(c->V);
    memset(c, 0, sizeof *c);
}

int recover_init(recover_ctx *c, vae_bind *vb, const char *source, const float *X, int64_t n,
                 int d, sc_err *e)
{
    memset(c, 0, sizeof *c);
    vae_model *vm = vb->m;
    c->vb = vb;
    c->from = strcmp(source, "vae-hidden") == 0 ? VAE_FROM_HIDDEN : VAE_FROM_Z;
    int want = c->from == VAE_FROM_HIDDEN ? vm->dims.H : vm->dims.L;
    if (d != want || n != vb->X.nrows)
        return err_set(e, "loss recovered: the SAE input (%lld x %d) is not the VAE's %s "
                          "(%lld x %d)", (long long)n, d, source, (long long)vb->X.nrows, want);
    c->d = d;
    c->vd = vbind_data(vb, c->covp);
    const int64_t *pool = NULL;
    int64_t npool = n;
    if (vm->run && vm->run->n_val > 0 && vm->run->n_cells == n) {
        pool = vm->run->val;
        npool = vm->run->n_val;
    }
    c->ncells = npool < RECOVER_MAX_CELLS ? npool : RECOVER_MAX_CELLS;
    c->cells = sc_calloc(e, (size_t)c->ncells, sizeof *c->cells);
    c->X = sc_calloc(e, (size_t)c->ncells * d, sizeof *c->X);
    c->V = sc_calloc(e, (size_t)c->ncells * d, sizeof *c->V);
    if (!c->cells || !c->X || !c->V) {
        recover_free(c);
        return -1;
    }
    for (int64_t i = 0; i < c->ncells; i++) {
        int64_t k = i * npool / c->ncells; /* evenly spaced through the pool */
        c->cells[i] = pool ? pool[k] : k;
        memcpy(c->X + i * d, X + c->cells[i] * d, (size_t)d * sizeof *X);
    }
    /* the mean input over all cells, for the ablation */
    double *mean = sc_calloc(e, (size_t)d, sizeof *mean);
    if (!mean) {
        recover_free(c);
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            mean[j] += X[i * d + j];
    for (int64_t i = 0; i < c->ncells; i++)
        for (int j = 0; j < d; j++)
            c->V[i * d + j] = (float)(mean[j] / (double)n);
    free(mean);
    if (vae_eval_given(vm, &c->vd, c->cells, c->ncells, c->from, c->X, &c->clean, e) < 0 ||
        vae_eval_given(vm, &c->vd, c->cells, c->ncells, c->from, c->V, &c->ablated, e) < 0) {
        recover_free(c);
        return -1;
    }
    return 0;
}

int recover_measure(recover_ctx *c, const sae_model *m, sae_recovered *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (m->d != c->d)
        return err_set(e, "loss recovered: the SAE reads %d dimensions, the VAE gives %d", m->d,
                       c->d);
    if (sae_reconstruct(m, c->X, c->ncells, c->V, e) < 0)
        return -1;
    double nll; /* recover_init checked the data and cells */
    if (vae_eval_given_checked(c->vb->m, &c->vd, c->cells, c->ncells, c->from, c->V, &nll, e) <
        0)
        return -1;
    out->ncells = c->ncells;
    out->clean = c->clean;
    out->ablated = c->ablated;
    out->sae = nll;
    double gap = c->ablated - c->clean;
    out->recovered = gap != 0 ? (c->ablated - nll) / gap : NAN;
    return 0;
}

double recover_epoch_fn(const sae_model *m, void *ctx)
{
    recover_ctx *c = ctx;
    sae_recovered r;
    sc_err e = {0};
    if (recover_measure(c, m, &r, &e) < 0) {
        if (!c->err.msg[0])
            c->err = e;
        return NAN;
    }
    return 100 * r.recovered;
}

/* vae_train.c: the training loop (see vae_train.h). */
#include "vae_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threads.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int vae_default_epochs(int64_t n_cells)
{
    if (n_cells < 1)
        return 400;
    /* Python's round() rounds halves to even, as nearbyint does by default */
    double e = nearbyint(20000.0 / (double)n_cells * 400.0);
    return e > 400 ? 400 : e < 1 ? 1 : (int)e;
}

double vae_kl_weight(const vae_config *c, int epoch)
{
    if (c->kl_warmup > 0 && epoch < c->kl_warmup)
        return (double)epoch / c->kl_warmup;
    return 1;
}

int vae_split(int64_t n, double train_frac, int batch_size, uint64_t seed, int64_t **train,
              int64_t *n_train, int64_t **val, int64_t *n_val, sc_err *e)
{
    *train = *val = NULL;
    int64_t nt = (int64_t)ceil(train_frac * (double)n);
    int64_t nv = n - nt;
    int64_t rem = nt % batch_size;
    if (rem > 0 && rem < 3) {
        /* a last minibatch of 1 or 2 cells would break BatchNorm */
        nt -= rem;
        if (nv > 0)
            nv += rem;
    }
    if (nt < 3)
        return err_set(e, "training needs at least 3 cells in the training split; %lld cell%s "
                       "leave%s %lld",
                       (long long)n, n == 1 ? "" : "s", n == 1 ? "s" : "", (long long)(nt > 0 ? nt : 0));
    int64_t *perm = sc_calloc(e, (size_t)n, sizeof *perm);
    int64_t *t = perm ? sc_calloc(e, (size_t)nt, sizeof *t) : NULL;
    int64_t *v = t ? sc_calloc(e, (size_t)(nv > 0 ? nv : 1), sizeof *v) : NULL;
    if (!v) {
        free(perm);
        free(t);
        return -1;
    }
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    rng r;
    rng_seed(&r, seed);
    rng_shuffle_i64(&r, perm, n);
    memcpy(v, perm, (size_t)nv * sizeof *v);
    memcpy(t, perm + nv, (size_t)nt * sizeof *t);
    free(perm);
    *train = t;
    *val = v;
    *n_train = nt;
    *n_val = nv;
    return 0;
}

void vae_run_free(vae_run *r)
{
    if (!r)
        return;
    free(r->val);
    free(r->train);
    free(r->order);
    free(r);
}

static int64_t data_nnz(const vae_data *d)
{
    return d->X->indptr[d->X->nrows];
}

int vae_run_begin(vae_model *m, const vae_data *d, int epochs, sc_err *e)
{
    int64_t zero_cells = 0;
    if (vae_check_data(m, d, &zero_cells, NULL, e) < 0)
        return -1;
    const int64_t n = d->X->nrows;
    vae_run *r = m->run;
    if (r) {
        if (r->n_cells != n || r->nnz != data_nnz(d))
            return err_set(e, "this model's training run is on %lld cells (%lld counts); the data "
                           "has %lld cells (%lld counts): create a new model to train on it",
                           (long long)r->n_cells, (long long)r->nnz, (long long)n,
                           (long long)data_nnz(d));
        if (epochs > 0)
            r->epochs = epochs;
        return 0;
    }
    if (zero_cells > 0)
        return err_set(e, "%lld of %lld cells have no counts; remove them before training "
                       "(e.g. filter cells by total counts >= 1)",
                       (long long)zero_cells, (long long)n);
    if (vae_mem_check(&m->cfg,
                      vae_bytes_needed(&m->cfg, m->dims.G, m->cat_n[0], m->ncatin - 1,
                                       m->cat_n + 1, n),
                      "training the VAE", e) < 0)
        return -1;
    r = sc_calloc(e, 1, sizeof *r);
    if (!r)
        return -1;
    if (vae_split(n, m->cfg.train_frac, m->cfg.batch_size, m->cfg.seed, &r->train, &r->n_train,
                  &r->val, &r->n_val, e) < 0) {
        vae_run_free(r);
        return -1;
    }
    r->order = sc_calloc(e, (size_t)r->n_train, sizeof *r->order);
    if (!r->order) {
        vae_run_free(r);
        return -1;
    }
    memcpy(r->order, r->train, (size_t)r->n_train * sizeof *r->order);
    r->n_cells = n;
    r->nnz = data_nnz(d);
    r->steps_per_epoch = (r->n_train + m->cfg.batch_size - 1) / m->cfg.batch_size;
    r->epochs = epochs > 0 ? epochs : m->cfg.epochs > 0 ? m->cfg.epochs : vae_default_epochs(n);
    rng base;
    rng_seed(&base, m->cfg.seed);
    rng_split(&base, 1, &r->shuffle);
    rng_split(&base, 2, &r->noise);
    m->run = r;
    return 0;
}

/* The loss of this step was not finite: put back the parameters from before
 * the last update; moments that took a non-finite gradient restart. */
static int nonfinite_stop(vae_model *m, double loss, sc_err *e)
{
    vae_run *r = m->run;
    int rolled = m->adam_t > 0;
    if (rolled)
        memcpy(m->mem, m->prev, m->nparams * sizeof *m->mem);
    const float *mom = m->mem + 2 * m->nparams;
    int bad = 0;
    for (size_t i = 0; i < 2 * m->nparams && !bad; i++)
        bad = !isfinite(mom[i]);
    if (bad) {
        memset(m->mem + 2 * m->nparams, 0, 2 * m->nparams * sizeof *m->mem);
        m->adam_t = 0;
    }
    return err_set(e, "training stopped: the loss is %s at epoch %d, step %lld of %lld; the model "
                   "keeps %s",
                   isnan(loss) ? "NaN" : "infinite", r->epoch + 1, (long long)r->step + 1,
                   (long long)r->steps_per_epoch,
                   rolled ? "the parameters from before the last update (the last finite loss)"
                          : "its initial parameters");
}

static int epoch_end(vae_model *m, const vae_data *d, double klw, sc_err *e)
{
    vae_run *r = m->run;
    double t0 = now_s();
    double c = r->ep_cells > 0 ? (double)r->ep_cells : 1;
    double vals[8] = {r->ep_loss / c, r->ep_rec / c, r->ep_kl / c, NAN, NAN, NAN, klw, 0};
    int every = m->cfg.val_every;
    if (every > 0 && r->n_val > 0 && (r->epoch + 1) % every == 0) {
        vae_metrics vm;
        if (vae_eval_cells(m, d, r->val, r->n_val, klw, &vm, e) < 0)
            return -1;
        vals[3] = vm.loss;
        vals[4] = vm.nll;
        vals[5] = vm.kl;
    }
    vals[7] = r->ep_seconds + (now_s() - t0);
    if (vae_hist_push(&m->hist, vals, e) < 0)
        return -1;
    r->epoch++;
    r->step = 0;
    return 1;
}

/* Zero the gradient block (15 MB at 10,000 genes: a serial memset was ~3 %
 * of a step with the second thread idle), split over the threads. */
static void zero_grads(float *g, size_t n)
{
    const size_t chunk = (size_t)1 << 16;
    const int64_t nch = (int64_t)((n + chunk - 1) / chunk);
    SC_OMP("omp parallel for schedule(static) if(nch > 8)")
    for (int64_t c = 0; c < nch; c++) {
        size_t i0 = (size_t)c * chunk, k = n - i0 < chunk ? n - i0 : chunk;
        memset(g + i0, 0, k * sizeof *g);
    }
}

int vae_step(vae_model *m, const vae_data *d, sc_err *e)
{
    vae_run *r = m->run;
    double t0 = now_s();
    const int bs = m->cfg.batch_size;
    if (r->step == 0) {
        /* a new epoch: a fresh order of the training cells */
        rng_shuffle_i64(&r->shuffle, r->order, r->n_train);
        r->ep_loss = r->ep_rec = r->ep_kl = r->ep_seconds = 0;
        r->ep_cells = 0;
    }
    int64_t b0 = r->step * bs;
    int B = (int)(r->n_train - b0 < bs ? r->n_train - b0 : bs);
    vae_batch_f batch;
    vae_gather(m, d, r->order + b0, B, &batch);
    double klw = vae_kl_weight(&m->cfg, r->epoch);
    double loss = vae_forward_f(&m->p, &m->bn, &m->dims, &m->acts, &batch, klw,
                                VAE_TRAIN | VAE_SAMPLE | VAE_GRAD, &r->noise);
    if (!isfinite(loss))
        return nonfinite_stop(m, loss, e);
    vae_bn_commit_f(&m->bn, &m->dims, &m->acts);
    zero_grads(m->mem + m->nparams, m->nparams);
    vae_backward_f(&m->g, &m->p, &m->dims, &m->acts, &batch, klw);
    m->adam_t++;
    adam_update(m->mem, m->mem + m->nparams, m->mem + 2 * m->nparams, m->mem + 3 * m->nparams,
                m->prev, m->nparams, &m->cfg.adam, m->adam_t);
    r->ep_loss += loss * B;
    r->ep_rec += m->acts.rec * B;
    r->ep_kl += m->acts.klm * B;
    r->ep_cells += B;
    r->step++;
    r->ep_seconds += now_s() - t0;
    if (r->step == r->steps_per_epoch)
        return epoch_end(m, d, klw, e);
    return 0;
}

/* Per-epoch series of the monitor, in vae_hist column order. */
static const struct {
    const char *name;
    int panel;
    int col;
} mon_cols[] = {{"train loss", 0, 0},   {"val loss", 0, 3}, {"reconstruction", 1, 1},
                {"val reconstruction", 1, 4}, {"kl", 2, 2},       {"val kl", 2, 5}};
#define NMONCOLS (int)(sizeof mon_cols / sizeof *mon_cols)

static int mon_push_epoch(monitor *mon, const vae_hist *h, int i, sc_err *e)
{
    const double *cols[] = {h->train_loss, h->train_rec, h->train_kl, h->val_loss,
                            h->val_rec,    h->val_kl};
    for (int k = 0; k < NMONCOLS; k++) {
        int s = mon_series_get(mon, mon_cols[k].name, mon_cols[k].panel, e);
        if (s < 0 || mon_push(mon, s, cols[mon_cols[k].col][i], e) < 0)
            return -1;
    }
    return 0;
}

/* A monitor that does not hold this model's history gets it replayed. */
static int mon_attach(monitor *mon, const vae_model *m, sc_err *e)
{
    const mon_series *s = mon_find(mon, "train loss");
    if (strcmp(mon->model, "vae") == 0 && s && s->n == m->hist.n)
        return 0;
    mon_reset(mon, "vae");
    for (int i = 0; i < m->hist.n; i++)
        if (mon_push_epoch(mon, &m->hist, i, e) < 0)
            return -1;
    return 0;
}

int vae_fit(vae_model *m, const vae_data *d, int epochs, monitor *mon, sc_err *e)
{
    if (vae_run_begin(m, d, epochs, e) < 0)
        return -1;
    vae_run *r = m->run;
    r->stopped = 0;
    if (mon && mon_attach(mon, m, e) < 0)
        return -1;
    double t0 = now_s();
    int64_t cells = 0;
    int blas = sc_blas_single(); /* one thread pool: see threads.h */
    int rc = 0;
    while (r->epoch < r->epochs) {
        if (mon && mon->stop && *mon->stop) {
            r->stopped = 1;
            break;
        }
        int64_t B = r->n_train - r->step * m->cfg.batch_size;
        B = B < m->cfg.batch_size ? B : m->cfg.batch_size;
        rc = vae_step(m, d, e);
        if (rc < 0)
            break;
        cells += B;
        if (!mon)
            continue;
        if (rc == 1 && mon_push_epoch(mon, &m->hist, m->hist.n - 1, e) < 0) {
            rc = -1;
            break;
        }
        mon->epoch = r->epoch;
        mon->epochs = r->epochs;
        mon->step = r->step;
        mon->steps_per_epoch = r->steps_per_epoch;
        mon->cells_done = cells;
        mon_update_rate(mon, now_s() - t0, (int64_t)r->epochs * r->steps_per_epoch);
        if (mon->tick)
            mon->tick(mon, rc == 1, mon->ctx);
    }
    sc_blas_restore(blas);
    return rc < 0 ? -1 : 0;
}

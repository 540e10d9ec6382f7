/* sae_train.c: the SAE training loop (see sae_train.h). */
#include "sae_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "optim.h"
#include "rng.h"
#include "sae_metrics.h"
#include "threads.h"


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sae_geometric_median(const float *X, int64_t n, int d, float *out)
{
    double *y = calloc((size_t)d * 2, sizeof *y);
    if (!y || n <= 0) {
        free(y);
        memset(out, 0, (size_t)d * sizeof *out);
        return;
    }
    double *num = y + d;
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < d; c++)
            y[c] += X[(size_t)i * d + c];
    double ynorm = 0;
    for (int c = 0; c < d; c++) {
        y[c] /= (double)n;
        ynorm += y[c] * y[c];
    }
    /* Weiszfeld: y <- sum w_i x_i / sum w_i with w_i = 1 / |x_i - y|;
     * points that coincide with y are skipped (their weight is unbounded) */
    for (int it = 0; it < 200; it++) {
        double den = 0, shift = 0;
        memset(num, 0, (size_t)d * sizeof *num);
        for (int64_t i = 0; i < n; i++) {
            const float *x = X + (size_t)i * d;
            double dist = 0;
            for (int c = 0; c < d; c++)
                dist += (x[c] - y[c]) * (x[c] - y[c]);
            dist = sqrt(dist);
            if (dist < 1e-10)
                continue;
            den += 1 / dist;
            for (int c = 0; c < d; c++)
                num[c] += x[c] / dist;
        }
        if (!(den > 0))
            break;
        for (int c = 0; c < d; c++) {
            double nc = num[c] / den;
            shift += (nc - y[c]) * (nc - y[c]);
            y[c] = nc;
        }
        if (sqrt(shift) < 1e-7 * (1 + sqrt(ynorm)))
            break;
    }
    for (int c = 0; c < d; c++)
        out[c] = (float)y[c];
    free(y);
}

enum { S_TRAIN, S_VAL, S_MSE, S_FVU, S_L0, S_DEAD, S_DENSE, S_N };
static const char *const series_name[S_N] = {"train loss", "val loss", "mse", "fvu", "l0", "dead share",
                                             "dense share"};
static const int series_panel[S_N] = {0, 0, 1, 2, 3, 4, 4};

typedef struct trainer {
    sae_model *M;
    const float *X;
    int64_t n, ntrain, nval;
    int d, m, B;
    int64_t *rows;   /* permutation: training cells, then validation cells */
    sae_spec spec;
    sae_acts a;
    float *xb;       /* B x d scaled batch */
    uint8_t *dead;
    int64_t *fired_batch, *fired_epoch;
    float *good, *best; /* parameters at the end of the last finished epoch; best validation */
    float good_thr, best_thr;
    sae_eval ev;
    rng r_split, r_shuffle, r_resample;
    int series[S_N];
} trainer;

static void trainer_free(trainer *t)
{
    free(t->rows);
    sae_acts_free_f(&t->a);
    free(t->xb);
    free(t->dead);
    free(t->fired_batch);
    free(t->fired_epoch);
    free(t->good);
    free(t->best);
    sae_eval_free(&t->ev);
}

static void gather(const trainer *t, const int64_t *rows, int B)
{
    float s = t->M->scale;
SAE_OMP("omp parallel for schedule(static) if ((double)B * t->d >= SAE_PAR_MIN)")
    for (int b = 0; b < B; b++) {
        const float *x = t->X + (size_t)rows[b] * t->d;
        float *o = t->xb + (size_t)b * t->d;
        for (int c = 0; c < t->d; c++)
            o[c] = x[c] * s;
    }
}

static int same_model(const sae_config *a, const sae_config *b)
{
    if (a->arch != b->arch || a->features != b->features || a->k != b->k || a->l1_decoder != b->l1_decoder ||
        a->nprefix != b->nprefix)
        return 0;
    for (int i = 0; i < a->nprefix; i++)
        if (a->prefix[i] != b->prefix[i])
            return 0;
    return 1;
}

/* Input scale and pre-bias from the training cells (fresh models only). */
/* With the encoder started as the decoder's transpose, a cell's top-k
 * features all point roughly its way, so their sum overshoots it about
 * k-fold when the input has few dimensions (random directions in 10-d are
 * far from orthogonal): training then first spends its steps shrinking the
 * encoder, and at a few hundred steps larger k looked worse than smaller k.
 * The activations are linear in a positive encoder scale c (b_enc = 0; the
 * top-k choice does not change), so the c with the least squared error on a
 * sample is <xc, y> / <y, y>, y the reconstruction at c = 1. */
static int fit_encoder_scale(trainer *t, sc_err *e)
{
    sae_model *M = t->M;
    const int d = t->d, m = t->m;
    const int64_t ns = t->ntrain < 1024 ? t->ntrain : 1024;
    const int topk = M->cfg.arch != SAE_RELU_L1 && M->cfg.arch != SAE_SEED;
    const int k = topk ? (M->cfg.k < m ? M->cfg.k : m) : m;
    float *xc = sc_calloc(e, (size_t)d, sizeof *xc), *z = sc_calloc(e, (size_t)m, sizeof *z);
    double *y = sc_calloc(e, (size_t)d, sizeof *y);
    int32_t *idx = sc_calloc(e, (size_t)m, sizeof *idx);
    if (!xc || !z || !y || !idx) {
        free(xc), free(z), free(y), free(idx);
        return -1;
    }
    double num = 0, den = 0;
    for (int64_t i = 0; i < ns; i++) {
        const float *x = t->X + (size_t)t->rows[i] * d;
        for (int c = 0; c < d; c++)
            xc[c] = x[c] * M->scale - M->p.b_dec[c];
        for (int j = 0; j < m; j++) {
            double s = M->p.b_enc[j];
            for (int c = 0; c < d; c++)
                s += (double)M->p.W_enc[(size_t)j * d + c] * xc[c];
            z[j] = (float)s;
            idx[j] = j;
        }
        /* the k largest pre-activations (partial selection; k is small);
         * ReLU keeps every positive one */
        int nk = 0;
        if (!topk) {
            for (int j = 0; j < m; j++)
                if (z[j] > 0)
                    idx[nk++] = j;
        }
        for (int r = 0; topk && r < k; r++) {
            int best = r;
            for (int j = r + 1; j < m; j++)
                if (z[idx[j]] > z[idx[best]])
                    best = j;
            int32_t tmp = idx[r];
            idx[r] = idx[best];
            idx[best] = tmp;
            if (z[idx[r]] <= 0)
                break;
            nk++;
        }
        memset(y, 0, (size_t)d * sizeof *y);
        for (int r = 0; r < nk; r++)
            for (int c = 0; c < d; c++)
                y[c] += (double)z[idx[r]] * M->p.W_dec[(size_t)idx[r] * d + c];
        for (int c = 0; c < d; c++) {
            num += (double)xc[c] * y[c];
            den += y[c] * y[c];
        }
    }
    free(xc), free(z), free(y), free(idx);
    double scale = den > 0 ? num / den : 0;
    if (isfinite(scale) && scale > 0)
        for (size_t q = 0; q < (size_t)m * d; q++)
            M->p.W_enc[q] = (float)(M->p.W_enc[q] * scale);
    return 0;
}

static int data_init(trainer *t, sc_err *e)
{
    sae_model *M = t->M;
    int d = t->d;
    if (M->cfg.scale_input) {
        double ss = 0;
        for (int64_t i = 0; i < t->ntrain; i++) {
            const float *x = t->X + (size_t)t->rows[i] * d;
            for (int c = 0; c < d; c++)
                ss += (double)x[c] * x[c];
        }
        ss /= (double)t->ntrain;
        M->scale = ss > 0 ? (float)sqrt(d / ss) : 1.0f;
    }
    if (M->cfg.geomed_init) {
        /* Weiszfeld on up to 10,000 training cells */
        int64_t ns = t->ntrain < 10000 ? t->ntrain : 10000;
        float *sample = sc_calloc(e, (size_t)ns * d, sizeof *sample);
        if (!sample)
            return -1;
        rng r;
        rng_split(&t->r_split, 7, &r);
        for (int64_t i = 0; i < ns; i++) {
            int64_t row = ns == t->ntrain ? t->rows[i] : t->rows[rng_below(&r, (uint64_t)t->ntrain)];
            for (int c = 0; c < d; c++)
                sample[(size_t)i * d + c] = t->X[(size_t)row * d + c] * M->scale;
        }
        sae_geometric_median(sample, ns, d, M->p.b_dec);
        free(sample);
    }
    if (M->cfg.fit_enc_scale && fit_encoder_scale(t, e) < 0)
        return -1;
    M->trained = 1;
    return 0;
}

/* Inference-mode pass over `nrows` cells: mean batch loss (as the seed
 * averages its validation loss over batches) and the eval metrics. */
static double evaluate(trainer *t, const int64_t *rows, int64_t nrows)
{
    double loss = 0;
    int64_t nb = 0;
    sae_eval_reset(&t->ev);
    t->spec.threshold = t->M->threshold;
    for (int64_t r0 = 0; r0 < nrows; r0 += t->B) {
        int B = nrows - r0 < t->B ? (int)(nrows - r0) : t->B;
        gather(t, rows + r0, B);
        loss += sae_forward_f(&t->M->p, &t->spec, &t->a, t->xb, B, 0, NULL);
        nb++;
        const float *full = t->a.xhat + (size_t)(t->a.P - 1) * B * t->d;
        sae_eval_add(&t->ev, t->xb, full, B, sae_acts_count_f(&t->a, NULL));
    }
    return nb ? loss / (double)nb : NAN;
}

/* Bricken et al. 2023: re-initialise dead features towards inputs the model
 * reconstructs badly (drawn with probability ~ loss^2): decoder row = the
 * centred input's direction, encoder row the same scaled to 0.2 x the mean
 * norm of live encoder rows, bias 0, and their Adam moments reset. */
static int resample(trainer *t, sc_err *e)
{
    sae_model *M = t->M;
    int d = t->d, m = t->m;
    int64_t ndead = 0;
    for (int j = 0; j < m; j++)
        ndead += M->since_fired[j] >= M->cfg.dead_window;
    if (!ndead)
        return 0;
    int64_t ns = t->ntrain < 8192 ? t->ntrain : 8192;
    int64_t *rows = sc_calloc(e, (size_t)ns, sizeof *rows);
    float *xs = sc_calloc(e, (size_t)ns * d, sizeof *xs);
    double *cum = sc_calloc(e, (size_t)ns, sizeof *cum);
    if (!rows || !xs || !cum) {
        free(rows);
        free(xs);
        free(cum);
        return -1;
    }
    for (int64_t i = 0; i < ns; i++)
        rows[i] = t->rows[rng_below(&t->r_resample, (uint64_t)t->ntrain)];
    double tot = 0;
    t->spec.threshold = M->threshold;
    for (int64_t r0 = 0; r0 < ns; r0 += t->B) {
        int B = ns - r0 < t->B ? (int)(ns - r0) : t->B;
        gather(t, rows + r0, B);
        sae_forward_f(&M->p, &t->spec, &t->a, t->xb, B, 0, NULL);
        const float *full = t->a.xhat + (size_t)(t->a.P - 1) * B * d;
        for (int b = 0; b < B; b++) {
            double se = 0;
            for (int c = 0; c < d; c++) {
                double r = (double)t->xb[(size_t)b * d + c] - full[(size_t)b * d + c];
                se += r * r;
            }
            tot += se * se;
            cum[r0 + b] = tot;
        }
        memcpy(xs + (size_t)r0 * d, t->xb, (size_t)B * d * sizeof *xs);
    }
    double alive = 0;
    int64_t nalive = 0;
    for (int j = 0; j < m; j++)
        if (M->since_fired[j] < M->cfg.dead_window) {
            const float *w = M->p.W_enc + (size_t)j * d;
            double ss = 0;
            for (int c = 0; c < d; c++)
                ss += (double)w[c] * w[c];
            alive += sqrt(ss);
            nalive++;
        }
    double enc_norm = 0.2 * (nalive ? alive / (double)nalive : 1.0);
    int64_t done = 0;
    for (int j = 0; j < m && tot > 0; j++) {
        if (M->since_fired[j] < M->cfg.dead_window)
            continue;
        double u = rng_uniform(&t->r_resample) * tot;
        int64_t lo = 0, hi = ns - 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (cum[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        const float *x = xs + (size_t)lo * d;
        double nv = 0;
        for (int c = 0; c < d; c++)
            nv += ((double)x[c] - M->p.b_dec[c]) * ((double)x[c] - M->p.b_dec[c]);
        nv = sqrt(nv);
        if (!(nv > 0))
            continue;
        for (int c = 0; c < d; c++) {
            float dir = (float)(((double)x[c] - M->p.b_dec[c]) / nv);
            M->p.W_dec[(size_t)j * d + c] = dir;
            M->p.W_enc[(size_t)j * d + c] = (float)(dir * enc_norm);
        }
        M->p.b_enc[j] = 0;
        sae_params *mom[2] = {&M->am, &M->av};
        for (int k = 0; k < 2; k++) {
            memset(mom[k]->W_enc + (size_t)j * d, 0, (size_t)d * sizeof(float));
            memset(mom[k]->W_dec + (size_t)j * d, 0, (size_t)d * sizeof(float));
            mom[k]->b_enc[j] = 0;
        }
        M->since_fired[j] = 0;
        done++;
    }
    free(rows);
    free(xs);
    free(cum);
    if (done) {
        M->fit.resamples++;
        M->fit.resampled += done;
    }
    return 0;
}

static int check_finite(const float *X, int64_t n, int d, sc_err *e)
{
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < d; c++)
            if (!isfinite(X[(size_t)i * d + c]))
                return err_set(e, "input has %s at cell %lld, dimension %d",
                               isnan(X[(size_t)i * d + c]) ? "NaN" : "an infinite value", (long long)i + 1, c + 1);
    return 0;
}

static int stop_requested(const monitor *mon, volatile sig_atomic_t *stop)
{
    return (stop && *stop) || (mon && mon->stop && *mon->stop);
}

int sae_fit(sae_model *M, const float *X, int64_t n, int d, const sae_config *cfg, monitor *mon,
            volatile sig_atomic_t *stop, sc_err *e)
{
    if (d != M->d)
        return err_set(e, "the input has %d dimensions; this SAE was built for %d", d, M->d);
    if (cfg) {
        sae_config c = *cfg;
        if (sae_config_resolve(&c, d, e) < 0)
            return -1;
        if (!same_model(&c, &M->cfg))
            return err_set(e, "these options describe another model (%s, %d features) than this SAE (%s, %d features)",
                           sae_arch_name(c.arch), c.features, sae_arch_name(M->cfg.arch), M->cfg.features);
        M->cfg = c;
    }
    const sae_config *C = &M->cfg;
    int64_t ntrain = (int64_t)floor((1.0 - C->val_frac) * (double)n + 1e-9);
    if (n < 2 || ntrain < 1)
        return err_set(e, "%lld cells are too few to train an SAE", (long long)n);
    if (check_finite(X, n, d, e) < 0)
        return -1;

    trainer t;
    memset(&t, 0, sizeof t);
    t.M = M;
    t.X = X;
    t.n = n;
    t.ntrain = ntrain;
    t.nval = n - ntrain;
    t.d = d;
    t.m = M->m;
    t.B = C->batch_size;
    sae_spec_of(M, &t.spec);
    rng r0;
    rng_seed(&r0, C->seed);
    rng_split(&r0, 2, &t.r_split);
    rng_split(&r0, 3, &t.r_shuffle);
    rng_split(&r0, 4, &t.r_resample);
    memset(&M->fit, 0, sizeof M->fit);

    int rc = -1;
    int m = t.m;
    int blas = sc_blas_single(); /* the kernels split sgemm over OpenMP themselves */
    adam_cfg adam = {C->lr, C->beta1, C->beta2, C->adam_eps, 0.0}; /* torch.optim.Adam, no weight decay */
    size_t np = M->nparams;
    if (sae_acts_alloc_f(&t.a, &t.spec, t.B, e) < 0)
        goto out;
    t.rows = sc_calloc(e, (size_t)n, sizeof *t.rows);
    t.xb = sc_calloc(e, (size_t)t.B * d, sizeof *t.xb);
    t.dead = sc_calloc(e, (size_t)m, 1);
    t.fired_batch = sc_calloc(e, (size_t)m, sizeof *t.fired_batch);
    t.fired_epoch = sc_calloc(e, (size_t)m, sizeof *t.fired_epoch);
    t.good = sc_calloc(e, np, sizeof *t.good);
    if (C->patience > 0)
        t.best = sc_calloc(e, np, sizeof *t.best);
    if (!t.rows || !t.xb || !t.dead || !t.fired_batch || !t.fired_epoch || !t.good || (C->patience > 0 && !t.best))
        goto out;
    if (sae_eval_init(&t.ev, d, e) < 0)
        goto out;
    for (int64_t i = 0; i < n; i++)
        t.rows[i] = i;
    rng_shuffle_i64(&t.r_split, t.rows, n); /* like torch's random_split: a random permutation */
    if (!M->trained && data_init(&t, e) < 0)
        goto out;

    int64_t spe = (ntrain + t.B - 1) / t.B, total = spe * C->epochs, gstep = 0;
    int resample_every = C->resample_every > 0 ? C->resample_every : (int)(total / 10 > 0 ? total / 10 : 1);
    int unit_decoder = C->arch != SAE_SEED && !C->l1_decoder;
    int has_aux = t.spec.k_aux > 0 && t.spec.aux_coef > 0;
    const int64_t *val = t.nval ? t.rows + ntrain : t.rows;
    int64_t nval = t.nval ? t.nval : ntrain;
    double best = INFINITY, t0 = now_s();
    int since_best = 0;
    int64_t cells = 0; /* trained this run */
    int hook_series = -1;
    memcpy(t.good, M->p.W_enc, np * sizeof *t.good);
    t.good_thr = M->threshold;

    if (mon) {
        mon_reset(mon, "sae");
        mon->epochs = C->epochs;
        mon->steps_per_epoch = spe;
        for (int s = 0; s < S_N; s++)
            if ((t.series[s] = mon_series_get(mon, series_name[s], series_panel[s], e)) < 0)
                goto out;
        if (M->epoch_fn && (hook_series = mon_series_get(mon, M->epoch_name, 5, e)) < 0)
            goto out;
    }

    for (int ep = 0; ep < C->epochs; ep++) {
        rng_shuffle_i64(&t.r_shuffle, t.rows, ntrain);
        memset(t.fired_epoch, 0, (size_t)m * sizeof *t.fired_epoch);
        double tl = 0;
        for (int64_t st = 0; st < spe; st++) {
            if (stop_requested(mon, stop)) {
                M->fit.stopped = 1;
                goto finish;
            }
            int64_t r0 = st * t.B;
            int B = ntrain - r0 < t.B ? (int)(ntrain - r0) : t.B;
            gather(&t, t.rows + r0, B);
            if (C->l1_warmup > 0) {
                double ramp = (double)(gstep + 1) / (C->l1_warmup * (double)total);
                t.spec.l1 = C->l1 * (ramp < 1 ? ramp : 1);
            }
            t.spec.threshold = M->threshold;
            if (has_aux)
                for (int j = 0; j < m; j++)
                    t.dead[j] = M->since_fired[j] >= C->dead_window;
            double loss = sae_forward_f(&M->p, &t.spec, &t.a, t.xb, B, 1, has_aux ? t.dead : NULL);
            if (!isfinite(loss)) {
                memcpy(M->p.W_enc, t.good, np * sizeof *t.good);
                M->threshold = t.good_thr;
                if (ep == 0)
                    err_set(e, "the loss became %s at epoch 1, step %lld; kept the initial parameters",
                            isnan(loss) ? "NaN" : "infinite", (long long)st + 1);
                else
                    err_set(e, "the loss became %s at epoch %d, step %lld; kept the parameters of epoch %d",
                            isnan(loss) ? "NaN" : "infinite", ep + 1, (long long)st + 1, ep);
                goto out;
            }
            memset(M->g.W_enc, 0, np * sizeof(float));
            sae_backward_f(&M->g, &t.spec, &t.a, t.xb);
            if (unit_decoder) {
                sae_project_rows(M->p.W_dec, M->g.W_dec, m, d);
            } else if (C->arch == SAE_SEED) {
                /* apply_orthogonal_gradient() of the seed, both matrices */
                sae_project_cols(M->p.W_enc, M->g.W_enc, m, d);
                sae_project_rows(M->p.W_dec, M->g.W_dec, m, d);
            }
            M->adam_t++;
            adam_update(M->p.W_enc, M->g.W_enc, M->am.W_enc, M->av.W_enc, NULL, np, &adam, M->adam_t);
            if (unit_decoder)
                sae_renorm_rows(M->p.W_dec, m, d);

            /* dead-feature bookkeeping and the inference threshold */
            sae_acts_count_f(&t.a, t.fired_batch);
            for (int j = 0; j < m; j++) {
                M->since_fired[j] = t.fired_batch[j] ? 0 : M->since_fired[j] + B;
                t.fired_epoch[j] += t.fired_batch[j];
                t.fired_batch[j] = 0;
            }
            if ((C->arch == SAE_BATCHTOPK || C->arch == SAE_MATRYOSHKA) && t.a.kept_min > 0) {
                /* running average of the smallest kept activation (Bussmann et al.) */
                double r = C->thr_rate;
                M->threshold = (float)(M->threshold < 0 ? t.a.kept_min : (1 - r) * M->threshold + r * t.a.kept_min);
            }
            tl += loss;
            gstep++;
            cells += B;
            M->fit.steps++;
            if (C->resample_every >= 0 && gstep % resample_every == 0 && gstep <= total / 2 &&
                resample(&t, e) < 0)
                goto out;
            if (mon) {
                mon->step = st + 1;
                mon->cells_done += B;
                mon_update_rate(mon, now_s() - t0, total);
                if (mon->tick)
                    mon->tick(mon, 0, mon->ctx);
            }
        }

        /* end of epoch: validation metrics, history, early stopping */
        double vl = evaluate(&t, val, nval);
        sae_fit_info *fi = &M->fit;
        fi->epochs_run = ep + 1;
        fi->train_loss = tl / (double)spe;
        fi->val_loss = vl;
        fi->mse = sae_eval_mse(&t.ev, M->scale);
        fi->fvu = sae_eval_fvu(&t.ev);
        fi->l0 = sae_eval_l0(&t.ev);
        fi->dead_share = sae_dead_share(M->since_fired, m, C->dead_window);
        fi->dense_share = sae_dense_share(t.fired_epoch, m, ntrain, C->dense_frac);
        if (mon) {
            double v[S_N] = {fi->train_loss, vl, fi->mse, fi->fvu, fi->l0, fi->dead_share, fi->dense_share};
            for (int s = 0; s < S_N; s++)
                if (mon_push(mon, t.series[s], v[s], e) < 0)
                    goto out;
            if (M->epoch_fn && mon_push(mon, hook_series, M->epoch_fn(M, M->epoch_ctx), e) < 0)
                goto out;
            mon->epoch = ep + 1;
            mon->step = 0;
            mon_update_rate(mon, now_s() - t0, total);
            if (mon->tick)
                mon->tick(mon, 1, mon->ctx);
        }
        if (isfinite(vl)) {
            memcpy(t.good, M->p.W_enc, np * sizeof *t.good);
            t.good_thr = M->threshold;
        }
        if (C->patience > 0) {
            if (vl < best) {
                best = vl;
                since_best = 0;
                memcpy(t.best, M->p.W_enc, np * sizeof *t.best);
                t.best_thr = M->threshold;
                fi->best_epoch = ep + 1;
            } else if (++since_best >= C->patience) {
                fi->early_stopped = 1;
                break;
            }
        }
    }
    /* the seed restores its best validation state at the end of fit() */
    if (C->patience > 0 && C->restore_best && M->fit.best_epoch > 0) {
        memcpy(M->p.W_enc, t.best, np * sizeof *t.best);
        M->threshold = t.best_thr;
    }
finish:
    M->fit.seconds = now_s() - t0;
    M->fit.cells_per_s = M->fit.seconds > 0 ? (double)cells / M->fit.seconds : 0;
    rc = 0;
out:
    sc_blas_restore(blas);
    trainer_free(&t);
    return rc;
}

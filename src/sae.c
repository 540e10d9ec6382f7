/* sae.c: SAE model: configuration, parameter block, initialisation,
 * encode/decode, the decoder-norm projection, and the float and double
 * instances of the kernels (sae_kern_impl.h). */
#include "sae.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rng.h"
#include "threads.h"

#ifdef _OPENMP
#include <omp.h>
static int omp_threads(void)
{
    return omp_in_parallel() ? 1 : omp_get_max_threads();
}
static int omp_thread(void)
{
    return omp_get_thread_num();
}
#else
static int omp_threads(void)
{
    return 1;
}
static int omp_thread(void)
{
    return 0;
}
#endif

#define SAE_REAL float
#define SAE_SFX(name) name##_f
#define SAE_GEMM cblas_sgemm
#include "sae_kern_impl.h"
#undef SAE_REAL
#undef SAE_SFX
#undef SAE_GEMM
#define SAE_REAL double
#define SAE_SFX(name) name##_d
#define SAE_GEMM cblas_dgemm
#include "sae_kern_impl.h"
#undef SAE_REAL
#undef SAE_SFX
#undef SAE_GEMM

static const char *const arch_names[SAE_NARCH] = {"relu-l1", "topk", "batchtopk", "matryoshka", "seed"};

const char *sae_arch_name(sae_arch a)
{
    return a >= 0 && a < SAE_NARCH ? arch_names[a] : "?";
}

int sae_arch_parse(const char *s, sae_arch *out, sc_err *e)
{
    for (int i = 0; i < SAE_NARCH; i++)
        if (strcasecmp(s, arch_names[i]) == 0) {
            *out = (sae_arch)i;
            return 0;
        }
    return err_set(e, "unknown SAE architecture '%s' (expected relu-l1, topk, batchtopk, matryoshka or seed)", s);
}

void sae_config_init(sae_config *c, sae_arch arch)
{
    memset(c, 0, sizeof *c);
    c->arch = arch;
    c->expansion = 16;
    c->aux_coef = 1.0 / 32;
    c->l1 = -1;
    c->l1_warmup = -1;
    c->lr = 1e-3;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->adam_eps = 1e-8;
    c->epochs = 50;
    c->batch_size = 256;
    c->dead_window = 10000;
    c->dense_frac = 0.1;
    c->val_frac = 0.15;
    c->scale_input = 1;
    c->geomed_init = 1;
    c->fit_enc_scale = 1;
    c->thr_rate = 0.01;
    c->restore_best = 1;
    c->path = SAE_PATH_AUTO;
    if (arch == SAE_SEED) {
        /* pedroglrz/sparseSC notebooks/modeling.ipynb: SparseAutoencoder(128,
         * 128*16, lambda_l1=0.001), fit(lr=0.001, n_epochs=1000, patience=50),
         * batch 128, random_split 85/15; no input scaling, zero biases */
        c->l1 = 0.001;
        c->epochs = 1000;
        c->batch_size = 128;
        c->patience = 50;
        c->scale_input = 0;
        c->geomed_init = 0;
        c->fit_enc_scale = 0;
        c->resample_every = -1;
        c->aux_coef = 0;
    }
}

int sae_config_resolve(sae_config *c, int d, sc_err *e)
{
    if (d < 1)
        return err_set(e, "SAE input has %d dimensions", d);
    if (c->arch < 0 || c->arch >= SAE_NARCH)
        return err_set(e, "unknown SAE architecture %d", (int)c->arch);
    if (c->features < 0)
        return err_set(e, "features=%d: must be at least 1", c->features);
    if (c->features == 0) {
        if (!(c->expansion > 0))
            return err_set(e, "expansion=%g: must be positive", c->expansion);
        double f = floor(c->expansion * d + 0.5);
        if (f > (1 << 24))
            return err_set(e, "expansion=%g gives %.0f features (at most %d)", c->expansion, f, 1 << 24);
        c->features = (int)f;
        if (c->features < 1)
            return err_set(e, "expansion=%g on %d inputs gives no feature", c->expansion, d);
    }
    int m = c->features;
    if (m > (1 << 24))
        return err_set(e, "features=%d: at most %d", m, 1 << 24);
    int topk_family = c->arch == SAE_TOPK || c->arch == SAE_BATCHTOPK || c->arch == SAE_MATRYOSHKA;
    if (topk_family) {
        if (c->k < 0)
            return err_set(e, "k=%d: must be at least 1", c->k);
        if (c->k == 0)
            c->k = d / 4 < 1 ? 1 : d / 4 > 32 ? 32 : d / 4;
        if (c->k > m)
            return err_set(e, "k=%d is larger than features=%d", c->k, m);
        if (c->k_aux < 0)
            return err_set(e, "k-aux=%d: must be at least 1", c->k_aux);
        if (c->k_aux == 0)
            c->k_aux = d / 2 < 1 ? 1 : d / 2;
        if (c->k_aux > m)
            c->k_aux = m;
        if (c->aux_coef < 0)
            return err_set(e, "aux-coef=%g: must be >= 0", c->aux_coef);
    } else {
        c->k = 0;
        c->k_aux = 0;
        c->aux_coef = 0;
    }
    if (c->arch == SAE_RELU_L1 || c->arch == SAE_SEED) {
        if (c->l1 < 0 && c->l1 != -1)
            return err_set(e, "l1=%g: must be >= 0", c->l1);
        if (c->l1 == -1)
            c->l1 = 1.0 / d; /* see sae.h */
    } else {
        c->l1 = 0;
    }
    if (c->arch != SAE_RELU_L1)
        c->l1_decoder = 0;
    if (c->l1_warmup < 0)
        c->l1_warmup = c->l1_decoder ? 0.05 : 0;
    if (c->l1_warmup > 1)
        return err_set(e, "l1-warmup=%g: a share of the steps, at most 1", c->l1_warmup);
    if (c->arch != SAE_RELU_L1 || c->l1_decoder)
        c->resample_every = -1; /* resampling belongs to the 2023 recipe */
    if (c->arch == SAE_MATRYOSHKA) {
        if (c->nprefix == 0) {
            for (int p = 8; p < m && c->nprefix < SAE_MAX_PREFIX - 1; p *= 4)
                c->prefix[c->nprefix++] = p;
        }
        if (c->nprefix < 0 || c->nprefix > SAE_MAX_PREFIX)
            return err_set(e, "at most %d matryoshka prefixes", SAE_MAX_PREFIX);
        for (int i = 0; i < c->nprefix; i++) {
            if (c->prefix[i] < 1 || c->prefix[i] > m || (i && c->prefix[i] <= c->prefix[i - 1]))
                return err_set(e, "prefixes must increase within 1..features=%d (prefix %d is %d)", m, i + 1,
                               c->prefix[i]);
        }
        if (c->nprefix == 0 || c->prefix[c->nprefix - 1] != m) {
            if (c->nprefix == SAE_MAX_PREFIX)
                return err_set(e, "at most %d matryoshka prefixes including all features", SAE_MAX_PREFIX);
            c->prefix[c->nprefix++] = m;
        }
    } else {
        c->nprefix = 1;
        c->prefix[0] = m;
    }
    if (!(c->lr > 0) || !isfinite(c->lr))
        return err_set(e, "lr=%g: must be positive", c->lr);
    if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) || !(c->adam_eps > 0))
        return err_set(e, "Adam betas must lie in [0, 1) and eps be positive");
    if (c->epochs < 1)
        return err_set(e, "epochs=%d: must be at least 1", c->epochs);
    if (c->batch_size < 1)
        return err_set(e, "batch-size=%d: must be at least 1", c->batch_size);
    if (c->batch_size > (1 << 20))
        return err_set(e, "batch-size=%d: at most %d", c->batch_size, 1 << 20);
    if (c->dead_window < 1)
        return err_set(e, "dead-window=%lld: must be at least 1 cell", (long long)c->dead_window);
    if (!(c->dense_frac > 0 && c->dense_frac <= 1))
        return err_set(e, "dense share threshold %g: must lie in (0, 1]", c->dense_frac);
    if (!(c->val_frac >= 0 && c->val_frac <= 0.5))
        return err_set(e, "val-frac=%g: must lie in [0, 0.5]", c->val_frac);
    if (c->patience < 0)
        return err_set(e, "patience=%d: must be >= 0", c->patience);
    if (c->patience > 0 && c->val_frac == 0)
        return err_set(e, "early stopping (patience=%d) needs a validation share (val-frac > 0)", c->patience);
    if (!(c->thr_rate > 0 && c->thr_rate <= 1))
        return err_set(e, "threshold rate %g: must lie in (0, 1]", c->thr_rate);
    return 0;
}

void sae_slices(float *base, int d, int m, sae_params *out)
{
    out->W_enc = base;
    out->b_enc = out->W_enc + (size_t)m * d;
    out->W_dec = out->b_enc + m;
    out->b_dec = out->W_dec + (size_t)m * d;
}

static size_t phys_mem(void)
{
#ifdef _SC_PHYS_PAGES
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0)
        return (size_t)pages * (size_t)psz;
#endif
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    if (f) {
        if (fscanf(f, "MemTotal: %llu kB", &kb) != 1)
            kb = 0;
        fclose(f);
    }
    return kb ? (size_t)kb * 1024 : (size_t)8 << 30;
}

size_t sae_bytes_needed(const sae_config *c, int d, int64_t n)
{
    double m = c->features, B = c->batch_size, P = c->nprefix > 0 ? c->nprefix : 1;
    double np = 2 * m * d + m + d;
    double bytes = 6 * np * 4;               /* params, grads, Adam m and v, best and last-good copies */
    bytes += 5 * B * m * 4 * 2;              /* z, f, df, sel, seli; training and encode buffers */
    bytes += (B * m + B * (c->k_aux + 1)) * 16 * 2; /* entry lists */
    bytes += (2 * P + 5) * B * d * 4 * 2;
    if (c->arch == SAE_SEED)
        bytes += 4 * m * d * 4 * 2;
    bytes += m * 8 * 4 + (double)n * 8;       /* dead counters, firing counts, permutation */
    return bytes > 1e18 ? (size_t)-1 : (size_t)bytes;
}

void sae_free(sae_model *m)
{
    if (!m)
        return;
    free(m->mem);
    free(m->since_fired);
    free(m);
}

/* Random unit vector rows. */
static void random_rows(rng *r, float *W, int m, int d, double norm)
{
    for (int j = 0; j < m; j++) {
        float *w = W + (size_t)j * d;
        double ss = 0;
        for (int c = 0; c < d; c++) {
            w[c] = (float)rng_normal(r);
            ss += (double)w[c] * w[c];
        }
        double s = ss > 0 ? norm / sqrt(ss) : 0;
        for (int c = 0; c < d; c++)
            w[c] = (float)(w[c] * s);
    }
}

static void renorm_cols(float *W, int m, int d);

static void init_params(sae_model *M)
{
    int d = M->d, m = M->m;
    rng r0, r;
    rng_seed(&r0, M->cfg.seed);
    rng_split(&r0, 1, &r);
    sae_params *p = &M->p;
    if (M->cfg.arch == SAE_SEED) {
        /* torch.nn.init.kaiming_uniform_ (a = 0): U(-sqrt(6/fan_in), +), then
         * the seed normalises W_e per input dimension and W_d per feature */
        double be = sqrt(6.0 / d), bd = sqrt(6.0 / m);
        for (size_t i = 0; i < (size_t)m * d; i++)
            p->W_enc[i] = (float)((2 * rng_uniform(&r) - 1) * be);
        for (size_t i = 0; i < (size_t)m * d; i++)
            p->W_dec[i] = (float)((2 * rng_uniform(&r) - 1) * bd);
        renorm_cols(p->W_enc, m, d);
        sae_renorm_rows(p->W_dec, m, d);
        return;
    }
    /* decoder rows in random directions (unit norm; 0.1 for the decoder-
     * weighted L1 whose decoder is free), encoder = decoder transpose */
    random_rows(&r, p->W_dec, m, d, M->cfg.l1_decoder ? 0.1 : 1.0);
    memcpy(p->W_enc, p->W_dec, (size_t)m * d * sizeof(float));
}

int sae_create(sae_model **out, int d, const sae_config *cfg, sc_err *e)
{
    *out = NULL;
    sae_config c = *cfg;
    if (sae_config_resolve(&c, d, e) < 0)
        return -1;
    size_t need = sae_bytes_needed(&c, d, 0), lim = c.mem_limit ? c.mem_limit : phys_mem() / 10 * 8;
    if (need > lim)
        return err_set(e,
                       "an SAE with %d features on %d inputs and batch size %d needs %.2f GiB, "
                       "more than the limit of %.2f GiB; lower features= or batch-size=",
                       c.features, d, c.batch_size, need / 1073741824.0, lim / 1073741824.0);
    sae_model *M = sc_calloc(e, 1, sizeof *M);
    if (!M)
        return -1;
    M->cfg = c;
    M->d = d;
    M->m = c.features;
    int m = M->m;
    M->sizes[0] = (size_t)m * d;
    M->sizes[1] = (size_t)m;
    M->sizes[2] = (size_t)m * d;
    M->sizes[3] = (size_t)d;
    for (int i = 0; i < SAE_NTENSOR; i++)
        M->nparams += M->sizes[i];
    M->mem = sc_calloc(e, 4 * M->nparams, sizeof(float));
    M->since_fired = sc_calloc(e, (size_t)m, sizeof *M->since_fired);
    if (!M->mem || !M->since_fired) {
        sae_free(M);
        return -1;
    }
    sae_slices(M->mem, d, m, &M->p);
    sae_slices(M->mem + M->nparams, d, m, &M->g);
    sae_slices(M->mem + 2 * M->nparams, d, m, &M->am);
    sae_slices(M->mem + 3 * M->nparams, d, m, &M->av);
    M->scale = 1;
    M->threshold = -1;
    init_params(M);
    *out = M;
    return 0;
}

void sae_spec_of(const sae_model *M, sae_spec *s)
{
    memset(s, 0, sizeof *s);
    s->arch = M->cfg.arch;
    s->d = M->d;
    s->m = M->m;
    s->k = M->cfg.k;
    s->k_aux = M->cfg.k_aux;
    s->l1 = M->cfg.l1;
    s->l1_decoder = M->cfg.l1_decoder;
    s->aux_coef = M->cfg.aux_coef;
    s->nprefix = M->cfg.nprefix;
    memcpy(s->prefix, M->cfg.prefix, sizeof s->prefix);
    s->threshold = M->threshold;
    s->path = M->cfg.path;
}

/* --- decoder-norm projection ------------------------------------------------ */

void sae_project_rows(const float *W, float *G, int m, int d)
{
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
    for (int j = 0; j < m; j++) {
        const float *w = W + (size_t)j * d;
        float *g = G + (size_t)j * d, ww = 0, gw = 0;
SAE_OMP("omp simd reduction(+ : ww, gw)")
        for (int c = 0; c < d; c++) {
            ww += w[c] * w[c];
            gw += g[c] * w[c];
        }
        if (ww > 0) {
            float t = gw / ww; /* exact for unit rows, right for any */
SAE_OMP("omp simd")
            for (int c = 0; c < d; c++)
                g[c] -= t * w[c];
        }
    }
}

void sae_renorm_rows(float *W, int m, int d)
{
SAE_OMP("omp parallel for schedule(static) if ((double)m * d >= SAE_PAR_MIN)")
    for (int j = 0; j < m; j++) {
        float *w = W + (size_t)j * d, ss = 0;
SAE_OMP("omp simd reduction(+ : ss)")
        for (int c = 0; c < d; c++)
            ss += w[c] * w[c];
        if (ss > 0) {
            float s = 1.0f / sqrtf(ss);
SAE_OMP("omp simd")
            for (int c = 0; c < d; c++)
                w[c] *= s;
        }
    }
}

void sae_project_cols(const float *W, float *G, int m, int d)
{
    double *nn = calloc((size_t)d * 2, sizeof *nn);
    if (!nn)
        return; /* 2 d doubles: only fails when nothing else would work either */
    double *gw = nn + d;
    for (int j = 0; j < m; j++)
        for (int c = 0; c < d; c++) {
            double w = W[(size_t)j * d + c];
            nn[c] += w * w;
            gw[c] += G[(size_t)j * d + c] * w;
        }
    for (int j = 0; j < m; j++)
        for (int c = 0; c < d; c++)
            if (nn[c] > 0)
                G[(size_t)j * d + c] -= (float)(gw[c] / nn[c] * W[(size_t)j * d + c]);
    free(nn);
}

/* The seed's init: each column of W scaled to unit norm. */
static void renorm_cols(float *W, int m, int d)
{
    for (int c = 0; c < d; c++) {
        double ss = 0;
        for (int j = 0; j < m; j++)
            ss += (double)W[(size_t)j * d + c] * W[(size_t)j * d + c];
        float s = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
        for (int j = 0; j < m; j++)
            W[(size_t)j * d + c] *= s;
    }
}

/* --- encode / decode -------------------------------------------------------- */

void sae_csr_free(sae_csr *c)
{
    free(c->indptr);
    free(c->indices);
    free(c->data);
    memset(c, 0, sizeof *c);
}

#define SAE_CHUNK 1024

/* Run the inference forward pass chunk by chunk; `each` sees every chunk. */
typedef int (*chunk_fn)(const sae_model *M, const sae_acts *a, int64_t row0, int B, void *ctx, sc_err *e);

static int for_chunks(const sae_model *M, const float *X, int64_t n, chunk_fn each, void *ctx, sc_err *e)
{
    sae_spec s;
    sae_spec_of(M, &s);
    sae_acts a;
    int B = n < SAE_CHUNK ? (int)(n > 0 ? n : 1) : SAE_CHUNK;
    int d = M->d, rc = 0;
    if (sae_acts_alloc_f(&a, &s, B, e) < 0)
        return -1;
    float *xs = sc_calloc(e, (size_t)B * d, sizeof *xs);
    if (!xs) {
        sae_acts_free_f(&a);
        return -1;
    }
    int blas = sc_blas_single();
    for (int64_t r0 = 0; r0 < n && rc == 0; r0 += B) {
        int b = n - r0 < B ? (int)(n - r0) : B;
        for (size_t i = 0; i < (size_t)b * d; i++)
            xs[i] = X[(size_t)r0 * d + i] * M->scale;
        sae_forward_f(&M->p, &s, &a, xs, b, 0, NULL);
        rc = each(M, &a, r0, b, ctx, e);
    }
    sc_blas_restore(blas);
    free(xs);
    sae_acts_free_f(&a);
    return rc;
}

typedef struct enc_ctx {
    sae_csr *out;
    int64_t cap;
    int32_t *ri;
    float *rv;
} enc_ctx;

static int enc_chunk(const sae_model *M, const sae_acts *a, int64_t row0, int B, void *ctx, sc_err *e)
{
    enc_ctx *c = ctx;
    sae_csr *o = c->out;
    for (int b = 0; b < B; b++) {
        int n = sae_acts_row_f(a, b, c->ri, c->rv);
        int64_t at = o->indptr[row0 + b];
        if (at + n > c->cap) {
            int64_t cap = c->cap * 2 > at + n ? c->cap * 2 : at + n;
            int32_t *ni = realloc(o->indices, (size_t)cap * sizeof *ni);
            if (ni)
                o->indices = ni;
            float *nv = ni ? realloc(o->data, (size_t)cap * sizeof *nv) : NULL;
            if (nv)
                o->data = nv;
            if (!ni || !nv)
                return err_set(e, "out of memory storing %lld SAE activations", (long long)cap);
            c->cap = cap;
        }
        memcpy(o->indices + at, c->ri, (size_t)n * sizeof *c->ri);
        memcpy(o->data + at, c->rv, (size_t)n * sizeof *c->rv);
        o->indptr[row0 + b + 1] = at + n;
    }
    (void)M;
    return 0;
}

int sae_encode(const sae_model *M, const float *X, int64_t n, sae_csr *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (n < 0)
        return err_set(e, "sae encode: %lld cells", (long long)n);
    enc_ctx c = {out, 0, NULL, NULL};
    out->nrows = n;
    out->ncols = M->m;
    out->indptr = sc_calloc(e, (size_t)n + 1, sizeof *out->indptr);
    c.cap = n * (M->cfg.k > 0 ? M->cfg.k : 16) + 1;
    out->indices = sc_calloc(e, (size_t)c.cap, sizeof *out->indices);
    out->data = sc_calloc(e, (size_t)c.cap, sizeof *out->data);
    c.ri = sc_calloc(e, (size_t)M->m, sizeof *c.ri);
    c.rv = sc_calloc(e, (size_t)M->m, sizeof *c.rv);
    int rc = -1;
    if (out->indptr && out->indices && out->data && c.ri && c.rv)
        rc = n > 0 ? for_chunks(M, X, n, enc_chunk, &c, e) : 0;
    free(c.ri);
    free(c.rv);
    if (rc < 0)
        sae_csr_free(out);
    return rc;
}

static int rec_chunk(const sae_model *M, const sae_acts *a, int64_t row0, int B, void *ctx, sc_err *e)
{
    float *out = ctx;
    const float *full = a->xhat + (size_t)(a->P - 1) * B * M->d;
    float inv = 1.0f / M->scale;
    for (size_t i = 0; i < (size_t)B * M->d; i++)
        out[(size_t)row0 * M->d + i] = full[i] * inv;
    (void)e;
    return 0;
}

int sae_reconstruct(const sae_model *M, const float *X, int64_t n, float *out, sc_err *e)
{
    return n > 0 ? for_chunks(M, X, n, rec_chunk, out, e) : 0;
}

int sae_decode(const sae_model *M, const sae_csr *f, float *out, sc_err *e)
{
    int d = M->d, m = M->m;
    if (f->ncols != m)
        return err_set(e, "sae decode: activations have %d features, the model %d", (int)f->ncols, m);
    if (f->nrows < 0 || !f->indptr || f->indptr[0] != 0)
        return err_set(e, "sae decode: activations: bad row pointers");
    for (int64_t i = 0; i < f->nrows; i++)
        if (f->indptr[i + 1] < f->indptr[i])
            return err_set(e, "sae decode: activations: row pointers decrease at row %lld", (long long)i);
    for (int64_t t = 0; t < f->indptr[f->nrows]; t++)
        if (f->indices[t] < 0 || f->indices[t] >= m)
            return err_set(e, "sae decode: activation entry %lld names feature %d of %d", (long long)t,
                           (int)f->indices[t], m);
    float *nrm = sc_calloc(e, (size_t)m, sizeof *nrm);
    if (!nrm)
        return -1;
    for (int j = 0; j < m; j++) {
        /* the seed decodes with unit-normalised rows */
        double ss = 0;
        const float *w = M->p.W_dec + (size_t)j * d;
        if (M->cfg.arch == SAE_SEED)
            for (int c = 0; c < d; c++)
                ss += (double)w[c] * w[c];
        nrm[j] = M->cfg.arch == SAE_SEED ? (float)(1.0 / sqrt(ss)) : 1.0f;
    }
    float inv = 1.0f / M->scale;
SAE_OMP("omp parallel for schedule(static) if ((double)f->indptr[f->nrows] * d >= SAE_PAR_MIN)")
    for (int64_t i = 0; i < f->nrows; i++) {
        float *o = out + (size_t)i * d;
        memcpy(o, M->p.b_dec, (size_t)d * sizeof *o);
        for (int64_t t = f->indptr[i]; t < f->indptr[i + 1]; t++) {
            int j = f->indices[t];
            axpy_f(f->data[t] * nrm[j], M->p.W_dec + (size_t)j * d, o, d);
        }
        for (int c = 0; c < d; c++)
            o[c] *= inv;
    }
    free(nrm);
    return 0;
}

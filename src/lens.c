/* lens.c: the gene lens of SAE features and `steer` (lens.h).
 *
 * The lens answers "what does this feature do to expression?" through the
 * model that produced the latent, rather than through correlation:
 *
 *   z0    the mean over all cells of the posterior mean latent (the SAE's
 *         input, the same numbers the SAE read);
 *   a_j   feature j's typical activation: the median of its non-zero
 *         activations over all cells (0 for a dead feature, whose lens is 0);
 *   d_j   what one unit of feature j adds to the SAE's reconstruction, in
 *         latent units: W_dec[j] / scale, exactly as sae_decode maps
 *         activations to input units (the seed's architecture also divides
 *         by the row's norm, as its decoder does);
 *   ref   the covariates every decode uses: those of the first cell (lowest
 *         index) of the most common batch (ties: the lower batch code), or
 *         cell 0 without a batch.  One fixed reference keeps the lens one
 *         number per gene; the most common batch is the decoder context
 *         trained on most cells.  Its other covariates come along with it.
 *   lfc_g = log2((p_g(z0 + a_j d_j) + eps) / (p_g(z0) + eps)),
 *         p the decoder's expected proportions (softmax, rows sum to 1) and
 *         eps = LENS_EPS_SHARE / G.
 *
 * The decodes are batched: z0 once, then the live features LENS_CHUNK rows
 * at a time through vae_decode_scale (which runs the decoder in minibatches
 * with sgemm), so memory stays at LENS_CHUNK x G floats besides the table.
 *
 * Only SAEs trained on the VAE latent (on=vae) qualify: an obsm embedding
 * cannot be decoded, and the hidden layer (on=vae-hidden) would need the
 * mean head between the SAE and the decoder. */
#include "lens.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "sae_bind.h"
#include "vae_bind.h"

#define LENS_CHUNK 256       /* features decoded per vae_decode_scale call */
#define STEER_CHUNK 256      /* cells steered per round */

double lens_eps(int64_t ngenes)
{
    return LENS_EPS_SHARE / (double)(ngenes > 0 ? ngenes : 1);
}

static void lens_free(void *p)
{
    lens_table *t = p;
    if (!t)
        return;
    free(t->var_index);
    free(t->lfc);
    free(t->typical);
    free(t);
}

/* Refuse, with what to do instead, unless the session has an SAE on the VAE
 * latent and that VAE bound to the current data. */
static int check_models(session *s, const char *what, sc_err *e)
{
    if (!s->data)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    if (!s->sae || !s->sae->m)
        return err_set(e, "no SAE yet; train one with `sae train` or read one with `sae load`");
    if (!s->vae || !s->vae->m)
        return err_set(e, "%s decodes through the VAE, and there is no VAE yet (the SAE read "
                          "%s); train one with `vae train`, then an SAE with `sae train on=vae`",
                       what, s->sae->source);
    if (strcmp(s->sae->source, "vae") != 0) {
        if (strcmp(s->sae->source, "vae-hidden") == 0)
            return err_set(e, "%s needs an SAE trained on the VAE latent (on=vae); this SAE "
                              "read the encoder's hidden layer (vae-hidden), which reaches the "
                              "decoder only through the mean head",
                           what);
        return err_set(e, "%s needs an SAE trained on the VAE latent (on=vae); this SAE read "
                          "%s, which the VAE cannot decode",
                       what, s->sae->source);
    }
    if (s->sae->m->d != s->vae->m->dims.L)
        return err_set(e, "the SAE reads %d dimensions, the VAE latent has %d; train the SAE "
                          "again with `sae train on=vae`",
                       s->sae->m->d, s->vae->m->dims.L);
    if (!vbind_current(s->vae, s->data) && vbind_attach(s->vae, s->data, e) < 0)
        return -1;
    return 0;
}

/* Median of feature j's non-zero activations (the source sorts each
 * feature's values descending; the active ones come first). */
static double typical_of(const inspect_src *f, int32_t j)
{
    int64_t n = inspect_active(f, j);
    if (n <= 0)
        return 0;
    const float *v = f->val + f->ptr[j];
    return n % 2 ? v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
}

/* Feature j's decoder direction in latent units (see the top of the file). */
static void direction(const sae_model *m, int32_t j, float *out)
{
    const float *w = m->p.W_dec + (size_t)j * m->d;
    double f = 1.0 / m->scale;
    if (m->cfg.arch == SAE_SEED) {
        double ss = 0;
        for (int c = 0; c < m->d; c++)
            ss += (double)w[c] * w[c];
        f = ss > 0 ? f / sqrt(ss) : 0;
    }
    for (int c = 0; c < m->d; c++)
        out[c] = (float)(w[c] * f);
}

/* The first cell of the most common batch (ties: lower code); 0 without. */
static int64_t reference_cell(const vae_bind *b)
{
    int64_t n = b->X.nrows;
    if (!b->has_batch || !b->batch.codes || b->batch.n <= 1 || n == 0)
        return 0;
    int64_t *cnt = calloc((size_t)b->batch.n, sizeof *cnt);
    if (!cnt)
        return 0;
    for (int64_t i = 0; i < n; i++)
        if (b->batch.codes[i] >= 0 && b->batch.codes[i] < b->batch.n)
            cnt[b->batch.codes[i]]++;
    int32_t best = 0;
    for (int32_t k = 1; k < b->batch.n; k++)
        if (cnt[k] > cnt[best])
            best = k;
    free(cnt);
    for (int64_t i = 0; i < n; i++)
        if (b->batch.codes[i] == best)
            return i;
    return 0;
}

/* Fill t->lfc: decode z0, then z0 + a_j d_j for the live features. */
static int compute(session *s, const insp_ctx *c, lens_table *t, sc_err *e)
{
    vae_bind *vb = s->vae;
    vae_model *vm = vb->m;
    const sae_model *sm = s->sae->m;
    const int L = vm->dims.L;
    const int64_t G = vm->dims.G, n = c->ncells;
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(vb, covp);
    double *mean = sc_calloc(e, (size_t)L, sizeof *mean);
    float *z0 = sc_calloc(e, (size_t)L, sizeof *z0);
    float *dir = sc_calloc(e, (size_t)L, sizeof *dir);
    float *p0 = sc_calloc(e, (size_t)G, sizeof *p0);
    float *Z = sc_calloc(e, (size_t)LENS_CHUNK * L, sizeof *Z);
    float *P = sc_calloc(e, (size_t)LENS_CHUNK * G, sizeof *P);
    int64_t *cells = sc_calloc(e, LENS_CHUNK, sizeof *cells);
    int32_t *live = sc_calloc(e, (size_t)t->nfeat + 1, sizeof *live);
    int rc = -1;
    if (!mean || !z0 || !dir || !p0 || !Z || !P || !cells || !live)
        goto done;
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < L; k++)
            mean[k] += c->dir_X[i * L + k];
    for (int k = 0; k < L; k++)
        z0[k] = (float)(mean[k] / (double)(n ? n : 1));
    for (int i = 0; i < LENS_CHUNK; i++)
        cells[i] = t->ref_cell;
    double t0 = sc_now();
    if (vae_decode_scale(vm, &vd, cells, 1, z0, p0, e) < 0)
        goto done;
    int32_t nlive = 0;
    for (int32_t j = 0; j < t->nfeat; j++)
        if (t->typical[j] > 0)
            live[nlive++] = j;
    const float eps = (float)t->eps;
    for (int32_t q0 = 0; q0 < nlive; q0 += LENS_CHUNK) {
        int32_t B = nlive - q0 < LENS_CHUNK ? nlive - q0 : LENS_CHUNK;
        for (int32_t r = 0; r < B; r++) {
            int32_t j = live[q0 + r];
            direction(sm, j, dir);
            for (int k = 0; k < L; k++)
                Z[(size_t)r * L + k] = z0[k] + (float)t->typical[j] * dir[k];
        }
        if (vae_decode_scale(vm, &vd, cells, B, Z, P, e) < 0)
            goto done;
        for (int32_t r = 0; r < B; r++) {
            float *o = t->lfc + (size_t)live[q0 + r] * G;
            const float *p = P + (size_t)r * G;
            for (int64_t g = 0; g < G; g++)
                o[g] = log2f((p[g] + eps) / (p0[g] + eps));
        }
    }
    t->seconds = sc_now() - t0;
    rc = 0;
done:
    free(mean);
    free(z0);
    free(dir);
    free(p0);
    free(Z);
    free(P);
    free(cells);
    free(live);
    return rc;
}

int lens_get(session *s, insp_ctx *c, const lens_table **out, sc_err *e)
{
    *out = NULL;
    if (c && c->cache[INSP_CACHE_LENS].p && c == s->insp) {
        *out = c->cache[INSP_CACHE_LENS].p;
        return 0;
    }
    if (check_models(s, "the gene lens", e) < 0)
        return -1;
    /* the caller's state may lack the parts needed here; insp_get keeps the
     * same object unless the session changed under it */
    if (insp_get(s, INSP_FEAT | INSP_DIR, &c, e) < 0)
        return -1;
    if (c->cache[INSP_CACHE_LENS].p) {
        *out = c->cache[INSP_CACHE_LENS].p;
        return 0;
    }
    if (strcmp(c->dir_source, "vae") != 0 || c->dir_dims != s->vae->m->dims.L)
        return err_set(e, "the gene lens: the inspected latent is %s, not the VAE latent",
                       c->dir_source);
    vae_bind *vb = s->vae;
    lens_table *t = sc_calloc(e, 1, sizeof *t);
    if (!t)
        return -1;
    t->nfeat = c->feat.nview;
    t->ngenes = vb->ngenes;
    t->genes = (const char *const *)vb->genes;
    t->eps = lens_eps(t->ngenes);
    t->ref_cell = reference_cell(vb);
    t->var_index = sc_calloc(e, (size_t)t->ngenes + 1, sizeof *t->var_index);
    t->lfc = sc_calloc(e, (size_t)t->nfeat * (size_t)t->ngenes + 1, sizeof *t->lfc);
    t->typical = sc_calloc(e, (size_t)t->nfeat + 1, sizeof *t->typical);
    if (!t->var_index || !t->lfc || !t->typical ||
        names_lookup(t->genes, t->ngenes, s->data->var.index, s->data->X.ncols, t->var_index, e) < 0) {
        lens_free(t);
        return -1;
    }
    for (int32_t j = 0; j < t->nfeat; j++)
        t->typical[j] = typical_of(&c->feat, j);
    if (compute(s, c, t, e) < 0) {
        lens_free(t);
        return -1;
    }
    insp_cache_set(c, INSP_CACHE_LENS, t, lens_free, "");
    *out = t;
    return 0;
}

int lens_varm(const lens_table *t, const sc_dataset *d, float **out, sc_err *e)
{
    *out = NULL;
    int64_t nv = d->X.ncols;
    size_t cnt = (size_t)nv * (size_t)t->nfeat;
    float *M = sc_calloc(e, cnt ? cnt : 1, sizeof *M);
    int64_t *row = sc_calloc(e, (size_t)t->ngenes + 1, sizeof *row);
    if (!M || !row || names_lookup(t->genes, t->ngenes, d->var.index, d->X.ncols, row, e) < 0) {
        free(M);
        free(row);
        return -1;
    }
    for (size_t i = 0; i < cnt; i++)
        M[i] = NAN;
    for (int64_t g = 0; g < t->ngenes; g++) {
        if (row[g] < 0)
            continue;
        float *o = M + (size_t)row[g] * t->nfeat;
        for (int32_t j = 0; j < t->nfeat; j++)
            o[j] = t->lfc[(size_t)j * t->ngenes + g];
    }
    free(row);
    *out = M;
    return 0;
}

void lens_steer_free(lens_steer_res *r)
{
    free(r->lfc);
    memset(r, 0, sizeof *r);
}

/* f with feature j set to v in every row (inserted in index order when
 * absent, kept as a stored zero when v = 0: sae_decode adds nothing). */
static int clamp_feature(const sae_csr *f, int32_t j, float v, sae_csr *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->nrows = f->nrows;
    out->ncols = f->ncols;
    int64_t nnz = f->indptr[f->nrows] + f->nrows;
    out->indptr = sc_calloc(e, (size_t)f->nrows + 1, sizeof *out->indptr);
    out->indices = sc_calloc(e, (size_t)nnz + 1, sizeof *out->indices);
    out->data = sc_calloc(e, (size_t)nnz + 1, sizeof *out->data);
    if (!out->indptr || !out->indices || !out->data) {
        sae_csr_free(out);
        return -1;
    }
    int64_t w = 0;
    for (int64_t i = 0; i < f->nrows; i++) {
        int done = 0;
        for (int64_t t = f->indptr[i]; t < f->indptr[i + 1]; t++) {
            int32_t k = f->indices[t];
            if (!done && k >= j) {
                out->indices[w] = j;
                out->data[w++] = v;
                done = 1;
                if (k == j)
                    continue;
            }
            out->indices[w] = k;
            out->data[w++] = f->data[t];
        }
        if (!done) {
            out->indices[w] = j;
            out->data[w++] = v;
        }
        out->indptr[i + 1] = w;
    }
    return 0;
}

int lens_steer(session *s, int32_t feat, double value, lens_steer_res *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (check_models(s, "steering", e) < 0)
        return -1;
    insp_ctx *c;
    if (insp_get(s, INSP_FEAT | INSP_DIR, &c, e) < 0)
        return -1;
    int32_t view;
    if (insp_feature(c, feat, &view, e) < 0)
        return -1;
    if (!isfinite(value))
        return err_set(e, "value=%g: expected a finite number", value);
    if (strcmp(c->dir_source, "vae") != 0)
        return err_set(e, "the inspected latent is %s, not the VAE latent", c->dir_source);
    vae_bind *vb = s->vae;
    vae_model *vm = vb->m;
    const sae_model *sm = s->sae->m;
    const int L = vm->dims.L;
    const int64_t G = vm->dims.G, n = c->ncells;
    int64_t ncells = s->sel ? s->nsel : n;
    if (ncells <= 0)
        return err_set(e, "the selection (%s) has no cells; `select all` clears it",
                       s->sel_desc);
    out->feat = feat;
    out->value = value;
    out->typical = typical_of(&c->feat, feat);
    out->ngenes = G;
    out->genes = (const char *const *)vb->genes;
    out->eps = lens_eps(G);
    out->lfc = sc_calloc(e, (size_t)G + 1, sizeof *out->lfc);
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(vb, covp);
    int64_t *cells = sc_calloc(e, STEER_CHUNK, sizeof *cells);
    float *X = sc_calloc(e, (size_t)STEER_CHUNK * L, sizeof *X);
    float *Z = sc_calloc(e, (size_t)STEER_CHUNK * L, sizeof *Z);
    float *Z2 = sc_calloc(e, (size_t)STEER_CHUNK * L, sizeof *Z2);
    float *P = sc_calloc(e, (size_t)STEER_CHUNK * G, sizeof *P);
    float *P2 = sc_calloc(e, (size_t)STEER_CHUNK * G, sizeof *P2);
    int rc = -1;
    if (!out->lfc || !cells || !X || !Z || !Z2 || !P || !P2)
        goto done;
    const double eps = out->eps;
    double before = 0;
    int64_t next = 0; /* next cell to consider */
    for (int64_t done_cells = 0; done_cells < ncells;) {
        int B = 0;
        for (; next < n && B < STEER_CHUNK; next++)
            if (!s->sel || s->sel[next])
                cells[B++] = next;
        if (B == 0)
            break; /* selection count out of step with the mask */
        for (int b = 0; b < B; b++)
            memcpy(X + (size_t)b * L, c->dir_X + cells[b] * L, (size_t)L * sizeof *X);
        sae_csr f = {0}, f2 = {0};
        if (sae_encode(sm, X, B, &f, e) < 0)
            goto done;
        for (int b = 0; b < B; b++)
            for (int64_t t = f.indptr[b]; t < f.indptr[b + 1]; t++)
                if (f.indices[t] == feat) {
                    before += f.data[t];
                    out->nactive += f.data[t] > 0;
                }
        int ok = clamp_feature(&f, feat, (float)value, &f2, e) == 0 &&
                 sae_decode(sm, &f, Z, e) == 0 && sae_decode(sm, &f2, Z2, e) == 0 &&
                 vae_decode_scale(vm, &vd, cells, B, Z, P, e) == 0 &&
                 vae_decode_scale(vm, &vd, cells, B, Z2, P2, e) == 0;
        sae_csr_free(&f);
        sae_csr_free(&f2);
        if (!ok)
            goto done;
        for (int b = 0; b < B; b++) {
            const float *p = P + (size_t)b * G, *p2 = P2 + (size_t)b * G;
            for (int64_t g = 0; g < G; g++)
                out->lfc[g] += log2(((double)p2[g] + eps) / ((double)p[g] + eps));
        }
        done_cells += B;
        out->ncells += B;
    }
    for (int64_t g = 0; g < G; g++)
        out->lfc[g] /= (double)(out->ncells ? out->ncells : 1);
    out->mean_before = out->ncells ? before / (double)out->ncells : 0;
    rc = 0;
done:
    free(cells);
    free(X);
    free(Z);
    free(Z2);
    free(P);
    free(P2);
    if (rc < 0)
        lens_steer_free(out);
    return rc;
}

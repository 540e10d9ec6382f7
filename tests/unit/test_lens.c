/* test_lens.c: the gene lens, lens_varm and steering (lens.h), on simulated
 * data with a VAE on highly variable genes (so some genes are outside the
 * model) and SAEs trained through the command layer or built by hand.
 *
 * Every number is checked against a recomputation that does not go through
 * lens.c: z0 from vae_latent, the typical activation as a median of the
 * activation matrix, the feature's step in latent units as the difference of
 * two sae_decode calls, the reference cell from the obs batch column, the
 * proportions from vae_decode_scale.  Steering is checked on a hand-built
 * SAE whose reconstruction is known exactly (identity features plus a
 * feature that is always on), and on a trained SAE, where ablating a
 * cell-type feature must lower that type's marker genes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "insp.h"
#include "lens.h"
#include "sae.h"
#include "sae_bind.h"
#include "session.h"
#include "tap.h"
#include "cmd_test.h"
#include "vae_bind.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median of feature j's positive activations, from the CSR by sorting. */
static double brute_typical(const sae_csr *A, int32_t j)
{
    float *v = malloc((size_t)A->indptr[A->nrows] * sizeof *v + 1);
    int64_t n = 0;
    for (int64_t t = 0; t < A->indptr[A->nrows]; t++)
        if (A->indices[t] == j && A->data[t] > 0)
            v[n++] = A->data[t];
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    double m = n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + v[n / 2]);
    free(v);
    return m;
}

/* The first cell of the most common category of obs column `col`. */
static int64_t brute_ref(const sc_dataset *d, const char *col)
{
    int k = frame_find(&d->obs, col);
    const sc_column *c = &d->obs.cols[k];
    int64_t *cnt = calloc((size_t)c->ncats, sizeof *cnt);
    for (int64_t i = 0; i < d->X.nrows; i++)
        cnt[c->codes[i]]++;
    int32_t best = 0;
    for (int32_t q = 1; q < c->ncats; q++)
        if (cnt[q] > cnt[best])
            best = q;
    free(cnt);
    for (int64_t i = 0; i < d->X.nrows; i++)
        if (c->codes[i] == best)
            return i;
    return -1;
}

/* Posterior mean latent of every cell (n x L), straight from the VAE. */
static float *latent(session *s)
{
    sc_err e = {{0}};
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(s->vae, covp);
    float *Z = calloc((size_t)s->vae->X.nrows * s->vae->m->dims.L, sizeof *Z);
    if (vae_latent(s->vae->m, &vd, Z, &e) < 0) {
        tap_diag("vae_latent: %s", e.msg);
        free(Z);
        return NULL;
    }
    return Z;
}

/* The lens of feature j recomputed: decode z0 and z0 + (decode(a e_j) -
 * decode(0)) with the reference cell's covariates; worst |difference|. */
static double brute_lens_diff(session *s, const lens_table *t, int32_t j, double a, int64_t ref)
{
    sc_err e = {{0}};
    vae_model *vm = s->vae->m;
    const sae_model *sm = s->sae->m;
    const int L = vm->dims.L;
    const int64_t G = vm->dims.G, n = s->vae->X.nrows;
    float *Z = latent(s);
    double *z0 = calloc((size_t)L, sizeof *z0);
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < L; k++)
            z0[k] += Z[i * L + k] / (double)n;
    /* two activation rows: {j: a} and nothing */
    int64_t ptr[3] = {0, 1, 1};
    int32_t idx[1] = {j};
    float val[1] = {(float)a};
    sae_csr f = {2, sm->m, ptr, idx, val};
    float *dec = calloc((size_t)2 * L, sizeof *dec), *zz = calloc((size_t)2 * L, sizeof *zz);
    float *P = calloc((size_t)2 * G, sizeof *P);
    int64_t cells[2] = {ref, ref};
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(s->vae, covp);
    double worst = INFINITY;
    if (sae_decode(sm, &f, dec, &e) == 0) {
        for (int k = 0; k < L; k++) {
            zz[k] = (float)(z0[k] + (dec[k] - dec[L + k]));
            zz[L + k] = (float)z0[k];
        }
        if (vae_decode_scale(vm, &vd, cells, 2, zz, P, &e) == 0) {
            double eps = 0.01 / (double)G;
            worst = 0;
            for (int64_t g = 0; g < G; g++) {
                double want = log2((P[g] + eps) / (P[G + g] + eps));
                worst = fmax(worst, fabs(want - t->lfc[(size_t)j * G + g]));
            }
        }
    }
    if (!isfinite(worst))
        tap_diag("brute lens: %s", e.msg);
    free(Z);
    free(z0);
    free(dec);
    free(zz);
    free(P);
    return worst;
}

/* A relu SAE on L dims: features 2i / 2i+1 are +e_i / -e_i (together an
 * exact identity), feature 2L never fires (b_enc -1, decoder e_0) and
 * feature 2L+1 is always on at `on` (W_enc 0, b_enc on, decoder e_0). */
static sae_bind *hand_sae(session *s, float on, sc_err *e)
{
    const int L = s->vae->m->dims.L, m = 2 * L + 2;
    sae_config c;
    sae_config_init(&c, SAE_RELU_L1);
    c.features = m;
    sae_model *M;
    if (sae_config_resolve(&c, L, e) < 0 || sae_create(&M, L, &c, e) < 0)
        return NULL;
    memset(M->p.W_enc, 0, (size_t)m * L * sizeof *M->p.W_enc);
    memset(M->p.W_dec, 0, (size_t)m * L * sizeof *M->p.W_dec);
    memset(M->p.b_enc, 0, (size_t)m * sizeof *M->p.b_enc);
    memset(M->p.b_dec, 0, (size_t)L * sizeof *M->p.b_dec);
    for (int i = 0; i < L; i++) {
        M->p.W_enc[(size_t)(2 * i) * L + i] = 1;
        M->p.W_dec[(size_t)(2 * i) * L + i] = 1;
        M->p.W_enc[(size_t)(2 * i + 1) * L + i] = -1;
        M->p.W_dec[(size_t)(2 * i + 1) * L + i] = -1;
    }
    M->p.b_enc[2 * L] = -1;
    M->p.W_dec[(size_t)(2 * L) * L] = 1;
    M->p.b_enc[2 * L + 1] = on;
    M->p.W_dec[(size_t)(2 * L + 1) * L] = 1;
    M->scale = 1;
    M->trained = 1;
    sae_bind *b = calloc(1, sizeof *b);
    b->m = M;
    snprintf(b->source, sizeof b->source, "vae");
    float *Z = latent(s);
    if (!Z || sae_encode(M, Z, s->vae->X.nrows, &b->acts, e) < 0) {
        free(Z);
        sae_bind_free(b);
        free(b);
        return NULL;
    }
    free(Z);
    return b;
}

/* Steering the always-on feature of hand_sae from `on` to `to` in cells
 * rows[0..n): the SAE reconstructs x + on e_0 exactly, so the steered latent
 * is x + to e_0.  Mean log2 ratio per gene (G), by direct decoding. */
static double *brute_steer(session *s, const int64_t *rows, int64_t n, float on, float to)
{
    sc_err e = {{0}};
    vae_model *vm = s->vae->m;
    const int L = vm->dims.L;
    const int64_t G = vm->dims.G;
    float *Z = latent(s);
    float *A = calloc((size_t)n * L, sizeof *A), *B = calloc((size_t)n * L, sizeof *B);
    float *PA = calloc((size_t)n * G, sizeof *PA), *PB = calloc((size_t)n * G, sizeof *PB);
    double *out = calloc((size_t)G, sizeof *out);
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < L; k++) {
            A[i * L + k] = Z[rows[i] * L + k] + (k == 0 ? on : 0);
            B[i * L + k] = Z[rows[i] * L + k] + (k == 0 ? to : 0);
        }
    const int32_t *covp[VAE_MAX_CAT];
    vae_data vd = vbind_data(s->vae, covp);
    double eps = lens_eps(G);
    if (vae_decode_scale(vm, &vd, rows, n, A, PA, &e) == 0 &&
        vae_decode_scale(vm, &vd, rows, n, B, PB, &e) == 0) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t g = 0; g < G; g++)
                out[g] += log2((PB[i * G + g] + eps) / (PA[i * G + g] + eps)) / (double)n;
    } else {
        tap_diag("brute steer: %s", e.msg);
        free(out);
        out = NULL;
    }
    free(Z);
    free(A);
    free(B);
    free(PA);
    free(PB);
    return out;
}

static double max_abs(const double *v, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

int main(void)
{
    session s;
    session_init(&s);
    s.out = fopen("/dev/null", "w");
    sc_err e = {{0}};

    cmdt_must(&s, "set threads 1");
    cmdt_must(&s, "set verbose 0");
    cmdt_must_fail(&s, "lens 0", "no data loaded");
    cmdt_must(&s, "simulate cells=600 genes=120 types=3 batches=2 conditions=2 seed=3 de-prob=0.1");
    cmdt_must_fail(&s, "lens 0", "no SAE yet");
    cmdt_must(&s, "hvg 80");
    if (!cmdt_must(&s, "vae train epochs=25 latent=6") ||
        !cmdt_must(&s, "sae train arch=topk k=2 features=12 epochs=25"))
        return tap_done();
    cmdt_must_fail(&s, "lens 12", "out of range");
    cmdt_must_fail(&s, "steer 0", "value=X is required");
    cmdt_must_fail(&s, "steer 0 value=1e9", "value");
    cmdt_must(&s, "lens 0 top=3");

    insp_ctx *c = NULL;
    const lens_table *t = NULL;
    if (!tap_ok(insp_get(&s, INSP_FEAT, &c, &e) == 0 && lens_get(&s, c, &t, &e) == 0,
                "lens_get %s", e.msg))
        return tap_done();
    const lens_table *t2 = NULL;
    tap_ok(lens_get(&s, s.insp, &t2, &e) == 0 && t2 == t, "the lens is cached");
    const int64_t G = s.vae->m->dims.G, nvar = s.data->X.ncols;
    tap_ok(t->ngenes == G && G == 80 && nvar == 120 && t->nfeat == 12,
           "lens covers the VAE's %lld genes (of %lld) and %d features", (long long)t->ngenes,
           (long long)nvar, (int)t->nfeat);
    tap_ok(fabs(t->eps - 0.01 / (double)G) < 1e-15, "eps is 1%% of 1/G: %g", t->eps);

    /* reference cell and typical activations */
    int64_t ref = brute_ref(s.data, "batch");
    tap_ok(t->ref_cell == ref, "reference cell %lld: the first of the most common batch (%lld)",
           (long long)t->ref_cell, (long long)ref);
    double worst_typ = 0;
    int32_t live = -1;
    for (int32_t j = 0; j < t->nfeat; j++) {
        double b = brute_typical(&s.sae->acts, j);
        worst_typ = fmax(worst_typ, fabs(b - t->typical[j]));
        if (live < 0 && b > 0)
            live = j;
    }
    tap_ok(worst_typ < 1e-6, "typical activations are the medians (worst error %.2g)", worst_typ);
    /* var_index names the same gene */
    int names_ok = 1;
    for (int64_t g = 0; g < t->ngenes; g++)
        names_ok &= t->var_index[g] >= 0 && t->var_index[g] < nvar &&
                    strcmp(s.data->var.index[t->var_index[g]], t->genes[g]) == 0;
    tap_ok(names_ok, "var_index maps every VAE gene to its var row");

    /* brute force on two live features */
    for (int32_t j = live, done = 0; j >= 0 && j < t->nfeat && done < 2; j++) {
        if (t->typical[j] <= 0)
            continue;
        double d = brute_lens_diff(&s, t, j, t->typical[j], ref);
        tap_ok(d < 2e-4, "feature %d: lens matches the brute-force decode (worst %.2g)", (int)j,
               d);
        double mx = 0;
        for (int64_t g = 0; g < G; g++)
            mx = fmax(mx, fabs(t->lfc[(size_t)j * G + g]));
        tap_ok(mx > 1e-3, "feature %d: its lens is not flat (max |lfc| %.3f)", (int)j, mx);
        done++;
    }

    /* lens_varm: NaN outside the model, the lens inside */
    float *V = NULL;
    if (tap_ok(lens_varm(t, s.data, &V, &e) == 0, "lens_varm %s", e.msg)) {
        int64_t nan_rows = 0, bad = 0;
        for (int64_t v = 0; v < nvar; v++) {
            int64_t g = -1;
            for (int64_t q = 0; q < t->ngenes && g < 0; q++)
                if (strcmp(t->genes[q], s.data->var.index[v]) == 0)
                    g = q;
            for (int32_t j = 0; j < t->nfeat; j++) {
                float x = V[(size_t)v * t->nfeat + j];
                if (g < 0)
                    bad += !isnan(x);
                else
                    bad += x != t->lfc[(size_t)j * G + g];
            }
            nan_rows += g < 0;
        }
        tap_ok(bad == 0 && nan_rows == nvar - G,
               "varm: %lld rows NaN (genes outside the VAE), the others the lens (%lld wrong)",
               (long long)nan_rows, (long long)bad);
        free(V);
    }

    /* steering the trained SAE: ablate the feature most specific to a cell
     * type and that type's up-regulated markers must fall */
    {
        int k = frame_find(&s.data->obs, "cell_type");
        const sc_column *ct = &s.data->obs.cols[k];
        const sae_csr *A = &s.sae->acts;
        int32_t bestj = -1, bestc = -1;
        double bestp = 0;
        for (int32_t j = 0; j < t->nfeat; j++) {
            int64_t cnt[16] = {0}, tot = 0;
            for (int64_t i = 0; i < A->nrows; i++)
                for (int64_t q = A->indptr[i]; q < A->indptr[i + 1]; q++)
                    if (A->indices[q] == j && A->data[q] > 0 && ct->codes[i] < 16) {
                        cnt[ct->codes[i]]++;
                        tot++;
                    }
            for (int32_t q = 0; q < ct->ncats && tot >= 30; q++)
                if ((double)cnt[q] / (double)tot > bestp) {
                    bestp = (double)cnt[q] / (double)tot;
                    bestj = j;
                    bestc = q;
                }
        }
        tap_ok(bestj >= 0 && bestp > 0.9, "feature %d fires on %s (purity %.2f)", (int)bestj,
               bestc >= 0 ? ct->cats[bestc] : "?", bestp);
        lens_steer_res r;
        if (bestj >= 0 && tap_ok(lens_steer(&s, bestj, 0, &r, &e) == 0, "steer %d value=0 %s",
                                 (int)bestj, e.msg)) {
            /* markers of the type that the simulation raised (de_factor > 1) */
            char prefix[32];
            snprintf(prefix, sizeof prefix, "%s_m", ct->cats[bestc]);
            int dk = frame_find(&s.data->var, "de_factor");
            double sm = 0, so = 0;
            int64_t nm = 0, no = 0;
            for (int64_t g = 0; g < r.ngenes; g++) {
                int64_t v = t->var_index[g];
                double f = dk >= 0 ? s.data->var.cols[dk].num[v] : 2;
                if (strncmp(r.genes[g], prefix, strlen(prefix)) == 0 && f > 1) {
                    sm += r.lfc[g];
                    nm++;
                } else if (strncmp(r.genes[g], "Gene_", 5) == 0) {
                    so += r.lfc[g];
                    no++;
                }
            }
            sm /= (double)(nm ? nm : 1);
            so /= (double)(no ? no : 1);
            tap_ok(nm >= 3 && sm < -0.02 && sm < so - 0.02,
                   "ablating it lowers %lld %s markers by %.3f log2 on average (other genes "
                   "%.3f)", (long long)nm, ct->cats[bestc], sm, so);
            tap_ok(r.ncells == s.data->X.nrows && r.nactive > 0 && r.typical > 0,
                   "steered all %lld cells, %lld active before", (long long)r.ncells,
                   (long long)r.nactive);
            lens_steer_free(&r);
        }
    }

    /* a hand-built SAE with known reconstruction */
    const float on = 1.5f;
    sae_bind *hb = hand_sae(&s, on, &e);
    if (!tap_ok(hb != NULL, "hand-built SAE %s", e.msg))
        return tap_done();
    session_set_sae(&s, hb);
    const int L = s.vae->m->dims.L;
    const int32_t dead = 2 * L, always = 2 * L + 1;
    c = NULL;
    t = NULL;
    if (!tap_ok(insp_get(&s, INSP_FEAT, &c, &e) == 0 && lens_get(&s, c, &t, &e) == 0,
                "lens of the hand-built SAE %s", e.msg))
        return tap_done();
    double dmax = 0;
    for (int64_t g = 0; g < G; g++)
        dmax = fmax(dmax, fabs(t->lfc[(size_t)dead * G + g]));
    tap_ok(t->typical[dead] == 0 && dmax == 0, "a dead feature's lens is 0 (max %g)", dmax);
    tap_ok(fabs(t->typical[always] - on) < 1e-6, "the always-on feature's typical activation "
                                                 "is %g", t->typical[always]);
    double d = brute_lens_diff(&s, t, always, on, t->ref_cell);
    tap_ok(d < 2e-4, "always-on feature: lens matches brute force (worst %.2g)", d);
    d = brute_lens_diff(&s, t, 0, t->typical[0], t->ref_cell);
    tap_ok(t->typical[0] > 0 && d < 2e-4, "identity feature 0: lens matches brute force (worst "
                                          "%.2g)", d);

    /* steer to its own (constant) activation: nothing changes */
    lens_steer_res r;
    if (tap_ok(lens_steer(&s, always, on, &r, &e) == 0, "steer to own activation %s", e.msg)) {
        tap_ok(max_abs(r.lfc, r.ngenes) < 1e-9 && r.nactive == r.ncells &&
                   fabs(r.mean_before - on) < 1e-6,
               "identity: max |lfc| %.2g, active in %lld of %lld cells", max_abs(r.lfc, r.ngenes),
               (long long)r.nactive, (long long)r.ncells);
        lens_steer_free(&r);
    }
    /* steer to 0 in a selection of cells, against direct decoding */
    const int64_t n = s.data->X.nrows;
    uint8_t *sel = calloc((size_t)n, 1);
    int64_t rows[300], nsel = 0;
    for (int64_t i = 0; i < n; i += 3) {
        sel[i] = 1;
        rows[nsel++] = i; /* 200 of 600 cells: one partial chunk */
    }
    s.sel = sel;
    s.nsel = nsel;
    snprintf(s.sel_desc, sizeof s.sel_desc, "every third cell");
    double *want = brute_steer(&s, rows, nsel, on, 0);
    if (want && tap_ok(lens_steer(&s, always, 0, &r, &e) == 0, "steer value=0 %s", e.msg)) {
        double worst = 0;
        for (int64_t g = 0; g < r.ngenes; g++)
            worst = fmax(worst, fabs(r.lfc[g] - want[g]));
        tap_ok(r.ncells == nsel && worst < 1e-4 && max_abs(want, G) > 0.01,
               "steer over %lld selected cells matches direct decoding (worst %.2g, max |lfc| "
               "%.3f)", (long long)r.ncells, worst, max_abs(want, G));
        lens_steer_free(&r);
    }
    free(want);
    /* all cells (three chunks of 256) against direct decoding, steering up */
    s.sel = NULL;
    s.nsel = 0;
    int64_t *all = malloc((size_t)n * sizeof *all);
    for (int64_t i = 0; i < n; i++)
        all[i] = i;
    want = brute_steer(&s, all, n, on, 3);
    if (want && tap_ok(lens_steer(&s, always, 3, &r, &e) == 0, "steer value=3 %s", e.msg)) {
        double worst = 0;
        for (int64_t g = 0; g < r.ngenes; g++)
            worst = fmax(worst, fabs(r.lfc[g] - want[g]));
        tap_ok(r.ncells == n && worst < 1e-4, "steer over all %lld cells matches (worst %.2g)",
               (long long)r.ncells, worst);
        lens_steer_free(&r);
    }
    free(want);
    free(all);
    /* an empty selection is refused */
    memset(sel, 0, (size_t)n);
    s.sel = sel;
    s.nsel = 0;
    tap_ok(lens_steer(&s, always, 0, &r, &e) < 0 && strstr(e.msg, "no cells"),
           "an empty selection is refused: %s", e.msg);
    s.sel = NULL;
    free(sel);

    /* an SAE on the hidden layer is refused, naming the source */
    cmdt_must(&s, "sae train on=vae-hidden arch=topk k=2 features=8 epochs=2");
    cmdt_must_fail(&s, "lens 0", "vae-hidden");
    cmdt_must_fail(&s, "steer 0 value=0", "on=vae");

    fclose(s.out);
    session_free(&s);
    return tap_done();
}

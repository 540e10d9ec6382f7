/* simulate.c: the Splat-style simulator (model in simulate.h).
 *
 * Two phases: a sequential setup draws everything per gene (means, program
 * roles and factors, batch factors, BCV scaling) from streams split off the
 * seed; then cells are sampled in parallel, each from its own stream, into
 * per-chunk buffers that are concatenated in order.  Most counts are zero,
 * so the hot loop first tries to prove a zero from cheap lower bounds of
 * P(0) before paying for the transcendentals of the inversion (see
 * sample_cell). */
#include "simulate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distrib.h"
#include "rng.h"

#define SIM_MITO_SHARE 0.04 /* expected share of counts from MT- genes */
#define SIM_RIBO_SHARE 0.12 /* ... and from RPL/RPS genes */
#define SIM_MITO_CELL_SD 0.3
#define SIM_CHUNK 64 /* cells per work unit of the parallel loop */
#define SIM_RECIP 128 /* reciprocals kept for the NB walk */

/* Stream numbers for the setup draws; cells use streams 0..cells-1. */
enum {
    STREAM_MEANS = -1,
    STREAM_ROLES = -2,
    STREAM_FACTORS = -3,
    STREAM_BATCH = -4,
};

static const char *const mito_names[] = {"MT-ND1", "MT-ND2", "MT-CO1",  "MT-CO2", "MT-ATP8",
                                         "MT-ATP6", "MT-CO3", "MT-ND3", "MT-ND4L", "MT-ND4",
                                         "MT-ND5", "MT-ND6", "MT-CYB"};
#define N_MITO_NAMES ((int)(sizeof mito_names / sizeof mito_names[0]))

void sim_params_default(sim_params *p)
{
    memset(p, 0, sizeof *p);
    p->cells = 2000;
    p->genes = 2000;
    p->types = 5;
    p->batches = 2;
    p->conditions = 2;
    p->seed = 0;
    p->mean_shape = 0.6; /* Splatter's defaults */
    p->mean_rate = 0.3;
    p->out_prob = 0.05;
    p->out_loc = 4;
    p->out_scale = 0.5;
    p->lib_size = 2500;
    p->lib_scale = 0.4;
    p->de_prob = 0.02;
    p->de_down = 0.1;
    p->de_loc = 1.0;
    p->de_scale = 0.5;
    p->cond_prob = 0.02;
    p->cond_loc = 1.5;
    p->cond_scale = 0.5;
    p->batch_effect = 0.2;
    p->bcv_common = 0.1;
    p->bcv_df = 60;
    p->dropout = 0;
    p->dropout_mid = 0;
    p->dropout_shape = -1;
}

/* Genes each part of the gene space gets. */
typedef struct layout {
    int64_t markers; /* per type */
    int64_t cond, mito, ribo;
} layout;

static layout sim_layout(const sim_params *p)
{
    layout l;
    l.markers = p->types > 1 ? llround(p->de_prob * (double)p->genes) : 0;
    if (p->types > 1 && l.markers < 1)
        l.markers = 1;
    l.cond = p->conditions > 1 ? llround(p->cond_prob * (double)p->genes) : 0;
    if (p->conditions > 1 && l.cond < 1)
        l.cond = 1;
    l.mito = p->genes >= 200 ? N_MITO_NAMES : 0;
    l.ribo = p->genes >= 200 ? (p->genes / 40 < 50 ? p->genes / 40 : 50) : 0;
    return l;
}

int sim_check(const sim_params *p, sc_err *e)
{
    if (p->cells < 1 || p->cells > 100000000)
        return err_set(e, "cells=%lld: expected 1 to 100000000", (long long)p->cells);
    if (p->genes < 2 || p->genes > 1000000)
        return err_set(e, "genes=%lld: expected 2 to 1000000", (long long)p->genes);
    if (p->types < 1 || p->types > SIM_MAX_TYPES)
        return err_set(e, "types=%d: expected 1 to %d", p->types, SIM_MAX_TYPES);
    if (p->batches < 1 || p->batches > SIM_MAX_BATCHES)
        return err_set(e, "batches=%d: expected 1 to %d", p->batches, SIM_MAX_BATCHES);
    if (p->conditions < 1 || p->conditions > SIM_MAX_CONDITIONS)
        return err_set(e, "conditions=%d: expected 1 to %d", p->conditions, SIM_MAX_CONDITIONS);
    if (!(p->mean_shape > 0) || !(p->mean_rate > 0) || !(p->lib_size > 0) ||
        !(p->lib_scale >= 0) || !(p->bcv_common >= 0) || !(p->bcv_df > 0) ||
        !(p->de_scale >= 0) || !(p->cond_scale >= 0) || !(p->out_scale >= 0) ||
        !(p->batch_effect >= 0) || !isfinite(p->de_loc) || !isfinite(p->cond_loc) ||
        !isfinite(p->out_loc) || !isfinite(p->dropout_mid) || !isfinite(p->dropout_shape))
        return err_set(e, "simulation parameters out of range");
    if (!(p->de_prob >= 0 && p->de_prob <= 1) || !(p->de_down >= 0 && p->de_down <= 1) ||
        !(p->cond_prob >= 0 && p->cond_prob <= 1) || !(p->out_prob >= 0 && p->out_prob <= 1))
        return err_set(e, "de-prob, cond-prob, out-prob and de-down must be within 0..1");
    layout l = sim_layout(p);
    int64_t need = l.markers * p->types + l.cond + l.mito + l.ribo;
    if (need > p->genes)
        return err_set(e,
                       "genes=%lld is too few: %d types x %lld marker genes + %lld condition "
                       "genes + %lld mito/ribo genes need %lld; lower de-prob or add genes",
                       (long long)p->genes, p->types, (long long)l.markers, (long long)l.cond,
                       (long long)(l.mito + l.ribo), (long long)need);
    return 0;
}

/* "A".."Z", "AA".. (bijective base 26). */
static void type_letters(int k, char *buf, size_t size)
{
    char tmp[16];
    int n = 0;
    k++;
    while (k > 0 && n < (int)sizeof tmp - 1) {
        k--;
        tmp[n++] = (char)('A' + k % 26);
        k /= 26;
    }
    size_t j = 0;
    while (n > 0 && j + 1 < size)
        buf[j++] = tmp[--n];
    buf[j] = '\0';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A category list of n names, the k-th made by set_name. */
static char **names_alloc(int n, sc_err *e)
{
    return sc_calloc(e, (size_t)n, sizeof(char *));
}

static void free_names(char **v, int64_t n)
{
    if (!v)
        return;
    for (int64_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int set_name(char **v, int k, sc_err *e, const char *fmt, ...) SC_PRINTF(4, 5);
static int set_name(char **v, int k, sc_err *e, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    v[k] = sc_strdup(e, buf);
    return v[k] ? 0 : -1;
}

/* TypeA, TypeB, ... then `extra` more slots left for the caller. */
static char **type_names(int T, int extra, sc_err *e)
{
    char **v = names_alloc(T + extra, e);
    for (int k = 0; v && k < T; k++) {
        char letters[16];
        type_letters(k, letters, sizeof letters);
        if (set_name(v, k, e, "Type%s", letters) < 0) {
            free_names(v, T + extra);
            return NULL;
        }
    }
    return v;
}

static char **batch_names(int B, sc_err *e)
{
    char **v = names_alloc(B, e);
    for (int k = 0; v && k < B; k++)
        if (set_name(v, k, e, "batch%d", k + 1) < 0) {
            free_names(v, B);
            return NULL;
        }
    return v;
}

/* ctrl, stim (two conditions) or ctrl, stim1 .. stim(C-1). */
static char **condition_names(int C, sc_err *e)
{
    char **v = names_alloc(C, e);
    if (!v || set_name(v, 0, e, "ctrl") < 0) {
        free_names(v, C);
        return NULL;
    }
    for (int k = 1; k < C; k++) {
        int rc = C == 2 ? set_name(v, k, e, "stim") : set_name(v, k, e, "stim%d", k);
        if (rc < 0) {
            free_names(v, C);
            return NULL;
        }
    }
    return v;
}

/* Per-gene plan shared (read-only) by the cell loop. */
typedef struct gene_plan {
    int64_t G;
    int T, B, C;
    double *mean;    /* G: base mean m_g */
    int32_t *prog;   /* G: type index, T = condition, T + 1 = none */
    uint8_t *mito;   /* G */
    double *fac;     /* G: planted factor (1 for none) */
    double *logfac;  /* G: log of it (condition dose scales it) */
    double *bfac;    /* B x G batch factors */
    double *depth;   /* B */
    double *bcvfac;  /* G: sqrt(df / chisq) */
    double *mustar;  /* G: means up to which the NB size is <= 1 */
    double *tweight; /* T: cumulative type probabilities */
    double recip[SIM_RECIP + 1]; /* 1/k, so the NB walk multiplies */
} gene_plan;

static void plan_free(gene_plan *g)
{
    free(g->mean);
    free(g->prog);
    free(g->mito);
    free(g->fac);
    free(g->logfac);
    free(g->bfac);
    free(g->depth);
    free(g->bcvfac);
    free(g->mustar);
    free(g->tweight);
    memset(g, 0, sizeof *g);
}

static int plan_make(const sim_params *p, const rng *base, gene_plan *g, char ***names_out,
                     sc_err *e)
{
    int64_t G = p->genes;
    memset(g, 0, sizeof *g);
    g->G = G;
    g->T = p->types;
    g->B = p->batches;
    g->C = p->conditions;
    g->mean = sc_calloc(e, (size_t)G, sizeof *g->mean);
    g->prog = g->mean ? sc_calloc(e, (size_t)G, sizeof *g->prog) : NULL;
    g->mito = g->prog ? sc_calloc(e, (size_t)G, 1) : NULL;
    g->fac = g->mito ? sc_calloc(e, (size_t)G, sizeof *g->fac) : NULL;
    g->logfac = g->fac ? sc_calloc(e, (size_t)G, sizeof *g->logfac) : NULL;
    g->bfac = g->logfac ? sc_calloc(e, (size_t)G * (size_t)p->batches, sizeof *g->bfac) : NULL;
    g->depth = g->bfac ? sc_calloc(e, (size_t)p->batches, sizeof *g->depth) : NULL;
    g->bcvfac = g->depth ? sc_calloc(e, (size_t)G, sizeof *g->bcvfac) : NULL;
    g->mustar = g->bcvfac ? sc_calloc(e, (size_t)G, sizeof *g->mustar) : NULL;
    g->tweight = g->mustar ? sc_calloc(e, (size_t)p->types, sizeof *g->tweight) : NULL;
    double *sorted = g->tweight ? sc_calloc(e, (size_t)G, sizeof *sorted) : NULL;
    int64_t *order = sorted ? sc_calloc(e, (size_t)G, sizeof *order) : NULL;
    int64_t *low = order ? sc_calloc(e, (size_t)G, sizeof *low) : NULL;
    char **names = low ? sc_calloc(e, (size_t)G, sizeof *names) : NULL;
    uint8_t *kind = names ? sc_calloc(e, (size_t)G, 1) : NULL; /* 1 mito, 2 ribo */
    if (!kind) {
        free(sorted);
        free(order);
        free(low);
        free(names);
        plan_free(g);
        return -1;
    }

    /* base means with outliers (Splatter's splatSimGeneMeans) */
    rng r;
    rng_split(base, (uint64_t)(int64_t)STREAM_MEANS, &r);
    for (int64_t j = 0; j < G; j++)
        g->mean[j] = dist_gamma(&r, p->mean_shape, 1.0 / p->mean_rate);
    memcpy(sorted, g->mean, (size_t)G * sizeof *sorted);
    qsort(sorted, (size_t)G, sizeof *sorted, cmp_double);
    double median = G % 2 ? sorted[G / 2] : 0.5 * (sorted[G / 2 - 1] + sorted[G / 2]);
    for (int64_t j = 0; j < G; j++)
        if (rng_uniform(&r) < p->out_prob)
            g->mean[j] = median * dist_lognormal(&r, p->out_loc, p->out_scale);

    /* roles: program genes first from the genes above the median (in a
     * random order), then mito and ribo genes, the rest "none" */
    rng_split(base, (uint64_t)(int64_t)STREAM_ROLES, &r);
    for (int64_t j = 0; j < G; j++)
        order[j] = j;
    rng_shuffle_i64(&r, order, G);
    /* stable partition: genes with a high base mean first */
    int64_t nhigh = 0, nlow = 0;
    for (int64_t j = 0; j < G; j++) {
        if (g->mean[order[j]] >= median)
            order[nhigh++] = order[j];
        else
            low[nlow++] = order[j];
    }
    memcpy(order + nhigh, low, (size_t)nlow * sizeof *order);
    layout l = sim_layout(p);
    int none = p->types + 1, cond = p->types;
    for (int64_t j = 0; j < G; j++)
        g->prog[j] = none;
    int64_t at = 0;
    for (int t = 0; t < p->types; t++)
        for (int64_t k = 0; k < l.markers; k++)
            g->prog[order[at++]] = t;
    for (int64_t k = 0; k < l.cond; k++)
        g->prog[order[at++]] = cond;
    /* mito and ribo from the rest, in a fresh random order */
    int64_t nrest = G - at;
    rng_shuffle_i64(&r, order + at, nrest);
    for (int64_t k = 0; k < l.mito; k++)
        kind[order[at++]] = 1;
    for (int64_t k = 0; k < l.ribo; k++)
        kind[order[at++]] = 2;

    /* mito/ribo means: fixed expected shares of the counts */
    double other = 0, wm = 0, wr = 0;
    for (int64_t j = 0; j < G; j++)
        if (!kind[j])
            other += g->mean[j];
    for (int64_t j = 0; j < G; j++)
        if (kind[j]) {
            g->mean[j] = dist_lognormal(&r, 0, 0.5);
            *(kind[j] == 1 ? &wm : &wr) += g->mean[j];
        }
    double rest_share = 1 - (l.mito ? SIM_MITO_SHARE : 0) - (l.ribo ? SIM_RIBO_SHARE : 0);
    for (int64_t j = 0; j < G; j++) {
        if (kind[j] == 1)
            g->mean[j] *= SIM_MITO_SHARE / rest_share * other / wm;
        else if (kind[j] == 2)
            g->mean[j] *= SIM_RIBO_SHARE / rest_share * other / wr;
        g->mito[j] = kind[j] == 1;
    }

    /* program factors */
    rng_split(base, (uint64_t)(int64_t)STREAM_FACTORS, &r);
    for (int64_t j = 0; j < G; j++) {
        double lf = 0;
        if (g->prog[j] < p->types) {
            lf = p->de_loc + p->de_scale * rng_normal(&r);
            if (rng_uniform(&r) < p->de_down)
                lf = -lf;
        } else if (g->prog[j] == cond) {
            lf = p->cond_loc + p->cond_scale * rng_normal(&r);
        }
        g->logfac[j] = lf;
        g->fac[j] = exp(lf);
        g->bcvfac[j] = sqrt(p->bcv_df / dist_chisq(&r, p->bcv_df));
        /* bcv(mu) >= 1 iff mu <= mustar; a hair below it for rounding */
        double lim = 1 / g->bcvfac[j] - p->bcv_common;
        g->mustar[j] = lim <= 0 ? INFINITY : 1 / (lim * lim) * (1 - 1e-9);
    }

    /* batch factors and depths (none with one batch, as in Splatter) */
    rng_split(base, (uint64_t)(int64_t)STREAM_BATCH, &r);
    for (int b = 0; b < p->batches; b++) {
        int on = p->batches > 1;
        g->depth[b] = on ? exp(p->batch_effect * rng_normal(&r)) : 1;
        for (int64_t j = 0; j < G; j++)
            g->bfac[(size_t)b * (size_t)G + (size_t)j] =
                on ? exp(p->batch_effect * rng_normal(&r)) : 1;
    }

    /* type proportions 1 : 1/1.5 : 1/2 : ... (some types rarer than others) */
    double tot = 0;
    for (int t = 0; t < p->types; t++)
        tot += 1.0 / (1 + 0.5 * t);
    double cum = 0;
    for (int t = 0; t < p->types; t++) {
        cum += 1.0 / (1 + 0.5 * t) / tot;
        g->tweight[t] = cum;
    }
    g->tweight[p->types - 1] = 1.0;
    for (int k = 1; k <= SIM_RECIP; k++)
        g->recip[k] = 1.0 / k;

    /* names that show the program, numbered within it in gene order */
    int64_t *count = sc_calloc(e, (size_t)p->types + 2, sizeof *count);
    int64_t nmito = 0, nribo = 0;
    int failed = !count;
    for (int64_t j = 0; j < G && !failed; j++) {
        char buf[64], letters[16];
        if (kind[j] == 1) {
            snprintf(buf, sizeof buf, "%s", mito_names[nmito++ % N_MITO_NAMES]);
        } else if (kind[j] == 2) {
            int64_t k = nribo++;
            int64_t half = (l.ribo + 1) / 2;
            snprintf(buf, sizeof buf, "%s%lld", k < half ? "RPL" : "RPS",
                     (long long)(k < half ? k + 1 : k - half + 1));
        } else if (g->prog[j] < p->types) {
            type_letters(g->prog[j], letters, sizeof letters);
            snprintf(buf, sizeof buf, "Type%s_m%lld", letters, (long long)++count[g->prog[j]]);
        } else if (g->prog[j] == cond) {
            snprintf(buf, sizeof buf, "IFN_%lld", (long long)++count[cond]);
        } else {
            snprintf(buf, sizeof buf, "Gene_%lld", (long long)++count[none]);
        }
        names[j] = sc_strdup(e, buf);
        failed = !names[j];
    }
    free(count);
    free(sorted);
    free(order);
    free(low);
    free(kind);
    if (failed) {
        free_names(names, G);
        plan_free(g);
        return -1;
    }
    *names_out = names;
    return 0;
}

/* One chunk's output: entries of its cells, in order. */
typedef struct chunk_buf {
    int32_t *idx;
    float *val;
    int64_t n, cap;
    int failed;
} chunk_buf;

static int chunk_push(chunk_buf *c, int32_t j, float v)
{
    if (c->n == c->cap) {
        int64_t cap = c->cap ? c->cap * 2 : 4096;
        int32_t *ni = realloc(c->idx, (size_t)cap * sizeof *ni);
        if (ni)
            c->idx = ni;
        float *nv = ni ? realloc(c->val, (size_t)cap * sizeof *nv) : NULL;
        if (!nv)
            return -1;
        c->val = nv;
        c->cap = cap;
    }
    c->idx[c->n] = j;
    c->val[c->n++] = v;
    return 0;
}

static void chunk_fit(chunk_buf *c)
{
    if (c->n == 0 || c->n == c->cap)
        return;
    int32_t *ni = realloc(c->idx, (size_t)c->n * sizeof *ni);
    if (ni)
        c->idx = ni;
    float *nv = realloc(c->val, (size_t)c->n * sizeof *nv);
    if (nv)
        c->val = nv;
    c->cap = ni && nv ? c->n : c->cap;
}

/* Cell attributes, filled by the cell loop. */
typedef struct cell_out {
    int32_t *type, *batch, *cond;
    double *lib;
    int64_t *rownnz;
} cell_out;

/* Per-thread scratch, G entries each. */
typedef struct scratch {
    double *w, *mu, *u, *size, *p0;
    int32_t *idx;
} scratch;

/* NB inversion given u > P(0) = p: the smallest k with P(X <= k) >= u, by
 * dist_nb_inv's recursion P(k+1) = P(k) * q * (1 + (size - 1)/(k + 1)).
 * Steps go in blocks of 8 whose exit is counted, not branched on: the exit
 * of a step-by-step search is a mispredicted branch per count, which cost
 * more than the arithmetic. */
static int64_t nb_walk(double u, double p, double mean, double size, const double *recip)
{
    double q = mean / (size + mean), cum = p, a = q * (size - 1);
    int64_t k = 0;
    for (;;) {
        int below = 0;
        for (int b = 1; b <= 8; b++) {
            int64_t j = k + b;
            p *= q + a * (j <= SIM_RECIP ? recip[j] : 1.0 / (double)j);
            cum += p;
            below += u > cum;
        }
        if (below < 8)
            return k + 1 + below;
        k += 8;
        /* rounding can keep cum just below u ~ 1: stop in the far tail */
        if ((p < 1e-300 && (double)k > mean) || k > 100000000)
            return k;
    }
}

static void sample_cell(const sim_params *p, const gene_plan *g, const rng *base, int64_t i,
                        scratch *s, chunk_buf *c, cell_out *o)
{
    double *w = s->w;
    rng r;
    rng_split(base, (uint64_t)i, &r);
    double u = rng_uniform(&r);
    int t = 0;
    while (t < g->T - 1 && u >= g->tweight[t])
        t++;
    int b = (int)rng_below(&r, (uint64_t)g->B);
    int cnd = (int)rng_below(&r, (uint64_t)g->C);
    double lib = p->lib_size * exp(p->lib_scale * rng_normal(&r)) * g->depth[b];
    double mitof = exp(SIM_MITO_CELL_SD * rng_normal(&r));
    double dose = g->C > 1 ? (double)cnd / (double)(g->C - 1) : 0;
    o->type[i] = t;
    o->batch[i] = b;
    o->cond[i] = cnd;
    o->lib[i] = lib;

    const double *bf = g->bfac + (size_t)b * (size_t)g->G;
    double S = 0;
    for (int64_t j = 0; j < g->G; j++) {
        double m = g->mean[j] * bf[j];
        int32_t pr = g->prog[j];
        if (pr == t)
            m *= g->fac[j];
        else if (pr == g->T && cnd > 0)
            m *= exp(dose * g->logfac[j]);
        if (g->mito[j])
            m *= mitof;
        w[j] = m;
        S += m;
    }
    double scale = lib / S;
    int64_t before = c->n;

    /* Three passes so the expensive P(0) of the survivors is computed in a
     * branch-free loop (the CPU overlaps their latencies) instead of one
     * mispredicted chain per gene.  1: draw u for every gene and keep the
     * genes whose zero the cheap bounds cannot prove: P(0) >= 1/(1+mu) when
     * size <= 1 (Bernoulli's inequality), P(0) >= 1 - mu always. */
    int64_t n = 0;
    for (int64_t j = 0; j < g->G; j++) {
        double mu = w[j] * scale;
        double v = rng_uniform(&r);
        int zero = mu <= g->mustar[j] ? v * (1 + mu) <= 1 : v <= 1 - mu;
        s->idx[n] = (int32_t)j;
        s->mu[n] = mu;
        s->u[n] = v;
        n += !zero;
    }
    /* 2: NB size from the BCV trend, and P(0) = (1 + mu/size)^-size */
    for (int64_t k = 0; k < n; k++) {
        double mu = s->mu[k];
        double bcv = (p->bcv_common + 1 / sqrt(mu)) * g->bcvfac[s->idx[k]];
        double size = 1 / (bcv * bcv);
        s->size[k] = size;
        /* log(1 + x) rather than log1p: x = mu*bcv^2 >= bcvfac^2 is not
         * small, so nothing is lost, and log is faster */
        s->p0[k] = exp(-size * log(1 + mu / size));
    }
    /* 3: zero when u <= P(0), as inversion says; else the count by
     * inversion, or for large means (long walks) by gamma-Poisson
     * conditioned on being positive, which keeps P(0) exact */
    for (int64_t k = 0; k < n; k++) {
        if (s->u[k] <= s->p0[k])
            continue;
        double mu = s->mu[k];
        int64_t cnt;
        if (mu < 20) {
            cnt = nb_walk(s->u[k], s->p0[k], mu, s->size[k], g->recip);
        } else {
            int tries = 0;
            do
                cnt = dist_nb(&r, mu, s->size[k]);
            while (cnt == 0 && ++tries < 10000);
            if (cnt == 0)
                cnt = 1;
        }
        if (p->dropout) {
            double pd = 1 / (1 + exp(-p->dropout_shape * (log(mu) - p->dropout_mid)));
            if (rng_uniform(&r) < pd)
                continue;
        }
        if (cnt > 0 && chunk_push(c, s->idx[k], (float)cnt) < 0) {
            c->failed = 1;
            return;
        }
    }
    o->rownnz[i] = c->n - before;
}

static int make_cat(sc_column *col, const char *name, int32_t *codes, char **cats, int32_t ncats,
                    sc_err *e)
{
    memset(col, 0, sizeof *col);
    col->name = sc_strdup(e, name);
    col->kind = SC_COL_CAT;
    col->codes = codes;
    col->cats = cats;
    col->ncats = ncats;
    return col->name ? 0 : -1;
}

static int make_num(sc_column *col, const char *name, double *v, sc_err *e)
{
    memset(col, 0, sizeof *col);
    col->name = sc_strdup(e, name);
    col->kind = SC_COL_NUM;
    col->num = v;
    return col->name ? 0 : -1;
}

/* The var table: index, program, de_factor, base_mean, batch factors. */
static int build_var(const sim_params *p, gene_plan *g, char **names, sc_frame *var, sc_err *e)
{
    int64_t G = g->G;
    var->n = G;
    var->index = names;
    sc_column c;
    int32_t *codes = sc_calloc(e, (size_t)G, sizeof *codes);
    char **cats = codes ? type_names(p->types, 2, e) : NULL;
    if (!cats || set_name(cats, p->types, e, "condition") < 0 ||
        set_name(cats, p->types + 1, e, "none") < 0) {
        free_names(cats, p->types + 2);
        free(codes);
        return -1;
    }
    memcpy(codes, g->prog, (size_t)G * sizeof *codes);
    if (make_cat(&c, "program", codes, cats, p->types + 2, e) < 0 || frame_add(var, &c, e) < 0) {
        column_free(&c);
        return -1;
    }
    double *fac = sc_calloc(e, (size_t)G, sizeof *fac);
    if (!fac)
        return -1;
    memcpy(fac, g->fac, (size_t)G * sizeof *fac);
    if (make_num(&c, "de_factor", fac, e) < 0 || frame_add(var, &c, e) < 0) {
        column_free(&c);
        return -1;
    }
    if (make_num(&c, "base_mean", g->mean, e) < 0 || frame_add(var, &c, e) < 0) {
        c.num = NULL;
        column_free(&c);
        return -1;
    }
    g->mean = NULL; /* now owned by the frame */
    for (int b = 0; b < p->batches; b++) {
        double *bf = sc_calloc(e, (size_t)G, sizeof *bf);
        if (!bf)
            return -1;
        memcpy(bf, g->bfac + (size_t)b * (size_t)G, (size_t)G * sizeof *bf);
        char name[64];
        snprintf(name, sizeof name, "batch_factor_batch%d", b + 1);
        if (make_num(&c, name, bf, e) < 0 || frame_add(var, &c, e) < 0) {
            column_free(&c);
            return -1;
        }
    }
    return 0;
}

static int build_obs(const sim_params *p, cell_out *o, sc_frame *obs, sc_err *e)
{
    int64_t N = p->cells;
    obs->n = N;
    obs->index = sc_calloc(e, (size_t)N, sizeof *obs->index);
    if (!obs->index)
        return -1;
    for (int64_t i = 0; i < N; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "Cell_%lld", (long long)(i + 1));
        if (!(obs->index[i] = sc_strdup(e, buf)))
            return -1;
    }
    sc_column c;
    struct {
        const char *name;
        int32_t **codes;
        int n;
    } cats[3] = {{"cell_type", &o->type, p->types},
                 {"batch", &o->batch, p->batches},
                 {"condition", &o->cond, p->conditions}};
    for (int k = 0; k < 3; k++) {
        char **names = k == 0   ? type_names(p->types, 0, e)
                       : k == 1 ? batch_names(p->batches, e)
                                : condition_names(p->conditions, e);
        if (!names)
            return -1;
        if (make_cat(&c, cats[k].name, *cats[k].codes, names, cats[k].n, e) < 0 ||
            frame_add(obs, &c, e) < 0) {
            c.codes = NULL;
            column_free(&c);
            return -1;
        }
        *cats[k].codes = NULL; /* owned by the frame */
    }
    if (make_num(&c, "library_size", o->lib, e) < 0 || frame_add(obs, &c, e) < 0) {
        c.num = NULL;
        column_free(&c);
        return -1;
    }
    o->lib = NULL;
    return 0;
}

int simulate(const sim_params *p, sc_dataset *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    if (sim_check(p, e) < 0)
        return -1;
    rng base;
    rng_seed(&base, p->seed);
    gene_plan g;
    char **names = NULL;
    if (plan_make(p, &base, &g, &names, e) < 0)
        return -1;

    int64_t N = p->cells, G = p->genes;
    int64_t nchunks = (N + SIM_CHUNK - 1) / SIM_CHUNK;
    cell_out o = {0};
    chunk_buf *chunks = sc_calloc(e, (size_t)nchunks, sizeof *chunks);
    o.type = chunks ? sc_calloc(e, (size_t)N, sizeof *o.type) : NULL;
    o.batch = o.type ? sc_calloc(e, (size_t)N, sizeof *o.batch) : NULL;
    o.cond = o.batch ? sc_calloc(e, (size_t)N, sizeof *o.cond) : NULL;
    o.lib = o.cond ? sc_calloc(e, (size_t)N, sizeof *o.lib) : NULL;
    o.rownnz = o.lib ? sc_calloc(e, (size_t)N, sizeof *o.rownnz) : NULL;
    int rc = o.rownnz ? 0 : -1;

    if (rc == 0) {
        int failed = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
#endif
        for (int64_t ch = 0; ch < nchunks; ch++) {
            scratch sc;
            double *block = malloc((size_t)G * (5 * sizeof(double) + sizeof(int32_t)));
            if (!block) {
                failed = 1;
                continue;
            }
            sc.w = block;
            sc.mu = block + G;
            sc.u = block + 2 * G;
            sc.size = block + 3 * G;
            sc.p0 = block + 4 * G;
            sc.idx = (int32_t *)(block + 5 * G);
            int64_t end = (ch + 1) * SIM_CHUNK < N ? (ch + 1) * SIM_CHUNK : N;
            for (int64_t i = ch * SIM_CHUNK; i < end && !chunks[ch].failed; i++)
                sample_cell(p, &g, &base, i, &sc, &chunks[ch], &o);
            failed |= chunks[ch].failed;
            free(block);
            chunk_fit(&chunks[ch]); /* drop the doubling slack before the next chunk */
        }
        if (failed)
            rc = err_set(e, "out of memory while sampling %lld cells x %lld genes", (long long)N,
                         (long long)G);
    }

    sc_csr *X = &out->X;
    if (rc == 0) {
        int64_t nnz = 0;
        for (int64_t ch = 0; ch < nchunks; ch++)
            nnz += chunks[ch].n;
        X->nrows = N;
        X->ncols = G;
        X->indptr = sc_calloc(e, (size_t)N + 1, sizeof *X->indptr);
        X->indices = X->indptr ? sc_calloc(e, (size_t)nnz, sizeof *X->indices) : NULL;
        X->data = X->indices ? sc_calloc(e, (size_t)nnz, sizeof *X->data) : NULL;
        rc = X->data ? 0 : -1;
    }
    if (rc == 0) {
        for (int64_t i = 0; i < N; i++)
            X->indptr[i + 1] = X->indptr[i] + o.rownnz[i];
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
        for (int64_t ch = 0; ch < nchunks; ch++) {
            int64_t at = X->indptr[ch * SIM_CHUNK];
            memcpy(X->indices + at, chunks[ch].idx, (size_t)chunks[ch].n * sizeof *X->indices);
            memcpy(X->data + at, chunks[ch].val, (size_t)chunks[ch].n * sizeof *X->data);
            free(chunks[ch].idx);
            free(chunks[ch].val);
            chunks[ch].idx = NULL;
            chunks[ch].val = NULL;
        }
    }
    for (int64_t ch = 0; chunks && ch < nchunks; ch++) {
        free(chunks[ch].idx);
        free(chunks[ch].val);
    }
    free(chunks);
    free(o.rownnz);

    if (rc == 0)
        rc = build_var(p, &g, names, &out->var, e); /* owns names from here */
    else
        free_names(names, G);
    if (rc == 0)
        rc = build_obs(p, &o, &out->obs, e);
    free(o.type);
    free(o.batch);
    free(o.cond);
    free(o.lib);
    plan_free(&g);
    if (rc == 0) {
        char src[256];
        snprintf(src, sizeof src,
                 "simulate cells=%lld genes=%lld types=%d batches=%d conditions=%d seed=%llu",
                 (long long)N, (long long)G, p->types, p->batches, p->conditions,
                 (unsigned long long)p->seed);
        out->source = sc_strdup(e, src);
        out->x_source = out->source ? sc_strdup(e, "simulated counts") : NULL;
        out->batch_key = out->x_source ? sc_strdup(e, "batch") : NULL;
        rc = out->batch_key ? 0 : -1;
    }
    if (rc < 0)
        dataset_free(out);
    return rc;
}

/* ftable.c: the table of every SAE feature (see ftable.h).  Cost: one
 * explain_run over all features (OpenMP inside), then per feature a purity
 * and an association scan per label (OpenMP over features, a scratch space
 * per thread), each O(active cells + categories); genes add one pass over
 * the stored expression for all features together (see top_genes). */
#include "ftable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "inspect.h"
#include "sae_bind.h"

#ifdef _OPENMP
#include <omp.h>
#define FT_OMP(x) _Pragma(x)
#else
#define FT_OMP(x)
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void ftable_free_fn(void *p)
{
    ftable *t = p;
    free(t->rows);
    free(t);
}

static int is_celltype_name(const char *n)
{
    static const char *const names[] = {"cell_type", "celltype", "cell_type_label",
                                        "seurat_annotations", "cell type", "labels", NULL};
    for (int i = 0; names[i]; i++)
        if (strcasecmp(n, names[i]) == 0)
            return 1;
    return 0;
}

/* The label columns, the batch column added, and the primary label. */
static int pick_labels(session *s, insp_ctx *c, const char *labels, ftable *t, sc_err *e)
{
    int *idx = sc_calloc(e, (size_t)c->nlab + 1, sizeof *idx);
    if (!idx)
        return -1;
    int n = 0;
    if (insp_labels(c, s, labels, idx, &n, e) < 0) {
        free(idx);
        return -1;
    }
    if (n > FTABLE_MAX_LABELS - 1)
        n = FTABLE_MAX_LABELS - 1;
    int bl = insp_batch_label(c, s);
    t->batch = -1;
    t->primary = -1;
    for (int i = 0; i < n; i++) {
        t->lab[t->nlab] = idx[i];
        if (idx[i] == bl)
            t->batch = t->nlab;
        t->nlab++;
    }
    if (bl >= 0 && t->batch < 0) {
        t->batch = t->nlab;
        t->lab[t->nlab++] = bl;
    }
    free(idx);
    if (labels && *labels && n > 0) {
        t->primary = 0;
    } else {
        for (int i = 0; i < t->nlab && t->primary < 0; i++)
            if (is_celltype_name(c->lab[t->lab[i]].name))
                t->primary = i;
        for (int i = 0; i < t->nlab && t->primary < 0; i++)
            if (i != t->batch)
                t->primary = i;
    }
    return 0;
}

/* Purity, AUROC and associations of every live feature. */
static int label_stats(insp_ctx *c, ftable *t, sc_err *e)
{
    int32_t maxcat = 2;
    for (int i = 0; i < t->nlab; i++)
        if (c->lab[t->lab[i]].ncat > maxcat)
            maxcat = c->lab[t->lab[i]].ncat;
    int failed = 0;
    sc_err first = {{0}};
    FT_OMP("omp parallel")
    {
        stats_ws ws;
        sc_err te = {{0}};
        int64_t *count = calloc((size_t)maxcat, sizeof *count);
        double *auroc = calloc((size_t)maxcat, sizeof *auroc);
        int ok = count && auroc && stats_ws_init(&ws, maxcat, INSPECT_DENSE_BINS, &te) == 0;
        if (!ok) {
            FT_OMP("omp atomic write")
            failed = 1;
        }
        FT_OMP("omp for schedule(dynamic, 16)")
        for (int32_t j = 0; j < t->n; j++) {
            ftable_row *r = &t->rows[j];
            if (!ok || r->dead)
                continue;
            if (t->primary >= 0) {
                inspect_purity p = {0};
                p.count = count;
                p.auroc = auroc;
                inspect_purity_of(&c->feat, j, &c->lab[t->lab[t->primary]], 0, &p, &ws);
                r->pur_cat = p.top_cat;
                r->purity = p.share;
                r->entropy = p.entropy;
                r->auroc = p.top_cat >= 0 ? auroc[p.top_cat] : NAN;
            }
            inspect_assoc bio[FTABLE_MAX_LABELS], bat = {0};
            int nbio = 0;
            for (int i = 0; i < t->nlab; i++) {
                inspect_assoc a;
                if (inspect_assoc_of(&c->feat, j, &c->lab[t->lab[i]], &ws, &a, &te) < 0) {
                    FT_OMP("omp critical(ftable_err)")
                    {
                        if (!failed)
                            first = te;
                        failed = 1;
                    }
                    break;
                }
                if (i == t->batch)
                    bat = a;
                else
                    bio[nbio++] = a;
            }
            r->bio_u = NAN;
            for (int i = 0; i < nbio; i++)
                if (isnan(r->bio_u) || bio[i].u > r->bio_u)
                    r->bio_u = bio[i].u;
            if (t->batch >= 0) {
                r->batch_u = bat.u;
                r->follows_batch = inspect_follows_batch(&bat, bio, nbio, INSPECT_BATCH_MIN_U);
            }
        }
        if (ok)
            stats_ws_free(&ws);
        free(count);
        free(auroc);
    }
    if (failed)
        return first.msg[0] ? (*e = first, -1) : err_set(e, "out of memory in the feature table");
    return 0;
}

static int explanations(insp_ctx *c, int have_dir, ftable *t, sc_err *e)
{
    if (t->nlab == 0)
        return 0;
    stats_label cols[FTABLE_MAX_LABELS];
    for (int i = 0; i < t->nlab; i++)
        cols[i] = c->lab[t->lab[i]]; /* shallow: explain only reads */
    explain_opts eo;
    explain_opts_init(&eo);
    explain_hit *hits = sc_calloc(e, (size_t)t->n, sizeof *hits);
    if (!hits || explain_run(&c->feat, cols, t->nlab, &eo, hits, e) < 0) {
        free(hits);
        return -1;
    }
    for (int32_t j = 0; j < t->n; j++) {
        t->rows[j].expl = hits[j];
        explain_format(&hits[j], cols, t->rows[j].explanation, sizeof t->rows[j].explanation);
    }
    explain_share_of(&c->feat, hits, FTABLE_MIN_F1, &t->share);
    free(hits);
    /* the latent directions, for the comparison the seed's claim is about;
     * no latent (an SAE loaded without its VAE) leaves dir_share empty */
    if (have_dir) {
        explain_hit *dh = sc_calloc(e, (size_t)c->dir.nview, sizeof *dh);
        if (!dh)
            return -1;
        if (explain_run(&c->dir, cols, t->nlab, &eo, dh, e) < 0) {
            free(dh);
            return -1;
        }
        explain_share_of(&c->dir, dh, FTABLE_MIN_F1, &t->dir_share);
        free(dh);
    }
    return 0;
}

/* ---- top genes ----------------------------------------------------------
 *
 * inspect_gene_corr costs a pass over every stored expression value per
 * view: for 1000 live features on 10k cells x 2000 genes that was 30 s.  A
 * feature is sparse, so all features go together here instead: with the
 * activations by cell, one pass over the genes' stored values accumulates
 * S[f] = sum_c a_cf x_cg for every feature at once (cost: stored values x
 * features per cell), and Pearson follows from
 *     r = (S - n ma mean_g) / (n sa sd_g),
 * which is inspect_gene_corr's formula with the centring moved out (the
 * test compares the two).  Each thread keeps its own top lists over its
 * genes; they are merged by (r high first, gene index low first), the
 * order inspect_top_genes gives, so the result does not depend on threads. */

typedef struct gtop {
    double r;
    int32_t g;
} gtop;

static int gtop_better(double r, int32_t g, const gtop *b)
{
    return b->g < 0 || r > b->r || (r == b->r && g < b->g);
}

/* Insert (r, g) into the list of FTABLE_TOP_GENES best (g -1: empty). */
static void gtop_add(gtop *list, double r, int32_t g)
{
    int k = FTABLE_TOP_GENES;
    if (!gtop_better(r, g, &list[k - 1]))
        return;
    int p = k - 1;
    while (p > 0 && gtop_better(r, g, &list[p - 1])) {
        list[p] = list[p - 1];
        p--;
    }
    list[p].r = r;
    list[p].g = g;
}

static int top_genes(session *s, insp_ctx *c, ftable *t, sc_err *e)
{
    const inspect_src *F = &c->feat;
    const inspect_genes *G = &c->genes;
    const int64_t n = F->ncells, ng = G->ngenes;
    const int32_t nf = t->n;
    if (G->ncells != n)
        return err_set(e, "expression has %lld cells, the activations %lld",
                       (long long)G->ncells, (long long)n);
    /* the activations by cell: the SAE's own CSR, which the feature source
     * was built from (insp_get checked that it covers these cells; its
     * stored zeros, if any, add nothing) */
    const sae_csr *A = &s->sae->acts;
    const int64_t *cptr = A->indptr;
    const int32_t *cfeat = A->indices;
    const float *cval = A->data;
    /* each feature's mean and sd over all cells */
    double *ma = sc_calloc(e, (size_t)nf + 1, sizeof *ma);
    double *sa = ma ? sc_calloc(e, (size_t)nf + 1, sizeof *sa) : NULL;
    int nthr = 1;
#ifdef _OPENMP
    nthr = omp_get_max_threads();
#endif
    gtop *tops = sa ? sc_calloc(e, (size_t)nthr * (size_t)nf * FTABLE_TOP_GENES + 1, sizeof *tops)
                    : NULL;
    int rc = -1;
    if (!tops)
        goto out;
    for (int32_t f = 0; f < nf; f++) {
        double sum = 0, ss;
        int64_t m = F->ptr[f + 1] - F->ptr[f];
        for (int64_t k = F->ptr[f]; k < F->ptr[f + 1]; k++)
            sum += F->val[k];
        ma[f] = n ? sum / (double)n : 0;
        ss = (double)(n - m) * ma[f] * ma[f];
        for (int64_t k = F->ptr[f]; k < F->ptr[f + 1]; k++)
            ss += (F->val[k] - ma[f]) * (F->val[k] - ma[f]);
        sa[f] = n ? sqrt(ss / (double)n) : 0;
        if (sa[f] <= 1e-9 * fabs(ma[f]))
            sa[f] = 0;
    }
    for (size_t q = 0; q < (size_t)nthr * (size_t)nf * FTABLE_TOP_GENES; q++)
        tops[q].g = -1;
    int failed = 0;
    FT_OMP("omp parallel num_threads(nthr)")
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        gtop *mine = tops + (size_t)tid * (size_t)nf * FTABLE_TOP_GENES;
        double *acc = calloc((size_t)nf + 1, sizeof *acc);
        if (!acc) {
            FT_OMP("omp atomic write")
            failed = 1;
        }
        FT_OMP("omp for schedule(dynamic, 16)")
        for (int64_t gj = 0; gj < ng; gj++) {
            if (!acc || G->sd[gj] <= 0)
                continue;
            for (int64_t k = G->ptr[gj]; k < G->ptr[gj + 1]; k++) {
                int32_t i = G->cell[k];
                double x = G->val[k];
                for (int64_t q = cptr[i]; q < cptr[i + 1]; q++)
                    acc[cfeat[q]] += cval[q] * x;
            }
            double nm = (double)n * G->mean[gj];
            for (int32_t f = 0; f < nf; f++) {
                double S = acc[f];
                acc[f] = 0;
                if (sa[f] <= 0 || t->rows[f].dead)
                    continue;
                double r = (S - ma[f] * nm) / (sa[f] * G->sd[gj] * (double)n);
                r = r > 1 ? 1 : r;
                if (r > 0) /* only genes that rise with the feature are named */
                    gtop_add(mine + (size_t)f * FTABLE_TOP_GENES, r, (int32_t)gj);
            }
        }
        free(acc);
    }
    if (failed)
        goto out;
    for (int32_t f = 0; f < nf; f++) {
        gtop best[FTABLE_TOP_GENES];
        for (int k = 0; k < FTABLE_TOP_GENES; k++)
            best[k].g = -1;
        for (int th = 0; th < nthr; th++)
            for (int k = 0; k < FTABLE_TOP_GENES; k++) {
                const gtop *x = &tops[((size_t)th * (size_t)nf + (size_t)f) * FTABLE_TOP_GENES + k];
                if (x->g >= 0)
                    gtop_add(best, x->r, x->g);
            }
        ftable_row *row = &t->rows[f];
        row->top_genes[0] = 0;
        for (int k = 0; k < FTABLE_TOP_GENES && best[k].g >= 0; k++) {
            size_t u = strlen(row->top_genes);
            snprintf(row->top_genes + u, sizeof row->top_genes - u, "%s%s", k ? ", " : "",
                     s->data->var.index[best[k].g]);
        }
    }
    t->with_genes = 1;
    rc = 0;
out:
    free(ma);
    free(sa);
    free(tops);
    return rc < 0 ? err_set(e, "out of memory for the feature table's top genes") : 0;
}

int ftable_get(session *s, insp_ctx *c, const char *labels, int with_genes, const ftable **out,
               sc_err *e)
{
    if (insp_get(s, INSP_FEAT, &c, e) < 0)
        return -1;
    insp_cache *slot = &c->cache[INSP_CACHE_FTABLE];
    const char *key = labels ? labels : "";
    if (slot->p && strcmp(slot->key, key) == 0 && (!with_genes || ((ftable *)slot->p)->with_genes)) {
        *out = slot->p;
        return 0;
    }
    double t0 = now_s();
    /* every part first: later insp_get calls must not move what we hold */
    if (with_genes && insp_get(s, INSP_FEAT | INSP_GENES, &c, e) < 0)
        return -1;
    sc_err de = {{0}};
    int have_dir = insp_get(s, INSP_DIR, &c, &de) == 0;
    ftable *t = sc_calloc(e, 1, sizeof *t);
    if (!t)
        return -1;
    t->n = c->feat.nview;
    t->dense_frac = s->sae && s->sae->m ? s->sae->m->cfg.dense_frac : 0.1;
    t->rows = sc_calloc(e, (size_t)(t->n ? t->n : 1), sizeof *t->rows);
    if (!t->rows || pick_labels(s, c, labels, t, e) < 0)
        goto fail;
    for (int32_t j = 0; j < t->n; j++) {
        ftable_row *r = &t->rows[j];
        r->id = j;
        r->active = inspect_active(&c->feat, j);
        r->density = inspect_density(&c->feat, j);
        r->dead = r->active == 0;
        r->dense = r->density > t->dense_frac;
        r->pur_cat = -1;
        r->purity = r->entropy = r->auroc = r->batch_u = r->bio_u = NAN;
        snprintf(r->explanation, sizeof r->explanation, "-");
    }
    if (label_stats(c, t, e) < 0 || explanations(c, have_dir, t, e) < 0)
        goto fail;
    if (with_genes && top_genes(s, c, t, e) < 0)
        goto fail;
    t->seconds = now_s() - t0;
    insp_cache_set(c, INSP_CACHE_FTABLE, t, ftable_free_fn, key);
    *out = t;
    return 0;
fail:
    ftable_free_fn(t);
    return -1;
}

/* ---- order ------------------------------------------------------------- */

static const ftable *g_sort_t; /* qsort has no context argument in C11 */
static int g_sort_key;

static double sort_value(const ftable_row *r, int key)
{
    double v;
    switch (key) {
    case 1: v = r->expl.col_a >= 0 ? r->expl.f1.f1 : -1; break;
    case 2: v = r->purity; break;
    case 3: v = r->auroc; break;
    case 4: v = r->density; break;
    case 5: v = r->batch_u; break;
    default: v = -r->id; break;
    }
    return isnan(v) ? -INFINITY : v;
}

static int cmp_rows(const void *a, const void *b)
{
    const ftable_row *ra = &g_sort_t->rows[*(const int32_t *)a];
    const ftable_row *rb = &g_sort_t->rows[*(const int32_t *)b];
    double va = sort_value(ra, g_sort_key), vb = sort_value(rb, g_sort_key);
    if (va != vb)
        return va > vb ? -1 : 1; /* high first */
    return ra->id < rb->id ? -1 : ra->id > rb->id;
}

int ftable_order(const ftable *t, const char *sort, int32_t *order, sc_err *e)
{
    static const char *const keys[] = {"id", "explained", "purity", "auroc", "density", "batch",
                                       NULL};
    int key = -1;
    for (int i = 0; keys[i]; i++)
        if (strcmp(sort ? sort : "id", keys[i]) == 0)
            key = i;
    if (key < 0)
        return err_set(e, "sort=%s: expected id, explained, purity, auroc, density or batch", sort);
    for (int32_t j = 0; j < t->n; j++)
        order[j] = j;
    g_sort_t = t;
    g_sort_key = key;
    qsort(order, (size_t)t->n, sizeof *order, cmp_rows);
    g_sort_t = NULL;
    return 0;
}

/* ---- frame ------------------------------------------------------------- */

static int add_num(sc_frame *f, const char *name, int is_int, int boolean, const ftable *t,
                   double (*get)(const ftable_row *), sc_err *e)
{
    sc_column col = {0};
    col.name = sc_strdup(e, name);
    col.kind = boolean ? SC_COL_BOOL : SC_COL_NUM;
    col.is_int = is_int;
    col.num = sc_calloc(e, (size_t)(t->n ? t->n : 1), sizeof *col.num);
    if (!col.name || !col.num) {
        column_free(&col);
        return -1;
    }
    for (int32_t j = 0; j < t->n; j++)
        col.num[j] = get(&t->rows[j]);
    if (frame_add(f, &col, e) < 0) {
        column_free(&col);
        return -1;
    }
    return 0;
}

static int add_str(sc_frame *f, const char *name, const ftable *t, const insp_ctx *c,
                   const char *(*get)(const ftable *, const insp_ctx *, int32_t), sc_err *e)
{
    sc_column col = {0};
    col.name = sc_strdup(e, name);
    col.kind = SC_COL_STR;
    col.str = sc_calloc(e, (size_t)(t->n ? t->n : 1), sizeof *col.str);
    int ok = col.name && col.str;
    for (int32_t j = 0; ok && j < t->n; j++) {
        const char *v = get(t, c, j);
        ok = !v || (col.str[j] = sc_strdup(e, v)) != NULL;
    }
    if (!ok || frame_add(f, &col, e) < 0) {
        column_free(&col);
        return -1;
    }
    return 0;
}

static double g_active(const ftable_row *r) { return (double)r->active; }
static double g_density(const ftable_row *r) { return r->density; }
static double g_f1(const ftable_row *r) { return r->expl.col_a >= 0 ? r->expl.f1.f1 : NAN; }
static double g_prec(const ftable_row *r) { return r->expl.col_a >= 0 ? r->expl.f1.precision : NAN; }
static double g_rec(const ftable_row *r) { return r->expl.col_a >= 0 ? r->expl.f1.recall : NAN; }
static double g_purity(const ftable_row *r) { return r->purity; }
static double g_entropy(const ftable_row *r) { return r->entropy; }
static double g_auroc(const ftable_row *r) { return r->auroc; }
static double g_batch_u(const ftable_row *r) { return r->batch_u; }
static double g_bio_u(const ftable_row *r) { return r->bio_u; }
static double g_dead(const ftable_row *r) { return r->dead; }
static double g_dense(const ftable_row *r) { return r->dense; }
static double g_follows(const ftable_row *r) { return r->follows_batch; }

static const char *s_expl(const ftable *t, const insp_ctx *c, int32_t j)
{
    (void)c;
    return t->rows[j].expl.col_a >= 0 ? t->rows[j].explanation : NULL;
}

static const char *s_purity_label(const ftable *t, const insp_ctx *c, int32_t j)
{
    const ftable_row *r = &t->rows[j];
    if (t->primary < 0 || r->pur_cat < 0)
        return NULL;
    const stats_label *l = &c->lab[t->lab[t->primary]];
    return l->cats && l->cats[r->pur_cat] ? l->cats[r->pur_cat] : NULL;
}

static const char *s_genes(const ftable *t, const insp_ctx *c, int32_t j)
{
    (void)c;
    return t->with_genes && !t->rows[j].dead ? t->rows[j].top_genes : NULL;
}

int ftable_frame(const ftable *t, const insp_ctx *c, sc_frame *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    out->n = t->n;
    out->index_name = sc_strdup(e, "feature");
    out->index = sc_calloc(e, (size_t)(t->n ? t->n : 1), sizeof *out->index);
    if (!out->index_name || !out->index)
        goto fail;
    for (int32_t j = 0; j < t->n; j++) {
        char nm[32];
        snprintf(nm, sizeof nm, "feature_%d", (int)t->rows[j].id);
        if (!(out->index[j] = sc_strdup(e, nm)))
            goto fail;
    }
    char pname[96] = "purity_label";
    if (t->primary >= 0)
        snprintf(pname, sizeof pname, "top_%s", c->lab[t->lab[t->primary]].name);
    if (add_num(out, "active_cells", 1, 0, t, g_active, e) < 0 ||
        add_num(out, "density", 0, 0, t, g_density, e) < 0 ||
        add_str(out, "explanation", t, c, s_expl, e) < 0 ||
        add_num(out, "f1", 0, 0, t, g_f1, e) < 0 ||
        add_num(out, "precision", 0, 0, t, g_prec, e) < 0 ||
        add_num(out, "recall", 0, 0, t, g_rec, e) < 0 ||
        add_str(out, pname, t, c, s_purity_label, e) < 0 ||
        add_num(out, "purity", 0, 0, t, g_purity, e) < 0 ||
        add_num(out, "entropy_bits", 0, 0, t, g_entropy, e) < 0 ||
        add_num(out, "auroc", 0, 0, t, g_auroc, e) < 0 ||
        add_num(out, "batch_u", 0, 0, t, g_batch_u, e) < 0 ||
        add_num(out, "bio_u", 0, 0, t, g_bio_u, e) < 0 ||
        add_num(out, "dead", 0, 1, t, g_dead, e) < 0 ||
        add_num(out, "dense", 0, 1, t, g_dense, e) < 0 ||
        add_num(out, "follows_batch", 0, 1, t, g_follows, e) < 0 ||
        add_str(out, "top_genes", t, c, s_genes, e) < 0)
        goto fail;
    return 0;
fail:
    frame_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

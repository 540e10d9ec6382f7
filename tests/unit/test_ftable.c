/* test_ftable.c: the feature table (ftable.h) on a small simulated data set
 * with a VAE and an SAE trained through the command layer.  Checked against
 * recomputation from the SAE's activation matrix and the obs labels:
 * density and dead/dense marks, purity (majority share among active cells),
 * the follows-batch mark against the U values it is defined by, the sort
 * orders, the exported frame, and the cache. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ftable.h"
#include "insp.h"
#include "sae_bind.h"
#include "session.h"
#include "tap.h"
#include "cmd_test.h"

static const sc_column *obs_col(const session *s, const char *name)
{
    int k = frame_find(&s->data->obs, name);
    return k >= 0 ? &s->data->obs.cols[k] : NULL;
}

int main(void)
{
    session s;
    session_init(&s);
    FILE *devnull = fopen("/dev/null", "w");
    s.out = devnull;
    cmdt_must(&s, "set threads 1");
    cmdt_must(&s, "simulate cells=600 genes=80 types=3 batches=2 conditions=2 seed=11");
    cmdt_must(&s, "vae train epochs=15");
    cmdt_must(&s, "sae train arch=topk k=3 features=24 epochs=15");

    sc_err e = {{0}};
    insp_ctx *c = NULL;
    const ftable *t = NULL;
    if (!tap_ok(insp_get(&s, INSP_FEAT, &c, &e) == 0 && ftable_get(&s, c, NULL, 1, &t, &e) == 0,
                "the table builds %s", e.msg))
        return tap_done();
    const sae_csr *A = &s.sae->acts;
    tap_ok(t->n == A->ncols, "one row per feature (%d)", (int)t->n);

    /* density, dead, dense and purity by brute force over the CSR */
    const sc_column *ct = obs_col(&s, "cell_type");
    tap_ok(t->primary >= 0 && strcmp(c->lab[t->lab[t->primary]].name, "cell_type") == 0,
           "cell_type is the primary label");
    tap_ok(t->batch >= 0 && strcmp(c->lab[t->lab[t->batch]].name, "batch") == 0,
           "the batch column is among the labels");
    int bad_density = 0, bad_marks = 0, bad_purity = 0, bad_follow = 0;
    for (int32_t j = 0; j < t->n; j++) {
        int64_t act = 0, cnt[16] = {0};
        for (int64_t i = 0; i < A->nrows; i++)
            for (int64_t k = A->indptr[i]; k < A->indptr[i + 1]; k++)
                if (A->indices[k] == j && A->data[k] > 0) {
                    act++;
                    if (ct->codes[i] >= 0)
                        cnt[ct->codes[i]]++;
                }
        const ftable_row *r = &t->rows[j];
        bad_density += r->active != act || fabs(r->density - (double)act / A->nrows) > 1e-12;
        bad_marks += r->dead != (act == 0) || r->dense != ((double)act / A->nrows > t->dense_frac);
        if (act > 0) {
            int64_t best = 0, tot = 0;
            for (int q = 0; q < ct->ncats; q++) {
                tot += cnt[q];
                best = cnt[q] > best ? cnt[q] : best;
            }
            bad_purity += fabs(r->purity - (double)best / tot) > 1e-12 || cnt[r->pur_cat] != best;
            /* follows batch: batch U >= 0.05 and above every biological label's U */
            int want = r->batch_u >= INSPECT_BATCH_MIN_U && r->batch_u > r->bio_u;
            bad_follow += r->follows_batch != want;
        }
    }
    tap_ok(!bad_density, "density and active counts match the CSR (%d wrong)", bad_density);
    tap_ok(!bad_marks, "dead and dense marks match (%d wrong)", bad_marks);
    tap_ok(!bad_purity, "purity is the majority share among active cells (%d wrong)", bad_purity);
    tap_ok(!bad_follow, "follows-batch agrees with the U values (%d wrong)", bad_follow);
    int nlive = 0;
    for (int32_t j = 0; j < t->n; j++)
        nlive += !t->rows[j].dead;
    tap_ok(t->share.nlive == nlive && t->share.nexplained <= nlive,
           "explained share counts live features (%lld of %d)", (long long)t->share.nexplained,
           nlive);
    tap_ok(t->dir_share.nlive == 2 * 10, "latent directions counted with both signs (%lld)",
           (long long)t->dir_share.nlive);

    /* sort orders: non-increasing keys, ties by id */
    int32_t *ord = calloc((size_t)t->n, sizeof *ord);
    const char *keys[] = {"purity", "auroc", "density", "batch", "explained"};
    for (int k = 0; k < 5; k++) {
        int ok = ftable_order(t, keys[k], ord, &e) == 0;
        for (int32_t q = 1; ok && q < t->n; q++) {
            const ftable_row *a = &t->rows[ord[q - 1]], *b = &t->rows[ord[q]];
            double va = k == 0 ? a->purity : k == 1 ? a->auroc : k == 2 ? a->density
                        : k == 3 ? a->batch_u : (a->expl.col_a >= 0 ? a->expl.f1.f1 : -1);
            double vb = k == 0 ? b->purity : k == 1 ? b->auroc : k == 2 ? b->density
                        : k == 3 ? b->batch_u : (b->expl.col_a >= 0 ? b->expl.f1.f1 : -1);
            va = isnan(va) ? -INFINITY : va;
            vb = isnan(vb) ? -INFINITY : vb;
            ok = va > vb || (va == vb && a->id < b->id);
        }
        tap_ok(ok, "sort=%s is ordered", keys[k]);
    }
    tap_ok(ftable_order(t, "bogus", ord, &e) < 0 && strstr(e.msg, "sort=bogus"),
           "an unknown sort is refused: %s", e.msg);
    free(ord);

    /* the frame */
    sc_frame f;
    if (tap_ok(ftable_frame(t, c, &f, &e) == 0, "the frame builds %s", e.msg)) {
        int kd = frame_find(&f, "density"), kx = frame_find(&f, "explanation");
        tap_ok(f.n == t->n && kd >= 0 && kx >= 0 && frame_find(&f, "follows_batch") >= 0 &&
                   frame_find(&f, "top_cell_type") >= 0 && strcmp(f.index[3], "feature_3") == 0,
               "one row per feature with the documented columns");
        tap_ok(kd >= 0 && f.cols[kd].num[5] == t->rows[5].density, "frame values are the table's");
        frame_free(&f);
    }

    /* top genes against inspect_gene_corr feature by feature (the table
     * computes all features in one pass over the expression) */
    int bad_genes = 0, named = 0;
    double *r = calloc((size_t)c->genes.ngenes, sizeof *r);
    for (int32_t j = 0; j < t->n; j++) {
        char want[128] = "";
        if (!t->rows[j].dead) {
            int32_t top[FTABLE_TOP_GENES];
            inspect_gene_corr(&c->feat, j, &c->genes, r, NULL, &e);
            int32_t k = inspect_top_genes(r, c->genes.ngenes, FTABLE_TOP_GENES, top, NULL);
            for (int32_t q = 0; q < k && r[top[q]] > 0; q++) {
                size_t u = strlen(want);
                snprintf(want + u, sizeof want - u, "%s%s", q ? ", " : "",
                         s.data->var.index[top[q]]);
            }
        }
        named += want[0] != 0;
        if (strcmp(want, t->rows[j].top_genes) != 0) {
            bad_genes++;
            tap_diag("feature %d: '%s', inspect_gene_corr gives '%s'", (int)j,
                     t->rows[j].top_genes, want);
        }
    }
    free(r);
    tap_ok(!bad_genes && named > 0, "top genes agree with inspect_gene_corr (%d wrong, %d named)",
           bad_genes, named);

    /* kept for the thread check below (another label list frees t) */
    char (*g1)[128] = calloc((size_t)t->n, sizeof *g1);
    int32_t n1 = t->n;
    for (int32_t j = 0; j < n1; j++)
        memcpy(g1[j], t->rows[j].top_genes, sizeof g1[j]);

    /* cache: same key, same table; a request without genes is served by it */
    const ftable *t2 = NULL, *t3 = NULL;
    tap_ok(ftable_get(&s, c, NULL, 0, &t2, &e) == 0 && t2 == t, "the table is cached");
    tap_ok(ftable_get(&s, c, "condition", 0, &t3, &e) == 0 && t3 != t && t3->primary == 0 &&
               strcmp(c->lab[t3->lab[0]].name, "condition") == 0,
           "another label list computes another table with that primary label");
    t3 = NULL;

    /* two threads: the same top genes (the per-thread lists merge in a fixed order) */
    cmdt_must(&s, "set threads 2");
    const ftable *t4 = NULL;
    int same = ftable_get(&s, c, "cell_type,batch", 1, &t4, &e) == 0 && t4->n == n1;
    for (int32_t j = 0; same && j < n1; j++)
        same = strcmp(g1[j], t4->rows[j].top_genes) == 0;
    tap_ok(same, "top genes do not depend on the thread count");
    free(g1);
    tap_ok(ftable_get(&s, c, "nope", 0, &t3, &e) < 0 && strstr(e.msg, "no obs column 'nope'"),
           "a missing label is refused: %s", e.msg);

    session_free(&s);
    fclose(devnull);
    return tap_done();
}

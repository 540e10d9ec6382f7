/* test_coverage.c: best feature / direction / family per category on data
 * built with a known answer (a category split across 3 features), the
 * like-with-like purity against brute force, and the seed's singular
 * correlation count against a naive dense computation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "rng.h"
#include "tap.h"

#define N 3000
#define NF 6

static int32_t ct[N], cond[N];
static float F[NF][N];    /* dense copy of the features, for references */
static float LAT[N * 2];

/* best top-N purity of any direction, by sorting each direction afresh */
static double brute_dir_purity(int64_t topn)
{
    double best = 0;
    static float key[N];
    static int32_t idx[N];
    for (int d = 0; d < 2; d++)
        for (int sgn = 1; sgn >= -1; sgn -= 2) {
            /* order cells by score (ties by cell index, as the source does) */
            for (int c = 0; c < N; c++) {
                key[c] = sgn * LAT[2 * c + d];
                idx[c] = c;
            }
            for (int i = 1; i < N; i++) { /* insertion sort: N is small */
                float k = key[i];
                int32_t x = idx[i];
                int j = i;
                while (j > 0 && (key[j - 1] < k || (key[j - 1] == k && idx[j - 1] > x))) {
                    key[j] = key[j - 1];
                    idx[j] = idx[j - 1];
                    j--;
                }
                key[j] = k;
                idx[j] = x;
            }
            int64_t cnt[4] = {0}, seen = 0;
            for (int i = 0; i < N && seen < topn; i++)
                if (ct[idx[i]] >= 0) {
                    cnt[ct[idx[i]]]++;
                    seen++;
                }
            int64_t mx = 0;
            for (int k = 0; k < 4; k++)
                if (cnt[k] > mx)
                    mx = cnt[k];
            if (seen && (double)mx / seen > best)
                best = (double)mx / seen;
        }
    return best;
}

int main(void)
{
    rng g;
    rng_seed(&g, 99);
    static int64_t ip[N + 1];
    static int32_t ix[N * NF];
    static float v[N * NF];
    int64_t nnz = 0, acount = 0;
    for (int c = 0; c < N; c++) {
        ct[c] = (int32_t)rng_below(&g, 4);
        cond[c] = (int32_t)rng_below(&g, 2);
        if (c % 101 == 0)
            ct[c] = -1;
        if (ct[c] == 0) /* A split in thirds over f0, f1, f2 */
            F[acount++ % 3][c] = 1 + (float)rng_uniform(&g);
        if (ct[c] == 1)
            F[3][c] = 0.5f + (float)rng_uniform(&g); /* all of B */
        F[4][c] = 0.1f + (float)rng_uniform(&g);     /* every cell */
        if (ct[c] == 2)
            F[5][c] = 3 + (float)rng_uniform(&g);    /* C */
        for (int j = 0; j < NF; j++)
            if (F[j][c] != 0) {
                ix[nnz] = j;
                v[nnz++] = F[j][c];
            }
        ip[c + 1] = nnz;
        /* dim 0 is low on B: B is found by its negative direction */
        LAT[2 * c] = (ct[c] == 1 ? -1.0f : 1.0f) + 0.2f * (float)rng_normal(&g);
        LAT[2 * c + 1] = (float)rng_normal(&g) + (ct[c] == 2 ? 0.5f : 0.0f);
    }
    inspect_src fs, ds;
    stats_label lab, lc;
    sc_err e;
    const char *names[] = {"A", "B", "C", "D"};
    int ok = inspect_src_sparse(&fs, N, NF, ip, ix, v, "acts", &e) == 0 &&
             inspect_src_dense(&ds, N, 2, LAT, "latent", &e) == 0 &&
             stats_label_init(&lab, "cell_type", ct, N, 4, names, &e) == 0 &&
             stats_label_init(&lc, "condition", cond, N, 2, NULL, &e) == 0;
    coverage_row rows[4];
    coverage_summary sum;
    if (!tap_ok(ok && coverage_run(&fs, &ds, &lab, NULL, rows, &sum, &e) == 0, "coverage runs"))
        return tap_done();
    for (int c = 0; c < 4; c++)
        tap_diag("%s: feature %d F1 %.3f AUROC %.3f | dim view %d F1 %.3f | family n=%d F1 %.3f AUROC %.3f"
                 " | purity %.3f vs %.3f (N=%lld)",
                 names[c], rows[c].feat.view, rows[c].feat.f1.f1, rows[c].feat.auroc,
                 rows[c].dir.view, rows[c].dir.f1.f1, rows[c].fam.n, rows[c].fam.f1.f1,
                 rows[c].fam.auroc, rows[c].feat_purity, rows[c].dir_purity,
                 (long long)rows[c].feat_active);

    /* A: each third alone gives F1 = 2 (P/3) / (P/3 + P) = 0.5 */
    const coverage_row *A = &rows[0];
    int members = 0;
    for (int k = 0; k < A->fam.n; k++)
        members |= 1 << A->fam.view[k];
    tap_ok(A->feat.view >= 0 && A->feat.view <= 2 && fabs(A->feat.f1.f1 - 0.5) < 0.02,
           "A: best single feature is one third, F1 %.3f", A->feat.f1.f1);
    tap_ok(A->fam.n == 3 && members == 7 && A->fam.f1.f1 == 1 && A->fam.f1.precision == 1 &&
               A->fam.f1.recall == 1 && A->fam.auroc == 1,
           "A: the family is features 0, 1, 2 with F1 = 1 and AUROC = 1");
    tap_ok(A->fam.f1.tp == lab.total[0] && A->fam.f1.npred == lab.total[0],
           "A: the union holds exactly the %lld A cells", (long long)lab.total[0]);
    const coverage_row *B = &rows[1];
    tap_ok(B->feat.view == 3 && B->feat.f1.f1 == 1 && B->feat.auroc == 1 && B->fam.n == 1,
           "B: feature 3 alone, F1 = AUROC = 1, no family needed");
    tap_ok(B->dir.view == 1 && B->dir.f1.f1 > 0.99, "B: best direction dim 0- (F1 %.3f)",
           B->dir.f1.f1);
    tap_ok(B->feat_active == lab.total[1] && B->feat_purity == 1 && B->dir_purity > 0.99,
           "B like with like: feature purity 1 on %lld cells, direction %.3f on its top %lld",
           (long long)B->feat_active, B->dir_purity, (long long)B->feat_active);
    const coverage_row *D = &rows[3];
    tap_ok(D->feat.view == 4 && D->fam.n == 1, "D: only the everywhere-feature, no family padding");
    tap_ok(rows[2].feat.view == 5 && rows[2].feat.f1.f1 == 1, "C: feature 5");

    /* summary means and counts against the rows */
    double mf = 0, md = 0, mm = 0;
    int fw = 0, dw = 0;
    for (int c = 0; c < 4; c++) {
        mf += rows[c].feat.f1.f1 / 4;
        md += rows[c].dir.f1.f1 / 4;
        mm += rows[c].fam.f1.f1 / 4;
        fw += rows[c].feat.f1.f1 > rows[c].dir.f1.f1 + 0.01;
        dw += rows[c].dir.f1.f1 > rows[c].feat.f1.f1 + 0.01;
    }
    tap_ok(sum.ncat == 4 && fabs(sum.feat_f1 - mf) < 1e-12 && fabs(sum.dir_f1 - md) < 1e-12 &&
               fabs(sum.fam_f1 - mm) < 1e-12 && sum.feat_wins == fw && sum.dir_wins == dw,
           "summary: mean F1 feature %.3f, direction %.3f, family %.3f; wins %d / %d", sum.feat_f1,
           sum.dir_f1, sum.fam_f1, sum.feat_wins, sum.dir_wins);

    /* like-with-like purity over live features, against brute force */
    double sp = 0, sd = 0;
    int live = 0;
    for (int j = 0; j < NF; j++) {
        int64_t cnt[4] = {0}, n = 0, mx = 0;
        for (int c = 0; c < N; c++)
            if (F[j][c] > 0 && ct[c] >= 0) {
                cnt[ct[c]]++;
                n++;
            }
        if (!n)
            continue;
        for (int k = 0; k < 4; k++)
            if (cnt[k] > mx)
                mx = cnt[k];
        live++;
        sp += (double)mx / n;
        sd += brute_dir_purity(n);
    }
    tap_ok(sum.nlive == live && fabs(sum.feat_purity - sp / live) < 1e-12 &&
               fabs(sum.dir_purity_matched - sd / live) < 1e-12,
           "purity: features %.3f vs best direction on matched top-N %.3f (brute force %.3f / %.3f)",
           sum.feat_purity, sum.dir_purity_matched, sp / live, sd / live);

    /* family of at most one member is the single best feature */
    coverage_opts o;
    coverage_opts_init(&o);
    o.family_max = 1;
    coverage_run(&fs, &ds, &lab, &o, rows, &sum, &e);
    tap_ok(rows[0].fam.n == 1 && fabs(rows[0].fam.f1.f1 - rows[0].feat.f1.f1) < 1e-12 &&
               fabs(rows[0].fam.auroc - rows[0].feat.auroc) < 1e-12,
           "family_max 1: the family is the best feature (same F1 and AUROC)");
    o.family_max = 4;
    tap_ok(coverage_run(&fs, &ds, &lab, &o, rows, &sum, &e) < 0 && strstr(e.msg, "family size 4"),
           "family size out of range refused: %s", e.msg);
    tap_ok(coverage_run(&fs, NULL, &lab, NULL, rows, &sum, &e) == 0 && rows[1].dir.view == -1 &&
               isnan(sum.dir_f1),
           "coverage without a latent leaves the direction columns empty");

    /* the seed's measure against a naive one-hot Pearson count */
    stats_label cols[2] = {lab, lc};
    coverage_seed cs, cd;
    int32_t colf[NF], catf[NF], cold[2], catd[2];
    coverage_seed_measure(&fs, cols, 2, 0.5, &cs, colf, catf, &e);
    coverage_seed_measure(&ds, cols, 2, 0.5, &cd, cold, catd, &e);
    int64_t nsing = 0, ndef = 0;
    int same = 1;
    static double x[N], y[N];
    for (int j = 0; j < NF + 2; j++) {
        for (int c = 0; c < N; c++)
            x[c] = j < NF ? F[j][c] : LAT[2 * c + (j - NF)];
        int strong = 0, wc = -1, wk = -1, def = 0;
        for (int q = 0; q < 2; q++)
            for (int k = 0; k < cols[q].ncat; k++) {
                for (int c = 0; c < N; c++)
                    y[c] = cols[q].code[c] == k;
                double r = stats_pearson(x, y, N);
                def |= !isnan(r);
                if (fabs(r) > 0.5) {
                    strong++;
                    wc = q;
                    wk = k;
                }
            }
        if (j < NF) {
            nsing += strong == 1;
            ndef += def;
            same &= colf[j] == (strong == 1 ? wc : -1) && catf[j] == (strong == 1 ? wk : -1);
        } else {
            same &= cold[j - NF] == (strong == 1 ? wc : -1) && catd[j - NF] == (strong == 1 ? wk : -1);
        }
    }
    tap_ok(cs.nview == NF && cs.nsingular == nsing && cs.ndefined == ndef && same,
           "seed measure: %lld of %lld features singular, as the naive one-hot Pearson count",
           (long long)cs.nsingular, (long long)cs.nview);
    tap_ok(colf[3] == 0 && catf[3] == 1 && cd.nview == 2 && cold[0] == 0 && catd[0] == 1,
           "feature 3 and dim 0 (r < -0.5) are singular for B; latent counted per dimension");
    inspect_src_free(&fs);
    inspect_src_free(&ds);
    stats_label_free(&lab);
    stats_label_free(&lc);
    return tap_done();
}

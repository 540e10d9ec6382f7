/* test_integ.c: integration metrics (src/integ.c) on hand-made cases and
 * against scikit-learn / a numpy LISI written by tests/peer/integ_peer.py
 * into tests/peer/integ_expected.tsv (inputs and expected values). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integ.h"
#include "tap.h"
#include "threads.h"

#define PEER_TSV SC_TOP_SRCDIR "/tests/peer/integ_expected.tsv"

static void hand_silhouette(void)
{
    /* 1-d points 0, 1 | 10, 11: a = 1, b = mean distance to the other pair */
    float X[] = {0, 1, 10, 11};
    int32_t lab[] = {0, 0, 1, 1};
    double s[4];
    sc_err e = {0};
    int rc = integ_silhouette(X, 4, 1, lab, 2, s, &e);
    tap_ok(rc == 0, "silhouette of two pairs runs");
    double s0 = (10.5 - 1) / 10.5, s1 = (9.5 - 1) / 9.5;
    tap_ok(TAP_NEAR(s[0], s0, 1e-12) && TAP_NEAR(s[1], s1, 1e-12) && TAP_NEAR(s[2], s1, 1e-12) &&
               TAP_NEAR(s[3], s0, 1e-12),
           "silhouettes (b - a) / max(a, b): %.12g %.12g %.12g %.12g", s[0], s[1], s[2], s[3]);

    /* a cell alone in its cluster scores 0; an unused code is ignored */
    float Y[] = {0, 1, 2, 20};
    int32_t lab2[] = {0, 0, 0, 2};
    rc = integ_silhouette(Y, 4, 1, lab2, 3, s, &e);
    double a0 = 1.5, b0 = 20;
    tap_ok(rc == 0 && s[3] == 0 && TAP_NEAR(s[0], (b0 - a0) / b0, 1e-12),
           "singleton cluster scores 0, empty codes are skipped (%g, %g)", s[3], s[0]);

    int32_t one[] = {1, 1, 1, 1};
    rc = integ_silhouette(Y, 4, 1, one, 2, s, &e);
    tap_ok(rc < 0 && strstr(e.msg, "at least 2 clusters"), "one cluster is refused: %s", e.msg);
    int32_t bad[] = {0, 1, 5, 0};
    rc = integ_silhouette(Y, 4, 1, bad, 2, s, &e);
    tap_ok(rc < 0 && strstr(e.msg, "cell 2 has code 5"), "out-of-range code is refused: %s",
           e.msg);
}

static void hand_knn(void)
{
    /* 0 1 3 6 10: cell 3's second neighbour is a tie (0 and 6 at 3); the
     * lower index wins */
    float X[] = {0, 1, 3, 6, 10};
    integ_knn g;
    sc_err e = {0};
    int rc = integ_knn_build(X, 5, 1, 2, &g, &e);
    tap_ok(rc == 0, "kNN of 5 points runs");
    if (rc < 0)
        return;
    int32_t want[] = {1, 2, 0, 2, 1, 0, 2, 4, 3, 2};
    double wd[] = {1, 3, 1, 2, 2, 3, 3, 4, 4, 7};
    int same = 1;
    for (int t = 0; t < 10; t++)
        same &= g.idx[t] == want[t] && TAP_NEAR(g.dist[t], wd[t], 1e-12);
    tap_ok(same, "neighbours sorted by distance, self excluded, ties by index");
    int32_t lab[] = {0, 0, 0, 1, 1};
    /* cell 0: 1,2 same (1); 1: 0,2 (1); 2: 1,0 (1); 3: 2 no, 4 yes (1/2); 4: 3 yes, 2 no (1/2) */
    tap_ok(TAP_NEAR(integ_knn_purity(&g, lab), 4.0 / 5, 1e-12), "kNN purity by hand");
    integ_knn_free(&g);

    rc = integ_knn_build(X, 5, 1, 5, &g, &e);
    tap_ok(rc < 0 && strstr(e.msg, "k=5"), "k >= cells is refused: %s", e.msg);
    float N[] = {0, NAN, 3, 6, 10};
    rc = integ_knn_build(N, 5, 1, 2, &g, &e);
    tap_ok(rc < 0 && strstr(e.msg, "non-finite") && strstr(e.msg, "cell 1"),
           "NaN in the embedding is refused: %s", e.msg);
}

static void hand_lisi(void)
{
    /* each cell's 2 neighbours at equal distance: weights 1/2 whatever the
     * kernel, so LISI is 2 with two batches among them and 1 with one */
    float X[] = {0, 1, 2, 100, 101, 102};
    int32_t b[] = {1, 0, 0, 0, 0, 0};
    integ_knn g;
    sc_err e = {0};
    double v[6];
    int rc = integ_knn_build(X, 6, 1, 2, &g, &e);
    rc = rc == 0 ? integ_lisi(&g, b, 2, 1.5, v, &e) : rc;
    tap_ok(rc == 0 && TAP_NEAR(v[1], 2, 1e-9) && TAP_NEAR(v[4], 1, 1e-9),
           "LISI of equidistant neighbours: %g (2 batches), %g (1 batch)", v[1], v[4]);
    /* cell 2: neighbours 1 (batch 0, d 1) and 0 (batch 1, d 2), perplexity
     * 1.5: the weight w of the nearer solves -w ln w - (1-w) ln(1-w) = ln 1.5 */
    double lo = 0.5, hi = 1;
    for (int it = 0; it < 100; it++) {
        double w = (lo + hi) / 2, H = -w * log(w) - (1 - w) * log(1 - w);
        if (H > log(1.5))
            lo = w;
        else
            hi = w;
    }
    double w = (lo + hi) / 2;
    tap_ok(rc == 0 && TAP_NEAR(v[2], 1 / (w * w + (1 - w) * (1 - w)), 1e-4),
           "LISI with perplexity 1.5 by hand: %.6f, expected %.6f", v[2],
           1 / (w * w + (1 - w) * (1 - w)));
    rc = integ_lisi(&g, b, 2, 2, v, &e);
    tap_ok(rc < 0 && strstr(e.msg, "perplexity"), "perplexity >= k is refused: %s", e.msg);
    integ_knn_free(&g);
}

static void hand_scores(void)
{
    /* two cell types far apart along x, each a row of 20 cells 1 apart;
     * batches alternate along the row (mixed) or take its halves (split) */
    enum { N = 40 };
    float X[N * 2];
    int32_t alt[N], half[N], l[N];
    for (int i = 0; i < N; i++) {
        l[i] = i < N / 2;
        alt[i] = i % 2;
        half[i] = i % (N / 2) < N / 4;
        X[2 * i] = (float)(l[i] * 1000 + i % (N / 2));
        X[2 * i + 1] = 0;
    }
    integ_scores r, rs;
    sc_err e = {0};
    int rc = integ_score(X, N, 2, alt, 2, l, 2, 9, &r, &e);
    tap_ok(rc == 0, "integ_score runs: %s", rc ? e.msg : "");
    tap_ok(r.purity == 1 && r.label_asw > 0.98 && r.nbatch == 2 && r.nlabel == 2 &&
               r.batch_asw_types == 2 && r.perplexity == 3,
           "separated types: purity %g, cell-type ASW %g", r.purity, r.label_asw);
    rc = integ_score(X, N, 2, half, 2, l, 2, 9, &rs, &e);
    tap_ok(rc == 0 && r.ilisi > 0.15 && rs.ilisi < 1e-6 && r.batch_asw > 0.9 &&
               rs.batch_asw < r.batch_asw - 0.2,
           "alternating batches mix, halves do not: iLISI %g vs %g, batch ASW %g vs %g", r.ilisi,
           rs.ilisi, r.batch_asw, rs.batch_asw);
    /* batch = type: no mixing at all */
    rc = integ_score(X, N, 2, l, 2, l, 2, 6, &r, &e);
    tap_ok(rc == 0 && r.ilisi == 0 && r.batch_asw_types == 0 && isnan(r.batch_asw),
           "batch = type: iLISI %g, no type with 2 batches for batch ASW", r.ilisi);
    int32_t one[N] = {0};
    rc = integ_score(X, N, 2, one, 1, l, 2, 6, &r, &e);
    tap_ok(rc == 0 && isnan(r.ilisi) && isnan(r.batch_asw) && r.purity == 1,
           "one batch: mixing scores are NaN, bio scores still computed");
    rc = integ_score(X, N, 2, alt, 2, l, 2, 2, &r, &e);
    tap_ok(rc < 0 && strstr(e.msg, "k >= 3"), "k=2 is refused: %s", e.msg);
    /* more than 255 cells of a batch must still count as one batch */
    enum { M = 600 };
    float *Y = malloc(M * sizeof *Y);
    int32_t *yb = malloc(M * sizeof *yb), *yl = malloc(M * sizeof *yl);
    for (int i = 0; i < M; i++) {
        Y[i] = (float)i;
        yb[i] = i % 2;
        yl[i] = i % 3 == 0;
    }
    rc = integ_score(Y, M, 1, yb, 2, yl, 2, 6, &r, &e);
    tap_ok(rc == 0 && r.nbatch == 2 && r.nlabel == 2, "large batches counted once (%d, %d)",
           r.nbatch, r.nlabel);
    free(Y);
    free(yb);
    free(yl);
}

static void hand_codes(void)
{
    char *str[] = {"b", "a", NULL, "b", "c"};
    sc_column c = {.name = "t", .kind = SC_COL_STR, .str = str};
    int32_t *codes;
    int n;
    sc_err e = {0};
    int rc = integ_codes(&c, 5, &codes, &n, &e);
    tap_ok(rc == 0 && n == 3 && codes[0] == 1 && codes[1] == 0 && codes[2] == -1 &&
               codes[3] == 1 && codes[4] == 2,
           "string column: codes in sorted order, missing -1");
    free(codes);
    double num[] = {1, 2};
    sc_column d = {.name = "n_counts", .kind = SC_COL_NUM, .num = num};
    rc = integ_codes(&d, 2, &codes, &n, &e);
    tap_ok(rc < 0 && strstr(e.msg, "n_counts") && strstr(e.msg, "categorical"),
           "numeric column is refused: %s", e.msg);
}

/* ---- peer cases ------------------------------------------------------- */

static int split(char *s, char sep, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == sep) {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static int parse_list(char *s, int64_t n, double *out)
{
    char *p = s;
    for (int64_t i = 0; i < n; i++) {
        char *end;
        out[i] = strtod(p, &end);
        if (end == p)
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return *p == 0 || *p == '\n' ? 0 : -1;
}

static void peer_case(char **f, int threads_check)
{
    const char *name = f[0];
    int64_t n = atoll(f[1]);
    int d = atoi(f[2]), k = atoi(f[3]), nb = atoi(f[4]), nl = atoi(f[5]);
    double *tmp = calloc((size_t)(n * d > 10 ? n * d : 10), sizeof *tmp);
    float *X = calloc((size_t)(n * d), sizeof *X);
    int32_t *b = calloc((size_t)n, sizeof *b), *l = calloc((size_t)n, sizeof *l);
    double want[5], first[10];
    int ok = tmp && X && b && l && parse_list(f[6], n * d, tmp) == 0;
    for (int64_t i = 0; ok && i < n * d; i++)
        X[i] = (float)tmp[i]; /* the peer wrote float32 values: exact */
    ok = ok && parse_list(f[7], n, tmp) == 0;
    for (int64_t i = 0; ok && i < n; i++)
        b[i] = (int32_t)tmp[i];
    ok = ok && parse_list(f[8], n, tmp) == 0;
    for (int64_t i = 0; ok && i < n; i++)
        l[i] = (int32_t)tmp[i];
    for (int t = 0; ok && t < 5; t++)
        want[t] = strtod(f[9 + t], NULL);
    ok = ok && parse_list(f[14], 10, first) == 0;
    tap_ok(ok, "%s: peer row parses", name);
    if (!ok)
        goto out;
    integ_scores r;
    sc_err e = {0};
    int rc = integ_score(X, n, d, b, nb, l, nl, k, &r, &e);
    tap_ok(rc == 0, "%s: integ_score runs %s", name, rc ? e.msg : "");
    /* LISI: both sides stop the bisection at |H - log p| <= 1e-5 from
     * different paths (the peer's exp() may underflow), so 1e-4 */
    tap_ok(TAP_NEAR(r.ilisi, want[0], 1e-4) && TAP_NEAR(r.ilisi_median, want[1], 1e-4),
           "%s: iLISI %.6f (median %.6f), peer %.6f (%.6f)", name, r.ilisi, r.ilisi_median,
           want[0], want[1]);
    /* silhouettes: double distances of float inputs vs scikit-learn's float64 */
    tap_ok(TAP_NEAR(r.batch_asw, want[2], 1e-9), "%s: batch ASW %.10f, scikit-learn %.10f", name,
           r.batch_asw, want[2]);
    tap_ok(TAP_NEAR(r.label_asw, want[3], 1e-9), "%s: cell-type ASW %.10f, scikit-learn %.10f",
           name, r.label_asw, want[3]);
    tap_ok(TAP_NEAR(r.purity, want[4], 1e-12), "%s: kNN purity %.10f, peer %.10f", name, r.purity,
           want[4]);
    integ_knn g;
    double *v = calloc((size_t)n, sizeof *v);
    rc = integ_knn_build(X, n, d, k, &g, &e);
    rc = rc == 0 && v ? integ_lisi(&g, b, nb, floor(k / 3.0), v, &e) : -1;
    int near = rc == 0;
    for (int t = 0; near && t < 10; t++)
        near = TAP_NEAR(v[t], first[t], 1e-4 * first[t]);
    tap_ok(near, "%s: per-cell LISI of the first 10 cells", name);
    if (rc == 0)
        integ_knn_free(&g);
    free(v);
    if (threads_check) {
        /* the same scores, bit for bit, on 1 thread */
        integ_scores r1;
        sc_set_threads(1);
        rc = integ_score(X, n, d, b, nb, l, nl, k, &r1, &e);
        sc_set_threads(2);
        tap_ok(rc == 0 && memcmp(&r, &r1, sizeof r) == 0,
               "%s: 1 and 2 threads give identical scores", name);
    }
out:
    free(tmp);
    free(X);
    free(b);
    free(l);
}

static void peer(void)
{
    FILE *fp = fopen(PEER_TSV, "r");
    tap_ok(fp != NULL, "open %s", PEER_TSV);
    if (!fp)
        return;
    char *line = NULL;
    size_t cap = 0;
    int cases = 0;
    while (getline(&line, &cap, fp) > 0) {
        if (line[0] == '#')
            continue;
        char *f[16];
        int nf = split(line, '\t', f, 16);
        if (!tap_ok(nf == 15, "peer row has 15 fields (%d)", nf))
            continue;
        peer_case(f, strcmp(f[0], "large") == 0);
        cases++;
    }
    free(line);
    fclose(fp);
    tap_ok(cases == 5, "5 peer cases read (%d)", cases);
}

int main(void)
{
    sc_set_threads(2);
    hand_silhouette();
    hand_knn();
    hand_lisi();
    hand_scores();
    hand_codes();
    peer();
    return tap_done();
}

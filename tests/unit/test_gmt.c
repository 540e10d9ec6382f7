/* test_gmt.c: the GMT parser on the MSigDB Hallmark file (shared data) and
 * on broken files written to /tmp, and enrichment on a hand-computed case
 * and on the Hallmark sets. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gmt.h"
#include "stats.h"
#include "tap.h"

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* The file is rejected with a message holding each of the fragments. */
static void bad(const char *name, const char *text, const char *frag1, const char *frag2)
{
    const char *path = write_file(name, text);
    gmt_file g;
    sc_err e;
    int rc = gmt_read(path, &g, &e);
    tap_ok(rc < 0 && strstr(e.msg, path) && strstr(e.msg, frag1) && (!frag2 || strstr(e.msg, frag2)),
           "%s refused: %s", name, rc < 0 ? e.msg : "(accepted)");
    if (rc == 0)
        gmt_free(&g);
}

static void test_small(void)
{
    const char *text = "S1\tdesc one\tg1\tg2\tg3\tgX\n"
                       "S2\td\tg4\tg5\t\n"
                       "\n"
                       "S3\td\tg1\tg1\tg6\r\n";
    const char *path = write_file("small.gmt", text);
    gmt_file g;
    sc_err e;
    if (!tap_ok(gmt_read(path, &g, &e) == 0, "small GMT reads"))
        return;
    tap_ok(g.nsets == 3 && strcmp(g.sets[0].desc, "desc one") == 0 && g.sets[0].ngenes == 4 &&
               g.sets[1].ngenes == 2 && g.sets[2].ngenes == 2 && g.sets[2].line == 4 &&
               strcmp(g.sets[2].genes[1], "g6") == 0,
           "trailing tab, blank line, repeated gene and CRLF handled (S3 on line 4: g1 g6)");
    /* universe g0..g9; query {g1, g2} (g1 twice) */
    const char *uni[] = {"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"};
    int32_t q[] = {1, 2, 1};
    gmt_hit h[3];
    if (!tap_ok(gmt_enrich(&g, uni, 10, q, 3, h, &e) == 0, "enrichment runs"))
        return;
    /* S1: K = 3 (gX absent), k = 2: C(3,2) / C(10,2) = 3/45
     * S2: k = 0: p = 1;  S3: K = 2, k = 1: 1 - C(8,2)/C(10,2) = 17/45
     * BH over 3: 3/45*3 = 0.2, 17/45*3/2 = 0.5667, 1 */
    tap_ok(h[0].in_data == 3 && h[0].absent == 1 && h[0].overlap == 2 &&
               fabs(h[0].p - 3.0 / 45) < 1e-14 && fabs(h[0].q - 0.2) < 1e-14 &&
               fabs(h[0].fold - (2.0 / 2) / (3.0 / 10)) < 1e-14,
           "S1: K 3, 1 absent, k 2, p = 3/45 (%.6f), q = 0.2", h[0].p);
    tap_ok(h[1].overlap == 0 && h[1].p == 1 && h[1].q == 1, "S2: no overlap, p = q = 1");
    tap_ok(h[2].in_data == 2 && h[2].overlap == 1 && fabs(h[2].p - 17.0 / 45) < 1e-14 &&
               fabs(h[2].q - 17.0 / 45 * 1.5) < 1e-14 && h[2].genes[0] == 1,
           "S3: k 1 (g1), p = 17/45, q = 17/30");
    gmt_hits_sort(h, 3);
    tap_ok(h[0].set == 0 && h[1].set == 2 && h[2].set == 1, "sorted by p: S1, S3, S2");
    gmt_hits_free(h, 3);
    const char *other[] = {"x1", "x2"};
    int32_t q0[] = {0};
    tap_ok(gmt_enrich(&g, other, 2, q0, 1, h, &e) < 0 && strstr(e.msg, path) &&
               strstr(e.msg, "none of its 3 gene sets"),
           "no gene of any set in the data: %s", e.msg);
    int32_t qbad[] = {12};
    tap_ok(gmt_enrich(&g, uni, 10, qbad, 1, h, &e) < 0 && strstr(e.msg, "12"),
           "query index out of range: %s", e.msg);
    tap_ok(gmt_enrich(&g, uni, 10, q, 0, h, &e) < 0 && strstr(e.msg, "empty"),
           "empty query: %s", e.msg);
    gmt_free(&g);

    /* the same file gzip-compressed */
    char gzpath[128];
    snprintf(gzpath, sizeof gzpath, "%s/small.gmt.gz", dir);
    gzFile z = gzopen(gzpath, "wb");
    if (z) {
        gzputs(z, text);
        gzclose(z);
    }
    tap_ok(gmt_read(gzpath, &g, &e) == 0 && g.nsets == 3 && g.sets[2].ngenes == 2,
           "gzip-compressed GMT reads the same");
    if (g.nsets)
        gmt_free(&g);
}

static void test_bad(void)
{
    bad("nogenes.gmt", "A\td\tx\nB\tdesc\n", "line 2", "gene set 'B' has no genes");
    bad("onefield.gmt", "A\td\tx\n\nONLYNAME\n", "line 3", "found 1 field");
    bad("emptyname.gmt", "A\td\tx\n\tdesc\tg\n", "line 2", "empty gene set name");
    bad("twice.gmt", "A\td\tx\nB\td\ty\nA\td\tz\n", "line 3", "first on line 1");
    bad("blankgenes.gmt", "A\td\t\t \t\n", "line 1", "has no genes");
    bad("empty.gmt", "\n\n", "no gene sets", NULL);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/absent.gmt", dir);
    gmt_file g;
    sc_err e;
    tap_ok(gmt_read(missing, &g, &e) < 0 && strstr(e.msg, missing) && strstr(e.msg, "No such file"),
           "missing file: %s", e.msg);
}

static int test_hallmark(void)
{
    const char *data = tap_data_dir();
    if (!data) {
        /* the checks above need no data and have run: skip only these
         * (tap_no_data() still fails the file when the data is required) */
        const char *req = getenv("SPARSESC_REQUIRE_DATA");
        if (req && strcmp(req, "1") == 0)
            return tap_no_data();
        printf("ok %d - Hallmark GMT # SKIP shared data not found (set SPARSESC_DATA)\n", ++tap_n);
        return 0;
    }
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/genesets/h.all.v7.0.symbols.gmt", data);
    gmt_file g;
    sc_err e;
    if (!tap_ok(gmt_read(path, &g, &e) == 0, "Hallmark GMT reads (%s)", path)) {
        tap_diag("%s", e.msg);
        return 0;
    }
    int ifna = -1;
    for (int s = 0; s < g.nsets; s++)
        if (strcmp(g.sets[s].name, "HALLMARK_INTERFERON_ALPHA_RESPONSE") == 0)
            ifna = s;
    tap_ok(g.nsets == 50 && strcmp(g.sets[0].name, "HALLMARK_TNFA_SIGNALING_VIA_NFKB") == 0 &&
               g.sets[0].ngenes == 200,
           "50 sets, the first TNFA signalling with 200 genes");
    if (!tap_ok(ifna >= 0 && g.sets[ifna].ngenes == 97 && g.sets[ifna].line == 18 &&
                    strcmp(g.sets[ifna].genes[0], "MX1") == 0,
                "HALLMARK_INTERFERON_ALPHA_RESPONSE: 97 genes on line 18, starting with MX1")) {
        gmt_free(&g);
        return 0;
    }
    /* universe: every gene of the file once, except the last 7 of the
     * interferon-alpha set, plus 100 genes in no set */
    const gmt_set *S = &g.sets[ifna];
    int cap = 20000, nu = 0;
    char **uni = calloc(cap, sizeof *uni);
    for (int s = 0; s < g.nsets; s++)
        for (int k = 0; k < g.sets[s].ngenes; k++) {
            const char *x = g.sets[s].genes[k];
            int skip = 0;
            for (int t = S->ngenes - 7; t < S->ngenes; t++)
                skip |= strcmp(x, S->genes[t]) == 0;
            for (int u = 0; u < nu && !skip; u++)
                skip = strcmp(uni[u], x) == 0;
            if (!skip)
                uni[nu++] = strdup(x);
        }
    for (int k = 0; k < 100; k++) {
        char b[32];
        snprintf(b, sizeof b, "NOTINSET%d", k);
        uni[nu++] = strdup(b);
    }
    /* query: the first 20 interferon-alpha genes and the first 5 of hypoxia */
    int32_t q[25];
    int nq = 0;
    for (int k = 0; k < 20; k++)
        for (int u = 0; u < nu; u++)
            if (strcmp(uni[u], S->genes[k]) == 0)
                q[nq++] = u;
    for (int k = 0; k < 5; k++)
        for (int u = 0; u < nu; u++)
            if (strcmp(uni[u], g.sets[1].genes[k]) == 0)
                q[nq++] = u;
    gmt_hit *h = calloc(g.nsets, sizeof *h);
    int ok = gmt_enrich(&g, (const char *const *)uni, nu, q, nq, h, &e) == 0;
    /* the interferon set's counts, by string comparison */
    int K = 0, k = 0;
    for (int t = 0; t < S->ngenes; t++)
        for (int u = 0; u < nu; u++)
            if (strcmp(uni[u], S->genes[t]) == 0) {
                K++;
                for (int i = 0; i < nq; i++)
                    k += q[i] == u;
            }
    const gmt_hit *H = &h[ifna];
    tap_ok(ok && H->in_data == 90 && H->absent == 7 && K == 90 && H->overlap == k && k >= 20,
           "interferon alpha: 90 of 97 genes in the data, 7 absent, overlap %d", H->overlap);
    tap_ok(ok && fabs(H->logp - stats_hyper_logsf(k, nu, K, nq)) < 1e-12 && H->p < 1e-20,
           "its p-value is the hypergeometric tail for those counts (p = %.3g, q = %.3g)", H->p,
           H->q);
    gmt_hits_sort(h, g.nsets);
    int mono = 1;
    for (int s = 0; s + 1 < g.nsets; s++)
        mono &= h[s].p <= h[s + 1].p && h[s].q <= h[s + 1].q && h[s].q >= h[s].p;
    tap_ok(ok && h[0].set == ifna && mono,
           "interferon alpha ranks first; p and BH q ascend together, q >= p");
    gmt_hits_free(h, g.nsets);
    free(h);
    for (int u = 0; u < nu; u++)
        free(uni[u]);
    free(uni);
    gmt_free(&g);
    return 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_gmt_XXXXXX");
    if (!mkdtemp(dir)) {
        printf("Bail out! cannot make a temporary directory\n");
        return 1;
    }
    test_small();
    test_bad();
    int rc = test_hallmark();
    /* clean up the temporary files */
    const char *names[] = {"small.gmt", "small.gmt.gz", "nogenes.gmt", "onefield.gmt",
                           "emptyname.gmt", "twice.gmt", "blankgenes.gmt", "empty.gmt"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    if (rc)
        return rc;
    return tap_done();
}

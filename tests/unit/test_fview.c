/* test_fview.c: the single-view screen (fview.h) and `select`, on a small
 * simulated data set with a VAE and an SAE trained through the command
 * layer.  Every number is checked against a brute-force recomputation from
 * the SAE's activation matrix, the latent and the raw counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fview.h"
#include "insp.h"
#include "sae_bind.h"
#include "session.h"
#include "stats.h"
#include "tap.h"
#include "cmd_test.h"

/* Every cell's activation of feature j, from the SAE's CSR (0 when absent). */
static double *dense_feature(const session *s, int32_t j)
{
    const sae_csr *A = &s->sae->acts;
    double *x = calloc((size_t)A->nrows, sizeof *x);
    for (int64_t i = 0; i < A->nrows; i++)
        for (int64_t k = A->indptr[i]; k < A->indptr[i + 1]; k++)
            if (A->indices[k] == j)
                x[i] = A->data[k];
    return x;
}

static int label_index(const insp_ctx *c, const char *name)
{
    for (int i = 0; i < c->nlab; i++)
        if (strcmp(c->lab[i].name, name) == 0)
            return i;
    return -1;
}

/* Label row of the view for column `name` (or NULL). */
static const fview_label *view_label(const insp_ctx *c, const fview *v, const char *name)
{
    for (int i = 0; i < v->nlabel; i++)
        if (strcmp(c->lab[v->label[i].lab].name, name) == 0)
            return &v->label[i];
    return NULL;
}

/* Top cells are really the highest of the allowed cells: non-increasing,
 * each value is that cell's score, and no other allowed cell beats the last. */
static int top_is_highest(const fview *v, const double *x, int64_t n, const uint8_t *allow,
                          int positive_only)
{
    uint8_t *in = calloc((size_t)n, 1);
    int ok = 1;
    for (int64_t k = 0; k < v->ntop; k++) {
        int32_t c = v->top_cell[k];
        ok &= fabs(x[c] - v->top_val[k]) < 1e-6 && (!allow || allow[c]);
        ok &= k == 0 || v->top_val[k] <= v->top_val[k - 1];
        in[c] = 1;
    }
    int64_t avail = 0;
    for (int64_t i = 0; i < n; i++)
        avail += (!allow || allow[i]) && (!positive_only || x[i] > 0);
    double last = v->ntop ? v->top_val[v->ntop - 1] : INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (!in[i] && (!allow || allow[i]) && x[i] > last + 1e-6)
            ok = 0;
    /* as many as asked, or every available cell */
    ok &= v->ntop == (avail < 15 ? avail : 15);
    free(in);
    return ok;
}

int main(void)
{
    session s;
    session_init(&s);
    s.out = fopen("/dev/null", "w");
    sc_err e = {{0}};

    cmdt_must(&s, "set threads 1");
    cmdt_must(&s, "set verbose 0");
    cmdt_must_fail(&s, "feature 0", "no data loaded");
    cmdt_must(&s, "simulate cells=600 genes=80 types=3 batches=2 conditions=2 seed=3");
    cmdt_must_fail(&s, "feature 0", "no SAE yet");
    cmdt_must(&s, "vae train epochs=5");
    cmdt_must(&s, "sae train arch=topk k=4 epochs=5");
    cmdt_must_fail(&s, "feature 9999", "out of range");
    cmdt_must_fail(&s, "feature -1", "out of range");
    cmdt_must_fail(&s, "feature x", "expected a number");
    cmdt_must_fail(&s, "feature 0 label=nope", "no obs column 'nope'");
    cmdt_must_fail(&s, "feature 0 label=library_size", "not categorical");
    cmdt_must_fail(&s, "dim 999", "out of range");
    cmdt_must_fail(&s, "select nope=1", "no obs column 'nope'");
    cmdt_must_fail(&s, "select cell_type=NoSuchType", "categories: TypeA");
    cmdt_must_fail(&s, "select feature 9999>0", "out of range");
    cmdt_must_fail(&s, "select feature 3>abc", "expected a number");

    insp_ctx *c = NULL;
    if (!tap_ok(insp_get(&s, INSP_FEAT | INSP_DIR | INSP_GENES, &c, &e) == 0, "insp_get")) {
        tap_diag("%s", e.msg);
        return tap_done();
    }
    int64_t n = s.data->X.nrows;
    const sae_csr *A = &s.sae->acts;

    /* the busiest feature, by brute force over the CSR */
    int32_t nf = (int32_t)A->ncols, j = 0;
    int64_t *cnt = calloc((size_t)nf, sizeof *cnt);
    for (int64_t k = 0; k < A->indptr[n]; k++)
        cnt[A->indices[k]] += A->data[k] > 0;
    for (int32_t f = 1; f < nf; f++)
        if (cnt[f] > cnt[j])
            j = f;
    double *x = dense_feature(&s, j);

    fview_opts o;
    fview_opts_init(&o);
    tap_ok(o.top_cells == 10 && o.top_genes == 10 && o.bins == 20 && !o.labels, "defaults");
    o.top_cells = 15;
    fview v;
    if (!tap_ok(fview_build(&s, c, 0, j, &o, &v, &e) == 0, "build feature %d", j)) {
        tap_diag("%s", e.msg);
        return tap_done();
    }
    tap_ok(v.active == cnt[j] && fabs(v.density - (double)cnt[j] / (double)n) < 1e-12,
           "density %lld/%lld is the brute-force count", (long long)v.active, (long long)n);
    int64_t hs = 0;
    for (int32_t b = 0; b < v.bins; b++)
        hs += v.hist[b];
    tap_ok(hs == cnt[j] && v.hist_inactive == n - cnt[j], "histogram holds the active cells");
    tap_ok(strcmp(v.name, "feature") > 0 && atoi(v.name + 8) == j, "name '%s'", v.name);
    tap_ok(!v.selected && top_is_highest(&v, x, n, NULL, 1), "top cells are the highest");

    /* purity over cell_type, counted by hand */
    int li = label_index(c, "cell_type");
    const fview_label *fl = view_label(c, &v, "cell_type");
    tap_ok(li >= 0 && fl != NULL, "cell_type is a default label");
    if (fl) {
        const stats_label *l = &c->lab[li];
        int64_t per[16] = {0}, tot = 0, best = 0;
        for (int64_t i = 0; i < n; i++)
            if (x[i] > 0 && l->code[i] >= 0) {
                per[l->code[i]]++;
                tot++;
            }
        double h = 0;
        for (int32_t k = 0; k < l->ncat; k++) {
            if (per[k] > per[best])
                best = k;
            if (per[k] > 0)
                h -= (double)per[k] / (double)tot * log2((double)per[k] / (double)tot);
        }
        tap_ok(fl->purity.ncells == tot && fl->purity.top_cat == best &&
                   fabs(fl->purity.share - (double)per[best] / (double)tot) < 1e-12 &&
                   fabs(fl->purity.entropy - h) < 1e-9,
               "purity share %.3f and entropy %.3f match a manual count", fl->purity.share,
               fl->purity.entropy);
        /* one-vs-rest AUROC of category `best` from the dense score */
        float *sc = malloc((size_t)n * sizeof *sc);
        uint8_t *pos = malloc((size_t)n);
        for (int64_t i = 0; i < n; i++) {
            sc[i] = (float)x[i];
            pos[i] = l->code[i] == best;
        }
        double au = NAN;
        stats_auroc(sc, pos, n, &au, &e);
        tap_ok(fabs(au - fl->purity.auroc[best]) < 1e-9, "AUROC %.4f recomputed %.4f",
               fl->purity.auroc[best], au);
        free(sc);
        free(pos);
        /* top-M purity counts only the top-M cells */
        int64_t tm = 0;
        for (int64_t k = 0; k < v.ntop; k++)
            tm += l->code[v.top_cell[k]] >= 0;
        tap_ok(fl->top.ncells == tm && v.top_m == 15, "top-M purity over %lld cells",
               (long long)tm);
    }
    tap_ok(v.batch_label >= 0 && v.label[v.batch_label].is_batch &&
               strcmp(c->lab[v.label[v.batch_label].lab].name, "batch") == 0,
           "batch column found");
    tap_ok(v.have_explain && v.explain_text[0] && v.explain.f1.f1 >= 0 && v.explain.f1.f1 <= 1,
           "explanation '%s' (F1 %.2f)", v.explain_text, v.explain.f1.f1);

    /* gene correlations: one gene recomputed from the raw counts */
    tap_ok(v.ngenes == s.data->X.ncols && v.npearson_top > 0, "correlations for every gene");
    {
        int32_t g = v.p_top[0];
        double *ex = calloc((size_t)n, sizeof *ex);
        const sc_csr *X = &s.data->X;
        for (int64_t i = 0; i < n; i++) {
            double lib = 0;
            for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
                lib += X->data[k];
            for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
                if (X->indices[k] == g && lib > 0)
                    ex[i] = log1p(X->data[k] * 1e4 / lib);
        }
        double r = stats_pearson(x, ex, n), rho = NAN;
        stats_spearman(x, ex, n, &rho, &e);
        tap_ok(fabs(r - v.pearson[g]) < 1e-4, "Pearson of gene %d: %.5f recomputed %.5f", g,
               v.pearson[g], r);
        tap_ok(fabs(rho - v.spearman[g]) < 1e-4, "Spearman of gene %d: %.5f recomputed %.5f", g,
               v.spearman[g], rho);
        int ok = 1;
        for (int64_t k = 0; k < v.ngenes; k++)
            ok &= isnan(v.pearson[k]) || v.pearson[k] <= v.pearson[g];
        ok &= v.pearson[v.p_bottom[0]] <= v.pearson[v.p_bottom[v.npearson_bottom - 1]];
        tap_ok(ok, "the first Pearson gene is the highest");
        free(ex);
    }
    tap_ok(!v.have_lens || v.lens_p_top != NULL, "lens either present or explained");
    tap_ok(v.have_lens || v.lens_reason[0], "lens reason: %s", v.lens_reason);
    FILE *mem = tmpfile();
    tap_ok(fview_print(&s, c, &v, mem, &e) == 0, "print");
    {
        char line[256];
        int wide = 0, lines = 0;
        rewind(mem);
        while (fgets(line, sizeof line, mem)) {
            lines++;
            /* count code points, not bytes (the histogram may be UTF-8) */
            int cps = 0;
            for (char *p = line; *p && *p != '\n'; p++)
                cps += ((unsigned char)*p & 0xC0) != 0x80;
            wide |= cps > 80;
        }
        tap_ok(lines > 20 && !wide, "screen of %d lines fits 80 columns", lines);
    }
    fclose(mem);
    fview_free(&v);

    /* the cells frame: every active cell, sorted */
    sc_frame fr;
    tap_ok(fview_cells_frame(&s, c, 0, j, &fr, &e) == 0 && fr.n == cnt[j] &&
               strcmp(fr.cols[0].name, "activation") == 0 &&
               frame_find(&fr, "cell_type") >= 0 && frame_find(&fr, "batch") >= 0,
           "cells frame: %lld rows, activation and labels", (long long)cnt[j]);
    {
        int ok = fr.n > 0;
        for (int64_t r = 0; r < fr.n; r++) {
            ok &= r == 0 || fr.cols[0].num[r] <= fr.cols[0].num[r - 1];
            int64_t cell = -1;
            for (int64_t i = 0; i < n && cell < 0; i++)
                if (strcmp(s.data->obs.index[i], fr.index[r]) == 0)
                    cell = i;
            ok &= cell >= 0 && fabs(x[cell] - fr.cols[0].num[r]) < 1e-6;
        }
        tap_ok(ok, "frame rows are obs names with their activation, sorted");
    }
    frame_free(&fr);

    /* selection: cell_type=TypeB restricts top cells, not statistics */
    cmdt_must(&s, "select cell_type=TypeB");
    int64_t nb = 0;
    uint8_t *allow = calloc((size_t)n, 1);
    int lb = label_index(c, "cell_type");
    for (int64_t i = 0; i < n; i++)
        if (c->lab[lb].code[i] >= 0 && strcmp(c->lab[lb].cats[c->lab[lb].code[i]], "TypeB") == 0) {
            allow[i] = 1;
            nb++;
        }
    tap_ok(s.sel && s.nsel == nb && strcmp(s.sel_desc, "cell_type=TypeB") == 0,
           "select cell_type=TypeB: %lld cells", (long long)s.nsel);
    if (insp_get(&s, INSP_FEAT | INSP_DIR | INSP_GENES, &c, &e) == 0 &&
        fview_build(&s, c, 0, j, &o, &v, &e) == 0) {
        tap_ok(v.selected && top_is_highest(&v, x, n, allow, 1),
               "selected top cells are the highest TypeB cells (%lld)", (long long)v.ntop);
        tap_ok(v.active == cnt[j], "statistics still over all cells");
        fview_free(&v);
    }
    int64_t selact = 0;
    for (int64_t i = 0; i < n; i++)
        selact += allow[i] && x[i] > 0;
    tap_ok(fview_cells_frame(&s, c, 0, j, &fr, &e) == 0 && fr.n == selact,
           "cells frame keeps the selected active cells (%lld)", (long long)selact);
    frame_free(&fr);
    cmdt_must(&s, "select cell_type=TypeA,TypeB");
    int64_t nab = 0;
    for (int64_t i = 0; i < n; i++)
        nab += c->lab[lb].code[i] >= 0 && strcmp(c->lab[lb].cats[c->lab[lb].code[i]], "TypeC");
    tap_ok(s.nsel == nab, "two values: %lld cells", (long long)s.nsel);
    char cmdline[64];
    snprintf(cmdline, sizeof cmdline, "select feature %d>0", (int)j);
    cmdt_must(&s, cmdline);
    tap_ok(s.nsel == cnt[j], "select feature N>0 picks the active cells");
    cmdt_must_fail(&s, "select feature 0>1e9", "no cell has feature 0 > 1e+09");
    tap_ok(s.nsel == cnt[j], "a failed select keeps the selection");
    cmdt_must(&s, "select all");
    tap_ok(s.sel == NULL && s.nsel == 0, "select all clears");
    {
        /* latent dims need not be centred: cut at the mean so both sides are non-empty */
        double mean = 0;
        for (int64_t i = 0; i < n; i++)
            mean += c->dir_X[i * c->dir_dims + 1] / (double)n;
        char thr[32];
        snprintf(thr, sizeof thr, "%.6g", mean);
        double t = strtod(thr, NULL);
        int64_t above = 0, below = 0;
        for (int64_t i = 0; i < n; i++) {
            above += c->dir_X[i * c->dir_dims + 1] > t;
            below += c->dir_X[i * c->dir_dims + 1] < t;
        }
        snprintf(cmdline, sizeof cmdline, "select dim 1>%s", thr);
        cmdt_must(&s, cmdline);
        tap_ok(s.nsel == above, "select dim 1>%s: %lld cells", thr, (long long)above);
        snprintf(cmdline, sizeof cmdline, "select dim 1<%s", thr);
        cmdt_must(&s, cmdline);
        tap_ok(s.nsel == below && above > 0 && below > 0, "select dim 1<%s: %lld cells", thr,
               (long long)below);
    }
    cmdt_must(&s, "select");
    cmdt_must(&s, "select all");
    free(allow);

    /* dims: dim 2+ and dim 2- mirror each other */
    if (insp_get(&s, INSP_FEAT | INSP_DIR | INSP_GENES, &c, &e) == 0) {
        fview vp, vm;
        int dd = 2 < c->dir_dims ? 2 : 0;
        int32_t view;
        tap_ok(fview_resolve(c, 1, dd, '-', &view, &e) == 0 && view == 2 * dd + 1,
               "dim %d- is view %d", dd, 2 * dd + 1);
        if (fview_build(&s, c, 1, 2 * dd, &o, &vp, &e) == 0 &&
            fview_build(&s, c, 1, 2 * dd + 1, &o, &vm, &e) == 0) {
            double *z = calloc((size_t)n, sizeof *z), *zn = calloc((size_t)n, sizeof *zn);
            int64_t pos = 0, neg = 0;
            for (int64_t i = 0; i < n; i++) {
                z[i] = c->dir_X[i * c->dir_dims + dd];
                zn[i] = -z[i];
                pos += z[i] > 0;
                neg += z[i] < 0;
            }
            tap_ok(vp.active == pos && vm.active == neg, "dim actives %lld+ %lld-",
                   (long long)pos, (long long)neg);
            tap_ok(top_is_highest(&vp, z, n, NULL, 0) && top_is_highest(&vm, zn, n, NULL, 0),
                   "dim top cells: highest values for +, lowest for -");
            int ok = 1;
            for (int64_t g = 0; g < vp.ngenes; g++)
                ok &= (isnan(vp.pearson[g]) && isnan(vm.pearson[g])) ||
                      fabs(vp.pearson[g] + vm.pearson[g]) < 1e-9;
            tap_ok(ok, "dim - correlations are the negated dim + ones");
            tap_ok(!vp.have_lens && vp.hist_inactive == 0 && strcmp(vm.name, "dim 2-") == 0,
                   "dims: no lens, every cell binned, name '%s'", vm.name);
            free(z);
            free(zn);
            fview_free(&vp);
            fview_free(&vm);
        } else {
            tap_ok(0, "build dims: %s", e.msg);
        }
    }
    cmdt_must(&s, "dim 0 sign=- top=3 genes=3");
    cmdt_must(&s, "feature 0 label=cell_type bins=5");

    free(x);
    free(cnt);
    fclose(s.out);
    s.out = stdout;
    session_free(&s);
    return tap_done();
}

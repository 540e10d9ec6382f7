/* cmd-coverage.c: `coverage` and `families`: how well single SAE features,
 * families of up to three features and raw latent directions detect each
 * category of a label (covreport.h computes; this file prints). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "covreport.h"
#include "insp.h"
#include "session.h"

static int get_report(session *s, const cmd_args *a, insp_ctx **c, const covreport **r,
                      sc_err *e)
{
    if (!arg_has(a, "label"))
        return err_set(e, "label=COL is required: the categorical obs column to cover");
    if (insp_get(s, INSP_FEAT, c, e) < 0)
        return -1;
    coverage_opts o;
    coverage_opts_init(&o);
    o.family_max = (int)arg_int(a, "family");
    o.win_margin = arg_real(a, "margin");
    return covreport_get(s, *c, arg_str(a, "label"), arg_str(a, "columns"), &o,
                         arg_real(a, "thr"), r, e);
}

static const char *cat_name(const stats_label *l, int32_t k)
{
    return l->cats && l->cats[k] ? l->cats[k] : "?";
}

static void f1cell(char *b, size_t n, int none, double f1, double p, double r, double au)
{
    if (none)
        snprintf(b, n, "%-4s %4s %4s %4s", "-", "", "", "");
    else
        snprintf(b, n, "%.2f %.2f %.2f %.2f", f1, p, r, au);
    (void)0;
}

static int cmd_coverage(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    const covreport *r;
    if (get_report(s, a, &c, &r, e) < 0)
        return -1;
    const stats_label *l = &c->lab[r->lab];
    const double margin = r->opts.win_margin;
    fprintf(s->out,
            "coverage of %s: for each category the best single SAE feature, the best latent "
            "direction (dim i+ / i-) and the best family of up to %d features, by best-threshold "
            "F1 (precision, recall, AUROC)\n",
            l->name, r->opts.family_max);
    fprintf(s->out, "%-14s %6s | %-5s %-19s | %-6s %-19s | %-11s %-9s | %-9s | %s\n", "category",
            "cells", "feat", "F1   prec rec  AUROC", "dim", "F1   prec rec  AUROC", "family",
            "F1   AUROC", "purity f/d", "better");
    for (int32_t k = 0; k < r->ncat; k++) {
        const coverage_row *w = &r->rows[k];
        if (w->npos == 0)
            continue;
        char fv[16], dv[16], fam[40], fc[40], dc[40], mc[24], pur[24];
        covreport_view_name(c, 0, w->feat.view, fv, sizeof fv);
        covreport_view_name(c, 1, w->dir.view, dv, sizeof dv);
        f1cell(fc, sizeof fc, w->feat.view < 0, w->feat.f1.f1, w->feat.f1.precision,
               w->feat.f1.recall, w->feat.auroc);
        f1cell(dc, sizeof dc, w->dir.view < 0, w->dir.f1.f1, w->dir.f1.precision,
               w->dir.f1.recall, w->dir.auroc);
        fam[0] = 0;
        for (int i = 0; i < w->fam.n; i++) {
            size_t u = strlen(fam);
            snprintf(fam + u, sizeof fam - u, "%s%d", i ? "+" : "", (int)w->fam.view[i]);
        }
        if (w->fam.n == 0)
            snprintf(fam, sizeof fam, "-");
        if (w->fam.n)
            snprintf(mc, sizeof mc, "%.2f %.2f", w->fam.f1.f1, w->fam.auroc);
        else
            snprintf(mc, sizeof mc, "-");
        if (isnan(w->feat_purity))
            snprintf(pur, sizeof pur, "-");
        else if (isnan(w->dir_purity))
            snprintf(pur, sizeof pur, "%.2f/-", w->feat_purity);
        else
            snprintf(pur, sizeof pur, "%.2f/%.2f", w->feat_purity, w->dir_purity);
        const char *better = "-";
        if (w->feat.view >= 0 && w->dir.view >= 0) {
            double d = w->feat.f1.f1 - w->dir.f1.f1;
            double dm = w->fam.n ? w->fam.f1.f1 - w->dir.f1.f1 : d;
            better = d > margin    ? "feature"
                     : dm > margin ? "family"
                     : d < -margin && dm < -margin ? "dim"
                                                   : "tie";
        }
        char cn[24];
        snprintf(cn, sizeof cn, "%s", cat_name(l, k));
        fprintf(s->out, "%-14s %6lld | %-5s %-19s | %-6s %-19s | %-11s %-9s | %-9s | %s\n", cn,
                (long long)w->npos, fv, fc, dv, dc, fam, mc, pur, better);
    }
    const coverage_summary *m = &r->sum;
    fprintf(s->out, "\nmean best F1 over %d categories: single features %.3f, latent directions "
                    "%.3f, families %.3f (AUROC %.3f, %.3f, %.3f)\n",
            (int)m->ncat, m->feat_f1, m->dir_f1, m->fam_f1, m->feat_auroc, m->dir_auroc,
            m->fam_auroc);
    if (r->have_dir) {
        fprintf(s->out,
                "single feature vs latent direction: features better in %d, directions better "
                "in %d of %d categories (F1 margin %.2f)\n",
                (int)m->feat_wins, (int)m->dir_wins, (int)m->ncat, margin);
        fprintf(s->out,
                "family vs latent direction: families better in %d, worse in %d of %d\n",
                (int)m->fam_wins, (int)m->fam_losses, (int)m->ncat);
        fprintf(s->out,
                "purity of the %lld live features' active cells: %.3f; the best latent "
                "direction's top cells, as many: %.3f\n",
                (long long)m->nlive, m->feat_purity, m->dir_purity_matched);
    } else {
        fprintf(s->out, "(no latent to compare: the SAE's input is not available)\n");
    }
    char cols[512] = "";
    for (int i = 0; i < r->ncols; i++) {
        size_t u = strlen(cols);
        snprintf(cols + u, sizeof cols - u, "%s%s", i ? "," : "", c->lab[r->cols[i]].name);
    }
    fprintf(s->out, "explained at F1 >= %.1f by a label or a pair of labels (%s): features %lld "
                    "of %lld live (%.0f%%)",
            FTABLE_MIN_F1, cols, (long long)r->feat_share.nexplained,
            (long long)r->feat_share.nlive, 100 * r->feat_share.share);
    if (r->have_dir)
        fprintf(s->out, ", latent directions %lld of %lld (%.0f%%)",
                (long long)r->dir_share.nexplained, (long long)r->dir_share.nlive,
                100 * r->dir_share.share);
    fprintf(s->out, "\n");
    fprintf(s->out, "the seed's measure (|r| > %.2f with exactly one one-hot column of %s): "
                    "SAE features %lld of %lld",
            r->seed_thr, cols, (long long)r->seed_feat.nsingular, (long long)r->seed_feat.nview);
    if (r->have_dir)
        fprintf(s->out, ", latent dims %lld of %lld", (long long)r->seed_dim.nsingular,
                (long long)r->seed_dim.nview);
    fprintf(s->out, "\n");
    return 0;
}

static int cmd_families(session *s, const cmd_args *a, sc_err *e)
{
    insp_ctx *c;
    const covreport *r;
    if (get_report(s, a, &c, &r, e) < 0)
        return -1;
    const stats_label *l = &c->lab[r->lab];
    fprintf(s->out, "families of up to %d features covering each category of %s (a member "
                    "counts a cell when its activation reaches its threshold)\n",
            r->opts.family_max, l->name);
    for (int32_t k = 0; k < r->ncat; k++) {
        const coverage_row *w = &r->rows[k];
        if (w->npos == 0)
            continue;
        fprintf(s->out, "%s (%lld cells): ", cat_name(l, k), (long long)w->npos);
        if (w->fam.n == 0) {
            fprintf(s->out, "no feature fires on it\n");
            continue;
        }
        for (int i = 0; i < w->fam.n; i++)
            fprintf(s->out, "%sfeature %d >= %.3g", i ? " or " : "", (int)w->fam.view[i],
                    (double)w->fam.threshold[i]);
        fprintf(s->out, "\n    union F1 %.2f (precision %.2f, recall %.2f), AUROC %.3f; best "
                        "single feature %d alone F1 %.2f\n",
                w->fam.f1.f1, w->fam.f1.precision, w->fam.f1.recall, w->fam.auroc,
                (int)w->feat.view, w->feat.f1.f1);
    }
    return 0;
}

#define COVERAGE_OPTS                                                                        \
    {"label", ARG_OBS, NULL, NULL, 0, 0, "The categorical obs column to cover (required)."}, \
    {"columns", ARG_LIST, NULL, NULL, 0, 0,                                                   \
     "Columns for the explained shares and the seed's measure (default: every categorical "  \
     "column with 2 to 200 categories; the batch column is always added)."},                   \
    {"family", ARG_INT, "3", NULL, 1, 3, "Largest family (1 to 3 features)."},                \
    {"margin", ARG_REAL, "0.01", NULL, 0, 1, "F1 difference that counts as better."},         \
    {"thr", ARG_REAL, "0.5", NULL, 0, 1,                                                       \
     "|Pearson r| above which the seed's measure counts a correlation."}

static const opt_spec coverage_opts_spec[] = {COVERAGE_OPTS, {0}};

const cmd_entry cmd_group_coverage[] = {
    {"coverage", NULL, NULL, coverage_opts_spec,
     "how well features and latent dims detect each category of a label",
     "For each category of label= (each cell type, say): the best single SAE feature and the "
     "best raw latent direction (each sign of each dimension), chosen by best-threshold F1 of "
     "score >= t as a detector of the category (features use thresholds among their active "
     "values), with precision, recall and one-vs-rest AUROC; the best family of up to three "
     "features whose union (each member above its own threshold) covers the category, grown "
     "greedily from the best single feature; purity compared like with like (the best "
     "feature's active cells against the best direction's top cells, as many); and which view "
     "does better.\n\n"
     "The summary gives the mean best F1 and AUROC of each view, how many categories each "
     "wins, the share of live features and of latent directions that a label or a pair of "
     "labels explains at F1 >= 0.7, and the seed's own measure (pedroglrz/sparseSC "
     "analysis_1): each feature and each latent dimension Pearson-correlated with every "
     "one-hot column of the columns, counting those with |r| > thr for exactly one column. "
     "Single features often fragment a cell type into states; the family column shows "
     "whether a few of them together cover it. Losses are shown as plainly as wins.",
     "coverage label=cell_type\ncoverage label=condition columns=cell_type,condition",
     cmd_coverage, NULL},
    {"families", NULL, NULL, coverage_opts_spec, "the feature families behind `coverage`",
     "For each category of label=, the family of up to three features `coverage` found: each "
     "member with its activation threshold, the union's F1, precision, recall and AUROC, and "
     "the best single feature's F1 for comparison.",
     "families label=cell_type", cmd_families, NULL},
    {0},
};

/* cmd-inspect.c: `feature N`, `dim N` (the single-view screen, fview.h) and
 * `select` (which cells the views list and export).
 *
 * Statistics on the screen always use every cell so that two views, or the
 * same view under two selections, stay comparable; a selection restricts
 * only the listed top cells and the rows of `export feature N cells.tsv`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fview.h"
#include "insp.h"
#include "sae_bind.h"
#include "session.h"

static int view_opts(const cmd_args *a, fview_opts *o)
{
    fview_opts_init(o);
    o->top_cells = arg_int(a, "top");
    o->top_genes = (int32_t)arg_int(a, "genes");
    o->bins = (int32_t)arg_int(a, "bins");
    o->labels = arg_str(a, "label");
    return 0;
}

static int show_view(session *s, const cmd_args *a, int is_dim, int64_t n, char sign, sc_err *e)
{
    insp_ctx *c;
    if (insp_get(s, (is_dim ? INSP_DIR : INSP_FEAT) | INSP_GENES, &c, e) < 0)
        return -1;
    int32_t view;
    if (fview_resolve(c, is_dim, n, sign, &view, e) < 0)
        return -1;
    fview_opts o;
    view_opts(a, &o);
    fview v;
    if (fview_build(s, c, is_dim, view, &o, &v, e) < 0)
        return -1;
    int rc = fview_print(s, c, &v, s->out, e);
    fview_free(&v);
    return rc;
}

/* The feature whose activation detects COL=VALUE best (best-threshold F1
 * over its active values, as `coverage` chooses), for `feature best=...`. */
static int best_feature(session *s, const char *spec, int64_t *out, sc_err *e)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1])
        return err_set(e, "best=%s: expected COL:VALUE, e.g. best=condition:stim", spec);
    char col[128];
    snprintf(col, sizeof col, "%.*s", (int)(colon - spec), spec);
    insp_ctx *c;
    if (insp_get(s, INSP_FEAT, &c, e) < 0)
        return -1;
    int li = insp_label(c, s, col, e);
    if (li < 0)
        return -1;
    const stats_label *l = &c->lab[li];
    int32_t cat = -1;
    for (int32_t k = 0; k < l->ncat; k++)
        if (l->cats && l->cats[k] && strcmp(l->cats[k], colon + 1) == 0)
            cat = k;
    if (cat < 0)
        return err_set(e, "best=%s: '%s' is not a category of %s", spec, colon + 1, col);
    stats_ws ws;
    stats_f1 *f1 = sc_calloc(e, (size_t)l->ncat, sizeof *f1);
    if (!f1 || stats_ws_init(&ws, l->ncat, 2, e) < 0) {
        free(f1);
        return -1;
    }
    double best = -1;
    *out = -1;
    for (int32_t j = 0; j < c->feat.nview; j++) {
        stats_ranked r;
        inspect_ranked(&c->feat, j, &r);
        stats_f1_cats(&r, l, 1, f1, &ws);
        if (f1[cat].f1 > best) {
            best = f1[cat].f1;
            *out = j;
        }
    }
    stats_ws_free(&ws);
    free(f1);
    if (*out < 0 || best <= 0)
        return err_set(e, "best=%s: no feature fires on those cells", spec);
    session_info(s, "feature %lld detects %s=%s best (F1 %.2f)\n", (long long)*out, col,
                 colon + 1, best);
    return 0;
}

static int cmd_feature(session *s, const cmd_args *a, sc_err *e)
{
    int64_t n;
    if (arg_has(a, "best") == arg_has(a, "N"))
        return err_set(e, "give a feature number or best=COL:VALUE (one of them)");
    if (arg_has(a, "best") ? best_feature(s, arg_str(a, "best"), &n, e) < 0
                           : arg_parse_id(arg_str(a, "N"), "feature N", &n, e) < 0)
        return -1;
    return show_view(s, a, 0, n, '+', e);
}

static int cmd_dim(session *s, const cmd_args *a, sc_err *e)
{
    return show_view(s, a, 1, arg_int(a, "N"), arg_int(a, "sign") == 1 ? '-' : '+', e);
}

/* ---- select --------------------------------------------------------------- */

static void set_selection(session *s, uint8_t *sel, int64_t nsel, const char *desc)
{
    free(s->sel);
    s->sel = sel;
    s->nsel = nsel;
    snprintf(s->sel_desc, sizeof s->sel_desc, "%s", desc);
}

/* Does obs value `v` of column col at row i equal the word w? */
static int value_is(const sc_column *col, int64_t i, const char *w, int32_t code)
{
    switch (col->kind) {
    case SC_COL_CAT: return col->codes[i] >= 0 && col->codes[i] == code;
    case SC_COL_STR: return col->str[i] && strcmp(col->str[i], w) == 0;
    default: {
        char *end;
        double x = strtod(w, &end);
        return *w && !*end && col->num[i] == x;
    }
    }
}

/* COL=V1,V2,...: cells whose obs value is one of the values. */
static int select_assign(session *s, const char *word, uint8_t *sel, int64_t *nsel, sc_err *e)
{
    const sc_dataset *d = s->data;
    const char *eq = strchr(word, '=');
    char col[256];
    snprintf(col, sizeof col, "%.*s", (int)(eq - word), word);
    int ci = frame_find(&d->obs, col);
    if (ci < 0) {
        char names[1024];
        frame_names(&d->obs, names, sizeof names);
        return err_set(e, "no obs column '%s'; columns: %s", col, names);
    }
    const sc_column *oc = &d->obs.cols[ci];
    if (!eq[1])
        return err_set(e, "%s=: expected one or more values after '='", col);
    char vals[1024];
    snprintf(vals, sizeof vals, "%s", eq + 1);
    for (char *save = NULL, *v = strtok_r(vals, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
        int32_t code = -1;
        if (oc->kind == SC_COL_CAT) {
            for (int32_t k = 0; k < oc->ncats; k++)
                if (oc->cats[k] && strcmp(oc->cats[k], v) == 0)
                    code = k;
            if (code < 0) {
                char cats[768] = "";
                for (int32_t k = 0; k < oc->ncats && strlen(cats) < 700; k++) {
                    size_t u = strlen(cats);
                    snprintf(cats + u, sizeof cats - u, "%s%s", k ? ", " : "",
                             oc->cats[k] ? oc->cats[k] : "");
                }
                return err_set(e, "obs column '%s' has no category '%s'; categories: %s",
                               col, v, cats);
            }
        }
        for (int64_t i = 0; i < d->X.nrows; i++)
            if (!sel[i] && value_is(oc, i, v, code)) {
                sel[i] = 1;
                (*nsel)++;
            }
    }
    return 0;
}

/* "N>X" / "N<X" (or "N" alone: N>0) after `select feature` / `select dim`. */
static int parse_cond(const char *w, const char *what, int64_t *n, int *gt, double *x, sc_err *e)
{
    const char *op = strpbrk(w, "<>");
    char num[64];
    snprintf(num, sizeof num, "%.*s", op ? (int)(op - w) : (int)strlen(w), w);
    if (arg_parse_id(num, what, n, e) < 0)
        return err_set(e, "%s %s: expected N, N>X or N<X (e.g. %s 3>0)", what, w, what);
    *gt = 1;
    *x = 0;
    if (!op)
        return 0;
    *gt = *op == '>';
    char *end;
    *x = strtod(op + 1, &end);
    if (end == op + 1 || *end || !isfinite(*x))
        return err_set(e, "%s %s: expected a number after '%c'", what, w, *op);
    return 0;
}

static int select_score(session *s, const cmd_args *a, uint8_t *sel, int64_t *nsel, char *desc,
                        size_t dsize, sc_err *e)
{
    int is_dim = strcmp(a->rest[0], "dim") == 0;
    if (a->nrest != 2)
        return err_set(e, "after '%s' expected one condition such as '%s 3>0'", a->rest[0],
                       a->rest[0]);
    int64_t n;
    int gt = 1;
    double x = 0;
    if (parse_cond(a->rest[1], a->rest[0], &n, &gt, &x, e) < 0)
        return -1;
    insp_ctx *c;
    if (insp_get(s, is_dim ? INSP_DIR : INSP_FEAT, &c, e) < 0)
        return -1;
    int32_t view;
    if (fview_resolve(c, is_dim, n, '+', &view, e) < 0)
        return -1;
    int64_t ncell = s->data->X.nrows;
    /* the score of every cell: dims read the raw latent, features default to 0 */
    double *score = sc_calloc(e, (size_t)(ncell ? ncell : 1), sizeof *score);
    if (!score)
        return -1;
    if (is_dim) {
        for (int64_t i = 0; i < ncell; i++)
            score[i] = c->dir_X[i * c->dir_dims + n];
    } else {
        const inspect_src *src = &c->feat;
        for (int64_t k = src->ptr[view]; k < src->ptr[view + 1]; k++)
            score[src->cell[k]] = src->val[k];
    }
    for (int64_t i = 0; i < ncell; i++)
        if (gt ? score[i] > x : score[i] < x) {
            sel[i] = 1;
            (*nsel)++;
        }
    free(score);
    snprintf(desc, dsize, "%s %lld %c %g", is_dim ? "dim" : "feature", (long long)n, gt ? '>' : '<',
             x);
    return 0;
}

static int cmd_select(session *s, const cmd_args *a, sc_err *e)
{
    if (!s->data)
        return err_set(e, "no data loaded; use `load FILE` or `simulate` first");
    int64_t ncell = s->data->X.nrows;
    if (a->nrest == 0) {
        if (s->sel)
            fprintf(s->out, "selection: %s (%lld of %lld cells)\n", s->sel_desc,
                    (long long)s->nsel, (long long)ncell);
        else
            fprintf(s->out, "selection: all %lld cells\n", (long long)ncell);
        return 0;
    }
    const char *w = a->rest[0];
    if (strcmp(w, "all") == 0) {
        if (a->nrest > 1)
            return err_set(e, "'all' takes nothing after it");
        set_selection(s, NULL, 0, "");
        session_info(s, "selection cleared: all %lld cells\n", (long long)ncell);
        return 0;
    }
    uint8_t *sel = sc_calloc(e, (size_t)(ncell ? ncell : 1), 1);
    if (!sel)
        return -1;
    int64_t nsel = 0;
    char desc[160];
    int rc;
    if (strchr(w, '=')) {
        rc = a->nrest == 1 ? select_assign(s, w, sel, &nsel, e)
                           : err_set(e, "one COL=VALUE at a time (several values with commas: "
                                        "cell_type=B,T)");
        snprintf(desc, sizeof desc, "%s", w);
    } else if (strcmp(w, "feature") == 0 || strcmp(w, "dim") == 0) {
        rc = select_score(s, a, sel, &nsel, desc, sizeof desc, e);
    } else {
        rc = err_set(e, "expected COL=VALUE, feature N>X, dim N>X or all, got '%s'", w);
    }
    if (rc == 0 && nsel == 0)
        rc = err_set(e, "no cell has %s; the selection is unchanged", desc);
    if (rc < 0) {
        free(sel);
        return -1;
    }
    set_selection(s, sel, nsel, desc);
    session_info(s, "selected %lld of %lld cells (%s)\n", (long long)nsel, (long long)ncell,
                 desc);
    return 0;
}

/* ---- table ---------------------------------------------------------------- */

#define VIEW_OPTS                                                                                \
    {"top", ARG_INT, "10", NULL, 1, 1e6, "Top cells listed, and M of the top-M purity."},       \
        {"genes", ARG_INT, "10", NULL, 1, 1000,                                                  \
         "Genes listed at each end (highest and lowest correlation)."},                          \
        {"bins", ARG_INT, "20", NULL, 1, 200, "Histogram bins."},                                \
    {                                                                                            \
        "label", ARG_LIST, NULL, NULL, 0, 0,                                                     \
            "Categorical obs columns for purity, association and the explanation (default: "     \
            "every categorical column with 2 to 200 categories; the batch column is always "     \
            "added)."                                                                            \
    }

static const arg_spec feature_args[] = {
    {"N", ARG_FEATURE, ARG_OPTIONAL, NULL, NULL, 0, 0,
     "The feature id (0 .. features - 1); or give best=."},
    {0},
};
static const opt_spec feature_opts[] = {
    {"best", ARG_WORD, NULL, NULL, 0, 0,
     "COL:VALUE: show the feature that detects that category best (best-threshold F1), "
     "e.g. best=condition:stim."},
    VIEW_OPTS,
    {0},
};

static const arg_spec dim_args[] = {
    {"N", ARG_INT, 0, NULL, NULL, 0, 1e6, "The latent dimension (0 .. dims - 1)."},
    {0},
};
static const opt_spec dim_opts[] = {
    {"sign", ARG_CHOICE, "+", "+|-", 0, 0,
     "Direction: + scores cells by the dimension's value, - by its negative."},
    VIEW_OPTS,
    {0},
};

static const arg_spec select_args[] = {
    {"WHAT", ARG_ASSIGN, ARG_OPTIONAL | ARG_REPEAT, NULL, NULL, 0, 0,
     "COL=VALUE[,VALUE..], feature N>X, dim N>X (also N<X), or all."},
    {0},
};

#define STATS_NOTE                                                                               \
    "Statistics (density, histogram, purity, association, explanation, gene correlations) "     \
    "use every cell, so numbers stay comparable whatever is selected; `select` restricts "     \
    "only the listed top cells and `export feature N cells.tsv`."

const cmd_entry cmd_group_inspect[] = {
    {"feature", NULL, feature_args, feature_opts, "one screen about one SAE feature",
     "Shows what feature N does: its density (share of cells where it is active) and a "
     "histogram of its activations; the one-line explanation (the label, or conjunction of two "
     "labels from different columns, that its activation detects best by best-threshold F1, "
     "with precision and recall); its top cells with their obs labels; purity for each label "
     "column (the share of its active cells, and of its top-M cells, in the most common "
     "category, the entropy of that distribution in bits, and the one-vs-rest AUROC of the "
     "activation for each category); the association with each label (largest |AUROC - 0.5|, "
     "mutual information of active/inactive with the label, and U = MI / H(activity)), with "
     "a warning when the batch column explains the activity more than every other label "
     "(U >= 0.05); and the genes whose log-normalised expression correlates most and least "
     "with the activation across cells (Pearson and Spearman), with the gene lens (the "
     "feature's decoder direction pushed through the VAE decoder, log2 fold change per gene) "
     "when it is available.\n\n" STATS_NOTE,
     "feature 12\nfeature 12 top=20 genes=15\nfeature 3 label=cell_type,condition\n"
     "feature best=condition:stim",
     cmd_feature, NULL},
    {"dim", NULL, dim_args, dim_opts, "the same screen for a raw latent dimension",
     "Shows the `feature` screen for latent dimension N of the SAE's input (the VAE latent, "
     "or the embedding the SAE read), taken as a direction: `dim N` (sign=+) scores each cell "
     "by its value on dimension N, `dim N sign=-` by the negative value, so dim N- is the "
     "negative direction and its top cells are the most negative ones. \"Active\" cells are "
     "those with a positive score; the histogram covers every cell. There is no gene lens "
     "for a dimension.\n\n" STATS_NOTE,
     "dim 3\ndim 3 sign=-\ndim 0 top=5 label=cell_type", cmd_dim, NULL},
    {"select", NULL, select_args, NULL, "choose the cells the inspection views list",
     "Chooses cells for `feature`, `dim` and `export feature N cells.tsv`: `select "
     "COL=VALUE` keeps cells whose obs column COL equals VALUE (several values separated by "
     "commas; categorical, string or numeric columns); `select feature N>X` keeps cells where "
     "feature N's activation is above X (`feature N` alone means N>0), `select dim N>X` cells "
     "whose latent dimension N is above X (N<X for below). Each `select` replaces the previous "
     "selection; `select all` clears it and `select` alone shows it. A selection that matches "
     "no cell is refused. The selection is dropped when the data changes.\n\n" STATS_NOTE,
     "select cell_type=TypeA\nselect condition=ctrl,stim\nselect feature 12>0\n"
     "select dim 3<-1\nselect all\nselect",
     cmd_select, NULL},
    {0},
};

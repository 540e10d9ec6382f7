/* scr-features.c: the Features screen: every SAE feature in a table
 * (density, best label and its AUROC and purity, batch association, the
 * F1 of its explanation, top genes), sorted by `s`, searched by `/`, with
 * dead (D) and batch-following (B) features marked; Enter opens one in the
 * Feature detail screen.  The numbers come from tui_data.h (ftable.h).
 *
 * Minimum body: SCR_FEATURES_MIN_W x SCR_FEATURES_MIN_H (60 x 6): a header
 * line, the column titles and a few rows; 80x24 shows 13 rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_data.h"
#include "tui_int.h"

/* Columns: title, width (0: the rest), right-aligned. */
static const struct {
    const char *title;
    int w, right;
} col[] = {{"", 2, 0},       {"feat", 5, 1},    {"density", 7, 1}, {"best label", 14, 0},
           {"AUROC", 5, 1},  {"purity", 6, 1},  {"batch", 5, 1},   {"F1", 4, 1},
           {"top genes", 0, 0}};
#define NCOL ((int)(sizeof col / sizeof *col))

/* The table if it is ready (no computing here: keys must not block). */
static int table(tui *t, tui_feature_table *tab)
{
    sc_err e = {{0}};
    if (t->busy)
        return 0;
    return tui_data_features(t->s, 0, t->sort, t->sort_rev, tab, &e) == 0 && tab->n > 0;
}

static void num(char *buf, size_t size, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, fmt, v);
}

/* Does row r match the search text (case ignored)?  A number matches that
 * feature id; anything else the best label, its column, the explanation or
 * the top genes. */
static int matches(const tui_feature_row *r, const char *q)
{
    char *end;
    long id = strtol(q, &end, 10);
    if (*q && *end == '\0')
        return r->id == id;
    const char *fields[] = {r->label, r->label_col, r->explain, r->top_genes};
    size_t n = strlen(q);
    for (int f = 0; f < 4; f++)
        for (const char *p = fields[f]; *p; p++)
            if (strncasecmp(p, q, n) == 0)
                return 1;
    return 0;
}

/* Select the first matching row from `from` in direction dir (+1 / -1),
 * wrapping around; 0 when none matches. */
static int search(tui *t, const tui_feature_table *tab, int from, int dir)
{
    for (int k = 0; k < tab->n; k++) {
        int i = ((from + dir * k) % tab->n + tab->n) % tab->n;
        if (matches(&tab->rows[tab->order[i]], t->search)) {
            t->row = i;
            return 1;
        }
    }
    return 0;
}

void scr_features_act(tui *t, tui_action a)
{
    tui_feature_table tab;
    int have = table(t, &tab);
    int page = LINES / 2 > 1 ? LINES / 2 : 1;
    int id = have && t->row >= 0 && t->row < tab.n ? tab.rows[tab.order[t->row]].id : -1;
    switch (a) {
    case ACT_ROW_UP:
        t->row--;
        break;
    case ACT_ROW_DOWN:
        t->row++;
        break;
    case ACT_ROW_PGUP:
        t->row -= page;
        break;
    case ACT_ROW_PGDN:
        t->row += page;
        break;
    case ACT_ROW_TOP:
        t->row = 0;
        break;
    case ACT_ROW_END:
        t->row = have ? tab.n - 1 : 0;
        break;
    case ACT_SORT:
    case ACT_SORT_REVERSE:
        if (a == ACT_SORT) {
            t->sort = (t->sort + 1) % TUI_NSORT;
            t->sort_rev = 0;
        } else {
            t->sort_rev = !t->sort_rev;
        }
        tui_flash(t, 0, "sorted by %s%s", tui_sort_names[t->sort],
                  t->sort_rev ? ", reversed" : "");
        t->row = 0; /* the new order from its top */
        break;
    case ACT_SEARCH:
        if (!have) {
            tui_flash(t, 1, "nothing to search: no feature table yet");
            break;
        }
        t->search_open = 1;
        le_clear(&t->search_le);
        break;
    case ACT_SE_CANCEL:
        t->search_open = 0;
        break;
    case ACT_SE_ENTER:
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        if (a == ACT_SE_ENTER) {
            t->search_open = 0;
            if (t->search_le.len == 0)
                break;
            snprintf(t->search, sizeof t->search, "%.*s", (int)sizeof t->search - 1,
                     t->search_le.buf);
            le_hist_add(&t->search_le, t->search);
        }
        if (!t->search[0]) {
            tui_flash(t, 1, "no search yet: / searches");
            break;
        }
        if (!have)
            break;
        if (search(t, &tab, a == ACT_SE_ENTER ? t->row : a == ACT_SEARCH_NEXT ? t->row + 1
                                                                                : t->row - 1,
                   a == ACT_SEARCH_PREV ? -1 : 1))
            tui_flash(t, 0, "/%s: feature %d", t->search, tab.rows[tab.order[t->row]].id);
        else
            tui_flash(t, 1, "no feature matches '%s'", t->search);
        break;
    case ACT_OPEN:
        if (id < 0) {
            tui_flash(t, 1, "no feature to open yet");
            break;
        }
        t->detail_feat = id;
        t->detail_is_dim = 0;
        t->screen = SCR_DETAIL;
        break;
    default:
        break;
    }
    if (have) {
        if (t->row >= tab.n)
            t->row = tab.n - 1;
    }
    if (t->row < 0)
        t->row = 0;
}

static void draw_row(tui *t, int y, int x, int w, const tui_feature_row *r, int selected)
{
    char cell[NCOL][128];
    snprintf(cell[0], sizeof cell[0], "%s", r->dead ? "D" : r->follows_batch ? "B" : "");
    snprintf(cell[1], sizeof cell[1], "%d", r->id);
    num(cell[2], sizeof cell[2], r->density * 100, "%.1f%%");
    snprintf(cell[3], sizeof cell[3], "%s", r->label[0] ? r->label : "-");
    num(cell[4], sizeof cell[4], r->auroc, "%.2f");
    num(cell[5], sizeof cell[5], r->purity, "%.2f");
    num(cell[6], sizeof cell[6], r->batch_u, "%.2f");
    num(cell[7], sizeof cell[7], r->explained, "%.2f");
    snprintf(cell[8], sizeof cell[8], "%s", r->top_genes);
    if (selected) { /* the whole line in the selection's colour */
        attr_t a = tui_attr(t, R_TITLE);
        attron(a);
        mvhline(y, x, ' ', w);
        attroff(a);
    }
    int cx = x;
    for (int i = 0; i < NCOL && cx < x + w; i++) {
        int cw = col[i].w ? col[i].w : x + w - cx;
        if (cx + cw > x + w)
            cw = x + w - cx;
        int tw = tui_width(cell[i]);
        int at = col[i].right && tw < cw ? cx + cw - tw : cx;
        tui_role role = selected ? R_TITLE
                        : i == 0 ? R_MARK
                        : r->dead ? R_DIM
                                  : R_NORMAL;
        tui_put(t, y, at, cw - (at - cx), role, cell[i]);
        cx += cw + 1;
    }
}

/* The search line at the bottom of the table while '/' is open. */
static void draw_search(tui *t, int y, int x, int w)
{
    line_edit *le = &t->search_le;
    char before[LE_MAX];
    snprintf(before, sizeof before, "%.*s", (int)le->cur, le->buf);
    int cx = x + tui_put(t, y, x, w, R_CMD, "/");
    cx += tui_put(t, y, cx, w - (cx - x), R_NORMAL, le->buf);
    /* the cursor as a reversed cell (the frame hides the terminal's) */
    int at = x + 1 + tui_width(before);
    if (at < x + w) {
        const char *under = le->buf + le->cur;
        char ch[8] = " ";
        if (*under) {
            size_t k = 1;
            while (k < 4 && ((unsigned char)under[k] & 0xc0) == 0x80)
                k++;
            snprintf(ch, sizeof ch, "%.*s", (int)k, under);
        }
        tui_put(t, y, at, 1, R_TITLE, ch);
    }
    if (cx + 2 < x + w)
        tui_put(t, y, cx + 2, x + w - cx - 2, R_DIM, "Enter search  Esc cancel");
}

void scr_features_draw(tui *t, int y, int x, int h, int w)
{
    if (w < SCR_FEATURES_MIN_W || h < SCR_FEATURES_MIN_H) {
        tui_center(t, y + h / 2, x, w, R_ERR, "terminal too small for the feature table");
        return;
    }
    if (t->busy) { /* the command may be replacing the SAE right now */
        tui_center(t, y + h / 2, x, w, R_DIM, "a command is running; the table follows it");
        return;
    }
    if (!t->s->sae) {
        tui_center(t, y + h / 2 - 1, x, w, R_HEAD, "no SAE trained yet");
        tui_center(t, y + h / 2, x, w, R_DIM,
                   "the table fills after `sae train`; Enter then opens a feature");
        return;
    }
    tui_feature_table tab;
    sc_err e = {{0}};
    int r = tui_data_features(t->s, t->may_compute, t->sort, t->sort_rev, &tab, &e);
    if (r == 1) {
        tui_center(t, y + h / 2, x, w, R_DIM, "computing the feature table...");
        t->pending = 1;
        return;
    }
    if (r < 0 || tab.n == 0) {
        tui_center(t, y + h / 2, x, w, R_ERR, r < 0 ? e.msg : "no SAE features");
        return;
    }
    /* header: the model, the sort, the counts of marked features */
    int ndead = 0, nbatch = 0;
    for (int i = 0; i < tab.n; i++) {
        ndead += tab.rows[i].dead;
        nbatch += tab.rows[i].follows_batch && !tab.rows[i].dead;
    }
    int cx = x + 1;
    cx += tui_printf(t, y, cx, w - 1, R_HEAD, "%s", tab.model);
    cx += tui_printf(t, y, cx, x + w - cx, R_NORMAL, "  sort: %s%s (s)", tui_sort_names[t->sort],
                     t->sort_rev ? " reversed" : "");
    cx += tui_printf(t, y, cx, x + w - cx, R_MARK, "  D %d dead  B %d batch", ndead, nbatch);
    if (t->search[0])
        tui_printf(t, y, cx, x + w - cx, R_DIM, "  /%s (n)", t->search);
    /* column titles */
    cx = x + 1;
    for (int i = 0; i < NCOL && cx < x + w - 1; i++) {
        int cw = col[i].w ? col[i].w : x + w - 1 - cx;
        int tw = tui_width(col[i].title);
        int at = col[i].right && tw < cw ? cx + cw - tw : cx;
        tui_put(t, y + 1, at, cw - (at - cx), R_HEAD, col[i].title);
        cx += cw + 1;
    }
    /* rows, keeping the selected one in view */
    int rows = h - 2 - (t->search_open ? 1 : 0);
    if (t->row >= tab.n)
        t->row = tab.n - 1;
    if (t->row < 0)
        t->row = 0;
    int *top = &t->scroll[SCR_FEATURES];
    if (t->row < *top)
        *top = t->row;
    if (t->row >= *top + rows)
        *top = t->row - rows + 1;
    tui_clamp_scroll(t, SCR_FEATURES, tab.n, rows);
    for (int k = 0; k < rows && *top + k < tab.n; k++) {
        int i = *top + k;
        draw_row(t, y + 2 + k, x + 1, w - 2, &tab.rows[tab.order[i]], i == t->row);
    }
    if (t->search_open)
        draw_search(t, y + h - 1, x + 1, w - 2);
}

/* keys.c: the one key table.  It drives dispatch (keys_lookup), the '?'
 * screen (scr-help.c) and the man page section (tui_print_keys_roff), so the
 * three cannot disagree. */
#include <string.h>

#include "tui.h"
#include "tui_int.h"

#define TRAIN KS_SCREEN(SCR_TRAIN)
#define DATA KS_SCREEN(SCR_DATA)
#define HELP KS_SCREEN(SCR_HELP)
#define FEAT KS_SCREEN(SCR_FEATURES)
#define DETAIL KS_SCREEN(SCR_DETAIL)
#define EDIT (KS_PROMPT | KS_SEARCH)

const tui_key tui_keys[] = {
    {KS_GLOBAL, '1', "1", ACT_SCREEN_TRAIN, "Training screen: live loss plots and progress"},
    {KS_GLOBAL, '2', "2", ACT_SCREEN_FEATURES, "Features screen: the table of SAE features"},
    {KS_GLOBAL, '3', "3", ACT_SCREEN_DETAIL, "Feature detail screen"},
    {KS_GLOBAL, '4', "4", ACT_SCREEN_DATA, "Data screen: the loaded data set"},
    {KS_GLOBAL, '\t', "Tab", ACT_NEXT_SCREEN, "next screen"},
    {KS_GLOBAL, TK_FN(KEY_BTAB), "Shift-Tab", ACT_PREV_SCREEN, "previous screen"},
    {KS_GLOBAL, ':', ":", ACT_PROMPT, "open the command prompt: any sparsesc command runs there"},
    {KS_GLOBAL, '?', "?", ACT_HELP, "this list of keys"},
    {KS_GLOBAL, TK_FN(KEY_F(1)), "F1", ACT_HELP, NULL},
    {KS_GLOBAL, TK_FN(KEY_PPAGE), "PgUp", ACT_OUT_UP, "scroll the output pane back"},
    {KS_GLOBAL, TK_FN(KEY_NPAGE), "PgDn", ACT_OUT_DOWN, "scroll the output pane forward"},
    {KS_GLOBAL, 'o', "o", ACT_OUT_BIG, "enlarge the output pane to the whole screen, or shrink it"},
    {KS_GLOBAL, TK_CTRL('l'), "Ctrl-L", ACT_REDRAW, "redraw the screen"},
    {KS_GLOBAL, TK_INTR, "Ctrl-C", ACT_INTERRUPT,
     "stop the running training (the model is kept); never leaves the interface"},
    {KS_GLOBAL, 'q', "q", ACT_QUIT,
     "leave the interface (a running training is stopped first); `quit` at the prompt "
     "also ends sparsesc"},
    {KS_GLOBAL, TK_FN(KEY_F(10)), "F10", ACT_QUIT, NULL},

    {TRAIN, 'p', "p", ACT_PAUSE, "pause or resume the running training"},
    {TRAIN, 's', "s", ACT_STOP, "stop the training after the current step (the model is kept)"},
    {TRAIN, 'c', "c", ACT_CURVES, "switch the curves shown: every panel, then one panel at a time"},
    {TRAIN, 'l', "l", ACT_LOGY, "switch the y axis between linear and log10"},

    {FEAT, TK_FN(KEY_UP), "Up", ACT_ROW_UP, "select the row above"},
    {FEAT, 'k', "k", ACT_ROW_UP, NULL},
    {FEAT, TK_FN(KEY_DOWN), "Down", ACT_ROW_DOWN, "select the row below"},
    {FEAT, 'j', "j", ACT_ROW_DOWN, NULL},
    {FEAT, ' ', "Space", ACT_ROW_PGDN, "one page down"},
    {FEAT, 'b', "b", ACT_ROW_PGUP, "one page up"},
    {FEAT, TK_FN(KEY_HOME), "Home", ACT_ROW_TOP, "the first row"},
    {FEAT, 'g', "g", ACT_ROW_TOP, NULL},
    {FEAT, TK_FN(KEY_END), "End", ACT_ROW_END, "the last row"},
    {FEAT, 'G', "G", ACT_ROW_END, NULL},
    {FEAT, 's', "s", ACT_SORT,
     "sort by the next column: feature, purity, AUROC, density, batch association, explained "
     "(F1 of the best label)"},
    {FEAT, 'r', "r", ACT_SORT_REVERSE, "reverse the sort order"},
    {FEAT, '/', "/", ACT_SEARCH,
     "search the best labels, explanations and top genes for a text (case ignored); a number "
     "finds that feature"},
    {FEAT, 'n', "n", ACT_SEARCH_NEXT, "the next row matching the search"},
    {FEAT, 'N', "N", ACT_SEARCH_PREV, "the previous row matching the search"},
    {FEAT, '\n', "Enter", ACT_OPEN, "open the selected feature in the Feature detail screen"},
    {FEAT, '\r', "Enter", ACT_OPEN, NULL},
    {FEAT, TK_FN(KEY_ENTER), "Enter", ACT_OPEN, NULL},

    {DETAIL, 'n', "n", ACT_DETAIL_NEXT, "the next feature (or latent direction)"},
    {DETAIL, ']', "]", ACT_DETAIL_NEXT, NULL},
    {DETAIL, TK_FN(KEY_RIGHT), "Right", ACT_DETAIL_NEXT, NULL},
    {DETAIL, 'p', "p", ACT_DETAIL_PREV, "the previous feature (or latent direction)"},
    {DETAIL, '[', "[", ACT_DETAIL_PREV, NULL},
    {DETAIL, TK_FN(KEY_LEFT), "Left", ACT_DETAIL_PREV, NULL},
    {DETAIL, 'd', "d", ACT_DETAIL_DIMS,
     "switch between SAE features and the latent directions (dim 0+, dim 0-, dim 1+, ...) "
     "in the same view"},
    {DETAIL, 27, "Esc", ACT_SCREEN_FEATURES, "back to the Features screen"},

    {DATA | HELP, TK_FN(KEY_UP), "Up", ACT_SCROLL_UP, "scroll up one line"},
    {DATA | HELP, 'k', "k", ACT_SCROLL_UP, NULL},
    {DATA | HELP, TK_FN(KEY_DOWN), "Down", ACT_SCROLL_DOWN, "scroll down one line"},
    {DATA | HELP, 'j', "j", ACT_SCROLL_DOWN, NULL},
    {DATA | HELP, ' ', "Space", ACT_SCROLL_PGDN, "scroll down one page"},
    {DATA | HELP, 'b', "b", ACT_SCROLL_PGUP, "scroll up one page"},
    {DATA | HELP, TK_FN(KEY_HOME), "Home", ACT_SCROLL_TOP, "back to the top"},

    {HELP, 'q', "q", ACT_BACK, "back to the screen you came from"},
    {HELP, 27, "Esc", ACT_BACK, NULL},
    {HELP, '?', "?", ACT_BACK, NULL},

    {KS_PROMPT, '\n', "Enter", ACT_ED_ENTER,
     "run the line through the input loop; output and errors go to the output pane"},
    {KS_PROMPT, '\r', "Enter", ACT_ED_ENTER, NULL},
    {KS_PROMPT, TK_FN(KEY_ENTER), "Enter", ACT_ED_ENTER, NULL},
    {KS_PROMPT, 27, "Esc", ACT_ED_CANCEL, "close the prompt without running anything"},
    {KS_PROMPT, TK_CTRL('g'), "Ctrl-G", ACT_ED_CANCEL, NULL},
    {KS_PROMPT, TK_INTR, "Ctrl-C", ACT_ED_CANCEL, NULL},
    {KS_PROMPT, '\t', "Tab", ACT_ED_COMPLETE,
     "complete a command, subcommand, option, setting, column or file name"},
    {KS_PROMPT, TK_FN(KEY_UP), "Up", ACT_ED_HIST_PREV, "previous line of the history"},
    {KS_PROMPT, TK_CTRL('p'), "Ctrl-P", ACT_ED_HIST_PREV, NULL},
    {KS_PROMPT, TK_FN(KEY_DOWN), "Down", ACT_ED_HIST_NEXT, "next line of the history"},
    {KS_PROMPT, TK_CTRL('n'), "Ctrl-N", ACT_ED_HIST_NEXT, NULL},
    {KS_PROMPT, TK_FN(KEY_PPAGE), "PgUp", ACT_OUT_UP, "scroll the output pane back"},
    {KS_PROMPT, TK_FN(KEY_NPAGE), "PgDn", ACT_OUT_DOWN, "scroll the output pane forward"},

    {KS_SEARCH, '\n', "Enter", ACT_SE_ENTER, "search for the text from the selected row on"},
    {KS_SEARCH, '\r', "Enter", ACT_SE_ENTER, NULL},
    {KS_SEARCH, TK_FN(KEY_ENTER), "Enter", ACT_SE_ENTER, NULL},
    {KS_SEARCH, 27, "Esc", ACT_SE_CANCEL, "close the search line; the last search stays for n"},
    {KS_SEARCH, TK_CTRL('g'), "Ctrl-G", ACT_SE_CANCEL, NULL},
    {KS_SEARCH, TK_INTR, "Ctrl-C", ACT_SE_CANCEL, NULL},

    {EDIT, TK_FN(KEY_LEFT), "Left", ACT_ED_LEFT, "move the cursor left"},
    {EDIT, TK_CTRL('b'), "Ctrl-B", ACT_ED_LEFT, NULL},
    {EDIT, TK_FN(KEY_RIGHT), "Right", ACT_ED_RIGHT, "move the cursor right"},
    {EDIT, TK_CTRL('f'), "Ctrl-F", ACT_ED_RIGHT, NULL},
    {EDIT, TK_FN(KEY_HOME), "Home", ACT_ED_HOME, "to the start of the line"},
    {EDIT, TK_CTRL('a'), "Ctrl-A", ACT_ED_HOME, NULL},
    {EDIT, TK_FN(KEY_END), "End", ACT_ED_END, "to the end of the line"},
    {EDIT, TK_CTRL('e'), "Ctrl-E", ACT_ED_END, NULL},
    {EDIT, TK_FN(KEY_BACKSPACE), "Backspace", ACT_ED_BACKSPACE,
     "delete the character before the cursor"},
    {EDIT, 127, "Backspace", ACT_ED_BACKSPACE, NULL},
    {EDIT, TK_CTRL('h'), "Ctrl-H", ACT_ED_BACKSPACE, NULL},
    {EDIT, TK_FN(KEY_DC), "Delete", ACT_ED_DELETE, "delete the character under the cursor"},
    {EDIT, TK_CTRL('d'), "Ctrl-D", ACT_ED_DELETE, NULL},
    {EDIT, TK_CTRL('u'), "Ctrl-U", ACT_ED_KILL_LINE, "clear the line"},
    {EDIT, TK_CTRL('k'), "Ctrl-K", ACT_ED_KILL_END, "delete to the end of the line"},
    {EDIT, TK_CTRL('w'), "Ctrl-W", ACT_ED_KILL_WORD, "delete the word before the cursor"},
    {0, 0, NULL, ACT_NONE, NULL},
};

const tui_key *keys_lookup(unsigned scope, int key)
{
    for (const tui_key *k = tui_keys; k->act != ACT_NONE; k++)
        if ((k->scope & scope) && k->key == key)
            return k;
    if (scope & (KS_PROMPT | KS_SEARCH))
        return NULL; /* typed text, not screen keys */
    for (const tui_key *k = tui_keys; k->act != ACT_NONE; k++)
        if (k->scope == KS_GLOBAL && k->key == key)
            return k;
    return NULL;
}

int keys_entry(int i, char *buf, size_t size)
{
    const tui_key *first = &tui_keys[i];
    size_t used = 0;
    buf[0] = '\0';
    do {
        /* several codes may share a name (Enter: '\n', '\r', keypad) */
        int dup = 0;
        for (int j = (int)(first - tui_keys); j < i; j++)
            dup |= strcmp(tui_keys[j].name, tui_keys[i].name) == 0;
        int k = dup ? 0 : snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                   tui_keys[i].name);
        if (k > 0 && (size_t)k < size - used)
            used += (size_t)k;
        i++;
    } while (tui_keys[i].act == first->act && tui_keys[i].scope == first->scope &&
             !tui_keys[i].help);
    return i;
}

static const char *const screen_names[SCR_COUNT] = {"Training", "Features", "Feature detail",
                                                    "Data", "Help"};

void keys_scope_title(unsigned scope, char *buf, size_t size)
{
    if (scope == KS_GLOBAL) {
        snprintf(buf, size, "Every screen");
        return;
    }
    if (scope == KS_PROMPT) {
        snprintf(buf, size, "Command prompt (:)");
        return;
    }
    if (scope == KS_SEARCH) {
        snprintf(buf, size, "Search line (/ on the Features screen)");
        return;
    }
    if (scope == (KS_PROMPT | KS_SEARCH)) {
        snprintf(buf, size, "Editing, at the prompt and in the search line");
        return;
    }
    size_t used = 0;
    int n = 0;
    for (int s = 0; s < SCR_COUNT; s++)
        if (scope & KS_SCREEN(s)) {
            int k = snprintf(buf + used, size - used, "%s%s", n++ ? " and " : "", screen_names[s]);
            if (k > 0 && (size_t)k < size - used)
                used += (size_t)k;
        }
    snprintf(buf + used, size - used, n > 1 ? " screens" : " screen");
}

/* roff: escape backslashes and minus signs; a line never starts with '.'. */
static void roff_text(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

void tui_print_keys_roff(FILE *out)
{
    fputs(".SH FULL-SCREEN INTERFACE KEYS\n", out);
    fputs("The `tui` command and `sparsesc \\-\\-tui` open a full-screen interface with four "
          "screens (Training, Features, Feature detail, Data), an output pane and a ':' prompt "
          "that runs any command. It needs a terminal of at least ", out);
    fprintf(out, "%d columns and %d lines", TUI_MIN_COLS, TUI_MIN_ROWS);
    /* the screens' own minimum bodies, as terminal sizes (the frame takes
     * the tab bar, the status line and an output pane of at least 4 lines) */
    fprintf(out, "; the Features screen needs %d columns, the Feature detail screen %d columns and "
                 "%d lines, and below that they say so", SCR_FEATURES_MIN_W, SCR_DETAIL_MIN_W,
            SCR_DETAIL_MIN_H + 6);
    fputs("; it draws in colour unless NO_COLOR is set, and with Unicode glyphs when the locale "
          "is UTF\\-8. These keys are also listed by '?' inside it.\n", out);
    unsigned last = 0;
    char names[256], title[128];
    for (int i = 0; tui_keys[i].act != ACT_NONE;) {
        const tui_key *k = &tui_keys[i];
        if (k->scope != last) {
            keys_scope_title(k->scope, title, sizeof title);
            fputs(".SS ", out);
            roff_text(out, title);
            fputc('\n', out);
            last = k->scope;
        }
        i = keys_entry(i, names, sizeof names);
        fputs(".TP\n.B ", out);
        roff_text(out, names);
        fputc('\n', out);
        roff_text(out, k->help ? k->help : "");
        fputc('\n', out);
    }
}

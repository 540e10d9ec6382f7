/* lineedit.c: the ':' prompt's line editor (see lineedit.h). */
#include "lineedit.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "complete.h"

/* A UTF-8 continuation byte: the cursor never stops before one. */
static int cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

void le_init(line_edit *le)
{
    memset(le, 0, sizeof *le);
}

void le_free(line_edit *le)
{
    for (int i = 0; i < le->nhist; i++)
        free(le->hist[i]);
    le_init(le);
}

void le_clear(line_edit *le)
{
    le->len = le->cur = 0;
    le->buf[0] = '\0';
    le->hpos = le->nhist;
}

static void set_line(line_edit *le, const char *s)
{
    size_t n = strlen(s);
    if (n >= LE_MAX)
        n = LE_MAX - 1;
    while (n > 0 && cont((unsigned char)s[n]))
        n--; /* never cut a code point in two */
    memcpy(le->buf, s, n);
    le->buf[n] = '\0';
    le->len = le->cur = n;
}

int le_insert(line_edit *le, const char *bytes, size_t n)
{
    if (le->len + n >= LE_MAX)
        return -1;
    memmove(le->buf + le->cur + n, le->buf + le->cur, le->len - le->cur + 1);
    memcpy(le->buf + le->cur, bytes, n);
    le->len += n;
    le->cur += n;
    return 0;
}

void le_left(line_edit *le)
{
    while (le->cur > 0 && cont((unsigned char)le->buf[--le->cur]))
        ;
}

void le_right(line_edit *le)
{
    if (le->cur < le->len)
        while (++le->cur < le->len && cont((unsigned char)le->buf[le->cur]))
            ;
}

void le_home(line_edit *le)
{
    le->cur = 0;
}

void le_end(line_edit *le)
{
    le->cur = le->len;
}

/* Remove bytes [from, to). */
static void cut(line_edit *le, size_t from, size_t to)
{
    memmove(le->buf + from, le->buf + to, le->len - to + 1);
    le->len -= to - from;
    le->cur = from;
}

void le_backspace(line_edit *le)
{
    size_t end = le->cur;
    le_left(le);
    cut(le, le->cur, end);
}

void le_delete(line_edit *le)
{
    size_t at = le->cur;
    le_right(le);
    cut(le, at, le->cur);
}

void le_kill_line(line_edit *le)
{
    cut(le, 0, le->len);
}

void le_kill_end(line_edit *le)
{
    cut(le, le->cur, le->len);
}

void le_kill_word(line_edit *le)
{
    size_t i = le->cur;
    while (i > 0 && le->buf[i - 1] == ' ')
        i--;
    while (i > 0 && le->buf[i - 1] != ' ')
        i--;
    cut(le, i, le->cur);
}

void le_hist_add(line_edit *le, const char *line)
{
    if (!*line || (le->nhist > 0 && strcmp(le->hist[le->nhist - 1], line) == 0)) {
        le->hpos = le->nhist;
        return;
    }
    char *copy = strdup(line);
    if (!copy)
        return;
    if (le->nhist == LE_HISTORY) {
        free(le->hist[0]);
        memmove(le->hist, le->hist + 1, (LE_HISTORY - 1) * sizeof *le->hist);
        le->nhist--;
    }
    le->hist[le->nhist++] = copy;
    le->hpos = le->nhist;
}

void le_hist_prev(line_edit *le)
{
    if (le->hpos == 0)
        return;
    if (le->hpos == le->nhist)
        snprintf(le->saved, sizeof le->saved, "%s", le->buf);
    set_line(le, le->hist[--le->hpos]);
}

void le_hist_next(line_edit *le)
{
    if (le->hpos >= le->nhist)
        return;
    le->hpos++;
    set_line(le, le->hpos == le->nhist ? le->saved : le->hist[le->hpos]);
}

/* ---- completion ---------------------------------------------------------- */

typedef struct cands {
    int n, cap;
    char **w;
} cands;

static void cand_add(cands *c, const char *w)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->w[i], w) == 0)
            return;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        char **p = realloc(c->w, (size_t)cap * sizeof *p);
        if (!p)
            return;
        c->w = p;
        c->cap = cap;
    }
    char *s = strdup(w);
    if (s)
        c->w[c->n++] = s;
}

static void cands_free(cands *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->w[i]);
    free(c->w);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* File names starting with `word` (which may hold a directory part);
 * directories get a '/'.  Hidden files only when asked for with a dot. */
static void add_files(cands *c, const char *word)
{
    const char *slash = strrchr(word, '/');
    char dir[LE_MAX];
    const char *base = slash ? slash + 1 : word;
    size_t dl = slash ? (size_t)(slash - word) + 1 : 0;
    snprintf(dir, sizeof dir, "%.*s", (int)dl, word);
    DIR *d = opendir(dl ? dir : ".");
    if (!d)
        return;
    size_t bl = strlen(base);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            continue;
        if (nm[0] == '.' && base[0] != '.')
            continue;
        if (strncmp(nm, base, bl) != 0)
            continue;
        char full[2 * LE_MAX + 2];
        snprintf(full, sizeof full, "%s%s", dir, nm);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            strcat(full, "/");
        if (strlen(full) < LE_MAX)
            cand_add(c, full);
    }
    closedir(d);
}

int le_complete(line_edit *le, const session *s, char *shown, size_t size)
{
    shown[0] = '\0';
    size_t start = le->cur;
    while (start > 0 && !strchr(" \t;", le->buf[start - 1]))
        start--;
    char word[LE_MAX];
    snprintf(word, sizeof word, "%.*s", (int)(le->cur - start), le->buf + start);
    complete_list cl;
    if (complete_line(s, le->buf, start, le->cur, &cl) < 0)
        return 0;
    cands c = {0};
    if (cl.mode == COMPLETE_FILES)
        add_files(&c, word);
    for (int i = 0; i < cl.n; i++)
        cand_add(&c, cl.words[i]);
    int no_space = cl.no_space;
    complete_free(&cl);
    if (c.n == 0) {
        cands_free(&c);
        return 0;
    }
    qsort(c.w, (size_t)c.n, sizeof *c.w, cmp_str);
    /* the common prefix of every candidate (the whole word when only one) */
    size_t common = strlen(c.w[0]);
    for (int i = 1; i < c.n; i++) {
        size_t k = 0;
        while (k < common && c.w[i][k] == c.w[0][k])
            k++;
        common = k;
    }
    while (common > 0 && cont((unsigned char)c.w[0][common]))
        common--;
    size_t wl = strlen(word);
    if (common > wl) {
        cut(le, start, le->cur);
        le_insert(le, c.w[0], common);
    }
    if (c.n == 1) {
        char last = c.w[0][strlen(c.w[0]) - 1];
        if (!no_space && last != '/' && last != '=' &&
            (le->cur == le->len || le->buf[le->cur] != ' '))
            le_insert(le, " ", 1);
    } else {
        size_t used = 0;
        for (int i = 0; i < c.n && used + 1 < size; i++) {
            /* list names without their directory part, as shells do */
            const char *w = c.w[i];
            const char *sl = strrchr(w, '/');
            if (sl && sl[1])
                w = sl + 1;
            else if (sl && sl != w) {
                const char *p = sl;
                while (p > w && p[-1] != '/')
                    p--;
                w = p;
            }
            int k = snprintf(shown + used, size - used, "%s%s", used ? " " : "", w);
            if (k < 0 || (size_t)k >= size - used) {
                shown[used] = '\0';
                break;
            }
            used += (size_t)k;
        }
    }
    int n = c.n;
    cands_free(&c);
    return n;
}

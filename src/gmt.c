/* gmt.c: GMT gene-set files and hypergeometric enrichment (see gmt.h). */
#include "gmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "stats.h"

/* ---- a small string -> int table (open addressing, FNV-1a) -------------- */

typedef struct strtab {
    size_t cap; /* power of two */
    const char **key;
    int32_t *val;
} strtab;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int strtab_init(strtab *t, size_t n, sc_err *e)
{
    t->cap = 16;
    while (t->cap < 2 * n + 1)
        t->cap <<= 1;
    t->key = sc_calloc(e, t->cap, sizeof *t->key);
    t->val = t->key ? sc_calloc(e, t->cap, sizeof *t->val) : NULL;
    if (!t->val) {
        free(t->key);
        t->key = NULL;
        return -1;
    }
    return 0;
}

static void strtab_free(strtab *t)
{
    free(t->key);
    free(t->val);
    t->key = NULL;
    t->val = NULL;
}

/* The value stored for s, or -1.  Keys are borrowed. */
static int32_t strtab_get(const strtab *t, const char *s)
{
    for (size_t i = hash_str(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->key[i])
            return -1;
        if (strcmp(t->key[i], s) == 0)
            return t->val[i];
    }
}

/* Insert unless present (the table never fills: cap > 2 n).  Returns the
 * value already stored, or -1 after inserting. */
static int32_t strtab_put(strtab *t, const char *s, int32_t v)
{
    size_t i = hash_str(s) & (t->cap - 1);
    for (; t->key[i]; i = (i + 1) & (t->cap - 1))
        if (strcmp(t->key[i], s) == 0)
            return t->val[i];
    t->key[i] = s;
    t->val[i] = v;
    return -1;
}

/* ---- reading ---------------------------------------------------------------- */

static void set_free(gmt_set *s)
{
    free(s->name);
    free(s->desc);
    for (int32_t k = 0; k < s->ngenes; k++)
        free(s->genes[k]);
    free(s->genes);
    memset(s, 0, sizeof *s);
}

void gmt_free(gmt_file *g)
{
    for (int32_t i = 0; i < g->nsets; i++)
        set_free(&g->sets[i]);
    free(g->sets);
    free(g->path);
    memset(g, 0, sizeof *g);
}

/* Read one line (any length) into *buf; returns its length, 0 at the end,
 * -1 on a read error. */
static long read_line(gzFile f, char **buf, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t nc = *cap ? *cap * 2 : 4096;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = nc;
        }
        if (!gzgets(f, *buf + len, (int)(*cap - len < INT32_MAX ? *cap - len : INT32_MAX))) {
            int zerr;
            gzerror(f, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                return -1;
            (*buf)[len] = '\0';
            return (long)len;
        }
        len += strlen(*buf + len);
        if (len > 0 && (*buf)[len - 1] == '\n')
            return (long)len;
    }
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

/* Parse one non-blank line into *set (fields of `line` are cut in place). */
static int parse_line(char *line, long lineno, const char *path, gmt_set *set, sc_err *e)
{
    int nf = 1;
    for (char *p = line; *p; p++)
        nf += *p == '\t';
    if (nf < 2)
        return err_set(e,
                       "%s: line %ld: expected NAME<tab>DESCRIPTION<tab>GENE..., found 1 field "
                       "(fields are separated by tabs)",
                       path, lineno);
    char **field = malloc((size_t)nf * sizeof *field);
    if (!field)
        return err_set(e, "%s: line %ld: out of memory", path, lineno);
    int k = 0;
    for (char *p = line, *start = line;; p++)
        if (*p == '\t' || *p == '\0') {
            int end = *p == '\0';
            *p = '\0';
            field[k++] = trim(start);
            start = p + 1;
            if (end)
                break;
        }
    int rc = -1;
    strtab seen = {0, NULL, NULL};
    memset(set, 0, sizeof *set);
    if (!*field[0]) {
        err_set(e, "%s: line %ld: empty gene set name", path, lineno);
        goto out;
    }
    if (strtab_init(&seen, (size_t)nf, e) < 0)
        goto out;
    set->line = (int32_t)lineno;
    set->name = sc_strdup(e, field[0]);
    set->desc = set->name ? sc_strdup(e, field[1]) : NULL;
    set->genes = set->desc ? sc_calloc(e, (size_t)nf, sizeof *set->genes) : NULL;
    if (!set->genes)
        goto out;
    for (int i = 2; i < nf; i++) {
        if (!*field[i] || strtab_put(&seen, field[i], i) >= 0)
            continue; /* empty field, or a repeat within the set */
        if (!(set->genes[set->ngenes] = sc_strdup(e, field[i])))
            goto out;
        set->ngenes++;
    }
    if (set->ngenes == 0) {
        err_set(e, "%s: line %ld: gene set '%s' has no genes", path, lineno, set->name);
        goto out;
    }
    rc = 0;
out:
    strtab_free(&seen);
    free(field);
    if (rc < 0)
        set_free(set);
    return rc;
}

int gmt_read(const char *path, gmt_file *out, sc_err *e)
{
    memset(out, 0, sizeof *out);
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return errno ? err_errno(e, path) : err_set(e, "%s: cannot open", path);
    char *buf = NULL;
    size_t cap = 0;
    int32_t nalloc = 0;
    long lineno = 0, len;
    int rc = -1;
    strtab names = {0, NULL, NULL};
    if (strtab_init(&names, 1024, e) < 0)
        goto out;
    if (!(out->path = sc_strdup(e, path)))
        goto out;
    while ((len = read_line(f, &buf, &cap)) > 0) {
        lineno++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (strspn(buf, " \t") == (size_t)len)
            continue; /* blank */
        if (out->nsets == nalloc) {
            int32_t nn = nalloc ? 2 * nalloc : 64;
            gmt_set *ns = realloc(out->sets, (size_t)nn * sizeof *ns);
            if (!ns) {
                err_set(e, "%s: line %ld: out of memory", path, lineno);
                goto out;
            }
            out->sets = ns;
            nalloc = nn;
        }
        if (parse_line(buf, lineno, path, &out->sets[out->nsets], e) < 0)
            goto out;
        out->nsets++;
        gmt_set *s = &out->sets[out->nsets - 1];
        if ((size_t)out->nsets * 2 + 1 > names.cap) {
            /* grow the name table: rebuild from the sets read so far */
            strtab_free(&names);
            if (strtab_init(&names, (size_t)out->nsets * 2, e) < 0)
                goto out;
            for (int32_t i = 0; i + 1 < out->nsets; i++)
                strtab_put(&names, out->sets[i].name, out->sets[i].line);
        }
        int32_t first = strtab_put(&names, s->name, s->line);
        if (first >= 0) {
            err_set(e, "%s: line %ld: gene set '%s' appears twice (first on line %d)", path,
                    lineno, s->name, (int)first);
            goto out;
        }
    }
    if (len < 0) {
        err_set(e, "%s: line %ld: read error", path, lineno + 1);
        goto out;
    }
    if (out->nsets == 0) {
        err_set(e, "%s: no gene sets found (expected NAME<tab>DESCRIPTION<tab>GENE... lines)",
                path);
        goto out;
    }
    rc = 0;
out:
    strtab_free(&names);
    free(buf);
    gzclose(f);
    if (rc < 0)
        gmt_free(out);
    return rc;
}

/* ---- enrichment ------------------------------------------------------------- */

void gmt_hits_free(gmt_hit *hits, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        free(hits[i].genes);
        hits[i].genes = NULL;
    }
}

static int cmp_hit(const void *a, const void *b)
{
    const gmt_hit *x = a, *y = b;
    int nx = isnan(x->p), ny = isnan(y->p);
    if (nx != ny)
        return nx - ny;
    if (!nx && x->logp != y->logp)
        return x->logp < y->logp ? -1 : 1;
    return (x->set > y->set) - (x->set < y->set);
}

void gmt_hits_sort(gmt_hit *hits, int32_t n)
{
    qsort(hits, (size_t)n, sizeof *hits, cmp_hit);
}

int gmt_enrich(const gmt_file *g, const char *const *genes, int64_t ngenes, const int32_t *query,
               int32_t nquery, gmt_hit *hits, sc_err *e)
{
    if (nquery <= 0)
        return err_set(e, "enrichment: the gene list is empty");
    uint8_t *inq = sc_calloc(e, (size_t)ngenes + 1, 1);
    double *p = inq ? sc_calloc(e, (size_t)g->nsets + 1, sizeof *p) : NULL;
    double *q = p ? sc_calloc(e, (size_t)g->nsets + 1, sizeof *q) : NULL;
    strtab uni = {0, NULL, NULL};
    int rc = -1;
    memset(hits, 0, (size_t)g->nsets * sizeof *hits);
    if (!q || strtab_init(&uni, (size_t)ngenes, e) < 0)
        goto out;
    int64_t n = 0;
    for (int32_t i = 0; i < nquery; i++) {
        if (query[i] < 0 || query[i] >= ngenes) {
            err_set(e, "enrichment: gene index %d is outside the data's %lld genes",
                    (int)query[i], (long long)ngenes);
            goto out;
        }
        n += !inq[query[i]];
        inq[query[i]] = 1;
    }
    for (int64_t j = 0; j < ngenes; j++)
        if (genes[j])
            strtab_put(&uni, genes[j], (int32_t)j);
    int32_t tested = 0;
    for (int32_t s = 0; s < g->nsets; s++) {
        const gmt_set *set = &g->sets[s];
        gmt_hit *h = &hits[s];
        h->set = s;
        h->size = set->ngenes;
        if (!(h->genes = sc_calloc(e, (size_t)set->ngenes, sizeof *h->genes)))
            goto out;
        for (int32_t k = 0; k < set->ngenes; k++) {
            int32_t idx = strtab_get(&uni, set->genes[k]);
            if (idx < 0)
                continue;
            h->in_data++;
            if (inq[idx])
                h->genes[h->overlap++] = idx;
        }
        h->absent = h->size - h->in_data;
        if (h->in_data == 0) {
            h->logp = h->p = h->fold = NAN;
            p[s] = NAN;
            continue;
        }
        tested++;
        h->logp = stats_hyper_logsf(h->overlap, ngenes, h->in_data, n);
        h->p = exp(h->logp);
        p[s] = h->p;
        h->fold = ((double)h->overlap / (double)n) / ((double)h->in_data / (double)ngenes);
    }
    if (tested == 0) {
        err_set(e,
                "%s: none of its %d gene sets has a gene in the data (names must match the "
                "data's gene names exactly; the first set, %s, starts with %s)",
                g->path ? g->path : "gene sets", (int)g->nsets, g->sets[0].name,
                g->sets[0].genes[0]);
        goto out;
    }
    if (stats_bh(p, g->nsets, q, e) < 0)
        goto out;
    for (int32_t s = 0; s < g->nsets; s++)
        hits[s].q = q[s];
    rc = 0;
out:
    if (rc < 0)
        gmt_hits_free(hits, g->nsets);
    strtab_free(&uni);
    free(inq);
    free(p);
    free(q);
    return rc;
}

/* mtx.c: 10x MatrixMarket folders -> sc_dataset (see mtx.h).
 *
 * One pass over the matrix: the header and size line first, then the
 * barcodes and features files (so their lengths can be checked and the
 * feature-type filter known), then the entries, parsed by hand (no sscanf,
 * no strtod: both are slow and strtod follows the locale's decimal point).
 * 10x files list entries cell by cell, so the cells x genes CSR is usually
 * built in place; otherwise one counting sort by cell fixes the order. */
#include "mtx.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define LR_CAP (4u << 20) /* longest line we accept, and the read block */

/* ---- lines from a plain or gzip file ---------------------------------- */

typedef struct linereader {
    gzFile gz;
    const char *path;
    char *buf;
    size_t len, pos; /* bytes held, next unread byte */
    int64_t lineno;
    int eof;
} linereader;

static int lr_open(linereader *r, const char *path, sc_err *e)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->gz = gzopen(path, "rb");
    if (!r->gz)
        return errno ? err_errno(e, path) : err_set(e, "%s: cannot open", path);
    gzbuffer(r->gz, 1u << 18);
    r->buf = malloc(LR_CAP + 1);
    if (!r->buf) {
        gzclose(r->gz);
        return err_set(e, "%s: out of memory for the read buffer", path);
    }
    return 0;
}

static void lr_close(linereader *r)
{
    if (r->gz)
        gzclose(r->gz);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* Next line without its end-of-line (\n or \r\n), NUL-terminated, in *line
 * (valid until the next call).  1: a line, 0: end of file, -1: error. */
static int lr_next(linereader *r, char **line, size_t *len, sc_err *e)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (nl || (r->eof && r->pos < r->len)) {
            char *end = nl ? nl : r->buf + r->len;
            r->pos = (size_t)(end - r->buf) + (nl ? 1 : 0);
            if (end > start && end[-1] == '\r')
                end--;
            *end = '\0';
            *line = start;
            *len = (size_t)(end - start);
            r->lineno++;
            return 1;
        }
        if (r->eof)
            return 0;
        /* keep the partial line, refill behind it */
        memmove(r->buf, start, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        if (r->len >= LR_CAP)
            return err_set(e, "%s:%lld: line longer than %u bytes; is this a text file?", r->path,
                           (long long)(r->lineno + 1), LR_CAP);
        int got = gzread(r->gz, r->buf + r->len, (unsigned)(LR_CAP - r->len));
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(r->gz, &zerr);
            return err_set(e, "%s: read error after line %lld: %s", r->path, (long long)r->lineno,
                           zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        if (got == 0) {
            int zerr;
            const char *msg = gzerror(r->gz, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                return err_set(e, "%s: read error after line %lld: %s (truncated gzip file?)",
                               r->path, (long long)r->lineno, msg);
            r->eof = 1;
        }
        r->len += (size_t)got;
        r->buf[r->len] = '\0';
    }
}

/* The line quoted for a message: at most 60 bytes, control bytes as '?'. */
static const char *quote_line(const char *line, char *out, size_t size)
{
    size_t n = 0;
    for (; line[n] && n + 4 < size && n < 60; n++)
        out[n] = (unsigned char)line[n] < 32 ? '?' : line[n];
    if (line[n] && n + 4 < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

/* ---- number parsing ----------------------------------------------------- */

static inline const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static inline int is_end(char c)
{
    return c == '\0' || c == ' ' || c == '\t';
}

/* A signed decimal integer token.  0 ok; -1 not an integer; -2 overflow. */
static int parse_i64(const char **pp, int64_t *v)
{
    const char *p = *pp;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (*p < '0' || *p > '9')
        return -1;
    uint64_t x = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (x > (UINT64_C(1) << 62) / 5)
            return -2;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (!is_end(*p))
        return -1;
    if (x > (uint64_t)INT64_MAX)
        return -2;
    *v = neg ? -(int64_t)x : (int64_t)x;
    *pp = p;
    return 0;
}

static int word_is(const char *p, const char *w, const char **end)
{
    size_t n = strlen(w);
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != w[i])
            return 0;
    if (!is_end(p[n]))
        return 0;
    *end = p + n;
    return 1;
}

/* A decimal real: [sign] digits [. digits] [e [sign] digits], or nan/inf.
 * 0 ok, -1 not a number. */
static int parse_real(const char **pp, double *v)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = *pp;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    const char *end;
    if (word_is(p, "nan", &end)) {
        *v = NAN;
        *pp = end;
        return 0;
    }
    if (word_is(p, "inf", &end) || word_is(p, "infinity", &end)) {
        *v = neg ? -INFINITY : INFINITY;
        *pp = end;
        return 0;
    }
    uint64_t mant = 0;
    int ndig = 0, exp10 = 0, any = 0;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (ndig < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant)
                ndig++;
        } else {
            exp10++; /* digits beyond float precision only scale */
        }
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1)
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant)
                    ndig++;
                exp10--;
            }
    }
    if (!any)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        int eneg = 0;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        if (*p < '0' || *p > '9')
            return -1;
        int ex = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if (ex < 100000)
                ex = ex * 10 + (*p - '0');
        exp10 += eneg ? -ex : ex;
    }
    if (!is_end(*p))
        return -1;
    double x = (double)mant;
    if (mant == 0)
        x = 0;
    else if (exp10 >= 0)
        x = exp10 <= 22 ? x * p10[exp10] : x * pow(10.0, exp10);
    else
        x = exp10 >= -22 ? x / p10[-exp10] : x * pow(10.0, exp10);
    *v = neg ? -x : x;
    *pp = p;
    return 0;
}

/* ---- finding the files ---------------------------------------------------- */

typedef struct mtx_files {
    char matrix[4096];
    char barcodes[4096];
    char features[4096];
    int legacy; /* genes.tsv: two columns, no feature types */
} mtx_files;

static int exists_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static void join(char *out, size_t size, const char *dir, const char *prefix, const char *name)
{
    if (*dir)
        snprintf(out, size, "%s%s%s%s", dir, ends_with(dir, "/") ? "" : "/", prefix, name);
    else
        snprintf(out, size, "%s%s", prefix, name);
}

/* First existing of PREFIX+name+".gz" / PREFIX+name (or the other order). */
static int find_sibling(char *out, size_t size, const char *dir, const char *prefix,
                        const char *name, int gz_first)
{
    char gzname[256];
    snprintf(gzname, sizeof gzname, "%s.gz", name);
    join(out, size, dir, prefix, gz_first ? gzname : name);
    if (exists_file(out))
        return 1;
    join(out, size, dir, prefix, gz_first ? name : gzname);
    return exists_file(out);
}

/* The matrix in a folder: matrix.mtx[.gz], else the one PREFIXmatrix.mtx[.gz]. */
static int find_matrix_in_dir(const char *dir, char *prefix, size_t psize, sc_err *e)
{
    char path[4096];
    prefix[0] = '\0';
    if (find_sibling(path, sizeof path, dir, "", "matrix.mtx", 1))
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return err_errno(e, dir);
    char found[2][256];
    int nfound = 0; /* distinct prefixes; 3 means "more than two" */
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        size_t cut = ends_with(n, "matrix.mtx.gz") ? len - 13
                     : ends_with(n, "matrix.mtx")  ? len - 10
                                                   : (size_t)-1;
        if (cut == (size_t)-1 || cut >= sizeof found[0])
            continue;
        int known = 0;
        for (int k = 0; k < nfound && k < 2; k++)
            known |= strlen(found[k]) == cut && strncmp(found[k], n, cut) == 0;
        if (known)
            continue; /* the same prefix with and without .gz */
        if (nfound < 2)
            snprintf(found[nfound], sizeof found[0], "%.*s", (int)cut, n);
        if (nfound < 3)
            nfound++;
    }
    closedir(d);
    if (nfound == 0)
        return err_set(e,
                       "%s: a directory without matrix.mtx or matrix.mtx.gz (expected a "
                       "MatrixMarket folder: matrix.mtx[.gz], barcodes.tsv[.gz] and "
                       "features.tsv[.gz] or genes.tsv)",
                       dir);
    if (nfound > 1)
        return err_set(e,
                       "%s: holds several matrices (%smatrix.mtx, %smatrix.mtx, ...); load one "
                       "of them by its file name",
                       dir, found[0], found[1]);
    snprintf(prefix, psize, "%s", found[0]);
    return 0;
}

static int find_files(const char *path, mtx_files *f, sc_err *e)
{
    struct stat st;
    char dir[4096], prefix[256] = "";
    memset(f, 0, sizeof *f);
    if (stat(path, &st) != 0)
        return err_errno(e, path);
    if (S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", path);
        if (find_matrix_in_dir(dir, prefix, sizeof prefix, e) != 0)
            return -1;
        find_sibling(f->matrix, sizeof f->matrix, dir, prefix, "matrix.mtx", 1);
    } else {
        snprintf(f->matrix, sizeof f->matrix, "%s", path);
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path);
        else
            dir[0] = '\0';
        size_t cut = ends_with(base, "matrix.mtx.gz") ? strlen(base) - 13
                     : ends_with(base, "matrix.mtx")  ? strlen(base) - 10
                                                      : 0;
        snprintf(prefix, sizeof prefix, "%.*s", (int)cut, base);
    }
    const char *where = *dir ? dir : ".";
    if (find_sibling(f->features, sizeof f->features, dir, prefix, "genes.tsv", 0)) {
        f->legacy = 1;
    } else if (!find_sibling(f->features, sizeof f->features, dir, prefix, "features.tsv", 1)) {
        return err_set(e,
                       "%s: no features file beside %s (looked for %sfeatures.tsv.gz, "
                       "%sfeatures.tsv and %sgenes.tsv[.gz] in %s)",
                       f->matrix, f->matrix, prefix, prefix, prefix, where);
    }
    if (!find_sibling(f->barcodes, sizeof f->barcodes, dir, prefix, "barcodes.tsv", !f->legacy))
        return err_set(e,
                       "%s: no barcodes file beside %s (looked for %sbarcodes.tsv.gz and "
                       "%sbarcodes.tsv in %s)",
                       f->matrix, f->matrix, prefix, prefix, where);
    return 0;
}

/* ---- header --------------------------------------------------------------- */

typedef enum { FIELD_INTEGER, FIELD_REAL, FIELD_PATTERN } mtx_field;

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if ((*a | 0x20) != (*b | 0x20))
            return 0;
    return *a == *b;
}

static int parse_banner(linereader *r, mtx_field *field, sc_err *e)
{
    char *line, q[80];
    size_t len;
    int rc = lr_next(r, &line, &len, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, "%s: the file is empty; expected a MatrixMarket header", r->path);
    const char *expect = "'%%MatrixMarket matrix coordinate integer|real|pattern general'";
    char tok[5][32];
    int nt = 0;
    for (char *p = line; *p && nt < 5;) {
        p = (char *)skip_ws(p);
        if (!*p)
            break;
        size_t n = 0;
        while (!is_end(p[n]))
            n++;
        snprintf(tok[nt++], sizeof tok[0], "%.*s", (int)(n < 31 ? n : 31), p);
        p += n;
    }
    if (nt < 1 || !ieq(tok[0], "%%MatrixMarket"))
        return err_set(e, "%s:1: not a MatrixMarket file: expected the header %s, got '%s'",
                       r->path, expect, quote_line(line, q, sizeof q));
    if (nt != 5 || !ieq(tok[1], "matrix"))
        return err_set(e, "%s:1: expected the header %s, got '%s'", r->path, expect,
                       quote_line(line, q, sizeof q));
    if (ieq(tok[2], "array"))
        return err_set(e,
                       "%s:1: dense 'array' MatrixMarket files are not supported; expected "
                       "'coordinate' (sparse)",
                       r->path);
    if (!ieq(tok[2], "coordinate"))
        return err_set(e, "%s:1: unknown format '%s'; expected 'coordinate'", r->path, tok[2]);
    if (ieq(tok[3], "integer"))
        *field = FIELD_INTEGER;
    else if (ieq(tok[3], "real") || ieq(tok[3], "double"))
        *field = FIELD_REAL;
    else if (ieq(tok[3], "pattern"))
        *field = FIELD_PATTERN;
    else
        return err_set(e,
                       "%s:1: '%s' values are not supported; expected integer, real or pattern",
                       r->path, tok[3]);
    if (!ieq(tok[4], "general"))
        return err_set(e,
                       "%s:1: '%s' matrices are not supported; expected 'general' (every entry "
                       "stored)",
                       r->path, tok[4]);
    return 0;
}

/* The size line after the comments: genes, cells, entries. */
static int parse_sizes(linereader *r, int64_t *rows, int64_t *cols, int64_t *nnz, sc_err *e)
{
    char *line, q[80];
    size_t len;
    for (;;) {
        int rc = lr_next(r, &line, &len, e);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return err_set(e, "%s: ends before the size line 'ROWS COLUMNS ENTRIES'", r->path);
        if (line[0] != '%' && !is_blank(line))
            break;
    }
    const char *p = skip_ws(line);
    int64_t v[3];
    for (int k = 0; k < 3; k++) {
        if (parse_i64(&p, &v[k]) != 0 || v[k] < 0)
            return err_set(e,
                           "%s:%lld: expected the size line 'ROWS COLUMNS ENTRIES' (three "
                           "non-negative integers), got '%s'",
                           r->path, (long long)r->lineno, quote_line(line, q, sizeof q));
        p = skip_ws(p);
    }
    if (*p)
        return err_set(e,
                       "%s:%lld: expected the size line 'ROWS COLUMNS ENTRIES', got '%s' (extra "
                       "text; a dense 'array' file?)",
                       r->path, (long long)r->lineno, quote_line(line, q, sizeof q));
    if (v[0] > INT32_MAX || v[1] > INT32_MAX)
        return err_set(e, "%s:%lld: %lld x %lld is larger than the 2^31-1 rows and columns supported",
                       r->path, (long long)r->lineno, (long long)v[0], (long long)v[1]);
    if ((double)v[2] > (double)v[0] * (double)v[1])
        return err_set(e, "%s:%lld: %lld entries cannot fit a %lld x %lld matrix", r->path,
                       (long long)r->lineno, (long long)v[2], (long long)v[0], (long long)v[1]);
    *rows = v[0];
    *cols = v[1];
    *nnz = v[2];
    return 0;
}

/* ---- barcodes and features ------------------------------------------------ */

static void strs_free(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* One barcode per line (the first tab-separated field); exactly `n` lines. */
static int read_barcodes(const char *path, int64_t n, const char *mpath, char ***out, sc_err *e)
{
    linereader r;
    if (lr_open(&r, path, e) != 0)
        return -1;
    char **names = sc_calloc(e, (size_t)n, sizeof *names);
    int64_t k = 0;
    int rc = names ? 0 : -1;
    char *line;
    size_t len;
    while (rc == 0) {
        int got = lr_next(&r, &line, &len, e);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0)
            break;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        if (!*line) {
            rc = err_set(e, "%s:%lld: empty barcode", path, (long long)r.lineno);
            break;
        }
        if (k >= n) {
            rc = err_set(e, "%s: has more than the %lld barcodes that %s declares (columns)",
                         path, (long long)n, mpath);
            break;
        }
        if (!(names[k++] = sc_strdup(e, line)))
            rc = -1;
    }
    if (rc == 0 && k != n)
        rc = err_set(e, "%s: has %lld barcodes but %s declares %lld columns (cells)", path,
                     (long long)k, mpath, (long long)n);
    lr_close(&r);
    if (rc != 0) {
        strs_free(names, n);
        return -1;
    }
    *out = names;
    return 0;
}

typedef struct feature_table {
    int64_t n;
    char **id, **name, **type; /* type NULL without a third column */
} feature_table;

static void features_free(feature_table *t)
{
    strs_free(t->id, t->n);
    strs_free(t->name, t->n);
    strs_free(t->type, t->n);
    memset(t, 0, sizeof *t);
}

/* id [TAB name [TAB type ...]], exactly n lines, the same number of
 * columns (1, 2 or 3+) on every line. */
static int read_features(const char *path, int64_t n, const char *mpath, feature_table *t,
                         sc_err *e)
{
    linereader r;
    memset(t, 0, sizeof *t);
    if (lr_open(&r, path, e) != 0)
        return -1;
    t->n = n;
    t->id = sc_calloc(e, (size_t)n, sizeof *t->id);
    t->name = sc_calloc(e, (size_t)n, sizeof *t->name);
    int rc = t->id && t->name ? 0 : -1;
    int ncol0 = 0;
    int64_t k = 0;
    char *line;
    size_t len;
    while (rc == 0) {
        int got = lr_next(&r, &line, &len, e);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0)
            break;
        char *f[3] = {line, NULL, NULL};
        int nc = 1;
        for (char *p = line; *p && nc <= 3; p++)
            if (*p == '\t') {
                *p = '\0';
                if (nc < 3)
                    f[nc] = p + 1;
                nc++;
            }
        if (nc > 3)
            nc = 3;
        if (k == 0) {
            ncol0 = nc;
            if (nc >= 3 && !(t->type = sc_calloc(e, (size_t)n, sizeof *t->type))) {
                rc = -1;
                break;
            }
        } else if (nc != ncol0) {
            rc = err_set(e, "%s:%lld: has %d tab-separated column%s, line 1 has %d%s", path,
                         (long long)r.lineno, nc, nc == 1 ? "" : "s", ncol0, ncol0 >= 3 ? "+" : "");
            break;
        }
        if (!*f[0]) {
            rc = err_set(e, "%s:%lld: empty feature id", path, (long long)r.lineno);
            break;
        }
        if (k >= n) {
            rc = err_set(e, "%s: has more than the %lld features that %s declares (rows)", path,
                         (long long)n, mpath);
            break;
        }
        /* a missing or empty name falls back to the id */
        const char *nm = nc >= 2 && *f[1] ? f[1] : f[0];
        if (!(t->id[k] = sc_strdup(e, f[0])) || !(t->name[k] = sc_strdup(e, nm)) ||
            (t->type && !(t->type[k] = sc_strdup(e, f[2])))) {
            rc = -1;
            break;
        }
        k++;
    }
    if (rc == 0 && k != n)
        rc = err_set(e, "%s: has %lld features but %s declares %lld rows (genes)", path,
                     (long long)k, mpath, (long long)n);
    lr_close(&r);
    if (rc != 0)
        features_free(t);
    return rc;
}

/* ---- entries ------------------------------------------------------------ */

typedef struct triplets {
    int64_t n, cap, max;   /* stored, allocated, declared */
    int32_t *cell, *gene;
    float *val;
    int cell_sorted;      /* cells never decrease: CSR order already */
} triplets;

static void triplets_free(triplets *t)
{
    free(t->cell);
    free(t->gene);
    free(t->val);
    memset(t, 0, sizeof *t);
}

/* Grow to `cap` entries (at least doubling, at most the declared count). */
static int triplets_grow(triplets *t, int64_t cap, const char *path, sc_err *e)
{
    if (cap < t->cap * 2)
        cap = t->cap * 2;
    if (cap < 1)
        cap = 1;
    if (cap > t->max)
        cap = t->max;
    int32_t *c = realloc(t->cell, (size_t)cap * sizeof *c);
    if (c)
        t->cell = c;
    int32_t *g = realloc(t->gene, (size_t)cap * sizeof *g);
    if (g)
        t->gene = g;
    float *v = realloc(t->val, (size_t)cap * sizeof *v);
    if (v)
        t->val = v;
    if (!c || !g || !v)
        return err_set(e, "%s: out of memory for %lld entries", path, (long long)cap);
    t->cap = cap;
    return 0;
}

/* Read every entry; gene_map[row] is the kept gene's column or -1. */
static int read_entries(linereader *r, mtx_field field, int64_t rows, int64_t cols, int64_t nnz,
                        const int32_t *gene_map, triplets *t, sc_err *e)
{
    char *line, q[80];
    size_t len;
    int64_t seen = 0;
    int32_t last_cell = 0;
    t->max = nnz;
    t->cell_sorted = 1;
    /* start from the declared count when the file could plausibly hold it
     * (a wrong size line must not make us allocate terabytes) */
    struct stat st;
    int64_t start = 1 << 16;
    if (stat(r->path, &st) == 0 && nnz <= (int64_t)st.st_size + (1 << 16))
        start = nnz;
    if (triplets_grow(t, start, r->path, e) != 0)
        return -1;
    for (;;) {
        int rc = lr_next(r, &line, &len, e);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        const char *p = skip_ws(line);
        if (*p == '\0' || *p == '%')
            continue;
        long long ln = (long long)r->lineno;
        if (seen == nnz)
            return err_set(e, "%s:%lld: more entries than the %lld declared on the size line",
                           r->path, ln, (long long)nnz);
        int64_t gi, ci;
        int pr = parse_i64(&p, &gi);
        if (pr == 0) {
            p = skip_ws(p);
            pr = parse_i64(&p, &ci);
        }
        if (pr != 0)
            return err_set(e, "%s:%lld: expected 'ROW COLUMN%s' (integers), got '%s'", r->path, ln,
                           field == FIELD_PATTERN ? "" : " VALUE", quote_line(line, q, sizeof q));
        if (gi < 1 || gi > rows)
            return err_set(e, "%s:%lld: row (gene) index %lld is outside 1..%lld", r->path, ln,
                           (long long)gi, (long long)rows);
        if (ci < 1 || ci > cols)
            return err_set(e, "%s:%lld: column (cell) index %lld is outside 1..%lld", r->path, ln,
                           (long long)ci, (long long)cols);
        p = skip_ws(p);
        double v = 1.0;
        if (field == FIELD_INTEGER) {
            int64_t iv;
            pr = parse_i64(&p, &iv);
            if (pr == -2)
                return err_set(e, "%s:%lld: value too large for a count", r->path, ln);
            if (pr != 0)
                return err_set(e,
                               "%s:%lld: expected an integer value (the header says 'integer'), "
                               "got '%s'",
                               r->path, ln, quote_line(line, q, sizeof q));
            v = (double)iv;
        } else if (field == FIELD_REAL) {
            if (parse_real(&p, &v) != 0)
                return err_set(e, "%s:%lld: expected 'ROW COLUMN VALUE' with a number, got '%s'",
                               r->path, ln, quote_line(line, q, sizeof q));
            if (isnan(v))
                return err_set(e, "%s:%lld: value is NaN", r->path, ln);
            if (isinf(v))
                return err_set(e, "%s:%lld: value is infinite", r->path, ln);
            if (fabs(v) > FLT_MAX)
                return err_set(e, "%s:%lld: value %g does not fit a float32", r->path, ln, v);
        }
        if (v < 0)
            return err_set(e, "%s:%lld: negative value %g; counts must be non-negative", r->path,
                           ln, v);
        if (*skip_ws(p))
            return err_set(e, "%s:%lld: unexpected text after the %s: '%s'", r->path, ln,
                           field == FIELD_PATTERN ? "two indices (the header says 'pattern')"
                                                  : "value",
                           quote_line(line, q, sizeof q));
        seen++;
        int32_t g = gene_map[gi - 1];
        if (g < 0)
            continue;
        if (t->n == t->cap && triplets_grow(t, 0, r->path, e) != 0)
            return -1;
        int32_t c = (int32_t)(ci - 1);
        if (c < last_cell)
            t->cell_sorted = 0;
        last_cell = c;
        t->cell[t->n] = c;
        t->gene[t->n] = g;
        t->val[t->n] = (float)v;
        t->n++;
    }
    if (seen != nnz)
        return err_set(e, "%s: ends after %lld of the %lld entries declared on the size line",
                       r->path, (long long)seen, (long long)nnz);
    return 0;
}

/* ---- triplets -> CSR ---------------------------------------------------- */

typedef struct gv {
    int32_t g;
    float v;
} gv;

static int cmp_gv(const void *a, const void *b)
{
    int32_t x = ((const gv *)a)->g, y = ((const gv *)b)->g;
    return (x > y) - (x < y);
}

/* Sort one row's (gene, value) pairs: already sorted and reversed (the
 * 10x order) cost one pass; anything else is sorted through `tmp`. */
static void sort_row(int32_t *g, float *v, int64_t n, gv *tmp)
{
    int asc = 1, desc = 1;
    for (int64_t k = 1; k < n && (asc || desc); k++) {
        if (g[k] < g[k - 1])
            asc = 0;
        if (g[k] > g[k - 1])
            desc = 0;
    }
    if (asc)
        return;
    if (desc) {
        for (int64_t a = 0, b = n - 1; a < b; a++, b--) {
            int32_t tg = g[a];
            g[a] = g[b];
            g[b] = tg;
            float tv = v[a];
            v[a] = v[b];
            v[b] = tv;
        }
        return;
    }
    for (int64_t k = 0; k < n; k++)
        tmp[k] = (gv){g[k], v[k]};
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_gv);
    for (int64_t k = 0; k < n; k++) {
        g[k] = tmp[k].g;
        v[k] = tmp[k].v;
    }
}

static int build_csr(triplets *t, int64_t ncells, int64_t ngenes, sc_csr *m, int64_t *dups,
                     const char *path, sc_err *e)
{
    int64_t cap = t->cap;
    memset(m, 0, sizeof *m);
    m->nrows = ncells;
    m->ncols = ngenes;
    m->indptr = sc_calloc(e, (size_t)ncells + 1, sizeof *m->indptr);
    if (!m->indptr)
        return -1;
    for (int64_t k = 0; k < t->n; k++)
        m->indptr[t->cell[k] + 1]++;
    for (int64_t r = 0; r < ncells; r++)
        m->indptr[r + 1] += m->indptr[r];
    if (t->cell_sorted) {
        m->indices = t->gene;
        m->data = t->val;
        t->gene = NULL;
        t->val = NULL;
    } else {
        /* counting sort by cell, stable in file order */
        m->indices = malloc((size_t)(t->n ? t->n : 1) * sizeof *m->indices);
        m->data = malloc((size_t)(t->n ? t->n : 1) * sizeof *m->data);
        int64_t *next = sc_calloc(e, (size_t)ncells + 1, sizeof *next);
        if (!m->indices || !m->data || !next) {
            free(next);
            csr_free(m);
            return err_set(e, "%s: out of memory sorting %lld entries by cell", path,
                           (long long)t->n);
        }
        memcpy(next, m->indptr, (size_t)ncells * sizeof *next);
        for (int64_t k = 0; k < t->n; k++) {
            int64_t at = next[t->cell[k]]++;
            m->indices[at] = t->gene[k];
            m->data[at] = t->val[k];
        }
        free(next);
    }
    free(t->cell);
    free(t->gene);
    free(t->val);
    memset(t, 0, sizeof *t);

    /* sort each row by gene and sum duplicates, compacting in place */
    int64_t maxrow = 0;
    for (int64_t r = 0; r < ncells; r++)
        if (m->indptr[r + 1] - m->indptr[r] > maxrow)
            maxrow = m->indptr[r + 1] - m->indptr[r];
    gv *tmp = sc_calloc(e, (size_t)(maxrow ? maxrow : 1), sizeof *tmp);
    if (!tmp) {
        csr_free(m);
        return -1;
    }
    int64_t w = 0, summed = 0;
    for (int64_t r = 0; r < ncells; r++) {
        int64_t a = m->indptr[r], b = m->indptr[r + 1];
        sort_row(m->indices + a, m->data + a, b - a, tmp);
        m->indptr[r] = w;
        for (int64_t k = a; k < b; k++) {
            if (w > m->indptr[r] && m->indices[w - 1] == m->indices[k]) {
                m->data[w - 1] += m->data[k];
                summed++;
                continue;
            }
            m->indices[w] = m->indices[k];
            m->data[w] = m->data[k];
            w++;
        }
    }
    m->indptr[ncells] = w;
    free(tmp);
    if (w && w < cap) {
        int32_t *ni = realloc(m->indices, (size_t)w * sizeof *ni);
        if (ni)
            m->indices = ni;
        float *nd = realloc(m->data, (size_t)w * sizeof *nd);
        if (nd)
            m->data = nd;
    }
    *dups = summed;
    return 0;
}

/* ---- the reader ----------------------------------------------------------- */

static int add_str_column(sc_frame *f, const char *name, char ***vals, sc_err *e)
{
    sc_column c = {0};
    c.kind = SC_COL_STR;
    if (!(c.name = sc_strdup(e, name)))
        return -1;
    c.str = *vals;
    if (frame_add(f, &c, e) != 0) {
        free(c.name);
        return -1;
    }
    *vals = NULL;
    return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many names repeat an earlier one (duplicate barcodes are kept, as
 * scanpy keeps them, but the user hears about it).  -1 on allocation failure. */
static int64_t count_repeats(char **names, int64_t n, sc_err *e)
{
    char **copy = sc_calloc(e, (size_t)(n ? n : 1), sizeof *copy);
    if (!copy)
        return -1;
    memcpy(copy, names, (size_t)n * sizeof *copy);
    qsort(copy, (size_t)n, sizeof *copy, cmp_str_ptr);
    int64_t rep = 0;
    for (int64_t i = 1; i < n; i++)
        rep += strcmp(copy[i], copy[i - 1]) == 0;
    free(copy);
    return rep;
}

/* Keep the rows of a string array where keep[i] >= 0, moving the strings. */
static char **take_strs(char **s, int64_t n, const int32_t *keep, int64_t nkeep, sc_err *e)
{
    char **out = sc_calloc(e, (size_t)(nkeep ? nkeep : 1), sizeof *out);
    if (!out)
        return NULL;
    for (int64_t i = 0; i < n; i++)
        if (keep[i] >= 0) {
            out[keep[i]] = s[i];
            s[i] = NULL;
        }
    return out;
}

int mtx_read_info(const char *path, sc_dataset *out, mtx_info *info, sc_err *e)
{
    mtx_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    mtx_files f;
    if (find_files(path, &f, e) != 0)
        return -1;
    snprintf(info->matrix_path, sizeof info->matrix_path, "%s", f.matrix);

    linereader r;
    if (lr_open(&r, f.matrix, e) != 0)
        return -1;
    sc_dataset d = {0};
    feature_table ft = {0};
    triplets t = {0};
    char **barcodes = NULL;
    int32_t *gene_map = NULL;
    int64_t ncells = 0, ngenes = 0, nnz = 0, kept = 0;
    mtx_field field = FIELD_INTEGER;
    int rc = -1;

    if (parse_banner(&r, &field, e) != 0 || parse_sizes(&r, &ngenes, &ncells, &nnz, e) != 0)
        goto done;
    if (read_barcodes(f.barcodes, ncells, f.matrix, &barcodes, e) != 0 ||
        read_features(f.features, ngenes, f.matrix, &ft, e) != 0)
        goto done;
    /* scanpy makes names unique before dropping other feature types */
    int64_t renamed = names_make_unique(ft.name, ngenes, e);
    if (renamed < 0)
        goto done;
    if (!(gene_map = sc_calloc(e, (size_t)(ngenes ? ngenes : 1), sizeof *gene_map)))
        goto done;
    int filter = 0;
    if (ft.type && !f.legacy)
        for (int64_t i = 0; i < ngenes && !filter; i++)
            filter = strcmp(ft.type[i], "Gene Expression") == 0;
    for (int64_t i = 0; i < ngenes; i++)
        gene_map[i] = !filter || strcmp(ft.type[i], "Gene Expression") == 0 ? (int32_t)kept++ : -1;
    if (read_entries(&r, field, ngenes, ncells, nnz, gene_map, &t, e) != 0)
        goto done;
    if (build_csr(&t, ncells, kept, &d.X, &info->duplicates_summed, f.matrix, e) != 0)
        goto done;
    if (csr_validate(&d.X, d.X.indptr[ncells], 1, f.matrix, e) != 0)
        goto done;

    d.obs.n = ncells;
    d.obs.index = barcodes;
    barcodes = NULL;
    d.var.n = kept;
    if (!(d.var.index = take_strs(ft.name, ngenes, gene_map, kept, e)))
        goto done;
    char **ids = take_strs(ft.id, ngenes, gene_map, kept, e);
    if (!ids || add_str_column(&d.var, "gene_ids", &ids, e) != 0) {
        strs_free(ids, kept);
        goto done;
    }
    if (ft.type) {
        char **types = take_strs(ft.type, ngenes, gene_map, kept, e);
        if (!types || add_str_column(&d.var, "feature_types", &types, e) != 0) {
            strs_free(types, kept);
            goto done;
        }
    }
    info->genes_renamed = renamed;
    info->features_dropped = ngenes - kept;
    if ((info->cells_duplicate = count_repeats(d.obs.index, ncells, e)) < 0)
        goto done;
    if (!(d.source = sc_strdup(e, path)) || !(d.x_source = sc_strdup(e, f.matrix)))
        goto done;
    *out = d;
    memset(&d, 0, sizeof d);
    rc = 0;
done:
    lr_close(&r);
    triplets_free(&t);
    features_free(&ft);
    strs_free(barcodes, ncells);
    free(gene_map);
    dataset_free(&d);
    return rc;
}

int mtx_read(const char *path, sc_dataset *out, sc_err *e)
{
    return mtx_read_info(path, out, NULL, e);
}

int mtx_sniff(const char *path, sc_err *e)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return errno ? err_errno(e, path) : err_set(e, "%s: cannot open", path);
    char head[16] = {0};
    int got = gzread(gz, head, 14);
    gzclose(gz);
    if (got < 14)
        return 0;
    return ieq(head, "%%MatrixMarket") ? 1 : 0;
}

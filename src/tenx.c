/* tenx.c: Cell Ranger .h5 (v3 and v2/1.x) -> sc_dataset (see tenx.h). */
#include "tenx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

#define PATHMAX 1024

static int64_t last_renamed, last_dropped;

int64_t tenx_last_renamed(void)
{
    return last_renamed;
}

int64_t tenx_last_dropped(void)
{
    return last_dropped;
}

/* The matrix of group grp ("/matrix" or "/GENOME"): genes x cells CSC on
 * disk, read as cells x genes CSR and validated. */
static int read_matrix(const h5u_file *f, const char *grp, sc_csr *m, sc_err *e)
{
    char p[PATHMAX], what[PATHMAX + 80];
    int64_t shape[2];
    h5u_info in;
    h5u_join(p, sizeof p, grp, "shape");
    if (h5u_info_get(f, p, &in, e) != 0)
        return -1;
    if (in.cls != H5U_INT || in.dims[0] * in.dims[1] != 2)
        return err_set(e, "%s:%s: a %s dataset of %lld values, expected 2 integers (genes, cells)",
                       f->path, p, in.dtype, (long long)(in.dims[0] * in.dims[1]));
    if (h5u_read_num(f, p, H5U_I64, 2, shape, e) != 0)
        return -1;
    if (shape[0] < 0 || shape[1] < 0 || shape[0] > INT32_MAX)
        return err_set(e, "%s:%s: shape %lld x %lld is not valid", f->path, p, (long long)shape[0],
                       (long long)shape[1]);
    m->nrows = shape[1];
    m->ncols = shape[0];
    h5u_join(p, sizeof p, grp, "indices");
    if (h5u_info_get(f, p, &in, e) != 0)
        return -1;
    if (in.cls != H5U_INT || in.rank != 1)
        return err_set(e, "%s:%s: dtype %s, expected 1-D integer gene indices", f->path, p, in.dtype);
    int64_t nnz = in.dims[0];
    if (!(m->indptr = sc_calloc(e, (size_t)m->nrows + 1, sizeof *m->indptr)) ||
        !(m->indices = sc_calloc(e, (size_t)nnz, sizeof *m->indices)) ||
        !(m->data = sc_calloc(e, (size_t)nnz, sizeof *m->data)) ||
        h5u_read_num(f, p, H5U_I32, nnz, m->indices, e) != 0)
        return -1;
    h5u_join(p, sizeof p, grp, "data");
    if (h5u_info_get(f, p, &in, e) != 0)
        return -1;
    if ((in.cls != H5U_INT && in.cls != H5U_FLOAT) || in.rank != 1)
        return err_set(e, "%s:%s: dtype %s, expected 1-D numeric counts", f->path, p, in.dtype);
    if (in.dims[0] != nnz)
        return err_set(e, "%s:%s: %lld values but indices has %lld, expected one count per index",
                       f->path, p, (long long)in.dims[0], (long long)nnz);
    if (h5u_read_num(f, p, H5U_F32, nnz, m->data, e) != 0)
        return -1;
    h5u_join(p, sizeof p, grp, "indptr");
    if (h5u_info_get(f, p, &in, e) != 0)
        return -1;
    if (in.cls != H5U_INT || in.dims[0] * in.dims[1] != m->nrows + 1)
        return err_set(e, "%s:%s: %lld %s values, expected %lld integers (barcodes + 1, from shape)",
                       f->path, p, (long long)(in.dims[0] * in.dims[1]), in.dtype,
                       (long long)(m->nrows + 1));
    if (h5u_read_num(f, p, H5U_I64, m->nrows + 1, m->indptr, e) != 0)
        return -1;
    snprintf(what, sizeof what, "%s:%s (genes x cells CSC; a 'row' below is a barcode)", f->path,
             grp);
    int64_t nsorted;
    return h5u_csr_check(m, nnz, what, &nsorted, e);
}

/* Keep only the genes with keep[j] set: renumber columns in place. */
static int keep_genes(sc_csr *m, const int *keep, sc_err *e)
{
    int32_t *map = sc_calloc(e, (size_t)(m->ncols ? m->ncols : 1), sizeof *map);
    int32_t nk = 0;
    if (!map)
        return -1;
    for (int64_t j = 0; j < m->ncols; j++)
        map[j] = keep[j] ? nk++ : -1;
    int64_t w = 0;
    for (int64_t r = 0; r < m->nrows; r++) {
        int64_t a = m->indptr[r], b = m->indptr[r + 1];
        m->indptr[r] = w;
        for (int64_t k = a; k < b; k++)
            if (map[m->indices[k]] >= 0) {
                m->indices[w] = map[m->indices[k]];
                m->data[w++] = m->data[k];
            }
    }
    m->indptr[m->nrows] = w;
    m->ncols = nk;
    free(map);
    return 0;
}

/* Strings -> a categorical column with sorted categories. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int make_cat(const char *name, char **s, int64_t n, sc_frame *fr, sc_err *e)
{
    sc_column c = {0};
    char **sorted = sc_calloc(e, (size_t)(n ? n : 1), sizeof *sorted);
    if (!sorted)
        return -1;
    memcpy(sorted, s, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    int64_t nc = 0;
    for (int64_t i = 0; i < n; i++)
        if (nc == 0 || strcmp(sorted[nc - 1], sorted[i]) != 0)
            sorted[nc++] = sorted[i];
    int rc = -1;
    c.kind = SC_COL_CAT;
    if (!(c.name = sc_strdup(e, name)) || !(c.codes = sc_calloc(e, (size_t)n, sizeof *c.codes)) ||
        !(c.cats = sc_calloc(e, (size_t)(nc ? nc : 1), sizeof *c.cats)))
        goto out;
    for (int64_t i = 0; i < nc; i++, c.ncats++)
        if (!(c.cats[i] = sc_strdup(e, sorted[i])))
            goto out;
    for (int64_t i = 0; i < n; i++) {
        char **hit = bsearch(&s[i], sorted, (size_t)nc, sizeof *sorted, cmp_str);
        c.codes[i] = (int32_t)(hit - sorted);
    }
    rc = frame_add(fr, &c, e);
out:
    free(sorted);
    if (rc != 0)
        column_free(&c);
    return rc;
}

static int add_str_col(const char *name, char ***s, sc_frame *fr, sc_err *e)
{
    sc_column c = {.kind = SC_COL_STR, .str = *s};
    if (!(c.name = sc_strdup(e, name)) || frame_add(fr, &c, e) != 0) {
        free(c.name);
        return -1; /* *s stays with the caller */
    }
    *s = NULL;
    return 0;
}

/* Root groups laid out as a Cell Ranger 1.x/2.x genome. */
static int list_genomes(const h5u_file *f, char ***g, int64_t *ng, sc_err *e)
{
    char **names;
    int64_t n;
    if (h5u_list(f, "/", &names, &n, e) != 0)
        return -1;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        char g[PATHMAX], p[PATHMAX], q[PATHMAX];
        h5u_join(g, sizeof g, "", names[i]);
        h5u_join(p, sizeof p, g, "indptr");
        h5u_join(q, sizeof q, g, "genes");
        if (h5u_type(f, p) == H5O_TYPE_DATASET && h5u_type(f, q) == H5O_TYPE_DATASET)
            names[k++] = names[i];
        else
            free(names[i]);
    }
    *g = names;
    *ng = k;
    return 0;
}

static void join_list(char *buf, size_t size, char **s, int64_t n)
{
    buf[0] = '\0';
    for (int64_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", s[i]);
}

/* v2: /GENOME/{genes,gene_names}; v3: /matrix/features/{id,name,feature_type,genome}. */
static int read_features(const h5u_file *f, const char *grp, int v3, const char *genome,
                         int64_t ngenes, sc_dataset *d, int **keep, sc_err *e)
{
    char p[PATHMAX], fg[PATHMAX], list[512];
    char **id = NULL, **name = NULL, **ft = NULL, **gn = NULL;
    int rc = -1;
    if (v3)
        h5u_join(fg, sizeof fg, grp, "features");
    else
        snprintf(fg, sizeof fg, "%s", grp);
    h5u_join(p, sizeof p, fg, v3 ? "id" : "genes");
    if (h5u_read_strs(f, p, ngenes, &id, e) != 0)
        goto out;
    h5u_join(p, sizeof p, fg, v3 ? "name" : "gene_names");
    if (h5u_read_strs(f, p, ngenes, &name, e) != 0)
        goto out;
    if (v3) {
        h5u_join(p, sizeof p, fg, "feature_type");
        if (h5u_type(f, p) >= 0 && h5u_read_strs(f, p, ngenes, &ft, e) != 0)
            goto out;
        h5u_join(p, sizeof p, fg, "genome");
        if (h5u_type(f, p) >= 0 && h5u_read_strs(f, p, ngenes, &gn, e) != 0)
            goto out;
        if (genome && !gn) {
            err_set(e, "%s:%s: not found, so genome=%s cannot be applied", f->path, p, genome);
            goto out;
        }
    }
    if (!(*keep = sc_calloc(e, (size_t)(ngenes ? ngenes : 1), sizeof **keep)))
        goto out;
    int64_t nk = 0, ngenome = 0;
    for (int64_t j = 0; j < ngenes; j++) {
        int g_ok = !genome || !gn || strcmp(gn[j], genome) == 0;
        ngenome += g_ok;
        (*keep)[j] = g_ok && (!ft || strcmp(ft[j], "Gene Expression") == 0);
        nk += (*keep)[j];
    }
    if (genome && gn && ngenome == 0) {
        /* distinct genomes, in order of appearance, for the message */
        char **u = sc_calloc(e, (size_t)(ngenes ? ngenes : 1), sizeof *u);
        int64_t nu = 0;
        if (!u)
            goto out;
        for (int64_t j = 0; j < ngenes; j++) {
            int seen = 0;
            for (int64_t k = 0; k < nu && !seen; k++)
                seen = strcmp(u[k], gn[j]) == 0;
            if (!seen)
                u[nu++] = gn[j];
        }
        join_list(list, sizeof list, u, nu);
        free(u);
        err_set(e, "%s:%s: no features of genome '%s'; genomes present: %s", f->path, p, genome,
                list);
        goto out;
    }
    if (nk == 0) {
        err_set(e, "%s:%s: none of the %lld features is of type Gene Expression", f->path, fg,
                (long long)ngenes);
        goto out;
    }
    last_dropped = ngenes - nk;
    /* compact the kept features in place */
    int64_t k = 0;
    for (int64_t j = 0; j < ngenes; j++) {
        if ((*keep)[j]) {
            id[k] = id[j];
            name[k] = name[j];
            if (ft)
                ft[k] = ft[j];
            if (gn)
                gn[k] = gn[j];
            k++;
        } else {
            free(id[j]);
            free(name[j]);
            if (ft)
                free(ft[j]);
            if (gn)
                free(gn[j]);
        }
    }
    d->var.n = nk;
    d->var.index = name;
    name = NULL;
    if (add_str_col("gene_ids", &id, &d->var, e) != 0 ||
        (ft && make_cat("feature_types", ft, nk, &d->var, e) != 0) ||
        (gn && make_cat("genome", gn, nk, &d->var, e) != 0))
        goto out_kept;
    rc = 0;
out_kept:
    h5u_strs_free(id, nk);
    h5u_strs_free(ft, nk);
    h5u_strs_free(gn, nk);
    return rc;
out:
    h5u_strs_free(id, ngenes);
    h5u_strs_free(name, ngenes);
    h5u_strs_free(ft, ngenes);
    h5u_strs_free(gn, ngenes);
    return rc;
}

int tenx_read(const char *path, const tenx_opts *o, sc_dataset *out, sc_err *e)
{
    const char *genome = o ? o->genome : NULL;
    sc_dataset d;
    h5u_file f;
    char grp[PATHMAX], p[PATHMAX], src[PATHMAX + 64], list[512];
    char **genomes = NULL;
    int64_t ngenomes = 0;
    int *keep = NULL;
    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    last_renamed = last_dropped = 0;
    if (h5u_open(&f, path, e) != 0)
        return -1;
    int rc = -1, v3 = h5u_type(&f, "/matrix/features") == H5O_TYPE_GROUP;
    if (v3) {
        snprintf(grp, sizeof grp, "/matrix");
    } else {
        if (list_genomes(&f, &genomes, &ngenomes, e) != 0)
            goto out;
        join_list(list, sizeof list, genomes, ngenomes);
        int64_t pick = -1;
        for (int64_t i = 0; genome && i < ngenomes; i++)
            if (strcmp(genomes[i], genome) == 0)
                pick = i;
        if (ngenomes == 0) {
            err_set(e, "%s: not a Cell Ranger matrix: expected /matrix/features (v3) or a genome "
                       "group with barcodes, data, indices, indptr, shape, genes (v2)",
                    path);
            goto out;
        }
        if (genome && pick < 0) {
            err_set(e, "%s:/%s: no such genome; genomes present: %s", path, genome, list);
            goto out;
        }
        if (!genome && ngenomes > 1) {
            err_set(e, "%s: holds %lld genomes (%s); choose one with genome=NAME", path,
                    (long long)ngenomes, list);
            goto out;
        }
        h5u_join(grp, sizeof grp, "", genomes[pick < 0 ? 0 : pick]);
    }
    if (read_matrix(&f, grp, &d.X, e) != 0 ||
        read_features(&f, grp, v3, genome, d.X.ncols, &d, &keep, e) != 0)
        goto out;
    if (d.var.n != d.X.ncols && keep_genes(&d.X, keep, e) != 0)
        goto out;
    d.obs.n = d.X.nrows;
    h5u_join(p, sizeof p, grp, "barcodes");
    if (h5u_read_strs(&f, p, d.X.nrows, &d.obs.index, e) != 0)
        goto out;
    int64_t renamed = names_make_unique(d.var.index, d.var.n, e);
    if (renamed < 0)
        goto out;
    last_renamed = renamed;
    snprintf(src, sizeof src, "%s:%s", path, grp);
    if (!(d.source = sc_strdup(e, path)) || !(d.x_source = sc_strdup(e, src)))
        goto out;
    rc = 0;
out:
    free(keep);
    h5u_strs_free(genomes, ngenomes);
    h5u_close(&f);
    if (rc != 0) {
        dataset_free(&d);
        last_renamed = last_dropped = 0;
        return -1;
    }
    *out = d;
    return 0;
}

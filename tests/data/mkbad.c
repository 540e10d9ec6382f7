/* mkbad.c: write small .h5ad files, valid and broken, for the reader tests.
 *
 *   mkbad OUTDIR      writes one file per case into OUTDIR (see `cases` below)
 *
 * test_h5ad_bad links this file with -DMKBAD_NO_MAIN and calls
 * mkbad_write_all() itself, so the fixtures are built at test time and no
 * binary is committed.  Written with the HDF5 C API in anndata's layout
 * (encoding-type attributes, dataframe groups, csr/csc groups).
 *
 * The valid tiny matrix (4 cells x 5 genes) is
 *     c0: g0=1 g2=3     c1: (none)     c2: g1=2 g3=5 g4=1     c3: g0=4 g4=7
 * obs: cell_type categorical [B, T] codes 0 1 -1 0; n_genes int64 2 0 3 2;
 *      score float64 0.5 1.5 2.5 3.5; flag bool 1 0 1 0; batch
 *      nullable-integer 1 (missing) 3 4; label string-array a b c d;
 *      ok nullable-boolean 1 0 (missing) 1
 * var: g0..g4 with gene_ids E0..E4 and chrom, a categorical with integer
 *      categories [7, 12], codes 0 1 1 0 1;
 * obsm: X_pca 4 x 2 = 0..7 (float32), X_graph (a csr group, to be skipped).
 *
 * Cell Ranger files: tenx_v3.h5, 3 cells x 5 features, stored by cell with
 * each cell's feature indices unsorted (int64, shuffle + gzip as Cell Ranger
 * writes them):  cell0: f3=5 f0=1 f2=2   cell1: f1=3 f4=4   cell2: (none);
 * features id E0..E4, name A B A AB C, feature_type Gene Expression except
 * f3 (Antibody Capture), genome hg hg mm hg mm.  tenx_v2_bad.h5: a v2 genome
 * group "g1" whose indptr has the wrong length. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NR 4
#define NC 5
#define NNZ 7

static const int64_t T_INDPTR[NR + 1] = {0, 2, 2, 5, 7};
static const int32_t T_INDICES[NNZ] = {0, 2, 1, 3, 4, 0, 4};
static const float T_DATA[NNZ] = {1, 3, 2, 5, 1, 4, 7};
static const char *const T_OBS[NR] = {"c0", "c1", "c2", "c3"};
static const char *const T_VAR[NC] = {"g0", "g1", "g2", "g3", "g4"};

static int failed;

/* Record an HDF5 failure (the id or status is passed through). */
static hid_t chk(hid_t r, const char *what)
{
    if (r < 0) {
        fprintf(stderr, "mkbad: %s failed\n", what);
        failed = 1;
    }
    return r;
}

static hid_t vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void attr_strs(hid_t loc, const char *name, int n, const char *const *v, int scalar)
{
    if (n == 0) { /* as h5py writes an empty list: an empty float64 array */
        hsize_t zero = 0;
        hid_t sp = H5Screate_simple(1, &zero, NULL);
        H5Aclose(chk(H5Acreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT), name));
        H5Sclose(sp);
        return;
    }
    hid_t t = vlen_str();
    hsize_t dim = (hsize_t)n;
    hid_t sp = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    hid_t a = chk(H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
    chk(H5Awrite(a, t, v), name);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void attr_str(hid_t loc, const char *name, const char *v)
{
    attr_strs(loc, name, 1, &v, 1);
}

static void attr_i64(hid_t loc, const char *name, int n, const int64_t *v)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = chk(H5Acreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT), name);
    chk(H5Awrite(a, H5T_NATIVE_INT64, v), name);
    H5Aclose(a);
    H5Sclose(sp);
}

static void encoding(hid_t loc, const char *type, const char *version)
{
    attr_str(loc, "encoding-type", type);
    attr_str(loc, "encoding-version", version);
}

static hid_t group(hid_t loc, const char *name, const char *enc)
{
    hid_t g = chk(H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
    if (enc)
        encoding(g, enc, "0.1.0");
    return g;
}

/* How a numeric dataset is stored. */
typedef struct store {
    hsize_t chunk;   /* 0: contiguous */
    int gzip, shuffle;
    int filter;      /* another filter id (32000 = LZF), registered by the caller */
} store;

static void dset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                 const hsize_t *dims, const void *data, const store *s)
{
    /* chunked datasets are extendible, as h5py and Cell Ranger write them */
    hsize_t maxd[2] = {H5S_UNLIMITED, rank == 2 ? dims[1] : 1};
    hid_t sp = H5Screate_simple(rank, dims, s && s->chunk ? maxd : NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (s && s->chunk) {
        hsize_t c[2] = {s->chunk, rank == 2 ? dims[1] : 1};
        H5Pset_chunk(dcpl, rank, c);
        if (s->shuffle)
            H5Pset_shuffle(dcpl);
        if (s->gzip)
            H5Pset_deflate(dcpl, 4);
        if (s->filter)
            chk(H5Pset_filter(dcpl, (H5Z_filter_t)s->filter, H5Z_FLAG_MANDATORY, 0, NULL), "filter");
    }
    hid_t d = chk(H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT), name);
    if (dims[0] > 0)
        chk(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
}

static void dset1(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                  const void *data, const store *s)
{
    dset(loc, name, ftype, mtype, 1, &n, data, s);
}

static void dset_strs(hid_t loc, const char *name, int n, const char *const *v, int encode)
{
    hid_t t = vlen_str();
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = chk(H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
    chk(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), name);
    if (encode)
        encoding(d, "string-array", "0.2.0");
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
}

static hid_t bool_type(void)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t f = 0, tr = 1;
    H5Tenum_insert(t, "FALSE", &f);
    H5Tenum_insert(t, "TRUE", &tr);
    return t;
}

/* A sparse matrix group (csr or csc) from explicit arrays. */
typedef struct sparse {
    const char *enc;  /* "csr_matrix" / "csc_matrix" */
    int64_t shape[2];
    int64_t nptr, nnz;
    const int64_t *indptr;
    const int32_t *indices;
    const float *data;
    int legacy;       /* h5sparse_format / h5sparse_shape attributes (anndata <= 0.6) */
    int str_data;     /* data written as strings (a dtype error) */
    hid_t ptr_type, idx_type, data_type; /* file types (0: int64 / int32 / float32) */
    store st;         /* storage of the three datasets */
    store data_st;    /* storage of data alone, when its chunk is set */
} sparse;

static void write_sparse(hid_t loc, const char *name, const sparse *s)
{
    hid_t g = group(loc, name, NULL);
    if (s->legacy) {
        attr_str(g, "h5sparse_format", strcmp(s->enc, "csr_matrix") == 0 ? "csr" : "csc");
        attr_i64(g, "h5sparse_shape", 2, s->shape);
    } else {
        encoding(g, s->enc, "0.1.0");
        attr_i64(g, "shape", 2, s->shape);
    }
    dset1(g, "indptr", s->ptr_type ? s->ptr_type : H5T_STD_I64LE, H5T_NATIVE_INT64,
          (hsize_t)s->nptr, s->indptr, &s->st);
    dset1(g, "indices", s->idx_type ? s->idx_type : H5T_STD_I32LE, H5T_NATIVE_INT32,
          (hsize_t)s->nnz, s->indices, &s->st);
    if (s->str_data) {
        const char *v[NNZ] = {"1", "3", "2", "5", "1", "4", "7"};
        dset_strs(g, "data", (int)s->nnz, v, 0);
    } else {
        dset1(g, "data", s->data_type ? s->data_type : H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
              (hsize_t)s->nnz, s->data, s->data_st.chunk ? &s->data_st : &s->st);
    }
    H5Gclose(g);
}

static sparse tiny_csr(void)
{
    sparse s = {.enc = "csr_matrix", .shape = {NR, NC}, .nptr = NR + 1, .nnz = NNZ,
                .indptr = T_INDPTR, .indices = T_INDICES, .data = T_DATA};
    return s;
}

/* The tiny obs dataframe with one column of each encoding; `code1` is the
 * cell_type code of c1 (-1 normally; out of range for the bad case). */
static void write_obs(hid_t file, int n, int code1)
{
    hid_t g = group(file, "obs", NULL);
    encoding(g, "dataframe", "0.2.0");
    attr_str(g, "_index", "_index");
    const char *order[] = {"cell_type", "n_genes", "score", "flag", "batch", "label", "ok"};
    attr_strs(g, "column-order", 7, order, 0);
    dset_strs(g, "_index", n, T_OBS, 1);
    hsize_t nn = (hsize_t)n;

    hid_t c = group(g, "cell_type", NULL);
    encoding(c, "categorical", "0.2.0");
    hid_t bt = bool_type(), sc = H5Screate(H5S_SCALAR);
    hid_t oa = chk(H5Acreate2(c, "ordered", bt, sc, H5P_DEFAULT, H5P_DEFAULT), "ordered");
    int8_t no = 0;
    chk(H5Awrite(oa, bt, &no), "ordered");
    H5Aclose(oa);
    H5Sclose(sc);
    int8_t codes[NR] = {0, (int8_t)code1, 1, 0};
    dset1(c, "codes", H5T_STD_I8LE, H5T_NATIVE_INT8, nn, codes, NULL);
    const char *cats[] = {"B", "T"};
    dset_strs(c, "categories", 2, cats, 1);
    H5Gclose(c);

    int64_t ng[NR] = {2, 0, 3, 2};
    dset1(g, "n_genes", H5T_STD_I64LE, H5T_NATIVE_INT64, nn, ng, NULL);
    double score[NR] = {0.5, 1.5, 2.5, 3.5};
    dset1(g, "score", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, nn, score, NULL);
    int8_t flag[NR] = {1, 0, 1, 0};
    dset1(g, "flag", bt, bt, nn, flag, NULL);

    hid_t b = group(g, "batch", NULL);
    encoding(b, "nullable-integer", "0.1.0");
    int64_t bv[NR] = {1, 2, 3, 4};
    int8_t bm[NR] = {0, 1, 0, 0};
    dset1(b, "values", H5T_STD_I64LE, H5T_NATIVE_INT64, nn, bv, NULL);
    dset1(b, "mask", bt, bt, nn, bm, NULL);
    H5Tclose(bt);
    H5Gclose(b);

    const char *label[] = {"a", "b", "c", "d"};
    dset_strs(g, "label", n, label, 1);

    hid_t ok = group(g, "ok", NULL);
    encoding(ok, "nullable-boolean", "0.1.0");
    int8_t ov[NR] = {1, 0, 1, 1}, om[NR] = {0, 0, 1, 0};
    bt = bool_type();
    dset1(ok, "values", bt, bt, nn, ov, NULL);
    dset1(ok, "mask", bt, bt, nn, om, NULL);
    H5Tclose(bt);
    H5Gclose(ok);
    H5Gclose(g);
}

static void write_var(hid_t file, const char *name, int n, const char *const *names)
{
    hid_t g = group(file, name, NULL);
    encoding(g, "dataframe", "0.2.0");
    attr_str(g, "_index", "_index");
    const char *order[] = {"gene_ids", "chrom"};
    attr_strs(g, "column-order", 2, order, 0);
    dset_strs(g, "_index", n, names, 1);
    const char *ids[] = {"E0", "E1", "E2", "E3", "E4", "E5", "E6"};
    dset_strs(g, "gene_ids", n, ids, 1);
    hid_t c = group(g, "chrom", NULL); /* categories may be numbers */
    encoding(c, "categorical", "0.2.0");
    int8_t codes[7] = {0, 1, 1, 0, 1, 0, 1};
    dset1(c, "codes", H5T_STD_I8LE, H5T_NATIVE_INT8, (hsize_t)n, codes, NULL);
    int64_t cats[2] = {7, 12};
    dset1(c, "categories", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, cats, NULL);
    H5Gclose(c);
    H5Gclose(g);
}

static void write_obsm(hid_t file, int rows)
{
    hid_t g = group(file, "obsm", "dict");
    float pca[2 * (NR + 1)] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    hsize_t dims[2] = {(hsize_t)rows, 2};
    dset(g, "X_pca", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, pca, NULL);
    sparse s = tiny_csr();
    write_sparse(g, "X_graph", &s);
    H5Gclose(g);
}

/* What a case changes in the valid tiny file. */
typedef struct mods {
    int x;                    /* 0 csr, 1 csc, 2 dense float64, 3 no X */
    sparse *xs;               /* replaces X's arrays (csr) */
    int64_t shape0;           /* replaces the shape attribute's cell count */
    int nobs, nvar;           /* frame lengths (0: 4 and 5) */
    const char *const *var_names;
    int code1;                /* cell_type code of c1 (default -1) */
    int filter;               /* filter id on X (32000 LZF, 32001 blosc) */
    int layers;               /* 1: X = counts / 2 + layers/counts + raw/X; 2: X = counts - 3 too */
    int obsm_rows;            /* rows of obsm/X_pca (0: 4) */
    int userblock;
} mods;

static int write_h5ad(const char *dir, const char *name, const mods *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (m->userblock)
        H5Pset_userblock(fcpl, 512);
    hid_t f = chk(H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), path);
    H5Pclose(fcpl);
    if (f < 0)
        return -1;
    encoding(f, "anndata", "0.1.0");
    sparse s = m->xs ? *m->xs : tiny_csr();
    if (m->shape0)
        s.shape[0] = m->shape0;
    if (m->filter)
        s.data_st = (store){.chunk = 4, .filter = m->filter};
    float scaled[NNZ];
    if (m->layers) {
        for (int k = 0; k < NNZ; k++)
            scaled[k] = m->layers == 2 ? T_DATA[k] - 3 : T_DATA[k] / 2;
        s.data = scaled;
    }
    if (m->x == 0) {
        write_sparse(f, "X", &s);
    } else if (m->x == 1) {
        /* the same matrix by column: genes x cells CSR of the transpose */
        int64_t ptr[NC + 1] = {0};
        int32_t idx[NNZ];
        float val[NNZ];
        for (int k = 0; k < NNZ; k++)
            ptr[T_INDICES[k] + 1]++;
        for (int j = 0; j < NC; j++)
            ptr[j + 1] += ptr[j];
        int64_t next[NC];
        memcpy(next, ptr, sizeof next);
        for (int r = 0; r < NR; r++)
            for (int64_t k = T_INDPTR[r]; k < T_INDPTR[r + 1]; k++) {
                idx[next[T_INDICES[k]]] = r;
                val[next[T_INDICES[k]]++] = T_DATA[k];
            }
        sparse c = {.enc = "csc_matrix", .shape = {NR, NC}, .nptr = NC + 1, .nnz = NNZ,
                    .indptr = ptr, .indices = idx, .data = val,
                    .data_type = H5T_STD_I32LE, .st = {.chunk = 3, .gzip = 1}};
        write_sparse(f, "X", &c);
    } else if (m->x == 2) {
        double dense[NR][NC] = {{0}};
        for (int r = 0; r < NR; r++)
            for (int64_t k = T_INDPTR[r]; k < T_INDPTR[r + 1]; k++)
                dense[r][T_INDICES[k]] = T_DATA[k];
        hsize_t dims[2] = {NR, NC};
        dset(f, "X", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, dense, NULL);
    }
    write_obs(f, m->nobs ? m->nobs : NR, m->code1 ? m->code1 : -1);
    write_var(f, "var", m->nvar ? m->nvar : NC, m->var_names ? m->var_names : T_VAR);
    write_obsm(f, m->obsm_rows ? m->obsm_rows : NR);
    hid_t g = group(f, "layers", "dict");
    if (m->layers) {
        sparse c = tiny_csr();
        write_sparse(g, "counts", &c);
        hid_t raw = group(f, "raw", NULL);
        write_sparse(raw, "X", &c);
        const char *rv[] = {"r0", "r1", "r2", "r3", "r4"};
        write_var(raw, "var", NC, rv);
        H5Gclose(raw);
    }
    H5Gclose(g);
    H5Gclose(group(f, "uns", "dict"));
    H5Fclose(f);
    return failed ? -1 : 0;
}

/* A larger file with many small chunks for the raw-chunk path: variant 0
 * gzip + shuffle, int64 indices, int32 indptr, partial last chunk; 1 float64
 * data, chunked without filters; 2 as 0 behind a 512-byte user block. cell i, gene j holds
 * (i + j) % 9 + 1 when (7i + 3j) % 5 == 0. */
#define CR 50
#define CC 40
static int write_chunked(const char *dir, const char *name, int variant)
{
    static int64_t ptr[CR + 1];
    static int32_t idx[CR * CC];
    static float val[CR * CC];
    int64_t nnz = 0;
    for (int i = 0; i < CR; i++) {
        for (int j = 0; j < CC; j++)
            if ((7 * i + 3 * j) % 5 == 0) {
                idx[nnz] = j;
                val[nnz++] = (float)((i + j) % 9 + 1);
            }
        ptr[i + 1] = nnz;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (variant == 2) /* chunk addresses then count from the superblock at 512 */
        H5Pset_userblock(fcpl, 512);
    hid_t f = chk(H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), path);
    H5Pclose(fcpl);
    if (f < 0)
        return -1;
    encoding(f, "anndata", "0.1.0");
    sparse s = {.enc = "csr_matrix", .shape = {CR, CC}, .nptr = CR + 1, .nnz = nnz, .indptr = ptr,
                .indices = idx, .data = val};
    if (variant != 1) {
        s.idx_type = H5T_STD_I64LE;
        s.ptr_type = H5T_STD_I32LE;
        s.st = (store){.chunk = 7, .gzip = 1, .shuffle = 1};
    } else {
        s.data_type = H5T_IEEE_F64LE;
        s.st = (store){.chunk = 16}; /* chunked, no filter */
    }
    write_sparse(f, "X", &s);
    char names[CR + CC][16];
    const char *obs[CR], *var[CC];
    for (int i = 0; i < CR; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        obs[i] = names[i];
    }
    for (int j = 0; j < CC; j++) {
        snprintf(names[CR + j], sizeof names[CR + j], "g%d", j);
        var[j] = names[CR + j];
    }
    hid_t g = group(f, "obs", "dataframe");
    attr_str(g, "_index", "_index");
    attr_strs(g, "column-order", 0, NULL, 0);
    dset_strs(g, "_index", CR, obs, 1);
    H5Gclose(g);
    g = group(f, "var", "dataframe");
    attr_str(g, "_index", "_index");
    attr_strs(g, "column-order", 0, NULL, 0);
    dset_strs(g, "_index", CC, var, 1);
    H5Gclose(g);
    H5Fclose(f);
    return failed ? -1 : 0;
}

/* anndata 0.7: categories in obs/__categories/COL; X with h5sparse attributes. */
static int write_old07(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/old07.h5ad", dir);
    hid_t f = chk(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path);
    if (f < 0)
        return -1;
    sparse s = tiny_csr();
    s.legacy = 1;
    write_sparse(f, "X", &s);
    hid_t g = group(f, "obs", "dataframe");
    attr_str(g, "_index", "_index");
    const char *order[] = {"cell_type"};
    attr_strs(g, "column-order", 1, order, 0);
    dset_strs(g, "_index", NR, T_OBS, 0);
    int8_t codes[NR] = {1, 0, 1, 1};
    dset1(g, "cell_type", H5T_STD_I8LE, H5T_NATIVE_INT8, NR, codes, NULL);
    hid_t cg = group(g, "__categories", NULL);
    const char *cats[] = {"B", "T"};
    dset_strs(cg, "cell_type", 2, cats, 0);
    H5Gclose(cg);
    H5Gclose(g);
    write_var(f, "var", NC, T_VAR);
    H5Fclose(f);
    return failed ? -1 : 0;
}

/* anndata 0.6: obs/var as compound datasets, categories in uns/COL_categories. */
static int write_old06(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/old06.h5ad", dir);
    hid_t f = chk(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path);
    if (f < 0)
        return -1;
    sparse s = tiny_csr();
    s.legacy = 1;
    write_sparse(f, "X", &s);
    struct orow {
        char *index;
        int8_t cell_type;
        int64_t n_genes;
        char tag[4];
    } rows[NR] = {{"c0", 0, 2, "x"}, {"c1", 1, 0, "y"}, {"c2", 1, 3, "z"}, {"c3", 0, 2, "w"}};
    hid_t vs = vlen_str(), fs = H5Tcopy(H5T_C_S1);
    H5Tset_size(fs, 4);
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(struct orow));
    H5Tinsert(ct, "index", HOFFSET(struct orow, index), vs);
    H5Tinsert(ct, "cell_type", HOFFSET(struct orow, cell_type), H5T_NATIVE_INT8);
    H5Tinsert(ct, "n_genes", HOFFSET(struct orow, n_genes), H5T_NATIVE_INT64);
    H5Tinsert(ct, "tag", HOFFSET(struct orow, tag), fs);
    hid_t packed = H5Tcopy(ct); /* h5py writes numpy records packed */
    H5Tpack(packed);
    dset1(f, "obs", packed, ct, NR, rows, NULL);
    H5Tclose(packed);
    H5Tclose(ct);
    struct vrow {
        char *index;
        char *gene_ids;
    } vrows[NC] = {{"g0", "E0"}, {"g1", "E1"}, {"g2", "E2"}, {"g3", "E3"}, {"g4", "E4"}};
    ct = H5Tcreate(H5T_COMPOUND, sizeof(struct vrow));
    H5Tinsert(ct, "index", HOFFSET(struct vrow, index), vs);
    H5Tinsert(ct, "gene_ids", HOFFSET(struct vrow, gene_ids), vs);
    dset1(f, "var", ct, ct, NC, vrows, NULL);
    H5Tclose(ct);
    H5Tclose(vs);
    H5Tclose(fs);
    hid_t u = group(f, "uns", NULL);
    const char *cats[] = {"B", "T"};
    dset_strs(u, "cell_type_categories", 2, cats, 0);
    H5Gclose(u);
    H5Fclose(f);
    return failed ? -1 : 0;
}

/* A stand-in for h5py's LZF and blosc filters: HDF5 needs the filter
 * registered to write it; mkbad unregisters it afterwards so a reader in the
 * same process meets it as a reader without the plugin would. */
static size_t identity_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
                              size_t nbytes, size_t *buf_size, void **buf)
{
    (void)flags, (void)cd_nelmts, (void)cd_values, (void)buf_size, (void)buf;
    return nbytes;
}

static int write_filtered(const char *dir, const char *name, int id)
{
    H5Z_class2_t cls = {H5Z_CLASS_T_VERS, (H5Z_filter_t)id, 1, 1,
                        id == 32000 ? "lzf" : "blosc", NULL, NULL, identity_filter};
    if (chk(H5Zregister(&cls), "H5Zregister") < 0)
        return -1;
    mods m = {.filter = id};
    int rc = write_h5ad(dir, name, &m);
    chk(H5Zunregister((H5Z_filter_t)id), "H5Zunregister");
    return rc || failed ? -1 : 0;
}

static int write_text(const char *dir, const char *name, const char *content, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t w = fwrite(content, 1, n, fp);
    return fclose(fp) != 0 || w != n ? -1 : 0;
}

/* A copy of valid_csr.h5ad cut to half its size. */
static int write_truncated(const char *dir)
{
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/valid_csr.h5ad", dir);
    snprintf(dst, sizeof dst, "%s/truncated.h5ad", dir);
    FILE *in = fopen(src, "rb");
    if (!in)
        return -1;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, in) : 0;
    fclose(in);
    int rc = buf && n > 0 ? 0 : -1;
    FILE *out = rc == 0 ? fopen(dst, "wb") : NULL;
    if (!out || fwrite(buf, 1, n / 2, out) != n / 2)
        rc = -1;
    if (out && fclose(out) != 0)
        rc = -1;
    free(buf);
    return rc;
}

static void fixed_strs(hid_t loc, const char *name, size_t n, const char *const *v, size_t size,
                       const store *st)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, size);
    char buf[8][24] = {{0}};
    for (size_t i = 0; i < n && i < 8; i++)
        snprintf(buf[i], sizeof buf[i], "%s", v[i]);
    char *packed = calloc(n ? n : 1, size);
    for (size_t i = 0; packed && i < n && i < 8; i++)
        memcpy(packed + i * size, buf[i], size);
    hsize_t dim = (hsize_t)n;
    dset(loc, name, t, t, 1, &dim, packed, st);
    free(packed);
    H5Tclose(t);
}

static int write_tenx(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tenx_v3.h5", dir);
    hid_t f = chk(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path);
    if (f < 0)
        return -1;
    store cr = {.chunk = 4, .gzip = 1, .shuffle = 1};
    hid_t m = group(f, "matrix", NULL);
    const char *bc[] = {"AAAC-1", "AAAG-1", "AAAT-1"};
    fixed_strs(m, "barcodes", 3, bc, 6, &cr);
    int64_t shape[2] = {5, 3}, ptr[4] = {0, 3, 5, 5}, idx[5] = {3, 0, 2, 1, 4};
    int32_t data[5] = {5, 1, 2, 3, 4};
    dset1(m, "shape", H5T_STD_I32LE, H5T_NATIVE_INT64, 2, shape, &cr);
    dset1(m, "indptr", H5T_STD_I64LE, H5T_NATIVE_INT64, 4, ptr, &cr);
    dset1(m, "indices", H5T_STD_I64LE, H5T_NATIVE_INT64, 5, idx, &cr);
    dset1(m, "data", H5T_STD_I32LE, H5T_NATIVE_INT32, 5, data, &cr);
    hid_t ft = group(m, "features", NULL);
    const char *id[] = {"E0", "E1", "E2", "E3", "E4"}, *nm[] = {"A", "B", "A", "AB", "C"};
    const char *ty[] = {"Gene Expression", "Gene Expression", "Gene Expression",
                        "Antibody Capture", "Gene Expression"};
    const char *gn[] = {"hg", "hg", "mm", "hg", "mm"};
    fixed_strs(ft, "id", 5, id, 2, &cr);
    fixed_strs(ft, "name", 5, nm, 2, &cr);
    fixed_strs(ft, "feature_type", 5, ty, 16, &cr);
    fixed_strs(ft, "genome", 5, gn, 2, &cr);
    H5Gclose(ft);
    H5Gclose(m);
    H5Fclose(f);

    snprintf(path, sizeof path, "%s/tenx_v2_bad.h5", dir);
    f = chk(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path);
    if (f < 0)
        return -1;
    m = group(f, "g1", NULL);
    fixed_strs(m, "barcodes", 3, bc, 6, NULL);
    int64_t shape2[2] = {2, 3}, ptr2[3] = {0, 1, 2}, idx2[2] = {0, 1};
    int32_t data2[2] = {1, 1};
    dset1(m, "shape", H5T_STD_I32LE, H5T_NATIVE_INT64, 2, shape2, NULL);
    dset1(m, "indptr", H5T_STD_I64LE, H5T_NATIVE_INT64, 3, ptr2, NULL);
    dset1(m, "indices", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, idx2, NULL);
    dset1(m, "data", H5T_STD_I32LE, H5T_NATIVE_INT32, 2, data2, NULL);
    fixed_strs(m, "genes", 2, id, 2, NULL);
    fixed_strs(m, "gene_names", 2, nm, 2, NULL);
    H5Gclose(m);
    H5Fclose(f);
    return failed ? -1 : 0;
}

int mkbad_write_all(const char *dir);
int mkbad_write_all(const char *dir)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    failed = 0;
    int rc = 0;

    /* valid files */
    mods valid = {0}, csc = {.x = 1}, dense = {.x = 2}, layers = {.layers = 1}, ub = {.userblock = 1};
    rc |= write_h5ad(dir, "valid_csr.h5ad", &valid);
    rc |= write_h5ad(dir, "valid_csc.h5ad", &csc);
    rc |= write_h5ad(dir, "valid_dense.h5ad", &dense);
    rc |= write_h5ad(dir, "valid_layers.h5ad", &layers);
    rc |= write_h5ad(dir, "valid_userblock.h5ad", &ub);
    rc |= write_chunked(dir, "chunked_shuffle.h5ad", 0);
    rc |= write_chunked(dir, "chunked_f64.h5ad", 1);
    rc |= write_chunked(dir, "chunked_userblock.h5ad", 2);
    rc |= write_old07(dir);
    rc |= write_old06(dir);
    const char *dup[NC] = {"g0", "g1", "g0", "g3", "g0"};
    mods dupm = {.var_names = dup};
    rc |= write_h5ad(dir, "dup_genes.h5ad", &dupm);
    /* row 2 stored as 3 1 4: unsorted, accepted and sorted */
    static const int32_t unsorted[NNZ] = {0, 2, 3, 1, 4, 0, 4};
    static const float unsorted_v[NNZ] = {1, 3, 5, 2, 1, 4, 7};
    sparse us = tiny_csr();
    us.indices = unsorted;
    us.data = unsorted_v;
    mods usm = {.xs = &us};
    rc |= write_h5ad(dir, "unsorted.h5ad", &usm);

    /* broken files */
    mods nox = {.x = 3};
    rc |= write_h5ad(dir, "no_x.h5ad", &nox);
    static const int64_t decreasing[NR + 1] = {0, 2, 1, 5, 7};
    sparse dec = tiny_csr();
    dec.indptr = decreasing;
    mods decm = {.xs = &dec};
    rc |= write_h5ad(dir, "indptr_decreasing.h5ad", &decm);
    static const int64_t short_end[NR + 1] = {0, 2, 2, 5, 6};
    sparse end = tiny_csr();
    end.indptr = short_end;
    mods endm = {.xs = &end};
    rc |= write_h5ad(dir, "indptr_end.h5ad", &endm);
    static const int32_t out_of_range[NNZ] = {0, 2, 1, 3, 5, 0, 4};
    sparse oor = tiny_csr();
    oor.indices = out_of_range;
    mods oorm = {.xs = &oor};
    rc |= write_h5ad(dir, "index_range.h5ad", &oorm);
    static const int32_t duplicate[NNZ] = {0, 2, 1, 3, 3, 0, 4};
    sparse dp = tiny_csr();
    dp.indices = duplicate;
    mods dpm = {.xs = &dp};
    rc |= write_h5ad(dir, "duplicate.h5ad", &dpm);
    mods shape_obs = {.shape0 = 5, .nobs = 4};
    rc |= write_h5ad(dir, "shape_obs.h5ad", &shape_obs);
    static const char *const var6[6] = {"g0", "g1", "g2", "g3", "g4", "g5"};
    mods shape_var = {.nvar = 6, .var_names = var6};
    rc |= write_h5ad(dir, "shape_var.h5ad", &shape_var);
    static const float negative[NNZ] = {1, 3, 2, -5, 1, 4, 7};
    static const float nan_v[NNZ] = {1, 3, 2, 5, 1, NAN, 7};
    static const float inf_v[NNZ] = {1, 3, 2, 5, 1, 4, INFINITY};
    sparse neg = tiny_csr(), nan = tiny_csr(), inf = tiny_csr();
    neg.data = negative;
    nan.data = nan_v;
    inf.data = inf_v;
    mods negm = {.xs = &neg}, nanm = {.xs = &nan}, infm = {.xs = &inf};
    rc |= write_h5ad(dir, "negative.h5ad", &negm);
    rc |= write_h5ad(dir, "nan.h5ad", &nanm);
    rc |= write_h5ad(dir, "inf.h5ad", &infm);
    mods negl = {.layers = 2};
    rc |= write_h5ad(dir, "negative_with_counts.h5ad", &negl);
    mods code = {.code1 = 2};
    rc |= write_h5ad(dir, "cat_code.h5ad", &code);
    sparse sd = tiny_csr();
    sd.str_data = 1;
    mods sdm = {.xs = &sd};
    rc |= write_h5ad(dir, "string_data.h5ad", &sdm);
    mods obsm = {.obsm_rows = 5};
    rc |= write_h5ad(dir, "obsm_rows.h5ad", &obsm);
    rc |= write_filtered(dir, "lzf.h5ad", 32000);
    rc |= write_filtered(dir, "blosc.h5ad", 32001);
    rc |= write_truncated(dir);
    rc |= write_tenx(dir);
    static const char text[] = "gene\tcell\tcount\nCD3E\tc1\t4\n";
    rc |= write_text(dir, "text.h5ad", text, sizeof text - 1);
    rc |= write_text(dir, "empty.h5ad", "", 0);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/dir.h5ad", dir);
    if (mkdir(sub, 0755) != 0)
        rc = -1;
    return rc || failed ? -1 : 0;
}

#ifndef MKBAD_NO_MAIN
int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkbad OUTDIR\n");
        return 2;
    }
    if (mkbad_write_all(argv[1]) != 0) {
        fprintf(stderr, "mkbad: could not write every file into %s\n", argv[1]);
        return 1;
    }
    return 0;
}
#endif

/* h5array.c: numeric datasets into the caller's arrays (see h5util.h):
 * filter checks, dtype conversion with range checks, the parallel raw-chunk
 * reader, the H5Dread reader, and the check of the CSR matrices they form. */
#include "h5util.h"

#include <errno.h>
#include <float.h>
#include <libdeflate.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#define OMP(x) _Pragma(#x)
#else
#define OMP(x)
#endif

#define H5U_LZF 32000
#define H5U_BLOSC 32001

/* ---- filters ---------------------------------------------------------- */

typedef struct pipeline {
    int nfilters;
    int deflate, shuffle;   /* pipeline index, or -1 */
    unsigned shuffle_size;  /* element size the shuffle filter was set up with */
    int other;              /* a filter other than deflate/shuffle is present */
} pipeline;

/* Read the filter pipeline; an unavailable filter is an error that names the
 * dataset and, for LZF and blosc, says how to re-save the file with gzip. */
static int check_filters(const h5u_file *f, const char *obj, hid_t d, pipeline *p, sc_err *e)
{
    memset(p, 0, sizeof *p);
    p->deflate = p->shuffle = -1;
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0)
        return h5u_fail(e, f, obj, "cannot read the dataset's creation properties");
    int n = H5Pget_nfilters(dcpl), rc = 0;
    p->nfilters = n < 0 ? 0 : n;
    for (int i = 0; i < n && rc == 0; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64] = "";
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (id < 0) {
            rc = h5u_fail(e, f, obj, "cannot read the filter pipeline");
            break;
        }
        if (id == H5Z_FILTER_DEFLATE)
            p->deflate = i;
        else if (id == H5Z_FILTER_SHUFFLE) {
            p->shuffle = i;
            p->shuffle_size = ncd > 0 ? cd[0] : 0;
        } else
            p->other = 1;
        htri_t avail = H5Zfilter_avail(id);
        H5Eclear2(H5E_DEFAULT);
        if (avail > 0)
            continue;
        if (id == H5U_LZF || id == H5U_BLOSC)
            rc = err_set(e,
                         "%s:%s: compressed with %s (HDF5 filter %d), which only h5py%s can "
                         "decode; re-save the file with gzip, e.g. python3 -c \"import anndata; "
                         "anndata.read_h5ad('%s').write_h5ad('OUT.h5ad', compression='gzip')\" "
                         "(or h5repack -f GZIP=4 on a system with the filter plugin)",
                         f->path, obj, id == H5U_LZF ? "LZF" : "blosc", (int)id,
                         id == H5U_LZF ? "" : " with hdf5plugin", f->path);
        else
            rc = err_set(e,
                         "%s:%s: compressed with HDF5 filter %d ('%s'), which this build cannot "
                         "decode; re-save the file with gzip (e.g. h5repack -f GZIP=4 IN OUT)",
                         f->path, obj, (int)id, name);
    }
    H5Pclose(dcpl);
    return rc;
}

int h5u_check_filters(const h5u_file *f, const char *obj, hid_t d, sc_err *e)
{
    pipeline p;
    return check_filters(f, obj, d, &p, e);
}

/* ---- conversion ------------------------------------------------------- */

typedef enum { S_I8, S_U8, S_I16, S_U16, S_I32, S_U32, S_I64, S_U64, S_F32, S_F64 } src_t;

static const size_t src_size[] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
static const size_t dest_size[] = {4, 8, 4, 8};

/* The in-memory type a file type is read as before conversion; -1 when it is
 * not numeric.  Bool enums are read as their base integer type. */
static int src_of(const h5u_info *in, src_t *s)
{
    if (in->cls == H5U_FLOAT) {
        *s = in->size <= 4 ? S_F32 : S_F64;
        return 0;
    }
    if (in->cls != H5U_INT && in->cls != H5U_BOOL)
        return -1;
    int sg = in->is_signed;
    switch (in->size) {
    case 1: *s = sg ? S_I8 : S_U8; return 0;
    case 2: *s = sg ? S_I16 : S_U16; return 0;
    case 4: *s = sg ? S_I32 : S_U32; return 0;
    case 8: *s = sg ? S_I64 : S_U64; return 0;
    default: return -1;
    }
}

static hid_t src_memtype(src_t s)
{
    switch (s) {
    case S_I8: return H5T_NATIVE_INT8;
    case S_U8: return H5T_NATIVE_UINT8;
    case S_I16: return H5T_NATIVE_INT16;
    case S_U16: return H5T_NATIVE_UINT16;
    case S_I32: return H5T_NATIVE_INT32;
    case S_U32: return H5T_NATIVE_UINT32;
    case S_I64: return H5T_NATIVE_INT64;
    case S_U64: return H5T_NATIVE_UINT64;
    case S_F32: return H5T_NATIVE_FLOAT;
    case S_F64: return H5T_NATIVE_DOUBLE;
    }
    return H5T_NATIVE_DOUBLE;
}

/* Is the source already the destination type (a plain copy)? */
static int same_type(src_t s, h5u_dest d)
{
    return (s == S_F32 && d == H5U_F32) || (s == S_F64 && d == H5U_F64) ||
           (s == S_I32 && d == H5U_I32) || (s == S_I64 && d == H5U_I64);
}

#define CONV(ST, DT, OK)                                                                          \
    do {                                                                                          \
        const ST *s_ = src;                                                                       \
        DT *d_ = dst;                                                                             \
        for (int64_t i = 0; i < n; i++) {                                                         \
            ST v = s_[i];                                                                         \
            if (!(OK))                                                                            \
                return i;                                                                         \
            d_[i] = (DT)v;                                                                        \
        }                                                                                         \
        return -1;                                                                                \
    } while (0)

#define INT_FITS32(v) ((int64_t)(v) >= INT32_MIN && (int64_t)(v) <= INT32_MAX)
#define FLT_INT32(v) ((v) == floor(v) && (v) >= -2147483648.0 && (v) <= 2147483647.0)
#define FLT_INT64(v) ((v) == floor(v) && (v) >= -9.2e18 && (v) <= 9.2e18)

static int64_t conv_f32(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, float, 1);
    case S_U8: CONV(uint8_t, float, 1);
    case S_I16: CONV(int16_t, float, 1);
    case S_U16: CONV(uint16_t, float, 1);
    case S_I32: CONV(int32_t, float, 1);
    case S_U32: CONV(uint32_t, float, 1);
    case S_I64: CONV(int64_t, float, 1);
    case S_U64: CONV(uint64_t, float, 1);
    case S_F32: CONV(float, float, 1);
    case S_F64: {
        const double *s_ = src;
        float *d_ = dst;
        for (int64_t i = 0; i < n; i++) /* out of float range: infinite, caught by validation */
            d_[i] = fabs(s_[i]) > FLT_MAX && isfinite(s_[i]) ? (s_[i] > 0 ? INFINITY : -INFINITY)
                                                              : (float)s_[i];
        return -1;
    }
    }
    return -1;
}

static int64_t conv_f64(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, double, 1);
    case S_U8: CONV(uint8_t, double, 1);
    case S_I16: CONV(int16_t, double, 1);
    case S_U16: CONV(uint16_t, double, 1);
    case S_I32: CONV(int32_t, double, 1);
    case S_U32: CONV(uint32_t, double, 1);
    case S_I64: CONV(int64_t, double, 1);
    case S_U64: CONV(uint64_t, double, 1);
    case S_F32: CONV(float, double, 1);
    case S_F64: CONV(double, double, 1);
    }
    return -1;
}

static int64_t conv_i32(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, int32_t, 1);
    case S_U8: CONV(uint8_t, int32_t, 1);
    case S_I16: CONV(int16_t, int32_t, 1);
    case S_U16: CONV(uint16_t, int32_t, 1);
    case S_I32: CONV(int32_t, int32_t, 1);
    case S_U32: CONV(uint32_t, int32_t, v <= (uint32_t)INT32_MAX);
    case S_I64: CONV(int64_t, int32_t, INT_FITS32(v));
    case S_U64: CONV(uint64_t, int32_t, v <= (uint64_t)INT32_MAX);
    case S_F32: CONV(float, int32_t, FLT_INT32(v));
    case S_F64: CONV(double, int32_t, FLT_INT32(v));
    }
    return -1;
}

static int64_t conv_i64(const void *src, src_t s, int64_t n, void *dst)
{
    switch (s) {
    case S_I8: CONV(int8_t, int64_t, 1);
    case S_U8: CONV(uint8_t, int64_t, 1);
    case S_I16: CONV(int16_t, int64_t, 1);
    case S_U16: CONV(uint16_t, int64_t, 1);
    case S_I32: CONV(int32_t, int64_t, 1);
    case S_U32: CONV(uint32_t, int64_t, 1);
    case S_I64: CONV(int64_t, int64_t, 1);
    case S_U64: CONV(uint64_t, int64_t, v <= (uint64_t)INT64_MAX);
    case S_F32: CONV(float, int64_t, FLT_INT64(v));
    case S_F64: CONV(double, int64_t, FLT_INT64(v));
    }
    return -1;
}

/* Convert n values; -1 when all fit, else the index of the first that does not. */
static int64_t convert(const void *src, src_t s, int64_t n, h5u_dest d, void *dst)
{
    switch (d) {
    case H5U_F32: return conv_f32(src, s, n, dst);
    case H5U_F64: return conv_f64(src, s, n, dst);
    case H5U_I32: return conv_i32(src, s, n, dst);
    case H5U_I64: return conv_i64(src, s, n, dst);
    }
    return -1;
}

static double src_value(const void *src, src_t s, int64_t i)
{
    switch (s) {
    case S_I8: return ((const int8_t *)src)[i];
    case S_U8: return ((const uint8_t *)src)[i];
    case S_I16: return ((const int16_t *)src)[i];
    case S_U16: return ((const uint16_t *)src)[i];
    case S_I32: return ((const int32_t *)src)[i];
    case S_U32: return ((const uint32_t *)src)[i];
    case S_I64: return (double)((const int64_t *)src)[i];
    case S_U64: return (double)((const uint64_t *)src)[i];
    case S_F32: return ((const float *)src)[i];
    case S_F64: return ((const double *)src)[i];
    }
    return 0;
}

static int conv_fail(sc_err *e, const h5u_file *f, const char *obj, h5u_dest d, double v,
                     int64_t pos)
{
    static const char *dname[] = {"float32", "float64", "int32", "int64"};
    return err_set(e, "%s:%s: value %.17g at position %lld does not fit %s%s", f->path, obj, v,
                   (long long)pos, d == H5U_I32 || d == H5U_I64 ? "an integer " : "",
                   dname[d]);
}

/* ---- the raw-chunk path ----------------------------------------------- */

static int fast_enabled = 1;
static int64_t fast_chunks;

void h5u_set_fast(int on)
{
    fast_enabled = on;
}

int64_t h5u_fast_chunks(void)
{
    return fast_chunks;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* HDF5's shuffle stores byte b of every element together; undo it. */
static void unshuffle(const uint8_t *in, uint8_t *out, size_t esize, size_t count)
{
    for (size_t b = 0; b < esize; b++) {
        const uint8_t *src = in + b * count;
        for (size_t j = 0; j < count; j++)
            out[j * esize + b] = src[j];
    }
}

/* Can the dataset's chunks be decoded here?  1-D, chunked, only deflate and
 * shuffle (shuffle first), a little-endian integer or IEEE float. */
static int fast_ok(hid_t d, const h5u_info *in, const pipeline *p, hsize_t *chunk)
{
    if (!fast_enabled || in->rank != 1 || p->other || !host_little_endian() ||
        (in->cls != H5U_INT && in->cls != H5U_FLOAT))
        return 0;
    if (p->shuffle >= 0 && (p->shuffle_size != in->size || (p->deflate >= 0 && p->shuffle > p->deflate)))
        return 0;
    hid_t t = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    int ok = t >= 0 && dcpl >= 0 && H5Tget_order(t) == H5T_ORDER_LE &&
             H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, chunk) == 1 && chunk[0] > 0;
    if (ok && in->cls == H5U_FLOAT)
        ok = H5Tequal(t, H5T_IEEE_F32LE) > 0 || H5Tequal(t, H5T_IEEE_F64LE) > 0;
    if (t >= 0)
        H5Tclose(t);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

typedef struct chunk_err {
    int set;
    int64_t at; /* element offset of the chunk, or of the value for conversions */
    double value;
    int kind; /* 0 read, 1 inflate, 2 size, 3 conversion, 4 memory */
} chunk_err;

static void chunk_fail(chunk_err *ce, int kind, int64_t at, double value)
{
    OMP(omp critical(h5u_err))
    {
        if (!ce->set) {
            ce->kind = kind;
            ce->at = at;
            ce->value = value;
            OMP(omp atomic write)
            ce->set = 1;
        }
    }
}

/* Where each chunk lies in the file.  The HDF5 library is not thread-safe,
 * so it is asked once, up front; the threads then read with pread() from the
 * library's own descriptor.  Returns the table, or NULL when the file or a
 * chunk does not allow this (another driver, a chunk never written): the
 * caller then uses H5Dread. */
typedef struct chunk_loc {
    uint64_t pos;  /* absolute file offset */
    uint64_t size; /* stored bytes */
    unsigned mask; /* filters skipped for this chunk */
} chunk_loc;

static chunk_loc *locate_chunks(const h5u_file *f, hid_t d, hsize_t c, int64_t nch, int *fd)
{
    hid_t fapl = H5Fget_access_plist(f->id), fcpl = H5Fget_create_plist(f->id);
    hsize_t ub = 0;
    void *handle = NULL;
    int ok = fapl >= 0 && fcpl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2 &&
             H5Pget_userblock(fcpl, &ub) >= 0 &&
             H5Fget_vfd_handle(f->id, H5P_DEFAULT, &handle) >= 0 && handle;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    chunk_loc *loc = ok ? malloc((size_t)nch * sizeof *loc) : NULL;
    for (int64_t i = 0; loc && i < nch; i++) {
        hsize_t off = (hsize_t)i * c, size = 0;
        haddr_t addr = HADDR_UNDEF;
        unsigned mask = 0;
        if (H5Dget_chunk_info_by_coord(d, &off, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF ||
            size == 0) {
            free(loc);
            loc = NULL;
        } else {
            /* chunk addresses count from the superblock, after the user block */
            loc[i] = (chunk_loc){(uint64_t)addr + ub, (uint64_t)size, mask};
        }
    }
    H5Eclear2(H5E_DEFAULT);
    if (loc)
        *fd = *(int *)handle;
    return loc;
}

static int pread_full(int fd, void *buf, size_t n, uint64_t pos)
{
    errno = 0;
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(pos + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Decode every chunk into out, in parallel.  Returns 0, -1 with e filled,
 * or 1 when the raw-chunk path cannot be used (the caller falls back). */
static int read_fast(const h5u_file *f, const char *obj, hid_t d, const pipeline *p, hsize_t c,
                     src_t st, h5u_dest dt, int64_t n, void *out, sc_err *e)
{
    const size_t es = src_size[st], ds = dest_size[dt], full = (size_t)c * es;
    const int64_t nch = (n + (int64_t)c - 1) / (int64_t)c;
    const int direct_type = same_type(st, dt);
    int fd = -1;
    chunk_loc *loc = locate_chunks(f, d, c, nch, &fd);
    if (!loc)
        return 1;
    uint64_t maxraw = 0;
    for (int64_t i = 0; i < nch; i++)
        maxraw = loc[i].size > maxraw ? loc[i].size : maxraw;
    chunk_err ce = {0};

    OMP(omp parallel if (nch > 1))
    {
        struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
        uint8_t *tbuf = malloc(full), *ubuf = p->shuffle >= 0 ? malloc(full) : NULL;
        uint8_t *cbuf = malloc((size_t)maxraw);
        if (!dec || !tbuf || !cbuf || (p->shuffle >= 0 && !ubuf))
            chunk_fail(&ce, 4, 0, 0);

        OMP(omp for schedule(dynamic, 4))
        for (int64_t i = 0; i < nch; i++) {
            int stop;
            OMP(omp atomic read)
            stop = ce.set;
            if (stop)
                continue;
            const int64_t off = i * (int64_t)c;
            const int64_t cnt = n - off < (int64_t)c ? n - off : (int64_t)c;
            const size_t raw = (size_t)loc[i].size;
            uint8_t *dst = (uint8_t *)out + (size_t)off * ds;
            if (pread_full(fd, cbuf, raw, loc[i].pos) != 0) {
                chunk_fail(&ce, 0, off, (double)errno); /* errno is per thread */
                continue;
            }
            int direct = direct_type && cnt == (int64_t)c;
            int do_inflate = p->deflate >= 0 && !(loc[i].mask & (1u << p->deflate));
            int do_shuffle = p->shuffle >= 0 && !(loc[i].mask & (1u << p->shuffle));
            const uint8_t *cur = cbuf;
            if (do_inflate) {
                /* straight into the final array when nothing else is to be done */
                uint8_t *target = direct && !do_shuffle ? dst : tbuf;
                size_t got = 0;
                enum libdeflate_result r = libdeflate_zlib_decompress(dec, cbuf, raw, target, full, &got);
                if (r != LIBDEFLATE_SUCCESS || got != full) {
                    chunk_fail(&ce, r != LIBDEFLATE_SUCCESS ? 1 : 2, off, (double)got);
                    continue;
                }
                cur = target;
            } else if (raw != full) {
                chunk_fail(&ce, 2, off, (double)raw);
                continue;
            }
            if (do_shuffle) {
                uint8_t *target = direct ? dst : cur == tbuf ? ubuf : tbuf;
                unshuffle(cur, target, es, (size_t)c);
                cur = target;
            }
            if (cur == dst)
                continue;
            if (direct_type) {
                memcpy(dst, cur, (size_t)cnt * es);
            } else {
                int64_t bad = convert(cur, st, cnt, dt, dst);
                if (bad >= 0)
                    chunk_fail(&ce, 3, off + bad, src_value(cur, st, bad));
            }
        }
        free(cbuf);
        free(tbuf);
        free(ubuf);
        if (dec)
            libdeflate_free_decompressor(dec);
    }
    free(loc);
    if (!ce.set) {
        fast_chunks += nch;
        return 0;
    }
    switch (ce.kind) {
    case 0:
        return err_set(e, "%s:%s: cannot read the chunk at element %lld: %s", f->path, obj,
                       (long long)ce.at, ce.value != 0 ? strerror((int)ce.value) : "file too short");
    case 1:
        return err_set(e, "%s:%s: the gzip chunk at element %lld is corrupt", f->path, obj,
                       (long long)ce.at);
    case 2:
        return err_set(e, "%s:%s: the chunk at element %lld holds %.0f bytes, expected %zu",
                       f->path, obj, (long long)ce.at, ce.value, full);
    case 3: return conv_fail(e, f, obj, dt, ce.value, ce.at);
    default: return err_set(e, "%s:%s: out of memory decoding chunks", f->path, obj);
    }
}

/* ---- the H5Dread path ------------------------------------------------- */

/* Read rows [row0, row0+nrows) of a rank-1 or rank-2 dataset in blocks of
 * about a million values, converting into out. */
static int read_slow(const h5u_file *f, const char *obj, hid_t d, const h5u_info *in, src_t st,
                     h5u_dest dt, int64_t row0, int64_t nrows, void *out, sc_err *e)
{
    const int64_t rowlen = in->dims[1];
    if (nrows == 0 || rowlen == 0)
        return 0;
    int64_t block = rowlen >= (1 << 20) ? 1 : (1 << 20) / rowlen;
    if (block > nrows)
        block = nrows;
    const int direct = same_type(st, dt);
    void *tmp = direct ? NULL : sc_calloc(e, (size_t)(block * rowlen), src_size[st]);
    if (!direct && !tmp)
        return -1;
    /* bool enums must be read with their own (native enum) type: HDF5 has no
     * enum -> integer conversion */
    hid_t ft = H5Dget_type(d);
    hid_t mt = in->cls == H5U_BOOL ? H5Tget_native_type(ft, H5T_DIR_ASCEND) : H5Tcopy(src_memtype(st));
    H5Tclose(ft);
    hid_t fsp = H5Dget_space(d);
    int rc = 0;
    for (int64_t r = 0; r < nrows && rc == 0; r += block) {
        int64_t nr = nrows - r < block ? nrows - r : block;
        hsize_t start[2] = {(hsize_t)(row0 + r), 0}, count[2] = {(hsize_t)nr, (hsize_t)rowlen};
        hsize_t mcount = (hsize_t)(nr * rowlen);
        hid_t msp = H5Screate_simple(1, &mcount, NULL);
        void *dst = (uint8_t *)out + (size_t)(r * rowlen) * dest_size[dt];
        herr_t ok;
        if (in->rank == 0)
            ok = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, direct ? dst : tmp);
        else {
            H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL);
            ok = H5Dread(d, mt, msp, fsp, H5P_DEFAULT, direct ? dst : tmp);
        }
        H5Sclose(msp);
        if (ok < 0) {
            rc = h5u_fail(e, f, obj, "cannot read values");
        } else if (!direct) {
            int64_t bad = convert(tmp, st, nr * rowlen, dt, dst);
            if (bad >= 0)
                rc = conv_fail(e, f, obj, dt, src_value(tmp, st, bad), (row0 + r) * rowlen + bad);
        }
    }
    H5Sclose(fsp);
    H5Tclose(mt);
    free(tmp);
    return rc;
}

/* Open obj, check it is numeric and readable, and describe it. */
static int open_numeric(const h5u_file *f, const char *obj, hid_t *d, h5u_info *in, src_t *st,
                        pipeline *p, sc_err *e)
{
    if (h5u_info_get(f, obj, in, e) != 0)
        return -1;
    *d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    if (*d < 0)
        return h5u_fail(e, f, obj, "cannot open dataset");
    if (check_filters(f, obj, *d, p, e) != 0) {
        H5Dclose(*d);
        return -1;
    }
    if (src_of(in, st) != 0) {
        H5Dclose(*d);
        return err_set(e, "%s:%s: dtype %s, expected a numeric dtype", f->path, obj, in->dtype);
    }
    return 0;
}

int h5u_read_num(const h5u_file *f, const char *obj, h5u_dest dest, int64_t n, void *out,
                 sc_err *e)
{
    hid_t d;
    h5u_info in;
    src_t st;
    pipeline p;
    if (open_numeric(f, obj, &d, &in, &st, &p, e) != 0)
        return -1;
    int rc;
    hsize_t chunk[1];
    if (in.dims[0] * in.dims[1] != n)
        rc = err_set(e, "%s:%s: %lld values, expected %lld", f->path, obj,
                     (long long)(in.dims[0] * in.dims[1]), (long long)n);
    else if (n > 0 && fast_ok(d, &in, &p, chunk) &&
             (rc = read_fast(f, obj, d, &p, chunk[0], st, dest, n, out, e)) <= 0)
        ; /* done (or failed) on the fast path */
    else
        rc = read_slow(f, obj, d, &in, st, dest, 0, in.dims[0], out, e);
    H5Dclose(d);
    return rc;
}

int h5u_read_rows(const h5u_file *f, const char *obj, h5u_dest dest, int64_t row0, int64_t nrows,
                  int64_t ncols, void *out, sc_err *e)
{
    hid_t d;
    h5u_info in;
    src_t st;
    pipeline p;
    if (open_numeric(f, obj, &d, &in, &st, &p, e) != 0)
        return -1;
    int rc;
    if (in.rank != 2 || in.dims[1] != ncols || row0 < 0 || row0 + nrows > in.dims[0])
        rc = err_set(e, "%s:%s: shape %lld x %lld does not allow reading rows %lld..%lld of %lld columns",
                     f->path, obj, (long long)in.dims[0], (long long)in.dims[1], (long long)row0,
                     (long long)(row0 + nrows), (long long)ncols);
    else
        rc = read_slow(f, obj, d, &in, st, dest, row0, nrows, out, e);
    H5Dclose(d);
    return rc;
}

/* ---- CSR validation with row sorting ---------------------------------- */

typedef struct entry {
    int32_t j;
    float v;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    int32_t x = ((const entry *)a)->j, y = ((const entry *)b)->j;
    return (x > y) - (x < y);
}

/* Sort one row's (index, value) pairs; a strictly descending row (as some
 * 10x files store them) is just reversed. */
static int sort_row(int32_t *ix, float *v, int64_t len, entry *buf)
{
    int asc = 1, desc = 1;
    for (int64_t k = 1; k < len && (asc || desc); k++) {
        asc &= ix[k] > ix[k - 1];
        desc &= ix[k] < ix[k - 1];
    }
    if (asc)
        return 0;
    if (desc) {
        for (int64_t a = 0, b = len - 1; a < b; a++, b--) {
            int32_t tj = ix[a];
            float tv = v[a];
            ix[a] = ix[b], v[a] = v[b];
            ix[b] = tj, v[b] = tv;
        }
        return 1;
    }
    for (int64_t k = 0; k < len; k++)
        buf[k] = (entry){ix[k], v[k]};
    qsort(buf, (size_t)len, sizeof *buf, cmp_entry);
    for (int64_t k = 0; k < len; k++)
        ix[k] = buf[k].j, v[k] = buf[k].v;
    return 1;
}

/* csr_validate on row blocks in parallel: each block gets a copy of its
 * stretch of indptr rebased to 0, so the one set of rules in dataset.c
 * applies.  Needs an indptr already known to be non-decreasing within
 * [0, nnz].  Returns 0 when every block passes; -1 when one fails (the
 * caller then runs the serial check, which words the message). */
static int validate_blocks(const sc_csr *m, int64_t nnz)
{
    const int64_t nblocks = 64, per = (m->nrows + nblocks - 1) / nblocks;
    int bad = 0;
    (void)nnz;
    OMP(omp parallel for schedule(dynamic, 1))
    for (int64_t b = 0; b < nblocks; b++) {
        int64_t r0 = b * per, r1 = r0 + per < m->nrows ? r0 + per : m->nrows;
        if (r0 >= r1)
            continue;
        int64_t *ptr = malloc((size_t)(r1 - r0 + 1) * sizeof *ptr);
        int fail = !ptr;
        if (ptr) {
            int64_t base = m->indptr[r0];
            for (int64_t r = r0; r <= r1; r++)
                ptr[r - r0] = m->indptr[r] - base;
            sc_csr sub = {r1 - r0, m->ncols, ptr, m->indices + base, m->data + base};
            sc_err ignored;
            fail = csr_validate(&sub, ptr[r1 - r0], 1, "", &ignored) != 0;
            free(ptr);
        }
        if (fail) {
            OMP(omp atomic write)
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

int h5u_csr_check(sc_csr *m, int64_t nnz, const char *what, int64_t *nsorted, sc_err *e)
{
    *nsorted = 0;
    /* indptr first, in full: it decides which values each row owns, and a
     * broken one must be reported as such, not as the first odd row */
    if (m->nrows < 0 || m->indptr[0] != 0)
        return csr_validate(m, nnz, 1, what, e);
    int64_t maxlen = 0;
    for (int64_t r = 0; r < m->nrows; r++) {
        int64_t a = m->indptr[r], b = m->indptr[r + 1];
        if (b < a)
            return err_set(e, "%s: indptr decreases at row %lld (%lld then %lld)", what,
                           (long long)r, (long long)a, (long long)b);
        if (b > nnz)
            return err_set(e, "%s: indptr[%lld] = %lld exceeds the %lld stored values", what,
                           (long long)(r + 1), (long long)b, (long long)nnz);
        if (b - a > maxlen)
            maxlen = b - a;
    }
    if (m->indptr[m->nrows] != nnz)
        return err_set(e, "%s: indptr ends at %lld but %lld values are stored", what,
                       (long long)m->indptr[m->nrows], (long long)nnz);
    if (validate_blocks(m, nnz) == 0)
        return 0;
    /* something is wrong: the serial check words the message, except for
     * unsorted rows, which are sorted and checked again */
    if (csr_validate(m, nnz, 1, what, e) == 0)
        return 0;
    if (!strstr(e->msg, "unsorted"))
        return -1;
    int64_t count = 0;
    int oom = 0;
    OMP(omp parallel reduction(+ : count))
    {
        entry *buf = malloc((size_t)(maxlen ? maxlen : 1) * sizeof *buf);
        if (!buf) {
            OMP(omp atomic write)
            oom = 1;
        }
        OMP(omp for schedule(dynamic, 256))
        for (int64_t r = 0; r < m->nrows; r++)
            if (buf)
                count += sort_row(m->indices + m->indptr[r], m->data + m->indptr[r],
                                  m->indptr[r + 1] - m->indptr[r], buf);
        free(buf);
    }
    if (oom)
        return err_set(e, "%s: out of memory sorting rows", what);
    *nsorted = count;
    if (csr_validate(m, nnz, 1, what, e) != 0)
        return -1;
    e->msg[0] = '\0'; /* the "unsorted" message no longer applies */
    return 0;
}


int h5u_read_exact(const h5u_file *f, const char *obj, h5u_dest dest, int64_t n, void *out,
                   sc_err *e)
{
    h5u_info in;
    if (h5u_info_get(f, obj, &in, e) < 0)
        return -1;
    int64_t have = in.dims[0] * (in.rank > 1 ? in.dims[1] : 1);
    if (have != n)
        return err_set(e, "%s:%s: %lld values, expected %lld for this model", f->path, obj,
                       (long long)have, (long long)n);
    return n ? h5u_read_num(f, obj, dest, n, out, e) : 0;
}

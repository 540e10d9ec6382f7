/* load.c: pick the reader from a file's content (see load.h). */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "h5ad.h"
#include "h5util.h"
#include "mtx.h"
#include "tenx.h"

#define EXPECTED "expected an .h5ad (HDF5), a 10x .h5 or a MatrixMarket file or folder"

/* "it starts with 'abc...'" or the bytes in hex when they are not text. */
static void describe_start(const char *path, char *out, size_t size)
{
    unsigned char b[16];
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        n = fread(b, 1, sizeof b, f);
        fclose(f);
    }
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        snprintf(out, size, "it is gzip-compressed but does not hold a MatrixMarket matrix");
        return;
    }
    int text = 1;
    for (size_t i = 0; i < n; i++)
        if ((b[i] < 32 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 127)
            text = 0;
    size_t used = (size_t)snprintf(out, size, "it starts with ");
    if (text) {
        char s[20];
        size_t k = 0;
        for (size_t i = 0; i < n && b[i] != '\n' && b[i] != '\r'; i++)
            s[k++] = (char)b[i];
        s[k] = '\0';
        /* "..." when the first line goes on beyond the bytes read */
        snprintf(out + used, size - used, "'%s%s'", s, k == sizeof b ? "..." : "");
    } else {
        for (size_t i = 0; i < n && i < 8 && used + 4 < size; i++)
            used += (size_t)snprintf(out + used, size - used, "%s%02x", i ? " " : "bytes ", b[i]);
    }
}

/* An HDF5 file we do not know: list its top-level objects to help. */
static int unknown_hdf5(const char *path, sc_err *e)
{
    h5u_file f;
    char list[256] = "";
    if (h5u_open(&f, path, e) == 0) {
        char **names = NULL;
        int64_t n = 0;
        if (h5u_list(&f, "/", &names, &n, e) == 0) {
            size_t used = 0;
            for (int64_t i = 0; i < n && used + 1 < sizeof list; i++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            h5u_strs_free(names, n);
        }
        h5u_close(&f);
    }
    return err_set(e,
                   "%s: an HDF5 file that is neither an AnnData .h5ad (no X, obs and var) nor a "
                   "10x .h5 (no /matrix group or genome groups); its top-level objects: %s",
                   path, *list ? list : "(none)");
}

int load_path_info(const char *path, const load_opts *o, sc_dataset *out, load_info *info,
                   sc_err *e)
{
    static const load_opts none = {0};
    load_info dummy;
    if (!o)
        o = &none;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (!path || !*path)
        return err_set(e, "no file name given");

    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return err_set(e, "%s: no such file or directory", path);
        return err_errno(e, path);
    }
    int is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !S_ISREG(st.st_mode))
        return err_set(e, "%s: not a regular file or a directory; " EXPECTED, path);
    if (!is_dir && st.st_size == 0)
        return err_set(e, "%s: the file is empty; " EXPECTED, path);

    h5_kind kind = H5K_NOT_HDF5;
    int is_mtx = is_dir;
    if (!is_dir) {
        if (h5_kind_of(path, &kind, e) != 0)
            return -1;
        if (kind == H5K_NOT_HDF5) {
            int m = mtx_sniff(path, e);
            if (m < 0)
                return -1;
            if (!m) {
                char start[96];
                describe_start(path, start, sizeof start);
                return err_set(e, "%s: not a recognised format: " EXPECTED "; %s", path, start);
            }
            is_mtx = 1;
        } else if (kind == H5K_UNKNOWN) {
            return unknown_hdf5(path, e);
        }
    }
    const char *what = is_mtx ? "a MatrixMarket" : kind == H5K_ANNDATA ? "an AnnData .h5ad"
                                                                       : "a 10x .h5";
    if (o->layer && kind != H5K_ANNDATA)
        return err_set(e, "%s: layer=%s applies only to AnnData .h5ad files; this is %s file",
                       path, o->layer, what);
    if (o->genome && kind != H5K_10X_V3 && kind != H5K_10X_V2)
        return err_set(e, "%s: genome=%s applies only to 10x .h5 files; this is %s file", path,
                       o->genome, what);

    if (is_mtx) {
        mtx_info mi;
        if (mtx_read_info(path, out, &mi, e) != 0)
            return -1;
        info->format = LOAD_MTX;
        info->format_name = "MatrixMarket";
        info->genes_renamed = mi.genes_renamed;
        info->features_dropped = mi.features_dropped;
        info->duplicates_summed = mi.duplicates_summed;
        info->cells_duplicate = mi.cells_duplicate;
        return 0;
    }
    if (kind == H5K_ANNDATA) {
        h5ad_opts ho = {o->layer};
        if (h5ad_read(path, &ho, out, e) != 0)
            return -1;
        info->format = LOAD_H5AD;
        info->format_name = "AnnData .h5ad";
        info->genes_renamed = h5ad_last_renamed();
        snprintf(info->note, sizeof info->note, "%s", h5ad_last_note());
        return 0;
    }
    tenx_opts to = {o->genome};
    if (tenx_read(path, &to, out, e) != 0)
        return -1;
    info->format = LOAD_10X_H5;
    info->format_name = kind == H5K_10X_V3 ? "10x .h5 (v3)" : "10x .h5 (v2)";
    info->genes_renamed = tenx_last_renamed();
    info->features_dropped = tenx_last_dropped();
    return 0;
}

int load_path(const char *path, const load_opts *o, sc_dataset *out, sc_err *e)
{
    return load_path_info(path, o, out, NULL, e);
}

/* test_save.c: atomic replacement and the HDF5 writer round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "h5write.h"
#include "tap.h"

static int file_is(const char *path, const char *want)
{
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strcmp(buf, want) == 0;
}

int main(void)
{
    char dir[] = "/tmp/sc-test-save-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char target[256], missing[256];
    snprintf(target, sizeof target, "%s/model.h5", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/model.h5", dir);
    FILE *f = fopen(target, "w");
    fputs("old", f);
    fclose(f);

    sc_err e = {{0}};
    atomic_file a;
    tap_ok(atomic_begin(&a, missing, &e) < 0 && strstr(e.msg, "does not exist"),
           "a missing directory is refused: %s", e.msg);
    tap_ok(atomic_begin(&a, dir, &e) < 0 && strstr(e.msg, "is a directory"),
           "a directory target is refused: %s", e.msg);

    /* abort leaves the old file */
    tap_ok(atomic_begin(&a, target, &e) == 0, "begin");
    f = fopen(a.tmp, "w");
    fputs("half", f);
    fclose(f);
    atomic_abort(&a);
    tap_ok(file_is(target, "old") && access(a.tmp, F_OK) != 0, "abort keeps the old file, no temp");

    /* commit replaces it with an HDF5 file holding what we wrote */
    tap_ok(atomic_begin(&a, target, &e) == 0, "begin again");
    hid_t h = h5w_create(a.tmp, &e);
    float m[6] = {1, 2, 3, 4, 5, 6};
    hsize_t dims[2] = {2, 3};
    char *names[3] = {"CD14", NULL, "IFI6\xce\xb1"};
    hid_t g = h5w_group(h, "vae/params", &e);
    int ok = h >= 0 && g >= 0 && h5w_f32(g, "w", m, 2, dims, &e) == 0 &&
             h5w_strings(h, "genes", names, 3, &e) == 0 && h5w_attr_str(h, "kind", "vae", &e) == 0 &&
             h5w_attr_i64(g, "n", 42, &e) == 0 && h5w_attr_f64(g, "lr", 1e-3, &e) == 0;
    H5Gclose(g);
    H5Fclose(h);
    tap_ok(ok, "write arrays, strings, attributes");
    tap_ok(atomic_commit(&a, &e) == 0, "commit");

    h = H5Fopen(target, H5F_ACC_RDONLY, H5P_DEFAULT);
    float back[6] = {0};
    hid_t d = H5Dopen2(h, "/vae/params/w", H5P_DEFAULT);
    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back);
    hid_t sp = H5Dget_space(d);
    hsize_t got[2] = {0, 0};
    H5Sget_simple_extent_dims(sp, got, NULL);
    H5Sclose(sp);
    H5Dclose(d);
    tap_ok(memcmp(back, m, sizeof m) == 0 && got[0] == 2 && got[1] == 3, "matrix round trip");

    d = H5Dopen2(h, "/genes", H5P_DEFAULT);
    char *rd[3] = {0};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rd);
    tap_ok(rd[0] && strcmp(rd[0], "CD14") == 0 && strcmp(rd[1], "") == 0 &&
               strcmp(rd[2], "IFI6\xce\xb1") == 0,
           "UTF-8 strings round trip (NULL as empty)");
    hid_t sp2 = H5Dget_space(d);
    H5Dvlen_reclaim(t, sp2, H5P_DEFAULT, rd);
    H5Sclose(sp2);
    H5Tclose(t);
    H5Dclose(d);

    int64_t n = 0;
    hid_t ga = H5Oopen(h, "/vae/params", H5P_DEFAULT);
    hid_t at = H5Aopen(ga, "n", H5P_DEFAULT);
    H5Aread(at, H5T_NATIVE_INT64, &n);
    H5Aclose(at);
    H5Oclose(ga);
    tap_ok(n == 42, "integer attribute round trip");
    H5Fclose(h);

    unlink(target);
    rmdir(dir);
    return tap_done();
}

/* tap.h: a minimal TAP producer for the C unit tests (automake's tap-driver).
 * Each check prints "ok N - name" or "not ok N - name"; tap_done() prints
 * the plan and returns the exit status, non-zero when any check failed. */
#ifndef SC_TAP_H
#define SC_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

/* Diagnostic line (shown by the driver, ignored by the plan). */
static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* Skip the whole test file (automake: exit 77 equivalent in TAP). */
static inline int tap_skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    return 0;
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

/* The shared real data sets: $SPARSESC_DATA, else ../shared/data beside the
 * source tree (SC_TOP_SRCDIR is set by Makefile.am).  NULL when absent. */
#ifndef SC_TOP_SRCDIR
#define SC_TOP_SRCDIR "."
#endif
static inline const char *tap_data_dir(void)
{
    static char buf[4096];
    const char *d = getenv("SPARSESC_DATA");
    struct stat st;
    if (!d || !*d) {
        snprintf(buf, sizeof buf, "%s/../shared/data", SC_TOP_SRCDIR);
        d = buf;
    }
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

/* Call when tap_data_dir() is NULL: skips the file, or fails it when
 * SPARSESC_REQUIRE_DATA=1 (CI), so missing data cannot pass silently. */
static inline int tap_no_data(void)
{
    const char *req = getenv("SPARSESC_REQUIRE_DATA");
    if (req && strcmp(req, "1") == 0) {
        printf("Bail out! shared data not found and SPARSESC_REQUIRE_DATA=1\n");
        return 1;
    }
    return tap_skip_all("shared data not found (set SPARSESC_DATA)");
}

#define TAP_NEAR(a, b, tol) (fabs((double)(a) - (double)(b)) <= (tol))

#endif

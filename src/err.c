/* err.c: error messages that travel up to the input loop. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int err_set(sc_err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int err_prefix(sc_err *e, const char *fmt, ...)
{
    if (e) {
        char out[SC_ERR_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(out, sizeof out, fmt, ap);
        va_end(ap);
        size_t used = n < 0 ? 0 : (size_t)n < sizeof out ? (size_t)n : sizeof out - 1;
        /* "PREFIX: " then as much of the old message as fits */
        if (used + 2 < sizeof out) {
            memcpy(out + used, ": ", 2);
            used += 2;
            size_t rest = strlen(e->msg);
            if (rest > sizeof out - 1 - used)
                rest = sizeof out - 1 - used;
            memcpy(out + used, e->msg, rest);
            used += rest;
        }
        out[used] = '\0';
        memcpy(e->msg, out, used + 1);
    }
    return -1;
}

int err_errno(sc_err *e, const char *what)
{
    return err_set(e, "%s: %s", what, strerror(errno));
}

void *sc_calloc(sc_err *e, size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1;
    if (n > (size_t)-1 / size) {
        err_set(e, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = calloc(n, size);
    if (!p)
        err_set(e, "out of memory allocating %.1f MiB", (double)n * size / 1048576.0);
    return p;
}

char *sc_strdup(sc_err *e, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sc_calloc(e, n, 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* err.h: error reporting for sparsesc.
 *
 * Functions that can fail take a `sc_err *` and return 0 on success or -1 on
 * failure after filling the message.  Nothing below main() exits: the input
 * loop decides whether an error ends a script (errexit) or is only shown. */
#ifndef SC_ERR_H
#define SC_ERR_H

#include <stddef.h>

#define SC_ERR_MAX 1024

typedef struct sc_err {
    char msg[SC_ERR_MAX];
} sc_err;

#if defined(__GNUC__)
#define SC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SC_PRINTF(a, b)
#endif

/* Set the message (printf-style); returns -1 so callers can `return err_set(...)`. */
int err_set(sc_err *e, const char *fmt, ...) SC_PRINTF(2, 3);

/* Prefix the existing message with "PREFIX: " (for adding a file or command
 * name as the error travels up); returns -1. */
int err_prefix(sc_err *e, const char *fmt, ...) SC_PRINTF(2, 3);

/* Set the message from errno: "WHAT: strerror(errno)"; returns -1. */
int err_errno(sc_err *e, const char *what);

/* Allocation that reports failure through `e` (with the byte count) instead
 * of aborting; returns NULL on failure. Zeroed memory. */
void *sc_calloc(sc_err *e, size_t n, size_t size);
char *sc_strdup(sc_err *e, const char *s);

#endif

/* cmd_test.h: running command lines from unit tests (after tap.h).
 * Words are split at spaces only (no quoting): enough for test lines. */
#ifndef SC_CMD_TEST_H
#define SC_CMD_TEST_H

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "session.h"
#include "tap.h"

static inline int cmdt_run(session *s, const char *line, sc_err *e)
{
    char buf[512];
    char *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 32; t = strtok(NULL, " "))
        argv[argc++] = t;
    return cmd_run(s, argc, argv, e);
}

/* A TAP check that the line succeeds (the error as a diagnostic if not);
 * returns whether it did. */
static inline int cmdt_must(session *s, const char *line)
{
    sc_err e = {{0}};
    int ok = cmdt_run(s, line, &e) == 0;
    if (!tap_ok(ok, "%s", line))
        tap_diag("%s", e.msg);
    return ok;
}

/* A TAP check that the line fails with a message containing `want`. */
static inline void cmdt_must_fail(session *s, const char *line, const char *want)
{
    sc_err e = {{0}};
    int rc = cmdt_run(s, line, &e);
    if (!tap_ok(rc < 0 && strstr(e.msg, want), "'%s' fails with '%s'", line, want))
        tap_diag("rc %d: %s", rc, e.msg);
}

#endif

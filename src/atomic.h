/* atomic.h: replace a file atomically, so a failed or interrupted save never
 * leaves a half-written file where a good one was: write a temporary file in
 * the same directory, fsync it, rename it over the target, fsync the
 * directory. */
#ifndef SC_ATOMIC_H
#define SC_ATOMIC_H

#include "err.h"

typedef struct atomic_file {
    char path[4096]; /* the target */
    char tmp[4200];  /* where the writer writes */
} atomic_file;

/* Check the target's directory exists and is writable and that the target is
 * not a directory, and choose the temporary name (the file is not created:
 * writers such as H5Fcreate create it).  Nothing is touched on failure. */
int atomic_begin(atomic_file *a, const char *path, sc_err *e);
/* fsync the temporary file, rename it over the target, fsync the directory. */
int atomic_commit(atomic_file *a, sc_err *e);
/* Remove the temporary file; the target stays as it was. */
void atomic_abort(atomic_file *a);

#endif

/* session.h: everything a sparsesc session holds: settings, the loaded data,
 * models; the input loop and every command work on one session. */
#ifndef SC_SESSION_H
#define SC_SESSION_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "monitor.h"
#include "settings.h"

typedef struct session {
    settings set;
    FILE *out;          /* where commands print (stdout, or the TUI pane) */
    FILE *err;          /* where the input loop reports errors (stderr, or the pane) */
    sc_dataset *data;   /* NULL until something is loaded */
    int interactive;    /* the readline prompt is running */
    int quit;           /* set by `quit`: the loop stops */
    int exit_status;    /* status `quit` asked for */
    int depth;          /* nesting of `source` */
    monitor mon;        /* progress and history of the last training run */
    struct vae_bind *vae; /* the VAE and the genes/categories it was built for */
    struct sae_bind *sae; /* the SAE and every cell's activations */
    struct insp_ctx *insp; /* inspection state built from the above (insp.h) */
    /* Cells chosen by `select` for the inspection views (NULL: all cells);
     * dropped when the data changes. */
    uint8_t *sel;
    int64_t nsel;
    char sel_desc[160];
} session;

void session_init(session *s);
void session_free(session *s);

/* Replace the session's data set (frees the old one). */
void session_set_data(session *s, sc_dataset *d);

/* Replace the session's VAE / SAE (frees the old one; NULL drops it). */
void session_set_vae(session *s, struct vae_bind *b);
void session_set_sae(session *s, struct sae_bind *b);

/* Forget the inspection state (rebuilt on next use). */
void session_drop_insp(session *s);
/* Drop the data and every model trained on it. */
void session_clear(session *s);

/* Print informational output unless quiet (verbose = 0). */
void session_info(session *s, const char *fmt, ...) SC_PRINTF(2, 3);

#endif

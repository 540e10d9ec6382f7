/* progress.h: live training progress for the prompt and for logs.  On a
 * terminal it redraws, in place, a progress bar and a text plot of the loss
 * curves; otherwise it prints one line per epoch (scripts, pipes, CI logs).
 * It only reads the session's monitor (see monitor.h). */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include "session.h"

typedef struct progress {
    session *s;
    int tty;          /* draw in place */
    int lines;        /* lines drawn last time (to move back over them) */
    double last_draw; /* seconds, for throttling */
    volatile sig_atomic_t *old_stop; /* the monitor's stop flag before begin */
} progress;

/* Start watching a training run: hook the monitor's tick to this reporter
 * unless a UI (the TUI) already hooked it, and let Ctrl-C (sc_interrupted)
 * stop the run unless a UI supplied its own stop flag.  progress_end undoes
 * both and clears a pending Ctrl-C, which the run has consumed. */
void progress_begin(progress *p, session *s);
void progress_end(progress *p);

/* Print a plot of every series of panel `panel` of the monitor into out,
 * width x height characters; returns -1 when there is nothing to plot. */
int progress_plot(const monitor *m, int panel, FILE *out, int width, int height, int logy,
                  int ansi, sc_err *e);

/* Monotonic seconds. */
double sc_now(void);

#endif

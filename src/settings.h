/* settings.h: session settings (`set KEY VALUE`, `show [KEY]`), one table
 * that drives validation, `show`, completion and the man page. */
#ifndef SC_SETTINGS_H
#define SC_SETTINGS_H

#include <stdint.h>

#include "cmd.h"
#include "err.h"

typedef struct settings {
    int64_t seed;
    int64_t threads;
    int64_t verbose;   /* 0 quiet, 1 normal, 2 chatty */
    int64_t errexit;   /* stop scripts at the first error */
    char data_dir[4096]; /* where tests and demos find ../shared/data */
} settings;

typedef struct setting_spec {
    const char *name;
    arg_kind kind; /* ARG_INT, ARG_BOOL, ARG_FILE */
    double min, max;
    const char *help;
} setting_spec;

extern const setting_spec setting_table[];

void settings_init(settings *st);
const setting_spec *setting_lookup(const char *name, sc_err *e);
/* Validate and apply `value`; applying threads also sets OpenBLAS/OpenMP. */
int setting_set(settings *st, const setting_spec *sp, const char *value, sc_err *e);
/* Current value as text. */
void setting_format(const settings *st, const setting_spec *sp, char *buf, size_t size);

/* Parse a value of an ARG_INT/REAL/BOOL kind strictly (whole word, range);
 * shared by cmd_parse and settings.  `what` names the thing for the message. */
int parse_int(const char *s, double min, double max, const char *what, int64_t *out, sc_err *e);
int parse_real(const char *s, double min, double max, const char *what, double *out, sc_err *e);
int parse_bool(const char *s, const char *what, int64_t *out, sc_err *e);

#endif

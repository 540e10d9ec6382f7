/* lens.c: placeholder until its helper lands. */
#include "lens.h"

int lens_get(session *s, insp_ctx *c, const lens_table **out, sc_err *e)
{
    (void)s;
    (void)c;
    *out = NULL;
    return err_set(e, "the gene lens is not available yet");
}

/* session.c: the session's lifetime and its data set. */
#include "session.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "insp.h"
#include "sae_bind.h"
#include "vae_bind.h"

void session_init(session *s)
{
    memset(s, 0, sizeof *s);
    settings_init(&s->set);
    s->out = stdout;
    s->err = stderr;
}

void session_clear(session *s)
{
    session_set_data(s, NULL);
    mon_reset(&s->mon, "");
    session_set_vae(s, NULL);
    session_set_sae(s, NULL);
    session_drop_insp(s);
}

void session_drop_insp(session *s)
{
    insp_free(s->insp);
    free(s->insp);
    s->insp = NULL;
}

void session_set_vae(session *s, struct vae_bind *b)
{
    if (s->vae) {
        vbind_free(s->vae);
        free(s->vae);
    }
    s->vae = b;
    session_drop_insp(s);
}

void session_set_sae(session *s, struct sae_bind *b)
{
    if (s->sae) {
        sae_bind_free(s->sae);
        free(s->sae);
    }
    s->sae = b;
    session_drop_insp(s);
}

void session_free(session *s)
{
    session_clear(s);
}

void session_set_data(session *s, sc_dataset *d)
{
    if (s->data) {
        dataset_free(s->data);
        free(s->data);
    }
    s->data = d;
    session_drop_insp(s);
    free(s->sel);
    s->sel = NULL;
    s->nsel = 0;
    s->sel_desc[0] = 0;
    /* models stay, but must be re-attached (by name) to whatever comes next */
    if (s->vae)
        s->vae->data = NULL;
}

void session_info(session *s, const char *fmt, ...)
{
    if (s->set.verbose < 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
}

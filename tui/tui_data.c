/* tui_data.c: the provider behind tui_data.h.  No model or inspection code
 * exists yet, so it reports nothing trained; the inspection work replaces
 * these bodies with calls into src/ (and nothing in the screens changes). */
#include "tui_data.h"

#include <string.h>

int tui_data_features(session *s, tui_feature_table *out, sc_err *e)
{
    (void)s;
    (void)e;
    memset(out, 0, sizeof *out);
    return 0;
}

int tui_data_feature_detail(session *s, int id, int is_latent, tui_feature_detail *out,
                            sc_err *e)
{
    (void)s;
    memset(out, 0, sizeof *out);
    return err_set(e, "no %s %d: no SAE trained yet", is_latent ? "latent dimension" : "feature",
                   id);
}

void tui_data_feature_detail_free(tui_feature_detail *d)
{
    memset(d, 0, sizeof *d);
}

int tui_data_latent_dims(const session *s)
{
    (void)s;
    return 0;
}

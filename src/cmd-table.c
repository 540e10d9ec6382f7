/* cmd-table.c: the command groups, in the order `help` and the man page
 * show them.  Each group is defined in its cmd-*.c file. */
#include "cmd.h"

extern const cmd_entry cmd_group_core[];
extern const cmd_entry cmd_group_data[];
extern const cmd_entry cmd_group_hvg[];
extern const cmd_entry cmd_group_prep[];
extern const cmd_entry cmd_group_vae[];
extern const cmd_entry cmd_group_sae[];
extern const cmd_entry cmd_group_export[];

const cmd_entry *const cmd_groups[] = {
    cmd_group_core,
    cmd_group_data,
    cmd_group_prep,
    cmd_group_hvg,
    cmd_group_vae,
    cmd_group_sae,
    cmd_group_export,
    NULL,
};

const char *const cmd_group_titles[] = {
    "Session",
    "Data",
    "Simulation, quality control and filtering",
    "Normalisation and highly variable genes",
    "Variational autoencoder",
    "Sparse autoencoder",
    "Export",
    NULL,
};

/* cmd-table.c: the command groups, in the order `help` and the man page
 * show them.  Each group is defined in its cmd-*.c file. */
#include "cmd.h"

extern const cmd_entry cmd_group_core[];
extern const cmd_entry cmd_group_data[];
extern const cmd_entry cmd_group_hvg[];
extern const cmd_entry cmd_group_prep[];
extern const cmd_entry cmd_group_vae[];
extern const cmd_entry cmd_group_sae[];
extern const cmd_entry cmd_group_plot[];
extern const cmd_entry cmd_group_inspect[];
extern const cmd_entry cmd_group_features[];
extern const cmd_entry cmd_group_coverage[];
extern const cmd_entry cmd_group_lens[];
extern const cmd_entry cmd_group_export[];

const cmd_entry *const cmd_groups[] = {
    cmd_group_core,
    cmd_group_data,
    cmd_group_prep,
    cmd_group_hvg,
    cmd_group_vae,
    cmd_group_sae,
    cmd_group_plot,
    cmd_group_inspect,
    cmd_group_features,
    cmd_group_coverage,
    cmd_group_lens,
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
    "Plots",
    "Inspecting one feature or latent dimension",
    "The feature table",
    "Coverage of labels by features and latent dimensions",
    "Genes: gene lens, steering and enrichment",
    "Export",
    NULL,
};

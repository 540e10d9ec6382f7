# sample-data/seed.sc: the sparseSC study's run, reproduced in one script, then
# compared with the SAEs that came after it.  (sparsesc -f seed.sc, from this folder)
#
# The seed (pedroglrz/sparseSC) integrated two COVID-19 PBMC studies with scVI
# (latent 128, the study as batch, cell type and disease as categorical
# covariates, 10,000 seurat_v3 highly variable genes with the study as batch key,
# scvi-tools' default epochs) and trained a ReLU SAE on the 128-d latent (x16
# features, L1 0.001 summed over the minibatch, Adam 1e-3, batch 128, 85/15
# split, up to 1000 epochs, early stopping after 50).  Its studies are not in
# ../shared/data; pbmc_3tech (PBMCs from 3 technologies, 3 cell types) stands in,
# the technology playing the study.  With the COVID files, replace the `load`
# line (see README.md) and use batch=study covariates=cell_type,disease.
require @data/pbmc_3tech.h5ad
set seed 1
load @data/pbmc_3tech.h5ad
hvg 10000 batch=tech
echo "== the seed's scVI: one line"
vae train latent=128 batch=tech covariates=cell_type
vae eval
vae metrics batch=tech label=cell_type
echo "== the seed's SAE"
sae train preset=seed
sae eval
coverage label=cell_type
features top=10
echo "== better SAEs on the same latent"
sae train arch=relu-l1 expansion=4 epochs=200
sae eval
coverage label=cell_type
sae train arch=matryoshka k=8 epochs=200
sae eval
coverage label=cell_type
features top=10

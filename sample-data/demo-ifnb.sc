# sample-data/demo-ifnb.sc: the demo's real-data part, on Kang et al. 2018
# IFN-beta stimulated PBMCs (832 cells; ../shared/data/ifnb1k.h5ad).
require @data/ifnb1k.h5ad
echo "Kang 2018 IFN-beta PBMCs (ifnb1k)"
clear
load @data/ifnb1k.h5ad
info
qc
hvg 2000
vae train epochs=150
vae eval
vae latent
plot loss
sae train arch=matryoshka k=4 expansion=8 epochs=100
sae eval
features top=12
coverage label=cell_type
coverage label=condition
# the interferon response: the feature that detects stimulated cells best
feature best=condition:stim top=5 genes=8
export demo_ifnb1k.h5ad

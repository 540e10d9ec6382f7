# sample-data/demo-ifnb.sc: the demo's real-data part, on Kang et al. 2018
# IFN-beta stimulated PBMCs (832 cells; ../shared/data/ifnb1k.h5ad).
require @data/ifnb1k.h5ad
echo "Kang 2018 IFN-beta PBMCs (ifnb1k)"
clear
load @data/ifnb1k.h5ad
info
qc
hvg 2000
vae train epochs=60
vae eval
vae latent
plot loss
sae train arch=topk k=4 epochs=30
sae eval
export demo_ifnb1k.h5ad

# sample-data/demo.sc: the sparsesc demo, run by `./bootstrap.sh demo`.
# Part 1 uses data sparsesc simulates with a known answer; part 2 repeats the
# steps on real PBMCs from ../shared/data when they are there.
echo "== sparsesc demo =="
version
set seed 1

echo "== 1. simulated PBMC-like data: 5 cell types, 2 batches, ctrl/stim =="
simulate cells=2000 genes=2000 types=5 batches=2 conditions=2
info
qc
hvg 1000 batch=batch
# the VAE integrates the two batches; 40 epochs keep the demo short, so the KL
# term warms up over 10 epochs instead of scvi-tools' 400
vae train epochs=40 kl-warmup=10
vae eval
vae latent
plot loss
# a ReLU + L1 sparse autoencoder on the 10-d latent, 40 features: on this data
# and on ifnb1k it covered the cell types better than TopK x16 (see `sae sweep`)
sae train arch=relu-l1 expansion=4 epochs=40
sae eval
plot density
features top=10
# the seed's claim, tested: features against raw latent directions
coverage label=cell_type
coverage label=condition
feature best=condition:stim top=5 genes=5
export demo_simulated.h5ad
export features demo_simulated_features.tsv

echo "== 2. real data =="
source demo-ifnb.sc

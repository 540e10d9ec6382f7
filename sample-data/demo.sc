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
# the VAE integrates the two batches; 30 epochs keep the demo short
vae train epochs=30
vae eval
vae latent
plot loss
# a TopK sparse autoencoder on the 10-d latent: 160 features, 4 active per cell
sae train arch=topk k=4 epochs=30
sae eval
export demo_simulated.h5ad

echo "== 2. real data =="
source demo-ifnb.sc

set verbose 0
simulate cells=200 genes=100 seed=1
sae train on=vae

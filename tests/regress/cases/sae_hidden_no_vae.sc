# on=vae-hidden and plot density need a VAE / an SAE
set verbose 0
set errexit off
simulate cells=300 genes=100 seed=1
sae train on=vae-hidden
plot density
sae train on=hidden

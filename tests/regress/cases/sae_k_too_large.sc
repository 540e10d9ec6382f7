set verbose 0
simulate cells=200 genes=100 seed=1
vae train epochs=1 latent=4
vae latent
sae train on=obsm:X_vae arch=topk features=8 k=9

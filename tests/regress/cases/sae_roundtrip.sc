set verbose 0
simulate cells=300 genes=200 seed=3
vae train epochs=2 latent=6 seed=5
vae latent
sae train on=obsm:X_vae arch=topk k=3 epochs=3
sae save sae.h5
sae load sae.h5

# steer on an SAE trained on an obsm embedding, with no VAE in the session
set verbose 0
simulate cells=200 genes=40 seed=1
vae train epochs=2 latent=4
vae latent
export with_latent.h5ad
clear
load with_latent.h5ad
sae train on=obsm:X_vae arch=topk k=2 features=8 epochs=2
steer 0 value=0

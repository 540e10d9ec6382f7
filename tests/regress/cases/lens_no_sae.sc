# the lens before any SAE
set verbose 0
simulate cells=200 genes=40 seed=1
vae train epochs=2 latent=4
lens 0

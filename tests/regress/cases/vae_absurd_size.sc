set verbose 0
simulate cells=200 genes=100 seed=1
vae train hidden=65536 layers=16 latent=4096

# the dim screen, both signs, on the SAE input (the VAE latent)
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=20
sae train arch=topk k=3 features=16 epochs=20
dim 1 top=4 genes=3
dim 1 sign=- top=4 genes=3 label=condition

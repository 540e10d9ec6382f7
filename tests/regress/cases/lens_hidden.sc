# the lens of an SAE on the VAE hidden layer is refused, and so is steering
set verbose 0
simulate cells=200 genes=40 seed=1
vae train epochs=2 latent=4
sae train on=vae-hidden arch=topk k=2 features=8 epochs=2
set errexit off
lens 0
steer 0 value=0

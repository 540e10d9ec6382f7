# steer without value=, a feature out of range, enrich without genesets=
set verbose 0
simulate cells=200 genes=40 seed=1
vae train epochs=2 latent=4
sae train arch=topk k=2 features=8 epochs=2
set errexit off
steer 0
steer 8 value=0
lens 99
enrich 0

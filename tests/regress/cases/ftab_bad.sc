# the feature table refuses a missing or non-categorical label, and needs an SAE
set verbose 0
set errexit off
features
simulate cells=300 genes=60 seed=1
features
vae train epochs=2
sae train arch=topk k=2 features=8 epochs=2
features label=nope
features label=library_size
features sort=nothing

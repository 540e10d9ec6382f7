# l1-norm=decoder is a relu-l1 option
set verbose 0
simulate cells=300 genes=100 seed=1
vae train epochs=2
sae train arch=topk l1-norm=decoder

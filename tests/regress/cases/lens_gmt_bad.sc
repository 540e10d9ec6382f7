# a GMT line without genes: the error names the file and line
set verbose 0
simulate cells=200 genes=40 seed=1
vae train epochs=2 latent=4
sae train arch=topk k=2 features=8 epochs=2
enrich 0 genesets=bad.gmt

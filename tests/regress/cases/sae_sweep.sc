# a small k sweep: the table and the frontier plot (ASCII: the regress runs in the C locale)
set verbose 0
set threads 1
simulate cells=400 genes=100 seed=2
vae train epochs=10 latent=6
sae sweep arch=topk k=1,2,3 epochs=5 expansion=4 width=40 height=8
sae train arch=topk k=2 epochs=5 expansion=4
plot density width=40 height=8
sae eval

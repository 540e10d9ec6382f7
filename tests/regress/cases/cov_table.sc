# coverage and families on small simulated data
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=20
sae train arch=topk k=3 features=16 epochs=20
coverage label=cell_type
families label=condition family=2

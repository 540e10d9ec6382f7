# the feature screen: a cell-type feature, then a batch feature with label=
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=20
sae train arch=topk k=3 features=16 epochs=20
feature 9 top=5 genes=4
feature 2 top=3 genes=2 bins=10 label=cell_type

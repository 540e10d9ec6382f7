# the feature table: default order, dead/dense forms, another sort and label list
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=20
sae train arch=topk k=3 features=16 epochs=20
features top=6
features dense
features sort=purity top=3 label=condition genes=off

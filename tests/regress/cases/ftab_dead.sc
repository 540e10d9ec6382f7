# dead features: the dead form lists them (D, no explanation); dense without genes
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=5
sae train arch=topk k=2 features=200 epochs=2
features dead top=5
features dense top=3 genes=off
features sort=density top=4

# feature best=COL:VALUE picks the feature that detects a category best
set verbose 0
set threads 1
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=5
sae train arch=topk k=3 features=16 epochs=5
feature best=condition:stim top=3 genes=2
set errexit off
feature
feature 3 best=condition:stim
feature best=condition
feature best=condition:x
feature best=nope:x

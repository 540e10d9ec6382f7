# select forms; the selection restricts the listed top cells only
set threads 1
set verbose 0
simulate cells=600 genes=60 types=3 batches=2 conditions=2 seed=7
vae train epochs=20
sae train arch=topk k=3 features=16 epochs=20
set verbose 1
select
select cell_type=TypeB
select
feature 9 top=4 genes=1
select condition=ctrl,stim
select feature 9>0
select feature 9>0.5
select dim 1<1.5
select all
select

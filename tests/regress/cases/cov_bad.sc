# coverage and families refuse: no data, no SAE, no label, a label that is
# missing or not categorical, a bad column list, out-of-range options
set verbose 0
set errexit off
coverage label=cell_type
simulate cells=300 genes=60 seed=1
coverage label=cell_type
vae train epochs=2
families label=cell_type
sae train arch=topk k=2 features=8 epochs=2
coverage
families
coverage label=nope
coverage label=library_size
families label=library_size
coverage label=cell_type columns=cell_type,nope
coverage label=cell_type columns=cell_type,library_size
coverage label=cell_type family=4
coverage label=cell_type thr=2

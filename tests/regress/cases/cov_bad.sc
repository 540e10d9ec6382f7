# coverage needs a categorical label and an SAE
set verbose 0
set errexit off
simulate cells=300 genes=60 seed=1
coverage label=cell_type
vae train epochs=2
sae train arch=topk k=2 features=8 epochs=2
coverage
coverage label=nope
coverage label=library_size
coverage label=cell_type columns=cell_type,nope
families label=nope

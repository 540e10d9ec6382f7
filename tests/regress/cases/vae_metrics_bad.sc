set verbose 0
simulate cells=200 genes=100 seed=1
vae metrics label=cell_type

set verbose 0
set errexit off
simulate cells=200 genes=100 seed=1
vae train epochs=1 seed=1
vae metrics batch=batch
vae metrics label=nope
vae metrics label=library_size
vae metrics label=cell_type key=X_none
vae metrics label=cell_type k=300

set verbose 0
simulate cells=200 genes=100 seed=1
vae train epochs=1
vae save no/such/dir/model.h5

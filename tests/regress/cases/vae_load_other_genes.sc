set verbose 0
simulate cells=200 genes=100 seed=1
vae train epochs=1
vae save model.h5
simulate cells=100 genes=50 seed=2
vae load model.h5

set verbose 0
simulate cells=300 genes=200 seed=3
vae train epochs=2 seed=5
vae save model.h5
vae load model.h5
vae latent key=X_test

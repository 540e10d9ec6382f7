vae train

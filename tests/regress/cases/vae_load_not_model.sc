vae load not_a_model.h5

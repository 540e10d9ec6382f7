sae train on=vae

load valid_layers.h5ad layer=nope

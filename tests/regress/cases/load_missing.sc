load not-there.h5ad

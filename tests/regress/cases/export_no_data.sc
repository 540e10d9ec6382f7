export out.h5ad

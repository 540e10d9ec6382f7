load unsorted.h5ad

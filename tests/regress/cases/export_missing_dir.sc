set verbose 0
simulate cells=50 genes=40 seed=1
export no/such/dir/out.h5ad

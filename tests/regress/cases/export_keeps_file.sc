set verbose 0
set errexit off
simulate cells=50 genes=40 seed=1
export out.h5ad
simulate cells=60 genes=40 seed=2
export no/dir/out.h5ad
export .
clear
set verbose 1
load out.h5ad

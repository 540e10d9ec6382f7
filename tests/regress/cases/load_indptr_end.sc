load indptr_end.h5ad
echo not reached

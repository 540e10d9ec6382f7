load indptr_decreasing.h5ad
echo not reached

load index_range.h5ad
echo not reached

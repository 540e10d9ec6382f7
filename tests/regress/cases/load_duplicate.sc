load duplicate.h5ad
echo not reached

load empty.h5ad
echo not reached

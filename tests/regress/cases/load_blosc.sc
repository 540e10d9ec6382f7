load blosc.h5ad
echo not reached

load text.h5ad
echo not reached

load lzf.h5ad
echo not reached

load truncated.h5ad
echo not reached

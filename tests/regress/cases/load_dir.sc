load dir.h5ad
echo not reached

load inf.h5ad
echo not reached

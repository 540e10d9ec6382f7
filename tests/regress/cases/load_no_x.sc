load no_x.h5ad
echo not reached

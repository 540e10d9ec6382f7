load cat_code.h5ad
echo not reached

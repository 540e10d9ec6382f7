load nan.h5ad
echo not reached

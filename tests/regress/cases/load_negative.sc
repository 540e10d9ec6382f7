load negative.h5ad
echo not reached

load shape_var.h5ad
echo not reached

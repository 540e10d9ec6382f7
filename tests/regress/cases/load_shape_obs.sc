load shape_obs.h5ad
echo not reached

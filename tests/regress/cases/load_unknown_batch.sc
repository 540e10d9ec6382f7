load valid_csr.h5ad batch=nope

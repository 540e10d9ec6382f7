set verbose 1
load dup_genes.h5ad

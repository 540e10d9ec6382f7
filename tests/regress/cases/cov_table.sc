# coverage and families on simulated data: per-category table, summary,
# valgrind: skip (OpenBLAS picks other kernels under valgrind: the encoded numbers move)
# families, options.  The models (VAE 20 epochs, TopK SAE k=4, 20 epochs) are
# trained by cov_table.setup on the same simulated data and loaded here.
set threads 1
set verbose 0
simulate cells=1500 genes=200 types=4 batches=2 conditions=2 seed=1
vae load cov.vae.h5
sae load cov.sae.h5
coverage label=cell_type
families label=cell_type
coverage label=condition columns=condition,cell_type thr=0.3 family=2 min-f1=0.9
families label=condition family=1

#!/usr/bin/env python3
"""vae_scvi.py: the scvi-tools side of bench/vae (run by it).

  vae_scvi.py prep DATA_DIR WORK [TILED_CELLS [SEED_CELLS]]
      Writes the benchmark inputs into WORK (never into the repository):
        ifnb1k.h5ad      ifnb1k, its 2000 seurat_v3 genes
        pbmc_3tech.h5ad  pbmc_3tech, its 2000 seurat_v3 genes (batch_key tech)
        tiled.h5ad       pbmc_3tech's 2000 genes tiled to TILED_CELLS cells
                         (default 100000)
        seed.h5ad        pbmc_3tech's 10,000 genes tiled to SEED_CELLS cells
                         (default 90000): the seed's size
      Each tile is a copy of the 2000 cells with binomial thinning (p = 0.9)
      of every count, so no two cells are equal; obs keeps tech and
      cell_type.
  vae_scvi.py time FILE BATCH|- COVS|- LATENT EPOCHS THREADS
      Trains scvi-tools' SCVI with its defaults (n_latent=LATENT) on all
      genes of FILE for EPOCHS epochs on THREADS torch threads and prints
      key value lines: epoch_seconds (median of the epochs after the first,
      or the only one, timed from train-epoch start to end), first_epoch_seconds,
      peak_rss_mb, versions.
"""
import resource
import sys
import time

import numpy as np


def prep(data, work, tiled_cells=100000, seed_cells=90000):
    import anndata as ad
    import scanpy as sc
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    for name, batch in (("ifnb1k", None), ("pbmc_3tech", "tech")):
        a = ad.read_h5ad(f"{data}/{name}.h5ad")
        sc.pp.highly_variable_genes(a, flavor="seurat_v3", n_top_genes=2000, batch_key=batch)
        a = a[:, a.var["highly_variable"].to_numpy()].copy()
        a.var = a.var[[]]
        a.write_h5ad(f"{work}/{name}.h5ad")
        if name == "pbmc_3tech":
            hvg = a.var_names
    full = ad.read_h5ad(f"{data}/pbmc_3tech.h5ad")
    for out, genes, n in (("tiled", hvg, tiled_cells), ("seed", None, seed_cells)):
        base = full[:, genes].copy() if genes is not None else full.copy()
        X = sp.csr_matrix(base.X, dtype=np.float32)
        parts, obs = [], []
        copies = -(-n // base.n_obs)
        for t in range(copies):
            Y = X.copy()
            Y.data = rng.binomial(Y.data.astype(np.int64), 0.9).astype(np.float32)
            Y.eliminate_zeros()
            parts.append(Y)
            o = base.obs[["tech", "cell_type"]].copy()
            o.index = [f"{c}_t{t}" for c in base.obs_names]
            obs.append(o)
        import pandas as pd
        X = sp.vstack(parts, format="csr")[:n]
        o = pd.concat(obs).iloc[:n]
        # a cell thinned to no counts at all cannot be trained on: give it one
        empty = np.flatnonzero(np.diff(X.indptr) == 0)
        if len(empty):
            X = X.tolil()
            for i in empty:
                X[i, 0] = 1
            X = X.tocsr()
        X.sort_indices()
        b = ad.AnnData(X=X, obs=o, var=base.var[[]])
        b.write_h5ad(f"{work}/{out}.h5ad")
        print(f"{out}: {b.n_obs} cells x {b.n_vars} genes, {X.nnz} counts", flush=True)


def timing(path, batch, covs, latent, epochs, threads):
    import anndata as ad
    import scvi
    import torch
    from lightning.pytorch.callbacks import Callback

    torch.set_num_threads(threads)
    scvi.settings.seed = 0
    a = ad.read_h5ad(path)
    scvi.model.SCVI.setup_anndata(
        a, batch_key=None if batch == "-" else batch,
        categorical_covariate_keys=None if covs == "-" else covs.split(","))
    model = scvi.model.SCVI(a, n_latent=latent)

    class EpochTimer(Callback):
        def __init__(self):
            self.t0, self.times = 0.0, []

        def on_train_epoch_start(self, trainer, module):
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, module):
            self.times.append(time.perf_counter() - self.t0)

    cb = EpochTimer()
    model.train(max_epochs=epochs, accelerator="cpu", devices=1, batch_size=128,
                callbacks=[cb], enable_progress_bar=False)
    t = cb.times
    med = float(np.median(t[1:])) if len(t) > 1 else t[0]
    print(f"epoch_seconds\t{med:.4f}\nfirst_epoch_seconds\t{t[0]:.4f}")
    print(f"peak_rss_mb\t{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    print(f"versions\tscvi-tools {scvi.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    if sys.argv[1] == "prep":
        prep(sys.argv[2], sys.argv[3], *map(int, sys.argv[4:]))
    elif sys.argv[1] == "time":
        timing(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]),
               int(sys.argv[7]))
    else:
        sys.exit(__doc__)

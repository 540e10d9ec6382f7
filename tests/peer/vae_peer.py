#!/usr/bin/env python3
"""vae_peer.py: scvi-tools' SCVI on the shared data, the figures sparsesc's VAE
is held to (tests/unit/test_vae_peer.c).

Rerun (writes tests/peer/vae_expected.tsv; commit it with any change; about
10 minutes on one core):
    python3 -m venv /tmp/venv-scvi
    /tmp/venv-scvi/bin/pip install scvi-tools scanpy scikit-misc scikit-learn
    /tmp/venv-scvi/bin/python tests/peer/vae_peer.py [DATA_DIR]
DATA_DIR defaults to $SPARSESC_DATA, else ../shared/data beside the repository.
torch comes from PyPI (its CUDA wheels; only the CPU is used).

Settings (sparsesc's defaults are scvi-tools' SCVI defaults; see
`help vae train`):
  genes     2000 highly variable genes, scanpy's seurat_v3 on the counts
            (batch_key = the batch column when there is one), in file order.
  model     SCVI(n_hidden=128, n_latent=10, n_layers=1, dropout_rate=0.1,
            gene_likelihood="zinb", dispersion="gene"), batch_key = tech for
            pbmc_3tech, no batch for ifnb1k (one condition is not a batch).
  training  Adam lr 1e-3, eps 0.01, weight decay 1e-6, minibatch 128, KL
            warm-up over 400 epochs (scvi-tools' defaults), EPOCHS epochs
            (below; fewer than the default 400 so the C test stays under a
            minute; the C test trains the same number).  The 90/10 split is
            drawn here (numpy, SPLIT_SEED) and given to scvi-tools as
            external_indexing; its cell indices are written out, and the C
            test trains sparsesc on the same training cells and evaluates
            it on the same validation cells.  SEEDS training seeds
            (scvi.settings.seed) show how much scvi-tools itself varies.
Figures per seed, on the validation cells, model in evaluation mode
(BatchNorm running statistics, no dropout), z drawn once from q(z|x):
  nll       mean over cells of -log p(x | z), summed over genes: the mean of
            SCVI.get_reconstruction_error(indices=val)["reconstruction_loss"]
            (scvi-tools 1.4 returns the positive loss there).
  kl        mean KL(q(z|x) || N(0, I)) per cell = -get_elbo(indices=val) - nll.
  elbo      nll + kl, the negative ELBO per cell: -SCVI.get_elbo(indices=val).
Integration metrics on the posterior means of all cells
(get_latent_representation()), k = 15, the definitions of src/integ.h,
computed with tests/peer/integ_peer.py's functions (checked there against
scib-metrics and scikit-learn):
  ilisi, batch_asw  (with a batch), label_asw, purity (cell_type).
Rows: dataset, key, value.  `mean_*` rows average the seeds; `min_*` and
`max_*` give their range.
"""
import os
import sys
import time

import anndata as ad
import numpy as np
import scanpy as sc
import scvi
import torch
from sklearn.metrics import silhouette_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import integ_peer  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vae_expected.tsv")
EPOCHS = 100
SEEDS = (0, 1, 2)
SPLIT_SEED = 20240612
K = 15
CASES = [  # name, file, batch column, label column
    ("ifnb1k", "ifnb1k.h5ad", None, "cell_type"),
    ("pbmc_3tech", "pbmc_3tech.h5ad", "tech", "cell_type"),
]


def data_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    d = os.environ.get("SPARSESC_DATA")
    if d:
        return d
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data"))


def split(n, seed):
    """scvi-tools' sizes: ceil(0.9 n) training cells, the rest validation."""
    n_train = int(np.ceil(0.9 * n))
    assert n_train % 128 >= 3, "a last minibatch of 1-2 cells would need scvi's adjustment"
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n - n_train:]), np.sort(perm[: n - n_train])


def metrics(z, batch, label):
    out = {}
    dist, idx = integ_peer.knn(z, K)
    lab = label.astype(np.int64)
    out["purity"] = float(np.mean(lab[idx] == lab[:, None]))
    out["label_asw"] = (float(silhouette_score(z, lab)) + 1) / 2
    if batch is not None:
        b = batch.astype(np.int64)
        li = integ_peer.lisi(dist, idx, b, np.floor(K / 3))
        out["ilisi"] = (float(np.median(li)) - 1) / (len(np.unique(b)) - 1)
        out["batch_asw"] = integ_peer.batch_asw(z, b, lab)
    return out


def run_case(name, path, batch_key, label_key, rows):
    adata = ad.read_h5ad(path)
    adata.X = adata.X.astype(np.float32)
    sc.pp.highly_variable_genes(adata, flavor="seurat_v3", n_top_genes=2000,
                                batch_key=batch_key)
    hvg = np.flatnonzero(adata.var["highly_variable"].to_numpy())
    adata = adata[:, hvg].copy()
    n = adata.n_obs
    train, val = split(n, SPLIT_SEED)
    rows += [(name, "file", os.path.basename(path)), (name, "batch", batch_key or ""),
             (name, "label", label_key), (name, "epochs", str(EPOCHS)),
             (name, "n_cells", str(n)), (name, "n_genes", str(len(hvg))),
             (name, "hvg", ",".join(map(str, hvg))),
             (name, "train", ",".join(map(str, train))),
             (name, "val", ",".join(map(str, val)))]
    label = adata.obs[label_key].cat.codes.to_numpy()
    batch = adata.obs[batch_key].cat.codes.to_numpy() if batch_key else None
    per_seed = []
    for seed in SEEDS:
        scvi.settings.seed = seed
        scvi.model.SCVI.setup_anndata(adata, batch_key=batch_key)
        model = scvi.model.SCVI(adata)  # defaults: 128 hidden, 10 latent, 1 layer, zinb
        t0 = time.time()
        model.train(max_epochs=EPOCHS, accelerator="cpu", devices=1, batch_size=128,
                    datasplitter_kwargs={"external_indexing": [train, val, np.array([], int)]},
                    enable_progress_bar=False)
        secs = time.time() - t0
        assert np.array_equal(np.sort(model.validation_indices), val)
        model.module.eval()
        torch.manual_seed(seed)
        nll = float(np.asarray(
            model.get_reconstruction_error(indices=val)["reconstruction_loss"]))
        torch.manual_seed(seed)
        elbo = -float(model.get_elbo(indices=val))
        z = model.get_latent_representation()
        m = {"nll": nll, "kl": elbo - nll, "elbo": elbo, "train_seconds": secs}
        m.update(metrics(z, batch, label))
        per_seed.append(m)
        for k, v in m.items():
            rows.append((name, f"seed{seed}_{k}", repr(v)))
        print(name, seed, {k: round(v, 4) for k, v in m.items()}, flush=True)
    for k in per_seed[0]:
        vals = np.array([m[k] for m in per_seed])
        rows += [(name, f"mean_{k}", repr(float(vals.mean()))),
                 (name, f"min_{k}", repr(float(vals.min()))),
                 (name, f"max_{k}", repr(float(vals.max())))]


def main():
    torch.set_num_threads(1)  # 2 threads spin against each other on a busy machine
    d = data_dir()
    rows = []
    for name, f, b, l in CASES:
        run_case(name, os.path.join(d, f), b, l, rows)
    with open(OUT, "w") as fh:
        fh.write(f"# written by tests/peer/vae_peer.py with scvi-tools {scvi.__version__}, "
                 f"torch {torch.__version__}, scanpy {sc.__version__}, "
                 f"anndata {ad.__version__}, numpy {np.__version__}; do not edit\n")
        fh.write(f"# epochs {EPOCHS}, seeds {','.join(map(str, SEEDS))}, split seed "
                 f"{SPLIT_SEED}, k {K}, 1 torch thread\n")
        for r in rows:
            fh.write("\t".join(r) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""integ_peer.py: reference values of the integration metrics of src/integ.c.

Rerun (writes tests/peer/integ_expected.tsv; commit it with any change):
    python3 -m venv /tmp/venv-scvi
    /tmp/venv-scvi/bin/pip install numpy scikit-learn scib-metrics
    /tmp/venv-scvi/bin/python tests/peer/integ_peer.py

What is computed, independently of the C code:
  kNN          sklearn NearestNeighbors (brute force, float64), k + 1
               neighbours of every cell with the cell itself dropped.
  iLISI        per cell, Gaussian weights on the k neighbour distances with
               perplexity floor(k / 3) (Harmony's bisection on the kernel
               precision, tolerance 1e-5, at most 50 steps), the inverse
               Simpson index of the batches under those weights; then
               (median - 1) / (batches - 1), scib's scaling.  Written here
               in numpy and, when scib-metrics imports, checked against
               scib_metrics.ilisi_knn on the same neighbours.
  batch ASW    scib's silhouette_batch: per cell type with 2 or more
               batches and fewer batches than cells, the mean of
               1 - |sklearn silhouette_samples| with batches as clusters,
               then the mean over cell types.
  cell ASW     (sklearn silhouette_score on cell types + 1) / 2.
  purity       mean share of the k neighbours with the cell's own type.
The embeddings are drawn here with a fixed seed, rounded to float32 and
written into the file, so the C test reads inputs and expectations
together and needs no Python.

Columns: case n d k nbatch nlabel X(row-major, comma) batch label
         ilisi ilisi_median batch_asw label_asw purity lisi_first10
"""
import os

import numpy as np
import sklearn
from sklearn.metrics import silhouette_samples, silhouette_score
from sklearn.neighbors import NearestNeighbors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "integ_expected.tsv")


def knn(X, k):
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(X)
    dist, idx = nn.kneighbors(X)
    # drop the cell itself (the inputs have no duplicate points, so it is first)
    assert (idx[:, 0] == np.arange(len(X))).all()
    return dist[:, 1:], idx[:, 1:]


def weights(d, perplexity, tol=1e-5):
    """Harmony's Hbeta bisection for one cell's neighbour distances."""
    beta, lo, hi = 1.0, -np.inf, np.inf
    target = np.log(perplexity)
    for tries in range(51):
        P = np.exp(-d * beta)
        s = P.sum()
        H = np.log(s) + beta * (d * P).sum() / s
        P = P / s
        diff = H - target
        if abs(diff) <= tol or tries >= 50:
            break
        if diff > 0:
            lo = beta
            beta = beta * 2 if hi == np.inf else (beta + hi) / 2
        else:
            hi = beta
            beta = beta / 2 if lo == -np.inf else (beta + lo) / 2
    return P


def lisi(dist, idx, labels, perplexity):
    nl = labels.max() + 1
    out = np.empty(len(dist))
    for i in range(len(dist)):
        P = weights(dist[i], perplexity)
        share = np.bincount(labels[idx[i]], weights=P, minlength=nl)
        out[i] = 1 / (share ** 2).sum()
    return out


def batch_asw(X, batch, label):
    scores = []
    for t in np.unique(label):
        m = label == t
        nb = len(np.unique(batch[m]))
        if nb == 1 or nb == m.sum():
            continue
        s = silhouette_samples(X[m], batch[m])
        scores.append(np.mean(1 - np.abs(s)))
    return float(np.mean(scores)) if scores else float("nan")


def scib_check(X, dist, idx, batch, label, ilisi, basw, lasw):
    """Cross-check with scib-metrics itself, when it is installed."""
    try:
        import scib_metrics
        from scib_metrics.nearest_neighbors import NeighborsResults
    except Exception as exc:  # noqa: BLE001 - optional dependency
        return f"scib-metrics not checked ({type(exc).__name__})"
    nr = NeighborsResults(indices=idx, distances=dist)
    a = scib_metrics.ilisi_knn(nr, batch)
    b = scib_metrics.silhouette_batch(X, label, batch)
    c = scib_metrics.silhouette_label(X, label)
    # scib-metrics computes in float32 (jax): agreement to ~1e-5
    assert abs(a - ilisi) < 1e-4, (a, ilisi)
    assert abs(b - basw) < 1e-4, (b, basw)
    assert abs(c - lasw) < 1e-4, (c, lasw)
    return f"scib-metrics {scib_metrics.__version__} agrees"


def blobs(rng, n, d, ntype, nbatch, sep, bshift, mixed=True):
    label = rng.integers(0, ntype, n)
    centres = rng.normal(0, sep, (ntype, d))
    bshifts = rng.normal(0, bshift, (nbatch, d))
    batch = rng.integers(0, nbatch, n)
    X = centres[label] + bshifts[batch] + rng.normal(0, 1, (n, d))
    if not mixed:  # each type sampled mostly from one batch
        batch = np.where(rng.random(n) < 0.8, label % nbatch, batch)
        X = centres[label] + bshifts[batch] + rng.normal(0, 1, (n, d))
    return X, batch, label


def main():
    rng = np.random.default_rng(20240611)
    cases = []
    X, b, l = blobs(rng, 240, 4, 3, 2, 4.0, 0.0)
    cases.append(("mixed", X, b, l, 15))
    X, b, l = blobs(rng, 300, 6, 3, 3, 5.0, 0.8)
    cases.append(("batch_effect", X, b, l, 15))
    X, b, l = blobs(rng, 200, 3, 4, 3, 3.0, 0.3, mixed=False)
    cases.append(("confounded", X, b, l, 9))
    # small: a cell type seen in one batch only (skipped by batch ASW) and a
    # batch with a single cell of a type (its silhouette is 0)
    X, b, l = blobs(rng, 60, 2, 3, 3, 4.0, 0.2)
    b[l == 2] = 0
    one = np.flatnonzero(l == 1)
    b[one] = 1
    b[one[0]] = 2
    cases.append(("singletons", X, b, l, 6))
    # more cells than one 2048-column distance block
    X, b, l = blobs(rng, 2500, 10, 5, 4, 3.0, 0.35)
    cases.append(("large", X, b, l, 30))

    rows = []
    notes = []
    for name, X, batch, label, k in cases:
        X = X.astype(np.float32).astype(np.float64)
        batch = batch.astype(np.int64)
        label = label.astype(np.int64)
        dist, idx = knn(X, k)
        per = np.floor(k / 3)
        li = lisi(dist, idx, batch, per)
        nb = len(np.unique(batch))
        med = float(np.median(li))
        ilisi = (med - 1) / (nb - 1)
        basw = batch_asw(X, batch, label)
        lasw = (float(silhouette_score(X, label)) + 1) / 2
        purity = float(np.mean(label[idx] == label[:, None]))
        notes.append(f"{name}: " + scib_check(X, dist, idx, batch, label, ilisi, basw, lasw))
        rows.append([name, str(len(X)), str(X.shape[1]), str(k), str(batch.max() + 1),
                     str(label.max() + 1),
                     ",".join(repr(float(v)) for v in X.ravel()),
                     ",".join(str(int(v)) for v in batch),
                     ",".join(str(int(v)) for v in label),
                     repr(ilisi), repr(med), repr(basw), repr(lasw), repr(purity),
                     ",".join(repr(float(v)) for v in li[:10])])
    with open(OUT, "w") as f:
        f.write(f"# written by tests/peer/integ_peer.py with scikit-learn {sklearn.__version__}, "
                f"numpy {np.__version__}; do not edit\n")
        for n in notes:
            f.write(f"# {n}\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print("\n".join(notes))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

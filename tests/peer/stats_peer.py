#!/usr/bin/env python3
"""stats_peer.py: scipy's figures for the statistics in src/stats.c.

Rerun (writes tests/peer/stats_expected.tsv; commit it with any change):
    python3 -m venv /tmp/venv-stats
    /tmp/venv-stats/bin/pip install numpy scipy
    /tmp/venv-stats/bin/python tests/peer/stats_peer.py

Rows (tab-separated; lists are comma-separated; numbers in repr precision):
  hyper  k pop succ draws  sf logsf    P(X >= k) = hypergeom(pop, succ, draws).sf(k - 1)
  spearman  x y  rho                  scipy.stats.spearmanr (average ranks for ties)
  auroc  score pos  auc               mannwhitneyu(score[pos], score[~pos]).statistic / (P N)
  bh  p  q                            scipy.stats.false_discovery_control(p, method="bh")
The inputs are drawn here with a fixed seed and written into the file, so
the C test reads inputs and expectations together and needs no Python.
"""
import os

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_expected.tsv")


def fmt(xs):
    return ",".join(repr(float(x)) for x in xs)


def main():
    rng = np.random.default_rng(20240607)
    rows = []
    # hypergeometric upper tails: small exact cases, gene-set sizes, far tails
    cases = [(3, 10, 4, 5), (0, 10, 4, 5), (4, 10, 4, 5), (2, 20, 7, 12), (1, 5, 5, 5)]
    for k in (0, 1, 2, 3, 5, 8, 12, 20, 35, 50):
        cases.append((k, 20000, 200, 100))
    for k in (1, 3, 10, 30):
        cases.append((k, 2000, 97, 50))
    cases += [(40, 30000, 97, 50), (60, 100000, 5000, 1000), (500, 100000, 5000, 5000),
              (80, 1000, 500, 100)]
    for k, pop, succ, draws in cases:
        d = stats.hypergeom(pop, succ, draws)
        rows.append(["hyper", str(k), str(pop), str(succ), str(draws),
                     repr(float(d.sf(k - 1))), repr(float(d.logsf(k - 1)))])
    # Spearman with many ties (small integer values) and without
    for n, hi in ((12, 4), (50, 6), (200, 1000)):
        x = rng.integers(0, hi, n).astype(float)
        y = np.round(x + rng.normal(0, hi / 3, n))
        rho = stats.spearmanr(x, y).statistic
        rows.append(["spearman", fmt(x), fmt(y), repr(float(rho))])
    # AUROC from the Mann-Whitney U with ties; scores as float32 values
    for n, hi in ((30, 5), (400, 20), (1000, 10**6)):
        pos = rng.random(n) < 0.3
        score = rng.integers(0, hi, n) + 2.0 * pos
        score = score.astype(np.float32).astype(float)
        u = stats.mannwhitneyu(score[pos], score[~pos]).statistic
        rows.append(["auroc", fmt(score), ",".join(str(int(b)) for b in pos),
                     repr(float(u / (pos.sum() * (~pos).sum())))])
    # Benjamini-Hochberg
    for n in (8, 60):
        p = np.concatenate([rng.uniform(0, 0.01, n // 4), rng.uniform(0, 1, n - n // 4)])
        rng.shuffle(p)
        q = stats.false_discovery_control(p, method="bh")
        rows.append(["bh", fmt(p), fmt(q)])
    with open(OUT, "w") as f:
        f.write("# written by tests/peer/stats_peer.py with scipy %s, numpy %s; do not edit\n"
                % (scipy.__version__, np.__version__))
        for r in rows:
            f.write("\t".join(r) + "\n")
    print("wrote", OUT, len(rows), "rows")


if __name__ == "__main__":
    main()

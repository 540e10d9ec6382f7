#!/usr/bin/env python3
"""Expected numbers for the .h5ad and 10x readers, computed with anndata/scanpy.

Writes tests/peer/data_expected.tsv (committed); tests/unit/test_h5ad.c and
tests/unit/test_tenx.c read it, so no Python runs at test time.

    python3 -m venv /tmp/venv-peer && /tmp/venv-peer/bin/pip install anndata scanpy
    /tmp/venv-peer/bin/python tests/peer/data_peer.py [DATA_DIR] > tests/peer/data_expected.tsv

DATA_DIR defaults to $SPARSESC_DATA, else ../shared/data beside the repository.

Each line: FILE <tab> KEY <tab> fields...  (FILE relative to DATA_DIR).
  n_obs N | n_vars N | nnz N | sum S | sumsq S | max M
  row_wsum S      sum over cells of (i+1) * (total counts of cell i)
  col_wsum S      sum over genes of (j+1) * (total counts of gene j)
  cell I NAME TOTAL NGENES     (a few cells, by position)
  gene J NAME TOTAL NCELLS     (a few genes, by position, and the largest)
  obs_first NAME | obs_last NAME | var_first NAME | var_last NAME
  var_col NAME FIRST LAST      (string columns of var: first and last value)
  cat COL CATEGORY COUNT       (every category of every obs categorical, in order)
  cat_missing COL N
  num_sum COL S                (numeric obs columns)
For the 10x files the numbers come from an independent source where there is
one: the MatrixMarket folder that ships beside the .h5 (read_10x_mtx), after
checking scanpy's read_10x_h5 agrees with it.
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

warnings.filterwarnings("ignore")
import anndata  # noqa: E402
import scanpy as sc  # noqa: E402


def num(x):
    """Integers exactly, other values with full precision."""
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 2**53 else repr(x)


def emit(fname, key, *fields):
    print("\t".join([fname, key] + [str(f) for f in fields]))


def describe(fname, ad):
    X = sp.csr_matrix(ad.X, dtype=np.float64)
    X.sum_duplicates()
    X.eliminate_zeros()
    X.sort_indices()
    n, m = X.shape
    rows = np.asarray(X.sum(axis=1)).ravel()
    cols = np.asarray(X.sum(axis=0)).ravel()
    rown = np.diff(X.indptr)
    coln = np.bincount(X.indices, minlength=m)
    emit(fname, "n_obs", n)
    emit(fname, "n_vars", m)
    emit(fname, "nnz", X.nnz)
    emit(fname, "sum", num(X.data.sum()))
    emit(fname, "sumsq", num((X.data**2).sum()))
    emit(fname, "max", num(X.data.max() if X.nnz else 0))
    emit(fname, "row_wsum", num((np.arange(1, n + 1) * rows).sum()))
    emit(fname, "col_wsum", num((np.arange(1, m + 1) * cols).sum()))
    for i in sorted({0, 1, n // 2, n - 1}):
        emit(fname, "cell", i, ad.obs_names[i], num(rows[i]), rown[i])
    for j in sorted({0, m // 2, m - 1, int(np.argmax(cols))}):
        emit(fname, "gene", j, ad.var_names[j], num(cols[j]), coln[j])
    emit(fname, "obs_first", ad.obs_names[0])
    emit(fname, "obs_last", ad.obs_names[-1])
    emit(fname, "var_first", ad.var_names[0])
    emit(fname, "var_last", ad.var_names[-1])
    for col in ad.var.columns:
        s = ad.var[col]
        if s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            emit(fname, "var_col", col, str(s.iloc[0]), str(s.iloc[-1]))
    for col in ad.obs.columns:
        s = ad.obs[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            counts = s.value_counts(sort=False)
            for cat in s.cat.categories:
                emit(fname, "cat", col, cat, int(counts[cat]))
            emit(fname, "cat_missing", col, int(s.isna().sum()))
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            emit(fname, "num_sum", col, num(s.astype(np.float64).sum()))


def same(a, b):
    """The h5 and the mtx folder hold the same matrix and names."""
    A = sp.csr_matrix(a.X, dtype=np.float64)
    B = sp.csr_matrix(b.X, dtype=np.float64)
    assert A.shape == B.shape and abs(A - B).sum() == 0
    assert list(a.obs_names) == list(b.obs_names)
    assert list(a.var_names) == list(b.var_names)
    assert list(a.var["gene_ids"]) == list(b.var["gene_ids"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SPARSESC_DATA")
            or os.path.join(here, "..", "..", "..", "shared", "data"))
    print("# written by tests/peer/data_peer.py with anndata %s, scanpy %s; do not edit"
          % (anndata.__version__, sc.__version__))
    for f in sorted(os.listdir(data)):
        if f.endswith(".h5ad"):
            describe(f, anndata.read_h5ad(os.path.join(data, f)))

    tx = os.path.join(data, "10x_fixtures")
    v3 = "10x_fixtures/3.0.0/filtered_feature_bc_matrix.h5"
    mtx3 = sc.read_10x_mtx(os.path.join(tx, "3.0.0/filtered_feature_bc_matrix"))
    h53 = sc.read_10x_h5(os.path.join(data, v3))
    h53.var_names_make_unique()
    same(h53, mtx3)
    describe(v3, mtx3)

    v2 = "10x_fixtures/1.2.0/filtered_gene_bc_matrices_h5.h5"
    mtx2 = sc.read_10x_mtx(os.path.join(tx, "1.2.0/filtered_gene_bc_matrices/hg19_chr21"))
    h52 = sc.read_10x_h5(os.path.join(data, v2))
    h52.var_names_make_unique()
    same(h52, mtx2)
    describe(v2, mtx2)

    mg = "10x_fixtures/1.2.0/multiple_genomes.h5"
    for g in ("hg19_chr21", "another_genome"):
        ad = sc.read_10x_h5(os.path.join(data, mg), genome=g)
        ad.var_names_make_unique()
        describe(mg + ":" + g, ad)


if __name__ == "__main__":
    main()

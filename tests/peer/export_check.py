#!/usr/bin/env python3
"""export_check.py: open .h5ad files written by sparsesc's h5ad_write with
Python's anndata and scanpy, and check them against values computed here.

    export_check.py synth FILE.h5ad OBS.tsv [--no-scanpy]
        FILE and OBS.tsv written by `export_fixture synth`: every value is
        recomputed from the formulas documented in tests/unit/export_fixture.c
        (reimplemented below with numpy, not read from the C code's output).
    export_check.py command FILE.h5ad DIR [--no-scanpy]
        FILE written by the `export` command after a VAE and an SAE, and in
        DIR the tables `export features features.tsv` and `export feature 3
        cells.tsv` wrote: the formats must agree with each other (feature
        table in uns and in the TSV; the cells table against obsm X_sae).
    export_check.py real FILE.h5ad SOURCE.h5ad [--no-scanpy]
        FILE written by `export_fixture real SOURCE`: X, obs and var must
        equal what anndata reads from SOURCE; scanpy runs a standard
        preprocessing on it.

Prints one line per check, "PASS what" or "FAIL what: why" (tests/export.test
turns them into TAP), and exits 1 when any check failed.  Needs anndata;
scanpy only without --no-scanpy.  Rerun by hand with any Python that has
anndata (e.g. python3 -m venv /tmp/venv-export &&
/tmp/venv-export/bin/pip install anndata scanpy)."""
import os
import sys
import tempfile
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

warnings.filterwarnings("ignore")
failed = 0


def check(what, fn):
    """Run one check; an AssertionError or any exception is a failure."""
    global failed
    try:
        fn()
        print(f"PASS {what}")
    except Exception as exc:  # noqa: BLE001 - report every kind of failure
        failed += 1
        msg = str(exc).replace("\n", " ")[:300]
        print(f"FAIL {what}: {type(exc).__name__}: {msg}")


def eq(a, b, what):
    assert a == b, f"{what}: got {a!r}, expected {b!r}"


# ---- the fixture's formulas (see tests/unit/export_fixture.c) -----------
N, G, K = 60, 40, 16
I = np.arange(N)
J = np.arange(G)


def want_x():
    v = (7 * I[:, None] + 13 * J[None, :]) % 11
    return np.where(v < 6, 0, v - 5).astype(np.float32)


def want_sae():
    m = np.zeros((N, K), np.float32)
    for i in range(N):
        m[i, (5 * i + 3) % K] = 0.5
        m[i, i % K] = (i + 1) / 4  # a wins when a == b
    return m


def check_synth(path, tsv, use_scanpy):
    a = ad.read_h5ad(path)
    x = want_x()

    def shape_x():
        eq(a.shape, (N, G), "shape")
        assert sp.issparse(a.X) and a.X.format == "csr", f"X is {type(a.X)}"
        eq(a.X.dtype, np.float32, "X dtype")
        assert np.array_equal(a.X.toarray(), x), "X values differ from the formula"

    check("anndata: X is a 60 x 40 float32 CSR matrix equal to the formula", shape_x)

    def obs_index():
        eq(list(a.obs_names), [f"cell{i}" for i in I], "obs names")
        eq(a.obs.index.name, "cell", "obs index name")
        eq(list(a.obs.columns),
           ["cell_type", "condition", "donor", "n_counts", "frac", "is_doublet", "passed"],
           "obs columns")

    check("anndata: obs names, index name and column order", obs_index)

    def categoricals():
        ct, cond = a.obs["cell_type"], a.obs["condition"]
        assert isinstance(ct.dtype, pd.CategoricalDtype), f"cell_type is {ct.dtype}"
        eq(list(ct.cat.categories), ["B", "T", "Mono"], "cell_type categories")
        assert not ct.cat.ordered, "cell_type is ordered"
        assert np.array_equal(ct.cat.codes.to_numpy(), I % 3), "cell_type codes"
        eq(list(cond.cat.categories), ["ctrl", "stim"], "condition categories")
        assert np.array_equal(cond.cat.codes.to_numpy(), (I >= 30).astype(int)), "condition codes"

    check("anndata: categoricals keep their categories, order and codes", categoricals)

    def donor():
        d = a.obs["donor"]
        assert isinstance(d.dtype, pd.CategoricalDtype), f"donor is {d.dtype}"
        eq(list(d.cat.categories), ["d0", "d1", "d2", "d3"], "donor categories")
        for i in I:
            if i % 10 == 9:
                assert pd.isna(d.iloc[i]), f"donor[{i}] should be missing"
            else:
                eq(d.iloc[i], f"d{i % 4}", f"donor[{i}]")

    check("anndata: a string column with missing values is a categorical with NaN", donor)

    def numbers():
        nc, fr = a.obs["n_counts"], a.obs["frac"]
        eq(nc.dtype, np.int64, "n_counts dtype")
        assert np.array_equal(nc.to_numpy(), x.sum(1).astype(np.int64)), "n_counts != row sums"
        eq(fr.dtype, np.float64, "frac dtype")
        want = I / 64.0
        want[5] = np.nan
        assert np.array_equal(fr.to_numpy(), want, equal_nan=True), "frac values"

    check("anndata: int64 and float64 (NaN) columns", numbers)

    def bools():
        db, ps = a.obs["is_doublet"], a.obs["passed"]
        eq(db.dtype, np.bool_, "is_doublet dtype")
        assert np.array_equal(db.to_numpy(), I % 17 == 0), "is_doublet values"
        eq(str(ps.dtype), "boolean", "passed dtype (nullable boolean)")
        for i in I:
            if i % 7 == 3:
                assert pd.isna(ps.iloc[i]), f"passed[{i}] should be NA"
            else:
                eq(bool(ps.iloc[i]), bool(i % 2), f"passed[{i}]")

    check("anndata: bool and nullable boolean columns", bools)

    def var():
        eq(list(a.var_names), [f"G{j}" for j in J], "var names")
        eq(list(a.var["gene_ids"]), [f"ENSG{j:05d}" for j in J], "gene_ids")
        eq(a.var["highly_variable"].dtype, np.bool_, "highly_variable dtype")
        assert np.array_equal(a.var["highly_variable"].to_numpy(), J % 3 == 0), "highly_variable"

    check("anndata: var names, string and bool columns", var)

    def obsm():
        eq(sorted(a.obsm.keys()), ["X_sae", "X_umap", "X_vae"], "obsm keys")
        u, v, s = a.obsm["X_umap"], a.obsm["X_vae"], a.obsm["X_sae"]
        eq((u.dtype, u.shape), (np.float32, (N, 2)), "X_umap")
        assert np.array_equal(u, np.stack([I, -I / 2], 1).astype(np.float32)), "X_umap values"
        eq((v.dtype, v.shape), (np.float32, (N, 4)), "X_vae")
        assert np.array_equal(v, ((I[:, None] - 2 * np.arange(4)[None, :]) / 8).astype(np.float32)), \
            "X_vae values"
        assert sp.issparse(s) and s.format == "csr", f"X_sae is {type(s)}"
        eq((s.dtype, s.shape), (np.float32, (N, K)), "X_sae")
        assert np.array_equal(s.toarray(), want_sae()), "X_sae values"

    check("anndata: obsm dense (X_umap, X_vae) and sparse CSR (X_sae)", obsm)

    def varm():
        l = a.varm["sae_gene_lens"]
        eq((l.dtype, l.shape), (np.float32, (G, K)), "sae_gene_lens")
        assert np.array_equal(l, ((16 * J[:, None] + np.arange(K)[None, :]) % 9 - 4).astype(np.float32))

    check("anndata: varm/sae_gene_lens", varm)

    def uns():
        u = a.uns["sparsesc"]
        eq(u["version"], "fixture", "version")
        p = u["params"]
        eq((p["k"], p["lr"], p["model"]), (2, 0.001, "topk"), "params")
        assert isinstance(p["k"], (int, np.integer)) and not isinstance(p["k"], bool), "k is an int"
        m = u["metrics"]
        assert np.array_equal(m["loss"], [1, 0.5, 0.25]) and m["loss"].dtype == np.float64, "loss"
        assert np.array_equal(m["alive"], [[1, 2], [3, 4]]) and m["alive"].dtype == np.int64, "alive"
        eq(list(u["labels"]), ["cell_type", "condition"], "labels")
        f = u["features"]
        assert isinstance(f, pd.DataFrame), f"features is {type(f)}"
        eq(f.index.name, "feature", "features index name")
        eq(list(f.index), [str(k) for k in range(K)], "features index")
        assert np.array_equal(f["density"].to_numpy(), np.arange(K) / 16), "density"
        eq(list(f["label"].cat.categories), ["B", "T"], "label categories")
        eq([None if pd.isna(v) else v for v in f["label"]],
           [["B", "T"][k % 2] if k != 15 else None for k in range(K)], "label values")
        eq(list(f["note"]), [f"f{k}" for k in range(K)], "note")

    check("anndata: uns dicts, scalars, arrays, strings and the feature table", uns)

    def tsv_matches():
        t = pd.read_csv(tsv, sep="\t", index_col=0, dtype=str, keep_default_na=False)
        eq(t.index.name, "cell", "TSV index header")
        eq(list(t.index), list(a.obs_names), "TSV row names")
        eq(list(t.columns), list(a.obs.columns), "TSV columns")
        for col in a.obs.columns:
            s, got = a.obs[col], t[col].tolist()
            for i, v in enumerate(s):
                g = got[i]
                if pd.isna(v):
                    eq(g, "", f"TSV {col}[{i}] (missing)")
                elif s.dtype == np.bool_ or str(s.dtype) == "boolean":
                    eq(g, "true" if v else "false", f"TSV {col}[{i}]")
                elif np.issubdtype(np.asarray(s).dtype, np.number):
                    eq(float(g), float(v), f"TSV {col}[{i}]")
                    if s.dtype == np.int64:
                        eq(g, str(int(v)), f"TSV {col}[{i}] (integer)")
                else:
                    eq(g, str(v), f"TSV {col}[{i}]")

    check("TSV: pandas reads the obs table back equal to anndata's obs", tsv_matches)

    def rewrite():
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "again.h5ad")
            a.write_h5ad(out)
            b = ad.read_h5ad(out)
            assert (b.X != a.X).nnz == 0, "X changed"
            pd.testing.assert_frame_equal(b.obs, a.obs)
            pd.testing.assert_frame_equal(b.var, a.var)
            assert (b.obsm["X_sae"] != a.obsm["X_sae"]).nnz == 0, "X_sae changed"

    check("anndata: writes the object back and reads the same", rewrite)

    if not use_scanpy:
        return
    import scanpy as sc

    def scanpy_ops():
        b = sc.read_h5ad(path)
        sc.pp.calculate_qc_metrics(b, percent_top=(5, 10), inplace=True)
        assert np.array_equal(b.obs["total_counts"].to_numpy(), x.sum(1)), "total_counts"
        sc.pp.normalize_total(b, target_sum=1e4)
        assert np.allclose(np.asarray(b.X.sum(1)).ravel(), 1e4, rtol=1e-5), "normalize_total"
        sc.pp.log1p(b)
        sc.pp.highly_variable_genes(b, n_top_genes=10)
        eq(int(b.var["highly_variable"].sum()), 10, "highly variable genes")
        sc.tl.pca(b, n_comps=5)
        eq(b.obsm["X_pca"].shape, (N, 5), "X_pca")
        sc.tl.rank_genes_groups(b, "cell_type", method="t-test")
        eq(list(b.uns["rank_genes_groups"]["names"].dtype.names), ["B", "T", "Mono"], "groups")
        df = sc.get.obs_df(b, keys=["cell_type", "G3"], obsm_keys=[("X_vae", 1)])
        eq(df.shape, (N, 3), "obs_df")

    check("scanpy: qc metrics, normalize_total, log1p, HVG, PCA, rank_genes_groups", scanpy_ops)


def check_real(path, source, use_scanpy):
    a, s = ad.read_h5ad(path), ad.read_h5ad(source)

    def same():
        eq(a.shape, s.shape, "shape")
        eq(a.X.dtype, np.float32, "X dtype")
        assert sp.issparse(a.X) and (a.X != s.X).nnz == 0, "X differs from the source"
        pd.testing.assert_frame_equal(a.obs, s.obs)
        pd.testing.assert_index_equal(a.var_names, s.var_names)

    check(f"anndata: X, obs and var equal the source's ({s.n_obs} x {s.n_vars})", same)

    def extras():
        eq(a.obsm["X_vae"].shape, (s.n_obs, 4), "X_vae")
        assert sp.issparse(a.obsm["X_sae"]) and a.obsm["X_sae"].shape == (s.n_obs, K), "X_sae"
        assert np.array_equal(a.obsm["X_sae"][:N].toarray(), want_sae()), "X_sae values"
        eq(a.obsm["X_sae"][N:].nnz, 0, "X_sae rows past the formula")
        eq(a.varm["sae_gene_lens"].shape, (s.n_vars, K), "sae_gene_lens")
        eq(a.uns["sparsesc"]["params"]["model"], "topk", "uns")

    check("anndata: the export's obsm, varm and uns entries", extras)
    if not use_scanpy:
        return
    import scanpy as sc

    def scanpy_ops():
        b = sc.read_h5ad(path)
        sc.pp.normalize_total(b, target_sum=1e4)
        sc.pp.log1p(b)
        sc.pp.highly_variable_genes(b, n_top_genes=500)
        sc.tl.pca(b, n_comps=10)
        eq(b.obsm["X_pca"].shape, (s.n_obs, 10), "X_pca")
        # interferon-beta stimulation: ISG15 leads stim against ctrl
        sc.tl.rank_genes_groups(b, "condition", groups=["stim"], reference="ctrl", method="t-test")
        top = list(b.uns["rank_genes_groups"]["names"]["stim"][:20])
        assert "ISG15" in top, f"ISG15 not in the top 20 stim genes: {top}"

    check("scanpy: normalize, log1p, HVG, PCA; ISG15 among the top stim-vs-ctrl genes", scanpy_ops)


def check_command(path, tsv_dir):
    a = ad.read_h5ad(path)
    X = a.obsm["X_sae"]
    ft = a.uns["sparsesc"]["features"]

    def shapes():
        assert sp.issparse(X), "X_sae is not sparse"
        eq(X.shape[0], a.n_obs, "X_sae rows")
        eq(int(a.uns["sparsesc"]["sae"]["n_features"]), X.shape[1], "uns n_features")
        eq(a.obsm["X_vae"].shape, (a.n_obs, int(a.uns["sparsesc"]["vae"]["n_latent"])), "X_vae")
        eq(len(ft), X.shape[1], "feature table rows")
        eq(a.varm["sae_gene_lens"].shape, (a.n_vars, X.shape[1]), "varm sae_gene_lens")
        dead = np.asarray((X > 0).sum(axis=0)).ravel() == 0
        lens = np.asarray(a.varm["sae_gene_lens"])
        hv = a.var["highly_variable"].to_numpy(bool)
        assert np.all(lens[hv][:, dead] == 0), "a dead feature's lens is not 0"
        hv = a.var["highly_variable"].to_numpy(bool)
        assert hv.sum() == 40 and np.all(np.isfinite(lens[hv])), "modelled genes: finite"
        assert np.all(np.isnan(lens[~hv])), "genes outside the VAE: NaN"

    check("anndata: obsm X_sae (sparse), X_vae, varm sae_gene_lens and uns agree on shapes", shapes)

    def density():
        nnz = np.asarray((X > 0).sum(axis=0)).ravel()
        assert np.array_equal(ft["active_cells"].to_numpy().astype(int), nnz), "active counts"
        assert np.allclose(ft["density"].to_numpy(), nnz / a.n_obs), "density"

    check("uns feature table: active cells and density recomputed from obsm X_sae", density)

    def tsv_equal():
        t = pd.read_csv(os.path.join(tsv_dir, "features.tsv"), sep="\t", index_col=0)
        eq(list(t.index), list(ft.index), "feature names")
        for col in ("density", "f1", "purity", "auroc", "batch_u"):
            assert np.allclose(t[col].to_numpy(float), ft[col].to_numpy(float), equal_nan=True), col
        eq(list(t["explanation"].fillna("")), list(ft["explanation"].fillna("")), "explanations")

    check("features.tsv equals the feature table in uns", tsv_equal)

    def cells():
        t = pd.read_csv(os.path.join(tsv_dir, "cells.tsv"), sep="\t", index_col=0)
        col = X[:, 3].toarray().ravel()
        active = np.flatnonzero(col > 0)
        eq(len(t), len(active), "active cells of feature 3")
        rows = a.obs_names.get_indexer(t.index)
        assert np.allclose(t["activation"].to_numpy(), col[rows]), "activations"
        assert np.all(np.diff(t["activation"].to_numpy()) <= 0), "not highest first"
        eq(list(t["cell_type"]), list(a.obs["cell_type"].iloc[rows]), "labels")

    check("cells.tsv of feature 3 matches obsm X_sae and obs", cells)


def main(argv):
    args = [x for x in argv[1:] if x != "--no-scanpy"]
    use_scanpy = "--no-scanpy" not in argv
    if len(args) != 3 or args[0] not in ("synth", "real", "command"):
        sys.stderr.write(__doc__)
        return 2
    print(f"# anndata {ad.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    if args[0] == "synth":
        check_synth(args[1], args[2], use_scanpy)
    elif args[0] == "command":
        check_command(args[1], args[2])
    else:
        check_real(args[1], args[2], use_scanpy)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

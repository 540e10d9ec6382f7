#!/usr/bin/env python3
"""sae_peer.py: a PyTorch reference of sparsesc's `topk` and `relu-l1` SAEs.

Rerun (writes tests/peer/sae_expected/sae_peer.tsv; commit it with any change):
    python3 -m venv /tmp/venv-sae
    /tmp/venv-sae/bin/pip install torch numpy        # torch 2.x from PyPI (CPU is enough)
    /tmp/venv-sae/bin/python tests/peer/sae_peer.py

What it does
  The same objectives as src/sae.c, written independently with torch
  autograd and torch.optim.Adam:
    xc = s*x - b_dec, z = xc W_enc^T + b_enc, x^ = f W_dec + b_dec
    topk     f = relu(topk_k(z)); loss = mean (x^ - s*x)^2
             + 1/32 * AuxK (top k_aux dead features reconstruct the detached
             residual, normalised by its batch variance, Gao et al. 2024)
    relu-l1  f = relu(z); loss = mean (x^ - s*x)^2 + l1 * mean_cells sum_j f_j
    both     unit-norm decoder rows: gradient component along each row
             removed before Adam, rows renormalised after; s scales the
             training cells to mean ||s x||^2 = d; b_dec starts at the
             geometric median (Weiszfeld) of the training cells.
  Data: the planted-direction set of tests/unit/test_sae_train.c (K unit
  directions in d dimensions, each cell a non-negative combination of 2-3 of
  them plus noise).  It and every random choice (train/validation split,
  batch order, initial decoder) come from a Python copy of src/rng.c
  (xoshiro256** seeded by splitmix64), so both sides start from the same
  parameters and see the same batches; what is compared is the maths.
  relu-l1 resampling is off on both sides (a heuristic, not the objective).

Output: one row per setting with the sum of the generated data (so the C
test can tell it generated the same cells) and the validation FVU and L0;
tests/unit/test_sae_train.c trains sparsesc with the same settings and
requires both within 2 %.  With --bench FILE ARCH N D M K EPOCHS BATCH THREADS
it instead times training of the torch model on a raw float32 N x D
embedding (run by bench/sae).
"""
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sae_expected", "sae_peer.tsv")
M64 = (1 << 64) - 1


# ---- src/rng.c in Python ---------------------------------------------------
def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    def __init__(self, seed=None, state=None):
        if state is not None:
            self.s = list(state)
            return
        x = seed & M64
        self.s = []
        for _ in range(4):
            x, z = _splitmix(x)
            self.s.append(z)

    def split(self, stream):
        s = self.s
        x = s[0] ^ ((s[3] * 0x9E3779B97F4A7C15) & M64) ^ ((stream * 0xD1B54A32D192ED03) & M64)
        out = []
        for _ in range(4):
            x, z = _splitmix(x)
            out.append(z)
        return Rng(state=out)

    def u64(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.u64() >> 11) * (2.0 ** -53)

    def below(self, n):
        lim = M64 - M64 % n
        while True:
            x = self.u64()
            if x < lim:
                return x % n

    def normal(self):
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                return u * math.sqrt(-2.0 * math.log(s) / s)

    def shuffle(self, a, n):
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            a[i], a[j] = a[j], a[i]


def planted(seed, n, d, K, noise):
    """The generator of test_sae_train.c, operation for operation."""
    r = Rng(seed)
    U = []
    for _ in range(K):
        u = [r.normal() for _ in range(d)]
        nrm = math.sqrt(sum(v * v for v in u))
        U.append([v / nrm for v in u])
    X = np.zeros((n, d), dtype=np.float32)
    for i in range(n):
        x = [0.0] * d
        s = 2 + r.below(2)
        used = []
        for _ in range(s):
            while True:
                k = r.below(K)
                if k not in used:
                    break
            used.append(k)
            a = 0.5 + r.uniform()
            for c in range(d):
                x[c] += a * U[k][c]
        for c in range(d):
            x[c] += noise * r.normal()
        X[i] = x
    return X, np.array(U)


def geometric_median(X):
    """Weiszfeld from the mean, as sae_geometric_median (double precision)."""
    X = X.astype(np.float64)
    y = X.mean(axis=0)
    ynorm = math.sqrt(float(y @ y))
    for _ in range(200):
        dist = np.sqrt(((X - y) ** 2).sum(axis=1))
        keep = dist >= 1e-10
        w = 1.0 / dist[keep]
        if not w.sum() > 0:
            break
        ny = (X[keep] * w[:, None]).sum(axis=0) / w.sum()
        shift = math.sqrt(float(((ny - y) ** 2).sum()))
        y = ny
        if shift < 1e-7 * (1 + ynorm):
            break
    return y.astype(np.float32)


# ---- the reference model -----------------------------------------------------
class RefSAE(torch.nn.Module):
    def __init__(self, d, m, arch, k, k_aux, l1, seed):
        super().__init__()
        self.arch, self.k, self.k_aux, self.l1 = arch, k, k_aux, l1
        r = Rng(seed).split(1)  # sae_create: rng_split(seed, 1)
        W = np.array([[r.normal() for _ in range(d)] for _ in range(m)])
        W /= np.sqrt((W * W).sum(axis=1, keepdims=True))
        W = W.astype(np.float32)
        self.W_dec = torch.nn.Parameter(torch.tensor(W))
        self.W_enc = torch.nn.Parameter(torch.tensor(W.copy()))  # encoder = decoder transpose
        self.b_enc = torch.nn.Parameter(torch.zeros(m))
        self.b_dec = torch.nn.Parameter(torch.zeros(d))

    def encode_pre(self, x):
        return (x - self.b_dec) @ self.W_enc.T + self.b_enc

    def activate(self, z):
        if self.arch == "topk":
            top = torch.topk(z, self.k, dim=1)
            return torch.zeros_like(z).scatter(1, top.indices, torch.relu(top.values))
        return torch.relu(z)

    def forward(self, x, dead=None):
        z = self.encode_pre(x)
        f = self.activate(z)
        xh = f @ self.W_dec + self.b_dec
        loss = ((xh - x) ** 2).mean()
        if self.arch == "relu-l1":
            loss = loss + self.l1 * f.sum(dim=1).mean()
        if dead is not None and self.k_aux > 0 and bool(dead.any()):
            e = (x - xh).detach()
            var = ((e - e.mean(dim=0)) ** 2).sum()
            if var > 0:
                za = torch.where(dead[None, :], z, torch.full_like(z, -math.inf))
                top = torch.topk(za, min(self.k_aux, z.shape[1]), dim=1)
                vals = torch.relu(top.values)
                eh = (vals[:, :, None] * self.W_dec[top.indices]).sum(dim=1)
                loss = loss + (1.0 / 32) * ((eh - e) ** 2).sum() / var
        return loss, f, xh


def train(X, arch, m, k, k_aux, l1, epochs, bs, lr, seed, dead_window, val_frac=0.15, exact=True):
    """exact: mirror sparsesc's random streams (init, split, batch order);
    else numpy's generator (fast, for the benchmark).  Returns validation
    FVU, L0 and the seconds spent in the training loop."""
    n, d = X.shape
    ntrain = int(math.floor((1.0 - val_frac) * n + 1e-9))
    r0 = Rng(seed)
    r_split, r_shuffle = r0.split(2), r0.split(3)
    npr = np.random.default_rng(seed)
    rows = list(range(n)) if exact else npr.permutation(n)
    if exact:
        r_split.shuffle(rows, n)
    tr = X[rows[:ntrain]]
    scale = math.sqrt(d / float((tr.astype(np.float64) ** 2).sum(axis=1).mean()))
    if exact and ntrain > 10000:
        raise SystemExit("the geometric-median sample of > 10,000 cells is not mirrored here")
    if exact:
        model = RefSAE(d, m, arch, k, k_aux, l1, seed)
    else:
        torch.manual_seed(seed)
        model = RefSAE(1, 1, arch, k, k_aux, l1, seed)
        W = torch.randn(m, d)
        W /= W.norm(dim=1, keepdim=True)
        model.W_dec, model.W_enc = torch.nn.Parameter(W), torch.nn.Parameter(W.clone())
        model.b_enc, model.b_dec = torch.nn.Parameter(torch.zeros(m)), torch.nn.Parameter(torch.zeros(d))
    with torch.no_grad():
        model.b_dec.copy_(torch.tensor(geometric_median(tr[:10000] * np.float32(scale))))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    Xs = torch.tensor(X * np.float32(scale))
    since = torch.zeros(m, dtype=torch.long)
    t0 = time.time()
    for ep in range(epochs):
        if exact:
            r_shuffle.shuffle(rows, ntrain)
        else:
            rows[:ntrain] = npr.permutation(rows[:ntrain])
        for r0_ in range(0, ntrain, bs):
            xb = Xs[rows[r0_:min(r0_ + bs, ntrain)]]
            dead = since >= dead_window if arch == "topk" else None
            opt.zero_grad()
            loss, f, _ = model(xb, dead)
            loss.backward()
            with torch.no_grad():
                W, G = model.W_dec, model.W_dec.grad
                G -= (G * W).sum(dim=1, keepdim=True) / (W * W).sum(dim=1, keepdim=True) * W
            opt.step()
            with torch.no_grad():
                model.W_dec /= model.W_dec.norm(dim=1, keepdim=True)
                fired = (f > 0).any(dim=0)
                since = torch.where(fired, torch.zeros_like(since), since + xb.shape[0])
        fvu, l0 = evaluate(model, Xs, rows[ntrain:])  # per epoch, as sparsesc's loop does
    return fvu, l0, time.time() - t0


@torch.no_grad()
def evaluate(model, Xs, val):
    x = Xs[val]
    _, f, xh = model(x)
    se = float(((x - xh) ** 2).sum())
    tv = float(((x - x.mean(dim=0)) ** 2).sum())
    return se / tv, float((f > 0).sum()) / x.shape[0]


# settings: name, arch, n, d, K, noise, data seed, m, k, k_aux, l1, epochs, batch, lr, seed, dead window
SETTINGS = [
    ("planted_topk", "topk", 4096, 16, 64, 0.02, 42, 128, 3, 8, 0.0, 40, 64, 3e-3, 1, 2000),
    ("planted_relu_l1", "relu-l1", 4096, 16, 64, 0.02, 42, 128, 0, 0, 0.1, 40, 64, 3e-3, 1, 2000),
]
COLS = "name arch n d K noise data_seed features k k_aux l1 epochs batch lr seed dead_window data_sum fvu l0".split()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    lines = ["# written by tests/peer/sae_peer.py with torch %s numpy %s; rerun to refresh"
             % (torch.__version__, np.__version__), "\t".join(COLS)]
    for (name, arch, n, d, K, noise, dseed, m, k, kaux, l1, ep, bs, lr, seed, dw) in SETTINGS:
        X, _ = planted(dseed, n, d, K, noise)
        t0 = time.time()
        fvu, l0, _ = train(X, arch, m, k, kaux, l1, ep, bs, lr, seed, dw)
        print(f"{name}: fvu {fvu:.5f} l0 {l0:.4f} ({time.time() - t0:.1f} s)", file=sys.stderr)
        dsum = math.fsum(float(v) for v in X.ravel())  # lets the C test check it generated the same data
        vals = [name, arch, n, d, K, noise, dseed, m, k, kaux, l1, ep, bs, lr, seed, dw, f"{dsum:.10f}", f"{fvu:.6f}",
                f"{l0:.6f}"]
        lines.append("\t".join(str(v) for v in vals))
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)


def bench(path, arch, n, d, m, k, epochs, bs, threads):
    """Cells per second of the torch reference on a raw float32 file
    (training loop with its per-epoch validation, as sparsesc's fit)."""
    torch.set_num_threads(threads)
    X = np.fromfile(path, dtype=np.float32).reshape(n, d)
    fvu, l0, dt = train(X, arch, m, k, d // 2, 1.0 / d, epochs, bs, 1e-3, 1, 10000, exact=False)
    ntrain = int(math.floor(0.85 * n + 1e-9))
    print(f"torch\t{arch}\t{ntrain * epochs / dt:.0f}\t{fvu:.5f}\t{l0:.3f}\t{dt:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bench":
        a = sys.argv[2:]
        bench(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]), int(a[8]))
    else:
        main()

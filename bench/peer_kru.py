#!/usr/bin/env python3
"""The KRU training step as a researcher would write it in PyTorch: the peer row of `npm run bench -- --peer`.

Same model, task and step as the app's default KRU (docs/model.md): complex64 parameters, one tensordot per
Kronecker factor, a Python loop over t, cReLU, a real read-out of [Re h_T; Im h_T], the adding problem's mean
squared error at the last step, λ·Σ_f ‖W_fᴴW_f − I‖_F² (λ = 0.01), RMSProp (lr 1e-3, α 0.9, ε 1e-6), and the
per-step metrics the app shows: ‖∂L/∂h_t‖ for every t (retain_grad on each h_t) and the norm of each parameter
group's gradient. One thread (torch.set_num_threads(1)): the tfjs cpu backend is single-threaded too.

    python3 bench/peer_kru.py --sizes 64,128 [--T 100] [--batch 32] [--check weights.json]

prints one JSON object per line: {"N", "msPerStep", "cpuMsPerStep", "pageFaults", "reps", "torch"} per size
(medians of wall time, process CPU time and minor page faults per step), and with --check the step-1
loss, regulariser and ‖∂L/∂h_t‖ computed from the weights and batch in weights.json (written by bench/peer.ts)
before any update, so the two implementations can be compared on the same numbers.
"""

import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

LAMBDA = 0.01
LR = 1e-3


class KRU(torch.nn.Module):
    """W = W_0 ⊗ … ⊗ W_{F−1} (numpy-kron order, W_0 outermost), h_t = cReLU(W h_{t−1} + U x_t + b)."""

    def __init__(self, sizes, D, K):
        super().__init__()
        self.sizes = list(sizes)
        self.N = math.prod(self.sizes)
        N = self.N
        self.factors = torch.nn.ParameterList(
            [torch.nn.Parameter(haar_unitary(p)) for p in self.sizes]
        )
        self.U = torch.nn.Parameter(torch.complex(torch.randn(N, D), torch.randn(N, D)) / math.sqrt(D))
        self.b = torch.nn.Parameter(torch.zeros(N, dtype=torch.complex64))
        self.V = torch.nn.Parameter(torch.randn(K, 2 * N) / math.sqrt(2 * N))
        self.c = torch.nn.Parameter(torch.zeros(K))

    def forward(self, x):
        B, T, _ = x.shape
        h = torch.zeros(B, self.N, dtype=torch.complex64)
        xc = x.to(torch.complex64)
        hs = []
        for t in range(T):
            z = h.reshape(B, *self.sizes)
            for f, W in enumerate(self.factors):
                # y[..., i, ...] = Σ_j W[i, j] z[..., j, ...] along axis f (+1 for the batch)
                z = torch.movedim(torch.tensordot(z, W, dims=([f + 1], [1])), -1, f + 1)
            # U x_t + b per step (slicing a precomputed U x instead costs a [B, T, N] zero-fill per step in the
            # backward: O(T²))
            a = z.reshape(B, self.N) + xc[:, t] @ self.U.T + self.b
            h = torch.complex(torch.relu(a.real), torch.relu(a.imag))
            h.retain_grad()
            hs.append(h)
        y = torch.cat([h.real, h.imag], dim=1) @ self.V.T + self.c
        return y, hs

    def penalty(self):
        r = 0
        for W in self.factors:
            eye = torch.eye(W.shape[0], dtype=W.dtype)
            r = r + (W.conj().T @ W - eye).abs().pow(2).sum()
        return r


def haar_unitary(p):
    """QR of a complex Gaussian with the phase fix: Haar-distributed, as the app's `unitary` init."""
    z = torch.complex(torch.randn(p, p), torch.randn(p, p)) / math.sqrt(2)
    q, r = torch.linalg.qr(z)
    d = torch.diagonal(r)
    return q * (d / d.abs())


def adding_batch(B, T):
    """The adding problem: x[:, :, 0] ~ U(0, 1), two markers in x[:, :, 1], target the sum of the marked."""
    x = torch.zeros(B, T, 2)
    x[:, :, 0] = torch.rand(B, T)
    half = T // 2
    i = torch.randint(0, half, (B,))
    j = torch.randint(half, T, (B,))
    rows = torch.arange(B)
    x[rows, i, 1] = 1
    x[rows, j, 1] = 1
    target = x[rows, i, 0] + x[rows, j, 0]
    return x, target


def train_step(model, opt, x, target):
    y, hs = model(x)
    loss = ((y[:, 0] - target) ** 2).mean()
    reg = model.penalty()
    total = loss + LAMBDA * reg
    opt.zero_grad()
    total.backward()
    with torch.no_grad():
        g_t = torch.stack([h.grad.abs().pow(2).sum().sqrt() for h in hs])
        groups = torch.stack([p.grad.abs().pow(2).sum().sqrt() for p in model.parameters()])
        metrics = torch.cat([torch.stack([loss.detach(), reg.detach()]), g_t, groups]).tolist()
    opt.step()
    return metrics


def time_steps(N, T, B, warmup_s=1.5, budget_s=12.0, max_reps=11):
    sizes = [2] * int(round(math.log2(N)))
    model = KRU(sizes, D=2, K=1)
    opt = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=0.9, eps=1e-6)
    w0 = time.perf_counter()
    n = 0
    while n < 2 or (n < 30 and time.perf_counter() - w0 < warmup_s):
        train_step(model, opt, *adding_batch(B, T))
        n += 1
    times, cpu, faults = [], [], []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < 1 or time.perf_counter() - start < budget_s):
        t0, c0, f0 = time.perf_counter(), time.process_time(), minor_faults()
        train_step(model, opt, *adding_batch(B, T))
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        faults.append(minor_faults() - f0)
    return statistics.median(times), statistics.median(cpu), statistics.median(faults), len(times)


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def check(path):
    """Step-1 numbers from the weights and batch of one of the app's runs (no update applied)."""
    with open(path) as f:
        w = json.load(f)
    sizes, N, D, K, B, T = w["sizes"], w["N"], w["D"], w["K"], w["B"], w["T"]
    model = KRU(sizes, D=D, K=K)
    fac = torch.tensor(w["factors"], dtype=torch.float32)
    off = 0
    with torch.no_grad():
        for f, p in enumerate(sizes):
            re = fac[off : off + p * p].reshape(p, p)
            im = fac[off + p * p : off + 2 * p * p].reshape(p, p)
            model.factors[f].copy_(torch.complex(re, im))
            off += 2 * p * p
        U = torch.tensor(w["U"], dtype=torch.float32).reshape(2, N, D)
        model.U.copy_(torch.complex(U[0], U[1]))
        b = torch.tensor(w["b"], dtype=torch.float32).reshape(2, N)
        model.b.copy_(torch.complex(b[0], b[1]))
        model.V.copy_(torch.tensor(w["V"], dtype=torch.float32).reshape(K, 2 * N))
        model.c.copy_(torch.tensor(w["c"], dtype=torch.float32))
    x = torch.tensor(w["x"], dtype=torch.float32).reshape(B, T, D)
    target = torch.tensor(w["target"], dtype=torch.float32)
    opt = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=0.9, eps=1e-6)
    m = train_step(model, opt, x, target)
    return {"N": N, "loss": m[0], "reg": m[1], "gT": m[2 : 2 + T]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="64,128,256,512,1024")
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--check")
    ap.add_argument("--warmup-s", type=float, default=1.5)
    ap.add_argument("--budget-s", type=float, default=12.0)
    args = ap.parse_args()
    torch.manual_seed(1)
    if args.check:
        print(json.dumps({"check": check(args.check)}), flush=True)
    for N in [int(s) for s in args.sizes.split(",") if s]:
        ms, cpu, faults, reps = time_steps(N, args.T, args.batch, args.warmup_s, args.budget_s)
        row = {"N": N, "msPerStep": ms, "cpuMsPerStep": cpu, "pageFaults": faults, "reps": reps}
        print(json.dumps({**row, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    sys.exit(main())

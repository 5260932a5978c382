"""Calibration of rgflow.network_sample (MCMC on the real weights) against the exact one-scalar mixture.

    python bench/network_sample.py | tee bench/network_sample_results.txt

Part 1: DRAWS random cases, α ∈ [0.1, 2], β ∈ [−0.5, 3], κ log-uniform in [0.01, 10], width N
log-uniform in [2, 256], depth L ∈ {1..4}, both parameterizations, Λ = P ∈ [4, 64],
λ_k = k^-(1+α), y_k = k^-(1+β)/2, each run with the default settings (4 chains × 2000 sweeps, 32
batches). For every mode, z = (sampled − reference)/stderr for ⟨Δ_k⟩ and for Var Δ_k; the reference is
the quadrature of tests/test_network_sample.py (independent of rgflow.exact). Per draw: max|z|,
mean z², z of E[Q|Y], the effective sample size of Q; pooled: the fraction of |z| < 1, 2, 3, to be
compared with Student's t with (batches − 1) degrees of freedom (the batch-means z), ≈ 68/95/99.7%.

Part 2: wall time of a larger case, P = Λ = 256, N = 512 (L = 1, 2), also checked in z.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from test_network_sample import power_law, reference  # noqa: E402

from rgflow.network_sample import SAMPLE_DEFAULTS as DEFAULTS  # noqa: E402
from rgflow.network_sample import sample_network

DRAWS = 24
SEED = 20261207


def draw_cases(n, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        alpha = rng.uniform(0.1, 2.0)
        beta = rng.uniform(-0.5, 3.0)
        kappa = math.exp(rng.uniform(math.log(0.01), math.log(10.0)))
        N = int(round(math.exp(rng.uniform(math.log(2), math.log(256)))))
        L = int(rng.integers(1, 5))
        par = ("standard", "mean-field")[i % 2]
        P = int(rng.integers(4, 65))
        cases.append((P, alpha, beta, kappa, N, L, par))
    return cases


def zscores(res, ref):
    zm = (res["mean"] - ref["mean"]) / res["mean_stderr"]
    zv = (res["var"] - ref["var"]) / res["var_stderr"]
    return np.concatenate([zm, zv])


def main():
    print("# python bench/network_sample.py   (numpy %s; defaults %s)" % (np.__version__, DEFAULTS))
    print(f"# load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("# part 1: z-score calibration on %d random draws (seed %d)" % (DRAWS, SEED))
    print(
        f"{'#':>3} {'P':>3} {'alpha':>5} {'beta':>5} {'kappa':>7} {'N':>4} {'L':>2} {'param':>10} "
        f"{'max|z|':>6} {'<z2>':>5} {'z_Q':>6} {'ESS_Q':>6} {'sec':>6}"
    )
    pooled = []
    nb = None
    t_all = time.perf_counter()
    for i, (P, alpha, beta, kappa, N, L, par) in enumerate(draw_cases(DRAWS, SEED)):
        lam, y = power_law(P, alpha, beta)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always", RuntimeWarning)
            res = sample_network(lam, y, P, kappa, N, L, par, seed=i)
        sec = time.perf_counter() - t0
        ref = reference(lam, y, P, kappa, N, L, par)
        z = zscores(res, ref)
        zq = (res["Q_mean"] - ref["Q_mean"]) / res["Q_stderr"]
        pooled.append(z)
        nb = res["batches"]
        flag = "  (warned: ESS)" if w else ""
        print(
            f"{i:3d} {P:3d} {alpha:5.2f} {beta:5.2f} {kappa:7.3f} {N:4d} {L:2d} {par:>10} "
            f"{np.max(np.abs(z)):6.2f} {np.mean(z * z):5.2f} {zq:6.2f} {res['Q_ess']:6.0f} {sec:6.1f}{flag}",
            flush=True,
        )
    z = np.concatenate(pooled)
    a = np.abs(z)
    t = stats.t(nb - 1)
    print(
        f"# pooled over {z.size} z-scores ({DRAWS} draws, {nb} batches each): "
        f"|z|<1 {100 * np.mean(a < 1):.1f}%, |z|<2 {100 * np.mean(a < 2):.1f}%, |z|<3 {100 * np.mean(a < 3):.2f}%, "
        f"mean z2 {np.mean(z * z):.3f}, max |z| {a.max():.2f}"
    )
    print(
        f"# expected for Student's t({nb - 1}): {100 * (2 * t.cdf(1) - 1):.1f}%, {100 * (2 * t.cdf(2) - 1):.1f}%, "
        f"{100 * (2 * t.cdf(3) - 1):.2f}%, mean z2 {(nb - 1) / (nb - 3):.3f}; normal: 68.3%, 95.4%, 99.73%"
    )
    print(f"# part 1 wall time {time.perf_counter() - t_all:.0f} s")

    print("# part 2: a larger case, P = Lambda = 256, N = 512, alpha = 0.5, beta = 0.5, kappa = 0.5, standard")
    for L in (1, 2):
        lam, y = power_law(256, 0.5, 0.5)
        kw = dict(samples=400, burn=40, chains=4, batches=8)
        t0 = time.perf_counter()
        res = sample_network(lam, y, 256, 0.5, 512, L, "standard", seed=1, **kw)
        sec = time.perf_counter() - t0
        ref = reference(lam, y, 256, 0.5, 512, L, "standard")
        z = zscores(res, ref)
        sweeps = kw["chains"] * (kw["samples"] + kw["burn"])
        print(
            f"# L = {L}: {kw}: {sec:.1f} s, {1e3 * sec / sweeps:.1f} ms per chain-sweep, ESS_Q {res['Q_ess']:.0f}, "
            f"max|z| {np.max(np.abs(z)):.2f}, mean z2 {np.mean(z * z):.2f}, "
            f"max_k stderr(<Delta_k>)/sd(Delta_k) {np.max(res['mean_stderr'] / np.sqrt(res['var'])):.3f}",
            flush=True,
        )
    print(f"# load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings are shared-machine)")


if __name__ == "__main__":
    main()

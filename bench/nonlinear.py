"""One hidden nonlinear layer on real inputs: sampled weights (HMC) against kernel renormalization.

For each activation (erf, relu), width N, temperature κ and training size P: one training set of P points
drawn (seeded) from sklearn's breast_cancer (d = 30, standardized; target: the malignant indicator, 0/1),
tested on the remaining points. The network f(x) = Σ_c a_c φ(w_c·x/√d), a_c ~ N(0, 1/N), w_c ~ N(0, I),
posterior at T = κ, is sampled by rgflow.nonlinear.sample_posterior; its posterior-mean predictor f̂ is
compared with three theories on the SAME training set:

    mixture  the exact scalar mixture of the Gaussian-equivalent network (Q ~ χ²_N/N; for relu (σ, Q_⊥))
    saddle   its large-N saddle point (Pacelli et al. 2023: one scalar Q̄; relu: Q̄ and Q̄₀ of the mean mode)
    gp       N = ∞ (the NNGP posterior mean)

Columns: E = test error (1/n) Σ_i (f̂_i − f_i)² of the sampled predictor (less the sampling noise
mean SE_i², an unbiased estimate of the error of the exact posterior mean), its standard error (batch means,
or the spread of the 4 chains if larger), the ratios E / E_theory ± SE, and chi2 = mean_i ((f̂_i −
f̂_theory,i)/SE_i)² over the test points (≈ 1 if the theory's predictor equals the network's within sampling
error). "holds" = |E/E_mix − 1| ≤ 2 SE and chi2_mix ≤ 3.

    python bench/nonlinear.py [--quick] [--dataset NAME] [--acts erf,relu] [--P 20,80] [--kappas ...] [--widths ...]
"""

import argparse
import math
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from rgflow.krr import real_dataset  # noqa: E402
from rgflow.nonlinear import kernel_renormalization, sample_posterior  # noqa: E402


def run(X, f, act, N, kappa, P, seed=0, samples=400, burn=200):
    rng = np.random.default_rng([seed, P])
    idx = rng.choice(len(f), P, replace=False)
    test = np.setdiff1d(np.arange(len(f)), idx)
    Xtr, Ytr, Xte, fte = X[idx], f[idx], X[test], f[test]
    t0 = time.time()
    s = sample_posterior(Xtr, Ytr, N, kappa, act, Xte, samples=samples, burn=burn, chains=4, batches=5, seed=seed)
    dt = time.time() - t0
    noise = float(np.mean(s.stderr**2))
    E = float(np.mean((s.mean - fte) ** 2)) - noise
    lin = (2.0 * (s.mean - fte) * (s.batch_means - s.mean)).mean(axis=1)  # per batch, linearized
    se_b = float(lin.std(ddof=1) / math.sqrt(len(lin)))
    chain_E = [float(np.mean((c - fte) ** 2)) for c in s.batch_means.reshape(4, -1, len(fte)).mean(axis=1)]
    se_c = float(np.std(chain_E, ddof=1) / 2.0)
    se = max(se_b, se_c)
    row = {"act": act, "N": N, "kappa": kappa, "P": P, "E": E, "se": se, "Q": s.Q, "acc": s.acceptance, "time": dt}
    for m in ("mixture", "saddle", "gp"):
        th = kernel_renormalization(Xtr, Ytr, N, kappa, act, Xte, method=m)
        Et = float(np.mean((th.predictor - fte) ** 2))
        row[m] = Et
        row["ratio_" + m] = E / Et
        row["se_" + m] = se / Et
        row["chi2_" + m] = float(np.mean(((s.mean - th.predictor) / s.stderr) ** 2))
        row["Q_" + m] = th.Q
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dataset", default="breast_cancer")
    ap.add_argument("--acts", default="erf,relu")
    ap.add_argument("--P", default=None, help="comma-separated training sizes (default 20,80)")
    ap.add_argument("--kappas", default=None, help="comma-separated temperatures (default 0.01,0.1,1)")
    ap.add_argument("--widths", default=None, help="comma-separated widths (default 4,16,64,256)")
    args = ap.parse_args()
    X, f = real_dataset(args.dataset, "class")
    widths = (4, 64) if args.quick else (4, 16, 64, 256)
    kappas = (0.1,) if args.quick else (0.01, 0.1, 1.0)
    Ps = (20,) if args.quick else (20, 80)
    if args.P:
        Ps = tuple(int(p) for p in args.P.split(","))
    if args.kappas:
        kappas = tuple(float(k) for k in args.kappas.split(","))
    if args.widths:
        widths = tuple(int(n) for n in args.widths.split(","))
    print(f"{args.dataset}: n = {len(f)}, d = {X.shape[1]}; target mean {f.mean():.3f}, var {f.var():.3f}")
    print(
        f"{'act':>4} {'N':>4} {'kappa':>5} {'P':>3} {'E_net':>7} {'+-se':>6} {'E/E_mix':>7} {'+-':>5} "
        f"{'chi2':>6} {'E/E_sad':>7} {'chi2':>6} {'E/E_gp':>7} {'chi2':>7} {'Q_net':>6} {'Q_mix':>6} "
        f"{'acc':>4} {'s':>4} holds"
    )
    for act in args.acts.split(","):
        for P in Ps:
            for kappa in kappas:
                for N in widths:
                    r = run(X, f, act, N, kappa, P)
                    holds = abs(r["ratio_mixture"] - 1) <= 2 * r["se_mixture"] and r["chi2_mixture"] <= 3
                    print(
                        f"{act:>4} {N:4d} {kappa:5g} {P:3d} {r['E']:7.4f} {r['se']:6.4f} "
                        f"{r['ratio_mixture']:7.3f} {r['se_mixture']:5.3f} {r['chi2_mixture']:6.1f} "
                        f"{r['ratio_saddle']:7.3f} {r['chi2_saddle']:6.1f} {r['ratio_gp']:7.3f} "
                        f"{r['chi2_gp']:7.1f} {r['Q']:6.3f} {r['Q_mixture']:6.3f} {r['acc']:4.2f} "
                        f"{r['time']:4.0f} {'yes' if holds else 'NO'}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()

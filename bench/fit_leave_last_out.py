"""Leave-last-out validation of ``rgflow fit`` on real kernel ridge regression (issue 24 item 6).

For each scikit-learn bundled data set × kernel: real KRR (``KernelRidge(alpha=κ)``, κ = 0.01, the class
target of :func:`rgflow.krr.real_dataset`) learning curves, one nested run per seed (a random order of the N
points, the first P trained on, the test error over all N points), SEEDS runs. Fit on the P ≤ 0.05 N
points only, predict 0.1 N and 0.2 N, and compare with the measured mean there (TRUTH_SEEDS runs):

* rgflow-spectrum: :func:`rgflow.fit.fit_curve` with the spectrum of the N points (λ_k, y_k of
  :func:`rgflow.data.spectrum_from_gram`; it reads the inputs and the labels of all N points, as the test
  error itself does), fitting κ_eff and σ² only;
* rgflow-power-law: the power law λ_k = k^-(1+α), y_k² = B k^-(1+β), Λ = N modes, fitting α, β, κ, B, σ²;
* power-law-plus-constant a P^-b + c (least squares on E) and Chinchilla-style e^E0 + e^A P^-b (Huber on
  ln E, grid of starts), fitted to the same points.

Every model gets a central 90% band from the bootstrap over the seeds (whole curves resampled). The table
gives each prediction, its error relative to the measured value, and whether the band covers it.

    OMP_NUM_THREADS=1 python bench/fit_leave_last_out.py [--quick]  > bench/fit_leave_last_out_results.txt
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.fit import fit_baseline, fit_curve  # noqa: E402
from rgflow.krr import real_dataset  # noqa: E402

DATASETS = ("breast_cancer", "diabetes", "digits")
KERNELS = ("rbf", "laplace")
KAPPA = 0.01
SEEDS = 20
TRUTH_SEEDS = 60
MODELS = ("rgflow-spectrum", "rgflow-power-law", "power_law_constant", "chinchilla")


def krr_runs(K, f, Ps, seeds, offset=0):
    """Test error over all N points of KRR trained on the first P points of a random order, per seed and P."""
    from sklearn.kernel_ridge import KernelRidge

    N = len(f)
    out = np.empty((len(seeds), len(Ps)))
    for i, s in enumerate(seeds):
        order = np.random.default_rng([offset, s]).permutation(N)
        for j, P in enumerate(Ps):
            idx = order[:P]
            m = KernelRidge(alpha=KAPPA, kernel="precomputed").fit(K[np.ix_(idx, idx)], f[idx])
            out[i, j] = float(np.mean((m.predict(K[:, idx]) - f) ** 2))
    return out


def one(dataset, kernel, bootstrap):
    X, f = real_dataset(dataset, "class")
    K = kernel_matrix(X, kernel=kernel)
    N = len(f)
    P_fit = np.unique(np.round(np.geomspace(5, 0.05 * N, 7)).astype(int))
    P_star = [int(0.1 * N), int(0.2 * N)]
    runs = krr_runs(K, f, P_fit, range(SEEDS))
    truth = krr_runs(K, f, P_star, range(TRUTH_SEEDS), offset=1)
    t_mean, t_se = truth.mean(axis=0), truth.std(axis=0, ddof=1) / np.sqrt(TRUTH_SEEDS)
    P = np.repeat(P_fit[None, :], SEEDS, axis=0).ravel()
    E = runs.ravel()
    seed = np.repeat(np.arange(SEEDS), len(P_fit))
    spec = spectrum_from_gram(K, f)
    opts = dict(predict_P=P_star, bootstrap=bootstrap)
    fits = {}
    t0 = time.perf_counter()
    fits["rgflow-spectrum"] = fit_curve(P, E, seed, spectrum=spec, kappa=KAPPA, **opts)
    fits["rgflow-power-law"] = fit_curve(P, E, seed, cutoff=N, **opts)
    fits["power_law_constant"] = fit_baseline(P, E, seed, form="power_law_constant", **opts)
    fits["chinchilla"] = fit_baseline(P, E, seed, form="chinchilla", **opts)
    return {
        "dataset": dataset,
        "kernel": kernel,
        "N": N,
        "P_fit": P_fit,
        "P_star": P_star,
        "truth": t_mean,
        "truth_se": t_se,
        "fits": fits,
        "seconds": time.perf_counter() - t0,
    }


def main(quick=False):
    datasets = DATASETS[:1] if quick else DATASETS
    kernels = KERNELS[:1] if quick else KERNELS
    bootstrap = 20 if quick else 100
    print(
        f"# rgflow fit, leave-last-out on real KRR: kappa = {KAPPA}, class targets, {SEEDS} seeds (nested runs) "
        f"fitted on P <= 0.05 N, truth = mean of {TRUTH_SEEDS} runs at 0.1 N and 0.2 N; 90% bands by bootstrap "
        f"over seeds ({bootstrap} resamples)"
    )
    print(
        f"{'dataset':>13} {'kernel':>7} {'N':>5} {'P*':>4} {'measured':>9} {'+-se%':>5} | "
        + " | ".join(f"{m:>26}" for m in MODELS)
    )
    print(
        f"{'':>13} {'':>7} {'':>5} {'':>4} {'':>9} {'':>5} | "
        + " | ".join(f"{'pred   err%  band   in':>26}" for _ in MODELS)
    )
    errs = {m: [] for m in MODELS}
    cover = {m: [] for m in MODELS}
    widths = {m: [] for m in MODELS}
    for ds in datasets:
        for kn in kernels:
            r = one(ds, kn, bootstrap)
            for j, Ps in enumerate(r["P_star"]):
                t = r["truth"][j]
                cells = []
                for m in MODELS:
                    p = r["fits"][m].prediction[j]
                    e = p["value"] / t - 1
                    inside = p["lower"] <= t <= p["upper"]
                    w = (p["upper"] - p["lower"]) / p["value"]
                    errs[m].append(abs(e))
                    cover[m].append(inside)
                    widths[m].append(w)
                    cells.append(f"{p['value']:9.4g} {100 * e:+6.1f} {100 * w:5.0f}% {'yes' if inside else ' no':>4}")
                print(
                    f"{ds:>13} {kn:>7} {r['N']:5d} {Ps:4d} {t:9.4g} {100 * r['truth_se'][j] / t:5.1f} | "
                    + " | ".join(f"{c:>26}" for c in cells),
                    flush=True,
                )
            fs = r["fits"]["rgflow-spectrum"]
            fp = r["fits"]["rgflow-power-law"]
            print(
                f"{'':>13}   fitted P = {','.join(map(str, r['P_fit']))}; spectrum mode kappa_eff/kappa = "
                f"{fs.derived.get('kappa_eff_over_kappa', float('nan')):.3g}, sigma2 = {fs.fitted['sigma2']:.3g}, "
                f"drift part of the band {fs.derived.get('drift', {}) and max(fs.derived['drift']['half_width_upper']):.3f} "
                f"(ln E); power law alpha = {fp.fitted['alpha']:.3g}, beta = {fp.fitted['beta']:.3g} "
                f"({r['seconds']:.0f} s)",
                flush=True,
            )
    print("\n# summary over every (data set, kernel, P*)")
    print(
        f"{'model':>20} {'mean |err|':>10} {'median |err|':>12} {'coverage of 90% band':>21} {'median band width':>18}"
    )
    for m in MODELS:
        print(
            f"{m:>20} {100 * np.mean(errs[m]):9.1f}% {100 * np.median(errs[m]):11.1f}% "
            f"{sum(cover[m]):>11d}/{len(cover[m]):<9d} {100 * np.median(widths[m]):17.0f}%"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])

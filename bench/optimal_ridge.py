"""The optimal ridge of the U = 0 theories against the grid-searched optimum of real KRR (issue 24 item 4).

For scikit-learn bundled data sets × kernels (class targets of :func:`rgflow.krr.real_dataset`) and
P = 0.05 N, 0.2 N: real KRR (``KernelRidge(alpha=κ)``, test error over all N points, DRAWS draws of P
points per κ) on a grid of 16 ridges κ ∈ [10⁻⁴, 10] (log-spaced), its best κ and error; against
:func:`rgflow.optimal.optimal_ridge` with the renormalized theory (spectrum of the N points), the pointwise
theory (Gram matrix; N ≤ 600 here, for time) and the bare one (always ridgeless: its error → 0 as κ → 0).
Columns: each theory's κ*, its predicted error at κ*, and the KRR error measured at that κ* relative to
KRR's grid optimum (1.000 = as good as the grid search).

    OMP_NUM_THREADS=1 python bench/optimal_ridge.py [--quick] > bench/optimal_ridge_results.txt
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import krr_test_error, real_dataset  # noqa: E402
from rgflow.optimal import optimal_ridge  # noqa: E402

DATASETS = ("wine", "breast_cancer", "diabetes", "digits")
KERNELS = ("rbf", "laplace")
GRID = np.geomspace(1e-4, 10, 16)
DRAWS = 200


def main(quick=False):
    datasets = DATASETS[:2] if quick else DATASETS
    draws = 40 if quick else DRAWS
    print(f"# optimal ridge: theory vs real KRR grid search (16 ridges 1e-4..10, {draws} draws each); class targets")
    print(
        f"{'dataset':>13} {'kernel':>7} {'N':>5} {'P':>4} | {'KRR k*':>8} {'KRR E*':>8} | "
        f"{'renorm k*':>9} {'E_pred':>8} {'KRR@k*/best':>11} | {'pointw k*':>9} {'E_pred':>8} {'KRR@k*/best':>11} | "
        f"{'bare k*':>7}"
    )
    ratios = {"renormalized": [], "pointwise": []}
    preds = {"renormalized": [], "pointwise": []}
    for ds in datasets:
        X, f = real_dataset(ds, "class")
        for kn in KERNELS:
            K = kernel_matrix(X, kernel=kn)
            N = len(f)
            spec = spectrum_from_gram(K, f)
            for P in (max(5, int(0.05 * N)), int(0.2 * N)):
                t0 = time.perf_counter()
                krr = np.array([krr_test_error(K, f, P, k, draws=draws)["mean"] for k in GRID])
                i = int(np.argmin(krr))
                cells = []
                for theory in ("renormalized", "pointwise"):
                    if theory == "pointwise" and N > 600:
                        cells.append(f"{'-':>9} {'-':>8} {'-':>11}")
                        continue
                    best = optimal_ridge(spec if theory == "renormalized" else None, P, theory, gram=K, f=f)
                    k_eval = best.kappa if best.kappa > 0 else best.bounds[0]
                    at = krr_test_error(K, f, P, k_eval, draws=draws, seed=7)["mean"]
                    ratios[theory].append(at / krr[i])
                    preds[theory].append(best.test_error / krr[i])
                    label = "0 (rl)" if best.ridgeless else f"{best.kappa:.3g}"
                    cells.append(f"{label:>9} {best.test_error:8.4f} {at / krr[i]:11.3f}")
                bare = optimal_ridge(spec, P, "bare")
                print(
                    f"{ds:>13} {kn:>7} {N:5d} {P:4d} | {GRID[i]:8.3g} {krr[i]:8.4f} | "
                    + " | ".join(cells)
                    + f" | {'0 (rl)' if bare.ridgeless else f'{bare.kappa:.3g}':>7}   ({time.perf_counter() - t0:.0f} s)",
                    flush=True,
                )
    print("\n# summary: KRR error at the theory's k* / KRR's grid optimum, and predicted E* / KRR's E*")
    for theory in ratios:
        r, p = np.array(ratios[theory]), np.array(preds[theory])
        print(
            f"{theory:>13}: KRR@k*/best median {np.median(r):.3f}, max {r.max():.3f} (n = {r.size}); "
            f"E_pred/KRR E* median {np.median(p):.3f}, range [{p.min():.3f}, {p.max():.3f}]"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])

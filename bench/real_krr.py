"""Real kernel ridge regression on scikit-learn's bundled data sets against the U = 0 theory on the
measured spectrum (all N points): test error of KRR (mean over P-point draws without replacement, error
over the whole data set, draws until the standard error is below 2%) against the renormalized ridge
(eigenlearning) and the bare mass r = P/κ (``rgflow.ridge``), and the fitted exponents of each
spectrum with their drift across windows (``rgflow.data``).

    python bench/real_krr.py [DATASET,...] [--quick]     # default digits,breast_cancer,diabetes
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import exponent_drift, fit_power_law, kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import real_dataset, validate_real  # noqa: E402

KERNELS = ("rbf", "laplace", "ntk")
TARGETS = ("class", "smooth")
KAPPAS = (1.0, 0.1, 0.01)


def spectrum_summary(dataset, kernel, target):
    X, f = real_dataset(dataset, target)
    s = spectrum_from_gram(kernel_matrix(X, kernel=kernel), f)
    N = len(f)
    fit = fit_power_law(*s, k_lo=10, k_hi=N // 5)
    d = exponent_drift(*s, width=4, step=2, k_min=4, k_max=N // 2)
    return s, fit, d


def main(datasets=("digits", "breast_cancer", "diabetes"), quick=False):
    t0 = time.perf_counter()
    kappas = (1.0,) if quick else KAPPAS
    print(
        f"{'dataset':>13} {'kernel':>7} {'target':>6} {'kappa':>5} {'P':>4} {'draws':>5} "
        f"{'KRR':>9} {'+-se%':>5} {'KRR/renorm':>10} {'KRR/bare':>9} {'KRR/pointw':>10}"
    )
    rows = []
    for ds in datasets:
        for kn in KERNELS:
            for tg in TARGETS:
                for r in validate_real(ds, kn, tg, kappas=kappas):
                    rows.append(r)
                    flag = ("" if abs(r["ratio_renormalized"] - 1) <= 0.08 else "  *") + (
                        "" if abs(r["ratio_pointwise"] - 1) <= 0.08 else "  p"
                    )
                    print(
                        f"{ds:>13} {kn:>7} {tg:>6} {r['kappa']:5g} {r['P']:4d} {r['draws']:5d} "
                        f"{r['krr']:9.3e} {100 * r['krr_stderr'] / r['krr']:5.1f} "
                        f"{r['ratio_renormalized']:10.3f} {r['ratio_bare']:9.3f} {r['ratio_pointwise']:10.3f}{flag}",
                        flush=True,
                    )
    rr = np.array([r["ratio_renormalized"] for r in rows])
    bare = np.array([r["ratio_bare"] for r in rows])
    pw = np.array([r["ratio_pointwise"] for r in rows])
    print(
        f"\n{len(rows)} points; renormalized within 8%: {np.mean(np.abs(rr - 1) <= 0.08):.0%}; "
        f"KRR/renormalized in [{rr.min():.3f}, {rr.max():.3f}], KRR/bare in [{bare.min():.3f}, {bare.max():.3f}]"
    )
    print(
        f"pointwise renormalized ridge within 8%: {np.mean(np.abs(pw - 1) <= 0.08):.0%} "
        f"({int(np.sum(np.abs(pw - 1) <= 0.08))} of {len(pw)}); KRR/pointwise in [{pw.min():.3f}, {pw.max():.3f}]"
    )
    print("worst |KRR/renormalized − 1| per (kernel, target, κ) over data sets and P:")
    for kn in KERNELS:
        for tg in TARGETS:
            cells = []
            for kappa in kappas:
                sel = [
                    abs(r["ratio_renormalized"] - 1)
                    for r in rows
                    if r["kernel"] == kn and r["target"] == tg and r["kappa"] == kappa
                ]
                cells.append(f"κ={kappa:g}: {max(sel):.3f}")
            print(f"  {kn:>7} {tg:>6}  " + "  ".join(cells))
    print("\nfitted exponents (λ_k = A k^-(1+α), y_k² = B k^-(1+β)) on [10, N/5] and drift over windows [k, 4k]:")
    for ds in datasets:
        for kn in KERNELS:
            for tg in TARGETS:
                s, fit, d = spectrum_summary(ds, kn, tg)
                print(
                    f"  {ds:>13} {kn:>7} {tg:>6}: α = {fit['alpha']:.3f} ± {fit['alpha_err']:.3f}, "
                    f"β = {fit['beta']:.3f} ± {fit['beta_err']:.3f};  α over windows "
                    f"{' '.join(f'{a:.2f}' for a in d['alpha'])};  β "
                    f"{' '.join(f'{b:.2f}' for b in d['beta'])}  (k_lo {' '.join(str(int(k)) for k in d['k_lo'])})"
                )
    print(f"\n{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(tuple(args[0].split(",")) if args else ("digits", "breast_cancer", "diabetes"), quick="--quick" in sys.argv)

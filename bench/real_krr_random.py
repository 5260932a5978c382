"""Real KRR against the U = 0 theories on random draws (not a chosen grid): data set, kernel, target,
κ log-uniform in [1e-3, 10] and P log-uniform in [0.01 N, 0.2 N] (seeded). Per draw: KRR's test error
(scikit-learn's KernelRidge, P points without replacement, error over all N points, draws until the
standard error is < 2 %) against eigenlearning on the spectrum (``rgflow.ridge.ridge_errors``), the
pointwise renormalized ridge on the Gram matrix (``rgflow.ridge.pointwise_errors``) and the bare mass.

    python bench/real_krr_random.py [DRAWS] [SEED]        # default 40 draws, seed 14
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import krr_test_error, real_dataset  # noqa: E402
from rgflow.ridge import pointwise_errors, ridge_errors  # noqa: E402

DATASETS = ("digits", "breast_cancer", "diabetes", "wine")
KERNELS = ("rbf", "laplace", "ntk")
TARGETS = ("class", "smooth")


def main(n=40, seed=14):
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    cache = {}
    rows = []
    print(
        f"{'dataset':>13} {'kernel':>7} {'target':>6} {'kappa':>8} {'P':>4} {'draws':>5} {'KRR':>9} {'+-se%':>5} "
        f"{'/eigen':>7} {'/pointw':>7} {'/bare':>7}"
    )
    for _ in range(n):
        ds, kn, tg = rng.choice(DATASETS), rng.choice(KERNELS), rng.choice(TARGETS)
        kappa = float(10 ** rng.uniform(-3, 1))
        key = (ds, kn, tg)
        if key not in cache:
            X, f = real_dataset(ds, tg)
            K = kernel_matrix(X, kernel=kn)
            cache[key] = (K, f, spectrum_from_gram(K, f))
        K, f, s = cache[key]
        N = len(f)
        P = max(5, int(round(N * 10 ** rng.uniform(np.log10(0.01), np.log10(0.2)))))
        e = krr_test_error(K, f, P, kappa, seed=int(rng.integers(1 << 30)))
        r = {
            "eigen": e["mean"] / ridge_errors(*s, P, kappa).test_error,
            "pointwise": e["mean"] / pointwise_errors(K, f, P, kappa).test_error,
            "bare": e["mean"] / ridge_errors(*s, P, kappa, "bare").test_error,
        }
        rows.append(r)
        print(
            f"{ds:>13} {kn:>7} {tg:>6} {kappa:8.2e} {P:4d} {e['draws']:5d} {e['mean']:9.3e} "
            f"{100 * e['stderr'] / e['mean']:5.1f} {r['eigen']:7.3f} {r['pointwise']:7.3f} {r['bare']:7.3f}",
            flush=True,
        )
    for name in ("eigen", "pointwise", "bare"):
        x = np.array([r[name] for r in rows])
        print(
            f"KRR/{name}: within 8% at {int(np.sum(np.abs(x - 1) <= 0.08))} of {len(x)}, "
            f"range [{x.min():.3f}, {x.max():.3f}], median |ratio - 1| {np.median(np.abs(x - 1)):.3f}"
        )
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    a = [int(v) for v in sys.argv[1:3]]
    main(*a)

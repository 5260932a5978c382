"""Time of the pointwise ridge and of the pointwise network theory (one point each) on digits and breast_cancer.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/pointwise_speed.py

Run it on a quiet machine; to compare with an older commit, run the same file with PYTHONPATH pointing at a
checkout of that commit (the calls use only arguments every version has).
"""

import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from network_real import dataset  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.network_real import network_theory  # noqa: E402
from rgflow.ridge import pointwise_errors  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


if __name__ == "__main__":
    import rgflow

    print(f"# rgflow from {rgflow.__file__}")
    for name, P, kappa, width, repeat in [("breast_cancer", 100, 0.05, 32, 3), ("digits", 200, 0.05, 32, 1)]:
        X, f = dataset(name, "smooth")
        K = kernel_matrix(X, kernel="rbf")
        s = spectrum_from_gram(K, f)
        t_u0, r = best_of(lambda: pointwise_errors(K, f, P, kappa), repeat)
        t_net, th = best_of(
            lambda: network_theory(
                *s, P, kappa, width, 1, "mean-field", ridge="pointwise", gram=K, values=f, at_mode=False
            ),
            repeat,
        )
        print(
            f"{name:>14} N = {len(f)}, P = {P}, kappa = {kappa}: pointwise_errors {t_u0:6.2f} s; "
            f"network_theory(pointwise, width {width}) {t_net:6.2f} s  (test errors {r.test_error:.5f}, {th.test_error:.5f})",
            flush=True,
        )
    print(f"# numpy {np.__version__}")

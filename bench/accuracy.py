"""Worst-case relative error of every predictor against `exact`, per parameter set (docs/theory.md §4 check 5).

python bench/accuracy.py
"""

import sys
import time

import numpy as np

sys.path.insert(0, "tests")
from rgflow import Model, predict  # noqa: E402

from conftest import PARAMETER_SETS  # noqa: E402

METHODS = ("gp", "pt1", "rg-cutoff", "rg-1loop", "mean-field", "rg")


def main():
    head = f"{'alpha':>5} {'beta':>5} {'P':>5} {'kappa':>8} {'U':>5} | " + " ".join(f"{m:>10}" for m in METHODS)
    print("worst-case relative error of <Delta_k> (and of Var Delta_k) against exact")
    print(head)
    for params in PARAMETER_SETS:
        m = Model(*params)
        ex = predict(m, "exact")
        row, row_v = [], []
        for meth in METHODS:
            p = predict(m, meth)
            row.append(np.max(np.abs(p.mean / ex.mean - 1)))
            row_v.append(np.max(np.abs(p.var / ex.var - 1)))
        a, b, P, k, U = params
        print(
            f"{a:5.2f} {b:5.2f} {P:5d} {k:8.3f} {U:5.2f} | "
            + " ".join(f"{e:10.2e}" for e in row)
            + f"   rg estimate {p.info['error_estimate']:.1e}"
        )
        print(f"{'(var)':>34} | " + " ".join(f"{e:10.2e}" for e in row_v))
    print()
    print("time of one prediction at Lambda = 10^6 (fresh model each call, best of 5, methods interleaved)")
    params = (0.2, 0.3, 10**6, 10**6 / 100**1.2, 0.05)
    times = dict.fromkeys(("gp", "rg", "rg-1loop", "rg-cutoff", "exact"), np.inf)
    for _ in range(5):
        for meth in times:
            m = Model(*params)
            t0 = time.perf_counter()
            predict(m, meth)
            times[meth] = min(times[meth], time.perf_counter() - t0)
    for meth, t in times.items():
        print(f"  {meth:10s} {t * 1e3:8.1f} ms   ratio to gp {t / times['gp']:6.1f}")


if __name__ == "__main__":
    main()

"""Random inputs for the pointwise ridge and its network theory: no exception, no non-finite value.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/pointwise_fuzz.py [cases] [seed]

Per case: N = 3-119 points in 1-5 dimensions (every fourth case with a third of them duplicated), an rbf, Laplace
or low-rank linear kernel, a sign or smooth target, P = 1..N (every fifth case P = N), κ log-uniform in
[1e-6, 1e4], label noise 0, 0.1 or 2; every sixth case with N ≤ 60 also the pointwise network theory (every other one of them mean-field). Prints each
failure and the count (before the condition-number floor of Newton's stopping rule: 4 of 300 with seed 11).
"""

import sys

import numpy as np

from rgflow.data import spectrum_from_gram
from rgflow.network_real import network_theory
from rgflow.ridge import pointwise_errors


def main(cases=300, seed=11):
    rng = np.random.default_rng(seed)
    bad = 0
    for trial in range(cases):
        N = int(rng.integers(3, 120))
        d = int(rng.integers(1, 6))
        X = rng.standard_normal((N, d)) * rng.uniform(0.1, 5)
        if trial % 4 == 0:
            X[: N // 3] = X[0]
        kern = trial % 3
        D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
        K = np.exp(-0.5 * D2 / d) if kern == 0 else (np.exp(-np.sqrt(D2)) if kern == 1 else X @ X.T + 0.1)
        f = np.sign(X[:, 0]) if trial % 2 else np.tanh(X @ rng.standard_normal(d))
        P = float(rng.integers(1, N + 1)) if trial % 5 else float(N)
        kappa = float(10 ** rng.uniform(-6, 4))
        noise = float(rng.choice([0.0, 0.0, 0.1, 2.0]))
        try:
            r = pointwise_errors(K, f, P, kappa, noise=noise)
            assert np.isfinite(r.test_error) and r.test_error >= 0, r
            if trial % 6 == 0 and N <= 60:
                s = spectrum_from_gram(K, f)
                width, depth = int(rng.integers(1, 100)), int(rng.integers(1, 4))
                par = ["standard", "mean-field"][trial % 12 == 6]
                th = network_theory(*s, P, kappa, width, depth, par, ridge="pointwise", gram=K, values=f, noise=noise)
                assert np.isfinite(th.test_error)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            print(
                f"case {trial}: N = {N}, P = {P}, kappa = {kappa:.3g}, noise = {noise}, kernel {kern}: "
                f"{type(e).__name__}: {str(e)[:120]}"
            )
            bad += 1
    print(f"{cases} cases, {bad} failures")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

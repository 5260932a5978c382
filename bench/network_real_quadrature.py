"""Convergence of the pointwise network theory's draw average (each draw its own posterior of t) in its rules.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/network_real_quadrature.py > bench/network_real_quadrature_results.txt

Per point: the relative change of the test error when one rule is refined from its default (2 components of the
draws' log-weight fluctuation, 9 Gauss–Hermite nodes per component, 8 nodes in t): 1 and 3 components, 15
Hermite nodes, 6 and 12 nodes in t.
"""

import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from network_real import dataset  # noqa: E402

import rgflow.network_real as nr  # noqa: E402
from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import _one_blas_thread, real_dataset  # noqa: E402

POINTS = [  # name, target, width, depth, parameterization, κ, P, subsample (fig14's)
    ("iris", "class", 273, 3, "mean-field", 1.6835, 14, None),
    ("iris", "class", 2, 3, "mean-field", 0.0192, 23, None),
    ("iris", "class", 1, 1, "standard", 0.3, 30, None),
    ("diabetes", "smooth", 2, 2, "mean-field", 1.1849, 22, None),
    ("diabetes", "class", 4, 1, "standard", 0.3, 40, 150),
    ("diabetes", "class", 1, 1, "standard", 0.3, 40, 150),
]


def main():
    print("# relative change of the pointwise network theory's test error against the default rules")
    print(
        f"# {'set':>9} {'tgt':>6} {'N':>4} {'L':>1} {'par':>3} {'kappa':>6} {'P':>3} {'comp=1':>9} {'comp=3':>9} {'herm=15':>9} {'nodes=6':>9} {'nodes=12':>9}"
    )
    for name, tgt, N, L, par, kappa, P, keep in POINTS:
        X, f = dataset(name, tgt) if keep is None else real_dataset(name, tgt)
        if keep is not None:  # rgflow/plotting/fig14_network_real.py's subsample
            idx = np.sort(np.random.default_rng(0).choice(len(f), keep, replace=False))
            X, f = X[idx], f[idx]
        K = kernel_matrix(X, kernel="rbf")
        s = spectrum_from_gram(K, f)

        def value(comps=2, herm=9, nodes=8):
            nr._COMPONENTS, nr._HERMITE = comps, herm
            try:
                th = nr.network_theory(*s, P, kappa, N, L, par, ridge="pointwise", gram=K, values=f, nodes=nodes)
            finally:
                nr._COMPONENTS, nr._HERMITE = 2, 9
            return th.test_error

        with _one_blas_thread():
            ref = value()
            rel = [value(comps=1), value(comps=3), value(herm=15), value(nodes=6), value(nodes=12)]
        print(
            f"  {name:>9} {tgt:>6} {N:4d} {L:1d} {par[:3]:>3} {kappa:6.4f} {P:3d} "
            + " ".join(f"{v / ref - 1:+9.1e}" for v in rel),
            flush=True,
        )


if __name__ == "__main__":
    main()

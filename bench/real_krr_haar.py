"""Is it the eigenvectors? Real KRR on a data set's Gram matrix K = V diag(w) Vᵀ against KRR on the same
spectrum with Haar-random eigenvectors (K' = QV diag(w) (QV)ᵀ, f' = QV Vᵀ f for a Haar orthogonal Q:
the same N points, the same sampling without replacement, the same λ_k and y_k, delocalized
eigenvectors), both against eigenlearning (``rgflow.ridge.ridge_errors``) and the pointwise ridge
(``rgflow.ridge.pointwise_errors``), at eigenlearning's worst misses of bench/real_krr.py.

    python bench/real_krr_haar.py
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import krr_test_error, real_dataset  # noqa: E402
from rgflow.ridge import pointwise_errors, ridge_errors  # noqa: E402

CASES = (
    ("digits", "rbf", "smooth", 0.01, 359),
    ("digits", "ntk", "smooth", 0.1, 359),
    ("breast_cancer", "rbf", "class", 0.01, 113),
    ("breast_cancer", "ntk", "smooth", 0.01, 113),
    ("diabetes", "rbf", "smooth", 0.01, 88),
)


def main():
    t0 = time.perf_counter()
    print(
        f"{'dataset':>13} {'kernel':>7} {'target':>6} {'kappa':>5} {'P':>4}  {'KRR/eigen':>9} {'KRR/pointw':>10} "
        f"{'Haar-KRR/eigen':>14} {'Haar-KRR/pointw(Haar)':>21}"
    )
    for ds, kn, tg, kappa, P in CASES:
        X, f = real_dataset(ds, tg)
        K = kernel_matrix(X, kernel=kn)
        N = len(f)
        w, V = np.linalg.eigh(K)
        Q, R = np.linalg.qr(np.random.default_rng(0).standard_normal((N, N)))
        Vh = (Q * np.sign(np.diag(R))) @ V
        Kh, fh = (Vh * w) @ Vh.T, Vh @ (V.T @ f)
        el = ridge_errors(*spectrum_from_gram(K, f), P, kappa).test_error
        real, haar = krr_test_error(K, f, P, kappa), krr_test_error(Kh, fh, P, kappa)
        pw, pwh = pointwise_errors(K, f, P, kappa).test_error, pointwise_errors(Kh, fh, P, kappa).test_error
        print(
            f"{ds:>13} {kn:>7} {tg:>6} {kappa:5g} {P:4d}  {real['mean'] / el:9.3f} {real['mean'] / pw:10.3f} "
            f"{haar['mean'] / el:14.3f} {haar['mean'] / pwh:21.3f}   (s.e. {100 * real['stderr'] / real['mean']:.1f}%, "
            f"{100 * haar['stderr'] / haar['mean']:.1f}%)",
            flush=True,
        )
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

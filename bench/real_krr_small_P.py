"""Where the pointwise ridge is weakest: very small P. Real KRR (standard error 1 %) against eigenlearning
and the pointwise renormalized ridge at P = 5..35 on one data set, kernel and target (default wine, ntk,
class: the kernel's diagonal varies 3x over the points).

    python bench/real_krr_small_P.py [DATASET KERNEL TARGET]
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import krr_test_error, real_dataset  # noqa: E402
from rgflow.ridge import pointwise_errors, ridge_errors  # noqa: E402


def main(dataset="wine", kernel="ntk", target="class"):
    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel=kernel)
    s = spectrum_from_gram(K, f)
    print(f"{dataset}, {kernel}, {target}: N = {len(f)}, K_ii in [{K.diagonal().min():.2f}, {K.diagonal().max():.2f}]")
    print(f"{'kappa':>6} {'P':>4} {'draws':>6} {'KRR/eigen':>9} {'KRR/pointw':>10} {'+-se':>5}")
    for kappa in (1.0, 0.02):
        for P in (5, 7, 10, 20, 35):
            e = krr_test_error(K, f, P, kappa, seed=3, rel_se=0.01, max_draws=20000)
            el, pw = ridge_errors(*s, P, kappa).test_error, pointwise_errors(K, f, P, kappa).test_error
            print(
                f"{kappa:6g} {P:4d} {e['draws']:6d} {e['mean'] / el:9.3f} {e['mean'] / pw:10.3f} "
                f"{e['stderr'] / e['mean']:5.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main(*sys.argv[1:4])

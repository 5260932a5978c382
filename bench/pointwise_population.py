"""The pointwise ridge with draws without replacement against real KRR, at small and large shares of the data set.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/pointwise_population.py > bench/pointwise_population_results.txt

Per (data set, target, κ, P): real KRR on P distinct points (rgflow.krr.krr_test_error, relative standard error
1%, test error over the whole data set) over the pointwise theory with i.i.d. draws (``replace=True``, the
equations before draws without replacement were derived) and without replacement (the default, with its
neighbour clusters: docs/theory.md §5), rbf kernel;
iris (setosa vs the rest, and a smooth target) joins the four scikit-learn sets of rgflow.krr.real_dataset.
A last section adds label noise σ² (docs/theory.md §5).
"""

import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from network_real import dataset  # noqa: E402

from rgflow.data import kernel_matrix  # noqa: E402
from rgflow.krr import _one_blas_thread, krr_test_error  # noqa: E402
from rgflow.ridge import pointwise_errors  # noqa: E402


def row(name, target, K, f, P, kappa, noise=0.0):
    with _one_blas_thread():
        mc = krr_test_error(K, f, P, kappa, seed=3, rel_se=0.01, max_draws=8000, noise=noise)
        iid = pointwise_errors(K, f, P, kappa, replace=True, noise=noise).test_error
        pop = pointwise_errors(K, f, P, kappa, noise=noise).test_error
    r_iid, r_pop = mc["mean"] / iid, mc["mean"] / pop
    print(
        f"{name:>14} {target:>6} {kappa:6.2f} {noise:5.2f} {P:4d} {P / len(f):5.2f} {mc['mean']:9.3e} "
        f"{100 * mc['stderr'] / mc['mean']:4.1f} {r_iid:7.3f} {r_pop:7.3f}",
        flush=True,
    )
    return r_iid, r_pop, P / len(f), kappa


def main():
    print(
        "# KRR/iid, KRR/pop: real KRR over the pointwise theory with i.i.d. draws / without replacement "
        "(the default: neighbour clusters)"
    )
    print(
        f"# {'set':>12} {'target':>6} {'kappa':>6} {'noise':>5} {'P':>4} {'P/N':>5} {'KRR':>9} {'se%':>4} {'KRR/iid':>7} {'KRR/pop':>7}"
    )
    out = []
    for name in ["iris", "wine", "breast_cancer", "diabetes"]:
        for target in ["class", "smooth"]:
            X, f = dataset(name, target)
            K = kernel_matrix(X, kernel="rbf")
            for kappa in [0.02, 0.1, 1.0]:
                for P in [20, 40, 80, int(0.7 * len(f))]:
                    if P <= 0.75 * len(f):
                        out.append((name,) + row(name, target, K, f, P, kappa))
    print("# label noise")
    for name, target, kappa, P, noise in [
        ("wine", "smooth", 0.1, 124, 0.1),
        ("wine", "class", 0.02, 80, 0.05),
        ("breast_cancer", "smooth", 0.1, 398, 0.2),
        ("iris", "class", 1.0, 105, 0.1),
        ("diabetes", "smooth", 0.05, 150, 0.3),
    ]:
        X, f = dataset(name, target)
        out.append((name,) + row(name, target, kernel_matrix(X, kernel="rbf"), f, P, kappa, noise))
    a = np.array([o[1:] for o in out])
    iris = np.array([o[0] == "iris" for o in out])
    for label, m in [
        ("all", np.ones(len(a), bool)),
        ("P/N >= 0.4", a[:, 2] >= 0.4),
        ("not iris", ~iris),
        ("iris, kappa >= 1", iris & (a[:, 3] >= 1)),
        ("iris, kappa < 1", iris & (a[:, 3] < 1)),
    ]:
        d_iid, d_pop = np.abs(a[m, 0] - 1), np.abs(a[m, 1] - 1)
        print(
            f"# {label}: {m.sum()} points; |KRR/theory - 1| worst iid {d_iid.max():.3f}, pop {d_pop.max():.3f}; "
            f"within 5%: iid {np.sum(d_iid <= 0.05)}, pop {np.sum(d_pop <= 0.05)}"
        )


if __name__ == "__main__":
    main()

"""The pointwise ridge with neighbour clusters (rgflow._cluster) against real KRR where the plain ridge misses.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/pointwise_cluster.py > bench/pointwise_cluster_results.txt

Where the pointwise ridge misses real KRR (iris at κ < 1, bench/pointwise_concentration.py) the error sits on a
few points whose close neighbours may or may not be drawn. Per point i, the inclusion of i and of its m nearest
neighbours (by kernel value) is summed over exactly (all 2^(m+1) subsets, each point drawn with probability
p = P/N), the rest of the data set at the pointwise weights (docs/theory.md §5). m = 0 is the pointwise ridge;
"auto" is the default of rgflow (cluster size and truncation from the subset budget). Columns: real KRR (draws
without replacement, 1% standard error) over each, and the seconds of the auto column.
"""

import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pointwise_concentration import CASES, problem  # noqa: E402

from rgflow._cluster import cluster_size  # noqa: E402
from rgflow.krr import _one_blas_thread, krr_test_error  # noqa: E402
from rgflow.network_real import _fixed_points  # noqa: E402
from rgflow.ridge import _cluster_errors, pointwise_errors  # noqa: E402

M = (0, 8, 11, 16)

if __name__ == "__main__":
    print("# " + __doc__.splitlines()[2].strip())
    # bench/pointwise_concentration.py's cases, a network miss of bench/network_real.py and a large share of wine
    for name, tgt, P, kappa in CASES + [("iris", "class", 29, 0.3033), ("wine", "smooth", 124, 0.1)]:
        K, f = problem(name, tgt)
        N = len(f)
        with _one_blas_thread():
            mc = krr_test_error(K, f, P, kappa, seed=3, rel_se=0.01, max_draws=8000)["mean"]
            (st,) = _fixed_points(K, f, P, [kappa], P / N)
            full = [_cluster_errors(K, [st], P, P / N, 0.0, m + 1, m + 1)[0, 0] for m in M]
            t0 = time.perf_counter()
            auto = pointwise_errors(K, f, P, kappa).test_error
            dt = time.perf_counter() - t0
        c, k = cluster_size(P / N, N)
        print(
            f"{name:>14} {tgt:>6} P={P:<4d} kappa={kappa:<7g}",
            " ".join(f"m{m} {mc / e:.3f}" for m, e in zip(M, full)),
            f"| auto (m = {c - 1}, up to {k} drawn) {mc / auto:.3f} {dt:.1f}s",
            flush=True,
        )

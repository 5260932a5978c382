"""Why the renormalized ridge misses real KRR at small κ (issue 14 item 5): the 8% misses of
``bench/real_krr.py`` (read from bench/real_krr_results.txt, marked *) re-examined.

For each miss: the spectrum's dropped modes and dropped target power (hypothesis a), KRR on the same
N-point spectrum with Gaussian features (eigenlearning's universality assumption;
``rgflow.krr.gaussian_feature_krr``) against the renormalized prediction, and the kurtosis
N Σ_i u_k(i)⁴ of the learnable eigenvectors (3 if Gaussian-like; up to N if localized on one point).

    python bench/real_krr_gaussian.py
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import eigenvector_kurtosis, gaussian_feature_krr, real_dataset  # noqa: E402
from rgflow.ridge import ridge_errors  # noqa: E402

RESULTS = pathlib.Path(__file__).with_name("real_krr_results.txt")


def misses():
    for line in RESULTS.read_text().splitlines():
        cells = line.split()
        if not line.startswith("#") and cells[-1:] == ["*"] and len(cells) >= 11:
            yield cells[0], cells[1], cells[2], float(cells[3]), int(cells[4]), float(cells[8])


def main():
    t0 = time.perf_counter()
    cache = {}
    print(
        f"{'dataset':>13} {'kernel':>7} {'target':>6} {'kappa':>5} {'P':>4} {'dropped':>7} {'power':>8} "
        f"{'KRR/renorm':>10} {'gauss/renorm':>12} {'+-se':>5} {'kurt med':>8} {'kurt max':>8}"
    )
    gauss = []
    for ds, kn, tg, kappa, P, ratio in misses():
        key = (ds, kn, tg)
        if key not in cache:
            X, f = real_dataset(ds, tg)
            K = kernel_matrix(X, kernel=kn)
            cache[key] = (K, spectrum_from_gram(K, f))
        K, s = cache[key]
        rr = ridge_errors(*s, P, kappa, "renormalized")
        g = gaussian_feature_krr(*s, P, kappa, draws=60)
        n_learn = max(1, int(np.sum(s.eigenvalues > rr.K)))
        kurt = eigenvector_kurtosis(K, n_learn)
        gauss.append(g["mean"] / rr.test_error)
        print(
            f"{ds:>13} {kn:>7} {tg:>6} {kappa:5g} {P:4d} {s.meta['dropped_modes']:7d} {s.meta['dropped_power']:8.1e} "
            f"{ratio:10.3f} {gauss[-1]:12.3f} {g['stderr'] / rr.test_error:5.3f} {np.median(kurt):8.1f} "
            f"{kurt.max():8.0f}",
            flush=True,
        )
    gauss = np.array(gauss)
    print(
        f"\n{len(gauss)} misses; Gaussian features / renormalized in [{gauss.min():.3f}, {gauss.max():.3f}] "
        f"({time.perf_counter() - t0:.0f} s)"
    )


if __name__ == "__main__":
    main()

"""Label noise for the finite-width network on real data: the exact network against its theories (issue 24 item 3
with issue 23's networks; docs/networks_real.md, "Label noise").

On sklearn's bundled data sets (rbf kernel, class and smooth targets), for fixed (N, L, parameterization, κ, P, σ²),
per draw of P training points and of the noise ξ: the exact network (rgflow.network_real, the posterior-mean
predictor) trained on the clean labels f and on f + σξ, on the SAME points, and KernelRidge on f + σξ. Printed:
the exact network's test error with noise (against the clean f) ± its standard error, each theory's prediction
(renormalized, pointwise; rgflow.network_real.network_theory(noise=σ²)) as theory/exact, and the noise's share
(noisy − clean, paired) exact against each theory's (theory(σ²) − theory(0)).

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/network_noise.py [draws]   > bench/network_noise_results.txt

(the script also writes bench/network_noise_results.txt itself; default 200 draws per point).
"""

import math
import pathlib
import sys
import time

import numpy as np

from rgflow.data import kernel_matrix, spectrum_from_gram
from rgflow.krr import _one_blas_thread, real_dataset
from rgflow.network_real import network_predictor, network_theory

# (data set, target, width N, depth L, parameterization, κ, P, σ²)
POINTS = [
    ("wine", "class", 4, 1, "standard", 1.0, 15, 0.1),
    ("wine", "class", 16, 2, "standard", 0.3, 30, 0.3),
    ("wine", "class", 64, 1, "mean-field", 1.0, 17, 0.5),
    ("iris", "smooth", 3, 1, "standard", 1.0, 12, 0.2),
    ("iris", "smooth", 10, 1, "mean-field", 0.3, 25, 0.1),
    ("iris", "smooth", 32, 2, "standard", 2.0, 15, 1.0),
    ("breast_cancer", "class", 8, 1, "standard", 1.0, 50, 0.2),
    ("breast_cancer", "class", 128, 1, "mean-field", 0.3, 40, 0.5),
    ("breast_cancer", "class", 5, 2, "standard", 1.0, 30, 0.1),
    ("diabetes", "smooth", 6, 1, "standard", 1.0, 40, 0.3),
    ("diabetes", "smooth", 24, 1, "mean-field", 2.0, 40, 1.0),
]


def dataset(name, target):
    if name == "iris":
        from sklearn.datasets import load_iris

        X, lab = load_iris(return_X_y=True)
        X = (X - X.mean(0)) / X.std(0)
        z = X @ np.random.default_rng(1).standard_normal(4)
        return X, ((lab == 0).astype(float) if target == "class" else np.tanh(z / z.std()))
    return real_dataset(name, target)


def paired(K, f, P, kappa, N, L, par, noise, draws, seed=0):
    """Per draw: the same points and ξ for the clean network, the noisy network and KRR on the noisy labels."""
    rng = np.random.default_rng([seed, P])
    clean, noisy, krr = [], [], []
    for _ in range(draws):
        idx = rng.choice(len(f), P, replace=False)
        Y = f[idx] + math.sqrt(noise) * rng.standard_normal(P)
        Kx, Kt = K[np.ix_(idx, idx)], K[:, idx]
        for labels, out in ((f[idx], clean), (Y, noisy)):
            fh, _ = network_predictor(Kt, Kx, labels, kappa, N, L, par)
            out.append(np.mean((fh - f) ** 2))
        krr.append(np.mean((Kt @ np.linalg.solve(Kx + kappa * np.eye(P), Y) - f) ** 2))
    return np.array(clean), np.array(noisy), np.array(krr)


def main(draws=200):
    lines = [
        f"# bench/network_noise.py: the exact finite-width network with label noise σ² vs its theories ({draws} draws"
        " per point, rbf kernel)",
        "# exact = the network trained on f + σξ, test error against the clean f (± se); ren, pw = theory/exact;"
        " share = noisy − clean",
        "# (paired draws) exact ± se vs theory(σ²) − theory(0); krr = KernelRidge on the same noisy labels",
    ]
    head = (
        f"{'data':>13} {'target':>6} {'N':>4} {'L':>1} {'par':>10} {'kappa':>5} {'P':>3} {'s2':>4}  "
        f"{'exact':>8} {'se%':>4} {'ren':>6} {'pw':>6} {'share':>8} {'se':>7} {'ren_sh':>8} {'pw_sh':>8} "
        f"{'krr':>8} {'time':>5}"
    )
    lines.append(head)
    print("\n".join(lines), flush=True)
    worst = {"ren": 0.0, "pw": 0.0}
    for name, target, N, L, par, kappa, P, noise in POINTS:
        t0 = time.time()
        X, f = dataset(name, target)
        K = kernel_matrix(X, kernel="rbf")
        s = spectrum_from_gram(K, f)
        res = s.meta["dropped_power"] if s.meta["dropped_modes"] else 0.0
        with _one_blas_thread():
            clean, noisy, krr = paired(K, f, P, kappa, N, L, par, noise, draws)
            th = {}
            for ridge in ("renormalized", "pointwise"):
                kw = dict(ridge=ridge, residual=res, gram=K, values=f, at_mode=False)
                th[ridge] = (
                    network_theory(*s, P, kappa, N, L, par, noise=noise, **kw).test_error,
                    network_theory(*s, P, kappa, N, L, par, **kw).test_error,
                )
        m, se = noisy.mean(), noisy.std(ddof=1) / math.sqrt(draws)
        d = noisy - clean
        ren, pw = th["renormalized"][0] / m, th["pointwise"][0] / m
        worst["ren"], worst["pw"] = max(worst["ren"], abs(ren - 1)), max(worst["pw"], abs(pw - 1))
        line = (
            f"{name:>13} {target:>6} {N:>4} {L:>1} {par:>10} {kappa:>5g} {P:>3} {noise:>4g}  "
            f"{m:8.5f} {100 * se / m:4.1f} {ren:6.3f} {pw:6.3f} {d.mean():8.5f} {d.std(ddof=1) / math.sqrt(draws):7.5f} "
            f"{th['renormalized'][0] - th['renormalized'][1]:8.5f} {th['pointwise'][0] - th['pointwise'][1]:8.5f} "
            f"{krr.mean():8.5f} {time.time() - t0:5.1f}"
        )
        lines.append(line)
        print(line, flush=True)
    tail = f"# worst |theory/exact − 1|: renormalized {worst['ren']:.3f}, pointwise {worst['pw']:.3f}"
    lines.append(tail)
    print(tail)
    pathlib.Path(__file__).with_name("network_noise_results.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

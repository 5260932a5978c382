"""Large N: the top-k path of rgflow.data against the dense spectrum, its memory and its time.

    PYTHONPATH=. python bench/large_n.py [--big N K [PASSES]]      (results: bench/large_n_results.txt)
    PYTHONPATH=. python bench/large_n.py --only-big 100000 2000 1   (section 3 alone, appended to the results)
    PYTHONPATH=. python bench/large_n.py --skip-big                  (sections 1 and 2 only; the file rewritten)

1. The dense path's peak memory (ru_maxrss of a fresh process, minus its baseline) at N = 3000, 5000.
2. A 5000-point subsample of section 3's 10^5 points (a noisy 4-dimensional manifold in 12 features, rbf kernel): the dense spectrum
   against modes = 500, 1000, 2000 (passes = 1 and 2), with and without the extrapolated tail; the worst
   relative deviation of the renormalized test error over κ ∈ [1e-3, 1e3] (13 values) for each P,
   the true eigenvalue errors against the stated ones.
3. Time and peak memory of the top-k path at a larger N (--big N K PASSES; default 100000 2000 1): the
   wall time of spectrum_from_features and the peak resident memory of the whole process (VmHWM), data
   and interpreter included.
"""

import json
import subprocess
import sys
import time

import numpy as np


def data(N, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, 4))
    X = np.tanh(Z @ rng.standard_normal((4, 12))) + 0.1 * rng.standard_normal((N, 12))
    return X, np.sign(Z[:, 0]) * np.abs(Z[:, 1]) ** 0.5 + 0.2 * Z[:, 2]


CHILD = """
import resource, sys, time, json, numpy as np
sys.path.insert(0, '.')
from bench.large_n import data
from rgflow.data import spectrum_from_features
N, k = int(sys.argv[1]), int(sys.argv[2])
X, f = data(N)
passes = int(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
s = spectrum_from_features(X, f, 'rbf', **({} if k == 0 else {'modes': k, 'passes': passes}))
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({'N': N, 'k': k, 'seconds': dt, 'extra_bytes': peak - base, 'peak_bytes': peak,
                  'max_relative_error': s.meta.get('max_relative_error')}))
"""


def child(N, k, passes=2):
    r = subprocess.run(
        [sys.executable, "-c", CHILD, str(N), str(k), str(passes)], capture_output=True, text=True, check=True
    )
    return json.loads(r.stdout)


def main(argv):
    from rgflow.data import extrapolate_tail, spectrum_from_features
    from rgflow.ridge import ridge_errors

    big = (100000, 2000, 1)
    if len(argv) >= 3 and argv[0] in ("--big", "--only-big"):
        big = (int(argv[1]), int(argv[2]), int(argv[3]) if len(argv) > 3 else 1)
    out = []
    say = lambda s: (print(s, flush=True), out.append(s))  # noqa: E731
    if argv and argv[0] == "--only-big":
        big_section(big, say)
        with open("bench/large_n_results.txt", "a") as fh:
            fh.write("\n".join(out) + "\n")
        return
    say("1. dense path memory (extra resident bytes of a fresh process)")
    for N in (3000, 5000):
        r = child(N, 0)
        say(f"   N = {N}: {r['extra_bytes'] / N**2:.1f}·N² bytes, {r['seconds']:.1f} s")
    say(
        "2. top k against dense on a 5000-point subsample of the N = 10^5 set (rbf); worst |E_k/E_dense − 1| of the renormalized test error, κ ∈ [1e-3, 1e3]"
    )
    X, f = data(100000)  # section 3's points; the first 5000 of an i.i.d. sample are a random subsample of it
    X, f = X[:5000], f[:5000]
    t = time.perf_counter()
    dense = spectrum_from_features(X, f, "rbf")
    say(f"   dense: {time.perf_counter() - t:.1f} s")
    Ps = (50, 100, 200, 500, 1000, 2000)
    for k, passes in ((500, 2), (1000, 1), (1000, 2), (2000, 1), (2000, 2)):
        t = time.perf_counter()
        top = spectrum_from_features(X, f, "rbf", modes=k, passes=passes)
        dt = time.perf_counter() - t
        lam = dense.eigenvalues[:k]
        true = np.abs(lam - top.eigenvalues) / lam
        stated = np.array(top.meta["eigenvalue_errors"]) / top.eigenvalues
        say(
            f"   modes = {k}, passes = {passes}: {dt:.1f} s; true relative eigenvalue error at k = 100: {true[99]:.1e}, at k/2: "
            f"{true[k // 2 - 1]:.1e}, max {true.max():.1e}; stated max {stated.max():.1e}; covered "
            f"{np.mean(np.abs(lam - top.eigenvalues) <= top.meta['eigenvalue_errors']):.3f} of the modes"
        )
        full = extrapolate_tail(top)
        for name, s, res in (("residual", top, top.residual), ("tail", full, 0.0)):
            worst = []
            for P in Ps:
                w = 0.0
                for kappa in np.logspace(-3, 3, 13):
                    a = ridge_errors(*dense, P, kappa, residual=dense.residual).test_error
                    b = ridge_errors(*s, P, kappa, residual=res).test_error
                    w = max(w, abs(b / a - 1))
                worst.append(w)
            say(f"      {name:8s} " + "  ".join(f"P={P}: {w:.1e}" for P, w in zip(Ps, worst)))
    if not (argv and argv[0] == "--skip-big"):
        big_section(big, say)
    with open("bench/large_n_results.txt", "w") as fh:
        fh.write("\n".join(out) + "\n")


def big_section(big, say):
    N, k, passes = big
    say(f"3. top k at N = {N}, k = {k} (passes = {passes}), rbf")
    r = child(N, k, passes)
    say(
        f"   {r['seconds']:.1f} s, peak resident {r['peak_bytes'] / 2**30:.2f} GiB (the whole process), stated "
        f"max relative eigenvalue error {r['max_relative_error']:.1e}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

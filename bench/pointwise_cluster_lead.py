"""A lead, not a theory of rgflow: the pointwise ridge with each point's m nearest neighbours drawn exactly.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/pointwise_cluster_lead.py > bench/pointwise_cluster_lead_results.txt

Where the pointwise ridge misses real KRR (iris at κ < 1, bench/pointwise_concentration.py) the error sits on a
few points whose close neighbours may or may not be drawn. Here, per point i, the inclusion of i and of its m
nearest neighbours (by kernel value) is summed over exactly (2^(m+1) patterns, each point drawn with probability
p = P/N), the rest of the data set enters through the pointwise fixed point's weights p ω_k (a rank-(m + 1)
Woodbury update of B₀ = K diag(p ω) + κ per pattern: r_i = κ [B⁻¹ f]_i), and the fluctuation of the other points
enters with point i's row of H = P B⁻¹ K for that pattern and their pointwise sources (1 − p) ω_k² E_k/(PN).
m = 0 is the pointwise ridge exactly (a check of the bookkeeping). Columns: real KRR (draws without replacement,
1% standard error) over each.
"""

import itertools
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pointwise_concentration import CASES, problem  # noqa: E402

from rgflow.krr import _one_blas_thread, krr_test_error  # noqa: E402
from rgflow.ridge import _cavity_moments, _pointwise_fixed_point, pointwise_errors  # noqa: E402


def cluster_theory(K, f, P, kappa, m):
    N = len(f)
    p = P / N
    st = _pointwise_fixed_point(K, f, P, kappa, p=p)
    om = st.omega
    Ecav = _cavity_moments(st, st, P, N, p)  # the pointwise cavity second moments
    a0 = p * om
    Binv = np.linalg.inv(K * a0[None, :] + kappa * np.eye(N))  # B₀ = K diag(p ω) + κ; H = P B₀⁻¹ K
    y0 = Binv @ f
    pats = np.array(list(itertools.product([0, 1], repeat=m + 1)), float)
    prob = np.prod(np.where(pats == 1, p, 1 - p), axis=1)
    src = (1 - p) * om**2 * Ecav / (P * N)  # each other point's fluctuation source
    out = np.empty(N)
    for i in range(N):
        nb = np.argsort(-K[i] + 1e9 * (np.arange(N) == i))[:m]  # the m nearest by kernel value, i excluded
        C = np.concatenate([[i], nb])
        bath = np.ones(N, bool)
        bath[C] = False
        W = Binv[C] @ K[:, C]
        g = Binv[i] @ K[:, C]
        Es = 0.0
        for z, pr in zip(pats, prob):  # Woodbury: the cluster's weights p ω → its drawn pattern z
            D = np.diag(z - a0[C])
            coef = np.linalg.solve(np.eye(m + 1) + D @ W, D)
            r = kappa * (y0[i] - g @ coef @ y0[C])
            Hrow = P * ((Binv[i] - g @ coef @ Binv[C]) @ K)  # point i's row of H with the pattern drawn
            Es += pr * (r * r + np.sum(Hrow[bath] ** 2 * src[bath]))
        out[i] = Es
    return out.mean()


if __name__ == "__main__":
    # bench/pointwise_concentration.py's cases, a network miss of bench/network_real.py and a large share of wine
    for name, tgt, P, kappa in CASES + [("iris", "class", 29, 0.3033), ("wine", "smooth", 124, 0.1)]:
        K, f = problem(name, tgt)
        with _one_blas_thread():
            mc = krr_test_error(K, f, P, kappa, seed=3, rel_se=0.01, max_draws=8000)["mean"]
            pw = pointwise_errors(K, f, P, kappa).test_error
            res = [cluster_theory(K, f, P, kappa, m) for m in (0, 2, 4, 6, 8)]
        print(
            name,
            tgt,
            P,
            kappa,
            "KRR/pw %.3f" % (mc / pw),
            " ".join("m%d %.3f" % (m, mc / r) for m, r in zip((0, 2, 4, 6, 8), res)),
            flush=True,
        )

"""Each draw its own posterior of t: how far the typical posterior's shift from draw to draw moves the factor.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python bench/network_real_draws.py [draws] > bench/network_real_draws_results.txt

Per point, on D paired draws of P training points (the exact network and KernelRidge): the between-draw sd of the
exact posterior mean of t (``sd_btw``), the mean within-draw sd (``sd_in``), the correlation of the posterior mean
with the draw's network test error (``corr``), and the factor network/KRR recomputed from each draw's KRR
predictors averaged with the pointwise theory's typical Gauss rule

- as it is (``common``: every draw the same posterior),
- shifted to the draw's own exact posterior mean (``own``),
- shifted by another draw's (``perm``: the same shifts randomly permuted, which keeps their spread and drops
  their correlation with the draw).

Then the pointwise theory: the between-draw sd it predicts (``th_btw``, first order in the draw indicators) and its
factor with the typical posterior (``typ``, quenched=False) and with each draw's own (``quen``, the default).
Factors as x/F_exact − 1.
"""

import math
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from network_real import problem  # noqa: E402

from rgflow.krr import _one_blas_thread  # noqa: E402
from rgflow.network_real import _PriorCache, draw_posterior, network_theory  # noqa: E402
from rgflow.ridge import pointwise_errors  # noqa: E402

POINTS = [
    ("iris", "class", 273, 3, "mean-field", 1.6835, 14),  # the domain miss of bench/network_real.py (seed 77)
    ("iris", "class", 300, 1, "mean-field", 1.0, 10),  # tests/test_network_real.py, and the next
    ("iris", "class", 1, 1, "standard", 0.3, 30),
    ("iris", "class", 2, 2, "mean-field", 1.0, 20),
    ("iris", "class", 109, 2, "mean-field", 0.3033, 29),
    ("iris", "class", 2, 3, "mean-field", 0.0192, 23),
    ("iris", "class", 11, 1, "standard", 0.0264, 14),
    ("wine", "smooth", 50, 2, "mean-field", 0.2901, 38),
    ("diabetes", "smooth", 2, 2, "mean-field", 1.1849, 22),
    ("breast_cancer", "class", 167, 2, "mean-field", 0.0490, 190),
]


def main(draws=400):
    print(f"# each draw its own posterior of t; {draws} paired draws per point; factors as x/F_exact - 1")
    print(
        f"# {'set':>13} {'tgt':>6} {'N':>4} {'L':>1} {'par':>3} {'kappa':>6} {'P':>3} {'F_ex':>6} {'se%':>4} "
        f"{'sd_btw':>6} {'sd_in':>5} {'corr':>5} | {'common':>6} {'own':>6} {'perm':>6} | {'th_btw':>6} "
        f"{'typ':>6} {'quen':>6}"
    )
    for i, (name, tgt, N, L, par, kappa, P) in enumerate(POINTS):
        K, f, s = problem(name, tgt)
        with _one_blas_thread():
            kw = dict(ridge="pointwise", gram=K, values=f, at_mode=False)
            quen = network_theory(*s, P, kappa, N, L, par, **kw)
            typ = network_theory(*s, P, kappa, N, L, par, quenched=False, **kw)
            u0 = pointwise_errors(K, f, P, kappa).test_error
            tn, wn = typ.t_nodes, typ.t_weights
            tbar = float(wn @ tn)
            rng = np.random.default_rng([i, P])
            prior = _PriorCache(N, L)
            per = []
            for _ in range(draws):
                idx = rng.choice(len(f), P, replace=False)
                mu, V = np.linalg.eigh(K[np.ix_(idx, idx)])
                mu = np.clip(mu, 0.0, None)
                yt = V.T @ f[idx]
                c, info = draw_posterior(mu, yt, kappa, N, L, par, prior=prior)
                per.append((K[:, idx] @ V, mu, yt, c, info["t_mean"], info["t_sd"]))

            def err(B, cc, yt):
                return float(np.mean((B @ (cc * yt) - f) ** 2))

            def rule(mu, shift):
                return (wn[:, None] / (kappa * np.exp(-(tn + shift))[:, None] + mu[None, :])).sum(0)

            net = np.array([err(B, c, yt) for B, mu, yt, c, _, _ in per])
            krr = np.array([err(B, 1.0 / (mu + kappa), yt) for B, mu, yt, _, _, _ in per])
            tm = np.array([p[4] for p in per])
            perm = np.random.default_rng(1).permutation(draws)
            common = np.mean([err(B, rule(mu, 0.0), yt) for B, mu, yt, _, _, _ in per])
            own = np.mean([err(B, rule(mu, tm[d] - tbar), yt) for d, (B, mu, yt, _, _, _) in enumerate(per)])
            shuf = np.mean([err(B, rule(mu, tm[perm[d]] - tbar), yt) for d, (B, mu, yt, _, _, _) in enumerate(per)])
        F = net.mean() / krr.mean()
        d = net / net.mean() - krr / krr.mean()
        seF = F * d.std(ddof=1) / math.sqrt(draws)

        def e(x):
            return f"{100 * (x / F - 1):+5.1f}%"

        print(
            f"  {name:>13} {tgt:>6} {N:4d} {L:1d} {par[:3]:>3} {kappa:6.4f} {P:3d} {F:6.3f} {100 * seF / F:4.1f} "
            f"{tm.std():6.3f} {math.sqrt(np.mean([p[5] ** 2 for p in per])):5.3f} {np.corrcoef(tm, net)[0, 1]:+5.2f} | "
            f"{e(common / krr.mean())} {e(own / krr.mean())} {e(shuf / krr.mean())} | {quen.t_draw_sd:6.3f} "
            f"{e(typ.test_error / u0)} {e(quen.test_error / u0)}",
            flush=True,
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))

"""Accuracy of every predictor on random parameter sets over the whole domain (docs/theory.md §4 check 9, issue 15).

    python bench/random_sets.py [--sets 120] [--seed 15] [--corners] [--methods rg mean-field]

Draws seeded sets: α ∈ [0.1, 2], β ∈ [−0.5, 3] uniform; P ∈ [50, 5000], κ ∈ [0.05, 1000],
U ∈ [1e-3, 1] log-uniform; a third of the sets with a cutoff Λ ≠ P (log-uniform in [P/10, 10P],
at least 20). For each method prints the median, 90th percentile and maximum over the sets of the
worst-over-k relative error of ⟨Δ_k⟩, Var Δ_k and the loss against ``exact``, the sets where it
failed (an exception counts as an infinite error), the time per prediction relative to ``exact``,
and for ``rg`` the coverage of ``info["error_estimate"]`` and ``info["var_error_estimate"]``.
``--corners`` adds the sets where the variance estimate used to under-cover (issue 26: flat targets
β = −0.5 at Λ ≥ 2000, where b_q²c_q ρ_q² grows towards k = Λ; κ = 1e4 beyond the domain).
"""

import argparse
import math
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, ".")
from rgflow import Model, predict  # noqa: E402

METHODS = ("gp", "pt1", "rg-cutoff", "rg-1loop", "mean-field", "rg")


CORNERS = [
    (0.2, -0.5, 5000, 10.0, 1.0, None),
    (0.1, -0.5, 2000, 10.0, 1.0, None),
    (0.1, -0.5, 3000, 10.0, 1.0, None),
    (0.1, -0.5, 5000, 10.0, 1.0, None),
    (0.1, -0.5, 5000, 1e4, 1.0, None),
    (0.1, -0.5, 2000, 3e4, 0.5, None),
]


def draw_sets(n, seed):
    """``n`` random (alpha, beta, P, kappa, U, cutoff) tuples over the domain of issue 15."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        a = float(rng.uniform(0.1, 2.0))
        b = float(rng.uniform(-0.5, 3.0))
        P = int(round(10 ** rng.uniform(math.log10(50), math.log10(5000))))
        kappa = float(10 ** rng.uniform(math.log10(0.05), 3.0))
        U = float(10 ** rng.uniform(-3.0, 0.0))
        cutoff = None
        if i % 3 == 2:
            cutoff = max(20, int(round(P * 10 ** rng.uniform(-1.0, 1.0))))
            if cutoff == P:
                cutoff += 1
        out.append((a, b, P, kappa, U, cutoff))
    return out


def _worst(x, ref):
    return float(np.max(np.abs(np.asarray(x) / ref - 1.0)))


def evaluate(sets, methods=METHODS):
    """Per set and method: dict of errors (mean, var, loss), time, and rg's error estimate."""
    rows = []
    for params in sets:
        m = Model(*params)
        t0 = time.perf_counter()
        ex = predict(m, "exact")
        t_ex = time.perf_counter() - t0
        row = {"params": params, "t_exact": t_ex}
        for meth in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                try:
                    p = predict(Model(*params), meth)  # fresh model: no cached spectrum
                except Exception as e:  # noqa: BLE001 (a failure is an infinite error)
                    row[meth] = {
                        "mean": math.inf,
                        "var": math.inf,
                        "loss": math.inf,
                        "time": time.perf_counter() - t0,
                        "failed": type(e).__name__,
                    }
                    continue
                dt = time.perf_counter() - t0
            row[meth] = {
                "mean": _worst(p.mean, ex.mean),
                "var": _worst(p.var, ex.var),
                "loss": abs(p.loss / ex.loss - 1.0),
                "time": dt,
                "estimate": p.info.get("error_estimate"),
                "var_estimate": p.info.get("var_error_estimate"),
            }
        rows.append(row)
    return rows


def summary(rows, methods=METHODS):
    """Text table: per method the median / 90% / max of each error, failures, time / exact."""
    lines = [
        f"{'method':>10} | {'mean: med':>10} {'p90':>9} {'max':>9} | {'var: med':>9} {'p90':>9} {'max':>9} | "
        f"{'loss: med':>9} {'p90':>9} {'max':>9} | {'fail':>4} | {'t/exact':>7}"
    ]
    for meth in methods:
        cells = []
        for key in ("mean", "var", "loss"):
            e = np.array([r[meth][key] for r in rows])
            cells.append(f"{np.median(e):9.1e} {np.quantile(e, 0.9):9.1e} {np.max(e):9.1e}")
        fails = sum("failed" in r[meth] for r in rows)
        ratio = np.median([r[meth]["time"] / r["t_exact"] for r in rows])
        lines.append(f"{meth:>10} | {cells[0]:>30} | {cells[1]} | {cells[2]} | {fails:4d} | {ratio:7.2f}")
    return "\n".join(lines)


def coverage(rows, above=1e-5):
    """(fraction of sets where rg's error_estimate ≥ its true error, median estimate/error where the
    error is above ``above``, number of such sets)."""
    est = np.array([r["rg"]["estimate"] for r in rows], dtype=float)
    err = np.array([r["rg"]["mean"] for r in rows])
    big = err > above
    med = float(np.median(est[big] / err[big])) if np.any(big) else math.nan
    return float(np.mean(est >= err)), med, int(np.sum(big))


def var_coverage(rows, above=1e-9):
    """The same for ``var_error_estimate`` against the worst relative error of Var Δ_k."""
    est = np.array([r["rg"]["var_estimate"] for r in rows], dtype=float)
    err = np.array([r["rg"]["var"] for r in rows])
    big = err > above
    med = float(np.median(est[big] / err[big])) if np.any(big) else math.nan
    worst = float(np.min(est[big] / err[big])) if np.any(big) else math.nan
    return float(np.mean(est >= err)), med, worst, int(np.sum(big))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=120)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--corners", action="store_true", help="add the sets of CORNERS")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ns = ap.parse_args()
    methods = tuple(dict.fromkeys(list(ns.methods) + ["mean-field", "rg"]))
    sets = draw_sets(ns.sets, ns.seed) + (CORNERS if ns.corners else [])
    print(f"seed {ns.seed}, {len(sets)} sets (alpha, beta, P, kappa, U, cutoff):")
    for i, s in enumerate(sets):
        print(f"  {i:3d} " + ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in s))
    rows = evaluate(sets, methods)
    print()
    print("worst-over-k relative error against exact (loss: relative error of <L>/P); time: median ratio to exact")
    print(summary(rows, methods))
    print()
    for above in (1e-5, 1e-9):
        cov, med, nbig = coverage(rows, above)
        print(
            f"rg error estimate: covers the true error on {cov:.1%} of the sets; median estimate/error "
            f"{med:.2g} over the {nbig} sets with error > {above:g}"
        )
    for above in (1e-5, 1e-9):
        cov, med, worst, nbig = var_coverage(rows, above)
        print(
            f"rg var_error_estimate: covers the worst error of Var Delta_k on {cov:.1%} of the sets; estimate/error "
            f"median {med:.3g}, smallest {worst:.3g} over the {nbig} sets with error > {above:g}"
        )
    if ns.corners:
        for r in rows[len(sets) - len(CORNERS) :]:
            g = r["rg"]
            print(
                f"  corner {r['params']}: var error {g['var']:.2e}, estimate {g['var_estimate']:.2e}; "
                f"mean error {g['mean']:.2e}, estimate {g['estimate']:.2e}"
            )
    rg_err = np.array([r["rg"]["mean"] for r in rows])
    small_U = np.array([s[4] <= 0.1 for s in sets])
    mf = np.array([r["mean-field"]["mean"] for r in rows])
    print(
        f"rg worst error: {rg_err.max():.2e} overall, {rg_err[small_U].max():.2e} at U <= 0.1; "
        f"beats mean-field on {np.sum(rg_err < mf)} / {len(sets)} sets"
    )
    worst = int(np.argmax(rg_err))
    print(f"rg's worst set: {sets[worst]}  error {rg_err[worst]:.2e}  estimate {rows[worst]['rg']['estimate']:.2e}")


if __name__ == "__main__":
    main()

"""Extreme but legal parameters (issue 8): every method, its result or the error it names, and the time.

    python bench/extremes.py            # Λ up to 10^7 (exact up to 10^6), about 3-4 min on one core
    python bench/extremes.py --quick    # Λ up to 10^5
    python bench/extremes.py --full     # also exact at Λ = 10^7

Per case: the loss ⟨L⟩/P, the worst relative error of ⟨Δ_k⟩ against `exact` (where exact ran), the
checks every answer must pass -- finite, 0 < ⟨Δ_k⟩ ≤ y_k, 0 < Var Δ_k ≤ λ_k (``bounds ok``) -- and any
floating-point warning raised on the way (overflow, underflow to 0 of a product that matters, invalid).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from rgflow import ConvergenceError, FlowError, Model, flow, predict  # noqa: E402
from rgflow.transfer import transfer  # noqa: E402

METHODS = ("gp", "pt1", "rg", "rg-cutoff", "mean-field", "exact")


def run(fn):
    """(value, status, seconds, warnings) of fn()."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            value, status = fn(), "ok"
        except (FlowError, ConvergenceError, FloatingPointError, ValueError) as exc:
            value, status = None, f"{type(exc).__name__}: {exc}"
    msgs = sorted({str(w.message).split(":")[0][:60] for w in caught})
    return value, status, time.perf_counter() - t0, msgs


def bounds_ok(m, p):
    lam, y = m.eigenvalues(), m.target()
    return bool(
        np.all(np.isfinite(p.mean))
        and np.all(np.isfinite(p.var))
        and np.all(p.mean > 0)
        and np.all(p.mean <= y * (1 + 1e-12))
        and np.all(p.var > 0)
        and np.all(p.var <= lam * (1 + 1e-12))
    )


def case(m, methods, label):
    rows = []
    ref = None
    results = {}
    for meth in methods:
        results[meth] = run(lambda meth=meth: predict(m, meth))
    if "exact" in results and results["exact"][0] is not None:
        ref = results["exact"][0].mean
    for meth, (p, status, sec, msgs) in results.items():
        if p is None:
            rows.append((label, meth, "-", "-", status[:110], sec, msgs))
            continue
        err = f"{np.max(np.abs(p.mean / ref - 1)):.1e}" if ref is not None else "-"
        note = "bounds ok" if bounds_ok(m, p) else "BOUNDS VIOLATED"
        rows.append((label, meth, f"{p.loss:.4g}", err, note, sec, msgs))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Λ up to 10^5 only")
    ap.add_argument("--full", action="store_true", help="also exact at Λ = 10^7")
    args = ap.parse_args(argv)
    sizes = [10**3, 10**5] + ([] if args.quick else [10**7])
    rows = []
    # 1. exponents at the corners of α ∈ [0.01, 5], β ∈ (-1, 10], threshold r λ_k = 1 at k = 100
    for a, b in [(0.01, -0.9), (0.01, 10.0), (5.0, -0.9), (5.0, 10.0), (0.2, 0.3)]:
        for P in sizes:
            m = Model(a, b, P, P / 100 ** (1 + a), 0.05)
            meths = METHODS if (P <= 10**6 or args.full) else METHODS[:-1]
            rows += case(m, meths, f"α={a:g} β={b:g} Λ=P=1e{round(math.log10(P))} U=0.05")
    # 2. the coupling U and the ridge κ far out, at the paper's spectrum
    for U in (1e-300, 1.0, 100.0, 1e4, 1e8, 1e300):
        rows += case(Model(0.2, 0.3, 1000, 1000 / 100**1.2, U), METHODS, f"paper, U={U:g}")
    for kappa in (1e-300, 1e300):
        for U in (1e-300, 0.05):
            rows += case(Model(0.2, 0.3, 1000, kappa, U), METHODS, f"paper, κ={kappa:g} U={U:g}")
    # 3. the flow schemes and the transfer where the expansion breaks down
    flows = []
    for U in (0.05, 1e2, 1e4):
        m = Model(0.2, 0.3, 1000, 1000 / 100**1.2, U)
        for scheme in ("continuum", "discrete", "hybrid"):
            tr, status, sec, msgs = run(lambda m=m, scheme=scheme: flow(m, scheme))
            res = f"r_end={tr.end[0]:.4g} u_end={tr.end[1]:.4g}" if tr is not None else "-"
            flows.append((f"flow U={U:g}", scheme, res, "-", status[:110], sec, msgs))
    for P, U, P_new in (
        (1000, 0.05, 500),
        (1000, 0.05, 2000),
        (10**5, 0.05, 2 * 10**5),
        (1000, 1.0, 10**5),
        (1000, 100.0, 2000),
    ):
        m = Model(0.2, 0.3, P, P / 100**1.2, U)
        t, status, sec, msgs = run(lambda m=m, P_new=P_new: transfer(m, P_new, scheme="hybrid"))
        res = f"κ̃={t.kappa:.4g} Ũ={t.U:.4g}" if t is not None else "-"
        flows.append((f"transfer P={P:g}→{P_new:g} U={U:g}", "hybrid", res, "-", status[:110], sec, msgs))
    rows += flows
    # 4. where the one-loop expansion stops: the smallest U at which rg-1loop raises FlowError (bisection in
    #    ln U), the U at which pt1's first-order correction reaches 100 %, and the worst errors of rg-1loop and
    #    rg against exact just below (rg itself has no such limit)
    for a, b, P, kappa in [
        (0.2, 0.3, 1000, 1000 / 100**1.2),
        (0.01, -0.9, 1000, 1000 / 100**1.01),
        (5.0, 10.0, 1000, 1000 / 100**6),
        (1.0, 0.2, 10**5, 10**5 / 100**2),
    ]:
        base = Model(a, b, P, kappa, 0.0)
        lo, hi = 1e-6, 1e12
        for _ in range(40):
            mid = math.sqrt(lo * hi)
            try:
                predict(base.replace(U=mid), "rg-1loop")
                lo = mid
            except (FlowError, ValueError):  # ValueError: beyond the model's domain U*P <= 1e300
                hi = mid
        gp = predict(base, "gp")
        A0 = float(np.sum(gp.var + gp.mean**2))
        U_pt1 = 1.0 / (P * float(np.max(gp.var * (A0 + 2 * gp.var))))
        errs = []
        for U in [U for U in (0.01, 1.0, 100.0) if U < lo] + [0.9 * lo]:
            m = base.replace(U=U)
            ex = predict(m, "exact").mean
            errs.append(
                f"U={U:.3g}: {np.max(np.abs(predict(m, 'rg-1loop').mean / ex - 1)):.1e} "
                f"(rg {np.max(np.abs(predict(m, 'rg').mean / ex - 1)):.1e})"
            )
        rows.append(
            (
                f"α={a:g} β={b:g} Λ=P={P:g} κ={kappa:.3g}",
                "U limits",
                f"rg-1loop U*={lo:.3g}{'+' if hi >= 1e12 else ''}, pt1 {U_pt1:.3g}",
                "-",
                "rg-1loop err (rg): " + ", ".join(errs),
                0.0,
                [],
            )
        )
    # 5. langevin at the corners (Λ = 100) against exact, in units of its standard errors
    for a, b in [(0.01, -0.9), (0.01, 10.0), (5.0, -0.9), (5.0, 10.0)]:
        m = Model(a, b, 100, 100 / 10 ** (1 + a), 0.05)
        res, status, sec, msgs = run(lambda m=m: predict(m, "langevin"))
        if res is None:
            rows.append((f"α={a:g} β={b:g} Λ=P=100", "langevin", "-", "-", status[:110], sec, msgs))
            continue
        ex = predict(m, "exact")
        # standard errors floored at 1e-12 relative: below that they are round-off (Rao–Blackwellized modes)
        z = np.max(np.abs(res.mean - ex.mean) / np.maximum(res.info["mean_stderr"], 1e-12 * np.abs(ex.mean)))
        rows.append(
            (
                f"α={a:g} β={b:g} Λ=P=100",
                "langevin",
                f"{res.loss:.4g}",
                f"{np.max(np.abs(res.mean / ex.mean - 1)):.1e}",
                f"max |Δ|/stderr = {z:.2f}",
                sec,
                msgs,
            )
        )

    print(f"{'case':36s} {'method':11s} {'loss/result':28s} {'err vs exact':12s} {'status':44s} {'time':>7s}  warnings")
    for label, meth, loss, err, status, sec, msgs in rows:
        print(f"{label:36s} {meth:11s} {loss:28s} {err:12s} {status:44s} {sec:6.2f}s  {'; '.join(msgs)}")
    bad = [r for r in rows if r[4] == "BOUNDS VIOLATED"]
    print(
        f"\n{len(rows)} runs, {sum(r[4] == 'bounds ok' or r[4] == 'ok' for r in rows)} finished with finite results, "
        f"{sum(r[2] == '-' for r in rows)} stopped with a named error, {len(bad)} with violated bounds "
        f"({', '.join(sorted({r[1] for r in bad}))})"
    )


if __name__ == "__main__":
    main()

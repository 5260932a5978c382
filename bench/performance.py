"""Issue 7 targets, timed side by side in one run (the machine is shared: read the ratios).

    python bench/performance.py            # add --no-sympy to skip the sympy comparison (~10 s)
    python bench/performance.py --predictors --no-sympy    # only gp / rg / exact at 10^5..10^7 and memory
    python bench/performance.py --core fe77a82             # exact and rg: this checkout against a git ref

Every time is the best of several repetitions of the same call in this process; subprocess
timings (import, --help) are the best of 5 fresh interpreters.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from rgflow import Model, flow, flow_batch, predict  # noqa: E402
from rgflow.curves import learning_curve  # noqa: E402
from rgflow.field import flow_field  # noqa: E402

PAPER = dict(alpha=0.2, beta=0.3, U=0.05)
ROWS = []


def best(fn, repeat=5):
    out, t = None, math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def row(what, value, target, met):
    ROWS.append((what, value, target, "yes" if met else "NO"))
    print(f"  {what:58s} {value:>24s}   target {target:<14s} {'met' if met else 'NOT MET'}", flush=True)


SETS = {
    "α=0.3 β=0.8 κ=5": dict(alpha=0.3, beta=0.8, kappa=5.0, U=0.05),
    "paper α=0.2 β=0.3 κ=1000/100^1.2": dict(alpha=0.2, beta=0.3, kappa=1000 / 100**1.2, U=0.05),
}
GOAL_EXACT = {10**6: 5.0, 10**7: 2.0}


def predictors(sizes=(10**5, 10**6, 10**7)):
    """gp, rg and exact side by side, interleaved (best of n, a fresh Model each call: its spectrum
    λ_k, y_k is computed once per model and paid by every method), P = Λ, U = 0.05."""
    for L in sizes:
        n = 5 if L < 10**7 else 3
        for name, par in SETS.items():

            def fresh():
                return Model(P=L, **par)

            times = {m: math.inf for m in ("gp", "rg", "exact")}
            for _ in range(n):
                for m in times:
                    t, out = best(lambda: predict(fresh(), m), 1)
                    times[m] = min(times[m], t)
                    if m == "exact":
                        ex = out
            t_gp, t_rg, t_ex = times["gp"], times["rg"], times["exact"]
            print(
                f"  (Λ = 10^{round(math.log10(L))}, {name}: gp {t_gp * 1e3:.1f} ms, rg {t_rg * 1e3:.1f} ms, "
                f"exact {t_ex * 1e3:.1f} ms; exact: {ex.info['nodes']} nodes, {ex.info['explicit']} explicit "
                f"modes, {ex.info.get('summed', L)} summed one by one, converged to {ex.info['error']:.1e})"
            )
            tag = f"Λ = 10^{round(math.log10(L))}, {name}"
            row(
                f"rg / gp, {tag}",
                f"{t_rg / t_gp:.1f}×",
                "≤ 5×" if L == 10**6 else "report",
                t_rg / t_gp <= 5 or L != 10**6,
            )
            goal = GOAL_EXACT.get(L)
            row(
                f"exact (1e-11) / gp, {tag}",
                f"{t_ex / t_gp:.1f}×",
                f"≤ {goal:g}×" if goal else "report",
                goal is None or t_ex / t_gp <= goal,
            )


def memory(L=10**7):
    """Peak of the Python/numpy allocations (tracemalloc) of one predict at Λ = L, fresh model."""
    import tracemalloc

    par = SETS["paper α=0.2 β=0.3 κ=1000/100^1.2"]
    peaks = {}
    for m in ("gp", "rg", "exact"):
        tracemalloc.start()
        predict(Model(P=L, **par), m)
        peaks[m] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    row(
        f"peak memory at Λ = 10^{round(math.log10(L))} (paper set): gp / rg / exact",
        " / ".join(f"{peaks[m]:.0f}" for m in peaks) + " MiB",
        "report",
        True,
    )


def trajectories():
    m = Model(P=10**6, kappa=10**6 / 100**1.2, **PAPER)
    t1, _ = best(lambda: flow(m), 7)
    row("one continuum trajectory, τ ∈ [0, ln 10^6]", f"{t1 * 1e3:.1f} ms", "a few ms", t1 < 0.01)
    rng = np.random.default_rng(1)
    kappa = 10 ** rng.uniform(0, 2, 1000)
    U = rng.uniform(0, 0.1, 1000)
    tb, batch = best(lambda: flow_batch(0.2, 0.3, 10**6, 10**6 / kappa, U * 10**6), 2)
    t0 = time.perf_counter()
    for i in range(0, 1000, 20):  # 50 of the 1000 one by one, for the loop estimate
        flow(Model(0.2, 0.3, 10**6, kappa[i], U[i]))
    t_loop = (time.perf_counter() - t0) * 20
    row(
        "1000 initial conditions, flow_batch (vs a Python loop)",
        f"{tb:.2f} s ({t_loop / tb:.0f}× faster)",
        "vectorized",
        tb < t_loop,
    )


def field():
    t, ff = best(lambda: flow_field(0.2, cutoff=1000, tau=(0, 2, 4, 6), n=200, nullclines=False), 3)
    tn, _ = best(lambda: flow_field(0.2, cutoff=1000, tau=(0, 2, 4, 6), n=200), 3)
    row("flow field 200×200 at 4 τ (with nullclines)", f"{t * 1e3:.0f} ms ({tn * 1e3:.0f} ms)", "< 1 s", tn < 1)


def curve():
    P = np.unique(np.round(np.logspace(2, 6, 40)).astype(int))
    t, _ = best(lambda: learning_curve(P, 0.2, 0.3, 1000 / 100**1.2, 0.05, method="rg"), 2)
    te, _ = best(lambda: learning_curve(P, 0.2, 0.3, 1000 / 100**1.2, 0.05, method="exact"), 1)
    row(f"learning curve, {len(P)} P in [1e2, 1e6], rg (exact)", f"{t:.2f} s ({te:.2f} s)", "< 10 s", t < 10)


def startup():
    env = dict(os.environ, PYTHONPATH=ROOT)
    code = "import sys, rgflow; assert 'sympy' not in sys.modules and 'matplotlib' not in sys.modules"
    runs = {}
    for name, cmd in {
        "import rgflow": [sys.executable, "-c", code],
        "rgflow --help": [sys.executable, "-m", "rgflow", "--help"],
        "python (empty)": [sys.executable, "-c", "pass"],
    }.items():
        runs[name] = best(lambda: subprocess.run(cmd, env=env, check=True, capture_output=True), 5)[0]
    row(
        "import rgflow (no sympy, no matplotlib loaded)",
        f"{runs['import rgflow']:.2f} s",
        "< 0.5 s",
        runs["import rgflow"] < 0.5,
    )
    row("rgflow --help", f"{runs['rgflow --help']:.2f} s", "< 0.5 s", runs["rgflow --help"] < 0.5)
    print(f"  (a bare interpreter starts in {runs['python (empty)']:.2f} s)")


def generated_vs_sympy():
    sys.path.insert(0, os.path.join(ROOT, "derivations"))
    import derive
    import sympy as sp

    from rgflow import _equations as eq

    t0 = time.perf_counter()
    d = derive.derive()
    t_derive = time.perf_counter() - t0
    syms = [s for s in (d["drdtau"] + d["dudtau"]).free_symbols]
    byname = {s.name: s for s in syms}
    point = {"r": 251.2, "u": 50.0, "k_c": 317.0, "alpha": 0.2, "beta": 0.3}
    subs = {byname[k]: v for k, v in point.items() if k in byname}
    exprs = (d["drdtau"], d["dudtau"])
    t_subs, ref = best(lambda: [float(e.evalf(subs=subs)) for e in exprs], 5)
    plain = sp.lambdify([byname[k] for k in ("r", "u", "k_c", "alpha", "beta")], exprs, "math")
    t_lamb, _ = best(lambda: plain(*point.values()), 2000)
    t_gen, got = best(lambda: eq.continuum_rhs(*point.values()), 2000)
    assert np.allclose(got, ref, rtol=1e-12), (got, ref)
    n = 10**5
    rr = np.linspace(1, 1000, n)
    t_vec, _ = best(lambda: eq.continuum_rhs(rr, 50.0, 317.0, 0.2, 0.3), 20)
    print(
        f"  (derivation {t_derive:.1f} s; one evaluation: sympy evalf {t_subs * 1e6:.0f} µs, "
        f"plain lambdify {t_lamb * 1e6:.1f} µs, generated {t_gen * 1e6:.1f} µs; "
        f"generated on 10^5 points {t_vec * 1e3:.1f} ms = {t_vec / n * 1e9:.0f} ns/point)"
    )
    row("generated RHS vs sympy evalf, one evaluation", f"{t_subs / t_gen:.0f}× faster", "report", True)
    row("generated RHS vs sympy evalf, per point on 10^5 points", f"{t_subs / (t_vec / n):.0f}× faster", "report", True)


CORE_CASES = {
    "Λ = 10^6, paper α=0.2 β=0.3 κ=10^6/100^1.2": (0.2, 0.3, 10**6, 10**6 / 100**1.2, 0.05),
    "Λ = 10^6, α=0.3 β=0.8 κ=5": (0.3, 0.8, 10**6, 5.0, 0.05),
    "paper set P = Λ = 1000, κ=1000/100^1.2": (0.2, 0.3, 1000, 1000 / 100**1.2, 0.05),
}

# run in a fresh interpreter on PYTHONPATH=<checkout>: best-of-n times of exact_moments and rg_moments on a model
# whose spectrum is cached (the integration alone), and their moments, saved to the .npz given as argv[1]
_CORE_CHILD = """
import sys, time, warnings, numpy as np
from rgflow import Model
from rgflow.exact import exact_moments
from rgflow.rg import rg_moments
cases, out = %r, {}
warnings.simplefilter("ignore")
for i, p in enumerate(cases):
    m = Model(*p)
    m.eigenvalues()
    for name, fn in (("exact", lambda: exact_moments(m)), ("rg", lambda: rg_moments(m)[:2])):
        t = float("inf")
        for _ in range(%d):
            t0 = time.perf_counter(); r = fn(); t = min(t, time.perf_counter() - t0)
        mean, var = (r["mean"], r["var"]) if name == "exact" else r
        out[f"{name}{i}_t"], out[f"{name}{i}_mean"], out[f"{name}{i}_var"] = t, mean, var
np.savez(sys.argv[1], **out)
"""


def core(ref, rounds=3, repeat=5):
    """exact and rg in this checkout against the git ref ``ref`` (git archive into a temporary directory),
    each in fresh interpreters, alternating ``rounds`` times (best time kept): times side by side and the
    largest relative difference of ⟨Δ_k⟩ and Var Δ_k over all modes."""
    import tempfile

    cases = list(CORE_CASES.values())
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, "ref")
        os.mkdir(old)
        archive = subprocess.run(["git", "-C", ROOT, "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        runs = {"ref": [], "now": []}
        for k in range(rounds):
            for tag, path in (("ref", old), ("now", ROOT)):
                f = os.path.join(tmp, f"{tag}{k}.npz")
                subprocess.run(
                    [sys.executable, "-c", _CORE_CHILD % (cases, repeat), f],
                    check=True,
                    cwd=tmp,
                    env=dict(os.environ, PYTHONPATH=os.path.abspath(path)),
                )
                runs[tag].append(dict(np.load(f)))
    print(f"exact and rg: this checkout against {ref} (best of {rounds}×{repeat}, spectrum cached)")
    for i, name in enumerate(CORE_CASES):
        for meth in ("exact", "rg"):
            t_ref = min(r[f"{meth}{i}_t"] for r in runs["ref"])
            t_now = min(r[f"{meth}{i}_t"] for r in runs["now"])
            a, b = runs["ref"][0], runs["now"][0]
            dm = float(np.max(np.abs(b[f"{meth}{i}_mean"] / a[f"{meth}{i}_mean"] - 1)))
            dv = float(np.max(np.abs(b[f"{meth}{i}_var"] / a[f"{meth}{i}_var"] - 1)))
            row(f"{meth:5s} {name}: {ref} / now", f"{t_ref * 1e3:.1f} / {t_now * 1e3:.1f} ms", "report", True)
            print(f"      max relative difference of the moments: mean {dm:.1e}, var {dv:.1e}")


def main():
    if "--core" in sys.argv:
        core(sys.argv[sys.argv.index("--core") + 1])
        return
    print("rgflow performance (best-of-n wall times; ratios measured in this run)")
    parts = (
        (predictors, memory)
        if "--predictors" in sys.argv
        else (predictors, memory, trajectories, field, curve, startup)
    )
    for part in parts:
        part()
    if "--no-sympy" not in sys.argv:
        generated_vs_sympy()
    print("\n| target | measured | goal | met |\n|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

"""Networks on the fixed design (issue 22): every method against the exact mixture on random draws,
the transfer table, and exact/gp timing at Λ = 10^6. Prints the tables of bench/networks_results.txt.

    python bench/networks.py [--draws 40] [--seed 22]

Draws: α ∈ [0.1, 2], β ∈ [−0.5, 3], P = Λ ∈ [50, 5000], κ ∈ [0.05, 1000] (log), N ∈ [2, 10^5] (log),
L ∈ 1..4, both parameterizations. The exact mixture itself is checked against independent quadrature
in tests/test_network.py; the sampled weights (method `sample`) in bench/network_sample.py.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

import rgflow
from rgflow.network import network_transfer

METHODS = ("gp", "pt1", "mean-field", "rg")


def draw(rng):
    return rgflow.Model(
        float(rng.uniform(0.1, 2)),
        float(rng.uniform(-0.5, 3)),
        int(10 ** rng.uniform(math.log10(50), math.log10(5000))),
        float(10 ** rng.uniform(math.log10(0.05), 3)),
        width=int(round(10 ** rng.uniform(math.log10(2), 5))),
        depth=int(rng.integers(1, 5)),
        parameterization=("standard", "mean-field")[int(rng.integers(2))],
    )


def worst(a, b):
    return float(np.max(np.abs(a / b - 1)))


def accuracy(draws, seed):
    rng = np.random.default_rng(seed)
    print(f"== every method against exact: worst relative error of <Delta_k> over k ({draws} draws, seed {seed})")
    print(
        f"{'alpha':>6} {'beta':>6} {'P':>5} {'kappa':>8} {'N':>6} {'L':>2} {'par':>5} | "
        + " ".join(f"{m:>10}" for m in METHODS)
        + f" | {'rg est':>8} {'var err':>8} {'var est':>8} {'gp/rg':>8}"
    )
    stats = {m: [] for m in METHODS}
    cover, tenfold, var_cover = 0, 0, 0
    for _ in range(draws):
        model = draw(rng)
        ex = rgflow.predict(model, "exact")
        errs = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            preds = {m: rgflow.predict(model, m) for m in METHODS}
        for m in METHODS:
            errs[m] = worst(preds[m].mean, ex.mean)
            stats[m].append(errs[m])
        rg = preds["rg"]
        verr = worst(rg.var, ex.var)
        cover += errs["rg"] <= rg.info["error_estimate"]
        var_cover += verr <= rg.info["var_error_estimate"]
        ratio = errs["gp"] / max(errs["rg"], 1e-300)
        tenfold += ratio >= 10 or errs["rg"] < 1e-9
        p = model.params
        print(
            f"{p['alpha']:6.3f} {p['beta']:6.3f} {p['P']:5d} {p['kappa']:8.3g} {p['width']:6d} {p['depth']:2d} "
            f"{p['parameterization'][:5]:>5} | "
            + " ".join(f"{errs[m]:10.2e}" for m in METHODS)
            + f" | {rg.info['error_estimate']:8.1e} {verr:8.1e} {rg.info['var_error_estimate']:8.1e} {ratio:8.1e}"
        )
    print("summary: worst over draws: " + ", ".join(f"{m} {max(v):.2e}" for m, v in stats.items()))
    print(
        f"summary: rg below 1e-3 on {sum(e < 1e-3 for e in stats['rg'])}/{draws}; rg >= 10x better than gp "
        f"(or below 1e-9) on {tenfold}/{draws}; rg's estimate covers its error on {cover}/{draws} (means), "
        f"{var_cover}/{draws} (variances)"
    )


def transfers(draws, seed):
    rng = np.random.default_rng(seed + 1)
    print("\n== transfer P -> P' (both ways): worst relative deviation of <Delta_k>, k <= min(P, P'), from system 1")
    print(
        f"{'N':>6} {'L':>2} {'par':>5} {'P':>5} {'P_new':>5} | {'N_new':>6} {'kappa_new':>10} | "
        f"{'transfer':>9} {'keep r':>9} {'naive':>9}"
    )
    for i in range(draws):
        model = draw(rng)
        model = model.replace(P=min(model.P, 1500))
        P_new = int(model.P * (0.5 if i % 2 else 2.0))
        new, _ = network_transfer(model, P_new)
        K = min(model.P, P_new)
        one = rgflow.predict(model, "exact").mean[:K]
        dev = worst(rgflow.predict(new, "exact").mean[:K], one)
        keep = worst(rgflow.predict(model.replace(P=P_new, kappa=model.kappa * P_new / model.P), "exact").mean[:K], one)
        naive = worst(rgflow.predict(model.replace(P=P_new), "exact").mean[:K], one)
        print(
            f"{model.width:6d} {model.depth:2d} {model.parameterization[:5]:>5} {model.P:5d} {P_new:5d} | "
            f"{new.width:6d} {new.kappa:10.4g} | {dev:9.2e} {keep:9.2e} {naive:9.2e}"
        )


def timing():
    print(
        "\n== exact and gp at Lambda = 10^6 (process time, best of 5, fresh models; alpha 0.2, beta 0.3, kappa = P/100^1.2)"
    )
    for N, L, par in ((2, 1, "standard"), (8, 2, "standard"), (1000, 1, "standard"), (100, 3, "mean-field")):
        tg, te = [], []
        for _ in range(5):
            args = (0.2, 0.3, 10**6, 10**6 / 100**1.2)
            m = rgflow.Model(*args, width=N, depth=L, parameterization=par)
            t0 = time.process_time()
            rgflow.predict(m, "gp")
            t1 = time.process_time()
            m = rgflow.Model(*args, width=N, depth=L, parameterization=par)
            t2 = time.process_time()
            rgflow.predict(m, "exact")
            te.append(time.process_time() - t2)
            tg.append(t1 - t0)
        print(
            f"N={N:5d} L={L} {par:>10}: gp {min(tg) * 1e3:6.1f} ms, exact {min(te) * 1e3:6.1f} ms, "
            f"ratio {min(te) / min(tg):4.1f}"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=40)
    ap.add_argument("--seed", type=int, default=22)
    ns = ap.parse_args()
    accuracy(ns.draws, ns.seed)
    transfers(max(8, ns.draws // 4), ns.seed)
    timing()

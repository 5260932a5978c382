"""Calibration of Langevin's error bars against ``exact`` on a seeded random draw of parameter sets.

    python bench/errorbars.py [SETS] [SEED]          # default 250 sets, seed 5

Draw: α log-uniform in [0.01, 5], β uniform in [−0.9, 10], P = Λ log-uniform in [2, 400],
κ = 10^U(−12, 12), U = 10^U(−12, 3) (10 % of the sets U = 0). For every mode k, z = (langevin −
exact)/stderr of ⟨Δ_k⟩ and of Var Δ_k (langevin's error bar alone), with the default sampler.
Printed: the number of z-scores, the fraction above 2 and 3, the largest |z| with the floor of the
error bars (bias + round-off) and without it (the batch-mean spread alone, as before the floor),
and the share of modes whose error bar the floor dominates.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rgflow.exact import exact_moments  # noqa: E402
from rgflow.langevin import langevin  # noqa: E402
from rgflow.model import Model  # noqa: E402


def main(sets=250, seed=5):
    rng = np.random.default_rng(seed)
    z_new, z_old, floor_dom, skipped = [], [], [], 0
    for i in range(sets):
        alpha = float(np.exp(rng.uniform(np.log(0.01), np.log(5))))
        beta = float(rng.uniform(-0.9, 10))
        P = int(np.exp(rng.uniform(np.log(2), np.log(400))))
        kappa = float(10 ** rng.uniform(-12, 12))
        U = float(10 ** rng.uniform(-12, 3)) if rng.random() < 0.9 else 0.0
        model = Model(alpha, beta, P, kappa, U)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ex = exact_moments(model)
                lv = langevin(model, seed=i)
        except Exception as exc:  # noqa: BLE001 - a bench reports and goes on
            skipped += 1
            print(f"skipped {model.params}: {exc!r}"[:200])
            continue
        for key in ("mean", "var"):
            se, fl = lv[f"{key}_stderr"], lv[f"{key}_stderr_floor"]
            raw = np.sqrt(np.maximum(se**2 - fl**2, 0.0))
            d = lv[key] - np.asarray(ex[key])
            z_new.append(d / se)
            with np.errstate(divide="ignore", invalid="ignore"):
                z_old.append(np.where(d == 0.0, 0.0, d / raw))
            floor_dom.append(fl > raw)
    z, zo = np.abs(np.concatenate(z_new)), np.abs(np.concatenate(z_old))
    print(
        f"{sets - skipped} sets, {z.size} z-scores: |z| > 2: {np.mean(z > 2):.2%}, |z| > 3: {np.mean(z > 3):.3%}, "
        f"max |z| = {z.max():.3g}; without the floor max |z| = {np.nanmax(zo):.3g} "
        f"(|z| > 5: {np.mean(zo > 5):.1%}); floor-dominated error bars: {np.mean(np.concatenate(floor_dom)):.0%}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

"""Random loop over the public entry points (issue 18 item 4): does any result hold a non-finite
number (or None) without raising? Draws the stated domain (alpha in [0.01, 5], beta in [-0.9, 10],
P up to 3000, kappa from 1e-300 to 1e300, U = 0 or from 1e-300 up) and walks every result's to_dict().

    python bench/finite_outputs.py [SEED] [DRAWS_PER_ENTRY_POINT]      (defaults 2, 40)

Prints per entry point the outcomes (ok / documented exception names / UNDOCUMENTED ...) and every
path in to_dict() that held NaN, inf or None, with one input that produced it.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's rgflow
import collections
import math
import random
import time
import warnings

import numpy as np

import rgflow
from rgflow import ConvergenceError, FlowError, Model, dynamics, flow, flow_field, learning_curve, loss_surface, predict
from rgflow.surface import fit_surface
from rgflow.sweep import sweep
from rgflow.transfer import transfer, transfer_map

warnings.simplefilter("ignore")
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
DOC = (ValueError, TypeError, FlowError, ConvergenceError, FloatingPointError)


def walk(obj, path, bad):
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    if isinstance(obj, dict):
        for k, v in obj.items():
            walk(v, f"{path}.{k}", bad)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            walk(v, path, bad)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and not np.all(np.isfinite(obj)):
            bad.add(path)
        elif obj.dtype == object:
            walk(obj.tolist(), path, bad)
    elif isinstance(obj, float) and not math.isfinite(obj):
        bad.add(path)
    elif obj is None and not path.endswith("cutoff"):
        bad.add(path + "=None")


def draw(max_P=3000):
    P = max(1, int(round(10 ** rng.uniform(0, math.log10(max_P)))))
    return dict(
        alpha=rng.uniform(0.01, 5),
        beta=rng.uniform(-0.9, 10),
        P=P,
        kappa=10 ** rng.uniform(-300, 300) if rng.random() < 0.4 else 10 ** rng.uniform(-2, 4),
        U=0.0
        if rng.random() < 0.15
        else (10 ** rng.uniform(-300, 300) if rng.random() < 0.3 else 10 ** rng.uniform(-4, 1)),
    )


CALLS = {
    "predict": lambda p: predict(Model(**p), rng.choice(["rg", "exact", "gp", "mean-field", "rg-cutoff"])),
    "predict-langevin": lambda p: predict(Model(**{**p, "P": min(p["P"], 200)}), "langevin", steps=64),
    "flow": lambda p: flow(Model(**p), rng.choice(["continuum", "discrete", "hybrid"])),
    "transfer": lambda p: transfer(Model(**p), max(1, int(p["P"] * rng.uniform(0.1, 3)))),
    "curve": lambda p: learning_curve(
        [p["P"], max(1, p["P"] // 3)], p["alpha"], p["beta"], p["kappa"], p["U"], rng.choice(["rg", "gp", "exact"])
    ),
    "surface": lambda p: loss_surface(
        [p["P"], max(1, p["P"] // 2)],
        [max(1, p["P"] // 2), p["P"]],
        p["alpha"],
        p["beta"],
        p["kappa"],
        p["U"],
        rng.choice(["rg", "gp", "pt1"]),
    ),
    "fit_surface": lambda p: fit_surface(
        loss_surface(
            "20:%d:5" % max(40, p["P"]), "20:%d:5" % max(40, p["P"]), p["alpha"], p["beta"], p["kappa"], p["U"], "gp"
        )
    ),
    "transfer_map": lambda p: transfer_map(
        Model(**p), [rng.uniform(0.05, 4) for _ in range(3)], [0.0, p["U"], 10 * p["U"]]
    ),
    "field": lambda p: flow_field(
        p["alpha"],
        rng.choice([None, p["beta"]]),
        max(2, p["P"]),
        (0.0, rng.uniform(0, 1)),
        n=rng.randint(3, 12),
        rescaled=rng.random() < 0.5,
        **rng.choice([{}, dict(U_range=(0.0, 1.0), r_range=(0.0, 1.0))]),
    ),
    "dynamics": lambda p: dynamics(
        Model(**{**p, "P": min(p["P"], 300)}),
        method=rng.choice(["gradient", "mean-field", "langevin"]),
        shells=rng.randint(1, 4),
    ),
    "sweep": lambda p: sweep(
        alpha=[p["alpha"]],
        beta=[p["beta"]],
        P=[min(p["P"], 500)],
        kappa=[p["kappa"]],
        U=[p["U"]],
        **rng.choice(
            [
                dict(observable="moments"),
                dict(observable="transfer", options={"P_new": max(1, min(p["P"], 500) // 2)}),
                dict(observable="scaling"),
            ]
        ),
    ),
    "traj-eval": lambda p: (lambda t: t(np.linspace(0, t.tau[-1], 7)))(
        flow(Model(**p), rng.choice(["continuum", "discrete", "hybrid"]))
    ),
    "flow_batch": lambda p: rgflow.flow_batch(
        p["alpha"], p["beta"], p["P"], [p["P"] / p["kappa"], 1.0], [p["U"] * p["P"], 0.5]
    ),
    "scaling": lambda p: rgflow.scaling_interval(p["alpha"], p["beta"], max(3, p["P"]), p["kappa"], p["U"], points=50),
}
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
report = {}
for name, call in CALLS.items():
    cnt = collections.Counter()
    bad = collections.Counter()
    ex = {}
    tmax = 0
    for _ in range(N):
        p = draw()
        t0 = time.perf_counter()
        try:
            res = call(p)
        except DOC as e:
            cnt[type(e).__name__] += 1
            continue
        except Exception as e:
            cnt["UNDOCUMENTED " + type(e).__name__] += 1
            ex.setdefault("undoc " + type(e).__name__, (p, str(e)[:200]))
            continue
        finally:
            tmax = max(tmax, time.perf_counter() - t0)
        cnt["ok"] += 1
        b = set()
        walk(res, name, b)
        for path in b:
            bad[path] += 1
            ex.setdefault(path, p)
    print(name, dict(cnt), f"tmax={tmax:.1f}s", flush=True)
    for path, c in bad.items():
        print("   non-finite:", path, c, ex[path], flush=True)
    for k, v in ex.items():
        if k.startswith("undoc"):
            print("   ", k, v, flush=True)

"""Time bound at the corners of the stated domain (issue 18 item 3): every predictor, flow scheme,
transfer and scaling_interval at Λ = P = 3000 over α ∈ {0.01, 5}, β ∈ {−0.9, 10},
κ ∈ {1e-300, 1, 1e300}, U ∈ {0, 1e-300, 0.05, 3e296} (langevin only at κ = 1).

    python bench/corners.py [CUTOFF]   # default Λ = 3000; prints, per entry point, the slowest call (s),
                                       # its outcome, and all outcomes
"""

import itertools
import json
import os
import sys
import time
import warnings

warnings.simplefilter("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rgflow import METHODS, ConvergenceError, FlowError, Model, flow, predict, scaling_interval, transfer  # noqa: E402

L = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
worst = {}
outcomes = {}


def run(name, fn):
    t = time.perf_counter()
    try:
        fn()
        o = "ok"
    except (ValueError, TypeError, FlowError, ConvergenceError, FloatingPointError) as e:
        o = type(e).__name__
    dt = time.perf_counter() - t
    if dt > worst.get(name, (0,))[0]:
        worst[name] = (dt, o)
    outcomes.setdefault(name, {}).setdefault(o, 0)
    outcomes[name][o] += 1


for a, b, k, U in itertools.product([0.01, 5.0], [-0.9, 10.0], [1e-300, 1.0, 1e300], [0.0, 1e-300, 0.05, 3e296]):
    try:
        m = Model(a, b, L, k, U)
    except ValueError:
        continue
    for meth in METHODS:
        if meth == "langevin" and not (k == 1.0):
            continue
        run(f"predict[{meth}]", lambda: predict(m, meth))
    for s in ("continuum", "discrete", "hybrid"):
        run(f"flow[{s}]", lambda: flow(m, s))
    run("transfer", lambda: transfer(m, L // 2))
    run("scaling_interval", lambda: scaling_interval(a, b, L, k, U))
print(json.dumps({n: [round(v[0], 2), v[1], outcomes[n]] for n, v in sorted(worst.items())}, indent=0))

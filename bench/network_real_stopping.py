"""The stopping rule of the KRR / network columns (rgflow.krr.sample_draws) on skewed distributions.

The old rule (batches of 40 until se < rel_se·mean) against the pilot rule: the bias of the mean in units of
the mean reported standard error (the truth is known), the mean number of draws, and how often the reported
standard error exceeds rel_se and SLACK·rel_se. rel_se = 0.02, 3000 runs each.

    PYTHONPATH=$PWD python bench/network_real_stopping.py > bench/network_real_stopping_results.txt
"""

import math

import numpy as np

from rgflow.krr import SLACK, sample_draws


def old_rule(one, rng, rel_se, min_draws=40, max_draws=4000):
    errs = []
    while True:
        errs += [one(rng) for _ in range(min_draws)]
        if len(errs) >= max_draws or np.std(errs, ddof=1) / np.sqrt(len(errs)) <= rel_se * np.mean(errs):
            break
    e = np.array(errs)
    return e.mean(), e.std(ddof=1) / np.sqrt(len(e)), len(e)


CASES = (
    ("0.85 + 0.15 Exp", lambda r: 0.85 + 0.15 * r.exponential(), 1.0),
    ("0.8 + 0.1 Exp^2", lambda r: 0.8 + 0.1 * r.exponential() ** 2, 1.0),
    ("lognormal(0, 1)", lambda r: float(np.exp(r.standard_normal())), math.exp(0.5)),
)

if __name__ == "__main__":
    rel, runs = 0.02, 3000
    print(f"# rel_se = {rel}, {runs} runs; bias = (mean of the estimates - truth) / mean reported se")
    print(f"# {'distribution':>16} {'rule':>6} {'bias/se':>8} {'draws':>6} {'se>rel':>7} {'se>SLACK*rel':>13}")
    for name, one, true in CASES:
        for rule in ("old", "pilot"):
            if rule == "old":
                res = [old_rule(one, np.random.default_rng([s, 7]), rel) for s in range(runs)]
            else:
                res = [tuple(sample_draws(one, s, 7, rel_se=rel).values()) for s in range(runs)]
            m, se, n = (np.array(c) for c in zip(*res))
            print(
                f"  {name:>16} {rule:>6} {(m.mean() - true) / se.mean():+8.3f} {n.mean():6.0f} "
                f"{np.mean(se > rel * m):7.3f} {np.mean(se > SLACK * rel * m):13.3f}"
            )

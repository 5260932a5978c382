"""Kernel ridge regression against the U = 0 theory: ratios KRR/EK and KRR/RR (± standard error over
seeds) and the diagnostic δ, at the figure-8 settings (α = 0.2, β = 0.3, Λ = 4P).

    python bench/krr.py [CUTOFF_FACTOR]     # Λ = CUTOFF_FACTOR·P, default 4
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from rgflow.krr import KAPPAS, compare  # noqa: E402

P_VALUES = (100, 200, 400, 800, 1600)


def main(cutoff_factor=4):
    print(f"alpha = 0.2, beta = 0.3, cutoff = {cutoff_factor:g} P")
    print(
        f"{'kappa':>6} {'P':>5} {'seeds':>5} {'delta':>6} {'kap_eff/kap':>11} | "
        + " ".join(f"{th + '/' + q:>16}" for th in ("EK", "RR") for q in ("bias", "var", "loss"))
    )
    t0 = time.perf_counter()
    for kappa in KAPPAS:
        c = compare(P_VALUES, 0.2, 0.3, kappa, cutoff_factor=cutoff_factor)
        for i, P in enumerate(c["P"]):
            cells = []
            for th in ("ek", "rr"):
                for q in ("bias", "variance", "loss"):
                    ref = c[f"{th}_{q}"][i]
                    cells.append(f"{c[f'krr_{q}'][i] / ref:.3f}±{c[f'krr_{q}_stderr'][i] / ref:.3f}")
            print(
                f"{kappa:6.3g} {int(P):5d} {int(c['seeds'][i]):5d} {c['diagnostic'][i]:6.3f} "
                f"{c['kappa_eff'][i] / kappa:11.3f} | " + " ".join(f"{s:>16}" for s in cells)
            )
    print(f"time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 4)

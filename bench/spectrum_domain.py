"""A domain for eigenlearning from the spectrum alone (issue 24 item 7): which spectrum-only quantity flags
the points where the renormalized ridge misses real KRR by more than 8%?

Calibration set: the 216 points of bench/real_krr_results.txt (3 data sets × 3 kernels × 2 targets ×
κ ∈ {1, 0.1, 0.01} × 4 P); held-out set: the 120 random draws of bench/real_krr_random_results.txt (4 data sets,
κ log-uniform in [1e-3, 10], P in [0.01 N, 0.2 N]). The measured KRR/renormalized ratios are read from those
files; the spectra are recomputed as bench/real_krr.py does (``real_dataset``, ``kernel_matrix``,
``spectrum_from_gram``, the dropped power as the residual) and eigenlearning is re-evaluated (it must give
the files' KRR/ratio back, checked below). Candidates, each computable from (λ, y, P, κ):

* γ = Σ_k L_k²/P (E − B = γ E: the share of the predicted error that is sampling fluctuation),
* κ/(P K) = 1 − Σ_k L_k/P (small: interpolation), K/Σλ (the effective ridge in units of tr K/N),
* κ/Σλ (the ridge against the kernel's scale), P/N, k*/N (modes with L_k > 1/2 per data point),
* the relative predicted error E/Σy², the local log-slope of λ_k around k = Σ L_k.

For each, a threshold table (caught misses / false alarms on both sets), then the rule rgflow uses
(``rgflow.ridge.spectrum_domain``: γ ≥ GAMMA_DOMAIN or κ ≤ SMALL_RIDGE·Σλ) with its rates.

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/spectrum_domain.py      # ~1 min; writes spectrum_domain_results.txt
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from rgflow.data import kernel_matrix, spectrum_from_gram  # noqa: E402
from rgflow.krr import real_dataset  # noqa: E402
from rgflow.ridge import GAMMA_DOMAIN, SMALL_RIDGE, ridge_errors, spectrum_domain  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
MISS = 0.08


def read_points():
    """(set, dataset, kernel, target, κ, P, KRR, KRR/renormalized) of both result files."""
    pts = []
    for line in (HERE / "real_krr_results.txt").read_text().splitlines()[2:]:
        c = line.split()
        if len(c) >= 11 and c[2] in ("class", "smooth"):
            pts.append(("calibration", c[0], c[1], c[2], float(c[3]), int(c[4]), float(c[6]), float(c[8])))
    for line in (HERE / "real_krr_random_results.txt").read_text().splitlines():
        c = line.split()
        if len(c) == 11 and c[2] in ("class", "smooth"):
            pts.append(("held-out", c[0], c[1], c[2], float(c[3]), int(c[4]), float(c[6]), float(c[8])))
    return pts


def features(lam, y, res, N, P, kappa):
    r = ridge_errors(lam, y, P, kappa, residual=res)
    L = r.L
    n = float(np.sum(L))
    k = np.arange(1, lam.size + 1)
    sel = (k >= max(1, int(n / 2))) & (k <= min(lam.size, int(2 * n) + 1))
    slope = np.polyfit(np.log(k[sel]), np.log(lam[sel]), 1)[0] if sel.sum() > 2 else np.nan
    return r, {
        "gamma": r.gamma,
        "kappa/(PK)": kappa / (P * r.K),
        "K/sum(lam)": r.K / lam.sum(),
        "kappa/sum(lam)": kappa / lam.sum(),
        "P/N": P / N,
        "k*/N": float(np.sum(L > 0.5)) / N,
        "E/sum(y2)": r.test_error / (np.sum(y * y) + res),
        "slope": slope,
    }


def rates(flag, miss, cal, ratio):
    out = []
    for name, s in (("calibration", cal), ("held-out", ~cal)):
        unflagged = np.abs(ratio[s & ~flag] - 1)
        out.append(
            f"{name}: caught {np.sum(flag & miss & s):2d}/{np.sum(miss & s)}, false alarms "
            f"{np.sum(flag & ~miss & s):3d}/{np.sum(~miss & s)}, worst unflagged {unflagged.max() if unflagged.size else 0:.3f}"
        )
    return " | ".join(out)


def main():
    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    pts = read_points()
    cache, rows, feats = {}, [], []
    for src, ds, kn, tg, kappa, P, krr, ratio in pts:
        if (ds, kn, tg) not in cache:
            X, f = real_dataset(ds, tg)
            s = spectrum_from_gram(kernel_matrix(X, kernel=kn), f)
            res = s.meta["dropped_power"] if s.meta["dropped_modes"] else 0.0
            cache[(ds, kn, tg)] = (np.asarray(s.eigenvalues), np.asarray(s.target), res, len(f))
        lam, y, res, N = cache[(ds, kn, tg)]
        r, ft = features(lam, y, res, N, P, kappa)
        rows.append((src, ds, kn, tg, kappa, P, ratio, krr / ratio / r.test_error, r, lam.sum()))
        feats.append(ft)
    check = np.array([row[7] for row in rows])
    say(
        f"eigenlearning recomputed / the files' KRR/ratio: [{check.min():.4f}, {check.max():.4f}] (rounding of the ratio)"
    )
    cal = np.array([row[0] == "calibration" for row in rows])
    ratio = np.array([row[6] for row in rows])
    miss = np.abs(ratio - 1) > MISS
    say(
        f"{cal.sum()} calibration points ({np.sum(miss & cal)} misses > 8%), {(~cal).sum()} held-out ({np.sum(miss & ~cal)})"
    )
    X = {k: np.array([f[k] for f in feats]) for k in feats[0]}
    say("\nquantiles (5, 25, 50, 75, 95%) of each candidate, on the points within 8% | on the misses:")
    for k, x in X.items():
        a = np.nanpercentile(x[~miss], [5, 25, 50, 75, 95])
        b = np.nanpercentile(x[miss], [5, 25, 50, 75, 95])
        say(f"  {k:>15}: {' '.join(f'{v:9.3g}' for v in a)} | {' '.join(f'{v:9.3g}' for v in b)}")
    say("\nthreshold tables (flag = the rule says 'outside'):")
    tables = {
        "gamma": (">=", (0.2, 0.22, 0.25, 0.28, 0.3, 0.33)),
        "K/sum(lam)": ("<=", (0.002, 0.005, 0.01, 0.016)),
        "kappa/(PK)": ("<=", (0.05, 0.1, 0.3)),
        "kappa/sum(lam)": ("<=", (0.003, 0.01, 0.02, 0.1)),
        "k*/N": (">=", (0.01, 0.02, 0.03)),
        "P/N": (">=", (0.1, 0.15)),
        "E/sum(y2)": ("<=", (0.1, 0.2)),
    }
    for k, (op, ts) in tables.items():
        for t in ts:
            flag = X[k] >= t if op == ">=" else X[k] <= t
            say(f"  {k:>15} {op} {t:<6g}: {rates(flag, miss, cal, ratio)}")
    say("\ncombinations:")
    for g, t in ((0.2, 0.016), (0.25, 0.01), (0.25, 0.016)):
        flag = (X["gamma"] >= g) & (X["K/sum(lam)"] <= t)
        say(f"  gamma >= {g} and K/sum(lam) <= {t}: {rates(flag, miss, cal, ratio)}")
    flag = np.array(
        [
            spectrum_domain("renormalized", r.gamma, row[4], row[9]).startswith("outside")
            for row in rows
            for r in [row[8]]
        ]
    )
    say(
        f"\nthe rule of rgflow.ridge.spectrum_domain (gamma >= {GAMMA_DOMAIN} or kappa <= {SMALL_RIDGE}·sum(lam)):\n  "
        + rates(flag, miss, cal, ratio)
    )
    for name, s in (("calibration", cal), ("held-out", ~cal)):
        say(
            f"  {name}: P(miss | outside) = {np.mean(miss[s & flag]):.2f}, P(miss | not flagged) = "
            f"{np.mean(miss[s & ~flag]):.3f}"
        )
    ck = np.array([row[4] <= SMALL_RIDGE * row[9] for row in rows])
    say("  the small-ridge part alone: " + rates(ck, miss, cal, ratio))
    say("\nmisses not flagged:")
    for row, fl, m in zip(rows, flag, miss):
        if m and not fl:
            say(
                f"  {row[0]:>11} {row[1]:>13} {row[2]:>7} {row[3]:>6} kappa={row[4]:.3g} P={row[5]} KRR/renorm={row[6]:.3f} gamma={row[8].gamma:.3f}"
            )
    say(
        "\nconclusion: no spectrum-only quantity separates the misses (the leverages decide; the pointwise ridge, "
        "which sees them, separates them); gamma is the best single one."
    )
    (HERE / "spectrum_domain_results.txt").write_text(
        "# OMP_NUM_THREADS=1 PYTHONPATH=. python bench/spectrum_domain.py\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()

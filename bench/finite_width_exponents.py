"""Scaling laws at finite width (issue 22 item 6): the exponent in P of the relative correction to the
GP's training loss, derived (rgflow.exponents, derivations/network.py §6) against measured local slopes.

For each (α, β, κ) and P = 250 … 16000 (Λ = P):

A. standard network, fixed width N = 10⁶, L = 1: loss_N/loss_∞ − 1 from the exact mixture
   (rgflow.network.network_moments), its local slope d ln|c|/d ln P; the continuum first-order
   prediction's slope at the same P (rgflow.exponents.continuum_network_correction); that prediction's
   slope at P = 10¹⁶; the derived exponent e = max(1, 1 + α − β)/(1 + α).
B. standard network at fixed N/P = 100: measured slope against e − 1 = −min(α, β)/(1 + α).
C. section 1's quartic at fixed U = 0.05: loss(U)/loss(0) − 1 by rgflow.predict exact and pt1; the
   continuum pt1 slope at P = 10¹⁶; the derived −min(α, β)/(1 + α).
D. mean-field parameterization, fixed N = 10⁶ and N/P = 100: loss_N/loss_∞ − 1 against its own
   N → ∞ limit (the GP at the saddle t̂), measured on the exact mixture; the first-order formula's slope
   at P = 10⁶ (rgflow.exponents.mean_field_correction); the derived exponent (derivations/network.py §7).

    python bench/finite_width_exponents.py          # ~1 min; writes bench/finite_width_exponents_results.txt
"""

import math
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

import rgflow  # noqa: E402
from rgflow import network as nw  # noqa: E402
from rgflow.curves import local_slopes  # noqa: E402
from rgflow.exponents import (  # noqa: E402
    continuum_network_correction,
    continuum_quartic_correction,
    correction_exponents,
    mean_field_correction,
)
from rgflow.model import Model  # noqa: E402

SETS = ((0.2, 0.3, 1000 / 100**1.2), (0.5, 0.8, 1.0), (1.0, 0.5, 1.0), (1.0, 2.0, 1.0))
PS = np.array([250, 500, 1000, 2000, 4000, 8000, 16000])
BIG = np.geomspace(1e15, 1e16, 3)
OUT = pathlib.Path(__file__).with_name("finite_width_exponents_results.txt")


def network_correction(alpha, beta, P, kappa, N, par="standard", L=1):
    m = Model(alpha, beta, int(P), kappa, width=int(N), depth=L, parameterization=par)
    mean, var, _ = nw.network_moments(m)
    lam, y = m.eigenvalues(), m.target()
    if par == "standard":
        x = m.r * lam
        ref = np.sum((y / (1 + x)) ** 2 + lam / (1 + x))
    else:
        t_hat = nw.pt1_moments(m)[2]["t_hat"]
        ref = np.sum((y / (1 + m.r * lam * math.exp(t_hat))) ** 2)  # N = ∞: no variance (g = 1/N)
    return float(np.sum(mean**2 + var) / ref - 1.0)


def quartic_correction(alpha, beta, P, kappa, U, method):
    m = rgflow.Model(alpha, beta, int(P), kappa, U)
    return rgflow.predict(m, method).loss / rgflow.predict(m, "gp").loss - 1.0


def fmt(v):
    return " ".join(f"{x:7.3f}" for x in v)


def main():
    t0 = time.time()
    rows = [
        " ".join(__doc__.strip().split("\n\n")[0].split()),
        "",
        f"P = {' '.join(str(p) for p in PS)}; local slopes at each P (np.gradient in ln P)",
        "",
    ]
    for alpha, beta, kappa in SETS:
        e = correction_exponents(alpha, beta)
        rows.append(f"== alpha = {alpha}, beta = {beta}, kappa = {kappa:.4g} ==")
        c = np.array([network_correction(alpha, beta, P, kappa, 1e6) for P in PS])
        cc = np.array([continuum_network_correction(alpha, beta, P, kappa, 1e6) for P in PS])
        big = np.array([continuum_network_correction(alpha, beta, P, kappa, 1e6) for P in BIG])
        rows += [
            f"A fixed N=1e6   exact c(P) = {c[0]:.3e} ... {c[-1]:.3e}",
            f"  measured slope   {fmt(local_slopes(PS, np.abs(c)))}",
            f"  continuum slope  {fmt(local_slopes(PS, np.abs(cc)))}",
            f"  continuum at P=1e16: {local_slopes(BIG, np.abs(big))[-1]:.4f}   derived e = "
            f"{e['network_fixed_width']:.4f}",
        ]
        c = np.array([network_correction(alpha, beta, P, kappa, 100 * P) for P in PS])
        rows += [
            f"B fixed N/P=100 exact c(P) = {c[0]:.3e} ... {c[-1]:.3e}",
            f"  measured slope   {fmt(local_slopes(PS, np.abs(c)))}",
            f"  derived e - 1 = {e['network_fixed_ratio']:.4f}",
        ]
        cq = {
            meth: np.array([quartic_correction(alpha, beta, P, kappa, 0.05, meth) for P in PS])
            for meth in ("exact", "pt1")
        }
        big = np.array([continuum_quartic_correction(alpha, beta, P, kappa, 0.05) for P in BIG])
        rows += [
            f"C quartic U=0.05 exact c(P) = {cq['exact'][0]:.3e} ... {cq['exact'][-1]:.3e}",
            f"  exact slope      {fmt(local_slopes(PS, np.abs(cq['exact'])))}",
            f"  pt1 slope        {fmt(local_slopes(PS, np.abs(cq['pt1'])))}",
            f"  continuum pt1 at P=1e16: {local_slopes(BIG, np.abs(big))[-1]:.4f}   derived = "
            f"{e['quartic_fixed_U']:.4f}",
        ]
        far = np.array([5 * 10**5, 10**6])
        cf = [mean_field_correction(alpha, beta, int(P), kappa, 1e9) for P in far]
        far_slope = math.log(cf[1] / cf[0]) / math.log(2.0)
        for label, Nf, key in (
            ("fixed N=1e6", lambda P: 1e6, "mean_field_fixed_width"),
            ("fixed N/P=100", lambda P: 100 * P, "mean_field_fixed_ratio"),
        ):
            c = np.array([network_correction(alpha, beta, P, kappa, Nf(P), "mean-field") for P in PS])
            rows += [
                f"D mean-field {label}: c(P) = {c[0]:.3e} ... {c[-1]:.3e}",
                f"  measured slope   {fmt(local_slopes(PS, np.abs(c)))}",
                f"  first order at P=1e6: {far_slope - (1 if 'ratio' in key else 0):.4f}   derived = {e[key]:.4f}",
            ]
        rows.append("")
    rows.append(f"(ran in {time.time() - t0:.0f} s; python bench/finite_width_exponents.py)")
    text = "\n".join(rows) + "\n"
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

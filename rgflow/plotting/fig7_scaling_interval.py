"""Figure 7: measured effective exponents of U and r against the analytic scaling band."""
from __future__ import annotations

import math

import numpy as np

from ..scaling import scaling_interval


def figure(out_dir) -> list:
    """Effective exponents of U (and r) against τ inside the analytic band."""
    from .._plotting import pyplot, save_figure

    plt = pyplot()
    cases = [dict(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05, label="paper: α=0.2, β=0.3, Λ=P=1000, k*=100"),
             dict(alpha=0.2, beta=0.3, P=20000, kappa=20000 / 5**1.2, U=0.05, label="α=0.2, β=0.3, Λ=P=20000, k*=5"),
             dict(alpha=1.0, beta=1.5, P=20000, kappa=20000 / 5**2.0, U=0.05, label="α=1, β=1.5, Λ=P=20000, k*=5")]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
    for ax, c in zip(axes, cases):
        label = c.pop("label")
        res = scaling_interval(**c)
        e = res.effective
        lo, hi = res.U["interval"]
        ax.axhspan(lo, hi, color="C0", alpha=0.15, label=f"U band [γ_U−1, γ_U] = [{lo:.2f}, {hi:.2f}]")
        ax.axhline(res.r["interval"][0], color="C2", ls=":", label=f"γ_r = {res.r['interval'][0]:.2f}")
        t = np.asarray(e["tau_modes"])
        ax.plot(t[1:], np.asarray(e["U_effect"])[1:], "-", color="C0",
                label="U effect on the cutoff mode (pt1; shell Hartree + exchange)")
        ax.plot(t[1:], np.asarray(e["U_effect_full"])[1:], "--", color="C1",
                label="same, all modes in the Hartree sum (exact, FD in U)")
        ax.plot(e["tau"], e["U_hat_flow"], "-", color="C3", lw=1.0, label="d ln Û/dτ along the flow")
        ax.plot(e["tau"], e["r_hat_flow"], "-", color="C2", lw=1.0, label="d ln r̂/dτ along the flow")
        tw = res.window_tau[1]
        ax.axvspan(0, tw, color="0.5", alpha=0.12, label=f"massless window r̂ ≤ {res.r_hat_max:g}")
        tstar = math.log(c["P"] / (c["P"] / c["kappa"]) ** (1 / (1 + c["alpha"])))
        ax.axvline(tstar, color="k", lw=0.8, ls="-.", label="learnability threshold r̂ = 1")
        ax.set_ylim(-0.3, 2 * (2 + 2 * c["alpha"]) - 0.5)
        ax.set_xlim(0, t[-1])
        ax.set_xlabel("RG time τ = ln ℓ  (cutoff mode k = Λ e^-τ)")
        ax.set_ylabel("effective exponent d ln g/dτ")
        ax.set_title(f"{label}, U = {c['U']}", fontsize=9)
    axes[0].legend(fontsize=6.5, loc="upper right")
    fig.suptitle("Scaling interval of the quartic coupling: measured effective exponents against the analytic band")
    return save_figure(fig, out_dir, "fig7-scaling-interval")


"""Figure 7: measured effective exponents of U and r against the analytic scaling band."""
from __future__ import annotations

import math

from ..scaling import scaling_interval
from .style import PAGE, PT1, RG, pyplot, save

CASES = [dict(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05, k_star=100),
         dict(alpha=0.2, beta=0.3, P=20000, kappa=20000 / 5**1.2, U=0.05, k_star=5),
         dict(alpha=1.0, beta=1.5, P=20000, kappa=20000 / 5**2.0, U=0.05, k_star=5)]


def figure(out_dir) -> list:
    """fig7-scaling-interval: effective exponents d ln X/dτ of X = Û, r̂ along the flow and of the
    effect δ_U of U on the cutoff mode (pt1 and exact), inside the band [γ_U − 1, γ_U] of each panel."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(PAGE, 2.9))
    for ax, case in zip(axes, CASES):
        c = {k: v for k, v in case.items() if k != "k_star"}
        res = scaling_interval(**c)
        e = res.effective
        lo, hi = res.U["interval"]
        ax.axhspan(lo, hi, color=RG, alpha=0.13, lw=0)
        g_r = res.r["interval"][0]
        ax.text(0.98, hi + 0.1, f"$[\\gamma_U-1,\\gamma_U]=[{lo:.2f},{hi:.2f}]$, $\\gamma_r={g_r:.2f}$",
                transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=6.5, color="tab:blue")
        ax.axhline(g_r, color="tab:green", ls=":", lw=1)
        for name, style in (("U_effect", dict(ls="--", color=PT1, lw=1.2)),
                            ("U_effect_full", dict(ls="-", color="0.55", lw=1.2)),
                            ("U_hat_flow", dict(ls="-", color=RG, lw=1.3)),
                            ("r_hat_flow", dict(ls="-", color="tab:green", lw=1.0))):
            t, v = e[name]["tau"], e[name]["value"]
            inner = t > 0 if name.startswith("U_effect") else slice(None)   # τ = 0: one-sided difference
            ax.plot(t[inner], v[inner], **style)
        tw = res.window_tau[1]
        if tw > 0:
            ax.axvspan(0, tw, color="0.5", alpha=0.15, lw=0)
        tstar = math.log(c["P"] / (c["P"] / c["kappa"]) ** (1 / (1 + c["alpha"])))
        ax.axvline(tstar, color="0.2", lw=0.8, ls=(0, (1, 1.5)))
        ax.set_ylim(-0.3, 2 * (2 + 2 * c["alpha"]) - 0.5)
        ax.set_xlim(0, math.log(c["P"]))
        ax.set_xlabel(r"RG time $\tau=\ln(\Lambda/k_c)$")
        ax.set_title(f"$\\alpha={c['alpha']:g}$, $\\beta={c['beta']:g}$" + (" (paper)" if c["P"] == 1000 else "")
                     + f"\n$\\Lambda=P={c['P']}$, $k^*={case['k_star']}$", fontsize=7.5)
    axes[0].set_ylabel(r"effective exponent $d\ln X/d\tau$")
    handles = [Line2D([], [], color=RG, lw=1.3, label=r"$X=\hat U$ along the flow"),
               Line2D([], [], color="tab:green", lw=1.0, label=r"$X=\hat r$ along the flow"),
               Line2D([], [], color=PT1, ls="--", lw=1.2,
                      label=r"$X=\delta_U$, effect of $U$ on the cutoff mode (1st-order PT: shell Hartree + exchange)"),
               Line2D([], [], color="0.55", lw=1.2, label=r"$X=\delta_U$ with all modes in the Hartree sum (exact, $\partial_U$)"),
               Patch(color=RG, alpha=0.13, label=r"band $[\gamma_U-1,\gamma_U]$ of $U$"),
               Line2D([], [], color="tab:green", ls=":", lw=1, label=r"$\gamma_r=1+\alpha$ (tree level)"),
               Patch(color="0.5", alpha=0.15, label=rf"massless window $\hat r\leq{res.r_hat_max:g}$"),
               Line2D([], [], color="0.2", lw=0.8, ls=(0, (1, 1.5)), label=r"learnability threshold $\hat r=1$ ($k_c=k^*$)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    fig.suptitle(r"Scaling interval of the quartic coupling: measured effective exponents against the band "
                 "\n" r"$[\gamma_U-1,\gamma_U]$ ($U=0.05$, $\kappa$ such that $r\lambda_{k^*}=1$)")
    return save(fig, out_dir, "fig7-scaling-interval")

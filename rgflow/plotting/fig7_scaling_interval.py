"""Figure 7: measured effective exponents of U and r against the analytic scaling band."""

from __future__ import annotations

import math

import numpy as np

from .. import paper
from ..paper import kappa_for_threshold
from ..scaling import scaling_interval
from .style import PAGE, PT1, RG, pyplot, save

CASES = [
    dict(paper.PREDICTOR, k_star=100),
    dict(alpha=0.2, beta=0.3, P=20000, kappa=kappa_for_threshold(20000, 5, 0.2), U=0.05, k_star=5),
    dict(alpha=1.0, beta=1.5, P=20000, kappa=kappa_for_threshold(20000, 5, 1.0), U=0.05, k_star=5),
]


def figure(out_dir, cases=CASES, points=200) -> list:
    """fig7-scaling-interval: effective exponents d ln X/dτ of X = Û, r̂ along the flow and of the
    effect δ_U of U on the cutoff mode, inside the band [γ_U − 1, γ_U] of each panel.

    δ_U is the effect of U on the cutoff mode's mean: "1st-order PT" keeps the shell Hartree and
    exchange terms of first-order perturbation theory, "exact ∂_U" has all modes in the Hartree sum
    (the U-derivative of ``exact``). The grey window is massless (r̂ ≤ r_hat_max); the dotted line is
    the learnability threshold r̂ = 1 (k_c = k*). A curve that leaves the axes is marked with its
    largest value."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(PAGE, 3.0))
    for ax, case in zip(axes, cases):
        c = {k: v for k, v in case.items() if k != "k_star"}
        res = scaling_interval(**c, points=points)
        e = res.effective
        lo, hi = res.U["interval"]
        ax.axhspan(lo, hi, color=RG, alpha=0.13, lw=0)
        g_r = res.r["interval"][0]
        # the band's numbers in the free top strip of the panel, above every curve (on a white box)
        ax.text(
            0.98,
            0.97,
            f"band $[{lo:.2f},{hi:.2f}]$, $\\gamma_r={g_r:.2f}$",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=6.5,
            color="tab:blue",
            bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none"),
            zorder=5,
        )
        ax.axhline(g_r, color="tab:green", ls=":", lw=1)
        for name, style in (
            ("U_effect", dict(ls="--", color=PT1, lw=1.2)),
            ("U_effect_full", dict(ls="-", color="0.55", lw=1.2)),
            ("U_hat_flow", dict(ls="-", color=RG, lw=1.3)),
            ("r_hat_flow", dict(ls="-", color="tab:green", lw=1.0)),
        ):
            t, v = e[name]["tau"], e[name]["value"]
            inner = t > 0 if name.startswith("U_effect") else slice(None)  # τ = 0: one-sided difference
            ax.plot(t[inner], v[inner], **style)
        tw = res.window_tau[1]
        if tw > 0:
            ax.axvspan(0, tw, color="0.5", alpha=0.15, lw=0)
        tstar = math.log(c["P"] / (c["P"] / c["kappa"]) ** (1 / (1 + c["alpha"])))
        ax.axvline(tstar, color="0.2", lw=0.8, ls=(0, (1, 1.5)))
        top = hi + 1.6  # room for the band's label above the band
        ax.set_ylim(-0.3, top)
        for name in ("U_hat_flow", "r_hat_flow", "U_effect", "U_effect_full"):  # say what leaves the axes
            t, v = e[name]["tau"], e[name]["value"]
            if v.max() > top:
                j = int(np.argmax(v))
                ax.annotate(
                    f"{v[j]:.3g} at $\\tau={t[j]:.2g}$",
                    xy=(max(t[j], 0.02 * math.log(c["P"])), top),
                    xytext=(0.3 * math.log(c["P"]), hi + 0.7),
                    fontsize=6.5,
                    color="tab:green",
                    arrowprops=dict(arrowstyle="->", color="tab:green", lw=0.8),
                    va="center",
                )
        ax.set_xlim(0, math.log(c["P"]))
        ax.set_xlabel(r"RG time $\tau=\ln(\Lambda/k_c)$")
        ax.set_title(
            f"$\\alpha={c['alpha']:g}$, $\\beta={c['beta']:g}$"
            + (" (paper)" if c["P"] == 1000 else "")
            + f"\n$\\Lambda=P={c['P']}$, $k^*={case['k_star']}$",
            fontsize=7.5,
        )
    axes[0].set_ylabel(r"effective exponent $d\ln X/d\tau$")
    # short labels in four columns (the long definitions are in the docstring and the docs' figure page)
    handles = [
        Line2D([], [], color=RG, lw=1.3, label=r"$X=\hat U$ (flow)"),
        Line2D([], [], color="tab:green", lw=1.0, label=r"$X=\hat r$ (flow)"),
        Line2D([], [], color=PT1, ls="--", lw=1.2, label=r"$X=\delta_U$, 1st-order PT"),
        Line2D([], [], color="0.55", lw=1.2, label=r"$X=\delta_U$, exact $\partial_U$"),
        Patch(color=RG, alpha=0.13, label=r"band $[\gamma_U-1,\gamma_U]$"),
        Line2D([], [], color="tab:green", ls=":", lw=1, label=r"$\gamma_r=1+\alpha$"),
        Patch(color="0.5", alpha=0.15, label=rf"massless, $\hat r\leq{res.r_hat_max:g}$"),
        Line2D([], [], color="0.2", lw=0.8, ls=(0, (1, 1.5)), label=r"$\hat r=1$ ($k_c=k^*$)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4)
    fig.suptitle(
        r"Scaling interval of the quartic coupling: measured effective exponents against the band "
        "\n"
        r"$[\gamma_U-1,\gamma_U]$ ($U=0.05$, $\kappa$ such that $r\lambda_{k^*}=1$)"
    )
    return save(fig, out_dir, "fig7-scaling-interval")

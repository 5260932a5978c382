"""Figure 8: kernel ridge regression against the equivalent kernel and the renormalized ridge."""
from __future__ import annotations

import numpy as np

from ..krr import KAPPAS, compare


def figure(out_dir, alpha=0.2, beta=0.3, kappas=KAPPAS, P_values=(100, 200, 400, 800, 1600)) -> list:
    """Top: KRR training loss (bias, variance, total; seed means ± s.e.) against EK (solid) and RR
    (dashed) across P, one column per ridge; bottom: the ratios KRR/EK and KRR/RR with the EK band
    [(1−δ)², 1/(1−δ)] implied by the diagnostic δ."""
    from matplotlib.ticker import FuncFormatter

    from .._plotting import pyplot, save_figure

    plt = pyplot()
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    fig, axes = plt.subplots(2, len(kappas), figsize=(4.1 * len(kappas), 6.6), sharex=True,
                             gridspec_kw={"height_ratios": [1.5, 1]})
    for j, kappa in enumerate(kappas):
        c = compare(P_values, alpha, beta, kappa)
        ax, rx = axes[0, j], axes[1, j]
        for q, col, mk in (("loss", "k", "D"), ("bias", "C0", "o"), ("variance", "C3", "s")):
            ax.errorbar(c["P"], c[f"krr_{q}"], yerr=c[f"krr_{q}_stderr"], fmt=mk, color=col, mfc="none",
                        label=f"KRR {q}")
            ax.plot(c["P"], c[f"ek_{q}"], "-", color=col, label=f"EK {q}")
            ax.plot(c["P"], c[f"rr_{q}"], "--", color=col, label=f"RR {q}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.set_ylabel("⟨L⟩/P,  bias,  variance")
        lo_y, hi_y = ax.get_ylim()
        if hi_y / lo_y < 20:  # label minor ticks only when the axis spans about a decade
            ax.yaxis.set_minor_formatter(plain)
        d = c["diagnostic"]
        ax.set_title(f"κ = {kappa:.3g}{' (paper)' if abs(kappa - 1000 / 100**1.2) < 1e-9 else ''}:  "
                     f"δ = {d.min():.2g}–{d.max():.2g}")
        lo, hi = (1 - d) ** 2, np.where(d < 1, 1 / np.clip(1 - d, 1e-9, None), np.inf)
        if np.all(d < 0.5):
            rx.fill_between(c["P"], lo, hi, color="C0", alpha=0.12, lw=0, label="EK band (1−δ)²…1/(1−δ)")
        for q, col, mk in (("bias", "C0", "o"), ("variance", "C3", "s")):
            se = c[f"krr_{q}_stderr"]
            rx.errorbar(c["P"], c[f"krr_{q}"] / c[f"ek_{q}"], yerr=se / c[f"ek_{q}"], fmt=mk + "-", color=col,
                        mfc="none", lw=0.8, label=f"KRR/EK {q}")
            rx.errorbar(c["P"] * 1.04, c[f"krr_{q}"] / c[f"rr_{q}"], yerr=se / c[f"rr_{q}"], fmt=mk + "--",
                        color=col, lw=0.8, label=f"KRR/RR {q}")
        rx.axhline(1.0, color="0.4", lw=0.6)
        rx.set_xscale("log")
        if np.any(c["krr_bias"] / c["ek_bias"] < 0.4):
            rx.set_yscale("log")
        rx.set_xlabel("training samples P")
        rx.set_ylabel("ratio KRR / theory")
    h, lab = axes[0, 0].get_legend_handles_labels()
    h2, lab2 = axes[1, 0].get_legend_handles_labels()
    fig.legend(h + h2, lab + lab2, loc="outside lower center", ncol=7, fontsize=7)
    fig.suptitle(f"Kernel ridge regression on the circle (α = {alpha}, β = {beta}, Λ = 4P, random-sign target) "
                 "vs the equivalent kernel (EK, r = P/κ) and the renormalized ridge (RR)")
    return save_figure(fig, out_dir, "fig8-kernel-ridge")


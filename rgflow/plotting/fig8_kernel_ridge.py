"""Figure 8: kernel ridge regression against the equivalent kernel (EK) and the renormalized ridge (RR)."""

from __future__ import annotations

import numpy as np

from .. import paper
from .._progress import Progress
from ..krr import KAPPAS, compare
from .style import PAGE, PARTS, no_minor_labels, plain_ticks, pyplot, save

#: the figure's P grid and seeds: max(8, ⌈SAMPLES/P⌉) seeds per P (bench/krr.py uses 12800)
P_VALUES = (100, 200, 400, 800, 1600)
SAMPLES = 6400


def _compare_all(alpha, beta, kappas, P_values):
    """compare() for every (κ, P), one progress step each; returns one dict of arrays per κ."""
    out = []
    with Progress("fig8 KRR", len(kappas) * len(P_values)) as bar:
        for kappa in kappas:
            rows = []
            for P in P_values:
                rows.append(compare([P], alpha, beta, kappa, samples=SAMPLES))
                bar.step(f"κ={kappa:.3g} P={P}")
            out.append({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
    return out


def figure(out_dir, alpha=0.2, beta=0.3, kappas=KAPPAS, P_values=P_VALUES) -> list:
    """fig8-kernel-ridge. Top: KRR training loss, bias and variance (dots, seed mean ± s.e.) against
    EK (r = P/κ, solid) and RR (dashed), one column per ridge κ. Bottom: the ratios KRR/EK (open) and
    KRR/RR (filled) on one log scale, with the EK band [(1−δ)², 1/(1−δ)] of the diagnostic δ."""
    from matplotlib.lines import Line2D

    plt = pyplot()
    data = _compare_all(alpha, beta, kappas, P_values)
    fig, axes = plt.subplots(
        2, len(kappas), figsize=(PAGE, 4.9), sharex=True, gridspec_kw={"height_ratios": [1.4, 1]}, squeeze=False
    )
    for j, (kappa, c) in enumerate(zip(kappas, data)):
        ax, rx = axes[0, j], axes[1, j]
        P = c["P"]
        for q, col in PARTS.items():
            ax.errorbar(P, c[f"krr_{q}"], yerr=c[f"krr_{q}_stderr"], fmt="o", color=col, ms=3.5, zorder=3)
            ax.plot(P, c[f"ek_{q}"], "-", color=col, lw=1.2)
            ax.plot(P, c[f"rr_{q}"], "--", color=col, lw=1.2)
        ax.set(xscale="log", yscale="log")
        d = c["diagnostic"]
        is_paper = kappa == paper.KAPPA
        ax.set_title(f"$\\kappa={kappa:.4g}${' (paper)' if is_paper else ''}, $\\delta={d.min():.2g}$–${d.max():.2g}$")
        if np.all(d < 0.5):
            rx.fill_between(P, (1 - d) ** 2, 1 / (1 - d), color="0.85", lw=0, zorder=0)
        for q in ("bias", "variance"):
            col, se = PARTS[q], c[f"krr_{q}_stderr"]
            rx.errorbar(
                P * 0.95,
                c[f"krr_{q}"] / c[f"ek_{q}"],
                yerr=se / c[f"ek_{q}"],
                fmt="o-",
                color=col,
                mfc="white",
                ms=3.5,
                lw=0.8,
            )
            rx.errorbar(
                P * 1.05, c[f"krr_{q}"] / c[f"rr_{q}"], yerr=se / c[f"rr_{q}"], fmt="o--", color=col, ms=3.5, lw=0.8
            )
        rx.axhline(1.0, color="0.3", lw=0.6)
        rx.set(xscale="log", yscale="log", xlabel="training samples $P$")
        rx.set_xticks(P, [f"{int(p)}" for p in P])
        no_minor_labels(rx, "x")
        plain_ticks(ax, "y", minor=ax.get_ylim()[1] / ax.get_ylim()[0] < 5)  # minor labels only on short axes
        rx.set_ylim(0.06, 1.8)
        rx.set_yticks([0.1, 0.2, 0.5, 1.0])
        plain_ticks(rx, "y")
        if j:
            rx.tick_params(labelleft=False)
    axes[0, 0].set_ylabel(r"$\langle L\rangle/P$, bias, variance")
    axes[1, 0].set_ylabel("ratio KRR / theory")
    handles = [
        Line2D([], [], color=col, lw=2, label=q if q != "loss" else r"$\langle L\rangle/P$") for q, col in PARTS.items()
    ]
    handles += [
        Line2D([], [], color="0.3", marker="o", ls="none", ms=3.5, label="KRR (mean ± s.e. over seeds)"),
        Line2D([], [], color="0.3", ls="-", label=r"EK, $r=P/\kappa$; ratio: open"),
        Line2D([], [], color="0.3", ls="--", label="RR; ratio: filled"),
        plt.Rectangle((0, 0), 1, 1, color="0.85", label=r"EK band $(1-\delta)^2\ldots1/(1-\delta)$"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4)
    seeds = np.concatenate([c["seeds"] for c in data])  # independent data draws per (κ, P)
    fig.suptitle(
        f"Kernel ridge regression on the circle at $U=0$ ($\\alpha={alpha:g}$, $\\beta={beta:g}$, $\\Lambda=4P$, "
        f"random-sign target, {int(seeds.max())}–{int(seeds.min())} seeds per $P$)\n"
        "against the equivalent kernel (EK) and the renormalized ridge (RR)"
    )
    return save(fig, out_dir, "fig8-kernel-ridge")

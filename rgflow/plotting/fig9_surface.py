"""Figure 9: the loss surface over (P, Λ) and its data collapses."""
from __future__ import annotations

import numpy as np

from ..surface import analytic_W, fit_surface, loss_surface, predicted_exponents


def figure(out_dir) -> list:
    """Heat maps of ⟨L⟩/P on the (P, Λ) grid and data collapses at α = 0.2, β = 0.3, κ = 1000/100^1.2."""
    from matplotlib.colors import LogNorm

    from .._plotting import pyplot, save_figure
    from ..curves import PAPER

    plt = pyplot()
    al, be, ka = PAPER["alpha"], PAPER["beta"], PAPER["kappa"]
    A = 1.0 + al
    fine = loss_surface("100:1e5:41", "100:1e5:41", al, be, ka)
    grid = "100:1e5:16"
    gp = loss_surface(grid, grid, al, be, ka)
    rg = loss_surface(grid, grid, al, be, ka, 0.05, "rg")
    fit_gp, fit_rg = fit_surface(gp), fit_surface(rg, parts=("loss",))
    pred = predicted_exponents(al, be)
    fig, axes = plt.subplots(2, 3, figsize=(14.5, 8.6))
    norm_P = LogNorm(gp.P.min(), gp.P.max())
    cmap = plt.get_cmap("viridis")

    def crossover(ax, Ps, color, loc):
        ax.loglog(Ps, (Ps / ka) ** (1 / A), "--", color=color, lw=1.2, label=r"$\Lambda = (P/\kappa)^{1/(1+\alpha)}$ (z = 1)")
        ax.loglog(Ps, Ps, ":", color=color, lw=1.2, label=r"$\Lambda = P$")
        ax.set_xlabel("training samples P")
        ax.set_ylabel("cutoff (model size) Λ")
        ax.set_xlim(Ps.min(), Ps.max())
        ax.set_ylim(fine.cutoff.min(), fine.cutoff.max())
        ax.legend(loc=loc, fontsize=7.5, labelcolor=color)
        ax.grid(False)

    ax = axes[0, 0]
    im = ax.pcolormesh(fine.P, fine.cutoff, np.log10(fine.loss).T, shading="gouraud", cmap="magma")
    cs = ax.contour(fine.P, fine.cutoff, np.log10(fine.loss).T, levels=np.arange(-1.2, 0.6, 0.2), colors="w",
                    linewidths=0.5, alpha=0.6)
    ax.clabel(cs, fontsize=6, fmt="%.1f")
    fig.colorbar(im, ax=ax, label="log₁₀ ⟨L⟩/P")
    crossover(ax, fine.P.astype(float), "w", "lower right")
    ax.set_title("(a) GP (U = 0): log₁₀ ⟨L⟩/P")

    ax = axes[0, 1]
    rel = rg.loss / gp.loss - 1.0
    im = ax.pcolormesh(rg.P, rg.cutoff, rel.T, shading="gouraud", cmap="cividis")
    cs = ax.contour(rg.P, rg.cutoff, rel.T, levels=8, colors="k", linewidths=0.5, alpha=0.5)
    ax.clabel(cs, fontsize=6, fmt="%.2f")
    fig.colorbar(im, ax=ax, label="⟨L⟩_rg/⟨L⟩_gp − 1")
    crossover(ax, rg.P.astype(float), "w", "upper left")
    ax.set_title("(b) U = 0.05 (rg) relative to the GP")

    xs = np.geomspace(1e-3, 1e4, 300)

    def collapse(ax, S, part, c, b, marker="o", label=None, mfc=None):
        L = getattr(S, part)
        for i, P in enumerate(S.P):
            x = S.cutoff / P**b
            ax.loglog(x, L[i] * P ** (-c), marker, ms=3.2, color=cmap(norm_P(P)), mfc=mfc or cmap(norm_P(P)),
                      alpha=0.85, label=label if i == 0 else None)
        ax.set_xlabel(f"$\\Lambda\\,/\\,P^{{{b:.4g}}}$")
        ax.set_ylabel(f"{part}" + f"$\\;\\cdot\\;P^{{{-c:.4g}}}$")

    for ax, part, tag in ((axes[1, 0], "bias", "(c)"), (axes[1, 1], "variance", "(d)")):
        p, f = pred[part], fit_gp.parts[part]
        collapse(ax, gp, part, p["c/a"], p["b/a"], label="discrete sums (GP), colour = P")
        ax.loglog(xs, analytic_W(part, al, be, ka, xs), "k-", lw=1.0, label="continuum W (incomplete beta)")
        ax.set_title(f"{tag} {part} at the predicted exponents c/a = {p['c/a']:.4f}, b/a = {p['b/a']:.4f}\n"
                     f"fitted {f['fitted']['c/a']:.4f}, {f['fitted']['b/a']:.4f}; spread {f['spread_predicted']:.1e} "
                     f"(pred.), {f['spread_fitted']:.1e} (fit)", fontsize=8.5)
        ax.legend(loc="lower right", fontsize=7)

    ax = axes[0, 2]
    p = pred["loss"]
    collapse(ax, gp, "loss", p["c/a"], p["b/a"], label="GP total, colour = P")
    ax.loglog(xs, analytic_W("variance", al, be, ka, xs), "k-", lw=1.0, label="W_var (P → ∞ limit)")
    ax.set_title(f"(e) total at the {pred['dominant']}-dominated prediction c/a = {p['c/a']:.4f}, "
                 f"b/a = {p['b/a']:.4f}:\nnot one scaling form (bias/variance ∝ $P^{{-(\\beta-\\alpha)/(1+\\alpha)}}$); "
                 f"spread {fit_gp.parts['loss']['spread_predicted']:.1e}", fontsize=8.5)
    ax.legend(loc="lower right", fontsize=7)

    ax = axes[1, 2]
    for S, f, mk, mfc, name in ((gp, fit_gp, "o", "none", "U = 0 (gp)"), (rg, fit_rg, "x", None, "U = 0.05 (rg)")):
        c, b = f.parts["loss"]["fitted"]["c/a"], f.parts["loss"]["fitted"]["b/a"]
        collapse(ax, S, "loss", c, b, marker=mk, mfc=mfc,
                 label=f"{name}:\nc/a = {c:.4f}, b/a = {b:.4f}\nspread {f.parts['loss']['spread_fitted']:.1e}")
    ax.set_xlabel(r"$\Lambda\,/\,P^{b/a}$ (fitted b/a)")
    ax.set_ylabel(r"$\langle L\rangle/P \cdot P^{-c/a}$ (fitted c/a)")
    ax.set_title("(f) total at its own fitted (effective) exponents", fontsize=8.5)
    ax.legend(loc="lower right", fontsize=7)
    sm = plt.cm.ScalarMappable(norm=norm_P, cmap=cmap)
    fig.colorbar(sm, ax=axes[:, 2], label="P (colour of the points)", shrink=0.6)
    fig.suptitle(f"Loss surface in data size P and model size Λ (cutoff): α = {al}, β = {be}, κ = {ka:.3f} fixed "
                 f"(r = P/κ); collapse $L = P^{{c/a}}\\, W(\\Lambda/P^{{b/a}})$; theory b/a = 1/(1+α), "
                 f"c/a = −β/(1+α) (bias), −α/(1+α) (variance)", fontsize=9.5)
    return save_figure(fig, out_dir, "fig9-surface")


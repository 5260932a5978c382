"""Figure 9: the loss surface over data size P and model size Λ, and its data collapses."""

from __future__ import annotations

import numpy as np

from .._progress import Progress
from ..curves import PAPER
from ..surface import analytic_W, fit_surface, loss_surface, predicted_exponents
from .style import PAGE, panel_label, pyplot, save


def _halo(artists, color="w"):
    """Outline text or lines so that they read on light and dark backgrounds alike."""
    from matplotlib.patheffects import withStroke

    for a in artists:
        a.set_path_effects([withStroke(linewidth=2.2, foreground=color)])


def figure(out_dir, grid="100:1e5:16", fine="100:1e5:41") -> list:
    """fig9-surface at α = 0.2, β = 0.3, κ = 1000/100^1.2. (a) log10 ⟨L⟩/P of the GP over (P, Λ);
    (b) the U = 0.05 (rg) loss relative to the GP; (c) bias and (d) variance collapsed at the predicted exponents b/a = 1/(1+α),
    c/a = −β/(1+α), −α/(1+α), with the continuum W; (e) the total at the variance-dominated exponents; (f) the total at its fitted exponents."""
    from matplotlib.colors import LogNorm
    from matplotlib.lines import Line2D

    plt = pyplot()
    al, be, ka = PAPER["alpha"], PAPER["beta"], PAPER["kappa"]
    A = 1.0 + al
    with Progress("fig9 surfaces", 3) as bar:
        fine = loss_surface(fine, fine, al, be, ka)
        gp = loss_surface(grid, grid, al, be, ka)
        bar.step("GP")
        rg = loss_surface(grid, grid, al, be, ka, 0.05, "rg")
        bar.step("RG at U = 0.05")
        fit_gp, fit_rg = fit_surface(gp), fit_surface(rg, parts=("loss",))
        bar.step("collapse fits")
    pred = predicted_exponents(al, be)
    fig, axes = plt.subplots(3, 2, figsize=(PAGE, 8.4))
    norm_P = LogNorm(gp.P.min(), gp.P.max())
    cmap = plt.get_cmap("viridis")

    def crossover(ax, Ps):
        lines = ax.loglog(Ps, (Ps / ka) ** (1 / A), "--", color="w", lw=1.1)
        lines += ax.loglog(Ps, Ps, ":", color="w", lw=1.2)
        _halo(lines, "k")
        ax.set_xlabel("training samples $P$")
        ax.set_ylabel(r"cutoff (model size) $\Lambda$")
        ax.set_xlim(Ps.min(), Ps.max())
        ax.set_ylim(fine.cutoff.min(), fine.cutoff.max())
        ax.grid(False)

    def contour_labels(cs, fmt):
        texts = axes_of[cs].clabel(cs, fontsize=6.5, fmt=fmt, colors="k", inline_spacing=2)
        _halo(texts)

    ax = axes[0, 0]
    z = np.log10(fine.loss).T
    im = ax.pcolormesh(fine.P, fine.cutoff, z, shading="gouraud", cmap="magma", rasterized=True)
    levels = np.round(np.arange(-1.2, 0.61, 0.4), 1)
    cs = ax.contour(fine.P, fine.cutoff, z, levels=levels, colors="k", linewidths=0.5, alpha=0.7)
    axes_of = {cs: ax}
    contour_labels(cs, lambda v: f"{v + 0.0:.1f}".replace("-0.0", "0.0"))
    fig.colorbar(im, ax=ax, label=r"$\log_{10}\langle L\rangle/P$", pad=0.02)
    crossover(ax, fine.P.astype(float))
    ax.set_title(r"GP ($U=0$): $\log_{10}\langle L\rangle/P$")
    panel_label(ax, "(a)")

    ax = axes[0, 1]
    rel = 100 * (rg.loss / gp.loss - 1.0)
    im = ax.pcolormesh(rg.P, rg.cutoff, rel.T, shading="gouraud", cmap="cividis", rasterized=True)
    cs = ax.contour(rg.P, rg.cutoff, rel.T, levels=[-10, -8, -6, -4, -2, -1], colors="k", linewidths=0.5, alpha=0.7)
    axes_of[cs] = ax
    contour_labels(cs, "%g%%")
    fig.colorbar(im, ax=ax, label=r"$\langle L\rangle_{\rm RG}/\langle L\rangle_{\rm GP}-1$ (%)", pad=0.02)
    crossover(ax, rg.P.astype(float))
    ax.set_title(r"RG at $U=0.05$ relative to the GP")
    panel_label(ax, "(b)")

    xs = np.geomspace(1e-3, 1e4, 300)

    def collapse(ax, S, part, c, b, marker="o", mfc=None):
        L = getattr(S, part)
        for i, P in enumerate(S.P):
            col = cmap(norm_P(P))
            ax.loglog(S.cutoff / P**b, L[i] * P ** (-c), marker, ms=2.6, color=col, mfc=mfc or col, alpha=0.85, mew=0.7)

    sym = {"bias": "B", "variance": "V", "loss": r"\langle L\rangle/P"}
    for ax, part, tag in ((axes[1, 0], "bias", "(c)"), (axes[1, 1], "variance", "(d)")):
        p, f = pred[part], fit_gp.parts[part]
        collapse(ax, gp, part, p["c/a"], p["b/a"])
        ax.loglog(xs, analytic_W(part, al, be, ka, xs), "k-", lw=1.0)
        ax.set_xlabel(f"$\\Lambda\\,/\\,P^{{{p['b/a']:.4g}}}$")
        ax.set_ylabel(f"${sym[part]}\\;P^{{{-p['c/a']:.4g}}}$")
        ax.set_title(
            f"{part} at the predicted $c/a={p['c/a']:.4f}$, $b/a={p['b/a']:.4f}$\n"
            f"(fitted {f['fitted']['c/a']:.4f}, {f['fitted']['b/a']:.4f}; spread "
            f"{f['spread_predicted']:.1e} pred., {f['spread_fitted']:.1e} fit)",
            fontsize=7.5,
        )
        panel_label(ax, tag)

    ax = axes[2, 0]
    p = pred["loss"]
    collapse(ax, gp, "loss", p["c/a"], p["b/a"])
    ax.loglog(xs, analytic_W("variance", al, be, ka, xs), "k-", lw=1.0)
    ax.set_xlabel(f"$\\Lambda\\,/\\,P^{{{p['b/a']:.4g}}}$")
    ax.set_ylabel(f"$\\langle L\\rangle/P\\;P^{{{-p['c/a']:.4g}}}$")
    ax.set_title(
        f"total at the {pred['dominant']}-dominated exponents\n"
        "(not one form: bias/variance $\\propto P^{-(\\beta-\\alpha)/(1+\\alpha)}$; spread "
        f"{fit_gp.parts['loss']['spread_predicted']:.1e})",
        fontsize=7.5,
    )
    panel_label(ax, "(e)")

    ax = axes[2, 1]
    notes, fitted = [], []
    for S, f, mk, mfc, name in ((gp, fit_gp, "o", "none", "GP"), (rg, fit_rg, "x", None, r"RG, $U=0.05$")):
        c, b = f.parts["loss"]["fitted"]["c/a"], f.parts["loss"]["fitted"]["b/a"]
        collapse(ax, S, "loss", c, b, marker=mk, mfc=mfc)
        notes.append(Line2D([], [], color="0.3", marker=mk, mfc=mfc or "0.3", ls="none", label=name))
        fitted.append(f"{name}: $c/a={c:.3f}$, $b/a={b:.3f}$")
    ax.legend(handles=notes, loc="lower right", fontsize=6.5)
    ax.set_xlabel(r"$\Lambda\,/\,P^{b/a}$ (fitted $b/a$)")
    ax.set_ylabel(r"$\langle L\rangle/P\;P^{-c/a}$ (fitted $c/a$)")
    ax.set_title("total at its own fitted exponents:\n" + "\n".join(fitted), fontsize=7.5)
    panel_label(ax, "(f)")
    sm = plt.cm.ScalarMappable(norm=norm_P, cmap=cmap)
    fig.colorbar(sm, ax=axes[1:, 1], label="$P$ (colour of the points)", shrink=0.6, pad=0.02)
    handles = [
        Line2D([], [], color="0.4", ls="--", label=r"$\Lambda=(P/\kappa)^{1/(1+\alpha)}$ ($z=1$)"),
        Line2D([], [], color="0.4", ls=":", label=r"$\Lambda=P$"),
        Line2D([], [], color="k", ls="-", label=r"continuum scaling function $W$"),
        Line2D([], [], color=cmap(0.5), marker="o", ls="none", ms=3, label="discrete sums (GP), colour = $P$"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4)
    fig.suptitle(
        f"Loss surface in data size $P$ and model size $\\Lambda$: $\\alpha={al}$, $\\beta={be}$, "
        f"$\\kappa={ka:.3f}$ ($r=P/\\kappa$); collapse $L=P^{{c/a}}\\,W(\\Lambda/P^{{b/a}})$,\n"
        f"theory $b/a=1/(1+\\alpha)$, $c/a=-\\beta/(1+\\alpha)$ (bias), $-\\alpha/(1+\\alpha)$ (variance)"
    )
    return save(fig, out_dir, "fig9-surface")

"""Shared figure style: sizes for a journal page, method colours and names, tick formatters.

Colours follow the paper's figure where it has one: RG blue, GP orange, first-order perturbation
theory black dashed, numerics (exact, Langevin, KRR) as dots. Methods are named in words/mathtext.
"""

from __future__ import annotations

#: width of a two-column journal figure and of one column, inches (figures are drawn at print size)
PAGE, COLUMN = 7.1, 3.4

#: additions to rgflow.plotting.render.PAPER_STYLE so that text stays >= 7 pt at print size
STYLE = {
    "font.size": 8,
    "axes.labelsize": 8.5,
    "axes.titlesize": 8.5,
    "figure.titlesize": 9,
    "legend.fontsize": 7,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.handlelength": 1.8,
    "legend.borderaxespad": 0.3,
    "mathtext.fontset": "dejavusans",
}

RG, GP, PT1, EXACT, LANGEVIN, RG_CUTOFF = "tab:blue", "tab:orange", "k", "k", "tab:purple", "tab:green"

#: line style and display name of every predictor
STYLES = {
    "rg": dict(color=RG, ls="-", label="RG (Hartree-resummed, exact IR)"),
    "rg-1loop": dict(color=RG, ls="-.", label="RG, one loop"),
    "rg-cutoff": dict(color=RG_CUTOFF, ls=":", label="RG, read at the cutoff"),
    "gp": dict(color=GP, ls="-", label=r"GP ($U=0$)"),
    "pt1": dict(color=PT1, ls="--", label=r"1st-order PT in $U$"),
    "exact": dict(color=EXACT, ls="none", marker="o", label="exact (HS integral)"),
    "langevin": dict(color=LANGEVIN, ls="none", marker=".", label="Langevin sampling"),
}

#: bias / variance / loss colours used by every learning-curve figure
PARTS = {"loss": "k", "bias": "tab:blue", "variance": "tab:red"}


def pyplot():
    """matplotlib.pyplot with the Agg backend, rgflow's paper style and the additions above."""
    from .render import pyplot as base

    plt = base()
    plt.rcParams.update(STYLE)
    return plt


def power(base: str, exponent: float, digits: int = 3) -> str:
    """Mathtext of ``base^exponent``, e.g. ``power("P", -0.25)`` → ``$P^{-0.250}$``."""
    return f"${base}^{{{exponent:.{digits}f}}}$"


def plain_ticks(ax, axis="y", minor=False):
    """Log-axis ticks as plain numbers (0.1, 2, 300) instead of 10^n or 3×10^0; minor labels off
    unless ``minor``."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_formatter(fmt)
    a.set_minor_formatter(fmt if minor else NullFormatter())


def no_minor_labels(ax, axis="both"):
    """Drop the minor tick labels of log axes (matplotlib labels them when a decade is not spanned)."""
    from matplotlib.ticker import NullFormatter

    for a in (ax.xaxis, ax.yaxis) if axis == "both" else ((ax.xaxis,) if axis == "x" else (ax.yaxis,)):
        a.set_minor_formatter(NullFormatter())


def panel_label(ax, text, loc="upper left"):
    """A bold panel tag ``(a)`` inside the axes corner, on a white box so it never sits on data."""
    x, ha = (0.02, "left") if "left" in loc else (0.98, "right")
    y, va = (0.97, "top") if "upper" in loc else (0.03, "bottom")
    ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontweight="bold",
        fontsize=9,
        bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none", alpha=0.8),
        zorder=10,
    )


def contour_labels(ax, cs, fmt="%g", fontsize=6.5):
    """Label each contour line once, at its point farthest from the axes edges (so no label is
    clipped), in black on a white halo. Returns the labels."""
    import numpy as np
    from matplotlib.patheffects import withStroke

    to_axes = ax.transData + ax.transAxes.inverted()
    spots = []
    # matplotlib ≥ 3.8 holds one path per level; 3.7 (the lowest allowed) one collection per level
    paths = cs.get_paths() if hasattr(cs, "get_paths") else [p for c in cs.collections for p in c.get_paths()]
    for path in paths:
        v = path.vertices
        if len(v) < 2:
            continue
        for seg in np.split(v, np.flatnonzero(path.codes == 1)[1:]) if path.codes is not None else [v]:
            if len(seg) < 2:
                continue
            f = to_axes.transform(seg)
            inner = np.min(np.column_stack([f, 1 - f]), axis=1)
            j = int(np.argmax(inner))
            if inner[j] > 0.015:
                spots.append(tuple(seg[j]))
    texts = ax.clabel(cs, fontsize=fontsize, fmt=fmt, inline=True, inline_spacing=2, colors="k", manual=spots)
    for t in texts:
        t.set_path_effects([withStroke(linewidth=2.0, foreground="w")])
    return texts


def save(fig, out_dir, name) -> list:
    """Render and write ``name.png`` and ``name.pdf`` (rgflow.plotting.render.save_figure), saying so on
    stderr first: rendering a dense figure takes seconds."""
    from .._progress import say
    from .render import save_figure

    say(f"  rendering {name} (PNG, PDF) ...")
    return save_figure(fig, out_dir, name)

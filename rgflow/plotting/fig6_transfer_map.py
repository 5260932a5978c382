"""Figure 6: the transfer maps κ̃/κ and Ũ/U over P'/P and U (with their data as JSON/CSV)."""

from __future__ import annotations

import math

import numpy as np

from .. import paper
from ..model import Model
from ..transfer import transfer_map
from .style import PAGE, contour_labels, plain_ticks, pyplot, save

MAP_RATIOS = np.geomspace(0.1, 10.0, 25)


MAP_U = np.linspace(0.01, 0.2, 11)


LINE_U = (0.01, 0.05, 0.1, 0.2)


def figure(out_dir, params=None, ratios=MAP_RATIOS, map_U=MAP_U, line_U=LINE_U) -> list:
    """fig6-transfer-map: (a) κ̃/κ ÷ (P'/P) = r/r̃ against P'/P for several U; maps of r/r̃ (b) and ũ/u (c)
    over (P'/P, U); the data also as fig6-transfer-map.json/.csv."""
    import pathlib

    from .._io import atomic_write, to_csv, to_json

    plt = pyplot()
    base = Model(**(params or paper.PREDICTOR))
    U_all = np.unique(np.concatenate([map_U, line_U]))
    data = transfer_map(base, ratios, U_all)
    ratio, U = data.ratio, data.U
    kr, Ur = data.grid("kappa_ratio"), data.grid("U_ratio")  # U > 0 and no failed cell: every cell defined

    from matplotlib.colors import LogNorm
    from matplotlib.ticker import NullLocator

    fig, (a1, b1, b2) = plt.subplots(1, 3, figsize=(PAGE, 2.7), width_ratios=(1, 1.2, 1.2))
    for j, Uv in enumerate(line_U):
        i = int(np.argmin(np.abs(U - Uv)))
        a1.loglog(ratio, kr[i] / ratio, color=plt.get_cmap("viridis")(j / (len(line_U) - 0.5)), label=f"$U={Uv:g}$")
    a1.axhline(1.0, color="k", ls=":", lw=1, label=r"$(r,u)$ kept")
    a1.set(
        xlabel=r"$P'/P$",
        ylabel=r"$(\tilde\kappa/\kappa)\,/\,(P'/P) = r/\tilde r$",
        title=r"(a) transferred ridge $\tilde\kappa$",
    )
    a1.axvline(1.0, color="0.6", lw=0.8)
    a1.set_yticks([0.7, 1.0, 1.5, 2.0])  # spaced so that no two labels touch
    plain_ticks(a1, "y")
    a1.legend(loc="upper left", fontsize=6.5)

    # maps: the correction beyond keeping (r, u), i.e. r/r̃ and ũ/u
    corr_k = kr / ratio[None, :]
    corr_U = Ur * ratio[None, :]
    sel = np.isin(U, map_U)
    # contour levels and colour-bar ticks spaced at least a factor ~1.1 apart on the log colour scale,
    # so that neither the labels on the map nor the ticks on the bar run into each other
    panels = (
        (
            b1,
            corr_k[sel],
            r"$r/\tilde r$",
            [0.8, 0.9, 1.1, 1.25, 1.5],
            (0.5, 0.7, 1.0, 1.5, 2.0),
            r"(b) ridge correction $r/\tilde r$",
        ),
        (
            b2,
            corr_U[sel],
            r"$\tilde u/u = (\tilde U/U)\,/\,(P/P')$",
            [0.9, 0.95, 0.98, 1.01],
            (0.9, 0.95, 1.0, 1.05, 1.1),
            r"(c) coupling correction $\tilde u/u$",
        ),
    )
    for bx, z, lab, levels, tick_values, title in panels:
        span = float(np.nanmax(np.abs(np.log(z))))
        norm = LogNorm(vmin=math.exp(-span), vmax=math.exp(span))  # symmetric about 1 (no correction)
        pc = bx.pcolormesh(ratio, U[sel], z, shading="gouraud", cmap="RdBu_r", norm=norm, rasterized=True)
        cs = bx.contour(ratio, U[sel], z, levels=levels, colors="k", linewidths=0.6)
        contour_labels(bx, cs)
        bx.grid(False)
        bx.set_xscale("log")
        bx.set(xlabel=r"$P'/P$", ylabel="$U$", title=title)
        bx.axvline(1.0, color="0.3", lw=0.8, ls=":")
        cb = fig.colorbar(pc, ax=bx, label=lab, pad=0.02)
        ticks = [t for t in tick_values if math.exp(-span) <= t <= math.exp(span)]
        cb.ax.yaxis.set_minor_locator(NullLocator())
        cb.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    fig.suptitle(
        f"Transfer $P\\to P'$ from $P={base.P}$ ($\\alpha={base.alpha:g}$, $\\beta={base.beta:g}$, "
        f"$\\kappa={base.kappa:.4g}$; discrete one-loop flow):\n"
        "corrections to keeping $(r,u)$, "
        r"where $\tilde\kappa=P'/\tilde r$, $\tilde U=\tilde u/P'$"
    )

    paths = save(fig, out_dir, "fig6-transfer-map")
    out = pathlib.Path(out_dir)
    jpath, cpath = out / "fig6-transfer-map.json", out / "fig6-transfer-map.csv"
    atomic_write(jpath, to_json(data.to_dict()))
    header, rows = data.to_rows()
    header = {k: v for k, v in header.items() if k != "U"}
    atomic_write(cpath, to_csv(header, rows))
    return paths + [jpath, cpath]

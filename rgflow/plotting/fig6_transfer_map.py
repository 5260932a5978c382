"""Figure 6: the transfer maps κ̃/κ and Ũ/U over P'/P and U (with their data as JSON/CSV)."""
from __future__ import annotations

import math

import numpy as np

from ..model import Model
from ..transfer import PAPER, transfer_map


MAP_RATIOS = np.geomspace(0.1, 10.0, 41)


MAP_U = np.linspace(0.01, 0.2, 20)


LINE_U = (0.01, 0.05, 0.1, 0.2)


def figure(out_dir) -> list:
    """Transfer maps: κ̃/κ and Ũ/U against P'/P for several U, and maps over (P'/P, U); data as JSON/CSV."""
    import pathlib

    from .._io import atomic_write, to_csv, to_json
    from .._plotting import pyplot, save_figure

    plt = pyplot()
    base = Model(**PAPER)
    U_all = np.unique(np.concatenate([MAP_U, LINE_U]))
    data = transfer_map(base, MAP_RATIOS, U_all)
    ratio, U = data.ratio, data.U
    kr, Ur = data.kappa_ratio, data.U_ratio

    fig, axes = plt.subplots(2, 2, figsize=(9.0, 7.0))
    (a1, a2), (b1, b2) = axes
    for j, Uv in enumerate(LINE_U):
        i = int(np.argmin(np.abs(U - Uv)))
        a1.loglog(ratio, kr[i], color=f"C{j}", label=f"U = {Uv:g}")
        a2.loglog(ratio, Ur[i], color=f"C{j}", label=f"U = {Uv:g}")
    a1.loglog(ratio, ratio, "k:", lw=1, label="(r, u) kept: P'/P")
    a2.loglog(ratio, 1 / ratio, "k:", lw=1, label="(r, u) kept: P/P'")
    for a, lab in ((a1, "κ̃ / κ"), (a2, "Ũ / U")):
        a.set_xlabel("P' / P")
        a.set_ylabel(lab)
        a.axvline(1.0, color="0.6", lw=0.8)
        a.legend(loc="upper left" if a is a1 else "upper right")
    a1.set_title("transferred ridge")
    a2.set_title("transferred quartic coupling")

    # maps: the correction beyond keeping (r, u), i.e. r/r̃ and ũ/u
    corr_k = kr / ratio[None, :]
    corr_U = Ur * ratio[None, :]
    sel = np.isin(U, MAP_U)
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import NullLocator

    panels = ((b1, corr_k[sel], "(κ̃/κ) ÷ (P'/P) = r / r̃", [0.8, 0.9, 0.95, 0.98, 1.02, 1.05, 1.1, 1.25, 1.5],
               (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0)),
              (b2, corr_U[sel], "(Ũ/U) ÷ (P/P') = ũ / u", [0.9, 0.95, 0.98, 1.005, 1.01],
               (0.9, 0.95, 1.0, 1.05, 1.1)))
    for bx, z, lab, levels, tick_values in panels:
        span = float(np.nanmax(np.abs(np.log(z))))
        norm = LogNorm(vmin=math.exp(-span), vmax=math.exp(span))   # symmetric about 1 (no correction)
        pc = bx.pcolormesh(ratio, U[sel], z, shading="nearest", cmap="RdBu_r", norm=norm)
        cs = bx.contour(ratio, U[sel], z, levels=levels,
                        colors="k", linewidths=0.6)
        bx.clabel(cs, fontsize=6.5, fmt="%g")
        bx.grid(False)
        bx.set_xscale("log")
        bx.set_xlabel("P' / P")
        bx.set_ylabel("U")
        bx.axvline(1.0, color="0.3", lw=0.8, ls=":")
        cb = fig.colorbar(pc, ax=bx, label=lab)
        ticks = [t for t in tick_values if norm.vmin <= t <= norm.vmax]
        cb.ax.yaxis.set_minor_locator(NullLocator())
        cb.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    b1.set_title("ridge correction beyond (r, u) kept")
    b2.set_title("coupling correction beyond (r, u) kept")
    fig.suptitle(f"Transfer maps from P = {base.P} (α = {base.alpha:g}, β = {base.beta:g}, "
                 f"κ = {base.kappa:.3g}; discrete one-loop flow)")

    paths = save_figure(fig, out_dir, "fig6-transfer-map")
    out = pathlib.Path(out_dir)
    jpath, cpath = out / "fig6-transfer-map.json", out / "fig6-transfer-map.csv"
    atomic_write(jpath, to_json(data.to_dict()))
    header, rows = data.to_rows()
    header = {k: v for k, v in header.items() if k != "U"}
    atomic_write(cpath, to_csv(header, rows))
    return paths + [jpath, cpath]


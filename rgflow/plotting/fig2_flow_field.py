"""Figure 2: the dimensionless one-loop flow field (Û, r̂) with nullclines and RG trajectories."""

from __future__ import annotations

import math

import numpy as np

from .._progress import Progress
from ..field import flow_field
from .style import PAGE, pyplot, save


def _tick_sci(ax, axis="x"):
    from matplotlib.ticker import ScalarFormatter

    fmt = ScalarFormatter(useMathText=True)
    fmt.set_powerlimits((-2, 3))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _draw_panel(ax, ff, i, norm, cmap, density=1.1, show_traj=True):
    U, r = ff.U[i], ff.r[i]
    # streamplot takes the velocity in data units (it rescales to its grid itself)
    strm = ax.streamplot(
        U,
        r,
        ff.dU[i],
        ff.dr[i],
        color=ff.ln_magnitude[i],
        cmap=cmap,
        norm=norm,
        density=density,
        linewidth=0.8,
        arrowsize=0.8,
    )
    nc = ff.nullclines[i]
    for j, line in enumerate(nc["r"]):
        ax.plot(
            line[:, 0],
            line[:, 1],
            "--",
            color="k",
            lw=1.5,
            label=("$\\dot{\\hat r}=0$" if ff.rescaled else "$\\dot r=0$") if j == 0 else None,
        )
    for j, line in enumerate(nc["U"]):
        ax.plot(
            line[:, 0],
            line[:, 1],
            "--",
            color="tab:red",
            lw=1.5,
            label=("$\\dot{\\hat U}=0$" if ff.rescaled else "$\\dot U=0$") if j == 0 else None,
        )
    ax.set_xlim(U[0], U[-1])
    ax.set_ylim(r[0], r[-1])
    return strm


def inside(tr, U, r):
    """The part of trajectory ``tr`` up to its first exit from the window U × r (its points at and
    after the exit are dropped, so a drawn trajectory never leaves its panel)."""
    ok = (tr["U"] >= U[0]) & (tr["U"] <= U[-1]) & (tr["r"] >= r[0]) & (tr["r"] <= r[-1])
    n = len(ok) if ok.all() else int(np.argmin(ok))
    return {key: np.asarray(tr[key])[:n] for key in ("tau", "U", "r")}


def figure(out_dir, alpha=0.2, taus=(0.0, 2.0, 4.0, 6.0), cutoff=1000, n=200, name="fig2-flow-field"):
    """Figure 2: the dimensionless flow (Û, r̂) at α = 0.2, β = 1 + α (s ≡ 1), Λ = 1000, at several τ.

    Colour: ln|v| with |v| = √((dÛ/dτ / ΔÛ)² + (dr̂/dτ / Δr̂)²), the speed in panel widths per unit τ
    (ΔÛ, Δr̂ the panel's spans). Trajectories start inside the panel at its τ and are drawn until
    Δτ = 1 or until they leave the panel, whichever comes first."""
    from matplotlib.colors import Normalize

    plt = pyplot()
    beta = 1.0 + alpha
    fields = []
    bar = Progress("fig2 flow fields", len(taus)).__enter__()
    for t in taus:
        ff0 = flow_field(alpha, beta, cutoff, (t,), n=3, rescaled=True, nullclines=False)  # the window only
        U, r = ff0.U[0], ff0.r[0]
        # a few RG trajectories started at this τ, followed through the full τ-dependent flow for Δτ = 1
        # (starts on r̂ = 0 exactly made scipy's first-step estimate overflow: r̂ = 0.1·r̂_max instead)
        starts = [(U[-1] * f, r0) for f in (0.15, 0.5, 0.85) for r0 in (0.1 * r[-1], -0.5)]
        span = (t, min(t + 1.0, math.log(cutoff)))
        fields.append(flow_field(alpha, beta, cutoff, (t,), n=n, rescaled=True, trajectories=starts, traj_tau=span))
        bar.step(f"tau = {t:g}")
    bar.__exit__(None, None, None)
    lm = np.concatenate([f.ln_magnitude[np.isfinite(f.ln_magnitude)].ravel() for f in fields])
    norm = Normalize(*np.percentile(lm, [1, 99]))
    cmap = plt.get_cmap("viridis")
    fig, axes = plt.subplots(2, (len(taus) + 1) // 2, figsize=(PAGE, 6.4), squeeze=False)
    axes = axes.ravel()
    for ax, ff, t in zip(axes, fields, taus):
        strm = _draw_panel(ax, ff, 0, norm, cmap)
        for j, full in enumerate(ff.trajectories):
            tr = inside(full, ff.U[0], ff.r[0])
            if len(tr["U"]) < 2:  # a flow that stops at once (outside the one-loop range) draws nothing
                continue
            ax.plot(
                tr["U"],
                tr["r"],
                "-",
                color="tab:orange",
                lw=1.6,
                label="RG trajectory ($\\Delta\\tau\\leq1$, to the panel edge)" if j == 0 else None,
            )
            ax.plot(tr["U"][:1], tr["r"][:1], "o", color="tab:orange", ms=3.5)
            if len(tr["U"]) > 1:
                ax.annotate(
                    "",
                    xy=(tr["U"][-1], tr["r"][-1]),
                    xytext=(tr["U"][-2], tr["r"][-2]),
                    arrowprops=dict(arrowstyle="-|>", color="tab:orange", lw=1.2),
                )
        ax.set_xlim(ff.U[0, 0], ff.U[0, -1])
        ax.set_ylim(ff.r[0, 0], ff.r[0, -1])
        ax.set_title(f"$\\tau={t:g}$  ($k_c=\\Lambda e^{{-\\tau}}={ff.k_c[0]:.4g}$)")
        ax.set_xlabel("$\\hat U = u\\,\\lambda(k_c)^2$")
        _tick_sci(ax, "x")
        ax.grid(False)
    for ax in axes[::2]:
        ax.set_ylabel("$\\hat r = r\\,\\lambda(k_c)$")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    cb = fig.colorbar(strm.lines, ax=list(axes), pad=0.01, fraction=0.03)
    cb.set_label("$\\ln|v|$, $|v|$ in panel widths per unit $\\tau$")
    fig.suptitle(
        f"One-loop RG flow of $(\\hat U, \\hat r)$ at $\\alpha={alpha:g}$, $\\beta=1+\\alpha={beta:g}$ "
        f"($s\\equiv1$), $\\Lambda={cutoff}$;\ndashed: nullclines (the field changes with $\\tau$)"
    )
    return save(fig, out_dir, name)

"""Figure 12: per-mode ⟨Δ_k⟩ of finite-width networks — the exact mixture, sampled weights, the GP
and the paper's quartic at the network's natural coupling U = L·P/(N κ²)."""

from __future__ import annotations

import numpy as np

from .._progress import Progress
from ..model import Model
from ..predict import predict
from .style import PAGE, pyplot, save

PARAMS = {"alpha": 0.2, "beta": 0.3, "P": 64, "kappa": 1.0}
WIDTHS = (2, 8, 64)
COLORS = ("tab:red", "tab:orange", "tab:blue")


def figure(out_dir, *, seed=0, samples=1500, params=None, widths=WIDTHS, depth=1):
    """fig12-network-modes: (a) ⟨Δ_k⟩ of networks of width N (standard parameterization, depth L) on the
    fixed design — exact lines, sampled weights (blocked Gibbs on the real weights) as dots with one
    standard error, the GP (N = ∞) dashed; (b) the relative shift ⟨Δ_k⟩/⟨Δ_k⟩_GP − 1 of the same, with
    the quartic of docs/theory.md §1 at U = L·P/(N κ²) dotted (it shifts the other way)."""
    plt = pyplot()
    base = dict(PARAMS if params is None else params)
    gp = predict(Model(**base), "gp")
    k = gp.model.k
    rows = []
    with Progress("fig12 networks", 3 * len(widths)) as bar:
        for N in widths:
            net = Model(**base, width=N, depth=depth)
            ex = predict(net, "exact")
            bar.step(f"exact N={N}")
            sm = predict(net, "sample", seed=seed, samples=samples)
            bar.step(f"sample N={N}")
            U = depth * net.P / (N * net.kappa**2)
            qu = predict(Model(**base, U=U), "exact")
            bar.step(f"quartic U={U:.3g}")
            rows.append((N, ex, sm, qu, U))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(PAGE, 3.1), constrained_layout=True)
    sel = np.unique(np.geomspace(1, len(k), 14).astype(int)) - 1
    ax.plot(k, gp.mean, "k--", lw=1.0, label=r"GP ($N=\infty$)")
    bx.axhline(0.0, color="k", ls="--", lw=1.0)
    for (N, ex, sm, qu, U), color in zip(rows, COLORS):
        ax.plot(k, ex.mean, color=color, lw=1.2, label=f"$N={N}$: exact")
        ax.errorbar(
            k[sel],
            sm.mean[sel],
            yerr=sm.info["mean_stderr"][sel],
            fmt="o",
            ms=2.5,
            color=color,
            elinewidth=0.8,
            label=f"$N={N}$: sampled weights",
        )
        bx.plot(k, ex.mean / gp.mean - 1, color=color, lw=1.2)
        bx.errorbar(
            k[sel],
            sm.mean[sel] / gp.mean[sel] - 1,
            yerr=sm.info["mean_stderr"][sel] / gp.mean[sel],
            fmt="o",
            ms=2.5,
            color=color,
            elinewidth=0.8,
        )
        shift = qu.mean / gp.mean - 1
        bx.plot(k, shift, color=color, ls=":", lw=1.2)
        bx.annotate(
            f"$U={U:.3g}$",
            (k[-1], shift[-1]),
            xytext=(3, 0),
            textcoords="offset points",
            color=color,
            fontsize=6,
            va="center",
        )
    ax.set(xscale="log", yscale="log", xlabel="mode $k$", ylabel=r"$\langle\Delta_k\rangle$")
    ax.set_title(r"(a) mean discrepancy by width $N$")
    ax.legend(fontsize=6, loc="lower right", ncol=1)
    bx.set(xscale="log", xlabel="mode $k$", ylabel=r"$\langle\Delta_k\rangle/\langle\Delta_k\rangle_{\rm GP}-1$")
    bx.set_title(r"(b) shift from the GP (dotted: quartic, $U=LP/N\kappa^2$)")
    bx.set_xlim(right=k[-1] * 2.2)
    m = rows[0][1].model
    fig.suptitle(
        rf"Networks (standard, $L={depth}$) at $\alpha={m.alpha}$, $\beta={m.beta}$, $P=\Lambda={m.P}$, "
        rf"$\kappa={m.kappa:g}$; dots: sampled weights $\pm$ s.e."
    )
    return save(fig, out_dir, "fig12-network-modes")

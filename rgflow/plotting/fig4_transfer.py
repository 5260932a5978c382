"""Figure 4: hyperparameter transfer P → P' checked with the exact moments."""

from __future__ import annotations

import numpy as np

from ..transfer import paper_systems
from .style import COLUMN, RG, pyplot, save


def _thin(n, count=36):
    """Indices 0..n-1 evenly spaced on a log axis of k = index+1."""
    return np.unique(np.round(np.geomspace(1, n, count)).astype(int)) - 1


def figure(out_dir, params=None, P_new=None) -> list:
    """Paper Figure 4: ⟨Δ_k⟩ from ``exact`` of the reference (P, κ, U), the naive system (P', same κ, U)
    and the transferred one (P', κ̃, Ũ), and their deviations from the reference (named as in figure 1:
    reference, naive, and the system on the reference's trajectory)."""
    from matplotlib.ticker import NullFormatter

    from ..predict import predict

    plt = pyplot()
    if params is None:
        m1, m2, m3, mk = paper_systems()
    else:  # the same four systems for other parameters (the tests draw a small figure)
        from ..model import Model
        from ..transfer import transfer

        m1 = Model(**params)
        m2, m3 = m1.replace(P=P_new), transfer(m1, P_new).model
        mk = Model.from_couplings(m1.alpha, m1.beta, P_new, m1.r, m1.u)
    e1 = predict(m1, "exact").mean
    e2 = predict(m2, "exact").mean
    e3 = predict(m3, "exact").mean
    ek = predict(mk, "exact").mean
    rg1 = predict(m1, "rg").mean
    k1, kp = m1.k, m2.k

    fig, (ax, bx) = plt.subplots(
        2, 1, figsize=(COLUMN * 1.45, 5.4), sharex=True, gridspec_kw={"height_ratios": [1.5, 1]}
    )
    ax.loglog(k1, rg1, "-", color=RG, lw=1.2, label="reference, RG prediction", zorder=1)
    i1, ip = _thin(m1.cutoff), _thin(m2.cutoff, 30)
    ax.loglog(
        k1[i1],
        e1[i1],
        "o",
        mfc="none",
        color="C0",
        ms=6,
        label=f"reference (exact): $P={m1.P}$, $\\kappa={m1.kappa:.4g}$, $U={m1.U:g}$",
    )
    ax.loglog(
        kp[ip],
        e2[ip],
        "s",
        color="C3",
        ms=3.5,
        label=f"naive (exact): $P'={m2.P}$, same $\\kappa={m2.kappa:.4g}$, $U={m2.U:g}$",
    )
    ax.loglog(
        kp[ip],
        e3[ip],
        "^",
        color="C2",
        ms=4,
        label=f"transferred (exact): $P'={m3.P}$, $\\tilde\\kappa={m3.kappa:.4g}$, $\\tilde U={m3.U:.4g}$",
    )
    ax.axvline(m2.P, color="0.6", lw=0.8, ls=":")
    ax.set_ylabel(r"$\langle\Delta_k\rangle$")
    ax.legend(loc="lower right", fontsize=6.5)
    shown = np.concatenate([e1, e2, e3, rg1])
    lo, hi = 0.45 * shown.min(), 1.45 * shown.max()  # room below the data for the legend
    ax.set_ylim(lo, hi)
    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.1, 0.2, 0.5, 1.0) if lo <= t <= hi]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(f"Hyperparameter transfer $P={m1.P}\\to P'={m2.P}$ ($\\alpha={m1.alpha:g}$, $\\beta={m1.beta:g}$)")

    d2 = np.abs(e2 / e1[: m2.P] - 1)
    d3 = np.abs(e3 / e1[: m2.P] - 1)
    dk = np.abs(ek / e1[: m2.P] - 1)
    bx.loglog(kp, d2, "-", color="C3", label=f"naive, max {d2.max():.2g}")
    bx.loglog(kp, dk, "--", color="C1", label=f"$(r,u)$ kept: $\\kappa=P'/r$, $U=u/P'$, max {dk.max():.2g}")
    bx.loglog(kp, d3, "-", color="C2", label=f"transferred, max {d3.max():.2g}")
    bx.set_xlabel("mode $k$")
    bx.set_ylabel(r"$|\langle\Delta_k\rangle\,/\,\langle\Delta_k\rangle_{\rm ref} - 1|$")
    bx.set_ylim(min(d3.min(), 1e-6) / 3, 5)
    bx.legend(loc="center left", fontsize=6.5)
    return save(fig, out_dir, "fig4-transfer")

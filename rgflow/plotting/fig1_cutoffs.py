"""Figure 1: two cutoffs on one RG trajectory and their identical low-mode behaviour."""

from __future__ import annotations

import numpy as np

from .. import paper
from ..field import cutoff_systems
from .style import PAGE, plain_ticks, pyplot, save


def figure(out_dir, name="fig1-cutoffs", params=None, cutoff1=paper.P_PRIME):
    """Figure 1: two cutoffs Λ0 > Λ1 on one RG trajectory, and their identical low-mode behaviour."""
    from ..model import Model
    from ..predict import predict

    plt = pyplot()
    m0, t0, m1, t1 = cutoff_systems(**(params or paper.PREDICTOR), cutoff1=cutoff1)
    L0, L1 = m0.cutoff, m1.cutoff
    k0 = np.arange(1, L0 + 1)
    k1 = np.arange(1, L1 + 1)
    s0, s1 = t0.at_mode(k0), t1.at_mode(k1)
    e0, e1 = predict(m0, "exact"), predict(m1, "exact")
    naive = Model(m0.alpha, m0.beta, L1, m0.kappa, m0.U)
    e2 = predict(naive, "exact")

    fig = plt.figure(figsize=(PAGE, 4.9))
    gs = fig.add_gridspec(2, 2)
    ax_r = fig.add_subplot(gs[0, 0])
    ax_u = fig.add_subplot(gs[1, 0], sharex=ax_r)
    ax_m = fig.add_subplot(gs[0, 1])
    ax_d = fig.add_subplot(gs[1, 1], sharex=ax_m)
    c0, c1, c2 = "tab:blue", "tab:orange", "0.5"
    ref = f"reference: $P=\\Lambda={L0}$"
    same = f"same trajectory: $P=\\Lambda={L1}$, $\\kappa_1, U_1$"
    naive_label = f"naive: $P=\\Lambda={L1}$, same $\\kappa, U$"
    for ax, key, lab in ((ax_r, "r", "mass $r(k_c)$"), (ax_u, "u", "quartic $u(k_c)$")):
        ax.plot(k0, s0[key], "-", color=c0, lw=2.6, label=ref)
        ax.plot(k1, s1[key], "--", color=c1, lw=1.4, label=same)
        ax.axvline(L1, color="0.3", lw=0.8, ls=":")
        ax.set_ylabel(lab)
        ax.set_xscale("log")
    ax_r.text(L1, ax_r.get_ylim()[0], " $\\Lambda_1$", va="bottom", ha="left", fontsize=8)
    ax_r.set_title("(a) running couplings (discrete flow)")
    ax_u.set_xlabel("cutoff $k_c$ (modes $k_c+1,\\dots,\\Lambda$ integrated out)")
    ax_u.set_xlim(1, L0 * 1.1)
    ax_r.tick_params(labelbottom=False)

    ax_m.loglog(k0, e0.mean, "-", color=c0, lw=1.6, label=ref)
    sel = np.unique(np.round(np.geomspace(1, L1, 30)).astype(int)) - 1
    ax_m.loglog(k1[sel], e1.mean[sel], "o", mfc="none", color=c1, label=same)
    ax_m.loglog(k1, e2.mean, ":", color=c2, label=naive_label)
    ax_m.axvline(L1, color="0.3", lw=0.8, ls=":")
    ax_m.set_ylabel("$\\langle\\Delta_k\\rangle$ (exact)")
    ax_m.set_title("(b) low modes $k\\leq\\Lambda_1$: same behaviour")
    ax_m.set_yticks([0.004, 0.01, 0.02, 0.03])
    plain_ticks(ax_m, "y")
    ax_m.tick_params(labelbottom=False)
    rel1 = np.abs(e1.mean / e0.mean[:L1] - 1)
    rel2 = np.abs(e2.mean / e0.mean[:L1] - 1)
    ax_d.loglog(k1, rel1, "-", color=c1, label="same trajectory")
    ax_d.loglog(k1, rel2, ":", color=c2, label="naive")
    ax_d.axvline(L1, color="0.3", lw=0.8, ls=":")
    ax_d.set_ylabel("$|\\langle\\Delta_k\\rangle/\\langle\\Delta_k\\rangle_{\\rm ref}-1|$")
    ax_d.set_xlabel("mode $k$")
    ax_d.set_xlim(1, L0 * 1.1)
    ax_d.text(1.3, rel1.max() * 2, f"same trajectory: max {rel1.max():.1e}", color=c1, fontsize=7, va="bottom")
    ax_d.text(1.3, rel2.max() * 0.5, f"naive: max {rel2.max():.2f}", color=c2, fontsize=7, va="top")
    handles, labels = ax_m.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    p = m0.params
    fig.suptitle(
        f"Two cutoffs on one RG trajectory: reference $\\alpha={p['alpha']:g}$, $\\beta={p['beta']:g}$, "
        f"$P=\\Lambda={p['P']}$, $\\kappa={p['kappa']:.4g}$, $U={p['U']:g}$\n"
        f"same trajectory: $P=\\Lambda={L1}$ with the $(r, u)$ of the reference's flow at $k_c={L1}$ "
        f"($\\kappa_1={m1.kappa:.4g}$, $U_1={m1.U:.4g}$)"
    )
    return save(fig, out_dir, name)

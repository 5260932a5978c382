"""Figure 10: learning dynamics by spectral shells."""

from __future__ import annotations

import math

import numpy as np

from .. import paper
from .._progress import Progress
from ..dynamics import default_times, dynamics, fixed_point
from ..model import Model
from .style import GP, PAGE, RG, plain_ticks, pyplot, save


def figure(out_dir="figures", params=None, points=161):
    """fig10-dynamics at the paper's α = 0.2, β = 0.3, P = Λ = 1000, κ = 3.981, U = 0 and 0.05 under
    dΔ/dt = −∂S/∂Δ, Δ(0) = y: (a) shell error energies E(λ_j, t)/E(λ_j, 0); (b) ⟨L⟩/P(t) with its
    equilibrium levels; (c) the half-excess front λ*(t); (d) its velocity v = d ln λ*/d ln t with the
    fit v − 1 = A λ^a t^b."""
    from matplotlib.lines import Line2D

    from ..predict import predict

    plt = pyplot()
    m1 = Model(**(params or paper.PREDICTOR))
    m0 = m1.replace(U=0.0)
    t = default_times(m0, points, t_max=0.3)
    with Progress("fig10 dynamics", 5) as bar:
        g0, g1 = dynamics(m0, t), dynamics(m1, t)
        bar.step("gradient flow")
        l0 = dynamics(m0, t, method="langevin")
        bar.step("temperature 1, U = 0")
        l1 = dynamics(m1, t[::6], method="langevin", chains=16, seed=0)
        bar.step("temperature 1, U = 0.05 (sampler)")
        v0, v1 = dynamics(m0, t, shells=4), dynamics(m1, t, shells=4)
        bar.step("fronts, 4 shells per octave")
        gp, ex = predict(m0, "gp"), predict(m1, "exact")
        bar.step("equilibrium levels")
    col = {0.0: GP, 0.05: RG}

    fig, ax = plt.subplots(2, 2, figsize=(PAGE, 5.8))
    cmap = plt.get_cmap("viridis")
    lmin, lmax = math.log(g0.shell_lambda.min()), math.log(g0.shell_lambda.max())
    a_ = ax[0, 0]
    for res, ls in ((g0, "--"), (g1, "-")):
        for j, lam in enumerate(res.shell_lambda):
            a_.loglog(
                res.t,
                res.energy[j] / res.energy[j, 0],
                ls=ls,
                lw=1.0 if ls == "-" else 0.8,
                color=cmap((math.log(lam) - lmin) / (lmax - lmin)),
            )
    a_.axvline(1 / m0.r, color="0.5", ls=":", lw=1)
    a_.text(1.15 / m0.r, 1.5e-5, "$t=1/r$", color="0.3", fontsize=7)
    a_.set(
        xlabel="training time $t$",
        ylabel=r"$E(\lambda_j,t)/E(\lambda_j,0)$",
        ylim=(1e-5, 3),
        title=r"(a) shell error energy, one shell per octave",
    )
    a_.legend(
        handles=[
            Line2D([], [], color="0.3", ls="-", label="$U=0.05$"),
            Line2D([], [], color="0.3", ls="--", lw=0.8, label="$U=0$"),
        ],
        loc="lower left",
    )
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.matplotlib.colors.LogNorm(math.exp(lmin), math.exp(lmax)))
    fig.colorbar(sm, ax=a_, label=r"shell centre $\lambda_j$", pad=0.02)

    a_ = ax[0, 1]
    a_.loglog(g0.t, g0.loss, color=col[0.0], label="gradient flow, $U=0$")
    a_.loglog(g1.t, g1.loss, color=col[0.05], label="gradient flow, $U=0.05$")
    a_.loglog(l0.t, l0.loss, color=col[0.0], ls="-.", lw=1.0, label="temperature 1, $U=0$ (closed form)")
    a_.errorbar(
        l1.t,
        l1.loss,
        yerr=l1.info["loss_stderr"],
        color=col[0.05],
        fmt="o",
        ms=2.5,
        lw=0.8,
        label="temperature 1, $U=0.05$ (sampler)",
    )
    levels = (
        (gp.loss, col[0.0], "GP loss"),
        (ex.loss, col[0.05], "exact loss, $U=0.05$"),
        (gp.bias, col[0.0], "GP bias"),
        (float(np.sum(fixed_point(m1)[0] ** 2)), col[0.05], "$\\min S$, $U=0.05$"),
    )
    for i, (y, c, lab) in enumerate(levels):
        a_.axhline(y, color=c, ls="--", lw=0.7)
        a_.text(
            0.25,
            y * (1.03 if i % 2 == 0 else 0.97),
            lab,
            color=c,
            fontsize=6.5,
            ha="right",
            va="bottom" if i % 2 == 0 else "top",
        )
    a_.set(xlabel="training time $t$", ylabel=r"$\langle L\rangle/P$", title="(b) training loss (dashed: equilibrium)")
    a_.set_ylim(0.24, 4.2)
    a_.set_yticks([0.3, 0.5, 1, 2, 3])
    plain_ticks(a_, "y")
    fig.legend(
        *a_.get_legend_handles_labels(),
        loc="outside lower center",
        ncol=2,
        title="(b):",
        title_fontsize=7,
        alignment="left",
    )

    a_ = ax[1, 0]
    tt = np.geomspace(t[0], 0.999 * math.log(2) / (2 * m0.r), 200)
    a_.loglog(tt, 1 / (math.log(2) / (2 * tt) - m0.r), "k--", lw=1, label=r"$U=0$: $\lambda^*=1/(\ln 2/2t-r)$")
    a_.loglog(tt, tt / (math.log(2) / 2), "k:", lw=1, label=r"massless: $\lambda^*=2t/\ln 2$")
    for res, U in ((v0, 0.0), (v1, 0.05)):
        fr = res.front["0.5"]
        a_.loglog(fr["t"], fr["lambda"], "o", color=col[U], ms=2.5, label=f"front, $U={U:g}$")
    a_.set(
        xlabel="training time $t$",
        ylabel=r"front $\lambda^*(t)$ (half the excess learned)",
        ylim=(1e-4, 2),
        xlim=(3e-5, 2e-3),
        title="(c) learning front, 4 shells per octave",
    )
    a_.legend(loc="upper left")

    a_ = ax[1, 1]
    lo = min(float(np.min(r.velocity["lambda"])) for r in (v0, v1))
    hi = max(float(np.max(r.velocity["lambda"])) for r in (v0, v1))
    lam = np.geomspace(lo, hi, 50)  # every line over the data's range only, clear of the legend
    a_.loglog(lam, m0.r * lam, "k--", lw=1, label=r"$U=0$: $v-1=r\lambda$")
    for res, U in ((v0, 0.0), (v1, 0.05)):
        vel, f = res.velocity, res.fit
        a_.loglog(
            vel["lambda"],
            vel["v"] - 1,
            "o",
            color=col[U],
            ms=2.5,
            alpha=0.7,
            label=f"$U={U:g}$: $A={f['A']:.0f}$, $a={f['a']:.3f}$, $b={f['b']:.3f}$ ",
        )
        tm = float(np.exp(np.mean(np.log(vel["t"]))))
        a_.loglog(lam, f["A"] * lam ** f["a"] * tm ** f["b"], color=col[U], lw=1)
    a_.set(
        xlabel=r"eigenvalue $\lambda$",
        ylabel=r"$v-1$,  $v=d\ln\lambda^*/d\ln t$",
        title=r"(d) front velocity, fit $v-1=A\lambda^a t^b$ at mean $t$",
    )
    a_.set_ylim(1e-4, 5e2)  # free room below the data for the legend
    a_.legend(loc="lower right", fontsize=6.5)  # the data run from lower left to upper right
    fig.suptitle(
        r"Learning dynamics by spectral shells, $d\Delta/dt=-\partial S/\partial\Delta$, $\Delta(0)=y$;"
        "\n"
        f"$\\alpha={m1.alpha:g}$, $\\beta={m1.beta:g}$, $P=\\Lambda={m1.P}$, $\\kappa={m1.kappa:.4g}$ ($r={m0.r:.0f}$)"
    )
    return save(fig, out_dir, "fig10-dynamics")

"""Figure 10: learning dynamics by spectral shells."""
from __future__ import annotations

import math

import numpy as np

from ..dynamics import default_times, dynamics, fixed_point
from ..model import Model


def figure(out_dir="figures"):
    """fig10: shell energies E(λ, t) at U = 0 and U = 0.05, L(t) with equilibrium levels, front and velocity."""
    from .._plotting import pyplot, save_figure
    from ..predict import predict

    plt = pyplot()
    kappa = 1000 / 100**1.2
    m0, m1 = Model(0.2, 0.3, 1000, kappa, 0.0), Model(0.2, 0.3, 1000, kappa, 0.05)
    t = default_times(m0, 161, t_max=0.3)
    g0, g1 = dynamics(m0, t), dynamics(m1, t)
    l0 = dynamics(m0, t, method="langevin")
    l1 = dynamics(m1, t[::6], method="langevin", chains=16, seed=0)
    v0, v1 = dynamics(m0, t, shells=4), dynamics(m1, t, shells=4)

    fig, ax = plt.subplots(2, 3, figsize=(13, 7.6))
    cmap = plt.get_cmap("viridis")
    lmin, lmax = math.log(g0.shell_lambda.min()), math.log(g0.shell_lambda.max())
    for a_, res, U in ((ax[0, 0], g0, 0.0), (ax[0, 1], g1, 0.05)):
        for j, lam in enumerate(res.shell_lambda):
            col = cmap((math.log(lam) - lmin) / (lmax - lmin))
            a_.loglog(res.t, res.energy[j] / res.energy[j, 0], color=col,
                      label=f"k {res.shell_k[j]}–{res.shell_k[j + 1] - 1}")
        fr = res.front["0.5"]
        a_.set(xlabel="t", ylabel=r"$E(\lambda_j,t)/E(\lambda_j,0)$", ylim=(1e-5, 2),
               title=f"gradient flow, U = {U}: shell error energy")
        a_.axvline(1 / m0.r, color="0.5", ls=":", lw=1)
        a_.text(1.1 / m0.r, 1.3e-5, "t = 1/r", color="0.4", fontsize=8)
    ax[0, 0].legend(ncol=2, loc="lower left", fontsize=7)
    ins = ax[0, 1].inset_axes([0.16, 0.08, 0.46, 0.4])
    for j, lam in enumerate(g1.shell_lambda):
        if g1.shell_k[j] >= 128:
            col = cmap((math.log(lam) - lmin) / (lmax - lmin))
            ins.semilogx(g0.t, g0.energy[j] / g0.energy[j, -1], color=col, ls="--", lw=1)
            ins.semilogx(g1.t, g1.energy[j] / g1.energy[j, -1], color=col, lw=1.2)
    ins.axhline(1, color="k", lw=0.6)
    ins.set_ylim(0.93, 1.12)
    ins.set_xlim(1e-4, 0.3)
    ins.tick_params(labelsize=6)
    ins.set_title(r"k ≥ 128: $E/E(\infty)$ (dashed U = 0)", fontsize=7)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.matplotlib.colors.LogNorm(math.exp(lmin), math.exp(lmax)))
    fig.colorbar(sm, ax=ax[0, 1], label=r"shell centre $\lambda_j$")

    a_ = ax[0, 2]
    a_.loglog(g0.t, g0.loss, color="C0", label="gradient, U = 0")
    a_.loglog(g1.t, g1.loss, color="C3", label="gradient, U = 0.05")
    a_.loglog(l0.t, l0.loss, color="C0", ls="-.", label="temperature 1, U = 0 (closed form)")
    a_.errorbar(l1.t, l1.loss, yerr=l1.info["loss_stderr"], color="C3", fmt="o", ms=2.5, lw=0.8,
                label="temperature 1, U = 0.05 (sampler, 16 chains)")
    gp, ex = predict(m0, "gp"), predict(m1, "exact")
    for y, col, lab, up in ((gp.bias, "C0", "GP bias Σ⟨Δ⟩²", True), (gp.loss, "C0", "GP loss", True),
                            (ex.loss, "C3", "exact loss, U = 0.05", False),
                            (float(np.sum(fixed_point(m1)[0] ** 2)), "C3", "minimizer of S, U = 0.05", False)):
        a_.axhline(y, color=col, ls="--", lw=0.8)
        a_.text(t[0] * 1.3, y * (1.03 if up else 0.97), lab, color=col, fontsize=7, va="bottom" if up else "top")
    a_.set(xlabel="t", ylabel=r"$\langle L\rangle/P(t) = \sum_k\langle\Delta_k^2\rangle$",
           title="training loss in time (dashed: equilibrium)")
    a_.legend(loc="lower left", bbox_to_anchor=(0.0, 0.12), fontsize=7)

    a_ = ax[1, 0]
    tt = np.geomspace(t[0], 0.999 * math.log(2) / (2 * m0.r), 200)
    a_.loglog(tt, 1 / (math.log(2) / (2 * tt) - m0.r), "k--", lw=1, label=r"U = 0 theory: $\lambda^*=1/(\ln 2/2t - r)$")
    a_.loglog(tt, tt / (math.log(2) / 2), "k:", lw=1, label=r"massless: $\lambda^* = 2t/\ln 2$")
    for res, col, U in ((v0, "C0", 0.0), (v1, "C3", 0.05)):
        fr = res.front["0.5"]
        a_.loglog(fr["t"], fr["lambda"], "o", color=col, ms=3.5, label=f"half-excess front, U = {U}")
    a_.set(xlabel="t", ylabel=r"front $\lambda^*(t)$ ($\varphi=1/2$)", ylim=(1e-4, 2),
           title="learning front (4 shells per octave)")
    a_.legend(loc="upper left", fontsize=7)

    a_ = ax[1, 1]
    lam = np.geomspace(2e-4, 1, 50)
    a_.loglog(lam, m0.r * lam, "k--", lw=1, label=r"U = 0 theory: $v-1 = r\lambda$")
    for res, col, U in ((v0, "C0", 0.0), (v1, "C3", 0.05)):
        vel, f = res.velocity, res.fit
        a_.loglog(vel["lambda"], vel["v"] - 1, "o", color=col, ms=3, alpha=0.7,
                  label=f"U = {U}: fit A={f['A']:.0f}, a={f['a']:.3f}, b={f['b']:.3f}")
        tm = float(np.exp(np.mean(np.log(vel["t"]))))
        a_.loglog(lam, f["A"] * lam ** f["a"] * tm ** f["b"], color=col, lw=1)
    a_.set(xlabel=r"$\lambda$", ylabel=r"$v - 1$,  $v = d\ln\lambda^*/d\ln t$",
           title=r"front velocity; fit $v-1 = A\lambda^a t^b$ (line at mean t)")
    a_.legend(loc="upper left", fontsize=7)

    a_ = ax[1, 2]
    for res, col, U in ((v0, "C0", 0.0), (v1, "C3", 0.05)):
        vel, f = res.velocity, res.fit
        ok = vel["v"] > 1
        resid = np.log(vel["v"][ok] - 1) - np.log(f["A"] * vel["lambda"][ok] ** f["a"] * vel["t"][ok] ** f["b"])
        a_.semilogx(vel["t"][ok], resid, "o", color=col, ms=3, label=f"U = {U}: rms {f['residual_rms']:.3f}")
    a_.axhline(0, color="k", lw=0.8)
    a_.set(xlabel="t (of the front point)", ylabel=r"residual  $\ln(v-1) - \ln(A\lambda^a t^b)$",
           title="fit residuals")
    a_.legend(loc="lower left", fontsize=7)
    fig.suptitle(f"Learning dynamics by spectral shells: dΔ/dt = −∂S/∂Δ, Δ(0) = y;  α = 0.2, β = 0.3, "
                 f"P = Λ = 1000, κ = 1000/100^1.2 (r = {m0.r:.0f}), U = 0 and 0.05")
    return save_figure(fig, out_dir, "fig10-dynamics")


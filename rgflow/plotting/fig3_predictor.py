"""Figure 3: ⟨Δ_k⟩ and Var Δ_k against k by every method, with relative differences to exact."""
from __future__ import annotations

import numpy as np

from ..model import Model
from ..predict import predict

PAPER = dict(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05)
LINES = {"gp": ("C0", "--"), "pt1": ("C1", "-."), "rg-cutoff": ("C2", ":"), "rg": ("C3", "-")}


def figure(out_dir, *, seed=0, langevin_options=None):
    """fig3-predictor: exact and langevin as markers, gp, pt1, rg-cutoff, rg as lines."""
    from .._plotting import pyplot, save_figure

    plt = pyplot()
    model = Model(**PAPER)
    k = model.k
    ex = predict(model, "exact")
    lv = predict(model, "langevin", seed=seed, **(langevin_options or {}))
    preds = {m: predict(model, m) for m in LINES}
    sel = np.unique(np.geomspace(1, model.cutoff, 28).astype(int)) - 1   # markers, even on log axes

    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.2), sharex=True, height_ratios=(2.2, 1))
    for col, (field, label) in enumerate((("mean", r"$\langle\Delta_k\rangle$"), ("var", r"$\mathrm{Var}\,\Delta_k$"))):
        top, bottom = axes[0, col], axes[1, col]
        ref = getattr(ex, field)
        for name, (color, style) in LINES.items():
            val = getattr(preds[name], field)
            top.plot(k, val, color=color, ls=style, label=name)
            bottom.plot(k, val / ref - 1, color=color, ls=style, label=name)
        top.plot(k[sel], ref[sel], "o", mfc="none", color="k", label="exact")
        err = lv.info[f"{field}_stderr"]
        top.errorbar(k[sel], getattr(lv, field)[sel], yerr=err[sel], fmt="x", color="C4", ms=4, label="langevin")
        bottom.errorbar(k[sel], getattr(lv, field)[sel] / ref[sel] - 1, yerr=err[sel] / ref[sel],
                        fmt="x", color="C4", ms=4, label="langevin")
        top.axvline(100, color="0.6", lw=0.8)
        top.set(xscale="log", yscale="log", ylabel=label)
        bottom.set(xscale="log", xlabel="mode $k$", ylabel="rel. diff. to exact")
        bottom.set_yscale("symlog", linthresh=1e-5, linscale=0.6)
        bottom.set_ylim(-0.6, 0.6)
        bottom.set_yticks([-1e-1, -1e-3, 0, 1e-4, 1e-2])
        bottom.minorticks_off()
        bottom.axhline(0, color="0.3", lw=0.6)
        bottom.axvline(100, color="0.6", lw=0.8)
    axes[0, 0].legend(ncol=2, loc="lower left")
    axes[0, 0].annotate(r"$r\lambda_k = 1$", (100, 0.04), xytext=(4, 0), textcoords="offset points",
                        color="0.4", fontsize=8)
    fig.suptitle(rf"Predictors at $\alpha={model.alpha}$, $\beta={model.beta}$, $U={model.U}$, "
                 rf"$P=\Lambda={model.P}$, $\kappa={model.kappa:.3f}$")
    return save_figure(fig, out_dir, "fig3-predictor")

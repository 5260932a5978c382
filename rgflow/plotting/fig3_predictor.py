"""Figure 3: ⟨Δ_k⟩ and Var Δ_k against k by every method, with relative differences to exact."""
from __future__ import annotations

import numpy as np

from .._progress import Progress
from ..model import Model
from ..predict import predict
from .style import PAGE, STYLES, pyplot, save

PAPER = dict(alpha=0.2, beta=0.3, P=1000, kappa=1000 / 100**1.2, U=0.05)
LINES = ("gp", "pt1", "rg-cutoff", "rg-1loop", "rg")


def figure(out_dir, *, seed=0, langevin_options=None):
    """fig3-predictor at the paper's parameters: exact and Langevin as markers, GP, first-order PT,
    RG read at the cutoff and RG as lines (top); relative difference to exact (bottom)."""
    from matplotlib.ticker import NullFormatter

    plt = pyplot()
    model = Model(**PAPER)
    k = model.k
    with Progress("fig3 predictors", 2 + len(LINES)) as bar:
        ex = predict(model, "exact")
        bar.step("exact")
        lv = predict(model, "langevin", seed=seed, **(langevin_options or {}))
        bar.step("langevin")
        preds = {}
        for m in LINES:
            preds[m] = predict(model, m)
            bar.step(m)
    sel = np.unique(np.geomspace(1, model.cutoff, 28).astype(int)) - 1   # markers, even on log axes
    k_star = float(model.r ** (1 / (1 + model.alpha)))                  # r λ_k = 1 (k = 100 here)

    fig, axes = plt.subplots(2, 2, figsize=(PAGE, 4.9), sharex=True, height_ratios=(2.0, 1))
    rel = {}
    for col, (field, label) in enumerate((("mean", r"$\langle\Delta_k\rangle$"), ("var", r"$\mathrm{Var}\,\Delta_k$"))):
        top, bottom = axes[0, col], axes[1, col]
        ref = getattr(ex, field)
        for name in LINES:
            st = STYLES[name]
            val = getattr(preds[name], field)
            rel[field, name] = val / ref - 1
            top.plot(k, val, color=st["color"], ls=st["ls"], label=st["label"])
            bottom.plot(k, val / ref - 1, color=st["color"], ls=st["ls"])
        top.plot(k[sel], ref[sel], "o", mfc="none", color=STYLES["exact"]["color"], ms=4, label=STYLES["exact"]["label"])
        err = lv.info[f"{field}_stderr"]
        lst = STYLES["langevin"]
        top.errorbar(k[sel], getattr(lv, field)[sel], yerr=err[sel], fmt="o", color=lst["color"], ms=2.5,
                     label=lst["label"] + " ± s.e.")
        bottom.errorbar(k[sel], getattr(lv, field)[sel] / ref[sel] - 1, yerr=err[sel] / ref[sel],
                        fmt="o", color=lst["color"], ms=2.5)
        for ax in (top, bottom):
            ax.axvline(k_star, color="0.6", lw=0.8)
        top.text(k_star * 1.08, 0.04, r"$r\lambda_k=1$", transform=top.get_xaxis_transform(), color="0.35", fontsize=7)
        top.set(xscale="log", yscale="log", ylabel=label)
        top.yaxis.set_minor_formatter(NullFormatter())
        bottom.set(xscale="log", xlabel="mode $k$", ylabel="relative difference\nto exact")
        bottom.set_yscale("symlog", linthresh=1e-8, linscale=0.6)
        bottom.set_ylim(-0.6, 0.6)
        bottom.set_yticks([-1e-1, -1e-4, 0, 1e-7, 1e-4, 1e-1])
        bottom.minorticks_off()
        bottom.axhline(0, color="0.3", lw=0.6)
    same = max(float(np.max(np.abs(rel["var", m] - rel["mean", m]))) for m in LINES)
    axes[0, 0].set_title(r"(a) mean $\langle\Delta_k\rangle$")
    axes[0, 1].set_title(r"(b) variance $\mathrm{Var}\,\Delta_k$")
    axes[0, 0].set_yticks([0.003, 0.005, 0.01, 0.02], ["0.003", "0.005", "0.01", "0.02"])
    axes[0, 1].set_yticks([3e-4, 1e-3, 3e-3], ["0.0003", "0.001", "0.003"])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    fig.suptitle(rf"Predictors at $\alpha={model.alpha}$, $\beta={model.beta}$, $U={model.U}$, "
                 rf"$P=\Lambda={model.P}$, $\kappa={model.kappa:.3f}$" "\n"
                 f"(the variance panels' relative differences equal the mean's to {same:.1g}: every predictor is a "
                 r"tree-level reading $1/(1/\lambda_k+r_{\rm eff})$)", fontsize=8)
    return save(fig, out_dir, "fig3-predictor")

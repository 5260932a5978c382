"""Figure 3: ⟨Δ_k⟩ and Var Δ_k against k by every method, with relative differences to exact."""

from __future__ import annotations

import numpy as np

from .. import paper
from .._progress import Progress
from ..model import Model
from ..predict import predict
from .style import PAGE, STYLES, pyplot, save

LINES = ("gp", "pt1", "rg-cutoff", "rg-1loop", "rg")


def figure(out_dir, *, seed=0, langevin_options=None, params=None):
    """fig3-predictor at the paper's parameters (rgflow.paper): exact and Langevin as markers, GP,
    first-order PT, RG read at the cutoff, one-loop RG and RG as lines (top: mean and variance);
    bottom: |relative difference| of the mean to exact on a log axis, one panel (the variance's
    relative differences are the mean's to the accuracy stated in the panel title), with the Langevin
    standard error as a line (a Langevin point below it agrees with exact within one s.e.)."""
    from matplotlib.ticker import NullFormatter

    plt = pyplot()
    model = Model(**(params or paper.PREDICTOR))
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
    sel = np.unique(np.geomspace(1, model.cutoff, 28).astype(int)) - 1  # markers, even on log axes
    k_star = float(model.r ** (1 / (1 + model.alpha)))  # r λ_k = 1 (k = 100 here)

    fig = plt.figure(figsize=(PAGE, 5.4))
    gs = fig.add_gridspec(2, 2, height_ratios=(1.7, 1))
    tops = [fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])]
    bottom = fig.add_subplot(gs[1, :])
    rel = {}
    for top, (field, label) in zip(tops, (("mean", r"$\langle\Delta_k\rangle$"), ("var", r"$\mathrm{Var}\,\Delta_k$"))):
        ref = getattr(ex, field)
        for name in LINES:
            st = STYLES[name]
            val = getattr(preds[name], field)
            rel[field, name] = val / ref - 1
            top.plot(k, val, color=st["color"], ls=st["ls"], label=st["label"])
        top.plot(
            k[sel], ref[sel], "o", mfc="none", color=STYLES["exact"]["color"], ms=4, label=STYLES["exact"]["label"]
        )
        err = lv.info[f"{field}_stderr"]
        lst = STYLES["langevin"]
        top.errorbar(
            k[sel],
            getattr(lv, field)[sel],
            yerr=err[sel],
            fmt="o",
            color=lst["color"],
            ms=2.5,
            label=lst["label"] + " ± s.e.",
        )
        top.axvline(k_star, color="0.6", lw=0.8)
        top.text(k_star * 1.08, 0.04, r"$r\lambda_k=1$", transform=top.get_xaxis_transform(), color="0.35", fontsize=7)
        top.set(xscale="log", yscale="log", ylabel=label, xlabel="mode $k$")
        top.yaxis.set_minor_formatter(NullFormatter())
    for name in LINES:
        st = STYLES[name]
        below = np.median(rel["mean", name]) < 0
        bottom.plot(
            k,
            np.abs(rel["mean", name]),
            color=st["color"],
            ls=st["ls"],
            label=st["label"] + (" (below exact)" if below else ""),
        )
    lv_rel = np.abs(lv.mean[sel] / ex.mean[sel] - 1)
    lv_se = lv.info["mean_stderr"][sel] / ex.mean[sel]
    bottom.plot(k[sel], lv_rel, "o", color=STYLES["langevin"]["color"], ms=2.5, label="Langevin, |difference|")
    bottom.plot(k[sel], lv_se, "-", color=STYLES["langevin"]["color"], lw=0.8, alpha=0.7, label="Langevin, one s.e.")
    bottom.axvline(k_star, color="0.6", lw=0.8)
    bottom.set(xscale="log", yscale="log", xlabel="mode $k$", ylabel="|relative difference|\nof the mean to exact")
    same = {m: float(np.max(np.abs(rel["var", m] - rel["mean", m]))) for m in LINES}
    bottom.set_title(
        r"(c) $|\langle\Delta_k\rangle/\langle\Delta_k\rangle_{\rm exact}-1|$; the variance's relative "
        f"differences are the same to {max(same.values()):.0e} (rg: {same['rg']:.0e})"
    )
    bottom.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=6.5)
    tops[0].set_title(r"(a) mean $\langle\Delta_k\rangle$")
    tops[1].set_title(r"(b) variance $\mathrm{Var}\,\Delta_k$")
    tops[0].set_yticks([0.003, 0.005, 0.01, 0.02], ["0.003", "0.005", "0.01", "0.02"])
    tops[1].set_yticks([3e-4, 1e-3, 3e-3], ["0.0003", "0.001", "0.003"])
    fig.suptitle(
        rf"Predictors at $\alpha={model.alpha}$, $\beta={model.beta}$, $U={model.U}$, "
        rf"$P=\Lambda={model.P}$, $\kappa={model.kappa:.4g}$"
    )
    return save(fig, out_dir, "fig3-predictor")

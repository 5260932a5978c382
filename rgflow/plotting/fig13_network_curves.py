"""Figure 13: finite-width learning curves at fixed width N and at fixed N/P, both parameterizations."""

from __future__ import annotations

import numpy as np

from .._progress import Progress
from ..model import Model
from ..predict import predict
from .style import PAGE, pyplot, save

PARAMS = {"alpha": 0.2, "beta": 0.3, "kappa": 1000 / 100**1.2}
P_VALUES = np.unique(np.geomspace(64, 8192, 8).astype(int))
FIXED_N = ((32, "tab:blue"), (256, "tab:green"))
FIXED_RATIO = ((0.1, "tab:red"), (1.0, "tab:purple"))


def _curve(method, par, Ps, *, width=None, ratio=None, depth=1):
    out = []
    for P in Ps:
        N = width if ratio is None else max(1, round(ratio * P))
        out.append(predict(Model(**PARAMS, P=int(P), width=N, depth=depth, parameterization=par), method).loss)
    return np.array(out)


def figure(out_dir, *, P_values=P_VALUES, depth=1):
    """fig13-network-curves: (a) standard parameterization, the relative correction of the training loss
    to the GP's, 1 − loss_N/loss_∞ (finite width lowers the loss), against P at fixed N and at fixed N/P — exact (lines), first order
    in 1/N (dashed), and the derived power laws (grey, rgflow.exponents); (b) mean-field
    parameterization, the loss itself against P: finite N, its N → ∞ limit (the saddle in Q) and the GP."""
    from ..exponents import correction_exponents

    plt = pyplot()
    Ps = np.asarray(P_values)
    curves = list(FIXED_N) + list(FIXED_RATIO)
    gp = np.array([predict(Model(**PARAMS, P=int(P)), "gp").loss for P in Ps])
    with Progress("fig13 network curves", 3 * len(curves) + 1) as bar:
        std, pt1, mf = {}, {}, {}
        for value, _ in curves:
            kw = {"width": value} if isinstance(value, int) else {"ratio": value}
            std[value] = _curve("exact", "standard", Ps, depth=depth, **kw)
            bar.step(f"standard {value}")
            pt1[value] = _curve("pt1", "standard", Ps, depth=depth, **kw)
            bar.step(f"pt1 {value}")
            mf[value] = _curve("exact", "mean-field", Ps, depth=depth, **kw)
            bar.step(f"mean-field {value}")
        saddle = _curve("mean-field", "mean-field", Ps, width=10**9, depth=depth)
        bar.step("mean-field limit")
    ex = correction_exponents(PARAMS["alpha"], PARAMS["beta"])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(PAGE, 3.2), constrained_layout=True)
    for value, color in curves:
        label = f"$N={value}$" if isinstance(value, int) else f"$N/P={value:g}$"
        ax.plot(Ps, 1 - std[value] / gp, "o-", color=color, ms=3, label=label + ": exact")
        first = 1 - pt1[value] / gp
        ok = (first > 0) & (first < 0.5)  # first order in 1/N, where it is meaningful
        ax.plot(Ps[ok], first[ok], "--", color=color, lw=1.0)
        bx.plot(Ps, mf[value], "o-", color=color, ms=3, label=label)
    # the derived exponents: at fixed N anchored where 1/N is small (the largest N, the smallest P), at
    # fixed N/P at the largest P (an asymptotic law)
    for value, key, at in ((FIXED_N[-1][0], "network_fixed_width", 0), (FIXED_RATIO[-1][0], "network_fixed_ratio", -1)):
        ref = 1 - std[value] / gp
        e = ex[key]
        guide = ref[at] * (Ps / Ps[at]) ** e
        what = "fixed $N$" if key == "network_fixed_width" else "fixed $N/P$"
        ax.plot(
            Ps,
            guide,
            color="0.55",
            lw=3,
            alpha=0.45,
            zorder=0,
            ls="-" if at == 0 else "--",
            label=f"derived, {what}: $P^{{{e:.3f}}}$",
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="training samples $P$",
        ylabel=r"$1-\langle L\rangle_N/\langle L\rangle_{\infty}$",
    )
    ax.set_title("(a) standard: the loss below the GP's (dashed: order $1/N$)")
    ax.legend(fontsize=6, loc="lower right")
    bx.plot(Ps, saddle, "k-", lw=1.2, label=r"$N\to\infty$ (saddle in $Q$)")
    bx.plot(Ps, gp, "k--", lw=1.0, label="GP")
    bx.set(xscale="log", yscale="log", xlabel="training samples $P$", ylabel=r"loss $\langle L\rangle/P$")
    bx.set_title("(b) mean-field: the loss and its large-$N$ limit")
    bx.legend(fontsize=6, loc="upper right")
    fig.suptitle(
        rf"Finite-width learning curves, $\alpha={PARAMS['alpha']}$, $\beta={PARAMS['beta']}$, "
        rf"$\kappa={PARAMS['kappa']:.4g}$, $L={depth}$, $\Lambda=P$; grey: derived asymptotic exponents"
    )
    return save(fig, out_dir, "fig13-network-curves")

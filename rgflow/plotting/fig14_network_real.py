"""Figure 14: the finite-width network on real data — test error against width, exact and theory."""

from __future__ import annotations

import numpy as np

from .._progress import Progress
from .style import PAGE, pyplot, save

# data set, target, P, κ (rbf kernel), points kept (a seeded subsample: the Gram-matrix theory costs O(N³) per
# node and its neighbour clusters ~3 ms per point and width; diabetes' 442 points took 11 s of the figure's 10 s
# budget without them)
CASES = (("wine", "smooth", 30, 0.1, 150), ("diabetes", "class", 40, 0.3, 150))
WIDTHS = (1, 2, 4, 16, 64, 256)
NODES = 3  # the pointwise theory's Gauss rule in t: within 3e-3 of 8 nodes on both panels at every width
DRAWS = 40


def _panel(name, target, P, kappa, keep, widths, draws, depth, parameterization):
    from ..data import kernel_matrix, spectrum_from_gram
    from ..krr import krr_test_error, real_dataset
    from ..network_real import network_test_error, network_theory
    from ..ridge import pointwise_errors, ridge_errors

    X, f = real_dataset(name, target)
    if keep is not None:
        idx = np.sort(np.random.default_rng(0).choice(len(f), keep, replace=False))
        X, f = X[idx], f[idx]
    K = kernel_matrix(X, kernel="rbf")
    s = spectrum_from_gram(K, f)
    res = s.meta["dropped_power"] if s.meta["dropped_modes"] else 0.0
    out = {"exact": [], "se": [], "renormalized": [], "pointwise": []}
    for N in widths:
        e = network_test_error(K, f, P, kappa, N, depth, parameterization, draws=draws)
        out["exact"].append(e["mean"])
        out["se"].append(e["stderr"])
        out["renormalized"].append(network_theory(*s, P, kappa, N, depth, parameterization, residual=res).test_error)
        out["pointwise"].append(
            network_theory(
                *s,
                P,
                kappa,
                N,
                depth,
                parameterization,
                ridge="pointwise",
                gram=K,
                values=f,
                nodes=NODES,
                at_mode=False,
            ).test_error
        )
    k = krr_test_error(K, f, P, kappa, draws=draws)
    out["krr"], out["krr_se"] = k["mean"], k["stderr"]
    out["u0_renormalized"] = ridge_errors(*s, P, kappa, residual=res).test_error
    out["u0_pointwise"] = pointwise_errors(K, f, P, kappa).test_error
    return {key: np.asarray(v) for key, v in out.items()}


def figure(out_dir, *, widths=WIDTHS, draws=DRAWS, depth=1, parameterization="standard"):
    """fig14-network-real: test error of the finite-width network (standard parameterization, depth 1) against
    its width N on two of scikit-learn's data sets: the exact network (the posterior-mean predictor, mean over
    ``draws`` draws of the P training points with its standard error), the theories from the spectrum
    (renormalized) and from the Gram matrix (pointwise), and at N = ∞ KernelRidge with its U = 0 theories."""
    plt = pyplot()
    ws = np.asarray(widths)
    fig, axes = plt.subplots(1, len(CASES), figsize=(PAGE, 3.0), constrained_layout=True)
    with Progress("fig14 network on real data", len(CASES)) as bar:
        for ax, (name, target, P, kappa, keep) in zip(axes, CASES):
            d = _panel(name, target, P, kappa, keep, ws, draws, depth, parameterization)
            bar.step(name)
            ax.errorbar(ws, d["exact"], yerr=d["se"], fmt="o", color="k", ms=3, capsize=2, label="exact network")
            ax.plot(ws, d["renormalized"], "-", color="tab:blue", label="theory: spectrum (renormalized)")
            ax.plot(ws, d["pointwise"], "--", color="tab:red", label="theory: Gram matrix (pointwise)")
            ax.axhspan(d["krr"] - d["krr_se"], d["krr"] + d["krr_se"], color="0.8", label=r"KRR ($N=\infty$)")
            ax.axhline(d["u0_renormalized"], color="tab:blue", lw=0.8, ls=":")
            ax.axhline(d["u0_pointwise"], color="tab:red", lw=0.8, ls=":")
            ax.set(xscale="log", yscale="log", xlabel="width $N$", ylabel="test error")
            pts = "" if keep is None else f", {keep} points"
            ax.set_title(f"{name} ({target}{pts}), rbf, $P={P}$, $\\kappa={kappa:g}$", fontsize=8)
        axes[0].legend(fontsize=6)
    fig.suptitle(
        f"Finite-width network on real data ({parameterization}, $L={depth}$); dotted: the $U=0$ "
        "theories at $N=\\infty$",
        fontsize=8,
    )
    return save(fig, out_dir, "fig14-network-real")

"""Figure 11: learning curves of real kernel ridge regression on scikit-learn's bundled data sets against
the U = 0 theory on the measured spectrum (renormalized ridge and bare mass r = P/κ) and on the Gram
matrix (the pointwise renormalized ridge), and the measured
spectrum with its fitted power laws and their drift across windows."""

from __future__ import annotations

import numpy as np

from ..data import exponent_drift, fit_power_law, kernel_matrix, spectrum_from_gram
from ..krr import krr_test_error, real_dataset
from ..ridge import pointwise_errors, ridge_errors

PANELS = (("breast_cancer", "rbf", "class"), ("diabetes", "laplace", "smooth"))
KAPPAS = (1.0, 0.1, 0.01)


def figure(out_dir, panels=PANELS, kappas=KAPPAS, draws=30, points=5) -> list:
    """Top: KRR test error (mean ± s.e. over ``draws`` draws of P points without replacement, error over
    all N points) for each κ, with the renormalized (solid) and bare (dashed) predictions on the
    spectrum and the pointwise renormalized ridge on the Gram matrix (crosses), one panel per data set;
    bottom left: λ_k and binned y_k² of the first panel's spectrum with the power laws fitted on
    [10, N/5]; bottom right: α and β fitted on sliding windows [k, 4k] (their drift)."""
    from matplotlib.lines import Line2D

    from .._progress import Progress
    from .style import PAGE, pyplot, save

    plt = pyplot()
    fig = plt.figure(figsize=(PAGE, 6.4))
    gs = fig.add_gridspec(2, len(panels))
    top = [fig.add_subplot(gs[0, j]) for j in range(len(panels))]
    sx, dx = fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[1, 1])
    colors = ("C0", "C1", "C2", "C3")
    spectra = []
    with Progress("fig11 real data", len(panels) * len(kappas)) as bar:
        for ax, (ds, kn, tg) in zip(top, panels):
            X, f = real_dataset(ds, tg)
            K = kernel_matrix(X, kernel=kn)
            lam, y = spectrum_from_gram(K, f)
            spectra.append((ds, kn, tg, lam, y))
            N = len(f)
            P_grid = np.unique(np.geomspace(0.01 * N, 0.2 * N, points).astype(int))
            P_fine = np.geomspace(P_grid[0], P_grid[-1], 40)
            for kappa, col in zip(kappas, colors):
                e = [krr_test_error(K, f, P, kappa, draws=draws) for P in P_grid]
                ax.errorbar(
                    P_grid,
                    [d["mean"] for d in e],
                    yerr=[d["stderr"] for d in e],
                    fmt="o",
                    color=col,
                    mfc="none",
                    capsize=2,
                    ms=4,
                )
                ax.plot(P_fine, [ridge_errors(lam, y, P, kappa).test_error for P in P_fine], "-", color=col)
                ax.plot(
                    P_fine, [ridge_errors(lam, y, P, kappa, "bare").test_error for P in P_fine], "--", color=col, lw=0.9
                )
                ax.plot(P_grid, [pointwise_errors(K, f, P, kappa).test_error for P in P_grid], "x", color=col, ms=5)
                bar.step(f"{ds} kappa={kappa:g}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(r"training samples $P$")
            ax.set_title(f"{ds.replace('_', ' ')} ($N={N}$)\n{kn} kernel, {tg} target", fontsize=8)
    top[0].set_ylabel(r"test error $E_{\rm test}$")
    ds, kn, tg, lam, y = spectra[0]
    N = lam.size
    k = np.arange(1, N + 1)
    fit = fit_power_law(lam, y, 10, N // 5)
    edges = np.unique(np.geomspace(1, N + 1, 25).astype(int))
    kb = np.sqrt(edges[:-1] * (edges[1:] - 1))
    yb = [np.mean(y[a - 1 : b - 1] ** 2) for a, b in zip(edges[:-1], edges[1:])]
    sx.loglog(k, lam, "-", color="k", lw=1.0, label=r"$\lambda_k$")
    sx.loglog(kb, yb, "s", color="C3", mfc="none", ms=4, label=r"$y_k^2$ (binned)")
    kw = np.arange(10, N // 5 + 1)
    sx.loglog(
        kw,
        fit["A"] * kw ** -(1 + fit["alpha"]),
        ":",
        color="C0",
        lw=2,
        label=rf"fit, $\alpha={fit['alpha']:.3f}\pm{fit['alpha_err']:.3f}$",
    )
    sx.loglog(
        kw,
        fit["B"] * kw ** -(1 + fit["beta"]),
        ":",
        color="C1",
        lw=2,
        label=rf"fit, $\beta={fit['beta']:.2f}\pm{fit['beta_err']:.2f}$",
    )
    sx.set_xlabel(r"mode $k$")
    sx.set_ylabel(r"$\lambda_k$,  $y_k^2$")
    sx.set_title(f"spectrum of {ds.replace('_', ' ')}, {kn}; fit on $[10, N/5]$", fontsize=8)
    sx.legend(loc="lower left", fontsize=6.5)
    d = exponent_drift(lam, y, width=4, step=2, k_min=4, k_max=N // 2)
    kc = np.sqrt(d["k_lo"] * d["k_hi"])
    dx.errorbar(kc, d["alpha"], yerr=d["alpha_err"], fmt="o-", color="C0", ms=3, lw=0.8, label=r"$\alpha$")
    dx.errorbar(kc, d["beta"], yerr=d["beta_err"], fmt="s-", color="C1", ms=3, lw=0.8, label=r"$\beta$")
    dx.set_xscale("log")
    dx.set_ylim(-1.0, 2.0)
    dx.set_xlabel(r"window centre $\sqrt{k\cdot 4k}$")
    dx.set_ylabel("fitted exponent")
    dx.set_title("the same spectrum fitted on windows $[k, 4k]$", fontsize=8)
    dx.legend(loc="upper left", fontsize=6.5)
    handles = [
        Line2D([], [], color=c, marker="o", mfc="none", ls="none", label=rf"KRR, $\kappa={kappa:g}$")
        for kappa, c in zip(kappas, colors)
    ]
    handles += [
        Line2D([], [], color="0.3", ls="-", label="renormalized ridge (spectrum)"),
        Line2D([], [], color="0.3", ls="--", lw=0.9, label=r"bare, $r=P/\kappa$ (spectrum)"),
        Line2D([], [], color="0.3", marker="x", ls="none", label="pointwise ridge (Gram matrix)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    fig.suptitle("Real kernel ridge regression (scikit-learn KernelRidge) against the $U=0$ theory")
    return save(fig, out_dir, "fig11-real-data")

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


def figure(out_dir, panels=PANELS, kappas=KAPPAS, draws=30) -> list:
    """Left panels: KRR test error (mean ± s.e. over ``draws`` draws of P points without replacement,
    error over all N points) for each κ, with the renormalized (solid) and bare (dashed) predictions on
    the spectrum and the pointwise renormalized ridge on the Gram matrix (crosses);
    right: λ_k and binned y_k² of the first panel's spectrum with the power laws fitted on [10, N/5]
    and, inset, α and β on sliding windows [k, 4k]."""
    from .render import save_figure
    from .style import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.0 * (len(panels) + 1), 3.9))
    colors = ("C0", "C1", "C2", "C3")
    spectra = []
    for ax, (ds, kn, tg) in zip(axes, panels):
        X, f = real_dataset(ds, tg)
        K = kernel_matrix(X, kernel=kn)
        lam, y = spectrum_from_gram(K, f)
        spectra.append((ds, kn, tg, lam, y))
        N = len(f)
        P_grid = np.unique(np.geomspace(0.01 * N, 0.2 * N, 5).astype(int))
        P_fine = np.geomspace(P_grid[0], P_grid[-1], 40)
        for kappa, col in zip(kappas, colors):
            e = [krr_test_error(K, f, P, kappa, draws=draws) for P in P_grid]
            ax.errorbar(P_grid, [d["mean"] for d in e], yerr=[d["stderr"] for d in e], fmt="o", color=col,
                        mfc="none", capsize=2, label=rf"KRR, $\kappa={kappa:g}$")
            ax.plot(P_fine, [ridge_errors(lam, y, P, kappa).test_error for P in P_fine], "-", color=col,
                    label="renormalized ridge" if kappa == kappas[0] else None)
            ax.plot(P_fine, [ridge_errors(lam, y, P, kappa, "bare").test_error for P in P_fine], "--", color=col,
                    lw=0.9, label=r"bare, $r=P/\kappa$" if kappa == kappas[0] else None)
            ax.plot(P_grid, [pointwise_errors(K, f, P, kappa).test_error for P in P_grid], "x", color=col, ms=5,
                    label="pointwise ridge (Gram matrix)" if kappa == kappas[0] else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"training samples $P$")
        ax.set_ylabel(r"test error $E_{\rm test}$")
        ax.set_title(f"{ds.replace('_', ' ')}, {kn} kernel, {tg} target ($N={N}$)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=7)
    ds, kn, tg, lam, y = spectra[0]
    ax = axes[-1]
    N = lam.size
    k = np.arange(1, N + 1)
    fit = fit_power_law(lam, y, 10, N // 5)
    edges = np.unique(np.geomspace(1, N + 1, 25).astype(int))
    kb = np.sqrt(edges[:-1] * (edges[1:] - 1))
    yb = [np.mean(y[a - 1:b - 1] ** 2) for a, b in zip(edges[:-1], edges[1:])]
    ax.loglog(k, lam, "-", color="k", lw=1.0, label=r"$\lambda_k$")
    ax.loglog(kb, yb, "s", color="C3", mfc="none", label=r"$y_k^2$ (binned)")
    kw = np.arange(10, N // 5 + 1)
    ax.loglog(kw, fit["A"] * kw ** -(1 + fit["alpha"]), ":", color="C0", lw=2,
              label=rf"$A k^{{-(1+\alpha)}}$, $\alpha={fit['alpha']:.2f}\pm{fit['alpha_err']:.2f}$")
    ax.loglog(kw, fit["B"] * kw ** -(1 + fit["beta"]), ":", color="C1", lw=2,
              label=rf"$B k^{{-(1+\beta)}}$, $\beta={fit['beta']:.2f}\pm{fit['beta_err']:.2f}$")
    ax.set_xlabel(r"mode $k$")
    ax.set_ylabel(r"$\lambda_k$,  $y_k^2$")
    ax.set_title("spectrum of the left panel; fit on $[10, N/5]$")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=7)
    d = exponent_drift(lam, y, width=4, step=2, k_min=4, k_max=N // 2)
    ins = ax.inset_axes([0.62, 0.64, 0.36, 0.3])
    kc = np.sqrt(d["k_lo"] * d["k_hi"])
    ins.errorbar(kc, d["alpha"], yerr=d["alpha_err"], fmt="o-", color="C0", ms=2.5, lw=0.8)
    ins.errorbar(kc, d["beta"], yerr=d["beta_err"], fmt="s-", color="C1", ms=2.5, lw=0.8)
    ins.set_xscale("log")
    ins.set_ylim(-1.0, 2.0)
    ins.set_title(r"$\alpha$ blue, $\beta$ orange, on $[k, 4k]$", fontsize=6)
    ins.tick_params(labelsize=6)
    fig.suptitle("Real kernel ridge regression (scikit-learn KernelRidge) against the U = 0 theory "
                 "on the measured spectrum and on the Gram matrix")
    return save_figure(fig, out_dir, "fig11-real-data")

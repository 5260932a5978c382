"""Empirical check of the U = 0 theory against real kernel ridge regression (KRR).

Setup. Inputs x_i uniform on the circle [0, 2π); eigenfunctions φ_k(x) = √2 cos(k x), orthonormal
under the input distribution (E_x φ_k φ_q = δ_kq); kernel K(x, x') = Σ_{k=1}^{Λ} λ_k φ_k(x) φ_k(x')
with exactly the spectrum λ_k = k^-(1+α); target f*(x) = Σ_k y_k φ_k(x), y_k = k^-(1+β)/2
(noise free). KRR with ridge κ on P samples: f̂ = K(·, X)(K + κ I)^-1 y.

Normalization (the mapping to THEORY §1). The data term of the GP posterior is
Σ_i (f(x_i) − y_i)²/(2κ). Replacing the empirical Gram matrix of the eigenfunctions by its mean,
(1/P) Σ_i φ_k(x_i) φ_q(x_i) → δ_kq (the equivalent-kernel approximation), turns it into
(P/2κ) Σ_k Δ_k², i.e. the mass r = P/κ, with Δ_k = y_k − f_k in these orthonormal units. Hence

    empirical mean squared training residual (1/P) Σ_i (f̂(x_i) − y_i)² = (κ²/P) yᵀ(K+κI)⁻² y
        ↔ theory bias Σ_k ⟨Δ_k⟩² = Σ_k y_k²/(1 + rλ_k)²,
    mean posterior variance at the training points (κ/P) tr[K (K+κI)⁻¹]
        ↔ theory variance Σ_k λ_k/(1 + rλ_k),

and their sum ↔ ⟨L⟩/P. (The √P of THEORY's "data-space discrepancy √P·Δ_k" is the norm of a
φ_k sampled at P points: Σ_i φ_k(x_i)² ≈ P.)

Beyond the equivalent kernel. The fluctuations of the empirical Gram matrix renormalize the ridge:
κ_eff = κ / (1 − (1/P) Σ_k Pλ_k/(Pλ_k + κ_eff)) and the training error becomes
(κ/κ_eff)² E₀ Σ_k y_k² κ_eff²/(κ_eff + Pλ_k)², E₀ = P/(P − Σ_k L_k²), L_k = Pλ_k/(Pλ_k + κ_eff)
(the "eigenlearning"/replica result of Bordelon et al. 2020, Simon et al. 2021). The equivalent
kernel of THEORY §1 is its limit κ_eff → κ, E₀ → 1, valid when the ridge dominates the spectral
tail: κ ≫ Σ_{k > k*} Pλ_k... i.e. when (1/P) Σ_k L_k ≪ 1.
"""
from __future__ import annotations

import numpy as np

from .model import Model, check_int

__all__ = ["krr_training_loss", "theory_training_loss", "effective_ridge", "compare", "figure_kernel_ridge"]


def krr_training_loss(P, alpha, beta, kappa, cutoff=None, seeds=(0,)) -> dict:
    """Real KRR on the circle: mean squared training residual (bias) and mean posterior variance
    at the training points, averaged over ``seeds`` (with their standard errors)."""
    m = Model(alpha, beta, P, kappa, 0.0, cutoff)
    k = m.k
    lam, y = m.eigenvalues(), m.target()
    res, var = [], []
    for seed in seeds:
        rng = np.random.default_rng([check_int("seed", seed, low=0), m.P, m.cutoff])
        x = rng.uniform(0.0, 2 * np.pi, m.P)
        phi = np.sqrt(2.0) * np.cos(np.outer(x, k))  # P × Λ
        K = (phi * lam) @ phi.T
        t = phi @ y
        w, V = np.linalg.eigh(K)
        w = np.maximum(w, 0.0)
        c = V.T @ t
        res.append(float(np.sum((kappa / (w + kappa)) ** 2 * c**2) / m.P))
        var.append(float(kappa * np.sum(w / (w + kappa)) / m.P))
    res, var = np.array(res), np.array(var)
    n = len(seeds)
    se = (lambda a: float(a.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan"))  # noqa: E731
    return {"bias": float(res.mean()), "variance": float(var.mean()), "loss": float((res + var).mean()),
            "bias_stderr": se(res), "variance_stderr": se(var)}


def effective_ridge(P, lam, kappa) -> float:
    """κ_eff of the self-consistent (eigenlearning) theory: κ_eff (1 − Σ_k λ_k/(Pλ_k + κ_eff)) = κ."""
    from scipy.optimize import brentq

    lam = np.asarray(lam, dtype=float)
    f = lambda ke: ke * (1.0 - np.sum(lam / (P * lam + ke))) - kappa  # noqa: E731
    hi = kappa * 2.0 + 1.0
    while f(hi) < 0:
        hi *= 4.0
    return brentq(f, kappa * (1 - 1e-15) if f(kappa) < 0 else 0.0, hi, xtol=1e-14 * hi, rtol=1e-14)


def theory_training_loss(P, alpha, beta, kappa, cutoff=None) -> dict:
    """U = 0 theory (equivalent kernel, THEORY §1) and the self-consistent renormalized-ridge theory."""
    m = Model(alpha, beta, P, kappa, 0.0, cutoff)
    lam, y2 = m.eigenvalues(), m.target() ** 2
    r = m.r
    bias = float(np.sum(y2 / (1 + r * lam) ** 2))
    var = float(np.sum(lam / (1 + r * lam)))
    ke = effective_ridge(m.P, lam, kappa)
    L = m.P * lam / (m.P * lam + ke)
    E0 = m.P / (m.P - np.sum(L**2))
    sc_bias = float((kappa / ke) ** 2 * E0 * np.sum(y2 * (1 - L) ** 2))
    return {"bias": bias, "variance": var, "loss": bias + var, "kappa_eff": ke, "E0": float(E0),
            "bias_self_consistent": sc_bias}


def compare(P_values, alpha, beta, kappa, cutoff_factor=1, seeds=(0, 1, 2)) -> dict:
    """KRR against theory for each P (kernel rank Λ = cutoff_factor · P)."""
    rows = {key: [] for key in ("P", "krr_bias", "krr_bias_stderr", "krr_variance", "theory_bias",
                                "theory_variance", "sc_bias", "kappa_eff")}
    for P in P_values:
        cut = int(cutoff_factor * P)
        e = krr_training_loss(int(P), alpha, beta, kappa, cut, seeds)
        t = theory_training_loss(int(P), alpha, beta, kappa, cut)
        for key, val in (("P", P), ("krr_bias", e["bias"]), ("krr_bias_stderr", e["bias_stderr"]),
                         ("krr_variance", e["variance"]), ("theory_bias", t["bias"]),
                         ("theory_variance", t["variance"]), ("sc_bias", t["bias_self_consistent"]),
                         ("kappa_eff", t["kappa_eff"])):
            rows[key].append(val)
    return {key: np.asarray(v, dtype=float) for key, v in rows.items()}


def figure_kernel_ridge(out_dir) -> list:
    from ._plotting import pyplot, save_figure

    plt = pyplot()
    a, b = 0.2, 0.3
    P_values = np.unique(np.round(np.geomspace(50, 800, 6)).astype(int))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, kappa in zip(axes, (1000 / 100**1.2, 0.05)):
        for fac, mk in ((1, "o"), (4, "s")):
            c = compare(P_values, a, b, kappa, cutoff_factor=fac, seeds=(0, 1, 2, 3))
            ax.errorbar(c["P"], c["krr_bias"], yerr=c["krr_bias_stderr"], fmt=mk, color="C0", mfc="none",
                        label=f"KRR residual, Λ = {fac}P (4 seeds)")
            ax.loglog(c["P"], c["theory_bias"], "-" if fac == 1 else "--", color="C0",
                      label=f"theory bias Σ y²/(1+rλ)², Λ = {fac}P")
            ax.loglog(c["P"], c["sc_bias"], "-" if fac == 1 else "--", color="C2", lw=1,
                      label=f"renormalized ridge κ_eff, Λ = {fac}P")
            ax.loglog(c["P"], c["krr_variance"], mk, color="C3", mfc="none", label=f"KRR posterior var, Λ = {fac}P")
            ax.loglog(c["P"], c["theory_variance"], "-" if fac == 1 else "--", color="C3",
                      label=f"theory variance, Λ = {fac}P")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training samples P")
        ax.set_ylabel("per-sample training residual / posterior variance")
        ax.set_title(f"α = {a}, β = {b}, κ = {kappa:.3g}")
    axes[0].legend(fontsize=6.3)
    fig.suptitle("Kernel ridge regression on the circle (φ_k = √2 cos kx) against the U = 0 theory")
    return save_figure(fig, out_dir, "fig8-kernel-ridge")

"""Derived exponents in P of the non-Gaussian corrections to the learning curve (docs/networks.md).

Power law λ_k = k^-(1+α), y_k² = k^-(1+β), fixed ridge κ, Λ = P → ∞ (derivations/network.py §6,
rendered in derivations/NETWORK_EQUATIONS.md):

* finite-width network, standard parameterization, fixed width N:
  loss_N/loss_∞ − 1 ∝ P^e/N with e = max(1, 1 + α − β)/(1 + α) (it grows: the coupling grows with P);
* the same network at fixed N/P:  ∝ P^(e − 1) = P^(−min(α, β)/(1 + α));
* section 1's quartic at fixed U, first order in U: loss(U)/loss(0) − 1 ∝ P^(−min(α, β)/(1 + α)).

The first-order corrections themselves in the continuum (:func:`continuum_network_correction`) give
the local slopes at finite P, which approach these exponents slowly when α is small.
"""
from __future__ import annotations

import math

import numpy as np

from ._checks import check_real

__all__ = ["correction_exponents", "continuum_network_correction", "continuum_quartic_correction"]


def correction_exponents(alpha, beta) -> dict:
    """The derived exponents in P of the relative corrections to the GP's training loss.

    Parameters
    ----------
    alpha, beta : float > 0
        Spectrum and target exponents (λ_k = k^-(1+α), y_k² = k^-(1+β)).

    Returns
    -------
    dict
        ``network_fixed_width``: e of loss_N/loss_∞ − 1 ∝ P^e/N, e = max(1, 1 + α − β)/(1 + α)
        (standard parameterization, first order in 1/N); ``network_fixed_ratio``: e − 1 =
        −min(α, β)/(1 + α) (N/P fixed); ``quartic_fixed_U``: −min(α, β)/(1 + α), the exponent of
        loss(U)/loss(0) − 1 for section 1's quartic at fixed U, first order in U; ``gp_loss``: the
        GP loss's own exponent −min(α, β)/(1 + α) (for β < 2(1 + α)).

    Raises
    ------
    ValueError
        If alpha or beta is not a finite number > 0.

    Examples
    --------
    >>> from rgflow.exponents import correction_exponents
    >>> e = correction_exponents(0.2, 0.3)
    >>> round(e["network_fixed_width"], 4), round(e["quartic_fixed_U"], 4)
    (0.8333, -0.1667)
    """
    from . import _network_equations as neq

    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)
    a = 1.0 + alpha
    return {"network_fixed_width": float(neq.exponent_fixed_width(alpha, beta)),
            "network_fixed_ratio": float(neq.exponent_fixed_ratio(alpha, beta)),
            "quartic_fixed_U": float(neq.exponent_fixed_ratio(alpha, beta)),
            "gp_loss": -min(alpha, beta, 2.0 * a) / a}


def _log_integral(f, lo, hi):
    """∫_lo^hi f(k) dk over log k (Gauss–Legendre panels of one decade each, 24 nodes)."""
    edges = np.linspace(math.log(lo), math.log(hi), max(2, math.ceil(math.log10(hi / lo))) + 1)
    x, w = np.polynomial.legendre.leggauss(24)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * (edges[1:] - edges[:-1])
    u = (mid[:, None] + half[:, None] * x).ravel()
    wt = (half[:, None] * w).ravel()
    k = np.exp(u)
    return float(np.sum(wt * k * f(k)))


def continuum_network_correction(alpha, beta, P, kappa, width, depth=1, cutoff=None) -> float:
    """loss_N/loss_∞ − 1 of the standard-parameterization network at first order in 1/N, continuum sums.

    δloss = (L/N) Σ_k {[G_k(1 − L_k) − 2m_k²L_k](‖f̂‖² − n_eff − 2L_k) + 2L_k²m_k²} with x_k = rλ_k,
    L_k = x_k/(1 + x_k), m_k = y_k/(1 + x_k), G_k = λ_k/(1 + x_k), ‖f̂‖² = Σ L² y²/λ, n_eff = Σ L
    (derivations/NETWORK_EQUATIONS.md §4, §6), every Σ_k taken as ∫_{1/2}^{Λ+1/2} dk as
    rgflow.curves does; loss_∞ = Σ (m² + G).

    Parameters
    ----------
    alpha, beta : float > 0
    P : float > 0
        Training samples (r = P/κ).
    kappa : float > 0
    width : float > 0
        N.
    depth : int ≥ 1
    cutoff : float, optional
        Λ (default P).

    Returns
    -------
    float
        The relative correction (first order in 1/N).

    Raises
    ------
    ValueError
        If a parameter is out of its range.

    Examples
    --------
    >>> from rgflow.exponents import continuum_network_correction
    >>> c = continuum_network_correction(1.0, 2.0, 1000, 1.0, 10**6)
    >>> bool(-1e-4 < c < 0)
    True
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)
    P = check_real("P", P, low=0.0, low_open=True)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)
    width = check_real("width", width, low=0.0, low_open=True)
    depth = check_real("depth", depth, low=1.0)
    cut = P if cutoff is None else check_real("cutoff", cutoff, low=1.0)
    a, r = 1.0 + alpha, P / kappa
    lo, hi = 0.5, cut + 0.5

    def parts(k):
        lam, y2 = k ** -a, k ** -(1.0 + beta)
        x = r * lam
        Lk = x / (1.0 + x)
        c = 1.0 / (1.0 + x)
        return lam, y2, Lk, c

    def I(fn):
        return _log_integral(lambda k: fn(*parts(k)), lo, hi)

    fnorm = I(lambda lam, y2, Lk, c: Lk * Lk * y2 / lam)
    neff = I(lambda lam, y2, Lk, c: Lk)
    loss = I(lambda lam, y2, Lk, c: y2 * c * c + lam * c)

    def term(lam, y2, Lk, c):
        G, m2 = lam * c, y2 * c * c
        return (G * (1.0 - Lk) - 2.0 * m2 * Lk) * (fnorm - neff - 2.0 * Lk) + 2.0 * Lk * Lk * m2

    return depth / width * I(term) / loss


def continuum_quartic_correction(alpha, beta, P, kappa, U, cutoff=None) -> float:
    """loss(U)/loss(0) − 1 of section 1's quartic at first order in U (the repository's pt1), continuum sums.

    With u = UP, A₀ = Σ (G + m²): δloss = −u Σ_k [2m_k²G_k(A₀ + 2G_k) + G_k²(A₀ + 2G_k + 2m_k²)]
    (derivations/EQUATIONS.md §6), every Σ_k taken as ∫_{1/2}^{Λ+1/2} dk; loss(0) = Σ (m² + G).

    Parameters
    ----------
    alpha, beta : float > 0
    P, kappa : float > 0
    U : float ≥ 0
    cutoff : float, optional
        Λ (default P).

    Returns
    -------
    float
        The relative correction (first order in U).

    Raises
    ------
    ValueError
        If a parameter is out of its range.

    Examples
    --------
    >>> from rgflow.exponents import continuum_quartic_correction
    >>> round(continuum_quartic_correction(0.2, 0.3, 1000, 3.98, 0.05), 2)
    -0.1
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)
    P = check_real("P", P, low=0.0, low_open=True)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)
    U = check_real("U", U, low=0.0)
    cut = P if cutoff is None else check_real("cutoff", cutoff, low=1.0)
    a, r, u = 1.0 + alpha, P / kappa, U * P

    def I(fn):
        def f(k):
            lam, y2 = k ** -a, k ** -(1.0 + beta)
            c = 1.0 / (1.0 + r * lam)
            return fn(lam * c, y2 * c * c)
        return _log_integral(f, 0.5, cut + 0.5)

    A0 = I(lambda G, m2: G + m2)
    d = I(lambda G, m2: 2 * m2 * G * (A0 + 2 * G) + G * G * (A0 + 2 * G + 2 * m2))
    return -u * d / A0

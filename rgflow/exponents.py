"""Derived exponents in P of the non-Gaussian corrections to the learning curve (docs/networks.md).

Power law λ_k = k^-(1+α), y_k² = k^-(1+β), fixed ridge κ, Λ = P → ∞ (derivations/network.py §6,
rendered in derivations/NETWORK_EQUATIONS.md):

* finite-width network, standard parameterization, fixed width N:
  loss_N/loss_∞ − 1 ∝ P^e/N with e = max(1, 1 + α − β)/(1 + α) (it grows: the coupling grows with P);
* the same network at fixed N/P:  ∝ P^(e − 1) = P^(−min(α, β)/(1 + α));
* section 1's quartic at fixed U, first order in U: loss(U)/loss(0) − 1 ∝ P^(−min(α, β)/(1 + α));
* the mean-field parameterization at fixed N, against its own N → ∞ limit (derivations/network.py §7):
  e_mf = ε_z + (1 + ε_z)(β − α)/(1 + α) with ε_z = Lg/(L + 1 − Lg), g = max(0, 1 + α − β)/(1 + α), while the
  learnability threshold k*' = (rz)^{1/(1+α)} stays below Λ = P; e_mf = β − 2α + 2L(1 + α − β)/(L + 1) once
  it reaches Λ.

The first-order corrections themselves in the continuum (:func:`continuum_network_correction`) give
the local slopes at finite P, which approach these exponents slowly when α is small.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_real

__all__ = [
    "correction_exponents",
    "continuum_network_correction",
    "continuum_quartic_correction",
    "mean_field_correction",
]


def correction_exponents(alpha, beta, depth=1) -> dict:
    """The derived exponents in P of the relative corrections to the GP's training loss.

    Parameters
    ----------
    alpha, beta : float > 0
        Spectrum and target exponents (λ_k = k^-(1+α), y_k² = k^-(1+β)).
    depth : int ≥ 1, optional
        Hidden layers L (enters only the mean-field exponents).

    Returns
    -------
    dict
        ``network_fixed_width``: e of loss_N/loss_∞ − 1 ∝ P^e/N, e = max(1, 1 + α − β)/(1 + α)
        (standard parameterization, first order in 1/N); ``network_fixed_ratio``: e − 1 =
        −min(α, β)/(1 + α) (N/P fixed); ``quartic_fixed_U``: −min(α, β)/(1 + α), the exponent of
        loss(U)/loss(0) − 1 for section 1's quartic at fixed U, first order in U; ``gp_loss``: the
        GP loss's own exponent −min(α, β)/(1 + α) (for β < 2(1 + α)); ``mean_field_fixed_width`` and
        ``mean_field_fixed_ratio`` (= that − 1): the mean-field parameterization against its own
        N → ∞ limit, Λ = P (module docstring).

    Raises
    ------
    ValueError
        If alpha or beta is not a finite number > 0, or depth not an integer ≥ 1.

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
    from ._checks import check_int

    depth = check_int("depth", depth)
    a = 1.0 + alpha
    e_mf = float(neq.exponent_mean_field(alpha, beta, depth))
    return {
        "network_fixed_width": float(neq.exponent_fixed_width(alpha, beta)),
        "mean_field_fixed_width": e_mf,
        "mean_field_fixed_ratio": e_mf - 1.0,
        "network_fixed_ratio": float(neq.exponent_fixed_ratio(alpha, beta)),
        "quartic_fixed_U": float(neq.exponent_fixed_ratio(alpha, beta)),
        "gp_loss": -min(alpha, beta, 2.0 * a) / a,
    }


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

    δloss = (L/N) Σ_k {[G_k(1 − L_k) − 2m_k²L_k]·(‖f̂‖² − n_eff − 2L_k) + 2L_k²m_k²} with x_k = rλ_k,
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
        lam, y2 = k**-a, k ** -(1.0 + beta)
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
            lam, y2 = k**-a, k ** -(1.0 + beta)
            c = 1.0 / (1.0 + r * lam)
            return fn(lam * c, y2 * c * c)

        return _log_integral(f, 0.5, cut + 0.5)

    A0 = I(lambda G, m2: G + m2)
    d = I(lambda G, m2: 2 * m2 * G * (A0 + 2 * G) + G * G * (A0 + 2 * G + 2 * m2))
    return -u * d / A0


def mean_field_correction(alpha, beta, P, kappa, width, depth=1) -> float:
    """loss_N/loss_∞ − 1 of the mean-field network at first order in 1/N (discrete sums, Λ = P).

    loss_∞ = Σ_k y_k²/(1 + x_k z)², the N → ∞ limit at the saddle t̂ = ln z of
    φ(t) = ½(t − Le^{t/L} + L) − ½ r Σ y²/(1 + x e^t) (found by bracketing), and the first-order mixture
    from the generated Laplace formulas (derivations/NETWORK_EQUATIONS.md §1): ⟨h⟩ = h + [h₂/(2A) +
    h₁ψ₁/A + h₁φ₃/(2A²)]/N, Var_t h = h₁²/(NA), ψ = −(L−1)t/(2L) − ½Σ ln(1 + x e^t), Var Δ_k =
    (λ_k z(1 − L_k) + y_k² h₁²/A)/N.

    Parameters
    ----------
    alpha, beta : float > 0
    P : int ≥ 1
        Training samples and modes (Λ = P).
    kappa, width : float > 0
    depth : int ≥ 1

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a parameter is out of its range, or the saddle is not a maximum.

    Examples
    --------
    >>> from rgflow.exponents import mean_field_correction
    >>> bool(0 < mean_field_correction(0.2, 0.3, 1000, 3.98, 10**6) < 1e-3)
    True
    """
    from scipy.optimize import brentq

    from . import _network_equations as neq
    from ._checks import check_int

    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    beta = check_real("beta", beta, low=0.0, low_open=True)
    P = check_int("P", P)
    kappa = check_real("kappa", kappa, low=0.0, low_open=True)
    N = check_real("width", width, low=0.0, low_open=True)
    L = check_int("depth", depth)
    k = np.arange(1.0, P + 1.0)
    lam, y2, r = k ** -(1.0 + alpha), k ** -(1.0 + beta), P / kappa

    def dphi(t):
        X = r * lam * math.exp(t)
        Lq = X / (1.0 + X)
        return 0.5 * (1.0 - math.exp(t / L)) + 0.5 * r * float(np.sum(y2 * Lq * (1.0 - Lq)))

    hi = 1.0
    while dphi(hi) > 0.0:  # φ' falls from > 0 at t = 0 (data) to −∞: bracket its root
        hi *= 2.0
    t_hat = brentq(dphi, 0.0, hi, xtol=1e-14, rtol=1e-15)
    X = r * lam * math.exp(t_hat)
    Lq = X / (1.0 + X)
    lq = Lq * (1.0 - Lq)
    _, d2, d3 = neq.logistic_derivatives(Lq)[:3]
    ez = math.exp(t_hat / L)
    A = ez / (2.0 * L) - 0.5 * r * float(np.sum(y2 * lq * d2))
    if not A > 0:
        raise ValueError(f"the mean-field saddle is not a maximum (curvature {A:.3g})")
    phi3 = -ez / (2.0 * L * L) + 0.5 * r * float(np.sum(y2 * lq * d3))
    psi1 = -(L - 1) / (2.0 * L) - 0.5 * float(np.sum(Lq))
    h, h1, h2 = 1.0 - Lq, -lq, -lq * d2
    mean = h + neq.laplace_correction(h1, h2, A, psi1, phi3, N)
    var = (lam * math.exp(t_hat) * (1.0 - Lq) + y2 * h1 * h1 / A) / N
    return float(np.sum(y2 * mean**2 + var) / np.sum(y2 * h * h) - 1.0)

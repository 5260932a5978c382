"""Exact moments of the action by a Hubbard–Stratonovich integral through the saddle point.

With a_k = 1/λ_k + r and b_k = y_k/λ_k, exp(−(u/4)A²) = ∫dφ exp(−φ²/u − iφA)/√(πu) makes every
mode Gaussian with the complex mass shift m = 2iφ:

    Z ∝ ∫ dx exp F(μ + 2ix),   F(m) = m²/(4u) − ½ Σ_k ln(a_k + m) + Σ_k b_k² / (2(a_k + m)),

    ⟨Δ_k⟩ = ⟨b_k/(a_k + m)⟩_x,   ⟨Δ_k²⟩ = ⟨1/(a_k + m) + b_k²/(a_k + m)²⟩_x.

The contour Im φ = −μ/2 passes through the saddle μ = u Σ_k ⟨Δ_k²⟩_μ (the self-consistent
mean field), where the weight is real, peaked and decays at least like e^{−x²/u}. The x-integral
of an analytic, rapidly decaying integrand is done by the trapezoid rule on [0, X] (Re parts are
even in x), whose error falls exponentially with the step: the step is halved until the
moments of every mode change by less than ``rtol``.
"""
from __future__ import annotations

import math

import numpy as np

from .model import Model, check_int, check_real

__all__ = ["exact_moments", "ConvergenceError", "saddle"]


class ConvergenceError(RuntimeError):
    """The Hubbard–Stratonovich quadrature did not converge."""


def _coefficients(model):
    lam = model.eigenvalues()
    return 1.0 / lam + model.r, model.target() / lam


def saddle(model: Model) -> float:
    """μ solving μ = u Σ_k [1/(a_k+μ) + b_k²/(a_k+μ)²] (Newton, bracketed)."""
    if not isinstance(model, Model):
        raise ValueError(f"model must be an rgflow.Model, got {type(model).__name__}")
    a, b = _coefficients(model)
    u = model.u
    if u == 0.0:
        return 0.0
    b2 = b * b
    lo, hi = 0.0, u * float(np.sum(1.0 / a + b2 / a**2))
    mu = 0.5 * hi
    for _ in range(200):
        c = 1.0 / (a + mu)
        g = mu - u * float(np.sum(c + b2 * c * c))
        if g > 0:
            hi = mu
        else:
            lo = mu
        dg = 1.0 + u * float(np.sum(c * c + 2.0 * b2 * c**3))
        step = mu - g / dg
        mu_new = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(mu_new - mu) <= 1e-15 * max(mu, 1e-300) or hi - lo <= 1e-15 * hi:
            return mu_new
        mu = mu_new
    raise ConvergenceError(f"the saddle point of the Hubbard–Stratonovich integral did not converge (mu≈{mu:g})")


def exact_moments(model: Model, *, rtol: float = 1e-11, max_halvings: int = 10) -> dict:
    """Exact ⟨Δ_k⟩ and Var Δ_k for k = 1..Λ, with the quadrature diagnostics.

    Returns a dict with ``mean``, ``var`` (arrays), ``mu`` (saddle), ``width`` (σ of the x-weight),
    ``nodes`` (evaluations used) and ``error`` (last change of the moments between two steps).
    Raises ConvergenceError when halving the step ``max_halvings`` times does not reach ``rtol``.
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be an rgflow.Model, got {type(model).__name__}")
    rtol = check_real("rtol", rtol, low=0.0, high=1.0, low_open=True)
    max_halvings = check_int("max_halvings", max_halvings, low=1)
    a, b = _coefficients(model)
    u = model.u
    if u == 0.0:
        return {"mean": b / a, "var": 1.0 / a, "mu": 0.0, "width": 0.0, "nodes": 0, "error": 0.0}

    mu = saddle(model)
    c0 = 1.0 / (a + mu)
    m0 = b * c0
    b2 = b * b
    curv = 1.0 / (2.0 * u) + float(np.sum(0.5 * c0**2 + b2 * c0**3))   # F''(μ) along the real axis
    sigma = 0.5 / math.sqrt(curv)                                        # x-width of the weight

    def node(x):
        """log-weight and the per-mode integrands at x (deviations from the saddle values)."""
        z = 2j * x * c0
        c = c0 / (1.0 + z)                      # 1/(a + μ + 2ix)
        logw = (1j * mu * x - x * x) / u - 0.5 * np.sum(np.log1p(z)) - np.sum(b2 * c0 * c * (1j * x))
        d = -b * z * c                          # b/(a+m) − b/(a+μ)
        return logw, c, d

    # extent: beyond X the weight is below e^-40 relative to the saddle
    X = sigma * math.sqrt(2.0 * 40.0)
    for _ in range(60):
        if node(X)[0].real < -40.0:
            break
        X *= 1.5
    else:
        raise ConvergenceError(f"the Hubbard–Stratonovich weight does not decay (x up to {X:g})")

    sums = None
    h = X / 8.0
    xs = np.arange(0.0, X + 0.5 * h, h)
    prev = None
    nodes = 0
    for level in range(max_halvings + 1):
        acc = [0.0, np.zeros_like(a), np.zeros_like(a), np.zeros_like(a)]
        for x in xs:
            logw, c, d = node(x)
            w = math.exp(logw.real) * complex(math.cos(logw.imag), math.sin(logw.imag))
            if x == 0.0:
                w *= 0.5
            acc[0] += w.real
            acc[1] += (w * c).real
            acc[2] += (w * d).real
            acc[3] += (w * d * d).real
            nodes += 1
        if sums is None:
            sums = [h * q for q in acc]
        else:  # trapezoid with half the step: old sum / 2 + new midpoints
            sums = [0.5 * s + h * q for s, q in zip(sums, acc)]
        Z = sums[0]
        dmean = sums[2] / Z
        mean = m0 + dmean
        var = sums[1] / Z + sums[3] / Z - dmean**2
        if prev is not None:
            err = max(float(np.max(np.abs(mean - prev[0]) / np.abs(mean))),
                      float(np.max(np.abs(var - prev[1]) / np.abs(var))))
            if err <= rtol:
                if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var)) and np.all(var > 0)):
                    raise ConvergenceError("the exact moments are not finite or a variance is not positive")
                return {"mean": mean, "var": var, "mu": mu, "width": sigma, "nodes": nodes, "error": err}
        prev = (mean, var)
        # next level: the midpoints of the current grid
        h *= 0.5
        xs = np.arange(h, X, 2.0 * h)
    raise ConvergenceError(
        f"the Hubbard–Stratonovich quadrature did not reach rtol={rtol:g} after {max_halvings} halvings "
        f"(last change {err:.3g}); the weight may be too broad (u={u:g})")

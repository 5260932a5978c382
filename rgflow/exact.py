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

Speed. With c_k = 1/(a_k + μ) and ρ_k = 2X c_k, a mode enters at x = tX only through
z_k = 2ixc_k = itρ_k. The few infrared modes with ρ_k > 1/4 are summed node by node; for all the
others every x-dependence is a power series in tρ_k (|tρ_k| ≤ 1/4), so the weight needs only the
power sums Σ_k ρ_k^n, and each mode's moments are polynomials in ρ_k whose coefficients are the
weighted moments ⟨t^n⟩ of the quadrature. The cost is O(Λ·n_terms) once plus O(nodes × n_IR),
instead of O(nodes × Λ) complex logarithms. The saddle is found the same way, with series in μ/a_k.
"""
from __future__ import annotations

import math

import numpy as np

from .model import Model, check_int, check_model, check_real, gaussian_coefficients

__all__ = ["exact_moments", "ConvergenceError", "saddle"]

_RHO = 0.25      # modes with a series ratio above this are summed explicitly
_EPS = 1e-17     # truncation of every power series (relative)
_PROBE = 4096    # modes used for the upper bound of the weight when choosing the extent X


class ConvergenceError(RuntimeError):
    """The Hubbard–Stratonovich quadrature did not converge."""


def _n_terms(rho) -> int:
    """Terms n = 0..N-1 of a series in rho (|rho| < 1) until rho^N < _EPS."""
    rho = float(rho)
    return 1 if rho <= 0.0 else max(1, math.ceil(math.log(_EPS) / math.log(rho)))


def _blocks(rho):
    """(start, stop, n_terms) of the runs of a decreasing array ``rho`` (all ≤ _RHO) whose
    ratios fall by a factor 10 per run; each run's series is truncated at its own largest ρ."""
    out, i, top, neg = [], 0, _RHO, -rho
    while i < len(rho):
        top /= 10.0
        j = len(rho) if top < _EPS else int(np.searchsorted(neg, -top, side="left"))
        if j > i:
            out.append((i, j, _n_terms(rho[i])))
            i = j
    return out


def _power_sums(rho, weights):
    """S[w, n] = Σ_k weights[w]_k ρ_k^n for n = 0..N-1 (ρ decreasing, each block truncated)."""
    blocks = _blocks(rho)
    N = max((n for *_, n in blocks), default=1)
    S = np.zeros((len(weights), N))
    for i, j, n in blocks:
        r = rho[i:j]
        W = [w[i:j] for w in weights]
        p = np.ones_like(r)
        for m in range(n):
            for a, w in enumerate(W):
                S[a, m] += np.dot(w, p)
            p *= r
    return S


def _polyval(coef, x):
    """Σ_n coef[n] x^n (Horner; works for arrays of x and of coef rows)."""
    out = np.zeros_like(x * coef[-1])
    for c in coef[::-1]:
        out = out * x + c
    return out


def saddle(model: Model, *, thermal: bool = True) -> float:
    """μ solving μ = u Σ_k [w/(a_k+μ) + b_k²/(a_k+μ)²] (Newton, bracketed), w = 1 (``thermal``).

    ``thermal=True``: the saddle of the Hubbard–Stratonovich integral, the self-consistent
    mean-field (Hartree) mass shift. ``thermal=False`` (w = 0): the zero-temperature minimizer of
    S, Δ_k = b_k/(a_k + μ) with μ = u Σ_k Δ_k². This is rgflow's one mean-field solver.
    """
    check_model(model)
    a, b = gaussian_coefficients(model)
    return _saddle(a, b * b, model.u, thermal=thermal)


def _shift_bound(a, b2, u, thermal=True):
    """u Σ_k (w/a_k + b_k²/a_k²): the right-hand side of the saddle equation at μ = 0, so μ ≤ it."""
    w = 1.0 if thermal else 0.0
    return u * float(np.sum((w + b2 / a) / a)) if u > 0.0 else 0.0


def _saddle(a, b2, u, hi=None, thermal=True):
    """μ = u Σ_k [w c_k + b_k² c_k²], c_k = 1/(a_k + μ), w = 1 if ``thermal`` else 0 (see :func:`saddle`)."""
    w = 1.0 if thermal else 0.0
    hi = _shift_bound(a, b2, u, thermal) if hi is None else hi
    if hi == 0.0:       # U = 0, or u so small that the shift underflows
        return 0.0
    e = 1.0 / a
    # modes with hi/a_k ≤ _RHO: 1/(a+μ) = Σ_n e^{n+1} (−μ)^n, so the sum is a polynomial in μ
    n_ir = int(np.searchsorted(-(hi * e), -_RHO, side="left"))
    ea, b2a = a[:n_ir], b2[:n_ir]
    # Σ_UV [w c + b²c²] = Σ_n q_n (−μ/s)^n, q_n = w Σ e (se)^n + (n+1) Σ b²e² (se)^n, s = hi
    s = hi
    S = _power_sums(s * e[n_ir:], [e[n_ir:], b2[n_ir:] * e[n_ir:] ** 2])
    n = np.arange(S.shape[1])
    q = w * S[0] + (n + 1) * S[1]
    dq = -(n[1:] * q[1:]) / s            # d/dμ of the same polynomial

    def g(mu):
        c = 1.0 / (ea + mu)
        val = mu - u * (float(np.sum(w * c + b2a * c * c)) + float(_polyval(q, -mu / s)))
        der = 1.0 + u * float(np.sum(w * c * c + 2.0 * b2a * c**3))
        if len(dq):
            der -= u * float(_polyval(dq, -mu / s))
        return val, der

    lo, mu = 0.0, 0.0    # g is concave and increasing: Newton from g(0) < 0 climbs monotonically
    for _ in range(200):
        val, der = g(mu)
        if val > 0:
            hi = mu
        else:
            lo = mu
        step = mu - val / der
        mu_new = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(mu_new - mu) <= 1e-15 * max(mu, 1e-300) or hi - lo <= 1e-15 * hi:
            return mu_new
        mu = mu_new
    raise ConvergenceError(f"the saddle point of the Hubbard–Stratonovich integral did not converge (mu≈{mu:g})")


def exact_moments(model: Model, *, rtol: float = 1e-11, max_halvings: int = 10) -> dict:
    """Exact ⟨Δ_k⟩ and Var Δ_k for k = 1..Λ, with the quadrature diagnostics.

    Returns a dict with ``mean``, ``var`` (arrays), ``mu`` (saddle), ``width`` (σ of the x-weight),
    ``nodes`` (evaluations used), ``explicit`` (modes summed node by node) and ``error`` (bound on
    the last change of the moments between two steps). Raises ConvergenceError when halving the
    step ``max_halvings`` times does not reach ``rtol``.
    """
    check_model(model)
    rtol = check_real("rtol", rtol, low=0.0, high=1.0, low_open=True)
    max_halvings = check_int("max_halvings", max_halvings, low=1)
    a, b = gaussian_coefficients(model)
    u = model.u
    b2 = b * b
    shift = _shift_bound(a, b2, u)                       # ≥ μ, and ≥ u c_k² for every mode
    if shift / a[0] < 1e-17:
        # U = 0, or the quartic changes no mode by more than 1e-17 relative: the GP moments
        return {"mean": b / a, "var": 1.0 / a, "mu": shift, "width": 0.0, "nodes": 0, "explicit": 0,
                "error": shift / a[0]}
    mu = _saddle(a, b2, u, shift)
    c0 = 1.0 / (a + mu)
    curv = 1.0 / (2.0 * u) + float(np.sum(0.5 * c0**2 + b2 * c0**3))   # F''(μ) along the real axis
    sigma = 0.5 / math.sqrt(curv)                                        # x-width of the weight

    # extent X: beyond it the weight is below e^-40 of the saddle's. Every mode only lowers
    # Re log w, so the Gaussian factor and the first _PROBE modes give an upper bound of it.
    cp, b2p = c0[:_PROBE], b2[:_PROBE]

    def re_logw_bound(x):
        z2 = (2.0 * x * cp) ** 2
        return -x * x / u - float(np.sum(0.25 * np.log1p(z2) + b2p * cp**2 * 2.0 * x * x * cp / (1.0 + z2)))

    X = sigma * math.sqrt(2.0 * 40.0)
    for _ in range(60):
        if re_logw_bound(X) < -40.0:
            break
        X *= 1.5
    else:
        raise ConvergenceError(f"the Hubbard–Stratonovich weight does not decay (x up to {X:g})")

    rho = 2.0 * X * c0
    n_ir = int(np.searchsorted(-rho, -_RHO, side="left"))
    cI, bI, b2I = c0[:n_ir], b[:n_ir], b2[:n_ir]
    rU = rho[n_ir:]
    # weight of the series modes: −½ Σ log1p(itρ) − itX Σ b²c² / (1 + itρ) as a polynomial in t
    S = _power_sums(rU, [np.ones_like(rU), X * b2[n_ir:] * c0[n_ir:] ** 2])
    N = S.shape[1]
    n = np.arange(1, N)
    pcoef = np.zeros(N + 1, dtype=complex)
    pcoef[1:N] = -0.5 * (-1.0) ** (n + 1) * (1j**n) * S[0, 1:] / n
    pcoef[1:N + 1] += -1j * (-1j) ** np.arange(N) * S[1]
    npow = np.arange(N)
    rmax = float(rU[0]) if len(rU) else 0.0
    beta2 = float(np.max(b2[n_ir:] * c0[n_ir:] * rU**2)) if len(rU) else 0.0

    def accumulate(xs):
        """Σ w t^n and, for the explicit modes, Σ w c, Σ w d, Σ w d² over the nodes xs."""
        t = xs / X
        z = 2j * np.outer(xs, cI)
        c = cI / (1.0 + z)                       # 1/(a + μ + 2ix)
        logw = (1j * mu * xs - xs * xs) / u + _polyval(pcoef, t) \
            - np.sum(0.5 * np.log1p(z) + b2I * cI * c * (1j * xs[:, None]), axis=1)
        w = np.exp(logw)
        w[xs == 0.0] *= 0.5
        d = -bI * z * c                          # b/(a+m) − b/(a+μ)
        return [(w[:, None] * t[:, None] ** npow).sum(axis=0), (w @ c).real, (w @ d).real, (w @ (d * d)).real]

    def series_coefficients(sums):   # A_n = Re((−i)^n Σ w t^n) / Z
        Mt = sums[0]
        return ((-1j) ** npow * Mt).real / Mt[0].real, Mt[0].real

    h = X / 8.0
    xs = np.arange(0.0, X + 0.5 * h, h)
    sums, prev, nodes, err = None, None, 0, math.inf
    for level in range(max_halvings + 1):
        acc = accumulate(xs)
        nodes += len(xs)
        sums = [h * q for q in acc] if sums is None else [0.5 * s + h * q for s, q in zip(sums, acc)]
        A, Z = series_coefficients(sums)
        dmean = sums[2] / Z
        ir_mean = b[:n_ir] * cI + dmean
        ir_var = sums[1] / Z + sums[3] / Z - dmean**2
        if prev is not None:
            err = err_ir = 0.0
            if n_ir:
                err = err_ir = max(float(np.max(np.abs(ir_mean - prev[0]) / np.abs(ir_mean))),
                                   float(np.max(np.abs(ir_var - prev[1]) / np.abs(ir_var))))
            if len(rU):
                err_u = _series_change(A, prev[2], rmax, beta2)
                err = max(err, err_u)
                if err_ir <= rtol < err_u and (level >= 2 or not math.isfinite(err_u)):
                    # the bound is too loose to decide: compare the moments themselves
                    m1, v1 = _assemble(b, c0, n_ir, ir_mean, ir_var, A, rU)
                    m0, v0 = _assemble(b, c0, n_ir, ir_mean, ir_var, prev[2], rU)
                    err = max(err_ir, float(np.max(np.abs(m1 / m0 - 1))), float(np.max(np.abs(v1 / v0 - 1))))
            if err <= rtol:
                mean, var = _assemble(b, c0, n_ir, ir_mean, ir_var, A, rU)
                if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var)) and np.all(var > 0)):
                    raise ConvergenceError("the exact moments are not finite or a variance is not positive")
                return {"mean": mean, "var": var, "mu": mu, "width": sigma, "nodes": nodes,
                        "explicit": n_ir, "error": err}
        prev = (ir_mean, ir_var, A)
        h *= 0.5
        xs = np.arange(h, X, 2.0 * h)
    raise ConvergenceError(
        f"the Hubbard–Stratonovich quadrature did not reach rtol={rtol:g} after {max_halvings} halvings "
        f"(last change {err:.3g}); the weight may be too broad (u={u:g})")


def _series_change(A, A_prev, rmax, beta2):
    """Bound of the relative change of every series mode's moments when A_prev → A
    (|ρ_k| ≤ rmax, b_k² c_k ρ_k² ≤ beta2): mean and ⟨c⟩/c change by ≤ D = Σ_{n≥1} |δA_n| rmax^n,
    the rest of the variance by ≤ beta2 (D₂' + 2G'D' + D'²) with the series divided by ρ²."""
    n = np.arange(len(A))
    dA, aA = np.abs(A - A_prev), np.abs(A)
    g = rmax ** np.maximum(n - 1, 0)
    D1, G1 = float(np.sum((dA * g)[1:])), float(np.sum((aA * g)[1:]))        # series / ρ
    g2 = rmax ** np.maximum(n - 2, 0)
    D2, G2 = float(np.sum(((n - 1) * dA * g2)[2:])), float(np.sum(((n - 1) * aA * g2)[2:]))
    D, G = rmax * D1, rmax * G1
    low = 1.0 - G - beta2 * (G2 + G1 * G1)
    if low <= 0.0 or G >= 1.0:
        return math.inf
    return max(D / (1.0 - G), (D + beta2 * (D2 + 2.0 * G1 * D1 + D1 * D1)) / low)


def _assemble(b, c0, n_ir, ir_mean, ir_var, A, rU):
    """Moments of every mode: explicit ones as summed, series ones from the coefficients A_n:
    ⟨c⟩ = c₀ Σ_{n≥0} A_n ρⁿ, ⟨d⟩ = b c₀ Σ_{n≥1} A_n ρⁿ, ⟨d²⟩ = b² c₀² Σ_{n≥2} (n−1) A_n ρⁿ."""
    mean = np.empty_like(c0)
    var = np.empty_like(c0)
    mean[:n_ir], var[:n_ir] = ir_mean, ir_var
    n = np.arange(len(A))
    A2 = (n - 1) * A
    A2[:2] = 0.0
    for i, j, m in _blocks(rU):
        r = rU[i:j]
        c, bb = c0[n_ir + i:n_ir + j], b[n_ir + i:n_ir + j]
        m = min(m, len(A))
        p0 = _polyval(A[:m], r)           # Σ A_n ρ^n (A_0 = 1)
        p1 = p0 - 1.0                     # Σ_{n≥1}
        p2 = _polyval(A2[:m], r)
        bc = bb * c
        mean[n_ir + i:n_ir + j] = bc * (1.0 + p1)
        var[n_ir + i:n_ir + j] = c * p0 + bc * bc * (p2 - p1 * p1)
    return mean, var

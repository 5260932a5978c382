"""The one integration core: integrals over one real scalar by the step-halving trapezoid rule.

Every non-Gaussian method of rgflow ends in an integral over one scalar of an analytic, rapidly
decaying weight: the Hubbard–Stratonovich field x of the quartic (contour m = μ + 2ix through the
saddle, :mod:`rgflow.exact`, :mod:`rgflow.rg`) and the log of the network's kernel scale,
t = ln Q (:mod:`rgflow.network`). For such integrands the trapezoid rule converges exponentially
in the step, so one loop serves them all:

* :func:`extent`      where the weight has fallen below e^floor of its peak (an upper bound given),
* :func:`trapezoid`   Σ_j h w(x_j) f(x_j) on a grid whose step is halved (new nodes only) until the
                      caller's ``done`` accepts the sums, else :class:`ConvergenceError`,
* :func:`series_moments`  ⟨Δ_q⟩, Var Δ_q of the modes read through power series in ρ_q = 2Xc_q from the
                      moments of the contour (the Hubbard–Stratonovich integral of ``exact`` and the
                      kept theory of ``rg``),
* :func:`compressed_modes`  sums over the modes k = 1..Λ of a smooth summand as a short weighted
                      sum over real mode positions (the weight's Σ_k terms and the shell sums at any Λ).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ConvergenceError", "extent", "trapezoid", "series_moments", "compressed_modes"]

SERIES_EPS = 1e-17  # relative truncation of the series of series_moments


class ConvergenceError(RuntimeError):
    """A scalar quadrature (Hubbard–Stratonovich or the network's Q) did not converge.

    A :class:`RuntimeError` raised when halving the trapezoid step ``max_halvings`` times leaves
    some mode's moments changing by more than the tolerance, or when a weight does not decay.

    Examples
    --------
    >>> import rgflow
    >>> from rgflow.exact import exact_moments
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=10, kappa=4.0, U=0.05)
    >>> try:
    ...     exact_moments(model, rtol=1e-16, max_halvings=1)
    ... except rgflow.ConvergenceError as exc:
    ...     print(str(exc)[:55])
    the Hubbard–Stratonovich quadrature did not reach rtol=
    """


def extent(
    log_bound, x0: float, *, floor: float = -40.0, factor: float = 1.5, tries: int = 60, what: str = "the weight"
) -> float:
    """The first x = x0·factor^j (j = 0, 1, …) with ``log_bound(x) < floor``.

    ``log_bound(x)`` must bound ln|w(x)/w(peak)| from above and fall with x beyond the peak, so the
    weight is below e^floor everywhere past the returned x. Raises ConvergenceError after ``tries``.
    """
    x = float(x0)
    for _ in range(tries):
        if log_bound(x) < floor:
            return x
        x *= factor
    raise ConvergenceError(f"{what} does not decay (up to {x:g})")


def trapezoid(
    accumulate,
    lo: float,
    hi: float,
    h: float,
    done,
    *,
    max_halvings: int,
    half_at_lo: bool = False,
    what: str = "the scalar quadrature",
):
    """Step-halving trapezoid rule over [lo, hi] for weights negligible at the ends.

        Level 0 takes the nodes lo, lo + h, …, ≤ hi; every halving adds only the midpoints. At each
        level ``accumulate(xs, c)`` returns a list of arrays Σ_j c_j w(x_j) f(x_j) over the new nodes xs
    (c_j = 1, or ½ at ``lo`` when ``half_at_lo``), the
        running sums are h·Σ over all nodes, and ``done(sums, level, nodes)`` returns the result (then
        returned with the node count) or None to halve again. ``half_at_lo``: the node at ``lo`` counts
        ½ (the integral over [lo, hi] of an integrand even about lo is half the full one, times 2).

        Raises ConvergenceError (naming ``what``) when ``max_halvings`` halvings are not enough.
    """
    xs = np.arange(lo, hi + 0.5 * h, h)
    sums, nodes = None, 0
    for level in range(max_halvings + 1):
        c = np.ones_like(xs)
        if half_at_lo and level == 0:
            c[0] = 0.5
        acc = accumulate(xs, c)
        nodes += len(xs)
        sums = [h * a for a in acc] if sums is None else [0.5 * s + h * a for s, a in zip(sums, acc)]
        result = done(sums, level, nodes)
        if result is not None:
            return result, nodes
        h *= 0.5
        xs = np.arange(lo + h, hi, 2.0 * h)
    raise ConvergenceError(f"{what} did not converge after {max_halvings} halvings of the step")


def compressed_modes(model, explicit: int = 4096, bins: int = 256):
    """Real mode positions k_j and weights w_j with Σ_{k=1..Λ} f(k) ≈ Σ_j w_j f(k_j), or None.

    For a summand f(k) = F(λ(k), y(k)) smooth in k (the power-law spectra): the modes
    1..``explicit`` are themselves (k_j = j, w_j = 1, first in the arrays); the rest enter as the
    integral over k ∈ (explicit + ½, Λ + ½] of the continued summand plus the Euler–Maclaurin end
    correction,

        Σ_{k=E+1}^{Λ} f(k) = ∫_{E+½}^{Λ+½} f dk − [f′(Λ+½) − f′(E+½)]/24 + O(f‴),

    the integral by 4-point Gauss–Legendre on ``bins`` geometric bins and f′ by central differences
    of step ½ (four nodes k = E, E+1, Λ, Λ+1 of weight ∓1/24), so the relative error is O(E⁻⁴)
    and the sum costs O(explicit + 4·bins + 4) evaluations however large Λ is. λ and y at the
    nodes: ``model.eigenvalues(k)``, ``model.target(k)``.

    Returns None when every mode must be summed one by one: a measured spectrum (its summand is
    an array, not a smooth function of k) or Λ ≤ 2·explicit.

    Examples
    --------
    >>> import numpy as np, rgflow
    >>> m = rgflow.Model(alpha=0.2, beta=0.3, P=10**6, kappa=4.0, U=0.05)
    >>> k, w = compressed_modes(m)
    >>> len(k), float(w[:4096].sum())
    (5124, 4096.0)
    >>> exact = float(np.sum(1.0 / (1.0 / m.eigenvalues() + m.r)))
    >>> abs(float(w @ (1.0 / (1.0 / m.eigenvalues(k) + m.r))) / exact - 1) < 1e-12
    True
    """
    n = model.cutoff
    if n <= 2 * explicit or model.measured:
        return None
    edges = np.geomspace(explicit + 0.5, n + 0.5, bins + 1)
    x, wx = np.polynomial.legendre.leggauss(4)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * (edges[1:] - edges[:-1])
    ends = np.array([explicit, explicit + 1.0, n, n + 1.0])
    k = np.concatenate([np.arange(1.0, explicit + 1.0), (mid[:, None] + half[:, None] * x).ravel(), ends])
    w = np.concatenate([np.ones(explicit), (half[:, None] * wx).ravel(), np.array([-1.0, 1.0, 1.0, -1.0]) / 24.0])
    return k, w


_CHUNK = 1 << 14  # modes per block of series_moments (the temporaries stay in cache)


def _degree(absA, rho, eps):
    """Fewest leading terms m of Σ_n A_n ρ^n whose dropped rest Σ_{n≥m} |A_n| ρ^n is ≤ eps."""
    rest = np.cumsum((absA * rho ** np.arange(len(absA)))[::-1])[::-1]
    return int(np.searchsorted(-rest, -eps, side="left")) if len(rest) else 0


def horner(coef, x):
    """Σ_n coef[n] x^n for an array x (in place on one temporary)."""
    out = np.full_like(x, coef[-1])
    for cf in coef[-2::-1]:
        out *= x
        out += cf
    return out


def series_moments(lam, y, M, two_x, A, beta2=None, *, mean=None, var=None, eps=SERIES_EPS):
    """Moments of modes read through the series coefficients A_n of a Hubbard–Stratonovich contour.

    On the contour m = μ + 2ix, a mode with c = 1/(1/λ + M) (M = r + μ), bc = y/(1 + Mλ) and
    ρ = 2Xc has ⟨(−c(m − μ))ⁿ⟩ = A_n ρⁿ (A_0 = 1), so

        ⟨Δ⟩ = bc Σ_n A_n ρⁿ,   Var Δ = c Σ_n A_n ρⁿ + (bcρ)² Σ_{n≥2} q_n ρ^(n−2),
        q_n = (n−1) A_n − Σ_{i+j=n; i,j≥1} A_i A_j   (the series of ⟨d²⟩ − ⟨d⟩²).

    One pass over the modes (λ, y in the order of decreasing ρ) in blocks of _CHUNK, written into
    ``mean`` and ``var`` when given; in each block both series are cut where the dropped terms (ρ
    at the block's largest) are below ``eps`` relative, the second one weighted by ``beta2`` ≥
    b²cρ² (its size relative to c; None: bounded block by block as max (bcρ)² / min c).
    Raises ConvergenceError on a non-finite moment or a variance ≤ 0.
    """
    L = len(lam)
    mean = np.empty(L) if mean is None else mean
    var = np.empty(L) if var is None else var
    A = np.asarray(A, dtype=float)
    if not np.all(np.isfinite(A)):
        raise ConvergenceError("the series coefficients of the contour moments are not finite")
    A1 = A.copy()
    A1[0] = 0.0
    q = ((np.arange(len(A)) - 1) * A - np.convolve(A1, A1)[: len(A)])[2:]
    absA, absq = np.abs(A), np.abs(q)
    eps_q = None if beta2 is None else eps / max(beta2, 1e-300)
    ok = True
    for i0 in range(0, L, _CHUNK):
        i1 = min(i0 + _CHUNK, L)
        lm = lam[i0:i1]
        inv = lm * M
        inv += 1.0
        np.reciprocal(inv, out=inv)
        c = lm * inv
        bc = np.multiply(y[i0:i1], inv, out=inv)
        rho = c * two_x
        rmax = float(rho[0])
        m1 = max(_degree(absA, rmax, eps), 1)
        p0 = horner(A[:m1], rho)
        mo = np.multiply(bc, p0, out=mean[i0:i1])
        vo = np.multiply(c, p0, out=var[i0:i1])
        if eps_q is None:  # (bcρ)² first: its largest size sets the degree
            bc *= rho
            bc *= bc
            m2 = _degree(absq, rmax, eps / max(float(bc.max()) / float(c.min()), 1e-300))
        else:
            m2 = _degree(absq, rmax, eps_q)
            if m2:
                bc *= rho
                bc *= bc
        if m2:
            bc *= horner(q[:m2], rho)
            vo += bc
        ok = ok and bool(np.isfinite(mo).all() and (vo > 0).all() and np.isfinite(vo).all())
    if not ok:
        raise ConvergenceError("the series moments are not finite or a variance is not positive")
    return mean, var

"""Exact moments of the action by a Hubbard–Stratonovich integral through the saddle point.

With a_k = 1/λ_k + r and b_k = y_k/λ_k, exp(−(u/4)A²) = ∫dφ exp(−φ²/u − iφA)/√(πu) makes every
mode Gaussian with the complex mass shift m = 2iφ:

    Z ∝ ∫ dx exp F(μ + 2ix),   F(m) = m²/(4u) − ½ Σ_k ln(a_k + m) + Σ_k b_k² / (2(a_k + m)),

    ⟨Δ_k⟩ = ⟨b_k/(a_k + m)⟩_x,   ⟨Δ_k²⟩ = ⟨1/(a_k + m) + b_k²/(a_k + m)²⟩_x.

The contour Im φ = −μ/2 passes through the saddle μ = u Σ_k ⟨Δ_k²⟩_μ (the self-consistent
mean field), where the weight is real, peaked and decays at least like e^{−x²/u}. The x-integral
of an analytic, rapidly decaying integrand is done by the trapezoid rule on [0, X] (Re parts are
even in x), whose error falls exponentially with the step: the step is halved until the
moments of every mode change by less than ``rtol``. The extent X, the step-halving trapezoid and
the final pass over the series modes are the shared core of :mod:`rgflow.scalar` (``extent``,
``trapezoid``, ``series_moments``), which ``rg`` uses too.

Speed. With c_k = 1/(a_k + μ) and ρ_k = 2X c_k, a mode enters at x = tX only through
z_k = 2ixc_k = itρ_k. The few infrared modes with ρ_k > 1/4 are summed node by node; for all the
others every x-dependence is a power series in tρ_k (|tρ_k| ≤ 1/4), so the weight needs only the
power sums Σ_k ρ_k^n, and each mode's moments are polynomials in ρ_k whose coefficients are the
weighted moments ⟨t^n⟩ of the quadrature. The cost is O(Λ·n_terms) once plus O(nodes × n_IR),
instead of O(nodes × Λ) complex logarithms. The saddle is found the same way, with series in μ/a_k.

Power law (``_tail_for`` decides, for the rgflow Model only): every sum over the modes is a sum of
k^q (k^p + M)^-n (p = 1 + α; the weights are 1 and b_k² = k^(1+2α−β)). The first 4096 modes are
summed one by one, the rest by Euler–Maclaurin (:class:`_PowerLawTail`, remainder bounded and
reported as ``sum_error``), so the sums cost O(1) in Λ and only the final pass over the modes
(⟨Δ_k⟩, Var Δ_k as low-degree polynomials in ρ_k, in cache-sized blocks) is O(Λ). Other spectra
(arrays of λ_k, y_k) take the mode-by-mode sums. (The Gauss–Legendre compression of
:func:`rgflow.scalar.compressed_modes`, which ``rg`` and the network methods use, has no
remainder bound, and it loses accuracy on the high powers of the series: Σ_{k>4096} c_k^n is off
by 1e-13, 1e-11, 1.5e-10 at n = 10, 20, 30 at α = 0.2, Λ = 10⁶, and by 1.3e-12 already at n = 6 for
α = 2; the Euler–Maclaurin tail here is bounded to 1e-14 for every power, so it stays.)
"""

from __future__ import annotations

import math

import numpy as np

from . import scalar
from .scalar import ConvergenceError, series_moments
from .spectrum import PowerLaw
from .model import Model, check_int, check_model, check_real, gaussian_coefficients

__all__ = ["exact_moments", "ConvergenceError", "saddle"]

_RHO = 0.25  # modes with a series ratio above this are summed explicitly
_EPS = scalar.SERIES_EPS  # truncation of every power series (relative): 1e-17
_PROBE = 4096  # modes used for the upper bound of the weight when choosing the extent X


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


def _tail_for(model, start: int):
    """How the sums over the modes k > ``start`` are done -- the one place that decides.

    The power-law Model (λ_k = k^-(1+α), y_k² = k^-(1+β): every summand a smooth function of k)
    with enough modes beyond ``start`` gets the Euler–Maclaurin tail; anything else (other spectra,
    small Λ) returns None and every sum runs mode by mode."""
    sp = model.spectrum
    if isinstance(sp, PowerLaw) and sp.A == 1.0 and sp.B == 1.0 and sp.alpha > 0.0 and model.cutoff >= 2 * start:
        return _PowerLawTail(sp.alpha, sp.beta, start + 1, model.cutoff)
    return None


_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66)  # B_2 .. B_10
_GAUSS = {g: np.polynomial.legendre.leggauss(g) for g in (20, 13)}
_DERIVATIVES: dict = {}  # C_ji of the derivatives, by (p, q, n): M-independent, shared by the models
_EM_HEAD = 4096  # modes summed one by one before an Euler–Maclaurin tail (≥ _PROBE)
_SUM_TOL = 1e-14  # bound on the relative error of a tail sum (else more modes are summed one by one)


class _PowerLawTail:
    """Σ_{k=A}^{B} e^ℓ k^q (k^p + M)^-n for the power law (p = 1 + α), by Euler–Maclaurin:

        Σ f(k) = ∫_A^B f + (f(A) + f(B))/2 + Σ_{j=1}^{5} B_2j/(2j)! (f^(2j−1)(B) − f^(2j−1)(A)) + R,
        |R| ≤ 2ζ(10)/(2π)^10 ∫_A^B |f^(10)|,

    with f^(j)(x) = Σ_{i≤j} C_ji x^(q−j+ip) (x^p+M)^-(n+i) (exact recursion in the coefficients) and
    the integrals by Gauss–Legendre panels in ln x (two rules; their difference is the quadrature
    error). ``error`` holds the largest bound met, relative to the sum it was asked for.
    """

    def __init__(self, alpha, beta, A, B):
        self.p, self.qb = 1.0 + alpha, 1.0 + 2.0 * alpha - beta  # a_k = k^p + r, b_k² = k^qb
        self.A, self.B = float(A), float(B)
        self.count = B - A + 1
        self.error = 0.0
        self._rule_cache = {}
        self.h0 = min(0.5, 1.0 / self.p)  # the poles of 1/(e^(ps) + M) lie π/p off the real s axis
        self._ends = np.array([[math.log(self.A), math.log(self.B)]])
        self.m = m = 2 * len(_BERNOULLI)  # corrections up to f^(m−1); remainder with f^(m)
        self._xpow = np.array([self.A, self.B]) ** np.arange(m)[:, None]
        self._weights = np.array([b / math.factorial(2 * j) for j, b in enumerate(_BERNOULLI, start=1)])
        self._rem = 2.0 * math.fsum(k ** -float(m) for k in range(1, 200)) / (2.0 * math.pi) ** m  # 2ζ(m)/(2π)^m
        self._rules(self.h0)

    def _rules(self, h):
        """Gauss–Legendre rules (20 and 13 nodes) on panels of width ≤ h in s = ln x (cached)."""
        if h not in self._rule_cache:
            s0, s1 = self._ends[0]
            n_pan = max(1, math.ceil((s1 - s0) / h))
            edges = np.linspace(s0, s1, n_pan + 1)
            rules = []
            for g in (20, 13):
                t, w = _GAUSS[g]
                half = 0.5 * np.diff(edges)[:, None]
                s = (edges[:-1, None] + half * (t + 1.0)).ravel()
                rules.append((s, (half * w).ravel()))
            self._rule_cache[h] = rules
        self.rules, self.h = self._rule_cache[h], h

    def _coefficients(self, q, n):
        """C[j, i] (shape (m+1) × (m+1) × len(n)) of the derivatives f^(j), j ≤ m (cached)."""
        key = (self.m, self.p, q, n.tobytes())
        C = _DERIVATIVES.get(key)
        if C is None:
            if len(_DERIVATIVES) > 256:
                _DERIVATIVES.clear()
            C = _DERIVATIVES[key] = self._derivative_coefficients(q, n)
        return C

    def _derivative_coefficients(self, q, n):
        m = self.m
        C = np.zeros((m + 1, m + 1, len(n)))
        C[0, 0] = 1.0
        for j in range(m):  # d/dx T_{j,i} = (q − j + ip) T_{j+1,i} − (n + i)p T_{j+1,i+1}
            i = np.arange(j + 1)[:, None]
            C[j + 1, : j + 1] += C[j, : j + 1] * (q - j + i * self.p)
            C[j + 1, 1 : j + 2] -= C[j, : j + 1] * (n[None, :] + i) * self.p
        return C

    def sums(self, M, q, n, lnpref=None, *, scale=None, check=True):
        """Σ_{k=A}^{B} exp(lnpref) k^q (k^p + M)^-n for every n (array); ``scale`` (≥ 0, the rest of
        the sum) sets the relative tolerance _SUM_TOL of the bound recorded in ``error``.
        ``check=False`` (inside Newton's iteration, whose end is checked) skips the bound."""
        n = np.asarray(n, dtype=float)
        pref = np.zeros_like(n) if lnpref is None else np.asarray(lnpref, dtype=float)
        C = self._coefficients(q, n)
        # far above the knee the integrand is e^(λs), λ = q + 1 − np: panels with |λ| h ≤ 4 keep both rules exact
        lam_max = float(np.max(np.abs(q + 1.0 - n * self.p))) if n.size else 0.0
        self._rules(
            self.h0 if lam_max * self.h0 <= 4.0 else self.h0 / 2 ** math.ceil(math.log2(lam_max * self.h0 / 4.0))
        )

        m = self.m
        absC = np.abs(C[m])

        def pieces(x_log):
            """f = e^ℓ x^q D^-n (shape len(n) × len(x)) and r = x^p/D: T_{j,i} = f x^-j r^i."""
            lnD = np.log(np.exp(self.p * x_log) + M)
            return np.exp(pref[:, None] + q * x_log - n[:, None] * lnD), np.exp(self.p * x_log - lnD)

        def poly(coef, r):  # Σ_i coef[i, n] r^i -> shape len(n) × len(r)
            out = np.repeat(coef[-1][:, None], r.shape[-1], axis=1)
            for cf in coef[-2::-1]:
                out *= r
                out += cf[:, None]
            return out

        fe, re_ = pieces(self._ends)  # f^(j) at A and B for j < m: f x^-j Σ_i C_ji r^i
        ends = np.einsum("jin,ix->jnx", C[:m, :m], re_[0] ** np.arange(m)[:, None]) * fe / self._xpow[:, None, :]
        d = ends[1::2, :, 1] - ends[1::2, :, 0]  # f^(2j−1)(B) − f^(2j−1)(A)
        em = 0.5 * (ends[0, :, 0] + ends[0, :, 1]) + self._weights @ d
        for _ in range(4):
            (s1, w1), (s2, w2) = self.rules  # ∫ f dx = ∫ e^s f(e^s) ds
            f, r = pieces(s1[None, :])
            ex1 = np.exp(s1)
            I = (f * ex1) @ w1
            total = I + em
            if not check:
                return total
            # remainder: ∫ |f^(10)| ≤ ∫ f x^-10 Σ_i |C_10,i| r^i; quadrature: the 13-node rule against the 20-node one
            Rint = (f * poly(absC, r[0]) * ex1 ** (1.0 - m)) @ w1
            f2, _ = pieces(s2[None, :])
            quad = np.abs(I - (f2 * np.exp(s2)) @ w2)
            bound = self._rem * Rint + quad + 1e-16 * (np.abs(I) + np.abs(ends[0]).sum(axis=1))
            ref = np.abs(total) + (0.0 if scale is None else np.asarray(scale, dtype=float))
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(ref > 0, bound / ref, np.where(bound > 0, np.inf, 0.0))
                qrel = np.where(ref > 0, quad / ref, 0.0)
            worst = float(np.max(rel)) if rel.size else 0.0
            if worst <= _SUM_TOL or float(np.max(qrel, initial=0.0)) <= 0.1 * _SUM_TOL:
                break  # met, or only the Euler–Maclaurin part is short (panels do not help)
            self._rules(0.5 * self.h)  # finer panels
        self.error = max(self.error, worst)
        return total

    def max_b2c3(self, M):
        """max_{A≤x≤B} x^qb (x^p + M)^-3 (one interior critical point x^p = qb M/(3p − qb) at most)."""
        xs = [self.A, self.B]
        if 0.0 < self.qb < 3.0 * self.p:
            xc = (self.qb * M / (3.0 * self.p - self.qb)) ** (1.0 / self.p)
            if self.A < xc < self.B:
                xs.append(xc)
        x = np.array(xs)
        return float(np.max(np.exp(self.qb * np.log(x) - 3.0 * np.log(x**self.p + M))))


def saddle(model: Model, *, thermal: bool = True) -> float:
    """μ solving μ = u Σ_k [w/(a_k+μ) + b_k²/(a_k+μ)²] (Newton, bracketed), w = 1 (``thermal``).

    ``thermal=True``: the saddle of the Hubbard–Stratonovich integral, the self-consistent
    mean-field (Hartree) mass shift. ``thermal=False`` (w = 0): the zero-temperature minimizer of
    S, Δ_k = b_k/(a_k + μ) with μ = u Σ_k Δ_k². This is rgflow's one mean-field solver.
    """
    check_model(model)
    if thermal:
        return _head_and_tail(model, _EM_HEAD)[0]
    a, b = gaussian_coefficients(model)
    return _saddle(a, b * b, model.u, thermal=False)


def _head_and_tail(model, K):
    """(μ, a, b, b², tail, shift) with a, b over the first K modes summed one by one (all of them
    when the tail is None)."""
    tail = _tail_for(model, K)
    lam, y = model.eigenvalues(), model.target()
    if tail is None:
        a, b = gaussian_coefficients(model)
    else:
        lam, y = lam[:K], y[:K]
        a, b = 1.0 / lam + model.r, y / lam
    b2, u = b * b, model.u
    shift = _shift_bound(a, b2, u)
    tail_fn = None
    if tail is not None and u > 0.0:
        r, qb = model.r, tail.qb
        base = float(np.sum((1.0 + b2 / a) / a))
        t = tail.sums(r, 0.0, [1.0], scale=[base])[0] + tail.sums(r, qb, [2.0], scale=[base])[0]
        shift += u * t

        def tail_fn(mu):
            c = tail.sums(r + mu, 0.0, [1.0, 2.0], check=False)
            d = tail.sums(r + mu, qb, [2.0, 3.0], check=False)
            return c[0] + d[0], c[1] + 2.0 * d[1]

    mu = _saddle(a, b2, u, shift, tail=tail_fn)
    if tail_fn is not None:  # the bound of the tail sums at the solution
        c = 1.0 / (a + mu)
        tail.sums(r + mu, 0.0, [1.0], scale=[float(np.sum(c + b2 * c * c))])
        tail.sums(r + mu, qb, [2.0], scale=[float(np.sum(c + b2 * c * c))])
    return mu, a, b, b2, tail, shift


def _shift_bound(a, b2, u, thermal=True):
    """u Σ_k (w/a_k + b_k²/a_k²): the right-hand side of the saddle equation at μ = 0, so μ ≤ it."""
    w = 1.0 if thermal else 0.0
    return u * float(np.sum((w + b2 / a) / a)) if u > 0.0 else 0.0


def _saddle(a, b2, u, hi=None, tail=None, thermal=True):
    """μ = u Σ_k [w c_k + b_k² c_k²], c_k = 1/(a_k + μ), w = 1 if ``thermal`` else 0 (see :func:`saddle`),
    over the modes a, b2 plus ``tail(μ)`` -> (Σ c + b²c², Σ c² + 2b²c³) of further modes when given
    (thermal only; ``hi`` must then bound μ for all of them)."""
    w = 1.0 if thermal else 0.0
    hi = _shift_bound(a, b2, u, thermal) if hi is None else hi
    if hi == 0.0:  # U = 0, or u so small that the shift underflows
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
    dq = -(n[1:] * q[1:]) / s  # d/dμ of the same polynomial

    def g(mu):
        c = 1.0 / (ea + mu)
        val = mu - u * (float(np.sum(w * c + b2a * c * c)) + float(_polyval(q, -mu / s)))
        der = 1.0 + u * float(np.sum(w * c * c + 2.0 * b2a * c**3))
        if len(dq):
            der -= u * float(_polyval(dq, -mu / s))
        if tail is not None:
            t0, t1 = tail(mu)
            val -= u * t0
            der += u * t1
        return val, der

    lo, mu = 0.0, 0.0  # g is concave and increasing: Newton from g(0) < 0 climbs monotonically
    # ... but from μ = 0 it only doubles μ per step when uΣ_k c_k² ≫ 1 (up to ~1000 steps at u ~ 1e300):
    # start instead from the largest of hi·10^-3j where g ≤ 0 (within a factor 1e3 of the root)
    trial = hi
    for _ in range(250):
        trial *= 1e-3
        if trial < 1e-300:
            break
        if g(trial)[0] <= 0.0:
            lo = mu = trial
            break
        hi = trial
    for _ in range(200):
        val, der = g(mu)
        if val == 0.0:
            return mu
        if val > 0:
            hi = mu
        else:
            lo = mu
        step = mu - val / der
        if abs(step - mu) <= 1e-15 * max(mu, 1e-300):
            return step
        mu_new = step if lo < step < hi else 0.5 * (lo + hi)
        if hi - lo <= 1e-15 * hi:
            return mu_new
        mu = mu_new
    raise ConvergenceError(f"the saddle point of the Hubbard–Stratonovich integral did not converge (mu≈{mu:g})")


def exact_moments(model: Model, *, rtol: float = 1e-11, max_halvings: int = 10) -> dict:
    """Exact ⟨Δ_k⟩ and Var Δ_k for k = 1..Λ, with the quadrature diagnostics.

    Returns a dict with ``mean``, ``var`` (arrays), ``mu`` (saddle), ``width`` (σ of the x-weight),
    ``nodes`` (evaluations used), ``explicit`` (modes summed node by node), ``error`` (bound on
    the last change of the moments between two steps), ``summed`` (modes whose sums were taken one
    by one; the rest by Euler–Maclaurin) and ``sum_error`` (bound on the relative error of those
    Euler–Maclaurin sums). Raises ConvergenceError when halving the step ``max_halvings`` times
    does not reach ``rtol``.
    """
    check_model(model)
    rtol = check_real("rtol", rtol, low=0.0, high=1.0, low_open=True)
    max_halvings = check_int("max_halvings", max_halvings, low=1)
    K = _EM_HEAD
    while True:
        res = _moments(model, K, rtol, max_halvings)
        if res is not None:
            return res
        K *= 4  # too many explicit modes for the head, or a tail sum not accurate enough


def _moments(model, K, rtol, max_halvings):
    mu, a, b, b2, tail, shift = _head_and_tail(model, K)
    lam, y = model.eigenvalues(), model.target()
    u, L = model.u, model.cutoff
    K = len(a)
    if shift / a[0] < 1e-17:
        # U = 0, or the quartic changes no mode by more than 1e-17 relative: the GP moments
        mean, var = _assemble(lam, y, model.r, 0.0, 0, (), (), np.ones(1), 0.0)
        return {
            "mean": mean,
            "var": var,
            "mu": shift,
            "width": 0.0,
            "nodes": 0,
            "explicit": 0,
            "error": shift / a[0],
            "summed": K,
            "sum_error": 0.0,
        }
    M = model.r + mu
    c0 = 1.0 / (a + mu)
    curv = 1.0 / (2.0 * u) + float(np.sum(0.5 * c0**2 + b2 * c0**3))  # F''(μ) along the real axis
    if tail is not None:
        curv += float(0.5 * tail.sums(M, 0.0, [2.0])[0] + tail.sums(M, tail.qb, [3.0])[0])
    sigma = 0.5 / math.sqrt(curv)  # x-width of the weight

    X = hs_extent(c0, b2, u, sigma)
    rho = 2.0 * X * c0
    n_ir = int(np.searchsorted(-rho, -_RHO, side="left"))
    if tail is not None and 2 * n_ir > K:
        return None
    cI, bI, b2I = c0[:n_ir], b[:n_ir], b2[:n_ir]
    rU = rho[n_ir:]
    # weight of the series modes: −½ Σ log1p(itρ) − itX Σ b²c² / (1 + itρ) as a polynomial in t
    S = _power_sums(rU, [np.ones_like(rU), X * b2[n_ir:] * c0[n_ir:] ** 2])
    N = S.shape[1]
    beta2 = float(np.max(b2[n_ir:] * c0[n_ir:] * rU**2)) if len(rU) else 0.0
    if tail is not None:  # the modes k > K: Σ ρ^n and Σ X b² c² ρ^n, ρ = 2X/(k^p + M)
        nt = np.arange(min(N, _n_terms(2.0 * X / (tail.A**tail.p + M))), dtype=float)
        ln2x = math.log(2.0 * X)
        S[0, : len(nt)] += tail.sums(M, 0.0, nt, nt * ln2x, scale=S[0, : len(nt)])
        S[1, : len(nt)] += tail.sums(M, tail.qb, nt + 2.0, nt * ln2x + math.log(X), scale=S[1, : len(nt)])
        S[0, 0] = L - n_ir  # the count, exactly
        beta2 = max(beta2, 4.0 * X * X * tail.max_b2c3(M))
        if tail.error > _SUM_TOL:
            return None
    n = np.arange(1, N)
    pcoef = np.zeros(N + 1, dtype=complex)
    pcoef[1:N] = -0.5 * (-1.0) ** (n + 1) * (1j**n) * S[0, 1:] / n
    pcoef[1 : N + 1] += -1j * (-1j) ** np.arange(N) * S[1]
    npow = np.arange(N)
    rmax = float(rU[0]) if L > n_ir else 0.0

    def accumulate(xs, cw):
        """Σ cw w t^n and, for the explicit modes, Σ cw w c, Σ cw w d, Σ cw w d² over the nodes xs
        (cw: the trapezoid multipliers, ½ at x = 0)."""
        t = xs / X
        z = 2j * np.outer(xs, cI)
        c = cI / (1.0 + z)  # 1/(a + μ + 2ix)
        logw = (
            (1j * mu * xs - xs * xs) / u
            + _polyval(pcoef, t)
            - np.sum(0.5 * np.log1p(z) + b2I * cI * c * (1j * xs[:, None]), axis=1)
        )
        w = np.exp(logw) * cw
        d = -bI * z * c  # b/(a+m) − b/(a+μ)
        return [(w[:, None] * t[:, None] ** npow).sum(axis=0), (w @ c).real, (w @ d).real, (w @ (d * d)).real]

    def series_coefficients(sums):  # A_n = Re((−i)^n Σ w t^n) / Z
        Mt = sums[0]
        return ((-1j) ** npow * Mt).real / Mt[0].real, Mt[0].real

    state = {"prev": None, "err": math.inf}

    def done(sums, level, nodes):
        A, Z = series_coefficients(sums)
        dmean = sums[2] / Z
        ir_mean = b[:n_ir] * cI + dmean
        ir_var = sums[1] / Z + sums[3] / Z - dmean**2
        prev = state["prev"]
        if prev is not None:
            err = err_ir = 0.0
            if n_ir:
                err = err_ir = max(
                    float(np.max(np.abs(ir_mean - prev[0]) / np.abs(ir_mean))),
                    float(np.max(np.abs(ir_var - prev[1]) / np.abs(ir_var))),
                )
            if L > n_ir:
                err_u = _series_change(A, prev[2], rmax, beta2)
                err = max(err, err_u)
                if err_ir <= rtol < err_u and (level >= 2 or not math.isfinite(err_u)):
                    # the bound is too loose to decide: compare the moments themselves
                    m1, v1 = _assemble(lam, y, M, 2.0 * X, n_ir, ir_mean, ir_var, A, beta2)
                    m0, v0 = _assemble(lam, y, M, 2.0 * X, n_ir, ir_mean, ir_var, prev[2], beta2)
                    err = max(err_ir, float(np.max(np.abs(m1 / m0 - 1))), float(np.max(np.abs(v1 / v0 - 1))))
            state["err"] = err
            if err <= rtol:
                mean, var = _assemble(lam, y, M, 2.0 * X, n_ir, ir_mean, ir_var, A, beta2)
                return {
                    "mean": mean,
                    "var": var,
                    "mu": mu,
                    "width": sigma,
                    "nodes": nodes,
                    "explicit": n_ir,
                    "error": err,
                    "summed": K,
                    "sum_error": 0.0 if tail is None else tail.error,
                }
        if level == max_halvings:
            raise ConvergenceError(
                f"the Hubbard–Stratonovich quadrature did not reach rtol={rtol:g} after {max_halvings} halvings "
                f"(last change {state['err']:.3g}); the weight may be too broad (u={u:g})"
            )
        state["prev"] = (ir_mean, ir_var, A)
        return None

    return scalar.trapezoid(
        accumulate,
        0.0,
        X,
        X / 8.0,
        done,
        max_halvings=max_halvings,
        half_at_lo=True,
        what="the Hubbard–Stratonovich quadrature",
    )[0]


def hs_extent(c, b2, u, sigma, what="the Hubbard–Stratonovich weight"):
    """Extent X of the contour weight: |w(x)| < e^-40 |w(0)| for x > X (:func:`rgflow.scalar.extent`).

    Every mode only lowers Re log w, Re log w(x) − Re log w(0) = −x²/u − Σ_k [¼ ln(1 + z_k²) +
    2x² b_k² c_k³/(1 + z_k²)], z_k = 2xc_k, so the Gaussian factor and the first _PROBE modes
    bound it from above. The search starts at σ√80 (σ: width of the weight).
    """
    cp, b2p = c[:_PROBE], b2[:_PROBE]

    def log_bound(x):
        z2 = (2.0 * x * cp) ** 2
        return -x * x / u - float(np.sum(0.25 * np.log1p(z2) + b2p * cp**2 * 2.0 * x * x * cp / (1.0 + z2)))

    return scalar.extent(log_bound, sigma * math.sqrt(2.0 * 40.0), floor=-40.0, factor=1.5, tries=60, what=what)


def _series_change(A, A_prev, rmax, beta2):
    """Bound of the relative change of every series mode's moments when A_prev → A
    (|ρ_k| ≤ rmax, b_k² c_k ρ_k² ≤ beta2): mean and ⟨c⟩/c change by ≤ D = Σ_{n≥1} |δA_n| rmax^n,
    the rest of the variance by ≤ beta2 (D₂' + 2G'D' + D'²) with the series divided by ρ²."""
    n = np.arange(len(A))
    dA, aA = np.abs(A - A_prev), np.abs(A)
    g = rmax ** np.maximum(n - 1, 0)
    D1, G1 = float(np.sum((dA * g)[1:])), float(np.sum((aA * g)[1:]))  # series / ρ
    g2 = rmax ** np.maximum(n - 2, 0)
    D2, G2 = float(np.sum(((n - 1) * dA * g2)[2:])), float(np.sum(((n - 1) * aA * g2)[2:]))
    D, G = rmax * D1, rmax * G1
    low = 1.0 - G - beta2 * (G2 + G1 * G1)
    if low <= 0.0 or G >= 1.0:
        return math.inf
    return max(D / (1.0 - G), (D + beta2 * (D2 + 2.0 * G1 * D1 + D1 * D1)) / low)


def _assemble(lam, y, M, two_x, n_ir, ir_mean, ir_var, A, beta2):
    """Moments of every mode: the explicit ones (k ≤ n_ir) as summed, the series ones from the
    coefficients A_n by :func:`rgflow.scalar.series_moments` (c = λ/(1 + Mλ), bc = y/(1 + Mλ),
    ρ = 2Xc; beta2 ≥ b²cρ² of every series mode). Raises ConvergenceError on a non-finite moment
    or a variance ≤ 0."""
    L = len(lam)
    mean, var = np.empty(L), np.empty(L)
    mean[:n_ir], var[:n_ir] = ir_mean, ir_var
    ok = bool(np.all(np.isfinite(mean[:n_ir])) and np.all(var[:n_ir] > 0) and np.all(np.isfinite(var[:n_ir])))
    if not ok:
        raise ConvergenceError("the exact moments are not finite or a variance is not positive")
    if L > n_ir:
        series_moments(lam[n_ir:], y[n_ir:], M, two_x, A, beta2, mean=mean[n_ir:], var=var[n_ir:])
    return mean, var

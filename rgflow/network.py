"""Finite-width networks on the fixed design: the exact one-scalar mixture and its approximations.

The network (docs/networks.md): a readout over L linear hidden layers of width N on a feature map
with kernel K, trained as a Bayesian posterior at temperature T. Given the hidden weights it is a
Gaussian process with kernel Q·K, Q = g z, z = Π_{l=1..L} q_l, q_l ~ χ²_N/N independent, so the
posterior is a mixture over the one scalar t = ln z. With x_k = rλ_k (r = P/κ) and
ν = 1 (standard: g = 1, T = κ) or ν = N (mean-field: g = 1/N, T = κ/N):

    ln p(t | Y) = ln f_L(t) + D(t) + const,   D(t) = −½ Σ_k [ ln(1 + x_k e^t) + ν r y_k² / (1 + x_k e^t) ],
    ⟨Δ_k⟩  = y_k ⟨1/(1 + x_k e^t)⟩,   Var Δ_k = g λ_k ⟨e^t/(1 + x_k e^t)⟩ + y_k² Var_t[1/(1 + x_k e^t)],

with f_L the density of t: exactly ln f_1(t) = a t − a e^t + a ln a − ln Γ(a) (a = N/2) and, for
L ≥ 2, the Mellin inversion through the saddle point c of K(s) = L[ln Γ(a+s) − ln Γ(a) − s ln a]:

    f_L(t) = e^{K(c) − ct} (1/π) ∫_0^∞ Re e^{K(c+iω) − K(c) − iωt} dω,   K'(c) = t,

on the path ω = σ sinh u (σ = K''(c)^-½), along which the trapezoid rule converges at the same
rate whatever a + c (the poles of Γ stay a fixed distance π/2 away in u).

Around the posterior mode t* every mode is a function of its learnability ρ_k = x_k e^{t*}/(1 + x_k e^{t*})
alone: with e = e^{t − t*} − 1, c_k = 1 − ρ_k, F(ρ) = ⟨e/(1 + ρe)⟩ and V(ρ) = Var[e/(1 + ρe)],

    ⟨Δ_k⟩ = y_k c_k (1 − ρ_k F(ρ_k)),   Var Δ_k = g λ_k e^{t*} c_k (1 + (1 − ρ_k) F(ρ_k)) + y_k² c_k² ρ_k² V(ρ_k),

so beyond a few thousand modes F and V are interpolated (Chebyshev panels in ln(x e^{t*}), where
they are analytic in a strip of half-width π) instead of evaluated mode by mode.
"""

from __future__ import annotations

import math

import numpy as np

from .model import WIDTH_MAX, Model, check_model, check_real
from .scalar import ConvergenceError, extent, trapezoid

__all__ = [
    "log_prior",
    "posterior",
    "network_moments",
    "mean_field_moments",
    "pt1_moments",
    "network_rg_moments",
    "running_couplings",
    "check_network",
]

_FLOOR = -40.0  # weights below e^_FLOOR of the peak are dropped (relative)
_DIRECT = 4 * 10**6  # nodes × modes evaluated directly; beyond, F and V are interpolated
_CHEB = 24  # Chebyshev nodes per panel of width 2 in s = ln(x e^{t*})


def check_network(model, what="this method") -> None:
    """ValueError unless ``model`` is a network (width given)."""
    check_model(model)
    if not model.network:
        raise ValueError(f"{what} needs a network: give the model a width (got width=None)")


def _couplings(model):
    """(a, L, g, ν): a = N/2, depth, readout scale g and data weight ν of the parameterization."""
    N, L = model.width, model.depth
    if model.parameterization == "standard":
        return 0.5 * N, L, 1.0, 1.0
    return 0.5 * N, L, 1.0 / N, float(N)


# --- the prior of t = ln z, z = Π q_l ------------------------------------------------------------


def _inverse_digamma(v):
    """x > 0 with ψ(x) = v (Newton from Minka's start; vectorized)."""
    from scipy.special import polygamma, psi

    v = np.asarray(v, dtype=float)
    x = np.where(v >= -2.22, np.exp(np.minimum(v, 700.0)) + 0.5, -1.0 / (v + 0.5772156649015329))
    for _ in range(60):
        step = (psi(x) - v) / polygamma(1, x)
        x_new = x - step
        x_new = np.where(x_new <= 0.0, 0.5 * x, x_new)
        if np.all(np.abs(x_new - x) <= 1e-15 * x):
            return x_new
        x = x_new
    if np.all(np.abs(psi(x) - v) <= 1e-12 * np.maximum(1.0, np.abs(v))):
        return x
    raise ConvergenceError("the saddle of the Mellin inversion (inverse digamma) did not converge")


_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)  # B_2j / (2j(2j−1)), j = 1..5
_BIG = 20.0  # above this the differences of ln Γ are taken from Stirling's series (no cancellation)


def _stirling_tail(z):
    """Σ_j B_2j/(2j(2j−1) z^(2j−1)), the part of ln Γ(z) after (z − ½) ln z − z + ½ ln 2π."""
    iz = 1.0 / z
    iz2, out, p = iz * iz, 0.0, iz
    for c in _STIRLING:
        out = out + c * p
        p = p * iz2
    return out


def _lgamma_shift(x, d):
    """ln Γ(x + d) − ln Γ(x) − d ψ(x) for x > 0 and real or complex d (arrays broadcast), accurate
    when both are large: for x ≥ _BIG by Stirling's series, term by term without cancellation."""
    from scipy.special import loggamma, psi

    x = np.asarray(x, dtype=float)
    x, d = np.broadcast_arrays(x, d)
    big = (x >= _BIG) & (np.real(x + d) >= _BIG)
    out = np.empty(x.shape, dtype=np.result_type(d, float))
    if np.any(big):
        xb, db = x[big], d[big]
        l1 = _log1p(db / xb)
        # ln x − ψ(x) = 1/(2x) + Σ_j B_2j/(2j x^2j)
        lnx_psi = 0.5 / xb + (1 / 12) / xb**2 - (1 / 120) / xb**4 + (1 / 252) / xb**6 - (1 / 240) / xb**8
        v = (xb - 0.5) * l1 + db * l1 - db + db * lnx_psi + _stirling_tail(xb + db) - _stirling_tail(xb)
        out[big] = v if np.iscomplexobj(out) else v.real
    small = ~big
    if np.any(small):
        xs, ds = x[small], d[small]
        v = loggamma(xs + ds) - loggamma(xs) - ds * psi(xs)
        out[small] = v if np.iscomplexobj(out) else v.real
    return out


def _log1p(z):
    """ln(1 + z) for complex z, accurate for small |z| (numpy's complex log1p is not)."""
    z = np.asarray(z, dtype=complex)
    re, im = z.real, z.imag
    return 0.5 * np.log1p(re * (2.0 + re) + im * im) + 1j * np.arctan2(im, 1.0 + re)


def _prior_base(t, a, L):
    """(x, base, σ): the saddle x = a + c of the Mellin inversion (ψ(x) = ln a + t/L), the exponent
    K(c) − ct = L[ln Γ(x) − ln Γ(a) − c ln a] − ct and the width σ = K''(c)^-½."""
    from scipy.special import polygamma, psi

    x = _inverse_digamma(math.log(a) + t / L)
    c = x - a
    # ln Γ(a + c) − ln Γ(a) − c ln a = [shift at a by c] + c (ψ(a) − ln a)
    base = L * (np.real(_lgamma_shift(np.full_like(c, a), c)) + c * (psi(a) - math.log(a))) - c * t
    return x, base, 1.0 / np.sqrt(L * polygamma(1, x))


def log_prior(t, N: int, L: int, *, t_ref=None, rtol: float = 1e-13, saddle: bool = False) -> np.ndarray:
    """ln f_L(t): the log density of t = ln Π_{l=1..L} q_l, q_l ~ χ²_N/N independent (exact);
    with ``t_ref`` the difference ln f_L(t) − ln f_L(t_ref), taken without cancellation.

    L = 1 in closed form, a t − a e^t + a ln a − ln Γ(a) (a = N/2); L ≥ 2 by the Mellin inversion
    through the saddle point (module docstring), its trapezoid step halved until every value
    changes by less than ``rtol`` (absolute, in the log). ``saddle=True``: the saddle-point
    approximation K(c) − ct − ½ ln(2π K''(c)) instead (relative error O(1/N); for locating peaks).
    """
    from scipy.special import gammaln

    t = np.atleast_1d(np.asarray(t, dtype=float))
    a = 0.5 * N
    if L == 1:
        if t_ref is None:
            return a * t - a * np.exp(t) + a * math.log(a) - gammaln(a)
        return a * ((t - t_ref) - math.exp(t_ref) * np.expm1(t - t_ref))
    if saddle:

        def fn(tt):
            _, base, sigma = _prior_base(tt, a, L)
            return base + np.log(sigma) - 0.5 * math.log(2.0 * math.pi)
    else:

        def fn(tt):
            return _log_prior_mellin(tt, a, L, rtol)

    if t_ref is not None:
        both = fn(np.concatenate([t, [t_ref]]))
        return both[:-1] - both[-1]
    return fn(t)


def _log_prior_mellin(t, a, L, rtol):
    """ln f_L(t) for L ≥ 2, exact, by the Mellin inversion through the saddle point."""
    x, base, sigma = _prior_base(t, a, L)

    def log_integrand(u):  # (len(t), len(u)): log of the integrand over σ
        w = 1j * sigma[:, None] * np.sinh(u)[None, :]
        return L * _lgamma_shift(x[:, None], w) + np.log(np.cosh(u))[None, :]

    U = extent(lambda u: float(np.max(log_integrand(np.array([u])).real)), 2.0, what="the Mellin integrand")
    prev = []

    def accumulate(us, cw):
        return [np.exp(log_integrand(us)).real @ cw]

    def done(sums, level, nodes):
        I = sums[0]
        ok = bool(prev) and bool(np.all(np.abs(np.log(np.abs(I)) - np.log(np.abs(prev[0]))) <= rtol))
        prev[:] = [I]
        if ok:
            if not np.all(I > 0):
                raise ConvergenceError("the Mellin inversion of the network's prior lost its sign")
            return I
        return None

    I, _ = trapezoid(
        accumulate,
        0.0,
        U,
        0.25,
        done,
        max_halvings=12,
        half_at_lo=True,
        what="the Mellin inversion of the network's prior",
    )
    return base + np.log(sigma * I / math.pi)


# --- the evidence of the modes ----------------------------------------------------------------------


def _modes_for_sums(model):
    """(x_k, y_k², w_k) over which Σ_k enters D(t): every mode, or for a long power law the first
    4096 modes and Gauss–Legendre nodes in k for the rest (:func:`rgflow.scalar.compressed_modes`)."""
    from .scalar import compressed_modes

    comp = compressed_modes(model)
    if comp is None:
        return model.r * model.eigenvalues(), model.target() ** 2, None
    k, w = comp
    return model.r * model.eigenvalues(k), model.target(k) ** 2, w


def _wsum(w, f, axis=-1):
    return f.sum(axis=axis) if w is None else f @ w


def _log_evidence(t, t_ref, xs, y2, w, nu_r, logdet=True):
    """D(t) − D(t_ref), without cancellation: with E = e^{t_ref} expm1(t − t_ref),
    −½ Σ [ln(1 + x E/(1 + x e^{t_ref})) − ν r y² x E/((1 + x e^t)(1 + x e^{t_ref}))]."""
    t = np.atleast_1d(t)
    out = np.empty(len(t))
    e_ref = math.exp(t_ref)
    c_ref = 1.0 / (1.0 + xs * e_ref)
    for i in range(0, len(t), 256):
        tt = t[i : i + 256, None]
        E = e_ref * np.expm1(tt - t_ref)
        xE = xs * E
        c = 1.0 / (1.0 + xs * np.exp(tt))
        f = -nu_r * y2 * xE * c * c_ref
        if logdet:
            f += np.log1p(xE * c_ref)
        out[i : i + 256] = -0.5 * _wsum(w, f)
    return out


# --- the posterior of t -----------------------------------------------------------------------------


class _Posterior:
    """The weight of t: ln f_L(t) + D(t) (+ an optional polynomial of integrated-out modes)."""

    def __init__(self, model, xs=None, y2=None, w=None, poly=None, limit=False, bounds=None):
        self.a, self.L, self.g, self.nu = _couplings(model)
        self.bounds = bounds  # (lo, hi): the weight is taken as 0 outside (the range of a polynomial term)
        self.limit = limit  # the weight's N → ∞ exponent φ(t) instead (its mode only)
        if limit:
            self.a = 0.5
        self.N = model.width
        self.r = model.r
        if xs is None:
            xs, y2, w = _modes_for_sums(model)
        self.xs, self.y2, self.w = xs, y2, w
        self.poly = poly  # (t0, [g1, g2, g3, ...]): Σ_n g_n (t − t0)^n / n!

    def _binned(self, bins=512):
        """(x, y², w) with the modes merged into ``bins`` bins of ln x (for locating peaks only: the
        evidence to ~1e-5 relative at 1/200 of the modes' cost)."""
        if getattr(self, "_bins", None) is None:
            xs, y2 = self.xs, self.y2
            w = np.ones_like(xs) if self.w is None else self.w
            if len(xs) <= 2 * bins:
                self._bins = (xs, y2, self.w)
            else:
                lx = np.log(xs)
                idx = np.minimum(((lx - lx.min()) / max(np.ptp(lx), 1e-300) * bins).astype(int), bins - 1)
                ws = np.bincount(idx, w, bins)
                keep = ws != 0
                lx_rep = np.bincount(idx, w * lx, bins)[keep] / ws[keep]
                self._bins = (np.exp(lx_rep), np.bincount(idx, w * y2, bins)[keep] / ws[keep], ws[keep])
        return self._bins

    def log_weight(self, t, t_ref, saddle=False, coarse=False):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        xs, y2, w = self._binned() if coarse else (self.xs, self.y2, self.w)
        if self.limit:  # φ(t) of the N → ∞ limit (per unit N): ½(t − L e^{t/L}) (− ½ r Σ y²/(1 + x e^t))
            d = t - t_ref
            out = 0.5 * (d - self.L * math.exp(t_ref / self.L) * np.expm1(d / self.L))
            if self.nu > 1.0:
                out += _log_evidence(t, t_ref, xs, y2, w, self.r, logdet=False)
            return out
        out = log_prior(t, self.N, self.L, t_ref=t_ref, saddle=saddle)
        out += _log_evidence(t, t_ref, xs, y2, w, self.nu * self.r)
        if self.poly is not None:
            t0, gs = self.poly
            out += _taylor(gs, t - t0) - _taylor(gs, np.array([t_ref - t0]))[0]
        return out

    def mode(self):
        """Global maximum t* of the weight and the range [lo, hi] where it exceeds e^_FLOOR of it
        (cached). Every local maximum on a scan grid is refined by zooming; the range is walked out
        from each peak within e^_FLOOR of the best."""
        if getattr(self, "_mode", None) is not None:
            return self._mode
        a, L = self.a, self.L
        sd = math.sqrt(L / a)  # width of the prior of t (≈ √(2L/N))
        # the weight can be within e^-60 of its maximum only where the prior is above its mode less
        # 60 + the largest gain of the data term over t = 0: sup_t D(t) − D(0) ≤ ½ Σ ln(1 + x)
        # (the log det falls with t) + ½ ν r Σ y² x/(1 + x) (the misfit falls with t)
        xs, wts = self.xs, (1.0 if self.w is None else self.w)
        gain = 0.5 * self.nu * self.r * float(np.sum(wts * self.y2 * xs / (1.0 + xs)))
        if self.limit:
            gain = gain / self.nu if self.nu > 1.0 else 0.0
        else:
            gain += 0.5 * float(np.sum(wts * np.log1p(xs)))
        gain += 60.0
        # prior ≈ a L (s − e^s + 1), s = t/L, is ≥ −gain for s in about [s_lo, s_hi]
        g = gain / (a * L)
        s_hi = math.log1p(g) + math.log1p(math.log1p(g)) + 1.0
        s_lo = -(g + 1.0) - 1.0
        lo, hi = L * s_lo - 8 * sd, L * s_hi + 8 * sd
        # below t = −ln max x − 40 every mode's evidence is flat: the weight is the prior's, rising with t
        lo = max(lo, -math.log(float(np.max(self.xs))) - 40.0 - 60.0 / a - 8 * sd)
        if self.bounds is not None:
            lo, hi = self.bounds
        n = int(min(400, math.ceil((hi - lo) / min(0.05, sd)))) + 1  # a peak between nodes is still a local max
        grid = np.linspace(lo, hi, n)
        lw = self.log_weight(grid, 0.0, saddle=True, coarse=True)
        top = float(np.max(lw))
        peaks = [
            j
            for j in range(n)
            if lw[j] > top - 80.0 and (j == 0 or lw[j] >= lw[j - 1]) and (j == n - 1 or lw[j] >= lw[j + 1])
        ]
        found = [self._refine(grid[max(j - 1, 0)], grid[min(j + 1, n - 1)]) for j in peaks]
        best, t_star, curv = max(found)
        lo_t, hi_t = math.inf, -math.inf
        for val, tp, cv in found:
            if val < best + _FLOOR:
                continue
            width = 1.0 / math.sqrt(cv) if cv > 0 else sd
            side = []
            for sign in (1.0, -1.0):
                edge = (hi - tp) if sign > 0 else (tp - lo)  # the scan range bounds the weight's support
                for chunk in range(5):  # offsets 4w·1.5^j, j < 60, twelve at a time, up to the edge
                    offs = np.minimum(4.0 * width * 1.5 ** np.arange(12 * chunk, 12 * chunk + 12), edge)
                    # only "below e^_FLOOR or not" is asked: the saddle-point prior (O(1/N) off) with 5 to spare
                    lw_side = self.log_weight(np.concatenate([tp + sign * offs, [t_star]]), t_star, saddle=True)
                    below = np.flatnonzero(lw_side[:-1] - lw_side[-1] < _FLOOR - 5.0)
                    if below.size:
                        side.append(offs[below[0]])
                        break
                    if offs[-1] >= edge:
                        side.append(edge)
                        break
                else:
                    raise ConvergenceError("the posterior of the network's scale does not decay")
            lo_t, hi_t = min(lo_t, tp - side[1]), max(hi_t, tp + side[0])
        if self.bounds is not None:
            lo_t, hi_t = max(lo_t, self.bounds[0]), min(hi_t, self.bounds[1])
        self.width_t = min(1.0 / math.sqrt(curv) if curv > 0 else sd, hi_t - lo_t)
        self._mode = (t_star, lo_t, hi_t)
        return self._mode

    def _refine(self, lo, hi):
        """(value, t, curvature) of the maximum of the weight in [lo, hi]: zoom on 33-point grids,
        then a parabola through the best three points."""
        for _ in range(8):
            ts = np.linspace(lo, hi, 33)
            lw = self.log_weight(ts, 0.5 * (lo + hi))
            j = int(np.clip(np.argmax(lw), 1, 31))
            h = ts[1] - ts[0]
            f0, f1, f2 = lw[j - 1], lw[j], lw[j + 1]
            curv = -(f0 - 2 * f1 + f2) / h**2
            lo, hi = ts[j - 1], ts[j + 1]
            if h < 1e-9 * max(1.0, abs(ts[j])) or (curv > 0 and h < 1e-3 / math.sqrt(curv)):
                break
        t = ts[j] + (0.5 * h * (f0 - f2) / (f0 - 2 * f1 + f2) if curv > 0 else 0.0)
        val = float(self.log_weight(np.array([t]), 0.0)[0])
        return val, float(t), float(curv)


def _taylor(gs, d):
    out = np.zeros_like(d)
    for n, gn in enumerate(gs, start=1):
        out = out + gn * d**n / math.factorial(n)
    return out


def posterior(model, *, rtol=1e-11, max_halvings=12, post=None, probes=None, perturb=None):
    """The quadrature of the posterior of t at the learnabilities ``probes`` (ρ at t*).

    Returns (t*, funcs, info): funcs["F"] = ⟨q⟩, funcs["V"] = ⟨q²⟩ − ⟨q⟩² with q = e/(1 + ρe),
    e = e^{t − t*} − 1, on every probe, the step halved until the moments they give change by less
    than ``rtol``. ``perturb`` (a function of d = t − t*) adds its first-order effect on F and V:
    funcs["dF"] = ⟨q δ⟩ − ⟨q⟩⟨δ⟩ and funcs["dV"] = ⟨q² δ⟩ − ⟨q²⟩⟨δ⟩ − 2F dF (the error estimate of ``rg``).
    """
    post = _Posterior(model) if post is None else post
    t_star, lo, hi = post.mode()
    h = max(min(post.width_t / 2.0, (hi - lo) / 16.0), (hi - lo) / 4096.0)
    rho = np.asarray(probes, dtype=float)
    prev = []

    def accumulate(ts, cw):
        wgt = np.exp(post.log_weight(ts, t_star)) * cw
        e = np.expm1(ts - t_star)
        q = e[:, None] / (1.0 + rho[None, :] * e[:, None])  # e/(1 + ρe), (nodes, probes)
        q2 = q * q
        out = [np.array([wgt.sum(), wgt @ e]), wgt @ q, wgt @ q2]
        if perturb is not None:
            wd = wgt * perturb(ts - t_star)
            out += [np.array([wd.sum()]), wd @ q, wd @ q2]
        return out

    def done(sums, level, nodes):
        Z = sums[0][0]
        F = sums[1] / Z
        S2 = sums[2] / Z
        funcs = {"F": F, "V": np.maximum(S2 - F * F, 0.0)}
        if perturb is not None:
            d0 = sums[3][0] / Z
            dF = sums[4] / Z - F * d0
            funcs["dF"], funcs["dV"] = dF, sums[5] / Z - S2 * d0 - 2.0 * F * dF
        err = math.inf
        if prev:
            old = prev[0]
            dm = np.max(np.abs(rho * (F - old["F"])) / np.abs(1.0 - rho * F), initial=0.0)
            dv = np.max(np.abs(funcs["V"] - old["V"]) / np.maximum(funcs["V"], 1e-300), initial=0.0)
            # V is a difference of two moments: it converges to ~1e-9 relative where it is tiny
            err = max(dm, dv if dv > 1e-9 else 0.0)
        prev[:] = [funcs]
        if err <= rtol and level >= 2:
            return funcs, err, sums[0][1] / Z
        return None

    (funcs, err, e_mean), nodes = trapezoid(
        accumulate, lo, hi, h, done, max_halvings=max_halvings, what="the quadrature of the network's scale"
    )
    info = {
        "t_star": t_star,
        "z_star": math.exp(t_star),
        "nodes": nodes,
        "error": err,
        "z_mean": math.exp(t_star) * (1.0 + e_mean),
    }
    return t_star, funcs, info


def _assemble(model, t_star, F, V, g):
    """⟨Δ_k⟩ and Var Δ_k of every mode from the mode functions F, V at the modes (:func:`_fill_moments`)."""
    n = model.cutoff
    mean, var = np.empty(n), np.empty(n)
    scale = model.r * math.exp(t_star)
    _fill_moments(model.eigenvalues(), model.target(), scale, F, V, g * math.exp(t_star), mean, var)
    return mean, var


def _fill_moments(lam, y, scale, F, V, g_e, mean, var):
    """In place: ⟨Δ_k⟩ = y_k c_k (1 − ρ_k F), Var Δ_k = g e^{t*} λ_k c_k (1 + c_k F) + (y_k c_k ρ_k)² V with
    c_k = 1/(1 + λ_k·scale) (taken as such: 1 − ρ loses digits where ρ → 1), ρ_k = 1 − c_k, scale = r e^{t*},
    g_e = g e^{t*}; V ≥ 0. One formula for the whole arrays and for the cache-sized blocks."""
    xs = lam * scale
    c = xs + 1.0
    np.reciprocal(c, out=c)
    rho = xs * c
    yc = y * c
    np.multiply(rho, F, out=mean)
    np.subtract(1.0, mean, out=mean)
    mean *= yc  # y c (1 − ρF)
    np.multiply(c, F, out=var)
    var += 1.0
    var *= c
    var *= lam
    var *= g_e  # g e^t* λ c (1 + cF)
    yc *= rho
    yc *= yc
    yc *= V
    var += yc  # + (y c ρ)² V


def _learnability(model, t_star):
    xs = model.r * model.eigenvalues() * math.exp(t_star)
    return xs / (1.0 + xs)


def _mode_functions(model, post, rtol, max_halvings=12, perturb=None):
    """(t*, funcs over the modes k = 1..Λ, ρ_k, info): the functions of the learnability that
    :func:`posterior` gives, evaluated at every mode directly or, for many modes, interpolated on
    Chebyshev panels in s = ln(x e^{t*}) (:func:`_interpolant`)."""
    t_star, _, _ = post.mode()
    rho = _learnability(model, t_star)
    if model.cutoff * 400 <= _DIRECT:
        _, funcs, info = posterior(model, rtol=rtol, max_halvings=max_halvings, post=post, probes=rho, perturb=perturb)
        info["interpolated"] = False
        return t_star, funcs, rho, info
    pan, info = _interpolant(model, post, rtol, max_halvings, perturb)
    s = np.log(model.r * model.eigenvalues() * math.exp(t_star))
    funcs = {key: np.empty(model.cutoff) for key in pan["coef"]}
    for p, i0, i1 in _panel_runs(pan, 0, model.cutoff):
        u = (s[i0:i1] - pan["mid"][p]) / pan["half"][p]
        for key, c in pan["coef"].items():
            _clenshaw(c[: pan["degree"][key][p], p], u, funcs[key][i0:i1])
    funcs["V"] = np.maximum(funcs["V"], 0.0)
    return t_star, funcs, rho, info


def _interpolant(model, post, rtol, max_halvings, perturb=None):
    """The mode functions of :func:`posterior` on Chebyshev panels of width 2 in s = ln(x e^{t*})
    (analytic in the strip |Im s| < π), checked at the panel midpoints; each panel's series cut where
    its rest is below 1e-17 of what it feeds (ρ·F enters the means against 1) or, for V (a difference
    of two moments, ~1e-13 noisy), below 1e-14 of its largest value. Returns (panels, info)."""
    t_star = post.mode()[0]
    lam = model.eigenvalues()
    scale = model.r * math.exp(t_star)
    lo_s, hi_s = math.log(scale * lam[-1]), math.log(scale * lam[0])
    n_pan = max(1, math.ceil((hi_s - lo_s) / 2.0))
    edges = np.linspace(lo_s, hi_s, n_pan + 1)
    xc = np.cos(np.pi * (np.arange(_CHEB) + 0.5) / _CHEB)  # Chebyshev points of the first kind
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * (edges[1:] - edges[:-1])
    probe_s = np.concatenate([(mid[:, None] + half[:, None] * xc[None, :]).ravel(), mid])
    probe = 1.0 / (1.0 + np.exp(-probe_s))
    _, fp, info = posterior(model, rtol=rtol, max_halvings=max_halvings, post=post, probes=probe, perturb=perturb)
    m = n_pan * _CHEB
    cheb = np.polynomial.chebyshev
    coef = {key: cheb.chebfit(xc, val[:m].reshape(n_pan, _CHEB).T, _CHEB - 1) for key, val in fp.items()}
    at_mid = {key: cheb.chebval(0.0, c) for key, c in coef.items()}
    pm = probe[m:]
    eF = float(np.max(np.abs(pm * (at_mid["F"] - fp["F"][m:])) / np.abs(1.0 - pm * fp["F"][m:])))
    eV = float(np.max(np.abs(at_mid["V"] - fp["V"][m:]) / np.maximum(np.abs(fp["V"][m:]), 1e-300)))
    info["interpolated"] = True
    info["interpolation_error"] = max(eF, eV)
    if max(eF, 0.01 * eV) > max(10 * rtol, 1e-12):
        raise ConvergenceError(
            f"the interpolation of the network's mode functions did not converge (error {max(eF, eV):.3g})"
        )
    rho_top = 1.0 / (1.0 + np.exp(-edges[1:]))
    degree = {
        key: _cut(np.abs(c) * rho_top, 1e-17)
        if key in ("F", "dF")
        else _cut(np.abs(c) / np.maximum(np.max(np.abs(c), axis=0), 1e-300), 1e-14)
        for key, c in coef.items()
    }
    # the first mode of each panel: s descends with k, so panel p holds the modes with λ in its range
    starts = np.searchsorted(-lam, -np.exp(edges[::-1][1:-1]) / scale, side="left")
    bounds = np.concatenate([[0], starts, [len(lam)]])  # panel n_pan−1 first, panel 0 last
    return {
        "coef": coef,
        "degree": degree,
        "mid": mid,
        "half": half,
        "bounds": bounds,
        "n_pan": n_pan,
        "t_star": t_star,
    }, info


def _panel_runs(pan, i0, i1):
    """(panel, start, stop) of the runs of modes in [i0, i1) that share a panel."""
    b, n_pan = pan["bounds"], pan["n_pan"]
    for j in range(n_pan):
        a, z = max(int(b[j]), i0), min(int(b[j + 1]), i1)
        if z > a:
            yield n_pan - 1 - j, a, z


_BLOCK = 1 << 14  # modes per block of the final pass (the temporaries stay in cache)


def _moments_blocked(model, pan, g):
    """⟨Δ_k⟩ and Var Δ_k from the panels, in cache-sized blocks of modes (:func:`_fill_moments`)."""
    lam, y = model.eigenvalues(), model.target()
    n = model.cutoff
    scale = model.r * math.exp(pan["t_star"])
    mean, var = np.empty(n), np.empty(n)
    F, V = np.empty(_BLOCK), np.empty(_BLOCK)
    for b0 in range(0, n, _BLOCK):
        b1 = min(b0 + _BLOCK, n)
        s = np.log(lam[b0:b1] * scale)
        for p, i0, i1 in _panel_runs(pan, b0, b1):
            u = s[i0 - b0 : i1 - b0]
            u -= pan["mid"][p]
            u /= pan["half"][p]
            _clenshaw(pan["coef"]["F"][: pan["degree"]["F"][p], p], u, F[i0 - b0 : i1 - b0])
            _clenshaw(pan["coef"]["V"][: pan["degree"]["V"][p], p], u, V[i0 - b0 : i1 - b0])
        m = b1 - b0
        np.maximum(V[:m], 0.0, out=V[:m])
        _fill_moments(lam[b0:b1], y[b0:b1], scale, F[:m], V[:m], g * scale / model.r, mean[b0:b1], var[b0:b1])
    return mean, var


def _cut(weighted, eps):
    """Per column, the number of leading coefficients to keep: the rest sums to ≤ eps."""
    rest = np.cumsum(weighted[::-1], axis=0)[::-1]
    return np.maximum(1, np.sum(rest > eps, axis=0))


def _clenshaw(c, u, out):
    """Σ_n c_n T_n(u) into ``out`` (Clenshaw, in place)."""
    if len(c) == 1:
        out[:] = c[0]
        return
    b1, b2, tmp = np.zeros_like(u), np.zeros_like(u), np.empty_like(u)
    u2 = 2.0 * u
    for cn in c[:0:-1]:
        np.multiply(u2, b1, out=tmp)
        tmp -= b2
        tmp += cn
        b2, b1, tmp = b1, tmp, b2
    np.multiply(u, b1, out=out)
    out -= b2
    out += c[0]


def network_moments(model: Model, *, rtol: float = 1e-11, max_halvings: int = 12):
    """Exact ⟨Δ_k⟩ and Var Δ_k of the network on the fixed design (the one-scalar mixture).

    Returns (mean, var, info); info holds ``z_star`` (posterior mode of z = Q/g), ``z_mean``
    (posterior mean), ``nodes``, ``error`` (last change between two step halvings, relative) and
    ``interpolated`` (True when the mode functions were interpolated, then ``interpolation_error``).
    Raises ConvergenceError when the quadrature does not reach ``rtol``.
    """
    check_network(model, "exact for networks")
    rtol = check_real("rtol", rtol, low=0.0, high=1.0, low_open=True)
    post = _Posterior(model)
    if model.cutoff * 400 > _DIRECT:
        pan, info = _interpolant(model, post, rtol, max_halvings)
        mean, var = _moments_blocked(model, pan, post.g)
        return mean, var, info
    t_star, funcs, _, info = _mode_functions(model, post, rtol, max_halvings)
    mean, var = _assemble(model, t_star, funcs["F"], funcs["V"], post.g)
    return mean, var, info


def mean_field_moments(model):
    """The saddle in Q: the GP at the posterior mode z* of z = Q/g (t* = ln z*),
    ⟨Δ_k⟩ = y_k/(1 + rλ_k z*), Var Δ_k = g λ_k z*/(1 + rλ_k z*) — the exact N → ∞ limit of the
    mean-field parameterization (docs/networks.md)."""
    check_network(model, "mean-field for networks")
    post = _Posterior(model)
    t_star, _, _ = post.mode()
    z = math.exp(t_star)
    lam, y = model.eigenvalues(), model.target()
    d = 1.0 + model.r * lam * z
    return y / d, post.g * lam * z / d, {"z_star": z}


def _logistic_derivatives(L, n):
    """dʲL/dtʲ / (L(1 − L)), j = 1..n (n ≤ 5), of the logistic L(t) = x e^t/(1 + x e^t): generated from
    derivations/network.py (``rgflow._network_equations.logistic_derivatives``)."""
    from . import _network_equations as neq

    return list(neq.logistic_derivatives(L))[:n]


def _saddle_limit(model):
    """t̂ maximizing φ(t) = ½(t − L e^{t/L}) − ½ r Σ y²/(1 + x e^t) (mean-field, N → ∞): located by the
    scan of :meth:`_Posterior.mode`, then the root of φ'(t) = ½(1 − e^{t/L}) + ½ r Σ y² L_k(1 − L_k) by brentq."""
    from scipy.optimize import brentq

    post = _Posterior(model, limit=True)
    t0, lo, hi = post.mode()
    L, r = model.depth, model.r
    xs, y2, w = post.xs, post.y2, (1.0 if post.w is None else post.w)

    def dphi(t):
        q = xs * math.exp(t)
        lk = q / (1.0 + q) / (1.0 + q)  # L_k(1 − L_k)
        return 0.5 * (1.0 - math.exp(t / L)) + 0.5 * r * float(np.sum(w * y2 * lk))

    h = max(1e-6, 1e-3 * post.width_t)
    a, b = t0 - h, t0 + h
    for _ in range(60):
        if dphi(a) > 0 > dphi(b):
            return brentq(dphi, a, b, xtol=1e-15, rtol=1e-15)
        a, b = max(lo, a - 2 * h), min(hi, b + 2 * h)
        h *= 2
    return t0


def pt1_moments(model):
    """First order in 1/N: the Laplace expansion of the mixture around the N → ∞ saddle t̂.

    With the weight e^{Nφ(t) + ψ(t)}, A = −φ₂ (φ_j the j-th derivative at t̂) and a mode function h,
    ⟨h⟩ = h + [h₂/(2A) + h₁ψ₁/A + h₁φ₃/(2A²)]/N and Var_t h = h₁²/(NA) (derivations/network.py).
    Standard: φ = ½(t − L e^{t/L} + L), t̂ = 0 and ψ = −(L−1)t/(2L) + D(t); mean-field:
    φ = ½(t − L e^{t/L} + L) − ½ r Σ y²/(1 + x e^t) and ψ = −(L−1)t/(2L) − ½ Σ ln(1 + x e^t).
    """
    check_network(model, "pt1 for networks")
    N, L = model.width, model.depth
    standard = model.parameterization == "standard"
    t_hat = 0.0 if standard else _saddle_limit(model)
    lam, y = model.eigenvalues(), model.target()
    x = model.r * lam * math.exp(t_hat)
    Lk = x / (1.0 + x)
    lq = Lk * (1.0 - Lk)
    d1, d2, d3 = _logistic_derivatives(Lk, 3)
    y2 = y * y
    T = [float(np.sum(y2 * lq * d)) for d in (d1, d2, d3)]  # Σ y² dʲL/dtʲ, j = 1..3
    r = model.r
    ez = math.exp(t_hat / L)
    phi2, phi3 = -ez / (2.0 * L), -ez / (2.0 * L * L)
    psi1 = -(L - 1) / (2.0 * L) - 0.5 * float(np.sum(Lk))
    if standard:
        psi1 += 0.5 * r * T[0]  # the data fit is O(1): it belongs to ψ
    else:
        phi2 += 0.5 * r * T[1]
        phi3 += 0.5 * r * T[2]
    A = -phi2
    if not A > 0:
        raise FloatingPointError(f"pt1 for networks: the N → ∞ saddle is not a maximum (curvature {A:.3g})")

    from . import _network_equations as neq

    def corr(h1, h2):  # the O(1/N) term of the Laplace expansion (generated)
        return neq.laplace_correction(h1, h2, A, psi1, phi3, N)

    h, h1, h2 = 1.0 - Lk, -lq, -lq * d2  # 1/(1 + x e^t) and its t-derivatives
    e = math.exp(t_hat)
    k0, k1, k2 = e * (1.0 - Lk), e * (1.0 - Lk) ** 2, e * (1.0 - Lk) ** 2 * d2  # e^t/(1 + x e^t)
    mean = y * (h + corr(h1, h2))
    if standard:
        var = lam * (k0 + corr(k1, k2)) + y2 * neq.laplace_variance(h1, A, N)
    else:
        var = (lam * k0) / N + y2 * neq.laplace_variance(h1, A, N)
    return mean, var, {"t_hat": t_hat, "curvature": A, "max_correction": float(np.max(np.abs(corr(h1, h2) / h)))}


def _shell_derivatives(xe, y2, nu_r, order):
    """(modes, order): ∂ⁿ_t D_q at the background, D_q = −½[ln(1 + x_q e^t) + ν r y_q²/(1 + x_q e^t)], as
    polynomials in the learnability L_q generated from derivations/network.py (``shell_derivatives``)."""
    from . import _network_equations as neq

    Lq = xe / (1.0 + xe)
    cols = neq.shell_derivatives(Lq, nu_r * y2)[:order]
    return np.stack([np.broadcast_to(c, Lq.shape) for c in cols], axis=1)


def running_couplings(model, k, *, t0=None, order=5):
    """The running couplings of the network's RG at cutoffs k: g_n(k) = Σ_{q > k} ∂ⁿ_t D_q(t0), n = 1..order.

    Integrating out the modes q > k multiplies the weight of t = ln z by Π_q E_q(t); around the
    background t0 its logarithm is Σ_n g_n (t − t0)ⁿ/n!, with (derivations/network.py)
    ∂ⁿ D_q = −½ [∂ⁿ ln(1 + x_q e^t) − ν r y_q² ∂ⁿ L_q],  ∂ ln(1 + x e^t) = L_q,  L_q = x_q e^t/(1 + x_q e^t).
    ``t0`` defaults to the exact posterior mode. Returns (t0, array of shape (len(k), order)).
    """
    check_network(model, "running_couplings")
    if t0 is None:
        t0 = _Posterior(model).mode()[0]
    ks = np.atleast_1d(np.asarray(k))
    if not np.all(np.isfinite(ks)) or np.any(ks < 0) or np.any(ks != np.round(ks)):
        raise ValueError(f"k must hold integers in [0, {model.cutoff}], got {k!r}")
    ks = ks.astype(int)
    lam, y = model.eigenvalues(), model.target()
    _, _, _, nu = _couplings(model)
    terms = _shell_derivatives(model.r * lam * math.exp(t0), y * y, nu * model.r, order)
    tail = np.vstack([np.cumsum(terms[::-1], axis=0)[::-1], np.zeros((1, order))])  # Σ_{q > k}
    return t0, tail[np.clip(ks, 0, model.cutoff)]


def network_rg_moments(model, *, rho: float = 0.25, min_kept: int = 16, rtol: float = 1e-11):
    """The Wilsonian RG of the network: the modes above k* integrated out into running couplings.

    The shells q > k* enter the weight of t as Σ_{n≤3} g_n (t − t*)ⁿ/n! (:func:`running_couplings`,
    around the posterior mode t*); k* is the last mode whose expansion ratio X/√(s_q² + π²)
    (X: half-width of the weight, s_q = ln(x_q e^{t*}): the nearest singularity of D_q in t lies
    √(s_q² + π²) away) exceeds ``rho``. The kept theory (prior and modes k ≤ k*) is integrated
    exactly and every mode is read with its statistics. ``info["error_estimate"]``: 3 × the
    first-order effect of the neglected g₄, g₅ terms on the worst mode's mean, plus 10 ``rtol``
    (``var_error_estimate`` likewise for the variances).
    """
    check_network(model, "rg for networks")
    rho = check_real("rho", rho, low=0.0, high=1.0, low_open=True)
    full = _Posterior(model)
    t_star, lo, hi = full.mode()
    X = max(hi - t_star, t_star - lo)
    lam, y = model.eigenvalues(), model.target()
    xe = model.r * lam * math.exp(t_star)
    ratio = X / np.sqrt(np.log(xe) ** 2 + math.pi**2)
    n = model.cutoff
    above = np.flatnonzero(ratio > rho)
    k_star = int(min(n, max(min_kept, above[-1] + 1 if above.size else 0)))
    # the shells q > k*: one by one, or the compressed nodes of the sums beyond k* (explicit up to 4096)
    if full.w is None or k_star >= 4096:
        xs_s, y2_s, w_s = model.r * lam[k_star:], (y * y)[k_star:], None
    else:
        xs_s, y2_s, w_s = full.xs[k_star:], full.y2[k_star:], full.w[k_star:]
    xs_k, y2_k = model.r * lam[:k_star], (y * y)[:k_star]
    terms = _shell_derivatives(xs_s * math.exp(t_star), y2_s, full.nu * model.r, 5)
    gs = terms.sum(axis=0) if w_s is None else w_s @ terms
    # the polynomial holds where the expansion does: on the full weight's range [lo, hi] (beyond it < e^-40)
    kept = _Posterior(model, xs=xs_k, y2=y2_k, w=None, poly=(t_star, list(gs[:3])), bounds=(lo, hi))

    def perturb(d):
        return gs[3] * d**4 / 24.0 + gs[4] * d**5 / 120.0

    ts, funcs, rho_k, info = _mode_functions(model, kept, rtol, perturb=perturb)
    mean, var = _assemble(model, ts, funcs["F"], funcs["V"], kept.g)
    c = 1.0 / (1.0 + model.r * lam * math.exp(ts))
    dmean = np.abs(rho_k * funcs["dF"]) / np.abs(1.0 - rho_k * funcs["F"])
    dvar = np.abs(kept.g * lam * math.exp(ts) * c * c * funcs["dF"] + (y * c * rho_k) ** 2 * funcs["dV"]) / var
    info.update(
        {
            "error_estimate": 3.0 * float(np.max(dmean)) + 10.0 * rtol,
            "var_error_estimate": 3.0 * float(np.max(dvar)) + 10.0 * rtol,
            "k_star": k_star,
            "t_star": ts,
            "g1": float(gs[0]),
            "g2": float(gs[1]),
            "g3": float(gs[2]),
        }
    )
    return mean, var, info


# --- hyperparameter transfer ---------------------------------------------------------------------


def _weight_of_u(model, u, u_ref):
    """ln of the weight of u = ln(r z) over all the modes of ``model``, relative to u_ref: the prior
    of t = u − ln r times the evidence of every mode (those above the other system's cutoff are
    thereby integrated out exactly)."""
    _, L, _, nu = _couplings(model)
    r = model.r
    lam, y = model.eigenvalues(), model.target()
    t, t_ref = u - math.log(r), u_ref - math.log(r)
    return log_prior(t, model.width, L, t_ref=t_ref) + _log_evidence(t, t_ref, r * lam, y * y, None, nu * r)


def _slope_curvature(fn, u, h):
    """(W'(u), W''(u)) of the weight by central differences (weights relative to W(u))."""
    w = fn(np.array([u - 2 * h, u - h, u + h, u + 2 * h]), u)
    d1 = (w[0] - 8 * w[1] + 8 * w[2] - w[3]) / (12 * h)
    d2 = (-w[0] + 16 * w[1] + 16 * w[2] - w[3]) / (12 * h * h)  # W(u) = 0 by construction
    return d1, d2


def network_transfer(model: Model, P_new: int):
    """The network at P' on the source's RG trajectory: (κ̃, Ñ) such that its modes k ≤ min(P, P')
    see the same weight of u = ln(r z) as the source's (docs/networks.md).

    The source's modes above P' (P' < P), or the new network's modes above P (P' > P), are
    integrated out exactly: their evidence multiplies the weight of u. The transferred network
    matches the mode and the curvature of that weight at the source's mode u*: two equations for
    (ln r̃, ln Ñ) (r̃ = P'/κ̃), solved by scipy's root finder; Ñ is then rounded to an integer ≥ 1 and
    r̃ solved again for the mode alone. Returns (new Model, info) with info ``width_continuous``.
    """
    from scipy.optimize import brentq, root

    check_network(model, "network transfer")
    P = model.P
    if model.cutoff != model.P:
        raise ValueError(
            f"model.cutoff must equal model.P for a transfer (Λ = P), got cutoff={model.cutoff} and P={model.P}"
        )
    post = _Posterior(model)
    u_star = post.mode()[0] + math.log(model.r)
    h = 1e-3 * min(1.0, max(post.width_t, 1e-6))
    s1, c1 = _slope_curvature(lambda u, ur: _weight_of_u(model, u, ur), u_star, h)

    def new_model(ln_r, ln_N):
        # the root finder may step far: keep the width in [½, WIDTH_MAX] and the mass within e^±300
        width = float(math.exp(min(max(ln_N, -math.log(2.0)), math.log(WIDTH_MAX))))
        kappa = P_new / math.exp(min(max(ln_r, -300.0), 300.0))
        return _RealWidth(model.replace(P=P_new, cutoff=P_new, kappa=kappa), width)

    def mismatch(p):
        m3 = new_model(*p)
        s3, c3 = _slope_curvature(lambda u, ur: _weight_of_u(m3, u, ur), u_star, h)
        return [s3 - s1, (c3 - c1) / abs(c1)]

    x0 = [math.log(model.r * P_new / P), math.log(model.width)]
    with np.errstate(all="ignore"):
        try:
            sol = root(mismatch, x0, method="hybr", options={"xtol": 1e-12})
            ok = bool(sol.success) and bool(np.all(np.isfinite(sol.x)))
        except (ConvergenceError, FloatingPointError, ValueError, OverflowError):
            ok = False
    ln_r, ln_N = sol.x if ok else x0  # failing the curvature match, the width is kept
    width = max(1, int(round(math.exp(ln_N))))

    def slope(ln_r_):
        m3 = _RealWidth(model.replace(P=P_new, cutoff=P_new, kappa=P_new / math.exp(ln_r_)), width)
        return _slope_curvature(lambda u, ur: _weight_of_u(m3, u, ur), u_star, h)[0] - s1

    lo, hi = ln_r - 1.0, ln_r + 1.0
    for _ in range(40):
        if slope(lo) * slope(hi) < 0:
            break
        lo, hi = lo - 1.0, hi + 1.0
    else:
        raise ValueError(f"no network at P'={P_new} of width {width} matches the source's weight (transfer failed)")
    ln_r = brentq(slope, lo, hi, xtol=1e-13)
    new = model.replace(P=P_new, cutoff=P_new, kappa=P_new / math.exp(ln_r), width=width)
    return new, {"width_continuous": float(math.exp(ln_N)), "converged": ok}


class _RealWidth:
    """A model view with a real (non-integer) width, for the transfer's root finding only."""

    def __init__(self, model, width):
        self._m, self.width = model, width

    def __getattr__(self, name):
        return getattr(self._m, name)

    @property
    def network(self):
        return True

"""Finite-width networks on real data: the exact posterior-mean predictor per draw, and its theories.

The network of docs/networks_real.md: given its hidden weights it is the GP with kernel Q·K,
Q = g z, z = e^t = Π_{l=1..L} q_l, q_l ~ χ²_N/N, trained at temperature T (standard: g = 1, T = κ;
mean-field: g = 1/N, T = κ/N; in both g/T = 1/κ). For P training points X with K_XX = V diag(μ) Vᵀ
and ỹ = Vᵀ Y, exactly (docs/networks_real.md)

    ln p(t | Y) = ln f_L(t) − ½ Σ_i [ ln(1 + x_i e^t) + ν ỹ_i²/(κ (1 + x_i e^t)) ] + const,   x_i = μ_i/κ,
    f̂(x) = E_{t|Y}[ Q K(x, X)(Q K_XX + T)⁻¹ Y ] = K(x, X) V diag(c) ỹ,   c_i = E_{t|Y}[ 1/(κ e^{−t} + μ_i) ],

with ν = 1 (standard) or ν = N (mean-field): the predictor is KernelRidge at the ridge κ/z averaged
over the posterior of z. Its test error is the mean of (f̂ − f)² over the population.

Theories (from the spectrum λ_k, y_k of the N population points; ``ridge`` = renormalized or bare;
``pointwise`` from the Gram matrix). With K(κ') the effective ridge of eigenlearning at ridge κ'
(K = κ'/P for the bare ridge), the typical evidence of one draw is

    E ln det(K_XX + κ') = Σ_k ln(1 + λ_k/K) + P ln(PK) + κ'/K − P,    E Yᵀ(K_XX + κ')⁻¹Y = Σ_k y_k²/(λ_k + K) (+ ε²/K),

so p(t) ∝ f_L(t) exp(−½[P t + F(κe^{−t}) + ν e^{−t} h(κe^{−t})]) (derivations/network_real.py), and since
the predictor averages KRR over t, its error is the double average of the cross error of KRR at two
ridges on the same draw,

    E_test = ∫∫ p(t) p(t') E₁₂(κe^{−t}, κe^{−t'}),   E₁₂ = [Σ_k (1 − L_k¹)(1 − L_k²) y_k² + ε²] / (1 − Σ_k L_k¹L_k²/P),

= E_t[E(t, t)] − ½ E_{t,t'}[E(t,t) + E(t',t') − 2E(t,t')]: the mean of the errors at the ridges κ/z,
less what the spread of z averages out. ``pointwise`` takes the leverage-aware typical evidence
(:func:`pointwise_evidence`: F and h from the per-point weights w_i of :func:`rgflow.ridge.pointwise_errors`) for
p(t) and the cross error of one renormalized ridge per data point at two ridges, and gives each draw its own
posterior (``quenched``, :func:`_draw_average`): to first order in which points a draw holds, its ln det and
Yᵀ(K_XX + κ')⁻¹Y shift its posterior of t, and the shift is correlated with its cross error.
"""

from __future__ import annotations

import contextlib
import math
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from .model import DEPTH_MAX, PARAMETERIZATIONS, WIDTH_MAX, check_int, check_real
from .scalar import ConvergenceError, trapezoid

__all__ = [
    "NetworkTheory",
    "check_network_spec",
    "cross_error",
    "draw_posterior",
    "network_predictor",
    "network_test_error",
    "network_theory",
    "noise_cross_error",
    "pointwise_cross_error",
    "pointwise_evidence",
]

_RTOL = 1e-10  # the quadrature of one draw: every coefficient c_i to this (relative)
_GAUSS = 24  # nodes of the Gauss rule of the theory's posterior of t
_GAUSS_POINTWISE = 8


def check_network_spec(width, depth=1, parameterization="standard") -> tuple:
    """(N, L, parameterization) checked: width an integer in [1, 10^12], depth in [1, 64], parameterization
    one of standard, mean-field; ValueError naming the parameter otherwise."""
    N = check_int("width", width, high=WIDTH_MAX)
    L = check_int("depth", depth, high=DEPTH_MAX)
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be one of {', '.join(PARAMETERIZATIONS)}, got {parameterization!r}")
    return N, L, parameterization


def _nu(N, parameterization):
    """ν, the weight of the data's misfit: 1 (standard) or N (mean-field)."""
    return 1.0 if parameterization == "standard" else float(N)


class _PriorCache:
    """ln f_L(t) at nodes on dyadic lattices (the trapezoid's nodes are exact floats there), computed once
    per (N, L) and reused across draws: the Mellin inversion is the costly part for L ≥ 2."""

    def __init__(self, N, L):
        self.N, self.L, self.values = N, L, {}

    def __call__(self, t, t_ref):
        from .network import log_prior

        if self.L == 1:  # closed form, relative to t_ref without cancellation
            return log_prior(t, self.N, 1, t_ref=t_ref)
        keys = [float(v) for v in np.concatenate([t, [t_ref]])]
        missing = sorted({k for k in keys if k not in self.values})
        if missing:
            for k, v in zip(missing, log_prior(np.array(missing), self.N, self.L)):
                self.values[k] = float(v)
        out = np.array([self.values[k] for k in keys])
        return out[:-1] - out[-1]


_SADDLE_POSTERIOR = []


def _saddle_posterior_class():
    """rgflow.network's posterior of t, located (mode, range above e^-40) with the saddle-point prior
    (relative error O(1/N) in the density: it only places the quadrature's range); the quadrature itself
    uses the exact prior."""
    if not _SADDLE_POSTERIOR:
        from .network import _Posterior

        class _SaddlePosterior(_Posterior):
            def log_weight(self, t, t_ref, saddle=False, coarse=False):
                return super().log_weight(t, t_ref, saddle=True, coarse=coarse)

        _SADDLE_POSTERIOR.append(_SaddlePosterior)
    return _SADDLE_POSTERIOR[0]


def draw_posterior(mu, yt, kappa, width, depth=1, parameterization="standard", *, rtol=_RTOL, prior=None):
    """The exact posterior of t = ln z for one draw and the predictor's coefficients.

    Parameters
    ----------
    mu : eigenvalues μ_i of K_XX (negative round-off is clipped to 0);  yt : ỹ = Vᵀ Y
    kappa : the ridge κ (T = κ standard, κ/N mean-field; g/T = 1/κ);  width, depth, parameterization : the network
    prior : a cache of ln f_L (internal; built when None)

    Returns
    -------
    (c, info): c_i = E_{t|Y}[1/(κ e^{−t} + μ_i)] and info with ``t_star`` (posterior mode of t), ``z_mean``
    (E z), ``t_mean``, ``t_sd``, ``nodes`` and ``error`` (last relative change of c).
    Raises ConvergenceError if the step-halving trapezoid does not reach ``rtol``.
    """
    from .network import _log_evidence

    N, L, par = check_network_spec(width, depth, parameterization)
    mu = np.clip(np.asarray(mu, dtype=float), 0.0, None)
    y2 = np.asarray(yt, dtype=float) ** 2
    xs = mu / kappa
    nu_r = _nu(N, par) / kappa
    fake = SimpleNamespace(width=N, depth=L, parameterization=par, r=1.0 / kappa)
    post = _saddle_posterior_class()(fake, xs=xs, y2=y2, w=None)
    t_star, lo, hi = post.mode()
    prior = _PriorCache(N, L) if prior is None else prior
    h = max(min(post.width_t / 2.0, (hi - lo) / 16.0), (hi - lo) / 4096.0)
    h = 2.0 ** math.floor(math.log2(h))  # a dyadic step and ends: the nodes repeat across draws
    lo, hi = math.floor(lo / h) * h, math.ceil(hi / h) * h
    prev = []

    def accumulate(ts, cw):
        lw = prior(ts, t_star) + _log_evidence(ts, t_star, xs, y2, None, nu_r)
        wgt = np.exp(lw) * cw
        s = 1.0 / (kappa * np.exp(-ts)[:, None] + mu[None, :])  # (nodes, modes)
        d = ts - t_star
        return [np.array([wgt.sum(), wgt @ np.exp(ts), wgt @ d, wgt @ (d * d)]), wgt @ s]

    def done(sums, level, nodes):
        Z = sums[0][0]
        if not (np.isfinite(Z) and Z > 0):
            raise ConvergenceError("the posterior of the network's scale has no weight on its range")
        c = sums[1] / Z
        err = math.inf
        if prev:
            err = float(np.max(np.abs(c - prev[0]) / np.abs(c), initial=0.0))
        prev[:] = [c]
        if err <= rtol and level >= 2:
            return c, err, sums[0] / Z
        return None

    (c, err, mom), nodes = trapezoid(
        accumulate, lo, hi, h, done, max_halvings=14, what="the quadrature of the network's scale (one draw)"
    )
    if not np.all(np.isfinite(c)):
        raise ConvergenceError("the network's predictor coefficients are not finite")
    t_mean = t_star + mom[2]
    info = {
        "t_star": t_star,
        "z_mean": float(mom[1]),
        "t_mean": float(t_mean),
        "t_sd": float(math.sqrt(max(mom[3] - mom[2] ** 2, 0.0))),
        "nodes": nodes,
        "error": err,
    }
    return c, info


def network_predictor(K_test, K_train, Y, kappa, width, depth=1, parameterization="standard", *, prior=None):
    """f̂ on the test points: E_{t|Y}[Q K(·, X)(Q K_XX + T)⁻¹ Y] = K(·, X) V diag(c) Vᵀ Y (:func:`draw_posterior`).

    ``K_test`` (n × P) holds K(x, X) for the test points, ``K_train`` the P × P Gram matrix K_XX, ``Y`` the
    training targets. Returns (f̂, info)."""
    mu, V = np.linalg.eigh((K_train + K_train.T) / 2.0)
    yt = V.T @ Y
    c, info = draw_posterior(mu, yt, kappa, width, depth, parameterization, prior=prior)
    return K_test @ (V @ (c * yt)), info


def network_test_error(
    K,
    f,
    P,
    kappa,
    width,
    depth=1,
    parameterization="standard",
    *,
    draws=None,
    seed=0,
    rel_se=0.02,
    min_draws=40,
    max_draws=4000,
    noise=0.0,
) -> dict:
    """The exact finite-width network on P points drawn without replacement from the N points of the Gram
    matrix K: test error (1/N) Σ_i (f̂(x_i) − f_i)² over the whole data set, averaged over draws with the
    stopping rule of :func:`rgflow.krr.krr_test_error` (the same draws of X for the same seed and P).
    ``noise`` σ² > 0: the network is trained on the labels f_i + σ ξ_i (ξ_i ~ N(0, 1) per training point and
    draw, after the points from the same stream: the labels of :func:`rgflow.krr.krr_test_error`), so the
    posterior of z and the predictor E_z[K(·, X)(K_XX + κ/z)⁻¹ (f_X + σξ)] see the noisy labels; the test
    error is against the clean f.

    Returns mean, stderr, draws and ``z_mean`` (the posterior mean of z averaged over the draws)."""
    from ._draws import sample_draws

    N = len(f)
    P = check_int("P", P)
    if P > N:
        raise ValueError(f"P must be an integer in [1, N = {N}], got {P}")
    kappa = check_real("kappa", kappa, low=0, low_open=True)
    Nw, L, par = check_network_spec(width, depth, parameterization)
    sigma = math.sqrt(check_real("noise", noise, low=0.0))
    prior = _PriorCache(Nw, L)
    zs = []

    def one(rng):
        idx = rng.choice(N, P, replace=False)
        labels = f[idx] + sigma * rng.standard_normal(P) if sigma else f[idx]
        fh, info = network_predictor(K[:, idx], K[np.ix_(idx, idx)], labels, kappa, Nw, L, par, prior=prior)
        zs.append(info["z_mean"])
        return float(np.mean((fh - f) ** 2))

    out = sample_draws(one, seed, P, draws=draws, rel_se=rel_se, min_draws=min_draws, max_draws=max_draws)
    out["z_mean"] = float(np.mean(zs))
    return out


# ------------------------------------------------------------------------------------------ the theories


def _effective_ridges(lam, P, kappas, ridge):
    from .ridge import renormalized_ridge

    if ridge == "bare":
        return np.asarray(kappas) / P
    return np.array([_renormalized(lam, P, k, renormalized_ridge) for k in kappas])


def _renormalized(lam, P, kappa, solver):
    """K(κ'), also far out in the tails of the posterior of t, where κ'/P ≫ Σλ and Brent's bracket in
    rgflow.ridge loses its sign: there the map D ← (1/P) Σ_k λ_k K/(λ_k + K), K = κ'/P + D, contracts by ≤ Σλ/(PK)."""
    try:
        return solver(lam, P, kappa)
    except (ValueError, FloatingPointError):
        k0 = kappa / P
        if not (np.isfinite(k0) and k0 > 10.0 * lam.sum() / P):
            raise
        D = 0.0
        for _ in range(200):
            K = k0 + D
            D_new = float(np.sum(lam * (K / (lam + K)))) / P
            if abs(D_new - D) <= 1e-15 * K:
                return k0 + D_new
            D = D_new
        raise FloatingPointError(f"the renormalized ridge at κ' = {kappa!r} did not converge") from None


def _evidence_terms(lam, y2, residual, P, kappa_p, Keff):
    """F(κ') = E ln det(K_XX + κ') and h(κ') = E Yᵀ(K_XX + κ')⁻¹Y at the effective ridges (arrays over κ')."""
    F = np.array([np.sum(np.log1p(lam / K)) for K in Keff]) + P * np.log(P * Keff) + kappa_p / Keff - P
    h = np.array([np.sum(y2 / (lam + K)) for K in Keff]) + residual / Keff
    return F, h


def _gauss_rule(t, w, m):
    """m-point Gauss rule (nodes, weights) of the discrete measure Σ_j w_j δ(t − t_j) (Stieltjes procedure)."""
    w = w / w.sum()
    m = min(m, int(np.count_nonzero(w > 1e-300)))
    shift, scale = float(w @ t), max(float(np.sqrt(w @ (t - w @ t) ** 2)), 1e-300)
    u = (t - shift) / scale
    a, b = np.zeros(m), np.zeros(m)
    p_prev, p = np.zeros_like(u), np.ones_like(u)
    for k in range(m):
        norm = float(w @ (p * p))
        a[k] = float(w @ (u * p * p)) / norm
        if k + 1 < m:
            p_next = (u - a[k]) * p - (b[k] if k else 0.0) * p_prev
            b[k + 1] = float(w @ (p_next * p_next)) / norm
            p_prev, p = p, p_next
            s = math.sqrt(float(w @ (p * p)))
            p, p_prev = p / s, p_prev / s
    J = np.diag(a) + np.diag(np.sqrt(b[1:]), 1) + np.diag(np.sqrt(b[1:]), -1)
    nodes, vec = np.linalg.eigh(J)
    return shift + scale * nodes, vec[0] ** 2


def _theory_posterior(lam, y2, residual, P, kappa, N, L, par, ridge, n_grid=241, correction=None):
    """The typical posterior of t on a grid over where it is above e^-40 of its peak: (t, weights).

    ``correction``: None, or a callable t ↦ added log weight (the leverage-aware evidence of ``pointwise`` minus
    the renormalized one, :func:`_pointwise_posterior`)."""
    from .network import log_prior

    nu = _nu(N, par)
    sd = math.sqrt(2.0 * L / N)

    def logw(t):
        kp = kappa * np.exp(-t)
        Keff = _effective_ridges(lam, P, kp, ridge)
        F, h = _evidence_terms(lam, y2, residual, P, kp, Keff)
        out = log_prior(t, N, L, t_ref=0.0) - 0.5 * (P * t + F + nu * np.exp(-t) * h)
        return out if correction is None else out + correction(t)

    lo, hi = -max(12.0 * sd, 1e-9), max(12.0 * sd, 1e-9)
    for _ in range(60):  # widen until both ends are below e^-40 of the peak
        t = np.linspace(lo, hi, 81)
        lw = logw(t)
        j = int(np.argmax(lw))
        if j in (0, len(t) - 1):
            span = hi - lo
            lo, hi = (lo - span, hi) if j == 0 else (lo, hi + span)
            continue
        keep = np.flatnonzero(lw > lw[j] - 40.0)
        a, b = keep[0], keep[-1]
        if a == 0 or b == len(t) - 1:
            span = hi - lo
            lo, hi = (lo - span if a == 0 else lo), (hi + span if b == len(t) - 1 else hi)
            continue
        if b - a < 20:  # zoom onto the peak
            lo, hi = t[max(a - 1, 0)], t[min(b + 1, len(t) - 1)]
            continue
        lo, hi = t[a - 1], t[b + 1]
        break
    else:
        raise ConvergenceError("the typical posterior of the network's scale was not bracketed")
    t = np.linspace(lo, hi, n_grid)
    lw = logw(t)
    return t, np.exp(lw - lw.max())


def pointwise_evidence(K, f, P, kappa_p, noise=0.0, *, replace=False) -> tuple:
    """The leverage-aware typical evidence of one draw of P of the N points: (F, h) ≈ (E ln det(K_XX + κ'),
    E Yᵀ(K_XX + κ')⁻¹Y), with the weights ω_i, residual factors w_i and residuals ρ_i of
    :func:`rgflow.ridge.pointwise_errors` at the ridge κ' (K₀ = κ'/P, S = diag(√ω), p = P/N):

        F = ln det(I + S K S/(N K₀)) + P ln κ' − Σ_i [p ln ω_i + (1 − p) ln((1 − p ω_i)/(1 − p))],
        h = (P/(κ' N)) Σ_i f_i ω_i ρ_i  (+ σ² (1/N) Σ_i w_i/K₀ with label noise σ²),

    draws without replacement (exact at P = N: ln det(K + κ') and fᵀ(K + κ')⁻¹f). F is stationary in ω exactly
    at the pointwise fixed point, so dF/dκ' = (1/N) Σ_i w_i/K₀, the equivalent of tr(K_XX + κ')⁻¹; h sums the
    training residuals w_i r_i^cav against the target over the drawn points. ``replace=True`` (i.i.d. draws)
    is the limit p → 0 at fixed P/N in the sum, Σ_i → (P/N) Σ_i (ω_i − 1 − ln ω_i), and with equal leverages F and
    h are then the renormalized F and h of eigenlearning (derivations/network_real.py, ``pointwise_evidence``)."""
    from .ridge import _check_P_kappa, _population_fraction, check_gram, check_target_values

    K = check_gram(K, 6000, limit="max_points")
    f = check_target_values(f, K.shape[0])
    P, kappa_p = _check_P_kappa(P, kappa_p)
    p = _population_fraction(P, K.shape[0], replace)
    (st,) = _fixed_points((K + K.T) / 2.0, f, P, [kappa_p], p)
    return _evidence(st, f, P, kappa_p, check_real("noise", noise, low=0.0), p)


def _fixed_points(K, f, P, kappas, p) -> list:
    """The pointwise fixed points (rgflow.ridge._pointwise_fixed_point) at each ridge of ``kappas``, in their
    order, on a checked symmetric K; Newton runs along ascending ridges, each started from its neighbour's weights."""
    from .ridge import _pointwise_fixed_point

    kappas = np.atleast_1d(np.asarray(kappas, dtype=float))
    states, w0 = [None] * len(kappas), None
    for j in np.argsort(kappas):
        states[j] = _pointwise_fixed_point(K, f, P, float(kappas[j]), p=p, w0=w0)
        w0 = states[j].omega
    return states


def _evidence(st, f, P, kappa_p, noise, p) -> tuple:
    """(F, h) of :func:`pointwise_evidence` from the fixed point ``st`` at the ridge κ'."""
    N = len(f)
    K0 = kappa_p / P
    om = st.omega
    if p == 0.0:
        g = (P / N) * float(np.sum(om - 1.0 - np.log(om)))
    elif p < 1.0:
        g = -float(np.sum(p * np.log(om) + (1.0 - p) * (np.log1p(-p * om) - math.log1p(-p))))
    else:  # every point drawn: ω ≡ 1
        g = 0.0
    F = st.logdet - N * math.log(K0) + g + P * math.log(kappa_p)
    h = P / (kappa_p * N) * float(np.sum(f * om * st.rho))
    if noise:  # labels f + σξ: E_ξ gains σ² tr(K_XX + κ')⁻¹, whose equivalent is dF/dκ' = (1/N) Σ_i w_i/K₀
        h += noise * float(np.mean(st.w)) / K0
    return F, h


_CHEB = 9  # Chebyshev nodes of the pointwise evidence's correction in t


def _pointwise_posterior(lam, y2, residual, P, kappa, N, L, par, K, f, noise=0.0):
    """The typical posterior of t with the leverage-aware evidence (:func:`pointwise_evidence`): the renormalized
    log weight plus the correction Δ(t) = −½[F_pw − F + ν e^{−t}(h_pw − h)], Δ interpolated by a Chebyshev
    polynomial on 9 nodes over the posterior's range (refitted until the posterior lies inside it)."""
    nu = _nu(N, par)
    t, w = _theory_posterior(lam, y2, residual, P, kappa, N, L, par, "renormalized")
    correction = None
    for it in range(8):
        keep = t[w > 1e-12 * w.max()]
        a, b = float(keep[0]), float(keep[-1])
        if correction is not None and a >= correction.lo and b <= correction.hi:
            return t, w
        c, half = 0.5 * (a + b), max(0.75 * (b - a), 0.25)
        if correction is not None:  # cover the previous range too: the posterior moved
            a2, b2 = min(a, correction.lo), max(b, correction.hi)
            if it >= 4:  # it keeps leaving the range (its edge follows the clamped interpolant): reach past it
                m = max(b - a, 0.25)
                a2, b2 = min(a - m, correction.lo), max(b + m, correction.hi)
            c, half = 0.5 * (a2 + b2), max(0.5 * (b2 - a2) * 1.1, half)
        lo, hi = c - half, c + half
        nodes = c + half * np.cos(np.pi * (np.arange(_CHEB) + 0.5) / _CHEB)
        kp = kappa * np.exp(-nodes)
        Keff = _effective_ridges(lam, P, kp, "renormalized")
        F, h = _evidence_terms(lam, y2, residual, P, kp, Keff)
        p = P / K.shape[0]
        pw = np.array([_evidence(st, f, P, k, noise, p) for st, k in zip(_fixed_points(K, f, P, kp, p), kp)])
        delta = -0.5 * ((pw[:, 0] - F) + nu * np.exp(-nodes) * (pw[:, 1] - h))
        coef = np.polynomial.chebyshev.chebfit((nodes - c) / half, delta, _CHEB - 1)

        def correction(tt, c=c, half=half, coef=coef):
            return np.polynomial.chebyshev.chebval(np.clip((np.asarray(tt) - c) / half, -1.0, 1.0), coef)

        correction.lo, correction.hi = lo, hi
        t, w = _theory_posterior(lam, y2, residual, P, kappa, N, L, par, "renormalized", correction=correction)
    raise ConvergenceError("the pointwise posterior of the network's scale moved out of its interpolation range")


_HERMITE = 9  # Gauss–Hermite nodes per fluctuation component of the draws (_draw_average)
_COMPONENTS = 2  # leading components of the draws' log-weight fluctuation kept


def _cardinal(nodes, x) -> np.ndarray:
    """The cardinal cubic splines (not-a-knot) of ``nodes`` at the points x, held constant beyond the outer nodes:
    (len(x), len(nodes)), so that g(x) ≈ basis @ g(nodes). The interpolated a_i(t), E₁₂ and β are bounded in t, and
    the nodes of a wide posterior are unevenly spread (a polynomial through them swings between the outer ones)."""
    from scipy.interpolate import CubicSpline

    if len(nodes) == 1:
        return np.ones((len(x), 1))
    return CubicSpline(nodes, np.eye(len(nodes)), axis=0)(np.clip(x, nodes[0], nodes[-1]))


def _draw_response(states, cavity, kappa, nu, noise) -> np.ndarray:
    """a_i at the states' ridges κ' = κe^{−t} (N × m, centred over i): what drawing point i adds to one draw's log
    weight of t, −½[Δ ln det + ν e^{−t} ΔYᵀ(K_XX + κ')⁻¹Y] = −½[−ln w_i + (ν/κ)(E_i + σ²) w_i], from the rank-one
    update of K_XX + κ' by a point with cavity residual r_i and variance v_i (1/(κ' + v_i) = w_i/κ', E[r_i²] = E_i,
    the cavity moments), less its mean over i (every draw holds P points)."""
    a = np.array(
        [0.5 * np.log(st.w) - 0.5 * (nu / kappa) * (cavity[j, j] + noise) * st.w for j, st in enumerate(states)]
    )
    return (a - a.mean(axis=1, keepdims=True)).T


def _draw_components(a, p, wn):
    """The leading components of A(t) = Σ_i ξ_i a_i(t) where the posterior has its weight: ξ_i = s_i − p the draw
    indicators (Cov(s_i, s_j) = c₀(δ_ij − 1/N), c₀ = p(1 − p) N/(N − 1)), A centred under the posterior (a shift of
    the log weight does not move it) and weighted by √wn at the nodes; Z_k = Σ_i ξ_i ℓ_ik standard normal. Returns
    (G, c₀ℓ): E[A | Z] = G Z at the nodes (a regression, bounded where the posterior has no weight) and the
    loadings that give E[Σ_i ξ_i b_i | Z] = Σ_k Z_k (b · c₀ℓ_k)."""
    N = a.shape[0]
    c0 = p * (1.0 - p) * N / (N - 1.0)
    ac = a - (a @ wn)[:, None]
    sw = np.sqrt(wn)
    ev, U = np.linalg.eigh(c0 * (sw[:, None] * (ac.T @ ac) * sw[None, :]))
    ev, U = ev[::-1], U[:, ::-1]
    k = int(np.count_nonzero(ev[:_COMPONENTS] > max(1e-3 * ev[0], 1e-12)))
    ell = ac @ (sw[:, None] * U[:, :k]) / np.sqrt(ev[:k])
    return c0 * (ac.T @ ell), c0 * ell


def _draw_mixture(t, w, tn, wn, a, p):
    """Per Gauss–Hermite point z of the draws' fluctuation: (weight, z, the draw's posterior on the grid t) with
    p_z(t) ∝ p(t) e^{A_z(t)}, A_z = E[A | Z = z] (:func:`_draw_components`) interpolated from the nodes tn."""
    import itertools

    G, load = _draw_components(a, p, wn)
    Lt = _cardinal(tn, t)
    xs, ws = np.polynomial.hermite_e.hermegauss(_HERMITE)
    ws = ws / ws.sum()
    lw0 = np.log(np.maximum(w, 1e-300))
    out = []
    for combo in itertools.product(range(_HERMITE), repeat=G.shape[1]):
        z = xs[list(combo)]
        lw = lw0 + Lt @ (G @ z)
        wd = np.exp(lw - lw.max())
        out.append((float(np.prod(ws[list(combo)])), z, wd / wd.sum()))
    return out, load


def _draw_average(t, w, tn, wn, states, cavity, E, kappa, P, nu, noise, p):
    """The quenched average over draws of the network's test error and of its mean error, with each draw's own
    posterior of t (docs/networks_real.md, "Each draw its own posterior of t"): to first order in the draw indicators
    ξ_i a draw's log weight moves by A(t) = Σ_i ξ_i a_i(t) (:func:`_draw_response`) and its cross error by
    B₁₂ = Σ_i ξ_i b_i(t₁, t₂), with b_i the mean change of E₁₂ when point i joins the draw,

        b_i = −(w²_i ρ̃²_i/(PN)) (H² ρ¹)_i − (w¹_i ρ̃¹_i/(PN)) (H¹ ρ²)_i + w¹_i w²_i (E¹²_i + σ²) Σ_x H¹_xi H²_xi/(P²N),

    ρ̃_i = (ω_i/w_i) ρ_i its cavity mean residual (the update K(·, x_i) r_i/(κ' + v_i) of KRR's predictor, with the
    posterior covariance κ'H/P). A, B are Gaussian over draws; they enter through their regressions on the leading
    components Z of A (:func:`_draw_components`), E[B | Z] = Σ_k Z_k β_k, so

        E_test = E_Z ∫∫ p_Z(t) p_Z(t') [E₁₂ + Σ_k Z_k β_k](t, t'),   p_Z ∝ p e^{E[A | Z]},

    each p_Z replaced by its Gauss rule, E₁₂ and β interpolated (cubic splines) from the nodes tn to its nodes. Returns
    (test error, mean error, mixture of the p_Z on t, between-draw sd of the posterior mean of t)."""
    N, m = len(states[0].w), len(tn)
    a = _draw_response(states, cavity, kappa, nu, noise)
    draws, load = _draw_mixture(t, w, tn, wn, a, p)
    rt = [st.omega / st.w * st.rho for st in states]
    Hr = [[states[x].H @ states[y].rho for y in range(m)] for x in range(m)]  # H^x ρ^y
    beta = np.empty((load.shape[1], m, m))
    for x in range(m):
        for y in range(x, m):
            sx, sy = states[x], states[y]
            b = -(sy.w * rt[y] * Hr[y][x] + sx.w * rt[x] * Hr[x][y]) / (P * N)
            b += sx.w * sy.w * (cavity[x, y] + noise) * np.einsum("ij,ij->j", sx.H, sy.H) / (P * P * N)
            beta[:, x, y] = beta[:, y, x] = (b - b.mean()) @ load
    test = mean = m1 = m2 = 0.0
    mix = np.zeros_like(t)
    for wz, z, wd in draws:
        tz, wr = _gauss_rule(t, wd, m)  # the draw's own rule; = (tn, wn) when the draws do not fluctuate
        Lz = _cardinal(tn, tz)
        Ez = Lz @ (E + np.tensordot(z, beta, 1)) @ Lz.T
        test += wz * float(wr @ Ez @ wr)
        mean += wz * float(wr @ np.diag(Ez))
        tm = float(wd @ t)
        m1, m2 = m1 + wz * tm, m2 + wz * tm * tm
        mix += wz * wd
    return test, mean, mix, math.sqrt(max(m2 - m1 * m1, 0.0))


def cross_error(lam, y2, residual, P, K1, K2):
    """E₁₂ = [Σ_k (1 − L_k¹)(1 − L_k²) y_k² + ε²]/(1 − Σ_k L_k¹L_k²/P) for every pair of effective ridges
    (arrays K1, K2 of the same length m; returns m × m): the expected population mean of (f̂₁ − f)(f̂₂ − f)
    for KRR at two ridges on the same draw (eigenlearning; with K1 = K2 its test error)."""
    A1 = K1[:, None] / (lam[None, :] + K1[:, None])
    A2 = K2[:, None] / (lam[None, :] + K2[:, None])
    num = (A1 * y2[None, :]) @ A2.T + residual
    L1, L2 = 1.0 - A1, 1.0 - A2
    gam = (L1 @ L2.T) / P
    if not np.all(gam < 1.0):
        raise FloatingPointError("the cross error's 1 − γ₁₂ is not positive")
    return num / (1.0 - gam)


class NetworkTheory(NamedTuple):
    """Result of :func:`network_theory`: ``test_error`` (the double average over z of the cross error),
    ``mean_error`` (E_t of the U = 0 error at the ridge κ/z), ``spread`` = mean_error − test_error (what the
    averaging over z removes), ``at_mode`` (the U = 0 error at the ridge κ/z*, z* the typical posterior's
    mode), ``z_mean``, ``t_sd`` (spread of t = ln z), the Gauss rule (``t_nodes``, ``t_weights``); with
    ``quenched``, over draws and their posteriors, and ``t_draw_sd`` the between-draw sd of the posterior mean of t."""

    test_error: float
    mean_error: float
    spread: float
    at_mode: float
    z_mean: float
    t_sd: float
    t_nodes: np.ndarray
    t_weights: np.ndarray
    t_draw_sd: float = 0.0


def network_theory(
    eigenvalues,
    target,
    P,
    kappa,
    width,
    depth=1,
    parameterization="standard",
    ridge="renormalized",
    residual=0.0,
    *,
    gram=None,
    values=None,
    nodes=None,
    at_mode=True,
    noise=0.0,
    neighbours="auto",
    quenched=True,
) -> NetworkTheory:
    """Test error of the finite-width network on P random points, from the spectrum (or the Gram matrix).

    ``ridge``: ``renormalized`` (eigenlearning's effective ridge K(κ')), ``bare`` (K = κ'/P, γ = 0) or
    ``pointwise`` (on ``gram``/``values`` = K, f: the posterior of t from the leverage-aware evidence,
    :func:`pointwise_evidence`, and the cross error of one renormalized ridge per data point,
    :func:`pointwise_cross_error`). The posterior of t is the typical one,
    p(t) ∝ f_L(t) exp(−½[P t + F(κe^{−t}) + ν e^{−t} h(κe^{−t})]) (module docstring), replaced by its
    Gauss rule of ``nodes`` points; E_test = Σ_ab w_a w_b E₁₂(κe^{−t_a}, κe^{−t_b}).

    Parameters
    ----------
    eigenvalues, target : λ_k (> 0, descending) and y_k;  residual : unlearnable target power ε²
    P, kappa : training points and ridge;  width, depth, parameterization : the network
    gram, values : the N × N Gram matrix and the target on every point (``pointwise`` only)
    nodes : points of the Gauss rule in t (default 24; 8 for ``pointwise``);  at_mode : also the U = 0 error at
        the posterior mode (False: nan for ``pointwise``, one pointwise solve less)
    noise : σ² ≥ 0, Gaussian label noise on the P training labels (test error against the clean target): the
        typical evidence gains σ² tr(K_XX + κ')⁻¹ ≈ σ²/K, h → h + σ²/K, and the cross error gains
        σ² γ₁₂/(1 − γ₁₂) (``renormalized``; ``pointwise``: (σ²/(PN)) Σ_i w¹_i w²_i t_i; ``bare``: 0),
        :func:`noise_cross_error` (docs/networks_real.md, derivations/network_real.py ``noise``)
    neighbours : ``pointwise`` only: each point's nearest neighbours drawn exactly in the cross error ("auto",
        default; 0: the plain pointwise ridge), :func:`rgflow.ridge.pointwise_errors`
    quenched : ``pointwise`` only: each draw its own posterior of t, to first order in the draw indicators
        (:func:`_draw_average`; False: every draw the typical posterior)

    Returns
    -------
    NetworkTheory
    """
    from .spectrum import check_spectrum

    lam, y = check_spectrum(eigenvalues, target)
    P = check_real("P", P, low=0, low_open=True)
    kappa = check_real("kappa", kappa, low=0, low_open=True)
    N, L, par = check_network_spec(width, depth, parameterization)
    if ridge not in ("renormalized", "bare", "pointwise"):
        raise ValueError(f"ridge must be one of renormalized, bare, pointwise, got {ridge!r}")
    y2 = y * y
    residual = check_real("residual", residual, low=0.0)
    noise = check_real("noise", noise, low=0.0)
    # the evidence's h gains σ² tr(K_XX + κ')⁻¹ as ε² does (the residual's term, σ²/K): pass ε² + σ² to the
    # posterior only (pointwise: its h gains σ² (1/N) Σ_i w_i/K₀, pointwise_evidence)
    if ridge == "pointwise":
        from .ridge import _population_fraction, check_gram, check_target_values

        gram = (lambda G: (G + G.T) / 2.0)(check_gram(gram, 6000, limit="max_points"))
        values = check_target_values(values, gram.shape[0])
        _population_fraction(P, gram.shape[0], False)  # P ≤ N distinct points
        from ._cluster import check_neighbours

        neighbours = check_neighbours(neighbours, False)
        t, w = _pointwise_posterior(lam, y2, residual + noise, P, kappa, N, L, par, gram, values, noise=noise)
    else:
        t, w = _theory_posterior(lam, y2, residual + noise, P, kappa, N, L, par, ridge)
    w = w / w.sum()
    t_mode = float(t[np.argmax(w)])
    m = nodes or (_GAUSS_POINTWISE if ridge == "pointwise" else _GAUSS)
    tn, wn = _gauss_rule(t, w, m)
    kp = kappa * np.exp(-tn)
    draw_sd = 0.0
    quench = ridge == "pointwise" and quenched and P < gram.shape[0]  # at P = N every draw is the same
    if quench:
        test, mean_err, w, draw_sd, tn, wn = _quenched(t, w, tn, wn, gram, values, P, kappa, N, par, noise, neighbours)
        kp = kappa * np.exp(-tn)
    z_mean = float(w @ np.exp(t))
    t_sd = float(math.sqrt(max(w @ (t - w @ t) ** 2, 0.0)))
    if ridge == "pointwise":
        if not quench:
            E = pointwise_cross_error(gram, values, P, kp, noise=noise, neighbours=neighbours)
            test, mean_err = float(wn @ E @ wn), float(wn @ np.diag(E))
        E_mode = (
            float(
                pointwise_cross_error(
                    gram, values, P, np.array([kappa * math.exp(-t_mode)]), noise=noise, neighbours=neighbours
                )[0, 0]
            )
            if at_mode
            else math.nan
        )
    else:
        Keff = _effective_ridges(lam, P, kp, ridge)
        E = (
            cross_error(lam, y2, residual, P, Keff, Keff)
            if ridge == "renormalized"
            else _bare_cross(lam, y2, residual, Keff)
        )
        Km = _effective_ridges(lam, P, [kappa * math.exp(-t_mode)], ridge)
        E_mode = float(
            (
                cross_error(lam, y2, residual, P, Km, Km)
                if ridge == "renormalized"
                else _bare_cross(lam, y2, residual, Km)
            )[0, 0]
        )
        if noise and ridge == "renormalized":
            E = E + noise * noise_cross_error(lam, P, Keff, Keff)
            E_mode += noise * float(noise_cross_error(lam, P, Km, Km)[0, 0])
        test, mean_err = float(wn @ E @ wn), float(wn @ np.diag(E))
    if not (np.isfinite(test) and test >= 0):
        raise FloatingPointError(f"the network theory's test error is not finite (P = {P}, kappa = {kappa})")
    return NetworkTheory(test, mean_err, mean_err - test, E_mode, z_mean, t_sd, tn, wn, draw_sd)


def _quenched(t, w, tn, wn, K, f, P, kappa, N, par, noise, neighbours):
    """The pointwise network theory averaged over draws (:func:`_draw_average`): the draws' posteriors located
    from the fixed points at the typical rule's nodes ``tn``, the cross errors computed at the nodes of the Gauss
    rule of their mixture. Returns (test error, mean error, the mixture on t, between-draw sd, nodes, weights)."""
    from ._draws import _one_blas_thread
    from .ridge import _cavity_moments, cross_errors

    n, m = K.shape[0], len(tn)
    p, nu = P / n, _nu(N, par)
    with contextlib.nullcontext() if n >= _BLAS_THREADS_FROM else _one_blas_thread():
        states = _fixed_points(K, f, P, kappa * np.exp(-tn), p)
        cav = np.empty((m, m, n))
        for j, st in enumerate(states):
            cav[j, j] = _cavity_moments(st, st, P, n, p, noise)
        draws, _ = _draw_mixture(t, w, tn, wn, _draw_response(states, cav, kappa, nu, noise), p)
        mix = sum(wz * wd for wz, _, wd in draws)
        tq, wq = _gauss_rule(t, mix, m)
        states = _fixed_points(K, f, P, kappa * np.exp(-tq), p)
        for x in range(m):
            for y in range(x, m):
                cav[x, y] = cav[y, x] = _cavity_moments(states[x], states[y], P, n, p, noise)
        E = cross_errors(K, states, P, p, noise, neighbours, cav)
        test, mean, mix, draw_sd = _draw_average(t, w, tq, wq, states, cav, E, kappa, P, nu, noise, p)
    return test, mean, mix / mix.sum(), draw_sd, tq, wq


def noise_cross_error(lam, P, K1, K2) -> np.ndarray:
    """The label noise's share of the cross error per unit σ², γ₁₂/(1 − γ₁₂), γ₁₂ = Σ_k L_k¹L_k²/P, for every pair
    of effective ridges (arrays K1, K2; returns m × m): the deterministic equivalent of
    E_ξ mean_x[n₁(x) n₂(x)]/σ², n_a = K(x, X)(K_XX + κ_a)⁻¹ σξ (the noise's part of KRR at two ridges on the same
    draw); with K1 = K2 the σ²γ/(1 − γ) of :func:`rgflow.ridge.noisy_error` (derivations/network_real.py ``noise``)."""
    L1 = lam[None, :] / (lam[None, :] + K1[:, None])
    L2 = lam[None, :] / (lam[None, :] + K2[:, None])
    gam = (L1 @ L2.T) / P
    if not np.all(gam < 1.0):
        raise FloatingPointError("the cross error's 1 − γ₁₂ is not positive")
    return gam / (1.0 - gam)


def _bare_cross(lam, y2, residual, K):
    A = K[:, None] / (lam[None, :] + K[:, None])
    return (A * y2[None, :]) @ A.T + residual


_BLAS_THREADS_FROM = 500  # points; below, one BLAS thread (rgflow._draws._one_blas_thread)


def pointwise_cross_error(K, f, P, kappas, *, noise=0.0, replace=False, neighbours="auto") -> np.ndarray:
    """The cross error E₁₂ of KRR at two ridges on the same draw, with one renormalized ridge per data point
    (the m × m matrix over ``kappas``): the expected population mean of r¹_i r²_i, r the residuals at the two
    ridges, from the states of :func:`rgflow.ridge.pointwise_errors` at each ridge. With i.i.d. draws
    (``replace=True``) and (ω, H, ρ) at each ridge,

        E₁₂ = (1/N) Σ_i ρ¹_i ρ²_i + (1/(PN)) Σ_i ω¹_i ω²_i t_i (ρ¹_i ρ²_i + σ²),   t_i = (1/N) Σ_j H¹_ij H²_ij (1 + ω¹_j ω²_j t_j/P),

    eigenlearning's E₁₂ when the leverages are equal; without replacement (default; P ≤ N) the cavity moments
    of pointwise_errors' docstring at two ridges. Either is pointwise_errors' test error when the ridges agree.
    ``noise`` σ² ≥ 0: label noise on the training labels, the error against the clean target. ``neighbours``: each
    point's nearest neighbours drawn exactly (pointwise_errors; "auto" by default, 0 for the plain ridge)."""
    from ._cluster import check_neighbours
    from ._draws import _one_blas_thread
    from .ridge import _population_fraction, check_gram, check_target_values, cross_errors

    K = check_gram(K, 6000, limit="max_points")
    K = (K + K.T) / 2.0
    N = K.shape[0]
    f = check_target_values(f, N)
    noise = check_real("noise", noise, low=0.0)
    P = check_real("P", P, low=0, low_open=True)
    p = _population_fraction(P, N, replace)
    neighbours = check_neighbours(neighbours, bool(replace))
    # BLAS threads pay from a few hundred points; below, one thread (rgflow._draws._one_blas_thread)
    with contextlib.nullcontext() if N >= _BLAS_THREADS_FROM else _one_blas_thread():
        return cross_errors(K, _fixed_points(K, f, P, kappas, p), P, p, noise, neighbours)

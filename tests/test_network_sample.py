"""rgflow.network_sample: MCMC on the weights of a finite-width network (method ``sample``).

Checked against an independent reference built here: the one-scalar mixture over t = ln Q by scipy
quadrature, with the prior p_L(Q) of Q = g Π_l q_l, q_l ~ Gamma(N/2, scale 2/N), in closed form for
L = 1 (a Gamma) and L = 2 (product of two Gammas, a Bessel K_0), and for L = 3, 4 by numerical
convolution of those log-densities in log space. Nothing here uses rgflow's ``exact``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, special

from rgflow.network_sample import sample_network

# ---------------------------------------------------------------------------------------------
# independent reference
# ---------------------------------------------------------------------------------------------


def _log_p1(s, a):
    """log density of s = ln q, q ~ Gamma(a, scale θ = 1/a) (χ²_N/N with a = N/2)."""
    th = 1.0 / a
    return a * s - np.exp(s) / th - special.gammaln(a) - a * math.log(th)


def _log_kve0(w):
    """log(e^w K_0(w)); scipy's kve returns nan for w ≳ 1e9, where the asymptotic series is exact to round-off."""
    w = np.asarray(w, dtype=float)
    big = w > 1e6
    out = np.empty(w.shape)
    out[~big] = np.log(special.kve(0, w[~big]))
    wb = w[big]
    out[big] = 0.5 * np.log(np.pi / (2.0 * wb)) + np.log1p(-1.0 / (8.0 * wb) + 9.0 / (128.0 * wb * wb))
    return out


def _log_p2(s, a):
    """log density of s = ln(q_1 q_2), q_i ~ Gamma(a, θ): f(z) = 2 z^{a−1} K_0(2√z/θ)/(Γ(a)² θ^{2a}), times z."""
    th = 1.0 / a
    w = 2.0 * np.exp(0.5 * np.asarray(s, dtype=float)) / th
    return math.log(2.0) + a * s + _log_kve0(w) - w - 2.0 * special.gammaln(a) - 2.0 * a * math.log(th)


def _support(logp, a, depth=60.0):
    """An interval of s outside which logp(s, a) < max − depth (by bisection on a coarse scan)."""
    grid = np.linspace(-400.0, 12.0, 200_001)
    v = logp(grid, a)
    keep = np.nonzero(v > v.max() - depth)[0]
    return grid[max(keep[0] - 1, 0)], grid[min(keep[-1] + 1, grid.size - 1)]


def _dlog_p1(s, a):
    """d/ds of _log_p1."""
    return a - a * np.exp(s)


def _dlog_p2(s, a):
    """d/ds of _log_p2: a − (w/2) K_1(w)/K_0(w), w = 2a e^{s/2} (asymptotic ratio 1 + 1/(2w) for w > 1e6)."""
    w = 2.0 * a * np.exp(0.5 * np.asarray(s, dtype=float))
    ratio = np.empty(w.shape)
    big = w > 1e6
    ratio[~big] = special.kve(1, w[~big]) / special.kve(0, w[~big])
    ratio[big] = 1.0 + 0.5 / w[big]
    return a - 0.5 * w * ratio


def _bisect(f, lo, hi, iters=45):
    """Vectorized bisection for the sign change of f between arrays lo (f > 0) and hi (f ≤ 0)."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pos = f(mid) > 0
        lo, hi = np.where(pos, mid, lo), np.where(pos, hi, mid)
    return 0.5 * (lo + hi)


def _convolve(outer, inner, a, n=601, depth=70.0):
    """s ↦ log ∫ exp(log p_out(s − u) + log p_in(u)) du in log space; outer, inner = (log p, d log p/ds).

    The integrand g(u) is log-concave (both factors are), so per s its maximum is the root of g' (by
    bisection on [−500, 60]) and the region within ``depth`` of the maximum is one interval (its ends
    by bisection); the integral is a trapezoid of n points over it, spectrally accurate (the integrand
    is smooth and negligible at both ends). Per s, so that far tails of p_L, which a posterior can
    reach when the data pull Q away from the prior, are as accurate as the bulk.
    """
    lo_f, dlo_f = outer
    li_f, dli_f = inner
    frac = np.linspace(0.0, 1.0, n)

    def logp(s, _a=None):
        s = np.atleast_1d(np.asarray(s, dtype=float))
        out = np.empty(s.size)
        for i in range(0, s.size, 64):
            S = s[i : i + 64]
            lo, hi = np.full(S.shape, -500.0), np.full(S.shape, 60.0)
            ustar = _bisect(lambda u: dli_f(u, a) - dlo_f(S - u, a), lo, hi)
            gstar = lo_f(S - ustar, a) + li_f(ustar, a)

            def drop(u):
                return lo_f(S - u, a) + li_f(u, a) - (gstar - depth)

            ua = _bisect(lambda u: -drop(u), lo, ustar)  # left end: drop < 0 to the left
            ub = _bisect(drop, ustar, hi)
            u = ua[:, None] + (ub - ua)[:, None] * frac[None, :]
            terms = lo_f(S[:, None] - u, a) + li_f(u, a)
            out[i : i + 64] = special.logsumexp(terms, axis=1) + np.log((ub - ua) / (n - 1))
        return out

    return logp


def log_prior_lnQ(N, L):
    """log p_L of s = ln(Q/g) (a function of arrays s)."""
    a = N / 2.0
    if L == 1:
        return lambda s: _log_p1(np.asarray(s, dtype=float), a)
    if L == 2:
        return lambda s: _log_p2(np.asarray(s, dtype=float), a)
    if L == 3:
        f = _convolve((_log_p2, _dlog_p2), (_log_p1, _dlog_p1), a)
        return lambda s: f(s)
    if L == 4:
        f = _convolve((_log_p2, _dlog_p2), (_log_p2, _dlog_p2), a)
        return lambda s: f(s)
    raise ValueError(L)


def reference(lam, y, P, kappa, N, L, parameterization="standard"):
    """⟨Δ_k⟩, Var Δ_k and E[Q|Y] of the exact mixture, quadrature over s = ln(Q/g)."""
    lam = np.asarray(lam, float)
    y = np.asarray(y, float)
    g, T = (1.0, kappa) if parameterization == "standard" else (1.0 / N, kappa / N)
    lp = log_prior_lnQ(N, L)

    def logw(s):
        s = np.atleast_1d(np.asarray(s, float))
        Q = g * np.exp(s)
        d = P * Q[:, None] * lam[None, :] + T
        return lp(s) - 0.5 * np.sum(np.log(d) + P * y[None, :] ** 2 / d, axis=1)

    coarse = np.linspace(-250.0, 12.0, 263)  # step 1; N = 1 has the left tail e^{s/2}
    wc = logw(coarse)
    near = np.nonzero(wc > wc.max() - 80.0)[0]
    assert 0 < near[0] and near[-1] < coarse.size - 1, "the posterior of ln Q reaches the end of the scan"
    scan = np.arange(coarse[near[0] - 1], coarse[near[-1] + 1] + 1e-9, 0.1)
    ws = logw(scan)
    i = int(np.argmax(ws))
    res = optimize.minimize_scalar(
        lambda s: -logw(s)[0], bracket=(scan[max(i - 1, 0)], scan[i], scan[min(i + 1, scan.size - 1)])
    )
    s0, w0 = float(res.x), float(-res.fun)
    keep = scan[ws > w0 - 50.0]
    step = scan[1] - scan[0]
    assert scan[0] < keep[0] and keep[-1] < scan[-1], "the fine scan of ln Q cuts the posterior"
    lo, hi = keep[0] - step, keep[-1] + step  # the region within 50 of the maximum, to a step

    def integrand(s):
        w = math.exp(float(logw(s)[0]) - w0)
        Q = g * math.exp(s)
        m = y / (1.0 + P * Q * lam / T)
        v = Q * lam * T / (T + P * Q * lam)
        return w * np.concatenate([[1.0, Q], m, m * m, v])

    pts = [s0] if lo < s0 < hi else None
    out, err = integrate.quad_vec(integrand, lo, hi, epsrel=1e-11, epsabs=0.0, points=pts, limit=400)
    Z = out[0]
    K = lam.size
    EQ = out[1] / Z
    m1 = out[2 : 2 + K] / Z
    m2 = out[2 + K : 2 + 2 * K] / Z
    v = out[2 + 2 * K :] / Z
    return {"mean": m1, "var": v + m2 - m1 * m1, "Q_mean": EQ}


def power_law(Lam, alpha, beta):
    k = np.arange(1, Lam + 1, dtype=float)
    return k ** -(1.0 + alpha), k ** (-(1.0 + beta) / 2.0)


# ---------------------------------------------------------------------------------------------
# the reference itself, against things known in closed form
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("N", [2, 5, 64])
@pytest.mark.parametrize("L", [1, 2, 3, 4])
def test_reference_prior_is_a_normalized_density_with_mean_one(N, L):
    """∫ p_L = 1, E[Q/g] = Π E q_l = 1, E[(Q/g)²] = (1 + 2/N)^L: the prior of the reference."""
    lp = log_prior_lnQ(N, L)
    lo, hi = _support(_log_p1, N / 2.0)
    s = np.linspace(L * lo, L * hi, 1201)  # the support of a sum of L log-factors
    p = np.exp(lp(s))
    norm = integrate.trapezoid(p, s)
    m1 = integrate.trapezoid(p * np.exp(s), s)
    m2 = integrate.trapezoid(p * np.exp(2 * s), s)
    assert norm == pytest.approx(1.0, rel=1e-10)
    assert m1 == pytest.approx(1.0, rel=1e-10)
    assert m2 == pytest.approx((1.0 + 2.0 / N) ** L, rel=1e-10)


def test_reference_goes_to_the_gp_at_large_width():
    """Standard parameterization, N → ∞: Q → 1 and the moments are the GP's y/(1+rλ), λ/(1+rλ)."""
    lam, y = power_law(8, 0.5, 0.5)
    P, kappa = 8, 0.5
    ref = reference(lam, y, P, kappa, 200_000, 1)
    r = P / kappa
    assert np.allclose(ref["mean"], y / (1 + r * lam), rtol=1e-3)
    assert np.allclose(ref["var"], lam / (1 + r * lam), rtol=1e-3)


# ---------------------------------------------------------------------------------------------
# the sampler against the reference
# ---------------------------------------------------------------------------------------------


def _z(res, ref):
    zm = (res["mean"] - ref["mean"]) / res["mean_stderr"]
    zv = (res["var"] - ref["var"]) / res["var_stderr"]
    return np.concatenate([zm, zv])


CASES = [
    # (Lam = P, alpha, beta, kappa, N, L, parameterization)
    (16, 0.5, 0.5, 0.5, 2, 1, "standard"),
    (32, 1.0, 0.3, 0.1, 4, 2, "standard"),
    (16, 0.3, 1.3, 1.0, 8, 3, "standard"),
    (16, 0.5, 0.5, 0.5, 4, 1, "mean-field"),
    (24, 0.2, 0.3, 0.2, 16, 2, "mean-field"),
    (12, 1.0, 1.0, 2.0, 3, 3, "mean-field"),
    (64, 0.5, 0.3, 0.05, 256, 1, "standard"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"P{c[0]}-N{c[4]}-L{c[5]}-{c[6]}" for c in CASES])
def test_sampled_weights_realize_the_mixture(case):
    """Every mode's ⟨Δ_k⟩ and Var Δ_k within 4 standard errors of the reference; mean z² of order 1."""
    Lam, alpha, beta, kappa, N, L, par = case
    lam, y = power_law(Lam, alpha, beta)
    res = sample_network(lam, y, Lam, kappa, N, L, par, seed=1, samples=800, burn=100, chains=4, batches=8)
    ref = reference(lam, y, Lam, kappa, N, L, par)
    z = _z(res, ref)
    assert np.max(np.abs(z)) < 4.0, z
    assert 0.1 < np.mean(z * z) < 3.0, np.mean(z * z)
    zq = (res["Q_mean"] - ref["Q_mean"]) / res["Q_stderr"]
    assert abs(zq) < 4.0


SLOW_CASES = [
    (64, 0.2, -0.3, 1.0, 32, 4, "mean-field"),
    (64, 1.0, 1.0, 0.05, 128, 4, "standard"),
    (64, 0.5, 2.0, 0.1, 256, 2, "mean-field"),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=[f"P{c[0]}-N{c[4]}-L{c[5]}-{c[6]}" for c in SLOW_CASES])
def test_sampled_weights_realize_the_mixture_deep_and_wide(case):
    """As above at L = 4 and N up to 256 with the default run length (tens of seconds each)."""
    Lam, alpha, beta, kappa, N, L, par = case
    lam, y = power_law(Lam, alpha, beta)
    res = sample_network(lam, y, Lam, kappa, N, L, par, seed=2)
    ref = reference(lam, y, Lam, kappa, N, L, par)
    z = _z(res, ref)
    assert np.max(np.abs(z)) < 4.0, z
    assert 0.1 < np.mean(z * z) < 3.0, np.mean(z * z)
    assert abs((res["Q_mean"] - ref["Q_mean"]) / res["Q_stderr"]) < 4.0


@pytest.mark.parametrize(
    "p, A, B",
    [
        (-31.0, 1e-3, 1.0),
        (0.5, 1e-8, 1.0),
        (100.0, 1e4, 1e4),
        (-128.0, 1e-6, 1.0),
        (200.0, 1e-3, 1e-3),
        (0.0, 1e-12, 1.0),
        (1.0, 3.0, 0.2),
        (-2.0, 400.0, 3.0),
    ],
)
def test_scale_move_draws_the_generalized_inverse_gaussian(p, A, B):
    """The scale moves' exact GIG draws x ∝ x^{p−1} e^{−(Ax+B/x)/2}: KS test of s = ln(x √(A/B)) against
    the CDF of exp(p s − ω cosh s), ω = √(AB), integrated here on a fine grid (scipy's own CDF fails
    at the extreme ones)."""
    from scipy import stats

    from rgflow.network_sample import _gig

    om = math.sqrt(A * B)
    sm, c = math.asinh(p / om), math.hypot(p, om)
    s = np.linspace(sm - 60 / math.sqrt(c) - 5, sm + 60 / math.sqrt(c) + 5, 200_001)
    with np.errstate(over="ignore"):
        h = p * s - om * np.cosh(s)
    cdf = integrate.cumulative_trapezoid(np.exp(h - h.max()), s, initial=0.0)
    cdf /= cdf[-1]
    x = _gig(p, np.full(20_000, A), np.full(20_000, B), np.random.default_rng(3))
    t = np.log(x * math.sqrt(A / B))
    assert stats.kstest(t, lambda v: np.interp(v, s, cdf)).pvalue > 1e-3


def test_same_seed_same_result_other_seed_other_result():
    lam, y = power_law(8, 0.5, 0.5)
    kw = dict(seed=7, samples=40, burn=5, chains=2, batches=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # so short a run may be flagged
        a = sample_network(lam, y, 8, 0.5, 3, 2, **kw)
        b = sample_network(lam, y, 8, 0.5, 3, 2, **kw)
        c = sample_network(lam, y, 8, 0.5, 3, 2, **{**kw, "seed": 8})
    for key in ("mean", "var", "mean_stderr", "var_stderr"):
        assert np.array_equal(a[key], b[key])
    assert a["Q_mean"] == b["Q_mean"] and a["Q_ess"] == b["Q_ess"]
    assert not np.array_equal(a["mean"], c["mean"])


def test_batches_of_one_sweep_are_flagged():
    """Batches of one sweep each cannot hold 10 independent draws of Q: a RuntimeWarning says so."""
    lam, y = power_law(8, 0.5, 0.5)
    with pytest.warns(RuntimeWarning, match="effective sample size"):
        sample_network(lam, y, 8, 0.5, 3, 1, samples=16, burn=5, chains=2, batches=16)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"width": 0}, "width"),
        ({"width": 2.5}, "width"),
        ({"depth": 0}, "depth"),
        ({"depth": True}, "depth"),
        ({"parameterization": "ntk"}, "parameterization"),
        ({"kappa": 0.0}, "kappa"),
        ({"kappa": float("nan")}, "kappa"),
        ({"P": 0}, "P"),
        ({"lam": [1.0, 0.5, 0.7]}, "lam"),
        ({"lam": [1.0, -0.5, -0.7]}, "lam"),
        ({"lam": [1.0, float("inf"), 0.7]}, "lam"),
        ({"y": [1.0, float("nan"), 0.2]}, "y"),
        ({"y": [1.0, 0.2]}, "y"),
        ({"y": ["a", "b", "c"]}, "y"),
        ({"lam": None}, "lam"),
        ({"lam": [[1.0, 0.5, 0.2]]}, "lam"),
        ({"seed": -1}, "seed"),
        ({"samples": 0}, "samples"),
        ({"burn": -1}, "burn"),
        ({"chains": 0}, "chains"),
        ({"batches": 100}, "batches"),
        ({"progress": 3}, "progress"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"lam": [1.0, 0.5, 0.25], "y": [1.0, 0.5, 0.2], "P": 3, "kappa": 0.5, "width": 2, "depth": 1, "samples": 50}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        sample_network(
            args.pop("lam"),
            args.pop("y"),
            args.pop("P"),
            args.pop("kappa"),
            args.pop("width"),
            args.pop("depth"),
            **args,
        )


def test_progress_is_called_and_result_has_no_wall_clock():
    lam, y = power_law(4, 0.5, 0.5)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sample_network(
            lam, y, 4, 0.5, 2, 1, samples=20, burn=2, chains=2, batches=2, progress=lambda d, t: seen.append((d, t))
        )
    assert seen[-1] == (22, 22) and all(d <= t for d, t in seen)
    assert not any("second" in k or "time" in k for k in res)

"""Finite-width networks on the fixed design (rgflow.network): every method against the exact mixture,
and the exact mixture against an independent quadrature with the closed-form priors of Q."""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special

import rgflow
from rgflow.network import (
    log_prior,
    mean_field_moments,
    network_moments,
    network_rg_moments,
    network_transfer,
    pt1_moments,
    running_couplings,
)

# --- independent references -----------------------------------------------------------------------


def _log_gamma_t(t, a):
    """ln density of t = ln q, q ~ Gamma(a, scale 1/a) (= χ²_N/N with a = N/2)."""
    return a * t - a * np.exp(t) + a * math.log(a) - special.gammaln(a)


def _log_product2(t, a):
    """ln density of t = ln(q1 q2): the product of two Gamma(a, θ = 1/a) has the density
    2 z^{a−1} K_0(2√z/θ)/(Γ(a)² θ^{2a}) (Bessel K, taken as kve for range)."""
    z, th = np.exp(t), 1.0 / a
    return (
        math.log(2)
        + a * t
        - 2 * special.gammaln(a)
        - 2 * a * math.log(th)
        + np.log(special.kve(0, 2 * np.sqrt(z) / th))
        - 2 * np.sqrt(z) / th
    )


def _reference(model):
    """⟨Δ_k⟩, Var Δ_k by scipy quad over t = ln Q with the closed-form prior (depth 1 or 2)."""
    lam, y, r, N, L = model.eigenvalues(), model.target(), model.r, model.width, model.depth
    a = N / 2
    nu, g = (1.0, 1.0) if model.parameterization == "standard" else (float(N), 1.0 / N)
    prior = {1: lambda t: _log_gamma_t(t, a), 2: lambda t: _log_product2(t, a)}[L]

    def logw(t):
        x = r * lam * math.exp(t)
        return float(prior(t)) - 0.5 * float(np.sum(np.log1p(x) + nu * r * y * y / (1 + x)))

    from scipy.optimize import minimize_scalar

    grid = np.linspace(-60, 12, 1441)
    lw = np.array([logw(t) for t in grid])
    g0 = grid[np.argmax(lw)]
    tm = minimize_scalar(
        lambda t: -logw(t), bounds=(g0 - 0.05, g0 + 0.05), method="bounded", options={"xatol": 1e-10}
    ).x
    top = logw(tm)
    h = 1e-5
    sigma = 1 / math.sqrt(max(-(logw(tm + h) - 2 * top + logw(tm - h)) / h**2, 1e-12))
    lo, hi = max(tm - min(40.0, 60 * sigma), -60), tm + min(8.0, 60 * sigma)

    def quad(f):
        return integrate.quad(
            lambda t: math.exp(logw(t) - top) * f(t), lo, hi, points=[tm], limit=400, epsabs=0, epsrel=1e-12
        )[0]

    Z = quad(lambda t: 1.0)
    mean, var = [], []
    for lk, yk in zip(lam, y):
        m1 = quad(lambda t: 1 / (1 + r * lk * math.exp(t))) / Z
        v = quad(lambda t: (1 / (1 + r * lk * math.exp(t)) - m1) ** 2) / Z
        m2 = quad(lambda t: math.exp(t) / (1 + r * lk * math.exp(t))) / Z
        mean.append(yk * m1)
        var.append(g * lk * m2 + yk * yk * v)
    return np.array(mean), np.array(var)


def _random_network(rng, *, P=(20, 40), L=(1, 4), N=(0.3, 5.0)):
    par = ["standard", "mean-field"][int(rng.integers(2))]
    return rgflow.Model(
        float(rng.uniform(0.1, 2)),
        float(rng.uniform(-0.5, 3)),
        int(rng.integers(*P)),
        float(10 ** rng.uniform(-1, 2.5)),
        width=int(10 ** rng.uniform(*N)),
        depth=int(rng.integers(*L)),
        parameterization=par,
    )


def _worst(a, b):
    return float(np.max(np.abs(a / b - 1)))


# --- the prior of Q ---------------------------------------------------------------------------------


@pytest.mark.parametrize("N", [2, 7, 50, 3000, 10**5])
def test_log_prior_depth2_matches_bessel_closed_form(N):
    a = N / 2
    t = np.linspace(-4, 1.5, 12) * min(1.0, 4 / math.sqrt(a))
    ref = _log_product2(t, a)
    # absolute error in the log: a few ulps of the largest term (a t)
    assert np.max(np.abs(log_prior(t, N, 2) - ref)) < 1e-13 * max(1.0, a)


def test_log_prior_depth3_matches_convolution():
    """Depth 3 = the convolution of the depth-2 density (Bessel) with one more log-gamma (quadrature)."""
    N = 5
    a = N / 2
    for t in (-3.0, -0.5, 0.4, 1.5):
        conv = integrate.quad(
            lambda s: math.exp(_log_product2(s, a) + _log_gamma_t(t - s, a)), -60, 12, limit=400, epsabs=0, epsrel=1e-13
        )[0]
        assert abs(log_prior(np.array([t]), N, 3)[0] - math.log(conv)) < 1e-11


def test_log_prior_is_normalized_for_every_depth():
    for N, L in [(2, 2), (3, 3), (40, 4), (1, 2)]:
        sd = math.sqrt(2 * L / N)
        t = np.linspace(-min(45 * L / N * 2, 90), 8 * sd + 3, 1501)  # the mass, to e^-40 on each side
        w = np.exp(log_prior(t, N, L))
        assert w[0] < 1e-15 and w[-1] < 1e-15
        assert abs(np.sum(w) * (t[1] - t[0]) - 1.0) < 1e-10, (N, L)


def test_log_prior_relative_form_has_no_cancellation():
    """At N = 10^6 the absolute log density is ~10^6: the difference form keeps ~1e-12 absolute accuracy."""
    N, L = 10**6, 2
    t = np.array([-2e-3, 1e-3, 3e-3])
    d = log_prior(t, N, L, t_ref=0.0)
    ref = _log_product2(t, N / 2) - _log_product2(np.array([0.0]), N / 2)[0]  # itself cancels: loose
    assert np.max(np.abs(d - ref)) < 1e-6
    # the Gaussian limit: d ≈ −(t − t0)² a/(2L) ... checked by symmetry of the curvature around the mode
    h = 1e-4
    c = log_prior(np.array([-h, h]), N, L, t_ref=0.0)
    assert abs(c.sum() / h**2 + N / (2 * L)) < 1e-3 * N


# --- exact against the independent quadrature -------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_exact_matches_quadrature_on_random_networks(seed):
    rng = np.random.default_rng(seed)
    model = _random_network(rng, L=(1, 3))
    mean, var, info = network_moments(model)
    ref_m, ref_v = _reference(model)
    assert _worst(mean, ref_m) < 1e-9 and _worst(var, ref_v) < 1e-9, model
    assert info["error"] < 1e-10


def test_exact_interpolated_equals_mode_by_mode():
    """Beyond 10^4 modes the mode functions F, V are interpolated: against the direct evaluation."""
    import rgflow.network as net

    for par, N, L in (("standard", 3, 2), ("mean-field", 40, 1)):
        model = rgflow.Model(0.3, 0.1, 20000, 20000 / 100**1.2, width=N, depth=L, parameterization=par)
        m1, v1, info = network_moments(model)
        assert info["interpolated"]
        saved = net._DIRECT
        net._DIRECT = 10**12
        try:
            m2, v2, info2 = network_moments(model)
        finally:
            net._DIRECT = saved
        assert not info2["interpolated"]
        assert _worst(m1, m2) < 1e-12 and _worst(v1, v2) < 1e-12


def test_exact_compressed_sums_match_all_modes():
    """Λ > 8192: D(t) summed over 4096 modes plus Gauss–Legendre nodes, against every mode summed."""
    import rgflow.network as net

    model = rgflow.Model(0.2, 0.3, 30000, 30000 / 100**1.2, width=6, depth=2)
    m1, _, _ = network_moments(model)
    post = net._Posterior(model, xs=model.r * model.eigenvalues(), y2=model.target() ** 2, w=None)
    ts, funcs, _, _ = net._mode_functions(model, post, 1e-11)
    m2, _ = net._assemble(model, ts, funcs["F"], funcs["V"], post.g)
    assert _worst(m1, m2) < 1e-10


# --- limits -----------------------------------------------------------------------------------------


def test_infinite_width_standard_is_the_gp():
    model = rgflow.Model(0.5, 0.5, 60, 2.0, width=10**11, depth=3)
    mean, var, _ = network_moments(model)
    gp = rgflow.predict(model.replace(width=None, depth=1), "gp")
    assert _worst(mean, gp.mean) < 1e-8 and _worst(var, gp.var) < 1e-8


@pytest.mark.parametrize("depth", [1, 3])
def test_mean_field_parameterization_tends_to_its_saddle(depth):
    """Mean-field: exact → the saddle in Q as N → ∞, the gap falling like 1/N (not to the GP)."""
    gaps = []
    for N in (200, 800, 3200):
        model = rgflow.Model(0.4, 0.2, 50, 1.0, width=N, depth=depth, parameterization="mean-field")
        ex, _, _ = network_moments(model)
        mf, _, _ = mean_field_moments(model)
        gaps.append(_worst(mf, ex))
    assert 3.0 < gaps[0] / gaps[1] < 5.0 and 3.0 < gaps[1] / gaps[2] < 5.0, gaps
    gp = rgflow.predict(rgflow.Model(0.4, 0.2, 50, 1.0), "gp").mean
    assert _worst(gp, ex) > 100 * gaps[-1]  # far from the GP


@pytest.mark.parametrize("par", ["standard", "mean-field"])
def test_pt1_is_the_first_order_of_exact_in_one_over_N(par):
    """N (exact(N) − exact(∞)) → the pt1 coefficient; Richardson in 1/N from N and 2N."""
    base = dict(alpha=0.6, beta=0.4, P=40, kappa=2.0, depth=2, parameterization=par)
    Ns = (4000, 8000)
    big = network_moments(rgflow.Model(**base, width=10**12))[0] if par == "standard" else None
    c = []
    for N in Ns:
        model = rgflow.Model(**base, width=N)
        ex = network_moments(model)[0]
        p1 = pt1_moments(model)[0]
        zero = big if par == "standard" else pt1_moments(rgflow.Model(**base, width=10**12))[0]
        c.append((N * (ex - zero), N * (p1 - zero)))
    fd = 2 * c[1][0] - c[0][0]  # Richardson: removes the O(1/N) term of N·δ
    coeff = c[1][1]
    assert np.max(np.abs(fd - coeff)) < 2e-3 * np.max(np.abs(coeff))


def test_pt1_standard_matches_the_first_look_formula():
    """the first look of docs/networks.md: δ⟨Δ_k⟩/⟨Δ_k⟩ = −(L r²/N) G_k [r Σ λ m² − Σ G − 2 G_k]."""
    model = rgflow.Model(0.3, 0.7, 80, 3.0, width=500, depth=3)
    lam, y, r, N, L = model.eigenvalues(), model.target(), model.r, 500, 3
    m, G = y / (1 + r * lam), lam / (1 + r * lam)
    first_look = m * (1 - (L * r * r / N) * G * (r * np.sum(lam * m * m) - np.sum(G) - 2 * G))
    assert _worst(pt1_moments(model)[0], first_look) < 1e-12


# --- rg -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_rg_accuracy_and_error_estimate_on_random_networks(seed):
    rng = np.random.default_rng(100 + seed)
    model = _random_network(rng, P=(50, 1500), N=(0.3, 5.0))
    ex = network_moments(model)
    rg = network_rg_moments(model)
    gp = rgflow.predict(model, "gp").mean
    err = _worst(rg[0], ex[0])
    assert err < 1e-3
    assert err <= rg[2]["error_estimate"]
    assert _worst(rg[1], ex[1]) <= rg[2]["var_error_estimate"]
    assert err * 10 <= _worst(gp, ex[0]) or err < 1e-9


def test_running_couplings_are_sums_of_shell_derivatives():
    """g_n(k) = Σ_{q>k} ∂ⁿ D_q(t0): against finite differences of the shells' log evidence."""
    import rgflow.network as net

    model = rgflow.Model(0.5, 0.8, 120, 5.0, width=30, depth=2)
    t0, g = running_couplings(model, [0, 60, 120], t0=0.1)
    lam, y, r = model.eigenvalues(), model.target(), model.r

    def shells(t, k):
        return net._log_evidence(np.atleast_1d(t), t0, r * lam[k:], (y * y)[k:], None, r)

    h = 1e-3
    for row, k in zip(g, (0, 60, 120)):
        f = shells(t0 + h * np.arange(-3, 4), k)
        d1 = (f[5] - f[1] - 2 * (f[4] - f[2])) / (2 * h**3) if False else (f[4] - f[2]) / (2 * h)
        d2 = (f[4] - 2 * f[3] + f[2]) / h**2
        assert abs(d1 - row[0]) < 1e-5 * max(1, abs(row[0])) and abs(d2 - row[1]) < 1e-4 * max(1, abs(row[1]))
    assert np.all(g[-1] == 0)


# --- transfer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_network_transfer_beats_naive_both_ways(seed):
    rng = np.random.default_rng(200 + seed)
    model = _random_network(rng, P=(100, 600), N=(0.3, 3.5))
    P_new = int(model.P * (0.5 if seed % 2 else 2.0))
    new, info = network_transfer(model, P_new)
    K = min(model.P, P_new)
    one = network_moments(model)[0][:K]
    dev = _worst(network_moments(new)[0][:K], one)
    naive = _worst(network_moments(model.replace(P=P_new, cutoff=P_new))[0][:K], one)
    assert dev < 0.05 * naive, (dev, naive)


# --- the API -----------------------------------------------------------------------------------


def test_predict_dispatches_network_methods():
    model = rgflow.Model(0.2, 0.3, 30, 4.0, width=8, depth=2)
    ex = rgflow.predict(model, "exact")
    assert ex.to_dict()["params"]["width"] == 8 and ex.to_dict()["params"]["depth"] == 2
    for method in ("gp", "pt1", "rg", "mean-field"):
        rgflow.predict(model, method)
    with pytest.raises(ValueError, match="not defined for networks"):
        rgflow.predict(model, "langevin")
    with pytest.raises(ValueError, match="width"):
        rgflow.predict(rgflow.Model(0.2, 0.3, 30, 4.0), "sample")


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"width": 0}, "width"),
        ({"width": 2.5}, "width"),
        ({"width": True}, "width"),
        ({"width": 4, "depth": 0}, "depth"),
        ({"width": 4, "U": 0.1}, "U"),
        ({"width": 4, "parameterization": "ntk"}, "parameterization"),
        ({"depth": 2}, "width"),
    ],
)
def test_bad_network_parameters_name_the_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        rgflow.Model(0.2, 0.3, 30, 4.0, **kw)


def test_flow_refuses_a_network():
    with pytest.raises(ValueError, match="running_couplings"):
        rgflow.flow(rgflow.Model(0.2, 0.3, 30, 4.0, width=8))


def test_learning_curve_at_fixed_width_ratio():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve = rgflow.learning_curve([40, 80], 0.2, 0.3, 4.0, method="exact", width_ratio=0.25, depth=2)
    for P, loss in zip((40, 80), curve.loss):
        pred = rgflow.predict(rgflow.Model(0.2, 0.3, P, 4.0, width=P // 4, depth=2), "exact")
        assert abs(loss / pred.loss - 1) < 1e-14

"""The network's derivation (derivations/network.py): the generated module means what a fresh sympy
derivation gives, and every derived formula against an independent computation (finite differences,
quadrature, the exact L = 2 prior, Richardson extrapolation of the exact mixture in 1/N)."""

import importlib.util
import inspect
import math

import numpy as np
import pytest
from scipy.integrate import quad

from rgflow import _network_equations as neq
from rgflow import network as nw
from rgflow.model import Model

from conftest import ROOT


def _network_derivation():
    spec = importlib.util.spec_from_file_location("network_derivation", ROOT / "derivations" / "network.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def derivation():
    mod = _network_derivation()
    return mod, mod.derive()


# where each argument of a generated function is drawn (inside the derivation's sympy assumptions)
DOMAINS = {
    "Lq": (0.0, 1.0),
    "c": (0.0, 50.0),
    "h1": (-2.0, 2.0),
    "h2": (-2.0, 2.0),
    "A": (0.05, 5.0),
    "psi1": (-5.0, 5.0),
    "phi3": (-5.0, 0.0),
    "N": (2.0, 1e4),
    "t": (-3.0, 3.0),
    "L": (1.0, 6.0),
    "G": (0.0, 1.0),
    "m": (0.0, 2.0),
    "r": (0.1, 100.0),
    "S_b": (0.0, 10.0),
    "S_G": (0.0, 10.0),
    "P": (10.0, 1e4),
    "kappa": (0.05, 100.0),
    "alpha": (0.05, 3.0),
    "beta": (0.05, 6.0),
}


def test_generated_functions_mean_what_a_fresh_derivation_gives(derivation):
    """Every function of rgflow/_network_equations.py against the sympy expressions derived now, at
    200 random points in 30-digit arithmetic (independent of how a sympy version prints)."""
    import mpmath
    import sympy as sp

    mod, d = derivation
    rng = np.random.default_rng(22)
    for name, args, exprs, _doc in mod.generated_functions(d):
        names = mod.argument_names(args)
        pts = [rng.uniform(*DOMAINS[n], size=200) for n in names]
        out = getattr(neq, name)(*pts)
        out = (out,) if len(exprs) == 1 else out
        got = np.broadcast_arrays(*out, pts[0])[:-1]
        ref_fn = sp.lambdify(args, list(exprs), modules="mpmath")
        with mpmath.workdps(30):
            ref = np.array(
                [[float(v) for v in ref_fn(*(mpmath.mpf(float(p[i])) for p in pts))] for i in range(pts[0].size)]
            ).T
        assert len(got) == len(exprs), name
        for j, (g, want) in enumerate(zip(got, ref)):
            np.testing.assert_allclose(
                np.asarray(g, dtype=float),
                want,
                rtol=1e-10,
                atol=1e-13,
                err_msg=f"{name} output {j} differs from the derivation",
            )


def test_generated_module_has_exactly_the_derived_functions(derivation):
    mod, d = derivation
    derived = {name: mod.argument_names(args) for name, args, _e, _d in mod.generated_functions(d)}
    present = {
        name: list(inspect.signature(f).parameters)
        for name, f in vars(neq).items()
        if inspect.isfunction(f) and not name.startswith("_")
    }
    assert present == derived


def test_generated_text_is_current_when_written_by_the_same_sympy(derivation):
    """The exact text depends on sympy's printing: compare it only under the sympy and Python that wrote it."""
    mod, d = derivation
    if f"Generated with {mod.versions()}." not in (ROOT / "rgflow" / "_network_equations.py").read_text():
        pytest.skip(f"generated with another sympy/Python than {mod.versions()}: the meaning test covers it")
    assert mod.main(check=True, d=d) == 0, "run `python derivations/network.py`"


# --- the shell derivatives ------------------------------------------------------------------------


def _D(t, x, c):
    import mpmath

    e = x * mpmath.exp(t)
    return -(mpmath.log(1 + e) + c / (1 + e)) / 2


@pytest.mark.parametrize("seed", range(4))
def test_shell_derivatives_against_mpmath_differentiation(seed):
    """∂ⁿD_q (n ≤ 5) of the generated module against mpmath's numerical derivatives of the closed form
    D_q(t) = −½[ln(1 + xe^t) + c/(1 + xe^t)] at 30 digits, and rgflow.network's functions built on the generated code."""
    import mpmath

    rng = np.random.default_rng(seed)
    x, c, t0 = 10 ** rng.uniform(-3, 3), rng.uniform(0, 30), rng.uniform(-2, 2)
    Lq = x * math.exp(t0) / (1 + x * math.exp(t0))
    with mpmath.workdps(30):
        want = [float(mpmath.diff(lambda tt: _D(tt, x, c), t0, n)) for n in range(1, 6)]
    got = neq.shell_derivatives(Lq, c)
    scale = max(1.0, c) * Lq * (1 - Lq) + Lq
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * scale)
    hand = nw._shell_derivatives(np.array([x * math.exp(t0)]), np.array([c]), 1.0, 5)[0]
    np.testing.assert_allclose(hand, want, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(
        nw._logistic_derivatives(np.array([Lq]), 5),
        np.array(neq.logistic_derivatives(Lq))[:, None],
        rtol=1e-12,
        atol=1e-14,
    )


# --- the Laplace formula against quadrature -----------------------------------------------------------


def _toy(N):
    """⟨h⟩, Var h under e^{Nφ+ψ}: φ = ½(t − 2e^{t/2} + 2) (L = 2), ψ = 0.7t − 0.3t², h = 1/(1 + 3e^t)."""

    def phi(t):
        return 0.5 * (t - 2 * math.exp(t / 2) + 2)

    def psi(t):
        return 0.7 * t - 0.3 * t * t

    def h(t):
        return 1 / (1 + 3 * math.exp(t))

    def w(t):
        return math.exp(N * phi(t) + psi(t))

    lo, hi = -12 / math.sqrt(N) - 0.5, 12 / math.sqrt(N) + 0.5
    pts = [0.0]
    Z = quad(w, lo, hi, points=pts, epsabs=0, epsrel=1e-13, limit=200)[0]
    m1 = quad(lambda t: w(t) * h(t), lo, hi, points=pts, epsabs=0, epsrel=1e-13, limit=200)[0] / Z
    m2 = quad(lambda t: w(t) * h(t) ** 2, lo, hi, points=pts, epsabs=0, epsrel=1e-13, limit=200)[0] / Z
    return m1, m2 - m1 * m1


def test_laplace_formula_against_quadrature_residual_shrinks_like_one_over_N_squared():
    A, phi3, psi1 = 1 / 4, -1 / 8, 0.7  # −φ''(0), φ'''(0), ψ'(0) of the toy (t̂ = 0)
    x = 3.0
    Lk = x / (1 + x)
    h0, h1, h2 = 1 - Lk, -Lk * (1 - Lk), -Lk * (1 - Lk) * (1 - 2 * Lk)
    res_m, res_v = [], []
    Ns = [200, 400, 800, 1600]
    for N in Ns:
        m, v = _toy(N)
        res_m.append(m - (h0 + neq.laplace_correction(h1, h2, A, psi1, phi3, N)))
        res_v.append(v - neq.laplace_variance(h1, A, N))
        # the formula captures the 1/N term: its residual is far below the correction itself
        assert abs(res_m[-1]) < 0.1 * abs(m - h0)
    for res in (res_m, res_v):
        ratios = [res[i] / res[i + 1] for i in range(len(res) - 1)]
        assert all(3.4 < q < 4.6 for q in ratios), ratios  # O(1/N²): halving 1/N divides by 4


# --- the prior of t ----------------------------------------------------------------------------------


def _log_f2_exact(t, N):
    """ln density of t = ln(q₁q₂), q ~ Gamma(a, rate a): f_z = 2a^{2a}z^{a−1}K₀(2a√z)/Γ(a)², f_t = z f_z."""
    import mpmath

    a = mpmath.mpf(N) / 2
    z = mpmath.exp(t)
    return float(
        mpmath.log(2)
        + 2 * a * mpmath.log(a)
        + a * mpmath.log(z)
        + mpmath.log(mpmath.besselk(0, 2 * a * mpmath.sqrt(z)))
        - 2 * mpmath.loggamma(a)
    )


def test_prior_psi_against_the_exact_L2_density_and_log_prior():
    """ln f_2(t) − ln f_2(0) − N[φ(t) − φ(0)] → ψ_p(t) − ψ_p(0) with an O(1/N) residual (halves when N doubles),
    at fixed t in [−0.3, 0.3]; and rgflow.network.log_prior (L = 3, Mellin) likewise."""
    import mpmath

    with mpmath.workdps(40):
        for L, exact in ((2, _log_f2_exact), (3, None)):
            res = []
            for N in (400, 800, 1600):
                ts = np.linspace(-0.3, 0.3, 7)  # fixed t: the O(1/N) term is then χ(t)/N
                phi = 0.5 * (ts - L * np.exp(ts / L) + L)
                if exact is not None:
                    lf = np.array([exact(t, N) for t in ts]) - exact(0.0, N)
                else:
                    lf = nw.log_prior(ts, N, L, t_ref=0.0)
                res.append(np.max(np.abs(lf - N * phi - neq.prior_psi(ts, L))))
                # what ψ_p accounts for is not small: it is the whole O(1) part
                assert np.max(np.abs(neq.prior_psi(ts, L))) > 20 * res[-1]
            assert 1.7 < res[0] / res[1] < 2.3 and 1.7 < res[1] / res[2] < 2.3, (L, res)


# --- pt1 of the network against the exact mixture --------------------------------------------------

SETS = [
    (0.5, 0.8, 300, 2.0, 1, "standard"),
    (0.2, 0.3, 400, 3.98, 2, "standard"),
    (1.0, 1.5, 200, 0.5, 3, "standard"),
    (0.5, 0.8, 300, 2.0, 1, "mean-field"),
    (0.3, 0.6, 250, 1.0, 2, "mean-field"),
    (1.2, 0.5, 150, 5.0, 3, "mean-field"),
]


@pytest.mark.parametrize("alpha, beta, P, kappa, L, par", SETS)
def test_pt1_moments_against_richardson_of_the_exact_mixture_in_one_over_N(alpha, beta, P, kappa, L, par):
    """The 1/N coefficient of the exact mixture, c(N) = N(moment_N − moment_∞), extrapolated by Richardson
    (2c(2N) − c(N), error O(1/N²)), equals pt1_moments' coefficient; Richardson must remove most of the
    plain difference c(N) − c_pt1 (so an error in pt1 of that size would fail). Mean-field: the N → ∞
    limit is the GP at the saddle t̂ and the variance is O(1/N) as a whole (its coefficient N·Var)."""
    N = 20000
    m = Model(alpha, beta, P, kappa, width=N, depth=L, parameterization=par)
    a, va, _ = nw.network_moments(m)
    b, vb, _ = nw.network_moments(m.replace(width=2 * N))
    p, pv, info = nw.pt1_moments(m)
    lam, y = m.eigenvalues(), m.target()
    x = m.r * lam * math.exp(info["t_hat"])
    mean_inf = y / (1 + x)
    var_inf = lam / (1 + x) if par == "standard" else 0.0 * lam
    for name, (mN, m2N, mp, inf) in {"mean": (a, b, p, mean_inf), "var": (va, vb, pv, var_inf)}.items():
        cN, c2N, cp = N * (mN - inf), 2 * N * (m2N - inf), N * (mp - inf)
        rich = 2 * c2N - cN
        scale = np.max(np.abs(cp))
        assert np.max(np.abs(rich - cp)) <= 1e-4 * scale, (name, np.max(np.abs(rich - cp)) / scale)
        assert np.max(np.abs(rich - cp)) <= 0.15 * np.max(np.abs(cN - cp)), name


@pytest.mark.parametrize("alpha, beta, P, kappa, L", [s[:5] for s in SETS if s[5] == "standard"])
def test_first_look_equals_pt1_moments_standard(alpha, beta, P, kappa, L):
    """The first look (issue 22, docs/networks.md): δ⟨Δ_k⟩/⟨Δ_k⟩ = −(L r²/N) G_k [r Σ λ m² − Σ G − 2G_k] (numpy, by hand) against
    rgflow.network.pt1_moments; the variance against the derived closed form (generated)."""
    N = 5000
    m = Model(alpha, beta, P, kappa, width=N, depth=L)
    lam, y, r = m.eigenvalues(), m.target(), m.r
    mk, Gk = y / (1 + r * lam), lam / (1 + r * lam)
    Sb, SG = float(np.sum(lam * mk**2)), float(np.sum(Gk))
    first_look = -(L * r**2 / N) * Gk * (r * Sb - SG - 2 * Gk)
    p, pv, _ = nw.pt1_moments(m)
    np.testing.assert_allclose(p / mk - 1, first_look, rtol=1e-9, atol=1e-15)
    rel_m, rel_v = neq.pt1_standard_relative(Gk, mk, r, Sb, SG, L, N)
    np.testing.assert_allclose(rel_m, first_look, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(pv / Gk - 1, rel_v, rtol=1e-9, atol=1e-15)


def test_mapped_quartic_bias_term_agrees_and_variance_loops_flip():
    """On a set where the variance loops are negligible (S_G, G_k ≪ rS_b) the network and the mapped quartic
    agree; the difference of the two equals the flipped loops 2(Lr²/N)G_k(S_G + 2G_k) exactly."""
    N, L = 1000, 2
    m = Model(0.5, 0.8, 300, 2.0, width=N, depth=L)
    lam, y, r = m.eigenvalues(), m.target(), m.r
    mk, Gk = y / (1 + r * lam), lam / (1 + r * lam)
    Sb, SG = float(np.sum(lam * mk**2)), float(np.sum(Gk))
    net, _ = neq.pt1_standard_relative(Gk, mk, r, Sb, SG, L, N)
    quart = neq.quartic_relative(Gk, r, Sb, SG, L, N)
    np.testing.assert_allclose(net - quart, 2 * (L * r**2 / N) * Gk * (SG + 2 * Gk), rtol=1e-12)
    # and the repository's pt1 of section 1's quartic on the mapped model gives quartic_relative
    from rgflow import _equations as eq

    U = neq.mapped_U(m.P, m.kappa, L, N)
    M = np.sqrt(r * lam) * mk
    A0 = float(np.sum(Gk + M**2))
    mean_q, _ = eq.pt1_moments(M, Gk, A0, U * m.P)
    np.testing.assert_allclose(mean_q / M - 1, quart, rtol=1e-12)

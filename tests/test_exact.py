"""The fast Hubbard–Stratonovich quadrature (explicit infrared modes + power series for the rest)
against a direct evaluation: every mode's complex mass shift summed node by node, integrated by
adaptive quadrature (scipy.integrate.quad)."""

import math

import numpy as np
import pytest
from scipy.integrate import quad_vec

from rgflow import Model
from rgflow import exact as ex

CASES = [
    (0.2, 0.3, 20000, 20000 / 100**1.2, 0.05),
    (1.0, 1.5, 5000, 5.0, 0.2),
    (2.0, 1.0, 20000, 30.0, 0.5),  # b_k² c_k grows with k (β < α)
]


def direct(model, modes):
    """⟨Δ_k⟩, Var Δ_k for the given modes by adaptive quadrature over x with the full log-weight."""
    lam, y = model.eigenvalues(), model.target()
    a, b = 1.0 / lam + model.r, y / lam
    u = model.u
    # the saddle from its definition, by bracketing root search (independent of rgflow's Newton)
    from scipy.optimize import brentq

    mu = brentq(
        lambda m: m - u * np.sum(1 / (a + m) + b**2 / (a + m) ** 2),
        0.0,
        u * np.sum(1 / a + b**2 / a**2),
        xtol=1e-14,
        rtol=1e-15,
    )

    def logw(x):
        m = a + mu + 2j * x
        return (
            (1j * mu * x - x * x) / u
            - 0.5 * np.sum(np.log(m / (a + mu)))
            + np.sum(b**2 / (2 * m) - b**2 / (2 * (a + mu)))
        )

    upper = 1.0
    while logw(upper).real > -60:
        upper *= 1.5

    ak, bk = a[np.array(modes) - 1] + mu, b[np.array(modes) - 1]

    def integrand(x):  # Z, then ⟨b/(a+m)⟩ and ⟨1/(a+m) + b²/(a+m)²⟩ of each mode, unnormalized
        g = 1.0 / (ak + 2j * x)
        return (np.exp(logw(x)) * np.concatenate([[1.0], bk * g, g + (bk * g) ** 2])).real

    s = quad_vec(integrand, 0, upper, epsabs=0, epsrel=1e-13, limit=400)[0]
    n = len(modes)
    mean, second = s[1 : n + 1] / s[0], s[n + 1 :] / s[0]
    out = np.stack([mean, second - mean**2], axis=1)
    return mu, out


@pytest.mark.parametrize("params", CASES)
def test_fast_quadrature_matches_direct_quadrature(params):
    m = Model(*params)
    res = ex.exact_moments(m)
    assert 0 < res["explicit"] < m.cutoff / 10  # most modes go through the series
    n_ir = res["explicit"]
    modes = sorted({1, 2, max(n_ir, 1), n_ir + 1, 3 * n_ir + 7, m.cutoff // 2, m.cutoff})
    mu, ref = direct(m, modes)
    assert res["mu"] == pytest.approx(mu, rel=1e-12)
    idx = np.array(modes) - 1
    np.testing.assert_allclose(res["mean"][idx], ref[:, 0], rtol=1e-9)
    np.testing.assert_allclose(res["var"][idx], ref[:, 1], rtol=1e-9)


def test_loose_series_bound_falls_back_to_the_moments(monkeypatch):
    m = Model(*CASES[0])
    good = ex.exact_moments(m)
    monkeypatch.setattr(ex, "_series_change", lambda *args: math.inf)
    res = ex.exact_moments(m)
    np.testing.assert_allclose(res["mean"], good["mean"], rtol=1e-11)
    np.testing.assert_allclose(res["var"], good["var"], rtol=1e-11)


def test_saddle_solves_its_equation_at_a_million_modes():
    m = Model(0.2, 0.3, 10**6, 10**6 / 100**1.2, 0.05)
    a = 1 / m.eigenvalues() + m.r
    b2 = (m.target() * (a - m.r)) ** 2
    mu = ex.saddle(m)
    rhs = m.u * math.fsum(1 / (a + mu) + b2 / (a + mu) ** 2)
    assert mu == pytest.approx(rhs, rel=1e-13)


# --- the Euler–Maclaurin sums of the power law against the mode-by-mode sums --------------------

EM_CASES = [
    (0.2, 0.3, 0.0, 1.0),
    (0.2, 0.3, 2.5e3, 3.0),
    (0.3, 0.8, 1e5, 2.0),
    (2.0, 1.0, 30.0, 7.0),
    (5.0, 10.0, 1e4, 1.0),
    (0.01, -0.9, 1.0, 12.0),
]


def _mode_by_mode(p, q, n, M, A, B):
    k = np.arange(A, B + 1, dtype=float)
    return math.fsum(np.exp(q * np.log(k) - n * np.log(k**p + M)))


@pytest.mark.parametrize("alpha, beta, M, n", EM_CASES)
def test_euler_maclaurin_tail_matches_mode_by_mode_sums(alpha, beta, M, n):
    """Σ_{k=A}^{B} k^q/(k^p + M)^n by Euler–Maclaurin from a small A (where the Bernoulli terms
    matter) equals the plain sum to 1e-12, and its recorded bound covers the actual error."""
    A, B = 12, 300000
    for q in (0.0, 1 + 2 * alpha - beta):
        tail = ex._PowerLawTail(alpha, beta, A, B)
        got = float(tail.sums(M, q, [n])[0])
        ref = _mode_by_mode(1 + alpha, q, n, M, A, B)
        assert got == pytest.approx(ref, rel=1e-12)
        assert abs(got - ref) <= max(tail.error, 1e-15) * abs(ref) * 1.01
        head = ex._PowerLawTail(alpha, beta, ex._EM_HEAD + 1, B)  # where exact_moments starts it
        assert float(head.sums(M, q, [n])[0]) == pytest.approx(
            _mode_by_mode(1 + alpha, q, n, M, ex._EM_HEAD + 1, B), rel=1e-13
        )
        assert head.error <= ex._SUM_TOL


@pytest.mark.parametrize("bernoulli", [2, 4])
def test_euler_maclaurin_tail_detects_a_loosened_truncation(monkeypatch, bernoulli):
    """With fewer Bernoulli corrections the sum is off by far more than 1e-12 (so the test above
    can fail), and the remainder bound says so."""
    monkeypatch.setattr(ex, "_BERNOULLI", ex._BERNOULLI[:bernoulli])
    alpha, beta, M, n = 2.0, 1.0, 30.0, 7.0
    tail = ex._PowerLawTail(alpha, beta, 12, 300000)
    got = float(tail.sums(M, 0.0, [n])[0])
    ref = _mode_by_mode(3.0, 0.0, n, M, 12, 300000)
    assert abs(got / ref - 1) > 1e-11
    assert tail.error >= abs(got / ref - 1)


def test_coarse_panels_are_refined_until_the_integral_is_accurate(monkeypatch):
    alpha, beta, M, n, q = 5.0, 10.0, 1e5, 1.0, 5.0  # x^5/(x^6 + M): λ = q + 1 − np = 0, no exponential
    tail = ex._PowerLawTail(alpha, beta, 12, 300000)
    tail.h0 = 4.0  # panels far too wide for the knee of 1/(k^6 + M)
    got = float(tail.sums(M, q, [n])[0])
    assert tail.h < 4.0
    assert got == pytest.approx(_mode_by_mode(6.0, q, n, M, 12, 300000), rel=1e-12)


@pytest.mark.parametrize(
    "params",
    [
        (0.3, 0.8, 10**6, 5.0, 0.05),
        (0.2, 0.3, 10**6, 1000 / 100**1.2, 0.05),
        (2.0, 1.0, 200000, 30.0, 0.5),
        (0.01, -0.9, 100000, 1.0, 0.01),
        (0.2, 0.3, 100000, 1e5, 100.0),
    ],
)
def test_euler_maclaurin_moments_match_mode_by_mode_moments(monkeypatch, params):
    m = Model(*params)
    fast = ex.exact_moments(m)
    assert fast["summed"] < m.cutoff and fast["sum_error"] <= ex._SUM_TOL
    monkeypatch.setattr(ex, "_tail_for", lambda model, start: None)  # every sum mode by mode
    slow = ex.exact_moments(m)
    assert slow["summed"] == m.cutoff
    assert fast["mu"] == pytest.approx(slow["mu"], rel=1e-13)
    np.testing.assert_allclose(fast["mean"], slow["mean"], rtol=1e-12)
    np.testing.assert_allclose(fast["var"], slow["var"], rtol=1e-12)


def test_only_the_power_law_model_takes_the_shortcut():
    from rgflow import Measured, PowerLaw

    other = PowerLaw(0.2, 0.3, A=2.0)  # prefactors: not the unit power law of the tail
    measured = Measured(*PowerLaw(0.2, 0.3).modes(20000))  # the same numbers, as arrays
    assert ex._tail_for(Model(0.2, 0.3, 10**5, 4.0, 0.05), 4096) is not None
    assert ex._tail_for(Model.from_spectrum(other, 10**5, 4.0, 0.05), 4096) is None
    assert ex._tail_for(Model.from_spectrum(measured, 20000, 4.0, 0.05), 4096) is None
    assert ex._tail_for(Model(0.2, 0.3, 8000, 4.0, 0.05), 4096) is None  # too few modes beyond the head
    res = ex.exact_moments(Model.from_spectrum(measured, 20000, 4.0, 0.05))
    assert res["summed"] == 20000 and res["sum_error"] == 0.0

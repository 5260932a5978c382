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
    (2.0, 1.0, 20000, 30.0, 0.5),     # b_k² c_k grows with k (β < α)
]


def direct(model, modes):
    """⟨Δ_k⟩, Var Δ_k for the given modes by adaptive quadrature over x with the full log-weight."""
    lam, y = model.eigenvalues(), model.target()
    a, b = 1.0 / lam + model.r, y / lam
    u = model.u
    # the saddle from its definition, by bracketing root search (independent of rgflow's Newton)
    from scipy.optimize import brentq
    mu = brentq(lambda m: m - u * np.sum(1 / (a + m) + b**2 / (a + m) ** 2), 0.0, u * np.sum(1 / a + b**2 / a**2),
                xtol=1e-14, rtol=1e-15)

    def logw(x):
        m = a + mu + 2j * x
        return (1j * mu * x - x * x) / u - 0.5 * np.sum(np.log(m / (a + mu))) + np.sum(b**2 / (2 * m) - b**2 / (2 * (a + mu)))

    upper = 1.0
    while logw(upper).real > -60:
        upper *= 1.5

    ak, bk = a[np.array(modes) - 1] + mu, b[np.array(modes) - 1]

    def integrand(x):     # Z, then ⟨b/(a+m)⟩ and ⟨1/(a+m) + b²/(a+m)²⟩ of each mode, unnormalized
        g = 1.0 / (ak + 2j * x)
        return (np.exp(logw(x)) * np.concatenate([[1.0], bk * g, g + (bk * g) ** 2])).real

    s = quad_vec(integrand, 0, upper, epsabs=0, epsrel=1e-13, limit=400)[0]
    n = len(modes)
    mean, second = s[1:n + 1] / s[0], s[n + 1:] / s[0]
    out = np.stack([mean, second - mean**2], axis=1)
    return mu, out


@pytest.mark.parametrize("params", CASES)
def test_fast_quadrature_matches_direct_quadrature(params):
    m = Model(*params)
    res = ex.exact_moments(m)
    assert 0 < res["explicit"] < m.cutoff / 10          # most modes go through the series
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

"""The one integration core (rgflow.scalar) against independent computations: mode-by-mode sums,
closed-form Gaussian integrals."""

import math

import numpy as np
import pytest

from rgflow import Measured, Model, PowerLaw, scalar


@pytest.mark.parametrize(
    "params",
    [
        (0.2, 0.3, 10**6, 10**6 / 100**1.2, 0.05),
        (0.01, -0.9, 100000, 1.0, 0.01),
        (2.0, 1.0, 200000, 30.0, 0.5),
        (0.3, 0.8, 8193, 5.0, 0.05),
    ],
)
def test_compressed_modes_sum_smooth_summands_like_every_mode(params):
    """Σ_j w_j f(k_j) against math.fsum over k = 1..Λ for summands of λ(k), y(k) like those of the
    weight (c, b²c², c³, b²c⁴ with c = 1/(1/λ + M)), to 1e-12 relative."""
    m = Model(*params)
    k, w = scalar.compressed_modes(m)
    assert np.all(w[:4096] == 1.0) and np.array_equal(k[:4096], np.arange(1.0, 4097.0))
    assert len(k) == 4096 + 4 * 256 + 4
    lam_all, y_all = m.eigenvalues(), m.target()
    lam_n, y_n = m.eigenvalues(k), m.target(k)
    for M in (m.r, 10 * m.r + 3.0):
        for f in (
            lambda lam, y: 1 / (1 / lam + M),
            lambda lam, y: (y / lam) ** 2 / (1 / lam + M) ** 2,
            lambda lam, y: (1 / (1 / lam + M)) ** 3,
            lambda lam, y: (y / lam) ** 2 / (1 / lam + M) ** 4,
        ):
            ref = math.fsum(f(lam_all, y_all))
            assert float(w @ f(lam_n, y_n)) == pytest.approx(ref, rel=1e-12)


def test_compressed_modes_only_for_smooth_long_spectra():
    assert scalar.compressed_modes(Model(0.2, 0.3, 8192, 4.0, 0.05)) is None  # Λ ≤ 2·4096
    assert scalar.compressed_modes(Model(0.2, 0.3, 8193, 4.0, 0.05)) is not None
    measured = Measured(*PowerLaw(0.2, 0.3).modes(20000))
    assert scalar.compressed_modes(Model.from_spectrum(measured, 20000, 4.0, 0.05)) is None
    k, w = scalar.compressed_modes(Model(0.2, 0.3, 3000, 4.0, 0.05), explicit=100, bins=16)
    assert len(k) == 100 + 64 + 4 and k[-1] == 3001.0
    assert float(w.sum()) == pytest.approx(3000.0, rel=1e-13)  # f = 1 is summed exactly


def test_trapezoid_integrates_a_gaussian_moment_and_halves_until_done():
    """∫_0^∞ e^{-x²} (1, x²) dx = √π/2 (1, ½) with the even-integrand half weight at 0; the step is halved
    until two levels agree, and each level adds only the midpoints."""
    seen = []

    def accumulate(xs, c):
        seen.append(xs.copy())
        w = np.exp(-xs * xs) * c
        return [w.sum(), w @ (xs * xs)]

    state = {}

    def done(sums, level, nodes):
        prev, state["prev"] = state.get("prev"), sums
        if prev is not None and abs(sums[0] / prev[0] - 1) < 1e-14:
            return sums
        return None

    sums, nodes = scalar.trapezoid(accumulate, 0.0, 7.0, 1.0, done, max_halvings=10, half_at_lo=True)
    assert sums[0] == pytest.approx(math.sqrt(math.pi) / 2, rel=1e-14)
    assert sums[1] == pytest.approx(math.sqrt(math.pi) / 4, rel=1e-14)
    allx = np.sort(np.concatenate(seen))
    assert nodes == len(allx) and np.allclose(np.diff(allx), allx[1] - allx[0])  # nested, no repeats
    with pytest.raises(scalar.ConvergenceError, match="the test integral did not converge after 2 halvings"):
        scalar.trapezoid(accumulate, 0.0, 7.0, 1.0, lambda *a: None, max_halvings=2, what="the test integral")


def test_extent_is_the_first_point_below_the_floor():
    x = scalar.extent(lambda x: -x * x, 1.0, floor=-40.0, factor=1.5)
    assert x * x > 40.0 and (x / 1.5) ** 2 <= 40.0
    with pytest.raises(scalar.ConvergenceError, match="the flat weight does not decay"):
        scalar.extent(lambda x: 0.0, 1.0, what="the flat weight")


@pytest.mark.parametrize("beta2", [None, "bound"])
def test_series_moments_against_a_discrete_mass_shift(beta2):
    """A real mass shift s taking values s_j with probabilities p_j (|c s| < 1): A_n = Σ p_j (−s_j/2X)^n,
    and ⟨Δ⟩ = Σ p_j b/(a + M + s_j), Var = Σ p_j [1/(a+M+s_j) + b²/(a+M+s_j)²] − ⟨Δ⟩² directly."""
    rng = np.random.default_rng(3)
    k = np.arange(1.0, 40001.0)
    lam, y = k**-1.3, k**-0.9 * rng.uniform(0.5, 2.0, k.size)
    M, X = 2.0, 0.9
    s = np.array([-0.6, -0.1, 0.3, 0.8, 1.3])
    p = np.array([0.1, 0.3, 0.25, 0.2, 0.15])
    A = np.array([float(p @ (-s / (2 * X)) ** n) for n in range(80)])
    a, b = 1 / lam + M, y / lam
    c = 1.0 / (a + s[:, None])
    ref_mean = p @ (b * c)
    ref_var = p @ (c + (b * c) ** 2) - ref_mean**2
    b2 = None if beta2 is None else float(np.max(b * b / a**3)) * 4 * X * X
    mean, var = scalar.series_moments(lam, y, M, 2 * X, A, b2)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-13)
    np.testing.assert_allclose(var, ref_var, rtol=1e-12)
    with pytest.raises(scalar.ConvergenceError, match="not finite"):
        scalar.series_moments(lam, y, M, 2 * X, np.array([1.0, np.nan, 0.0]))
    with pytest.raises(scalar.ConvergenceError, match="variance is not positive"):
        scalar.series_moments(lam, y, M, 2 * X, np.array([1.0, 0.0, -50.0]))

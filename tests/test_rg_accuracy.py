"""rg over the whole domain (issue 15, docs/theory.md §4 check 9): a small fixed draw of bench/random_sets.py."""

import math
import sys
import warnings

import numpy as np
import pytest

from conftest import ROOT
from rgflow import Model, predict
from rgflow import _equations as eq
from rgflow import rg as rgmod

sys.path.insert(0, str(ROOT / "bench"))
from random_sets import coverage, draw_sets, evaluate  # noqa: E402

SETS = draw_sets(12, seed=2026)


@pytest.fixture(scope="module")
def rows():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(SETS, methods=("mean-field", "rg"))


def test_rg_meets_the_accuracy_goals_on_a_random_draw(rows):
    for row in rows:
        U, err = row["params"][4], row["rg"]["mean"]
        assert "failed" not in row["rg"], row
        assert err < (5e-3 if U <= 0.1 else 1e-2), row
        assert err < row["mean-field"]["mean"], row
        assert row["rg"]["var"] < 1e-2 and row["rg"]["loss"] < 1e-2, row


def test_rg_error_estimate_covers_and_is_tight_on_a_random_draw(rows):
    cov, med, n = coverage(rows, above=1e-9)
    assert cov >= 0.95 and n >= 2
    assert 1.0 <= med <= 10.0


def test_error_estimate_holds_with_the_smallest_kept_theory():
    """min_kept = 1 (the flow integrates out every mode it may): larger errors, still covered and tight."""
    est, err = [], []
    for params in SETS:
        m = Model(*params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = predict(m, "rg", min_kept=1)
        est.append(p.info["error_estimate"])
        err.append(np.max(np.abs(p.mean / predict(m, "exact").mean - 1)))
    est, err = np.array(est), np.array(err)
    big = err > 1e-9
    assert np.mean(est >= err) >= 0.95 and big.sum() >= 4
    assert 1.0 <= np.median(est[big] / err[big]) <= 10.0


@pytest.mark.parametrize(
    "params",
    [
        (1.925, 1.987, 1499, 763.0, 0.0064, 793),  # the worst set for the one-loop rg (16%)
        (1.07, 2.83, 97, 601.0, 0.0086, None),  # the FlowError set
        (0.2, -0.5, 1000, 1.0, 0.5, None),  # flat target, mass shift many times r (regime B)
        (0.3, 0.5, 400, 1000.0, 1.0, 1200),  # small mass: threshold at k <= 3 (regime A)
    ],
)
def test_rg_where_the_one_loop_reading_fails(params):
    m = Model(*params)
    ex = predict(m, "exact")
    p = predict(m, "rg")
    err = np.max(np.abs(p.mean / ex.mean - 1))
    assert err <= p.info["error_estimate"] < 1e-4
    assert np.max(np.abs(p.var / ex.var - 1)) < 1e-4


def test_rg_at_large_cutoff_uses_quadrature_shells_and_stays_exact():
    """Λ = 3·10^4 > 2·4096: the sums over the shells enter by quadrature; still within the estimate."""
    m = Model(0.4, 0.1, 30000, 30.0, 0.05)
    ex = predict(m, "exact").mean
    p = predict(m, "rg")
    err = np.max(np.abs(p.mean / ex - 1))
    assert err <= p.info["error_estimate"] < 1e-5


def test_truncating_earlier_makes_the_error_grow_and_the_estimate_follows():
    """Keeping fewer modes exactly (larger shells) raises the error; the estimate stays above it."""
    m = Model(0.2, 0.3, 1000, 1000.0, 0.05)
    ex = predict(m, "exact").mean
    errs = []
    for rho, kept in ((0.05, 64), (0.5, 1)):
        p = predict(m, "rg", rho=rho, min_kept=kept)
        errs.append(np.max(np.abs(p.mean / ex - 1)))
        assert errs[-1] <= p.info["error_estimate"]
    assert errs[1] > 10 * errs[0]


def test_shell_derivatives_are_the_generated_cumulants():
    """The generated ∂ⁿW (rg's shells) against square_cumulants (∂ⁿW = (−1)ⁿ κ_n/2ⁿ, n ≤ 3) and against
    numerical differentiation (mpmath, 30 digits) of W(m) = −½ ln(a + m) + b²/(2(a + m)), which is first
    checked to be the log of the shell mode's Gaussian integral ∫dΔ exp(−(a + m)Δ²/2 + bΔ)/√(2π) by quadrature."""
    from mpmath import diff, exp, inf, log, mp, pi, quad, sqrt

    a, b2, mu = 3.0, 2.5, 0.7
    c = 1.0 / (a + mu)
    Wn = eq.shell_derivatives(c, b2)
    K1, K2, K3 = eq.square_cumulants(math.sqrt(b2) * c, c)
    assert Wn[0] == pytest.approx(-K1 / 2, rel=1e-14)
    assert Wn[1] == pytest.approx(K2 / 4, rel=1e-14)
    assert Wn[2] == pytest.approx(-K3 / 8, rel=1e-14)
    with mp.workdps(30):
        b = sqrt(mp.mpf(b2))

        def W(m):
            return -log(a + m) / 2 + b * b / (2 * (a + m))

        for x in (mu, mu + 1.3):
            integral = quad(lambda d: exp(-(a + x) * d * d / 2 + b * d), [-inf, 0, inf])
            assert abs(log(integral / sqrt(2 * pi)) - W(x)) < 1e-25
        for n in range(1, 6):
            assert Wn[n - 1] == pytest.approx(float(diff(W, mu, n)), rel=1e-12), n


@pytest.mark.parametrize(
    "params", [(0.2, 0.3, 1000, 1000 / 100**1.2, 0.05), (0.2, -0.5, 3000, 10.0, 1.0), (0.3, 0.5, 400, 1000.0, 1.0)]
)
def test_kept_couplings_are_the_shell_exponent_expanded_at_the_background(params):
    """rg's u(k*), r(k*) (the generated resummed couplings) against the exponent of the contour weight
    E(m) = m²/(4u) + Σ_{q>k*} W_q(m), W_q = ln of the shell mode's Gaussian integral, differentiated
    numerically at the background μ: the kept theory exp((m − δr)²/(4u(k*))) has the same first and second
    derivatives, 1/(2u(k*)) = E''(μ), (μ − δr)/(2u(k*)) = E'(μ)."""
    from mpmath import diff, log, mp, mpf

    m = Model(*params)
    _, _, info = rgmod.rg_moments(m)
    k = info["k_star"]
    lam, y = m.eigenvalues()[k:], m.target()[k:]
    a, b2 = 1 / lam + m.r, (y / lam) ** 2
    u, mu = m.u, info["mu"]
    with mp.workdps(30):
        A = [mpf(float(v)) for v in a]
        B = [mpf(float(v)) for v in b2]

        def E(x):
            return x * x / (4 * u) + mp.fsum(-log(aq + x) / 2 + bq / (2 * (aq + x)) for aq, bq in zip(A, B))

        d1, d2 = diff(E, mu, 1), diff(E, mu, 2)
        u_k = 1 / (2 * d2)
        dr = mu - 2 * u_k * d1
    assert info["u_kstar"] == pytest.approx(float(u_k), rel=1e-12)
    assert info["r_kstar"] - m.r == pytest.approx(float(dr), rel=1e-10)


def test_rg_warns_when_its_estimate_exceeds_one_percent(monkeypatch):
    m = Model(0.2, 0.3, 1000, 1000 / 100**1.2, 0.05)
    est = predict(m, "rg").info["error_estimate"]
    monkeypatch.setattr(rgmod, "WARN_ABOVE", est / 2)
    with pytest.warns(RuntimeWarning, match="error estimate"):
        predict(m, "rg")


def test_rg_U0_is_the_gp_and_cli_reports_the_estimate(capsys):
    m = Model(0.2, 0.3, 500, 4.0, 0.0)
    gp, p = predict(m, "gp"), predict(m, "rg")
    np.testing.assert_allclose(p.mean, gp.mean, rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.var, gp.var, rtol=1e-12, atol=0)
    import json

    from rgflow.cli import main

    main(
        [
            "predict",
            "--alpha",
            "0.2",
            "--beta",
            "0.3",
            "--P",
            "200",
            "--kappa",
            "4",
            "--U",
            "0.05",
            "--method",
            "rg",
            "--format",
            "json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out["error_estimate"], float) and 0 < out["error_estimate"] < 1e-3


@pytest.mark.parametrize(
    "params", [(0.2, -0.5, 5000, 10.0, 1.0), (0.1, -0.5, 2000, 1e4, 1.0), (0.1, -0.5, 30000, 10.0, 1.0)]
)
def test_variance_estimate_covers_the_flat_target_corner(params):
    """Issue 26: flat targets (β = −0.5) at Λ ≥ 2000, where the variance's relative error grows like
    b_q² c_q ρ_q² towards k = Λ (the estimate once looked at the first 256 shells only and was 10× short).
    exact is the reference, itself checked there against adaptive quadrature of the full x-integral."""
    import importlib

    direct = importlib.import_module("test_exact").direct
    from rgflow.exact import exact_moments

    m = Model(*params)
    ex = exact_moments(m)
    modes = [1, m.cutoff // 2, m.cutoff]
    _, ref = direct(m, modes)
    idx = np.array(modes) - 1
    np.testing.assert_allclose(ex["mean"][idx], ref[:, 0], rtol=1e-12)
    np.testing.assert_allclose(ex["var"][idx], ref[:, 1], rtol=1e-12)
    mean, var, info = rgmod.rg_moments(m)
    dv = np.abs(var / ex["var"] - 1)
    assert np.argmax(dv) > m.cutoff // 2  # the variance's error is largest near k = Λ
    assert dv.max() <= info["var_error_estimate"] <= 10 * dv.max()
    assert np.max(np.abs(mean / ex["mean"] - 1)) <= info["error_estimate"]

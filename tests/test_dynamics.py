"""Learning dynamics (rgflow.dynamics) against independent computations: closed-form relaxation,
a stiff scipy integrator, step halving, independent root finding, `exact`, and the U = 0 front theory."""

import json
import math

import numpy as np
import pytest

from rgflow import Model, predict
from rgflow.cli import main
from rgflow.dynamics import dynamics, shell_edges

PAPER0 = Model(0.2, 0.3, 1000, 1000 / 100**1.2)
SMALL = Model(0.2, 0.3, 60, 60 / 6**1.2, 0.05)


def gp_relaxation(model, t, x0=None):
    """Independent U = 0 solution: Δ_k(t) = m_k + (Δ_k(0) − m_k) e^{−(1/λ_k + r)t}, Var_k(t)."""
    k = np.arange(1, model.cutoff + 1.0)
    lam, y = k ** -(1 + model.alpha), k ** (-(1 + model.beta) / 2)
    rate = 1 / lam + model.P / model.kappa
    m = y / (1 + model.P / model.kappa * lam)
    x0 = y if x0 is None else x0
    e = np.exp(-np.outer(t, rate))
    return m + (x0 - m) * e, (1 - e**2) / rate


def test_u0_gradient_and_langevin_closed_form():
    t = np.geomspace(1e-6, 0.2, 30)
    mean, var = gp_relaxation(PAPER0, t)
    g = dynamics(PAPER0, t)
    np.testing.assert_allclose(g.mean, mean, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g.loss, np.sum(mean**2, axis=1), rtol=1e-10)
    lg = dynamics(PAPER0, t, method="langevin")
    np.testing.assert_allclose(lg.second, mean**2 + var, rtol=1e-10)
    np.testing.assert_allclose(lg.loss, np.sum(mean**2 + var, axis=1), rtol=1e-10)
    # long times: the GP predictor (mean and variance)
    gp = predict(PAPER0, "gp")
    np.testing.assert_allclose(lg.loss[-1], gp.loss, rtol=1e-10)
    np.testing.assert_allclose(g.loss[-1], gp.bias, rtol=1e-10)


def test_u0_user_initial_condition():
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=SMALL.cutoff)
    m = SMALL.replace(U=0.0)
    t = np.geomspace(1e-5, 1.0, 12)
    np.testing.assert_allclose(dynamics(m, t, initial=x0).mean, gp_relaxation(m, t, x0)[0], rtol=1e-10, atol=1e-14)


def test_u0_integrator_against_stiff_scipy():
    """The closed form solves the ODE: compare with Radau on dΔ/dt = b − aΔ (independent)."""
    from scipy.integrate import solve_ivp

    m = SMALL.replace(U=0.0)
    lam, y = m.eigenvalues(), m.target()
    a, b = 1 / lam + m.r, y / lam
    t = np.geomspace(1e-4, 0.5, 8)
    sol = solve_ivp(
        lambda s, x: b - a * x,
        (0, t[-1]),
        y,
        method="Radau",
        t_eval=t,
        rtol=1e-12,
        atol=1e-14,
        jac=lambda s, x: np.diag(-a),
    )
    np.testing.assert_allclose(dynamics(m, t).mean, sol.y.T, rtol=1e-8, atol=1e-12)


def test_u_positive_against_stiff_scipy():
    """U > 0: exponential midpoint vs Radau with the analytic Jacobian (−a − uA − 2uΔΔᵀ)."""
    from scipy.integrate import solve_ivp

    lam, y = SMALL.eigenvalues(), SMALL.target()
    a, b, u = 1 / lam + SMALL.r, y / lam, SMALL.u

    def rhs(s, x):
        return b - (a + u * x @ x) * x

    def jac(s, x):
        return -np.diag(a + u * x @ x) - 2 * u * np.outer(x, x)

    t = np.geomspace(1e-4, 0.5, 10)
    sol = solve_ivp(rhs, (0, t[-1]), y, method="Radau", t_eval=t, rtol=1e-11, atol=1e-13, jac=jac)
    res = dynamics(SMALL, t, steps_per_decade=800)
    np.testing.assert_allclose(res.mean, sol.y.T, rtol=0, atol=2e-7)


@pytest.mark.parametrize("U", [0.05, 0.5])
def test_step_halving_second_order(U):
    model = PAPER0.replace(U=U)
    t = np.geomspace(1e-6, 0.1, 15)
    runs = [dynamics(model, t, steps_per_decade=n).mean for n in (50, 100, 200)]
    e1, e2 = np.abs(runs[1] - runs[0]).max(), np.abs(runs[2] - runs[1]).max()
    assert e2 < 1e-5
    assert 3.0 < e1 / e2 < 5.0  # second order: halving the step divides the error by ~4


@pytest.mark.parametrize("U", [0.05, 0.5])
def test_gradient_long_time_is_zero_temperature_minimizer(U):
    """Independent root of A = Σ_k y_k²/(1 + λ_k(r + uA))² (bisection on A)."""
    model = PAPER0.replace(U=U)
    lam, y, r, u = model.eigenvalues(), model.target(), model.r, model.u
    lo, hi = 0.0, float(np.sum(y**2))
    for _ in range(200):
        A = 0.5 * (lo + hi)
        if A - np.sum((y / (1 + lam * (r + u * A))) ** 2) > 0:
            hi = A
        else:
            lo = A
    delta = y / (1 + lam * (r + u * A))
    res = dynamics(model)
    np.testing.assert_allclose(res.mean[-1], delta, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(res.loss[-1], A, rtol=1e-9)


def test_mean_field_long_time_matches_predictor():
    res = dynamics(PAPER0.replace(U=0.05), method="mean-field")
    mf = predict(PAPER0.replace(U=0.05), "mean-field")
    np.testing.assert_allclose(res.second[-1], mf.mean**2 + mf.var, rtol=1e-9)
    np.testing.assert_allclose(res.loss[-1], predict(PAPER0.replace(U=0.05), "exact").loss, rtol=1e-3)


def test_langevin_sampler_small_u_follows_gp_in_time():
    """At U → 0 the sampler (the U > 0 code path) must follow the closed-form mean and variance."""
    m = Model(0.2, 0.3, 40, 40 / 4**1.2, 1e-9)
    t = np.array([1e-3, 1e-2, 0.05, 0.2])
    res = dynamics(m, t, method="langevin", chains=400, seed=1)
    mean, var = gp_relaxation(m.replace(U=0.0), t)
    second = mean**2 + var
    # per mode: Var(Δ²) = 2 var² + 4 mean² var over independent chains
    se = np.sqrt((2 * var**2 + 4 * mean**2 * var) / 400) + 1e-15
    z = (res.second - second) / se
    assert np.abs(z[1:]).max() < 5.0 and np.sqrt(np.mean(z[1:] ** 2)) < 1.5


def test_langevin_long_time_matches_exact():
    m = Model(0.2, 0.3, 100, 100 / 10**1.2, 0.2)
    t = np.geomspace(1e-4, 0.5, 20)
    res = dynamics(m, t, method="langevin", chains=256, seed=2)
    exact = predict(m, "exact")
    z = (res.loss[-1] - exact.loss) / res.info["loss_stderr"][-1]
    assert abs(z) < 4.0
    # and U matters: the GP loss is excluded
    assert abs(predict(m, "gp").loss - res.loss[-1]) > 8 * res.info["loss_stderr"][-1]


def test_front_crossing_of_a_single_mode_shell():
    res = dynamics(PAPER0)
    for c in ("0.8", "0.5", "0.05"):
        lam, tc = res.front[c]["lambda"][0], res.front[c]["t"][0]
        assert lam == 1.0  # the shell {k = 1}
        assert tc == pytest.approx(math.log(1 / float(c)) / (2 * (1 / lam + PAPER0.r)), rel=1e-4)


def test_u0_fitted_exponents_against_prediction():
    """v − 1 = rλ (A = r, a = 1, b = 0); finer shells approach the single-mode prediction."""
    devs = []
    for n in (1, 2, 8):
        res = dynamics(PAPER0, shells=n)
        devs.append(res.fit["rel_dev_from_u0_prediction"])
    assert devs[0] > devs[1] > devs[2] and devs[2] < 0.03
    f = res.fit
    assert f["a"] == pytest.approx(1.0, abs=0.02) and abs(f["b"]) < 0.01
    assert f["A"] == pytest.approx(PAPER0.r, rel=0.05)
    # massless window (rλ < 0.1 over a wide range of λ): v = 1, exponents 0, 0
    fm = dynamics(Model(1.0, 0.5, 1000, 1000.0), shells=8).fit["massless"]
    assert fm["n_points"] > 100
    assert abs(fm["a"]) < 0.01 and abs(fm["b"]) < 0.01 and fm["A"] == pytest.approx(1.0, abs=0.05)


def test_shell_energies_add_up():
    res = dynamics(SMALL)
    np.testing.assert_allclose(res.energy.sum(axis=0), res.loss, rtol=1e-12)
    edges = shell_edges(60, 1)
    assert edges.tolist() == [1, 2, 4, 8, 16, 32, 61]


def test_cli_json_csv_and_errors(capsys, tmp_path):
    args = [
        "dynamics",
        "--alpha",
        "0.2",
        "--beta",
        "0.3",
        "--P",
        "60",
        "--kappa",
        str(60 / 6**1.2),
        "--U",
        "0.05",
        "--points",
        "9",
    ]
    assert main(args) == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"t", "loss", "shells", "energy", "velocity", "fit"} <= set(obj)
    ref = dynamics(SMALL, np.array(obj["t"]))
    np.testing.assert_allclose(obj["loss"], ref.loss, rtol=1e-12)
    assert np.array(obj["energy"]).shape == (len(obj["shells"]["lambda"]), 9)
    out = tmp_path / "d.csv"
    assert main([*args, "--format", "csv", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# rgflow=") and lines[1].startswith("t,loss,mu,E_k1-1")
    assert len(lines) == 2 + 9
    for bad in (["--U", "-1"], ["--t-max", "1e-12"], ["--shells", "0"], ["--method", "euler"]):
        assert main([*args, *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rgflow: error:") and err.count("\n") == 1


def test_bad_input():
    with pytest.raises(ValueError, match="method"):
        dynamics(SMALL, method="sgd")
    with pytest.raises(ValueError, match="times"):
        dynamics(SMALL, [0.0, 1.0])
    with pytest.raises(ValueError, match="times"):
        dynamics(SMALL, [1.0, 0.5])
    with pytest.raises(ValueError, match="initial"):
        dynamics(SMALL, initial=np.ones(3))
    with pytest.raises(ValueError, match="shells"):
        dynamics(SMALL, shells=0)
    with pytest.raises(ValueError, match="model"):
        dynamics("model")


def test_langevin_transient_follows_mean_field_closure():
    """At U > 0 the sampled L(t) follows the Hartree moment closure in time (A self-averages over
    Λ modes; the closure's equilibrium error is ~5e-3 here, below the sampler's error bars)."""
    m = Model(0.2, 0.3, 100, 100 / 10**1.2, 0.2)
    t = np.geomspace(1e-5, 0.2, 10)
    mf = dynamics(m, t, method="mean-field")
    lg = dynamics(m, t, method="langevin", chains=64, seed=5)
    z = (lg.loss - mf.loss) / lg.info["loss_stderr"]
    assert np.abs(z).max() < 4.0
    # the transient itself is resolved: L falls by far more than the error bars
    assert (lg.loss[0] - lg.loss[-1]) > 50 * lg.info["loss_stderr"].max()

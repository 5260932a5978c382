"""Reported failures (issue 18 items 2-6), each reproduced: silent wrong results, hangs, non-finite
results, exception kinds, CLI tracebacks. Each asserts against an independent computation or a
bound of the model itself (0 < <Delta_k>/y_k, 0 < Var Delta_k <= lambda_k)."""

import io
import contextlib
import math
import warnings

import numpy as np
import pytest

from rgflow import FlowError, Model, predict
from rgflow.cli import main
from rgflow.exact import exact_moments
from rgflow.model import gp_moments


def run_cli(*argv):
    """(exit status, stdout, stderr) of ``rgflow ARGV``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# --- item 2: silent wrong results --------------------------------------------------------------


def test_langevin_variance_does_not_cancel_when_the_mean_dominates():
    """alpha=5, P=2000, kappa=1, U=0: Var = λ_k/(1+rλ_k) ~ 1e-20 next to <Delta_k>² ~ 5e-5 gave 428
    negative variances; at U = 0 the Rao-Blackwellized moments are the GP ones to round-off."""
    model = Model(5.0, 0.3, 2000, 1.0)
    pred = predict(model, "langevin")
    mean, var = gp_moments(model)
    assert np.all(pred.var > 0)
    np.testing.assert_allclose(pred.var, var, rtol=1e-9)
    np.testing.assert_allclose(pred.mean, mean, rtol=1e-12)


def test_langevin_at_strong_coupling_agrees_with_exact():
    model = Model(0.2, 0.0, 719, 1.0, U=1.0)
    pred, ex = predict(model, "langevin"), exact_moments(model)
    assert np.all(pred.var > 0) and np.all(pred.mean > 0)
    z = (pred.var - ex["var"]) / pred.info["var_stderr"]
    assert np.max(np.abs(z)) < 6.0
    assert np.max(np.abs(pred.var / ex["var"] - 1)) < 0.05


@pytest.mark.parametrize("method", ["gp", "exact", "rg", "mean-field"])
def test_underflowing_means_are_an_error_naming_the_kappa_that_works(method):
    """alpha=0.2, beta=10, P=1e5, kappa=1e-300: y_k/(1+rλ_k) < 1e-308 for k > 21245 (78,755 means were 0.0)."""
    model = Model(0.2, 10.0, 100000, 1e-300, U=0.0 if method == "gp" else 0.05)
    with pytest.raises(
        FloatingPointError, match=r"underflows float64 .* 78755 modes from k=21246.*use kappa >= ([0-9.e+-]+)"
    ) as info:
        predict(model, method)
    kappa_min = float(info.value.args[0].split("kappa >= ")[1].split()[0])
    # independent: the GP mean at the last mode, in logs, at that kappa is at the float64 floor
    k = 100000.0
    log_mean = -(1 + 10.0) / 2 * math.log(k) - math.log1p(100000 / kappa_min * k**-1.2)
    assert log_mean == pytest.approx(math.log(np.finfo(float).tiny), abs=0.01)
    assert np.all(predict(Model(0.2, 10.0, 100000, kappa_min * 1.01), "gp").mean > 0)


def test_huge_U_is_rejected_up_front_with_its_range():
    for method in ("mean-field", "exact", "langevin"):
        with pytest.raises(ValueError, match=r"^U must be <= 1e\+300/P = 5e\+297"):
            predict(Model(0.2, 0.3, 200, 3.98, U=1e306), method)


@pytest.mark.parametrize("U", [1e100, 3e296])
def test_exact_and_mean_field_at_huge_U(U):
    """u = U·P up to 1e300: μ ≈ √(u Σ_k y_k²/...) is found; the mean-field mean is the GP mean at r + μ
    and exact is within one per cent of it (the saddle dominates there)."""
    model = Model(0.2, 0.3, 200, 3.98, U=U)
    ex, mf = predict(model, "exact"), predict(model, "mean-field")
    mu = mf.info["mu"]
    # independent check of the saddle: μ = u Σ_k [1/(a_k+μ) + b_k²/(a_k+μ)²]
    lam, y = model.eigenvalues(), model.target()
    a, b = 1 / lam + model.r, y / lam
    assert mu == pytest.approx(model.u * np.sum(1 / (a + mu) + b**2 / (a + mu) ** 2), rel=1e-10)
    assert np.all(ex.mean > 0) and np.all(ex.var > 0)
    np.testing.assert_allclose(ex.mean, mf.mean, rtol=0.01)


@pytest.mark.parametrize("U", [1e100, 5e297])
def test_langevin_at_huge_U_raises_or_is_positive(U):
    model = Model(0.2, 0.3, 200, 3.98, U=U)
    try:
        pred = predict(model, "langevin")
    except FloatingPointError as exc:
        assert "langevin" in str(exc) and "means <= 0" in str(exc)
    else:
        assert np.all(pred.mean > 0) and np.all(pred.var > 0)


def test_cli_P_is_parsed_exactly_and_rejected_beyond_float():
    code, out, err = run_cli(
        "predict",
        "--alpha",
        0.2,
        "--beta",
        0.3,
        "--P",
        "100000000000000000000000000",
        "--kappa",
        3.98,
        "--method",
        "gp",
        "--cutoff",
        10,
    )
    assert code == 2 and "P must be an integer in [1, 9007199254740992], got 100000000000000000000000000" in err
    code, out, err = run_cli(
        "predict",
        "--alpha",
        0.2,
        "--beta",
        0.3,
        "--P",
        "9007199254740993",
        "--kappa",
        3.98,
        "--method",
        "gp",
        "--cutoff",
        10,
    )
    assert code == 2 and "got 9007199254740993" in err  # not rounded to 2**53
    code, out, err = run_cli(
        "predict", "--alpha", 0.2, "--beta", 0.3, "--P", "1e3", "--kappa", 3.98, "--method", "gp", "--cutoff", 10
    )
    assert code == 0 and '"P":1000,' in out


# --- item 5: exception kinds -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,value",
    [
        ("P", 10**400),
        ("kappa", 10**400),
        ("U", 10**400),
        ("cutoff", 10**400),
        ("alpha", 1 + 2j),
        ("kappa", {1.0}),
        ("U", {0.1}),
        ("P", 1e26),
    ],
)
def test_huge_integers_complex_and_sets_are_value_errors_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        Model(**{**dict(alpha=0.2, beta=0.3, P=50, kappa=3.0, U=0.05), name: value})


def test_alpha_whose_spectrum_underflows_is_rejected_with_its_range():
    with pytest.raises(ValueError, match=r"^alpha must be <= 65\.05"):
        Model(3000, 0.3, 200, 3.98)
    top = (350.0 / math.log(200)) - 1.0
    assert 200.0 ** -(1 + top * 0.999) > 0.0
    Model(top * 0.999, 0.3, 200, 3.98)


def test_langevin_unknown_option_is_a_value_error():
    with pytest.raises(
        ValueError, match=r"options of method 'langevin' must be among \['seed', 'chains'.*got \['bogus'\]"
    ):
        predict(Model(0.2, 0.3, 10, 1.0), "langevin", bogus=1)


# --- item 3: bounded work, checked up front ---------------------------------------------------


def test_langevin_rejects_unbounded_work_before_allocating():
    from rgflow.langevin import MAX_WORK, langevin

    with pytest.raises(ValueError, match=r"chains\*\(burn\+steps\)\*cutoff = 1\.15e\+19 exceeds max_work"):
        langevin(Model(0.2, 0.3, 20, 3.98, U=0.05), burn=2**53)
    big = Model(0.2, 0.3, 10**6, 3.98, U=0.05)  # 64 x 300 x 1e6 = 1.9e10 (2.9 GiB in one array before)
    assert 64 * 300 * 10**6 > MAX_WORK
    with pytest.raises(ValueError, match=r"exceeds max_work = 2e\+08"):
        predict(big, "langevin")


def test_langevin_dynamics_rejects_a_stiffness_it_cannot_afford():
    from rgflow import dynamics

    with pytest.raises(ValueError, match=r"dynamics\(method='langevin'\) needs more than 1e\+08 mode-steps"):
        dynamics(Model(alpha=2.578, beta=0.354, P=89, kappa=2.46e183, U=378.7), method="langevin", shells=4)


def test_value_ranges_are_bounded():
    code, _, err = run_cli("curve", "--alpha", 0.2, "--beta", 0.3, "--P", "1:1e9:1e7", "--kappa", 3.98)
    assert code == 2 and "at most 10000 points" in err
    code, _, err = run_cli(
        "surface", "--alpha", 0.2, "--beta", 0.3, "--P", 200, "--kappa", 3.98, "--method", "pt1", "--cutoff", "1e308"
    )
    assert code == 2 and "cutoff must be integers <= 2**53" in err


# --- item 4: nothing undefined silently ----------------------------------------------------------


def test_scaling_interval_names_what_is_undefined():
    from rgflow import scaling_interval

    res = scaling_interval(0.2, 0.3, P=200, kappa=1e-80, points=150)
    grid = {"r_hat_modes": 200, "U_effect": 200, "U_effect_full": 200}  # the modes; the flow: 150 points
    for name, v in res.effective.items():
        if name == "U_flow":
            assert math.isfinite(v)
            continue
        assert v["tau"].shape == v["value"].shape and np.all(np.isfinite(v["value"]))
        assert (f"effective.{name}" in res.undefined) == (v["tau"].size < grid.get(name, 150))
    assert "below round-off" in res.undefined["effective.U_effect_full"]
    measures = {"r": ("r_hat_flow",), "U": ("U_hat_flow", "U_effect", "U_effect_full"), "s": ("s_flow",)}
    for g, names in measures.items():
        for name in names:
            assert (f"{g}.measured.{name}" in res.undefined) == (name not in getattr(res, g)["measured"])
        for rng in getattr(res, g)["measured"].values():
            assert all(map(math.isfinite, rng))
    assert res.to_dict()["undefined"] == res.undefined


# draws where scaling_interval put NaN into effective (U_effect, U_effect_full, U_hat_flow, r_hat_flow) and
# [nan, nan] into measured ranges before: underflowing U, huge/tiny kappa, large alpha
NAN_BEFORE = [
    dict(alpha=2.0, beta=9.0, P=300, kappa=1e-30, U=1e-300),
    dict(alpha=5.0, beta=10.0, P=1000, kappa=1e200, U=1e-250),
    dict(alpha=4.7, beta=7.0, P=1734, kappa=3.8e50, U=1.2e-298),
    dict(alpha=4.8, beta=1.3, P=946, kappa=1.9e-75, U=1.7e-299),
    dict(alpha=4.5, beta=3.06, P=13, kappa=6.6e48, U=0.205),
    dict(alpha=2.55, beta=8.33, P=60, kappa=1.15e145, U=0.0),
    dict(alpha=0.0363, beta=8.05, P=124, kappa=5.77e-20, U=1.14e-133),
    dict(alpha=2.6, beta=7.36, P=7, kappa=5.53e-141, U=9.98e148),
]
MODE_GRID = ("r_hat_modes", "U_effect", "U_effect_full")


def _floats(obj, path=""):
    """(path, value) of every float in a nested to_dict()."""
    if isinstance(obj, dict):
        for key, v in obj.items():
            yield from _floats(v, f"{path}.{key}" if path else key)
    elif isinstance(obj, list):
        for v in obj:
            yield from _floats(v, path)
    elif isinstance(obj, float):
        yield path, obj


@pytest.mark.parametrize("params", NAN_BEFORE, ids=lambda p: f"a{p['alpha']}-k{p['kappa']:g}-U{p['U']:g}")
def test_scaling_interval_holds_finite_numbers_and_names_every_lost_point(params):
    import json

    from rgflow import scaling_interval
    from rgflow._io import to_json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the flow's own solver may warn; the result must not hold NaN
        res = scaling_interval(**params, points=120)
    d = res.to_dict()
    bad = [(path, v) for path, v in _floats(d) if not math.isfinite(v)]
    assert bad == []
    assert "null" not in to_json(d)
    json.loads(to_json(d), parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    lost = []
    for name, series in res.effective.items():
        if name == "U_flow":
            continue
        n = params["P"] if name in MODE_GRID else 120
        tau = series["tau"]
        assert tau.shape == series["value"].shape and np.all(np.diff(tau) > 0) and set(series) == {"tau", "value"}
        if tau.size < n:
            lost.append(name)
            assert res.undefined[f"effective.{name}"].endswith(f" at {n - tau.size} of {n} points")
        else:
            assert f"effective.{name}" not in res.undefined
    assert lost  # each draw lost points somewhere (it held NaN before)
    for g, names in {"r": ("r_hat_flow",), "U": ("U_hat_flow", "U_effect", "U_effect_full"), "s": ("s_flow",)}.items():
        part = getattr(res, g)
        assert set(part["inside"]) == set(part["measured"])
        for kind in ("measured", "measured_all"):
            for name in names:
                assert (name in part[kind]) != (f"{g}.{kind}.{name}" in res.undefined)


# --- item 6: the CLI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv,code,match",
    [
        (
            ["scaling", "--alpha", "3000", "--beta", "0.3", "--P", "200", "--kappa", "3.98"],
            2,
            r"alpha must be <= 65\.05",
        ),
        (["dynamics", "--alpha", "0.2", "--beta", "0.3", "--P", "100", "--kappa", "1e-30", "--U", "0.05"], 0, r"^$"),
        (
            [
                "predict",
                "--alpha",
                "0.2",
                "--beta",
                "0.3",
                "--P",
                "200",
                "--kappa",
                "3.98",
                "--U",
                "1e306",
                "--method",
                "exact",
            ],
            2,
            r"U must be <= 1e\+300/P",
        ),
        (
            ["predict", "--alpha", "100", "--beta", "0.3", "--P", "200", "--kappa", "3.98", "--U", "0.05"],
            2,
            r"alpha must be <= 65\.05",
        ),
        (
            ["predict", "--alpha", "0.2", "--beta", "10", "--P", "100000", "--kappa", "1e-300", "--method", "gp"],
            1,
            r"underflows float64 .* use kappa >= 7\.04e-282",
        ),
    ],
)
def test_cli_reported_cases_end_in_one_line(argv, code, match):
    got, out, err = run_cli(*argv)
    assert got == code, err
    assert "Traceback" not in err
    if code:
        assert err.startswith("rgflow: error: ") and err.count("\n") == 1
    import re

    assert re.search(match, err.removeprefix("rgflow: error: ").strip())


def test_flow_batch_failing_before_the_first_point_is_a_flow_error():
    """u0 = 1e300 (now caught by the rate check) and a solve_ivp that stops before its first output point
    (y = [], simulated): a FlowError naming the batch flow, not an AttributeError."""
    import scipy.integrate
    from rgflow import flow_batch

    with pytest.raises(FlowError, match="batch flow"):
        flow_batch(0.2, 0.3, 3000, [1.0], [1e300])

    class Failed:
        status, message, t, y = -1, "Required step size is less than spacing between numbers.", np.zeros(0), []

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scipy.integrate, "solve_ivp", lambda *a, **k: Failed())
        with pytest.raises(FlowError, match="integration of the batch flow failed at tau=0"):
            flow_batch(0.2, 0.3, 3000, [1.0], [0.05])


def test_continuum_rates_beyond_float64_are_a_flow_error_not_a_hang():
    """r = 1e299, u = 1e200: u² overflows while K2 ~ G² underflows (0·inf = NaN); DOP853 spun on it."""
    from rgflow import flow, flow_batch

    with pytest.raises(FlowError, match=r"one-loop rates of the batch flow overflow float64 .*r=1e\+299, u=1e\+200"):
        flow_batch(1.01, 1.985, 41, [1e299], [1e200])
    with pytest.raises(FlowError, match=r"overflow float64"):
        flow(Model(1.01, 1.985, 41, 41 / 1e299, U=1e200 / 41))


def test_fuzz_findings_overflow_in_the_discrete_step_and_the_pt1_loss():
    """Found by tests/test_fuzz.py: u = 1e155 at P = 1. The discrete step squares u as a Python float
    (OverflowError escaped as a traceback from `rgflow flow --scheme discrete`); pt1's finite moments
    gave an infinite loss."""
    from rgflow import flow

    model = Model(1.0, 0.0, 1, 1e-78, U=1e155)
    with pytest.raises(FlowError, match=r"diverged at mode k=1 .*lower U or raise kappa"):
        flow(model, "discrete")
    with pytest.raises(FlowError):
        predict(model, "rg-1loop")
    code, out, err = run_cli(
        "flow", "--alpha", 1.0, "--beta", 0.0, "--P", 1, "--kappa", 1e-78, "--U", 1e155, "--scheme", "discrete"
    )
    assert code == 1 and err.startswith("rgflow: error: the flow diverged") and "Traceback" not in err
    with pytest.raises(FloatingPointError, match=r"loss sum_k <Delta_k\^2> overflows"):
        predict(Model(1.0, 0.0, 1, 1.0, U=1e155), "pt1")


@pytest.mark.parametrize("trial", [444, 546])
def test_pointwise_network_posterior_that_keeps_leaving_its_interpolation_range_is_followed(trial):
    """Found by bench/pointwise_fuzz.py (600 cases, seed 12): at κ = 5e-5 and 4e-6 the pointwise posterior of t
    drifted by 0.03 per refit of its evidence correction, always at the edge of the refitted range (beyond it the
    interpolant is held constant), and the fourth refit raised ConvergenceError. The case regenerated from the
    fuzz's random stream; the theory now reaches past the posterior after four refits and returns a finite error
    that the typical posterior's own interpolation, 24 Chebyshev nodes instead of 9, confirms to 1e-3."""
    from rgflow import network_real
    from rgflow.data import spectrum_from_gram

    rng = np.random.default_rng(12)
    for i in range(trial + 1):  # the fuzz's draws, in its order
        N, d = int(rng.integers(3, 120)), int(rng.integers(1, 6))
        X = rng.standard_normal((N, d)) * rng.uniform(0.1, 5)
        if i % 4 == 0:
            X[: N // 3] = X[0]
        D2 = ((X[:, None] - X[None]) ** 2).sum(-1)
        K = np.exp(-0.5 * D2 / d) if i % 3 == 0 else (np.exp(-np.sqrt(D2)) if i % 3 == 1 else X @ X.T + 0.1)
        f = np.sign(X[:, 0]) if i % 2 else np.tanh(X @ rng.standard_normal(d))
        P = float(rng.integers(1, N + 1)) if i % 5 else float(N)
        kappa, noise = float(10 ** rng.uniform(-6, 4)), float(rng.choice([0.0, 0.0, 0.1, 2.0]))
        if i % 6 == 0 and N <= 60:
            width, depth = int(rng.integers(1, 100)), int(rng.integers(1, 4))
    par = ["standard", "mean-field"][trial % 12 == 6]
    s = spectrum_from_gram(K, f)
    kw = dict(ridge="pointwise", gram=K, values=f, noise=noise, at_mode=False, quenched=False)
    th = network_real.network_theory(*s, P, kappa, width, depth, par, **kw)
    assert kappa < 1e-4 and np.isfinite(th.test_error) and th.test_error > 0
    import unittest.mock

    with unittest.mock.patch.object(network_real, "_CHEB", 24):
        fine = network_real.network_theory(*s, P, kappa, width, depth, par, **kw)
    assert th.test_error == pytest.approx(fine.test_error, rel=1e-3)

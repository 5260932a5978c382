"""docs/theory.md §4 check 7: learning curves, continuum forms and scaling-law exponents."""

import json

import numpy as np
import pytest
from scipy.integrate import quad

from rgflow import paper
from rgflow.cli import main
from rgflow.curves import (
    asymptotic_curve,
    asymptotic_exponents,
    continuum_bias,
    continuum_curve,
    continuum_variance,
    learning_curve,
    local_slopes,
    parse_P_values,
)

PAPER = dict(paper.SPECTRUM)
FAST = dict(alpha=1.0, beta=1.5, kappa=1.0)  # finite-cutoff corrections decay as P^-0.75, P^-0.5


def _brute(alpha, beta, r, k_hi, k_lo=0.5):
    """The continuum integrals by adaptive quadrature (split at the learnability threshold)."""
    a = 1 + alpha
    kstar = min(max(r ** (1 / a), k_lo), k_hi)
    pts = [k_lo, kstar, k_hi]
    fb = lambda k: k ** -(1 + beta) / (1 + r * k**-a) ** 2  # noqa: E731
    fv = lambda k: k**-a / (1 + r * k**-a)  # noqa: E731
    opts = dict(epsabs=0, epsrel=1e-12, limit=500)
    return (
        sum(quad(fb, lo, hi, **opts)[0] for lo, hi in zip(pts, pts[1:])),
        sum(quad(fv, lo, hi, **opts)[0] for lo, hi in zip(pts, pts[1:])),
    )


@pytest.mark.parametrize(
    "alpha,beta,r,k_hi",
    [(0.2, 0.3, 251.2, 1000.5), (1.0, 1.5, 1e4, 1e4 + 0.5), (0.5, 2.5, 30.0, 80.5), (0.2, 3.0, 10.0, 100.5)],
)
def test_closed_forms_match_quadrature(alpha, beta, r, k_hi):
    # the last case has beta > 2(1+alpha): q = 2 - beta/a < 0 goes through mpmath's continuation
    b, v = _brute(alpha, beta, r, k_hi)
    assert continuum_bias(alpha, beta, r, k_hi) == pytest.approx(b, rel=1e-9)
    assert continuum_variance(alpha, r, k_hi) == pytest.approx(v, rel=1e-9)


@pytest.mark.parametrize("params,U", [(PAPER, 0.0), (FAST, 0.0), (PAPER, 0.05)])
def test_continuum_forms_approximate_the_discrete_sums(params, U):
    P = parse_P_values("100:30000:5")
    disc = learning_curve(P, **params, U=U, method="gp" if U == 0 else "rg")
    cont = continuum_curve(P, **params, U=U)
    for key in ("bias", "variance", "loss"):
        rel = np.abs(cont[key] / getattr(disc, key) - 1)
        # midpoint rule: error ~ f''/24 at the ends, relative <= 3e-4 at P = 100 (U = 0), shrinking
        # with P; at U > 0 the continuum flow (and the dropped self-exchange) adds ~0.5% at P = 100
        assert rel.max() < (5e-4 if U == 0 else 6e-3), (key, rel)
        assert rel[-1] < rel[0] / 3, (key, rel)


def test_gp_equals_the_exact_sum_definition():
    P = [10, 57]
    c = learning_curve(P, **PAPER, U=0.0, method="gp")
    for i, p in enumerate(P):
        k = np.arange(1, p + 1.0)
        lam, y2, r = k**-1.2, k**-1.3, p / PAPER["kappa"]
        assert c.bias[i] == pytest.approx(np.sum(y2 / (1 + r * lam) ** 2), rel=1e-13)
        assert c.variance[i] == pytest.approx(np.sum(lam / (1 + r * lam)), rel=1e-13)
        # the loss against its own definition Σ_k ⟨Δ_k²⟩ = Σ_k [y_k²/(1 + rλ_k)² + λ_k/(1 + rλ_k)], not
        # against bias + variance (the code's own sum of the two numbers above)
        assert c.loss[i] == pytest.approx(np.sum(y2 / (1 + r * lam) ** 2 + lam / (1 + r * lam)), rel=1e-13)


def test_discrete_slopes_approach_the_predicted_exponents():
    # alpha = 1, beta = 1.5: the finite-cutoff corrections decay as P^-(alpha beta/a) = P^-0.75 and
    # P^-(alpha^2/a) = P^-0.5, so at P ~ 1e5..1e6 the local slopes must sit within 0.005 of the
    # exponents (measured: 0.0009 bias, 0.003 variance at the middle point), approaching monotonically.
    P = parse_P_values("1000:1000000:7")
    d = learning_curve(P, **FAST, method="gp")
    ex = asymptotic_exponents(FAST["alpha"], FAST["beta"])
    assert ex["bias"] == -0.75 and ex["variance"] == -0.5
    for key in ("bias", "variance"):
        gap = np.abs(local_slopes(d.P, getattr(d, key)) - ex[key])
        assert np.all(np.diff(gap) < 0), (key, gap)
        assert gap[-2] < 0.005, (key, gap)


def test_paper_slopes_follow_the_continuum_forms_and_their_asymptotes():
    # At alpha = 0.2, beta = 0.3 the cutoff correction decays only as P^-0.05 (bias) and P^-0.033
    # (variance): the discrete slopes at P <= 1e5 are far from -0.25 / -0.167 (about -0.19 / -0.12).
    # They must agree with the slopes of the independent finite-cutoff closed forms (to 2e-3), and
    # those must reach the exponents as P -> infinity (checked at P = 1e60, to 1e-3).
    P = parse_P_values("100:100000:7")
    d = learning_curve(P, **PAPER, method="gp")
    c = continuum_curve(P, **PAPER)
    ex = asymptotic_exponents(PAPER["alpha"], PAPER["beta"])
    for key in ("bias", "variance"):
        sd, sc = local_slopes(P, getattr(d, key)), local_slopes(P, c[key])
        assert np.max(np.abs(sd - sc)) < 2e-3, (key, sd, sc)
        assert np.all(sd < 0) and np.all(np.diff(sd) < 0)  # steepening towards the exponent
    Pbig = np.array([1e58, 1e59, 1e60])
    r = Pbig / PAPER["kappa"]
    sb = local_slopes(Pbig, continuum_bias(0.2, 0.3, r, Pbig + 0.5))
    sv = local_slopes(Pbig, continuum_variance(0.2, r, Pbig + 0.5))
    assert abs(sb[1] - ex["bias"]) < 1e-3 and abs(sv[1] - ex["variance"]) < 1e-3
    asym = asymptotic_curve([10**6, 10**7], **PAPER)
    assert local_slopes(asym["P"], asym["bias"])[0] == pytest.approx(ex["bias"], rel=1e-12)


def test_non_gaussian_correction_decays_with_P():
    P = parse_P_values("100:16000:5")
    ex = learning_curve(P, **PAPER, U=0.05, method="exact")
    gp = learning_curve(P, **PAPER, U=0.0, method="gp")
    rel = (gp.loss - ex.loss) / ex.loss
    assert np.all(rel > 0) and np.all(np.diff(rel) < 0), rel
    # expected ~ P^-(min(alpha,beta)/(1+alpha)) = P^-0.167 (the Hartree shift mu/r = U kappa <L>/P);
    # measured about -0.16
    slope = np.polyfit(np.log(P), np.log(rel), 1)[0]
    assert -0.25 < slope < -0.08, slope


def test_local_slopes_of_a_power_law():
    P = np.geomspace(10, 1e4, 7)
    assert np.allclose(local_slopes(P, 3 * P**-0.4), -0.4, atol=1e-12)


def test_cli_json(capsys):
    rc = main(
        [
            "curve",
            "--alpha",
            "0.2",
            "--beta",
            "0.3",
            "--kappa",
            "3.98",
            "--U",
            "0.05",
            "--P",
            "100,200,400",
            "--method",
            "exact",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"P", "loss", "bias", "variance"} <= set(obj)
    assert obj["P"] == [100, 200, 400]
    assert np.allclose(np.array(obj["bias"]) + obj["variance"], obj["loss"], rtol=1e-14)
    ref = learning_curve([100, 200, 400], 0.2, 0.3, 3.98, 0.05, "exact")
    assert np.allclose(obj["loss"], ref.loss, rtol=1e-12)


def test_cli_log_range_and_csv(capsys):
    assert (
        main(["curve", "--alpha", "0.2", "--beta", "0.3", "--kappa", "3.98", "--P", "10:1000:5", "--format", "csv"])
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("#") and lines[1] == "P,loss,bias,variance"
    assert [float(x.split(",")[0]) for x in lines[2:]] == [10, 32, 100, 316, 1000]


@pytest.mark.parametrize(
    "args",
    [
        ["--P", "100,abc"],
        ["--P", "0,10"],
        ["--P", "10:5:3"],
        ["--P", "1:10"],
        ["--P", "100", "--kappa", "-1"],
        ["--P", "100", "--method", "nope"],
    ],
)
def test_cli_bad_input_exits_2(capsys, args):
    base = ["curve", "--alpha", "0.2", "--beta", "0.3"]
    if "--kappa" not in args:
        base += ["--kappa", "3.98"]
    assert main(base + args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rgflow: error: ")


@pytest.mark.parametrize("alpha, beta", [(0.2, 3.0), (1.0, 6.0)])
def test_asymptotic_bias_beyond_the_source_condition(alpha, beta):
    """β > 2(1+α): the bias tends to ζ(1+β−2a)/r², against the discrete GP sum at large P; the
    relative correction is the unlearned tail, O(r^-(β−2a)/a)."""
    a = 1 + alpha
    P, kappa = 10**6, 10.0
    from rgflow import Model, predict

    direct = predict(Model(alpha, beta, P, kappa), "gp").bias
    asym = asymptotic_curve([P], alpha, beta, kappa)["bias"][0]
    assert np.isfinite(asym)
    tol = 3 * (P / kappa) ** (-(beta - 2 * a) / a)
    assert tol < 0.05
    assert asym == pytest.approx(direct, rel=tol)


# --- per-mode learning curves (issue 24 item 5) ---------------------------------------------------


def test_per_mode_curves_renormalized_match_eigenlearning():
    """modes=True: L_k = λ_k/(λ_k + K) and (1 − L_k)² y_k² against rgflow.ridge.ridge_errors (independent
    root finder); Σ_k error/(1 − γ) is the test error of eigenlearning."""
    from rgflow.ridge import ridge_errors

    Ps = [20, 80, 320]
    curve = learning_curve(Ps, 0.4, 0.6, 2.0, method="gp", ridge="renormalized", cutoff=500, modes=True)
    k = np.arange(1, 501)
    lam, y = k**-1.4, k**-0.8
    for i, P in enumerate(Ps):
        ref = ridge_errors(lam, y, P, 2.0, "renormalized")
        np.testing.assert_allclose(curve.modes["learnability"][i], ref.L, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(curve.modes["error"][i], (1 - ref.L) ** 2 * y**2, rtol=1e-9, atol=1e-300)
        assert np.isclose(curve.modes["error"][i].sum() / (1 - ref.gamma), ref.test_error, rtol=1e-9)
    one = curve.mode_curve(3)
    assert np.all(np.diff(one["learnability"]) > 0) and np.all(np.diff(one["error"]) < 0)  # learned with P


def test_per_mode_curves_bare_closed_form_and_json_keys(capsys):
    Ps = [10, 40]
    curve = learning_curve(Ps, 0.2, 0.3, 4.0, method="gp", modes=True)
    for i, P in enumerate(Ps):
        k = np.arange(1, P + 1)
        rl = P / 4.0 * k**-1.2
        np.testing.assert_allclose(curve.modes["learnability"][i], rl / (1 + rl), rtol=1e-12)
        np.testing.assert_allclose(curve.modes["error"][i], k**-1.3 / (1 + rl) ** 2, rtol=1e-12)
    d = curve.to_dict()
    assert set(d["modes"]) == {"learnability", "error"} and [len(a) for a in d["modes"]["error"]] == Ps
    plain = learning_curve(Ps, 0.2, 0.3, 4.0, method="gp")
    assert "modes" not in plain.to_dict() and plain.to_rows() == curve.to_rows()  # CSV unchanged
    with pytest.raises(ValueError, match="k must be an integer in \\[1, 10\\]"):
        curve.mode_curve(11)
    with pytest.raises(ValueError, match="modes=True"):
        plain.mode_curve(1)
    with pytest.raises(ValueError, match="modes must be True or False"):
        learning_curve(Ps, 0.2, 0.3, 4.0, method="gp", modes="yes")


def test_per_mode_curves_at_U_positive_sum_to_the_bias():
    curve = learning_curve([30, 60], 0.2, 0.3, 4.0, U=0.05, method="rg", modes=True)
    for i in range(2):
        assert np.isclose(curve.modes["error"][i].sum(), curve.bias[i], rtol=1e-12)
        L = curve.modes["learnability"][i]
        assert np.all((L > 0) & (L < 1))

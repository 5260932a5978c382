"""Issue 9 part 1: the loss surface in (P, Λ), its scaling theory and the collapse fit."""

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import beta as B
from scipy.special import hyp2f1

from rgflow import Model, paper, predict
from rgflow.cli import main
from rgflow.surface import (
    analytic_W,
    collapse_spread,
    continuum_surface,
    fit_scaling,
    fit_surface,
    loss_surface,
    predicted_exponents,
    scaling_function,
)

PAPER = dict(paper.SPECTRUM)
FAST = dict(alpha=1.0, beta=1.5, kappa=1.0)
BIAS_DOMINATED = dict(alpha=1.0, beta=0.4, kappa=1.0)
GRID = "1000:1e6:16"  # P and Λ: r = P/κ >= 251 keeps the finite-size corrections at the 1% level


def _direct(alpha, beta, kappa, P, cutoff):
    k = np.arange(1, cutoff + 1, dtype=float)
    lam, y2, r = k ** -(1 + alpha), k ** -(1 + beta), P / kappa
    return np.sum(y2 / (1 + r * lam) ** 2), np.sum(lam / (1 + r * lam))


def test_surface_equals_direct_sums_and_predict():
    s = loss_surface([100, 1234, 50000], [7, 100, 3000, 20000], **PAPER)
    assert s.loss.shape == (3, 4)
    for i, P in enumerate(s.P):
        for j, L in enumerate(s.cutoff):
            b, v = _direct(PAPER["alpha"], PAPER["beta"], PAPER["kappa"], P, L)
            assert s.bias[i, j] == pytest.approx(b, rel=1e-12)
            assert s.variance[i, j] == pytest.approx(v, rel=1e-12)
            assert s.loss[i, j] == pytest.approx(b + v, rel=1e-12)
    # Λ < P is a valid model; at U = 0 the rg method is the GP (docs/theory.md §4 check 1)
    pred = predict(Model(**PAPER, P=1234, cutoff=100), "rg")
    assert s.loss[1, 1] == pytest.approx(pred.loss, rel=1e-12)


def test_surface_at_U_positive_sums_predict_per_point():
    s = loss_surface([300, 2000], [50, 400], **PAPER, U=0.05, method="pt1")
    for i, P in enumerate(s.P):
        for j, L in enumerate(s.cutoff):
            pred = predict(Model(**PAPER, P=int(P), U=0.05, cutoff=int(L)), "pt1")
            assert (s.bias[i, j], s.variance[i, j]) == pytest.approx((pred.bias, pred.variance), rel=1e-12)
    gp = loss_surface([300, 2000], [50, 400], **PAPER)
    assert np.all(s.loss < gp.loss)  # the quartic lowers the loss (Hartree mass)


@pytest.mark.parametrize("alpha,beta", [(0.2, 0.3), (1.0, 1.5), (0.5, 2.5)])
def test_scaling_functions_quadrature_hypergeometric_and_limits(alpha, beta):
    A = 1 + alpha
    for z in (0.03, 1.0, 40.0):
        wb = quad(lambda x: x ** (2 * A - 1 - beta) / (1 + x**A) ** 2, 0, z, epsabs=0, epsrel=1e-12, limit=200)[0]
        wv = quad(lambda x: 1 / (1 + x**A), 0, z, epsabs=0, epsrel=1e-12, limit=200)[0]
        assert scaling_function("bias", alpha, beta, z) == pytest.approx(wb, rel=1e-9)
        assert scaling_function("variance", alpha, beta, z) == pytest.approx(wv, rel=1e-9)
        assert scaling_function("variance", alpha, beta, z) == pytest.approx(
            z * hyp2f1(1, 1 / A, 1 + 1 / A, -(z**A)), rel=1e-9
        )
    # model-size-limited z -> 0: W_b ≈ z^(2A-β)/(2A-β), W_v ≈ z  (bias ≈ Λ^(2A-β)/((2A-β)r²), variance ≈ Λ/r)
    z = 1e-4
    assert scaling_function("bias", alpha, beta, z) * (2 * A - beta) / z ** (2 * A - beta) == pytest.approx(1, rel=1e-3)
    assert scaling_function("variance", alpha, beta, z) / z == pytest.approx(1, rel=1e-3)
    # data-limited z -> ∞: the deficit against the learning-curve constants is the tail z^-β/β, z^-α/α
    z = 1e3  # the tail corrections are relative O(z^-(1+α)); larger z loses digits to cancellation
    wb_inf, wv_inf = B(beta / A, 2 - beta / A) / A, B(alpha / A, 1 / A) / A
    assert (wb_inf - scaling_function("bias", alpha, beta, z)) * beta * z**beta == pytest.approx(1, rel=1e-3)
    assert (wv_inf - scaling_function("variance", alpha, beta, z)) * alpha * z**alpha == pytest.approx(1, rel=1e-3)


def test_predicted_exponents():
    p = predicted_exponents(0.2, 0.3)
    assert p["bias"] == pytest.approx({"c/a": -0.25, "b/a": 1 / 1.2})
    assert p["variance"] == pytest.approx({"c/a": -0.2 / 1.2, "b/a": 1 / 1.2})
    assert p["dominant"] == "variance" and p["loss"] == p["variance"]
    q = predicted_exponents(1.0, 0.4)
    assert q["dominant"] == "bias" and q["loss"] == q["bias"]


@pytest.mark.parametrize("params", [PAPER, FAST], ids=["paper", "fast"])
def test_fit_recovers_exponents_on_the_exact_scaling_surface(params):
    # the continuum surface is exactly r^{-β/A}W_b(z) + r^{-α/A}W_v(z): only the spline representation
    # of W limits the fit (spread ~1e-5)
    s = continuum_surface(GRID, GRID, **params)
    pred = predicted_exponents(params["alpha"], params["beta"])
    for part in ("bias", "variance"):
        fit = fit_scaling(s.P, s.cutoff, getattr(s, part))
        assert fit["c/a"] == pytest.approx(pred[part]["c/a"], abs=2e-4)
        assert fit["b/a"] == pytest.approx(pred[part]["b/a"], abs=2e-4)
        assert fit["spread"] < 1e-4
        x = np.geomspace(s.cutoff.min() / s.P.max() ** fit["b/a"], s.cutoff.max() / s.P.min() ** fit["b/a"], 7)[1:-1]
        # the fitted W agrees with the analytic W up to the normalization P^(c/a) shift
        ratio = fit["W"](x) / analytic_W(part, params["alpha"], params["beta"], params["kappa"], x)
        assert np.ptp(np.log(ratio)) < 2e-3


@pytest.mark.parametrize("params", [PAPER, FAST, BIAS_DOMINATED], ids=["paper", "fast", "bias-dominated"])
def test_gp_fit_agrees_with_theory_within_finite_size_tolerance(params):
    """Fitted exponents of the discrete GP sums vs b/a = 1/(1+α), c/a = −β/(1+α) or −α/(1+α).

    Tolerance: the discrete sums differ from the exactly scaling continuum surface by ε = ln(L/L_cont)
    (excluded modes k < ½: relative O(r^{-1/(1+α)}) for the variance, O(r^{-(2-β/(1+α))}) for the
    bias). A fitted exponent can move only by absorbing a P-trend of ε: a shift δ of c/a changes ln L
    by δ·ln(P_max/P_min) = 6.9δ across the grid, a shift of b/a by g'·6.9δ (|g'| ≳ 0.3 in the
    crossover that fixes b/a), while ε varies by at most 2·max|ε|. Hence |δ| ≲ max|ε|; we allow 2·max|ε|.
    """
    d = loss_surface(GRID, GRID, **params)
    c = continuum_surface(GRID, GRID, **params)
    fits = fit_surface(d, parts=("bias", "variance"))
    for part in ("bias", "variance"):
        tol = 2 * np.abs(np.log(getattr(d, part) / getattr(c, part))).max()
        assert tol < 0.03  # the test means something
        f, p = fits.parts[part]["fitted"], fits.parts[part]["predicted"]
        assert abs(f["c/a"] - p["c/a"]) <= tol, (part, f, p, tol)
        assert abs(f["b/a"] - p["b/a"]) <= tol, (part, f, p, tol)
        # each part collapses at the predicted exponents, to about the finite-size corrections
        assert fits.parts[part]["spread_predicted"] <= tol


@pytest.mark.parametrize(
    "params",
    [dict(alpha=0.5, beta=2.5, kappa=1.0), dict(alpha=3.0, beta=0.2, kappa=1.0)],
    ids=["variance-dominated", "bias-dominated"],
)
def test_total_collapses_where_one_part_dominates(params):
    d = loss_surface(GRID, GRID, **params)
    c = continuum_surface(GRID, GRID, **params)
    pred = predicted_exponents(params["alpha"], params["beta"])
    dom = pred["dominant"]
    sub = "bias" if dom == "variance" else "variance"
    # theory: ln L = ln L_dom + ln(1 + sub/dom); the second term is the violation of the collapse
    violation = np.log1p(getattr(c, sub) / getattr(c, dom)).max()
    finite_size = np.abs(np.log(d.loss / c.loss)).max()
    assert violation < 0.01
    spread = collapse_spread(d.P, d.cutoff, d.loss, pred["loss"]["c/a"], pred["loss"]["b/a"])
    assert spread < violation + finite_size
    fit = fit_scaling(d.P, d.cutoff, d.loss)
    tol = 2 * (violation + finite_size)
    assert fit["c/a"] == pytest.approx(pred[dom]["c/a"], abs=tol)
    assert fit["b/a"] == pytest.approx(pred[dom]["b/a"], abs=tol)


def test_total_is_not_one_scaling_form_at_the_paper_parameters():
    # bias/variance ∝ P^{-(β-α)/(1+α)} = P^-0.083 along fixed z: both parts matter on any practical grid
    d = loss_surface(GRID, GRID, **PAPER)
    fits = fit_surface(d)
    pb, pv = fits.parts["bias"]["predicted"], fits.parts["variance"]["predicted"]
    for p in (pb, pv):
        assert (
            collapse_spread(d.P, d.cutoff, d.loss, p["c/a"], p["b/a"]) > 10 * fits.parts["variance"]["spread_predicted"]
        )
    # the fitted (effective) exponent of the total lies between the two parts' exponents
    assert pb["c/a"] < fits.parts["loss"]["fitted"]["c/a"] < pv["c/a"]


# --- CLI and bad input ------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


ARGS = ("surface", "--alpha", "0.2", "--beta", "0.3", "--kappa", "3.981", "--P", "100:1e4:5", "--cutoff", "50,500,5000")


def test_cli_json_contract(capsys):
    code, out, err = run(capsys, *ARGS)
    assert code == 0, err
    obj = json.loads(out)
    assert {"P", "cutoff", "loss", "bias", "variance"} <= set(obj)
    assert obj["P"] == [100, 316, 1000, 3162, 10000] and obj["cutoff"] == [50, 500, 5000]
    s = loss_surface(obj["P"], obj["cutoff"], 0.2, 0.3, 3.981)
    for key in ("loss", "bias", "variance"):
        assert np.array(obj[key]).shape == (5, 3)
        np.testing.assert_allclose(obj[key], getattr(s, key), rtol=1e-15)
    assert "fit" not in obj


def test_cli_csv_rows_and_fit(capsys, tmp_path):
    out_file = tmp_path / "s.csv"
    code, out, err = run(capsys, *ARGS, "--format", "csv", "--fit", "--out", str(out_file))
    assert code == 0 and out == "", err
    lines = out_file.read_text().splitlines()
    assert lines[0].startswith("# rgflow=") and "variance_fitted_c_a=" in lines[0]
    assert lines[1] == "P,cutoff,loss,bias,variance"
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[2:]])
    assert rows.shape == (15, 5)
    b, v = _direct(0.2, 0.3, 3.981, 316, 5000)
    row = rows[(rows[:, 0] == 316) & (rows[:, 1] == 5000)][0]
    assert row[3:] == pytest.approx([b, v], rel=1e-12)
    code, out, err = run(capsys, *ARGS, "--fit")
    fit = json.loads(out)["fit"]
    assert fit["bias"]["predicted"]["c/a"] == pytest.approx(-0.25)
    assert set(fit["variance"]["fitted"]) == {"c/a", "b/a"}


@pytest.mark.parametrize(
    "argv,word",
    [
        (("--P", "0:10:3"), "P"),
        (("--cutoff", "0,5"), "cutoff"),
        (("--cutoff", "abc"), "cutoff"),
        (("--kappa", "-1"), "kappa"),
        (("--alpha", "0"), "alpha"),
        (("--U", "-0.1"), "U"),
        (("--method", "nope"), "method"),
        (("--P", "100,200", "--fit"), "fit"),
    ],
)
def test_cli_bad_input_one_line_status_2(capsys, argv, word):
    args = list(ARGS)
    for flag, value in zip(argv[::2], argv[1::2]):
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    args += [a for a in argv if a == "--fit"]
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("rgflow: error:") and err.count("\n") == 1 and word in err


def test_api_bad_input():
    with pytest.raises(ValueError, match="cutoff"):
        loss_surface([100], [0], **PAPER)
    with pytest.raises(ValueError, match="method"):
        loss_surface([100], [10], **PAPER, method="nope")
    with pytest.raises(ValueError, match="beta < 2"):
        scaling_function("bias", 0.2, 3.0, 1.0)
    with pytest.raises(ValueError, match="part"):
        scaling_function("loss", 0.2, 0.3, 1.0)
    with pytest.raises(ValueError, match="shape"):
        fit_scaling([1, 2, 3], [1, 2, 3], np.ones((3, 4)))
    with pytest.raises(ValueError, match="> 0"):
        fit_scaling([1, 2, 3], [1, 2, 3], np.zeros((3, 3)))


def test_sympy_derivation_of_the_scaling_form():
    import pathlib
    import runpy

    script = pathlib.Path(__file__).resolve().parent.parent / "derivations" / "surface_scaling.py"
    runpy.run_path(str(script))  # asserts every step (PDE, substitution, limits)


def test_fit_surface_refuses_the_renormalized_ridge_whose_exponents_it_does_not_predict():
    from rgflow.surface import fit_surface, loss_surface

    surf = loss_surface([50, 100, 200, 400], [50, 100, 200, 400], 0.5, 1.0, 1.0, method="gp", ridge="renormalized")
    with pytest.raises(ValueError, match="ridge='renormalized'"):
        fit_surface(surf)


def test_fit_at_a_nearly_degenerate_jacobian_gives_finite_errors():
    """σ_min/σ_max of the Jacobian just above the 1e-10 bound: JᵀJ is singular in float64, its SVD is not
    (this raised numpy's LinAlgError 'Singular matrix'); the error bars come out finite and positive."""
    S = loss_surface(
        "20:844:5",
        "20:844:5",
        3.87377706139893,
        -0.41698981488831594,
        3.7997527020264766e-241,
        1.2371477457095842e-286,
        "gp",
    )
    part = fit_surface(S, parts=("variance",)).parts["variance"]
    assert all(math.isfinite(v) and v > 0 for v in part["stderr"].values())
    assert all(math.isfinite(v) for v in part["fitted"].values())

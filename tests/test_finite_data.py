"""Finite data as a coupling (derivations/finite_data.py): the replica-symmetric saddle of the input-averaged
likelihood equals the renormalized ridge and its 1/(1 − γ) test error, agrees with Gaussian-feature
simulations of real KRR, and with finite width on top it agrees with the exact Q-mixture of the linear network
on Gaussian designs."""

import pathlib
import sys

import numpy as np
import pytest

from rgflow.nonlinear import replica_network, replica_ridge
from rgflow.ridge import renormalized_ridge, ridge_errors

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _power(Lam, a=0.5, b=0.3):
    k = np.arange(1, Lam + 1, dtype=float)
    return k ** -(1 + a), k ** -((1 + b) / 2)


@pytest.mark.parametrize(
    "Lam,P,kappa", [(400, 100, 0.01), (400, 100, 3.0), (50, 200, 0.1), (200, 200, 1e-3), (1000, 37.5, 0.5)]
)
def test_replica_saddle_is_the_renormalized_ridge(Lam, P, kappa):
    lam, y = _power(Lam)
    rs = replica_ridge(lam, y, P, kappa)
    ref = ridge_errors(lam, y, P, kappa)
    assert rs.K == pytest.approx(renormalized_ridge(lam, P, kappa), rel=1e-12)
    assert rs.q0 == pytest.approx(ref.test_error, rel=1e-10)
    assert rs.gamma == pytest.approx(ref.gamma, rel=1e-10)
    # the saddle equations themselves
    assert rs.r * (kappa + rs.chi) == pytest.approx(P, rel=1e-12)
    assert rs.sigma2 == pytest.approx(P * rs.q0 / (kappa + rs.chi) ** 2, rel=1e-12)
    assert rs.q0 == pytest.approx(np.sum(((y / lam) ** 2 + rs.sigma2) / (1 / lam + rs.r) ** 2), rel=1e-10)


def _simulate(lam, y, P, kappa, draws, seed, width=None):
    """Mean test error Σ_k (y_k − f̂_k)² over Gaussian designs: KRR, or the linear network's exact Q-mixture."""
    rng = np.random.default_rng(seed)
    errs = []
    for _ in range(draws):
        Psi = rng.standard_normal((P, lam.size))
        e, V = np.linalg.eigh((Psi * lam) @ Psi.T)
        e = np.clip(e, 0.0, None)
        z = V.T @ (Psi @ y)
        if width is None:
            c = z / (e + kappa)
        else:
            t = np.linspace(-40, 8, 2000)
            Q = np.exp(t)[:, None]
            lw = width / 2 * t - width * Q[:, 0] / 2 - 0.5 * np.sum(np.log(Q * e + kappa) + z * z / (Q * e + kappa), 1)
            w = np.exp(lw - lw.max())
            assert w[0] < 1e-15 and w[-1] < 1e-15
            c = (w / w.sum()) @ (Q / (Q * e + kappa)) * z
        errs.append(float(np.sum((y - lam * (Psi.T @ (V @ c))) ** 2)))
    errs = np.asarray(errs)
    return errs.mean(), errs.std(ddof=1) / np.sqrt(draws)


@pytest.mark.parametrize("kappa", [0.01, 1.0])
def test_replica_against_gaussian_features(kappa):
    lam, y = _power(400)
    m, se = _simulate(lam, y, 100, kappa, 60, seed=11)
    rs = replica_ridge(lam, y, 100, kappa)
    assert abs(m - rs.q0) < 4 * se, (m, se, rs.q0)
    # the bare picture (no finite-data coupling) is far off
    bare = ridge_errors(lam, y, 100, kappa, ridge="bare").test_error
    assert abs(m - bare) > 10 * se


def test_replica_network_against_exact_mixture_on_gaussian_designs():
    lam, y = _power(400, 0.5, 1.3)
    m, se = _simulate(lam, y, 100, 0.01, 60, seed=5, width=8)
    rn = replica_network(lam, y, 100, 0.01, 8)
    assert abs(m - rn.q0) < 4 * se, (m, se, rn.q0)
    # width matters here: the infinitely wide network's error is far outside the error bar
    assert abs(m - replica_ridge(lam, y, 100, 0.01).q0) > 10 * se


def test_replica_network_infinite_width_limit():
    lam, y = _power(300)
    a, b = replica_network(lam, y, 80, 0.3, 10**7), replica_ridge(lam, y, 80, 0.3)
    assert a.Q == pytest.approx(1.0, abs=1e-5) and a.q0 == pytest.approx(b.q0, rel=1e-4)


def test_bad_input():
    lam, y = _power(20)
    with pytest.raises(ValueError, match="kappa"):
        replica_ridge(lam, y, 10, 0.0)
    with pytest.raises(ValueError, match="P"):
        replica_ridge(lam, y, -1, 1.0)
    with pytest.raises(ValueError, match="width"):
        replica_network(lam, y, 10, 1.0, 0)


def test_derivation_script_asserts_and_derives_ridge_py_formulas(monkeypatch, capsys):
    """The script's symbolic steps assert; its derived expressions, evaluated on a 3-mode spectrum, are
    rgflow.ridge's formulas by value: the replica mass equation r = P/(κ + χ) vanishes at renormalized_ridge's K,
    and the replica-symmetric q₀ = B/(1 − γ) (the off-diagonal random-field feedback) is ridge_errors' test error
    and γ its gamma. docs/theory.md §5 and rgflow/ridge.py cite this as the derivation of the 1/(1 − γ) factor."""
    import runpy

    monkeypatch.setattr(sys, "argv", ["finite_data.py", "--no-numerics"])
    g = runpy.run_path(str(ROOT / "derivations" / "finite_data.py"), run_name="__main__")
    assert "renormalized ridge" in capsys.readouterr().out
    lam, y, P, kappa = np.array([1.0, 0.3, 0.05]), np.array([0.8, -0.4, 0.3]), 7.0, 0.2
    ref = ridge_errors(lam, y, P, kappa)
    Kr = renormalized_ridge(lam, P, kappa)
    subs = {g["P"]: P, g["kappa"]: kappa, g["K"]: Kr}
    subs.update(zip(g["lams"], lam))
    subs.update(zip(g["ys"], y))
    assert abs(float(g["mass_eq"].subs(subs))) < 1e-12 / Kr
    assert float(g["q0_solution"].subs(subs)) == pytest.approx(ref.test_error, rel=1e-12)
    assert float(g["gamma"].subs(subs)) == pytest.approx(ref.gamma, rel=1e-12)

"""Langevin's error bars stay calibrated everywhere (issue 18 item 7).

Batch means cannot see round-off or the bias of the conditional-moment quadrature; where the
Rao–Blackwellized moments are nearly Gaussian their spread vanishes (exactly 0 at U = 0) and the
z-scores against ``exact`` ran to 10⁶ at relative errors of 1e-9. The floor of the error bars
(bias + round-off) keeps every z-score of a seeded random draw of parameter sets small.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from rgflow import Model
from rgflow.exact import exact_moments
from rgflow.langevin import langevin

Z_MAX = 5.0    # over ~10⁴ z-scores; a Gaussian exceeds 5 with probability 6e-7 each


def _draw(rng):
    alpha = float(np.exp(rng.uniform(np.log(0.01), np.log(5.0))))
    beta = float(rng.uniform(-0.9, 10.0))
    P = int(np.exp(rng.uniform(np.log(2), np.log(120))))
    kappa = float(10 ** rng.uniform(-10, 10))
    U = float(10 ** rng.uniform(-12, 2)) if rng.random() < 0.85 else 0.0
    return Model(alpha, beta, P, kappa, U)


def _z(lv, ex):
    """z of mean and variance; the exact side's own convergence bound (info 'error') is included."""
    tol = float(ex["error"])
    zm = (lv["mean"] - ex["mean"]) / np.hypot(lv["mean_stderr"], tol * np.abs(ex["mean"]))
    zv = (lv["var"] - ex["var"]) / np.hypot(lv["var_stderr"], tol * np.abs(ex["var"]))
    return np.concatenate([zm, zv])


def test_zscores_against_exact_on_random_parameter_sets():
    rng = np.random.default_rng(20261201)
    zs, n_zero_U = [], 0
    for i in range(40):
        model = _draw(rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ex = exact_moments(model)
            lv = langevin(model, seed=i, chains=16, steps=64, burn=20)   # short runs: the floor matters most
        z = _z(lv, ex)
        assert np.all(np.isfinite(z)), model
        zs.append(z)
        n_zero_U += model.U == 0.0
        # the floor is small: a few ε of the scale plus the quadrature's 1e-11 tolerance
        scale = np.abs(lv["mean"]) + np.sqrt(np.maximum(lv["var"], 0.0))
        assert np.all(lv["mean_stderr_floor"] <= 2e-11 * scale)
    z = np.concatenate(zs)
    assert n_zero_U >= 3 and z.size > 2000, (n_zero_U, z.size)
    assert np.max(np.abs(z)) < Z_MAX, np.max(np.abs(z))
    assert np.mean(np.abs(z) > 2.0) < 0.1          # not too small either (a Gaussian: 4.6 %)


@pytest.mark.parametrize("params", [
    (0.0643, 5.62, 32, 6.68e-06, 0.000161),     # tiny means next to their spread: old z ~ 10⁶
    (1.66, 5.55, 2, 289.0, 0.0),                # U = 0: batch spread exactly 0
])
def test_the_floor_is_what_keeps_them_calibrated(params):
    """Cases where the batch-mean spread alone is far too small: the floor fixes the z-scores."""
    model = Model(*params)
    ex, lv = exact_moments(model), langevin(model, seed=0)
    assert np.max(np.abs(_z(lv, ex))) < Z_MAX
    raw = {key: np.sqrt(np.maximum(lv[f"{key}_stderr"] ** 2 - lv[f"{key}_stderr_floor"] ** 2, 0.0))
           for key in ("mean", "var")}
    with np.errstate(divide="ignore", invalid="ignore"):
        z_raw = _z({**lv, "mean_stderr": raw["mean"], "var_stderr": raw["var"]}, {**ex, "error": 0.0})
    assert not np.all(np.abs(z_raw) < Z_MAX)      # without the floor the check fails (inf at U = 0)


def test_moments_about_the_mean_field_mean_do_not_cancel():
    """Var ≪ ⟨Δ⟩² (this case was a parameter of the test above while Var = ⟨Δ²⟩ − ⟨Δ⟩² cancelled):
    the moments are now accumulated about the mean-field mean, so the z-scores against exact hold
    with the floor and without it (issue 18 item 2: 428 negative variances at α = 5, P = 2000)."""
    model = Model(4.92, -0.494, 18, 309.0, 0.207)
    ex, lv = exact_moments(model), langevin(model, seed=0)
    assert np.max(np.abs(_z(lv, ex))) < Z_MAX
    raw = {key: np.sqrt(np.maximum(lv[f"{key}_stderr"] ** 2 - lv[f"{key}_stderr_floor"] ** 2, 0.0))
           for key in ("mean", "var")}
    z_raw = _z({**lv, "mean_stderr": raw["mean"], "var_stderr": raw["var"]}, {**ex, "error": 0.0})
    assert np.all(np.abs(z_raw) < Z_MAX)

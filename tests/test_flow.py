"""Flow schemes: agreement between them, the trajectory object, and detected divergence."""

import math

import numpy as np
import pytest

from rgflow import FlowError, Model, flow

from conftest import PAPER


def _discrete_by_hand(model):
    """Mode-by-mode update written out from the derived formulas (κ's of Δ², δr, δu)."""
    r, u = model.r, model.u
    lam, y = model.eigenvalues(), model.target()
    rs = [r]
    for q in range(model.cutoff - 1, -1, -1):
        m, G = y[q] / (1 + r * lam[q]), lam[q] / (1 + r * lam[q])
        k1, k2, k3 = G + m * m, 2 * G * G + 4 * m * m * G, 8 * G**3 + 24 * m * m * G * G
        r, u = r + u * k1 - u * u / 4 * (k3 + 2 * k1 * k2), u - u * u / 2 * k2
        rs.append(r)
    return np.array(rs), (r, u)


def test_discrete_scheme_is_the_mode_by_mode_update():
    m = Model(0.3, 0.4, 200, 2.0, 0.1)
    rs, end = _discrete_by_hand(m)
    tr = flow(m, "discrete")
    np.testing.assert_allclose(tr.at_mode(np.arange(200, -1, -1))["r"], rs, rtol=1e-13)
    assert tr.end == pytest.approx(end, rel=1e-13)


@pytest.mark.parametrize("switch", [256, 1024])
def test_hybrid_agrees_with_discrete(switch):
    """The hybrid replaces the modes above ``switch`` by the continuum between midpoints.

    Measured at this strong coupling (u = 1000): ≈ 1e-7 relative in r, growing like u²; it is far
    below the RG's own error against exact (≳ 1e-4), which is what the predictors need.
    """
    m = Model(0.2, 0.3, 20000, 20000 / 100**1.2 / 10, 0.05)
    d, h = flow(m, "discrete"), flow(m, "hybrid", switch=switch)
    k = np.unique(np.geomspace(1, m.cutoff, 60).astype(int))
    np.testing.assert_allclose(h.at_mode(k)["r"], d.at_mode(k)["r"], rtol=1e-6)
    np.testing.assert_allclose(h.at_mode(k)["u"], d.at_mode(k)["u"], rtol=1e-5)
    assert h.end[0] == pytest.approx(d.end[0], rel=1e-6)
    k_top = np.arange(switch + 1, m.cutoff + 1)
    assert np.max(np.abs(h.at_mode(k_top)["r"] / d.at_mode(k_top)["r"] - 1)) < 1e-6


def test_continuum_tracks_discrete_and_sums_the_modes():
    """dr/dτ integrates the shell sums: the continuum differs from mode sums by O(1/k_c) only."""
    m = Model(*PAPER)
    c, d = flow(m, "continuum"), flow(m, "discrete")
    k = np.array([900, 500, 200, 100, 50])
    rel = np.abs(c.at_mode(k)["r"] / d.at_mode(k)["r"] - 1)
    assert np.all(rel < 5e-3), rel
    assert c.tau[-1] == pytest.approx(math.log(1000))


def test_trajectory_is_continuous_and_rescaled():
    m = Model(*PAPER)
    tr = flow(m, "continuum")
    st = tr(np.array([0.0, 1.0, 2.5]))
    lam_c = (1000 * np.exp(-st["tau"])) ** -1.2
    np.testing.assert_allclose(st["r_hat"], st["r"] * lam_c)
    np.testing.assert_allclose(st["U_hat"], st["u"] * lam_c**2)
    np.testing.assert_allclose(st["s"], np.exp(-0.45 * st["tau"]))
    assert st["r"][0] == m.r and st["u"][0] == m.u
    assert np.all(np.diff(st["r"]) > 0) and np.all(np.diff(st["u"]) < 0)  # mass grows, u is screened
    with pytest.raises(ValueError, match="tau"):
        tr(-1.0)
    d = flow(m, "discrete")
    assert d(math.log(1000 / 400))["r"] == pytest.approx(d.at_mode(400)["r"])


def test_zero_coupling_does_not_flow():
    m = Model(0.2, 0.3, 100, 1.0, 0.0)
    for scheme in ("continuum", "discrete", "hybrid"):
        tr = flow(m, scheme)
        assert tr.end == (m.r, 0.0)


def test_breakdown_of_the_expansion_is_reported_with_where():
    m = Model(0.2, 0.3, 2, 200.0, 25.0)  # r = 0.01, u = 50 on modes with G ≈ 1: u·K2/2 ≫ 1
    with pytest.raises(FlowError, match="breaks down") as info:
        flow(m, "discrete")
    assert info.value.tau is not None and info.value.k_c is not None


def test_bad_scheme_and_model():
    with pytest.raises(ValueError, match="scheme"):
        flow(Model(*PAPER), "lattice")
    with pytest.raises(ValueError, match="model"):
        flow("model")
    with pytest.raises(ValueError, match="switch"):
        flow(Model(*PAPER), "hybrid", switch=0)


def test_batch_flow_matches_single_trajectories():
    from rgflow.flow import flow_batch

    kappas = np.array([1.0, 3.98, 20.0, 100.0])
    Us = np.array([0.0, 0.05, 0.2, 0.01])
    P = 5000
    batch = flow_batch(0.2, 0.3, P, P / kappas, Us * P)
    assert batch["r"].shape == (101, 4)
    for i, (kappa, U) in enumerate(zip(kappas, Us)):
        single = flow(Model(0.2, 0.3, P, kappa, U))(batch["tau"])
        np.testing.assert_allclose(batch["r"][:, i], single["r"], rtol=1e-9)
        np.testing.assert_allclose(batch["u"][:, i], single["u"], rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(r0=[1.0, -1.0], u0=[0.1, 0.1]), "r0"),
        (dict(r0=[1.0, 2.0], u0=[0.1, np.nan]), "u0"),
        (dict(r0=[1.0, 2.0], u0=[0.1, 0.2, 0.3]), "same length"),
        (dict(r0=[1.0], u0=[0.1], tau=[2.0, 1.0]), "tau"),
    ],
)
def test_batch_flow_rejects_bad_input(kwargs, name):
    from rgflow.flow import flow_batch

    with pytest.raises(ValueError, match=name):
        flow_batch(0.2, 0.3, 1000, **kwargs)

"""Spectra as data (issue 14 item 1): PowerLaw and Measured, the Model as the only source of the
spectrum, and every method / scheme honouring a measured spectrum."""

import numpy as np
import pytest

from rgflow.flow import flow, integrate
from rgflow.model import Model
from rgflow.predict import predict
from rgflow.spectrum import Measured, PowerLaw

PAPER = (0.2, 0.3, 1000, 1000 / 100**1.2, 0.05)


def _copy_of(m):
    """The power-law model rebuilt from its own arrays as a measured spectrum."""
    return Model.from_spectrum(Measured(m.eigenvalues(), m.target()), m.P, m.kappa, m.U, ridge="bare")


def _two_power_laws(n, seed=0):
    """A smooth spectrum that is no power law: λ_k = k^-1.2 + 0.5 k^-2.5, y_k² = k^-1.5 + 0.3 k^-1.1,
    random signs."""
    k = np.arange(1, n + 1, dtype=float)
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], n)
    return Measured(k**-1.2 + 0.5 * k**-2.5, signs * np.sqrt(k**-1.5 + 0.3 * k**-1.1))


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lam, y, match",
    [
        ([1.0, 0.5], [1.0], "same length"),
        ([], [], "empty"),
        ([[1.0, 0.5]], [[1.0, 0.5]], "1-D"),
        ([1.0, np.nan], [1.0, 0.5], "finite"),
        ([1.0, 0.5], [1.0, np.inf], "target must be finite"),
        ([1.0, 0.0], [1.0, 0.5], "> 0"),
        ([1.0, -0.5], [1.0, 0.5], "> 0"),
        ([0.5, 1.0], [1.0, 0.5], "descending"),
        ("abc", [1.0], "eigenvalues"),
    ],
)
def test_measured_rejects_bad_arrays(lam, y, match):
    with pytest.raises(ValueError, match=match):
        Measured(lam, y)


def test_measured_keeps_read_only_copies_and_a_digest():
    lam, y = np.array([1.0, 0.5, 0.25]), np.array([0.3, -0.2, 0.1])
    sp = Measured(lam, y)
    lam[0] = 7.0
    assert sp.eigenvalues[0] == 1.0 and not sp.eigenvalues.flags.writeable and not sp.target.flags.writeable
    assert sp == Measured([1.0, 0.5, 0.25], [0.3, -0.2, 0.1]) and sp != Measured([1.0, 0.5, 0.25], [0.3, 0.2, 0.1])
    m = Model.from_spectrum(sp, 10, 1.0, 0.1, ridge="bare")
    assert m.cutoff == 3 and m.alpha is None and m.beta is None  # cutoff default: the number of modes
    assert m.params == {
        "alpha": None,
        "beta": None,
        "P": 10,
        "kappa": 1.0,
        "U": 0.1,
        "cutoff": 3,
        "spectrum": "measured",
        "modes": 3,
        "digest": sp.digest,
    }
    np.testing.assert_array_equal(m.target(), [0.3, -0.2, 0.1])  # signs kept
    with pytest.raises(ValueError, match="cutoff"):
        Model.from_spectrum(sp, 10, 1.0, cutoff=4, ridge="bare")
    with pytest.raises(ValueError, match="replace"):
        m.replace(alpha=0.3)
    assert m.replace(P=20).cutoff == 3


def test_power_law_prefactors_and_flat_spectra():
    sp = PowerLaw(-0.5, 0.3, A=2.0, B=3.0)  # α <= 0 is allowed: the cutoff of a Model is finite
    m = Model.from_spectrum(sp, 50, 1.0, ridge="bare")
    k = np.arange(1, 51, dtype=float)
    np.testing.assert_allclose(m.eigenvalues(), 2.0 * k**-0.5, rtol=1e-15)
    np.testing.assert_allclose(m.target() ** 2, 3.0 * k**-1.3, rtol=1e-14)
    assert m.params["A"] == 2.0 and m.params["B"] == 3.0 and m.cutoff == 50
    assert Model(0.2, 0.3, 10, 1.0).params == {"alpha": 0.2, "beta": 0.3, "P": 10, "kappa": 1.0, "U": 0.0, "cutoff": 10}
    with pytest.raises(ValueError, match="alpha"):
        Model(0.0, 0.3, 10, 1.0)  # the plain constructor keeps alpha > 0
    for bad in (
        {"alpha": -1.0, "beta": 0.0},
        {"alpha": 0.2, "beta": 0.0, "A": 0.0},
        {"alpha": 0.2, "beta": 0.0, "B": -1},
    ):
        with pytest.raises(ValueError, match="|".join(bad)):
            PowerLaw(**bad)
    with pytest.raises(ValueError, match="spectrum"):
        Model.from_spectrum([1.0, 0.5], 10, 1.0)


def test_log_log_interpolation_between_modes():
    sp = Measured([1.0, 0.25, 0.2], [0.5, -0.1, 0.0])
    lam, y = sp.at(np.array([1.0, 2.0, np.sqrt(2.0), 2.5]))
    assert lam[0] == 1.0 and lam[1] == 0.25 and y[1] == -0.1  # the arrays at the integers
    assert lam[2] == pytest.approx(np.sqrt(1.0 * 0.25), rel=1e-14)  # geometric mean at the log midpoint
    assert y[2] == pytest.approx(np.sqrt(0.5 * 0.1), rel=1e-14)  # y² log-log, sign of the mode below
    assert y[3] == pytest.approx(-np.sqrt(0.01 * 0.5), rel=1e-14)  # y = 0 at an end: linear in y²
    # the power law's own arrays interpolate to the power law
    m = Model(*PAPER)
    ks = np.linspace(1.0, 1000.5, 777)
    for a, b in zip(_copy_of(m).spectrum.at(ks), m.spectrum.at(ks)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    with pytest.raises(ValueError, match="k"):
        sp.at(0.5)


# --- the power law's own arrays give the power law ------------------------------------------------


@pytest.mark.parametrize("method", ["gp", "pt1", "rg", "rg-1loop", "rg-cutoff", "mean-field", "exact"])
def test_measured_copy_of_the_power_law_gives_the_same_predictions(method):
    m = Model(*PAPER)  # Λ = 1000 <= SWITCH: rg's hybrid flow is all discrete, so bit for bit
    a, b = predict(m, method), predict(_copy_of(m), method)
    np.testing.assert_array_equal(b.mean, a.mean)
    np.testing.assert_array_equal(b.var, a.var)
    if method.startswith("rg"):  # rg-1loop, rg-cutoff: Λ > SWITCH, through the continuum of the
        # interpolated arrays; rg: Λ > 2·4096, the measured arrays summed mode by mode where the
        # power law's sums above 4096 modes are a quadrature
        P = 9000 if method == "rg" else 1500
        m = Model(0.2, 0.3, P, P / 100**1.2, 0.05)
        a, b = predict(m, method), predict(_copy_of(m), method)
        np.testing.assert_allclose(b.mean, a.mean, rtol=1e-10, atol=0)
        np.testing.assert_allclose(b.var, a.var, rtol=1e-10, atol=0)


def test_measured_copy_langevin_is_bit_for_bit():
    m = Model(0.2, 0.3, 20, 2.0, 0.1)
    opts = dict(seed=3, chains=4, steps=2000, burn=200)
    a, b = predict(m, "langevin", **opts), predict(_copy_of(m), "langevin", **opts)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.var, b.var)


@pytest.mark.parametrize("scheme", ["continuum", "discrete", "hybrid"])
def test_measured_copy_gives_the_same_flow(scheme):
    m = Model(0.2, 0.3, 1500, 1500 / 100**1.2, 0.05)  # Λ > 1024: hybrid has a continuum part
    a, b = flow(m, scheme), flow(_copy_of(m), scheme)
    if scheme == "discrete":
        assert a.end == b.end
    else:
        np.testing.assert_allclose(b.end, a.end, rtol=1e-10)
    ks = np.array([1.0, 17.0, 600.0, 1400.0])
    for key in ("r", "u", "r_hat", "U_hat", "s"):
        np.testing.assert_allclose(b.at_mode(ks)[key], a.at_mode(ks)[key], rtol=1e-10)


def test_measured_copy_transfer_and_curves():
    from rgflow.curves import learning_curve
    from rgflow.surface import loss_surface
    from rgflow.transfer import transfer

    m = Model(*PAPER)
    for P_new in (500, 1000):
        assert transfer(_copy_of(m), P_new).model.kappa == transfer(m, P_new).model.kappa
    big = Model(0.2, 0.3, 400, 2.0, 0.05)
    sp = Measured(big.eigenvalues(), big.target())
    a = learning_curve([100, 200], 0.2, 0.3, 2.0, 0.05, "rg", cutoff=400)
    b = learning_curve([100, 200], None, None, 2.0, 0.05, "rg", spectrum=sp)
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-10)
    assert b.params["cutoff"] == 400 and b.params["spectrum"] == "measured"
    sa = loss_surface([50, 100], [100, 400], 0.2, 0.3, 2.0)
    sb = loss_surface([50, 100], [100, 400], None, None, 2.0, spectrum=sp)
    np.testing.assert_array_equal(sb.loss, sa.loss)
    with pytest.raises(ValueError, match="spectrum"):
        learning_curve([100], 0.2, 0.3, 2.0, spectrum=sp)


# --- a spectrum that is no power law is honoured ---------------------------------------------------


def test_gp_and_learning_curve_on_a_measured_spectrum_match_the_closed_forms():
    from rgflow.curves import learning_curve

    sp = _two_power_laws(300)
    lam, y = sp.eigenvalues, sp.target
    for P in (50, 200):
        r = P / 0.7
        g = predict(Model.from_spectrum(sp, P, 0.7, ridge="bare"), "gp")
        np.testing.assert_allclose(g.mean, y / (1 + r * lam), rtol=1e-12)
        np.testing.assert_allclose(g.var, lam / (1 + r * lam), rtol=1e-12)
    curve = learning_curve([50, 200], None, None, 0.7, method="exact", spectrum=sp)
    expect = [np.sum((y / (1 + P / 0.7 * lam)) ** 2 + lam / (1 + P / 0.7 * lam)) for P in (50, 200)]
    np.testing.assert_allclose(curve.loss, expect, rtol=1e-12)


def test_exact_on_a_measured_spectrum_matches_brute_force_quadrature():
    """Two modes: ⟨Δ_k⟩ and Var Δ_k of exp(−S) on a fine 2-D grid (trapezoid, exponentially accurate)."""
    sp = Measured([0.9, 0.3], [0.7, -0.4])
    m = Model.from_spectrum(sp, 4, 2.0, 0.3, ridge="bare")
    lam, y, r, u = sp.eigenvalues, sp.target, m.r, m.u
    x = [np.linspace(-8, 8, 1601) * np.sqrt(lam[i]) + y[i] / (1 + r * lam[i]) for i in range(2)]
    d1, d2 = np.meshgrid(*x, indexing="ij")
    S = (
        (y[0] - d1) ** 2 / (2 * lam[0])
        + (y[1] - d2) ** 2 / (2 * lam[1])
        + r * (d1**2 + d2**2) / 2
        + u / 4 * (d1**2 + d2**2) ** 2
    )
    w = np.exp(-(S - S.min()))
    Z = w.sum()
    mean = np.array([(d1 * w).sum(), (d2 * w).sum()]) / Z
    var = np.array([(d1**2 * w).sum(), (d2**2 * w).sum()]) / Z - mean**2
    ex = predict(m, "exact")
    np.testing.assert_allclose(ex.mean, mean, rtol=1e-9)
    np.testing.assert_allclose(ex.var, var, rtol=1e-9)


def test_rg_on_a_measured_spectrum_is_close_to_exact():
    sp = _two_power_laws(1000)
    m = Model.from_spectrum(sp, 1000, 1000 / 100**1.2, 0.05, ridge="bare")
    ex = predict(m, "exact").mean
    err = {meth: float(np.max(np.abs(predict(m, meth).mean / ex - 1))) for meth in ("gp", "pt1", "rg")}
    assert err["rg"] < 0.03 and err["rg"] < err["gp"] and err["rg"] < err["pt1"], err


def test_continuum_of_a_measured_spectrum_agrees_with_the_discrete_flow():
    """The hybrid scheme integrates modes above 1024 as the continuum of the interpolated arrays."""
    sp = _two_power_laws(3000)
    m = Model.from_spectrum(sp, 3000, 3000 / 100**1.2, 0.05, ridge="bare")
    d, h = flow(m, "discrete"), flow(m, "hybrid")
    np.testing.assert_allclose(h.end, d.end, rtol=1e-6)
    np.testing.assert_allclose(h.at_mode([2000.0])["r"], d.at_mode([2000.0])["r"], rtol=1e-6)
    # and it is not the power law's flow: the shifts of r differ
    pl = flow(Model(0.2, 0.5, 3000, 3000 / 100**1.2, 0.05), "hybrid")
    assert abs((h.end[0] - m.r) / (pl.end[0] - m.r) - 1) > 0.1


def test_transfer_on_a_measured_spectrum():
    """Λ = P modes of the spectrum; P' < P integrates the modes P'+1..P out; beats the naive system."""
    from rgflow.transfer import transfer

    sp = _two_power_laws(1500)
    m1 = Model.from_spectrum(sp, 1000, 1000 / 100**1.2, 0.05, cutoff=1000, ridge="bare")
    t = transfer(m1, 500)
    assert t.model.spectrum == sp and t.model.cutoff == 500
    assert (t.model.r, t.model.u) == integrate(sp, m1.r, m1.u, 1000, 500, "discrete").end
    ref = predict(m1, "exact").mean[:500]
    dev = lambda mm: float(np.max(np.abs(predict(mm, "exact").mean / ref - 1)))  # noqa: E731
    naive = Model.from_spectrum(sp, 500, m1.kappa, m1.U, cutoff=500, ridge="bare")
    assert dev(t.model) < 0.1 * dev(naive)
    assert transfer(m1, 1400).model.cutoff == 1400
    with pytest.raises(ValueError, match="measured modes"):
        transfer(m1, 1600)


def test_power_law_closed_forms_refuse_a_measured_spectrum():
    from rgflow.scaling import effective_exponents
    from rgflow.surface import fit_surface, loss_surface

    m = Model.from_spectrum(_two_power_laws(50), 50, 1.0, 0.05, ridge="bare")
    with pytest.raises(ValueError, match="measured"):
        effective_exponents(m)
    surf = loss_surface([10, 20, 40], [10, 20, 40], None, None, 1.0, spectrum=m.spectrum)
    with pytest.raises(ValueError, match="measured"):
        fit_surface(surf)


def test_dynamics_and_flow_batch_read_the_spectrum():
    from rgflow import dynamics
    from rgflow.flow import flow_batch

    m = Model(0.2, 0.3, 40, 2.0, 0.1)
    a, b = dynamics(m), dynamics(_copy_of(m))
    np.testing.assert_array_equal(a.loss, b.loss)
    sp = _two_power_laws(500)
    starts = [(100.0, 0.5), (300.0, 2.0)]
    batch = flow_batch(None, None, 500, *zip(*starts), spectrum=sp)
    for i, (r0, u0) in enumerate(starts):
        one = flow(Model(0.2, 0.3, 500, 500 / r0, u0 / 500), "continuum")
        mine = flow(Model.from_spectrum(sp, 500, 500 / r0, u0 / 500, ridge="bare"), "continuum")
        # 1e-8: the log-log interpolant has a kink at every mode, so DOP853's global error is a few
        # times its local tolerance (the power law's batch test holds 1e-9)
        np.testing.assert_allclose(batch["r"][-1, i], mine.end[0], rtol=1e-8)
        assert abs(batch["r"][-1, i] / one.end[0] - 1) > 1e-6  # not the power law's flow
    with pytest.raises(ValueError, match="spectrum"):
        flow_batch(0.2, 0.3, 500, [1.0], [1.0], spectrum=sp)


def test_exact_euler_maclaurin_shortcut_only_for_the_unit_power_law():
    """A power law with prefactors (and the same arrays as a measured spectrum) beyond the
    Euler–Maclaurin head: exact sums them mode by mode and agrees with the measured arrays."""
    import rgflow
    from rgflow import Measured, Model, PowerLaw

    sp = PowerLaw(0.4, 0.6, A=2.0, B=3.0)
    n = 3 * 4096
    m = Model.from_spectrum(sp, P=n, kappa=7.0, U=0.02, ridge="bare")
    lam, y = sp.modes(n)
    mm = Model.from_spectrum(Measured(lam, y), P=n, kappa=7.0, U=0.02, ridge="bare")
    e, em = rgflow.predict(m, "exact"), rgflow.predict(mm, "exact")
    np.testing.assert_allclose(e.mean, em.mean, rtol=1e-10)
    np.testing.assert_allclose(e.var, em.var, rtol=1e-10)

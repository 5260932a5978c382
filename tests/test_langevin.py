"""docs/theory.md §4 check 3 for the sampler: z-scores of ⟨Δ_k⟩ and Var Δ_k against exact moments.

The exact reference is computed here, independently of every other rgflow module, by the
Hubbard–Stratonovich formula (a 1-D integral), and that formula is itself checked against
brute-force 2-D quadrature over the modes of a two-mode model. The tolerance |z| < Z_TOL is
shown to reject wrong samplers (quartic sign flipped, quartic dropped, U off by 10 %, a
biased time step) and the error bars are shown to be calibrated over seeds.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import dblquad, quad_vec
from scipy.optimize import brentq

from rgflow import exact as rgflow_exact
from rgflow.langevin import DEFAULTS, _sample, langevin
from rgflow.model import Model

Z_TOL = 5.0  # per-quantity |z| bound: false alarm ~1e-6 each for a calibrated normal/t_31 z


# ----------------------------------------------------------------------------- reference
def exact_moments(lam, y, r, u):
    """⟨Δ_k⟩, Var Δ_k of exp(−S) by Hubbard–Stratonovich.

    a = 1/λ + r, b = y/λ, F(m) = m²/(4u) − ½Σ ln(a+m) + Σ b²/(2(a+m)), saddle μ = u Σ(1/(a+μ) +
    b²/(a+μ)²); weight w(x) = exp(F(μ+2ix) − F(μ)) on the real line, w(−x) = conj w(x):
    ⟨Δ_k⟩ = Re∫w b/(a+m) / Re∫w,  ⟨Δ_k²⟩ = Re∫w (1/(a+m) + b²/(a+m)²) / Re∫w.
    """
    lam, y = np.asarray(lam, float), np.asarray(y, float)
    a, b = 1.0 / lam + r, y / lam
    if u == 0.0:
        return b / a, 1.0 / a
    mu = brentq(
        lambda m: m - u * np.sum(1 / (a + m) + (b / (a + m)) ** 2),
        0.0,
        u * np.sum(1 / a + (b / a) ** 2),
        xtol=1e-15,
        rtol=1e-15,
    )

    def F(m):
        return m * m / (4 * u) - 0.5 * np.sum(np.log(a + m)) + np.sum(b * b / (2 * (a + m)))

    F0 = F(mu)

    def f(x):
        m = mu + 2j * x
        w = np.exp(F(m) - F0)
        g = 1.0 / (a + m)
        return np.concatenate([[w.real], (w * b * g).real, (w * (g + (b * g) ** 2)).real])

    integral, _ = quad_vec(f, 0.0, np.inf, epsabs=0.0, epsrel=1e-13, limit=2000)
    L = a.size
    mean = integral[1 : L + 1] / integral[0]
    return mean, integral[L + 1 :] / integral[0] - mean**2


def exact_of(model):
    return exact_moments(model.eigenvalues(), model.target(), model.r, model.u)


def zscores(res, mean, var):
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero error bar gives ±inf/NaN
        return np.concatenate([(res["mean"] - mean) / res["mean_stderr"], (res["var"] - var) / res["var_stderr"]])


def accepted(z):
    return bool(np.all(np.abs(z) < Z_TOL))  # NaN (0/0) counts as a rejection


# ------------------------------------------------------------------------------- models
STRONG = Model(alpha=0.5, beta=0.5, P=1, kappa=1.0, U=1.0, cutoff=3)  # uA ~ a: 40 % effects
WEAK = Model(alpha=0.5, beta=0.5, P=1, kappa=1.0, U=0.1, cutoff=3)  # 3–11 % effects
FLIP = Model(alpha=0.5, beta=0.5, P=1, kappa=1.0, U=0.03, cutoff=3)  # 1–3 % effects
MID = Model(alpha=0.2, beta=0.3, P=50, kappa=50 / 5**1.2, U=0.05)  # paper-like, Λ = 50


def test_reference_matches_bruteforce_2d():
    """The HS formula against direct 2-D quadrature over (Δ_1, Δ_2)."""
    m = Model(alpha=0.5, beta=0.5, P=1, kappa=1.0, U=1.5, cutoff=2)
    lam, y, r, u = m.eigenvalues(), m.target(), m.r, m.u
    a, b = 1 / lam + r, y / lam
    mean, var = exact_moments(lam, y, r, u)

    def S(x1, x2):
        A = x1 * x1 + x2 * x2
        return a[0] * x1 * x1 / 2 - b[0] * x1 + a[1] * x2 * x2 / 2 - b[1] * x2 + u / 4 * A * A

    S0 = S(*(b / a))
    lo, hi = b / a - 12 / np.sqrt(a), b / a + 12 / np.sqrt(a)

    def integral(g):
        return dblquad(
            lambda x2, x1: g(x1, x2) * math.exp(S0 - S(x1, x2)), lo[0], hi[0], lo[1], hi[1], epsabs=0, epsrel=1e-11
        )[0]

    Z = integral(lambda x1, x2: 1.0)
    m1 = np.array([integral(lambda x1, x2: x1), integral(lambda x1, x2: x2)]) / Z
    m2 = np.array([integral(lambda x1, x2: x1 * x1), integral(lambda x1, x2: x2 * x2)]) / Z
    np.testing.assert_allclose(mean, m1, rtol=1e-8)
    np.testing.assert_allclose(var, m2 - m1**2, rtol=1e-8)
    assert np.all(np.abs(mean / (b / a) - 1) > 0.1)  # and the coupling matters here


@pytest.mark.parametrize(
    "c, b, u",
    [(2.0, 1.0, 1.1), (1.0, 0.1, 10.0), (1.0, 0.0, 100.0), (0.5, 2.0, 1000.0), (2.0, -1.0, 3.0), (252.0, 1.0, 50.0)],
)
def test_conditional_moments_against_quad(c, b, u):
    """The Rao–Blackwell step: moments of p(x) ∝ exp(−c x²/2 + b x − (u/4) x⁴) by direct quad."""
    from scipy.integrate import quad

    from rgflow.langevin import _choose_quadrature, _conditional_moments, _gh

    n = _choose_quadrature(np.array([c]), np.array([b]), u, 0.0)
    m1, m2 = _conditional_moments(np.zeros(1), np.array([c]), np.array([b]), u, *_gh(n))
    xs = np.linspace(-30, 30, 600001)
    f = -c * xs**2 / 2 + b * xs - u / 4 * xs**4
    x0, f0 = xs[np.argmax(f)], f.max()
    w = min(c**-0.5, (4 / u) ** 0.25)

    def integral(k):
        return quad(
            lambda x: x**k * math.exp(-c * x * x / 2 + b * x - u / 4 * x**4 - f0),
            x0 - 40 * w,
            x0 + 40 * w,
            points=[x0 - w, x0, x0 + w],
            epsabs=1e-14,
            epsrel=1e-12,
            limit=500,
        )[0]

    Z = integral(0)
    e1, e2 = integral(1) / Z, integral(2) / Z
    sd = math.sqrt(e2 - e1 * e1)
    assert abs(m1[0] - e1) < 1e-9 * (abs(e1) + sd)
    assert abs(m2[0] - e2) < 1e-9 * e2


# ---------------------------------------------------------------- the right sampler passes
@pytest.mark.parametrize("model", [STRONG, WEAK], ids=["strong", "weak"])
@pytest.mark.parametrize("kw", [{}, {"estimator": "plain"}, {"dt": 0.3}], ids=["default", "plain", "pcn-dt0.3"])
def test_sampler_agrees_with_exact(model, kw):
    mean, var = exact_of(model)
    res = langevin(model, seed=1, steps=3000, **kw)
    z = zscores(res, mean, var)
    print(f"{kw}: z = {np.round(z, 2)}, acceptance {res['acceptance']:.3f}")
    assert accepted(z), z
    # the error bars are small enough for the check to mean something
    assert np.all(res["mean_stderr"] < 0.01 * np.abs(mean))
    loss = np.sum(var + mean**2)
    assert abs(res["loss"] - loss) < Z_TOL * res["loss_stderr"]


def test_sampler_agrees_with_exact_paper_like_50_modes():
    mean, var = exact_of(MID)
    res = langevin(MID, seed=2, steps=300)
    z = zscores(res, mean, var)
    print(
        f"Λ=50: max|z| = {np.abs(z).max():.2f}, max rel stderr "
        f"{np.max(res['mean_stderr'] / mean):.1e}, acceptance {res['acceptance']:.3f}"
    )
    assert accepted(z), np.abs(z).max()
    assert np.max(res["mean_stderr"] / mean) < 1e-3
    # the plain-average estimator of the same chains agrees too
    resp = langevin(MID, seed=2, steps=300, estimator="plain")
    assert accepted(zscores(resp, mean, var))
    # the coupling moves the moments by far more than the error bars (the test has power)
    gmean = MID.target() / (1 + MID.r * MID.eigenvalues())
    assert np.max(np.abs(gmean - mean) / res["mean_stderr"]) > 100


def test_gaussian_limit_is_exact():
    """U = 0: the Rao–Blackwellized estimator returns the GP formulas to rounding."""
    m = MID.replace(U=0.0)
    res = langevin(m, steps=20)
    lam, y = m.eigenvalues(), m.target()
    np.testing.assert_allclose(res["mean"], y / (1 + m.r * lam), rtol=1e-12)
    np.testing.assert_allclose(res["var"], lam / (1 + m.r * lam), rtol=1e-12)


def test_error_bars_are_calibrated_over_seeds():
    """z-scores over independent seeds scatter like N(0, 1): the error bars are neither
    too small (false alarms) nor too large (a toothless check)."""
    mean, var = exact_of(WEAK)
    z = np.array([zscores(langevin(WEAK, seed=s, chains=8, steps=100), mean, var) for s in range(40)])
    print(f"over 40 seeds: mean z {z.mean():+.3f}, rms z {np.sqrt((z**2).mean()):.3f}")
    assert abs(z.mean()) < 0.35
    assert 0.7 < np.sqrt((z**2).mean()) < 1.4


# --------------------------------------------------------- and the same check rejects wrong ones
def _raw(model, u, **kw):
    lam, y = model.eigenvalues(), model.target()
    opts = dict(
        rng=np.random.default_rng(1),
        scheme="pcn",
        chains=64,
        steps=8000,
        dt=math.inf,
        thin=1,
        burn=100,
        batches=1,
        estimator="plain",
    )
    opts.update(kw)
    return _sample(1 / lam + model.r, y / lam, u, **opts)


def test_check_rejects_flipped_sign_of_U():
    """The same sampler with u → −u. The flipped action is unbounded below, but at U = 0.03 its
    metastable well is guarded by a barrier of ≈ 25 kT (lowest saddle, found by solving
    x_k = b_k/(a_k + uA) with u < 0), so over 5·10⁵ proposals the chains stay in the well and
    sample the sign-flipped theory. Its moments differ from the true ones by ≈ 3–6 %."""
    mean, var = exact_of(FLIP)
    z_right = zscores(_raw(FLIP, FLIP.u), mean, var)
    z_wrong = zscores(_raw(FLIP, -FLIP.u), mean, var)
    print(f"right: max|z| {np.abs(z_right).max():.2f}; sign flipped: z = {np.round(z_wrong, 1)}")
    assert accepted(z_right)
    assert not accepted(z_wrong)
    assert np.abs(z_wrong).max() > 3 * Z_TOL


@pytest.mark.parametrize("wrong", ["U=0", "U*1.1"])
def test_check_rejects_wrong_coupling(wrong):
    mean, var = exact_of(STRONG)
    other = STRONG.replace(U=0.0 if wrong == "U=0" else 1.1 * STRONG.U)
    z = zscores(langevin(other, seed=1, steps=3000), mean, var)
    print(f"{wrong}: max|z| {np.nanmax(np.abs(z)):.1f}")
    assert not accepted(z)


def test_check_rejects_biased_time_step():
    """Plain Euler–Maruyama with a coarse step (dt·max a_k = 0.31): the O(dt) bias is caught,
    while the MH-corrected scheme at the same dt is not biased."""
    mean, var = exact_of(WEAK)
    res = langevin(WEAK, seed=1, scheme="euler", dt=0.05, chains=16, steps=30_000, thin=1, burn=1000)
    z = zscores(res, mean, var)
    print(f"euler dt=0.05: z = {np.round(z, 1)}")
    assert not accepted(z)
    assert accepted(zscores(langevin(WEAK, seed=1, dt=0.05, steps=3000), mean, var))


def test_euler_is_the_euler_maruyama_recursion():
    """U = 0: the Euler chain's stationary law is known exactly, mean b/a and variance
    1/(a(1 − a dt/2)); the sampler matches it (and not the continuum 1/a) within its error bars."""
    m = WEAK.replace(U=0.0)
    a, b, dt = 1 / m.eigenvalues() + m.r, m.target() / m.eigenvalues(), 0.05
    res = langevin(m, seed=3, scheme="euler", dt=dt, chains=16, steps=20_000, thin=1, burn=500)
    assert accepted(zscores(res, b / a, 1 / (a * (1 - a * dt / 2))))
    assert not accepted(zscores(res, b / a, 1 / a))


def test_euler_converges_at_small_step():
    mean, var = exact_of(WEAK)
    res = langevin(WEAK, seed=3, scheme="euler", dt=0.003, chains=16, steps=40_000, thin=5, burn=1000)
    z = zscores(res, mean, var)
    print(f"euler dt=0.003: z = {np.round(z, 2)}")
    assert accepted(z)


# ------------------------------------------------------------------- reproducibility, inputs
@pytest.mark.parametrize(
    "kw", [{}, {"scheme": "euler", "dt": 0.01, "steps": 500, "burn": 50}, {"dt": 0.1, "estimator": "plain"}]
)
def test_same_seed_same_output(kw):
    r1 = langevin(WEAK, seed=7, steps=kw.pop("steps", 200), **kw)
    r2 = langevin(WEAK, seed=7, steps=r1["steps"], **kw)
    r3 = langevin(WEAK, seed=8, steps=r1["steps"], **kw)
    for key in ("mean", "var", "mean_stderr", "var_stderr"):
        assert np.array_equal(r1[key], r2[key]), key
        assert r1[key].shape == (WEAK.cutoff,)
    assert not np.array_equal(r1["mean"], r3["mean"])
    assert r1["loss"] == r2["loss"]


def test_defaults_and_paper_protocol():
    assert DEFAULTS["euler"] == {
        "chains": 2,
        "steps": 50_000_000,
        "dt": 1e-4,
        "thin": 10,
        "burn": 20_000,
        "estimator": "plain",
    }
    assert DEFAULTS["pcn"]["estimator"] == "rb" and math.isinf(DEFAULTS["pcn"]["dt"])
    res = langevin(WEAK, steps=64)
    assert res["scheme"] == "pcn" and res["estimator"] == "rb" and res["batches"] >= 32


def test_progress_reports():
    calls = []
    langevin(WEAK, steps=10, progress=lambda done, total, elapsed: calls.append((done, total)))
    assert calls and calls[-1] == (110, 110)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"chains": 1}, "chains"),
        ({"chains": 2.5}, "chains"),
        ({"chains": True}, "chains"),
        ({"steps": 0}, "steps"),
        ({"thin": 0}, "thin"),
        ({"burn": -1}, "burn"),
        ({"dt": 0.0}, "dt"),
        ({"dt": -1.0}, "dt"),
        ({"dt": float("nan")}, "dt"),
        ({"dt": "1"}, "dt"),
        ({"scheme": "euler", "dt": 1.0}, "dt"),
        ({"scheme": "euler", "dt": math.inf}, "dt"),
        ({"scheme": "leapfrog"}, "scheme"),
        ({"estimator": "mean"}, "estimator"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"batches": 0}, "batches"),
        ({"steps": 3, "batches": 4}, "steps"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_inputs_raise(kw, name):
    with pytest.raises(ValueError, match=name):
        langevin(WEAK, **kw)


def test_bad_model_raises():
    with pytest.raises(ValueError, match="model"):
        langevin({"alpha": 0.5}, steps=10)


@pytest.mark.parametrize("u", [0.0, 1e-300, 150.0])
def test_conditional_moments_with_a_huge_mass_against_mpmath(u):
    """A mode of α = 5 at k = 3000 (c = k⁶ ≈ 7e20, b = k^5.95): Newton's residual sits at its round-off
    floor ε·b ≫ 1e-8·√c, where the loop must stop (it used to run out its 100 steps, 3× the time of the
    whole sampler); the moments must still be those of the density, here by 50-digit quadrature."""
    import mpmath as mp

    from rgflow.langevin import _choose_quadrature, _conditional_moments, _gh

    k = 3000.0
    c, b = k**6, k**5.95
    n = _choose_quadrature(np.array([c]), np.array([b]), u, 0.0) if u > 0 else 8
    m1, m2 = _conditional_moments(np.zeros(1), np.array([c]), np.array([b]), u, *_gh(n))
    mp.mp.dps = 50
    C, Bm, Um = mp.mpf(c), mp.mpf(b), mp.mpf(u)
    x0 = Bm / C
    for _ in range(60):
        x0 -= (x0 * (C + Um * x0**2) - Bm) / (C + 3 * Um * x0**2)
    s = 1 / mp.sqrt(C + 3 * Um * x0**2)

    def logp(x):
        return -C * x**2 / 2 + Bm * x - Um * x**4 / 4

    l0 = logp(x0)
    mom = [mp.quad(lambda t, j=j: (x0 + s * t) ** j * mp.exp(logp(x0 + s * t) - l0), [-40, 0, 40]) for j in range(3)]
    e1, e2 = mom[1] / mom[0], mom[2] / mom[0]
    assert abs(m1[0] - float(e1)) <= 1e-12 * float(e1)
    assert abs(m2[0] - float(e2)) <= 1e-12 * float(e2)


# ------------------------------------------------------------------------------------------------
# Langevin's error bars stay calibrated everywhere (issue 18 item 7).
#
# Batch means cannot see round-off or the bias of the conditional-moment quadrature; where the
# Rao–Blackwellized moments are nearly Gaussian their spread vanishes (exactly 0 at U = 0) and the
# z-scores against ``exact`` ran to 10⁶ at relative errors of 1e-9. The floor of the error bars
# (bias + round-off) keeps every z-score of a seeded random draw of parameter sets small.
# (formerly test_langevin_errorbars.py)

Z_MAX = 5.0  # over ~10⁴ z-scores; a Gaussian exceeds 5 with probability 6e-7 each


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
            ex = rgflow_exact.exact_moments(model)
            lv = langevin(model, seed=i, chains=16, steps=64, burn=20)  # short runs: the floor matters most
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
    assert np.mean(np.abs(z) > 2.0) < 0.1  # not too small either (a Gaussian: 4.6 %)


@pytest.mark.parametrize(
    "params",
    [
        (0.0643, 5.62, 32, 6.68e-06, 0.000161),  # tiny means next to their spread: old z ~ 10⁶
        (1.66, 5.55, 2, 289.0, 0.0),  # U = 0: batch spread exactly 0
    ],
)
def test_the_floor_is_what_keeps_them_calibrated(params):
    """Cases where the batch-mean spread alone is far too small: the floor fixes the z-scores."""
    model = Model(*params)
    ex, lv = rgflow_exact.exact_moments(model), langevin(model, seed=0)
    assert np.max(np.abs(_z(lv, ex))) < Z_MAX
    raw = {
        key: np.sqrt(np.maximum(lv[f"{key}_stderr"] ** 2 - lv[f"{key}_stderr_floor"] ** 2, 0.0))
        for key in ("mean", "var")
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        z_raw = _z({**lv, "mean_stderr": raw["mean"], "var_stderr": raw["var"]}, {**ex, "error": 0.0})
    assert not np.all(np.abs(z_raw) < Z_MAX)  # without the floor the check fails (inf at U = 0)


def test_moments_about_the_mean_field_mean_do_not_cancel():
    """Var ≪ ⟨Δ⟩² (this case was a parameter of the test above while Var = ⟨Δ²⟩ − ⟨Δ⟩² cancelled):
    the moments are now accumulated about the mean-field mean, so the z-scores against exact hold
    with the floor and without it (issue 18 item 2: 428 negative variances at α = 5, P = 2000)."""
    model = Model(4.92, -0.494, 18, 309.0, 0.207)
    ex, lv = rgflow_exact.exact_moments(model), langevin(model, seed=0)
    assert np.max(np.abs(_z(lv, ex))) < Z_MAX
    raw = {
        key: np.sqrt(np.maximum(lv[f"{key}_stderr"] ** 2 - lv[f"{key}_stderr_floor"] ** 2, 0.0))
        for key in ("mean", "var")
    }
    z_raw = _z({**lv, "mean_stderr": raw["mean"], "var_stderr": raw["var"]}, {**ex, "error": 0.0})
    assert np.all(np.abs(z_raw) < Z_MAX)

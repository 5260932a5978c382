"""The derivation: the generated code means what a fresh sympy derivation gives, and the one-step\nupdate against brute-force quadrature."""

import importlib.util
import pathlib
import math

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from conftest import ROOT
from rgflow import _equations as eq


def _derive_module():
    spec = importlib.util.spec_from_file_location("derive", ROOT / "derivations" / "derive.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def derivation():
    mod = _derive_module()
    return mod, mod.derive()


# where each argument of a generated function is drawn (inside the derivation's sympy assumptions)
DOMAINS = {
    "alpha": (0.1, 2.0),
    "beta": (0.05, 3.0),
    "m": (0.01, 2.0),
    "G": (0.01, 2.0),
    "u": (1e-3, 1.0),
    "K1": (-2.0, 2.0),
    "K2": (-2.0, 2.0),
    "K3": (-2.0, 2.0),
    "r": (0.01, 100.0),
    "k_c": (1.0, 1000.0),
    "rho": (1e-3, 1.0),
    "s": (0.1, 3.0),
    "rhat": (0.0, 10.0),
    "Uhat": (0.0, 1.0),
    "Lambda": (10.0, 5000.0),
    "M": (0.01, 1.0),
    "A_0": (0.1, 50.0),
    "c": (0.01, 2.0),
    "b2": (0.0, 5.0),
    "mu": (0.0, 100.0),
    "W1": (-5.0, 0.0),
    "W2": (0.0, 5.0),
}


def test_generated_functions_mean_what_a_fresh_derivation_gives(derivation):
    """Issue 13 item 6: every function of rgflow/_equations.py against the sympy expressions derived
    now, evaluated at 200 random points in 30-digit arithmetic. Independent of how a sympy version
    prints; fails when the derivation (or the generated file) changes meaning."""
    import mpmath
    import sympy as sp

    mod, d = derivation
    rng = np.random.default_rng(13)
    for name, args, exprs, _doc in mod.generated_functions(d):
        names = [str(a) for a in args]
        pts = [rng.uniform(*DOMAINS[n], size=200) for n in names]
        out = getattr(eq, name)(*pts)
        out = (out,) if len(exprs) == 1 else out
        got = np.broadcast_arrays(*out, pts[0])[:-1]
        ref_fn = sp.lambdify(args, list(exprs), modules="mpmath")
        with mpmath.workdps(30):
            ref = np.array(
                [[float(v) for v in ref_fn(*(mpmath.mpf(float(p[i])) for p in pts))] for i in range(pts[0].size)]
            ).T
        assert len(got) == len(exprs), name
        for j, (g, want) in enumerate(zip(got, ref)):
            np.testing.assert_allclose(
                np.asarray(g, dtype=float),
                want,
                rtol=1e-10,
                atol=0,
                err_msg=f"{name} output {j} differs from the derivation",
            )


def test_generated_module_has_exactly_the_derived_functions(derivation):
    import inspect

    mod, d = derivation
    derived = {name: [str(a) for a in args] for name, args, _e, _d in mod.generated_functions(d)}
    present = {
        name: list(inspect.signature(f).parameters)
        for name, f in vars(eq).items()
        if inspect.isfunction(f) and not name.startswith("_")
    }
    assert present == derived


def test_generated_header_records_the_sympy_version():
    text = (ROOT / "rgflow" / "_equations.py").read_text()
    assert "Generated with sympy " in text.split('"""')[1]
    assert "sympy " in (ROOT / "derivations" / "EQUATIONS.md").read_text().splitlines()[2]


def test_generated_text_is_current_when_written_by_the_same_sympy(derivation):
    """The exact text (module and EQUATIONS.md) depends on sympy's printing; compare it only under the
    sympy and Python that wrote it, where a difference means `rgflow derive` was not rerun."""
    mod, d = derivation
    if f"Generated with {mod.versions()}." not in (ROOT / "rgflow" / "_equations.py").read_text():
        pytest.skip(f"generated with another sympy/Python than {mod.versions()}: the meaning test covers it")
    assert mod.main(check=True, d=d) == 0, "run `rgflow derive` and commit the result"


def test_square_cumulants_against_quadrature():
    m, G = 0.7, 0.3
    pdf = lambda x: math.exp(-((x - m) ** 2) / (2 * G)) / math.sqrt(2 * math.pi * G)  # noqa: E731
    mom = [quad(lambda x: x ** (2 * n) * pdf(x), -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0] for n in (1, 2, 3)]
    k1, k2, k3 = eq.square_cumulants(m, G)
    assert math.isclose(k1, mom[0], rel_tol=1e-12)
    assert math.isclose(k2, mom[1] - mom[0] ** 2, rel_tol=1e-12)
    assert math.isclose(k3, mom[2] - 3 * mom[1] * mom[0] + 2 * mom[0] ** 3, rel_tol=1e-11)


def _shell_action_exact(A, u, m, G):
    """−ln ⟨exp(−(u/4)[(A + Δ²)² − A²])⟩ over one Gaussian shell mode Δ ~ N(m, G), by quadrature."""
    f = lambda x: math.exp(-((x - m) ** 2) / (2 * G) - u / 4 * ((A + x * x) ** 2 - A * A))  # noqa: E731
    val = quad(f, -np.inf, np.inf, epsabs=0, epsrel=2e-14, limit=200)[0]
    return -math.log(val / math.sqrt(2 * math.pi * G))


def _shell_action_derived(A, u, m, G, second_order=True):
    K1, K2, K3 = eq.square_cumulants(m, G)
    if not second_order:
        K2 = K3 = 0.0 * K2
    dr, du = eq.shell_update(u, K1, K2, K3)
    return dr / 2 * A + du / 4 * A * A


@pytest.mark.parametrize("lam,y,r", [(0.5, 0.7, 1.0), (0.05, 0.2, 10.0), (1.0, 1.0, 0.3)])
def test_one_step_update_matches_quadrature_to_third_order(lam, y, r):
    """docs/theory.md §4 check 2: the residual of the derived update is O(u³): halving u shrinks it ≈ 8x."""
    m, G = y / (1 + r * lam), lam / (1 + r * lam)
    As = [0.25, 1.0, 2.5]

    def residual(u, second_order=True):
        # differences against A = 0 remove the (A-independent) free energy of the shell
        e0 = _shell_action_exact(0.0, u, m, G)
        return max(
            abs((_shell_action_exact(A, u, m, G) - e0) - _shell_action_derived(A, u, m, G, second_order)) for A in As
        )

    u0 = 0.05 / (G * (G + m * m + max(As)))  # u·G·(A + ⟨Δ²⟩) = 0.05: well inside the expansion
    res = [residual(u0 / 2**i) for i in range(3)]
    for i in range(2):
        assert 6.5 < res[i] / res[i + 1] < 9.5, res
    # the same measurement sees a first-order-only update as O(u²): ratio ≈ 4
    res1 = [residual(u0 / 2**i, second_order=False) for i in range(2)]
    assert 3.5 < res1[0] / res1[1] < 4.5, res1


def test_continuum_rhs_is_the_thin_shell_limit_of_the_discrete_update():
    """A shell of width dk at k_c with K_n = κ_n(k_c) dk gives dr/dτ = k_c δr/dk as dk → 0."""
    r, u, kc, a, b = 3.0, 0.7, 5.0, 0.4, 0.9
    lam, y = kc ** -(1 + a), kc ** (-(1 + b) / 2)
    kap = eq.square_cumulants(y / (1 + r * lam), lam / (1 + r * lam))
    drdtau, dudtau = eq.continuum_rhs(r, u, kc, a, b)
    for dk in (1e-4, 1e-6):
        dr, du = eq.shell_update(u, *(k * dk for k in kap))
        assert math.isclose(kc * dr / dk, drdtau, rel_tol=10 * dk)
        assert math.isclose(kc * du / dk, dudtau, rel_tol=10 * dk)


@pytest.mark.parametrize("alpha,beta", [(0.2, 0.3), (0.5, 1.5), (0.2, 1.2)])
def test_rescaled_flow_is_the_continuum_flow_in_rescaled_variables(alpha, beta):
    """Integrating (s, r̂, Û) equals rescaling the integrated (r, u): r̂ = rλ(k_c), Û = uλ(k_c)², s = ℓ^γ_s."""
    Lam, r0, u0 = 1000.0, 50.0, 20.0
    T = math.log(Lam)

    def f(t, z):
        return eq.continuum_rhs(z[0], z[1], Lam * math.exp(-t), alpha, beta)

    def g(t, z):
        return eq.rescaled_rhs(math.exp(-t), z[0], z[1], z[2], alpha, beta, Lam)

    lam0 = Lam ** -(1 + alpha)
    ts = np.linspace(0, T, 7)
    a = solve_ivp(f, (0, T), [r0, u0], rtol=1e-12, atol=1e-300, t_eval=ts, method="DOP853")
    b = solve_ivp(g, (0, T), [1.0, r0 * lam0, u0 * lam0**2], rtol=1e-12, atol=1e-300, t_eval=ts, method="DOP853")
    lam_c = (Lam * np.exp(-ts)) ** -(1 + alpha)
    np.testing.assert_allclose(b.y[1], a.y[0] * lam_c, rtol=1e-9)
    np.testing.assert_allclose(b.y[2], a.y[1] * lam_c**2, rtol=1e-9)
    np.testing.assert_allclose(b.y[0], np.exp(eq.gamma_s(alpha, beta) * ts), rtol=1e-9)
    if math.isclose(beta, 1 + alpha):
        np.testing.assert_allclose(b.y[0], 1.0, rtol=1e-12)


def test_power_counting():
    assert eq.gamma_r(0.2) == pytest.approx(1.2)
    assert eq.gamma_U(0.2) == pytest.approx(2.4)
    assert eq.gamma_s(0.2, 1.2) == pytest.approx(0.0, abs=1e-15)
    assert eq.gamma_s(0.2, 0.3) == pytest.approx(-0.45)


def test_theory_page_cites_what_exists_and_nothing_outside_the_repository():
    """docs/theory.md names the tests that check each claim: those tests and files must exist; the
    derivation and the docs cite only documents inside the repository."""
    import re

    text = (ROOT / "docs" / "theory.md").read_text()
    path = None
    cited = 0
    for m in re.finditer(r"`((?:tests|rgflow|derivations|bench)/[\w/]+\.(?:py|md))?(?:::(\w+))?`", text):
        path = m[1] or path
        if m[1]:
            assert (ROOT / m[1]).is_file(), m[1]
        if m[2]:
            assert path and path.startswith("tests/"), m[0]
            assert f"def {m[2]}(" in (ROOT / path).read_text(), f"{path}::{m[2]}"
            cited += 1
    assert cited >= 8
    for f in [*(ROOT / "derivations").glob("*.*"), *(ROOT / "docs").glob("*.md")]:
        body = f.read_text()
        assert "THEORY" not in body and "shared/" not in body, f


def test_nothing_points_outside_the_repository():
    """Every text file tracked in the repository cites only what is inside it: no theory document,
    hook or folder beside the checkout (the project's own theory page is docs/theory.md)."""
    import subprocess

    try:
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    me = pathlib.Path(__file__).resolve()
    bad = []
    for name in files:
        path = ROOT / name
        if path.resolve() == me or path.suffix in (".png", ".pdf", ".npz", ".npy"):
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for needle in ("THEORY", "../shared", "shared/hooks"):
            if needle in text:
                bad.append(f"{name}: {needle}")
    assert bad == []

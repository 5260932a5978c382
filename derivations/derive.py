"""Symbolic derivation of rgflow's RG (docs/theory.md §3): the one-loop flow and rg's Hartree-resummed flow, with sympy.

Run ``rgflow derive`` (or ``python derivations/derive.py``) to regenerate

* ``rgflow/_equations.py``   the compiled numerical right-hand sides (generated, do not edit), and
* ``derivations/EQUATIONS.md``  every step of the derivation in LaTeX, with prose, to check by hand.

One function per section; each returns a dict of named sympy objects and asserts what it claims.

0. ``action``            S, its Gaussian part per mode (m, G), and the split V of the quartic
                         between kept and shell modes, A = A_< + X.
1. ``cumulants``         κ_n of X = Δ² for one Gaussian mode Δ ~ N(m, G), from the generating
                         function ⟨e^{tΔ²}⟩ = exp(t m²/(1−2tG))/√(1−2tG).
2. ``shell_integral``    −ln⟨e^{−V}⟩ to second order in u (cumulant expansion) as a polynomial in A_<,
                         and its projection: A_< coefficient → δr/2, A_<² → δu/4, A_<⁰ → δF.
3. ``discrete_step``     a shell of n discrete modes: K_n = Σ_shell κ_n  → one-step update.
4. ``continuum_limit``   a shell (k_c e^{−dτ}, k_c] holds dn = k_c dτ modes: K_n = κ_n(k_c) dn, keep
                         O(dn); written through the shell mode's (m, G), then the power law substituted.
5. ``power_counting``    ℓ-exponents of every term of S under k → ℓk, Δ → ℓ^((2+α)/2) Δ'.
   ``rescaled_view``     r̂ = r λ(k_c), Û = u λ(k_c)², s = ℓ^γ_s, mode density ρ = e^{−τ}.
6. ``pt1``               first-order perturbation theory, by differentiating ln Z in the source.
   ``one_mode_reading``  mode k alone with the end couplings, its own Hartree shift subtracted from
                         the running mass (it is already in it): the reading of ``rg-1loop``.
7. ``hartree_flow``      the default ``rg``: a shell mode's log-weight W_q(m) on the Hubbard–Stratonovich
                         contour (its Gaussian integral with mass shift m), the shell derivatives
                         ∂ⁿW_q at the Hartree background μ, and the kept couplings in closed form,
                         1/u(k) = 1/u + ½ Σ K₂, r(k) = r + u(k) Σ (K₁ + ½ μ K₂), plus the sextic term.

``generated_functions(d)`` lists every function of rgflow/_equations.py with its arguments and
sympy expressions; tests/test_derivation.py compares the committed module with a fresh derivation
at random points, so the check does not depend on how a sympy version prints.
"""

from __future__ import annotations

import hashlib
import pathlib
import platform
import sys

import sympy as sp

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULE = ROOT / "rgflow" / "_equations.py"
RENDERED = ROOT / "derivations" / "EQUATIONS.md"

# ---------------------------------------------------------------------------------------------
# symbols
t, u, r, lam, y, A = sp.symbols("t u r lambda y A", real=True)
m, G = sp.symbols("m G", positive=True)
alpha, beta, Lam, tau, ell = sp.symbols("alpha beta Lambda tau ell", positive=True)
K1, K2, K3, K4 = sp.symbols("K1 K2 K3 K4", real=True)
eps = sp.Symbol("epsilon", positive=True)  # dn, the number of modes in a thin shell
rhat, Uhat, s, rho = sp.symbols("rhat Uhat s rho", positive=True)
kc = sp.Symbol("k_c", positive=True)
X, Delta = sp.symbols("X Delta", real=True)
Mk, Gk = sp.symbols("M G", positive=True)  # GP moments of the mode read off (section 6)
Atot = sp.Symbol("A_0", positive=True)  # Σ_q ⟨Δ_q²⟩_0
a, b, R1, R2 = sp.symbols("a b R1 R2", positive=True)
mu, cq, b2 = sp.symbols("mu c b2", positive=True)  # Hartree background, c_q = 1/(a_q + μ), b_q² (section 7)
W1, W2, W3 = sp.symbols("W1 W2 W3", real=True)  # Σ_shells ∂ⁿW_q(μ)


def same(expr, form):
    """``form`` (a shape for the reader: Hartree and exchange parts apart) after checking it equals ``expr``."""
    assert sp.simplify(sp.expand(expr - form)) == 0, (expr, form)
    return form


def _cumulants_of_square(order):
    cgf = t * m**2 / (1 - 2 * t * G) - sp.log(1 - 2 * t * G) / 2
    series = sp.series(cgf, t, 0, order + 1).removeO()
    return cgf, [sp.factor(sp.expand(series.coeff(t, n) * sp.factorial(n))) for n in range(1, order + 1)]


def gaussian_square_cumulants(order=4):
    """κ_n of X = Δ², Δ ~ N(m, G):  ln⟨e^{tX}⟩ = t m²/(1−2tG) − ½ ln(1−2tG) = Σ_n κ_n tⁿ/n!."""
    return _cumulants_of_square(order)[1]


def moments_from_cumulants(cumulants):
    """Raw moments ⟨Xⁿ⟩ from cumulants (K1, K2, ...):  Σ_n ⟨Xⁿ⟩ tⁿ/n! = exp(Σ_n K_n tⁿ/n!)."""
    order = len(cumulants)
    mgf = sp.exp(sum(c * t**n / sp.factorial(n) for n, c in enumerate(cumulants, start=1)))
    series = sp.series(mgf, t, 0, order + 1).removeO()
    return [sp.expand(series.coeff(t, n) * sp.factorial(n)) for n in range(1, order + 1)]


# ---------------------------------------------------------------------------------------------
# 0. the action and the split of the quartic


def action():
    """S per mode and the split (u/4)(A_< + X)² = (u/4)A_<² + V,  V = (u/2)A_< X + (u/4)X²."""
    S_mode = (y - Delta) ** 2 / (2 * lam) + r * Delta**2 / 2
    # Gaussian part of one mode: a Δ²/2 − b Δ + const with a = 1/λ + r, b = y/λ
    poly = sp.Poly(sp.expand(S_mode), Delta)
    a_mode, b_mode = 2 * poly.coeff_monomial(Delta**2), -poly.coeff_monomial(Delta)
    mean, var = sp.simplify(b_mode / a_mode), sp.simplify(1 / a_mode)
    assert sp.simplify(mean - y / (1 + r * lam)) == 0 and sp.simplify(var - lam / (1 + r * lam)) == 0
    V = u / 2 * A * X + u / 4 * X**2
    assert sp.expand(u / 4 * (A + X) ** 2 - u / 4 * A**2 - V) == 0
    return dict(S_mode=S_mode, a_mode=sp.simplify(a_mode), b_mode=b_mode, m_mode=mean, G_mode=var, V=V)


# ---------------------------------------------------------------------------------------------
# 1. cumulants of Δ²


def cumulants():
    """κ1..κ4 of Δ² for Δ ~ N(m, G), checked against the Gaussian moments ⟨Δ^{2n}⟩."""
    cgf, kap = _cumulants_of_square(4)
    # independent check: moments of Δ² from Δ = m + √G z (⟨z²ʲ⟩ = (2j−1)!!) give back the cumulants
    z = sp.Symbol("z")
    gauss = {2 * j: sp.factorial2(2 * j - 1) for j in range(1, 5)}
    raw = []
    for n in range(1, 5):
        p = sp.Poly(sp.expand((m + sp.sqrt(G) * z) ** (2 * n)), z)
        raw.append(sp.expand(sum(c * gauss.get(e[0], 0 if e[0] else 1) for e, c in zip(p.monoms(), p.coeffs()))))
    from_kap = moments_from_cumulants(kap)
    assert all(sp.expand(x - y_) == 0 for x, y_ in zip(raw, from_kap))
    return dict(cgf=cgf, kappa=kap)


# ---------------------------------------------------------------------------------------------
# 2. the shell integral and its projection


def shell_integral(V):
    """−ln⟨e^{−V}⟩ = ⟨V⟩ − ½(⟨V²⟩ − ⟨V⟩²) + O(u³) for a shell with Δ²-cumulant sums K1..K4,
    projected on the kept operators: A_< coefficient = δr/2, A_<² coefficient = δu/4, A_<⁰ = δF."""
    X1, X2, X3, X4 = moments_from_cumulants([K1, K2, K3, K4])
    moments = {X**4: X4, X**3: X3, X**2: X2, X: X1}

    def average(expr):
        p = sp.Poly(sp.expand(expr), X)
        return sp.expand(sum(c * (moments[X ** e[0]] if e[0] else 1) for e, c in zip(p.monoms(), p.coeffs())))

    V1 = average(V)
    varV = sp.expand(average(V**2) - V1**2)
    # the pieces a reader checks: ⟨X²⟩ − ⟨X⟩² = K2, ⟨X³⟩ − ⟨X⟩⟨X²⟩ = K3 + 2K1K2, Var X² = ...
    cov = dict(varX=sp.expand(X2 - X1**2), covXX2=sp.expand(X3 - X1 * X2), varX2=sp.expand(X4 - X2**2))
    assert (
        sp.expand(varV - (u**2 / 4 * A**2 * cov["varX"] + u**2 / 4 * A * cov["covXX2"] + u**2 / 16 * cov["varX2"])) == 0
    )
    seff = sp.expand(V1 - varV / 2)
    poly = sp.Poly(seff, A)
    assert poly.degree() == 2, "the second-order shell action must be quadratic in A_<"
    c0, c1, c2 = (poly.coeff_monomial(A**n) for n in range(3))
    return dict(V1=V1, varV=varV, seff=seff, c0=c0, c1=c1, c2=c2, **cov)


# ---------------------------------------------------------------------------------------------
# 3. discrete scheme


def discrete_step(c0, c1, c2):
    """One step for a shell of n discrete modes: δr = 2 c1, δu = 4 c2, δF = c0 (K_n = Σ_shell κ_n)."""
    dr, du = sp.factor(2 * c1), sp.factor(4 * c2)
    dr_show = same(dr, u * K1 - u**2 / 4 * (K3 + 2 * K1 * K2))
    return dict(dr=dr, du=du, dF=sp.factor(c0), dr_show=dr_show)


# ---------------------------------------------------------------------------------------------
# 4. continuum limit


def continuum_limit(dr, du, kap):
    """K_n = κ_n(k_c) dn with dn = k_c dτ modes in the shell: keep O(dn) (products of K's drop)."""
    thin = {K1: K1 * eps, K2: K2 * eps, K3: K3 * eps}
    dr_c = sp.expand(sp.series(dr.subs(thin), eps, 0, 2).removeO().coeff(eps))
    du_c = sp.expand(sp.series(du.subs(thin), eps, 0, 2).removeO().coeff(eps))
    on_mode = {K1: kap[0], K2: kap[1], K3: kap[2]}
    # the flow in terms of the shell mode's mean m and variance G (mode density 1: dn/dτ = k_c)
    drdtau_mG = sp.factor(kc * dr_c.subs(on_mode))
    dudtau_mG = sp.factor(kc * du_c.subs(on_mode))
    # the power law at the cutoff: λ = k_c^-(1+α), y = k_c^-(1+β)/2, m = y/(1 + rλ), G = λ/(1 + rλ)
    lam_c = kc ** (-(1 + alpha))
    y_c = kc ** (-(1 + beta) / 2)
    power_law = {m: y_c / (1 + r * lam_c), G: lam_c / (1 + r * lam_c)}
    kap_c = {K1: kap[0].subs(power_law), K2: kap[1].subs(power_law), K3: kap[2].subs(power_law)}
    drdtau = sp.simplify(kc * dr_c.subs(kap_c))
    dudtau = sp.simplify(kc * du_c.subs(kap_c))
    assert sp.simplify(drdtau - drdtau_mG.subs(power_law)) == 0
    assert sp.simplify(dudtau - dudtau_mG.subs(power_law)) == 0
    # Hartree part k_c u (G + m²) = k_c u κ1 and exchange part −k_c u² κ3/4 apart
    drdtau_mG = same(drdtau_mG, kc * u * (G + m**2 - 2 * u * G**2 * (G + 3 * m**2)))
    return dict(dr_c=dr_c, du_c=du_c, drdtau_mG=drdtau_mG, dudtau_mG=dudtau_mG, drdtau=drdtau, dudtau=dudtau)


# ---------------------------------------------------------------------------------------------
# 5. power counting and the rescaled view


def power_counting():
    """ℓ-exponent of each term of S under k = k'/ℓ, Δ(k) = ℓ^((2+α)/2) Δ'(k'), dk = dk'/ℓ."""
    kp = sp.Symbol("kprime", positive=True)
    zeta = ell ** ((2 + alpha) / 2)
    jac = 1 / ell

    def ell_power(expr):
        e = sp.powsimp(sp.expand_power_base(expr, force=True), force=True)
        return sp.simplify(sp.log(e).expand(force=True).coeff(sp.log(ell)))

    terms = dict(
        kinetic=jac * (kp / ell) ** (1 + alpha) * zeta**2,  # ∫ Δ²/(2λ)
        mass=jac * zeta**2,  # r ∫ Δ²/2
        quartic=(jac * zeta**2) ** 2,  # u (∫ Δ²)²/4
        source=jac * (kp / ell) ** (1 + alpha) * (kp / ell) ** (-(1 + beta) / 2) * zeta,  # ∫ yΔ/λ
    )
    gam = {name: ell_power(e) for name, e in terms.items()}
    assert gam["kinetic"] == 0
    assert sp.simplify(gam["source"].subs(beta, 1 + alpha)) == 0  # s ≡ 1 iff β = 1 + α
    return dict(gamma_kin=gam["kinetic"], gamma_r=gam["mass"], gamma_U=gam["quartic"], gamma_s=gam["source"])


def rescaled_view(dr_c, du_c, kap, gamma_s):
    """(ds, dr̂, dÛ)/dτ for r̂ = rλ_c, Û = uλ_c², s = ℓ^γ_s, k_c = Λρ, ρ = e^{−τ}.

    dr̂/dτ = r dλ_c/dτ + λ_c dr/dτ = (1+α) r̂ + λ_c k_c [dr/dn]; the shell mode in rescaled units has
    G = λ_c Ĝ, m² = λ_c w Ĝ² with Ĝ = 1/(1 + r̂) and w = y_c²/λ_c = s² Λ^(1+α−β)/k_c.
    """
    Lc = sp.Symbol("lambda_c", positive=True)
    Ghat, w = sp.symbols("Ghat w", positive=True)
    lam_tau = (Lam * sp.exp(-tau)) ** (-(1 + alpha))
    tree = sp.simplify(sp.diff(lam_tau, tau) / lam_tau)  # d ln λ_c / dτ = 1 + α
    assert sp.simplify(tree - (1 + alpha)) == 0
    # check w: y_c²/λ_c = k_c^(α−β) equals s² Λ^(1+α−β)/k_c with s = (Λ/k_c)^γ_s
    w_of = s**2 * Lam ** (1 + alpha - beta) / kc
    w_check = w_of.subs(s, (Lam / kc) ** gamma_s) / kc ** (alpha - beta)
    assert sp.simplify(sp.powsimp(sp.expand_power_base(w_check, force=True), force=True)) == 1
    loops = {r: rhat / Lc, u: Uhat / Lc**2}
    unit = {
        K1: kap[0].subs({m: sp.sqrt(Lc * w) * Ghat, G: Lc * Ghat}),
        K2: kap[1].subs({m: sp.sqrt(Lc * w) * Ghat, G: Lc * Ghat}),
        K3: kap[2].subs({m: sp.sqrt(Lc * w) * Ghat, G: Lc * Ghat}),
    }
    # the view in (Ĝ, w): λ_c drops out
    dr_hat_Gw = sp.factor(sp.expand(Lc * kc * dr_c.subs(unit).subs(loops)))
    du_hat_Gw = sp.factor(sp.expand(Lc**2 * kc * du_c.subs(unit).subs(loops)))
    assert Lc not in dr_hat_Gw.free_symbols | du_hat_Gw.free_symbols
    dr_hat_Gw = same(
        tree * rhat + dr_hat_Gw,
        (1 + alpha) * rhat + kc * Uhat * (Ghat * (1 + w * Ghat) - 2 * Uhat * Ghat**3 * (1 + 3 * w * Ghat)),
    )
    du_hat_Gw = same(2 * tree * Uhat + du_hat_Gw, 2 * (1 + alpha) * Uhat - kc * Uhat**2 * Ghat**2 * (1 + 2 * w * Ghat))

    # the generated form: Ĝ = 1/(1 + r̂), w k_c = s² Λ^(1+α−β), k_c = Λρ
    w_rho = s**2 * Lam ** (1 + alpha - beta) / (Lam * rho)
    cut = {m: sp.sqrt(Lc * w_rho) / (1 + rhat), G: Lc / (1 + rhat)}
    kap_hat = {K1: kap[0].subs(cut), K2: kap[1].subs(cut), K3: kap[2].subs(cut)}
    loops_rho = {**loops, kc: Lam * rho}
    drhat = tree * rhat + sp.expand(Lc * (kc * dr_c).subs(kap_hat).subs(loops_rho))
    dUhat = 2 * tree * Uhat + sp.expand(Lc**2 * (kc * du_c).subs(kap_hat).subs(loops_rho))

    def termwise(e):
        return sp.Add(*[sp.powsimp(sp.factor(x), force=True) for x in sp.Add.make_args(sp.expand(e))])

    drhat, dUhat = termwise(drhat), termwise(dUhat)
    assert Lc not in drhat.free_symbols | dUhat.free_symbols, (drhat, dUhat)
    s_of_tau = sp.exp(gamma_s * tau)
    ds = sp.simplify(sp.diff(s_of_tau, tau) / s_of_tau) * s

    def grouped(expr):
        """Tree term + the s² (mean) loop terms + the ρ (density) loop terms."""
        parts = sp.collect(sp.expand(expr), [rho, s**2], evaluate=False)
        assert set(parts) <= {rho, s**2, sp.S.One}, parts.keys()
        return sum(sp.factor(c) * key for key, c in parts.items())

    drhat_s, dUhat_s = grouped(drhat), grouped(dUhat)
    # the two forms agree
    back = {Ghat: 1 / (1 + rhat), w: w_rho, kc: Lam * rho}
    assert sp.simplify(dr_hat_Gw.subs(back) - drhat_s) == 0 and sp.simplify(du_hat_Gw.subs(back) - dUhat_s) == 0
    return dict(
        drhat_Gw=dr_hat_Gw,
        dUhat_Gw=du_hat_Gw,
        Ghat=Ghat,
        w=w,
        w_of=w_of,
        drhat=drhat,
        drhat_s=drhat_s,
        dUhat=dUhat_s,
        ds=ds,
    )


# ---------------------------------------------------------------------------------------------
# 6. predictors


def _first_order_lnZ(R1_, R2_):
    """Mode with S₀ = aΔ²/2 − bΔ and the rest of A with cumulants R1, R2 (independent):
    ln Z = ln Z₀ − (u/4)⟨(Δ² + A_rest)²⟩₀ + O(u²), ln Z₀ = b²/(2a) + const."""
    M0, G0 = b / a, 1 / a
    x1, x2 = [sp.simplify(c.subs({m: M0, G: G0})) for c in gaussian_square_cumulants(2)]
    lnZ0 = b**2 / (2 * a)
    lnZ1 = -u / 4 * ((x1 + R1_) ** 2 + x2 + R2_)
    return lnZ0, lnZ1, x1


def pt1():
    """⟨Δ_k⟩ = ∂_b ln Z, Var Δ_k = ∂_b² ln Z to first order in u, in the GP moments M = b/a, G = 1/a."""
    lnZ0, lnZ1, x1 = _first_order_lnZ(R1, R2)
    lnZ = lnZ0 + lnZ1
    to_MG = {a: 1 / Gk, b: Mk / Gk}
    pt1_mean = sp.factor(sp.expand(sp.diff(lnZ, b).subs(R1, Atot - x1).subs(to_MG)))
    pt1_var = sp.factor(sp.expand(sp.diff(lnZ, b, 2).subs(R1, Atot - x1).subs(to_MG)))
    lnZ1_MG = same(lnZ1.subs(to_MG), -u / 4 * ((Gk + Mk**2 + R1) ** 2 + 2 * Gk * (Gk + 2 * Mk**2) + R2))
    return dict(
        lnZ1=lnZ1_MG,
        pt1_mean=pt1_mean,
        pt1_var=pt1_var,
        pt1_mean_show=same(pt1_mean, Mk * (1 - u * Gk * (Atot + 2 * Gk))),
        pt1_var_show=same(pt1_var, Gk * (1 - u * Gk * (Atot + 2 * Gk + 2 * Mk**2))),
    )


def one_mode_reading(dr_c, kap):
    """Mode k alone (R = 0) with quartic u = u_∞, mass a = a_end − u⟨Δ_k²⟩: the running mass
    a_end = 1/λ_k + r_∞ already holds mode k's own shell shift δr = u κ₁(k) = u(G + M²)."""
    lnZ0, lnZ1, _ = _first_order_lnZ(0, 0)
    M0, G0 = b / a, 1 / a
    plain_mean = sp.factor(sp.expand(sp.diff(lnZ0 + lnZ1, b)))
    plain_var = sp.factor(sp.expand(sp.diff(lnZ0 + lnZ1, b, 2)))
    assert sp.expand(plain_mean - M0 * (1 - u * G0 * (M0**2 + 3 * G0))) == 0
    aend = sp.Symbol("a_end", positive=True)
    own = sp.expand(dr_c.coeff(u, 1).subs({K1: kap[0]}).subs({m: b / aend, G: 1 / aend}))  # κ₁ at a_end
    assert sp.expand(own - (1 / aend + b**2 / aend**2)) == 0
    shift = {a: aend - u * own}
    one_mean = sp.series(sp.diff(lnZ0 + lnZ1, b).subs(shift), u, 0, 2).removeO()
    one_var = sp.series(sp.diff(lnZ0 + lnZ1, b, 2).subs(shift), u, 0, 2).removeO()
    end_MG = {aend: 1 / Gk, b: Mk / Gk}
    rg_mean = sp.factor(sp.expand(one_mean.subs(end_MG)))
    rg_var = sp.factor(sp.expand(one_var.subs(end_MG)))
    to_MG = {a: 1 / Gk, b: Mk / Gk}
    return dict(
        plain_mean=same(plain_mean.subs(to_MG), Mk * (1 - u * Gk * (3 * Gk + Mk**2))),
        plain_var=same(plain_var.subs(to_MG), Gk * (1 - 3 * u * Gk * (Gk + Mk**2))),
        own_shift=own.subs(end_MG),
        rg_mean=rg_mean,
        rg_var=rg_var,
        rg_mean_show=same(rg_mean, Mk * (1 - 2 * u * Gk**2)),
        rg_var_show=same(rg_var, Gk * (1 - 2 * u * Gk * (Gk + Mk**2))),
    )


# ---------------------------------------------------------------------------------------------
# 7. the Hartree-resummed flow of rg


def hartree_flow(kap):
    """rg's shells on the contour m = μ + 2ix: W_q(m), ∂ⁿW_q(μ) for n ≤ 5, and the kept couplings.

    With the Hubbard–Stratonovich field, mode q sees the mass a_q + m; its Gaussian integral is
    ∫dΔ exp(−(a_q + m)Δ²/2 + b_qΔ) = √(2π) exp W_q(m). Integrating the shells out multiplies the
    weight exp(m²/(4u)) of the kept theory by exp Σ_q W_q(m); expanded to third order around μ,
    the quadratic and linear parts are those of a kept theory with u(k), r(k) (matched here
    coefficient by coefficient), the cubic one a sextic coupling.
    """
    msh = sp.Symbol("m", real=True)  # the (real) mass shift
    p = sp.Symbol("p", positive=True)  # a_q + m
    W = -sp.log(a + msh) / 2 + b2 / (2 * (a + msh))
    gauss = sp.integrate(sp.exp(-p * Delta**2 / 2 + b * Delta), (Delta, -sp.oo, sp.oo))
    assert (
        sp.simplify(
            sp.expand_log(sp.log(gauss), force=True)
            - sp.log(sp.sqrt(2 * sp.pi))
            - W.subs({a + msh: p, b2: b**2}).subs(a, p - msh)
        )
        == 0
    )
    at_mu = {a: 1 / cq - mu}  # c = 1/(a + μ)
    dW = [sp.factor(sp.simplify(sp.diff(W, msh, n).subs(msh, mu).subs(at_mu))) for n in range(1, 6)]
    for n, d in enumerate(dW, start=1):  # ∂ⁿW = (−1)ⁿ (n−1)!/2 (cⁿ + n b² c^(n+1)) = (−1)ⁿ κ_n / 2ⁿ
        assert sp.simplify(d - (-1) ** n * sp.factorial(n - 1) / 2 * (cq**n + n * b2 * cq ** (n + 1))) == 0
        if n <= 4:
            k_n = kap[n - 1].subs({m: sp.sqrt(b2) * cq, G: cq})  # the shell mode: mean b c, variance c
            assert sp.simplify(d - (-1) ** n * k_n / 2**n) == 0
    # the exponent: bare Gaussian of the contour + the shells' Taylor series in s = m − μ, against the
    # kept theory with (r(k), u(k)): its mass shift is m − δr, so exp((m − δr)²/(4u(k))), plus the cubic
    sv, uk, dr = sp.symbols("s u_k delta_r", real=True)
    shells = (mu + sv) ** 2 / (4 * u) + W1 * sv + W2 * sv**2 / 2 + W3 * sv**3 / 6
    kept = (mu + sv - dr) ** 2 / (4 * uk) + W3 * sv**3 / 6
    poly = sp.Poly(sp.expand((shells - kept) * 4 * u * uk), sv)
    sol = sp.solve([poly.coeff_monomial(sv), poly.coeff_monomial(sv**2)], [uk, dr], dict=True)
    assert len(sol) == 1
    u_k, delta_r = sp.simplify(sol[0][uk]), sp.factor(sol[0][dr])
    assert sp.simplify(1 / u_k - (1 / u + 2 * W2)) == 0
    # in the summed cumulants of the shells (W1 = −ΣK₁/2, W2 = ΣK₂/4, W3 = −ΣK₃/8)
    as_K = {W1: -K1 / 2, W2: K2 / 4, W3: -K3 / 8}
    uk_K = same(sp.simplify(u_k.subs(as_K)), 1 / (1 / u + K2 / 2))
    dr_K = sp.simplify(delta_r.subs(as_K))
    assert sp.simplify(dr_K - uk_K * (K1 + mu * K2 / 2)) == 0
    x = sp.Symbol("x", real=True)
    sextic = sp.expand((W3 * sv**3 / 6).subs(as_K).subs(sv, 2 * sp.I * x))
    assert sp.expand(sextic - (-K3 / 48 * (2 * sp.I * x) ** 3)) == 0
    return dict(
        W_shell=W,
        dW=dW,
        u_k=u_k,
        delta_r=delta_r,
        r_k=r + delta_r,
        uk_K=uk_K,
        dr_K=same(dr_K, uk_K * (K1 + mu * K2 / 2)),
        sextic=sextic,
    )


# ---------------------------------------------------------------------------------------------


def derive():
    """Every section in order, as one dict of named sympy objects."""
    d = {}
    d.update(action())
    d.update(cumulants())
    d.update(shell_integral(d["V"]))
    d.update(discrete_step(d["c0"], d["c1"], d["c2"]))
    d.update(continuum_limit(d["dr"], d["du"], d["kappa"]))
    d.update(power_counting())
    d.update(rescaled_view(d["dr_c"], d["du_c"], d["kappa"], d["gamma_s"]))
    d.update(pt1())
    d.update(one_mode_reading(d["dr_c"], d["kappa"]))
    d.update(hartree_flow(d["kappa"]))
    return d


def generated_functions(d):
    """(name, argument symbols, sympy expressions, docstring) of every function in rgflow/_equations.py."""
    return [
        ("gamma_r", (alpha,), (d["gamma_r"],), "Tree-level scaling dimension of r."),
        ("gamma_U", (alpha,), (d["gamma_U"],), "Tree-level scaling dimension of U."),
        ("gamma_s", (alpha, beta), (d["gamma_s"],), "Tree-level scaling dimension of the source s."),
        ("square_cumulants", (m, G), tuple(d["kappa"][:3]), "κ1, κ2, κ3 of Δ² for one Gaussian mode Δ ~ N(m, G)."),
        (
            "shell_update",
            (u, K1, K2, K3),
            (d["dr"], d["du"]),
            "One-step update (δr, δu) for a shell whose Δ² cumulant sums are K1, K2, K3.",
        ),
        (
            "continuum_shell",
            (u, K1, K2, K3),
            (d["dr_c"], d["du_c"]),
            "Thin-shell rates (dr/dn, du/dn) per mode integrated out, from that mode's Δ² cumulants "
            "(products of shell sums drop): dr/dτ = k_c ρ(k_c) dr/dn for mode density ρ.",
        ),
        (
            "continuum_rhs",
            (r, u, kc, alpha, beta),
            (d["drdtau"], d["dudtau"]),
            "(dr/dτ, du/dτ) at cutoff k_c = Λ e^-τ, mode density 1.",
        ),
        (
            "rescaled_rhs",
            (rho, s, rhat, Uhat, alpha, beta, Lam),
            (d["ds"], d["drhat_s"], d["dUhat"]),
            "(ds/dτ, dr̂/dτ, dÛ/dτ) with r̂ = r λ(k_c), Û = u λ(k_c)², s = ℓ^γ_s and mode density ρ = e^-τ.",
        ),
        (
            "pt1_moments",
            (Mk, Gk, Atot, u),
            (d["pt1_mean"], d["pt1_var"]),
            "First order in u: mean and variance of a mode with GP moments (M, G), A_0 = Σ_q ⟨Δ_q²⟩_0.",
        ),
        (
            "one_mode_moments",
            (Mk, Gk, u),
            (d["rg_mean"], d["rg_var"]),
            "Mode k alone with quartic u, read with the full running mass (own Hartree shift included).",
        ),
        (
            "shell_derivatives",
            (cq, b2),
            tuple(d["dW"]),
            "∂ⁿW_q(μ), n = 1..5, of a shell mode's log-weight W_q(m) = −½ ln(a_q + m) + b_q²/(2(a_q + m)) "
            "at the Hartree background, c = 1/(a_q + μ), b2 = b_q².",
        ),
        (
            "resummed_couplings",
            (u, mu, W1, W2),
            (d["delta_r"], d["u_k"]),
            "Kept couplings (δr, u(k)), r(k) = r + δr, of rg's Hartree-resummed flow from W1, W2 = Σ_shells ∂W_q, "
            "∂²W_q at the background μ.",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# code generation


def _function(name, args, exprs, doc):
    """Python source of a numpy-vectorized function returning ``exprs`` after CSE."""
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_x"), optimizations="basic")
    lines = [f"def {name}({', '.join(str(a) for a in args)}):", f'    """{doc}"""']
    for sym, sub in replacements:
        lines.append(f"    {sym} = {printer.doprint(sub)}")
    outs = [printer.doprint(e) for e in reduced]
    lines.append("    return " + (outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"))
    return "\n".join(lines) + "\n"


def versions() -> str:
    """The tools that wrote the generated files (their text, not their meaning, depends on these)."""
    return f"sympy {sp.__version__}, Python {platform.python_version()}"


def generate_module(d) -> str:
    """Source text of rgflow/_equations.py."""
    body = "\n\n".join(_function(*f) for f in generated_functions(d))
    header = (
        '"""Compiled right-hand sides of the RG: the one-loop flow and the Hartree-resummed couplings of rg\n'
        "(GENERATED by derivations/derive.py; do not edit).\n\n"
        "Regenerate with ``rgflow derive``; tests/test_derivation.py re-derives every function and compares\n"
        "it with this file at random points. The derivation is rendered in derivations/EQUATIONS.md.\n"
        f"Generated with {versions()}.\n"
        '"""\n\n\n'
    )
    text = header + ("import numpy\n\n\n" if "numpy." in body else "") + body
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return text + f"\n\nSOURCE_DIGEST = {digest!r}\n"


def render_markdown(d) -> str:
    """Every step of the derivation in LaTeX with prose, for a reader to check by hand."""
    L = sp.latex

    def Ln(e):
        """The reader's shapes (``same``) in the order their terms are stored."""
        return sp.latex(e, order="none")

    k1, k2, k3, k4 = d["kappa"]
    eq = "$${}$$".format
    rows = [
        "# The RG, step by step (generated by derivations/derive.py)",
        "",
        f"Generated by `rgflow derive` with {versions()}; do not edit. Model and conventions:",
        "docs/theory.md §1 (couplings r = P/κ, u = U·P); the method: docs/theory.md §3. Every equation",
        "below is a sympy object of derive.py (the section names its function) and every claim in the",
        "prose is asserted there.",
        "",
        "## 0. The action and the split of the quartic (`action`)",
        "Modes k = 1..Λ, field Δ_k (the discrepancy of mode k), weight e^{−S}:",
        eq(
            r"S[\Delta] = \sum_k \left[\frac{(y_k-\Delta_k)^2}{2\lambda_k} + \frac{r\,\Delta_k^2}{2}\right]"
            r" + \frac{u}{4}A^2,\qquad A = \sum_k \Delta_k^2."
        ),
        "The Gaussian part of one mode is a Δ²/2 − bΔ + const with",
        eq(
            rf"a = {L(d['a_mode'])},\quad b = {L(d['b_mode'])},\qquad "
            rf"m = \frac{{b}}{{a}} = {L(d['m_mode'])},\quad G = \frac{{1}}{{a}} = {L(d['G_mode'])}."
        ),
        "Split the modes into kept (k ≤ k_c) and shell (k > k_c): A = A_< + X with A_< = Σ_kept Δ_k²,",
        "X = Σ_shell Δ_q². The quartic splits into a kept part and the interaction V with the shell:",
        eq(r"\frac{u}{4}(A_< + X)^2 = \frac{u}{4}A_<^2 + V,\qquad V = " + L(d["V"]).replace("A", "A_<") + "."),
        "Integrating the shell modes against their Gaussian weight (mean m_q, variance G_q with the current",
        "r) leaves the kept action S_< + (−ln⟨e^{−V}⟩), up to the shell's Gaussian free energy (a constant).",
        "",
        "## 1. Cumulants of X = Δ² for one Gaussian mode Δ ~ N(m, G) (`cumulants`)",
        "Completing the square in ∫ e^{tΔ²} N(Δ; m, G) dΔ gives the cumulant generating function",
        eq(r"\ln\langle e^{tX}\rangle = " + L(d["cgf"]) + r" = \sum_{n\ge1}\kappa_n\frac{t^n}{n!},"),
        "so, expanding in t,",
        eq(rf"\kappa_1 = {L(k1)},\quad \kappa_2 = {L(k2)},\quad \kappa_3 = {L(k3)},\quad \kappa_4 = {L(k4)}."),
        "(derive.py also checks these against ⟨Δ^{2n}⟩ from Δ = m + √G z, ⟨z^{2j}⟩ = (2j−1)!!.)",
        "For a shell the modes are independent, so the cumulants of X add: K_n = Σ_shell κ_n(q).",
        "",
        "## 2. The shell integral to second order in u, and the projection (`shell_integral`)",
        "Cumulant expansion: −ln⟨e^{−V}⟩ = ⟨V⟩ − ½(⟨V²⟩ − ⟨V⟩²) + O(u³). With ⟨X⟩ = K_1, ⟨X²⟩ = K_2 + K_1²:",
        eq(r"\langle V\rangle = " + L(d["V1"])),
        "and, since A_< is fixed in the shell average, Var V = (u²/4)A_<² Var X + (u²/4)A_< Cov(X, X²)"
        " + (u²/16) Var X² with",
        eq(
            rf"\mathrm{{Var}}\,X = {L(d['varX'])},\quad \mathrm{{Cov}}(X,X^2) = {L(d['covXX2'])},\quad "
            rf"\mathrm{{Var}}\,X^2 = {L(d['varX2'])}."
        ),
        "Collected in powers of A_< (written A):",
        eq(
            r"-\ln\langle e^{-V}\rangle = \left("
            + L(d["c2"])
            + r"\right)A^2 + \left("
            + L(d["c1"])
            + r"\right)A + \left("
            + L(d["c0"])
            + r"\right)"
        ),
        "Only A_<⁰, A_<¹ and A_<² occur, so the shell renormalizes only operators the kept action already has;",
        "the source Σ y_kΔ_k/λ_k and the kinetic term Σ Δ_k²/(2λ_k) are untouched. **Projection rule**: the",
        "A_< coefficient adds to r/2 (δr = 2·[A_<¹]), the A_<² coefficient adds to u/4 (δu = 4·[A_<²]), the",
        "constant is the free energy δF of the shell.",
        "",
        "## 3. Discrete scheme: one step for a shell of n modes (`discrete_step`)",
        "With K_n = Σ over the n shell modes of κ_n(m_q, G_q):",
        eq(rf"\delta r = {Ln(d['dr_show'])}"),
        eq(rf"\delta u = {L(d['du'])}"),
        eq(rf"\delta F = {L(d['dF'])}"),
        "",
        "## 4. Continuum scheme (`continuum_limit`)",
        "Cutoff k_c = Λe^{−τ}. With mode density 1 the shell (k_c e^{−dτ}, k_c] holds dn = k_c dτ modes, so",
        "K_n = κ_n(k_c) dn; to first order in dn the products of shell sums (K_1K_2) drop:",
        eq(rf"\frac{{dr}}{{dn}} = {L(d['dr_c'])},\qquad \frac{{du}}{{dn}} = {L(d['du_c'])}"),
        "and dr/dτ = k_c dr/dn. In terms of the shell mode's mean m and variance G (section 1's κ_n):",
        eq(rf"\frac{{dr}}{{d\tau}} = {Ln(d['drdtau_mG'])}"),
        eq(rf"\frac{{du}}{{d\tau}} = {L(d['dudtau_mG'])}"),
        "The first term of dr/dτ, k_c u (G + m²) = k_c u κ_1, is the Hartree shift u⟨Δ²⟩ of the modes",
        "integrated out; the u² terms come from the second cumulant −½ Var V. For another spectrum",
        "substitute its λ(k_c), y(k_c) (and its mode density instead of 1).",
        "",
        "**The power law substituted** (separately): m = y_c/(1 + rλ_c), G = λ_c/(1 + rλ_c) with",
        "λ_c = k_c^{−(1+α)}, y_c = k_c^{−(1+β)/2}. This is `continuum_rhs`:",
        eq(rf"\frac{{dr}}{{d\tau}} = {L(d['drdtau'])}"),
        eq(rf"\frac{{du}}{{d\tau}} = {L(d['dudtau'])}"),
        "",
        "## 5. Power counting and the rescaled view (`power_counting`, `rescaled_view`)",
        "Rescale k = k'/ℓ (dk = dk'/ℓ) and Δ(k) = ℓ^{(2+α)/2} Δ'(k') in the continuum normalization",
        "(mode density 1). The ℓ-exponent of each term of S:",
        eq(
            rf"\int\frac{{\Delta^2}}{{2\lambda}}:\ {L(d['gamma_kin'])},\qquad "
            rf"r\int\frac{{\Delta^2}}{{2}}:\ \gamma_r = {L(d['gamma_r'])},\qquad "
            rf"u\Big(\int\Delta^2\Big)^2:\ \gamma_U = {L(d['gamma_U'])},\qquad "
            rf"\int\frac{{y\Delta}}{{\lambda}}:\ \gamma_s = {L(d['gamma_s'])}"
        ),
        "The kinetic term is invariant; s(ℓ) = ℓ^{γ_s} ≡ 1 exactly when β = 1 + α. This confirms the",
        "power counting of docs/theory.md §3.",
        "",
        "Dimensionless couplings at the running cutoff: r̂ = r λ_c, Û = u λ_c², s = ℓ^{γ_s}, with ℓ = e^τ,",
        "k_c = Λρ and ρ(τ) = e^{−τ} the density of the true (integer) modes in the rescaled frame. Then",
        "dr̂/dτ = r dλ_c/dτ + λ_c dr/dτ = (1+α) r̂ + λ_c k_c [dr/dn], and in rescaled units the shell mode has",
        eq(
            rf"G = \lambda_c \hat G,\quad m^2 = \lambda_c\, w\, \hat G^2,\qquad \hat G = \frac{{1}}{{1+\hat r}},\quad "
            rf"w = \frac{{y_c^2}}{{\lambda_c}} = k_c^{{\alpha-\beta}} = {L(d['w_of'])}"
        ),
        "(the last form with s = (Λ/k_c)^{γ_s}). λ_c drops out:",
        eq(rf"\frac{{d\hat r}}{{d\tau}} = {Ln(d['drhat_Gw'])}"),
        eq(rf"\frac{{d\hat U}}{{d\tau}} = {Ln(d['dUhat_Gw'])}"),
        "Every loop term carries the number of modes per unit τ, k_c = Λρ (a contraction of two legs of",
        "the vertex at equal momentum, summed over the shell). In the terms with the mean, k_c w = s²Λ^{1+α−β}",
        "has no ρ left. Substituting Ĝ = 1/(1 + r̂) and w = s²Λ^{1+α−β}/(Λρ) gives `rescaled_rhs`:",
        eq(rf"\frac{{ds}}{{d\tau}} = {L(d['ds'])}"),
        eq(rf"\frac{{d\hat r}}{{d\tau}} = {L(d['drhat_s'])}"),
        eq(rf"\frac{{d\hat U}}{{d\tau}} = {L(d['dUhat'])}"),
        "The explicit ρ = e^{−τ} (at fixed r̂, Û, s) is the explicit ℓ-dependence of the flow: the loop",
        "terms built from the fluctuation G alone carry it, those built from the mean carry s² instead.",
        "",
        "## 6. Predictors (`pt1`, `one_mode_reading`)",
        "Mode k with Gaussian part aΔ²/2 − bΔ (GP moments M = b/a, G = 1/a) and the rest of A independent",
        "with cumulants R_1, R_2. To first order in u, ln Z = b²/(2a) − (u/4)⟨(Δ² + A_rest)²⟩₀ with",
        eq(r"\ln Z_1 = " + Ln(d["lnZ1"])),
        "and ⟨Δ_k⟩ = ∂_b ln Z, Var Δ_k = ∂_b² ln Z (∂_b M = G). With A_0 = Σ_q ⟨Δ_q²⟩_0 = R_1 + G + M²",
        "this is **pt1** (`pt1_moments`):",
        eq(
            rf"\langle\Delta_k\rangle = {Ln(d['pt1_mean_show'])},\qquad "
            rf"\mathrm{{Var}}\,\Delta_k = {Ln(d['pt1_var_show'])}"
        ),
        "The term with A_0 is the Hartree diagram (a sum over modes: density factor); the rest is the",
        "exchange of the mode with itself (no sum, no density factor). This is where the scaling",
        "interval [γ_U − 1, γ_U] of U comes from.",
        "",
        "**One-mode reading** (`one_mode_moments`, used by the plain one-loop predictor `rg-1loop`; the"
        "default `rg` is section 7). The flow runs",
        "until every mode is integrated out; mode k is then read alone (R = 0) with the end quartic u = u_∞.",
        "Alone, with mass a, first order in u gives",
        eq(rf"\langle\Delta_k\rangle = {Ln(d['plain_mean'])},\qquad \mathrm{{Var}}\,\Delta_k = {Ln(d['plain_var'])}"),
        "(M, G at mass a). But the running mass a_end = 1/λ_k + r_∞ already contains mode k's own shell",
        "step, the Hartree shift δr = u κ_1(k) of section 4:",
        eq(rf"u\,\kappa_1(k) = u\left({L(d['own_shift'])}\right) = u\langle\Delta_k^2\rangle"),
        "Reading with a = a_end would count that shift twice, so the mode's own action has",
        "a = a_end − u(G + M²) (M, G at a_end). Expanding to first order in u:",
        eq(
            rf"\langle\Delta_k\rangle = {Ln(d['rg_mean_show'])},\qquad "
            rf"\mathrm{{Var}}\,\Delta_k = {Ln(d['rg_var_show'])}"
        ),
        "with M, G evaluated at the running mass: what is left is the exchange of the mode with itself.",
        "",
        "## 7. The Hartree-resummed flow of `rg` (`hartree_flow`)",
        "The default `rg` does not expand the shells around A_< = 0 (the bare mass, sections 2–4): the",
        "all-to-all vertex makes A_< a large number, its mean-field value. It integrates the shells out",
        "on the Hubbard–Stratonovich contour instead. exp(−(u/4)A²) = ∫dφ exp(−φ²/u − iφA)/√(πu) makes every",
        "mode Gaussian with mass a_q + m, m = 2iφ, so the weight of m is exp(m²/(4u)) times one factor per",
        "mode. A shell mode's factor is its Gaussian integral ∫dΔ exp(−(a_q + m)Δ²/2 + b_qΔ) = √(2π) e^{W_q(m)}:",
        eq(r"W_q(m) = " + L(d["W_shell"]).replace("b_{2}", "b_q^2") + r"\qquad (a = a_q)."),
        "On the contour m = μ + 2ix through the Hartree background μ = u Σ_k ⟨Δ_k²⟩_μ, expanded in m − μ,"
        " with c = 1/(a_q + μ) and b_2 = b_q²:",
        eq(r",\quad ".join(rf"\partial^{n}W_q = {L(e)}" for n, e in enumerate(d["dW"], start=1))),
        "i.e. ∂ⁿW_q = (−1)ⁿ (n−1)!/2 (cⁿ + n b_q² c^{n+1}) = (−1)ⁿ κ_n/2ⁿ with section 1's cumulants of Δ_q²",
        "at mean b_q c and variance c (asserted for n ≤ 4). This is `shell_derivatives`. With",
        "W_n = Σ_shells ∂ⁿW_q and s = m − μ, the exponent (μ + s)²/(4u) + W_1 s + W_2 s²/2 + W_3 s³/6 is,",
        "coefficient by coefficient, that of a kept theory with quartic u(k) and mass r(k) = r + δr (its",
        "mass shift is m − δr) plus a cubic term. Solving the s¹ and s² coefficients (`resummed_couplings`):",
        eq(rf"u(k) = {L(d['u_k'])},\qquad \delta r = r(k) - r = {L(d['delta_r'])}"),
        "and in the summed cumulants of the shells (W_1 = −ΣK_1/2, W_2 = ΣK_2/4, W_3 = −ΣK_3/8):",
        eq(
            r"\frac{1}{u(k)} = \frac{1}{u} + \frac{1}{2}\sum K_2,\qquad "
            r"r(k) = r + " + Ln(d["dr_K"]).replace("K_{1}", r"\sum K_{1}").replace("K_{2}", r"\sum K_{2}")
        ),
        "with the sextic coupling of the third cumulant on the contour m = μ + 2ix:",
        eq(
            r"\frac{W_3}{6}(2ix)^3 = -\frac{1}{48}\sum K_3\,(2ix)^3 = "
            + L(d["sextic"]).replace("K_{3}", r"\sum K_{3}")
            + "."
        ),
        "A phase: the weight keeps its modulus. The flow is resummed (exact at a fixed background, no",
        "mode-by-mode integration) and stops at k*, where ρ_k = 2X c_k of the kept modes exceeds ½; the",
        "kept theory is then solved exactly on the contour. ∂⁴W and ∂⁵W are the first neglected orders:",
        "their first-order effect on every mode is rg's error estimate. The one-loop flow of sections 2–6",
        "(expanded around the bare mass, the mass run mode by mode) is kept as `rg-1loop`.",
        "",
    ]
    return "\n".join(rows)


def main(argv=None, *, check=False, d=None) -> int:
    """Write (or, with check=True, compare) the generated module and the rendered equations
    (``d``: a derivation already computed by ``derive()``)."""
    d = derive() if d is None else d
    outputs = {MODULE: generate_module(d), RENDERED: render_markdown(d)}
    stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
    if check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for p, text in outputs.items():
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(p)
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))

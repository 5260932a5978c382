"""Symbolic derivation of the finite-width network's methods (rgflow/network.py, docs/networks.md), with sympy.

Run ``python derivations/network.py`` to regenerate

* ``rgflow/_network_equations.py``   the compiled formulas (generated, do not edit), and
* ``derivations/NETWORK_EQUATIONS.md`` every step in LaTeX, with prose, to check by hand.

``python derivations/network.py --check`` only reports whether both files are current.

The network (docs/networks.md): given the hidden weights it is the GP with kernel Q·K, Q = g z,
z = Π_{l=1..L} q_l, q_l ~ χ²_N/N, so the posterior is a mixture over t = ln z with weight
e^{Nφ(t) + ψ(t)}. One function per section; each returns a dict of named sympy objects and asserts
what it claims.

1. ``laplace``            ∫e^{Nφ+ψ}h / ∫e^{Nφ+ψ} and Var_t h to O(1/N) around the saddle t̂ (φ'(t̂) = 0).
2. ``prior``              the log density of t for L factors χ²_N/N: Nφ(t) + ψ_p(t) + O(1/N) from the
                          saddle point of its Mellin inversion and Stirling's series; the cumulants of t.
3. ``logistic``           t-derivatives of L = xe^t/(1 + xe^t), ln(1 + xe^t), 1/(1 + xe^t) as polynomials
                          in L, and the shell derivatives ∂ⁿD_q (n ≤ 5) of the network's RG.
4. ``pt1_standard``       pt1 of the standard parameterization in closed form in m_k, G_k and two sums.
5. ``field_action``       the mixture as an action in Δ to O(1/N), its first-order effect on ⟨Δ_k⟩ (Wick),
                          and the term-by-term comparison with section 1's quartic (u/4)(Σ_k Δ_k²)².
6. ``exponents``          continuum power counting of the sums: the exponent in P of the relative
                          correction to the GP's loss (network at fixed N and at fixed N/P; quartic at fixed U).
"""

from __future__ import annotations

import hashlib
import importlib.util
import pathlib
import platform
import sys

import sympy as sp

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULE = ROOT / "rgflow" / "_network_equations.py"
RENDERED = ROOT / "derivations" / "NETWORK_EQUATIONS.md"

# ---------------------------------------------------------------------------------------------
# symbols
N, A = sp.symbols("N A", positive=True)
eps, s = sp.symbols("epsilon s", real=True)  # eps = 1/√N, s = √(NA)(t − t̂)
phi3, phi4, psi1, psi2 = sp.symbols("phi3 phi4 psi1 psi2", real=True)
h0, h1, h2, h3 = sp.symbols("h h1 h2 h3", real=True)  # h and its t-derivatives at t̂
t = sp.Symbol("t", real=True)
Ld, a = sp.symbols("L a", positive=True)  # depth, a = N/2
Lg = sp.Symbol("L_q", positive=True)  # logistic value (learnability)
x, nury2 = sp.symbols("x c", positive=True)  # x = rλ e^{t0}, c = ν r y²
r, lam, y = sp.symbols("r lambda y", positive=True)
mk, Gk, Sb, SG = sp.symbols("m G S_b S_G", positive=True)  # m_k, G_k, Σλm², ΣG
Btot, Lam, R2 = sp.symbols("B Lambda R_2", real=True)
Bt = sp.Symbol(r"\tilde B", real=True)  # B − Λ
alpha, beta = sp.symbols("alpha beta", positive=True)
v = sp.Symbol("v", positive=True)  # k / k*


def same(expr, form):
    """``form`` (the shape shown to the reader) after checking it equals ``expr``."""
    assert sp.simplify(sp.expand(expr - form)) == 0, (expr, form)
    return form


def _gauss_avg(poly_in_s):
    """⟨p(s)⟩ for s ~ N(0, 1): sⁿ → (n−1)!! for even n, 0 for odd."""
    p = sp.Poly(sp.expand(poly_in_s), s)
    out = 0
    for (n,), c in zip(p.monoms(), p.coeffs()):
        if n % 2 == 0:
            out += c * (sp.factorial2(n - 1) if n else 1)
    return sp.expand(out)


# ---------------------------------------------------------------------------------------------
# 1. Laplace expansion


def laplace():
    """⟨h⟩ and Var_t h of the weight e^{Nφ(t)+ψ(t)} to O(1/N), φ'(t̂) = 0, A = −φ''(t̂).

    t = t̂ + ε s/√A with ε = 1/√N: Nφ = Nφ(t̂) − s²/2 + ε φ₃ s³/(6A^{3/2}) + ε² φ₄ s⁴/(24A²) + …,
    ψ = ψ(t̂) + ε ψ₁ s/√A + ε² ψ₂ s²/(2A) + …; the non-Gaussian factor is expanded in ε and
    averaged over s ~ N(0, 1) in numerator and denominator.
    """
    rA = sp.sqrt(A)
    expo = eps * (phi3 * s**3 / (6 * rA**3) + psi1 * s / rA) + eps**2 * (
        phi4 * s**4 / (24 * A**2) + psi2 * s**2 / (2 * A)
    )
    weight = sp.series(sp.exp(expo), eps, 0, 3).removeO()
    hs = h0 + eps * h1 * s / rA + eps**2 * h2 * s**2 / (2 * A) + eps**3 * h3 * s**3 / (6 * rA**3)
    Z = _gauss_avg(weight)
    num1 = _gauss_avg(sp.expand(weight * hs))
    num2 = _gauss_avg(sp.expand(weight * hs**2))
    mean = sp.expand(sp.series(num1 / Z, eps, 0, 3).removeO())
    second = sp.expand(sp.series(num2 / Z, eps, 0, 3).removeO())
    var = sp.expand(sp.series(second - mean**2, eps, 0, 3).removeO())
    assert mean.coeff(eps, 1) == 0 and var.coeff(eps, 0) == 0 and var.coeff(eps, 1) == 0
    corr = sp.factor(mean.coeff(eps, 2))  # the 1/N coefficient
    corr = same(corr, h2 / (2 * A) + h1 * psi1 / A + h1 * phi3 / (2 * A**2))
    varc = same(var.coeff(eps, 2), h1**2 / A)
    assert not ({phi4, psi2, h3} & corr.free_symbols), "φ₄, ψ₂ and h₃ cancel at O(1/N)"
    return dict(laplace_expo=expo, laplace_mean=h0 + corr / N, laplace_corr=corr / N, laplace_var=varc / N)


# ---------------------------------------------------------------------------------------------
# 2. the prior of t


def _stirling_lngamma(z, order=3):
    """ln Γ(z) by Stirling's series, (z − ½) ln z − z + ½ ln 2π + Σ_j B_2j/(2j(2j−1) z^(2j−1))."""
    out = (z - sp.Rational(1, 2)) * sp.log(z) - z + sp.log(2 * sp.pi) / 2
    for j in range(1, order + 1):
        out += sp.bernoulli(2 * j) / (2 * j * (2 * j - 1) * z ** (2 * j - 1))
    return out


def prior():
    """ln f_L(t) = Nφ(t) + ψ_p(t) + const + O(1/N) for t = Σ_l ln q_l, q_l ~ χ²_N/N = Gamma(a, rate a).

    The Mellin transform E[e^{st}] = e^{K(s)}, K(s) = L[ln Γ(a+s) − ln Γ(a) − s ln a]; the saddle point
    of its inversion gives ln f_L(t) = K(c) − ct − ½ ln(2πK''(c)) (1 + O(1/a)), K'(c) = t. With
    x = a + c = a w + x₁ + x₂/a, w = e^{t/L}, the saddle equation is solved order by order in 1/a
    and the exponent expanded (Stirling's series for ln Γ and its derivatives).
    """
    delta = sp.Symbol("delta", positive=True)  # 1/a
    w = sp.exp(t / Ld)
    x1 = sp.Symbol("x1")
    z = sp.Symbol("z", positive=True)
    lng = _stirling_lngamma
    dig, trig = sp.diff(lng(z), z), sp.diff(lng(z), z, 2)

    def at(expr, X):
        """expr(z) at z = X/δ, logs split so that the series in δ is plain."""
        return sp.expand(sp.expand_log(expr.subs(z, X / delta), force=True))

    # saddle K'(c) = t at a + c = (w + x₁δ)/δ: order δ⁰ holds identically, order δ¹ fixes x₁
    saddle = at(Ld * (dig + sp.log(delta)), w + x1 * delta) - t  # ln a = −ln δ
    ser = sp.expand(sp.series(saddle, delta, 0, 2).removeO())
    assert sp.simplify(ser.coeff(delta, 0)) == 0
    sol_x1 = sp.solve(ser.coeff(delta, 1), x1)
    assert len(sol_x1) == 1 and sp.simplify(sol_x1[0] - sp.Rational(1, 2)) == 0, sol_x1
    Xs = w + delta / 2  # δ·(a + c); the next order moves the exponent by O(1/a)
    c = Xs / delta - 1 / delta
    K = Ld * (at(lng(z), Xs) - at(lng(z), sp.Integer(1)) + c * sp.log(delta))
    K2 = at(Ld * trig, Xs)
    logf = K - c * t - sp.log(2 * sp.pi * K2) / 2
    ser = sp.expand(sp.expand_log(sp.series(logf, delta, 0, 1).removeO(), force=True))
    lead = sp.expand(ser.coeff(delta, -1))
    rest = sp.expand(ser - lead / delta)
    phi = (t - Ld * sp.exp(t / Ld) + Ld) / 2  # per unit N = 2a
    # the t-dependent parts: a(t − L e^{t/L} + L) = Nφ at order a, ψ_p at order 1
    assert sp.simplify(sp.diff(lead, t) - 2 * sp.diff(phi, t)) == 0, lead
    psi_p = same(sp.integrate(sp.simplify(sp.diff(rest, t)), t), -(Ld - 1) * t / (2 * Ld))
    # the cumulants of t (a = N/2): κ₁ = L[ψ(a) − ln a], κ₂ = L ψ'(a), from the same series
    k1 = sp.series((Ld * (dig - sp.log(z))).subs(z, N / 2), N, sp.oo, 3).removeO()
    k2 = sp.series((Ld * trig).subs(z, N / 2), N, sp.oo, 3).removeO()
    kap1 = same(sp.expand(sp.limit(k1 * N, N, sp.oo)) / N, -Ld / N)
    kap2 = same(sp.expand(sp.limit(k2 * N, N, sp.oo)) / N, 2 * Ld / N)
    return dict(phi=phi, psi_p=psi_p, t_mean=kap1, t_var=kap2, prior_saddle_x=sp.Symbol("a") * w + sp.Rational(1, 2))


# ---------------------------------------------------------------------------------------------
# 3. logistic derivatives and the shell derivatives of the RG


def logistic(order=6):
    """dⁿL/dtⁿ for L = xe^t/(1 + xe^t) as L(1 − L)·p_n(L): d/dt = L(1 − L) d/dL (dL/dt = L(1 − L)).

    Then ∂ⁿ ln(1 + xe^t) = d^{n−1}L/dt^{n−1} (∂ ln(1 + xe^t) = L), ∂ⁿ 1/(1 + xe^t) = −dⁿL/dtⁿ, and
    the shell term D_q = −½[ln(1 + x e^t) + c/(1 + x e^t)] (c = ν r y_q²) has
    ∂ⁿD_q = −½[d^{n−1}L/dt^{n−1} − c dⁿL/dtⁿ]; every polynomial is checked against sympy's own
    t-derivatives of the closed forms.
    """
    derivs = [Lg]  # d⁰L
    for _ in range(order):
        derivs.append(sp.factor(sp.expand(Lg * (1 - Lg) * sp.diff(derivs[-1], Lg))))
    polys = [sp.factor(sp.cancel(d / (Lg * (1 - Lg)))) for d in derivs[1:]]
    shown = [
        sp.Integer(1),
        1 - 2 * Lg,
        1 - 6 * Lg + 6 * Lg**2,
        (1 - 2 * Lg) * (1 - 12 * Lg + 12 * Lg**2),
        1 - 30 * Lg + 150 * Lg**2 - 240 * Lg**3 + 120 * Lg**4,
    ]
    polys = [same(p, q) for p, q in zip(polys[:5], shown)] + polys[5:]
    # check against direct differentiation of the closed forms in t
    Lt = x * sp.exp(t) / (1 + x * sp.exp(t))
    back = {Lg: Lt}
    Dq = -(sp.log(1 + x * sp.exp(t)) + nury2 / (1 + x * sp.exp(t))) / 2
    shell = []
    for n in range(1, order + 1):
        assert sp.simplify(sp.diff(Lt, t, n) - derivs[n].subs(back)) == 0
        assert sp.simplify(sp.diff(sp.log(1 + x * sp.exp(t)), t, n) - derivs[n - 1].subs(back)) == 0
        assert sp.simplify(sp.diff(1 / (1 + x * sp.exp(t)), t, n) + derivs[n].subs(back)) == 0
        if n <= 5:
            dn = sp.expand(-(derivs[n - 1] - nury2 * derivs[n]) / 2)
            assert sp.simplify(sp.diff(Dq, t, n) - dn.subs(back)) == 0
            shell.append(sp.factor(dn))
    return dict(logistic_polys=polys[:5], logistic_derivs=derivs, shell_derivs=shell, D_q=Dq)


# ---------------------------------------------------------------------------------------------
# 4. pt1 of the standard parameterization in closed form


def pt1_standard(d):
    """Standard: φ = ½(t − Le^{t/L} + L), t̂ = 0, ψ = ψ_p + D(t). With x_q = rλ_q, L_q = x_q/(1 + x_q),
    m_q = y_q/(1 + x_q), G_q = λ_q/(1 + x_q): L_q = r G_q and r y_q² L_q(1 − L_q) = r² λ_q m_q², so
    ψ₁ = −(L−1)/(2L) + (r/2)[r S_b − S_G] with S_b = Σ_q λ_q m_q², S_G = Σ_q G_q."""
    phi = d["phi"]
    Aval = -sp.diff(phi, t, 2).subs(t, 0)
    p3 = sp.diff(phi, t, 3).subs(t, 0)
    assert sp.diff(phi, t).subs(t, 0) == 0  # t̂ = 0
    # per-mode identities
    xq = r * lam
    Lq = xq / (1 + xq)
    m_, G_ = y / (1 + xq), lam / (1 + xq)
    assert sp.simplify(Lq - r * G_) == 0
    assert sp.simplify(r * y**2 * Lq * (1 - Lq) - r**2 * lam * m_**2) == 0
    # D'(0) = −½ Σ_q [L_q − r y_q² L_q(1 − L_q)]  (ν = 1), from section 3's n = 1 shell derivative
    d1 = d["shell_derivs"][0]
    assert sp.simplify(d1.subs({Lg: Lq, nury2: r * y**2}) + (Lq - r * y**2 * Lq * (1 - Lq)) / 2) == 0
    Dp = -(r * SG - r**2 * Sb) / 2
    psi1_std = sp.diff(d["psi_p"], t) + Dp
    # mode k: h = 1/(1 + x e^t) = 1 − L_k(t): h₁ = −L(1−L), h₂ = −L(1−L)(1−2L); L_k = r G_k, 1 − L_k = G_k/λ_k
    Lk = r * Gk
    hh = {h0: 1 - Lk, h1: -Lk * (1 - Lk), h2: -Lk * (1 - Lk) * (1 - 2 * Lk)}
    sub = {A: Aval, phi3: p3, psi1: psi1_std}
    rel_mean = sp.factor(sp.expand((d["laplace_corr"].subs(hh).subs(sub)) / hh[h0]))
    first_look = -(Ld * r**2 / N) * Gk * (r * Sb - SG - 2 * Gk)
    rel_mean = same(rel_mean, first_look)
    # variance: λ_k⟨e^t/(1 + x e^t)⟩ + y_k² Var_t h; k(t) = e^t/(1 + x e^t) has k₀ = 1 − L, k₁ = (1 − L)²,
    # k₂ = (1 − L)²(1 − 2L) at t = 0 (checked by differentiation), λ_k(1 − L_k) = G_k, y_k(1 − L_k) = m_k
    kt = sp.exp(t) / (1 + x * sp.exp(t))
    Lx = x / (1 + x)
    for n, form in enumerate([1 - Lx, (1 - Lx) ** 2, (1 - Lx) ** 2 * (1 - 2 * Lx)]):
        assert sp.simplify(sp.diff(kt, t, n).subs(t, 0) - form) == 0
    kk = {h0: 1 - Lk, h1: (1 - Lk) ** 2, h2: (1 - Lk) ** 2 * (1 - 2 * Lk)}
    # λ_k k(t) with λ_k = G_k/(1 − L_k):  λ_k k₀ = G_k
    dvar_prior = sp.expand(Gk / (1 - Lk) * d["laplace_corr"].subs(kk).subs(sub))
    dvar_mix = sp.expand((mk / (1 - Lk)) ** 2 * d["laplace_var"].subs({h1: -Lk * (1 - Lk)}).subs(sub))
    rel_var = sp.factor(sp.expand((dvar_prior + dvar_mix) / Gk))
    rel_var_show = same(rel_var, (Ld * r / N) * (1 - r * Gk) * (r * Sb - SG - 2 * Gk) + 2 * Ld * r**2 * Gk * mk**2 / N)
    # the loss per mode, ⟨Δ_k⟩² + Var Δ_k, to first order: 2m_k²·(relative mean) + G_k·(relative variance);
    # in L_k = rG_k, ‖f̂‖² = r²S_b, n_eff = rS_G
    fnorm, neff, Lk_ = sp.symbols("F n_eff L_k", positive=True)
    words = {Sb: fnorm / r**2, SG: neff / r}
    dloss = sp.expand((2 * mk**2 * rel_mean + Gk * rel_var_show).subs(words))
    dloss_show = same(
        dloss,
        (Ld / N) * ((Gk * (1 - r * Gk) - 2 * mk**2 * r * Gk) * (fnorm - neff - 2 * r * Gk) + 2 * (r * Gk) ** 2 * mk**2),
    )
    return dict(
        A_std=Aval,
        phi3_std=p3,
        psi1_std=psi1_std,
        pt1_rel_mean=rel_mean,
        pt1_rel_var=rel_var_show,
        dloss_mode=dloss_show,
    )


# ---------------------------------------------------------------------------------------------
# 5. the mixture as an action in Δ, and section 1's quartic


def _derive_module():
    spec = importlib.util.spec_from_file_location("derive", ROOT / "derivations" / "derive.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def field_action(d):
    """Given z = e^t the field f = y − Δ has the prior N(0, zλ_q) per mode; integrating z out,
    e^{−S[Δ]} = e^{−rΣΔ²/2} ∫ p(t) Π_q (2π e^t λ_q)^{−1/2} e^{−f_q²/(2e^tλ_q)} dt = e^{−rΣΔ²/2 + W(B)},
    W(B) = ln⟨exp(−Λt/2 − B e^{−t}/2)⟩_t, B = Σ_q f_q²/λ_q: one all-to-all sum, weighted by 1/λ_q.
    To O(1/N) only the first two cumulants of t enter (⟨t⟩ = −L/N, Var t = 2L/N, section 2)."""
    kap1, kap2 = d["t_mean"], d["t_var"]
    tt = sp.Symbol("tau", real=True)
    E = -Lam * tt / 2 - Btot * (1 - tt + tt**2 / 2) / 2  # e^{−t} to the order that contributes
    # W = ⟨E⟩ + ½ Var E + O(1/N²); ⟨t²⟩ = κ₂ + κ₁² = κ₂ + O(1/N²)
    Emean = sp.expand(E.subs(tt**2, 0).subs(tt, kap1) - Btot / 4 * kap2)
    Evar = sp.expand((Btot / 2 - Lam / 2) ** 2 * kap2)
    W = sp.expand(Emean + Evar / 2)
    W_Bt = sp.expand(W.subs(Btot, Bt + Lam))
    S_int = sp.expand(-(W_Bt - W_Bt.subs(Bt, 0)))  # the action, B̃ = B − Λ, constants dropped
    S_int = same(S_int, Bt / 2 + Ld * Bt / N - Ld * Bt**2 / (4 * N))
    a1, a2 = S_int.coeff(Bt, 1) - sp.Rational(1, 2), 2 * S_int.coeff(Bt, 2)  # V = a₁B̃ + (a₂/2)B̃²
    # first order in V (the GP part B̃/2 is in S₀): δ⟨f_k⟩ = −Cov(f_k, V). Mode k: f ~ N(μ, G);
    # the rest of B̃ independent with mean R₁ and variance R₂
    f, mu, R1 = sp.symbols("f mu R_1", real=True)
    G_ = sp.Symbol("G", positive=True)
    Bk = f**2 / lam + R1
    V = a1 * Bk + a2 / 2 * Bk**2
    gm = {
        0: 1,
        1: mu,
        2: mu**2 + G_,
        3: mu**3 + 3 * mu * G_,
        4: mu**4 + 6 * mu**2 * G_ + 3 * G_**2,
        5: mu**5 + 10 * mu**3 * G_ + 15 * mu * G_**2,
    }

    def avg(expr):
        p = sp.Poly(sp.expand(expr.subs(R1**2, R2 + R1**2)), f)
        return sp.expand(sum(c * gm[e[0]] for e, c in zip(p.monoms(), p.coeffs())))

    # E over the rest: replace R₁² by R₂ + R₁² before averaging (R₁ stands for the rest's mean)
    cov = sp.expand(avg(f * V) - avg(f) * avg(V))
    dmean_f = -cov
    # mode k of the GP: μ = ⟨f_k⟩ = y_k − m_k = rλ_k m_k, G_k; ⟨B̃⟩ = R₁ + (μ² + G)/λ_k
    Bmean = sp.Symbol("Bbar", real=True)
    dDelta = sp.expand(-dmean_f.subs(R1, Bmean - (mu**2 + G_) / lam))
    dDelta = dDelta.subs({mu: r * lam * mk, G_: Gk})
    # ⟨B̃⟩ over all modes: Σ_q [(rλ_q m_q)² + G_q]/λ_q − Λ = r² S_b + Σ_q [1/(1+x_q) − 1] = r² S_b − r S_G
    assert (
        sp.simplify(
            ((r * lam * y / (1 + r * lam)) ** 2 + lam / (1 + r * lam)) / lam
            - 1
            - (r**2 * lam * (y / (1 + r * lam)) ** 2 - r * lam / (1 + r * lam))
        )
        == 0
    )
    rel_field = sp.expand(dDelta.subs(Bmean, r**2 * Sb - r * SG).subs(lam, Gk / (1 - r * Gk)) / mk)
    assert sp.simplify(rel_field - d["pt1_rel_mean"]) == 0, "the field action must give pt1 of the mixture"
    # section 1's quartic on the mapped model: target y'_k = √(rλ_k) y_k, so M'_k = √(rλ_k) m_k,
    # A₀' = Σ_q (G_q + M'_q²) = S_G + r S_b; u = U P with U = L P/(N κ²) is u = L r²/N (r = P/κ)
    der = _derive_module()
    q = der.pt1()
    Mq, Gq, A0, uq = der.Mk, der.Gk, der.Atot, der.u
    P_, kap_ = sp.symbols("P kappa", positive=True)
    U_map = Ld * P_ / (N * kap_**2)
    u_map = sp.simplify((U_map * P_).subs(P_, r * kap_))
    assert sp.simplify(u_map - Ld * r**2 / N) == 0
    rel_quartic = sp.expand((q["pt1_mean"] / Mq - 1).subs({A0: SG + r * Sb, Gq: Gk, uq: u_map}))
    rel_quartic = same(rel_quartic, -(Ld * r**2 / N) * Gk * (r * Sb + SG + 2 * Gk))
    # term by term (coefficients of −(L r²/N) G_k): network [r S_b, −S_G, −2G_k], quartic [r S_b, S_G, 2G_k]
    pref = -(Ld * r**2 / N) * Gk
    net_terms = [sp.expand(d["pt1_rel_mean"] / pref).coeff(sym) * sym for sym in (Sb, SG)]
    net_terms.append(sp.expand(d["pt1_rel_mean"] / pref - sum(net_terms)))
    quart_terms = [sp.expand(rel_quartic / pref).coeff(sym) * sym for sym in (Sb, SG)]
    quart_terms.append(sp.expand(rel_quartic / pref - sum(quart_terms)))
    agree = [sp.simplify(a_ - b_) == 0 for a_, b_ in zip(net_terms, quart_terms)]
    flip = [sp.simplify(a_ + b_) == 0 for a_, b_ in zip(net_terms, quart_terms)]
    assert agree == [True, False, False] and flip == [False, True, True]
    # the same in the network's own words: L_k = r G_k, ‖f̂‖² = r² S_b, n_eff = r S_G
    fnorm, neff, Lk = sp.symbols("F n_eff L_k", positive=True)
    plain = same(
        sp.expand(d["pt1_rel_mean"].subs(Sb, fnorm / r**2).subs(SG, neff / r).subs(Gk, Lk / r)),
        -(Ld / N) * Lk * (fnorm - neff - 2 * Lk),
    )
    return dict(
        W=W,
        S_int=S_int,
        a1=a1,
        a2=a2,
        field_rel_mean=rel_field,
        U_map=U_map,
        u_map=u_map,
        quartic_rel_mean=rel_quartic,
        net_terms=net_terms,
        quart_terms=quart_terms,
        plain_rel_mean=plain,
        quartic_pt1_mean=q["pt1_mean_show"],
    )


# ---------------------------------------------------------------------------------------------
# 6. exponents


def _sum_exponent(power, small_v):
    """k*-exponent of Σ_k F(k) with F(k) = k*^power · f(k/k*), f(v) ~ v^small_v as v → 0 (and
    integrable at ∞): k*^{power+1} ∫f if small_v > −1, else the modes k = O(1) dominate, k*^{power−small_v}."""
    return sp.Max(power + 1, power - small_v)


def exponents():
    """Continuum power counting, power law λ = k^-(1+α), y² = k^-(1+β), r = P/κ, Λ → ∞, β > 0.

    With the learnability threshold k* = r^{1/(1+α)}, x_k = rλ_k = (k/k*)^{−(1+α)} = v^{−(1+α)},
    L = 1/(1 + v^{1+α}) → 1 − v^{1+α} as v → 0 (learned) and ~ v^{−(1+α)} as v → ∞. Every sum is
    k*^{e}·(a convergent integral) or dominated by the first modes; r = k*^{1+α} and P ∝ r."""
    a_ = 1 + alpha
    # (k*-power of the summand at fixed v, v-exponent of the summand as v → 0); λ = k*^{−a} v^{−a},
    # y² = k*^{−(1+β)} v^{−(1+β)}, 1 − L ~ v^{a} at small v, L ~ v^{−a} at large v (tails integrable for α, β > 0)
    pieces = {
        "n_eff": (0, 0),  # Σ L_q
        "fnorm": (alpha - beta, alpha - beta),  # Σ L_q² y_q²/λ_q   (= ‖f̂‖² = r² S_b)
        "var": (-a_, -a_ + a_),  # Σ G_q = Σ λ(1 − L)
        "var1": (-a_, -a_ + 2 * a_),  # Σ G_q(1 − L_q) = Σ λ(1 − L)²
        "bias": (-(1 + beta), -(1 + beta) + 2 * a_),  # Σ m_q² = Σ y²(1 − L)²
        "biasL": (-(1 + beta), -(1 + beta) + 2 * a_),  # Σ m_q² L_q
        "biasG": (-(1 + beta) - a_, -(1 + beta) - a_ + 3 * a_),  # Σ m_q² G_q = Σ y²λ(1 − L)³
        "varG": (-2 * a_, -2 * a_ + 2 * a_),  # Σ G_q² = Σ λ²(1 − L)²
    }
    ex = {name: sp.simplify(_sum_exponent(p, sv)) for name, (p, sv) in pieces.items()}
    assert sp.simplify(ex["n_eff"] - 1) == 0 and sp.simplify(ex["var"] + alpha) == 0
    loss_gp = sp.Max(ex["bias"], ex["var"])  # in k*
    # network, standard, fixed N: δloss/loss ≃ (L/N)(‖f̂‖² − n_eff)[Σ G(1 − L) − 2Σ m²L]/loss (section 4);
    # the remaining terms of δloss are O(loss)/N
    bracket = sp.Max(ex["var1"], ex["biasL"])
    e_fixed_N = (sp.Max(ex["fnorm"], ex["n_eff"]) + bracket - loss_gp) / a_  # in P: k* ∝ P^{1/a}
    # at fixed N/P the prefactor L/N ∝ 1/P adds −1.
    # quartic at fixed U: δ⟨Δ_k⟩/⟨Δ_k⟩ = −u G_k(A₀ + 2G_k) and δVar/Var = −uG_k(A₀ + 2G_k + 2m_k²), u = UP,
    # A₀ = Σ G + Σ m²: δloss = −u A₀ [2Σ m²G + Σ G²] − u Σ[4m²G² + 2G³ + 2m²G²]; the second group has one
    # more factor G ≤ 1/r per summand than the first, and u/r = Uκ, u/r² = Uκ²/P
    A0 = sp.Max(ex["var"], ex["bias"])
    first = A0 + sp.Max(ex["biasG"], ex["varG"])  # k*-exponent of A₀[2Σm²G + ΣG²]
    e_quartic = 1 + (first - loss_gp) / a_  # u = UP ∝ P, divided by the loss
    # the second group, u·loss/r² relative to the loss, decays like 1/P: faster than the first
    assert sp.simplify(sp.Min(e_quartic, -1).subs({alpha: 1, beta: 1}) + 1) == 0
    checks = {
        (sp.Rational(1, 5), sp.Rational(3, 10)): (sp.Rational(5, 6), -sp.Rational(1, 6)),
        (sp.Integer(1), sp.Rational(1, 2)): (sp.Rational(3, 4), -sp.Rational(1, 4)),
        (sp.Integer(1), sp.Integer(2)): (sp.Rational(1, 2), -sp.Rational(1, 2)),
        (sp.Integer(1), sp.Integer(5)): (sp.Rational(1, 2), -sp.Rational(1, 2)),
    }
    for (al, be), (eN, eU) in checks.items():
        assert sp.simplify(e_fixed_N.subs({alpha: al, beta: be}) - eN) == 0
        assert sp.simplify(e_quartic.subs({alpha: al, beta: be}) - eU) == 0
    # closed forms (α, β > 0): max(1, 1 + α − β)/(1 + α), and −min(α, β)/(1 + α) for both fixed-U forms
    e_N_form = sp.Max(1, 1 + alpha - beta) / a_
    e_U_form = -sp.Min(alpha, beta) / a_
    rng = [(sp.Rational(p, 10), sp.Rational(q, 10)) for p in (1, 2, 5, 10, 20) for q in (1, 3, 5, 12, 25, 60)]
    for al, be in rng:
        sub = {alpha: al, beta: be}
        assert sp.simplify(e_fixed_N.subs(sub) - e_N_form.subs(sub)) == 0, (al, be)
        assert sp.simplify((e_fixed_N - 1).subs(sub) - e_U_form.subs(sub)) == 0, (al, be)
        assert sp.simplify(e_quartic.subs(sub) - e_U_form.subs(sub)) == 0, (al, be)
    return dict(
        sum_exponents=ex, e_fixed_N=e_N_form, e_fixed_ratio=e_U_form, e_quartic=e_U_form, loss_gp_exponent=loss_gp
    )


def mean_field_exponents():
    """Mean-field parameterization at fixed N: exponent in P of loss_N/loss_∞ − 1, loss_∞ its own N → ∞
    limit (the GP at the saddle t̂, no variance since g = 1/N). Power counting with Λ = P.

    The saddle φ'(t̂) = 0 reads e^{t̂/L} = 1 + e^{−t̂}‖f̂‖²(r'), r' = r z (z = e^{t̂}, ‖f̂‖² = Σ L²y²/λ at r'):
    at large ‖f̂‖², z^ε = ‖f̂‖², ε = 1 + 1/L. The first-order terms (variance n_eff/(rN), and the bias
    terms h₁ψ₁/A with ψ₁ ≈ −n_eff/2, A ≈ ‖f̂‖²/z) are all ~ z k*'^{β−α}/N relative to loss_∞ ~ k*'^{−β},
    k*' = r'^{1/(1+α)}. (i) k*' < Λ: ‖f̂‖² ~ k*'^{max(0, 1+α−β)}; (ii) k*' ≥ Λ = P (every mode learned):
    ‖f̂‖² ~ P^{1+α−β}, n_eff = P, loss_∞ ~ P^{2+2α−β}/r'², relative ~ P^{β−2α} z²/N."""
    a_ = 1 + alpha
    eps_ = 1 + 1 / Ld
    g = sp.Max(0, (1 + alpha - beta) / a_)  # ‖f̂‖² ~ r'^g
    ez = sp.Symbol("e_z")  # z ~ P^{e_z} (r ∝ P)
    sol = sp.solve(sp.Eq(eps_ * ez, g * (1 + ez)), ez)  # z^ε = (r z)^g
    assert len(sol) == 1
    ez_i = sp.simplify(sol[0])
    ek = (1 + ez_i) / a_  # k*' ~ P^{ek}
    e_i = sp.simplify(ez_i + ek * (beta - alpha))
    ez_ii = (1 + alpha - beta) / eps_
    e_ii = sp.simplify(beta - 2 * alpha + 2 * ez_ii)
    # the regimes meet where k*' = Λ (ek = 1), and there the two exponents agree
    at = {alpha: 1, beta: sp.Rational(1, 2), Ld: 2}
    assert sp.simplify(ek.subs(at) - 1) == 0 and sp.simplify(e_i.subs(at) - e_ii.subs(at)) == 0
    e_mf = sp.Piecewise((e_ii, ek > 1), (e_i, True))
    checks = {
        (sp.Rational(1, 5), sp.Rational(3, 10), 1): sp.Rational(4, 5),
        (sp.Rational(1, 5), sp.Rational(3, 10), 2): sp.Rational(11, 10),
        (sp.Rational(1, 2), sp.Rational(4, 5), 1): sp.Rational(13, 23),
        (sp.Integer(1), sp.Rational(1, 2), 1): sp.Rational(1, 5),
        (sp.Integer(1), sp.Integer(2), 1): sp.Rational(1, 2),
    }
    for (al, be, LL), want in checks.items():
        assert sp.simplify(e_mf.subs({alpha: al, beta: be, Ld: LL}) - want) == 0, (al, be, LL)
    return dict(mf_z_exponent=ez_i, mf_k_exponent=ek, mf_e_free=e_i, mf_e_cutoff=e_ii, e_mean_field=e_mf)


# ---------------------------------------------------------------------------------------------


def derive():
    """Every section in order, as one dict of named sympy objects."""
    d = {}
    d.update(laplace())
    d.update(prior())
    d.update(logistic())
    d.update(pt1_standard(d))
    d.update(field_action(d))
    d.update(exponents())
    d.update(mean_field_exponents())
    return d


def generated_functions(d):
    """(name, argument symbols, sympy expressions, docstring) of every function in rgflow/_network_equations.py."""
    return [
        (
            "logistic_derivatives",
            (Lg,),
            tuple(d["logistic_polys"]),
            "dʲL/dtʲ / (L(1 − L)), j = 1..5, of the logistic L(t) = x e^t/(1 + x e^t), as polynomials in L.",
        ),
        (
            "shell_derivatives",
            (Lg, nury2),
            tuple(d["shell_derivs"]),
            "∂ⁿ_t D_q, n = 1..5, of D_q = −½[ln(1 + x e^t) + c/(1 + x e^t)] (c = ν r y_q²) at learnability L_q.",
        ),
        (
            "laplace_correction",
            (h1, h2, A, psi1, phi3, N),
            (d["laplace_corr"],),
            "O(1/N) term of ⟨h⟩ under the weight e^{Nφ+ψ} at the saddle t̂: h₁, h₂ derivatives of h, A = −φ''.",
        ),
        ("laplace_variance", (h1, A, N), (d["laplace_var"],), "Var_t h to O(1/N) under the weight e^{Nφ+ψ}: h₁²/(NA)."),
        (
            "prior_psi",
            (t, Ld),
            (d["psi_p"],),
            "ψ_p(t): the O(1) part of ln f_L(t) (t = ln Π_l q_l, q_l ~ χ²_N/N) beyond Nφ(t), up to a constant.",
        ),
        (
            "pt1_standard_relative",
            (Gk, mk, r, Sb, SG, Ld, N),
            (d["pt1_rel_mean"], d["pt1_rel_var"]),
            "Standard parameterization, first order in 1/N: (δ⟨Δ_k⟩/⟨Δ_k⟩, δVar Δ_k/Var Δ_k) with G_k, m_k the "
            "GP moments, S_b = Σ_q λ_q m_q², S_G = Σ_q G_q.",
        ),
        (
            "quartic_relative",
            (Gk, r, Sb, SG, Ld, N),
            (d["quartic_rel_mean"],),
            "δ⟨Δ_k⟩/⟨Δ_k⟩ of section 1's quartic at first order on the mapped model (target √(rλ_k) y_k, "
            "U = L P/(N κ²)).",
        ),
        (
            "mapped_U",
            (sp.Symbol("P", positive=True), sp.Symbol("kappa", positive=True), Ld, N),
            (d["U_map"],),
            "The quartic coupling U whose bias (tree) term equals the network's at first order in 1/N.",
        ),
        (
            "exponent_fixed_width",
            (alpha, beta),
            (d["e_fixed_N"],),
            "Exponent e of loss_N/loss_∞ − 1 ∝ P^e/N, standard parameterization at fixed width (α, β > 0).",
        ),
        (
            "exponent_fixed_ratio",
            (alpha, beta),
            (d["e_fixed_ratio"],),
            "Exponent of loss_N/loss_∞ − 1 in P at fixed N/P (standard), and of loss(U)/loss(0) − 1 at fixed U.",
        ),
        (
            "exponent_mean_field",
            (alpha, beta, Ld),
            (d["e_mean_field"],),
            "Exponent e of loss_N/loss_∞ − 1 ∝ P^e/N, mean-field parameterization at fixed width (loss_∞: its own "
            "N → ∞ limit), Λ = P.",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# code generation


def _function(name, args, exprs, doc):
    """Python source of a numpy-vectorized function returning ``exprs`` after CSE."""
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_x"), optimizations="basic")
    lines = [f"def {name}({', '.join(_pyname(a) for a in args)}):", f'    """{doc}"""']
    rename = {a: sp.Symbol(_pyname(a)) for a in args}
    for sym, sub in replacements:
        lines.append(f"    {sym} = {printer.doprint(sub.subs(rename))}")
    outs = [printer.doprint(sp.sympify(e).subs(rename)) for e in reduced]
    if len(outs) > 1 and any(not sp.sympify(e).free_symbols for e in reduced):
        # constants broadcast to the shape of the first argument
        first = _pyname(args[0])
        outs = [
            o if sp.sympify(e).free_symbols else f"numpy.full_like(numpy.asarray({first}, dtype=float), {o})"
            for o, e in zip(outs, reduced)
        ]
    lines.append("    return " + (outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"))
    return "\n".join(lines) + "\n"


def _pyname(sym):
    return {"L_q": "Lq", "S_b": "S_b", "S_G": "S_G"}.get(str(sym), str(sym))


def argument_names(args):
    return [_pyname(a) for a in args]


def versions() -> str:
    """The tools that wrote the generated files (their text, not their meaning, depends on these)."""
    return f"sympy {sp.__version__}, Python {platform.python_version()}"


def generate_module(d) -> str:
    """Source text of rgflow/_network_equations.py."""
    body = "\n\n".join(_function(*f) for f in generated_functions(d))
    header = (
        '"""Formulas of the finite-width network (GENERATED by derivations/network.py; do not edit).\n\n'
        "Regenerate with ``python derivations/network.py``; tests/test_network_derivation.py re-derives\n"
        "every function and compares it with this file at random points. The derivation is rendered in\n"
        "derivations/NETWORK_EQUATIONS.md.\n"
        f"Generated with {versions()}.\n"
        '"""\n\n\n'
    )
    imports = "".join(f"import {m}\n" for m in ("functools", "numpy") if f"{m}." in body)
    text = header + (imports + "\n\n" if imports else "") + body
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return text + f"\n\nSOURCE_DIGEST = {digest!r}\n"


def render_markdown(d) -> str:
    """Every step of the derivation in LaTeX with prose."""
    L = sp.latex
    eq = "$${}$$".format
    pol = d["logistic_polys"]
    rows = [
        "# The finite-width network, derived (generated by derivations/network.py)",
        "",
        f"Generated by `python derivations/network.py` with {versions()}; do not edit. The network and",
        "its exact one-scalar mixture: docs/networks.md; the code: rgflow/network.py. Every",
        "equation below is a sympy object of derivations/network.py (the section names its function) and",
        "every claim in the prose is asserted there.",
        "",
        "Notation: t = ln z, z = Q/g = Π_{l=1..L} q_l, q_l ~ χ²_N/N; x_k = rλ_k (r = P/κ); the posterior",
        "weight of t is e^{Nφ(t)+ψ(t)}. GP moments m_k = y_k/(1 + x_k), G_k = λ_k/(1 + x_k), learnability",
        "L_k = x_k/(1 + x_k) = r G_k; sums S_b = Σ_q λ_q m_q², S_G = Σ_q G_q.",
        "",
        "## 1. Laplace expansion to O(1/N) (`laplace`)",
        "Around the saddle t̂ (φ'(t̂) = 0, A = −φ''(t̂), φ_j, ψ_j, h_j the j-th t-derivatives at t̂) put",
        "t = t̂ + ε s/√A, ε = N^{−1/2}. Then, up to constants, Nφ + ψ = −s²/2 + X with",
        eq("X = " + L(d["laplace_expo"])),
        "Expanding e^X·h(t) in ε and averaging over s ~ N(0, 1) in numerator and denominator:",
        eq(r"\langle h\rangle = " + L(d["laplace_mean"]) + r",\qquad \mathrm{Var}_t\,h = " + L(d["laplace_var"])),
        "to O(1/N); φ₄, ψ₂ and h₃ cancel at this order. (`laplace_correction`, `laplace_variance`)",
        "",
        "## 2. The prior of t (`prior`)",
        "For q ~ Gamma(a, rate a) (a = N/2), E[e^{st}] = e^{K(s)}, K(s) = L[ln Γ(a+s) − ln Γ(a) − s ln a].",
        "The saddle point of the Mellin inversion, K'(c) = t, solved in powers of 1/a with Stirling's series,",
        eq(r"a + c = " + L(d["prior_saddle_x"]).replace("a", "a") + r" + O(1/a),"),
        "gives ln f_L(t) = K(c) − ct − ½ ln(2πK''(c)) = Nφ(t) + ψ_p(t) + const + O(1/N) with",
        eq(r"\varphi(t) = " + L(d["phi"]) + r",\qquad \psi_p(t) = " + L(d["psi_p"]) + "."),
        "(The L-fold convolution's Laplace method gives the same: the factors share t equally, u_l = t/L, and",
        "the L − 1 transverse Gaussian directions each bring (a e^{t/L})^{−1/2}.) The same series give the",
        "cumulants of t used in section 5:",
        eq(
            r"\langle t\rangle = "
            + L(d["t_mean"])
            + r" + O(N^{-2}),\qquad \mathrm{Var}\,t = "
            + L(d["t_var"])
            + r" + O(N^{-2})."
        ),
        "tests/test_network_derivation.py checks ψ_p against the exact L = 2 density",
        "f(z) = 2a^{2a} z^{a−1} K₀(2a√z)/Γ(a)² (t = ln z) and against rgflow.network.log_prior. (`prior_psi`)",
        "",
        "## 3. Logistic derivatives and the shell derivatives of the RG (`logistic`)",
        "L(t) = x e^t/(1 + x e^t) has dL/dt = L(1 − L), so d/dt = L(1 − L) d/dL on polynomials in L:",
        eq(r"\frac{1}{L(1-L)}\frac{d^jL}{dt^j}:\quad " + r",\quad ".join(L(p) for p in pol) + r"\qquad (j = 1..5)"),
        "and ∂ⁿ ln(1 + xe^t) = d^{n−1}L/dt^{n−1}, ∂ⁿ (1 + xe^t)^{−1} = −dⁿL/dtⁿ (each checked against sympy's own",
        "t-derivative). The network's RG integrates a shell mode q into the weight of t through",
        eq(r"D_q(t) = " + L(d["D_q"]) + r",\qquad c = \nu r y_q^2\ (\nu = 1\ \text{standard},\ N\ \text{mean-field}),"),
        "whose derivatives at the background (L = L_q there) are",
        *[eq(rf"\partial_t^{n} D_q = {L(e)}") for n, e in enumerate(d["shell_derivs"], start=1)],
        "These are `shell_derivatives`; rgflow.network sums them over the shell into the running couplings",
        "g_n = Σ_{q>k} ∂ⁿD_q (`running_couplings`).",
        "",
        "## 4. pt1 of the standard parameterization in closed form (`pt1_standard`)",
        "Standard: φ = ½(t − Le^{t/L} + L), so t̂ = 0, "
        + f"$A = {sp.latex(d['A_std'])}$, $\\varphi_3 = {sp.latex(d['phi3_std'])}$; ψ = ψ_p + D(t) with",
        "D'(0) = −½Σ_q[L_q − r y_q² L_q(1 − L_q)] and, mode by mode, L_q = rG_q, r y_q² L_q(1 − L_q) = r²λ_q m_q²:",
        eq(r"\psi_1 = " + L(d["psi1_std"])),
        "With h = 1/(1 + x_k e^t) (h₀ = 1 − L_k, h₁ = −L_k(1 − L_k), h₂ = −L_k(1 − L_k)(1 − 2L_k)) section 1 gives",
        eq(r"\frac{\delta\langle\Delta_k\rangle}{\langle\Delta_k\rangle} = " + L(d["pt1_rel_mean"])),
        "which **confirms the project's first look** (issue 22: this formula, stated before the derivation) exactly. The variance, λ_k⟨e^t/(1 + x_k e^t)⟩ + y_k² Var_t h,",
        eq(r"\frac{\delta\,\mathrm{Var}\,\Delta_k}{\mathrm{Var}\,\Delta_k} = " + L(d["pt1_rel_var"])),
        "(`pt1_standard_relative`). In the network's own words (‖f̂‖² = Σ_q L_q² y_q²/λ_q = r²S_b, the RKHS norm",
        "of the GP's mean predictor; n_eff = Σ_q L_q = rS_G, the number of learned modes):",
        eq(
            r"\frac{\delta\langle\Delta_k\rangle}{\langle\Delta_k\rangle} = "
            + L(d["plain_rel_mean"]).replace("F", r"\|\hat f\|^2")
        ),
        "The readout scale Q rises (every discrepancy shrinks) when the fit's norm exceeds the number of",
        "modes it learned, and falls otherwise.",
        "",
        "## 5. The mixture as an action in Δ, and section 1's quartic (`field_action`)",
        "Given z = e^t the field f_q = y_q − Δ_q has prior N(0, zλ_q); integrating t out of",
        "e^{−rΣΔ²/2} Π_q (2πzλ_q)^{−1/2} e^{−f_q²/(2zλ_q)} leaves e^{−rΣΔ²/2 + W(B)} with one all-to-all sum",
        "B = Σ_q f_q²/λ_q and W(B) = ln⟨e^{−Λt/2 − Be^{−t}/2}⟩_t. To O(1/N) only ⟨t⟩ and Var t enter:",
        eq(r"W = " + L(d["W"])),
        "so, constants dropped, the action of the field is S_GP (which holds B/2) plus",
        eq(r"V = " + L(sp.expand(d["S_int"] - Bt / 2)) + r",\qquad \tilde B = B - \Lambda,"),
        "a **negative** quartic in f (weights 1/λ_q) plus a shift of the kernel scale. Its first-order effect,",
        "δ⟨f_k⟩ = −Cov(f_k, V) with Wick's theorem (⟨f_k⟩ = rλ_k m_k, ⟨B̃⟩ = r²S_b − rS_G), reproduces section 4",
        "exactly (asserted). **Comparison with section 1.** The repository's pt1 of (u/4)(Σ_kΔ_k²)²",
        "(derivations/derive.py) is",
        eq(r"\langle\Delta_k\rangle = " + L(d["quartic_pt1_mean"]) + r",\qquad A_0 = \sum_q (G_q + M_q^2)."),
        "On the mapped model, target y'_k = √(rλ_k)·y_k (so M'_k² = rλ_k m_k², G'_k = G_k) and",
        eq(r"U = " + L(d["U_map"]) + r"\quad\Longleftrightarrow\quad u = UP = " + L(d["u_map"]) + ","),
        eq(
            r"\frac{\delta\langle\Delta_k\rangle}{\langle\Delta_k\rangle}\Big|_\text{quartic} = "
            + L(d["quartic_rel_mean"])
            + r",\qquad \Big|_\text{network} = "
            + L(d["pt1_rel_mean"])
            + "."
        ),
        "Term by term (coefficients of −(Lr²/N)G_k):",
        "",
        "| term | network | quartic | |",
        "|---|---|---|---|",
        f"| Hartree, mean legs: r S_b = Σ_q ⟨f_q⟩²/(rλ_q) | ${L(d['net_terms'][0])}$ | ${L(d['quart_terms'][0])}$ | agree |",
        f"| Hartree, fluctuation legs: S_G | ${L(d['net_terms'][1])}$ | ${L(d['quart_terms'][1])}$ | opposite sign |",
        f"| exchange (mode k with itself) and kernel-scale shift | ${L(d['net_terms'][2])}$ | "
        f"${L(d['quart_terms'][2])}$ | opposite sign |",
        "",
        "So the first look is confirmed: with U = LP/(Nκ²) and the target √(rλ_k) y_k, section 1's",
        "U > 0 matches the network at tree level (the mean legs) only; both variance loops flip sign. The",
        "network's fluctuation loop is negative because it measures the posterior variance *below* the",
        "prior's (Σ_q [G_q/λ_q − 1] = −rS_G, the −Λ of the normalization z^{−Λ/2}).",
        "",
        "## 6. Exponents in P of the relative correction to the loss (`exponents`)",
        "Continuum, power law λ = k^{−(1+α)}, y² = k^{−(1+β)}, α, β > 0, Λ → ∞, fixed κ. With k* = r^{1/(1+α)}",
        "and v = k/k*, x_k = v^{−(1+α)}; each sum is k*^e times a convergent integral, or dominated by the",
        "first modes when its integrand diverges at v → 0. The k*-exponents:",
        eq(r",\quad ".join(rf"\text{{{n.replace('_', ' ')}}}: {L(e)}" for n, e in d["sum_exponents"].items())),
        "(n_eff = ΣL, fnorm = ‖f̂‖² = r²S_b, var = ΣG, var1 = ΣG(1 − L), bias = Σm², biasL = Σm²L, biasG = Σm²G,",
        "varG = ΣG².) Section 4 gives the loss per mode, δ(⟨Δ_k⟩² + Var Δ_k) = 2m_k²·δ⟨Δ_k⟩/⟨Δ_k⟩ + G_k·δVar/Var:",
        eq(r"\delta\,\text{loss}_k = " + L(d["dloss_mode"]).replace("F", r"\|\hat f\|^2") + r"\qquad (L_k = rG_k),"),
        "summed over k, whose",
        "growing part is (L/N)(‖f̂‖² − n_eff)[ΣG(1 − L) − 2Σm²L]; the bracket scales like the GP loss. Hence",
        eq(
            r"\frac{\text{loss}_N}{\text{loss}_\infty} - 1 \propto \frac{P^{e}}{N},\qquad e = "
            + L(d["e_fixed_N"])
            + r"\quad\text{(standard, fixed } N),"
        ),
        eq(
            r"\frac{\text{loss}_N}{\text{loss}_\infty} - 1 \propto P^{"
            + L(d["e_fixed_ratio"])
            + r"}\quad\text{(standard, fixed } N/P),\qquad "
            r"\frac{\text{loss}(U)}{\text{loss}(0)} - 1 \propto P^{"
            + L(d["e_quartic"])
            + r"}\quad\text{(quartic, fixed } U)."
        ),
        "For the quartic, δloss = −uA_0[2Σm²G + ΣG²] + …, where the bracket is ~ loss/r, so the relative",
        "correction is ~ UκA_0 ∝ k*^{−min(α,β)}. At the paper's α = 0.2, β = 0.3 this is −1/6 ≈ −0.167, the",
        "outside measurement's −0.16 … −0.17; at fixed N/P the network has the same exponent (U = LP/(Nκ²) is",
        "then fixed too). (`exponent_fixed_width`, `exponent_fixed_ratio`)",
        "",
        "## 7. The mean-field parameterization (`mean_field_exponents`)",
        "Its N → ∞ limit is the GP at the saddle t̂, where e^{t̂/L} = 1 + e^{−t̂}‖f̂‖²(r z) (z = e^{t̂}): at large",
        "‖f̂‖² the readout scale follows z^{1+1/L} = ‖f̂‖², and the effective mass r' = rz grows faster than P.",
        "Relative to loss_∞ ~ k*'^{−β} (k*' = r'^{1/(1+α)}) the first-order terms (the variance n_eff/(rN) and",
        "the bias terms h₁ψ₁/A with ψ₁ ≈ −n_eff/2, A ≈ ‖f̂‖²/z) all scale as z k*'^{β−α}/N. With z ~ P^{e_z},",
        eq(r"e_z = " + L(d["mf_z_exponent"]) + r",\qquad k^{*\prime} \sim P^{" + L(d["mf_k_exponent"]) + "}"),
        "while k*' < Λ = P, and once k*' reaches Λ = P (every mode learned: ‖f̂‖² ~ P^{1+α−β}, n_eff = P),",
        eq(r"\frac{\text{loss}_N}{\text{loss}_\infty} - 1 \propto \frac{P^{e}}{N},\qquad e = " + L(d["e_mean_field"])),
        "(the two branches agree where k*' = Λ). This power counting is checked against the derived first-order",
        "formula far out in P by tests/test_exponents.py and bench/finite_width_exponents.py. (`exponent_mean_field`)",
        "",
    ]
    return "\n".join(rows)


def main(argv=None, *, check=False, d=None) -> int:
    """Write (or, with check=True, compare) the generated module and the rendered equations."""
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

"""Sympy check of the two-variable scaling theory in rgflow/surface.py (issue 9, part 1).

Run ``python derivations/surface_scaling.py``; every step asserts, and it prints a short summary.

1. L = P^{c/a} W(Λ/P^{b/a}) solves (c − a P∂_P − b Λ∂_Λ) L = 0 for any W.
2. Continuum GP sums with r = P/κ, A = 1 + α: substituting k = r^{1/A} x turns
   bias integrand  k^-(1+β)/(1 + r k^-A)² dk  into  r^{-β/A} x^{2A-1-β}/(1+x^A)² dx  and
   variance integrand  k^-A/(1 + r k^-A) dk   into  r^{-α/A} 1/(1+x^A) dx,
   with upper limit z = Λ/r^{1/A} = κ^{1/A} Λ/P^{1/A}: so b/a = 1/A and c/a = −β/A, −α/A.
3. Limits: z → 0 (model-size-limited) W_b ≈ z^{2A-β}/(2A-β), W_v ≈ z; z → ∞ the tails
   ∫_z^∞ ≈ z^-β/β (bias) and z^-α/α (variance).
"""

import sympy as sp

P, Lam, a, b, c, k, x, r, kappa, z = sp.symbols("P Lambda a b c k x r kappa z", positive=True)
alpha, beta = sp.symbols("alpha beta", positive=True)
A = 1 + alpha
W = sp.Function("W")

# 1. the PDE
L = P ** (c / a) * W(Lam / P ** (b / a))
pde = sp.simplify(c * L - a * P * sp.diff(L, P) - b * Lam * sp.diff(L, Lam))
assert pde == 0, pde

# 2. the substitution k = r^{1/A} x
kx = r ** (1 / A) * x
bias = (k ** -(1 + beta) / (1 + r * k**-A) ** 2).subs(k, kx) * sp.diff(kx, x)
var = (k**-A / (1 + r * k**-A)).subs(k, kx) * sp.diff(kx, x)
wb = x ** (2 * A - 1 - beta) / (1 + x**A) ** 2
wv = 1 / (1 + x**A)


def same(e1, e2):
    # compare the logarithms (expanded powers): robust for symbolic positive exponents
    d = sp.expand_log(sp.log(e1), force=True) - sp.expand_log(sp.log(e2), force=True)
    return sp.simplify(sp.expand_log(sp.simplify(d), force=True)) == 0


assert same(bias, r ** (-beta / A) * wb), sp.simplify(bias / (r ** (-beta / A) * wb))
assert same(var, r ** (-alpha / A) * wv), sp.simplify(var / (r ** (-alpha / A) * wv))
upper = Lam / r ** (1 / A)
assert sp.simplify(upper.subs(r, P / kappa) - kappa ** (1 / A) * Lam / P ** (1 / A)) == 0
# so in P: bias = κ^{β/A} P^{-β/A} W_b(κ^{1/A} Λ/P^{1/A})  ->  c/a = -β/A, b/a = 1/A
assert sp.simplify((r ** (-beta / A)).subs(r, P / kappa) - kappa ** (beta / A) * P ** (-beta / A)) == 0

# 3. limits, at sample exponents (series in symbolic exponents are not reliable in sympy)
for al, be in ((sp.Rational(1, 5), sp.Rational(3, 10)), (sp.Integer(1), sp.Rational(3, 2))):
    Aa = 1 + al
    wbn, wvn = wb.subs({alpha: al, beta: be}), wv.subs({alpha: al, beta: be})
    t = sp.symbols("t", positive=True)
    # small z: the integrand's leading power, integrated from 0
    lead_b = sp.limit(wbn / x ** (2 * Aa - 1 - be), x, 0)
    lead_v = sp.limit(wvn, x, 0)
    assert lead_b == 1 and lead_v == 1
    # large z: integrand ~ x^-(1+β) (bias) and x^-A (variance); the tails integrate to z^-β/β, z^-α/α
    assert sp.limit(wbn * x ** (1 + be), x, sp.oo) == 1
    assert sp.limit(wvn * x**Aa, x, sp.oo) == 1
    assert sp.simplify(sp.integrate(x ** -(1 + be), (x, z, sp.oo)) - z**-be / be) == 0
    assert sp.simplify(sp.integrate(x**-Aa, (x, z, sp.oo)) - z**-al / al) == 0

print("PDE solved by P^(c/a) W(Lambda/P^(b/a)): ok")
print("bias     = r^(-beta/A) * Int_0^z x^(2A-1-beta)/(1+x^A)^2 dx,  z = kappa^(1/A) Lambda / P^(1/A): ok")
print("variance = r^(-alpha/A) * Int_0^z 1/(1+x^A) dx: ok")
print("=> b/a = 1/(1+alpha); c/a = -beta/(1+alpha) (bias), -alpha/(1+alpha) (variance)")
print("limits: z->0 W_b ~ z^(2A-beta)/(2A-beta), W_v ~ z; z->inf tails z^-beta/beta, z^-alpha/alpha: ok")

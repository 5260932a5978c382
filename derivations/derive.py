"""Symbolic derivation of rgflow's one-loop RG (THEORY §3), with sympy.

Run ``rgflow derive`` (or ``python derivations/derive.py``) to regenerate

* ``rgflow/_equations.py``   the compiled numerical right-hand sides (generated, do not edit), and
* ``derivations/EQUATIONS.md``  every generated equation in LaTeX.

Outline
-------
1. A Gaussian mode Δ ~ N(m, G) has X = Δ² with cumulants κ_n (from the generating function
   ⟨e^{tΔ²}⟩ = exp(t m²/(1−2tG))/√(1−2tG)).
2. Split A = Σ_k Δ_k² = A_< + X (kept + shell). The vertex (u/4)A² leaves, after the shell
   integral against its Gaussian part,  −ln⟨exp(−V)⟩, V = (u/2)A_< X + (u/4)X².  The cumulant
   expansion to second order in u is a polynomial of degree 2 in A_<: its A_< coefficient
   renormalizes r/2 and its A_<² coefficient renormalizes u/4 (source and kinetic term untouched).
3. Shell of n discrete modes: X has the summed cumulants K_n = Σ_shell κ_n  -> one-step update.
4. Continuum: a shell (k_c − dk, k_c] with dk = k_c dτ has K_n = κ_n(k_c) k_c dτ; keep O(dτ).
5. Rescaled view: r̂ = r λ(k_c), Û = u λ(k_c)², s = ℓ^γ_s with γ_s from power counting of
   the source under k → ℓk, Δ → ℓ^((2+α)/2) Δ'.
6. Predictors: first-order perturbation theory (pt1) by differentiating ln Z in the source, and
   the one-mode self-energy used by the RG-improved reading.
"""
from __future__ import annotations

import hashlib
import pathlib
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
eps = sp.Symbol("epsilon", positive=True)
rhat, Uhat, s, rho = sp.symbols("rhat Uhat s rho", positive=True)


def gaussian_square_cumulants(order=4):
    """κ_n of X = Δ², Δ ~ N(m, G), from ln⟨e^{tX}⟩ = t m²/(1−2tG) − ½ ln(1−2tG)."""
    cgf = t * m**2 / (1 - 2 * t * G) - sp.log(1 - 2 * t * G) / 2
    series = sp.series(cgf, t, 0, order + 1).removeO()
    return [sp.factor(sp.expand(series.coeff(t, n) * sp.factorial(n))) for n in range(1, order + 1)]


def moments_from_cumulants(cumulants):
    """Raw moments ⟨X^n⟩ from cumulants (K1, K2, ...), via the exponential generating function."""
    order = len(cumulants)
    mgf = sp.exp(sum(c * t**n / sp.factorial(n) for n, c in enumerate(cumulants, start=1)))
    series = sp.series(mgf, t, 0, order + 1).removeO()
    return [sp.expand(series.coeff(t, n) * sp.factorial(n)) for n in range(1, order + 1)]


def shell_effective_action():
    """−ln⟨e^{−V}⟩ to O(u²) as a polynomial in A_<, for a shell with cumulants K1..K4."""
    X1, X2, X3, X4 = moments_from_cumulants([K1, K2, K3, K4])
    # V = (u/2) A X + (u/4) X²;  ⟨V⟩ and ⟨V²⟩ from the moments of X
    V1 = u / 2 * A * X1 + u / 4 * X2
    V2 = (u / 2) ** 2 * A**2 * X2 + 2 * (u / 2) * (u / 4) * A * X3 + (u / 4) ** 2 * X4
    return sp.expand(V1 - (V2 - V1**2) / 2)


def project(seff):
    """(δr, δu, δF): A_< coefficient = δr/2, A_<² coefficient = δu/4, constant = free energy."""
    poly = sp.Poly(seff, A)
    assert poly.degree() == 2, "the second-order shell action must be quadratic in A_<"
    c = poly.all_coeffs()[::-1]
    return sp.factor(2 * c[1]), sp.factor(4 * c[2]), sp.factor(c[0])


def derive():
    """Everything the package needs, as a dict of named sympy objects."""
    kap = gaussian_square_cumulants(3)
    seff = shell_effective_action()
    dr, du, dF = project(seff)

    # continuum: shell sums K_n = κ_n(k_c) ε with ε = k_c dτ, keep O(ε)
    kc = sp.Symbol("k_c", positive=True)
    dr_c = sp.expand(sp.series(dr.subs({K1: K1 * eps, K2: K2 * eps, K3: K3 * eps}), eps, 0, 2).removeO().coeff(eps))
    du_c = sp.expand(sp.series(du.subs({K1: K1 * eps, K2: K2 * eps, K3: K3 * eps}), eps, 0, 2).removeO().coeff(eps))
    # at the cutoff: λ = k_c^-(1+α), y² = k_c^-(1+β), Gaussian mean/variance with mass r
    lam_c = kc ** (-(1 + alpha))
    y_c = kc ** (-(1 + beta) / 2)
    mode = {m: y_c / (1 + r * lam_c), G: lam_c / (1 + r * lam_c)}
    kap_c = {K1: kap[0].subs(mode), K2: kap[1].subs(mode), K3: kap[2].subs(mode)}
    drdtau = sp.simplify(kc * dr_c.subs(kap_c))
    dudtau = sp.simplify(kc * du_c.subs(kap_c))

    # power counting: k = k'/ℓ, Δ = ℓ^((2+α)/2) Δ', dk = dk'/ℓ; ℓ-exponent of each term's coefficient
    kp = sp.Symbol("kprime", positive=True)
    zeta = ell ** ((2 + alpha) / 2)
    jac = 1 / ell

    def ell_power(expr):
        e = sp.powsimp(sp.expand_power_base(expr, force=True), force=True)
        return sp.simplify(sp.log(e).expand(force=True).coeff(sp.log(ell)))

    kinetic = jac * (kp / ell) ** (1 + alpha) * zeta**2         # ∫ Δ²/(2λ)
    mass = jac * zeta**2                                          # r ∫ Δ²/2
    quartic = (jac * zeta**2) ** 2                                # u (∫ Δ²)²/4
    source = jac * (kp / ell) ** (1 + alpha) * (kp / ell) ** (-(1 + beta) / 2) * zeta  # ∫ yΔ/λ
    gamma_kin = ell_power(kinetic)
    gamma_r = ell_power(mass)
    gamma_U = ell_power(quartic)
    gamma_s = ell_power(source)
    assert gamma_kin == 0

    # rescaled view: r̂ = r λ_c, Û = u λ_c², s = ℓ^γ_s, with k_c = Λρ, ρ = e^-τ, ℓ = e^τ.
    # Written through w = y_c²/λ_c = s² Λ^(1+α−β) / k_c, which is where s enters the loops.
    Lc = sp.Symbol("lambda_c", positive=True)
    lam_tau = (Lam * sp.exp(-tau)) ** (-(1 + alpha))
    tree = sp.simplify(sp.diff(lam_tau, tau) / lam_tau)       # d ln λ_c / dτ = 1 + α
    w = s**2 * Lam ** (1 + alpha - beta) / (Lam * rho)
    cut = {m: sp.sqrt(Lc * w) / (1 + rhat), G: Lc / (1 + rhat)}
    kap_hat = {K1: kap[0].subs(cut), K2: kap[1].subs(cut), K3: kap[2].subs(cut)}
    loops = {r: rhat / Lc, u: Uhat / Lc**2, kc: Lam * rho}
    drhat = tree * rhat + sp.expand(Lc * (kc * dr_c).subs(kap_hat).subs(loops))
    dUhat = 2 * tree * Uhat + sp.expand(Lc**2 * (kc * du_c).subs(kap_hat).subs(loops))
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

    drhat_s = grouped(drhat)
    dUhat_s = grouped(dUhat)

    # first-order perturbation theory: mode with precision a and source b, rest of A with cumulants R1, R2
    a, b, R1, R2 = sp.symbols("a b R1 R2", positive=True)
    M0, G0 = b / a, 1 / a
    x1, x2 = [sp.simplify(c.subs({m: M0, G: G0})) for c in gaussian_square_cumulants(2)]
    mean_sq_total = (x1 + R1) ** 2 + x2 + R2  # ⟨(Δ² + X_rest)²⟩₀ for independent parts
    lnZ1 = -u / 4 * mean_sq_total            # first-order part of ln Z (ln Z₀ gives b/a, 1/a)
    Atot = sp.Symbol("A_0", positive=True)   # total ⟨A⟩₀ = x1 + R1
    Mk, Gk = sp.symbols("M G", positive=True)
    to_MG = {a: 1 / Gk, b: Mk / Gk}
    pt1_mean = sp.factor(sp.expand((M0 + sp.diff(lnZ1, b)).subs(R1, Atot - x1).subs(to_MG)))
    pt1_var = sp.factor(sp.expand((G0 + sp.diff(lnZ1, b, 2)).subs(R1, Atot - x1).subs(to_MG)))

    # one-mode theory left after every other mode is integrated out: (a, b) with quartic ũ and no
    # rest (R = 0).  Read with the full running mass (which already holds the mode's own Hartree
    # shift ũ⟨Δ²⟩): a = a_end − ũ (1/a_end + b²/a_end²), expanded to O(ũ).
    aend = sp.Symbol("a_end", positive=True)
    single = {R1: 0, R2: 0}
    shift = {a: aend - u * (1 / aend + b**2 / aend**2)}
    one_mean = sp.series((M0 + sp.diff(lnZ1, b)).subs(single).subs(shift), u, 0, 2).removeO()
    one_var = sp.series((G0 + sp.diff(lnZ1, b, 2)).subs(single).subs(shift), u, 0, 2).removeO()
    end_MG = {aend: 1 / Gk, b: Mk / Gk}
    rg_mean = sp.factor(sp.expand(one_mean.subs(end_MG)))
    rg_var = sp.factor(sp.expand(one_var.subs(end_MG)))

    return dict(
        kappa=kap, seff=seff, dr=dr, du=du, dF=dF, dr_c=dr_c, du_c=du_c, kc=kc,
        drdtau=drdtau, dudtau=dudtau,
        gamma_r=gamma_r, gamma_U=gamma_U, gamma_s=gamma_s,
        drhat=drhat, drhat_s=drhat_s, dUhat=dUhat_s, ds=ds,
        pt1_mean=pt1_mean, pt1_var=pt1_var, rg_mean=rg_mean, rg_var=rg_var,
        Atot=Atot, Mk=Mk, Gk=Gk,
    )


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


def generate_module(d) -> str:
    """Source text of rgflow/_equations.py."""
    kc = d["kc"]
    fns = [
        _function("square_cumulants", (m, G), d["kappa"],
                  "κ1, κ2, κ3 of Δ² for one Gaussian mode Δ ~ N(m, G)."),
        _function("shell_update", (u, K1, K2, K3), (d["dr"], d["du"]),
                  "One-step update (δr, δu) for a shell whose Δ² cumulant sums are K1, K2, K3."),
        _function("continuum_shell", (u, K1, K2, K3), (d["dr_c"], d["du_c"]),
                  "Thin-shell rates (dr/dn, du/dn) per mode integrated out, from that mode's Δ² cumulants "
                  "(products of shell sums drop): dr/dτ = k_c ρ(k_c) dr/dn for mode density ρ."),
        _function("continuum_rhs", (r, u, kc, alpha, beta), (d["drdtau"], d["dudtau"]),
                  "(dr/dτ, du/dτ) at cutoff k_c = Λ e^-τ, mode density 1."),
        _function("rescaled_rhs", (rho, s, rhat, Uhat, alpha, beta, Lam), (d["ds"], d["drhat_s"], d["dUhat"]),
                  "(ds/dτ, dr̂/dτ, dÛ/dτ) with r̂ = r λ(k_c), Û = u λ(k_c)², s = ℓ^γ_s and mode density ρ = e^-τ."),
        _function("pt1_moments", (d["Mk"], d["Gk"], d["Atot"], u), (d["pt1_mean"], d["pt1_var"]),
                  "First order in u: mean and variance of a mode with GP moments (M, G), A_0 = Σ_q ⟨Δ_q²⟩_0."),
        _function("one_mode_moments", (d["Mk"], d["Gk"], u), (d["rg_mean"], d["rg_var"]),
                  "Mode k alone with quartic u, read with the full running mass (own Hartree shift included)."),
    ]
    header = (
        '"""Compiled right-hand sides of the one-loop RG (GENERATED by derivations/derive.py; do not edit).\n\n'
        "Regenerate with ``rgflow derive``; tests/test_derivation.py fails when this file is out of date.\n"
        '"""\n'
        "\n{imports}\n"
        f"def gamma_r(alpha):\n    \"\"\"Tree-level scaling dimension of r.\"\"\"\n    return {sp.pycode(d['gamma_r'])}\n\n\n"
        f"def gamma_U(alpha):\n    \"\"\"Tree-level scaling dimension of U.\"\"\"\n    return {sp.pycode(d['gamma_U'])}\n\n\n"
        f"def gamma_s(alpha, beta):\n    \"\"\"Tree-level scaling dimension of the source s.\"\"\"\n    return {sp.pycode(d['gamma_s'])}\n\n\n"
    )
    body = "\n\n".join(fns)
    text = header.replace("{imports}", "import numpy\n\n\n" if "numpy." in body else "") + body
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return text + f"\n\nSOURCE_DIGEST = {digest!r}\n"


def render_markdown(d) -> str:
    """LaTeX of every generated equation, for a reader to check."""
    L = sp.latex
    k1, k2, k3 = d["kappa"]
    rows = [
        "# Generated equations (derivations/derive.py)",
        "",
        "Generated by `rgflow derive`; do not edit. Conventions: THEORY §1, couplings r = P/κ, u = U·P.",
        "",
        "## 1. Cumulants of Δ² for a Gaussian mode Δ ~ N(m, G)",
        f"$$\\kappa_1 = {L(k1)},\\qquad \\kappa_2 = {L(k2)},\\qquad \\kappa_3 = {L(k3)}$$",
        "",
        "## 2. Shell integral to second order in u, as a polynomial in A_< = Σ_kept Δ_k²",
        "K_n are the cumulant sums over the shell modes.",
        f"$$-\\ln\\langle e^{{-V}}\\rangle = {L(d['seff'])}$$",
        "Only powers A_<⁰, A_<¹, A_<² occur: the vertex renormalizes r and u only (source and kinetic term untouched).",
        "",
        "## 3. Discrete scheme: one step for a shell of n modes",
        f"$$\\delta r = {L(d['dr'])}$$",
        f"$$\\delta u = {L(d['du'])}$$",
        f"$$\\delta F = {L(d['dF'])}$$",
        "",
        "## 4. Continuum scheme, cutoff k_c = Λ e^{-τ} (K_n → κ_n(k_c) k_c dτ; products of shell sums drop)",
        f"$$\\frac{{dr}}{{d\\tau}} = k_c\\left[{L(d['dr_c'])}\\right]_{{K_n=\\kappa_n(k_c)}},\\qquad "
        f"\\frac{{du}}{{d\\tau}} = k_c\\left[{L(d['du_c'])}\\right]_{{K_n=\\kappa_n(k_c)}}$$",
        "with m = y(k_c)/(1 + rλ(k_c)), G = λ(k_c)/(1 + rλ(k_c)); written out:",
        f"$$\\frac{{dr}}{{d\\tau}} = {L(d['drdtau'])}$$",
        f"$$\\frac{{du}}{{d\\tau}} = {L(d['dudtau'])}$$",
        "",
        "## 5. Power counting and the rescaled view",
        "Rescaling k = k'/ℓ, Δ(k) = ℓ^{(2+α)/2} Δ'(k') leaves the kinetic term invariant; the ℓ-exponents of the other terms are",
        f"$$\\gamma_r = {L(d['gamma_r'])},\\qquad \\gamma_U = {L(d['gamma_U'])},\\qquad \\gamma_s = {L(d['gamma_s'])}$$",
        "so s(ℓ) = ℓ^{γ_s} ≡ 1 exactly when β = 1 + α (confirms THEORY §3's power counting).",
        "With r̂ = r λ(k_c), Û = u λ(k_c)² (λ(k_c) = k_c^{-(1+α)}, k_c = Λe^{-τ}) and ρ(τ) = e^{-τ}:",
        f"$$\\frac{{ds}}{{d\\tau}} = {L(d['ds'])}$$",
        f"$$\\frac{{d\\hat r}}{{d\\tau}} = {L(d['drhat_s'])}$$",
        f"$$\\frac{{d\\hat U}}{{d\\tau}} = {L(d['dUhat'])}$$",
        "The factor Λe^{-τ} = Λρ(τ) is the mode density of the rescaled frame: it multiplies every loop term",
        "built from the fluctuation G (a contraction of two legs at equal momentum, summed over the shell).",
        "The term built from the mean (the target s²) carries no density factor once written through s.",
        "",
        "## 6. Predictors",
        "First order in u (pt1), with GP moments M, G of the mode and A_0 = Σ_q ⟨Δ_q²⟩_0:",
        f"$$\\langle\\Delta_k\\rangle = {L(d['pt1_mean'])},\\qquad \\mathrm{{Var}}\\,\\Delta_k = {L(d['pt1_var'])}$$",
        "The term with A_0 is the Hartree diagram (a sum over modes: density factor); the rest is the",
        "exchange of the mode with itself (no sum, no density factor). This is the origin of the scaling",
        "interval [γ_U − 1, γ_U] of U.",
        "",
        "One-mode reading of the RG-improved predictor `rg`: M, G evaluated with the running mass after",
        "every other mode is integrated out, u the running quartic there:",
        f"$$\\langle\\Delta_k\\rangle = {L(d['rg_mean'])},\\qquad \\mathrm{{Var}}\\,\\Delta_k = {L(d['rg_var'])}$$",
        "",
    ]
    return "\n".join(rows)


def main(argv=None, *, check=False) -> int:
    """Write (or, with check=True, compare) the generated module and the rendered equations."""
    d = derive()
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

"""Finite data as a coupling: derive the input-averaged likelihood, its replica mean field, and check it.

Run ``python derivations/finite_data.py [--no-numerics]``; every symbolic step asserts, the numerical part
prints tables (Gaussian features, then real data).

Setup (docs/theory.md §1, §5). Features ψ_k(x), E_x ψ_k ψ_q = δ_kq, Gaussian (the universality class of
eigenlearning); prior f_k ~ N(0, λ_k); target y(x) = Σ_k y_k ψ_k(x); field Δ_k = y_k − f_k. For P i.i.d.
inputs the likelihood is Π_μ exp(−(Σ_k Δ_k ψ_k(x_μ))²/(2κ)). The posterior mean of f is KRR with ridge κ.

1. One input: z = Σ_k Δ_k ψ_k ~ N(0, A), A = Σ_k Δ_k²:  E_x e^{−z²/(2κ)} = (1 + A/κ)^{−1/2}, so averaging the
   likelihood (annealed) gives (P/2) ln(1 + rA/P), r = P/κ: docs/networks.md's lead, an all-to-all coupling.
   n replicas (quenched, E_X Z^n): z_a jointly N(0, M), M_ab = Σ_k Δ^a_k Δ^b_k, so the coupling is
   (P/2) ln det(I_n + M/κ).
2. Replica-symmetric ansatz M_aa = q_d, M_ab = q₀, conjugates M̂_aa = ρ_d, M̂_ab = ρ₀; to O(n):
   ln det(I + M/κ) = n [ln(1 + χ/κ) + q₀/(κ + χ)], χ = q_d − q₀.
   Mode integral: ρ₀ = −σ² is a Gaussian random field η_k ~ N(0, σ²) on each mode.
3. Saddle point (derived below): r ≡ ρ_d − ρ₀ = P/(κ + χ), σ² = P q₀/(κ + χ)², χ = Σ_k λ_k/(1 + rλ_k),
   q₀ = Σ_k (y_k²/λ_k² + σ²)/(1/λ_k + r)².
4. Identification: K = 1/r solves the renormalized ridge K = κ/P + (K/P) Σ_k λ_k/(λ_k + K); q₀ =
   E_X Σ_k ⟨Δ_k⟩² is the test error of the posterior mean and equals Σ_k (1 − L_k)² y_k² / (1 − γ),
   γ = Σ_k L_k²/P: the 1/(1 − γ) factor IS the replica off-diagonal (random-field) feedback.
5. The annealed average (n = 1 mean field of (P/2) ln(1 + A/κ)) gives instead r = P/(κ + q_d), with the
   posterior mean's squared overlap q_d − χ inside the mass and no 1/(1 − γ): a different, wrong theory
   (shown numerically below).
6. Finite width on top of finite data (linear network of §6, L = 1, standard, Q ~ χ²_N/N): each replica
   carries its own Q_a; with the replica-symmetric saddle Q_a = Q̄ (large N) the mode integrals take
   λ_k → Q̄ λ_k and Q̄ solves (N/2)(1/Q̄ − 1) = ∂/∂Q̄ of the modes' free energy (derived below).
"""

import sys

import sympy as sp

# ------------------------------------------------------------------------ 1. the input average
z, A, kappa, P = sp.symbols("z A kappa P", positive=True)
one = sp.integrate(
    sp.exp(-(z**2) / (2 * A)) / sp.sqrt(2 * sp.pi * A) * sp.exp(-(z**2) / (2 * kappa)), (z, -sp.oo, sp.oo)
)
assert sp.simplify(one - (1 + A / kappa) ** sp.Rational(-1, 2)) == 0, one
r = sp.symbols("r", positive=True)
coupling = -sp.log((1 + A / kappa) ** (-P / 2))
assert sp.simplify(sp.expand_log(coupling, force=True) - ((P / 2) * sp.log(1 + r * A / P)).subs(r, P / kappa)) == 0

# n = 2 replicas: ∫ N(z; 0, M) e^{−|z|²/(2κ)} dz = det(I + M/κ)^{−1/2} (Gaussian integral of a quadratic form)
m11, m12, m22 = sp.symbols("m11 m12 m22", real=True)
M2 = sp.Matrix([[m11, m12], [m12, m22]])
lhs = sp.sqrt(M2.inv().det() / (M2.inv() + sp.eye(2) / kappa).det())  # det(M)^{-1/2} det(M⁻¹ + I/κ)^{-1/2}
assert sp.simplify(lhs**2 - 1 / (sp.eye(2) + M2 / kappa).det()) == 0

# ------------------------------------------------------------------------ 2. replica symmetry, O(n)
n, qd, q0, chi = sp.symbols("n q_d q_0 chi", real=True)
# RS matrix q0·J + (qd − q0)·I: eigenvalue qd − q0 (n − 1 times) and qd − q0 + n q0 (once)
Mn = [[qd if i == j else q0 for j in range(3)] for i in range(3)]
ev = sp.Matrix(Mn).eigenvals()
assert ev == {qd - q0: 2, qd + 2 * q0: 1}
logdet_n = (n - 1) * sp.log(1 + (qd - q0) / kappa) + sp.log(1 + (qd - q0 + n * q0) / kappa)
logdet_1 = sp.series(logdet_n, n, 0, 2).removeO().coeff(n, 1)
target_1 = sp.log(1 + (qd - q0) / kappa) + q0 / (kappa + qd - q0)
assert sp.simplify(logdet_1 - target_1) == 0 and sp.simplify(logdet_n.subs(n, 0)) == 0

# one mode: ∫ dΔ exp(−(y − Δ)²/(2λ) − ½ ρ_d Σ_a Δ_a² − ½ ρ₀ Σ_{a≠b} Δ_a Δ_b); with ρ₀ = −σ²:
# −½ ρ₀ (Σ_a Δ_a)² = ln E_η e^{η Σ_a Δ_a}, η ~ N(0, σ²); the diagonal precision is a = 1/λ + ρ_d − ρ₀.
lam, y, rho_d, rho_0, eta, D, sig2 = sp.symbols("lambda y rho_d rho_0 eta Delta sigma2", real=True)
lam_p, a_p = sp.symbols("lambda a", positive=True)
a = 1 / lam_p + rho_d - rho_0
logI = sp.log(sp.integrate(sp.exp(-a_p * D**2 / 2 + (y / lam_p + eta) * D), (D, -sp.oo, sp.oo), conds="none"))
logI = sp.expand(sp.expand_log(logI, force=True))
# O(n) term of ln E_η I(η)^n = n E_η ln I(η): ln I is quadratic in η, E η = 0, E η² = σ²
E_logI = logI.subs(eta, 0) + sp.diff(logI, eta, 2).subs(eta, 0) / 2 * sig2
mode = (E_logI - y**2 / (2 * lam_p)).subs(a_p, a).subs(sig2, -rho_0)

# free energy per replica (n → 0): −Φ = ½(ρ_d q_d − ρ₀ q₀) − (P/2)[ln(1 + χ/κ) + q₀/(κ + χ)] + Σ_k mode_k.
# Σ_k over Λ modes, written with three generic modes (the equations are mode-by-mode sums)
lams = sp.symbols("lambda1:4", positive=True)
ys = sp.symbols("y1:4", real=True)
modes = sum(mode.subs({lam_p: l_, y: y_}) for l_, y_ in zip(lams, ys))
negPhi = sp.Rational(1, 2) * (rho_d * qd - rho_0 * q0) - (P / 2) * target_1 + modes

# ------------------------------------------------------------------------ 3. the saddle point
eq_qd, eq_q0 = sp.diff(negPhi, qd), sp.diff(negPhi, q0)
sol = sp.solve([eq_qd, eq_q0], [rho_d, rho_0], dict=True)[0]
chi_ = qd - q0
assert sp.simplify(sol[rho_d] - sol[rho_0] - P / (kappa + chi_)) == 0  # r = P/(κ + χ)
assert sp.simplify(-sol[rho_0] - P * q0 / (kappa + chi_) ** 2) == 0  # σ² = P q₀/(κ + χ)²
rr = sp.symbols("r", positive=True)
s2 = sp.symbols("sigma2", positive=True)
sub_rs = {rho_d: rr - s2, rho_0: -s2}  # ρ_d − ρ₀ = r, ρ₀ = −σ²
eq_rd = sp.diff(negPhi, rho_d).subs(sub_rs)
eq_r0 = sp.diff(negPhi, rho_0).subs(sub_rs)
q_d_sol = sp.solve(eq_rd, qd)[0]
q_0_sol = sp.solve(eq_r0.subs(qd, q_d_sol), q0)[0]
chi_sol = sp.simplify(q_d_sol - q_0_sol)
assert sp.simplify(chi_sol - sum(1 / (1 / l_ + rr) for l_ in lams)) == 0  # χ = Σ 1/a_k
assert sp.simplify(q_0_sol - sum((y_**2 / l_**2 + s2) / (1 / l_ + rr) ** 2 for l_, y_ in zip(lams, ys))) == 0

# ------------------------------------------------------------------------ 4. identification
K = sp.symbols("K", positive=True)
chi_K = sum(1 / (1 / l_ + 1 / K) for l_ in lams)
ren_ridge = kappa / P + (K / P) * sum(l_ / (l_ + K) for l_ in lams) - K  # §5: = 0 at the root
mass_eq = 1 / K - P / (kappa + chi_K)  # r = P/(κ + χ) at r = 1/K
assert sp.simplify(mass_eq - ren_ridge * P / (K * (kappa + chi_K))) == 0  # zero together: the same root
# q₀ with σ² = P q₀/(κ + χ)², κ + χ = P/r:  q₀ = B + γ q₀
L = [l_ / (l_ + K) for l_ in lams]
gamma = sum(Lk**2 for Lk in L) / P
B = sum((1 - Lk) ** 2 * y_**2 for Lk, y_ in zip(L, ys))
qq = sp.symbols("q", positive=True)
q0_eq = (q_0_sol.subs(s2, P * qq * rr**2 / P**2).subs(rr, 1 / K)) - qq  # σ² = P q/(P/r)²
q0_solution = sp.solve(q0_eq, qq)[0]
assert sp.simplify(q0_solution - B / (1 - gamma)) == 0  # E_test = B/(1 − γ)
# the random field variance is the source of the 1/(1 − γ): without it (σ² = 0) q₀ = B
assert sp.simplify(q_0_sol.subs(s2, 0).subs(rr, 1 / K) - B) == 0

# ------------------------------------------------------------------------ 6. finite width on top
Qb, Nw = sp.symbols("Qbar N", positive=True)
# the prior of f_k is N(0, Q λ_k): the normalization −½ ln(2π Q λ) and λ → Qλ in the mode
mode_Q = (mode - sp.log(2 * sp.pi * lam_p) / 2).subs(lam_p, Qb * lam_p)
dmode = sp.simplify(sp.diff(mode_Q, Qb).subs(sub_rs))
FORMULA = sp.factor(dmode)
# the Q̄ equation of rgflow.nonlinear.replica_network: (N/2)(1/Q̄ − 1) = Σ_k λ(r + Q̄λr² − r²y² − σ²)/(2(1 + rQ̄λ)²)
assert (
    sp.simplify(FORMULA + lam_p * (rr + Qb * lam_p * rr**2 - rr**2 * y**2 - s2) / (2 * (1 + rr * Qb * lam_p) ** 2)) == 0
)
# fixed design (σ² = 0, r = P/κ): the derivative of §6's log p(Q | Y) per mode, −½ ∂_Q [ln(PQλ + κ) + P y²/(PQλ + κ)]
fixed = -sp.Rational(1, 2) * sp.diff(sp.log(P * Qb * lam_p + kappa) + P * y**2 / (P * Qb * lam_p + kappa), Qb)
assert sp.simplify(FORMULA.subs({s2: 0, rr: P / kappa}) - fixed) == 0


# ------------------------------------------------------------------------ numerical checks
def gaussian_feature_sim(lam, y, P, kappa, draws, seed=0, width=None):
    """Mean test error Σ_k (y_k − f̂_k)² (± standard error) of the posterior mean over ``draws`` Gaussian
    designs Ψ (P × Λ, i.i.d. N(0, 1)): KRR with ridge κ, or (``width`` = N) the exact Q-mixture of the
    linear network of docs/theory.md §6 (L = 1, standard), a 1-D integral over ln Q on a grid."""
    import numpy as np

    rng = np.random.default_rng([seed, P])
    errs = []
    for _ in range(draws):
        Psi = rng.standard_normal((P, lam.size))
        e, V = np.linalg.eigh((Psi * lam) @ Psi.T)
        e = np.clip(e, 0.0, None)
        zz = V.T @ (Psi @ y)
        if width is None:
            c = zz / (e + kappa)
        else:
            t = np.linspace(-40, 8, 8000)
            Q = np.exp(t)[:, None]
            lw = (
                (width / 2) * t - width * Q[:, 0] / 2 - 0.5 * np.sum(np.log(Q * e + kappa) + zz**2 / (Q * e + kappa), 1)
            )
            w = np.exp(lw - lw.max())
            assert w[0] < 1e-15 and w[-1] < 1e-15
            c = (w / w.sum()) @ (Q / (Q * e + kappa)) * zz
        errs.append(float(np.sum((y - lam * (Psi.T @ (V @ c))) ** 2)))
    errs = np.array(errs)
    return errs.mean(), errs.std(ddof=1) / np.sqrt(draws)


def annealed(lam, y, P, kappa):
    """Mean field of the annealed coupling (P/2) ln(1 + A/κ): r = P/(κ + q_d), q_d = Σ λ/(1+rλ) + y²/(1+rλ)²;
    its test error Σ y²/(1 + rλ)²."""
    import numpy as np
    from scipy.optimize import brentq

    def g(lr):
        r = np.exp(lr)
        qd = np.sum(lam / (1 + r * lam) + y**2 / (1 + r * lam) ** 2)
        return r * (kappa + qd) - P

    r = np.exp(brentq(g, np.log(1e-12), np.log(P / kappa)))
    return float(np.sum(y**2 / (1 + r * lam) ** 2))


def numerics():
    import pathlib
    import sys as _sys

    import numpy as np

    _sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
    from rgflow.nonlinear import replica_network, replica_ridge
    from rgflow.ridge import ridge_errors

    print("\nGaussian features: λ_k = k^-1.5, y_k² = k^-2.3, Λ = 4P; 200 designs per row (± standard error)")
    print(
        f"{'P':>4} {'kappa':>5} {'N':>4} {'simulated':>17} {'replica':>9} {'sim/rep':>7} {'z':>5} "
        f"{'annealed':>9} {'bare':>9}"
    )
    for P in (25, 100, 400):
        k = np.arange(1, 4 * P + 1)
        lam, y = k**-1.5, k**-1.15
        for kappa in (0.01, 1.0):
            for N in (None, 4, 32):
                m, se = gaussian_feature_sim(lam, y, P, kappa, 200, width=N)
                if N is None:
                    rep = replica_ridge(lam, y, P, kappa).q0
                    ann, bare = annealed(lam, y, P, kappa), ridge_errors(lam, y, P, kappa, ridge="bare").test_error
                else:
                    rep, ann, bare = replica_network(lam, y, P, kappa, N).q0, float("nan"), float("nan")
                print(
                    f"{P:4d} {kappa:5g} {'inf' if N is None else N:>4} {m:9.5f} ± {se:.5f} {rep:9.5f} "
                    f"{m / rep:7.3f} {(m - rep) / se:5.1f} {ann:9.5f} {bare:9.5f}",
                    flush=True,
                )

    from rgflow.data import kernel_matrix, spectrum_from_gram
    from rgflow.krr import krr_test_error, real_dataset

    X, f = real_dataset("digits", "class")
    K = kernel_matrix(X, kernel="rbf")
    lam, y = spectrum_from_gram(K, f)
    print("\nReal data (digits, rbf, digit 3 vs rest; real KRR to 2% standard error)")
    print(f"{'P':>4} {'kappa':>5} {'KRR':>17} {'replica':>9} {'KRR/rep':>7} {'annealed':>9} {'bare':>9}")
    for kappa in (1.0, 0.01):
        for P in (25, 100, 300):
            e = krr_test_error(K, f, P, kappa, seed=1)
            rep = replica_ridge(lam, y, P, kappa).q0
            print(
                f"{P:4d} {kappa:5g} {e['mean']:9.5f} ± {e['stderr']:.5f} {rep:9.5f} {e['mean'] / rep:7.3f} "
                f"{annealed(lam, y, P, kappa):9.5f} {ridge_errors(lam, y, P, kappa, ridge='bare').test_error:9.5f}",
                flush=True,
            )


if __name__ == "__main__":
    print("derived: E_x e^{-z^2/2κ} = (1 + A/κ)^{-1/2}; replicas: (P/2) ln det(I + M/κ)")
    print("RS saddle: r = P/(κ + χ), σ² = P q₀/(κ + χ)², χ = Σ λ/(1 + rλ), q₀ = Σ (y²/λ² + σ²)/(1/λ + r)²")
    print("identified: K = 1/r is the renormalized ridge; q₀ = Σ(1 − L)² y² / (1 − γ)  [asserted]")
    print("finite width: ∂/∂Q̄ of one mode's free energy =", FORMULA)
    if "--no-numerics" not in sys.argv:
        numerics()

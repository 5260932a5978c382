"""The finite-width network on real data: what its theory rests on, checked with sympy.

Run ``python derivations/network_real.py`` (tests/test_network_real.py runs it); every step asserts what it
claims. Notation: P training points X, Gram K_XX = V diag(μ) Vᵀ, targets Y, ỹ = VᵀY; the network's kernel
scale z = e^t (Q = g z); standard g = 1, T = κ; mean-field g = 1/N, T = κ/N. Spectrum λ_k, y_k of the
population; eigenlearning's effective ridge K(κ') at ridge κ': K = κ'/P + (K/P) Σ_k λ_k/(λ_k + K).

1. ``one_draw``: Q K(QK + T)⁻¹ = K(K + κ/z)⁻¹ in both parameterizations (g/T = 1/κ), and the log evidence
   −½[ln det(QK + T) + Yᵀ(QK + T)⁻¹Y] = −½ Σ_i [ln(1 + μ_i e^t/κ) + ν ỹ_i²/(κ(1 + μ_i e^t/κ))] + const
   (ν = 1 standard, N mean-field).
2. ``logdet``: F(κ') = Σ_k ln(1 + λ_k/K) + P ln(PK) + κ'/K − P is stationary in K exactly at eigenlearning's
   equation, so dF/dκ' = 1/K = the deterministic equivalent of tr(K_XX + κ')⁻¹ = (P − Σ_k L_k)/κ'; F → P ln κ'
   + P Σλ/κ' as κ' → ∞ (= ln det to that order): F is the deterministic equivalent of ln det(K_XX + κ').
3. ``quadratic``: h(κ') = Σ_k y_k²/(λ_k + K) has dh/dκ' = −P E_train(κ')/κ'² = −|(K_XX + κ')⁻¹Y|²'s equivalent
   (E_train = (κ'/(PK))² E_test), with dK/dκ' = 1/(P(1 − γ)), and h → |Y|²/κ' as κ' → ∞: h is the deterministic
   equivalent of Yᵀ(K_XX + κ')⁻¹Y.
4. ``mixture``: with f̂ = Σ_a w_a f̂_a (f̂_a: KRR at ridge κ/z_a, Σ w_a = 1), (f̂ − f)² = Σ_ab w_a w_b (f̂_a − f)(f̂_b − f),
   so E_test = Σ_ab w_a w_b E_ab = Σ_a w_a E_aa − ½ Σ_ab w_a w_b (E_aa + E_bb − 2E_ab): the mean of the errors
   less half the mean squared distance between the predictors (≥ 0 when E is a Gram matrix). Per mode of the
   eigenbasis, the deterministic part of f̂_a − f is −(1 − L_k^a) y_k, so the cross error's bias is
   Σ_k (1 − L_k^a)(1 − L_k^b) y_k²; its fluctuation is the one of eigenlearning with γ → γ_ab = Σ_k L_k^a L_k^b/P
   (the two predictors share the draw): E_ab = Σ_k (1 − L_k^a)(1 − L_k^b) y_k²/(1 − γ_ab), which is checked
   against Gaussian-feature Monte Carlo in tests/test_network_real.py (not derived here).
5. ``pointwise_evidence``: the leverage-aware typical evidence (rgflow.network_real.pointwise_evidence). With
   features φ_i of the N population points (Gram K), per-point weights w_i, K₀ = κ'/P, S = diag(√w),

       F(w) = ln det(I + S K S/(N K₀)) + (P/N) Σ_i (w_i − 1 − ln w_i) + P ln κ',

   ∂F/∂w_i = (1/N)(q_i + P − P/w_i) with q_i = [K (W K/N + K₀)⁻¹]_ii, so F is stationary exactly at the
   pointwise fixed point w_i = 1/(1 + q_i/P) of rgflow.ridge.pointwise_errors; there dF/dκ' = ∂F/∂κ' =
   (1/(κ'N)) Σ_i (P − w_i q_i) = (1/N) Σ_i 1/K_i (K_i = K₀/w_i), the equivalent of tr(K_XX + κ')⁻¹ (checked on a
   symbolic 2-point Gram matrix). With equal weights w ≡ K₀/K, F is eigenlearning's F of step 2 and
   h = (P/(κ'N)) Σ_i f_i w_i ρ_i (ρ = K₀(K W/N + K₀)⁻¹f, the equivalent predictor's residual; w_i ρ_i is the
   training residual, and Yᵀ(K_XX + κ')⁻¹Y = (training residual)·Y/κ') is eigenlearning's h of step 3 (checked
   mode by mode). That F and h match E ln det and E Yᵀ(K_XX + κ')⁻¹Y over draws of a real data set where the
   renormalized ones do not is checked by Monte Carlo in tests/test_network_real.py.
6. ``noise``: label noise, Y = f_X + σξ (ξ ~ N(0, I), the test error against the clean f). (a) For any symmetric A,
   E_ξ YᵀAY = f_XᵀAf_X + σ² tr A; with A = (K_XX + κ')⁻¹ and tr A ≈ dF/dκ' = 1/K (step 2) the typical evidence's
   h gains σ²/K, the same term as the unlearnable power ε²/K; its κ'-derivative −σ²/(PK²(1 − γ)) is
   −P/κ'² times the noise's share of the training error, (κ'/(PK))² σ²/(1 − γ) (consistent with step 3).
   (b) The predictor is linear in Y at fixed ridge: f̂_a = f̂_a[f] + n_a, n_a = K(·, X)(K_XX + κ_a)⁻¹σξ, and
   E_ξ[n_a] = 0, so E₁₂ gains E_ξ mean_x[n_a n_b] and nothing else. Its deterministic equivalent follows from
   E₁₂ itself: an unlearnable target part of power ε² enters the training labels as independent noise of
   variance ε² and the test error once more as ε², so E₁₂'s ε²/(1 − γ₁₂) = ε² + ε²γ₁₂/(1 − γ₁₂) and the noise's
   share is σ²γ₁₂/(1 − γ₁₂) (at a = b: σ²γ/(1 − γ) of rgflow.ridge.noisy_error). The network (exact, per draw)
   trains on the noisy Y, so the posterior of t and the coefficients c_i use ỹ = VᵀY; the theories use
   p(t) with h + σ²/K and E₁₂ + σ²γ₁₂/(1 − γ₁₂) (pointwise: (σ²/(PN)) Σ_i w¹_i w²_i t_i). Checked against
   Gaussian-feature Monte Carlo over X and ξ in tests/test_network_noise.py.
7. ``population``: draws without replacement (rgflow.ridge.pointwise_errors' default; docs/theory.md §5). Each
   point drawn with probability p = P/N; its leverage against the draws without it, q̄, solves
   q̄ (1 − p q̄/(1 + q̄)) = h (h = q/P), i.e. (1 − p) q̄² + (1 − h) q̄ − h = 0 (p = 0: q̄ = h; p = 1: the
   leave-one-out h/(1 − h)), and the resolvent's weights are ω = 1/(1 + (1 − p) q̄) = w/(1 − p q̄ w), w = 1/(1 + q̄).
   The evidence F(ω) = ln det(I + S K S/(N K₀)) + P ln κ' − Σ_i [p ln ω_i + (1 − p) ln((1 − p ω_i)/(1 − p))]
   (S = diag √ω) has ∂F/∂ω_i = (1/N)(q_i − P (1 − ω_i)/(ω_i (1 − p ω_i))), zero exactly at that fixed point
   (checked on a symbolic 2-point Gram matrix); there dF/dκ' = (1/N) Σ_i w_i/K₀. Its sum term is zero at ω = 1
   (so F = P ln κ' at K = 0), tends to (P/N) Σ (ω − 1 − ln ω) as p → 0 (step 5), and at P = N (ω = 1) F is
   ln det(K + κ') and h = (P/(κ'N)) Σ_i f_i ω_i ρ_i is fᵀ(K + κ')⁻¹f exactly.
8. ``draws``: each draw its own posterior of t (rgflow.network_real._draw_average). Adding a point x_i to a draw S
   is a rank-one update of K_SS + κ': with its residual r_i = y_i − f̂_S(x_i) and posterior variance
   v_i = K_ii − k_iᵀ(K_SS + κ')⁻¹k_i, ln det grows by ln(κ' + v_i), Yᵀ(K_SS + κ')⁻¹Y by r_i²/(κ' + v_i) and the
   predictor by C_S(x, x_i) r_i/(κ' + v_i), C_S(x, x') = K(x, x') − k_xᵀ(K_SS + κ')⁻¹k_x' (checked on a symbolic
   2-point draw and a third point). So a draw's residual product at two ridges moves by
   −r¹_x C²_xi r²_i c²_i − r²_x C¹_xi r¹_i c¹_i + C¹_xi C²_xi r¹_i r²_i c¹_i c²_i, c = 1/(κ' + v). The pointwise
   equivalents: v_i/κ' = q̄_i (so 1/(κ' + v_i) = w_i/κ'), C ≈ κ'H/P, E[r_i²] the cavity moment E_i, E[r_i] the
   cavity mean ρ_i ω_i/w_i. The draw indicators s_i of P of N points (without replacement) have
   Cov(s_i, s_j) = p(1 − p)(δ_ij − (1 − δ_ij)/(N − 1)) (checked by enumerating the draws of 2 of 5 points).
"""

import sympy as sp


def one_draw():
    z, kappa, N, mu, y = sp.symbols("z kappa N mu y", positive=True)
    out = {}
    for name, g, T, nu in (("standard", 1, kappa, 1), ("mean-field", 1 / N, kappa / N, N)):
        Q = g * z
        # one eigenmode of K_XX: predictor coefficient Q/(Qμ + T) = 1/(μ + κ/z)
        assert sp.simplify(Q / (Q * mu + T) - 1 / (mu + kappa / z)) == 0
        # evidence of the mode relative to z-independent terms
        ev = -sp.Rational(1, 2) * (sp.log(Q * mu + T) + y**2 / (Q * mu + T))
        ours = -sp.Rational(1, 2) * (sp.log(1 + mu * z / kappa) + nu * y**2 / (kappa * (1 + mu * z / kappa)))
        assert sp.simplify(sp.expand_log(ev - ours, force=True) + sp.Rational(1, 2) * sp.log(T)) == 0
        out[name] = ours
    return out


def logdet():
    K, kp, P = sp.symbols("K kappa_p P", positive=True)
    lam = sp.IndexedBase("lambda")
    k, n = sp.symbols("k n", integer=True, positive=True)
    S = lambda expr: sp.Sum(expr, (k, 1, n))
    F = S(sp.log(1 + lam[k] / K)) + P * sp.log(P * K) + kp / K - P
    # ∂F/∂K = −(1/K) Σ λ/(λ + K) + P/K − κ'/K²; with three explicit modes, zero exactly at eigenlearning's
    # κ' = K (P − Σ λ/(λ + K))
    ls = sp.symbols("l1:4", positive=True)
    F3 = sum(sp.log(1 + li / K) for li in ls) + P * sp.log(P * K) + kp / K - P
    kp_el = K * (P - sum(li / (li + K) for li in ls))
    assert sp.simplify(sp.diff(F3, K).subs(kp, kp_el)) == 0
    # hence dF/dκ' = ∂F/∂κ' = 1/K
    assert sp.diff(F, kp) == 1 / K
    # one mode check of the large-ridge limit: K = κ'/P + λ/P + O(1/κ'), F = P ln κ' + λ... (λ = Σλ, n = 1)
    l1, e = sp.symbols("l1 epsilon", positive=True)
    F1 = sp.log(1 + l1 / K) + P * sp.log(P * K) + kp / K - P
    K_large = kp / P + l1 / P * (1 - l1 / kp)  # eigenlearning's root to O(1/κ'), one mode
    series = sp.series(F1.subs(K, K_large).subs(kp, 1 / e), e, 0, 2).removeO()
    target = P * sp.log(1 / e) + P * l1 * e  # P ln κ' + tr K_XX/κ', tr K_XX ≈ P Σλ
    assert sp.simplify(sp.expand(sp.expand_log(series - target, force=True))) == 0
    return {"F": F, "F3": F3}


def quadratic():
    K, kp, P = sp.symbols("K kappa_p P", positive=True)
    l1, l2, y1, y2 = sp.symbols("l1 l2 y1 y2", positive=True)
    lams, ys = (l1, l2), (y1, y2)
    h = sum(yy**2 / (ll + K) for ll, yy in zip(lams, ys))
    L = [ll / (ll + K) for ll in lams]
    gamma = sum(x**2 for x in L) / P
    # dK/dκ' from the eigenlearning equation G(K, κ') = K − κ'/P − (K/P) Σ λ/(λ + K) = 0
    G = K - kp / P - K / P * sum(ll / (ll + K) for ll in lams)
    dK = -sp.diff(G, kp) / sp.diff(G, K)
    assert sp.simplify(dK - 1 / (P * (1 - gamma))) == 0
    E_test = sum((1 - x) ** 2 * yy**2 for x, yy in zip(L, ys)) / (1 - gamma)
    E_train = (kp / (P * K)) ** 2 * E_test
    assert sp.simplify(sp.diff(h, K) * dK + P * E_train / kp**2) == 0
    return {"h": h}


def mixture():
    w = sp.symbols("w1:4")
    E = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"E{min(i, j) + 1}{max(i, j) + 1}"))
    wv = sp.Matrix(w)
    total = (wv.T * E * wv)[0]
    mean = sum(w[a] * E[a, a] for a in range(3))
    spread = sp.Rational(1, 2) * sum(
        w[a] * w[b] * (E[a, a] + E[b, b] - 2 * E[a, b]) for a in range(3) for b in range(3)
    )
    assert sp.expand((total - (mean - spread)).subs(w[2], 1 - w[0] - w[1])) == 0
    return {"total": total}


def _two_points(weight):
    """A symbolic 2-point Gram matrix [[a, b], [b, c]], P, κ', N = 2, K₀ = κ'/P, and two positive weights."""
    a, c, P, kp = sp.symbols("a c P kappa_p", positive=True)
    b = sp.Symbol("b", real=True)
    w1, w2 = sp.symbols(f"{weight}1 {weight}2", positive=True)
    return sp.Matrix([[a, b], [b, c]]), P, kp, 2, kp / P, (w1, w2)


def pointwise_evidence():
    Kg, P, kp, N, K0, (w1, w2) = _two_points("w")
    W = sp.diag(w1, w2)
    S = sp.diag(sp.sqrt(w1), sp.sqrt(w2))
    ws = (w1, w2)
    F = sp.log((sp.eye(2) + S * Kg * S / (N * K0)).det())
    F += sp.Rational(1, N) * P * sum(wi - 1 - sp.log(wi) for wi in ws) + P * sp.log(kp)
    R = Kg * (W * Kg / N + K0 * sp.eye(2)).inv()
    q = [R[0, 0], R[1, 1]]
    for i, wi in enumerate(ws):  # stationary exactly at w_i = 1/(1 + q_i/P)
        assert sp.simplify(sp.diff(F, wi) - (q[i] + P - P / wi) / N) == 0
    # ∂F/∂κ' = (1/(κ'N)) Σ_i (P − w_i q_i); at the fixed point w_i q_i = P(1 − w_i), so = (1/N) Σ_i w_i/K₀
    dF = sp.diff(F, kp)
    assert sp.simplify(dF - sum(P - wi * qi for wi, qi in zip(ws, q)) / (kp * N)) == 0
    assert sp.simplify(sum(P - wi * P * (1 - wi) / wi for wi in ws) / (kp * N) - sum(wi / K0 for wi in ws) / N) == 0
    # equal weights w ≡ K₀/K_e: F is eigenlearning's F = Σ_k ln(1 + λ_k/K_e) + P ln(P K_e) + κ'/K_e − P
    Ke = sp.Symbol("K_e", positive=True)
    l1, l2 = sp.symbols("l1 l2", positive=True)  # eigenvalues of K/N
    w = K0 / Ke
    F_eq = sp.log((1 + w * l1 / K0) * (1 + w * l2 / K0)) + P * (w - 1 - sp.log(w)) + P * sp.log(kp)
    F_el = sp.log(1 + l1 / Ke) + sp.log(1 + l2 / Ke) + P * sp.log(P * Ke) + kp / Ke - P
    assert sp.simplify(sp.expand_log(F_eq - F_el, force=True)) == 0
    # h with equal weights, one eigenmode of K/N (eigenvalue λ, target f = √N y u): (P/(κ'N)) f w ρ → y²/(λ + K_e)
    lam, y = sp.symbols("lambda y", positive=True)
    rho = K0 * y * sp.sqrt(N) / (lam * w + K0)
    h = P / (kp * N) * (y * sp.sqrt(N)) * w * rho
    assert sp.simplify(h - y**2 / (lam + Ke)) == 0
    return {"F": F}


def noise():
    sig = sp.Symbol("sigma", positive=True)
    # (a) E_ξ YᵀAY for a symmetric 3 × 3 A and Y = f + σξ: expand, then E[ξ_i] = 0, E[ξ_i ξ_j] = δ_ij
    f = sp.Matrix(sp.symbols("f1:4"))
    xi = sp.Matrix(sp.symbols("xi1:4"))
    A = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"A{min(i, j) + 1}{max(i, j) + 1}"))
    quad = sp.expand(((f + sig * xi).T * A * (f + sig * xi))[0])
    mean = 0
    for term in sp.Add.make_args(quad):
        powers = [sp.degree(term, x) for x in xi]
        if sum(powers) == 0:
            mean += term
        elif sum(powers) == 2 and max(powers) == 2:  # ξ_i²: E = 1; ξ_i ξ_j (i ≠ j) and odd terms: 0
            mean += term.subs({x: 1 for x in xi})
    assert sp.expand(mean - (f.T * A * f)[0] - sig**2 * A.trace()) == 0
    # tr A's deterministic equivalent is 1/K; d(σ²/K)/dκ' = −P/κ'² · (κ'/(PK))² σ²/(1 − γ) with dK/dκ' of step 3
    K, kp, P = sp.symbols("K kappa_p P", positive=True)
    l1, l2 = sp.symbols("l1 l2", positive=True)
    L = [ll / (ll + K) for ll in (l1, l2)]
    gamma = sum(x**2 for x in L) / P
    dK = 1 / (P * (1 - gamma))
    train_noise = (kp / (P * K)) ** 2 * sig**2 / (1 - gamma)
    assert sp.simplify(sp.diff(sig**2 / K, K) * dK + P * train_noise / kp**2) == 0
    # the noise's share of the training error is (κ'/(PK))² (σ²γ/(1 − γ) + σ²): ridge_errors' E_train
    assert sp.simplify(train_noise - (kp / (P * K)) ** 2 * (sig**2 * gamma / (1 - gamma) + sig**2)) == 0
    # (b) ε²/(1 − γ₁₂) = ε² (the test error's own) + ε² γ₁₂/(1 − γ₁₂) (the labels' share): the noise's share
    eps2, g12 = sp.symbols("epsilon2 gamma12", positive=True)
    assert sp.simplify(eps2 / (1 - g12) - eps2 - eps2 * g12 / (1 - g12)) == 0
    # at equal ridges the noisy E₁₂ is rgflow.ridge.noisy_error's (B + ε² + σ²γ)/(1 − γ)
    B = sp.Symbol("B", positive=True)
    E12 = (B + eps2) / (1 - g12) + sig**2 * g12 / (1 - g12)
    assert sp.simplify(E12 - (B + eps2 + sig**2 * g12) / (1 - g12)) == 0
    return {"h_noise": sig**2 / K, "cross_noise": sig**2 * g12 / (1 - g12)}


def population():
    p, h = sp.symbols("p h", positive=True)
    qb = sp.Symbol("qbar", positive=True)
    # the cavity leverage: q̄ (1 − p q̄/(1 + q̄)) = h  ⇔  (1 − p) q̄² + (1 − h) q̄ − h = 0, and its two limits
    lhs = sp.numer(sp.together(qb * (1 - p * qb / (1 + qb)) - h))
    assert sp.simplify(lhs - ((1 - p) * qb**2 + (1 - h) * qb - h)) == 0
    root = (-(1 - h) + sp.sqrt((1 - h) ** 2 + 4 * (1 - p) * h)) / (2 * (1 - p))
    assert sp.simplify((1 - p) * root**2 + (1 - h) * root - h) == 0
    quad = (1 - p) * qb**2 + (1 - h) * qb - h
    assert sp.expand(quad.subs(p, 0) - (qb - h) * (qb + 1)) == 0  # p = 0: the positive root is h
    assert sp.simplify(quad.subs(p, 1).subs(qb, h / (1 - h))) == 0  # p = 1 (linear): the leave-one-out h/(1 − h)
    # ω = 1/(1 + (1 − p) q̄) = w/(1 − x), w = 1/(1 + q̄), x = p q̄ w; and h as a function of ω
    om = sp.Symbol("omega", positive=True)
    w = 1 / (1 + qb)
    assert sp.simplify(1 / (1 + (1 - p) * qb) - w / (1 - p * qb * w)) == 0
    q_of_om = (1 / om - 1) / (1 - p)
    h_of_om = sp.simplify((qb * (1 - p * qb / (1 + qb))).subs(qb, q_of_om))
    assert sp.simplify(h_of_om - (1 - om) / (om * (1 - p * om))) == 0
    # the evidence's sum term g(ω): g' = −p h(ω) (stationarity), g(1) = 0, g → p (ω − 1 − ln ω) as p → 0
    g = -(p * sp.log(om) + (1 - p) * sp.log((1 - p * om) / (1 - p)))
    assert sp.simplify(sp.diff(g, om) + p * h_of_om) == 0
    assert sp.simplify(g.subs(om, 1)) == 0
    assert sp.simplify(sp.limit(g / p, p, 0) - (om - 1 - sp.log(om))) == 0
    # on a symbolic 2-point Gram matrix: ∂F/∂ω_i = (1/N)(q_i − P h(ω_i)), with q_i = [K (Ω K/N + K₀)⁻¹]_ii
    Kg, P, kp, N, K0, (o1, o2) = _two_points("o")
    S = sp.diag(sp.sqrt(o1), sp.sqrt(o2))
    pp = P / N
    gsum = sum(-(pp * sp.log(o) + (1 - pp) * sp.log((1 - pp * o) / (1 - pp))) for o in (o1, o2))
    F = sp.log((sp.eye(2) + S * Kg * S / (N * K0)).det()) + gsum + P * sp.log(kp)
    R = Kg * (sp.diag(o1, o2) * Kg / N + K0 * sp.eye(2)).inv()
    for i, o in enumerate((o1, o2)):
        assert sp.simplify(sp.diff(F, o) - (R[i, i] - P * (1 - o) / (o * (1 - pp * o))) / N) == 0
    # dF/dκ' = (1/(κ'N)) Σ (P − ω_i q_i); at the fixed point ω q = P ω h(ω), which gives (1/N) Σ w_i/K₀
    assert sp.simplify(sp.diff(F, kp) - sum(P - o * R[i, i] for i, o in enumerate((o1, o2))) / (kp * N)) == 0
    w_of_om = 1 / (1 + q_of_om)
    assert sp.simplify((P - om * P * h_of_om) / (kp * N) - (w_of_om / K0) / N) == 0
    # P = N (p = 1, ω = 1): F = ln det(K + κ'), h = fᵀ(K + κ')⁻¹f
    assert sp.simplify((sp.eye(2) + Kg / kp).det() * kp**2 - (Kg + kp * sp.eye(2)).det()) == 0
    f = sp.Matrix(sp.symbols("f1 f2", real=True))
    rho = (kp / N) * (Kg / N + (kp / N) * sp.eye(2)).inv() * f
    hN = (1 / kp) * (f.T * rho)[0]
    assert sp.simplify(hN - (f.T * (Kg + kp * sp.eye(2)).inv() * f)[0]) == 0
    return {"g": g, "qbar": root}


def draws():
    kp = sp.Symbol("kappa_p", positive=True)
    # a symbolic draw of 2 points and a third point x_i (index 2), and a test point x (index 3)
    sym = lambda a, b: sp.Symbol(f"k{min(a, b)}{max(a, b)}")  # noqa: E731
    Kfull = sp.Matrix(4, 4, lambda a, b: sym(a, b))
    y = sp.Matrix(sp.symbols("y0:3"))
    S, Si = [0, 1], [0, 1, 2]

    def sub(rows, cols):
        return Kfull.extract(rows, cols)

    A = sub(S, S) + kp * sp.eye(2)
    Ai = sub(Si, Si) + kp * sp.eye(3)
    kvec = sub(S, [2])
    v = Kfull[2, 2] - (kvec.T * A.inv() * kvec)[0]
    r = y[2] - (kvec.T * A.inv() * y[:2, :])[0]
    assert sp.simplify(Ai.det() - A.det() * (kp + v)) == 0  # ln det grows by ln(κ' + v_i)
    h, hi = (y[:2, :].T * A.inv() * y[:2, :])[0], (y.T * Ai.inv() * y)[0]
    assert sp.simplify(hi - h - r**2 / (kp + v)) == 0  # Yᵀ(K + κ')⁻¹Y grows by r_i²/(κ' + v_i)
    fx = (sub([3], S) * A.inv() * y[:2, :])[0]
    fxi = (sub([3], Si) * Ai.inv() * y)[0]
    C = Kfull[3, 2] - (sub([3], S) * A.inv() * kvec)[0]
    assert sp.simplify(fxi - fx - C * r / (kp + v)) == 0  # the predictor moves by C_S(x, x_i) r_i/(κ' + v_i)
    # Cov(s_i, s_j) of the indicators of 2 of 5 points drawn without replacement, by enumeration
    import itertools

    Np, Pp = 5, 2
    sets = list(itertools.combinations(range(Np), Pp))
    p = sp.Rational(Pp, Np)
    E = lambda g: sp.Rational(sum(g(st) for st in sets), len(sets))  # noqa: E731
    var = E(lambda st: int(0 in st)) - p**2
    cov = E(lambda st: int(0 in st and 1 in st)) - p**2
    assert var == p * (1 - p) and cov == -p * (1 - p) / (Np - 1)
    return {"dlogdet": sp.log(kp + v), "dh": r**2 / (kp + v)}


if __name__ == "__main__":
    one_draw()
    logdet()
    quadratic()
    mixture()
    pointwise_evidence()
    noise()
    population()
    draws()

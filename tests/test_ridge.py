"""The ridge at U = 0 on arrays (rgflow.ridge): bare mass r = P/κ and the renormalized ridge.

References: the fixed point by high-precision bisection in mpmath; its κ → 0 limits in closed form;
the bare test error against the GP predictor of docs/theory.md §1 (rgflow.predict, "gp"); the renormalized
test and training errors against real kernel ridge regression on a synthetic kernel whose spectrum is
known exactly (explicit cosine features of x uniform on the circle, averaged over draws).
"""

import mpmath
import numpy as np
import pytest

from rgflow.ridge import renormalized_ridge, ridge_errors, test_error


def _mp_root(lam, P, kappa, iters=130):
    """K > κ/P with K = κ/P + (K/P) Σ λ/(λ+K), by bisection at 40 digits on [κ/P, κ/P + Σλ/P]."""
    with mpmath.workdps(40):
        lam = [mpmath.mpf(float(v)) for v in lam]
        P, kappa = mpmath.mpf(P), mpmath.mpf(kappa)
        g = lambda K: K - kappa / P - K / P * mpmath.fsum(v / (v + K) for v in lam)  # noqa: E731
        lo, hi = kappa / P, kappa / P + mpmath.fsum(lam) / P
        for _ in range(iters):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
        return float((lo + hi) / 2)


def _spectrum(n, alpha=0.3, beta=0.5, seed=0):
    k = np.arange(1, n + 1.0)
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], n)
    return k ** -(1 + alpha), signs * k ** (-(1 + beta) / 2)


@pytest.mark.parametrize(
    "n, P, kappa",
    [(300, 100, 1.0), (300, 100, 1e-8), (50, 200, 0.3), (200, 200, 1e-3), (400, 37.5, 100.0), (20, 5, 1e-250)],
)
def test_fixed_point_matches_high_precision_bisection(n, P, kappa):
    lam, _ = _spectrum(n)
    K = renormalized_ridge(lam, P, kappa)
    assert K > kappa / P
    assert K == pytest.approx(_mp_root(lam, P, kappa), rel=1e-12)


def test_small_ridge_limits():
    lam, y = _spectrum(50)
    # fewer modes than samples: K → κ/(P − Λ), every mode recovered, γ → Λ/P
    P, kappa = 80, 1e-12
    e = ridge_errors(lam, y, P, kappa)
    assert e.K == pytest.approx(kappa / (P - 50), rel=1e-6)
    assert e.gamma == pytest.approx(50 / 80, rel=1e-6)
    assert e.test_error < 1e-15
    # more modes than samples: K → K0 with Σ λ/(λ+K0) = P (ridgeless interpolation), γ < 1
    lam, y = _spectrum(400)
    P = 60
    lo, hi = 1e-12, 1.0  # Σ λ/(λ+K) decreases from 400 to below 60 on [lo, hi]: bisection in ln K
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if np.sum(lam / (lam + mid)) > P else (lo, mid)
    K0 = np.sqrt(lo * hi)
    e = ridge_errors(lam, y, P, 1e-14)
    assert e.K == pytest.approx(K0, rel=1e-9)
    assert 0 < e.gamma < 1 and np.isfinite(e.test_error) and e.test_error > 0
    assert e.train_error < 1e-20  # the ridgeless interpolator fits its training set


def test_bare_test_error_is_the_gp_bias_of_theory_section_1():
    from rgflow import Model, predict

    m = Model(0.2, 0.3, 500, 1000 / 100**1.2, 0.0, 700)
    gp = predict(m, "gp")
    e = ridge_errors(m.eigenvalues(), m.target(), m.P, m.kappa, "bare")
    assert e.r == pytest.approx(m.P / m.kappa, rel=1e-14)
    assert e.test_error == pytest.approx(float(np.sum(gp.mean**2)), rel=1e-12)
    assert e.train_error == e.test_error and e.gamma == 0.0


def test_renormalized_errors_are_the_closed_forms_and_tend_to_bare_at_large_ridge():
    lam, y = _spectrum(500)
    P, kappa = 120, 0.5
    e = ridge_errors(lam, y, P, kappa)
    L = lam / (lam + e.K)
    gamma = np.sum(L**2) / P
    ref = np.sum((1 - L) ** 2 * y**2) / (1 - gamma)
    assert e.gamma == pytest.approx(gamma, rel=1e-13)
    assert e.test_error == pytest.approx(ref, rel=1e-12)
    assert e.train_error == pytest.approx((kappa / (P * e.K)) ** 2 * ref, rel=1e-12)
    big = 1e9  # κ ≫ P λ: K → κ/P, γ → 0, both pictures agree
    assert ridge_errors(lam, y, P, big).test_error == pytest.approx(
        ridge_errors(lam, y, P, big, "bare").test_error, rel=1e-7
    )
    curve = test_error(lam, y, [50, 100, 200], kappa)
    assert curve.shape == (3,) and np.all(np.diff(curve) < 0)


def _krr_on_circle(lam, y, P, kappa, draws, seed=0):
    """Real KRR with K(x, x') = Σ_k λ_k φ_k(x) φ_k(x'), φ_k = √2 cos(kx), x uniform on [0, 2π) (so E φ_k φ_q
    = δ_kq exactly), target Σ_k y_k φ_k: the test error over the distribution is Σ_k (ĉ_k − y_k)² with
    ĉ = λ ⊙ Φᵀ(K + κI)⁻¹ t; the training error is the mean squared residual on the P points."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, len(lam) + 1.0)
    test, train = [], []
    for _ in range(draws):
        phi = np.sqrt(2) * np.cos(np.outer(rng.uniform(0, 2 * np.pi, P), k))
        K = (phi * lam) @ phi.T
        t = phi @ y
        a = np.linalg.solve(K + kappa * np.eye(P), t)
        test.append(np.sum((lam * (phi.T @ a) - y) ** 2))
        train.append(np.mean((K @ a - t) ** 2))
    test, train = np.array(test), np.array(train)
    return test.mean(), test.std(ddof=1) / np.sqrt(draws), train.mean(), train.std(ddof=1) / np.sqrt(draws)


# (At κ = 0.05, δ ≈ 3, the renormalized test error is ≈ 13% below KRR at P = 150, Λ = 4P: not asserted.)
@pytest.mark.parametrize("kappa", [40.0, 1000 / 100**1.2])
def test_renormalized_test_error_matches_real_krr_on_an_exactly_known_spectrum(kappa):
    P, n = 100, 400
    lam, y = _spectrum(n, alpha=0.2, beta=0.3, seed=1)
    krr, se, krr_train, se_train = _krr_on_circle(lam, y, P, kappa, draws=40)
    rr = ridge_errors(lam, y, P, kappa)
    bare = ridge_errors(lam, y, P, kappa, "bare")
    assert se < 0.02 * krr
    assert abs(krr / rr.test_error - 1) < 0.04 + 2 * se / krr
    assert abs(krr_train / rr.train_error - 1) < 0.04 + 2 * se_train / krr_train
    if kappa < 10:  # the bare picture misses by far more where the ridge is renormalized
        assert abs(krr / bare.test_error - 1) > 0.25


@pytest.mark.parametrize(
    "args, word",
    [
        (([1.0, 2.0], [0.1, 0.1], 10, 1.0), "descending"),
        (([1.0, 0.0], [0.1, 0.1], 10, 1.0), "> 0"),
        (([1.0, 0.5], [0.1, np.nan], 10, 1.0), "finite"),
        (([1.0, 0.5], [0.1], 10, 1.0), "same length"),
        (([], [], 10, 1.0), "empty"),
        (([1.0, 0.5], [0.1, 0.1], 0, 1.0), "P"),
        (([1.0, 0.5], [0.1, 0.1], 10, -1.0), "kappa"),
        (([1.0, 0.5], [0.1, 0.1], 10, float("nan")), "kappa"),
        (("abc", [0.1], 10, 1.0), "eigenvalues"),
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(args, word):
    with pytest.raises(ValueError, match=word):
        ridge_errors(*args)
    with pytest.raises(ValueError, match="ridge must be one of"):
        ridge_errors([1.0], [1.0], 1, 1.0, "free")


def test_domain_of_a_spectrum_prediction_follows_gamma_and_the_small_ridge_corner():
    """The ``domain`` field (issue 24 item 7): from a spectrum alone "outside" where γ = Σ L_k²/P ≥ 0.25 (γ from
    the 40-digit root, not from the code) or κ ≤ 0.01·Σλ, "unchecked" elsewhere (the leverages decide), and the
    bare ridge is never claimed valid for real KRR; the first seven fields still unpack positionally."""
    from rgflow.ridge import GAMMA_DOMAIN, SMALL_RIDGE

    lam, y = _spectrum(400)
    P = 100
    seen = set()
    for kappa in (30.0, 3.0, 1.0, 0.3, 0.1, 1e-3):
        K = _mp_root(lam, P, kappa)
        gamma = float(np.sum((lam / (lam + K)) ** 2) / P)
        res = ridge_errors(lam, y, P, kappa)
        outside = gamma >= GAMMA_DOMAIN or kappa <= SMALL_RIDGE * lam.sum()
        assert res.domain.startswith("outside: " if outside else "unchecked: "), (kappa, gamma, res.domain)
        if outside:
            assert ("gamma" in res.domain) == (gamma >= GAMMA_DOMAIN)
            assert ("small ridge" in res.domain) == (kappa <= SMALL_RIDGE * lam.sum())
        assert "rgflow krr --gram" in res.domain  # says how to check the leverages
        seen.add((gamma >= GAMMA_DOMAIN, kappa <= SMALL_RIDGE * lam.sum()))
        bare = ridge_errors(lam, y, P, kappa, "bare")
        assert bare.domain.startswith("unchecked: bare ridge")
        ridge, K7, r, L, g, test, train = res[:7]  # the positional fields are unchanged
        assert (ridge, test, len(res)) == ("renormalized", res.test_error, 8)
    assert {(False, False), (True, False), (True, True)} <= seen  # every branch was exercised


def test_domain_of_the_pointwise_ridge_below_20_points_and_at_a_small_ridge():
    from rgflow import krr, ridge
    from rgflow.ridge import pointwise_errors

    assert ridge._POINTWISE_MIN_P == krr.POINTWISE_MIN_P == 20  # one threshold for rgflow krr and pointwise_errors

    N = 64
    x = 2 * np.pi * np.arange(N) / N
    K = 2.0 * np.exp(np.cos(x[:, None] - x[None, :]))  # mean diagonal 2e: the small-ridge corner is κ ≤ 0.054
    f = np.sin(x) + 0.3 * np.cos(3 * x)
    assert pointwise_errors(K, f, P=30, kappa=0.1).domain == "inside"
    low = pointwise_errors(K, f, P=19, kappa=0.1).domain
    assert low.startswith("outside: ") and "below 20 training points" in low and "small ridge" not in low
    small = pointwise_errors(K, f, P=30, kappa=0.05).domain
    assert small.startswith("outside: ") and "small ridge" in small and "below 20" not in small


def test_domain_texts_have_no_commas_they_are_csv_cells():
    from rgflow.ridge import pointwise_domain, spectrum_domain

    texts = [spectrum_domain(r, g, k, 1.0) for r in ("bare", "renormalized") for g in (0.1, 0.5) for k in (1e-3, 1.0)]
    texts += [pointwise_domain(P, k, 1.0) for P in (5, 50) for k in (1e-3, 1.0)]
    assert all("," not in t and "\n" not in t for t in texts)

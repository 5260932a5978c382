"""The ridge at U = 0 on arrays (rgflow.ridge): bare mass r = P/κ and the renormalized ridge.

References: the fixed point by high-precision bisection in mpmath; its κ → 0 limits in closed form;
the bare test error against the GP predictor of docs/theory.md §1 (rgflow.predict, "gp"); the renormalized
test and training errors against real kernel ridge regression on a synthetic kernel whose spectrum is
known exactly (explicit cosine features of x uniform on the circle, averaged over draws).
"""
import mpmath
import numpy as np
import pytest

from rgflow.data import spectrum_from_gram
from rgflow.ridge import pointwise_errors, renormalized_ridge, ridge_errors, test_error


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


@pytest.mark.parametrize("n, P, kappa", [(300, 100, 1.0), (300, 100, 1e-8), (50, 200, 0.3), (200, 200, 1e-3),
                                         (400, 37.5, 100.0), (20, 5, 1e-250)])
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
    assert ridge_errors(lam, y, P, big).test_error == pytest.approx(ridge_errors(lam, y, P, big, "bare").test_error,
                                                                      rel=1e-7)
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


@pytest.mark.parametrize("args, word", [
    (([1.0, 2.0], [0.1, 0.1], 10, 1.0), "descending"),
    (([1.0, 0.0], [0.1, 0.1], 10, 1.0), "> 0"),
    (([1.0, 0.5], [0.1, np.nan], 10, 1.0), "finite"),
    (([1.0, 0.5], [0.1], 10, 1.0), "same length"),
    (([], [], 10, 1.0), "empty"),
    (([1.0, 0.5], [0.1, 0.1], 0, 1.0), "P"),
    (([1.0, 0.5], [0.1, 0.1], 10, -1.0), "kappa"),
    (([1.0, 0.5], [0.1, 0.1], 10, float("nan")), "kappa"),
    (("abc", [0.1], 10, 1.0), "eigenvalues"),
])
def test_bad_input_raises_value_error_naming_the_problem(args, word):
    with pytest.raises(ValueError, match=word):
        ridge_errors(*args)
    with pytest.raises(ValueError, match="ridge must be one of"):
        ridge_errors([1.0], [1.0], 1, 1.0, "free")


# ------------------------------------------------------------------------------------------------
# The pointwise renormalized ridge (``rgflow.ridge.pointwise_errors``): eigenlearning's cavity derivation
# without assuming that the leverages φ_iᵀQ̄φ_i of the data points concentrate.
#
# Checked against (1) eigenlearning, which it must equal exactly when every point has the same leverage
# (a translation-invariant kernel on a ring), (2) the same equations solved in the primal (explicit features,
# a plain monotone fixed-point iteration instead of Newton's method), (3) real kernel ridge regression at
# points where eigenlearning on the spectrum misses it by more than 8 %.
# (formerly test_pointwise_ridge.py)

def ring_gram(N, seed):
    """A translation-invariant kernel on N points of a ring: K_ij = c(i − j), eigenvectors the Fourier modes."""
    rng = np.random.default_rng(seed)
    m = np.arange(N // 2 + 1)
    c = rng.uniform(0.5, 1.5, m.size) * (1.0 + m) ** -rng.uniform(1.2, 2.5)
    d = np.subtract.outer(np.arange(N), np.arange(N))
    K = sum(cm * np.cos(2 * np.pi * mm * d / N) for mm, cm in zip(m, c))
    x = 2 * np.pi * np.arange(N) / N
    f = sum(rng.standard_normal() * (1.0 + j) ** -1.0 * np.cos(j * x + rng.uniform(0, 2 * np.pi)) for j in range(12))
    return K, f


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("P,kappa", [(5, 1.0), (20, 0.1), (40, 1e-3), (90, 1e-2)])
def test_equal_leverages_give_eigenlearning_exactly(seed, P, kappa):
    K, f = ring_gram(96, seed)
    pw = pointwise_errors(K, f, P, kappa)
    el = ridge_errors(*spectrum_from_gram(K, f), P, kappa)
    assert np.ptp(pw.q) < 1e-9 * pw.q.mean()
    assert pw.K_points == pytest.approx(np.full(96, el.K), rel=1e-9)
    assert pw.test_error == pytest.approx(el.test_error, rel=1e-9)


def clustered_gram(N, seed):
    """An rbf Gram matrix on clustered points with a few outliers: leverages far from equal."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(0, 0.3, (N - 8, 3)) + rng.integers(0, 3, (N - 8, 1)),
                        rng.normal(0, 3.0, (8, 3))])
    K = np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, axis=-1))
    return K, np.tanh(X @ np.array([1.0, -0.5, 0.3]))


@pytest.mark.parametrize("P,kappa", [(10, 0.1), (30, 1e-3), (60, 1.0)])
def test_newton_solution_and_errors_equal_the_primal_equations_solved_by_plain_iteration(P, kappa):
    """The same equations in the primal (features Φ = U diag(√(Nλ)), Q̄ = (ΦᵀWΦ/N + κ/P)⁻¹), solved by
    iterating the monotone map w ← 1/(1 + q/P) from w = 1, against the dual Newton solution."""
    N = 120
    K, f = clustered_gram(N, seed=P)
    pw = pointwise_errors(K, f, P, kappa)
    lam, U = np.linalg.eigh(K)
    Phi = U * np.sqrt(np.clip(lam, 0, None))          # Φ Φᵀ = K
    K0 = kappa / P
    w = np.ones(N)
    for _ in range(20000):
        Q = np.linalg.inv(Phi.T @ (w[:, None] * Phi) / N + K0 * np.eye(N))
        q = np.einsum("ik,kl,il->i", Phi, Q, Phi)
        w_new = 1 / (1 + q / P)
        if np.max(np.abs(w_new - w) / w) < 1e-13:
            break
        w = w_new
    assert np.ptp(pw.q) > 0.1 * pw.q.mean()          # the leverages really differ
    assert pw.K_points == pytest.approx(K0 / w_new, rel=1e-8)
    theta = np.linalg.lstsq(Phi, f, rcond=None)[0]
    rho = K0 * Phi @ Q @ theta
    H = Phi @ Q @ Phi.T
    t = np.linalg.solve(np.eye(N) - (H * H) * (w_new**2 / (P * N))[None, :], (H * H).sum(1) / N)
    E = np.mean(rho**2) + np.sum(w_new**2 * t * rho**2) / (P * N)
    assert pw.test_error == pytest.approx(E, rel=1e-7)


@pytest.mark.parametrize("dataset,kernel,target,kappa,P", [
    ("breast_cancer", "rbf", "class", 0.01, 113),   # eigenlearning: KRR 1.24x its prediction (bench/real_krr.py)
    ("diabetes", "rbf", "class", 0.01, 44),         # eigenlearning: 1.12x
])
def test_pointwise_ridge_predicts_real_krr_where_eigenlearning_misses(dataset, kernel, target, kappa, P):
    pytest.importorskip("sklearn")
    from rgflow.data import kernel_matrix
    from rgflow.krr import krr_test_error, real_dataset

    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel=kernel)
    krr = krr_test_error(K, f, P, kappa, seed=0)
    assert krr["stderr"] < 0.02 * krr["mean"]
    el = ridge_errors(*spectrum_from_gram(K, f), P, kappa).test_error
    pw = pointwise_errors(K, f, P, kappa).test_error
    assert krr["mean"] / el > 1.08                 # eigenlearning on the spectrum misses ...
    assert abs(krr["mean"] / pw - 1) <= 0.08       # ... the pointwise ridge on the Gram matrix does not


@pytest.mark.parametrize("call,match", [
    (lambda: pointwise_errors(np.ones((3, 4)), np.ones(3), 2, 0.1), "square"),
    (lambda: pointwise_errors(np.eye(3), np.ones(4), 2, 0.1), "one value per data point"),
    (lambda: pointwise_errors(np.eye(3), np.ones(3), 2, 0.0), "kappa"),
    (lambda: pointwise_errors(np.eye(3), np.ones(3), -1, 0.1), "P"),
    (lambda: pointwise_errors(np.eye(3), [1, np.nan, 0], 2, 0.1), "finite"),
    (lambda: pointwise_errors(np.eye(5), np.ones(5), 2, 0.1, max_points=4), "max_points"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _random_draws(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield (str(rng.choice(["breast_cancer", "diabetes", "wine"])), str(rng.choice(["rbf", "laplace", "ntk"])),
               str(rng.choice(["class", "smooth"])), float(10 ** rng.uniform(-3, 1)), float(rng.uniform(-2, np.log10(0.2))))


@pytest.mark.parametrize("dataset,kernel,target,kappa,log_frac", [
    draw if i < 4 else pytest.param(*draw, marks=pytest.mark.slow) for i, draw in enumerate(_random_draws(8, seed=0))])
def test_pointwise_ridge_within_8_percent_of_real_krr_on_random_draws(dataset, kernel, target, kappa, log_frac):
    """Random draws (seeded, not chosen): κ log-uniform in [1e-3, 10], P log-uniform in [0.01 N, 0.2 N];
    the bench version over all four data sets is ``python bench/real_krr_random.py``."""
    pytest.importorskip("sklearn")
    from rgflow.data import kernel_matrix
    from rgflow.krr import krr_test_error, real_dataset

    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel=kernel)
    P = max(5, int(round(len(f) * 10**log_frac)))
    krr = krr_test_error(K, f, P, kappa, seed=1)
    assert krr["stderr"] < 0.02 * krr["mean"]
    assert abs(krr["mean"] / pointwise_errors(K, f, P, kappa).test_error - 1) <= 0.08

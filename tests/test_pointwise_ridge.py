"""The pointwise renormalized ridge (``rgflow.ridge.pointwise_errors``): eigenlearning's cavity derivation
without assuming that the leverages φ_iᵀQ̄φ_i of the data points concentrate.

Checked against (1) eigenlearning, which it must equal exactly when every point has the same leverage
(a translation-invariant kernel on a ring), (2) the same equations solved in the primal (explicit features,
a plain monotone fixed-point iteration instead of Newton's method), (3) real kernel ridge regression at
points where eigenlearning on the spectrum misses it by more than 8 %.
"""

import numpy as np
import pytest

from rgflow.data import spectrum_from_gram
from rgflow.ridge import pointwise_errors, ridge_errors


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
    """With i.i.d. draws (replace=True), eigenlearning's own setting."""
    K, f = ring_gram(96, seed)
    pw = pointwise_errors(K, f, P, kappa, replace=True)
    el = ridge_errors(*spectrum_from_gram(K, f), P, kappa)
    assert np.ptp(pw.q) < 1e-9 * pw.q.mean()
    assert pw.K_points == pytest.approx(np.full(96, el.K), rel=1e-9)
    assert pw.test_error == pytest.approx(el.test_error, rel=1e-9)


def clustered_gram(N, seed):
    """An rbf Gram matrix on clustered points with a few outliers: leverages far from equal."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(0, 0.3, (N - 8, 3)) + rng.integers(0, 3, (N - 8, 1)), rng.normal(0, 3.0, (8, 3))])
    K = np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, axis=-1))
    return K, np.tanh(X @ np.array([1.0, -0.5, 0.3]))


@pytest.mark.parametrize("P,kappa", [(10, 0.1), (30, 1e-3), (60, 1.0)])
def test_newton_solution_and_errors_equal_the_primal_equations_solved_by_plain_iteration(P, kappa):
    """The same equations (i.i.d. draws) in the primal (features Φ = U diag(√(Nλ)), Q̄ = (ΦᵀWΦ/N + κ/P)⁻¹),
    solved by iterating the monotone map w ← 1/(1 + q/P) from w = 1, against the dual Newton solution."""
    N = 120
    K, f = clustered_gram(N, seed=P)
    pw = pointwise_errors(K, f, P, kappa, replace=True)
    lam, U = np.linalg.eigh(K)
    Phi = U * np.sqrt(np.clip(lam, 0, None))  # Φ Φᵀ = K
    K0 = kappa / P
    w = np.ones(N)
    for _ in range(20000):
        Q = np.linalg.inv(Phi.T @ (w[:, None] * Phi) / N + K0 * np.eye(N))
        q = np.einsum("ik,kl,il->i", Phi, Q, Phi)
        w_new = 1 / (1 + q / P)
        if np.max(np.abs(w_new - w) / w) < 1e-13:
            break
        w = w_new
    assert np.ptp(pw.q) > 0.1 * pw.q.mean()  # the leverages really differ
    assert pw.K_points == pytest.approx(K0 / w_new, rel=1e-8)
    theta = np.linalg.lstsq(Phi, f, rcond=None)[0]
    rho = K0 * Phi @ Q @ theta
    H = Phi @ Q @ Phi.T
    t = np.linalg.solve(np.eye(N) - (H * H) * (w_new**2 / (P * N))[None, :], (H * H).sum(1) / N)
    E = np.mean(rho**2) + np.sum(w_new**2 * t * rho**2) / (P * N)
    assert pw.test_error == pytest.approx(E, rel=1e-7)


@pytest.mark.parametrize(
    "dataset,kernel,target,kappa,P",
    [
        ("breast_cancer", "rbf", "class", 0.01, 113),  # eigenlearning: KRR 1.24x its prediction (bench/real_krr.py)
        ("diabetes", "rbf", "class", 0.01, 44),  # eigenlearning: 1.12x
    ],
)
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
    assert krr["mean"] / el > 1.08  # eigenlearning on the spectrum misses ...
    assert abs(krr["mean"] / pw - 1) <= 0.08  # ... the pointwise ridge on the Gram matrix does not


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: pointwise_errors(np.ones((3, 4)), np.ones(3), 2, 0.1), "square"),
        (lambda: pointwise_errors(np.eye(3), np.ones(4), 2, 0.1), "one value per data point"),
        (lambda: pointwise_errors(np.eye(3), np.ones(3), 2, 0.0), "kappa"),
        (lambda: pointwise_errors(np.eye(3), np.ones(3), -1, 0.1), "P"),
        (lambda: pointwise_errors(np.eye(3), [1, np.nan, 0], 2, 0.1), "finite"),
        (lambda: pointwise_errors(np.eye(5), np.ones(5), 2, 0.1, max_points=4), "max_points"),
    ],
)
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _random_draws(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield (
            str(rng.choice(["breast_cancer", "diabetes", "wine"])),
            str(rng.choice(["rbf", "laplace", "ntk"])),
            str(rng.choice(["class", "smooth"])),
            float(10 ** rng.uniform(-3, 1)),
            float(rng.uniform(-2, np.log10(0.2))),
        )


@pytest.mark.parametrize(
    "dataset,kernel,target,kappa,log_frac",
    [draw if i < 4 else pytest.param(*draw, marks=pytest.mark.slow) for i, draw in enumerate(_random_draws(8, seed=0))],
)
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pointwise_ridge_converges_at_a_tiny_ridge_with_near_duplicates(seed):
    """κ/P ~ 1e-6: S K S/N + κ/P is so ill-conditioned that Newton's residual stalls near 1e-11 (it used to
    raise after 50 steps). The weights it returns satisfy the fixed point w_i = 1/(1 + q_i/P) to 1e-8, with
    q_i = [K (W K/N + κ/P)⁻¹]_ii recomputed here by an LU solve (not the Cholesky inverse of the solver)."""
    rng = np.random.default_rng(seed)
    N, d, P, kappa = 60, 3, 10, 2e-5
    X = rng.standard_normal((N, d))
    X[:15] = X[0] + 1e-3 * rng.standard_normal((15, d))  # a cluster of near duplicates
    K = np.exp(-0.5 * ((X[:, None] - X[None]) ** 2).sum(-1) / d)
    f = np.sign(X[:, 0])
    r = pointwise_errors(K, f, P, kappa, replace=True)
    w = (kappa / P) / r.K_points
    q = np.diag(np.linalg.solve((w[:, None] * K / N + (kappa / P) * np.eye(N)).T, K.T).T)
    assert np.max(np.abs(w * (1 + q / P) - 1)) < 1e-8
    assert np.isfinite(r.test_error) and r.test_error > 0


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_without_replacement_all_points_drawn_is_krr_on_all_points(seed, noise):
    """P = N without replacement: the one training set is the whole data set, and the theory must give KRR's
    own test error, mean (f − A f)² + σ² ‖A‖²_F/N with A = K (K + κ)⁻¹ (no approximation is left)."""
    K, f = clustered_gram(80, seed)
    N = len(f)
    for kappa in (1e-3, 0.1, 10.0):
        A = K @ np.linalg.inv(K + kappa * np.eye(N))
        exact = np.mean((f - A @ f) ** 2) + noise * np.sum(A * A) / N
        assert pointwise_errors(K, f, N, kappa, noise=noise).test_error == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize(
    "dataset,target,kappa,frac,noise", [("wine", "smooth", 0.1, 0.7, 0.0), ("diabetes", "class", 0.02, 0.7, 0.1)]
)
def test_without_replacement_predicts_real_krr_at_a_large_share_of_the_points(dataset, target, kappa, frac, noise):
    """P = 0.7 N distinct points (how real KRR is measured): the i.i.d. theory (and eigenlearning) read the
    test error 15-30% high, the finite-population one must be within 5% (bench/pointwise_population.py)."""
    pytest.importorskip("sklearn")
    from rgflow.data import kernel_matrix
    from rgflow.krr import krr_test_error, real_dataset

    X, f = real_dataset(dataset, target)
    K = kernel_matrix(X, kernel="rbf")
    P = int(frac * len(f))
    krr = krr_test_error(K, f, P, kappa, seed=1, noise=noise)
    assert krr["stderr"] < 0.02 * krr["mean"]
    iid = pointwise_errors(K, f, P, kappa, replace=True, noise=noise).test_error
    pop = pointwise_errors(K, f, P, kappa, noise=noise).test_error
    assert krr["mean"] / iid < 0.9
    assert abs(krr["mean"] / pop - 1) <= 0.05


def test_without_replacement_refuses_more_points_than_the_data_set():
    K, f = clustered_gram(30, 0)
    with pytest.raises(ValueError, match="P must be <= N = 30"):
        pointwise_errors(K, f, 31, 0.1)
    assert np.isfinite(pointwise_errors(K, f, 31, 0.1, replace=True).test_error)
    with pytest.raises(ValueError, match="replace must be True or False"):
        pointwise_errors(K, f, 10, 0.1, replace="no")


@pytest.mark.parametrize("seed", [0, 1])
def test_pointwise_ridge_converges_on_a_low_rank_kernel_at_a_tiny_ridge(seed):
    """A linear kernel X Xᵀ + 0.1 (rank 4 on 90 points) at κ/P ~ 1e-7: S K S/N + κ/P has a condition number near
    1e9 and Newton's residual stalls near 1e-8 (it used to raise after 50 steps). Without replacement the returned
    weights satisfy ω_i (1 + (1 − p) q̄_i) = 1 to 1e-6, q_i recomputed by an LU solve and q̄_i as the positive root of
    (1 − p) q̄² + (1 − h) q̄ − h = 0 (h = q_i/P) by numpy.roots."""
    rng = np.random.default_rng(seed)
    N, P, kappa = 90, 45, 5e-6
    X = 3.0 * rng.standard_normal((N, 3))
    K = X @ X.T + 0.1
    f = np.sign(X[:, 0])
    r = pointwise_errors(K, f, P, kappa)
    om = (kappa / P) / r.K_points
    q = np.diag(np.linalg.solve((om[:, None] * K / N + (kappa / P) * np.eye(N)).T, K.T).T)
    p = P / N
    qbar = np.array([max(np.roots([1 - p, 1 - h, -h]).real) for h in q / P])
    assert np.max(np.abs(om * (1 + (1 - p) * qbar) - 1)) < 1e-6
    assert np.isfinite(r.test_error) and r.test_error > 0

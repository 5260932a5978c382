"""From data to a spectrum (rgflow.data): Gram/feature → (λ_k, y_k), kernels, spectrum files, fits.

References: a Gram matrix built from a known orthonormal eigenbasis; scikit-learn's rbf/laplacian
kernels; a Monte Carlo estimate of a wide ReLU network's tangent kernel from its explicit gradients;
the dense eigendecomposition for the Nyström path (m = N exactly; m < N from below, since
K − C W⁺ Cᵀ is positive semi-definite); exact power laws (and noisy ones) for the fits.
"""

import numpy as np
import pytest

from rgflow.data import (
    exponent_drift,
    fit_power_law,
    kernel_matrix,
    load_spectrum,
    save_spectrum,
    spectrum_from_features,
    spectrum_from_gram,
)


def test_gram_with_known_eigenbasis_gives_its_spectrum_and_coefficients():
    N, rng = 60, np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((N, N)))
    lam = np.sort(rng.uniform(0.01, 1.0, N))[::-1]
    y = rng.standard_normal(N)
    K = (U * (N * lam)) @ U.T
    f = np.sqrt(N) * U @ y
    s = spectrum_from_gram(K, f)
    assert np.allclose(s.eigenvalues, lam, rtol=1e-12, atol=1e-14)
    assert np.allclose(np.abs(s.target), np.abs(y), atol=1e-10)  # eigenvector signs are arbitrary
    assert np.sum(s.target**2) == pytest.approx(np.mean(f**2), rel=1e-12)
    lam2, y2 = s  # unpacks as (eigenvalues, target)
    assert lam2 is s.eigenvalues and s.meta["N"] == N and s.meta["dropped_modes"] == 0


def test_numerically_zero_modes_are_dropped_and_their_power_reported():
    N, rng = 40, np.random.default_rng(1)
    X = rng.standard_normal((N, 3))
    K = X @ X.T  # rank 3
    f = rng.standard_normal(N)
    s = spectrum_from_gram(K, f)
    assert s.eigenvalues.size == 3 and s.meta["dropped_modes"] == N - 3
    assert np.sum(s.target**2) + s.meta["dropped_power"] == pytest.approx(np.mean(f**2), rel=1e-12)


def test_rbf_and_laplace_match_scikit_learn():
    from sklearn.metrics.pairwise import laplacian_kernel, rbf_kernel

    X = np.random.default_rng(2).standard_normal((30, 5))
    Z = np.random.default_rng(3).standard_normal((7, 5))
    assert np.allclose(kernel_matrix(X, kernel="rbf"), rbf_kernel(X, gamma=1 / 5), rtol=1e-13)
    assert np.allclose(kernel_matrix(X, Z, "laplace", gamma=0.3), laplacian_kernel(X, Z, gamma=0.3), rtol=1e-13)


def test_ntk_closed_form_matches_a_wide_relu_network():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((6, 4))
    b = 0.7
    Xt = np.hstack([X / 2.0, np.full((6, 1), b)])  # x̃ = (x/√d, b), d = 4
    m = 400_000
    W = rng.standard_normal((m, 5))
    pre = Xt @ W.T
    # Θ = Σ_params ∂f/∂θ ∂f/∂θ for f = m^{-1/2} Σ a_j ReLU(w_j·x̃): ∂_a gives ReLU·ReLU, ∂_w gives a_j² 1·1 x̃·x̃'
    # (E a² = 1); the documented kernel is twice this
    theta = (np.maximum(pre, 0) @ np.maximum(pre, 0).T + ((pre > 0) * 1.0) @ (pre > 0).T * (Xt @ Xt.T)) / m
    assert np.allclose(kernel_matrix(X, kernel="ntk", bias=b), 2 * theta, rtol=2e-2, atol=2e-3)


def test_nystrom_at_full_rank_is_the_dense_result_and_below_it_otherwise():
    from sklearn.datasets import load_breast_cancer

    X, lab = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    X, f = X[:300], (lab[:300] == 0).astype(float)
    dense = spectrum_from_features(X, f, "laplace")
    full = spectrum_from_features(X, f, "laplace", rank=300)
    assert np.allclose(full.eigenvalues, dense.eigenvalues, rtol=1e-9)
    assert np.allclose(np.abs(full.target[:50]), np.abs(dense.target[:50]), atol=1e-8)
    low = spectrum_from_features(X, f, "laplace", rank=100, seed=5)
    assert low.eigenvalues.size <= 100 and low.meta["method"] == "nystrom"
    assert np.all(low.eigenvalues <= dense.eigenvalues[: low.eigenvalues.size] * (1 + 1e-9))
    assert 0.9 < low.eigenvalues[0] / dense.eigenvalues[0] <= 1 + 1e-9
    assert np.sum(low.target**2) <= np.mean(f**2) * (1 + 1e-12)


def test_memory_limit_is_stated_and_enforced():
    X = np.zeros((50, 2))
    with pytest.raises(ValueError, match="modes=k"):
        spectrum_from_features(X, np.ones(50), "rbf", max_dense=40)
    with pytest.raises(ValueError, match="GB"):
        spectrum_from_gram(np.eye(50), np.ones(50), max_dense=40)


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: spectrum_from_gram(np.ones((3, 4)), np.ones(3)), "square"),
        (lambda: spectrum_from_gram(np.array([[1.0, 2.0], [0.0, 1.0]]), np.ones(2)), "symmetric"),
        (lambda: spectrum_from_gram(np.eye(3), np.ones(4)), "one value per data point"),
        (lambda: spectrum_from_gram(np.eye(3), [1.0, np.nan, 1.0]), "finite"),
        (lambda: spectrum_from_gram(-np.eye(3), np.ones(3)), "positive"),
        (lambda: spectrum_from_features(np.ones((3, 2)), np.ones(3), "polly"), "kernel must be a callable"),
        (lambda: spectrum_from_features(np.ones((3, 2)), np.ones(3), "rbf", sigma=1.0), "unknown: sigma"),
        (lambda: spectrum_from_features(np.ones((3, 2)), np.ones(3), "rbf", gamma=-1.0), "gamma"),
        (lambda: spectrum_from_features(np.ones((3, 2)), np.ones(3), "rbf", rank=4), "rank"),
        (lambda: kernel_matrix(np.ones(3)), "2-D"),
    ],
)
def test_bad_input_raises_value_error(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("ext", ["npz", "csv"])
def test_save_and_load_round_trip(tmp_path, ext):
    k = np.arange(1, 101.0)
    lam, y = 0.3 * k**-1.4, np.cos(k) * k**-0.8
    p = save_spectrum(tmp_path / f"s.{ext}", lam, y, kernel="rbf", N=1797)
    s = load_spectrum(p)
    assert np.array_equal(s.eigenvalues, lam) and np.array_equal(s.target, y)
    if ext == "npz":
        assert s.meta == {"kernel": "rbf", "N": 1797}
    assert not list(tmp_path.glob(".*tmp"))


def _write(tmp_path, name, text=None, **arrays):
    p = tmp_path / name
    if text is not None:
        p.write_text(text)
    else:
        np.savez(p, **arrays)
    return p


@pytest.mark.parametrize(
    "name, content, word",
    [
        ("a.npz", {"eigenvalues": np.ones(3)}, "missing array"),
        ("b.npz", {"eigenvalues": [1.0, 0.5], "target": [1.0]}, "unequal lengths"),
        ("c.npz", {"eigenvalues": [1.0, np.nan], "target": [1.0, 1.0]}, "finite"),
        ("d.npz", {"eigenvalues": [1.0, -0.5], "target": [1.0, 1.0]}, "> 0"),
        ("e.npz", {"eigenvalues": [0.5, 1.0], "target": [1.0, 1.0]}, "descending"),
        ("f.npz", {"eigenvalues": np.array([]), "target": np.array([])}, "empty"),
        ("g.csv", "# comment\neigenvalue,weight\n1.0,2.0\n", "missing target"),
        ("h.csv", "eigenvalue,target\n1.0,0.3\n0.5\n", "unequal lengths"),
        ("i.csv", "eigenvalue,target\n1.0,abc\n", "not numeric"),
        ("j.csv", "# only a comment\n", "empty"),
        ("k.csv", "eigenvalue,target\n1.0,nan\n", "finite"),
        ("l.csv", "eigenvalue,target\n", "empty"),
        ("m.txt", "", "must end in .npz or .csv"),
    ],
)
def test_bad_files_raise_value_error_naming_the_problem(tmp_path, name, content, word):
    p = _write(
        tmp_path, name, content if isinstance(content, str) else None, **(content if isinstance(content, dict) else {})
    )
    with pytest.raises(ValueError, match=word):
        load_spectrum(p)


def test_csv_columns_in_any_order_and_comments(tmp_path):
    p = _write(tmp_path, "s.csv", "# made by hand\ntarget,eigenvalue\n# mid comment\n0.5,2.0\n0.25,1.0\n")
    lam, y = load_spectrum(p)
    assert np.array_equal(lam, [2.0, 1.0]) and np.array_equal(y, [0.5, 0.25])


def test_fit_recovers_an_exact_power_law():
    k = np.arange(1, 20001.0)
    lam, y = 2.5 * k**-1.3, np.sqrt(0.7 * k**-1.8)
    fit = fit_power_law(lam, y, 10, 20000)
    assert fit["A"] == pytest.approx(2.5, rel=1e-10) and fit["alpha"] == pytest.approx(0.3, abs=1e-10)
    assert fit["beta"] == pytest.approx(0.8, abs=3e-3) and fit["B"] == pytest.approx(0.7, rel=2e-2)


def test_fit_of_noisy_target_power_is_within_its_error_bars_on_average():
    k = np.arange(1, 20001.0)
    lam = k**-1.5
    pulls = []
    for seed in range(20):
        y = np.sqrt(k**-1.4) * np.random.default_rng(seed).standard_normal(k.size)  # E y_k² = k^-(1+0.4)
        fit = fit_power_law(lam, y, 20, 20000)
        assert abs(fit["beta"] - 0.4) < 0.05
        pulls.append((fit["beta"] - 0.4) / fit["beta_err"])
    assert np.mean(np.abs(pulls) < 2) >= 0.75


def test_drift_table_follows_a_broken_power_law():
    k = np.arange(1, 8001.0)
    lam = np.where(k < 100, k**-1.2, 100.0**0.4 * k**-1.6)  # α = 0.2 below k = 100, 0.6 above
    y = np.sqrt(k**-1.5)
    d = exponent_drift(lam, y, width=4, step=2, k_min=4)
    assert d["alpha"][0] == pytest.approx(0.2, abs=1e-9) and d["alpha"][-1] == pytest.approx(0.6, abs=1e-9)
    assert np.all(np.diff(d["alpha"]) >= -1e-9) and np.allclose(d["beta"], 0.5, atol=0.02)
    assert np.all(d["k_hi"] <= 8000) and len(d["k_lo"]) >= 8
    with pytest.raises(ValueError, match="window"):
        fit_power_law(lam, y, 10, 11)


def test_real_data_spectrum_keeps_the_mean_of_f_squared():
    from rgflow.krr import real_dataset

    X, f = real_dataset("breast_cancer", "smooth")
    s = spectrum_from_features(X, f, "ntk")
    assert np.all(np.diff(s.eigenvalues) <= 0) and s.eigenvalues[-1] > 0
    assert np.sum(s.target**2) + s.meta["dropped_power"] == pytest.approx(np.mean(f**2), rel=1e-12)
    assert s.meta["N"] == 569 and s.meta["kernel"] == "ntk"

"""Real kernel ridge regression (scikit-learn's KernelRidge) on scikit-learn's bundled data sets against
the U = 0 theory on the measured spectrum of all N points (a small subset of ``bench/real_krr.py``).

The subset is κ = 1, P = 0.2 N, where the renormalized (eigenlearning) ridge on the spectrum holds on every
data set, kernel and target we tried; at κ ≤ 0.1 it fails for smooth targets at large P (up to 1.5×, see
the bench table). The pointwise renormalized ridge on the Gram matrix, which holds there too, is tested in
tests/test_pointwise_ridge.py.
"""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from rgflow.data import kernel_matrix  # noqa: E402
from rgflow.krr import krr_test_error, real_dataset, validate_real  # noqa: E402


def test_krr_test_error_is_the_mean_over_the_data_set_of_an_explicit_solve():
    X, f = real_dataset("diabetes", "class")
    K = kernel_matrix(X, kernel="laplace")
    P, kappa = 40, 0.3
    e = krr_test_error(K, f, P, kappa, draws=3, seed=7)
    rng = np.random.default_rng([7, P])
    ref = []
    for _ in range(3):
        idx = rng.choice(len(f), P, replace=False)
        a = np.linalg.solve(K[np.ix_(idx, idx)] + kappa * np.eye(P), f[idx])
        ref.append(np.mean((K[:, idx] @ a - f) ** 2))
    assert e["draws"] == 3 and e["mean"] == pytest.approx(np.mean(ref), rel=1e-9)


@pytest.mark.parametrize("dataset", ["breast_cancer", "diabetes"])
@pytest.mark.parametrize("kernel", ["rbf", "laplace"])
@pytest.mark.parametrize("target", ["class", "smooth"])
def test_renormalized_ridge_predicts_real_krr_within_8_percent(dataset, kernel, target):
    (row,) = validate_real(dataset, kernel, target, kappas=(1.0,), P_fractions=(0.2,))
    assert row["krr_stderr"] < 0.02 * row["krr"]
    assert abs(row["ratio_renormalized"] - 1) <= 0.08
    assert row["ratio_bare"] > 1.1  # the bare mass r = P/κ underestimates the error


@pytest.mark.parametrize(
    "dataset,kernel,target",
    [
        ("breast_cancer", "ntk", "smooth"),
        ("diabetes", "ntk", "class"),
        pytest.param("digits", "ntk", "smooth", marks=pytest.mark.slow),
    ],
)  # digits: 12 s
def test_in_the_stated_domain_kappa_1_and_P_up_to_a_tenth_of_N(dataset, kernel, target):
    """README domain of the 8% agreement: κ ≥ 1, P ≤ 0.1 N (bench/real_krr.py: 54 of 54 points); checked
    with the ntk kernel (digits/smooth is the combination that misses at P = 0.2 N)."""
    (row,) = validate_real(dataset, kernel, target, kappas=(1.0,), P_fractions=(0.1,))
    assert row["krr_stderr"] < 0.02 * row["krr"]
    assert abs(row["ratio_renormalized"] - 1) <= 0.08


def test_the_small_ridge_misses_are_the_data_not_the_spectrum_or_the_formula():
    """At a point where real KRR misses the renormalized ridge by > 8% (breast_cancer, rbf, class, κ = 0.01,
    P = 113), KRR with Gaussian features on the same N-point spectrum (the universality assumption) matches
    it within 4%: nothing is lost in the spectrum (no dropped modes), the data's eigenfunctions differ."""
    from rgflow.data import spectrum_from_gram
    from rgflow.krr import gaussian_feature_krr
    from rgflow.ridge import ridge_errors

    X, f = real_dataset("breast_cancer", "class")
    K = kernel_matrix(X, kernel="rbf")
    s = spectrum_from_gram(K, f)
    assert s.meta["dropped_modes"] == 0
    theory = ridge_errors(*s, 113, 0.01, "renormalized").test_error
    g = gaussian_feature_krr(*s, 113, 0.01, draws=60)
    assert abs(g["mean"] / theory - 1) <= 0.04
    real = krr_test_error(K, f, 113, 0.01, seed=0)
    assert real["mean"] / theory > 1.08 + 2 * real["stderr"] / theory

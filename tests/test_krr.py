"""Real kernel ridge regression (KRR) on the circle against the U = 0 theory (small version).

References: explicit cosine features and dense solves (the KRR side); the equivalent kernel (EK,
docs/theory.md §1 with r = P/κ) and the renormalized-ridge closed form (RR, module docstring) on the
theory side, with the diagnostic δ = (1/P) Σ rλ/(1+rλ) setting how well EK can hold.
"""

import numpy as np
import pytest

from rgflow import paper
from rgflow.krr import _grid_size, compare, effective_ridge, krr_training_loss, sample_gram, theory_training_loss

A, B = 0.2, 0.3
PAPER_KAPPA = paper.KAPPA


def test_grid_inputs_give_exactly_the_spectrum():
    # E_x φ_k φ_q = δ_kq over the whole input grid, so the kernel operator has eigenvalues λ_k exactly
    cut = 50
    x = 2 * np.pi * np.arange(_grid_size(cut)) / _grid_size(cut)
    phi = np.sqrt(2) * np.cos(np.outer(x, np.arange(1, cut + 1)))
    assert np.abs(phi.T @ phi / len(x) - np.eye(cut)).max() < 1e-12


def test_sampled_gram_and_target_match_explicit_features():
    P, cut = 90, 30
    K, t, x = sample_gram(P, A, B, cut, seed=3)
    k = np.arange(1, cut + 1.0)
    phi = np.sqrt(2) * np.cos(np.outer(x, k))
    assert np.allclose(K, (phi * k ** -(1 + A)) @ phi.T, rtol=0, atol=1e-12)
    coef = np.linalg.lstsq(phi, t, rcond=None)[0]  # the target is Σ s_k y_k φ_k with signs s_k = ±1
    assert np.allclose(np.abs(coef), k ** (-(1 + B) / 2), rtol=1e-9)
    assert 0 < np.sum(coef < 0) < cut


def test_krr_residual_and_variance_match_a_direct_solve():
    P, cut, kappa = 120, 480, PAPER_KAPPA
    e = krr_training_loss(P, A, B, kappa, cut, seeds=(5,))
    K, t, _ = sample_gram(P, A, B, cut, seed=5)
    Ainv = np.linalg.inv(K + kappa * np.eye(P))
    fhat = K @ Ainv @ t
    post_var = np.diag(K - K @ Ainv @ K)  # GP posterior variance at the training points
    assert np.isclose(e["bias"], np.mean((fhat - t) ** 2), rtol=1e-9)
    assert np.isclose(e["variance"], np.mean(post_var), rtol=1e-8)


@pytest.mark.parametrize(
    "P, kappa, cut", [(200, PAPER_KAPPA, 800), (1000, PAPER_KAPPA, 1000), (300, 0.05, 1200), (500, 40.0, 2000)]
)
def test_renormalized_ridge_lies_in_the_band_set_by_the_diagnostic(P, kappa, cut):
    t = theory_training_loss(P, A, B, kappa, cut)
    lam = np.arange(1, cut + 1.0) ** -(1 + A)
    ke = effective_ridge(P, lam, kappa)
    assert np.isclose(ke * (1 - np.sum(lam / (P * lam + ke))), kappa, rtol=1e-10)
    d = t["diagnostic"]
    assert np.isclose(d, np.sum(lam / (lam + kappa / P)) / P)
    assert max(1 - d, 0) ** 2 <= t["bias_rr"] / t["bias"] <= (1 / (1 - d) if d < 1 else np.inf)
    assert 1 - d <= t["variance_rr"] / t["variance"] <= 1


def _ratios(kappa, P=200, seeds=32):
    c = compare([P], A, B, kappa, cutoff_factor=4, samples=P * seeds, min_seeds=seeds)
    return {
        f"{th}_{q}": (c[f"krr_{q}"][0] / c[f"{th}_{q}"][0], c[f"krr_{q}_stderr"][0] / c[f"{th}_{q}"][0])
        for th in ("ek", "rr")
        for q in ("bias", "variance")
    } | {"delta": c["diagnostic"][0]}


@pytest.mark.parametrize("kappa", [40.0, PAPER_KAPPA])
def test_krr_follows_the_theory_where_the_diagnostic_is_small(kappa):
    r = _ratios(kappa)
    d = r["delta"]
    assert d < 0.4
    # the renormalized ridge within 3 standard errors plus 2% (its own finite-P accuracy)
    for q in ("bias", "variance"):
        ratio, se = r[f"rr_{q}"]
        assert abs(ratio - 1) < 3 * se + 0.02, (q, ratio, se)
    # the equivalent kernel within the band the diagnostic allows: relative error O(δ)
    ratio, se = r["ek_bias"]
    assert (1 - d) ** 2 - 3 * se < ratio < 1 / (1 - d) + 3 * se, (ratio, se, d)
    ratio, se = r["ek_variance"]
    assert 1 - d - 3 * se < ratio < 1 + 3 * se, (ratio, se, d)


def test_equivalent_kernel_error_grows_with_the_diagnostic():
    small, paper = _ratios(40.0), _ratios(PAPER_KAPPA)
    assert small["delta"] < paper["delta"]
    for q in ("bias", "variance"):
        (rs, ss), (rp, sp) = small[f"ek_{q}"], paper[f"ek_{q}"]
        assert abs(rs - 1) + 3 * ss < abs(rp - 1) - 3 * sp, q


def test_equivalent_kernel_breaks_down_at_a_tiny_ridge_where_the_renormalized_ridge_holds():
    r = _ratios(0.05)
    assert r["delta"] > 1  # more "learned" modes than samples: EK is meaningless
    (rb, sb), (rv, sv) = r["ek_bias"], r["ek_variance"]
    assert rb + 3 * sb < 0.2 and rv + 3 * sv < 0.4  # EK overestimates by more than 5x and 2.5x
    for q in ("bias", "variance"):
        ratio, se = r[f"rr_{q}"]
        assert abs(ratio - 1) < 3 * se + 0.10, (q, ratio, se)  # RR holds to ~10% even at δ ≈ 3

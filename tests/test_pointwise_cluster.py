"""The pointwise ridge with neighbour clusters (``neighbours=``, rgflow._cluster): each point and its nearest
neighbours drawn exactly, the other points at their pointwise weights.

Checked against (1) the plain pointwise ridge, which a cluster of one point must reproduce (with label noise and
at two ridges), (2) brute force: when every cluster holds all N points the sum over subsets is the exact average
of KRR's squared residuals over Bernoulli(p) draws (2^N subsets solved one by one), (3) real KRR on iris at a
small ridge, where the plain pointwise ridge is > 10% low.
"""

import itertools

import numpy as np
import pytest

from rgflow._cluster import cluster_size
from rgflow.network_real import _fixed_points, pointwise_cross_error
from rgflow.ridge import _cluster_errors as cluster
from rgflow.ridge import _pointwise_cross_error, cross_errors, pointwise_errors


def clustered(N, seed):
    """An rbf Gram matrix of N points in a few tight clusters, and a target."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 2)) * 2.0
    X = centres[rng.integers(3, size=N)] + 0.3 * rng.standard_normal((N, 2))
    K = np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, axis=2))
    f = np.tanh(X @ rng.standard_normal(2)) + 0.3 * rng.standard_normal(N)
    return K, f


def bernoulli_average(K, f, p, kappas, noise):
    """Exact: mean over points of E[r¹_i r²_i] over every subset S drawn with probability p^|S| (1 − p)^(N − |S|)."""
    N = len(f)
    E = np.zeros((len(kappas), len(kappas)))
    for z in itertools.product([0, 1], repeat=N):
        S = np.flatnonzero(z)
        pr = p ** len(S) * (1 - p) ** (N - len(S))
        if len(S) == 0:
            r = [f for _ in kappas]
            h = [np.zeros((N, 0)) for _ in kappas]
        else:
            A = [np.linalg.solve(K[np.ix_(S, S)] + k * np.eye(len(S)), K[S]).T for k in kappas]  # K(·,S)(K_SS + κ)⁻¹
            r = [f - a @ f[S] for a in A]
            h = A
        for a in range(len(kappas)):
            for b in range(len(kappas)):
                E[a, b] += pr * np.mean(r[a] * r[b] + noise * np.sum(h[a] * h[b], axis=1))
    return E


@pytest.mark.parametrize("seed,P,noise", [(0, 2, 0.0), (1, 3, 0.2), (2, 5, 0.0), (3, 4, 0.5)])
def test_one_cluster_holding_every_point_is_the_exact_bernoulli_average(seed, P, noise):
    N = 7
    K, f = clustered(N, seed)
    p = P / N
    kappas = [0.05, 0.4]
    states = _fixed_points(K, f, P, kappas, p)
    E = cluster(K, states, P, p, noise, N, N)
    assert E == pytest.approx(bernoulli_average(K, f, p, kappas, noise), rel=1e-9)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_a_cluster_of_one_point_is_the_plain_pointwise_ridge(noise):
    K, f = clustered(60, 4)
    P, kappas = 12, [0.01, 0.1, 1.0]
    states = _fixed_points(K, f, P, kappas, P / 60)
    E = cluster(K, states, P, P / 60, noise, 1, 1)
    plain = np.array([[_pointwise_cross_error(a, b, P, 60, P / 60, noise) for b in states] for a in states])
    assert E == pytest.approx(plain, rel=1e-10)
    assert pointwise_cross_error(K, f, P, kappas, noise=noise, neighbours=0) == pytest.approx(plain, rel=1e-12)
    assert pointwise_errors(K, f, P, 0.1, noise=noise, neighbours=0).test_error == pytest.approx(plain[1, 1])


def test_truncated_subsets_approach_the_full_sum():
    """Subsets with more than k drawn points keep the plain value: k = c is the full sum, and the default k
    (tail probability ≤ 1e-3) is within 0.2% of it."""
    K, f = clustered(50, 5)
    P = 6
    p = P / 50
    states = _fixed_points(K, f, P, [0.02], p)
    full = cluster(K, states, P, p, 0.0, 10, 10)[0, 0]
    from scipy.stats import binom

    c, k = cluster_size(p, 50, 9)
    assert c == 10 and k == min(j for j in range(11) if binom.sf(j, 10, p) <= 1e-3)
    assert k < c
    assert cluster(K, states, P, p, 0.0, c, k)[0, 0] == pytest.approx(full, rel=2e-3)
    assert cross_errors(K, states, P, p, 0.0, 9)[0, 0] == pytest.approx(full, rel=2e-3)


@pytest.mark.parametrize(
    "target,P,kappa,plain_low",
    [("smooth", 80, 0.02, 1.25), ("class", 40, 0.1, 1.06)],
)
def test_iris_small_ridge_against_real_krr(target, P, kappa, plain_low):
    """iris (standardized, rbf; a smooth target, and setosa against the rest) at a small ridge, P distinct points of
    150: the plain pointwise ridge is low by more than ``plain_low`` (KRR/theory), with the automatic clusters
    within 5% (4000 draws; the class target's error is skewed by rare draws that miss a cluster's edge)."""
    from sklearn.datasets import load_iris

    from rgflow.data import kernel_matrix

    X, lab = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    z = X @ np.random.default_rng(1).standard_normal(4)
    f = np.tanh(z / z.std()) if target == "smooth" else (lab == 0).astype(float)
    K = kernel_matrix(X, kernel="rbf")
    rng = np.random.default_rng(0)
    errs = []
    for _ in range(4000):
        S = rng.choice(150, P, replace=False)
        a = np.linalg.solve(K[np.ix_(S, S)] + kappa * np.eye(P), f[S])
        errs.append(np.mean((K[:, S] @ a - f) ** 2))
    krr = np.mean(errs)
    assert np.std(errs) / np.sqrt(len(errs)) < 0.015 * krr
    plain = pointwise_errors(K, f, P, kappa, neighbours=0).test_error
    auto = pointwise_errors(K, f, P, kappa).test_error
    assert krr / plain > plain_low
    assert krr / auto == pytest.approx(1.0, abs=0.05)


def test_neighbours_is_validated():
    K, f = clustered(20, 6)
    for bad in (-1, 2.5, "all", True):
        with pytest.raises(ValueError, match="neighbours"):
            pointwise_errors(K, f, 5, 0.1, neighbours=bad)
    with pytest.raises(ValueError, match="neighbours"):
        pointwise_errors(K, f, 5, 0.1, replace=True, neighbours=3)
    assert pointwise_errors(K, f, 5, 0.1, replace=True).test_error == pytest.approx(
        pointwise_errors(K, f, 5, 0.1, replace=True, neighbours=0).test_error
    )

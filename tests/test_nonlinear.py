"""rgflow.nonlinear: closed-form NNGP kernels against random features, the HMC weight sampler against the exact
scalar mixture where the channel outputs are exactly Gaussian (linear, affine), and the saddle against the
mixture and the GP at large width."""

import math

import numpy as np
import pytest

from rgflow import nonlinear as nl


def _data(P=8, d=4, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    X, Xt = rng.standard_normal((P, d)), rng.standard_normal((n_test, d))
    return X, np.sin(X[:, 0]) + 0.3, Xt


@pytest.mark.parametrize("act", nl.ACTIVATIONS)
def test_kernel_and_mean_against_random_features(act):
    X = np.random.default_rng(1).standard_normal((6, 4)) * np.array([0.3, 1.0, 2.0, 0.7])
    W = np.random.default_rng(2).standard_normal((200_000, 4))
    F = nl.activation(X @ W.T / 2.0, act)[0]  # √d = 2
    prods = F[:, None, :] * F[None, :, :]
    mc, se = prods.mean(-1), prods.std(-1) / math.sqrt(W.shape[0])
    z = np.abs(mc - nl.nngp_kernel(X, act=act)) / se
    assert z.max() < 5.0, z.max()
    zm = np.abs(F.mean(1) - nl.nngp_mean(X, act)) / (F.std(1) / math.sqrt(W.shape[0]))
    assert zm.max() < 5.0


def test_relu_kernel_known_values():
    # |u| = 1: K(x, x) = 1/2 (E relu(h)² for h ~ N(0, 1)); orthogonal inputs: 1/(2π); antiparallel: 0
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]) * math.sqrt(2)
    K = nl.nngp_kernel(X, act="relu")
    assert np.allclose([K[0, 0], K[0, 1], K[0, 2]], [0.5, 1 / (2 * math.pi), 0.0], atol=1e-15)


@pytest.mark.parametrize("act", ["linear", "affine"])
def test_sampler_against_exact_mixture(act):
    # the channel outputs are exactly Gaussian: the scalar mixture is the network's exact posterior at any N
    X, Y, Xt = _data()
    s = nl.sample_posterior(X, Y, 3, 0.1, act, Xt, samples=300, burn=100, chains=4, batches=4, seed=3)
    th = nl.kernel_renormalization(X, Y, 3, 0.1, act, Xt, method="mixture")
    z = (s.mean - th.predictor) / s.stderr
    assert np.abs(z).max() < 4.5, z
    assert abs(s.Q - th.Q) < 4.5 * s.Q_stderr, (s.Q, s.Q_stderr, th.Q)
    assert s.acceptance > 0.5
    # and the width matters here: the GP predictor is far outside the error bars
    gp = nl.kernel_renormalization(X, Y, 3, 0.1, act, Xt, method="gp")
    assert np.abs((s.mean - gp.predictor) / s.stderr).max() > 6


def test_sampler_reproducible():
    X, Y, Xt = _data(P=5, d=3)
    a = nl.sample_posterior(X, Y, 2, 0.5, "erf", Xt, samples=20, burn=10, chains=2, batches=2, seed=7)
    b = nl.sample_posterior(X, Y, 2, 0.5, "erf", Xt, samples=20, burn=10, chains=2, batches=2, seed=7)
    assert np.array_equal(a.mean, b.mean) and a.Q == b.Q


def test_mixture_one_scalar_against_quadrature():
    # E[Q | Y] of the m = 0 mixture against scipy quad of p(Q) N(Y; 0, Q K + T) in Q directly
    from scipy.integrate import quad
    from scipy.stats import multivariate_normal

    X, Y, Xt = _data(P=6)
    N, T = 5, 0.2
    K = nl.nngp_kernel(X, act="erf")

    def dens(Q, power):
        prior = Q ** (N / 2 - 1) * math.exp(-N * Q / 2)
        return Q**power * prior * multivariate_normal(np.zeros(6), Q * K + T * np.eye(6)).pdf(Y)

    Z = quad(dens, 0, 40, args=(0,), epsabs=0, epsrel=1e-11, limit=200)[0]
    EQ = quad(dens, 0, 40, args=(1,), epsabs=0, epsrel=1e-11, limit=200)[0] / Z
    th = nl.kernel_renormalization(X, Y, N, T, "erf", Xt)
    assert th.Q == pytest.approx(EQ, rel=1e-8)


def test_saddle_one_scalar_is_the_minimum_of_the_action():
    from scipy.optimize import minimize_scalar

    X, Y, Xt = _data(P=10)
    N, T = 20, 0.05
    K = nl.nngp_kernel(X, act="erf")

    def action(t):
        Q = math.exp(t)
        sign, logdet = np.linalg.slogdet(Q * K + T * np.eye(10))
        return N / 2 * (Q - t) + 0.5 * logdet + 0.5 * Y @ np.linalg.solve(Q * K + T * np.eye(10), Y)

    t = minimize_scalar(action, bounds=(-5, 3), method="bounded", options={"xatol": 1e-12}).x
    sd = nl.kernel_renormalization(X, Y, N, T, "erf", Xt, method="saddle")
    assert sd.Q == pytest.approx(math.exp(t), rel=1e-6) and sd.Q0 == sd.Q
    Kt = nl.nngp_kernel(Xt, X, act="erf")
    direct = sd.Q * Kt @ np.linalg.solve(sd.Q * K + T * np.eye(10), Y)
    assert np.allclose(sd.predictor, direct, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act", ["erf", "relu", "affine"])
def test_large_width_limits(act):
    # mixture − saddle = O(1/N), saddle − gp = O(P/N): both shrink ~10x from N = 200 to N = 2000
    X, Y, Xt = _data(P=10)
    gaps = []
    for N in (200, 2000):
        mix, sad, gp = (
            nl.kernel_renormalization(X, Y, N, 0.1, act, Xt, method=m).predictor for m in ("mixture", "saddle", "gp")
        )
        gaps.append((np.abs(mix - sad).max(), np.abs(sad - gp).max()))
    for (a0, b0), (a1, b1) in [(gaps[0], gaps[1])]:
        assert 5 < a0 / a1 < 20 and 5 < b0 / b1 < 20, gaps


def test_mean_mode_second_scalar():
    # ReLU's mean mode: the two saddle scalars differ at small N and both go to 1 as N grows
    X, Y, Xt = _data(P=10)
    small = nl.kernel_renormalization(X, Y, 4, 0.1, "relu", Xt, method="saddle")
    large = nl.kernel_renormalization(X, Y, 4000, 0.1, "relu", Xt, method="saddle")
    assert abs(small.Q - small.Q0) > 1e-2
    assert abs(large.Q - 1) < 2e-3 and abs(large.Q0 - 1) < 2e-3


def test_bad_input():
    X, Y, Xt = _data()
    with pytest.raises(ValueError, match="activation"):
        nl.nngp_kernel(X, act="tanh")
    with pytest.raises(ValueError, match="width"):
        nl.sample_posterior(X, Y, 0, 0.1)
    with pytest.raises(ValueError, match="kappa"):
        nl.kernel_renormalization(X, Y, 3, -1.0)
    with pytest.raises(ValueError, match="method"):
        nl.kernel_renormalization(X, Y, 3, 0.1, method="exact")
    with pytest.raises(ValueError, match="width"):
        nl.kernel_renormalization(X, Y, 1, 0.1, "relu")
    with pytest.raises(ValueError, match="Y"):
        nl.sample_posterior(X, Y[:-1], 3, 0.1)


def test_relu_saddle_where_the_root_finder_steps_past_one_plus_u_zero():
    # breast_cancer, P = 80, N = 4, κ = 0.01 (bench/nonlinear.py's draw): the two-scalar root finder tried a
    # point with 1 + u ≤ 0 and math.log1p raised "math domain error"; it must turn back and find the saddle
    pytest.importorskip("sklearn")
    from rgflow.krr import real_dataset

    X, f = real_dataset("breast_cancer", "class")
    rng = np.random.default_rng([0, 80])
    idx = rng.choice(len(f), 80, replace=False)
    test = np.setdiff1d(np.arange(len(f)), idx)
    sd = nl.kernel_renormalization(X[idx], f[idx], 4, 0.01, "relu", X[test], method="saddle")
    assert 0 < sd.Q < np.inf and 0 < sd.Q0 < np.inf and np.all(np.isfinite(sd.predictor))

"""Label noise for finite-width networks (issue 24 item 3 with issue 23's networks; docs/networks_real.md).

Independent references: scikit-learn's KernelRidge on the same noisy labels (the N → ∞ limit of the exact
network), a brute-force dense-grid quadrature of the posterior over the network's scale with the closed-form
χ²_N/N prior and direct solves on the P × P Gram matrix (the exact network on noisy labels, same draws), and
Monte Carlo over Gaussian-feature draws of X and of the noise ξ (the theory's noise terms and its whole
test error). A network on a spectrum refuses label noise (no canonical fixed-design definition)."""

import json
import math

import numpy as np
import pytest
from scipy import special

import rgflow
from rgflow.network_real import (
    draw_posterior,
    network_test_error,
    network_theory,
    noise_cross_error,
    pointwise_cross_error,
)
from rgflow.ridge import pointwise_errors, renormalized_ridge, ridge_errors


def small_problem(seed=0, N=60, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / d)
    f = np.tanh(X[:, 0] + 0.5 * X[:, 1])
    return K, f


def test_wide_network_on_noisy_labels_is_kernel_ridge_regression_on_the_same_noisy_labels():
    pytest.importorskip("sklearn")
    from rgflow.krr import krr_test_error

    K, f = small_problem(1, N=70)
    for noise in (0.0, 0.3):
        krr = krr_test_error(K, f, 20, 0.1, draws=12, seed=4, noise=noise)
        net = network_test_error(K, f, 20, 0.1, 10**12, draws=12, seed=4, noise=noise)
        assert net["mean"] == pytest.approx(krr["mean"], rel=1e-8)
        assert net["stderr"] == pytest.approx(krr["stderr"], rel=1e-6)
    clean = network_test_error(K, f, 20, 0.1, 4, draws=12, seed=4)
    noisy = network_test_error(K, f, 20, 0.1, 4, draws=12, seed=4, noise=0.3)
    assert noisy["mean"] > 1.5 * clean["mean"]  # the noise is not ignored at finite width


def brute_force_network_error(K, f, P, kappa, N, draws, seed, noise):
    """The exact depth-1 standard network on f + σξ, by a dense grid in t = ln z with the closed-form χ²_N/N prior
    and one direct solve of (K_XX + κe^{−t}) per node; the draws (points, then ξ) replay rgflow's stream."""
    rng = np.random.default_rng([seed, P])
    Np = len(f)
    a = N / 2.0
    ts = np.linspace(-40.0, 6.0, 40001)
    z = np.exp(ts)
    log_prior = a * math.log(a) - special.gammaln(a) + a * ts - a * z  # ln p(z) + t
    errs = []
    for _ in range(draws):
        idx = rng.choice(Np, P, replace=False)
        Y = f[idx] + math.sqrt(noise) * rng.standard_normal(P) if noise else f[idx]  # σ² = 0 draws no ξ
        Kxx = K[np.ix_(idx, idx)]
        C = z[:, None, None] * Kxx[None] + kappa * np.eye(P)[None]  # Q K_XX + T
        sign, logdet = np.linalg.slogdet(C)
        assert np.all(sign > 0)
        quad = np.einsum("i,nij,j->n", Y, np.linalg.inv(C), Y)
        lw = log_prior - 0.5 * (logdet + quad)
        w = np.exp(lw - lw.max())
        w /= (w.sum() - 0.5 * (w[0] + w[-1])) * (ts[1] - ts[0])  # the trapezoid's normalization
        alpha = z[:, None] * np.einsum("nij,j->ni", np.linalg.inv(C), Y)  # Q (Q K_XX + T)⁻¹ Y
        coef = (w[:, None] * alpha) * (ts[1] - ts[0])
        coef[0] *= 0.5
        coef[-1] *= 0.5
        fhat = K[:, idx] @ coef.sum(axis=0)
        errs.append(float(np.mean((fhat - f) ** 2)))
    return float(np.mean(errs))


def test_exact_network_on_noisy_labels_matches_a_brute_force_quadrature_over_the_same_draws():
    K, f = small_problem(2, N=40)
    for noise in (0.0, 0.4):
        ours = network_test_error(K, f, 6, 0.3, 3, draws=4, seed=7, noise=noise)["mean"]
        ref = brute_force_network_error(K, f, 6, 0.3, 3, 4, 7, noise)
        assert ours == pytest.approx(ref, rel=1e-6)


def gaussian_feature_network(lam, y, P, kappa, N, par, noise, draws, seed):
    """Monte Carlo over X and ξ of the exact network's population error on Gaussian features (features g ~ N(0, I),
    kernel Σ λ_k g_k g'_k, target Σ y_k g_k): per draw the clean and the noisy labels on the same X."""
    rng = np.random.default_rng(seed)
    clean, noisy = [], []
    for _ in range(draws):
        G = rng.standard_normal((P, lam.size))
        mu, V = np.linalg.eigh((G * lam) @ G.T)
        Yc = G @ y
        xi = rng.standard_normal(P)
        for Y, out in ((Yc, clean), (Yc + math.sqrt(noise) * xi, noisy)):
            yt = V.T @ Y
            c, _ = draw_posterior(mu, yt, kappa, N, 1, par)
            out.append(float(np.sum((y - lam * (G.T @ (V @ (c * yt)))) ** 2)))
    return np.array(clean), np.array(noisy)


@pytest.mark.parametrize("P,kappa,N,par,noise", [(60, 0.05, 4, "standard", 0.05), (40, 0.2, 8, "mean-field", 0.02)])
def test_network_theory_with_noise_matches_gaussian_feature_monte_carlo_of_the_exact_network(P, kappa, N, par, noise):
    lam = np.arange(1, 301) ** -1.5
    y = np.arange(1, 301) ** -1.0
    clean, noisy = gaussian_feature_network(lam, y, P, kappa, N, par, noise, 200, 7)
    tc = network_theory(lam, y, P, kappa, N, 1, par).test_error
    tn = network_theory(lam, y, P, kappa, N, 1, par, noise=noise).test_error
    d = noisy - clean  # the noise's share, on common draws of X
    se = d.std(ddof=1) / math.sqrt(d.size)
    assert abs(d.mean() - (tn - tc)) < 4 * se
    assert tn - tc > 10 * se  # the share is resolved, not ~0
    assert noisy.mean() == pytest.approx(tn, rel=0.05)


def test_noise_share_of_the_cross_error_matches_gaussian_feature_monte_carlo():
    lam = np.arange(1, 301) ** -1.5
    P, k1, k2 = 60, 0.05, 0.5
    rng = np.random.default_rng(3)
    acc = []
    for _ in range(300):  # mean over x of n₁ n₂ / σ², n_a = K(x, X)(K_XX + κ_a)⁻¹ ξ
        G = rng.standard_normal((P, lam.size))
        Kx = (G * lam) @ G.T
        xi = rng.standard_normal(P)
        a1 = np.linalg.solve(Kx + k1 * np.eye(P), xi)
        a2 = np.linalg.solve(Kx + k2 * np.eye(P), xi)
        acc.append(float(np.sum(lam**2 * (G.T @ a1) * (G.T @ a2))))
    K1, K2 = renormalized_ridge(lam, P, k1), renormalized_ridge(lam, P, k2)
    theory = noise_cross_error(lam, P, np.array([K1]), np.array([K2]))[0, 0]
    se = np.std(acc, ddof=1) / math.sqrt(len(acc))
    assert abs(np.mean(acc) - theory) < 4 * se + 0.01 * theory


def test_noisy_theories_reduce_to_the_u0_noise_terms():
    lam = np.arange(1, 201) ** -1.4
    y = np.arange(1, 201) ** -1.1
    for ridge in ("renormalized", "bare"):
        wide = network_theory(lam, y, 50, 0.1, 10**10, ridge=ridge, noise=0.2).test_error
        assert wide == pytest.approx(ridge_errors(lam, y, 50, 0.1, ridge, noise=0.2).test_error, rel=1e-6)
    K1 = np.array([renormalized_ridge(lam, 50, 0.1)])
    g = ridge_errors(lam, y, 50, 0.1).gamma
    assert noise_cross_error(lam, 50, K1, K1)[0, 0] == pytest.approx(g / (1 - g), rel=1e-12)
    K, f = small_problem(3)
    kappas = np.array([0.01, 0.3])
    Ep = pointwise_cross_error(K, f, 15, kappas, noise=0.25)
    for i, k in enumerate(kappas):
        assert Ep[i, i] == pytest.approx(pointwise_errors(K, f, 15, k, noise=0.25).test_error, rel=1e-9)
    from rgflow.data import spectrum_from_gram

    s = spectrum_from_gram(K, f)
    pw = network_theory(*s, 15, 0.3, 10**10, ridge="pointwise", gram=K, values=f, noise=0.25).test_error
    assert pw == pytest.approx(pointwise_errors(K, f, 15, 0.3, noise=0.25).test_error, rel=1e-6)
    with pytest.raises(ValueError, match="noise"):
        network_theory(lam, y, 50, 0.1, 10, noise=-1.0)
    with pytest.raises(ValueError, match="noise"):
        network_test_error(K, f, 10, 0.1, 10, draws=2, noise=float("nan"))


def run(capsys, argv):
    from rgflow.cli import main

    code = main(argv.split())
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_krr_width_with_noise_trains_the_network_on_the_noisy_labels(tmp_path, capsys):
    pytest.importorskip("sklearn")
    K, f = small_problem(4, N=50)
    np.save(tmp_path / "K.npy", K)
    np.save(tmp_path / "f.npy", f)
    base = (
        f"krr --gram {tmp_path / 'K.npy'} --target {tmp_path / 'f.npy'} --P 10,20 --kappa 0.5 --max-draws 6 "
        "--noise 0.2 --theory renormalized --format json --quiet"
    )
    code, out, err = run(capsys, base)
    assert code == 0, err
    krr = json.loads(out)["rows"]
    code, out, err = run(capsys, base + " --width 1000000000000")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["params"]["noise"] == 0.2 and obj["params"]["width"] == 10**12
    for a, b in zip(krr, obj["rows"]):
        assert b["krr"] == pytest.approx(a["krr"], rel=1e-8)
    code, out, err = run(capsys, base + " --width 3 --no-krr")
    assert code == 0, err
    from rgflow.data import spectrum_from_gram

    s = spectrum_from_gram(K, f)
    for row in json.loads(out)["rows"]:
        expect = network_theory(*s, row["P"], 0.5, 3, noise=0.2).test_error
        assert row["renormalized"] == pytest.approx(expect, rel=1e-10)


def test_a_network_on_a_spectrum_refuses_label_noise(capsys):
    with pytest.raises(ValueError, match=r"noise.*width.*rgflow krr"):
        rgflow.Model(alpha=1, beta=0.5, P=100, kappa=1, width=10, noise=1.0)
    with pytest.raises(ValueError, match="noise"):
        rgflow.Model(alpha=1, beta=0.5, P=100, kappa=1, width=10).replace(noise=0.5)
    m = rgflow.Model(alpha=1, beta=0.5, P=100, kappa=1, width=10, noise=0.0)
    assert m.noise == 0 and m.network
    assert rgflow.Model(alpha=1, beta=0.5, P=100, kappa=1, noise=1.0).noise == 1.0  # without width: as before
    for method in ("exact", "gp"):
        code, out, err = run(
            capsys, f"predict --alpha 1 --beta 0.5 --P 100 --kappa 1 --width 10 --noise 1 --method {method}"
        )
        assert code == 2 and err.startswith("rgflow: error:") and len(err.strip().splitlines()) == 1
        assert "noise" in err and "--width" in err

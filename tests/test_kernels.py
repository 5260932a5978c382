"""Any kernel (rgflow.kernels) and the large-N top-k path (rgflow.data.top_eigenpairs).

References: explicit wide random networks (forward pass for the NNGP, hand-written backpropagation
summed over every weight and bias for the NTK), Monte Carlo over their widths; scikit-learn's own
kernels evaluated directly; numpy's dense eigendecomposition of K(X, X)/N; the renormalized-ridge test
error of the dense spectrum; tracemalloc for the dense path's memory.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import erf

from rgflow.data import kernel_matrix, spectrum_from_features, top_eigenpairs
from rgflow.kernels import network_kernel, resolve_kernel

sk = pytest.importorskip("sklearn")


# ----------------------------------------------------------------- depth-L networks by Monte Carlo


def _net_kernels(X, act, depth, sw, sb, width, rng):
    """One random network h¹ = σ_w W⁰x/√d + σ_b b⁰, h^{l+1} = σ_w W^l φ(h^l)/√n + σ_b b^l: its empirical
    last-layer NNGP σ_w² φ(h^L)·φ(h^L)/n + σ_b² and its tangent kernel Σ_θ ∂f/∂θ ∂f/∂θ (backprop)."""
    phi = (lambda u: np.maximum(u, 0.0)) if act == "relu" else erf
    dphi = (lambda u: (u > 0) * 1.0) if act == "relu" else (lambda u: 2 / np.sqrt(np.pi) * np.exp(-u * u))
    d = X.shape[1]
    sizes = [d] + [width] * depth + [1]
    Ws = [rng.standard_normal((sizes[i + 1], sizes[i])) for i in range(depth + 1)]
    bs = [rng.standard_normal(sizes[i + 1]) for i in range(depth + 1)]
    acts, pres = [X], []  # a⁰ = x; a^l = φ(h^l)
    for l in range(depth + 1):
        h = np.sqrt(sw) * acts[-1] @ Ws[l].T / np.sqrt(sizes[l]) + np.sqrt(sb) * bs[l]
        pres.append(h)
        if l < depth:
            acts.append(phi(h))
    nngp = sw * acts[-1] @ acts[-1].T / width + sb
    delta = np.ones((len(X), 1))  # ∂f/∂h^{L+1}
    ntk = np.zeros((len(X), len(X)))
    for l in range(depth, -1, -1):
        dd = delta @ delta.T
        ntk += dd * (sw * acts[l] @ acts[l].T / sizes[l] + sb)  # W^l and b^l
        if l > 0:
            delta = (delta @ Ws[l]) * np.sqrt(sw) / np.sqrt(sizes[l]) * dphi(pres[l - 1])
    return nngp, ntk


@pytest.mark.parametrize(
    "act, depth, sw, sb", [("relu", 1, 2.0, 0.0), ("relu", 3, 2.0, 0.2), ("erf", 2, 1.5, 0.1), ("erf", 4, 1.0, 0.0)]
)
def test_deep_nngp_and_ntk_match_wide_random_networks(act, depth, sw, sb):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((5, 3))
    X[1] = -0.5 * X[0]  # an anti-aligned pair: θ near π
    width, draws = 1500, 12
    samples = [_net_kernels(X, act, depth, sw, sb, width, rng) for _ in range(draws)]
    for j, kind in enumerate(("nngp", "ntk")):
        S = np.array([s[j] for s in samples])
        mean, se = S.mean(0), S.std(0, ddof=1) / np.sqrt(draws)
        closed = network_kernel(X, X, activation=act, kind=kind, depth=depth, weight_var=sw, bias_var=sb)
        scale = np.abs(closed).max()
        # Monte Carlo error (5 standard errors) plus the O(depth/width) finite-width bias
        assert np.all(np.abs(mean - closed) <= 5 * se + 4 * depth / width * scale), (kind, mean, closed)
        named = kernel_matrix(X, kernel=f"{kind}-{act}", depth=depth, weight_var=sw, bias_var=sb)
        assert np.array_equal(named, closed)


def test_deep_kernel_diagonal_recursions_in_closed_form():
    # ReLU with σ_w² = 2, σ_b = 0 keeps the variance: Σ^l(x, x) = 2|x|²/d at every depth; NTK(x, x) = (L+1)·that
    X = np.random.default_rng(1).standard_normal((4, 6))
    q = 2 * np.sum(X * X, 1) / 6
    for L in (1, 2, 5):
        assert np.allclose(np.diag(kernel_matrix(X, kernel="nngp-relu", depth=L)), q, rtol=1e-13)
        assert np.allclose(np.diag(kernel_matrix(X, kernel="ntk-relu", depth=L)), (L + 1) * q, rtol=1e-13)


# ------------------------------------------------------------------------- any kernel, the contract


def _reference(X, f, K):
    lam, U = np.linalg.eigh(K / len(X))
    lam, U = lam[::-1], U[:, ::-1]
    return lam, U.T @ f / np.sqrt(len(X))


def _check_contract(s, X, f, K):
    lam, y = _reference(X, f, K)
    n = s.eigenvalues.size
    assert np.allclose(s.eigenvalues, lam[:n], rtol=1e-9, atol=1e-13 * lam[0])
    top = lam[:n] > 1e-6 * lam[0]  # well-separated modes: the coefficients up to the eigenvector sign
    assert np.allclose(np.abs(s.target[:n][top]), np.abs(y[:n][top]), atol=1e-8)
    assert np.sum(s.target**2) + s.meta["dropped_power"] == pytest.approx(np.mean(f**2), rel=1e-12)


def test_a_callable_an_sklearn_object_and_sklearn_names_give_eig_of_their_gram():
    from sklearn.gaussian_process.kernels import RBF, Matern, WhiteKernel
    from sklearn.metrics.pairwise import polynomial_kernel

    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 3))
    f = np.cos(X[:, 0]) + X[:, 1]
    obj = Matern(length_scale=1.3, nu=1.5) + 0.5 * RBF(0.7) + WhiteKernel(1e-3)
    cases = [
        (obj, {}, obj(X, X)),
        (lambda A, B, c=1.0: (A @ B.T + c) ** 2, {"c": 2.0}, (X @ X.T + 2.0) ** 2),
        (polynomial_kernel, {"degree": 3}, polynomial_kernel(X, degree=3)),
        ("poly", {"degree": 2, "coef0": 1.0}, polynomial_kernel(X, degree=2, coef0=1.0)),
        ("matern", {"nu": 2.5, "length_scale": 2.0}, Matern(nu=2.5, length_scale=2.0)(X)),
        ("laplacian", {}, kernel_matrix(X, kernel="laplace")),
    ]
    for kernel, params, K in cases:
        s = spectrum_from_features(X, f, kernel=kernel, **params)
        _check_contract(s, X, f, K)
    assert "Matern" in spectrum_from_features(X, f, kernel=obj).meta["kernel"]


@pytest.mark.parametrize(
    "kernel, params, word",
    [
        (lambda A, B: A @ B.T[:, :-1], {}, "must return a"),
        (lambda A, B: np.full((len(A), len(B)), np.nan), {}, "NaN"),
        (lambda A, B: A @ B.T + np.arange(len(B)), {}, "not symmetric"),
        (lambda A, B: 1 / 0, {}, "ZeroDivisionError"),
        ("matern", {"nuu": 1.0}, "bad parameters"),
        ("poly", {"degre": 3}, "unknown: degre"),
        ("ntk-relu", {"depth": 0}, "depth"),
        ("nngp-erf", {"weight_var": -1.0}, "weight_var"),
        (3.5, {}, "kernel must be a name"),
    ],
)
def test_bad_kernels_raise_value_error(kernel, params, word):
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ValueError, match=word):
        spectrum_from_features(X, np.ones(6), kernel=kernel, **params)


def test_standardize_and_the_scale_warning():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 2)) * [1.0, 1000.0] + [0.0, 5e3]
    f = np.sin(X[:, 0])
    with pytest.warns(UserWarning, match="differ in scale"):
        spectrum_from_features(X, f, "rbf")
    Xs = (X - X.mean(0)) / X.std(0)
    s = spectrum_from_features(X, f, "rbf", standardize=True)
    _check_contract(s, Xs, f, kernel_matrix(Xs, kernel="rbf"))


def test_dense_path_memory_is_as_documented():
    import tracemalloc

    N = 1200
    X = np.random.default_rng(4).standard_normal((N, 3))
    f = X[:, 0]
    tracemalloc.start()
    spectrum_from_features(X, f, "rbf")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 17 * N * N, peak / N**2  # documented ≈ 16·N² bytes


# --------------------------------------------------------------------------------- large N, top k


def _manifold(N, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, 3))
    X = np.tanh(Z @ rng.standard_normal((3, 8))) + 0.1 * rng.standard_normal((N, 8))
    return X, np.sign(Z[:, 0]) * np.sqrt(np.abs(Z[:, 1])) + 0.2 * Z[:, 2]


@pytest.mark.parametrize("kernel, params", [("rbf", {}), ("ntk-relu", {"depth": 2, "bias_var": 0.1})])
def test_top_k_eigenpairs_against_dense_within_their_stated_error(kernel, params):
    from rgflow.ridge import ridge_errors

    N, k = 900, 300
    X, f = _manifold(N)
    dense = spectrum_from_features(X, f, kernel, **params)
    top = spectrum_from_features(X, f, kernel, modes=k, passes=3, **params)
    lam = dense.eigenvalues[:k]
    theta, err = top.eigenvalues, np.array(top.meta["eigenvalue_errors"])
    assert theta.size == k and top.meta["method"] == "operator" and top.meta["dropped_modes"] == N - k
    assert np.all(theta <= lam * (1 + 1e-10))  # Ritz values lie below (interlacing)
    # the stated per-mode error: rigorously, an eigenvalue within r_j of θ_j ...
    assert all(np.min(np.abs(dense.eigenvalues - t)) <= e for t, e in zip(theta, err))
    # ... and the error of λ_j itself on the leading modes (separated by more than their r_j)
    assert np.all(lam[: k // 2] - theta[: k // 2] <= err[: k // 2])
    assert np.allclose(theta[:30], lam[:30], rtol=1e-6)  # the leading modes converged
    # the residual is the target power outside the k modes, and Measured keeps it however built
    assert top.meta["dropped_power"] == pytest.approx(np.mean(f**2) - np.sum(top.target**2), rel=1e-12)
    import rgflow

    res = top.meta["dropped_power"]
    for m in (rgflow.Measured(*top), rgflow.Measured(top), rgflow.Measured.from_data(top)):
        assert m.residual == pytest.approx(res, rel=1e-15) and res > 0
    assert rgflow.Measured(top.eigenvalues, top.target, 0.0).residual == 0.0  # explicit wins
    assert rgflow.Measured(top.eigenvalues[:5], top.target[:5]).residual == 0.0  # a slice carries none
    # the renormalized test error, the tail completed from its measured trace and power (tail=True)
    from rgflow.data import extrapolate_tail

    full = extrapolate_tail(top)
    assert full.eigenvalues.size == N and full.residual == 0.0
    assert np.sum(full.eigenvalues) == pytest.approx(np.sum(dense.eigenvalues), rel=1e-9)  # the trace
    for P in (20, 50, 100, 200):
        for kappa in np.logspace(-3, 2, 11):
            a = ridge_errors(*dense, P, kappa, residual=dense.residual).test_error
            b = ridge_errors(*full, P, kappa).test_error
            assert b == pytest.approx(a, rel=1e-2), (P, kappa)


def test_top_k_with_a_dask_client_matches_the_local_passes():
    distributed = pytest.importorskip("distributed")
    X, f = _manifold(300, seed=1)
    local = spectrum_from_features(X, f, "rbf", modes=40)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        remote = spectrum_from_features(X, f, "rbf", modes=40, client=client)
    assert np.allclose(remote.eigenvalues, local.eigenvalues, rtol=1e-12)
    assert np.allclose(remote.target, local.target, rtol=1e-9, atol=1e-12)


def test_top_k_progress_counts_every_row_block_of_every_pass_once():
    X, f = _manifold(300, seed=2)
    for passes, memory in ((1, 2**30), (3, 2**30), (2, 8.0 * 300 * 50 + 3 * 8.0 * 40 * 300 + 4.0 * 300 * 50 / 3)):
        calls = []
        top = spectrum_from_features(
            X, f, "rbf", modes=40, passes=passes, on_step=lambda d, t, calls=calls: calls.append((d, t))
        )
        ref = spectrum_from_features(X, f, "rbf", modes=40, passes=passes)
        assert np.array_equal(top.eigenvalues, ref.eigenvalues)  # watching changes nothing
        total = calls[0][1]
        assert [d for d, _ in calls] == list(range(1, total + 1)) and {t for _, t in calls} == {total}
        assert total == passes  # one row block of 300 rows (blocks are >= 512 rows) per pass
        calls.clear()
        top_eigenpairs(
            X,
            f,
            resolve_kernel("rbf", X.shape[1], {}),
            40,
            passes=passes,
            block=40,
            memory=memory,
            on_step=lambda d, t, calls=calls: calls.append((d, t)),
        )
        chunks = top_eigenpairs(
            X, f, resolve_kernel("rbf", X.shape[1], {}), 40, passes=passes, block=40, memory=memory
        ).meta["chunks"]
        assert calls[-1] == (calls[-1][1], 8 * ((passes - 1) * chunks + 1))  # 8 blocks of 40 rows per pass, chunk


# ---------------------------------------------------------------------------------------- CLI


def _cli(*args, cwd):
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", "rgflow", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_cli_kernel_params_header_csv_standardize_and_modes(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 3)) * [1.0, 1.0, 500.0]
    f = np.tanh(X[:, 0])
    with open(tmp_path / "x.csv", "w") as fh:
        fh.write(
            "# features\nheight,width,depth\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in X) + "\n"
        )
    with open(tmp_path / "y.csv", "w") as fh:
        fh.write("label\n" + "\n".join(repr(float(v)) for v in f) + "\n")
    r = _cli(
        "spectrum",
        "--features",
        "x.csv",
        "--labels",
        "y.csv",
        "--kernel",
        "ntk-erf",
        "--kernel-param",
        "depth=3",
        "--kernel-param",
        "bias_var=0.5",
        "--standardize",
        "--out",
        "s.npz",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
    Xs = (X - X.mean(0)) / X.std(0)
    lam, _ = _reference(Xs, f, kernel_matrix(Xs, kernel="ntk-erf", depth=3, bias_var=0.5))
    got = np.load(tmp_path / "s.npz")["eigenvalues"]
    assert np.allclose(got, lam[: got.size], rtol=1e-9)
    # raw units: one warning line; --modes: the top k and the stated error
    r = _cli(
        "spectrum",
        "--features",
        "x.csv",
        "--labels",
        "y.csv",
        "--kernel",
        "matern",
        "--kernel-param",
        "nu=1.5",
        "--modes",
        "10",
        "--out",
        "t.npz",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("rgflow: warning:") == 1 and "differ in scale" in r.stderr
    out = json.loads(r.stdout)
    assert out["modes"] == 10 and out["max_relative_error"] >= 0
    assert "rgflow: top 10 eigenpairs, 2 pass(es) [" in r.stderr and "20/20" in r.stderr  # progress, to the end
    for bad, word in (
        (["--kernel", "nope"], "kernel must be"),
        (["--kernel-param", "depth"], "KEY=VALUE"),
        (["--kernel", "ntk-relu", "--kernel-param", "depth=0"], "depth"),
        (["--passes", "2"], "--passes applies only"),
    ):
        r = _cli("spectrum", "--features", "x.csv", "--labels", "y.csv", *bad, "--out", "u.npz", cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("rgflow: error:") and word in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1

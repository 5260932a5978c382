"""The empirical NTK of a PyTorch model (rgflow.entk, the optional extra rgflow[torch]).

References: a central finite-difference Jacobian over every parameter (each parameter moved by ±h
in a float64 copy of the model, the forward pass only); numpy's eigendecomposition of that
Jacobian's Gram matrix; the closed-form NTK of a wide one-hidden-layer ReLU network
(rgflow.kernels.network_kernel) with the Monte-Carlo standard error of the width average computed in
numpy from the network's own weights. Every test but the first is skipped without PyTorch (CI does
not install it).
"""

import copy
import doctest
import pickle
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------- without torch


def test_import_without_torch_and_the_error_naming_the_extra():
    """import rgflow / rgflow.entk do not import torch; without it the calls raise ImportError naming
    the extra (torch made unimportable in a subprocess)."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import rgflow, rgflow.entk, rgflow.data\n"
        "from rgflow.entk import empirical_ntk, entk_kernel\n"
        "for call in (lambda: entk_kernel(object()), lambda: empirical_ntk(object(), [[1.0]])):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as exc:\n"
        '        assert "rgflow[torch]" in str(exc), exc\n'
        "    else:\n"
        "        raise SystemExit('no ImportError')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    out = subprocess.run(
        [sys.executable, "-c", "import sys, rgflow, rgflow.entk; print('torch' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "False", out.stderr


# ----------------------------------------------------------------------------- helpers


def _mlp(torch, seed=0, d=3, width=5, dtype=None):
    torch.manual_seed(seed)
    dtype = dtype or torch.float64
    return torch.nn.Sequential(
        torch.nn.Linear(d, width, dtype=dtype), torch.nn.Tanh(), torch.nn.Linear(width, 1, dtype=dtype)
    )


def _fd_jacobian(torch, model, X, h=1e-5):
    """J_{ip} = (f(x_i; θ + h e_p) − f(x_i; θ − h e_p)) / 2h over the trainable parameters, in a float64
    copy of the model (forward passes only)."""
    net = copy.deepcopy(model).double()
    params = [p for p in net.parameters() if p.requires_grad]
    x = torch.as_tensor(X, dtype=torch.float64)
    cols = []
    with torch.no_grad():
        for p in params:
            flat = p.view(-1)
            for j in range(flat.numel()):
                v = float(flat[j])
                flat[j] = v + h
                up = net(x).reshape(-1).numpy().copy()
                flat[j] = v - h
                down = net(x).reshape(-1).numpy().copy()
                flat[j] = v
                cols.append((up - down) / (2 * h))
    return np.stack(cols, axis=1)


def _rel(A, B):
    return float(np.abs(A - B).max() / np.abs(B).max())


# ----------------------------------------------------------------------------- against finite differences


def test_entk_matches_a_finite_difference_jacobian(torch):
    from rgflow.entk import empirical_ntk

    net = _mlp(torch)  # 3 → 5 → 1, tanh, float64: 26 parameters
    rng = np.random.default_rng(1)
    X, Z = rng.normal(size=(7, 3)), rng.normal(size=(4, 3))
    JX, JZ = _fd_jacobian(torch, net, X), _fd_jacobian(torch, net, Z)
    assert JX.shape == (7, 26)
    assert _rel(empirical_ntk(net, X, Z), JX @ JZ.T) < 1e-6
    assert _rel(empirical_ntk(net, X), JX @ JX.T) < 1e-6
    # the batching does not change the result (to rounding)
    K = empirical_ntk(net, X, Z)
    for b in (1, 3, 100):
        assert _rel(empirical_ntk(net, X, Z, batch=b), K) < 1e-13


def test_entk_float32_model_computed_in_float64_and_left_unchanged(torch):
    from rgflow.entk import empirical_ntk

    net = _mlp(torch, seed=3, dtype=torch.float32)
    before = [p.detach().clone() for p in net.parameters()]
    X = np.random.default_rng(2).normal(size=(6, 3))
    J = _fd_jacobian(torch, net, X)  # on the float32 parameters, exactly, in float64 arithmetic
    assert _rel(empirical_ntk(net, X), J @ J.T) < 1e-6
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert all(torch.equal(a, p) for a, p in zip(before, net.parameters()))


def test_entk_sums_over_trainable_parameters_only(torch):
    from rgflow.entk import empirical_ntk

    net = _mlp(torch, seed=4)
    net[0].bias.requires_grad_(False)  # a frozen parameter: held fixed, not in the sum
    X = np.random.default_rng(3).normal(size=(5, 3))
    J = _fd_jacobian(torch, net, X)
    assert J.shape == (5, 21)
    assert _rel(empirical_ntk(net, X), J @ J.T) < 1e-6


def test_entk_symmetric_psd_and_of_rank_at_most_the_parameter_count(torch):
    from rgflow.entk import empirical_ntk

    net = _mlp(torch, seed=5)
    X = np.random.default_rng(4).normal(size=(40, 3))
    K = empirical_ntk(net, X)
    assert np.array_equal(K, K.T)
    w = np.linalg.eigvalsh(K)
    assert w[0] > -1e-12 * w[-1]
    assert int(np.sum(w > 1e-9 * w[-1])) <= 26  # Θ = J Jᵀ with J of 26 columns
    assert int(np.sum(w > 1e-9 * w[-1])) >= 20  # and not degenerate


# ----------------------------------------------------------------------------- wide network: the closed form


def test_entk_of_a_wide_relu_network_is_the_closed_form_ntk(torch):
    """f(x) = σ_w v·ReLU(h)/√n + σ_b b¹, h = σ_w W x/√d + σ_b b⁰, all standard normal (NTK
    parameterization), width n = 2¹⁶: its eNTK is sb + mean_i t_i with the per-neuron terms
    t_i = σ_w² φ(h_i(x))φ(h_i(z)) + σ_w² v_i² φ'φ' (σ_w² x·z/d + σ_b²) (an exact identity, checked to
    rounding), and lies within 5 Monte-Carlo standard errors std(t_i)/√n of network_kernel's Θ."""
    from rgflow.entk import empirical_ntk
    from rgflow.kernels import network_kernel

    sw, sb, n, d = 2.0, 0.3, 2**16, 3

    class Wide(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(7)
            self.W = torch.nn.Parameter(torch.randn(n, d, generator=g, dtype=torch.float64))
            self.b0 = torch.nn.Parameter(torch.randn(n, generator=g, dtype=torch.float64))
            self.v = torch.nn.Parameter(torch.randn(n, generator=g, dtype=torch.float64))
            self.b1 = torch.nn.Parameter(torch.randn(1, generator=g, dtype=torch.float64))

        def forward(self, x):
            h = sw**0.5 * x @ self.W.T / d**0.5 + sb**0.5 * self.b0
            return sw**0.5 * torch.relu(h) @ self.v / n**0.5 + sb**0.5 * self.b1

    net = Wide()
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, d))
    X[0] *= 0.3
    K = empirical_ntk(net, X)
    # per-neuron terms, in numpy from the weights
    W, b0, v = (p.detach().numpy() for p in (net.W, net.b0, net.v))
    H = np.sqrt(sw) * X @ W.T / np.sqrt(d) + np.sqrt(sb) * b0  # (6, n)
    phi, dphi = np.maximum(H, 0), (H > 0) * 1.0
    t = sw * phi[:, None, :] * phi[None, :, :] + sw * v**2 * dphi[:, None, :] * dphi[None, :, :] * (
        sw * (X @ X.T)[:, :, None] / d + sb
    )
    assert _rel(K, sb + t.mean(axis=2)) < 1e-10
    se = t.std(axis=2, ddof=1) / np.sqrt(n)
    theta = network_kernel(X, X, activation="relu", kind="ntk", depth=1, weight_var=sw, bias_var=sb)
    assert np.max(se / np.abs(theta)) < 0.05  # the test has power: a few per cent at most
    assert np.all(np.abs(K - theta) <= 5 * se), np.max(np.abs(K - theta) / se)


# ----------------------------------------------------------------------------- as a kernel


def test_spectrum_from_features_with_the_entk_kernel(torch):
    """The dense spectrum equals numpy's eigendecomposition of J Jᵀ/N (finite-difference J): the
    eigenvalues, the target power Σ y_k² in the kept modes and |y_k| = |u_k·f|/√N on the top modes;
    rank ≤ 26 modes kept, the rest as dropped power; the top-k path within its stated errors."""
    from rgflow.data import spectrum_from_features
    from rgflow.entk import entk_kernel

    net = _mlp(torch, seed=6)
    rng = np.random.default_rng(6)
    N = 60
    X = rng.normal(size=(N, 3))
    f = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]
    s = spectrum_from_features(X, f, kernel=entk_kernel(net))
    assert s.meta["kernel"] == "entk(Sequential, 26 parameters)"
    J = _fd_jacobian(torch, net, X)
    lam, U = np.linalg.eigh(J @ J.T / N)
    lam, U = lam[::-1], U[:, ::-1]
    m = s.eigenvalues.size
    assert 20 <= m <= 26
    assert np.max(np.abs(s.eigenvalues - lam[:m])) < 1e-6 * lam[0]
    y = U.T @ f / np.sqrt(N)
    assert abs(np.sum(s.target**2) - np.sum(y[:m] ** 2)) < 1e-6 * np.mean(f**2)
    assert np.isclose(np.sum(s.target**2) + s.meta["dropped_power"], np.mean(f**2), rtol=1e-12)
    assert s.meta["dropped_power"] > 1e-3  # f is not in the 26-dimensional span of the Jacobian
    gaps = np.abs(np.diff(lam[:6])) / lam[0]
    assert gaps.min() > 1e-4  # separated, so that the eigenvectors are determined
    assert np.max(np.abs(np.abs(s.target[:5]) - np.abs(y[:5]))) < 1e-5
    top = spectrum_from_features(X, f, kernel=entk_kernel(net), modes=5)
    err = np.asarray(top.meta["eigenvalue_errors"])
    assert np.all(np.abs(top.eigenvalues - lam[:5]) <= err + 1e-9 * lam[0])


def test_kernel_callable_cache_follows_the_model_and_pickles(torch):
    from rgflow.data import kernel_matrix
    from rgflow.entk import empirical_ntk, entk_kernel

    net = _mlp(torch, seed=8)
    X = np.random.default_rng(8).normal(size=(12, 3))
    k = entk_kernel(net)
    K = k(X, X)
    assert np.array_equal(K, empirical_ntk(net, X))
    assert _rel(k(X[:5], X), K[:5]) < 1e-13  # J(X) from the cache, J(X[:5]) computed
    assert _rel(kernel_matrix(X[3:9], X, kernel=k), K[3:9]) < 1e-13
    with torch.no_grad():  # one "training step": the kernel follows the parameters
        net[0].weight += 0.25
    K2 = k(X[:5], X)
    J = _fd_jacobian(torch, net, X)
    assert _rel(K2, (J @ J.T)[:5]) < 1e-6 and _rel(K2, K[:5]) > 1e-3
    k2 = pickle.loads(pickle.dumps(k))
    assert _rel(k2(X, X), J @ J.T) < 1e-6


# ----------------------------------------------------------------------------- bad input


def test_entk_bad_input(torch):
    from rgflow.data import spectrum_from_features
    from rgflow.entk import empirical_ntk, entk_kernel

    net = _mlp(torch)
    X = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        empirical_ntk(lambda x: x, X)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        entk_kernel("net")
    with pytest.raises(ValueError, match="one number per sample"):
        empirical_ntk(torch.nn.Linear(3, 2, dtype=torch.float64), X)
    with pytest.raises(ValueError, match="model failed on a 1 × 2 input"):
        empirical_ntk(net, X[:, :2])
    with pytest.raises(ValueError, match="Z must have the 3 features"):
        empirical_ntk(net, X, X[:, :2])
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        empirical_ntk(net, X, batch=0)
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        entk_kernel(net, batch=1.5)
    bad = X.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        empirical_ntk(net, bad)
    frozen = _mlp(torch).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameter"):
        empirical_ntk(frozen, X)

    class Fn(torch.nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.w, self.fn = torch.nn.Parameter(torch.ones(3, dtype=torch.float64)), fn

        def forward(self, x):
            return self.fn(x @ self.w)

    with pytest.raises(ValueError, match="model Fn returned NaN or inf"):  # log of a negative number
        empirical_ntk(Fn(torch.log), -np.abs(X))
    with pytest.raises(ValueError, match="Jacobian of model Fn has NaN or inf"):  # √ at 0: finite, ∂ is not
        empirical_ntk(Fn(torch.sqrt), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="model failed on a 1 × 2 input"):  # through rgflow's kernel wrapper
        spectrum_from_features(X[:, :2], X[:, 0], kernel=entk_kernel(net))


def test_doctests_of_the_module(torch):
    import rgflow.entk

    result = doctest.testmod(rgflow.entk, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 2

"""The empirical neural tangent kernel of a PyTorch model (the optional extra ``rgflow[torch]``).

For a ``torch.nn.Module`` f(x; θ) with one output per sample, the empirical NTK at its current
parameters θ is the Gram matrix of the per-sample parameter Jacobians,

    Θ(x, z) = Σ_p ∂f(x; θ)/∂θ_p · ∂f(z; θ)/∂θ_p,    Θ(X, Z) = J(X) J(Z)ᵀ,  J(X)_{ip} = ∂f(x_i)/∂θ_p,

the sum running over every trainable parameter (``requires_grad``; frozen parameters and buffers are
held fixed). The Jacobians are computed by ``torch.func`` (``functional_call`` + ``jacrev`` vectorized by
``vmap``) in float64 on a float64 copy of the parameters (the model itself is not changed), ``batch``
samples at a time.

:func:`empirical_ntk` returns Θ(X, Z) as a numpy array; :func:`entk_kernel` returns a picklable kernel
callable ``k(X, Z)`` for every ``kernel=`` of rgflow, e.g.
``spectrum_from_features(X, f, kernel=entk_kernel(net))``.

torch is imported only when one of them is called: ``import rgflow`` and ``import rgflow.entk`` work
without it (then these functions raise ImportError naming the extra: ``pip install 'rgflow[torch]'``).
"""

from __future__ import annotations

import hashlib

import numpy as np

from ._checks import check_int

__all__ = ["empirical_ntk", "entk_kernel", "ENTKKernel"]

_BATCH_FLOATS = 2**23  # automatic batch: about 64 MB of Jacobian rows (batch × parameters × 8 bytes)


def _torch():
    try:
        import torch
        import torch.func  # noqa: F401  (torch >= 2.0)
    except ImportError:
        raise ImportError("the empirical NTK needs PyTorch >= 2.0 (torch.func): pip install 'rgflow[torch]'") from None
    return torch


def _check_model(torch, model):
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module with one output per sample, got {type(model).__name__}")


def _float64_state(torch, model):
    """(trainable parameters, everything else) of ``model`` as float64 copies, detached."""

    def f64(t):
        t = t.detach()
        return t.to(torch.float64) if t.is_floating_point() else t

    params = {k: f64(v) for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise ValueError("model has no trainable parameter (requires_grad): its tangent kernel is zero")
    fixed = {k: f64(v) for k, v in model.named_parameters() if not v.requires_grad}
    fixed.update({k: f64(v) for k, v in model.named_buffers()})
    return params, fixed


class _Jacobian:
    """Per-sample Jacobians J(X) (rows: samples, columns: the trainable parameters, flattened in the
    order of ``model.named_parameters()``), float64, ``batch`` samples per vectorized call."""

    def __init__(self, torch, model):
        from torch.func import functional_call, jacrev, vmap

        self.torch, self.model = torch, model
        self.params, self.fixed = _float64_state(torch, model)
        self.n_params = sum(int(v.numel()) for v in self.params.values())
        self.device = next(iter(self.params.values())).device
        self._call = functional_call

        def f(p, x):
            out = functional_call(model, (p, self.fixed), (x.unsqueeze(0),)).reshape(())
            return out, out.detach()  # the output itself as aux: checked finite with the Jacobian

        self._jac = vmap(jacrev(f, has_aux=True), in_dims=(None, 0))

    def probe(self, X):
        """ValueError unless the model maps one sample (a 1 × d input) to one number."""
        torch = self.torch
        x = torch.as_tensor(X[:1], dtype=torch.float64, device=self.device)
        try:
            with torch.no_grad():
                out = self._call(self.model, (self.params, self.fixed), (x,))
        except Exception as exc:
            raise ValueError(
                f"model failed on a 1 × {X.shape[1]} input (a row of X): {type(exc).__name__}: {str(exc)[:200]}"
            ) from None
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"model must return one number per sample (scalar output); it returned {shape} "
                f"for a 1 × {X.shape[1]} input"
            )

    def __call__(self, X, batch):
        torch = self.torch
        b = batch or max(1, min(1024, _BATCH_FLOATS // self.n_params))
        J = torch.empty((X.shape[0], self.n_params), dtype=torch.float64, device=self.device)
        for i0 in range(0, X.shape[0], b):
            x = torch.as_tensor(X[i0 : i0 + b], dtype=torch.float64, device=self.device)
            g, out = self._jac(self.params, x)
            if not bool(torch.isfinite(out).all()):
                raise ValueError(f"model {type(self.model).__name__} returned NaN or inf on rows of X")
            J[i0 : i0 + x.shape[0]] = torch.cat([v.reshape(x.shape[0], -1) for v in g.values()], dim=1)
        if not bool(torch.isfinite(J).all()):
            raise ValueError(f"the Jacobian of model {type(self.model).__name__} has NaN or inf entries on rows of X")
        return J


def _check_inputs(X, Z, batch):
    from .data import _check_X

    X = _check_X(X)
    if Z is not None:
        Z = _check_X(Z, "Z")
        if Z.shape[1] != X.shape[1]:
            raise ValueError(f"Z must have the {X.shape[1]} features of X, got {Z.shape[1]}")
    if batch is not None:
        batch = check_int("batch", batch, low=1)
    return X, Z, batch


def _gram(torch, JX, JZ):
    if JZ is None:
        G = JX @ JX.T
        G = 0.5 * (G + G.T)  # exactly symmetric
    else:
        G = JX @ JZ.T
    return G.cpu().numpy()


def empirical_ntk(model, X, Z=None, *, batch=None) -> np.ndarray:
    """The empirical NTK Θ(X, Z) = J(X) J(Z)ᵀ of a PyTorch model at its current parameters.

    Parameters
    ----------
    model : torch.nn.Module
        f(x; θ): maps an input of shape (1, d) to one number (output shape (1,), (1, 1) or ()).
        Used as it is (call ``model.eval()`` first if it has dropout or batch normalization).
    X : array (n, d)
        The samples (rows).
    Z : array (m, d), optional
        The second set of samples; default X (then Θ is symmetric positive semi-definite).
    batch : int >= 1, optional
        Samples per vectorized Jacobian call; default: about 64 MB of Jacobian rows
        (2²³ / number of parameters, at most 1024).

    Returns
    -------
    numpy.ndarray (n, m), float64
        Θ(x_i, z_j) = Σ_p ∂f(x_i)/∂θ_p ∂f(z_j)/∂θ_p over the trainable parameters θ.

    Notes
    -----
    Memory: the Jacobians J(X) and J(Z), 8·(n + m)·P bytes for P parameters, plus the vectorized
    backward pass of ``batch`` samples. The parameters are copied to float64; the model is not changed.

    Raises ImportError (naming ``rgflow[torch]``) without PyTorch, ValueError on bad input: a model
    that is not a Module, has no trainable parameter, fails on a row of X or returns more than one
    number per sample; X, Z not finite 2-D arrays with the same number of features; ``batch`` < 1;
    NaN or inf in the Jacobian.

    Examples
    --------
    >>> import torch, numpy as np
    >>> from rgflow.entk import empirical_ntk
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    >>> K = empirical_ntk(net, np.random.default_rng(0).normal(size=(5, 3)))
    >>> K.shape, bool(np.allclose(K, K.T))
    ((5, 5), True)
    """
    torch = _torch()
    _check_model(torch, model)
    X, Z, batch = _check_inputs(X, Z, batch)
    jac = _Jacobian(torch, model)
    jac.probe(X)
    JX = jac(X, batch)
    return _gram(torch, JX, None if Z is None or Z is X else jac(Z, batch))


def _digest(*arrays) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class ENTKKernel:
    """The empirical NTK of a model as a kernel callable ``k(X, Z)`` → Θ(X, Z) (numpy, float64).

    Evaluated at the model's parameters at the time of each call (training the model changes the
    kernel). Picklable (the model is pickled with it). The Jacobians J(Z) of the last two Z are cached
    (keyed by the contents of Z and of the parameters), so that the block calls k(X[i:j], X) of
    :func:`rgflow.data.top_eigenpairs` compute J(X) once per pass rather than once per block.
    """

    def __init__(self, model, *, batch=None):
        torch = _torch()
        _check_model(torch, model)
        self.model = model
        self.batch = None if batch is None else check_int("batch", batch, low=1)
        n = sum(int(p.numel()) for p in model.parameters() if p.requires_grad)
        self.__name__ = f"entk({type(model).__name__}, {n} parameters)"
        self._cache = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __repr__(self):
        return self.__name__

    def __call__(self, X, Z):
        torch = _torch()
        X, Z, _ = _check_inputs(X, Z, None)
        jac = _Jacobian(torch, self.model)
        jac.probe(X)
        key = (
            _digest(Z),
            _digest(*(v.cpu().numpy() for v in jac.params.values())),
            tuple(m.training for m in self.model.modules()),
        )
        JZ = self._cache.pop(key, None)  # the two most recent J(Z), most recent last
        if JZ is None:
            JZ = jac(Z, self.batch)
            while len(self._cache) >= 2:
                del self._cache[next(iter(self._cache))]
        self._cache[key] = JZ
        if X is Z or (X.shape == Z.shape and np.array_equal(X, Z)):
            return _gram(torch, JZ, None)
        return _gram(torch, jac(X, self.batch), JZ)


def entk_kernel(model, *, batch=None) -> ENTKKernel:
    """A kernel callable ``k(X, Z)`` = :func:`empirical_ntk` ``(model, X, Z)`` for any ``kernel=`` of rgflow.

    >>> import torch, numpy as np
    >>> from rgflow.data import spectrum_from_features
    >>> from rgflow.entk import entk_kernel
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> X = np.random.default_rng(0).normal(size=(30, 2))
    >>> lam, y = spectrum_from_features(X, np.sin(X[:, 0]), kernel=entk_kernel(net))
    >>> bool(lam.size <= 30 and np.all(np.diff(lam) <= 0))
    True
    """
    return ENTKKernel(model, batch=batch)

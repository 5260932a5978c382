"""Kernels for :mod:`rgflow.data`: a name, a callable (X, Z) → Gram, or a scikit-learn kernel object.

:func:`resolve_kernel` turns any of them into a :class:`Kernel`, a picklable callable ``k(X, Z)``
returning the ``len(X) × len(Z)`` block K(X, Z) (checked: that shape, finite). Accepted:

* rgflow's names: ``rbf`` exp(−γ|x − z|²) and ``laplace`` exp(−γ|x − z|₁) (γ = ``gamma``, default 1/d),
  ``ntk`` (the one-hidden-layer ReLU tangent kernel of :func:`rgflow.data.kernel_matrix`, ``bias``),
  and the infinite-width kernels of depth-L fully connected networks ``nngp-relu``, ``ntk-relu``,
  ``nngp-erf``, ``ntk-erf`` (:func:`network_kernel`; ``depth``, ``weight_var``, ``bias_var``);
* scikit-learn's pairwise kernel names (``sklearn.metrics.pairwise.PAIRWISE_KERNEL_FUNCTIONS``:
  linear, poly, polynomial, sigmoid, cosine, chi2, additive_chi2, laplacian; their keyword
  parameters) and the Gaussian-process kernels by name: ``matern``, ``rational-quadratic``,
  ``exp-sine-squared``, ``dot-product`` (the keyword parameters of the sklearn class);
* any callable ``kernel(X, Z, **params)`` → array, which includes scikit-learn's
  ``sklearn.gaussian_process.kernels`` objects (``Matern(nu=1.5)``, sums and products of them) and
  the ``sklearn.metrics.pairwise`` functions.

scikit-learn is imported only when one of its kernels is asked for.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_int, check_real

__all__ = [
    "NETWORK_KERNELS",
    "NAMED_KERNELS",
    "SKLEARN_GP_KERNELS",
    "Kernel",
    "resolve_kernel",
    "network_kernel",
    "kernel_names",
]

NETWORK_KERNELS = ("nngp-relu", "ntk-relu", "nngp-erf", "ntk-erf")
NAMED_KERNELS = ("rbf", "laplace", "ntk", *NETWORK_KERNELS)
SKLEARN_GP_KERNELS = {
    "matern": "Matern",
    "rational-quadratic": "RationalQuadratic",
    "exp-sine-squared": "ExpSineSquared",
    "dot-product": "DotProduct",
}
_SKLEARN_PAIRWISE = ("linear", "poly", "polynomial", "sigmoid", "cosine", "chi2", "additive_chi2", "laplacian")


def kernel_names() -> tuple:
    """Every kernel name :func:`resolve_kernel` accepts."""
    return (*NAMED_KERNELS, *_SKLEARN_PAIRWISE, *SKLEARN_GP_KERNELS)


# ---------------------------------------------------------------------------- deep networks


def _relu_moments(q1, q2, c):
    """E[φ(u)φ(v)] and E[φ'(u)φ'(v)] for φ = ReLU, (u, v) centred Gaussian with variances q1, q2 and
    covariance c: √(q1 q2)(sin θ + (π − θ) cos θ)/(2π) and (π − θ)/(2π), cos θ = c/√(q1 q2)."""
    nn = np.sqrt(q1 * q2)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(nn > 0, c / np.where(nn > 0, nn, 1.0), 1.0)
    np.clip(u, -1.0, 1.0, out=u)
    th = np.arccos(u)
    return nn * (np.sin(th) + (np.pi - th) * u) / (2 * np.pi), (np.pi - th) / (2 * np.pi)


def _erf_moments(q1, q2, c):
    """E[erf(u) erf(v)] = (2/π) arcsin(2c/√((1 + 2q1)(1 + 2q2))) and
    E[erf'(u) erf'(v)] = (4/π) / √((1 + 2q1)(1 + 2q2) − 4c²)."""
    a = (1 + 2 * q1) * (1 + 2 * q2)
    s = np.clip(2 * c / np.sqrt(a), -1.0, 1.0)
    return (2 / np.pi) * np.arcsin(s), (4 / np.pi) / np.sqrt(np.maximum(a - 4 * c * c, 1e-300))


def network_kernel(X, Z, *, activation="relu", kind="ntk", depth=1, weight_var=None, bias_var=0.0):
    """Closed-form NNGP or NTK of a depth-L fully connected network of infinite width.

    The network (NTK parameterization, all weights and biases standard normal, width n → ∞):
    h¹ = σ_w W⁰ x/√d + σ_b b⁰, h^{l+1} = σ_w W^l φ(h^l)/√n + σ_b b^l (l = 1..L), output f = h^{L+1};
    σ_w² = ``weight_var`` (default 2 for relu, 1 for erf), σ_b² = ``bias_var``, L = ``depth`` hidden layers.
    Recursion (Neal; Lee et al. 2018; Jacot et al. 2018):

        Σ⁰(x, z) = σ_w² x·z/d + σ_b²,
        Σ^l = σ_w² E[φ(u)φ(v)] + σ_b²,  Σ̇^l = σ_w² E[φ'(u)φ'(v)],  (u, v) ~ N(0, Σ^{l−1} on {x, z}),
        Θ⁰ = Σ⁰,  Θ^l = Θ^{l−1} Σ̇^l + Σ^l;

    NNGP = Σ^L (the covariance of f over the weights), NTK = Θ^L (Σ over parameters of ∂f/∂θ ∂f/∂θ).
    The Gaussian expectations in closed form: arc-cosine kernels (ReLU), arcsine kernel (erf).
    """
    if activation not in ("relu", "erf"):
        raise ValueError(f"activation must be relu or erf, got {activation!r}")
    moments = _relu_moments if activation == "relu" else _erf_moments
    L = check_int("depth", depth, low=1)
    sw = check_real(
        "weight_var",
        2.0 if (weight_var is None and activation == "relu") else (1.0 if weight_var is None else weight_var),
        low=0,
        low_open=True,
    )
    sb = check_real("bias_var", bias_var, low=0)
    d = X.shape[1]
    c = sw * (X @ Z.T) / d + sb
    qx = sw * np.einsum("ij,ij->i", X, X) / d + sb
    qz = sw * np.einsum("ij,ij->i", Z, Z) / d + sb
    theta = c.copy() if kind == "ntk" else None
    for _ in range(L):
        e, ed = moments(qx[:, None], qz[None, :], c)
        c = sw * e + sb
        if theta is not None:
            theta *= sw * ed
            theta += c
        ex, _ = moments(qx, qx, qx)
        ez, _ = moments(qz, qz, qz)
        qx, qz = sw * ex + sb, sw * ez + sb
    return theta if theta is not None else c


# ---------------------------------------------------------------------------- named kernels


def _named(name, X, Z, params):
    from scipy.spatial.distance import cdist

    d = X.shape[1]
    if name in NETWORK_KERNELS:
        kind, act = name.split("-")
        return network_kernel(X, Z, activation=act, kind=kind, **params)
    if name == "ntk":
        b = params["bias"]
        Xt = np.hstack([X / math.sqrt(d), np.full((len(X), 1), b)])
        Zt = np.hstack([Z / math.sqrt(d), np.full((len(Z), 1), b)])
        nx, nz = np.linalg.norm(Xt, axis=1), np.linalg.norm(Zt, axis=1)
        G = Xt @ Zt.T
        nn = np.outer(nx, nz)
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.where(nn > 0, G / np.where(nn > 0, nn, 1.0), 1.0)
        np.clip(u, -1.0, 1.0, out=u)
        th = np.arccos(u)
        return G * (np.pi - th) / np.pi + nn * (np.sin(th) + (np.pi - th) * u) / np.pi
    K = cdist(X, Z, "sqeuclidean" if name == "rbf" else "cityblock")
    K *= -params["gamma"]
    np.exp(K, out=K)
    return K


def _named_params(name, d, params):
    if name in ("rbf", "laplace"):
        allowed = ("gamma",)
    elif name == "ntk":
        allowed = ("bias",)
    else:
        allowed = ("depth", "weight_var", "bias_var")
    extra = set(params) - set(allowed)
    if extra:
        raise ValueError(
            f"kernel {name!r} takes the parameters {', '.join(allowed)}; unknown: {', '.join(sorted(extra))}"
        )
    if name == "ntk":
        return {"bias": check_real("bias", params.get("bias", 1.0), low=0)}
    if name in ("rbf", "laplace"):
        return {"gamma": check_real("gamma", params.get("gamma", 1.0 / d), low=0, low_open=True)}
    out = {
        "depth": check_int("depth", params.get("depth", 1), low=1),
        "bias_var": check_real("bias_var", params.get("bias_var", 0.0), low=0),
    }
    if params.get("weight_var") is not None:
        out["weight_var"] = check_real("weight_var", params["weight_var"], low=0, low_open=True)
    return out


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:  # pragma: no cover - the optional extra
        raise ValueError("this kernel needs scikit-learn: pip install 'rgflow[data]'") from None


class Kernel:
    """A kernel as a picklable callable: ``k(X, Z)`` → the ``len(X) × len(Z)`` block (float64,
    finite, checked). ``name`` and ``params`` describe it (for ``meta``)."""

    def __init__(self, name, fn, params):
        self.name, self._fn, self.params = name, fn, dict(params)

    def __call__(self, X, Z):
        try:
            K = self._fn(X, Z)
        except ValueError:
            raise
        except Exception as exc:  # a user's callable: its failure as one message, not a traceback
            raise ValueError(
                f"kernel {self.name} failed on a {X.shape[0]} × {Z.shape[0]} block: "
                f"{type(exc).__name__}: {str(exc)[:200]}"
            ) from None
        if hasattr(K, "toarray"):
            K = K.toarray()
        try:
            K = np.asarray(K, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"kernel {self.name} must return an array of numbers, got {type(K).__name__}") from None
        if K.shape != (X.shape[0], Z.shape[0]):
            raise ValueError(
                f"kernel {self.name} must return a {X.shape[0]} × {Z.shape[0]} array on "
                f"({X.shape[0]}, {Z.shape[0]}) points, got shape {K.shape}"
            )
        if not np.all(np.isfinite(K)):
            raise ValueError(f"kernel {self.name} returned NaN or inf")
        return K

    def __repr__(self):
        return f"Kernel({self.name!r}, {self.params!r})"


class _NamedFn:
    def __init__(self, name, params):
        self.name, self.params = name, params

    def __call__(self, X, Z):
        return _named(self.name, X, Z, self.params)


class _PairwiseFn:
    def __init__(self, name, params):
        self.name, self.params = name, params

    def __call__(self, X, Z):
        from sklearn.metrics.pairwise import pairwise_kernels

        return pairwise_kernels(X, Z, metric=self.name, **self.params)


class _CallableFn:
    def __init__(self, fn, params):
        self.fn, self.params = fn, params

    def __call__(self, X, Z):
        return self.fn(X, Z, **self.params)


def resolve_kernel(kernel, d, params=None) -> Kernel:
    """The :class:`Kernel` of ``kernel`` (a name, a callable, a scikit-learn kernel object) on d features,
    with its keyword ``params`` (for a callable: passed as ``kernel(X, Z, **params)``). Validates the
    parameters (ValueError naming the parameter) before any Gram matrix is built."""
    params = dict(params or {})
    if isinstance(kernel, Kernel):
        if params:
            raise ValueError("a resolved Kernel takes no further kernel parameters")
        return kernel
    if isinstance(kernel, str):
        name = kernel.strip().lower()
        if name in NAMED_KERNELS:
            p = _named_params(name, d, params)
            return Kernel(name, _NamedFn(name, p), p)
        if name in _SKLEARN_PAIRWISE:
            _sklearn()
            import inspect

            from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS

            fn = PAIRWISE_KERNEL_FUNCTIONS[name]
            allowed = [a for a in inspect.signature(fn).parameters if a not in ("X", "Y")]
            extra = set(params) - set(allowed)
            if extra:
                raise ValueError(
                    f"kernel {name!r} takes the parameters {', '.join(allowed) or 'none'}; "
                    f"unknown: {', '.join(sorted(extra))}"
                )
            return Kernel(name, _PairwiseFn(name, params), params)
        if name in SKLEARN_GP_KERNELS:
            _sklearn()
            from sklearn.gaussian_process import kernels as gpk

            cls = getattr(gpk, SKLEARN_GP_KERNELS[name])
            try:
                obj = cls(**params)
            except TypeError as exc:
                raise ValueError(f"kernel {name!r}: bad parameters {sorted(params)} ({exc})") from None
            return Kernel(repr(obj), _CallableFn(obj, {}), params)
        raise ValueError(
            f"kernel must be a callable, a scikit-learn kernel object or one of "
            f"{', '.join(kernel_names())}; got {kernel!r}"
        )
    if callable(kernel):
        name = getattr(kernel, "__name__", None) or repr(kernel)
        if type(kernel).__module__.startswith("sklearn.gaussian_process"):
            name = repr(kernel)  # e.g. Matern(length_scale=1, nu=1.5)
            if params:
                raise ValueError("a scikit-learn kernel object carries its own parameters; pass no kernel parameters")
        return Kernel(str(name)[:200], _CallableFn(kernel, params), params)
    raise ValueError(
        f"kernel must be a name, a callable (X, Z) -> Gram matrix or a scikit-learn kernel object, "
        f"got {type(kernel).__name__}"
    )

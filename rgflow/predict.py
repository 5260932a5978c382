"""Predictors of ⟨Δ_k⟩ and Var Δ_k for every mode, and of the training loss per sample.

``rgflow.predict(model, method)`` calls :func:`predict` of this module (parameters, returns, raises
and an example: ``help(rgflow.predict.predict)``, listed under FUNCTIONS below).

Methods (docs/theory.md §2)
-------------------
``exact``       Hubbard–Stratonovich quadrature through the saddle (:mod:`rgflow.exact`).
``gp``          U = 0:  ⟨Δ_k⟩ = y_k/(1 + rλ_k),  Var Δ_k = λ_k/(1 + rλ_k).
``pt1``         first order in u (derivations §6):  ⟨Δ_k⟩ = M_k[1 − uG_k(A₀ + 2G_k)].
``rg``          Hartree-resummed Wilsonian flow down to the non-Gaussian infrared, the kept
                theory solved exactly, the shell modes read with its statistics, and an error
                estimate from the next order (:mod:`rgflow.rg`; ``info["error_estimate"]``).
``rg-1loop``    the plain one-loop reading: flow until every mode is integrated out (hybrid scheme),
                which accounts for the modes below k with the running couplings, then read mode k
                alone with the end couplings (r_∞, u_∞):  ⟨Δ_k⟩ = M_k(1 − 2u_∞G_k²), M, G at r_∞.
``rg-cutoff``   the plain tree-level reading at the cutoff, ℓ = Λ/k:  ⟨Δ_k⟩ = y_k/(1 + r(ℓ)λ_k).
``mean-field``  self-consistent Hartree mass μ = u Σ_q ⟨Δ_q²⟩_μ (the saddle of ``exact``).
``langevin``    sampling of exp(−S) (:mod:`rgflow.langevin`), with standard errors.

Networks (``Model(..., width=N, depth=L, parameterization=...)``, :mod:`rgflow.network`,
docs/networks.md): ``exact`` (the one-scalar mixture over Q), ``gp`` (N = ∞ at Q = g),
``pt1`` (first order in 1/N), ``mean-field`` (the posterior mode of Q), ``rg`` (the network's
Wilsonian RG with an error estimate) and ``sample`` (sampled weights of the real network,
:mod:`rgflow.network_sample`, with standard errors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from . import _equations as eq
from .flow import SWITCH
from .model import Model, check_model, gp_moments
from .results import Result

__all__ = ["predict", "Prediction", "METHODS", "NETWORK_METHODS", "ALL_METHODS"]


@dataclass(frozen=True)
class Prediction(Result):
    """⟨Δ_k⟩ and Var Δ_k over the modes k = 1..Λ by one method; loss = bias + variance = Σ⟨Δ_k⟩² + ΣVar Δ_k.

    Returned by :func:`predict`. ``to_dict()`` is the JSON form (method, k, mean, var, loss, bias,
    variance, the scalar entries of ``info``, params, version), ``to_rows()`` the CSV form.

    Attributes
    ----------
    method : str
        The predictor (a key of ``METHODS``).
    model : Model
        The model predicted.
    mean, var : ndarray, shape (Λ,)
        ⟨Δ_k⟩ and Var Δ_k for k = 1..Λ (``k`` gives the modes).
    info : dict
        What the method reports besides the moments, e.g. ``error_estimate`` (``rg``),
        ``mean_field_gap`` (``rg-1loop``), ``mean_stderr``, ``var_stderr`` (``langevin``).
    bias, variance, loss : float
        Σ_k ⟨Δ_k⟩², Σ_k Var Δ_k and the training loss per sample ⟨L⟩/P = bias + variance.

    Examples
    --------
    >>> import rgflow
    >>> pred = rgflow.predict(rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05), "gp")
    >>> pred.mean.shape, pred.method
    ((100,), 'gp')
    >>> print(f"{pred.loss:.5f} = {pred.bias:.5f} + {pred.variance:.5f}")
    1.51652 = 0.43626 + 1.08026
    """

    method: str
    model: Model
    mean: np.ndarray
    var: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def k(self) -> np.ndarray:
        return self.model.k

    @property
    def bias(self) -> float:
        """Σ_k ⟨Δ_k⟩²."""
        return float(np.sum(self.mean**2))

    @property
    def variance(self) -> float:
        """Σ_k Var Δ_k."""
        return float(np.sum(self.var))

    @property
    def loss(self) -> float:
        """Training loss per sample ⟨L⟩/P = Σ_k ⟨Δ_k²⟩ = bias + variance."""
        return self.bias + self.variance

    @property
    def test_error(self) -> float:
        """Expected test error of the trained predictor on the data distribution (docs/theory.md §5):
        E_test = (Σ_k ⟨Δ_k⟩² + ε²) / (1 − γ), γ = Σ_k L_k²/P, L_k = λ_k/(λ_k + K) at the model's
        effective ridge K = 1/r (:attr:`rgflow.Model.K`), ε² the spectrum's ``residual`` (target power
        outside the modes; 0 for a power law). Bare ridge: γ = 0, E_test = bias + ε² (equivalent
        kernel); renormalized ridge at U = 0: the eigenlearning (Σ_k (1 − L_k)² y_k² + ε²)/(1 − γ). For
        U > 0 the predictor's means ⟨Δ_k⟩ replace (1 − L_k) y_k; the factor 1/(1 − γ) stays that of K.
        Label noise σ² on the training labels (``model.noise``) adds σ² γ/(1 − γ), at every U
        (:func:`rgflow.ridge.noisy_error`; 0 for the bare ridge, γ = 0); the error is against the clean target."""
        from .ridge import noisy_error

        m = self.model
        omg = m.one_minus_gamma
        if not m.noise:  # γ is not needed: the noise-free value as before
            return noisy_error(self.bias, 0.0, omg, 0.0, m.spectrum.residual)
        return noisy_error(self.bias, 1.0 - omg, omg, m.noise, m.spectrum.residual)

    @property
    def train_error(self) -> float:
        """Expected training error of the trained predictor against its (noisy) training labels (docs/theory.md
        §5): (κ/(P K))² (E_test + σ²), σ² the label noise; for the bare ridge (K = κ/P) it is E_test + σ².
        Not the training loss ⟨L⟩/P (which adds the variance)."""
        m = self.model
        if m.ridge == "bare":
            return self.test_error + m.noise
        return (m.kappa / (m.P * m.K)) ** 2 * (self.test_error + m.noise)

    def _columns(self) -> dict:
        cols = {"k": np.arange(1, self.model.cutoff + 1), "mean": self.mean, "var": self.var}
        for key in ("mean_stderr", "var_stderr"):
            if key in self.info:
                cols[key] = np.asarray(self.info[key], dtype=float)
        return cols

    def _data(self) -> dict:
        """method, k (integers), mean, var (+ mean_stderr, var_stderr), loss, bias, variance,
        test_error, train_error and the scalar entries of info (finite numbers and strings)."""
        scalars = {
            key: v
            for key, v in self.info.items()
            if isinstance(v, str) or (isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v))
        }
        out = {
            "method": self.method,
            **self._columns(),
            "loss": self.loss,
            "bias": self.bias,
            "variance": self.variance,
            "test_error": self.test_error,
            "train_error": self.train_error,
            "info": scalars,
        }
        if "error_estimate" in self.info:  # contract of `rgflow predict --method rg`: a top-level key
            out["error_estimate"] = float(self.info["error_estimate"])
        return out


def gp(model):
    mean, var = gp_moments(model)
    return mean, var, {}


def pt1(model):
    M, G = gp_moments(model)
    A0 = float(np.sum(G + M * M))
    mean, var = eq.pt1_moments(M, G, A0, model.u)
    # relative first-order shift of the mean, u·G_k(A₀ + 2G_k): at >= 1 the mean changes sign and the
    # variance can turn negative -- first order in u is then meaningless (reported, not hidden)
    with np.errstate(over="ignore", invalid="ignore"):
        shift = model.u * G * (A0 + 2.0 * G)
    worst = float(np.max(shift)) if shift.size else 0.0
    if not (worst < 1.0 and np.all(var > 0)):
        import warnings

        k = int(np.argmax(shift)) + 1
        warnings.warn(
            f"pt1 is outside the range of first-order perturbation theory: the relative correction "
            f"u·G_k(A0 + 2G_k) reaches {worst:.3g} >= 1 at mode k={k}"
            + ("" if np.all(var > 0) else " and a variance is negative")
            + "; use 'rg' or 'exact'",
            RuntimeWarning,
            stacklevel=3,
        )
    return mean, var, {"A0": A0, "max_correction": worst}


RG_GAP = 0.05  # largest relative gap between rg-1loop and mean-field means before rg-1loop warns


def rg(model, *, rho=0.5, min_kept=16):
    from .rg import rg_moments

    return rg_moments(model, rho=rho, min_kept=min_kept)


def rg_1loop(model, switch=SWITCH):
    from .flow import flow

    r_end, u_end = flow(model, "hybrid", switch=switch).end
    M, G = gp_moments(model, r_end)
    mean, var = eq.one_mode_moments(M, G, u_end)
    info = {"r_end": r_end, "u_end": u_end}
    if model.u > 0.0:
        info["mean_field_gap"] = _mean_field_gap(model, mean)
    return mean, var, info


def _mean_field_gap(model, mean):
    """max_k |⟨Δ_k⟩_rg / ⟨Δ_k⟩_mf − 1|, warned about above RG_GAP.

    One loop has no error estimate of its own; where it fails (strong coupling, flat spectra) it
    leaves the self-consistent Hartree solution μ = u Σ_q (G_q + M_q²) (:func:`rgflow.exact.saddle`),
    which stays close to exact there.
    """
    from .exact import saddle

    mf, _ = gp_moments(model, model.r + saddle(model))
    gap = np.abs(mean / mf - 1.0)
    worst = float(np.max(gap))
    if worst > RG_GAP:
        import warnings

        warnings.warn(
            f"rg-1loop is outside the range of the one-loop flow: its mean differs from the "
            f"self-consistent mean field by {worst:.2g} at mode k={int(np.argmax(gap)) + 1} "
            f"(> {RG_GAP}); check with 'exact' or use 'rg'",
            RuntimeWarning,
            stacklevel=4,
        )
    return worst


def rg_cutoff(model, switch=SWITCH):
    from .flow import flow

    r_k = flow(model, "hybrid", switch=switch).at_mode(model.k)["r"]
    mean, var = gp_moments(model, r_k)
    return mean, var, {}


def mean_field(model):
    from .exact import saddle

    mu = saddle(model)
    mean, var = gp_moments(model, model.r + mu)
    return mean, var, {"mu": mu}


def exact(model, rtol=1e-11):
    from .exact import exact_moments

    res = exact_moments(model, rtol=rtol)
    return res.pop("mean"), res.pop("var"), res


def langevin(model, **options):
    from .langevin import langevin as sample

    _check_options("langevin", sample, options)
    res = dict(sample(model, **options))
    return res.pop("mean"), res.pop("var"), res


def _network_exact(model, rtol=1e-11):
    from .network import network_moments

    return network_moments(model, rtol=rtol)


def _network_gp(model):
    """N = ∞ with Q at its prior mean g: ⟨Δ_k⟩ = y_k/(1 + rλ_k), Var Δ_k = g λ_k/(1 + rλ_k)."""
    mean, var = gp_moments(model)
    return mean, var / model.width if model.parameterization == "mean-field" else var, {}


def _network_pt1(model):
    from .network import pt1_moments

    return pt1_moments(model)


def _network_rg(model, *, rho=0.25, min_kept=16):
    from .network import network_rg_moments

    return network_rg_moments(model, rho=rho, min_kept=min_kept)


def _network_mean_field(model):
    from .network import mean_field_moments

    return mean_field_moments(model)


def sample(model, **options):
    """Sampled weights of the network on the fixed design (:func:`rgflow.network_sample.sample_network`)."""
    if not model.network:
        raise ValueError(
            "method 'sample' samples a network's weights: give the model a width "
            "(for the quartic action use 'langevin')"
        )
    from .network_sample import sample_network

    _check_options("sample", sample_network, options)
    if options.get("progress") is True:  # a line about every second on stderr (the CLI's)
        import time

        from ._progress import say

        t0 = last = time.perf_counter()

        def report(done, total):
            nonlocal last
            now = time.perf_counter()
            if now - last >= 1.0 or done == total:
                last = now
                say(f"sample {100.0 * done / total:5.1f}% ({done}/{total} sweeps), {now - t0:.1f} s")

        options["progress"] = report
    elif options.get("progress") is False:
        options["progress"] = None
    # the sampler takes (P, κ) with r = P/κ: the renormalized ridge's mass r = 1/K enters as κ = P K
    kappa = model.kappa if model.ridge == "bare" else model.P / model.r
    res = dict(
        sample_network(
            model.eigenvalues(),
            model.target(),
            model.P,
            kappa,
            model.width,
            model.depth,
            model.parameterization,
            **options,
        )
    )
    return res.pop("mean"), res.pop("var"), res


METHODS = {
    "exact": exact,
    "gp": gp,
    "pt1": pt1,
    "rg": rg,
    "rg-1loop": rg_1loop,
    "rg-cutoff": rg_cutoff,
    "mean-field": mean_field,
    "langevin": langevin,
}
NETWORK_METHODS = {
    "exact": _network_exact,
    "gp": _network_gp,
    "pt1": _network_pt1,
    "rg": _network_rg,
    "mean-field": _network_mean_field,
    "sample": sample,
}
ALL_METHODS = tuple(dict.fromkeys([*METHODS, *NETWORK_METHODS]))  # every name predict takes


def predict(model: Model, method: str = "rg", **options) -> Prediction:
    """⟨Δ_k⟩ and Var Δ_k for every mode of ``model`` by ``method`` (GP: y_k/(1 + rλ_k), λ_k/(1 + rλ_k)).

    The methods (``METHODS``; the module docstring gives each formula): ``exact``
    (Hubbard–Stratonovich quadrature, the ground truth), ``gp`` (U = 0), ``pt1`` (first order
    in u), ``rg`` (Hartree-resummed Wilsonian flow with an error estimate), ``rg-1loop``,
    ``rg-cutoff`` (tree level at ℓ = Λ/k, as in the paper), ``mean-field`` and ``langevin``
    (sampling, with standard errors).

    Parameters
    ----------
    model : Model
        The model (power law or measured spectrum).
    method : str, optional
        One of ``METHODS`` (default ``'rg'``).
    **options
        Keyword options of the method, e.g. ``rtol`` (``exact``), ``rho``, ``min_kept`` (``rg``),
        ``seed`` (``langevin``).

    Returns
    -------
    Prediction
        ``mean``, ``var`` (arrays over k = 1..Λ), ``bias``, ``variance``, ``loss`` and ``info``.

    Raises
    ------
    ValueError
        If ``model`` is not a Model, ``method`` is unknown or an option is not one of the method's.
    FlowError
        If the RG flow leaves the range of its expansion (``rg`` family at strong coupling).
    ConvergenceError
        If the quadrature of ``exact`` does not converge.
    FloatingPointError
        If a method produced non-finite moments.

    Examples
    --------
    >>> import rgflow
    >>> model = rgflow.Model(alpha=0.2, beta=0.3, P=100, kappa=4.0, U=0.05)
    >>> exact, rg, gp = (rgflow.predict(model, m) for m in ("exact", "rg", "gp"))
    >>> print(f"loss: exact {exact.loss:.5f}, rg {rg.loss:.5f}, gp {gp.loss:.5f}")
    loss: exact 1.34051, rg 1.34051, gp 1.51652
    >>> worst = abs(rg.mean / exact.mean - 1).max()       # rg's worst relative error over k
    >>> bool(worst < rg.info["error_estimate"] * 10)
    True
    """
    check_model(model)
    if not isinstance(method, str) or method not in ALL_METHODS:
        raise ValueError(f"method must be one of {', '.join(ALL_METHODS)}, got {method!r}")
    table = NETWORK_METHODS if model.network else METHODS
    if method not in table:
        raise ValueError(
            f"method {method!r} is not defined for networks (width={model.width}): use one of "
            f"{', '.join(NETWORK_METHODS)}"
            if model.network
            else f"method {method!r} samples a network's weights: give the model a width "
            "(for the quartic action use 'langevin')"
        )
    if options:
        _check_options(method, table[method], options)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        mean, var, info = table[method](model, **options)
    mean = np.asarray(mean, dtype=float) * np.ones(model.cutoff)
    var = np.asarray(var, dtype=float) * np.ones(model.cutoff)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
        raise FloatingPointError(f"method {method!r} produced non-finite moments for {model.params}")
    with np.errstate(over="ignore"):
        loss = float(np.sum(mean * mean) + np.sum(var))
    if not math.isfinite(loss):
        raise FloatingPointError(f"method {method!r}: the loss sum_k <Delta_k^2> overflows float64 for {model.params}")
    if method != "pt1":  # pt1 warns outside its range instead (its moments may change sign there)
        _check_signs(method, model, mean, var)
    return Prediction(method, model, mean, var, info)


def _check_options(method, fn, options) -> None:
    """ValueError naming the options ``fn`` (a method) takes unless every key of ``options`` is one."""
    import inspect

    sig = inspect.signature(fn)
    if any(q.kind == q.VAR_KEYWORD for q in sig.parameters.values()):
        return
    allowed = [
        n
        for n, q in sig.parameters.items()
        if q.kind == q.KEYWORD_ONLY or (q.kind == q.POSITIONAL_OR_KEYWORD and n != "model")
    ]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"options of method {method!r} must be among {allowed or 'none'}, got {unknown}")


def _check_signs(method, model, mean, var) -> None:
    """FloatingPointError unless 0 < ⟨Δ_k⟩/y_k and 0 < Var Δ_k (docs/theory.md §1: the moments of exp(−S) with
    U ≥ 0): an underflow to 0 (a true value below float64's range) or a failed computation is named,
    with the range of κ that the Gaussian part can represent."""
    y = model.target()
    bad_mean = ~(mean * np.sign(y) > 0.0) & (y != 0.0)
    bad_var = ~(var > 0.0)
    if not (bad_mean.any() or bad_var.any()):
        return
    k = int(np.argmax(bad_mean | bad_var)) + 1
    n_mean, n_var = int(bad_mean.sum()), int(bad_var.sum())
    lam = model.eigenvalues()
    with np.errstate(divide="ignore", over="ignore"):
        # ln of the GP mean y_k/(1 + rλ_k), in logs so that it does not underflow itself
        log_gp = np.log(np.abs(np.where(y != 0.0, y, 1.0))) - np.logaddexp(0.0, math.log(model.r) + np.log(lam))
    tiny = math.log(np.finfo(float).tiny)
    if float(np.min(log_gp)) < tiny:
        # smallest κ at which every y_k/(1 + rλ_k) >= tiny: r ≤ min_k (|y_k|/tiny − 1)/λ_k, κ = P/r
        with np.errstate(over="ignore"):
            r_max = float(
                np.min((np.exp(np.minimum(np.log(np.abs(np.where(y != 0.0, y, 1.0))) - tiny, 700.0)) - 1.0) / lam)
            )
        raise FloatingPointError(
            f"method {method!r}: <Delta_k> underflows float64 (below {np.finfo(float).tiny:.3g}) at {n_mean} modes "
            f"from k={k} (kappa={model.kappa!r}, P={model.P}); use kappa >= {model.P / r_max:.3g} or a smaller cutoff"
        )
    what = " and ".join(w for w, n in ((f"{n_mean} means <= 0", n_mean), (f"{n_var} variances <= 0", n_var)) if n)
    raise FloatingPointError(
        f"method {method!r} failed numerically: {what} (first at k={k}) for {model.params}, against "
        "0 < <Delta_k>/y_k and 0 < Var Delta_k; use 'exact' or 'mean-field'"
    )
